//! S3 on fogbank's port: which requests are S3 ([`is_s3`]), and serving them through s3s's
//! `S3Service` ([`S3Front::serve`]) after fogbank's own guard and routing.
//!
//! fogbank accepts any credentials by default, but s3s verifies every SigV4 signature against a
//! secret its auth hook returns. So by default the front removes the signature (header or
//! presigned query, after checking a presigned URL's expiry) and decodes `aws-chunked` bodies
//! itself (`super::chunked`), handing s3s an anonymous request with a plain body. In strict mode
//! (`--strict-auth`) the request goes to s3s untouched with an auth hook holding the configured
//! keys, and s3s checks the signature, chunk signatures included.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use s3s::auth::{S3Auth, SecretKey};
use s3s::host::{S3Host, VirtualHost};
use s3s::service::{S3Service, S3ServiceBuilder};
use s3s::{S3Result, s3_error};

use super::backend::Backend;
use super::chunked::{self, Trailers};
use super::engine::S3Engine;
use crate::context::RequestContext;

/// Virtual-hosted bucket hosts: `<bucket>.s3.localhost.localstack.cloud`, `<bucket>.localhost`.
const BUCKET_HOST_SUFFIXES: [&str; 2] = [".s3.localhost.localstack.cloud", ".localhost"];

fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host;
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// The bucket a virtual-hosted host names, if any.
pub fn bucket_of_host(host: &str) -> Option<&str> {
    let h = host_name(host);
    BUCKET_HOST_SUFFIXES.iter().find_map(|s| {
        h.strip_suffix(s)
            .filter(|b| !b.is_empty() && !b.ends_with(".lambda-url"))
    })
}

struct Hosts;

impl S3Host for Hosts {
    fn parse_host_header<'a>(&'a self, host: &'a str) -> S3Result<VirtualHost<'a>> {
        let h = host_name(host);
        for s in BUCKET_HOST_SUFFIXES {
            if let Some(b) = h.strip_suffix(s).filter(|b| !b.is_empty()) {
                return Ok(VirtualHost::new(&s[1..]).with_bucket(b));
            }
        }
        Ok(VirtualHost::new(h))
    }
}

/// Where strict mode finds the keys fogbank issued itself: STS's temporary credentials
/// (`ASIA...`) and IAM users' access keys (`AKIA...`), as the other services accept them.
#[derive(Clone)]
pub struct Issuers {
    pub sts: Arc<crate::sts::StsEngine>,
    pub iam: Arc<crate::iam::IamEngine>,
    pub clock: Arc<dyn crate::clock::Clock>,
}

/// Strict mode: the configured access keys and secrets, then the keys fogbank issued.
#[derive(Clone)]
pub(super) struct Keys {
    fixed: Arc<HashMap<String, String>>,
    issued: Issuers,
}

/// Why strict mode refuses a request's key: S3's error code and message.
pub(super) type KeyRefusal = (&'static str, &'static str);

const UNKNOWN_KEY: KeyRefusal = (
    "InvalidAccessKeyId",
    "The AWS Access Key Id you provided does not exist in our records.",
);

impl Keys {
    /// The secret of `access_key`: a configured one, an unexpired STS key's, or an active
    /// IAM user key's.
    pub(super) fn secret(&self, access_key: &str) -> Result<String, KeyRefusal> {
        if let Some(s) = self.fixed.get(access_key) {
            return Ok(s.clone());
        }
        if access_key.starts_with("ASIA")
            && let Some(creds) = self.issued.sts.lookup(access_key)
        {
            if self.issued.clock.now_millis() >= creds.expires_ms {
                return Err(("ExpiredToken", "The provided token has expired."));
            }
            return Ok(creds.secret_access_key.clone());
        }
        if access_key.starts_with("AKIA")
            && let Some(owner) = self.issued.iam.access_key(access_key)
            && owner.active
        {
            return Ok(owner.secret.clone());
        }
        Err(UNKNOWN_KEY)
    }

    /// An STS key needs the session token issued with it (S3 requires it): none is an
    /// unknown key, another an invalid token. Other keys need none.
    pub(super) fn check_session_token(
        &self,
        access_key: &str,
        token: Option<&str>,
    ) -> Result<(), KeyRefusal> {
        if !access_key.starts_with("ASIA") || self.fixed.contains_key(access_key) {
            return Ok(());
        }
        let Some(creds) = self.issued.sts.lookup(access_key) else {
            return Ok(());
        };
        match token {
            Some(t) if t == creds.session_token => Ok(()),
            Some(_) => Err((
                "InvalidToken",
                "The provided token is malformed or otherwise invalid.",
            )),
            None => Err(UNKNOWN_KEY),
        }
    }
}

#[async_trait::async_trait]
impl S3Auth for Keys {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<SecretKey> {
        match self.secret(access_key) {
            Ok(s) => Ok(SecretKey::from(s)),
            Err(("ExpiredToken", message)) => Err(s3_error!(ExpiredToken, "{message}")),
            Err((_, message)) => Err(s3_error!(InvalidAccessKeyId, "{message}")),
        }
    }
}

/// Strict mode: a request signed with an STS key must carry its session token (header or
/// presigned query); `None` when it does or needs none.
fn session_token_refusal(parts: &Parts, keys: &Keys, rid: &str) -> Option<Response> {
    let query = parts.uri.query().unwrap_or("");
    let key = crate::server::auth::scope_of(&parts.headers, query).access_key?;
    let token = parts
        .headers
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "X-Amz-Security-Token")
                .map(|(_, v)| v.into_owned())
        });
    let (code, message) = keys.check_session_token(&key, token.as_deref()).err()?;
    let status = if code == "InvalidToken" {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::FORBIDDEN
    };
    Some(error_xml(status, code, message, rid))
}

/// Whether a request (not a function URL, not an internal endpoint) is for S3: signed for
/// service `s3` (header or presigned `X-Amz-Credential`), SigV2 (`AWS <key>:<sig>`), a
/// virtual-hosted bucket host, or an unsigned request without any other protocol's markers
/// (`X-Amz-Target`, an `Action` parameter, a form body, `/`, a Lambda REST path, a queue URL).
pub fn is_s3(parts: &Parts, scope_service: Option<&str>, lambda_path: bool) -> bool {
    is_s3_head(
        &parts.method,
        &parts.uri,
        &parts.headers,
        scope_service,
        lambda_path,
    )
}

/// [`is_s3`] from the pieces of a request head (the guard asks it of a preflight, with the
/// method the preflight announces).
pub fn is_s3_head(
    method: &Method,
    uri: &axum::http::Uri,
    headers: &axum::http::HeaderMap,
    scope_service: Option<&str>,
    lambda_path: bool,
) -> bool {
    if let Some(s) = scope_service {
        return s == "s3";
    }
    if headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.starts_with("AWS "))
    {
        return true;
    }
    if headers.contains_key("x-amz-target") || headers.contains_key(header::AUTHORIZATION) {
        return false;
    }
    let query = uri.query().unwrap_or("");
    if form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == "Action") {
        return false;
    }
    // The query protocols use GET and POST only: another method (a presigned PUT that a
    // client sent with a form content type, as Python's urllib does) is S3's.
    let path = uri.path();
    if !matches!(*method, Method::GET | Method::POST)
        && !lambda_path
        && path != "/"
        && !path.starts_with("/_")
    {
        return true;
    }
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| {
            c.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if form {
        return false;
    }
    // Other services' hosts (`sqs.localhost`, ...) are not buckets here.
    if headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .and_then(bucket_of_host)
        .is_some_and(|b| {
            !matches!(b, "sqs" | "sns" | "lambda")
                && !b.starts_with("sqs.")
                && !b.starts_with("sns.")
        })
    {
        return true;
    }
    if path == "/" || path.starts_with("/_") || lambda_path {
        return false;
    }
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let queue_path =
        first == "queue" || (first.len() == 12 && first.bytes().all(|b| b.is_ascii_digit()));
    if queue_path && matches!(*method, Method::GET | Method::POST) {
        return false;
    }
    true
}

/// The S3 service as fogbank serves it.
pub struct S3Front {
    service: S3Service,
    strict: bool,
    /// For CORS answers from buckets' configurations (`super::cors`) and form POSTs.
    engine: Arc<S3Engine>,
    /// Strict mode's keys (s3s checks requests' signatures with them; form POST signatures
    /// and STS keys' session tokens are checked here).
    keys: Option<Keys>,
}

impl std::fmt::Debug for S3Front {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Front")
            .field("strict", &self.strict)
            .finish()
    }
}

const AUTH_QUERY: [&str; 10] = [
    "AWSAccessKeyId",
    "Signature",
    "Expires",
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
];

fn error_xml(status: StatusCode, code: &str, message: &str, rid: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/xml")],
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{rid}</RequestId></Error>"
        ),
    )
        .into_response()
}

/// A presigned URL's `X-Amz-Date` + `X-Amz-Expires` lies in the past.
fn presign_expired(query: &str, now: std::time::SystemTime) -> bool {
    let mut date = None;
    let mut expires = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "X-Amz-Date" => date = Some(v.into_owned()),
            "X-Amz-Expires" => expires = v.parse::<u64>().ok(),
            _ => {}
        }
    }
    // SigV2 (`AWSAccessKeyId`, `Signature`, `Expires` in epoch seconds), as boto3 presigns.
    if let Some(t) = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "Expires")
        .and_then(|(_, v)| v.parse::<u64>().ok())
    {
        return std::time::UNIX_EPOCH + std::time::Duration::from_secs(t) < now;
    }
    let (Some(date), Some(expires)) = (date, expires) else {
        return false;
    };
    let Ok(t) = time::PrimitiveDateTime::parse(
        &date,
        time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"),
    ) else {
        return false;
    };
    let signed = std::time::SystemTime::from(t.assume_utc());
    signed + std::time::Duration::from_secs(expires) < now
}

impl S3Front {
    pub fn new(
        engine: Arc<S3Engine>,
        default_account: &str,
        default_region: &str,
        strict: Option<Arc<HashMap<String, String>>>,
        issuers: Issuers,
    ) -> Self {
        let mut b = S3ServiceBuilder::new(Backend {
            engine: engine.clone(),
            default_account: default_account.to_string(),
            default_region: default_region.to_string(),
        });
        b.set_host(Hosts);
        let keys = strict.map(|fixed| Keys {
            fixed,
            issued: issuers,
        });
        if let Some(k) = &keys {
            b.set_auth(k.clone());
        }
        S3Front {
            service: b.build(),
            strict: keys.is_some(),
            engine,
            keys,
        }
    }

    /// Serve one S3 request: preflights and CORS headers from the bucket's CORS
    /// configuration (`super::cors`), everything else through s3s.
    pub async fn serve(
        &self,
        ctx: RequestContext,
        parts: Parts,
        body: Body,
        rid: &str,
    ) -> Response {
        if parts.method == Method::OPTIONS {
            let mut res = super::cors::preflight(&self.engine, &parts, rid);
            if let Ok(v) = HeaderValue::from_str(rid) {
                res.headers_mut().insert("x-amz-request-id", v);
            }
            return res;
        }
        let cors = if parts.headers.contains_key(header::ORIGIN) {
            super::cors::actual(&self.engine, &parts)
        } else {
            axum::http::HeaderMap::new()
        };
        let mut res = match super::post::form_post(&parts) {
            Some((bucket, boundary)) => {
                let mut r = super::post::serve(
                    &self.engine,
                    self.keys.as_ref(),
                    &bucket,
                    &boundary,
                    body,
                    rid,
                )
                .await;
                if let Ok(v) = HeaderValue::from_str(rid) {
                    r.headers_mut().insert("x-amz-request-id", v);
                }
                r
            }
            None => self.serve_s3s(ctx, parts, body, rid).await,
        };
        for (name, value) in cors {
            if let Some(name) = name {
                res.headers_mut().insert(name, value);
            }
        }
        res
    }

    async fn serve_s3s(
        &self,
        ctx: RequestContext,
        mut parts: Parts,
        body: Body,
        rid: &str,
    ) -> Response {
        let mut body = body;
        if let Some(keys) = &self.keys
            && let Some(refused) = session_token_refusal(&parts, keys, rid)
        {
            return refused;
        }
        if !self.strict {
            let query = parts.uri.query().unwrap_or("").to_string();
            if query.contains("X-Amz-Signature=")
                || (query.contains("Signature=") && query.contains("AWSAccessKeyId="))
            {
                if presign_expired(&query, std::time::SystemTime::now()) {
                    return error_xml(
                        StatusCode::FORBIDDEN,
                        "AccessDenied",
                        "Request has expired",
                        rid,
                    );
                }
                let kept: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
                    .filter(|(k, _)| !AUTH_QUERY.contains(&k.as_ref()))
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                let mut pq = parts.uri.path().to_string();
                if !kept.is_empty() {
                    pq.push('?');
                    pq.push_str(
                        &kept
                            .iter()
                            .map(|(k, v)| {
                                let enc = |s: &str| {
                                    percent_encoding::utf8_percent_encode(s, QUERY_SET).to_string()
                                };
                                if v.is_empty() {
                                    enc(k)
                                } else {
                                    format!("{}={}", enc(k), enc(v))
                                }
                            })
                            .collect::<Vec<_>>()
                            .join("&"),
                    );
                }
                let mut uparts = parts.uri.clone().into_parts();
                match pq.parse() {
                    Ok(p) => uparts.path_and_query = Some(p),
                    Err(_) => {
                        return error_xml(
                            StatusCode::BAD_REQUEST,
                            "InvalidURI",
                            "Couldn't parse the specified URI.",
                            rid,
                        );
                    }
                }
                if let Ok(u) = axum::http::Uri::from_parts(uparts) {
                    parts.uri = u;
                }
            }
            parts.headers.remove(header::AUTHORIZATION);
            let h = &parts.headers;
            let streaming = h
                .get("x-amz-content-sha256")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("STREAMING-"))
                || h.get(header::CONTENT_ENCODING)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| {
                        v.split(',')
                            .any(|p| p.trim().eq_ignore_ascii_case("aws-chunked"))
                    });
            if streaming {
                let decoded = h
                    .get("x-amz-decoded-content-length")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok());
                let rest = h
                    .get(header::CONTENT_ENCODING)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| {
                        v.split(',')
                            .map(str::trim)
                            .filter(|p| !p.is_empty() && !p.eq_ignore_ascii_case("aws-chunked"))
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default();
                match decoded {
                    Some(n) => {
                        parts
                            .headers
                            .insert(header::CONTENT_LENGTH, HeaderValue::from(n));
                    }
                    None => {
                        parts.headers.remove(header::CONTENT_LENGTH);
                    }
                }
                match HeaderValue::from_str(&rest) {
                    Ok(v) if !rest.is_empty() => {
                        parts.headers.insert(header::CONTENT_ENCODING, v);
                    }
                    _ => {
                        parts.headers.remove(header::CONTENT_ENCODING);
                    }
                }
                parts.headers.remove("x-amz-content-sha256");
                let slot = Trailers::default();
                parts.extensions.insert(slot.clone());
                body = Body::from_stream(chunked::decode(body.into_data_stream(), slot));
            }
        }
        parts.extensions.insert(ctx);
        let req = axum::http::Request::from_parts(parts, s3s::Body::http_body_unsync(body));
        let mut res = match self.service.call(req).await {
            Ok(r) => r.map(Body::new),
            Err(e) => {
                tracing::warn!("s3: service error: {e:?}");
                return error_xml(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalError",
                    "We encountered an internal error. Please try again.",
                    rid,
                );
            }
        };
        if let Ok(v) = HeaderValue::from_str(rid) {
            res.headers_mut().insert("x-amz-request-id", v);
        }
        if res.status().as_u16() >= 400 && res.status() != StatusCode::NOT_MODIFIED {
            res = polish_error(res, rid).await;
        }
        res
    }
}

/// AWS's wording for errors s3s raises without a message.
fn default_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "InvalidBucketName" => "The specified bucket is not valid.",
        "InvalidURI" => "Couldn't parse the specified URI.",
        "KeyTooLongError" => "Your key is too long",
        "MalformedXML" => {
            "The XML you provided was not well-formed or did not validate against our published schema"
        }
        "MethodNotAllowed" => "The specified method is not allowed against this resource.",
        "NotImplemented" => "A header you provided implies functionality that is not implemented",
        "AccessDenied" => "Access Denied",
        "InvalidRange" => "The requested range is not satisfiable",
        "MissingContentLength" => "You must provide the Content-Length HTTP header.",
        "IncompleteBody" => {
            "You did not provide the number of bytes specified by the Content-Length HTTP header"
        }
        "SignatureDoesNotMatch" => {
            "The request signature we calculated does not match the signature you provided. Check your key and signing method."
        }
        _ => return None,
    })
}

/// Give an XML error body the `Message` AWS would have written and the `RequestId`.
async fn polish_error(res: Response, rid: &str) -> Response {
    let xml = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/xml"));
    if !xml {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let mut text = text.to_string();
    if !text.contains("<Message>")
        && let (Some(a), Some(b)) = (text.find("<Code>"), text.find("</Code>"))
        && a + 6 <= b
        && let Some(m) = default_message(&text[a + 6..b])
    {
        text.insert_str(b + 7, &format!("<Message>{m}</Message>"));
    }
    if !text.contains("<RequestId>")
        && let Some(i) = text.rfind("</Error>")
    {
        text.insert_str(i, &format!("<RequestId>{rid}</RequestId>"));
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(text))
}

/// What a query component keeps unencoded (RFC 3986 unreserved).
const QUERY_SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut b = axum::http::Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn tells_s3_apart() {
        assert!(is_s3(&parts("GET", "/b/k", &[]), Some("s3"), false));
        assert!(!is_s3(&parts("PUT", "/b/k", &[]), Some("sqs"), false));
        assert!(is_s3(&parts("PUT", "/b/k", &[]), None, false));
        assert!(is_s3(
            &parts(
                "GET",
                "/k",
                &[("host", "b.s3.localhost.localstack.cloud:4566")]
            ),
            None,
            false
        ));
        assert!(is_s3(
            &parts("GET", "/k", &[("host", "b.localhost:4566")]),
            None,
            false
        ));
        assert!(!is_s3(&parts("GET", "/", &[]), None, false));
        assert!(!is_s3(
            &parts("GET", "/000000000000/q", &[("host", "sqs.localhost:4566")]),
            None,
            false
        ));
        assert!(!is_s3(
            &parts(
                "GET",
                "/?Action=ListQueues",
                &[("host", "b.localhost:4566")]
            ),
            None,
            false
        ));
        assert!(!is_s3(
            &parts("GET", "/?Action=ListQueues", &[]),
            None,
            false
        ));
        assert!(!is_s3(&parts("GET", "/000000000000/q", &[]), None, false));
        assert!(!is_s3(
            &parts(
                "POST",
                "/b",
                &[("content-type", "application/x-www-form-urlencoded")]
            ),
            None,
            false
        ));
        assert!(!is_s3(
            &parts("GET", "/2015-03-31/functions", &[]),
            None,
            true
        ));
        assert!(!is_s3(
            &parts("POST", "/", &[("x-amz-target", "AmazonSQS.ListQueues")]),
            None,
            false
        ));
    }

    #[test]
    fn presigned_expiry() {
        let now = std::time::SystemTime::now();
        assert!(presign_expired(
            "X-Amz-Date=20200101T000000Z&X-Amz-Expires=60",
            now
        ));
        assert!(!presign_expired(
            "X-Amz-Date=29990101T000000Z&X-Amz-Expires=60",
            now
        ));
    }
}
