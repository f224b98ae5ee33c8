//! The console's page frame (head, navigation, notices, live region), the overview page and
//! small pieces every page uses.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::{BASE, url};
use crate::server::AppState;

pub(super) type Params = Query<std::collections::HashMap<String, String>>;

/// Which part of the console a page belongs to (the navigation marks it).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Section {
    Overview,
    Queues,
    Topics,
    Functions,
}

/// A whole page: `title`, the section it belongs to, an optional notice (the result of the
/// action that led here), and its content.
pub(super) fn frame(
    title: &str,
    section: Section,
    notice: Option<&Notice>,
    body: Markup,
) -> Response {
    let nav = [
        (Section::Overview, "", "Overview"),
        (Section::Queues, "queues", "Queues"),
        (Section::Topics, "topics", "Topics"),
        (Section::Functions, "functions", "Functions"),
    ];
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · fogbank console" }
                link rel="icon" href={ (BASE) "/assets/favicon.svg" } type="image/svg+xml";
                link rel="stylesheet" href={ (BASE) "/assets/console.css" };
                script src={ (BASE) "/assets/console.js" } defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    nav aria-label="Console sections" {
                        span.brand { "fogbank" }
                        ul {
                            @for (s, path, label) in nav {
                                li {
                                    a href=(url(path, &[])) aria-current=[(s == section).then_some("page")] { (label) }
                                }
                            }
                        }
                    }
                    p #live-status role="status" aria-live="polite" {}
                }
                main #main tabindex="-1" {
                    @if let Some(n) = notice {
                        p.notice.(n.kind.class()) role=(n.kind.role()) { (n.text) }
                    }
                    (body)
                }
            }
        }
    };
    let mut res = markup.into_response();
    secure(&mut res);
    res
}

/// Headers every console answer carries: never cached, never framed (clickjacking), no
/// script but the console's own.
pub(super) fn secure(res: &mut Response) {
    let h = res.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("same-origin"),
    );
}

/// The result of an action, shown at the top of the page it led to.
pub(super) struct Notice {
    pub kind: NoticeKind,
    pub text: String,
}

#[derive(Clone, Copy)]
pub(super) enum NoticeKind {
    Done,
    Error,
}

impl NoticeKind {
    fn class(self) -> &'static str {
        match self {
            NoticeKind::Done => "done",
            NoticeKind::Error => "error",
        }
    }
    fn role(self) -> &'static str {
        match self {
            NoticeKind::Done => "status",
            NoticeKind::Error => "alert",
        }
    }
}

impl Notice {
    pub fn done(text: impl Into<String>) -> Notice {
        Notice {
            kind: NoticeKind::Done,
            text: text.into(),
        }
    }
    pub fn error(text: impl Into<String>) -> Notice {
        Notice {
            kind: NoticeKind::Error,
            text: text.into(),
        }
    }
    /// From a page's `done=` / `error=` parameter (set by the action that redirected here).
    pub fn from_params(p: &std::collections::HashMap<String, String>) -> Option<Notice> {
        if let Some(e) = p.get("error") {
            return Some(Notice::error(e.clone()));
        }
        p.get("done").map(|d| Notice::done(d.clone()))
    }
}

/// The live region: rendered with the page and again by the live stream for `view`
/// (`queue`, `topic`, ...) and `arn`.
pub(super) fn live(view: &str, arn: Option<&str>, content: Markup) -> Markup {
    let mut params = vec![("view", view)];
    if let Some(a) = arn {
        params.push(("arn", a));
    }
    html! {
        div #live data-live=(url("live", &params)) { (content) }
    }
}

/// A page that cannot be shown (strict mode without the token, a refused action).
pub(super) fn refused(status: StatusCode, message: &str) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { "Not allowed · fogbank console" } }
            body { main { h1 { "Not allowed" } p { (message) } } }
        }
    };
    let mut res = (status, markup).into_response();
    secure(&mut res);
    res
}

/// A page for a resource that does not exist (any more).
pub(super) fn not_found(section: Section, what: &str, arn: &str) -> Response {
    let mut res = frame(
        "Not found",
        section,
        None,
        html! {
            h1 { (what) " not found" }
            p { "There is no " (what.to_lowercase()) " " code { (arn) } " (it may have been deleted)." }
        },
    );
    *res.status_mut() = StatusCode::NOT_FOUND;
    res
}

/// Epoch milliseconds as an ISO 8601 UTC time.
pub(super) fn time(ms: u64) -> String {
    crate::sns::engine::iso8601(ms)
}

/// A possibly long text: the first `max` characters, the whole in a disclosure.
pub(super) fn long_text(text: &str, max: usize, key: &str) -> Markup {
    match text.char_indices().nth(max) {
        None => html! { pre.body { (text) } },
        Some((cut, _)) => html! {
            details.body data-key={ "text-" (key) } {
                summary { pre.body { (&text[..cut]) "…" } }
                pre.body { (text) }
            }
        },
    }
}

/// A heading per account and region, with the items of each (already sorted by both).
pub(super) fn by_place<T>(
    items: &[T],
    place: impl Fn(&T) -> (&str, &str),
    table: impl Fn(&[T]) -> Markup,
) -> Markup {
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for (i, it) in items.iter().enumerate() {
        match groups.last_mut() {
            Some((start, end)) if place(&items[*start]) == place(it) => *end = i + 1,
            _ => groups.push((i, i + 1)),
        }
    }
    html! {
        @for (start, end) in groups {
            @let (account, region) = place(&items[start]);
            section.place {
                h2 { "Account " (account) ", " (region) }
                (table(&items[start..end]))
            }
        }
    }
}

/// `GET /_fogbank/ui`: what exists, per service.
pub(super) async fn overview(State(state): State<Arc<AppState>>, Query(p): Params) -> Response {
    frame(
        "Overview",
        Section::Overview,
        Notice::from_params(&p).as_ref(),
        html! {
            h1 { "fogbank console" }
            p.lead { "Queues, topics and functions of every account and region this server holds. Pages update live while open." }
            (live("overview", None, overview_live(&state)))
        },
    )
}

pub(super) fn overview_live(state: &AppState) -> Markup {
    let queues = state.sqs.all_queues();
    let (mut visible, mut in_flight, mut delayed) = (0, 0, 0);
    for q in &queues {
        let c = state.sqs.counts_of(q);
        visible += c.visible;
        in_flight += c.not_visible;
        delayed += c.delayed;
    }
    let topics = state.sns.all_topics();
    let subscriptions: usize = topics.iter().map(|t| t.subscriptions.len()).sum();
    let functions = state.lambda.all_functions();
    html! {
        div.cards {
            section.card aria-labelledby="ov-queues" {
                h2 #ov-queues { a href=(url("queues", &[])) { "Queues" } }
                p { strong { (queues.len()) } " queues" }
                p { (visible) " visible, " (in_flight) " in flight, " (delayed) " delayed messages" }
            }
            section.card aria-labelledby="ov-topics" {
                h2 #ov-topics { a href=(url("topics", &[])) { "Topics" } }
                p { strong { (topics.len()) } " topics" }
                p { (subscriptions) " subscriptions" }
            }
            section.card aria-labelledby="ov-functions" {
                h2 #ov-functions { a href=(url("functions", &[])) { "Functions" } }
                p { strong { (functions.len()) } " functions" }
                p { (state.lambda.live_environments()) " live environments" }
            }
        }
    }
}
