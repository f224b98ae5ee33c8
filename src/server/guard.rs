//! The request guard every request passes before routing: browser (Origin, Fetch Metadata) and
//! DNS-rebinding (Host) checks, and the CORS answers for allowed origins.
//!
//! - A request with an `Origin` is served only if the origin is allowed: `http(s)://localhost`,
//!   `*.localhost`, `127.0.0.1` (any loopback IPv4) and `[::1]` on any port, plus
//!   `--allow-origin` entries (exact origins, `scheme://*.domain[:port]`, `null`, or `*` for
//!   any). Allowed origins get CORS headers; preflights are answered here, except for
//!   function URLs, whose CORS answers come from their own config (`lambda::url`), and S3
//!   requests, answered from the bucket's CORS configuration (`s3::cors`) as S3 does.
//! - A request without `Origin` that Fetch Metadata marks as coming from another site
//!   (`Sec-Fetch-Site` other than `same-origin`/`none`, e.g. an `<img>` GET) is refused, except
//!   for the few GETs that change nothing or carry their own unguessable capability (health,
//!   certificates, SNS SubscribeURL/UnsubscribeURL).
//! - When fogbank listens on a loopback address, a `Host` that is not one of its names
//!   (localhost, `*.localhost`, loopback IPs, the bound address, `--hostname`s,
//!   `[*.]localhost.localstack.cloud`) is refused: a page whose DNS name was rebound to
//!   127.0.0.1 sends its own name.
//!
//! SDKs, the CLI and test suites send no `Origin` and no `Sec-Fetch-*`, and name the host they
//! connect to: they pass. The common case (no `Origin`, usual Host) allocates nothing.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::Response;

use super::refusal::{self, Shape};

/// Browser and DNS-rebinding protection settings (`--allow-origin`, `--hostname`).
#[derive(Debug, Clone, Default)]
pub struct GuardSettings {
    /// Origins allowed besides the loopback ones: exact origins (`https://app.example:8443`),
    /// `scheme://*.domain[:port]` patterns, `null`; `*` turns the Origin and Fetch Metadata
    /// checks off.
    pub allow_origins: Vec<String>,
    /// Host names fogbank answers to besides localhost and loopback addresses (e.g. the
    /// docker-compose service name); `*` accepts any Host. Only checked when listening on a
    /// loopback address.
    pub hostnames: Vec<String>,
}

/// Headers SDKs read from replies: a page's script sees only those listed in
/// `Access-Control-Expose-Headers`.
const EXPOSE_HEADERS: &str = "x-amzn-requestid, x-amz-request-id, x-amz-id-2, x-amzn-errortype, \
     x-amzn-query-error, x-amz-function-error, x-amz-log-result, x-amz-executed-version, \
     x-amzn-remapped-content-length, x-amzn-trace-id, etag, date, content-length, content-type, \
     retry-after";

const ALLOW_METHODS: &str = "GET, POST, PUT, DELETE, HEAD, PATCH, OPTIONS";

/// Headers allowed in preflights that do not list any (the browser always lists them).
const DEFAULT_ALLOW_HEADERS: &str = "authorization, content-type, x-amz-date, x-amz-target, \
     x-amz-security-token, x-amz-user-agent, x-amz-content-sha256, x-amz-invocation-type, \
     x-amz-log-type, x-amz-client-context, amz-sdk-invocation-id, amz-sdk-request, \
     x-amzn-query-mode";

/// The compiled checks.
#[derive(Debug)]
pub struct Guard {
    any_origin: bool,
    origins: Vec<String>,
    /// Host checks apply (listening on loopback and no `*` among the host names).
    check_host: bool,
    hostnames: Vec<String>,
    bound: IpAddr,
}

/// What to do with a request.
pub enum Verdict {
    /// Serve it as is.
    Pass,
    /// Serve it and add CORS headers for this (allowed) origin.
    Cors(HeaderValue),
    /// Answer this instead (a preflight, or a refusal).
    Answer(Box<Response>),
}

impl Guard {
    /// Checks for a server bound to `local`.
    pub fn new(settings: &GuardSettings, local: SocketAddr) -> Guard {
        let norm = |s: &String| s.trim().trim_end_matches('/').to_ascii_lowercase();
        let origins: Vec<String> = settings
            .allow_origins
            .iter()
            .map(norm)
            .filter(|s| !s.is_empty())
            .collect();
        let hostnames: Vec<String> = settings
            .hostnames
            .iter()
            .map(|h| norm(h).trim_end_matches('.').to_string())
            .filter(|s| !s.is_empty())
            .collect();
        Guard {
            any_origin: origins.iter().any(|o| o == "*"),
            check_host: local.ip().is_loopback() && !hostnames.iter().any(|h| h == "*"),
            origins,
            hostnames,
            bound: local.ip(),
        }
    }

    /// Decide on a request from its head.
    pub fn check<B>(&self, req: &Request<B>) -> Verdict {
        let headers = req.headers();
        if self.check_host {
            let host = headers
                .get(header::HOST)
                .map(|h| h.to_str().unwrap_or("(unreadable)"))
                .or_else(|| req.uri().authority().map(|a| a.as_str()));
            if let Some(host) = host
                && !self.host_allowed(host)
            {
                let message = format!(
                    "Host {} is not a name fogbank answers to on a loopback address (DNS rebinding protection); start fogbank with --hostname {} (or FOGBANK_HOSTNAMES) to allow it",
                    shown(host),
                    shown(strip_port(host)),
                );
                return refuse(req, &message);
            }
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let text = origin.to_str().unwrap_or("");
            if self.any_origin || self.origin_allowed(text) {
                // A function URL answers CORS from its own config.
                if crate::lambda::url::is_url_request(
                    headers.get(header::HOST).and_then(|h| h.to_str().ok()),
                    req.uri().path(),
                ) {
                    return Verdict::Pass;
                }
                // S3 answers CORS from the bucket's own configuration (`s3::cors`), as S3
                // does; the allow-list above still decides whether the page may reach fogbank.
                if is_s3_request(req) {
                    return Verdict::Pass;
                }
                if req.method() == Method::OPTIONS
                    && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
                {
                    return Verdict::Answer(Box::new(preflight(origin, headers)));
                }
                return Verdict::Cors(origin.clone());
            }
            let o = if text.is_empty() {
                "(unreadable)"
            } else {
                text
            };
            let message = format!(
                "Origin {} is not allowed; start fogbank with --allow-origin {} (or FOGBANK_ALLOW_ORIGINS) to allow it",
                shown(o),
                shown(o)
            );
            return refuse(req, &message);
        }
        if !self.any_origin
            && let Some(site) = headers.get("sec-fetch-site")
            && site != "same-origin"
            && site != "none"
            && !is_open(req)
        {
            let message = format!(
                "Cross-site request refused (Sec-Fetch-Site: {}, no allowed Origin); a web page may call fogbank only from an allowed origin: start fogbank with --allow-origin ORIGIN, or --allow-origin '*' to turn browser checks off",
                shown(site.to_str().unwrap_or("?"))
            );
            return refuse(req, &message);
        }
        Verdict::Pass
    }

    fn host_allowed(&self, host: &str) -> bool {
        let name = strip_port(host);
        let name = name.strip_suffix('.').unwrap_or(name);
        if name.is_empty() || is_local_name(name) {
            return true;
        }
        if ends_with_ignore_case(name, ".localhost.localstack.cloud")
            || name.eq_ignore_ascii_case("localhost.localstack.cloud")
        {
            return true;
        }
        if let Ok(ip) = name.parse::<IpAddr>() {
            return is_loopback(ip) || ip == self.bound;
        }
        self.hostnames.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        if origin.is_empty() {
            return false;
        }
        if is_local_origin(origin) {
            return true;
        }
        let origin = origin.trim_end_matches('/');
        self.origins.iter().any(|rule| matches_origin(rule, origin))
    }
}

/// Whether the router will hand this request to S3; a preflight is judged by the method it
/// announces (a preflight for an SQS query POST to a queue URL is not S3's).
fn is_s3_request<B>(req: &Request<B>) -> bool {
    let headers = req.headers();
    let announced = (req.method() == Method::OPTIONS)
        .then(|| headers.get(header::ACCESS_CONTROL_REQUEST_METHOD))
        .flatten()
        .and_then(|m| Method::from_bytes(m.as_bytes()).ok());
    let method = announced.as_ref().unwrap_or(req.method());
    let scope = super::auth::scope_of(headers, req.uri().query().unwrap_or(""));
    crate::s3::front::is_s3_head(
        method,
        req.uri(),
        headers,
        scope.service.as_deref(),
        refusal::is_lambda_path(req.uri().path()),
    )
}

/// `localhost` or a name under it (RFC 6761: always loopback).
fn is_local_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("localhost") || ends_with_ignore_case(name, ".localhost")
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// The host of `host[:port]`, `[v6]:port` or a bare IPv6 literal.
fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

/// `http(s)://` + a loopback host, any port, nothing after it.
fn is_local_origin(origin: &str) -> bool {
    let rest = if starts_with_ignore_case(origin, "http://") {
        &origin[7..]
    } else if starts_with_ignore_case(origin, "https://") {
        &origin[8..]
    } else {
        return false;
    };
    if rest.contains(['/', '@', '?', '#']) {
        return false;
    }
    let name = strip_port(rest);
    is_local_name(name) || name.parse::<IpAddr>().is_ok_and(is_loopback)
}

/// An allow-list entry against an origin: equal (ignoring case), `*`, or
/// `scheme://*.domain[:port]` for any subdomain.
fn matches_origin(rule: &str, origin: &str) -> bool {
    if rule == "*" || rule.eq_ignore_ascii_case(origin) {
        return true;
    }
    let Some((prefix, suffix)) = rule.split_once("://*.") else {
        return false;
    };
    let prefix_len = prefix.len() + 3;
    let suffix_len = suffix.len() + 1;
    if origin.len() <= prefix_len + suffix_len
        || !starts_with_ignore_case(origin, &rule[..prefix_len])
        || !ends_with_ignore_case(origin, &rule[rule.len() - suffix_len..])
    {
        return false;
    }
    let sub = &origin[prefix_len..origin.len() - suffix_len];
    !sub.is_empty() && !sub.contains([':', '/', '@'])
}

/// GETs that change nothing, or whose URL is its own unguessable capability (SNS's
/// SubscribeURL and UnsubscribeURL, which AWS serves to any browser): allowed cross-site.
pub(crate) fn is_open<B>(req: &Request<B>) -> bool {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return false;
    }
    match req.uri().path() {
        "/_fogbank/health" | "/_localstack/health" => true,
        p if p == crate::sns::signing::CERT_PATH || p == super::tls::CERT_PATH => true,
        "/" => is_sns_link(req.uri().query().unwrap_or("")),
        _ => false,
    }
}

/// `Action=ConfirmSubscription` with a `Token`, or `Action=Unsubscribe` with a
/// `SubscriptionArn`: the links SNS puts in its messages.
pub(crate) fn is_sns_link(query: &str) -> bool {
    let mut action = None;
    let (mut token, mut arn) = (false, false);
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "Action" => action = Some(v),
            "Token" => token = !v.is_empty(),
            "SubscriptionArn" => arn = !v.is_empty(),
            _ => {}
        }
    }
    match action.as_deref() {
        Some("ConfirmSubscription") => token,
        Some("Unsubscribe") => arn,
        _ => false,
    }
}

/// A header value as shown in a message: printable and at most 200 characters.
fn shown(s: &str) -> &str {
    let s = if s.is_empty() { "(empty)" } else { s };
    match s.char_indices().nth(200) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn refuse<B>(req: &Request<B>, message: &str) -> Verdict {
    tracing::warn!(method = %req.method(), path = req.uri().path(), "request refused: {message}");
    let shape = Shape::of(req.uri().path(), req.headers());
    let rid = refusal::request_id();
    Verdict::Answer(Box::new(refusal::error(
        shape,
        403,
        "AccessDenied",
        "AccessDeniedException",
        message,
        &rid,
    )))
}

/// The answer to a CORS preflight from an allowed origin.
fn preflight(origin: &HeaderValue, headers: &HeaderMap) -> Response {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::OK;
    let h = res.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOW_METHODS),
    );
    let asked = headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static(DEFAULT_ALLOW_HEADERS));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked);
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("7200"),
    );
    // Chrome's Private Network Access: a public page asking for a loopback server.
    if headers
        .get("access-control-request-private-network")
        .is_some_and(|v| v == "true")
    {
        h.insert(
            "access-control-allow-private-network",
            HeaderValue::from_static("true"),
        );
    }
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    h.append(
        header::VARY,
        HeaderValue::from_static("Access-Control-Request-Method, Access-Control-Request-Headers"),
    );
    res
}

/// CORS headers on a served reply to an allowed origin.
fn add_cors(res: &mut Response, origin: HeaderValue) {
    let h = res.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
    h.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// A hyper service: the guard in front of the router.
#[derive(Clone)]
pub struct Guarded<S> {
    inner: S,
    guard: Arc<Guard>,
}

impl<S> Guarded<S> {
    pub fn new(inner: S, guard: Arc<Guard>) -> Self {
        Guarded { inner, guard }
    }
}

impl<S, B> hyper::service::Service<Request<B>> for Guarded<S>
where
    S: hyper::service::Service<Request<B>, Response = Response, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = GuardedFuture<S::Future>;

    fn call(&self, req: Request<B>) -> Self::Future {
        match self.guard.check(&req) {
            Verdict::Pass => GuardedFuture::Routed {
                fut: self.inner.call(req),
                cors: None,
            },
            Verdict::Cors(origin) => GuardedFuture::Routed {
                fut: self.inner.call(req),
                cors: Some(origin),
            },
            Verdict::Answer(res) => GuardedFuture::Answered(Some(res)),
        }
    }
}

/// The future of [`Guarded`]: the router's, or an answer made by the guard.
pub enum GuardedFuture<F> {
    Routed { fut: F, cors: Option<HeaderValue> },
    Answered(Option<Box<Response>>),
}

impl<F> Future for GuardedFuture<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            GuardedFuture::Routed { fut, cors } => {
                let Ok(mut res) = std::task::ready!(Pin::new(fut).poll(cx));
                if let Some(origin) = cors.take() {
                    add_cors(&mut res, origin);
                }
                Poll::Ready(Ok(res))
            }
            GuardedFuture::Answered(res) => match res.take() {
                Some(res) => Poll::Ready(Ok(*res)),
                None => Poll::Pending,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(origins: &[&str], hosts: &[&str], listen: &str) -> Guard {
        let settings = GuardSettings {
            allow_origins: origins.iter().map(|s| s.to_string()).collect(),
            hostnames: hosts.iter().map(|s| s.to_string()).collect(),
        };
        Guard::new(&settings, listen.parse().expect("addr"))
    }

    fn req(headers: &[(&str, &str)]) -> Request<()> {
        let mut b = Request::builder().method("POST").uri("/");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).expect("request")
    }

    fn passes(g: &Guard, headers: &[(&str, &str)]) -> bool {
        !matches!(g.check(&req(headers)), Verdict::Answer(_))
    }

    #[test]
    fn hosts_are_checked_on_loopback_only() {
        let g = guard(&[], &["fogbank"], "127.0.0.1:4566");
        for ok in [
            "localhost",
            "localhost:4566",
            "LOCALHOST.:4566",
            "sqs.localhost:4566",
            "127.0.0.1:4566",
            "127.0.0.2",
            "[::1]:4566",
            "[::1]",
            "::1",
            "sqs.us-east-1.localhost.localstack.cloud:4566",
            "localhost.localstack.cloud",
            "fogbank:4566",
            "FogBank",
        ] {
            assert!(passes(&g, &[("host", ok)]), "{ok}");
        }
        for bad in [
            "attacker.example:4566",
            "attacker.example",
            "localhost.attacker.example",
            "10.0.0.1:4566",
            "[2001:db8::1]:4566",
            "fogbank.example",
        ] {
            assert!(!passes(&g, &[("host", bad)]), "{bad}");
        }
        let open = guard(&[], &[], "0.0.0.0:4566");
        assert!(passes(&open, &[("host", "attacker.example:4566")]));
        let star = guard(&[], &["*"], "127.0.0.1:4566");
        assert!(passes(&star, &[("host", "attacker.example:4566")]));
    }

    #[test]
    fn origins_are_checked_and_allowed_ones_get_cors() {
        let g = guard(
            &["https://app.example:8443", "http://*.dev.test", "null"],
            &[],
            "127.0.0.1:4566",
        );
        for ok in [
            "http://localhost:3000",
            "https://localhost",
            "http://app.localhost:5173",
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
            "https://app.example:8443",
            "HTTPS://APP.EXAMPLE:8443",
            "http://web.dev.test",
            "null",
        ] {
            assert!(
                matches!(g.check(&req(&[("origin", ok)])), Verdict::Cors(_)),
                "{ok}"
            );
        }
        for bad in [
            "http://evil.example",
            "https://app.example",
            "https://app.example:8444",
            "http://dev.test",
            "http://a.b.dev.test:80",
            "https://web.dev.test",
            "http://localhost.evil.example",
            "file://",
            "",
        ] {
            assert!(!passes(&g, &[("origin", bad)]), "{bad}");
        }
        let any = guard(&["*"], &[], "127.0.0.1:4566");
        assert!(matches!(
            any.check(&req(&[("origin", "http://evil.example")])),
            Verdict::Cors(_)
        ));
    }

    #[test]
    fn fetch_metadata_refuses_other_sites_without_an_allowed_origin() {
        let g = guard(&[], &[], "127.0.0.1:4566");
        assert!(passes(&g, &[("sec-fetch-site", "same-origin")]));
        assert!(passes(&g, &[("sec-fetch-site", "none")]));
        assert!(!passes(&g, &[("sec-fetch-site", "cross-site")]));
        assert!(!passes(&g, &[("sec-fetch-site", "same-site")]));
        assert!(passes(
            &g,
            &[
                ("sec-fetch-site", "cross-site"),
                ("origin", "http://localhost:3000")
            ]
        ));
        let link = Request::get("/?Action=ConfirmSubscription&TopicArn=arn&Token=abc")
            .header("sec-fetch-site", "cross-site")
            .body(())
            .expect("request");
        assert!(matches!(g.check(&link), Verdict::Pass));
        let purge = Request::get("/?Action=PurgeQueue&QueueUrl=q")
            .header("sec-fetch-site", "cross-site")
            .body(())
            .expect("request");
        assert!(matches!(g.check(&purge), Verdict::Answer(_)));
        let off = guard(&["*"], &[], "127.0.0.1:4566");
        assert!(matches!(off.check(&purge), Verdict::Pass));
    }

    #[test]
    fn preflights_from_allowed_origins_are_answered() {
        let g = guard(&[], &[], "127.0.0.1:4566");
        let pre = Request::builder()
            .method("OPTIONS")
            .uri("/")
            .header("origin", "http://localhost:3000")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type,x-amz-target",
            )
            .body(())
            .expect("request");
        let Verdict::Answer(res) = g.check(&pre) else {
            panic!("a preflight is answered by the guard");
        };
        assert_eq!(res.status(), 200);
        let h = res.headers();
        assert_eq!(h["access-control-allow-origin"], "http://localhost:3000");
        assert_eq!(
            h["access-control-allow-headers"],
            "content-type,x-amz-target"
        );
        assert!(
            h["access-control-allow-methods"]
                .to_str()
                .is_ok_and(|m| m.contains("POST"))
        );
    }

    #[test]
    fn host_ports_are_stripped() {
        assert_eq!(strip_port("localhost:4566"), "localhost");
        assert_eq!(strip_port("[::1]:4566"), "::1");
        assert_eq!(strip_port("::1"), "::1");
        assert_eq!(strip_port("example"), "example");
    }
}
