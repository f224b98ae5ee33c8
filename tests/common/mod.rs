//! Shared helpers for the integration tests: a server on an OS-chosen port and SDK clients.
#![allow(dead_code, unused_macros)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_credential_types::Credentials;
use fogbank::clock::ManualClock;
use fogbank::config::Config;
use fogbank::server::{self, RunningServer, StorageSettings};
use fogbank::store::Durability;

/// Asserts a modelled error: the SDK's typed variant (`$is`) and the legacy code that the
/// SDK took from `x-amzn-query-error`. Evaluates to the HTTP status.
macro_rules! expect_service_error {
    ($res:expr, $is:ident, $code:expr) => {{
        let err = match $res {
            Ok(out) => panic!("expected {} but the call succeeded: {out:?}", $code),
            Err(e) => e,
        };
        let code = err.code().map(str::to_owned);
        let status = err.raw_response().map(|r| r.status().as_u16());
        let service = err.into_service_error();
        assert_eq!(
            code.as_deref(),
            Some($code),
            "error code; error: {service:?}"
        );
        assert!(
            service.$is(),
            "expected the typed variant {}; got {service:?}",
            stringify!($is)
        );
        status
    }};
}

/// Asserts an unmodelled error by its code (e.g. `InvalidParameterValue`). Evaluates to the
/// HTTP status.
macro_rules! expect_error_code {
    ($res:expr, $code:expr) => {{
        let err = match $res {
            Ok(out) => panic!("expected {} but the call succeeded: {out:?}", $code),
            Err(e) => e,
        };
        let status = err.raw_response().map(|r| r.status().as_u16());
        assert_eq!(err.code(), Some($code), "error code; error: {err:?}");
        status
    }};
}

/// Start a server on 127.0.0.1:0 with the system clock.
pub async fn start() -> RunningServer {
    server::spawn(Config::ephemeral())
        .await
        .expect("server starts")
}

/// Start a server on 127.0.0.1:0 whose engines use a manual clock.
pub async fn start_with_manual_clock() -> (RunningServer, ManualClock) {
    let clock = ManualClock::starting_2026();
    let config = Config::ephemeral().with_clock(Arc::new(clock.clone()));
    (server::spawn(config).await.expect("server starts"), clock)
}

/// An SDK config for the server with the given access key id and region.
pub async fn sdk_config(
    server: &RunningServer,
    access_key: &str,
    region: &str,
) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .region(aws_config::Region::new(region.to_string()))
        .credentials_provider(Credentials::new(
            access_key,
            "test",
            None,
            None,
            "fogbank-tests",
        ))
        .load()
        .await
}

/// An SQS client (AWS JSON 1.0 protocol) for the default account and us-east-1.
pub async fn sqs(server: &RunningServer) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&sdk_config(server, "test", "us-east-1").await)
}

/// An SQS client whose requests land in the given account (a 12-digit access key) and region.
pub async fn sqs_as(server: &RunningServer, account: &str, region: &str) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&sdk_config(server, account, region).await)
}

/// An SNS client (query protocol) for the default account and us-east-1.
pub async fn sns(server: &RunningServer) -> aws_sdk_sns::Client {
    aws_sdk_sns::Client::new(&sdk_config(server, "test", "us-east-1").await)
}

/// A request an HTTP subscription endpoint received.
pub struct Received {
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

/// A local HTTP endpoint on port 0 that records every request; it answers 500 to the first
/// `fail_first` requests, then 200.
pub async fn http_endpoint(
    fail_first: usize,
) -> (String, tokio::sync::mpsc::UnboundedReceiver<Received>) {
    http_endpoint_with(move |n| n >= fail_first).await
}

/// A recording endpoint that answers 200 to the first `ok_first` requests, then 500.
pub async fn http_endpoint_failing_after(
    ok_first: usize,
) -> (String, tokio::sync::mpsc::UnboundedReceiver<Received>) {
    http_endpoint_with(move |n| n < ok_first).await
}

/// A recording endpoint whose answer to the n-th request (from 0) is 200 when `ok(n)`, else 500.
pub async fn http_endpoint_with(
    ok: impl Fn(usize) -> bool + Clone + Send + Sync + 'static,
) -> (String, tokio::sync::mpsc::UnboundedReceiver<Received>) {
    let (app, rx) = recording_app(ok);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), rx)
}

/// One message from `url`, waiting (long poll) up to 10 s.
pub async fn receive_one(sqs: &aws_sdk_sqs::Client, url: &str) -> aws_sdk_sqs::types::Message {
    let out = sqs
        .receive_message()
        .queue_url(url)
        .wait_time_seconds(10)
        .message_attribute_names("All")
        .send()
        .await
        .expect("receive");
    out.messages
        .unwrap_or_default()
        .into_iter()
        .next()
        .expect("a message arrived")
}

/// Subscribe `endpoint` to `topic` with `protocol`; the subscription ARN (or "pending confirmation").
pub async fn subscribe(
    sns: &aws_sdk_sns::Client,
    topic: &str,
    protocol: &str,
    endpoint: &str,
) -> String {
    sns.subscribe()
        .topic_arn(topic)
        .protocol(protocol)
        .endpoint(endpoint)
        .send()
        .await
        .expect("subscribe")
        .subscription_arn
        .expect("subscription arn")
}

/// Publish `message` to `topic`; the message id.
pub async fn publish(sns: &aws_sdk_sns::Client, topic: &str, message: &str) -> String {
    sns.publish()
        .topic_arn(topic)
        .message(message)
        .send()
        .await
        .expect("publish")
        .message_id
        .expect("message id")
}

/// Create an SQS queue with attributes; its URL.
#[allow(dead_code)]
pub async fn create_queue_with(
    c: &aws_sdk_sqs::Client,
    name: &str,
    attrs: &[(aws_sdk_sqs::types::QueueAttributeName, &str)],
) -> String {
    let mut req = c.create_queue().queue_name(name);
    for (k, v) in attrs {
        req = req.attributes(k.clone(), *v);
    }
    req.send()
        .await
        .expect("create_queue with attributes")
        .queue_url()
        .expect("queue url")
        .to_string()
}

/// GetQueueAttributes(All) as a map of attribute name to value.
#[allow(dead_code)]
pub async fn all_attributes(
    c: &aws_sdk_sqs::Client,
    url: &str,
) -> std::collections::HashMap<String, String> {
    let out = c
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .expect("get_queue_attributes All");
    out.attributes()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// A system attribute of a received message.
#[allow(dead_code)]
pub fn system_attribute(
    m: &aws_sdk_sqs::types::Message,
    name: aws_sdk_sqs::types::MessageSystemAttributeName,
) -> Option<String> {
    m.attributes().and_then(|a| a.get(&name).cloned())
}

/// Create a standard topic; its ARN.
#[allow(dead_code)]
pub async fn create_topic(sns: &aws_sdk_sns::Client, name: &str) -> String {
    sns.create_topic()
        .name(name)
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("arn")
}

/// The next request a recording endpoint received (waiting up to 10 s).
pub async fn next_request(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
        .await
        .expect("the endpoint received a request in time")
        .expect("channel open")
}

/// A recording https endpoint on 127.0.0.1 (always 200) with a fresh self-signed certificate
/// for 127.0.0.1; returns its URL, the certificate (DER, to trust it) and the receiver.
pub async fn https_endpoint() -> (
    String,
    rustls::pki_types::CertificateDer<'static>,
    tokio::sync::mpsc::UnboundedReceiver<Received>,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::service::TowerToHyperService;
    let generated =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("certificate");
    let cert = generated.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(generated.signing_key.serialize_der().into());
    let tls = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocols")
    .with_no_client_auth()
    .with_single_cert(vec![cert.clone()], key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let (app, rx) = recording_app(|_| true);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, app) = (acceptor.clone(), app.clone());
            tokio::spawn(async move {
                if let Ok(stream) = acceptor.accept(tcp).await {
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app))
                        .await;
                }
            });
        }
    });
    (format!("https://{addr}/hook"), cert, rx)
}

/// A router that records every request and answers the n-th (from 0) 200 when `ok(n)`, else 500.
fn recording_app(
    ok: impl Fn(usize) -> bool + Clone + Send + Sync + 'static,
) -> (axum::Router, tokio::sync::mpsc::UnboundedReceiver<Received>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let seen = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new().fallback(move |headers: axum::http::HeaderMap, body: String| {
        let tx = tx.clone();
        let seen = seen.clone();
        let ok = ok.clone();
        async move {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let _ = tx.send(Received { headers, body });
            if ok(n) {
                axum::http::StatusCode::OK
            } else {
                axum::http::StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    });
    (app, rx)
}

/// A Lambda client (REST-JSON) for the default account and us-east-1.
pub async fn lambda(server: &RunningServer) -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::new(&sdk_config(server, "test", "us-east-1").await)
}

/// A zip archive of `(name, contents, unix mode)` entries.
pub fn zip_of(files: &[(&str, &str, u32)]) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        for (name, body, mode) in files {
            let opts = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
            w.start_file(*name, opts).expect("start file");
            w.write_all(body.as_bytes()).expect("write file");
        }
        w.finish().expect("finish zip");
    }
    buf.into_inner()
}

/// The role ARN every test function uses.
pub const ROLE: &str = "arn:aws:iam::000000000000:role/lambda-role";

/// Wait (polling, bounded) until `check` returns `Some`.
/// Wait until a request is parked on the manual clock (e.g. a long poll waiting for messages).
#[allow(dead_code)]
pub async fn parked(clock: &ManualClock) {
    eventually("a request parked on the clock", || async {
        (clock.sleepers() > 0).then_some(())
    })
    .await
}

pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Start a server whose Lambda engine retries failed async invokes after 10 ms, not seconds.
pub async fn start_fast_retries() -> RunningServer {
    let mut config = Config::ephemeral();
    config.lambda.async_retry_delays = vec![std::time::Duration::from_millis(10)];
    server::spawn(config).await.expect("server starts")
}

/// AWS's string to sign, written independently of fogbank's (as the AWS SDK validators do).
fn sns_string_to_sign(msg: &serde_json::Value) -> String {
    let keys: &[&str] = if msg["Type"] == "Notification" {
        &[
            "Message",
            "MessageId",
            "Subject",
            "Timestamp",
            "TopicArn",
            "Type",
        ]
    } else {
        &[
            "Message",
            "MessageId",
            "SubscribeURL",
            "Timestamp",
            "Token",
            "TopicArn",
            "Type",
        ]
    };
    let mut s = String::new();
    for k in keys {
        if let Some(v) = msg.get(*k).and_then(|v| v.as_str()) {
            s.push_str(&format!("{k}\n{v}\n"));
        }
    }
    s
}

/// Verify an SNS JSON message's signature the way a subscriber does: fetch the certificate
/// at SigningCertURL (or the Lambda event's SigningCertUrl), take its RSA key, check
/// SHA1withRSA (SignatureVersion 1) or SHA256withRSA (2) over the string to sign.
pub async fn verify_sns_signature(msg: &serde_json::Value) -> Result<(), String> {
    let url = msg
        .get("SigningCertURL")
        .or_else(|| msg.get("SigningCertUrl"))
        .and_then(|v| v.as_str())
        .ok_or("no SigningCertURL")?;
    let pem = reqwest::get(url)
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    verify_sns_signature_with(msg, &pem)
}

/// Check an SNS message's signature against the signing certificate `pem`.
pub fn verify_sns_signature_with(msg: &serde_json::Value, pem: &str) -> Result<(), String> {
    use base64::Engine;
    use rsa::pkcs8::DecodePublicKey;
    use x509_cert::der::{DecodePem, Encode};
    let cert = x509_cert::Certificate::from_pem(pem.as_bytes()).map_err(|e| e.to_string())?;
    let spki = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| e.to_string())?;
    let key = rsa::PublicKey::from_public_key_der(&spki).map_err(|e| e.to_string())?;
    let sig = base64::engine::general_purpose::STANDARD
        .decode(msg["Signature"].as_str().ok_or("no Signature")?)
        .map_err(|e| e.to_string())?;
    let text = sns_string_to_sign(msg);
    let checked = match msg["SignatureVersion"].as_str() {
        Some("1") => key.pkcs1v15_verify::<sha1::Sha1>(text.as_bytes(), &sig),
        Some("2") => key.pkcs1v15_verify::<sha2::Sha256>(text.as_bytes(), &sig),
        other => return Err(format!("unexpected SignatureVersion {other:?}")),
    };
    checked.map_err(|e| format!("signature does not verify: {e}"))
}

/// AWS's key order of a signed Notification without Subject or MessageAttributes.
#[allow(dead_code)]
pub const NOTIFICATION_KEYS: [&str; 9] = [
    "Type",
    "MessageId",
    "TopicArn",
    "Message",
    "Timestamp",
    "SignatureVersion",
    "Signature",
    "SigningCertURL",
    "UnsubscribeURL",
];

/// AWS's key order of a SubscriptionConfirmation or UnsubscribeConfirmation.
#[allow(dead_code)]
pub const CONFIRMATION_KEYS: [&str; 10] = [
    "Type",
    "MessageId",
    "Token",
    "TopicArn",
    "Message",
    "SubscribeURL",
    "Timestamp",
    "SignatureVersion",
    "Signature",
    "SigningCertURL",
];

/// What an SNS JSON message (SQS envelope, HTTP body) looks like as AWS writes it, rebuilt
/// from its parsed values and the expected key order: `{\n  "Key" : "value",\n  ...\n}`, with
/// message attributes one per line as `"name" : {"Type":"String","Value":"v"}`. Panics if the
/// message has keys that `keys` does not list (or lacks some it does).
pub fn sns_aws_layout(msg: &serde_json::Value, keys: &[&str]) -> String {
    let obj = msg.as_object().expect("a JSON object");
    let mut present: Vec<&str> = obj.keys().map(String::as_str).collect();
    let mut expected = keys.to_vec();
    present.sort_unstable();
    expected.sort_unstable();
    assert_eq!(present, expected, "the message's keys");
    let quote = |s: &str| serde_json::to_string(s).expect("string");
    let mut out = String::from("{");
    for (i, k) in keys.iter().enumerate() {
        out.push_str(if i == 0 { "\n  " } else { ",\n  " });
        out.push_str(&quote(k));
        out.push_str(" : ");
        if *k == "MessageAttributes" {
            out.push('{');
            let attrs = obj[*k].as_object().expect("attributes");
            for (j, (name, a)) in attrs.iter().enumerate() {
                out.push_str(if j == 0 { "\n    " } else { ",\n    " });
                out.push_str(&format!(
                    "{} : {{\"Type\":{},\"Value\":{}}}",
                    quote(name),
                    quote(a["Type"].as_str().expect("Type")),
                    quote(a["Value"].as_str().expect("Value"))
                ));
            }
            out.push_str("\n  }");
        } else {
            out.push_str(&quote(obj[*k].as_str().expect("a string value")));
        }
    }
    out.push_str("\n}");
    out
}

/// A fresh directory under the temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let p = std::env::temp_dir().join(format!(
            "fogbank-test-{tag}-{}",
            uuid::Uuid::new_v4().simple()
        ));
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn durable_config(dir: &Path, clock: &ManualClock) -> Config {
    Config {
        storage: Some(StorageSettings {
            data_dir: dir.to_path_buf(),
            durability: Durability::Process,
        }),
        ..Config::ephemeral().with_clock(Arc::new(clock.clone()))
    }
}

pub async fn start_durable(dir: &Path, clock: &ManualClock) -> RunningServer {
    server::spawn(durable_config(dir, clock))
        .await
        .expect("server starts on the data dir")
}

/// Start the fogbank binary as a child on port 0 with `args` (and `envs`); returns the child
/// (killed when dropped) and its endpoint, read from the "listening on" log line. The rest of
/// its log is drained in the background.
pub async fn start_binary(args: &[&str], envs: &[(&str, &str)]) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_fogbank"))
        .args(["--port", "0"])
        .args(args)
        .env_remove("FOGBANK_PORT")
        .env_remove("RUST_LOG")
        .env_remove("PERSISTENCE")
        .envs(envs.iter().copied())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start fogbank");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = tokio::io::BufReader::new(stderr).lines();
    let endpoint = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.split("listening on ").nth(1) {
                return rest.chars().take_while(|c| !c.is_whitespace()).collect();
            }
            eprintln!("fogbank: {line}");
        }
        panic!("fogbank exited before listening");
    })
    .await
    .expect("fogbank listens");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, endpoint)
}
