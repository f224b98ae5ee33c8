//! SQS through the official Rust SDK (AWS JSON 1.0 protocol), against a server on port 0.

mod common;

use std::time::Duration;

use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::primitives::Blob;
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry,
    MessageAttributeValue, MessageSystemAttributeName, MessageSystemAttributeNameForSends,
    MessageSystemAttributeValue, QueueAttributeName, SendMessageBatchRequestEntry,
};

fn s(v: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(v)
        .build()
        .expect("attribute")
}

async fn create(client: &aws_sdk_sqs::Client, name: &str) -> String {
    client
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("url")
}

async fn attr(client: &aws_sdk_sqs::Client, url: &str, name: QueueAttributeName) -> String {
    client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(name.clone())
        .send()
        .await
        .expect("attributes")
        .attributes
        .and_then(|m| m.get(&name).cloned())
        .expect("attribute present")
}

#[tokio::test]
async fn queue_lifecycle_urls_defaults_and_listing() {
    let server = common::start().await;
    let sqs = common::sqs(&server).await;
    let url = create(&sqs, "orders").await;
    assert_eq!(url, format!("{}/000000000000/orders", server.endpoint()));
    // Same name and attributes: the same URL.
    assert_eq!(create(&sqs, "orders").await, url);
    let got = sqs
        .get_queue_url()
        .queue_name("orders")
        .send()
        .await
        .expect("url");
    assert_eq!(got.queue_url.as_deref(), Some(url.as_str()));

    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .expect("attrs")
        .attributes
        .expect("map");
    let get = |n: QueueAttributeName| attrs.get(&n).map(String::as_str);
    assert_eq!(get(QueueAttributeName::VisibilityTimeout), Some("30"));
    assert_eq!(get(QueueAttributeName::MaximumMessageSize), Some("1048576"));
    assert_eq!(
        get(QueueAttributeName::MessageRetentionPeriod),
        Some("345600")
    );
    assert_eq!(get(QueueAttributeName::DelaySeconds), Some("0"));
    assert_eq!(
        get(QueueAttributeName::ReceiveMessageWaitTimeSeconds),
        Some("0")
    );
    assert_eq!(
        get(QueueAttributeName::QueueArn),
        Some("arn:aws:sqs:us-east-1:000000000000:orders")
    );
    assert_eq!(
        get(QueueAttributeName::ApproximateNumberOfMessages),
        Some("0")
    );
    assert!(get(QueueAttributeName::FifoQueue).is_none());
    assert!(get(QueueAttributeName::RedrivePolicy).is_none());

    create(&sqs, "orders-dlq").await;
    create(&sqs, "other").await;
    let listed = sqs
        .list_queues()
        .queue_name_prefix("orders")
        .send()
        .await
        .expect("list");
    assert_eq!(listed.queue_urls().len(), 2);
    // Paging with MaxResults.
    let page1 = sqs
        .list_queues()
        .max_results(2)
        .send()
        .await
        .expect("page 1");
    assert_eq!(page1.queue_urls().len(), 2);
    let token = page1.next_token.expect("a next token when more remain");
    let page2 = sqs
        .list_queues()
        .max_results(2)
        .next_token(token)
        .send()
        .await
        .expect("page 2");
    assert_eq!(page2.queue_urls().len(), 1);
    assert!(page2.next_token.is_none());

    sqs.delete_queue()
        .queue_url(&url)
        .send()
        .await
        .expect("delete");
    let err = sqs
        .get_queue_url()
        .queue_name("orders")
        .send()
        .await
        .expect_err("gone");
    assert_eq!(err.code(), Some("AWS.SimpleQueueService.NonExistentQueue"));
    assert!(err.into_service_error().is_queue_does_not_exist());
}

#[tokio::test]
async fn create_queue_with_other_attributes_conflicts() {
    let server = common::start().await;
    let sqs = common::sqs(&server).await;
    sqs.create_queue()
        .queue_name("q")
        .attributes(QueueAttributeName::VisibilityTimeout, "60")
        .send()
        .await
        .expect("create");
    let err = sqs
        .create_queue()
        .queue_name("q")
        .attributes(QueueAttributeName::VisibilityTimeout, "61")
        .send()
        .await
        .expect_err("conflict");
    assert_eq!(err.code(), Some("QueueAlreadyExists"));
    assert!(err.into_service_error().is_queue_name_exists());

    for bad in ["has space", "", &"x".repeat(81), "dot.fifo"] {
        let err = sqs
            .create_queue()
            .queue_name(bad)
            .send()
            .await
            .expect_err(bad);
        assert_eq!(err.code(), Some("InvalidParameterValue"), "{bad:?}");
    }
    let err = sqs
        .create_queue()
        .queue_name("v")
        .attributes(QueueAttributeName::VisibilityTimeout, "43201")
        .send()
        .await
        .expect_err("range");
    assert_eq!(err.code(), Some("InvalidAttributeValue"));
    let err = sqs
        .create_queue()
        .queue_name("v")
        .attributes(QueueAttributeName::from("Bogus"), "1")
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(err.code(), Some("InvalidAttributeName"));
}

#[tokio::test]
async fn send_receive_delete_with_attributes_and_md5s() {
    let server = common::start().await;
    let sqs = common::sqs(&server).await;
    let url = create(&sqs, "md5").await;
    let sent = sqs
        .send_message()
        .queue_url(&url)
        .message_body("hello")
        .message_attributes("s", s("v"))
        .message_system_attributes(
            MessageSystemAttributeNameForSends::AwsTraceHeader,
            MessageSystemAttributeValue::builder()
                .data_type("String")
                .string_value("Root=1-abc")
                .build()
                .expect("system attribute"),
        )
        .send()
        .await
        .expect("send");
    assert_eq!(
        sent.md5_of_message_body(),
        Some("5d41402abc4b2a76b9719d911017c592")
    );
    assert_eq!(
        sent.md5_of_message_attributes(),
        Some("f711c779386017be0858627ced765df3")
    );
    assert_eq!(
        sent.md5_of_message_system_attributes(),
        Some("4777fe4e8f0ac8a9a8da35539c6fb198")
    );

    let got = sqs
        .receive_message()
        .queue_url(&url)
        .message_attribute_names("All")
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .send()
        .await
        .expect("receive");
    let m = &got.messages()[0];
    assert_eq!(m.message_id(), sent.message_id());
    assert_eq!(m.body(), Some("hello"));
    assert_eq!(m.md5_of_body(), Some("5d41402abc4b2a76b9719d911017c592"));
    assert_eq!(
        m.md5_of_message_attributes(),
        Some("f711c779386017be0858627ced765df3")
    );
    let sys = m.attributes.as_ref().expect("system attributes");
    assert_eq!(
        sys.get(&MessageSystemAttributeName::ApproximateReceiveCount)
            .map(String::as_str),
        Some("1")
    );
    assert_eq!(
        sys.get(&MessageSystemAttributeName::AwsTraceHeader)
            .map(String::as_str),
        Some("Root=1-abc")
    );
    assert!(sys.contains_key(&MessageSystemAttributeName::SentTimestamp));
    sqs.delete_message()
        .queue_url(&url)
        .receipt_handle(m.receipt_handle().expect("handle"))
        .send()
        .await
        .expect("delete");
    assert_eq!(
        attr(&sqs, &url, QueueAttributeName::ApproximateNumberOfMessages).await,
        "0"
    );
    assert_eq!(
        attr(
            &sqs,
            &url,
            QueueAttributeName::ApproximateNumberOfMessagesNotVisible
        )
        .await,
        "0"
    );

    let err = sqs
        .delete_message()
        .queue_url(&url)
        .receipt_handle("not-a-handle")
        .send()
        .await
        .expect_err("bad handle");
    assert_eq!(err.code(), Some("ReceiptHandleIsInvalid"));
}

#[tokio::test]
async fn message_attribute_names_filter_the_returned_attributes_and_their_md5() {
    let server = common::start().await;
    let sqs = common::sqs(&server).await;
    let url = create(&sqs, "filter").await;
    sqs.send_message()
        .queue_url(&url)
        .message_body("b")
        .message_attributes("s", s("v"))
        .message_attributes("other", s("x"))
        .message_attributes(
            "bin",
            MessageAttributeValue::builder()
                .data_type("Binary")
                .binary_value(Blob::new(vec![1u8, 2]))
                .build()
                .expect("binary"),
        )
        .send()
        .await
        .expect("send");
    let got = sqs
        .receive_message()
        .queue_url(&url)
        .message_attribute_names("s")
        .send()
        .await
        .expect("receive");
    let m = &got.messages()[0];
    let attrs = m.message_attributes.as_ref().expect("filtered attributes");
    assert_eq!(attrs.len(), 1);
    assert_eq!(
        m.md5_of_message_attributes(),
        Some("f711c779386017be0858627ced765df3")
    );
}

#[tokio::test]
async fn invalid_messages_are_rejected_with_aws_codes() {
    let server = common::start().await;
    let sqs = common::sqs(&server).await;
    let url = create(&sqs, "bad").await;
    let err = sqs
        .send_message()
        .queue_url(&url)
        .message_body("bad \u{1} char")
        .send()
        .await
        .expect_err("invalid chars");
    assert_eq!(err.code(), Some("InvalidMessageContents"));
    let err = sqs
        .send_message()
        .queue_url(&url)
        .message_body("x".repeat(1_048_577))
        .send()
        .await
        .expect_err("too big");
    assert_eq!(err.code(), Some("InvalidParameterValue"));
    let err = sqs
        .send_message()
        .queue_url(&url)
        .message_body("x")
        .delay_seconds(901)
        .send()
        .await
        .expect_err("delay");
    assert_eq!(err.code(), Some("InvalidParameterValue"));
    let mut req = sqs.send_message().queue_url(&url).message_body("x");
    for i in 0..11 {
        req = req.message_attributes(format!("a{i}"), s("v"));
    }
    assert_eq!(
        req.send().await.expect_err("11 attributes").code(),
        Some("InvalidParameterValue")
    );
    let err = sqs
        .send_message()
        .queue_url(&url)
        .message_body("x")
        .message_attributes(
            "n",
            MessageAttributeValue::builder()
                .data_type("Number")
                .string_value("abc")
                .build()
                .expect("attr"),
        )
        .send()
        .await
        .expect_err("not a number");
    assert_eq!(err.code(), Some("InvalidParameterValue"));
    let err = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(11)
        .send()
        .await
        .expect_err("max 10");
    assert_eq!(err.code(), Some("InvalidParameterValue"));
    let err = sqs
        .send_message()
        .queue_url(format!("{}/000000000000/missing", server.endpoint()))
        .message_body("x")
        .send()
        .await
        .expect_err("missing queue");
    assert!(err.into_service_error().is_queue_does_not_exist());
}

#[tokio::test]
async fn batches_report_entry_failures_and_reject_bad_batches() {
    let server = common::start().await;
    let sqs = common::sqs(&server).await;
    let url = create(&sqs, "batch").await;
    let entry = |id: &str, body: &str| {
        SendMessageBatchRequestEntry::builder()
            .id(id)
            .message_body(body)
            .build()
            .expect("entry")
    };
    let out = sqs
        .send_message_batch()
        .queue_url(&url)
        .entries(entry("a", "one"))
        .entries(entry("b", "bad \u{0} body"))
        .entries(entry("c", "three"))
        .send()
        .await
        .expect("batch");
    assert_eq!(out.successful().len(), 2);
    assert_eq!(out.failed().len(), 1);
    assert_eq!(out.failed()[0].id(), "b");
    assert_eq!(out.failed()[0].code(), "InvalidMessageContents");
    assert!(out.failed()[0].sender_fault());

    let err = sqs
        .send_message_batch()
        .queue_url(&url)
        .entries(entry("a", "1"))
        .entries(entry("a", "2"))
        .send()
        .await
        .expect_err("ids not distinct");
    assert!(err.into_service_error().is_batch_entry_ids_not_distinct());
    let mut many = sqs.send_message_batch().queue_url(&url);
    for i in 0..11 {
        many = many.entries(entry(&format!("e{i}"), "x"));
    }
    assert!(
        many.send()
            .await
            .expect_err("11")
            .into_service_error()
            .is_too_many_entries_in_batch_request()
    );
    let err = sqs
        .send_message_batch()
        .queue_url(&url)
        .entries(entry("bad id!", "x"))
        .send()
        .await
        .expect_err("invalid id");
    assert!(err.into_service_error().is_invalid_batch_entry_id());
    let err = sqs
        .send_message_batch()
        .queue_url(&url)
        .entries(entry("a", &"x".repeat(600_000)))
        .entries(entry("b", &"x".repeat(600_000)))
        .send()
        .await
        .expect_err("too long");
    assert!(err.into_service_error().is_batch_request_too_long());
    let err = sqs
        .delete_message_batch()
        .queue_url(&url)
        .set_entries(Some(vec![]))
        .send()
        .await
        .expect_err("empty");
    assert!(err.into_service_error().is_empty_batch_request());

    let got = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .send()
        .await
        .expect("receive");
    assert_eq!(got.messages().len(), 2);
    let handles: Vec<String> = got
        .messages()
        .iter()
        .filter_map(|m| m.receipt_handle.clone())
        .collect();
    let changed = sqs
        .change_message_visibility_batch()
        .queue_url(&url)
        .entries(
            ChangeMessageVisibilityBatchRequestEntry::builder()
                .id("v1")
                .receipt_handle(&handles[0])
                .visibility_timeout(60)
                .build()
                .expect("entry"),
        )
        .entries(
            ChangeMessageVisibilityBatchRequestEntry::builder()
                .id("v2")
                .receipt_handle("garbage")
                .visibility_timeout(60)
                .build()
                .expect("entry"),
        )
        .send()
        .await
        .expect("change batch");
    assert_eq!(changed.successful().len(), 1);
    assert_eq!(changed.failed()[0].code(), "ReceiptHandleIsInvalid");
    let deleted = sqs
        .delete_message_batch()
        .queue_url(&url)
        .set_entries(Some(
            handles
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(format!("d{i}"))
                        .receipt_handle(h)
                        .build()
                        .expect("entry")
                })
                .collect(),
        ))
        .send()
        .await
        .expect("delete batch");
    assert_eq!(deleted.successful().len(), 2);
    assert!(deleted.failed().is_empty());
}

#[tokio::test]
async fn visibility_timeout_and_delay_follow_the_clock() {
    let (server, clock) = common::start_with_manual_clock().await;
    let sqs = common::sqs(&server).await;
    let url = create(&sqs, "vis").await;
    sqs.send_message()
        .queue_url(&url)
        .message_body("m")
        .send()
        .await
        .expect("send");
    let first = sqs
        .receive_message()
        .queue_url(&url)
        .visibility_timeout(10)
        .send()
        .await
        .expect("receive");
    assert_eq!(first.messages().len(), 1);
    clock.advance(Duration::from_secs(9));
    assert!(
        sqs.receive_message()
            .queue_url(&url)
            .send()
            .await
            .expect("r")
            .messages()
            .is_empty()
    );
    clock.advance(Duration::from_secs(1));
    let again = sqs
        .receive_message()
        .queue_url(&url)
        .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
        .send()
        .await
        .expect("receive again");
    let m = &again.messages()[0];
    assert_eq!(
        m.attributes
            .as_ref()
            .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
            .map(String::as_str),
        Some("2")
    );
    // Extending the visibility of an in-flight message; zero makes it visible at once.
    sqs.change_message_visibility()
        .queue_url(&url)
        .receipt_handle(m.receipt_handle().expect("handle"))
        .visibility_timeout(0)
        .send()
        .await
        .expect("change");
    assert_eq!(
        sqs.receive_message()
            .queue_url(&url)
            .send()
            .await
            .expect("r")
            .messages()
            .len(),
        1
    );

    sqs.send_message()
        .queue_url(&url)
        .message_body("later")
        .delay_seconds(5)
        .send()
        .await
        .expect("send");
    assert_eq!(
        attr(
            &sqs,
            &url,
            QueueAttributeName::ApproximateNumberOfMessagesDelayed
        )
        .await,
        "1"
    );
    clock.advance(Duration::from_secs(5));
    assert_eq!(
        attr(&sqs, &url, QueueAttributeName::ApproximateNumberOfMessages).await,
        "1"
    );
}

#[tokio::test]
async fn dead_letter_queue_receives_after_max_receives_and_moves_back() {
    let server = common::start().await;
    let sqs = common::sqs(&server).await;
    let dlq = create(&sqs, "dlq").await;
    let dlq_arn = attr(&sqs, &dlq, QueueAttributeName::QueueArn).await;
    let src = sqs
        .create_queue()
        .queue_name("src")
        .attributes(
            QueueAttributeName::RedrivePolicy,
            format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"2"}}"#),
        )
        .send()
        .await
        .expect("create")
        .queue_url
        .expect("url");
    let src_arn = attr(&sqs, &src, QueueAttributeName::QueueArn).await;
    let sent = sqs
        .send_message()
        .queue_url(&src)
        .message_body("poison")
        .send()
        .await
        .expect("send");
    for _ in 0..2 {
        let r = sqs
            .receive_message()
            .queue_url(&src)
            .visibility_timeout(0)
            .send()
            .await
            .expect("r");
        assert_eq!(r.messages().len(), 1);
    }
    assert!(
        sqs.receive_message()
            .queue_url(&src)
            .send()
            .await
            .expect("r")
            .messages()
            .is_empty()
    );
    let moved = sqs
        .receive_message()
        .queue_url(&dlq)
        .visibility_timeout(0)
        .message_system_attribute_names(MessageSystemAttributeName::DeadLetterQueueSourceArn)
        .send()
        .await
        .expect("dlq receive");
    let m = &moved.messages()[0];
    assert_eq!(m.message_id(), sent.message_id());
    assert_eq!(m.body(), Some("poison"));
    assert_eq!(
        m.attributes
            .as_ref()
            .and_then(|a| a.get(&MessageSystemAttributeName::DeadLetterQueueSourceArn))
            .map(String::as_str),
        Some(src_arn.as_str())
    );
    let sources = sqs
        .list_dead_letter_source_queues()
        .queue_url(&dlq)
        .send()
        .await
        .expect("sources");
    assert_eq!(sources.queue_urls(), std::slice::from_ref(&src));

    let err = sqs
        .start_message_move_task()
        .source_arn(&src_arn)
        .send()
        .await
        .expect_err("source is not a DLQ");
    assert_eq!(err.code(), Some("InvalidParameterValue"));
    let task = sqs
        .start_message_move_task()
        .source_arn(&dlq_arn)
        .send()
        .await
        .expect("start");
    assert!(task.task_handle.is_some());
    let tasks = sqs
        .list_message_move_tasks()
        .source_arn(&dlq_arn)
        .send()
        .await
        .expect("list");
    assert_eq!(tasks.results()[0].status(), Some("COMPLETED"));
    assert_eq!(tasks.results()[0].approximate_number_of_messages_moved(), 1);
    let back = sqs
        .receive_message()
        .queue_url(&src)
        .send()
        .await
        .expect("back in source");
    assert_eq!(back.messages()[0].body(), Some("poison"));
    let err = sqs
        .cancel_message_move_task()
        .task_handle(task.task_handle.expect("handle"))
        .send()
        .await
        .expect_err("completed tasks cannot be cancelled");
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
}

#[tokio::test]
async fn move_task_respects_its_rate_and_can_be_cancelled() {
    let (server, clock) = common::start_with_manual_clock().await;
    let sqs = common::sqs(&server).await;
    let dlq = create(&sqs, "rate-dlq").await;
    let dlq_arn = attr(&sqs, &dlq, QueueAttributeName::QueueArn).await;
    let dest = sqs
        .create_queue()
        .queue_name("rate-src")
        .attributes(
            QueueAttributeName::RedrivePolicy,
            format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":5}}"#),
        )
        .send()
        .await
        .expect("create")
        .queue_url
        .expect("url");
    let dest_arn = attr(&sqs, &dest, QueueAttributeName::QueueArn).await;
    for i in 0..5 {
        sqs.send_message()
            .queue_url(&dlq)
            .message_body(format!("m{i}"))
            .send()
            .await
            .expect("send");
    }
    let task = sqs
        .start_message_move_task()
        .source_arn(&dlq_arn)
        .destination_arn(&dest_arn)
        .max_number_of_messages_per_second(2)
        .send()
        .await
        .expect("start");
    assert_eq!(
        attr(&sqs, &dest, QueueAttributeName::ApproximateNumberOfMessages).await,
        "2"
    );
    let listed = sqs
        .list_message_move_tasks()
        .source_arn(&dlq_arn)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.results()[0].status(), Some("RUNNING"));
    assert_eq!(
        listed.results()[0].approximate_number_of_messages_to_move(),
        Some(5)
    );
    clock.advance(Duration::from_secs(1));
    let mut moved = String::new();
    for _ in 0..200 {
        moved = attr(&sqs, &dest, QueueAttributeName::ApproximateNumberOfMessages).await;
        if moved == "4" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(moved, "4");
    let cancelled = sqs
        .cancel_message_move_task()
        .task_handle(task.task_handle.expect("handle"))
        .send()
        .await
        .expect("cancel");
    assert_eq!(cancelled.approximate_number_of_messages_moved(), 4);
    let listed = sqs
        .list_message_move_tasks()
        .source_arn(&dlq_arn)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.results()[0].status(), Some("CANCELLED"));
}

#[tokio::test]
async fn fifo_orders_groups_locks_in_flight_groups_and_deduplicates() {
    let (server, clock) = common::start_with_manual_clock().await;
    let sqs = common::sqs(&server).await;
    let url = sqs
        .create_queue()
        .queue_name("jobs.fifo")
        .attributes(QueueAttributeName::FifoQueue, "true")
        .attributes(QueueAttributeName::ContentBasedDeduplication, "true")
        .send()
        .await
        .expect("create")
        .queue_url
        .expect("url");
    let mut seqs = Vec::new();
    for (body, group) in [("a1", "a"), ("b1", "b"), ("a2", "a")] {
        let out = sqs
            .send_message()
            .queue_url(&url)
            .message_body(body)
            .message_group_id(group)
            .send()
            .await
            .expect("send");
        seqs.push(
            out.sequence_number
                .expect("sequence number")
                .parse::<u128>()
                .expect("numeric"),
        );
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    // Content-based dedup: the same body again is accepted but not stored twice.
    let dup = sqs
        .send_message()
        .queue_url(&url)
        .message_body("a1")
        .message_group_id("a")
        .send()
        .await
        .expect("dup");
    let first = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(1)
        .send()
        .await
        .expect("receive");
    assert_eq!(first.messages()[0].body(), Some("a1"));
    assert_eq!(first.messages()[0].message_id(), dup.message_id());
    // Group a is locked while a1 is in flight: only b1 comes out.
    let second = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .send()
        .await
        .expect("r");
    let bodies: Vec<_> = second.messages().iter().filter_map(|m| m.body()).collect();
    assert_eq!(bodies, ["b1"]);
    sqs.delete_message()
        .queue_url(&url)
        .receipt_handle(first.messages()[0].receipt_handle().expect("handle"))
        .send()
        .await
        .expect("delete");
    let third = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .send()
        .await
        .expect("r");
    let bodies: Vec<_> = third.messages().iter().filter_map(|m| m.body()).collect();
    assert_eq!(bodies, ["a2"]);

    // After the five-minute window the same content is a new message.
    clock.advance(Duration::from_secs(301));
    let fresh = sqs
        .send_message()
        .queue_url(&url)
        .message_body("a1")
        .message_group_id("a")
        .send()
        .await
        .expect("send");
    assert_ne!(fresh.message_id(), dup.message_id());

    let err = sqs
        .send_message()
        .queue_url(&url)
        .message_body("x")
        .send()
        .await
        .expect_err("group required");
    assert_eq!(err.code(), Some("MissingParameter"));
    let err = sqs
        .send_message()
        .queue_url(&url)
        .message_body("x")
        .message_group_id("g")
        .delay_seconds(5)
        .send()
        .await
        .expect_err("per-message delay");
    assert_eq!(err.code(), Some("InvalidParameterValue"));
}

#[tokio::test]
async fn tags_and_permissions() {
    let server = common::start().await;
    let sqs = common::sqs(&server).await;
    let url = sqs
        .create_queue()
        .queue_name("tagged")
        .tags("team", "a")
        .send()
        .await
        .expect("create")
        .queue_url
        .expect("url");
    sqs.tag_queue()
        .queue_url(&url)
        .tags("env", "dev")
        .send()
        .await
        .expect("tag");
    sqs.untag_queue()
        .queue_url(&url)
        .tag_keys("team")
        .send()
        .await
        .expect("untag");
    let tags = sqs
        .list_queue_tags()
        .queue_url(&url)
        .send()
        .await
        .expect("tags")
        .tags
        .expect("map");
    assert_eq!(tags.len(), 1);
    assert_eq!(tags.get("env").map(String::as_str), Some("dev"));

    sqs.add_permission()
        .queue_url(&url)
        .label("send")
        .aws_account_ids("111111111111")
        .actions("SendMessage")
        .send()
        .await
        .expect("add permission");
    let policy: serde_json::Value =
        serde_json::from_str(&attr(&sqs, &url, QueueAttributeName::Policy).await)
            .expect("policy json");
    assert_eq!(policy["Statement"][0]["Sid"], "send");
    assert_eq!(policy["Statement"][0]["Action"], "SQS:SendMessage");
    assert_eq!(
        policy["Statement"][0]["Principal"]["AWS"],
        "arn:aws:iam::111111111111:root"
    );
    let err = sqs
        .add_permission()
        .queue_url(&url)
        .label("send")
        .aws_account_ids("111111111111")
        .actions("SendMessage")
        .send()
        .await
        .expect_err("duplicate label");
    assert_eq!(err.code(), Some("InvalidParameterValue"));
    sqs.remove_permission()
        .queue_url(&url)
        .label("send")
        .send()
        .await
        .expect("remove");
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::Policy)
        .send()
        .await
        .expect("attrs");
    assert!(attrs.attributes.is_none_or(|a| a.is_empty()));
}

#[tokio::test]
async fn accounts_and_regions_are_isolated() {
    let server = common::start().await;
    let a = common::sqs_as(&server, "111111111111", "us-east-1").await;
    let b = common::sqs_as(&server, "222222222222", "us-east-1").await;
    let other_region = common::sqs_as(&server, "111111111111", "eu-west-1").await;
    let url = create(&a, "shared-name").await;
    assert!(url.ends_with("/111111111111/shared-name"));
    assert!(
        b.get_queue_url()
            .queue_name("shared-name")
            .send()
            .await
            .is_err()
    );
    assert!(
        other_region
            .get_queue_url()
            .queue_name("shared-name")
            .send()
            .await
            .is_err()
    );
    // Cross-account lookup by owner id works, as on AWS.
    let found = b
        .get_queue_url()
        .queue_name("shared-name")
        .queue_owner_aws_account_id("111111111111")
        .send()
        .await
        .expect("owner lookup");
    assert_eq!(found.queue_url.as_deref(), Some(url.as_str()));
    assert_eq!(
        b.list_queues()
            .send()
            .await
            .expect("list")
            .queue_urls()
            .len(),
        0
    );
}

#[tokio::test]
async fn set_queue_attributes_updates_and_validates() {
    let server = common::start().await;
    let sqs = common::sqs(&server).await;
    let url = create(&sqs, "settable").await;
    sqs.set_queue_attributes()
        .queue_url(&url)
        .attributes(QueueAttributeName::DelaySeconds, "10")
        .send()
        .await
        .expect("set");
    assert_eq!(
        attr(&sqs, &url, QueueAttributeName::DelaySeconds).await,
        "10"
    );
    let err = sqs
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(QueueAttributeName::RedrivePolicy, r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":3}"#)
        .send()
        .await
        .expect_err("missing DLQ");
    assert_eq!(err.code(), Some("InvalidParameterValue"));
    let err = sqs
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(QueueAttributeName::ContentBasedDeduplication, "true")
        .send()
        .await
        .expect_err("fifo only");
    assert_eq!(err.code(), Some("InvalidAttributeName"));
}
