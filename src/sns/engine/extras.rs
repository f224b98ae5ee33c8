//! The smaller SNS operations: topic permissions (Add/RemovePermission), tags, data protection
//! policies, and account SMS settings and opt-outs.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::topics::default_policy;
use super::{SnsEngine, Topic, lock, require};
use crate::context::RequestContext;
use crate::sns::error::SnsErrorCode;
use crate::sns::error::{SnsError, SnsResult};
use crate::sns::model::*;
use crate::sns::records;
use crate::sns::state;

/// SMS attribute names SetSMSAttributes accepts.
const SMS_ATTRIBUTES: &[&str] = &[
    "MonthlySpendLimit",
    "DeliveryStatusIAMRole",
    "DeliveryStatusSuccessSamplingRate",
    "DefaultSenderID",
    "DefaultSMSType",
    "UsageReportS3Bucket",
];

/// The SMS spend limit of an account nobody has raised (USD per month).
const DEFAULT_MONTHLY_SPEND_LIMIT: &str = "1";

/// SetSMSAttributes' checks of a value, with AWS's wording (which has no `Invalid parameter:`
/// prefix): a sender ID is 1 to 11 letters and digits, not digits only; the sampling rate an
/// integer from 0 to 100; the message type Promotional or Transactional; the spend limit an
/// amount of dollars.
fn check_sms_attribute(name: &str, value: &str) -> SnsResult<()> {
    let valid = match name {
        "DefaultSenderID" => {
            (1..=11).contains(&value.len())
                && value.bytes().all(|b| b.is_ascii_alphanumeric())
                && value.bytes().any(|b| b.is_ascii_alphabetic())
        }
        "DeliveryStatusSuccessSamplingRate" => value.parse::<u8>().is_ok_and(|n| n <= 100),
        "DefaultSMSType" => matches!(value, "Promotional" | "Transactional"),
        "MonthlySpendLimit" => value
            .parse::<f64>()
            .is_ok_and(|n| n.is_finite() && n >= 0.0),
        _ => true,
    };
    if valid {
        return Ok(());
    }
    let message = match name {
        "DeliveryStatusSuccessSamplingRate" => {
            "DeliveryStatusSuccessSamplingRate is not an integer between 0-100".to_string()
        }
        _ => format!("{name} is invalid"),
    };
    Err(SnsError::new(SnsErrorCode::InvalidParameter, message))
}

impl SnsEngine {
    fn topic_policy(&self, arn: &str) -> SnsResult<(Arc<Mutex<Topic>>, Value)> {
        let topic = self.topic(arn)?;
        let policy = {
            let t = lock(&topic);
            t.attributes
                .get("Policy")
                .and_then(|p| serde_json::from_str::<Value>(p).ok())
                .unwrap_or_else(|| default_policy(&t.arn, &t.account))
        };
        Ok((topic, policy))
    }

    pub fn add_permission(
        &self,
        _ctx: &RequestContext,
        input: AddPermissionInput,
    ) -> SnsResult<()> {
        let arn = require(input.topic_arn, "TopicArn")?;
        let label = require(input.label, "Label")?;
        if input.accounts.is_empty() {
            return Err(SnsError::invalid(
                "AWSAccountId Reason: no value for required parameter",
            ));
        }
        if input.actions.is_empty() {
            return Err(SnsError::invalid(
                "ActionName Reason: no value for required parameter",
            ));
        }
        let (topic, mut policy) = self.topic_policy(&arn)?;
        let statements = policy
            .get_mut("Statement")
            .and_then(Value::as_array_mut)
            .ok_or_else(|| SnsError::invalid("Policy"))?;
        // The wording of these two is the one moto's test_add_permission_errors asserts.
        if statements
            .iter()
            .any(|s| s.get("Sid").and_then(Value::as_str) == Some(label.as_str()))
        {
            return Err(SnsError::new(
                SnsErrorCode::InvalidParameter,
                "Statement already exists",
            ));
        }
        if input
            .actions
            .iter()
            .any(|a| a != "*" && !crate::sns::codec::ACTIONS.contains(&a.as_str()))
        {
            return Err(SnsError::new(
                SnsErrorCode::InvalidParameter,
                "Policy statement action out of service scope!",
            ));
        }
        let principals: Vec<String> = input
            .accounts
            .iter()
            .map(|a| format!("arn:aws:iam::{a}:root"))
            .collect();
        let actions: Vec<String> = input.actions.iter().map(|a| format!("SNS:{a}")).collect();
        statements.push(json!({
            "Sid": label,
            "Effect": "Allow",
            "Principal": {"AWS": if principals.len() == 1 { json!(principals[0]) } else { json!(principals) }},
            "Action": if actions.len() == 1 { json!(actions[0]) } else { json!(actions) },
            "Resource": arn,
        }));
        let mut t = lock(&topic);
        t.attributes
            .insert("Policy".to_string(), policy.to_string());
        self.journal_topic(&t);
        Ok(())
    }

    pub fn remove_permission(
        &self,
        _ctx: &RequestContext,
        input: AddPermissionInput,
    ) -> SnsResult<()> {
        let arn = require(input.topic_arn, "TopicArn")?;
        let label = require(input.label, "Label")?;
        let (topic, mut policy) = self.topic_policy(&arn)?;
        if let Some(statements) = policy.get_mut("Statement").and_then(Value::as_array_mut) {
            statements.retain(|s| s.get("Sid").and_then(Value::as_str) != Some(label.as_str()));
        }
        let mut t = lock(&topic);
        t.attributes
            .insert("Policy".to_string(), policy.to_string());
        self.journal_topic(&t);
        Ok(())
    }

    pub fn put_data_protection_policy(
        &self,
        _ctx: &RequestContext,
        input: DataProtectionPolicyInput,
    ) -> SnsResult<()> {
        let arn = require(input.resource_arn, "ResourceArn")?;
        let policy = require(input.policy, "DataProtectionPolicy")?;
        if !matches!(serde_json::from_str::<Value>(&policy), Ok(Value::Object(_))) {
            return Err(SnsError::invalid(
                "DataProtectionPolicy: failed to parse JSON.",
            ));
        }
        let topic = self.topic(&arn)?;
        let mut t = lock(&topic);
        t.attributes
            .insert("DataProtectionPolicy".to_string(), policy);
        self.journal_topic(&t);
        Ok(())
    }

    pub fn get_data_protection_policy(
        &self,
        _ctx: &RequestContext,
        input: DataProtectionPolicyInput,
    ) -> SnsResult<Option<String>> {
        let arn = require(input.resource_arn, "ResourceArn")?;
        let topic = self.topic(&arn)?;
        let policy = lock(&topic).attributes.get("DataProtectionPolicy").cloned();
        Ok(policy)
    }

    pub fn set_sms_attributes(
        &self,
        ctx: &RequestContext,
        input: SmsAttributesInput,
    ) -> SnsResult<()> {
        for (k, v) in &input.attributes {
            if !SMS_ATTRIBUTES.contains(&k.as_str()) {
                return Err(SnsError::invalid(format!(
                    "attributes Reason: {k} is not a valid SMS attribute"
                )));
            }
            check_sms_attribute(k, v)?;
        }
        let key = state::scope_key(&ctx.account, &ctx.region);
        let mut attrs = self.sms_attributes.entry(key.clone()).or_default();
        attrs.extend(input.attributes);
        if let Some(j) = self.journal() {
            let record = state::SmsAttributesRecord {
                account: ctx.account.clone(),
                region: ctx.region.clone(),
                attributes: attrs.clone(),
            };
            j.put(state::SMS_ATTRIBUTES, &key, &record);
        }
        Ok(())
    }

    pub fn get_sms_attributes(
        &self,
        ctx: &RequestContext,
        names: Vec<String>,
    ) -> SnsResult<BTreeMap<String, String>> {
        let key = format!("{}/{}", ctx.account, ctx.region);
        let mut all = self
            .sms_attributes
            .get(&key)
            .map(|a| a.clone())
            .unwrap_or_default();
        // An account's spend limit is there before anything is set: a new account's quota,
        // 1 USD ("By default, the spend limit is set to the maximum allowed").
        all.entry("MonthlySpendLimit".to_string())
            .or_insert_with(|| DEFAULT_MONTHLY_SPEND_LIMIT.to_string());
        Ok(all
            .into_iter()
            .filter(|(k, _)| names.is_empty() || names.contains(k))
            .collect())
    }

    /// fogbank never opts numbers out: every valid number is opted in.
    pub fn check_if_phone_number_is_opted_out(
        &self,
        _ctx: &RequestContext,
        input: PhoneNumberInput,
    ) -> SnsResult<bool> {
        let phone = require(input.phone_number, "phoneNumber")?;
        if !records::valid_phone_number(&phone, false) {
            return Err(SnsError::invalid("PhoneNumber"));
        }
        Ok(false)
    }

    pub fn opt_in_phone_number(
        &self,
        _ctx: &RequestContext,
        input: PhoneNumberInput,
    ) -> SnsResult<()> {
        let phone = require(input.phone_number, "phoneNumber")?;
        if !records::valid_phone_number(&phone, false) {
            return Err(SnsError::invalid("PhoneNumber"));
        }
        Ok(())
    }

    /// The topic a tagging request names (ResourceNotFound otherwise).
    fn tags_of(&self, arn: &str) -> SnsResult<Arc<Mutex<Topic>>> {
        self.topics
            .get(arn)
            .map(|t| t.clone())
            .ok_or_else(|| SnsError::new(SnsErrorCode::ResourceNotFound, "Resource does not exist"))
    }

    pub fn tag_resource(&self, _ctx: &RequestContext, input: TagResourceInput) -> SnsResult<()> {
        let arn = require(input.resource_arn, "ResourceArn")?;
        let topic = self.tags_of(&arn)?;
        for (i, tag) in input.tags.iter().enumerate() {
            if input.tags[..i].iter().any(|t| t.key == tag.key) {
                return Err(SnsError::invalid("Duplicated keys are not allowed."));
            }
        }
        let mut t = lock(&topic);
        let mut tags = t.tags.clone();
        for tag in input.tags {
            tags.insert(tag.key, tag.value);
        }
        if tags.len() > 50 {
            return Err(SnsError::new(
                SnsErrorCode::TagLimitExceeded,
                "Could not complete request: tag quota of per resource exceeded",
            ));
        }
        t.tags = tags;
        self.journal_topic(&t);
        Ok(())
    }

    pub fn untag_resource(
        &self,
        _ctx: &RequestContext,
        input: UntagResourceInput,
    ) -> SnsResult<()> {
        let arn = require(input.resource_arn, "ResourceArn")?;
        let topic = self.tags_of(&arn)?;
        let mut t = lock(&topic);
        for k in input.tag_keys {
            t.tags.remove(&k);
        }
        self.journal_topic(&t);
        Ok(())
    }

    pub fn list_tags_for_resource(
        &self,
        _ctx: &RequestContext,
        input: ResourceArnInput,
    ) -> SnsResult<TagsOutput> {
        let arn = require(input.resource_arn, "ResourceArn")?;
        let topic = self.tags_of(&arn)?;
        let tags = lock(&topic)
            .tags
            .iter()
            .map(|(k, v)| Tag {
                key: k.clone(),
                value: v.clone(),
            })
            .collect();
        Ok(TagsOutput { tags })
    }
}
