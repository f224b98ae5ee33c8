//! SQS: typed model, both wire codecs, the engine and the per-queue state machine.

pub mod attributes;
pub mod codec;
pub mod engine;
pub mod error;
pub mod md5;
pub mod model;
pub mod queue;
pub mod state;

pub use engine::SqsEngine;
pub use error::{SqsError, SqsErrorCode};
