//! Engine tests with the manual clock: no HTTP, typed inputs, time moved by hand.

use std::time::Duration;

use super::*;
use crate::clock::ManualClock;

fn setup() -> (Arc<SqsEngine>, ManualClock, RequestContext) {
    let clock = ManualClock::starting_2026();
    let engine = SqsEngine::new(Arc::new(clock.clone()));
    (
        engine,
        clock,
        RequestContext::new("000000000000", "us-east-1", "localhost:4566"),
    )
}

fn create(engine: &SqsEngine, ctx: &RequestContext, name: &str, attrs: &[(&str, &str)]) -> String {
    engine
        .create_queue(
            ctx,
            CreateQueueInput {
                queue_name: Some(name.into()),
                attributes: attrs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                tags: BTreeMap::new(),
            },
        )
        .expect("create")
        .queue_url
}

fn send(
    engine: &SqsEngine,
    ctx: &RequestContext,
    url: &str,
    body: &str,
    group: Option<&str>,
) -> SqsResult<SendMessageOutput> {
    engine.send_message(
        ctx,
        SendMessageInput {
            queue_url: Some(url.into()),
            message_body: Some(body.into()),
            message_group_id: group.map(str::to_string),
            ..Default::default()
        },
    )
}

fn receive_input(url: &str, wait: i64) -> ReceiveMessageInput {
    ReceiveMessageInput {
        queue_url: Some(url.into()),
        max_number_of_messages: Some(10),
        wait_time_seconds: Some(wait),
        ..Default::default()
    }
}

async fn receive(engine: &SqsEngine, ctx: &RequestContext, url: &str) -> Vec<Message> {
    engine
        .receive_message(ctx, receive_input(url, 0))
        .await
        .expect("receive")
        .messages
}

/// Let spawned tasks run until `done` holds (bounded).
async fn settle(mut done: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        tokio::task::yield_now().await;
    }
    assert!(done(), "condition never held");
}

#[tokio::test]
async fn delayed_message_wakes_a_waiting_long_poll_when_due() {
    let (engine, clock, ctx) = setup();
    let url = create(&engine, &ctx, "q", &[]);
    engine
        .send_message(
            &ctx,
            SendMessageInput {
                queue_url: Some(url.clone()),
                message_body: Some("later".into()),
                delay_seconds: Some(5),
                ..Default::default()
            },
        )
        .expect("send");
    let poll = {
        let (engine, ctx, url) = (engine.clone(), ctx.clone(), url.clone());
        tokio::spawn(async move { engine.receive_message(&ctx, receive_input(&url, 20)).await })
    };
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    assert!(!poll.is_finished());
    clock.advance(Duration::from_secs(5));
    let out = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("woke")
        .expect("task")
        .expect("receive");
    assert_eq!(&*out.messages[0].body, "later");
}

#[tokio::test]
async fn long_poll_returns_on_send_and_ends_at_deadline_or_shutdown() {
    let (engine, clock, ctx) = setup();
    let url = create(&engine, &ctx, "q", &[]);
    let poll = {
        let (engine, ctx, url) = (engine.clone(), ctx.clone(), url.clone());
        tokio::spawn(async move { engine.receive_message(&ctx, receive_input(&url, 20)).await })
    };
    tokio::task::yield_now().await;
    send(&engine, &ctx, &url, "now", None).expect("send");
    let out = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("woke")
        .expect("task");
    assert_eq!(out.expect("receive").messages.len(), 1);

    let poll = {
        let (engine, ctx, url) = (engine.clone(), ctx.clone(), url.clone());
        tokio::spawn(async move { engine.receive_message(&ctx, receive_input(&url, 20)).await })
    };
    tokio::task::yield_now().await;
    clock.advance(Duration::from_secs(20));
    let out = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("deadline")
        .expect("task");
    assert!(out.expect("receive").messages.is_empty());

    let poll = {
        let (engine, ctx, url) = (engine.clone(), ctx.clone(), url.clone());
        tokio::spawn(async move { engine.receive_message(&ctx, receive_input(&url, 20)).await })
    };
    tokio::task::yield_now().await;
    engine.shutdown();
    let out = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("shutdown")
        .expect("task");
    assert!(out.expect("receive").messages.is_empty());
}

#[tokio::test]
async fn deleting_a_queue_ends_its_long_polls() {
    let (engine, _clock, ctx) = setup();
    let url = create(&engine, &ctx, "q", &[]);
    let poll = {
        let (engine, ctx, url) = (engine.clone(), ctx.clone(), url.clone());
        tokio::spawn(async move { engine.receive_message(&ctx, receive_input(&url, 20)).await })
    };
    tokio::task::yield_now().await;
    engine
        .delete_queue(
            &ctx,
            QueueUrlInput {
                queue_url: Some(url),
            },
        )
        .expect("delete");
    let out = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("ended")
        .expect("task");
    assert_eq!(
        out.map_err(|e| e.code).err(),
        Some(SqsErrorCode::QueueDoesNotExist)
    );
}

#[tokio::test]
async fn visibility_counts_and_receive_counts_follow_the_clock() {
    let (engine, clock, ctx) = setup();
    let url = create(&engine, &ctx, "q", &[("VisibilityTimeout", "10")]);
    send(&engine, &ctx, &url, "m", None).expect("send");
    let first = receive(&engine, &ctx, &url).await;
    assert_eq!(first.len(), 1);
    let counts = || {
        let q = engine.resolve(&ctx, Some(&url)).expect("queue");
        let s = q.lock();
        s.counts(clock.now_millis())
    };
    assert_eq!((counts().visible, counts().not_visible), (0, 1));
    clock.advance(Duration::from_millis(9_999));
    assert!(receive(&engine, &ctx, &url).await.is_empty());
    clock.advance(Duration::from_millis(1));
    assert_eq!((counts().visible, counts().not_visible), (1, 0));
    let input = ReceiveMessageInput {
        message_system_attribute_names: vec!["All".into()],
        ..receive_input(&url, 0)
    };
    let again = engine
        .receive_message(&ctx, input)
        .await
        .expect("receive")
        .messages;
    let attr = |n: &str| {
        again[0]
            .attributes
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(attr("ApproximateReceiveCount").as_deref(), Some("2"));
    let first_receive: u64 = attr("ApproximateFirstReceiveTimestamp")
        .and_then(|v| v.parse().ok())
        .expect("ts");
    assert_eq!(first_receive + 10_000, clock.now_millis());
}

#[tokio::test]
async fn fifo_dedup_scope_message_group_keeps_groups_apart() {
    let (engine, _clock, ctx) = setup();
    let url = create(
        &engine,
        &ctx,
        "g.fifo",
        &[
            ("FifoQueue", "true"),
            ("ContentBasedDeduplication", "true"),
            ("DeduplicationScope", "messageGroup"),
            ("FifoThroughputLimit", "perMessageGroupId"),
        ],
    );
    let a = send(&engine, &ctx, &url, "same", Some("a")).expect("a");
    let b = send(&engine, &ctx, &url, "same", Some("b")).expect("b");
    let a2 = send(&engine, &ctx, &url, "same", Some("a")).expect("a again");
    assert_ne!(a.message_id, b.message_id);
    assert_eq!(a.message_id, a2.message_id);
    assert_eq!(a.sequence_number, a2.sequence_number);
    assert_eq!(receive(&engine, &ctx, &url).await.len(), 2);
}

#[tokio::test]
async fn fifo_without_dedup_id_or_content_dedup_is_rejected() {
    let (engine, _clock, ctx) = setup();
    let url = create(&engine, &ctx, "n.fifo", &[("FifoQueue", "true")]);
    let err = send(&engine, &ctx, &url, "x", Some("g")).expect_err("no dedup");
    assert_eq!(err.code, SqsErrorCode::InvalidParameterValue);
    let err = engine
        .create_queue(
            &ctx,
            CreateQueueInput {
                queue_name: Some("bad.fifo".into()),
                attributes: [
                    ("FifoQueue".to_string(), "true".to_string()),
                    ("FifoThroughputLimit".into(), "perMessageGroupId".into()),
                ]
                .into_iter()
                .collect(),
                tags: BTreeMap::new(),
            },
        )
        .expect_err("perMessageGroupId needs messageGroup scope");
    assert_eq!(err.code, SqsErrorCode::InvalidAttributeValue);
}

#[tokio::test]
async fn move_task_moves_one_rate_per_clock_second() {
    let (engine, clock, ctx) = setup();
    let dlq = create(&engine, &ctx, "dlq", &[]);
    let policy =
        r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":1}"#;
    let src = create(&engine, &ctx, "src", &[("RedrivePolicy", policy)]);
    for i in 0..5 {
        send(&engine, &ctx, &src, &format!("m{i}"), None).expect("send");
    }
    // Each message is received once (visibility 0), then the next receive redrives it.
    let input = ReceiveMessageInput {
        visibility_timeout: Some(0),
        ..receive_input(&src, 0)
    };
    assert_eq!(
        engine
            .receive_message(&ctx, input.clone())
            .await
            .expect("r")
            .messages
            .len(),
        5
    );
    assert!(
        engine
            .receive_message(&ctx, input)
            .await
            .expect("r")
            .messages
            .is_empty()
    );
    let count = |url: &str| {
        let q = engine.resolve(&ctx, Some(url)).expect("queue");
        let s = q.lock();
        s.counts(clock.now_millis()).visible
    };
    assert_eq!(count(&dlq), 5);
    engine
        .start_message_move_task(
            &ctx,
            StartMessageMoveTaskInput {
                source_arn: Some("arn:aws:sqs:us-east-1:000000000000:dlq".into()),
                destination_arn: None,
                max_number_of_messages_per_second: Some(2),
            },
        )
        .expect("start");
    assert_eq!(count(&src), 2);
    clock.advance(Duration::from_secs(1));
    settle(|| count(&src) == 4).await;
    clock.advance(Duration::from_secs(1));
    settle(|| count(&src) == 5).await;
    let tasks = engine
        .list_message_move_tasks(
            &ctx,
            ListMessageMoveTasksInput {
                source_arn: Some("arn:aws:sqs:us-east-1:000000000000:dlq".into()),
                max_results: Some(10),
            },
        )
        .expect("list");
    settle(|| {
        engine
            .list_message_move_tasks(
                &ctx,
                ListMessageMoveTasksInput {
                    source_arn: Some("arn:aws:sqs:us-east-1:000000000000:dlq".into()),
                    max_results: None,
                },
            )
            .is_ok_and(|t| t.results[0].status == "COMPLETED")
    })
    .await;
    assert_eq!(tasks.results.len(), 1);
    assert_eq!(tasks.results[0].approximate_number_of_messages_to_move, 5);
    assert_eq!(count(&dlq), 0);
}

#[tokio::test]
async fn move_task_errors() {
    let (engine, _clock, ctx) = setup();
    create(&engine, &ctx, "plain", &[]);
    let start = |arn: &str| {
        engine.start_message_move_task(
            &ctx,
            StartMessageMoveTaskInput {
                source_arn: Some(arn.into()),
                destination_arn: None,
                max_number_of_messages_per_second: None,
            },
        )
    };
    assert_eq!(
        start("arn:aws:sqs:us-east-1:000000000000:plain")
            .map_err(|e| e.code)
            .err(),
        Some(SqsErrorCode::InvalidParameterValue)
    );
    assert_eq!(
        start("arn:aws:sqs:us-east-1:000000000000:nope")
            .map_err(|e| e.code)
            .err(),
        Some(SqsErrorCode::ResourceNotFound)
    );
    let err = engine
        .cancel_message_move_task(
            &ctx,
            CancelMessageMoveTaskInput {
                task_handle: Some("x".into()),
            },
        )
        .expect_err("unknown handle");
    assert_eq!(err.code, SqsErrorCode::ResourceNotFound);
}

#[tokio::test]
async fn redrive_allow_policy_is_enforced() {
    let (engine, _clock, ctx) = setup();
    create(
        &engine,
        &ctx,
        "closed-dlq",
        &[("RedriveAllowPolicy", r#"{"redrivePermission":"denyAll"}"#)],
    );
    let err = engine
        .create_queue(
            &ctx,
            CreateQueueInput {
                queue_name: Some("src".into()),
                attributes: [(
                    "RedrivePolicy".to_string(),
                    r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:closed-dlq","maxReceiveCount":1}"#.to_string(),
                )]
                .into_iter()
                .collect(),
                tags: BTreeMap::new(),
            },
        )
        .expect_err("denied");
    assert_eq!(err.code, SqsErrorCode::InvalidParameterValue);
}

#[test]
fn message_attribute_validation_follows_aws_rules() {
    let attr = |dt: &str, s: Option<&str>, b: Option<&[u8]>| MessageAttributeValue {
        data_type: dt.into(),
        string_value: s.map(str::to_string),
        binary_value: b.map(<[u8]>::to_vec),
        ..Default::default()
    };
    let one = |name: &str, v: MessageAttributeValue| {
        let mut m = MessageAttributes::new();
        m.insert(name.to_string(), v);
        validate_attributes(&m, false)
    };
    assert_eq!(one("ok", attr("String", Some("v"), None)), Ok(2 + 6 + 1));
    assert!(one("n", attr("Number.float", Some("1.5e3"), None)).is_ok());
    assert!(one("b", attr("Binary", None, Some(&[1]))).is_ok());
    for (name, v) in [
        ("AWS.reserved", attr("String", Some("v"), None)),
        ("bad..name", attr("String", Some("v"), None)),
        ("sp ace", attr("String", Some("v"), None)),
        ("t", attr("Text", Some("v"), None)),
        ("e", attr("String", Some(""), None)),
        ("n", attr("Number", Some("abc"), None)),
        ("b", attr("Binary", Some("v"), None)),
    ] {
        assert!(one(name, v).is_err(), "{name} should be rejected");
    }
    let mut many = MessageAttributes::new();
    for i in 0..11 {
        many.insert(format!("a{i}"), attr("String", Some("v"), None));
    }
    assert!(validate_attributes(&many, false).is_err());
}

#[test]
fn attribute_name_filters_match_prefixes_and_all() {
    let req = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(attribute_requested(&req(&["All"]), "x"));
    assert!(attribute_requested(&req(&[".*"]), "x"));
    assert!(attribute_requested(&req(&["foo.*"]), "foo.bar"));
    assert!(!attribute_requested(&req(&["foo.*"]), "foobar"));
    assert!(attribute_requested(&req(&["exact"]), "exact"));
    assert!(!attribute_requested(&req(&["exact"]), "other"));
}
