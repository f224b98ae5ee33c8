//! Durable CloudWatch Logs events (`--data-dir`), through the Rust SDK: events put before a
//! restart read back after it with GetLogEvents (a token from before it goes on where it left
//! off) and FilterLogEvents (same event ids); a deleted group's events stay gone; a snapshot
//! carries the events; and a Lambda invocation's START/END/REPORT lines survive a restart.

use super::common::{self, TempDir, start_durable};
use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use fogbank::clock::{Clock, ManualClock};
use fogbank::server::RunningServer;
use serde_json::{Value, json};

async fn client(server: &RunningServer) -> Client {
    Client::new(&common::sdk_config(server, "test", "us-east-1").await)
}

async fn put(logs: &Client, group: &str, stream: &str, events: &[(i64, &str)]) {
    let mut req = logs
        .put_log_events()
        .log_group_name(group)
        .log_stream_name(stream);
    for (ts, message) in events {
        req = req.log_events(
            InputLogEvent::builder()
                .timestamp(*ts)
                .message(*message)
                .build()
                .expect("event"),
        );
    }
    let out = req.send().await.expect("put log events");
    assert!(out.rejected_log_events_info.is_none(), "{out:?}");
}

async fn create(logs: &Client, group: &str, streams: &[&str]) {
    logs.create_log_group()
        .log_group_name(group)
        .send()
        .await
        .expect("create group");
    for s in streams {
        logs.create_log_stream()
            .log_group_name(group)
            .log_stream_name(*s)
            .send()
            .await
            .expect("create stream");
    }
}

/// (stream, message, event id) of every event of `group`, interleaved by time.
async fn filtered(logs: &Client, group: &str) -> Vec<(String, String, String)> {
    logs.filter_log_events()
        .log_group_name(group)
        .send()
        .await
        .expect("filter")
        .events
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            (
                e.log_stream_name.unwrap_or_default(),
                e.message.unwrap_or_default(),
                e.event_id.unwrap_or_default(),
            )
        })
        .collect()
}

async fn stored_bytes(logs: &Client, group: &str) -> Option<i64> {
    logs.describe_log_groups()
        .log_group_name_prefix(group)
        .send()
        .await
        .expect("describe")
        .log_groups
        .unwrap_or_default()
        .first()
        .and_then(|g| g.stored_bytes)
}

#[tokio::test]
async fn events_survive_a_restart_and_tokens_from_before_it_go_on() {
    let dir = TempDir::new("logs-events");
    let clock = ManualClock::starting_2026();
    let now = clock.now_millis() as i64;
    let server = start_durable(&dir.0, &clock).await;
    let logs = client(&server).await;
    create(&logs, "/app", &["s1", "s2"]).await;
    create(&logs, "/gone", &["s"]).await;
    put(
        &logs,
        "/app",
        "s1",
        &[
            (now - 50, "one"),
            (now - 40, "two"),
            (now - 30, "three ERROR"),
            (now - 20, "four"),
        ],
    )
    .await;
    put(&logs, "/app", "s2", &[(now - 35, "other ERROR")]).await;
    put(&logs, "/gone", "s", &[(now - 10, "never again")]).await;
    logs.delete_log_group()
        .log_group_name("/gone")
        .send()
        .await
        .expect("delete group");
    let first = logs
        .get_log_events()
        .log_group_name("/app")
        .log_stream_name("s1")
        .start_from_head(true)
        .limit(2)
        .send()
        .await
        .expect("first page");
    let token = first.next_forward_token.expect("forward token");
    let before = filtered(&logs, "/app").await;
    assert_eq!(before.len(), 5);
    let bytes = stored_bytes(&logs, "/app").await;
    server.shutdown().await;

    let server = start_durable(&dir.0, &clock).await;
    let logs = client(&server).await;
    // The page after the token from before the restart.
    let next = logs
        .get_log_events()
        .log_group_name("/app")
        .log_stream_name("s1")
        .next_token(&token)
        .limit(2)
        .send()
        .await
        .expect("next page");
    let messages: Vec<String> = next
        .events
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| e.message)
        .collect();
    assert_eq!(messages, ["three ERROR", "four"]);
    // Every event, with the same stream, message and id; the same stored bytes.
    assert_eq!(filtered(&logs, "/app").await, before);
    assert_eq!(stored_bytes(&logs, "/app").await, bytes);
    let hits = logs
        .filter_log_events()
        .log_group_name("/app")
        .filter_pattern("ERROR")
        .send()
        .await
        .expect("filter pattern")
        .events
        .unwrap_or_default();
    let hits: Vec<(&str, &str)> = hits
        .iter()
        .map(|e| {
            (
                e.log_stream_name.as_deref().unwrap_or_default(),
                e.message.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(hits, [("s2", "other ERROR"), ("s1", "three ERROR")]);
    // The deleted group stays deleted, and its events with it.
    let groups = logs
        .describe_log_groups()
        .send()
        .await
        .expect("describe")
        .log_groups
        .unwrap_or_default();
    assert_eq!(groups.len(), 1);
    // A new event gets an id after every restored one.
    put(&logs, "/app", "s2", &[(now - 5, "after")]).await;
    let after = filtered(&logs, "/app").await;
    assert_eq!(after.len(), 6);
    let new_id = &after[5].2;
    assert!(
        before.iter().all(|(_, _, id)| id[20..40] < new_id[20..40]),
        "{after:?}"
    );
    // The snapshot carries the group, then its events in arrival order.
    let snapshot: Value =
        reqwest::get(format!("{}/_fogbank/state?service=logs", server.endpoint()))
            .await
            .expect("snapshot")
            .json()
            .await
            .expect("snapshot json");
    let records = snapshot["services"]["logs"]["records"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let kinds: Vec<&str> = records.iter().filter_map(|r| r["kind"].as_str()).collect();
    assert_eq!(kinds[0], "logs.group");
    assert_eq!(kinds[1..], ["logs.event"; 6]);
    assert_eq!(
        records[1]["key"],
        json!("000000000000/us-east-1//app:00000000000000000000")
    );
    assert_eq!(
        records[1]["value"],
        json!({"stream": "s1", "ts": now - 50, "ingestion": now, "message": "one"})
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_lambda_invocations_lines_survive_a_restart() {
    let dir = TempDir::new("logs-lambda-events");
    let config = || fogbank::config::Config {
        storage: Some(fogbank::server::StorageSettings {
            data_dir: dir.0.clone(),
            durability: fogbank::store::Durability::Process,
        }),
        ..fogbank::config::Config::ephemeral()
    };
    let server = fogbank::server::spawn(config()).await.expect("server");
    let lambda = common::lambda(&server).await;
    let zip = common::zip_of(&[(
        "app.py",
        "def handler(event, context):\n    print('kept line')\n    return 1\n",
        0o644,
    )]);
    lambda
        .create_function()
        .function_name("kept-logs")
        .runtime(Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .expect("create function");
    let out = lambda
        .invoke()
        .function_name("kept-logs")
        .send()
        .await
        .expect("invoke");
    let request_id = aws_sdk_lambda::operation::RequestId::request_id(&out)
        .expect("request id")
        .to_string();
    let logs = client(&server).await;
    let before = common::eventually("the REPORT line", || async {
        let got = filtered(&logs, "/aws/lambda/kept-logs").await;
        got.iter()
            .any(|(_, m, _)| m.starts_with("REPORT"))
            .then_some(got)
    })
    .await;
    server.shutdown().await;

    let server = fogbank::server::spawn(config())
        .await
        .expect("server again");
    let logs = client(&server).await;
    let after = filtered(&logs, "/aws/lambda/kept-logs").await;
    assert_eq!(after, before);
    let messages: Vec<&str> = after.iter().map(|(_, m, _)| m.as_str()).collect();
    assert!(
        messages.contains(&format!("START RequestId: {request_id} Version: $LATEST\n").as_str()),
        "{messages:?}"
    );
    assert!(messages.contains(&"kept line\n"), "{messages:?}");
    assert!(
        messages.contains(&format!("END RequestId: {request_id}\n").as_str()),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with(&format!("REPORT RequestId: {request_id}\t"))),
        "{messages:?}"
    );
    server.shutdown().await;
}
