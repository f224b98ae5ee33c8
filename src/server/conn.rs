//! Accepting and serving connections: hyper-util's HTTP/1 + HTTP/2 builder with a header-read
//! timeout, a cap on open connections, and graceful shutdown.
//!
//! - A connection must send a complete request head within `header_timeout` of being accepted
//!   (fogbank's own timer until the first request arrives, hyper's `header_read_timeout` for
//!   every request after). hyper starts that timer again when a keep-alive connection goes
//!   idle, so an idle connection is closed after the same time; a request in progress (a
//!   20 s long poll, a Lambda invoke) is never cut.
//! - At most `max_connections` connections are open at once (default: half the open-files
//!   limit). Beyond it, new connections wait in the kernel's accept queue until a slot frees;
//!   stalled clients free theirs at the header timeout.
//! - [`raise_nofile_limit`] lifts the soft RLIMIT_NOFILE to the hard one at start.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::http::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Connection limits (`--header-timeout`, `--max-connections`).
#[derive(Debug, Clone)]
pub struct ConnectionSettings {
    /// Longest wait for a complete request head, from accept or from the end of the previous
    /// response (so also the keep-alive idle timeout).
    pub header_timeout: Duration,
    /// Most connections open at once; `None`: half the open-files limit (64 to 65,536).
    pub max_connections: Option<usize>,
}

impl Default for ConnectionSettings {
    fn default() -> Self {
        ConnectionSettings {
            header_timeout: Duration::from_secs(30),
            max_connections: None,
        }
    }
}

impl ConnectionSettings {
    /// The connection cap in force.
    pub fn max_connections(&self) -> usize {
        self.max_connections
            .unwrap_or_else(|| (nofile_soft_limit() / 2).clamp(64, 65_536))
            .max(1)
    }
}

/// The soft limit on open files (RLIMIT_NOFILE), or 1024 if it cannot be read.
fn nofile_soft_limit() -> usize {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return 1024;
    }
    if lim.rlim_cur == libc::RLIM_INFINITY {
        return 1 << 20;
    }
    usize::try_from(lim.rlim_cur).unwrap_or(1 << 20)
}

/// Raise the soft open-files limit to the hard limit (many connections, Lambda processes and
/// their pipes). Returns the soft limit now in force.
pub fn raise_nofile_limit() -> usize {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 && lim.rlim_cur < lim.rlim_max
    {
        let before = lim.rlim_cur;
        // macOS refuses RLIM_INFINITY (and anything above OPEN_MAX) as a soft limit.
        for target in [lim.rlim_max, 65_536, 10_240] {
            if target <= before || target > lim.rlim_max {
                continue;
            }
            let new = libc::rlimit {
                rlim_cur: target,
                rlim_max: lim.rlim_max,
            };
            // SAFETY: setrlimit reads the struct we pass.
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) } == 0 {
                tracing::debug!(from = before, to = target, "raised the open-files limit");
                break;
            }
        }
    }
    nofile_soft_limit()
}

/// A source of accepted connections, each holding one of the open-connection slots.
pub trait Acceptor: Send + 'static {
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    /// The next connection (waits while every slot is taken).
    fn accept(&mut self) -> impl Future<Output = (Self::Io, OwnedSemaphorePermit)> + Send;
}

/// Plain TCP connections (TCP_NODELAY).
pub struct PlainAcceptor {
    listener: TcpListener,
    slots: Arc<Semaphore>,
}

impl PlainAcceptor {
    pub fn new(listener: TcpListener, slots: Arc<Semaphore>) -> Self {
        PlainAcceptor { listener, slots }
    }
}

impl Acceptor for PlainAcceptor {
    type Io = TcpStream;

    async fn accept(&mut self) -> (TcpStream, OwnedSemaphorePermit) {
        loop {
            let permit = slot(&self.slots).await;
            match self.listener.accept().await {
                Ok((tcp, _)) => {
                    let _ = tcp.set_nodelay(true);
                    return (tcp, permit);
                }
                Err(e) => accept_failed(e).await,
            }
        }
    }
}

/// One open-connection slot (never fails: the semaphore is never closed).
async fn slot(slots: &Arc<Semaphore>) -> OwnedSemaphorePermit {
    match slots.clone().acquire_owned().await {
        Ok(p) => p,
        Err(_) => std::future::pending().await,
    }
}

/// After a failed accept: a client that gave up is nothing; anything else (out of file
/// descriptors) is logged and retried shortly, as hyper's servers do.
async fn accept_failed(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    ) {
        return;
    }
    tracing::warn!(error = %e, "accept failed");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Marks its connection as having sent a request (for the first-request timer).
#[derive(Clone)]
struct Seen<S> {
    inner: S,
    seen: Arc<AtomicBool>,
}

impl<S, R> hyper::service::Service<R> for Seen<S>
where
    S: hyper::service::Service<R>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn call(&self, req: R) -> S::Future {
        self.seen.store(true, Ordering::Relaxed);
        self.inner.call(req)
    }
}

/// Serve connections from `acceptor` with `service` until `shutdown` completes, then close
/// idle connections and wait for the others to finish their requests.
pub async fn serve<A, S>(
    mut acceptor: A,
    service: S,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()>
where
    A: Acceptor,
    S: hyper::service::Service<Request<Incoming>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (io, permit) = tokio::select! {
            c = acceptor.accept() => c,
            () = &mut shutdown => break,
        };
        let seen = Arc::new(AtomicBool::new(false));
        let svc = Seen {
            inner: service.clone(),
            seen: seen.clone(),
        };
        let conn = builder.serve_connection(TokioIo::new(io), svc).into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            tokio::pin!(conn);
            tokio::select! {
                _ = &mut conn => {}
                () = tokio::time::sleep(header_timeout) => {
                    // Nothing asked in time: dropping the connection closes it. Otherwise
                    // hyper's own header timer guards every later request.
                    if seen.load(Ordering::Relaxed) {
                        let _ = conn.await;
                    }
                }
            }
            drop(permit);
        });
    }
    drop(acceptor);
    graceful.shutdown().await;
    Ok(())
}
