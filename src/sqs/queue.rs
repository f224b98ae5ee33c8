//! One queue's messages: visibility, delays, retention, FIFO groups and deduplication.
//!
//! Everything here is synchronous and takes "now" as an argument; the engine holds the lock,
//! reads the clock and wakes long polls. Messages live in a map keyed by an internal sequence
//! number, so a receipt handle finds its message in O(1). Standard queues keep a deque of ready
//! messages and a min-heap of timers (delays and visibility timeouts); FIFO queues keep each
//! message group's messages in order.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::attributes::QueueAttributes;
use super::md5;
use super::model::MessageAttributes;
use crate::clock::Millis;
use crate::store::writer::Op;

/// How long FIFO deduplication ids and receive attempt ids are remembered.
pub const DEDUP_WINDOW_MS: Millis = 5 * 60 * 1000;
/// A received message may stay invisible at most this long after its receive, in total.
pub const MAX_VISIBILITY_MS: Millis = 43_200 * 1000;

/// Extra data only some messages carry, boxed to keep the common message small.
#[derive(Debug, Clone, Default)]
pub struct MessageExtra {
    pub attributes: MessageAttributes,
    pub md5_of_attributes: Option<String>,
    pub system_attributes: MessageAttributes,
    pub md5_of_system_attributes: Option<String>,
    /// Set when the message was moved here from a source queue by a redrive policy.
    pub dead_letter_source_arn: Option<Arc<str>>,
    pub group_id: Option<Arc<str>>,
    pub deduplication_id: Option<Box<str>>,
    /// FIFO sequence number.
    pub sequence_number: Option<u128>,
    /// When retention starts, if not at `sent_ms` (a FIFO message moved to a dead-letter
    /// queue restarts its retention there; `SentTimestamp` stays the send time).
    pub enqueued_ms: Option<Millis>,
}

/// A message stored in a queue.
#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub seq: u64,
    pub id: u128,
    pub body: Arc<str>,
    pub md5_of_body: [u8; 16],
    pub extra: Option<Box<MessageExtra>>,
    pub sent_ms: Millis,
    pub first_receive_ms: Millis,
    /// When the current receive happened (the 12 h visibility limit counts from it).
    pub received_ms: Millis,
    /// When the message is (or becomes) visible.
    pub visible_at: Millis,
    pub receive_count: u32,
    /// Bumped on every receive; part of the receipt handle.
    pub generation: u32,
    in_ready: bool,
}

impl StoredMessage {
    /// A new message, visible at `visible_at`.
    pub fn new(
        id: u128,
        body: Arc<str>,
        extra: Option<Box<MessageExtra>>,
        sent_ms: Millis,
        visible_at: Millis,
    ) -> Self {
        let md5_of_body = md5::md5_of_body(&body);
        Self::restored(id, body, md5_of_body, extra, sent_ms, visible_at)
    }

    /// A message read back from the store, its body's MD5 known.
    pub fn restored(
        id: u128,
        body: Arc<str>,
        md5_of_body: [u8; 16],
        extra: Option<Box<MessageExtra>>,
        sent_ms: Millis,
        visible_at: Millis,
    ) -> Self {
        StoredMessage {
            seq: 0,
            id,
            md5_of_body,
            body,
            extra,
            sent_ms,
            first_receive_ms: 0,
            received_ms: 0,
            visible_at,
            receive_count: 0,
            generation: 0,
            in_ready: false,
        }
    }

    /// The message id as AWS prints it (a UUID).
    pub fn message_id(&self) -> String {
        uuid::Uuid::from_u128(self.id).hyphenated().to_string()
    }

    pub fn group_id(&self) -> Option<&Arc<str>> {
        self.extra.as_ref().and_then(|e| e.group_id.as_ref())
    }

    fn in_flight(&self, now: Millis) -> bool {
        self.receive_count > 0 && self.visible_at > now
    }

    /// When the message's retention period started.
    pub fn enqueued_ms(&self) -> Millis {
        self.extra
            .as_ref()
            .and_then(|e| e.enqueued_ms)
            .unwrap_or(self.sent_ms)
    }
}

/// A message handed out by a receive, with its new receipt handle.
#[derive(Debug, Clone)]
pub struct Received {
    pub message: StoredMessage,
    pub receipt_handle: String,
}

/// The counts behind the `ApproximateNumberOf*` attributes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub visible: u64,
    pub not_visible: u64,
    pub delayed: u64,
}

/// A remembered FIFO deduplication id.
#[derive(Debug, Clone)]
pub struct DedupEntry {
    pub expires: Millis,
    pub message_id: u128,
    pub sequence_number: u128,
}

/// One message a FIFO receive attempt returned: `(seq, generation, visible_at)`. The attempt
/// is remembered (attempt id -> expiry and entries) so that a retry can replay it.
type AttemptEntry = (u64, u32, Millis);

/// A permission statement added by AddPermission.
#[derive(Debug, Clone)]
pub struct Permission {
    pub label: String,
    pub accounts: Vec<String>,
    pub actions: Vec<String>,
}

/// The mutable state of a queue, behind the queue's mutex.
#[derive(Debug)]
pub struct QueueState {
    pub attributes: QueueAttributes,
    pub last_modified_ms: Millis,
    pub tags: BTreeMap<String, String>,
    pub permissions: Vec<Permission>,
    pub purge_started: Option<Millis>,
    pub deleted: bool,
    messages: HashMap<u64, Box<StoredMessage>>,
    ready: VecDeque<u64>,
    timers: BinaryHeap<Reverse<(Millis, u64)>>,
    next_seq: u64,
    // FIFO
    groups: HashMap<Arc<str>, VecDeque<u64>>,
    rotation: VecDeque<Arc<str>>,
    dedup: HashMap<String, DedupEntry>,
    dedup_expiry: VecDeque<(Millis, String)>,
    attempts: HashMap<String, (Millis, Vec<AttemptEntry>)>,
    next_sequence_number: u128,
    /// The latest "now" any operation brought: the queue's own clock, which never runs
    /// backwards. Callers read the clock before they take the lock, so a receive can hold an
    /// older "now" than a send that got the lock first; every operation works at
    /// `max(now, now_seen)` so that it never sees a stored message as being in its future.
    now_seen: Millis,
    /// Operations since the last full invariant audit (debug builds).
    #[cfg(debug_assertions)]
    audit_countdown: u32,
    /// Where changes of messages are reported when the data dir is on.
    journal: Option<QueueJournal>,
}

/// A queue's view of the store's journal: its id there plus the journal.
#[derive(Debug, Clone)]
pub struct QueueJournal {
    pub journal: crate::store::Journal,
    pub queue: u64,
}

impl QueueJournal {
    fn insert(&self, m: &StoredMessage) {
        self.journal.push(Op::MsgInsert {
            queue: self.queue,
            msg: Box::new(m.clone()),
        });
    }

    fn update(&self, m: &StoredMessage) {
        self.journal.push(Op::MsgUpdate {
            queue: self.queue,
            seq: m.seq,
            visible_at: m.visible_at,
            receive_count: m.receive_count,
            first_receive_ms: m.first_receive_ms,
            received_ms: m.received_ms,
            generation: m.generation,
        });
    }

    /// The message left the queue (deleted, expired, or moved: then after it was stored on
    /// the destination).
    pub fn delete(&self, seq: u64) {
        self.journal.push(Op::MsgDelete {
            queue: self.queue,
            seq,
        });
    }

    fn purge(&self, dedup_too: bool) {
        self.journal.push(Op::MsgPurge {
            queue: self.queue,
            dedup_too,
        });
    }
}

/// Identifies a queue inside receipt handles.
#[derive(Debug, Clone, Copy)]
pub struct HandleKey {
    pub queue_id: u64,
    pub secret: u64,
}

impl HandleKey {
    fn check(&self, seq: u64, generation: u32) -> u32 {
        let mut x =
            self.secret ^ self.queue_id.rotate_left(17) ^ seq.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x ^= u64::from(generation).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
        x ^= x >> 29;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        (x ^ (x >> 32)) as u32
    }

    /// Encode a receipt handle for message `seq` received for the `generation`-th time.
    pub fn encode(&self, seq: u64, generation: u32) -> String {
        let mut raw = [0u8; 24];
        raw[..8].copy_from_slice(&self.queue_id.to_be_bytes());
        raw[8..16].copy_from_slice(&seq.to_be_bytes());
        raw[16..20].copy_from_slice(&generation.to_be_bytes());
        raw[20..].copy_from_slice(&self.check(seq, generation).to_be_bytes());
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// `(seq, generation)` of a receipt handle issued by this queue, else `None`.
    pub fn decode(&self, handle: &str) -> Option<(u64, u32)> {
        let raw = URL_SAFE_NO_PAD.decode(handle.trim()).ok()?;
        if raw.len() != 24 {
            return None;
        }
        let queue_id = u64::from_be_bytes(raw[..8].try_into().ok()?);
        let seq = u64::from_be_bytes(raw[8..16].try_into().ok()?);
        let generation = u32::from_be_bytes(raw[16..20].try_into().ok()?);
        let check = u32::from_be_bytes(raw[20..24].try_into().ok()?);
        (queue_id == self.queue_id && check == self.check(seq, generation))
            .then_some((seq, generation))
    }
}

/// What a delete or visibility change found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandleOutcome {
    Done,
    /// The message is gone or no longer in flight.
    NotInFlight,
    /// FIFO: the message is still stored but the handle's receive is over (it timed out, or
    /// the message was received again).
    Expired,
    /// The new timeout would keep the message invisible for more than 12 h since its receive.
    BeyondVisibilityLimit,
}

impl QueueState {
    /// Every stored message in send order (developer peek; changes nothing).
    pub fn snapshot(&self) -> Vec<StoredMessage> {
        let mut all: Vec<StoredMessage> = self.messages.values().map(|m| (**m).clone()).collect();
        all.sort_by_key(|m| m.seq);
        all
    }

    /// The `limit` oldest messages (by send order), cloned, and how many there are in all:
    /// O(n) in the queue's size, not O(n log n).
    pub fn first_messages(&self, limit: usize) -> (Vec<StoredMessage>, usize) {
        let mut refs: Vec<&StoredMessage> = self.messages.values().map(|m| &**m).collect();
        let total = refs.len();
        if limit < total {
            refs.select_nth_unstable_by_key(limit, |m| m.seq);
            refs.truncate(limit);
        }
        refs.sort_by_key(|m| m.seq);
        (refs.into_iter().cloned().collect(), total)
    }

    pub fn new(attributes: QueueAttributes, now: Millis, sequence_start: u128) -> Self {
        QueueState {
            attributes,
            last_modified_ms: now,
            tags: BTreeMap::new(),
            permissions: Vec::new(),
            purge_started: None,
            deleted: false,
            messages: HashMap::new(),
            ready: VecDeque::new(),
            timers: BinaryHeap::new(),
            next_seq: 1,
            groups: HashMap::new(),
            rotation: VecDeque::new(),
            dedup: HashMap::new(),
            dedup_expiry: VecDeque::new(),
            attempts: HashMap::new(),
            next_sequence_number: sequence_start,
            now_seen: now,
            #[cfg(debug_assertions)]
            audit_countdown: 0,
            journal: None,
        }
    }

    /// Report message changes to `journal` from now on (`None`: stop).
    pub fn set_journal(&mut self, journal: Option<QueueJournal>) {
        self.journal = journal;
    }

    /// The journal, when the data dir is on.
    pub fn journal(&self) -> Option<&QueueJournal> {
        self.journal.as_ref()
    }

    /// Put back a message read from the store or a snapshot (its `seq` and receive state
    /// kept), without journaling it. Messages must come in `seq` order per queue.
    pub fn restore_message(&mut self, msg: StoredMessage, now: Millis) {
        let now = self.observe(now);
        let seq = msg.seq;
        self.next_seq = self.next_seq.max(seq + 1);
        if let Some(n) = msg.extra.as_ref().and_then(|e| e.sequence_number) {
            self.next_sequence_number = self.next_sequence_number.max(n);
        }
        let journal = self.journal.take();
        self.push_at(msg, None, now, Some(seq));
        self.journal = journal;
    }

    /// Put back a remembered deduplication id (not journaled).
    pub fn restore_dedup(&mut self, key: String, entry: DedupEntry, now: Millis) {
        if entry.expires <= now {
            return;
        }
        self.next_sequence_number = self.next_sequence_number.max(entry.sequence_number);
        self.dedup_expiry.push_back((entry.expires, key.clone()));
        self.dedup.insert(key, entry);
    }

    /// Sort the dedup expiry queue after a restore (entries came in key order).
    pub fn finish_restore(&mut self, next_seq_floor: u64) {
        let mut v: Vec<_> = self.dedup_expiry.drain(..).collect();
        v.sort();
        self.dedup_expiry = v.into();
        self.next_seq = self.next_seq.max(next_seq_floor);
    }

    /// Every remembered deduplication id.
    pub fn dedup_entries(&self) -> impl Iterator<Item = (&String, &DedupEntry)> {
        self.dedup.iter()
    }

    /// The time an operation works at: `now`, or a later time an earlier operation brought.
    fn observe(&mut self, now: Millis) -> Millis {
        self.now_seen = self.now_seen.max(now);
        self.now_seen
    }

    fn fifo(&self) -> bool {
        self.attributes.fifo
    }

    fn retention_ms(&self) -> Millis {
        u64::from(self.attributes.message_retention_period) * 1000
    }

    fn expired(&self, m: &StoredMessage, now: Millis) -> bool {
        m.enqueued_ms() + self.retention_ms() <= now
    }

    /// Number of stored messages (any state).
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether the queue holds no messages.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// Look up a remembered FIFO deduplication id.
    pub fn dedup_lookup(&mut self, key: &str, now: Millis) -> Option<DedupEntry> {
        let now = self.observe(now);
        self.expire_dedup(now);
        self.dedup.get(key).cloned()
    }

    fn expire_dedup(&mut self, now: Millis) {
        while let Some((exp, _)) = self.dedup_expiry.front() {
            if *exp > now {
                break;
            }
            if let Some((exp, key)) = self.dedup_expiry.pop_front()
                && self.dedup.get(&key).is_some_and(|e| e.expires == exp)
            {
                self.dedup.remove(&key);
                if let Some(j) = &self.journal {
                    j.journal.push(Op::DedupDelete {
                        queue: j.queue,
                        key,
                    });
                }
            }
        }
    }

    /// Take the next FIFO sequence number.
    pub fn next_sequence_number(&mut self) -> u128 {
        self.next_sequence_number += 1;
        self.next_sequence_number
    }

    /// Store a message; remember its dedup id when given. Returns its internal sequence.
    pub fn push(&mut self, msg: StoredMessage, dedup_key: Option<String>, now: Millis) -> u64 {
        let now = self.observe(now);
        self.push_at(msg, dedup_key, now, None)
    }

    fn push_at(
        &mut self,
        mut msg: StoredMessage,
        dedup_key: Option<String>,
        now: Millis,
        restored_seq: Option<u64>,
    ) -> u64 {
        let seq = match restored_seq {
            Some(seq) => seq,
            None => {
                let seq = self.next_seq;
                self.next_seq += 1;
                seq
            }
        };
        msg.seq = seq;
        if let Some(key) = dedup_key {
            let entry = DedupEntry {
                expires: now + DEDUP_WINDOW_MS,
                message_id: msg.id,
                sequence_number: msg
                    .extra
                    .as_ref()
                    .and_then(|e| e.sequence_number)
                    .unwrap_or(0),
            };
            self.dedup_expiry.push_back((entry.expires, key.clone()));
            if let Some(j) = &self.journal {
                j.journal.push(Op::DedupPut {
                    queue: j.queue,
                    key: key.clone(),
                    entry: entry.clone(),
                });
            }
            self.dedup.insert(key, entry);
        }
        if let Some(j) = &self.journal {
            j.insert(&msg);
        }
        if self.fifo() {
            let group = msg.group_id().cloned().unwrap_or_else(|| Arc::from(""));
            let deque = self.groups.entry(group.clone()).or_default();
            if deque.is_empty() {
                self.rotation.push_back(group);
            }
            deque.push_back(seq);
            if msg.visible_at > now {
                self.timers.push(Reverse((msg.visible_at, seq)));
            }
        } else if msg.visible_at <= now {
            msg.in_ready = true;
            self.ready.push_back(seq);
        } else {
            self.timers.push(Reverse((msg.visible_at, seq)));
        }
        self.messages.insert(seq, Box::new(msg));
        self.debug_audit(now);
        seq
    }

    /// Move due timers into the ready deque (standard queues) and drop stale ones.
    fn promote(&mut self, now: Millis) {
        while let Some(Reverse((due, seq))) = self.timers.peek().copied() {
            if due > now {
                break;
            }
            self.timers.pop();
            if self.fifo() {
                continue;
            }
            if let Some(m) = self.messages.get_mut(&seq)
                && m.visible_at == due
                && !m.in_ready
            {
                m.in_ready = true;
                if m.receive_count > 0 {
                    // A message back from a receive (timed out, or visibility set to 0) comes
                    // before those sent after it, as on AWS (test_inflight_message_requeue).
                    // It is old, so this lands near the front, where inserting is cheap.
                    let at = self.ready.partition_point(|s| *s < seq);
                    self.ready.insert(at, seq);
                } else {
                    self.ready.push_back(seq);
                }
            }
        }
        // Deleted messages leave stale timers behind; rebuild when they dominate.
        if self.timers.len() > 1024 && self.timers.len() > 2 * self.messages.len() {
            let messages = &self.messages;
            self.timers.retain(|Reverse((due, seq))| {
                messages.get(seq).is_some_and(|m| m.visible_at == *due)
            });
        }
    }

    /// The earliest time at which a message may become visible, for long-poll wake-ups.
    pub fn next_wakeup(&mut self, now: Millis) -> Option<Millis> {
        let now = self.observe(now);
        self.promote(now);
        self.timers.peek().map(|Reverse((due, _))| *due)
    }

    /// Remove a message. `journal`: report the removal now (a message moving to another
    /// queue is reported by the engine once it is stored there, so no crash can lose it).
    fn remove(&mut self, seq: u64, journal: bool) -> Option<Box<StoredMessage>> {
        let m = self.messages.remove(&seq)?;
        if journal && let Some(j) = &self.journal {
            j.delete(seq);
        }
        if let Some(group) = m.group_id() {
            if let Some(deque) = self.groups.get_mut(group) {
                if let Some(pos) = deque.iter().position(|s| *s == seq) {
                    deque.remove(pos);
                }
                if deque.is_empty() {
                    self.groups.remove(group);
                    if let Some(pos) = self.rotation.iter().position(|g| g == group) {
                        self.rotation.remove(pos);
                    }
                }
            }
        } else if self.fifo() {
            // FIFO messages always carry a group; nothing else to clean.
        }
        Some(m)
    }

    /// Receive up to `max` messages with visibility timeout `vt_ms`. Messages whose receive
    /// count reached `max_receive` (redrive policy) are removed and returned in `moved`
    /// instead, for the engine to put on the dead-letter queue.
    pub fn receive(
        &mut self,
        now: Millis,
        max: usize,
        vt_ms: Millis,
        max_receive: Option<u32>,
        key: HandleKey,
        moved: &mut Vec<StoredMessage>,
    ) -> Vec<Received> {
        let now = self.observe(now);
        self.promote(now);
        let mut picked: Vec<u64> = Vec::with_capacity(max);
        if self.fifo() {
            self.pick_fifo(now, max, max_receive, moved, &mut picked);
        } else {
            let retention = self.retention_ms();
            while picked.len() < max {
                let Some(seq) = self.ready.pop_front() else {
                    break;
                };
                let Some(m) = self.messages.get_mut(&seq) else {
                    continue;
                };
                m.in_ready = false;
                if m.visible_at > now {
                    // Not reachable while time runs forwards (see `now_seen`); should it ever
                    // happen, the message keeps a timer instead of being dropped from reach.
                    self.timers.push(Reverse((m.visible_at, seq)));
                    continue;
                }
                let expired = m.enqueued_ms() + retention <= now;
                let exhausted = max_receive.is_some_and(|x| m.receive_count >= x);
                if expired || exhausted {
                    if let Some(m) = self.remove(seq, expired)
                        && exhausted
                        && !expired
                    {
                        moved.push(*m);
                    }
                    continue;
                }
                picked.push(seq);
            }
        }
        let mut out = Vec::with_capacity(picked.len());
        for seq in picked {
            if let Some(m) = self.messages.get_mut(&seq) {
                m.receive_count += 1;
                m.generation = m.generation.wrapping_add(1);
                if m.receive_count == 1 {
                    m.first_receive_ms = now;
                }
                m.received_ms = now;
                m.visible_at = now + vt_ms;
                self.timers.push(Reverse((m.visible_at, seq)));
                if let Some(j) = &self.journal {
                    j.update(m);
                }
                out.push(Received {
                    receipt_handle: key.encode(seq, m.generation),
                    message: (**m).clone(),
                });
            }
        }
        self.debug_audit(now);
        out
    }

    fn pick_fifo(
        &mut self,
        now: Millis,
        max: usize,
        max_receive: Option<u32>,
        moved: &mut Vec<StoredMessage>,
        picked: &mut Vec<u64>,
    ) {
        let mut visited = 0;
        let groups = self.rotation.len();
        while picked.len() < max && visited < groups {
            visited += 1;
            let Some(group) = self.rotation.pop_front() else {
                break;
            };
            self.rotation.push_back(group.clone());
            let mut i = 0;
            while picked.len() < max {
                let Some(seq) = self.groups.get(&group).and_then(|d| d.get(i).copied()) else {
                    break;
                };
                let Some(m) = self.messages.get(&seq) else {
                    break;
                };
                // In flight (the group is locked) or still delayed: the group waits.
                if m.visible_at > now {
                    break;
                }
                let expired = self.expired(m, now);
                let exhausted = max_receive.is_some_and(|x| m.receive_count >= x);
                if expired || exhausted {
                    if let Some(m) = self.remove(seq, expired)
                        && exhausted
                        && !expired
                    {
                        moved.push(*m);
                    }
                    // Removal shifted the group, so the same index is the next message.
                    continue;
                }
                picked.push(seq);
                i += 1;
            }
        }
    }

    /// Receive again the messages a FIFO `ReceiveRequestAttemptId` got, with the same receipt
    /// handles, and restart their visibility timeout (`vt_ms` from now). `None` when the
    /// attempt is unknown or stale, or when any of its messages was deleted, received again,
    /// had its visibility changed or became visible: the caller then receives afresh.
    pub fn replay_attempt(
        &mut self,
        attempt: &str,
        now: Millis,
        vt_ms: Millis,
        key: HandleKey,
    ) -> Option<Vec<Received>> {
        let now = self.observe(now);
        self.attempts.retain(|_, (exp, _)| *exp > now);
        let (_, entries) = self.attempts.get(attempt)?;
        let unchanged = entries.iter().all(|(seq, generation, visible_at)| {
            self.messages.get(seq).is_some_and(|m| {
                m.generation == *generation && m.visible_at == *visible_at && m.in_flight(now)
            })
        });
        if !unchanged {
            self.attempts.remove(attempt);
            return None;
        }
        let visible_at = now + vt_ms;
        let mut out = Vec::with_capacity(entries.len());
        for (seq, generation, _) in entries {
            if let Some(m) = self.messages.get_mut(seq) {
                m.visible_at = visible_at;
                self.timers.push(Reverse((visible_at, *seq)));
                if let Some(j) = &self.journal {
                    j.update(m);
                }
                out.push(Received {
                    receipt_handle: key.encode(*seq, *generation),
                    message: (**m).clone(),
                });
            }
        }
        if let Some((_, entries)) = self.attempts.get_mut(attempt) {
            for e in entries.iter_mut() {
                e.2 = visible_at;
            }
        }
        if vt_ms == 0 {
            self.promote(now);
        }
        Some(out)
    }

    /// Remember what a receive with a `ReceiveRequestAttemptId` returned.
    pub fn record_attempt(&mut self, attempt: String, now: Millis, received: &[Received]) {
        let now = self.observe(now);
        let entries = received
            .iter()
            .map(|r| {
                let m = &r.message;
                (m.seq, m.generation, m.visible_at)
            })
            .collect();
        self.attempts
            .insert(attempt, (now + DEDUP_WINDOW_MS, entries));
    }

    /// Delete the message a receipt handle names. Standard queues delete even with an older
    /// handle of the same message; FIFO queues only with the current, unexpired one.
    pub fn delete(&mut self, seq: u64, generation: u32, now: Millis) -> HandleOutcome {
        let now = self.observe(now);
        let Some(m) = self.messages.get(&seq) else {
            return HandleOutcome::NotInFlight;
        };
        if self.fifo() && (m.generation != generation || !m.in_flight(now)) {
            return HandleOutcome::Expired;
        }
        self.remove(seq, true);
        self.debug_audit(now);
        HandleOutcome::Done
    }

    /// Change the visibility timeout of an in-flight message, counted from now; the message
    /// may not stay invisible beyond 12 h after its receive in total. With the handle of a
    /// receive whose timeout already ran out this does nothing and succeeds, as on AWS.
    pub fn change_visibility(
        &mut self,
        seq: u64,
        generation: u32,
        vt_ms: Millis,
        now: Millis,
    ) -> HandleOutcome {
        let now = self.observe(now);
        let fifo = self.fifo();
        let Some(m) = self.messages.get_mut(&seq) else {
            return HandleOutcome::NotInFlight;
        };
        if fifo && m.generation != generation {
            return HandleOutcome::NotInFlight;
        }
        if !m.in_flight(now) {
            // The handle of the latest receive, whose timeout ran out: AWS answers OK and
            // leaves the message visible.
            return if m.generation == generation && m.receive_count > 0 {
                HandleOutcome::Done
            } else {
                HandleOutcome::NotInFlight
            };
        }
        if now + vt_ms > m.received_ms + MAX_VISIBILITY_MS {
            return HandleOutcome::BeyondVisibilityLimit;
        }
        m.visible_at = now + vt_ms;
        self.timers.push(Reverse((m.visible_at, seq)));
        if let Some(j) = &self.journal {
            j.update(m);
        }
        if vt_ms == 0 {
            self.promote(now);
        }
        self.debug_audit(now);
        HandleOutcome::Done
    }

    /// Drop every message, and the FIFO deduplication record with them (a message sent
    /// after a purge is not a duplicate: test_purge_queue_clears_fifo_deduplication_cache).
    pub fn purge(&mut self) {
        if let Some(j) = &self.journal {
            j.purge(true);
        }
        self.dedup.clear();
        self.dedup_expiry.clear();
        self.messages.clear();
        self.ready.clear();
        self.timers.clear();
        self.groups.clear();
        self.rotation.clear();
        self.attempts.clear();
    }

    /// Remove up to `max` currently visible messages (for message move tasks), oldest first.
    pub fn take_visible(&mut self, now: Millis, max: usize) -> Vec<StoredMessage> {
        let now = self.observe(now);
        self.promote(now);
        let mut seqs: Vec<u64> = self
            .messages
            .values()
            .filter(|m| m.visible_at <= now && !self.expired(m, now))
            .map(|m| m.seq)
            .collect();
        seqs.sort_unstable();
        seqs.truncate(max);
        let taken = seqs
            .into_iter()
            .filter_map(|s| self.remove(s, false).map(|m| *m))
            .collect();
        self.debug_audit(now);
        taken
    }

    /// Counts for the `ApproximateNumberOf*` attributes.
    pub fn counts(&self, now: Millis) -> Counts {
        let now = now.max(self.now_seen);
        let mut c = Counts::default();
        for m in self.messages.values() {
            if self.expired(m, now) {
                continue;
            }
            if m.visible_at <= now {
                c.visible += 1;
            } else if m.receive_count > 0 {
                c.not_visible += 1;
            } else {
                c.delayed += 1;
            }
        }
        c
    }

    /// Whether any message is receivable right now (used to end long polls early).
    pub fn has_visible(&mut self, now: Millis) -> bool {
        let now = self.observe(now);
        self.promote(now);
        if self.fifo() {
            self.messages.values().any(|m| m.visible_at <= now)
        } else {
            !self.ready.is_empty()
        }
    }
}

mod audit;
#[cfg(test)]
mod tests;
