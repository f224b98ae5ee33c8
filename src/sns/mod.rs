//! SNS: topics, subscriptions, publishing with filter policies, and in-process delivery to SQS.

pub mod codec;
pub mod engine;
pub mod error;
pub mod filter;
pub mod http;
pub mod model;

pub use engine::SnsEngine;
pub use error::{SnsError, SnsErrorCode};
