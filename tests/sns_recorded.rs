//! SNS answers checked against AWS's recorded ones (LocalStack's `aws_validated` snapshots of
//! tests/aws/services/sns, named at each test), through the official Rust SDK.

mod common;

use aws_sdk_sns::error::ProvideErrorMetadata;
use aws_sdk_sns::types::{MessageAttributeValue, PublishBatchRequestEntry};
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use serde_json::Value;

async fn queue(sqs: &aws_sdk_sqs::Client, name: &str, fifo: bool) -> (String, String) {
    let mut req = sqs.create_queue().queue_name(name);
    if fifo {
        req = req.attributes(QueueAttributeName::FifoQueue, "true");
    }
    let url = req.send().await.expect("queue").queue_url.expect("url");
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

async fn subscribe(
    sns: &aws_sdk_sns::Client,
    topic: &str,
    protocol: &str,
    endpoint: &str,
) -> String {
    sns.subscribe()
        .topic_arn(topic)
        .protocol(protocol)
        .endpoint(endpoint)
        .return_subscription_arn(true)
        .send()
        .await
        .expect("subscribe")
        .subscription_arn
        .expect("arn")
}

async fn receive_all(sqs: &aws_sdk_sqs::Client, url: &str) -> aws_sdk_sqs::types::Message {
    sqs.receive_message()
        .queue_url(url)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .message_attribute_names("All")
        .wait_time_seconds(5)
        .send()
        .await
        .expect("receive")
        .messages
        .unwrap_or_default()
        .into_iter()
        .next()
        .expect("a message")
}

async fn topic_attributes(
    sns: &aws_sdk_sns::Client,
    topic: &str,
) -> std::collections::HashMap<String, String> {
    sns.get_topic_attributes()
        .topic_arn(topic)
        .send()
        .await
        .expect("attributes")
        .attributes
        .unwrap_or_default()
}

/// `SigningCertURL: <cert-domain>/SimpleNotificationService-<signing-cert-file>` (every
/// recorded envelope), here on fogbank's own host, where the certificate is served.
#[tokio::test]
async fn the_signing_cert_url_is_named_as_aws_names_it_and_serves_the_certificate() {
    let server = common::start().await;
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let topic = common::create_topic(&sns, "cert-name").await;
    let (url, arn) = queue(&sqs, "cert-name-q", false).await;
    subscribe(&sns, &topic, "sqs", &arn).await;
    common::publish(&sns, &topic, "signed").await;
    let body = common::receive_one(&sqs, &url).await.body.expect("body");
    let env: Value = serde_json::from_str(&body).expect("json");
    let cert_url = env["SigningCertURL"].as_str().expect("cert url");
    let file = cert_url
        .strip_prefix(&format!("{}/SimpleNotificationService-", server.endpoint()))
        .and_then(|f| f.strip_suffix(".pem"))
        .unwrap_or_else(|| panic!("{cert_url}"));
    assert_eq!(file.len(), 32, "{cert_url}");
    assert!(file.bytes().all(|b| b.is_ascii_hexdigit()), "{cert_url}");
    common::verify_sns_signature(&env)
        .await
        .expect("verifies with the certificate fetched from SigningCertURL");
}

/// test_fifo_topic_to_regular_sqs: no MessageGroupId on the standard queue's message;
/// test_publish_message_group_id: a standard topic's MessageGroupId reaches it.
#[tokio::test]
async fn message_group_ids_reach_a_standard_queue_only_from_a_standard_topic() {
    let server = common::start().await;
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let fifo_topic = sns
        .create_topic()
        .name("grp.fifo")
        .attributes("FifoTopic", "true")
        .attributes("ContentBasedDeduplication", "true")
        .send()
        .await
        .expect("fifo topic")
        .topic_arn
        .expect("arn");
    let (url, arn) = queue(&sqs, "grp-standard", false).await;
    subscribe(&sns, &fifo_topic, "sqs", &arn).await;
    sns.publish()
        .topic_arn(&fifo_topic)
        .message("Test")
        .message_group_id("message-group-id-1")
        .send()
        .await
        .expect("publish");
    let m = receive_all(&sqs, &url).await;
    assert_eq!(
        common::system_attribute(&m, MessageSystemAttributeName::MessageGroupId),
        None
    );
    let env: Value = serde_json::from_str(m.body().expect("body")).expect("json");
    assert!(env["SequenceNumber"].is_string());
    sqs.delete_message()
        .queue_url(&url)
        .receipt_handle(m.receipt_handle().expect("handle"))
        .send()
        .await
        .expect("delete");

    let std_topic = common::create_topic(&sns, "grp-std").await;
    subscribe(&sns, &std_topic, "sqs", &arn).await;
    sns.publish()
        .topic_arn(&std_topic)
        .message("grouped")
        .message_group_id("my-group-id-1")
        .send()
        .await
        .expect("publish");
    let m = receive_all(&sqs, &url).await;
    assert_eq!(
        common::system_attribute(&m, MessageSystemAttributeName::MessageGroupId).as_deref(),
        Some("my-group-id-1")
    );
}

/// test_topic_get_attributes_with_fifo_false: no FifoTopic on a standard topic, and
/// `FifoTopic` cannot be set afterwards (`Invalid parameter: AttributeName`).
#[tokio::test]
async fn a_standard_topic_has_no_fifo_topic_attribute() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let topic = sns
        .create_topic()
        .name("fifo-false")
        .attributes("FifoTopic", "false")
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("arn");
    let attrs = topic_attributes(&sns, &topic).await;
    assert!(!attrs.contains_key("FifoTopic"), "{attrs:?}");
    assert!(
        !attrs.contains_key("ContentBasedDeduplication"),
        "{attrs:?}"
    );
    let e = sns
        .set_topic_attributes()
        .topic_arn(&topic)
        .attribute_name("FifoTopic")
        .attribute_value("false")
        .send()
        .await
        .expect_err("refused");
    assert_eq!(e.code(), Some("InvalidParameter"));
    assert_eq!(e.message(), Some("Invalid parameter: AttributeName"));
    // Creating it again the same way is idempotent.
    let again = sns
        .create_topic()
        .name("fifo-false")
        .attributes("FifoTopic", "false")
        .send()
        .await
        .expect("idempotent")
        .topic_arn
        .expect("arn");
    assert_eq!(again, topic);
}

/// test_topic_delivery_policy_crud: DeliveryPolicy shown with
/// `disableSubscriptionOverrides: false`, EffectiveDeliveryPolicy the defaults overlaid, an
/// empty value removes it.
#[tokio::test]
async fn topic_delivery_policies_are_answered_as_aws_answers_them() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let policy = r#"{"http":{"defaultRequestPolicy":{"headerContentType":"application/json"}}}"#;
    let topic = sns
        .create_topic()
        .name("delivery-policy")
        .attributes("DeliveryPolicy", policy)
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("arn");
    let attrs = topic_attributes(&sns, &topic).await;
    let shown: Value = serde_json::from_str(&attrs["DeliveryPolicy"]).expect("json");
    assert_eq!(
        shown,
        serde_json::json!({"http": {"disableSubscriptionOverrides": false,
            "defaultRequestPolicy": {"headerContentType": "application/json"}}})
    );
    let effective: Value = serde_json::from_str(&attrs["EffectiveDeliveryPolicy"]).expect("json");
    assert_eq!(
        effective["http"]["defaultRequestPolicy"]["headerContentType"],
        "application/json"
    );
    assert_eq!(
        effective["http"]["defaultHealthyRetryPolicy"]["numRetries"],
        3
    );

    sns.set_topic_attributes()
        .topic_arn(&topic)
        .attribute_name("DeliveryPolicy")
        .attribute_value(
            r#"{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":5,"maxDelayTarget":6,"numRetries":1}}}"#,
        )
        .send()
        .await
        .expect("set");
    let attrs = topic_attributes(&sns, &topic).await;
    let effective: Value = serde_json::from_str(&attrs["EffectiveDeliveryPolicy"]).expect("json");
    assert_eq!(
        effective["http"]["defaultHealthyRetryPolicy"],
        serde_json::json!({"minDelayTarget": 5, "maxDelayTarget": 6, "numRetries": 1,
            "numMaxDelayRetries": 0, "numNoDelayRetries": 0, "numMinDelayRetries": 0,
            "backoffFunction": "linear"})
    );
    assert_eq!(
        effective["http"]["defaultRequestPolicy"]["headerContentType"],
        "text/plain; charset=UTF-8"
    );

    sns.set_topic_attributes()
        .topic_arn(&topic)
        .attribute_name("DeliveryPolicy")
        .attribute_value("")
        .send()
        .await
        .expect("unset");
    let attrs = topic_attributes(&sns, &topic).await;
    assert!(!attrs.contains_key("DeliveryPolicy"), "{attrs:?}");
}

/// test_create_subscriptions_with_attributes and the other recorded subscriptions answer
/// `RawMessageDelivery` as `true`/`false`.
#[tokio::test]
async fn raw_message_delivery_is_answered_in_lower_case() {
    let server = common::start().await;
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let topic = common::create_topic(&sns, "raw-case").await;
    let (_, arn) = queue(&sqs, "raw-case-q", false).await;
    let sub = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(&arn)
        .attributes("RawMessageDelivery", "True")
        .send()
        .await
        .expect("subscribe")
        .subscription_arn
        .expect("arn");
    let get = |sub: String| {
        let sns = sns.clone();
        async move {
            sns.get_subscription_attributes()
                .subscription_arn(sub)
                .send()
                .await
                .expect("attrs")
                .attributes
                .unwrap_or_default()
        }
    };
    assert_eq!(get(sub.clone()).await["RawMessageDelivery"], "true");
    sns.set_subscription_attributes()
        .subscription_arn(&sub)
        .attribute_name("RawMessageDelivery")
        .attribute_value("FALSE")
        .send()
        .await
        .expect("set");
    let attrs = get(sub.clone()).await;
    assert_eq!(attrs["RawMessageDelivery"], "false");
    assert_eq!(
        attrs["SubscriptionPrincipal"],
        "arn:aws:iam::000000000000:root"
    );
}

/// test_subscription_paging: 120 pending email subscriptions come as 100 and a NextToken,
/// then the other 20.
#[tokio::test]
async fn subscriptions_page_past_pending_ones() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let topic = common::create_topic(&sns, "paging").await;
    for i in 0..120 {
        sns.subscribe()
            .topic_arn(&topic)
            .protocol("email")
            .endpoint(format!("user{i}@example.com"))
            .send()
            .await
            .expect("subscribe");
    }
    let first = sns
        .list_subscriptions_by_topic()
        .topic_arn(&topic)
        .send()
        .await
        .expect("page 1");
    assert_eq!(first.subscriptions().len(), 100);
    assert!(
        first
            .subscriptions()
            .iter()
            .all(|s| s.subscription_arn() == Some("PendingConfirmation"))
    );
    let token = first.next_token().expect("a NextToken").to_string();
    let second = sns
        .list_subscriptions_by_topic()
        .topic_arn(&topic)
        .next_token(&token)
        .send()
        .await
        .expect("page 2");
    assert_eq!(second.subscriptions().len(), 20);
    assert!(second.next_token().is_none());
    let mut endpoints: Vec<&str> = first
        .subscriptions()
        .iter()
        .chain(second.subscriptions())
        .filter_map(|s| s.endpoint())
        .collect();
    endpoints.sort_unstable();
    endpoints.dedup();
    assert_eq!(endpoints.len(), 120);

    let all = sns.list_subscriptions().send().await.expect("list");
    assert_eq!(all.subscriptions().len(), 100);
    let rest = sns
        .list_subscriptions()
        .next_token(all.next_token().expect("token"))
        .send()
        .await
        .expect("list 2");
    assert_eq!(rest.subscriptions().len(), 20);
}

fn number(v: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type("Number")
        .string_value(v)
        .build()
        .expect("attribute")
}

/// AWS matches numbers to five decimals: a policy's `100.123456789` matches `100.1234567`, in
/// attributes, String.Array attributes and bodies.
#[tokio::test]
async fn numeric_filters_match_to_five_decimals() {
    let server = common::start().await;
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let topic = common::create_topic(&sns, "five-decimals").await;
    let mut urls = Vec::new();
    for (name, scope) in [("attr", "MessageAttributes"), ("body", "MessageBody")] {
        let (url, arn) = queue(&sqs, &format!("five-{name}"), false).await;
        sns.subscribe()
            .topic_arn(&topic)
            .protocol("sqs")
            .endpoint(&arn)
            .attributes("RawMessageDelivery", "true")
            .attributes("FilterPolicyScope", scope)
            .attributes(
                "FilterPolicy",
                r#"{"price": [{"numeric": ["=", 100.123456789]}]}"#,
            )
            .send()
            .await
            .expect("subscribe");
        urls.push(url);
    }
    sns.publish()
        .topic_arn(&topic)
        .message("by attribute")
        .message_attributes("price", number("100.1234567"))
        .send()
        .await
        .expect("publish");
    sns.publish()
        .topic_arn(&topic)
        .message("by array")
        .message_attributes(
            "price",
            MessageAttributeValue::builder()
                .data_type("String.Array")
                .string_value("[1, 100.1234567]")
                .build()
                .expect("attribute"),
        )
        .send()
        .await
        .expect("publish");
    sns.publish()
        .topic_arn(&topic)
        .message("far off")
        .message_attributes("price", number("100.12344"))
        .send()
        .await
        .expect("publish");
    sns.publish()
        .topic_arn(&topic)
        .message(r#"{"price": 100.1234567}"#)
        .send()
        .await
        .expect("publish");
    let mut bodies = Vec::new();
    for _ in 0..2 {
        let m = common::receive_one(&sqs, &urls[0]).await;
        bodies.push(m.body.expect("body"));
        sqs.delete_message()
            .queue_url(&urls[0])
            .receipt_handle(m.receipt_handle.expect("handle"))
            .send()
            .await
            .expect("delete");
    }
    bodies.sort();
    assert_eq!(bodies, ["by array", "by attribute"]);
    let body = common::receive_one(&sqs, &urls[1])
        .await
        .body
        .expect("body");
    assert_eq!(body, r#"{"price": 100.1234567}"#);
}

/// test_publish_batch_too_long_message ("error-with-attrs"): attributes count towards the
/// batch's size.
#[tokio::test]
async fn a_batch_too_long_with_its_attributes_is_refused() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let topic = common::create_topic(&sns, "batch-long").await;
    let half = "a".repeat(262_144 / 2 - 10);
    let entry = |id: &str| {
        PublishBatchRequestEntry::builder()
            .id(id)
            .message(half.clone())
            .message_attributes("attr", number("1234567890"))
            .build()
            .expect("entry")
    };
    let e = sns
        .publish_batch()
        .topic_arn(&topic)
        .publish_batch_request_entries(entry("1"))
        .publish_batch_request_entries(entry("2"))
        .send()
        .await
        .expect_err("too long");
    assert_eq!(e.code(), Some("BatchRequestTooLong"));
    assert_eq!(
        e.message(),
        Some("The length of all the messages put together is more than the limit.")
    );
}

/// `AWS.SNS.MOBILE.*` attributes are SNS's own and accepted (LocalStack's platform endpoint
/// test publishes them); other `AWS.` names stay reserved.
#[tokio::test]
async fn sns_own_aws_attributes_are_accepted() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let topic = common::create_topic(&sns, "mobile-attrs").await;
    let s = |v: &str| {
        MessageAttributeValue::builder()
            .data_type("String")
            .string_value(v)
            .build()
            .expect("attribute")
    };
    sns.publish()
        .topic_arn(&topic)
        .message("push")
        .message_attributes(
            "AWS.SNS.MOBILE.APNS.TOPIC",
            s("com.amazon.mobile.messaging.myapp"),
        )
        .message_attributes("AWS.SNS.MOBILE.APNS.PUSH_TYPE", s("background"))
        .send()
        .await
        .expect("accepted");
    let e = sns
        .publish()
        .topic_arn(&topic)
        .message("push")
        .message_attributes("AWS.mine", s("x"))
        .send()
        .await
        .expect_err("reserved");
    assert_eq!(e.code(), Some("ParameterValueInvalid"));
}

/// moto's test_add_permission_errors.
#[tokio::test]
async fn add_permission_errors() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let topic = common::create_topic(&sns, "test-permissions").await;
    sns.add_permission()
        .topic_arn(&topic)
        .label("test")
        .aws_account_id("999999999999")
        .action_name("Publish")
        .send()
        .await
        .expect("added");
    let e = sns
        .add_permission()
        .topic_arn(&topic)
        .label("test")
        .aws_account_id("999999999999")
        .action_name("AddPermission")
        .send()
        .await
        .expect_err("duplicate");
    assert_eq!(e.message(), Some("Statement already exists"));
    let e = sns
        .add_permission()
        .topic_arn(format!("{topic}-not-existing"))
        .label("test-2")
        .aws_account_id("999999999999")
        .action_name("AddPermission")
        .send()
        .await
        .expect_err("no topic");
    assert_eq!(e.code(), Some("NotFound"));
    assert_eq!(e.message(), Some("Topic does not exist"));
    let e = sns
        .add_permission()
        .topic_arn(&topic)
        .label("test-2")
        .aws_account_id("999999999999")
        .action_name("NotExistingAction")
        .send()
        .await
        .expect_err("bad action");
    assert_eq!(
        e.message(),
        Some("Policy statement action out of service scope!")
    );
}

/// test_subscribe_external_http_endpoint: the SubscribeURL carries the TopicArn as it is.
#[tokio::test]
async fn the_subscribe_url_carries_the_raw_topic_arn() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let topic = common::create_topic(&sns, "raw-subscribe-url").await;
    let (endpoint, mut rx) = common::http_endpoint(0).await;
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("http")
        .endpoint(&endpoint)
        .send()
        .await
        .expect("subscribe");
    let req = common::next_request(&mut rx).await;
    let msg: Value = serde_json::from_str(&req.body).expect("json");
    let url = msg["SubscribeURL"].as_str().expect("SubscribeURL");
    let token = msg["Token"].as_str().expect("token");
    assert_eq!(
        url,
        format!(
            "{}/?Action=ConfirmSubscription&TopicArn={topic}&Token={token}",
            server.endpoint()
        )
    );
    // Visiting it confirms the subscription.
    let res = reqwest::get(url).await.expect("visit");
    assert_eq!(res.status(), 200);
}
