//! What an execution environment writes to CloudWatch Logs besides its handler's lines: the
//! platform's INIT_START, START, END and REPORT events, as text or (LoggingConfig
//! `LogFormat: JSON`) as AWS's `platform.*` JSON records; and the variables that tell runtimes
//! the log format and levels.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::logs::LogsEngine;

/// The Logs engine, as an environment's spec holds it.
#[derive(Clone)]
pub struct Logs(pub Arc<LogsEngine>);

impl std::fmt::Debug for Logs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Logs")
    }
}

/// A function's LoggingConfig, as its environments use it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFormat {
    /// `LogFormat: JSON`.
    pub json: bool,
    /// `ApplicationLogLevel` (JSON only).
    pub application_level: Option<String>,
    /// `SystemLogLevel` (JSON only).
    pub system_level: Option<String>,
}

impl LogFormat {
    pub fn of(config: &Value) -> Self {
        let json = config.get("LogFormat").and_then(Value::as_str) == Some("JSON");
        let level = |k: &str| {
            json.then(|| config.get(k).and_then(Value::as_str).map(str::to_string))
                .flatten()
        };
        LogFormat {
            json,
            application_level: level("ApplicationLogLevel"),
            system_level: level("SystemLogLevel"),
        }
    }

    /// `AWS_LAMBDA_LOG_FORMAT` and `AWS_LAMBDA_LOG_LEVEL`, as AWS sets them for JSON logging.
    pub fn variables(&self) -> Vec<(String, String)> {
        if !self.json {
            return Vec::new();
        }
        let mut v = vec![("AWS_LAMBDA_LOG_FORMAT".to_string(), "JSON".to_string())];
        v.push((
            "AWS_LAMBDA_LOG_LEVEL".to_string(),
            self.application_level
                .clone()
                .unwrap_or_else(|| "INFO".into()),
        ));
        v
    }

    /// The system log level lets platform events through (JSON with `SystemLogLevel: WARN`
    /// or higher drops them, as on AWS).
    fn platform_shown(&self) -> bool {
        !matches!(
            self.system_level.as_deref(),
            Some("WARN") | Some("ERROR") | Some("FATAL")
        )
    }
}

fn time(ms: u64) -> String {
    crate::sns::engine::iso8601(ms)
}

/// INIT_START, when an environment starts.
pub fn init_start(
    f: &LogFormat,
    runtime: &str,
    region: &str,
    function: &str,
    version: &str,
    now: u64,
) -> Option<String> {
    let runtime_version = format!("{runtime}.fogbank");
    let arn = format!("arn:aws:lambda:{region}::runtime:fogbank");
    if !f.json {
        return Some(format!(
            "INIT_START Runtime Version: {runtime_version}\tRuntime Version ARN: {arn}\n"
        ));
    }
    f.platform_shown().then(|| {
        json!({"time": time(now), "type": "platform.initStart", "record": {
            "initializationType": "on-demand", "phase": "init",
            "runtimeVersion": runtime_version, "runtimeVersionArn": arn,
            "functionName": function, "functionVersion": version,
        }})
        .to_string()
    })
}

/// START, when an invocation begins.
pub fn start(f: &LogFormat, request_id: &str, version: &str, now: u64) -> Option<String> {
    if !f.json {
        return Some(format!(
            "START RequestId: {request_id} Version: {version}\n"
        ));
    }
    f.platform_shown().then(|| {
        json!({"time": time(now), "type": "platform.start",
               "record": {"requestId": request_id, "version": version}})
        .to_string()
    })
}

/// The figures of a REPORT line.
pub struct Report<'a> {
    pub request_id: &'a str,
    pub duration_ms: f64,
    pub billed_ms: u64,
    pub memory_mb: u32,
    pub used_mb: u64,
    pub init_ms: Option<f64>,
    /// `success`, `failure` or `timeout` (JSON only).
    pub status: &'static str,
    /// The REPORT line as the Tail log shows it (without its newline).
    pub text: &'a str,
}

/// END and REPORT (text), or `platform.report` (JSON).
pub fn end(f: &LogFormat, r: &Report<'_>, now: u64) -> Vec<String> {
    if !f.json {
        return vec![
            format!("END RequestId: {}\n", r.request_id),
            format!("{}\n", r.text),
        ];
    }
    if !f.platform_shown() {
        return Vec::new();
    }
    let mut metrics = json!({
        "durationMs": (r.duration_ms * 1000.0).round() / 1000.0,
        "billedDurationMs": r.billed_ms,
        "memorySizeMB": r.memory_mb,
        "maxMemoryUsedMB": r.used_mb,
    });
    if let Some(init) = r.init_ms {
        metrics["initDurationMs"] = json!((init * 1000.0).round() / 1000.0);
    }
    vec![
        json!({"time": time(now), "type": "platform.report", "record": {
            "requestId": r.request_id, "metrics": metrics, "status": r.status,
        }})
        .to_string(),
    ]
}
