//! Delivery to HTTP subscription endpoints: one background task per POST, retried on the
//! engine's clock so that a slow or unreachable endpoint never blocks Subscribe or Publish.

use std::sync::{Arc, OnceLock};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::clock::Clock;
use crate::sns::activity::{Outcome, Slot};

/// How often and how far apart a delivery is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// Delay between attempts, in milliseconds.
    pub delay_ms: u64,
}

impl Default for RetryPolicy {
    /// SNS's default healthy retry policy for HTTP endpoints: 3 retries, 20 s apart.
    fn default() -> Self {
        RetryPolicy {
            retries: 3,
            delay_ms: 20_000,
        }
    }
}

impl RetryPolicy {
    /// Read `healthyRetryPolicy.numRetries` / `minDelayTarget` from a DeliveryPolicy JSON,
    /// either at the top level or under `http`.
    pub fn from_delivery_policy(policy: Option<&str>) -> Self {
        let mut p = RetryPolicy::default();
        let Some(v) = policy.and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()) else {
            return p;
        };
        let retry = v.get("healthyRetryPolicy").or_else(|| {
            v.get("http")
                .and_then(|h| h.get("defaultHealthyRetryPolicy"))
        });
        if let Some(r) = retry {
            if let Some(n) = r.get("numRetries").and_then(serde_json::Value::as_u64) {
                p.retries = n.min(100) as u32;
            }
            if let Some(d) = r.get("minDelayTarget").and_then(serde_json::Value::as_u64) {
                p.delay_ms = d.min(3600) * 1000;
            }
        }
        p
    }
}

/// Makes the body of a POST (off the async threads: signing takes milliseconds).
pub type BodyMaker = Box<dyn FnOnce() -> String + Send + 'static>;

/// Called with the body and the failure once every attempt has failed; answers what became of
/// the message (the dead-letter queue's note for the delivery's record).
pub type GiveUp = Box<dyn FnOnce(String, String) -> String + Send + 'static>;

/// One delivery to an HTTP endpoint.
pub struct Post {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: BodyMaker,
    pub policy: RetryPolicy,
    pub on_give_up: Option<GiveUp>,
    /// Where the delivery's end is recorded (publishes' records; not confirmations).
    pub outcome: Option<Slot>,
}

/// The outbound HTTP client and the clock that paces retries.
#[derive(Clone)]
pub struct HttpDelivery {
    client: Client<HttpConnector, Full<Bytes>>,
    /// For https endpoints, built on the first https delivery (loading the TLS stack and the
    /// Mozilla roots costs idle memory most users never need); `None` if TLS could not be set up.
    tls_client: Arc<OnceLock<Option<TlsClient>>>,
    extra_roots: ExtraRoots,
    clock: Arc<dyn Clock>,
}

/// How long one attempt may take before it counts as failed (as on AWS).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);

type TlsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

fn connector() -> HttpConnector {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(Duration::from_secs(5)));
    connector
}

/// Extra trusted CA certificates, as DER.
pub type ExtraRoots = Arc<Vec<CertificateDer<'static>>>;

/// Read the CA certificates of a PEM file (for `--sns-ca-file`); an error if there are none.
pub fn load_ca_file(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("cannot read CA certificates from {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("no CA certificate in {}", path.display()));
    }
    Ok(certs)
}

/// The https client: endpoints are verified against the Mozilla roots, as SNS requires a
/// certificate from a public CA, plus any CA the user added with `--sns-ca-file`.
fn tls_client(extra: &[CertificateDer<'static>]) -> Option<TlsClient> {
    let mut tls_connector = connector();
    tls_connector.enforce_http(false);
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let (added, ignored) = roots.add_parsable_certificates(extra.iter().cloned());
    if ignored > 0 {
        tracing::warn!(
            added,
            ignored,
            "some extra CA certificates could not be used"
        );
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map(|b| b.with_root_certificates(roots).with_no_client_auth());
    match config {
        Ok(config) => Some(
            Client::builder(TokioExecutor::new()).build(
                hyper_rustls::HttpsConnectorBuilder::new()
                    .with_tls_config(config)
                    .https_only()
                    .enable_http1()
                    .wrap_connector(tls_connector),
            ),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "TLS setup failed: SNS https deliveries will fail");
            None
        }
    }
}

impl HttpDelivery {
    pub fn new(clock: Arc<dyn Clock>, extra_roots: ExtraRoots) -> Self {
        HttpDelivery {
            tls_client: Arc::new(OnceLock::new()),
            extra_roots,
            client: Client::builder(TokioExecutor::new()).build(connector()),
            clock,
        }
    }

    /// POST to `post.url` in the background, retrying per its policy until a 2xx answer; the
    /// body is made (signed) on the blocking pool first, so the caller never waits for it.
    /// When every attempt failed, `on_give_up` gets the body and the last error.
    pub fn post(&self, post: Post) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(url = %post.url, "no async runtime: SNS HTTP delivery skipped");
            if let Some(slot) = &post.outcome {
                slot.set(Outcome::Failed {
                    error: "no async runtime: delivery skipped".to_string(),
                });
            }
            return;
        };
        let this = self.clone();
        handle.spawn(async move {
            let Post {
                url,
                headers,
                body,
                policy,
                on_give_up,
                outcome,
            } = post;
            let end = |o: Outcome| {
                if let Some(slot) = &outcome {
                    slot.set(o);
                }
            };
            let body = match tokio::task::spawn_blocking(body).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(%url, error = %e, "SNS HTTP body could not be made");
                    end(Outcome::Failed {
                        error: format!("the message could not be made: {e}"),
                    });
                    return;
                }
            };
            let bytes = Bytes::from(body.clone());
            let mut last_error = String::new();
            for attempt in 0..=policy.retries {
                if attempt > 0 {
                    let at = this.clock.now_millis() + policy.delay_ms;
                    this.clock.sleep_until(at).await;
                }
                match this.attempt(&url, &headers, bytes.clone()).await {
                    Ok(status) if (200..300).contains(&status) => {
                        let detail = match attempt {
                            0 => format!("HTTP {status}"),
                            n => format!("HTTP {status} after {} attempts", n + 1),
                        };
                        end(Outcome::Delivered { detail });
                        return;
                    }
                    Ok(status) => {
                        tracing::info!(%url, status, attempt, "SNS HTTP delivery refused");
                        last_error = format!("HTTP {status}");
                    }
                    Err(e) => {
                        tracing::info!(%url, error = %e, attempt, "SNS HTTP delivery failed");
                        last_error = e;
                    }
                }
            }
            tracing::warn!(%url, "SNS HTTP delivery given up after {} retries", policy.retries);
            let attempts = policy.retries + 1;
            let error = if attempts == 1 {
                format!("{last_error} (1 attempt)")
            } else {
                format!("{last_error} after {attempts} attempts")
            };
            let error = match on_give_up {
                Some(give_up) => {
                    let note = give_up(body, error.clone());
                    format!("{error}; {note}")
                }
                None => format!("{error}; no dead-letter queue"),
            };
            end(Outcome::Failed { error });
        });
    }

    async fn attempt(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: Bytes,
    ) -> Result<u16, String> {
        let mut req = hyper::Request::post(url);
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            req = req.header("content-type", "text/plain; charset=UTF-8");
        }
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let req = req.body(Full::new(body)).map_err(|e| e.to_string())?;
        let sent = if url.starts_with("https://") {
            match self
                .tls_client
                .get_or_init(|| tls_client(&self.extra_roots))
            {
                Some(c) => c.request(req),
                None => return Err("TLS is not available".to_string()),
            }
        } else {
            self.client.request(req)
        };
        match tokio::time::timeout(ATTEMPT_TIMEOUT, sent).await {
            Ok(Ok(res)) => Ok(res.status().as_u16()),
            Ok(Err(e)) => Err(causes(&e)),
            Err(_) => Err("timed out".to_string()),
        }
    }
}

/// An error with its causes (hyper's own says only "client error (Connect)").
fn causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_files_need_at_least_one_certificate() {
        let dir = std::env::temp_dir().join(format!("fogbank-ca-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        let missing = dir.join("missing.pem");
        assert!(load_ca_file(&missing).is_err());
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").expect("write");
        assert!(
            load_ca_file(&empty)
                .unwrap_err()
                .contains("no CA certificate")
        );
        let two = dir.join("two.pem");
        let pem = |name: &str| {
            rcgen::generate_simple_self_signed(vec![name.to_string()])
                .expect("cert")
                .cert
                .pem()
        };
        std::fs::write(&two, pem("a.test") + &pem("b.test")).expect("write");
        let certs = load_ca_file(&two).expect("two certificates");
        assert_eq!(certs.len(), 2);
        assert!(tls_client(&certs).is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn delivery_policy_overrides_the_default_retries() {
        assert_eq!(
            RetryPolicy::from_delivery_policy(None),
            RetryPolicy::default()
        );
        let p = RetryPolicy::from_delivery_policy(Some(
            r#"{"healthyRetryPolicy":{"numRetries":1,"minDelayTarget":2}}"#,
        ));
        assert_eq!(
            p,
            RetryPolicy {
                retries: 1,
                delay_ms: 2000
            }
        );
        let p = RetryPolicy::from_delivery_policy(Some(
            r#"{"http":{"defaultHealthyRetryPolicy":{"numRetries":5,"minDelayTarget":1}}}"#,
        ));
        assert_eq!(
            p,
            RetryPolicy {
                retries: 5,
                delay_ms: 1000
            }
        );
    }
}
