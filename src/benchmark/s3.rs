//! `fogbank bench`: S3 figures. Small-object PUT and GET per second beside the no-op ceiling
//! measured with the same requests in interleaved rounds; a 1 GiB multipart upload and its
//! download in a fresh child process (throughput, and the child's peak RSS sampled while the
//! bytes flow); and the latency from a PUT to its event notification being received from an
//! SQS queue.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use serde_json::json;

use super::{Conn, Run, io_err, rss_bytes, start_child, verdict};

/// Size of each small object.
const SMALL: usize = 1024;
/// The large object: 128 parts of 8 MiB (1 GiB), 4 parts in flight.
const PART: usize = 8 * 1024 * 1024;
const PARTS: usize = 128;
const PARTS_IN_FLIGHT: usize = 4;
/// PUT-to-notification samples.
const NOTIFY_SAMPLES: usize = 200;

/// The S3 figures of one bench run.
pub struct S3Figures {
    pub put_rate: f64,
    pub put_frac: f64,
    pub get_rate: f64,
    pub get_frac: f64,
    pub upload_mib_s: f64,
    pub upload_peak_rss: u64,
    pub download_mib_s: f64,
    pub download_peak_rss: u64,
    pub idle_rss: u64,
    pub notify_p50_us: f64,
    pub notify_p99_us: f64,
}

impl Conn {
    /// Any request on this connection; returns status, headers and the whole body.
    pub(super) async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> io::Result<(u16, hyper::HeaderMap, Bytes)> {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.host);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(body)).map_err(io_err)?;
        self.sender.ready().await.map_err(io_err)?;
        let res = self.sender.send_request(req).await.map_err(io_err)?;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.map_err(io_err)?.to_bytes();
        Ok((status, headers, body))
    }

    /// A request whose answer must be `want`.
    async fn expect(
        &mut self,
        want: u16,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> io::Result<(hyper::HeaderMap, Bytes)> {
        let (status, h, b) = self.request(method, path, headers, body).await?;
        if status != want {
            return Err(io_err(format!(
                "{method} {path} answered {status}: {}",
                String::from_utf8_lossy(&b)
            )));
        }
        Ok((h, b))
    }
}

/// Every S3 measurement. `server` is the bench's in-process fogbank, `noop` the ceiling.
pub async fn measure(
    server: SocketAddr,
    noop: SocketAddr,
    connections: usize,
    duration: Duration,
    rounds: usize,
) -> io::Result<S3Figures> {
    let mut c = Conn::open(server).await?;
    c.expect(200, "PUT", "/bench-small", &[], Bytes::new())
        .await?;
    let small = Bytes::from(vec![b's'; SMALL]);
    c.expect(200, "PUT", "/bench-small/get-me", &[], small.clone())
        .await?;

    let mut puts = Vec::new();
    let mut gets = Vec::new();
    for round in 0..rounds {
        let ceiling_put = small_loop(noop, connections, duration, "PUT", &small, round).await?;
        let put = small_loop(server, connections, duration, "PUT", &small, round).await?;
        let ceiling_get = small_loop(noop, connections, duration, "GET", &small, round).await?;
        let get = small_loop(server, connections, duration, "GET", &small, round).await?;
        puts.push((put.rate(), put.rate() / ceiling_put.rate() * 100.0));
        gets.push((get.rate(), get.rate() / ceiling_get.rate() * 100.0));
    }
    let median = |v: &[(f64, f64)], pick: fn(&(f64, f64)) -> f64| {
        let mut x: Vec<f64> = v.iter().map(pick).collect();
        x.sort_by(f64::total_cmp);
        x[x.len() / 2]
    };
    let (notify_p50_us, notify_p99_us) = notification_latency(server).await?;
    let large = large_object().await?;
    Ok(S3Figures {
        put_rate: median(&puts, |p| p.0),
        put_frac: median(&puts, |p| p.1),
        get_rate: median(&gets, |p| p.0),
        get_frac: median(&gets, |p| p.1),
        upload_mib_s: large.upload_mib_s,
        upload_peak_rss: large.upload_peak_rss,
        download_mib_s: large.download_mib_s,
        download_peak_rss: large.download_peak_rss,
        idle_rss: large.idle_rss,
        notify_p50_us,
        notify_p99_us,
    })
}

/// `connections` workers each PUTting 1 KiB objects over 256 keys of their own (or GETting
/// one object) until `duration` passes.
async fn small_loop(
    addr: SocketAddr,
    connections: usize,
    duration: Duration,
    method: &'static str,
    body: &Bytes,
    round: usize,
) -> io::Result<Run> {
    let start = Instant::now();
    let mut handles = Vec::new();
    for w in 0..connections {
        let body = if method == "PUT" {
            body.clone()
        } else {
            Bytes::new()
        };
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await?;
            let mut samples = Vec::with_capacity(50_000);
            let mut i = 0u64;
            while start.elapsed() < duration {
                // Each worker cycles over 256 keys: every PUT replaces an object, so the run
                // measures the request path, not a bucket growing past the in-memory budget.
                let path = if method == "PUT" {
                    format!("/bench-small/r{round}-w{w}-{}", i % 256)
                } else {
                    "/bench-small/get-me".to_string()
                };
                i += 1;
                let t = Instant::now();
                let (status, _, _) = conn.request(method, &path, &[], body.clone()).await?;
                if status != 200 {
                    return Err(io_err(format!("{method} {path} answered {status}")));
                }
                samples.push(t.elapsed().as_nanos() as u64);
            }
            Ok::<_, io::Error>(samples)
        }));
    }
    super::gather(handles, start).await
}

/// PUT an object into a bucket notifying a queue, then long-poll the queue for its record:
/// the time from sending the PUT to holding the event, c=1.
async fn notification_latency(server: SocketAddr) -> io::Result<(f64, f64)> {
    let queue = super::create_queue(server, "bench-s3-events").await?;
    let mut c = Conn::open(server).await?;
    c.expect(200, "PUT", "/bench-notify", &[], Bytes::new())
        .await?;
    let config = "<NotificationConfiguration><QueueConfiguration>\
        <Queue>arn:aws:sqs:us-east-1:000000000000:bench-s3-events</Queue>\
        <Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>";
    c.expect(
        200,
        "PUT",
        "/bench-notify?notification",
        &[],
        Bytes::from_static(config.as_bytes()),
    )
    .await?;
    // The s3:TestEvent sent when the configuration was stored.
    c.sqs("PurgeQueue", &json!({ "QueueUrl": queue })).await?;
    let receive = Bytes::from(
        json!({"QueueUrl": queue, "MaxNumberOfMessages": 1, "WaitTimeSeconds": 2}).to_string(),
    );
    let body = Bytes::from_static(b"payload");
    let mut run = Run::default();
    for i in 0..NOTIFY_SAMPLES {
        let t = Instant::now();
        c.expect(
            200,
            "PUT",
            &format!("/bench-notify/k{i}"),
            &[],
            body.clone(),
        )
        .await?;
        let (status, got) = c.post("ReceiveMessage", receive.clone()).await?;
        let v: serde_json::Value = serde_json::from_slice(&got).map_err(io_err)?;
        let Some(handle) = v["Messages"][0]["ReceiptHandle"].as_str() else {
            return Err(io_err(format!(
                "no notification for k{i} (ReceiveMessage answered {status})"
            )));
        };
        run.samples.push(t.elapsed().as_nanos() as u64);
        c.sqs(
            "DeleteMessage",
            &json!({"QueueUrl": queue, "ReceiptHandle": handle}),
        )
        .await?;
    }
    Ok((run.percentile_us(0.5), run.percentile_us(0.99)))
}

struct Large {
    upload_mib_s: f64,
    upload_peak_rss: u64,
    download_mib_s: f64,
    download_peak_rss: u64,
    idle_rss: u64,
}

/// Samples a process's RSS every 20 ms until dropped; `peak` holds the largest seen.
struct RssSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
}

impl RssSampler {
    fn start(pid: u32) -> RssSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(rss_bytes(pid).unwrap_or(0)));
        let (s, p) = (stop.clone(), peak.clone());
        tokio::spawn(async move {
            while !s.load(Ordering::Relaxed) {
                if let Ok(r) = rss_bytes(pid) {
                    p.fetch_max(r, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        RssSampler { stop, peak }
    }

    fn finish(self, pid: u32) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Ok(r) = rss_bytes(pid) {
            self.peak.fetch_max(r, Ordering::Relaxed);
        }
        self.peak.load(Ordering::Relaxed)
    }
}

/// The 1 GiB multipart upload and its download, in a fresh child (whose temp dir holds the
/// parts while it runs).
async fn large_object() -> io::Result<Large> {
    let (mut child, addr, _) = start_child().await?;
    let pid = child.id();
    let result = large_object_in(addr, pid).await;
    let _ = child.kill();
    let _ = child.wait();
    result
}

async fn large_object_in(addr: SocketAddr, pid: u32) -> io::Result<Large> {
    let mut c = Conn::open(addr).await?;
    c.expect(200, "PUT", "/bench-large", &[], Bytes::new())
        .await?;
    let (_, created) = c
        .expect(200, "POST", "/bench-large/big?uploads", &[], Bytes::new())
        .await?;
    let upload_id = super::xml_text(&created, "UploadId")
        .ok_or_else(|| io_err("CreateMultipartUpload answered no UploadId"))?;
    let idle_rss = rss_bytes(pid)?;
    let part = Bytes::from(vec![b'L'; PART]);
    let sampler = RssSampler::start(pid);
    let t = Instant::now();
    let next = Arc::new(AtomicU64::new(1));
    let mut handles = Vec::new();
    for _ in 0..PARTS_IN_FLIGHT {
        let (part, next, upload_id) = (part.clone(), next.clone(), upload_id.clone());
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await?;
            let mut etags = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n > PARTS as u64 {
                    return Ok::<_, io::Error>(etags);
                }
                let path = format!("/bench-large/big?partNumber={n}&uploadId={upload_id}");
                let (h, _) = conn.expect(200, "PUT", &path, &[], part.clone()).await?;
                let etag = h
                    .get("etag")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| io_err("UploadPart answered no ETag"))?;
                etags.push((n, etag.to_string()));
            }
        }));
    }
    let mut etags = Vec::new();
    for h in handles {
        etags.extend(h.await.map_err(io_err)??);
    }
    etags.sort();
    let mut complete = String::from("<CompleteMultipartUpload>");
    for (n, etag) in &etags {
        complete.push_str(&format!(
            "<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>"
        ));
    }
    complete.push_str("</CompleteMultipartUpload>");
    c.expect(
        200,
        "POST",
        &format!("/bench-large/big?uploadId={upload_id}"),
        &[],
        Bytes::from(complete),
    )
    .await?;
    let upload_secs = t.elapsed().as_secs_f64();
    let upload_peak_rss = sampler.finish(pid);

    // The download, streamed and counted without keeping the body.
    let sampler = RssSampler::start(pid);
    let t = Instant::now();
    let req = Request::get("/bench-large/big")
        .header("host", &c.host)
        .body(Full::new(Bytes::new()))
        .map_err(io_err)?;
    c.sender.ready().await.map_err(io_err)?;
    let res = c.sender.send_request(req).await.map_err(io_err)?;
    if res.status().as_u16() != 200 {
        return Err(io_err(format!(
            "GET of the large object answered {}",
            res.status()
        )));
    }
    let mut body = res.into_body();
    let mut got = 0usize;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.map_err(io_err)?.into_data() {
            got += data.len();
        }
    }
    let download_secs = t.elapsed().as_secs_f64();
    let download_peak_rss = sampler.finish(pid);
    if got != PART * PARTS {
        return Err(io_err(format!(
            "downloaded {got} bytes of {}",
            PART * PARTS
        )));
    }
    let mib = (PART * PARTS) as f64 / (1024.0 * 1024.0);
    Ok(Large {
        upload_mib_s: mib / upload_secs,
        upload_peak_rss,
        download_mib_s: mib / download_secs,
        download_peak_rss,
        idle_rss,
    })
}

/// The bench table's S3 rows.
pub fn print(f: &S3Figures) {
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "{:<44} {:>14.0} {:>18}",
        "S3 PutObject 1 KiB req/s",
        f.put_rate,
        format!(">= 50% {}", verdict(f.put_frac >= 50.0))
    );
    println!(
        "{:<44} {:>13.0}% {:>18}",
        "  PutObject as % of no-op ceiling", f.put_frac, "-"
    );
    println!(
        "{:<44} {:>14.0} {:>18}",
        "S3 GetObject 1 KiB req/s",
        f.get_rate,
        format!(">= 50% {}", verdict(f.get_frac >= 50.0))
    );
    println!(
        "{:<44} {:>13.0}% {:>18}",
        "  GetObject as % of no-op ceiling", f.get_frac, "-"
    );
    println!(
        "{:<44} {:>14.0} {:>18}",
        "S3 1 GiB multipart upload MiB/s", f.upload_mib_s, "-"
    );
    println!(
        "{:<44} {:>14.1} {:>18}",
        "  peak RSS during upload, MiB",
        mib(f.upload_peak_rss),
        format!(
            "flat {}",
            verdict(mib(f.upload_peak_rss) <= mib(f.idle_rss) + 64.0)
        )
    );
    println!(
        "{:<44} {:>14.0} {:>18}",
        "S3 1 GiB download MiB/s", f.download_mib_s, "-"
    );
    println!(
        "{:<44} {:>14.1} {:>18}",
        "  peak RSS during download, MiB",
        mib(f.download_peak_rss),
        format!(
            "flat {}",
            verdict(mib(f.download_peak_rss) <= mib(f.idle_rss) + 64.0)
        )
    );
    println!(
        "{:<44} {:>14.1} {:>18}",
        "  RSS before the upload, MiB",
        mib(f.idle_rss),
        "-"
    );
    println!(
        "{:<44} {:>14.1} {:>18}",
        "S3 PUT-to-notification received p50 µs", f.notify_p50_us, "-"
    );
    println!(
        "{:<44} {:>14.1} {:>18}",
        "S3 PUT-to-notification received p99 µs", f.notify_p99_us, "-"
    );
}
