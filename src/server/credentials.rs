//! Credentials fogbank issued itself: temporary ones from STS (`ASIA...`) and IAM users'
//! access keys (`AKIA...`). The router asks here which account and principal such a key acts
//! as, and strict mode how to verify it. Other keys (`test`, 12-digit accounts) never reach
//! the maps: only the prefix is looked at.

use std::collections::HashMap;
use std::time::SystemTime;

use axum::http::header;
use axum::http::request::Parts;

use super::auth::scope_of;
use super::router::AppState;
use super::sigv4::{self, AuthFailure};
use crate::clock::Millis;
use crate::context::Principal;
use crate::protocol::query;
use crate::sts::engine::Issued;

/// The account and principal of a key STS or IAM issued.
pub(super) fn known_key(state: &AppState, key: &str) -> Option<(String, Principal)> {
    if key.starts_with("ASIA") {
        state
            .sts
            .lookup(key)
            .map(|i| (i.account.clone(), i.principal.clone()))
    } else if key.starts_with("AKIA") {
        state
            .iam
            .access_key(key)
            .map(|o| (o.account.clone(), o.principal.clone()))
    } else {
        None
    }
}

fn invalid_token() -> AuthFailure {
    AuthFailure {
        code: "InvalidClientTokenId",
        message: "The security token included in the request is invalid.".to_string(),
    }
}

/// Strict mode: verify the request against the configured credentials, or against the key
/// fogbank issued that signed it. AssumeRoleWithWebIdentity passes unsigned, as on AWS.
pub(super) fn verify(
    state: &AppState,
    parts: &Parts,
    body: &[u8],
    creds: &HashMap<String, String>,
) -> Result<(), AuthFailure> {
    let presigned = parts
        .uri
        .query()
        .is_some_and(|q| q.contains("X-Amz-Signature="));
    if !parts.headers.contains_key(header::AUTHORIZATION)
        && !presigned
        && is_unsigned_sts(parts, body)
    {
        return Ok(());
    }
    let now = SystemTime::now();
    let key = scope_of(&parts.headers, parts.uri.query().unwrap_or("")).access_key;
    if let Some(key) = key.filter(|k| !creds.contains_key(k)) {
        if key.starts_with("ASIA")
            && let Some(issued) = state.sts.lookup(&key)
        {
            return verify_issued(parts, body, &issued, now, state.config.clock.now_millis());
        }
        if key.starts_with("AKIA")
            && let Some(owner) = state.iam.access_key(&key)
        {
            if !owner.active {
                return Err(invalid_token());
            }
            let one = HashMap::from([(key, owner.secret.clone())]);
            return sigv4::verify(parts, body, &one, now);
        }
    }
    sigv4::verify(parts, body, creds, now)
}

/// Whether the request is STS's AssumeRoleWithWebIdentity (the one STS action AWS serves
/// unsigned).
fn is_unsigned_sts(parts: &Parts, body: &[u8]) -> bool {
    let query = parts.uri.query().unwrap_or("").as_bytes();
    [query, body].iter().any(|b| {
        query::parse_form(b).is_some_and(|pairs| {
            pairs
                .iter()
                .any(|(k, v)| k == "Action" && v == "AssumeRoleWithWebIdentity")
        })
    })
}

/// Temporary credentials: the session token must be the one issued with the key, the
/// credentials unexpired (by the engine clock), and the signature made with their secret.
fn verify_issued(
    parts: &Parts,
    body: &[u8],
    issued: &Issued,
    now: SystemTime,
    now_ms: Millis,
) -> Result<(), AuthFailure> {
    let token = parts
        .headers
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
                .find(|(k, _)| k == "X-Amz-Security-Token")
                .map(|(_, v)| v.into_owned())
        });
    if token.as_deref() != Some(issued.session_token.as_str()) {
        return Err(invalid_token());
    }
    if now_ms >= issued.expires_ms {
        return Err(AuthFailure {
            code: "ExpiredToken",
            message: "The security token included in the request is expired".to_string(),
        });
    }
    let one = HashMap::from([(
        issued.access_key_id.clone(),
        issued.secret_access_key.clone(),
    )]);
    sigv4::verify(parts, body, &one, now)
}
