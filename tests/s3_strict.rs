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
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new(key, secret, None, None, "test"))
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
