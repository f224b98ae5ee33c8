//! Topic pages: every topic; one topic's subscriptions (protocol, endpoint, confirmation,
//! filter policy) and its recent publishes with each subscription's outcome; publish.

use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::{Markup, html};

use super::page::{self, Notice, Params, Section, frame, live, long_text, time};
use super::{context_in, see_other, url};
use crate::server::AppState;
use crate::sns::activity::{Outcome, PublishRecord};
use crate::sns::engine::inspect::TopicView;
use crate::sns::model::{MessageAttributeValue, MessageAttributes, PublishInput};

type FormData = Form<std::collections::HashMap<String, String>>;

pub(super) fn topic_link(arn: &str) -> Markup {
    let name = arn.rsplit(':').next().unwrap_or(arn);
    html! { a href=(url("topic", &[("arn", arn)])) { (name) } }
}

/// An endpoint, linked when fogbank holds it (a queue, a function).
fn endpoint(protocol: &str, endpoint: &str) -> Markup {
    match protocol {
        "sqs" => html! { a href=(url("queue", &[("arn", endpoint)])) { (endpoint) } },
        "lambda" => {
            html! { a href=(url("function", &[("arn", endpoint)])) { (endpoint) } }
        }
        _ => html! { code { (endpoint) } },
    }
}

/// `GET /_fogbank/ui/topics`.
pub(super) async fn list(State(state): State<Arc<AppState>>, Query(p): Params) -> Response {
    frame(
        "Topics",
        Section::Topics,
        Notice::from_params(&p).as_ref(),
        html! {
            h1 { "Topics" }
            (live("topics", None, list_live(&state)))
        },
    )
}

pub(super) fn list_live(state: &AppState) -> Markup {
    let topics = state.sns.all_topics();
    if topics.is_empty() {
        return html! { p.empty { "No topics yet." } };
    }
    page::by_place(
        &topics,
        |t| (t.account.as_str(), t.region.as_str()),
        |group| {
            html! {
                table.topics {
                    thead { tr {
                        th scope="col" { "Topic" } th scope="col" { "Type" }
                        th scope="col" .num { "Subscriptions" } th scope="col" .num { "Pending confirmation" }
                    } }
                    tbody { @for t in group { tr {
                        th scope="row" { (topic_link(&t.arn)) }
                        td { @if t.fifo { "FIFO" } @else { "Standard" } }
                        td.num { (t.subscriptions.len()) }
                        td.num { (t.subscriptions.iter().filter(|s| s.pending).count()) }
                    } } }
                }
            }
        },
    )
}

/// `GET /_fogbank/ui/topic?arn=...`.
pub(super) async fn show(State(state): State<Arc<AppState>>, Query(p): Params) -> Response {
    let arn = p.get("arn").map_or("", String::as_str);
    let Some(t) = state.sns.topic_view(arn) else {
        return page::not_found(Section::Topics, "Topic", arn);
    };
    frame(
        &t.name,
        Section::Topics,
        Notice::from_params(&p).as_ref(),
        html! {
            p.crumbs { a href=(url("topics", &[])) { "Topics" } " / " }
            h1 { "Topic " code { (t.name) } }
            dl.meta {
                dt { "ARN" } dd { code { (t.arn) } }
                dt { "Account" } dd { (t.account) }
                dt { "Region" } dd { (t.region) }
                dt { "Type" } dd { @if t.fifo { "FIFO" } @else { "Standard" } }
                @for (k, v) in &t.attributes {
                    @if !matches!(k.as_str(), "Policy" | "EffectiveDeliveryPolicy") {
                        dt { (k) } dd { code { (v) } }
                    }
                }
            }
            (live("topic", Some(&t.arn), show_live(&state, &t)))
            section.actions aria-labelledby="actions" {
                h2 #actions { "Actions" }
                (publish_form(&t))
            }
        },
    )
}

fn publish_form(t: &TopicView) -> Markup {
    html! {
        form.action method="post" action=(url("topic/publish", &[])) {
            h3 { "Publish a test message" }
            input type="hidden" name="arn" value=(t.arn);
            label for="pub-message" { "Message" }
            textarea #pub-message name="message" rows="4" required {}
            label for="pub-subject" { "Subject (optional)" }
            input #pub-subject type="text" name="subject";
            label for="pub-attributes" { "Message attributes, one per line: name=value (a String), or name:Number=42" }
            textarea #pub-attributes name="attributes" rows="3" {}
            @if t.fifo {
                label for="pub-group" { "Message group id" }
                input #pub-group type="text" name="group" required;
                label for="pub-dedup" { "Deduplication id (empty: content-based, if the topic has it)" }
                input #pub-dedup type="text" name="dedup";
            }
            button type="submit" { "Publish" }
        }
    }
}

pub(super) fn show_live(state: &AppState, t: &TopicView) -> Markup {
    let publishes = state.sns.recent_publishes(&t.arn);
    html! {
        h2 #subscriptions { "Subscriptions" }
        @if t.subscriptions.is_empty() {
            p.empty { "No subscriptions." }
        } @else {
            table.subscriptions aria-labelledby="subscriptions" {
                thead { tr {
                    th scope="col" { "Protocol" } th scope="col" { "Endpoint" } th scope="col" { "Status" }
                    th scope="col" { "Filter policy" } th scope="col" { "Raw" } th scope="col" { "Dead-letter queue" }
                } }
                tbody { @for s in &t.subscriptions { tr.subscription {
                    td { (s.protocol) }
                    td { (endpoint(&s.protocol, &s.endpoint)) }
                    td { @if s.pending { "pending confirmation" } @else { "confirmed" } }
                    td { @if let Some(f) = &s.filter_policy { code { (f) } br; small { "on " (s.filter_scope) } } }
                    td { @if s.raw { "yes" } @else { "no" } }
                    td { @if let Some(d) = &s.dead_letter_target { (endpoint("sqs", d)) } }
                } } }
            }
        }
        h2 #publishes { "Recent publishes" }
        @if publishes.is_empty() {
            p.empty { "Nothing published since fogbank started (the last 50 are kept)." }
        } @else {
            @for p in &publishes { (publish_record(p)) }
        }
    }
}

fn outcome(o: &Outcome) -> Markup {
    match o {
        Outcome::Pending => html! { span.outcome.pending { "pending" } },
        Outcome::Delivered { detail } => {
            html! { span.outcome.delivered { "delivered" } " " small { (detail) } }
        }
        Outcome::FilteredOut => html! { span.outcome.filtered { "filtered out" } },
        Outcome::Unconfirmed => html! { span.outcome.unconfirmed { "not sent: unconfirmed" } },
        Outcome::Failed { error } => {
            html! { span.outcome.failed { "failed" } " " small { (error) } }
        }
    }
}

fn publish_record(p: &PublishRecord) -> Markup {
    html! {
        article.publish aria-label={ "Publish " (p.message_id) } {
            h3 { code { (p.message_id) } " " small { (time(p.at_ms)) } }
            @if let Some(s) = &p.subject { p { "Subject: " (s) } }
            (long_text(&p.message, 300, &p.message_id))
            @if !p.attributes.is_empty() {
                dl.attrs { @for (k, v) in &p.attributes { dt { (k) } dd { (v) } } }
            }
            @if p.deliveries.is_empty() {
                p.empty { "No subscriptions when it was published." }
            } @else {
                table.deliveries {
                    thead { tr { th scope="col" { "Protocol" } th scope="col" { "Endpoint" } th scope="col" { "Outcome" } } }
                    tbody { @for d in &p.deliveries { tr {
                        td { (d.protocol) } td { (endpoint(&d.protocol, &d.endpoint)) } td { (outcome(&d.outcome)) }
                    } } }
                }
            }
        }
    }
}

/// `name=value` / `name:Type=value` lines as message attributes.
fn parse_attributes(text: &str) -> Result<MessageAttributes, String> {
    let mut out = MessageAttributes::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once('=') else {
            return Err(format!("\"{line}\" is not name=value"));
        };
        let (name, data_type) = match name.split_once(':') {
            Some((n, t)) => (n.trim(), t.trim()),
            None => (name.trim(), "String"),
        };
        out.insert(
            name.to_string(),
            MessageAttributeValue {
                data_type: data_type.to_string(),
                string_value: Some(value.trim().to_string()),
                ..Default::default()
            },
        );
    }
    Ok(out)
}

/// `POST /_fogbank/ui/topic/publish`: `arn`, `message`, `subject`, `attributes`, `group`, `dedup`.
pub(super) async fn publish(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(f): FormData,
) -> Response {
    let arn = f.get("arn").cloned().unwrap_or_default();
    let Some(t) = state.sns.topic_view(&arn) else {
        return page::not_found(Section::Topics, "Topic", &arn);
    };
    let back = |key: &str, text: &str| see_other(&url("topic", &[("arn", &arn), (key, text)]));
    let attributes = match parse_attributes(f.get("attributes").map_or("", String::as_str)) {
        Ok(a) => a,
        Err(e) => return back("error", &format!("Not published: {e}.")),
    };
    let field = |k: &str| f.get(k).filter(|v| !v.is_empty()).cloned();
    let ctx = context_in(&t.account, &t.region, &headers);
    let input = PublishInput {
        topic_arn: Some(arn.clone()),
        message: Some(f.get("message").cloned().unwrap_or_default()),
        subject: field("subject"),
        message_attributes: attributes,
        message_group_id: field("group"),
        message_deduplication_id: field("dedup"),
        ..Default::default()
    };
    match state.sns.publish(&ctx, input) {
        Ok(out) => back("done", &format!("Published message {}.", out.message_id)),
        Err(e) => back("error", &format!("Not published: {}", e.message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_lines_are_parsed() {
        let a = parse_attributes("kind=order\n\n count:Number = 3 \n").unwrap();
        assert_eq!(a["kind"].data_type, "String");
        assert_eq!(a["kind"].string_value.as_deref(), Some("order"));
        assert_eq!(a["count"].data_type, "Number");
        assert_eq!(a["count"].string_value.as_deref(), Some("3"));
        assert!(parse_attributes("no equals sign").is_err());
    }
}
