//! Subscriptions: Subscribe (pending or confirmed), ConfirmSubscription (also the
//! SubscribeURL GET), Unsubscribe, listing, and subscription attributes.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::{
    SUBSCRIPTION_SETTABLE, SnsEngine, Subscription, bool_attr, check_subscription_arn, lock,
    require,
};
use crate::arn::parse_arn;
use crate::context::RequestContext;
use crate::sns::error::{SnsError, SnsErrorCode, SnsResult};
use crate::sns::filter::{FilterPolicy, Scope};
use crate::sns::lambda;
use crate::sns::model::*;
use crate::sns::records;
use crate::sns::state;

/// AWS answers `RawMessageDelivery` as `true`/`false` whatever case it was set in.
fn normalized_value(name: &str, value: String) -> String {
    if name == "RawMessageDelivery" {
        value.to_ascii_lowercase()
    } else {
        value
    }
}

fn normalize_subscription_attributes(attrs: &mut BTreeMap<String, String>) {
    if let Some(v) = attrs.get_mut("RawMessageDelivery") {
        v.make_ascii_lowercase();
    }
}

impl SnsEngine {
    fn check_subscription_attribute(name: &str, value: &str, fifo_topic: bool) -> SnsResult<()> {
        match name {
            "RawMessageDelivery" => bool_attr(name, value),
            "FilterPolicyScope" => match value {
                "MessageAttributes" | "MessageBody" => Ok(()),
                _ => Err(SnsError::invalid(format!(
                    "FilterPolicyScope: Invalid value [{value}]. Please use either MessageBody or MessageAttributes"
                ))),
            },
            "RedrivePolicy" if !value.is_empty() => {
                let target = match serde_json::from_str::<Value>(value) {
                    Ok(Value::Object(o)) => o
                        .get("deadLetterTargetArn")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    _ => {
                        return Err(SnsError::invalid("RedrivePolicy: failed to parse JSON."));
                    }
                };
                let Some(parsed) = parse_arn(&target).filter(|a| a.service == "sqs") else {
                    return Err(SnsError::invalid(
                        "RedrivePolicy: deadLetterTargetArn is an invalid arn",
                    ));
                };
                if fifo_topic && !parsed.resource.ends_with(".fifo") {
                    return Err(SnsError::invalid(
                        "RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.",
                    ));
                }
                Ok(())
            }
            "DeliveryPolicy" if !value.is_empty() => match serde_json::from_str::<Value>(value) {
                Ok(Value::Object(_)) => Ok(()),
                _ => Err(SnsError::invalid(format!("{name}: failed to parse JSON."))),
            },
            n if SUBSCRIPTION_SETTABLE.contains(&n) => Ok(()),
            _ => Err(SnsError::invalid("AttributeName")),
        }
    }

    pub(super) fn compile_filter(
        attrs: &BTreeMap<String, String>,
    ) -> SnsResult<Option<FilterPolicy>> {
        let scope = match attrs.get("FilterPolicyScope").map(String::as_str) {
            Some("MessageBody") => Scope::MessageBody,
            _ => Scope::MessageAttributes,
        };
        match attrs.get("FilterPolicy").filter(|p| !p.is_empty()) {
            Some(p) => FilterPolicy::parse(p, scope).map(Some),
            None => Ok(None),
        }
    }

    pub fn subscribe(
        &self,
        ctx: &RequestContext,
        mut input: SubscribeInput,
    ) -> SnsResult<SubscribeOutput> {
        let topic_arn = require(input.topic_arn, "TopicArn")?;
        let protocol = require(input.protocol, "Protocol")?.to_ascii_lowercase();
        let endpoint = input.endpoint.unwrap_or_default();
        let topic = self.topic_in(ctx, &topic_arn)?;
        match protocol.as_str() {
            "sqs" => {
                let ok = parse_arn(&endpoint).is_some_and(|a| a.service == "sqs");
                if !ok {
                    return Err(SnsError::invalid("SQS endpoint ARN"));
                }
            }
            "http" => {
                if !endpoint.starts_with("http://") {
                    return Err(SnsError::invalid(
                        "Endpoint Reason: http endpoints must start with http://",
                    ));
                }
            }
            "lambda" => {
                if !lambda::valid_function_arn(&endpoint) {
                    return Err(SnsError::invalid("Lambda endpoint ARN"));
                }
            }
            "https" => {
                if !endpoint.starts_with("https://") {
                    return Err(SnsError::invalid(
                        "Endpoint Reason: https endpoints must start with https://",
                    ));
                }
            }
            "email" | "email-json" => {
                if !records::valid_email(&endpoint) {
                    return Err(SnsError::invalid("Email address"));
                }
            }
            "sms" => {
                if !records::valid_phone_number(&endpoint, false) {
                    return Err(SnsError::new(
                        SnsErrorCode::InvalidParameter,
                        format!("Invalid SMS endpoint: {endpoint}"),
                    ));
                }
            }
            "application" => {
                let ok = parse_arn(&endpoint)
                    .is_some_and(|a| a.service == "sns" && a.resource.starts_with("endpoint/"));
                if !ok {
                    return Err(SnsError::invalid(
                        "Endpoint Reason: not a platform endpoint ARN",
                    ));
                }
                self.check_endpoint_exists(&endpoint)?;
            }
            "firehose" => {
                let ok = parse_arn(&endpoint).is_some_and(|a| {
                    a.service == "firehose" && a.resource.starts_with("deliverystream/")
                });
                if !ok {
                    return Err(SnsError::invalid(
                        "Endpoint Reason: not a Firehose delivery stream ARN",
                    ));
                }
                if input
                    .attributes
                    .get("SubscriptionRoleArn")
                    .is_none_or(|r| parse_arn(r).is_none_or(|a| a.service != "iam"))
                {
                    return Err(SnsError::invalid(
                        "SubscriptionRoleArn Reason: a Firehose subscription needs the ARN of an IAM role",
                    ));
                }
            }
            _ => {
                return Err(SnsError::invalid(format!(
                    "Amazon SNS does not support this protocol string: {protocol}"
                )));
            }
        }
        let fifo_topic = lock(&topic).fifo;
        // FIFO topics deliver to SQS queues only; AWS names the refused protocol.
        if fifo_topic && protocol != "sqs" {
            return Err(SnsError::invalid(format!(
                "Invalid protocol type: {protocol}"
            )));
        }
        // FIFO topics deliver to FIFO and, best-effort ordered, to standard SQS queues; standard
        // topics do not deliver to FIFO queues.
        if !fifo_topic && protocol == "sqs" && endpoint.ends_with(".fifo") {
            return Err(SnsError::invalid(
                "Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics",
            ));
        }
        for (k, v) in &input.attributes {
            // AWS's recorded Subscribe answers prefix the RawMessageDelivery and FilterPolicy
            // reasons; the RedrivePolicy one is recorded without the prefix.
            Self::check_subscription_attribute(k, v, fifo_topic).map_err(|e| {
                if k == "RawMessageDelivery" {
                    e.in_attributes()
                } else {
                    e
                }
            })?;
        }
        normalize_subscription_attributes(&mut input.attributes);
        let filter = Self::compile_filter(&input.attributes).map_err(SnsError::in_attributes)?;
        let mut t = lock(&topic);
        if t.deleted {
            return Err(SnsError::not_found("Topic"));
        }
        for s in &t.subscriptions {
            {
                if s.protocol == protocol && s.endpoint == endpoint {
                    if !input.attributes.is_empty()
                        && input
                            .attributes
                            .iter()
                            .any(|(k, v)| s.attributes.get(k) != Some(v))
                    {
                        return Err(SnsError::invalid(
                            "Attributes Reason: Subscription already exists with different attributes",
                        ));
                    }
                    return Ok(SubscribeOutput {
                        subscription_arn: s.arn.clone(),
                    });
                }
            }
        }
        let arn = format!("{topic_arn}:{}", uuid::Uuid::new_v4().hyphenated());
        let sub = Subscription {
            arn: arn.clone(),
            topic_arn: topic_arn.clone(),
            account: ctx.account.clone(),
            principal: ctx.principal.as_ref().map(|p| p.arn.clone()),
            protocol,
            endpoint,
            attributes: input.attributes,
            filter,
            pending: false,
            token: None,
        };
        let mut sub = sub;
        if matches!(
            sub.protocol.as_str(),
            "http" | "https" | "email" | "email-json"
        ) {
            let token = format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            );
            sub.pending = true;
            sub.token = Some(token);
        }
        let sub = Arc::new(sub);
        self.subscriptions.insert(arn.clone(), sub.clone());
        let pending = sub.pending;
        t.subscriptions.push(sub.clone());
        self.journal_subscription(&sub);
        // The retry policy reads the topic's attributes: release its lock first.
        drop(t);
        if let Some(token) = &sub.token {
            if sub.protocol.starts_with("http") {
                self.send_confirmation(&sub, token, &self.origin(ctx));
            } else {
                self.record_confirmation_email(&sub, token, &self.origin(ctx));
            }
        }
        let subscription_arn = if pending && !input.return_subscription_arn {
            "pending confirmation".to_string()
        } else {
            arn
        };
        Ok(SubscribeOutput { subscription_arn })
    }

    pub fn confirm_subscription(
        &self,
        ctx: &RequestContext,
        input: ConfirmSubscriptionInput,
    ) -> SnsResult<SubscribeOutput> {
        let topic_arn = require(input.topic_arn, "TopicArn")?;
        let token = require(input.token, "Token")?;
        // AWS's answers: a token not shaped like one (hex digits) is `Invalid token`; a topic
        // ARN that is not one of this region `Invalid parameter: Topic`; a token this topic
        // (or a topic that does not exist) never sent `Invalid parameter: Token`.
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(SnsError::new(
                SnsErrorCode::InvalidParameter,
                "Invalid token",
            ));
        }
        Self::check_topic_arn(ctx, &topic_arn).map_err(|_| SnsError::invalid("Topic"))?;
        let topic = self
            .topic(&topic_arn)
            .map_err(|_| SnsError::invalid("Token"))?;
        // Found and confirmed under the topic's lock: the change reaches the journal in order
        // with the subscription's other changes (and not at all if it was just removed).
        let mut t = lock(&topic);
        let slot = t
            .subscriptions
            .iter_mut()
            .find(|s| s.token.as_deref() == Some(token.as_str()))
            .ok_or_else(|| SnsError::invalid("Token"))?;
        let subscription_arn = slot.arn.clone();
        if slot.pending {
            let mut confirmed = (**slot).clone();
            confirmed.pending = false;
            let confirmed = Arc::new(confirmed);
            *slot = confirmed.clone();
            self.subscriptions
                .insert(subscription_arn.clone(), confirmed.clone());
            self.journal_subscription(&confirmed);
        }
        drop(t);
        Ok(SubscribeOutput { subscription_arn })
    }

    /// Journal a subscription's record (call with its topic's lock held, after the change).
    fn journal_subscription(&self, s: &Subscription) {
        if let Some(j) = self.journal() {
            j.put(state::SUBSCRIPTION, &s.arn, &s.record());
        }
    }

    /// Change a subscription under its topic's lock: `change` makes the new snapshot from the
    /// current one; it replaces the current one in the registry and the topic, and is
    /// journaled. A subscription removed meanwhile is NotFound.
    fn update_subscription(
        &self,
        arn: &str,
        change: impl FnOnce(&Subscription) -> SnsResult<Subscription>,
    ) -> SnsResult<()> {
        let topic_arn = self.subscription(arn)?.topic_arn.clone();
        let topic = self
            .topic(&topic_arn)
            .map_err(|_| SnsError::not_found("Subscription"))?;
        let mut t = lock(&topic);
        if t.deleted {
            return Err(SnsError::not_found("Subscription"));
        }
        let slot = t
            .subscriptions
            .iter_mut()
            .find(|s| s.arn == arn)
            .ok_or_else(|| SnsError::not_found("Subscription"))?;
        let updated = Arc::new(change(slot)?);
        *slot = updated.clone();
        self.subscriptions.insert(arn.to_string(), updated.clone());
        self.journal_subscription(&updated);
        Ok(())
    }

    pub fn unsubscribe(&self, ctx: &RequestContext, input: SubscriptionArnInput) -> SnsResult<()> {
        let arn = require(input.subscription_arn, "SubscriptionArn")?;
        check_subscription_arn(&arn)?;
        // Unsubscribing what is not (or no longer) there succeeds, as on AWS.
        let Some(sub) = self.subscriptions.get(&arn).map(|s| s.clone()) else {
            return Ok(());
        };
        // Removed (and journaled) under the topic's lock, in order with its other changes.
        let removed = match self.topic(&sub.topic_arn) {
            Ok(topic) => {
                let mut t = lock(&topic);
                t.subscriptions.retain(|s| s.arn != arn);
                let removed = self.subscriptions.remove(&arn).is_some();
                if removed && let Some(j) = self.journal() {
                    j.delete(state::SUBSCRIPTION, &arn);
                }
                removed
            }
            Err(_) => self.subscriptions.remove(&arn).is_some(),
        };
        if !removed {
            return Ok(());
        }
        if sub.protocol.starts_with("http") && !sub.pending {
            self.send_unsubscribe_confirmation(&sub, &self.origin(ctx));
        }
        Ok(())
    }

    /// Subscriptions in ARN order, each with its real ARN (pending ones are listed as
    /// `PendingConfirmation`, which cannot place a page: the NextToken names the real ARN of
    /// the page's last subscription, so pages of pending subscriptions follow one another as
    /// on AWS, test_subscription_paging: 100 then the rest).
    fn summaries(
        subs: impl Iterator<Item = Arc<Subscription>>,
    ) -> Vec<(String, SubscriptionSummary)> {
        let mut out: Vec<(String, SubscriptionSummary)> = subs
            .map(|s| {
                let summary = SubscriptionSummary {
                    subscription_arn: if s.pending {
                        "PendingConfirmation".to_string()
                    } else {
                        s.arn.clone()
                    },
                    owner: s.account.clone(),
                    protocol: s.protocol.clone(),
                    endpoint: s.endpoint.clone(),
                    topic_arn: s.topic_arn.clone(),
                };
                (s.arn.clone(), summary)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    fn list_page(
        subs: Vec<Arc<Subscription>>,
        token: Option<String>,
    ) -> SnsResult<ListSubscriptionsOutput> {
        let all = Self::summaries(subs.into_iter());
        let (page, next_token) = Self::page(all, token, |(arn, _)| arn.as_str())?;
        Ok(ListSubscriptionsOutput {
            subscriptions: page.into_iter().map(|(_, s)| s).collect(),
            next_token,
        })
    }

    pub fn list_subscriptions(
        &self,
        ctx: &RequestContext,
        input: NextTokenInput,
    ) -> SnsResult<ListSubscriptionsOutput> {
        let prefix = format!("arn:aws:sns:{}:{}:", ctx.region, ctx.account);
        let subs: Vec<Arc<Subscription>> = self
            .subscriptions
            .iter()
            .filter(|s| s.key().starts_with(&prefix))
            .map(|s| s.value().clone())
            .collect();
        Self::list_page(subs, input.next_token)
    }

    pub fn list_subscriptions_by_topic(
        &self,
        ctx: &RequestContext,
        input: TopicArnInput,
    ) -> SnsResult<ListSubscriptionsOutput> {
        let arn = require(input.topic_arn, "TopicArn")?;
        let topic = self.topic_in(ctx, &arn)?;
        let subs = lock(&topic).subscriptions.clone();
        Self::list_page(subs, input.next_token)
    }

    pub fn get_subscription_attributes(
        &self,
        _ctx: &RequestContext,
        input: SubscriptionArnInput,
    ) -> SnsResult<AttributesOutput> {
        let arn = require(input.subscription_arn, "SubscriptionArn")?;
        check_subscription_arn(&arn)?;
        let s = self.subscription(&arn)?;
        let mut attrs = BTreeMap::new();
        for (k, v) in [
            ("SubscriptionArn", s.arn.as_str()),
            ("TopicArn", s.topic_arn.as_str()),
            ("Owner", s.account.as_str()),
            ("Protocol", s.protocol.as_str()),
            ("Endpoint", s.endpoint.as_str()),
            (
                "ConfirmationWasAuthenticated",
                if s.pending { "false" } else { "true" },
            ),
            (
                "PendingConfirmation",
                if s.pending { "true" } else { "false" },
            ),
            ("RawMessageDelivery", "false"),
            // The subscriber's identity as GetCallerIdentity reports it (recorded at Subscribe):
            // an IAM user's or an assumed role's ARN (AWS's recordings show
            // `arn:aws:iam::<account>:user/<name>`, made with an IAM user's keys); plain
            // credentials are the root of the account that subscribed.
            (
                "SubscriptionPrincipal",
                &s.principal
                    .clone()
                    .unwrap_or_else(|| format!("arn:aws:iam::{}:root", s.account)),
            ),
        ] {
            attrs.insert(k.to_string(), v.to_string());
        }
        for (k, v) in &s.attributes {
            attrs.insert(k.clone(), v.clone());
        }
        // An HTTP/S subscription's delivery policy is shown with every key, beside the effective
        // one (the topic's settings under the subscription's own); other protocols show the
        // policy as set.
        if matches!(s.protocol.as_str(), "http" | "https") {
            let topic_policy = self.topic_delivery_policy(&s.topic_arn);
            let (shown, effective) = super::delivery_policy::subscription_policies(
                s.attributes.get("DeliveryPolicy"),
                topic_policy.as_ref(),
            );
            match shown {
                Some(p) => attrs.insert("DeliveryPolicy".to_string(), p),
                None => attrs.remove("DeliveryPolicy"),
            };
            attrs.insert("EffectiveDeliveryPolicy".to_string(), effective);
        }
        // AWS shows the scope only alongside a policy (test_set_subscription_filter_policy_scope).
        if s.filter.is_none() {
            attrs.remove("FilterPolicyScope");
        } else if !attrs.contains_key("FilterPolicyScope") {
            attrs.insert(
                "FilterPolicyScope".to_string(),
                "MessageAttributes".to_string(),
            );
        }
        Ok(AttributesOutput { attributes: attrs })
    }

    pub fn set_subscription_attributes(
        &self,
        _ctx: &RequestContext,
        input: SetAttributeInput,
    ) -> SnsResult<()> {
        let arn = require(input.subscription_arn, "SubscriptionArn")?;
        let name = require(input.attribute_name, "AttributeName")?;
        let value = input.attribute_value.unwrap_or_default();
        check_subscription_arn(&arn)?;
        let current = self.subscription(&arn)?;
        Self::check_subscription_attribute(&name, &value, current.topic_arn.ends_with(".fifo"))?;
        let value = normalized_value(&name, value);
        self.update_subscription(&arn, |current| {
            let mut s = current.clone();
            let mut attrs = s.attributes.clone();
            if value.is_empty()
                && matches!(
                    name.as_str(),
                    "FilterPolicy" | "RedrivePolicy" | "DeliveryPolicy"
                )
            {
                attrs.remove(&name);
            } else {
                attrs.insert(name, value);
            }
            s.filter = Self::compile_filter(&attrs)?;
            s.attributes = attrs;
            Ok(s)
        })
    }
}
