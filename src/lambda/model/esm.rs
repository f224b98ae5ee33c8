//! Event source mappings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EsmInput {
    pub event_source_arn: Option<String>,
    pub function_name: Option<String>,
    pub enabled: Option<bool>,
    pub batch_size: Option<i64>,
    pub maximum_batching_window_in_seconds: Option<i64>,
    pub function_response_types: Option<Vec<String>>,
    pub filter_criteria: Option<serde_json::Value>,
    pub scaling_config: Option<serde_json::Value>,
    pub starting_position: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// An event source mapping, as every mapping operation answers it.
#[derive(Debug, Clone, Serialize)]
pub struct EventSourceMappingConfiguration {
    #[serde(rename = "UUID")]
    pub uuid: String,
    #[serde(rename = "BatchSize")]
    pub batch_size: u32,
    #[serde(rename = "MaximumBatchingWindowInSeconds")]
    pub maximum_batching_window_in_seconds: u32,
    #[serde(rename = "EventSourceArn")]
    pub event_source_arn: String,
    /// Echoed as it was sent (`{"Filters": [{"Pattern": "..."}]}`).
    #[serde(rename = "FilterCriteria", skip_serializing_if = "Option::is_none")]
    pub filter_criteria: Option<serde_json::Value>,
    #[serde(rename = "ScalingConfig", skip_serializing_if = "Option::is_none")]
    pub scaling_config: Option<ScalingConfig>,
    #[serde(rename = "FunctionArn")]
    pub function_arn: String,
    #[serde(rename = "LastModified")]
    pub last_modified: super::EpochSeconds,
    #[serde(rename = "State")]
    pub state: String,
    #[serde(rename = "StateTransitionReason")]
    pub state_transition_reason: String,
    #[serde(rename = "FunctionResponseTypes")]
    pub function_response_types: Vec<String>,
    #[serde(rename = "EventSourceMappingArn")]
    pub event_source_mapping_arn: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScalingConfig {
    pub maximum_concurrency: u32,
}

/// ListEventSourceMappings' answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListEventSourceMappingsResponse {
    pub event_source_mappings: Vec<EventSourceMappingConfiguration>,
}
