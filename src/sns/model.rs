//! Typed SNS inputs (decoded from the query protocol's JSON shape) and outputs.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::error::SnsError;

pub use crate::sqs::model::MessageAttributeValue;

/// Message attributes keyed by name.
pub type MessageAttributes = BTreeMap<String, MessageAttributeValue>;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Tag {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "Value", default)]
    pub value: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateTopicInput {
    #[serde(rename = "Name")]
    pub name: Option<String>,
    #[serde(rename = "Attributes", default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(rename = "Tags", default)]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TopicArnInput {
    #[serde(rename = "TopicArn")]
    pub topic_arn: Option<String>,
    #[serde(rename = "NextToken")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NextTokenInput {
    #[serde(rename = "NextToken")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SetAttributeInput {
    #[serde(rename = "TopicArn")]
    pub topic_arn: Option<String>,
    #[serde(rename = "SubscriptionArn")]
    pub subscription_arn: Option<String>,
    #[serde(rename = "AttributeName")]
    pub attribute_name: Option<String>,
    #[serde(rename = "AttributeValue")]
    pub attribute_value: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubscribeInput {
    #[serde(rename = "TopicArn")]
    pub topic_arn: Option<String>,
    #[serde(rename = "Protocol")]
    pub protocol: Option<String>,
    #[serde(rename = "Endpoint")]
    pub endpoint: Option<String>,
    #[serde(rename = "Attributes", default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(rename = "ReturnSubscriptionArn", default)]
    pub return_subscription_arn: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConfirmSubscriptionInput {
    #[serde(rename = "TopicArn")]
    pub topic_arn: Option<String>,
    #[serde(rename = "Token")]
    pub token: Option<String>,
    #[serde(rename = "AuthenticateOnUnsubscribe")]
    pub authenticate_on_unsubscribe: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubscriptionArnInput {
    #[serde(rename = "SubscriptionArn")]
    pub subscription_arn: Option<String>,
}

/// The fields of one message to publish (Publish, or a PublishBatch entry).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PublishEntry {
    #[serde(rename = "Id")]
    pub id: Option<String>,
    #[serde(rename = "Message")]
    pub message: Option<String>,
    #[serde(rename = "Subject")]
    pub subject: Option<String>,
    #[serde(rename = "MessageStructure")]
    pub message_structure: Option<String>,
    #[serde(rename = "MessageAttributes", default)]
    pub message_attributes: MessageAttributes,
    #[serde(rename = "MessageGroupId")]
    pub message_group_id: Option<String>,
    #[serde(rename = "MessageDeduplicationId")]
    pub message_deduplication_id: Option<String>,
    /// The request's `X-Amzn-Trace-Id` header (not a parameter): SQS deliveries carry it as
    /// their `AWSTraceHeader` system attribute.
    #[serde(skip)]
    pub trace_header: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PublishInput {
    #[serde(rename = "TopicArn")]
    pub topic_arn: Option<String>,
    #[serde(rename = "TargetArn")]
    pub target_arn: Option<String>,
    #[serde(rename = "PhoneNumber")]
    pub phone_number: Option<String>,
    #[serde(rename = "Message")]
    pub message: Option<String>,
    #[serde(rename = "Subject")]
    pub subject: Option<String>,
    #[serde(rename = "MessageStructure")]
    pub message_structure: Option<String>,
    #[serde(rename = "MessageAttributes", default)]
    pub message_attributes: MessageAttributes,
    #[serde(rename = "MessageGroupId")]
    pub message_group_id: Option<String>,
    #[serde(rename = "MessageDeduplicationId")]
    pub message_deduplication_id: Option<String>,
    /// The request's `X-Amzn-Trace-Id` header (see `PublishEntry::trace_header`).
    #[serde(skip)]
    pub trace_header: Option<String>,
}

impl PublishInput {
    /// The message fields, without the target.
    pub fn into_entry(self) -> PublishEntry {
        PublishEntry {
            id: None,
            message: self.message,
            subject: self.subject,
            message_structure: self.message_structure,
            message_attributes: self.message_attributes,
            message_group_id: self.message_group_id,
            message_deduplication_id: self.message_deduplication_id,
            trace_header: self.trace_header,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PublishBatchInput {
    #[serde(rename = "TopicArn")]
    pub topic_arn: Option<String>,
    #[serde(rename = "PublishBatchRequestEntries", default)]
    pub entries: Vec<PublishEntry>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TagResourceInput {
    #[serde(rename = "ResourceArn")]
    pub resource_arn: Option<String>,
    #[serde(rename = "Tags", default)]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct UntagResourceInput {
    #[serde(rename = "ResourceArn")]
    pub resource_arn: Option<String>,
    #[serde(rename = "TagKeys", default)]
    pub tag_keys: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResourceArnInput {
    #[serde(rename = "ResourceArn")]
    pub resource_arn: Option<String>,
}

// ---- outputs ----

#[derive(Debug, Clone)]
pub struct CreateTopicOutput {
    pub topic_arn: String,
}

#[derive(Debug, Clone)]
pub struct ListTopicsOutput {
    pub topics: Vec<String>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AttributesOutput {
    pub attributes: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct SubscribeOutput {
    pub subscription_arn: String,
}

#[derive(Debug, Clone)]
pub struct SubscriptionSummary {
    pub subscription_arn: String,
    pub owner: String,
    pub protocol: String,
    pub endpoint: String,
    pub topic_arn: String,
}

#[derive(Debug, Clone)]
pub struct ListSubscriptionsOutput {
    pub subscriptions: Vec<SubscriptionSummary>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PublishOutput {
    pub message_id: String,
    pub sequence_number: Option<String>,
}

#[derive(Debug, Default)]
pub struct PublishBatchOutput {
    pub successful: Vec<(String, PublishOutput)>,
    pub failed: Vec<(String, SnsError)>,
}

#[derive(Debug, Clone)]
pub struct TagsOutput {
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AddPermissionInput {
    #[serde(rename = "TopicArn")]
    pub topic_arn: Option<String>,
    #[serde(rename = "Label")]
    pub label: Option<String>,
    #[serde(rename = "AWSAccountId", default)]
    pub accounts: Vec<String>,
    #[serde(rename = "ActionName", default)]
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DataProtectionPolicyInput {
    #[serde(rename = "ResourceArn")]
    pub resource_arn: Option<String>,
    #[serde(rename = "DataProtectionPolicy")]
    pub policy: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SmsAttributesInput {
    #[serde(rename = "attributes", alias = "Attributes", default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(rename = "attributes_names", alias = "AttributeNames", default)]
    pub names: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PhoneNumberInput {
    #[serde(rename = "phoneNumber")]
    pub phone_number: Option<String>,
    #[serde(rename = "nextToken")]
    pub next_token: Option<String>,
}

/// The parameters of the platform application and endpoint actions (each uses a subset).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlatformInput {
    #[serde(rename = "Name")]
    pub name: Option<String>,
    #[serde(rename = "Platform")]
    pub platform: Option<String>,
    #[serde(rename = "Attributes", default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(rename = "PlatformApplicationArn")]
    pub platform_application_arn: Option<String>,
    #[serde(rename = "Token")]
    pub token: Option<String>,
    #[serde(rename = "CustomUserData")]
    pub custom_user_data: Option<String>,
    #[serde(rename = "EndpointArn")]
    pub endpoint_arn: Option<String>,
    #[serde(rename = "NextToken")]
    pub next_token: Option<String>,
}

/// The parameters of the SMS sandbox and origination-number actions (each uses a subset).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SandboxInput {
    #[serde(rename = "PhoneNumber")]
    pub phone_number: Option<String>,
    #[serde(rename = "LanguageCode")]
    pub language_code: Option<String>,
    #[serde(rename = "OneTimePassword")]
    pub one_time_password: Option<String>,
    #[serde(rename = "NextToken")]
    pub next_token: Option<String>,
    #[serde(rename = "MaxResults")]
    pub max_results: Option<i64>,
}
