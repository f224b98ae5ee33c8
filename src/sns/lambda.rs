//! Lambda subscriptions: the interface through which SNS invokes functions, and the SNS event
//! a function receives (`{"Records":[{"EventSource":"aws:sns",...,"Sns":{...}}]}`).

use serde_json::{Map, Value, json};

/// What SNS needs from a Lambda engine: an asynchronous (`Event`) invoke. The Lambda engine
/// implements it and is handed to [`crate::sns::SnsEngine::set_lambda_invoker`].
pub trait LambdaInvoker: Send + Sync {
    /// Queue an asynchronous invoke of `function_arn` (possibly qualified) with `payload`.
    /// `Err` (with a reason) when the function does not exist or the invoke is refused; SNS
    /// then sends the message to the subscription's dead-letter queue, if any.
    fn invoke_async(&self, function_arn: &str, payload: Vec<u8>) -> Result<(), String>;
}

/// Whether `endpoint` is a Lambda function ARN SNS accepts
/// (`arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`).
pub fn valid_function_arn(endpoint: &str) -> bool {
    let parts: Vec<&str> = endpoint.split(':').collect();
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.len() <= 64
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let qualifier_ok = |q: &str| {
        !q.is_empty()
            && q.len() <= 128
            && q.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'$')
    };
    (parts.len() == 7 || parts.len() == 8)
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "lambda"
        && !parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5] == "function"
        && name_ok(parts[6])
        && parts.get(7).is_none_or(|q| qualifier_ok(q))
}

/// The SNS event for one notification. `notification` is the signed HTTP-style envelope
/// (`SigningCertURL`, `UnsubscribeURL`); the Lambda shape renames those to `...Url`, always
/// carries `Subject` (null when absent) and `MessageAttributes` (empty when none).
pub fn event(subscription_arn: &str, notification: &Map<String, Value>) -> Value {
    let mut sns = Map::new();
    for (k, v) in notification {
        let key = match k.as_str() {
            "SigningCertURL" => "SigningCertUrl",
            "UnsubscribeURL" => "UnsubscribeUrl",
            other => other,
        };
        sns.insert(key.to_string(), v.clone());
    }
    sns.entry("Subject").or_insert(Value::Null);
    sns.entry("MessageAttributes")
        .or_insert_with(|| Value::Object(Map::new()));
    json!({
        "Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": subscription_arn,
            "Sns": Value::Object(sns),
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_arns_are_validated() {
        assert!(valid_function_arn(
            "arn:aws:lambda:us-east-1:000000000000:function:my-fn"
        ));
        assert!(valid_function_arn(
            "arn:aws:lambda:us-east-1:000000000000:function:my-fn:$LATEST"
        ));
        assert!(!valid_function_arn(
            "arn:aws:lambda:us-east-1:000000000000:my-fn"
        ));
        assert!(!valid_function_arn(
            "arn:aws:sqs:us-east-1:000000000000:function:x"
        ));
        assert!(!valid_function_arn("my-fn"));
    }

    #[test]
    fn event_uses_the_lambda_spelling() {
        let mut n = Map::new();
        n.insert("Type".into(), json!("Notification"));
        n.insert("SigningCertURL".into(), json!("c"));
        n.insert("UnsubscribeURL".into(), json!("u"));
        let e = event("sub", &n);
        let r = &e["Records"][0];
        assert_eq!(r["EventSource"], "aws:sns");
        assert_eq!(r["EventVersion"], "1.0");
        assert_eq!(r["EventSubscriptionArn"], "sub");
        assert_eq!(r["Sns"]["SigningCertUrl"], "c");
        assert_eq!(r["Sns"]["UnsubscribeUrl"], "u");
        assert!(r["Sns"]["Subject"].is_null());
        assert_eq!(r["Sns"]["MessageAttributes"], json!({}));
        assert!(r["Sns"].get("SigningCertURL").is_none());
    }
}
