//! HTTP only: the listener, routing by protocol, request context and internal endpoints.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::Config;

pub(crate) mod auth;
mod conn;
mod credentials;
mod durable;
mod guard;
mod lambda_url;
mod refusal;
mod router;
pub mod sigv4;
mod tls;

pub use conn::{ConnectionSettings, raise_nofile_limit};
pub use durable::StorageSettings;
pub use guard::GuardSettings;
pub use router::AppState;
pub use tls::{CERT_PATH as TLS_CERT_PATH, TlsSettings};

/// A server started in the background (tests, the benchmark).
pub struct RunningServer {
    /// The bound address (the real port when the config asked for port 0).
    pub addr: SocketAddr,
    /// Shared state, for tests that want to look inside.
    pub state: Arc<AppState>,
    shutdown: Option<oneshot::Sender<()>>,
    join: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningServer {
    /// `http://127.0.0.1:<port>`: what an SDK's endpoint URL should be.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop accepting, finish in-flight requests, and wait for the server task.
    /// When it returns, the state is released too (a data dir's lock with it), so a server
    /// can be started again on the same data dir at once: the connection tasks that still hold
    /// the state after their last request are given up to 2 s to end.
    pub async fn shutdown(mut self) {
        self.stop().await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        while Arc::strong_count(&self.state) > 1 && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }

    async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(join) = self.join.take() {
            let _ = join.await;
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Bind the configured address and serve in a background task.
pub async fn spawn(config: Config) -> std::io::Result<RunningServer> {
    let listener = TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let state = AppState::open(config).map_err(std::io::Error::other)?;
    let (tx, rx) = oneshot::channel::<()>();
    let serve_state = state.clone();
    let join = tokio::spawn(async move {
        serve_listener(listener, serve_state, async move {
            let _ = rx.await;
        })
        .await
    });
    Ok(RunningServer {
        addr,
        state,
        shutdown: Some(tx),
        join: Some(join),
    })
}

/// Serve on an already bound listener until `shutdown` completes.
pub async fn serve_listener(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    router::serve(listener, state, shutdown).await
}
