//! Response streaming: a runtime's `/response` posted with
//! `Lambda-Runtime-Function-Response-Mode: streaming` (chunked, errors in trailers) relayed
//! chunk by chunk to whoever asked for the invocation as a stream (InvokeWithResponseStream's
//! event stream, function URLs with `InvokeMode: RESPONSE_STREAM`), within 20 MB.
//!
//! The invoker registers a sink under the invocation's request id before invoking; the
//! runtime's handler takes it when the streamed response starts. Without a sink (a plain
//! Invoke of a streaming handler) the stream is buffered within the 6 MB response limit.

use std::convert::Infallible;
use std::sync::{Arc, LazyLock};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use dashmap::DashMap;
use http_body_util::BodyExt;
use http_body_util::channel::Channel;
use tokio::sync::mpsc;

use super::engine::{LambdaEngine, StreamInvoke};
use super::limits;
use super::runtime::{MAX_RESPONSE, Outcome};
use super::{LambdaError, LambdaResult};

/// Most bytes a function may stream.
pub const MAX_STREAMED: usize = 20 * 1024 * 1024;

/// The content type of a streamed HTTP response (`awslambda.HttpResponseStream`): a JSON
/// prelude, eight null bytes, then the body.
pub const HTTP_INTEGRATION: &str = "application/vnd.awslambda.http-integration-response";

/// What a streaming runtime sends, in order.
#[derive(Debug)]
pub enum Piece {
    /// The response started, with this content type.
    Head(Option<String>),
    /// A chunk of the body.
    Data(Bytes),
}

static SINKS: LazyLock<DashMap<String, mpsc::Sender<Piece>>> = LazyLock::new(DashMap::new);

/// A registered sink; unregistered when dropped.
pub struct Sink {
    request_id: String,
}

impl Drop for Sink {
    fn drop(&mut self) {
        SINKS.remove(&self.request_id);
    }
}

impl Sink {
    /// Stop waiting for a stream (the invocation ended): the receiver then sees the end once
    /// the runtime's relay (if any) is done.
    pub fn close(&self) {
        SINKS.remove(&self.request_id);
    }
}

/// Ask for invocation `request_id`'s response as a stream.
pub fn register(request_id: &str) -> (Sink, mpsc::Receiver<Piece>) {
    let (tx, rx) = mpsc::channel(16);
    SINKS.insert(request_id.to_string(), tx);
    (
        Sink {
            request_id: request_id.to_string(),
        },
        rx,
    )
}

/// Whether a `/response` post is a streamed one.
pub fn is_streaming(headers: &HeaderMap) -> bool {
    headers
        .get("lambda-runtime-function-response-mode")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("streaming"))
}

fn too_large(limit: usize) -> Outcome {
    Outcome::Error {
        error_type: limits::TOO_LARGE_TYPE.to_string(),
        body: Bytes::from(
            serde_json::json!({
                "errorMessage": format!("Response payload size exceeded maximum allowed payload size ({limit} bytes)."),
                "errorType": limits::TOO_LARGE_TYPE,
            })
            .to_string(),
        ),
    }
}

/// Read a streamed `/response` body: chunks go to the invocation's sink as they come (or are
/// buffered when nobody streams), trailers name an error. `None` when the body broke off.
pub async fn relay(request_id: &str, headers: &HeaderMap, mut body: Body) -> Option<Outcome> {
    let mut sink = SINKS.remove(request_id).map(|(_, tx)| tx);
    let limit = if sink.is_some() {
        MAX_STREAMED
    } else {
        MAX_RESPONSE
    };
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(tx) = &sink
        && tx.send(Piece::Head(content_type)).await.is_err()
    {
        sink = None;
    }
    let mut buffered = bytes::BytesMut::new();
    let mut total = 0usize;
    let mut failure: Option<(String, Bytes)> = None;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return None;
        };
        match frame.into_data() {
            Ok(data) => {
                total += data.len();
                if total > limit {
                    limits::drain(body).await;
                    return Some(too_large(limit));
                }
                match &sink {
                    Some(tx) => {
                        if tx.send(Piece::Data(data)).await.is_err() {
                            // The caller went away: read the rest and drop it.
                            sink = None;
                        }
                    }
                    None => buffered.extend_from_slice(&data),
                }
            }
            Err(frame) => {
                if let Ok(trailers) = frame.into_trailers()
                    && let Some(t) = trailers
                        .get("lambda-runtime-function-error-type")
                        .and_then(|v| v.to_str().ok())
                {
                    let body = trailers
                        .get("lambda-runtime-function-error-body")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|b| STANDARD.decode(b.trim()).ok())
                        .unwrap_or_default();
                    failure = Some((t.to_string(), Bytes::from(body)));
                }
            }
        }
    }
    drop(sink);
    Some(match failure {
        Some((error_type, body)) => Outcome::Error { error_type, body },
        None => Outcome::Response(buffered.freeze()),
    })
}

/// One `vnd.amazon.eventstream` event message.
pub fn event_message(
    event_type: &'static str,
    content_type: &'static str,
    payload: Bytes,
) -> Bytes {
    use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
    let message = Message::new(payload)
        .add_header(Header::new(
            ":event-type",
            HeaderValue::String(event_type.into()),
        ))
        .add_header(Header::new(
            ":content-type",
            HeaderValue::String(content_type.into()),
        ))
        .add_header(Header::new(
            ":message-type",
            HeaderValue::String("event".into()),
        ));
    let mut out = Vec::new();
    match aws_smithy_eventstream::frame::write_message_to(&message, &mut out) {
        Ok(()) => Bytes::from(out),
        Err(e) => {
            tracing::warn!("event stream message not written: {e}");
            Bytes::new()
        }
    }
}

/// A `PayloadChunk` event.
pub fn payload_chunk(data: Bytes) -> Bytes {
    event_message("PayloadChunk", "application/octet-stream", data)
}

/// The `InvokeComplete` event: `{}`, or the error's code and details, and the log tail.
pub fn invoke_complete(error: Option<(&str, &[u8])>, log_result: Option<&str>) -> Bytes {
    let mut v = serde_json::Map::new();
    if let Some((code, details)) = error {
        v.insert("ErrorCode".into(), serde_json::json!(code));
        v.insert(
            "ErrorDetails".into(),
            serde_json::json!(String::from_utf8_lossy(details)),
        );
    }
    if let Some(l) = log_result {
        v.insert("LogResult".into(), serde_json::json!(l));
    }
    event_message(
        "InvokeComplete",
        "application/json",
        Bytes::from(serde_json::Value::Object(v).to_string()),
    )
}

/// Split a streamed HTTP response's prelude (JSON, then eight null bytes) from its body, once
/// the delimiter has arrived.
pub fn split_prelude(buf: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = buf.windows(8).position(|w| w == [0u8; 8])?;
    Some((&buf[..i], &buf[i + 8..]))
}

/// The last 4 KB of an invocation's log, base64-encoded (`LogType: Tail`).
fn tail(log: &str) -> String {
    let bytes = log.as_bytes();
    STANDARD.encode(&bytes[bytes.len().saturating_sub(4096)..])
}

/// Answer a checked InvokeWithResponseStream: 200 and an event stream of `PayloadChunk`s as
/// the function streams (or its whole answer, for a handler that does not stream), then
/// `InvokeComplete`.
pub fn invoke_with_response_stream(
    engine: Arc<LambdaEngine>,
    prepared: StreamInvoke,
    rid: &str,
) -> Response {
    let mut res = if prepared.dry_run {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NO_CONTENT;
        r
    } else {
        let (sink, mut rx) = register(rid);
        let (mut tx, body) = Channel::<Bytes, Infallible>::new(4);
        let request_id = rid.to_string();
        let executed = prepared.executed().to_string();
        let wants_tail = prepared.tail;
        tokio::spawn(async move {
            let run =
                tokio::spawn(async move { engine.run_stream_invoke(&prepared, &request_id).await });
            let Some(result) = pump(run, &sink, &mut rx, &mut tx, payload_chunk).await else {
                return;
            };
            let last = match result {
                Ok((Outcome::Response(b), log)) => {
                    if !b.is_empty() && tx.send_data(payload_chunk(b)).await.is_err() {
                        return;
                    }
                    invoke_complete(None, wants_tail.then(|| tail(&log)).as_deref())
                }
                Ok((Outcome::Error { error_type, body }, log)) => invoke_complete(
                    Some((&error_type, &body)),
                    wants_tail.then(|| tail(&log)).as_deref(),
                ),
                Err(e) => invoke_complete(Some((e.code, e.body().as_bytes())), None),
            };
            let _ = tx.send_data(last).await;
            tracing::debug!(function_version = %executed, "response stream complete");
        });
        let mut r = Response::new(Body::new(body));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/vnd.amazon.eventstream"),
        );
        r
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(rid) {
        h.insert("x-amzn-requestid", v);
    }
    res
}

/// The sending half of a streamed response body.
pub type BodySender = http_body_util::channel::Sender<Bytes, Infallible>;

/// Forward what the runtime streams (each chunk through `wrap`) into `tx` until the
/// invocation ends and the stream is drained; the invocation's result, or `None` when the
/// caller went away.
pub async fn pump(
    mut run: tokio::task::JoinHandle<LambdaResult<(Outcome, String)>>,
    sink: &Sink,
    rx: &mut mpsc::Receiver<Piece>,
    tx: &mut BodySender,
    wrap: fn(Bytes) -> Bytes,
) -> Option<LambdaResult<(Outcome, String)>> {
    let mut result = None;
    loop {
        tokio::select! {
            piece = rx.recv() => match piece {
                Some(Piece::Data(d)) => {
                    if tx.send_data(wrap(d)).await.is_err() {
                        return None;
                    }
                }
                Some(Piece::Head(_)) => {}
                None => break,
            },
            r = &mut run, if result.is_none() => {
                result = Some(r);
                sink.close();
            }
        }
    }
    let r = match result {
        Some(r) => r,
        None => run.await,
    };
    Some(r.unwrap_or_else(|e| Err(LambdaError::new(500, "ServiceException", e.to_string()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_messages_decode_with_the_sdk_framing() {
        let bytes = payload_chunk(Bytes::from_static(b"hello"));
        let msg = aws_smithy_eventstream::frame::read_message_from(&bytes[..]).expect("frame");
        assert_eq!(msg.payload().as_ref(), b"hello");
        let names: Vec<_> = msg.headers().iter().map(|h| h.name().as_str()).collect();
        assert_eq!(names, [":event-type", ":content-type", ":message-type"]);
        let done = invoke_complete(Some(("Unhandled", b"boom")), None);
        let msg = aws_smithy_eventstream::frame::read_message_from(&done[..]).expect("frame");
        let v: serde_json::Value = serde_json::from_slice(msg.payload()).expect("json");
        assert_eq!(v["ErrorCode"], "Unhandled");
        assert_eq!(v["ErrorDetails"], "boom");
    }

    #[test]
    fn preludes_end_at_eight_null_bytes() {
        let mut b = br#"{"statusCode":201}"#.to_vec();
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(b"body");
        let (p, rest) = split_prelude(&b).expect("split");
        assert_eq!(p, br#"{"statusCode":201}"#);
        assert_eq!(rest, b"body");
        assert!(split_prelude(b"{\"a\":1}\0\0").is_none());
    }

    #[tokio::test]
    async fn a_registered_sink_gets_the_chunks_and_trailers_name_errors() {
        let (_sink, mut rx) = register("rid-1");
        let (mut tx, body) =
            http_body_util::channel::Channel::<Bytes, std::convert::Infallible>::new(4);
        let relay =
            tokio::spawn(async move { relay("rid-1", &HeaderMap::new(), Body::new(body)).await });
        tx.send_data(Bytes::from_static(b"one"))
            .await
            .expect("send");
        assert!(matches!(rx.recv().await, Some(Piece::Head(None))));
        assert!(matches!(rx.recv().await, Some(Piece::Data(d)) if d == "one"));
        let mut trailers = HeaderMap::new();
        trailers.insert(
            "lambda-runtime-function-error-type",
            "Runtime.Boom".parse().expect("value"),
        );
        trailers.insert(
            "lambda-runtime-function-error-body",
            STANDARD.encode("{}").parse().expect("value"),
        );
        tx.send_trailers(trailers).await.expect("trailers");
        drop(tx);
        match relay.await.expect("join") {
            Some(Outcome::Error { error_type, body }) => {
                assert_eq!(error_type, "Runtime.Boom");
                assert_eq!(body, "{}");
            }
            other => panic!("{other:?}"),
        }
        assert!(rx.recv().await.is_none());
    }
}
