//! Lambda subscriptions: the interface through which SNS invokes functions, and the SNS event
//! a function receives (`{"Records":[{"EventSource":"aws:sns",...,"Sns":{...}}]}`).

use serde::Serialize;
use serde::ser::SerializeMap;

use super::envelope::{Notification, Signed};

/// What SNS needs from a Lambda engine: an asynchronous (`Event`) invoke. The Lambda engine
/// implements it and is handed to [`crate::sns::SnsEngine::set_lambda_invoker`].
pub trait LambdaInvoker: Send + Sync {
    /// Queue an asynchronous invoke of `function_arn` (possibly qualified) with `payload`.
    /// `Err` (with a reason) when the function does not exist or the invoke is refused; SNS
    /// then sends the message to the subscription's dead-letter queue, if any.
    fn invoke_async(&self, function_arn: &str, payload: Vec<u8>) -> Result<(), String>;
}

/// Whether `endpoint` is a Lambda function ARN SNS accepts
/// (`arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`).
pub fn valid_function_arn(endpoint: &str) -> bool {
    let parts: Vec<&str> = endpoint.split(':').collect();
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.len() <= 64
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let qualifier_ok = |q: &str| {
        !q.is_empty()
            && q.len() <= 128
            && q.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'$')
    };
    (parts.len() == 7 || parts.len() == 8)
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "lambda"
        && !parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5] == "function"
        && name_ok(parts[6])
        && parts.get(7).is_none_or(|q| qualifier_ok(q))
}

/// The SNS event for one notification, as Lambda receives it (compact JSON, in AWS's key
/// order: `Records[].{EventSource, EventVersion, EventSubscriptionArn, Sns}`, and in `Sns`:
/// Type, MessageId, TopicArn, Subject, Message, Timestamp, SignatureVersion, Signature,
/// SigningCertUrl, UnsubscribeUrl, MessageAttributes). Unlike the HTTP/SQS envelope, the
/// URLs are spelled `...Url`, `Subject` is always there (null when absent) and so is
/// `MessageAttributes` (empty when none).
pub fn event(
    subscription_arn: &str,
    notification: &Notification<'_>,
    signature: Option<Signed<'_>>,
) -> Vec<u8> {
    let sequence = notification.sequence_text();
    let event = Event {
        records: [EventRecord {
            event_source: "aws:sns",
            event_version: "1.0",
            event_subscription_arn: subscription_arn,
            sns: SnsRecord {
                kind: "Notification",
                message_id: &notification.message_id,
                sequence_number: sequence.as_deref(),
                topic_arn: &notification.topic_arn,
                subject: notification.subject.as_deref(),
                message: &notification.message,
                timestamp: &notification.timestamp,
                signature_version: signature.map(|s| s.version.as_str()),
                signature: signature.map(|s| s.signature),
                signing_cert_url: signature.map(|_| notification.signing_cert_url.as_str()),
                unsubscribe_url: &notification.unsubscribe_url,
                message_attributes: Attributes(notification),
            },
        }],
    };
    // Serializing borrowed strings and maps of strings cannot fail.
    serde_json::to_vec(&event).unwrap_or_default()
}

#[derive(Serialize)]
struct Event<'a> {
    #[serde(rename = "Records")]
    records: [EventRecord<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct EventRecord<'a> {
    event_source: &'static str,
    event_version: &'static str,
    event_subscription_arn: &'a str,
    sns: SnsRecord<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SnsRecord<'a> {
    #[serde(rename = "Type")]
    kind: &'static str,
    message_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sequence_number: Option<&'a str>,
    topic_arn: &'a str,
    subject: Option<&'a str>,
    message: &'a str,
    timestamp: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature_version: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signing_cert_url: Option<&'a str>,
    unsubscribe_url: &'a str,
    message_attributes: Attributes<'a>,
}

/// `{"name":{"Type":"String","Value":"v"},...}`.
struct Attributes<'a>(&'a Notification<'a>);

impl Serialize for Attributes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Attribute<'v> {
            #[serde(rename = "Type")]
            kind: &'v str,
            #[serde(rename = "Value")]
            value: &'v str,
        }
        let mut map = s.serialize_map(Some(self.0.attributes.len()))?;
        for (name, kind, value) in self.0.attribute_entries() {
            map.serialize_entry(
                name,
                &Attribute {
                    kind,
                    value: &value,
                },
            )?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_arns_are_validated() {
        assert!(valid_function_arn(
            "arn:aws:lambda:us-east-1:000000000000:function:my-fn"
        ));
        assert!(valid_function_arn(
            "arn:aws:lambda:us-east-1:000000000000:function:my-fn:$LATEST"
        ));
        assert!(!valid_function_arn(
            "arn:aws:lambda:us-east-1:000000000000:my-fn"
        ));
        assert!(!valid_function_arn(
            "arn:aws:sqs:us-east-1:000000000000:function:x"
        ));
        assert!(!valid_function_arn("my-fn"));
    }

    #[test]
    fn event_uses_the_lambda_spelling_and_order() {
        use std::borrow::Cow;
        let mut attrs = crate::sns::model::MessageAttributes::new();
        attrs.insert(
            "color".into(),
            crate::sns::model::MessageAttributeValue {
                data_type: "String".into(),
                string_value: Some("red".into()),
                ..Default::default()
            },
        );
        let mut n = Notification {
            message_id: "id".into(),
            sequence_number: None,
            topic_arn: "arn".into(),
            subject: None,
            message: "m".into(),
            timestamp: "t".into(),
            signing_cert_url: "c".into(),
            unsubscribe_url: "u".into(),
            attributes: Cow::Owned(crate::sns::model::MessageAttributes::new()),
        };
        let sig = Signed {
            version: crate::sns::signing::SignatureVersion::V1,
            signature: "s",
        };
        let e = String::from_utf8(event("sub", &n, Some(sig))).expect("utf8");
        assert_eq!(
            e,
            r#"{"Records":[{"EventSource":"aws:sns","EventVersion":"1.0","EventSubscriptionArn":"sub","Sns":{"Type":"Notification","MessageId":"id","TopicArn":"arn","Subject":null,"Message":"m","Timestamp":"t","SignatureVersion":"1","Signature":"s","SigningCertUrl":"c","UnsubscribeUrl":"u","MessageAttributes":{}}}]}"#
        );
        n.subject = Some("subj".into());
        n.attributes = Cow::Owned(attrs);
        let e: serde_json::Value =
            serde_json::from_slice(&event("sub", &n, Some(sig))).expect("json");
        let s = &e["Records"][0]["Sns"];
        assert_eq!(s["Subject"], "subj");
        assert_eq!(
            s["MessageAttributes"]["color"],
            serde_json::json!({"Type": "String", "Value": "red"})
        );
        assert!(s.get("SigningCertURL").is_none());
    }
}
