//! Where a Lambda execution environment's log lines go: its function's log group (created on
//! first use, as Lambda's service role does) and its own stream, one event per line.
//!
//! The sink keeps the group it found; a write locks only that group's mutex (one per
//! function), so environments of different functions never wait for each other. A group or
//! stream deleted while the environment lives is created again by the next line, as on AWS.

use std::sync::{Arc, Mutex};

use super::engine::{Group, GroupState, LogsEngine, lock};

/// One environment's log destination.
pub struct LogSink {
    engine: Arc<LogsEngine>,
    account: String,
    region: String,
    pub group: String,
    pub stream: String,
    cached: Mutex<Option<Arc<Group>>>,
}

impl LogSink {
    pub fn new(
        engine: Arc<LogsEngine>,
        account: &str,
        region: &str,
        group: &str,
        stream: &str,
    ) -> Self {
        LogSink {
            engine,
            account: account.to_string(),
            region: region.to_string(),
            group: group.to_string(),
            stream: stream.to_string(),
            cached: Mutex::new(None),
        }
    }

    fn group(&self) -> Arc<Group> {
        let mut cached = lock(&self.cached);
        if let Some(g) = cached.as_ref()
            && !g.deleted.load(std::sync::atomic::Ordering::Acquire)
        {
            return g.clone();
        }
        let g = match self.engine.insert_group(
            &self.account,
            &self.region,
            &self.group,
            GroupState {
                class: "STANDARD".into(),
                ..GroupState::default()
            },
        ) {
            Ok(g) | Err(g) => g,
        };
        *cached = Some(g.clone());
        g
    }

    /// Append events (timestamp, message), in order, to the environment's stream.
    pub fn write(&self, events: &[(i64, &str)]) {
        if events.is_empty() {
            return;
        }
        let group = self.group();
        let now = self.engine.now();
        let cap = self.engine.group_cap();
        let mut s = lock(&group.state);
        if s.ensure_stream(&self.stream, now) {
            self.engine.journal_group(&group, &s);
        }
        let mut log = self.engine.event_log(&group);
        for (ts, message) in events {
            s.append(&self.stream, *ts, message, now, cap, &mut log);
        }
        log.flush();
    }
}
