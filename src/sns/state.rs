//! What SNS keeps across a restart and in snapshots, as typed records.
//!
//! Record kinds (the key of each is given; every record also names what its key is built
//! from, and `check` holds the two to agreement):
//! - `sns.topic` (key: topic ARN): [`TopicRecord`]: name, account, region, FIFO, the
//!   attributes as set (Policy, DeliveryPolicy, DataProtectionPolicy, DisplayName,
//!   ContentBasedDeduplication, SignatureVersion, ...) and tags;
//! - `sns.topic_sequence` (key: topic ARN; FIFO topics only): [`SequenceRecord`], the last
//!   sequence number issued (written on every FIFO publish, so numbers keep increasing across
//!   a restart);
//! - `sns.topic_dedup` (key: `<topic ARN>/<deduplication id>`; FIFO topics only):
//!   [`DedupRecord`], one entry of the five-minute deduplication window (written when a
//!   publish adds it, deleted when a later publish finds it expired);
//! - `sns.subscription` (key: subscription ARN): [`SubscriptionRecord`], confirmed or pending
//!   with its confirmation token, protocol, endpoint, owner and attributes (FilterPolicy,
//!   FilterPolicyScope, RawMessageDelivery, RedrivePolicy, DeliveryPolicy, ...); the compiled
//!   filter policy is rebuilt from the attributes;
//! - `sns.platform_application` (key: application ARN): [`PlatformApplicationRecord`]
//!   (attributes include the credentials, which are never returned by the API);
//! - `sns.platform_endpoint` (key: endpoint ARN): [`PlatformEndpointRecord`];
//! - `sns.sms_attributes` (key: `account/region`): [`SmsAttributesRecord`];
//! - `sns.sandbox_number` (key: `account/region/phone number`): [`SandboxNumberRecord`],
//!   verified or pending with its one-time password.
//!
//! Not durable: the outbox of recorded deliveries (SMS, email, platform, Firehose), HTTP
//! deliveries in flight or waiting for a retry, and the signing key (made again at start).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clock::Millis;

pub const TOPIC: &str = "sns.topic";
pub const TOPIC_SEQUENCE: &str = "sns.topic_sequence";
pub const TOPIC_DEDUP: &str = "sns.topic_dedup";
pub const SUBSCRIPTION: &str = "sns.subscription";
pub const PLATFORM_APPLICATION: &str = "sns.platform_application";
pub const PLATFORM_ENDPOINT: &str = "sns.platform_endpoint";
pub const SMS_ATTRIBUTES: &str = "sns.sms_attributes";
pub const SANDBOX_NUMBER: &str = "sns.sandbox_number";

/// A topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicRecord {
    pub name: String,
    pub arn: String,
    pub account: String,
    pub region: String,
    #[serde(default)]
    pub fifo: bool,
    /// The attributes as set by CreateTopic, SetTopicAttributes, Add/RemovePermission
    /// (`Policy`) and PutDataProtectionPolicy (`DataProtectionPolicy`).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// The last sequence number a FIFO topic issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequenceRecord {
    pub topic_arn: String,
    /// Decimal (a `u128`, beyond what JSON numbers carry exactly).
    #[serde(with = "decimal")]
    pub last_sequence: u128,
}

/// One entry of a FIFO topic's deduplication window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DedupRecord {
    pub topic_arn: String,
    pub dedup_id: String,
    pub expires_ms: Millis,
    pub message_id: String,
    #[serde(with = "decimal")]
    pub sequence: u128,
}

/// A subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionRecord {
    pub arn: String,
    pub topic_arn: String,
    /// The owner's account.
    pub account: String,
    /// The subscriber's ARN when it was not the account's root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    pub protocol: String,
    pub endpoint: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Waiting for ConfirmSubscription.
    #[serde(default)]
    pub pending: bool,
    /// The confirmation token (kept after confirmation: confirming again answers the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// A platform application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformApplicationRecord {
    pub arn: String,
    pub account: String,
    pub region: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// A platform endpoint of an application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformEndpointRecord {
    pub arn: String,
    /// The application's ARN.
    pub application: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// The SMS attributes of an account in a region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsAttributesRecord {
    pub account: String,
    pub region: String,
    pub attributes: BTreeMap<String, String>,
}

/// A destination number in an account's SMS sandbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxNumberRecord {
    pub account: String,
    pub region: String,
    pub phone_number: String,
    pub verified: bool,
    /// The one-time password last sent.
    pub otp: String,
}

/// The key of a per-account setting: `account/region`.
pub fn scope_key(account: &str, region: &str) -> String {
    format!("{account}/{region}")
}

/// The key of a deduplication entry.
pub fn dedup_key(topic_arn: &str, dedup_id: &str) -> String {
    format!("{topic_arn}/{dedup_id}")
}

/// The key of a sandbox number.
pub fn sandbox_key(account: &str, region: &str, phone: &str) -> String {
    format!("{account}/{region}/{phone}")
}

/// A `u128` as a decimal string.
mod decimal {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let s = String::deserialize(d)?;
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(D::Error::custom(format!("not a decimal number: {s:?}")));
        }
        s.parse().map_err(D::Error::custom)
    }
}
