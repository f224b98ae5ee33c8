//! Durable state for SQS (`--data-dir`): queues, messages and their timers across a restart,
//! the data dir's lock and format checks, and snapshot files. Through the Rust SDK.

mod common;

use std::time::Duration;

use aws_sdk_sqs::types::{MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName};
use common::{TempDir, durable_config, start_durable as start};
use fogbank::clock::ManualClock;
use fogbank::server;

async fn bodies(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<String> {
    let out = sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .send()
        .await
        .expect("receive");
    out.messages()
        .iter()
        .map(|m| m.body().unwrap_or_default().to_string())
        .collect()
}

async fn attr(sqs: &aws_sdk_sqs::Client, url: &str, name: QueueAttributeName) -> Option<String> {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(name.clone())
        .send()
        .await
        .expect("attributes")
        .attributes()
        .and_then(|a| a.get(&name).cloned())
}

#[tokio::test]
async fn queues_messages_and_timers_survive_a_restart() {
    let dir = TempDir::new("sqs-restart");
    let clock = ManualClock::starting_2026();
    let server = start(&dir.0, &clock).await;
    let sqs = common::sqs(&server).await;

    let q = sqs
        .create_queue()
        .queue_name("orders")
        .attributes(QueueAttributeName::VisibilityTimeout, "30")
        .attributes(QueueAttributeName::MessageRetentionPeriod, "3600")
        .tags("team", "blue")
        .send()
        .await
        .expect("create")
        .queue_url
        .expect("url");
    let fifo = sqs
        .create_queue()
        .queue_name("steps.fifo")
        .attributes(QueueAttributeName::FifoQueue, "true")
        .attributes(QueueAttributeName::ContentBasedDeduplication, "true")
        .send()
        .await
        .expect("create fifo")
        .queue_url
        .expect("url");
    let gone = sqs
        .create_queue()
        .queue_name("gone")
        .send()
        .await
        .expect("create")
        .queue_url
        .expect("url");
    sqs.delete_queue()
        .queue_url(&gone)
        .send()
        .await
        .expect("delete queue");

    sqs.send_message()
        .queue_url(&q)
        .message_body("first")
        .message_attributes(
            "kind",
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value("order")
                .build()
                .expect("attr"),
        )
        .send()
        .await
        .expect("send");
    sqs.send_message()
        .queue_url(&q)
        .message_body("second")
        .send()
        .await
        .expect("send");
    sqs.send_message()
        .queue_url(&q)
        .message_body("delayed")
        .delay_seconds(60)
        .send()
        .await
        .expect("send");
    let got = sqs
        .receive_message()
        .queue_url(&q)
        .max_number_of_messages(10)
        .send()
        .await
        .expect("receive");
    assert_eq!(got.messages().len(), 2);
    let by_body = |b: &str| {
        got.messages()
            .iter()
            .find(|m| m.body() == Some(b))
            .and_then(|m| m.receipt_handle().map(str::to_string))
            .expect("received")
    };
    let first_handle = by_body("first");
    sqs.delete_message()
        .queue_url(&q)
        .receipt_handle(by_body("second"))
        .send()
        .await
        .expect("delete");

    let mut fifo_ids = Vec::new();
    for (body, group) in [("a1", "g"), ("a2", "g"), ("b1", "h")] {
        let out = sqs
            .send_message()
            .queue_url(&fifo)
            .message_body(body)
            .message_group_id(group)
            .send()
            .await
            .expect("send fifo");
        fifo_ids.push((
            out.message_id.expect("id"),
            out.sequence_number.expect("seq"),
        ));
    }
    server.shutdown().await;

    // Same dir, same clock: everything is back.
    let server = start(&dir.0, &clock).await;
    let sqs = common::sqs(&server).await;
    let mut urls = sqs
        .list_queues()
        .send()
        .await
        .expect("list")
        .queue_urls
        .unwrap_or_default();
    urls.sort();
    assert_eq!(urls.len(), 2, "{urls:?}");
    assert!(urls.iter().any(|u| u.ends_with("/orders")));
    assert!(urls.iter().any(|u| u.ends_with("/steps.fifo")));
    assert_eq!(
        attr(&sqs, &q, QueueAttributeName::VisibilityTimeout)
            .await
            .as_deref(),
        Some("30")
    );
    let tags = sqs
        .list_queue_tags()
        .queue_url(&q)
        .send()
        .await
        .expect("tags")
        .tags
        .unwrap_or_default();
    assert_eq!(tags.get("team").map(String::as_str), Some("blue"));
    assert_eq!(
        attr(
            &sqs,
            &q,
            QueueAttributeName::ApproximateNumberOfMessagesNotVisible
        )
        .await
        .as_deref(),
        Some("1")
    );
    assert_eq!(
        attr(
            &sqs,
            &q,
            QueueAttributeName::ApproximateNumberOfMessagesDelayed
        )
        .await
        .as_deref(),
        Some("1")
    );
    // In flight and delayed: nothing visible yet; the deleted message did not come back.
    assert!(bodies(&sqs, &q).await.is_empty());
    // The visibility timeout ends on the clock: the message is back, with its attributes and
    // its receive count.
    clock.advance(Duration::from_secs(31));
    let again = sqs
        .receive_message()
        .queue_url(&q)
        .max_number_of_messages(10)
        .message_attribute_names("All")
        .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
        .send()
        .await
        .expect("receive");
    assert_eq!(again.messages().len(), 1);
    let m = &again.messages()[0];
    assert_eq!(m.body(), Some("first"));
    assert_eq!(
        m.message_attributes()
            .and_then(|a| a.get("kind"))
            .and_then(|v| v.string_value()),
        Some("order")
    );
    assert_eq!(
        m.attributes()
            .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
            .map(String::as_str),
        Some("2")
    );
    // A receipt handle from before the restart still deletes (standard queues accept an
    // older handle of the message).
    sqs.delete_message()
        .queue_url(&q)
        .receipt_handle(&first_handle)
        .send()
        .await
        .expect("delete with a handle from before the restart");
    clock.advance(Duration::from_secs(30));
    assert_eq!(bodies(&sqs, &q).await, vec!["delayed".to_string()]);

    // FIFO: order within a group, sequence numbers keep growing, deduplication remembered.
    let dup = sqs
        .send_message()
        .queue_url(&fifo)
        .message_body("a1")
        .message_group_id("g")
        .send()
        .await
        .expect("send duplicate");
    assert_eq!(dup.message_id.as_deref(), Some(fifo_ids[0].0.as_str()));
    let next = sqs
        .send_message()
        .queue_url(&fifo)
        .message_body("a3")
        .message_group_id("g")
        .send()
        .await
        .expect("send");
    let last_seq: u128 = fifo_ids[2].1.parse().expect("number");
    let new_seq: u128 = next
        .sequence_number
        .as_deref()
        .unwrap_or_default()
        .parse()
        .expect("number");
    assert!(new_seq > last_seq, "{new_seq} > {last_seq}");
    let mut order = Vec::new();
    for _ in 0..4 {
        let got = sqs
            .receive_message()
            .queue_url(&fifo)
            .max_number_of_messages(10)
            .send()
            .await
            .expect("receive");
        for m in got.messages() {
            order.push(m.body().unwrap_or_default().to_string());
            sqs.delete_message()
                .queue_url(&fifo)
                .receipt_handle(m.receipt_handle().unwrap_or_default())
                .send()
                .await
                .expect("delete");
        }
    }
    let g: Vec<&String> = order.iter().filter(|b| b.starts_with('a')).collect();
    assert_eq!(g, ["a1", "a2", "a3"]);
    assert_eq!(order.len(), 4, "{order:?}");
    server.shutdown().await;

    // Retention keeps counting while fogbank is down.
    let server = start(&dir.0, &clock).await;
    let sqs = common::sqs(&server).await;
    sqs.send_message()
        .queue_url(&q)
        .message_body("old")
        .send()
        .await
        .expect("send");
    server.shutdown().await;
    clock.advance(Duration::from_secs(3601));
    let server = start(&dir.0, &clock).await;
    let sqs = common::sqs(&server).await;
    assert!(bodies(&sqs, &q).await.is_empty(), "retention expired");
    server.shutdown().await;
}

#[tokio::test]
async fn a_data_dir_in_use_corrupt_or_newer_is_refused() {
    let dir = TempDir::new("sqs-lock");
    let clock = ManualClock::starting_2026();
    let server = start(&dir.0, &clock).await;
    let sqs = common::sqs(&server).await;
    sqs.create_queue()
        .queue_name("kept")
        .send()
        .await
        .expect("create");
    let second = server::spawn(durable_config(&dir.0, &clock)).await;
    let err = second
        .err()
        .expect("a second server on the same dir is refused");
    assert!(err.to_string().contains("in use"), "{err}");
    server.shutdown().await;

    // A newer format is refused, naming the file, and nothing is changed.
    let db = dir.0.join("fogbank.db");
    {
        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.execute(
            "UPDATE meta SET value = '99' WHERE key = 'format_version'",
            [],
        )
        .expect("update");
    }
    let err = server::spawn(durable_config(&dir.0, &clock))
        .await
        .err()
        .expect("newer format refused");
    assert!(err.to_string().contains("fogbank.db"), "{err}");
    assert!(err.to_string().contains("newer"), "{err}");
    {
        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.execute(
            "UPDATE meta SET value = '1' WHERE key = 'format_version'",
            [],
        )
        .expect("update");
    }
    let server = start(&dir.0, &clock).await;
    let sqs = common::sqs(&server).await;
    let urls = sqs.list_queues().send().await.expect("list").queue_urls;
    assert_eq!(urls.unwrap_or_default().len(), 1, "still there");
    server.shutdown().await;

    // Garbage is refused, naming the file, and left as it was.
    let garbage = TempDir::new("sqs-garbage");
    std::fs::create_dir_all(&garbage.0).expect("dir");
    let junk = vec![0x5au8; 8192];
    std::fs::write(garbage.0.join("fogbank.db"), &junk).expect("write");
    let err = server::spawn(durable_config(&garbage.0, &clock))
        .await
        .err()
        .expect("garbage refused");
    assert!(err.to_string().contains("fogbank.db"), "{err}");
    assert_eq!(
        std::fs::read(garbage.0.join("fogbank.db")).expect("read"),
        junk
    );
}

#[tokio::test]
async fn a_snapshot_downloads_loads_into_a_fresh_server_and_a_bad_one_changes_nothing() {
    let clock = ManualClock::starting_2026();
    let (a, _) = common::start_with_manual_clock().await;
    let sqs = common::sqs(&a).await;
    let url = sqs
        .create_queue()
        .queue_name("seeded")
        .tags("env", "ci")
        .send()
        .await
        .expect("create")
        .queue_url
        .expect("url");
    for i in 0..5 {
        sqs.send_message()
            .queue_url(&url)
            .message_body(format!("m{i}"))
            .send()
            .await
            .expect("send");
    }
    let http = reqwest::Client::new();
    let snap = http
        .get(format!("{}/_fogbank/state", a.endpoint()))
        .send()
        .await
        .expect("get state");
    assert_eq!(snap.status(), 200);
    let snap = snap.bytes().await.expect("body");
    let doc: serde_json::Value = serde_json::from_slice(&snap).expect("json");
    assert_eq!(doc["format"], "fogbank-state");
    assert_eq!(doc["version"], 1);

    // A fresh server (durable, to check the load is written through) takes the snapshot.
    let dir = TempDir::new("sqs-snapshot");
    let b = start(&dir.0, &clock).await;
    let sqs_b = common::sqs(&b).await;
    let loaded = http
        .post(format!("{}/_fogbank/state", b.endpoint()))
        .body(snap.to_vec())
        .send()
        .await
        .expect("post state");
    assert_eq!(loaded.status(), 200);
    let url_b = sqs_b
        .get_queue_url()
        .queue_name("seeded")
        .send()
        .await
        .expect("queue loaded")
        .queue_url
        .expect("url");
    assert_eq!(
        attr(
            &sqs_b,
            &url_b,
            QueueAttributeName::ApproximateNumberOfMessages
        )
        .await
        .as_deref(),
        Some("5")
    );
    let records = |v: &serde_json::Value| v["services"]["sqs"]["records"].clone();
    let again = http
        .get(format!("{}/_fogbank/state?service=sqs", b.endpoint()))
        .send()
        .await
        .expect("get state")
        .bytes()
        .await
        .expect("body");
    let again: serde_json::Value = serde_json::from_slice(&again).expect("json");
    assert_eq!(records(&again), records(&doc), "the same state");

    // A bad file: 400, and nothing changed.
    for bad in [
        b"not json".to_vec(),
        br#"{"format":"fogbank-state","version":1,"services":{"sqs":{"records":[{"kind":"sqs.queue","key":"x","value":{"name":1}}]}}}"#.to_vec(),
        br#"{"format":"fogbank-state","version":7,"services":{}}"#.to_vec(),
        br#"{"format":"fogbank-state","version":1,"services":{"ec2":{}}}"#.to_vec(),
    ] {
        let r = http
            .post(format!("{}/_fogbank/state", b.endpoint()))
            .body(bad)
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 400);
        let body: serde_json::Value = r.json().await.expect("json error");
        assert!(body["error"].is_string(), "{body}");
    }
    assert_eq!(
        attr(
            &sqs_b,
            &url_b,
            QueueAttributeName::ApproximateNumberOfMessages
        )
        .await
        .as_deref(),
        Some("5")
    );
    b.shutdown().await;

    // What was loaded is in the data dir.
    let b = start(&dir.0, &clock).await;
    let sqs_b = common::sqs(&b).await;
    let url_b = sqs_b
        .get_queue_url()
        .queue_name("seeded")
        .send()
        .await
        .expect("still there after a restart")
        .queue_url
        .expect("url");
    assert_eq!(bodies(&sqs_b, &url_b).await.len(), 5);
    b.shutdown().await;
    a.shutdown().await;
}

async fn move_tasks(
    sqs: &aws_sdk_sqs::Client,
    source_arn: &str,
) -> Vec<aws_sdk_sqs::types::ListMessageMoveTasksResultEntry> {
    sqs.list_message_move_tasks()
        .source_arn(source_arn)
        .max_results(10)
        .send()
        .await
        .expect("list move tasks")
        .results
        .unwrap_or_default()
}

/// Waits until the newest task on `source_arn` has moved `n` messages (the task runs on the
/// server's own schedule once the manual clock passes its next second).
async fn await_moved(sqs: &aws_sdk_sqs::Client, source_arn: &str, n: i64) -> String {
    for _ in 0..500 {
        let tasks = move_tasks(sqs, source_arn).await;
        let t = &tasks[0];
        if t.approximate_number_of_messages_moved == n {
            return t.status().unwrap_or_default().to_string();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the move task never reached {n} moved messages");
}

#[tokio::test]
async fn move_tasks_resume_after_a_restart_and_finished_ones_stay_listed() {
    let dir = TempDir::new("sqs-move-task");
    let clock = ManualClock::starting_2026();
    let server = start(&dir.0, &clock).await;
    let sqs = common::sqs(&server).await;
    let url = |name: &'static str| {
        let sqs = sqs.clone();
        async move {
            sqs.create_queue()
                .queue_name(name)
                .send()
                .await
                .expect("create")
                .queue_url
                .expect("url")
        }
    };
    let dlq = url("dead").await;
    let src = url("work").await;
    let dlq_arn = attr(&sqs, &dlq, QueueAttributeName::QueueArn)
        .await
        .expect("arn");
    let src_arn = attr(&sqs, &src, QueueAttributeName::QueueArn)
        .await
        .expect("arn");
    sqs.set_queue_attributes()
        .queue_url(&src)
        .attributes(
            QueueAttributeName::RedrivePolicy,
            format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"3"}}"#),
        )
        .send()
        .await
        .expect("redrive policy");
    for i in 0..5 {
        sqs.send_message()
            .queue_url(&dlq)
            .message_body(format!("m{i}"))
            .send()
            .await
            .expect("send");
    }
    sqs.start_message_move_task()
        .source_arn(&dlq_arn)
        .destination_arn(&src_arn)
        .max_number_of_messages_per_second(1)
        .send()
        .await
        .expect("start");
    assert_eq!(await_moved(&sqs, &dlq_arn, 1).await, "RUNNING");
    server.shutdown().await;

    // Restarted: the task is still running where it stopped, and goes on with the clock.
    let server = start(&dir.0, &clock).await;
    let sqs = common::sqs(&server).await;
    let tasks = move_tasks(&sqs, &dlq_arn).await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].status(), Some("RUNNING"));
    assert_eq!(tasks[0].approximate_number_of_messages_moved, 1);
    assert_eq!(tasks[0].approximate_number_of_messages_to_move, Some(5));
    assert_eq!(tasks[0].max_number_of_messages_per_second, Some(1));
    assert!(tasks[0].task_handle().is_some());
    clock.advance(Duration::from_secs(1));
    assert_eq!(await_moved(&sqs, &dlq_arn, 2).await, "RUNNING");
    clock.advance(Duration::from_secs(10));
    assert_eq!(await_moved(&sqs, &dlq_arn, 5).await, "COMPLETED");
    assert_eq!(bodies(&sqs, &dlq).await.len(), 0);

    // A second task, cancelled: both finished tasks are listed after the next restart.
    sqs.send_message()
        .queue_url(&dlq)
        .message_body("late")
        .send()
        .await
        .expect("send");
    sqs.send_message()
        .queue_url(&dlq)
        .message_body("later")
        .send()
        .await
        .expect("send");
    let handle = sqs
        .start_message_move_task()
        .source_arn(&dlq_arn)
        .destination_arn(&src_arn)
        .max_number_of_messages_per_second(1)
        .send()
        .await
        .expect("start")
        .task_handle
        .expect("handle");
    sqs.cancel_message_move_task()
        .task_handle(&handle)
        .send()
        .await
        .expect("cancel");
    server.shutdown().await;
    let server = start(&dir.0, &clock).await;
    let sqs = common::sqs(&server).await;
    let tasks = move_tasks(&sqs, &dlq_arn).await;
    let states: Vec<(Option<&str>, i64)> = tasks
        .iter()
        .map(|t| (t.status(), t.approximate_number_of_messages_moved))
        .collect();
    assert_eq!(states, [(Some("CANCELLED"), 1), (Some("COMPLETED"), 5)]);
    assert!(tasks.iter().all(|t| t.task_handle().is_none()));
    clock.advance(Duration::from_secs(5));
    let mut moved = bodies(&sqs, &src).await;
    moved.sort();
    assert_eq!(moved, ["late", "m0", "m1", "m2", "m3", "m4"]);
    assert_eq!(
        bodies(&sqs, &dlq).await,
        ["later"],
        "a cancelled task moves no more"
    );
    server.shutdown().await;
}
