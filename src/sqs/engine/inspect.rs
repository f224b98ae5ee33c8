//! Looking at queues without changing them (the console): every queue of every account and
//! region, and a queue's oldest messages with their state and timers.

use std::sync::Arc;

use super::{Queue, Received, SqsEngine};
use crate::clock::Millis;
use crate::sqs::model::Message;
use crate::sqs::queue::Counts;

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageState {
    /// Receivable now.
    Visible,
    /// Received, its visibility timeout running.
    InFlight,
    /// Sent with a delay that has not passed.
    Delayed,
}

/// A message as the console shows it.
#[derive(Debug, Clone)]
pub struct PeekedMessage {
    /// Id, body and every attribute (system and message); no receipt handle.
    pub message: Message,
    pub state: MessageState,
    /// When it becomes visible (epoch millis); in the past for visible messages.
    pub visible_at: Millis,
}

/// A queue's counts and its oldest messages.
#[derive(Debug, Clone)]
pub struct QueueView {
    pub counts: Counts,
    /// Messages stored (including any retention has not removed yet).
    pub total: usize,
    pub messages: Vec<PeekedMessage>,
}

impl SqsEngine {
    /// Every queue, sorted by account, region and name.
    pub fn all_queues(&self) -> Vec<Arc<Queue>> {
        let mut v: Vec<Arc<Queue>> = self.queues.iter().map(|q| q.value().clone()).collect();
        v.sort_by(|a, b| (&a.account, &a.region, &a.name).cmp(&(&b.account, &b.region, &b.name)));
        v
    }

    /// A queue's counts (as GetQueueAttributes gives them).
    pub fn counts_of(&self, q: &Queue) -> Counts {
        let now = self.now();
        q.lock().counts(now)
    }

    /// A queue's counts and its `limit` oldest messages, visible or not, without receiving
    /// any: nothing changes.
    pub fn inspect(&self, q: &Queue, limit: usize) -> QueueView {
        let now = self.now();
        let (stored, total, counts) = {
            let state = q.lock();
            let (stored, total) = state.first_messages(limit);
            (stored, total, state.counts(now))
        };
        let all = vec!["All".to_string()];
        let messages = stored
            .into_iter()
            .map(|m| {
                let visible_at = m.visible_at;
                let state = if visible_at <= now {
                    MessageState::Visible
                } else if m.receive_count > 0 {
                    MessageState::InFlight
                } else {
                    MessageState::Delayed
                };
                let received = Received {
                    message: m,
                    receipt_handle: String::new(),
                };
                PeekedMessage {
                    message: self.render_message(q, received, &all, &all),
                    state,
                    visible_at,
                }
            })
            .collect();
        QueueView {
            counts,
            total,
            messages,
        }
    }
}
