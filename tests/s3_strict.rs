//! S3 in strict mode (`--auth strict`): s3s verifies header, presigned and aws-chunked
//! signatures with the configured keys; wrong keys and unsigned requests are refused.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use aws_credential_types::Credentials;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use fogbank::config::Config;
use fogbank::server::{self, RunningServer};

async fn strict_server() -> RunningServer {
    let mut config = Config::ephemeral();
    let mut creds = HashMap::new();
    creds.insert("AKIDFOGBANK".to_string(), "right-secret".to_string());
    config.strict_auth = Some(Arc::new(creds));
    server::spawn(config).await.expect("server starts")
}

async fn client(server: &RunningServer, key: &str, secret: &str) -> aws_sdk_s3::Client {
    client_as(server, Credentials::new(key, secret, None, None, "test")).await
}

/// Temporary credentials: a key, its secret and its session token.
async fn client_with_token(
    server: &RunningServer,
    key: &str,
    secret: &str,
    token: &str,
) -> aws_sdk_s3::Client {
    let creds = Credentials::new(key, secret, Some(token.to_string()), None, "test");
    client_as(server, creds).await
}

async fn client_as(server: &RunningServer, creds: Credentials) -> aws_sdk_s3::Client {
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(creds)
        .load()
        .await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    )
}

#[tokio::test]
async fn signed_requests_pass_and_wrong_or_missing_signatures_fail() {
    let server = strict_server().await;
    let good = client(&server, "AKIDFOGBANK", "right-secret").await;
    good.create_bucket()
        .bucket("strict")
        .send()
        .await
        .expect("signed create");
    // The SDK's default aws-chunked body with a CRC32 trailer, verified by s3s.
    let put = good
        .put_object()
        .bucket("strict")
        .key("k")
        .body(ByteStream::from_static(b"hello world"))
        .send()
        .await
        .expect("signed put");
    assert_eq!(put.checksum_crc32(), Some("DUoRhQ=="));
    let got = good
        .get_object()
        .bucket("strict")
        .key("k")
        .send()
        .await
        .unwrap();
    let bytes = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(&bytes[..], b"hello world");

    let cfg =
        aws_sdk_s3::presigning::PresigningConfig::expires_in(std::time::Duration::from_secs(60))
            .unwrap();
    let url = good
        .get_object()
        .bucket("strict")
        .key("k")
        .presigned(cfg)
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let r = http.get(url.uri()).send().await.unwrap();
    assert_eq!(r.status(), 200);

    let wrong = client(&server, "AKIDFOGBANK", "wrong-secret").await;
    let err = wrong.list_buckets().send().await.expect_err("wrong secret");
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    let unknown = client(&server, "AKIDUNKNOWN", "x").await;
    let err = unknown
        .list_buckets()
        .send()
        .await
        .expect_err("unknown key");
    assert_eq!(err.code(), Some("InvalidAccessKeyId"));

    let r = http
        .get(format!("{}/strict/k", server.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("<Code>AccessDenied</Code>")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn keys_sts_and_iam_issued_sign_s3_requests_in_strict_mode() {
    let server = strict_server().await;
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDFOGBANK",
            "right-secret",
            None,
            None,
            "test",
        ))
        .load()
        .await;
    let assumed = aws_sdk_sts::Client::new(&sdk)
        .assume_role()
        .role_arn("arn:aws:iam::000000000000:role/s3-writer")
        .role_session_name("s3-strict")
        .send()
        .await
        .expect("assume role");
    let c = assumed.credentials().expect("credentials");
    let s3 = client_with_token(
        &server,
        c.access_key_id(),
        c.secret_access_key(),
        c.session_token(),
    )
    .await;
    s3.create_bucket()
        .bucket("issued-keys")
        .send()
        .await
        .expect("temporary credentials create a bucket");
    s3.put_object()
        .bucket("issued-keys")
        .key("k")
        .body(ByteStream::from_static(b"signed by STS's key"))
        .send()
        .await
        .expect("put");
    let got = s3
        .get_object()
        .bucket("issued-keys")
        .key("k")
        .send()
        .await
        .expect("get");
    let body = got.body.collect().await.expect("body").into_bytes();
    assert_eq!(&body[..], b"signed by STS's key");
    // The key without its session token, or with another, is refused.
    let e = client(&server, c.access_key_id(), c.secret_access_key())
        .await
        .list_buckets()
        .send()
        .await
        .expect_err("no session token");
    assert_eq!(e.code(), Some("InvalidAccessKeyId"));
    let e = client_with_token(&server, c.access_key_id(), c.secret_access_key(), "forged")
        .await
        .list_buckets()
        .send()
        .await
        .expect_err("another session token");
    assert_eq!(e.code(), Some("InvalidToken"));
    // A wrong secret for the issued key fails the signature check.
    let e = client_with_token(&server, c.access_key_id(), "wrong", c.session_token())
        .await
        .list_buckets()
        .send()
        .await
        .expect_err("wrong secret");
    assert_eq!(e.code(), Some("SignatureDoesNotMatch"));

    // An IAM user's access key signs S3 requests as well.
    let iam = &server.state.iam;
    iam.create_user(
        "000000000000",
        fogbank::iam::model::CreateUserRequest {
            user_name: "uploader".into(),
            ..Default::default()
        },
    )
    .expect("user");
    let key = iam
        .create_access_key("000000000000", "uploader")
        .expect("access key");
    let s3 = client(&server, &key.id, &key.secret).await;
    let listed = s3.list_buckets().send().await.expect("an IAM user's key");
    assert!(
        listed
            .buckets()
            .iter()
            .any(|b| b.name() == Some("issued-keys"))
    );
    server.shutdown().await;
}
