//! Events: PutLogEvents (AWS's current rules: sequence tokens ignored, chronological batches
//! within 24 hours, too-new / too-old / expired events rejected by index), GetLogEvents
//! (forward and backward tokens) and FilterLogEvents (filter patterns, paging across streams).

use super::engine::{
    EVENT_OVERHEAD, Event, GroupState, LogsEngine, decode_token, encode_token, events_limit, lock,
    sequence_token,
};
use super::error::{LogsError, LogsResult};
use super::model::*;
use super::pattern::FilterPattern;
use crate::context::RequestContext;

/// Most events in one PutLogEvents batch.
pub const MAX_BATCH_EVENTS: usize = 10_000;
/// Most bytes in one PutLogEvents batch (messages plus 26 bytes per event).
pub const MAX_BATCH_BYTES: usize = 1_048_576;
/// Most bytes of events one GetLogEvents or FilterLogEvents answer carries.
pub const MAX_READ_BYTES: usize = 1_048_576;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// The oldest timestamp a group's retention still shows (`None`: kept forever).
fn retention_cutoff(s: &GroupState, now: u64) -> Option<i64> {
    s.retention.map(|d| now as i64 - i64::from(d) * DAY)
}

/// A GetLogEvents token: `f/` or `b/` and 56 digits naming an event's (timestamp, arrival).
fn stream_token(direction: char, key: (i64, u64)) -> String {
    format!("{direction}/{:020}{:020}{:016}", key.0.max(0), key.1, 0)
}

fn parse_stream_token(token: &str) -> LogsResult<(char, (i64, u64))> {
    let (direction, digits) = match token.split_once('/') {
        Some(("f", d)) => ('f', d),
        Some(("b", d)) => ('b', d),
        _ => return Err(LogsError::bad_token()),
    };
    if digits.len() != 56 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(LogsError::bad_token());
    }
    let ts = digits[..20]
        .parse::<i64>()
        .map_err(|_| LogsError::bad_token())?;
    let seq = digits[20..40]
        .parse::<u64>()
        .map_err(|_| LogsError::bad_token())?;
    Ok((direction, (ts, seq)))
}

/// A FilterLogEvents event id: 56 digits, unique within the group.
fn event_id(e: &Event) -> String {
    format!("{:020}{:020}{:016}", e.ts.max(0), e.seq, 0)
}

impl LogsEngine {
    pub fn put_log_events(
        &self,
        ctx: &RequestContext,
        input: PutLogEventsRequest,
    ) -> LogsResult<PutLogEventsResponse> {
        let null = |m: &str| {
            LogsError::invalid(format!(
                "1 validation error detected: Value null at '{m}' failed to satisfy constraint: Member must not be null"
            ))
        };
        let group_name = input
            .log_group_name
            .as_deref()
            .ok_or_else(|| null("logGroupName"))?;
        let stream_name = input
            .log_stream_name
            .as_deref()
            .ok_or_else(|| null("logStreamName"))?;
        let events = input.log_events.ok_or_else(|| null("logEvents"))?;
        if events.is_empty() {
            return Err(LogsError::invalid(
                "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1",
            ));
        }
        if events.len() > MAX_BATCH_EVENTS {
            return Err(LogsError::invalid(format!(
                "1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to {MAX_BATCH_EVENTS}"
            )));
        }
        let mut batch = Vec::with_capacity(events.len());
        let mut size = 0usize;
        for (i, e) in events.into_iter().enumerate() {
            let n = i + 1;
            let ts = e
                .timestamp
                .ok_or_else(|| null(&format!("logEvents.{n}.member.timestamp")))?;
            let message = e
                .message
                .ok_or_else(|| null(&format!("logEvents.{n}.member.message")))?;
            if message.is_empty() {
                return Err(LogsError::invalid(format!(
                    "1 validation error detected: Value '' at 'logEvents.{n}.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1"
                )));
            }
            size += message.len() + EVENT_OVERHEAD;
            batch.push((ts, message));
        }
        if size > MAX_BATCH_BYTES {
            return Err(LogsError::invalid(format!(
                "Upload too large: {size} bytes exceeds limit of {MAX_BATCH_BYTES}"
            )));
        }
        if batch.windows(2).any(|w| w[1].0 < w[0].0) {
            return Err(LogsError::invalid(
                "Log events in a single PutLogEvents request must be in chronological order.",
            ));
        }
        if let (Some(first), Some(last)) = (batch.first(), batch.last())
            && last.0.saturating_sub(first.0) > DAY
        {
            return Err(LogsError::invalid(
                "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
            ));
        }
        let group = self.group(ctx, group_name)?;
        let now = self.now();
        let cap = self.group_cap();
        let mut s = lock(&group.state);
        if !s.streams.contains_key(stream_name) {
            return Err(LogsError::no_stream());
        }
        let too_new = now as i64 + 2 * HOUR;
        let too_old = now as i64 - 14 * DAY;
        let expired = retention_cutoff(&s, now);
        let mut log = self.event_log(&group);
        let mut info = RejectedLogEventsInfo::default();
        for (i, (ts, message)) in batch.iter().enumerate() {
            if *ts > too_new {
                info.too_new_log_event_start_index.get_or_insert(i);
                continue;
            }
            if *ts < too_old {
                info.too_old_log_event_end_index = Some(i);
                continue;
            }
            if expired.is_some_and(|cut| *ts < cut) {
                info.expired_log_event_end_index = Some(i);
                continue;
            }
            s.append(stream_name, *ts, message, now, cap, &mut log);
        }
        log.flush();
        let count = s.streams.get(stream_name).map_or(0, |st| st.events.len());
        Ok(PutLogEventsResponse {
            next_sequence_token: sequence_token(count),
            rejected_log_events_info: (info != RejectedLogEventsInfo::default()).then_some(info),
        })
    }

    pub fn get_log_events(
        &self,
        ctx: &RequestContext,
        input: GetLogEventsRequest,
    ) -> LogsResult<GetLogEventsResponse> {
        let limit = events_limit(input.limit)?;
        let stream_name = input.log_stream_name.as_deref().ok_or_else(|| {
            LogsError::invalid(
                "1 validation error detected: Value null at 'logStreamName' failed to satisfy constraint: Member must not be null",
            )
        })?;
        let token = input
            .next_token
            .as_deref()
            .map(parse_stream_token)
            .transpose()?;
        let group = self.group_by(ctx, &input.log_group_name, &input.log_group_identifier)?;
        let now = self.now();
        let s = lock(&group.state);
        let Some(stream) = s.streams.get(stream_name) else {
            return Err(LogsError::no_stream());
        };
        let cutoff = retention_cutoff(&s, now).unwrap_or(i64::MIN);
        let start = input.start_time.unwrap_or(i64::MIN).max(cutoff);
        let end = input.end_time.unwrap_or(i64::MAX);
        let in_range = |e: &&Event| e.ts >= start && e.ts < end;
        // Forward from the head (or after a forward token), or backward from the tail (or
        // before a backward token); a page is at most `limit` events and 1 MB.
        let forward = match token {
            Some(('f', _)) => true,
            Some(_) => false,
            None => input.start_from_head.unwrap_or(false),
        };
        let mut page: Vec<&Event> = Vec::new();
        let mut bytes = 0;
        if forward {
            let after = token.map(|(_, k)| k);
            for e in stream.events.iter().filter(in_range) {
                if after.is_some_and(|k| e.key() <= k) {
                    continue;
                }
                bytes += e.size();
                if page.len() == limit || bytes > MAX_READ_BYTES {
                    break;
                }
                page.push(e);
            }
        } else {
            let before = token.map(|(_, k)| k);
            for e in stream.events.iter().rev().filter(in_range) {
                if before.is_some_and(|k| e.key() >= k) {
                    continue;
                }
                bytes += e.size();
                if page.len() == limit || bytes > MAX_READ_BYTES {
                    break;
                }
                page.push(e);
            }
            page.reverse();
        }
        // An empty page keeps the token it was given, as AWS does at either end.
        let anchor = token.map(|(_, k)| k).unwrap_or((0, 0));
        let first = page.first().map_or(anchor, |e| e.key());
        let last = page.last().map_or(anchor, |e| e.key());
        let (next_forward_token, next_backward_token) = match (page.is_empty(), token) {
            (true, Some((_, k))) => (stream_token('f', k), stream_token('b', k)),
            _ => (stream_token('f', last), stream_token('b', first)),
        };
        Ok(GetLogEventsResponse {
            events: page
                .into_iter()
                .map(|e| OutputLogEvent {
                    timestamp: e.ts,
                    message: e.message.to_string(),
                    ingestion_time: e.ingestion,
                })
                .collect(),
            next_forward_token,
            next_backward_token,
        })
    }

    pub fn filter_log_events(
        &self,
        ctx: &RequestContext,
        input: FilterLogEventsRequest,
    ) -> LogsResult<FilterLogEventsResponse> {
        let limit = events_limit(input.limit)?;
        if input.log_stream_names.is_some() && input.log_stream_name_prefix.is_some() {
            return Err(LogsError::invalid(
                "Cannot specify both logStreamNames and logStreamNamePrefix",
            ));
        }
        if let Some(names) = &input.log_stream_names
            && (names.is_empty() || names.len() > 100)
        {
            return Err(LogsError::invalid(format!(
                "1 validation error detected: Value at 'logStreamNames' failed to satisfy constraint: Member must have length {}",
                if names.is_empty() {
                    "greater than or equal to 1"
                } else {
                    "less than or equal to 100"
                }
            )));
        }
        let pattern = FilterPattern::parse(input.filter_pattern.as_deref().unwrap_or(""))
            .map_err(LogsError::invalid)?;
        let after = match &input.next_token {
            Some(t) => {
                let text = decode_token(t)?;
                let (ts, seq) = text.split_once('/').ok_or_else(LogsError::bad_token)?;
                Some((
                    ts.parse::<i64>().map_err(|_| LogsError::bad_token())?,
                    seq.parse::<u64>().map_err(|_| LogsError::bad_token())?,
                ))
            }
            None => None,
        };
        let group = self.group_by(ctx, &input.log_group_name, &input.log_group_identifier)?;
        let now = self.now();
        let s = lock(&group.state);
        let cutoff = retention_cutoff(&s, now).unwrap_or(i64::MIN);
        let start = input.start_time.unwrap_or(i64::MIN).max(cutoff);
        let end = input.end_time.unwrap_or(i64::MAX);
        let mut found: Vec<(&str, &Event)> = Vec::new();
        for stream in s.streams.values() {
            let wanted = match (&input.log_stream_names, &input.log_stream_name_prefix) {
                (Some(names), _) => names.iter().any(|n| **n == *stream.name),
                (None, Some(p)) => stream.name.starts_with(p.as_str()),
                (None, None) => true,
            };
            if !wanted {
                continue;
            }
            let from = stream.events.partition_point(|e| e.ts < start);
            for e in stream.events.range(from..) {
                if e.ts > end {
                    break;
                }
                if after.is_some_and(|k| e.key() <= k) || !pattern.matches(&e.message) {
                    continue;
                }
                found.push((&stream.name, e));
            }
        }
        found.sort_by_key(|(_, e)| e.key());
        let mut events = Vec::new();
        let mut bytes = 0;
        let mut more = false;
        for (stream, e) in &found {
            bytes += e.size();
            if events.len() == limit || bytes > MAX_READ_BYTES {
                more = true;
                break;
            }
            events.push(FilteredLogEvent {
                log_stream_name: stream.to_string(),
                timestamp: e.ts,
                message: e.message.to_string(),
                ingestion_time: e.ingestion,
                event_id: event_id(e),
            });
        }
        let next_token = more
            .then(|| found.get(events.len().wrapping_sub(1)))
            .flatten()
            .map(|(_, e)| encode_token(&format!("{}/{}", e.ts, e.seq)));
        Ok(FilterLogEventsResponse { events, next_token })
    }
}
