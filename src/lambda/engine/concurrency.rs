//! Reserved concurrency and account settings.

use super::*;

impl LambdaEngine {
    /// The unqualified function a function-level call names (concurrency, code signing,
    /// provisioned concurrency listings, recursion); a missing one is reported with
    /// `missing_suffix` after its ARN (PutFunctionConcurrency names `$LATEST`).
    pub(super) fn unqualified_target(
        &self,
        ctx: &RequestContext,
        name: &str,
        missing_suffix: &str,
    ) -> LambdaResult<Arc<Mutex<Function>>> {
        let (arn, q) = Self::named_as(ctx, name, None, NameShape::Plain)?;
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
    ) -> LambdaResult<Concurrency> {
        let f = self.unqualified_target(ctx, name, ":$LATEST")?;
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
        let mut f = lock(&f);
        f.reserved = Some(n);
        self.journal_function(&f);
        Ok(Concurrency {
            reserved_concurrent_executions: n,
        })
    }

    pub fn get_concurrency(
        &self,
        ctx: &RequestContext,
        name: &str,
    ) -> LambdaResult<GetFunctionConcurrencyResponse> {
        let f = self.unqualified_target(ctx, name, "")?;
        let reserved = lock(&f).reserved;
        Ok(GetFunctionConcurrencyResponse {
            reserved_concurrent_executions: reserved,
        })
    }

    pub fn delete_concurrency(&self, ctx: &RequestContext, name: &str) -> LambdaResult<()> {
        let f = self.unqualified_target(ctx, name, "")?;
        let mut f = lock(&f);
        f.reserved = None;
        self.journal_function(&f);
        Ok(())
    }

    pub fn account_settings(&self, ctx: &RequestContext) -> GetAccountSettingsResponse {
        // AWS counts every stored package: $LATEST, each published version, each layer version
        let (mut count, mut code_size, mut reserved) = (0u64, 0u64, 0u32);
        for entry in self.functions.iter() {
            let f = lock(entry.value());
            if f.account != ctx.account || f.region != ctx.region {
                continue;
            }
            count += 1;
            code_size += f.latest.config.code_size;
            code_size += f.versions.values().map(|v| v.config.code_size).sum::<u64>();
            reserved += f.reserved.unwrap_or(0);
        }
        let prefix = format!("arn:aws:lambda:{}:{}:layer:", ctx.region, ctx.account);
        for layer in self.layers.iter() {
            if layer.key().starts_with(&prefix) {
                code_size += layer.versions.values().map(|v| v.code.size).sum::<u64>();
            }
        }
        GetAccountSettingsResponse {
            account_limit: AccountLimit {
                total_code_size: 80_530_636_800,
                code_size_unzipped: 262_144_000,
                code_size_zipped: 52_428_800,
                concurrent_executions: self.settings.account_concurrency,
                unreserved_concurrent_executions: self
                    .settings
                    .account_concurrency
                    .saturating_sub(reserved),
            },
            account_usage: AccountUsage {
                total_code_size: code_size,
                function_count: count,
            },
        }
    }
}
