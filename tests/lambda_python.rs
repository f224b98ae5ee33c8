//! fogbank's Python runtime client as AWS's behaves: the root logger configured with AWS's
//! line format (whether the handler imports `logging` at module level, inside the handler,
//! or never), `AWS_LAMBDA_LOG_LEVEL` honoured, and error payloads with the stack trace.
//! (The bootstrap imports `logging` and `traceback` only when needed, to keep cold starts at
//! the interpreter's speed; these tests hold it to the same behaviour.)

mod common;

use aws_sdk_lambda::operation::RequestId;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, LogType, Runtime};
use base64::Engine as _;
use serde_json::Value;

async fn create(lambda: &aws_sdk_lambda::Client, name: &str, source: &str, env: &[(&str, &str)]) {
    let zip = common::zip_of(&[("app.py", source, 0o644)]);
    let mut vars = Environment::builder();
    for (k, v) in env {
        vars = vars.variables(*k, *v);
    }
    lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .environment(vars.build())
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .expect("create function");
}

/// Invoke with Tail logs: (payload, function error, log tail, request id).
async fn invoke(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
) -> (Value, Option<String>, String, String) {
    let out = lambda
        .invoke()
        .function_name(name)
        .log_type(LogType::Tail)
        .payload(Blob::new(r#"{"n": 7}"#))
        .send()
        .await
        .expect("invoke");
    let tail = base64::engine::general_purpose::STANDARD
        .decode(out.log_result().unwrap_or(""))
        .expect("base64 log");
    let payload = serde_json::from_slice(out.payload().map(|b| b.as_ref()).unwrap_or(b"null"))
        .expect("json payload");
    let rid = out.request_id().unwrap_or_default().to_string();
    (
        payload,
        out.function_error().map(str::to_string),
        String::from_utf8_lossy(&tail).into_owned(),
        rid,
    )
}

/// The log line `logging` writes for `message` at `level` in AWS's format:
/// `[LEVEL]\t<ISO time>Z\t<request id>\t<message>`.
fn has_aws_line(tail: &str, level: &str, rid: &str, message: &str) -> bool {
    tail.lines().any(|l| {
        let f: Vec<&str> = l.split('\t').collect();
        f.len() == 4
            && f[0] == format!("[{level}]")
            && f[1].ends_with('Z')
            && f[1].contains('T')
            && f[2] == rid
            && f[3] == message
    })
}

#[tokio::test]
async fn logging_has_aws_format_whenever_the_handler_imports_it() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    // Imported at module level (the usual case).
    create(
        &lambda,
        "log-module",
        "import logging\nlog = logging.getLogger()\n\ndef handler(event, context):\n    log.warning('seen %s', event['n'])\n    log.info('hidden at the default level')\n    return len(logging.getLogger().handlers)\n",
        &[],
    )
    .await;
    let (payload, err, tail, rid) = invoke(&lambda, "log-module").await;
    assert_eq!(err, None, "{tail}");
    assert_eq!(
        payload,
        serde_json::json!(1),
        "one handler on the root logger"
    );
    assert!(has_aws_line(&tail, "WARNING", &rid, "seen 7"), "{tail}");
    assert!(!tail.contains("hidden at the default level"), "{tail}");

    // Imported only inside the handler, at the first invoke.
    create(
        &lambda,
        "log-late",
        "def handler(event, context):\n    import logging\n    logging.getLogger('app').error('late %s', event['n'])\n    return 'ok'\n",
        &[],
    )
    .await;
    let (_, err, tail, rid) = invoke(&lambda, "log-late").await;
    assert_eq!(err, None, "{tail}");
    assert!(has_aws_line(&tail, "ERROR", &rid, "late 7"), "{tail}");

    // AWS_LAMBDA_LOG_LEVEL lowers the root level.
    create(
        &lambda,
        "log-debug",
        "import logging\n\ndef handler(event, context):\n    logging.debug('debug %s', event['n'])\n    return 'ok'\n",
        &[("AWS_LAMBDA_LOG_LEVEL", "DEBUG")],
    )
    .await;
    let (_, _, tail, rid) = invoke(&lambda, "log-debug").await;
    assert!(has_aws_line(&tail, "DEBUG", &rid, "debug 7"), "{tail}");
}

#[tokio::test]
async fn errors_carry_type_message_request_id_and_stack_trace() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create(
        &lambda,
        "fails",
        "def inner(n):\n    raise ValueError(f'bad {n}')\n\ndef handler(event, context):\n    inner(event['n'])\n",
        &[],
    )
    .await;
    let (payload, err, tail, rid) = invoke(&lambda, "fails").await;
    assert_eq!(err.as_deref(), Some("Unhandled"));
    assert_eq!(payload["errorType"], "ValueError");
    assert_eq!(payload["errorMessage"], "bad 7");
    assert_eq!(payload["requestId"], rid.as_str());
    let trace: Vec<&str> = payload["stackTrace"]
        .as_array()
        .expect("stackTrace list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    // The handler's frames, not the runtime's: `handler` then `inner`.
    assert_eq!(trace.len(), 2, "{trace:?}");
    assert!(
        trace[0].contains("/app.py\", line 5, in handler"),
        "{trace:?}"
    );
    assert!(trace[1].contains("in inner"), "{trace:?}");
    assert!(tail.contains("[ERROR] ValueError: bad 7"), "{tail}");
    assert!(
        tail.contains("Traceback (most recent call last):"),
        "{tail}"
    );
}
