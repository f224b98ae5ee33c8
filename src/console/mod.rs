//! The console: `/_fogbank/ui`, HTML pages rendered on the server (maud) with a little
//! embedded JavaScript, for looking at queues, topics and functions while a test or a local
//! stack runs.
//!
//! - Pages read the engines directly (the `inspect` modules of SQS, SNS and Lambda, and their
//!   recent-activity records); actions (send, purge, redrive, publish, invoke, delete) call the
//!   same engine methods the wire protocols call, in the resource's own account and region.
//! - Live updates: each page has one live region; `GET /_fogbank/ui/live?view=...` is a
//!   server-sent-events stream that renders that region again every half second while the
//!   page is open and sends it only when it changed. Nothing runs when no console is open.
//! - Safety: the request guard (Host, Origin, Sec-Fetch-Site) covers these routes as every
//!   other. Actions are POSTs that must come from the console's own origin (`Origin`, when a
//!   browser sends one, must name the host the request reached; `Sec-Fetch-Site`, when sent,
//!   must be `same-origin`), and destructive ones need a confirmation field. With
//!   `--auth strict` every console route needs the console token printed at start-up
//!   (`?token=`, then an HttpOnly, SameSite=Strict cookie).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::server::AppState;

mod assets;
mod functions;
mod live;
mod page;
mod queues;
mod topics;

/// The console's own state: its token and the signal that ends live streams at shutdown.
pub struct Console {
    token: String,
    closing: tokio::sync::watch::Sender<bool>,
}

/// Where the console lives.
pub const BASE: &str = "/_fogbank/ui";
const COOKIE: &str = "fogbank_console";

impl Default for Console {
    fn default() -> Self {
        Self::new()
    }
}

impl Console {
    /// A console with a fresh random token (or `FOGBANK_CONSOLE_TOKEN` when set).
    pub fn new() -> Console {
        let token = std::env::var("FOGBANK_CONSOLE_TOKEN")
            .ok()
            .filter(|t| !t.is_empty())
            .unwrap_or_else(random_token);
        Console {
            token,
            closing: tokio::sync::watch::channel(false).0,
        }
    }

    /// The token a browser needs in strict mode.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// End every live stream (shutdown).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }
}

fn random_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: a token no one can guess from outside is still better than none.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes = (t ^ u128::from(std::process::id())).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The console's routes (merged into the server's router).
pub fn routes(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route(BASE, get(page::overview))
        .route("/_fogbank/ui/", get(page::overview))
        .route("/_fogbank/ui/assets/{name}", get(assets::serve))
        .route("/_fogbank/ui/live", get(live::stream))
        .route("/_fogbank/ui/queues", get(queues::list))
        .route("/_fogbank/ui/queue", get(queues::show))
        .route("/_fogbank/ui/queue/send", post(queues::send))
        .route("/_fogbank/ui/queue/purge", post(queues::purge))
        .route("/_fogbank/ui/queue/redrive", post(queues::redrive))
        .route("/_fogbank/ui/queue/delete", post(queues::delete))
        .route("/_fogbank/ui/topics", get(topics::list))
        .route("/_fogbank/ui/topic", get(topics::show))
        .route("/_fogbank/ui/topic/publish", post(topics::publish))
        .route("/_fogbank/ui/functions", get(functions::list))
        .route("/_fogbank/ui/function", get(functions::show))
        .route("/_fogbank/ui/function/invoke", post(functions::invoke))
        .route_layer(axum::middleware::from_fn_with_state(state, admit))
}

/// Strict mode: the console token (query, then cookie); every POST: the console's own origin.
async fn admit(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    if req.method() == axum::http::Method::POST && !same_origin(req.headers()) {
        return page::refused(
            StatusCode::FORBIDDEN,
            "This action must come from the console's own pages (the request's Origin or Sec-Fetch-Site says it came from elsewhere).",
        );
    }
    if state.config.strict_auth.is_none() {
        return next.run(req).await;
    }
    let token = state.console.token();
    if cookie(req.headers(), COOKIE).is_some_and(|c| constant_eq(c, token)) {
        return next.run(req).await;
    }
    let query = req.uri().query().unwrap_or("");
    let given = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned());
    match given {
        Some(t) if constant_eq(&t, token) => {
            // Set the cookie and drop the token from the address bar.
            let rest: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(
                    form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k != "token"),
                )
                .finish();
            let path = req.uri().path();
            let to = if rest.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{rest}")
            };
            let mut res = see_other(&to);
            let cookie = format!("{COOKIE}={token}; Path={BASE}; HttpOnly; SameSite=Strict");
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        _ => page::refused(
            StatusCode::UNAUTHORIZED,
            "fogbank runs with --auth strict: open the console through the link with ?token= that fogbank printed in its log at start-up.",
        ),
    }
}

/// A POST from the console's own pages: a browser's `Origin` names the host the request
/// reached, and its `Sec-Fetch-Site` (when sent) is `same-origin`. Requests without either
/// (curl, scripts) pass: they could call the AWS APIs directly anyway.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site")
        && site != "same-origin"
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let (Ok(origin), Some(Ok(host))) = (
        origin.to_str(),
        headers.get(header::HOST).map(|h| h.to_str()),
    ) else {
        return false;
    };
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    rest.is_some_and(|r| r.eq_ignore_ascii_case(host))
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Equality that takes the same time wherever the first difference is.
fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// `303 See Other` to `to` (after an action: the browser GETs the page again).
fn see_other(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// A page's URL with query parameters, e.g. `url("queue", &[("arn", a), ("notice", n)])`.
fn url(page: &str, params: &[(&str, &str)]) -> String {
    let mut s = format!("{BASE}/{page}");
    if !params.is_empty() {
        s.push('?');
        s.push_str(
            &form_urlencoded::Serializer::new(String::new())
                .extend_pairs(params)
                .finish(),
        );
    }
    s
}

/// The request context of an action on a resource of `account` in `region`.
fn context_in(account: &str, region: &str, headers: &HeaderMap) -> crate::context::RequestContext {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost:4566");
    crate::context::RequestContext::new(account, region, host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn posts_must_come_from_the_consoles_own_origin() {
        let host = ("host", "127.0.0.1:4566");
        assert!(same_origin(&headers(&[host])));
        assert!(same_origin(&headers(&[
            host,
            ("origin", "http://127.0.0.1:4566")
        ])));
        assert!(same_origin(&headers(&[
            host,
            ("origin", "http://127.0.0.1:4566"),
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "http://localhost:3000")
        ])));
        assert!(!same_origin(&headers(&[host, ("origin", "null")])));
        assert!(!same_origin(&headers(&[
            host,
            ("sec-fetch-site", "same-site")
        ])));
        assert!(!same_origin(&headers(&[(
            "origin",
            "http://127.0.0.1:4566"
        )])));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let h = headers(&[("cookie", "a=1; fogbank_console=abc; b=2")]);
        assert_eq!(cookie(&h, COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        assert!(constant_eq("abc", "abc"));
        assert!(!constant_eq("abc", "abd"));
        assert!(!constant_eq("abc", "ab"));
    }

    #[test]
    fn tokens_are_random_hex() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }
}
