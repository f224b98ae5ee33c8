//! SNS signatures (checked against the served certificate), Lambda subscriptions through a
//! test double, and subscription dead-letter queues.

mod common;

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sns::error::ProvideErrorMetadata;
use aws_sdk_sqs::types::QueueAttributeName;
use fogbank::sns::LambdaInvoker;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

async fn queue(sqs: &aws_sdk_sqs::Client, name: &str) -> (String, String) {
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("attrs")
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .expect("arn");
    (url, arn)
}

use common::create_topic as topic;

use common::receive_one;

use common::next_request as next;

#[tokio::test]
async fn sqs_envelopes_carry_signatures_that_verify_for_both_versions() {
    let server = common::start().await;
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let t = topic(&sns, "signed").await;
    let (url, arn) = queue(&sqs, "signed-q").await;
    common::subscribe(&sns, &t, "sqs", &arn).await;

    sns.publish()
        .topic_arn(&t)
        .message("line one\nline \"two\" é")
        .subject("greetings")
        .send()
        .await
        .expect("publish");
    let body = receive_one(&sqs, &url).await.body.expect("body");
    let env: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(env["SignatureVersion"], "1");
    assert!(
        env["SigningCertURL"]
            .as_str()
            .is_some_and(|u| u.contains("/SimpleNotificationService-") && u.ends_with(".pem"))
    );
    common::verify_sns_signature(&env)
        .await
        .expect("version 1 verifies");
    let mut tampered = env.clone();
    tampered["Message"] = serde_json::json!("something else");
    assert!(common::verify_sns_signature(&tampered).await.is_err());

    sns.set_topic_attributes()
        .topic_arn(&t)
        .attribute_name("SignatureVersion")
        .attribute_value("2")
        .send()
        .await
        .expect("set version 2");
    common::publish(&sns, &t, "no subject").await;
    let mut bodies = Vec::new();
    while bodies.len() < 2 {
        let out = sqs
            .receive_message()
            .queue_url(&url)
            .wait_time_seconds(10)
            .max_number_of_messages(10)
            .visibility_timeout(60)
            .send()
            .await
            .expect("receive");
        bodies.extend(
            out.messages
                .unwrap_or_default()
                .into_iter()
                .filter_map(|m| m.body),
        );
        if bodies.iter().any(|b| b.contains("no subject")) {
            break;
        }
    }
    let env: serde_json::Value = serde_json::from_str(
        bodies
            .iter()
            .find(|b| b.contains("no subject"))
            .expect("second message"),
    )
    .expect("json");
    assert_eq!(env["SignatureVersion"], "2");
    assert!(env.get("Subject").is_none());
    common::verify_sns_signature(&env)
        .await
        .expect("version 2 verifies");

    let pem = reqwest::get(format!(
        "{}/_fogbank/sns/SimpleNotificationService.pem",
        server.endpoint()
    ))
    .await
    .expect("get pem")
    .text()
    .await
    .expect("text");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
}

#[tokio::test]
async fn http_confirmations_notifications_and_unsubscribes_are_signed() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let t = topic(&sns, "signed-http").await;
    let (endpoint, mut rx) = common::http_endpoint(0).await;
    common::subscribe(&sns, &t, "http", &endpoint).await;
    let confirmation: serde_json::Value =
        serde_json::from_str(&next(&mut rx).await.body).expect("json");
    common::verify_sns_signature(&confirmation)
        .await
        .expect("confirmation verifies");
    let arn = sns
        .confirm_subscription()
        .topic_arn(&t)
        .token(confirmation["Token"].as_str().expect("token"))
        .send()
        .await
        .expect("confirm")
        .subscription_arn
        .expect("arn");
    sns.publish()
        .topic_arn(&t)
        .message("{\"k\":1}")
        .subject("s")
        .send()
        .await
        .expect("publish");
    let note: serde_json::Value = serde_json::from_str(&next(&mut rx).await.body).expect("json");
    assert_eq!(note["Type"], "Notification");
    common::verify_sns_signature(&note)
        .await
        .expect("notification verifies");
    sns.unsubscribe()
        .subscription_arn(&arn)
        .send()
        .await
        .expect("unsubscribe");
    let bye: serde_json::Value = serde_json::from_str(&next(&mut rx).await.body).expect("json");
    assert_eq!(bye["Type"], "UnsubscribeConfirmation");
    assert!(bye["SubscribeURL"].as_str().is_some());
    common::verify_sns_signature(&bye)
        .await
        .expect("unsubscribe confirmation verifies");
}

/// A Lambda engine double: records invokes; refuses them when `fail` is set.
struct Recorder {
    tx: UnboundedSender<(String, Vec<u8>)>,
    fail: bool,
}

impl LambdaInvoker for Recorder {
    fn invoke_async(&self, function_arn: &str, payload: Vec<u8>) -> Result<(), String> {
        let _ = self.tx.send((function_arn.to_string(), payload));
        if self.fail {
            Err("Function not found".to_string())
        } else {
            Ok(())
        }
    }
}

#[tokio::test]
async fn lambda_subscriptions_get_the_sns_event() {
    let server = common::start().await;
    let (tx, mut rx) = unbounded_channel();
    assert!(
        server
            .state
            .sns
            .set_lambda_invoker(Arc::new(Recorder { tx, fail: false }))
    );
    let sns = common::sns(&server).await;
    let t = topic(&sns, "to-lambda").await;
    let function = "arn:aws:lambda:us-east-1:000000000000:function:handler";
    let bad = sns
        .subscribe()
        .topic_arn(&t)
        .protocol("lambda")
        .endpoint("handler")
        .send()
        .await
        .expect_err("not an ARN");
    assert_eq!(bad.code(), Some("InvalidParameter"));
    let sub = sns
        .subscribe()
        .topic_arn(&t)
        .protocol("lambda")
        .endpoint(function)
        .send()
        .await
        .expect("subscribe")
        .subscription_arn
        .expect("arn");
    assert!(
        sub.starts_with(&format!("{t}:")),
        "confirmed at once: {sub}"
    );
    let published = sns
        .publish()
        .topic_arn(&t)
        .message("to the function")
        .message_attributes(
            "color",
            aws_sdk_sns::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value("red")
                .build()
                .expect("attr"),
        )
        .send()
        .await
        .expect("publish");
    let (arn, payload) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("invoked in time")
        .expect("open");
    assert_eq!(arn, function);
    let event: serde_json::Value = serde_json::from_slice(&payload).expect("json");
    let records = event["Records"].as_array().expect("records");
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r["EventSource"], "aws:sns");
    assert_eq!(r["EventVersion"], "1.0");
    assert_eq!(r["EventSubscriptionArn"], sub.as_str());
    let s = &r["Sns"];
    assert_eq!(s["Type"], "Notification");
    assert_eq!(s["MessageId"], published.message_id().expect("id"));
    assert_eq!(s["TopicArn"], t.as_str());
    assert!(s["Subject"].is_null());
    assert_eq!(s["Message"], "to the function");
    assert_eq!(
        s["MessageAttributes"]["color"],
        serde_json::json!({"Type": "String", "Value": "red"})
    );
    assert!(
        s["UnsubscribeUrl"]
            .as_str()
            .is_some_and(|u| u.contains(&sub))
    );
    assert!(s.get("SigningCertURL").is_none());
    common::verify_sns_signature(s)
        .await
        .expect("the Lambda record's signature verifies");
}

#[tokio::test]
async fn refused_lambda_invokes_go_to_the_subscription_dlq() {
    let server = common::start().await;
    let (tx, mut rx) = unbounded_channel();
    server
        .state
        .sns
        .set_lambda_invoker(Arc::new(Recorder { tx, fail: true }));
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let t = topic(&sns, "lambda-dlq").await;
    let (dlq_url, dlq_arn) = queue(&sqs, "lambda-dlq").await;
    let sub = sns
        .subscribe()
        .topic_arn(&t)
        .protocol("lambda")
        .endpoint("arn:aws:lambda:us-east-1:000000000000:function:gone")
        .attributes(
            "RedrivePolicy",
            format!(r#"{{"deadLetterTargetArn":"{dlq_arn}"}}"#),
        )
        .send()
        .await
        .expect("subscribe")
        .subscription_arn
        .expect("arn");
    common::publish(&sns, &t, "lost").await;
    let _ = rx.recv().await;
    let m = receive_one(&sqs, &dlq_url).await;
    let env: serde_json::Value = serde_json::from_str(m.body().expect("body")).expect("json");
    assert_eq!(env["Type"], "Notification");
    assert_eq!(env["Message"], "lost");
    assert!(
        env["UnsubscribeURL"]
            .as_str()
            .is_some_and(|u| u.contains(&sub))
    );
    // AWS adds no attributes of its own to subscription DLQ copies (LocalStack's recorded
    // test_redrive_policy_sqs_queue_subscription).
    assert!(
        m.message_attributes.is_none_or(|a| a.is_empty()),
        "no ErrorCode/ErrorMessage/RequestID"
    );
}

#[tokio::test]
async fn failed_http_deliveries_go_to_the_subscription_dlq_after_the_retries() {
    let server = common::start().await;
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let t = topic(&sns, "http-dlq").await;
    let (dlq_url, dlq_arn) = queue(&sqs, "http-dlq").await;
    // Confirmation succeeds (request 1); every later request fails.
    let (endpoint, mut rx) = common::http_endpoint_failing_after(1).await;
    let sub = sns
        .subscribe()
        .topic_arn(&t)
        .protocol("http")
        .endpoint(&endpoint)
        .return_subscription_arn(true)
        .attributes(
            "DeliveryPolicy",
            r#"{"healthyRetryPolicy":{"numRetries":1,"minDelayTarget":0}}"#,
        )
        .send()
        .await
        .expect("subscribe")
        .subscription_arn
        .expect("arn");
    let confirmation: serde_json::Value =
        serde_json::from_str(&next(&mut rx).await.body).expect("json");
    sns.confirm_subscription()
        .topic_arn(&t)
        .token(confirmation["Token"].as_str().expect("token"))
        .send()
        .await
        .expect("confirm");
    sns.set_subscription_attributes()
        .subscription_arn(&sub)
        .attribute_name("RedrivePolicy")
        .attribute_value(format!(r#"{{"deadLetterTargetArn":"{dlq_arn}"}}"#))
        .send()
        .await
        .expect("set redrive policy");
    common::publish(&sns, &t, "undeliverable").await;
    // The first attempt and one retry.
    next(&mut rx).await;
    next(&mut rx).await;
    let m = receive_one(&sqs, &dlq_url).await;
    let env: serde_json::Value = serde_json::from_str(m.body().expect("body")).expect("json");
    assert_eq!(env["Message"], "undeliverable");
    common::verify_sns_signature(&env)
        .await
        .expect("the dead letter is the signed notification");
    assert!(m.message_attributes.is_none_or(|a| a.is_empty()));
}

#[tokio::test]
async fn redrive_policies_are_validated() {
    let server = common::start().await;
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let t = topic(&sns, "redrive-checks").await;
    let (_, arn) = queue(&sqs, "redrive-target").await;
    let sub = sns
        .subscribe()
        .topic_arn(&t)
        .protocol("sqs")
        .endpoint(&arn)
        .send()
        .await
        .expect("subscribe")
        .subscription_arn
        .expect("arn");
    for (value, message) in [
        (
            "not json",
            "Invalid parameter: RedrivePolicy: failed to parse JSON.",
        ),
        (
            r#"{"deadLetterTargetArn":"nope"}"#,
            "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn",
        ),
        (
            r#"{"deadLetterTargetArn":"arn:aws:sns:us-east-1:000000000000:t"}"#,
            "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn",
        ),
    ] {
        let err = sns
            .set_subscription_attributes()
            .subscription_arn(&sub)
            .attribute_name("RedrivePolicy")
            .attribute_value(value)
            .send()
            .await
            .expect_err(value);
        assert_eq!(err.code(), Some("InvalidParameter"), "{value}");
        assert_eq!(err.message(), Some(message), "{value}");
    }
    sns.set_subscription_attributes()
        .subscription_arn(&sub)
        .attribute_name("RedrivePolicy")
        .attribute_value(format!(r#"{{"deadLetterTargetArn":"{arn}"}}"#))
        .send()
        .await
        .expect("a queue ARN is accepted");
    let fifo = sns
        .create_topic()
        .name("redrive.fifo")
        .attributes("FifoTopic", "true")
        .send()
        .await
        .expect("fifo topic")
        .topic_arn
        .expect("arn");
    let (_, fifo_q) = {
        let url = sqs
            .create_queue()
            .queue_name("redrive-q.fifo")
            .attributes(QueueAttributeName::FifoQueue, "true")
            .send()
            .await
            .expect("fifo queue")
            .queue_url
            .expect("url");
        (
            url,
            "arn:aws:sqs:us-east-1:000000000000:redrive-q.fifo".to_string(),
        )
    };
    let err = sns
        .subscribe()
        .topic_arn(&fifo)
        .protocol("sqs")
        .endpoint(&fifo_q)
        .attributes(
            "RedrivePolicy",
            format!(r#"{{"deadLetterTargetArn":"{arn}"}}"#),
        )
        .send()
        .await
        .expect_err("standard DLQ for a FIFO topic");
    assert_eq!(
        err.message(),
        Some(
            "Invalid parameter: RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic."
        )
    );
}

#[tokio::test]
async fn fifo_topics_deliver_to_standard_queues_too() {
    // AWS lets standard queues subscribe to FIFO topics (best-effort ordering, no dedup id).
    let server = common::start().await;
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let t = sns
        .create_topic()
        .name("mixed.fifo")
        .attributes("FifoTopic", "true")
        .attributes("ContentBasedDeduplication", "true")
        .send()
        .await
        .expect("fifo topic")
        .topic_arn
        .expect("arn");
    let (url, arn) = queue(&sqs, "standard-of-fifo").await;
    for raw in ["true", "false"] {
        sns.subscribe()
            .topic_arn(&t)
            .protocol("sqs")
            .endpoint(&arn)
            .attributes("RawMessageDelivery", raw)
            .send()
            .await
            .expect("a standard queue may subscribe to a FIFO topic");
        sns.publish()
            .topic_arn(&t)
            .message(format!("raw={raw}"))
            .message_group_id("g")
            .send()
            .await
            .expect("publish");
        let m = receive_one(&sqs, &url).await;
        let body = m.body.expect("body");
        if raw == "true" {
            assert_eq!(body, "raw=true");
        } else {
            let env: serde_json::Value = serde_json::from_str(&body).expect("envelope");
            assert_eq!(env["Message"], "raw=false");
            assert_eq!(env["TopicArn"], t.as_str());
        }
        sqs.delete_message()
            .queue_url(&url)
            .receipt_handle(m.receipt_handle.expect("handle"))
            .send()
            .await
            .expect("delete");
        let subs = sns
            .list_subscriptions_by_topic()
            .topic_arn(&t)
            .send()
            .await
            .expect("list");
        for s in subs.subscriptions.unwrap_or_default() {
            sns.unsubscribe()
                .subscription_arn(s.subscription_arn.expect("arn"))
                .send()
                .await
                .expect("unsubscribe");
        }
    }
}

async fn receive_and_delete(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    let m = receive_one(sqs, url).await;
    sqs.delete_message()
        .queue_url(url)
        .receipt_handle(m.receipt_handle.expect("handle"))
        .send()
        .await
        .expect("delete");
    m.body.expect("body")
}

#[tokio::test]
async fn sqs_envelopes_are_written_in_aws_key_order_and_layout() {
    let server = common::start().await;
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let t = topic(&sns, "layout").await;
    let (url, arn) = queue(&sqs, "layout-q").await;
    common::subscribe(&sns, &t, "sqs", &arn).await;

    // No Subject, no attributes: neither key appears.
    common::publish(&sns, &t, "plain \"quoted\"\nsecond line é / \\ {\"k\":[1]}").await;
    let body = receive_and_delete(&sqs, &url).await;
    let env: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        body,
        common::sns_aws_layout(&env, &common::NOTIFICATION_KEYS)
    );
    assert!(body.starts_with("{\n  \"Type\" : \"Notification\",\n  \"MessageId\" : \""));
    assert!(body.ends_with("\"\n}"), "{body}");
    common::verify_sns_signature(&env)
        .await
        .expect("signature verifies");

    // Subject after TopicArn; MessageAttributes last, one compact object per line.
    let attr = |t: &str, v: &str| {
        aws_sdk_sns::types::MessageAttributeValue::builder()
            .data_type(t)
            .string_value(v)
            .build()
            .expect("attr")
    };
    sns.publish()
        .topic_arn(&t)
        .message("with extras")
        .subject("greetings")
        .message_attributes("color", attr("String", "red"))
        .message_attributes("count", attr("Number", "5"))
        .message_attributes("tags", attr("String.Array", "[\"a\",\"b\"]"))
        .message_attributes(
            "blob",
            aws_sdk_sns::types::MessageAttributeValue::builder()
                .data_type("Binary")
                .binary_value(aws_sdk_sns::primitives::Blob::new(vec![0u8, 1, 2]))
                .build()
                .expect("attr"),
        )
        .send()
        .await
        .expect("publish");
    let body = receive_and_delete(&sqs, &url).await;
    let env: serde_json::Value = serde_json::from_str(&body).expect("json");
    let keys = [
        "Type",
        "MessageId",
        "TopicArn",
        "Subject",
        "Message",
        "Timestamp",
        "SignatureVersion",
        "Signature",
        "SigningCertURL",
        "UnsubscribeURL",
        "MessageAttributes",
    ];
    assert_eq!(body, common::sns_aws_layout(&env, &keys));
    assert!(
        body.ends_with(
            "\",\n  \"MessageAttributes\" : {\n    \"blob\" : {\"Type\":\"Binary\",\"Value\":\"AAEC\"},\n    \"color\" : {\"Type\":\"String\",\"Value\":\"red\"},\n    \"count\" : {\"Type\":\"Number\",\"Value\":\"5\"},\n    \"tags\" : {\"Type\":\"String.Array\",\"Value\":\"[\\\"a\\\",\\\"b\\\"]\"}\n  }\n}"
        ),
        "{body}"
    );
    assert_eq!(env["Subject"], "greetings");
    common::verify_sns_signature(&env)
        .await
        .expect("signature with Subject verifies");
}

#[tokio::test]
async fn fifo_envelopes_carry_the_sequence_number_and_no_signature() {
    // AWS's FIFO topics put SequenceNumber after MessageId and do not sign: no
    // SignatureVersion, Signature or SigningCertURL (aws/aws-sdk-net#3000).
    let server = common::start().await;
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let t = sns
        .create_topic()
        .name("layout.fifo")
        .attributes("FifoTopic", "true")
        .attributes("ContentBasedDeduplication", "true")
        .send()
        .await
        .expect("fifo topic")
        .topic_arn
        .expect("arn");
    let url = sqs
        .create_queue()
        .queue_name("layout-q.fifo")
        .attributes(QueueAttributeName::FifoQueue, "true")
        .send()
        .await
        .expect("fifo queue")
        .queue_url
        .expect("url");
    common::subscribe(
        &sns,
        &t,
        "sqs",
        "arn:aws:sqs:us-east-1:000000000000:layout-q.fifo",
    )
    .await;
    let published = sns
        .publish()
        .topic_arn(&t)
        .message("in order")
        .subject("s")
        .message_group_id("g")
        .send()
        .await
        .expect("publish");
    let body = receive_and_delete(&sqs, &url).await;
    let env: serde_json::Value = serde_json::from_str(&body).expect("json");
    let keys = [
        "Type",
        "MessageId",
        "SequenceNumber",
        "TopicArn",
        "Subject",
        "Message",
        "Timestamp",
        "UnsubscribeURL",
    ];
    assert_eq!(body, common::sns_aws_layout(&env, &keys));
    assert_eq!(env["SequenceNumber"].as_str(), published.sequence_number());
    assert_eq!(env["SequenceNumber"].as_str().map(str::len), Some(20));
}

#[tokio::test]
async fn fifo_topics_refuse_subscriptions_other_than_sqs() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let topic = sns
        .create_topic()
        .name("only-queues.fifo")
        .attributes("FifoTopic", "true")
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("arn");
    for (protocol, endpoint) in [
        ("sms", "+15555550100"),
        ("http", "http://127.0.0.1:9/hook"),
        ("lambda", "arn:aws:lambda:us-east-1:000000000000:function:f"),
    ] {
        let err = sns
            .subscribe()
            .topic_arn(&topic)
            .protocol(protocol)
            .endpoint(endpoint)
            .send()
            .await
            .expect_err("FIFO topics take SQS subscriptions only");
        let status = err.raw_response().map(|r| r.status().as_u16());
        let err = err.into_service_error();
        assert!(err.is_invalid_parameter_exception(), "{err:?}");
        assert_eq!(status, Some(400));
        assert_eq!(
            aws_sdk_sns::error::ProvideErrorMetadata::message(&err),
            Some(format!("Invalid parameter: Invalid protocol type: {protocol}").as_str())
        );
    }
    let subs = sns
        .list_subscriptions_by_topic()
        .topic_arn(&topic)
        .send()
        .await
        .expect("list");
    assert!(subs.subscriptions().is_empty());
}
