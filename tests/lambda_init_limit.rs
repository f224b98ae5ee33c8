//! An init that outlasts AWS's init limit (10 s; 1 s here, through `set_init_limit`, which is
//! why this is a test binary of its own): "Lambda retries the Init phase at the time of the
//! first function invocation with the configured function timeout" (AWS's execution
//! environment lifecycle), so the invoke succeeds when the function's timeout covers the
//! retried init and the handler, and times out like any invoke when it does not.

mod common;

use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, LogType, Runtime};
use base64::Engine as _;

const SLOW_INIT: &str = r#"
import os, time

with open(os.environ["OUT"], "a") as f:
    f.write("init\n")
time.sleep(1.5)

def handler(event, context):
    return {"remaining": context.get_remaining_time_in_millis()}
"#;

async fn create(lambda: &aws_sdk_lambda::Client, name: &str, out: &str, timeout: i32) {
    lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .timeout(timeout)
        .environment(
            aws_sdk_lambda::types::Environment::builder()
                .variables("OUT", out)
                .build(),
        )
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(common::zip_of(&[("app.py", SLOW_INIT, 0o644)])))
                .build(),
        )
        .send()
        .await
        .expect("create function");
}

#[tokio::test]
async fn an_init_past_the_limit_is_retried_within_the_invoke() {
    fogbank::lambda::runtime::set_init_limit(Duration::from_secs(1));
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let dir = std::env::temp_dir().join(format!("fogbank-init-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");

    // The function's 5 s cover the retried init (1.5 s) and the handler.
    let out = dir.join("ok");
    create(&lambda, "slow-init", &out.to_string_lossy(), 5).await;
    let res = lambda
        .invoke()
        .function_name("slow-init")
        .log_type(LogType::Tail)
        .send()
        .await
        .expect("invoke");
    assert_eq!(res.function_error(), None);
    let v: serde_json::Value =
        serde_json::from_slice(res.payload().expect("payload").as_ref()).expect("json");
    let remaining = v["remaining"].as_i64().expect("remaining");
    assert!(
        remaining < 3700,
        "the retried init counts against the function's timeout: {remaining} ms left of 5000"
    );
    let log = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(res.log_result().expect("log"))
            .expect("base64"),
    )
    .expect("utf8");
    assert!(log.starts_with("INIT_REPORT Init Duration: "), "{log}");
    assert!(log.contains("\tPhase: init\tStatus: timeout"), "{log}");
    let report = log
        .lines()
        .find(|l| l.starts_with("REPORT"))
        .expect("REPORT");
    assert!(!report.contains("Init Duration"), "{report}");
    let duration: f64 = report
        .split("\tDuration: ")
        .nth(1)
        .and_then(|r| r.split(" ms").next())
        .and_then(|n| n.parse().ok())
        .expect("Duration");
    assert!(
        duration >= 1500.0,
        "the retried init is in Duration: {report}"
    );
    assert_eq!(
        std::fs::read_to_string(&out).expect("out").lines().count(),
        2,
        "the init ran twice"
    );
    // The environment that finished its init is warm now.
    let res = lambda
        .invoke()
        .function_name("slow-init")
        .send()
        .await
        .expect("invoke");
    assert_eq!(res.function_error(), None);
    assert_eq!(
        std::fs::read_to_string(&out).expect("out").lines().count(),
        2
    );

    // A 1 s function timeout cannot hold the retried init: a timeout, as AWS reports it.
    let out = dir.join("short");
    create(&lambda, "slow-init-short", &out.to_string_lossy(), 1).await;
    let res = lambda
        .invoke()
        .function_name("slow-init-short")
        .send()
        .await
        .expect("invoke");
    assert_eq!(res.function_error(), Some("Unhandled"));
    let v: serde_json::Value =
        serde_json::from_slice(res.payload().expect("payload").as_ref()).expect("json");
    assert_eq!(v["errorType"], "Sandbox.Timedout");
    assert!(
        v["errorMessage"]
            .as_str()
            .is_some_and(|m| m.ends_with("Task timed out after 1.00 seconds")),
        "{v}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
