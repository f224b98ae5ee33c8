//! Lambda validation as AWS words it today (names, ARNs and qualifiers against the current
//! model patterns, tag and layer quotas, account usage, mappings' tags, CreateFunction with
//! Publish), through aws-sdk-lambda against the in-process server.

mod common;

use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, LayerVersionContentInput, Runtime};

const ACCOUNT: &str = "000000000000";
const REGION: &str = "us-east-1";

/// The current model's `NamespacedFunctionName` pattern (GetFunction, Invoke, ...), as AWS
/// quotes it.
const NAMESPACED: &str = r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?";
/// The current model's `FunctionName` pattern (CreateFunction, aliases, updates, ...).
const PLAIN: &str = r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?";
/// The `Qualifier` parameter's pattern (`NumericLatestPublishedOrAliasQualifier`).
const QUALIFIER: &str = r"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+";

fn refused<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    res: Result<T, SdkError<E>>,
    code: &str,
    status: u16,
) -> String {
    let err = res.expect_err("refused");
    let got = err.raw_response().map(|r| r.status().as_u16());
    assert_eq!(err.code(), Some(code), "{err:?}");
    assert_eq!(got, Some(status), "{err:?}");
    err.message().unwrap_or_default().to_string()
}

fn zip() -> Vec<u8> {
    common::zip_of(&[("app.py", "def handler(e, c):\n    return e\n", 0o644)])
}

fn code() -> FunctionCode {
    FunctionCode::builder().zip_file(Blob::new(zip())).build()
}

fn create(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
) -> aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder {
    lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .code(code())
}

async fn publish_layer(lambda: &aws_sdk_lambda::Client, name: &str) -> (String, i64) {
    let out = lambda
        .publish_layer_version()
        .layer_name(name)
        .content(
            LayerVersionContentInput::builder()
                .zip_file(Blob::new(common::zip_of(&[(
                    "python/lib.py",
                    "X = 1\n",
                    0o644,
                )])))
                .build(),
        )
        .send()
        .await
        .expect("publish layer");
    let size = out.content().map(|c| c.code_size()).unwrap_or_default();
    (out.layer_version_arn().expect("arn").to_string(), size)
}

#[tokio::test]
async fn create_with_publish_answers_the_new_version_under_the_unqualified_arn() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let out = create(&lambda, "pub")
        .publish(true)
        .send()
        .await
        .expect("create and publish");
    // recorded: Version "1", FunctionArn without the version qualifier
    assert_eq!(out.version(), Some("1"));
    assert_eq!(
        out.function_arn(),
        Some(format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:pub").as_str())
    );
    let versions = lambda
        .list_versions_by_function()
        .function_name("pub")
        .send()
        .await
        .expect("list versions");
    let arns: Vec<&str> = versions
        .versions()
        .iter()
        .filter_map(|v| v.function_arn())
        .collect();
    assert_eq!(
        arns,
        [
            format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:pub:$LATEST"),
            format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:pub:1"),
        ]
    );
    let v1 = lambda
        .get_function_configuration()
        .function_name("pub")
        .qualifier("1")
        .send()
        .await
        .expect("version 1");
    assert_eq!(
        v1.function_arn(),
        Some(format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:pub:1").as_str())
    );
}

#[tokio::test]
async fn names_and_qualifiers_are_checked_against_the_current_patterns() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create(&lambda, "f").send().await.expect("create");

    // a dot is allowed by GetFunction's pattern: the function is simply not there
    let msg = refused(
        lambda.get_function().function_name("my.func").send().await,
        "ResourceNotFoundException",
        404,
    );
    assert_eq!(
        msg,
        format!("Function not found: arn:aws:lambda:{REGION}:{ACCOUNT}:function:my.func")
    );
    // ... but not by CreateFunction's
    let msg = refused(
        create(&lambda, "my.func").send().await,
        "ValidationException",
        400,
    );
    assert_eq!(
        msg,
        format!(
            "1 validation error detected: Value 'my.func' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: {PLAIN}"
        )
    );
    // a bad character in a read names the read's pattern
    let msg = refused(
        lambda.get_function().function_name("bad name").send().await,
        "ValidationException",
        400,
    );
    assert_eq!(
        msg,
        format!(
            "1 validation error detected: Value 'bad name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: {NAMESPACED}"
        )
    );
    // an ARN's region must look like a region
    let bad_region = format!("arn:aws:lambda:nowhere:{ACCOUNT}:function:f");
    let msg = refused(
        lambda
            .get_function()
            .function_name(&bad_region)
            .send()
            .await,
        "ValidationException",
        400,
    );
    assert_eq!(
        msg,
        format!(
            "1 validation error detected: Value '{bad_region}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: {NAMESPACED}"
        )
    );
    // a name over the model's length limit (also over the 64 characters a name may have,
    // which AWS reports as the pattern: recorded for GetFunction with 65 characters)
    let long = "a".repeat(257);
    let msg = refused(
        lambda.get_function().function_name(&long).send().await,
        "ValidationException",
        400,
    );
    assert_eq!(
        msg,
        format!(
            "2 validation errors detected: Value '{long}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 256; Value '{long}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: {NAMESPACED}"
        )
    );
    let name65 = "a".repeat(65);
    let msg = refused(
        lambda.get_function().function_name(&name65).send().await,
        "ValidationException",
        400,
    );
    assert_eq!(
        msg,
        format!(
            "1 validation error detected: Value '{name65}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: {NAMESPACED}"
        )
    );
    // $LATEST.PUBLISHED is a qualifier the model knows; f has none published
    let msg = refused(
        lambda
            .get_function()
            .function_name("f")
            .qualifier("$LATEST.PUBLISHED")
            .send()
            .await,
        "ResourceNotFoundException",
        404,
    );
    assert_eq!(
        msg,
        format!(
            "Function not found: arn:aws:lambda:{REGION}:{ACCOUNT}:function:f:$LATEST.PUBLISHED"
        )
    );
    // a qualifier with a character outside the pattern
    let msg = refused(
        lambda
            .get_function()
            .function_name("f")
            .qualifier("a?b")
            .send()
            .await,
        "ValidationException",
        400,
    );
    assert_eq!(
        msg,
        format!(
            "1 validation error detected: Value 'a?b' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: {QUALIFIER}"
        )
    );
    // a qualifier over 128 characters is the model's ValidationException, not a 404
    let q = "q".repeat(129);
    let msg = refused(
        lambda
            .invoke()
            .function_name("f")
            .qualifier(&q)
            .send()
            .await,
        "ValidationException",
        400,
    );
    assert_eq!(
        msg,
        format!(
            "1 validation error detected: Value '{q}' at 'qualifier' failed to satisfy constraint: Member must have length less than or equal to 128"
        )
    );
    // CreateFunction refuses a qualified name
    refused(
        create(&lambda, "g:1").send().await,
        "InvalidParameterValueException",
        400,
    );
}

#[tokio::test]
async fn tag_quotas_are_enforced() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let arn = create(&lambda, "t")
        .send()
        .await
        .expect("create")
        .function_arn()
        .expect("arn")
        .to_string();

    let mut many = lambda.create_function().function_name("too-many");
    for i in 0..51 {
        many = many.tags(format!("k{i}"), "v");
    }
    let msg = refused(
        many.runtime(Runtime::Python312)
            .role(common::ROLE)
            .handler("app.handler")
            .code(code())
            .send()
            .await,
        "InvalidParameterValueException",
        400,
    );
    assert_eq!(msg, "Number of tags exceeds resource tag limit.");

    let mut fifty = lambda.tag_resource().resource(&arn);
    for i in 0..50 {
        fifty = fifty.tags(format!("k{i}"), "v");
    }
    fifty.send().await.expect("50 tags fit");
    let msg = refused(
        lambda
            .tag_resource()
            .resource(&arn)
            .tags("one-more", "v")
            .send()
            .await,
        "InvalidParameterValueException",
        400,
    );
    assert_eq!(msg, "Number of tags exceeds resource tag limit.");
    // replacing a value is not a new tag
    lambda
        .tag_resource()
        .resource(&arn)
        .tags("k0", "w")
        .send()
        .await
        .expect("retag");

    let long_key = "k".repeat(129);
    let msg = refused(
        lambda
            .tag_resource()
            .resource(&arn)
            .tags(&long_key, "v")
            .send()
            .await,
        "ValidationException",
        400,
    );
    assert!(
        msg.contains("at 'tags' failed to satisfy constraint: Map keys must satisfy constraint"),
        "{msg}"
    );
    let msg = refused(
        lambda
            .tag_resource()
            .resource(&arn)
            .tags("k1", "v".repeat(257))
            .send()
            .await,
        "ValidationException",
        400,
    );
    assert!(
        msg.contains("at 'tags' failed to satisfy constraint: Map value must satisfy constraint"),
        "{msg}"
    );
    refused(
        lambda
            .tag_resource()
            .resource(&arn)
            .tags("aws:owner", "v")
            .send()
            .await,
        "InvalidParameterValueException",
        400,
    );
    let tags = lambda
        .list_tags()
        .resource(&arn)
        .send()
        .await
        .expect("list tags");
    assert_eq!(tags.tags().map(|t| t.len()), Some(50));
    assert_eq!(
        tags.tags().and_then(|t| t.get("k0")).map(String::as_str),
        Some("w")
    );
}

#[tokio::test]
async fn a_function_references_at_most_five_layers() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let mut layers = Vec::new();
    for i in 0..6 {
        layers.push(publish_layer(&lambda, &format!("l{i}")).await.0);
    }
    let msg = refused(
        create(&lambda, "six")
            .set_layers(Some(layers.clone()))
            .send()
            .await,
        "InvalidParameterValueException",
        400,
    );
    assert_eq!(msg, "Cannot reference more than 5 layers.");
    create(&lambda, "five")
        .set_layers(Some(layers[..5].to_vec()))
        .send()
        .await
        .expect("five layers fit");
    let msg = refused(
        lambda
            .update_function_configuration()
            .function_name("five")
            .set_layers(Some(layers.clone()))
            .send()
            .await,
        "InvalidParameterValueException",
        400,
    );
    assert_eq!(msg, "Cannot reference more than 5 layers.");
}

#[tokio::test]
async fn account_usage_counts_functions_versions_and_layers() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let usage =
        |out: &aws_sdk_lambda::operation::get_account_settings::GetAccountSettingsOutput| {
            let u = out.account_usage().expect("usage");
            (u.function_count(), u.total_code_size())
        };
    let before = lambda
        .get_account_settings()
        .send()
        .await
        .expect("settings");
    assert_eq!(usage(&before), (0, 0));

    let size = create(&lambda, "a")
        .send()
        .await
        .expect("create")
        .code_size();
    assert!(size > 0);
    let after_create = lambda
        .get_account_settings()
        .send()
        .await
        .expect("settings");
    assert_eq!(usage(&after_create), (1, size));

    // a published version is a stored package of its own (the function is Pending until read)
    lambda
        .get_function_configuration()
        .function_name("a")
        .send()
        .await
        .expect("active");
    lambda
        .publish_version()
        .function_name("a")
        .send()
        .await
        .expect("publish");
    let after_publish = lambda
        .get_account_settings()
        .send()
        .await
        .expect("settings");
    assert_eq!(usage(&after_publish), (1, 2 * size));

    let (_, layer_size) = publish_layer(&lambda, "shared").await;
    assert!(layer_size > 0);
    let after_layer = lambda
        .get_account_settings()
        .send()
        .await
        .expect("settings");
    assert_eq!(usage(&after_layer), (1, 2 * size + layer_size));

    lambda
        .delete_function()
        .function_name("a")
        .send()
        .await
        .expect("delete");
    let after_delete = lambda
        .get_account_settings()
        .send()
        .await
        .expect("settings");
    assert_eq!(usage(&after_delete), (0, layer_size));
}

#[tokio::test]
async fn event_source_mappings_take_tags() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let sqs = common::sqs(&server).await;
    let queue = sqs
        .create_queue()
        .queue_name("src")
        .send()
        .await
        .expect("queue");
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(queue.queue_url().expect("url"))
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("attributes");
    let queue_arn = attrs
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .expect("queue arn")
        .clone();
    create(&lambda, "consumer").send().await.expect("create");
    let esm = lambda
        .create_event_source_mapping()
        .function_name("consumer")
        .event_source_arn(&queue_arn)
        .enabled(false)
        .tags("team", "a")
        .send()
        .await
        .expect("mapping");
    let esm_arn = esm
        .event_source_mapping_arn()
        .expect("mapping arn")
        .to_string();
    assert_eq!(
        esm_arn,
        format!(
            "arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:{}",
            esm.uuid().expect("uuid")
        )
    );
    let tags = lambda
        .list_tags()
        .resource(&esm_arn)
        .send()
        .await
        .expect("list tags");
    assert_eq!(
        tags.tags().and_then(|t| t.get("team")).map(String::as_str),
        Some("a")
    );
    lambda
        .tag_resource()
        .resource(&esm_arn)
        .tags("env", "dev")
        .send()
        .await
        .expect("tag mapping");
    lambda
        .untag_resource()
        .resource(&esm_arn)
        .tag_keys("team")
        .send()
        .await
        .expect("untag mapping");
    let tags = lambda
        .list_tags()
        .resource(&esm_arn)
        .send()
        .await
        .expect("list tags");
    let mut keys: Vec<&String> = tags.tags().map(|t| t.keys().collect()).unwrap_or_default();
    keys.sort();
    assert_eq!(keys, ["env"]);

    // a mapping that is not there
    let missing = format!(
        "arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:00000000-0000-0000-0000-000000000000"
    );
    refused(
        lambda.list_tags().resource(&missing).send().await,
        "ResourceNotFoundException",
        404,
    );
    // the mapping's tags go with it
    lambda
        .delete_event_source_mapping()
        .uuid(esm.uuid().expect("uuid"))
        .send()
        .await
        .expect("delete mapping");
    refused(
        lambda.list_tags().resource(&esm_arn).send().await,
        "ResourceNotFoundException",
        404,
    );
}

#[tokio::test]
async fn layer_listings_show_only_the_list_item_members() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let (arn, _) = publish_layer(&lambda, "listed").await;
    let http = reqwest::Client::new();
    let get = |path: String| {
        let http = http.clone();
        async move {
            let res = http.get(path).send().await.expect("request");
            assert_eq!(res.status(), 200);
            res.json::<serde_json::Value>().await.expect("json")
        }
    };
    let members = |v: &serde_json::Value| {
        let mut keys: Vec<String> = v
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        keys
    };
    // recorded (list_layer_versions_predelete): no Content, no LayerArn
    let expected = [
        "CompatibleArchitectures",
        "CompatibleRuntimes",
        "CreatedDate",
        "Description",
        "LayerVersionArn",
        "Version",
    ];
    let versions = get(format!(
        "{}/2018-10-31/layers/listed/versions",
        server.endpoint()
    ))
    .await;
    assert_eq!(members(&versions["LayerVersions"][0]), expected);
    assert_eq!(
        versions["LayerVersions"][0]["LayerVersionArn"],
        arn.as_str()
    );
    let layers = get(format!("{}/2018-10-31/layers", server.endpoint())).await;
    assert_eq!(
        members(&layers["Layers"][0]),
        ["LatestMatchingVersion", "LayerArn", "LayerName"]
    );
    assert_eq!(
        members(&layers["Layers"][0]["LatestMatchingVersion"]),
        expected
    );
    // GetLayerVersion keeps Content and LayerArn
    let one = get(format!(
        "{}/2018-10-31/layers/listed/versions/1",
        server.endpoint()
    ))
    .await;
    assert!(one.get("Content").is_some() && one.get("LayerArn").is_some());
}

#[tokio::test]
async fn layer_version_numbers_keep_counting_after_deletes() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    publish_layer(&lambda, "counted").await;
    publish_layer(&lambda, "counted").await;
    for v in [1, 2] {
        lambda
            .delete_layer_version()
            .layer_name("counted")
            .version_number(v)
            .send()
            .await
            .expect("delete version");
    }
    // recorded (test_layer_lifecycle publish_result_3): the next version is 3, not 1
    let (arn, _) = publish_layer(&lambda, "counted").await;
    assert_eq!(
        arn,
        format!("arn:aws:lambda:{REGION}:{ACCOUNT}:layer:counted:3")
    );
}

#[tokio::test]
#[allow(deprecated)]
async fn invoke_async_answers_status_202() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create(&lambda, "legacy").send().await.expect("create");
    let out = lambda
        .invoke_async()
        .function_name("legacy")
        .invoke_args(aws_sdk_lambda::primitives::ByteStream::from_static(b"{}"))
        .send()
        .await
        .expect("invoke async");
    assert_eq!(out.status(), 202);
}
