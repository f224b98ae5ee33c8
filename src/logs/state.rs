//! What CloudWatch Logs keeps across a restart and in snapshots.
//!
//! - `logs.group` (key `account/region/name`): [`GroupRecord`], a log group with its
//!   retention, tags, KMS key id, class, deletion protection, the names and creation times of
//!   its streams, and a lower bound of its next arrival number.
//! - `logs.event` (key `account/region/name:<arrival number, 20 digits>`): [`EventRecord`],
//!   one stored event: its stream, timestamp, ingestion time and message.
//!
//! Every event a group stores is journaled under the group's lock (so the store sees appends
//! and drops in their order), and every event it drops (the per-group cap, retention, a
//! deleted stream) is deleted there: the store holds what memory holds, no more than the cap
//! per group. A deleted group's events go with one [`Journal::delete_prefix`] (before its
//! record, so no commit leaves events without their group); a reset clears the service.
//!
//! A restore takes the groups, then each group's events in arrival order through the same
//! insert as an append (cap, retention, `bytes`/`memory`/`arrivals`), without journaling; the
//! arrival numbers go on past the highest restored one, so paging tokens and event ids from
//! before a restart keep working. Events the restore drops (a smaller cap, retention expired
//! meanwhile) are deleted from the store when the journal is attached. The store loads records
//! by kind name (events first); the restore does not depend on their order.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::engine::{Event, Group, GroupState, LogsEngine, check_group_name, group_key, lock};
use crate::store::{Batch, Durable, Journal, Record, ServiceState};

pub const GROUP: &str = "logs.group";
pub const EVENT: &str = "logs.event";

/// A log group and its streams (without events).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRecord {
    pub name: String,
    pub account: String,
    pub region: String,
    pub created: u64,
    #[serde(default)]
    pub retention_in_days: Option<u32>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub kms_key_id: Option<String>,
    #[serde(default = "standard")]
    pub class: String,
    #[serde(default)]
    pub deletion_protection: bool,
    #[serde(default)]
    pub streams: Vec<StreamRecord>,
    /// The group's next arrival number when the record was written: a lower bound, the
    /// restore continues past it and past every restored event.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub next_seq: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One stored event (record `logs.event`, key `account/region/group:<20-digit seq>`, the
/// arrival number being the key's end): `S` is `&str` when written, `String` when read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord<S = String> {
    pub stream: S,
    pub ts: i64,
    pub ingestion: u64,
    pub message: S,
}

/// The key of event `seq` of the group keyed `group` (see [`group_key`]). Group names have no
/// `:`, so `<group key>:` starts the keys of this group's events and of no other group's.
pub fn event_key(group: &str, seq: u64) -> String {
    format!("{group}:{seq:020}")
}

/// `(group key, seq)` of an event key.
fn parse_event_key(key: &str) -> Option<(&str, u64)> {
    let (group, digits) = key.rsplit_once(':')?;
    (digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok().map(|seq| (group, seq)))
        .flatten()
}

/// Who hears of the events a group stores and drops (called under the group's lock, so the
/// journal sees them in order).
pub(crate) enum EventLog<'a> {
    /// No data dir, or the group is deleted.
    Off,
    /// Journal each stored event and each dropped one: gathered in `batch`, pushed by
    /// [`EventLog::flush`] (or when dropped), still under the group's lock.
    Journal {
        journal: &'a Journal,
        group: String,
        batch: Batch,
    },
    /// A restore: the events are in the store already; the keys of those it drops (cap,
    /// retention) are collected, to be removed from the store once the journal is attached.
    Restore {
        group: &'a str,
        dropped: &'a mut Vec<String>,
    },
}

impl EventLog<'_> {
    pub(crate) fn stored(&mut self, stream: &str, e: &Event) {
        if let EventLog::Journal { group, batch, .. } = self {
            batch.put(
                EVENT,
                &event_key(group, e.seq),
                &EventRecord {
                    stream,
                    ts: e.ts,
                    ingestion: e.ingestion,
                    message: &*e.message,
                },
            );
        }
    }

    pub(crate) fn dropped(&mut self, seq: u64) {
        match self {
            EventLog::Off => {}
            EventLog::Journal { group, batch, .. } => batch.delete(EVENT, &event_key(group, seq)),
            EventLog::Restore { group, dropped } => dropped.push(event_key(group, seq)),
        }
    }

    /// Journal what was gathered: before any other change of the group is journaled (its
    /// record after a stream's deletion), so the store sees them in order.
    pub(crate) fn flush(&mut self) {
        if let EventLog::Journal { journal, batch, .. } = self {
            journal.push_batch(batch);
        }
    }
}

impl Drop for EventLog<'_> {
    /// A log dropped before the group's lock is released (declared after the lock's guard)
    /// has journaled everything under it.
    fn drop(&mut self) {
        self.flush();
    }
}

fn standard() -> String {
    "STANDARD".into()
}

/// A stream's name and creation time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamRecord {
    pub name: String,
    pub created: u64,
}

fn record_of(g: &Group, s: &GroupState) -> GroupRecord {
    GroupRecord {
        name: g.name.clone(),
        account: g.account.clone(),
        region: g.region.clone(),
        created: g.created,
        retention_in_days: s.retention,
        tags: s.tags.clone(),
        kms_key_id: s.kms_key_id.clone(),
        class: s.class.clone(),
        deletion_protection: s.deletion_protection,
        streams: s
            .streams
            .values()
            .map(|st| StreamRecord {
                name: st.name.to_string(),
                created: st.created,
            })
            .collect(),
        next_seq: s.next_seq,
    }
}

/// A checked state: the groups, and each group's events by arrival number.
struct Decoded {
    groups: Vec<GroupRecord>,
    events: HashMap<String, BTreeMap<u64, EventRecord>>,
}

impl LogsEngine {
    /// Journal a group as it is now (called with its state locked, so changes reach the
    /// journal in order); nothing once the group is deleted.
    pub(crate) fn journal_group(&self, g: &Group, s: &GroupState) {
        if let Some(j) = self.journal.get()
            && !g.deleted.load(Ordering::Acquire)
        {
            j.put(
                GROUP,
                &group_key(&g.account, &g.region, &g.name),
                &record_of(g, s),
            );
        }
    }

    /// Where the events `g` stores and drops are journaled: call it with `g`'s state locked.
    pub(crate) fn event_log(&self, g: &Group) -> EventLog<'_> {
        match self.journal.get() {
            Some(journal) if !g.deleted.load(Ordering::Acquire) => EventLog::Journal {
                journal,
                group: group_key(&g.account, &g.region, &g.name),
                batch: Batch::default(),
            },
            _ => EventLog::Off,
        }
    }

    /// Mark a group being removed from the map as deleted and journal it (under its state
    /// lock; the caller holds its map entry, so a group created again under the same name
    /// journals only after this). Its events go first, in one operation, so that no commit
    /// leaves events without their group.
    pub(crate) fn journal_group_deleted(&self, g: &Group) {
        let _s = lock(&g.state);
        g.deleted.store(true, Ordering::Release);
        if let Some(j) = self.journal.get() {
            let key = group_key(&g.account, &g.region, &g.name);
            j.delete_prefix(EVENT, &format!("{key}:"));
            j.delete(GROUP, &key);
        }
    }

    fn decode_state(&self, state: &ServiceState) -> Result<Decoded, String> {
        let mut groups = Vec::new();
        let mut streams: HashMap<String, HashSet<&str>> = HashMap::new();
        let mut events: Vec<&Record> = Vec::new();
        for r in &state.records {
            match r.kind.as_str() {
                GROUP => {}
                EVENT => {
                    events.push(r);
                    continue;
                }
                other => return Err(format!("logs: unknown record kind {other}")),
            }
            let g: GroupRecord = r.decode()?;
            if r.key != group_key(&g.account, &g.region, &g.name) {
                return Err(format!("logs: record {} names another group", r.key));
            }
            check_group_name(&g.name, "logGroupName")
                .map_err(|e| format!("logs: record {}: {}", r.key, e.message))?;
            groups.push(g);
        }
        for g in &groups {
            let names = g.streams.iter().map(|s| s.name.as_str()).collect();
            if streams
                .insert(group_key(&g.account, &g.region, &g.name), names)
                .is_some()
            {
                return Err(format!("logs: group {} is there twice", g.name));
            }
        }
        let mut by_group: HashMap<String, BTreeMap<u64, EventRecord>> = HashMap::new();
        for r in events {
            let (group, seq) = parse_event_key(&r.key)
                .ok_or_else(|| format!("logs: event key {} is not <group>:<20 digits>", r.key))?;
            let Some(names) = streams.get(group) else {
                return Err(format!("logs: event {} of no group", r.key));
            };
            let e: EventRecord = r.decode()?;
            if !names.contains(&e.stream.as_str()) {
                return Err(format!(
                    "logs: event {} of stream {} that its group does not have",
                    r.key, e.stream
                ));
            }
            if by_group
                .entry(group.to_string())
                .or_default()
                .insert(seq, e)
                .is_some()
            {
                return Err(format!("logs: event {} is there twice", r.key));
            }
        }
        Ok(Decoded {
            groups,
            events: by_group,
        })
    }
}

impl Durable for LogsEngine {
    fn service(&self) -> &'static str {
        "logs"
    }

    /// Each group's record, then its events in arrival order.
    fn export(&self) -> ServiceState {
        let mut groups: Vec<Arc<Group>> = self.groups.iter().map(|g| g.value().clone()).collect();
        groups.sort_by_key(|g| group_key(&g.account, &g.region, &g.name));
        let mut records = Vec::new();
        for g in groups {
            let s = lock(&g.state);
            let key = group_key(&g.account, &g.region, &g.name);
            match Record::new(GROUP, &key, &record_of(&g, &s)) {
                Ok(r) => records.push(r),
                Err(e) => {
                    tracing::warn!("logs: group {key} not exported: {e}");
                    continue;
                }
            }
            let mut events: Vec<(&str, &Event)> = s
                .streams
                .values()
                .flat_map(|st| st.events.iter().map(|e| (&*st.name, e)))
                .collect();
            events.sort_unstable_by_key(|(_, e)| e.seq);
            for (stream, e) in events {
                let value = EventRecord {
                    stream,
                    ts: e.ts,
                    ingestion: e.ingestion,
                    message: &*e.message,
                };
                match Record::new(EVENT, &event_key(&key, e.seq), &value) {
                    Ok(r) => records.push(r),
                    Err(err) => tracing::warn!("logs: an event of {key} not exported: {err}"),
                }
            }
        }
        ServiceState {
            records,
            blobs: BTreeMap::new(),
        }
    }

    fn check(&self, state: &ServiceState) -> Result<(), String> {
        self.decode_state(state).map(|_| ())
    }

    /// Replaces every group. Events come back in arrival order through the same steps as
    /// appends (cap, retention), without journaling: those dropped now are removed from the
    /// store when the journal is attached (at start; after a snapshot load `journal_all`
    /// rewrites everything anyway).
    fn restore(&self, state: ServiceState) -> Result<(), String> {
        let Decoded { groups, mut events } = self.decode_state(&state)?;
        drop(state);
        for g in self.groups.iter() {
            let _s = lock(&g.state);
            g.deleted.store(true, Ordering::Release);
        }
        self.groups.clear();
        let now = self.now();
        let cap = self.group_cap();
        let mut dropped = Vec::new();
        for r in groups {
            let key = group_key(&r.account, &r.region, &r.name);
            let mut s = GroupState {
                retention: r.retention_in_days,
                tags: r.tags,
                kms_key_id: r.kms_key_id,
                class: r.class,
                deletion_protection: r.deletion_protection,
                next_seq: r.next_seq,
                ..GroupState::default()
            };
            for st in &r.streams {
                s.ensure_stream(&st.name, st.created);
            }
            let mut log = EventLog::Restore {
                group: &key,
                dropped: &mut dropped,
            };
            for (seq, e) in events.remove(&key).unwrap_or_default() {
                let event = Event {
                    ts: e.ts,
                    seq,
                    ingestion: e.ingestion,
                    message: e.message.into_boxed_str(),
                };
                s.insert(&e.stream, event, now, cap, &mut log);
            }
            drop(log);
            self.groups.insert(
                key,
                Arc::new(Group {
                    name: r.name,
                    account: r.account,
                    region: r.region,
                    created: r.created,
                    deleted: AtomicBool::new(false),
                    state: Mutex::new(s),
                }),
            );
        }
        *lock(&self.restore_dropped) = if self.journal.get().is_some() {
            Vec::new()
        } else {
            dropped
        };
        Ok(())
    }

    fn attach_journal(&self, journal: Journal) {
        let dropped = std::mem::take(&mut *lock(&self.restore_dropped));
        for key in &dropped {
            journal.delete(EVENT, key);
        }
        if self.journal.set(journal).is_err() {
            tracing::warn!("logs: a journal is already attached; keeping the first");
        }
    }
}
