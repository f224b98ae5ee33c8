use super::*;

const KEY: HandleKey = HandleKey {
    queue_id: 7,
    secret: 42,
};

fn standard() -> QueueState {
    QueueState::new(QueueAttributes::default(), 0, 0)
}

fn fifo() -> QueueState {
    let attrs = QueueAttributes {
        fifo: true,
        ..QueueAttributes::default()
    };
    QueueState::new(attrs, 0, 0)
}

fn msg(body: &str, now: Millis, delay: Millis) -> StoredMessage {
    StoredMessage::new(rand_id(body), Arc::from(body), None, now, now + delay)
}

fn grouped(body: &str, group: &str, now: Millis) -> StoredMessage {
    let extra = MessageExtra {
        group_id: Some(Arc::from(group)),
        ..Default::default()
    };
    StoredMessage::new(
        rand_id(body),
        Arc::from(body),
        Some(Box::new(extra)),
        now,
        now,
    )
}

fn rand_id(body: &str) -> u128 {
    body.bytes()
        .fold(1u128, |a, b| a.wrapping_mul(31).wrapping_add(u128::from(b)))
}

fn bodies(r: &[Received]) -> Vec<String> {
    r.iter().map(|r| r.message.body.to_string()).collect()
}

#[test]
fn receipt_handles_round_trip_and_reject_forgeries() {
    let h = KEY.encode(12, 3);
    assert_eq!(KEY.decode(&h), Some((12, 3)));
    let other = HandleKey {
        queue_id: 8,
        secret: 42,
    };
    assert_eq!(other.decode(&h), None);
    assert_eq!(KEY.decode("garbage"), None);
    let mut tampered = h.clone().into_bytes();
    tampered[12] = if tampered[12] == b'A' { b'B' } else { b'A' };
    assert_eq!(
        KEY.decode(std::str::from_utf8(&tampered).expect("ascii")),
        None
    );
}

#[test]
fn visibility_timeout_hides_then_returns_message() {
    let mut q = standard();
    q.push(msg("a", 0, 0), None, 0);
    let mut moved = vec![];
    let r = q.receive(0, 10, 30_000, None, KEY, &mut moved);
    assert_eq!(bodies(&r), ["a"]);
    assert!(
        q.receive(29_999, 10, 30_000, None, KEY, &mut moved)
            .is_empty()
    );
    assert_eq!(
        q.counts(29_999),
        Counts {
            visible: 0,
            not_visible: 1,
            delayed: 0
        }
    );
    let again = q.receive(30_000, 10, 30_000, None, KEY, &mut moved);
    assert_eq!(bodies(&again), ["a"]);
    assert_eq!(again[0].message.receive_count, 2);
    assert_eq!(again[0].message.first_receive_ms, 0);
    assert_ne!(again[0].receipt_handle, r[0].receipt_handle);
}

#[test]
fn delay_keeps_message_hidden_until_due() {
    let mut q = standard();
    q.push(msg("d", 0, 5_000), None, 0);
    let mut moved = vec![];
    assert!(
        q.receive(4_999, 10, 30_000, None, KEY, &mut moved)
            .is_empty()
    );
    assert_eq!(q.counts(4_999).delayed, 1);
    assert_eq!(q.next_wakeup(0), Some(5_000));
    assert_eq!(
        bodies(&q.receive(5_000, 10, 30_000, None, KEY, &mut moved)),
        ["d"]
    );
}

#[test]
fn retention_expiry_drops_messages() {
    let mut q = standard();
    q.attributes.message_retention_period = 60;
    q.push(msg("old", 0, 0), None, 0);
    assert_eq!(q.counts(59_999).visible, 1);
    assert_eq!(q.counts(60_000).visible, 0);
    let mut moved = vec![];
    assert!(
        q.receive(60_000, 10, 30_000, None, KEY, &mut moved)
            .is_empty()
    );
    assert!(moved.is_empty());
    assert!(q.is_empty());
}

#[test]
fn delete_and_change_visibility_use_receipt_handles() {
    let mut q = standard();
    q.push(msg("a", 0, 0), None, 0);
    q.push(msg("b", 0, 0), None, 0);
    let mut moved = vec![];
    let r = q.receive(0, 10, 30_000, None, KEY, &mut moved);
    let (sa, ga) = KEY.decode(&r[0].receipt_handle).expect("valid");
    let (sb, gb) = KEY.decode(&r[1].receipt_handle).expect("valid");
    assert_eq!(q.delete(sa, ga, 1), HandleOutcome::Done);
    assert_eq!(q.change_visibility(sb, gb, 0, 1), HandleOutcome::Done);
    assert_eq!(
        bodies(&q.receive(1, 10, 30_000, None, KEY, &mut moved)),
        ["b"]
    );
    assert_eq!(
        q.change_visibility(sa, ga, 0, 1),
        HandleOutcome::NotInFlight
    );
    assert_eq!(q.len(), 1);
}

#[test]
fn changing_visibility_with_an_expired_handle_is_a_no_op() {
    let mut q = standard();
    q.push(msg("a", 0, 0), None, 0);
    let mut moved = vec![];
    let r = q.receive(0, 1, 1_000, None, KEY, &mut moved);
    let (s, g) = KEY.decode(&r[0].receipt_handle).expect("valid");
    assert_eq!(
        q.change_visibility(s, g, 60_000, 1_000),
        HandleOutcome::Done
    );
    assert_eq!(q.counts(1_000).visible, 1, "not hidden again");
    // Once received again, the old handle no longer changes anything.
    let again = q.receive(1_000, 1, 1_000, None, KEY, &mut moved);
    assert_eq!(bodies(&again), ["a"]);
    assert_eq!(
        q.change_visibility(s, g, 60_000, 2_500),
        HandleOutcome::NotInFlight
    );
}

#[test]
fn redrive_moves_message_after_max_receives() {
    let mut q = standard();
    q.push(msg("poison", 0, 0), None, 0);
    let mut moved = vec![];
    for i in 0..2 {
        let t = i * 1_000;
        assert_eq!(q.receive(t, 1, 0, Some(2), KEY, &mut moved).len(), 1);
    }
    assert!(q.receive(5_000, 1, 0, Some(2), KEY, &mut moved).is_empty());
    assert_eq!(moved.len(), 1);
    assert_eq!(&*moved[0].body, "poison");
    assert!(q.is_empty());
}

#[test]
fn fifo_hands_out_groups_in_order_and_locks_in_flight_groups() {
    let mut q = fifo();
    for (b, g) in [
        ("a1", "a"),
        ("b1", "b"),
        ("a2", "a"),
        ("a3", "a"),
        ("b2", "b"),
    ] {
        q.push(grouped(b, g, 0), None, 0);
    }
    let mut moved = vec![];
    let first = q.receive(0, 2, 30_000, None, KEY, &mut moved);
    assert_eq!(bodies(&first), ["a1", "a2"]);
    // group a is locked while a1/a2 are in flight; b is free.
    let second = q.receive(0, 10, 30_000, None, KEY, &mut moved);
    assert_eq!(bodies(&second), ["b1", "b2"]);
    assert!(q.receive(0, 10, 30_000, None, KEY, &mut moved).is_empty());
    for r in &first {
        let (s, g) = KEY.decode(&r.receipt_handle).expect("valid");
        assert_eq!(q.delete(s, g, 1), HandleOutcome::Done);
    }
    assert_eq!(
        bodies(&q.receive(1, 10, 30_000, None, KEY, &mut moved)),
        ["a3"]
    );
}

#[test]
fn fifo_message_returns_in_place_after_visibility_expires() {
    let mut q = fifo();
    q.push(grouped("1", "g", 0), None, 0);
    q.push(grouped("2", "g", 0), None, 0);
    let mut moved = vec![];
    assert_eq!(
        bodies(&q.receive(0, 1, 1_000, None, KEY, &mut moved)),
        ["1"]
    );
    assert!(q.receive(500, 10, 1_000, None, KEY, &mut moved).is_empty());
    assert_eq!(
        bodies(&q.receive(1_000, 10, 1_000, None, KEY, &mut moved)),
        ["1", "2"]
    );
}

#[test]
fn fifo_dedup_entries_expire_after_five_minutes() {
    let mut q = fifo();
    q.push(grouped("x", "g", 0), Some("k".into()), 0);
    assert!(q.dedup_lookup("k", DEDUP_WINDOW_MS - 1).is_some());
    assert!(q.dedup_lookup("k", DEDUP_WINDOW_MS).is_none());
}

#[test]
fn fifo_attempt_replays_same_messages_while_in_flight() {
    let mut q = fifo();
    q.push(grouped("1", "g", 0), None, 0);
    let mut moved = vec![];
    let r = q.receive(0, 10, 30_000, None, KEY, &mut moved);
    q.record_attempt("att".into(), 0, &r);
    let again = q.replay_attempt("att", 10, 30_000, KEY).expect("replayed");
    assert_eq!(again[0].receipt_handle, r[0].receipt_handle);
    // The replay restarted the visibility timeout: still hidden at 30 s, visible at 30.01 s.
    assert!(
        q.receive(30_000, 10, 30_000, None, KEY, &mut moved)
            .is_empty()
    );
    assert!(q.replay_attempt("att", 30_000, 30_000, KEY).is_some());
    assert!(q.replay_attempt("att", 60_000, 30_000, KEY).is_none());
    assert_eq!(
        bodies(&q.receive(60_000, 10, 30_000, None, KEY, &mut moved)),
        ["1"]
    );
}

#[test]
fn fifo_attempt_is_not_replayed_after_a_visibility_change() {
    let mut q = fifo();
    q.push(grouped("1", "g", 0), None, 0);
    let mut moved = vec![];
    let r = q.receive(0, 10, 30_000, None, KEY, &mut moved);
    q.record_attempt("att".into(), 0, &r);
    let (s, g) = KEY.decode(&r[0].receipt_handle).expect("valid");
    assert_eq!(q.change_visibility(s, g, 60_000, 10), HandleOutcome::Done);
    assert!(q.replay_attempt("att", 20, 30_000, KEY).is_none());
}

#[test]
fn visibility_cannot_be_extended_beyond_twelve_hours_after_the_receive() {
    let mut q = standard();
    q.push(msg("a", 0, 0), None, 0);
    let mut moved = vec![];
    let r = q.receive(1_000, 1, 30_000, None, KEY, &mut moved);
    let (s, g) = KEY.decode(&r[0].receipt_handle).expect("valid");
    assert_eq!(
        q.change_visibility(s, g, MAX_VISIBILITY_MS, 2_000),
        HandleOutcome::BeyondVisibilityLimit
    );
    assert_eq!(
        q.change_visibility(s, g, MAX_VISIBILITY_MS - 1_000, 2_000),
        HandleOutcome::Done
    );
}

#[test]
fn stale_timers_are_compacted() {
    let mut q = standard();
    let mut moved = vec![];
    for i in 0..3000u64 {
        q.push(msg(&format!("m{i}"), 0, 0), None, 0);
    }
    let r = q.receive(0, 3000, 30_000, None, KEY, &mut moved);
    for x in &r {
        let (s, g) = KEY.decode(&x.receipt_handle).expect("valid");
        q.delete(s, g, 0);
    }
    q.push(msg("last", 0, 0), None, 0);
    q.next_wakeup(0);
    assert!(q.timers.len() <= 1, "{}", q.timers.len());
}

// --- The stranded-message race and the reachability invariant -------------------------------

#[test]
fn a_receive_holding_an_older_now_still_gets_a_message_sent_after_it_read_the_clock() {
    // ReceiveMessage reads the clock before it takes the queue's lock; a SendMessage that read
    // a later time stores first. The receive must neither skip the message nor drop it from
    // the ready deque (it used to, leaving it stored and counted but never received again).
    let mut q = standard();
    q.push(msg("late", 1_000, 0), None, 1_000);
    let mut moved = Vec::new();
    let got = q.receive(999, 10, 30_000, None, KEY, &mut moved);
    assert_eq!(bodies(&got), vec!["late"]);
    q.audit(1_000).expect("reachable");
    // And the receive's timeout counts from the queue's time, not the stale one.
    assert_eq!(got[0].message.visible_at, 31_000);
}

#[test]
fn a_message_skipped_by_a_receive_stays_reachable() {
    let mut q = standard();
    q.push(msg("a", 1_000, 0), None, 1_000);
    // Nothing at an earlier time is ever "in the future" of the queue now...
    let mut moved = Vec::new();
    assert_eq!(q.receive(500, 1, 30_000, None, KEY, &mut moved).len(), 1);
    // ...and after the timeout the message is received again, exactly once.
    assert!(
        q.receive(30_999, 10, 30_000, None, KEY, &mut moved)
            .is_empty()
    );
    assert_eq!(
        q.receive(31_000, 10, 30_000, None, KEY, &mut moved).len(),
        1
    );
    q.audit(31_000).expect("reachable");
}

#[test]
fn fifo_receive_with_an_older_now_gets_the_new_message() {
    let mut q = fifo();
    q.push(grouped("g1", "g", 2_000), None, 2_000);
    let mut moved = Vec::new();
    let got = q.receive(1_999, 10, 30_000, None, KEY, &mut moved);
    assert_eq!(bodies(&got), vec!["g1"]);
    q.audit(2_000).expect("reachable");
}

#[test]
fn audit_reports_a_stranded_message() {
    let mut q = standard();
    q.push(msg("x", 0, 0), None, 0);
    // Break the invariant by hand: out of the ready deque, no timer.
    q.ready.clear();
    if let Some(m) = q.messages.values_mut().next() {
        m.in_ready = false;
    }
    let err = q.audit(0).expect_err("stranded message not reported");
    assert!(err.contains("stranded"), "{err}");

    let mut f = fifo();
    f.push(grouped("y", "g", 0), None, 0);
    f.rotation.clear();
    assert!(
        f.audit(0).is_err(),
        "a group missing from the rotation is not reported"
    );
}

/// A tiny deterministic generator (xorshift64*), so the test needs no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Random sends (some delayed), receives (with a redrive policy for odd seeds: messages at
/// their third receive move out), deletes and visibility changes, each with a "now"
/// that may lag the queue's latest time by a few ms (as concurrent requests' clocks do); the
/// invariant is audited every few steps, and at the end every message not deleted is
/// received again once its timers have run out.
fn random_workload(mut q: QueueState, seed: u64) {
    let mut rng = Rng(seed);
    let mut clock: Millis = 10_000;
    let mut handles: Vec<(u64, u32)> = Vec::new();
    let mut live: std::collections::HashSet<u64> = std::collections::HashSet::new();
    let mut moved: Vec<StoredMessage> = Vec::new();
    let max_receive = (seed % 2 == 1).then_some(3);
    let groups = ["a", "b", "c"];
    for step in 0..2_000u64 {
        clock += rng.below(3);
        let now = clock.saturating_sub(rng.below(4));
        match rng.below(10) {
            0..=3 => {
                let delay = if rng.below(4) == 0 { rng.below(50) } else { 0 };
                let mut m = if q.fifo() {
                    grouped("m", groups[rng.below(3) as usize], now)
                } else {
                    msg("m", now, 0)
                };
                m.visible_at = now + delay;
                live.insert(q.push(m, None, now));
            }
            4..=6 => {
                let vt = rng.below(40);
                let max = 1 + rng.below(10) as usize;
                for r in q.receive(now, max, vt, max_receive, KEY, &mut moved) {
                    handles.push((r.message.seq, r.message.generation));
                }
                for m in moved.drain(..) {
                    assert!(live.remove(&m.seq), "moved {} which was not stored", m.seq);
                }
            }
            7 | 8 if !handles.is_empty() => {
                let (seq, generation) =
                    handles.swap_remove(rng.below(handles.len() as u64) as usize);
                if q.delete(seq, generation, now) == HandleOutcome::Done {
                    live.remove(&seq);
                }
            }
            9 if !handles.is_empty() => {
                let (seq, generation) = handles[rng.below(handles.len() as u64) as usize];
                q.change_visibility(seq, generation, rng.below(30), now);
            }
            _ => {}
        }
        if step % 8 == 0
            && let Err(e) = q.audit(clock)
        {
            panic!("seed {seed}, step {step}: {e}");
        }
    }
    // Everything left must come back: long after every timeout, drain the queue.
    let later = clock + 1_000_000;
    let mut drained = std::collections::HashSet::new();
    loop {
        let got = q.receive(later, 10, 1_000_000, max_receive, KEY, &mut moved);
        for m in moved.drain(..) {
            assert!(live.remove(&m.seq), "moved {} which was not stored", m.seq);
        }
        if got.is_empty() {
            break;
        }
        for r in got {
            assert!(
                drained.insert(r.message.seq),
                "message {} twice",
                r.message.seq
            );
            q.delete(r.message.seq, r.message.generation, later);
        }
    }
    assert_eq!(drained, live, "seed {seed}: stored messages not received");
}

#[test]
fn random_workloads_with_lagging_clocks_strand_nothing() {
    for seed in 1..=8 {
        random_workload(standard(), seed);
        random_workload(fifo(), seed);
    }
}
