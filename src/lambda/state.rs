//! What Lambda keeps across a restart and in snapshots, as typed records.
//!
//! Record kinds:
//! - `lambda.function` (key: the unqualified function ARN): [`FunctionRecord`], the function
//!   with everything attached to it: `$LATEST` and its published versions (configuration and
//!   code), aliases (with routing weights), resource policies by qualifier, reserved
//!   concurrency, event invoke configs by qualifier, tags, and the last version number given
//!   (numbers keep counting after deletes), and its function URLs by qualifier. One record per function: every change made under
//!   the function's lock rewrites it whole.
//! - `lambda.layer` (key: the layer ARN, without version): [`LayerRecord`], its versions
//!   (content, compatible runtimes and architectures, license, policy) and the last version
//!   number given (numbers keep counting after deletes).
//! - `lambda.esm` (key: the mapping's UUID): [`EsmRecord`], an SQS event source mapping.
//! - `lambda.code_signing_config` (key: its ARN): a code signing configuration
//!   (`engine::code_signing`); the one a function uses is in the function's [`FunctionExtras`].
//!
//! Blobs: `lambda/code/<hex sha256>.zip`, the original zip of a function version's code or of
//! a layer version's content (content-addressed: versions with the same zip share it). Code
//! that runs in place (`S3Bucket=hot-reload`, the `--config` directories) has no blob: its
//! record keeps the directory's path.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::model::{AliasConfiguration, EventInvokeConfig, FunctionConfiguration};

pub const FUNCTION: &str = "lambda.function";
pub const LAYER: &str = "lambda.layer";
pub const ESM: &str = "lambda.esm";

/// The blob of the zip whose SHA-256 is `hex` (lower-case hex).
pub fn code_blob(hex: &str) -> String {
    format!("lambda/code/{hex}.zip")
}

/// The hex SHA-256 a code blob name carries, if it is one.
pub fn blob_hex(name: &str) -> Option<&str> {
    name.strip_prefix("lambda/code/")?
        .strip_suffix(".zip")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Where a version's code comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum CodeRecord {
    /// A zip kept as the blob `blob` (see [`code_blob`]); `sha256` is the base64 CodeSha256.
    Zip {
        blob: String,
        sha256: String,
        size: u64,
    },
    /// A directory run in place (hot reload).
    Directory { path: PathBuf },
}

/// A layer a version uses, with the blob of its content (the layer version may be deleted
/// while functions still use it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerUseRecord {
    pub arn: String,
    pub blob: String,
}

/// `$LATEST` or a published version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionRecord {
    /// As GetFunctionConfiguration answers it.
    pub config: FunctionConfiguration,
    pub code: CodeRecord,
    /// The layers of `config.layers`, in the same order.
    #[serde(default)]
    pub layers: Vec<LayerUseRecord>,
    #[serde(default)]
    pub source_description: String,
}

/// One policy statement, members as AWS writes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementRecord {
    pub sid: String,
    pub effect: String,
    pub principal: serde_json::Value,
    pub action: String,
    pub resource: String,
    #[serde(default)]
    pub condition: Option<serde_json::Value>,
}

/// A resource policy and its revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRecord {
    pub revision: String,
    pub statements: Vec<StatementRecord>,
}

/// A function and everything attached to it (kind `lambda.function`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionRecord {
    pub name: String,
    pub arn: String,
    pub account: String,
    pub region: String,
    pub latest: VersionRecord,
    #[serde(default)]
    pub versions: BTreeMap<u64, VersionRecord>,
    #[serde(default)]
    pub last_version: u64,
    #[serde(default)]
    pub aliases: BTreeMap<String, AliasConfiguration>,
    /// By qualifier ("" for the function itself).
    #[serde(default)]
    pub policies: BTreeMap<String, PolicyRecord>,
    #[serde(default)]
    pub reserved: Option<u32>,
    /// By qualifier (`$LATEST`, a version, an alias).
    #[serde(default)]
    pub invoke_configs: BTreeMap<String, EventInvokeConfig>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Function URLs by qualifier (`$LATEST` or an alias).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub urls: BTreeMap<String, super::engine::UrlConfig>,
    #[serde(default, skip_serializing_if = "FunctionExtras::is_default")]
    pub extras: FunctionExtras,
}

/// A function's settings beside its versions: the code signing configuration it uses, its
/// recursive loop detection, and provisioned concurrency by qualifier.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionExtras {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_signing_config_arn: Option<String>,
    /// `Allow` or `Terminate`; unset is AWS's default, `Terminate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recursive_loop: Option<String>,
    /// By qualifier (a published version or an alias).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub provisioned: BTreeMap<String, ProvisionedRecord>,
}

impl FunctionExtras {
    pub fn is_default(&self) -> bool {
        *self == FunctionExtras::default()
    }
}

/// One provisioned concurrency configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisionedRecord {
    pub requested: u32,
    pub last_modified: String,
}

/// One layer version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerVersionRecord {
    pub description: String,
    pub created: String,
    /// Always a zip.
    pub code: CodeRecord,
    #[serde(default)]
    pub runtimes: Vec<String>,
    #[serde(default)]
    pub architectures: Vec<String>,
    #[serde(default)]
    pub license: Option<String>,
    #[serde(default)]
    pub policy: Option<PolicyRecord>,
}

/// A layer and its versions (kind `lambda.layer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerRecord {
    pub arn: String,
    pub last_version: u64,
    #[serde(default)]
    pub versions: BTreeMap<u64, LayerVersionRecord>,
}

/// An SQS event source mapping (kind `lambda.esm`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EsmRecord {
    pub uuid: String,
    pub event_source_arn: String,
    pub function_arn: String,
    pub batch_size: u32,
    pub window_secs: u32,
    pub enabled: bool,
    pub report_failures: bool,
    #[serde(default)]
    pub filter_criteria: Option<serde_json::Value>,
    #[serde(default)]
    pub max_concurrency: Option<u32>,
    pub last_modified: u64,
    pub account: String,
    pub region: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests;
