//! Lambda invocation limits and process containment: oversized responses, bounded handler
//! output, the Tail log, MemorySize, and handler processes that try to outlive their
//! environment (setsid, double fork, a killed fogbank).

mod common;

use std::time::{Duration, Instant};

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, LogType, Runtime};
use base64::Engine as _;
use serde_json::{Value, json};

async fn create(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    runtime: Runtime,
    files: &[(&str, &str, u32)],
    handler: &str,
    timeout: i32,
    memory: i32,
) {
    lambda
        .create_function()
        .function_name(name)
        .runtime(runtime)
        .role(common::ROLE)
        .handler(handler)
        .timeout(timeout)
        .memory_size(memory)
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(common::zip_of(files)))
                .build(),
        )
        .send()
        .await
        .expect("create function");
}

async fn create_python(lambda: &aws_sdk_lambda::Client, name: &str, source: &str, timeout: i32) {
    create(
        lambda,
        name,
        Runtime::Python312,
        &[("app.py", source, 0o644)],
        "app.handler",
        timeout,
        128,
    )
    .await;
}

async fn invoke(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    event: Value,
) -> aws_sdk_lambda::operation::invoke::InvokeOutput {
    lambda
        .invoke()
        .function_name(name)
        .log_type(LogType::Tail)
        .payload(Blob::new(event.to_string()))
        .send()
        .await
        .expect("invoke")
}

fn payload(out: &aws_sdk_lambda::operation::invoke::InvokeOutput) -> Value {
    let bytes = out
        .payload()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default();
    serde_json::from_slice(&bytes).expect("json payload")
}

fn tail(out: &aws_sdk_lambda::operation::invoke::InvokeOutput) -> String {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(out.log_result().expect("LogResult"))
        .expect("base64 LogResult");
    String::from_utf8_lossy(&raw).into_owned()
}

fn process_alive(pid: i64) -> bool {
    // A zombie has exited; only a running (or sleeping, or stopped) process counts.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").map(|(_, rest)| rest.chars().next()))
        .flatten()
        .is_some_and(|state| state != 'Z')
}

fn parent_of(pid: i64) -> Option<i64> {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()?
        .rsplit_once(") ")?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

async fn gone(what: &str, pids: &[i64]) {
    let pids = pids.to_vec();
    common::eventually(what, || {
        let pids = pids.clone();
        async move { pids.iter().all(|&p| !process_alive(p)).then_some(()) }
    })
    .await;
}

const BIG_PY: &str = r#"
import os

def handler(event, context):
    if event.get("big"):
        return "x" * (7 * 1024 * 1024)
    return {"pid": os.getpid()}
"#;

#[tokio::test]
async fn a_7_mb_response_fails_at_once_and_the_environment_stays_usable() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create_python(&lambda, "big", BIG_PY, 30).await;
    let pid = payload(&invoke(&lambda, "big", json!({})).await)["pid"].clone();
    assert!(pid.is_i64());

    let started = Instant::now();
    let out = invoke(&lambda, "big", json!({"big": true})).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "answered after {:?}, the timeout is 30 s",
        started.elapsed()
    );
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), Some("Unhandled"));
    // json.dumps of the string: 7 MiB of x between two quotes.
    assert_eq!(
        payload(&out),
        json!({
            "errorMessage": "Response payload size (7340034 bytes) exceeded maximum allowed payload size (6291556 bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        })
    );

    // The same warm environment answers the next invoke.
    let again = invoke(&lambda, "big", json!({})).await;
    assert_eq!(again.function_error(), None);
    assert_eq!(payload(&again)["pid"], pid);
}

#[tokio::test]
async fn a_runtime_posting_an_oversized_response_gets_413_and_the_invoke_fails_fast() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    // A custom runtime with curl: posts 7 MiB (declared, then chunked), and reports the status
    // the Runtime API gave it on the following invoke.
    let bootstrap = r#"#!/bin/sh
set -u
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
BIG="$TMPDIR/big"
head -c 7340032 /dev/zero | tr '\0' 'a' > "$BIG"
LAST=0
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -D "$HEADERS" "$API/next")
  ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  case "$EVENT" in
    *chunked*) LAST=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Transfer-Encoding: chunked' "$API/$ID/response" --data-binary @"$BIG") ;;
    *big*) LAST=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$API/$ID/response" --data-binary @"$BIG") ;;
    *) curl -sS -o /dev/null -X POST "$API/$ID/response" -d "{\"last\": $LAST}" ;;
  esac
done
"#;
    create(
        &lambda,
        "curl-big",
        Runtime::Providedal2023,
        &[("bootstrap", bootstrap, 0o755)],
        "ignored",
        30,
        128,
    )
    .await;

    let started = Instant::now();
    let out = invoke(&lambda, "curl-big", json!({"big": true})).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(out.function_error(), Some("Unhandled"));
    assert_eq!(
        payload(&out)["errorMessage"],
        "Response payload size (7340032 bytes) exceeded maximum allowed payload size (6291556 bytes)."
    );
    assert_eq!(payload(&out)["errorType"], "Function.ResponseSizeTooLarge");
    let next = invoke(&lambda, "curl-big", json!({})).await;
    assert_eq!(payload(&next), json!({"last": 413}));

    // Chunked: the size is not declared, the bound holds all the same.
    let started = Instant::now();
    let out = invoke(&lambda, "curl-big", json!({"chunked": true})).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        payload(&out),
        json!({
            "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        })
    );
    let next = invoke(&lambda, "curl-big", json!({})).await;
    assert_eq!(payload(&next), json!({"last": 413}));
}

fn vm_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

const PRINTER_PY: &str = r#"
import sys

def handler(event, context):
    if event.get("huge"):
        chunk = "y" * (1 << 20)
        for _ in range(50):
            sys.stdout.write(chunk)
        sys.stdout.write("\nafter the long line\n")
    for i in range(event.get("lines", 0)):
        print(f"line {i}")
    sys.stdout.flush()
    return "done"
"#;

#[tokio::test]
async fn a_50_mb_line_is_read_in_bounded_pieces() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create_python(&lambda, "printer", PRINTER_PY, 60).await;
    invoke(&lambda, "printer", json!({})).await;
    let before = vm_rss_kb();
    let out = invoke(&lambda, "printer", json!({"huge": true})).await;
    assert_eq!(out.function_error(), None);
    assert_eq!(payload(&out), json!("done"));
    let grown_mb = vm_rss_kb().saturating_sub(before) / 1024;
    assert!(
        grown_mb < 30,
        "fogbank grew by {grown_mb} MB reading a 50 MB line"
    );
    let log = tail(&out);
    assert!(log.len() <= 4096);
    // The long line arrived in pieces; the line after it is whole.
    assert!(
        log.contains("yyyy\nafter the long line\nEND RequestId: "),
        "{log}"
    );
}

#[tokio::test]
async fn the_tail_log_is_the_last_4_kb() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create_python(&lambda, "lines", PRINTER_PY, 10).await;
    let out = invoke(&lambda, "lines", json!({"lines": 2000})).await;
    let log = tail(&out);
    assert_eq!(log.len(), 4096);
    assert!(!log.contains("START RequestId"));
    assert!(log.contains("line 1999\nEND RequestId: "));
    let report = log.lines().last().expect("REPORT line");
    assert!(report.starts_with("REPORT RequestId: "), "{report}");
    assert!(log.ends_with('\n'));
}

const HOG_PY: &str = r#"
import time

def handler(event, context):
    if event.get("small"):
        return "fine"
    chunks = []
    for _ in range(30):
        chunks.append(b"m" * (10 << 20))
        time.sleep(0.02)
    return len(chunks)
"#;

#[tokio::test]
async fn a_function_over_its_memory_size_is_killed_as_out_of_memory() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create_python(&lambda, "hog", HOG_PY, 30).await;
    let out = invoke(&lambda, "hog", json!({})).await;
    assert_eq!(out.function_error(), Some("Unhandled"));
    let v = payload(&out);
    assert_eq!(v["errorType"], "Runtime.OutOfMemory", "{v}");
    let message = v["errorMessage"].as_str().expect("errorMessage");
    assert!(message.starts_with("RequestId: "), "{message}");
    assert!(
        message.ends_with(" Error: Runtime exited with error: signal: killed"),
        "{message}"
    );
    let log = tail(&out);
    let report = log
        .lines()
        .find(|l| l.starts_with("REPORT RequestId: "))
        .expect("REPORT line");
    let used: u64 = report
        .split('\t')
        .find_map(|f| f.strip_prefix("Max Memory Used: "))
        .and_then(|f| f.strip_suffix(" MB"))
        .and_then(|f| f.parse().ok())
        .expect("Max Memory Used");
    assert!(used >= 128, "{report}");
    assert!(report.contains("Memory Size: 128 MB"), "{report}");
    assert!(log.contains("Runtime.OutOfMemory"), "{log}");

    // The next invoke gets a new environment.
    let out = invoke(&lambda, "hog", json!({"small": true})).await;
    assert_eq!(out.function_error(), None);
    assert_eq!(payload(&out), json!("fine"));
}

/// A handler that starts two processes meant to outlive it: a child in its own session
/// (`setsid`), and a double-forked orphan (its parent exits at once).
const ESCAPE_PY: &str = r#"
import os, subprocess, time

def handler(event, context):
    child = subprocess.Popen(["sleep", "300"], start_new_session=True)
    out = subprocess.run(
        ["sh", "-c", "setsid sleep 300 >/dev/null 2>&1 & echo $!"],
        capture_output=True, text=True, check=True,
    )
    if event.get("pidfile"):
        with open(event["pidfile"], "w") as f:
            f.write(f"{os.getpid()} {child.pid} {out.stdout.strip()}")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {"runtime": os.getpid(), "setsid": child.pid, "orphan": int(out.stdout)}
"#;

fn pids(v: &Value) -> Vec<i64> {
    ["runtime", "setsid", "orphan"]
        .iter()
        .map(|k| v[*k].as_i64().expect("pid"))
        .collect()
}

#[tokio::test]
async fn detached_handler_processes_die_with_a_timeout() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create_python(&lambda, "escape-timeout", ESCAPE_PY, 2).await;
    let dir = std::env::temp_dir().join(format!("fogbank-escape-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let pidfile = dir.join("timeout.pids");
    let out = invoke(
        &lambda,
        "escape-timeout",
        json!({"sleep": 60, "pidfile": pidfile.to_string_lossy()}),
    )
    .await;
    assert_eq!(payload(&out)["errorType"], "Sandbox.Timedout");
    let text = std::fs::read_to_string(&pidfile).expect("pid file");
    let pids: Vec<i64> = text
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    assert_eq!(pids.len(), 3, "{text}");
    gone(
        "the runtime, its setsid child and its orphan to be gone",
        &pids,
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn detached_handler_processes_die_with_a_reset() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create_python(&lambda, "escape-reset", ESCAPE_PY, 10).await;
    let v = payload(&invoke(&lambda, "escape-reset", json!({})).await);
    let pids = pids(&v);
    assert!(pids.iter().all(|&p| process_alive(p)));
    // fogbank is a subreaper: the double-forked orphan was adopted by it, not by init.
    assert_eq!(parent_of(pids[2]), Some(i64::from(std::process::id())));
    let reset = reqwest::Client::new()
        .post(format!("{}/_fogbank/reset", server.endpoint()))
        .send()
        .await
        .expect("reset");
    assert!(reset.status().is_success());
    gone("every handler process to be gone after a reset", &pids).await;
}

#[tokio::test]
async fn detached_handler_processes_die_with_a_code_update() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create_python(&lambda, "escape-update", ESCAPE_PY, 10).await;
    let v = payload(&invoke(&lambda, "escape-update", json!({})).await);
    let pids = pids(&v);
    assert!(pids.iter().all(|&p| process_alive(p)));
    let source = format!("{ESCAPE_PY}\n# version 2\n");
    lambda
        .update_function_code()
        .function_name("escape-update")
        .zip_file(Blob::new(common::zip_of(&[("app.py", &source, 0o644)])))
        .send()
        .await
        .expect("update code");
    gone("the retired environment's processes to be gone", &pids).await;
}

#[tokio::test]
async fn detached_handler_processes_die_with_a_shutdown() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create_python(&lambda, "escape-shutdown", ESCAPE_PY, 10).await;
    let v = payload(&invoke(&lambda, "escape-shutdown", json!({})).await);
    let pids = pids(&v);
    assert!(pids.iter().all(|&p| process_alive(p)));
    server.shutdown().await;
    gone("every handler process to be gone after shutdown", &pids).await;
}

#[tokio::test]
async fn a_sigkilled_fogbank_takes_its_runtimes_along_and_the_next_start_sweeps_the_rest() {
    let (mut first, endpoint) = common::start_binary(&["--lambda-log", "off"], &[]).await;
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(&endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .load()
        .await;
    let lambda = aws_sdk_lambda::Client::new(&config);
    create_python(&lambda, "sleeper", ESCAPE_PY, 120).await;
    let dir = std::env::temp_dir().join(format!("fogbank-pdeath-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let pidfile = dir.join("pids");
    let event = json!({"sleep": 100, "pidfile": pidfile.to_string_lossy()});
    let pending = tokio::spawn(async move {
        let _ = lambda
            .invoke()
            .function_name("sleeper")
            .payload(Blob::new(event.to_string()))
            .send()
            .await;
    });
    let pidfile2 = pidfile.clone();
    let pids: Vec<i64> = common::eventually("the handler to write its pids", || {
        let pidfile = pidfile2.clone();
        async move {
            let text = std::fs::read_to_string(&pidfile).ok()?;
            let pids: Vec<i64> = text
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect();
            (pids.len() == 3).then_some(pids)
        }
    })
    .await;
    assert!(pids.iter().all(|&p| process_alive(p)));

    first.start_kill().expect("SIGKILL fogbank");
    let _ = first.wait().await;
    pending.abort();
    // The runtime had PR_SET_PDEATHSIG(SIGKILL): it dies with fogbank.
    gone("the runtime to die with fogbank", &pids[..1]).await;
    // Its detached descendants cannot be told (the kernel clears the signal at fork); the
    // next fogbank start kills what carries the dead fogbank's marker.
    let (mut second, _) = common::start_binary(&["--lambda-log", "off"], &[]).await;
    gone(
        "the next fogbank to sweep the detached processes",
        &pids[1..],
    )
    .await;
    let _ = second.start_kill();
    let _ = second.wait().await;
    let _ = std::fs::remove_dir_all(&dir);
}
