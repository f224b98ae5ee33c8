//! SNS state across restarts and in snapshots: `impl Durable for SnsEngine` (export, check,
//! restore) over the records of [`crate::sns::state`]. The changes themselves are journaled
//! where they are made, under the lock that orders them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use super::topics::valid_topic_name;
use super::{SnsEngine, Subscription, Topic, lock};
use crate::arn;
use crate::sns::state::{
    self, DedupRecord, PlatformApplicationRecord, PlatformEndpointRecord, SandboxNumberRecord,
    SequenceRecord, SmsAttributesRecord, SubscriptionRecord, TopicRecord,
};
use crate::store::{Durable, Journal, Record, ServiceState};

impl Topic {
    /// The topic's own record (name and region come from its ARN).
    pub(super) fn record(&self) -> TopicRecord {
        let parts: Vec<&str> = self.arn.splitn(6, ':').collect();
        TopicRecord {
            name: parts.get(5).copied().unwrap_or_default().to_string(),
            arn: self.arn.clone(),
            account: self.account.clone(),
            region: parts.get(3).copied().unwrap_or_default().to_string(),
            fifo: self.fifo,
            attributes: self.attributes.clone(),
            tags: self.tags.clone(),
        }
    }

    /// The last sequence number issued (FIFO topics).
    pub(super) fn sequence_record(&self) -> SequenceRecord {
        SequenceRecord {
            topic_arn: self.arn.clone(),
            last_sequence: self.next_sequence,
        }
    }
}

impl Subscription {
    pub(super) fn record(&self) -> SubscriptionRecord {
        SubscriptionRecord {
            arn: self.arn.clone(),
            topic_arn: self.topic_arn.clone(),
            account: self.account.clone(),
            principal: self.principal.clone(),
            protocol: self.protocol.clone(),
            endpoint: self.endpoint.clone(),
            attributes: self.attributes.clone(),
            pending: self.pending,
            token: self.token.clone(),
        }
    }
}

/// A checked state, ready to put in place.
struct Decoded {
    topics: Vec<Topic>,
    sms: Vec<SmsAttributesRecord>,
    apps: Vec<PlatformApplicationRecord>,
    endpoints: Vec<PlatformEndpointRecord>,
    sandbox: Vec<SandboxNumberRecord>,
}

fn key_is(r: &Record, expected: &str) -> Result<(), String> {
    if r.key == expected {
        Ok(())
    } else {
        Err(format!(
            "{} {}: the key should be {expected:?}",
            r.kind, r.key
        ))
    }
}

impl SnsEngine {
    /// Decode and check every record (in any order); nothing is changed.
    fn decode_state(&self, state: &ServiceState) -> Result<Decoded, String> {
        if let Some(name) = state.blobs.keys().next() {
            return Err(format!("sns keeps no blobs (found {name})"));
        }
        let mut seen = HashSet::new();
        let mut topics: BTreeMap<String, TopicRecord> = BTreeMap::new();
        let mut sequences: HashMap<String, u128> = HashMap::new();
        let mut dedup: Vec<DedupRecord> = Vec::new();
        let mut subs: Vec<SubscriptionRecord> = Vec::new();
        let mut apps: Vec<PlatformApplicationRecord> = Vec::new();
        let mut endpoints: Vec<PlatformEndpointRecord> = Vec::new();
        let mut sms: Vec<SmsAttributesRecord> = Vec::new();
        let mut sandbox: Vec<SandboxNumberRecord> = Vec::new();
        for r in &state.records {
            if !seen.insert((r.kind.as_str(), r.key.as_str())) {
                return Err(format!("{} {}: recorded twice", r.kind, r.key));
            }
            match r.kind.as_str() {
                state::TOPIC => {
                    let t: TopicRecord = r.decode()?;
                    key_is(r, &t.arn)?;
                    if t.arn != arn::arn("sns", &t.region, &t.account, &t.name)
                        || !valid_topic_name(&t.name, t.fifo)
                    {
                        return Err(format!(
                            "{} {}: not a valid topic name, account and region",
                            r.kind, r.key
                        ));
                    }
                    topics.insert(t.arn.clone(), t);
                }
                state::TOPIC_SEQUENCE => {
                    let s: SequenceRecord = r.decode()?;
                    key_is(r, &s.topic_arn)?;
                    sequences.insert(s.topic_arn, s.last_sequence);
                }
                state::TOPIC_DEDUP => {
                    let d: DedupRecord = r.decode()?;
                    key_is(r, &state::dedup_key(&d.topic_arn, &d.dedup_id))?;
                    dedup.push(d);
                }
                state::SUBSCRIPTION => {
                    let s: SubscriptionRecord = r.decode()?;
                    key_is(r, &s.arn)?;
                    subs.push(s);
                }
                state::PLATFORM_APPLICATION => {
                    let a: PlatformApplicationRecord = r.decode()?;
                    key_is(r, &a.arn)?;
                    apps.push(a);
                }
                state::PLATFORM_ENDPOINT => {
                    let e: PlatformEndpointRecord = r.decode()?;
                    key_is(r, &e.arn)?;
                    endpoints.push(e);
                }
                state::SMS_ATTRIBUTES => {
                    let s: SmsAttributesRecord = r.decode()?;
                    key_is(r, &state::scope_key(&s.account, &s.region))?;
                    sms.push(s);
                }
                state::SANDBOX_NUMBER => {
                    let n: SandboxNumberRecord = r.decode()?;
                    key_is(
                        r,
                        &state::sandbox_key(&n.account, &n.region, &n.phone_number),
                    )?;
                    sandbox.push(n);
                }
                other => return Err(format!("unknown record kind {other:?} (key {})", r.key)),
            }
        }
        // References: every FIFO record and subscription names a topic that is there.
        let fifo_topic = |arn: &str, what: &str| match topics.get(arn) {
            Some(t) if t.fifo => Ok(()),
            Some(_) => Err(format!("{what}: topic {arn} is not a FIFO topic")),
            None => Err(format!("{what}: no topic {arn}")),
        };
        for arn in sequences.keys() {
            fifo_topic(arn, &format!("{} {arn}", state::TOPIC_SEQUENCE))?;
        }
        let mut built: BTreeMap<String, Topic> = BTreeMap::new();
        let start = u128::from(self.clock.now_millis()) * 1_000_000;
        for (arn, t) in topics.iter() {
            built.insert(
                arn.clone(),
                Topic {
                    arn: arn.clone(),
                    account: t.account.clone(),
                    fifo: t.fifo,
                    attributes: t.attributes.clone(),
                    tags: t.tags.clone(),
                    subscriptions: Vec::new(),
                    dedup: HashMap::new(),
                    // A FIFO topic without its counter (a hand-made snapshot) starts as a new
                    // topic does.
                    next_sequence: sequences.get(arn).copied().unwrap_or(start),
                    deleted: false,
                    recent: Default::default(),
                },
            );
        }
        for d in dedup {
            let what = format!("{} {}", state::TOPIC_DEDUP, d.dedup_id);
            fifo_topic(&d.topic_arn, &what)?;
            if let Some(t) = built.get_mut(&d.topic_arn) {
                t.dedup
                    .insert(d.dedup_id, (d.expires_ms, d.message_id, d.sequence));
            }
        }
        subs.sort_by(|a, b| a.arn.cmp(&b.arn));
        for s in subs {
            let what = format!("{} {}", state::SUBSCRIPTION, s.arn);
            let Some(t) = built.get_mut(&s.topic_arn) else {
                return Err(format!("{what}: no topic {}", s.topic_arn));
            };
            let id = s
                .arn
                .strip_prefix(s.topic_arn.as_str())
                .and_then(|rest| rest.strip_prefix(':'));
            if id.is_none_or(|id| id.is_empty() || id.contains(':')) {
                return Err(format!("{what}: not a subscription of {}", s.topic_arn));
            }
            if s.pending && s.token.is_none() {
                return Err(format!("{what}: pending without a confirmation token"));
            }
            let filter = Self::compile_filter(&s.attributes)
                .map_err(|e| format!("{what}: FilterPolicy: {}", e.message))?;
            t.subscriptions.push(Arc::new(Subscription {
                arn: s.arn,
                topic_arn: s.topic_arn,
                account: s.account,
                principal: s.principal,
                protocol: s.protocol,
                endpoint: s.endpoint,
                attributes: s.attributes,
                filter,
                pending: s.pending,
                token: s.token,
            }));
        }
        let app_arns: HashSet<&str> = apps.iter().map(|a| a.arn.as_str()).collect();
        if let Some(e) = endpoints
            .iter()
            .find(|e| !app_arns.contains(e.application.as_str()))
        {
            return Err(format!(
                "{} {}: no platform application {}",
                state::PLATFORM_ENDPOINT,
                e.arn,
                e.application
            ));
        }
        Ok(Decoded {
            topics: built.into_values().collect(),
            sms,
            apps,
            endpoints,
            sandbox,
        })
    }
}

fn push<T: serde::Serialize>(out: &mut Vec<Record>, kind: &str, key: &str, value: &T) {
    match Record::new(kind, key, value) {
        Ok(r) => out.push(r),
        // Records are plain data; this cannot happen short of a bug in a record type.
        Err(e) => tracing::error!("cannot export {e}"),
    }
}

impl Durable for SnsEngine {
    fn service(&self) -> &'static str {
        "sns"
    }

    /// Topics (each followed by its sequence counter and deduplication entries), then
    /// subscriptions, platform applications and endpoints, SMS attributes and sandbox
    /// numbers; each kind in key order.
    fn export(&self) -> ServiceState {
        let mut topics: Vec<Arc<Mutex<Topic>>> =
            self.topics.iter().map(|t| t.value().clone()).collect();
        let mut records = Vec::new();
        let mut subs: Vec<SubscriptionRecord> = Vec::new();
        let mut by_arn: Vec<(String, Vec<Record>)> = Vec::with_capacity(topics.len());
        for topic in topics.drain(..) {
            let t = lock(&topic);
            if t.deleted {
                continue;
            }
            let mut own = Vec::new();
            push(&mut own, state::TOPIC, &t.arn, &t.record());
            if t.fifo {
                push(
                    &mut own,
                    state::TOPIC_SEQUENCE,
                    &t.arn,
                    &t.sequence_record(),
                );
            }
            let mut dedup: Vec<_> = t.dedup.iter().collect();
            dedup.sort_by(|a, b| a.0.cmp(b.0));
            for (id, (expires_ms, message_id, sequence)) in dedup {
                let d = DedupRecord {
                    topic_arn: t.arn.clone(),
                    dedup_id: id.clone(),
                    expires_ms: *expires_ms,
                    message_id: message_id.clone(),
                    sequence: *sequence,
                };
                push(
                    &mut own,
                    state::TOPIC_DEDUP,
                    &state::dedup_key(&t.arn, id),
                    &d,
                );
            }
            subs.extend(t.subscriptions.iter().map(|s| s.record()));
            by_arn.push((t.arn.clone(), own));
        }
        by_arn.sort_by(|a, b| a.0.cmp(&b.0));
        records.extend(by_arn.into_iter().flat_map(|(_, r)| r));
        subs.sort_by(|a, b| a.arn.cmp(&b.arn));
        for s in &subs {
            push(&mut records, state::SUBSCRIPTION, &s.arn, s);
        }
        let (apps, endpoints) = self.platform.export();
        for a in &apps {
            push(&mut records, state::PLATFORM_APPLICATION, &a.arn, a);
        }
        for e in &endpoints {
            push(&mut records, state::PLATFORM_ENDPOINT, &e.arn, e);
        }
        let mut sms: Vec<SmsAttributesRecord> = self
            .sms_attributes
            .iter()
            .map(|a| {
                let (account, region) = a.key().split_once('/').unwrap_or((a.key(), ""));
                SmsAttributesRecord {
                    account: account.to_string(),
                    region: region.to_string(),
                    attributes: a.value().clone(),
                }
            })
            .collect();
        sms.sort_by(|a, b| (&a.account, &a.region).cmp(&(&b.account, &b.region)));
        for s in &sms {
            push(
                &mut records,
                state::SMS_ATTRIBUTES,
                &state::scope_key(&s.account, &s.region),
                s,
            );
        }
        for n in self.sandbox.export() {
            let key = state::sandbox_key(&n.account, &n.region, &n.phone_number);
            push(&mut records, state::SANDBOX_NUMBER, &key, &n);
        }
        ServiceState {
            records,
            blobs: BTreeMap::new(),
        }
    }

    fn check(&self, state: &ServiceState) -> Result<(), String> {
        self.decode_state(state).map(|_| ())
    }

    /// Replaces topics, subscriptions, platform applications and endpoints, SMS attributes
    /// and sandbox numbers; the outbox of recorded deliveries is emptied (as by a reset).
    /// HTTP deliveries already under way finish on their own.
    fn restore(&self, state: ServiceState) -> Result<(), String> {
        let decoded = self.decode_state(&state)?;
        // Requests still holding an old topic must not journal it back.
        for t in self.topics.iter() {
            lock(t.value()).deleted = true;
        }
        self.topics.clear();
        self.subscriptions.clear();
        for t in decoded.topics {
            for s in &t.subscriptions {
                self.subscriptions.insert(s.arn.clone(), s.clone());
            }
            self.topics.insert(t.arn.clone(), Arc::new(Mutex::new(t)));
        }
        self.sms_attributes.clear();
        for s in decoded.sms {
            self.sms_attributes
                .insert(state::scope_key(&s.account, &s.region), s.attributes);
        }
        self.platform.restore(decoded.apps, decoded.endpoints);
        self.sandbox.restore(decoded.sandbox);
        self.outbox.clear_all();
        Ok(())
    }

    fn attach_journal(&self, journal: Journal) {
        if self.journal.set(journal).is_err() {
            tracing::warn!("sns: a journal is already attached; keeping the first");
        }
    }
}

#[cfg(test)]
mod tests;
