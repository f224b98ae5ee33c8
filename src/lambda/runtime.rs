//! Execution environments: one host process per environment, serving it the Lambda Runtime API
//! on its own loopback listener (so `AWS_LAMBDA_RUNTIME_API` is a bare `host:port` and every
//! request is attributed to its environment), with its output captured per invocation.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};

use super::engine::now_ms;
use super::launch::{command_for, environment, log_stream_name};
use super::limits::{self, Read};
use super::output::{HandlerLog, Output};
use super::{contain, memory};

pub use super::limits::MAX_RESPONSE;
/// AWS's limit on the Init phase of an on-demand environment. Past it, Lambda "retries the
/// Init phase at the time of the first function invocation with the configured function
/// timeout" (the execution environment lifecycle page): see [`InitPhase`].
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);

static INIT_LIMIT_MS: AtomicU64 = AtomicU64::new(INIT_TIMEOUT.as_millis() as u64);

/// Replace [`INIT_TIMEOUT`] in this process (tests, which cannot wait 10 s).
pub fn set_init_limit(limit: Duration) {
    INIT_LIMIT_MS.store(limit.as_millis() as u64, Ordering::Relaxed);
}

fn init_limit() -> Duration {
    Duration::from_millis(INIT_LIMIT_MS.load(Ordering::Relaxed))
}

/// How the Init phase of an invocation's environment is bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitPhase {
    /// AWS's 10 s init limit; an environment past it is killed and the invocation ends with
    /// [`Ran::init_timed_out`], for the pool to retry it.
    Limited,
    /// The retried init: it and the handler share the function's timeout, and REPORT's
    /// `Duration` holds both (no `Init Duration`), as AWS bills a suppressed init.
    WithinInvoke,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Everything needed to start an execution environment for one function version.
#[derive(Debug, Clone)]
pub struct EnvSpec {
    pub function_name: String,
    pub function_arn: String,
    pub version: String,
    pub memory_mb: u32,
    pub timeout_secs: u32,
    pub runtime: String,
    pub handler: String,
    pub code_dir: PathBuf,
    pub layer_dirs: Vec<PathBuf>,
    pub variables: BTreeMap<String, String>,
    pub region: String,
    pub account: String,
    /// fogbank's own endpoint, for `AWS_ENDPOINT_URL`.
    pub endpoint_url: String,
    /// Where the embedded bootstraps are written.
    pub runtime_dir: PathBuf,
    /// Parent of each environment's private `TMPDIR`.
    pub tmp_root: PathBuf,
    /// What fogbank's log gets of the handler's output (`--lambda-log`).
    pub handler_log: HandlerLog,
    /// The function's log group (LoggingConfig's, else `/aws/lambda/<name>`).
    pub log_group: String,
    /// LoggingConfig's LogFormat and levels.
    pub log_format: super::cwlogs::LogFormat,
    /// CloudWatch Logs, where the environment's lines land (none in engine-only tests).
    pub logs: Option<super::cwlogs::Logs>,
}

/// One invocation handed to an environment.
pub struct Job {
    pub request_id: String,
    pub payload: Bytes,
    pub invoked_arn: String,
    pub client_context: Option<String>,
    pub timeout: Duration,
    /// The deadline when it was set before the runtime took the job (a retried init's).
    deadline_ms: Option<u64>,
    picked: oneshot::Sender<()>,
    result: oneshot::Sender<Outcome>,
}

/// What the runtime answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `POST /response`.
    Response(Bytes),
    /// `POST /error` (or an error fogbank raised: timeout, crash, init failure).
    Error { error_type: String, body: Bytes },
}

impl Outcome {
    fn platform_error(error_type: &str, message: String) -> Self {
        Outcome::Error {
            error_type: error_type.to_string(),
            body: Bytes::from(
                serde_json::json!({"errorType": error_type, "errorMessage": message}).to_string(),
            ),
        }
    }
}

/// The result of running one job, with what the caller needs for logs and headers.
pub struct Ran {
    pub outcome: Outcome,
    /// START/.../END/REPORT lines of this invocation.
    pub log: String,
    /// The environment did not finish its init within [`INIT_TIMEOUT`] (or [`set_init_limit`]'s) and was killed; the
    /// invocation has not run (`log` holds the `INIT_REPORT` line).
    pub init_timed_out: bool,
    /// REPORT's duration, in milliseconds.
    pub duration_ms: f64,
}

struct Current {
    request_id: String,
    result: Option<oneshot::Sender<Outcome>>,
}

/// State shared by an environment and its Runtime API listener.
struct Shared {
    label: String,
    jobs: tokio::sync::Mutex<mpsc::UnboundedReceiver<Job>>,
    current: Mutex<Option<Current>>,
    init_error: Mutex<Option<(String, Bytes)>>,
    out: Arc<Output>,
}

/// A running execution environment.
pub struct Env {
    /// The runtime's pid, which is also its process group id.
    pgid: i32,
    /// `FOGBANK_ENV_ID` of this environment's processes.
    marker: String,
    /// Highest resident memory of all its processes seen by a sample, in KiB.
    peak_kb: AtomicU64,
    jobs: mpsc::UnboundedSender<Job>,
    shared: Arc<Shared>,
    exit: watch::Receiver<Option<String>>,
    fds: [i32; 2],
    dead: AtomicBool,
    initialized: AtomicBool,
    /// When the runtime process was started (the Init phase's start).
    spawned: Instant,
    invocations: AtomicU64,
    listener: tokio::task::JoinHandle<()>,
    tmp: PathBuf,
    pub log_stream: String,
}

fn pending_bytes(fd: i32) -> i32 {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one c_int through the pointer; fd is a pipe we own (or closed,
    // in which case ioctl fails and n stays 0).
    let rc = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) };
    if rc == 0 { n } else { 0 }
}

impl Env {
    /// Start the runtime process and its Runtime API listener.
    pub async fn start(spec: &EnvSpec) -> Result<Arc<Env>, String> {
        // A Java function without a usable JVM still starts an environment, one that fails
        // its init with the reason (AWS's init-error shape), rather than a service error.
        let (program, args, init_error) = match command_for(spec) {
            Ok((program, args)) => (program, args, None),
            Err(why) if spec.runtime.starts_with("java") => {
                let (program, args, error) = super::java::unavailable(why);
                (program, args, Some(error))
            }
            Err(why) => return Err(why),
        };
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let api = listener
            .local_addr()
            .map_err(|e| e.to_string())?
            .to_string();
        let (jobs_tx, jobs_rx) = mpsc::unbounded_channel();
        let label = spec.function_name.clone();
        let log_stream = log_stream_name(&spec.version);
        let sink = spec.logs.as_ref().map(|l| {
            crate::logs::LogSink::new(
                l.0.clone(),
                &spec.account,
                &spec.region,
                &spec.log_group,
                &log_stream,
            )
        });
        let shared = Arc::new(Shared {
            label: label.clone(),
            jobs: tokio::sync::Mutex::new(jobs_rx),
            current: Mutex::new(None),
            init_error: Mutex::new(init_error),
            out: Arc::new(Output::new(label.clone(), spec.handler_log).with_sink(sink)),
        });
        let app = runtime_api(shared.clone());
        let listener_task = tokio::spawn(async move {
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let _ = axum::serve(listener, app).await;
        });
        let tmp = spec
            .tmp_root
            .join(uuid::Uuid::new_v4().simple().to_string());
        if let Err(e) = std::fs::create_dir_all(&tmp) {
            listener_task.abort();
            return Err(e.to_string());
        }
        let marker = contain::new_marker();
        let mut cmd = contain::command(&program, &args);
        cmd.current_dir(&spec.code_dir)
            .env_clear()
            .envs(environment(spec, &api, &log_stream, &tmp, &marker))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let spawned = Instant::now();
        if let Some(e) = super::cwlogs::init_start(
            &spec.log_format,
            &spec.runtime,
            &spec.region,
            &spec.function_name,
            &spec.version,
            now_ms(),
        ) {
            shared.out.platform_events(&[e]);
        }
        let mut child = match contain::spawn(&mut cmd) {
            Ok(c) => c,
            Err(e) => {
                listener_task.abort();
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(format!("could not start {program}: {e}"));
            }
        };
        let pgid = child.id().map(|p| p as i32).unwrap_or(0);
        let mut fds = [-1, -1];
        use std::os::fd::AsRawFd;
        if let Some(out) = child.stdout.take() {
            fds[0] = out.as_raw_fd();
            tokio::spawn(super::output::read_output(
                out,
                shared.out.clone(),
                "stdout",
            ));
        }
        if let Some(err) = child.stderr.take() {
            fds[1] = err.as_raw_fd();
            tokio::spawn(super::output::read_output(
                err,
                shared.out.clone(),
                "stderr",
            ));
        }
        let (exit_tx, exit_rx) = watch::channel(None);
        tokio::spawn(async move {
            let waited = child.wait().await;
            contain::runtime_exited(pgid);
            let status = match waited {
                Ok(s) => match (s.code(), std::os::unix::process::ExitStatusExt::signal(&s)) {
                    (Some(c), _) => format!("exit status {c}"),
                    (None, Some(9)) => "signal: killed".to_string(),
                    (None, Some(sig)) => format!("signal: {sig}"),
                    _ => "exited".to_string(),
                },
                Err(e) => e.to_string(),
            };
            let _ = exit_tx.send(Some(status));
        });
        Ok(Arc::new(Env {
            pgid,
            marker,
            peak_kb: AtomicU64::new(0),
            jobs: jobs_tx,
            shared,
            exit: exit_rx,
            fds,
            dead: AtomicBool::new(false),
            initialized: AtomicBool::new(false),
            spawned,
            invocations: AtomicU64::new(0),
            listener: listener_task,
            tmp,
            log_stream,
        }))
    }

    /// True once the environment has been killed or its process has exited.
    pub fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Acquire) || self.exit.borrow().is_some()
    }

    /// Kill every process of the environment (its process group, and descendants that
    /// left it); the environment is never used again.
    pub fn kill(&self) {
        if !self.dead.swap(true, Ordering::AcqRel) {
            contain::kill_tree(self.pgid, &self.marker);
        }
        self.listener.abort();
    }

    /// Every live process of this environment (the runtime and its descendants).
    pub fn processes(&self) -> Vec<i32> {
        contain::tree(self.pgid, &self.marker)
    }

    /// Sample the environment's memory while an invocation runs; completes (with the KiB in
    /// use) only when it goes over `limit_kb`.
    async fn watch_memory(&self, limit_kb: u64) -> u64 {
        if !memory::ENFORCED {
            return std::future::pending().await;
        }
        tokio::time::sleep(memory::FIRST_SAMPLE).await;
        loop {
            let used = memory::total_rss_kb(&self.processes());
            self.peak_kb.fetch_max(used, Ordering::AcqRel);
            if used > limit_kb {
                return used;
            }
            tokio::time::sleep(memory::SAMPLE_EVERY).await;
        }
    }

    /// Peak memory in KiB: the highest sample, or the runtime's own peak if higher.
    fn memory_used_kb(&self) -> u64 {
        let hwm = if memory::ENFORCED {
            memory::peak_kb(self.pgid)
        } else {
            0
        };
        self.peak_kb.load(Ordering::Acquire).max(hwm)
    }

    /// The environment went over its MemorySize: kill it and answer as AWS does.
    fn out_of_memory(&self, request_id: &str) -> Outcome {
        self.kill();
        let message =
            format!("RequestId: {request_id} Error: Runtime exited with error: signal: killed");
        self.log_line(message.clone());
        self.log_line("Runtime.OutOfMemory".to_string());
        Outcome::platform_error("Runtime.OutOfMemory", message)
    }

    /// Wait (briefly) until the output the runtime wrote before answering has been read. The
    /// bootstraps flush before they post the answer, so the lines are in the pipes by now; once
    /// the pipes are empty the reader tasks have taken them (they push a line in the same poll
    /// that reads it).
    async fn drain_output(&self) {
        for _ in 0..50 {
            if self.fds.iter().all(|&fd| fd < 0 || pending_bytes(fd) == 0) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::task::yield_now().await;
    }

    /// Run one invocation to its end: a response, a function error, a timeout or a crash.
    pub async fn run(
        &self,
        request_id: String,
        payload: Bytes,
        invoked_arn: String,
        client_context: Option<String>,
        spec: &EnvSpec,
        init: InitPhase,
    ) -> Ran {
        let cold = !self.initialized.load(Ordering::Acquire);
        self.shared.out.begin(&request_id);
        if let Some(e) =
            super::cwlogs::start(&spec.log_format, &request_id, &spec.version, now_ms())
        {
            self.shared.out.platform_events(&[e]);
        }
        let limit_kb = u64::from(spec.memory_mb) * 1024;
        let watch = self.watch_memory(limit_kb);
        tokio::pin!(watch);
        let timeout = Duration::from_millis(u64::from(spec.timeout_secs.max(1)) * 1000);
        let within_invoke = init == InitPhase::WithinInvoke;
        let (picked_tx, picked_rx) = oneshot::channel();
        let (result_tx, result_rx) = oneshot::channel();
        let started = Instant::now();
        let job = Job {
            request_id: request_id.clone(),
            payload,
            invoked_arn,
            client_context,
            timeout,
            deadline_ms: within_invoke.then(|| now_ms() + timeout.as_millis() as u64),
            picked: picked_tx,
            result: result_tx,
        };
        let mut exit = self.exit.clone();
        let mut picked_at = None;
        let outcome = if self.jobs.send(job).is_err() {
            self.kill();
            Outcome::platform_error(
                "Runtime.ExitError",
                format!("RequestId: {request_id} Error: Runtime exited without providing a reason"),
            )
        } else {
            enum Pick {
                Picked,
                Exited,
                InitTimedOut,
                OutOfMemory,
            }
            let init_limit = if within_invoke { timeout } else { init_limit() };
            let pick = tokio::select! {
                r = picked_rx => if r.is_ok() { Pick::Picked } else { Pick::Exited },
                _ = exit.wait_for(|s| s.is_some()) => Pick::Exited,
                _ = tokio::time::sleep(init_limit) => Pick::InitTimedOut,
                _ = &mut watch => Pick::OutOfMemory,
            };
            match pick {
                Pick::OutOfMemory => self.out_of_memory(&request_id),
                Pick::InitTimedOut if !within_invoke => {
                    // AWS's 10 s limit: the pool retries the init within the invocation.
                    self.kill();
                    let init_ms = self.spawned.elapsed().as_secs_f64() * 1000.0;
                    *lock(&self.shared.current) = None;
                    if !spec.log_format.json {
                        self.shared.out.platform_events(&[format!(
                            "INIT_REPORT Init Duration: {init_ms:.2} ms\tPhase: init\tStatus: timeout\n"
                        )]);
                    }
                    return Ran {
                        outcome: Outcome::platform_error(
                            "Runtime.InitTimeout",
                            format!("RequestId: {request_id} Error: init timed out"),
                        ),
                        log: format!(
                            "INIT_REPORT Init Duration: {init_ms:.2} ms\tPhase: init\tStatus: timeout\n"
                        ),
                        init_timed_out: true,
                        duration_ms: init_ms,
                    };
                }
                Pick::InitTimedOut => self.timed_out(&request_id, timeout),
                Pick::Exited => {
                    self.kill();
                    self.init_failure(&request_id, &mut exit).await
                }
                Pick::Picked => {
                    picked_at = Some(Instant::now());
                    self.initialized.store(true, Ordering::Release);
                    // A retried init took its share of the function's timeout.
                    let left = if within_invoke {
                        timeout.saturating_sub(started.elapsed())
                    } else {
                        timeout
                    };
                    enum End {
                        Answered(Outcome),
                        Exited,
                        TimedOut,
                        OutOfMemory,
                    }
                    let end = tokio::select! {
                        r = result_rx => match r {
                            Ok(o) => End::Answered(o),
                            Err(_) => End::Exited,
                        },
                        _ = exit.wait_for(|s| s.is_some()) => End::Exited,
                        _ = tokio::time::sleep(left) => End::TimedOut,
                        _ = &mut watch => End::OutOfMemory,
                    };
                    match end {
                        End::Answered(o) => o,
                        End::OutOfMemory => self.out_of_memory(&request_id),
                        End::Exited => self.crashed(&request_id, &mut exit).await,
                        End::TimedOut => self.timed_out(&request_id, timeout),
                    }
                }
            }
        };
        // The runtime's own peak (read once per invoke, for REPORT) went over the limit between
        // two samples, or before the first: AWS would have killed it.
        let used_kb = self.memory_used_kb();
        let outcome = if used_kb > limit_kb && !self.is_dead() {
            self.out_of_memory(&request_id)
        } else {
            outcome
        };
        if !self.is_dead() {
            self.drain_output().await;
        }
        self.invocations.fetch_add(1, Ordering::Relaxed);
        // Init Duration runs from the runtime's start to its first `GET /next`; Duration from
        // there to the end (a retried init, or one that never finished, is all Duration).
        let (init_duration, duration) = match picked_at {
            Some(p) if cold && !within_invoke => {
                (Some(p.saturating_duration_since(self.spawned)), p.elapsed())
            }
            Some(p) if !within_invoke => (None, p.elapsed()),
            _ => (None, started.elapsed()),
        };
        let status = match &outcome {
            Outcome::Error { error_type, .. } if error_type == "Sandbox.Timedout" => "timeout",
            Outcome::Error { error_type, .. } if error_type.starts_with("Runtime.") => "failure",
            _ => "success",
        };
        let log = self.report(&request_id, spec, duration, init_duration, used_kb, status);
        *lock(&self.shared.current) = None;
        Ran {
            outcome,
            log,
            init_timed_out: false,
            duration_ms: duration.as_secs_f64() * 1000.0,
        }
    }

    /// The function's timeout went by: kill the environment and answer as AWS does.
    fn timed_out(&self, request_id: &str, timeout: Duration) -> Outcome {
        self.kill();
        let secs = timeout.as_secs_f64();
        self.log_line(format!(
            "{} {request_id} Task timed out after {secs:.2} seconds",
            crate::sns::engine::iso8601(now_ms())
        ));
        Outcome::platform_error(
            "Sandbox.Timedout",
            format!("RequestId: {request_id} Error: Task timed out after {secs:.2} seconds"),
        )
    }

    fn log_line(&self, line: String) {
        self.shared.out.platform_line(line);
    }

    async fn init_failure(
        &self,
        request_id: &str,
        exit: &mut watch::Receiver<Option<String>>,
    ) -> Outcome {
        let _ =
            tokio::time::timeout(Duration::from_millis(500), exit.wait_for(|s| s.is_some())).await;
        if let Some((error_type, body)) = lock(&self.shared.init_error).clone() {
            return Outcome::Error { error_type, body };
        }
        let status = exit
            .borrow()
            .clone()
            .unwrap_or_else(|| "signal: killed".into());
        Outcome::platform_error(
            "Runtime.ExitError",
            format!("RequestId: {request_id} Error: Runtime exited with error: {status}"),
        )
    }

    async fn crashed(
        &self,
        request_id: &str,
        exit: &mut watch::Receiver<Option<String>>,
    ) -> Outcome {
        self.kill();
        let _ =
            tokio::time::timeout(Duration::from_millis(500), exit.wait_for(|s| s.is_some())).await;
        let status = exit
            .borrow()
            .clone()
            .unwrap_or_else(|| "signal: killed".into());
        Outcome::platform_error(
            "Runtime.ExitError",
            format!("RequestId: {request_id} Error: Runtime exited with error: {status}"),
        )
    }

    fn report(
        &self,
        request_id: &str,
        spec: &EnvSpec,
        duration: Duration,
        init_duration: Option<Duration>,
        used_kb: u64,
        status: &'static str,
    ) -> String {
        let ms = duration.as_secs_f64() * 1000.0;
        let billed = ms.ceil().max(1.0) as u64;
        // AWS reports at most the MemorySize (an environment over it is killed).
        let mem = memory::report_mb(used_kb).min(u64::from(spec.memory_mb));
        let mut report = format!(
            "REPORT RequestId: {request_id}\tDuration: {ms:.2} ms\tBilled Duration: {billed} ms\tMemory Size: {} MB\tMax Memory Used: {mem} MB\t",
            spec.memory_mb
        );
        if let Some(init) = init_duration {
            let init_ms = init.as_secs_f64() * 1000.0;
            report.push_str(&format!("Init Duration: {init_ms:.2} ms\t"));
        }
        let events = super::cwlogs::end(
            &spec.log_format,
            &super::cwlogs::Report {
                request_id,
                duration_ms: ms,
                billed_ms: billed,
                memory_mb: spec.memory_mb,
                used_mb: mem,
                init_ms: init_duration.map(|d| d.as_secs_f64() * 1000.0),
                status,
                text: &report,
            },
            now_ms(),
        );
        self.shared.out.platform_events(&events);
        let mut out = format!("START RequestId: {request_id} Version: {}\n", spec.version);
        out.push_str(&self.shared.out.text());
        out.push_str(&format!("END RequestId: {request_id}\n{report}\n"));
        tracing::debug!(target: "fogbank::lambda::logs", function = %self.shared.label, "{}", report);
        out
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

fn runtime_api(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                axum::Json(serde_json::json!({
                    "errorType": "InvalidRequest",
                    "errorMessage": "fogbank serves the Runtime API only (no Extensions or Telemetry API)",
                })),
            )
        })
        .layer(axum::middleware::from_fn(super::api_guard::only_runtimes))
        .with_state(shared)
}

fn runtime_error(status: StatusCode, error_type: &str, message: &str) -> Response {
    (
        status,
        axum::Json(serde_json::json!({"errorType": error_type, "errorMessage": message})),
    )
        .into_response()
}

/// A runtime's body that ended before its declared length.
fn body_ended_early() -> Response {
    runtime_error(
        StatusCode::BAD_REQUEST,
        "InvalidRequest",
        "the request body ended early",
    )
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    let job = {
        let mut jobs = shared.jobs.lock().await;
        jobs.recv().await
    };
    let Some(job) = job else {
        return runtime_error(
            StatusCode::GONE,
            "EnvironmentClosed",
            "environment shutting down",
        );
    };
    let deadline = job
        .deadline_ms
        .unwrap_or_else(|| now_ms() + job.timeout.as_millis() as u64);
    *lock(&shared.current) = Some(Current {
        request_id: job.request_id.clone(),
        result: Some(job.result),
    });
    let _ = job.picked.send(());
    let mut res = Response::new(Body::from(job.payload));
    let h = res.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if !value.is_empty()
            && let Ok(v) = HeaderValue::from_str(value)
        {
            h.insert(name, v);
        }
    };
    set("content-type", "application/json");
    set("lambda-runtime-aws-request-id", &job.request_id);
    set("lambda-runtime-deadline-ms", &deadline.to_string());
    set("lambda-runtime-invoked-function-arn", &job.invoked_arn);
    let trace = format!(
        "Root=1-{:08x}-{};Parent={};Sampled=0",
        now_ms() / 1000,
        &uuid::Uuid::new_v4().simple().to_string()[..24],
        &uuid::Uuid::new_v4().simple().to_string()[..16]
    );
    set("lambda-runtime-trace-id", &trace);
    if let Some(cc) = &job.client_context {
        set("lambda-runtime-client-context", cc);
    }
    res
}

fn take_result(shared: &Shared, id: &str) -> Option<oneshot::Sender<Outcome>> {
    let mut current = lock(&shared.current);
    match current.as_mut() {
        Some(c) if c.request_id == id => c.result.take(),
        _ => None,
    }
}

fn accepted() -> Response {
    (
        StatusCode::ACCEPTED,
        axum::Json(serde_json::json!({"status": "OK"})),
    )
        .into_response()
}

fn invalid_request_id() -> Response {
    runtime_error(
        StatusCode::BAD_REQUEST,
        "InvalidRequestID",
        "Invalid request ID",
    )
}

/// Read an invocation's answer with the size bound: within it, `answer` makes the outcome;
/// over it, the invoke fails at once with `Function.ResponseSizeTooLarge` and the runtime
/// gets 413 (after the rest of its body is thrown away, so its connection stays usable).
async fn finish_invocation(
    shared: &Shared,
    id: &str,
    headers: &HeaderMap,
    body: Body,
    answer: impl FnOnce(Bytes) -> Outcome,
) -> Response {
    let Some(tx) = take_result(shared, id) else {
        return invalid_request_id();
    };
    match limits::read(body, headers, MAX_RESPONSE).await {
        Read::Complete(bytes) => {
            let _ = tx.send(answer(bytes));
            accepted()
        }
        Read::TooLarge { size, rest } => {
            let _ = tx.send(Outcome::Error {
                error_type: limits::TOO_LARGE_TYPE.to_string(),
                body: limits::too_large_payload(size),
            });
            limits::drain(rest).await;
            limits::too_large_reply()
        }
        // The runtime went away mid-body: dropping `tx` ends the invoke as a crash.
        Read::Broken => body_ended_early(),
    }
}

async fn response(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if super::stream::is_streaming(&headers) {
        let Some(tx) = take_result(&shared, &id) else {
            return invalid_request_id();
        };
        return match super::stream::relay(&id, &headers, body).await {
            Some(outcome) => {
                let _ = tx.send(outcome);
                accepted()
            }
            None => body_ended_early(),
        };
    }
    finish_invocation(&shared, &id, &headers, body, Outcome::Response).await
}

fn error_type(headers: &HeaderMap) -> String {
    headers
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("Unhandled")
        .to_string()
}

async fn error(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let error_type = error_type(&headers);
    finish_invocation(&shared, &id, &headers, body, |body| Outcome::Error {
        error_type,
        body,
    })
    .await
}

async fn init_error(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    let error_type = error_type(&headers);
    match limits::read(body, &headers, MAX_RESPONSE).await {
        Read::Complete(body) => {
            *lock(&shared.init_error) = Some((error_type, body));
            accepted()
        }
        Read::TooLarge { rest, .. } => {
            *lock(&shared.init_error) = Some((error_type.clone(), limits::too_large_payload(None)));
            limits::drain(rest).await;
            limits::too_large_reply()
        }
        Read::Broken => body_ended_early(),
    }
}
