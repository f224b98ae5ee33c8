//! Recent invocations of each function (all its versions): what started them, how they ended,
//! and where their log lines went, for the web console and for anyone looking at a failed test
//! afterwards (`LogsEngine::request_lines` gives an invocation's lines).
//!
//! A function keeps the last [`MAX_INVOCATIONS`] in a ring that lives in the function, so the
//! records go with it (DeleteFunction, reset). An invocation is recorded when an environment
//! takes it (waiting for capacity, or a throttle, leaves no record), as [`Status::Running`],
//! and its shared slot is set when it ends; an invocation whose caller went away midway is
//! closed as failed when its guard is dropped.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

use super::runtime::Outcome;

/// Invocations kept per function (older ones are dropped).
pub const MAX_INVOCATIONS: usize = 50;

/// What started an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// Invoke (RequestResponse) or InvokeWithResponseStream.
    Api,
    /// Invoke with InvocationType=Event (or the old InvokeAsync).
    ApiEvent,
    /// An SNS subscription.
    Sns,
    /// An S3 event notification.
    S3,
    /// An SQS event source mapping, by its UUID.
    SqsMapping { uuid: String },
    /// A function URL.
    FunctionUrl,
    /// A later attempt of an asynchronous event (the first attempt is 1).
    AsyncRetry { attempt: u32 },
    /// Anything else (e.g. "destination": another function's async destination).
    Other(String),
}

/// Where an invocation is.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Running,
    Succeeded,
    /// A handler error (errorType/errorMessage from the runtime), an init error, a crash.
    Failed {
        error_type: String,
        message: String,
    },
    /// The function's timeout killed it.
    TimedOut,
}

/// One invocation.
#[derive(Debug, Clone)]
pub struct InvocationRecord {
    pub request_id: String,
    /// The version executed ("$LATEST", "3") or the alias name invoked.
    pub qualifier: String,
    pub trigger: Trigger,
    pub started_ms: u64,
    /// REPORT's duration; `None` while running.
    pub duration_ms: Option<f64>,
    pub status: Status,
    /// Where its lines went (LoggingConfig honoured).
    pub log_group: String,
    /// The environment's stream.
    pub log_stream: String,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One function's recent invocations, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Recent(Mutex<VecDeque<Arc<Mutex<InvocationRecord>>>>);

impl Recent {
    /// Record an invocation that starts now; the returned handle ends it.
    pub(crate) fn start(&self, record: InvocationRecord) -> Live {
        let slot = Arc::new(Mutex::new(record));
        {
            let mut ring = lock(&self.0);
            if ring.len() >= MAX_INVOCATIONS {
                ring.pop_front();
            }
            ring.push_back(slot.clone());
        }
        Live(Some(slot))
    }

    /// The records, newest first.
    pub(crate) fn records(&self) -> Vec<InvocationRecord> {
        let slots: Vec<_> = lock(&self.0).iter().rev().cloned().collect();
        slots.iter().map(|s| lock(s).clone()).collect()
    }

    pub(crate) fn clear(&self) {
        lock(&self.0).clear();
    }
}

/// What a caller tells the pool to record about its invocation.
#[derive(Debug, Clone)]
pub(crate) struct Recording {
    pub recent: Arc<Recent>,
    pub qualifier: String,
    pub trigger: Trigger,
}

/// A running invocation's record. Dropped while still running (the caller went away, or an
/// error ended the invoke before the runtime answered), it is closed as failed.
#[derive(Debug, Default)]
pub(crate) struct Live(Option<Arc<Mutex<InvocationRecord>>>);

impl Live {
    /// Whether an invocation record was started.
    pub(crate) fn started(&self) -> bool {
        self.0.is_some()
    }

    /// The environment that runs it (a retried init moves it to a new one).
    pub(crate) fn set_stream(&self, stream: &str) {
        if let Some(s) = &self.0 {
            let mut r = lock(s);
            if r.log_stream != stream {
                r.log_stream = stream.to_string();
            }
        }
    }

    /// The runtime's answer: the invocation ended after `duration_ms`.
    pub(crate) fn finish(&mut self, outcome: &Outcome, duration_ms: f64) {
        if let Some(s) = self.0.take() {
            let mut r = lock(&s);
            r.duration_ms = Some(duration_ms);
            r.status = status_of(outcome);
        }
    }

    /// Ended without the runtime's answer (`error_type`, `message`).
    pub(crate) fn fail(&mut self, error_type: &str, message: &str) {
        if let Some(s) = self.0.take() {
            let mut r = lock(&s);
            r.status = Status::Failed {
                error_type: error_type.to_string(),
                message: message.to_string(),
            };
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.fail(
            "Fogbank.Abandoned",
            "the invocation ended before the runtime answered (its caller went away)",
        );
    }
}

/// The status a runtime's answer means.
pub(crate) fn status_of(outcome: &Outcome) -> Status {
    match outcome {
        Outcome::Response(_) => Status::Succeeded,
        Outcome::Error { error_type, .. } if error_type == "Sandbox.Timedout" => Status::TimedOut,
        Outcome::Error { error_type, body } => {
            // The payload's errorType (`ValueError`) says more than the runtime's header
            // (`Unhandled` from most runtime clients).
            let v = serde_json::from_slice::<Value>(body).ok();
            let field = |k: &str| {
                v.as_ref()
                    .and_then(|v| v.get(k)?.as_str())
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            };
            Status::Failed {
                error_type: field("errorType").unwrap_or_else(|| error_type.clone()),
                message: field("errorMessage").unwrap_or_default(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;

    fn record(id: &str) -> InvocationRecord {
        InvocationRecord {
            request_id: id.to_string(),
            qualifier: "$LATEST".into(),
            trigger: Trigger::Api,
            started_ms: 1,
            duration_ms: None,
            status: Status::Running,
            log_group: "/aws/lambda/f".into(),
            log_stream: String::new(),
        }
    }

    #[test]
    fn the_ring_keeps_the_newest_fifty_and_live_records_end() {
        let recent = Recent::default();
        let mut first = recent.start(record("0"));
        for i in 1..MAX_INVOCATIONS {
            let mut live = recent.start(record(&i.to_string()));
            live.finish(&Outcome::Response(Bytes::new()), 1.5);
        }
        first.finish(
            &Outcome::Error {
                error_type: "Unhandled".into(),
                body: Bytes::from(r#"{"errorType":"ValueError","errorMessage":"bad"}"#),
            },
            2.0,
        );
        let all = recent.records();
        assert_eq!(all.len(), MAX_INVOCATIONS);
        assert_eq!(all[0].request_id, (MAX_INVOCATIONS - 1).to_string());
        assert_eq!(all[0].status, Status::Succeeded);
        assert_eq!(all[0].duration_ms, Some(1.5));
        let oldest = &all[MAX_INVOCATIONS - 1];
        assert_eq!(oldest.request_id, "0");
        assert_eq!(
            oldest.status,
            Status::Failed {
                error_type: "ValueError".into(),
                message: "bad".into()
            }
        );
        // The 51st drops the oldest.
        let _dropped = recent.start(record("new"));
        let all = recent.records();
        assert_eq!(all.len(), MAX_INVOCATIONS);
        assert_eq!(all[0].request_id, "new");
        assert_eq!(all[MAX_INVOCATIONS - 1].request_id, "1");
    }

    #[test]
    fn timeouts_and_abandoned_invocations() {
        let recent = Recent::default();
        let mut timed_out = recent.start(record("t"));
        timed_out.finish(
            &Outcome::Error {
                error_type: "Sandbox.Timedout".into(),
                body: Bytes::new(),
            },
            3000.0,
        );
        drop(recent.start(record("gone")));
        let all = recent.records();
        assert!(
            matches!(&all[0].status, Status::Failed { error_type, .. } if error_type == "Fogbank.Abandoned")
        );
        assert_eq!(all[1].status, Status::TimedOut);
        recent.clear();
        assert!(recent.records().is_empty());
    }
}
