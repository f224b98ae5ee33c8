//! `fogbank bench --data-dir DIR`: the durable figures beside the in-memory ones: pipeline
//! throughput with the data dir on, start to healthy with 1,000,000 stored messages, idle RSS
//! on an empty data dir, and bytes on disk per stored message.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use super::{Conn, create_queue, io_err, rss_bytes, start_child_with, verdict};
use crate::config::Config;
use crate::server::{RunningServer, StorageSettings};
use crate::store::Durability;

/// The durabilities the pipeline runs with, in the order their figures are printed.
const DURABILITIES: [(Durability, &str); 2] = [
    (Durability::Process, "process"),
    (Durability::Machine, "machine"),
];

/// One in-process server per durability, each on a fresh sub-directory of `root`.
pub async fn pipeline_servers(root: &Path) -> io::Result<Vec<RunningServer>> {
    let mut out = Vec::new();
    for (durability, name) in DURABILITIES {
        let config = Config {
            storage: Some(StorageSettings {
                data_dir: fresh(root, &format!("pipeline-{name}"))?,
                durability,
            }),
            ..Config::ephemeral()
        };
        out.push(crate::server::spawn(config).await?);
    }
    Ok(out)
}

/// The durable pipeline figures: msgs/s and % of the in-memory pipeline, per durability.
pub fn print_pipeline(rates: &[(f64, f64)], lost: u64) {
    for ((mps, frac), (_, name)) in rates.iter().zip(DURABILITIES) {
        println!(
            "{:<44} {:>14.0} {:>18}",
            format!("durable pipeline msgs/s (--durability {name})"),
            mps,
            "-"
        );
        // The target is the default durability's; machine's fsyncs are reported beside it.
        let target = if name == "process" {
            format!(">= 50 {}", verdict(*frac >= 50.0))
        } else {
            "-".to_string()
        };
        println!(
            "{:<44} {:>14.0} {:>18}",
            "  as % of in-memory pipeline msgs/s", frac, target
        );
    }
    if !rates.is_empty() {
        println!(
            "{:<44} {:>14} {:>18}",
            "  durable messages lost",
            lost,
            format!("0 {}", verdict(lost == 0))
        );
    }
}

/// What the durable part measured (besides the pipeline, run in the interleaved rounds).
pub struct Figures {
    pub start_ms: f64,
    pub stored: usize,
    pub idle_rss: u64,
    pub bytes_per_message: f64,
}

/// A fresh sub-directory of `root` for one measurement.
pub fn fresh(root: &Path, name: &str) -> io::Result<PathBuf> {
    let d = root.join(name);
    if d.exists() {
        std::fs::remove_dir_all(&d)?;
    }
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

fn db_bytes(dir: &Path) -> u64 {
    ["fogbank.db", "fogbank.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum()
}

/// Store `count` messages of `body` through SendMessageBatch on 8 connections.
async fn fill(addr: SocketAddr, url: &str, body: &str, count: usize) -> io::Result<()> {
    let batches = count.div_ceil(10);
    let workers = 8;
    let mut tasks = Vec::new();
    for w in 0..workers {
        let url = url.to_string();
        let body = body.to_string();
        tasks.push(tokio::spawn(async move {
            let mut c = Conn::open(addr).await?;
            let entries: Vec<Value> = (0..10)
                .map(|i| json!({"Id": format!("e{i}"), "MessageBody": body}))
                .collect();
            let payload = json!({"QueueUrl": url, "Entries": entries});
            for _ in (w..batches).step_by(workers) {
                let (status, _) = c.sqs("SendMessageBatch", &payload).await?;
                if status != 200 {
                    return Err(io_err(format!("SendMessageBatch answered {status}")));
                }
            }
            Ok::<(), io::Error>(())
        }));
    }
    for t in tasks {
        t.await.map_err(io_err)??;
    }
    Ok(())
}

/// Idle RSS on an empty data dir; then `stored` messages, disk bytes per message, and the
/// start to healthy of a fogbank that loads them.
pub async fn measure(root: &Path, body: &str, stored: usize) -> io::Result<Figures> {
    let empty = fresh(root, "idle")?;
    let (mut child, _, _) = start_child_with(&[&data_dir_arg(&empty)?]).await?;
    let idle_rss = rss_bytes(child.id())?;
    let _ = child.kill();
    let _ = child.wait();

    let full = fresh(root, "stored")?;
    let arg = data_dir_arg(&full)?;
    let (mut child, addr, _) = start_child_with(&[&arg]).await?;
    let url = create_queue(addr, "bench-stored").await?;
    let before = db_bytes(&full);
    fill(addr, &url, body, stored).await?;
    // Stop it as a crash would: the next start reads the WAL too.
    let _ = child.kill();
    let _ = child.wait();
    let bytes_per_message = db_bytes(&full).saturating_sub(before) as f64 / stored as f64;

    let mut starts = Vec::new();
    for _ in 0..3 {
        let (mut child, _, took) = start_child_with(&[&arg]).await?;
        starts.push(took);
        let _ = child.kill();
        let _ = child.wait();
    }
    starts.sort();
    Ok(Figures {
        start_ms: starts[starts.len() / 2].as_secs_f64() * 1000.0,
        stored,
        idle_rss,
        bytes_per_message,
    })
}

fn data_dir_arg(dir: &Path) -> io::Result<String> {
    dir.to_str()
        .map(|d| format!("--data-dir={d}"))
        .ok_or_else(|| io_err("the data dir's path is not UTF-8"))
}

/// Give the OS a moment between phases (no timing depends on it).
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}
