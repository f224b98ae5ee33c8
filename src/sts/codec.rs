//! STS over the query protocol: form pairs in, XML out, or JSON for a client that sends
//! `Accept: application/json` (as aws-iam-authenticator style clients do for
//! GetCallerIdentity).

use super::engine::*;
use crate::context::RequestContext;
use crate::protocol::Reply;
use crate::protocol::node::{self, Node, Obj};

/// The STS XML namespace.
pub const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// The STS API version (`Version=`).
pub const VERSION: &str = "2011-06-15";

/// The actions served (an unsigned request without `Version` is routed here by its action).
pub const ACTIONS: &[&str] = &[
    "AssumeRole",
    "AssumeRoleWithWebIdentity",
    "GetAccessKeyInfo",
    "GetCallerIdentity",
    "GetFederationToken",
    "GetSessionToken",
];

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn req<'a>(pairs: &'a [(String, String)], key: &str, member: &str) -> StsResult<&'a str> {
    get(pairs, key).ok_or_else(|| {
        StsError::validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

fn int(pairs: &[(String, String)], key: &str) -> StsResult<Option<i64>> {
    match get(pairs, key) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| StsError::validation(format!("Invalid value for {key}: {v}"))),
    }
}

fn credentials(c: &Issued) -> Node {
    Obj::new()
        .s("AccessKeyId", &c.access_key_id)
        .s("SecretAccessKey", &c.secret_access_key)
        .s("SessionToken", &c.session_token)
        .time("Expiration", c.expires_ms)
        .build()
}

/// `PackedPolicySize` (deprecated) and `SessionTokenUtilization`: the share (percent) of the
/// session token's quota the session policy takes; `SessionTokenSize`: the token's bytes.
fn token_use(o: Obj, percent: i64, c: &Issued) -> Obj {
    o.int("PackedPolicySize", percent)
        .int("SessionTokenUtilization", percent)
        .int("SessionTokenSize", c.session_token.len() as i64)
}

fn assumed(out: &AssumeRoleResponse) -> Obj {
    Obj::new()
        .node("Credentials", credentials(&out.credentials))
        .node(
            "AssumedRoleUser",
            Obj::new()
                .s("AssumedRoleId", &out.assumed_role_id)
                .s("Arn", &out.assumed_role_arn)
                .build(),
        )
}

fn dispatch(
    engine: &StsEngine,
    ctx: &RequestContext,
    default_account: &str,
    action: &str,
    p: &[(String, String)],
) -> StsResult<Node> {
    match action {
        "GetCallerIdentity" => {
            let me = engine.caller(ctx);
            Ok(Obj::new()
                .s("UserId", &me.user_id)
                .s("Account", &me.account)
                .s("Arn", &me.arn)
                .build())
        }
        "AssumeRole" => {
            let out = engine.assume_role(
                ctx,
                AssumeRoleRequest {
                    role_arn: req(p, "RoleArn", "roleArn")?.to_string(),
                    role_session_name: req(p, "RoleSessionName", "roleSessionName")?.to_string(),
                    duration_seconds: int(p, "DurationSeconds")?,
                    policy: get(p, "Policy").map(str::to_string),
                    source_identity: get(p, "SourceIdentity").map(str::to_string),
                },
            )?;
            let mut o = assumed(&out);
            if let Some(n) = out.packed_policy_size {
                o = token_use(o, n, &out.credentials);
            }
            Ok(o.opt("SourceIdentity", out.source_identity.as_deref())
                .build())
        }
        "AssumeRoleWithWebIdentity" => {
            let (out, web) =
                engine.assume_role_with_web_identity(AssumeRoleWithWebIdentityRequest {
                    role_arn: req(p, "RoleArn", "roleArn")?.to_string(),
                    role_session_name: req(p, "RoleSessionName", "roleSessionName")?.to_string(),
                    web_identity_token: req(p, "WebIdentityToken", "webIdentityToken")?.to_string(),
                    provider_id: get(p, "ProviderId").map(str::to_string),
                    duration_seconds: int(p, "DurationSeconds")?,
                    policy: get(p, "Policy").map(str::to_string),
                })?;
            let mut o = assumed(&out).s("SubjectFromWebIdentityToken", &web.subject);
            if let Some(n) = out.packed_policy_size {
                o = token_use(o, n, &out.credentials);
            }
            Ok(o.s("Provider", &web.provider)
                .s("Audience", &web.audience)
                .build())
        }
        "GetSessionToken" => {
            let c = engine.get_session_token(ctx, int(p, "DurationSeconds")?)?;
            Ok(Obj::new().node("Credentials", credentials(&c)).build())
        }
        "GetFederationToken" => {
            let (c, packed) = engine.get_federation_token(
                ctx,
                req(p, "Name", "name")?,
                int(p, "DurationSeconds")?,
                get(p, "Policy"),
            )?;
            let o = Obj::new().node("Credentials", credentials(&c)).node(
                "FederatedUser",
                Obj::new()
                    .s("FederatedUserId", &c.principal.user_id)
                    .s("Arn", &c.principal.arn)
                    .build(),
            );
            Ok(token_use(o, packed, &c).build())
        }
        "GetAccessKeyInfo" => {
            let key = req(p, "AccessKeyId", "accessKeyId")?;
            Ok(Obj::new()
                .s("Account", &engine.access_key_account(key, default_account))
                .build())
        }
        _ => Err(StsError::new(
            "InvalidAction",
            400,
            format!("Could not find operation {action} for version {VERSION}"),
        )),
    }
}

/// Run one STS action and render the reply (JSON when `json`).
pub fn handle(
    engine: &StsEngine,
    ctx: &RequestContext,
    default_account: &str,
    action: &str,
    pairs: &[(String, String)],
    json: bool,
    rid: &str,
) -> Reply {
    match dispatch(engine, ctx, default_account, action, pairs) {
        Ok(result) if json => json_reply(200, node::json_response(action, Some(&result), rid)),
        Ok(result) => Reply::xml(200, node::xml_response(XMLNS, action, Some(&result), rid)),
        Err(e) => error_reply(&e, json, rid),
    }
}

fn json_reply(status: u16, body: Vec<u8>) -> Reply {
    Reply {
        status,
        content_type: "application/json",
        headers: Vec::new(),
        body,
    }
}

/// Render an STS error.
pub fn error_reply(e: &StsError, json: bool, rid: &str) -> Reply {
    let sender = e.status < 500;
    if json {
        json_reply(e.status, node::json_error(e.code, &e.message, sender, rid))
    } else {
        Reply::xml(
            e.status,
            node::xml_error(XMLNS, e.code, &e.message, sender, rid),
        )
    }
}
