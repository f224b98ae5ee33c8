//! SNS protocols fogbank records instead of delivering (sms, email, email-json, application,
//! firehose) and the inspection endpoints that show them.

mod common;

use aws_sdk_sns::error::ProvideErrorMetadata;
use serde_json::Value;

async fn get_json(url: String) -> (u16, Value) {
    let res = reqwest::get(url).await.expect("get");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

#[tokio::test]
async fn recorded_protocols_validate_their_endpoints_and_show_what_was_sent() {
    let server = common::start().await;
    let base = server.endpoint();
    let sns = common::sns(&server).await;
    let topic = common::create_topic(&sns, "recorded").await;
    let subscribe = |protocol: &'static str, endpoint: &'static str| {
        sns.subscribe()
            .topic_arn(&topic)
            .protocol(protocol)
            .endpoint(endpoint)
            .return_subscription_arn(true)
    };
    for (protocol, endpoint) in [
        ("email", "not-an-address"),
        ("sms", "call me"),
        (
            "application",
            "arn:aws:sns:us-east-1:000000000000:not-an-endpoint",
        ),
        (
            "firehose",
            "arn:aws:firehose:us-east-1:000000000000:deliverystream/s",
        ),
        ("https", "http://example.com/hook"),
    ] {
        let err = subscribe(protocol, endpoint)
            .send()
            .await
            .expect_err(protocol);
        assert_eq!(err.code(), Some("InvalidParameter"), "{protocol}");
    }
    subscribe("sms", "+15555550100").send().await.expect("sms");
    // An application subscription needs an existing platform endpoint.
    let app = sns
        .create_platform_application()
        .name("app")
        .platform("GCM")
        .attributes("PlatformCredential", "api-key")
        .send()
        .await
        .expect("platform application")
        .platform_application_arn
        .expect("arn");
    let endpoint_arn = sns
        .create_platform_endpoint()
        .platform_application_arn(&app)
        .token("device-token")
        .send()
        .await
        .expect("platform endpoint")
        .endpoint_arn
        .expect("arn");
    let endpoint_arn = endpoint_arn.as_str();
    common::subscribe(&sns, &topic, "application", endpoint_arn).await;
    subscribe(
        "firehose",
        "arn:aws:firehose:us-east-1:000000000000:deliverystream/s",
    )
    .attributes("SubscriptionRoleArn", "arn:aws:iam::000000000000:role/r")
    .send()
    .await
    .expect("firehose");
    let email = subscribe("email", "someone@example.com")
        .send()
        .await
        .expect("email")
        .subscription_arn
        .expect("arn");
    let pending = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("email-json")
        .endpoint("json@example.com")
        .send()
        .await
        .expect("email-json");
    assert_eq!(pending.subscription_arn(), Some("pending confirmation"));

    // Email subscriptions wait for confirmation; the token is served for tests to confirm.
    let (status, tok) = get_json(format!("{base}/_aws/sns/subscription-tokens/{email}")).await;
    assert_eq!(status, 200);
    assert_eq!(tok["subscription_arn"], email.as_str());
    let token = tok["subscription_token"]
        .as_str()
        .expect("token")
        .to_string();
    sns.confirm_subscription()
        .topic_arn(&topic)
        .token(&token)
        .send()
        .await
        .expect("confirm");
    let (status, _) = get_json(format!(
        "{base}/_aws/sns/subscription-tokens/{topic}:no-such-subscription"
    ))
    .await;
    assert_eq!(status, 404);

    let published = sns
        .publish()
        .topic_arn(&topic)
        .message("hello everyone")
        .subject("news")
        .send()
        .await
        .expect("publish");
    let id = published.message_id().expect("id");

    let (_, sms) = get_json(format!("{base}/_aws/sns/sms-messages")).await;
    let texts = sms["sms_messages"]["+15555550100"]
        .as_array()
        .expect("list");
    assert_eq!(texts.len(), 1);
    assert_eq!(texts[0]["Message"], "hello everyone");
    assert_eq!(texts[0]["MessageId"], id);
    assert_eq!(texts[0]["TopicArn"], topic.as_str());
    assert_eq!(sms["region"], "us-east-1");

    let (_, push) = get_json(format!(
        "{base}/_aws/sns/platform-endpoint-messages?endpointArn={endpoint_arn}"
    ))
    .await;
    let pushed = push["platform_endpoint_messages"][endpoint_arn]
        .as_array()
        .expect("list");
    assert_eq!(pushed.len(), 1);
    assert_eq!(pushed[0]["Subject"], "news");

    let (_, mail) = get_json(format!("{base}/_fogbank/sns/email-messages")).await;
    let inbox = mail["email_messages"]["someone@example.com"]
        .as_array()
        .expect("list");
    assert_eq!(inbox[0]["Type"], "SubscriptionConfirmation");
    assert_eq!(inbox[1]["Message"], "hello everyone");
    // The email-json subscription is still pending: only its confirmation was "sent".
    assert_eq!(
        mail["email_messages"]["json@example.com"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    let (_, fh) = get_json(format!("{base}/_fogbank/sns/firehose-messages")).await;
    let stream =
        fh["firehose_messages"]["arn:aws:firehose:us-east-1:000000000000:deliverystream/s"]
            .as_array()
            .expect("list");
    let env: Value =
        serde_json::from_str(stream[0]["Message"].as_str().expect("msg")).expect("json");
    assert_eq!(env["Type"], "Notification");
    common::verify_sns_signature(&env)
        .await
        .expect("the recorded notification is signed");

    // Publish straight to a phone number.
    let err = sns
        .publish()
        .phone_number("555")
        .message("x")
        .send()
        .await
        .expect_err("not E.164");
    assert_eq!(err.code(), Some("InvalidParameter"));
    sns.publish()
        .phone_number("+15555550199")
        .message("direct")
        .send()
        .await
        .expect("sms publish");
    let (_, one) = get_json(format!(
        "{base}/_aws/sns/sms-messages?phoneNumber=%2B15555550199"
    ))
    .await;
    assert_eq!(one["sms_messages"]["+15555550199"][0]["Message"], "direct");

    let res = reqwest::Client::new()
        .delete(format!("{base}/_aws/sns/sms-messages"))
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status().as_u16(), 204);
    let (_, none) = get_json(format!("{base}/_aws/sns/sms-messages")).await;
    assert_eq!(none["sms_messages"], serde_json::json!({}));
}

#[tokio::test]
async fn https_deliveries_use_tls_and_a_failed_handshake_goes_to_the_dlq() {
    let server = common::start().await;
    let base = server.endpoint();
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let topic = common::create_topic(&sns, "tls").await;
    let dlq_url = sqs
        .create_queue()
        .queue_name("tls-dlq")
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    let dlq_arn = "arn:aws:sqs:us-east-1:000000000000:tls-dlq";
    // A plain-HTTP listener addressed as https: every TLS handshake fails.
    let (plain, _rx) = common::http_endpoint(0).await;
    let endpoint = plain.replacen("http://", "https://", 1);
    let sub = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("https")
        .endpoint(&endpoint)
        .return_subscription_arn(true)
        .attributes(
            "DeliveryPolicy",
            r#"{"healthyRetryPolicy":{"numRetries":0,"minDelayTarget":0}}"#,
        )
        .attributes(
            "RedrivePolicy",
            format!(r#"{{"deadLetterTargetArn":"{dlq_arn}"}}"#),
        )
        .send()
        .await
        .expect("subscribe")
        .subscription_arn
        .expect("arn");
    let (_, tok) = get_json(format!("{base}/_aws/sns/subscription-tokens/{sub}")).await;
    sns.confirm_subscription()
        .topic_arn(&topic)
        .token(tok["subscription_token"].as_str().expect("token"))
        .send()
        .await
        .expect("confirm");
    common::publish(&sns, &topic, "over tls").await;
    let out = sqs
        .receive_message()
        .queue_url(&dlq_url)
        .wait_time_seconds(15)
        .message_attribute_names("All")
        .send()
        .await
        .expect("receive");
    let m = out
        .messages
        .unwrap_or_default()
        .into_iter()
        .next()
        .expect("dead letter");
    let env: Value = serde_json::from_str(m.body().expect("body")).expect("json");
    assert_eq!(env["Message"], "over tls");
    // As on AWS, the copy carries no attributes of SNS's own.
    assert!(m.message_attributes.is_none_or(|a| a.is_empty()));
}

#[tokio::test]
async fn https_deliveries_reach_an_endpoint_whose_ca_is_trusted() {
    let (endpoint, cert, mut rx) = common::https_endpoint().await;
    let config = fogbank::config::Config {
        https_extra_roots: std::sync::Arc::new(vec![cert]),
        ..fogbank::config::Config::ephemeral()
    };
    let server = fogbank::server::spawn(config).await.expect("server starts");
    let sns = common::sns(&server).await;
    let topic = common::create_topic(&sns, "tls-ok").await;
    common::subscribe(&sns, &topic, "https", &endpoint).await;
    let confirmation = common::next_request(&mut rx).await;
    assert_eq!(
        confirmation.headers["x-amz-sns-message-type"],
        "SubscriptionConfirmation"
    );
    let body: Value = serde_json::from_str(&confirmation.body).expect("json");
    common::verify_sns_signature(&body)
        .await
        .expect("signed confirmation");
    let confirmed = reqwest::get(body["SubscribeURL"].as_str().expect("SubscribeURL"))
        .await
        .expect("GET SubscribeURL");
    assert_eq!(confirmed.status().as_u16(), 200);
    common::publish(&sns, &topic, "over tls").await;
    let notification = common::next_request(&mut rx).await;
    assert_eq!(
        notification.headers["x-amz-sns-message-type"],
        "Notification"
    );
    let body: Value = serde_json::from_str(&notification.body).expect("json");
    assert_eq!(body["Message"], "over tls");
    common::verify_sns_signature(&body)
        .await
        .expect("signed notification");
}

#[tokio::test]
async fn permissions_data_protection_and_sms_settings() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let topic = common::create_topic(&sns, "perms").await;
    sns.add_permission()
        .topic_arn(&topic)
        .label("let-them-publish")
        .aws_account_id("111111111111")
        .action_name("Publish")
        .send()
        .await
        .expect("add permission");
    let err = sns
        .add_permission()
        .topic_arn(&topic)
        .label("let-them-publish")
        .aws_account_id("111111111111")
        .action_name("Publish")
        .send()
        .await
        .expect_err("same label twice");
    assert_eq!(err.code(), Some("InvalidParameter"));
    let policy = |attrs: Option<std::collections::HashMap<String, String>>| -> Value {
        serde_json::from_str(attrs.expect("map").get("Policy").expect("policy")).expect("json")
    };
    let p = policy(
        sns.get_topic_attributes()
            .topic_arn(&topic)
            .send()
            .await
            .expect("attrs")
            .attributes,
    );
    let added = p["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .find(|s| s["Sid"] == "let-them-publish")
        .expect("added statement")
        .clone();
    assert_eq!(added["Principal"]["AWS"], "arn:aws:iam::111111111111:root");
    assert_eq!(added["Action"], "SNS:Publish");
    sns.remove_permission()
        .topic_arn(&topic)
        .label("let-them-publish")
        .send()
        .await
        .expect("remove");
    let p = policy(
        sns.get_topic_attributes()
            .topic_arn(&topic)
            .send()
            .await
            .expect("attrs")
            .attributes,
    );
    assert_eq!(p["Statement"].as_array().map(Vec::len), Some(1));

    let dpp = r#"{"Name":"p","Version":"2021-06-01","Statement":[]}"#;
    sns.put_data_protection_policy()
        .resource_arn(&topic)
        .data_protection_policy(dpp)
        .send()
        .await
        .expect("put dpp");
    let got = sns
        .get_data_protection_policy()
        .resource_arn(&topic)
        .send()
        .await
        .expect("get dpp");
    assert_eq!(got.data_protection_policy(), Some(dpp));

    sns.set_sms_attributes()
        .attributes("DefaultSMSType", "Transactional")
        .attributes("DefaultSenderID", "fogbank")
        .send()
        .await
        .expect("set sms attributes");
    let got = sns
        .get_sms_attributes()
        .attributes("DefaultSMSType")
        .send()
        .await
        .expect("get sms attributes");
    let a = got.attributes.expect("map");
    assert_eq!(
        a.get("DefaultSMSType").map(String::as_str),
        Some("Transactional")
    );
    assert!(!a.contains_key("DefaultSenderID"));
    let out = sns
        .check_if_phone_number_is_opted_out()
        .phone_number("+15555550100")
        .send()
        .await
        .expect("check");
    assert!(!out.is_opted_out());
    sns.opt_in_phone_number()
        .phone_number("+15555550100")
        .send()
        .await
        .expect("opt in");
    let none = sns
        .list_phone_numbers_opted_out()
        .send()
        .await
        .expect("list");
    assert!(none.phone_numbers().is_empty());
}
