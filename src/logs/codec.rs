//! CloudWatch Logs over AWS JSON 1.1 (`X-Amz-Target: Logs_20140328.<Action>`): the body
//! decoded into the operation's request shape, the engine's answer or error rendered back.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::LogsEngine;
use super::error::{LogsError, LogsResult};
use crate::context::RequestContext;
use crate::protocol::Reply;

/// The `X-Amz-Target` prefix of CloudWatch Logs.
pub const TARGET_PREFIX: &str = "Logs_20140328.";
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

fn reply(status: u16, body: Vec<u8>) -> Reply {
    Reply {
        status,
        content_type: CONTENT_TYPE,
        headers: Vec::new(),
        body,
    }
}

/// An error as AWS's JSON 1.1 services render it.
pub fn error_reply(e: &LogsError) -> Reply {
    let body = serde_json::json!({"__type": e.code, "message": e.message});
    reply(e.status, body.to_string().into_bytes())
}

fn decode<T: DeserializeOwned + Default>(body: &[u8]) -> LogsResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| LogsError::serialization(format!("The request body could not be read: {e}")))
}

fn ok<T: Serialize>(out: LogsResult<T>) -> Reply {
    match out.and_then(|o| {
        serde_json::to_vec(&o).map_err(|e| LogsError {
            code: "ServiceUnavailableException",
            message: e.to_string(),
            status: 500,
        })
    }) {
        Ok(body) => reply(200, body),
        Err(e) => error_reply(&e),
    }
}

fn empty(out: LogsResult<()>) -> Reply {
    match out {
        Ok(()) => reply(200, b"{}".to_vec()),
        Err(e) => error_reply(&e),
    }
}

/// Run one action (the part of the target after [`TARGET_PREFIX`]).
pub fn handle(engine: &LogsEngine, ctx: &RequestContext, action: &str, body: &[u8]) -> Reply {
    macro_rules! run {
        ($wrap:ident, |$i:ident| $call:expr) => {
            match decode(body) {
                Ok($i) => $wrap($call),
                Err(e) => error_reply(&e),
            }
        };
    }
    match action {
        "CreateLogGroup" => run!(empty, |i| engine.create_log_group(ctx, i)),
        "DeleteLogGroup" => run!(empty, |i| engine.delete_log_group(ctx, i)),
        "DescribeLogGroups" => run!(ok, |i| engine.describe_log_groups(ctx, i)),
        "CreateLogStream" => run!(empty, |i| engine.create_log_stream(ctx, i)),
        "DeleteLogStream" => run!(empty, |i| engine.delete_log_stream(ctx, i)),
        "DescribeLogStreams" => run!(ok, |i| engine.describe_log_streams(ctx, i)),
        "PutLogEvents" => run!(ok, |i| engine.put_log_events(ctx, i)),
        "GetLogEvents" => run!(ok, |i| engine.get_log_events(ctx, i)),
        "FilterLogEvents" => run!(ok, |i| engine.filter_log_events(ctx, i)),
        "PutRetentionPolicy" => run!(empty, |i| engine.put_retention_policy(ctx, i)),
        "DeleteRetentionPolicy" => run!(empty, |i| engine.delete_retention_policy(ctx, i)),
        "TagResource" => run!(empty, |i| engine.tag_resource(i)),
        "UntagResource" => run!(empty, |i| engine.untag_resource(i)),
        "ListTagsForResource" => run!(ok, |i| engine.list_tags_for_resource(i)),
        "TagLogGroup" => run!(empty, |i| engine.tag_log_group(ctx, i)),
        "UntagLogGroup" => run!(empty, |i| engine.untag_log_group(ctx, i)),
        "ListTagsLogGroup" => run!(ok, |i| engine.list_tags_log_group(ctx, i)),
        other => error_reply(&LogsError::unknown_operation(&format!(
            "{TARGET_PREFIX}{other}"
        ))),
    }
}
