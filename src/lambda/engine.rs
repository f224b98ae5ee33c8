//! The Lambda engine: functions, versions, aliases, policies, concurrency, event invoke configs,
//! tags, and invocation (sync through the warm pools, async with retries and destinations).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use dashmap::DashMap;
use serde_json::{Value, json};

use super::code::{self, Code, HOT_RELOAD_BUCKET};
use super::error::{LambdaError, LambdaResult};
use super::esm::Esm;
use super::model::*;
use super::pool::{Capacity, Pool};
use super::runtime::{EnvSpec, Outcome, lock, write_bootstraps};
use super::scratch::DataDir;
use crate::context::RequestContext;
use crate::sns::SnsEngine;
use crate::sqs::SqsEngine;
use crate::sqs::model::{MessageAttributeValue, SendMessageFields};

/// Largest synchronous invoke payload.
pub const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;
/// Largest asynchronous invoke payload.
pub const MAX_ASYNC_PAYLOAD: usize = 1024 * 1024;

/// Runtimes a function may declare (the current Lambda enum).
pub const RUNTIMES: &[&str] = &[
    "nodejs",
    "nodejs4.3",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "nodejs18.x",
    "nodejs20.x",
    "nodejs22.x",
    "nodejs24.x",
    "java8",
    "java8.al2",
    "java11",
    "java17",
    "java21",
    "java25",
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet6",
    "dotnet8",
    "dotnet10",
    "nodejs4.3-edge",
    "go1.x",
    "ruby2.5",
    "ruby2.7",
    "ruby3.2",
    "ruby3.3",
    "ruby3.4",
    "provided",
    "provided.al2",
    "provided.al2023",
];

/// Tunables of the Lambda engine.
#[derive(Debug, Clone)]
pub struct LambdaSettings {
    /// Most environments per function version when no reserved concurrency is set.
    pub default_concurrency: usize,
    /// Idle environments are killed after this long.
    pub idle_timeout: Duration,
    /// Delays before the first and second retry of a failed asynchronous invoke
    /// (AWS waits about 1 and 2 minutes; local runs want seconds).
    pub async_retry_delays: Vec<Duration>,
    /// Account-wide concurrency reported by GetAccountSettings.
    pub account_concurrency: u32,
    /// What fogbank's log gets of handler output (`--lambda-log`).
    pub handler_log: super::HandlerLog,
}

impl Default for LambdaSettings {
    fn default() -> Self {
        LambdaSettings {
            default_concurrency: 16,
            idle_timeout: Duration::from_secs(600),
            async_retry_delays: vec![Duration::from_secs(1), Duration::from_secs(2)],
            account_concurrency: 1000,
            handler_log: super::HandlerLog::default(),
        }
    }
}

/// One immutable version of a function: its configuration and code.
#[derive(Debug, Clone)]
pub struct Version {
    pub config: FunctionConfiguration,
    pub code: Code,
    pub layer_dirs: Vec<PathBuf>,
    /// For a published version, the description $LATEST had when it was published (a
    /// PublishVersion `Description` may replace the version's own).
    pub source_description: String,
}

#[derive(Debug, Clone)]
struct Alias {
    config: AliasConfiguration,
}

/// A function and everything attached to it.
pub(crate) struct Function {
    pub name: String,
    pub arn: String,
    pub account: String,
    pub region: String,
    pub latest: Arc<Version>,
    pub versions: BTreeMap<u64, Arc<Version>>,
    last_version: u64,
    aliases: BTreeMap<String, Alias>,
    /// Resource policies by qualifier ("" for the function itself, else a version or alias).
    policies: BTreeMap<String, Policy>,
    pub reserved: Option<u32>,
    invoke_configs: BTreeMap<String, EventInvokeConfig>,
    pub tags: BTreeMap<String, String>,
}

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

    /// `{"Policy": <the document as a string>, "RevisionId"}`, as GetPolicy answers.
    pub fn answer(&self) -> Value {
        let doc = PolicyDocument {
            version: "2012-10-17",
            id: "default",
            statement: &self.statements,
        };
        let doc = serde_json::to_string(&doc).unwrap_or_default();
        json!({"Policy": doc, "RevisionId": self.revision})
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

/// An invoke as it arrived.
#[derive(Debug, Clone, Default)]
pub struct InvokeInput {
    pub invocation_type: Option<String>,
    pub log_type: Option<String>,
    /// Base64 JSON, as sent in `X-Amz-Client-Context`.
    pub client_context: Option<String>,
    pub payload: Bytes,
}

/// What the HTTP layer needs to answer an invoke.
#[derive(Debug, Clone)]
pub struct InvokeOutput {
    pub status: u16,
    pub payload: Bytes,
    pub function_error: Option<String>,
    pub log_result: Option<String>,
    pub executed_version: Option<String>,
}

/// A resolved target of an invoke.
struct Target {
    function_key: String,
    version: Arc<Version>,
    executed: String,
    invoked_arn: String,
    reserved: Option<u32>,
}

/// A layer version.
#[derive(Debug, Clone)]
pub(crate) struct LayerVersion {
    pub arn: String,
    pub version: u64,
    pub description: String,
    pub created: String,
    pub code: Code,
    pub runtimes: Vec<String>,
    pub architectures: Vec<String>,
    pub license: Option<String>,
    /// Set by AddLayerVersionPermission; goes with the version when it is deleted.
    pub policy: Option<Policy>,
}

/// The Lambda engine.
pub struct LambdaEngine {
    pub(crate) settings: LambdaSettings,
    pub(crate) sqs: Arc<SqsEngine>,
    sns: OnceLock<Weak<SnsEngine>>,
    endpoint: OnceLock<String>,
    pub(crate) functions: DashMap<String, Arc<Mutex<Function>>>,
    pools: DashMap<String, Arc<Pool>>,
    pub(crate) esms: DashMap<String, Arc<Esm>>,
    pub(crate) layers: DashMap<String, BTreeMap<u64, LayerVersion>>,
    data_dir: DataDir,
    runtime_dir: OnceLock<Result<PathBuf, String>>,
    this: OnceLock<Weak<LambdaEngine>>,
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Lambda's LastModified format: `2024-01-01T00:00:00.000+0000`.
pub(crate) fn last_modified(ms: u64) -> String {
    let iso = crate::sns::engine::iso8601(ms);
    format!("{}+0000", iso.trim_end_matches('Z'))
}

/// 404 for a resource without a policy (or with no statement left).
pub(crate) fn no_policy() -> LambdaError {
    LambdaError::not_found("No policy is associated with the given resource.")
}

fn revision() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Split a FunctionName parameter (name, `name:qualifier`, full or partial ARN) into
/// (account, region, name, qualifier).
pub fn parse_function_name(
    ctx: &RequestContext,
    raw: &str,
) -> LambdaResult<(String, String, String, Option<String>)> {
    let parts: Vec<&str> = raw.split(':').collect();
    let bad = || {
        LambdaError::validation(format!(
            "1 validation error detected: Value '{raw}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{{2}}(-gov)?-[a-z]+-\\d{{1}}:)?(\\d{{12}}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
        ))
    };
    let (account, region, name, qualifier) = match parts.as_slice() {
        ["arn", _, "lambda", region, account, "function", name] => {
            (account.to_string(), region.to_string(), *name, None)
        }
        ["arn", _, "lambda", region, account, "function", name, q] => {
            (account.to_string(), region.to_string(), *name, Some(*q))
        }
        [account, "function", name] => (account.to_string(), ctx.region.clone(), *name, None),
        [account, "function", name, q] => {
            (account.to_string(), ctx.region.clone(), *name, Some(*q))
        }
        [name] => (ctx.account.clone(), ctx.region.clone(), *name, None),
        [name, q] => (ctx.account.clone(), ctx.region.clone(), *name, Some(*q)),
        _ => return Err(bad()),
    };
    if !valid_name(name) || qualifier.is_some_and(|q| q.is_empty() || q.len() > 128) {
        return Err(bad());
    }
    Ok((
        account,
        region,
        name.to_string(),
        qualifier.map(str::to_string),
    ))
}

/// What a listing's `Marker` names.
trait Listed {
    fn key(&self) -> &str;
}

impl Listed for FunctionConfiguration {
    fn key(&self) -> &str {
        &self.function_arn
    }
}

impl Listed for EventInvokeConfig {
    fn key(&self) -> &str {
        &self.function_arn
    }
}

/// One page of a listing as `{field: [...], "NextMarker"?}`: `max_items` (1..=`limit`,
/// default `default`) items after the one whose key is `marker` (or, if it is gone, after the
/// keys that sort before it).
fn page<T: serde::Serialize + Listed>(
    field: &str,
    all: &[T],
    marker: Option<&str>,
    max_items: Option<&str>,
    (default, limit): (usize, usize),
) -> LambdaResult<Value> {
    let max = match max_items {
        None => default,
        Some(m) => match m.parse::<usize>() {
            Ok(n) if (1..=limit).contains(&n) => n,
            Ok(n) if n > limit => {
                return Err(LambdaError::validation(format!(
                    "1 validation error detected: Value '{m}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to {limit}"
                )));
            }
            _ => {
                return Err(LambdaError::validation(format!(
                    "1 validation error detected: Value '{m}' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"
                )));
            }
        },
    };
    let start = match marker {
        None => 0,
        Some(m) => all
            .iter()
            .position(|item| item.key() == m)
            .map(|i| i + 1)
            .or_else(|| all.iter().position(|item| item.key() > m))
            .unwrap_or(all.len()),
    };
    let items: Vec<&T> = all.iter().skip(start).take(max).collect();
    let mut out = json!({ field: items });
    if start + max < all.len()
        && let Some(last) = items.last()
    {
        out["NextMarker"] = json!(last.key());
    }
    Ok(out)
}

fn function_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:lambda:{region}:{account}:function:{name}")
}

fn check_range(v: Option<i64>, field: &str, min: i64, max: i64) -> LambdaResult<Option<u32>> {
    match v {
        None => Ok(None),
        Some(n) if n < min => Err(LambdaError::validation(format!(
            "1 validation error detected: Value '{n}' at '{field}' failed to satisfy constraint: Member must have value greater than or equal to {min}"
        ))),
        Some(n) if n > max => Err(LambdaError::validation(format!(
            "1 validation error detected: Value '{n}' at '{field}' failed to satisfy constraint: Member must have value less than or equal to {max}"
        ))),
        Some(n) => Ok(Some(n as u32)),
    }
}

fn check_role(role: &str) -> LambdaResult<()> {
    let ok = role.starts_with("arn:")
        && role.split(':').nth(2) == Some("iam")
        && role
            .split(':')
            .nth(5)
            .is_some_and(|r| r.starts_with("role/") && r.len() > 5);
    if ok {
        Ok(())
    } else {
        Err(LambdaError::validation(format!(
            "1 validation error detected: Value '{role}' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{{12}}:role/?[a-zA-Z_0-9+=,.@\\-_/]+"
        )))
    }
}

fn check_runtime(rt: &str) -> LambdaResult<()> {
    if RUNTIMES.contains(&rt) {
        Ok(())
    } else {
        Err(LambdaError::invalid(format!(
            "Value {rt} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [{}] or be a valid ARN",
            RUNTIMES.join(", ")
        )))
    }
}

/// The model's checks of `Architectures`: at most one, `x86_64` or `arm64`.
fn check_architectures(archs: &[String]) -> LambdaResult<()> {
    let shown = || format!("[{}]", archs.join(", "));
    if archs.len() > 1 {
        return Err(LambdaError::validation(format!(
            "1 validation error detected: Value '{}' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1",
            shown()
        )));
    }
    if archs.iter().any(|a| a != "x86_64" && a != "arm64") {
        return Err(LambdaError::validation(format!(
            "1 validation error detected: Value '{}' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]",
            shown()
        )));
    }
    Ok(())
}

const RESERVED_VARIABLES: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

fn check_environment(env: &Option<Environment>) -> LambdaResult<()> {
    let Some(env) = env else { return Ok(()) };
    let reserved: Vec<&str> = env
        .variables
        .keys()
        .map(String::as_str)
        .filter(|k| RESERVED_VARIABLES.contains(k))
        .collect();
    if !reserved.is_empty() {
        return Err(LambdaError::invalid(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}",
            reserved.join(", ")
        )));
    }
    let size: usize = env.variables.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > 4096 {
        // AWS quotes the variables as JSON (in the order sent; fogbank's map is sorted)
        let measured = serde_json::to_string(&env.variables).unwrap_or_default();
        return Err(LambdaError::invalid(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {measured}"
        )));
    }
    Ok(())
}

impl LambdaEngine {
    pub fn new(settings: LambdaSettings, sqs: Arc<SqsEngine>) -> Arc<Self> {
        let data_dir = DataDir::create();
        let engine = Arc::new(LambdaEngine {
            settings,
            sqs,
            sns: OnceLock::new(),
            endpoint: OnceLock::new(),
            functions: DashMap::new(),
            pools: DashMap::new(),
            esms: DashMap::new(),
            layers: DashMap::new(),
            data_dir,
            runtime_dir: OnceLock::new(),
            this: OnceLock::new(),
        });
        let _ = engine.this.set(Arc::downgrade(&engine));
        engine
    }

    /// The address handlers' SDKs should call (`AWS_ENDPOINT_URL`).
    pub fn set_endpoint(&self, url: String) {
        let _ = self.endpoint.set(url);
    }

    /// Let destinations and dead-letter targets publish to SNS topics.
    pub fn set_sns(&self, sns: &Arc<SnsEngine>) {
        let _ = self.sns.set(Arc::downgrade(sns));
    }

    pub(crate) fn arc(&self) -> Option<Arc<LambdaEngine>> {
        self.this.get().and_then(Weak::upgrade)
    }

    fn runtime_dir(&self) -> LambdaResult<PathBuf> {
        self.runtime_dir
            .get_or_init(|| {
                let dir = self.data_dir.join("runtime");
                write_bootstraps(&dir)
                    .map(|_| dir)
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map_err(|e| LambdaError::new(500, "ServiceException", e))
    }

    /// Kill every execution environment and stop the pollers (server shutdown).
    pub fn shutdown(&self) {
        for esm in self.esms.iter() {
            esm.stop();
        }
        for pool in self.pools.iter() {
            pool.kill_all();
        }
        self.pools.clear();
    }

    /// Forget every function and mapping, killing their environments.
    pub fn reset(&self) {
        self.shutdown();
        self.esms.clear();
        self.functions.clear();
        self.layers.clear();
    }

    /// Kill environments idle past the keepalive; reap handler processes that reparented to
    /// fogbank and exited on their own.
    pub fn reap_idle(&self) {
        for pool in self.pools.iter() {
            pool.reap(self.settings.idle_timeout);
        }
        super::contain::reap_orphans();
    }

    /// Live execution environments across all functions (tests, health).
    pub fn live_environments(&self) -> usize {
        self.pools.iter().map(|p| p.live()).sum()
    }

    /// The unqualified ARN and the qualifier a request names (from `FunctionName` and the
    /// `Qualifier` parameter, which must agree), checked before the function is looked up. A
    /// full ARN of another region is refused as AWS refuses it.
    fn named(
        ctx: &RequestContext,
        raw: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<(String, Option<String>)> {
        let (account, region, name, from_name) = parse_function_name(ctx, raw)?;
        if region != ctx.region {
            return Err(LambdaError::not_found(format!(
                "Functions from '{region}' are not reachable in this region ('{}')",
                ctx.region
            )));
        }
        let qualifier = Self::qualifier(from_name, qualifier)?;
        Ok((function_arn(&region, &account, &name), qualifier))
    }

    fn lookup(&self, arn: &str) -> Option<Arc<Mutex<Function>>> {
        self.functions.get(arn).map(|f| f.clone())
    }

    pub(crate) fn function(
        &self,
        ctx: &RequestContext,
        raw: &str,
    ) -> LambdaResult<(Arc<Mutex<Function>>, Option<String>)> {
        self.qualified(ctx, raw, None)
    }

    /// A function and its qualifier, from the name (`name:qualifier`) and the `Qualifier`
    /// parameter, which must agree.
    fn qualified(
        &self,
        ctx: &RequestContext,
        raw: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<(Arc<Mutex<Function>>, Option<String>)> {
        self.resolve(ctx, raw, qualifier, false)
    }

    /// As [`Self::qualified`]; with `missing_qualified` a missing function is reported with the
    /// qualifier, as GetFunction and GetFunctionConfiguration report it.
    fn resolve(
        &self,
        ctx: &RequestContext,
        raw: &str,
        qualifier: Option<String>,
        missing_qualified: bool,
    ) -> LambdaResult<(Arc<Mutex<Function>>, Option<String>)> {
        let (arn, q) = Self::named(ctx, raw, qualifier)?;
        match (self.lookup(&arn), &q) {
            (Some(f), _) => Ok((f, q)),
            (None, Some(q)) if missing_qualified => {
                Err(LambdaError::function_not_found(&format!("{arn}:{q}")))
            }
            (None, _) => Err(LambdaError::function_not_found(&arn)),
        }
    }

    /// The qualifier from the path and the `Qualifier` parameter, which must agree.
    fn qualifier(from_name: Option<String>, param: Option<String>) -> LambdaResult<Option<String>> {
        match (from_name, param) {
            (Some(a), Some(b)) if a != b => Err(LambdaError::invalid(
                "The derived qualifier from the function name does not match the specified qualifier.",
            )),
            (a, b) => Ok(a.or(b)),
        }
    }

    /// The unpacked layers a function in `region` names, checked as AWS checks them: the
    /// versioned-ARN pattern, the function's region, one version per layer, then existence.
    fn layer_dirs(
        &self,
        region: &str,
        arns: &[String],
    ) -> LambdaResult<(Vec<PathBuf>, Vec<LayerRef>)> {
        let mut parsed = Vec::new();
        for arn in arns {
            let (layer_arn, version) = arn
                .rsplit_once(':')
                .and_then(|(l, v)| v.parse::<u64>().ok().map(|v| (l, v)))
                .filter(|(l, _)| l.split(':').nth(5) == Some("layer"))
                .ok_or_else(|| {
                    LambdaError::validation(format!(
                        "1 validation error detected: Value '[{arn}]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\\\d{{12}}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+), Member must not be null]"
                    ))
                })?;
            parsed.push((arn, layer_arn, version));
        }
        if parsed
            .iter()
            .any(|(_, l, _)| l.split(':').nth(3) != Some(region))
        {
            return Err(LambdaError::invalid(format!(
                "Layers are not in the same region as the function. Layers are expected to be in region {region}."
            )));
        }
        for (i, (arn, layer, _)) in parsed.iter().enumerate() {
            if let Some((other, _, _)) = parsed[i + 1..].iter().find(|(_, l, _)| l == layer) {
                return Err(LambdaError::invalid(format!(
                    "Two different versions of the same layer are not allowed to be referenced in the same function. {arn} and {other} are versions of the same layer."
                )));
            }
        }
        let mut dirs = Vec::new();
        let mut refs = Vec::new();
        for (arn, layer_arn, version) in parsed {
            let found = self
                .layers
                .get(layer_arn)
                .and_then(|v| v.get(&version).cloned())
                .ok_or_else(|| {
                    LambdaError::invalid(format!("Layer version {arn} does not exist."))
                })?;
            dirs.push(found.code.dir.clone());
            refs.push(LayerRef {
                arn: arn.clone(),
                code_size: found.code.size,
            });
        }
        Ok((dirs, refs))
    }

    /// The code a request names; a zip must fit beside the function's layers.
    fn load_code(
        &self,
        zip: Option<&str>,
        bucket: Option<&str>,
        key: Option<&str>,
        image: Option<&str>,
        layer_dirs: &[PathBuf],
    ) -> LambdaResult<Code> {
        if image.is_some() {
            return Err(LambdaError::invalid(
                "fogbank runs functions as host processes: container images (ImageUri) are not supported",
            ));
        }
        match (zip, bucket, key) {
            (Some(z), _, _) => {
                code::unpack_function(&self.code_root(), &code::decode_zip(z)?, layer_dirs)
            }
            (None, Some(HOT_RELOAD_BUCKET), Some(dir)) => code::hot_reload(dir),
            (None, Some(b), Some(_)) => Err(LambdaError::invalid(format!(
                "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket {b} does not exist (fogbank has no S3; use ZipFile, or S3Bucket \"{HOT_RELOAD_BUCKET}\" with an absolute directory as S3Key)"
            ))),
            _ => Err(LambdaError::invalid(
                "Please provide a source for function code.",
            )),
        }
    }

    // ----- functions -----

    pub fn create_function(
        &self,
        ctx: &RequestContext,
        input: CreateFunctionInput,
    ) -> LambdaResult<FunctionConfiguration> {
        let raw = input
            .function_name
            .clone()
            .ok_or_else(|| LambdaError::validation("1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null"))?;
        let (account, region, name, qualifier) = parse_function_name(ctx, &raw)?;
        if qualifier.is_some() {
            return Err(LambdaError::invalid(
                "Unsupported function name: a qualifier is not allowed when creating a function",
            ));
        }
        let role = input.role.clone().ok_or_else(|| {
            LambdaError::validation("1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null")
        })?;
        check_role(&role)?;
        check_architectures(&input.architectures)?;
        let package = input.package_type.clone().unwrap_or_else(|| "Zip".into());
        if package != "Zip" {
            return Err(LambdaError::invalid(
                "fogbank runs functions as host processes: only PackageType Zip is supported",
            ));
        }
        let runtime = input
            .runtime
            .clone()
            .ok_or_else(|| LambdaError::invalid("Runtime and Handler are mandatory parameters for functions created with deployment packages."))?;
        check_runtime(&runtime)?;
        let handler = input
            .handler
            .clone()
            .ok_or_else(|| LambdaError::invalid("Runtime and Handler are mandatory parameters for functions created with deployment packages."))?;
        let timeout = check_range(input.timeout, "timeout", 1, 900)?.unwrap_or(3);
        let memory = check_range(input.memory_size, "memorySize", 128, 10240)?.unwrap_or(128);
        check_environment(&input.environment)?;
        let arn = function_arn(&region, &account, &name);
        if self.functions.contains_key(&arn) {
            return Err(LambdaError::conflict(format!(
                "Function already exist: {name}"
            )));
        }
        let (layer_dirs, layer_refs) = self.layer_dirs(&region, &input.layers)?;
        let c = input.code.clone().unwrap_or_default();
        let code = self.load_code(
            c.zip_file.as_deref(),
            c.s3_bucket.as_deref(),
            c.s3_key.as_deref(),
            c.image_uri.as_deref(),
            &layer_dirs,
        )?;
        let architectures = if input.architectures.is_empty() {
            vec!["x86_64".to_string()]
        } else {
            input.architectures.clone()
        };
        let config = FunctionConfiguration {
            function_name: name.clone(),
            function_arn: arn.clone(),
            runtime: Some(runtime),
            role,
            handler: Some(handler),
            code_size: code.size,
            description: input.description.clone().unwrap_or_default(),
            timeout,
            memory_size: memory,
            last_modified: last_modified(now_ms()),
            code_sha256: code.sha256.clone(),
            version: "$LATEST".into(),
            environment: input.environment.clone().map(|e| EnvironmentResponse {
                variables: e.variables,
            }),
            tracing_config: input
                .tracing_config
                .clone()
                .unwrap_or_else(|| json!({"Mode": "PassThrough"})),
            revision_id: revision(),
            layers: layer_refs,
            dead_letter_config: input.dead_letter_config.clone(),
            state: "Active".into(),
            last_update_status: "Successful".into(),
            package_type: package,
            architectures,
            ephemeral_storage: input
                .ephemeral_storage
                .clone()
                .unwrap_or_else(|| json!({"Size": 512})),
            snap_start: json!({"ApplyOn": "None", "OptimizationStatus": "Off"}),
            logging_config: input.logging_config.clone().unwrap_or_else(
                || json!({"LogFormat": "Text", "LogGroup": format!("/aws/lambda/{name}")}),
            ),
            runtime_version_config: json!({"RuntimeVersionArn": format!("arn:aws:lambda:{region}::runtime:fogbank")}),
        };
        let latest = Arc::new(Version {
            config,
            code,
            layer_dirs,
            source_description: String::new(),
        });
        let mut function = Function {
            name,
            arn: arn.clone(),
            account,
            region,
            latest: latest.clone(),
            versions: BTreeMap::new(),
            last_version: 0,
            aliases: BTreeMap::new(),
            policies: BTreeMap::new(),
            reserved: None,
            invoke_configs: BTreeMap::new(),
            tags: input.tags.clone(),
        };
        let out = if input.publish {
            Self::publish(&mut function, None)?.config.clone()
        } else {
            latest.config.clone()
        };
        match self.functions.entry(arn) {
            dashmap::Entry::Occupied(_) => Err(LambdaError::conflict(format!(
                "Function already exist: {}",
                function.name
            ))),
            dashmap::Entry::Vacant(v) => {
                v.insert(Arc::new(Mutex::new(function)));
                Ok(out)
            }
        }
    }

    fn publish(f: &mut Function, description: Option<String>) -> LambdaResult<Arc<Version>> {
        if let Some((_, last)) = f.versions.iter().next_back()
            && last.code.sha256 == f.latest.code.sha256
            && !f.latest.code.hot_reload
            && last.source_description == f.latest.config.description
            && Self::same_config(&last.config, &f.latest.config)
        {
            return Ok(last.clone());
        }
        f.last_version += 1;
        let n = f.last_version;
        let mut v = (*f.latest).clone();
        v.source_description = v.config.description.clone();
        v.config.version = n.to_string();
        v.config.function_arn = format!("{}:{n}", f.arn);
        v.config.revision_id = revision();
        if let Some(d) = description {
            v.config.description = d;
        }
        let v = Arc::new(v);
        f.versions.insert(n, v.clone());
        let mut latest = (*f.latest).clone();
        latest.config.revision_id = revision();
        f.latest = Arc::new(latest);
        Ok(v)
    }

    fn same_config(a: &FunctionConfiguration, b: &FunctionConfiguration) -> bool {
        a.runtime == b.runtime
            && a.handler == b.handler
            && a.timeout == b.timeout
            && a.memory_size == b.memory_size
            && a.environment == b.environment
            && a.role == b.role
            && a.layers == b.layers
            && a.dead_letter_config == b.dead_letter_config
            && a.tracing_config == b.tracing_config
            && a.ephemeral_storage == b.ephemeral_storage
            && a.logging_config == b.logging_config
            && a.architectures == b.architectures
    }

    fn version_of(f: &Function, qualifier: Option<&str>) -> LambdaResult<(Arc<Version>, String)> {
        match qualifier {
            None | Some("$LATEST") => Ok((f.latest.clone(), "$LATEST".into())),
            Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => {
                let n: u64 = q.parse().unwrap_or(u64::MAX);
                f.versions
                    .get(&n)
                    .map(|v| (v.clone(), n.to_string()))
                    .ok_or_else(|| LambdaError::function_not_found(&format!("{}:{q}", f.arn)))
            }
            Some(alias) => {
                let a = f.aliases.get(alias).ok_or_else(|| {
                    LambdaError::function_not_found(&format!("{}:{alias}", f.arn))
                })?;
                let mut target = a.config.function_version.clone();
                if let Some(rc) = &a.config.routing_config {
                    let roll: f64 =
                        (uuid::Uuid::new_v4().as_u128() % 1_000_000) as f64 / 1_000_000.0;
                    let mut acc = 0.0;
                    for (v, w) in &rc.additional_version_weights {
                        acc += w;
                        if roll < acc {
                            target = v.clone();
                            break;
                        }
                    }
                }
                Self::version_of(f, Some(&target))
            }
        }
    }

    /// The version a read names (an alias reads its primary version, without routing) and its
    /// configuration with the ARN as named: `name:$LATEST` and `name:alias` stay qualified.
    fn read_version(
        f: &Function,
        qualifier: Option<&str>,
    ) -> LambdaResult<(Arc<Version>, FunctionConfiguration)> {
        let target = qualifier.map(|q| {
            f.aliases
                .get(q)
                .map_or(q, |a| a.config.function_version.as_str())
        });
        let (v, _) = Self::version_of(f, target)?;
        let mut config = v.config.clone();
        if let Some(q) = qualifier {
            config.function_arn = format!("{}:{q}", f.arn);
        }
        Ok((v, config))
    }

    pub fn get_function(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<Value> {
        let (f, q) = self.resolve(ctx, name, qualifier, true)?;
        let f = lock(&f);
        let (v, config) = Self::read_version(&f, q.as_deref())?;
        let mut out = json!({
            "Configuration": config,
            "Code": {
                "RepositoryType": "S3",
                "Location": format!("file://{}", v.code.dir.display()),
            },
        });
        if !f.tags.is_empty() {
            out["Tags"] = json!(f.tags);
        }
        if let Some(r) = f.reserved {
            out["Concurrency"] = json!({"ReservedConcurrentExecutions": r});
        }
        Ok(out)
    }

    pub fn get_function_configuration(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<FunctionConfiguration> {
        let (f, q) = self.resolve(ctx, name, qualifier, true)?;
        let f = lock(&f);
        Ok(Self::read_version(&f, q.as_deref())?.1)
    }

    pub fn list_functions(
        &self,
        ctx: &RequestContext,
        marker: Option<&str>,
        max_items: Option<&str>,
        function_version: Option<&str>,
    ) -> LambdaResult<Value> {
        let all_versions = match function_version {
            None => false,
            Some("ALL") => true,
            Some(v) => {
                return Err(LambdaError::validation(format!(
                    "1 validation error detected: Value '{v}' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]"
                )));
            }
        };
        let mut all: Vec<FunctionConfiguration> = Vec::new();
        for entry in self.functions.iter() {
            let f = lock(entry.value());
            if f.account != ctx.account || f.region != ctx.region {
                continue;
            }
            let mut latest = f.latest.config.clone();
            if all_versions {
                // listed beside its versions, $LATEST is named by its qualified ARN
                latest.function_arn = format!("{}:$LATEST", f.arn);
            }
            all.push(latest);
            if all_versions {
                all.extend(f.versions.values().map(|v| v.config.clone()));
            }
        }
        all.sort_by(|a, b| a.function_arn.cmp(&b.function_arn));
        page("Functions", &all, marker, max_items, (50, 10_000))
    }

    pub fn delete_function(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<()> {
        let (arn, q) = Self::named(ctx, name, qualifier)?;
        if q.as_deref() == Some("$LATEST") {
            // refused before the function is looked up, as AWS does
            return Err(LambdaError::invalid(
                "$LATEST version cannot be deleted without deleting the function.",
            ));
        }
        let f = self
            .lookup(&arn)
            .ok_or_else(|| LambdaError::function_not_found(&arn))?;
        let key = lock(&f).arn.clone();
        match q.as_deref() {
            None => {
                self.functions.remove(&key);
                let prefix = format!("{key}:");
                self.pools.retain(|k, pool| {
                    let keep = !k.starts_with(&prefix);
                    if !keep {
                        pool.close();
                    }
                    keep
                });
                Ok(())
            }
            Some(q) => {
                let n: u64 = q.parse().map_err(|_| {
                    LambdaError::invalid(format!(
                        "Deletion of aliases is not supported by DeleteFunction ({q})"
                    ))
                })?;
                let mut f = lock(&f);
                if let Some(a) = f.aliases.values().find(|a| a.config.function_version == q) {
                    return Err(LambdaError::conflict(format!(
                        "Unable to delete version because the following aliases reference it: [{}]",
                        a.config.alias_arn
                    )));
                }
                f.versions
                    .remove(&n)
                    .ok_or_else(|| LambdaError::function_not_found(&format!("{key}:{q}")))?;
                f.policies.remove(q);
                drop(f);
                if let Some((_, pool)) = self.pools.remove(&format!("{key}:{q}")) {
                    pool.close();
                }
                Ok(())
            }
        }
    }

    fn check_revision(expected: Option<&str>, actual: &str) -> LambdaResult<()> {
        check_revision(expected, actual, "GetFunction/GetAlias")
    }

    /// Replace $LATEST and drop its environments (they run the old code or configuration).
    fn replace_latest(&self, f: &mut Function, v: Version) {
        f.latest = Arc::new(v);
        if let Some((_, pool)) = self.pools.remove(&format!("{}:$LATEST", f.arn)) {
            pool.close();
        }
    }

    /// The function named without a qualifier (updates refuse `name:qualifier`).
    fn unqualified_function(
        &self,
        ctx: &RequestContext,
        name: &str,
    ) -> LambdaResult<Arc<Mutex<Function>>> {
        match self.function(ctx, name)? {
            (f, None) => Ok(f),
            (_, Some(_)) => Err(LambdaError::invalid(
                "Unsupported function name: cannot update a qualified function",
            )),
        }
    }

    pub fn update_function_code(
        &self,
        ctx: &RequestContext,
        name: &str,
        input: UpdateCodeInput,
    ) -> LambdaResult<FunctionConfiguration> {
        check_architectures(&input.architectures)?;
        let f = self.unqualified_function(ctx, name)?;
        let layer_dirs = lock(&f).latest.layer_dirs.clone();
        let code = self.load_code(
            input.zip_file.as_deref(),
            input.s3_bucket.as_deref(),
            input.s3_key.as_deref(),
            input.image_uri.as_deref(),
            &layer_dirs,
        )?;
        let mut f = lock(&f);
        Self::check_revision(input.revision_id.as_deref(), &f.latest.config.revision_id)?;
        let mut v = (*f.latest).clone();
        v.config.code_sha256 = code.sha256.clone();
        v.config.code_size = code.size;
        v.config.last_modified = last_modified(now_ms());
        v.config.revision_id = revision();
        if !input.architectures.is_empty() {
            v.config.architectures = input.architectures.clone();
        }
        v.code = code;
        self.replace_latest(&mut f, v);
        if input.publish {
            return Ok(Self::publish(&mut f, None)?.config.clone());
        }
        Ok(f.latest.config.clone())
    }

    pub fn update_function_configuration(
        &self,
        ctx: &RequestContext,
        name: &str,
        input: UpdateConfigInput,
    ) -> LambdaResult<FunctionConfiguration> {
        let f = self.unqualified_function(ctx, name)?;
        let timeout = check_range(input.timeout, "timeout", 1, 900)?;
        let memory = check_range(input.memory_size, "memorySize", 128, 10240)?;
        if let Some(r) = &input.role {
            check_role(r)?;
        }
        if let Some(r) = &input.runtime {
            check_runtime(r)?;
        }
        check_environment(&input.environment)?;
        let layers = match &input.layers {
            Some(l) => Some(self.layer_dirs(&ctx.region, l)?),
            None => None,
        };
        let mut f = lock(&f);
        Self::check_revision(input.revision_id.as_deref(), &f.latest.config.revision_id)?;
        if let Some((dirs, _)) = &layers {
            code::check_combined(&f.latest.code, dirs)?;
        }
        let mut v = (*f.latest).clone();
        let c = &mut v.config;
        if let Some(r) = input.role {
            c.role = r;
        }
        if let Some(h) = input.handler {
            c.handler = Some(h);
        }
        if let Some(d) = input.description {
            c.description = d;
        }
        if let Some(t) = timeout {
            c.timeout = t;
        }
        if let Some(m) = memory {
            c.memory_size = m;
        }
        if let Some(e) = input.environment {
            c.environment = Some(EnvironmentResponse {
                variables: e.variables,
            });
        }
        if let Some(r) = input.runtime {
            c.runtime = Some(r);
        }
        if let Some(d) = input.dead_letter_config {
            c.dead_letter_config = d.target_arn.as_ref().map(|_| d.clone());
        }
        if let Some(e) = input.ephemeral_storage {
            c.ephemeral_storage = e;
        }
        if let Some(t) = input.tracing_config {
            c.tracing_config = t;
        }
        if let Some(l) = input.logging_config {
            c.logging_config = l;
        }
        if let Some((dirs, refs)) = layers {
            c.layers = refs;
            v.layer_dirs = dirs;
        }
        v.config.last_modified = last_modified(now_ms());
        v.config.revision_id = revision();
        self.replace_latest(&mut f, v);
        Ok(f.latest.config.clone())
    }

    pub fn publish_version(
        &self,
        ctx: &RequestContext,
        name: &str,
        input: PublishVersionInput,
    ) -> LambdaResult<FunctionConfiguration> {
        let (f, _) = self.function(ctx, name)?;
        let mut f = lock(&f);
        Self::check_revision(input.revision_id.as_deref(), &f.latest.config.revision_id)?;
        if let Some(sha) = &input.code_sha256
            && sha != &f.latest.config.code_sha256
        {
            return Err(LambdaError::invalid(format!(
                "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.",
                f.latest.config.code_sha256
            )));
        }
        Ok(Self::publish(&mut f, input.description)?.config.clone())
    }

    pub fn list_versions(
        &self,
        ctx: &RequestContext,
        name: &str,
        marker: Option<&str>,
        max_items: Option<&str>,
    ) -> LambdaResult<Value> {
        let (f, _) = self.function(ctx, name)?;
        let f = lock(&f);
        // $LATEST is listed by its qualified ARN, as AWS lists it
        let mut versions = vec![Self::read_version(&f, Some("$LATEST"))?.1];
        versions.extend(f.versions.values().map(|v| v.config.clone()));
        page("Versions", &versions, marker, max_items, (50, 10_000))
    }

    // ----- aliases -----

    /// The model's checks of a routing config (keys are version numbers, weights 0..=1), with
    /// the map shown as Java shows it (`{2=0.5}`), then AWS's limit of one extra version.
    fn validate_routing(routing: &Option<RoutingConfig>) -> LambdaResult<()> {
        let Some(rc) = routing else { return Ok(()) };
        let weights = &rc.additional_version_weights;
        let java = |w: f64| {
            if w.is_finite() && w.fract() == 0.0 {
                format!("{w:.1}")
            } else {
                format!("{w}")
            }
        };
        let shown = weights
            .iter()
            .map(|(k, w)| format!("{k}={}", java(*w)))
            .collect::<Vec<_>>()
            .join(", ");
        let invalid = |what: &str| {
            LambdaError::validation(format!(
                "1 validation error detected: Value '{{{shown}}}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: {what}"
            ))
        };
        if weights
            .keys()
            .any(|k| k.is_empty() || k.len() > 1024 || !k.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(invalid(
                "Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+, Member must not be null]",
            ));
        }
        if weights.values().any(|w| !(0.0..=1.0).contains(w)) {
            return Err(invalid(
                "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]",
            ));
        }
        if weights.len() > 1 {
            return Err(LambdaError::invalid(
                "Number of items in AdditionalVersionWeights cannot be greater than 1",
            ));
        }
        Ok(())
    }

    fn check_alias_target(
        f: &Function,
        version: &str,
        routing: &Option<RoutingConfig>,
    ) -> LambdaResult<()> {
        let exists = |v: &str| {
            v.parse::<u64>()
                .ok()
                .is_some_and(|n| f.versions.contains_key(&n))
        };
        if version != "$LATEST" && !exists(version) {
            return Err(LambdaError::function_not_found(&format!(
                "{}:{version}",
                f.arn
            )));
        }
        let weights = routing.iter().flat_map(|rc| &rc.additional_version_weights);
        if version == "$LATEST" && weights.clone().next().is_some() {
            return Err(LambdaError::invalid(
                "$LATEST is not supported for an alias pointing to more than 1 version",
            ));
        }
        for (v, _) in weights {
            if !exists(v) {
                return Err(LambdaError::function_not_found(&format!("{}:{v}", f.arn)));
            }
            if v == version {
                return Err(LambdaError::invalid(format!(
                    "Invalid function version {v}. Function version {v} is already included in routing configuration."
                )));
            }
        }
        Ok(())
    }

    pub fn create_alias(
        &self,
        ctx: &RequestContext,
        name: &str,
        input: AliasInput,
    ) -> LambdaResult<AliasConfiguration> {
        let alias = input.name.clone().unwrap_or_default();
        if !valid_name(&alias) || alias.bytes().all(|b| b.is_ascii_digit()) {
            return Err(LambdaError::validation(format!(
                "1 validation error detected: Value '{alias}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"
            )));
        }
        let version = input.function_version.clone().ok_or_else(|| {
            LambdaError::validation("1 validation error detected: Value null at 'functionVersion' failed to satisfy constraint: Member must not be null")
        })?;
        Self::validate_routing(&input.routing_config)?;
        // a missing function is reported with the version the alias was to point at
        let (arn, _) = Self::named(ctx, name, None)?;
        let f = self
            .lookup(&arn)
            .ok_or_else(|| LambdaError::function_not_found(&format!("{arn}:{version}")))?;
        let mut f = lock(&f);
        if f.aliases.contains_key(&alias) {
            return Err(LambdaError::conflict(format!(
                "Alias already exists: {}:{alias}",
                f.arn
            )));
        }
        Self::check_alias_target(&f, &version, &input.routing_config)?;
        let config = AliasConfiguration {
            alias_arn: format!("{}:{alias}", f.arn),
            name: alias.clone(),
            function_version: version,
            description: input.description.unwrap_or_default(),
            routing_config: input
                .routing_config
                .filter(|rc| !rc.additional_version_weights.is_empty()),
            revision_id: revision(),
        };
        f.aliases.insert(
            alias,
            Alias {
                config: config.clone(),
            },
        );
        Ok(config)
    }

    pub fn get_alias(
        &self,
        ctx: &RequestContext,
        name: &str,
        alias: &str,
    ) -> LambdaResult<AliasConfiguration> {
        let (f, _) = self.function(ctx, name)?;
        let f = lock(&f);
        f.aliases
            .get(alias)
            .map(|a| a.config.clone())
            .ok_or_else(|| {
                LambdaError::not_found(format!("Cannot find alias arn: {}:{alias}", f.arn))
            })
    }

    pub fn update_alias(
        &self,
        ctx: &RequestContext,
        name: &str,
        alias: &str,
        input: AliasInput,
    ) -> LambdaResult<AliasConfiguration> {
        Self::validate_routing(&input.routing_config)?;
        let (f, _) = self.function(ctx, name)?;
        let mut f = lock(&f);
        let current = f
            .aliases
            .get(alias)
            .map(|a| a.config.clone())
            .ok_or_else(|| {
                LambdaError::not_found(format!("Cannot find alias arn: {}:{alias}", f.arn))
            })?;
        Self::check_revision(input.revision_id.as_deref(), &current.revision_id)?;
        let version = input
            .function_version
            .unwrap_or(current.function_version.clone());
        let routing = match input.routing_config {
            Some(rc) if rc.additional_version_weights.is_empty() => None,
            Some(rc) => Some(rc),
            None => current.routing_config.clone(),
        };
        Self::check_alias_target(&f, &version, &routing)?;
        let config = AliasConfiguration {
            function_version: version,
            description: input.description.unwrap_or(current.description.clone()),
            routing_config: routing,
            revision_id: revision(),
            ..current
        };
        f.aliases.insert(
            alias.to_string(),
            Alias {
                config: config.clone(),
            },
        );
        Ok(config)
    }

    pub fn delete_alias(&self, ctx: &RequestContext, name: &str, alias: &str) -> LambdaResult<()> {
        let (f, _) = self.function(ctx, name)?;
        let mut f = lock(&f);
        f.aliases.remove(alias);
        f.policies.remove(alias);
        Ok(())
    }

    pub fn list_aliases(
        &self,
        ctx: &RequestContext,
        name: &str,
        version: Option<&str>,
    ) -> LambdaResult<Value> {
        let (f, _) = self.function(ctx, name)?;
        let f = lock(&f);
        let aliases: Vec<_> = f
            .aliases
            .values()
            .filter(|a| version.is_none_or(|v| a.config.function_version == v))
            .map(|a| a.config.clone())
            .collect();
        Ok(json!({"Aliases": aliases}))
    }

    // ----- policy -----

    /// The key of the resource policy a qualifier names ("" for the function itself): a
    /// missing version is `Function not found`, a missing alias `Cannot find alias arn`, as
    /// AWS words them (`$` makes a qualifier a version, never an alias).
    fn policy_key(f: &Function, qualifier: Option<&str>) -> LambdaResult<String> {
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
    fn principal_json(principal: &str) -> LambdaResult<Value> {
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
    ) -> LambdaResult<Value> {
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
        let out = json!({"Statement": statement.text()});
        policy.add(statement)?;
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
        policy.remove(sid)
    }

    pub fn get_policy(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<Value> {
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

    // ----- concurrency -----

    /// The unqualified function a concurrency call names; a missing one is reported with
    /// `missing_suffix` after its ARN (PutFunctionConcurrency names `$LATEST`).
    fn concurrency_target(
        &self,
        ctx: &RequestContext,
        name: &str,
        missing_suffix: &str,
    ) -> LambdaResult<Arc<Mutex<Function>>> {
        let (arn, q) = Self::named(ctx, name, None)?;
        if q.is_some() {
            return Err(LambdaError::invalid(
                "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.",
            ));
        }
        self.lookup(&arn)
            .ok_or_else(|| LambdaError::function_not_found(&format!("{arn}{missing_suffix}")))
    }

    pub fn put_concurrency(
        &self,
        ctx: &RequestContext,
        name: &str,
        input: ConcurrencyInput,
    ) -> LambdaResult<Value> {
        let f = self.concurrency_target(ctx, name, ":$LATEST")?;
        let n = check_range(
            Some(input.reserved_concurrent_executions.ok_or_else(|| {
                LambdaError::validation("1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null")
            })?),
            "reservedConcurrentExecutions",
            0,
            i64::from(self.settings.account_concurrency),
        )?
        .unwrap_or(0);
        if n > self.settings.account_concurrency - 100 {
            return Err(LambdaError::invalid(
                "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
            ));
        }
        lock(&f).reserved = Some(n);
        Ok(json!({"ReservedConcurrentExecutions": n}))
    }

    pub fn get_concurrency(&self, ctx: &RequestContext, name: &str) -> LambdaResult<Value> {
        let f = self.concurrency_target(ctx, name, "")?;
        Ok(match lock(&f).reserved {
            Some(n) => json!({"ReservedConcurrentExecutions": n}),
            None => json!({}),
        })
    }

    pub fn delete_concurrency(&self, ctx: &RequestContext, name: &str) -> LambdaResult<()> {
        let f = self.concurrency_target(ctx, name, "")?;
        lock(&f).reserved = None;
        Ok(())
    }

    pub fn account_settings(&self, ctx: &RequestContext) -> Value {
        let count = self
            .functions
            .iter()
            .filter(|f| {
                let f = lock(f.value());
                f.account == ctx.account && f.region == ctx.region
            })
            .count();
        let reserved: u32 = self
            .functions
            .iter()
            .filter_map(|f| lock(f.value()).reserved)
            .sum();
        json!({
            "AccountLimit": {
                "TotalCodeSize": 80530636800u64,
                "CodeSizeUnzipped": 262144000,
                "CodeSizeZipped": 52428800,
                "ConcurrentExecutions": self.settings.account_concurrency,
                "UnreservedConcurrentExecutions": self.settings.account_concurrency.saturating_sub(reserved),
            },
            "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": count},
        })
    }

    // ----- event invoke configs -----

    /// The model's pattern for a destination ARN (`^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:
    /// ([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)`), checked by hand.
    fn destination_pattern_ok(arn: &str) -> bool {
        let word = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let region_ok = |r: &str| {
            let parts: Vec<&str> = r.split('-').collect();
            parts.len() >= 3
                && parts[0].len() == 2
                && parts[..parts.len() - 1]
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
                && parts[parts.len() - 1].len() == 1
                && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        };
        match arn.splitn(6, ':').collect::<Vec<_>>().as_slice() {
            [] | [""] => true,
            ["arn", partition, service, region, account, _] => {
                partition.strip_prefix("aws").is_some_and(word)
                    && !service.is_empty()
                    && word(service)
                    && (region.is_empty() || region_ok(region))
                    && (account.is_empty()
                        || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())))
            }
            _ => false,
        }
    }

    /// Model-level checks of an event invoke config (ranges, destination ARN patterns).
    fn validate_invoke_config(
        input: &EventInvokeConfigInput,
    ) -> LambdaResult<(Option<u32>, Option<u32>)> {
        let retries = check_range(input.maximum_retry_attempts, "maximumRetryAttempts", 0, 2)?;
        let age = check_range(
            input.maximum_event_age_in_seconds,
            "maximumEventAgeInSeconds",
            60,
            21600,
        )?;
        let d = input.destination_config.clone().unwrap_or_default();
        for (field, dest) in [("onSuccess", &d.on_success), ("onFailure", &d.on_failure)] {
            if let Some(arn) = dest.as_ref().and_then(|d| d.destination.as_deref())
                && !Self::destination_pattern_ok(arn)
            {
                return Err(LambdaError::validation(format!(
                    r"1 validation error detected: Value '{arn}' at 'destinationConfig.{field}.destination' failed to satisfy constraint: Member must satisfy regular expression pattern: ^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{{2}}((-gov)|(-iso(b?)))?-[a-z]+-\\d{{1}})?:(\\d{{12}})?:(.*)"
                )));
            }
        }
        Ok((retries, age))
    }

    /// The destinations AWS accepts: a supported service, and an existing function other
    /// than `own_arn` for Lambda.
    fn check_destinations(
        &self,
        ctx: &RequestContext,
        own_arn: &str,
        d: &DestinationConfigInput,
    ) -> LambdaResult<()> {
        let shown = |kind: &str, dest: &Option<Destination>| match dest {
            None => "null".to_string(),
            Some(d) => format!(
                "{kind}(destination={})",
                d.destination.as_deref().unwrap_or("null")
            ),
        };
        for dest in [&d.on_success, &d.on_failure] {
            let Some(arn) = dest.as_ref().and_then(|d| d.destination.as_deref()) else {
                continue;
            };
            let service = arn.split(':').nth(2).unwrap_or("");
            if !matches!(service, "sqs" | "sns" | "lambda" | "events" | "s3") {
                return Err(LambdaError::invalid(format!(
                    "The provided destination config DestinationConfig(onSuccess={}, onFailure={}) is invalid.",
                    shown("OnSuccess", &d.on_success),
                    shown("OnFailure", &d.on_failure)
                )));
            }
            if service == "lambda" {
                let target = Self::named(ctx, arn, None).ok().map(|(a, _)| a);
                if target.as_deref() == Some(own_arn) {
                    return Err(LambdaError::invalid(
                        "You can't specify the function as a destination for itself.",
                    ));
                }
                if target.and_then(|a| self.lookup(&a)).is_none() {
                    return Err(LambdaError::invalid(format!(
                        "The destination ARN {arn} is invalid."
                    )));
                }
            }
        }
        Ok(())
    }

    /// The function (and its existing version or alias) an invoke config is written for.
    fn invoke_config_target(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<(Arc<Mutex<Function>>, String)> {
        let gone = || LambdaError::not_found("The function doesn't exist.");
        let (arn, q) = Self::named(ctx, name, qualifier)?;
        let q = q.unwrap_or_else(|| "$LATEST".into());
        let f = self.lookup(&arn).ok_or_else(gone)?;
        Self::version_of(&lock(&f), Some(&q)).map_err(|_| gone())?;
        Ok((f, q))
    }

    pub fn put_event_invoke_config(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
        input: EventInvokeConfigInput,
        merge: bool,
    ) -> LambdaResult<EventInvokeConfig> {
        let (retries, age) = Self::validate_invoke_config(&input)?;
        if retries.is_none() && age.is_none() && input.destination_config.is_none() {
            return Err(LambdaError::invalid(
                "You must specify at least one of error handling or destination setting.",
            ));
        }
        let (f, q) = self.invoke_config_target(ctx, name, qualifier)?;
        let own_arn = lock(&f).arn.clone();
        if let Some(d) = &input.destination_config {
            self.check_destinations(ctx, &own_arn, d)?;
        }
        let mut f = lock(&f);
        let existing = f.invoke_configs.get(&q).cloned();
        if merge && existing.is_none() {
            return Err(Self::no_invoke_config(&own_arn, &q));
        }
        let base = if merge { existing } else { None };
        let config = EventInvokeConfig {
            function_arn: format!("{own_arn}:{q}"),
            last_modified: EpochSeconds(now_ms()),
            maximum_retry_attempts: retries
                .or(base.as_ref().and_then(|b| b.maximum_retry_attempts)),
            maximum_event_age_in_seconds: age
                .or(base.as_ref().and_then(|b| b.maximum_event_age_in_seconds)),
            destination_config: input
                .destination_config
                .map(|d| DestinationConfig {
                    on_success: d.on_success.unwrap_or_default(),
                    on_failure: d.on_failure.unwrap_or_default(),
                })
                .or(base.map(|b| b.destination_config))
                .unwrap_or_default(),
        };
        f.invoke_configs.insert(q, config.clone());
        Ok(config)
    }

    fn no_invoke_config(arn: &str, q: &str) -> LambdaError {
        LambdaError::not_found(format!(
            "The function {arn}:{q} doesn't have an EventInvokeConfig"
        ))
    }

    /// The function's invoke configs and the qualifier asked for; a missing function is
    /// reported as a missing config, as AWS reports it.
    fn invoke_configs_of(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<(Arc<Mutex<Function>>, String, String)> {
        let (arn, q) = Self::named(ctx, name, qualifier)?;
        let q = q.unwrap_or_else(|| "$LATEST".into());
        match self.lookup(&arn) {
            Some(f) => Ok((f, arn, q)),
            None => Err(Self::no_invoke_config(&arn, &q)),
        }
    }

    pub fn get_event_invoke_config(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<EventInvokeConfig> {
        let (f, arn, q) = self.invoke_configs_of(ctx, name, qualifier)?;
        let config = lock(&f).invoke_configs.get(&q).cloned();
        config.ok_or_else(|| Self::no_invoke_config(&arn, &q))
    }

    pub fn delete_event_invoke_config(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<()> {
        let (f, arn, q) = self.invoke_configs_of(ctx, name, qualifier)?;
        let removed = lock(&f).invoke_configs.remove(&q);
        removed
            .map(|_| ())
            .ok_or_else(|| Self::no_invoke_config(&arn, &q))
    }

    pub fn list_event_invoke_configs(
        &self,
        ctx: &RequestContext,
        name: &str,
        marker: Option<&str>,
        max_items: Option<&str>,
    ) -> LambdaResult<Value> {
        let (arn, _) = Self::named(ctx, name, None)?;
        let f = self
            .lookup(&arn)
            .ok_or_else(|| LambdaError::not_found("The function doesn't exist."))?;
        let f = lock(&f);
        let configs: Vec<_> = f.invoke_configs.values().cloned().collect();
        page(
            "FunctionEventInvokeConfigs",
            &configs,
            marker,
            max_items,
            (50, 50),
        )
    }

    // ----- tags -----

    fn function_by_arn(
        &self,
        ctx: &RequestContext,
        arn: &str,
    ) -> LambdaResult<Arc<Mutex<Function>>> {
        let pattern = || {
            LambdaError::validation(format!(
                "1 validation error detected: Value '{arn}' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{{2}}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{{1}}:\\d{{12}}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{{17}}|event-source-mapping:[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}})"
            ))
        };
        if !arn.starts_with("arn:") {
            return Err(pattern());
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
            .ok_or_else(|| LambdaError::function_not_found(&key))
    }

    pub fn tag_resource(
        &self,
        ctx: &RequestContext,
        arn: &str,
        tags: BTreeMap<String, String>,
    ) -> LambdaResult<()> {
        let f = self.function_by_arn(ctx, arn)?;
        if tags.is_empty() {
            return Err(LambdaError::invalid(
                "An error occurred and the request cannot be processed.",
            ));
        }
        let mut f = lock(&f);
        let mut merged = f.tags.clone();
        merged.extend(tags);
        if merged.len() > 50 {
            return Err(LambdaError::invalid(
                "Number of tags exceeds resource tag limit.",
            ));
        }
        f.tags = merged;
        Ok(())
    }

    pub fn untag_resource(
        &self,
        ctx: &RequestContext,
        arn: &str,
        keys: &[String],
    ) -> LambdaResult<()> {
        let f = self.function_by_arn(ctx, arn)?;
        if keys.is_empty() {
            return Err(LambdaError::validation(
                "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
            ));
        }
        let mut f = lock(&f);
        for k in keys {
            f.tags.remove(k);
        }
        Ok(())
    }

    pub fn list_tags(&self, ctx: &RequestContext, arn: &str) -> LambdaResult<Value> {
        let f = self.function_by_arn(ctx, arn)?;
        Ok(json!({"Tags": lock(&f).tags}))
    }

    // ----- invoke -----

    fn resolve_target(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<Target> {
        let (f, q) = self.qualified(ctx, name, qualifier)?;
        let f = lock(&f);
        let (version, executed) = Self::version_of(&f, q.as_deref())?;
        Ok(Target {
            function_key: f.arn.clone(),
            invoked_arn: match &q {
                Some(q) => format!("{}:{q}", f.arn),
                None => f.arn.clone(),
            },
            version,
            executed,
            reserved: f.reserved,
        })
    }

    fn pool_for(&self, target: &Target) -> LambdaResult<Arc<Pool>> {
        let key = format!("{}:{}", target.function_key, target.executed);
        let v = &target.version;
        let fingerprint = v.code.hot_reload.then(|| code::fingerprint(&v.code.dir));
        if let Some(pool) = self.pools.get(&key).map(|p| p.clone()) {
            if pool.fingerprint == fingerprint {
                return Ok(pool);
            }
            tracing::info!(function = %v.config.function_name, "code directory changed: new environments");
            pool.close();
        }
        let c = &v.config;
        let spec = EnvSpec {
            function_name: c.function_name.clone(),
            function_arn: target.function_key.clone(),
            version: target.executed.clone(),
            memory_mb: c.memory_size,
            timeout_secs: c.timeout,
            runtime: c.runtime.clone().unwrap_or_default(),
            handler: c.handler.clone().unwrap_or_default(),
            code_dir: v.code.dir.clone(),
            layer_dirs: v.layer_dirs.clone(),
            variables: c
                .environment
                .as_ref()
                .map(|e| e.variables.clone())
                .unwrap_or_default(),
            region: target
                .function_key
                .split(':')
                .nth(3)
                .unwrap_or("us-east-1")
                .to_string(),
            account: target
                .function_key
                .split(':')
                .nth(4)
                .unwrap_or("000000000000")
                .to_string(),
            endpoint_url: self
                .endpoint
                .get()
                .cloned()
                .unwrap_or_else(|| "http://127.0.0.1:4566".into()),
            runtime_dir: self.runtime_dir()?,
            tmp_root: self.data_dir.join("tmp"),
            handler_log: self.settings.handler_log,
        };
        let pool = Pool::new(spec, fingerprint);
        self.pools.insert(key, pool.clone());
        Ok(pool)
    }

    /// Run a target synchronously and shape the result as Invoke's answer.
    async fn run(
        &self,
        target: &Target,
        payload: Bytes,
        client_context: Option<String>,
        reject_when_full: bool,
    ) -> LambdaResult<(Outcome, String)> {
        let capacity = match target.reserved {
            Some(0) => {
                return Err(LambdaError::throttled("Rate Exceeded."));
            }
            Some(n) => Capacity {
                cap: n as usize,
                reject_when_full,
            },
            None => Capacity {
                cap: self.settings.default_concurrency,
                reject_when_full: false,
            },
        };
        let pool = self.pool_for(target)?;
        let request_id = uuid::Uuid::new_v4().hyphenated().to_string();
        let ran = pool
            .invoke(
                request_id,
                payload,
                target.invoked_arn.clone(),
                client_context,
                capacity,
            )
            .await?;
        Ok((ran.outcome, ran.log))
    }

    pub async fn invoke(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
        input: InvokeInput,
    ) -> LambdaResult<InvokeOutput> {
        let kind = input
            .invocation_type
            .clone()
            .unwrap_or_else(|| "RequestResponse".into());
        if !matches!(kind.as_str(), "RequestResponse" | "Event" | "DryRun") {
            return Err(LambdaError::validation(format!(
                "1 validation error detected: Value '{kind}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
            )));
        }
        if let Some(l) = &input.log_type
            && !matches!(l.as_str(), "None" | "Tail")
        {
            return Err(LambdaError::validation(format!(
                "1 validation error detected: Value '{l}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]"
            )));
        }
        let target = self.resolve_target(ctx, name, qualifier)?;
        let limit = if kind == "Event" {
            MAX_ASYNC_PAYLOAD
        } else {
            MAX_SYNC_PAYLOAD
        };
        if input.payload.len() > limit {
            return Err(LambdaError::new(
                413,
                "RequestTooLargeException",
                format!(
                    "Request must be smaller than {limit} bytes for the InvokeFunction operation"
                ),
            ));
        }
        let payload = if input.payload.iter().all(u8::is_ascii_whitespace) {
            Bytes::from_static(b"{}")
        } else {
            if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&input.payload) {
                return Err(LambdaError::bad_content(format!(
                    "Could not parse request body into json: Could not parse payload into json: {e}"
                )));
            }
            input.payload.clone()
        };
        let client_context = match &input.client_context {
            None => None,
            Some(cc) => {
                if cc.len() > 3583 {
                    return Err(LambdaError::invalid(
                        "Client context must be 3583 bytes or less",
                    ));
                }
                let raw = STANDARD.decode(cc).map_err(|_| {
                    LambdaError::bad_content(
                        "Client context must be a valid Base64-encoded JSON object.",
                    )
                })?;
                let text = String::from_utf8(raw).map_err(|_| {
                    LambdaError::bad_content(
                        "Client context must be a valid Base64-encoded JSON object.",
                    )
                })?;
                Some(text)
            }
        };
        match kind.as_str() {
            "DryRun" => Ok(InvokeOutput {
                status: 204,
                payload: Bytes::new(),
                function_error: None,
                log_result: None,
                executed_version: None,
            }),
            "Event" => {
                let request_id = uuid::Uuid::new_v4().hyphenated().to_string();
                self.spawn_async(ctx.clone(), name.to_string(), target, payload, request_id);
                Ok(InvokeOutput {
                    status: 202,
                    payload: Bytes::new(),
                    function_error: None,
                    log_result: None,
                    executed_version: None,
                })
            }
            _ => {
                let (outcome, log) = self.run(&target, payload, client_context, true).await?;
                let log_result = (input.log_type.as_deref() == Some("Tail")).then(|| {
                    let bytes = log.as_bytes();
                    let tail = &bytes[bytes.len().saturating_sub(4096)..];
                    STANDARD.encode(tail)
                });
                let (payload, function_error) = match outcome {
                    Outcome::Response(b) => (b, None),
                    Outcome::Error { body, .. } => (body, Some("Unhandled".to_string())),
                };
                Ok(InvokeOutput {
                    status: 200,
                    payload,
                    function_error,
                    log_result,
                    executed_version: Some(target.executed),
                })
            }
        }
    }

    /// Queue an asynchronous invoke (Invoke with `Event`, SNS deliveries): retries on function
    /// errors per the event invoke config, then the destinations or the dead-letter queue.
    pub fn invoke_async_arn(&self, function_arn: &str, payload: Vec<u8>) -> Result<(), String> {
        let parts: Vec<&str> = function_arn.split(':').collect();
        let (Some(region), Some(account)) = (parts.get(3), parts.get(4)) else {
            return Err(format!("not a function ARN: {function_arn}"));
        };
        let ctx = RequestContext::new(account, region, "localhost");
        let target = self
            .resolve_target(&ctx, function_arn, None)
            .map_err(|e| e.to_string())?;
        let request_id = uuid::Uuid::new_v4().hyphenated().to_string();
        self.spawn_async(
            ctx,
            function_arn.to_string(),
            target,
            Bytes::from(payload),
            request_id,
        );
        Ok(())
    }

    fn spawn_async(
        &self,
        ctx: RequestContext,
        name: String,
        target: Target,
        payload: Bytes,
        request_id: String,
    ) {
        let Some(this) = self.arc() else { return };
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        handle.spawn(async move {
            this.run_async(ctx, name, target, payload, request_id).await;
        });
    }

    async fn run_async(
        &self,
        ctx: RequestContext,
        name: String,
        target: Target,
        payload: Bytes,
        request_id: String,
    ) {
        let qualifier = target.executed.clone();
        let config = self
            .get_event_invoke_config(&ctx, &name, None)
            .or_else(|_| {
                self.get_event_invoke_config(
                    &ctx,
                    &format!("{}:{qualifier}", target.function_key),
                    None,
                )
            })
            .ok();
        let max_retries = config
            .as_ref()
            .and_then(|c| c.maximum_retry_attempts)
            .unwrap_or(2);
        let max_age = Duration::from_secs(u64::from(
            config
                .as_ref()
                .and_then(|c| c.maximum_event_age_in_seconds)
                .unwrap_or(21600),
        ));
        let destinations = config.map(|c| c.destination_config).unwrap_or_default();
        let started = std::time::Instant::now();
        let mut attempts = 0u32;
        let mut throttles = 0u32;
        loop {
            attempts += 1;
            let result = self.run(&target, payload.clone(), None, false).await;
            match result {
                Ok((Outcome::Response(body), _)) => {
                    self.destination(
                        &destinations.on_success,
                        &target,
                        &request_id,
                        "Success",
                        attempts,
                        &payload,
                        None,
                        &body,
                    )
                    .await;
                    return;
                }
                Ok((Outcome::Error { body, error_type }, _)) => {
                    if attempts > max_retries {
                        self.fail_async(
                            &destinations,
                            &target,
                            &request_id,
                            "RetriesExhausted",
                            attempts,
                            &payload,
                            &error_type,
                            &body,
                        )
                        .await;
                        return;
                    }
                    let delay = self
                        .settings
                        .async_retry_delays
                        .get(attempts as usize - 1)
                        .or(self.settings.async_retry_delays.last())
                        .copied()
                        .unwrap_or(Duration::from_secs(1));
                    tokio::time::sleep(delay).await;
                }
                Err(e) => {
                    // Throttles and service errors are retried with backoff until the age limit.
                    attempts -= 1;
                    throttles += 1;
                    tracing::info!(function = %name, error = %e, "async invoke throttled; retrying");
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(throttles.min(25))))
                        .await;
                }
            }
            if started.elapsed() > max_age {
                let body = Bytes::from_static(b"{}");
                self.fail_async(
                    &destinations,
                    &target,
                    &request_id,
                    "EventAgeExceeded",
                    attempts,
                    &payload,
                    "",
                    &body,
                )
                .await;
                return;
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn fail_async(
        &self,
        destinations: &DestinationConfig,
        target: &Target,
        request_id: &str,
        condition: &str,
        attempts: u32,
        payload: &Bytes,
        error_type: &str,
        body: &Bytes,
    ) {
        if destinations.on_failure.destination.is_some() {
            self.destination(
                &destinations.on_failure,
                target,
                request_id,
                condition,
                attempts,
                payload,
                Some(error_type),
                body,
            )
            .await;
            return;
        }
        let Some(dlq) = target
            .version
            .config
            .dead_letter_config
            .as_ref()
            .and_then(|d| d.target_arn.clone())
        else {
            tracing::warn!(function = %target.invoked_arn, request_id, condition, "async invoke failed; no destination or dead-letter queue");
            return;
        };
        let message = String::from_utf8_lossy(payload).into_owned();
        let error_message = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v["errorMessage"].as_str().map(str::to_string))
            .unwrap_or_default();
        let mut attrs = BTreeMap::new();
        for (k, v) in [
            ("RequestID", request_id.to_string()),
            ("ErrorCode", "200".to_string()),
            ("ErrorMessage", error_message),
        ] {
            attrs.insert(
                k.to_string(),
                MessageAttributeValue {
                    data_type: "String".into(),
                    string_value: Some(v),
                    ..Default::default()
                },
            );
        }
        self.send_to(&dlq, message, attrs).await;
    }

    #[allow(clippy::too_many_arguments)]
    async fn destination(
        &self,
        d: &Destination,
        target: &Target,
        request_id: &str,
        condition: &str,
        attempts: u32,
        payload: &Bytes,
        function_error: Option<&str>,
        body: &Bytes,
    ) {
        let Some(arn) = &d.destination else { return };
        let mut response = json!({"statusCode": 200, "executedVersion": target.executed});
        if function_error.is_some_and(|e| !e.is_empty()) {
            response["functionError"] = json!("Unhandled");
        }
        let request_payload: Value = serde_json::from_slice(payload)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(payload).into_owned()));
        let response_payload: Value = serde_json::from_slice(body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()));
        let record = json!({
            "version": "1.0",
            "timestamp": crate::sns::engine::iso8601(now_ms()),
            "requestContext": {
                "requestId": request_id,
                "functionArn": target.invoked_arn,
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "requestPayload": request_payload,
            "responseContext": response,
            "responsePayload": response_payload,
        });
        self.send_to(arn, record.to_string(), BTreeMap::new()).await;
    }

    async fn send_to(
        &self,
        arn: &str,
        message: String,
        attrs: BTreeMap<String, MessageAttributeValue>,
    ) {
        let parts: Vec<&str> = arn.split(':').collect();
        match parts.get(2).copied() {
            Some("sqs") => match self.sqs.queue_by_arn(arn) {
                Some(q) => {
                    let fields = SendMessageFields {
                        message_body: Some(message),
                        delay_seconds: None,
                        message_attributes: attrs,
                        message_system_attributes: BTreeMap::new(),
                        message_deduplication_id: q
                            .is_fifo()
                            .then(|| uuid::Uuid::new_v4().simple().to_string()),
                        message_group_id: q.is_fifo().then(|| "lambda".to_string()),
                    };
                    if let Err(e) = self.sqs.send_to_queue(&q, fields) {
                        tracing::warn!(destination = arn, error = %e, "Lambda destination send failed");
                    }
                }
                None => {
                    tracing::warn!(destination = arn, "Lambda destination queue does not exist")
                }
            },
            Some("sns") => {
                let Some(sns) = self.sns.get().and_then(Weak::upgrade) else {
                    return;
                };
                let ctx = RequestContext::new(
                    parts.get(4).copied().unwrap_or("000000000000"),
                    parts.get(3).copied().unwrap_or("us-east-1"),
                    "localhost",
                );
                let input = crate::sns::model::PublishInput {
                    topic_arn: Some(arn.to_string()),
                    message: Some(message),
                    ..Default::default()
                };
                if let Err(e) = sns.publish(&ctx, input) {
                    tracing::warn!(destination = arn, error = %e, "Lambda destination publish failed");
                }
            }
            Some("lambda") => {
                if let Err(e) = self.invoke_async_arn(arn, message.into_bytes()) {
                    tracing::warn!(destination = arn, error = %e, "Lambda destination invoke failed");
                }
            }
            _ => tracing::warn!(
                destination = arn,
                "fogbank cannot deliver to this destination"
            ),
        }
    }

    /// Run a function synchronously for an event source mapping (no retries of its own).
    pub(crate) async fn invoke_for_mapping(
        &self,
        function_arn: &str,
        payload: Bytes,
    ) -> LambdaResult<Outcome> {
        let parts: Vec<&str> = function_arn.split(':').collect();
        let ctx = RequestContext::new(
            parts.get(4).copied().unwrap_or("000000000000"),
            parts.get(3).copied().unwrap_or("us-east-1"),
            "localhost",
        );
        let target = self.resolve_target(&ctx, function_arn, None)?;
        Ok(self.run(&target, payload, None, true).await?.0)
    }

    /// The timeout of a function (for mapping validation).
    pub(crate) fn function_timeout(
        &self,
        ctx: &RequestContext,
        name: &str,
    ) -> LambdaResult<(String, u32)> {
        let (f, q) = self.function(ctx, name)?;
        let f = lock(&f);
        let (v, _) = Self::version_of(&f, q.as_deref())?;
        let arn = match q {
            Some(q) => format!("{}:{q}", f.arn),
            None => f.arn.clone(),
        };
        Ok((arn, v.config.timeout))
    }

    /// Where unpacked zips (functions and layers) live.
    pub fn code_root(&self) -> PathBuf {
        self.data_dir.join("code")
    }
}

impl Drop for LambdaEngine {
    fn drop(&mut self) {
        for pool in self.pools.iter() {
            pool.kill_all();
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

impl crate::sns::LambdaInvoker for LambdaEngine {
    fn invoke_async(&self, function_arn: &str, payload: Vec<u8>) -> Result<(), String> {
        self.invoke_async_arn(function_arn, payload)
    }
}
