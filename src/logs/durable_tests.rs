//! Durable events: export and restore, the cap and retention applied to restored events,
//! arrival numbers and tokens across a restore, and a real store holding exactly what memory
//! holds.

use std::sync::Arc;

use super::engine::{EVENT_MEMORY, lock};
use super::model::*;
use super::state::{EVENT, GROUP, event_key};
use super::tests::{NOW, all, engine, put, setup};
use super::{LogSink, LogsEngine};
use crate::context::RequestContext;
use crate::store::{Durability, Durable, Record, ServiceState, Store};

fn get(
    e: &LogsEngine,
    ctx: &RequestContext,
    stream: &str,
    token: Option<String>,
) -> GetLogEventsResponse {
    e.get_log_events(
        ctx,
        GetLogEventsRequest {
            log_group_name: Some("g".into()),
            log_stream_name: Some(stream.into()),
            start_from_head: Some(true),
            limit: Some(2),
            next_token: token,
            ..Default::default()
        },
    )
    .unwrap()
}

fn events_of(state: &ServiceState) -> Vec<&Record> {
    state.records.iter().filter(|r| r.kind == EVENT).collect()
}

/// (bytes, memory, arrivals, next_seq) of group `g`.
fn books(e: &LogsEngine, ctx: &RequestContext) -> (usize, usize, Vec<String>, u64) {
    let g = e.group(ctx, "g").unwrap();
    let s = lock(&g.state);
    (
        s.bytes,
        s.memory,
        s.arrivals.iter().map(|a| a.to_string()).collect(),
        s.next_seq,
    )
}

#[test]
fn events_round_trip_with_their_books_tokens_and_arrival_numbers() {
    let (e, ctx) = engine();
    setup(&e, &ctx, "g", &["a", "b"]);
    let t = NOW as i64 - 1000;
    put(&e, &ctx, "g", "a", &[(t, "a1"), (t + 2, "a2")]);
    put(&e, &ctx, "g", "b", &[(t + 1, "b1")]);
    put(&e, &ctx, "g", "a", &[(t + 3, "a3"), (t + 4, "a4")]);
    let page = get(&e, &ctx, "a", None);
    let state = e.export();
    // The group first, then its events in arrival order.
    assert_eq!(state.records[0].kind, GROUP);
    let keys: Vec<&str> = events_of(&state).iter().map(|r| r.key.as_str()).collect();
    let want: Vec<String> = (0..5)
        .map(|n| event_key("000000000000/us-east-1/g", n))
        .collect();
    assert_eq!(keys, want);
    assert_eq!(
        events_of(&state)[2].value,
        serde_json::json!({"stream": "b", "ts": t + 1, "ingestion": NOW, "message": "b1"})
    );

    let (f, _) = engine();
    f.check(&state).unwrap();
    f.restore(state.clone()).unwrap();
    assert_eq!(all(&f, &ctx, "g"), ["a1", "b1", "a2", "a3", "a4"]);
    assert_eq!(books(&f, &ctx), books(&e, &ctx));
    assert_eq!(f.export(), state);
    // A token from before the restore goes on where it left off.
    let next = get(&f, &ctx, "a", Some(page.next_forward_token.clone()));
    let messages: Vec<&str> = next.events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages, ["a3", "a4"]);
    // New events continue the arrival numbers.
    put(&f, &ctx, "g", "b", &[(t + 5, "b2")]);
    assert_eq!(books(&f, &ctx).3, 6);
    let out = f
        .filter_log_events(
            &ctx,
            FilterLogEventsRequest {
                log_group_name: Some("g".into()),
                log_stream_names: Some(vec!["b".into()]),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        out.events[1].event_id,
        format!("{:020}{:020}{:016}", t + 5, 5, 0)
    );
    // Deleting the stream of the latest events: the group's record keeps the number.
    f.delete_log_stream(
        &ctx,
        CreateLogStreamRequest {
            log_group_name: Some("g".into()),
            log_stream_name: Some("b".into()),
        },
    )
    .unwrap();
    let (h, _) = engine();
    h.restore(f.export()).unwrap();
    assert_eq!(books(&h, &ctx).3, 6);
}

#[test]
fn a_restore_applies_the_cap_and_retention_and_remembers_what_it_dropped() {
    let (e, ctx) = engine();
    setup(&e, &ctx, "g", &["a"]);
    let t = NOW as i64 - 1000;
    put(
        &e,
        &ctx,
        "g",
        "a",
        &[(t, "1"), (t + 1, "2"), (t + 2, "3"), (t + 3, "4")],
    );
    let state = e.export();
    let (f, _) = engine();
    f.set_group_cap(2 * (1 + EVENT_MEMORY));
    f.restore(state.clone()).unwrap();
    assert_eq!(all(&f, &ctx, "g"), ["3", "4"]);
    assert_eq!(books(&f, &ctx).1, 2 * (1 + EVENT_MEMORY));
    assert_eq!(books(&f, &ctx).3, 4);
    let group = "000000000000/us-east-1/g";
    assert_eq!(
        *lock(&f.restore_dropped),
        [event_key(group, 0), event_key(group, 1)]
    );
    // Retention: events older than the period are not restored.
    let mut old = state;
    for r in old.records.iter_mut() {
        if r.kind == GROUP {
            r.value["retention_in_days"] = serde_json::json!(1);
        }
        if r.key == event_key(group, 0) {
            r.value["ts"] = serde_json::json!(NOW as i64 - 2 * 86_400_000);
        }
    }
    let (h, _) = engine();
    h.restore(old).unwrap();
    assert_eq!(all(&h, &ctx, "g"), ["2", "3", "4"]);
}

#[test]
fn check_refuses_events_without_their_group_or_stream_and_bad_keys() {
    let (e, ctx) = engine();
    setup(&e, &ctx, "g", &["a"]);
    put(&e, &ctx, "g", "a", &[(NOW as i64, "x")]);
    let good = e.export();
    e.check(&good).unwrap();
    let bad = |change: &dyn Fn(&mut ServiceState)| {
        let mut s = good.clone();
        change(&mut s);
        e.check(&s).expect_err("refused")
    };
    let ev = good.records.len() - 1;
    let err = bad(&|s| s.records[ev].value["stream"] = "nope".into());
    assert!(err.contains("stream nope"), "{err}");
    let err = bad(&|s| {
        s.records.remove(0);
    });
    assert!(err.contains("of no group"), "{err}");
    let err = bad(&|s| s.records[ev].key = "000000000000/us-east-1/g:12".into());
    assert!(err.contains("20 digits"), "{err}");
    let err = bad(&|s| {
        let dup = s.records[ev].clone();
        s.records.push(dup);
    });
    assert!(err.contains("twice"), "{err}");
    let err = bad(&|s| s.records[ev].value["extra"] = 1.into());
    assert!(err.contains("unknown field"), "{err}");
    // Events before their group are fine (the store loads kinds in name order).
    let mut reordered = good.clone();
    reordered.records.reverse();
    e.check(&reordered).unwrap();
}

fn temp_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("fogbank-logs-{}", uuid::Uuid::new_v4().simple()))
}

/// Open the store in `dir` and restore a new engine (with `cap`) from it.
fn reopen(dir: &std::path::Path, cap: usize) -> (Store, Arc<LogsEngine>, ServiceState) {
    let (store, mut loaded) = Store::open(dir, Durability::Process).expect("open");
    let stored = loaded.take("logs");
    let (e, _) = engine();
    e.set_group_cap(cap);
    e.restore(stored.clone()).expect("restore");
    e.attach_journal(store.journal.clone());
    (store, e, stored)
}

/// The records in key order, without the groups' `next_seq` (the stored one is a lower
/// bound, written with the group's other changes, not with each event).
fn sorted(mut s: ServiceState) -> Vec<Record> {
    s.records
        .sort_by(|a, b| (&a.kind, &a.key).cmp(&(&b.kind, &b.key)));
    for r in &mut s.records {
        if let Some(o) = r.value.as_object_mut() {
            o.remove("next_seq");
        }
    }
    s.records
}

#[test]
fn the_store_holds_exactly_the_events_memory_holds() {
    let dir = temp_dir();
    let cap = 3 * (2 + EVENT_MEMORY);
    let (store, e, _) = reopen(&dir, cap);
    let (_, ctx) = engine();
    setup(&e, &ctx, "g", &["a", "b"]);
    setup(&e, &ctx, "gone", &["a"]);
    let t = NOW as i64 - 1000;
    put(&e, &ctx, "g", "a", &[(t, "a1"), (t + 1, "a2")]);
    put(&e, &ctx, "g", "b", &[(t + 2, "b1"), (t + 3, "b2")]);
    put(&e, &ctx, "gone", "a", &[(t, "x1")]);
    // Lambda's writes go through the same path.
    LogSink::new(e.clone(), "000000000000", "us-east-1", "g", "lambda").write(&[(t + 4, "l1")]);
    e.delete_log_group(
        &ctx,
        LogGroupNameRequest {
            log_group_name: Some("gone".into()),
        },
    )
    .unwrap();
    setup(&e, &ctx, "gone", &["a"]);
    put(&e, &ctx, "gone", "a", &[(t + 5, "x2")]);
    assert_eq!(all(&e, &ctx, "g"), ["b1", "b2", "l1"]);
    let before = e.export();
    store.close();

    let (store, f, stored) = reopen(&dir, cap);
    assert_eq!(sorted(stored), sorted(before));
    assert_eq!(all(&f, &ctx, "g"), ["b1", "b2", "l1"]);
    assert_eq!(all(&f, &ctx, "gone"), ["x2"]);
    // Deleting a stream removes its events from the store.
    put(&f, &ctx, "g", "a", &[(t + 6, "a3")]);
    LogSink::new(f.clone(), "000000000000", "us-east-1", "g", "lambda").write(&[(t + 7, "l2")]);
    f.delete_log_stream(
        &ctx,
        CreateLogStreamRequest {
            log_group_name: Some("g".into()),
            log_stream_name: Some("lambda".into()),
        },
    )
    .unwrap();
    put(&f, &ctx, "g", "a", &[(t + 8, "a4")]);
    assert_eq!(all(&f, &ctx, "g"), ["a3", "a4"]);
    store.close();

    // A smaller cap at the next start drops the oldest, in memory and in the store.
    let (store, h, stored) = reopen(&dir, 2 + EVENT_MEMORY);
    assert_eq!(events_of(&stored).len(), 3);
    assert_eq!(all(&h, &ctx, "g"), ["a4"]);
    assert_eq!(books(&h, &ctx).3, 8);
    store.close();
    let (store, k, stored) = reopen(&dir, 2 + EVENT_MEMORY);
    assert_eq!(events_of(&stored).len(), 2);
    assert_eq!(sorted(stored), sorted(h.export()));
    // A reset empties the store of events too.
    k.reset();
    store.close();
    let (store, _, stored) = reopen(&dir, 2 + EVENT_MEMORY);
    assert!(stored.records.is_empty(), "{:?}", stored.records);
    store.close();
    let _ = std::fs::remove_dir_all(&dir);
}
