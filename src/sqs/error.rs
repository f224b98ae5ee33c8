//! SQS errors: one variant per AWS error code, each knowing its JSON shape name, its legacy
//! query code, its HTTP status and whether the sender is at fault.

use std::fmt;

/// The kind of an SQS error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqsErrorCode {
    QueueDoesNotExist,
    QueueDeletedRecently,
    QueueNameExists,
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    TooManyEntriesInBatchRequest,
    MessageNotInflight,
    PurgeQueueInProgress,
    UnsupportedOperation,
    OverLimit,
    ResourceNotFound,
    InvalidAddress,
    InvalidSecurity,
    RequestThrottled,
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidMessageContents,
    InvalidIdFormat,
    ReceiptHandleIsInvalid,
    InvalidParameterValue,
    MissingParameter,
    InvalidAction,
    MissingAction,
    InvalidQueryParameter,
    AccessDenied,
    UnknownOperation,
    Serialization,
    RequestEntityTooLarge,
    InternalFailure,
}

impl SqsErrorCode {
    /// The JSON protocol's `__type` shape name (after `com.amazonaws.sqs#`).
    pub fn shape(self) -> &'static str {
        use SqsErrorCode::*;
        match self {
            QueueDoesNotExist => "QueueDoesNotExist",
            QueueDeletedRecently => "QueueDeletedRecently",
            QueueNameExists => "QueueNameExists",
            BatchEntryIdsNotDistinct => "BatchEntryIdsNotDistinct",
            BatchRequestTooLong => "BatchRequestTooLong",
            EmptyBatchRequest => "EmptyBatchRequest",
            InvalidBatchEntryId => "InvalidBatchEntryId",
            TooManyEntriesInBatchRequest => "TooManyEntriesInBatchRequest",
            MessageNotInflight => "MessageNotInflight",
            PurgeQueueInProgress => "PurgeQueueInProgress",
            UnsupportedOperation => "UnsupportedOperation",
            OverLimit => "OverLimit",
            ResourceNotFound => "ResourceNotFoundException",
            InvalidAddress => "InvalidAddress",
            InvalidSecurity => "InvalidSecurity",
            RequestThrottled => "RequestThrottled",
            InvalidAttributeName => "InvalidAttributeName",
            InvalidAttributeValue => "InvalidAttributeValue",
            InvalidMessageContents => "InvalidMessageContents",
            InvalidIdFormat => "InvalidIdFormat",
            ReceiptHandleIsInvalid => "ReceiptHandleIsInvalid",
            InvalidParameterValue => "InvalidParameterValueException",
            MissingParameter => "MissingRequiredParameterException",
            InvalidAction => "InvalidAction",
            MissingAction => "MissingAction",
            InvalidQueryParameter => "InvalidQueryParameter",
            AccessDenied => "AccessDeniedException",
            UnknownOperation => "UnknownOperationException",
            Serialization => "SerializationException",
            RequestEntityTooLarge => "RequestEntityTooLarge",
            InternalFailure => "InternalFailure",
        }
    }

    /// The legacy code: the query protocol's `<Code>` and the left part of `x-amzn-query-error`.
    pub fn legacy_code(self) -> &'static str {
        use SqsErrorCode::*;
        match self {
            QueueDoesNotExist => "AWS.SimpleQueueService.NonExistentQueue",
            QueueDeletedRecently => "AWS.SimpleQueueService.QueueDeletedRecently",
            QueueNameExists => "QueueAlreadyExists",
            BatchEntryIdsNotDistinct => "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
            BatchRequestTooLong => "AWS.SimpleQueueService.BatchRequestTooLong",
            EmptyBatchRequest => "AWS.SimpleQueueService.EmptyBatchRequest",
            InvalidBatchEntryId => "AWS.SimpleQueueService.InvalidBatchEntryId",
            TooManyEntriesInBatchRequest => "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
            MessageNotInflight => "AWS.SimpleQueueService.MessageNotInflight",
            PurgeQueueInProgress => "AWS.SimpleQueueService.PurgeQueueInProgress",
            UnsupportedOperation => "AWS.SimpleQueueService.UnsupportedOperation",
            OverLimit => "OverLimit",
            ResourceNotFound => "ResourceNotFoundException",
            InvalidAddress => "InvalidAddress",
            InvalidSecurity => "InvalidSecurity",
            RequestThrottled => "RequestThrottled",
            InvalidAttributeName => "InvalidAttributeName",
            InvalidAttributeValue => "InvalidAttributeValue",
            InvalidMessageContents => "InvalidMessageContents",
            InvalidIdFormat => "InvalidIdFormat",
            ReceiptHandleIsInvalid => "ReceiptHandleIsInvalid",
            InvalidParameterValue => "InvalidParameterValue",
            MissingParameter => "MissingParameter",
            InvalidAction => "InvalidAction",
            MissingAction => "MissingAction",
            InvalidQueryParameter => "InvalidQueryParameter",
            AccessDenied => "AccessDenied",
            UnknownOperation => "InvalidAction",
            Serialization => "SerializationException",
            RequestEntityTooLarge => "RequestEntityTooLarge",
            InternalFailure => "InternalFailure",
        }
    }

    /// The HTTP status AWS answers with.
    pub fn status(self) -> u16 {
        use SqsErrorCode::*;
        match self {
            PurgeQueueInProgress | OverLimit | AccessDenied => 403,
            ResourceNotFound => 404,
            RequestEntityTooLarge => 413,
            InternalFailure => 500,
            _ => 400,
        }
    }

    /// Whether the caller is at fault (`Sender`) or the service (`Receiver`).
    pub fn sender_fault(self) -> bool {
        self.status() < 500
    }
}

/// An SQS error with AWS's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsError {
    pub code: SqsErrorCode,
    pub message: String,
}

/// The message of a missing queue (JSON protocol; the query codec words it its own way).
pub const QUEUE_DOES_NOT_EXIST: &str = "The specified queue does not exist.";

impl SqsError {
    pub fn new(code: SqsErrorCode, message: impl Into<String>) -> Self {
        SqsError {
            code,
            message: message.into(),
        }
    }

    pub fn queue_does_not_exist() -> Self {
        Self::new(SqsErrorCode::QueueDoesNotExist, QUEUE_DOES_NOT_EXIST)
    }

    pub fn missing_parameter(name: &str) -> Self {
        Self::new(
            SqsErrorCode::MissingParameter,
            format!("The request must contain the parameter {name}."),
        )
    }

    /// `Value <v> for parameter <p> is invalid. Reason: <reason>`
    pub fn invalid_parameter(param: &str, value: &str, reason: &str) -> Self {
        Self::new(
            SqsErrorCode::InvalidParameterValue,
            format!("Value {value} for parameter {param} is invalid. Reason: {reason}"),
        )
    }

    pub fn invalid_value(message: impl Into<String>) -> Self {
        Self::new(SqsErrorCode::InvalidParameterValue, message)
    }

    pub fn invalid_attribute_value(name: &str) -> Self {
        Self::new(
            SqsErrorCode::InvalidAttributeValue,
            format!("Invalid value for the parameter {name}."),
        )
    }

    pub fn invalid_attribute_name(name: &str) -> Self {
        Self::new(
            SqsErrorCode::InvalidAttributeName,
            format!("Unknown Attribute {name}."),
        )
    }

    pub fn receipt_handle_invalid(handle: &str) -> Self {
        Self::new(
            SqsErrorCode::ReceiptHandleIsInvalid,
            format!("The input receipt handle \"{handle}\" is not a valid receipt handle."),
        )
    }
}

impl fmt::Display for SqsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.legacy_code(), self.message)
    }
}

impl std::error::Error for SqsError {}

/// Shorthand for engine results.
pub type SqsResult<T> = Result<T, SqsError>;
