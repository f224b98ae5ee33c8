//! FIFO queues over the AWS JSON 1.0 protocol, through the official Rust SDK: naming,
//! MessageGroupId and deduplication rules, ordering, in-flight group locking, sequence
//! numbers and ReceiveRequestAttemptId, with the manual clock for every time window.

#[macro_use]
mod common;

use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName, QueueAttributeName,
    SendMessageBatchRequestEntry,
};

const ACCOUNT: &str = "000000000000";

// ---------------------------------------------------------------------------------------
// helpers

async fn create_fifo(c: &Client, name: &str, attrs: &[(QueueAttributeName, &str)]) -> String {
    let mut all = vec![(QueueAttributeName::FifoQueue, "true")];
    all.extend(attrs.iter().cloned());
    common::create_queue_with(c, name, &all).await
}

use common::{all_attributes, system_attribute as sys};

struct Sent {
    id: String,
    seq: u128,
}

async fn send_fifo(c: &Client, url: &str, body: &str, group: &str, dedup: Option<&str>) -> Sent {
    let out = c
        .send_message()
        .queue_url(url)
        .message_body(body)
        .message_group_id(group)
        .set_message_deduplication_id(dedup.map(str::to_owned))
        .send()
        .await
        .expect("send to FIFO queue");
    let seq = out
        .sequence_number()
        .expect("FIFO sends return a SequenceNumber");
    assert!(
        !seq.is_empty() && seq.chars().all(|c| c.is_ascii_digit()),
        "SequenceNumber is a decimal string: {seq:?}"
    );
    Sent {
        id: out.message_id().expect("message id").to_string(),
        seq: seq.parse().expect("sequence number fits u128"),
    }
}

/// A short-poll receive of up to 10 messages with all system attributes.
async fn receive_all_attrs(c: &Client, url: &str) -> Vec<Message> {
    c.receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .send()
        .await
        .expect("receive")
        .messages()
        .to_vec()
}

fn bodies(msgs: &[Message]) -> Vec<String> {
    msgs.iter()
        .map(|m| m.body().unwrap_or_default().to_string())
        .collect()
}

async fn delete_all(c: &Client, url: &str, msgs: &[Message]) {
    if msgs.is_empty() {
        return;
    }
    let entries = msgs
        .iter()
        .enumerate()
        .map(|(i, m)| {
            DeleteMessageBatchRequestEntry::builder()
                .id(format!("d{i}"))
                .receipt_handle(m.receipt_handle().unwrap())
                .build()
                .unwrap()
        })
        .collect();
    let out = c
        .delete_message_batch()
        .queue_url(url)
        .set_entries(Some(entries))
        .send()
        .await
        .unwrap();
    assert!(out.failed().is_empty(), "{:?}", out.failed());
}

/// Receives and deletes until `n` messages were consumed, returning bodies in the order
/// they were received (bounded number of calls).
async fn consume(c: &Client, url: &str, n: usize) -> Vec<String> {
    let mut got = Vec::new();
    for _ in 0..(n + 5) {
        if got.len() >= n {
            break;
        }
        let msgs = receive_all_attrs(c, url).await;
        got.extend(bodies(&msgs));
        delete_all(c, url, &msgs).await;
    }
    assert_eq!(got.len(), n, "consumed {got:?}");
    got
}

async fn visible_count(c: &Client, url: &str) -> u64 {
    all_attributes(c, url).await["ApproximateNumberOfMessages"]
        .parse()
        .unwrap()
}

// ---------------------------------------------------------------------------------------
// queue creation

#[tokio::test]
async fn fifo_queue_defaults() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_fifo(&c, "orders.fifo", &[]).await;
    assert_eq!(url, format!("{}/{ACCOUNT}/orders.fifo", server.endpoint()));
    let a = all_attributes(&c, &url).await;
    for (k, v) in [
        ("FifoQueue", "true"),
        ("ContentBasedDeduplication", "false"),
        ("DeduplicationScope", "queue"),
        ("FifoThroughputLimit", "perQueue"),
        ("VisibilityTimeout", "30"),
        ("DelaySeconds", "0"),
        ("MessageRetentionPeriod", "345600"),
        ("MaximumMessageSize", "1048576"),
        ("ReceiveMessageWaitTimeSeconds", "0"),
        ("QueueArn", "arn:aws:sqs:us-east-1:000000000000:orders.fifo"),
    ] {
        assert_eq!(a.get(k).map(String::as_str), Some(v), "{k}; all = {a:?}");
    }

    // Idempotent with the same attributes.
    let again = create_fifo(&c, "orders.fifo", &[]).await;
    assert_eq!(again, url);
    // A different ContentBasedDeduplication is a different queue definition.
    let err = c
        .create_queue()
        .queue_name("orders.fifo")
        .attributes(QueueAttributeName::FifoQueue, "true")
        .attributes(QueueAttributeName::ContentBasedDeduplication, "true")
        .send()
        .await
        .expect_err("different attributes");
    assert_eq!(err.code(), Some("QueueAlreadyExists"));
    assert!(err.into_service_error().is_queue_name_exists());

    let configured = create_fifo(
        &c,
        "configured.fifo",
        &[
            (QueueAttributeName::ContentBasedDeduplication, "true"),
            (QueueAttributeName::DeduplicationScope, "messageGroup"),
            (QueueAttributeName::FifoThroughputLimit, "perMessageGroupId"),
        ],
    )
    .await;
    let a = all_attributes(&c, &configured).await;
    assert_eq!(a["ContentBasedDeduplication"], "true");
    assert_eq!(a["DeduplicationScope"], "messageGroup");
    assert_eq!(a["FifoThroughputLimit"], "perMessageGroupId");
}

#[tokio::test]
async fn fifo_queue_name_rules() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    // FifoQueue=true requires the .fifo suffix.
    let status = expect_error_code!(
        c.create_queue()
            .queue_name("no-suffix")
            .attributes(QueueAttributeName::FifoQueue, "true")
            .send()
            .await,
        "InvalidParameterValue"
    );
    assert_eq!(status, Some(400));
    // The suffix counts towards the 80 characters.
    let max = format!("{}.fifo", "f".repeat(75));
    create_fifo(&c, &max, &[]).await;
    expect_error_code!(
        c.create_queue()
            .queue_name(format!("{}.fifo", "f".repeat(76)))
            .attributes(QueueAttributeName::FifoQueue, "true")
            .send()
            .await,
        "InvalidParameterValue"
    );
    // Other characters are still limited to [A-Za-z0-9_-].
    expect_error_code!(
        c.create_queue()
            .queue_name("bad name.fifo")
            .attributes(QueueAttributeName::FifoQueue, "true")
            .send()
            .await,
        "InvalidParameterValue"
    );
    expect_error_code!(
        c.create_queue()
            .queue_name("two.dots.fifo")
            .attributes(QueueAttributeName::FifoQueue, "true")
            .send()
            .await,
        "InvalidParameterValue"
    );
    // A .fifo name without FifoQueue=true is not a valid standard queue name.
    let res = c.create_queue().queue_name("implicit.fifo").send().await;
    assert!(
        res.is_err(),
        "a standard queue cannot be named *.fifo: {res:?}"
    );
    let list = c.list_queues().send().await.unwrap();
    assert_eq!(list.queue_urls().len(), 1, "{:?}", list.queue_urls());
}

// ---------------------------------------------------------------------------------------
// send rules

#[tokio::test]
async fn fifo_send_requires_message_group_id() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_fifo(&c, "groups.fifo", &[]).await;
    let status = expect_error_code!(
        c.send_message()
            .queue_url(&url)
            .message_body("no group")
            .message_deduplication_id("d1")
            .send()
            .await,
        "MissingParameter"
    );
    assert_eq!(status, Some(400));
    assert_eq!(visible_count(&c, &url).await, 0);
}

#[tokio::test]
async fn fifo_send_requires_a_deduplication_id_without_content_based_deduplication() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_fifo(&c, "dedup-required.fifo", &[]).await;
    let status = expect_error_code!(
        c.send_message()
            .queue_url(&url)
            .message_body("no dedup id")
            .message_group_id("g")
            .send()
            .await,
        "InvalidParameterValue"
    );
    assert_eq!(status, Some(400));
    assert_eq!(visible_count(&c, &url).await, 0);
}

#[tokio::test]
async fn fifo_rejects_per_message_delay_but_honours_the_queue_delay() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_fifo(&c, "delays.fifo", &[]).await;
    let status = expect_error_code!(
        c.send_message()
            .queue_url(&url)
            .message_body("delayed")
            .message_group_id("g")
            .message_deduplication_id("d")
            .delay_seconds(5)
            .send()
            .await,
        "InvalidParameterValue"
    );
    assert_eq!(status, Some(400));

    let delayed = create_fifo(
        &c,
        "queue-delay.fifo",
        &[(QueueAttributeName::DelaySeconds, "10")],
    )
    .await;
    send_fifo(&c, &delayed, "later", "g", Some("d1")).await;
    assert!(receive_all_attrs(&c, &delayed).await.is_empty());
    clock.advance(Duration::from_secs(10));
    let got = receive_all_attrs(&c, &delayed).await;
    assert_eq!(bodies(&got), vec!["later"]);
}

// ---------------------------------------------------------------------------------------
// ordering and group locking

#[tokio::test]
async fn fifo_preserves_order_within_a_group() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_fifo(&c, "ordered.fifo", &[]).await;
    let mut last_seq = 0u128;
    let mut sent = Vec::new();
    for i in 0..8 {
        let body = format!("m{i}");
        let s = send_fifo(&c, &url, &body, "g1", Some(&format!("d{i}"))).await;
        assert!(
            s.seq > last_seq,
            "sequence numbers increase: {} <= {last_seq}",
            s.seq
        );
        last_seq = s.seq;
        sent.push(body);
    }
    assert_eq!(consume(&c, &url, 8).await, sent);
}

#[tokio::test]
async fn fifo_preserves_order_per_group_across_groups() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_fifo(&c, "interleaved.fifo", &[]).await;
    for i in 0..4 {
        send_fifo(&c, &url, &format!("a{i}"), "A", Some(&format!("a{i}"))).await;
        send_fifo(&c, &url, &format!("b{i}"), "B", Some(&format!("b{i}"))).await;
    }
    let got = consume(&c, &url, 8).await;
    let a: Vec<&String> = got.iter().filter(|b| b.starts_with('a')).collect();
    let b: Vec<&String> = got.iter().filter(|b| b.starts_with('b')).collect();
    assert_eq!(a, vec!["a0", "a1", "a2", "a3"]);
    assert_eq!(b, vec!["b0", "b1", "b2", "b3"]);
}

#[tokio::test]
async fn fifo_group_is_locked_while_a_message_is_in_flight() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_fifo(&c, "locked.fifo", &[]).await;
    send_fifo(&c, &url, "a1", "A", Some("a1")).await;
    send_fifo(&c, &url, "a2", "A", Some("a2")).await;

    let first = c
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(1)
        .send()
        .await
        .unwrap()
        .messages()
        .to_vec();
    assert_eq!(bodies(&first), vec!["a1"]);

    // Group A is locked while a1 is in flight; group B is not.
    send_fifo(&c, &url, "b1", "B", Some("b1")).await;
    let second = receive_all_attrs(&c, &url).await;
    assert_eq!(bodies(&second), vec!["b1"], "a2 must wait for a1");
    delete_all(&c, &url, &second).await;
    assert!(receive_all_attrs(&c, &url).await.is_empty());

    // When a1's visibility timeout expires, a1 comes back first, then a2.
    clock.advance(Duration::from_secs(31));
    let third = receive_all_attrs(&c, &url).await;
    assert_eq!(bodies(&third), vec!["a1", "a2"]);
    assert_eq!(
        sys(
            &third[0],
            MessageSystemAttributeName::ApproximateReceiveCount
        )
        .as_deref(),
        Some("2")
    );
    assert_eq!(
        sys(
            &third[1],
            MessageSystemAttributeName::ApproximateReceiveCount
        )
        .as_deref(),
        Some("1")
    );

    // Deleting a1 alone does not release a2 early: a2 is itself in flight.
    delete_all(&c, &url, &third[..1]).await;
    assert!(receive_all_attrs(&c, &url).await.is_empty());
    delete_all(&c, &url, &third[1..]).await;
    send_fifo(&c, &url, "a3", "A", Some("a3")).await;
    assert_eq!(bodies(&receive_all_attrs(&c, &url).await), vec!["a3"]);
}

// ---------------------------------------------------------------------------------------
// deduplication

#[tokio::test]
async fn fifo_deduplicates_by_id_for_five_minutes() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_fifo(&c, "dedup.fifo", &[]).await;
    send_fifo(&c, &url, "first", "g", Some("same-id")).await;
    // A duplicate is accepted but not delivered, even with a different body.
    send_fifo(&c, &url, "second", "g", Some("same-id")).await;
    assert_eq!(visible_count(&c, &url).await, 1);
    let got = receive_all_attrs(&c, &url).await;
    assert_eq!(bodies(&got), vec!["first"]);
    assert_eq!(
        sys(&got[0], MessageSystemAttributeName::MessageDeduplicationId).as_deref(),
        Some("same-id")
    );
    delete_all(&c, &url, &got).await;

    // Deduplication outlives the message's deletion.
    clock.advance(Duration::from_secs(240));
    send_fifo(&c, &url, "third", "g", Some("same-id")).await;
    assert_eq!(visible_count(&c, &url).await, 0);

    // After the 5-minute window the id can be used again.
    clock.advance(Duration::from_secs(61));
    send_fifo(&c, &url, "fourth", "g", Some("same-id")).await;
    assert_eq!(bodies(&receive_all_attrs(&c, &url).await), vec!["fourth"]);
}

#[tokio::test]
async fn fifo_content_based_deduplication_uses_the_body() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_fifo(
        &c,
        "content.fifo",
        &[(QueueAttributeName::ContentBasedDeduplication, "true")],
    )
    .await;
    send_fifo(&c, &url, "same body", "g1", None).await;
    send_fifo(&c, &url, "same body", "g1", None).await;
    // Deduplication scope is the queue by default: another group does not help.
    send_fifo(&c, &url, "same body", "g2", None).await;
    send_fifo(&c, &url, "other body", "g1", None).await;
    // An explicit id overrides the content hash.
    send_fifo(&c, &url, "same body", "g1", Some("explicit")).await;
    assert_eq!(visible_count(&c, &url).await, 3);

    let got = receive_all_attrs(&c, &url).await;
    assert_eq!(bodies(&got), vec!["same body", "other body", "same body"]);
    use sha2::{Digest, Sha256};
    let hash: String = Sha256::digest(b"same body")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        sys(&got[0], MessageSystemAttributeName::MessageDeduplicationId),
        Some(hash),
        "the generated deduplication id is the SHA-256 of the body"
    );
    assert_eq!(
        sys(&got[2], MessageSystemAttributeName::MessageDeduplicationId).as_deref(),
        Some("explicit")
    );
    delete_all(&c, &url, &got).await;

    clock.advance(Duration::from_secs(301));
    send_fifo(&c, &url, "same body", "g1", None).await;
    assert_eq!(visible_count(&c, &url).await, 1, "the window has passed");
}

#[tokio::test]
async fn fifo_deduplication_scope_message_group() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_fifo(
        &c,
        "per-group.fifo",
        &[
            (QueueAttributeName::DeduplicationScope, "messageGroup"),
            (QueueAttributeName::FifoThroughputLimit, "perMessageGroupId"),
        ],
    )
    .await;
    send_fifo(&c, &url, "x", "g1", Some("d")).await;
    send_fifo(&c, &url, "x", "g2", Some("d")).await;
    send_fifo(&c, &url, "x", "g1", Some("d")).await;
    assert_eq!(visible_count(&c, &url).await, 2, "one per group");
}

// ---------------------------------------------------------------------------------------
// sequence numbers, system attributes, batches

#[tokio::test]
async fn fifo_sequence_numbers_and_system_attributes() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_fifo(&c, "seq.fifo", &[]).await;
    let a = send_fifo(&c, &url, "one", "grp-1", Some("dd-1")).await;
    let b = send_fifo(&c, &url, "two", "grp-1", Some("dd-2")).await;
    assert!(b.seq > a.seq);

    let got = receive_all_attrs(&c, &url).await;
    assert_eq!(bodies(&got), vec!["one", "two"]);
    for (m, s, dd) in [(&got[0], &a, "dd-1"), (&got[1], &b, "dd-2")] {
        assert_eq!(m.message_id(), Some(s.id.as_str()));
        assert_eq!(
            sys(m, MessageSystemAttributeName::SequenceNumber),
            Some(s.seq.to_string())
        );
        assert_eq!(
            sys(m, MessageSystemAttributeName::MessageGroupId).as_deref(),
            Some("grp-1")
        );
        assert_eq!(
            sys(m, MessageSystemAttributeName::MessageDeduplicationId).as_deref(),
            Some(dd)
        );
        assert!(sys(m, MessageSystemAttributeName::SentTimestamp).is_some());
        assert_eq!(
            sys(m, MessageSystemAttributeName::ApproximateReceiveCount).as_deref(),
            Some("1")
        );
    }

    // Only the requested ones come back.
    let url2 = create_fifo(&c, "seq2.fifo", &[]).await;
    send_fifo(&c, &url2, "x", "g", Some("d")).await;
    let out = c
        .receive_message()
        .queue_url(&url2)
        .message_system_attribute_names(MessageSystemAttributeName::MessageGroupId)
        .send()
        .await
        .unwrap();
    let attrs = out.messages()[0].attributes().cloned().unwrap_or_default();
    assert_eq!(attrs.len(), 1, "{attrs:?}");
    assert_eq!(attrs[&MessageSystemAttributeName::MessageGroupId], "g");
}

#[tokio::test]
async fn fifo_send_message_batch_keeps_entry_order() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create_fifo(&c, "batch.fifo", &[]).await;
    let entries: Vec<SendMessageBatchRequestEntry> = (0..10)
        .map(|i| {
            SendMessageBatchRequestEntry::builder()
                .id(format!("e{i}"))
                .message_body(format!("m{i}"))
                .message_group_id("g")
                .message_deduplication_id(format!("d{i}"))
                .build()
                .unwrap()
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
    let mut by_id: Vec<(usize, u128)> = out
        .successful()
        .iter()
        .map(|s| {
            let i: usize = s.id().trim_start_matches('e').parse().unwrap();
            let seq: u128 = s
                .sequence_number()
                .expect("FIFO batch entries carry a SequenceNumber")
                .parse()
                .unwrap();
            (i, seq)
        })
        .collect();
    by_id.sort();
    for w in by_id.windows(2) {
        assert!(
            w[1].1 > w[0].1,
            "sequence numbers follow entry order: {by_id:?}"
        );
    }
    let expected: Vec<String> = (0..10).map(|i| format!("m{i}")).collect();
    assert_eq!(consume(&c, &url, 10).await, expected);
}

// ---------------------------------------------------------------------------------------
// ReceiveRequestAttemptId

#[tokio::test]
async fn fifo_receive_request_attempt_id_returns_the_same_messages_on_retry() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create_fifo(&c, "attempts.fifo", &[]).await;
    send_fifo(&c, &url, "a1", "A", Some("a1")).await;
    send_fifo(&c, &url, "a2", "A", Some("a2")).await;

    let attempt = |id: &str| {
        c.receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .receive_request_attempt_id(id)
            .send()
    };
    let first = attempt("attempt-1").await.unwrap().messages().to_vec();
    assert_eq!(bodies(&first), vec!["a1", "a2"]);

    clock.advance(Duration::from_secs(20));
    let retry = attempt("attempt-1").await.unwrap().messages().to_vec();
    assert_eq!(bodies(&retry), bodies(&first));
    let ids = |v: &[Message]| -> Vec<String> {
        v.iter()
            .map(|m| m.message_id().unwrap().to_string())
            .collect()
    };
    let handles = |v: &[Message]| -> Vec<String> {
        v.iter()
            .map(|m| m.receipt_handle().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&retry), ids(&first));
    assert_eq!(handles(&retry), handles(&first), "same receipt handles");

    // Another attempt id gets nothing: the messages are in flight.
    assert!(attempt("attempt-2").await.unwrap().messages().is_empty());

    // The retry reset the visibility timeout: 40 s after the first receive (20 s after
    // the retry) the messages are still hidden.
    clock.advance(Duration::from_secs(20));
    assert!(attempt("attempt-3").await.unwrap().messages().is_empty());

    // The receipt handles from the attempt work for deletes.
    delete_all(&c, &url, &retry).await;
    clock.advance(Duration::from_secs(60));
    assert!(receive_all_attrs(&c, &url).await.is_empty());
}
