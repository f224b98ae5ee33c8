//! InvokeWithResponseStream's engine side: the same checks as Invoke, then a run under a
//! request id the caller chose (so that it can register a stream sink first).

use super::invoke::checked_payload;
use super::*;

/// A checked InvokeWithResponseStream request, ready to run.
pub struct StreamInvoke {
    target: Target,
    payload: Bytes,
    client_context: Option<String>,
    /// `LogType: Tail`.
    pub tail: bool,
    /// `InvocationType: DryRun`.
    pub dry_run: bool,
}

impl StreamInvoke {
    /// The version that runs (`$LATEST` or a number).
    pub fn executed(&self) -> &str {
        &self.target.executed
    }
}

impl LambdaEngine {
    /// Check an InvokeWithResponseStream request as AWS checks it.
    pub fn prepare_stream_invoke(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
        input: InvokeInput,
    ) -> LambdaResult<StreamInvoke> {
        let kind = input
            .invocation_type
            .clone()
            .unwrap_or_else(|| "RequestResponse".into());
        if !matches!(kind.as_str(), "RequestResponse" | "DryRun") {
            return Err(LambdaError::validation(format!(
                "1 validation error detected: Value '{kind}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]"
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
        if input.payload.len() > MAX_SYNC_PAYLOAD {
            return Err(LambdaError::new(
                413,
                "RequestTooLargeException",
                format!(
                    "Request must be smaller than {MAX_SYNC_PAYLOAD} bytes for the InvokeWithResponseStream operation"
                ),
            ));
        }
        let payload = checked_payload(&input.payload)?;
        let client_context = match &input.client_context {
            None => None,
            Some(cc) => Some(
                STANDARD
                    .decode(cc)
                    .ok()
                    .and_then(|raw| String::from_utf8(raw).ok())
                    .ok_or_else(|| {
                        LambdaError::bad_content(
                            "Client context must be a valid Base64-encoded JSON object.",
                        )
                    })?,
            ),
        };
        Ok(StreamInvoke {
            target,
            payload,
            client_context,
            tail: input.log_type.as_deref() == Some("Tail"),
            dry_run: kind == "DryRun",
        })
    }

    /// Run a checked request as invocation `request_id`: the outcome and the log.
    pub async fn run_stream_invoke(
        &self,
        s: &StreamInvoke,
        request_id: &str,
    ) -> LambdaResult<(Outcome, String)> {
        let target = &s.target;
        let capacity = match target.reserved {
            Some(0) => return Err(LambdaError::throttled("Rate Exceeded.")),
            Some(n) => Capacity {
                cap: n as usize,
                reject_when_full: true,
            },
            None => Capacity {
                cap: self.settings.default_concurrency,
                reject_when_full: false,
            },
        };
        let pool = self.pool_for(target)?;
        let ran = pool
            .invoke(
                request_id.to_string(),
                s.payload.clone(),
                target.invoked_arn.clone(),
                s.client_context.clone(),
                capacity,
                Some(target.recording(Trigger::Api)),
            )
            .await?;
        Ok((ran.outcome, ran.log))
    }
}
