//! Lambda's REST-JSON errors: an HTTP status, `x-amzn-ErrorType`, and `{"Type","Message"}`.

use std::fmt;

/// An error answered to a Lambda API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaError {
    /// HTTP status.
    pub status: u16,
    /// The exception name, e.g. `ResourceNotFoundException`.
    pub code: &'static str,
    /// The human-readable message.
    pub message: String,
}

/// Result of a Lambda operation.
pub type LambdaResult<T> = Result<T, LambdaError>;

impl LambdaError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        LambdaError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 404 ResourceNotFoundException.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "ResourceNotFoundException", message)
    }

    /// 404 for a function (optionally qualified) that does not exist, worded as AWS words it.
    pub fn function_not_found(arn: &str) -> Self {
        Self::not_found(format!("Function not found: {arn}"))
    }

    /// 400 InvalidParameterValueException.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidParameterValueException", message)
    }

    /// 409 ResourceConflictException.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, "ResourceConflictException", message)
    }

    /// 400 InvalidRequestContentException (a body that is not the JSON the operation takes).
    pub fn bad_content(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidRequestContentException", message)
    }

    /// 429 TooManyRequestsException.
    pub fn throttled(message: impl Into<String>) -> Self {
        Self::new(429, "TooManyRequestsException", message)
    }

    /// 400 ValidationException (a constraint of the model, e.g. a length).
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(400, "ValidationException", message)
    }

    /// The JSON body AWS sends with the error.
    pub fn body(&self) -> String {
        serde_json::json!({"Type": "User", "Message": self.message, "message": self.message})
            .to_string()
    }
}

impl fmt::Display for LambdaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for LambdaError {}
