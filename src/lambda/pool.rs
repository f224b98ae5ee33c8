//! The warm pool of one function version: reuse the most recently used idle environment, scale
//! out up to the concurrency cap, one invocation per environment at a time.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use tokio::sync::Notify;

use super::activity::{InvocationRecord, Live, Recording, Status};
use super::error::{LambdaError, LambdaResult};
use super::runtime::{Env, EnvSpec, InitPhase, Outcome, Ran, lock};

/// One function version's environments.
pub struct Pool {
    pub spec: EnvSpec,
    /// Hot-reload fingerprint of the code directory when the pool was made.
    pub fingerprint: Option<u64>,
    idle: Mutex<Vec<(Arc<Env>, Instant)>>,
    all: Mutex<Vec<std::sync::Weak<Env>>>,
    live: AtomicUsize,
    freed: Notify,
    closed: AtomicBool,
}

/// How an invocation should wait for capacity.
#[derive(Debug, Clone, Copy)]
pub struct Capacity {
    /// Most environments at once.
    pub cap: usize,
    /// Answer 429 instead of waiting when the cap is reached (reserved concurrency, sync).
    pub reject_when_full: bool,
}

impl Pool {
    pub fn new(spec: EnvSpec, fingerprint: Option<u64>) -> Arc<Pool> {
        Arc::new(Pool {
            spec,
            fingerprint,
            idle: Mutex::new(Vec::new()),
            all: Mutex::new(Vec::new()),
            live: AtomicUsize::new(0),
            freed: Notify::new(),
            closed: AtomicBool::new(false),
        })
    }

    /// Environments alive now (busy or idle).
    pub fn live(&self) -> usize {
        self.live.load(Ordering::Acquire)
    }

    /// Kill idle environments now and busy ones when their invocation ends.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let idle: Vec<_> = lock(&self.idle).drain(..).collect();
        for (env, _) in idle {
            env.kill();
            self.live.fetch_sub(1, Ordering::AcqRel);
        }
        self.freed.notify_waiters();
    }

    /// Kill every environment, busy or not (server shutdown).
    pub fn kill_all(&self) {
        self.close();
        for env in lock(&self.all).drain(..).filter_map(|w| w.upgrade()) {
            env.kill();
        }
    }

    /// Kill environments idle for longer than `keep`.
    pub fn reap(&self, keep: Duration) {
        let mut idle = lock(&self.idle);
        let before = idle.len();
        idle.retain(|(env, since)| {
            let stale = since.elapsed() > keep || env.is_dead();
            if stale {
                env.kill();
            }
            !stale
        });
        let gone = before - idle.len();
        if gone > 0 {
            self.live.fetch_sub(gone, Ordering::AcqRel);
        }
    }

    async fn acquire(&self, capacity: Capacity) -> LambdaResult<Arc<Env>> {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            loop {
                let popped = lock(&self.idle).pop();
                match popped {
                    Some((env, _)) if env.is_dead() => {
                        self.live.fetch_sub(1, Ordering::AcqRel);
                    }
                    Some((env, _)) => return Ok(env),
                    None => break,
                }
            }
            let live = self.live.load(Ordering::Acquire);
            if live < capacity.cap
                && self
                    .live
                    .compare_exchange(live, live + 1, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
            {
                return match Env::start(&self.spec).await {
                    Ok(env) => {
                        lock(&self.all).push(Arc::downgrade(&env));
                        Ok(env)
                    }
                    Err(e) => {
                        self.live.fetch_sub(1, Ordering::AcqRel);
                        self.freed.notify_one();
                        Err(LambdaError::new(502, "ServiceException", e))
                    }
                };
            }
            if capacity.reject_when_full {
                return Err(LambdaError::throttled("Rate Exceeded."));
            }
            freed.await;
        }
    }

    fn release(&self, env: Arc<Env>) {
        if env.is_dead() || self.closed.load(Ordering::Acquire) {
            env.kill();
            self.live.fetch_sub(1, Ordering::AcqRel);
        } else {
            lock(&self.idle).push((env, Instant::now()));
        }
        self.freed.notify_one();
    }

    /// Run one invocation on a warm or new environment. An environment whose init outlasts
    /// AWS's 10 s limit is replaced, and the init retried within the invocation (sharing the
    /// function's timeout), as AWS does for on-demand functions. With `recording`, the
    /// invocation is recorded in its function's recent invocations once an environment
    /// takes it.
    pub(crate) async fn invoke(
        &self,
        request_id: String,
        payload: Bytes,
        invoked_arn: String,
        client_context: Option<String>,
        capacity: Capacity,
        recording: Option<Recording>,
    ) -> LambdaResult<Ran> {
        let mut live = Live::default();
        let rec = recording.as_ref();
        let first = self
            .invoke_once(
                request_id.clone(),
                payload.clone(),
                invoked_arn.clone(),
                client_context.clone(),
                capacity,
                InitPhase::Limited,
                (rec, &mut live),
            )
            .await;
        let first = match first {
            Ok(first) if !first.init_timed_out => return Ok(first),
            Ok(first) => first,
            Err(e) => {
                live.fail(e.code, &e.message);
                return Err(e);
            }
        };
        let mut ran = match self
            .invoke_once(
                request_id,
                payload,
                invoked_arn,
                client_context,
                capacity,
                InitPhase::WithinInvoke,
                (rec, &mut live),
            )
            .await
        {
            Ok(ran) => ran,
            Err(e) => {
                live.fail(e.code, &e.message);
                return Err(e);
            }
        };
        ran.log.insert_str(0, &first.log);
        Ok(ran)
    }

    /// Start the invocation's record (or move it to this environment's stream).
    fn record_start(
        &self,
        rec: Option<&Recording>,
        live: &mut Live,
        request_id: &str,
        stream: &str,
    ) {
        match rec {
            _ if live.started() => live.set_stream(stream),
            Some(r) => {
                *live = r.recent.start(InvocationRecord {
                    request_id: request_id.to_string(),
                    qualifier: r.qualifier.clone(),
                    trigger: r.trigger.clone(),
                    started_ms: super::engine::now_ms(),
                    duration_ms: None,
                    status: Status::Running,
                    log_group: self.spec.log_group.clone(),
                    log_stream: stream.to_string(),
                });
            }
            None => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn invoke_once(
        &self,
        request_id: String,
        payload: Bytes,
        invoked_arn: String,
        client_context: Option<String>,
        capacity: Capacity,
        init: InitPhase,
        (rec, live): (Option<&Recording>, &mut Live),
    ) -> LambdaResult<Ran> {
        let env = match self.acquire(capacity).await {
            Ok(env) => env,
            Err(e) if e.status == 502 => {
                // The runtime could not be started: report it as the function's error.
                self.record_start(rec, live, &request_id, "");
                let ran = Ran {
                    outcome: Outcome::Error {
                        error_type: "Runtime.InvalidEntrypoint".into(),
                        body: Bytes::from(
                            serde_json::json!({
                                "errorType": "Runtime.InvalidEntrypoint",
                                "errorMessage": e.message,
                            })
                            .to_string(),
                        ),
                    },
                    log: String::new(),
                    init_timed_out: false,
                    duration_ms: 0.0,
                };
                live.finish(&ran.outcome, 0.0);
                return Ok(ran);
            }
            Err(e) => return Err(e),
        };
        self.record_start(rec, live, &request_id, &env.log_stream);
        let mut guard = ReleaseGuard {
            pool: self,
            env: Some(env.clone()),
            finished: false,
        };
        let ran = env
            .run(
                request_id,
                payload,
                invoked_arn,
                client_context,
                &self.spec,
                init,
            )
            .await;
        guard.finished = true;
        drop(guard);
        if !ran.init_timed_out {
            live.finish(&ran.outcome, ran.duration_ms);
        }
        Ok(ran)
    }
}

/// Returns the environment to the pool however the invoke ends; an invoke abandoned midway
/// (its caller went away) leaves the environment in an unknown state, so it is killed.
struct ReleaseGuard<'a> {
    pool: &'a Pool,
    env: Option<Arc<Env>>,
    finished: bool,
}

impl Drop for ReleaseGuard<'_> {
    fn drop(&mut self) {
        if let Some(env) = self.env.take() {
            if !self.finished {
                env.kill();
            }
            self.pool.release(env);
        }
    }
}
