//! The SNS engine: topics, subscriptions, publishing and in-process fan-out to SQS queues.
//!
//! Delivery to SQS calls the SQS engine directly, so a published message is visible to the very
//! next ReceiveMessage. Topics and subscriptions live in `DashMap`s keyed by ARN; each entry
//! has its own short-held mutex.

#[cfg(test)]
mod activity_tests;
mod delivery;
mod delivery_policy;
mod durable;
mod extras;
pub mod inspect;
mod message_attributes;
mod platform;
mod sandbox;
mod subscriptions;
mod topics;

pub use sandbox::VERIFICATION_FAILED_STATUS;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dashmap::DashMap;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::activity::{self, PublishRecord, Stored, StoredDelivery, StoredPublish};
use super::error::{SnsError, SnsErrorCode, SnsResult};
use super::filter::{self, Candidate, FilterPolicy, Scope};
use super::http::HttpDelivery;
use super::lambda::LambdaInvoker;
use super::model::*;
use super::records::{Kind, Outbox};
use super::signing::SignatureVersion;
use super::state;
use crate::arn::parse_arn;
use crate::clock::{Clock, Millis};
use crate::context::RequestContext;
use crate::sqs::SqsEngine;
use crate::store::Journal;

/// Largest message (body plus attributes) SNS accepts by default.
const MAX_MESSAGE_BYTES: usize = 262_144;
const PAGE: usize = 100;
const DEDUP_WINDOW_MS: Millis = 5 * 60 * 1000;

const SUBSCRIPTION_SETTABLE: &[&str] = &[
    "DeliveryPolicy",
    "FilterPolicy",
    "FilterPolicyScope",
    "RawMessageDelivery",
    "RedrivePolicy",
    "SubscriptionRoleArn",
    "ReplayPolicy",
];

#[derive(Debug)]
struct Topic {
    arn: String,
    account: String,
    fifo: bool,
    attributes: BTreeMap<String, String>,
    tags: BTreeMap<String, String>,
    subscriptions: Vec<Arc<Subscription>>,
    /// Deduplication id -> (expiry, message id, sequence number).
    dedup: HashMap<String, (Millis, String, u128)>,
    /// The last sequence number issued (FIFO).
    next_sequence: u128,
    /// Set (under the lock) by DeleteTopic: a request that still holds the topic changes
    /// nothing durable (it would bring the topic back in the store).
    deleted: bool,
    /// The last publishes and their deliveries (`activity`; not durable).
    recent: activity::Recent,
}

#[derive(Debug, Clone)]
struct Subscription {
    arn: String,
    topic_arn: String,
    account: String,
    /// Who subscribed when it was not the account's root (an assumed role or an IAM user):
    /// the ARN GetCallerIdentity reports for them.
    principal: Option<String>,
    protocol: String,
    endpoint: String,
    attributes: BTreeMap<String, String>,
    filter: Option<FilterPolicy>,
    /// HTTP subscriptions wait for ConfirmSubscription with this token.
    pending: bool,
    token: Option<String>,
}

impl activity::Endpoint for Subscription {
    fn arn(&self) -> &str {
        &self.arn
    }
    fn protocol(&self) -> &str {
        &self.protocol
    }
    fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

/// The SNS engine.
pub struct SnsEngine {
    clock: Arc<dyn Clock>,
    sqs: Arc<SqsEngine>,
    http: HttpDelivery,
    topics: DashMap<String, Arc<Mutex<Topic>>>,
    /// Immutable snapshots: a change of attributes replaces the `Arc` here and in its topic.
    subscriptions: DashMap<String, Arc<Subscription>>,
    /// Set once by the Lambda engine; Lambda subscriptions fail (to their DLQ) until then.
    lambda: std::sync::RwLock<Option<Arc<dyn LambdaInvoker>>>,
    /// What was sent to SMS, email, platform endpoints and Firehose.
    outbox: Outbox,
    /// SMS attributes (SetSMSAttributes) by `account/region`.
    sms_attributes: DashMap<String, BTreeMap<String, String>>,
    /// Platform applications and their endpoints, by ARN.
    platform: platform::Platforms,
    /// SMS sandbox destination numbers, by account and region.
    sandbox: sandbox::Sandbox,
    /// `https` when the server also speaks TLS (`--tls`): the scheme of the URLs in messages.
    scheme: &'static str,
    /// Where durable changes go (`--data-dir`); unset in memory-only mode.
    journal: OnceLock<Journal>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn require<T>(v: Option<T>, name: &str) -> SnsResult<T> {
    v.ok_or_else(|| SnsError::invalid(format!("{name} Reason: no value for required parameter")))
}

fn bool_attr(name: &str, v: &str) -> SnsResult<()> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "false" => Ok(()),
        _ => Err(SnsError::invalid(format!(
            "{name}: Invalid value [{v}]. Must be true or false."
        ))),
    }
}

/// AWS's check of an ARN parameter's shape: at least six `:`-separated elements.
fn check_arn_shape(arn: &str, param: &str) -> SnsResult<()> {
    let n = arn.split(':').count();
    if n < 6 {
        return Err(SnsError::invalid(format!(
            "{param} Reason: An ARN must have at least 6 elements, not {n}"
        )));
    }
    Ok(())
}

/// A subscription ARN's shape: a topic ARN plus the subscription id (seven elements).
fn check_subscription_arn(arn: &str) -> SnsResult<()> {
    check_arn_shape(arn, "SubscriptionArn")?;
    if arn.split(':').count() < 7 {
        return Err(SnsError::invalid("SubscriptionId"));
    }
    Ok(())
}

/// ISO-8601 UTC with milliseconds, e.g. `2012-05-02T00:54:06.655Z`.
pub fn iso8601(ms: Millis) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        ms % 1000
    )
}

/// One published message on its way to one subscription.
struct Delivery<'a> {
    topic_arn: &'a str,
    message_id: &'a str,
    sequence: Option<u128>,
    out: &'a Outgoing,
    message: &'a str,
    now: Millis,
    /// `scheme://host` of this server (the base of URLs in messages).
    origin: &'a str,
    signature_version: SignatureVersion,
    /// Signatures already made in this publish, by message (see `signed_notification`).
    signatures: &'a RefCell<Vec<(String, String)>>,
}

/// A topic's settings that a publish reads.
struct PublishSettings {
    fifo: bool,
    content_dedup: bool,
    topic_arn: String,
    signature_version: SignatureVersion,
}

/// A publish after validation.
struct Outgoing {
    message: String,
    per_protocol: Option<Map<String, Value>>,
    subject: Option<String>,
    attributes: MessageAttributes,
    group: Option<String>,
    dedup: Option<String>,
    /// The publish request's `X-Amzn-Trace-Id` (SQS deliveries' `AWSTraceHeader`).
    trace_header: Option<String>,
}

impl SnsEngine {
    /// A new engine that delivers into `sqs`.
    /// A new engine that delivers into `sqs`; https deliveries also trust `extra_roots`.
    pub fn new(
        clock: Arc<dyn Clock>,
        sqs: Arc<SqsEngine>,
        extra_roots: crate::sns::http::ExtraRoots,
        https_urls: bool,
    ) -> Arc<Self> {
        Arc::new(SnsEngine {
            scheme: if https_urls { "https" } else { "http" },
            lambda: std::sync::RwLock::new(None),
            outbox: Outbox::default(),
            sms_attributes: DashMap::new(),
            platform: platform::Platforms::default(),
            sandbox: sandbox::Sandbox::default(),
            http: HttpDelivery::new(clock.clone(), extra_roots),
            clock,
            sqs,
            topics: DashMap::new(),
            subscriptions: DashMap::new(),
            journal: OnceLock::new(),
        })
    }

    /// `scheme://host` of this server as the request reached it: the base of the URLs in
    /// messages (SigningCertURL, SubscribeURL, UnsubscribeURL).
    fn origin(&self, ctx: &RequestContext) -> String {
        format!("{}://{}", self.scheme, ctx.host)
    }

    /// Attach what Lambda subscriptions invoke: the server wires its Lambda engine; a later call
    /// replaces it (tests substitute a double). Always true.
    pub fn set_lambda_invoker(&self, invoker: Arc<dyn LambdaInvoker>) -> bool {
        // Replaces the server's own Lambda engine (tests substitute a double).
        let mut slot = self.lambda.write().unwrap_or_else(|p| p.into_inner());
        slot.replace(invoker);
        true
    }

    /// What was sent to SMS, email, platform endpoints and Firehose (inspection endpoints).
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// The confirmation token of a subscription (`None` if unknown or it never had one).
    pub fn subscription_token(&self, subscription_arn: &str) -> Option<String> {
        self.subscriptions
            .get(subscription_arn)
            .and_then(|s| s.token.clone())
    }

    /// Drop every topic, subscription, platform application, SMS setting and sandbox number.
    pub fn reset(&self) {
        if let Some(j) = self.journal() {
            j.clear_service("sns");
        }
        self.outbox.clear_all();
        self.sms_attributes.clear();
        self.topics.clear();
        self.subscriptions.clear();
        self.platform.clear();
        self.sandbox.clear();
    }

    /// The journal, when state is durable.
    fn journal(&self) -> Option<&Journal> {
        self.journal.get()
    }

    /// Journal a topic's record (call with its lock held, after the change).
    fn journal_topic(&self, t: &Topic) {
        if let Some(j) = self.journal()
            && !t.deleted
        {
            j.put(state::TOPIC, &t.arn, &t.record());
        }
    }

    /// The topic's last publishes (at most [`activity::MAX_PUBLISHES`]), newest first, with
    /// what each subscription got; empty for an unknown topic.
    pub fn recent_publishes(&self, topic_arn: &str) -> Vec<PublishRecord> {
        let Some(topic) = self.topics.get(topic_arn).map(|t| t.clone()) else {
            return Vec::new();
        };
        let snapshot = lock(&topic).recent.snapshot();
        activity::records(&snapshot)
    }

    /// Whether a topic exists (S3 checks its notification destinations).
    pub fn topic_exists(&self, arn: &str) -> bool {
        self.topics.contains_key(arn)
    }

    fn topic(&self, arn: &str) -> SnsResult<Arc<Mutex<Topic>>> {
        self.topics
            .get(arn)
            .map(|t| t.clone())
            .ok_or_else(|| SnsError::not_found("Topic"))
    }

    /// The topic a request names: its ARN checked for shape, then for the request's region
    /// (AWS answers a topic of another region `Invalid parameter: TopicArn`).
    fn topic_in(&self, ctx: &RequestContext, arn: &str) -> SnsResult<Arc<Mutex<Topic>>> {
        Self::check_topic_arn(ctx, arn)?;
        self.topic(arn)
    }

    fn check_topic_arn(ctx: &RequestContext, arn: &str) -> SnsResult<()> {
        check_arn_shape(arn, "TopicArn")?;
        if ctx.region_given && arn.split(':').nth(3) != Some(ctx.region.as_str()) {
            return Err(SnsError::invalid("TopicArn"));
        }
        Ok(())
    }

    fn subscription(&self, arn: &str) -> SnsResult<Arc<Subscription>> {
        self.subscriptions
            .get(arn)
            .map(|s| s.clone())
            .ok_or_else(|| SnsError::not_found("Subscription"))
    }

    fn page<T>(
        items: Vec<T>,
        token: Option<String>,
        key: impl Fn(&T) -> &str,
    ) -> SnsResult<(Vec<T>, Option<String>)> {
        let after = match token.filter(|t| !t.is_empty()) {
            Some(t) => Some(
                URL_SAFE_NO_PAD
                    .decode(t.as_bytes())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| SnsError::invalid("NextToken"))?,
            ),
            None => None,
        };
        let mut rest: Vec<T> = items
            .into_iter()
            .filter(|i| after.as_deref().is_none_or(|a| key(i) > a))
            .collect();
        let more = rest.len() > PAGE;
        rest.truncate(PAGE);
        let next = more
            .then(|| {
                rest.last()
                    .map(|i| URL_SAFE_NO_PAD.encode(key(i).as_bytes()))
            })
            .flatten();
        Ok((rest, next))
    }

    fn validate_publish(
        &self,
        fifo: bool,
        content_dedup: bool,
        e: PublishEntry,
    ) -> SnsResult<Outgoing> {
        let message = e
            .message
            .filter(|m| !m.is_empty())
            .ok_or_else(|| SnsError::invalid("Empty message"))?;
        if let Some(s) = &e.subject
            && (s.is_empty() || s.chars().count() > 100 || s.chars().any(|c| c.is_control()))
        {
            return Err(SnsError::invalid("Subject"));
        }
        let attr_size = message_attributes::validate_message_attributes(&e.message_attributes)?;
        if message.len() + attr_size > MAX_MESSAGE_BYTES {
            return Err(SnsError::invalid("Message too long"));
        }
        let per_protocol = match e.message_structure.as_deref() {
            None => None,
            Some("json") => {
                let obj = match serde_json::from_str::<Value>(&message) {
                    Ok(Value::Object(o)) => o,
                    _ => {
                        return Err(SnsError::invalid(
                            "Message Structure - JSON message body failed to parse",
                        ));
                    }
                };
                if !obj.get("default").is_some_and(Value::is_string) {
                    return Err(SnsError::invalid(
                        "Message Structure - No default entry in JSON message body",
                    ));
                }
                Some(obj)
            }
            Some(other) => return Err(SnsError::invalid(format!("MessageStructure: {other}"))),
        };
        let (group, dedup) = if fifo {
            let group = e.message_group_id.ok_or_else(|| {
                SnsError::invalid("The MessageGroupId parameter is required for FIFO topics")
            })?;
            let dedup = match e.message_deduplication_id {
                Some(d) => d,
                None if content_dedup => crate::sqs::md5::hex(&Sha256::digest(message.as_bytes())),
                None => {
                    return Err(SnsError::invalid(
                        "The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
                    ));
                }
            };
            (Some(group), Some(dedup))
        } else {
            if e.message_deduplication_id.is_some() {
                return Err(SnsError::invalid(
                    "MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type",
                ));
            }
            (e.message_group_id, None)
        };
        Ok(Outgoing {
            message,
            per_protocol,
            subject: e.subject,
            attributes: e.message_attributes,
            group,
            dedup,
            trace_header: e.trace_header,
        })
    }

    /// What a publish needs of its topic: FIFO, content-based deduplication, ARN, signature.
    fn publish_settings(topic: &Arc<Mutex<Topic>>) -> PublishSettings {
        let t = lock(topic);
        PublishSettings {
            fifo: t.fifo,
            content_dedup: t
                .attributes
                .get("ContentBasedDeduplication")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            topic_arn: t.arn.clone(),
            signature_version: SignatureVersion::from_attribute(
                t.attributes.get("SignatureVersion").map(String::as_str),
            ),
        }
    }

    /// Publish one validated message: topic deduplication, then delivery to each subscription.
    fn publish_one(
        &self,
        topic: &Arc<Mutex<Topic>>,
        settings: &PublishSettings,
        out: Outgoing,
        origin: &str,
    ) -> PublishOutput {
        let fifo = settings.fifo;
        let topic_arn = &settings.topic_arn;
        let signature_version = settings.signature_version;
        let now = self.clock.now_millis();
        let (message_id, sequence, subs) = {
            let mut t = lock(topic);
            // Only FIFO topics have durable publish state (standard topics journal nothing).
            let journal = self.journal().filter(|_| fifo && !t.deleted);
            match journal {
                None => t.dedup.retain(|_, (exp, _, _)| *exp > now),
                Some(j) => {
                    let arn = t.arn.clone();
                    t.dedup.retain(|d, (exp, _, _)| {
                        let keep = *exp > now;
                        if !keep {
                            j.delete(state::TOPIC_DEDUP, &state::dedup_key(&arn, d));
                        }
                        keep
                    });
                }
            }
            if let Some(d) = &out.dedup
                && let Some((_, id, seq)) = t.dedup.get(d)
            {
                return PublishOutput {
                    message_id: id.clone(),
                    sequence_number: Some(format!("{seq:020}")),
                };
            }
            let id = uuid::Uuid::new_v4().hyphenated().to_string();
            let seq = fifo.then(|| {
                t.next_sequence += 1;
                t.next_sequence
            });
            if let (Some(d), Some(s)) = (&out.dedup, seq) {
                t.dedup
                    .insert(d.clone(), (now + DEDUP_WINDOW_MS, id.clone(), s));
                if let Some(j) = journal {
                    let entry = state::DedupRecord {
                        topic_arn: t.arn.clone(),
                        dedup_id: d.clone(),
                        expires_ms: now + DEDUP_WINDOW_MS,
                        message_id: id.clone(),
                        sequence: s,
                    };
                    j.put(state::TOPIC_DEDUP, &state::dedup_key(&t.arn, d), &entry);
                }
            }
            if let (Some(j), Some(_)) = (journal, seq) {
                j.put(state::TOPIC_SEQUENCE, &t.arn, &t.sequence_record());
            }
            (id, seq, t.subscriptions.clone())
        };
        let signatures = RefCell::new(Vec::new());
        // Each distinct message is parsed once for all MessageBody-scoped filters.
        let mut bodies: Vec<(&str, filter::Body)> = Vec::new();
        let mut deliveries = Vec::with_capacity(subs.len());
        for sub in subs {
            let outcome = if sub.pending {
                Stored::Decided(activity::Outcome::Unconfirmed)
            } else {
                let message = Self::message_for(&out, &sub.protocol);
                if let Some(f) = &sub.filter
                    && !Self::passes(f, &out, message, &mut bodies)
                {
                    Stored::Decided(activity::Outcome::FilteredOut)
                } else {
                    let d = Delivery {
                        topic_arn,
                        message_id: &message_id,
                        sequence,
                        out: &out,
                        message,
                        now,
                        origin,
                        signature_version,
                        signatures: &signatures,
                    };
                    self.deliver(&d, &sub)
                }
            };
            deliveries.push(StoredDelivery {
                target: sub,
                outcome,
            });
        }
        // The message and attributes are not needed any more: the record takes them.
        let record = StoredPublish::new(
            message_id.clone(),
            now,
            out.subject,
            out.message,
            out.attributes,
            deliveries,
        );
        {
            let mut t = lock(topic);
            if !t.deleted {
                t.recent.push(record);
            }
        }
        PublishOutput {
            message_id,
            sequence_number: sequence.map(|s| format!("{s:020}")),
        }
    }

    /// The message a subscription of `protocol` gets (MessageStructure=json picks its key).
    fn message_for<'a>(out: &'a Outgoing, protocol: &str) -> &'a str {
        out.per_protocol
            .as_ref()
            .and_then(|o| o.get(protocol).or_else(|| o.get("default")))
            .and_then(Value::as_str)
            .unwrap_or(&out.message)
    }

    fn passes<'m>(
        f: &FilterPolicy,
        out: &Outgoing,
        message: &'m str,
        bodies: &mut Vec<(&'m str, filter::Body)>,
    ) -> bool {
        match f.scope() {
            Scope::MessageAttributes => f.matches(&|path: &[String]| {
                let a = out.attributes.get(path.first()?)?;
                let s = a.string_value.as_ref()?;
                Some(match a.data_type.as_str() {
                    "String.Array" => serde_json::from_str::<Value>(s)
                        .map(|v| filter::candidates_of_json(&v))
                        .unwrap_or_default(),
                    t if t.starts_with("Number") => s
                        .trim()
                        .parse::<f64>()
                        .map(Candidate::Num)
                        .into_iter()
                        .collect(),
                    _ => vec![Candidate::Str(s.clone())],
                })
            }),
            Scope::MessageBody => {
                let i = match bodies.iter().position(|(m, _)| *m == message) {
                    Some(i) => i,
                    None => {
                        bodies.push((message, filter::Body::parse(message)));
                        bodies.len() - 1
                    }
                };
                f.matches_parsed(&bodies[i].1)
            }
        }
    }

    pub fn publish(&self, ctx: &RequestContext, input: PublishInput) -> SnsResult<PublishOutput> {
        let targets = [&input.topic_arn, &input.target_arn, &input.phone_number]
            .iter()
            .filter(|t| t.is_some())
            .count();
        if targets > 1 {
            return Err(SnsError::invalid(
                "Only one of TopicArn, TargetArn or PhoneNumber may be given",
            ));
        }
        message_attributes::check_data_types(&input.message_attributes, "messageAttributes")?;
        if let Some(phone) = input.phone_number.clone() {
            return self.publish_direct(ctx, Kind::Sms, phone, input);
        }
        if let Some(target) = input.target_arn.clone()
            && parse_arn(&target)
                .is_some_and(|a| a.service == "sns" && a.resource.starts_with("endpoint/"))
        {
            self.check_endpoint_publishable(&target)?;
            return self.publish_direct(ctx, Kind::Platform, target, input);
        }
        let arn = input
            .topic_arn
            .clone()
            .or(input.target_arn.clone())
            .ok_or_else(|| {
                SnsError::invalid("TopicArn or TargetArn Reason: no value for required parameter")
            })?;
        let topic = self.topic_in(ctx, &arn)?;
        let settings = Self::publish_settings(&topic);
        let out =
            self.validate_publish(settings.fifo, settings.content_dedup, input.into_entry())?;
        Ok(self.publish_one(&topic, &settings, out, &self.origin(ctx)))
    }

    pub fn publish_batch(
        &self,
        ctx: &RequestContext,
        input: PublishBatchInput,
    ) -> SnsResult<PublishBatchOutput> {
        for (i, e) in input.entries.iter().enumerate() {
            message_attributes::check_data_types(
                &e.message_attributes,
                &format!(
                    "publishBatchRequestEntries.{}.member.messageAttributes",
                    i + 1
                ),
            )?;
        }
        let arn = require(input.topic_arn, "TopicArn")?;
        let topic = self.topic_in(ctx, &arn)?;
        let entries = input.entries;
        if entries.is_empty() {
            return Err(SnsError::new(
                SnsErrorCode::EmptyBatchRequest,
                "The batch request doesn't contain any entries",
            ));
        }
        if entries.len() > 10 {
            return Err(SnsError::new(
                SnsErrorCode::TooManyEntriesInBatchRequest,
                "The batch request contains more entries than permissible.",
            ));
        }
        let mut ids = Vec::new();
        for e in &entries {
            let id = e.id.as_deref().unwrap_or("");
            let valid = !id.is_empty()
                && id.len() <= 80
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid {
                return Err(SnsError::new(
                    SnsErrorCode::InvalidBatchEntryId,
                    "The Id of a batch entry in a batch request doesn't abide by the specification.",
                ));
            }
            if ids.contains(&id) {
                return Err(SnsError::new(
                    SnsErrorCode::BatchEntryIdsNotDistinct,
                    "Two or more batch entries in the request have the same Id.",
                ));
            }
            ids.push(id);
        }
        // Messages and their attributes count (LocalStack's recorded
        // test_publish_batch_too_long_message, with and without attributes).
        let total: usize = entries
            .iter()
            .map(|e| {
                e.message.as_ref().map_or(0, String::len)
                    + message_attributes::attributes_size(&e.message_attributes)
            })
            .sum();
        if total > MAX_MESSAGE_BYTES {
            return Err(SnsError::new(
                SnsErrorCode::BatchRequestTooLong,
                "The length of all the messages put together is more than the limit.",
            ));
        }
        // An entry AWS refuses (FIFO group or deduplication id missing, MessageStructure,
        // message attributes) fails the whole request, before anything is published; an
        // empty message fails only its entry.
        let settings = Self::publish_settings(&topic);
        let mut out = PublishBatchOutput::default();
        let mut validated = Vec::with_capacity(entries.len());
        for e in entries {
            let id = e.id.clone().unwrap_or_default();
            if e.message.as_deref().is_none_or(str::is_empty) {
                out.failed.push((id, SnsError::invalid("Empty message")));
                continue;
            }
            let message = self.validate_publish(settings.fifo, settings.content_dedup, e)?;
            validated.push((id, message));
        }
        let origin = self.origin(ctx);
        for (id, message) in validated {
            let p = self.publish_one(&topic, &settings, message, &origin);
            out.successful.push((id, p));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_iso8601_with_milliseconds() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_335_920_046_655), "2012-05-02T00:54:06.655Z");
        assert_eq!(iso8601(1_709_210_096_001), "2024-02-29T12:34:56.001Z");
    }
}
