//! The queue's reachability invariant, checked in tests and (sampled) in debug builds.
//!
//! Every stored message must be reachable by a future receive: a standard queue's message is
//! either in the ready deque or has a timer due when it becomes visible; a FIFO message is in
//! its group's deque, the group is in the rotation, and a message not yet visible has a timer
//! that wakes long polls when it becomes visible. A message that breaks this would stay stored,
//! counted and visible to a peek, yet never be received again: "stranded".

use std::collections::{HashMap, HashSet};

use super::QueueState;
use crate::clock::Millis;

/// Full audits in debug builds: always for small queues, else once per this many operations.
#[cfg(debug_assertions)]
const AUDIT_EVERY: u32 = 512;
#[cfg(debug_assertions)]
const ALWAYS_AUDIT_BELOW: usize = 64;

impl QueueState {
    /// Check that every stored message is reachable by a receive (see the module docs);
    /// `Err` describes the first message that is not. O(n): for tests and debug builds.
    pub fn audit(&self, now: Millis) -> Result<(), String> {
        let now = now.max(self.now_seen);
        let timers: HashSet<(Millis, u64)> = self.timers.iter().map(|r| r.0).collect();
        if self.fifo() {
            return self.audit_fifo(now, &timers);
        }
        let mut in_deque: HashMap<u64, usize> = HashMap::new();
        for seq in &self.ready {
            *in_deque.entry(*seq).or_default() += 1;
        }
        for (seq, m) in &self.messages {
            let queued = in_deque.get(seq).copied().unwrap_or(0);
            if m.in_ready != (queued > 0) {
                return Err(format!(
                    "message {seq}: in_ready={} but {queued} entries in the ready deque",
                    m.in_ready
                ));
            }
            if queued > 1 {
                return Err(format!(
                    "message {seq}: {queued} entries in the ready deque"
                ));
            }
            if !m.in_ready && !timers.contains(&(m.visible_at, *seq)) {
                return Err(format!(
                    "message {seq} (visible at {}, now {now}, received {} times) is neither \
                     ready nor timed: stranded",
                    m.visible_at, m.receive_count
                ));
            }
        }
        Ok(())
    }

    fn audit_fifo(&self, now: Millis, timers: &HashSet<(Millis, u64)>) -> Result<(), String> {
        let mut rotation: HashMap<&str, usize> = HashMap::new();
        for g in &self.rotation {
            *rotation.entry(g).or_default() += 1;
        }
        for (group, deque) in &self.groups {
            if deque.is_empty() {
                return Err(format!("group {group:?}: empty deque kept"));
            }
            if rotation.get(&**group).copied() != Some(1) {
                return Err(format!("group {group:?}: not in the rotation exactly once"));
            }
            if deque.iter().zip(deque.iter().skip(1)).any(|(a, b)| a >= b) {
                return Err(format!("group {group:?}: messages out of send order"));
            }
        }
        if rotation.len() != self.groups.len() {
            return Err("the rotation names a group without messages".into());
        }
        let mut grouped = 0;
        for (seq, m) in &self.messages {
            let group = m.group_id().map_or("", |g| &**g);
            if !self.groups.get(group).is_some_and(|d| d.contains(seq)) {
                return Err(format!("message {seq}: missing from group {group:?}"));
            }
            grouped += 1;
            if m.visible_at > now && !timers.contains(&(m.visible_at, *seq)) {
                return Err(format!(
                    "message {seq} (visible at {}, now {now}) has no timer to wake receives",
                    m.visible_at
                ));
            }
        }
        let listed: usize = self.groups.values().map(|d| d.len()).sum();
        if listed != grouped {
            return Err(format!("{listed} group entries for {grouped} messages"));
        }
        Ok(())
    }

    /// In debug builds, audit small queues after every change and large ones now and then;
    /// a broken invariant panics with what broke. Nothing in release builds.
    #[inline]
    pub(super) fn debug_audit(&mut self, now: Millis) {
        #[cfg(debug_assertions)]
        {
            if self.messages.len() >= ALWAYS_AUDIT_BELOW {
                self.audit_countdown += 1;
                if self.audit_countdown < AUDIT_EVERY {
                    return;
                }
            }
            self.audit_countdown = 0;
            if let Err(e) = self.audit(now) {
                panic!("SQS queue invariant broken: {e}");
            }
        }
        #[cfg(not(debug_assertions))]
        let _ = now;
    }
}
