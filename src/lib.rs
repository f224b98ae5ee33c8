//! fogbank: a local emulator of AWS SQS, SNS, Lambda, CloudWatch Logs and S3.
//!
//! Module map (a request flows server -> codec -> engine -> codec -> server):
//! - [`config`]: listen address, default account and region, the clock.
//! - [`clock`]: the `Clock` trait, the system clock and a manual clock for tests.
//! - [`context`]: the account, region and host a request acts in.
//! - [`arn`]: ARNs and queue URLs (every URL form resolves by its last two path segments).
//! - [`server`]: HTTP only: health endpoints, SigV4 scope -> account/region, dispatch by
//!   `X-Amz-Target`, REST path, or query `Action` + `Version`; optional TLS on the same port
//!   (`--tls`, connections sniffed by their first byte).
//! - [`protocol`]: shared codecs: query form -> JSON-shaped input, XML writer, [`protocol::Reply`].
//! - [`sqs`]: the SQS model, both wire codecs, the engine (registry, validation, redrive, move
//!   tasks), the per-queue state machine (visibility, delays, FIFO groups, dedup) and its
//!   durable records (`sqs::state`, `sqs::engine::durable`).
//! - [`sns`]: topics, subscriptions, filter policies, publish with in-process delivery to SQS.
//! - [`lambda`]: functions run as host subprocesses behind the Runtime API; invoke, warm pools,
//!   async retries and destinations, SQS event source mappings.
//! - [`logs`]: CloudWatch Logs (JSON 1.1): groups, streams, events in memory, filter
//!   patterns; where Lambda output lands.
//! - [`s3`]: S3 on the same port through s3s: buckets, versioned objects, multipart; bodies
//!   streamed to files in a temp dir (or the data dir); object events for notifications.
//! - [`iam`]: IAM (global): users, roles, managed policies and versions, inline policies,
//!   attachments, instance profiles; documents validated and stored, not enforced.
//! - [`sts`]: STS: caller identity, AssumeRole(WithWebIdentity), GetSessionToken; issued
//!   access keys act in the role's account.
//! - [`startup`]: `--config fogbank.toml`, resources created before the server accepts requests.
//! - [`store`]: durable state (`--data-dir`): SQLite in WAL mode behind a group-commit
//!   writer, and snapshot files (`/_fogbank/state`, `--load-state`).
//! - [`residency`]: after start-up, the binary's once-only code leaves the resident set.
//! - [`benchmark`]: `fogbank bench`, the load generator and its no-op HTTP ceiling.
//! - `testing` (cargo feature `testing`): a server inside your tests on a free port, with an
//!   `aws_config::SdkConfig` pointed at it.
//!
//! # Use it in your tests
//!
//! With `fogbank = { version = "0.1", features = ["testing"] }` in `[dev-dependencies]`
//! (`cargo add fogbank --dev --features testing`), each test starts its own server in a few
//! milliseconds:
//!
//! ```no_run
//! # #[cfg(feature = "testing")]
//! # async fn example() -> std::io::Result<()> {
//! let server = fogbank::testing::Server::start().await?;
//! let config = server.sdk_config().await; // endpoint, us-east-1, test credentials
//! // let sqs = aws_sdk_sqs::Client::new(&config);
//! // sqs.create_queue().queue_name("jobs").send().await?; ...
//! server.reset(); // wipe every service's state
//! # let _ = config;
//! # Ok(())
//! # }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod arn;
pub mod benchmark;
pub mod clock;
pub mod config;
pub mod console;
pub mod context;
pub mod iam;
pub mod lambda;
pub mod logs;
pub mod protocol;
pub mod residency;
pub mod s3;
pub mod server;
pub mod sns;
pub mod sqs;
pub mod startup;
pub mod store;
pub mod sts;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
