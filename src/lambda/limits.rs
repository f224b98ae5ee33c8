//! Invocation limits on the Runtime API: bodies a runtime posts (`/response`, `/error`,
//! `/init/error`) are read with a bound, so an oversized answer fails its invoke at once
//! (AWS's `Function.ResponseSizeTooLarge`) and never holds more than the limit in memory.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;

/// Largest response a runtime may post: 6 MB, as AWS (RIE's `MaxPayloadSize`: 6 MiB + 100).
pub const MAX_RESPONSE: usize = 6 * 1024 * 1024 + 100;
/// How much of an oversized body is read and thrown away so the runtime's connection stays
/// usable (the rest closes the connection).
const DRAIN_MAX: usize = 64 * 1024 * 1024;
/// How long an oversized body may take to be thrown away.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(2);

/// A body read with a bound.
pub enum Read {
    /// The whole body, within the limit.
    Complete(Bytes),
    /// Over the limit: its size when the request declared it, and the unread rest.
    TooLarge { size: Option<u64>, rest: Body },
    /// The connection broke before the body ended.
    Broken,
}

/// Read `body` into memory unless it is (or turns out to be) over `limit` bytes.
pub async fn read(mut body: Body, headers: &HeaderMap, limit: usize) -> Read {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(n) = declared
        && n > limit as u64
    {
        return Read::TooLarge {
            size: Some(n),
            rest: body,
        };
    }
    let mut buf = bytes::BytesMut::with_capacity(declared.unwrap_or(0) as usize);
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Read::Broken;
        };
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > limit {
                return Read::TooLarge {
                    size: declared,
                    rest: body,
                };
            }
            buf.extend_from_slice(&data);
        }
    }
    Read::Complete(buf.freeze())
}

/// Read and drop the rest of an oversized body (bounded in bytes and time), so that the
/// runtime gets its 413 on a connection it can keep using.
pub async fn drain(mut rest: Body) {
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        let mut seen = 0usize;
        while let Some(Ok(frame)) = rest.frame().await {
            if let Ok(data) = frame.into_data() {
                seen += data.len();
                if seen > DRAIN_MAX {
                    return;
                }
            }
        }
    })
    .await;
}

/// The Invoke's answer for an oversized response, in AWS's words (the size is named when the
/// runtime declared it, as current AWS does; a chunked body gets AWS's older wording).
pub fn too_large_payload(size: Option<u64>) -> Bytes {
    let message = match size {
        Some(n) => format!(
            "Response payload size ({n} bytes) exceeded maximum allowed payload size ({MAX_RESPONSE} bytes)."
        ),
        None => format!(
            "Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE} bytes)."
        ),
    };
    Bytes::from(
        serde_json::json!({"errorMessage": message, "errorType": TOO_LARGE_TYPE}).to_string(),
    )
}

/// The function error type of an oversized response.
pub const TOO_LARGE_TYPE: &str = "Function.ResponseSizeTooLarge";

/// What the Runtime API answers a runtime whose body is over the limit (as AWS's does: 413).
pub fn too_large_reply() -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        axum::Json(serde_json::json!({
            "errorMessage": format!("Exceeded maximum allowed payload size ({MAX_RESPONSE} bytes)."),
            "errorType": "RequestEntityTooLarge",
        })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bodies_within_the_limit_are_read_whole() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_LENGTH, "5".parse().expect("header"));
        match read(Body::from("hello"), &h, 5).await {
            Read::Complete(b) => assert_eq!(b, Bytes::from("hello")),
            _ => panic!("expected the body"),
        }
    }

    #[tokio::test]
    async fn a_declared_size_over_the_limit_is_refused_unread() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_LENGTH, "7340060".parse().expect("header"));
        match read(Body::from("x"), &h, MAX_RESPONSE).await {
            Read::TooLarge { size, .. } => assert_eq!(size, Some(7_340_060)),
            _ => panic!("expected TooLarge"),
        }
    }

    #[tokio::test]
    async fn an_undeclared_body_stops_at_the_limit() {
        match read(Body::from(vec![b'a'; 40]), &HeaderMap::new(), 10).await {
            Read::TooLarge { size, .. } => assert_eq!(size, None),
            _ => panic!("expected TooLarge"),
        }
    }

    #[test]
    fn aws_wording() {
        let v: serde_json::Value =
            serde_json::from_slice(&too_large_payload(Some(7_340_060))).expect("json");
        assert_eq!(
            v["errorMessage"],
            "Response payload size (7340060 bytes) exceeded maximum allowed payload size (6291556 bytes)."
        );
        assert_eq!(v["errorType"], "Function.ResponseSizeTooLarge");
    }
}
