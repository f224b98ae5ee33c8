//! The JSON messages SNS sends: Notification (the SQS envelope, HTTP/HTTPS bodies, email-json
//! and Firehose records, subscription dead-letter bodies) and Subscription/Unsubscribe
//! confirmations, each giving both AWS's string to sign and its body.
//!
//! Bodies are written as AWS writes them, not through `serde_json::Map` (a `BTreeMap` here, so
//! alphabetical): AWS's key order, and its pretty-printed layout, a two-space indent with
//! `" : "` between a key and its value, no newline after the closing brace, and each message
//! attribute on one line as `"name" : {"Type":"String","Value":"v"}`:
//!
//! ```text
//! {
//!   "Type" : "Notification",
//!   "MessageId" : "...",
//!   "TopicArn" : "...",
//!   "Message" : "...",
//!   ...
//!   "MessageAttributes" : {
//!     "color" : {"Type":"String","Value":"red"}
//!   }
//! }
//! ```
//!
//! Notification keys: Type, MessageId, SequenceNumber (FIFO), TopicArn, Subject (if given),
//! Message, Timestamp, SignatureVersion, Signature, SigningCertURL, UnsubscribeURL,
//! MessageAttributes (if any). Notifications of FIFO topics are not signed: AWS leaves out
//! SignatureVersion, Signature and SigningCertURL. Confirmation keys: Type, MessageId, Token,
//! TopicArn, Message, SubscribeURL, Timestamp, SignatureVersion, Signature, SigningCertURL.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::model::MessageAttributes;
use super::signing::SignatureVersion;

/// A message's signature, as written into it.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'s> {
    pub version: SignatureVersion,
    /// Base64 (empty when the signing key could not be made).
    pub signature: &'s str,
}

/// A `Notification` (borrowing what it can from the publish; `into_owned` for a background
/// delivery).
#[derive(Debug, Clone)]
pub struct Notification<'a> {
    pub message_id: Cow<'a, str>,
    /// FIFO topics only; written zero-padded to 20 digits.
    pub sequence_number: Option<u128>,
    pub topic_arn: Cow<'a, str>,
    pub subject: Option<Cow<'a, str>>,
    pub message: Cow<'a, str>,
    pub timestamp: String,
    pub signing_cert_url: String,
    pub unsubscribe_url: String,
    pub attributes: Cow<'a, MessageAttributes>,
}

impl Notification<'_> {
    /// An owned copy, for a delivery that outlives the publish.
    pub fn into_owned(self) -> Notification<'static> {
        Notification {
            message_id: Cow::Owned(self.message_id.into_owned()),
            sequence_number: self.sequence_number,
            topic_arn: Cow::Owned(self.topic_arn.into_owned()),
            subject: self.subject.map(|s| Cow::Owned(s.into_owned())),
            message: Cow::Owned(self.message.into_owned()),
            timestamp: self.timestamp,
            signing_cert_url: self.signing_cert_url,
            unsubscribe_url: self.unsubscribe_url,
            attributes: Cow::Owned(self.attributes.into_owned()),
        }
    }

    /// Whether AWS signs this notification: those of standard topics, not those of FIFO topics
    /// (which carry a SequenceNumber and no SignatureVersion, Signature or SigningCertURL).
    pub fn is_signed(&self) -> bool {
        self.sequence_number.is_none()
    }

    /// The SequenceNumber as written (20 digits).
    pub fn sequence_text(&self) -> Option<String> {
        self.sequence_number.map(|s| format!("{s:020}"))
    }

    /// AWS's string to sign: `Name\nValue\n` for Message, MessageId, Subject (if present),
    /// Timestamp, TopicArn and Type, in that (byte) order. SequenceNumber is not signed.
    pub fn string_to_sign(&self) -> String {
        let mut out = String::with_capacity(self.message.len() + self.topic_arn.len() + 160);
        push_signed(&mut out, "Message", &self.message);
        push_signed(&mut out, "MessageId", &self.message_id);
        if let Some(s) = &self.subject {
            push_signed(&mut out, "Subject", s);
        }
        push_signed(&mut out, "Timestamp", &self.timestamp);
        push_signed(&mut out, "TopicArn", &self.topic_arn);
        push_signed(&mut out, "Type", "Notification");
        out
    }

    /// The message attributes as AWS writes them in a notification: `(name, Type, Value)`,
    /// binary values in base64.
    pub fn attribute_entries(&self) -> impl Iterator<Item = (&str, &str, Cow<'_, str>)> {
        self.attributes.iter().map(|(k, v)| {
            let value = match &v.binary_value {
                Some(b) => Cow::Owned(STANDARD.encode(b)),
                None => Cow::Borrowed(v.string_value.as_deref().unwrap_or("")),
            };
            (k.as_str(), v.data_type.as_str(), value)
        })
    }

    /// The JSON body, with `signature` (`None` for a FIFO topic's notification).
    pub fn to_json(&self, signature: Option<Signed<'_>>) -> String {
        let sequence = self.sequence_text();
        let mut w = Writer::with_capacity(
            self.message.len() + self.unsubscribe_url.len() + self.topic_arn.len() + 700,
        );
        w.field("Type", "Notification");
        w.field("MessageId", &self.message_id);
        if let Some(s) = &sequence {
            w.field("SequenceNumber", s);
        }
        w.field("TopicArn", &self.topic_arn);
        if let Some(s) = &self.subject {
            w.field("Subject", s);
        }
        w.field("Message", &self.message);
        w.field("Timestamp", &self.timestamp);
        if let Some(s) = signature {
            w.field("SignatureVersion", s.version.as_str());
            w.field("Signature", s.signature);
            w.field("SigningCertURL", &self.signing_cert_url);
        }
        w.field("UnsubscribeURL", &self.unsubscribe_url);
        if !self.attributes.is_empty() {
            w.key("MessageAttributes");
            w.out.push('{');
            for (i, (name, kind, value)) in self.attribute_entries().enumerate() {
                w.out.push_str(if i == 0 { "\n    " } else { ",\n    " });
                escape_into(&mut w.out, name);
                w.out.push_str(" : {\"Type\":");
                escape_into(&mut w.out, kind);
                w.out.push_str(",\"Value\":");
                escape_into(&mut w.out, &value);
                w.out.push('}');
            }
            w.out.push_str("\n  }");
        }
        w.finish()
    }
}

/// Which confirmation an HTTP/HTTPS endpoint gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmationKind {
    Subscription,
    Unsubscribe,
}

impl ConfirmationKind {
    /// The `Type` (and `x-amz-sns-message-type`).
    pub fn as_str(self) -> &'static str {
        match self {
            ConfirmationKind::Subscription => "SubscriptionConfirmation",
            ConfirmationKind::Unsubscribe => "UnsubscribeConfirmation",
        }
    }
}

/// A `SubscriptionConfirmation` or `UnsubscribeConfirmation` (always signed).
#[derive(Debug, Clone)]
pub struct Confirmation {
    pub kind: ConfirmationKind,
    pub message_id: String,
    pub token: String,
    pub topic_arn: String,
    pub message: String,
    pub subscribe_url: String,
    pub timestamp: String,
    pub signing_cert_url: String,
}

impl Confirmation {
    /// AWS's string to sign: Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type.
    pub fn string_to_sign(&self) -> String {
        let mut out = String::with_capacity(self.message.len() + self.subscribe_url.len() + 400);
        push_signed(&mut out, "Message", &self.message);
        push_signed(&mut out, "MessageId", &self.message_id);
        push_signed(&mut out, "SubscribeURL", &self.subscribe_url);
        push_signed(&mut out, "Timestamp", &self.timestamp);
        push_signed(&mut out, "Token", &self.token);
        push_signed(&mut out, "TopicArn", &self.topic_arn);
        push_signed(&mut out, "Type", self.kind.as_str());
        out
    }

    /// The JSON body.
    pub fn to_json(&self, signature: Signed<'_>) -> String {
        let mut w = Writer::with_capacity(
            self.message.len() + self.subscribe_url.len() + self.token.len() + 800,
        );
        w.field("Type", self.kind.as_str());
        w.field("MessageId", &self.message_id);
        w.field("Token", &self.token);
        w.field("TopicArn", &self.topic_arn);
        w.field("Message", &self.message);
        w.field("SubscribeURL", &self.subscribe_url);
        w.field("Timestamp", &self.timestamp);
        w.field("SignatureVersion", signature.version.as_str());
        w.field("Signature", signature.signature);
        w.field("SigningCertURL", &self.signing_cert_url);
        w.finish()
    }
}

fn push_signed(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push('\n');
    out.push_str(value);
    out.push('\n');
}

/// A one-level JSON object in AWS's layout (`{\n  "K" : "v",\n  ...\n}`).
struct Writer {
    out: String,
    first: bool,
}

impl Writer {
    fn with_capacity(n: usize) -> Self {
        let mut out = String::with_capacity(n);
        out.push('{');
        Writer { out, first: true }
    }

    fn key(&mut self, name: &str) {
        self.out.push_str(if self.first { "\n  " } else { ",\n  " });
        self.first = false;
        escape_into(&mut self.out, name);
        self.out.push_str(" : ");
    }

    fn field(&mut self, name: &str, value: &str) {
        self.key(name);
        escape_into(&mut self.out, value);
    }

    fn finish(mut self) -> String {
        self.out.push_str("\n}");
        self.out
    }
}

/// `s` as a JSON string: `"` and `\` escaped, `\b \t \n \f \r` as such, other control
/// characters as `\u00XX` (upper-case hex, as Jackson writes them); everything else, `/` and
/// non-ASCII included, as is.
fn escape_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Only ASCII bytes get here, so `start..i` is on character boundaries.
        out.push_str(&s[start..i]);
        if short.is_empty() {
            out.push_str("\\u00");
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0xf) as usize] as char);
        } else {
            out.push_str(short);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sns::model::MessageAttributeValue;

    fn attr(kind: &str, value: &str) -> MessageAttributeValue {
        MessageAttributeValue {
            data_type: kind.to_string(),
            string_value: Some(value.to_string()),
            ..Default::default()
        }
    }

    fn note<'a>(attrs: &'a MessageAttributes) -> Notification<'a> {
        Notification {
            message_id: "id".into(),
            sequence_number: None,
            topic_arn: "arn:t".into(),
            subject: None,
            message: "hi\nthere \"q\" é/".into(),
            timestamp: "2024-01-02T03:04:05.678Z".into(),
            signing_cert_url: "http://h/c.pem".into(),
            unsubscribe_url: "http://h/?Action=Unsubscribe".into(),
            attributes: Cow::Borrowed(attrs),
        }
    }

    const SIG: Signed<'static> = Signed {
        version: SignatureVersion::V1,
        signature: "c2ln",
    };

    #[test]
    fn a_notification_is_written_in_aws_order_and_layout() {
        let none = MessageAttributes::new();
        assert_eq!(
            note(&none).to_json(Some(SIG)),
            "{\n  \"Type\" : \"Notification\",\n  \"MessageId\" : \"id\",\n  \"TopicArn\" : \"arn:t\",\n  \"Message\" : \"hi\\nthere \\\"q\\\" é/\",\n  \"Timestamp\" : \"2024-01-02T03:04:05.678Z\",\n  \"SignatureVersion\" : \"1\",\n  \"Signature\" : \"c2ln\",\n  \"SigningCertURL\" : \"http://h/c.pem\",\n  \"UnsubscribeURL\" : \"http://h/?Action=Unsubscribe\"\n}"
        );
    }

    #[test]
    fn subject_and_attributes_have_their_places() {
        let mut attrs = MessageAttributes::new();
        attrs.insert("color".into(), attr("String", "red"));
        attrs.insert("list".into(), attr("String.Array", "[\"a\",1]"));
        attrs.insert(
            "raw".into(),
            MessageAttributeValue {
                data_type: "Binary".into(),
                binary_value: Some(vec![0, 1]),
                ..Default::default()
            },
        );
        let mut n = note(&attrs);
        n.subject = Some("subj".into());
        n.message = "m".into();
        let body = n.to_json(Some(Signed {
            version: SignatureVersion::V2,
            signature: "s",
        }));
        assert_eq!(
            body,
            "{\n  \"Type\" : \"Notification\",\n  \"MessageId\" : \"id\",\n  \"TopicArn\" : \"arn:t\",\n  \"Subject\" : \"subj\",\n  \"Message\" : \"m\",\n  \"Timestamp\" : \"2024-01-02T03:04:05.678Z\",\n  \"SignatureVersion\" : \"2\",\n  \"Signature\" : \"s\",\n  \"SigningCertURL\" : \"http://h/c.pem\",\n  \"UnsubscribeURL\" : \"http://h/?Action=Unsubscribe\",\n  \"MessageAttributes\" : {\n    \"color\" : {\"Type\":\"String\",\"Value\":\"red\"},\n    \"list\" : {\"Type\":\"String.Array\",\"Value\":\"[\\\"a\\\",1]\"},\n    \"raw\" : {\"Type\":\"Binary\",\"Value\":\"AAE=\"}\n  }\n}"
        );
        let v: serde_json::Value = serde_json::from_str(&body).expect("valid JSON");
        assert_eq!(v["MessageAttributes"]["list"]["Value"], "[\"a\",1]");
    }

    #[test]
    fn fifo_notifications_carry_a_sequence_number_and_no_signature() {
        let none = MessageAttributes::new();
        let mut n = note(&none);
        n.sequence_number = Some(10_000_000_000_000_003_000);
        n.message = "m".into();
        assert!(!n.is_signed());
        assert_eq!(
            n.to_json(None),
            "{\n  \"Type\" : \"Notification\",\n  \"MessageId\" : \"id\",\n  \"SequenceNumber\" : \"10000000000000003000\",\n  \"TopicArn\" : \"arn:t\",\n  \"Message\" : \"m\",\n  \"Timestamp\" : \"2024-01-02T03:04:05.678Z\",\n  \"UnsubscribeURL\" : \"http://h/?Action=Unsubscribe\"\n}"
        );
        n.sequence_number = Some(7);
        assert_eq!(n.sequence_text().as_deref(), Some("00000000000000000007"));
    }

    #[test]
    fn control_characters_are_escaped_like_jackson() {
        let mut out = String::new();
        escape_into(&mut out, "a\u{1}b\u{8}\u{c}\u{1f}\u{7f}ü\\");
        assert_eq!(out, "\"a\\u0001b\\b\\f\\u001F\u{7f}ü\\\\\"");
        let back: String = serde_json::from_str(&out).expect("json");
        assert_eq!(back, "a\u{1}b\u{8}\u{c}\u{1f}\u{7f}ü\\");
    }

    #[test]
    fn notification_string_to_sign_has_subject_only_when_present() {
        let none = MessageAttributes::new();
        let mut n = note(&none);
        n.sequence_number = Some(1);
        assert_eq!(
            n.string_to_sign(),
            "Message\nhi\nthere \"q\" é/\nMessageId\nid\nTimestamp\n2024-01-02T03:04:05.678Z\nTopicArn\narn:t\nType\nNotification\n"
        );
        n.subject = Some("s".into());
        assert!(
            n.string_to_sign()
                .contains("MessageId\nid\nSubject\ns\nTimestamp\n")
        );
    }

    fn confirmation() -> Confirmation {
        Confirmation {
            kind: ConfirmationKind::Subscription,
            message_id: "id".into(),
            token: "tok".into(),
            topic_arn: "arn".into(),
            message: "m".into(),
            subscribe_url: "url".into(),
            timestamp: "t".into(),
            signing_cert_url: "cert".into(),
        }
    }

    #[test]
    fn confirmations_are_written_in_aws_order_and_layout() {
        let c = confirmation();
        assert_eq!(
            c.string_to_sign(),
            "Message\nm\nMessageId\nid\nSubscribeURL\nurl\nTimestamp\nt\nToken\ntok\nTopicArn\narn\nType\nSubscriptionConfirmation\n"
        );
        assert_eq!(
            c.to_json(SIG),
            "{\n  \"Type\" : \"SubscriptionConfirmation\",\n  \"MessageId\" : \"id\",\n  \"Token\" : \"tok\",\n  \"TopicArn\" : \"arn\",\n  \"Message\" : \"m\",\n  \"SubscribeURL\" : \"url\",\n  \"Timestamp\" : \"t\",\n  \"SignatureVersion\" : \"1\",\n  \"Signature\" : \"c2ln\",\n  \"SigningCertURL\" : \"cert\"\n}"
        );
        let bye = Confirmation {
            kind: ConfirmationKind::Unsubscribe,
            ..c
        };
        assert!(
            bye.to_json(SIG)
                .starts_with("{\n  \"Type\" : \"UnsubscribeConfirmation\",\n")
        );
        assert!(
            bye.string_to_sign()
                .ends_with("Type\nUnsubscribeConfirmation\n")
        );
    }
}
