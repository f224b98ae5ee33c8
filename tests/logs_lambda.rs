//! Lambda output in CloudWatch Logs, read with raw AWS JSON 1.1 requests
//! (`X-Amz-Target: Logs_20140328.*`): a python and a node function's lines, START/END/REPORT,
//! a timeout's line, the stream named as AWS names it; and log groups kept in a data dir
//! (their events: tests/logs_lambda/durable.rs).

mod common;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use common::{TempDir, start_durable};
use fogbank::clock::ManualClock;
use serde_json::{Value, json};

/// One Logs call: (status, JSON answer).
async fn logs(endpoint: &str, action: &str, body: Value) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(endpoint)
        .header("x-amz-target", format!("Logs_20140328.{action}"))
        .header("content-type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await
        .expect("logs request");
    let status = res.status().as_u16();
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/x-amz-json-1.1")
    );
    let text = res.text().await.expect("body");
    (status, serde_json::from_str(&text).expect("json answer"))
}

async fn create(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    runtime: Runtime,
    file: &str,
    source: &str,
    timeout: i32,
) {
    let zip = common::zip_of(&[(file, source, 0o644)]);
    lambda
        .create_function()
        .function_name(name)
        .runtime(runtime)
        .role(common::ROLE)
        .handler("app.handler")
        .timeout(timeout)
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .expect("create function");
}

/// Every event's message in the function's group, once `done` holds for them.
async fn messages(endpoint: &str, group: &str, done: impl Fn(&[String]) -> bool) -> Vec<String> {
    common::eventually("log events", || async {
        let (status, out) = logs(endpoint, "FilterLogEvents", json!({"logGroupName": group})).await;
        if status != 200 {
            return None;
        }
        let got: Vec<String> = out["events"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["message"].as_str().map(str::to_string))
            .collect();
        done(&got).then_some(got)
    })
    .await
}

#[tokio::test]
async fn python_and_node_output_lands_in_the_functions_log_groups() {
    let server = common::start().await;
    let endpoint = server.endpoint();
    let lambda = common::lambda(&server).await;
    create(
        &lambda,
        "py-logs",
        Runtime::Python312,
        "app.py",
        "import sys\ndef handler(event, context):\n    print('to stdout', event.get('n'))\n    print('to stderr', file=sys.stderr)\n    return context.log_stream_name\n",
        3,
    )
    .await;
    let out = lambda
        .invoke()
        .function_name("py-logs")
        .payload(Blob::new(r#"{"n": 1}"#))
        .send()
        .await
        .expect("invoke");
    let stream: String =
        serde_json::from_slice(out.payload().expect("payload").as_ref()).expect("stream name");
    let request_id = aws_sdk_lambda::operation::RequestId::request_id(&out)
        .expect("request id")
        .to_string();
    let got = messages(&endpoint, "/aws/lambda/py-logs", |m| {
        m.iter().any(|x| x.starts_with("REPORT"))
    })
    .await;
    assert!(
        got.contains(&format!("START RequestId: {request_id} Version: $LATEST\n")),
        "{got:?}"
    );
    assert!(got.contains(&"to stdout 1\n".to_string()), "{got:?}");
    assert!(got.contains(&"to stderr\n".to_string()), "{got:?}");
    assert!(
        got.contains(&format!("END RequestId: {request_id}\n")),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|m| m.starts_with(&format!("REPORT RequestId: {request_id}\tDuration: ")))
    );

    // The environment's stream: YYYY/MM/DD/[$LATEST]<32 hex>, with GetLogEvents from the head.
    let (_, described) = logs(
        &endpoint,
        "DescribeLogStreams",
        json!({"logGroupName": "/aws/lambda/py-logs"}),
    )
    .await;
    assert_eq!(described["logStreams"][0]["logStreamName"], json!(stream));
    let hex = stream
        .split("[$LATEST]")
        .nth(1)
        .expect("version in the name");
    assert!(
        hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        "{stream}"
    );
    let (status, page) = logs(
        &endpoint,
        "GetLogEvents",
        json!({"logGroupName": "/aws/lambda/py-logs", "logStreamName": stream, "startFromHead": true, "limit": 2}),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page["events"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("INIT_START"))
    );
    assert!(
        page["nextForwardToken"]
            .as_str()
            .is_some_and(|t| t.starts_with("f/"))
    );

    // Node: console.log lines carry AWS's prefix (time, request id, level).
    create(
        &lambda,
        "node-logs",
        Runtime::Nodejs20x,
        "app.js",
        "exports.handler = async () => { console.log('hello node'); console.error('oops'); return 1; };\n",
        3,
    )
    .await;
    lambda
        .invoke()
        .function_name("node-logs")
        .send()
        .await
        .expect("invoke node");
    let got = messages(&endpoint, "/aws/lambda/node-logs", |m| {
        m.iter().any(|x| x.starts_with("REPORT"))
    })
    .await;
    assert!(
        got.iter().any(|m| m.ends_with("\tINFO\thello node\n")),
        "{got:?}"
    );
    assert!(
        got.iter().any(|m| m.ends_with("\tERROR\toops\n")),
        "{got:?}"
    );

    // A timeout's line is in the log too, and a filter pattern finds it.
    create(
        &lambda,
        "slow-logs",
        Runtime::Python312,
        "app.py",
        "import time\ndef handler(event, context):\n    time.sleep(5)\n",
        1,
    )
    .await;
    lambda
        .invoke()
        .function_name("slow-logs")
        .send()
        .await
        .expect("invoke slow");
    messages(&endpoint, "/aws/lambda/slow-logs", |m| {
        m.iter().any(|x| x.starts_with("REPORT"))
    })
    .await;
    let (_, hits) = logs(
        &endpoint,
        "FilterLogEvents",
        json!({"logGroupName": "/aws/lambda/slow-logs", "filterPattern": "\"Task timed out\""}),
    )
    .await;
    let hits = hits["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(
        hits[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Task timed out after 1.00 seconds"))
    );

    // Errors in AWS's JSON 1.1 shape.
    let (status, err) = logs(
        &endpoint,
        "GetLogEvents",
        json!({"logGroupName": "/nope", "logStreamName": "x"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        err,
        json!({"__type": "ResourceNotFoundException", "message": "The specified log group does not exist."})
    );
    let (status, err) = logs(&endpoint, "StartQuery", json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(err["__type"], json!("UnknownOperationException"));
}

#[tokio::test]
async fn log_groups_streams_retention_and_tags_survive_a_restart() {
    let dir = TempDir::new("logs-restart");
    let clock = ManualClock::starting_2026();
    let server = start_durable(&dir.0, &clock).await;
    let e = server.endpoint();
    assert_eq!(
        logs(
            &e,
            "CreateLogGroup",
            json!({"logGroupName": "/kept", "tags": {"team": "blue"}})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        logs(&e, "CreateLogGroup", json!({"logGroupName": "/dropped"}))
            .await
            .0,
        200
    );
    assert_eq!(
        logs(
            &e,
            "CreateLogStream",
            json!({"logGroupName": "/kept", "logStreamName": "s1"})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        logs(
            &e,
            "PutRetentionPolicy",
            json!({"logGroupName": "/kept", "retentionInDays": 14})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        logs(&e, "DeleteLogGroup", json!({"logGroupName": "/dropped"}))
            .await
            .0,
        200
    );
    let now = fogbank::clock::Clock::now_millis(&clock);
    let (status, _) = logs(
        &e,
        "PutLogEvents",
        json!({"logGroupName": "/kept", "logStreamName": "s1", "logEvents": [{"timestamp": now, "message": "kept too"}]}),
    )
    .await;
    assert_eq!(status, 200);
    server.shutdown().await;

    let server = start_durable(&dir.0, &clock).await;
    let e = server.endpoint();
    let (_, groups) = logs(&e, "DescribeLogGroups", json!({})).await;
    let names: Vec<&str> = groups["logGroups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["logGroupName"].as_str())
        .collect();
    assert_eq!(names, ["/kept"]);
    assert_eq!(groups["logGroups"][0]["retentionInDays"], json!(14));
    let (_, tags) = logs(&e, "ListTagsLogGroup", json!({"logGroupName": "/kept"})).await;
    assert_eq!(tags, json!({"tags": {"team": "blue"}}));
    let (_, streams) = logs(&e, "DescribeLogStreams", json!({"logGroupName": "/kept"})).await;
    assert_eq!(streams["logStreams"][0]["logStreamName"], json!("s1"));
    // Its events too (tests/logs_lambda/durable.rs has more).
    let (_, events) = logs(
        &e,
        "GetLogEvents",
        json!({"logGroupName": "/kept", "logStreamName": "s1"}),
    )
    .await;
    assert_eq!(events["events"][0]["message"], json!("kept too"));
    // The snapshot has the group as a record, then its event.
    let snapshot: Value = reqwest::get(format!("{e}/_fogbank/state?service=logs"))
        .await
        .expect("snapshot")
        .json()
        .await
        .expect("snapshot json");
    let records = &snapshot["services"]["logs"]["records"];
    assert_eq!(records[0]["kind"], json!("logs.group"));
    assert_eq!(records[0]["key"], json!("000000000000/us-east-1//kept"));
    assert_eq!(records[0]["value"]["streams"][0]["name"], json!("s1"));
    assert_eq!(records[1]["kind"], json!("logs.event"));
    assert_eq!(records[1]["value"]["message"], json!("kept too"));
    server.shutdown().await;
}

#[tokio::test]
async fn node_json_log_format_writes_json_records_and_honours_the_level() {
    use aws_sdk_lambda::types::{ApplicationLogLevel, LogFormat, LoggingConfig};
    let server = common::start().await;
    let endpoint = server.endpoint();
    let lambda = common::lambda(&server).await;
    let zip = common::zip_of(&[(
        "app.js",
        "exports.handler = async () => { console.log('hello', 1); console.debug('quiet'); console.warn('careful'); return 1; };\n",
        0o644,
    )]);
    lambda
        .create_function()
        .function_name("node-json")
        .runtime(Runtime::Nodejs20x)
        .role(common::ROLE)
        .handler("app.handler")
        .logging_config(
            LoggingConfig::builder()
                .log_format(LogFormat::Json)
                .application_log_level(ApplicationLogLevel::Info)
                .build(),
        )
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .expect("create function");
    lambda
        .invoke()
        .function_name("node-json")
        .send()
        .await
        .expect("invoke");
    let got = messages(&endpoint, "/aws/lambda/node-json", |m| {
        m.iter().any(|x| x.contains("platform.report"))
    })
    .await;
    let records: Vec<Value> = got
        .iter()
        .map(|m| serde_json::from_str(m).expect("every event is JSON"))
        .collect();
    let app: Vec<&Value> = records
        .iter()
        .filter(|r| r.get("level").is_some())
        .collect();
    assert_eq!(app.len(), 2, "{got:?}");
    assert_eq!(app[0]["message"], json!("hello 1"));
    assert_eq!(app[0]["level"], json!("INFO"));
    assert_eq!(app[1]["level"], json!("WARN"));
    assert!(app[0]["requestId"].as_str().is_some_and(|r| r.len() == 36));
}

#[path = "logs_lambda/durable.rs"]
mod durable;
