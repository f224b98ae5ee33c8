//! `fogbank bench`: drives a fogbank server over real HTTP and prints throughput, latency,
//! start-up time and memory, beside a no-op HTTP server measured by the same client in the
//! same run (the ceiling that the machine and the client allow).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};

use crate::config::Config;

mod child;
mod durable;
use child::{start_child, start_child_with};
mod fresh;
mod java;
mod lambda;
mod s3;

/// Options of `fogbank bench`.
#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// Concurrent keep-alive connections for the throughput runs.
    #[arg(long, default_value_t = 16)]
    pub connections: usize,
    /// Seconds each throughput run lasts.
    #[arg(long, default_value_t = 2)]
    pub duration_secs: u64,
    /// Size of each message body in bytes.
    #[arg(long, default_value_t = 100)]
    pub message_size: usize,
    /// Messages queued for the memory-per-message measurement.
    #[arg(long, default_value_t = 100_000)]
    pub queue_messages: usize,
    /// Also measure durable state in (fresh sub-directories of) this directory: the pipeline
    /// with `--data-dir` beside the in-memory one, start with 1,000,000 stored messages, idle
    /// RSS, bytes on disk per message.
    #[arg(long = "data-dir")]
    pub data_dir: Option<std::path::PathBuf>,
    /// Messages stored for the durable start-up measurement.
    #[arg(long, default_value_t = 1_000_000)]
    pub stored_messages: usize,
}

fn io_err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// Interleaved measurement rounds (see `run`).
const ROUNDS: usize = 3;

/// One round's figures.
struct Round {
    ceiling: Run,
    send: Run,
    pipe_rps: f64,
    pipe_mps: f64,
    lost: u64,
    fan: FanOut,
    /// Pipeline msgs/s and lost with the data dir on (`--data-dir`), per durability
    /// (process, then machine).
    durable: Vec<(f64, u64)>,
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    sender: SendRequest<Full<Bytes>>,
    host: String,
}

impl Conn {
    async fn open(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(io_err)?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn {
            sender,
            host: addr.to_string(),
        })
    }

    /// POST an SQS JSON request; returns status and body.
    async fn sqs(&mut self, action: &str, body: &Value) -> io::Result<(u16, Bytes)> {
        self.post(action, Bytes::from(body.to_string())).await
    }

    /// POST a query-protocol form (SNS).
    async fn form(&mut self, body: String) -> io::Result<(u16, Bytes)> {
        let req = Request::post("/")
            .header("host", &self.host)
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(Full::new(Bytes::from(body)))
            .map_err(io_err)?;
        self.sender.ready().await.map_err(io_err)?;
        let res = self.sender.send_request(req).await.map_err(io_err)?;
        let status = res.status().as_u16();
        let body = res.into_body().collect().await.map_err(io_err)?.to_bytes();
        Ok((status, body))
    }

    async fn post(&mut self, action: &str, body: Bytes) -> io::Result<(u16, Bytes)> {
        let req = Request::post("/")
            .header("host", &self.host)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("AmazonSQS.{action}"))
            .body(Full::new(body))
            .map_err(io_err)?;
        self.sender.ready().await.map_err(io_err)?;
        let res = self.sender.send_request(req).await.map_err(io_err)?;
        let status = res.status().as_u16();
        let body = res.into_body().collect().await.map_err(io_err)?.to_bytes();
        Ok((status, body))
    }

    /// One consumer step: a ReceiveMessage (`receive` is its JSON body), then one
    /// DeleteMessageBatch of whatever came, checked to have deleted them all. Returns how many
    /// messages were consumed (0 when the poll came back empty) and the requests made. Only the
    /// receipt handles are decoded, so the client spends as little of the shared CPU as it can.
    async fn receive_and_delete(&mut self, url: &str, receive: &Bytes) -> io::Result<(usize, u64)> {
        let (status, body) = self.post("ReceiveMessage", receive.clone()).await?;
        if status != 200 {
            return Err(io_err(format!("ReceiveMessage answered {status}")));
        }
        let received: Received<'_> = serde_json::from_slice(&body).map_err(io_err)?;
        let n = received.messages.len();
        if n == 0 {
            return Ok((0, 1));
        }
        let entries: Vec<DeleteEntry<'_>> = received
            .messages
            .iter()
            .enumerate()
            .map(|(i, m)| DeleteEntry {
                id: ENTRY_IDS[i % ENTRY_IDS.len()],
                receipt_handle: &m.receipt_handle,
            })
            .collect();
        let batch = serde_json::to_vec(&DeleteBatch {
            queue_url: url,
            entries,
        })
        .map_err(io_err)?;
        let (status, body) = self.post("DeleteMessageBatch", Bytes::from(batch)).await?;
        let deleted: Deleted = serde_json::from_slice(&body).map_err(io_err)?;
        if status != 200 || deleted.successful.len() != n {
            return Err(io_err(format!(
                "DeleteMessageBatch answered {status} with {} of {n} deleted",
                deleted.successful.len()
            )));
        }
        Ok((n, 2))
    }
}

const ENTRY_IDS: [&str; 10] = ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"];

#[derive(serde::Deserialize)]
struct Received<'a> {
    #[serde(rename = "Messages", borrow, default)]
    messages: Vec<ReceivedMessage<'a>>,
}

#[derive(serde::Deserialize)]
struct ReceivedMessage<'a> {
    #[serde(rename = "ReceiptHandle", borrow)]
    receipt_handle: std::borrow::Cow<'a, str>,
}

#[derive(serde::Serialize)]
struct DeleteBatch<'a> {
    #[serde(rename = "QueueUrl")]
    queue_url: &'a str,
    #[serde(rename = "Entries")]
    entries: Vec<DeleteEntry<'a>>,
}

#[derive(serde::Serialize)]
struct DeleteEntry<'a> {
    #[serde(rename = "Id")]
    id: &'a str,
    #[serde(rename = "ReceiptHandle")]
    receipt_handle: &'a str,
}

#[derive(serde::Deserialize)]
struct Deleted {
    #[serde(rename = "Successful", default)]
    successful: Vec<serde::de::IgnoredAny>,
}

/// Latency samples (nanoseconds) and request counts of one run.
#[derive(Default)]
struct Run {
    samples: Vec<u64>,
    requests: u64,
    elapsed: Duration,
}

impl Run {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn percentile_us(&mut self, p: f64) -> f64 {
        if self.samples.is_empty() {
            return 0.0;
        }
        self.samples.sort_unstable();
        let i = ((self.samples.len() - 1) as f64 * p).round() as usize;
        self.samples[i] as f64 / 1000.0
    }
}

/// Run `connections` workers sending the same request until `duration` passes.
async fn closed_loop(
    addr: SocketAddr,
    connections: usize,
    duration: Duration,
    action: &'static str,
    body: Bytes,
) -> io::Result<Run> {
    let mut handles = Vec::new();
    let start = Instant::now();
    for _ in 0..connections {
        let body = body.clone();
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await?;
            let mut samples = Vec::with_capacity(100_000);
            while start.elapsed() < duration {
                let t = Instant::now();
                let (status, _) = conn.post(action, body.clone()).await?;
                if status != 200 {
                    return Err(io_err(format!("{action} answered {status}")));
                }
                samples.push(t.elapsed().as_nanos() as u64);
            }
            Ok::<_, io::Error>(samples)
        }));
    }
    gather(handles, start).await
}

/// One run from its workers' latency samples, timed from `start` to the last worker's end.
async fn gather(
    handles: Vec<tokio::task::JoinHandle<io::Result<Vec<u64>>>>,
    start: Instant,
) -> io::Result<Run> {
    let mut run = Run::default();
    for h in handles {
        let s = h.await.map_err(io_err)??;
        run.requests += s.len() as u64;
        run.samples.extend(s);
    }
    run.elapsed = start.elapsed();
    Ok(run)
}

/// A server that answers every request with 200 and `{}`.
async fn noop_server() -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|req: Request<Incoming>| async move {
                    let _ = req.into_body().collect().await;
                    Ok::<_, hyper::Error>(Response::new(Full::new(Bytes::from_static(b"{}"))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(addr)
}

/// The JSON body of the consumers' ReceiveMessage: up to 10 messages, 1 s long poll.
fn receive_body(url: &str) -> Bytes {
    Bytes::from(
        json!({"QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1}).to_string(),
    )
}

async fn create_queue(addr: SocketAddr, name: &str) -> io::Result<String> {
    let mut c = Conn::open(addr).await?;
    let (status, body) = c.sqs("CreateQueue", &json!({ "QueueName": name })).await?;
    let v: Value = serde_json::from_slice(&body).map_err(io_err)?;
    match (status, v["QueueUrl"].as_str()) {
        (200, Some(u)) => Ok(u.to_string()),
        _ => Err(io_err(format!("CreateQueue answered {status}"))),
    }
}

/// Producers send, consumers long-poll 10 at a time and delete in batches, until every
/// message produced within `duration` has been deleted. Returns (requests/s, messages/s, lost).
async fn pipeline(
    addr: SocketAddr,
    connections: usize,
    duration: Duration,
    body: &str,
    tag: usize,
) -> io::Result<(f64, f64, u64)> {
    let url = create_queue(addr, &format!("bench-pipeline-{tag}")).await?;
    let producers = (connections / 2).max(1);
    let consumers = (connections - producers).max(1);
    let requests = Arc::new(AtomicU64::new(0));
    let sent = Arc::new(AtomicU64::new(0));
    let deleted = Arc::new(AtomicU64::new(0));
    // Time of the last delete (ns since start): the run ends there, not when the consumers'
    // final empty long polls give up.
    let last = Arc::new(AtomicU64::new(0));
    let producing = Arc::new(AtomicBool::new(true));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..producers {
        let (url, requests, sent, producing) = (
            url.clone(),
            requests.clone(),
            sent.clone(),
            producing.clone(),
        );
        let payload = Bytes::from(json!({"QueueUrl": url, "MessageBody": body}).to_string());
        tasks.push(tokio::spawn(async move {
            let mut c = Conn::open(addr).await?;
            while start.elapsed() < duration {
                let (status, _) = c.post("SendMessage", payload.clone()).await?;
                requests.fetch_add(1, Ordering::Relaxed);
                if status != 200 {
                    return Err(io_err(format!("SendMessage answered {status}")));
                }
                sent.fetch_add(1, Ordering::Relaxed);
            }
            producing.store(false, Ordering::SeqCst);
            Ok::<(), io::Error>(())
        }));
    }
    for _ in 0..consumers {
        let last = last.clone();
        let (url, requests, sent, deleted, producing) = (
            url.clone(),
            requests.clone(),
            sent.clone(),
            deleted.clone(),
            producing.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut c = Conn::open(addr).await?;
            let receive = receive_body(&url);
            loop {
                if !producing.load(Ordering::SeqCst)
                    && deleted.load(Ordering::SeqCst) >= sent.load(Ordering::SeqCst)
                {
                    return Ok::<(), io::Error>(());
                }
                let (n, made) = c.receive_and_delete(&url, &receive).await?;
                requests.fetch_add(made, Ordering::Relaxed);
                if n == 0 {
                    if !producing.load(Ordering::SeqCst) {
                        return Ok(());
                    }
                    continue;
                }
                deleted.fetch_add(n as u64, Ordering::SeqCst);
                last.fetch_max(start.elapsed().as_nanos() as u64, Ordering::SeqCst);
            }
        }));
    }
    for t in tasks {
        t.await.map_err(io_err)??;
    }
    let elapsed = (last.load(Ordering::SeqCst) as f64 / 1e9).max(duration.as_secs_f64());
    let mut c = Conn::open(addr).await?;
    let (_, body) = c
        .sqs(
            "GetQueueAttributes",
            &json!({"QueueUrl": url, "AttributeNames": ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]}),
        )
        .await?;
    let v: Value = serde_json::from_slice(&body).map_err(io_err)?;
    let left: u64 = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
    ]
    .iter()
    .filter_map(|k| v["Attributes"][k].as_str()?.parse::<u64>().ok())
    .sum();
    let sent = sent.load(Ordering::SeqCst);
    let deleted = deleted.load(Ordering::SeqCst);
    let lost = sent.saturating_sub(deleted) + left;
    Ok((
        requests.load(Ordering::Relaxed) as f64 / elapsed,
        deleted as f64 / elapsed,
        lost,
    ))
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Text of the first `<tag>` in an XML body.
fn xml_text(body: &[u8], tag: &str) -> Option<String> {
    let s = std::str::from_utf8(body).ok()?;
    let open = format!("<{tag}>");
    let start = s.find(&open)? + open.len();
    let end = s[start..].find('<')? + start;
    Some(s[start..end].to_string())
}

/// Fan-out figures: publishes/s, deliveries/s, lost deliveries, publish-to-visible p50/p99 (µs).
struct FanOut {
    publishes: f64,
    deliveries: f64,
    /// Messages per non-empty ReceiveMessage of the consumers.
    per_receive: f64,
    lost: u64,
    visible_p50_us: f64,
    visible_p99_us: f64,
}

/// Publish to a topic with `subscribers` SQS subscriptions (raw, or the default signed JSON
/// envelope) while consumers drain every queue; then time publish-to-visible at concurrency 1.
async fn fan_out(
    addr: SocketAddr,
    connections: usize,
    duration: Duration,
    body: &str,
    subscribers: usize,
    raw: bool,
    tag: &str,
) -> io::Result<FanOut> {
    let mut c = Conn::open(addr).await?;
    let (status, resp) = c
        .form(format!(
            "Action=CreateTopic&Version=2010-03-31&Name=bench-fanout-{tag}"
        ))
        .await?;
    let topic = xml_text(&resp, "TopicArn")
        .filter(|_| status == 200)
        .ok_or_else(|| io_err("CreateTopic failed"))?;
    let mut urls = Vec::new();
    for i in 0..subscribers {
        let url = create_queue(addr, &format!("bench-fanout-{tag}-{i}")).await?;
        let arn = format!("arn:aws:sqs:us-east-1:000000000000:bench-fanout-{tag}-{i}");
        let (status, _) = c
            .form(format!(
                "Action=Subscribe&Version=2010-03-31&TopicArn={}&Protocol=sqs&Endpoint={}&Attributes.entry.1.key=RawMessageDelivery&Attributes.entry.1.value={raw}",
                enc(&topic),
                enc(&arn)
            ))
            .await?;
        if status != 200 {
            return Err(io_err("Subscribe failed"));
        }
        urls.push(url);
    }
    let publish = format!(
        "Action=Publish&Version=2010-03-31&TopicArn={}&Message={}",
        enc(&topic),
        enc(body)
    );
    // Publishers alone use as many connections as the no-op ceiling's closed loop, so that
    // publishes/s compares with it at the same concurrency; the consumers (one per queue) come
    // on top. (With half of them, as the SQS pipeline splits its connections, the publishers
    // wait on each other's share of two cores rather than on fogbank: ~38% instead of ~49%.)
    let publishers = connections.max(1);
    let published = Arc::new(AtomicU64::new(0));
    let delivered = Arc::new(AtomicU64::new(0));
    let receives = Arc::new(AtomicU64::new(0));
    let last = Arc::new(AtomicU64::new(0));
    let producing = Arc::new(AtomicBool::new(true));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..publishers {
        let (publish, published) = (publish.clone(), published.clone());
        tasks.push(tokio::spawn(async move {
            let mut c = Conn::open(addr).await?;
            while start.elapsed() < duration {
                let (status, _) = c.form(publish.clone()).await?;
                if status != 200 {
                    return Err(io_err(format!("Publish answered {status}")));
                }
                published.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<u64, io::Error>(0)
        }));
    }
    let mut consumers = Vec::new();
    for url in &urls {
        let (url, delivered, producing, last, receives) = (
            url.clone(),
            delivered.clone(),
            producing.clone(),
            last.clone(),
            receives.clone(),
        );
        consumers.push(tokio::spawn(async move {
            let mut c = Conn::open(addr).await?;
            let mut mine = 0u64;
            let receive = receive_body(&url);
            loop {
                let (n, _) = c.receive_and_delete(&url, &receive).await?;
                if n == 0 {
                    if !producing.load(Ordering::SeqCst) {
                        return Ok::<u64, io::Error>(mine);
                    }
                    continue;
                }
                mine += n as u64;
                receives.fetch_add(1, Ordering::Relaxed);
                delivered.fetch_add(n as u64, Ordering::Relaxed);
                last.fetch_max(start.elapsed().as_nanos() as u64, Ordering::SeqCst);
            }
        }));
    }
    for t in tasks {
        t.await.map_err(io_err)??;
    }
    let publish_secs = start.elapsed().as_secs_f64();
    producing.store(false, Ordering::SeqCst);
    let mut per_queue = Vec::new();
    for t in consumers {
        per_queue.push(t.await.map_err(io_err)??);
    }
    let drain_secs = (last.load(Ordering::SeqCst) as f64 / 1e9).max(publish_secs);
    let sent = published.load(Ordering::SeqCst);
    let lost = per_queue.iter().map(|n| sent.saturating_sub(*n)).sum();

    // Publish-to-visible: publish, then a plain receive must already find the message.
    let mut samples = Vec::new();
    let first = urls
        .first()
        .cloned()
        .ok_or_else(|| io_err("no subscriber"))?;
    let receive = json!({"QueueUrl": first, "MaxNumberOfMessages": 1});
    let probe_start = Instant::now();
    while probe_start.elapsed() < Duration::from_secs(1) {
        let t = Instant::now();
        c.form(publish.clone()).await?;
        let (_, body) = c.sqs("ReceiveMessage", &receive).await?;
        let elapsed = t.elapsed().as_nanos() as u64;
        let v: Value = serde_json::from_slice(&body).map_err(io_err)?;
        let Some(handle) = v["Messages"][0]["ReceiptHandle"].as_str() else {
            return Err(io_err(
                "a published message was not visible right after Publish returned",
            ));
        };
        c.sqs(
            "DeleteMessage",
            &json!({"QueueUrl": first, "ReceiptHandle": handle}),
        )
        .await?;
        samples.push(elapsed);
    }
    for url in urls.iter().skip(1) {
        c.sqs("PurgeQueue", &json!({"QueueUrl": url})).await?;
    }
    let mut run = Run {
        samples,
        requests: 0,
        elapsed: Duration::ZERO,
    };
    Ok(FanOut {
        publishes: sent as f64 / publish_secs,
        deliveries: delivered.load(Ordering::SeqCst) as f64 / drain_secs,
        per_receive: delivered.load(Ordering::SeqCst) as f64
            / receives.load(Ordering::SeqCst).max(1) as f64,
        lost,
        visible_p50_us: run.percentile_us(0.5),
        visible_p99_us: run.percentile_us(0.99),
    })
}

/// The resident set size of a process, in bytes.
fn rss_bytes(pid: u32) -> io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| io_err("no VmRSS"))
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}

/// Run every measurement and print the table.
pub async fn run(args: BenchArgs) -> io::Result<()> {
    let duration = Duration::from_secs(args.duration_secs.max(1));
    let body_text = "x".repeat(args.message_size);
    let n = args.connections.max(2);
    println!(
        "fogbank bench: {n} connections, {ROUNDS} interleaved rounds of {}s runs, {}-byte messages",
        duration.as_secs(),
        args.message_size
    );

    let server = crate::server::spawn(Config::ephemeral()).await?;
    let durable_servers = match &args.data_dir {
        None => Vec::new(),
        Some(root) => durable::pipeline_servers(root).await?,
    };
    let noop = noop_server().await?;
    let url = create_queue(server.addr, "bench-send").await?;
    let send_body = Bytes::from(json!({"QueueUrl": url, "MessageBody": body_text}).to_string());

    // Warm up both servers briefly.
    closed_loop(
        noop,
        n,
        Duration::from_millis(300),
        "SendMessage",
        send_body.clone(),
    )
    .await?;
    closed_loop(
        server.addr,
        n,
        Duration::from_millis(300),
        "SendMessage",
        send_body.clone(),
    )
    .await?;

    // The machine's speed drifts from second to second (two shared cores), so the ceiling and
    // fogbank are measured in interleaved rounds and each fraction is the median of the
    // per-round fractions.
    let mut rounds = Vec::new();
    for round in 0..ROUNDS {
        let ceiling = closed_loop(noop, n, duration, "SendMessage", send_body.clone()).await?;
        let send = closed_loop(server.addr, n, duration, "SendMessage", send_body.clone()).await?;
        let (pipe_rps, pipe_mps, lost) =
            pipeline(server.addr, n, duration, &body_text, round).await?;
        let mut durable = Vec::new();
        for d in &durable_servers {
            let (_, mps, lost) = pipeline(d.addr, n, duration, &body_text, round).await?;
            durable.push((mps, lost));
        }
        let fan = fan_out(
            server.addr,
            n,
            duration,
            &body_text,
            4,
            true,
            &round.to_string(),
        )
        .await?;
        rounds.push(Round {
            ceiling,
            send,
            pipe_rps,
            pipe_mps,
            lost,
            fan,
            durable,
        });
    }
    let mut send1 = closed_loop(server.addr, 1, duration, "SendMessage", send_body.clone()).await?;
    let signed = fan_out(server.addr, n, duration, &body_text, 4, false, "signed").await?;
    let lambda_figures = lambda::measure(server.addr).await?;
    let fresh_figures = fresh::measure().await?;
    let java_figures = java::measure(server.addr).await?;
    let s3_figures = s3::measure(server.addr, noop, n, duration, ROUNDS).await?;
    let mut ceiling1 = closed_loop(noop, 1, duration, "SendMessage", send_body.clone()).await?;
    server.shutdown().await;
    for d in durable_servers {
        d.shutdown().await;
    }
    let median = |f: &dyn Fn(&Round) -> f64| {
        let mut v: Vec<f64> = rounds.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let ceiling_rate = median(&|r| r.ceiling.rate());
    let send_rate = median(&|r| r.send.rate());
    let send_frac = median(&|r| r.send.rate() / r.ceiling.rate() * 100.0);
    let pipe_rps = median(&|r| r.pipe_rps);
    let pipe_mps = median(&|r| r.pipe_mps);
    let pipe_frac = median(&|r| r.pipe_rps / r.ceiling.rate() * 100.0);
    let fan_publishes = median(&|r| r.fan.publishes);
    let fan_deliveries = median(&|r| r.fan.deliveries);
    let fan_per_receive = median(&|r| r.fan.per_receive);
    let fan_frac = median(&|r| r.fan.publishes / r.ceiling.rate() * 100.0);
    let fan_p50 = median(&|r| r.fan.visible_p50_us);
    let fan_p99 = median(&|r| r.fan.visible_p99_us);
    let lost: u64 = rounds.iter().map(|r| r.lost).sum();
    let durable_rates: Vec<(f64, f64)> = (0..rounds.first().map_or(0, |r| r.durable.len()))
        .map(|i| {
            (
                median(&|r| r.durable[i].0),
                median(&|r| r.durable[i].0 / r.pipe_mps * 100.0),
            )
        })
        .collect();
    let fan_lost: u64 = rounds.iter().map(|r| r.fan.lost).sum::<u64>() + signed.lost;
    let mut send = Run::default();
    for r in &mut rounds {
        send.samples.append(&mut r.send.samples);
    }

    let mut starts = Vec::new();
    let mut idle_rss = 0;
    for _ in 0..5 {
        let (mut child, _, took) = start_child().await?;
        idle_rss = rss_bytes(child.id())?;
        starts.push(took);
        let _ = child.kill();
        let _ = child.wait();
    }
    starts.sort();
    let start_median = starts[starts.len() / 2];

    // Memory per queued message, in a fresh child process.
    let (mut child, addr, _) = start_child().await?;
    let qurl = create_queue(addr, "bench-memory").await?;
    let before = rss_bytes(child.id())?;
    let mut c = Conn::open(addr).await?;
    let batches = args.queue_messages.div_ceil(10);
    for b in 0..batches {
        let entries: Vec<Value> = (0..10)
            .map(|i| json!({"Id": format!("e{i}"), "MessageBody": body_text}))
            .collect();
        let (status, _) = c
            .sqs(
                "SendMessageBatch",
                &json!({"QueueUrl": qurl, "Entries": entries}),
            )
            .await?;
        if status != 200 {
            let _ = child.kill();
            return Err(io_err(format!("SendMessageBatch {b} answered {status}")));
        }
    }
    let after = rss_bytes(child.id())?;
    let _ = child.kill();
    let _ = child.wait();
    let per_message = after.saturating_sub(before) as f64 / (batches * 10) as f64;
    let durable_figures = match &args.data_dir {
        Some(root) => {
            durable::settle().await;
            Some(durable::measure(root, &body_text, args.stored_messages).await?)
        }
        None => None,
    };
    let durable_lost: u64 = rounds
        .iter()
        .flat_map(|r| r.durable.iter().map(|d| d.1))
        .sum();

    let send_p50_1 = send1.percentile_us(0.50);
    println!();
    println!("{:<44} {:>14} {:>18}", "measure", "value", "target");
    println!(
        "{:<44} {:>14.0} {:>18}",
        format!("no-op HTTP ceiling, req/s (c={n})"),
        ceiling_rate,
        "-"
    );
    println!(
        "{:<44} {:>14.0} {:>18}",
        "no-op HTTP ceiling, req/s (c=1)",
        ceiling1.rate(),
        "-"
    );
    println!(
        "{:<44} {:>14.1} {:>18}",
        "no-op HTTP p50 µs (c=1)",
        ceiling1.percentile_us(0.5),
        "-"
    );
    println!(
        "{:<44} {:>14.0} {:>18}",
        format!("SendMessage req/s (c={n})"),
        send_rate,
        format!("{send_frac:.0}% of ceiling")
    );
    println!(
        "{:<44} {:>14.1} {:>18}",
        format!("SendMessage p50 µs (c={n})"),
        send.percentile_us(0.5),
        "-"
    );
    println!(
        "{:<44} {:>14.1} {:>18}",
        format!("SendMessage p99 µs (c={n})"),
        send.percentile_us(0.99),
        "-"
    );
    println!(
        "{:<44} {:>14.1} {:>18}",
        "SendMessage p50 µs (c=1)",
        send_p50_1,
        format!("<= 200 {}", verdict(send_p50_1 <= 200.0))
    );
    println!(
        "{:<44} {:>14.1} {:>18}",
        "SendMessage p99 µs (c=1)",
        send1.percentile_us(0.99),
        "-"
    );
    println!(
        "{:<44} {:>14.0} {:>18}",
        "pipeline req/s (send, recv 10, delete batch)",
        pipe_rps,
        format!(">= 50% {}", verdict(pipe_frac >= 50.0))
    );
    println!(
        "{:<44} {:>13.0}% {:>18}",
        "pipeline as % of no-op ceiling", pipe_frac, "-"
    );
    println!(
        "{:<44} {:>14.0} {:>18}",
        "pipeline messages/s", pipe_mps, "-"
    );
    println!(
        "{:<44} {:>14} {:>18}",
        "pipeline messages lost",
        lost,
        format!("0 {}", verdict(lost == 0))
    );
    println!(
        "{:<44} {:>14.0} {:>18}",
        "SNS publishes/s (4 SQS subscriptions)",
        fan_publishes,
        format!(">= 40% {}", verdict(fan_frac >= 40.0))
    );
    println!(
        "{:<44} {:>13.0}% {:>18}",
        "SNS publishes as % of no-op ceiling", fan_frac, "-"
    );
    println!(
        "{:<44} {:>14.0} {:>18}",
        "SNS deliveries/s (drained by consumers)", fan_deliveries, "-"
    );
    println!(
        "{:<44} {:>14.0} {:>18}",
        "SNS publishes/s, signed envelopes (1 run)", signed.publishes, "-"
    );
    println!(
        "{:<44} {:>14.1} {:>18}",
        "  signed publish-to-visible p50 µs (c=1)", signed.visible_p50_us, "-"
    );
    println!(
        "{:<44} {:>14.1} {:>18}",
        "SNS messages per consumer receive", fan_per_receive, "-"
    );
    println!(
        "{:<44} {:>14} {:>18}",
        "SNS deliveries lost",
        fan_lost,
        format!("0 {}", verdict(fan_lost == 0))
    );
    println!(
        "{:<44} {:>14.1} {:>18}",
        "SNS publish-to-visible p50 µs (c=1)",
        fan_p50,
        format!("<= 1000 {}", verdict(fan_p50 <= 1000.0))
    );
    println!(
        "{:<44} {:>14.1} {:>18}",
        "SNS publish-to-visible p99 µs (c=1)", fan_p99, "-"
    );
    let start_ms = start_median.as_secs_f64() * 1000.0;
    println!(
        "{:<44} {:>14.1} {:>18}",
        "start to healthy, ms (median of 5)",
        start_ms,
        format!("<= 20 {}", verdict(start_ms <= 20.0))
    );
    let idle_mib = idle_rss as f64 / (1024.0 * 1024.0);
    println!(
        "{:<44} {:>14.1} {:>18}",
        "idle RSS, MiB",
        idle_mib,
        format!("<= 10 {}", verdict(idle_mib <= 10.0))
    );
    println!(
        "{:<44} {:>14.0} {:>18}",
        format!("bytes per queued {}-byte message", args.message_size),
        per_message,
        format!("<= 400 {}", verdict(per_message <= 400.0))
    );
    for f in &lambda_figures {
        lambda::RuntimeRows {
            runtime: f.runtime,
            warm_note: "no-op handler",
            p50_us: f.warm_p50_us,
            p99_us: f.warm_p99_us,
            cold_ms: f.cold_ms,
            cold_goal_ms: f.interpreter_ms + 10.0,
            bare_label: "  bare interpreter start-to-exit ms".into(),
            bare_ms: f.interpreter_ms,
        }
        .print();
    }
    fresh::print(&fresh_figures);
    java::print(&java_figures);
    s3::print(&s3_figures);
    durable::print_pipeline(&durable_rates, durable_lost);
    if let Some(f) = &durable_figures {
        println!(
            "{:<44} {:>14.0} {:>18}",
            format!("start to healthy, {} stored msgs, ms", f.stored),
            f.start_ms,
            format!("<= 2000 {}", verdict(f.start_ms <= 2000.0))
        );
        let mib = f.idle_rss as f64 / (1024.0 * 1024.0);
        println!(
            "{:<44} {:>14.1} {:>18}",
            "idle RSS with an empty data dir, MiB",
            mib,
            format!("<= 10 {}", verdict(mib <= 10.0))
        );
        println!(
            "{:<44} {:>14.0} {:>18}",
            format!("disk bytes per stored {}-byte message", args.message_size),
            f.bytes_per_message,
            "-"
        );
    }
    let lost = lost + durable_lost;
    if lost > 0 || fan_lost > 0 {
        return Err(io_err(format!(
            "messages lost: {lost} in the pipeline runs, {fan_lost} in the fan-out runs"
        )));
    }
    Ok(())
}
