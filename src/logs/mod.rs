//! CloudWatch Logs (AWS JSON 1.1, `X-Amz-Target: Logs_20140328.*`): log groups, streams and
//! events in memory (a per-group cap drops the oldest; with `--data-dir` all of it is also
//! journaled), retention applied on read, tags, filter patterns; Lambda's handler output and
//! START/END/REPORT lines arrive through [`sink::LogSink`].
//!
//! - [`engine`]: groups, streams, the per-group cap, group and stream operations;
//! - [`events`]: PutLogEvents, GetLogEvents, FilterLogEvents;
//! - [`pattern`]: the filter pattern parser and matcher;
//! - [`regex`]: the `%...%` regular expressions of filter patterns (AWS's subset);
//! - [`tags`]: tagging by ARN and by name;
//! - [`codec`]: the JSON 1.1 wire format;
//! - [`sink`]: the Lambda side's writer;
//! - [`query`]: reads for fogbank's own views (an invocation's lines);
//! - [`state`]: durable records (groups with their streams, and events).

pub mod codec;
pub mod engine;
pub mod error;
pub mod events;
pub mod model;
pub mod pattern;
pub mod query;
pub mod regex;
pub mod sink;
pub mod state;
pub mod tags;

pub use engine::LogsEngine;
pub use error::{LogsError, LogsResult};
pub use sink::LogSink;

#[cfg(test)]
mod durable_tests;
#[cfg(test)]
mod tests;
