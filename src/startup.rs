//! Declarative startup configuration (`--config fogbank.toml`): queues, topics, subscriptions,
//! functions and event source mappings, created in dependency order before the server accepts
//! requests. A bad file stops the start with an error naming the file, the entry and the field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;

use crate::context::RequestContext;
use crate::server::AppState;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartupConfig {
    /// Account the resources are created in (default: `--account`).
    pub account: Option<String>,
    /// Region the resources are created in (default: `--region`).
    pub region: Option<String>,
    /// Access keys accepted in `--auth strict` mode, as `"ACCESS_KEY:SECRET"`.
    #[serde(default)]
    pub credentials: Vec<String>,
    #[serde(default)]
    pub queues: Vec<QueueDecl>,
    #[serde(default)]
    pub topics: Vec<TopicDecl>,
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionDecl>,
    #[serde(default)]
    pub functions: Vec<FunctionDecl>,
    #[serde(default)]
    pub event_source_mappings: Vec<MappingDecl>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueDecl {
    pub name: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Name of the dead-letter queue (declared in the same file or already existing).
    pub dead_letter_queue: Option<String>,
    /// maxReceiveCount for `dead_letter_queue` (default 3).
    pub max_receive_count: Option<u32>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicDecl {
    pub name: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionDecl {
    /// Topic name.
    pub topic: String,
    /// `sqs`, `lambda`, `http`, ...
    pub protocol: String,
    /// A queue name (sqs), a function name (lambda), or the endpoint itself (http...).
    pub endpoint: String,
    #[serde(default)]
    pub raw: bool,
    /// A filter policy, as JSON text.
    pub filter_policy: Option<String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionDecl {
    pub name: String,
    pub runtime: String,
    pub handler: String,
    /// A directory (run in place, hot-reloaded) or a `.zip` file; relative to the config file.
    pub code: String,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    pub timeout: Option<i64>,
    pub memory: Option<i64>,
    pub role: Option<String>,
    #[serde(default)]
    pub layers: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingDecl {
    /// Queue name.
    pub queue: String,
    /// Function name.
    pub function: String,
    pub batch_size: Option<i64>,
    pub maximum_batching_window: Option<i64>,
    #[serde(default)]
    pub report_batch_item_failures: bool,
    pub enabled: Option<bool>,
}

/// Read and parse the file.
pub fn load(path: &Path) -> Result<StartupConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn entry_error(
    path: &Path,
    kind: &str,
    i: usize,
    name: &str,
    field: &str,
    why: impl std::fmt::Display,
) -> String {
    format!(
        "{}: {kind}[{i}] ({name}): field `{field}`: {why}",
        path.display()
    )
}

/// Create everything the file declares, in dependency order.
pub async fn apply(state: &AppState, cfg: &StartupConfig, path: &Path) -> Result<(), String> {
    let account = cfg
        .account
        .clone()
        .unwrap_or_else(|| state.config.default_account.clone());
    let region = cfg
        .region
        .clone()
        .unwrap_or_else(|| state.config.default_region.clone());
    let host = format!("localhost:{}", state.config.listen.port());
    let ctx = RequestContext::new(&account, &region, &host);
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let queue_arn = |name: &str| format!("arn:aws:sqs:{region}:{account}:{name}");

    // Queues without a DLQ first, so that every DLQ exists when its sources are created.
    let mut order: Vec<usize> = (0..cfg.queues.len()).collect();
    order.sort_by_key(|&i| cfg.queues[i].dead_letter_queue.is_some());
    for i in order {
        let q = &cfg.queues[i];
        let mut attributes = q.attributes.clone();
        if let Some(dlq) = &q.dead_letter_queue {
            let known = cfg.queues.iter().any(|d| &d.name == dlq)
                || state.sqs.queue_by_arn(&queue_arn(dlq)).is_some();
            if !known {
                return Err(entry_error(
                    path,
                    "queues",
                    i,
                    &q.name,
                    "dead_letter_queue",
                    format!("no queue named {dlq}"),
                ));
            }
            attributes.insert(
                "RedrivePolicy".into(),
                serde_json::json!({
                    "deadLetterTargetArn": queue_arn(dlq),
                    "maxReceiveCount": q.max_receive_count.unwrap_or(3),
                })
                .to_string(),
            );
        }
        state
            .sqs
            .create_queue(
                &ctx,
                crate::sqs::model::CreateQueueInput {
                    queue_name: Some(q.name.clone()),
                    attributes,
                    tags: q.tags.clone(),
                },
            )
            .map_err(|e| entry_error(path, "queues", i, &q.name, "attributes", e))?;
    }

    let mut topic_arns = BTreeMap::new();
    for (i, t) in cfg.topics.iter().enumerate() {
        let out = state
            .sns
            .create_topic(
                &ctx,
                crate::sns::model::CreateTopicInput {
                    name: Some(t.name.clone()),
                    attributes: t.attributes.clone(),
                    tags: t
                        .tags
                        .iter()
                        .map(|(k, v)| crate::sns::model::Tag {
                            key: k.clone(),
                            value: v.clone(),
                        })
                        .collect(),
                },
            )
            .map_err(|e| entry_error(path, "topics", i, &t.name, "attributes", e))?;
        topic_arns.insert(t.name.clone(), out.topic_arn);
    }

    for (i, f) in cfg.functions.iter().enumerate() {
        let code_path = {
            let p = PathBuf::from(&f.code);
            if p.is_absolute() { p } else { base.join(p) }
        };
        let code = if code_path.is_dir() {
            let abs = code_path
                .canonicalize()
                .map_err(|e| entry_error(path, "functions", i, &f.name, "code", e))?;
            crate::lambda::model::FunctionCode {
                s3_bucket: Some(crate::lambda::code::HOT_RELOAD_BUCKET.into()),
                s3_key: Some(abs.to_string_lossy().into_owned()),
                ..Default::default()
            }
        } else {
            let bytes = std::fs::read(&code_path).map_err(|e| {
                entry_error(
                    path,
                    "functions",
                    i,
                    &f.name,
                    "code",
                    format!("{}: {e}", code_path.display()),
                )
            })?;
            crate::lambda::model::FunctionCode {
                zip_file: Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
                ..Default::default()
            }
        };
        let input = crate::lambda::model::CreateFunctionInput {
            function_name: Some(f.name.clone()),
            runtime: Some(f.runtime.clone()),
            role: Some(
                f.role
                    .clone()
                    .unwrap_or_else(|| format!("arn:aws:iam::{account}:role/fogbank")),
            ),
            handler: Some(f.handler.clone()),
            code: Some(code),
            timeout: f.timeout,
            memory_size: f.memory,
            environment: Some(crate::lambda::model::Environment {
                variables: f.environment.clone(),
            }),
            layers: f.layers.clone(),
            ..Default::default()
        };
        state
            .lambda
            .create_function(&ctx, input)
            .map_err(|e| entry_error(path, "functions", i, &f.name, "runtime/handler/code", e))?;
    }

    for (i, s) in cfg.subscriptions.iter().enumerate() {
        let label = format!("{} -> {}", s.topic, s.endpoint);
        let topic_arn = topic_arns
            .get(&s.topic)
            .cloned()
            .unwrap_or_else(|| format!("arn:aws:sns:{region}:{account}:{}", s.topic));
        let endpoint = match s.protocol.as_str() {
            "sqs" if !s.endpoint.starts_with("arn:") => queue_arn(&s.endpoint),
            "lambda" if !s.endpoint.starts_with("arn:") => {
                format!("arn:aws:lambda:{region}:{account}:function:{}", s.endpoint)
            }
            _ => s.endpoint.clone(),
        };
        let mut attributes = s.attributes.clone();
        if s.raw {
            attributes.insert("RawMessageDelivery".into(), "true".into());
        }
        if let Some(p) = &s.filter_policy {
            attributes.insert("FilterPolicy".into(), p.clone());
        }
        state
            .sns
            .subscribe(
                &ctx,
                crate::sns::model::SubscribeInput {
                    topic_arn: Some(topic_arn),
                    protocol: Some(s.protocol.clone()),
                    endpoint: Some(endpoint),
                    attributes,
                    return_subscription_arn: true,
                },
            )
            .map_err(|e| {
                entry_error(
                    path,
                    "subscriptions",
                    i,
                    &label,
                    "topic/protocol/endpoint",
                    e,
                )
            })?;
    }

    for (i, m) in cfg.event_source_mappings.iter().enumerate() {
        let label = format!("{} -> {}", m.queue, m.function);
        let input = crate::lambda::model::EsmInput {
            event_source_arn: Some(queue_arn(&m.queue)),
            function_name: Some(m.function.clone()),
            enabled: m.enabled,
            batch_size: m.batch_size,
            maximum_batching_window_in_seconds: m.maximum_batching_window,
            function_response_types: m
                .report_batch_item_failures
                .then(|| vec!["ReportBatchItemFailures".to_string()]),
            ..Default::default()
        };
        state
            .lambda
            .create_event_source_mapping(&ctx, input)
            .map_err(|e| {
                entry_error(
                    path,
                    "event_source_mappings",
                    i,
                    &label,
                    "queue/function",
                    e,
                )
            })?;
    }
    tracing::info!(
        file = %path.display(),
        queues = cfg.queues.len(),
        topics = cfg.topics.len(),
        subscriptions = cfg.subscriptions.len(),
        functions = cfg.functions.len(),
        mappings = cfg.event_source_mappings.len(),
        "startup config applied"
    );
    Ok(())
}
