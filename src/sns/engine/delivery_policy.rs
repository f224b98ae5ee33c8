//! Delivery policies as AWS answers them: a topic's `DeliveryPolicy` (its `http` part) and
//! `EffectiveDeliveryPolicy`, and an HTTP/S subscription's own `DeliveryPolicy` and
//! `EffectiveDeliveryPolicy` (the subscription's settings over the topic's), whose
//! `requestPolicy.headerContentType` is the Content-Type of its notifications.

use serde_json::{Map, Value, json};

/// The `Content-Type` of a notification when no policy names one.
pub(super) const DEFAULT_CONTENT_TYPE: &str = "text/plain; charset=UTF-8";

/// The keys of a subscription's delivery policy, each answered (`null` when unset).
const SUBSCRIPTION_KEYS: [&str; 5] = [
    "healthyRetryPolicy",
    "sicklyRetryPolicy",
    "throttlePolicy",
    "requestPolicy",
    "guaranteed",
];

fn default_healthy_retry_policy() -> Value {
    json!({"minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 3, "numMaxDelayRetries": 0,
        "numNoDelayRetries": 0, "numMinDelayRetries": 0, "backoffFunction": "linear"})
}

/// A stored policy parsed, if it is a JSON object (empty or unparsable: none).
fn parsed(stored: Option<&String>) -> Option<Map<String, Value>> {
    match stored
        .filter(|s| !s.is_empty())
        .map(|s| serde_json::from_str(s))
    {
        Some(Ok(Value::Object(o))) => Some(o),
        _ => None,
    }
}

/// `base` with the members of `over` laid over it (both objects), else `over` itself.
fn overlay(base: Value, over: &Value) -> Value {
    match (base, over) {
        (Value::Object(mut b), Value::Object(o)) => {
            for (k, v) in o {
                b.insert(k.clone(), v.clone());
            }
            Value::Object(b)
        }
        (_, over) => over.clone(),
    }
}

/// A topic's policy as shown (its `http` part gains `disableSubscriptionOverrides: false`)
/// and its effective policy: the defaults with the policy's `http` settings laid over them
/// (LocalStack's recorded test_topic_delivery_policy_crud).
fn topic_policies(stored: Option<&String>) -> (Option<Value>, Value) {
    let mut effective = json!({"http": {"defaultHealthyRetryPolicy": default_healthy_retry_policy(),
        "disableSubscriptionOverrides": false,
        "defaultRequestPolicy": {"headerContentType": DEFAULT_CONTENT_TYPE}}});
    let Some(mut policy) = parsed(stored) else {
        return (None, effective);
    };
    if let Some(http) = policy.get_mut("http").and_then(Value::as_object_mut) {
        http.entry("disableSubscriptionOverrides")
            .or_insert(Value::Bool(false));
        if let Some(eff) = effective["http"].as_object_mut() {
            for (k, v) in http.iter() {
                let merged = match eff.remove(k) {
                    Some(base) => overlay(base, v),
                    None => v.clone(),
                };
                eff.insert(k.clone(), merged);
            }
        }
    }
    (Some(Value::Object(policy)), effective)
}

/// A topic's `DeliveryPolicy` as AWS answers it (absent when unset or empty) and its
/// `EffectiveDeliveryPolicy`.
pub(super) fn delivery_policies(stored: Option<&String>) -> (Option<String>, String) {
    let (policy, effective) = topic_policies(stored);
    (policy.map(|p| p.to_string()), effective.to_string())
}

/// An HTTP/S subscription's `DeliveryPolicy` as AWS answers it (every key, `null` when unset,
/// `guaranteed` false) and its `EffectiveDeliveryPolicy`: each key from the subscription, else
/// from the topic's effective `http` policy (retry, throttle and request policies), else the
/// default (LocalStack's recorded test_subscribe_external_http_endpoint_content_type).
pub(super) fn subscription_policies(
    subscription: Option<&String>,
    topic: Option<&String>,
) -> (Option<String>, String) {
    let own = parsed(subscription);
    let (_, topic_effective) = topic_policies(topic);
    let http = &topic_effective["http"];
    let own_value = |k: &str| own.as_ref().and_then(|o| o.get(k)).cloned();
    let shown = own.as_ref().map(|_| {
        let mut m = Map::new();
        for k in SUBSCRIPTION_KEYS {
            let default = if k == "guaranteed" {
                Value::Bool(false)
            } else {
                Value::Null
            };
            m.insert(k.to_string(), own_value(k).unwrap_or(default));
        }
        Value::Object(m)
    });
    let from_topic = |topic_key: &str| http.get(topic_key).cloned().unwrap_or(Value::Null);
    let pick = |k: &str, topic_key: &str| match own_value(k) {
        Some(v) if !v.is_null() => match from_topic(topic_key) {
            Value::Null => v,
            base => overlay(base, &v),
        },
        _ => from_topic(topic_key),
    };
    let effective = json!({
        "healthyRetryPolicy": pick("healthyRetryPolicy", "defaultHealthyRetryPolicy"),
        "sicklyRetryPolicy": pick("sicklyRetryPolicy", "defaultSicklyRetryPolicy"),
        "throttlePolicy": pick("throttlePolicy", "defaultThrottlePolicy"),
        "requestPolicy": pick("requestPolicy", "defaultRequestPolicy"),
        "guaranteed": own_value("guaranteed").filter(|v| !v.is_null()).unwrap_or(Value::Bool(false)),
    });
    (shown.map(|s| s.to_string()), effective.to_string())
}

/// The `Content-Type` of an HTTP/S subscription's notifications: its effective
/// `requestPolicy.headerContentType`.
pub(super) fn content_type(subscription: Option<&String>, topic: Option<&String>) -> String {
    let (_, effective) = subscription_policies(subscription, topic);
    serde_json::from_str::<Value>(&effective)
        .ok()
        .and_then(|e| {
            e["requestPolicy"]["headerContentType"]
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscription_policy_shows_every_key_and_takes_the_rest_from_the_topic() {
        let sub = r#"{"requestPolicy":{"headerContentType":"text/csv"}}"#.to_string();
        let (shown, effective) = subscription_policies(Some(&sub), None);
        let shown: Value = serde_json::from_str(&shown.expect("shown")).expect("json");
        assert_eq!(
            shown,
            json!({"healthyRetryPolicy": null, "sicklyRetryPolicy": null, "throttlePolicy": null,
                "requestPolicy": {"headerContentType": "text/csv"}, "guaranteed": false})
        );
        let effective: Value = serde_json::from_str(&effective).expect("json");
        assert_eq!(
            effective["healthyRetryPolicy"],
            default_healthy_retry_policy()
        );
        assert_eq!(effective["sicklyRetryPolicy"], Value::Null);
        assert_eq!(effective["requestPolicy"]["headerContentType"], "text/csv");

        let topic = r#"{"http":{"defaultRequestPolicy":{"headerContentType":"application/json"}}}"#
            .to_string();
        assert_eq!(content_type(None, Some(&topic)), "application/json");
        assert_eq!(content_type(Some(&sub), Some(&topic)), "text/csv");
        assert_eq!(content_type(None, None), DEFAULT_CONTENT_TYPE);
        assert_eq!(subscription_policies(None, None).0, None);
    }
}
