//! Engine tests with the manual clock: no HTTP, typed inputs, time moved by hand.
//!
//! Every expectation is AWS's documented behaviour (wire.md §1 and the SQS API reference in the
//! botocore model). Tests that show an engine bug are kept and marked `#[ignore = "engine bug:
//! ..."]` so that the suite stays green until the engine is fixed.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::task::JoinHandle;

use super::*;
use crate::clock::ManualClock;

const ACCOUNT: &str = "000000000000";
/// 2026-01-01T00:00:00Z, where `ManualClock::starting_2026` starts.
const T0: u64 = 1_767_225_600_000;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

struct Env {
    engine: Arc<SqsEngine>,
    clock: ManualClock,
    ctx: RequestContext,
}

fn attrs_of(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn string_attr(data_type: &str, value: &str) -> MessageAttributeValue {
    MessageAttributeValue {
        data_type: data_type.into(),
        string_value: Some(value.into()),
        ..Default::default()
    }
}

fn binary_attr(value: &[u8]) -> MessageAttributeValue {
    MessageAttributeValue {
        data_type: "Binary".into(),
        binary_value: Some(value.to_vec()),
        ..Default::default()
    }
}

/// A system attribute of a received message.
fn sys(m: &Message, name: &str) -> Option<String> {
    m.attributes
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

fn bodies(ms: &[Message]) -> Vec<String> {
    ms.iter().map(|m| m.body.to_string()).collect()
}

fn code<T: std::fmt::Debug>(r: SqsResult<T>) -> SqsErrorCode {
    r.expect_err("expected an error").code
}

/// Let spawned tasks run until `done` holds (bounded); panics if it never does.
async fn settle(mut done: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        tokio::task::yield_now().await;
    }
    assert!(done(), "condition never held");
}

/// Give spawned tasks plenty of chances to run.
async fn let_run() {
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
}

/// Wait (bounded, by yielding) for a spawned receive to finish and return its result.
async fn finished(
    poll: JoinHandle<SqsResult<ReceiveMessageOutput>>,
) -> SqsResult<ReceiveMessageOutput> {
    settle(|| poll.is_finished()).await;
    poll.await.expect("receive task")
}

impl Env {
    fn new() -> Self {
        let clock = ManualClock::starting_2026();
        let engine = SqsEngine::new(Arc::new(clock.clone()));
        Env {
            engine,
            clock,
            ctx: RequestContext::new(ACCOUNT, "us-east-1", "localhost:4566"),
        }
    }

    fn now(&self) -> u64 {
        self.clock.now_millis()
    }

    fn advance_ms(&self, ms: u64) {
        self.clock.advance(Duration::from_millis(ms));
    }

    fn advance(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
    }

    fn arn(&self, name: &str) -> String {
        format!("arn:aws:sqs:us-east-1:{ACCOUNT}:{name}")
    }

    fn try_create(&self, name: &str, attrs: &[(&str, &str)]) -> SqsResult<String> {
        self.engine
            .create_queue(
                &self.ctx,
                CreateQueueInput {
                    queue_name: Some(name.into()),
                    attributes: attrs_of(attrs),
                    tags: BTreeMap::new(),
                },
            )
            .map(|o| o.queue_url)
    }

    fn create(&self, name: &str, attrs: &[(&str, &str)]) -> String {
        self.try_create(name, attrs).expect("create queue")
    }

    fn fifo(&self, name: &str, extra: &[(&str, &str)]) -> String {
        let mut attrs = vec![("FifoQueue", "true")];
        attrs.extend_from_slice(extra);
        self.create(name, &attrs)
    }

    fn send_input(&self, input: SendMessageInput) -> SqsResult<SendMessageOutput> {
        self.engine.send_message(&self.ctx, input)
    }

    fn send(&self, url: &str, body: &str) -> SendMessageOutput {
        self.send_input(SendMessageInput {
            queue_url: Some(url.into()),
            message_body: Some(body.into()),
            ..Default::default()
        })
        .expect("send")
    }

    fn send_delayed(&self, url: &str, body: &str, delay: i64) -> SqsResult<SendMessageOutput> {
        self.send_input(SendMessageInput {
            queue_url: Some(url.into()),
            message_body: Some(body.into()),
            delay_seconds: Some(delay),
            ..Default::default()
        })
    }

    fn send_fifo(
        &self,
        url: &str,
        body: &str,
        group: &str,
        dedup: Option<&str>,
    ) -> SqsResult<SendMessageOutput> {
        self.send_input(SendMessageInput {
            queue_url: Some(url.into()),
            message_body: Some(body.into()),
            message_group_id: Some(group.into()),
            message_deduplication_id: dedup.map(str::to_string),
            ..Default::default()
        })
    }

    fn receive_input(url: &str, max: i64) -> ReceiveMessageInput {
        ReceiveMessageInput {
            queue_url: Some(url.into()),
            max_number_of_messages: Some(max),
            wait_time_seconds: Some(0),
            message_system_attribute_names: vec!["All".into()],
            message_attribute_names: vec!["All".into()],
            ..Default::default()
        }
    }

    async fn receive(&self, input: ReceiveMessageInput) -> SqsResult<Vec<Message>> {
        self.engine
            .receive_message(&self.ctx, input)
            .await
            .map(|o| o.messages)
    }

    /// Short-poll receive of up to `max` messages with the queue's visibility timeout.
    async fn recv(&self, url: &str, max: i64) -> Vec<Message> {
        self.receive(Self::receive_input(url, max))
            .await
            .expect("receive")
    }

    /// Short-poll receive with an explicit visibility timeout.
    async fn recv_vt(&self, url: &str, max: i64, vt: i64) -> Vec<Message> {
        self.receive(ReceiveMessageInput {
            visibility_timeout: Some(vt),
            ..Self::receive_input(url, max)
        })
        .await
        .expect("receive")
    }

    /// A receive with `WaitTimeSeconds = wait`, running as its own task.
    fn spawn_poll(&self, url: &str, wait: i64) -> JoinHandle<SqsResult<ReceiveMessageOutput>> {
        let (engine, ctx) = (self.engine.clone(), self.ctx.clone());
        let input = ReceiveMessageInput {
            wait_time_seconds: Some(wait),
            ..Self::receive_input(url, 10)
        };
        tokio::spawn(async move { engine.receive_message(&ctx, input).await })
    }

    /// A receive with no WaitTimeSeconds (the queue's default applies), as its own task.
    fn spawn_default_poll(&self, url: &str) -> JoinHandle<SqsResult<ReceiveMessageOutput>> {
        let (engine, ctx) = (self.engine.clone(), self.ctx.clone());
        let input = ReceiveMessageInput {
            wait_time_seconds: None,
            ..Self::receive_input(url, 10)
        };
        tokio::spawn(async move { engine.receive_message(&ctx, input).await })
    }

    fn delete(&self, url: &str, handle: &str) -> SqsResult<()> {
        self.engine.delete_message(
            &self.ctx,
            DeleteMessageInput {
                queue_url: Some(url.into()),
                receipt_handle: Some(handle.into()),
            },
        )
    }

    fn change(&self, url: &str, handle: &str, vt: i64) -> SqsResult<()> {
        self.engine.change_message_visibility(
            &self.ctx,
            ChangeMessageVisibilityInput {
                queue_url: Some(url.into()),
                receipt_handle: Some(handle.into()),
                visibility_timeout: Some(vt),
            },
        )
    }

    fn queue_attr(&self, url: &str, name: &str) -> Option<String> {
        self.engine
            .get_queue_attributes(
                &self.ctx,
                GetQueueAttributesInput {
                    queue_url: Some(url.into()),
                    attribute_names: vec![name.into()],
                },
            )
            .expect("get attributes")
            .attributes
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// (ApproximateNumberOfMessages, ...NotVisible, ...Delayed) as GetQueueAttributes shows.
    fn counts(&self, url: &str) -> (u64, u64, u64) {
        let out = self
            .engine
            .get_queue_attributes(
                &self.ctx,
                GetQueueAttributesInput {
                    queue_url: Some(url.into()),
                    attribute_names: vec![
                        "ApproximateNumberOfMessages".into(),
                        "ApproximateNumberOfMessagesNotVisible".into(),
                        "ApproximateNumberOfMessagesDelayed".into(),
                    ],
                },
            )
            .expect("get attributes");
        let get = |n: &str| -> u64 {
            out.attributes
                .iter()
                .find(|(k, _)| k == n)
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or_else(|| panic!("{n} missing"))
        };
        (
            get("ApproximateNumberOfMessages"),
            get("ApproximateNumberOfMessagesNotVisible"),
            get("ApproximateNumberOfMessagesDelayed"),
        )
    }

    fn purge(&self, url: &str) -> SqsResult<()> {
        self.engine.purge_queue(
            &self.ctx,
            QueueUrlInput {
                queue_url: Some(url.into()),
            },
        )
    }

    fn delete_queue(&self, url: &str) -> SqsResult<()> {
        self.engine.delete_queue(
            &self.ctx,
            QueueUrlInput {
                queue_url: Some(url.into()),
            },
        )
    }

    fn start_move(
        &self,
        source: &str,
        destination: Option<&str>,
        rate: Option<i64>,
    ) -> SqsResult<StartMessageMoveTaskOutput> {
        self.engine.start_message_move_task(
            &self.ctx,
            StartMessageMoveTaskInput {
                source_arn: Some(source.into()),
                destination_arn: destination.map(str::to_string),
                max_number_of_messages_per_second: rate,
            },
        )
    }

    fn move_tasks(&self, source: &str, max: Option<i64>) -> Vec<ListMessageMoveTasksResultEntry> {
        self.engine
            .list_message_move_tasks(
                &self.ctx,
                ListMessageMoveTasksInput {
                    source_arn: Some(source.into()),
                    max_results: max,
                },
            )
            .expect("list move tasks")
            .results
    }

    fn redrive_policy(&self, dlq: &str, max_receive: u32) -> String {
        format!(
            r#"{{"deadLetterTargetArn":"{}","maxReceiveCount":{max_receive}}}"#,
            self.arn(dlq)
        )
    }

    /// Put `n` messages on `dlq` by exhausting their receives on `source` (maxReceiveCount 1).
    async fn fill_dlq_via(&self, source_url: &str, n: usize, prefix: &str) {
        for i in 0..n {
            self.send(source_url, &format!("{prefix}{i}"));
        }
        // Received once with visibility 0, then the next receive attempt redrives them.
        let mut seen = 0;
        while seen < n {
            let got = self.recv_vt(source_url, 10, 0).await.len();
            assert!(got > 0, "messages vanished before their first receive");
            seen += got;
        }
        assert!(self.recv_vt(source_url, 10, 0).await.is_empty());
        assert_eq!(self.counts(source_url), (0, 0, 0));
    }
}

// ---------------------------------------------------------------------------------------------
// Visibility timeout
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn message_reappears_exactly_when_its_visibility_timeout_ends() {
    let env = Env::new();
    let url = env.create("q", &[("VisibilityTimeout", "10")]);
    env.send(&url, "m");
    env.advance(3);
    let first = env.recv(&url, 10).await;
    assert_eq!(bodies(&first), ["m"]);
    let received_at = env.now();
    assert_eq!(
        sys(&first[0], "ApproximateReceiveCount").as_deref(),
        Some("1")
    );
    assert_eq!(
        sys(&first[0], "ApproximateFirstReceiveTimestamp"),
        Some(received_at.to_string())
    );
    assert_eq!(sys(&first[0], "SentTimestamp"), Some(T0.to_string()));
    assert_eq!(env.counts(&url), (0, 1, 0));

    env.advance_ms(9_999);
    assert!(env.recv(&url, 10).await.is_empty());
    assert_eq!(env.counts(&url), (0, 1, 0));

    env.advance_ms(1);
    assert_eq!(env.counts(&url), (1, 0, 0));
    let second = env.recv(&url, 10).await;
    assert_eq!(bodies(&second), ["m"]);
    assert_eq!(second[0].message_id, first[0].message_id);
    assert_ne!(second[0].receipt_handle, first[0].receipt_handle);
    assert_eq!(
        sys(&second[0], "ApproximateReceiveCount").as_deref(),
        Some("2")
    );
    assert_eq!(
        sys(&second[0], "ApproximateFirstReceiveTimestamp"),
        Some(received_at.to_string()),
        "the first-receive timestamp stays at the first receive"
    );
    assert_eq!(sys(&second[0], "SentTimestamp"), Some(T0.to_string()));

    env.advance(10);
    let third = env.recv(&url, 10).await;
    assert_eq!(
        sys(&third[0], "ApproximateReceiveCount").as_deref(),
        Some("3")
    );
}

#[tokio::test]
async fn receive_visibility_timeout_overrides_the_queue_default() {
    let env = Env::new();
    let url = env.create("q", &[("VisibilityTimeout", "100")]);
    env.send(&url, "m");
    assert_eq!(env.recv_vt(&url, 1, 5).await.len(), 1);
    env.advance_ms(4_999);
    assert!(env.recv(&url, 1).await.is_empty());
    env.advance_ms(1);
    // This receive uses the queue's 100 s again.
    assert_eq!(env.recv(&url, 1).await.len(), 1);
    env.advance(99);
    assert!(env.recv(&url, 1).await.is_empty());
    env.advance(1);
    assert_eq!(env.recv(&url, 1).await.len(), 1);
}

#[tokio::test]
async fn change_message_visibility_counts_from_the_call() {
    let env = Env::new();
    let url = env.create("q", &[("VisibilityTimeout", "10")]);
    env.send(&url, "m");
    let m = env.recv(&url, 1).await.remove(0);
    env.advance(5);
    env.change(&url, &m.receipt_handle, 20).expect("extend");
    // Visible again 20 s after the change (t = 25 s), not at 10 s or 30 s.
    env.advance(5);
    assert!(env.recv(&url, 1).await.is_empty());
    assert_eq!(env.counts(&url), (0, 1, 0));
    env.advance_ms(14_999);
    assert!(env.recv(&url, 1).await.is_empty());
    env.advance_ms(1);
    assert_eq!(env.counts(&url), (1, 0, 0));
    assert_eq!(bodies(&env.recv(&url, 1).await), ["m"]);
}

#[tokio::test]
async fn change_message_visibility_zero_makes_the_message_visible_now() {
    let env = Env::new();
    let url = env.create("q", &[("VisibilityTimeout", "60")]);
    env.send(&url, "m");
    let m = env.recv(&url, 1).await.remove(0);
    env.change(&url, &m.receipt_handle, 0).expect("release");
    assert_eq!(env.counts(&url), (1, 0, 0));
    let again = env.recv(&url, 1).await;
    assert_eq!(again[0].message_id, m.message_id);
    // The changed timeout is not remembered: this receive hides it for the queue's 60 s.
    env.advance(59);
    assert!(env.recv(&url, 1).await.is_empty());
    env.advance(1);
    assert_eq!(env.recv(&url, 1).await.len(), 1);
}

#[tokio::test]
async fn change_message_visibility_cannot_exceed_twelve_hours_from_the_receive() {
    // AWS: the visibility of a received message can be extended up to 12 hours in total;
    // asking for more than the time left is rejected (InvalidParameterValue, "Total
    // VisibilityTimeout for the message is beyond the limit [43200 seconds]").
    let env = Env::new();
    let url = env.create("q", &[]);
    env.send(&url, "m");
    let m = env.recv_vt(&url, 1, 7_200).await.remove(0);
    env.advance(3_600);
    let err = env
        .change(&url, &m.receipt_handle, 43_200)
        .expect_err("beyond 12 h");
    assert_eq!(err.code, SqsErrorCode::InvalidParameterValue);
    assert_eq!(
        err.message,
        "Value 43200 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout \
         for the message is beyond the limit [43200 seconds]"
    );
    // What is left (11 h) is fine.
    env.change(&url, &m.receipt_handle, 39_600)
        .expect("within the 12 h");
}

#[tokio::test]
async fn change_visibility_and_delete_validate_their_input() {
    let env = Env::new();
    let url = env.create("q", &[]);
    env.send(&url, "m");
    let m = env.recv(&url, 1).await.remove(0);
    for vt in [-1, 43_201] {
        assert_eq!(
            code(env.change(&url, &m.receipt_handle, vt)),
            SqsErrorCode::InvalidParameterValue,
            "{vt}"
        );
    }
    env.change(&url, &m.receipt_handle, 43_200)
        .expect("12 h at once is allowed");
    assert_eq!(
        code(env.change(&url, "not-a-handle", 10)),
        SqsErrorCode::ReceiptHandleIsInvalid
    );
    assert_eq!(
        code(env.delete(&url, "not-a-handle")),
        SqsErrorCode::ReceiptHandleIsInvalid
    );
    // A receipt handle of another queue is not valid here either.
    let other = env.create("other", &[]);
    assert_eq!(
        code(env.delete(&other, &m.receipt_handle)),
        SqsErrorCode::ReceiptHandleIsInvalid
    );
    env.delete(&url, &m.receipt_handle).expect("delete");
    assert_eq!(env.counts(&url), (0, 0, 0));
    // Deleting again with the same handle is not an error.
    env.delete(&url, &m.receipt_handle)
        .expect("repeat delete is accepted");
}

// ---------------------------------------------------------------------------------------------
// Delays and counts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn queue_delay_hides_new_messages_until_due() {
    let env = Env::new();
    let url = env.create("q", &[("DelaySeconds", "5")]);
    env.send(&url, "d");
    assert_eq!(env.counts(&url), (0, 0, 1));
    env.advance_ms(4_999);
    assert!(env.recv(&url, 10).await.is_empty());
    assert_eq!(env.counts(&url), (0, 0, 1));
    env.advance_ms(1);
    assert_eq!(env.counts(&url), (1, 0, 0));
    let m = env.recv(&url, 10).await;
    assert_eq!(bodies(&m), ["d"]);
    // SentTimestamp is the send, not the end of the delay.
    assert_eq!(sys(&m[0], "SentTimestamp"), Some(T0.to_string()));
}

#[tokio::test]
async fn per_message_delay_overrides_the_queue_delay() {
    let env = Env::new();
    let url = env.create("q", &[("DelaySeconds", "10")]);
    env.send_delayed(&url, "two", 2).expect("send");
    env.send_delayed(&url, "zero", 0).expect("send");
    env.send(&url, "queue-default");
    assert_eq!(env.counts(&url), (1, 0, 2));
    assert_eq!(bodies(&env.recv(&url, 10).await), ["zero"]);
    env.advance(2);
    assert_eq!(bodies(&env.recv(&url, 10).await), ["two"]);
    env.advance(7);
    assert!(env.recv(&url, 10).await.is_empty());
    env.advance(1);
    assert_eq!(bodies(&env.recv(&url, 10).await), ["queue-default"]);
}

#[tokio::test]
async fn delay_seconds_out_of_range_is_rejected() {
    let env = Env::new();
    let url = env.create("q", &[]);
    for d in [-1, 901] {
        assert_eq!(
            code(env.send_delayed(&url, "x", d)),
            SqsErrorCode::InvalidParameterValue,
            "{d}"
        );
    }
    env.send_delayed(&url, "x", 900)
        .expect("15 min is the maximum");
    assert_eq!(env.counts(&url), (0, 0, 1));
    env.advance(900);
    assert_eq!(env.counts(&url), (1, 0, 0));
}

#[tokio::test]
async fn approximate_counts_track_visible_in_flight_and_delayed() {
    let env = Env::new();
    let url = env.create("q", &[("VisibilityTimeout", "30")]);
    assert_eq!(env.counts(&url), (0, 0, 0));
    for i in 0..4 {
        env.send(&url, &format!("v{i}"));
    }
    env.send_delayed(&url, "later", 60).expect("send");
    assert_eq!(env.counts(&url), (4, 0, 1));
    let got = env.recv(&url, 3).await;
    assert_eq!(got.len(), 3);
    assert_eq!(env.counts(&url), (1, 3, 1));
    env.delete(&url, &got[0].receipt_handle).expect("delete");
    assert_eq!(env.counts(&url), (1, 2, 1));
    env.advance(30);
    assert_eq!(env.counts(&url), (3, 0, 1));
    env.advance(30);
    assert_eq!(env.counts(&url), (4, 0, 0));
}

#[tokio::test]
async fn max_number_of_messages_defaults_to_one() {
    let env = Env::new();
    let url = env.create("q", &[]);
    for i in 0..3 {
        env.send(&url, &format!("m{i}"));
    }
    let got = env
        .receive(ReceiveMessageInput {
            queue_url: Some(url.clone()),
            ..Default::default()
        })
        .await
        .expect("receive");
    assert_eq!(got.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Retention, purge, delete and re-create
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn messages_expire_after_the_retention_period() {
    let env = Env::new();
    let url = env.create("q", &[("MessageRetentionPeriod", "60")]);
    env.send(&url, "old-1");
    env.send(&url, "old-2");
    env.advance(30);
    env.send(&url, "younger");
    let got = env.recv_vt(&url, 1, 300).await;
    assert_eq!(bodies(&got), ["old-1"]);
    env.advance(29);
    assert_eq!(env.counts(&url), (2, 1, 0));
    env.advance(2); // t = 61 s
    assert_eq!(
        env.counts(&url),
        (1, 0, 0),
        "both 61 s old messages are gone, in flight or not"
    );
    assert_eq!(bodies(&env.recv(&url, 10).await), ["younger"]);
    env.advance(30);
    assert_eq!(env.counts(&url), (0, 0, 0));
}

#[tokio::test]
async fn purge_empties_the_queue_once_per_sixty_seconds() {
    let env = Env::new();
    let url = env.create("q", &[]);
    env.send(&url, "a");
    env.send(&url, "b");
    env.send_delayed(&url, "c", 30).expect("send");
    assert_eq!(env.recv(&url, 1).await.len(), 1);
    env.purge(&url).expect("purge");
    assert_eq!(env.counts(&url), (0, 0, 0));
    assert!(env.recv(&url, 10).await.is_empty());
    let err = env.purge(&url).expect_err("second purge");
    assert_eq!(err.code, SqsErrorCode::PurgeQueueInProgress);
    assert_eq!(err.code.status(), 403);
    env.advance(59);
    assert_eq!(code(env.purge(&url)), SqsErrorCode::PurgeQueueInProgress);
    env.advance(1);
    env.send(&url, "after");
    env.purge(&url).expect("allowed again after 60 s");
    assert_eq!(env.counts(&url), (0, 0, 0));
    // Another queue is not affected by this queue's purge limit.
    let other = env.create("other", &[]);
    env.purge(&other).expect("purge other");
}

#[tokio::test]
async fn purge_of_a_fifo_queue_releases_locked_groups() {
    let env = Env::new();
    let url = env.fifo("p.fifo", &[("ContentBasedDeduplication", "true")]);
    env.send_fifo(&url, "1", "g", None).expect("send");
    assert_eq!(env.recv(&url, 1).await.len(), 1);
    env.purge(&url).expect("purge");
    env.send_fifo(&url, "2", "g", None).expect("send");
    assert_eq!(bodies(&env.recv(&url, 10).await), ["2"]);
}

#[tokio::test]
async fn a_deleted_queue_name_can_be_reused_only_after_sixty_seconds() {
    let env = Env::new();
    let url = env.create("q", &[]);
    env.send(&url, "old");
    env.delete_queue(&url).expect("delete");
    assert_eq!(
        code(env.engine.get_queue_url(
            &env.ctx,
            GetQueueUrlInput {
                queue_name: Some("q".into()),
                queue_owner_aws_account_id: None,
            },
        )),
        SqsErrorCode::QueueDoesNotExist
    );
    assert_eq!(
        code(env.send_input(SendMessageInput {
            queue_url: Some(url.clone()),
            message_body: Some("x".into()),
            ..Default::default()
        })),
        SqsErrorCode::QueueDoesNotExist
    );
    assert_eq!(
        code(env.delete_queue(&url)),
        SqsErrorCode::QueueDoesNotExist
    );
    env.advance(59);
    let err = env.try_create("q", &[]).expect_err("too soon");
    assert_eq!(err.code, SqsErrorCode::QueueDeletedRecently);
    assert_eq!(
        err.code.legacy_code(),
        "AWS.SimpleQueueService.QueueDeletedRecently"
    );
    // Other names are not affected.
    env.create("q2", &[]);
    env.advance(1);
    let again = env.create("q", &[]);
    assert_eq!(again, url);
    assert_eq!(env.counts(&again), (0, 0, 0), "the new queue starts empty");
}

#[tokio::test]
async fn create_queue_is_idempotent_only_with_the_same_attributes() {
    let env = Env::new();
    let url = env.create("q", &[("VisibilityTimeout", "40")]);
    assert_eq!(env.create("q", &[("VisibilityTimeout", "40")]), url);
    assert_eq!(
        code(env.try_create("q", &[("VisibilityTimeout", "41")])),
        SqsErrorCode::QueueNameExists
    );
    assert_eq!(url, "http://localhost:4566/000000000000/q");
    assert_eq!(env.queue_attr(&url, "QueueArn"), Some(env.arn("q")));
    assert_eq!(
        env.queue_attr(&url, "CreatedTimestamp"),
        Some((T0 / 1000).to_string()),
        "timestamps are epoch seconds"
    );
}

// ---------------------------------------------------------------------------------------------
// Long polling
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn long_poll_returns_as_soon_as_a_message_is_sent() {
    let env = Env::new();
    let url = env.create("q", &[]);
    let poll = env.spawn_poll(&url, 20);
    let_run().await;
    assert!(!poll.is_finished(), "an empty long poll waits");
    env.send(&url, "now");
    let out = finished(poll).await.expect("receive");
    assert_eq!(bodies(&out.messages), ["now"]);
    assert_eq!(env.now(), T0, "no time had to pass");
}

#[tokio::test]
async fn long_poll_returns_empty_at_its_deadline() {
    let env = Env::new();
    let url = env.create("q", &[]);
    let poll = env.spawn_poll(&url, 20);
    let_run().await;
    env.advance_ms(19_999);
    let_run().await;
    assert!(!poll.is_finished(), "still waiting before 20 s");
    env.advance_ms(1);
    let out = finished(poll).await.expect("receive");
    assert!(out.messages.is_empty());
}

#[tokio::test]
async fn long_poll_ends_at_shutdown() {
    let env = Env::new();
    let url = env.create("q", &[]);
    let poll = env.spawn_poll(&url, 20);
    let_run().await;
    env.engine.shutdown();
    assert!(finished(poll).await.expect("receive").messages.is_empty());
}

#[tokio::test]
async fn deleting_a_queue_ends_its_long_polls() {
    let env = Env::new();
    let url = env.create("q", &[]);
    let poll = env.spawn_poll(&url, 20);
    let_run().await;
    env.delete_queue(&url).expect("delete");
    assert_eq!(code(finished(poll).await), SqsErrorCode::QueueDoesNotExist);
}

#[tokio::test]
async fn a_delayed_message_wakes_a_waiting_long_poll_when_due() {
    let env = Env::new();
    let url = env.create("q", &[]);
    env.send_delayed(&url, "later", 5).expect("send");
    let poll = env.spawn_poll(&url, 20);
    let_run().await;
    env.advance_ms(4_999);
    let_run().await;
    assert!(!poll.is_finished());
    env.advance_ms(1);
    let out = finished(poll).await.expect("receive");
    assert_eq!(bodies(&out.messages), ["later"]);
}

#[tokio::test]
async fn a_message_whose_visibility_ends_wakes_a_waiting_long_poll() {
    let env = Env::new();
    let url = env.create("q", &[("VisibilityTimeout", "5")]);
    env.send(&url, "m");
    assert_eq!(env.recv(&url, 1).await.len(), 1);
    let poll = env.spawn_poll(&url, 20);
    let_run().await;
    assert!(!poll.is_finished());
    env.advance(5);
    let out = finished(poll).await.expect("receive");
    assert_eq!(bodies(&out.messages), ["m"]);
}

#[tokio::test]
async fn change_visibility_to_zero_wakes_a_waiting_long_poll() {
    let env = Env::new();
    let url = env.create("q", &[]);
    env.send(&url, "m");
    let m = env.recv(&url, 1).await.remove(0);
    let poll = env.spawn_poll(&url, 20);
    let_run().await;
    assert!(!poll.is_finished());
    env.change(&url, &m.receipt_handle, 0).expect("change");
    let out = finished(poll).await.expect("receive");
    assert_eq!(bodies(&out.messages), ["m"]);
}

#[tokio::test]
async fn receive_message_wait_time_seconds_is_the_default_wait() {
    let env = Env::new();
    let url = env.create("q", &[("ReceiveMessageWaitTimeSeconds", "20")]);
    let poll = env.spawn_default_poll(&url);
    let_run().await;
    assert!(
        !poll.is_finished(),
        "without WaitTimeSeconds the queue's 20 s apply"
    );
    env.send(&url, "m");
    assert_eq!(finished(poll).await.expect("receive").messages.len(), 1);
    // WaitTimeSeconds=0 in the request overrides the queue's default: a short poll.
    let out = env.recv(&url, 1).await;
    assert!(out.is_empty());
}

#[tokio::test]
async fn deleting_the_in_flight_fifo_message_wakes_a_long_poll_for_the_next_in_its_group() {
    // AWS: a long poll returns as soon as a message is available; deleting the in-flight head
    // of a FIFO group makes the next message of that group available at once.
    let env = Env::new();
    let url = env.fifo("w.fifo", &[("ContentBasedDeduplication", "true")]);
    env.send_fifo(&url, "1", "g", None).expect("send");
    env.send_fifo(&url, "2", "g", None).expect("send");
    let first = env.recv(&url, 1).await.remove(0);
    let poll = env.spawn_poll(&url, 20);
    let_run().await;
    assert!(!poll.is_finished(), "the group is locked by message 1");
    env.delete(&url, &first.receipt_handle).expect("delete");
    let out = finished(poll).await.expect("receive");
    assert_eq!(bodies(&out.messages), ["2"]);
}

#[tokio::test]
async fn deleting_fifo_messages_in_a_batch_wakes_a_long_poll_for_their_groups() {
    let env = Env::new();
    let url = env.fifo("wb.fifo", &[("ContentBasedDeduplication", "true")]);
    for (body, group) in [("a1", "a"), ("a2", "a"), ("b1", "b"), ("b2", "b")] {
        env.send_fifo(&url, body, group, None).expect("send");
    }
    let first = env.recv(&url, 10).await;
    assert_eq!(bodies(&first), ["a1", "a2", "b1", "b2"]);
    env.send_fifo(&url, "a3", "a", None).expect("send");
    let poll = env.spawn_poll(&url, 20);
    let_run().await;
    assert!(!poll.is_finished(), "group a is locked by a1 and a2");
    let out = env
        .engine
        .delete_message_batch(
            &env.ctx,
            DeleteMessageBatchInput {
                queue_url: Some(url.clone()),
                entries: first
                    .iter()
                    .enumerate()
                    .map(|(i, m)| DeleteMessageBatchEntry {
                        id: Some(format!("e{i}")),
                        receipt_handle: Some(m.receipt_handle.clone()),
                    })
                    .collect(),
            },
        )
        .expect("delete batch");
    assert_eq!(out.successful.len(), 4);
    let out = finished(poll).await.expect("receive");
    assert_eq!(bodies(&out.messages), ["a3"]);
}

// ---------------------------------------------------------------------------------------------
// FIFO queues
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn fifo_keeps_order_within_each_group() {
    let env = Env::new();
    let url = env.fifo("o.fifo", &[("ContentBasedDeduplication", "true")]);
    for (body, group) in [
        ("a1", "a"),
        ("b1", "b"),
        ("a2", "a"),
        ("c1", "c"),
        ("b2", "b"),
        ("a3", "a"),
    ] {
        env.send_fifo(&url, body, group, None).expect("send");
    }
    let got = env.recv(&url, 10).await;
    assert_eq!(got.len(), 6);
    for group in ["a", "b", "c"] {
        let in_group: Vec<String> = got
            .iter()
            .filter(|m| sys(m, "MessageGroupId").as_deref() == Some(group))
            .map(|m| m.body.to_string())
            .collect();
        let expected: Vec<String> = (1..=in_group.len())
            .map(|i| format!("{group}{i}"))
            .collect();
        assert_eq!(in_group, expected, "order within group {group}");
    }
}

#[tokio::test]
async fn fifo_group_is_locked_while_a_message_is_in_flight() {
    let env = Env::new();
    let url = env.fifo(
        "l.fifo",
        &[
            ("ContentBasedDeduplication", "true"),
            ("VisibilityTimeout", "10"),
        ],
    );
    for body in ["1", "2", "3"] {
        env.send_fifo(&url, body, "g", None).expect("send");
    }
    env.send_fifo(&url, "other", "h", None).expect("send");
    let first = env.recv(&url, 1).await;
    assert_eq!(bodies(&first), ["1"]);
    // Group g is locked; only group h can be served.
    let other = env.recv(&url, 10).await;
    assert_eq!(bodies(&other), ["other"]);
    assert!(env.recv(&url, 10).await.is_empty());
    env.delete(&url, &other[0].receipt_handle).expect("delete");
    // When the visibility timeout ends, message 1 comes back first, still in order.
    env.advance(10);
    let again = env.recv(&url, 1).await;
    assert_eq!(bodies(&again), ["1"]);
    assert_eq!(again[0].message_id, first[0].message_id);
    env.delete(&url, &again[0].receipt_handle).expect("delete");
    assert_eq!(bodies(&env.recv(&url, 10).await), ["2", "3"]);
}

#[tokio::test]
async fn fifo_deduplicates_by_id_for_five_minutes() {
    let env = Env::new();
    let url = env.fifo("d.fifo", &[]);
    let first = env.send_fifo(&url, "one", "g", Some("k")).expect("send");
    env.advance(60);
    let dup = env
        .send_fifo(&url, "different body", "g", Some("k"))
        .expect("a duplicate is accepted");
    assert_eq!(dup.message_id, first.message_id);
    assert_eq!(env.counts(&url), (1, 0, 0), "no second message");
    // Still a duplicate after the original was received and deleted.
    let m = env.recv(&url, 10).await.remove(0);
    assert_eq!(&*m.body, "one");
    env.delete(&url, &m.receipt_handle).expect("delete");
    env.advance(238); // 4 min 58 s after the first send
    let dup = env.send_fifo(&url, "one", "g", Some("k")).expect("send");
    assert_eq!(dup.message_id, first.message_id);
    assert_eq!(env.counts(&url), (0, 0, 0));
    // After the 5-minute window the same id is a new message.
    env.advance(3);
    let fresh = env.send_fifo(&url, "one", "g", Some("k")).expect("send");
    assert_ne!(fresh.message_id, first.message_id);
    assert_eq!(env.counts(&url), (1, 0, 0));
}

#[tokio::test]
async fn fifo_content_based_deduplication_uses_the_body_only() {
    let env = Env::new();
    let url = env.fifo("c.fifo", &[("ContentBasedDeduplication", "true")]);
    let first = env.send_fifo(&url, "same", "g", None).expect("send");
    let dup = env
        .send_input(SendMessageInput {
            queue_url: Some(url.clone()),
            message_body: Some("same".into()),
            message_group_id: Some("g".into()),
            message_attributes: [("a".to_string(), string_attr("String", "x"))]
                .into_iter()
                .collect(),
            ..Default::default()
        })
        .expect("send");
    assert_eq!(dup.message_id, first.message_id, "attributes do not count");
    // An explicit id overrides the generated one.
    let explicit = env
        .send_fifo(&url, "same", "g", Some("own-id"))
        .expect("send");
    assert_ne!(explicit.message_id, first.message_id);
    let other = env.send_fifo(&url, "other", "g", None).expect("send");
    assert_ne!(other.message_id, first.message_id);
    assert_eq!(env.counts(&url), (3, 0, 0));
    env.advance(301);
    let fresh = env.send_fifo(&url, "same", "g", None).expect("send");
    assert_ne!(fresh.message_id, first.message_id);
    assert_eq!(env.counts(&url), (4, 0, 0));
}

#[tokio::test]
async fn fifo_content_dedup_id_equals_an_explicit_sha256_id() {
    // AWS: the generated MessageDeduplicationId is the SHA-256 of the body; a later message
    // whose explicit id equals it is a duplicate.
    let env = Env::new();
    let url = env.fifo("s.fifo", &[("ContentBasedDeduplication", "true")]);
    let first = env.send_fifo(&url, "body", "g", None).expect("send");
    let sha = md5::hex(&Sha256::digest(b"body"));
    let dup = env.send_fifo(&url, "x", "g", Some(&sha)).expect("send");
    assert_eq!(dup.message_id, first.message_id);
    let m = env.recv(&url, 10).await;
    assert_eq!(m.len(), 1);
    assert_eq!(sys(&m[0], "MessageDeduplicationId"), Some(sha));
}

#[tokio::test]
async fn fifo_dedup_scope_message_group_keeps_groups_apart() {
    let env = Env::new();
    let url = env.fifo(
        "g.fifo",
        &[
            ("ContentBasedDeduplication", "true"),
            ("DeduplicationScope", "messageGroup"),
            ("FifoThroughputLimit", "perMessageGroupId"),
        ],
    );
    let a = env.send_fifo(&url, "same", "a", None).expect("a");
    let b = env.send_fifo(&url, "same", "b", None).expect("b");
    let a2 = env.send_fifo(&url, "same", "a", None).expect("a again");
    let b2 = env.send_fifo(&url, "x", "b", Some("k")).expect("b k");
    let a3 = env.send_fifo(&url, "y", "a", Some("k")).expect("a k");
    assert_ne!(a.message_id, b.message_id);
    assert_eq!(a.message_id, a2.message_id);
    assert_ne!(b2.message_id, a3.message_id);
    assert_eq!(env.recv(&url, 10).await.len(), 4);

    // With the default queue scope the same ids collide across groups.
    let q = env.fifo("q.fifo", &[("ContentBasedDeduplication", "true")]);
    let a = env.send_fifo(&q, "same", "a", None).expect("a");
    let b = env.send_fifo(&q, "same", "b", None).expect("b");
    assert_eq!(a.message_id, b.message_id);
    assert_eq!(env.counts(&q), (1, 0, 0));
}

#[tokio::test]
async fn fifo_sequence_numbers_increase_and_are_reported_on_receive() {
    let env = Env::new();
    let url = env.fifo("n.fifo", &[("ContentBasedDeduplication", "true")]);
    let mut last = 0u128;
    let mut sent = Vec::new();
    for i in 0..5 {
        let group = if i % 2 == 0 { "a" } else { "b" };
        let out = env
            .send_fifo(&url, &format!("m{i}"), group, None)
            .expect("send");
        let seq = out.sequence_number.clone().expect("FIFO sends return one");
        assert!(seq.bytes().all(|b| b.is_ascii_digit()), "{seq}");
        let n: u128 = seq.parse().expect("numeric");
        assert!(n > last, "{n} after {last}");
        last = n;
        sent.push((out.message_id, seq));
    }
    let got = env.recv(&url, 10).await;
    assert_eq!(got.len(), 5);
    for m in &got {
        let (_, seq) = sent
            .iter()
            .find(|(id, _)| *id == m.message_id)
            .expect("sent");
        assert_eq!(sys(m, "SequenceNumber").as_ref(), Some(seq));
        assert!(sys(m, "MessageGroupId").is_some());
        assert!(sys(m, "MessageDeduplicationId").is_some());
    }
    // Standard queues have no sequence numbers.
    let std = env.create("std", &[]);
    assert_eq!(env.send(&std, "x").sequence_number, None);
}

#[tokio::test]
async fn fifo_send_rules() {
    let env = Env::new();
    let url = env.fifo("r.fifo", &[("ContentBasedDeduplication", "true")]);
    let missing_group = env.send_input(SendMessageInput {
        queue_url: Some(url.clone()),
        message_body: Some("x".into()),
        ..Default::default()
    });
    assert_eq!(code(missing_group), SqsErrorCode::MissingParameter);
    let delayed = env.send_input(SendMessageInput {
        queue_url: Some(url.clone()),
        message_body: Some("x".into()),
        message_group_id: Some("g".into()),
        delay_seconds: Some(5),
        ..Default::default()
    });
    assert_eq!(
        code(delayed),
        SqsErrorCode::InvalidParameterValue,
        "per-message delays are not allowed on FIFO queues"
    );
    assert_eq!(
        code(env.send_fifo(&url, "x", &"g".repeat(129), None)),
        SqsErrorCode::InvalidParameterValue
    );
    assert_eq!(
        code(env.send_fifo(&url, "x", "g", Some(&"d".repeat(129)))),
        SqsErrorCode::InvalidParameterValue
    );
    env.send_fifo(&url, "x", &"g".repeat(128), Some(&"d".repeat(128)))
        .expect("128 characters are allowed");
    // Without content-based deduplication an id is required.
    let plain = env.fifo("plain.fifo", &[]);
    assert_eq!(
        code(env.send_fifo(&plain, "x", "g", None)),
        SqsErrorCode::InvalidParameterValue
    );
    // A deduplication id on a standard queue is rejected; a group id (fair queues) is not.
    let std = env.create("std", &[]);
    env.send_fifo(&std, "x", "tenant-1", None)
        .expect("MessageGroupId is allowed on standard queues");
    assert_eq!(
        code(env.send_fifo(&std, "x", "g", Some("d"))),
        SqsErrorCode::InvalidParameterValue
    );
}

#[tokio::test]
async fn fifo_queue_delay_applies_to_every_message() {
    let env = Env::new();
    let url = env.fifo(
        "qd.fifo",
        &[("ContentBasedDeduplication", "true"), ("DelaySeconds", "3")],
    );
    env.send_fifo(&url, "1", "g", None).expect("send");
    assert_eq!(env.counts(&url), (0, 0, 1));
    env.advance_ms(2_999);
    assert!(env.recv(&url, 10).await.is_empty());
    env.advance_ms(1);
    assert_eq!(bodies(&env.recv(&url, 10).await), ["1"]);
}

#[tokio::test]
async fn fifo_receive_request_attempt_id_replays_the_same_messages() {
    let env = Env::new();
    let url = env.fifo(
        "a.fifo",
        &[
            ("ContentBasedDeduplication", "true"),
            ("VisibilityTimeout", "30"),
        ],
    );
    env.send_fifo(&url, "1", "g", None).expect("send");
    env.send_fifo(&url, "2", "g", None).expect("send");
    let with_attempt = |id: &str| ReceiveMessageInput {
        receive_request_attempt_id: Some(id.into()),
        ..Env::receive_input(&url, 10)
    };
    let first = env.receive(with_attempt("att-1")).await.expect("receive");
    assert_eq!(bodies(&first), ["1", "2"]);
    env.advance(10);
    let replay = env.receive(with_attempt("att-1")).await.expect("replay");
    assert_eq!(bodies(&replay), ["1", "2"]);
    for (a, b) in first.iter().zip(&replay) {
        assert_eq!(a.message_id, b.message_id);
        assert_eq!(a.receipt_handle, b.receipt_handle, "same receipt handles");
    }
    // Another attempt id gets nothing: the group is in flight.
    assert!(
        env.receive(with_attempt("att-2"))
            .await
            .expect("receive")
            .is_empty()
    );
    // The replayed handles are the live ones.
    for m in &replay {
        env.delete(&url, &m.receipt_handle).expect("delete");
    }
    assert_eq!(env.counts(&url), (0, 0, 0));
}

// ---------------------------------------------------------------------------------------------
// Dead-letter queues
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn third_receive_moves_a_message_to_the_dead_letter_queue() {
    let env = Env::new();
    let dlq = env.create("dlq", &[]);
    let src = env.create(
        "src",
        &[
            ("VisibilityTimeout", "5"),
            ("RedrivePolicy", &env.redrive_policy("dlq", 2)),
        ],
    );
    let sent = env
        .send_input(SendMessageInput {
            queue_url: Some(src.clone()),
            message_body: Some("poison".into()),
            message_attributes: [("k".to_string(), string_attr("String", "v"))]
                .into_iter()
                .collect(),
            ..Default::default()
        })
        .expect("send");
    assert_eq!(env.recv(&src, 1).await.len(), 1);
    env.advance(5);
    assert_eq!(env.recv(&src, 1).await.len(), 1);
    env.advance(5);
    assert!(
        env.recv(&src, 1).await.is_empty(),
        "the third attempt moves it instead of returning it"
    );
    assert_eq!(env.counts(&src), (0, 0, 0));
    assert_eq!(env.counts(&dlq), (1, 0, 0));
    let moved = env.recv(&dlq, 10).await;
    assert_eq!(moved.len(), 1);
    let m = &moved[0];
    assert_eq!(m.message_id, sent.message_id);
    assert_eq!(&*m.body, "poison");
    assert_eq!(m.md5_of_body, sent.md5_of_message_body);
    assert_eq!(
        sys(m, "DeadLetterQueueSourceArn"),
        Some(env.arn("src")),
        "the DLQ copy names its source"
    );
    assert_eq!(m.message_attributes.len(), 1);
    assert_eq!(m.md5_of_message_attributes, sent.md5_of_message_attributes);
}

#[tokio::test]
async fn dead_letter_copy_keeps_counting_receives() {
    // botocore model: ApproximateReceiveCount "Returns the number of times a message has been
    // received across all queues but not deleted." Two receives on the source plus one on the
    // DLQ make at least 3.
    let env = Env::new();
    let dlq = env.create("dlq", &[]);
    let src = env.create("src", &[("RedrivePolicy", &env.redrive_policy("dlq", 2))]);
    env.send(&src, "m");
    assert_eq!(env.recv_vt(&src, 1, 0).await.len(), 1);
    assert_eq!(env.recv_vt(&src, 1, 0).await.len(), 1);
    assert!(env.recv_vt(&src, 1, 0).await.is_empty());
    let m = env.recv(&dlq, 1).await.remove(0);
    let count: u32 = sys(&m, "ApproximateReceiveCount")
        .and_then(|v| v.parse().ok())
        .expect("count");
    assert!(count >= 3, "got {count}");
}

#[tokio::test]
async fn standard_dead_letter_copy_keeps_the_original_enqueue_time() {
    // AWS: for standard queues the expiration is always based on the original enqueue
    // timestamp, also after the move to a dead-letter queue.
    let env = Env::new();
    let dlq = env.create("dlq", &[("MessageRetentionPeriod", "60")]);
    let src = env.create("src", &[("RedrivePolicy", &env.redrive_policy("dlq", 1))]);
    env.send(&src, "m");
    assert_eq!(env.recv_vt(&src, 1, 10).await.len(), 1);
    env.advance(30);
    assert!(env.recv(&src, 1).await.is_empty());
    assert_eq!(env.counts(&dlq), (1, 0, 0));
    env.advance(31); // 61 s after the send, 31 s after the move
    assert_eq!(env.counts(&dlq), (0, 0, 0));
}

#[tokio::test]
async fn fifo_dead_letter_copy_restarts_its_retention() {
    // AWS: "For FIFO queues, the enqueue timestamp resets when the message is moved to a
    // dead-letter queue." (SQS Developer Guide, dead-letter queue retention)
    let env = Env::new();
    let dlq = env.fifo("dlq.fifo", &[("MessageRetentionPeriod", "60")]);
    let src = env.fifo(
        "src.fifo",
        &[
            ("ContentBasedDeduplication", "true"),
            ("RedrivePolicy", &env.redrive_policy("dlq.fifo", 1)),
        ],
    );
    env.send_fifo(&src, "m", "g", None).expect("send");
    assert_eq!(env.recv_vt(&src, 1, 10).await.len(), 1);
    env.advance(30);
    assert!(env.recv(&src, 1).await.is_empty());
    assert_eq!(env.counts(&dlq), (1, 0, 0));
    env.advance(31); // 61 s after the send, 31 s after the move
    assert_eq!(
        env.counts(&dlq),
        (1, 0, 0),
        "retention restarts at the move"
    );
    // Only the retention clock restarts: SentTimestamp still says when the message was sent.
    let m = env.recv_vt(&dlq, 1, 0).await.remove(0);
    assert_eq!(sys(&m, "SentTimestamp"), Some(T0.to_string()));
    env.advance(30); // 61 s after the move
    assert_eq!(env.counts(&dlq), (0, 0, 0));
}

#[tokio::test]
async fn fifo_redrive_keeps_the_group_order() {
    let env = Env::new();
    let dlq = env.fifo("dlq.fifo", &[]);
    let src = env.fifo(
        "src.fifo",
        &[
            ("ContentBasedDeduplication", "true"),
            ("RedrivePolicy", &env.redrive_policy("dlq.fifo", 1)),
        ],
    );
    env.send_fifo(&src, "1", "g", None).expect("send");
    env.send_fifo(&src, "2", "g", None).expect("send");
    assert_eq!(bodies(&env.recv_vt(&src, 10, 0).await), ["1", "2"]);
    assert!(env.recv_vt(&src, 10, 0).await.is_empty());
    let moved = env.recv(&dlq, 10).await;
    assert_eq!(bodies(&moved), ["1", "2"]);
    assert!(
        moved
            .iter()
            .all(|m| sys(m, "MessageGroupId").as_deref() == Some("g"))
    );
}

#[tokio::test]
async fn redrive_policy_targets_are_validated() {
    let env = Env::new();
    env.create("std-dlq", &[]);
    env.fifo("fifo-dlq.fifo", &[]);
    assert_eq!(
        code(env.try_create("a", &[("RedrivePolicy", &env.redrive_policy("missing", 3))])),
        SqsErrorCode::InvalidParameterValue,
        "the dead-letter target must exist"
    );
    assert_eq!(
        code(env.try_create(
            "b",
            &[("RedrivePolicy", &env.redrive_policy("fifo-dlq.fifo", 3))]
        )),
        SqsErrorCode::InvalidParameterValue,
        "a standard queue needs a standard DLQ"
    );
    for count in ["0", "1001"] {
        let policy = format!(
            r#"{{"deadLetterTargetArn":"{}","maxReceiveCount":{count}}}"#,
            env.arn("std-dlq")
        );
        assert_eq!(
            code(env.try_create("c", &[("RedrivePolicy", &policy)])),
            SqsErrorCode::InvalidAttributeValue,
            "maxReceiveCount {count}"
        );
    }
    // The count may be a string, as the console writes it.
    let policy = format!(
        r#"{{"deadLetterTargetArn":"{}","maxReceiveCount":"5"}}"#,
        env.arn("std-dlq")
    );
    env.create("d", &[("RedrivePolicy", &policy)]);
}

#[tokio::test]
async fn redrive_allow_policy_is_enforced() {
    let env = Env::new();
    env.create(
        "closed-dlq",
        &[("RedriveAllowPolicy", r#"{"redrivePermission":"denyAll"}"#)],
    );
    assert_eq!(
        code(env.try_create(
            "src",
            &[("RedrivePolicy", &env.redrive_policy("closed-dlq", 1))]
        )),
        SqsErrorCode::InvalidParameterValue
    );
    let by_queue = format!(
        r#"{{"redrivePermission":"byQueue","sourceQueueArns":["{}"]}}"#,
        env.arn("allowed")
    );
    env.create("picky-dlq", &[("RedriveAllowPolicy", &by_queue)]);
    env.create(
        "allowed",
        &[("RedrivePolicy", &env.redrive_policy("picky-dlq", 1))],
    );
    assert_eq!(
        code(env.try_create(
            "not-allowed",
            &[("RedrivePolicy", &env.redrive_policy("picky-dlq", 1))]
        )),
        SqsErrorCode::InvalidParameterValue
    );
}

#[tokio::test]
async fn list_dead_letter_source_queues_lists_the_sources() {
    let env = Env::new();
    let dlq = env.create("dlq", &[]);
    let a = env.create("src-a", &[("RedrivePolicy", &env.redrive_policy("dlq", 3))]);
    let b = env.create("src-b", &[]);
    env.engine
        .set_queue_attributes(
            &env.ctx,
            SetQueueAttributesInput {
                queue_url: Some(b.clone()),
                attributes: Some(attrs_of(&[(
                    "RedrivePolicy",
                    &env.redrive_policy("dlq", 3),
                )])),
            },
        )
        .expect("set redrive policy");
    env.create("unrelated", &[]);
    let list = |url: &str| {
        env.engine
            .list_dead_letter_source_queues(
                &env.ctx,
                ListDeadLetterSourceQueuesInput {
                    queue_url: Some(url.into()),
                    ..Default::default()
                },
            )
            .expect("list")
            .queue_urls
    };
    let mut sources = list(&dlq);
    sources.sort();
    assert_eq!(sources, [a.clone(), b]);
    assert!(list(&a).is_empty());
    assert_eq!(
        code(env.engine.list_dead_letter_source_queues(
            &env.ctx,
            ListDeadLetterSourceQueuesInput {
                queue_url: Some("http://localhost:4566/000000000000/nope".into()),
                ..Default::default()
            },
        )),
        SqsErrorCode::QueueDoesNotExist
    );
}

// ---------------------------------------------------------------------------------------------
// Message move tasks
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn move_task_without_destination_returns_messages_to_their_sources() {
    let env = Env::new();
    let dlq = env.create("dlq", &[]);
    let a = env.create("src-a", &[("RedrivePolicy", &env.redrive_policy("dlq", 1))]);
    let b = env.create("src-b", &[("RedrivePolicy", &env.redrive_policy("dlq", 1))]);
    env.fill_dlq_via(&a, 2, "a").await;
    env.fill_dlq_via(&b, 1, "b").await;
    assert_eq!(env.counts(&dlq), (3, 0, 0));
    env.start_move(&env.arn("dlq"), None, None).expect("start");
    settle(|| env.counts(&dlq) == (0, 0, 0)).await;
    let mut back_a = bodies(&env.recv(&a, 10).await);
    back_a.sort();
    assert_eq!(back_a, ["a0", "a1"]);
    assert_eq!(bodies(&env.recv(&b, 10).await), ["b0"]);
    settle(|| env.move_tasks(&env.arn("dlq"), None)[0].status == "COMPLETED").await;
    let task = &env.move_tasks(&env.arn("dlq"), None)[0];
    assert_eq!(task.approximate_number_of_messages_moved, 3);
    assert_eq!(task.destination_arn, None);
    assert_eq!(task.max_number_of_messages_per_second, None);
    assert_eq!(
        task.task_handle, None,
        "only RUNNING tasks show their handle"
    );
}

#[tokio::test]
async fn move_task_with_destination_moves_messages_there() {
    let env = Env::new();
    let dlq = env.create("dlq", &[]);
    let src = env.create("src", &[("RedrivePolicy", &env.redrive_policy("dlq", 1))]);
    let dest = env.create("dest", &[]);
    env.fill_dlq_via(&src, 3, "m").await;
    env.start_move(&env.arn("dlq"), Some(&env.arn("dest")), None)
        .expect("start");
    settle(|| env.counts(&dest) == (3, 0, 0)).await;
    assert_eq!(env.counts(&dlq), (0, 0, 0));
    assert_eq!(env.counts(&src), (0, 0, 0));
    let mut got = bodies(&env.recv(&dest, 10).await);
    got.sort();
    assert_eq!(got, ["m0", "m1", "m2"]);
    settle(|| env.move_tasks(&env.arn("dlq"), None)[0].status == "COMPLETED").await;
    let task = &env.move_tasks(&env.arn("dlq"), None)[0];
    assert_eq!(task.destination_arn, Some(env.arn("dest")));
    assert_eq!(task.source_arn, env.arn("dlq"));
}

#[tokio::test]
async fn move_task_moves_at_most_its_rate_per_second() {
    let env = Env::new();
    let dlq = env.create("dlq", &[]);
    let src = env.create("src", &[("RedrivePolicy", &env.redrive_policy("dlq", 1))]);
    env.fill_dlq_via(&src, 5, "m").await;
    let started = env.now();
    let handle = env
        .start_move(&env.arn("dlq"), None, Some(2))
        .expect("start")
        .task_handle;
    let visible = |url: &str| env.counts(url).0;
    let_run().await;
    assert_eq!(visible(&src), 2, "the first second's two");
    let running = env.move_tasks(&env.arn("dlq"), None);
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].status, "RUNNING");
    assert_eq!(running[0].task_handle.as_deref(), Some(handle.as_str()));
    assert_eq!(running[0].approximate_number_of_messages_to_move, 5);
    assert_eq!(running[0].approximate_number_of_messages_moved, 2);
    assert_eq!(running[0].max_number_of_messages_per_second, Some(2));
    assert_eq!(running[0].started_timestamp, started);
    // Only one active task per source queue (InvalidParameterValue on AWS).
    let err = env
        .start_move(&env.arn("dlq"), None, None)
        .expect_err("a second task while one runs");
    assert_eq!(err.code, SqsErrorCode::InvalidParameterValue);
    assert_eq!(
        err.message,
        "There is already a task running. Only one active task is allowed for a source queue \
         arn at a given time."
    );

    env.advance(1);
    settle(|| visible(&src) == 4).await;
    let_run().await;
    assert_eq!(visible(&src), 4, "no more than 2 per second");
    assert_eq!(env.move_tasks(&env.arn("dlq"), None)[0].status, "RUNNING");
    env.advance(1);
    settle(|| visible(&src) == 5).await;
    settle(|| env.move_tasks(&env.arn("dlq"), None)[0].status == "COMPLETED").await;
    let done = &env.move_tasks(&env.arn("dlq"), None)[0];
    assert_eq!(done.approximate_number_of_messages_moved, 5);
    assert_eq!(done.task_handle, None);
    assert_eq!(visible(&dlq), 0);
}

#[tokio::test]
async fn cancel_message_move_task_stops_the_move() {
    let env = Env::new();
    let dlq = env.create("dlq", &[]);
    let src = env.create("src", &[("RedrivePolicy", &env.redrive_policy("dlq", 1))]);
    env.fill_dlq_via(&src, 5, "m").await;
    let handle = env
        .start_move(&env.arn("dlq"), None, Some(1))
        .expect("start")
        .task_handle;
    let_run().await;
    assert_eq!(env.counts(&src).0, 1);
    let out = env
        .engine
        .cancel_message_move_task(
            &env.ctx,
            CancelMessageMoveTaskInput {
                task_handle: Some(handle.clone()),
            },
        )
        .expect("cancel");
    assert_eq!(out.approximate_number_of_messages_moved, 1);
    let status = env.move_tasks(&env.arn("dlq"), None)[0].status.clone();
    assert!(
        status == "CANCELLING" || status == "CANCELLED",
        "status {status}"
    );
    for _ in 0..5 {
        env.advance(1);
        let_run().await;
    }
    assert_eq!(env.counts(&src).0, 1, "nothing moves after the cancel");
    assert_eq!(env.counts(&dlq).0, 4);
    settle(|| env.move_tasks(&env.arn("dlq"), None)[0].status == "CANCELLED").await;
    // A task that is no longer running cannot be cancelled again.
    assert_eq!(
        code(env.engine.cancel_message_move_task(
            &env.ctx,
            CancelMessageMoveTaskInput {
                task_handle: Some(handle),
            },
        )),
        SqsErrorCode::ResourceNotFound
    );
    // A new task may start once the old one stopped.
    env.start_move(&env.arn("dlq"), None, None)
        .expect("start again");
    settle(|| env.counts(&src).0 == 5).await;
}

#[tokio::test]
async fn list_message_move_tasks_returns_the_newest_first() {
    let env = Env::new();
    env.create("dlq", &[]);
    let src = env.create("src", &[("RedrivePolicy", &env.redrive_policy("dlq", 1))]);
    env.create("sink", &[]);
    env.fill_dlq_via(&src, 1, "first").await;
    env.start_move(&env.arn("dlq"), Some(&env.arn("sink")), None)
        .expect("start");
    settle(|| env.move_tasks(&env.arn("dlq"), None)[0].status == "COMPLETED").await;
    env.advance(10);
    env.fill_dlq_via(&src, 2, "second").await;
    env.start_move(&env.arn("dlq"), Some(&env.arn("sink")), None)
        .expect("start");
    settle(|| env.move_tasks(&env.arn("dlq"), None)[0].status == "COMPLETED").await;
    let one = env.move_tasks(&env.arn("dlq"), None);
    assert_eq!(one.len(), 1, "MaxResults defaults to 1");
    assert_eq!(one[0].approximate_number_of_messages_moved, 2);
    let all = env.move_tasks(&env.arn("dlq"), Some(10));
    assert_eq!(all.len(), 2);
    assert!(all[0].started_timestamp > all[1].started_timestamp);
    assert_eq!(all[1].approximate_number_of_messages_moved, 1);
    assert_eq!(
        code(env.engine.list_message_move_tasks(
            &env.ctx,
            ListMessageMoveTasksInput {
                source_arn: Some(env.arn("nope")),
                max_results: None,
            },
        )),
        SqsErrorCode::ResourceNotFound
    );
}

#[tokio::test]
async fn move_task_errors() {
    let env = Env::new();
    env.create("plain", &[]);
    env.create("dlq", &[]);
    env.create("src", &[("RedrivePolicy", &env.redrive_policy("dlq", 1))]);
    assert_eq!(
        code(env.start_move(&env.arn("plain"), None, None)),
        SqsErrorCode::InvalidParameterValue,
        "the source must be a dead-letter queue"
    );
    let err = env
        .start_move(&env.arn("nope"), None, None)
        .expect_err("unknown source");
    assert_eq!(err.code, SqsErrorCode::ResourceNotFound);
    assert_eq!(err.code.status(), 404);
    for rate in [0, 501] {
        assert_eq!(
            code(env.start_move(&env.arn("dlq"), None, Some(rate))),
            SqsErrorCode::InvalidParameterValue,
            "rate {rate}"
        );
    }
    assert_eq!(
        code(env.engine.cancel_message_move_task(
            &env.ctx,
            CancelMessageMoveTaskInput {
                task_handle: Some("x".into()),
            },
        )),
        SqsErrorCode::InvalidParameterValue,
        "a malformed handle"
    );
    let unknown = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        r#"{"taskId":"nope","sourceArn":"arn:aws:sqs:us-east-1:000000000000:q"}"#,
    );
    assert_eq!(
        code(env.engine.cancel_message_move_task(
            &env.ctx,
            CancelMessageMoveTaskInput {
                task_handle: Some(unknown),
            },
        )),
        SqsErrorCode::ResourceNotFound,
        "a well-formed handle of no task"
    );
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn queue_names_follow_aws_rules() {
    let env = Env::new();
    let name80 = "a".repeat(80);
    env.create(&name80, &[]);
    env.create("Az09-_", &[]);
    let fifo80 = format!("{}.fifo", "f".repeat(75));
    env.fifo(&fifo80, &[]);
    for bad in [
        String::new(),
        "a".repeat(81),
        "sp ace".into(),
        "dot.ted".into(),
        "slash/x".into(),
        "x.fifo".into(),
    ] {
        assert_eq!(
            code(env.try_create(&bad, &[])),
            SqsErrorCode::InvalidParameterValue,
            "{bad:?}"
        );
    }
    for bad in [
        "nofifo".to_string(),
        ".fifo".into(),
        format!("{}.fifo", "f".repeat(76)),
        "bad name.fifo".into(),
    ] {
        assert_eq!(
            code(env.try_create(&bad, &[("FifoQueue", "true")])),
            SqsErrorCode::InvalidParameterValue,
            "{bad:?}"
        );
    }
    assert_eq!(
        code(env.try_create("ok.fifo", &[("FifoQueue", "false")])),
        SqsErrorCode::InvalidParameterValue
    );
    assert_eq!(
        code(
            env.engine
                .create_queue(&env.ctx, CreateQueueInput::default())
        ),
        SqsErrorCode::MissingParameter
    );
    // Names are case-sensitive.
    let lower = env.create("case", &[]);
    let upper = env.create("CASE", &[]);
    assert_ne!(lower, upper);
}

#[tokio::test]
async fn queue_attribute_ranges_are_enforced() {
    let env = Env::new();
    let cases: &[(&str, &str, &str)] = &[
        ("VisibilityTimeout", "0", "43201"),
        ("VisibilityTimeout", "43200", "-1"),
        ("DelaySeconds", "900", "901"),
        ("MessageRetentionPeriod", "60", "59"),
        ("MessageRetentionPeriod", "1209600", "1209601"),
        ("MaximumMessageSize", "1024", "1023"),
        ("MaximumMessageSize", "1048576", "1048577"),
        ("ReceiveMessageWaitTimeSeconds", "20", "21"),
        ("KmsDataKeyReusePeriodSeconds", "60", "59"),
        ("VisibilityTimeout", "30", "abc"),
    ];
    for (i, (name, good, bad)) in cases.iter().enumerate() {
        env.create(&format!("ok{i}"), &[(name, good)]);
        assert_eq!(
            code(env.try_create(&format!("bad{i}"), &[(name, bad)])),
            SqsErrorCode::InvalidAttributeValue,
            "{name}={bad}"
        );
    }
    assert_eq!(
        code(env.try_create("u", &[("NoSuchAttribute", "1")])),
        SqsErrorCode::InvalidAttributeName
    );
    assert_eq!(
        code(env.try_create("f", &[("ContentBasedDeduplication", "true")])),
        SqsErrorCode::InvalidAttributeName,
        "FIFO-only attributes are unknown on standard queues"
    );
    // SetQueueAttributes: same ranges, and FifoQueue cannot change.
    let url = env.create("s", &[]);
    let set = |k: &str, v: &str| {
        env.engine.set_queue_attributes(
            &env.ctx,
            SetQueueAttributesInput {
                queue_url: Some(url.clone()),
                attributes: Some(attrs_of(&[(k, v)])),
            },
        )
    };
    assert_eq!(
        code(set("VisibilityTimeout", "43201")),
        SqsErrorCode::InvalidAttributeValue
    );
    assert!(set("FifoQueue", "true").is_err());
    set("VisibilityTimeout", "7").expect("set");
    assert_eq!(
        env.queue_attr(&url, "VisibilityTimeout").as_deref(),
        Some("7")
    );
    // GetQueueAttributes with an unknown name.
    assert_eq!(
        code(env.engine.get_queue_attributes(
            &env.ctx,
            GetQueueAttributesInput {
                queue_url: Some(url.clone()),
                attribute_names: vec!["Bogus".into()],
            },
        )),
        SqsErrorCode::InvalidAttributeName
    );
}

#[tokio::test]
async fn receive_message_parameters_are_validated() {
    let env = Env::new();
    let url = env.create("q", &[]);
    let bad = [
        ReceiveMessageInput {
            max_number_of_messages: Some(0),
            ..Env::receive_input(&url, 1)
        },
        ReceiveMessageInput {
            max_number_of_messages: Some(11),
            ..Env::receive_input(&url, 1)
        },
        ReceiveMessageInput {
            wait_time_seconds: Some(21),
            ..Env::receive_input(&url, 1)
        },
        ReceiveMessageInput {
            wait_time_seconds: Some(-1),
            ..Env::receive_input(&url, 1)
        },
        ReceiveMessageInput {
            visibility_timeout: Some(43_201),
            ..Env::receive_input(&url, 1)
        },
        ReceiveMessageInput {
            visibility_timeout: Some(-1),
            ..Env::receive_input(&url, 1)
        },
    ];
    for input in bad {
        let what = format!(
            "max {:?} wait {:?} vt {:?}",
            input.max_number_of_messages, input.wait_time_seconds, input.visibility_timeout
        );
        assert_eq!(
            code(env.receive(input).await),
            SqsErrorCode::InvalidParameterValue,
            "{what}"
        );
    }
    assert_eq!(
        code(
            env.receive(ReceiveMessageInput {
                queue_url: Some("http://localhost:4566/000000000000/nope".into()),
                ..Default::default()
            })
            .await
        ),
        SqsErrorCode::QueueDoesNotExist
    );
    assert_eq!(
        code(env.receive(ReceiveMessageInput::default()).await),
        SqsErrorCode::MissingParameter
    );
}

#[tokio::test]
async fn message_attributes_are_validated_on_send() {
    let env = Env::new();
    let url = env.create("q", &[]);
    let send_attrs = |attrs: Vec<(String, MessageAttributeValue)>| {
        env.send_input(SendMessageInput {
            queue_url: Some(url.clone()),
            message_body: Some("b".into()),
            message_attributes: attrs.into_iter().collect(),
            ..Default::default()
        })
    };
    let ten: Vec<_> = (0..10)
        .map(|i| (format!("a{i}"), string_attr("String", "v")))
        .collect();
    send_attrs(ten.clone()).expect("10 attributes are allowed");
    let mut eleven = ten;
    eleven.push(("a10".into(), string_attr("String", "v")));
    assert_eq!(
        code(send_attrs(eleven)),
        SqsErrorCode::InvalidParameterValue
    );
    for (name, value) in [
        ("AWS.x", string_attr("String", "v")),
        ("amazon.x", string_attr("String", "v")),
        ("a..b", string_attr("String", "v")),
        (".a", string_attr("String", "v")),
        ("a.", string_attr("String", "v")),
        ("sp ace", string_attr("String", "v")),
        ("ok", string_attr("Text", "v")),
        ("ok", string_attr("", "v")),
        ("ok", string_attr("Number", "abc")),
        ("ok", string_attr("String", "")),
        (
            "ok",
            MessageAttributeValue {
                data_type: "String".into(),
                ..Default::default()
            },
        ),
        (
            "ok",
            MessageAttributeValue {
                data_type: "Binary".into(),
                string_value: Some("v".into()),
                ..Default::default()
            },
        ),
    ] {
        let what = format!("{name:?} {value:?}");
        assert!(
            send_attrs(vec![(name.to_string(), value)]).is_err(),
            "{what} should be rejected"
        );
    }
    assert_eq!(
        code(send_attrs(vec![(
            "long".repeat(64) + "x",
            string_attr("String", "v")
        )])),
        SqsErrorCode::InvalidParameterValue,
        "names are at most 256 characters"
    );
    send_attrs(vec![("n".repeat(256), string_attr("String", "v"))]).expect("256 is fine");
    for (dt, v) in [
        ("Number", "42"),
        ("Number", "-1.5"),
        ("Number.int", "7"),
        ("String.custom", "x"),
    ] {
        send_attrs(vec![("a".into(), string_attr(dt, v))])
            .unwrap_or_else(|e| panic!("{dt} {v}: {e}"));
    }
    send_attrs(vec![("b".into(), binary_attr(&[0, 1, 2]))]).expect("binary");
    send_attrs(vec![("Ok_name-1.part".into(), string_attr("String", "v"))]).expect("name chars");
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

#[tokio::test]
async fn system_attributes_accept_only_aws_trace_header() {
    let env = Env::new();
    let url = env.create("q", &[]);
    let send_sys = |name: &str, v: MessageAttributeValue| {
        env.send_input(SendMessageInput {
            queue_url: Some(url.clone()),
            message_body: Some("b".into()),
            message_system_attributes: [(name.to_string(), v)].into_iter().collect(),
            ..Default::default()
        })
    };
    assert!(send_sys("Other", string_attr("String", "v")).is_err());
    assert!(send_sys("AWSTraceHeader", binary_attr(b"v")).is_err());
    let out = send_sys("AWSTraceHeader", string_attr("String", "Root=1-abc")).expect("send");
    assert_eq!(
        out.md5_of_message_system_attributes.as_deref(),
        Some("4777fe4e8f0ac8a9a8da35539c6fb198")
    );
    let m = env.recv(&url, 1).await.remove(0);
    assert_eq!(sys(&m, "AWSTraceHeader").as_deref(), Some("Root=1-abc"));
}

#[tokio::test]
async fn message_bodies_allow_only_xml_characters() {
    let env = Env::new();
    let url = env.create("q", &[]);
    let send = |body: &str| {
        env.send_input(SendMessageInput {
            queue_url: Some(url.clone()),
            message_body: Some(body.into()),
            ..Default::default()
        })
    };
    for bad in [
        "\u{0}", "a\u{1}b", "\u{8}", "\u{1F}", "\u{FFFE}", "\u{FFFF}",
    ] {
        assert_eq!(
            code(send(bad)),
            SqsErrorCode::InvalidMessageContents,
            "{bad:?}"
        );
    }
    for good in [
        "\t\n\r",
        " ~",
        "\u{D7FF}",
        "\u{E000}",
        "\u{FFFD}",
        "\u{10000}",
        "\u{10FFFF}",
        "héllo ✓ 😀",
    ] {
        send(good).unwrap_or_else(|e| panic!("{good:?}: {e}"));
    }
    assert!(send("").is_err(), "the body has at least one character");
    assert_eq!(
        code(env.send_input(SendMessageInput {
            queue_url: Some(url.clone()),
            ..Default::default()
        })),
        SqsErrorCode::MissingParameter
    );
    // Bodies come back byte for byte.
    let body = "line1\r\nline2\ttab <xml> & \"quotes\" 😀";
    send(body).expect("send");
    let got = env.recv(&url, 10).await;
    assert!(got.iter().any(|m| &*m.body == body));
}

#[tokio::test]
async fn message_size_counts_body_and_attributes() {
    let env = Env::new();
    let url = env.create("q", &[]);
    let big = "x".repeat(1_048_576);
    env.send(&url, &big);
    assert_eq!(
        code(env.send_input(SendMessageInput {
            queue_url: Some(url.clone()),
            message_body: Some(format!("{big}x")),
            ..Default::default()
        })),
        SqsErrorCode::InvalidParameterValue
    );
    let small = env.create("small", &[("MaximumMessageSize", "1024")]);
    env.send(&small, &"x".repeat(1024));
    assert_eq!(
        code(env.send_input(SendMessageInput {
            queue_url: Some(small.clone()),
            message_body: Some("x".repeat(1025)),
            ..Default::default()
        })),
        SqsErrorCode::InvalidParameterValue
    );
    // 1000 bytes of body + "name" (4) + "String" (6) + 14 bytes of value = 1024: fits.
    let with_attr = |value_len: usize| {
        env.send_input(SendMessageInput {
            queue_url: Some(small.clone()),
            message_body: Some("x".repeat(1000)),
            message_attributes: [(
                "name".to_string(),
                string_attr("String", &"v".repeat(value_len)),
            )]
            .into_iter()
            .collect(),
            ..Default::default()
        })
    };
    with_attr(14).expect("exactly the maximum");
    assert_eq!(code(with_attr(15)), SqsErrorCode::InvalidParameterValue);
}

#[tokio::test]
async fn send_batch_rules() {
    let env = Env::new();
    let url = env.create("q", &[]);
    let entry = |id: &str, body: &str| SendMessageBatchEntry {
        id: Some(id.into()),
        message_body: Some(body.into()),
        ..Default::default()
    };
    let batch = |entries: Vec<SendMessageBatchEntry>| {
        env.engine.send_message_batch(
            &env.ctx,
            SendMessageBatchInput {
                queue_url: Some(url.clone()),
                entries,
            },
        )
    };
    assert_eq!(code(batch(vec![])), SqsErrorCode::EmptyBatchRequest);
    let eleven: Vec<_> = (0..11).map(|i| entry(&format!("e{i}"), "b")).collect();
    assert_eq!(
        code(batch(eleven)),
        SqsErrorCode::TooManyEntriesInBatchRequest
    );
    assert_eq!(
        code(batch(vec![entry("a", "1"), entry("a", "2")])),
        SqsErrorCode::BatchEntryIdsNotDistinct
    );
    for bad in ["sp ace", "dot.ted", &"i".repeat(81)] {
        assert_eq!(
            code(batch(vec![entry(bad, "1")])),
            SqsErrorCode::InvalidBatchEntryId,
            "{bad:?}"
        );
    }
    let half = "x".repeat(600_000);
    assert_eq!(
        code(batch(vec![entry("a", &half), entry("b", &half)])),
        SqsErrorCode::BatchRequestTooLong
    );
    assert_eq!(
        env.counts(&url),
        (0, 0, 0),
        "rejected batches store nothing"
    );

    // Entries fail one by one: the rest still go through.
    let ok = batch(vec![
        entry(&"i".repeat(80), "hello"),
        entry("bad-body", "\u{1}"),
        SendMessageBatchEntry {
            delay_seconds: Some(901),
            ..entry("bad-delay", "x")
        },
        entry("A-z_09", "world"),
    ])
    .expect("batch");
    let ids: Vec<&str> = ok.successful.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, [&"i".repeat(80) as &str, "A-z_09"]);
    assert_eq!(
        ok.successful[0].result.md5_of_message_body,
        "5d41402abc4b2a76b9719d911017c592"
    );
    let failed: Vec<(&str, &str, bool)> = ok
        .failed
        .iter()
        .map(|f| (f.id.as_str(), f.code.as_str(), f.sender_fault))
        .collect();
    assert_eq!(
        failed,
        [
            ("bad-body", "InvalidMessageContents", true),
            ("bad-delay", "InvalidParameterValue", true)
        ]
    );
    assert_eq!(env.counts(&url), (2, 0, 0));
}

#[tokio::test]
async fn fifo_batch_keeps_entry_order() {
    let env = Env::new();
    let url = env.fifo("b.fifo", &[("ContentBasedDeduplication", "true")]);
    let entries = (0..10)
        .map(|i| SendMessageBatchEntry {
            id: Some(format!("e{i}")),
            message_body: Some(format!("m{i}")),
            message_group_id: Some("g".into()),
            ..Default::default()
        })
        .collect();
    let out = env
        .engine
        .send_message_batch(
            &env.ctx,
            SendMessageBatchInput {
                queue_url: Some(url.clone()),
                entries,
            },
        )
        .expect("batch");
    assert_eq!(out.successful.len(), 10);
    let seqs: Vec<u128> = out
        .successful
        .iter()
        .map(|e| {
            e.result
                .sequence_number
                .as_deref()
                .and_then(|s| s.parse().ok())
                .expect("sequence")
        })
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    let got = env.recv(&url, 10).await;
    let expected: Vec<String> = (0..10).map(|i| format!("m{i}")).collect();
    assert_eq!(bodies(&got), expected);
}

#[tokio::test]
async fn delete_and_change_visibility_batches_follow_the_batch_rules() {
    let env = Env::new();
    let url = env.create("q", &[]);
    for i in 0..3 {
        env.send(&url, &format!("m{i}"));
    }
    let got = env.recv(&url, 10).await;
    assert_eq!(got.len(), 3);
    let del = |entries: Vec<(&str, &str)>| {
        env.engine.delete_message_batch(
            &env.ctx,
            DeleteMessageBatchInput {
                queue_url: Some(url.clone()),
                entries: entries
                    .into_iter()
                    .map(|(id, h)| DeleteMessageBatchEntry {
                        id: Some(id.into()),
                        receipt_handle: Some(h.into()),
                    })
                    .collect(),
            },
        )
    };
    let chg = |entries: Vec<(&str, &str, i64)>| {
        env.engine.change_message_visibility_batch(
            &env.ctx,
            ChangeMessageVisibilityBatchInput {
                queue_url: Some(url.clone()),
                entries: entries
                    .into_iter()
                    .map(|(id, h, vt)| ChangeMessageVisibilityBatchEntry {
                        id: Some(id.into()),
                        receipt_handle: Some(h.into()),
                        visibility_timeout: Some(vt),
                    })
                    .collect(),
            },
        )
    };
    assert_eq!(code(del(vec![])), SqsErrorCode::EmptyBatchRequest);
    assert_eq!(code(chg(vec![])), SqsErrorCode::EmptyBatchRequest);
    let eleven: Vec<String> = (0..11).map(|i| format!("e{i}")).collect();
    assert_eq!(
        code(del(eleven.iter().map(|i| (i.as_str(), "h")).collect())),
        SqsErrorCode::TooManyEntriesInBatchRequest
    );
    assert_eq!(
        code(chg(eleven.iter().map(|i| (i.as_str(), "h", 0)).collect())),
        SqsErrorCode::TooManyEntriesInBatchRequest
    );
    assert_eq!(
        code(del(vec![("x", "h"), ("x", "h")])),
        SqsErrorCode::BatchEntryIdsNotDistinct
    );
    assert_eq!(
        code(chg(vec![("x", "h", 0), ("x", "h", 0)])),
        SqsErrorCode::BatchEntryIdsNotDistinct
    );
    assert_eq!(
        code(del(vec![("no good", "h")])),
        SqsErrorCode::InvalidBatchEntryId
    );

    let out = chg(vec![
        ("c0", got[0].receipt_handle.as_str(), 0),
        ("bad", "garbage", 0),
    ])
    .expect("change batch");
    assert_eq!(out.successful, [BatchIdEntry { id: "c0".into() }]);
    assert_eq!(out.failed.len(), 1);
    assert_eq!(out.failed[0].id, "bad");
    assert_eq!(out.failed[0].code, "ReceiptHandleIsInvalid");
    assert!(out.failed[0].sender_fault);
    assert_eq!(env.counts(&url), (1, 2, 0));

    let out = del(vec![
        ("d1", got[1].receipt_handle.as_str()),
        ("d2", got[2].receipt_handle.as_str()),
        ("bad", "garbage"),
    ])
    .expect("delete batch");
    assert_eq!(out.successful.len(), 2);
    assert_eq!(out.failed.len(), 1);
    assert_eq!(out.failed[0].code, "ReceiptHandleIsInvalid");
    assert_eq!(env.counts(&url), (1, 0, 0));
}

// ---------------------------------------------------------------------------------------------
// MD5 digests (wire.md §1.7 test vectors)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn md5_digests_of_sends_and_receives() {
    let env = Env::new();
    let url = env.create("q", &[]);
    let plain = env.send(&url, "hello");
    assert_eq!(
        plain.md5_of_message_body,
        "5d41402abc4b2a76b9719d911017c592"
    );
    assert_eq!(plain.md5_of_message_attributes, None);
    assert_eq!(plain.md5_of_message_system_attributes, None);

    let one = env
        .send_input(SendMessageInput {
            queue_url: Some(url.clone()),
            message_body: Some("hello".into()),
            message_attributes: [("s".to_string(), string_attr("String", "v"))]
                .into_iter()
                .collect(),
            ..Default::default()
        })
        .expect("send");
    assert_eq!(
        one.md5_of_message_attributes.as_deref(),
        Some("f711c779386017be0858627ced765df3")
    );

    let three = env
        .send_input(SendMessageInput {
            queue_url: Some(url.clone()),
            message_body: Some("three".into()),
            message_attributes: [
                ("s".to_string(), string_attr("String", "v")),
                ("b".to_string(), binary_attr(&[1, 2])),
                ("n".to_string(), string_attr("Number.int", "5")),
            ]
            .into_iter()
            .collect(),
            ..Default::default()
        })
        .expect("send");
    assert_eq!(
        three.md5_of_message_attributes.as_deref(),
        Some("d7693a5b0204d42ff123219abe4c00ef")
    );
    // Consume the first two.
    let first_two = env.recv(&url, 2).await;
    assert_eq!(bodies(&first_two), ["hello", "hello"]);
    assert!(
        first_two
            .iter()
            .all(|m| m.md5_of_body == "5d41402abc4b2a76b9719d911017c592")
    );
    assert_eq!(first_two[0].md5_of_message_attributes, None);
    assert_eq!(
        first_two[1].md5_of_message_attributes.as_deref(),
        Some("f711c779386017be0858627ced765df3")
    );

    // Received with all attributes: the same digest as the send.
    let receive_named = |names: Vec<&str>| ReceiveMessageInput {
        message_attribute_names: names.into_iter().map(str::to_string).collect(),
        ..Env::receive_input(&url, 1)
    };
    let m = env
        .receive(receive_named(vec!["All"]))
        .await
        .expect("receive")
        .remove(0);
    assert_eq!(m.md5_of_message_attributes, three.md5_of_message_attributes);
    assert_eq!(m.message_attributes.len(), 3);
    assert_eq!(
        m.message_attributes["b"].binary_value.as_deref(),
        Some(&[1u8, 2][..])
    );
    env.change(&url, &m.receipt_handle, 0).expect("release");

    // Only "s" requested: the digest covers what is returned.
    let m = env
        .receive(receive_named(vec!["s"]))
        .await
        .expect("receive")
        .remove(0);
    assert_eq!(m.message_attributes.keys().collect::<Vec<_>>(), ["s"]);
    assert_eq!(
        m.md5_of_message_attributes.as_deref(),
        Some("f711c779386017be0858627ced765df3")
    );
    env.change(&url, &m.receipt_handle, 0).expect("release");

    // None requested: no attributes and no digest.
    let m = env
        .receive(receive_named(vec![]))
        .await
        .expect("receive")
        .remove(0);
    assert!(m.message_attributes.is_empty());
    assert_eq!(m.md5_of_message_attributes, None);
    assert_eq!(m.md5_of_body, three.md5_of_message_body);
}

#[test]
fn attribute_name_filters_match_prefixes_and_all() {
    let req = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(attribute_requested(&req(&["All"]), "x"));
    assert!(attribute_requested(&req(&[".*"]), "x"));
    assert!(attribute_requested(&req(&["*"]), "x"));
    assert!(attribute_requested(&req(&["foo.*"]), "foo.bar"));
    // A plain prefix, as AWS answered `Hel.*` with `Hello` and `Help.Me`
    // (test_receive_message_message_attribute_names_filters).
    assert!(attribute_requested(&req(&["foo.*"]), "foobar"));
    assert!(attribute_requested(&req(&["Hel.*"]), "Hello"));
    assert!(!attribute_requested(&req(&["Hel.*"]), "General"));
    assert!(attribute_requested(&req(&["exact"]), "exact"));
    assert!(!attribute_requested(&req(&["exact"]), "other"));
}
