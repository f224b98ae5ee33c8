//! SNS errors: AWS's query-protocol codes with their HTTP status.

use std::fmt;

/// The kind of an SNS error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnsErrorCode {
    NotFound,
    InvalidParameter,
    InvalidParameterValue,
    AuthorizationError,
    InternalError,
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    TooManyEntriesInBatchRequest,
    TagLimitExceeded,
    InvalidAction,
    MissingAction,
    ResourceNotFound,
    EndpointDisabled,
    /// A wrong one-time password (VerifySMSSandboxPhoneNumber); the model gives no code, so
    /// the shape name is the code.
    VerificationException,
    /// A request that breaks a constraint of the SMS sandbox (e.g. too many numbers).
    UserError,
    /// A request parameter out of its modelled range (ListOriginationNumbers).
    ValidationException,
    /// A request that breaks the API model (a message attribute without a DataType).
    ValidationError,
}

impl SnsErrorCode {
    /// The `<Code>` of the XML error.
    pub fn code(self) -> &'static str {
        use SnsErrorCode::*;
        match self {
            NotFound => "NotFound",
            InvalidParameter => "InvalidParameter",
            InvalidParameterValue => "ParameterValueInvalid",
            AuthorizationError => "AuthorizationError",
            InternalError => "InternalError",
            BatchEntryIdsNotDistinct => "BatchEntryIdsNotDistinct",
            BatchRequestTooLong => "BatchRequestTooLong",
            EmptyBatchRequest => "EmptyBatchRequest",
            InvalidBatchEntryId => "InvalidBatchEntryId",
            TooManyEntriesInBatchRequest => "TooManyEntriesInBatchRequest",
            TagLimitExceeded => "TagLimitExceeded",
            InvalidAction => "InvalidAction",
            MissingAction => "MissingAction",
            ResourceNotFound => "ResourceNotFound",
            EndpointDisabled => "EndpointDisabled",
            VerificationException => "VerificationException",
            UserError => "UserError",
            ValidationException => "ValidationException",
            ValidationError => "ValidationError",
        }
    }

    /// The HTTP status AWS answers with.
    pub fn status(self) -> u16 {
        use SnsErrorCode::*;
        match self {
            NotFound | ResourceNotFound => 404,
            AuthorizationError => 403,
            InternalError => 500,
            _ => 400,
        }
    }
}

/// An SNS error with AWS's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnsError {
    pub code: SnsErrorCode,
    pub message: String,
}

impl SnsError {
    /// The error as a create call (CreateTopic, Subscribe) reports an invalid attribute: AWS
    /// puts `Attributes Reason: ` before the reason it gives for the same value through
    /// Set*Attributes (LocalStack's recorded test_validate_policy and the other
    /// `TestSNSFilterPolicyConditions` snapshots).
    pub fn in_attributes(self) -> SnsError {
        match self.message.strip_prefix("Invalid parameter: ") {
            Some(reason) if self.code == SnsErrorCode::InvalidParameter => {
                SnsError::invalid(format!("Attributes Reason: {reason}"))
            }
            _ => self,
        }
    }

    pub fn new(code: SnsErrorCode, message: impl Into<String>) -> Self {
        SnsError {
            code,
            message: message.into(),
        }
    }

    /// `Invalid parameter: <what>` (InvalidParameter, 400).
    pub fn invalid(what: impl fmt::Display) -> Self {
        Self::new(
            SnsErrorCode::InvalidParameter,
            format!("Invalid parameter: {what}"),
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(SnsErrorCode::NotFound, format!("{what} does not exist"))
    }
}

impl fmt::Display for SnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.code(), self.message)
    }
}

impl std::error::Error for SnsError {}

/// Shorthand for engine results.
pub type SnsResult<T> = Result<T, SnsError>;
