//! SQS and the store: queue records journaled on every change, the whole state exported and
//! restored (snapshots, the data dir).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use super::move_tasks::{MOVE_TASK, MoveTask};
use super::{Queue, SqsEngine, key};
use crate::arn;
use crate::clock::Millis;
use crate::sqs::attributes::{ATTRIBUTE_NAMES, QueueAttributes};
use crate::sqs::queue::{DedupEntry, HandleKey, QueueJournal, QueueState, StoredMessage};
use crate::sqs::state::{DedupRecord, MessageRecord, QueueRecord};
use crate::store::writer::Op;
use crate::store::{Durable, Journal, Record, ServiceState};

const QUEUE: &str = "sqs.queue";
const MESSAGE: &str = "sqs.message";
const DEDUP: &str = "sqs.dedup";

/// Attributes a queue record keeps: the settable ones (the rest are computed).
fn settable(name: &str) -> bool {
    !name.starts_with("Approximate")
        && !matches!(
            name,
            "CreatedTimestamp" | "LastModifiedTimestamp" | "QueueArn"
        )
}

/// Reports, when dropped, that messages moved out of `source` are gone from it: dropped at the
/// end of `enqueue_moved`, after the destination stored (and journaled) them.
pub(super) struct MovedOut<'a> {
    pub source: &'a Queue,
    pub seqs: Vec<u64>,
}

impl Drop for MovedOut<'_> {
    fn drop(&mut self) {
        if self.seqs.is_empty() {
            return;
        }
        if let Some(j) = self.source.lock().journal() {
            for seq in self.seqs.drain(..) {
                j.delete(seq);
            }
        }
    }
}

fn queue_record(q: &Queue, state: &QueueState) -> QueueRecord {
    QueueRecord {
        name: q.name.clone(),
        account: q.account.clone(),
        region: q.region.clone(),
        created_ms: q.created_ms,
        last_modified_ms: state.last_modified_ms,
        queue_id: q.key.queue_id,
        attributes: ATTRIBUTE_NAMES
            .iter()
            .filter(|n| settable(n))
            .filter_map(|n| state.attributes.render(n).map(|v| (n.to_string(), v)))
            .collect(),
        tags: state.tags.clone(),
        purge_started_ms: state.purge_started,
    }
}

fn queue_key(q: &Queue) -> String {
    key(&q.account, &q.region, &q.name)
}

/// A queue as a record names it, checked.
struct Planned {
    record: QueueRecord,
    attributes: QueueAttributes,
}

fn plan_queue(r: &Record) -> Result<Planned, String> {
    let record: QueueRecord = r.decode()?;
    let fifo = record.name.ends_with(".fifo");
    if record.key_of() != r.key {
        return Err(format!("{QUEUE} {}: key does not match the queue", r.key));
    }
    let mut attributes = QueueAttributes::default();
    attributes
        .apply_all(&record.attributes, true)
        .map_err(|e| format!("{QUEUE} {}: {}", r.key, e.message))?;
    if attributes.fifo != fifo {
        return Err(format!(
            "{QUEUE} {}: FifoQueue does not match the name",
            r.key
        ));
    }
    Ok(Planned { record, attributes })
}

impl QueueRecord {
    fn key_of(&self) -> String {
        key(&self.account, &self.region, &self.name)
    }
}

/// Everything a state holds, decoded.
struct Plan {
    queues: Vec<Planned>,
    messages: Vec<(String, StoredMessage)>,
    dedup: Vec<(String, String, DedupEntry)>,
    tasks: Vec<MoveTask>,
}

fn plan(state: &ServiceState) -> Result<Plan, String> {
    let mut plan = Plan {
        queues: Vec::new(),
        messages: Vec::new(),
        dedup: Vec::new(),
        tasks: Vec::new(),
    };
    for r in &state.records {
        match r.kind.as_str() {
            QUEUE => plan.queues.push(plan_queue(r)?),
            MESSAGE => {
                let m: MessageRecord = r.decode()?;
                let queue = m.queue.clone();
                let msg = m
                    .into_message()
                    .map_err(|e| format!("{MESSAGE} {}: {e}", r.key))?;
                plan.messages.push((queue, msg));
            }
            DEDUP => {
                let d: DedupRecord = r.decode()?;
                plan.dedup.push(
                    d.into_entry()
                        .map_err(|e| format!("{DEDUP} {}: {e}", r.key))?,
                );
            }
            MOVE_TASK => plan.tasks.push(MoveTask::from_record(r)?),
            other => return Err(format!("unknown record kind {other:?}")),
        }
    }
    let names: std::collections::HashSet<String> =
        plan.queues.iter().map(|p| p.record.key_of()).collect();
    if names.len() != plan.queues.len() {
        return Err("a queue appears twice".into());
    }
    if let Some((q, _)) = plan.messages.iter().find(|(q, _)| !names.contains(q)) {
        return Err(format!("{MESSAGE}: queue {q} is not in the state"));
    }
    if let Some((q, _, _)) = plan.dedup.iter().find(|(q, _, _)| !names.contains(q)) {
        return Err(format!("{DEDUP}: queue {q} is not in the state"));
    }
    Ok(plan)
}

impl SqsEngine {
    fn journal_queue_with(&self, j: &Journal, q: &Queue, state: &QueueState) {
        j.put(QUEUE, &queue_key(q), &queue_record(q, state));
    }

    /// Journal a queue's record after a change of its attributes, tags or purge time.
    pub(super) fn journal_queue(&self, q: &Queue, state: &QueueState) {
        if let Some(j) = self.journal.get() {
            self.journal_queue_with(j, q, state);
        }
    }

    /// A queue was just created: journal it and give it the journal.
    pub(super) fn journal_new_queue(&self, q: &Queue) {
        if let Some(j) = self.journal.get() {
            let mut state = q.lock();
            state.set_journal(Some(QueueJournal {
                journal: j.clone(),
                queue: q.key.queue_id,
            }));
            self.journal_queue_with(j, q, &state);
        }
    }

    pub(super) fn journal_deleted_queue(&self, q: &Queue, state: &mut QueueState) {
        if let Some(j) = self.journal.get() {
            j.delete(QUEUE, &queue_key(q));
            j.push(Op::MsgPurge {
                queue: q.key.queue_id,
                dedup_too: true,
            });
        }
        state.set_journal(None);
    }

    /// Install a queue from its record (nothing journaled).
    fn install_queue(&self, p: Planned, secret: u64, now: Millis) -> Arc<Queue> {
        let r = p.record;
        let mut state = QueueState::new(p.attributes, now, u128::from(now) * 1_000_000_000);
        state.tags = r.tags;
        state.last_modified_ms = r.last_modified_ms;
        state.purge_started = r.purge_started_ms;
        let q = Arc::new(Queue {
            arn: arn::arn("sqs", &r.region, &r.account, &r.name),
            name: r.name,
            account: r.account,
            region: r.region,
            created_ms: r.created_ms,
            key: HandleKey {
                queue_id: r.queue_id,
                secret,
            },
            state: Mutex::new(state),
            notify: Notify::new(),
        });
        self.next_queue_id
            .fetch_max(r.queue_id + 1, Ordering::Relaxed);
        self.queues.insert(queue_key(&q), q.clone());
        q
    }

    /// Start from what the data dir held (at start, before any request and before the
    /// journal is attached).
    pub fn restore_from_store(
        &self,
        state: ServiceState,
        mut sqs: crate::store::SqsLoaded,
    ) -> Result<usize, String> {
        let plan = plan(&state)?;
        self.secret.store(sqs.secret, Ordering::Relaxed);
        let now = self.now();
        let mut by_id: HashMap<u64, Arc<Queue>> = HashMap::new();
        for p in plan.queues {
            let q = self.install_queue(p, sqs.secret, now);
            by_id.insert(q.key.queue_id, q);
        }
        let mut current: Option<(u64, std::sync::MutexGuard<'_, QueueState>)> = None;
        for (queue, msg) in sqs.messages.by_ref() {
            if current.as_ref().is_none_or(|(id, _)| *id != queue) {
                current = None;
                if let Some(q) = by_id.get(&queue) {
                    current = Some((queue, q.lock()));
                }
            }
            if let Some((_, state)) = current.as_mut() {
                state.restore_message(msg, now);
            }
        }
        drop(current);
        let restored = std::mem::take(&mut sqs.messages).finish()?;
        for (queue, k, entry) in sqs.dedup {
            if let Some(q) = by_id.get(&queue) {
                q.lock().restore_dedup(k, entry, now);
            }
        }
        // Internal sequence numbers of this run start above any of an earlier run, so that
        // a receipt handle of a message deleted before the restart never names a new one.
        let floor = sqs.boot.saturating_mul(1 << 40);
        for q in by_id.values() {
            q.lock().finish_restore(floor);
        }
        // Running tasks resume once the journal is attached.
        self.install_move_tasks(plan.tasks);
        Ok(restored)
    }

    fn export_state(&self) -> ServiceState {
        let mut queues: Vec<Arc<Queue>> = self.queues.iter().map(|q| q.value().clone()).collect();
        queues.sort_by_key(|q| q.key.queue_id);
        let mut records = Vec::new();
        let mut messages = Vec::new();
        let mut dedup = Vec::new();
        for q in &queues {
            let k = queue_key(q);
            let state = q.lock();
            if let Ok(r) = Record::new(QUEUE, &k, &queue_record(q, &state)) {
                records.push(r);
            }
            for m in state.snapshot() {
                let rec = MessageRecord::from_message(&k, &m);
                if let Ok(r) = Record::new(MESSAGE, &format!("{k}/{}", m.seq), &rec) {
                    messages.push(r);
                }
            }
            let mut entries: Vec<_> = state.dedup_entries().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            for (dk, e) in entries {
                let rec = DedupRecord {
                    queue: k.clone(),
                    key: dk.clone(),
                    expires_ms: e.expires,
                    message_id: uuid::Uuid::from_u128(e.message_id).hyphenated().to_string(),
                    sequence_number: e.sequence_number.to_string(),
                };
                if let Ok(r) = Record::new(DEDUP, &format!("{k}/{dk}"), &rec) {
                    dedup.push(r);
                }
            }
        }
        records.extend(messages);
        records.extend(dedup);
        records.extend(self.move_task_records());
        ServiceState {
            records,
            blobs: BTreeMap::new(),
        }
    }
}

impl Durable for SqsEngine {
    fn service(&self) -> &'static str {
        "sqs"
    }

    fn export(&self) -> ServiceState {
        self.export_state()
    }

    fn check(&self, state: &ServiceState) -> Result<(), String> {
        plan(state).map(|_| ())
    }

    fn restore(&self, state: ServiceState) -> Result<(), String> {
        let plan = plan(&state)?;
        self.clear();
        let now = self.now();
        let secret = self.secret.load(Ordering::Relaxed);
        let mut by_key: HashMap<String, Arc<Queue>> = HashMap::new();
        for p in plan.queues {
            // New ids: handles of the exporting server mean nothing here.
            let mut p = p;
            p.record.queue_id = self.next_queue_id.fetch_add(1, Ordering::Relaxed);
            let q = self.install_queue(p, secret, now);
            if let Some(j) = self.journal.get() {
                q.lock().set_journal(Some(QueueJournal {
                    journal: j.clone(),
                    queue: q.key.queue_id,
                }));
            }
            by_key.insert(queue_key(&q), q);
        }
        let mut messages = plan.messages;
        messages.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.seq.cmp(&b.1.seq)));
        for (k, msg) in messages {
            if let Some(q) = by_key.get(&k) {
                q.lock().restore_message(msg, now);
            }
        }
        for (k, dk, entry) in plan.dedup {
            if let Some(q) = by_key.get(&k) {
                q.lock().restore_dedup(dk, entry, now);
            }
        }
        for q in by_key.values() {
            q.lock().finish_restore(0);
        }
        self.install_move_tasks(plan.tasks);
        self.resume_move_tasks();
        Ok(())
    }

    fn attach_journal(&self, journal: Journal) {
        let _ = self.journal.set(journal.clone());
        for q in self.queues.iter() {
            q.lock().set_journal(Some(QueueJournal {
                journal: journal.clone(),
                queue: q.key.queue_id,
            }));
        }
        self.resume_move_tasks();
    }

    fn journal_all(&self, journal: &Journal) {
        journal.clear_service("sqs");
        for q in self.queues.iter() {
            let state = q.lock();
            self.journal_queue_with(journal, &q, &state);
            for m in state.snapshot() {
                journal.push(Op::MsgInsert {
                    queue: q.key.queue_id,
                    msg: Box::new(m),
                });
            }
            for (dk, e) in state.dedup_entries() {
                journal.push(Op::DedupPut {
                    queue: q.key.queue_id,
                    key: dk.clone(),
                    entry: e.clone(),
                });
            }
        }
        self.journal_move_tasks(journal);
    }
}
