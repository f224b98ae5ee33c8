//! Lambda code from fogbank's own S3 (issue 16 item 6): CreateFunction, UpdateFunctionCode
//! (with S3ObjectVersion) and PublishLayerVersion read `S3Bucket`/`S3Key` packages, as
//! Terraform, CDK, SAM and the Serverless Framework deploy them; a missing object is AWS's
//! InvalidParameterValueException naming the failed GetObject.

mod common;
mod s3_support;

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::types::{FunctionCode, LayerVersionContentInput, Runtime};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};

fn package(answer: &str) -> Vec<u8> {
    common::zip_of(&[(
        "app.py",
        &format!("def handler(event, context):\n    return {answer:?}\n"),
        0o644,
    )])
}

async fn invoke(lambda: &aws_sdk_lambda::Client, name: &str) -> String {
    let out = lambda
        .invoke()
        .function_name(name)
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.function_error(), None);
    String::from_utf8_lossy(out.payload().map(|p| p.as_ref()).unwrap_or_default()).into_owned()
}

#[tokio::test]
async fn functions_and_layers_deploy_from_s3() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let s3 = s3_support::s3(&server).await;
    s3.create_bucket()
        .bucket("deploys")
        .send()
        .await
        .expect("bucket");
    s3.put_bucket_versioning()
        .bucket("deploys")
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("versioning");
    let put = |body: Vec<u8>| {
        s3.put_object()
            .bucket("deploys")
            .key("fn.zip")
            .body(ByteStream::from(body))
            .send()
    };
    let v1 = put(package("one"))
        .await
        .expect("put v1")
        .version_id
        .expect("v1");
    put(package("two")).await.expect("put v2");

    // CreateFunction from the object's first version
    let created = lambda
        .create_function()
        .function_name("from-s3")
        .runtime(Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .code(
            FunctionCode::builder()
                .s3_bucket("deploys")
                .s3_key("fn.zip")
                .s3_object_version(&v1)
                .build(),
        )
        .send()
        .await
        .expect("create from s3");
    assert_eq!(created.code_size(), package("one").len() as i64);
    assert_eq!(invoke(&lambda, "from-s3").await, "\"one\"");

    // UpdateFunctionCode from the current version
    lambda
        .update_function_code()
        .function_name("from-s3")
        .s3_bucket("deploys")
        .s3_key("fn.zip")
        .send()
        .await
        .expect("update from s3");
    lambda
        .get_function()
        .function_name("from-s3")
        .send()
        .await
        .expect("read after update");
    assert_eq!(invoke(&lambda, "from-s3").await, "\"two\"");

    // a layer from S3
    s3.put_object()
        .bucket("deploys")
        .key("layer.zip")
        .body(ByteStream::from(common::zip_of(&[(
            "python/shared.py",
            "VALUE = 'from the layer'\n",
            0o644,
        )])))
        .send()
        .await
        .expect("put layer");
    let layer = lambda
        .publish_layer_version()
        .layer_name("shared")
        .content(
            LayerVersionContentInput::builder()
                .s3_bucket("deploys")
                .s3_key("layer.zip")
                .build(),
        )
        .send()
        .await
        .expect("layer from s3");
    let user = common::zip_of(&[(
        "app.py",
        "import shared\n\ndef handler(event, context):\n    return shared.VALUE\n",
        0o644,
    )]);
    s3.put_object()
        .bucket("deploys")
        .key("user.zip")
        .body(ByteStream::from(user))
        .send()
        .await
        .expect("put user");
    lambda
        .create_function()
        .function_name("with-layer")
        .runtime(Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .layers(layer.layer_version_arn().expect("layer arn"))
        .code(
            FunctionCode::builder()
                .s3_bucket("deploys")
                .s3_key("user.zip")
                .build(),
        )
        .send()
        .await
        .expect("create with layer");
    assert_eq!(invoke(&lambda, "with-layer").await, "\"from the layer\"");
}

#[tokio::test]
async fn a_missing_package_is_a_failed_get_object() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let s3 = s3_support::s3(&server).await;
    s3.create_bucket()
        .bucket("empty")
        .send()
        .await
        .expect("bucket");
    let create = |bucket: &str, key: &str| {
        lambda
            .create_function()
            .function_name("nope")
            .runtime(Runtime::Python312)
            .role(common::ROLE)
            .handler("app.handler")
            .code(
                FunctionCode::builder()
                    .s3_bucket(bucket)
                    .s3_key(key)
                    .build(),
            )
            .send()
    };
    let e = create("empty", "missing.zip").await.expect_err("no key");
    assert_eq!(e.code(), Some("InvalidParameterValueException"));
    assert_eq!(
        e.message(),
        Some(
            "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist."
        )
    );
    let e = create("no-such-bucket", "x.zip")
        .await
        .expect_err("no bucket");
    assert_eq!(
        e.message(),
        Some(
            "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist"
        )
    );
}
