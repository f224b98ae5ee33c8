//! Errors answered before a request reaches its service (browser checks, strict SigV4), in the
//! protocol the client speaks: SQS JSON (`__type` + `x-amzn-query-error`), the query
//! protocol's XML `ErrorResponse`, Lambda REST (`x-amzn-ErrorType` + `{"Type","Message"}`), or
//! plain JSON for fogbank's own endpoints.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

/// The wire shape of a request, as far as it can be told from its head alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `X-Amz-Target`: AWS JSON 1.0 (SQS).
    Json,
    /// The query protocol (SQS or SNS forms and GETs): XML errors.
    Query,
    /// Lambda's REST API (`/YYYY-MM-DD/...`).
    Lambda,
    /// fogbank's own endpoints (`/_fogbank`, `/_aws`, `/_localstack`, `/moto-api`).
    Internal,
}

impl Shape {
    /// Tell the protocol from the path and headers (the body is not needed).
    pub fn of(path: &str, headers: &HeaderMap) -> Shape {
        if headers.contains_key("x-amz-target") {
            Shape::Json
        } else if is_lambda_path(path) {
            Shape::Lambda
        } else if path.starts_with("/_") || path.starts_with("/moto-api/") {
            Shape::Internal
        } else {
            Shape::Query
        }
    }
}

/// `/YYYY-MM-DD/...`: a Lambda REST path.
pub fn is_lambda_path(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() > 12
        && b[0] == b'/'
        && b[1] == b'2'
        && b[2] == b'0'
        && b[5] == b'-'
        && b[8] == b'-'
        && b[11] == b'/'
}

/// A request id for a refusal (the same form as every other reply's).
pub fn request_id() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

/// An AWS-shaped error. `code` is the query/legacy code (`AccessDenied`,
/// `SignatureDoesNotMatch`); the SQS JSON `__type` and the Lambda exception name are derived
/// from it unless given by `lambda_code`.
pub fn error(
    shape: Shape,
    status: u16,
    code: &'static str,
    lambda_code: &'static str,
    message: &str,
    rid: &str,
) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
    let mut headers = HeaderMap::new();
    let (content_type, body) = match shape {
        Shape::Json => {
            if let Ok(v) = HeaderValue::from_str(&format!("{code};Sender")) {
                headers.insert("x-amzn-query-error", v);
            }
            let type_name = if code == "AccessDenied" {
                "AccessDeniedException"
            } else {
                code
            };
            (
                "application/x-amz-json-1.0",
                json!({"__type": format!("com.amazon.coral.service#{type_name}"), "message": message})
                    .to_string(),
            )
        }
        Shape::Query => {
            let mut x = crate::protocol::xml::XmlWriter::new();
            x.open("ErrorResponse");
            x.open("Error");
            x.elem("Type", "Sender");
            x.elem("Code", code);
            x.elem("Message", message);
            x.close("Error");
            x.elem("RequestId", rid);
            x.close("ErrorResponse");
            ("text/xml", x.finish())
        }
        Shape::Lambda => {
            headers.insert("x-amzn-errortype", HeaderValue::from_static(lambda_code));
            (
                "application/json",
                json!({"Type": "User", "Message": message}).to_string(),
            )
        }
        Shape::Internal => (
            "application/json",
            json!({"__type": code, "message": message}).to_string(),
        ),
    };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(rid) {
        headers.insert("x-amzn-requestid", v);
    }
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    *res.headers_mut() = headers;
    res
}

/// A strict-mode failure (`server::sigv4::AuthFailure`) in the request's shape: 403, or 400 for
/// an expired request; Lambda names the codes as its own API does.
pub fn auth_failure(shape: Shape, f: &super::sigv4::AuthFailure, rid: &str) -> Response {
    let status = if f.code == "RequestExpired" { 400 } else { 403 };
    let lambda_code = match f.code {
        "InvalidClientTokenId" | "MissingAuthenticationToken" => "UnrecognizedClientException",
        "SignatureDoesNotMatch" => "InvalidSignatureException",
        other => other,
    };
    error(shape, status, f.code, lambda_code, &f.message, rid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_told_from_the_head() {
        let mut h = HeaderMap::new();
        assert_eq!(Shape::of("/", &h), Shape::Query);
        assert_eq!(Shape::of("/000000000000/q", &h), Shape::Query);
        assert_eq!(Shape::of("/2015-03-31/functions", &h), Shape::Lambda);
        assert_eq!(Shape::of("/_fogbank/reset", &h), Shape::Internal);
        assert_eq!(Shape::of("/moto-api/reset", &h), Shape::Internal);
        h.insert(
            "x-amz-target",
            HeaderValue::from_static("AmazonSQS.ListQueues"),
        );
        assert_eq!(Shape::of("/", &h), Shape::Json);
    }

    #[test]
    fn lambda_paths_are_recognised_by_their_date_prefix() {
        assert!(is_lambda_path("/2015-03-31/functions"));
        assert!(is_lambda_path("/2017-03-31/tags/arn"));
        assert!(!is_lambda_path("/000000000000/q"));
        assert!(!is_lambda_path("/"));
    }
}
