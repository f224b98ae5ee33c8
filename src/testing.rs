//! One-line test fixtures: a fogbank server inside your test process.
//!
//! Enabled by the `testing` cargo feature:
//!
//! ```toml
//! [dev-dependencies]
//! fogbank = { version = "0.1", features = ["testing"] }
//! ```
//!
//! [`Server::start`] binds `127.0.0.1` on a port the OS picks, so every test (or test binary)
//! can have its own server; starting one takes a few milliseconds. [`Server::sdk_config`] gives
//! an [`aws_config::SdkConfig`] pointed at it (region `us-east-1`, static test credentials)
//! for any `aws-sdk-*` client; [`Server::reset`] wipes every service's state (queues, topics,
//! functions, buckets, IAM and STS);
//! dropping the server stops it.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! let server = fogbank::testing::Server::start().await?;
//! let config = server.sdk_config().await;
//! // e.g. aws_sdk_sqs::Client::new(&config), aws_sdk_sns::Client::new(&config), ...
//! println!("fogbank at {}", server.endpoint());
//! server.reset();
//! # Ok(())
//! # }
//! ```
//!
//! Lambda functions run as host processes (python, node, ruby, java, `provided`), exactly as
//! in the standalone binary; they are killed when the server is dropped.

use std::net::SocketAddr;
use std::sync::Arc;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

use crate::config::Config;
use crate::server::{self, AppState, RunningServer};

/// The region [`Server::sdk_config`] uses (and fogbank's default region).
pub const REGION: &str = crate::config::DEFAULT_REGION;
/// The access key id [`Server::sdk_config`] uses; requests signed with it land in fogbank's
/// default account.
pub const ACCESS_KEY_ID: &str = "test";
/// The secret access key [`Server::sdk_config`] uses (signatures are not checked by default).
pub const SECRET_ACCESS_KEY: &str = "test";

/// A fogbank server running in the current tokio runtime on a free port of `127.0.0.1`.
///
/// Dropping it stops the server and the Lambda processes it started.
pub struct Server {
    addr: SocketAddr,
    /// Taken only by [`Server::shutdown`], which consumes the server. No other handle on the
    /// state is kept here: `RunningServer::shutdown` waits for the state to be released.
    running: Option<RunningServer>,
}

impl Server {
    /// Start a server with the default, in-memory configuration on a free port.
    ///
    /// Call it inside a tokio runtime (e.g. a `#[tokio::test]`, either flavour): the server is
    /// a task of that runtime. Errors are those of binding the port.
    pub async fn start() -> std::io::Result<Server> {
        Self::start_with(Config::ephemeral()).await
    }

    /// Start a server with your own [`Config`] (e.g. [`Config::ephemeral`] with a data dir or
    /// other Lambda settings). Its `listen` address is used as is: keep port 0 for a free port.
    pub async fn start_with(config: Config) -> std::io::Result<Server> {
        let running = server::spawn(config).await?;
        Ok(Server {
            addr: running.addr,
            running: Some(running),
        })
    }

    /// The endpoint URL, `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// An SDK config for this server: its endpoint URL, region [`REGION`] and the static
    /// credentials [`ACCESS_KEY_ID`] / [`SECRET_ACCESS_KEY`], whatever the environment or
    /// `~/.aws` says about those three.
    pub async fn sdk_config(&self) -> SdkConfig {
        self.sdk_config_as(ACCESS_KEY_ID, REGION).await
    }

    /// An SDK config acting as another account (a 12-digit access key id selects that
    /// account) and region.
    pub async fn sdk_config_as(&self, access_key_id: &str, region: &str) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(self.endpoint())
            .region(Region::new(region.to_string()))
            .credentials_provider(Credentials::new(
                access_key_id,
                SECRET_ACCESS_KEY,
                None,
                None,
                "fogbank-testing",
            ))
            .load()
            .await
    }

    /// Wipe every service's state (queues, topics, subscriptions, functions, buckets, IAM and
    /// STS), as `POST /_fogbank/reset` does. Lambda processes are stopped.
    pub fn reset(&self) {
        self.state().reset();
    }

    /// The server's shared state (its engines), for tests that look inside.
    pub fn state(&self) -> &Arc<AppState> {
        match &self.running {
            Some(running) => &running.state,
            None => unreachable!("only shutdown takes the running server, and it consumes self"),
        }
    }

    /// Stop accepting, finish in-flight requests and wait for the server to end.
    /// When it returns, the state (and a data dir's lock) is released.
    pub async fn shutdown(mut self) {
        if let Some(running) = self.running.take() {
            running.state.shutdown();
            running.shutdown().await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // The RunningServer's own Drop signals the server task; Lambda processes are stopped
        // here too, since the runtime may be torn down before that task runs again.
        if let Some(running) = &self.running {
            running.state.shutdown();
        }
    }
}
