//! Function URL requests: the body read within the synchronous payload limit, the caller
//! established (SigV4: verified in strict mode, well-formed otherwise), then `lambda::url`.

use axum::body::Body;
use axum::http::request::Parts;

use super::auth::scope_of;
use super::router::AppState;
use crate::lambda::engine::MAX_SYNC_PAYLOAD;
use crate::lambda::url::{self, Caller, UrlRequest, UrlRoute};

/// Whether the request carries a SigV4 signature (header or presigned query).
fn is_signed(parts: &Parts) -> bool {
    parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256"))
        || parts
            .uri
            .query()
            .is_some_and(|q| q.contains("X-Amz-Signature="))
}

fn caller_of(state: &AppState, parts: &Parts, body: &[u8]) -> Caller {
    if !is_signed(parts) {
        return Caller::Anonymous;
    }
    if let Some(creds) = &state.config.strict_auth
        && let Err(f) = super::sigv4::verify(parts, body, creds, std::time::SystemTime::now())
    {
        tracing::info!(code = f.code, "function URL request refused: {}", f.message);
        return Caller::BadSignature;
    }
    let scope = scope_of(&parts.headers, parts.uri.query().unwrap_or(""));
    let Some(access_key) = scope.access_key else {
        return Caller::BadSignature;
    };
    let account = if access_key.len() == 12 && access_key.bytes().all(|b| b.is_ascii_digit()) {
        access_key.clone()
    } else {
        state.config.default_account.clone()
    };
    Caller::Signed {
        access_key,
        account,
    }
}

/// Serve a request addressed to a function URL.
pub(super) async fn serve(
    state: &AppState,
    parts: Parts,
    body: Body,
    route: UrlRoute,
    rid: &str,
) -> axum::response::Response {
    let Some(target) = state
        .lambda
        .url_target(&route.url_id, route.region.as_deref())
    else {
        return url::no_such_url(rid);
    };
    let Ok(body) = axum::body::to_bytes(body, MAX_SYNC_PAYLOAD).await else {
        return url::too_large(rid);
    };
    let caller = caller_of(state, &parts, &body);
    let authorized = url::authorized(&target, &caller, state.config.strict_auth.is_some());
    let req = UrlRequest {
        method: &parts.method,
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        version: parts.version,
        body: &body,
    };
    url::serve(&state.lambda, &route, target, req, &caller, authorized, rid).await
}
