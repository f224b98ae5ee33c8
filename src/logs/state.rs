//! What CloudWatch Logs keeps across a restart and in snapshots.
//!
//! Record kind `logs.group` (key: `account/region/name`): [`GroupRecord`], a log group with
//! its retention, tags, KMS key id, class, deletion protection and the names and creation
//! times of its streams. Events are not durable: they stay in memory (under the per-group
//! cap) and are gone after a restart.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::engine::{Group, GroupState, LogsEngine, check_group_name, group_key, lock};
use crate::store::{Durable, Journal, Record, ServiceState};

pub const GROUP: &str = "logs.group";

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
    }
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

    /// Mark a group removed from the map as deleted and journal it (under its state lock).
    pub(crate) fn journal_group_deleted(&self, g: &Group) {
        let _s = lock(&g.state);
        g.deleted.store(true, Ordering::Release);
        if let Some(j) = self.journal.get() {
            j.delete(GROUP, &group_key(&g.account, &g.region, &g.name));
        }
    }

    fn decode_state(&self, state: &ServiceState) -> Result<Vec<GroupRecord>, String> {
        let mut out = Vec::new();
        for r in &state.records {
            if r.kind != GROUP {
                return Err(format!("logs: unknown record kind {}", r.kind));
            }
            let g: GroupRecord = r.decode()?;
            if r.key != group_key(&g.account, &g.region, &g.name) {
                return Err(format!("logs: record {} names another group", r.key));
            }
            check_group_name(&g.name, "logGroupName")
                .map_err(|e| format!("logs: record {}: {}", r.key, e.message))?;
            out.push(g);
        }
        Ok(out)
    }
}

impl Durable for LogsEngine {
    fn service(&self) -> &'static str {
        "logs"
    }

    fn export(&self) -> ServiceState {
        let mut groups: Vec<Arc<Group>> = self.groups.iter().map(|g| g.value().clone()).collect();
        groups.sort_by_key(|g| group_key(&g.account, &g.region, &g.name));
        let mut records = Vec::new();
        for g in groups {
            let s = lock(&g.state);
            let key = group_key(&g.account, &g.region, &g.name);
            match Record::new(GROUP, &key, &record_of(&g, &s)) {
                Ok(r) => records.push(r),
                Err(e) => tracing::warn!("logs: group {key} not exported: {e}"),
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

    /// Replaces every group; their events are gone (events are not durable).
    fn restore(&self, state: ServiceState) -> Result<(), String> {
        let decoded = self.decode_state(&state)?;
        for g in self.groups.iter() {
            let _s = lock(&g.state);
            g.deleted.store(true, Ordering::Release);
        }
        self.groups.clear();
        for r in decoded {
            let mut s = GroupState {
                retention: r.retention_in_days,
                tags: r.tags,
                kms_key_id: r.kms_key_id,
                class: r.class,
                deletion_protection: r.deletion_protection,
                ..GroupState::default()
            };
            for st in &r.streams {
                s.ensure_stream(&st.name, st.created);
            }
            let key = group_key(&r.account, &r.region, &r.name);
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
        Ok(())
    }

    fn attach_journal(&self, journal: Journal) {
        if self.journal.set(journal).is_err() {
            tracing::warn!("logs: a journal is already attached; keeping the first");
        }
    }
}
