//! SQS over the AWS JSON 1.0 protocol, through the official Rust SDK (`aws-sdk-sqs`).
//!
//! Queue lifecycle, attributes, messages, batches, visibility, delays, retention, purge,
//! tags, permissions and account/region isolation, asserted against AWS's documented
//! behaviour: typed SDK error variants plus the legacy error code from
//! `x-amzn-query-error` (e.g. `AWS.SimpleQueueService.NonExistentQueue`).
//! FIFO queues live in `sqs_json_fifo.rs`, dead-letter queues and move tasks in
//! `sqs_json_dlq.rs`.

#[macro_use]
mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::primitives::Blob;
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, Message,
    MessageAttributeValue, MessageSystemAttributeName, MessageSystemAttributeNameForSends,
    MessageSystemAttributeValue, QueueAttributeName, SendMessageBatchRequestEntry,
};
use fogbank::clock::{Clock, ManualClock};

const ACCOUNT: &str = "000000000000";
const MIB: usize = 1_048_576;

// ---------------------------------------------------------------------------------------
// helpers

async fn create_queue(c: &Client, name: &str) -> String {
    c.create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("create_queue")
        .queue_url()
        .expect("queue url")
        .to_string()
}

use common::{all_attributes, create_queue_with, system_attribute as sys};

async fn attribute(c: &Client, url: &str, name: QueueAttributeName) -> Option<String> {
    let out = c
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(name.clone())
        .send()
        .await
        .expect("get_queue_attributes");
    out.attributes().and_then(|m| m.get(&name).cloned())
}

/// (ApproximateNumberOfMessages, ...NotVisible, ...Delayed)
async fn counts(c: &Client, url: &str) -> (u64, u64, u64) {
    let a = all_attributes(c, url).await;
    let n = |k: &str| -> u64 {
        a.get(k)
            .unwrap_or_else(|| panic!("{k} missing from {a:?}"))
            .parse()
            .unwrap_or_else(|_| panic!("{k} not a number in {a:?}"))
    };
    (
        n("ApproximateNumberOfMessages"),
        n("ApproximateNumberOfMessagesNotVisible"),
        n("ApproximateNumberOfMessagesDelayed"),
    )
}

async fn send(c: &Client, url: &str, body: &str) -> String {
    c.send_message()
        .queue_url(url)
        .message_body(body)
        .send()
        .await
        .expect("send_message")
        .message_id()
        .expect("message id")
        .to_string()
}

/// A short-poll receive of up to `max` messages.
async fn receive(c: &Client, url: &str, max: i32) -> Vec<Message> {
    c.receive_message()
        .queue_url(url)
        .max_number_of_messages(max)
        .wait_time_seconds(0)
        .send()
        .await
        .expect("receive_message")
        .messages()
        .to_vec()
}

/// Receives until `n` messages were seen (each at most once), with a bounded number of calls.
async fn receive_n(c: &Client, url: &str, n: usize) -> Vec<Message> {
    let mut seen: Vec<Message> = Vec::new();
    for _ in 0..(n * 4 + 4) {
        if seen.len() >= n {
            break;
        }
        for m in receive(c, url, 10).await {
            assert!(
                !seen.iter().any(|s| s.message_id() == m.message_id()),
                "a message came back twice while in flight: {m:?}"
            );
            seen.push(m);
        }
    }
    assert_eq!(seen.len(), n, "received {} of {n} messages", seen.len());
    seen
}

fn string_attr(v: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(v)
        .build()
        .expect("attribute")
}

fn typed_attr(data_type: &str, v: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type(data_type)
        .string_value(v)
        .build()
        .expect("attribute")
}

fn binary_attr(v: &[u8]) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type("Binary")
        .binary_value(Blob::new(v.to_vec()))
        .build()
        .expect("attribute")
}

fn md5_hex(data: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn push_len_prefixed(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    buf.extend_from_slice(bytes);
}

/// AWS's MD5OfMessageAttributes algorithm (wire.md 1.7).
fn md5_of_attributes(attrs: &HashMap<String, MessageAttributeValue>) -> String {
    let mut names: Vec<&String> = attrs.keys().collect();
    names.sort();
    let mut buf = Vec::new();
    for name in names {
        let v = &attrs[name];
        push_len_prefixed(&mut buf, name.as_bytes());
        push_len_prefixed(&mut buf, v.data_type().as_bytes());
        if v.data_type().starts_with("Binary") {
            buf.push(2);
            push_len_prefixed(&mut buf, v.binary_value().expect("binary").as_ref());
        } else {
            buf.push(1);
            push_len_prefixed(&mut buf, v.string_value().expect("string").as_bytes());
        }
    }
    md5_hex(&buf)
}

fn arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:sqs:{region}:{account}:{name}")
}

/// Drives a long poll that is running under the manual clock to its end by moving the clock
/// forward in steps until the task finishes (bounded).
async fn advance_until_finished<T>(clock: &ManualClock, task: tokio::task::JoinHandle<T>) -> T {
    for _ in 0..400 {
        if task.is_finished() {
            break;
        }
        clock.advance(Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("long poll ended once the manual clock passed its wait time")
        .expect("task")
}

// ---------------------------------------------------------------------------------------
// CreateQueue

#[tokio::test]
async fn create_queue_returns_path_style_url_with_account_and_name() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "orders").await;
    assert_eq!(url, format!("{}/{ACCOUNT}/orders", server.endpoint()));
}

#[tokio::test]
async fn create_queue_defaults_seen_through_get_queue_attributes_all() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let created_secs = (clock.now_millis() / 1000).to_string();
    let url = create_queue(&c, "defaults").await;
    let a = all_attributes(&c, &url).await;

    let expected: HashMap<&str, String> = [
        ("QueueArn", arn("us-east-1", ACCOUNT, "defaults")),
        ("ApproximateNumberOfMessages", "0".into()),
        ("ApproximateNumberOfMessagesNotVisible", "0".into()),
        ("ApproximateNumberOfMessagesDelayed", "0".into()),
        ("CreatedTimestamp", created_secs.clone()),
        ("LastModifiedTimestamp", created_secs),
        ("VisibilityTimeout", "30".into()),
        ("MaximumMessageSize", "1048576".into()),
        ("MessageRetentionPeriod", "345600".into()),
        ("DelaySeconds", "0".into()),
        ("ReceiveMessageWaitTimeSeconds", "0".into()),
        ("SqsManagedSseEnabled", "true".into()),
    ]
    .into_iter()
    .collect();
    for (k, v) in &expected {
        assert_eq!(a.get(*k), Some(v), "attribute {k}; all = {a:?}");
    }
    // A standard queue reports no FIFO, policy or redrive attributes.
    let extra: Vec<&String> = a
        .keys()
        .filter(|k| !expected.contains_key(k.as_str()))
        .collect();
    assert!(extra.is_empty(), "unexpected attributes {extra:?} in {a:?}");
}

#[tokio::test]
async fn create_queue_with_attributes_and_tags() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = c
        .create_queue()
        .queue_name("configured")
        .attributes(QueueAttributeName::VisibilityTimeout, "45")
        .attributes(QueueAttributeName::DelaySeconds, "5")
        .attributes(QueueAttributeName::MaximumMessageSize, "2048")
        .attributes(QueueAttributeName::MessageRetentionPeriod, "120")
        .attributes(QueueAttributeName::ReceiveMessageWaitTimeSeconds, "3")
        .tags("team", "payments")
        .tags("env", "test")
        .send()
        .await
        .expect("create")
        .queue_url()
        .unwrap()
        .to_string();
    let a = all_attributes(&c, &url).await;
    assert_eq!(a["VisibilityTimeout"], "45");
    assert_eq!(a["DelaySeconds"], "5");
    assert_eq!(a["MaximumMessageSize"], "2048");
    assert_eq!(a["MessageRetentionPeriod"], "120");
    assert_eq!(a["ReceiveMessageWaitTimeSeconds"], "3");

    let tags = c.list_queue_tags().queue_url(&url).send().await.unwrap();
    let tags = tags.tags().cloned().unwrap_or_default();
    assert_eq!(tags.len(), 2, "{tags:?}");
    assert_eq!(tags["team"], "payments");
    assert_eq!(tags["env"], "test");
}

#[tokio::test]
async fn create_queue_is_idempotent_for_same_name_and_attributes() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let a = create_queue(&c, "same").await;
    let b = create_queue(&c, "same").await;
    assert_eq!(a, b);

    let attrs = [
        (QueueAttributeName::VisibilityTimeout, "60"),
        (QueueAttributeName::DelaySeconds, "2"),
    ];
    let x = create_queue_with(&c, "same-attrs", &attrs).await;
    let y = create_queue_with(&c, "same-attrs", &attrs).await;
    assert_eq!(x, y);

    let list = c.list_queues().send().await.unwrap();
    assert_eq!(list.queue_urls().len(), 2, "{:?}", list.queue_urls());
}

#[tokio::test]
async fn create_queue_with_different_attributes_is_queue_name_exists() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    create_queue_with(
        &c,
        "taken",
        &[(QueueAttributeName::VisibilityTimeout, "60")],
    )
    .await;
    let status = expect_service_error!(
        c.create_queue()
            .queue_name("taken")
            .attributes(QueueAttributeName::VisibilityTimeout, "61")
            .send()
            .await,
        is_queue_name_exists,
        "QueueAlreadyExists"
    );
    assert_eq!(status, Some(400));
    // The existing queue is unchanged.
    let url = c
        .get_queue_url()
        .queue_name("taken")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_string();
    assert_eq!(
        attribute(&c, &url, QueueAttributeName::VisibilityTimeout).await,
        Some("60".into())
    );
}

#[tokio::test]
async fn create_queue_rejects_invalid_names() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let too_long = "a".repeat(81);
    for name in [
        "has space",
        "dot.name",
        "slash/name",
        "colon:name",
        "star*",
        "ünïcode",
        too_long.as_str(),
        "",
    ] {
        let status = expect_error_code!(
            c.create_queue().queue_name(name).send().await,
            "InvalidParameterValue"
        );
        assert_eq!(status, Some(400), "name {name:?}");
    }
    // 80 characters of every allowed class is fine, and names are case-sensitive.
    let max = format!("{}-_{}", "A".repeat(39), "z9".repeat(19) + "x");
    assert_eq!(max.len(), 80);
    create_queue(&c, &max).await;
    let lower = create_queue(&c, "casequeue").await;
    let upper = create_queue(&c, "CaseQueue").await;
    assert_ne!(lower, upper);
}

#[tokio::test]
async fn create_queue_rejects_invalid_attribute_values() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let cases: Vec<(QueueAttributeName, &str)> = vec![
        (QueueAttributeName::VisibilityTimeout, "43201"),
        (QueueAttributeName::VisibilityTimeout, "-1"),
        (QueueAttributeName::VisibilityTimeout, "abc"),
        (QueueAttributeName::DelaySeconds, "901"),
        (QueueAttributeName::MessageRetentionPeriod, "59"),
        (QueueAttributeName::MessageRetentionPeriod, "1209601"),
        (QueueAttributeName::MaximumMessageSize, "1023"),
        (QueueAttributeName::MaximumMessageSize, "1048577"),
        (QueueAttributeName::ReceiveMessageWaitTimeSeconds, "21"),
    ];
    for (i, (k, v)) in cases.into_iter().enumerate() {
        let status = expect_service_error!(
            c.create_queue()
                .queue_name(format!("bad-attr-{i}"))
                .attributes(k.clone(), v)
                .send()
                .await,
            is_invalid_attribute_value,
            "InvalidAttributeValue"
        );
        assert_eq!(status, Some(400), "{k:?}={v}");
    }
    // Nothing was created by the failed calls.
    let list = c.list_queues().send().await.unwrap();
    assert!(list.queue_urls().is_empty(), "{:?}", list.queue_urls());
    // The limits themselves are accepted.
    create_queue_with(
        &c,
        "limits",
        &[
            (QueueAttributeName::VisibilityTimeout, "43200"),
            (QueueAttributeName::DelaySeconds, "900"),
            (QueueAttributeName::MessageRetentionPeriod, "1209600"),
            (QueueAttributeName::MaximumMessageSize, "1024"),
            (QueueAttributeName::ReceiveMessageWaitTimeSeconds, "20"),
        ],
    )
    .await;
}

#[tokio::test]
async fn create_queue_rejects_unknown_attribute_names() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let status = expect_service_error!(
        c.create_queue()
            .queue_name("unknown-attr")
            .attributes(QueueAttributeName::from("NotAnAttribute"), "1")
            .send()
            .await,
        is_invalid_attribute_name,
        "InvalidAttributeName"
    );
    assert_eq!(status, Some(400));
}

// ---------------------------------------------------------------------------------------
// GetQueueUrl, ListQueues, DeleteQueue

#[tokio::test]
async fn get_queue_url_finds_queue_and_reports_missing_ones() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "findme").await;
    let got = c.get_queue_url().queue_name("findme").send().await.unwrap();
    assert_eq!(got.queue_url(), Some(url.as_str()));

    // The owner's account id may be given explicitly.
    let got = c
        .get_queue_url()
        .queue_name("findme")
        .queue_owner_aws_account_id(ACCOUNT)
        .send()
        .await
        .unwrap();
    assert_eq!(got.queue_url(), Some(url.as_str()));

    let status = expect_service_error!(
        c.get_queue_url().queue_name("missing").send().await,
        is_queue_does_not_exist,
        "AWS.SimpleQueueService.NonExistentQueue"
    );
    assert_eq!(status, Some(400));
    // Names are case-sensitive.
    expect_service_error!(
        c.get_queue_url().queue_name("FindMe").send().await,
        is_queue_does_not_exist,
        "AWS.SimpleQueueService.NonExistentQueue"
    );
    // A queue of that name in another (owner) account does not exist.
    expect_service_error!(
        c.get_queue_url()
            .queue_name("findme")
            .queue_owner_aws_account_id("999999999999")
            .send()
            .await,
        is_queue_does_not_exist,
        "AWS.SimpleQueueService.NonExistentQueue"
    );
}

#[tokio::test]
async fn list_queues_with_prefix_and_paging() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let mut expected = HashSet::new();
    for i in 0..5 {
        expected.insert(create_queue(&c, &format!("jobs-{i}")).await);
    }
    let other = create_queue(&c, "other").await;
    create_queue(&c, "Jobs-upper").await;

    let all = c.list_queues().send().await.unwrap();
    assert_eq!(all.queue_urls().len(), 7);
    assert!(all.queue_urls().contains(&other));
    assert_eq!(all.next_token(), None, "no NextToken without MaxResults");

    let prefixed = c
        .list_queues()
        .queue_name_prefix("jobs-")
        .send()
        .await
        .unwrap();
    let got: HashSet<String> = prefixed.queue_urls().iter().cloned().collect();
    assert_eq!(got, expected, "prefix filtering is case-sensitive");

    let none = c
        .list_queues()
        .queue_name_prefix("nope")
        .send()
        .await
        .unwrap();
    assert!(none.queue_urls().is_empty());

    // Paging with MaxResults 2 over the 5 prefixed queues.
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let out = c
            .list_queues()
            .queue_name_prefix("jobs-")
            .max_results(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        assert!(out.queue_urls().len() <= 2, "{:?}", out.queue_urls());
        pages.push(out.queue_urls().to_vec());
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert!(token.is_none(), "paging ended");
    let flat: Vec<String> = pages.iter().flatten().cloned().collect();
    let unique: HashSet<String> = flat.iter().cloned().collect();
    assert_eq!(flat.len(), 5, "every queue exactly once: {pages:?}");
    assert_eq!(unique, expected);
    assert_eq!(pages[0].len(), 2);
    assert_eq!(pages[1].len(), 2);
}

#[tokio::test]
async fn delete_queue_then_the_queue_does_not_exist() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "doomed").await;
    send(&c, &url, "bye").await;
    c.delete_queue()
        .queue_url(&url)
        .send()
        .await
        .expect("delete");

    expect_service_error!(
        c.get_queue_url().queue_name("doomed").send().await,
        is_queue_does_not_exist,
        "AWS.SimpleQueueService.NonExistentQueue"
    );
    expect_service_error!(
        c.get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::All)
            .send()
            .await,
        is_queue_does_not_exist,
        "AWS.SimpleQueueService.NonExistentQueue"
    );
    expect_service_error!(
        c.delete_queue().queue_url(&url).send().await,
        is_queue_does_not_exist,
        "AWS.SimpleQueueService.NonExistentQueue"
    );
    let list = c.list_queues().send().await.unwrap();
    assert!(list.queue_urls().is_empty(), "{:?}", list.queue_urls());
}

#[tokio::test]
async fn recreating_a_deleted_queue_within_60_seconds_is_queue_deleted_recently() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "phoenix").await;
    send(&c, &url, "old message").await;
    c.delete_queue().queue_url(&url).send().await.unwrap();

    let status = expect_service_error!(
        c.create_queue().queue_name("phoenix").send().await,
        is_queue_deleted_recently,
        "AWS.SimpleQueueService.QueueDeletedRecently"
    );
    assert_eq!(status, Some(400));

    clock.advance(Duration::from_secs(30));
    expect_service_error!(
        c.create_queue().queue_name("phoenix").send().await,
        is_queue_deleted_recently,
        "AWS.SimpleQueueService.QueueDeletedRecently"
    );

    clock.advance(Duration::from_secs(31));
    let again = create_queue(&c, "phoenix").await;
    assert_eq!(again, url);
    assert!(
        receive(&c, &again, 10).await.is_empty(),
        "old messages are gone"
    );
    assert_eq!(counts(&c, &again).await, (0, 0, 0));
}

#[tokio::test]
async fn operations_on_a_missing_queue_are_queue_does_not_exist() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = format!("{}/{ACCOUNT}/ghost", server.endpoint());
    const CODE: &str = "AWS.SimpleQueueService.NonExistentQueue";
    expect_service_error!(
        c.send_message()
            .queue_url(&url)
            .message_body("x")
            .send()
            .await,
        is_queue_does_not_exist,
        CODE
    );
    expect_service_error!(
        c.send_message_batch()
            .queue_url(&url)
            .entries(
                SendMessageBatchRequestEntry::builder()
                    .id("a")
                    .message_body("x")
                    .build()
                    .unwrap()
            )
            .send()
            .await,
        is_queue_does_not_exist,
        CODE
    );
    expect_service_error!(
        c.receive_message().queue_url(&url).send().await,
        is_queue_does_not_exist,
        CODE
    );
    expect_service_error!(
        c.set_queue_attributes()
            .queue_url(&url)
            .attributes(QueueAttributeName::VisibilityTimeout, "10")
            .send()
            .await,
        is_queue_does_not_exist,
        CODE
    );
    expect_service_error!(
        c.purge_queue().queue_url(&url).send().await,
        is_queue_does_not_exist,
        CODE
    );
    expect_service_error!(
        c.tag_queue().queue_url(&url).tags("k", "v").send().await,
        is_queue_does_not_exist,
        CODE
    );
    expect_service_error!(
        c.untag_queue().queue_url(&url).tag_keys("k").send().await,
        is_queue_does_not_exist,
        CODE
    );
    expect_service_error!(
        c.list_queue_tags().queue_url(&url).send().await,
        is_queue_does_not_exist,
        CODE
    );
    expect_service_error!(
        c.add_permission()
            .queue_url(&url)
            .label("l")
            .aws_account_ids("111122223333")
            .actions("SendMessage")
            .send()
            .await,
        is_queue_does_not_exist,
        CODE
    );
    expect_service_error!(
        c.remove_permission()
            .queue_url(&url)
            .label("l")
            .send()
            .await,
        is_queue_does_not_exist,
        CODE
    );
    expect_service_error!(
        c.list_dead_letter_source_queues()
            .queue_url(&url)
            .send()
            .await,
        is_queue_does_not_exist,
        CODE
    );
    expect_service_error!(
        c.delete_message_batch()
            .queue_url(&url)
            .entries(
                DeleteMessageBatchRequestEntry::builder()
                    .id("a")
                    .receipt_handle("rh")
                    .build()
                    .unwrap()
            )
            .send()
            .await,
        is_queue_does_not_exist,
        CODE
    );
    expect_service_error!(
        c.change_message_visibility_batch()
            .queue_url(&url)
            .entries(
                ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id("a")
                    .receipt_handle("rh")
                    .visibility_timeout(5)
                    .build()
                    .unwrap()
            )
            .send()
            .await,
        is_queue_does_not_exist,
        CODE
    );
}

// ---------------------------------------------------------------------------------------
// GetQueueAttributes / SetQueueAttributes

#[tokio::test]
async fn get_queue_attributes_returns_only_what_was_asked() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "picky").await;

    let out = c
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::VisibilityTimeout)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap();
    let a = out.attributes().cloned().unwrap_or_default();
    assert_eq!(a.len(), 2, "{a:?}");
    assert_eq!(a[&QueueAttributeName::VisibilityTimeout], "30");
    assert_eq!(
        a[&QueueAttributeName::QueueArn],
        arn("us-east-1", ACCOUNT, "picky")
    );

    // Without AttributeNames the result is empty.
    let out = c
        .get_queue_attributes()
        .queue_url(&url)
        .send()
        .await
        .unwrap();
    assert!(
        out.attributes().map(|m| m.is_empty()).unwrap_or(true),
        "{:?}",
        out.attributes()
    );

    let status = expect_service_error!(
        c.get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::from("Bogus"))
            .send()
            .await,
        is_invalid_attribute_name,
        "InvalidAttributeName"
    );
    assert_eq!(status, Some(400));
}

#[tokio::test]
async fn set_queue_attributes_updates_values_and_last_modified() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "mutable").await;
    let created = all_attributes(&c, &url).await["CreatedTimestamp"].clone();

    clock.advance(Duration::from_secs(100));
    c.set_queue_attributes()
        .queue_url(&url)
        .attributes(QueueAttributeName::VisibilityTimeout, "90")
        .attributes(QueueAttributeName::DelaySeconds, "7")
        .attributes(QueueAttributeName::MessageRetentionPeriod, "600")
        .attributes(QueueAttributeName::MaximumMessageSize, "4096")
        .attributes(QueueAttributeName::ReceiveMessageWaitTimeSeconds, "1")
        .send()
        .await
        .expect("set_queue_attributes");
    let a = all_attributes(&c, &url).await;
    assert_eq!(a["VisibilityTimeout"], "90");
    assert_eq!(a["DelaySeconds"], "7");
    assert_eq!(a["MessageRetentionPeriod"], "600");
    assert_eq!(a["MaximumMessageSize"], "4096");
    assert_eq!(a["ReceiveMessageWaitTimeSeconds"], "1");
    assert_eq!(a["CreatedTimestamp"], created);
    assert_eq!(
        a["LastModifiedTimestamp"],
        (clock.now_millis() / 1000).to_string()
    );

    let status = expect_service_error!(
        c.set_queue_attributes()
            .queue_url(&url)
            .attributes(QueueAttributeName::VisibilityTimeout, "43201")
            .send()
            .await,
        is_invalid_attribute_value,
        "InvalidAttributeValue"
    );
    assert_eq!(status, Some(400));
    expect_service_error!(
        c.set_queue_attributes()
            .queue_url(&url)
            .attributes(QueueAttributeName::DelaySeconds, "soon")
            .send()
            .await,
        is_invalid_attribute_value,
        "InvalidAttributeValue"
    );
    expect_service_error!(
        c.set_queue_attributes()
            .queue_url(&url)
            .attributes(QueueAttributeName::from("Colour"), "blue")
            .send()
            .await,
        is_invalid_attribute_name,
        "InvalidAttributeName"
    );
    // Failed calls changed nothing.
    assert_eq!(all_attributes(&c, &url).await["VisibilityTimeout"], "90");
    assert_eq!(all_attributes(&c, &url).await["DelaySeconds"], "7");
}

#[tokio::test]
async fn approximate_counts_track_visible_in_flight_and_delayed_messages() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "counted").await;
    for i in 0..3 {
        send(&c, &url, &format!("m{i}")).await;
    }
    c.send_message()
        .queue_url(&url)
        .message_body("later")
        .delay_seconds(600)
        .send()
        .await
        .unwrap();
    assert_eq!(counts(&c, &url).await, (3, 0, 1));
    let got = receive(&c, &url, 2).await;
    assert!(!got.is_empty());
    assert_eq!(
        counts(&c, &url).await,
        (3 - got.len() as u64, got.len() as u64, 1)
    );
    for m in &got {
        c.delete_message()
            .queue_url(&url)
            .receipt_handle(m.receipt_handle().unwrap())
            .send()
            .await
            .unwrap();
    }
    assert_eq!(counts(&c, &url).await, (3 - got.len() as u64, 0, 1));
}

// ---------------------------------------------------------------------------------------
// SendMessage

#[tokio::test]
async fn send_message_returns_md5_of_body_and_receive_returns_the_body() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "md5").await;
    let out = c
        .send_message()
        .queue_url(&url)
        .message_body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.md5_of_message_body(),
        Some("5d41402abc4b2a76b9719d911017c592")
    );
    assert_eq!(
        out.md5_of_message_attributes(),
        None,
        "no attributes, no MD5"
    );
    assert_eq!(out.md5_of_message_system_attributes(), None);
    assert_eq!(
        out.sequence_number(),
        None,
        "standard queues have no sequence numbers"
    );
    let id = out.message_id().expect("message id").to_string();
    assert!(!id.is_empty());

    // Bodies with CR, tabs, XML-special and non-BMP characters round-trip byte for byte.
    let tricky =
        "line1\r\nline2\ttab <xml attr=\"q\"> & 'apos' \u{E000}\u{FFFD}\u{10000}\u{10FFFF} é";
    let out2 = c
        .send_message()
        .queue_url(&url)
        .message_body(tricky)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out2.md5_of_message_body(),
        Some(md5_hex(tricky.as_bytes()).as_str())
    );

    let got = receive_n(&c, &url, 2).await;
    let hello = got
        .iter()
        .find(|m| m.message_id() == Some(id.as_str()))
        .expect("hello received");
    assert_eq!(hello.body(), Some("hello"));
    assert_eq!(
        hello.md5_of_body(),
        Some("5d41402abc4b2a76b9719d911017c592")
    );
    assert!(hello.receipt_handle().is_some_and(|r| !r.is_empty()));
    assert_eq!(hello.md5_of_message_attributes(), None);
    let t = got
        .iter()
        .find(|m| m.message_id() == out2.message_id())
        .expect("tricky received");
    assert_eq!(t.body(), Some(tricky));
    assert_eq!(t.md5_of_body(), Some(md5_hex(tricky.as_bytes()).as_str()));
}

#[test]
fn md5_helper_matches_the_wire_md_test_vectors() {
    let one: HashMap<String, MessageAttributeValue> = [("s".to_string(), string_attr("v"))].into();
    assert_eq!(md5_of_attributes(&one), "f711c779386017be0858627ced765df3");
    let three: HashMap<String, MessageAttributeValue> = [
        ("s".to_string(), string_attr("v")),
        ("b".to_string(), binary_attr(&[1, 2])),
        ("n".to_string(), typed_attr("Number.int", "5")),
    ]
    .into();
    assert_eq!(
        md5_of_attributes(&three),
        "d7693a5b0204d42ff123219abe4c00ef"
    );
    let trace: HashMap<String, MessageAttributeValue> =
        [("AWSTraceHeader".to_string(), string_attr("Root=1-abc"))].into();
    assert_eq!(
        md5_of_attributes(&trace),
        "4777fe4e8f0ac8a9a8da35539c6fb198"
    );
}

#[tokio::test]
async fn send_message_md5_of_message_attributes_matches_test_vectors() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "attr-md5").await;

    let out = c
        .send_message()
        .queue_url(&url)
        .message_body("one attribute")
        .message_attributes("s", string_attr("v"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.md5_of_message_attributes(),
        Some("f711c779386017be0858627ced765df3")
    );

    let out = c
        .send_message()
        .queue_url(&url)
        .message_body("three attributes")
        .message_attributes("s", string_attr("v"))
        .message_attributes("b", binary_attr(&[1, 2]))
        .message_attributes("n", typed_attr("Number.int", "5"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.md5_of_message_attributes(),
        Some("d7693a5b0204d42ff123219abe4c00ef")
    );
    let three_id = out.message_id().unwrap().to_string();

    let got = c
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .message_attribute_names("All")
        .send()
        .await
        .unwrap();
    let mut msgs = got.messages().to_vec();
    msgs.extend(receive(&c, &url, 10).await);
    let m = msgs
        .iter()
        .find(|m| m.message_id() == Some(three_id.as_str()))
        .expect("received the three-attribute message in the first receive");
    assert_eq!(
        m.md5_of_message_attributes(),
        Some("d7693a5b0204d42ff123219abe4c00ef")
    );
    let attrs = m.message_attributes().cloned().unwrap_or_default();
    assert_eq!(attrs.len(), 3, "{attrs:?}");
    assert_eq!(attrs["s"].data_type(), "String");
    assert_eq!(attrs["s"].string_value(), Some("v"));
    assert_eq!(attrs["n"].data_type(), "Number.int");
    assert_eq!(attrs["n"].string_value(), Some("5"));
    assert_eq!(attrs["b"].data_type(), "Binary");
    assert_eq!(
        attrs["b"].binary_value().map(|b| b.as_ref().to_vec()),
        Some(vec![1u8, 2])
    );
}

#[tokio::test]
async fn send_message_with_aws_trace_header_returns_md5_of_system_attributes() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "traced").await;
    let header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    let expected: HashMap<String, MessageAttributeValue> =
        [("AWSTraceHeader".to_string(), string_attr(header))].into();
    let out = c
        .send_message()
        .queue_url(&url)
        .message_body("traced body")
        .message_system_attributes(
            MessageSystemAttributeNameForSends::AwsTraceHeader,
            MessageSystemAttributeValue::builder()
                .data_type("String")
                .string_value(header)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.md5_of_message_system_attributes(),
        Some(md5_of_attributes(&expected).as_str())
    );
    assert_eq!(out.md5_of_message_attributes(), None);

    let got = c
        .receive_message()
        .queue_url(&url)
        .message_system_attribute_names(MessageSystemAttributeName::AwsTraceHeader)
        .send()
        .await
        .unwrap();
    let m = got.messages().first().expect("message");
    assert_eq!(
        sys(m, MessageSystemAttributeName::AwsTraceHeader).as_deref(),
        Some(header)
    );
    // The trace header is a system attribute, not a message attribute.
    assert_eq!(m.md5_of_message_attributes(), None);
    assert!(m.message_attributes().map(|a| a.is_empty()).unwrap_or(true));
}

#[tokio::test]
async fn send_message_rejects_characters_outside_the_allowed_set() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "strict").await;
    for body in [
        "\u{0}",
        "nul\u{0}inside",
        "\u{1}",
        "bell\u{7}",
        "\u{8}",
        "\u{B}",
        "\u{C}",
        "\u{1F}",
        "\u{FFFE}",
        "\u{FFFF}",
    ] {
        let status = expect_service_error!(
            c.send_message()
                .queue_url(&url)
                .message_body(body)
                .send()
                .await,
            is_invalid_message_contents,
            "InvalidMessageContents"
        );
        assert_eq!(status, Some(400), "body {body:?}");
    }
    // The boundaries of the allowed ranges are accepted.
    for body in [
        "\t",
        "\n",
        "\r",
        " ",
        "\u{D7FF}",
        "\u{E000}",
        "\u{FFFD}",
        "\u{10000}",
        "\u{10FFFF}",
    ] {
        c.send_message()
            .queue_url(&url)
            .message_body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("body {body:?} should be accepted: {e:?}"));
    }
    assert_eq!(counts(&c, &url).await.0, 9);
}

#[tokio::test]
async fn send_message_rejects_an_empty_body() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "empty-body").await;
    let res = c
        .send_message()
        .queue_url(&url)
        .message_body("")
        .send()
        .await;
    assert!(res.is_err(), "an empty body is rejected: {res:?}");
    assert_eq!(counts(&c, &url).await.0, 0);
}

#[tokio::test]
async fn send_message_enforces_the_maximum_message_size() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "sized").await;

    // Default 1 MiB: exactly 1 MiB is accepted, one byte more is not.
    c.send_message()
        .queue_url(&url)
        .message_body("a".repeat(MIB))
        .send()
        .await
        .expect("a 1 MiB body is accepted");
    let status = expect_error_code!(
        c.send_message()
            .queue_url(&url)
            .message_body("a".repeat(MIB + 1))
            .send()
            .await,
        "InvalidParameterValue"
    );
    assert_eq!(status, Some(400));
    // Attribute names, types and values count towards the size.
    expect_error_code!(
        c.send_message()
            .queue_url(&url)
            .message_body("a".repeat(MIB - 4))
            .message_attributes("attr", string_attr("value"))
            .send()
            .await,
        "InvalidParameterValue"
    );

    // A queue's own MaximumMessageSize.
    let small = create_queue_with(
        &c,
        "small",
        &[(QueueAttributeName::MaximumMessageSize, "1024")],
    )
    .await;
    c.send_message()
        .queue_url(&small)
        .message_body("b".repeat(1024))
        .send()
        .await
        .expect("1024 bytes fit");
    expect_error_code!(
        c.send_message()
            .queue_url(&small)
            .message_body("b".repeat(1025))
            .send()
            .await,
        "InvalidParameterValue"
    );
    // Size is counted in UTF-8 bytes, not characters: 512 two-byte chars fit, 513 do not.
    c.send_message()
        .queue_url(&small)
        .message_body("é".repeat(512))
        .send()
        .await
        .expect("1024 UTF-8 bytes fit");
    expect_error_code!(
        c.send_message()
            .queue_url(&small)
            .message_body("é".repeat(513))
            .send()
            .await,
        "InvalidParameterValue"
    );
    assert_eq!(counts(&c, &small).await.0, 2);
}

#[tokio::test]
async fn send_message_rejects_invalid_delay_and_too_many_attributes() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "params").await;
    expect_error_code!(
        c.send_message()
            .queue_url(&url)
            .message_body("x")
            .delay_seconds(901)
            .send()
            .await,
        "InvalidParameterValue"
    );
    expect_error_code!(
        c.send_message()
            .queue_url(&url)
            .message_body("x")
            .delay_seconds(-1)
            .send()
            .await,
        "InvalidParameterValue"
    );
    let mut req = c.send_message().queue_url(&url).message_body("x");
    for i in 0..11 {
        req = req.message_attributes(format!("a{i}"), string_attr("v"));
    }
    expect_error_code!(req.send().await, "InvalidParameterValue");
    // Ten attributes are fine.
    let mut req = c.send_message().queue_url(&url).message_body("x");
    for i in 0..10 {
        req = req.message_attributes(format!("a{i}"), string_attr("v"));
    }
    req.send().await.expect("ten attributes are allowed");
    assert_eq!(counts(&c, &url).await.0, 1);
}

#[tokio::test]
async fn message_delay_and_queue_delay_follow_the_clock() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "delayed").await;
    c.send_message()
        .queue_url(&url)
        .message_body("in ten")
        .delay_seconds(10)
        .send()
        .await
        .unwrap();
    assert_eq!(counts(&c, &url).await, (0, 0, 1));
    assert!(receive(&c, &url, 10).await.is_empty());
    clock.advance(Duration::from_secs(9));
    assert!(receive(&c, &url, 10).await.is_empty());
    clock.advance(Duration::from_secs(1));
    let got = receive(&c, &url, 10).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body(), Some("in ten"));

    // The queue's DelaySeconds applies when the message gives none; a message's own
    // DelaySeconds (even 0) overrides it.
    let q = create_queue_with(
        &c,
        "delay-queue",
        &[(QueueAttributeName::DelaySeconds, "30")],
    )
    .await;
    send(&c, &q, "queue delay").await;
    c.send_message()
        .queue_url(&q)
        .message_body("no delay")
        .delay_seconds(0)
        .send()
        .await
        .unwrap();
    assert_eq!(counts(&c, &q).await, (1, 0, 1));
    let got = receive(&c, &q, 10).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body(), Some("no delay"));
    c.delete_message()
        .queue_url(&q)
        .receipt_handle(got[0].receipt_handle().unwrap())
        .send()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(29));
    assert!(
        receive(&c, &q, 10).await.is_empty(),
        "still delayed at 29 s"
    );
    clock.advance(Duration::from_secs(1));
    let got = receive(&c, &q, 10).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body(), Some("queue delay"));
}

#[tokio::test]
async fn messages_expire_after_the_retention_period() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_queue_with(
        &c,
        "short-lived",
        &[(QueueAttributeName::MessageRetentionPeriod, "60")],
    )
    .await;
    send(&c, &url, "old").await;
    clock.advance(Duration::from_secs(30));
    send(&c, &url, "young").await;
    clock.advance(Duration::from_secs(31));
    // "old" is 61 s old and gone; "young" is 31 s old and still there.
    let got = receive(&c, &url, 10).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].body(), Some("young"));
    // Retention counts from the send, not the receive: an in-flight message expires too.
    clock.advance(Duration::from_secs(30));
    assert_eq!(counts(&c, &url).await, (0, 0, 0));
    assert!(receive(&c, &url, 10).await.is_empty());
}

// ---------------------------------------------------------------------------------------
// SendMessageBatch

#[tokio::test]
async fn send_message_batch_reports_each_entry() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "batched").await;
    let entries: Vec<SendMessageBatchRequestEntry> = (0..10)
        .map(|i| {
            let mut e = SendMessageBatchRequestEntry::builder()
                .id(format!("entry-{i}"))
                .message_body(format!("body {i}"));
            if i == 3 {
                e = e.message_attributes("s", string_attr("v"));
            }
            e.build().unwrap()
        })
        .collect();
    let out = c
        .send_message_batch()
        .queue_url(&url)
        .set_entries(Some(entries))
        .send()
        .await
        .unwrap();
    assert!(out.failed().is_empty(), "{:?}", out.failed());
    assert_eq!(out.successful().len(), 10);
    let mut ids = HashSet::new();
    for s in out.successful() {
        let i: usize = s.id().trim_start_matches("entry-").parse().unwrap();
        assert_eq!(
            s.md5_of_message_body(),
            md5_hex(format!("body {i}").as_bytes())
        );
        if i == 3 {
            assert_eq!(
                s.md5_of_message_attributes(),
                Some("f711c779386017be0858627ced765df3")
            );
        } else {
            assert_eq!(s.md5_of_message_attributes(), None);
        }
        assert!(
            ids.insert(s.message_id().to_string()),
            "distinct message ids"
        );
    }
    let got = receive_n(&c, &url, 10).await;
    let got_ids: HashSet<String> = got
        .iter()
        .map(|m| m.message_id().unwrap().to_string())
        .collect();
    assert_eq!(got_ids, ids);
}

#[tokio::test]
async fn send_message_batch_mixes_successful_and_failed_entries() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "mixed").await;
    let out = c
        .send_message_batch()
        .queue_url(&url)
        .entries(
            SendMessageBatchRequestEntry::builder()
                .id("good")
                .message_body("fine")
                .build()
                .unwrap(),
        )
        .entries(
            SendMessageBatchRequestEntry::builder()
                .id("bad")
                .message_body("bad \u{1} char")
                .build()
                .unwrap(),
        )
        .entries(
            SendMessageBatchRequestEntry::builder()
                .id("late")
                .message_body("delayed")
                .delay_seconds(5)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("a batch with a bad entry still succeeds as a whole");
    let ok: HashSet<&str> = out.successful().iter().map(|s| s.id()).collect();
    assert_eq!(ok, HashSet::from(["good", "late"]));
    assert_eq!(out.failed().len(), 1, "{:?}", out.failed());
    let f = &out.failed()[0];
    assert_eq!(f.id(), "bad");
    assert!(f.sender_fault());
    assert_eq!(f.code(), "InvalidMessageContents");
    assert_eq!(counts(&c, &url).await, (1, 0, 1));
}

#[tokio::test]
async fn send_message_batch_request_level_errors() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "batch-errors").await;
    let entry = |id: &str, body: String| {
        SendMessageBatchRequestEntry::builder()
            .id(id)
            .message_body(body)
            .build()
            .unwrap()
    };

    let status = expect_service_error!(
        c.send_message_batch()
            .queue_url(&url)
            .set_entries(Some(vec![]))
            .send()
            .await,
        is_empty_batch_request,
        "AWS.SimpleQueueService.EmptyBatchRequest"
    );
    assert_eq!(status, Some(400));

    let eleven: Vec<_> = (0..11)
        .map(|i| entry(&format!("e{i}"), "x".into()))
        .collect();
    let status = expect_service_error!(
        c.send_message_batch()
            .queue_url(&url)
            .set_entries(Some(eleven))
            .send()
            .await,
        is_too_many_entries_in_batch_request,
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    );
    assert_eq!(status, Some(400));

    let status = expect_service_error!(
        c.send_message_batch()
            .queue_url(&url)
            .entries(entry("same", "1".into()))
            .entries(entry("same", "2".into()))
            .send()
            .await,
        is_batch_entry_ids_not_distinct,
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    );
    assert_eq!(status, Some(400));

    for bad_id in ["has space", "dot.id", "bang!", &"i".repeat(81)] {
        let status = expect_service_error!(
            c.send_message_batch()
                .queue_url(&url)
                .entries(entry(bad_id, "x".into()))
                .send()
                .await,
            is_invalid_batch_entry_id,
            "AWS.SimpleQueueService.InvalidBatchEntryId"
        );
        assert_eq!(status, Some(400), "id {bad_id:?}");
    }

    // Each body is under 1 MiB, together they are over.
    let status = expect_service_error!(
        c.send_message_batch()
            .queue_url(&url)
            .entries(entry("a", "a".repeat(600_000)))
            .entries(entry("b", "b".repeat(600_000)))
            .send()
            .await,
        is_batch_request_too_long,
        "AWS.SimpleQueueService.BatchRequestTooLong"
    );
    assert_eq!(status, Some(400));

    // Ids of 80 allowed characters are fine, and none of the failed batches stored anything.
    let out = c
        .send_message_batch()
        .queue_url(&url)
        .entries(entry(&"I-d_9".repeat(16), "ok".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(out.successful().len(), 1);
    assert_eq!(counts(&c, &url).await.0, 1);
}

// ---------------------------------------------------------------------------------------
// ReceiveMessage

#[tokio::test]
async fn receive_message_honours_max_number_of_messages() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "many").await;
    for i in 0..15 {
        send(&c, &url, &format!("m{i}")).await;
    }
    // Default is one message.
    let one = c.receive_message().queue_url(&url).send().await.unwrap();
    assert_eq!(one.messages().len(), 1);
    let got = receive(&c, &url, 10).await;
    assert!(!got.is_empty() && got.len() <= 10, "{}", got.len());
    let rest = receive_n(&c, &url, 14 - got.len()).await;
    assert_eq!(1 + got.len() + rest.len(), 15);
    assert!(receive(&c, &url, 10).await.is_empty(), "all are in flight");

    for bad in [0, 11, -1] {
        let status = expect_error_code!(
            c.receive_message()
                .queue_url(&url)
                .max_number_of_messages(bad)
                .send()
                .await,
            "InvalidParameterValue"
        );
        assert_eq!(status, Some(400), "MaxNumberOfMessages {bad}");
    }
    for bad in [21, -1] {
        expect_error_code!(
            c.receive_message()
                .queue_url(&url)
                .wait_time_seconds(bad)
                .send()
                .await,
            "InvalidParameterValue"
        );
    }
    expect_error_code!(
        c.receive_message()
            .queue_url(&url)
            .visibility_timeout(43201)
            .send()
            .await,
        "InvalidParameterValue"
    );
}

#[tokio::test]
async fn visibility_timeout_hides_messages_until_it_expires() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "hidden").await;
    let id = send(&c, &url, "peekaboo").await;

    let first = receive(&c, &url, 1).await;
    assert_eq!(first.len(), 1);
    assert_eq!(counts(&c, &url).await, (0, 1, 0));
    clock.advance(Duration::from_secs(29));
    assert!(
        receive(&c, &url, 1).await.is_empty(),
        "still invisible at 29 s"
    );
    clock.advance(Duration::from_secs(2));
    assert_eq!(counts(&c, &url).await, (1, 0, 0));
    let second = receive(&c, &url, 1).await;
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].message_id(), Some(id.as_str()));
    assert_ne!(
        second[0].receipt_handle(),
        first[0].receipt_handle(),
        "each receive gets a new receipt handle"
    );

    // The request's VisibilityTimeout overrides the queue's, for that receive only.
    clock.advance(Duration::from_secs(31));
    let third = c
        .receive_message()
        .queue_url(&url)
        .visibility_timeout(5)
        .send()
        .await
        .unwrap();
    assert_eq!(third.messages().len(), 1);
    clock.advance(Duration::from_secs(4));
    assert!(receive(&c, &url, 1).await.is_empty());
    clock.advance(Duration::from_secs(2));
    let fourth = receive(&c, &url, 1).await;
    assert_eq!(fourth.len(), 1);
    // ...and the next receive uses the queue's 30 s again.
    clock.advance(Duration::from_secs(10));
    assert!(receive(&c, &url, 1).await.is_empty());

    // A queue's own VisibilityTimeout; 0 means immediately visible again.
    let zero = create_queue_with(
        &c,
        "zero-vt",
        &[(QueueAttributeName::VisibilityTimeout, "0")],
    )
    .await;
    send(&c, &zero, "again and again").await;
    assert_eq!(receive(&c, &zero, 1).await.len(), 1);
    assert_eq!(receive(&c, &zero, 1).await.len(), 1);
}

#[tokio::test]
async fn receive_returns_requested_system_attributes() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "sysattrs").await;
    let sent_at = clock.now_millis();
    send(&c, &url, "stamp me").await;

    clock.advance(Duration::from_secs(5));
    let first_receive_at = clock.now_millis();
    let got = c
        .receive_message()
        .queue_url(&url)
        .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
        .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    let m = &got.messages()[0];
    let a = m.attributes().cloned().unwrap_or_default();
    assert_eq!(a.len(), 2, "only the requested attributes: {a:?}");
    assert_eq!(a[&MessageSystemAttributeName::ApproximateReceiveCount], "1");
    assert_eq!(
        a[&MessageSystemAttributeName::SentTimestamp],
        sent_at.to_string()
    );

    clock.advance(Duration::from_secs(5));
    let got = c
        .receive_message()
        .queue_url(&url)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    let m = &got.messages()[0];
    assert_eq!(
        sys(m, MessageSystemAttributeName::ApproximateReceiveCount).as_deref(),
        Some("2")
    );
    assert_eq!(
        sys(m, MessageSystemAttributeName::SentTimestamp),
        Some(sent_at.to_string())
    );
    assert_eq!(
        sys(
            m,
            MessageSystemAttributeName::ApproximateFirstReceiveTimestamp
        ),
        Some(first_receive_at.to_string()),
        "the first receive's time, not this one's"
    );
    assert!(
        sys(m, MessageSystemAttributeName::SenderId).is_some_and(|s| !s.is_empty()),
        "SenderId is present: {:?}",
        m.attributes()
    );
    // Standard queues have no FIFO attributes, and there is no trace header.
    assert_eq!(sys(m, MessageSystemAttributeName::SequenceNumber), None);
    assert_eq!(sys(m, MessageSystemAttributeName::MessageGroupId), None);
    assert_eq!(sys(m, MessageSystemAttributeName::AwsTraceHeader), None);

    // The deprecated AttributeNames parameter works the same way.
    #[allow(deprecated)]
    let got = c
        .receive_message()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    let m = &got.messages()[0];
    assert_eq!(
        sys(m, MessageSystemAttributeName::ApproximateReceiveCount).as_deref(),
        Some("3")
    );
    assert_eq!(
        sys(m, MessageSystemAttributeName::SentTimestamp),
        Some(sent_at.to_string())
    );

    // Without a request for them, no system attributes come back.
    clock.advance(Duration::from_secs(31));
    let got = receive(&c, &url, 1).await;
    assert!(
        got[0].attributes().map(|a| a.is_empty()).unwrap_or(true),
        "{:?}",
        got[0].attributes()
    );
}

#[tokio::test]
async fn receive_filters_message_attributes_by_name_and_prefix() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue_with(
        &c,
        "filtered",
        &[(QueueAttributeName::VisibilityTimeout, "0")],
    )
    .await;
    let sent: HashMap<String, MessageAttributeValue> = [
        ("color.primary".to_string(), string_attr("red")),
        ("color.secondary".to_string(), string_attr("blue")),
        ("size".to_string(), typed_attr("Number", "42")),
        ("blob".to_string(), binary_attr(b"\x00\xffdata")),
    ]
    .into();
    let out = c
        .send_message()
        .queue_url(&url)
        .message_body("attributed")
        .set_message_attributes(Some(sent.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.md5_of_message_attributes(),
        Some(md5_of_attributes(&sent).as_str())
    );

    async fn receive_with(c: &Client, url: &str, names: &[&str]) -> Message {
        let mut req = c.receive_message().queue_url(url);
        for n in names {
            req = req.message_attribute_names(*n);
        }
        let out = req.send().await.unwrap();
        out.messages().first().cloned().expect("one message")
    }
    let check = |m: &Message, expect: &[&str]| {
        let got = m.message_attributes().cloned().unwrap_or_default();
        let mut names: Vec<&str> = got.keys().map(String::as_str).collect();
        names.sort();
        let mut want = expect.to_vec();
        want.sort();
        assert_eq!(names, want, "returned attribute names");
        if expect.is_empty() {
            assert_eq!(m.md5_of_message_attributes(), None, "no attributes, no MD5");
        } else {
            let subset: HashMap<String, MessageAttributeValue> = sent
                .iter()
                .filter(|(k, _)| expect.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            assert_eq!(
                m.md5_of_message_attributes(),
                Some(md5_of_attributes(&subset).as_str()),
                "MD5 over the returned attributes only ({expect:?})"
            );
            for (k, v) in &got {
                assert_eq!(v, &sent[k], "attribute {k} round-trips");
            }
        }
    };

    let everything = ["blob", "color.primary", "color.secondary", "size"];
    check(&receive_with(&c, &url, &["All"]).await, &everything);
    check(&receive_with(&c, &url, &[".*"]).await, &everything);
    check(
        &receive_with(&c, &url, &["color.*"]).await,
        &["color.primary", "color.secondary"],
    );
    check(&receive_with(&c, &url, &["size"]).await, &["size"]);
    check(
        &receive_with(&c, &url, &["size", "color.secondary", "absent"]).await,
        &["color.secondary", "size"],
    );
    check(&receive_with(&c, &url, &["absent"]).await, &[]);
    check(&receive_with(&c, &url, &[]).await, &[]);
}

#[tokio::test]
async fn long_poll_returns_as_soon_as_a_message_is_sent() {
    // Under the manual clock the 20 s wait never runs out by itself, so a returned poll was
    // woken by the send: no wall-clock timing is asserted.
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "long-poll").await;

    let (rc, rurl) = (c.clone(), url.clone());
    let poll = tokio::spawn(async move {
        rc.receive_message()
            .queue_url(&rurl)
            .wait_time_seconds(20)
            .send()
            .await
            .expect("long poll")
    });
    common::parked(&clock).await;
    assert!(!poll.is_finished(), "nothing to return yet");
    let waiting = || async {
        let v: serde_json::Value = reqwest::get(format!("{}/_fogbank/health", server.endpoint()))
            .await
            .expect("health")
            .json()
            .await
            .expect("json");
        v["sqs"]["waiting_receives"].as_u64()
    };
    assert_eq!(
        waiting().await,
        Some(1),
        "the health endpoint counts the poller"
    );
    let (sc, surl) = (c.clone(), url.clone());
    let sender = tokio::spawn(async move { send(&sc, &surl, "wake up").await });
    let sent_id = sender.await.unwrap();

    let out = tokio::time::timeout(Duration::from_secs(10), poll)
        .await
        .expect("the send woke the long poll")
        .unwrap();
    assert_eq!(out.messages().len(), 1);
    assert_eq!(out.messages()[0].message_id(), Some(sent_id.as_str()));
    assert_eq!(out.messages()[0].body(), Some("wake up"));
    assert_eq!(waiting().await, Some(0));
    drop(clock);
}

#[tokio::test]
async fn queue_receive_message_wait_time_makes_receives_long_polls() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_queue_with(
        &c,
        "default-wait",
        &[(QueueAttributeName::ReceiveMessageWaitTimeSeconds, "20")],
    )
    .await;
    let (rc, rurl) = (c.clone(), url.clone());
    let poll = tokio::spawn(async move {
        rc.receive_message()
            .queue_url(&rurl)
            .send()
            .await
            .expect("receive")
    });
    // Under the manual clock the wait never runs out by itself: only a send ends it.
    common::parked(&clock).await;
    assert!(
        !poll.is_finished(),
        "the receive waits (queue default 20 s)"
    );
    send(&c, &url, "arrived").await;
    let out = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("the send woke the long poll")
        .unwrap();
    assert_eq!(out.messages().len(), 1);
    assert_eq!(out.messages()[0].body(), Some("arrived"));

    // WaitTimeSeconds 0 on the request overrides the queue default: a short poll.
    let out = tokio::time::timeout(
        Duration::from_secs(5),
        c.receive_message()
            .queue_url(&url)
            .wait_time_seconds(0)
            .send(),
    )
    .await
    .expect("short poll returns at once")
    .unwrap();
    assert!(out.messages().is_empty());
    drop(clock);
}

#[tokio::test]
async fn long_poll_ends_empty_when_its_wait_time_passes_on_the_clock() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "patient").await;
    let (rc, rurl) = (c.clone(), url.clone());
    let poll = tokio::spawn(async move {
        rc.receive_message()
            .queue_url(&rurl)
            .wait_time_seconds(20)
            .send()
            .await
            .expect("receive")
    });
    common::parked(&clock).await;
    assert!(!poll.is_finished(), "nothing to return yet");
    let out = advance_until_finished(&clock, poll).await;
    assert!(out.messages().is_empty());
}

#[tokio::test]
async fn long_poll_wakes_when_a_delayed_message_becomes_visible() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "wake-on-delay").await;
    c.send_message()
        .queue_url(&url)
        .message_body("delayed")
        .delay_seconds(10)
        .send()
        .await
        .unwrap();
    let (rc, rurl) = (c.clone(), url.clone());
    let poll = tokio::spawn(async move {
        rc.receive_message()
            .queue_url(&rurl)
            .wait_time_seconds(20)
            .send()
            .await
            .expect("receive")
    });
    common::parked(&clock).await;
    assert!(!poll.is_finished(), "the message is still delayed");
    clock.advance(Duration::from_secs(10));
    let out = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("the long poll returned once the delay passed")
        .unwrap();
    assert_eq!(out.messages().len(), 1);
    assert_eq!(out.messages()[0].body(), Some("delayed"));
}

// ---------------------------------------------------------------------------------------
// DeleteMessage / DeleteMessageBatch

#[tokio::test]
async fn delete_message_removes_it_for_good() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "deletes").await;
    send(&c, &url, "delete me").await;
    send(&c, &url, "keep me").await;
    let got = receive_n(&c, &url, 2).await;
    let del = got.iter().find(|m| m.body() == Some("delete me")).unwrap();
    c.delete_message()
        .queue_url(&url)
        .receipt_handle(del.receipt_handle().unwrap())
        .send()
        .await
        .unwrap();
    // Deleting again with the same handle is not an error.
    c.delete_message()
        .queue_url(&url)
        .receipt_handle(del.receipt_handle().unwrap())
        .send()
        .await
        .expect("deleting an already deleted message succeeds");
    clock.advance(Duration::from_secs(31));
    let again = receive(&c, &url, 10).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].body(), Some("keep me"));

    let status = expect_service_error!(
        c.delete_message()
            .queue_url(&url)
            .receipt_handle("definitely-not-a-receipt-handle")
            .send()
            .await,
        is_receipt_handle_is_invalid,
        "ReceiptHandleIsInvalid"
    );
    assert_eq!(status, Some(400));
}

#[tokio::test]
async fn delete_message_batch_reports_each_entry() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "batch-deletes").await;
    for i in 0..3 {
        send(&c, &url, &format!("m{i}")).await;
    }
    let got = receive_n(&c, &url, 3).await;
    let mut req = c.delete_message_batch().queue_url(&url);
    for (i, m) in got.iter().enumerate() {
        req = req.entries(
            DeleteMessageBatchRequestEntry::builder()
                .id(format!("d{i}"))
                .receipt_handle(m.receipt_handle().unwrap())
                .build()
                .unwrap(),
        );
    }
    req = req.entries(
        DeleteMessageBatchRequestEntry::builder()
            .id("bogus")
            .receipt_handle("not-a-receipt-handle")
            .build()
            .unwrap(),
    );
    let out = req.send().await.unwrap();
    let ok: HashSet<&str> = out.successful().iter().map(|s| s.id()).collect();
    assert_eq!(ok, HashSet::from(["d0", "d1", "d2"]));
    assert_eq!(out.failed().len(), 1);
    assert_eq!(out.failed()[0].id(), "bogus");
    assert_eq!(out.failed()[0].code(), "ReceiptHandleIsInvalid");
    assert!(out.failed()[0].sender_fault());
    assert_eq!(counts(&c, &url).await, (0, 0, 0));

    let entry = |id: &str| {
        DeleteMessageBatchRequestEntry::builder()
            .id(id)
            .receipt_handle("rh")
            .build()
            .unwrap()
    };
    expect_service_error!(
        c.delete_message_batch()
            .queue_url(&url)
            .set_entries(Some(vec![]))
            .send()
            .await,
        is_empty_batch_request,
        "AWS.SimpleQueueService.EmptyBatchRequest"
    );
    expect_service_error!(
        c.delete_message_batch()
            .queue_url(&url)
            .set_entries(Some((0..11).map(|i| entry(&format!("e{i}"))).collect()))
            .send()
            .await,
        is_too_many_entries_in_batch_request,
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    );
    expect_service_error!(
        c.delete_message_batch()
            .queue_url(&url)
            .entries(entry("dup"))
            .entries(entry("dup"))
            .send()
            .await,
        is_batch_entry_ids_not_distinct,
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    );
    expect_service_error!(
        c.delete_message_batch()
            .queue_url(&url)
            .entries(entry("not valid"))
            .send()
            .await,
        is_invalid_batch_entry_id,
        "AWS.SimpleQueueService.InvalidBatchEntryId"
    );
}

// ---------------------------------------------------------------------------------------
// ChangeMessageVisibility / ChangeMessageVisibilityBatch

#[tokio::test]
async fn change_message_visibility_extends_and_shortens_the_timeout() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "cmv").await;
    send(&c, &url, "work").await;

    // Extend: 30 s default -> 100 s from now.
    let m = receive(&c, &url, 1).await.remove(0);
    c.change_message_visibility()
        .queue_url(&url)
        .receipt_handle(m.receipt_handle().unwrap())
        .visibility_timeout(100)
        .send()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(60));
    assert!(receive(&c, &url, 1).await.is_empty(), "extended past 30 s");
    clock.advance(Duration::from_secs(41));
    let m = receive(&c, &url, 1).await.remove(0);

    // Shorten to 0: visible at once.
    c.change_message_visibility()
        .queue_url(&url)
        .receipt_handle(m.receipt_handle().unwrap())
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    let m = receive(&c, &url, 1).await;
    assert_eq!(m.len(), 1, "visible again after VisibilityTimeout 0");

    let status = expect_service_error!(
        c.change_message_visibility()
            .queue_url(&url)
            .receipt_handle("garbage")
            .visibility_timeout(10)
            .send()
            .await,
        is_receipt_handle_is_invalid,
        "ReceiptHandleIsInvalid"
    );
    assert_eq!(status, Some(400));
    expect_error_code!(
        c.change_message_visibility()
            .queue_url(&url)
            .receipt_handle(m[0].receipt_handle().unwrap())
            .visibility_timeout(43201)
            .send()
            .await,
        "InvalidParameterValue"
    );
}

#[tokio::test]
async fn change_message_visibility_cannot_exceed_twelve_hours_from_the_receive() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "cmv-limit").await;
    send(&c, &url, "slow job").await;
    let m = receive(&c, &url, 1).await.remove(0);
    let rh = m.receipt_handle().unwrap().to_string();
    clock.advance(Duration::from_secs(20));
    // 20 s after the receive, 43,200 s more would end past the 12-hour limit.
    expect_error_code!(
        c.change_message_visibility()
            .queue_url(&url)
            .receipt_handle(&rh)
            .visibility_timeout(43_200)
            .send()
            .await,
        "InvalidParameterValue"
    );
    c.change_message_visibility()
        .queue_url(&url)
        .receipt_handle(&rh)
        .visibility_timeout(43_180)
        .send()
        .await
        .expect("exactly up to 12 hours from the receive is allowed");
}

#[tokio::test]
async fn change_message_visibility_with_a_stale_or_deleted_handle() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "stale-handles").await;
    send(&c, &url, "x").await;
    let m = receive(&c, &url, 1).await.remove(0);
    clock.advance(Duration::from_secs(31));
    // The visibility timeout ran out: AWS answers OK and does nothing; the message stays
    // visible rather than being hidden again.
    c.change_message_visibility()
        .queue_url(&url)
        .receipt_handle(m.receipt_handle().unwrap())
        .visibility_timeout(600)
        .send()
        .await
        .expect("changing the visibility of an expired receipt handle is a no-op");
    let again = receive(&c, &url, 1).await;
    assert_eq!(again.len(), 1, "the message was not hidden again");

    // A deleted message's handle: InvalidParameterValue ("Message does not exist or is not
    // available for visibility timeout change").
    c.delete_message()
        .queue_url(&url)
        .receipt_handle(again[0].receipt_handle().unwrap())
        .send()
        .await
        .unwrap();
    let status = expect_error_code!(
        c.change_message_visibility()
            .queue_url(&url)
            .receipt_handle(again[0].receipt_handle().unwrap())
            .visibility_timeout(60)
            .send()
            .await,
        "InvalidParameterValue"
    );
    assert_eq!(status, Some(400));
}

#[tokio::test]
async fn change_message_visibility_batch_reports_each_entry() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "cmv-batch").await;
    send(&c, &url, "a").await;
    send(&c, &url, "b").await;
    let got = receive_n(&c, &url, 2).await;
    let a = got.iter().find(|m| m.body() == Some("a")).unwrap();
    let b = got.iter().find(|m| m.body() == Some("b")).unwrap();
    let out = c
        .change_message_visibility_batch()
        .queue_url(&url)
        .entries(
            ChangeMessageVisibilityBatchRequestEntry::builder()
                .id("a")
                .receipt_handle(a.receipt_handle().unwrap())
                .visibility_timeout(0)
                .build()
                .unwrap(),
        )
        .entries(
            ChangeMessageVisibilityBatchRequestEntry::builder()
                .id("b")
                .receipt_handle(b.receipt_handle().unwrap())
                .visibility_timeout(300)
                .build()
                .unwrap(),
        )
        .entries(
            ChangeMessageVisibilityBatchRequestEntry::builder()
                .id("junk")
                .receipt_handle("junk-handle")
                .visibility_timeout(10)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let ok: HashSet<&str> = out.successful().iter().map(|s| s.id()).collect();
    assert_eq!(ok, HashSet::from(["a", "b"]));
    assert_eq!(out.failed().len(), 1);
    assert_eq!(out.failed()[0].id(), "junk");
    assert_eq!(out.failed()[0].code(), "ReceiptHandleIsInvalid");
    assert!(out.failed()[0].sender_fault());

    let now = receive(&c, &url, 10).await;
    assert_eq!(now.len(), 1, "only a is visible");
    assert_eq!(now[0].body(), Some("a"));
    c.delete_message()
        .queue_url(&url)
        .receipt_handle(now[0].receipt_handle().unwrap())
        .send()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(299));
    assert!(receive(&c, &url, 10).await.is_empty(), "b hidden for 300 s");
    clock.advance(Duration::from_secs(2));
    let later = receive(&c, &url, 10).await;
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].body(), Some("b"));

    let entry = |id: &str| {
        ChangeMessageVisibilityBatchRequestEntry::builder()
            .id(id)
            .receipt_handle("rh")
            .visibility_timeout(1)
            .build()
            .unwrap()
    };
    expect_service_error!(
        c.change_message_visibility_batch()
            .queue_url(&url)
            .set_entries(Some(vec![]))
            .send()
            .await,
        is_empty_batch_request,
        "AWS.SimpleQueueService.EmptyBatchRequest"
    );
    expect_service_error!(
        c.change_message_visibility_batch()
            .queue_url(&url)
            .set_entries(Some((0..11).map(|i| entry(&format!("e{i}"))).collect()))
            .send()
            .await,
        is_too_many_entries_in_batch_request,
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    );
    expect_service_error!(
        c.change_message_visibility_batch()
            .queue_url(&url)
            .entries(entry("x"))
            .entries(entry("x"))
            .send()
            .await,
        is_batch_entry_ids_not_distinct,
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    );
    expect_service_error!(
        c.change_message_visibility_batch()
            .queue_url(&url)
            .entries(entry("x/y"))
            .send()
            .await,
        is_invalid_batch_entry_id,
        "AWS.SimpleQueueService.InvalidBatchEntryId"
    );
}

// ---------------------------------------------------------------------------------------
// PurgeQueue

#[tokio::test]
async fn purge_queue_deletes_everything_and_is_limited_to_once_a_minute() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "purged").await;
    for i in 0..4 {
        send(&c, &url, &format!("m{i}")).await;
    }
    c.send_message()
        .queue_url(&url)
        .message_body("delayed")
        .delay_seconds(60)
        .send()
        .await
        .unwrap();
    let in_flight = receive(&c, &url, 1).await;
    assert_eq!(in_flight.len(), 1);

    c.purge_queue().queue_url(&url).send().await.expect("purge");
    assert_eq!(counts(&c, &url).await, (0, 0, 0));
    clock.advance(Duration::from_secs(61));
    assert!(
        receive(&c, &url, 10).await.is_empty(),
        "in-flight and delayed messages were purged too"
    );

    let (server2, clock2) = common::start_with_manual_clock().await;
    let c2 = common::sqs(&server2).await;
    let url2 = create_queue(&c2, "purged-twice").await;
    c2.purge_queue().queue_url(&url2).send().await.unwrap();
    clock2.advance(Duration::from_secs(30));
    let status = expect_service_error!(
        c2.purge_queue().queue_url(&url2).send().await,
        is_purge_queue_in_progress,
        "AWS.SimpleQueueService.PurgeQueueInProgress"
    );
    assert_eq!(status, Some(403));
    clock2.advance(Duration::from_secs(31));
    c2.purge_queue()
        .queue_url(&url2)
        .send()
        .await
        .expect("a purge 61 s after the first is allowed");
}

// ---------------------------------------------------------------------------------------
// TagQueue / UntagQueue / ListQueueTags

#[tokio::test]
async fn tag_untag_and_list_queue_tags() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "tagged").await;
    let tags = c.list_queue_tags().queue_url(&url).send().await.unwrap();
    assert!(tags.tags().map(|t| t.is_empty()).unwrap_or(true));

    c.tag_queue()
        .queue_url(&url)
        .tags("a", "1")
        .tags("b", "2")
        .tags("Case", "x")
        .send()
        .await
        .unwrap();
    c.tag_queue()
        .queue_url(&url)
        .tags("b", "two")
        .tags("c", "")
        .send()
        .await
        .unwrap();
    let tags = c.list_queue_tags().queue_url(&url).send().await.unwrap();
    let t = tags.tags().cloned().unwrap_or_default();
    let expected: HashMap<String, String> = [("a", "1"), ("b", "two"), ("Case", "x"), ("c", "")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(t, expected);

    c.untag_queue()
        .queue_url(&url)
        .tag_keys("a")
        .tag_keys("case")
        .tag_keys("never-set")
        .send()
        .await
        .unwrap();
    let tags = c.list_queue_tags().queue_url(&url).send().await.unwrap();
    let t = tags.tags().cloned().unwrap_or_default();
    let expected: HashMap<String, String> = [("b", "two"), ("Case", "x"), ("c", "")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(t, expected, "tag keys are case-sensitive");
}

// ---------------------------------------------------------------------------------------
// AddPermission / RemovePermission

fn policy_statements(policy: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(policy).expect("Policy is JSON");
    // AWS writes the 2008 policy language version (recorded: test_sqs_permission_lifecycle).
    assert_eq!(v["Version"], "2008-10-17", "{v}");
    v["Statement"].as_array().cloned().unwrap_or_default()
}

fn as_strings(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => vec![],
    }
}

#[tokio::test]
async fn add_and_remove_permission_are_reflected_in_the_policy() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_queue(&c, "shared").await;
    let queue_arn = arn("us-east-1", ACCOUNT, "shared");

    c.add_permission()
        .queue_url(&url)
        .label("AllowSend")
        .aws_account_ids("111122223333")
        .actions("SendMessage")
        .send()
        .await
        .unwrap();
    c.add_permission()
        .queue_url(&url)
        .label("AllowReceive")
        .aws_account_ids("444455556666")
        .aws_account_ids("777788889999")
        .actions("ReceiveMessage")
        .actions("DeleteMessage")
        .send()
        .await
        .unwrap();

    let policy = attribute(&c, &url, QueueAttributeName::Policy)
        .await
        .expect("Policy attribute present");
    let statements = policy_statements(&policy);
    assert_eq!(statements.len(), 2, "{policy}");
    let send_stmt = statements
        .iter()
        .find(|s| s["Sid"] == "AllowSend")
        .expect("AllowSend statement");
    assert_eq!(send_stmt["Effect"], "Allow");
    assert_eq!(as_strings(&send_stmt["Resource"]), vec![queue_arn.clone()]);
    let principals = as_strings(&send_stmt["Principal"]["AWS"]);
    assert!(
        principals.iter().any(|p| p.contains("111122223333")),
        "{principals:?}"
    );
    let actions: Vec<String> = as_strings(&send_stmt["Action"])
        .iter()
        .map(|a| a.to_ascii_lowercase())
        .collect();
    assert_eq!(actions, vec!["sqs:sendmessage".to_string()]);

    let recv_stmt = statements
        .iter()
        .find(|s| s["Sid"] == "AllowReceive")
        .expect("AllowReceive statement");
    let principals = as_strings(&recv_stmt["Principal"]["AWS"]);
    assert_eq!(principals.len(), 2, "{principals:?}");
    assert!(principals.iter().any(|p| p.contains("444455556666")));
    assert!(principals.iter().any(|p| p.contains("777788889999")));
    let mut actions: Vec<String> = as_strings(&recv_stmt["Action"])
        .iter()
        .map(|a| a.to_ascii_lowercase())
        .collect();
    actions.sort();
    assert_eq!(actions, vec!["sqs:deletemessage", "sqs:receivemessage"]);

    // The same label twice is rejected.
    expect_error_code!(
        c.add_permission()
            .queue_url(&url)
            .label("AllowSend")
            .aws_account_ids("111122223333")
            .actions("SendMessage")
            .send()
            .await,
        "InvalidParameterValue"
    );

    c.remove_permission()
        .queue_url(&url)
        .label("AllowSend")
        .send()
        .await
        .unwrap();
    let policy = attribute(&c, &url, QueueAttributeName::Policy)
        .await
        .expect("Policy still present with one statement");
    let statements = policy_statements(&policy);
    assert_eq!(statements.len(), 1, "{policy}");
    assert_eq!(statements[0]["Sid"], "AllowReceive");

    expect_error_code!(
        c.remove_permission()
            .queue_url(&url)
            .label("NeverAdded")
            .send()
            .await,
        "InvalidParameterValue"
    );

    c.remove_permission()
        .queue_url(&url)
        .label("AllowReceive")
        .send()
        .await
        .unwrap();
    let policy = attribute(&c, &url, QueueAttributeName::Policy).await;
    let left = policy
        .filter(|p| !p.is_empty())
        .map(|p| policy_statements(&p).len())
        .unwrap_or(0);
    assert_eq!(left, 0, "no statements left");
}

// ---------------------------------------------------------------------------------------
// Account and region isolation

#[tokio::test]
async fn queues_are_isolated_by_account_and_region() {
    let server = common::start().await;
    let owner = common::sqs_as(&server, "111111111111", "us-east-1").await;
    let other_account = common::sqs_as(&server, "222222222222", "us-east-1").await;
    let other_region = common::sqs_as(&server, "111111111111", "eu-west-1").await;

    let url = create_queue(&owner, "private").await;
    assert_eq!(url, format!("{}/111111111111/private", server.endpoint()));
    assert_eq!(
        attribute(&owner, &url, QueueAttributeName::QueueArn).await,
        Some(arn("us-east-1", "111111111111", "private"))
    );
    send(&owner, &url, "for 111 only").await;

    for (who, c) in [
        ("other account", &other_account),
        ("other region", &other_region),
    ] {
        expect_service_error!(
            c.get_queue_url().queue_name("private").send().await,
            is_queue_does_not_exist,
            "AWS.SimpleQueueService.NonExistentQueue"
        );
        let list = c.list_queues().send().await.unwrap();
        assert!(
            list.queue_urls().is_empty(),
            "{who}: {:?}",
            list.queue_urls()
        );
    }

    // The same name can be created independently elsewhere.
    let url2 = create_queue(&other_account, "private").await;
    assert_eq!(url2, format!("{}/222222222222/private", server.endpoint()));
    assert_ne!(url, url2);
    assert!(receive(&other_account, &url2, 10).await.is_empty());

    let url3 = create_queue(&other_region, "private").await;
    assert_eq!(
        attribute(&other_region, &url3, QueueAttributeName::QueueArn).await,
        Some(arn("eu-west-1", "111111111111", "private"))
    );
    assert!(receive(&other_region, &url3, 10).await.is_empty());

    // The original queue still holds its message, visible only to its owner in its region.
    let got = receive(&owner, &url, 10).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body(), Some("for 111 only"));

    // The default client (access key "test") lands in 000000000000.
    let default = common::sqs(&server).await;
    let list = default.list_queues().send().await.unwrap();
    assert!(list.queue_urls().is_empty(), "{:?}", list.queue_urls());
    let own = create_queue(&default, "private").await;
    assert_eq!(own, format!("{}/{ACCOUNT}/private", server.endpoint()));
}
