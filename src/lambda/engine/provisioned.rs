//! Provisioned concurrency configurations of a function's published versions and aliases,
//! stored in the function's record and answered as AWS answers them: PutProvisioned...
//! answers `IN_PROGRESS` with nothing allocated, and every later read sees `READY` with the
//! requested environments available (fogbank starts environments on demand, so there is
//! nothing to wait for; it does not pre-start them).

use serde::{Deserialize, Serialize};

use super::super::state::ProvisionedRecord;
use super::*;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProvisionedInput {
    pub provisioned_concurrent_executions: Option<i64>,
}

/// A configuration as Get/PutProvisionedConcurrencyConfig answer it (and, with the qualified
/// `FunctionArn`, as ListProvisionedConcurrencyConfigs lists it).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProvisionedOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_arn: Option<String>,
    pub requested_provisioned_concurrent_executions: u32,
    pub available_provisioned_concurrent_executions: u32,
    pub allocated_provisioned_concurrent_executions: u32,
    pub status: &'static str,
    pub last_modified: String,
}

/// ListProvisionedConcurrencyConfigs' answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListProvisionedOutput {
    pub provisioned_concurrency_configs: Vec<ProvisionedOutput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

impl Listed for ProvisionedOutput {
    fn key(&self) -> &str {
        self.function_arn.as_deref().unwrap_or("")
    }
}

fn validation(message: String) -> LambdaError {
    LambdaError::validation(format!("1 validation error detected: {message}"))
}

fn latest_refused() -> LambdaError {
    LambdaError::invalid("The function resource provided must be an alias or a published version.")
}

fn ready(arn: Option<String>, r: &ProvisionedRecord) -> ProvisionedOutput {
    ProvisionedOutput {
        function_arn: arn,
        requested_provisioned_concurrent_executions: r.requested,
        available_provisioned_concurrent_executions: r.requested,
        allocated_provisioned_concurrent_executions: r.requested,
        status: "READY",
        last_modified: r.last_modified.clone(),
    }
}

impl Function {
    /// Whether `qualifier` names one of this function's published versions or aliases.
    fn has_qualifier(&self, qualifier: &str) -> bool {
        match qualifier.parse::<u64>() {
            Ok(n) => self.versions.contains_key(&n),
            Err(_) => self.aliases.contains_key(qualifier),
        }
    }

    /// The provisioned configurations whose version or alias still exists.
    fn live_provisioned(&self) -> impl Iterator<Item = (&String, &ProvisionedRecord)> {
        self.extras
            .provisioned
            .iter()
            .filter(|(q, _)| self.has_qualifier(q))
    }
}

impl LambdaEngine {
    /// The function and the version or alias a provisioned concurrency call names; a
    /// missing one is reported as AWS reports it (by the qualified ARN).
    fn provisioned_target(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
        on_latest: fn() -> LambdaError,
    ) -> LambdaResult<(Arc<Mutex<Function>>, String)> {
        let (arn, q) = Self::named(ctx, name, qualifier)?;
        let q = q.ok_or_else(|| {
            validation(
                "Value null at 'qualifier' failed to satisfy constraint: Member must not be null"
                    .into(),
            )
        })?;
        if q == "$LATEST" {
            return Err(on_latest());
        }
        let missing = || {
            if q.parse::<u64>().is_ok() {
                LambdaError::function_not_found(&format!("{arn}:{q}"))
            } else {
                LambdaError::not_found(format!("Cannot find alias arn: {arn}:{q}"))
            }
        };
        let f = self.lookup(&arn).ok_or_else(missing)?;
        if !lock(&f).has_qualifier(&q) {
            return Err(missing());
        }
        Ok((f, q))
    }

    pub fn put_provisioned_concurrency(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
        input: ProvisionedInput,
    ) -> LambdaResult<ProvisionedOutput> {
        let n = input.provisioned_concurrent_executions.ok_or_else(|| {
            validation("Value null at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must not be null".into())
        })?;
        if n < 1 {
            return Err(validation(format!(
                "Value '{n}' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1"
            )));
        }
        let (f, q) = self.provisioned_target(ctx, name, qualifier, || {
            LambdaError::invalid(
                "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
            )
        })?;
        let account = self.settings.account_concurrency;
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        if n > account {
            return Err(LambdaError::invalid(format!(
                "Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [{account}]."
            )));
        }
        let reserved_elsewhere: u32 = self
            .functions
            .iter()
            .filter_map(|g| lock(g.value()).reserved)
            .sum();
        if n > account
            .saturating_sub(reserved_elsewhere)
            .saturating_sub(100)
        {
            return Err(LambdaError::invalid(
                "Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
            ));
        }
        let mut f = lock(&f);
        let others: u32 = f
            .live_provisioned()
            .filter(|(other, _)| **other != q)
            .map(|(_, r)| r.requested)
            .sum();
        if f.reserved.is_some_and(|r| r < others.saturating_add(n)) {
            return Err(LambdaError::invalid(
                "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function",
            ));
        }
        match q.parse::<u64>() {
            Err(_) => {
                let version = f
                    .aliases
                    .get(&q)
                    .map(|a| a.config.function_version.clone())
                    .unwrap_or_default();
                if f.extras.provisioned.contains_key(&version) && f.has_qualifier(&version) {
                    return Err(LambdaError::conflict(
                        "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version",
                    ));
                }
            }
            Ok(_) => {
                let pointed = f.aliases.iter().any(|(alias, a)| {
                    a.config.function_version == q && f.extras.provisioned.contains_key(alias)
                });
                if pointed {
                    return Err(LambdaError::conflict(
                        "Version is pointed by a Provisioned Concurrency alias",
                    ));
                }
            }
        }
        let record = ProvisionedRecord {
            requested: n,
            last_modified: last_modified(now_ms()),
        };
        f.extras.provisioned.insert(q, record.clone());
        self.journal_function(&f);
        Ok(ProvisionedOutput {
            function_arn: None,
            requested_provisioned_concurrent_executions: n,
            available_provisioned_concurrent_executions: 0,
            allocated_provisioned_concurrent_executions: 0,
            status: "IN_PROGRESS",
            last_modified: record.last_modified,
        })
    }

    pub fn get_provisioned_concurrency(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<ProvisionedOutput> {
        let (f, q) = self.provisioned_target(ctx, name, qualifier, latest_refused)?;
        let f = lock(&f);
        let r = f.extras.provisioned.get(&q).ok_or_else(|| {
            LambdaError::new(
                404,
                "ProvisionedConcurrencyConfigNotFoundException",
                "No Provisioned Concurrency Config found for this function",
            )
        })?;
        Ok(ready(None, r))
    }

    pub fn delete_provisioned_concurrency(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<()> {
        let (f, q) = self.provisioned_target(ctx, name, qualifier, latest_refused)?;
        let mut f = lock(&f);
        if f.extras.provisioned.remove(&q).is_some() {
            self.journal_function(&f);
        }
        Ok(())
    }

    pub fn list_provisioned_concurrency(
        &self,
        ctx: &RequestContext,
        name: &str,
        marker: Option<&str>,
        max_items: Option<&str>,
    ) -> LambdaResult<ListProvisionedOutput> {
        let f = self.unqualified_target(ctx, name, "")?;
        let f = lock(&f);
        let all: Vec<ProvisionedOutput> = f
            .live_provisioned()
            .map(|(q, r)| ready(Some(format!("{}:{q}", f.arn)), r))
            .collect();
        let (provisioned_concurrency_configs, next_marker) =
            page(all, marker, max_items, (50, 50))?;
        Ok(ListProvisionedOutput {
            provisioned_concurrency_configs,
            next_marker,
        })
    }
}
