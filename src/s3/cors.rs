//! CORS as S3 answers it, from the bucket's CORS configuration (PutBucketCors).
//!
//! - A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) on a bucket or
//!   object path: the first rule whose AllowedOrigins match the origin (one `*` wildcard at
//!   most), whose AllowedMethods hold the requested method and whose AllowedHeaders cover every
//!   requested header gives 200 with `Access-Control-Allow-Origin` (the origin, or `*` for a
//!   `*` rule), `-Allow-Methods` (the rule's), `-Allow-Headers` (those requested),
//!   `-Expose-Headers`, `-Max-Age`, `-Allow-Credentials: true` (not with `*`) and `Vary`.
//!   Otherwise 403 `AccessForbidden`: "CORSResponse: CORS is not enabled for this bucket."
//!   without a configuration, "CORSResponse: This CORS request is not allowed. ..." when no
//!   rule matches, "CORSResponse: Bucket not found" for a missing bucket; an `OPTIONS` without
//!   `Origin` is 400 `BadRequest` "Insufficient information. Origin request header needed.".
//! - Any other request with an `Origin`: the matching rule's headers (checked against the
//!   request's own method) are added to the reply, whatever its status; no rule, no headers
//!   (the browser then keeps the reply from the page).
//!
//! The request guard (`server::guard`) decides first whether a page's origin may reach fogbank
//! at all (loopback origins and `--allow-origin`); for S3 requests from an allowed origin it
//! leaves the CORS answers to this module.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use axum::response::Response;
use s3s::dto::CORSRule;

use super::engine::S3Engine;

const VARY: &str = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";

const NOT_ALLOWED: &str = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";

/// The bucket and key a request names (virtual-hosted or path-style).
fn target(parts: &Parts) -> (Option<String>, bool) {
    let path = parts.uri.path().trim_start_matches('/');
    let host_bucket = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(super::front::bucket_of_host)
        .map(str::to_string);
    match host_bucket {
        Some(b) => (Some(b), !path.is_empty()),
        None => {
            let mut it = path.splitn(2, '/');
            let bucket = it.next().filter(|b| !b.is_empty()).map(str::to_string);
            let key = it.next().is_some_and(|k| !k.is_empty());
            (bucket, key)
        }
    }
}

/// `pattern` (at most one `*`) against `value`.
fn wildcard(pattern: &str, value: &str, ignore_case: bool) -> bool {
    let eq = |a: &str, b: &str| {
        if ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    match pattern.split_once('*') {
        None => eq(pattern, value),
        Some((pre, post)) => {
            value.len() >= pre.len() + post.len()
                && value.is_char_boundary(pre.len())
                && value.is_char_boundary(value.len() - post.len())
                && eq(&value[..pre.len()], pre)
                && eq(&value[value.len() - post.len()..], post)
        }
    }
}

/// The first rule allowing `origin`, `method` and every header of `headers`; with the
/// origin rule that matched.
fn find<'a>(
    rules: &'a [CORSRule],
    origin: &str,
    method: &str,
    headers: &[String],
) -> Option<(&'a CORSRule, bool)> {
    rules.iter().find_map(|r| {
        let o = r
            .allowed_origins
            .iter()
            .find(|o| wildcard(o, origin, false))?;
        if !r.allowed_methods.iter().any(|m| m == method) {
            return None;
        }
        let allowed = r.allowed_headers.as_deref().unwrap_or_default();
        if !headers
            .iter()
            .all(|h| allowed.iter().any(|a| wildcard(a, h, true)))
        {
            return None;
        }
        Some((r, o == "*"))
    })
}

fn put(h: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

/// The CORS headers of a matched rule.
fn rule_headers(rule: &CORSRule, any: bool, origin: &str, h: &mut HeaderMap) {
    put(
        h,
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        if any { "*" } else { origin },
    );
    put(
        h,
        header::ACCESS_CONTROL_ALLOW_METHODS,
        &rule.allowed_methods.join(", "),
    );
    if let Some(e) = rule.expose_headers.as_ref().filter(|e| !e.is_empty()) {
        put(h, header::ACCESS_CONTROL_EXPOSE_HEADERS, &e.join(", "));
    }
    if let Some(m) = rule.max_age_seconds {
        put(h, header::ACCESS_CONTROL_MAX_AGE, &m.to_string());
    }
    if !any {
        put(h, header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
    }
    put(h, header::VARY, VARY);
}

fn rules_of(engine: &S3Engine, bucket: &str) -> Result<Option<Vec<CORSRule>>, ()> {
    let b = engine.bucket(bucket).map_err(|_| ())?;
    engine
        .with_state(&b, |s| s.cors.as_ref().map(|c| c.cors_rules.clone()))
        .map_err(|_| ())
}

fn forbidden(message: &str, method: &str, resource: &str, rid: &str) -> Response {
    error(
        StatusCode::FORBIDDEN,
        &format!(
            "<Code>AccessForbidden</Code><Message>{message}</Message><Method>{method}</Method><ResourceType>{resource}</ResourceType>"
        ),
        rid,
    )
}

fn error(status: StatusCode, inner: &str, rid: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>{inner}<RequestId>{rid}</RequestId></Error>"
    );
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    res
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The answer to an `OPTIONS` request on S3.
pub fn preflight(engine: &S3Engine, parts: &Parts, rid: &str) -> Response {
    let h = &parts.headers;
    let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "<Code>BadRequest</Code><Message>Insufficient information. Origin request header needed.</Message>",
            rid,
        );
    };
    let (bucket, is_object) = target(parts);
    let resource = if is_object { "OBJECT" } else { "BUCKET" };
    let method = h
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let shown_method = if method.is_empty() {
        "OPTIONS".to_string()
    } else {
        escape(method)
    };
    let rules = match bucket.as_deref().map(|b| rules_of(engine, b)) {
        Some(Ok(Some(r))) => r,
        Some(Ok(None)) => {
            return forbidden(
                "CORSResponse: CORS is not enabled for this bucket.",
                &shown_method,
                resource,
                rid,
            );
        }
        _ => {
            return forbidden(
                "CORSResponse: Bucket not found",
                &shown_method,
                resource,
                rid,
            );
        }
    };
    let requested: Vec<String> = h
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let Some((rule, any)) = find(&rules, origin, method, &requested) else {
        return forbidden(NOT_ALLOWED, &shown_method, resource, rid);
    };
    let mut res = Response::new(Body::empty());
    let out = res.headers_mut();
    rule_headers(rule, any, origin, out);
    if !requested.is_empty() {
        put(
            out,
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            &requested.join(", "),
        );
    }
    res
}

/// The CORS headers for a non-preflight request with an `Origin` (empty: none apply).
pub fn actual(engine: &S3Engine, parts: &Parts) -> HeaderMap {
    let mut out = HeaderMap::new();
    let Some(origin) = parts
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return out;
    };
    let (Some(bucket), _) = target(parts) else {
        return out;
    };
    let Ok(Some(rules)) = rules_of(engine, &bucket) else {
        return out;
    };
    let method = parts.method.as_str();
    if let Some((rule, any)) = find(&rules, origin, method, &[]) {
        rule_headers(rule, any, origin, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard("*", "http://a.example", false));
        assert!(wildcard("http://*.example", "http://a.example", false));
        assert!(!wildcard("http://*.example", "https://a.example", false));
        assert!(wildcard("x-amz-*", "X-Amz-Date", true));
        assert!(!wildcard("http://a.example", "http://b.example", false));
        assert!(!wildcard("ab*ba", "aba", false));
    }

    fn rule(origins: &[&str], methods: &[&str], headers: &[&str]) -> CORSRule {
        CORSRule {
            allowed_origins: origins.iter().map(|s| s.to_string()).collect(),
            allowed_methods: methods.iter().map(|s| s.to_string()).collect(),
            allowed_headers: Some(headers.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        }
    }

    #[test]
    fn first_matching_rule_wins() {
        let rules = vec![
            rule(&["http://a.example"], &["PUT"], &["content-type"]),
            rule(&["*"], &["GET"], &[]),
        ];
        let (_, any) =
            find(&rules, "http://a.example", "PUT", &["content-type".into()]).expect("first rule");
        assert!(!any);
        assert!(find(&rules, "http://a.example", "PUT", &["x-custom".into()]).is_none());
        let (_, any) = find(&rules, "http://b.example", "GET", &[]).expect("second rule");
        assert!(any);
        assert!(find(&rules, "http://b.example", "DELETE", &[]).is_none());
    }
}
