//! Engine tests with the manual clock: the per-group cap, token paging, retention on read,
//! durable records.

use std::sync::Arc;

use super::model::*;
use super::{LogSink, LogsEngine};
use crate::clock::ManualClock;
use crate::context::RequestContext;
use crate::store::Durable;

pub(super) const NOW: u64 = 1_700_000_000_000;

pub(super) fn engine() -> (Arc<LogsEngine>, RequestContext) {
    let clock = ManualClock::new(NOW);
    (
        LogsEngine::new(Arc::new(clock)),
        RequestContext::new("000000000000", "us-east-1", "localhost"),
    )
}

pub(super) fn setup(e: &LogsEngine, ctx: &RequestContext, group: &str, streams: &[&str]) {
    e.create_log_group(
        ctx,
        CreateLogGroupRequest {
            log_group_name: Some(group.into()),
            ..Default::default()
        },
    )
    .unwrap();
    for s in streams {
        e.create_log_stream(
            ctx,
            CreateLogStreamRequest {
                log_group_name: Some(group.into()),
                log_stream_name: Some(s.to_string()),
            },
        )
        .unwrap();
    }
}

pub(super) fn put(
    e: &LogsEngine,
    ctx: &RequestContext,
    group: &str,
    stream: &str,
    events: &[(i64, &str)],
) {
    e.put_log_events(
        ctx,
        PutLogEventsRequest {
            log_group_name: Some(group.into()),
            log_stream_name: Some(stream.into()),
            log_events: Some(
                events
                    .iter()
                    .map(|(t, m)| InputLogEvent {
                        timestamp: Some(*t),
                        message: Some(m.to_string()),
                    })
                    .collect(),
            ),
            sequence_token: None,
        },
    )
    .unwrap();
}

pub(super) fn all(e: &LogsEngine, ctx: &RequestContext, group: &str) -> Vec<String> {
    e.filter_log_events(
        ctx,
        FilterLogEventsRequest {
            log_group_name: Some(group.into()),
            ..Default::default()
        },
    )
    .unwrap()
    .events
    .into_iter()
    .map(|e| e.message)
    .collect()
}

#[test]
fn the_group_cap_drops_the_oldest_events_across_streams() {
    let (e, ctx) = engine();
    // Each event holds 1 byte + EVENT_MEMORY: room for four.
    e.set_group_cap(4 * (1 + super::engine::EVENT_MEMORY));
    setup(&e, &ctx, "g", &["a", "b"]);
    let t = NOW as i64;
    put(&e, &ctx, "g", "a", &[(t, "1"), (t + 1, "2")]);
    put(&e, &ctx, "g", "b", &[(t + 2, "3"), (t + 3, "4")]);
    put(&e, &ctx, "g", "a", &[(t + 4, "5")]);
    assert_eq!(all(&e, &ctx, "g"), ["2", "3", "4", "5"]);
    put(&e, &ctx, "g", "b", &[(t + 5, "6"), (t + 6, "7")]);
    assert_eq!(all(&e, &ctx, "g"), ["4", "5", "6", "7"]);
    // Deleting a stream frees its bytes; the others stay in order.
    e.delete_log_stream(
        &ctx,
        CreateLogStreamRequest {
            log_group_name: Some("g".into()),
            log_stream_name: Some("b".into()),
        },
    )
    .unwrap();
    put(&e, &ctx, "g", "a", &[(t + 7, "8"), (t + 8, "9")]);
    assert_eq!(all(&e, &ctx, "g"), ["5", "8", "9"]);
}

#[test]
fn events_past_retention_leave_memory_as_new_ones_arrive() {
    let (e, ctx) = engine();
    setup(&e, &ctx, "g", &["a"]);
    let t = NOW as i64;
    put(
        &e,
        &ctx,
        "g",
        "a",
        &[
            (t - 3 * 86_400_000, "old"),
            (t - 3 * 86_400_000 + 1, "old2"),
        ],
    );
    e.put_retention_policy(
        &ctx,
        PutRetentionPolicyRequest {
            log_group_name: Some("g".into()),
            retention_in_days: Some(1),
        },
    )
    .unwrap();
    put(&e, &ctx, "g", "a", &[(t, "new")]);
    let group = e.group(&ctx, "g").unwrap();
    let s = super::engine::lock(&group.state);
    assert_eq!(s.streams.get("a").map(|st| st.events.len()), Some(1));
    assert_eq!(s.memory, 3 + super::engine::EVENT_MEMORY);
}

#[test]
fn filter_pages_with_next_token_and_out_of_order_batches_sort() {
    let (e, ctx) = engine();
    setup(&e, &ctx, "g", &["a"]);
    let t = NOW as i64 - 1000;
    put(&e, &ctx, "g", "a", &[(t + 10, "c"), (t + 11, "d")]);
    put(&e, &ctx, "g", "a", &[(t, "a"), (t + 1, "b")]);
    let mut token = None;
    let mut seen = Vec::new();
    loop {
        let out = e
            .filter_log_events(
                &ctx,
                FilterLogEventsRequest {
                    log_group_name: Some("g".into()),
                    limit: Some(3),
                    next_token: token.clone(),
                    ..Default::default()
                },
            )
            .unwrap();
        seen.extend(out.events.into_iter().map(|e| e.message));
        match out.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(seen, ["a", "b", "c", "d"]);
}

#[test]
fn lambda_sink_creates_group_and_stream_and_recreates_them() {
    let (e, ctx) = engine();
    let sink = LogSink::new(
        e.clone(),
        "000000000000",
        "us-east-1",
        "/aws/lambda/f",
        "s1",
    );
    sink.write(&[(NOW as i64, "START\n"), (NOW as i64 + 1, "hi\n")]);
    assert_eq!(all(&e, &ctx, "/aws/lambda/f"), ["START\n", "hi\n"]);
    e.delete_log_group(
        &ctx,
        LogGroupNameRequest {
            log_group_name: Some("/aws/lambda/f".into()),
        },
    )
    .unwrap();
    sink.write(&[(NOW as i64 + 2, "again\n")]);
    assert_eq!(all(&e, &ctx, "/aws/lambda/f"), ["again\n"]);
    e.reset();
    sink.write(&[(NOW as i64 + 3, "after reset\n")]);
    assert_eq!(all(&e, &ctx, "/aws/lambda/f"), ["after reset\n"]);
}

#[test]
fn groups_and_streams_survive_export_and_restore() {
    let (e, ctx) = engine();
    setup(&e, &ctx, "g", &["a", "b"]);
    put(&e, &ctx, "g", "a", &[(NOW as i64, "x")]);
    e.put_retention_policy(
        &ctx,
        PutRetentionPolicyRequest {
            log_group_name: Some("g".into()),
            retention_in_days: Some(30),
        },
    )
    .unwrap();
    let state = e.export();
    let (f, _) = engine();
    f.check(&state).unwrap();
    f.restore(state).unwrap();
    let groups = f
        .describe_log_groups(&ctx, DescribeLogGroupsRequest::default())
        .unwrap()
        .log_groups;
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].retention_in_days, Some(30));
    let streams = f
        .describe_log_streams(
            &ctx,
            DescribeLogStreamsRequest {
                log_group_name: Some("g".into()),
                ..Default::default()
            },
        )
        .unwrap()
        .log_streams;
    assert_eq!(
        streams
            .iter()
            .map(|s| s.log_stream_name.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(all(&f, &ctx, "g"), ["x"]);
}

#[test]
fn extreme_timestamps_are_refused_or_rejected_without_overflow() {
    let (e, ctx) = engine();
    setup(&e, &ctx, "g", &["a"]);
    let put_raw = |events: Vec<(i64, &str)>| {
        e.put_log_events(
            &ctx,
            PutLogEventsRequest {
                log_group_name: Some("g".into()),
                log_stream_name: Some("a".into()),
                log_events: Some(
                    events
                        .into_iter()
                        .map(|(t, m)| InputLogEvent {
                            timestamp: Some(t),
                            message: Some(m.into()),
                        })
                        .collect(),
                ),
                sequence_token: None,
            },
        )
    };
    assert!(put_raw(vec![(i64::MIN, "a"), (i64::MAX, "b")]).is_err());
    let out = put_raw(vec![(i64::MAX, "b")]).unwrap();
    assert_eq!(
        out.rejected_log_events_info
            .and_then(|r| r.too_new_log_event_start_index),
        Some(0)
    );
    let out = put_raw(vec![(i64::MIN, "a")]).unwrap();
    assert_eq!(
        out.rejected_log_events_info
            .and_then(|r| r.too_old_log_event_end_index),
        Some(0)
    );
}
