//! IAM (query protocol, global): users, roles, managed policies with versions, inline
//! policies, attachments, instance profiles. Policy documents are validated and stored, never
//! enforced.

pub mod codec;
pub mod engine;
pub mod error;
pub mod managed;
pub mod model;
pub mod policy_doc;
pub mod render;

pub use engine::IamEngine;
