//! Concurrent producers and consumers on one queue, on the real clock and a multi-threaded
//! runtime: every message a SendMessage acknowledged must be received, and the queue's
//! reachability invariant must hold at the end. This is the load that used to strand about one
//! message in 500,000 (a receive holding an older "now" than a concurrent send).

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fogbank::clock::SystemClock;
use fogbank::context::RequestContext;
use fogbank::sqs::engine::SqsEngine;
use fogbank::sqs::model::{
    CreateQueueInput, DeleteMessageBatchEntry, DeleteMessageBatchInput, ReceiveMessageInput,
    SendMessageInput,
};

const PRODUCERS: usize = 16;
const CONSUMERS: usize = 16;

/// Sends `total` messages from 16 producers while 16 consumers receive (10 at a time, 1 s long
/// polls) and delete them in batches; returns once every acknowledged message was received, or
/// fails when no progress is made for 10 s (a stranded message never comes back).
async fn pipeline(queue: &str, total: usize, groups: usize) {
    let engine = SqsEngine::new(Arc::new(SystemClock));
    let ctx = RequestContext::new("000000000000", "us-east-1", "localhost:4566");
    let mut attributes = BTreeMap::new();
    if groups > 0 {
        attributes.insert("FifoQueue".to_string(), "true".to_string());
        attributes.insert("ContentBasedDeduplication".to_string(), "true".to_string());
    }
    let url = engine
        .create_queue(
            &ctx,
            CreateQueueInput {
                queue_name: Some(queue.to_string()),
                attributes,
                tags: BTreeMap::new(),
            },
        )
        .expect("create queue")
        .queue_url;

    let sent = Arc::new(Mutex::new(HashSet::new()));
    let received = Arc::new(Mutex::new(HashSet::new()));
    let mut producers = Vec::new();
    for p in 0..PRODUCERS {
        let (engine, ctx, url, sent) = (engine.clone(), ctx.clone(), url.clone(), sent.clone());
        producers.push(tokio::spawn(async move {
            for i in (p..total).step_by(PRODUCERS) {
                let body = format!("m-{i}");
                let input = SendMessageInput {
                    queue_url: Some(url.clone()),
                    message_body: Some(body.clone()),
                    message_group_id: (groups > 0).then(|| format!("g{}", i % groups)),
                    ..Default::default()
                };
                engine.send_message(&ctx, input).expect("send");
                sent.lock().expect("sent set").insert(body);
                if i % 64 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        }));
    }
    let mut consumers = Vec::new();
    for _ in 0..CONSUMERS {
        let (engine, ctx, url, received) =
            (engine.clone(), ctx.clone(), url.clone(), received.clone());
        consumers.push(tokio::spawn(async move {
            loop {
                if received.lock().expect("received set").len() >= total {
                    return;
                }
                let out = engine
                    .receive_message(
                        &ctx,
                        ReceiveMessageInput {
                            queue_url: Some(url.clone()),
                            max_number_of_messages: Some(10),
                            wait_time_seconds: Some(1),
                            ..Default::default()
                        },
                    )
                    .await
                    .expect("receive");
                if out.messages.is_empty() {
                    continue;
                }
                let mut entries = Vec::new();
                {
                    let mut seen = received.lock().expect("received set");
                    for (i, m) in out.messages.iter().enumerate() {
                        assert!(seen.insert(m.body.to_string()), "{} received twice", m.body);
                        entries.push(DeleteMessageBatchEntry {
                            id: Some(i.to_string()),
                            receipt_handle: Some(m.receipt_handle.clone()),
                        });
                    }
                }
                let deleted = engine
                    .delete_message_batch(
                        &ctx,
                        DeleteMessageBatchInput {
                            queue_url: Some(url.clone()),
                            entries,
                        },
                    )
                    .expect("delete batch");
                assert!(deleted.failed.is_empty(), "{:?}", deleted.failed);
            }
        }));
    }
    for p in producers {
        p.await.expect("producer");
    }
    assert_eq!(sent.lock().expect("sent set").len(), total);

    let mut last = 0;
    let mut idle = 0;
    while received.lock().expect("received set").len() < total {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = received.lock().expect("received set").len();
        idle = if now == last { idle + 1 } else { 0 };
        last = now;
        if idle >= 100 {
            let sent = sent.lock().expect("sent set");
            let got = received.lock().expect("received set");
            let missing: Vec<_> = sent.difference(&got).take(10).collect();
            panic!(
                "{} of {total} acknowledged messages never received (e.g. {missing:?}); audit: {:?}",
                total - got.len(),
                engine.audit()
            );
        }
    }
    for c in consumers {
        c.await.expect("consumer");
    }
    engine.audit().expect("queue invariant after the run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_message_is_received_under_concurrent_load() {
    pipeline("stress", 60_000, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_fifo_message_is_received_under_concurrent_load() {
    pipeline("stress.fifo", 20_000, 32).await;
}
