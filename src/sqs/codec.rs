//! SQS over its two wire protocols: AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.<Action>`) and the
//! query protocol (form `Action=<Action>`, XML responses). Decoding yields the typed inputs of
//! [`super::model`]; encoding renders outputs and [`SqsError`]s in the protocol of the request.

use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::engine::SqsEngine;
use super::error::{QUEUE_DOES_NOT_EXIST, SqsError, SqsErrorCode, SqsResult};
use super::model::*;
use crate::context::RequestContext;
use crate::protocol::Reply;
use crate::protocol::query::{self, QueryError, QueryRules};
use crate::protocol::xml::XmlWriter;

/// The query protocol's XML namespace for SQS.
pub const XMLNS: &str = "http://queue.amazonaws.com/doc/2012-11-05/";
/// The query protocol's API version for SQS.
pub const VERSION: &str = "2012-11-05";

/// How SQS query keys map onto the JSON members.
pub const RULES: QueryRules = QueryRules {
    lists: &[
        ("AttributeName", "AttributeNames"),
        ("MessageAttributeName", "MessageAttributeNames"),
        ("MessageSystemAttributeName", "MessageSystemAttributeNames"),
        ("TagKey", "TagKeys"),
        ("AWSAccountId", "AWSAccountIds"),
        ("ActionName", "Actions"),
        ("SendMessageBatchRequestEntry", "Entries"),
        ("DeleteMessageBatchRequestEntry", "Entries"),
        ("ChangeMessageVisibilityBatchRequestEntry", "Entries"),
        ("StringListValue", "StringListValues"),
        ("BinaryListValue", "BinaryListValues"),
    ],
    maps: &[
        ("Attribute", "Attributes", "Name", "Value"),
        ("MessageAttribute", "MessageAttributes", "Name", "Value"),
        (
            "MessageSystemAttribute",
            "MessageSystemAttributes",
            "Name",
            "Value",
        ),
        ("Tag", "Tags", "Key", "Value"),
    ],
    integers: &[
        "DelaySeconds",
        "MaxNumberOfMessages",
        "WaitTimeSeconds",
        "VisibilityTimeout",
        "MaxResults",
        "MaxNumberOfMessagesPerSecond",
    ],
    booleans: &[],
};

/// The protocol a request came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Json,
    Query,
    /// The query protocol asked for JSON (`Accept: application/json`): AWS's query services
    /// then answer `{"<Action>Response": {"<Action>Result": {..}, "ResponseMetadata": {..}}}`
    /// and errors as `{"Error": {"Type", "Code", "Message"}, "RequestId"}`.
    QueryJson,
}

impl Protocol {
    /// The query protocol's answer format for a request with these `Accept` header values.
    pub fn query_for_accept(accept: Option<&str>) -> Protocol {
        let json = accept.is_some_and(|a| {
            a.split(',').any(|t| {
                t.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            })
        });
        if json {
            Protocol::QueryJson
        } else {
            Protocol::Query
        }
    }
}

/// A decoded-enough request: the action and its raw parameters.
pub enum Params {
    /// The JSON body.
    Json(Bytes),
    /// Form pairs, without `Action` and `Version`.
    Query(Vec<(String, String)>),
    /// Form pairs of a request that asked for a JSON answer.
    QueryJson(Vec<(String, String)>),
}

impl Params {
    fn protocol(&self) -> Protocol {
        match self {
            Params::Json(_) => Protocol::Json,
            Params::Query(_) => Protocol::Query,
            Params::QueryJson(_) => Protocol::QueryJson,
        }
    }
}

fn decode<T: DeserializeOwned>(action: &str, params: &Params) -> SqsResult<T> {
    match params {
        Params::Json(body) => {
            let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
                b"{}"
            } else {
                body
            };
            serde_json::from_slice(body).map_err(|e| {
                SqsError::new(
                    SqsErrorCode::Serialization,
                    format!("Could not parse the request body for {action}: {e}"),
                )
            })
        }
        Params::Query(pairs) | Params::QueryJson(pairs) => {
            let mut pairs = pairs.clone();
            if action == "CreateQueue" {
                // CreateQueue's tags are the lower-case `tags` member in JSON.
                for (k, _) in pairs.iter_mut() {
                    if let Some(rest) = k.strip_prefix("Tag.") {
                        *k = format!("tag.{rest}");
                    }
                }
            }
            let rules = if action == "CreateQueue" {
                &CREATE_QUEUE_RULES
            } else {
                &RULES
            };
            let value = query::to_json(&pairs, rules).map_err(|e| match e {
                QueryError::InvalidValue(p, v) => {
                    SqsError::invalid_parameter(&p, &v, "Value is not a valid integer.")
                }
                QueryError::MissingMapPart(p) => SqsError::missing_parameter(&p),
            })?;
            serde_json::from_value(value).map_err(|e| {
                SqsError::new(
                    SqsErrorCode::InvalidParameterValue,
                    format!("The request for {action} has an invalid parameter: {e}"),
                )
            })
        }
    }
}

const CREATE_QUEUE_RULES: QueryRules = QueryRules {
    lists: RULES.lists,
    maps: &[
        ("Attribute", "Attributes", "Name", "Value"),
        ("tag", "tags", "Key", "Value"),
    ],
    integers: RULES.integers,
    booleans: RULES.booleans,
};

/// Every SQS action of the current model.
pub const ACTIONS: &[&str] = &[
    "AddPermission",
    "CancelMessageMoveTask",
    "ChangeMessageVisibility",
    "ChangeMessageVisibilityBatch",
    "CreateQueue",
    "DeleteMessage",
    "DeleteMessageBatch",
    "DeleteQueue",
    "GetQueueAttributes",
    "GetQueueUrl",
    "ListDeadLetterSourceQueues",
    "ListMessageMoveTasks",
    "ListQueueTags",
    "ListQueues",
    "PurgeQueue",
    "ReceiveMessage",
    "RemovePermission",
    "SendMessage",
    "SendMessageBatch",
    "SetQueueAttributes",
    "StartMessageMoveTask",
    "TagQueue",
    "UntagQueue",
];

/// An output that can be rendered in both protocols.
trait Output: Serialize {
    fn write_xml(&self, w: &mut XmlWriter);
}

impl Output for () {
    fn write_xml(&self, _w: &mut XmlWriter) {}
}

/// Run one SQS action and render its reply in the request's protocol.
pub async fn handle(
    engine: &Arc<SqsEngine>,
    ctx: &RequestContext,
    action: &str,
    params: Params,
    request_id: &str,
) -> Reply {
    handle_traced(engine, ctx, action, params, request_id, None).await
}

/// [`handle`] for a request that carried an X-Ray `X-Amzn-Trace-Id` header: a message sent
/// without an `AWSTraceHeader` system attribute gets the header's value as one, as on AWS.
pub async fn handle_traced(
    engine: &Arc<SqsEngine>,
    ctx: &RequestContext,
    action: &str,
    params: Params,
    request_id: &str,
    trace_header: Option<&str>,
) -> Reply {
    let protocol = params.protocol();
    let result = match (action, trace_header) {
        ("SendMessage", Some(t)) => traced_send(engine, ctx, &params, t),
        ("SendMessageBatch", Some(t)) => traced_batch(engine, ctx, &params, t),
        _ => dispatch(engine, ctx, action, &params).await,
    };
    match result {
        Ok(rendered) => rendered.into_reply(protocol, action, request_id),
        Err(e) => error_reply(protocol, &e, request_id),
    }
}

/// The developer peek: every message of a queue, shaped as a ReceiveMessage reply in the given
/// protocol (JSON, or LocalStack's default XML).
pub fn peek_reply(
    engine: &SqsEngine,
    ctx: &RequestContext,
    queue_url: Option<&str>,
    protocol: Protocol,
    request_id: &str,
) -> Reply {
    match engine.peek(ctx, queue_url) {
        Ok(messages) => Rendered(Box::new(Wrap(ReceiveMessageOutput { messages }, false)))
            .into_reply(protocol, "ReceiveMessage", request_id),
        Err(e) => error_reply(protocol, &e, request_id),
    }
}

/// A successful output, rendered lazily in the right protocol.
struct Rendered(Box<dyn ErasedOutput + Send>);

trait ErasedOutput {
    fn json(&self) -> Vec<u8>;
    fn xml(&self, w: &mut XmlWriter);
    fn is_void(&self) -> bool;
}

struct Wrap<T: Output>(T, bool);

impl<T: Output> ErasedOutput for Wrap<T> {
    fn json(&self) -> Vec<u8> {
        if self.1 {
            return b"{}".to_vec();
        }
        serde_json::to_vec(&self.0).unwrap_or_else(|_| b"{}".to_vec())
    }
    fn xml(&self, w: &mut XmlWriter) {
        self.0.write_xml(w)
    }
    fn is_void(&self) -> bool {
        self.1
    }
}

fn out<T: Output + Send + 'static>(v: T) -> SqsResult<Rendered> {
    Ok(Rendered(Box::new(Wrap(v, false))))
}

fn void(r: SqsResult<()>) -> SqsResult<Rendered> {
    r.map(|()| Rendered(Box::new(Wrap((), true))))
}

impl Rendered {
    fn into_reply(self, protocol: Protocol, action: &str, request_id: &str) -> Reply {
        match protocol {
            Protocol::Json => Reply::json(200, self.0.json()),
            Protocol::Query => {
                let mut w = XmlWriter::new();
                let response = format!("{action}Response");
                w.open_ns(&response, XMLNS);
                if !self.0.is_void() {
                    let result = format!("{action}Result");
                    w.open(&result);
                    self.0.xml(&mut w);
                    w.close(&result);
                }
                w.open("ResponseMetadata")
                    .elem("RequestId", request_id)
                    .close("ResponseMetadata")
                    .close(&response);
                Reply::xml(200, w.finish())
            }
            Protocol::QueryJson => {
                let mut response = serde_json::Map::new();
                if !self.0.is_void() {
                    let result = serde_json::from_slice::<serde_json::Value>(&self.0.json())
                        .unwrap_or_else(|_| serde_json::json!({}));
                    response.insert(format!("{action}Result"), result);
                }
                response.insert(
                    "ResponseMetadata".to_string(),
                    serde_json::json!({ "RequestId": request_id }),
                );
                let body = serde_json::json!({ format!("{action}Response"): response });
                query_json(Reply::json(200, body.to_string().into_bytes()))
            }
        }
    }
}

/// The `AWSTraceHeader` system attribute a trace header gives, unless one was sent.
fn add_trace(system: &mut MessageAttributes, trace: &str) {
    if !trace.is_empty() && !system.contains_key("AWSTraceHeader") {
        system.insert(
            "AWSTraceHeader".to_string(),
            MessageAttributeValue {
                data_type: "String".to_string(),
                string_value: Some(trace.to_string()),
                ..Default::default()
            },
        );
    }
}

fn traced_send(
    engine: &SqsEngine,
    ctx: &RequestContext,
    p: &Params,
    trace: &str,
) -> SqsResult<Rendered> {
    let mut input: SendMessageInput = decode("SendMessage", p)?;
    add_trace(&mut input.message_system_attributes, trace);
    out(engine.send_message(ctx, input)?)
}

fn traced_batch(
    engine: &SqsEngine,
    ctx: &RequestContext,
    p: &Params,
    trace: &str,
) -> SqsResult<Rendered> {
    let mut input: SendMessageBatchInput = decode("SendMessageBatch", p)?;
    for e in &mut input.entries {
        add_trace(&mut e.message_system_attributes, trace);
    }
    out(engine.send_message_batch(ctx, input)?)
}

async fn dispatch(
    engine: &Arc<SqsEngine>,
    ctx: &RequestContext,
    action: &str,
    p: &Params,
) -> SqsResult<Rendered> {
    match action {
        "CreateQueue" => out(engine.create_queue(ctx, decode(action, p)?)?),
        "GetQueueUrl" => out(engine.get_queue_url(ctx, decode(action, p)?)?),
        "ListQueues" => out(engine.list_queues(ctx, decode(action, p)?)?),
        "DeleteQueue" => void(engine.delete_queue(ctx, decode(action, p)?)),
        "GetQueueAttributes" => out(engine.get_queue_attributes(ctx, decode(action, p)?)?),
        "SetQueueAttributes" => void(engine.set_queue_attributes(ctx, decode(action, p)?)),
        "SendMessage" => out(engine.send_message(ctx, decode(action, p)?)?),
        "SendMessageBatch" => out(engine.send_message_batch(ctx, decode(action, p)?)?),
        "ReceiveMessage" => out(engine.receive_message(ctx, decode(action, p)?).await?),
        "DeleteMessage" => void(engine.delete_message(ctx, decode(action, p)?)),
        "DeleteMessageBatch" => out(DeleteBatch(
            engine.delete_message_batch(ctx, decode(action, p)?)?,
        )),
        "ChangeMessageVisibility" => {
            void(engine.change_message_visibility(ctx, decode(action, p)?))
        }
        "ChangeMessageVisibilityBatch" => out(ChangeBatch(
            engine.change_message_visibility_batch(ctx, decode(action, p)?)?,
        )),
        "PurgeQueue" => void(engine.purge_queue(ctx, decode(action, p)?)),
        "TagQueue" => void(engine.tag_queue(ctx, decode(action, p)?)),
        "UntagQueue" => void(engine.untag_queue(ctx, decode(action, p)?)),
        "ListQueueTags" => out(engine.list_queue_tags(ctx, decode(action, p)?)?),
        "AddPermission" => void(engine.add_permission(ctx, decode(action, p)?)),
        "RemovePermission" => void(engine.remove_permission(ctx, decode(action, p)?)),
        "ListDeadLetterSourceQueues" => {
            out(engine.list_dead_letter_source_queues(ctx, decode(action, p)?)?)
        }
        "StartMessageMoveTask" => out(engine.start_message_move_task(ctx, decode(action, p)?)?),
        "CancelMessageMoveTask" => out(engine.cancel_message_move_task(ctx, decode(action, p)?)?),
        "ListMessageMoveTasks" => out(engine.list_message_move_tasks(ctx, decode(action, p)?)?),
        other => Err(match p.protocol() {
            Protocol::Json => SqsError::new(
                SqsErrorCode::UnknownOperation,
                format!("The action {other} is not valid for this endpoint."),
            ),
            Protocol::Query | Protocol::QueryJson => SqsError::new(
                SqsErrorCode::InvalidAction,
                format!("The action {other} is not valid for this endpoint."),
            ),
        }),
    }
}

/// Render an error in the given protocol.
pub fn error_reply(protocol: Protocol, e: &SqsError, request_id: &str) -> Reply {
    let status = e.code.status();
    let fault = if e.code.sender_fault() {
        "Sender"
    } else {
        "Receiver"
    };
    match protocol {
        Protocol::Json => {
            let body = serde_json::json!({
                "__type": format!("com.amazonaws.sqs#{}", e.code.shape()),
                "message": e.message,
            });
            let mut reply = Reply::json(status, body.to_string().into_bytes());
            if !matches!(
                e.code,
                SqsErrorCode::Serialization | SqsErrorCode::UnknownOperation
            ) {
                reply.headers.push((
                    "x-amzn-query-error",
                    format!("{};{fault}", e.code.legacy_code()),
                ));
            }
            reply
        }
        Protocol::Query => {
            let mut w = XmlWriter::new();
            w.open_ns("ErrorResponse", XMLNS)
                .open("Error")
                .elem("Type", fault)
                .elem("Code", e.code.legacy_code())
                .elem("Message", query_message(e))
                .empty("Detail")
                .close("Error")
                .elem("RequestId", request_id)
                .close("ErrorResponse");
            Reply::xml(status, w.finish())
        }
        Protocol::QueryJson => {
            let body = serde_json::json!({
                "Error": {
                    "Type": fault,
                    "Code": e.code.legacy_code(),
                    "Message": query_message(e),
                },
                "RequestId": request_id,
            });
            query_json(Reply::json(status, body.to_string().into_bytes()))
        }
    }
}

/// A query-protocol JSON answer is plain `application/json`, not AWS JSON 1.0.
fn query_json(mut reply: Reply) -> Reply {
    reply.content_type = "application/json";
    reply
}

/// The query protocol words a missing queue as the old WSDL-era API did (AWS's recorded
/// test_non_existent_queue, `queue-does-not-exist-query`); JSON has the shorter message.
fn query_message(e: &SqsError) -> &str {
    if e.code == SqsErrorCode::QueueDoesNotExist && e.message == QUEUE_DOES_NOT_EXIST {
        "The specified queue does not exist for this wsdl version."
    } else {
        &e.message
    }
}

// ---- XML renderings ----

impl Output for QueueUrlOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.elem("QueueUrl", &self.queue_url);
    }
}

impl Output for ListQueuesOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        for u in &self.queue_urls {
            w.elem("QueueUrl", u);
        }
        w.elem_opt("NextToken", self.next_token.as_deref());
    }
}

fn name_value(w: &mut XmlWriter, tag: &str, k: &str, v: &str) {
    w.open(tag).elem("Name", k).elem("Value", v).close(tag);
}

impl Output for GetQueueAttributesOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        for (k, v) in &self.attributes {
            name_value(w, "Attribute", k, v);
        }
    }
}

fn send_result_xml(w: &mut XmlWriter, o: &SendMessageOutput) {
    w.elem("MessageId", &o.message_id)
        .elem("MD5OfMessageBody", &o.md5_of_message_body)
        .elem_opt(
            "MD5OfMessageAttributes",
            o.md5_of_message_attributes.as_deref(),
        )
        .elem_opt(
            "MD5OfMessageSystemAttributes",
            o.md5_of_message_system_attributes.as_deref(),
        )
        .elem_opt("SequenceNumber", o.sequence_number.as_deref());
}

impl Output for SendMessageOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        send_result_xml(w, self);
    }
}

fn batch_errors_xml(w: &mut XmlWriter, failed: &[BatchResultErrorEntry]) {
    for f in failed {
        w.open("BatchResultErrorEntry")
            .elem("Id", &f.id)
            .elem("SenderFault", if f.sender_fault { "true" } else { "false" })
            .elem("Code", &f.code)
            .elem("Message", &f.message)
            .close("BatchResultErrorEntry");
    }
}

impl Output for BatchOutput<SendMessageBatchResultEntry> {
    fn write_xml(&self, w: &mut XmlWriter) {
        for s in &self.successful {
            w.open("SendMessageBatchResultEntry").elem("Id", &s.id);
            send_result_xml(w, &s.result);
            w.close("SendMessageBatchResultEntry");
        }
        batch_errors_xml(w, &self.failed);
    }
}

/// DeleteMessageBatch's output (its XML entry name differs from ChangeMessageVisibilityBatch's).
#[derive(Serialize)]
#[serde(transparent)]
struct DeleteBatch(BatchOutput<BatchIdEntry>);

#[derive(Serialize)]
#[serde(transparent)]
struct ChangeBatch(BatchOutput<BatchIdEntry>);

fn id_entries_xml(w: &mut XmlWriter, tag: &str, b: &BatchOutput<BatchIdEntry>) {
    for s in &b.successful {
        w.open(tag).elem("Id", &s.id).close(tag);
    }
    batch_errors_xml(w, &b.failed);
}

impl Output for DeleteBatch {
    fn write_xml(&self, w: &mut XmlWriter) {
        id_entries_xml(w, "DeleteMessageBatchResultEntry", &self.0);
    }
}

impl Output for ChangeBatch {
    fn write_xml(&self, w: &mut XmlWriter) {
        id_entries_xml(w, "ChangeMessageVisibilityBatchResultEntry", &self.0);
    }
}

impl Output for ReceiveMessageOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        use base64::Engine;
        for m in &self.messages {
            w.open("Message")
                .elem("MessageId", &m.message_id)
                .elem("ReceiptHandle", &m.receipt_handle)
                .elem("MD5OfBody", &m.md5_of_body)
                .elem("Body", &m.body);
            for (k, v) in &m.attributes {
                name_value(w, "Attribute", k, v);
            }
            w.elem_opt(
                "MD5OfMessageAttributes",
                m.md5_of_message_attributes.as_deref(),
            );
            for (k, v) in &m.message_attributes {
                w.open("MessageAttribute").elem("Name", k).open("Value");
                if let Some(s) = &v.string_value {
                    w.elem("StringValue", s);
                }
                if let Some(b) = &v.binary_value {
                    w.elem(
                        "BinaryValue",
                        &base64::engine::general_purpose::STANDARD.encode(b),
                    );
                }
                w.elem("DataType", &v.data_type)
                    .close("Value")
                    .close("MessageAttribute");
            }
            w.close("Message");
        }
    }
}

impl Output for ListQueueTagsOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        for (k, v) in &self.tags {
            w.open("Tag").elem("Key", k).elem("Value", v).close("Tag");
        }
    }
}

impl Output for ListDeadLetterSourceQueuesOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        for u in &self.queue_urls {
            w.elem("QueueUrl", u);
        }
        w.elem_opt("NextToken", self.next_token.as_deref());
    }
}

impl Output for StartMessageMoveTaskOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.elem("TaskHandle", &self.task_handle);
    }
}

impl Output for CancelMessageMoveTaskOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.elem(
            "ApproximateNumberOfMessagesMoved",
            &self.approximate_number_of_messages_moved.to_string(),
        );
    }
}

impl Output for ListMessageMoveTasksOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        for t in &self.results {
            w.open("ListMessageMoveTasksResultEntry")
                .elem_opt("TaskHandle", t.task_handle.as_deref())
                .elem("Status", &t.status)
                .elem("SourceArn", &t.source_arn)
                .elem_opt("DestinationArn", t.destination_arn.as_deref());
            if let Some(r) = t.max_number_of_messages_per_second {
                w.elem("MaxNumberOfMessagesPerSecond", &r.to_string());
            }
            w.elem(
                "ApproximateNumberOfMessagesMoved",
                &t.approximate_number_of_messages_moved.to_string(),
            )
            .elem(
                "ApproximateNumberOfMessagesToMove",
                &t.approximate_number_of_messages_to_move.to_string(),
            )
            .elem_opt("FailureReason", t.failure_reason.as_deref())
            .elem("StartedTimestamp", &t.started_timestamp.to_string())
            .close("ListMessageMoveTasksResultEntry");
        }
    }
}
