//! Who is asking and where: the account and region a request acts in, and the host it reached.

/// Derived by the server from each request (SigV4 scope, Host header) and handed to engines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// 12-digit account id.
    pub account: String,
    /// Region name, e.g. `us-east-1`.
    pub region: String,
    /// The `Host` header as the client sent it (queue URLs are built from it).
    pub host: String,
}

impl RequestContext {
    /// A context for engine tests and in-process callers.
    pub fn new(account: &str, region: &str, host: &str) -> Self {
        RequestContext {
            account: account.to_string(),
            region: region.to_string(),
            host: host.to_string(),
        }
    }
}
