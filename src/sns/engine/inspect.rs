//! Looking at topics and subscriptions across accounts and regions (the console).

use std::collections::BTreeMap;

use super::{SnsEngine, lock};
use crate::arn::parse_arn;

/// A topic as the console shows it.
#[derive(Debug, Clone)]
pub struct TopicView {
    pub arn: String,
    pub name: String,
    pub account: String,
    pub region: String,
    pub fifo: bool,
    /// Attributes set on the topic (DisplayName, DeliveryPolicy, ...).
    pub attributes: BTreeMap<String, String>,
    pub subscriptions: Vec<SubscriptionView>,
}

/// A subscription as the console shows it.
#[derive(Debug, Clone)]
pub struct SubscriptionView {
    pub arn: String,
    pub protocol: String,
    pub endpoint: String,
    /// Waiting for ConfirmSubscription.
    pub pending: bool,
    pub filter_policy: Option<String>,
    /// `MessageAttributes` (the default) or `MessageBody`.
    pub filter_scope: String,
    pub raw: bool,
    /// The subscription's dead-letter queue (RedrivePolicy's `deadLetterTargetArn`).
    pub dead_letter_target: Option<String>,
}

impl SnsEngine {
    /// Every topic with its subscriptions, sorted by account, region and name.
    pub fn all_topics(&self) -> Vec<TopicView> {
        let mut arns: Vec<String> = self.topics.iter().map(|t| t.key().clone()).collect();
        arns.sort_by_key(|a| {
            let p = parse_arn(a);
            p.map(|p| {
                (
                    p.account.to_string(),
                    p.region.to_string(),
                    p.resource.to_string(),
                )
            })
        });
        arns.iter().filter_map(|a| self.topic_view(a)).collect()
    }

    /// One topic with its subscriptions; `None` when it does not exist.
    pub fn topic_view(&self, arn: &str) -> Option<TopicView> {
        let topic = self.topics.get(arn)?.clone();
        let t = lock(&topic);
        let parsed = parse_arn(arn)?;
        let subscriptions = t
            .subscriptions
            .iter()
            .map(|s| SubscriptionView {
                arn: s.arn.clone(),
                protocol: s.protocol.clone(),
                endpoint: s.endpoint.clone(),
                pending: s.pending,
                filter_policy: s.attributes.get("FilterPolicy").cloned(),
                filter_scope: s
                    .attributes
                    .get("FilterPolicyScope")
                    .cloned()
                    .unwrap_or_else(|| "MessageAttributes".to_string()),
                raw: s
                    .attributes
                    .get("RawMessageDelivery")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true")),
                dead_letter_target: super::delivery::dead_letter_target(s),
            })
            .collect();
        Some(TopicView {
            arn: t.arn.clone(),
            name: parsed.resource.to_string(),
            account: t.account.clone(),
            region: parsed.region.to_string(),
            fifo: t.fifo,
            attributes: t.attributes.clone(),
            subscriptions,
        })
    }
}
