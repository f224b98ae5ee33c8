//! Live updates: `GET /_fogbank/ui/live?view=<view>[&arn=<arn>]` is a server-sent-events
//! stream. While a page is open, its live region is rendered again every half second and
//! sent (`event: update`, the HTML as data) only when it changed; nothing is sent otherwise
//! but a keep-alive comment. The stream ends when the page goes away or the server stops.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use maud::Markup;

use super::page::{Params, overview_live};
use super::{functions, queues, topics};
use crate::server::AppState;

/// How often an open page's live region is rendered again.
pub(super) const EVERY: Duration = Duration::from_millis(500);

/// The live region of `view` now; `None` for an unknown view.
fn render(state: &AppState, view: &str, arn: Option<&str>) -> Option<Markup> {
    Some(match (view, arn) {
        ("overview", _) => overview_live(state),
        ("queues", _) => queues::list_live(state),
        ("topics", _) => topics::list_live(state),
        ("functions", _) => functions::list_live(state),
        ("queue", Some(a)) => match state.sqs.queue_by_arn(a) {
            Some(q) => queues::show_live(state, &q),
            None => gone("queue"),
        },
        ("topic", Some(a)) => match state.sns.topic_view(a) {
            Some(t) => topics::show_live(state, &t),
            None => gone("topic"),
        },
        ("function", Some(a)) => functions::show_live(state, a),
        _ => return None,
    })
}

fn gone(what: &str) -> Markup {
    maud::html! { p.notice.error role="alert" { "This " (what) " does not exist any more." } }
}

/// `GET /_fogbank/ui/live`.
pub(super) async fn stream(State(state): State<Arc<AppState>>, Query(p): Params) -> Response {
    let view = p.get("view").cloned().unwrap_or_default();
    let arn = p.get("arn").cloned();
    if render(&state, &view, arn.as_deref()).is_none() {
        return (axum::http::StatusCode::NOT_FOUND, "unknown view").into_response();
    }
    let closing = state.console.closing();
    let mut res = Sse::new(updates(state, view, arn, closing))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    super::page::secure(&mut res);
    res
}

struct Watch {
    state: Arc<AppState>,
    view: String,
    arn: Option<String>,
    last: Option<String>,
    tick: tokio::time::Interval,
    closing: tokio::sync::watch::Receiver<bool>,
}

fn updates(
    state: Arc<AppState>,
    view: String,
    arn: Option<String>,
    closing: tokio::sync::watch::Receiver<bool>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let watch = Watch {
        state,
        view,
        arn,
        last: None,
        tick,
        closing,
    };
    futures::stream::unfold(watch, |mut w| async move {
        loop {
            if *w.closing.borrow() {
                return None;
            }
            tokio::select! {
                _ = w.tick.tick() => {}
                _ = w.closing.changed() => return None,
            }
            let html = render(&w.state, &w.view, w.arn.as_deref())?.into_string();
            if w.last.as_deref() == Some(html.as_str()) {
                continue;
            }
            // The first render too: the state may have changed since the page was made.
            w.last = Some(html.clone());
            let event = Event::default().event("update").data(html);
            return Some((Ok(event), w));
        }
    })
}
