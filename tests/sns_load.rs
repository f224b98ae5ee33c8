//! A topic with many subscriptions under concurrent Publish and PublishBatch load: every
//! subscription gets every message exactly once (raw and enveloped SQS, HTTP), and a filtered
//! subscription exactly the messages its policy admits.

mod common;

use std::collections::{BTreeSet, HashMap};

use aws_sdk_sns::types::PublishBatchRequestEntry;

const RAW_QUEUES: usize = 20;
const ENVELOPE_QUEUES: usize = 5;
const HTTP_ENDPOINTS: usize = 3;
const PUBLISHERS: usize = 8;
/// Per publisher: single publishes, then batches of 10.
const SINGLES: usize = 15;
const BATCHES: usize = 2;
const TOTAL: usize = PUBLISHERS * (SINGLES + BATCHES * 10);

/// Receive and delete until `expected` messages came from `url` (or 20 s passed); the bodies.
async fn drain(sqs: &aws_sdk_sqs::Client, url: &str, expected: usize) -> Vec<String> {
    let mut bodies = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while bodies.len() < expected && tokio::time::Instant::now() < deadline {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("receive");
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            continue;
        }
        let mut batch = sqs.delete_message_batch().queue_url(url);
        for (i, m) in messages.iter().enumerate() {
            batch = batch.entries(
                aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                    .id(format!("m{i}"))
                    .receipt_handle(m.receipt_handle().expect("handle"))
                    .build()
                    .expect("entry"),
            );
        }
        let deleted = batch.send().await.expect("delete batch");
        assert!(deleted.failed.is_empty(), "{:?}", deleted.failed);
        bodies.extend(messages.into_iter().filter_map(|m| m.body));
    }
    bodies
}

async fn set_attribute(sns: &aws_sdk_sns::Client, sub: &str, name: &str, value: &str) {
    sns.set_subscription_attributes()
        .subscription_arn(sub)
        .attribute_name(name)
        .attribute_value(value)
        .send()
        .await
        .expect("set subscription attribute");
}

/// Each body exactly once, and exactly the `expected` ones.
fn assert_exactly_once(what: &str, bodies: &[String], expected: &BTreeSet<String>) {
    let unique: BTreeSet<String> = bodies.iter().cloned().collect();
    assert_eq!(unique.len(), bodies.len(), "{what}: a message came twice");
    assert_eq!(&unique, expected, "{what}: messages lost or unexpected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_subscription_gets_every_message_exactly_once_under_concurrent_publishes() {
    let server = common::start().await;
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let topic = common::create_topic(&sns, "load").await;

    let mut raw = Vec::new();
    let mut enveloped = Vec::new();
    for i in 0..RAW_QUEUES + ENVELOPE_QUEUES + 1 {
        let name = format!("load-{i}");
        let url = common::create_queue_with(&sqs, &name, &[]).await;
        let arn = format!("arn:aws:sqs:us-east-1:000000000000:{name}");
        let sub = common::subscribe(&sns, &topic, "sqs", &arn).await;
        if i < RAW_QUEUES {
            set_attribute(&sns, &sub, "RawMessageDelivery", "true").await;
            raw.push(url);
        } else if i < RAW_QUEUES + ENVELOPE_QUEUES {
            enveloped.push(url);
        } else {
            // The last queue only wants even-numbered messages.
            set_attribute(&sns, &sub, "FilterPolicy", r#"{"parity": ["even"]}"#).await;
            set_attribute(&sns, &sub, "RawMessageDelivery", "true").await;
            raw.push(url);
        }
    }
    let filtered = raw.pop().expect("filtered queue");

    let mut hooks = Vec::new();
    for _ in 0..HTTP_ENDPOINTS {
        let (endpoint, mut rx) = common::http_endpoint(0).await;
        common::subscribe(&sns, &topic, "http", &endpoint).await;
        let confirmation: serde_json::Value =
            serde_json::from_str(&common::next_request(&mut rx).await.body).expect("json");
        let url = confirmation["SubscribeURL"]
            .as_str()
            .expect("subscribe url");
        assert_eq!(reqwest::get(url).await.expect("confirm").status(), 200);
        hooks.push(rx);
    }

    let mut tasks = Vec::new();
    for p in 0..PUBLISHERS {
        let (sns, topic) = (sns.clone(), topic.clone());
        tasks.push(tokio::spawn(async move {
            let parity = |n: usize| if n.is_multiple_of(2) { "even" } else { "odd" };
            let attr = |n: usize| {
                aws_sdk_sns::types::MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value(parity(n))
                    .build()
                    .expect("attribute")
            };
            let mut n = 0;
            for _ in 0..SINGLES {
                sns.publish()
                    .topic_arn(&topic)
                    .message(format!("p{p}-m{n}"))
                    .message_attributes("parity", attr(n))
                    .send()
                    .await
                    .expect("publish");
                n += 1;
            }
            for _ in 0..BATCHES {
                let mut batch = sns.publish_batch().topic_arn(&topic);
                for i in 0..10 {
                    batch = batch.publish_batch_request_entries(
                        PublishBatchRequestEntry::builder()
                            .id(format!("e{i}"))
                            .message(format!("p{p}-m{n}"))
                            .message_attributes("parity", attr(n))
                            .build()
                            .expect("entry"),
                    );
                    n += 1;
                }
                let out = batch.send().await.expect("publish batch");
                assert_eq!(out.successful().len(), 10, "{:?}", out.failed());
            }
        }));
    }
    for t in tasks {
        t.await.expect("publisher");
    }

    let all: BTreeSet<String> = (0..PUBLISHERS)
        .flat_map(|p| (0..SINGLES + BATCHES * 10).map(move |n| format!("p{p}-m{n}")))
        .collect();
    assert_eq!(all.len(), TOTAL);
    let even: BTreeSet<String> = all
        .iter()
        .filter(|b| {
            b.rsplit_once("-m")
                .and_then(|(_, n)| n.parse::<usize>().ok())
                .is_some_and(|n| n.is_multiple_of(2))
        })
        .cloned()
        .collect();

    for (i, url) in raw.iter().enumerate() {
        assert_exactly_once(
            &format!("raw queue {i}"),
            &drain(&sqs, url, TOTAL).await,
            &all,
        );
    }
    for (i, url) in enveloped.iter().enumerate() {
        let messages: Vec<String> = drain(&sqs, url, TOTAL)
            .await
            .iter()
            .map(|b| {
                let env: serde_json::Value = serde_json::from_str(b).expect("envelope");
                env["Message"].as_str().expect("message").to_string()
            })
            .collect();
        assert_exactly_once(&format!("enveloped queue {i}"), &messages, &all);
    }
    assert_exactly_once(
        "filtered queue",
        &drain(&sqs, &filtered, even.len()).await,
        &even,
    );
    for (i, rx) in hooks.iter_mut().enumerate() {
        let mut messages = Vec::new();
        let mut ids = HashMap::new();
        while messages.len() < TOTAL {
            let note: serde_json::Value =
                serde_json::from_str(&common::next_request(rx).await.body).expect("json");
            assert_eq!(note["Type"], "Notification");
            let message = note["Message"].as_str().expect("message").to_string();
            ids.insert(note["MessageId"].to_string(), message.clone());
            messages.push(message);
        }
        assert_exactly_once(&format!("http endpoint {i}"), &messages, &all);
        assert_eq!(ids.len(), TOTAL, "http endpoint {i}: message ids repeat");
    }
    // Nothing left behind anywhere.
    for url in raw.iter().chain(&enveloped).chain([&filtered]) {
        let attrs = common::all_attributes(&sqs, url).await;
        assert_eq!(attrs["ApproximateNumberOfMessages"], "0", "{url}");
        assert_eq!(attrs["ApproximateNumberOfMessagesNotVisible"], "0", "{url}");
    }
}
