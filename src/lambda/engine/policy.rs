//! Resource policies: the `Policy` type (functions' and layer versions'), AddPermission,
//! RemovePermission, GetPolicy.

use super::*;

/// A resource policy (a function qualifier's or a layer version's): its statements and
/// revision, which changes with every statement added or removed.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    statements: Vec<Statement>,
    pub revision: String,
}

/// One policy statement, its members in AWS's order (a `Value` would sort them).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Statement {
    pub sid: String,
    pub effect: &'static str,
    pub principal: Value,
    pub action: String,
    pub resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Value>,
}

impl Statement {
    /// The statement as the Add*Permission calls answer it: compact JSON text.
    pub fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A policy document as GetPolicy answers it, members in AWS's order.
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyDocument<'a> {
    version: &'static str,
    id: &'static str,
    statement: &'a [Statement],
}

impl Policy {
    pub fn new() -> Self {
        Policy {
            statements: Vec::new(),
            revision: revision(),
        }
    }

    /// A policy as the store kept it.
    pub(crate) fn restored(statements: Vec<Statement>, revision: String) -> Self {
        Policy {
            statements,
            revision,
        }
    }

    pub(crate) fn statements(&self) -> &[Statement] {
        &self.statements
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// Add a statement (its `Sid` must be new) and take a new revision.
    pub fn add(&mut self, statement: Statement) -> LambdaResult<()> {
        let sid = &statement.sid;
        if self.statements.iter().any(|s| &s.sid == sid) {
            return Err(LambdaError::conflict(format!(
                "The statement id ({sid}) provided already exists. Please provide a new statement id, or remove the existing statement."
            )));
        }
        self.statements.push(statement);
        self.revision = revision();
        Ok(())
    }

    /// Remove the statement `sid` and take a new revision.
    pub fn remove(&mut self, sid: &str) -> LambdaResult<()> {
        let before = self.statements.len();
        self.statements.retain(|s| s.sid != sid);
        if self.statements.len() == before {
            return Err(LambdaError::not_found(format!(
                "Statement {sid} is not found in resource policy."
            )));
        }
        self.revision = revision();
        Ok(())
    }

    /// The policy document as a string, and its revision, as GetPolicy answers.
    pub fn answer(&self) -> GetPolicyResponse {
        let doc = PolicyDocument {
            version: "2012-10-17",
            id: "default",
            statement: &self.statements,
        };
        let doc = serde_json::to_string(&doc).unwrap_or_default();
        GetPolicyResponse {
            policy: doc,
            revision_id: self.revision.clone(),
        }
    }
}

/// 412 when a caller's RevisionId is not the current one (`api` is where to read it).
pub(crate) fn check_revision(expected: Option<&str>, actual: &str, api: &str) -> LambdaResult<()> {
    match expected {
        Some(r) if r != actual => Err(LambdaError::new(
            412,
            "PreconditionFailedException",
            format!(
                "The Revision Id provided does not match the latest Revision Id. Call the {api} API to retrieve the latest Revision Id"
            ),
        )),
        _ => Ok(()),
    }
}

impl LambdaEngine {
    /// The key of the resource policy a qualifier names ("" for the function itself): a
    /// missing version is `Function not found`, a missing alias `Cannot find alias arn`, as
    /// AWS words them (`$` makes a qualifier a version, never an alias).
    pub(super) fn policy_key(f: &Function, qualifier: Option<&str>) -> LambdaResult<String> {
        let Some(q) = qualifier else {
            return Ok(String::new());
        };
        let found = match q.parse::<u64>() {
            Ok(n) => f.versions.contains_key(&n),
            Err(_) => q == "$LATEST" || f.aliases.contains_key(q),
        };
        if found {
            Ok(q.to_string())
        } else if valid_name(q) && !q.bytes().all(|b| b.is_ascii_digit()) {
            Err(LambdaError::not_found(format!(
                "Cannot find alias arn: {}:{q}",
                f.arn
            )))
        } else {
            Err(LambdaError::function_not_found(&format!("{}:{q}", f.arn)))
        }
    }

    /// AWS's principals: `*`, an account id, an ARN, or a service (`*.amazonaws.com`, and the
    /// Alexa services under `amazon.com`).
    pub(super) fn principal_json(principal: &str) -> LambdaResult<Value> {
        if principal == "*" {
            Ok(json!("*"))
        } else if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
            Ok(json!({"AWS": format!("arn:aws:iam::{principal}:root")}))
        } else if principal.starts_with("arn:") {
            Ok(json!({"AWS": principal}))
        } else if [".amazonaws.com", ".amazonaws.com.cn", ".amazon.com"]
            .iter()
            .any(|s| principal.len() > s.len() && principal.ends_with(s))
        {
            Ok(json!({"Service": principal}))
        } else {
            Err(LambdaError::invalid(
                "The provided principal was invalid. Please check the principal and try again.",
            ))
        }
    }

    pub fn add_permission(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
        input: AddPermissionInput,
    ) -> LambdaResult<AddPermissionResponse> {
        let sid = input.statement_id.clone().ok_or_else(|| {
            LambdaError::validation("1 validation error detected: Value null at 'statementId' failed to satisfy constraint: Member must not be null")
        })?;
        if !valid_name(&sid) || sid.len() > 100 {
            return Err(LambdaError::validation(format!(
                "1 validation error detected: Value '{sid}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)"
            )));
        }
        if let Some(q) = &qualifier
            && !q
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'$' | b'_' | b'-'))
        {
            return Err(LambdaError::validation(format!(
                "1 validation error detected: Value '{q}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)"
            )));
        }
        let action = input.action.clone().ok_or_else(|| {
            LambdaError::validation("1 validation error detected: Value null at 'action' failed to satisfy constraint: Member must not be null")
        })?;
        let principal = input.principal.clone().ok_or_else(|| {
            LambdaError::validation("1 validation error detected: Value null at 'principal' failed to satisfy constraint: Member must not be null")
        })?;
        let (arn, q) = Self::named(ctx, name, qualifier)?;
        if q.as_deref() == Some("$LATEST") {
            return Err(LambdaError::invalid(
                "We currently do not support adding policies for $LATEST.",
            ));
        }
        let principal_json = Self::principal_json(&principal)?;
        let f = self
            .lookup(&arn)
            .ok_or_else(|| LambdaError::function_not_found(&arn))?;
        let mut f = lock(&f);
        let key = Self::policy_key(&f, q.as_deref())?;
        let policy = f.policies.entry(key).or_insert_with(Policy::new);
        Self::check_revision(input.revision_id.as_deref(), &policy.revision)?;
        let resource = match &q {
            Some(q) => format!("{arn}:{q}"),
            None => arn,
        };
        let mut condition = serde_json::Map::new();
        let mut equals = serde_json::Map::new();
        if let Some(a) = &input.source_account {
            equals.insert("AWS:SourceAccount".into(), json!(a));
        }
        if let Some(o) = &input.principal_org_id {
            equals.insert("aws:PrincipalOrgID".into(), json!(o));
        }
        if let Some(t) = &input.function_url_auth_type {
            equals.insert("lambda:FunctionUrlAuthType".into(), json!(t));
        }
        if !equals.is_empty() {
            condition.insert("StringEquals".into(), Value::Object(equals));
        }
        if let Some(a) = &input.source_arn {
            condition.insert("ArnLike".into(), json!({"AWS:SourceArn": a}));
        }
        let statement = Statement {
            sid,
            effect: "Allow",
            principal: principal_json,
            action,
            resource,
            condition: (!condition.is_empty()).then_some(Value::Object(condition)),
        };
        let out = AddPermissionResponse {
            statement: statement.text(),
        };
        policy.add(statement)?;
        self.journal_function(&f);
        Ok(out)
    }

    pub fn remove_permission(
        &self,
        ctx: &RequestContext,
        name: &str,
        sid: &str,
        qualifier: Option<String>,
        revision_id: Option<&str>,
    ) -> LambdaResult<()> {
        let (arn, q) = Self::named(ctx, name, qualifier)?;
        let f = self
            .lookup(&arn)
            .ok_or_else(|| LambdaError::not_found(format!("No policy found for: {arn}")))?;
        let mut f = lock(&f);
        let key = Self::policy_key(&f, q.as_deref())?;
        let policy = f
            .policies
            .get_mut(&key)
            .filter(|p| !p.is_empty())
            .ok_or_else(no_policy)?;
        Self::check_revision(revision_id, &policy.revision)?;
        policy.remove(sid)?;
        self.journal_function(&f);
        Ok(())
    }

    pub fn get_policy(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<GetPolicyResponse> {
        let (f, q) = self.qualified(ctx, name, qualifier)?;
        let f = lock(&f);
        let missing = || LambdaError::not_found("The resource you requested does not exist.");
        let key = Self::policy_key(&f, q.as_deref()).map_err(|_| missing())?;
        let policy = f
            .policies
            .get(&key)
            .filter(|p| !p.is_empty())
            .ok_or_else(missing)?;
        Ok(policy.answer())
    }
}
