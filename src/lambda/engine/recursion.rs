//! A function's recursive loop detection setting (Get/PutFunctionRecursionConfig), kept in
//! its record. fogbank does not detect loops; the setting is stored and answered as AWS does.

use serde::{Deserialize, Serialize};

use super::*;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecursionConfig {
    pub recursive_loop: Option<String>,
}

impl LambdaEngine {
    pub fn put_recursion_config(
        &self,
        ctx: &RequestContext,
        name: &str,
        input: RecursionConfig,
    ) -> LambdaResult<RecursionConfig> {
        let value = input.recursive_loop.ok_or_else(|| {
            LambdaError::validation(
                "1 validation error detected: Value null at 'recursiveLoop' failed to satisfy constraint: Member must not be null",
            )
        })?;
        if !matches!(value.as_str(), "Allow" | "Terminate") {
            return Err(LambdaError::validation(format!(
                "1 validation error detected: Value '{value}' at 'recursiveLoop' failed to satisfy constraint: Member must satisfy enum value set: [Allow, Terminate]"
            )));
        }
        let f = self.unqualified_target(ctx, name, "")?;
        let mut f = lock(&f);
        f.extras.recursive_loop = (value != "Terminate").then(|| value.clone());
        self.journal_function(&f);
        Ok(RecursionConfig {
            recursive_loop: Some(value),
        })
    }

    pub fn get_recursion_config(
        &self,
        ctx: &RequestContext,
        name: &str,
    ) -> LambdaResult<RecursionConfig> {
        let f = self.unqualified_target(ctx, name, "")?;
        let f = lock(&f);
        Ok(RecursionConfig {
            recursive_loop: Some(
                f.extras
                    .recursive_loop
                    .clone()
                    .unwrap_or_else(|| "Terminate".into()),
            ),
        })
    }
}
