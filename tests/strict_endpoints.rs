//! `--auth strict` covers fogbank's own endpoints: peeks, resets, SNS inspection and health
//! details need a signature; liveness, certificates and the SNS SubscribeURL stay open; and
//! presigned query URLs verify with either payload-hash form.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use fogbank::config::Config;
use fogbank::server::{self, RunningServer};

const KEY: &str = "AKIDFOGBANK";
const SECRET: &str = "right-secret";

async fn strict_server() -> RunningServer {
    let mut config = Config::ephemeral();
    let mut creds = HashMap::new();
    creds.insert(KEY.to_string(), SECRET.to_string());
    config.strict_auth = Some(Arc::new(creds));
    server::spawn(config).await.expect("server starts")
}

async fn sdk(server: &RunningServer) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new(KEY, SECRET, None, None, "test"))
        .load()
        .await
}

/// Sign `method url` (empty body) with the headers or as a presigned URL with `payload` as the
/// payload hash; returns the URL to call and the headers to send.
fn signed(
    method: &str,
    url: &str,
    location: SignatureLocation,
    payload: SignableBody<'_>,
) -> (String, Vec<(String, String)>) {
    let host = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("host")
        .to_string();
    let identity = Credentials::new(KEY, SECRET, None, None, "test").into();
    let mut settings = SigningSettings::default();
    settings.signature_location = location;
    if location == SignatureLocation::QueryParams {
        settings.expires_in = Some(Duration::from_secs(300));
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("sqs")
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .expect("params")
        .into();
    let headers = [("host", host.as_str())];
    let req = SignableRequest::new(method, url, headers.iter().copied(), payload).expect("req");
    let (instructions, _) = sign(req, &params).expect("sign").into_parts();
    let (hs, qs) = instructions.into_parts();
    let mut url = url.to_string();
    for (k, v) in qs {
        let sep = if url.contains('?') { '&' } else { '?' };
        url = format!(
            "{url}{sep}{k}={}",
            percent_encoding::utf8_percent_encode(&v, percent_encoding::NON_ALPHANUMERIC)
        );
    }
    (
        url,
        hs.iter()
            .map(|h| (h.name().to_string(), h.value().to_string()))
            .collect(),
    )
}

async fn call(method: &str, url: &str, headers: &[(String, String)]) -> (u16, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = reqwest::Client::new().request(method, url);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let res = req.send().await.expect("send");
    (res.status().as_u16(), res.text().await.expect("body"))
}

#[tokio::test]
async fn internal_endpoints_need_a_signature_in_strict_mode() {
    let server = strict_server().await;
    let sqs = aws_sdk_sqs::Client::new(&sdk(&server).await);
    let url = sqs
        .create_queue()
        .queue_name("guarded")
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    sqs.send_message()
        .queue_url(&url)
        .message_body("secret body")
        .send()
        .await
        .expect("send");
    let base = server.endpoint();
    let q = percent_encoding::utf8_percent_encode(&url, percent_encoding::NON_ALPHANUMERIC);
    let refused = [
        ("GET", format!("{base}/_fogbank/sqs/messages?QueueUrl={q}")),
        ("GET", format!("{base}/_aws/sqs/messages?QueueUrl={q}")),
        ("POST", format!("{base}/_fogbank/reset")),
        ("POST", format!("{base}/moto-api/reset")),
        ("POST", format!("{base}/_localstack/state/reset")),
        ("GET", format!("{base}/_aws/sns/sms-messages")),
        ("DELETE", format!("{base}/_aws/sns/sms-messages")),
        ("GET", format!("{base}/_fogbank/sns/email-messages")),
        ("GET", format!("{base}/_aws/sns/platform-endpoint-messages")),
        (
            "GET",
            format!("{base}/_aws/sns/subscription-tokens/arn:aws:sns:us-east-1:000000000000:t:1"),
        ),
    ];
    for (method, u) in &refused {
        let (status, body) = call(method, u, &[]).await;
        assert_eq!(status, 403, "{method} {u}: {body}");
        assert!(body.contains("MissingAuthenticationToken"), "{body}");
        assert!(!body.contains("secret body"));
    }
    // A wrong signature is refused too.
    let (_, mut headers) = signed(
        "POST",
        &format!("{base}/_fogbank/reset"),
        SignatureLocation::Headers,
        SignableBody::Bytes(b""),
    );
    for (k, v) in headers.iter_mut() {
        if k == "authorization" {
            *v = v.replace("Signature=", "Signature=0");
        }
    }
    let (status, _) = call("POST", &format!("{base}/_fogbank/reset"), &headers).await;
    assert_eq!(status, 403);
    assert_eq!(
        sqs.list_queues()
            .send()
            .await
            .expect("list")
            .queue_urls()
            .len(),
        1,
        "no reset happened"
    );

    // Signed, they are served.
    let peek = format!("{base}/_fogbank/sqs/messages?QueueUrl={q}");
    let (u, h) = signed(
        "GET",
        &peek,
        SignatureLocation::Headers,
        SignableBody::Bytes(b""),
    );
    let (status, body) = call("GET", &u, &h).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("secret body"), "{body}");
    let sms = format!("{base}/_aws/sns/sms-messages");
    let (u, h) = signed(
        "GET",
        &sms,
        SignatureLocation::Headers,
        SignableBody::Bytes(b""),
    );
    assert_eq!(call("GET", &u, &h).await.0, 200);
    let reset = format!("{base}/_fogbank/reset?service=sqs");
    let (u, h) = signed(
        "POST",
        &reset,
        SignatureLocation::Headers,
        SignableBody::Bytes(b""),
    );
    let (status, body) = call("POST", &u, &h).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        sqs.list_queues()
            .send()
            .await
            .expect("list")
            .queue_urls()
            .is_empty()
    );
}

#[tokio::test]
async fn liveness_and_certificates_stay_open_and_health_details_need_a_signature() {
    let server = strict_server().await;
    let base = server.endpoint();
    let (status, body) = call("GET", &format!("{base}/_fogbank/health"), &[]).await;
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["status"], "ok");
    assert!(v.get("sqs").is_none(), "no details unsigned: {v}");

    let (u, h) = signed(
        "GET",
        &format!("{base}/_fogbank/health"),
        SignatureLocation::Headers,
        SignableBody::Bytes(b""),
    );
    let (status, body) = call("GET", &u, &h).await;
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert!(v["sqs"]["waiting_receives"].is_number(), "{v}");

    let (status, _) = call("GET", &format!("{base}/_localstack/health"), &[]).await;
    assert_eq!(status, 200);
    let (status, body) = call(
        "GET",
        &format!("{base}/_fogbank/sns/SimpleNotificationService.pem"),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("BEGIN CERTIFICATE"));
}

#[tokio::test]
async fn the_sns_subscribe_url_is_served_unsigned() {
    let server = strict_server().await;
    let sns = aws_sdk_sns::Client::new(&sdk(&server).await);
    let topic = sns
        .create_topic()
        .name("links")
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("arn");
    let (endpoint, mut rx) = common::http_endpoint(0).await;
    common::subscribe(&sns, &topic, "http", &endpoint).await;
    let confirmation: serde_json::Value =
        serde_json::from_str(&common::next_request(&mut rx).await.body).expect("json");
    let url = confirmation["SubscribeURL"].as_str().expect("SubscribeURL");
    let (status, body) = call("GET", url, &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<ConfirmSubscriptionResult>"), "{body}");

    // Other unsigned GETs of the query protocol are still refused.
    let (status, body) = call(
        "GET",
        &format!(
            "{}/?Action=ListTopics&Version=2010-03-31",
            server.endpoint()
        ),
        &[],
    )
    .await;
    assert_eq!(status, 403, "{body}");
}

#[tokio::test]
async fn presigned_query_urls_verify_with_either_payload_hash() {
    let server = strict_server().await;
    let url = format!(
        "{}/?Action=ListQueues&Version=2012-11-05",
        server.endpoint()
    );
    // aws-sigv4 / JS SDK style, and botocore's generate_presigned_url (SHA-256 of the body).
    for payload in [SignableBody::UnsignedPayload, SignableBody::Bytes(b"")] {
        let (u, h) = signed("GET", &url, SignatureLocation::QueryParams, payload);
        assert!(h.is_empty());
        assert!(u.contains("X-Amz-Signature="), "{u}");
        let (status, body) = call("GET", &u, &[]).await;
        assert_eq!(status, 200, "{u}: {body}");
        assert!(body.contains("<ListQueuesResponse"), "{body}");
        let tampered = u.replace("Action=ListQueues", "Action=ListQueues&QueueNamePrefix=x");
        let (status, body) = call("GET", &tampered, &[]).await;
        assert_eq!(status, 403, "{body}");
        assert!(body.contains("SignatureDoesNotMatch"), "{body}");
    }
}
