//! SNS mobile push: platform applications and endpoints through aws-sdk-sns, and publishes to
//! an endpoint recorded for inspection.

mod common;

use aws_sdk_sns::error::ProvideErrorMetadata;

#[tokio::test]
async fn platform_applications_and_endpoints() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let app = sns
        .create_platform_application()
        .name("my-app")
        .platform("GCM")
        .attributes("PlatformCredential", "secret-api-key")
        .send()
        .await
        .expect("create app")
        .platform_application_arn
        .expect("arn");
    assert_eq!(app, "arn:aws:sns:us-east-1:000000000000:app/GCM/my-app");
    let attrs = sns
        .get_platform_application_attributes()
        .platform_application_arn(&app)
        .send()
        .await
        .expect("app attributes")
        .attributes
        .expect("map");
    assert_eq!(attrs.get("Enabled").map(String::as_str), Some("true"));
    assert!(
        !attrs.contains_key("PlatformCredential"),
        "credentials are never returned"
    );
    let apps = sns
        .list_platform_applications()
        .send()
        .await
        .expect("list apps");
    assert_eq!(apps.platform_applications().len(), 1);
    let err = sns
        .create_platform_application()
        .name("x")
        .platform("PIGEON")
        .send()
        .await
        .expect_err("unknown platform");
    assert_eq!(err.code(), Some("InvalidParameter"));

    let endpoint = sns
        .create_platform_endpoint()
        .platform_application_arn(&app)
        .token("device-token-1")
        .custom_user_data("user 7")
        .send()
        .await
        .expect("endpoint")
        .endpoint_arn
        .expect("arn");
    assert!(endpoint.starts_with("arn:aws:sns:us-east-1:000000000000:endpoint/GCM/my-app/"));
    let again = sns
        .create_platform_endpoint()
        .platform_application_arn(&app)
        .token("device-token-1")
        .custom_user_data("user 7")
        .send()
        .await
        .expect("same endpoint")
        .endpoint_arn
        .expect("arn");
    assert_eq!(
        again, endpoint,
        "the same token and attributes give the same endpoint"
    );
    let err = sns
        .create_platform_endpoint()
        .platform_application_arn(&app)
        .token("device-token-1")
        .custom_user_data("someone else")
        .send()
        .await
        .expect_err("same token, other attributes");
    assert_eq!(err.code(), Some("InvalidParameter"));
    let ep = sns
        .get_endpoint_attributes()
        .endpoint_arn(&endpoint)
        .send()
        .await
        .expect("endpoint attributes")
        .attributes
        .expect("map");
    assert_eq!(ep.get("Token").map(String::as_str), Some("device-token-1"));
    assert_eq!(ep.get("CustomUserData").map(String::as_str), Some("user 7"));
    assert_eq!(ep.get("Enabled").map(String::as_str), Some("true"));

    let published = sns
        .publish()
        .target_arn(&endpoint)
        .message("you have mail")
        .send()
        .await
        .expect("publish to endpoint");
    let seen = reqwest::get(format!(
        "{}/_aws/sns/platform-endpoint-messages",
        server.endpoint()
    ))
    .await
    .expect("inspect")
    .text()
    .await
    .expect("body");
    assert!(seen.contains("you have mail"), "{seen}");
    assert!(seen.contains(published.message_id().expect("id")), "{seen}");

    sns.set_endpoint_attributes()
        .endpoint_arn(&endpoint)
        .attributes("Enabled", "false")
        .send()
        .await
        .expect("disable");
    let err = sns
        .publish()
        .target_arn(&endpoint)
        .message("nope")
        .send()
        .await
        .expect_err("disabled endpoint");
    assert_eq!(err.code(), Some("EndpointDisabled"));

    let listed = sns
        .list_endpoints_by_platform_application()
        .platform_application_arn(&app)
        .send()
        .await
        .expect("list endpoints");
    assert_eq!(listed.endpoints().len(), 1);
    sns.delete_endpoint()
        .endpoint_arn(&endpoint)
        .send()
        .await
        .expect("delete endpoint");
    let err = sns
        .publish()
        .target_arn(&endpoint)
        .message("gone")
        .send()
        .await
        .expect_err("deleted endpoint");
    // AWS (LocalStack's recorded snapshot test_publish_non_existent_target).
    assert_eq!(err.code(), Some("InvalidParameter"));
    assert_eq!(
        err.message(),
        Some("Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified")
    );

    sns.delete_platform_application()
        .platform_application_arn(&app)
        .send()
        .await
        .expect("delete app");
    let err = sns
        .get_platform_application_attributes()
        .platform_application_arn(&app)
        .send()
        .await
        .expect_err("deleted app");
    assert_eq!(err.code(), Some("NotFound"));
}
