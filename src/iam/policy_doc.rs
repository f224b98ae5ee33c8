//! Policy documents: checked as JSON and against the basic grammar of the IAM policy
//! language (Version, Statement, Effect, Action/NotAction, Resource/NotResource,
//! Principal/NotPrincipal, Condition), answered with AWS's `MalformedPolicyDocument` wording.
//! Documents are stored as sent and never evaluated: fogbank does not enforce IAM.

use serde_json::Value;

use super::error::{IamError, IamErrorCode, IamResult};

/// What a document is for: permissions (managed and inline policies) or a role's trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Identity,
    Trust,
}

/// Quota on a managed policy's size (characters other than white space).
pub const MANAGED_POLICY_SIZE: usize = 6144;
/// Quota on a role's trust policy size.
pub const TRUST_POLICY_SIZE: usize = 2048;
/// Quota on one inline policy (roles' aggregate quota, applied to each).
pub const INLINE_POLICY_SIZE: usize = 10240;

const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

fn syntax() -> IamError {
    IamError::malformed("Syntax errors in policy.")
}

/// Size in characters, white space not counted (as IAM counts against its quotas).
pub fn size(doc: &str) -> usize {
    doc.chars().filter(|c| !c.is_whitespace()).count()
}

/// Check `doc` as a policy of `kind`; `quota` is the size limit and its name in AWS's message.
pub fn validate(doc: &str, kind: Kind, quota: (&str, usize)) -> IamResult<()> {
    if size(doc) > quota.1 {
        return Err(IamError::new(
            IamErrorCode::LimitExceeded,
            format!("Cannot exceed quota for {}: {}", quota.0, quota.1),
        ));
    }
    let value: Value = serde_json::from_str(doc)
        .map_err(|_| IamError::malformed("This policy contains invalid Json"))?;
    let Value::Object(top) = value else {
        return Err(IamError::malformed("This policy contains invalid Json"));
    };
    if let Some(v) = top.get("Version")
        && !matches!(v.as_str(), Some("2012-10-17" | "2008-10-17"))
    {
        return Err(IamError::malformed(
            "The policy must contain a valid version string",
        ));
    }
    if top
        .keys()
        .any(|k| !matches!(k.as_str(), "Version" | "Id" | "Statement"))
    {
        return Err(syntax());
    }
    let statements: Vec<&Value> = match top.get("Statement") {
        Some(Value::Array(items)) if !items.is_empty() => items.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => return Err(syntax()),
    };
    for s in statements {
        statement(s, kind)?;
    }
    Ok(())
}

fn strings(v: &Value) -> bool {
    match v {
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty() && items.iter().all(|i| i.is_string()),
        _ => false,
    }
}

fn principal(v: &Value) -> bool {
    match v {
        Value::String(s) => s == "*",
        Value::Object(m) => {
            !m.is_empty()
                && m.iter().all(|(k, v)| {
                    matches!(
                        k.as_str(),
                        "AWS" | "Service" | "Federated" | "CanonicalUser"
                    ) && strings(v)
                })
        }
        _ => false,
    }
}

/// Whether every action of a trust policy statement is one of STS's role actions.
fn trust_actions(v: Option<&Value>) -> bool {
    let ok = |a: &str| {
        let a = a.to_ascii_lowercase();
        a == "*"
            || a == "sts:*"
            || a.starts_with("sts:assumerole")
            || matches!(
                a.as_str(),
                "sts:tagsession" | "sts:setsourceidentity" | "sts:setcontext"
            )
    };
    match v {
        Some(Value::String(s)) => ok(s),
        Some(Value::Array(items)) => items.iter().all(|i| i.as_str().is_some_and(ok)),
        _ => true,
    }
}

fn statement(s: &Value, kind: Kind) -> IamResult<()> {
    let Value::Object(m) = s else {
        return Err(syntax());
    };
    if m.keys().any(|k| !STATEMENT_KEYS.contains(&k.as_str())) {
        return Err(syntax());
    }
    if !matches!(
        m.get("Effect").and_then(Value::as_str),
        Some("Allow" | "Deny")
    ) {
        return Err(syntax());
    }
    if let Some(sid) = m.get("Sid")
        && !sid.is_string()
    {
        return Err(syntax());
    }
    let actions = [m.get("Action"), m.get("NotAction")];
    match actions {
        [Some(a), None] | [None, Some(a)] if strings(a) => {}
        [None, None] => {
            return Err(IamError::malformed(
                "Policy statement must contain actions.",
            ));
        }
        _ => return Err(syntax()),
    }
    if let Some(c) = m.get("Condition")
        && !c.is_object()
    {
        return Err(syntax());
    }
    let principals = [m.get("Principal"), m.get("NotPrincipal")];
    let resources = [m.get("Resource"), m.get("NotResource")];
    match kind {
        Kind::Identity => {
            if principals.iter().any(Option::is_some) {
                return Err(IamError::malformed(
                    "Policy document should not specify a principal.",
                ));
            }
            match resources {
                [Some(r), None] | [None, Some(r)] if strings(r) => Ok(()),
                [None, None] => Err(IamError::malformed(
                    "Policy statement must contain resources.",
                )),
                _ => Err(syntax()),
            }
        }
        Kind::Trust => {
            if let Some(field) = ["Resource", "NotResource"]
                .into_iter()
                .find(|f| m.contains_key(*f))
            {
                return Err(IamError::malformed(format!("Has prohibited field {field}")));
            }
            if !trust_actions(m.get("Action").or(m.get("NotAction"))) {
                return Err(IamError::malformed(
                    "AssumeRole policy may only specify STS AssumeRole actions.",
                ));
            }
            match principals {
                [Some(p), None] | [None, Some(p)] if principal(p) => Ok(()),
                [None, None] => Err(IamError::malformed("Missing required field Principal")),
                _ => Err(IamError::malformed("Invalid principal in policy")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: (&str, usize) = ("PolicySize", MANAGED_POLICY_SIZE);

    fn msg(doc: &str, kind: Kind) -> String {
        validate(doc, kind, Q)
            .map(|_| String::new())
            .unwrap_or_else(|e| e.message)
    }

    #[test]
    fn grammar() {
        let ok = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
        assert_eq!(msg(ok, Kind::Identity), "");
        assert_eq!(
            msg("{", Kind::Identity),
            "This policy contains invalid Json"
        );
        assert_eq!(
            msg("[]", Kind::Identity),
            "This policy contains invalid Json"
        );
        assert_eq!(
            msg(r#"{"Version":"2012-10-17"}"#, Kind::Identity),
            "Syntax errors in policy."
        );
        assert_eq!(
            msg(
                r#"{"Statement":{"Effect":"Allow","Resource":"*"}}"#,
                Kind::Identity
            ),
            "Policy statement must contain actions."
        );
        assert_eq!(
            msg(
                r#"{"Statement":{"Effect":"Allow","Action":"x:y"}}"#,
                Kind::Identity
            ),
            "Policy statement must contain resources."
        );
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        assert_eq!(msg(trust, Kind::Trust), "");
        assert_eq!(
            msg(trust, Kind::Identity),
            "Policy document should not specify a principal."
        );
        assert_eq!(msg(ok, Kind::Trust), "Has prohibited field Resource");
        assert_eq!(
            msg(r#"{"Version":"1999","Statement":[]}"#, Kind::Identity),
            "The policy must contain a valid version string"
        );
    }
}
