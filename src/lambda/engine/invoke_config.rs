//! Event invoke configs (retries, event age, destinations).

use super::*;

impl LambdaEngine {
    /// The model's pattern for a destination ARN (`^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:
    /// ([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)`), checked by hand.
    pub(super) fn destination_pattern_ok(arn: &str) -> bool {
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
    pub(super) fn validate_invoke_config(
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
    pub(super) fn check_destinations(
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
    pub(super) fn invoke_config_target(
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
        self.journal_function(&f);
        Ok(config)
    }

    pub(super) fn no_invoke_config(arn: &str, q: &str) -> LambdaError {
        LambdaError::not_found(format!(
            "The function {arn}:{q} doesn't have an EventInvokeConfig"
        ))
    }

    /// The function's invoke configs and the qualifier asked for; a missing function is
    /// reported as a missing config, as AWS reports it.
    pub(super) fn invoke_configs_of(
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
        let mut f = lock(&f);
        let removed = f.invoke_configs.remove(&q);
        if removed.is_some() {
            self.journal_function(&f);
        }
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
    ) -> LambdaResult<ListFunctionEventInvokeConfigsResponse> {
        let (arn, _) = Self::named(ctx, name, None)?;
        let f = self
            .lookup(&arn)
            .ok_or_else(|| LambdaError::not_found("The function doesn't exist."))?;
        let f = lock(&f);
        let configs: Vec<_> = f.invoke_configs.values().cloned().collect();
        let (configs, next_marker) = page(configs, marker, max_items, (50, 50))?;
        Ok(ListFunctionEventInvokeConfigsResponse {
            function_event_invoke_configs: configs,
            next_marker,
        })
    }
}
