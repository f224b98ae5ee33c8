//! Invocation: sync through the warm pools, async with retries, destinations and dead-letter
//! queues, and the mappings' invokes.

use super::*;

impl LambdaEngine {
    pub(super) fn resolve_target(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<Target> {
        let (f, q) = self.qualified(ctx, name, qualifier)?;
        let mut f = lock(&f);
        Self::settle_create(&mut f);
        let (version, executed) = Self::version_of(&f, q.as_deref())?;
        Ok(Target {
            function_key: f.arn.clone(),
            invoked_arn: match &q {
                Some(q) => format!("{}:{q}", f.arn),
                None => f.arn.clone(),
            },
            qualifier: q.unwrap_or_else(|| executed.clone()),
            version,
            executed,
            reserved: f.reserved,
            recent: f.recent.clone(),
        })
    }

    pub(super) fn pool_for(&self, target: &Target) -> LambdaResult<Arc<Pool>> {
        let key = format!("{}:{}", target.function_key, target.executed);
        let v = &target.version;
        let fingerprint = v.code.hot_reload.then(|| code::fingerprint(&v.code.dir));
        if let Some(pool) = self.pools.get(&key).map(|p| p.clone()) {
            if pool.fingerprint == fingerprint {
                return Ok(pool);
            }
            tracing::info!(function = %v.config.function_name, "code directory changed: new environments");
            pool.close();
        }
        let c = &v.config;
        let spec = EnvSpec {
            function_name: c.function_name.clone(),
            function_arn: target.function_key.clone(),
            version: target.executed.clone(),
            memory_mb: c.memory_size,
            timeout_secs: c.timeout,
            runtime: c.runtime.clone().unwrap_or_default(),
            handler: c.handler.clone().unwrap_or_default(),
            code_dir: v.code.dir.clone(),
            layer_dirs: v.layer_dirs.clone(),
            variables: c
                .environment
                .as_ref()
                .map(|e| e.variables.clone())
                .unwrap_or_default(),
            region: target
                .function_key
                .split(':')
                .nth(3)
                .unwrap_or("us-east-1")
                .to_string(),
            account: target
                .function_key
                .split(':')
                .nth(4)
                .unwrap_or("000000000000")
                .to_string(),
            endpoint_url: self
                .endpoint
                .get()
                .cloned()
                .unwrap_or_else(|| "http://127.0.0.1:4566".into()),
            runtime_dir: self.runtime_dir()?,
            tmp_root: self.data_dir.join("tmp"),
            handler_log: self.settings.handler_log,
            log_group: c
                .logging_config
                .get("LogGroup")
                .and_then(|g| g.as_str())
                .filter(|g| !g.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| format!("/aws/lambda/{}", c.function_name)),
            log_format: super::super::cwlogs::LogFormat::of(&c.logging_config),
            logs: self.logs.get().cloned().map(super::super::cwlogs::Logs),
        };
        let pool = Pool::new(spec, fingerprint);
        self.pools.insert(key, pool.clone());
        Ok(pool)
    }

    /// Run a target synchronously and shape the result as Invoke's answer; the invocation is
    /// recorded as started by `trigger`.
    pub(super) async fn run(
        &self,
        target: &Target,
        payload: Bytes,
        client_context: Option<String>,
        reject_when_full: bool,
        request_id: Option<String>,
        trigger: Trigger,
    ) -> LambdaResult<(Outcome, String)> {
        let capacity = match target.reserved {
            Some(0) => {
                return Err(LambdaError::throttled("Rate Exceeded."));
            }
            Some(n) => Capacity {
                cap: n as usize,
                reject_when_full,
            },
            None => Capacity {
                cap: self.settings.default_concurrency,
                reject_when_full: false,
            },
        };
        let pool = self.pool_for(target)?;
        let request_id =
            request_id.unwrap_or_else(|| uuid::Uuid::new_v4().hyphenated().to_string());
        let ran = pool
            .invoke(
                request_id,
                payload,
                target.invoked_arn.clone(),
                client_context,
                capacity,
                Some(target.recording(trigger)),
            )
            .await?;
        Ok((ran.outcome, ran.log))
    }

    pub async fn invoke(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
        input: InvokeInput,
    ) -> LambdaResult<InvokeOutput> {
        let kind = input
            .invocation_type
            .clone()
            .unwrap_or_else(|| "RequestResponse".into());
        if !matches!(kind.as_str(), "RequestResponse" | "Event" | "DryRun") {
            return Err(LambdaError::validation(format!(
                "1 validation error detected: Value '{kind}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
            )));
        }
        if let Some(l) = &input.log_type
            && !matches!(l.as_str(), "None" | "Tail")
        {
            return Err(LambdaError::validation(format!(
                "1 validation error detected: Value '{l}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]"
            )));
        }
        let target = self.resolve_target(ctx, name, qualifier)?;
        let limit = if kind == "Event" {
            MAX_ASYNC_PAYLOAD
        } else {
            MAX_SYNC_PAYLOAD
        };
        if input.payload.len() > limit {
            return Err(LambdaError::new(
                413,
                "RequestTooLargeException",
                format!(
                    "Request must be smaller than {limit} bytes for the InvokeFunction operation"
                ),
            ));
        }
        let payload = checked_payload(&input.payload)?;
        let client_context = match &input.client_context {
            None => None,
            Some(cc) => {
                if cc.len() > 3583 {
                    return Err(LambdaError::invalid(
                        "Client context must be 3583 bytes or less",
                    ));
                }
                let raw = STANDARD.decode(cc).map_err(|_| {
                    LambdaError::bad_content(
                        "Client context must be a valid Base64-encoded JSON object.",
                    )
                })?;
                let text = String::from_utf8(raw).map_err(|_| {
                    LambdaError::bad_content(
                        "Client context must be a valid Base64-encoded JSON object.",
                    )
                })?;
                Some(text)
            }
        };
        match kind.as_str() {
            "DryRun" => Ok(InvokeOutput {
                status: 204,
                payload: Bytes::new(),
                function_error: None,
                log_result: None,
                executed_version: None,
            }),
            "Event" => {
                let request_id = input
                    .request_id
                    .clone()
                    .unwrap_or_else(|| uuid::Uuid::new_v4().hyphenated().to_string());
                self.spawn_async(
                    ctx.clone(),
                    name.to_string(),
                    target,
                    payload,
                    request_id,
                    Trigger::ApiEvent,
                );
                Ok(InvokeOutput {
                    status: 202,
                    payload: Bytes::new(),
                    function_error: None,
                    log_result: None,
                    executed_version: None,
                })
            }
            _ => {
                let (outcome, log) = self
                    .run(
                        &target,
                        payload,
                        client_context,
                        true,
                        input.request_id.clone(),
                        Trigger::Api,
                    )
                    .await?;
                let log_result = (input.log_type.as_deref() == Some("Tail")).then(|| {
                    let bytes = log.as_bytes();
                    let tail = &bytes[bytes.len().saturating_sub(4096)..];
                    STANDARD.encode(tail)
                });
                let (payload, function_error) = match outcome {
                    Outcome::Response(b) => (b, None),
                    Outcome::Error { body, .. } => (body, Some("Unhandled".to_string())),
                };
                Ok(InvokeOutput {
                    status: 200,
                    payload,
                    function_error,
                    log_result,
                    executed_version: Some(target.executed),
                })
            }
        }
    }

    /// Queue an asynchronous invoke (SNS deliveries, S3 notifications, destinations; recorded
    /// as started by `trigger`): retries on function errors per the event invoke config, then
    /// the destinations or the dead-letter queue.
    pub fn invoke_async_arn(
        &self,
        function_arn: &str,
        payload: Vec<u8>,
        trigger: Trigger,
    ) -> Result<(), String> {
        let parts: Vec<&str> = function_arn.split(':').collect();
        let (Some(region), Some(account)) = (parts.get(3), parts.get(4)) else {
            return Err(format!("not a function ARN: {function_arn}"));
        };
        let ctx = RequestContext::new(account, region, "localhost");
        let target = self
            .resolve_target(&ctx, function_arn, None)
            .map_err(|e| e.to_string())?;
        let request_id = uuid::Uuid::new_v4().hyphenated().to_string();
        self.spawn_async(
            ctx,
            function_arn.to_string(),
            target,
            Bytes::from(payload),
            request_id,
            trigger,
        );
        Ok(())
    }

    pub(super) fn spawn_async(
        &self,
        ctx: RequestContext,
        name: String,
        target: Target,
        payload: Bytes,
        request_id: String,
        trigger: Trigger,
    ) {
        let Some(this) = self.arc() else { return };
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        handle.spawn(async move {
            this.run_async(ctx, name, target, payload, request_id, trigger)
                .await;
        });
    }

    /// Run an asynchronous event: its first attempt is recorded as started by `trigger`, the
    /// later ones as [`Trigger::AsyncRetry`].
    pub(super) async fn run_async(
        &self,
        ctx: RequestContext,
        name: String,
        target: Target,
        payload: Bytes,
        request_id: String,
        trigger: Trigger,
    ) {
        let qualifier = target.executed.clone();
        let config = self
            .get_event_invoke_config(&ctx, &name, None)
            .or_else(|_| {
                self.get_event_invoke_config(
                    &ctx,
                    &format!("{}:{qualifier}", target.function_key),
                    None,
                )
            })
            .ok();
        let max_retries = config
            .as_ref()
            .and_then(|c| c.maximum_retry_attempts)
            .unwrap_or(2);
        let max_age = Duration::from_secs(u64::from(
            config
                .as_ref()
                .and_then(|c| c.maximum_event_age_in_seconds)
                .unwrap_or(21600),
        ));
        let destinations = config.map(|c| c.destination_config).unwrap_or_default();
        let started = std::time::Instant::now();
        let mut attempts = 0u32;
        let mut throttles = 0u32;
        loop {
            attempts += 1;
            // Every attempt of one event carries the event's request id, as on AWS.
            let trigger = match attempts {
                1 => trigger.clone(),
                attempt => Trigger::AsyncRetry { attempt },
            };
            let result = self
                .run(
                    &target,
                    payload.clone(),
                    None,
                    false,
                    Some(request_id.clone()),
                    trigger,
                )
                .await;
            match result {
                Ok((Outcome::Response(body), _)) => {
                    self.destination(
                        &destinations.on_success,
                        &target,
                        &request_id,
                        "Success",
                        attempts,
                        &payload,
                        None,
                        &body,
                    )
                    .await;
                    return;
                }
                Ok((Outcome::Error { body, error_type }, _)) => {
                    if attempts > max_retries {
                        self.fail_async(
                            &destinations,
                            &target,
                            &request_id,
                            "RetriesExhausted",
                            attempts,
                            &payload,
                            &error_type,
                            &body,
                        )
                        .await;
                        return;
                    }
                    let delay = self
                        .settings
                        .async_retry_delays
                        .get(attempts as usize - 1)
                        .or(self.settings.async_retry_delays.last())
                        .copied()
                        .unwrap_or(Duration::from_secs(1));
                    tokio::time::sleep(delay).await;
                }
                Err(e) => {
                    // Throttles and service errors are retried with backoff until the age limit.
                    attempts -= 1;
                    throttles += 1;
                    tracing::info!(function = %name, error = %e, "async invoke throttled; retrying");
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(throttles.min(25))))
                        .await;
                }
            }
            if started.elapsed() > max_age {
                let body = Bytes::from_static(b"{}");
                self.fail_async(
                    &destinations,
                    &target,
                    &request_id,
                    "EventAgeExceeded",
                    attempts,
                    &payload,
                    "",
                    &body,
                )
                .await;
                return;
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn fail_async(
        &self,
        destinations: &DestinationConfig,
        target: &Target,
        request_id: &str,
        condition: &str,
        attempts: u32,
        payload: &Bytes,
        error_type: &str,
        body: &Bytes,
    ) {
        if destinations.on_failure.destination.is_some() {
            self.destination(
                &destinations.on_failure,
                target,
                request_id,
                condition,
                attempts,
                payload,
                Some(error_type),
                body,
            )
            .await;
            return;
        }
        let Some(dlq) = target
            .version
            .config
            .dead_letter_config
            .as_ref()
            .and_then(|d| d.target_arn.clone())
        else {
            tracing::warn!(function = %target.invoked_arn, request_id, condition, "async invoke failed; no destination or dead-letter queue");
            return;
        };
        let message = String::from_utf8_lossy(payload).into_owned();
        let mut error_message = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v["errorMessage"].as_str().map(str::to_string))
            .unwrap_or_default();
        // AWS's DLQ attributes: RequestID (String), ErrorCode (Number, the 3-digit HTTP
        // code), ErrorMessage (String, truncated to 1 KB).
        let mut cut = error_message.len().min(1024);
        while !error_message.is_char_boundary(cut) {
            cut -= 1;
        }
        error_message.truncate(cut);
        let mut attrs = BTreeMap::new();
        for (k, data_type, v) in [
            ("RequestID", "String", request_id.to_string()),
            ("ErrorCode", "Number", "200".to_string()),
            ("ErrorMessage", "String", error_message),
        ] {
            attrs.insert(
                k.to_string(),
                MessageAttributeValue {
                    data_type: data_type.into(),
                    string_value: Some(v),
                    ..Default::default()
                },
            );
        }
        self.send_to(&dlq, message, attrs).await;
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn destination(
        &self,
        d: &Destination,
        target: &Target,
        request_id: &str,
        condition: &str,
        attempts: u32,
        payload: &Bytes,
        function_error: Option<&str>,
        body: &Bytes,
    ) {
        let Some(arn) = &d.destination else { return };
        let mut response = json!({"statusCode": 200, "executedVersion": target.executed});
        if function_error.is_some_and(|e| !e.is_empty()) {
            response["functionError"] = json!("Unhandled");
        }
        let request_payload: Value = serde_json::from_slice(payload)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(payload).into_owned()));
        let response_payload: Value = serde_json::from_slice(body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()));
        let record = json!({
            "version": "1.0",
            "timestamp": crate::sns::engine::iso8601(now_ms()),
            "requestContext": {
                "requestId": request_id,
                "functionArn": target.invoked_arn,
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "requestPayload": request_payload,
            "responseContext": response,
            "responsePayload": response_payload,
        });
        self.send_to(arn, record.to_string(), BTreeMap::new()).await;
    }

    pub(super) async fn send_to(
        &self,
        arn: &str,
        message: String,
        attrs: BTreeMap<String, MessageAttributeValue>,
    ) {
        let parts: Vec<&str> = arn.split(':').collect();
        match parts.get(2).copied() {
            Some("sqs") => match self.sqs.queue_by_arn(arn) {
                Some(q) => {
                    let fields = SendMessageFields {
                        message_body: Some(message),
                        delay_seconds: None,
                        message_attributes: attrs,
                        message_system_attributes: BTreeMap::new(),
                        message_deduplication_id: q
                            .is_fifo()
                            .then(|| uuid::Uuid::new_v4().simple().to_string()),
                        message_group_id: q.is_fifo().then(|| "lambda".to_string()),
                    };
                    if let Err(e) = self.sqs.send_to_queue(&q, fields) {
                        tracing::warn!(destination = arn, error = %e, "Lambda destination send failed");
                    }
                }
                None => {
                    tracing::warn!(destination = arn, "Lambda destination queue does not exist")
                }
            },
            Some("sns") => {
                let Some(sns) = self.sns.get().and_then(Weak::upgrade) else {
                    return;
                };
                // the host SNS puts in the envelope's URLs (SigningCertURL, UnsubscribeURL):
                // fogbank's own address, port included
                let ctx = RequestContext::new(
                    parts.get(4).copied().unwrap_or("000000000000"),
                    parts.get(3).copied().unwrap_or("us-east-1"),
                    &self.own_host(),
                );
                let input = crate::sns::model::PublishInput {
                    topic_arn: Some(arn.to_string()),
                    message: Some(message),
                    message_attributes: attrs,
                    ..Default::default()
                };
                if let Err(e) = sns.publish(&ctx, input) {
                    tracing::warn!(destination = arn, error = %e, "Lambda destination publish failed");
                }
            }
            Some("lambda") => {
                let trigger = Trigger::Other("destination".to_string());
                if let Err(e) = self.invoke_async_arn(arn, message.into_bytes(), trigger) {
                    tracing::warn!(destination = arn, error = %e, "Lambda destination invoke failed");
                }
            }
            _ => tracing::warn!(
                destination = arn,
                "fogbank cannot deliver to this destination"
            ),
        }
    }

    /// Run a function synchronously for the event source mapping `uuid` (no retries of its
    /// own).
    pub(crate) async fn invoke_for_mapping(
        &self,
        function_arn: &str,
        payload: Bytes,
        uuid: &str,
    ) -> LambdaResult<Outcome> {
        let parts: Vec<&str> = function_arn.split(':').collect();
        let ctx = RequestContext::new(
            parts.get(4).copied().unwrap_or("000000000000"),
            parts.get(3).copied().unwrap_or("us-east-1"),
            "localhost",
        );
        let target = self.resolve_target(&ctx, function_arn, None)?;
        let trigger = Trigger::SqsMapping {
            uuid: uuid.to_string(),
        };
        Ok(self
            .run(&target, payload, None, true, None, trigger)
            .await?
            .0)
    }

    /// The timeout of a function (for mapping validation).
    pub(crate) fn function_timeout(
        &self,
        ctx: &RequestContext,
        name: &str,
    ) -> LambdaResult<(String, u32)> {
        let (f, q) = self.qualified(ctx, name, None)?;
        let f = lock(&f);
        let (v, _) = Self::version_of(&f, q.as_deref())?;
        let arn = match q {
            Some(q) => format!("{}:{q}", f.arn),
            None => f.arn.clone(),
        };
        Ok((arn, v.config.timeout))
    }
}

/// An invoke's payload: blank is `{}`, anything else must be JSON (AWS's wording otherwise).
pub(super) fn checked_payload(payload: &Bytes) -> LambdaResult<Bytes> {
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Ok(Bytes::from_static(b"{}"));
    }
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(payload) {
        return Err(LambdaError::bad_content(format!(
            "Could not parse request body into json: Could not parse payload into json: {e}"
        )));
    }
    Ok(payload.clone())
}
