//! Helpers shared by the S3 SDK tests (`tests/s3_*.rs`).
#![allow(dead_code)]

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use fogbank::server::RunningServer;

use crate::common;

pub async fn s3_in(server: &RunningServer, region: &str) -> Client {
    let sdk = common::sdk_config(server, "000000000000", region).await;
    let conf = aws_sdk_s3::config::Builder::from(&sdk)
        .force_path_style(true)
        .build();
    Client::from_conf(conf)
}

pub async fn s3(server: &RunningServer) -> Client {
    s3_in(server, "us-east-1").await
}

pub async fn body(out: aws_sdk_s3::operation::get_object::GetObjectOutput) -> Vec<u8> {
    out.body
        .collect()
        .await
        .expect("body")
        .into_bytes()
        .to_vec()
}

pub fn code<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    r: Result<R, aws_sdk_s3::error::SdkError<E>>,
) -> (Option<String>, Option<u16>) {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => {
            let status = e.raw_response().map(|r| r.status().as_u16());
            (e.code().map(str::to_string), status)
        }
    }
}
