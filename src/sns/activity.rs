//! TEMPORARY SHIM (replaced by the activity branch): the console's view of recent publishes.
use super::engine::SnsEngine;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pending,
    Delivered { detail: String },
    FilteredOut,
    Unconfirmed,
    Failed { error: String },
}
#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    pub subscription_arn: String,
    pub protocol: String,
    pub endpoint: String,
    pub outcome: Outcome,
}
#[derive(Debug, Clone)]
pub struct PublishRecord {
    pub message_id: String,
    pub at_ms: u64,
    pub subject: Option<String>,
    pub message: String,
    pub attributes: Vec<(String, String)>,
    pub deliveries: Vec<DeliveryRecord>,
}
impl SnsEngine {
    pub fn recent_publishes(&self, _topic_arn: &str) -> Vec<PublishRecord> {
        Vec::new()
    }
}
