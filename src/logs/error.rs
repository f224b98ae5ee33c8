//! CloudWatch Logs errors: AWS's `__type` codes, messages and HTTP status.

/// An error as AWS answers it: `{"__type": code, "message": message}` with `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogsError {
    pub code: &'static str,
    pub message: String,
    pub status: u16,
}

/// The result of a Logs operation.
pub type LogsResult<T> = Result<T, LogsError>;

impl LogsError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        LogsError {
            code,
            message: message.into(),
            status: 400,
        }
    }

    /// `InvalidParameterException`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterException", message)
    }

    /// `ValidationException`.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", message)
    }

    /// `ResourceNotFoundException` for a missing log group.
    pub fn no_group() -> Self {
        Self::new(
            "ResourceNotFoundException",
            "The specified log group does not exist.",
        )
    }

    /// `ResourceNotFoundException` for a missing log stream.
    pub fn no_stream() -> Self {
        Self::new(
            "ResourceNotFoundException",
            "The specified log stream does not exist.",
        )
    }

    /// `ResourceNotFoundException` with another message.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("ResourceNotFoundException", message)
    }

    /// `ResourceAlreadyExistsException`.
    pub fn exists(message: impl Into<String>) -> Self {
        Self::new("ResourceAlreadyExistsException", message)
    }

    /// The token a paging call was given is not one fogbank handed out.
    pub fn bad_token() -> Self {
        Self::invalid("The specified nextToken is invalid.")
    }

    /// An operation fogbank does not serve.
    pub fn unknown_operation(target: &str) -> Self {
        Self::new(
            "UnknownOperationException",
            format!("The target {target} is not served by this endpoint."),
        )
    }

    /// A body that is not the operation's JSON shape (AWS answers `SerializationException`).
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new("SerializationException", message)
    }
}
