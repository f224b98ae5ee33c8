//! Delivery of one published message to one subscription (SQS in process, HTTP and Lambda in
//! the background), the signed JSON messages SNS sends, and subscription dead-letter queues.

use std::borrow::Cow;
use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::{Delivery, SnsEngine, Subscription, iso8601, lock};
use crate::arn::parse_arn;
use crate::context::RequestContext;
use crate::sns::activity::{self, Outcome, Slot, Stored};
use crate::sns::envelope::{Confirmation, ConfirmationKind, Notification, Signed};
use crate::sns::error::{SnsError, SnsResult};
use crate::sns::http::{Post, RetryPolicy};
use crate::sns::lambda;
use crate::sns::model::{PublishInput, PublishOutput};
use crate::sns::records::{self, Kind, Record};
use crate::sns::signing::{self, SignatureVersion};
use crate::sqs::SqsEngine;
use crate::sqs::model::{MessageAttributeValue as SqsAttr, SendMessageFields};

fn percent(v: &str) -> String {
    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn cert_url(origin: &str) -> String {
    format!("{origin}{}", signing::cert_file_path())
}

/// A message that could not be delivered, on its way to the subscription's dead-letter queue.
pub(super) struct DeadLetter {
    /// `deadLetterTargetArn` of the subscription's RedrivePolicy.
    pub target: String,
    pub subscription_arn: String,
    /// The message as it would have been delivered.
    pub body: String,
    /// SNS message attributes (raw deliveries keep them as SQS message attributes).
    pub attributes: BTreeMap<String, SqsAttr>,
    pub group: Option<String>,
    pub dedup: Option<String>,
}

impl DeadLetter {
    /// Store the message on the dead-letter queue as it would have been delivered: AWS adds
    /// no attributes of its own to subscription DLQ copies (LocalStack's recorded
    /// test_redrive_policy_sqs_queue_subscription: only the published attributes); `error`
    /// is logged. Returns what became of it, for the delivery's record.
    pub fn send(self, sqs: &SqsEngine, error: &str) -> String {
        let Some(queue) = sqs.queue_by_arn(&self.target) else {
            tracing::warn!(subscription = %self.subscription_arn, dlq = %self.target,
                "SNS dead-letter queue does not exist: message dropped");
            return format!(
                "dead-letter queue {} does not exist: message dropped",
                self.target
            );
        };
        tracing::debug!(subscription = %self.subscription_arn, %error, "SNS delivery failed");
        let fifo = queue.is_fifo();
        let fields = SendMessageFields {
            message_body: Some(self.body),
            delay_seconds: None,
            message_attributes: self.attributes,
            message_system_attributes: BTreeMap::new(),
            message_deduplication_id: if fifo {
                self.dedup
                    .or_else(|| Some(uuid::Uuid::new_v4().simple().to_string()))
            } else {
                None
            },
            message_group_id: if fifo {
                self.group.or_else(|| Some("sns-dlq".to_string()))
            } else {
                self.group
            },
        };
        match sqs.send_to_queue(&queue, fields) {
            Ok(_) => {
                tracing::info!(subscription = %self.subscription_arn, dlq = %self.target,
                    "SNS message moved to the subscription's dead-letter queue");
                format!("moved to dead-letter queue {}", self.target)
            }
            Err(e) => {
                tracing::warn!(subscription = %self.subscription_arn, error = %e,
                    "SNS dead-letter delivery failed");
                format!("dead-letter queue {} refused it: {e}", self.target)
            }
        }
    }

    /// Send, and the delivery's failure as recorded: `error` and what became of the copy.
    pub fn send_failed(self, sqs: &SqsEngine, error: &str) -> Outcome {
        let note = self.send(sqs, error);
        Outcome::Failed {
            error: format!("{error}; {note}"),
        }
    }
}

/// `deadLetterTargetArn` of a subscription's RedrivePolicy.
pub(super) fn dead_letter_target(sub: &Subscription) -> Option<String> {
    let policy = sub.attributes.get("RedrivePolicy")?;
    let v: Value = serde_json::from_str(policy).ok()?;
    v.get("deadLetterTargetArn")?.as_str().map(str::to_string)
}

impl SnsEngine {
    /// The `DeliveryPolicy` attribute of a topic (if it exists and has one).
    pub(super) fn topic_delivery_policy(&self, topic_arn: &str) -> Option<String> {
        self.topics
            .get(topic_arn)
            .and_then(|t| lock(&t).attributes.get("DeliveryPolicy").cloned())
    }

    pub(super) fn retry_policy(&self, sub: &Subscription) -> RetryPolicy {
        let topic_policy = self.topic_delivery_policy(&sub.topic_arn);
        let policy = sub
            .attributes
            .get("DeliveryPolicy")
            .cloned()
            .or(topic_policy);
        RetryPolicy::from_delivery_policy(policy.as_deref())
    }

    /// The topic's `SignatureVersion` attribute.
    pub(super) fn signature_version(&self, topic_arn: &str) -> SignatureVersion {
        self.topics
            .get(topic_arn)
            .map(|t| {
                SignatureVersion::from_attribute(
                    lock(&t)
                        .attributes
                        .get("SignatureVersion")
                        .map(String::as_str),
                )
            })
            .unwrap_or_default()
    }

    pub(super) fn sns_headers(
        kind: &str,
        message_id: &str,
        sub: &Subscription,
        raw: bool,
    ) -> Vec<(&'static str, String)> {
        let mut h = vec![
            ("x-amz-sns-message-type", kind.to_string()),
            ("x-amz-sns-message-id", message_id.to_string()),
            ("x-amz-sns-topic-arn", sub.topic_arn.clone()),
        ];
        if kind != "SubscriptionConfirmation" {
            h.push(("x-amz-sns-subscription-arn", sub.arn.clone()));
        }
        if raw {
            h.push(("x-amz-sns-rawdelivery", "true".to_string()));
        }
        h
    }

    /// The SubscribeURL fogbank serves: a GET of the query-protocol ConfirmSubscription action.
    /// The TopicArn stands as it is, not percent-encoded, as in AWS's (LocalStack's recorded
    /// test_subscribe_external_http_endpoint: `...&TopicArn=arn:aws:sns:...&Token=...`).
    fn subscribe_url(origin: &str, topic_arn: &str, token: &str) -> String {
        format!(
            "{origin}/?Action=ConfirmSubscription&TopicArn={topic_arn}&Token={}",
            percent(token)
        )
    }

    /// POST a signed SubscriptionConfirmation to an HTTP subscription.
    pub(super) fn send_confirmation(&self, sub: &Subscription, token: &str, origin: &str) {
        let message_id = uuid::Uuid::new_v4().hyphenated().to_string();
        let message = format!(
            "You have chosen to subscribe to the topic {}.\nTo confirm the subscription, visit the SubscribeURL included in this message.",
            sub.topic_arn
        );
        self.post_confirmation(
            sub,
            ConfirmationKind::Subscription,
            &message_id,
            message,
            token,
            origin,
            self.retry_policy(sub),
        );
    }

    /// POST a signed UnsubscribeConfirmation (once, no retries) after Unsubscribe.
    pub(super) fn send_unsubscribe_confirmation(&self, sub: &Subscription, origin: &str) {
        let message_id = uuid::Uuid::new_v4().hyphenated().to_string();
        let message = format!(
            "You have chosen to deactivate subscription {}.\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message.",
            sub.arn
        );
        let token = sub.token.clone().unwrap_or_default();
        let once = RetryPolicy {
            retries: 0,
            delay_ms: 0,
        };
        self.post_confirmation(
            sub,
            ConfirmationKind::Unsubscribe,
            &message_id,
            message,
            &token,
            origin,
            once,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn post_confirmation(
        &self,
        sub: &Subscription,
        kind: ConfirmationKind,
        message_id: &str,
        message: String,
        token: &str,
        origin: &str,
        policy: RetryPolicy,
    ) {
        let confirmation = Confirmation {
            kind,
            message_id: message_id.to_string(),
            token: token.to_string(),
            topic_arn: sub.topic_arn.clone(),
            message,
            subscribe_url: Self::subscribe_url(origin, &sub.topic_arn, token),
            timestamp: iso8601(self.clock.now_millis()),
            signing_cert_url: cert_url(origin),
        };
        let version = self.signature_version(&sub.topic_arn);
        self.http.post(Post {
            url: sub.endpoint.clone(),
            headers: Self::sns_headers(kind.as_str(), message_id, sub, false),
            body: Box::new(move || {
                let signature = signing::sign(version, &confirmation.string_to_sign());
                confirmation.to_json(Signed {
                    version,
                    signature: &signature,
                })
            }),
            policy,
            on_give_up: None,
            outcome: None,
        });
    }

    /// The notification of `d` for `sub` (SQS non-raw, HTTP, email-json, Firehose, Lambda).
    fn notification<'a>(d: &Delivery<'a>, sub: &Subscription) -> Notification<'a> {
        Notification {
            message_id: Cow::Borrowed(d.message_id),
            sequence_number: d.sequence,
            topic_arn: Cow::Borrowed(d.topic_arn),
            subject: d.out.subject.as_deref().map(Cow::Borrowed),
            message: Cow::Borrowed(d.message),
            timestamp: iso8601(d.now),
            signing_cert_url: cert_url(d.origin),
            unsubscribe_url: format!(
                "{}/?Action=Unsubscribe&SubscriptionArn={}",
                d.origin, sub.arn
            ),
            attributes: Cow::Borrowed(&d.out.attributes),
        }
    }

    /// The notification's body, signed (unless the topic is FIFO) once per distinct message
    /// of a publish: the signed fields are the same for every subscription but the
    /// per-protocol message.
    fn signed_notification(d: &Delivery<'_>, sub: &Subscription) -> String {
        let n = Self::notification(d, sub);
        if !n.is_signed() {
            return n.to_json(None);
        }
        let mut memo = d.signatures.borrow_mut();
        let i = match memo.iter().position(|(m, _)| m == d.message) {
            Some(i) => i,
            None => {
                let s = signing::sign(d.signature_version, &n.string_to_sign());
                memo.push((d.message.to_string(), s));
                memo.len() - 1
            }
        };
        n.to_json(Some(Signed {
            version: d.signature_version,
            signature: &memo[i].1,
        }))
    }

    /// Sign `n` (in the background deliveries, HTTP and Lambda) unless AWS would not.
    fn sign_notification(n: &Notification<'_>, version: SignatureVersion) -> Option<String> {
        n.is_signed()
            .then(|| signing::sign(version, &n.string_to_sign()))
    }

    fn sqs_attributes(d: &Delivery<'_>) -> BTreeMap<String, SqsAttr> {
        d.out
            .attributes
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    SqsAttr {
                        data_type: v.data_type.clone(),
                        string_value: v.string_value.clone(),
                        binary_value: v.binary_value.clone(),
                        ..Default::default()
                    },
                )
            })
            .collect()
    }

    fn dead_letter(
        d: &Delivery<'_>,
        sub: &Subscription,
        body: String,
        raw: bool,
    ) -> Option<DeadLetter> {
        Some(DeadLetter {
            target: dead_letter_target(sub)?,
            subscription_arn: sub.arn.clone(),
            body,
            attributes: if raw {
                Self::sqs_attributes(d)
            } else {
                BTreeMap::new()
            },
            group: d.out.group.clone(),
            dedup: d.out.dedup.clone(),
        })
    }

    /// Deliver `d` to `sub`; what became of it (so far, for background deliveries).
    pub(super) fn deliver(&self, d: &Delivery<'_>, sub: &Subscription) -> Stored {
        let raw = sub
            .attributes
            .get("RawMessageDelivery")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        match sub.protocol.as_str() {
            "sqs" => self.deliver_sqs(d, sub, raw),
            "http" | "https" => self.deliver_http(d, sub, raw),
            "lambda" => self.deliver_lambda(d, sub),
            "sms" => {
                self.record(sub, Kind::Sms, Self::plain_record(d, sub, "PhoneNumber"));
                Stored::Delivered("recorded as an SMS (/_aws/sns/sms-messages)")
            }
            "application" => {
                let mut f = Self::plain_record(d, sub, "TargetArn");
                f.remove("SubscriptionArn");
                self.record(sub, Kind::Platform, f);
                Stored::Delivered(
                    "recorded as a platform message (/_aws/sns/platform-endpoint-messages)",
                )
            }
            "email" => {
                self.record(sub, Kind::Email, Self::plain_record(d, sub, "EmailAddress"));
                Stored::Delivered("recorded as an email (/_fogbank/sns/email-messages)")
            }
            "email-json" | "firehose" => {
                let mut f = Map::new();
                let key = if sub.protocol == "firehose" {
                    "DeliveryStreamArn"
                } else {
                    "EmailAddress"
                };
                f.insert(key.into(), json!(sub.endpoint));
                f.insert("TopicArn".into(), json!(d.topic_arn));
                f.insert("SubscriptionArn".into(), json!(sub.arn));
                f.insert("MessageId".into(), json!(d.message_id));
                let message = if raw {
                    d.message.to_string()
                } else {
                    Self::signed_notification(d, sub)
                };
                f.insert("Message".into(), json!(message));
                if sub.protocol == "firehose" {
                    self.record(sub, Kind::Firehose, f);
                    Stored::Delivered("recorded (/_fogbank/sns/firehose-messages)")
                } else {
                    self.record(sub, Kind::Email, f);
                    Stored::Delivered("recorded as an email (/_fogbank/sns/email-messages)")
                }
            }
            other => {
                tracing::warn!(protocol = other, "no delivery for this protocol");
                activity::failed(format!("fogbank does not deliver to protocol {other}"))
            }
        }
    }

    /// The LocalStack-shaped record of a message sent to an SMS, email or platform endpoint.
    fn plain_record(d: &Delivery<'_>, sub: &Subscription, key: &str) -> Map<String, Value> {
        let mut f = Map::new();
        f.insert(key.into(), json!(sub.endpoint));
        f.insert("TopicArn".into(), json!(d.topic_arn));
        f.insert("SubscriptionArn".into(), json!(sub.arn));
        f.insert("MessageId".into(), json!(d.message_id));
        f.insert("Message".into(), json!(d.message));
        f.insert(
            "MessageAttributes".into(),
            Self::attributes_json(&d.out.attributes),
        );
        f.insert("MessageStructure".into(), Value::Null);
        f.insert("Subject".into(), json!(d.out.subject));
        f
    }

    fn attributes_json(attrs: &crate::sns::model::MessageAttributes) -> Value {
        let m: Map<String, Value> = attrs
            .iter()
            .map(|(k, v)| {
                let mut a = Map::new();
                a.insert("DataType".into(), json!(v.data_type));
                match &v.binary_value {
                    Some(b) => a.insert("BinaryValue".into(), json!(STANDARD.encode(b))),
                    None => a.insert("StringValue".into(), json!(v.string_value)),
                };
                (k.clone(), Value::Object(a))
            })
            .collect();
        Value::Object(m)
    }

    fn record(&self, sub: &Subscription, kind: Kind, fields: Map<String, Value>) {
        let region = parse_arn(&sub.topic_arn)
            .map(|a| a.region.to_string())
            .unwrap_or_default();
        self.outbox.record(
            kind,
            Record {
                account: sub.account.clone(),
                region,
                key: sub.endpoint.clone(),
                fields,
            },
        );
    }

    /// Record the confirmation "email" of an email/email-json subscription (its token is also
    /// served by the subscription-tokens inspection endpoint).
    pub(super) fn record_confirmation_email(&self, sub: &Subscription, token: &str, origin: &str) {
        let mut f = Map::new();
        f.insert("EmailAddress".into(), json!(sub.endpoint));
        f.insert("TopicArn".into(), json!(sub.topic_arn));
        f.insert("SubscriptionArn".into(), json!(sub.arn));
        f.insert("Type".into(), json!("SubscriptionConfirmation"));
        f.insert("Token".into(), json!(token));
        f.insert(
            "SubscribeURL".into(),
            json!(Self::subscribe_url(origin, &sub.topic_arn, token)),
        );
        f.insert(
            "Message".into(),
            json!(format!(
                "You have chosen to subscribe to the topic: {}\nTo confirm this subscription, click or visit the link below (If this was in error no action is necessary)",
                sub.topic_arn
            )),
        );
        self.record(sub, Kind::Email, f);
    }

    /// Publish straight to a phone number (SMS) or a platform endpoint: validated like a topic
    /// publish, then recorded.
    pub(super) fn publish_direct(
        &self,
        ctx: &RequestContext,
        kind: Kind,
        target: String,
        input: PublishInput,
    ) -> SnsResult<PublishOutput> {
        if kind == Kind::Sms && !records::valid_phone_number(&target, true) {
            return Err(SnsError::invalid(format!(
                "PhoneNumber Reason: {target} is not valid to publish to"
            )));
        }
        let structure = input.message_structure.clone();
        let out = self.validate_publish(false, false, input.into_entry())?;
        let message_id = uuid::Uuid::new_v4().hyphenated().to_string();
        let mut f = Map::new();
        match kind {
            Kind::Sms => f.insert("PhoneNumber".into(), json!(target)),
            _ => f.insert("TargetArn".into(), json!(target)),
        };
        f.insert("TopicArn".into(), Value::Null);
        if kind == Kind::Sms {
            f.insert("SubscriptionArn".into(), Value::Null);
        }
        f.insert("MessageId".into(), json!(message_id));
        let protocol = if kind == Kind::Sms { "sms" } else { "default" };
        let message = match &out.per_protocol {
            Some(_) if kind == Kind::Platform => out.message.clone(),
            _ => Self::message_for(&out, protocol).to_string(),
        };
        f.insert("Message".into(), json!(message));
        f.insert(
            "MessageAttributes".into(),
            Self::attributes_json(&out.attributes),
        );
        f.insert("MessageStructure".into(), json!(structure));
        f.insert("Subject".into(), json!(out.subject));
        self.outbox.record(
            kind,
            Record {
                account: ctx.account.clone(),
                region: ctx.region.clone(),
                key: target,
                fields: f,
            },
        );
        Ok(PublishOutput {
            message_id,
            sequence_number: None,
        })
    }

    fn deliver_http(&self, d: &Delivery<'_>, sub: &Subscription, raw: bool) -> Stored {
        let version = d.signature_version;
        let body: Box<dyn FnOnce() -> String + Send> = if raw {
            let m = d.message.to_string();
            Box::new(move || m)
        } else {
            let n = Self::notification(d, sub).into_owned();
            Box::new(move || {
                let signature = Self::sign_notification(&n, version);
                n.to_json(
                    signature
                        .as_deref()
                        .map(|signature| Signed { version, signature }),
                )
            })
        };
        let on_give_up = Self::dead_letter(d, sub, String::new(), raw).map(|mut dl| {
            let sqs = self.sqs.clone();
            Box::new(move |body: String, error: String| {
                dl.body = body;
                dl.send(&sqs, &error)
            }) as crate::sns::http::GiveUp
        });
        let slot = Slot::pending();
        // Notifications carry the effective requestPolicy's Content-Type (LocalStack's recorded
        // test_subscribe_external_http_endpoint_content_type: text/csv from the subscription,
        // application/json from the topic); confirmations stay text/plain.
        let mut headers = Self::sns_headers("Notification", d.message_id, sub, raw);
        let topic_policy = self.topic_delivery_policy(&sub.topic_arn);
        headers.push((
            "content-type",
            super::delivery_policy::content_type(
                sub.attributes.get("DeliveryPolicy"),
                topic_policy.as_ref(),
            ),
        ));
        self.http.post(Post {
            url: sub.endpoint.clone(),
            headers,
            body,
            policy: self.retry_policy(sub),
            on_give_up,
            outcome: Some(slot.clone()),
        });
        Stored::Background(slot)
    }

    /// Invoke the function asynchronously with the SNS event, in the background (signing takes
    /// milliseconds); a refused invoke (or no Lambda engine) goes to the dead-letter queue.
    fn deliver_lambda(&self, d: &Delivery<'_>, sub: &Subscription) -> Stored {
        let n = Self::notification(d, sub).into_owned();
        let version = d.signature_version;
        let invoker = self
            .lambda
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let function = sub.endpoint.clone();
        let sub_arn = sub.arn.clone();
        let dead = Self::dead_letter(d, sub, String::new(), false);
        let sqs = self.sqs.clone();
        let slot = Slot::pending();
        let outcome = slot.clone();
        let job = move || {
            let signature = Self::sign_notification(&n, version);
            let signed = signature
                .as_deref()
                .map(|signature| Signed { version, signature });
            let payload = lambda::event(&sub_arn, &n, signed);
            let result = match &invoker {
                Some(i) => i.invoke_async(&function, payload),
                None => Err("no Lambda engine is attached to SNS".to_string()),
            };
            match result {
                Ok(()) => outcome.set(Outcome::Delivered {
                    detail: "queued for async invoke".to_string(),
                }),
                Err(e) => {
                    tracing::warn!(subscription = %sub_arn, %function, error = %e, "SNS Lambda delivery failed");
                    outcome.set(match dead {
                        Some(mut dl) => {
                            dl.body = n.to_json(signed);
                            dl.send_failed(&sqs, &e)
                        }
                        None => Outcome::Failed { error: e },
                    });
                }
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                h.spawn_blocking(job);
            }
            Err(_) => job(),
        }
        Stored::Background(slot)
    }

    fn deliver_sqs(&self, d: &Delivery<'_>, sub: &Subscription, raw: bool) -> Stored {
        let (body, attributes) = if raw {
            (d.message.to_string(), Self::sqs_attributes(d))
        } else {
            (Self::signed_notification(d, sub), BTreeMap::new())
        };
        let Some(queue) = self.sqs.queue_by_arn(&sub.endpoint) else {
            tracing::warn!(subscription = %sub.arn, endpoint = %sub.endpoint, "SNS delivery target queue does not exist");
            const GONE: &str = "queue does not exist";
            return Stored::Decided(match Self::dead_letter(d, sub, body, raw) {
                Some(dl) => dl.send_failed(&self.sqs, GONE),
                None => Outcome::Failed {
                    error: GONE.to_string(),
                },
            });
        };
        let backup = sub
            .attributes
            .contains_key("RedrivePolicy")
            .then(|| body.clone());
        let mut system = BTreeMap::new();
        if let Some(trace) = &d.out.trace_header {
            // AWS passes the publisher's X-Ray trace header on (LocalStack's recorded
            // test_publish_sqs_from_sns_with_xray_propagation).
            system.insert(
                "AWSTraceHeader".to_string(),
                SqsAttr {
                    data_type: "String".to_string(),
                    string_value: Some(trace.clone()),
                    ..Default::default()
                },
            );
        }
        let fields = SendMessageFields {
            message_body: Some(body),
            delay_seconds: None,
            message_attributes: attributes,
            message_system_attributes: system,
            message_deduplication_id: d.out.dedup.clone().filter(|_| queue.is_fifo()),
            // A FIFO topic's group stays out of a standard queue; a standard topic's
            // (optional) MessageGroupId reaches it (LocalStack's recorded
            // test_fifo_topic_to_regular_sqs and test_publish_message_group_id).
            message_group_id: d
                .out
                .group
                .clone()
                .filter(|_| queue.is_fifo() || d.sequence.is_none()),
        };
        match self.sqs.send_to_queue(&queue, fields) {
            Ok(sent) => Stored::Sqs(sent.message_id),
            Err(e) => {
                tracing::warn!(subscription = %sub.arn, error = %e, "SNS delivery to SQS failed");
                let error = format!("the queue refused it: {e}");
                Stored::Decided(
                    match backup.and_then(|b| Self::dead_letter(d, sub, b, raw)) {
                        Some(dl) => dl.send_failed(&self.sqs, &error),
                        None => Outcome::Failed { error },
                    },
                )
            }
        }
    }
}
