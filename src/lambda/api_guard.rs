//! The Runtime API listeners answer runtimes only, never a browser.
//!
//! Each execution environment's Runtime API listens on its own loopback port, outside the main
//! server's request guard. A web page that found the port could take the next event
//! (`GET .../next`) or post a forged result, so every request that carries a browser's marks
//! (`Origin`, Fetch Metadata) or a `Host` that is not a loopback name (DNS rebinding) is
//! refused. Runtime clients (AWS's for every language, curl in a `bootstrap`) send none of
//! these: they name the `host:port` of `AWS_LAMBDA_RUNTIME_API` as their Host.

use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Whether the request comes from a browser or through a foreign host name.
fn refused(headers: &HeaderMap) -> Option<&'static str> {
    if headers.contains_key(header::ORIGIN)
        || headers.contains_key("sec-fetch-site")
        || headers.contains_key("sec-fetch-mode")
    {
        return Some("the Runtime API does not answer browsers");
    }
    let host = headers.get(header::HOST)?;
    let host = host.to_str().unwrap_or("");
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    let loopback = name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    (!loopback).then_some("the Runtime API answers loopback host names only")
}

/// Middleware for the Runtime API router: 403 in the Runtime API's error shape.
pub async fn only_runtimes(req: Request, next: Next) -> Response {
    if let Some(why) = refused(req.headers()) {
        tracing::warn!(target: "fogbank::lambda", host = ?req.headers().get(header::HOST), "Runtime API request refused: {why}");
        return (
            StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({"errorType": "AccessDenied", "errorMessage": why})),
        )
            .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header value"));
        }
        h
    }

    #[test]
    fn runtimes_pass_and_browsers_or_foreign_hosts_do_not() {
        assert_eq!(refused(&headers(&[("host", "127.0.0.1:9001")])), None);
        assert_eq!(refused(&headers(&[("host", "localhost:9001")])), None);
        assert_eq!(refused(&headers(&[("host", "[::1]:9001")])), None);
        assert_eq!(refused(&headers(&[])), None);
        assert!(refused(&headers(&[("host", "evil.example:9001")])).is_some());
        let from_page = [
            ("host", "127.0.0.1:9001"),
            ("origin", "http://localhost:3000"),
        ];
        assert!(refused(&headers(&from_page)).is_some());
        let img = [("host", "127.0.0.1:9001"), ("sec-fetch-site", "cross-site")];
        assert!(refused(&headers(&img)).is_some());
    }
}
