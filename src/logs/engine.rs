//! The CloudWatch Logs engine (no HTTP): log groups per account and region, their streams and
//! events, retention, tags. Events live in memory under a per-group cap (oldest dropped);
//! with a data dir each stored and dropped event is journaled too (see [`super::state`]).
//!
//! Each group has its own mutex, so writers of different groups (one per Lambda function)
//! never wait for each other.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dashmap::DashMap;

use super::error::{LogsError, LogsResult};
use super::model::*;
use super::state::EventLog;
use crate::clock::Clock;
use crate::context::RequestContext;
use crate::store::Journal;

/// Most memory the events of one log group may take by default (each event counts its
/// message's UTF-8 bytes plus [`EVENT_MEMORY`]); past it the oldest events are dropped.
/// `FOGBANK_LOGS_GROUP_BYTES` changes it.
pub const MAX_GROUP_BYTES: usize = 8 * 1024 * 1024;

/// The per-group cap: `FOGBANK_LOGS_GROUP_BYTES` if it is a number of bytes, else
/// [`MAX_GROUP_BYTES`].
fn configured_cap() -> usize {
    match std::env::var("FOGBANK_LOGS_GROUP_BYTES") {
        Ok(v) => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => {
                tracing::warn!(
                    "FOGBANK_LOGS_GROUP_BYTES={v:?} is not a positive number of bytes; log groups keep {MAX_GROUP_BYTES}"
                );
                MAX_GROUP_BYTES
            }
        },
        Err(_) => MAX_GROUP_BYTES,
    }
}

/// What fogbank holds per event beside its message: the event (40 bytes), the message's
/// allocation rounded up, and the group's arrival entry (16 bytes).
pub const EVENT_MEMORY: usize = 80;

/// Retention periods AWS accepts (`Days`).
pub const RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Bytes AWS adds to each event's message when sizing a batch.
pub const EVENT_OVERHEAD: usize = 26;

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One stored event.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub ts: i64,
    /// Unique within the group, in arrival order: with `ts`, the event's place and id.
    pub seq: u64,
    pub ingestion: u64,
    pub message: Box<str>,
}

impl Event {
    pub fn key(&self) -> (i64, u64) {
        (self.ts, self.seq)
    }

    /// Its size as AWS counts it (message + 26 bytes).
    pub fn size(&self) -> usize {
        self.message.len() + EVENT_OVERHEAD
    }

    /// The memory it holds, for the group cap.
    pub fn memory(&self) -> usize {
        self.message.len() + EVENT_MEMORY
    }
}

/// One log stream: its events ordered by (timestamp, arrival).
#[derive(Debug)]
pub(crate) struct Stream {
    pub name: Arc<str>,
    pub created: u64,
    pub events: VecDeque<Event>,
    pub last_ingestion: Option<u64>,
}

impl Stream {
    fn new(name: Arc<str>, created: u64) -> Self {
        Stream {
            name,
            created,
            events: VecDeque::new(),
            last_ingestion: None,
        }
    }

    /// Insert in (timestamp, arrival) order; almost always at the end.
    fn insert(&mut self, e: Event) {
        if self.events.back().is_none_or(|b| b.key() <= e.key()) {
            self.events.push_back(e);
        } else {
            let at = self.events.partition_point(|x| x.key() <= e.key());
            self.events.insert(at, e);
        }
    }
}

/// The mutable part of a log group.
#[derive(Debug, Default)]
pub(crate) struct GroupState {
    pub retention: Option<u32>,
    pub tags: BTreeMap<String, String>,
    pub kms_key_id: Option<String>,
    pub class: String,
    pub deletion_protection: bool,
    pub streams: BTreeMap<Arc<str>, Stream>,
    /// Memory held by the events (see [`Event::memory`]), against the cap.
    pub memory: usize,
    /// The stream of every stored event, in arrival order (for dropping the oldest).
    pub(crate) arrivals: VecDeque<Arc<str>>,
    pub bytes: usize,
    pub(crate) next_seq: u64,
}

/// A log group.
#[derive(Debug)]
pub struct Group {
    pub name: String,
    pub account: String,
    pub region: String,
    pub created: u64,
    /// Set under the map entry when the group is deleted: writers holding it look it up again.
    pub(crate) deleted: AtomicBool,
    pub(crate) state: Mutex<GroupState>,
}

impl Group {
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:logs:{}:{}:log-group:{}",
            self.region, self.account, self.name
        )
    }

    fn describe(&self, s: &GroupState) -> LogGroup {
        let arn = self.arn();
        LogGroup {
            log_group_name: self.name.clone(),
            creation_time: self.created,
            retention_in_days: s.retention,
            metric_filter_count: 0,
            arn: format!("{arn}:*"),
            stored_bytes: s.bytes as u64,
            kms_key_id: s.kms_key_id.clone(),
            log_group_class: s.class.clone(),
            log_group_arn: arn,
            deletion_protection_enabled: s.deletion_protection,
        }
    }
}

impl GroupState {
    /// Make sure the stream named `name` exists (Lambda's service role creates it on first
    /// use); true when it was created.
    pub(crate) fn ensure_stream(&mut self, name: &str, now: u64) -> bool {
        if self.streams.contains_key(name) {
            return false;
        }
        let name: Arc<str> = Arc::from(name);
        self.streams.insert(name.clone(), Stream::new(name, now));
        true
    }

    /// Store one event in `stream` (which must exist), dropping the group's oldest events
    /// beyond `cap` bytes; `log` hears of the stored and dropped events.
    pub(crate) fn append(
        &mut self,
        stream: &str,
        ts: i64,
        message: &str,
        now: u64,
        cap: usize,
        log: &mut EventLog<'_>,
    ) {
        let event = Event {
            ts,
            seq: self.next_seq,
            ingestion: now,
            message: message.into(),
        };
        self.next_seq += 1;
        self.insert(stream, event, now, cap, log);
    }

    /// Store `event` (an append's, or a restored one in arrival order) in `stream`, then drop
    /// what the cap and the retention no longer allow. Nothing when the stream is gone.
    pub(crate) fn insert(
        &mut self,
        stream: &str,
        event: Event,
        now: u64,
        cap: usize,
        log: &mut EventLog<'_>,
    ) {
        self.next_seq = self.next_seq.max(event.seq.saturating_add(1));
        let Some(s) = self.streams.get_mut(stream) else {
            return;
        };
        self.bytes += event.size();
        self.memory += event.memory();
        s.last_ingestion = Some(event.ingestion);
        log.stored(&s.name, &event);
        s.insert(event);
        self.arrivals.push_back(s.name.clone());
        while self.memory > cap && self.drop_oldest(log) {}
        // Past the retention period: gone from memory too (reads hide them already).
        if let Some(days) = self.retention {
            let cutoff = (now as i64).saturating_sub(i64::from(days) * 86_400_000);
            while self.oldest_ts().is_some_and(|ts| ts < cutoff) && self.drop_oldest(log) {}
        }
    }

    /// The timestamp of the event [`GroupState::drop_oldest`] would drop.
    fn oldest_ts(&self) -> Option<i64> {
        let name = self.arrivals.front()?;
        self.streams.get(&**name)?.events.front().map(|e| e.ts)
    }

    /// Drop the oldest arrival's stream's first event; false when nothing is left.
    fn drop_oldest(&mut self, log: &mut EventLog<'_>) -> bool {
        let Some(name) = self.arrivals.pop_front() else {
            return false;
        };
        if let Some(s) = self.streams.get_mut(&*name)
            && let Some(e) = s.events.pop_front()
        {
            self.bytes -= e.size();
            self.memory -= e.memory();
            log.dropped(e.seq);
        }
        true
    }

    pub(crate) fn remove_stream(&mut self, name: &str, log: &mut EventLog<'_>) -> bool {
        let Some(s) = self.streams.remove(name) else {
            return false;
        };
        for e in &s.events {
            self.bytes -= e.size();
            self.memory -= e.memory();
            log.dropped(e.seq);
        }
        if !s.events.is_empty() {
            self.arrivals.retain(|n| &**n != name);
        }
        true
    }
}

/// The Logs engine.
pub struct LogsEngine {
    pub(crate) clock: Arc<dyn Clock>,
    /// `account/region/name` -> group.
    pub(crate) groups: DashMap<String, Arc<Group>>,
    pub(crate) cap: AtomicU64,
    pub(crate) journal: OnceLock<Journal>,
    /// Keys of stored events the last restore dropped (cap, retention), removed from the
    /// store when the journal is attached.
    pub(crate) restore_dropped: Mutex<Vec<String>>,
}

pub(crate) fn group_key(account: &str, region: &str, name: &str) -> String {
    format!("{account}/{region}/{name}")
}

/// A paging token: opaque to clients, `base64url(text)`.
pub(crate) fn encode_token(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

pub(crate) fn decode_token(token: &str) -> LogsResult<String> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(LogsError::bad_token)
}

fn limit(value: Option<i64>, max: i64, default: i64) -> LogsResult<usize> {
    match value {
        None => Ok(default as usize),
        Some(v) if v < 1 => Err(LogsError::invalid(format!(
            "1 validation error detected: Value '{v}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
        ))),
        Some(v) if v > max => Err(LogsError::invalid(format!(
            "1 validation error detected: Value '{v}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to {max}"
        ))),
        Some(v) => Ok(v as usize),
    }
}

pub(crate) fn events_limit(value: Option<i64>) -> LogsResult<usize> {
    limit(value, 10_000, 10_000)
}

fn required<'a>(value: &'a Option<String>, member: &str) -> LogsResult<&'a str> {
    value.as_deref().ok_or_else(|| {
        LogsError::invalid(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

/// A log group name as AWS checks it.
pub fn check_group_name(name: &str, member: &str) -> LogsResult<()> {
    if name.is_empty() {
        return Err(LogsError::invalid(format!(
            "1 validation error detected: Value '' at '{member}' failed to satisfy constraint: Member must have length greater than or equal to 1"
        )));
    }
    if name.len() > 512 {
        return Err(LogsError::invalid(
            "Invalid LogGroup or LogStream, both must have length less than or equal to 512.",
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/' | b'#'))
    {
        return Err(LogsError::invalid(format!(
            "1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"
        )));
    }
    Ok(())
}

/// A log stream name as AWS checks it.
pub fn check_stream_name(name: &str) -> LogsResult<()> {
    if name.is_empty() {
        return Err(LogsError::invalid(
            "1 validation error detected: Value '' at 'logStreamName' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    if name.len() > 512 {
        return Err(LogsError::invalid(
            "Invalid LogGroup or LogStream, both must have length less than or equal to 512.",
        ));
    }
    if name.contains([':', '*']) {
        return Err(LogsError::invalid(format!(
            "1 validation error detected: Value '{name}' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*"
        )));
    }
    Ok(())
}

impl LogsEngine {
    pub fn new(clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(LogsEngine {
            clock,
            groups: DashMap::new(),
            cap: AtomicU64::new(configured_cap() as u64),
            journal: OnceLock::new(),
            restore_dropped: Mutex::new(Vec::new()),
        })
    }

    /// Change the per-group cap (tests).
    pub fn set_group_cap(&self, bytes: usize) {
        self.cap.store(bytes as u64, Ordering::Relaxed);
    }

    pub(crate) fn group_cap(&self) -> usize {
        self.cap.load(Ordering::Relaxed) as usize
    }

    pub(crate) fn now(&self) -> u64 {
        self.clock.now_millis()
    }

    /// Forget everything (environments still writing create their groups again).
    pub fn reset(&self) {
        for g in self.groups.iter() {
            let _s = lock(&g.state);
            g.deleted.store(true, Ordering::Release);
        }
        self.groups.clear();
        if let Some(j) = self.journal.get() {
            j.replace_service("logs", &crate::store::ServiceState::default());
        }
    }

    pub(crate) fn group(&self, ctx: &RequestContext, name: &str) -> LogsResult<Arc<Group>> {
        self.groups
            .get(&group_key(&ctx.account, &ctx.region, name))
            .map(|g| g.clone())
            .ok_or_else(LogsError::no_group)
    }

    /// The group a request names by `logGroupName` or `logGroupIdentifier` (a name or an ARN).
    pub(crate) fn group_by(
        &self,
        ctx: &RequestContext,
        name: &Option<String>,
        identifier: &Option<String>,
    ) -> LogsResult<Arc<Group>> {
        match (name, identifier) {
            (Some(_), Some(_)) => Err(LogsError::validation(
                "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
            )),
            (Some(n), None) => self.group(ctx, n),
            (None, Some(id)) => match parse_group_arn(id) {
                Some((region, account, name)) => self
                    .groups
                    .get(&group_key(account, region, name))
                    .map(|g| g.clone())
                    .ok_or_else(LogsError::no_group),
                None => self.group(ctx, id),
            },
            (None, None) => Err(LogsError::invalid(
                "Should provide either name or ARN of the log group.",
            )),
        }
    }

    /// Create a group (an API call, or Lambda's first write). `journal` says whether to record it.
    pub(crate) fn insert_group(
        &self,
        account: &str,
        region: &str,
        name: &str,
        init: GroupState,
    ) -> Result<Arc<Group>, Arc<Group>> {
        use dashmap::mapref::entry::Entry;
        match self.groups.entry(group_key(account, region, name)) {
            Entry::Occupied(o) => Err(o.get().clone()),
            Entry::Vacant(v) => {
                let group = Arc::new(Group {
                    name: name.to_string(),
                    account: account.to_string(),
                    region: region.to_string(),
                    created: self.now(),
                    deleted: AtomicBool::new(false),
                    state: Mutex::new(init),
                });
                self.journal_group(&group, &lock(&group.state));
                v.insert(group.clone());
                Ok(group)
            }
        }
    }

    pub fn create_log_group(
        &self,
        ctx: &RequestContext,
        input: CreateLogGroupRequest,
    ) -> LogsResult<()> {
        let name = required(&input.log_group_name, "logGroupName")?;
        check_group_name(name, "logGroupName")?;
        let class = input.log_group_class.unwrap_or_else(|| "STANDARD".into());
        if !matches!(
            class.as_str(),
            "STANDARD" | "INFREQUENT_ACCESS" | "DELIVERY"
        ) {
            return Err(LogsError::invalid(format!(
                "1 validation error detected: Value '{class}' at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set: [DELIVERY, STANDARD, INFREQUENT_ACCESS]"
            )));
        }
        let tags = input.tags.unwrap_or_default();
        super::tags::check_tags(&tags)?;
        let init = GroupState {
            tags,
            kms_key_id: input.kms_key_id,
            class,
            deletion_protection: input.deletion_protection_enabled.unwrap_or(false),
            ..GroupState::default()
        };
        self.insert_group(&ctx.account, &ctx.region, name, init)
            .map(|_| ())
            .map_err(|_| LogsError::exists("The specified log group already exists"))
    }

    pub fn delete_log_group(
        &self,
        ctx: &RequestContext,
        input: LogGroupNameRequest,
    ) -> LogsResult<()> {
        let name = required(&input.log_group_name, "logGroupName")?;
        let key = group_key(&ctx.account, &ctx.region, name);
        let Some(entry) = self.groups.get(&key).map(|g| g.clone()) else {
            return Err(LogsError::no_group());
        };
        if lock(&entry.state).deletion_protection {
            return Err(LogsError::validation(
                "Cannot delete log group with deletion protection enabled",
            ));
        }
        // Journaled under the map entry: a group created again under this name journals after.
        let removed = self.groups.remove_if(&key, |_, g| {
            Arc::ptr_eq(g, &entry) && {
                self.journal_group_deleted(g);
                true
            }
        });
        match removed {
            Some(_) => Ok(()),
            None => Err(LogsError::no_group()),
        }
    }

    pub fn describe_log_groups(
        &self,
        ctx: &RequestContext,
        input: DescribeLogGroupsRequest,
    ) -> LogsResult<DescribeLogGroupsResponse> {
        let limit = limit(input.limit, 50, 50)?;
        if input.log_group_name_prefix.is_some() && input.log_group_name_pattern.is_some() {
            return Err(LogsError::invalid(
                "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.",
            ));
        }
        let after = input.next_token.as_deref().map(decode_token).transpose()?;
        let ids: Option<Vec<(String, String, String)>> = input.log_group_identifiers.map(|ids| {
            ids.iter()
                .map(|id| match parse_group_arn(id) {
                    Some((r, a, n)) => (a.to_string(), r.to_string(), n.to_string()),
                    None => (ctx.account.clone(), ctx.region.clone(), id.clone()),
                })
                .collect()
        });
        let mut groups: Vec<Arc<Group>> = self
            .groups
            .iter()
            .filter(|g| {
                let g = g.value();
                let mine = g.account == ctx.account && g.region == ctx.region;
                match &ids {
                    Some(ids) => ids
                        .iter()
                        .any(|(a, r, n)| *a == g.account && *r == g.region && *n == g.name),
                    None => mine,
                }
            })
            .filter(|g| {
                input
                    .log_group_name_prefix
                    .as_deref()
                    .is_none_or(|p| g.name.starts_with(p))
                    && input
                        .log_group_name_pattern
                        .as_deref()
                        .is_none_or(|p| g.name.contains(p))
            })
            .map(|g| g.value().clone())
            .collect();
        groups.sort_by(|a, b| a.name.cmp(&b.name).then(a.arn().cmp(&b.arn())));
        let start = match &after {
            Some(last) => groups.partition_point(|g| g.name.as_str() <= last.as_str()),
            None => 0,
        };
        let mut out = Vec::new();
        for g in &groups[start..] {
            let s = lock(&g.state);
            if let Some(class) = &input.log_group_class
                && &s.class != class
            {
                continue;
            }
            out.push(g.describe(&s));
        }
        let next_token = (out.len() > limit).then(|| encode_token(&out[limit - 1].log_group_name));
        out.truncate(limit);
        Ok(DescribeLogGroupsResponse {
            log_groups: out,
            next_token,
        })
    }

    pub fn create_log_stream(
        &self,
        ctx: &RequestContext,
        input: CreateLogStreamRequest,
    ) -> LogsResult<()> {
        let group_name = required(&input.log_group_name, "logGroupName")?;
        let name = required(&input.log_stream_name, "logStreamName")?;
        check_stream_name(name)?;
        let group = self.group(ctx, group_name)?;
        let now = self.now();
        let mut s = lock(&group.state);
        if s.streams.contains_key(name) {
            return Err(LogsError::exists("The specified log stream already exists"));
        }
        s.ensure_stream(name, now);
        self.journal_group(&group, &s);
        Ok(())
    }

    pub fn delete_log_stream(
        &self,
        ctx: &RequestContext,
        input: CreateLogStreamRequest,
    ) -> LogsResult<()> {
        let group_name = required(&input.log_group_name, "logGroupName")?;
        let name = required(&input.log_stream_name, "logStreamName")?;
        let group = self.group(ctx, group_name)?;
        let mut s = lock(&group.state);
        let mut log = self.event_log(&group);
        if !s.remove_stream(name, &mut log) {
            return Err(LogsError::no_stream());
        }
        // The events' deletions before the record without their stream.
        log.flush();
        self.journal_group(&group, &s);
        Ok(())
    }

    pub fn describe_log_streams(
        &self,
        ctx: &RequestContext,
        input: DescribeLogStreamsRequest,
    ) -> LogsResult<DescribeLogStreamsResponse> {
        let limit = limit(input.limit, 50, 50)?;
        let group = self.group_by(ctx, &input.log_group_name, &input.log_group_identifier)?;
        let by_time = match input.order_by.as_deref() {
            None | Some("LogStreamName") => false,
            Some("LastEventTime") => true,
            Some(o) => {
                return Err(LogsError::invalid(format!(
                    "1 validation error detected: Value '{o}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LastEventTime, LogStreamName]"
                )));
            }
        };
        if by_time && input.log_stream_name_prefix.is_some() {
            return Err(LogsError::invalid(
                "Cannot order by LastEventTime with a logStreamNamePrefix.",
            ));
        }
        let offset = match &input.next_token {
            Some(t) => decode_token(t)?
                .strip_prefix("o:")
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(LogsError::bad_token)?,
            None => 0,
        };
        let arn = group.arn();
        let s = lock(&group.state);
        let mut streams: Vec<LogStream> = s
            .streams
            .values()
            .filter(|st| {
                input
                    .log_stream_name_prefix
                    .as_deref()
                    .is_none_or(|p| st.name.starts_with(p))
            })
            .map(|st| LogStream {
                log_stream_name: st.name.to_string(),
                creation_time: st.created,
                first_event_timestamp: st.events.front().map(|e| e.ts),
                last_event_timestamp: st.events.back().map(|e| e.ts),
                last_ingestion_time: st.last_ingestion,
                upload_sequence_token: st.last_ingestion.map(|_| sequence_token(st.events.len())),
                arn: format!("{arn}:log-stream:{}", st.name),
                stored_bytes: 0,
            })
            .collect();
        drop(s);
        if by_time {
            streams.sort_by_key(|st| st.last_event_timestamp.unwrap_or(i64::MIN));
        }
        if input.descending.unwrap_or(false) {
            streams.reverse();
        }
        let rest: Vec<LogStream> = streams.into_iter().skip(offset).collect();
        let next_token =
            (rest.len() > limit).then(|| encode_token(&format!("o:{}", offset + limit)));
        Ok(DescribeLogStreamsResponse {
            log_streams: rest.into_iter().take(limit).collect(),
            next_token,
        })
    }

    pub fn put_retention_policy(
        &self,
        ctx: &RequestContext,
        input: PutRetentionPolicyRequest,
    ) -> LogsResult<()> {
        let name = required(&input.log_group_name, "logGroupName")?;
        let days = input.retention_in_days.ok_or_else(|| {
            LogsError::invalid(
                "1 validation error detected: Value null at 'retentionInDays' failed to satisfy constraint: Member must not be null",
            )
        })?;
        if !RETENTION_DAYS.iter().any(|d| i64::from(*d) == days) {
            let set: Vec<String> = RETENTION_DAYS.iter().map(u32::to_string).collect();
            return Err(LogsError::invalid(format!(
                "1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                set.join(", ")
            )));
        }
        let group = self.group(ctx, name)?;
        let mut s = lock(&group.state);
        s.retention = Some(days as u32);
        self.journal_group(&group, &s);
        Ok(())
    }

    pub fn delete_retention_policy(
        &self,
        ctx: &RequestContext,
        input: LogGroupNameRequest,
    ) -> LogsResult<()> {
        let name = required(&input.log_group_name, "logGroupName")?;
        let group = self.group(ctx, name)?;
        let mut s = lock(&group.state);
        s.retention = None;
        self.journal_group(&group, &s);
        Ok(())
    }

    /// The group a tagging call names by ARN (`arn:aws:logs:<region>:<account>:log-group:<name>`).
    pub(crate) fn group_by_arn(&self, arn: &str) -> LogsResult<Arc<Group>> {
        let Some((region, account, name)) = parse_group_arn(arn) else {
            return Err(LogsError::invalid(format!("Invalid resource arn: {arn}")));
        };
        self.groups
            .get(&group_key(account, region, name))
            .map(|g| g.clone())
            .ok_or_else(|| LogsError::not_found("The specified resource does not exist."))
    }
}

/// `nextSequenceToken` / `uploadSequenceToken`: AWS no longer checks them; a 56-digit number.
pub(crate) fn sequence_token(n: usize) -> String {
    format!("49{:054}", n)
}

/// `(region, account, name)` of a log group ARN (with or without a trailing `:*`).
pub(crate) fn parse_group_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let rest = arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(6, ':');
    let _partition = parts.next()?;
    if parts.next()? != "logs" {
        return None;
    }
    let region = parts.next()?;
    let account = parts.next()?;
    let kind = parts.next()?;
    if kind != "log-group" {
        return None;
    }
    let name = parts.next()?;
    let name = name.strip_suffix(":*").unwrap_or(name);
    (!name.is_empty() && !name.contains(':')).then_some((region, account, name))
}
