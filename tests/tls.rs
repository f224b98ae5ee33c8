//! `--tls`: one port answering plain HTTP and HTTPS, the generated certificate served for
//! clients to trust, and https URLs in SNS messages whose certificate is fetched over TLS.

mod common;

use std::sync::Arc;

use bytes::Bytes;
use fogbank::config::Config;
use fogbank::server::{self, RunningServer, TLS_CERT_PATH, TlsSettings};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

/// A server with a generated certificate; also its PEM.
async fn tls_server() -> (RunningServer, String) {
    let tls = TlsSettings::generate(&[]).expect("certificate");
    let pem = tls.cert_pem.clone();
    let config = Config {
        tls: Some(Arc::new(tls)),
        ..Config::ephemeral()
    };
    (server::spawn(config).await.expect("server starts"), pem)
}

/// GET `url` (https) trusting only the certificates in `ca_pem`: status and body.
async fn https_get(url: &str, ca_pem: &str) -> Result<(u16, String), String> {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("{e}"))?;
    let host = uri.host().ok_or("no host")?.to_string();
    let port = uri.port_u16().unwrap_or(443);
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots
            .add(cert.map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| e.to_string())?;
    let name = ServerName::try_from(host.clone()).map_err(|e| e.to_string())?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS: {e}"))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let req = hyper::Request::get(path)
        .header("host", format!("{host}:{port}"))
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    let res = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let body = res
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// The health endpoint answers over plain HTTP and over HTTPS (localhost) on the one port.
async fn health_both_ways(server: &RunningServer, pem: &str) {
    let plain = reqwest::get(format!("{}/_fogbank/health", server.endpoint()))
        .await
        .expect("plain http");
    assert_eq!(plain.status(), 200);
    let url = format!("https://localhost:{}/_fogbank/health", server.addr.port());
    let (status, body) = https_get(&url, pem).await.expect("https");
    assert_eq!(status, 200);
    assert!(body.contains("\"status\":\"ok\""), "{body}");
}

#[tokio::test]
async fn one_port_answers_http_and_https_and_serves_its_certificate() {
    let (server, pem) = tls_server().await;
    let port = server.addr.port();
    health_both_ways(&server, &pem).await;
    let served = reqwest::get(format!("{}{TLS_CERT_PATH}", server.endpoint()))
        .await
        .expect("certificate")
        .text()
        .await
        .expect("text");
    assert_eq!(served, pem);
    let (status, _) = https_get(&format!("https://127.0.0.1:{port}/_fogbank/health"), &pem)
        .await
        .expect("https by IP address");
    assert_eq!(status, 200);
    // An AWS request over TLS, answered like any other.
    let (status, body) = https_get(
        &format!("https://localhost:{port}/?Action=ListTopics&Version=2010-03-31"),
        &pem,
    )
    .await
    .expect("https ListTopics");
    assert_eq!(status, 200);
    assert!(body.contains("<ListTopicsResponse"), "{body}");
    // A client that trusts another certificate refuses the connection.
    let other = TlsSettings::generate(&[]).expect("other").cert_pem;
    let e = https_get(&format!("https://localhost:{port}/_fogbank/health"), &other)
        .await
        .expect_err("untrusted");
    assert!(e.starts_with("TLS"), "{e}");
    server.shutdown().await;

    // Without --tls the certificate path is not found.
    let server = common::start().await;
    let res = reqwest::get(format!("{}{TLS_CERT_PATH}", server.endpoint()))
        .await
        .expect("get");
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn a_silent_or_failed_connection_holds_up_no_one() {
    use tokio::io::AsyncWriteExt;
    let (server, pem) = tls_server().await;
    // One connection that never speaks, one that starts a TLS record and stops, one that
    // sends garbage in place of a ClientHello.
    let _silent = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    let mut half = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    half.write_all(&[0x16, 0x03, 0x01]).await.expect("write");
    let mut garbage = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    garbage.write_all(&[0x16; 64]).await.expect("write garbage");
    health_both_ways(&server, &pem).await;
}

#[tokio::test]
async fn sns_messages_carry_https_urls_that_work_over_tls() {
    let (server, pem) = tls_server().await;
    let origin = format!("https://127.0.0.1:{}", server.addr.port());
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let topic = common::create_topic(&sns, "tls-topic").await;
    let url = common::create_queue_with(&sqs, "tls-q", &[]).await;
    let arn = "arn:aws:sqs:us-east-1:000000000000:tls-q";
    common::subscribe(&sns, &topic, "sqs", arn).await;
    common::publish(&sns, &topic, "over tls").await;
    let body = common::receive_one(&sqs, &url).await.body.expect("body");
    let env: serde_json::Value = serde_json::from_str(&body).expect("json");
    let cert_url = env["SigningCertURL"].as_str().expect("cert url");
    // Named as AWS names its certificates, served by fogbank at that path.
    assert!(
        cert_url.starts_with(&format!("{origin}/SimpleNotificationService-"))
            && cert_url.ends_with(".pem"),
        "{cert_url}"
    );
    let unsubscribe = env["UnsubscribeURL"].as_str().expect("unsubscribe url");
    assert!(
        unsubscribe.starts_with(&format!("{origin}/?Action=Unsubscribe&SubscriptionArn=")),
        "{unsubscribe}"
    );
    let (status, signing_pem) = https_get(cert_url, &pem).await.expect("certificate");
    assert_eq!(status, 200);
    common::verify_sns_signature_with(&env, &signing_pem).expect("signature verifies");

    // An HTTP subscription's SubscribeURL is https too, and visiting it over TLS confirms.
    let (endpoint, mut rx) = common::http_endpoint(0).await;
    common::subscribe(&sns, &topic, "http", &endpoint).await;
    let confirmation: serde_json::Value =
        serde_json::from_str(&common::next_request(&mut rx).await.body).expect("json");
    assert_eq!(confirmation["Type"], "SubscriptionConfirmation");
    common::verify_sns_signature_with(&confirmation, &signing_pem).expect("signed");
    let subscribe_url = confirmation["SubscribeURL"].as_str().expect("url");
    assert!(subscribe_url.starts_with(&format!("{origin}/?Action=ConfirmSubscription&")));
    let (status, body) = https_get(subscribe_url, &pem).await.expect("confirm");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<SubscriptionArn>arn:aws:sns:"), "{body}");
    common::publish(&sns, &topic, "to http").await;
    let note: serde_json::Value =
        serde_json::from_str(&common::next_request(&mut rx).await.body).expect("json");
    assert_eq!(note["Message"], "to http");
    assert_eq!(note["SigningCertURL"], cert_url);
    common::verify_sns_signature_with(&note, &signing_pem).expect("signed");
}
