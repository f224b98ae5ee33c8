//! SQS event source mappings: pollers that receive from the in-process SQS engine, invoke the
//! function synchronously with the SQS event, and delete what succeeded.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tokio::sync::Notify;

use super::engine::{LambdaEngine, now_ms};
use super::error::{LambdaError, LambdaResult};
use super::model::{
    EpochSeconds, EsmInput, EventSourceMappingConfiguration, ListEventSourceMappingsResponse,
    ScalingConfig,
};
use super::runtime::{Outcome, lock};
use crate::context::RequestContext;
use crate::sns::filter::FilterPolicy;
use crate::sqs::model::{DeleteMessageInput, Message, ReceiveMessageInput};

/// The settings of a mapping.
#[derive(Debug, Clone)]
pub struct EsmConfig {
    pub uuid: String,
    pub event_source_arn: String,
    pub function_arn: String,
    pub batch_size: u32,
    pub window_secs: u32,
    pub enabled: bool,
    pub report_failures: bool,
    pub filter_criteria: Option<Value>,
    pub filters: Vec<FilterPolicy>,
    pub max_concurrency: Option<u32>,
    pub last_modified: u64,
    pub account: String,
    pub region: String,
    /// TagResource's tags (the mapping's ARN names it).
    pub tags: BTreeMap<String, String>,
}

/// A mapping and its pollers.
pub struct Esm {
    pub config: Mutex<EsmConfig>,
    stopped: AtomicBool,
    changed: Notify,
}

impl Esm {
    /// Whether the mapping was deleted (or the engine shut down).
    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Stop the pollers (delete, shutdown).
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.changed.notify_waiters();
    }

    /// The mapping as the API answers it, in `state` (else Enabled or Disabled).
    fn answer(&self, state: Option<&str>) -> EventSourceMappingConfiguration {
        let c = lock(&self.config);
        EventSourceMappingConfiguration {
            uuid: c.uuid.clone(),
            batch_size: c.batch_size,
            maximum_batching_window_in_seconds: c.window_secs,
            event_source_arn: c.event_source_arn.clone(),
            filter_criteria: c.filter_criteria.clone(),
            scaling_config: c.max_concurrency.map(|m| ScalingConfig {
                maximum_concurrency: m,
            }),
            function_arn: c.function_arn.clone(),
            last_modified: EpochSeconds(c.last_modified),
            state: state
                .unwrap_or(if c.enabled { "Enabled" } else { "Disabled" })
                .to_string(),
            state_transition_reason: "USER_INITIATED".into(),
            function_response_types: if c.report_failures {
                vec!["ReportBatchItemFailures".into()]
            } else {
                vec![]
            },
            event_source_mapping_arn: format!(
                "arn:aws:lambda:{}:{}:event-source-mapping:{}",
                c.region, c.account, c.uuid
            ),
        }
    }
}

pub(crate) fn parse_filters(criteria: &Option<Value>) -> LambdaResult<Vec<FilterPolicy>> {
    let Some(c) = criteria else { return Ok(vec![]) };
    let invalid = || LambdaError::invalid("Invalid filter pattern definition.");
    let Some(filters) = c.get("Filters").and_then(Value::as_array) else {
        return Ok(vec![]);
    };
    filters
        .iter()
        .map(|f| {
            let pattern = f
                .get("Pattern")
                .and_then(Value::as_str)
                .ok_or_else(invalid)?;
            FilterPolicy::parse_event_pattern(pattern).map_err(|_| invalid())
        })
        .collect()
}

fn check_batch(size: Option<i64>, window: Option<i64>, fifo: bool) -> LambdaResult<(u32, u32)> {
    let size = size.unwrap_or(10);
    let window = window.unwrap_or(0);
    if !(0..=300).contains(&window) {
        return Err(LambdaError::validation(format!(
            "1 validation error detected: Value '{window}' at 'maximumBatchingWindowInSeconds' failed to satisfy constraint: Member must have value less than or equal to 300"
        )));
    }
    let max = if fifo { 10 } else { 10_000 };
    if !(1..=max).contains(&size) {
        return Err(LambdaError::invalid(format!(
            "BatchSize must be between 1 and {max} for this event source."
        )));
    }
    if size > 10 && window < 1 {
        return Err(LambdaError::invalid(
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10",
        ));
    }
    Ok((size as u32, window as u32))
}

impl LambdaEngine {
    pub fn create_event_source_mapping(
        &self,
        ctx: &RequestContext,
        input: EsmInput,
    ) -> LambdaResult<EventSourceMappingConfiguration> {
        super::engine::check_tags(&input.tags)?;
        let source = input
            .event_source_arn
            .clone()
            .ok_or_else(|| LambdaError::invalid("Unrecognized event source."))?;
        if source.split(':').nth(2) != Some("sqs") {
            return Err(LambdaError::invalid(
                "Unrecognized event source: fogbank maps SQS queues only.",
            ));
        }
        let name = input.function_name.clone().ok_or_else(|| {
            LambdaError::validation("1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null")
        })?;
        // AWS answers a missing function before it looks at the queue
        let (function_arn, timeout) =
            self.function_timeout(ctx, &name)
                .map_err(|e| match e.status {
                    404 => LambdaError::invalid("Function does not exist"),
                    _ => e,
                })?;
        let queue = self
            .sqs
            .queue_by_arn(&source)
            .ok_or_else(|| LambdaError::invalid(format!("Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist ({source})")))?;
        let visibility = self
            .sqs
            .get_queue_attributes(
                &RequestContext::new(
                    source.split(':').nth(4).unwrap_or(&ctx.account),
                    source.split(':').nth(3).unwrap_or(&ctx.region),
                    "localhost",
                ),
                crate::sqs::model::GetQueueAttributesInput {
                    queue_url: Some(queue.url("localhost")),
                    attribute_names: vec!["VisibilityTimeout".into()],
                },
            )
            .ok()
            .and_then(|o| {
                o.attributes
                    .iter()
                    .find(|(k, _)| k == "VisibilityTimeout")
                    .and_then(|(_, v)| v.parse::<u32>().ok())
            })
            .unwrap_or(30);
        if visibility < timeout {
            return Err(LambdaError::invalid(format!(
                "Queue visibility timeout: {visibility} seconds is less than Function timeout: {timeout} seconds"
            )));
        }
        let (batch_size, window_secs) = check_batch(
            input.batch_size,
            input.maximum_batching_window_in_seconds,
            queue.is_fifo(),
        )?;
        let report_failures = match &input.function_response_types {
            None => false,
            Some(v) if v.is_empty() => false,
            Some(v) if v.iter().all(|t| t == "ReportBatchItemFailures") => true,
            Some(v) => {
                return Err(LambdaError::validation(format!(
                    "1 validation error detected: Value '{v:?}' at 'functionResponseTypes' failed to satisfy constraint: Member must satisfy enum value set: [ReportBatchItemFailures]"
                )));
            }
        };
        let filters = parse_filters(&input.filter_criteria)?;
        let max_concurrency = match input
            .scaling_config
            .as_ref()
            .and_then(|s| s.get("MaximumConcurrency"))
        {
            None => None,
            Some(v) => match v.as_u64() {
                Some(n) if (2..=1000).contains(&n) => Some(n as u32),
                _ => {
                    return Err(LambdaError::validation(format!(
                        "1 validation error detected: Value '{v}' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have value between 2 and 1000"
                    )));
                }
            },
        };
        let config = EsmConfig {
            uuid: uuid::Uuid::new_v4().hyphenated().to_string(),
            event_source_arn: source,
            function_arn,
            batch_size,
            window_secs,
            enabled: input.enabled.unwrap_or(true),
            report_failures,
            filter_criteria: input.filter_criteria.clone(),
            filters,
            max_concurrency,
            last_modified: now_ms(),
            account: ctx.account.clone(),
            region: ctx.region.clone(),
            tags: input.tags.clone(),
        };
        let esm = self.start_esm(config);
        self.journal_esm(&lock(&esm.config));
        Ok(esm.answer(Some("Creating")))
    }

    /// Add a mapping and start its pollers (create, restore).
    pub(crate) fn start_esm(&self, config: EsmConfig) -> Arc<Esm> {
        let uuid = config.uuid.clone();
        let pollers = config.max_concurrency.unwrap_or(2).min(5);
        let esm = Arc::new(Esm {
            config: Mutex::new(config),
            stopped: AtomicBool::new(false),
            changed: Notify::new(),
        });
        self.esms.insert(uuid, esm.clone());
        if let (Some(engine), Ok(handle)) = (self.arc(), tokio::runtime::Handle::try_current()) {
            for _ in 0..pollers {
                let engine = Arc::downgrade(&engine);
                let esm = esm.clone();
                handle.spawn(async move { poll(engine, esm).await });
            }
        }
        esm
    }

    fn esm(&self, uuid: &str) -> LambdaResult<Arc<Esm>> {
        self.esms
            .get(uuid)
            .map(|e| e.clone())
            .ok_or_else(|| LambdaError::not_found("The resource you requested does not exist."))
    }

    pub fn get_event_source_mapping(
        &self,
        uuid: &str,
    ) -> LambdaResult<EventSourceMappingConfiguration> {
        Ok(self.esm(uuid)?.answer(None))
    }

    pub fn delete_event_source_mapping(
        &self,
        uuid: &str,
    ) -> LambdaResult<EventSourceMappingConfiguration> {
        let esm = self.esm(uuid)?;
        {
            let _config = lock(&esm.config);
            esm.stop();
            self.journal_esm_deleted(uuid);
        }
        self.esms.remove(uuid);
        Ok(esm.answer(Some("Deleting")))
    }

    pub fn update_event_source_mapping(
        &self,
        ctx: &RequestContext,
        uuid: &str,
        input: EsmInput,
    ) -> LambdaResult<EventSourceMappingConfiguration> {
        let esm = self.esm(uuid)?;
        let function_arn = match &input.function_name {
            Some(n) => Some(self.function_timeout(ctx, n)?.0),
            None => None,
        };
        let fifo = esm
            .config
            .lock()
            .map(|c| c.event_source_arn.ends_with(".fifo"))
            .unwrap_or(false);
        let filters = match &input.filter_criteria {
            Some(_) => Some(parse_filters(&input.filter_criteria)?),
            None => None,
        };
        {
            let mut c = lock(&esm.config);
            let (size, window) = check_batch(
                input.batch_size.or(Some(i64::from(c.batch_size))),
                input
                    .maximum_batching_window_in_seconds
                    .or(Some(i64::from(c.window_secs))),
                fifo,
            )?;
            c.batch_size = size;
            c.window_secs = window;
            if let Some(f) = function_arn {
                c.function_arn = f;
            }
            if let Some(e) = input.enabled {
                c.enabled = e;
            }
            if let Some(t) = &input.function_response_types {
                c.report_failures = t.iter().any(|t| t == "ReportBatchItemFailures");
            }
            if let Some(f) = filters {
                c.filters = f;
                c.filter_criteria = input.filter_criteria.clone();
            }
            if let Some(m) = input
                .scaling_config
                .as_ref()
                .and_then(|s| s.get("MaximumConcurrency"))
                .and_then(Value::as_u64)
            {
                c.max_concurrency = Some(m as u32);
            }
            c.last_modified = now_ms();
            if !esm.stopped.load(Ordering::Acquire) {
                self.journal_esm(&c);
            }
        }
        esm.changed.notify_waiters();
        Ok(esm.answer(Some("Updating")))
    }

    pub fn list_event_source_mappings(
        &self,
        ctx: &RequestContext,
        source: Option<&str>,
        function: Option<&str>,
    ) -> LambdaResult<ListEventSourceMappingsResponse> {
        let function_arn = match function {
            Some(f) => Some(self.function_timeout(ctx, f)?.0),
            None => None,
        };
        let mut event_source_mappings: Vec<EventSourceMappingConfiguration> = self
            .esms
            .iter()
            .filter(|e| {
                let c = lock(&e.config);
                c.account == ctx.account
                    && c.region == ctx.region
                    && source.is_none_or(|s| c.event_source_arn == s)
                    && function_arn.as_deref().is_none_or(|f| c.function_arn == f)
            })
            .map(|e| e.answer(None))
            .collect();
        event_source_mappings.sort_by(|a, b| a.uuid.cmp(&b.uuid));
        Ok(ListEventSourceMappingsResponse {
            event_source_mappings,
        })
    }
}

/// The SQS record of one message, as Lambda hands it to the function.
fn record(m: &Message, source: &str, region: &str) -> Value {
    let attributes: serde_json::Map<String, Value> = m
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let message_attributes: serde_json::Map<String, Value> = m
        .message_attributes
        .iter()
        .map(|(k, v)| {
            let mut a = json!({
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": v.data_type,
            });
            if let Some(s) = &v.string_value {
                a["stringValue"] = json!(s);
            }
            if let Some(b) = &v.binary_value {
                a["binaryValue"] = json!(STANDARD.encode(b));
            }
            (k.clone(), a)
        })
        .collect();
    let mut r = json!({
        "messageId": m.message_id,
        "receiptHandle": m.receipt_handle,
        "body": &*m.body,
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": m.md5_of_body,
    });
    if let Some(md5) = &m.md5_of_message_attributes {
        r["md5OfMessageAttributes"] = json!(md5);
    }
    r["eventSource"] = json!("aws:sqs");
    r["eventSourceARN"] = json!(source);
    r["awsRegion"] = json!(region);
    r
}

fn passes(filters: &[FilterPolicy], record: &Value) -> bool {
    if filters.is_empty() {
        return true;
    }
    let mut doc = record.clone();
    if let Some(body) = record["body"].as_str()
        && let Ok(parsed) = serde_json::from_str::<Value>(body)
        && parsed.is_object()
    {
        doc["body"] = parsed;
    }
    filters.iter().any(|f| {
        f.matches(&|path: &[String]| {
            let mut cur = &doc;
            for p in path {
                cur = cur.get(p)?;
            }
            Some(crate::sns::filter::candidates_of_json(cur))
        })
    })
}

/// The message ids the function reported as failed, or `None` when the answer is malformed
/// (then the whole batch counts as failed).
fn reported_failures(body: &[u8], ids: &HashSet<String>) -> Option<HashSet<String>> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let list = match v.get("batchItemFailures") {
        None | Some(Value::Null) => return Some(HashSet::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return None,
    };
    let mut out = HashSet::new();
    for item in list {
        let id = item.get("itemIdentifier")?.as_str()?;
        if id.is_empty() || !ids.contains(id) {
            return None;
        }
        out.insert(id.to_string());
    }
    Some(out)
}

async fn poll(engine: std::sync::Weak<LambdaEngine>, esm: Arc<Esm>) {
    loop {
        if esm.stopped.load(Ordering::Acquire) {
            return;
        }
        let changed = esm.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let c = lock(&esm.config).clone();
        if !c.enabled {
            changed.await;
            continue;
        }
        let Some(engine) = engine.upgrade() else {
            return;
        };
        let Some(queue) = engine.sqs.queue_by_arn(&c.event_source_arn) else {
            drop(engine);
            tokio::select! {
                _ = changed => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
            continue;
        };
        let ctx = RequestContext::new(&c.account, &c.region, "localhost");
        let url = queue.url("localhost");
        let deadline = Instant::now() + Duration::from_secs(u64::from(c.window_secs));
        let mut batch: Vec<Message> = Vec::new();
        loop {
            let want = (c.batch_size as usize - batch.len()).min(10);
            let wait = if batch.is_empty() {
                20
            } else {
                deadline
                    .saturating_duration_since(Instant::now())
                    .as_secs()
                    .min(20) as i64
            };
            let input = ReceiveMessageInput {
                queue_url: Some(url.clone()),
                attribute_names: vec!["All".into()],
                message_system_attribute_names: vec!["All".into()],
                message_attribute_names: vec!["All".into()],
                max_number_of_messages: Some(want as i64),
                visibility_timeout: None,
                wait_time_seconds: Some(wait),
                receive_request_attempt_id: None,
            };
            let received = tokio::select! {
                r = engine.sqs.receive_message(&ctx, input) => r,
                _ = &mut changed => break,
            };
            match received {
                Ok(out) if out.messages.is_empty() && batch.is_empty() => {}
                Ok(out) => batch.extend(out.messages),
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    break;
                }
            }
            if batch.len() >= c.batch_size as usize
                || (!batch.is_empty() && Instant::now() >= deadline)
            {
                break;
            }
            if esm.stopped.load(Ordering::Acquire) {
                break;
            }
        }
        if batch.is_empty() {
            continue;
        }
        let delete = |m: &Message| {
            let _ = engine.sqs.delete_message(
                &ctx,
                DeleteMessageInput {
                    queue_url: Some(url.clone()),
                    receipt_handle: Some(m.receipt_handle.clone()),
                },
            );
        };
        let mut records = Vec::new();
        let mut kept = Vec::new();
        for m in batch {
            let r = record(&m, &c.event_source_arn, &c.region);
            if passes(&c.filters, &r) {
                records.push(r);
                kept.push(m);
            } else {
                delete(&m);
            }
        }
        if kept.is_empty() {
            continue;
        }
        let payload = Bytes::from(json!({"Records": records}).to_string());
        let outcome = engine
            .invoke_for_mapping(&c.function_arn, payload, &c.uuid)
            .await;
        match outcome {
            Ok(Outcome::Response(body)) => {
                let failed = if c.report_failures {
                    let ids: HashSet<String> = kept.iter().map(|m| m.message_id.clone()).collect();
                    reported_failures(&body, &ids)
                } else {
                    Some(HashSet::new())
                };
                let Some(failed) = failed else {
                    tracing::info!(mapping = %c.uuid, "batch item failures malformed: the whole batch failed");
                    continue;
                };
                // FIFO: once a message of a group failed, the rest of that group stays too.
                let mut stopped_groups: HashSet<String> = HashSet::new();
                for m in &kept {
                    let group = m
                        .attributes
                        .iter()
                        .find(|(k, _)| k == "MessageGroupId")
                        .map(|(_, v)| v.clone());
                    if let Some(g) = &group
                        && stopped_groups.contains(g)
                    {
                        continue;
                    }
                    if failed.contains(&m.message_id) {
                        if let Some(g) = group {
                            stopped_groups.insert(g);
                        }
                        continue;
                    }
                    delete(m);
                }
            }
            Ok(Outcome::Error { error_type, .. }) => {
                tracing::info!(mapping = %c.uuid, error_type, "function failed: the batch returns to the queue");
            }
            Err(e) => {
                tracing::info!(mapping = %c.uuid, error = %e, "invoke failed: the batch returns to the queue");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

/// A mapping's settings from its record (its filters parsed again).
pub(crate) fn config_of(r: crate::lambda::state::EsmRecord) -> Result<EsmConfig, String> {
    let filters = parse_filters(&r.filter_criteria)
        .map_err(|e| format!("lambda.esm {}: {}", r.uuid, e.message))?;
    Ok(EsmConfig {
        uuid: r.uuid,
        event_source_arn: r.event_source_arn,
        function_arn: r.function_arn,
        batch_size: r.batch_size,
        window_secs: r.window_secs,
        enabled: r.enabled,
        report_failures: r.report_failures,
        filter_criteria: r.filter_criteria,
        filters,
        max_concurrency: r.max_concurrency,
        last_modified: r.last_modified,
        account: r.account,
        region: r.region,
        tags: r.tags,
    })
}
