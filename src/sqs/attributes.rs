//! Queue attributes: names, defaults, validation and rendering (all values are strings on the
//! wire).

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::{SqsError, SqsErrorCode, SqsResult};

/// Every attribute name GetQueueAttributes knows (besides `All`).
pub const ATTRIBUTE_NAMES: &[&str] = &[
    "Policy",
    "VisibilityTimeout",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
    "ApproximateNumberOfMessagesDelayed",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
    "RedrivePolicy",
    "FifoQueue",
    "ContentBasedDeduplication",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "RedriveAllowPolicy",
    "SqsManagedSseEnabled",
];

const FIFO_ONLY: &[&str] = &[
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
];

/// A parsed redrive policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedrivePolicy {
    pub dead_letter_target_arn: String,
    pub max_receive_count: u32,
}

/// The settable attributes of a queue, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueAttributes {
    pub fifo: bool,
    pub visibility_timeout: u32,
    pub maximum_message_size: u32,
    pub message_retention_period: u32,
    pub delay_seconds: u32,
    pub receive_message_wait_time_seconds: u32,
    pub policy: Option<String>,
    pub redrive_policy: Option<RedrivePolicy>,
    pub redrive_allow_policy: Option<String>,
    pub content_based_deduplication: bool,
    pub kms_master_key_id: Option<String>,
    pub kms_data_key_reuse_period_seconds: u32,
    pub deduplication_scope: String,
    pub fifo_throughput_limit: String,
    pub sqs_managed_sse_enabled: bool,
}

impl Default for QueueAttributes {
    fn default() -> Self {
        QueueAttributes {
            fifo: false,
            visibility_timeout: 30,
            maximum_message_size: 1_048_576,
            message_retention_period: 345_600,
            delay_seconds: 0,
            receive_message_wait_time_seconds: 0,
            policy: None,
            redrive_policy: None,
            redrive_allow_policy: None,
            content_based_deduplication: false,
            kms_master_key_id: None,
            kms_data_key_reuse_period_seconds: 300,
            deduplication_scope: "queue".into(),
            fifo_throughput_limit: "perQueue".into(),
            sqs_managed_sse_enabled: true,
        }
    }
}

fn int_in(name: &str, value: &str, lo: u32, hi: u32) -> SqsResult<u32> {
    match value.trim().parse::<i64>() {
        Ok(n) if n >= i64::from(lo) && n <= i64::from(hi) => Ok(n as u32),
        _ => Err(SqsError::invalid_attribute_value(name)),
    }
}

fn boolean(name: &str, value: &str) -> SqsResult<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(SqsError::invalid_attribute_value(name)),
    }
}

fn reason(name: &str, reason: &str) -> SqsError {
    SqsError::new(
        SqsErrorCode::InvalidAttributeValue,
        format!("Invalid value for the parameter {name}. Reason: {reason}"),
    )
}

/// Parse a RedrivePolicy value: a JSON object with `deadLetterTargetArn` and
/// `maxReceiveCount` (a number or a numeric string, 1..=1000).
pub fn parse_redrive_policy(value: &str) -> SqsResult<RedrivePolicy> {
    let name = "RedrivePolicy";
    let json: Value = serde_json::from_str(value)
        .map_err(|_| reason(name, "Redrive policy is not a valid JSON map."))?;
    let obj = json
        .as_object()
        .ok_or_else(|| reason(name, "Redrive policy is not a valid JSON map."))?;
    for key in obj.keys() {
        if key != "deadLetterTargetArn" && key != "maxReceiveCount" {
            return Err(reason(
                name,
                "Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount].",
            ));
        }
    }
    let arn = obj
        .get("deadLetterTargetArn")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            reason(
                name,
                "Redrive policy does not contain mandatory attribute: deadLetterTargetArn.",
            )
        })?;
    let count = match obj.get("maxReceiveCount") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        None => {
            return Err(reason(
                name,
                "Redrive policy does not contain mandatory attribute: maxReceiveCount.",
            ));
        }
        _ => None,
    };
    let count = match count {
        Some(c) if (1..=1000).contains(&c) => c as u32,
        _ => {
            return Err(reason(
                name,
                "Invalid value for maxReceiveCount: must be an integer from 1 to 1000.",
            ));
        }
    };
    Ok(RedrivePolicy {
        dead_letter_target_arn: arn.to_string(),
        max_receive_count: count,
    })
}

fn validate_redrive_allow_policy(value: &str) -> SqsResult<()> {
    let name = "RedriveAllowPolicy";
    let json: Value = serde_json::from_str(value)
        .map_err(|_| reason(name, "Redrive allow policy is not a valid JSON map."))?;
    let obj = json
        .as_object()
        .ok_or_else(|| reason(name, "Redrive allow policy is not a valid JSON map."))?;
    let permission = obj
        .get("redrivePermission")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            reason(
                name,
                "Redrive allow policy does not contain mandatory attribute: redrivePermission.",
            )
        })?;
    let sources = obj.get("sourceQueueArns");
    match permission {
        "allowAll" | "denyAll" => {
            if sources.is_some() {
                return Err(reason(
                    name,
                    "Only byQueue redrivePermission allows the sourceQueueArns attribute.",
                ));
            }
        }
        "byQueue" => {
            let arns = sources.and_then(Value::as_array).ok_or_else(|| {
                reason(
                    name,
                    "Redrive allow policy with byQueue permission must contain sourceQueueArns.",
                )
            })?;
            if arns.is_empty() || arns.len() > 10 || arns.iter().any(|a| !a.is_string()) {
                return Err(reason(
                    name,
                    "Redrive allow policy sourceQueueArns must list between 1 and 10 queue ARNs.",
                ));
            }
        }
        _ => {
            return Err(reason(
                name,
                "Invalid value for redrivePermission: must be one of allowAll, denyAll, byQueue.",
            ));
        }
    }
    Ok(())
}

/// The redrive allow policy's verdict on a source queue ARN.
pub fn redrive_allowed(allow_policy: Option<&str>, source_arn: &str) -> bool {
    let Some(policy) = allow_policy else {
        return true;
    };
    let Ok(json) = serde_json::from_str::<Value>(policy) else {
        return true;
    };
    match json.get("redrivePermission").and_then(Value::as_str) {
        Some("denyAll") => false,
        Some("byQueue") => json
            .get("sourceQueueArns")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(source_arn))),
        _ => true,
    }
}

impl QueueAttributes {
    /// Apply one attribute (CreateQueue or SetQueueAttributes). `creating` allows FifoQueue.
    pub fn apply(&mut self, name: &str, value: &str, creating: bool) -> SqsResult<()> {
        if FIFO_ONLY.contains(&name) && !self.fifo {
            return Err(SqsError::invalid_attribute_name(name));
        }
        match name {
            "VisibilityTimeout" => self.visibility_timeout = int_in(name, value, 0, 43_200)?,
            "MaximumMessageSize" => {
                self.maximum_message_size = int_in(name, value, 1_024, 1_048_576)?
            }
            "MessageRetentionPeriod" => {
                self.message_retention_period = int_in(name, value, 60, 1_209_600)?
            }
            "DelaySeconds" => self.delay_seconds = int_in(name, value, 0, 900)?,
            "ReceiveMessageWaitTimeSeconds" => {
                self.receive_message_wait_time_seconds = int_in(name, value, 0, 20)?
            }
            "KmsDataKeyReusePeriodSeconds" => {
                self.kms_data_key_reuse_period_seconds = int_in(name, value, 60, 86_400)?
            }
            "KmsMasterKeyId" => {
                self.kms_master_key_id = (!value.is_empty()).then(|| value.to_string());
            }
            "SqsManagedSseEnabled" => self.sqs_managed_sse_enabled = boolean(name, value)?,
            "ContentBasedDeduplication" => self.content_based_deduplication = boolean(name, value)?,
            "DeduplicationScope" => match value {
                "messageGroup" | "queue" => self.deduplication_scope = value.to_string(),
                _ => return Err(SqsError::invalid_attribute_value(name)),
            },
            "FifoThroughputLimit" => match value {
                "perQueue" | "perMessageGroupId" => self.fifo_throughput_limit = value.to_string(),
                _ => return Err(SqsError::invalid_attribute_value(name)),
            },
            "FifoQueue" => {
                let fifo = boolean(name, value)?;
                if !creating {
                    // A standard queue does not know the attribute; a FIFO queue accepts its
                    // own value and refuses a change (test_set_unsupported_attribute_fifo).
                    if !self.fifo {
                        return Err(SqsError::invalid_attribute_name(name));
                    }
                    if !fifo {
                        return Err(SqsError::new(
                            SqsErrorCode::InvalidAttributeValue,
                            "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.",
                        ));
                    }
                }
                self.fifo = fifo;
            }
            "Policy" => {
                if value.is_empty() {
                    self.policy = None;
                } else {
                    match serde_json::from_str::<Value>(value) {
                        Ok(Value::Object(_)) => self.policy = Some(value.to_string()),
                        _ => return Err(reason(name, "Policy is not a valid JSON map.")),
                    }
                }
            }
            "RedrivePolicy" => {
                self.redrive_policy = if value.is_empty() {
                    None
                } else {
                    Some(parse_redrive_policy(value)?)
                };
            }
            "RedriveAllowPolicy" => {
                if value.is_empty() {
                    self.redrive_allow_policy = None;
                } else {
                    validate_redrive_allow_policy(value)?;
                    self.redrive_allow_policy = Some(value.to_string());
                }
            }
            _ => return Err(SqsError::invalid_attribute_name(name)),
        }
        Ok(())
    }

    /// Check combinations that single attributes cannot (after all were applied).
    pub fn validate_combination(&self) -> SqsResult<()> {
        if self.fifo
            && self.fifo_throughput_limit == "perMessageGroupId"
            && self.deduplication_scope == "queue"
        {
            return Err(SqsError::new(
                SqsErrorCode::InvalidAttributeValue,
                "Invalid value for the parameter FifoThroughputLimit. Reason: perMessageGroupId is only available when DeduplicationScope is messageGroup.",
            ));
        }
        Ok(())
    }

    /// Apply a whole map, validating every entry.
    pub fn apply_all(&mut self, attrs: &BTreeMap<String, String>, creating: bool) -> SqsResult<()> {
        // SSE-KMS and SSE-SQS asked for in one request (test_sse_kms_and_sqs_are_mutually_exclusive).
        let kms = attrs.get("KmsMasterKeyId").is_some_and(|v| !v.is_empty());
        let sse = attrs
            .get("SqsManagedSseEnabled")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if kms && sse {
            return Err(SqsError::new(
                SqsErrorCode::InvalidAttributeName,
                "You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.",
            ));
        }
        // FifoQueue first: it decides which other attributes are allowed.
        if let Some(v) = attrs.get("FifoQueue") {
            self.apply("FifoQueue", v, creating)?;
        }
        for (k, v) in attrs {
            if k != "FifoQueue" {
                self.apply(k, v, creating)?;
            }
        }
        self.validate_combination()
    }

    /// The value of a settable attribute as GetQueueAttributes shows it, `None` when unset or
    /// not applicable to this queue type.
    pub fn render(&self, name: &str) -> Option<String> {
        Some(match name {
            "VisibilityTimeout" => self.visibility_timeout.to_string(),
            "MaximumMessageSize" => self.maximum_message_size.to_string(),
            "MessageRetentionPeriod" => self.message_retention_period.to_string(),
            "DelaySeconds" => self.delay_seconds.to_string(),
            "ReceiveMessageWaitTimeSeconds" => self.receive_message_wait_time_seconds.to_string(),
            "Policy" => self.policy.clone()?,
            "RedrivePolicy" => {
                let rp = self.redrive_policy.as_ref()?;
                serde_json::json!({
                    "deadLetterTargetArn": rp.dead_letter_target_arn,
                    "maxReceiveCount": rp.max_receive_count,
                })
                .to_string()
            }
            "RedriveAllowPolicy" => self.redrive_allow_policy.clone()?,
            "KmsMasterKeyId" => self.kms_master_key_id.clone()?,
            "KmsDataKeyReusePeriodSeconds" => {
                self.kms_master_key_id.as_ref()?;
                self.kms_data_key_reuse_period_seconds.to_string()
            }
            "SqsManagedSseEnabled" => self.sqs_managed_sse_enabled.to_string(),
            "FifoQueue" if self.fifo => "true".into(),
            "ContentBasedDeduplication" if self.fifo => {
                self.content_based_deduplication.to_string()
            }
            "DeduplicationScope" if self.fifo => self.deduplication_scope.clone(),
            "FifoThroughputLimit" if self.fifo => self.fifo_throughput_limit.clone(),
            _ => return None,
        })
    }

    /// Whether the given attribute values equal this queue's (CreateQueue idempotency).
    /// Returns the first differing attribute name.
    pub fn first_difference(&self, attrs: &BTreeMap<String, String>) -> SqsResult<Option<String>> {
        let mut requested = QueueAttributes {
            fifo: self.fifo,
            ..QueueAttributes::default()
        };
        requested.apply_all(attrs, true)?;
        for name in attrs.keys() {
            if name == "FifoQueue" {
                if requested.fifo != self.fifo {
                    return Ok(Some(name.clone()));
                }
                continue;
            }
            if requested.render(name) != self.render(name) {
                return Ok(Some(name.clone()));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn ranges_are_enforced() {
        let mut a = QueueAttributes::default();
        assert!(a.apply("VisibilityTimeout", "43200", true).is_ok());
        assert_eq!(
            a.apply("VisibilityTimeout", "43201", true)
                .map_err(|e| e.code),
            Err(SqsErrorCode::InvalidAttributeValue)
        );
        assert!(a.apply("MessageRetentionPeriod", "59", true).is_err());
        assert!(a.apply("MaximumMessageSize", "1023", true).is_err());
        assert!(a.apply("DelaySeconds", "abc", true).is_err());
        assert_eq!(
            a.apply("Bogus", "1", true).map_err(|e| e.code),
            Err(SqsErrorCode::InvalidAttributeName)
        );
    }

    #[test]
    fn fifo_only_attributes_need_a_fifo_queue() {
        let mut a = QueueAttributes::default();
        assert_eq!(
            a.apply_all(&attrs(&[("ContentBasedDeduplication", "true")]), true)
                .map_err(|e| e.code),
            Err(SqsErrorCode::InvalidAttributeName)
        );
        let mut f = QueueAttributes::default();
        f.apply_all(
            &attrs(&[("FifoQueue", "true"), ("ContentBasedDeduplication", "true")]),
            true,
        )
        .expect("valid fifo attributes");
        assert_eq!(
            f.render("ContentBasedDeduplication").as_deref(),
            Some("true")
        );
    }

    #[test]
    fn redrive_policy_accepts_string_or_number_counts() {
        let p = parse_redrive_policy(r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:d","maxReceiveCount":"5"}"#)
            .expect("valid");
        assert_eq!(p.max_receive_count, 5);
        assert!(
            parse_redrive_policy(r#"{"deadLetterTargetArn":"x","maxReceiveCount":0}"#).is_err()
        );
        assert!(parse_redrive_policy("not json").is_err());
    }

    #[test]
    fn redrive_allow_policy_verdicts() {
        assert!(redrive_allowed(None, "a"));
        assert!(!redrive_allowed(
            Some(r#"{"redrivePermission":"denyAll"}"#),
            "a"
        ));
        let by = r#"{"redrivePermission":"byQueue","sourceQueueArns":["a"]}"#;
        assert!(redrive_allowed(Some(by), "a"));
        assert!(!redrive_allowed(Some(by), "b"));
    }

    #[test]
    fn idempotency_compares_given_attributes_only() {
        let mut a = QueueAttributes::default();
        a.apply("VisibilityTimeout", "60", true).expect("valid");
        assert_eq!(
            a.first_difference(&attrs(&[("VisibilityTimeout", "60")]))
                .expect("ok"),
            None
        );
        assert_eq!(a.first_difference(&attrs(&[])).expect("ok"), None);
        assert_eq!(
            a.first_difference(&attrs(&[("VisibilityTimeout", "30")]))
                .expect("ok"),
            Some("VisibilityTimeout".into())
        );
    }
}
