//! Layers: versions of zipped content unpacked once; a function's layers put their `python/`,
//! `nodejs/node_modules`, `bin/` and `lib/` on the runtime's search paths (there is no `/opt`).

use serde_json::json;

use super::code;
use super::engine::{
    LambdaEngine, LayerVersion, Policy, RUNTIMES, Statement, check_revision, last_modified,
    no_policy, now_ms,
};
use super::error::{LambdaError, LambdaResult};
pub use super::model::{AddLayerPermissionInput, PublishLayerInput};
use super::model::{
    AddLayerVersionPermissionResponse, GetLayerVersionPolicyResponse, GetLayerVersionResponse,
    LayerVersionContentOutput, LayerVersionsListItem, LayersListItem, ListLayerVersionsResponse,
    ListLayersResponse, PublishLayerVersionResponse,
};
use crate::context::RequestContext;

fn all_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// The model's `\d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root`.
fn valid_layer_principal(p: &str) -> bool {
    if p == "*" || all_digits(p, 12) {
        return true;
    }
    let Some(rest) = p.strip_prefix("arn:aws") else {
        return false;
    };
    let Some((partition, rest)) = rest.split_once(":iam::") else {
        return false;
    };
    partition
        .bytes()
        .all(|b| b.is_ascii_alphabetic() || b == b'-')
        && rest
            .strip_suffix(":root")
            .is_some_and(|account| all_digits(account, 12))
}

/// The model's `o-[a-z0-9]{10,32}`.
fn valid_org_id(o: &str) -> bool {
    o.strip_prefix("o-").is_some_and(|id| {
        (10..=32).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// The model's constraints of one string member, each broken one as AWS words it.
fn check_member(
    errors: &mut Vec<String>,
    field: &str,
    value: Option<&str>,
    (min, max): (usize, usize),
    pattern: (&str, bool),
) {
    let Some(v) = value else {
        errors.push(format!(
            "Value null at '{field}' failed to satisfy constraint: Member must not be null"
        ));
        return;
    };
    let broken =
        |rule: String| format!("Value '{v}' at '{field}' failed to satisfy constraint: {rule}");
    if !pattern.1 {
        errors.push(broken(format!(
            "Member must satisfy regular expression pattern: {}",
            pattern.0
        )));
    }
    let len = v.chars().count();
    if len < min {
        errors.push(broken(format!(
            "Member must have length greater than or equal to {min}"
        )));
    }
    if len > max {
        errors.push(broken(format!(
            "Member must have length less than or equal to {max}"
        )));
    }
}

/// "N validation error(s) detected: a; b" or nothing.
fn validation_errors(errors: Vec<String>) -> LambdaResult<()> {
    match errors.len() {
        0 => Ok(()),
        1 => Err(LambdaError::validation(format!(
            "1 validation error detected: {}",
            errors[0]
        ))),
        n => Err(LambdaError::validation(format!(
            "{n} validation errors detected: {}",
            errors.join("; ")
        ))),
    }
}

fn valid_statement_id(sid: &str) -> bool {
    !sid.is_empty()
        && sid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn valid_layer_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn layer_arn(ctx: &RequestContext, name: &str) -> LambdaResult<String> {
    if name.starts_with("arn:") {
        return Ok(name.to_string());
    }
    if !valid_layer_name(name) {
        return Err(LambdaError::validation(format!(
            "1 validation error detected: Value '{name}' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{{12}}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+"
        )));
    }
    Ok(format!(
        "arn:aws:lambda:{}:{}:layer:{name}",
        ctx.region, ctx.account
    ))
}

/// The model's enum checks of layer runtimes and architectures, as one message
/// ("N validation error(s) detected: ...; ...") the way AWS joins them.
fn check_compatible(
    runtimes: &[&str],
    runtimes_field: &str,
    archs: &[&str],
    archs_field: &str,
    listed: bool,
) -> LambdaResult<()> {
    let shown = |v: &[&str]| {
        if listed {
            format!("[{}]", v.join(", "))
        } else {
            v.join(", ")
        }
    };
    let mut errors = Vec::new();
    if runtimes.iter().any(|r| !RUNTIMES.contains(r)) {
        errors.push(format!(
            "Value '{}' at '{runtimes_field}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            shown(runtimes),
            RUNTIMES.join(", ")
        ));
    }
    if archs.iter().any(|a| *a != "x86_64" && *a != "arm64") {
        let rule = "Member must satisfy enum value set: [x86_64, arm64]";
        errors.push(format!(
            "Value '{}' at '{archs_field}' failed to satisfy constraint: {}",
            shown(archs),
            if listed {
                format!("Member must satisfy constraint: [{rule}]")
            } else {
                rule.to_string()
            }
        ));
    }
    validation_errors(errors)
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A layer version number as AWS reads it: below 1 is refused before any lookup.
fn version_number(version: &str) -> LambdaResult<u64> {
    match version.parse::<i64>() {
        Ok(n) if n < 1 => Err(LambdaError::invalid("Layer Version Cannot be less than 1")),
        Ok(n) => Ok(n as u64),
        Err(_) => Err(LambdaError::validation(format!(
            "1 validation error detected: Value '{version}' at 'versionNumber' failed to satisfy constraint: Member must be a number"
        ))),
    }
}

fn version_answer(v: &LayerVersion) -> GetLayerVersionResponse {
    GetLayerVersionResponse {
        content: LayerVersionContentOutput {
            location: format!("file://{}", v.code.dir.display()),
            code_sha256: v.code.sha256.clone(),
            code_size: v.code.size,
        },
        layer_arn: v.arn.clone(),
        layer_version_arn: format!("{}:{}", v.arn, v.version),
        description: v.description.clone(),
        created_date: v.created.clone(),
        version: v.version,
        compatible_runtimes: v.runtimes.clone(),
        compatible_architectures: v.architectures.clone(),
        license_info: v.license.clone(),
    }
}

/// A layer version as the listings show it.
fn list_item(v: &LayerVersion) -> LayerVersionsListItem {
    LayerVersionsListItem {
        layer_version_arn: format!("{}:{}", v.arn, v.version),
        version: v.version,
        description: v.description.clone(),
        created_date: v.created.clone(),
        compatible_runtimes: v.runtimes.clone(),
        license_info: v.license.clone(),
        compatible_architectures: v.architectures.clone(),
    }
}

impl LambdaEngine {
    pub fn publish_layer_version(
        &self,
        ctx: &RequestContext,
        name: &str,
        input: PublishLayerInput,
    ) -> LambdaResult<PublishLayerVersionResponse> {
        let arn = layer_arn(ctx, name)?;
        check_compatible(
            &strs(&input.compatible_runtimes),
            "compatibleRuntimes",
            &strs(&input.compatible_architectures),
            "compatibleArchitectures",
            true,
        )?;
        let content = input
            .content
            .ok_or_else(|| LambdaError::validation("1 validation error detected: Value null at 'content' failed to satisfy constraint: Member must not be null"))?;
        let bytes = match (&content.zip_file, &content.s3_bucket, &content.s3_key) {
            (Some(zip), _, _) => code::decode_zip(zip)?,
            (None, Some(bucket), Some(key)) => {
                self.s3_package(bucket, key, content.s3_object_version.as_deref())?
            }
            _ => {
                return Err(LambdaError::invalid(
                    "Please provide a source for the layer content (ZipFile, or S3Bucket and S3Key).",
                ));
            }
        };
        let code = code::unpack_zip(&self.code_root(), &bytes, code::MAX_UNZIPPED)?;
        self.keep_zip(&code, &bytes)?;
        let mut book = self.hold_blobs();
        self.store_code(&mut book, &code)?;
        let mut layer = self.layers.entry(arn.clone()).or_default();
        let version = layer
            .last_version
            .max(layer.versions.keys().next_back().copied().unwrap_or(0))
            + 1;
        let v = LayerVersion {
            arn: arn.clone(),
            version,
            description: input.description.unwrap_or_default(),
            created: last_modified(now_ms()),
            code,
            runtimes: input.compatible_runtimes,
            architectures: input.compatible_architectures,
            license: input.license_info,
            policy: None,
        };
        let out = version_answer(&v);
        layer.versions.insert(version, v);
        layer.last_version = version;
        self.journal_layer(&arn, &layer);
        Ok(out)
    }

    fn layer_version(&self, arn: &str, version: &str) -> LambdaResult<LayerVersion> {
        let n = version_number(version)?;
        self.layers
            .get(arn)
            .and_then(|v| v.versions.get(&n).cloned())
            .ok_or_else(|| LambdaError::not_found("The resource you requested does not exist."))
    }

    pub fn get_layer_version(
        &self,
        ctx: &RequestContext,
        name: &str,
        version: &str,
    ) -> LambdaResult<GetLayerVersionResponse> {
        let arn = layer_arn(ctx, name)?;
        Ok(version_answer(&self.layer_version(&arn, version)?))
    }

    pub fn get_layer_version_by_arn(&self, arn: &str) -> LambdaResult<GetLayerVersionResponse> {
        let parts: Vec<&str> = arn.split(':').collect();
        let valid = matches!(parts.as_slice(),
            ["arn", partition, "lambda", region, account, "layer", name, version]
                if partition.starts_with("aws")
                    && !region.is_empty()
                    && account.len() == 12
                    && account.bytes().all(|b| b.is_ascii_digit())
                    && valid_layer_name(name)
                    && !version.is_empty()
                    && version.bytes().all(|b| b.is_ascii_digit()));
        match arn.rsplit_once(':') {
            Some((layer, version)) if valid => {
                Ok(version_answer(&self.layer_version(layer, version)?))
            }
            _ => Err(LambdaError::validation(format!(
                "1 validation error detected: Value '{arn}' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{{2}}((-gov)|(-iso(b?)))?-[a-z]+-\\\\d{{1}}:\\\\d{{12}}:layer:[a-zA-Z0-9-_]+:[0-9]+"
            ))),
        }
    }

    pub fn delete_layer_version(
        &self,
        ctx: &RequestContext,
        name: &str,
        version: &str,
    ) -> LambdaResult<()> {
        let arn = layer_arn(ctx, name)?;
        let n = version_number(version)?;
        if let Some(mut layer) = self.layers.get_mut(&arn)
            && layer.versions.remove(&n).is_some()
        {
            self.journal_layer(&arn, &layer);
        }
        self.collect_blobs();
        Ok(())
    }

    /// The layer version a permission call names, or AWS's 404 naming its version ARN.
    fn with_layer_version<T>(
        &self,
        ctx: &RequestContext,
        name: &str,
        version: &str,
        changes: bool,
        f: impl FnOnce(&mut LayerVersion) -> LambdaResult<T>,
    ) -> LambdaResult<T> {
        let arn = layer_arn(ctx, name)?;
        let n = version_number(version)?;
        let mut layer = self.layers.get_mut(&arn);
        let result = match layer.as_mut().and_then(|l| l.versions.get_mut(&n)) {
            Some(v) => f(v),
            None => Err(LambdaError::not_found(format!(
                "Layer version {arn}:{n} does not exist."
            ))),
        };
        if changes
            && result.is_ok()
            && let Some(layer) = &layer
        {
            self.journal_layer(&arn, layer);
        }
        result
    }

    pub fn add_layer_version_permission(
        &self,
        ctx: &RequestContext,
        name: &str,
        version: &str,
        revision_id: Option<&str>,
        input: AddLayerPermissionInput,
    ) -> LambdaResult<AddLayerVersionPermissionResponse> {
        layer_arn(ctx, name)?;
        version_number(version)?;
        let sid = input.statement_id.as_deref();
        let action = input.action.as_deref();
        let principal = input.principal.as_deref();
        let org = input.organization_id.as_deref();
        let mut errors = Vec::new();
        check_member(
            &mut errors,
            "statementId",
            sid,
            (1, 100),
            ("([a-zA-Z0-9-_]+)", sid.is_some_and(valid_statement_id)),
        );
        check_member(
            &mut errors,
            "action",
            action,
            (0, 22),
            (
                "lambda:GetLayerVersion",
                action == Some("lambda:GetLayerVersion"),
            ),
        );
        check_member(
            &mut errors,
            "principal",
            principal,
            (0, 10000),
            (
                "\\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root",
                principal.is_some_and(valid_layer_principal),
            ),
        );
        if org.is_some() {
            check_member(
                &mut errors,
                "organizationId",
                org,
                (0, 34),
                ("o-[a-z0-9]{10,32}", org.is_some_and(valid_org_id)),
            );
        }
        validation_errors(errors)?;
        // a missing member was reported above; this only unwraps without panicking
        let (Some(sid), Some(principal)) = (sid, principal) else {
            return Err(LambdaError::validation("1 validation error detected"));
        };
        let principal = if principal == "*" {
            json!("*")
        } else if all_digits(principal, 12) {
            json!({"AWS": format!("arn:aws:iam::{principal}:root")})
        } else {
            json!({"AWS": principal})
        };
        self.with_layer_version(ctx, name, version, true, |v| {
            let policy = v.policy.get_or_insert_with(Policy::new);
            check_revision(revision_id, &policy.revision, "GetLayerPolicy")?;
            let statement = Statement {
                sid: sid.to_string(),
                effect: "Allow",
                principal,
                action: "lambda:GetLayerVersion".to_string(),
                resource: format!("{}:{}", v.arn, v.version),
                condition: org.map(|o| json!({"StringEquals": {"aws:PrincipalOrgID": o}})),
            };
            let text = statement.text();
            policy.add(statement)?;
            Ok(AddLayerVersionPermissionResponse {
                statement: text,
                revision_id: policy.revision.clone(),
            })
        })
    }

    pub fn get_layer_version_policy(
        &self,
        ctx: &RequestContext,
        name: &str,
        version: &str,
    ) -> LambdaResult<GetLayerVersionPolicyResponse> {
        self.with_layer_version(ctx, name, version, false, |v| {
            match v.policy.as_ref().filter(|p| !p.is_empty()) {
                Some(p) => Ok(p.answer()),
                None => Err(no_policy()),
            }
        })
    }

    pub fn remove_layer_version_permission(
        &self,
        ctx: &RequestContext,
        name: &str,
        version: &str,
        sid: &str,
        revision_id: Option<&str>,
    ) -> LambdaResult<()> {
        layer_arn(ctx, name)?;
        version_number(version)?;
        let mut errors = Vec::new();
        check_member(
            &mut errors,
            "statementId",
            Some(sid),
            (1, 100),
            ("([a-zA-Z0-9-_]+)", valid_statement_id(sid)),
        );
        validation_errors(errors)?;
        self.with_layer_version(ctx, name, version, true, |v| {
            let policy = v
                .policy
                .as_mut()
                .filter(|p| !p.is_empty())
                .ok_or_else(no_policy)?;
            check_revision(revision_id, &policy.revision, "GetLayerPolicy")?;
            policy.remove(sid)
        })
    }

    pub fn list_layer_versions(
        &self,
        ctx: &RequestContext,
        name: &str,
    ) -> LambdaResult<ListLayerVersionsResponse> {
        let arn = layer_arn(ctx, name)?;
        let layer_versions: Vec<LayerVersionsListItem> = self
            .layers
            .get(&arn)
            .map(|v| v.versions.values().rev().map(list_item).collect())
            .unwrap_or_default();
        Ok(ListLayerVersionsResponse { layer_versions })
    }

    /// Layers with their latest version compatible with `runtime` and `arch` (when given).
    pub fn list_layers(
        &self,
        ctx: &RequestContext,
        runtime: Option<&str>,
        arch: Option<&str>,
    ) -> LambdaResult<ListLayersResponse> {
        check_compatible(
            runtime.as_slice(),
            "compatibleRuntime",
            arch.as_slice(),
            "compatibleArchitecture",
            false,
        )?;
        let fits = |v: &&LayerVersion| {
            runtime.is_none_or(|r| v.runtimes.iter().any(|x| x == r))
                && arch.is_none_or(|a| v.architectures.iter().any(|x| x == a))
        };
        let prefix = format!("arn:aws:lambda:{}:{}:layer:", ctx.region, ctx.account);
        let mut layers: Vec<LayersListItem> = self
            .layers
            .iter()
            .filter(|e| e.key().starts_with(&prefix))
            .filter_map(|e| {
                let latest = e.value().versions.values().rev().find(fits)?;
                Some(LayersListItem {
                    layer_name: e.key().trim_start_matches(&prefix).to_string(),
                    layer_arn: e.key().clone(),
                    latest_matching_version: list_item(latest),
                })
            })
            .collect();
        layers.sort_by(|a, b| a.layer_name.cmp(&b.layer_name));
        Ok(ListLayersResponse { layers })
    }
}
