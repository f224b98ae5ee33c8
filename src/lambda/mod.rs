//! Lambda: functions hosted as host subprocesses behind the real Runtime API.
//!
//! - [`rest`]: the REST-JSON routes -> engine operations.
//! - [`engine`]: functions, versions, aliases, policies, concurrency, invoke (sync and async
//!   with retries, destinations and dead-letter queues).
//! - [`pool`]: per-version warm pools (LIFO reuse, scale-out cap, 429 at reserved concurrency).
//! - [`runtime`]: one execution environment = one process group + its own Runtime API listener.
//! - [`launch`]: what an environment's process starts with: bootstraps, command, environment.
//! - [`api_guard`]: the Runtime API listeners refuse browsers and foreign host names.
//! - [`limits`]: bounded reads of what runtimes post (6 MB responses, 413 beyond).
//! - [`output`]: handler stdout/stderr in bounded pieces, the Tail buffer, `--lambda-log`.
//! - [`memory`]: resident memory of an environment's processes, MemorySize enforcement.
//! - [`contain`]: every process a handler starts is found and killed (subreaper, markers,
//!   parent-death signal).
//! - [`code`]: zips unpacked per CodeSha256 within AWS's size limits, hot-reload directories.
//! - [`java`]: Java functions: JVM discovery, fogbank's Java runtime client (built once per JVM
//!   version into the cache), AWS's classpath and JVM flags.
//! - [`layers`]: layer versions, unpacked once and put on the runtimes' search paths.
//! - [`cache`]: the per-user cache dir (bootstraps, Python bytecode, Node's compile cache,
//!   interpreter paths) kept across runs.
//! - [`interpreters`]: the executable behind `python3.x`/`node`/`ruby` (shims asked once).
//! - [`ruby`]: the Ruby runtimes' command and gem paths.
//! - [`scratch`]: the engine's temp dir, locked while in use; dead fogbanks' ones are swept.
//! - [`esm`]: SQS event source mappings polling the SQS engine in process.
//! - [`stream`]: response streaming (the Runtime API's streaming mode, event-stream frames).
//! - [`url`]: function URLs over HTTP: routes, the payload 2.0 event, responses, CORS.
//! - `bootstrap/`: the embedded Python, Node.js, Ruby and Java runtime clients.

pub mod activity;
pub mod api_guard;
pub mod cache;
pub mod code;
pub mod contain;
pub mod cwlogs;
pub mod engine;
pub mod error;
pub mod esm;
pub mod interpreters;
pub mod java;
pub mod launch;
pub mod layers;
pub mod limits;
pub mod memory;
pub mod model;
pub mod output;
pub mod pool;
pub mod rest;
pub mod ruby;
pub mod runtime;
pub mod scratch;
pub mod state;
pub mod stream;
pub mod url;

pub use engine::{LambdaEngine, LambdaSettings};
pub use error::{LambdaError, LambdaResult};
pub use output::HandlerLog;
