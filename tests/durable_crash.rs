//! Crash safety: a producer/consumer load against a fogbank child process on a data dir,
//! killed with SIGKILL at random moments, restarted on the same dir. Every acknowledged send
//! is still there unless its delete was acknowledged, and no acknowledged delete comes back.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_sqs::types::{QueueAttributeName, SendMessageBatchRequestEntry};

mod common;

/// How each round runs: the durability, and whether the writer holds every batch 25 ms
/// before committing it (`FOGBANK_TEST_COMMIT_DELAY_MS`). With the hold, an answer sent
/// before its commit would be lost by almost every kill, so those rounds prove that answers
/// wait for the commit.
const ROUNDS: [(&str, Option<&str>); 4] = [
    ("process", None),
    ("machine", None),
    ("process", Some("25")),
    ("machine", Some("25")),
];

/// Start the binary on `dir` with `durability` and the commit `hold`.
async fn start_binary(
    dir: &Path,
    (durability, hold): (&str, Option<&str>),
) -> (tokio::process::Child, String) {
    let dir = dir.to_str().expect("utf-8 temp dir");
    let envs: Vec<(&str, &str)> = hold
        .map(|ms| ("FOGBANK_TEST_COMMIT_DELAY_MS", ms))
        .into_iter()
        .collect();
    common::start_binary(&["--data-dir", dir, "--durability", durability], &envs).await
}

async fn client(endpoint: &str) -> aws_sdk_sqs::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(10))
                .build(),
        )
        .load()
        .await;
    aws_sdk_sqs::Client::new(&config)
}

#[derive(Default)]
struct Ledger {
    /// Bodies whose send was acknowledged.
    sent: HashSet<String>,
    /// Bodies whose delete was acknowledged.
    deleted: HashSet<String>,
    /// Bodies a delete was sent for (acknowledged or not: a delete the server carried out
    /// just before it was killed removed the message without telling anyone).
    deleting: HashSet<String>,
}

/// A small deterministic generator (the seed is printed, so a failure can be replayed).
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

async fn produce(sqs: aws_sdk_sqs::Client, url: String, ledger: Arc<Mutex<Ledger>>, who: usize) {
    for batch in 0u64.. {
        let bodies: Vec<String> = (0..10)
            .map(|i| format!("p{who}-{batch}-{i}-{}", uuid::Uuid::new_v4().simple()))
            .collect();
        let entries = bodies
            .iter()
            .enumerate()
            .map(|(i, b)| {
                SendMessageBatchRequestEntry::builder()
                    .id(format!("e{i}"))
                    .message_body(b)
                    .build()
                    .expect("entry")
            })
            .collect::<Vec<_>>();
        match sqs
            .send_message_batch()
            .queue_url(&url)
            .set_entries(Some(entries))
            .send()
            .await
        {
            Ok(out) => {
                let mut l = ledger.lock().expect("ledger");
                for ok in out.successful() {
                    let i: usize = ok.id().trim_start_matches('e').parse().expect("id");
                    l.sent.insert(bodies[i].clone());
                }
            }
            Err(_) => return,
        }
    }
}

async fn consume(sqs: aws_sdk_sqs::Client, url: String, ledger: Arc<Mutex<Ledger>>) {
    loop {
        let Ok(out) = sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
        else {
            return;
        };
        for m in out.messages() {
            let body = m.body().unwrap_or_default().to_string();
            let handle = m.receipt_handle().unwrap_or_default().to_string();
            ledger.lock().expect("ledger").deleting.insert(body.clone());
            match sqs
                .delete_message()
                .queue_url(&url)
                .receipt_handle(handle)
                .send()
                .await
            {
                Ok(_) => {
                    ledger.lock().expect("ledger").deleted.insert(body);
                }
                Err(_) => return,
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_under_load_loses_no_acknowledged_send_and_revives_no_acknowledged_delete() {
    let dir = std::env::temp_dir().join(format!("fogbank-crash-{}", uuid::Uuid::new_v4().simple()));
    let seed: u64 = std::env::var("FOGBANK_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| u64::from(std::process::id()) | 1);
    eprintln!("crash test seed {seed} (FOGBANK_CRASH_SEED to replay)");
    let mut rng = seed;
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut url = String::new();
    for (round, &how) in ROUNDS.iter().enumerate() {
        let (mut child, endpoint) = start_binary(&dir, how).await;
        let sqs = client(&endpoint).await;
        url = sqs
            .create_queue()
            .queue_name("crash")
            .attributes(QueueAttributeName::VisibilityTimeout, "2")
            .send()
            .await
            .expect("create (or find) the queue")
            .queue_url
            .expect("url");
        let mut tasks = Vec::new();
        for p in 0..3 {
            tasks.push(tokio::spawn(produce(
                sqs.clone(),
                url.clone(),
                ledger.clone(),
                round * 10 + p,
            )));
        }
        for _ in 0..2 {
            tasks.push(tokio::spawn(consume(
                sqs.clone(),
                url.clone(),
                ledger.clone(),
            )));
        }
        // Let the load run a random while, then kill -9 in the middle of it.
        let ms = 150 + next(&mut rng) % 600;
        tokio::time::sleep(Duration::from_millis(ms)).await;
        child.start_kill().expect("SIGKILL");
        let _ = child.wait().await;
        for t in tasks {
            let _ = t.await;
        }
        let l = ledger.lock().expect("ledger");
        eprintln!(
            "round {round} {:?}: killed after {ms} ms; {} sends and {} deletes acknowledged so far",
            how,
            l.sent.len(),
            l.deleted.len()
        );
    }

    // Restart once more and drain everything that is left.
    let (mut child, endpoint) = start_binary(&dir, ("process", None)).await;
    let sqs = client(&endpoint).await;
    let mut left: Vec<String> = Vec::new();
    loop {
        let out = sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .wait_time_seconds(3)
            .send()
            .await
            .expect("receive");
        if out.messages().is_empty() {
            let attrs = sqs
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(QueueAttributeName::All)
                .send()
                .await
                .expect("attributes");
            let count = |n: QueueAttributeName| {
                attrs
                    .attributes()
                    .and_then(|a| a.get(&n))
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            if count(QueueAttributeName::ApproximateNumberOfMessages)
                + count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
                == 0
            {
                break;
            }
            continue;
        }
        for m in out.messages() {
            left.push(m.body().unwrap_or_default().to_string());
            sqs.delete_message()
                .queue_url(&url)
                .receipt_handle(m.receipt_handle().unwrap_or_default())
                .send()
                .await
                .expect("delete");
        }
    }
    child.start_kill().expect("kill");
    let _ = child.wait().await;
    let _ = std::fs::remove_dir_all(&dir);

    let l = ledger.lock().expect("ledger");
    assert!(l.sent.len() > 100, "the load ran: {} sends", l.sent.len());
    let left_set: HashSet<&String> = left.iter().collect();
    assert_eq!(left_set.len(), left.len(), "no message is stored twice");
    let revived: Vec<&&String> = left_set
        .iter()
        .filter(|b| l.deleted.contains(**b))
        .collect();
    assert!(
        revived.is_empty(),
        "acknowledged deletes came back: {revived:?}"
    );
    let lost: Vec<&String> = l
        .sent
        .iter()
        .filter(|b| !l.deleting.contains(*b) && !left_set.contains(b))
        .collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged sends lost (of {}), e.g. {:?}",
        lost.len(),
        l.sent.len(),
        lost.iter().take(3).collect::<Vec<_>>()
    );
    eprintln!(
        "{} sent, {} deleted during the load, {} drained after the last restart",
        l.sent.len(),
        l.deleted.len(),
        left.len()
    );
}
