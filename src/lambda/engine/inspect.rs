//! Looking at functions across accounts and regions (the console): which exist, and their
//! live execution environments.

use super::{LambdaEngine, lock};

/// A function as the console lists it.
#[derive(Debug, Clone)]
pub struct FunctionSummary {
    /// Unqualified ARN.
    pub arn: String,
    pub name: String,
    pub account: String,
    pub region: String,
    pub runtime: Option<String>,
    pub handler: Option<String>,
    pub last_modified: String,
    /// Published versions (not counting `$LATEST`).
    pub versions: usize,
}

/// The execution environments of one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environments {
    /// `$LATEST` or a version number.
    pub version: String,
    /// Alive now, busy or idle.
    pub live: usize,
}

impl LambdaEngine {
    /// Every function, sorted by account, region and name.
    pub fn all_functions(&self) -> Vec<FunctionSummary> {
        let mut v: Vec<FunctionSummary> = self
            .functions
            .iter()
            .map(|e| {
                let f = lock(e.value());
                let c = &f.latest.config;
                FunctionSummary {
                    arn: f.arn.clone(),
                    name: f.name.clone(),
                    account: f.account.clone(),
                    region: f.region.clone(),
                    runtime: c.runtime.clone(),
                    handler: c.handler.clone(),
                    last_modified: c.last_modified.clone(),
                    versions: f.versions.len(),
                }
            })
            .collect();
        v.sort_by(|a, b| (&a.account, &a.region, &a.name).cmp(&(&b.account, &b.region, &b.name)));
        v
    }

    /// The live environments of a function (unqualified ARN), by version; versions without
    /// any are left out.
    pub fn environments_of(&self, function_arn: &str) -> Vec<Environments> {
        let prefix = format!("{function_arn}:");
        let mut v: Vec<Environments> = self
            .pools
            .iter()
            .filter_map(|p| {
                let version = p.key().strip_prefix(&prefix)?;
                let live = p.value().live();
                (live > 0).then(|| Environments {
                    version: version.to_string(),
                    live,
                })
            })
            .collect();
        v.sort_by(|a, b| a.version.cmp(&b.version));
        v
    }
}
