//! Connection limits: clients that never finish their request head are closed at the header
//! timeout while health keeps answering, the open-connection cap holds new connections until a
//! slot frees, idle keep-alive connections are closed, and requests in progress are not cut.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use fogbank::config::Config;
use fogbank::server::{self, ConnectionSettings, RunningServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HEADER_TIMEOUT: Duration = Duration::from_secs(1);

async fn start(max_connections: Option<usize>) -> RunningServer {
    let config = Config {
        connections: ConnectionSettings {
            header_timeout: HEADER_TIMEOUT,
            max_connections,
        },
        ..Config::ephemeral()
    };
    server::spawn(config).await.expect("server starts")
}

/// A connection that sends part of a request line and then nothing.
async fn stalled(addr: SocketAddr) -> TcpStream {
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    tcp.write_all(b"GET /_fogbank/health HTTP/1.1\r\nHo")
        .await
        .expect("write");
    tcp
}

/// Wait for the server to close `tcp`; what it sent before closing. Bounded so a server that
/// never closes fails the test instead of hanging it.
async fn closed(mut tcp: TcpStream) -> (Vec<u8>, Instant) {
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        let mut buf = [0u8; 512];
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server kept a stalled connection open");
    (got, Instant::now())
}

async fn health(addr: SocketAddr) -> u16 {
    reqwest::get(format!("http://{addr}/_fogbank/health"))
        .await
        .expect("health")
        .status()
        .as_u16()
}

#[tokio::test]
async fn hundreds_of_stalled_connections_neither_block_health_nor_stay_open() {
    fogbank::server::raise_nofile_limit();
    let server = start(None).await;
    let mut conns = Vec::new();
    for _ in 0..300 {
        conns.push(stalled(server.addr).await);
    }
    let started = Instant::now();
    assert_eq!(health(server.addr).await, 200);
    let took = started.elapsed();
    assert!(
        took < HEADER_TIMEOUT,
        "health took {took:?} beside 300 stalled connections"
    );

    let opened = Instant::now();
    let waits: Vec<_> = conns.into_iter().map(|c| tokio::spawn(closed(c))).collect();
    for w in waits {
        let (got, at) = w.await.expect("task");
        assert!(
            !String::from_utf8_lossy(&got).contains("200 OK"),
            "a stalled request was answered"
        );
        assert!(at.duration_since(opened) < Duration::from_secs(15));
    }
    assert_eq!(health(server.addr).await, 200);
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let server = start(Some(4)).await;
    let mut conns = Vec::new();
    for _ in 0..4 {
        conns.push(stalled(server.addr).await);
    }
    // The fifth connection is queued by the kernel until a stalled one is closed.
    let addr = server.addr;
    let health_done = tokio::spawn(async move {
        let status = health(addr).await;
        (status, Instant::now())
    });
    let mut first_close = None;
    for c in conns {
        let (_, at) = closed(c).await;
        first_close = Some(first_close.map_or(at, |f: Instant| f.min(at)));
    }
    let (status, answered) = health_done.await.expect("task");
    assert_eq!(status, 200);
    let first_close = first_close.expect("closed");
    assert!(
        answered >= first_close,
        "health was served while every slot was held"
    );
}

#[tokio::test]
async fn idle_keep_alive_connections_are_closed_and_long_requests_are_not_cut() {
    let server = start(None).await;
    let host = server.addr.to_string();
    let mut tcp = TcpStream::connect(server.addr).await.expect("connect");
    tcp.write_all(format!("GET /_fogbank/health HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes())
        .await
        .expect("write");
    let (got, _) = closed(tcp).await;
    assert!(
        String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"),
        "answered, then closed when idle"
    );

    // A long poll twice as long as the header timeout completes normally.
    let sqs = common::sqs(&server).await;
    let url = sqs
        .create_queue()
        .queue_name("slow")
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    let started = Instant::now();
    let out = sqs
        .receive_message()
        .queue_url(&url)
        .wait_time_seconds(2)
        .send()
        .await
        .expect("long poll is not cut");
    assert!(out.messages().is_empty());
    assert!(started.elapsed() >= Duration::from_secs(2));
}
