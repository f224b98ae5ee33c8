//! A bounded, seeded fuzz run: malformed requests in all four protocols (SQS JSON 1.0, the
//! query protocol of SQS and SNS, Lambda REST-JSON, fogbank's own endpoints) and raw garbage on
//! the socket. Whatever comes in, the server answers, never with a 5xx, never panics, never
//! hangs, and health still answers at the end; no queue is left with a stranded message.
//!
//! `FOGBANK_FUZZ_REQUESTS` sets the number of requests (default 3,000 for the suite; the
//! issue's acceptance run uses 100,000) and `FOGBANK_FUZZ_SEED` the seed.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// Up to `max` random bytes.
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.next() as u8).collect()
    }
}

const SQS_ACTIONS: &[&str] = &[
    "CreateQueue",
    "GetQueueUrl",
    "SendMessage",
    "SendMessageBatch",
    "ReceiveMessage",
    "DeleteMessage",
    "DeleteMessageBatch",
    "ChangeMessageVisibility",
    "ChangeMessageVisibilityBatch",
    "SetQueueAttributes",
    "GetQueueAttributes",
    "PurgeQueue",
    "DeleteQueue",
    "ListQueues",
    "TagQueue",
    "ListQueueTags",
    "AddPermission",
    "StartMessageMoveTask",
    "ListMessageMoveTasks",
    "ListDeadLetterSourceQueues",
    "Bogus",
];

const SNS_ACTIONS: &[&str] = &[
    "CreateTopic",
    "Subscribe",
    "Publish",
    "PublishBatch",
    "SetSubscriptionAttributes",
    "SetTopicAttributes",
    "ListSubscriptionsByTopic",
    "CreatePlatformApplication",
    "CreatePlatformEndpoint",
    "ConfirmSubscription",
    "TagResource",
    "CreateSMSSandboxPhoneNumber",
    "Unsubscribe",
    "DeleteTopic",
];

/// Values that stress decoders: wrong types, huge numbers, odd text, deep nesting.
fn nasty(rng: &mut Rng) -> Value {
    match rng.below(14) {
        0 => json!(null),
        1 => json!(true),
        2 => json!(-1),
        3 => json!(i64::MAX),
        4 => json!(1e308),
        5 => json!(""),
        6 => json!("x".repeat(rng.below(300_000))),
        7 => json!("\u{0}\u{1}\u{fffe}\u{1F600}<&>\"'"),
        8 => json!([1, "a", {"b": []}]),
        9 => json!({"DataType": "Number", "StringValue": "1e999999"}),
        10 => {
            let depth = 1 + rng.below(5_000);
            let s = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            serde_json::from_str(&s).unwrap_or(json!("deep"))
        }
        11 => json!({"a": {"b": {"c": {"d": [{"e": "f"}]}}}}),
        12 => json!(format!(
            "arn:aws:sqs:us-east-1:000000000000:{}",
            rng.below(5)
        )),
        _ => json!("http://localhost:4566/000000000000/q1"),
    }
}

const LOGS_ACTIONS: &[&str] = &[
    "CreateLogGroup",
    "CreateLogStream",
    "PutLogEvents",
    "GetLogEvents",
    "FilterLogEvents",
    "DescribeLogGroups",
    "DescribeLogStreams",
    "PutRetentionPolicy",
    "TagResource",
    "DeleteLogGroup",
];

/// A CloudWatch Logs body: plausible members with nasty values, patterns and tokens.
fn logs_json_body(rng: &mut Rng) -> Value {
    let pattern = rng
        .pick(&[
            "ERROR",
            "{ $.a = 1 }",
            "{ $.a = ",
            "[a, ..., b > 3]",
            "\"x",
            "?a -b",
            "{ ((($.a > 1 }",
            "[",
            "{}",
            "%a%",
        ])
        .to_string();
    let events: Vec<Value> = (0..rng.below(5))
        .map(|i| json!({"timestamp": if rng.chance(4) { nasty(rng) } else { json!(1_790_000_000_000i64 + i as i64) }, "message": if rng.chance(4) { nasty(rng) } else { json!("m") }}))
        .collect();
    json!({
        "logGroupName": if rng.chance(3) { nasty(rng) } else { json!(format!("/g{}", rng.below(2))) },
        "logStreamName": if rng.chance(3) { nasty(rng) } else { json!("s") },
        "logEvents": events,
        "filterPattern": if rng.chance(4) { nasty(rng) } else { json!(pattern) },
        "nextToken": if rng.chance(2) { nasty(rng) } else { json!("f/00000000000000000000000000000000000000000000000000000000") },
        "limit": nasty(rng),
        "retentionInDays": nasty(rng),
        "resourceArn": nasty(rng),
        "tags": {"k": nasty(rng)},
    })
}

fn sqs_json_body(rng: &mut Rng) -> Value {
    let url = json!(format!(
        "http://localhost:4566/000000000000/q{}",
        rng.below(3)
    ));
    let mut body = json!({
        "QueueName": format!("q{}", rng.below(3)),
        "QueueUrl": url,
        "MessageBody": "hello",
        "MaxNumberOfMessages": 10,
        "WaitTimeSeconds": 0,
        "VisibilityTimeout": rng.below(5),
        "ReceiptHandle": "AAAA",
        "Attributes": {"DelaySeconds": "0", "RedrivePolicy": "{\"maxReceiveCount\":\"x\"}"},
        "MessageAttributes": {"a": {"DataType": "String", "StringValue": "v"}},
        "Entries": [{"Id": "1", "MessageBody": "b", "ReceiptHandle": "h"}],
        "Tags": {"k": "v"},
        "Label": "l", "AWSAccountIds": ["1"], "Actions": ["SendMessage"],
        "SourceArn": "arn:aws:sqs:us-east-1:000000000000:q1",
    });
    mutate(rng, &mut body);
    body
}

/// Replace or delete a few members with nasty values.
fn mutate(rng: &mut Rng, v: &mut Value) {
    let Some(obj) = v.as_object_mut() else {
        return;
    };
    let keys: Vec<String> = obj.keys().cloned().collect();
    for _ in 0..rng.below(4) {
        let k = rng.pick(&keys).clone();
        if rng.chance(3) {
            obj.remove(&k);
        } else {
            obj.insert(k, nasty(rng));
        }
    }
}

/// Serialize, then maybe damage the bytes (truncate, flip, invalid UTF-8).
fn damage(rng: &mut Rng, mut bytes: Vec<u8>) -> Vec<u8> {
    match rng.below(6) {
        0 if !bytes.is_empty() => {
            let n = rng.below(bytes.len());
            bytes.truncate(n);
        }
        1 if !bytes.is_empty() => {
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(bytes.len());
                bytes[i] = rng.next() as u8;
            }
        }
        2 => {
            let i = rng.below(bytes.len() + 1);
            bytes.splice(i..i, [0xff, 0xfe, 0xc0, 0x80]);
        }
        _ => {}
    }
    bytes
}

fn form(rng: &mut Rng, pairs: &[(String, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    let mut out = s.finish();
    if rng.chance(5) {
        out.push_str("&%zz=%&Attribute.99999999999.Name=x&MessageAttribute.1.Value.DataType");
    }
    out
}

fn query_pairs(rng: &mut Rng) -> Vec<(String, String)> {
    let sns = rng.chance(2);
    let action = if sns {
        rng.pick(SNS_ACTIONS)
    } else {
        rng.pick(SQS_ACTIONS)
    };
    let mut p: Vec<(String, String)> = vec![
        ("Action".into(), action.to_string()),
        (
            "Version".into(),
            if sns { "2010-03-31" } else { "2012-11-05" }.into(),
        ),
    ];
    let candidates: &[(&str, &str)] = &[
        ("QueueName", "q1"),
        ("QueueUrl", "http://localhost:4566/000000000000/q1"),
        ("MessageBody", "hi"),
        ("Name", "t1"),
        ("TopicArn", "arn:aws:sns:us-east-1:000000000000:t1"),
        ("Protocol", "sqs"),
        ("Endpoint", "arn:aws:sqs:us-east-1:000000000000:q1"),
        ("Message", "m"),
        ("MessageStructure", "json"),
        ("Attribute.1.Name", "FilterPolicy"),
        ("Attribute.1.Value", "{\"a\":[{\"numeric\":[\">\",\"x\"]}]}"),
        ("Attributes.entry.1.key", "FilterPolicy"),
        (
            "Attributes.entry.1.value",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        ),
        ("MessageAttribute.1.Name", "n"),
        ("MessageAttribute.1.Value.DataType", "Number"),
        ("MessageAttribute.1.Value.StringValue", "1e400"),
        ("MessageAttributes.entry.1.Name", "a"),
        ("MessageAttributes.entry.1.Value.DataType", "Binary"),
        ("PublishBatchRequestEntries.member.1.Id", "x"),
        ("SendMessageBatchRequestEntry.1.Id", "x"),
        ("MaxNumberOfMessages", "99999999999999999999"),
        ("WaitTimeSeconds", "0"),
        ("ReceiptHandle", "%%%"),
        ("PhoneNumber", "+1"),
        ("Token", "t"),
        ("Tags.member.1.Key", ""),
    ];
    for _ in 0..rng.below(8) {
        let (k, v) = rng.pick(candidates);
        let v = if rng.chance(4) {
            nasty(rng).to_string()
        } else {
            v.to_string()
        };
        p.push((k.to_string(), v));
    }
    p
}

fn zip_b64(rng: &mut Rng) -> String {
    let b = base64::engine::general_purpose::STANDARD;
    match rng.below(4) {
        0 => b.encode(rng.bytes(2_000)),
        // A zip's magic, then garbage.
        1 => {
            let mut v = b"PK\x03\x04".to_vec();
            v.extend(rng.bytes(500));
            b.encode(v)
        }
        // An end-of-central-directory record claiming entries that are not there.
        2 => {
            let mut v = rng.bytes(64);
            v.extend(b"PK\x05\x06\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\0\0");
            b.encode(v)
        }
        _ => "not base64!!".to_string(),
    }
}

fn lambda_request(rng: &mut Rng) -> (reqwest::Method, String, Vec<u8>) {
    let name = format!("f{}", rng.below(3));
    let weird = [
        "%00",
        "..%2F..",
        "a:b:c:d:e:f:g",
        "%ff%fe",
        &"n".repeat(300),
    ];
    let target = if rng.chance(4) {
        rng.pick(&weird).to_string()
    } else {
        name
    };
    let mut body = json!({
        "FunctionName": target,
        "Runtime": rng.pick(&["python3.12", "nodejs20.x", "provided.al2023", "java21", "cobol"]),
        "Role": "arn:aws:iam::000000000000:role/r",
        "Handler": "h.handler",
        "Code": {"ZipFile": zip_b64(rng)},
        "Timeout": 1,
        "MemorySize": 128,
        "Environment": {"Variables": {"A": "b"}},
        "Layers": ["arn:aws:lambda:us-east-1:000000000000:layer:l:1"],
        "Content": {"ZipFile": zip_b64(rng)},
        "EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:q1",
        "BatchSize": 10,
        "Name": "alias", "FunctionVersion": "1",
        "StatementId": "s", "Action": "lambda:InvokeFunction", "Principal": "*",
    });
    mutate(rng, &mut body);
    let (method, path) = match rng.below(12) {
        0..=2 => (reqwest::Method::POST, "/2015-03-31/functions".to_string()),
        3 => (
            reqwest::Method::POST,
            format!("/2015-03-31/functions/{target}/invocations"),
        ),
        4 => (
            reqwest::Method::PUT,
            format!("/2015-03-31/functions/{target}/code"),
        ),
        5 => (
            reqwest::Method::PUT,
            format!("/2015-03-31/functions/{target}/configuration"),
        ),
        6 => (
            reqwest::Method::POST,
            "/2018-10-31/layers/l/versions".to_string(),
        ),
        7 => (
            reqwest::Method::POST,
            "/2015-03-31/event-source-mappings/".to_string(),
        ),
        8 => (
            reqwest::Method::POST,
            format!("/2015-03-31/functions/{target}/policy"),
        ),
        9 => (
            reqwest::Method::GET,
            format!("/2015-03-31/functions/{target}?Qualifier=%24LATEST&Marker=%ff"),
        ),
        10 => (
            reqwest::Method::DELETE,
            format!("/2015-03-31/functions/{target}"),
        ),
        _ => (
            reqwest::Method::GET,
            format!("/2015-03-31/functions/?MaxItems={}", nasty(rng)),
        ),
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    (method, path, damage(rng, bytes))
}

fn internal_request(rng: &mut Rng) -> (reqwest::Method, String) {
    let paths = [
        "/_fogbank/health",
        "/_localstack/health",
        "/_fogbank/sqs/messages?QueueUrl=http://localhost:4566/000000000000/q1",
        "/_aws/sqs/messages?QueueUrl=%ff%fe",
        "/_aws/sqs/messages",
        "/_aws/sns/sms-messages?phoneNumber=%00&region=../../",
        "/_aws/sns/platform-endpoint-messages?endpointArn=x",
        "/_aws/sns/subscription-tokens/arn:aws:sns:us-east-1:000000000000:t1:abc",
        "/_fogbank/sns/email-messages?emailAddress=",
        "/_fogbank/reset?service=nothing",
        "/_fogbank/sns/SimpleNotificationService.pem",
        "/?Action=ConfirmSubscription&TopicArn=x&Token=y",
        "/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:000000000000:t1:x",
    ];
    let method = if rng.chance(2) {
        reqwest::Method::GET
    } else {
        reqwest::Method::POST
    };
    (method, rng.pick(&paths).to_string())
}

/// One random request; returns a description of what was sent, for failure messages.
async fn one(client: &reqwest::Client, base: &str, rng: &mut Rng) -> (String, Result<u16, String>) {
    let (req, what) = match rng.below(10) {
        0..=2 if rng.chance(3) => {
            let action = rng.pick(LOGS_ACTIONS);
            let bytes = serde_json::to_vec(&logs_json_body(rng)).unwrap_or_default();
            let body = damage(rng, bytes);
            let what = format!("Logs {action} ({} bytes)", body.len());
            (
                client
                    .post(base)
                    .header("x-amz-target", format!("Logs_20140328.{action}"))
                    .header("content-type", "application/x-amz-json-1.1")
                    .body(body),
                what,
            )
        }
        0..=2 => {
            let action = rng.pick(SQS_ACTIONS);
            let bytes = serde_json::to_vec(&sqs_json_body(rng)).unwrap_or_default();
            let body = damage(rng, bytes);
            let ct = rng.pick(&[
                "application/x-amz-json-1.0",
                "application/json",
                "text/plain",
                "",
            ]);
            let target = if rng.chance(10) {
                format!("AmazonSQS.{}", "A".repeat(rng.below(10_000)))
            } else {
                format!("AmazonSQS.{action}")
            };
            let what = format!("SQS JSON {target:.60} ({} bytes)", body.len());
            (
                client
                    .post(base)
                    .header("x-amz-target", target)
                    .header("content-type", *ct)
                    .body(body),
                what,
            )
        }
        3..=5 => {
            let pairs = query_pairs(rng);
            let body = form(rng, &pairs);
            let what = format!("query {:.200}", body);
            if rng.chance(4) {
                (client.get(format!("{base}/?{body}")), what)
            } else {
                let path = rng.pick(&["/", "/000000000000/q1", "/queue/us-east-1/000000000000/q1"]);
                let bytes = damage(rng, body.into_bytes());
                (
                    client
                        .post(format!("{base}{path}"))
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(bytes),
                    what,
                )
            }
        }
        6..=8 => {
            let (method, path, body) = lambda_request(rng);
            let what = format!("Lambda {method} {path:.120} ({} bytes)", body.len());
            let mut req = client.request(method, format!("{base}{path}")).body(body);
            if rng.chance(3) {
                req = req.header(
                    "x-amz-invocation-type",
                    *rng.pick(&["Event", "DryRun", "Bogus"]),
                );
            }
            (req, what)
        }
        _ => {
            let (method, path) = internal_request(rng);
            let what = format!("{method} {path}");
            (client.request(method, format!("{base}{path}")), what)
        }
    };
    let res = match tokio::time::timeout(Duration::from_secs(30), req.send()).await {
        Err(_) => Err("no answer within 30 s".to_string()),
        // reqwest refuses to build some of the wilder URLs itself: nothing was sent.
        Ok(Err(e)) if e.is_builder() => Ok(0),
        Ok(Err(e)) => Err(format!("transport error: {e}")),
        Ok(Ok(r)) => {
            let status = r.status().as_u16();
            // Read the whole body: a reply that never ends is a hang too.
            match tokio::time::timeout(Duration::from_secs(30), r.bytes()).await {
                Ok(Ok(_)) => Ok(status),
                Ok(Err(e)) => Err(format!("body error: {e}")),
                Err(_) => Err("body never ended".to_string()),
            }
        }
    };
    (what, res)
}

/// Bytes that are not HTTP, or HTTP cut short: the connection is closed or answered 4xx.
async fn raw_garbage(addr: std::net::SocketAddr, rng: &mut Rng) {
    let payloads: Vec<Vec<u8>> = vec![
        rng.bytes(200),
        b"GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: -5\r\n\r\n".to_vec(),
        b"POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(),
        format!(
            "GET /{} HTTP/1.1\r\nHost: localhost\r\n\r\n",
            "a".repeat(70_000)
        )
        .into_bytes(),
        b"\x16\x03\x01\x00\x05hello".to_vec(),
    ];
    for p in payloads {
        let Ok(Ok(mut s)) =
            tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(addr))
                .await
        else {
            panic!("cannot connect for raw garbage");
        };
        let _ = s.write_all(&p).await;
        let _ = s.shutdown().await;
        let mut buf = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf)).await;
        assert!(read.is_ok(), "the server held a garbage connection open");
        let head = String::from_utf8_lossy(&buf[..buf.len().min(12)]).to_string();
        assert!(!head.starts_with("HTTP/1.1 5"), "garbage got {head}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_never_crash_hang_or_get_a_5xx() {
    let total: usize = std::env::var("FOGBANK_FUZZ_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000);
    let seed: u64 = std::env::var("FOGBANK_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5EED_F06B);
    let panics = Arc::new(AtomicUsize::new(0));
    {
        let panics = panics.clone();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            panics.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    }

    let server = common::start().await;
    let base = server.endpoint();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");

    // A few queues and a topic so that some requests reach deeper code.
    for q in ["q0", "q1", "q2"] {
        let r = client
            .post(&base)
            .header("x-amz-target", "AmazonSQS.CreateQueue")
            .header("content-type", "application/x-amz-json-1.0")
            .body(json!({"QueueName": q}).to_string())
            .send()
            .await
            .expect("create queue");
        assert_eq!(r.status(), 200);
    }

    let mut rng = Rng(seed | 1);
    raw_garbage(server.addr, &mut rng).await;

    const WORKERS: usize = 8;
    let failures = Arc::new(std::sync::Mutex::new(Vec::new()));
    let statuses = Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::new()));
    let mut tasks = Vec::new();
    for w in 0..WORKERS {
        let (client, base, failures, statuses) = (
            client.clone(),
            base.clone(),
            failures.clone(),
            statuses.clone(),
        );
        let mut rng = Rng((seed ^ (w as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1);
        tasks.push(tokio::spawn(async move {
            for _ in (w..total).step_by(WORKERS) {
                let (what, res) = one(&client, &base, &mut rng).await;
                if let (Ok(s), Ok(mut counts)) = (&res, statuses.lock()) {
                    *counts.entry(*s).or_insert(0usize) += 1;
                }
                let bad = match res {
                    Ok(s) if s >= 500 => Some(format!("{s} for {what}")),
                    Ok(_) => None,
                    Err(e) => Some(format!("{e} for {what}")),
                };
                if let Some(b) = bad
                    && let Ok(mut f) = failures.lock()
                {
                    f.push(b.chars().take(400).collect::<String>());
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("fuzz worker");
    }

    if let Ok(counts) = statuses.lock() {
        eprintln!("statuses (0 = not sent): {counts:?}");
    }
    let failures = failures.lock().map(|f| f.clone()).unwrap_or_default();
    assert!(
        failures.is_empty(),
        "{} bad answers, first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    assert_eq!(panics.load(Ordering::SeqCst), 0, "the server panicked");
    let health = client
        .get(format!("{base}/_fogbank/health"))
        .send()
        .await
        .expect("health after the run");
    assert_eq!(health.status(), 200);
    server.state.sqs.audit().expect("no stranded message");
}
