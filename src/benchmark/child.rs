//! Child fogbank processes for the start-up and memory figures, timed from spawn until health
//! answers 200.

use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::io_err;

/// Start this binary as a server on a free port; returns the child, its address and the time
/// from spawn until its health endpoint answered 200.
pub(super) async fn start_child() -> io::Result<(Child, SocketAddr, Duration)> {
    start_child_with(&[]).await
}

pub(super) async fn start_child_with(extra: &[&str]) -> io::Result<(Child, SocketAddr, Duration)> {
    let exe = std::env::current_exe()?;
    let t0 = Instant::now();
    let mut child = Command::new(exe)
        .args(["--port", "0", "--log-level", "info"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take().ok_or_else(|| io_err("no stderr"))?;
    let addr = tokio::task::spawn_blocking(move || -> io::Result<SocketAddr> {
        let mut lines = BufReader::new(stderr).lines();
        for line in lines.by_ref() {
            let line = line?;
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let a = rest.split_whitespace().next().unwrap_or("");
                let addr = a.parse().map_err(io_err)?;
                // Keep draining so the child never blocks on a full pipe.
                std::thread::spawn(move || for _ in lines {});
                return Ok(addr);
            }
        }
        Err(io_err("child exited before listening"))
    })
    .await
    .map_err(io_err)??;
    loop {
        if let Ok(stream) = TcpStream::connect(addr).await {
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(io_err)?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            let req = Request::get("/_fogbank/health")
                .header("host", addr.to_string())
                .body(Full::new(Bytes::new()))
                .map_err(io_err)?;
            if let Ok(res) = sender.send_request(req).await
                && res.status().as_u16() == 200
            {
                return Ok((child, addr, t0.elapsed()));
            }
        }
        if t0.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            return Err(io_err("child never became healthy"));
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}
