//! The SQS engine: the registry of queues per account and region, validation of every
//! action's input, and the cross-queue work (dead-letter redrive, message move tasks).
//!
//! The engine knows nothing of HTTP or wire formats. Each queue sits behind its own short-held
//! mutex; the registry is a `DashMap` whose guards are never held across an `.await`.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dashmap::DashMap;
use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use super::attributes::{self, ATTRIBUTE_NAMES, QueueAttributes};
use super::error::{SqsError, SqsErrorCode, SqsResult};
use super::md5;
use super::model::*;
use super::queue::{HandleKey, HandleOutcome, MessageExtra, QueueState, Received, StoredMessage};
use crate::arn::{self, parse_arn};
use crate::clock::{Clock, Millis};
use crate::context::RequestContext;

/// A FIFO send with neither a deduplication id nor content-based deduplication.
const NO_DEDUP_ID: &str = "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly";

/// Maximum messages per batch request.
const MAX_BATCH: usize = 10;
/// Maximum total payload of a batch.
const MAX_BATCH_BYTES: usize = 1_048_576;
/// Queue names may be reused this long after a delete.
const DELETE_REUSE_MS: Millis = 60_000;
/// One purge per queue per this period.
const PURGE_PERIOD_MS: Millis = 60_000;

const SYSTEM_ATTRIBUTE_NAMES: &[&str] = &[
    "All",
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageDeduplicationId",
    "MessageGroupId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
];

/// Counts a parked long poll for as long as it lives (also when the caller goes away).
struct Parked<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> Parked<'a> {
    fn new(count: &'a std::sync::atomic::AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Parked(count)
    }
}

impl Drop for Parked<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What one look into a queue found for a ReceiveMessage.
enum Taken {
    Messages(Vec<Received>),
    /// Nothing receivable; the time at which something may become visible.
    Nothing(Option<Millis>),
    QueueDeleted,
}

/// A queue: identity plus its locked state and the notifier that wakes long polls.
#[derive(Debug)]
pub struct Queue {
    pub name: String,
    pub account: String,
    pub region: String,
    pub arn: String,
    pub created_ms: Millis,
    key: HandleKey,
    state: Mutex<QueueState>,
    notify: Notify,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        // A panic while holding the lock cannot leave the state half-written in a way that
        // matters more than losing the queue; keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether this is a FIFO queue.
    pub fn is_fifo(&self) -> bool {
        self.name.ends_with(".fifo")
    }

    /// The queue URL for a client that reached us at `host`.
    pub fn url(&self, host: &str) -> String {
        arn::queue_url(host, &self.account, &self.name)
    }
}

/// The SQS engine.
pub struct SqsEngine {
    clock: Arc<dyn Clock>,
    queues: DashMap<String, Arc<Queue>>,
    recently_deleted: DashMap<String, Millis>,
    move_tasks: Mutex<Vec<Arc<MoveTask>>>,
    /// This engine, for the tasks it spawns itself (resumed move tasks).
    this: std::sync::Weak<SqsEngine>,
    next_queue_id: AtomicU64,
    /// Part of every receipt handle's check; kept in the data dir.
    secret: AtomicU64,
    /// The store's journal, when the data dir is on.
    journal: std::sync::OnceLock<crate::store::Journal>,
    shutting_down: AtomicBool,
    /// ReceiveMessage calls parked in a long poll right now (see `waiting_receives`).
    waiting: std::sync::atomic::AtomicUsize,
    shutdown_notify: Notify,
    /// How queue URLs are worded (`urls::EndpointStrategy`).
    endpoint_strategy: AtomicU8,
}

fn key(account: &str, region: &str, name: &str) -> String {
    let mut k = String::with_capacity(account.len() + region.len() + name.len() + 2);
    k.push_str(account);
    k.push('/');
    k.push_str(region);
    k.push('/');
    k.push_str(name);
    k
}

fn valid_queue_name(name: &str, fifo: bool) -> bool {
    let base = if fifo {
        match name.strip_suffix(".fifo") {
            Some(b) => b,
            None => return false,
        }
    } else {
        name
    };
    !base.is_empty()
        && name.len() <= 80
        && base
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn valid_batch_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 80
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn valid_body_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

fn int_param(
    name: &str,
    value: Option<i64>,
    lo: i64,
    hi: i64,
    reason: &str,
) -> SqsResult<Option<i64>> {
    match value {
        Some(v) if v < lo || v > hi => {
            Err(SqsError::invalid_parameter(name, &v.to_string(), reason))
        }
        other => Ok(other),
    }
}

fn require<T>(value: Option<T>, name: &str) -> SqsResult<T> {
    value.ok_or_else(|| SqsError::missing_parameter(name))
}

/// A validated message ready to store.
struct PreparedMessage {
    body: Arc<str>,
    extra: Option<Box<MessageExtra>>,
    delay_ms: Millis,
    dedup_key: Option<String>,
}

fn validate_attributes(attrs: &MessageAttributes, system: bool) -> SqsResult<usize> {
    let kind = if system { "system" } else { "user" };
    if attrs.len() > 10 {
        return Err(SqsError::invalid_value(format!(
            "Number of message attributes [{}] exceeds the allowed maximum [10].",
            attrs.len()
        )));
    }
    let mut size = 0;
    for (name, v) in attrs {
        if system {
            if name != "AWSTraceHeader" {
                return Err(SqsError::invalid_value(format!(
                    "Message system attribute name '{name}' is invalid."
                )));
            }
            if v.data_type != "String" {
                return Err(SqsError::invalid_value(format!(
                    "The message system attribute '{name}' must be of type 'String'."
                )));
            }
        } else {
            let lower = name.to_ascii_lowercase();
            // Letters and digits of any script (AWS took `attr.1øßä`:
            // test_send_message_with_invalid_string_attributes).
            if name.is_empty()
                || name.chars().count() > 256
                || !name
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
                || name.starts_with('.')
                || name.ends_with('.')
                || name.contains("..")
                || lower.starts_with("aws.")
                || lower.starts_with("amazon.")
            {
                return Err(SqsError::invalid_value(format!(
                    "Message (user) attribute name '{name}' is invalid. The attribute name can contain \
                     A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) characters."
                )));
            }
        }
        let dt = v.data_type.as_str();
        if dt.is_empty() {
            return Err(SqsError::invalid_value(format!(
                "The message ({kind}) attribute '{name}' must contain a non-empty attribute type."
            )));
        }
        let base = dt.split('.').next().unwrap_or(dt);
        if !matches!(base, "String" | "Number" | "Binary") || dt.len() > 256 {
            return Err(SqsError::invalid_value(format!(
                "The type of message ({kind}) attribute '{name}' is invalid. You must use only the \
                 following supported type prefixes: Binary, Number, String."
            )));
        }
        if !v.string_list_values.is_empty() || !v.binary_list_values.is_empty() {
            return Err(SqsError::invalid_value(format!(
                "Message ({kind}) attribute '{name}' uses a list type, which is not supported."
            )));
        }
        match base {
            "Binary" => {
                if v.string_value.is_some() || v.binary_value.as_ref().is_none_or(|b| b.is_empty())
                {
                    return Err(SqsError::invalid_value(format!(
                        "Message ({kind}) attribute '{name}' must contain a non-empty value of type 'Binary'."
                    )));
                }
                size += v.binary_value.as_ref().map_or(0, Vec::len);
            }
            _ => {
                let s = match (&v.string_value, &v.binary_value) {
                    (Some(s), None) if !s.is_empty() => s,
                    _ => {
                        return Err(SqsError::invalid_value(format!(
                            "Message ({kind}) attribute '{name}' must contain a non-empty value of type '{base}'."
                        )));
                    }
                };
                // Unlike a body's (InvalidMessageContents), an attribute's bad characters are
                // an InvalidParameterValue (test_invalid_string_attributes_cause_invalid_parameter_value_error).
                if !s.chars().all(valid_body_char) {
                    return Err(SqsError::invalid_value(format!(
                        "Message ({kind}) attribute '{name}' contains invalid characters."
                    )));
                }
                if base == "Number" && !is_sqs_number(s) {
                    return Err(SqsError::invalid_value(format!(
                        "Can't cast the value of message ({kind}) attribute '{name}' to a number."
                    )));
                }
                size += s.len();
            }
        }
        size += name.len() + dt.len();
    }
    Ok(size)
}

fn is_sqs_number(s: &str) -> bool {
    let t = s.trim();
    !t.is_empty() && t.len() <= 100 && t.parse::<f64>().is_ok_and(|f| f.is_finite())
}

/// Whether a MessageAttributeNames entry asks for every attribute (`All`, `*`, `.*`).
fn requests_all(r: &str) -> bool {
    matches!(r, "All" | "*" | ".*")
}

/// Does `name` match one of the requested MessageAttributeNames (all, exact, or `prefix.*`,
/// a plain prefix: `Hel.*` matches `Hello` and `Help.Me`, as AWS recorded in
/// test_receive_message_message_attribute_names_filters)?
fn attribute_requested(requested: &[String], name: &str) -> bool {
    requested.iter().any(|r| {
        requests_all(r)
            || r == name
            || r.strip_suffix(".*")
                .is_some_and(|p| !p.is_empty() && name.starts_with(p))
    })
}

fn format_sequence(n: u128) -> String {
    format!("{n:020}")
}

impl SqsEngine {
    /// A new engine taking its time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Arc<Self> {
        let secret = (uuid::Uuid::new_v4().as_u128() >> 64) as u64;
        Arc::new_cyclic(|this| SqsEngine {
            this: this.clone(),
            clock,
            queues: DashMap::new(),
            recently_deleted: DashMap::new(),
            move_tasks: Mutex::new(Vec::new()),
            next_queue_id: AtomicU64::new(1),
            secret: AtomicU64::new(secret),
            journal: std::sync::OnceLock::new(),
            shutting_down: AtomicBool::new(false),
            waiting: std::sync::atomic::AtomicUsize::new(0),
            shutdown_notify: Notify::new(),
            endpoint_strategy: AtomicU8::new(0),
        })
    }

    fn now(&self) -> Millis {
        self.clock.now_millis()
    }

    /// How many ReceiveMessage calls are parked in a long poll (served by the health endpoint,
    /// so that tests can wait for a poller instead of pausing).
    pub fn waiting_receives(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// End every long poll (they answer empty) and refuse new waits; used at shutdown.
    pub fn shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        self.shutdown_notify.notify_waiters();
    }

    /// Drop every queue and task (the reset endpoint).
    pub fn reset(&self) {
        if let Some(j) = self.journal.get() {
            j.clear_service("sqs");
        }
        self.clear();
    }

    /// Drop every queue and task without telling the store.
    fn clear(&self) {
        for q in self.queues.iter() {
            q.lock().deleted = true;
            q.notify.notify_waiters();
        }
        self.queues.clear();
        self.recently_deleted.clear();
        if let Ok(mut tasks) = self.move_tasks.lock() {
            for t in tasks.iter() {
                t.stop();
            }
            tasks.clear();
        }
    }

    /// Find a queue by ARN.
    pub fn queue_by_arn(&self, arn: &str) -> Option<Arc<Queue>> {
        let p = parse_arn(arn)?;
        if p.service != "sqs" {
            return None;
        }
        self.queues
            .get(&key(p.account, p.region, p.resource))
            .map(|q| q.clone())
    }

    fn validate_redrive_target(
        &self,
        source_arn: &str,
        attrs: &QueueAttributes,
        raw: Option<&String>,
    ) -> SqsResult<()> {
        let Some(rp) = &attrs.redrive_policy else {
            return Ok(());
        };
        let raw = raw.map(String::as_str).unwrap_or_default();
        // Something that is not an SQS ARN is refused before any lookup
        // (test_invalid_dead_letter_arn_rejected_before_lookup).
        if parse_arn(&rp.dead_letter_target_arn).is_none_or(|p| p.service != "sqs") {
            return Err(SqsError::invalid_parameter(
                "RedrivePolicy",
                raw,
                "Invalid value for deadLetterTargetArn.",
            ));
        }
        let dlq = self
            .queue_by_arn(&rp.dead_letter_target_arn)
            .ok_or_else(|| {
                SqsError::invalid_parameter(
                    "RedrivePolicy",
                    raw,
                    "Dead-letter target does not exist.",
                )
            })?;
        if dlq.is_fifo() != attrs.fifo {
            return Err(SqsError::invalid_parameter(
                "RedrivePolicy",
                raw,
                "Dead-letter queue must be same type of queue as the source.",
            ));
        }
        let allow = dlq.lock().attributes.redrive_allow_policy.clone();
        if !attributes::redrive_allowed(allow.as_deref(), source_arn) {
            return Err(SqsError::invalid_parameter(
                "RedrivePolicy",
                raw,
                "Dead-letter target's RedriveAllowPolicy does not allow this queue as a source.",
            ));
        }
        Ok(())
    }

    pub fn create_queue(
        &self,
        ctx: &RequestContext,
        input: CreateQueueInput,
    ) -> SqsResult<QueueUrlOutput> {
        let name = require(input.queue_name, "QueueName")?;
        let wants_fifo = input
            .attributes
            .get("FifoQueue")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if wants_fifo && !valid_queue_name(&name, true) {
            return Err(SqsError::invalid_value(
                "The name of a FIFO queue can only include alphanumeric characters, hyphens, or \
                 underscores, must end with .fifo suffix and be 1 to 80 in length.",
            ));
        }
        if !wants_fifo && !valid_queue_name(&name, false) {
            return Err(SqsError::invalid_value(
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
            ));
        }
        // A standard queue does not know the attribute, even set to false.
        if !wants_fifo && input.attributes.contains_key("FifoQueue") {
            return Err(SqsError::invalid_attribute_name("FifoQueue"));
        }
        let mut attrs = QueueAttributes::default();
        attrs.apply_all(&input.attributes, true)?;
        if input.tags.len() > 50 {
            return Err(SqsError::invalid_value(format!(
                "Too many tags added for queue {name}."
            )));
        }
        let k = key(&ctx.account, &ctx.region, &name);
        if let Some(existing) = self.queues.get(&k).map(|q| q.clone()) {
            let state = existing.lock();
            if let Some(diff) = state.attributes.first_difference(&input.attributes)? {
                return Err(SqsError::new(
                    SqsErrorCode::QueueNameExists,
                    format!(
                        "A queue already exists with the same name and a different value for attribute {diff}"
                    ),
                ));
            }
            return Ok(QueueUrlOutput {
                queue_url: self.url_of(&existing, &ctx.host),
            });
        }
        let now = self.now();
        if let Some(deleted_at) = self.recently_deleted.get(&k).map(|t| *t) {
            if now < deleted_at + DELETE_REUSE_MS {
                return Err(SqsError::new(
                    SqsErrorCode::QueueDeletedRecently,
                    "You must wait 60 seconds after deleting a queue before you can create another with the same name.",
                ));
            }
            self.recently_deleted.remove(&k);
        }
        let queue_arn = arn::arn("sqs", &ctx.region, &ctx.account, &name);
        self.validate_redrive_target(&queue_arn, &attrs, input.attributes.get("RedrivePolicy"))?;
        let mut state = QueueState::new(attrs, now, u128::from(now) * 1_000_000_000);
        state.tags = input.tags;
        let queue = Arc::new(Queue {
            arn: queue_arn,
            name,
            account: ctx.account.clone(),
            region: ctx.region.clone(),
            created_ms: now,
            key: HandleKey {
                queue_id: self.next_queue_id.fetch_add(1, Ordering::Relaxed),
                secret: self.secret.load(Ordering::Relaxed),
            },
            state: Mutex::new(state),
            notify: Notify::new(),
        });
        let url = self.url_of(&queue, &ctx.host);
        // A concurrent create of the same name may have won; both callers get the same URL.
        if let dashmap::Entry::Vacant(slot) = self.queues.entry(k) {
            self.journal_new_queue(&queue);
            slot.insert(queue);
        }
        Ok(QueueUrlOutput { queue_url: url })
    }

    pub fn get_queue_url(
        &self,
        ctx: &RequestContext,
        input: GetQueueUrlInput,
    ) -> SqsResult<QueueUrlOutput> {
        let name = require(input.queue_name, "QueueName")?;
        let account = input
            .queue_owner_aws_account_id
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| ctx.account.clone());
        self.queues
            .get(&key(&account, &ctx.region, &name))
            .map(|q| QueueUrlOutput {
                queue_url: self.url_of(&q, &ctx.host),
            })
            .ok_or_else(SqsError::queue_does_not_exist)
    }

    fn queues_in(&self, account: &str, region: &str) -> Vec<Arc<Queue>> {
        let mut v: Vec<Arc<Queue>> = self
            .queues
            .iter()
            .filter(|q| q.account == account && q.region == region)
            .map(|q| q.clone())
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    fn page(
        &self,
        names: Vec<Arc<Queue>>,
        max_results: Option<i64>,
        next_token: Option<String>,
        host: &str,
    ) -> SqsResult<(Vec<String>, Option<String>)> {
        let max = int_param(
            "MaxResults",
            max_results,
            1,
            1000,
            "MaxResults must be an integer between 1 and 1000.",
        )?;
        let after = match next_token.filter(|t| !t.is_empty()) {
            Some(t) => Some(
                URL_SAFE_NO_PAD
                    .decode(t.as_bytes())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| {
                        SqsError::invalid_parameter("NextToken", &t, "Invalid NextToken value.")
                    })?,
            ),
            None => None,
        };
        let mut rest: Vec<Arc<Queue>> = names
            .into_iter()
            .filter(|q| after.as_ref().is_none_or(|a| q.name.as_str() > a.as_str()))
            .collect();
        let limit = max.unwrap_or(1000) as usize;
        let more = rest.len() > limit;
        rest.truncate(limit);
        let token = (more && max.is_some())
            .then(|| {
                rest.last()
                    .map(|q| URL_SAFE_NO_PAD.encode(q.name.as_bytes()))
            })
            .flatten();
        Ok((rest.iter().map(|q| self.url_of(q, host)).collect(), token))
    }

    pub fn list_queues(
        &self,
        ctx: &RequestContext,
        input: ListQueuesInput,
    ) -> SqsResult<ListQueuesOutput> {
        let prefix = input.queue_name_prefix.unwrap_or_default();
        let queues: Vec<Arc<Queue>> = self
            .queues_in(&ctx.account, &ctx.region)
            .into_iter()
            .filter(|q| q.name.starts_with(&prefix))
            .collect();
        let (queue_urls, next_token) =
            self.page(queues, input.max_results, input.next_token, &ctx.host)?;
        Ok(ListQueuesOutput {
            queue_urls,
            next_token,
        })
    }

    pub fn delete_queue(&self, ctx: &RequestContext, input: QueueUrlInput) -> SqsResult<()> {
        let q = self.resolve(ctx, input.queue_url.as_deref())?;
        let k = key(&q.account, &q.region, &q.name);
        self.queues.remove(&k);
        {
            let mut state = q.lock();
            state.deleted = true;
            self.journal_deleted_queue(&q, &mut state);
        }
        q.notify.notify_waiters();
        self.recently_deleted.insert(k, self.now());
        Ok(())
    }

    pub fn get_queue_attributes(
        &self,
        ctx: &RequestContext,
        input: GetQueueAttributesInput,
    ) -> SqsResult<GetQueueAttributesOutput> {
        let q = self.resolve(ctx, input.queue_url.as_deref())?;
        for n in &input.attribute_names {
            if n != "All" && !ATTRIBUTE_NAMES.contains(&n.as_str()) {
                return Err(SqsError::invalid_attribute_name(n));
            }
        }
        let all = input.attribute_names.iter().any(|n| n == "All");
        let wanted: Vec<&str> = if all {
            ATTRIBUTE_NAMES.to_vec()
        } else {
            input.attribute_names.iter().map(String::as_str).collect()
        };
        let now = self.now();
        let state = q.lock();
        let counts = state.counts(now);
        let mut out = Vec::new();
        for name in wanted {
            let value = match name {
                "ApproximateNumberOfMessages" => Some(counts.visible.to_string()),
                "ApproximateNumberOfMessagesNotVisible" => Some(counts.not_visible.to_string()),
                "ApproximateNumberOfMessagesDelayed" => Some(counts.delayed.to_string()),
                "CreatedTimestamp" => Some((q.created_ms / 1000).to_string()),
                "LastModifiedTimestamp" => Some((state.last_modified_ms / 1000).to_string()),
                "QueueArn" => Some(q.arn.clone()),
                other => state.attributes.render(other),
            };
            if let Some(v) = value
                && !out.iter().any(|(n, _): &(String, String)| n == name)
            {
                out.push((name.to_string(), v));
            }
        }
        Ok(GetQueueAttributesOutput { attributes: out })
    }

    pub fn set_queue_attributes(
        &self,
        ctx: &RequestContext,
        input: SetQueueAttributesInput,
    ) -> SqsResult<()> {
        let q = self.resolve(ctx, input.queue_url.as_deref())?;
        let attrs = input.attributes.unwrap_or_default();
        let current = q.lock().attributes.clone();
        let mut updated = current;
        updated.apply_all(&attrs, false)?;
        if attrs.contains_key("RedrivePolicy") {
            self.validate_redrive_target(&q.arn, &updated, attrs.get("RedrivePolicy"))?;
        }
        {
            let mut state = q.lock();
            // Re-apply onto the live attributes so that a concurrent change is not lost.
            state.attributes.apply_all(&attrs, false)?;
            state.last_modified_ms = self.now();
            self.journal_queue(&q, &state);
        }
        q.notify.notify_waiters();
        Ok(())
    }

    fn prepare(
        &self,
        q: &Queue,
        fields: SendMessageFields,
        now: Millis,
    ) -> SqsResult<PreparedMessage> {
        let body = require(fields.message_body, "MessageBody")?;
        if body.is_empty() {
            return Err(SqsError::missing_parameter("MessageBody"));
        }
        if !body.chars().all(valid_body_char) {
            return Err(SqsError::new(
                SqsErrorCode::InvalidMessageContents,
                "Invalid characters found. Valid values are: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
            ));
        }
        let attr_size = validate_attributes(&fields.message_attributes, false)?;
        validate_attributes(&fields.message_system_attributes, true)?;
        let (max_size, queue_delay, content_dedup, scope_group) = {
            let s = q.lock();
            let a = &s.attributes;
            (
                a.maximum_message_size as usize,
                a.delay_seconds,
                a.content_based_deduplication,
                a.deduplication_scope == "messageGroup",
            )
        };
        if body.len() + attr_size > max_size {
            return Err(SqsError::invalid_value(format!(
                "One or more parameters are invalid. Reason: Message must be shorter than {max_size} bytes."
            )));
        }
        let delay = int_param(
            "DelaySeconds",
            fields.delay_seconds,
            0,
            900,
            "DelaySeconds must be >= 0 and <= 900.",
        )?;
        let fifo = q.is_fifo();
        let mut dedup_key = None;
        if fifo {
            if let Some(d) = delay.filter(|d| *d != 0) {
                return Err(SqsError::invalid_parameter(
                    "DelaySeconds",
                    &d.to_string(),
                    "The request include parameter that is not valid for this queue type.",
                ));
            }
            let group = fields
                .message_group_id
                .as_deref()
                .ok_or_else(|| SqsError::missing_parameter("MessageGroupId"))?;
            validate_token("MessageGroupId", group)?;
            let dedup_id = match fields.message_deduplication_id.as_deref() {
                Some(d) => {
                    validate_token("MessageDeduplicationId", d)?;
                    d.to_string()
                }
                None if content_dedup => md5::hex(&Sha256::digest(body.as_bytes())),
                None => return Err(SqsError::invalid_value(NO_DEDUP_ID)),
            };
            dedup_key = Some(if scope_group {
                format!("{group}\u{0}{dedup_id}")
            } else {
                dedup_id
            });
        } else {
            if let Some(d) = &fields.message_deduplication_id {
                return Err(SqsError::invalid_parameter(
                    "MessageDeduplicationId",
                    d,
                    "The request include parameter that is not valid for this queue type",
                ));
            }
            if let Some(g) = &fields.message_group_id {
                validate_token("MessageGroupId", g)?;
            }
        }
        // A FIFO queue takes no per-message delay (0 is accepted and means "the queue's").
        let delay = if fifo {
            i64::from(queue_delay)
        } else {
            delay.unwrap_or(i64::from(queue_delay))
        };
        let delay_ms = u64::try_from(delay).unwrap_or(0) * 1000;
        let needs_extra = !fields.message_attributes.is_empty()
            || !fields.message_system_attributes.is_empty()
            || fields.message_group_id.is_some()
            || fifo;
        let extra = needs_extra.then(|| {
            Box::new(MessageExtra {
                md5_of_attributes: md5::md5_of_attribute_map(&fields.message_attributes),
                md5_of_system_attributes: md5::md5_of_attribute_map(
                    &fields.message_system_attributes,
                ),
                attributes: fields.message_attributes,
                system_attributes: fields.message_system_attributes,
                dead_letter_source_arn: None,
                group_id: fields.message_group_id.map(Arc::from),
                deduplication_id: if fifo {
                    dedup_key.as_deref().map(|k| {
                        let id = k.rsplit('\u{0}').next().unwrap_or(k);
                        Box::from(id)
                    })
                } else {
                    None
                },
                sequence_number: None,
                enqueued_ms: None,
            })
        });
        let _ = now;
        Ok(PreparedMessage {
            body: Arc::from(body),
            extra,
            delay_ms,
            dedup_key,
        })
    }

    fn store(&self, q: &Queue, p: PreparedMessage, now: Millis) -> SendMessageOutput {
        let md5_body;
        let (md5_attrs, md5_sys) = match &p.extra {
            Some(e) => (
                e.md5_of_attributes.clone(),
                e.md5_of_system_attributes.clone(),
            ),
            None => (None, None),
        };
        let mut extra = p.extra;
        let (message_id, sequence) = {
            let mut state = q.lock();
            if let Some(k) = &p.dedup_key
                && let Some(dup) = state.dedup_lookup(k, now)
            {
                drop(state);
                return SendMessageOutput {
                    md5_of_message_body: md5::hex(&md5::md5_of_body(&p.body)),
                    md5_of_message_attributes: md5_attrs,
                    md5_of_message_system_attributes: md5_sys,
                    message_id: uuid::Uuid::from_u128(dup.message_id)
                        .hyphenated()
                        .to_string(),
                    sequence_number: Some(format_sequence(dup.sequence_number)),
                };
            }
            let sequence = if q.is_fifo() {
                let n = state.next_sequence_number();
                if let Some(e) = extra.as_mut() {
                    e.sequence_number = Some(n);
                }
                Some(n)
            } else {
                None
            };
            let id = uuid::Uuid::new_v4().as_u128();
            let msg = StoredMessage::new(id, p.body, extra, now, now + p.delay_ms);
            md5_body = msg.md5_of_body;
            state.push(msg, p.dedup_key, now);
            (id, sequence)
        };
        q.notify.notify_waiters();
        SendMessageOutput {
            md5_of_message_body: md5::hex(&md5_body),
            md5_of_message_attributes: md5_attrs,
            md5_of_message_system_attributes: md5_sys,
            message_id: uuid::Uuid::from_u128(message_id).hyphenated().to_string(),
            sequence_number: sequence.map(format_sequence),
        }
    }

    pub fn send_message(
        &self,
        ctx: &RequestContext,
        input: SendMessageInput,
    ) -> SqsResult<SendMessageOutput> {
        let (url, fields) = input.into_parts();
        let q = self.resolve(ctx, url.as_deref())?;
        let now = self.now();
        let prepared = self.prepare(&q, fields, now)?;
        Ok(self.store(&q, prepared, now))
    }

    /// Send a message to a queue the caller already holds (SNS fan-out, move tasks).
    pub fn send_to_queue(
        &self,
        q: &Queue,
        fields: SendMessageFields,
    ) -> SqsResult<SendMessageOutput> {
        let now = self.now();
        let prepared = self.prepare(q, fields, now)?;
        Ok(self.store(q, prepared, now))
    }

    fn check_batch<'a>(
        ids: impl Iterator<Item = Option<&'a str>>,
        entry_name: &str,
    ) -> SqsResult<()> {
        let ids: Vec<Option<&str>> = ids.collect();
        if ids.is_empty() {
            return Err(SqsError::new(
                SqsErrorCode::EmptyBatchRequest,
                format!("There should be at least one {entry_name} in the request."),
            ));
        }
        if ids.len() > MAX_BATCH {
            return Err(SqsError::new(
                SqsErrorCode::TooManyEntriesInBatchRequest,
                format!(
                    "Maximum number of entries per request are 10. You have sent {}.",
                    ids.len()
                ),
            ));
        }
        let mut seen: Vec<&str> = Vec::with_capacity(ids.len());
        for id in ids {
            let id = id.ok_or_else(|| SqsError::missing_parameter(&format!("{entry_name}.Id")))?;
            if !valid_batch_id(id) {
                return Err(SqsError::new(
                    SqsErrorCode::InvalidBatchEntryId,
                    "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
                ));
            }
            if seen.contains(&id) {
                return Err(SqsError::new(
                    SqsErrorCode::BatchEntryIdsNotDistinct,
                    format!("Id {id} repeated."),
                ));
            }
            seen.push(id);
        }
        Ok(())
    }

    pub fn send_message_batch(
        &self,
        ctx: &RequestContext,
        input: SendMessageBatchInput,
    ) -> SqsResult<BatchOutput<SendMessageBatchResultEntry>> {
        let q = self.resolve(ctx, input.queue_url.as_deref())?;
        Self::check_batch(
            input.entries.iter().map(|e| e.id.as_deref()),
            "SendMessageBatchRequestEntry",
        )?;
        let total: usize = input
            .entries
            .iter()
            .map(|e| {
                e.message_body.as_ref().map_or(0, String::len)
                    + e.message_attributes
                        .iter()
                        .map(|(k, v)| {
                            k.len()
                                + v.data_type.len()
                                + v.string_value.as_ref().map_or(0, String::len)
                                + v.binary_value.as_ref().map_or(0, Vec::len)
                        })
                        .sum::<usize>()
            })
            .sum();
        if total > MAX_BATCH_BYTES {
            return Err(SqsError::new(
                SqsErrorCode::BatchRequestTooLong,
                format!(
                    "Batch requests cannot be longer than {MAX_BATCH_BYTES} bytes. You have sent {total} bytes."
                ),
            ));
        }
        if q.is_fifo() {
            Self::check_fifo_batch(&q, &input.entries)?;
        }
        let now = self.now();
        let mut out = BatchOutput {
            successful: Vec::with_capacity(input.entries.len()),
            failed: Vec::new(),
        };
        for entry in input.entries {
            let (id, fields) = entry.into_parts();
            let id = id.unwrap_or_default();
            match self.prepare(&q, fields, now) {
                Ok(p) => out.successful.push(SendMessageBatchResultEntry {
                    id,
                    result: self.store(&q, p, now),
                }),
                Err(e) => out.failed.push(BatchResultErrorEntry::from_error(id, &e)),
            }
        }
        Ok(out)
    }

    /// On a FIFO queue an entry without a group, or without a deduplication id where the queue
    /// does not derive one, fails the whole batch, not just its entry (AWS's recorded
    /// test_send_batch_missing_message_group_id_for_fifo_queue and
    /// test_send_batch_missing_deduplication_id_for_fifo_queue).
    fn check_fifo_batch(q: &Queue, entries: &[SendMessageBatchEntry]) -> SqsResult<()> {
        if entries.iter().any(|e| e.message_group_id.is_none()) {
            return Err(SqsError::invalid_value(
                "The request must contain the parameter MessageGroupId.",
            ));
        }
        let content_dedup = q.lock().attributes.content_based_deduplication;
        if !content_dedup && entries.iter().any(|e| e.message_deduplication_id.is_none()) {
            return Err(SqsError::invalid_value(NO_DEDUP_ID));
        }
        Ok(())
    }

    fn render_message(
        &self,
        q: &Queue,
        r: Received,
        system_names: &[String],
        attribute_names: &[String],
    ) -> Message {
        let m = r.message;
        let want = |n: &str| system_names.iter().any(|s| s == "All" || s == n);
        let mut attributes = Vec::new();
        if !system_names.is_empty() {
            if want("SenderId") {
                attributes.push(("SenderId".to_string(), q.account.clone()));
            }
            if want("SentTimestamp") {
                attributes.push(("SentTimestamp".to_string(), m.sent_ms.to_string()));
            }
            if want("ApproximateReceiveCount") {
                attributes.push((
                    "ApproximateReceiveCount".to_string(),
                    m.receive_count.to_string(),
                ));
            }
            if want("ApproximateFirstReceiveTimestamp") {
                attributes.push((
                    "ApproximateFirstReceiveTimestamp".to_string(),
                    m.first_receive_ms.to_string(),
                ));
            }
            if let Some(e) = &m.extra {
                if let Some(n) = e.sequence_number.filter(|_| want("SequenceNumber")) {
                    attributes.push(("SequenceNumber".to_string(), format_sequence(n)));
                }
                if let Some(d) = e
                    .deduplication_id
                    .as_ref()
                    .filter(|_| want("MessageDeduplicationId"))
                {
                    attributes.push(("MessageDeduplicationId".to_string(), d.to_string()));
                }
                if let Some(g) = e.group_id.as_ref().filter(|_| want("MessageGroupId")) {
                    attributes.push(("MessageGroupId".to_string(), g.to_string()));
                }
                if let Some(t) = e
                    .system_attributes
                    .get("AWSTraceHeader")
                    .and_then(|v| v.string_value.clone())
                    .filter(|_| want("AWSTraceHeader"))
                {
                    attributes.push(("AWSTraceHeader".to_string(), t));
                }
                if let Some(s) = e
                    .dead_letter_source_arn
                    .as_ref()
                    .filter(|_| want("DeadLetterQueueSourceArn"))
                {
                    attributes.push(("DeadLetterQueueSourceArn".to_string(), s.to_string()));
                }
            }
        }
        let mut message_attributes = MessageAttributes::new();
        let mut md5_of_message_attributes = None;
        if let Some(e) = &m.extra
            && !attribute_names.is_empty()
            && !e.attributes.is_empty()
        {
            let all = attribute_names.iter().any(|n| requests_all(n));
            if all {
                message_attributes = e.attributes.clone();
                md5_of_message_attributes = e.md5_of_attributes.clone();
            } else {
                message_attributes = e
                    .attributes
                    .iter()
                    .filter(|(k, _)| attribute_requested(attribute_names, k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                md5_of_message_attributes = md5::md5_of_attribute_map(&message_attributes);
            }
        }
        Message {
            message_id: m.message_id(),
            receipt_handle: r.receipt_handle,
            md5_of_body: md5::hex(&m.md5_of_body),
            body: m.body,
            attributes,
            md5_of_message_attributes,
            message_attributes,
        }
    }

    /// Put messages that exhausted their receives onto the dead-letter queue.
    fn redrive(&self, source: &Queue, dlq: &Queue, moved: Vec<StoredMessage>) {
        let source_arn: Arc<str> = Arc::from(source.arn.as_str());
        self.enqueue_moved(source, dlq, moved, Some(source_arn));
    }

    /// Store messages moved from another queue, keeping their ids, bodies and attributes.
    /// A dead-letter move (`dead_letter_source` set) also keeps the receive count and first
    /// receive time (ApproximateReceiveCount counts receives across all queues); a FIFO
    /// dead-letter queue restarts the message's retention at the move, a standard one keeps
    /// the original enqueue time.
    fn enqueue_moved(
        &self,
        source: &Queue,
        dest: &Queue,
        moved: Vec<StoredMessage>,
        dead_letter_source: Option<Arc<str>>,
    ) {
        if moved.is_empty() {
            return;
        }
        // Journaled after the destination stored them: a crash in between leaves a copy in
        // both queues rather than in neither.
        let source_seqs: Vec<u64> = if self.journal.get().is_some() {
            moved.iter().map(|m| m.seq).collect()
        } else {
            Vec::new()
        };
        let _moved_out = MovedOut {
            source,
            seqs: source_seqs,
        };
        let now = self.now();
        {
            let mut state = dest.lock();
            for m in moved {
                let mut extra = m.extra.unwrap_or_default();
                extra.dead_letter_source_arn = dead_letter_source.clone();
                if dest.is_fifo() {
                    extra.sequence_number = Some(state.next_sequence_number());
                    if extra.group_id.is_none() {
                        extra.group_id = Some(Arc::from("default"));
                    }
                } else {
                    extra.sequence_number = None;
                }
                let dead_letter = dead_letter_source.is_some();
                extra.enqueued_ms = if dead_letter && dest.is_fifo() {
                    Some(now)
                } else {
                    None
                };
                let keep_extra = !extra.attributes.is_empty()
                    || !extra.system_attributes.is_empty()
                    || extra.group_id.is_some()
                    || extra.dead_letter_source_arn.is_some()
                    || extra.sequence_number.is_some();
                let mut msg = StoredMessage::new(
                    m.id,
                    m.body,
                    keep_extra.then_some(extra),
                    m.sent_ms.min(now),
                    now,
                );
                if dead_letter {
                    msg.receive_count = m.receive_count;
                    msg.first_receive_ms = m.first_receive_ms;
                }
                state.push(msg, None, now);
            }
        }
        dest.notify.notify_waiters();
    }

    pub async fn receive_message(
        &self,
        ctx: &RequestContext,
        input: ReceiveMessageInput,
    ) -> SqsResult<ReceiveMessageOutput> {
        let q = self.resolve(ctx, input.queue_url.as_deref())?;
        let max = int_param(
            "MaxNumberOfMessages",
            input.max_number_of_messages,
            1,
            10,
            "Must be between 1 and 10, if provided.",
        )?
        .unwrap_or(1) as usize;
        let vt = int_param(
            "VisibilityTimeout",
            input.visibility_timeout,
            0,
            43_200,
            "Must be >= 0 and <= 43200, if provided.",
        )?;
        let wait = int_param(
            "WaitTimeSeconds",
            input.wait_time_seconds,
            0,
            20,
            "Must be >= 0 and <= 20, if provided.",
        )?;
        let mut system_names = input.message_system_attribute_names;
        system_names.extend(input.attribute_names);
        for n in &system_names {
            if !SYSTEM_ATTRIBUTE_NAMES.contains(&n.as_str())
                && !ATTRIBUTE_NAMES.contains(&n.as_str())
            {
                return Err(SqsError::invalid_attribute_name(n));
            }
        }
        let attempt = input
            .receive_request_attempt_id
            .filter(|a| !a.is_empty() && q.is_fifo());
        if let Some(a) = &attempt {
            validate_token("ReceiveRequestAttemptId", a)?;
        }
        let start = self.now();
        let (vt_ms, wait_ms, max_receive, dlq) = {
            let s = q.lock();
            let a = &s.attributes;
            let vt_ms =
                u64::try_from(vt.unwrap_or(i64::from(a.visibility_timeout))).unwrap_or(0) * 1000;
            let wait_ms =
                u64::try_from(wait.unwrap_or(i64::from(a.receive_message_wait_time_seconds)))
                    .unwrap_or(0)
                    * 1000;
            let rp = a.redrive_policy.clone();
            drop(s);
            let dlq = rp
                .as_ref()
                .and_then(|r| self.queue_by_arn(&r.dead_letter_target_arn));
            // Without a live dead-letter queue, messages stay where they are.
            let max_receive = dlq.as_ref().and(rp.map(|r| r.max_receive_count));
            (vt_ms, wait_ms, max_receive, dlq)
        };
        let deadline = start + wait_ms;
        let take = |now: Millis| -> Taken {
            let mut moved = Vec::new();
            let taken = {
                let mut state = q.lock();
                if state.deleted {
                    Taken::QueueDeleted
                } else {
                    let replay = attempt
                        .as_deref()
                        .and_then(|a| state.replay_attempt(a, now, vt_ms, q.key));
                    let received = match replay {
                        Some(r) => r,
                        None => {
                            let r = state.receive(now, max, vt_ms, max_receive, q.key, &mut moved);
                            if let Some(a) = &attempt
                                && !r.is_empty()
                            {
                                state.record_attempt(a.clone(), now, &r);
                            }
                            r
                        }
                    };
                    if received.is_empty() {
                        Taken::Nothing(state.next_wakeup(now))
                    } else {
                        Taken::Messages(received)
                    }
                }
            };
            if let (Some(dlq), false) = (&dlq, moved.is_empty()) {
                self.redrive(&q, dlq, moved);
            }
            taken
        };
        let render = |received: Vec<_>| ReceiveMessageOutput {
            messages: received
                .into_iter()
                .map(|r| self.render_message(&q, r, &system_names, &input.message_attribute_names))
                .collect(),
        };
        loop {
            // Fast path: messages are there, no waiter is registered.
            match take(self.now()) {
                Taken::Messages(r) => return Ok(render(r)),
                Taken::QueueDeleted => return Err(SqsError::queue_does_not_exist()),
                Taken::Nothing(_) => {}
            }
            let now = self.now();
            if now >= deadline || self.shutting_down.load(Ordering::SeqCst) {
                return Ok(ReceiveMessageOutput::default());
            }
            // Register for wake-ups, then look again: a message stored in between is seen
            // now, and any later one notifies us.
            let notified = q.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let shutdown = self.shutdown_notify.notified();
            tokio::pin!(shutdown);
            shutdown.as_mut().enable();
            if self.shutting_down.load(Ordering::SeqCst) {
                return Ok(ReceiveMessageOutput::default());
            }
            let next_wake = match take(now) {
                Taken::Messages(r) => return Ok(render(r)),
                Taken::QueueDeleted => return Err(SqsError::queue_does_not_exist()),
                Taken::Nothing(next) => next,
            };
            let wake_at = next_wake.map_or(deadline, |w| w.min(deadline));
            let _parked = Parked::new(&self.waiting);
            tokio::select! {
                _ = &mut notified => {}
                _ = &mut shutdown => {}
                _ = self.clock.sleep_until(wake_at) => {}
            }
        }
    }

    fn decode_handle(q: &Queue, handle: Option<&str>) -> SqsResult<(u64, u32)> {
        let handle = require(handle, "ReceiptHandle")?;
        q.key
            .decode(handle)
            .ok_or_else(|| SqsError::receipt_handle_invalid(handle))
    }

    /// Delete one message; `Ok(true)` when a message was removed. A stale handle of a message
    /// already gone is not an error, as on AWS.
    fn delete_one(&self, q: &Queue, handle: Option<&str>, now: Millis) -> SqsResult<bool> {
        let (seq, generation) = Self::decode_handle(q, handle)?;
        match q.lock().delete(seq, generation, now) {
            HandleOutcome::Done => Ok(true),
            HandleOutcome::Expired => Err(SqsError::invalid_parameter(
                "ReceiptHandle",
                handle.unwrap_or_default(),
                "The receipt handle has expired.",
            )),
            HandleOutcome::NotInFlight | HandleOutcome::BeyondVisibilityLimit => Ok(false),
        }
    }

    /// After deletes: removing a FIFO group's in-flight head may make the next message of the
    /// group receivable, so wake the long polls.
    fn deleted(&self, q: &Queue, any: bool) {
        if any && q.is_fifo() {
            q.notify.notify_waiters();
        }
    }

    pub fn delete_message(&self, ctx: &RequestContext, input: DeleteMessageInput) -> SqsResult<()> {
        let q = self.resolve(ctx, input.queue_url.as_deref())?;
        let removed = self.delete_one(&q, input.receipt_handle.as_deref(), self.now())?;
        self.deleted(&q, removed);
        Ok(())
    }

    pub fn delete_message_batch(
        &self,
        ctx: &RequestContext,
        input: DeleteMessageBatchInput,
    ) -> SqsResult<BatchOutput<BatchIdEntry>> {
        let q = self.resolve(ctx, input.queue_url.as_deref())?;
        Self::check_batch(
            input.entries.iter().map(|e| e.id.as_deref()),
            "DeleteMessageBatchRequestEntry",
        )?;
        let now = self.now();
        let mut out = BatchOutput {
            successful: Vec::with_capacity(input.entries.len()),
            failed: Vec::new(),
        };
        let mut any = false;
        for e in input.entries {
            let id = e.id.unwrap_or_default();
            match self.delete_one(&q, e.receipt_handle.as_deref(), now) {
                Ok(removed) => {
                    any |= removed;
                    out.successful.push(BatchIdEntry { id });
                }
                Err(err) => out.failed.push(BatchResultErrorEntry::from_error(id, &err)),
            }
        }
        self.deleted(&q, any);
        Ok(out)
    }

    fn change_one(
        &self,
        q: &Queue,
        handle: Option<&str>,
        vt: Option<i64>,
        now: Millis,
    ) -> SqsResult<()> {
        let vt = require(vt, "VisibilityTimeout")?;
        let (seq, generation) = Self::decode_handle(q, handle)?;
        if !(0..=43_200).contains(&vt) {
            return Err(SqsError::invalid_parameter(
                "VisibilityTimeout",
                &vt.to_string(),
                "VisibilityTimeout must be an integer between 0 and 43200",
            ));
        }
        let outcome = q
            .lock()
            .change_visibility(seq, generation, vt as u64 * 1000, now);
        match outcome {
            HandleOutcome::Done => {
                if vt == 0 {
                    q.notify.notify_waiters();
                }
                Ok(())
            }
            HandleOutcome::NotInFlight | HandleOutcome::Expired => {
                Err(SqsError::invalid_parameter(
                    "ReceiptHandle",
                    handle.unwrap_or_default(),
                    "Message does not exist or is not available for visibility timeout change.",
                ))
            }
            HandleOutcome::BeyondVisibilityLimit => Err(SqsError::invalid_parameter(
                "VisibilityTimeout",
                &vt.to_string(),
                "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]",
            )),
        }
    }

    pub fn change_message_visibility(
        &self,
        ctx: &RequestContext,
        input: ChangeMessageVisibilityInput,
    ) -> SqsResult<()> {
        let q = self.resolve(ctx, input.queue_url.as_deref())?;
        self.change_one(
            &q,
            input.receipt_handle.as_deref(),
            input.visibility_timeout,
            self.now(),
        )
    }

    pub fn change_message_visibility_batch(
        &self,
        ctx: &RequestContext,
        input: ChangeMessageVisibilityBatchInput,
    ) -> SqsResult<BatchOutput<BatchIdEntry>> {
        let q = self.resolve(ctx, input.queue_url.as_deref())?;
        Self::check_batch(
            input.entries.iter().map(|e| e.id.as_deref()),
            "ChangeMessageVisibilityBatchRequestEntry",
        )?;
        let now = self.now();
        let mut out = BatchOutput {
            successful: Vec::with_capacity(input.entries.len()),
            failed: Vec::new(),
        };
        for e in input.entries {
            let id = e.id.unwrap_or_default();
            match self.change_one(&q, e.receipt_handle.as_deref(), e.visibility_timeout, now) {
                Ok(()) => out.successful.push(BatchIdEntry { id }),
                Err(err) => out.failed.push(BatchResultErrorEntry::from_error(id, &err)),
            }
        }
        Ok(out)
    }

    pub fn purge_queue(&self, ctx: &RequestContext, input: QueueUrlInput) -> SqsResult<()> {
        let q = self.resolve(ctx, input.queue_url.as_deref())?;
        let now = self.now();
        let mut state = q.lock();
        if let Some(t) = state.purge_started
            && now < t + PURGE_PERIOD_MS
        {
            return Err(SqsError::new(
                SqsErrorCode::PurgeQueueInProgress,
                format!(
                    "Only one PurgeQueue operation on {} is allowed every 60 seconds.",
                    q.name
                ),
            ));
        }
        state.purge_started = Some(now);
        state.purge();
        self.journal_queue(&q, &state);
        Ok(())
    }

    pub fn tag_queue(&self, ctx: &RequestContext, input: TagQueueInput) -> SqsResult<()> {
        let q = self.resolve(ctx, input.queue_url.as_deref())?;
        let tags = require(input.tags, "Tags")?;
        if tags.is_empty() {
            return Err(SqsError::missing_parameter("Tags"));
        }
        let mut state = q.lock();
        let mut merged = state.tags.clone();
        merged.extend(tags);
        if merged.len() > 50 {
            return Err(SqsError::invalid_value(format!(
                "Too many tags added for queue {}.",
                q.name
            )));
        }
        state.tags = merged;
        self.journal_queue(&q, &state);
        Ok(())
    }

    pub fn untag_queue(&self, ctx: &RequestContext, input: UntagQueueInput) -> SqsResult<()> {
        let q = self.resolve(ctx, input.queue_url.as_deref())?;
        let keys = require(input.tag_keys, "TagKeys")?;
        if keys.is_empty() {
            return Err(SqsError::missing_parameter("TagKeys"));
        }
        let mut state = q.lock();
        for k in keys {
            state.tags.remove(&k);
        }
        self.journal_queue(&q, &state);
        Ok(())
    }

    pub fn list_queue_tags(
        &self,
        ctx: &RequestContext,
        input: QueueUrlInput,
    ) -> SqsResult<ListQueueTagsOutput> {
        let q = self.resolve(ctx, input.queue_url.as_deref())?;
        let tags = q.lock().tags.clone();
        Ok(ListQueueTagsOutput { tags })
    }

    pub fn list_dead_letter_source_queues(
        &self,
        ctx: &RequestContext,
        input: ListDeadLetterSourceQueuesInput,
    ) -> SqsResult<ListDeadLetterSourceQueuesOutput> {
        let q = self.resolve(ctx, input.queue_url.as_deref())?;
        let sources: Vec<Arc<Queue>> = self
            .queues_in(&q.account, &q.region)
            .into_iter()
            .filter(|s| {
                s.lock()
                    .attributes
                    .redrive_policy
                    .as_ref()
                    .is_some_and(|rp| rp.dead_letter_target_arn == q.arn)
            })
            .collect();
        let (queue_urls, next_token) =
            self.page(sources, input.max_results, input.next_token, &ctx.host)?;
        Ok(ListDeadLetterSourceQueuesOutput {
            queue_urls,
            next_token,
        })
    }

    fn is_dead_letter_queue(&self, q: &Queue) -> bool {
        self.queues.iter().any(|s| {
            s.lock()
                .attributes
                .redrive_policy
                .as_ref()
                .is_some_and(|rp| rp.dead_letter_target_arn == q.arn)
        })
    }

    /// Check every queue's reachability invariant (`QueueState::audit`): every stored message
    /// can still be received. `Err` names the queue and the first message that cannot.
    pub fn audit(&self) -> Result<(), String> {
        let now = self.now();
        let queues: Vec<Arc<Queue>> = self.queues.iter().map(|e| e.value().clone()).collect();
        for q in queues {
            q.lock().audit(now).map_err(|e| format!("{}: {e}", q.arn))?;
        }
        Ok(())
    }

    /// Every message of a queue, visible, in flight or delayed, with all its attributes and
    /// without receiving it: nothing changes (the developer peek endpoints). Each message
    /// carries an extra `IsVisible` attribute; receipt handles are empty.
    pub fn peek(&self, ctx: &RequestContext, queue_url: Option<&str>) -> SqsResult<Vec<Message>> {
        let q = self.resolve(ctx, queue_url)?;
        let now = self.now();
        let stored = q.lock().snapshot();
        let all = vec!["All".to_string()];
        Ok(stored
            .into_iter()
            .map(|m| {
                let visible = m.visible_at <= now;
                let mut out = self.render_message(
                    &q,
                    Received {
                        message: m,
                        receipt_handle: String::new(),
                    },
                    &all,
                    &all,
                );
                out.attributes
                    .push(("IsVisible".to_string(), visible.to_string()));
                out
            })
            .collect())
    }
}

fn validate_token(param: &str, value: &str) -> SqsResult<()> {
    let ok = !value.is_empty() && value.len() <= 128 && value.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(SqsError::invalid_parameter(
            param,
            value,
            &format!(
                "{param} can only include alphanumeric and punctuation characters. 1 to 128 in length."
            ),
        ))
    }
}

#[cfg(test)]
mod tests;

mod durable;
use durable::MovedOut;
mod move_tasks;
use move_tasks::MoveTask;
pub mod inspect;
mod permissions;
mod urls;
pub use urls::{EndpointStrategy, QueueRef};
