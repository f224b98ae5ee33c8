//! Tags of functions, event source mappings and code signing configs, and AWS's tag quotas.

use super::*;

/// Most tags one resource may carry.
const MAX_TAGS: usize = 50;

/// The model's `TagKey`/`TagValue` pattern.
const TAG_PATTERN: &str = r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)";

/// A character of the model's `[\p{L}\p{Z}\p{N}_.:/=+\-@]`.
fn tag_char(c: char) -> bool {
    c.is_alphanumeric()
        || (c.is_whitespace() && !c.is_control())
        || matches!(c, '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@')
}

/// The tags as the model's messages print a map (`{k=v, k2=v2}`).
fn shown(tags: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", pairs.join(", "))
}

/// AWS's checks of the tags one request sets: the model's key and value constraints (a
/// ValidationException), then the reserved `aws:` prefix and the 50-tag quota.
pub(crate) fn check_tags(tags: &BTreeMap<String, String>) -> LambdaResult<()> {
    let mut errors = Vec::new();
    if tags
        .keys()
        .any(|k| k.is_empty() || k.chars().count() > 128 || !k.chars().all(tag_char))
    {
        errors.push(format!(
            "Value '{}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: {TAG_PATTERN}]",
            shown(tags)
        ));
    }
    if tags
        .values()
        .any(|v| v.chars().count() > 256 || !v.chars().all(tag_char))
    {
        errors.push(format!(
            "Value '{}' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0, Member must satisfy regular expression pattern: {TAG_PATTERN}]",
            shown(tags)
        ));
    }
    validation_errors(errors)?;
    if let Some(k) = tags
        .keys()
        .find(|k| k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")))
    {
        return Err(LambdaError::invalid(format!(
            "Tag keys starting with 'aws:' are reserved for internal use: {k}"
        )));
    }
    if tags.len() > MAX_TAGS {
        return Err(LambdaError::invalid(
            "Number of tags exceeds resource tag limit.",
        ));
    }
    Ok(())
}

/// What a tagging call's `Resource` ARN names.
enum Taggable {
    Function(Arc<Mutex<Function>>),
    Mapping(Arc<Esm>),
    /// A code signing configuration, by ARN.
    CodeSigning(String),
}

impl LambdaEngine {
    /// The resource a tagging call names: a function (unqualified) or an event source mapping
    /// of the caller's account and region.
    fn taggable(&self, ctx: &RequestContext, arn: &str) -> LambdaResult<Taggable> {
        let pattern = || {
            LambdaError::validation(format!(
                "1 validation error detected: Value '{arn}' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{{2}}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{{1}}:\\d{{12}}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{{17}}|event-source-mapping:[0-9a-fA-F]{{8}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{12}}|(capacity-provider|network-connector):[a-zA-Z0-9-_]{{1,64}})"
            ))
        };
        if !arn.starts_with("arn:") {
            return Err(pattern());
        }
        let parts: Vec<&str> = arn.split(':').collect();
        if let [
            "arn",
            partition,
            "lambda",
            region,
            account,
            "event-source-mapping",
            uuid,
        ] = parts.as_slice()
        {
            let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
            let groups: Vec<&str> = uuid.split('-').collect();
            let uuid_ok = matches!(groups.as_slice(), [a, b, c, d, e]
                if hex(a, 8) && hex(b, 4) && hex(c, 4) && hex(d, 4) && hex(e, 12));
            if !partition.starts_with("aws")
                || (*region != ctx.region && !valid_region(region))
                || account.len() != 12
                || !account.bytes().all(|b| b.is_ascii_digit())
                || !uuid_ok
            {
                return Err(pattern());
            }
            let missing = || LambdaError::not_found("The resource you requested does not exist.");
            let esm = self
                .esms
                .get(&uuid.to_ascii_lowercase())
                .map(|e| e.clone())
                .ok_or_else(missing)?;
            let mine = {
                let c = lock(&esm.config);
                c.account == *account && c.region == *region && c.account == ctx.account
            };
            return if mine {
                Ok(Taggable::Mapping(esm))
            } else {
                Err(missing())
            };
        }
        if parts.get(5) == Some(&"code-signing-config") {
            super::code_signing::checked_arn(arn).map_err(|_| pattern())?;
            let mine = parts.get(3) == Some(&ctx.region.as_str())
                && parts.get(4) == Some(&ctx.account.as_str());
            return if mine && self.code_signing.contains_key(arn) {
                Ok(Taggable::CodeSigning(arn.to_string()))
            } else {
                Err(LambdaError::not_found(
                    "The resource you requested does not exist.",
                ))
            };
        }
        let (key, qualifier) = Self::named(ctx, arn, None).map_err(|e| match e.status {
            400 => pattern(),
            _ => e,
        })?;
        if qualifier.is_some() {
            return Err(LambdaError::invalid(
                "Tags on function aliases and versions are not supported. Please specify a function ARN.",
            ));
        }
        self.lookup(&key)
            .map(Taggable::Function)
            .ok_or_else(|| LambdaError::function_not_found(&key))
    }

    /// Change a resource's tags with `change` (given the current ones; an error leaves them
    /// as they were) and journal the change.
    fn retag(
        &self,
        ctx: &RequestContext,
        arn: &str,
        change: impl FnOnce(&mut BTreeMap<String, String>) -> LambdaResult<()>,
    ) -> LambdaResult<()> {
        match self.taggable(ctx, arn)? {
            Taggable::Function(f) => {
                let mut f = lock(&f);
                let mut tags = f.tags.clone();
                change(&mut tags)?;
                f.tags = tags;
                self.journal_function(&f);
            }
            Taggable::Mapping(esm) => {
                let mut c = lock(&esm.config);
                let mut tags = c.tags.clone();
                change(&mut tags)?;
                c.tags = tags;
                if !esm.is_stopped() {
                    self.journal_esm(&c);
                }
            }
            Taggable::CodeSigning(arn) => {
                let Some(mut c) = self.code_signing.get_mut(&arn) else {
                    return Err(LambdaError::not_found(
                        "The resource you requested does not exist.",
                    ));
                };
                let mut tags = c.tags.clone();
                change(&mut tags)?;
                c.tags = tags;
                self.journal_code_signing(&c);
            }
        }
        Ok(())
    }

    pub fn tag_resource(
        &self,
        ctx: &RequestContext,
        arn: &str,
        tags: BTreeMap<String, String>,
    ) -> LambdaResult<()> {
        self.taggable(ctx, arn)?;
        if tags.is_empty() {
            return Err(LambdaError::invalid(
                "An error occurred and the request cannot be processed.",
            ));
        }
        check_tags(&tags)?;
        self.retag(ctx, arn, |current| {
            current.extend(tags);
            if current.len() > MAX_TAGS {
                return Err(LambdaError::invalid(
                    "Number of tags exceeds resource tag limit.",
                ));
            }
            Ok(())
        })
    }

    pub fn untag_resource(
        &self,
        ctx: &RequestContext,
        arn: &str,
        keys: &[String],
    ) -> LambdaResult<()> {
        self.taggable(ctx, arn)?;
        if keys.is_empty() {
            return Err(LambdaError::validation(
                "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
            ));
        }
        self.retag(ctx, arn, |current| {
            for k in keys {
                current.remove(k);
            }
            Ok(())
        })
    }

    pub fn list_tags(&self, ctx: &RequestContext, arn: &str) -> LambdaResult<ListTagsResponse> {
        let tags = match self.taggable(ctx, arn)? {
            Taggable::Function(f) => lock(&f).tags.clone(),
            Taggable::Mapping(esm) => lock(&esm.config).tags.clone(),
            Taggable::CodeSigning(arn) => self
                .code_signing
                .get(&arn)
                .map(|c| c.tags.clone())
                .unwrap_or_default(),
        };
        Ok(ListTagsResponse { tags })
    }
}
