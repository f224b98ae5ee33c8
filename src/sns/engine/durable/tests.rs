//! Durable SNS state: export/restore round trips through fresh engines, `check` refusing bad
//! records, what Publish journals, and a real store written, closed and opened again.

use std::sync::atomic::Ordering;

use super::*;
use crate::clock::{Clock, ManualClock};
use crate::context::RequestContext;
use crate::sns::error::SnsResult;
use crate::sns::model::*;
use crate::sns::records::Kind;
use crate::sqs::SqsEngine;
use crate::sqs::model::{CreateQueueInput, ReceiveMessageInput};
use crate::store::{Durability, Store};

const ACCOUNT: &str = "000000000000";
const REGION: &str = "us-east-1";

struct Env {
    sqs: Arc<SqsEngine>,
    sns: Arc<SnsEngine>,
    ctx: RequestContext,
}

fn env() -> Env {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::starting_2026());
    let sqs = SqsEngine::new(clock.clone());
    let sns = SnsEngine::new(clock, sqs.clone(), Arc::new(Vec::new()), false);
    Env {
        sqs,
        sns,
        ctx: RequestContext::new(ACCOUNT, REGION, "localhost:4566"),
    }
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn queue_arn(name: &str) -> String {
    format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}")
}

impl Env {
    fn create_queue(&self, name: &str, attrs: &[(&str, &str)]) -> String {
        self.sqs
            .create_queue(
                &self.ctx,
                CreateQueueInput {
                    queue_name: Some(name.into()),
                    attributes: map(attrs),
                    ..Default::default()
                },
            )
            .expect("create queue")
            .queue_url
    }

    fn create_topic(&self, name: &str, attrs: &[(&str, &str)], tags: &[(&str, &str)]) -> String {
        self.sns
            .create_topic(
                &self.ctx,
                CreateTopicInput {
                    name: Some(name.into()),
                    attributes: map(attrs),
                    tags: tags
                        .iter()
                        .map(|(k, v)| Tag {
                            key: k.to_string(),
                            value: v.to_string(),
                        })
                        .collect(),
                },
            )
            .expect("create topic")
            .topic_arn
    }

    fn subscribe(
        &self,
        topic: &str,
        protocol: &str,
        endpoint: &str,
        attrs: &[(&str, &str)],
    ) -> String {
        self.sns
            .subscribe(
                &self.ctx,
                SubscribeInput {
                    topic_arn: Some(topic.into()),
                    protocol: Some(protocol.into()),
                    endpoint: Some(endpoint.into()),
                    attributes: map(attrs),
                    return_subscription_arn: true,
                },
            )
            .expect("subscribe")
            .subscription_arn
    }

    fn confirm(&self, topic: &str, subscription: &str) {
        let token = self.sns.subscription_token(subscription).expect("token");
        self.sns
            .confirm_subscription(
                &self.ctx,
                ConfirmSubscriptionInput {
                    topic_arn: Some(topic.into()),
                    token: Some(token),
                    ..Default::default()
                },
            )
            .expect("confirm");
    }

    fn publish(&self, topic: &str, message: &str, group: Option<&str>) -> PublishOutput {
        self.sns
            .publish(
                &self.ctx,
                PublishInput {
                    topic_arn: Some(topic.into()),
                    message: Some(message.into()),
                    message_group_id: group.map(str::to_string),
                    ..Default::default()
                },
            )
            .expect("publish")
    }

    fn set_sub_attr(&self, subscription: &str, name: &str, value: &str) {
        self.sns
            .set_subscription_attributes(
                &self.ctx,
                SetAttributeInput {
                    subscription_arn: Some(subscription.into()),
                    attribute_name: Some(name.into()),
                    attribute_value: Some(value.into()),
                    ..Default::default()
                },
            )
            .expect("set subscription attribute");
    }

    fn topic_attrs(&self, topic: &str) -> BTreeMap<String, String> {
        self.sns
            .get_topic_attributes(
                &self.ctx,
                TopicArnInput {
                    topic_arn: Some(topic.into()),
                    ..Default::default()
                },
            )
            .expect("topic attributes")
            .attributes
    }

    fn sub_attrs(&self, subscription: &str) -> SnsResult<BTreeMap<String, String>> {
        self.sns
            .get_subscription_attributes(
                &self.ctx,
                SubscriptionArnInput {
                    subscription_arn: Some(subscription.into()),
                },
            )
            .map(|o| o.attributes)
    }

    /// The one-time password last "texted" to `phone`.
    fn otp(&self, phone: &str) -> String {
        let sent = self
            .sns
            .outbox()
            .grouped(Kind::Sms, ACCOUNT, REGION, Some(phone));
        sent.get(phone)
            .and_then(|v| v.as_array())
            .and_then(|v| v.last())
            .and_then(|m| m.get("OneTimePassword"))
            .and_then(|p| p.as_str())
            .expect("a password was sent")
            .to_string()
    }

    fn sandbox(&self, phone: &str, otp: Option<String>) {
        let input = SandboxInput {
            phone_number: Some(phone.into()),
            one_time_password: otp.clone(),
            ..Default::default()
        };
        match otp {
            None => self.sns.create_sms_sandbox_phone_number(&self.ctx, input),
            Some(_) => self.sns.verify_sms_sandbox_phone_number(&self.ctx, input),
        }
        .expect("sandbox");
    }

    /// Some of everything SNS keeps.
    fn populate(&self) -> Names {
        self.create_queue("q1", &[]);
        self.create_queue("dlq", &[]);
        self.create_queue("fq.fifo", &[("FifoQueue", "true")]);
        let topic = self.create_topic("t1", &[("DisplayName", "Topic one")], &[("team", "a")]);
        self.sns
            .set_topic_attributes(
                &self.ctx,
                SetAttributeInput {
                    topic_arn: Some(topic.clone()),
                    attribute_name: Some("DeliveryPolicy".into()),
                    attribute_value: Some(
                        r#"{"http":{"defaultHealthyRetryPolicy":{"numRetries":5}}}"#.into(),
                    ),
                    ..Default::default()
                },
            )
            .expect("set topic attribute");
        self.sns
            .add_permission(
                &self.ctx,
                AddPermissionInput {
                    topic_arn: Some(topic.clone()),
                    label: Some("share".into()),
                    accounts: vec!["111111111111".into()],
                    actions: vec!["Publish".into()],
                },
            )
            .expect("add permission");
        self.sns
            .put_data_protection_policy(
                &self.ctx,
                DataProtectionPolicyInput {
                    resource_arn: Some(topic.clone()),
                    policy: Some(r#"{"Name":"p","Version":"2021-06-01","Statement":[]}"#.into()),
                },
            )
            .expect("data protection policy");
        self.sns
            .tag_resource(
                &self.ctx,
                TagResourceInput {
                    resource_arn: Some(topic.clone()),
                    tags: vec![Tag {
                        key: "env".into(),
                        value: "test".into(),
                    }],
                },
            )
            .expect("tag");
        let sqs_sub = self.subscribe(
            &topic,
            "sqs",
            &queue_arn("q1"),
            &[("RawMessageDelivery", "true")],
        );
        self.set_sub_attr(&sqs_sub, "FilterPolicy", r#"{"color":["red"]}"#);
        self.set_sub_attr(
            &sqs_sub,
            "RedrivePolicy",
            &format!(r#"{{"deadLetterTargetArn":"{}"}}"#, queue_arn("dlq")),
        );
        let pending = self.subscribe(&topic, "email", "someone@example.com", &[]);
        let confirmed = self.subscribe(&topic, "email-json", "other@example.com", &[]);
        self.confirm(&topic, &confirmed);
        let lambda = self.subscribe(
            &topic,
            "lambda",
            &format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"),
            &[],
        );
        let fifo = self.create_topic(
            "f1.fifo",
            &[("FifoTopic", "true"), ("ContentBasedDeduplication", "true")],
            &[],
        );
        let fifo_sub = self.subscribe(&fifo, "sqs", &queue_arn("fq.fifo"), &[]);
        self.publish(&fifo, "one", Some("g"));
        self.publish(&fifo, "two", Some("g"));
        let app = self
            .sns
            .create_platform_application(
                &self.ctx,
                Some("app".into()),
                Some("GCM".into()),
                map(&[("PlatformCredential", "secret")]),
            )
            .expect("app");
        let endpoint = self
            .sns
            .create_platform_endpoint(
                Some(app.clone()),
                Some("device-1".into()),
                Some("user data".into()),
                BTreeMap::new(),
            )
            .expect("endpoint");
        self.sns
            .set_sms_attributes(
                &self.ctx,
                SmsAttributesInput {
                    attributes: map(&[("DefaultSMSType", "Transactional")]),
                    ..Default::default()
                },
            )
            .expect("sms attributes");
        self.sandbox("+15550000001", None);
        self.sandbox("+15550000002", None);
        let otp = self.otp("+15550000002");
        self.sandbox("+15550000002", Some(otp));
        Names {
            topic,
            fifo,
            sqs_sub,
            pending,
            confirmed,
            lambda,
            fifo_sub,
            app,
            endpoint,
        }
    }
}

struct Names {
    topic: String,
    fifo: String,
    sqs_sub: String,
    pending: String,
    confirmed: String,
    lambda: String,
    fifo_sub: String,
    app: String,
    endpoint: String,
}

fn kinds(state: &ServiceState) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in &state.records {
        *out.entry(r.kind.clone()).or_insert(0) += 1;
    }
    out
}

#[test]
fn export_restore_export_is_the_same_and_covers_every_kind() {
    let a = env();
    a.populate();
    let exported = a.sns.export();
    let counts = kinds(&exported);
    let expected = [
        (state::TOPIC, 2),
        (state::TOPIC_SEQUENCE, 1),
        (state::TOPIC_DEDUP, 2),
        (state::SUBSCRIPTION, 5),
        (state::PLATFORM_APPLICATION, 1),
        (state::PLATFORM_ENDPOINT, 1),
        (state::SMS_ATTRIBUTES, 1),
        (state::SANDBOX_NUMBER, 2),
    ];
    for (kind, n) in expected {
        assert_eq!(counts.get(kind), Some(&n), "{kind} in {counts:?}");
    }
    assert_eq!(counts.len(), expected.len(), "{counts:?}");
    a.sns.check(&exported).expect("check");

    let b = env();
    b.sns.restore(exported.clone()).expect("restore");
    assert_eq!(b.sns.export(), exported);

    // Order does not matter: the store hands records back sorted by kind and key.
    let c = env();
    let mut shuffled = exported.clone();
    shuffled.records.reverse();
    c.sns.restore(shuffled).expect("restore reversed");
    assert_eq!(c.sns.export(), exported);
    let mut sorted = exported.clone();
    sorted
        .records
        .sort_by(|x, y| (&x.kind, &x.key).cmp(&(&y.kind, &y.key)));
    let d = env();
    d.sns.restore(sorted).expect("restore sorted");
    assert_eq!(d.sns.export(), exported);
}

#[test]
fn restored_engine_answers_like_the_original() {
    let a = env();
    let n = a.populate();
    let b = env();
    b.create_queue("q1", &[]);
    b.sns.restore(a.sns.export()).expect("restore");
    for arn in [&n.topic, &n.fifo] {
        assert_eq!(a.topic_attrs(arn), b.topic_attrs(arn), "{arn}");
    }
    assert_eq!(
        b.topic_attrs(&n.topic)
            .get("SubscriptionsPending")
            .map(String::as_str),
        Some("1")
    );
    for s in [&n.sqs_sub, &n.pending, &n.confirmed, &n.lambda, &n.fifo_sub] {
        assert_eq!(
            a.sub_attrs(s).expect("a"),
            b.sub_attrs(s).expect("b"),
            "{s}"
        );
    }
    assert_eq!(
        a.sns.subscription_token(&n.pending),
        b.sns.subscription_token(&n.pending)
    );
    // The pending subscription can still be confirmed with its token.
    b.confirm(&n.topic, &n.pending);
    assert_eq!(
        b.sub_attrs(&n.pending).expect("attrs")["PendingConfirmation"],
        "false"
    );
    // FIFO deduplication and sequence numbers carry on.
    let again = b.publish(&n.fifo, "two", Some("g"));
    let first = a.publish(&n.fifo, "two", Some("g"));
    assert_eq!(
        again.message_id, first.message_id,
        "deduplicated after restore"
    );
    let next_a = a.publish(&n.fifo, "three", Some("g"));
    let next_b = b.publish(&n.fifo, "three", Some("g"));
    assert_eq!(next_a.sequence_number, next_b.sequence_number);
    assert_eq!(
        b.sns
            .get_endpoint_attributes(Some(n.endpoint.clone()))
            .expect("endpoint")["CustomUserData"],
        "user data"
    );
    assert!(
        !b.sns
            .get_platform_application_attributes(Some(n.app.clone()))
            .expect("app")
            .contains_key("PlatformCredential")
    );
    assert_eq!(
        b.sns.get_sms_attributes(&b.ctx, vec![]).expect("sms")["DefaultSMSType"],
        "Transactional"
    );
    let (numbers, _) = b
        .sns
        .list_sms_sandbox_phone_numbers(&b.ctx, SandboxInput::default())
        .expect("sandbox");
    let statuses: Vec<_> = numbers
        .iter()
        .map(|n| (n.phone_number.as_str(), n.status))
        .collect();
    assert_eq!(
        statuses,
        [("+15550000001", "Pending"), ("+15550000002", "Verified")]
    );
}

/// A record broken in one way, and what `check` must say about it.
fn broken(exported: &ServiceState) -> Vec<(&'static str, ServiceState)> {
    let with = |f: &dyn Fn(&mut Vec<Record>)| {
        let mut s = exported.clone();
        f(&mut s.records);
        s
    };
    let first = |kind: &'static str| {
        exported
            .records
            .iter()
            .position(|r| r.kind == kind)
            .expect("a record of the kind")
    };
    let topic = first(state::TOPIC);
    let sub = first(state::SUBSCRIPTION);
    let endpoint = first(state::PLATFORM_ENDPOINT);
    vec![
        (
            "wrong type",
            with(&|r| r[topic].value["fifo"] = serde_json::json!("yes")),
        ),
        (
            "unknown field",
            with(&|r| r[sub].value["colour"] = serde_json::json!("red")),
        ),
        (
            "unknown kind",
            with(&|r| {
                r.push(Record {
                    kind: "sns.gadget".into(),
                    key: "k".into(),
                    value: serde_json::json!({}),
                })
            }),
        ),
        (
            "key not the ARN",
            with(&|r| r[topic].key = "arn:aws:sns:us-east-1:000000000000:other".into()),
        ),
        (
            "subscription of no topic",
            with(&|r| {
                r.retain(|x| x.kind != state::TOPIC || !x.key.ends_with(":t1"));
            }),
        ),
        (
            "endpoint of no application",
            with(&|r| {
                r[endpoint].value["application"] =
                    serde_json::json!("arn:aws:sns:us-east-1:000000000000:app/GCM/none")
            }),
        ),
        (
            "bad filter policy",
            with(&|r| {
                let i = r
                    .iter()
                    .position(|x| {
                        x.kind == state::SUBSCRIPTION
                            && x.value["attributes"].get("FilterPolicy").is_some()
                    })
                    .expect("filtered subscription");
                r[i].value["attributes"]["FilterPolicy"] = serde_json::json!("{not json");
            }),
        ),
        (
            "bad sequence",
            with(&|r| {
                let i = r
                    .iter()
                    .position(|x| x.kind == state::TOPIC_SEQUENCE)
                    .expect("sequence");
                r[i].value["last_sequence"] = serde_json::json!("12x");
            }),
        ),
        (
            "recorded twice",
            with(&|r| {
                let dup = r[topic].clone();
                r.push(dup);
            }),
        ),
    ]
}

#[test]
fn check_and_restore_refuse_bad_records_and_change_nothing() {
    let a = env();
    a.populate();
    let exported = a.sns.export();
    let b = env();
    b.create_topic("keep", &[], &[]);
    let before = b.sns.export();
    for (what, state) in broken(&exported) {
        let err = b.sns.check(&state).expect_err(what);
        eprintln!("{what}: {err}");
        assert!(b.sns.restore(state).is_err(), "restore accepted: {what}");
        assert_eq!(b.sns.export(), before, "changed by: {what}");
    }
    let blob = ServiceState {
        records: Vec::new(),
        blobs: BTreeMap::from([(
            "sns/x".to_string(),
            crate::store::Blob::Bytes(Arc::new(vec![1])),
        )]),
    };
    assert!(b.sns.check(&blob).is_err(), "sns keeps no blobs");
}

/// A data dir under the system temp dir, removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let p = std::env::temp_dir().join(format!("fogbank-sns-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn enqueued(j: &Journal) -> u64 {
    j.shared.enqueued.load(Ordering::Acquire)
}

#[test]
fn standard_publish_and_restore_journal_nothing() {
    let dir = TempDir::new();
    let (store, _loaded) = Store::open(&dir.0, Durability::Process).expect("open");
    let e = env();
    e.sns.attach_journal(store.journal.clone());
    e.create_queue("q1", &[]);
    let topic = e.create_topic("plain", &[], &[]);
    e.subscribe(&topic, "sqs", &queue_arn("q1"), &[]);
    let fifo = e.create_topic("f.fifo", &[("FifoTopic", "true")], &[]);
    let n = enqueued(&store.journal);
    for i in 0..5 {
        e.publish(&topic, &format!("m{i}"), None);
    }
    assert_eq!(
        enqueued(&store.journal),
        n,
        "standard publish journals nothing"
    );
    e.sns
        .publish(
            &e.ctx,
            PublishInput {
                topic_arn: Some(fifo.clone()),
                message: Some("x".into()),
                message_group_id: Some("g".into()),
                message_deduplication_id: Some("d1".into()),
                ..Default::default()
            },
        )
        .expect("fifo publish");
    assert_eq!(
        enqueued(&store.journal),
        n + 2,
        "a FIFO publish journals its dedup entry and the sequence"
    );
    let n = enqueued(&store.journal);
    let state = e.sns.export();
    e.sns.restore(state).expect("restore");
    assert_eq!(enqueued(&store.journal), n, "restore journals nothing");
    e.sns.reset();
    assert_eq!(enqueued(&store.journal), n + 1, "reset clears the service");
    store.journal.close();
}

#[tokio::test]
async fn state_survives_a_store_reopen() {
    let dir = TempDir::new();
    let names;
    let deleted_topic;
    let deleted_sub;
    {
        let (store, loaded) = Store::open(&dir.0, Durability::Process).expect("open");
        assert!(loaded_is_empty(loaded));
        let a = env();
        a.sns.attach_journal(store.journal.clone());
        names = a.populate();
        // The pending email subscription of `populate` is confirmed, and a second pending one
        // stays pending.
        a.confirm(&names.topic, &names.pending);
        a.subscribe(&names.topic, "email", "late@example.com", &[]);
        deleted_topic = a.create_topic("gone", &[], &[]);
        a.subscribe(&deleted_topic, "sqs", &queue_arn("q1"), &[]);
        a.sns
            .delete_topic(
                &a.ctx,
                TopicArnInput {
                    topic_arn: Some(deleted_topic.clone()),
                    ..Default::default()
                },
            )
            .expect("delete topic");
        deleted_sub = a.subscribe(&names.topic, "sqs", &queue_arn("dlq"), &[]);
        a.sns
            .unsubscribe(
                &a.ctx,
                SubscriptionArnInput {
                    subscription_arn: Some(deleted_sub.clone()),
                },
            )
            .expect("unsubscribe");
        a.sns
            .untag_resource(
                &a.ctx,
                UntagResourceInput {
                    resource_arn: Some(names.topic.clone()),
                    tag_keys: vec!["team".into()],
                },
            )
            .expect("untag");
        a.sns
            .delete_sms_sandbox_phone_number(
                &a.ctx,
                SandboxInput {
                    phone_number: Some("+15550000001".into()),
                    ..Default::default()
                },
            )
            .expect("delete sandbox number");
        let expected = a.sns.export();
        store.journal.wait_durable().await.expect("durable");
        store.journal.close();
        drop(store);

        let (store, mut loaded) = Store::open(&dir.0, Durability::Process).expect("reopen");
        let b = env();
        b.create_queue("q1", &[]);
        b.create_queue("dlq", &[]);
        b.create_queue("fq.fifo", &[("FifoQueue", "true")]);
        b.sns.restore(loaded.take("sns")).expect("restore");
        assert_eq!(
            b.sns.export(),
            expected,
            "the store holds what was exported"
        );
        check_restored(&b, &names, &deleted_topic, &deleted_sub).await;
        store.journal.close();
    }
}

fn loaded_is_empty(mut loaded: crate::store::Loaded) -> bool {
    loaded.take("sns").records.is_empty()
}

async fn check_restored(b: &Env, n: &Names, deleted_topic: &str, deleted_sub: &str) {
    let topics = b
        .sns
        .list_topics(&b.ctx, NextTokenInput::default())
        .expect("list topics")
        .topics;
    assert_eq!(topics, [n.fifo.clone(), n.topic.clone()]);
    assert!(!topics.iter().any(|t| t == deleted_topic));
    let attrs = b.topic_attrs(&n.topic);
    assert_eq!(attrs["DisplayName"], "Topic one");
    assert!(attrs["DeliveryPolicy"].contains("numRetries"));
    assert!(attrs["Policy"].contains("\"share\""), "{}", attrs["Policy"]);
    assert_eq!(attrs["SubscriptionsPending"], "1");
    assert_eq!(attrs["SubscriptionsConfirmed"], "4");
    let tags = b
        .sns
        .list_tags_for_resource(
            &b.ctx,
            ResourceArnInput {
                resource_arn: Some(n.topic.clone()),
            },
        )
        .expect("tags")
        .tags;
    let tags: Vec<_> = tags
        .iter()
        .map(|t| (t.key.as_str(), t.value.as_str()))
        .collect();
    assert_eq!(tags, [("env", "test")]);
    let dpp = b
        .sns
        .get_data_protection_policy(
            &b.ctx,
            DataProtectionPolicyInput {
                resource_arn: Some(n.topic.clone()),
                policy: None,
            },
        )
        .expect("data protection policy");
    assert!(dpp.is_some_and(|p| p.contains("2021-06-01")));
    let fifo_attrs = b.topic_attrs(&n.fifo);
    assert_eq!(fifo_attrs["FifoTopic"], "true");
    assert_eq!(fifo_attrs["ContentBasedDeduplication"], "true");

    let subs = b
        .sns
        .list_subscriptions(&b.ctx, NextTokenInput::default())
        .expect("list subscriptions")
        .subscriptions;
    assert_eq!(subs.len(), 6, "{subs:?}");
    assert!(!subs.iter().any(|s| s.subscription_arn == deleted_sub));
    assert!(!subs.iter().any(|s| s.topic_arn == deleted_topic));
    let pending: Vec<_> = subs
        .iter()
        .filter(|s| s.subscription_arn == "PendingConfirmation")
        .map(|s| s.endpoint.as_str())
        .collect();
    assert_eq!(pending, ["late@example.com"]);
    let sqs = b.sub_attrs(&n.sqs_sub).expect("sqs subscription");
    assert_eq!(sqs["RawMessageDelivery"], "true");
    assert_eq!(sqs["FilterPolicy"], r#"{"color":["red"]}"#);
    assert_eq!(sqs["FilterPolicyScope"], "MessageAttributes");
    assert!(sqs["RedrivePolicy"].contains(":dlq"));
    let email = b.sub_attrs(&n.pending).expect("confirmed email");
    assert_eq!(email["PendingConfirmation"], "false");
    assert!(b.sub_attrs(deleted_sub).is_err());

    assert!(
        b.sns
            .get_endpoint_attributes(Some(n.endpoint.clone()))
            .is_ok()
    );
    let (apps, _) = b.sns.list_platform_applications(&b.ctx, None);
    assert_eq!(apps.len(), 1);
    assert_eq!(
        b.sns.get_sms_attributes(&b.ctx, vec![]).expect("sms")["DefaultSMSType"],
        "Transactional"
    );
    let (numbers, _) = b
        .sns
        .list_sms_sandbox_phone_numbers(&b.ctx, SandboxInput::default())
        .expect("sandbox");
    assert_eq!(numbers.len(), 1);
    assert_eq!(
        (numbers[0].phone_number.as_str(), numbers[0].status),
        ("+15550000002", "Verified")
    );

    // Publish through the restored filter to the restored SQS subscription (raw delivery).
    let mut red = MessageAttributes::new();
    red.insert(
        "color".into(),
        MessageAttributeValue {
            data_type: "String".into(),
            string_value: Some("red".into()),
            ..Default::default()
        },
    );
    for (body, attrs) in [("blue one", MessageAttributes::new()), ("red one", red)] {
        b.sns
            .publish(
                &b.ctx,
                PublishInput {
                    topic_arn: Some(n.topic.clone()),
                    message: Some(body.into()),
                    message_attributes: attrs,
                    ..Default::default()
                },
            )
            .expect("publish");
    }
    let url = b
        .sqs
        .get_queue_url(
            &b.ctx,
            crate::sqs::model::GetQueueUrlInput {
                queue_name: Some("q1".into()),
                ..Default::default()
            },
        )
        .expect("queue url")
        .queue_url;
    let got = b
        .sqs
        .receive_message(
            &b.ctx,
            ReceiveMessageInput {
                queue_url: Some(url),
                max_number_of_messages: Some(10),
                ..Default::default()
            },
        )
        .await
        .expect("receive")
        .messages;
    let bodies: Vec<_> = got.iter().map(|m| m.body.to_string()).collect();
    assert_eq!(bodies, ["red one"]);
}
