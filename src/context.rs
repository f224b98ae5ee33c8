//! Who is asking and where: the account and region a request acts in, and the host it reached.

/// Derived by the server from each request (SigV4 scope, Host header) and handed to engines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// 12-digit account id.
    pub account: String,
    /// Region name, e.g. `us-east-1`.
    pub region: String,
    /// Whether the request named its region (a SigV4 credential scope; in-process callers
    /// always do). An unsigned request, such as a subscriber visiting the SubscribeURL or
    /// UnsubscribeURL fogbank put in a message (AWS's carry the region in their host name),
    /// gets the default region but is not held to it where an ARN names another.
    pub region_given: bool,
    /// The `Host` header as the client sent it (queue URLs are built from it).
    pub host: String,
    /// Who signed, when fogbank knows more than the account: the session of temporary
    /// credentials STS issued (an assumed role). `None` for plain credentials (the account's
    /// root).
    pub principal: Option<Principal>,
}

/// A principal other than an account's root (an assumed role's session).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Principal {
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub arn: String,
    /// `AROA...:<session>`.
    pub user_id: String,
}

impl RequestContext {
    /// A context for engine tests and in-process callers.
    pub fn new(account: &str, region: &str, host: &str) -> Self {
        RequestContext {
            account: account.to_string(),
            region: region.to_string(),
            region_given: true,
            host: host.to_string(),
            principal: None,
        }
    }
}
