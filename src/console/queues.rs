//! Queue pages: every queue with its counts and dead-letter links; one queue's attributes,
//! messages (peeked: nothing changes) and move tasks; send, purge, redrive and delete.

use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::{Markup, html};
use serde_json::Value;

use super::page::{self, Notice, Params, Section, frame, live, long_text, time};
use super::{context_in, see_other, url};
use crate::context::RequestContext;
use crate::server::AppState;
use crate::sqs::engine::Queue;
use crate::sqs::engine::inspect::MessageState;
use crate::sqs::error::SqsResult;
use crate::sqs::model::{
    GetQueueAttributesInput, ListMessageMoveTasksInput, QueueUrlInput, SendMessageInput,
    StartMessageMoveTaskInput,
};

/// Messages a queue page shows (the oldest ones).
const SHOWN: usize = 100;

type FormData = Form<std::collections::HashMap<String, String>>;
type Attributes = Vec<(String, String)>;

/// A queue's attributes as GetQueueAttributes(All) answers them.
fn attributes(state: &AppState, q: &Queue) -> Vec<(String, String)> {
    let ctx = context_in(&q.account, &q.region, &HeaderMap::new());
    state
        .sqs
        .get_queue_attributes(
            &ctx,
            GetQueueAttributesInput {
                queue_url: Some(q.url(&ctx.host)),
                attribute_names: vec!["All".into()],
            },
        )
        .map(|o| o.attributes)
        .unwrap_or_default()
}

/// `deadLetterTargetArn` and `maxReceiveCount` of a RedrivePolicy attribute.
fn redrive_target(attrs: &[(String, String)]) -> Option<(String, String)> {
    let policy = attrs.iter().find(|(n, _)| n == "RedrivePolicy")?;
    let v: Value = serde_json::from_str(&policy.1).ok()?;
    let target = v.get("deadLetterTargetArn")?.as_str()?.to_string();
    let max = match v.get("maxReceiveCount") {
        Some(Value::String(s)) => s.clone(),
        Some(n) => n.to_string(),
        None => String::new(),
    };
    Some((target, max))
}

fn queue_link(arn: &str) -> Markup {
    let name = arn.rsplit(':').next().unwrap_or(arn);
    html! { a href=(url("queue", &[("arn", arn)])) { (name) } }
}

/// `GET /_fogbank/ui/queues`.
pub(super) async fn list(State(state): State<Arc<AppState>>, Query(p): Params) -> Response {
    frame(
        "Queues",
        Section::Queues,
        Notice::from_params(&p).as_ref(),
        html! {
            h1 { "Queues" }
            (live("queues", None, list_live(&state)))
        },
    )
}

pub(super) fn list_live(state: &AppState) -> Markup {
    let queues = state.sqs.all_queues();
    if queues.is_empty() {
        return html! { p.empty { "No queues yet." } };
    }
    let rows: Vec<(Arc<Queue>, Attributes)> = queues
        .into_iter()
        .map(|q| {
            let a = attributes(state, &q);
            (q, a)
        })
        .collect();
    let sources_of = |arn: &str| -> Vec<String> {
        rows.iter()
            .filter(|(_, a)| redrive_target(a).is_some_and(|(t, _)| t == arn))
            .map(|(q, _)| q.arn.clone())
            .collect()
    };
    page::by_place(
        &rows,
        |(q, _)| (q.account.as_str(), q.region.as_str()),
        |group| {
            html! {
                table.queues {
                    thead { tr {
                        th scope="col" { "Queue" } th scope="col" { "Type" }
                        th scope="col" .num { "Visible" } th scope="col" .num { "In flight" }
                        th scope="col" .num { "Delayed" } th scope="col" { "Dead-letter queue" }
                        th scope="col" { "Dead-letter queue of" }
                    } }
                    tbody {
                        @for (q, a) in group {
                            @let c = state.sqs.counts_of(q);
                            tr {
                                th scope="row" { (queue_link(&q.arn)) }
                                td { @if q.is_fifo() { "FIFO" } @else { "Standard" } }
                                td.num { (c.visible) } td.num { (c.not_visible) } td.num { (c.delayed) }
                                td { @if let Some((t, max)) = redrive_target(a) { (queue_link(&t)) " after " (max) " receives" } }
                                td { @for s in sources_of(&q.arn) { (queue_link(&s)) " " } }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The queue named by `?arn=`.
fn queue_of(state: &AppState, p: &std::collections::HashMap<String, String>) -> Option<Arc<Queue>> {
    p.get("arn").and_then(|a| state.sqs.queue_by_arn(a))
}

/// `GET /_fogbank/ui/queue?arn=...`.
pub(super) async fn show(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(p): Params,
) -> Response {
    let Some(q) = queue_of(&state, &p) else {
        return page::not_found(
            Section::Queues,
            "Queue",
            p.get("arn").map_or("", String::as_str),
        );
    };
    let notice = Notice::from_params(&p);
    let sources = dead_letter_sources(&state, &q.arn);
    let ctx = context_in(&q.account, &q.region, &headers);
    frame(
        &q.name,
        Section::Queues,
        notice.as_ref(),
        html! {
            p.crumbs { a href=(url("queues", &[])) { "Queues" } " / " }
            h1 { "Queue " code { (q.name) } }
            dl.meta {
                dt { "ARN" } dd { code { (q.arn) } }
                dt { "URL" } dd { code { (state.sqs.url_of(&q, &ctx.host)) } }
                dt { "Account" } dd { (q.account) }
                dt { "Region" } dd { (q.region) }
                dt { "Type" } dd { @if q.is_fifo() { "FIFO" } @else { "Standard" } }
                dt { "Created" } dd { (time(q.created_ms)) }
            }
            (live("queue", Some(&q.arn), show_live(&state, &q)))
            section.actions aria-labelledby="actions" {
                h2 #actions { "Actions" }
                (send_form(&q))
                @if !sources.is_empty() {
                    form.action method="post" action=(url("queue/redrive", &[])) {
                        h3 { "Redrive" }
                        p { "Move this dead-letter queue's messages back to the queues they came from (a message move task)." }
                        input type="hidden" name="arn" value=(q.arn);
                        label for="redrive-rate" { "Messages per second (empty: as fast as SQS allows)" }
                        input #redrive-rate type="number" name="rate" min="1" max="500";
                        button type="submit" { "Start redrive" }
                    }
                }
                (confirmed_form("purge", "Purge", &q.arn, &format!("Yes, delete every message in {}", q.name), "Purge queue"))
                (confirmed_form("delete", "Delete", &q.arn, &format!("Yes, delete the queue {} and its messages", q.name), "Delete queue"))
            }
        },
    )
}

/// A destructive action's form (`queue/<action>`): a required confirmation box, then the
/// button.
fn confirmed_form(action: &str, title: &str, arn: &str, confirm: &str, button: &str) -> Markup {
    let id = format!("{action}-confirm");
    html! {
        form.action.danger method="post" action=(url(&format!("queue/{action}"), &[])) {
            h3 { (title) }
            input type="hidden" name="arn" value=(arn);
            p {
                input #(id) type="checkbox" name="confirm" value="yes" required;
                label for=(id) { (confirm) }
            }
            button type="submit" { (button) }
        }
    }
}

fn send_form(q: &Queue) -> Markup {
    html! {
        form.action method="post" action=(url("queue/send", &[])) {
            h3 { "Send a message" }
            input type="hidden" name="arn" value=(q.arn);
            label for="send-body" { "Message body" }
            textarea #send-body name="body" rows="4" required {}
            @if q.is_fifo() {
                label for="send-group" { "Message group id" }
                input #send-group type="text" name="group" required;
                label for="send-dedup" { "Deduplication id (empty: content-based, if the queue has it)" }
                input #send-dedup type="text" name="dedup";
            } @else {
                label for="send-delay" { "Delay (seconds)" }
                input #send-delay type="number" name="delay" min="0" max="900";
            }
            button type="submit" { "Send message" }
        }
    }
}

/// Queues whose RedrivePolicy names `arn`.
fn dead_letter_sources(state: &AppState, arn: &str) -> Vec<String> {
    state
        .sqs
        .all_queues()
        .iter()
        .filter(|q| redrive_target(&attributes(state, q)).is_some_and(|(t, _)| t == arn))
        .map(|q| q.arn.clone())
        .collect()
}

pub(super) fn show_live(state: &AppState, q: &Queue) -> Markup {
    let view = state.sqs.inspect(q, SHOWN);
    let attrs = attributes(state, q);
    let sources = dead_letter_sources(state, &q.arn);
    let ctx = context_in(&q.account, &q.region, &HeaderMap::new());
    let tasks = state
        .sqs
        .list_message_move_tasks(
            &ctx,
            ListMessageMoveTasksInput {
                source_arn: Some(q.arn.clone()),
                max_results: Some(10),
            },
        )
        .map(|o| o.results)
        .unwrap_or_default();
    html! {
        ul.counts aria-label="Message counts" {
            li { strong { (view.counts.visible) } " visible" }
            li { strong { (view.counts.not_visible) } " in flight" }
            li { strong { (view.counts.delayed) } " delayed" }
        }
        @if let Some((target, max)) = redrive_target(&attrs) {
            p.dlq { "Dead-letter queue: " (queue_link(&target)) " (after " (max) " receives)" }
        }
        @if !sources.is_empty() {
            p.dlq { "Dead-letter queue of: " @for s in &sources { (queue_link(s)) " " } }
        }
        @if !tasks.is_empty() {
            h2 { "Move tasks" }
            table.tasks {
                thead { tr { th scope="col" { "Started" } th scope="col" { "Status" } th scope="col" { "Destination" } th scope="col" .num { "Moved" } th scope="col" .num { "To move" } th scope="col" { "Failure" } } }
                tbody { @for t in &tasks { tr {
                    td { (time(t.started_timestamp)) } td { (t.status) }
                    td { @match &t.destination_arn { Some(d) => (queue_link(d)), None => "their source queues" } }
                    td.num { (t.approximate_number_of_messages_moved) } td.num { (t.approximate_number_of_messages_to_move) }
                    td { (t.failure_reason.as_deref().unwrap_or("")) }
                } } }
            }
        }
        h2 #messages { "Messages" }
        @if view.messages.is_empty() {
            p.empty { "No messages." }
        } @else {
            @if view.total > view.messages.len() {
                p { "The oldest " (view.messages.len()) " of " (view.total) " messages." }
            }
            table.messages aria-labelledby="messages" {
                thead { tr {
                    th scope="col" { "Message id" } th scope="col" { "State" } th scope="col" .num { "Receives" }
                    th scope="col" { "Sent" } th scope="col" { "Visible at" } th scope="col" { "Body" } th scope="col" { "Attributes" }
                } }
                tbody {
                    @for m in &view.messages {
                        @let sys = |n: &str| m.message.attributes.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
                        tr.message {
                            td { code { (m.message.message_id) } }
                            td { (match m.state { MessageState::Visible => "visible", MessageState::InFlight => "in flight", MessageState::Delayed => "delayed" }) }
                            td.num { (sys("ApproximateReceiveCount").unwrap_or("0")) }
                            td { (sys("SentTimestamp").and_then(|t| t.parse().ok()).map(time).unwrap_or_default()) }
                            td { @if m.state != MessageState::Visible { (time(m.visible_at)) } }
                            td { (long_text(&m.message.body, 300, &m.message.message_id)) }
                            td {
                                dl.attrs {
                                    @for (k, v) in &m.message.attributes {
                                        @if shown_attribute(k, v) {
                                            dt { (k) } dd { (v) }
                                        }
                                    }
                                    @for (k, v) in &m.message.message_attributes {
                                        dt { (k) " (" (v.data_type) ")" }
                                        dd { @if let Some(s) = &v.string_value { (s) } @else { "(binary)" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        details.attributes data-key="attributes" {
            summary { "Attributes" }
            dl.meta { @for (k, v) in &attrs { dt { (k) } dd { code { (v) } } } }
        }
    }
}

/// System attributes a message row shows in its own columns, or that say nothing.
fn shown_attribute(name: &str, value: &str) -> bool {
    let own_column = matches!(
        name,
        "SentTimestamp" | "ApproximateReceiveCount" | "IsVisible" | "SenderId"
    );
    let never_received = name == "ApproximateFirstReceiveTimestamp" && value == "0";
    !(own_column || never_received)
}

fn back(arn: &str, key: &str, text: &str) -> Response {
    see_other(&url("queue", &[("arn", arn), (key, text)]))
}

/// `POST /_fogbank/ui/queue/send`: `arn`, `body`, and `delay` or `group`/`dedup`.
pub(super) async fn send(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(f): FormData,
) -> Response {
    let q = match target(&state, &f) {
        Ok(q) => q,
        Err(res) => return *res,
    };
    let ctx = context_in(&q.account, &q.region, &headers);
    let field = |k: &str| f.get(k).filter(|v| !v.is_empty()).cloned();
    let delay = match field("delay").map(|d| d.parse::<i64>()) {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => {
            return back(
                &q.arn,
                "error",
                "The delay must be a whole number of seconds.",
            );
        }
    };
    let input = SendMessageInput {
        queue_url: Some(q.url(&ctx.host)),
        message_body: Some(f.get("body").cloned().unwrap_or_default()),
        delay_seconds: delay,
        message_group_id: field("group"),
        message_deduplication_id: field("dedup"),
        ..Default::default()
    };
    match state.sqs.send_message(&ctx, input) {
        Ok(out) => back(&q.arn, "done", &format!("Sent message {}.", out.message_id)),
        Err(e) => back(&q.arn, "error", &format!("Not sent: {}", e.message)),
    }
}

/// The queue a form names (`arn`), or the page saying it does not exist.
fn target(
    state: &AppState,
    f: &std::collections::HashMap<String, String>,
) -> Result<Arc<Queue>, Box<Response>> {
    queue_of(state, f).ok_or_else(|| {
        Box::new(page::not_found(
            Section::Queues,
            "Queue",
            f.get("arn").map_or("", String::as_str),
        ))
    })
}

fn confirmed(f: &std::collections::HashMap<String, String>) -> bool {
    f.get("confirm").is_some_and(|v| v == "yes")
}

/// A destructive action on the queue named by the form's `arn`: refused unless the form says
/// `confirm=yes`; `run` does it in the queue's account and region and names what it did.
fn destructive(
    state: &AppState,
    headers: &HeaderMap,
    f: &std::collections::HashMap<String, String>,
    not_done: &str,
    run: impl FnOnce(&AppState, &RequestContext, QueueUrlInput) -> SqsResult<Response>,
) -> Response {
    let q = match target(state, f) {
        Ok(q) => q,
        Err(res) => return *res,
    };
    if !confirmed(f) {
        return back(
            &q.arn,
            "error",
            &format!("{not_done}: tick the confirmation first."),
        );
    }
    let ctx = context_in(&q.account, &q.region, headers);
    let input = QueueUrlInput {
        queue_url: Some(q.url(&ctx.host)),
    };
    run(state, &ctx, input)
        .unwrap_or_else(|e| back(&q.arn, "error", &format!("{not_done}: {}", e.message)))
}

/// `POST /_fogbank/ui/queue/purge`: `arn`, `confirm=yes`.
pub(super) async fn purge(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(f): FormData,
) -> Response {
    let arn = f.get("arn").cloned().unwrap_or_default();
    destructive(&state, &headers, &f, "Not purged", |state, ctx, input| {
        state.sqs.purge_queue(ctx, input)?;
        Ok(back(&arn, "done", "Purged: every message is deleted."))
    })
}

/// `POST /_fogbank/ui/queue/delete`: `arn`, `confirm=yes`.
pub(super) async fn delete(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(f): FormData,
) -> Response {
    let name = f
        .get("arn")
        .and_then(|a| a.rsplit(':').next())
        .unwrap_or_default()
        .to_string();
    destructive(&state, &headers, &f, "Not deleted", |state, ctx, input| {
        state.sqs.delete_queue(ctx, input)?;
        let done = format!("Deleted queue {name}.");
        Ok(see_other(&url("queues", &[("done", &done)])))
    })
}

/// `POST /_fogbank/ui/queue/redrive`: `arn` (a dead-letter queue), `rate` (optional).
pub(super) async fn redrive(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(f): FormData,
) -> Response {
    let q = match target(&state, &f) {
        Ok(q) => q,
        Err(res) => return *res,
    };
    let rate = match f
        .get("rate")
        .filter(|v| !v.is_empty())
        .map(|r| r.parse::<i64>())
    {
        None => None,
        Some(Ok(r)) => Some(r),
        Some(Err(_)) => return back(&q.arn, "error", "The rate must be a whole number."),
    };
    let ctx = context_in(&q.account, &q.region, &headers);
    let input = StartMessageMoveTaskInput {
        source_arn: Some(q.arn.clone()),
        destination_arn: None,
        max_number_of_messages_per_second: rate,
    };
    match state.sqs.start_message_move_task(&ctx, input) {
        Ok(_) => back(
            &q.arn,
            "done",
            "Redrive started: messages move back to their source queues.",
        ),
        Err(e) => back(
            &q.arn,
            "error",
            &format!("Redrive not started: {}", e.message),
        ),
    }
}
