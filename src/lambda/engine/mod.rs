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

use super::activity::{InvocationRecord, Recent, Recording, Trigger};
use super::code::{self, Code, HOT_RELOAD_BUCKET};
use super::error::{LambdaError, LambdaResult};
use super::esm::Esm;
use super::launch::write_bootstraps;
use super::model::*;
use super::pool::{Capacity, Pool};
use super::runtime::{EnvSpec, Outcome, lock};
use super::scratch::DataDir;
use crate::context::RequestContext;
use crate::sns::SnsEngine;
use crate::sqs::SqsEngine;
use crate::sqs::model::{MessageAttributeValue, SendMessageFields};

mod aliases;
mod code_signing;
mod code_url;
mod concurrency;
mod durable;
mod functions;
pub mod inspect;
mod invoke;
mod invoke_config;
mod policy;
mod provisioned;
mod recursion;
mod states;
mod streaming;
mod tags;
mod urls;

pub use super::model::Cors;
pub use code_url::{CODE_PATH, DownloadError};
use functions::check_range;
pub(crate) use policy::{Policy, Statement, check_revision};
pub use streaming::StreamInvoke;
pub(crate) use tags::check_tags;
pub use urls::{UrlConfig, UrlConfigInput, UrlTarget};

/// Largest synchronous invoke payload.
pub const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;
/// Most layers one function may reference.
pub const MAX_LAYERS: usize = 5;
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
    "ruby4.0",
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
    /// Function URLs by qualifier (`$LATEST` for the function's own, else an alias).
    pub(crate) urls: BTreeMap<String, UrlConfig>,
    /// Set (under the function's lock) when DeleteFunction removed it: changes made by calls
    /// that still held it are no longer journaled.
    deleted: bool,
    /// A create or update answered as being applied and not yet read (`states`).
    in_progress: Option<states::InProgress>,
    /// Code signing, recursion and provisioned concurrency settings.
    pub(crate) extras: super::state::FunctionExtras,
    /// Its recent invocations, all versions (`lambda::activity`; not durable).
    pub(crate) recent: Arc<Recent>,
}

/// An invoke as it arrived.
#[derive(Debug, Clone, Default)]
pub struct InvokeInput {
    pub invocation_type: Option<String>,
    pub log_type: Option<String>,
    /// Base64 JSON, as sent in `X-Amz-Client-Context`.
    pub client_context: Option<String>,
    pub payload: Bytes,
    /// The API request's id: the invocation takes it, so the answer's `x-amzn-RequestId`
    /// is the id the runtime, the log lines and error payloads show (as on AWS).
    pub request_id: Option<String>,
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
    /// The qualifier as invoked (a version or alias), else the version executed.
    qualifier: String,
    /// The function's recent invocations.
    recent: Arc<Recent>,
}

impl Target {
    /// What the pool records of an invocation of this target started by `trigger`.
    fn recording(&self, trigger: Trigger) -> Recording {
        Recording {
            recent: self.recent.clone(),
            qualifier: self.qualifier.clone(),
            trigger,
        }
    }
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

/// A layer: its versions, and the last version number given (numbers keep counting after
/// deletes).
#[derive(Debug, Clone, Default)]
pub(crate) struct Layer {
    pub last_version: u64,
    pub versions: BTreeMap<u64, LayerVersion>,
}

/// The Lambda engine.
pub struct LambdaEngine {
    pub(crate) settings: LambdaSettings,
    pub(crate) sqs: Arc<SqsEngine>,
    sns: OnceLock<Weak<SnsEngine>>,
    /// Where `Code.S3Bucket`/`S3Key` packages are read from.
    s3: OnceLock<Weak<crate::s3::S3Engine>>,
    /// Where environments write their log lines (CloudWatch Logs).
    logs: OnceLock<Arc<crate::logs::LogsEngine>>,
    endpoint: OnceLock<String>,
    pub(crate) functions: DashMap<String, Arc<Mutex<Function>>>,
    pools: DashMap<String, Arc<Pool>>,
    pub(crate) esms: DashMap<String, Arc<Esm>>,
    pub(crate) layers: DashMap<String, Layer>,
    /// Code signing configurations by ARN.
    pub(crate) code_signing: DashMap<String, code_signing::CodeSigningConfig>,
    data_dir: DataDir,
    /// Set when the state is durable (`--data-dir`): every change is reported to it.
    journal: OnceLock<crate::store::Journal>,
    /// The code blobs in the store; held while blobs are written or collected.
    blob_book: Mutex<durable::BlobBook>,
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

/// The model shape a `FunctionName` is checked against, which depends on the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameShape {
    /// `FunctionName` (at most 140): CreateFunction, aliases, concurrency, PublishVersion,
    /// UpdateFunctionCode/Configuration.
    Plain,
    /// `NamespacedFunctionName` (at most 256; `.` in names, `$LATEST.PUBLISHED`): reads,
    /// Invoke, DeleteFunction, policies, event invoke configs, mappings.
    Namespaced,
    /// `FunctionUrlFunctionName` (at most 140): the function URL config operations.
    Url,
}

/// The ARN prefix every FunctionName pattern starts with.
const NAME_PREFIX: &str = r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?";

impl NameShape {
    /// The pattern as AWS quotes it.
    fn pattern(self) -> String {
        let rest = match self {
            NameShape::Plain => r"([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?",
            NameShape::Namespaced => {
                r"([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"
            }
            NameShape::Url => r"([a-zA-Z0-9-_]{1,64})(:((?!\d+$)[0-9a-zA-Z-_]+))?",
        };
        format!("{NAME_PREFIX}{rest}")
    }

    fn max_len(self) -> usize {
        match self {
            NameShape::Namespaced => 256,
            NameShape::Plain | NameShape::Url => 140,
        }
    }

    fn name_ok(self, name: &str) -> bool {
        match self {
            // AWS refuses a name over 64 characters with the pattern error here too
            // (recorded: GetFunction with 65 characters), though the pattern has no bound.
            NameShape::Namespaced => {
                !name.is_empty()
                    && name.len() <= 64
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            }
            NameShape::Plain | NameShape::Url => valid_name(name),
        }
    }

    fn qualifier_ok(self, q: &str) -> bool {
        let plain = !q.is_empty()
            && q.len() <= 128
            && q.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        match self {
            NameShape::Namespaced => plain || q == "$LATEST" || q == "$LATEST.PUBLISHED",
            NameShape::Plain | NameShape::Url => plain || q == "$LATEST",
        }
    }
}

/// The model's `(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}`.
pub(crate) fn valid_region(region: &str) -> bool {
    let region = region.strip_prefix("eusc-").unwrap_or(region);
    let parts: Vec<&str> = region.split('-').collect();
    let lower = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase());
    let [first, middle @ .., last] = parts.as_slice() else {
        return false;
    };
    let middle_ok = match middle {
        [word] => lower(word),
        [tag, word] => {
            (*tag == "gov"
                || tag
                    .strip_prefix("iso")
                    .is_some_and(|x| x.len() <= 1 && x.bytes().all(|b| b.is_ascii_lowercase())))
                && lower(word)
        }
        _ => false,
    };
    first.len() == 2
        && lower(first)
        && middle_ok
        && last.len() == 1
        && last.bytes().all(|b| b.is_ascii_digit())
}

/// The model's `aws[a-zA-Z-]*` (or nothing).
fn valid_partition(p: &str) -> bool {
    p.is_empty()
        || p.strip_prefix("aws")
            .is_some_and(|r| r.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-'))
}

fn valid_account(a: &str) -> bool {
    a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit())
}

/// "N validation error(s) detected: a; b".
pub(crate) fn validation_errors(errors: Vec<String>) -> LambdaResult<()> {
    match errors.len() {
        0 => Ok(()),
        1 => Err(LambdaError::validation(format!(
            "1 validation error detected: {}",
            errors[0]
        ))),
        n => Err(LambdaError::validation(format!(
            "{n} validation errors detected: {}",
            errors.join("; ")
        ))),
    }
}

/// The `Qualifier` parameter's pattern (`NumericLatestPublishedOrAliasQualifier`).
const QUALIFIER_PATTERN: &str = r"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+";

/// Split a FunctionName parameter (name, `name:qualifier`, full or partial ARN) into
/// (account, region, name, qualifier), checked against CreateFunction's `FunctionName` shape.
pub fn parse_function_name(
    ctx: &RequestContext,
    raw: &str,
) -> LambdaResult<(String, String, String, Option<String>)> {
    parse_function_name_as(ctx, raw, NameShape::Plain)
}

/// As [`parse_function_name`], checked against `shape` (its length limit first, then its
/// pattern, as AWS lists them).
pub fn parse_function_name_as(
    ctx: &RequestContext,
    raw: &str,
    shape: NameShape,
) -> LambdaResult<(String, String, String, Option<String>)> {
    let parts: Vec<&str> = raw.split(':').collect();
    // the caller's own region is taken as it is (fogbank answers any region a client names)
    let region_ok = |r: &str| r == ctx.region || valid_region(r);
    let account_ok = |a: &str| a == ctx.account || valid_account(a);
    let parsed = match parts.as_slice() {
        [
            "arn",
            partition,
            "lambda",
            region,
            account,
            "function",
            name,
        ] if valid_partition(partition) && region_ok(region) && account_ok(account) => {
            Some((account.to_string(), region.to_string(), *name, None))
        }
        [
            "arn",
            partition,
            "lambda",
            region,
            account,
            "function",
            name,
            q,
        ] if valid_partition(partition) && region_ok(region) && account_ok(account) => {
            Some((account.to_string(), region.to_string(), *name, Some(*q)))
        }
        [account, "function", name] if account_ok(account) => {
            Some((account.to_string(), ctx.region.clone(), *name, None))
        }
        [account, "function", name, q] if account_ok(account) => {
            Some((account.to_string(), ctx.region.clone(), *name, Some(*q)))
        }
        [name] => Some((ctx.account.clone(), ctx.region.clone(), *name, None)),
        [name, q] => Some((ctx.account.clone(), ctx.region.clone(), *name, Some(*q))),
        _ => None,
    }
    .filter(|(_, _, name, q)| shape.name_ok(name) && q.is_none_or(|q| shape.qualifier_ok(q)));
    let mut errors = Vec::new();
    if raw.chars().count() > shape.max_len() {
        errors.push(format!(
            "Value '{raw}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to {}",
            shape.max_len()
        ));
    }
    if parsed.is_none() {
        errors.push(format!(
            "Value '{raw}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: {}",
            shape.pattern()
        ));
    }
    validation_errors(errors)?;
    let Some((account, region, name, qualifier)) = parsed else {
        return Err(LambdaError::validation("1 validation error detected"));
    };
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

impl Listed for FunctionUrlConfig {
    fn key(&self) -> &str {
        &self.function_arn
    }
}

/// One page of a listing: `max_items` (1..=`limit`, default `default`) items after the one
/// whose key is `marker` (or, if it is gone, after the keys that sort before it), and the
/// `NextMarker` when more follow.
fn page<T: Listed>(
    mut all: Vec<T>,
    marker: Option<&str>,
    max_items: Option<&str>,
    (default, limit): (usize, usize),
) -> LambdaResult<(Vec<T>, Option<String>)> {
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
    let more = start + max < all.len();
    all.truncate(start.saturating_add(max));
    let items = all.split_off(start.min(all.len()));
    let next = if more {
        items.last().map(|last| last.key().to_string())
    } else {
        None
    };
    Ok((items, next))
}

fn function_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:lambda:{region}:{account}:function:{name}")
}

impl LambdaEngine {
    pub fn new(settings: LambdaSettings, sqs: Arc<SqsEngine>) -> Arc<Self> {
        let data_dir = DataDir::create();
        let engine = Arc::new(LambdaEngine {
            settings,
            sqs,
            sns: OnceLock::new(),
            s3: OnceLock::new(),
            logs: OnceLock::new(),
            endpoint: OnceLock::new(),
            functions: DashMap::new(),
            pools: DashMap::new(),
            esms: DashMap::new(),
            layers: DashMap::new(),
            code_signing: DashMap::new(),
            data_dir,
            journal: OnceLock::new(),
            blob_book: Mutex::new(durable::BlobBook::default()),
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

    /// `host:port` of this server (from the endpoint the runtimes get), for the URLs of
    /// messages and answers made outside a request; `localhost` before the server is bound.
    pub(crate) fn own_host(&self) -> String {
        self.endpoint
            .get()
            .map(|e| {
                e.trim_start_matches("http://")
                    .trim_start_matches("https://")
                    .to_string()
            })
            .unwrap_or_else(|| "localhost".into())
    }

    /// Let destinations and dead-letter targets publish to SNS topics.
    pub fn set_sns(&self, sns: &Arc<SnsEngine>) {
        let _ = self.sns.set(Arc::downgrade(sns));
    }

    /// Send every environment's log lines to CloudWatch Logs (the function's log group).
    pub fn set_logs(&self, logs: Arc<crate::logs::LogsEngine>) {
        let _ = self.logs.set(logs);
    }

    /// Let functions and layers take their code from fogbank's S3 buckets.
    pub fn set_s3(&self, s3: &Arc<crate::s3::S3Engine>) {
        let _ = self.s3.set(Arc::downgrade(s3));
    }

    /// A deployment package from one of fogbank's buckets, as AWS reads it (its errors worded
    /// as AWS words a failed GetObject).
    pub(crate) fn s3_package(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
    ) -> LambdaResult<Vec<u8>> {
        let s3 = self.s3.get().and_then(Weak::upgrade).ok_or_else(|| {
            LambdaError::invalid("Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist")
        })?;
        s3.read_object(bucket, key, version, code::MAX_UNZIPPED)
            .map_err(|f| {
                LambdaError::invalid(format!(
                    "Error occurred while GetObject. S3 Error Code: {}. S3 Error Message: {}",
                    f.code, f.message
                ))
            })
    }

    pub(crate) fn arc(&self) -> Option<Arc<LambdaEngine>> {
        self.this.get().and_then(Weak::upgrade)
    }

    fn runtime_dir(&self) -> LambdaResult<PathBuf> {
        self.runtime_dir
            .get_or_init(|| {
                let dir = super::launch::bootstraps_dir()
                    .unwrap_or_else(|| self.data_dir.join("runtime"));
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
        let mut book = self.hold_blobs();
        self.shutdown();
        self.esms.clear();
        self.functions.clear();
        self.layers.clear();
        self.code_signing.clear();
        self.journal_reset(&mut book);
    }

    /// Kill environments idle past the keepalive; reap handler processes that reparented to
    /// fogbank and exited on their own.
    pub fn reap_idle(&self) {
        for pool in self.pools.iter() {
            pool.reap(self.settings.idle_timeout);
        }
        super::contain::reap_orphans();
    }

    /// A function's recent invocations (all versions, at most
    /// [`super::activity::MAX_INVOCATIONS`]), newest first; empty for an unknown function.
    /// `function_name` is its name or unqualified ARN.
    pub fn recent_invocations(
        &self,
        account: &str,
        region: &str,
        function_name: &str,
    ) -> Vec<InvocationRecord> {
        let key = if function_name.starts_with("arn:") {
            function_name.to_string()
        } else {
            function_arn(region, account, function_name)
        };
        let Some(f) = self.lookup(&key) else {
            return Vec::new();
        };
        let recent = lock(&f).recent.clone();
        recent.records()
    }

    /// Live execution environments across all functions (tests, health).
    pub fn live_environments(&self) -> usize {
        self.pools.iter().map(|p| p.live()).sum()
    }

    /// The unqualified ARN and the qualifier a request names (from `FunctionName`, checked as
    /// a `NamespacedFunctionName`, and the `Qualifier` parameter, which must agree), checked
    /// before the function is looked up. A full ARN of another region is refused as AWS
    /// refuses it.
    fn named(
        ctx: &RequestContext,
        raw: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<(String, Option<String>)> {
        Self::named_as(ctx, raw, qualifier, NameShape::Namespaced)
    }

    /// As [`Self::named`], with the name checked against `shape`.
    fn named_as(
        ctx: &RequestContext,
        raw: &str,
        qualifier: Option<String>,
        shape: NameShape,
    ) -> LambdaResult<(String, Option<String>)> {
        let (account, region, name, from_name) = parse_function_name_as(ctx, raw, shape)?;
        if region != ctx.region {
            return Err(LambdaError::not_found(format!(
                "Functions from '{region}' are not reachable in this region ('{}')",
                ctx.region
            )));
        }
        let qualifier = Self::qualifier(from_name, qualifier, shape)?;
        Ok((function_arn(&region, &account, &name), qualifier))
    }

    fn lookup(&self, arn: &str) -> Option<Arc<Mutex<Function>>> {
        self.functions.get(arn).map(|f| f.clone())
    }

    /// A function named as the operations with a plain `FunctionName` name it (aliases,
    /// PublishVersion, the updates).
    pub(crate) fn function(
        &self,
        ctx: &RequestContext,
        raw: &str,
    ) -> LambdaResult<(Arc<Mutex<Function>>, Option<String>)> {
        let (arn, q) = Self::named_as(ctx, raw, None, NameShape::Plain)?;
        match self.lookup(&arn) {
            Some(f) => Ok((f, q)),
            None => Err(LambdaError::function_not_found(&arn)),
        }
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

    /// The qualifier from the path and the `Qualifier` parameter, which must agree; the
    /// parameter is checked against the model first (a ValidationException, not a 404).
    fn qualifier(
        from_name: Option<String>,
        param: Option<String>,
        shape: NameShape,
    ) -> LambdaResult<Option<String>> {
        if let Some(q) = param.as_deref() {
            let mut errors = Vec::new();
            if q.chars().count() > 128 {
                errors.push(format!(
                    "Value '{q}' at 'qualifier' failed to satisfy constraint: Member must have length less than or equal to 128"
                ));
            }
            let pattern_ok = q == "$LATEST"
                || q == "$LATEST.PUBLISHED"
                || q.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'$'));
            if shape == NameShape::Namespaced && !q.is_empty() && !pattern_ok {
                errors.push(format!(
                    "Value '{q}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: {QUALIFIER_PATTERN}"
                ));
            }
            validation_errors(errors)?;
        }
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
        if parsed.len() > MAX_LAYERS {
            return Err(LambdaError::invalid(format!(
                "Cannot reference more than {MAX_LAYERS} layers."
            )));
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
                .and_then(|v| v.versions.get(&version).cloned())
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
        (bucket, key, version): (Option<&str>, Option<&str>, Option<&str>),
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
                let zip = code::decode_zip(z)?;
                let code = code::unpack_function(&self.code_root(), &zip, layer_dirs)?;
                self.keep_zip(&code, &zip)?;
                Ok(code)
            }
            (None, Some(HOT_RELOAD_BUCKET), Some(dir)) => code::hot_reload(dir),
            (None, Some(b), Some(k)) => {
                let zip = self.s3_package(b, k, version)?;
                let code = code::unpack_function(&self.code_root(), &zip, layer_dirs)?;
                self.keep_zip(&code, &zip)?;
                Ok(code)
            }
            _ => Err(LambdaError::invalid(
                "Please provide a source for function code.",
            )),
        }
    }

    /// Where the original zip of unpacked code is kept (`<scratch>/zips/<hex>.zip`), so that
    /// it can be exported and stored; `None` for a directory run in place.
    pub(crate) fn zip_path(&self, code: &Code) -> Option<PathBuf> {
        if code.hot_reload {
            return None;
        }
        let hex = code::hex_of(&code.dir)?;
        Some(self.data_dir.join("zips").join(format!("{hex}.zip")))
    }

    /// Keep the zip of code just unpacked (see [`Self::zip_path`]).
    pub(crate) fn keep_zip(&self, code: &Code, zip: &[u8]) -> LambdaResult<()> {
        match self.zip_path(code) {
            Some(path) => code::keep_zip(&path, zip),
            None => Ok(()),
        }
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
        super::cache::forget_bytecode_of(&self.data_dir);
    }
}

impl crate::sns::LambdaInvoker for LambdaEngine {
    fn invoke_async(&self, function_arn: &str, payload: Vec<u8>) -> Result<(), String> {
        self.invoke_async_arn(function_arn, payload, Trigger::Sns)
    }
}
