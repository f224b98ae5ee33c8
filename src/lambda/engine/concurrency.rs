//! Reserved concurrency and account settings.

use super::*;

impl LambdaEngine {
    /// The unqualified function a concurrency call names; a missing one is reported with
    /// `missing_suffix` after its ARN (PutFunctionConcurrency names `$LATEST`).
    pub(super) fn concurrency_target(
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
        let mut f = lock(&f);
        f.reserved = Some(n);
        self.journal_function(&f);
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
        let mut f = lock(&f);
        f.reserved = None;
        self.journal_function(&f);
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
}
