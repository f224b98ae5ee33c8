//! Code signing configurations (resources of an account and region, kind
//! `lambda.code_signing_config` in the store) and the one each function uses.
//!
//! They are stored and answered as AWS answers them. fogbank has no AWS Signer, so it cannot
//! check signatures: a function whose configuration says `Enforce` still deploys unsigned code
//! (as `Warn` does on AWS); the README says so.

use serde::{Deserialize, Serialize};

use super::*;

/// Record kind of a code signing configuration (key: its ARN).
pub const KIND: &str = "lambda.code_signing_config";

/// AWS's pattern for a code signing configuration's ARN, as its messages quote it.
const ARN_PATTERN: &str = "arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:code-signing-config:csc-[a-z0-9]{17}";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AllowedPublishers {
    #[serde(default)]
    pub signing_profile_version_arns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeSigningPolicies {
    #[serde(default = "warn")]
    pub untrusted_artifact_on_deployment: String,
}

fn warn() -> String {
    "Warn".into()
}

impl Default for CodeSigningPolicies {
    fn default() -> Self {
        CodeSigningPolicies {
            untrusted_artifact_on_deployment: warn(),
        }
    }
}

/// A code signing configuration and its tags (also its stored record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeSigningConfig {
    pub code_signing_config_id: String,
    pub code_signing_config_arn: String,
    pub description: String,
    pub allowed_publishers: AllowedPublishers,
    pub code_signing_policies: CodeSigningPolicies,
    pub last_modified: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// The answer of Create/Get/UpdateCodeSigningConfig.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeSigningConfigOutput {
    pub code_signing_config: CodeSigningConfigView,
}

/// A configuration without its tags (the API's shape).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeSigningConfigView {
    pub code_signing_config_id: String,
    pub code_signing_config_arn: String,
    pub description: String,
    pub allowed_publishers: AllowedPublishers,
    pub code_signing_policies: CodeSigningPolicies,
    pub last_modified: String,
}

impl From<&CodeSigningConfig> for CodeSigningConfigView {
    fn from(c: &CodeSigningConfig) -> Self {
        CodeSigningConfigView {
            code_signing_config_id: c.code_signing_config_id.clone(),
            code_signing_config_arn: c.code_signing_config_arn.clone(),
            description: c.description.clone(),
            allowed_publishers: c.allowed_publishers.clone(),
            code_signing_policies: c.code_signing_policies.clone(),
            last_modified: c.last_modified.clone(),
        }
    }
}

impl Listed for CodeSigningConfigView {
    fn key(&self) -> &str {
        &self.code_signing_config_id
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeSigningConfigInput {
    pub description: Option<String>,
    pub allowed_publishers: Option<AllowedPublishers>,
    pub code_signing_policies: Option<serde_json::Value>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionCodeSigningInput {
    pub code_signing_config_arn: Option<String>,
}

/// The answer of Get/PutFunctionCodeSigningConfig.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionCodeSigningOutput {
    pub code_signing_config_arn: String,
    pub function_name: String,
}

/// ListCodeSigningConfigs' answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListCodeSigningConfigsOutput {
    pub code_signing_configs: Vec<CodeSigningConfigView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

/// ListFunctionsByCodeSigningConfig's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionsByCodeSigningConfigOutput {
    pub function_arns: Vec<FunctionArnItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

/// ListFunctionsByCodeSigningConfig's items: unqualified function ARNs.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct FunctionArnItem(pub String);

impl Listed for FunctionArnItem {
    fn key(&self) -> &str {
        &self.0
    }
}

fn validation(value: &str, member: &str, constraint: &str) -> LambdaError {
    LambdaError::validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
    ))
}

/// Whether `arn` matches [`ARN_PATTERN`].
fn arn_well_formed(arn: &str) -> bool {
    let p: Vec<&str> = arn.split(':').collect();
    let region_ok = |r: &str| {
        let r = r.strip_prefix("eusc-").unwrap_or(r);
        let parts: Vec<&str> = r.split('-').collect();
        parts.len() >= 3
            && parts[0].len() == 2
            && parts[0].bytes().all(|b| b.is_ascii_lowercase())
            && parts
                .last()
                .is_some_and(|d| d.len() == 1 && d.bytes().all(|b| b.is_ascii_digit()))
    };
    arn.len() <= 200
        && p.len() == 7
        && p[0] == "arn"
        && (p[1].is_empty() || p[1].starts_with("aws"))
        && p[2] == "lambda"
        && region_ok(p[3])
        && p[4].len() == 12
        && p[4].bytes().all(|b| b.is_ascii_digit())
        && p[5] == "code-signing-config"
        && p[6].strip_prefix("csc-").is_some_and(|id| {
            id.len() == 17
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

pub(super) fn checked_arn(arn: &str) -> LambdaResult<()> {
    if arn_well_formed(arn) {
        Ok(())
    } else {
        Err(validation(
            arn,
            "codeSigningConfigArn",
            &format!("Member must satisfy regular expression pattern: {ARN_PATTERN}"),
        ))
    }
}

fn not_found(arn: &str) -> LambdaError {
    LambdaError::not_found(format!(
        "The Lambda code signing configuration {arn} can not be found."
    ))
}

fn checked_publishers(p: &AllowedPublishers) -> LambdaResult<()> {
    let arns = &p.signing_profile_version_arns;
    let list = || format!("[{}]", arns.join(", "));
    if arns.is_empty() {
        return Err(validation(
            &list(),
            "allowedPublishers.signingProfileVersionArns",
            "Member must have length greater than or equal to 1",
        ));
    }
    if arns.len() > 20 {
        return Err(validation(
            &list(),
            "allowedPublishers.signingProfileVersionArns",
            "Member must have length less than or equal to 20",
        ));
    }
    Ok(())
}

fn checked_policies(v: Option<&serde_json::Value>) -> LambdaResult<Option<CodeSigningPolicies>> {
    let Some(v) = v else { return Ok(None) };
    let p: CodeSigningPolicies = serde_json::from_value(v.clone()).map_err(|e| {
        LambdaError::bad_content(format!("Could not parse request body into json: {e}"))
    })?;
    if !matches!(
        p.untrusted_artifact_on_deployment.as_str(),
        "Warn" | "Enforce"
    ) {
        return Err(validation(
            &p.untrusted_artifact_on_deployment,
            "codeSigningPolicies.untrustedArtifactOnDeployment",
            "Member must satisfy enum value set: [Warn, Enforce]",
        ));
    }
    Ok(Some(p))
}

fn checked_description(d: Option<&str>) -> LambdaResult<()> {
    match d {
        Some(d) if d.chars().count() > 256 => Err(validation(
            d,
            "description",
            "Member must have length less than or equal to 256",
        )),
        _ => Ok(()),
    }
}

/// `csc-` and 17 random lower-case hex digits, as AWS names them.
fn new_id() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("csc-{}", &hex[..17])
}

impl LambdaEngine {
    pub fn create_code_signing_config(
        &self,
        ctx: &RequestContext,
        input: CodeSigningConfigInput,
    ) -> LambdaResult<CodeSigningConfigOutput> {
        let publishers = input.allowed_publishers.ok_or_else(|| {
            LambdaError::validation(
                "1 validation error detected: Value null at 'allowedPublishers' failed to satisfy constraint: Member must not be null",
            )
        })?;
        checked_publishers(&publishers)?;
        let policies = checked_policies(input.code_signing_policies.as_ref())?.unwrap_or_default();
        checked_description(input.description.as_deref())?;
        super::tags::check_tags(&input.tags)?;
        let id = new_id();
        let arn = format!(
            "arn:aws:lambda:{}:{}:code-signing-config:{id}",
            ctx.region, ctx.account
        );
        let config = CodeSigningConfig {
            code_signing_config_id: id,
            code_signing_config_arn: arn.clone(),
            description: input.description.unwrap_or_default(),
            allowed_publishers: publishers,
            code_signing_policies: policies,
            last_modified: iso_now(),
            tags: input.tags,
        };
        let out = CodeSigningConfigOutput {
            code_signing_config: (&config).into(),
        };
        self.journal_code_signing(&config);
        self.code_signing.insert(arn, config);
        Ok(out)
    }

    pub fn get_code_signing_config(&self, arn: &str) -> LambdaResult<CodeSigningConfigOutput> {
        checked_arn(arn)?;
        let c = self.code_signing.get(arn).ok_or_else(|| not_found(arn))?;
        Ok(CodeSigningConfigOutput {
            code_signing_config: c.value().into(),
        })
    }

    pub fn update_code_signing_config(
        &self,
        arn: &str,
        input: CodeSigningConfigInput,
    ) -> LambdaResult<CodeSigningConfigOutput> {
        checked_arn(arn)?;
        if let Some(p) = &input.allowed_publishers {
            checked_publishers(p)?;
        }
        let policies = checked_policies(input.code_signing_policies.as_ref())?;
        checked_description(input.description.as_deref())?;
        let mut c = self
            .code_signing
            .get_mut(arn)
            .ok_or_else(|| not_found(arn))?;
        if let Some(p) = input.allowed_publishers {
            c.allowed_publishers = p;
        }
        if let Some(p) = policies {
            c.code_signing_policies = p;
        }
        if let Some(d) = input.description {
            c.description = d;
        }
        c.last_modified = iso_now();
        self.journal_code_signing(&c);
        Ok(CodeSigningConfigOutput {
            code_signing_config: c.value().into(),
        })
    }

    pub fn delete_code_signing_config(&self, arn: &str) -> LambdaResult<()> {
        checked_arn(arn)?;
        if self.code_signing.remove(arn).is_none() {
            return Err(not_found(arn));
        }
        if let Some(j) = self.journal() {
            j.delete(KIND, arn);
        }
        Ok(())
    }

    pub fn list_code_signing_configs(
        &self,
        ctx: &RequestContext,
        marker: Option<&str>,
        max_items: Option<&str>,
    ) -> LambdaResult<ListCodeSigningConfigsOutput> {
        let prefix = format!("arn:aws:lambda:{}:{}:", ctx.region, ctx.account);
        let mut all: Vec<CodeSigningConfigView> = self
            .code_signing
            .iter()
            .filter(|c| c.key().starts_with(&prefix))
            .map(|c| c.value().into())
            .collect();
        all.sort_by(|a, b| a.code_signing_config_id.cmp(&b.code_signing_config_id));
        let (code_signing_configs, next_marker) = page(all, marker, max_items, (50, 10_000))?;
        Ok(ListCodeSigningConfigsOutput {
            code_signing_configs,
            next_marker,
        })
    }

    pub fn list_functions_by_code_signing_config(
        &self,
        arn: &str,
        marker: Option<&str>,
        max_items: Option<&str>,
    ) -> LambdaResult<FunctionsByCodeSigningConfigOutput> {
        checked_arn(arn)?;
        if !self.code_signing.contains_key(arn) {
            return Err(not_found(arn));
        }
        let mut all: Vec<FunctionArnItem> = self
            .functions
            .iter()
            .filter_map(|f| {
                let f = lock(f.value());
                (f.extras.code_signing_config_arn.as_deref() == Some(arn))
                    .then(|| FunctionArnItem(f.arn.clone()))
            })
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        let (function_arns, next_marker) = page(all, marker, max_items, (50, 10_000))?;
        Ok(FunctionsByCodeSigningConfigOutput {
            function_arns,
            next_marker,
        })
    }

    /// Check the configuration a CreateFunction or PutFunctionCodeSigningConfig names.
    pub(super) fn code_signing_exists(&self, arn: &str) -> LambdaResult<()> {
        checked_arn(arn)?;
        if self.code_signing.contains_key(arn) {
            Ok(())
        } else {
            Err(LambdaError::new(
                404,
                "CodeSigningConfigNotFoundException",
                format!(
                    "The code signing configuration cannot be found. Check that the provided configuration is not deleted: {arn}."
                ),
            ))
        }
    }

    pub fn put_function_code_signing_config(
        &self,
        ctx: &RequestContext,
        name: &str,
        input: FunctionCodeSigningInput,
    ) -> LambdaResult<FunctionCodeSigningOutput> {
        let arn = input.code_signing_config_arn.ok_or_else(|| {
            LambdaError::validation(
                "1 validation error detected: Value null at 'codeSigningConfigArn' failed to satisfy constraint: Member must not be null",
            )
        })?;
        self.code_signing_exists(&arn)?;
        let f = self.unqualified_target(ctx, name, "")?;
        let mut f = lock(&f);
        f.extras.code_signing_config_arn = Some(arn.clone());
        self.journal_function(&f);
        Ok(FunctionCodeSigningOutput {
            code_signing_config_arn: arn,
            function_name: f.name.clone(),
        })
    }

    pub fn get_function_code_signing_config(
        &self,
        ctx: &RequestContext,
        name: &str,
    ) -> LambdaResult<FunctionCodeSigningOutput> {
        let f = self.unqualified_target(ctx, name, "")?;
        let f = lock(&f);
        Ok(FunctionCodeSigningOutput {
            code_signing_config_arn: f.extras.code_signing_config_arn.clone().unwrap_or_default(),
            function_name: f.name.clone(),
        })
    }

    pub fn delete_function_code_signing_config(
        &self,
        ctx: &RequestContext,
        name: &str,
    ) -> LambdaResult<()> {
        let f = self.unqualified_target(ctx, name, "")?;
        let mut f = lock(&f);
        if f.extras.code_signing_config_arn.take().is_some() {
            self.journal_function(&f);
        }
        Ok(())
    }

    pub(super) fn journal_code_signing(&self, c: &CodeSigningConfig) {
        if let Some(j) = self.journal() {
            j.put(KIND, &c.code_signing_config_arn, c);
        }
    }
}

/// Now in Lambda's LastModified format.
fn iso_now() -> String {
    last_modified(now_ms())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_are_checked_against_aws_pattern() {
        assert!(arn_well_formed(
            "arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdef0"
        ));
        assert!(arn_well_formed(
            "arn:aws-us-gov:lambda:us-gov-west-1:000000000000:code-signing-config:csc-0123456789abcdef0"
        ));
        for bad in [
            "csc-0123456789abcdef0",
            "arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123",
            "arn:aws:lambda:us-east-1:0000:code-signing-config:csc-0123456789abcdef0",
            "arn:aws:sqs:us-east-1:000000000000:code-signing-config:csc-0123456789abcdef0",
            "arn:aws:lambda:useast1:000000000000:code-signing-config:csc-0123456789abcdef0",
        ] {
            assert!(!arn_well_formed(bad), "{bad}");
        }
        let id = new_id();
        assert!(arn_well_formed(&format!(
            "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:{id}"
        )));
    }
}
