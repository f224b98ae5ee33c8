//! Aliases: create, read, update, delete, list (with routing weights).

use super::*;

impl LambdaEngine {
    /// The model's checks of a routing config (keys are version numbers, weights 0..=1), with
    /// the map shown as Java shows it (`{2=0.5}`), then AWS's limit of one extra version.
    pub(super) fn validate_routing(routing: &Option<RoutingConfig>) -> LambdaResult<()> {
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

    pub(super) fn check_alias_target(
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
        let (arn, _) = Self::named_as(ctx, name, None, NameShape::Plain)?;
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
        self.journal_function(&f);
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
        self.journal_function(&f);
        Ok(config)
    }

    pub fn delete_alias(&self, ctx: &RequestContext, name: &str, alias: &str) -> LambdaResult<()> {
        let (f, _) = self.function(ctx, name)?;
        let mut f = lock(&f);
        f.aliases.remove(alias);
        f.policies.remove(alias);
        f.urls.remove(alias);
        self.journal_function(&f);
        Ok(())
    }

    pub fn list_aliases(
        &self,
        ctx: &RequestContext,
        name: &str,
        version: Option<&str>,
    ) -> LambdaResult<ListAliasesResponse> {
        let (f, _) = self.function(ctx, name)?;
        let f = lock(&f);
        let aliases: Vec<_> = f
            .aliases
            .values()
            .filter(|a| version.is_none_or(|v| a.config.function_version == v))
            .map(|a| a.config.clone())
            .collect();
        Ok(ListAliasesResponse { aliases })
    }
}
