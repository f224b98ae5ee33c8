//! What SQS keeps across a restart and in snapshots, as typed records.
//!
//! Record kinds:
//! - `sqs.queue` (key `account/region/name`): [`QueueRecord`];
//! - `sqs.message` (key `account/region/name/seq`, snapshots only; the data dir keeps messages
//!   in the `sqs_messages` table): [`MessageRecord`];
//! - `sqs.dedup` (key `account/region/name/dedup id`, snapshots only; the data dir keeps them
//!   in `sqs_dedup`): [`DedupRecord`];
//! - `sqs.move_task` (key: task id): [`MoveTaskRecord`].

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::model::MessageAttributes;
use super::queue::{DedupEntry, MessageExtra, StoredMessage};
use crate::clock::Millis;

/// A queue: identity, attributes (as GetQueueAttributes renders the settable ones, the
/// policy with AddPermission's statements included), tags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueRecord {
    pub name: String,
    pub account: String,
    pub region: String,
    pub created_ms: Millis,
    pub last_modified_ms: Millis,
    /// The id inside receipt handles (the data dir keeps it so handles survive a restart).
    pub queue_id: u64,
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub purge_started_ms: Option<Millis>,
}

/// A stored message with its receive state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageRecord {
    /// `account/region/name` of its queue.
    pub queue: String,
    /// Order within the queue.
    pub seq: u64,
    pub message_id: String,
    pub body: String,
    pub sent_ms: Millis,
    pub visible_at_ms: Millis,
    #[serde(default)]
    pub receive_count: u32,
    #[serde(default)]
    pub first_receive_ms: Millis,
    #[serde(default)]
    pub received_ms: Millis,
    #[serde(default)]
    pub generation: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<ExtraRecord>,
}

/// Attributes, FIFO data and dead-letter origin of a message.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraRecord {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: MessageAttributes,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub system_attributes: MessageAttributes,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter_source_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduplication_id: Option<String>,
    /// Decimal (a u128 does not fit JSON numbers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enqueued_ms: Option<Millis>,
}

/// A remembered FIFO deduplication id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DedupRecord {
    pub queue: String,
    pub key: String,
    pub expires_ms: Millis,
    pub message_id: String,
    pub sequence_number: String,
}

/// A message move task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveTaskRecord {
    pub id: String,
    pub handle: String,
    pub source_arn: String,
    pub destination_arn: Option<String>,
    pub rate: Option<u64>,
    pub started_ms: Millis,
    pub to_move: u64,
    pub moved: u64,
    pub status: String,
    pub failure_reason: Option<String>,
}

impl ExtraRecord {
    pub fn from_extra(e: &MessageExtra) -> Self {
        ExtraRecord {
            attributes: e.attributes.clone(),
            system_attributes: e.system_attributes.clone(),
            dead_letter_source_arn: e.dead_letter_source_arn.as_deref().map(str::to_string),
            group_id: e.group_id.as_deref().map(str::to_string),
            deduplication_id: e.deduplication_id.as_deref().map(str::to_string),
            sequence_number: e.sequence_number.map(|n| n.to_string()),
            enqueued_ms: e.enqueued_ms,
        }
    }

    pub fn into_extra(self) -> Result<MessageExtra, String> {
        let sequence_number = match self.sequence_number {
            Some(s) => Some(
                s.parse::<u128>()
                    .map_err(|_| format!("invalid sequence number {s:?}"))?,
            ),
            None => None,
        };
        Ok(MessageExtra {
            md5_of_attributes: super::md5::md5_of_attribute_map(&self.attributes),
            md5_of_system_attributes: super::md5::md5_of_attribute_map(&self.system_attributes),
            attributes: self.attributes,
            system_attributes: self.system_attributes,
            dead_letter_source_arn: self.dead_letter_source_arn.map(Arc::from),
            group_id: self.group_id.map(Arc::from),
            deduplication_id: self.deduplication_id.map(String::into_boxed_str),
            sequence_number,
            enqueued_ms: self.enqueued_ms,
        })
    }
}

/// The `extra` column of `sqs_messages`.
pub fn extra_to_json(e: &MessageExtra) -> String {
    serde_json::to_string(&ExtraRecord::from_extra(e)).unwrap_or_else(|_| "{}".into())
}

/// Read the `extra` column back.
pub fn extra_from_json(text: &str) -> Result<MessageExtra, String> {
    let r: ExtraRecord =
        serde_json::from_str(text).map_err(|e| format!("message extra data: {e}"))?;
    r.into_extra()
}

impl MessageRecord {
    pub fn from_message(queue: &str, m: &StoredMessage) -> Self {
        MessageRecord {
            queue: queue.to_string(),
            seq: m.seq,
            message_id: m.message_id(),
            body: m.body.to_string(),
            sent_ms: m.sent_ms,
            visible_at_ms: m.visible_at,
            receive_count: m.receive_count,
            first_receive_ms: m.first_receive_ms,
            received_ms: m.received_ms,
            generation: m.generation,
            extra: m.extra.as_deref().map(ExtraRecord::from_extra),
        }
    }

    pub fn into_message(self) -> Result<StoredMessage, String> {
        let id = uuid::Uuid::parse_str(&self.message_id)
            .map_err(|_| format!("invalid message id {:?}", self.message_id))?
            .as_u128();
        let extra = match self.extra {
            Some(e) => Some(Box::new(e.into_extra()?)),
            None => None,
        };
        let mut m = StoredMessage::new(
            id,
            self.body.into(),
            extra,
            self.sent_ms,
            self.visible_at_ms,
        );
        m.seq = self.seq;
        m.receive_count = self.receive_count;
        m.first_receive_ms = self.first_receive_ms;
        m.received_ms = self.received_ms;
        m.generation = self.generation;
        Ok(m)
    }
}

impl DedupRecord {
    pub fn into_entry(self) -> Result<(String, String, DedupEntry), String> {
        let message_id = uuid::Uuid::parse_str(&self.message_id)
            .map_err(|_| format!("invalid message id {:?}", self.message_id))?
            .as_u128();
        let sequence_number = self
            .sequence_number
            .parse()
            .map_err(|_| format!("invalid sequence number {:?}", self.sequence_number))?;
        Ok((
            self.queue,
            self.key,
            DedupEntry {
                expires: self.expires_ms,
                message_id,
                sequence_number,
            },
        ))
    }
}
