//! STS (query protocol): GetCallerIdentity, AssumeRole, AssumeRoleWithWebIdentity,
//! GetSessionToken, GetAccessKeyInfo. Issued access keys (`ASIA...`) map to the role's
//! account (see `server::router::context`).

pub mod codec;
pub mod engine;

pub use engine::StsEngine;
