//! Function URL configs: Create/Get/Update/Delete/ListFunctionUrlConfigs, kept in the function
//! (one per qualifier: the function itself or an alias) and found again by their URL id.

use serde::{Deserialize, Serialize};

use super::*;

/// The key of the function's own URL (no qualifier) among a function's URL configs.
pub(crate) const UNQUALIFIED: &str = "$LATEST";

/// Largest ListFunctionUrlConfigs page.
const MAX_LIST: usize = 50;

/// One function URL (also its durable form, inside the `lambda.function` record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrlConfig {
    /// The 32 lower-case alphanumerics naming the URL.
    pub url_id: String,
    /// The function's ARN, qualified by the alias when the URL is an alias's.
    pub function_arn: String,
    pub auth_type: String,
    #[serde(default)]
    pub cors: Option<Cors>,
    pub invoke_mode: String,
    pub creation_time: String,
    pub last_modified_time: String,
}

/// The config API's input (Create and Update).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UrlConfigInput {
    pub auth_type: Option<String>,
    pub cors: Option<Cors>,
    pub invoke_mode: Option<String>,
}

/// What the HTTP gateway needs to serve a URL.
#[derive(Debug, Clone)]
pub struct UrlTarget {
    pub config: UrlConfig,
    /// Unqualified function ARN.
    pub function_arn: String,
    /// The alias, for an alias's URL.
    pub qualifier: Option<String>,
    pub account: String,
    pub region: String,
    /// Whether the resource policy (of the function or the alias) lets `principal` call
    /// `lambda:InvokeFunctionUrl` with this auth type, per principal asked (see
    /// [`LambdaEngine::url_allowed`]).
    pub(crate) statements: Vec<Statement>,
}

/// `2024-01-01T00:00:00.000000Z`, as function URL timestamps are written.
fn url_time() -> String {
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0);
    let ms = crate::sns::engine::iso8601(micros / 1000);
    format!("{}{:03}Z", ms.trim_end_matches('Z'), micros % 1000)
}

/// 32 random lower-case alphanumerics.
fn new_url_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut raw = [0u8; 32];
    if getrandom::fill(&mut raw).is_err() {
        let u = uuid::Uuid::new_v4();
        raw[..16].copy_from_slice(u.as_bytes());
        raw[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    // 252 = 7 * 36: keep the draw uniform by folding within the largest multiple.
    raw.iter()
        .map(|b| ALPHABET[usize::from(b % 252) % ALPHABET.len()] as char)
        .collect()
}

fn qualifier_error(q: &str) -> LambdaError {
    if q == UNQUALIFIED {
        return LambdaError::validation(
            "1 validation error detected: Value '$LATEST' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)",
        );
    }
    LambdaError::validation(format!(
        "1 validation error detected: Value '{q}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (^\\$LATEST$)|((?!^[0-9]+$)([a-zA-Z0-9-_]+))"
    ))
}

/// A URL qualifier must be an alias name: not `$LATEST`, not a version number.
fn check_qualifier(q: &Option<String>) -> LambdaResult<()> {
    let Some(q) = q else { return Ok(()) };
    let alias_like = !q.is_empty()
        && q.len() <= 128
        && q.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !q.bytes().all(|b| b.is_ascii_digit());
    if alias_like {
        Ok(())
    } else {
        Err(qualifier_error(q))
    }
}

fn check_input(input: &UrlConfigInput, create: bool) -> LambdaResult<()> {
    let mut errors = Vec::new();
    match &input.auth_type {
        None if create => errors.push(
            "Value null at 'authType' failed to satisfy constraint: Member must not be null"
                .to_string(),
        ),
        Some(a) if a != "NONE" && a != "AWS_IAM" => errors.push(format!(
            "Value '{a}' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_IAM, NONE]"
        )),
        _ => {}
    }
    if let Some(m) = &input.invoke_mode
        && m != "BUFFERED"
        && m != "RESPONSE_STREAM"
    {
        errors.push(format!(
            "Value '{m}' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]"
        ));
    }
    if let Some(c) = &input.cors {
        if let Some(age) = c.max_age
            && !(0..=86_400).contains(&age)
        {
            let bound = if age < 0 {
                "greater than or equal to 0"
            } else {
                "less than or equal to 86400"
            };
            errors.push(format!(
                "Value '{age}' at 'cors.maxAge' failed to satisfy constraint: Member must have value {bound}"
            ));
        }
        if let Some(m) = &c.allow_methods {
            if m.len() > 6 {
                errors.push(format!(
                    "Value '[{}]' at 'cors.allowMethods' failed to satisfy constraint: Member must have length less than or equal to 6",
                    m.join(", ")
                ));
            } else if m.iter().any(|x| x.len() > 6) {
                errors.push(format!(
                    "Value '[{}]' at 'cors.allowMethods' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 6, Member must have length greater than or equal to 0, Member must satisfy regular expression pattern: .*, Member must not be null]",
                    m.join(", ")
                ));
            }
        }
        for (field, list, max_len) in [
            ("cors.allowHeaders", &c.allow_headers, 1024),
            ("cors.exposeHeaders", &c.expose_headers, 1024),
            ("cors.allowOrigins", &c.allow_origins, 253),
        ] {
            if let Some(l) = list
                && (l.len() > 100 || l.iter().any(|x| x.len() > max_len))
            {
                errors.push(format!(
                    "Value '[{}]' at '{field}' failed to satisfy constraint: Member must have length less than or equal to 100",
                    l.join(", ")
                ));
            }
        }
    }
    if errors.is_empty() {
        return Ok(());
    }
    let n = errors.len();
    Err(LambdaError::validation(format!(
        "{n} validation error{} detected: {}",
        if n == 1 { "" } else { "s" },
        errors.join("; ")
    )))
}

impl LambdaEngine {
    /// The URL base fogbank answers to for `url_id` in `region`.
    pub fn function_url(&self, url_id: &str, region: &str) -> String {
        let port = self
            .endpoint
            .get()
            .and_then(|e| e.rsplit(':').next())
            .and_then(|p| p.trim_end_matches('/').parse::<u16>().ok())
            .unwrap_or(4566);
        format!("http://{url_id}.lambda-url.{region}.localhost:{port}/")
    }

    /// A URL config as the API answers it (Create's answer has no `LastModifiedTime`).
    fn url_answer(&self, c: &UrlConfig, region: &str, with_modified: bool) -> FunctionUrlConfig {
        FunctionUrlConfig {
            function_url: self.function_url(&c.url_id, region),
            function_arn: c.function_arn.clone(),
            auth_type: c.auth_type.clone(),
            cors: c.cors.clone(),
            creation_time: c.creation_time.clone(),
            last_modified_time: with_modified.then(|| c.last_modified_time.clone()),
            invoke_mode: c.invoke_mode.clone(),
        }
    }

    /// The function and qualifier a URL config call names (validated as AWS does, before the
    /// function is looked up).
    fn url_function(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
        missing: &str,
    ) -> LambdaResult<(Arc<Mutex<Function>>, Option<String>)> {
        let (arn, q) = Self::named_as(ctx, name, qualifier, NameShape::Url)?;
        check_qualifier(&q)?;
        let f = self
            .lookup(&arn)
            .ok_or_else(|| LambdaError::not_found(missing))?;
        Ok((f, q))
    }

    pub fn create_function_url_config(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
        input: UrlConfigInput,
    ) -> LambdaResult<FunctionUrlConfig> {
        check_input(&input, true)?;
        let (f, q) = self.url_function(ctx, name, qualifier, "Function does not exist")?;
        let mut f = lock(&f);
        let key = q.clone().unwrap_or_else(|| UNQUALIFIED.to_string());
        if let Some(existing) = f.urls.get(&key) {
            return Err(LambdaError::conflict(format!(
                "Failed to create function url config for [functionArn = {}]. Error message:  FunctionUrlConfig exists for this Lambda function",
                existing.function_arn
            )));
        }
        if let Some(alias) = &q
            && !f.aliases.contains_key(alias)
        {
            return Err(LambdaError::not_found("Function does not exist"));
        }
        let now = url_time();
        let config = UrlConfig {
            url_id: new_url_id(),
            function_arn: match &q {
                Some(q) => format!("{}:{q}", f.arn),
                None => f.arn.clone(),
            },
            auth_type: input.auth_type.unwrap_or_default(),
            cors: input.cors,
            invoke_mode: input.invoke_mode.unwrap_or_else(|| "BUFFERED".into()),
            creation_time: now.clone(),
            last_modified_time: now,
        };
        let out = self.url_answer(&config, &f.region, false);
        f.urls.insert(key, config);
        self.journal_function(&f);
        Ok(out)
    }

    pub fn get_function_url_config(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<FunctionUrlConfig> {
        let missing = "The resource you requested does not exist.";
        let (f, q) = self.url_function(ctx, name, qualifier, missing)?;
        let f = lock(&f);
        let key = q.unwrap_or_else(|| UNQUALIFIED.to_string());
        let c = f
            .urls
            .get(&key)
            .ok_or_else(|| LambdaError::not_found(missing))?;
        Ok(self.url_answer(c, &f.region, true))
    }

    pub fn update_function_url_config(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
        input: UrlConfigInput,
    ) -> LambdaResult<FunctionUrlConfig> {
        check_input(&input, false)?;
        let (f, q) = self.url_function(ctx, name, qualifier, "Function does not exist")?;
        let mut f = lock(&f);
        if let Some(alias) = &q
            && !f.aliases.contains_key(alias)
        {
            return Err(LambdaError::not_found("Function does not exist"));
        }
        let key = q.unwrap_or_else(|| UNQUALIFIED.to_string());
        let region = f.region.clone();
        let c = f
            .urls
            .get_mut(&key)
            .ok_or_else(|| LambdaError::not_found("The resource you requested does not exist."))?;
        if let Some(a) = input.auth_type {
            c.auth_type = a;
        }
        if let Some(cors) = input.cors {
            c.cors = Some(cors);
        }
        if let Some(m) = input.invoke_mode {
            c.invoke_mode = m;
        }
        c.last_modified_time = url_time();
        let out = self.url_answer(c, &region, true);
        self.journal_function(&f);
        Ok(out)
    }

    pub fn delete_function_url_config(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<()> {
        let missing = "The resource you requested does not exist.";
        let (f, q) = self.url_function(ctx, name, qualifier, missing)?;
        let mut f = lock(&f);
        let key = q.unwrap_or_else(|| UNQUALIFIED.to_string());
        if f.urls.remove(&key).is_none() {
            return Err(LambdaError::not_found(missing));
        }
        self.journal_function(&f);
        Ok(())
    }

    pub fn list_function_url_configs(
        &self,
        ctx: &RequestContext,
        name: &str,
        marker: Option<&str>,
        max_items: Option<&str>,
    ) -> LambdaResult<ListFunctionUrlConfigsResponse> {
        let (arn, _) = Self::named_as(ctx, name, None, NameShape::Url)?;
        let f = self
            .lookup(&arn)
            .ok_or_else(|| LambdaError::not_found("Function does not exist"))?;
        let f = lock(&f);
        let all: Vec<FunctionUrlConfig> = f
            .urls
            .values()
            .map(|c| self.url_answer(c, &f.region, true))
            .collect();
        let (configs, next_marker) = page(all, marker, max_items, (MAX_LIST, MAX_LIST))?;
        Ok(ListFunctionUrlConfigsResponse {
            function_url_configs: configs,
            next_marker,
        })
    }

    /// Invoke the function behind a URL synchronously with `payload` (the 2.0 event) as the
    /// invocation `request_id`.
    pub async fn invoke_url(
        &self,
        t: &UrlTarget,
        payload: Bytes,
        request_id: &str,
    ) -> LambdaResult<Outcome> {
        let ctx = RequestContext::new(&t.account, &t.region, "localhost");
        let target = self.resolve_target(&ctx, &t.function_arn, t.qualifier.clone())?;
        let capacity = match target.reserved {
            Some(0) => return Err(LambdaError::throttled("Rate Exceeded.")),
            Some(n) => Capacity {
                cap: n as usize,
                reject_when_full: true,
            },
            None => Capacity {
                cap: self.settings.default_concurrency,
                reject_when_full: false,
            },
        };
        let pool = self.pool_for(&target)?;
        let ran = pool
            .invoke(
                request_id.to_string(),
                payload,
                target.invoked_arn.clone(),
                None,
                capacity,
                Some(target.recording(Trigger::FunctionUrl)),
            )
            .await?;
        Ok(ran.outcome)
    }

    /// The function URL named `url_id` (the gateway's lookup). A region given by the host
    /// name must be the function's.
    pub fn url_target(&self, url_id: &str, region: Option<&str>) -> Option<UrlTarget> {
        for entry in self.functions.iter() {
            let f = lock(entry.value());
            let Some((key, c)) = f.urls.iter().find(|(_, c)| c.url_id == url_id) else {
                continue;
            };
            if region.is_some_and(|r| r != f.region) {
                return None;
            }
            let qualifier = (key != UNQUALIFIED).then(|| key.clone());
            let policy_key = qualifier.clone().unwrap_or_default();
            let statements = f
                .policies
                .get(&policy_key)
                .map(|p| p.statements().to_vec())
                .unwrap_or_default();
            return Some(UrlTarget {
                config: c.clone(),
                function_arn: f.arn.clone(),
                qualifier,
                account: f.account.clone(),
                region: f.region.clone(),
                statements,
            });
        }
        None
    }
}

impl UrlTarget {
    /// Whether the resource policy lets `account` (None: anyone, unauthenticated) invoke the
    /// URL: an Allow of `lambda:InvokeFunctionUrl` (or `lambda:*`, `*`) whose principal is
    /// `*` or the account, and whose `lambda:FunctionUrlAuthType` condition (if any) is the
    /// URL's auth type.
    pub fn allowed(&self, account: Option<&str>) -> bool {
        self.statements.iter().any(|s| {
            let action_ok = matches!(
                s.action.as_str(),
                "lambda:InvokeFunctionUrl" | "lambda:*" | "*"
            );
            let principal_ok = principal_matches(&s.principal, account);
            let condition_ok = match &s.condition {
                None => true,
                Some(c) => c["StringEquals"]["lambda:FunctionUrlAuthType"]
                    .as_str()
                    .is_none_or(|t| t == self.config.auth_type),
            };
            s.effect == "Allow" && action_ok && principal_ok && condition_ok
        })
    }
}

fn principal_matches(p: &Value, account: Option<&str>) -> bool {
    let one = |v: &Value| match v.as_str() {
        Some("*") => true,
        Some(s) => account.is_some_and(|a| {
            s == a || s == format!("arn:aws:iam::{a}:root") || s.split(':').nth(4) == Some(a)
        }),
        None => false,
    };
    match p {
        Value::String(_) => one(p),
        Value::Object(m) => m.values().any(|v| match v {
            Value::Array(a) => a.iter().any(one),
            v => one(v),
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_ids_are_32_lower_case_alphanumerics() {
        let id = new_url_id();
        assert_eq!(id.len(), 32);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
        assert_ne!(id, new_url_id());
    }

    #[test]
    fn qualifiers_must_be_alias_names() {
        assert!(check_qualifier(&None).is_ok());
        assert!(check_qualifier(&Some("live".into())).is_ok());
        let e = check_qualifier(&Some("$LATEST".into())).expect_err("latest");
        assert_eq!(e.code, "ValidationException");
        assert!(e.message.contains("((?!^\\d+$)^[0-9a-zA-Z-_]+$)"));
        let e = check_qualifier(&Some("12".into())).expect_err("version");
        assert!(e.message.contains("Value '12' at 'qualifier'"));
    }

    #[test]
    fn inputs_are_checked_as_aws_words_them() {
        let e = check_input(
            &UrlConfigInput {
                auth_type: Some("BOTH".into()),
                invoke_mode: Some("UNKNOWN".into()),
                ..Default::default()
            },
            true,
        )
        .expect_err("bad");
        assert!(e.message.starts_with("2 validation errors detected: "));
        assert!(e.message.contains("[AWS_IAM, NONE]"));
        assert!(e.message.contains("[RESPONSE_STREAM, BUFFERED]"));
        assert!(check_input(&UrlConfigInput::default(), true).is_err());
        assert!(check_input(&UrlConfigInput::default(), false).is_ok());
    }

    #[test]
    fn url_times_have_microseconds() {
        let t = url_time();
        assert_eq!(t.len(), "2024-01-01T00:00:00.000000Z".len(), "{t}");
        assert!(t.ends_with('Z'));
    }

    #[test]
    fn principals() {
        assert!(principal_matches(&json!("*"), None));
        assert!(!principal_matches(&json!("111122223333"), None));
        assert!(principal_matches(
            &json!({"AWS": "arn:aws:iam::111122223333:root"}),
            Some("111122223333")
        ));
    }
}
