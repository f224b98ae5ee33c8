//! Topics: CreateTopic (name, attributes, the answer to a repeated create), DeleteTopic,
//! ListTopics and the topic attributes as AWS answers them.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use dashmap::mapref::entry::Entry;
use serde_json::{Value, json};

use super::delivery_policy::delivery_policies;
use super::{SnsEngine, Topic, bool_attr, lock, require};
use crate::arn;
use crate::context::RequestContext;
use crate::sns::error::{SnsError, SnsErrorCode, SnsResult};
use crate::sns::model::*;
use crate::sns::{signing, state};

pub(super) const TOPIC_SETTABLE: &[&str] = &[
    "DeliveryPolicy",
    "DisplayName",
    "Policy",
    "TracingConfig",
    "KmsMasterKeyId",
    "SignatureVersion",
    "ContentBasedDeduplication",
    "ArchivePolicy",
    "FifoThroughputScope",
    "ApplicationSuccessFeedbackRoleArn",
    "ApplicationSuccessFeedbackSampleRate",
    "ApplicationFailureFeedbackRoleArn",
    "FirehoseSuccessFeedbackRoleArn",
    "FirehoseSuccessFeedbackSampleRate",
    "FirehoseFailureFeedbackRoleArn",
    "HTTPSuccessFeedbackRoleArn",
    "HTTPSuccessFeedbackSampleRate",
    "HTTPFailureFeedbackRoleArn",
    "LambdaSuccessFeedbackRoleArn",
    "LambdaSuccessFeedbackSampleRate",
    "LambdaFailureFeedbackRoleArn",
    "SQSSuccessFeedbackRoleArn",
    "SQSSuccessFeedbackSampleRate",
    "SQSFailureFeedbackRoleArn",
];

/// A topic DeliveryPolicy's retry count: at most 100 (AWS's answer otherwise:
/// `DeliveryPolicy: http.defaultHealthyRetryPolicy.numRetries must be less than or equal to
/// 100`).
fn check_retries(policy: &serde_json::Map<String, Value>) -> SnsResult<()> {
    let retries = policy
        .get("http")
        .and_then(|h| h.get("defaultHealthyRetryPolicy"))
        .and_then(|r| r.get("numRetries"))
        .and_then(Value::as_i64);
    if retries.is_some_and(|n| n > 100) {
        return Err(SnsError::invalid(
            "DeliveryPolicy: http.defaultHealthyRetryPolicy.numRetries must be less than or equal to 100",
        ));
    }
    Ok(())
}

/// A delivery-status sample rate: an integer from 0 to 100 (AWS's answer otherwise, e.g.
/// `SQSSuccessFeedbackSampleRate: 500 value provided is not an integer between 0-100`).
pub(super) fn sample_rate(name: &str, value: &str) -> SnsResult<()> {
    match value.parse::<u8>() {
        Ok(n) if n <= 100 => Ok(()),
        _ => Err(SnsError::invalid(
            format!("{name}: {value} value provided is not an integer between 0-100")
                .replace("  ", " "),
        )),
    }
}

/// The access policy a new topic gets.
pub(super) fn default_policy(arn: &str, account: &str) -> Value {
    json!({
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [{
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                       "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                       "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
            "Resource": arn,
            "Condition": {"StringEquals": {"AWS:SourceOwner": account}},
        }],
    })
}

pub(super) fn valid_topic_name(name: &str, fifo: bool) -> bool {
    let base = if fifo {
        match name.strip_suffix(".fifo") {
            Some(b) => b,
            None => return false,
        }
    } else {
        name
    };
    !base.is_empty()
        && name.len() <= 256
        && base
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl SnsEngine {
    fn check_topic_attribute(name: &str, value: &str, fifo: bool, creating: bool) -> SnsResult<()> {
        match name {
            "FifoTopic" if creating => bool_attr(name, value),
            "ContentBasedDeduplication" => {
                bool_attr(name, value)?;
                if !fifo && value.eq_ignore_ascii_case("true") {
                    return Err(SnsError::invalid(
                        "ContentBasedDeduplication Reason: Content-based deduplication can only be set for FIFO topics",
                    ));
                }
                Ok(())
            }
            "Policy" | "DeliveryPolicy" | "ArchivePolicy" if !value.is_empty() => {
                match serde_json::from_str::<Value>(value) {
                    Ok(Value::Object(o)) if name == "DeliveryPolicy" => check_retries(&o),
                    Ok(Value::Object(_)) => Ok(()),
                    _ => Err(SnsError::invalid(format!("{name}: failed to parse JSON"))),
                }
            }
            "SignatureVersion" => match value {
                "1" | "2" => Ok(()),
                _ => Err(SnsError::invalid("SignatureVersion")),
            },
            n if n.ends_with("SuccessFeedbackSampleRate") && TOPIC_SETTABLE.contains(&n) => {
                sample_rate(n, value)
            }
            "TracingConfig" => match value {
                "Active" | "PassThrough" => Ok(()),
                _ => Err(SnsError::invalid("TracingConfig")),
            },
            n if TOPIC_SETTABLE.contains(&n) => Ok(()),
            _ => Err(SnsError::invalid("AttributeName")),
        }
    }

    pub fn create_topic(
        &self,
        ctx: &RequestContext,
        input: CreateTopicInput,
    ) -> SnsResult<CreateTopicOutput> {
        // The first topic starts making the signing key, so that it is ready by the first
        // publish without costing a server that never uses SNS any memory.
        signing::warm_up();
        let name = require(input.name, "Name")?;
        let fifo = input
            .attributes
            .get("FifoTopic")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        // Every name AWS refuses, FIFO or not (a FIFO topic without `.fifo` included), is
        // `Invalid parameter: Topic Name` (LocalStack's recorded
        // test_create_topic_name_constraints; CloudFormation and the SNS docs' report of a FIFO
        // topic created without the suffix).
        if !valid_topic_name(&name, fifo) {
            return Err(SnsError::invalid("Topic Name"));
        }
        for (k, v) in &input.attributes {
            Self::check_topic_attribute(k, v, fifo, true).map_err(SnsError::in_attributes)?;
        }
        let tags: BTreeMap<String, String> =
            input.tags.into_iter().map(|t| (t.key, t.value)).collect();
        if tags.len() > 50 {
            return Err(SnsError::new(
                SnsErrorCode::TagLimitExceeded,
                "Could not complete request: tag quota of per resource exceeded",
            ));
        }
        let arn = arn::arn("sns", &ctx.region, &ctx.account, &name);
        if let Some(existing) = self.topics.get(&arn).map(|t| t.clone()) {
            let t = lock(&existing);
            let differs = input.attributes.iter().any(|(k, v)| {
                if k == "FifoTopic" {
                    v.eq_ignore_ascii_case("true") != t.fifo
                } else {
                    t.attributes.get(k) != Some(v)
                }
            });
            if differs {
                return Err(SnsError::invalid(
                    "Attributes Reason: Topic already exists with different attributes",
                ));
            }
            // Tags the topic already has (all, some or none of them) are the same topic; a tag it
            // lacks, or has with another value, is refused (LocalStack's recorded
            // test_create_duplicate_topic_check_idempotency and _with_more_tags).
            if tags.iter().any(|(k, v)| t.tags.get(k) != Some(v)) {
                return Err(SnsError::invalid(
                    "Tags Reason: Topic already exists with different tags",
                ));
            }
            return Ok(CreateTopicOutput { topic_arn: arn });
        }
        let mut attributes = input.attributes;
        attributes.remove("FifoTopic");
        let topic = Topic {
            arn: arn.clone(),
            account: ctx.account.clone(),
            fifo,
            attributes,
            tags,
            subscriptions: Vec::new(),
            dedup: HashMap::new(),
            next_sequence: u128::from(self.clock.now_millis()) * 1_000_000,
            deleted: false,
            recent: Default::default(),
        };
        // Journaled under the map's entry lock, so that a concurrent DeleteTopic of the same
        // name reaches the journal in the same order as the map.
        if let Entry::Vacant(slot) = self.topics.entry(arn.clone()) {
            if let Some(j) = self.journal() {
                j.put(state::TOPIC, &arn, &topic.record());
                if fifo {
                    j.put(state::TOPIC_SEQUENCE, &arn, &topic.sequence_record());
                }
            }
            slot.insert(Arc::new(Mutex::new(topic)));
        }
        Ok(CreateTopicOutput { topic_arn: arn })
    }

    pub fn delete_topic(&self, ctx: &RequestContext, input: TopicArnInput) -> SnsResult<()> {
        let arn = require(input.topic_arn, "TopicArn")?;
        Self::check_topic_arn(ctx, &arn)?;
        // The topic is marked deleted and its records deleted under the map's entry lock and
        // the topic's lock, so that no change made through a stale handle, nor a new topic of
        // the same name, reaches the journal out of order.
        self.topics.remove_if(&arn, |_, topic| {
            let mut t = lock(topic);
            t.deleted = true;
            let subs = std::mem::take(&mut t.subscriptions);
            for s in &subs {
                self.subscriptions.remove(&s.arn);
            }
            if let Some(j) = self.journal() {
                for s in &subs {
                    j.delete(state::SUBSCRIPTION, &s.arn);
                }
                for d in t.dedup.keys() {
                    j.delete(state::TOPIC_DEDUP, &state::dedup_key(&t.arn, d));
                }
                if t.fifo {
                    j.delete(state::TOPIC_SEQUENCE, &t.arn);
                }
                j.delete(state::TOPIC, &t.arn);
            }
            true
        });
        Ok(())
    }

    pub fn list_topics(
        &self,
        ctx: &RequestContext,
        input: NextTokenInput,
    ) -> SnsResult<ListTopicsOutput> {
        let prefix = format!("arn:aws:sns:{}:{}:", ctx.region, ctx.account);
        let mut arns: Vec<String> = self
            .topics
            .iter()
            .filter(|t| t.key().starts_with(&prefix))
            .map(|t| t.key().clone())
            .collect();
        arns.sort();
        let (topics, next_token) = Self::page(arns, input.next_token, |a| a.as_str())?;
        Ok(ListTopicsOutput { topics, next_token })
    }

    pub fn get_topic_attributes(
        &self,
        ctx: &RequestContext,
        input: TopicArnInput,
    ) -> SnsResult<AttributesOutput> {
        let arn = require(input.topic_arn, "TopicArn")?;
        let topic = self.topic_in(ctx, &arn)?;
        let t = lock(&topic);
        let pending = t.subscriptions.iter().filter(|s| s.pending).count();
        let confirmed = t.subscriptions.len() - pending;
        let mut attrs = BTreeMap::new();
        attrs.insert("TopicArn".to_string(), t.arn.clone());
        attrs.insert("Owner".to_string(), t.account.clone());
        attrs.insert("DisplayName".to_string(), String::new());
        attrs.insert(
            "Policy".to_string(),
            default_policy(&t.arn, &t.account).to_string(),
        );
        attrs.insert("SubscriptionsConfirmed".to_string(), confirmed.to_string());
        attrs.insert("SubscriptionsPending".to_string(), pending.to_string());
        attrs.insert("SubscriptionsDeleted".to_string(), "0".to_string());
        let (delivery, effective) = delivery_policies(t.attributes.get("DeliveryPolicy"));
        attrs.insert("EffectiveDeliveryPolicy".to_string(), effective);
        if t.fifo {
            attrs.insert("FifoTopic".to_string(), "true".to_string());
            attrs.insert("ContentBasedDeduplication".to_string(), "false".to_string());
        }
        // FifoTopic is answered from the topic's kind (a standard topic created with
        // `FifoTopic=false` has none: LocalStack's recorded
        // test_topic_get_attributes_with_fifo_false).
        for (k, v) in t
            .attributes
            .iter()
            .filter(|(k, _)| *k != "DataProtectionPolicy" && *k != "FifoTopic")
        {
            attrs.insert(k.clone(), v.clone());
        }
        match delivery {
            Some(d) => attrs.insert("DeliveryPolicy".to_string(), d),
            None => attrs.remove("DeliveryPolicy"),
        };
        Ok(AttributesOutput { attributes: attrs })
    }

    pub fn set_topic_attributes(
        &self,
        ctx: &RequestContext,
        input: SetAttributeInput,
    ) -> SnsResult<()> {
        let arn = require(input.topic_arn, "TopicArn")?;
        let name = require(input.attribute_name, "AttributeName")?;
        let value = input.attribute_value.unwrap_or_default();
        let topic = self.topic_in(ctx, &arn)?;
        let mut t = lock(&topic);
        Self::check_topic_attribute(&name, &value, t.fifo, false)?;
        // An empty policy removes it (LocalStack's recorded test_topic_delivery_policy_crud).
        if value.is_empty() && name == "DeliveryPolicy" {
            t.attributes.remove(&name);
        } else {
            t.attributes.insert(name, value);
        }
        self.journal_topic(&t);
        Ok(())
    }
}
