//! SQS answers checked against what AWS answered in recorded runs (LocalStack's
//! `tests/aws/services/sqs/test_sqs.snapshot.json`, all AWS-validated; the recorded test is
//! named beside each check), through aws-sdk-sqs (JSON protocol) and plain HTTP GETs (query
//! protocol on queue URLs).

#[macro_use]
mod common;

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::types::{
    MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName,
    SendMessageBatchRequestEntry,
};
use fogbank::server::RunningServer;
use fogbank::sqs::engine::EndpointStrategy;

async fn create(c: &aws_sdk_sqs::Client, name: &str, attrs: &[(&str, &str)]) -> String {
    let mut req = c.create_queue().queue_name(name);
    for (k, v) in attrs {
        req = req.attributes(QueueAttributeName::from(*k), *v);
    }
    req.send()
        .await
        .expect("create queue")
        .queue_url
        .expect("url")
}

fn string_attr(v: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(v)
        .build()
        .expect("attribute")
}

/// A plain (unsigned) GET, as LocalStack's TestSqsQueryApi sends them.
async fn get(url: &str, params: &[(&str, &str)]) -> (u16, String) {
    let url = reqwest::Url::parse_with_params(url, params).expect("url");
    let res = reqwest::Client::new()
        .get(url)
        .send()
        .await
        .expect("request");
    (res.status().as_u16(), res.text().await.expect("body"))
}

#[tokio::test]
async fn a_queue_name_is_accepted_as_queue_url_and_a_malformed_url_is_a_missing_queue() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    create(&c, "by-name", &[]).await;
    // test_posting_to_queue_via_queue_name
    let sent = c
        .send_message()
        .queue_url("by-name")
        .message_body("Using name instead of URL")
        .send()
        .await
        .expect("send by name");
    assert_eq!(
        sent.md5_of_message_body(),
        Some("86a83f96652a1bfad3891e7d523750cb")
    );
    // test_non_existent_queue: AWS.SimpleQueueService.NonExistentQueue, 400.
    for url in ["http://localhost:4566/by-name", "no-such-queue"] {
        let res = c
            .send_message()
            .queue_url(url)
            .message_body("x")
            .send()
            .await;
        let err = res.expect_err("no such queue");
        assert_eq!(
            err.raw_response().map(|r| r.status().as_u16()),
            Some(400),
            "{url}"
        );
        assert_eq!(err.code(), Some("AWS.SimpleQueueService.NonExistentQueue"));
        assert_eq!(err.message(), Some("The specified queue does not exist."));
    }
}

#[tokio::test]
async fn fifo_message_with_delay_zero_takes_the_queue_delay() {
    // test_fifo_queue_send_message_with_delay_on_queue_works / test_send_message_with_delay_0_works_for_fifo
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create(
        &c,
        "delayed.fifo",
        &[
            ("FifoQueue", "true"),
            ("ContentBasedDeduplication", "true"),
            ("DelaySeconds", "2"),
        ],
    )
    .await;
    for body in ["message-1", "message-2", "message-3"] {
        c.send_message()
            .queue_url(&url)
            .message_body(body)
            .message_group_id("1")
            .delay_seconds(0)
            .send()
            .await
            .expect("send");
    }
    let none = c.receive_message().queue_url(&url).send().await.unwrap();
    assert!(none.messages().is_empty(), "the queue's delay applies");
    clock.advance(Duration::from_secs(3));
    let got = c
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(3)
        .send()
        .await
        .unwrap();
    let bodies: Vec<_> = got.messages().iter().filter_map(|m| m.body()).collect();
    assert_eq!(bodies, ["message-1", "message-2", "message-3"]);
}

#[tokio::test]
async fn fifo_delete_with_an_expired_receipt_handle_is_refused() {
    // test_fifo_delete_message_with_expired_receipt_handle: InvalidParameterValue, 400.
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create(
        &c,
        "expiring.fifo",
        &[
            ("FifoQueue", "true"),
            ("VisibilityTimeout", "1"),
            ("ContentBasedDeduplication", "true"),
        ],
    )
    .await;
    c.send_message()
        .queue_url(&url)
        .message_body("g1-m1")
        .message_group_id("1")
        .send()
        .await
        .unwrap();
    let got = c.receive_message().queue_url(&url).send().await.unwrap();
    let handle = got.messages()[0].receipt_handle().unwrap().to_string();
    clock.advance(Duration::from_secs(2));
    let status = expect_error_code!(
        c.delete_message()
            .queue_url(&url)
            .receipt_handle(&handle)
            .send()
            .await,
        "InvalidParameterValue"
    );
    assert_eq!(status, Some(400));
    let err = c
        .delete_message()
        .queue_url(&url)
        .receipt_handle(&handle)
        .send()
        .await
        .expect_err("expired");
    assert_eq!(
        err.message(),
        Some(
            format!(
                "Value {handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired."
            )
            .as_str()
        )
    );
    // A standard queue deletes with an old handle without complaint
    // (test_remove_message_with_old_receipt_handle).
    let std_url = create(&c, "old-handle", &[]).await;
    c.send_message()
        .queue_url(&std_url)
        .message_body("test")
        .send()
        .await
        .unwrap();
    let got = c
        .receive_message()
        .queue_url(&std_url)
        .visibility_timeout(1)
        .send()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(2));
    c.delete_message()
        .queue_url(&std_url)
        .receipt_handle(got.messages()[0].receipt_handle().unwrap())
        .send()
        .await
        .expect("standard queues delete with an old handle");
}

#[tokio::test]
async fn purge_clears_the_fifo_deduplication_cache() {
    // test_purge_queue_clears_fifo_deduplication_cache
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create(&c, "purged.fifo", &[("FifoQueue", "true")]).await;
    for body in ["message-1", "message-2"] {
        if body == "message-2" {
            c.purge_queue().queue_url(&url).send().await.unwrap();
        }
        c.send_message()
            .queue_url(&url)
            .message_body(body)
            .message_group_id("g")
            .message_deduplication_id("same")
            .send()
            .await
            .unwrap();
    }
    let got = c.receive_message().queue_url(&url).send().await.unwrap();
    assert_eq!(got.messages().len(), 1);
    assert_eq!(got.messages()[0].body(), Some("message-2"));
}

#[tokio::test]
async fn fifo_queue_attribute_is_refused_on_standard_queues_and_kept_on_fifo_ones() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    // test_set_unsupported_attribute_fifo: InvalidAttributeName "Unknown Attribute FifoQueue."
    let url = create(&c, "plain", &[]).await;
    let err = c
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(QueueAttributeName::FifoQueue, "true")
        .send()
        .await
        .expect_err("standard queue");
    assert_eq!(
        (err.code(), err.message()),
        (
            Some("InvalidAttributeName"),
            Some("Unknown Attribute FifoQueue.")
        )
    );
    // CreateQueue of a standard queue with FifoQueue=false: the attribute is unknown there too.
    let err = c
        .create_queue()
        .queue_name("plain-false")
        .attributes(QueueAttributeName::FifoQueue, "false")
        .send()
        .await
        .expect_err("FifoQueue on a standard queue");
    assert_eq!(
        (err.code(), err.message()),
        (
            Some("InvalidAttributeName"),
            Some("Unknown Attribute FifoQueue.")
        )
    );
    let fifo = create(&c, "typed.fifo", &[("FifoQueue", "true")]).await;
    let err = c
        .set_queue_attributes()
        .queue_url(&fifo)
        .attributes(QueueAttributeName::FifoQueue, "false")
        .send()
        .await
        .expect_err("type change");
    assert_eq!(
        (err.code(), err.message()),
        (
            Some("InvalidAttributeValue"),
            Some(
                "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported."
            )
        )
    );
    // DeduplicationScope and FifoThroughputLimit may change after creation (high throughput).
    c.set_queue_attributes()
        .queue_url(&fifo)
        .attributes(QueueAttributeName::DeduplicationScope, "messageGroup")
        .attributes(QueueAttributeName::FifoThroughputLimit, "perMessageGroupId")
        .send()
        .await
        .expect("high throughput");
    let attrs = common::all_attributes(&c, &fifo).await;
    assert_eq!(attrs["DeduplicationScope"], "messageGroup");
    assert_eq!(attrs["FifoThroughputLimit"], "perMessageGroupId");
    // Deduplication now works per group: one id in two groups is two messages.
    for g in ["g1", "g2"] {
        c.send_message()
            .queue_url(&fifo)
            .message_body("same")
            .message_group_id(g)
            .message_deduplication_id("d")
            .send()
            .await
            .unwrap();
    }
    let got = c
        .receive_message()
        .queue_url(&fifo)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    assert_eq!(got.messages().len(), 2);
}

#[tokio::test]
async fn attribute_names_may_be_non_ascii_and_values_may_not_hold_control_characters() {
    // test_send_message_with_invalid_string_attributes (`attr.1øßä` accepted) and
    // test_invalid_string_attributes_cause_invalid_parameter_value_error.
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create(&c, "attrs", &[]).await;
    c.send_message()
        .queue_url(&url)
        .message_body("test")
        .message_attributes("attr.1øßä", string_attr("Valida"))
        .send()
        .await
        .expect("non-ASCII letters are fine");
    let status = expect_error_code!(
        c.send_message()
            .queue_url(&url)
            .message_body("test")
            .message_attributes("attr1", string_attr("Invalid-\u{8},\u{b}"))
            .send()
            .await,
        "InvalidParameterValue"
    );
    assert_eq!(status, Some(400));
    for name in ["Invalid-§-attr", "aWs.-Invalid-attr", "Invalid."] {
        expect_error_code!(
            c.send_message()
                .queue_url(&url)
                .message_body("test")
                .message_attributes(name, string_attr("Valid"))
                .send()
                .await,
            "InvalidParameterValue"
        );
    }
    // A body's bad characters stay InvalidMessageContents
    // (test_send_message_with_invalid_payload_characters).
    expect_error_code!(
        c.send_message()
            .queue_url(&url)
            .message_body("Invalid-\u{0}-\u{8}")
            .send()
            .await,
        "InvalidMessageContents"
    );
}

#[tokio::test]
async fn message_attribute_name_filters_as_recorded() {
    // test_receive_message_message_attribute_names_filters: the recorded MD5s of each filter.
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create(&c, "filters", &[("VisibilityTimeout", "0")]).await;
    let sent = c
        .send_message()
        .queue_url(&url)
        .message_body("msg")
        .message_attributes("Help.Me", string_attr("Me"))
        .message_attributes("Hello", string_attr("There"))
        .message_attributes("General", string_attr("Kenobi"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent.md5_of_message_attributes(),
        Some("4c360f3fdafd970e05fae2f149d997f5")
    );
    for (filter, names, md5) in [
        (
            vec!["All"],
            vec!["General", "Hello", "Help.Me"],
            Some("4c360f3fdafd970e05fae2f149d997f5"),
        ),
        (
            vec!["*"],
            vec!["General", "Hello", "Help.Me"],
            Some("4c360f3fdafd970e05fae2f149d997f5"),
        ),
        (
            vec![".*"],
            vec!["General", "Hello", "Help.Me"],
            Some("4c360f3fdafd970e05fae2f149d997f5"),
        ),
        (vec!["Foo", "Help"], vec![], None),
        (
            vec!["Hello", "General"],
            vec!["General", "Hello"],
            Some("fca026605781cb4126a1e9044df24232"),
        ),
        (
            vec!["Foo", "Hello"],
            vec!["Hello"],
            Some("a311262e065454b75da111d535b8dacd"),
        ),
        (
            vec!["Hel.*"],
            vec!["Hello", "Help.Me"],
            Some("83fee93c1bcd8b9a5a923ffacdc636c7"),
        ),
        (vec!["AWS."], vec![], None),
        (vec!["..foo"], vec![], None),
    ] {
        let mut req = c.receive_message().queue_url(&url);
        for f in &filter {
            req = req.message_attribute_names(*f);
        }
        let got = req.send().await.unwrap();
        let m = &got.messages()[0];
        let mut have: Vec<&str> = m
            .message_attributes()
            .map(|a| a.keys().map(String::as_str).collect())
            .unwrap_or_default();
        have.sort_unstable();
        assert_eq!(have, names, "{filter:?}");
        assert_eq!(m.md5_of_message_attributes(), md5, "{filter:?}");
    }
}

#[tokio::test]
async fn the_x_ray_trace_header_becomes_the_aws_trace_header_attribute() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create(&c, "traced", &[]).await;
    let trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    let res = reqwest::Client::new()
        .post(server.endpoint())
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", "AmazonSQS.SendMessage")
        .header("x-amzn-trace-id", trace)
        .body(serde_json::json!({"QueueUrl": url, "MessageBody": "traced"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let got = c
        .receive_message()
        .queue_url(&url)
        .message_system_attribute_names(MessageSystemAttributeName::AwsTraceHeader)
        .send()
        .await
        .unwrap();
    let attrs = got.messages()[0].attributes().expect("attributes");
    assert_eq!(
        attrs
            .get(&MessageSystemAttributeName::AwsTraceHeader)
            .map(String::as_str),
        Some(trace)
    );
    // test_system_attributes_have_no_effect_on_attr_md5: an explicit attribute's digest.
    let sent = c
        .send_message()
        .queue_url(&url)
        .message_body("test")
        .message_system_attributes(
            aws_sdk_sqs::types::MessageSystemAttributeNameForSends::AwsTraceHeader,
            aws_sdk_sqs::types::MessageSystemAttributeValue::builder()
                .data_type("String")
                .string_value(trace)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent.md5_of_message_system_attributes(),
        Some("5ae4d5d7636402d80f4eb6d213245a88")
    );
}

#[tokio::test]
async fn add_permission_writes_the_policy_aws_writes() {
    // test_sqs_permission_lifecycle
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create(&c, "shared", &[]).await;
    let arn = "arn:aws:sqs:us-east-1:000000000000:shared";
    c.add_permission()
        .queue_url(&url)
        .aws_account_ids("000000000000")
        .aws_account_ids("668614515564")
        .actions("ReceiveMessage")
        .label("crossaccountpermission")
        .send()
        .await
        .unwrap();
    let attrs = common::all_attributes(&c, &url).await;
    let policy: serde_json::Value = serde_json::from_str(&attrs["Policy"]).unwrap();
    assert_eq!(
        policy,
        serde_json::json!({
            "Version": "2008-10-17",
            "Id": format!("{arn}/SQSDefaultPolicy"),
            "Statement": [{
                "Sid": "crossaccountpermission",
                "Effect": "Allow",
                "Principal": {"AWS": [
                    "arn:aws:iam::668614515564:root",
                    "arn:aws:iam::000000000000:root"
                ]},
                "Action": "SQS:ReceiveMessage",
                "Resource": arn,
            }]
        })
    );
    let err = c
        .add_permission()
        .queue_url(&url)
        .aws_account_ids("668614515564")
        .actions("ReceiveMessage")
        .label("crossaccountpermission")
        .send()
        .await
        .expect_err("same label");
    assert_eq!(
        (err.code(), err.message()),
        (
            Some("InvalidParameterValue"),
            Some(
                "Value crossaccountpermission for parameter Label is invalid. Reason: Already exists."
            )
        )
    );
}

#[tokio::test]
async fn a_requeued_message_comes_back_before_newer_ones() {
    // test_inflight_message_requeue
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let url = create(&c, "requeue", &[]).await;
    c.send_message()
        .queue_url(&url)
        .message_body("test1")
        .send()
        .await
        .unwrap();
    let first = c
        .receive_message()
        .queue_url(&url)
        .visibility_timeout(3)
        .send()
        .await
        .unwrap();
    clock.advance(Duration::from_millis(1500));
    c.send_message()
        .queue_url(&url)
        .message_body("test2")
        .send()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(3));
    let again = c
        .receive_message()
        .queue_url(&url)
        .visibility_timeout(3)
        .send()
        .await
        .unwrap();
    assert_eq!(first.messages()[0].body(), Some("test1"));
    assert_eq!(again.messages()[0].body(), Some("test1"));
    // The same after ChangeMessageVisibility 0 (test_change_message_visibility_not_permanent).
    let handle = again.messages()[0].receipt_handle().unwrap();
    c.send_message()
        .queue_url(&url)
        .message_body("test3")
        .send()
        .await
        .unwrap();
    c.change_message_visibility()
        .queue_url(&url)
        .receipt_handle(handle)
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    let bodies: Vec<String> = c
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap()
        .messages()
        .iter()
        .filter_map(|m| m.body().map(str::to_string))
        .collect();
    assert_eq!(bodies, ["test1", "test2", "test3"]);
}

#[tokio::test]
async fn batch_errors_as_recorded() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    // test_send_batch_missing_message_group_id_for_fifo_queue: the whole batch fails with
    // InvalidParameterValue (not MissingParameter, as a single SendMessage answers).
    let fifo = create(
        &c,
        "batch.fifo",
        &[
            ("FifoQueue", "true"),
            ("ContentBasedDeduplication", "false"),
        ],
    )
    .await;
    let entry = |id: &str, group: Option<&str>| {
        SendMessageBatchRequestEntry::builder()
            .id(id)
            .message_body("messageBody")
            .set_message_group_id(group.map(str::to_string))
            .message_deduplication_id(format!("dedup-{id}"))
            .build()
            .unwrap()
    };
    let err = c
        .send_message_batch()
        .queue_url(&fifo)
        .entries(entry("a", Some("test-group")))
        .entries(entry("b", None))
        .send()
        .await
        .expect_err("missing group");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
    assert_eq!(
        (err.code(), err.message()),
        (
            Some("InvalidParameterValue"),
            Some("The request must contain the parameter MessageGroupId.")
        )
    );
    // test_posting_to_fifo_requires_deduplicationid_group_id: a single send is MissingParameter.
    let err = c
        .send_message()
        .queue_url(&fifo)
        .message_body("x")
        .message_deduplication_id("d")
        .send()
        .await
        .expect_err("missing group");
    assert_eq!(
        (err.code(), err.message()),
        (
            Some("MissingParameter"),
            Some("The request must contain the parameter MessageGroupId.")
        )
    );
    // DelaySeconds beyond 900 fails its entry only.
    let url = create(&c, "batch-delays", &[]).await;
    let out = c
        .send_message_batch()
        .queue_url(&url)
        .entries(
            SendMessageBatchRequestEntry::builder()
                .id("ok")
                .message_body("fine")
                .build()
                .unwrap(),
        )
        .entries(
            SendMessageBatchRequestEntry::builder()
                .id("late")
                .message_body("too late")
                .delay_seconds(901)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("the batch itself succeeds");
    assert_eq!(out.successful().len(), 1);
    assert_eq!(out.successful()[0].id(), "ok");
    assert_eq!(out.failed().len(), 1);
    let f = &out.failed()[0];
    assert_eq!(
        (f.id(), f.code(), f.sender_fault()),
        ("late", "InvalidParameterValue", true)
    );
}

#[tokio::test]
async fn query_api_on_queue_urls_as_recorded() {
    // LocalStack's TestSqsQueryApi, each against AWS.
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let url = create(&c, "get-q1", &[]).await;
    let url2 = create(&c, "get-q2", &[]).await;
    let at = |u: &str| {
        format!(
            "{}{}",
            server.endpoint(),
            &u[u.find("/000000000000/").unwrap()..]
        )
    };
    let (q1, q2) = (at(&url), at(&url2));

    // test_invalid_action_raises_exception
    let (status, body) = get(&q1, &[("Action", "FooBar"), ("Version", "2012-11-05")]).await;
    assert_eq!(status, 400);
    assert!(body.contains("<Code>InvalidAction</Code>"), "{body}");
    assert!(body.contains("<Type>Sender</Type>"), "{body}");
    assert!(
        body.contains("<Message>The action FooBar is not valid for this endpoint.</Message>"),
        "{body}"
    );
    // test_valid_action_with_missing_parameter_raises_exception
    let (status, body) = get(&q1, &[("Action", "SendMessage")]).await;
    assert_eq!(status, 400);
    assert!(body.contains("<Code>MissingParameter</Code>"), "{body}");
    assert!(
        body.contains("<Message>The request must contain the parameter MessageBody.</Message>"),
        "{body}"
    );
    // test_get_create_queue_fails, test_get_list_queues_fails
    for action in ["CreateQueue", "ListQueues"] {
        let (status, body) = get(&q1, &[("Action", action), ("QueueName", "other")]).await;
        assert_eq!(status, 400, "{action}");
        assert!(body.contains("<Code>InvalidAction</Code>"), "{body}");
        assert!(
            body.contains(&format!(
                "<Message>The action {action} is not valid for this endpoint"
            )),
            "{body}"
        );
    }
    // test_get_without_query_returns_unknown_operation (also with Accept: application/json)
    let (status, body) = get(&q1, &[]).await;
    assert_eq!(status, 404);
    assert!(body.contains("<UnknownOperationException"), "{body}");
    let res = reqwest::Client::new()
        .get(&q1)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("<UnknownOperationException")
    );
    // test_get_send_and_receive_messages
    let (status, _) = get(&q1, &[("Action", "SendMessage"), ("MessageBody", "foobar")]).await;
    assert_eq!(status, 200);
    let (status, body) = get(&q2, &[("Action", "ReceiveMessage")]).await;
    assert_eq!(status, 200);
    assert!(!body.contains("foobar"), "{body}");
    let (status, body) = get(&q1, &[("Action", "ReceiveMessage")]).await;
    assert_eq!(status, 200);
    assert!(body.contains("<Body>foobar</Body>"), "{body}");
    assert!(body.contains("<MD5OfBody>"), "{body}");
    // test_get_queue_url_work_for_different_queue, test_overwrite_queue_url_in_params
    let (status, body) = get(&q1, &[("Action", "GetQueueUrl"), ("QueueName", "get-q2")]).await;
    assert_eq!(status, 200);
    assert!(
        body.contains(&format!("<QueueUrl>{url2}</QueueUrl>")),
        "{body}"
    );
    let (_, body) = get(
        &q1,
        &[
            ("Action", "GetQueueAttributes"),
            ("QueueUrl", &url2),
            ("AttributeName.1", "QueueArn"),
        ],
    )
    .await;
    assert!(
        body.contains("get-q2") && !body.contains("get-q1"),
        "{body}"
    );
    // test_get_on_deleted_queue_fails
    c.delete_queue().queue_url(&url2).send().await.unwrap();
    let (status, body) = get(
        &q2,
        &[
            ("Action", "GetQueueAttributes"),
            ("AttributeName.1", "QueueArn"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body.contains("<Code>AWS.SimpleQueueService.NonExistentQueue</Code>"),
        "{body}"
    );
    assert!(
        body.contains("<Message>The specified queue does not exist for this wsdl version"),
        "{body}"
    );
}

/// test_endpoint_strategy_with_multi_region: one name in two regions is two queues with two
/// URLs, each URL reaching its own queue.
async fn one_name_in_two_regions(server: &RunningServer, strategy: EndpointStrategy) {
    server.state.sqs.set_endpoint_strategy(strategy);
    let r1 = common::sqs_as(server, "000000000000", "us-west-1").await;
    let r2 = common::sqs_as(server, "000000000000", "eu-north-1").await;
    let name = format!("multi-{strategy:?}").to_lowercase();
    let u1 = create(&r1, &name, &[]).await;
    let u2 = create(&r2, &name, &[]).await;
    if strategy == EndpointStrategy::Off {
        assert_eq!(u1, u2);
        return;
    }
    assert_ne!(u1, u2, "{strategy:?}");
    assert!(u2.contains("eu-north-1"), "{u2}");
    assert_eq!(
        r2.get_queue_url()
            .queue_name(&name)
            .send()
            .await
            .unwrap()
            .queue_url(),
        Some(u2.as_str())
    );
    assert!(
        r1.list_queues()
            .send()
            .await
            .unwrap()
            .queue_urls()
            .contains(&u1)
    );
    // A URL reaches its own region's queue whatever region the client signs for: send through
    // the eu-north-1 client to the us-west-1 URL.
    r2.send_message()
        .queue_url(&u1)
        .message_body("foobar")
        .send()
        .await
        .unwrap();
    let in2 = r2
        .receive_message()
        .queue_url(&u2)
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    assert!(in2.messages().is_empty(), "{strategy:?}");
    let in1 = r1
        .receive_message()
        .queue_url(&u1)
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    assert_eq!(in1.messages()[0].body(), Some("foobar"), "{strategy:?}");
    // Plain GETs on the path-strategy URL (region in the path) reach the queue too.
    if strategy == EndpointStrategy::Path {
        let path = &u1[u1.find("/queue/").unwrap()..];
        let (status, body) = get(
            &format!("{}{path}", server.endpoint()),
            &[("Action", "ReceiveMessage"), ("VisibilityTimeout", "0")],
        )
        .await;
        assert_eq!(status, 200);
        assert!(body.contains("foobar"), "{body}");
    }
}

#[tokio::test]
async fn endpoint_strategies_tell_regions_apart() {
    for strategy in [
        EndpointStrategy::Standard,
        EndpointStrategy::Domain,
        EndpointStrategy::Path,
        EndpointStrategy::Off,
    ] {
        let server = common::start().await;
        one_name_in_two_regions(&server, strategy).await;
    }
}

#[tokio::test]
async fn queue_urls_follow_the_strategy_from_the_environment() {
    let (_child, endpoint) =
        common::start_binary(&[], &[("SQS_ENDPOINT_STRATEGY", "standard")]).await;
    let port = endpoint.rsplit(':').next().unwrap().to_string();
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(&endpoint)
        .region(aws_config::Region::new("eu-west-1"))
        .credentials_provider(aws_credential_types::Credentials::new(
            "test", "test", None, None, "t",
        ))
        .load()
        .await;
    let c = aws_sdk_sqs::Client::new(&conf);
    let url = create(&c, "env-strategy", &[]).await;
    assert_eq!(
        url,
        format!("http://sqs.eu-west-1.localhost.localstack.cloud:{port}/000000000000/env-strategy")
    );
    let attrs: HashMap<String, String> = c
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes()
        .map(|a| {
            a.iter()
                .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        attrs["QueueArn"],
        "arn:aws:sqs:eu-west-1:000000000000:env-strategy"
    );
}
