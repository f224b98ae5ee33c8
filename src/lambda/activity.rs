//! TEMPORARY SHIM (replaced by the activity branch).
use super::engine::LambdaEngine;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    Api,
    ApiEvent,
    Sns,
    S3,
    SqsMapping { uuid: String },
    FunctionUrl,
    AsyncRetry { attempt: u32 },
    Other(String),
}
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Running,
    Succeeded,
    Failed { error_type: String, message: String },
    TimedOut,
}
#[derive(Debug, Clone)]
pub struct InvocationRecord {
    pub request_id: String,
    pub qualifier: String,
    pub trigger: Trigger,
    pub started_ms: u64,
    pub duration_ms: Option<f64>,
    pub status: Status,
    pub log_group: String,
    pub log_stream: String,
}
impl LambdaEngine {
    pub fn recent_invocations(&self, _a: &str, _r: &str, _f: &str) -> Vec<InvocationRecord> {
        Vec::new()
    }
}
