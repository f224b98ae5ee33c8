//! Queue URLs: how fogbank words them (LocalStack's `SQS_ENDPOINT_STRATEGY`) and how a
//! `QueueUrl` parameter names a queue (account, name and, where the URL tells it, region).

use std::sync::atomic::Ordering;

use super::{Queue, SqsEngine, key};
use crate::context::RequestContext;
use crate::sqs::error::{SqsError, SqsResult};
use std::sync::Arc;

/// The domain LocalStack's `standard` and `domain` strategies put in URLs; it resolves to
/// 127.0.0.1 in public DNS.
const LOCALSTACK_DOMAIN: &str = "localhost.localstack.cloud";

/// How queue URLs are worded (LocalStack's `SQS_ENDPOINT_STRATEGY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointStrategy {
    /// `http://<host>/<account>/<name>`: no region in the URL (fogbank's default).
    Off,
    /// `http://sqs.<region>.localhost.localstack.cloud:<port>/<account>/<name>`.
    Standard,
    /// `http://<region>.queue.localhost.localstack.cloud:<port>/<account>/<name>`
    /// (`queue.localhost.localstack.cloud` for us-east-1).
    Domain,
    /// `http://<host>/queue/<region>/<account>/<name>`.
    Path,
}

impl EndpointStrategy {
    /// The strategy a value of `SQS_ENDPOINT_STRATEGY` names; `None` for an unknown one.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "off" => Some(Self::Off),
            "standard" => Some(Self::Standard),
            "domain" => Some(Self::Domain),
            "path" => Some(Self::Path),
            _ => None,
        }
    }

    /// The strategy `SQS_ENDPOINT_STRATEGY` asks for (unset: `off`).
    pub fn from_env() -> Result<Self, String> {
        match std::env::var("SQS_ENDPOINT_STRATEGY") {
            Ok(v) => Self::parse(&v).ok_or_else(|| {
                format!("SQS_ENDPOINT_STRATEGY={v} is not one of standard, domain, path, off")
            }),
            Err(_) => Ok(Self::Off),
        }
    }

    fn to_u8(self) -> u8 {
        match self {
            Self::Off => 0,
            Self::Standard => 1,
            Self::Domain => 2,
            Self::Path => 3,
        }
    }

    fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Standard,
            2 => Self::Domain,
            3 => Self::Path,
            _ => Self::Off,
        }
    }

    /// The URL of queue `name` of `account` in `region`, for a client that reached fogbank at
    /// `host` (the request's `Host` header).
    pub fn url(self, host: &str, region: &str, account: &str, name: &str) -> String {
        match self {
            Self::Off => format!("http://{host}/{account}/{name}"),
            Self::Path => format!("http://{host}/queue/{region}/{account}/{name}"),
            Self::Standard => format!(
                "http://sqs.{region}.{LOCALSTACK_DOMAIN}{}/{account}/{name}",
                port_suffix(host)
            ),
            Self::Domain if region == "us-east-1" => format!(
                "http://queue.{LOCALSTACK_DOMAIN}{}/{account}/{name}",
                port_suffix(host)
            ),
            Self::Domain => format!(
                "http://{region}.queue.{LOCALSTACK_DOMAIN}{}/{account}/{name}",
                port_suffix(host)
            ),
        }
    }
}

/// `:<port>` of a Host header value, or nothing when it names none.
fn port_suffix(host: &str) -> &str {
    match host.rfind(':') {
        Some(i) if !host.ends_with(']') && host[i + 1..].bytes().all(|b| b.is_ascii_digit()) => {
            &host[i..]
        }
        _ => "",
    }
}

/// What a `QueueUrl` parameter names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueRef<'a> {
    /// The region the URL tells (`/queue/<region>/...`, `sqs.<region>.`, `<region>.queue.`).
    pub region: Option<&'a str>,
    /// The account in the URL; `None` for a bare queue name.
    pub account: Option<&'a str>,
    pub name: &'a str,
}

fn looks_like_region(s: &str) -> bool {
    s.len() >= 9
        && s.contains('-')
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The region a queue URL's host tells, if any.
fn region_of_host(host: &str) -> Option<&str> {
    let host = match host.rfind(':') {
        Some(i) if !host.ends_with(']') => &host[..i],
        _ => host,
    };
    let mut labels = host.split('.');
    let first = labels.next()?;
    let second = labels.next()?;
    if first == "sqs" && looks_like_region(second) {
        return Some(second);
    }
    if second == "queue" && looks_like_region(first) {
        return Some(first);
    }
    // `queue.amazonaws.com` and LocalStack's `queue.localhost.localstack.cloud`: us-east-1.
    if first == "queue" && (host.ends_with(".amazonaws.com") || host.ends_with(LOCALSTACK_DOMAIN)) {
        return Some("us-east-1");
    }
    None
}

/// Read a `QueueUrl`: any URL form above, a bare path `/<account>/<name>`, or a bare queue
/// name (which AWS accepts too: the caller's own queue of that name). `None` when it names
/// no queue (AWS answers NonExistentQueue).
pub fn parse(url: &str) -> Option<QueueRef<'_>> {
    let (host, path) = match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            match rest.find('/') {
                Some(j) => (Some(&rest[..j]), &rest[j..]),
                None => (Some(rest), ""),
            }
        }
        None => (None, url),
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    if host.is_none() && !path.contains('/') {
        return (!path.is_empty()).then_some(QueueRef {
            region: None,
            account: None,
            name: path,
        });
    }
    let mut segments = path.rsplit('/').filter(|s| !s.is_empty());
    let name = segments.next()?;
    let account = segments.next()?;
    let mut region = None;
    if let (Some(r), Some("queue")) = (segments.next(), segments.next())
        && looks_like_region(r)
    {
        region = Some(r);
    }
    if region.is_none() {
        region = host.and_then(region_of_host);
    }
    Some(QueueRef {
        region,
        account: Some(account),
        name,
    })
}

impl SqsEngine {
    /// Word queue URLs by `strategy` from now on (set once at start-up).
    pub fn set_endpoint_strategy(&self, strategy: EndpointStrategy) {
        self.endpoint_strategy
            .store(strategy.to_u8(), Ordering::Relaxed);
    }

    pub fn endpoint_strategy(&self) -> EndpointStrategy {
        EndpointStrategy::from_u8(self.endpoint_strategy.load(Ordering::Relaxed))
    }

    /// The URL of `q` as this engine words it, for a client that reached it at `host`.
    pub fn url_of(&self, q: &Queue, host: &str) -> String {
        self.endpoint_strategy()
            .url(host, &q.region, &q.account, &q.name)
    }

    /// Find a queue by its `QueueUrl`: the account and region the URL names, else the
    /// caller's. A URL naming no queue of either answers NonExistentQueue, as on AWS.
    pub fn resolve(&self, ctx: &RequestContext, queue_url: Option<&str>) -> SqsResult<Arc<Queue>> {
        let url = queue_url.ok_or_else(|| SqsError::missing_parameter("QueueUrl"))?;
        let r = parse(url).ok_or_else(SqsError::queue_does_not_exist)?;
        let account = r.account.unwrap_or(&ctx.account);
        let region = r.region.unwrap_or(&ctx.region);
        self.queues
            .get(&key(account, region, r.name))
            .map(|q| q.clone())
            .ok_or_else(SqsError::queue_does_not_exist)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_url_form_names_account_name_and_region_where_it_tells() {
        let r = |region, account, name| QueueRef {
            region,
            account,
            name,
        };
        let a = Some("000000000000");
        for (url, want) in [
            ("http://localhost:4566/000000000000/q1", r(None, a, "q1")),
            ("/000000000000/q1", r(None, a, "q1")),
            ("http://127.0.0.1:4566/000000000000/q1/", r(None, a, "q1")),
            ("q1", r(None, None, "q1")),
            (
                "http://sqs.eu-west-1.localhost.localstack.cloud:4566/000000000000/q1",
                r(Some("eu-west-1"), a, "q1"),
            ),
            (
                "https://sqs.us-east-2.amazonaws.com/000000000000/q1",
                r(Some("us-east-2"), a, "q1"),
            ),
            (
                "http://eu-north-1.queue.localhost.localstack.cloud:4566/000000000000/q1",
                r(Some("eu-north-1"), a, "q1"),
            ),
            (
                "http://queue.localhost.localstack.cloud:4566/000000000000/q1",
                r(Some("us-east-1"), a, "q1"),
            ),
            (
                "http://localhost:4566/queue/us-west-1/000000000000/q1",
                r(Some("us-west-1"), a, "q1"),
            ),
        ] {
            assert_eq!(parse(url), Some(want), "{url}");
        }
        for bad in [
            "",
            "http://localhost:4566/q1",
            "http://localhost:4566",
            "/q1",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn each_strategy_words_urls_that_parse_back_to_the_same_queue() {
        for s in ["standard", "domain", "path", "off"] {
            let strategy = EndpointStrategy::parse(s).expect("known");
            for region in ["us-east-1", "eu-north-1"] {
                let url = strategy.url("localhost:4566", region, "000000000000", "q");
                let r = parse(&url).expect("parses");
                assert_eq!((r.account, r.name), (Some("000000000000"), "q"), "{url}");
                let told = r.region.unwrap_or("us-east-1");
                if strategy != EndpointStrategy::Off {
                    assert_eq!(told, region, "{url}");
                }
            }
        }
        assert_eq!(
            EndpointStrategy::Standard.url("127.0.0.1:4566", "eu-west-1", "1", "q"),
            "http://sqs.eu-west-1.localhost.localstack.cloud:4566/1/q"
        );
        assert_eq!(
            EndpointStrategy::Domain.url("localhost:4566", "us-east-1", "1", "q"),
            "http://queue.localhost.localstack.cloud:4566/1/q"
        );
        assert_eq!(
            EndpointStrategy::Path.url("localhost:4566", "us-east-1", "1", "q"),
            "http://localhost:4566/queue/us-east-1/1/q"
        );
        assert_eq!(EndpointStrategy::parse("bogus"), None);
    }
}
