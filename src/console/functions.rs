//! Function pages: every function; one function's configuration, versions, aliases, event
//! source mappings, live environments and recent invocations with their log lines; invoke.

use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use maud::{Markup, html};
use serde_json::Value;

use super::page::{self, Notice, Params, Section, frame, live, time};
use super::{context_in, url};
use crate::arn::parse_arn;
use crate::lambda::activity::{InvocationRecord, Status, Trigger};
use crate::lambda::engine::InvokeInput;
use crate::server::AppState;

type FormData = Form<std::collections::HashMap<String, String>>;

/// A function named by its unqualified ARN: (account, region, name).
fn named(arn: &str) -> Option<(String, String, String)> {
    let p = parse_arn(arn).filter(|p| p.service == "lambda")?;
    let name = p.resource.strip_prefix("function:")?;
    let name = name.split(':').next()?;
    Some((
        p.account.to_string(),
        p.region.to_string(),
        name.to_string(),
    ))
}

fn function_link(arn: &str, name: &str) -> Markup {
    html! { a href=(url("function", &[("arn", arn)])) { (name) } }
}

/// `GET /_fogbank/ui/functions`.
pub(super) async fn list(State(state): State<Arc<AppState>>, Query(p): Params) -> Response {
    frame(
        "Functions",
        Section::Functions,
        Notice::from_params(&p).as_ref(),
        html! {
            h1 { "Functions" }
            (live("functions", None, list_live(&state)))
        },
    )
}

pub(super) fn list_live(state: &AppState) -> Markup {
    let functions = state.lambda.all_functions();
    if functions.is_empty() {
        return html! { p.empty { "No functions yet." } };
    }
    page::by_place(
        &functions,
        |f| (f.account.as_str(), f.region.as_str()),
        |group| {
            html! {
                table.functions {
                    thead { tr {
                        th scope="col" { "Function" } th scope="col" { "Runtime" } th scope="col" { "Handler" }
                        th scope="col" .num { "Versions" } th scope="col" .num { "Live environments" } th scope="col" { "Last modified" }
                    } }
                    tbody { @for f in group { tr {
                        th scope="row" { (function_link(&f.arn, &f.name)) }
                        td { (f.runtime.as_deref().unwrap_or("(image)")) }
                        td { code { (f.handler.as_deref().unwrap_or("")) } }
                        td.num { (f.versions) }
                        td.num { (state.lambda.environments_of(&f.arn).iter().map(|e| e.live).sum::<usize>()) }
                        td { (f.last_modified) }
                    } } }
                }
            }
        },
    )
}

/// A JSON value as a short text (strings unquoted).
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// What the result of an invoke from the page was.
struct Invoked {
    status: u16,
    error: Option<String>,
    payload: String,
    log: Option<String>,
    version: Option<String>,
    request_id: String,
}

/// `GET /_fogbank/ui/function?arn=...`.
pub(super) async fn show(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(p): Params,
) -> Response {
    let arn = p.get("arn").map_or("", String::as_str);
    function_page(&state, &headers, arn, Notice::from_params(&p), None, None)
}

fn function_page(
    state: &AppState,
    headers: &HeaderMap,
    arn: &str,
    notice: Option<Notice>,
    invoked: Option<Invoked>,
    payload: Option<&str>,
) -> Response {
    let Some((account, region, name)) = named(arn) else {
        return page::not_found(Section::Functions, "Function", arn);
    };
    let ctx = context_in(&account, &region, headers);
    let Ok(config) = state.lambda.get_function_configuration(&ctx, &name, None) else {
        return page::not_found(Section::Functions, "Function", arn);
    };
    let config = serde_json::to_value(&config).unwrap_or(Value::Null);
    let unqualified = format!("arn:aws:lambda:{region}:{account}:function:{name}");
    let aliases: Vec<String> = state
        .lambda
        .list_aliases(&ctx, &name, None)
        .map(|a| a.aliases.iter().map(|a| a.name.clone()).collect())
        .unwrap_or_default();
    frame(
        &name,
        Section::Functions,
        notice.as_ref(),
        html! {
            p.crumbs { a href=(url("functions", &[])) { "Functions" } " / " }
            h1 { "Function " code { (name) } }
            details.config open {
                summary { "Configuration" }
                dl.meta {
                    @if let Value::Object(m) = &config {
                        @for (k, v) in m {
                            @if !matches!(v, Value::Null) && !matches!(k.as_str(), "FunctionName") {
                                dt { (k) }
                                dd { @if v.is_object() || v.is_array() { code { (v.to_string()) } } @else { (shown(v)) } }
                            }
                        }
                    }
                }
            }
            (live("function", Some(&unqualified), show_live(state, &unqualified)))
            section.actions aria-labelledby="actions" {
                h2 #actions { "Invoke" }
                form.action method="post" action=(url("function/invoke", &[])) {
                    input type="hidden" name="arn" value=(unqualified);
                    label for="invoke-payload" { "Event (JSON)" }
                    textarea #invoke-payload name="payload" rows="6" { (payload.unwrap_or("{}")) }
                    label for="invoke-qualifier" { "Version or alias" }
                    select #invoke-qualifier name="qualifier" {
                        option value="" { "$LATEST" }
                        @for a in &aliases { option value=(a) { (a) } }
                    }
                    label for="invoke-type" { "Invocation type" }
                    select #invoke-type name="type" {
                        option value="RequestResponse" { "Wait for the result (RequestResponse)" }
                        option value="Event" { "Queue it (Event)" }
                    }
                    button type="submit" { "Invoke" }
                }
                @if let Some(r) = invoked {
                    section #invoke-result.result aria-labelledby="result-title" {
                        h3 #result-title { "Result" }
                        dl.meta {
                            dt { "Request id" } dd { code { (r.request_id) } }
                            dt { "Status" } dd { (r.status) }
                            @if let Some(v) = &r.version { dt { "Executed version" } dd { (v) } }
                            @if let Some(e) = &r.error { dt { "Function error" } dd.failed { (e) } }
                        }
                        h4 { "Response" }
                        pre.body #invoke-payload-out { (r.payload) }
                        @if let Some(log) = &r.log {
                            h4 { "Log (last 4 KB)" }
                            pre.log { (log) }
                        }
                    }
                }
            }
        },
    )
}

fn trigger(t: &Trigger) -> String {
    match t {
        Trigger::Api => "API (RequestResponse)".into(),
        Trigger::ApiEvent => "API (Event)".into(),
        Trigger::Sns => "SNS".into(),
        Trigger::S3 => "S3".into(),
        Trigger::SqsMapping { uuid } => format!("SQS mapping {uuid}"),
        Trigger::FunctionUrl => "function URL".into(),
        Trigger::AsyncRetry { attempt } => format!("async retry {attempt}"),
        Trigger::Other(s) => s.clone(),
    }
}

fn status(s: &Status) -> Markup {
    match s {
        Status::Running => html! { span.outcome.pending { "running" } },
        Status::Succeeded => html! { span.outcome.delivered { "succeeded" } },
        Status::Failed {
            error_type,
            message,
        } => {
            html! { span.outcome.failed { "failed" } " " small { (error_type) ": " (message) } }
        }
        Status::TimedOut => html! { span.outcome.failed { "timed out" } },
    }
}

pub(super) fn show_live(state: &AppState, arn: &str) -> Markup {
    let Some((account, region, name)) = named(arn) else {
        return html! {};
    };
    let ctx = context_in(&account, &region, &HeaderMap::new());
    let versions: Vec<Value> = state
        .lambda
        .list_versions(&ctx, &name, None, None)
        .map(|v| {
            v.versions
                .iter()
                .filter_map(|c| serde_json::to_value(c).ok())
                .collect()
        })
        .unwrap_or_default();
    let aliases: Vec<Value> = state
        .lambda
        .list_aliases(&ctx, &name, None)
        .map(|a| {
            a.aliases
                .iter()
                .filter_map(|c| serde_json::to_value(c).ok())
                .collect()
        })
        .unwrap_or_default();
    let mappings: Vec<Value> = state
        .lambda
        .list_event_source_mappings(&ctx, None, Some(&name))
        .map(|m| {
            m.event_source_mappings
                .iter()
                .filter_map(|c| serde_json::to_value(c).ok())
                .collect()
        })
        .unwrap_or_default();
    let environments = state.lambda.environments_of(arn);
    let invocations = state.lambda.recent_invocations(&account, &region, &name);
    let field = |v: &Value, k: &str| v.get(k).map(shown).unwrap_or_default();
    html! {
        h2 #versions { "Versions and aliases" }
        table aria-labelledby="versions" {
            thead { tr { th scope="col" { "Version" } th scope="col" { "Description" } th scope="col" { "Last modified" } th scope="col" { "Aliases" } } }
            tbody { @for v in &versions {
                @let version = field(v, "Version");
                tr {
                    td { (version) } td { (field(v, "Description")) } td { (field(v, "LastModified")) }
                    td { @for a in aliases.iter().filter(|a| field(a, "FunctionVersion") == version) { code { (field(a, "Name")) } " " } }
                }
            } }
        }
        h2 #mappings { "Event source mappings" }
        @if mappings.is_empty() {
            p.empty { "None." }
        } @else {
            table aria-labelledby="mappings" {
                thead { tr { th scope="col" { "UUID" } th scope="col" { "Source" } th scope="col" { "State" } th scope="col" .num { "Batch size" } th scope="col" { "Last result" } th scope="col" { "Last modified" } } }
                tbody { @for m in &mappings {
                    @let source = field(m, "EventSourceArn");
                    tr {
                        td { code { (field(m, "UUID")) } }
                        td { @if source.contains(":sqs:") { a href=(url("queue", &[("arn", &source)])) { (source) } } @else { (source) } }
                        td { (field(m, "State")) } td.num { (field(m, "BatchSize")) }
                        td { (field(m, "LastProcessingResult")) }
                        td { (m.get("LastModified").and_then(Value::as_f64).map(|s| time((s * 1000.0) as u64)).unwrap_or_default()) }
                    }
                } }
            }
        }
        h2 #environments { "Live environments" }
        @if environments.is_empty() {
            p.empty { "None (the next invocation starts one)." }
        } @else {
            ul aria-labelledby="environments" { @for e in &environments { li { (e.version) ": " (e.live) } } }
        }
        h2 #invocations { "Recent invocations" }
        @if invocations.is_empty() {
            p.empty { "No invocations since fogbank started (the last 50 are kept)." }
        } @else {
            table.invocations aria-labelledby="invocations" {
                thead { tr {
                    th scope="col" { "Request id" } th scope="col" { "Trigger" } th scope="col" { "Version" }
                    th scope="col" { "Started" } th scope="col" .num { "Duration (ms)" } th scope="col" { "Status" }
                } }
                @for i in &invocations { (invocation(state, &account, &region, i)) }
            }
        }
    }
}

fn invocation(state: &AppState, account: &str, region: &str, i: &InvocationRecord) -> Markup {
    let lines =
        state
            .logs
            .request_lines(account, region, &i.log_group, &i.log_stream, &i.request_id);
    html! {
        tbody.invocation {
            tr {
                th scope="row" { code { (i.request_id) } }
                td { (trigger(&i.trigger)) } td { (i.qualifier) } td { (time(i.started_ms)) }
                td.num { @if let Some(d) = i.duration_ms { (format!("{d:.2}")) } }
                td { (status(&i.status)) }
            }
            tr.log-row {
                td colspan="6" {
                    details.log data-key={ "log-" (i.request_id) } {
                        summary { "Log: " (lines.len()) " lines in " code { (i.log_group) } " / " code { (i.log_stream) } }
                        pre.log { @for (ts, line) in &lines { (time(u64::try_from(*ts).unwrap_or(0))) "  " (line.trim_end_matches(['\n', '\r'])) "\n" } }
                    }
                }
            }
        }
    }
}

/// `POST /_fogbank/ui/function/invoke`: `arn`, `payload`, `qualifier`, `type`.
pub(super) async fn invoke(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(f): FormData,
) -> Response {
    let arn = f.get("arn").cloned().unwrap_or_default();
    let payload = f.get("payload").cloned().unwrap_or_default();
    let Some((account, region, name)) = named(&arn) else {
        return page::not_found(Section::Functions, "Function", &arn);
    };
    if let Err(e) = serde_json::from_str::<Value>(&payload) {
        let notice = Notice::error(format!("Not invoked: the event is not JSON ({e})."));
        return function_page(&state, &headers, &arn, Some(notice), None, Some(&payload));
    }
    let ctx = context_in(&account, &region, &headers);
    let qualifier = f.get("qualifier").filter(|q| !q.is_empty()).cloned();
    let kind = match f.get("type").map(String::as_str) {
        Some("Event") => "Event",
        _ => "RequestResponse",
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let input = InvokeInput {
        invocation_type: Some(kind.to_string()),
        log_type: (kind == "RequestResponse").then(|| "Tail".to_string()),
        payload: payload.clone().into_bytes().into(),
        request_id: Some(request_id.clone()),
        ..Default::default()
    };
    match state.lambda.invoke(&ctx, &name, qualifier, input).await {
        Ok(out) => {
            let invoked = Invoked {
                status: out.status,
                error: out.function_error.clone(),
                payload: String::from_utf8_lossy(&out.payload).into_owned(),
                log: out
                    .log_result
                    .as_deref()
                    .and_then(|l| STANDARD.decode(l).ok())
                    .map(|b| String::from_utf8_lossy(&b).into_owned()),
                version: out.executed_version.clone(),
                request_id,
            };
            let notice = match &out.function_error {
                Some(e) => Notice::error(format!("The function failed ({e}).")),
                None if kind == "Event" => Notice::done("Queued for an asynchronous invocation."),
                None => Notice::done("Invoked."),
            };
            function_page(
                &state,
                &headers,
                &arn,
                Some(notice),
                Some(invoked),
                Some(&payload),
            )
        }
        Err(e) => {
            let notice = Notice::error(format!("Not invoked: {}: {}", e.code, e.message));
            function_page(&state, &headers, &arn, Some(notice), None, Some(&payload))
        }
    }
}
