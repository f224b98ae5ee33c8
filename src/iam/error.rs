//! IAM errors: AWS's query-protocol codes with their HTTP status.

use std::fmt;

/// The kind of an IAM error (the model's error shapes, by their wire code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IamErrorCode {
    NoSuchEntity,
    EntityAlreadyExists,
    MalformedPolicyDocument,
    ValidationError,
    InvalidInput,
    LimitExceeded,
    DeleteConflict,
    InvalidAction,
    /// An action of the model fogbank does not serve (yet).
    NotImplemented,
}

impl IamErrorCode {
    /// The `<Code>` of the XML error.
    pub fn code(self) -> &'static str {
        use IamErrorCode::*;
        match self {
            NoSuchEntity => "NoSuchEntity",
            EntityAlreadyExists => "EntityAlreadyExists",
            MalformedPolicyDocument => "MalformedPolicyDocument",
            ValidationError => "ValidationError",
            InvalidInput => "InvalidInput",
            LimitExceeded => "LimitExceeded",
            DeleteConflict => "DeleteConflict",
            InvalidAction => "InvalidAction",
            NotImplemented => "NotImplemented",
        }
    }

    /// The HTTP status AWS answers with (the model's `error.httpStatusCode`).
    pub fn status(self) -> u16 {
        use IamErrorCode::*;
        match self {
            NoSuchEntity => 404,
            EntityAlreadyExists | LimitExceeded | DeleteConflict => 409,
            NotImplemented => 501,
            _ => 400,
        }
    }
}

/// An IAM error with AWS's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamError {
    pub code: IamErrorCode,
    pub message: String,
}

impl IamError {
    pub fn new(code: IamErrorCode, message: impl Into<String>) -> Self {
        IamError {
            code,
            message: message.into(),
        }
    }

    pub fn no_such(message: impl Into<String>) -> Self {
        Self::new(IamErrorCode::NoSuchEntity, message)
    }

    pub fn exists(message: impl Into<String>) -> Self {
        Self::new(IamErrorCode::EntityAlreadyExists, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(IamErrorCode::DeleteConflict, message)
    }

    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(IamErrorCode::MalformedPolicyDocument, message)
    }

    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(IamErrorCode::InvalidInput, message)
    }

    /// The model's constraint message: `1 validation error detected: Value 'x' at 'member'
    /// failed to satisfy constraint: Member must ...`.
    pub fn constraint(member: &str, value: Option<&str>, rule: &str) -> Self {
        let value = match value {
            Some(v) => format!("'{v}'"),
            None => "null".to_string(),
        };
        Self::new(
            IamErrorCode::ValidationError,
            format!(
                "1 validation error detected: Value {value} at '{member}' failed to satisfy constraint: Member must {rule}"
            ),
        )
    }
}

impl fmt::Display for IamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.code(), self.message)
    }
}

impl std::error::Error for IamError {}

/// Shorthand for engine results.
pub type IamResult<T> = Result<T, IamError>;
