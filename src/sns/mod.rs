//! SNS: topics, subscriptions, publishing with filter policies, and in-process delivery to SQS.

pub mod activity;
pub mod codec;
pub mod engine;
pub mod envelope;
pub mod error;
pub mod filter;
pub mod http;
pub mod lambda;
pub mod model;
pub mod records;
pub mod signing;
pub mod state;

pub use engine::SnsEngine;
pub use error::{SnsError, SnsErrorCode};
pub use lambda::LambdaInvoker;
