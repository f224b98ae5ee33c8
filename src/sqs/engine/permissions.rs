//! AddPermission and RemovePermission: the queue policy statements they write and remove,
//! worded as AWS words them.

use serde_json::{Value, json};

use super::{SqsEngine, require, valid_batch_id};
use crate::context::RequestContext;
use crate::sqs::error::{SqsError, SqsResult};
use crate::sqs::model::{AddPermissionInput, RemovePermissionInput};

impl SqsEngine {
    pub fn add_permission(&self, ctx: &RequestContext, input: AddPermissionInput) -> SqsResult<()> {
        let q = self.resolve(ctx, input.queue_url.as_deref())?;
        let label = require(input.label, "Label")?;
        if input.aws_account_ids.is_empty() {
            return Err(SqsError::missing_parameter("AWSAccountId"));
        }
        if input.actions.is_empty() {
            return Err(SqsError::missing_parameter("ActionName"));
        }
        if !valid_batch_id(&label) {
            return Err(SqsError::invalid_parameter(
                "Label",
                &label,
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
            ));
        }
        const ACTIONS: &[&str] = &[
            "*",
            "SendMessage",
            "ReceiveMessage",
            "DeleteMessage",
            "ChangeMessageVisibility",
            "GetQueueAttributes",
            "GetQueueUrl",
            "ListDeadLetterSourceQueues",
            "PurgeQueue",
            "ListQueueTags",
        ];
        for a in &input.actions {
            if !ACTIONS.contains(&a.as_str()) {
                return Err(SqsError::invalid_parameter(
                    "ActionName",
                    a,
                    "Please refer to the appropriate WSDL for a list of valid actions.",
                ));
            }
        }
        let mut state = q.lock();
        let mut policy: Value = match &state.attributes.policy {
            Some(p) => serde_json::from_str(p).unwrap_or_else(|_| json!({})),
            None => {
                // AWS words the policy it writes with the 2008 language version
                // (test_sqs_permission_lifecycle).
                json!({"Version": "2008-10-17", "Id": format!("{}/SQSDefaultPolicy", q.arn), "Statement": []})
            }
        };
        let statements = policy
            .as_object_mut()
            .map(|o| o.entry("Statement").or_insert_with(|| json!([])));
        let Some(Value::Array(statements)) = statements else {
            return Err(SqsError::invalid_value(
                "The queue policy is not a valid JSON map.",
            ));
        };
        if statements
            .iter()
            .any(|s| s.get("Sid").and_then(Value::as_str) == Some(label.as_str()))
        {
            return Err(SqsError::invalid_parameter(
                "Label",
                &label,
                "Already exists.",
            ));
        }
        // Listed last given first, as AWS answered (test_sqs_permission_lifecycle).
        let principals: Vec<Value> = input
            .aws_account_ids
            .iter()
            .rev()
            .map(|a| Value::String(format!("arn:aws:iam::{a}:root")))
            .collect();
        let actions: Vec<Value> = input
            .actions
            .iter()
            .map(|a| Value::String(format!("SQS:{a}")))
            .collect();
        let one_or_many = |mut v: Vec<Value>| {
            if v.len() == 1 {
                v.remove(0)
            } else {
                Value::Array(v)
            }
        };
        statements.push(json!({
            "Sid": label,
            "Effect": "Allow",
            "Principal": {"AWS": one_or_many(principals)},
            "Action": one_or_many(actions),
            "Resource": q.arn,
        }));
        state.attributes.policy = Some(policy.to_string());
        state.last_modified_ms = self.now();
        self.journal_queue(&q, &state);
        Ok(())
    }

    pub fn remove_permission(
        &self,
        ctx: &RequestContext,
        input: RemovePermissionInput,
    ) -> SqsResult<()> {
        let q = self.resolve(ctx, input.queue_url.as_deref())?;
        let label = require(input.label, "Label")?;
        let mut state = q.lock();
        let not_found =
            || SqsError::invalid_parameter("Label", &label, "can't find label on existing policy.");
        // Without any policy AWS answers more briefly (test_sqs_permission_lifecycle).
        let mut policy: Value = state
            .attributes
            .policy
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .ok_or_else(|| SqsError::invalid_parameter("Label", &label, "can't find label."))?;
        let Some(Value::Array(statements)) = policy.get_mut("Statement") else {
            return Err(not_found());
        };
        let before = statements.len();
        statements.retain(|s| s.get("Sid").and_then(Value::as_str) != Some(label.as_str()));
        if statements.len() == before {
            return Err(not_found());
        }
        state.attributes.policy = if statements.is_empty() {
            None
        } else {
            Some(policy.to_string())
        };
        state.last_modified_ms = self.now();
        self.journal_queue(&q, &state);
        Ok(())
    }
}
