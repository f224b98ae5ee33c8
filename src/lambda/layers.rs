//! Layers: versions of zipped content unpacked once; a function's layers put their `python/`,
//! `nodejs/node_modules`, `bin/` and `lib/` on the runtime's search paths (there is no `/opt`).

use serde::Deserialize;
use serde_json::{Value, json};

use super::code;
use super::engine::{LambdaEngine, LayerVersion, last_modified, now_ms};
use super::error::{LambdaError, LambdaResult};
use crate::context::RequestContext;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublishLayerInput {
    pub content: Option<super::model::FunctionCode>,
    pub description: Option<String>,
    #[serde(default)]
    pub compatible_runtimes: Vec<String>,
    #[serde(default)]
    pub compatible_architectures: Vec<String>,
    pub license_info: Option<String>,
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

fn version_json(v: &LayerVersion) -> Value {
    json!({
        "Content": {
            "Location": format!("file://{}", v.code.dir.display()),
            "CodeSha256": v.code.sha256,
            "CodeSize": v.code.size,
        },
        "LayerArn": v.arn,
        "LayerVersionArn": format!("{}:{}", v.arn, v.version),
        "Description": v.description,
        "CreatedDate": v.created,
        "Version": v.version,
        "CompatibleRuntimes": v.runtimes,
        "CompatibleArchitectures": v.architectures,
        "LicenseInfo": v.license,
    })
}

impl LambdaEngine {
    pub fn publish_layer_version(
        &self,
        ctx: &RequestContext,
        name: &str,
        input: PublishLayerInput,
    ) -> LambdaResult<Value> {
        let arn = layer_arn(ctx, name)?;
        let content = input
            .content
            .ok_or_else(|| LambdaError::validation("1 validation error detected: Value null at 'content' failed to satisfy constraint: Member must not be null"))?;
        let zip = content.zip_file.ok_or_else(|| {
            LambdaError::invalid("Please provide a source for the layer content (ZipFile).")
        })?;
        let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, zip.trim())
            .map_err(|_| LambdaError::invalid("Could not unzip uploaded file. Please check your file, then try to upload again."))?;
        let code = code::unpack_zip(&self.code_root(), &bytes)?;
        let mut versions = self.layers.entry(arn.clone()).or_default();
        let version = versions.keys().next_back().copied().unwrap_or(0) + 1;
        let v = LayerVersion {
            arn: arn.clone(),
            version,
            description: input.description.unwrap_or_default(),
            created: last_modified(now_ms()),
            code,
            runtimes: input.compatible_runtimes,
            architectures: input.compatible_architectures,
            license: input.license_info,
        };
        let out = version_json(&v);
        versions.insert(version, v);
        Ok(out)
    }

    fn layer_version(&self, arn: &str, version: &str) -> LambdaResult<LayerVersion> {
        let n: u64 = version.parse().map_err(|_| {
            LambdaError::validation(format!(
                "1 validation error detected: Value '{version}' at 'versionNumber' failed to satisfy constraint: Member must be a number"
            ))
        })?;
        self.layers
            .get(arn)
            .and_then(|v| v.get(&n).cloned())
            .ok_or_else(|| LambdaError::not_found("The resource you requested does not exist."))
    }

    pub fn get_layer_version(
        &self,
        ctx: &RequestContext,
        name: &str,
        version: &str,
    ) -> LambdaResult<Value> {
        let arn = layer_arn(ctx, name)?;
        Ok(version_json(&self.layer_version(&arn, version)?))
    }

    pub fn get_layer_version_by_arn(&self, arn: &str) -> LambdaResult<Value> {
        let (layer, version) = arn
            .rsplit_once(':')
            .ok_or_else(|| LambdaError::validation(format!("1 validation error detected: Value '{arn}' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{{12}}:layer:[a-zA-Z0-9-_]+:[0-9]+")))?;
        Ok(version_json(&self.layer_version(layer, version)?))
    }

    pub fn delete_layer_version(
        &self,
        ctx: &RequestContext,
        name: &str,
        version: &str,
    ) -> LambdaResult<()> {
        let arn = layer_arn(ctx, name)?;
        if let Ok(n) = version.parse::<u64>()
            && let Some(mut versions) = self.layers.get_mut(&arn)
        {
            versions.remove(&n);
        }
        Ok(())
    }

    pub fn list_layer_versions(&self, ctx: &RequestContext, name: &str) -> LambdaResult<Value> {
        let arn = layer_arn(ctx, name)?;
        let versions: Vec<Value> = self
            .layers
            .get(&arn)
            .map(|v| v.values().rev().map(version_json).collect())
            .unwrap_or_default();
        Ok(json!({"LayerVersions": versions}))
    }

    pub fn list_layers(&self, ctx: &RequestContext) -> Value {
        let prefix = format!("arn:aws:lambda:{}:{}:layer:", ctx.region, ctx.account);
        let mut layers: Vec<Value> = self
            .layers
            .iter()
            .filter(|e| e.key().starts_with(&prefix))
            .filter_map(|e| {
                let latest = e.value().values().next_back()?;
                Some(json!({
                    "LayerName": e.key().trim_start_matches(&prefix),
                    "LayerArn": e.key(),
                    "LatestMatchingVersion": version_json(latest),
                }))
            })
            .collect();
        layers.sort_by(|a, b| a["LayerName"].as_str().cmp(&b["LayerName"].as_str()));
        json!({"Layers": layers})
    }
}
