//! More SNS answers checked against AWS's recorded ones, through the official Rust SDK:
//! LocalStack's `aws_validated` snapshots of tests/aws/services/sns (named at each test) and
//! the assertions of ballerina-platform/module-ballerinax-aws.sns's tests, which run against
//! AWS itself (named "live" below).

mod common;

use aws_sdk_sns::error::ProvideErrorMetadata;
use aws_sdk_sns::types::Tag;
use serde_json::{Value, json};

/// The code and message of a refused request.
fn refusal<T, E: ProvideErrorMetadata>(r: Result<T, E>, what: &str) -> (String, String) {
    let Err(e) = r else {
        panic!("{what}: accepted, AWS refuses it");
    };
    (
        e.code().unwrap_or_default().to_string(),
        e.message().unwrap_or_default().to_string(),
    )
}

fn invalid(message: &str) -> (String, String) {
    (
        "InvalidParameter".to_string(),
        format!("Invalid parameter: {message}"),
    )
}

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build().expect("tag")
}

/// test_create_topic_name_constraints: every refused name is `Topic Name`, and so is a FIFO
/// topic without the `.fifo` suffix (as CloudFormation reports AWS's answer) or a `.fifo` name
/// for a standard topic.
#[tokio::test]
async fn refused_topic_names_are_all_topic_name() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let fifo_without_suffix = sns
        .create_topic()
        .name("orders")
        .attributes("FifoTopic", "true")
        .send()
        .await;
    assert_eq!(
        refusal(fifo_without_suffix, "FIFO without .fifo"),
        invalid("Topic Name")
    );
    let standard_with_suffix = sns.create_topic().name("orders.fifo").send().await;
    assert_eq!(
        refusal(standard_with_suffix, "standard named .fifo"),
        invalid("Topic Name")
    );
    let bad_char = sns
        .create_topic()
        .name("a:b.fifo")
        .attributes("FifoTopic", "true")
        .send()
        .await;
    assert_eq!(
        refusal(bad_char, "':' in a FIFO name"),
        invalid("Topic Name")
    );
}

/// test_create_duplicate_topic_check_idempotency (the same, some or none of the tags: the same
/// topic) and test_create_duplicate_topic_with_more_tags; live: another DisplayName is
/// `Topic already exists with different attributes`.
#[tokio::test]
async fn repeated_creates_with_other_tags_or_attributes() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let create = |tags: Vec<Tag>| {
        sns.create_topic()
            .name("again")
            .attributes("DisplayName", "first")
            .set_tags(Some(tags))
            .send()
    };
    let arn = create(vec![tag("a", "1"), tag("b", "2")])
        .await
        .expect("created")
        .topic_arn
        .expect("arn");
    for tags in [
        vec![tag("a", "1"), tag("b", "2")],
        vec![tag("a", "1")],
        vec![],
    ] {
        let again = create(tags).await.expect("same topic").topic_arn;
        assert_eq!(again.as_deref(), Some(arn.as_str()));
    }
    for tags in [vec![tag("c", "3")], vec![tag("a", "9")]] {
        assert_eq!(
            refusal(create(tags).await, "a tag the topic lacks"),
            invalid("Tags Reason: Topic already exists with different tags")
        );
    }
    let other = sns
        .create_topic()
        .name("again")
        .attributes("DisplayName", "second")
        .send()
        .await;
    assert_eq!(
        refusal(other, "another DisplayName"),
        invalid("Attributes Reason: Topic already exists with different attributes")
    );
}

/// test_delivery_lambda: a topic's delivery-status attributes are set and answered; live: a
/// sample rate above 100 and a DeliveryPolicy of more than 100 retries are refused.
#[tokio::test]
async fn topic_delivery_status_attributes() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let topic = common::create_topic(&sns, "feedback").await;
    let role = "arn:aws:iam::000000000000:role/sns-feedback";
    for (name, value) in [
        ("LambdaSuccessFeedbackRoleArn", role),
        ("LambdaSuccessFeedbackSampleRate", "100"),
    ] {
        sns.set_topic_attributes()
            .topic_arn(&topic)
            .attribute_name(name)
            .attribute_value(value)
            .send()
            .await
            .expect(name);
    }
    let attrs = sns
        .get_topic_attributes()
        .topic_arn(&topic)
        .send()
        .await
        .expect("attributes")
        .attributes
        .unwrap_or_default();
    assert_eq!(attrs["LambdaSuccessFeedbackRoleArn"], role);
    assert_eq!(attrs["LambdaSuccessFeedbackSampleRate"], "100");

    // Live: a topic DeliveryPolicy with more than 100 retries, created and set.
    let retries = r#"{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":10,"maxDelayTarget":20,"numRetries":300}}}"#;
    let reason = "DeliveryPolicy: http.defaultHealthyRetryPolicy.numRetries must be less than or equal to 100";
    let created = sns
        .create_topic()
        .name("retries-300")
        .attributes("DeliveryPolicy", retries)
        .send()
        .await;
    assert_eq!(
        refusal(created, "300 retries"),
        invalid(&format!("Attributes Reason: {reason}"))
    );
    let set = sns
        .set_topic_attributes()
        .topic_arn(&topic)
        .attribute_name("DeliveryPolicy")
        .attribute_value(retries)
        .send()
        .await;
    assert_eq!(refusal(set, "set 300 retries"), invalid(reason));

    let too_high = sns
        .create_topic()
        .name("feedback-500")
        .attributes("SQSSuccessFeedbackSampleRate", "500")
        .send()
        .await;
    assert_eq!(
        refusal(too_high, "rate 500"),
        invalid(
            "Attributes Reason: SQSSuccessFeedbackSampleRate: 500 value provided is not an integer between 0-100"
        )
    );
}

/// Live: an application's attributes (required, credentials in pairs, the sample rate), its
/// name, a repeated create with other properties and ARNs of the wrong shape.
#[tokio::test]
async fn platform_application_validation() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let no_attributes = sns
        .create_platform_application()
        .name("app")
        .platform("GCM")
        .send()
        .await;
    assert_eq!(
        refusal(no_attributes, "no attributes"),
        (
            "ValidationError".to_string(),
            "1 validation error detected: Value null at 'attributes' failed to satisfy constraint: Member must not be null".to_string()
        )
    );
    let half_pair = sns
        .create_platform_application()
        .name("apple")
        .platform("APNS")
        .attributes("PlatformCredential", "private-key")
        .send()
        .await;
    assert_eq!(
        refusal(half_pair, "credential without principal"),
        invalid(
            "Attributes Reason: PlatformCredential attribute provided without PlatformPrincipal"
        )
    );
    let bad_name = sns
        .create_platform_application()
        .name("my app")
        .platform("GCM")
        .attributes("PlatformCredential", "key")
        .send()
        .await;
    assert_eq!(
        refusal(bad_name, "a space in the name"),
        invalid(
            "my app Reason: must contain only characters 'a'-'z', 'A'-'Z', '0'-'9', '_', '-', and '.'"
        )
    );
    let rate = "Attributes Reason: Invalid value for attribute: SuccessFeedbackSampleRate: 101 value provided is not an integer between 0-100";
    let high_rate = sns
        .create_platform_application()
        .name("app")
        .platform("GCM")
        .attributes("PlatformCredential", "key")
        .attributes("SuccessFeedbackSampleRate", "101")
        .send()
        .await;
    assert_eq!(refusal(high_rate, "rate 101"), invalid(rate));

    let create = |extra: Option<(&str, &str)>| {
        let mut req = sns
            .create_platform_application()
            .name("app")
            .platform("GCM")
            .attributes("PlatformCredential", "key");
        if let Some((k, v)) = extra {
            req = req.attributes(k, v);
        }
        req.send()
    };
    let app = create(None)
        .await
        .expect("app")
        .platform_application_arn
        .expect("arn");
    let again = create(None)
        .await
        .expect("same app")
        .platform_application_arn;
    assert_eq!(again.as_deref(), Some(app.as_str()));
    assert_eq!(
        refusal(
            create(Some(("SuccessFeedbackSampleRate", "5"))).await,
            "other properties"
        ),
        invalid(
            "Name Reason: An application with the same name but different properties already exists"
        )
    );
    let set_high = sns
        .set_platform_application_attributes()
        .platform_application_arn(&app)
        .attributes("SuccessFeedbackSampleRate", "101")
        .send()
        .await;
    assert_eq!(refusal(set_high, "set rate 101"), invalid(rate));

    let get = |arn: String| {
        sns.get_platform_application_attributes()
            .platform_application_arn(arn)
            .send()
    };
    assert_eq!(
        refusal(get(format!("{app}invalid")).await, "unknown app"),
        (
            "NotFound".to_string(),
            "PlatformApplication does not exist".to_string()
        )
    );
    assert_eq!(
        refusal(get(app.replace("app/GCM/", "app/")).await, "one slash"),
        invalid(
            "PlatformApplicationArn Reason: Wrong number of slashes in relative portion of the ARN."
        )
    );
    assert_eq!(
        refusal(get("nonsense".into()).await, "not an ARN"),
        invalid("PlatformApplicationArn Reason: An ARN must have at least 6 elements, not 1")
    );
}

/// Live: an endpoint's token and attributes, endpoint ARNs with a bad id, a deleted endpoint.
#[tokio::test]
async fn platform_endpoint_validation() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let app = sns
        .create_platform_application()
        .name("app")
        .platform("GCM")
        .attributes("PlatformCredential", "key")
        .send()
        .await
        .expect("app")
        .platform_application_arn
        .expect("arn");
    let empty_token = sns
        .create_platform_endpoint()
        .platform_application_arn(&app)
        .token("")
        .send()
        .await;
    assert_eq!(
        refusal(empty_token, "empty token"),
        invalid("Token Reason: cannot be empty")
    );
    let empty_attribute = sns
        .create_platform_endpoint()
        .platform_application_arn(&app)
        .token("device")
        .attributes("Token", "")
        .send()
        .await;
    assert_eq!(
        refusal(empty_attribute, "empty Token attribute"),
        invalid("Attributes Reason: Invalid value for attribute: Token: cannot be empty")
    );
    let endpoint = sns
        .create_platform_endpoint()
        .platform_application_arn(&app)
        .token("device")
        .send()
        .await
        .expect("endpoint")
        .endpoint_arn
        .expect("arn");

    let bad_id = format!("{endpoint}invalid");
    let expected = invalid(
        "EndpointArn Reason: ARN specifies an invalid endpointId: UUID must be encoded in exactly 36 characters.",
    );
    let get = sns
        .get_endpoint_attributes()
        .endpoint_arn(&bad_id)
        .send()
        .await;
    assert_eq!(refusal(get, "get"), expected);
    let set = sns
        .set_endpoint_attributes()
        .endpoint_arn(&bad_id)
        .attributes("Enabled", "false")
        .send()
        .await;
    assert_eq!(refusal(set, "set"), expected);
    let delete = sns.delete_endpoint().endpoint_arn(&bad_id).send().await;
    assert_eq!(refusal(delete, "delete"), expected);

    sns.delete_endpoint()
        .endpoint_arn(&endpoint)
        .send()
        .await
        .expect("delete");
    let gone = sns
        .get_endpoint_attributes()
        .endpoint_arn(&endpoint)
        .send()
        .await;
    assert_eq!(
        refusal(gone, "deleted endpoint"),
        (
            "NotFound".to_string(),
            "Endpoint does not exist".to_string()
        )
    );
}

/// Live: GetSMSAttributes answers the spend limit (a new account's 1 USD) before anything is
/// set; SetSMSAttributes refuses a sender ID over 11 characters and a sampling rate over 100.
#[tokio::test]
async fn sms_attributes_and_the_monthly_spend_limit() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let attrs = sns
        .get_sms_attributes()
        .send()
        .await
        .expect("get")
        .attributes
        .unwrap_or_default();
    assert_eq!(
        attrs.get("MonthlySpendLimit").map(String::as_str),
        Some("1")
    );
    let set = |sender: &str, rate: &str| {
        sns.set_sms_attributes()
            .attributes("MonthlySpendLimit", "1")
            .attributes("DeliveryStatusSuccessSamplingRate", rate)
            .attributes("DefaultSenderID", sender)
            .attributes("DefaultSMSType", "Transactional")
            .send()
    };
    set("test", "5").await.expect("valid settings");
    let (_, message) = refusal(set("testSenderID", "5").await, "12-character sender");
    assert_eq!(message, "DefaultSenderID is invalid");
    let (_, message) = refusal(set("test", "101").await, "rate 101");
    assert_eq!(
        message,
        "DeliveryStatusSuccessSamplingRate is not an integer between 0-100"
    );
    let attrs = sns
        .get_sms_attributes()
        .attributes("MonthlySpendLimit")
        .attributes("DefaultSenderID")
        .send()
        .await
        .expect("get")
        .attributes
        .unwrap_or_default();
    assert_eq!(attrs["MonthlySpendLimit"], "1");
    assert_eq!(attrs["DefaultSenderID"], "test");
}

/// test_subscribe_external_http_endpoint_content_type: an HTTP subscription's DeliveryPolicy
/// answered with every key, its EffectiveDeliveryPolicy from its own settings over the topic's,
/// and notifications sent with the effective requestPolicy's Content-Type (confirmations stay
/// text/plain).
#[tokio::test]
async fn subscription_delivery_policies_and_content_type() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let topic = sns
        .create_topic()
        .name("typed")
        .attributes(
            "DeliveryPolicy",
            r#"{"http":{"defaultRequestPolicy":{"headerContentType":"application/json"}}}"#,
        )
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("arn");
    let (url, mut rx) = common::http_endpoint(0).await;
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("http")
        .endpoint(&url)
        .send()
        .await
        .expect("subscribe");
    let confirmation = common::next_request(&mut rx).await;
    assert_eq!(
        confirmation.headers["content-type"],
        "text/plain; charset=UTF-8"
    );
    let body: Value = serde_json::from_str(&confirmation.body).expect("json");
    let visit = reqwest::get(body["SubscribeURL"].as_str().expect("url"))
        .await
        .expect("confirm");
    assert_eq!(visit.status().as_u16(), 200);
    let sub = sns
        .list_subscriptions_by_topic()
        .topic_arn(&topic)
        .send()
        .await
        .expect("subscriptions")
        .subscriptions()[0]
        .subscription_arn()
        .expect("arn")
        .to_string();
    let attributes = || async {
        sns.get_subscription_attributes()
            .subscription_arn(&sub)
            .send()
            .await
            .expect("attributes")
            .attributes
            .unwrap_or_default()
    };
    let json_of = |s: &str| serde_json::from_str::<Value>(s).expect("json");

    // No policy of its own: none shown, the effective one from the topic and the defaults.
    let attrs = attributes().await;
    assert!(!attrs.contains_key("DeliveryPolicy"), "{attrs:?}");
    let effective = json_of(&attrs["EffectiveDeliveryPolicy"]);
    assert_eq!(
        effective,
        json!({"healthyRetryPolicy": {"minDelayTarget": 20, "maxDelayTarget": 20,
            "numRetries": 3, "numMaxDelayRetries": 0, "numNoDelayRetries": 0,
            "numMinDelayRetries": 0, "backoffFunction": "linear"},
            "sicklyRetryPolicy": null, "throttlePolicy": null,
            "requestPolicy": {"headerContentType": "application/json"}, "guaranteed": false})
    );
    common::publish(&sns, &topic, "from the topic's policy").await;
    let note = common::next_request(&mut rx).await;
    assert_eq!(note.headers["content-type"], "application/json");

    sns.set_subscription_attributes()
        .subscription_arn(&sub)
        .attribute_name("DeliveryPolicy")
        .attribute_value(r#"{"requestPolicy":{"headerContentType":"text/csv"}}"#)
        .send()
        .await
        .expect("set policy");
    let attrs = attributes().await;
    assert_eq!(
        json_of(&attrs["DeliveryPolicy"]),
        json!({"healthyRetryPolicy": null, "sicklyRetryPolicy": null, "throttlePolicy": null,
            "requestPolicy": {"headerContentType": "text/csv"}, "guaranteed": false})
    );
    let effective = json_of(&attrs["EffectiveDeliveryPolicy"]);
    assert_eq!(
        effective["requestPolicy"],
        json!({"headerContentType": "text/csv"})
    );
    assert_eq!(effective["healthyRetryPolicy"]["numRetries"], 3);
    common::publish(&sns, &topic, "from the subscription's policy").await;
    let note = common::next_request(&mut rx).await;
    assert_eq!(note.headers["content-type"], "text/csv");
}
