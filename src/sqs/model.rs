//! Typed inputs and outputs of the SQS actions, named as in the AWS model.
//!
//! Inputs deserialize from the AWS JSON 1.0 body directly (member names as in the model) and,
//! through [`crate::protocol::query`], from the query protocol's form keys. Outputs serialize
//! to the JSON protocol directly; the XML encoder in [`super::codec`] walks the same structs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A message attribute value as sent (`MessageAttributeValue`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, Default)]
pub struct MessageAttributeValue {
    #[serde(rename = "DataType", default)]
    pub data_type: String,
    #[serde(
        rename = "StringValue",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub string_value: Option<String>,
    /// Raw bytes (base64 on the wire).
    #[serde(
        rename = "BinaryValue",
        default,
        skip_serializing_if = "Option::is_none",
        with = "b64_opt"
    )]
    pub binary_value: Option<Vec<u8>>,
    #[serde(rename = "StringListValues", default, skip_serializing)]
    pub string_list_values: Vec<String>,
    #[serde(rename = "BinaryListValues", default, skip_serializing)]
    pub binary_list_values: Vec<String>,
}

/// Message attributes keyed by name, sorted (the MD5 needs the sorted order anyway).
pub type MessageAttributes = BTreeMap<String, MessageAttributeValue>;

mod b64_opt {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(bytes) => s.serialize_str(&STANDARD.encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        match s {
            None => Ok(None),
            Some(s) => STANDARD
                .decode(s.trim())
                .map(Some)
                .map_err(|_| serde::de::Error::custom("BinaryValue is not valid base64")),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateQueueInput {
    #[serde(rename = "QueueName")]
    pub queue_name: Option<String>,
    #[serde(rename = "Attributes", default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(rename = "tags", default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueUrlOutput {
    #[serde(rename = "QueueUrl")]
    pub queue_url: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GetQueueUrlInput {
    #[serde(rename = "QueueName")]
    pub queue_name: Option<String>,
    #[serde(rename = "QueueOwnerAWSAccountId")]
    pub queue_owner_aws_account_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQueuesInput {
    #[serde(rename = "QueueNamePrefix")]
    pub queue_name_prefix: Option<String>,
    #[serde(rename = "NextToken")]
    pub next_token: Option<String>,
    #[serde(rename = "MaxResults")]
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ListQueuesOutput {
    #[serde(rename = "QueueUrls", skip_serializing_if = "Vec::is_empty")]
    pub queue_urls: Vec<String>,
    #[serde(rename = "NextToken", skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// Input of every action that only names a queue (DeleteQueue, PurgeQueue, ListQueueTags).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueueUrlInput {
    #[serde(rename = "QueueUrl")]
    pub queue_url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GetQueueAttributesInput {
    #[serde(rename = "QueueUrl")]
    pub queue_url: Option<String>,
    #[serde(rename = "AttributeNames", default)]
    pub attribute_names: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct GetQueueAttributesOutput {
    #[serde(
        rename = "Attributes",
        skip_serializing_if = "Vec::is_empty",
        with = "pairs_as_map"
    )]
    pub attributes: Vec<(String, String)>,
}

mod pairs_as_map {
    use serde::Serializer;
    use serde::ser::SerializeMap;

    pub fn serialize<S: Serializer>(v: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(v.len()))?;
        for (k, val) in v {
            map.serialize_entry(k, val)?;
        }
        map.end()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SetQueueAttributesInput {
    #[serde(rename = "QueueUrl")]
    pub queue_url: Option<String>,
    #[serde(rename = "Attributes")]
    pub attributes: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SendMessageInput {
    #[serde(rename = "QueueUrl")]
    pub queue_url: Option<String>,
    #[serde(rename = "MessageBody")]
    pub message_body: Option<String>,
    #[serde(rename = "DelaySeconds")]
    pub delay_seconds: Option<i64>,
    #[serde(rename = "MessageAttributes", default)]
    pub message_attributes: MessageAttributes,
    #[serde(rename = "MessageSystemAttributes", default)]
    pub message_system_attributes: MessageAttributes,
    #[serde(rename = "MessageDeduplicationId")]
    pub message_deduplication_id: Option<String>,
    #[serde(rename = "MessageGroupId")]
    pub message_group_id: Option<String>,
}

impl SendMessageInput {
    /// Split into the queue URL and the message fields.
    pub fn into_parts(self) -> (Option<String>, SendMessageFields) {
        (
            self.queue_url,
            SendMessageFields {
                message_body: self.message_body,
                delay_seconds: self.delay_seconds,
                message_attributes: self.message_attributes,
                message_system_attributes: self.message_system_attributes,
                message_deduplication_id: self.message_deduplication_id,
                message_group_id: self.message_group_id,
            },
        )
    }
}

/// The fields shared by SendMessage and each SendMessageBatch entry.
#[derive(Debug, Clone, Default)]
pub struct SendMessageFields {
    pub message_body: Option<String>,
    pub delay_seconds: Option<i64>,
    pub message_attributes: MessageAttributes,
    pub message_system_attributes: MessageAttributes,
    pub message_deduplication_id: Option<String>,
    pub message_group_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SendMessageOutput {
    #[serde(rename = "MD5OfMessageBody")]
    pub md5_of_message_body: String,
    #[serde(
        rename = "MD5OfMessageAttributes",
        skip_serializing_if = "Option::is_none"
    )]
    pub md5_of_message_attributes: Option<String>,
    #[serde(
        rename = "MD5OfMessageSystemAttributes",
        skip_serializing_if = "Option::is_none"
    )]
    pub md5_of_message_system_attributes: Option<String>,
    #[serde(rename = "MessageId")]
    pub message_id: String,
    #[serde(rename = "SequenceNumber", skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SendMessageBatchEntry {
    #[serde(rename = "Id")]
    pub id: Option<String>,
    #[serde(rename = "MessageBody")]
    pub message_body: Option<String>,
    #[serde(rename = "DelaySeconds")]
    pub delay_seconds: Option<i64>,
    #[serde(rename = "MessageAttributes", default)]
    pub message_attributes: MessageAttributes,
    #[serde(rename = "MessageSystemAttributes", default)]
    pub message_system_attributes: MessageAttributes,
    #[serde(rename = "MessageDeduplicationId")]
    pub message_deduplication_id: Option<String>,
    #[serde(rename = "MessageGroupId")]
    pub message_group_id: Option<String>,
}

impl SendMessageBatchEntry {
    /// Split into the entry id and the message fields.
    pub fn into_parts(self) -> (Option<String>, SendMessageFields) {
        (
            self.id,
            SendMessageFields {
                message_body: self.message_body,
                delay_seconds: self.delay_seconds,
                message_attributes: self.message_attributes,
                message_system_attributes: self.message_system_attributes,
                message_deduplication_id: self.message_deduplication_id,
                message_group_id: self.message_group_id,
            },
        )
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SendMessageBatchInput {
    #[serde(rename = "QueueUrl")]
    pub queue_url: Option<String>,
    #[serde(rename = "Entries", default)]
    pub entries: Vec<SendMessageBatchEntry>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SendMessageBatchResultEntry {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(flatten)]
    pub result: SendMessageOutput,
}

/// A failed batch entry (`BatchResultErrorEntry`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BatchResultErrorEntry {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "SenderFault")]
    pub sender_fault: bool,
    #[serde(rename = "Code")]
    pub code: String,
    #[serde(rename = "Message")]
    pub message: String,
}

impl BatchResultErrorEntry {
    pub fn from_error(id: String, err: &super::error::SqsError) -> Self {
        BatchResultErrorEntry {
            id,
            sender_fault: err.code.sender_fault(),
            code: err.code.legacy_code().to_string(),
            message: err.message.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BatchOutput<T> {
    #[serde(rename = "Successful")]
    pub successful: Vec<T>,
    /// Left out when nothing failed, as AWS answers (LocalStack's recorded batch snapshots).
    #[serde(rename = "Failed", skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<BatchResultErrorEntry>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReceiveMessageInput {
    #[serde(rename = "QueueUrl")]
    pub queue_url: Option<String>,
    #[serde(rename = "AttributeNames", default)]
    pub attribute_names: Vec<String>,
    #[serde(rename = "MessageSystemAttributeNames", default)]
    pub message_system_attribute_names: Vec<String>,
    #[serde(rename = "MessageAttributeNames", default)]
    pub message_attribute_names: Vec<String>,
    #[serde(rename = "MaxNumberOfMessages")]
    pub max_number_of_messages: Option<i64>,
    #[serde(rename = "VisibilityTimeout")]
    pub visibility_timeout: Option<i64>,
    #[serde(rename = "WaitTimeSeconds")]
    pub wait_time_seconds: Option<i64>,
    #[serde(rename = "ReceiveRequestAttemptId")]
    pub receive_request_attempt_id: Option<String>,
}

/// A received message.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    #[serde(rename = "MessageId")]
    pub message_id: String,
    #[serde(rename = "ReceiptHandle")]
    pub receipt_handle: String,
    #[serde(rename = "MD5OfBody")]
    pub md5_of_body: String,
    #[serde(rename = "Body")]
    pub body: std::sync::Arc<str>,
    #[serde(
        rename = "Attributes",
        skip_serializing_if = "Vec::is_empty",
        with = "pairs_as_map"
    )]
    pub attributes: Vec<(String, String)>,
    #[serde(
        rename = "MD5OfMessageAttributes",
        skip_serializing_if = "Option::is_none"
    )]
    pub md5_of_message_attributes: Option<String>,
    #[serde(
        rename = "MessageAttributes",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub message_attributes: MessageAttributes,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReceiveMessageOutput {
    #[serde(rename = "Messages", skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Message>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeleteMessageInput {
    #[serde(rename = "QueueUrl")]
    pub queue_url: Option<String>,
    #[serde(rename = "ReceiptHandle")]
    pub receipt_handle: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeleteMessageBatchEntry {
    #[serde(rename = "Id")]
    pub id: Option<String>,
    #[serde(rename = "ReceiptHandle")]
    pub receipt_handle: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeleteMessageBatchInput {
    #[serde(rename = "QueueUrl")]
    pub queue_url: Option<String>,
    #[serde(rename = "Entries", default)]
    pub entries: Vec<DeleteMessageBatchEntry>,
}

/// A successful entry of DeleteMessageBatch or ChangeMessageVisibilityBatch.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BatchIdEntry {
    #[serde(rename = "Id")]
    pub id: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChangeMessageVisibilityInput {
    #[serde(rename = "QueueUrl")]
    pub queue_url: Option<String>,
    #[serde(rename = "ReceiptHandle")]
    pub receipt_handle: Option<String>,
    #[serde(rename = "VisibilityTimeout")]
    pub visibility_timeout: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChangeMessageVisibilityBatchEntry {
    #[serde(rename = "Id")]
    pub id: Option<String>,
    #[serde(rename = "ReceiptHandle")]
    pub receipt_handle: Option<String>,
    #[serde(rename = "VisibilityTimeout")]
    pub visibility_timeout: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChangeMessageVisibilityBatchInput {
    #[serde(rename = "QueueUrl")]
    pub queue_url: Option<String>,
    #[serde(rename = "Entries", default)]
    pub entries: Vec<ChangeMessageVisibilityBatchEntry>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TagQueueInput {
    #[serde(rename = "QueueUrl")]
    pub queue_url: Option<String>,
    #[serde(rename = "Tags")]
    pub tags: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct UntagQueueInput {
    #[serde(rename = "QueueUrl")]
    pub queue_url: Option<String>,
    #[serde(rename = "TagKeys")]
    pub tag_keys: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ListQueueTagsOutput {
    #[serde(rename = "Tags", skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AddPermissionInput {
    #[serde(rename = "QueueUrl")]
    pub queue_url: Option<String>,
    #[serde(rename = "Label")]
    pub label: Option<String>,
    #[serde(rename = "AWSAccountIds", default)]
    pub aws_account_ids: Vec<String>,
    #[serde(rename = "Actions", default)]
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RemovePermissionInput {
    #[serde(rename = "QueueUrl")]
    pub queue_url: Option<String>,
    #[serde(rename = "Label")]
    pub label: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListDeadLetterSourceQueuesInput {
    #[serde(rename = "QueueUrl")]
    pub queue_url: Option<String>,
    #[serde(rename = "NextToken")]
    pub next_token: Option<String>,
    #[serde(rename = "MaxResults")]
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ListDeadLetterSourceQueuesOutput {
    #[serde(rename = "queueUrls")]
    pub queue_urls: Vec<String>,
    #[serde(rename = "NextToken", skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct StartMessageMoveTaskInput {
    #[serde(rename = "SourceArn")]
    pub source_arn: Option<String>,
    #[serde(rename = "DestinationArn")]
    pub destination_arn: Option<String>,
    #[serde(rename = "MaxNumberOfMessagesPerSecond")]
    pub max_number_of_messages_per_second: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StartMessageMoveTaskOutput {
    #[serde(rename = "TaskHandle")]
    pub task_handle: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CancelMessageMoveTaskInput {
    #[serde(rename = "TaskHandle")]
    pub task_handle: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CancelMessageMoveTaskOutput {
    #[serde(rename = "ApproximateNumberOfMessagesMoved")]
    pub approximate_number_of_messages_moved: u64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListMessageMoveTasksInput {
    #[serde(rename = "SourceArn")]
    pub source_arn: Option<String>,
    #[serde(rename = "MaxResults")]
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ListMessageMoveTasksResultEntry {
    #[serde(rename = "TaskHandle", skip_serializing_if = "Option::is_none")]
    pub task_handle: Option<String>,
    #[serde(rename = "Status")]
    pub status: String,
    #[serde(rename = "SourceArn")]
    pub source_arn: String,
    #[serde(rename = "DestinationArn", skip_serializing_if = "Option::is_none")]
    pub destination_arn: Option<String>,
    #[serde(
        rename = "MaxNumberOfMessagesPerSecond",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_number_of_messages_per_second: Option<u64>,
    #[serde(rename = "ApproximateNumberOfMessagesMoved")]
    pub approximate_number_of_messages_moved: u64,
    #[serde(rename = "ApproximateNumberOfMessagesToMove")]
    pub approximate_number_of_messages_to_move: u64,
    #[serde(rename = "FailureReason", skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    #[serde(rename = "StartedTimestamp")]
    pub started_timestamp: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ListMessageMoveTasksOutput {
    #[serde(rename = "Results")]
    pub results: Vec<ListMessageMoveTasksResultEntry>,
}
