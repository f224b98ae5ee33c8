//! Event notifications: the [`ObjectEvents`] receiver that turns object created/removed events
//! into AWS's S3 event records (eventVersion 2.1; 2.3 for object tagging) and delivers them, per the bucket's
//! notification configuration (event names with `*`, prefix/suffix filter rules), to SQS
//! queues (the record as the message body), SNS topics (as the Message, subject "Amazon S3
//! Notification") and Lambda functions (an asynchronous invoke).

use std::sync::{Arc, Weak};

use s3s::dto::{NotificationConfiguration, NotificationConfigurationFilter};
use serde_json::{Value, json};

use super::S3Engine;
use super::events::{ObjectEvent, ObjectEvents};
use crate::context::RequestContext;
use crate::lambda::engine::LambdaEngine;
use crate::sns::SnsEngine;
use crate::sqs::SqsEngine;

/// Delivers a bucket's notifications to fogbank's queues, topics and functions.
pub struct Notifier {
    pub s3: Weak<S3Engine>,
    pub sqs: Arc<SqsEngine>,
    pub sns: Weak<SnsEngine>,
    pub lambda: Weak<LambdaEngine>,
}

/// Whether a configured event name (`s3:ObjectCreated:*`, `s3:ObjectCreated:Put`, ...)
/// covers the record's `name` (`ObjectCreated:Put`).
fn covers(configured: &str, name: &str) -> bool {
    let Some(c) = configured.strip_prefix("s3:") else {
        return false;
    };
    match c.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => c == name,
    }
}

/// Whether `key` passes a configuration's prefix/suffix rules.
fn passes(filter: Option<&NotificationConfigurationFilter>, key: &str) -> bool {
    let rules = filter
        .and_then(|f| f.key.as_ref())
        .and_then(|k| k.filter_rules.as_ref());
    rules.into_iter().flatten().all(|r| {
        let value = r.value.as_deref().unwrap_or("");
        match r.name.as_ref().map(|n| n.as_str().to_ascii_lowercase()) {
            Some(n) if n == "prefix" => key.starts_with(value),
            Some(n) if n == "suffix" => key.ends_with(value),
            _ => true,
        }
    })
}

/// The key as S3 writes it in records: form-encoded (spaces as `+`), slashes kept.
fn record_key(key: &str) -> String {
    form_urlencoded::byte_serialize(key.as_bytes())
        .collect::<String>()
        .replace("%2F", "/")
}

fn now_iso() -> String {
    crate::sns::engine::iso8601(crate::lambda::engine::now_ms())
}

/// AWS's S3 event record (one record per message, as S3 sends them).
fn record(e: &ObjectEvent, configuration_id: &str) -> Value {
    let mut object = json!({
        "key": record_key(&e.key),
        "sequencer": e.sequencer,
    });
    let name = e.event_name();
    if name.starts_with("ObjectCreated") {
        object["size"] = json!(e.size);
    }
    if name.starts_with("ObjectCreated") || name.starts_with("ObjectTagging") {
        object["eTag"] = json!(e.etag);
    }
    if let Some(v) = &e.version_id {
        object["versionId"] = json!(v);
    }
    let principal = format!("AWS:{}", e.account);
    json!({"Records": [{
        "eventVersion": e.kind.event_version(),
        "eventSource": "aws:s3",
        "awsRegion": e.region,
        "eventTime": now_iso(),
        "eventName": e.event_name(),
        "userIdentity": {"principalId": principal},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {
            "x-amz-request-id": uuid::Uuid::new_v4().simple().to_string()[..16].to_uppercase(),
            "x-amz-id-2": uuid::Uuid::new_v4().simple().to_string(),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": e.bucket,
                "ownerIdentity": {"principalId": e.account},
                "arn": format!("arn:aws:s3:::{}", e.bucket),
            },
            "object": object,
        },
    }]})
}

impl ObjectEvent {
    fn event_name(&self) -> &'static str {
        self.kind.event_name()
    }
}

/// The (destination kind, ARN, configuration id, matches) of every configuration.
fn targets<'a>(
    c: &'a NotificationConfiguration,
    name: &'a str,
    key: &'a str,
) -> Vec<(&'static str, &'a str, &'a str)> {
    let mut out = Vec::new();
    let wanted = |events: &[s3s::dto::Event], filter: Option<&NotificationConfigurationFilter>| {
        events.iter().any(|ev| covers(ev.as_ref(), name)) && passes(filter, key)
    };
    for q in c.queue_configurations.iter().flatten() {
        if wanted(&q.events, q.filter.as_ref()) {
            out.push(("sqs", q.queue_arn.as_str(), q.id.as_deref().unwrap_or("")));
        }
    }
    for t in c.topic_configurations.iter().flatten() {
        if wanted(&t.events, t.filter.as_ref()) {
            out.push(("sns", t.topic_arn.as_str(), t.id.as_deref().unwrap_or("")));
        }
    }
    for l in c.lambda_function_configurations.iter().flatten() {
        if wanted(&l.events, l.filter.as_ref()) {
            out.push((
                "lambda",
                l.lambda_function_arn.as_str(),
                l.id.as_deref().unwrap_or(""),
            ));
        }
    }
    out
}

/// Account and region of an ARN (`arn:aws:<service>:<region>:<account>:...`).
fn arn_place(arn: &str) -> Option<(&str, &str)> {
    let p: Vec<&str> = arn.splitn(6, ':').collect();
    (p.len() == 6).then(|| (p[4], p[3]))
}

impl Notifier {
    fn send_to_queue(&self, arn: &str, body: String) {
        if let Some(q) = self.sqs.queue_by_arn(arn) {
            let fields = crate::sqs::model::SendMessageFields {
                message_body: Some(body),
                ..Default::default()
            };
            if let Err(e) = self.sqs.send_to_queue(&q, fields) {
                tracing::warn!(queue = arn, "S3 notification not delivered: {}", e.message);
            }
        }
    }

    fn deliver(&self, kind: &str, arn: &str, body: String) {
        match kind {
            "sqs" => self.send_to_queue(arn, body),
            "sns" => {
                let (Some(sns), Some((account, region))) = (self.sns.upgrade(), arn_place(arn))
                else {
                    return;
                };
                let ctx = RequestContext::new(account, region, "localhost");
                let input = crate::sns::model::PublishInput {
                    topic_arn: Some(arn.to_string()),
                    message: Some(body),
                    subject: Some("Amazon S3 Notification".into()),
                    ..Default::default()
                };
                if let Err(e) = sns.publish(&ctx, input) {
                    tracing::warn!(topic = arn, "S3 notification not delivered: {e:?}");
                }
            }
            _ => {
                if let Some(lambda) = self.lambda.upgrade()
                    && let Err(e) = lambda.invoke_async_arn(
                        arn,
                        body.into_bytes(),
                        crate::lambda::activity::Trigger::S3,
                    )
                {
                    tracing::warn!(function = arn, "S3 notification not delivered: {e}");
                }
            }
        }
    }

    fn exists(&self, arn: &str) -> bool {
        match arn.split(':').nth(2) {
            Some("sqs") => self.sqs.queue_by_arn(arn).is_some(),
            Some("sns") => self.sns.upgrade().is_some_and(|s| s.topic_exists(arn)),
            Some("lambda") => {
                let (Some(lambda), Some((account, region))) =
                    (self.lambda.upgrade(), arn_place(arn))
                else {
                    return false;
                };
                let ctx = RequestContext::new(account, region, "localhost");
                lambda.function(&ctx, arn).is_ok()
            }
            _ => false,
        }
    }
}

impl ObjectEvents for Notifier {
    fn object_event(&self, event: ObjectEvent) {
        let Some(config) = self
            .s3
            .upgrade()
            .and_then(|s3| s3.notification_of(&event.bucket))
        else {
            return;
        };
        for (kind, arn, id) in targets(&config, event.event_name(), &event.key) {
            self.deliver(kind, arn, record(&event, id).to_string());
        }
    }

    fn missing_destinations(&self, arns: &[String]) -> Vec<String> {
        arns.iter().filter(|a| !self.exists(a)).cloned().collect()
    }

    fn configured(&self, bucket: &str, queue_arns: &[String]) {
        for arn in queue_arns {
            let test = json!({
                "Service": "Amazon S3",
                "Event": "s3:TestEvent",
                "Time": now_iso(),
                "Bucket": bucket,
                "RequestId": uuid::Uuid::new_v4().simple().to_string()[..16].to_uppercase(),
                "HostId": uuid::Uuid::new_v4().simple().to_string(),
            });
            self.send_to_queue(arn, test.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_and_wildcards() {
        assert!(covers("s3:ObjectCreated:*", "ObjectCreated:Put"));
        assert!(covers("s3:ObjectCreated:Put", "ObjectCreated:Put"));
        assert!(!covers("s3:ObjectCreated:Copy", "ObjectCreated:Put"));
        assert!(!covers("s3:ObjectRemoved:*", "ObjectCreated:Put"));
        assert!(covers(
            "s3:ObjectRemoved:*",
            "ObjectRemoved:DeleteMarkerCreated"
        ));
        assert!(covers("s3:ObjectTagging:*", "ObjectTagging:Delete"));
        assert!(covers("s3:ObjectTagging:Put", "ObjectTagging:Put"));
        assert!(!covers("s3:ObjectTagging:Put", "ObjectTagging:Delete"));
        assert!(!covers("s3:ObjectCreated:*", "ObjectTagging:Put"));
        assert_eq!(record_key("my photos/a b+c.jpg"), "my+photos/a+b%2Bc.jpg");
    }
}
