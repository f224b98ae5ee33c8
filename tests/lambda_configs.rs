//! Code signing configurations, provisioned concurrency and recursion config through the
//! Rust SDK, answered as AWS answers them (shapes, status codes, error types and wording).

mod common;

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    AllowedPublishers, CodeSigningPolicies, CodeSigningPolicy, FunctionCode,
    ProvisionedConcurrencyStatusEnum, RecursiveLoop, Runtime,
};

const PROFILE: &str = "arn:aws:signer:us-east-1:000000000000:/signing-profiles/test/abcdef12";

async fn function(lambda: &aws_sdk_lambda::Client, name: &str) -> String {
    let zip = common::zip_of(&[(
        "app.py",
        "def handler(event, context):\n    return 1\n",
        0o644,
    )]);
    let out = lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .expect("create function");
    // the function is Pending until read
    lambda
        .get_function()
        .function_name(name)
        .send()
        .await
        .expect("get function");
    out.function_arn.expect("arn")
}

fn publishers() -> AllowedPublishers {
    AllowedPublishers::builder()
        .signing_profile_version_arns(PROFILE)
        .build()
        .expect("publishers")
}

fn code_of<E: ProvideErrorMetadata>(e: &E) -> (String, String) {
    (
        e.code().unwrap_or_default().to_string(),
        e.message().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn code_signing_configs_round_trip_as_aws_answers() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;

    let created = lambda
        .create_code_signing_config()
        .allowed_publishers(publishers())
        .send()
        .await
        .expect("create")
        .code_signing_config
        .expect("config");
    let arn = created.code_signing_config_arn.clone();
    let id = created.code_signing_config_id.clone();
    assert!(id.starts_with("csc-") && id.len() == 21, "{id}");
    assert_eq!(
        arn,
        format!("arn:aws:lambda:us-east-1:000000000000:code-signing-config:{id}")
    );
    // defaults: an empty description and the Warn policy
    assert_eq!(created.description.as_deref(), Some(""));
    assert_eq!(
        created
            .code_signing_policies
            .as_ref()
            .and_then(|p| p.untrusted_artifact_on_deployment.clone()),
        Some(CodeSigningPolicy::Warn)
    );
    assert!(!created.last_modified.is_empty());

    let updated = lambda
        .update_code_signing_config()
        .code_signing_config_arn(&arn)
        .description("mine")
        .code_signing_policies(
            CodeSigningPolicies::builder()
                .untrusted_artifact_on_deployment(CodeSigningPolicy::Enforce)
                .build(),
        )
        .send()
        .await
        .expect("update")
        .code_signing_config
        .expect("config");
    assert_eq!(updated.description.as_deref(), Some("mine"));
    let got = lambda
        .get_code_signing_config()
        .code_signing_config_arn(&arn)
        .send()
        .await
        .expect("get")
        .code_signing_config
        .expect("config");
    assert_eq!(got.description.as_deref(), Some("mine"));
    assert_eq!(
        got.allowed_publishers
            .as_ref()
            .map(|p| p.signing_profile_version_arns.clone()),
        Some(vec![PROFILE.to_string()])
    );
    assert_eq!(
        got.code_signing_policies
            .and_then(|p| p.untrusted_artifact_on_deployment),
        Some(CodeSigningPolicy::Enforce)
    );
    let listed = lambda
        .list_code_signing_configs()
        .send()
        .await
        .expect("list");
    assert_eq!(listed.code_signing_configs().len(), 1);

    // attach to a function, list it, detach
    let fn_arn = function(&lambda, "signed").await;
    let none = lambda
        .get_function_code_signing_config()
        .function_name("signed")
        .send()
        .await
        .expect("get none");
    assert_eq!(none.code_signing_config_arn, "");
    assert_eq!(none.function_name, "signed");
    let put = lambda
        .put_function_code_signing_config()
        .function_name("signed")
        .code_signing_config_arn(&arn)
        .send()
        .await
        .expect("put");
    assert_eq!(
        (
            put.code_signing_config_arn.as_str(),
            put.function_name.as_str()
        ),
        (arn.as_str(), "signed")
    );
    let by = lambda
        .list_functions_by_code_signing_config()
        .code_signing_config_arn(&arn)
        .send()
        .await
        .expect("functions");
    assert_eq!(by.function_arns(), [fn_arn]);
    lambda
        .delete_function_code_signing_config()
        .function_name("signed")
        .send()
        .await
        .expect("detach");
    let after = lambda
        .get_function_code_signing_config()
        .function_name("signed")
        .send()
        .await
        .expect("get after");
    assert_eq!(after.code_signing_config_arn, "");

    lambda
        .delete_code_signing_config()
        .code_signing_config_arn(&arn)
        .send()
        .await
        .expect("delete");
    let e = lambda
        .get_code_signing_config()
        .code_signing_config_arn(&arn)
        .send()
        .await
        .expect_err("gone");
    assert_eq!(
        code_of(&e),
        (
            "ResourceNotFoundException".into(),
            format!("The Lambda code signing configuration {arn} can not be found.")
        )
    );
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(404));

    // attaching a configuration that does not exist
    let e = lambda
        .put_function_code_signing_config()
        .function_name("signed")
        .code_signing_config_arn(&arn)
        .send()
        .await
        .expect_err("unknown config");
    assert_eq!(
        code_of(&e),
        (
            "CodeSigningConfigNotFoundException".into(),
            format!(
                "The code signing configuration cannot be found. Check that the provided configuration is not deleted: {arn}."
            )
        )
    );
    // a malformed ARN is a ValidationException quoting AWS's pattern
    let e = lambda
        .get_code_signing_config()
        .code_signing_config_arn("csc-nope")
        .send()
        .await
        .expect_err("malformed");
    let (code, message) = code_of(&e);
    assert_eq!(code, "ValidationException");
    assert!(
        message.starts_with("1 validation error detected: Value 'csc-nope' at 'codeSigningConfigArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?"),
        "{message}"
    );
    // the function's own calls on a missing function
    let e = lambda
        .get_function_code_signing_config()
        .function_name("nope")
        .send()
        .await
        .expect_err("no function");
    assert_eq!(
        code_of(&e),
        (
            "ResourceNotFoundException".into(),
            "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope".into()
        )
    );
}

#[tokio::test]
async fn code_signing_configs_survive_a_restart() {
    let dir = common::TempDir::new("csc-restart");
    let clock = fogbank::clock::ManualClock::starting_2026();
    let arn = {
        let server = common::start_durable(&dir.0, &clock).await;
        let lambda = common::lambda(&server).await;
        function(&lambda, "kept").await;
        let arn = lambda
            .create_code_signing_config()
            .allowed_publishers(publishers())
            .description("kept")
            .send()
            .await
            .expect("create")
            .code_signing_config
            .expect("config")
            .code_signing_config_arn;
        lambda
            .put_function_code_signing_config()
            .function_name("kept")
            .code_signing_config_arn(&arn)
            .send()
            .await
            .expect("put");
        lambda
            .put_function_recursion_config()
            .function_name("kept")
            .recursive_loop(RecursiveLoop::Allow)
            .send()
            .await
            .expect("recursion");
        server.shutdown().await;
        arn
    };
    let server = common::start_durable(&dir.0, &clock).await;
    let lambda = common::lambda(&server).await;
    let got = lambda
        .get_code_signing_config()
        .code_signing_config_arn(&arn)
        .send()
        .await
        .expect("restored config")
        .code_signing_config
        .expect("config");
    assert_eq!(got.description.as_deref(), Some("kept"));
    let f = lambda
        .get_function_code_signing_config()
        .function_name("kept")
        .send()
        .await
        .expect("restored association");
    assert_eq!(f.code_signing_config_arn, arn);
    let r = lambda
        .get_function_recursion_config()
        .function_name("kept")
        .send()
        .await
        .expect("restored recursion");
    assert_eq!(r.recursive_loop, Some(RecursiveLoop::Allow));
}

#[tokio::test]
async fn provisioned_concurrency_as_aws_answers() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let arn = function(&lambda, "warm").await;
    lambda
        .publish_version()
        .function_name("warm")
        .send()
        .await
        .expect("publish");
    lambda
        .create_alias()
        .function_name("warm")
        .name("live")
        .function_version("1")
        .send()
        .await
        .expect("alias");

    // $LATEST cannot have it
    let e = lambda
        .put_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("$LATEST")
        .provisioned_concurrent_executions(1)
        .send()
        .await
        .expect_err("latest");
    assert_eq!(
        code_of(&e),
        (
            "InvalidParameterValueException".into(),
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
                .into()
        )
    );
    let e = lambda
        .get_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("$LATEST")
        .send()
        .await
        .expect_err("latest get");
    assert_eq!(
        code_of(&e).1,
        "The function resource provided must be an alias or a published version."
    );
    let e = lambda
        .get_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("live")
        .send()
        .await
        .expect_err("none yet");
    assert_eq!(
        code_of(&e),
        (
            "ProvisionedConcurrencyConfigNotFoundException".into(),
            "No Provisioned Concurrency Config found for this function".into()
        )
    );
    let e = lambda
        .put_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("7")
        .provisioned_concurrent_executions(1)
        .send()
        .await
        .expect_err("no version 7");
    assert_eq!(code_of(&e).1, format!("Function not found: {arn}:7"));
    let e = lambda
        .put_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("nope")
        .provisioned_concurrent_executions(1)
        .send()
        .await
        .expect_err("no alias");
    assert_eq!(code_of(&e).1, format!("Cannot find alias arn: {arn}:nope"));

    let put = lambda
        .put_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("live")
        .provisioned_concurrent_executions(2)
        .send()
        .await
        .expect("put");
    assert_eq!(
        put.status,
        Some(ProvisionedConcurrencyStatusEnum::InProgress)
    );
    assert_eq!(put.requested_provisioned_concurrent_executions, Some(2));
    assert_eq!(put.allocated_provisioned_concurrent_executions, Some(0));
    assert_eq!(put.available_provisioned_concurrent_executions, Some(0));
    let got = lambda
        .get_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("live")
        .send()
        .await
        .expect("get");
    assert_eq!(got.status, Some(ProvisionedConcurrencyStatusEnum::Ready));
    assert_eq!(got.available_provisioned_concurrent_executions, Some(2));
    assert_eq!(got.last_modified, put.last_modified);

    // the version an alias with provisioned concurrency points to cannot have its own
    let e = lambda
        .put_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("1")
        .provisioned_concurrent_executions(1)
        .send()
        .await
        .expect_err("pointed version");
    assert_eq!(
        code_of(&e),
        (
            "ResourceConflictException".into(),
            "Version is pointed by a Provisioned Concurrency alias".into()
        )
    );
    let list = lambda
        .list_provisioned_concurrency_configs()
        .function_name("warm")
        .send()
        .await
        .expect("list");
    let items = list.provisioned_concurrency_configs();
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].function_arn.as_deref(),
        Some(format!("{arn}:live").as_str())
    );
    // reserved concurrency bounds it
    lambda
        .put_function_concurrency()
        .function_name("warm")
        .reserved_concurrent_executions(1)
        .send()
        .await
        .expect("reserve");
    let e = lambda
        .put_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("live")
        .provisioned_concurrent_executions(3)
        .send()
        .await
        .expect_err("above reserved");
    assert_eq!(
        code_of(&e).1,
        "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function"
    );
    lambda
        .delete_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("live")
        .send()
        .await
        .expect("delete");
    // deleting again is fine, as on AWS
    lambda
        .delete_provisioned_concurrency_config()
        .function_name("warm")
        .qualifier("live")
        .send()
        .await
        .expect("delete again");
    let list = lambda
        .list_provisioned_concurrency_configs()
        .function_name("warm")
        .send()
        .await
        .expect("list empty");
    assert!(list.provisioned_concurrency_configs().is_empty());
}

#[tokio::test]
async fn recursion_config_defaults_to_terminate() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    function(&lambda, "loop").await;
    let got = lambda
        .get_function_recursion_config()
        .function_name("loop")
        .send()
        .await
        .expect("get");
    assert_eq!(got.recursive_loop, Some(RecursiveLoop::Terminate));
    let put = lambda
        .put_function_recursion_config()
        .function_name("loop")
        .recursive_loop(RecursiveLoop::Allow)
        .send()
        .await
        .expect("put");
    assert_eq!(put.recursive_loop, Some(RecursiveLoop::Allow));
    let got = lambda
        .get_function_recursion_config()
        .function_name("loop")
        .send()
        .await
        .expect("get");
    assert_eq!(got.recursive_loop, Some(RecursiveLoop::Allow));
    let e = lambda
        .put_function_recursion_config()
        .function_name("loop")
        .recursive_loop(RecursiveLoop::from("Sometimes"))
        .send()
        .await
        .expect_err("bad value");
    assert_eq!(
        code_of(&e),
        (
            "ValidationException".into(),
            "1 validation error detected: Value 'Sometimes' at 'recursiveLoop' failed to satisfy constraint: Member must satisfy enum value set: [Allow, Terminate]".into()
        )
    );
    let e = lambda
        .get_function_recursion_config()
        .function_name("missing")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(code_of(&e).0, "ResourceNotFoundException");
}

#[tokio::test]
async fn create_function_takes_a_code_signing_config() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let arn = lambda
        .create_code_signing_config()
        .allowed_publishers(publishers())
        .send()
        .await
        .expect("create config")
        .code_signing_config
        .expect("config")
        .code_signing_config_arn;
    let zip = common::zip_of(&[("app.py", "def handler(e, c):\n    return 1\n", 0o644)]);
    let create = |name: &str, csc: &str| {
        lambda
            .create_function()
            .function_name(name)
            .runtime(Runtime::Python312)
            .role(common::ROLE)
            .handler("app.handler")
            .code_signing_config_arn(csc)
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(zip.clone()))
                    .build(),
            )
            .send()
    };
    create("with-csc", &arn).await.expect("create function");
    let got = lambda
        .get_function_code_signing_config()
        .function_name("with-csc")
        .send()
        .await
        .expect("get");
    assert_eq!(got.code_signing_config_arn, arn);
    let gone = arn.replace(&arn[arn.len() - 17..], "0123456789abcdef0");
    let e = create("without", &gone).await.expect_err("unknown config");
    assert_eq!(
        code_of(&e),
        (
            "CodeSigningConfigNotFoundException".into(),
            format!(
                "The code signing configuration cannot be found. Check that the provided configuration is not deleted: {gone}."
            )
        )
    );
}

#[tokio::test]
async fn code_signing_configs_take_tags() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let arn = lambda
        .create_code_signing_config()
        .allowed_publishers(publishers())
        .tags("team", "a")
        .send()
        .await
        .expect("create config")
        .code_signing_config
        .expect("config")
        .code_signing_config_arn;
    let tags =
        |out: aws_sdk_lambda::operation::list_tags::ListTagsOutput| out.tags.unwrap_or_default();
    let listed = lambda
        .list_tags()
        .resource(&arn)
        .send()
        .await
        .expect("list");
    assert_eq!(tags(listed).get("team").map(String::as_str), Some("a"));
    lambda
        .tag_resource()
        .resource(&arn)
        .tags("env", "dev")
        .send()
        .await
        .expect("tag");
    lambda
        .untag_resource()
        .resource(&arn)
        .tag_keys("team")
        .send()
        .await
        .expect("untag");
    let now = tags(
        lambda
            .list_tags()
            .resource(&arn)
            .send()
            .await
            .expect("list"),
    );
    assert_eq!(now.len(), 1);
    assert_eq!(now.get("env").map(String::as_str), Some("dev"));
    let gone = arn.replace(&arn[arn.len() - 17..], "0123456789abcdef0");
    let e = lambda
        .list_tags()
        .resource(&gone)
        .send()
        .await
        .expect_err("unknown config");
    assert_eq!(
        code_of(&e),
        (
            "ResourceNotFoundException".into(),
            "The resource you requested does not exist.".into()
        )
    );
}
