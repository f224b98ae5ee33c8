//! `--auth strict`: requests signed by the real SDKs pass; wrong keys, tampered requests and
//! stale dates are refused with AWS's errors in the protocol of the request.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use fogbank::config::Config;
use fogbank::server::{self, RunningServer};

async fn strict_server() -> RunningServer {
    let mut config = Config::ephemeral();
    let mut creds = HashMap::new();
    creds.insert("AKIDFOGBANK".to_string(), "right-secret".to_string());
    creds.insert("123456789012".to_string(), "acct-secret".to_string());
    config.strict_auth = Some(Arc::new(creds));
    server::spawn(config).await.expect("server starts")
}

async fn sdk(server: &RunningServer, key: &str, secret: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new(key, secret, None, None, "test"))
        .load()
        .await
}

#[tokio::test]
async fn sdk_requests_pass_and_wrong_keys_fail_in_every_protocol() {
    let server = strict_server().await;
    let good = sdk(&server, "AKIDFOGBANK", "right-secret").await;
    let sqs = aws_sdk_sqs::Client::new(&good);
    let sns = aws_sdk_sns::Client::new(&good);
    let lambda = aws_sdk_lambda::Client::new(&good);
    sqs.create_queue()
        .queue_name("signed")
        .send()
        .await
        .expect("signed SQS JSON");
    sns.create_topic()
        .name("signed")
        .send()
        .await
        .expect("signed SNS query");
    lambda
        .list_functions()
        .send()
        .await
        .expect("signed Lambda REST");
    // A 12-digit key is still the account.
    let acct = aws_sdk_sqs::Client::new(&sdk(&server, "123456789012", "acct-secret").await);
    let url = acct
        .create_queue()
        .queue_name("mine")
        .send()
        .await
        .expect("account key")
        .queue_url
        .expect("url");
    assert!(url.contains("/123456789012/mine"), "{url}");

    let bad_secret = sdk(&server, "AKIDFOGBANK", "wrong-secret").await;
    let err = aws_sdk_sqs::Client::new(&bad_secret)
        .list_queues()
        .send()
        .await
        .expect_err("wrong secret");
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
    let err = aws_sdk_sns::Client::new(&bad_secret)
        .list_topics()
        .send()
        .await
        .expect_err("wrong secret");
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    let err = aws_sdk_lambda::Client::new(&bad_secret)
        .list_functions()
        .send()
        .await
        .expect_err("wrong secret");
    assert_eq!(err.code(), Some("InvalidSignatureException"));

    let unknown = sdk(&server, "AKIDNOBODY", "whatever").await;
    let err = aws_sdk_sqs::Client::new(&unknown)
        .list_queues()
        .send()
        .await
        .expect_err("unknown key");
    assert_eq!(err.code(), Some("InvalidClientTokenId"));
    let err = aws_sdk_lambda::Client::new(&unknown)
        .list_functions()
        .send()
        .await
        .expect_err("unknown key");
    assert_eq!(err.code(), Some("UnrecognizedClientException"));
}

/// Sign a query-protocol SQS request by hand, as a client would.
fn signed_request(
    server: &RunningServer,
    body: &str,
    time: SystemTime,
    location: SignatureLocation,
) -> (String, Vec<(String, String)>) {
    let host = server.addr.to_string();
    let identity = Credentials::new("AKIDFOGBANK", "right-secret", None, None, "test").into();
    let mut settings = SigningSettings::default();
    settings.signature_location = location;
    if location == SignatureLocation::QueryParams {
        settings.expires_in = Some(Duration::from_secs(300));
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("sqs")
        .time(time)
        .settings(settings)
        .build()
        .expect("params")
        .into();
    let url = format!("http://{host}/");
    let headers = [
        ("host", host.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    let req = SignableRequest::new(
        "POST",
        url.clone(),
        headers.iter().copied(),
        if location == SignatureLocation::QueryParams {
            SignableBody::UnsignedPayload
        } else {
            SignableBody::Bytes(body.as_bytes())
        },
    )
    .expect("signable");
    let (instructions, _) = sign(req, &params).expect("sign").into_parts();
    let mut url = url;
    let (hs, qs) = instructions.into_parts();
    if !qs.is_empty() {
        let q: Vec<String> = qs
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                )
            })
            .collect();
        url = format!("{url}?{}", q.join("&"));
    }
    (
        url,
        hs.iter()
            .map(|h| (h.name().to_string(), h.value().to_string()))
            .collect(),
    )
}

async fn post(url: &str, headers: &[(String, String)], body: &str) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_string());
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let res = req.send().await.expect("send");
    (res.status().as_u16(), res.text().await.expect("body"))
}

#[tokio::test]
async fn tampered_stale_and_presigned_requests() {
    let server = strict_server().await;
    let body = "Action=ListQueues&Version=2012-11-05";
    let (url, headers) =
        signed_request(&server, body, SystemTime::now(), SignatureLocation::Headers);
    let (status, text) = post(&url, &headers, body).await;
    assert_eq!(status, 200, "{text}");

    let tampered = "Action=ListQueues&Version=2012-11-05&QueueNamePrefix=x";
    let (status, text) = post(&url, &headers, tampered).await;
    assert_eq!(status, 403);
    assert!(
        text.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{text}"
    );

    let old = SystemTime::now() - Duration::from_secs(3600);
    let (url, headers) = signed_request(&server, body, old, SignatureLocation::Headers);
    let (status, text) = post(&url, &headers, body).await;
    assert_eq!(status, 400);
    assert!(text.contains("<Code>RequestExpired</Code>"), "{text}");

    let (url, headers) = signed_request(
        &server,
        body,
        SystemTime::now(),
        SignatureLocation::QueryParams,
    );
    let (status, text) = post(&url, &headers, body).await;
    assert_eq!(status, 200, "presigned: {text}");
    let forged = url.replace("X-Amz-Expires=300", "X-Amz-Expires=3000");
    let (status, text) = post(&forged, &headers, body).await;
    assert_eq!(status, 403, "{text}");

    let (status, text) = post(&format!("http://{}/", server.addr), &[], body).await;
    assert_eq!(status, 403);
    assert!(text.contains("MissingAuthenticationToken"), "{text}");
}
