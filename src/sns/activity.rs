//! What happened to recent publishes: per topic, the last [`MAX_PUBLISHES`] messages and, for
//! each subscription the topic had at publish time, what became of its delivery (for the web
//! console, and for anyone looking at a failed test afterwards).
//!
//! Recording is always on and cheap on the hot path: a publish keeps its message, subject and
//! attributes by moving them (they are no longer needed once delivered), each delivery keeps
//! the subscription's `Arc` rather than copies of its strings, and an SQS delivery keeps only
//! the stored message's id. The public [`PublishRecord`]s are made when they are asked for.
//! Background deliveries (HTTP/HTTPS, Lambda) share a [`Slot`] with their record and set it
//! when they finish; no engine lock is held meanwhile.

use std::collections::VecDeque;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use crate::sns::model::MessageAttributes;

/// Publishes kept per topic (older ones are dropped).
pub const MAX_PUBLISHES: usize = 50;
/// A recorded message is cut to this many bytes (at a character boundary).
pub const MAX_MESSAGE_BYTES: usize = 4096;
/// A recorded attribute value is cut to this many bytes (attributes may total 256 KiB).
pub const MAX_ATTRIBUTE_BYTES: usize = 1024;

/// What became of one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Handed to a background delivery that has not finished (HTTP(S) while retrying, etc.).
    Pending,
    /// Delivered; `detail` e.g. "HTTP 200", "queued for async invoke", "stored as message <id>".
    Delivered { detail: String },
    /// The subscription's filter policy did not match.
    FilteredOut,
    /// The subscription is not confirmed (pending confirmation): nothing sent.
    Unconfirmed,
    /// Delivery failed; `error` says why ("HTTP 500 after 3 attempts", "connection refused",
    /// "queue does not exist", ...), and whether it went to the subscription's DLQ.
    Failed { error: String },
}

/// One subscription's delivery of a publish.
#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    pub subscription_arn: String,
    pub protocol: String,
    pub endpoint: String,
    pub outcome: Outcome,
}

/// One publish to a topic and what each subscription got.
#[derive(Debug, Clone)]
pub struct PublishRecord {
    pub message_id: String,
    /// Epoch millis from the engine clock.
    pub at_ms: u64,
    pub subject: Option<String>,
    /// The published message, truncated to [`MAX_MESSAGE_BYTES`] (at a character boundary).
    pub message: String,
    /// Message attribute name -> string value (binary shown as `<binary N bytes>`), each
    /// value truncated to [`MAX_ATTRIBUTE_BYTES`].
    pub attributes: Vec<(String, String)>,
    pub deliveries: Vec<DeliveryRecord>,
}

/// The outcome of a background delivery, shared by the delivery (which sets it) and the
/// record (which reads it).
#[derive(Debug, Clone)]
pub struct Slot(Arc<Mutex<Outcome>>);

impl Slot {
    /// A slot that reads [`Outcome::Pending`] until set.
    pub fn pending() -> Self {
        Slot(Arc::new(Mutex::new(Outcome::Pending)))
    }

    /// Record how the delivery ended.
    pub fn set(&self, outcome: Outcome) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = outcome;
    }

    /// The outcome now.
    pub fn get(&self) -> Outcome {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// A subscription as a delivery record names it (implemented by the engine's subscriptions,
/// so a record holds the subscription's `Arc` instead of copies of its strings).
pub(crate) trait Endpoint: Debug + Send + Sync {
    fn arn(&self) -> &str;
    fn protocol(&self) -> &str;
    fn endpoint(&self) -> &str;
}

/// A delivery's outcome as stored: compact for the synchronous cases.
#[derive(Debug)]
pub(crate) enum Stored {
    /// Stored in an SQS queue as this message id.
    Sqs(String),
    /// Delivered, with a fixed detail (the outbox protocols).
    Delivered(&'static str),
    /// Anything else decided during the publish.
    Decided(Outcome),
    /// Decided later by a background delivery.
    Background(Slot),
}

impl Stored {
    fn outcome(&self) -> Outcome {
        match self {
            Stored::Sqs(id) => Outcome::Delivered {
                detail: format!("stored as message {id}"),
            },
            Stored::Delivered(detail) => Outcome::Delivered {
                detail: (*detail).to_string(),
            },
            Stored::Decided(o) => o.clone(),
            Stored::Background(slot) => slot.get(),
        }
    }
}

/// A failed delivery's outcome.
pub(crate) fn failed(error: impl Into<String>) -> Stored {
    Stored::Decided(Outcome::Failed {
        error: error.into(),
    })
}

/// One delivery as stored.
#[derive(Debug)]
pub(crate) struct StoredDelivery {
    pub target: Arc<dyn Endpoint>,
    pub outcome: Stored,
}

/// One publish as stored.
#[derive(Debug)]
pub(crate) struct StoredPublish {
    message_id: String,
    at_ms: u64,
    subject: Option<String>,
    message: String,
    attributes: Vec<(String, String)>,
    deliveries: Vec<StoredDelivery>,
}

/// Cut `s` to at most `max` bytes at a character boundary (freeing the rest).
fn truncate(s: &mut String, max: usize) {
    if s.len() <= max {
        return;
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.truncate(cut);
    s.shrink_to_fit();
}

impl StoredPublish {
    /// A publish's record; the message and attributes are moved in (and cut to size).
    pub(crate) fn new(
        message_id: String,
        at_ms: u64,
        subject: Option<String>,
        mut message: String,
        attributes: MessageAttributes,
        deliveries: Vec<StoredDelivery>,
    ) -> Self {
        truncate(&mut message, MAX_MESSAGE_BYTES);
        let attributes = attributes
            .into_iter()
            .map(|(name, v)| {
                let mut value = match (v.string_value, v.binary_value) {
                    (Some(s), _) => s,
                    (None, Some(b)) => format!("<binary {} bytes>", b.len()),
                    (None, None) => String::new(),
                };
                truncate(&mut value, MAX_ATTRIBUTE_BYTES);
                (name, value)
            })
            .collect();
        StoredPublish {
            message_id,
            at_ms,
            subject,
            message,
            attributes,
            deliveries,
        }
    }

    fn record(&self) -> PublishRecord {
        PublishRecord {
            message_id: self.message_id.clone(),
            at_ms: self.at_ms,
            subject: self.subject.clone(),
            message: self.message.clone(),
            attributes: self.attributes.clone(),
            deliveries: self
                .deliveries
                .iter()
                .map(|d| DeliveryRecord {
                    subscription_arn: d.target.arn().to_string(),
                    protocol: d.target.protocol().to_string(),
                    endpoint: d.target.endpoint().to_string(),
                    outcome: d.outcome.outcome(),
                })
                .collect(),
        }
    }
}

/// A topic's recent publishes, oldest first (kept in the topic, under its lock).
#[derive(Debug, Default)]
pub(crate) struct Recent(VecDeque<Arc<StoredPublish>>);

impl Recent {
    /// Keep a publish, dropping the oldest beyond [`MAX_PUBLISHES`].
    pub(crate) fn push(&mut self, p: StoredPublish) {
        if self.0.len() >= MAX_PUBLISHES {
            self.0.pop_front();
        }
        self.0.push_back(Arc::new(p));
    }

    /// The stored publishes, newest first (cheap: the records are made by [`records`]).
    pub(crate) fn snapshot(&self) -> Vec<Arc<StoredPublish>> {
        self.0.iter().rev().cloned().collect()
    }
}

/// The public records of a snapshot (made outside the topic's lock).
pub(crate) fn records(snapshot: &[Arc<StoredPublish>]) -> Vec<PublishRecord> {
    snapshot.iter().map(|p| p.record()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sns::model::MessageAttributeValue;

    #[test]
    fn messages_and_attributes_are_cut_at_character_boundaries() {
        let mut attrs = MessageAttributes::new();
        attrs.insert(
            "bin".into(),
            MessageAttributeValue {
                data_type: "Binary".into(),
                binary_value: Some(vec![1, 2, 3]),
                ..Default::default()
            },
        );
        attrs.insert(
            "long".into(),
            MessageAttributeValue {
                data_type: "String".into(),
                string_value: Some("é".repeat(1000)),
                ..Default::default()
            },
        );
        // 4095 ASCII bytes, then a two-byte character straddling the limit.
        let message = format!("{}é and more", "a".repeat(4095));
        let p = StoredPublish::new("id".into(), 1, None, message, attrs, Vec::new()).record();
        assert_eq!(p.message.len(), 4095);
        assert_eq!(
            p.attributes,
            vec![
                ("bin".to_string(), "<binary 3 bytes>".to_string()),
                ("long".to_string(), "é".repeat(512)),
            ]
        );
    }

    #[test]
    fn the_ring_keeps_the_newest_fifty() {
        let mut r = Recent::default();
        for i in 0..=MAX_PUBLISHES {
            r.push(StoredPublish::new(
                i.to_string(),
                i as u64,
                None,
                String::new(),
                MessageAttributes::new(),
                Vec::new(),
            ));
        }
        let got = records(&r.snapshot());
        assert_eq!(got.len(), MAX_PUBLISHES);
        assert_eq!(got[0].message_id, MAX_PUBLISHES.to_string());
        assert_eq!(got[MAX_PUBLISHES - 1].message_id, "1");
    }
}
