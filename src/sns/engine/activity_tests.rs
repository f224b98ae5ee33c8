//! Recent publishes (`sns::activity`): the bound per topic and each delivery outcome.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;
use crate::clock::ManualClock;
use crate::sns::activity::{MAX_PUBLISHES, Outcome};
use crate::sqs::model::{CreateQueueInput, ReceiveMessageInput};

const ACCOUNT: &str = "000000000000";
const REGION: &str = "us-east-1";

struct Env {
    clock: ManualClock,
    sqs: Arc<SqsEngine>,
    sns: Arc<SnsEngine>,
    ctx: RequestContext,
}

fn env() -> Env {
    let clock = ManualClock::starting_2026();
    let sqs = SqsEngine::new(Arc::new(clock.clone()));
    let sns = SnsEngine::new(
        Arc::new(clock.clone()),
        sqs.clone(),
        Arc::new(Vec::new()),
        false,
    );
    Env {
        clock,
        sqs,
        sns,
        ctx: RequestContext::new(ACCOUNT, REGION, "localhost:4566"),
    }
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Env {
    fn topic(&self, name: &str) -> String {
        self.sns
            .create_topic(
                &self.ctx,
                CreateTopicInput {
                    name: Some(name.into()),
                    ..Default::default()
                },
            )
            .expect("create topic")
            .topic_arn
    }

    /// A queue: (url, arn).
    fn queue(&self, name: &str) -> (String, String) {
        let url = self
            .sqs
            .create_queue(
                &self.ctx,
                CreateQueueInput {
                    queue_name: Some(name.into()),
                    ..Default::default()
                },
            )
            .expect("create queue")
            .queue_url;
        (url, format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"))
    }

    fn subscribe(
        &self,
        topic: &str,
        protocol: &str,
        endpoint: &str,
        attrs: &[(&str, &str)],
    ) -> String {
        self.sns
            .subscribe(
                &self.ctx,
                SubscribeInput {
                    topic_arn: Some(topic.into()),
                    protocol: Some(protocol.into()),
                    endpoint: Some(endpoint.into()),
                    attributes: map(attrs),
                    return_subscription_arn: true,
                },
            )
            .expect("subscribe")
            .subscription_arn
    }

    fn publish(&self, topic: &str, message: &str, attrs: &[(&str, &str)]) -> String {
        let attributes = attrs
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    MessageAttributeValue {
                        data_type: "String".into(),
                        string_value: Some(v.to_string()),
                        ..Default::default()
                    },
                )
            })
            .collect();
        self.sns
            .publish(
                &self.ctx,
                PublishInput {
                    topic_arn: Some(topic.into()),
                    message: Some(message.into()),
                    subject: Some("hello".into()),
                    message_attributes: attributes,
                    ..Default::default()
                },
            )
            .expect("publish")
            .message_id
    }

    /// The outcome of `sub`'s delivery of the newest publish once it is no longer pending,
    /// advancing the manual clock so that retries come due.
    async fn settled(&self, topic: &str, sub: &str) -> Outcome {
        for _ in 0..500 {
            let recent = self.sns.recent_publishes(topic);
            let d = recent[0]
                .deliveries
                .iter()
                .find(|d| d.subscription_arn == sub)
                .expect("a delivery record for the subscription");
            if d.outcome != Outcome::Pending {
                return d.outcome.clone();
            }
            self.clock.advance(Duration::from_secs(1));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the delivery stayed pending");
    }
}

#[test]
fn the_51st_publish_drops_the_oldest_and_records_go_with_the_topic() {
    let e = env();
    let topic = e.topic("bounded");
    let ids: Vec<String> = (0..=MAX_PUBLISHES)
        .map(|i| e.publish(&topic, &format!("m{i}"), &[("n", &i.to_string())]))
        .collect();
    let recent = e.sns.recent_publishes(&topic);
    assert_eq!(recent.len(), MAX_PUBLISHES);
    assert_eq!(recent[0].message_id, ids[MAX_PUBLISHES]);
    assert_eq!(recent[0].message, format!("m{MAX_PUBLISHES}"));
    assert_eq!(recent[0].subject.as_deref(), Some("hello"));
    assert_eq!(
        recent[0].attributes,
        vec![("n".to_string(), MAX_PUBLISHES.to_string())]
    );
    assert_eq!(recent[0].at_ms, e.clock.now_millis());
    assert_eq!(recent[MAX_PUBLISHES - 1].message_id, ids[1]);
    assert!(recent.iter().all(|p| p.message_id != ids[0]));
    assert!(
        e.sns
            .recent_publishes("arn:aws:sns:us-east-1:000000000000:nope")
            .is_empty()
    );

    e.sns
        .delete_topic(
            &e.ctx,
            TopicArnInput {
                topic_arn: Some(topic.clone()),
                ..Default::default()
            },
        )
        .expect("delete");
    assert!(e.sns.recent_publishes(&topic).is_empty());
    let again = e.topic("bounded");
    e.publish(&again, "after", &[]);
    assert_eq!(e.sns.recent_publishes(&again).len(), 1);
    e.sns.reset();
    assert!(e.sns.recent_publishes(&again).is_empty());
}

#[tokio::test]
async fn sqs_deliveries_name_the_stored_message_and_filters_and_confirmation_are_recorded() {
    let e = env();
    let topic = e.topic("outcomes");
    let (url, arn) = e.queue("q");
    let delivered = e.subscribe(&topic, "sqs", &arn, &[("RawMessageDelivery", "true")]);
    let (_, other) = e.queue("filtered");
    let filtered = e.subscribe(
        &topic,
        "sqs",
        &other,
        &[("FilterPolicy", r#"{"color":["red"]}"#)],
    );
    let unconfirmed = e.subscribe(&topic, "email", "someone@example.com", &[]);
    let gone = e.subscribe(
        &topic,
        "sqs",
        &format!("arn:aws:sqs:{REGION}:{ACCOUNT}:missing"),
        &[],
    );
    e.publish(&topic, "body", &[("color", "blue")]);

    let got = e
        .sqs
        .receive_message(
            &e.ctx,
            ReceiveMessageInput {
                queue_url: Some(url),
                ..Default::default()
            },
        )
        .await
        .expect("receive");
    let stored_id = got.messages[0].message_id.clone();
    let recent = e.sns.recent_publishes(&topic);
    assert_eq!(recent.len(), 1);
    let of = |sub: &str| {
        recent[0]
            .deliveries
            .iter()
            .find(|d| d.subscription_arn == sub)
            .expect("delivery record")
            .clone()
    };
    assert_eq!(recent[0].deliveries.len(), 4);
    let d = of(&delivered);
    assert_eq!(d.protocol, "sqs");
    assert_eq!(d.endpoint, arn);
    assert_eq!(
        d.outcome,
        Outcome::Delivered {
            detail: format!("stored as message {stored_id}")
        }
    );
    assert_eq!(of(&filtered).outcome, Outcome::FilteredOut);
    let u = of(&unconfirmed);
    assert_eq!(u.protocol, "email");
    assert_eq!(u.outcome, Outcome::Unconfirmed);
    assert_eq!(
        of(&gone).outcome,
        Outcome::Failed {
            error: "queue does not exist".into()
        }
    );
}

/// An HTTP endpoint that answers every request with `status`; counts the notifications.
async fn answering(status: u16) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let mut got = Vec::new();
                // Read the head and a body of the length it declares.
                loop {
                    let Ok(n) = s.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    got.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&got).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if got.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                if String::from_utf8_lossy(&got).contains(": Notification\r\n") {
                    seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
                let _ = s.write_all(reply.as_bytes()).await;
            });
        }
    });
    (format!("http://{addr}/hook"), count)
}

/// Subscribe `endpoint` over HTTP and confirm it with its token.
fn confirmed_http(e: &Env, topic: &str, endpoint: &str, attrs: &[(&str, &str)]) -> String {
    let sub = e.subscribe(topic, "http", endpoint, attrs);
    let token = e.sns.subscription_token(&sub).expect("token");
    e.sns
        .confirm_subscription(
            &e.ctx,
            ConfirmSubscriptionInput {
                topic_arn: Some(topic.into()),
                token: Some(token),
                authenticate_on_unsubscribe: None,
            },
        )
        .expect("confirm");
    sub
}

#[tokio::test]
async fn http_deliveries_record_their_status_after_the_retries() {
    let e = env();
    let topic = e.topic("hooks");
    let policy = r#"{"healthyRetryPolicy":{"numRetries":2,"minDelayTarget":1}}"#;
    let (failing_url, failing_hits) = answering(500).await;
    let failing = confirmed_http(&e, &topic, &failing_url, &[("DeliveryPolicy", policy)]);
    let (dlq_url, dlq_arn) = e.queue("hook-dlq");
    let redrive = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}"}}"#);
    let (dead_url, _) = answering(503).await;
    let dead = confirmed_http(
        &e,
        &topic,
        &dead_url,
        &[("DeliveryPolicy", policy), ("RedrivePolicy", &redrive)],
    );
    let (ok_url, _) = answering(200).await;
    let ok = confirmed_http(&e, &topic, &ok_url, &[]);

    e.publish(&topic, "to the hooks", &[]);
    assert_eq!(
        e.settled(&topic, &ok).await,
        Outcome::Delivered {
            detail: "HTTP 200".into()
        }
    );
    assert_eq!(
        e.settled(&topic, &failing).await,
        Outcome::Failed {
            error: "HTTP 500 after 3 attempts; no dead-letter queue".into()
        }
    );
    assert_eq!(failing_hits.load(std::sync::atomic::Ordering::SeqCst), 3);
    assert_eq!(
        e.settled(&topic, &dead).await,
        Outcome::Failed {
            error: format!("HTTP 503 after 3 attempts; moved to dead-letter queue {dlq_arn}")
        }
    );
    let moved = e
        .sqs
        .receive_message(
            &e.ctx,
            ReceiveMessageInput {
                queue_url: Some(dlq_url),
                ..Default::default()
            },
        )
        .await
        .expect("receive");
    assert_eq!(moved.messages.len(), 1);
}

struct Invoker {
    fail: bool,
}

impl LambdaInvoker for Invoker {
    fn invoke_async(&self, _function_arn: &str, _payload: Vec<u8>) -> Result<(), String> {
        if self.fail {
            Err("Function not found".to_string())
        } else {
            Ok(())
        }
    }
}

#[tokio::test]
async fn lambda_deliveries_record_the_queued_invoke_or_its_refusal() {
    let e = env();
    let topic = e.topic("to-lambda");
    let function = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:f");
    let sub = e.subscribe(&topic, "lambda", &function, &[]);
    e.sns.set_lambda_invoker(Arc::new(Invoker { fail: false }));
    e.publish(&topic, "one", &[]);
    assert_eq!(
        e.settled(&topic, &sub).await,
        Outcome::Delivered {
            detail: "queued for async invoke".into()
        }
    );
    e.sns.set_lambda_invoker(Arc::new(Invoker { fail: true }));
    e.publish(&topic, "two", &[]);
    assert_eq!(
        e.settled(&topic, &sub).await,
        Outcome::Failed {
            error: "Function not found".into()
        }
    );
    let recent = e.sns.recent_publishes(&topic);
    assert_eq!(recent.len(), 2);
    assert_eq!(recent[0].deliveries[0].protocol, "lambda");
    assert_eq!(recent[0].deliveries[0].endpoint, function);
}
