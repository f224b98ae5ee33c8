//! Tags of functions.

use super::*;

impl LambdaEngine {
    pub(super) fn function_by_arn(
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
        self.journal_function(&f);
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
        self.journal_function(&f);
        Ok(())
    }

    pub fn list_tags(&self, ctx: &RequestContext, arn: &str) -> LambdaResult<ListTagsResponse> {
        let f = self.function_by_arn(ctx, arn)?;
        let tags = lock(&f).tags.clone();
        Ok(ListTagsResponse { tags })
    }
}
