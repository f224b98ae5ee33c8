//! Lambda through aws-sdk-lambda: functions hosted as host processes behind the Runtime API.

mod common;

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, InvocationType, LogType, Runtime};
use base64::Engine as _;
use serde_json::{Value, json};

const PY_HANDLER: &str = r#"
import json, os, sys, time

COUNT = 0

def handler(event, context):
    global COUNT
    COUNT += 1
    print("hello from", context.function_name)
    print("to stderr", file=sys.stderr)
    if event.get("fail"):
        raise ValueError("asked to fail")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("exit"):
        os._exit(event["exit"])
    return {
        "event": event,
        "count": COUNT,
        "request_id": context.aws_request_id,
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
        "remaining": context.get_remaining_time_in_millis(),
        "log_group": context.log_group_name,
        "version": context.function_version,
        "region": os.environ["AWS_REGION"],
        "endpoint": os.environ["AWS_ENDPOINT_URL"],
        "custom": os.environ.get("CUSTOM"),
        "client_context": getattr(context.client_context, "custom", None) if context.client_context else None,
    }
"#;

async fn create_python(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    source: &str,
    timeout: i32,
) -> String {
    let zip = common::zip_of(&[("app.py", source, 0o644)]);
    let out = lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .timeout(timeout)
        .environment(
            aws_sdk_lambda::types::Environment::builder()
                .variables("CUSTOM", "yes")
                .build(),
        )
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .expect("create function");
    // AWS answers a create as Pending; the next read sees it Active
    assert_eq!(out.state().map(|s| s.as_str()), Some("Pending"));
    assert_eq!(
        out.state_reason_code().map(|s| s.as_str()),
        Some("Creating")
    );
    assert_eq!(out.last_update_status(), None);
    let got = lambda
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .expect("get function configuration");
    assert_eq!(got.state().map(|s| s.as_str()), Some("Active"));
    assert_eq!(
        got.last_update_status().map(|s| s.as_str()),
        Some("Successful")
    );
    out.function_arn().expect("arn").to_string()
}

fn payload(out: &aws_sdk_lambda::operation::invoke::InvokeOutput) -> Value {
    let bytes = out
        .payload()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default();
    serde_json::from_slice(&bytes).expect("json payload")
}

#[tokio::test]
async fn python_function_runs_warm_with_context_logs_and_errors() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let arn = create_python(&lambda, "py", PY_HANDLER, 2).await;

    let cc = base64::engine::general_purpose::STANDARD.encode(r#"{"custom":{"k":"v"}}"#);
    let out = lambda
        .invoke()
        .function_name("py")
        .payload(Blob::new(r#"{"a": 1}"#))
        .log_type(LogType::Tail)
        .client_context(cc)
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), None);
    assert_eq!(out.executed_version(), Some("$LATEST"));
    let v = payload(&out);
    assert_eq!(v["event"], json!({"a": 1}));
    assert_eq!(v["count"], 1);
    assert_eq!(v["arn"], arn.as_str());
    assert_eq!(v["memory"], "128");
    assert_eq!(v["log_group"], "/aws/lambda/py");
    assert_eq!(v["version"], "$LATEST");
    assert_eq!(v["region"], "us-east-1");
    assert_eq!(v["endpoint"], server.endpoint().as_str());
    assert_eq!(v["custom"], "yes");
    assert_eq!(v["client_context"], json!({"k": "v"}));
    let remaining = v["remaining"].as_i64().expect("remaining");
    assert!(remaining > 0 && remaining <= 2000, "{remaining}");
    let log = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(out.log_result().expect("log result"))
            .expect("base64"),
    )
    .expect("utf8");
    let rid = v["request_id"].as_str().expect("request id");
    assert!(
        log.contains(&format!("START RequestId: {rid} Version: $LATEST")),
        "{log}"
    );
    assert!(log.contains("hello from py"), "{log}");
    assert!(log.contains("to stderr"), "{log}");
    assert!(log.contains(&format!("END RequestId: {rid}")), "{log}");
    assert!(
        log.contains(&format!("REPORT RequestId: {rid}\tDuration: ")),
        "{log}"
    );
    assert!(
        log.contains("Init Duration: "),
        "a cold start reports its init: {log}"
    );

    // The same environment serves the next invoke: module state survives.
    let out = lambda
        .invoke()
        .function_name("py")
        .send()
        .await
        .expect("invoke");
    let v = payload(&out);
    assert_eq!(v["count"], 2);
    assert_eq!(v["event"], json!({}));

    // A handler exception: still 200, with X-Amz-Function-Error and the runtime's error body.
    let out = lambda
        .invoke()
        .function_name(&arn)
        .payload(Blob::new(r#"{"fail": true}"#))
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), Some("Unhandled"));
    let v = payload(&out);
    assert_eq!(v["errorType"], "ValueError");
    assert_eq!(v["errorMessage"], "asked to fail");
    assert!(v["stackTrace"].is_array());

    // A timeout kills the environment; the next invoke starts a fresh one.
    let out = lambda
        .invoke()
        .function_name("py")
        .payload(Blob::new(r#"{"sleep": 30}"#))
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.function_error(), Some("Unhandled"));
    let v = payload(&out);
    assert_eq!(v["errorType"], "Sandbox.Timedout");
    let msg = v["errorMessage"].as_str().expect("message");
    assert!(msg.ends_with("Task timed out after 2.00 seconds"), "{msg}");
    let out = lambda
        .invoke()
        .function_name("py")
        .send()
        .await
        .expect("invoke");
    assert_eq!(
        payload(&out)["count"],
        1,
        "a new environment after the timeout"
    );

    // A crash mid-invoke.
    let out = lambda
        .invoke()
        .function_name("py")
        .payload(Blob::new(r#"{"exit": 3}"#))
        .send()
        .await
        .expect("invoke");
    let v = payload(&out);
    assert_eq!(v["errorType"], "Runtime.ExitError");
    assert!(
        v["errorMessage"]
            .as_str()
            .is_some_and(|m| m.ends_with("Runtime exited with error: exit status 3")),
        "{v}"
    );

    // DryRun and Event.
    let out = lambda
        .invoke()
        .function_name("py")
        .invocation_type(InvocationType::DryRun)
        .send()
        .await
        .expect("dry run");
    assert_eq!(out.status_code(), 204);
    let out = lambda
        .invoke()
        .function_name("py")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new("{}"))
        .send()
        .await
        .expect("event");
    assert_eq!(out.status_code(), 202);

    // Bad input.
    let err = lambda
        .invoke()
        .function_name("py")
        .payload(Blob::new("{not json"))
        .send()
        .await
        .expect_err("bad payload");
    assert_eq!(err.code(), Some("InvalidRequestContentException"));
    let err = lambda
        .invoke()
        .function_name("nope")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let big = vec![b' '; 6 * 1024 * 1024 + 10];
    let err = lambda
        .invoke()
        .function_name("py")
        .payload(Blob::new(big))
        .send()
        .await
        .expect_err("too large");
    assert_eq!(err.code(), Some("RequestTooLargeException"));

    server.state.lambda.shutdown();
    assert_eq!(server.state.lambda.live_environments(), 0);
}

#[tokio::test]
async fn init_errors_are_reported_as_the_functions_error() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create_python(&lambda, "broken", "import does_not_exist\n", 3).await;
    let out = lambda
        .invoke()
        .function_name("broken")
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.function_error(), Some("Unhandled"));
    let v = payload(&out);
    assert_eq!(v["errorType"], "Runtime.ImportModuleError");
    assert!(
        v["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("does_not_exist")),
        "{v}"
    );

    let zip = common::zip_of(&[("app.py", "def other(e, c):\n    return 1\n", 0o644)]);
    lambda
        .update_function_code()
        .function_name("broken")
        .zip_file(Blob::new(zip))
        .send()
        .await
        .expect("update code");
    let out = lambda
        .invoke()
        .function_name("broken")
        .send()
        .await
        .expect("invoke");
    assert_eq!(payload(&out)["errorType"], "Runtime.HandlerNotFound");
}

#[tokio::test]
async fn node_functions_commonjs_esm_and_callback() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let cases = [
        (
            "cjs",
            "index.js",
            "exports.handler = async (event, context) => ({ kind: 'cjs', event, id: context.awsRequestId, left: context.getRemainingTimeInMillis() > 0 });",
        ),
        (
            "esm",
            "index.mjs",
            "export const handler = async (event) => { console.log('esm says hi'); return { kind: 'esm', event }; };",
        ),
        (
            "cb",
            "index.js",
            "exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { kind: 'cb', event }), 5); };",
        ),
        (
            "err",
            "index.js",
            "exports.handler = async () => { throw new TypeError('bad thing'); };",
        ),
    ];
    for (name, file, source) in cases {
        let zip = common::zip_of(&[(file, source, 0o644)]);
        lambda
            .create_function()
            .function_name(name)
            .runtime(Runtime::Nodejs20x)
            .role(common::ROLE)
            .handler("index.handler")
            .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
            .send()
            .await
            .expect("create");
    }
    for kind in ["cjs", "esm", "cb"] {
        let out = lambda
            .invoke()
            .function_name(kind)
            .payload(Blob::new(r#"{"n": 7}"#))
            .log_type(LogType::Tail)
            .send()
            .await
            .expect("invoke");
        assert_eq!(out.function_error(), None, "{kind}");
        let v = payload(&out);
        assert_eq!(v["kind"], kind);
        assert_eq!(v["event"], json!({"n": 7}));
        if kind == "esm" {
            let log = String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(out.log_result().expect("log"))
                    .expect("b64"),
            )
            .expect("utf8");
            assert!(log.contains("\tINFO\tesm says hi"), "{log}");
        }
        if kind == "cjs" {
            assert_eq!(v["left"], true);
            assert!(v["id"].as_str().is_some_and(|s| s.len() == 36));
        }
    }
    let out = lambda
        .invoke()
        .function_name("err")
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.function_error(), Some("Unhandled"));
    let v = payload(&out);
    assert_eq!(v["errorType"], "TypeError");
    assert_eq!(v["errorMessage"], "bad thing");
    assert!(v["trace"].is_array());
}

#[tokio::test]
async fn provided_runtime_runs_the_bootstrap_from_the_zip() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let bootstrap = r#"#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -D "$HEADERS" "$API/next")
  ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  echo "shell got $EVENT"
  curl -sS -X POST "$API/$ID/response" -d "{\"echo\": $EVENT, \"fn\": \"$AWS_LAMBDA_FUNCTION_NAME\"}" > /dev/null
done
"#;
    let zip = common::zip_of(&[("bootstrap", bootstrap, 0o755)]);
    lambda
        .create_function()
        .function_name("shell")
        .runtime(Runtime::Providedal2023)
        .role(common::ROLE)
        .handler("ignored")
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .expect("create");
    for i in 0..2 {
        let out = lambda
            .invoke()
            .function_name("shell")
            .payload(Blob::new(format!(r#"{{"i": {i}}}"#)))
            .send()
            .await
            .expect("invoke");
        assert_eq!(out.function_error(), None);
        assert_eq!(payload(&out), json!({"echo": {"i": i}, "fn": "shell"}));
    }
}

#[tokio::test]
async fn versions_aliases_and_configuration_updates() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create_python(&lambda, "ver", "def handler(e, c):\n    return 'one'\n", 3).await;
    let v1 = lambda
        .publish_version()
        .function_name("ver")
        .send()
        .await
        .expect("publish");
    assert_eq!(v1.version(), Some("1"));
    let zip = common::zip_of(&[("app.py", "def handler(e, c):\n    return 'two'\n", 0o644)]);
    let updated = lambda
        .update_function_code()
        .function_name("ver")
        .zip_file(Blob::new(zip))
        .send()
        .await
        .expect("update");
    assert_ne!(updated.code_sha256(), v1.code_sha256());
    lambda
        .create_alias()
        .function_name("ver")
        .name("live")
        .function_version("1")
        .send()
        .await
        .expect("alias");
    let out = lambda
        .invoke()
        .function_name("ver:live")
        .send()
        .await
        .expect("invoke alias");
    assert_eq!(out.executed_version(), Some("1"));
    assert_eq!(payload(&out), json!("one"));
    let out = lambda
        .invoke()
        .function_name("ver")
        .send()
        .await
        .expect("invoke latest");
    assert_eq!(out.executed_version(), Some("$LATEST"));
    assert_eq!(payload(&out), json!("two"));
    let out = lambda
        .invoke()
        .function_name("ver")
        .qualifier("1")
        .send()
        .await
        .expect("invoke version");
    assert_eq!(payload(&out), json!("one"));

    let versions = lambda
        .list_versions_by_function()
        .function_name("ver")
        .send()
        .await
        .expect("versions");
    let names: Vec<_> = versions
        .versions()
        .iter()
        .filter_map(|v| v.version())
        .collect();
    assert_eq!(names, ["$LATEST", "1"]);

    // AWS refuses a second change while the code update is InProgress: wait as its
    // function_updated_v2 waiter does (one read sees it Successful)
    let got = lambda
        .get_function_configuration()
        .function_name("ver")
        .send()
        .await
        .expect("read");
    assert_eq!(
        got.last_update_status().map(|s| s.as_str()),
        Some("Successful")
    );
    assert_eq!(
        updated.last_update_status().map(|s| s.as_str()),
        Some("InProgress")
    );
    let cfg = lambda
        .update_function_configuration()
        .function_name("ver")
        .timeout(10)
        .memory_size(256)
        .send()
        .await
        .expect("update config");
    assert_eq!(cfg.timeout(), Some(10));
    assert_eq!(cfg.memory_size(), Some(256));
    let got = lambda
        .get_function()
        .function_name("ver")
        .send()
        .await
        .expect("get");
    assert_eq!(got.configuration().and_then(|c| c.memory_size()), Some(256));

    let err = lambda
        .create_function()
        .function_name("ver")
        .runtime(Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(common::zip_of(&[("a.py", "", 0o644)])))
                .build(),
        )
        .send()
        .await
        .expect_err("exists");
    assert_eq!(err.code(), Some("ResourceConflictException"));
    let err = lambda
        .update_function_configuration()
        .function_name("ver")
        .timeout(901)
        .send()
        .await
        .expect_err("timeout too long");
    assert_eq!(err.code(), Some("ValidationException"));

    lambda
        .delete_function()
        .function_name("ver")
        .send()
        .await
        .expect("delete");
    let err = lambda
        .get_function()
        .function_name("ver")
        .send()
        .await
        .expect_err("gone");
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
}

#[tokio::test]
async fn reserved_concurrency_zero_throttles() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create_python(&lambda, "cap", "def handler(e, c):\n    return 1\n", 3).await;
    lambda
        .put_function_concurrency()
        .function_name("cap")
        .reserved_concurrent_executions(0)
        .send()
        .await
        .expect("put concurrency");
    let err = lambda
        .invoke()
        .function_name("cap")
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(err.code(), Some("TooManyRequestsException"));
    lambda
        .delete_function_concurrency()
        .function_name("cap")
        .send()
        .await
        .expect("delete concurrency");
    let out = lambda
        .invoke()
        .function_name("cap")
        .send()
        .await
        .expect("invoke");
    assert_eq!(payload(&out), json!(1));
}

#[tokio::test]
async fn hot_reload_directory_changes_are_picked_up() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let dir = std::env::temp_dir().join(format!("fogbank-hot-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("app.py"), "def handler(e, c):\n    return 'v1'\n").expect("write");
    lambda
        .create_function()
        .function_name("hot")
        .runtime(Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .code(
            FunctionCode::builder()
                .s3_bucket("hot-reload")
                .s3_key(dir.to_string_lossy())
                .build(),
        )
        .send()
        .await
        .expect("create");
    let out = lambda
        .invoke()
        .function_name("hot")
        .send()
        .await
        .expect("invoke");
    assert_eq!(payload(&out), json!("v1"));
    std::fs::write(
        dir.join("app.py"),
        "def handler(e, c):\n    return 'version two'\n",
    )
    .expect("write");
    let out = lambda
        .invoke()
        .function_name("hot")
        .send()
        .await
        .expect("invoke");
    assert_eq!(payload(&out), json!("version two"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn process_alive(pid: i64) -> bool {
    // A zombie has exited; only a running (or sleeping) process counts as left behind.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").map(|(_, rest)| rest.chars().next()))
        .flatten()
        .is_some_and(|state| state != 'Z')
}

#[tokio::test]
async fn shutdown_kills_every_environment_and_its_children() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    // The handler starts a grandchild that would outlive a kill of the runtime alone.
    let source = "import os, subprocess\nCHILD = subprocess.Popen(['sleep', '300'])\n\ndef handler(e, c):\n    return {'pid': os.getpid(), 'child': CHILD.pid}\n";
    create_python(&lambda, "pids", source, 3).await;
    let out = lambda
        .invoke()
        .function_name("pids")
        .send()
        .await
        .expect("invoke");
    let v = payload(&out);
    let pid = v["pid"].as_i64().expect("pid");
    let child = v["child"].as_i64().expect("child pid");
    assert!(process_alive(pid) && process_alive(child));
    assert_eq!(server.state.lambda.live_environments(), 1);
    server.shutdown().await;
    common::eventually("the runtime and its child to be gone", || async move {
        (!process_alive(pid) && !process_alive(child)).then_some(())
    })
    .await;
}
