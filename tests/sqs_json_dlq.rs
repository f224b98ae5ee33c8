//! Dead-letter queues and message move tasks over the AWS JSON 1.0 protocol, through the
//! official Rust SDK: RedrivePolicy / maxReceiveCount, ListDeadLetterSourceQueues, and
//! Start/List/CancelMessageMoveTask.

#[macro_use]
mod common;

use std::collections::HashSet;
use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::types::{
    ListMessageMoveTasksResultEntry, Message, MessageAttributeValue, MessageSystemAttributeName,
    QueueAttributeName,
};

const ACCOUNT: &str = "000000000000";

/// Asserts that an invalid attribute value was rejected as an invalid value. AWS reports
/// redrive-policy problems as an invalid parameter/attribute value; either code is accepted.
macro_rules! expect_invalid_value {
    ($res:expr) => {{
        let err = match $res {
            Ok(out) => panic!("expected an invalid-value error but the call succeeded: {out:?}"),
            Err(e) => e,
        };
        let code = err.code().unwrap_or_default().to_string();
        assert!(
            code == "InvalidParameterValue" || code == "InvalidAttributeValue",
            "code {code:?}; error: {err:?}"
        );
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
    }};
}

// ---------------------------------------------------------------------------------------
// helpers

fn arn(name: &str) -> String {
    format!("arn:aws:sqs:us-east-1:{ACCOUNT}:{name}")
}

fn redrive(dlq: &str, max: &str) -> String {
    format!(
        r#"{{"deadLetterTargetArn":"{}","maxReceiveCount":{max}}}"#,
        arn(dlq)
    )
}

async fn create_queue(c: &Client, name: &str, attrs: &[(QueueAttributeName, String)]) -> String {
    let mut req = c.create_queue().queue_name(name);
    for (k, v) in attrs {
        req = req.attributes(k.clone(), v.clone());
    }
    req.send()
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e:?}"))
        .queue_url()
        .unwrap()
        .to_string()
}

/// A source queue whose messages go to `dlq` after `max` receives.
async fn create_source(c: &Client, name: &str, dlq: &str, max: u32) -> String {
    create_queue(
        c,
        name,
        &[(
            QueueAttributeName::RedrivePolicy,
            redrive(dlq, &format!("\"{max}\"")),
        )],
    )
    .await
}

use common::all_attributes;

async fn visible(c: &Client, url: &str) -> u64 {
    all_attributes(c, url).await["ApproximateNumberOfMessages"]
        .parse()
        .unwrap()
}

async fn send(c: &Client, url: &str, body: &str) -> String {
    c.send_message()
        .queue_url(url)
        .message_body(body)
        .send()
        .await
        .expect("send")
        .message_id()
        .unwrap()
        .to_string()
}

/// One short-poll receive with VisibilityTimeout 0 (so the message is at once receivable
/// again) and all system attributes.
async fn receive_vt0(c: &Client, url: &str) -> Vec<Message> {
    c.receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .visibility_timeout(0)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .message_attribute_names("All")
        .send()
        .await
        .expect("receive")
        .messages()
        .to_vec()
}

/// Long-polls (and deletes) until `n` messages arrived, returning their bodies. Ends early
/// only if a 5 s long poll sees nothing, so a move that never happens fails in bounded time.
async fn await_messages(c: &Client, url: &str, n: usize) -> Vec<String> {
    let mut got = Vec::new();
    while got.len() < n {
        let out = c
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(5)
            .send()
            .await
            .expect("receive");
        if out.messages().is_empty() {
            break;
        }
        for m in out.messages() {
            got.push(m.body().unwrap().to_string());
            c.delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    got.sort();
    got
}

async fn list_tasks(c: &Client, source_arn: &str) -> Vec<ListMessageMoveTasksResultEntry> {
    c.list_message_move_tasks()
        .source_arn(source_arn)
        .send()
        .await
        .expect("list_message_move_tasks")
        .results()
        .to_vec()
}

/// Waits (bounded) until the most recent task of `source_arn` leaves RUNNING.
async fn await_task_end(c: &Client, source_arn: &str) -> ListMessageMoveTasksResultEntry {
    for _ in 0..200 {
        let tasks = list_tasks(c, source_arn).await;
        let latest = tasks.first().cloned().expect("a task is listed");
        if latest.status() != Some("RUNNING") {
            return latest;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the move task did not finish");
}

/// Puts `bodies` into `dlq` through `source` (maxReceiveCount 1): receive once, then the
/// next receive moves them.
async fn dead_letter(c: &Client, source: &str, dlq: &str, bodies: &[&str]) {
    let before = visible(c, dlq).await;
    for b in bodies {
        send(c, source, b).await;
    }
    let mut received = 0;
    for _ in 0..10 {
        received += receive_vt0(c, source).await.len();
        if received >= bodies.len() {
            break;
        }
    }
    assert!(
        receive_vt0(c, source).await.is_empty(),
        "all moved on the next receive"
    );
    assert_eq!(visible(c, dlq).await, before + bodies.len() as u64);
}

// ---------------------------------------------------------------------------------------
// RedrivePolicy

#[tokio::test]
async fn message_moves_to_the_dlq_after_max_receive_count() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let dlq = create_queue(&c, "dead", &[]).await;
    let src = create_source(&c, "work", "dead", 3).await;

    let attr = MessageAttributeValue::builder()
        .data_type("String")
        .string_value("kept")
        .build()
        .unwrap();
    let sent_at = {
        use fogbank::clock::Clock;
        clock.now_millis()
    };
    let out = c
        .send_message()
        .queue_url(&src)
        .message_body("poison")
        .message_attributes("k", attr.clone())
        .send()
        .await
        .unwrap();
    let id = out.message_id().unwrap().to_string();

    for n in 1..=3 {
        clock.advance(Duration::from_secs(1));
        let got = receive_vt0(&c, &src).await;
        assert_eq!(got.len(), 1, "receive {n}");
        assert_eq!(
            got[0]
                .attributes()
                .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                .map(String::as_str),
            Some(n.to_string().as_str())
        );
    }
    // The 4th receive exceeds maxReceiveCount 3: the message goes to the DLQ instead.
    assert!(receive_vt0(&c, &src).await.is_empty());
    let a = all_attributes(&c, &src).await;
    assert_eq!(a["ApproximateNumberOfMessages"], "0");
    assert_eq!(a["ApproximateNumberOfMessagesNotVisible"], "0");

    let got = receive_vt0(&c, &dlq).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(
        m.message_id(),
        Some(id.as_str()),
        "the DLQ keeps the message id"
    );
    assert_eq!(m.body(), Some("poison"));
    assert_eq!(
        m.md5_of_message_attributes(),
        out.md5_of_message_attributes()
    );
    assert_eq!(
        m.message_attributes().and_then(|a| a.get("k")),
        Some(&attr),
        "message attributes are kept"
    );
    let sys = m.attributes().cloned().unwrap_or_default();
    assert_eq!(
        sys.get(&MessageSystemAttributeName::DeadLetterQueueSourceArn),
        Some(&arn("work")),
        "{sys:?}"
    );
    assert_eq!(
        sys.get(&MessageSystemAttributeName::SentTimestamp),
        Some(&sent_at.to_string()),
        "the original send time is kept"
    );
}

#[tokio::test]
async fn redrive_policy_is_stored_and_accepts_number_or_string_counts() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    create_queue(&c, "dlq", &[]).await;
    for (name, max) in [("as-number", "5"), ("as-string", "\"5\"")] {
        let url = create_queue(
            &c,
            name,
            &[(QueueAttributeName::RedrivePolicy, redrive("dlq", max))],
        )
        .await;
        let a = all_attributes(&c, &url).await;
        let policy: serde_json::Value =
            serde_json::from_str(a.get("RedrivePolicy").expect("RedrivePolicy listed"))
                .expect("RedrivePolicy is a JSON string");
        assert_eq!(policy["deadLetterTargetArn"], arn("dlq"), "{policy}");
        let count = match &policy["maxReceiveCount"] {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        };
        assert_eq!(count, Some(5), "{policy}");
    }
}

#[tokio::test]
async fn invalid_redrive_policies_are_rejected() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    create_queue(&c, "dlq", &[]).await;
    let fifo_dlq = c
        .create_queue()
        .queue_name("dlq.fifo")
        .attributes(QueueAttributeName::FifoQueue, "true")
        .send()
        .await
        .unwrap();
    assert!(fifo_dlq.queue_url().is_some());
    let url = create_queue(&c, "src", &[]).await;

    for (why, policy) in [
        ("target does not exist", redrive("missing", "3")),
        ("maxReceiveCount 0", redrive("dlq", "0")),
        ("maxReceiveCount above 1000", redrive("dlq", "1001")),
        ("not JSON", "not json".to_string()),
        ("standard queue with a FIFO DLQ", redrive("dlq.fifo", "3")),
    ] {
        eprintln!("case: {why}");
        expect_invalid_value!(
            c.set_queue_attributes()
                .queue_url(&url)
                .attributes(QueueAttributeName::RedrivePolicy, policy)
                .send()
                .await
        );
    }
    assert!(
        !all_attributes(&c, &url).await.contains_key("RedrivePolicy"),
        "nothing was stored"
    );
}

#[tokio::test]
async fn redrive_allow_policy_deny_all_blocks_sources() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    create_queue(
        &c,
        "closed-dlq",
        &[(
            QueueAttributeName::RedriveAllowPolicy,
            r#"{"redrivePermission":"denyAll"}"#.to_string(),
        )],
    )
    .await;
    let res = c
        .create_queue()
        .queue_name("blocked-src")
        .attributes(
            QueueAttributeName::RedrivePolicy,
            redrive("closed-dlq", "2"),
        )
        .send()
        .await;
    assert!(res.is_err(), "denyAll refuses every source: {res:?}");

    create_queue(
        &c,
        "picky-dlq",
        &[(
            QueueAttributeName::RedriveAllowPolicy,
            format!(
                r#"{{"redrivePermission":"byQueue","sourceQueueArns":["{}"]}}"#,
                arn("allowed-src")
            ),
        )],
    )
    .await;
    create_queue(
        &c,
        "allowed-src",
        &[(QueueAttributeName::RedrivePolicy, redrive("picky-dlq", "2"))],
    )
    .await;
    let res = c
        .create_queue()
        .queue_name("other-src")
        .attributes(QueueAttributeName::RedrivePolicy, redrive("picky-dlq", "2"))
        .send()
        .await;
    assert!(res.is_err(), "byQueue refuses unlisted sources: {res:?}");
}

#[tokio::test]
async fn list_dead_letter_source_queues_lists_sources_with_paging() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let dlq = create_queue(&c, "dlq", &[]).await;
    let other_dlq = create_queue(&c, "other-dlq", &[]).await;
    let a = create_source(&c, "src-a", "dlq", 2).await;
    let b = create_source(&c, "src-b", "dlq", 4).await;
    let z = create_source(&c, "src-z", "other-dlq", 2).await;
    create_queue(&c, "unrelated", &[]).await;

    let out = c
        .list_dead_letter_source_queues()
        .queue_url(&dlq)
        .send()
        .await
        .unwrap();
    let got: HashSet<String> = out.queue_urls().iter().cloned().collect();
    assert_eq!(got, HashSet::from([a.clone(), b.clone()]));
    assert_eq!(out.next_token(), None);

    let out = c
        .list_dead_letter_source_queues()
        .queue_url(&other_dlq)
        .send()
        .await
        .unwrap();
    assert_eq!(out.queue_urls(), [z]);

    // Paging one at a time.
    let mut seen = Vec::new();
    let mut token = None;
    for _ in 0..5 {
        let out = c
            .list_dead_letter_source_queues()
            .queue_url(&dlq)
            .max_results(1)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        assert!(out.queue_urls().len() <= 1);
        seen.extend(out.queue_urls().iter().cloned());
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        seen.into_iter().collect::<HashSet<_>>(),
        HashSet::from([a.clone(), b])
    );

    // A queue nobody redrives to has no sources.
    let out = c
        .list_dead_letter_source_queues()
        .queue_url(&a)
        .send()
        .await
        .unwrap();
    assert!(out.queue_urls().is_empty());

    // Removing a source's RedrivePolicy removes it from the list.
    c.set_queue_attributes()
        .queue_url(&a)
        .attributes(QueueAttributeName::RedrivePolicy, "")
        .send()
        .await
        .expect("an empty RedrivePolicy removes it");
    assert!(!all_attributes(&c, &a).await.contains_key("RedrivePolicy"));
    let out = c
        .list_dead_letter_source_queues()
        .queue_url(&dlq)
        .send()
        .await
        .unwrap();
    assert_eq!(out.queue_urls().len(), 1);

    let missing = format!("{}/{ACCOUNT}/missing", server.endpoint());
    expect_service_error!(
        c.list_dead_letter_source_queues()
            .queue_url(&missing)
            .send()
            .await,
        is_queue_does_not_exist,
        "AWS.SimpleQueueService.NonExistentQueue"
    );
}

// ---------------------------------------------------------------------------------------
// Message move tasks

#[tokio::test]
async fn move_task_without_destination_returns_messages_to_their_sources() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let dlq = create_queue(&c, "dlq", &[]).await;
    let a = create_source(&c, "src-a", "dlq", 1).await;
    let b = create_source(&c, "src-b", "dlq", 1).await;
    dead_letter(&c, &a, &dlq, &["a1", "a2"]).await;
    dead_letter(&c, &b, &dlq, &["b1"]).await;
    assert_eq!(visible(&c, &dlq).await, 3);

    let out = c
        .start_message_move_task()
        .source_arn(arn("dlq"))
        .send()
        .await
        .expect("start_message_move_task");
    let handle = out.task_handle().expect("TaskHandle").to_string();
    assert!(!handle.is_empty());

    assert_eq!(await_messages(&c, &a, 2).await, vec!["a1", "a2"]);
    assert_eq!(await_messages(&c, &b, 1).await, vec!["b1"]);
    assert_eq!(visible(&c, &dlq).await, 0);

    let task = await_task_end(&c, &arn("dlq")).await;
    assert_eq!(task.status(), Some("COMPLETED"));
    assert_eq!(task.source_arn(), Some(arn("dlq").as_str()));
    assert_eq!(task.destination_arn(), None);
    assert_eq!(task.max_number_of_messages_per_second(), None);
    assert_eq!(task.approximate_number_of_messages_moved(), 3);
    assert_eq!(task.approximate_number_of_messages_to_move(), Some(3));
    assert!(task.started_timestamp() > 0);
    assert_eq!(task.failure_reason(), None);
}

#[tokio::test]
async fn move_task_with_destination_moves_to_that_queue() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    let dlq = create_queue(&c, "dlq", &[]).await;
    let src = create_source(&c, "src", "dlq", 1).await;
    let dest = create_queue(&c, "elsewhere", &[]).await;
    dead_letter(&c, &src, &dlq, &["x", "y", "z"]).await;

    c.start_message_move_task()
        .source_arn(arn("dlq"))
        .destination_arn(arn("elsewhere"))
        .max_number_of_messages_per_second(100)
        .send()
        .await
        .expect("start");
    assert_eq!(await_messages(&c, &dest, 3).await, vec!["x", "y", "z"]);
    assert_eq!(
        visible(&c, &src).await,
        0,
        "nothing went back to the source"
    );
    assert_eq!(visible(&c, &dlq).await, 0);

    let task = await_task_end(&c, &arn("dlq")).await;
    assert_eq!(task.status(), Some("COMPLETED"));
    assert_eq!(task.destination_arn(), Some(arn("elsewhere").as_str()));
    assert_eq!(task.max_number_of_messages_per_second(), Some(100));
    assert_eq!(task.approximate_number_of_messages_moved(), 3);
    assert_eq!(
        task.task_handle(),
        None,
        "only a RUNNING task carries its handle"
    );
}

#[tokio::test]
async fn move_task_errors() {
    let server = common::start().await;
    let c = common::sqs(&server).await;
    create_queue(&c, "plain", &[]).await;
    let dlq = create_queue(&c, "dlq", &[]).await;
    let src = create_source(&c, "src", "dlq", 1).await;
    dead_letter(&c, &src, &dlq, &["m"]).await;

    // A queue that is nobody's DLQ cannot be a move source.
    let status = expect_error_code!(
        c.start_message_move_task()
            .source_arn(arn("plain"))
            .send()
            .await,
        "InvalidParameterValue"
    );
    assert_eq!(status, Some(400));

    // A source that does not exist.
    let status = expect_service_error!(
        c.start_message_move_task()
            .source_arn(arn("missing"))
            .send()
            .await,
        is_resource_not_found_exception,
        "ResourceNotFoundException"
    );
    assert_eq!(status, Some(404));

    // A destination that does not exist.
    expect_service_error!(
        c.start_message_move_task()
            .source_arn(arn("dlq"))
            .destination_arn(arn("missing"))
            .send()
            .await,
        is_resource_not_found_exception,
        "ResourceNotFoundException"
    );
    assert_eq!(visible(&c, &dlq).await, 1, "nothing moved");

    // A malformed task handle, then a well-formed one of no task.
    let err = c
        .cancel_message_move_task()
        .task_handle("no-such-task")
        .send()
        .await
        .expect_err("malformed handle");
    assert_eq!(
        aws_sdk_sqs::error::ProvideErrorMetadata::code(&err),
        Some("InvalidParameterValue")
    );
    let unknown = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        r#"{"taskId":"nope","sourceArn":"arn:aws:sqs:us-east-1:000000000000:q"}"#,
    );
    let status = expect_service_error!(
        c.cancel_message_move_task()
            .task_handle(unknown)
            .send()
            .await,
        is_resource_not_found_exception,
        "ResourceNotFoundException"
    );
    assert_eq!(status, Some(404));

    // Listing tasks of a queue that does not exist.
    expect_service_error!(
        c.list_message_move_tasks()
            .source_arn(arn("missing"))
            .send()
            .await,
        is_resource_not_found_exception,
        "ResourceNotFoundException"
    );
    // A DLQ with no task yet lists nothing.
    assert!(list_tasks(&c, &arn("dlq")).await.is_empty());
}

#[tokio::test]
async fn running_move_task_can_be_cancelled_and_blocks_a_second_task() {
    let (server, clock) = common::start_with_manual_clock().await;
    let c = common::sqs(&server).await;
    let dlq = create_queue(&c, "dlq", &[]).await;
    let src = create_source(&c, "src", "dlq", 1).await;
    let bodies: Vec<String> = (0..6).map(|i| format!("m{i}")).collect();
    let refs: Vec<&str> = bodies.iter().map(String::as_str).collect();
    dead_letter(&c, &src, &dlq, &refs).await;

    // One message per second: with the manual clock standing still the task keeps running.
    let handle = c
        .start_message_move_task()
        .source_arn(arn("dlq"))
        .max_number_of_messages_per_second(1)
        .send()
        .await
        .unwrap()
        .task_handle()
        .unwrap()
        .to_string();
    let tasks = list_tasks(&c, &arn("dlq")).await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].status(), Some("RUNNING"));
    assert_eq!(tasks[0].task_handle(), Some(handle.as_str()));
    assert_eq!(tasks[0].approximate_number_of_messages_to_move(), Some(6));
    assert!(tasks[0].approximate_number_of_messages_moved() < 6);

    // Only one active task per source queue.
    expect_error_code!(
        c.start_message_move_task()
            .source_arn(arn("dlq"))
            .send()
            .await,
        "InvalidParameterValue"
    );

    clock.advance(Duration::from_secs(2));
    let out = c
        .cancel_message_move_task()
        .task_handle(&handle)
        .send()
        .await
        .expect("cancel a running task");
    let moved_at_cancel = out.approximate_number_of_messages_moved();
    assert!((0..6).contains(&moved_at_cancel), "{moved_at_cancel}");

    let task = await_task_end(&c, &arn("dlq")).await;
    assert!(
        matches!(task.status(), Some("CANCELLING") | Some("CANCELLED")),
        "{task:?}"
    );
    // Messages already moved stay moved; the rest stay in the DLQ, even as time passes.
    clock.advance(Duration::from_secs(30));
    let in_dlq = visible(&c, &dlq).await;
    let in_src = visible(&c, &src).await;
    assert_eq!(in_dlq + in_src, 6);
    assert!(in_dlq > 0, "cancelled before everything moved");
    assert!(
        in_src as i64 <= moved_at_cancel + 1,
        "{in_src} vs {moved_at_cancel}"
    );

    // Cancelling it again: it is no longer running.
    let res = c
        .cancel_message_move_task()
        .task_handle(&handle)
        .send()
        .await;
    assert!(res.is_err(), "only RUNNING tasks can be cancelled: {res:?}");

    // A new task may start once the old one ended, and finishes the job.
    c.start_message_move_task()
        .source_arn(arn("dlq"))
        .max_number_of_messages_per_second(500)
        .send()
        .await
        .expect("a second task after the first ended");
    clock.advance(Duration::from_secs(5));
    let task = await_task_end(&c, &arn("dlq")).await;
    assert_eq!(task.status(), Some("COMPLETED"));
    assert_eq!(visible(&c, &dlq).await, 0);
    assert_eq!(visible(&c, &src).await, 6);
    // ListMessageMoveTasks returns the most recent task by default, up to 10 on request.
    assert_eq!(list_tasks(&c, &arn("dlq")).await.len(), 1);
    let both = c
        .list_message_move_tasks()
        .source_arn(arn("dlq"))
        .max_results(10)
        .send()
        .await
        .unwrap();
    let statuses: Vec<Option<&str>> = both.results().iter().map(|t| t.status()).collect();
    assert_eq!(statuses.len(), 2, "{statuses:?}");
    assert_eq!(
        statuses[0],
        Some("COMPLETED"),
        "most recent first: {statuses:?}"
    );
    assert_eq!(
        both.results()[1].max_number_of_messages_per_second(),
        Some(1)
    );
}
