//! The SNS SMS sandbox (add, verify with the one-time password recorded as an SMS, list with
//! paging, delete, reset), ListOriginationNumbers, and Subscribe to a platform endpoint that
//! must exist, through aws-sdk-sns.

#[macro_use]
mod common;

use aws_sdk_sns::error::ProvideErrorMetadata;
use aws_sdk_sns::types::{LanguageCodeString, SmsSandboxPhoneNumberVerificationStatus as Status};
use serde_json::Value;

/// The last one-time password "texted" to `phone` (from `/_aws/sns/sms-messages`).
async fn otp_for(server: &fogbank::server::RunningServer, phone: &str) -> String {
    let url = format!(
        "{}/_aws/sns/sms-messages?phoneNumber={}",
        server.endpoint(),
        phone.replace('+', "%2B")
    );
    let body: Value = reqwest::get(url)
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let sent = body["sms_messages"][phone]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let last = sent.last().expect("an OTP message was recorded");
    let otp = last["OneTimePassword"].as_str().expect("otp").to_string();
    assert!(
        last["Message"].as_str().expect("message").contains(&otp),
        "the text carries the password: {last}"
    );
    otp
}

/// CreateSMSSandboxPhoneNumber for `phone`, which must succeed (the password is "texted").
async fn add_number(sns: &aws_sdk_sns::Client, phone: &str) {
    sns.create_sms_sandbox_phone_number()
        .phone_number(phone)
        .send()
        .await
        .expect("create sandbox number");
}

async fn statuses(sns: &aws_sdk_sns::Client) -> Vec<(String, Status)> {
    sns.list_sms_sandbox_phone_numbers()
        .send()
        .await
        .expect("list")
        .phone_numbers()
        .iter()
        .map(|n| {
            (
                n.phone_number().unwrap_or_default().to_string(),
                n.status().cloned().expect("status"),
            )
        })
        .collect()
}

#[tokio::test]
async fn sandbox_numbers_are_added_verified_and_deleted() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let status = sns
        .get_sms_sandbox_account_status()
        .send()
        .await
        .expect("status");
    assert!(status.is_in_sandbox(), "a fresh account is in the sandbox");
    assert!(statuses(&sns).await.is_empty());

    let phone = "+15555550123";
    sns.create_sms_sandbox_phone_number()
        .phone_number(phone)
        .language_code(LanguageCodeString::EnGb)
        .send()
        .await
        .expect("create");
    assert_eq!(
        statuses(&sns).await,
        vec![(phone.to_string(), Status::Pending)]
    );
    let otp = otp_for(&server, phone).await;
    assert_eq!(otp.len(), 6);

    // A wrong password: VerificationException (400) with its Status member.
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    let res = sns
        .verify_sms_sandbox_phone_number()
        .phone_number(phone)
        .one_time_password(wrong)
        .send()
        .await;
    let err = res.expect_err("wrong otp").into_service_error();
    assert!(err.is_verification_exception(), "{err:?}");
    assert_eq!(err.code(), Some("VerificationException"));
    if let aws_sdk_sns::operation::verify_sms_sandbox_phone_number::VerifySMSSandboxPhoneNumberError::VerificationException(v) = &err {
        assert!(!v.status().is_empty(), "Status is set");
    }
    assert_eq!(statuses(&sns).await[0].1, Status::Pending);

    // Re-sending replaces the password: the old one no longer works.
    add_number(&sns, phone).await;
    let otp2 = otp_for(&server, phone).await;
    if otp2 != otp {
        let status = expect_service_error!(
            sns.verify_sms_sandbox_phone_number()
                .phone_number(phone)
                .one_time_password(&otp)
                .send()
                .await,
            is_verification_exception,
            "VerificationException"
        );
        assert_eq!(status, Some(400));
    }
    sns.verify_sms_sandbox_phone_number()
        .phone_number(phone)
        .one_time_password(&otp2)
        .send()
        .await
        .expect("verify");
    assert_eq!(
        statuses(&sns).await,
        vec![(phone.to_string(), Status::Verified)]
    );
    // Adding a verified number again leaves it verified.
    add_number(&sns, phone).await;
    assert_eq!(statuses(&sns).await[0].1, Status::Verified);

    sns.delete_sms_sandbox_phone_number()
        .phone_number(phone)
        .send()
        .await
        .expect("delete");
    assert!(statuses(&sns).await.is_empty());
    let status = expect_service_error!(
        sns.delete_sms_sandbox_phone_number()
            .phone_number(phone)
            .send()
            .await,
        is_resource_not_found_exception,
        "ResourceNotFound"
    );
    assert_eq!(status, Some(404));
}

#[tokio::test]
async fn sandbox_input_is_validated() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    for bad in [
        "15555550123",
        "+1555",
        "+0555550123",
        "+1555abc0123",
        "+1234567890123456",
    ] {
        let status = expect_service_error!(
            sns.create_sms_sandbox_phone_number()
                .phone_number(bad)
                .send()
                .await,
            is_invalid_parameter_exception,
            "InvalidParameter"
        );
        assert_eq!(status, Some(400), "{bad}");
    }
    let status = expect_service_error!(
        sns.create_sms_sandbox_phone_number()
            .phone_number("+15555550123")
            .language_code(LanguageCodeString::from("xx-XX"))
            .send()
            .await,
        is_invalid_parameter_exception,
        "InvalidParameter"
    );
    assert_eq!(status, Some(400));
    assert!(statuses(&sns).await.is_empty(), "nothing was added");

    // Unknown number: ResourceNotFound; a malformed password: InvalidParameter.
    let status = expect_service_error!(
        sns.verify_sms_sandbox_phone_number()
            .phone_number("+15555550124")
            .one_time_password("123456")
            .send()
            .await,
        is_resource_not_found_exception,
        "ResourceNotFound"
    );
    assert_eq!(status, Some(404));
    add_number(&sns, "+15555550124").await;
    for bad in ["1234", "123456789", "12a456"] {
        expect_service_error!(
            sns.verify_sms_sandbox_phone_number()
                .phone_number("+15555550124")
                .one_time_password(bad)
                .send()
                .await,
            is_invalid_parameter_exception,
            "InvalidParameter"
        );
    }
    expect_service_error!(
        sns.verify_sms_sandbox_phone_number()
            .phone_number("+15555550124")
            .send()
            .await,
        is_invalid_parameter_exception,
        "InvalidParameter"
    );
    expect_service_error!(
        sns.delete_sms_sandbox_phone_number().send().await,
        is_invalid_parameter_exception,
        "InvalidParameter"
    );

    // At most ten destination numbers: UserError.
    for i in 0..9 {
        add_number(&sns, &format!("+1555555020{i}")).await;
    }
    let status = expect_service_error!(
        sns.create_sms_sandbox_phone_number()
            .phone_number("+15555550299")
            .send()
            .await,
        is_user_error_exception,
        "UserError"
    );
    assert_eq!(status, Some(400));
}

#[tokio::test]
async fn sandbox_numbers_page_and_are_scoped_and_reset() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let mut phones: Vec<String> = (0..7).map(|i| format!("+4477009001{i:02}")).collect();
    for p in phones.iter().rev() {
        add_number(&sns, p).await;
    }
    phones.sort();
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = sns
            .list_sms_sandbox_phone_numbers()
            .max_results(3)
            .set_next_token(token.clone())
            .send()
            .await
            .expect("page");
        pages += 1;
        assert!(out.phone_numbers().len() <= 3);
        seen.extend(
            out.phone_numbers()
                .iter()
                .map(|n| n.phone_number().unwrap_or_default().to_string()),
        );
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, phones, "every number once, in order");
    for bad in [0, 101] {
        let status = expect_service_error!(
            sns.list_sms_sandbox_phone_numbers()
                .max_results(bad)
                .send()
                .await,
            is_invalid_parameter_exception,
            "InvalidParameter"
        );
        assert_eq!(status, Some(400));
    }
    expect_service_error!(
        sns.list_sms_sandbox_phone_numbers()
            .next_token("%%% not a token")
            .send()
            .await,
        is_invalid_parameter_exception,
        "InvalidParameter"
    );

    // Another region has its own sandbox.
    let other = aws_sdk_sns::Client::new(&common::sdk_config(&server, "test", "eu-west-1").await);
    assert!(statuses(&other).await.is_empty());

    sns.set_sms_attributes()
        .attributes("DefaultSMSType", "Transactional")
        .send()
        .await
        .expect("sms attributes");

    // The reset endpoint empties the sandbox (and forgets the SMS settings).
    let res = reqwest::Client::new()
        .post(format!("{}/_fogbank/reset?service=sns", server.endpoint()))
        .send()
        .await
        .expect("reset");
    assert_eq!(res.status().as_u16(), 200);
    assert!(statuses(&sns).await.is_empty());
    // Only the account's default spend limit is left.
    let attrs = sns.get_sms_attributes().send().await.expect("get");
    let left: Vec<_> = attrs.attributes().into_iter().flatten().collect();
    assert_eq!(
        left,
        vec![(&"MonthlySpendLimit".to_string(), &"1".to_string())],
        "{attrs:?}"
    );
    expect_service_error!(
        sns.verify_sms_sandbox_phone_number()
            .phone_number(&phones[0])
            .one_time_password("123456")
            .send()
            .await,
        is_resource_not_found_exception,
        "ResourceNotFound"
    );
}

#[tokio::test]
async fn origination_numbers_are_an_empty_list() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let out = sns.list_origination_numbers().send().await.expect("list");
    assert!(out.phone_numbers().is_empty());
    assert!(out.next_token().is_none());
    sns.list_origination_numbers()
        .max_results(30)
        .send()
        .await
        .expect("max 30");
    for bad in [0, 31] {
        let status = expect_service_error!(
            sns.list_origination_numbers().max_results(bad).send().await,
            is_validation_exception,
            "ValidationException"
        );
        assert_eq!(status, Some(400));
    }
}

#[tokio::test]
async fn application_subscriptions_need_an_existing_endpoint() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let topic = common::create_topic(&sns, "pushes").await;
    let app = sns
        .create_platform_application()
        .name("app")
        .platform("GCM")
        .attributes("PlatformCredential", "api-key")
        .send()
        .await
        .expect("app")
        .platform_application_arn
        .expect("arn");
    let endpoint = sns
        .create_platform_endpoint()
        .platform_application_arn(&app)
        .token("tok")
        .send()
        .await
        .expect("endpoint")
        .endpoint_arn
        .expect("arn");
    let sub = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("application")
        .endpoint(&endpoint)
        .send()
        .await
        .expect("subscribe")
        .subscription_arn
        .expect("arn");
    assert!(sub.starts_with(&topic));

    sns.delete_endpoint()
        .endpoint_arn(&endpoint)
        .send()
        .await
        .expect("delete endpoint");
    let err = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("application")
        .endpoint(&endpoint)
        .send()
        .await
        .expect_err("endpoint is gone");
    let status = err.raw_response().map(|r| r.status().as_u16());
    let err = err.into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{err:?}");
    assert_eq!(status, Some(400));
    assert_eq!(
        err.message(),
        Some(
            format!("Invalid parameter: Endpoint Reason: Endpoint does not exist for endpoint {endpoint}")
                .as_str()
        )
    );
}
