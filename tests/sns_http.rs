//! SNS HTTP subscriptions: confirmation through the SubscribeURL, notifications with the
//! x-amz-sns-* headers, retries on the engine's clock, and unsubscribe confirmations.

mod common;

use std::time::Duration;

use aws_sdk_sns::error::ProvideErrorMetadata;

use common::next_request as next;

fn header<'a>(r: &'a common::Received, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn http_subscription_is_confirmed_by_its_subscribe_url_then_notified() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let (endpoint, mut rx) = common::http_endpoint(0).await;
    let topic = common::create_topic(&sns, "hooks").await;
    let sub = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("http")
        .endpoint(&endpoint)
        .send()
        .await
        .expect("subscribe");
    assert_eq!(sub.subscription_arn(), Some("pending confirmation"));

    let confirmation = next(&mut rx).await;
    assert_eq!(
        header(&confirmation, "x-amz-sns-message-type"),
        "SubscriptionConfirmation"
    );
    assert_eq!(header(&confirmation, "x-amz-sns-topic-arn"), topic);
    let body: serde_json::Value = serde_json::from_str(&confirmation.body).expect("json");
    assert_eq!(body["Type"], "SubscriptionConfirmation");
    assert_eq!(body["TopicArn"], topic.as_str());
    assert!(body["Token"].as_str().is_some_and(|t| t.len() >= 32));
    let attrs = sns
        .get_topic_attributes()
        .topic_arn(&topic)
        .send()
        .await
        .expect("attrs");
    let a = attrs.attributes.expect("map");
    assert_eq!(a.get("SubscriptionsPending").map(String::as_str), Some("1"));

    // Publishing before confirmation delivers nothing.
    common::publish(&sns, &topic, "too early").await;

    let url = body["SubscribeURL"].as_str().expect("url");
    let res = reqwest::get(url).await.expect("visit SubscribeURL");
    assert_eq!(res.status().as_u16(), 200);
    let xml = res.text().await.expect("body");
    assert!(
        xml.contains("<ConfirmSubscriptionResult><SubscriptionArn>"),
        "{xml}"
    );

    let published = sns
        .publish()
        .topic_arn(&topic)
        .message("hello")
        .subject("s")
        .send()
        .await
        .expect("publish");
    let note = next(&mut rx).await;
    assert_eq!(header(&note, "x-amz-sns-message-type"), "Notification");
    assert_eq!(
        header(&note, "x-amz-sns-message-id"),
        published.message_id().expect("id")
    );
    assert!(header(&note, "x-amz-sns-subscription-arn").starts_with(&format!("{topic}:")));
    assert!(header(&note, "content-type").starts_with("text/plain"));
    let body: serde_json::Value = serde_json::from_str(&note.body).expect("json");
    assert_eq!(body["Message"], "hello");
    assert_eq!(body["Subject"], "s");

    let subs = sns
        .list_subscriptions_by_topic()
        .topic_arn(&topic)
        .send()
        .await
        .expect("subs");
    let arn = subs.subscriptions()[0]
        .subscription_arn()
        .expect("arn")
        .to_string();
    sns.unsubscribe()
        .subscription_arn(&arn)
        .send()
        .await
        .expect("unsubscribe");
    let bye = next(&mut rx).await;
    assert_eq!(
        header(&bye, "x-amz-sns-message-type"),
        "UnsubscribeConfirmation"
    );

    let err = sns
        .confirm_subscription()
        .topic_arn(&topic)
        .token("not-a-token")
        .send()
        .await
        .expect_err("bad token");
    assert_eq!(err.code(), Some("InvalidParameter"));
}

#[tokio::test]
async fn failed_notifications_are_retried_on_the_delivery_policy_schedule() {
    let (server, clock) = common::start_with_manual_clock().await;
    let sns = common::sns(&server).await;
    // The confirmation succeeds; the first notification attempt fails once.
    let (endpoint, mut rx) = common::http_endpoint(0).await;
    let topic = common::create_topic(&sns, "retry").await;
    let sub = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("http")
        .endpoint(&endpoint)
        .return_subscription_arn(true)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .expect("subscribe")
        .subscription_arn
        .expect("arn");
    let confirmation: serde_json::Value =
        serde_json::from_str(&next(&mut rx).await.body).expect("json");
    sns.confirm_subscription()
        .topic_arn(&topic)
        .token(confirmation["Token"].as_str().expect("token"))
        .send()
        .await
        .expect("confirm");
    let attrs = sns
        .get_subscription_attributes()
        .subscription_arn(&sub)
        .send()
        .await
        .expect("attrs");
    assert_eq!(
        attrs
            .attributes
            .expect("map")
            .get("PendingConfirmation")
            .map(String::as_str),
        Some("false")
    );

    // A dead endpoint: publish must not wait for it.
    let dead = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("http")
        .endpoint("http://127.0.0.1:9/nothing-listens-here")
        .send()
        .await
        .expect("subscribe to a dead endpoint");
    assert_eq!(dead.subscription_arn(), Some("pending confirmation"));

    let (failing, mut failing_rx) = common::http_endpoint(2).await;
    let second = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("http")
        .endpoint(&failing)
        .return_subscription_arn(true)
        .attributes(
            "DeliveryPolicy",
            r#"{"healthyRetryPolicy":{"numRetries":3,"minDelayTarget":5}}"#,
        )
        .send()
        .await
        .expect("subscribe")
        .subscription_arn
        .expect("arn");
    // The confirmation itself fails once, is retried after 5 s of clock time, then succeeds.
    let first: serde_json::Value =
        serde_json::from_str(&next(&mut failing_rx).await.body).expect("json");
    assert_eq!(first["Type"], "SubscriptionConfirmation");
    for _ in 0..50 {
        clock.advance(Duration::from_secs(5));
        if let Ok(Some(r)) =
            tokio::time::timeout(Duration::from_millis(50), failing_rx.recv()).await
        {
            let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
            assert_eq!(v["Type"], "SubscriptionConfirmation");
            break;
        }
    }
    let _ = second;
    let started = std::time::Instant::now();
    common::publish(&sns, &topic, "raw body").await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "publish waited for endpoints"
    );
    let raw = next(&mut rx).await;
    assert_eq!(raw.body, "raw body");
    assert_eq!(header(&raw, "x-amz-sns-rawdelivery"), "true");
}

/// An endpoint that accepts connections and reads requests but never answers; it reports each
/// accepted connection.
async fn silent_endpoint() -> (String, tokio::sync::mpsc::UnboundedReceiver<()>) {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let _ = tx.send(());
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while matches!(tcp.read(&mut buf).await, Ok(n) if n > 0) {}
            });
        }
    });
    (format!("http://{addr}/silent"), rx)
}

#[tokio::test]
async fn endpoints_that_never_answer_block_neither_subscribe_nor_publish() {
    let server = common::start().await;
    let base = server.endpoint();
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let (silent, mut connections) = silent_endpoint().await;
    let topic = common::create_topic(&sns, "silent").await;
    // A guard, not a timing assertion: each call must return while the endpoint hangs.
    let guard = Duration::from_secs(5);
    let sub = tokio::time::timeout(
        guard,
        sns.subscribe()
            .topic_arn(&topic)
            .protocol("http")
            .endpoint(&silent)
            .return_subscription_arn(true)
            .send(),
    )
    .await
    .expect("Subscribe returned while the endpoint hangs")
    .expect("subscribe")
    .subscription_arn
    .expect("arn");
    tokio::time::timeout(Duration::from_secs(10), connections.recv())
        .await
        .expect("the confirmation was attempted")
        .expect("open");
    let token: serde_json::Value =
        reqwest::get(format!("{base}/_aws/sns/subscription-tokens/{sub}"))
            .await
            .expect("tokens")
            .json()
            .await
            .expect("json");
    sns.confirm_subscription()
        .topic_arn(&topic)
        .token(token["subscription_token"].as_str().expect("token"))
        .send()
        .await
        .expect("confirm");
    let url = sqs
        .create_queue()
        .queue_name("beside-silent")
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint("arn:aws:sqs:us-east-1:000000000000:beside-silent")
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .expect("sqs subscribe");
    tokio::time::timeout(
        guard,
        sns.publish()
            .topic_arn(&topic)
            .message("still flows")
            .send(),
    )
    .await
    .expect("Publish returned while the endpoint hangs")
    .expect("publish");
    // The queue has it at once, and the silent endpoint was sent the notification too.
    let got = sqs
        .receive_message()
        .queue_url(&url)
        .send()
        .await
        .expect("receive");
    assert_eq!(got.messages()[0].body(), Some("still flows"));
    tokio::time::timeout(Duration::from_secs(10), connections.recv())
        .await
        .expect("the notification was attempted")
        .expect("open");
}

#[tokio::test]
async fn confirmations_and_notifications_are_written_in_aws_key_order_and_layout() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let (endpoint, mut rx) = common::http_endpoint(0).await;
    let topic = common::create_topic(&sns, "hooks-layout").await;
    common::subscribe(&sns, &topic, "http", &endpoint).await;
    let confirmation = next(&mut rx).await.body;
    let body: serde_json::Value = serde_json::from_str(&confirmation).expect("json");
    let keys = common::CONFIRMATION_KEYS;
    assert_eq!(confirmation, common::sns_aws_layout(&body, &keys));
    assert!(
        confirmation.starts_with("{\n  \"Type\" : \"SubscriptionConfirmation\",\n"),
        "{confirmation}"
    );
    common::verify_sns_signature(&body)
        .await
        .expect("confirmation verifies");
    let arn = sns
        .confirm_subscription()
        .topic_arn(&topic)
        .token(body["Token"].as_str().expect("token"))
        .send()
        .await
        .expect("confirm")
        .subscription_arn
        .expect("arn");

    common::publish(&sns, &topic, "over http").await;
    let note = next(&mut rx).await.body;
    let env: serde_json::Value = serde_json::from_str(&note).expect("json");
    let keys = common::NOTIFICATION_KEYS;
    assert_eq!(note, common::sns_aws_layout(&env, &keys));
    common::verify_sns_signature(&env)
        .await
        .expect("notification verifies");

    sns.unsubscribe()
        .subscription_arn(&arn)
        .send()
        .await
        .expect("unsubscribe");
    let bye = next(&mut rx).await.body;
    let body: serde_json::Value = serde_json::from_str(&bye).expect("json");
    let keys = common::CONFIRMATION_KEYS;
    assert_eq!(bye, common::sns_aws_layout(&body, &keys));
    assert_eq!(body["Type"], "UnsubscribeConfirmation");
    common::verify_sns_signature(&body)
        .await
        .expect("unsubscribe confirmation verifies");
}

/// GET a URL from an SNS message, unsigned, as a subscriber does; it must answer 200.
async fn visit_ok(url: &serde_json::Value) {
    let res = reqwest::get(url.as_str().expect("url"))
        .await
        .expect("visit");
    let status = res.status().as_u16();
    assert_eq!(status, 200, "{}", res.text().await.unwrap_or_default());
}

#[tokio::test]
async fn subscribe_and_unsubscribe_urls_work_for_a_topic_of_another_region() {
    // Subscribers visit these URLs unsigned: AWS's name the region in their host, fogbank's
    // reach the default region, which must not refuse the eu-west-1 topic they name.
    let server = common::start().await;
    let sns = aws_sdk_sns::Client::new(&common::sdk_config(&server, "test", "eu-west-1").await);
    let topic = common::create_topic(&sns, "elsewhere").await;
    assert!(topic.starts_with("arn:aws:sns:eu-west-1:"), "{topic}");
    let (endpoint, mut rx) = common::http_endpoint(0).await;
    common::subscribe(&sns, &topic, "http", &endpoint).await;
    let confirmation: serde_json::Value =
        serde_json::from_str(&next(&mut rx).await.body).expect("json");
    visit_ok(&confirmation["SubscribeURL"]).await;

    common::publish(&sns, &topic, "to eu-west-1").await;
    let note: serde_json::Value = serde_json::from_str(&next(&mut rx).await.body).expect("json");
    assert_eq!(note["Message"], "to eu-west-1");
    visit_ok(&note["UnsubscribeURL"]).await;
    let subs = sns
        .list_subscriptions_by_topic()
        .topic_arn(&topic)
        .send()
        .await
        .expect("subscriptions");
    assert!(subs.subscriptions().is_empty(), "{subs:?}");

    // A signed request from another region is still refused, as AWS refuses it.
    let us = common::sns(&server).await;
    let e = us
        .get_topic_attributes()
        .topic_arn(&topic)
        .send()
        .await
        .expect_err("another region");
    assert_eq!(e.code(), Some("InvalidParameter"));
}
