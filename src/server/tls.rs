//! Optional TLS on the main port (`--tls`): the same port answers plain HTTP and HTTPS, told
//! apart by the connection's first byte (a TLS ClientHello starts with 0x16, which no HTTP
//! request does). The certificate is the user's (`--tls-cert`/`--tls-key`) or one generated at
//! start for localhost (plus `--tls-name`s), served at [`CERT_PATH`] so clients can trust it.

use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Where the server's certificate (PEM) is served when TLS is on.
pub const CERT_PATH: &str = "/_fogbank/tls/cert.pem";

/// First byte of a TLS record carrying a handshake message (the ClientHello).
const TLS_HANDSHAKE: u8 = 0x16;

/// How long a new connection may take to send its first byte and finish a TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The server's TLS identity.
pub struct TlsSettings {
    acceptor: TlsAcceptor,
    /// The certificate chain, PEM: what `CERT_PATH` serves.
    pub cert_pem: String,
}

impl std::fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSettings").finish_non_exhaustive()
    }
}

impl TlsSettings {
    /// A self-signed certificate (ECDSA P-256) for `localhost`, `127.0.0.1`, `::1` and
    /// `extra_names` (host names or IP addresses), made now.
    pub fn generate(extra_names: &[String]) -> Result<TlsSettings, String> {
        let mut names = vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
        ];
        for n in extra_names {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
        let generated = rcgen::generate_simple_self_signed(names)
            .map_err(|e| format!("cannot generate a TLS certificate: {e}"))?;
        let key = PrivateKeyDer::Pkcs8(generated.signing_key.serialize_der().into());
        let cert = generated.cert.der().clone();
        Self::new(vec![cert], key, generated.cert.pem())
    }

    /// The certificate chain and private key of PEM files (e.g. made by mkcert).
    pub fn from_files(cert: &Path, key: &Path) -> Result<TlsSettings, String> {
        let pem = std::fs::read_to_string(cert)
            .map_err(|e| format!("cannot read {}: {e}", cert.display()))?;
        let chain = CertificateDer::pem_slice_iter(pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("cannot read certificates from {}: {e}", cert.display()))?;
        if chain.is_empty() {
            return Err(format!("no certificate in {}", cert.display()));
        }
        let key = PrivateKeyDer::from_pem_file(key)
            .map_err(|e| format!("cannot read a private key from {}: {e}", key.display()))?;
        Self::new(chain, key, pem)
    }

    fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        cert_pem: String,
    ) -> Result<TlsSettings, String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| format!("unusable TLS certificate or key: {e}"))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsSettings {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            cert_pem,
        })
    }
}

/// A connection accepted by [`SniffingListener`]: plain TCP or TLS over TCP.
pub enum MaybeTls {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for MaybeTls {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_read(cx, buf),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MaybeTls {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_write(cx, buf),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            MaybeTls::Plain(s) => s.is_write_vectored(),
            MaybeTls::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_flush(cx),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_shutdown(cx),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Accepts TCP connections and hands them to the server once it is known whether they speak
/// TLS (and, if so, once the handshake is done). Each connection is sniffed in its own task, so
/// a slow or silent client never holds up the others; each holds one of the server's
/// open-connection slots from accept on.
pub struct SniffingListener {
    ready: mpsc::Receiver<(MaybeTls, OwnedSemaphorePermit)>,
    acceptor: JoinHandle<()>,
}

impl SniffingListener {
    pub fn new(
        listener: TcpListener,
        tls: Arc<TlsSettings>,
        slots: Arc<Semaphore>,
    ) -> SniffingListener {
        let (tx, ready) = mpsc::channel(64);
        let acceptor = tokio::spawn(async move {
            let mut plain = super::conn::PlainAcceptor::new(listener, slots);
            loop {
                let (tcp, permit) = super::conn::Acceptor::accept(&mut plain).await;
                let peer = tcp.peer_addr().ok();
                let (tx, tls) = (tx.clone(), tls.clone());
                tokio::spawn(async move {
                    let sniffed = tokio::time::timeout(HANDSHAKE_TIMEOUT, sniff(tcp, &tls)).await;
                    match sniffed {
                        Ok(Ok(conn)) => {
                            let _ = tx.send((conn, permit)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(?peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(?peer, "connection sent nothing in time"),
                    }
                });
            }
        });
        SniffingListener { ready, acceptor }
    }
}

async fn sniff(tcp: TcpStream, tls: &TlsSettings) -> io::Result<MaybeTls> {
    let mut first = [0u8; 1];
    let n = tcp.peek(&mut first).await?;
    if n == 1 && first[0] == TLS_HANDSHAKE {
        let stream = tls.acceptor.accept(tcp).await?;
        Ok(MaybeTls::Tls(Box::new(stream)))
    } else {
        Ok(MaybeTls::Plain(tcp))
    }
}

impl Drop for SniffingListener {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

impl super::conn::Acceptor for SniffingListener {
    type Io = MaybeTls;

    async fn accept(&mut self) -> (MaybeTls, OwnedSemaphorePermit) {
        match self.ready.recv().await {
            Some(c) => c,
            // The accept task never ends while the listener lives.
            None => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_certificates_cover_localhost_and_the_extra_names() {
        let tls = TlsSettings::generate(&["fogbank".to_string()]).expect("generated");
        assert!(tls.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        let der = CertificateDer::from_pem_slice(tls.cert_pem.as_bytes()).expect("one cert");
        let text = String::from_utf8_lossy(der.as_ref()).to_string();
        assert!(text.contains("localhost"));
        assert!(text.contains("fogbank"));
    }

    #[test]
    fn certificate_files_must_hold_a_certificate_and_a_matching_key() {
        let dir = std::env::temp_dir().join(format!("fogbank-tls-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        let generated =
            rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("cert");
        let (cert, key, empty) = (dir.join("c.pem"), dir.join("k.pem"), dir.join("e.pem"));
        std::fs::write(&cert, generated.cert.pem()).expect("write");
        std::fs::write(&key, generated.signing_key.serialize_pem()).expect("write");
        std::fs::write(&empty, "").expect("write");
        let loaded = TlsSettings::from_files(&cert, &key).expect("loads");
        assert_eq!(loaded.cert_pem, generated.cert.pem());
        let e = TlsSettings::from_files(&empty, &key).expect_err("no cert");
        assert!(e.contains("no certificate"), "{e}");
        assert!(TlsSettings::from_files(&cert, &empty).is_err());
        let other = rcgen::KeyPair::generate().expect("key");
        std::fs::write(&key, other.serialize_pem()).expect("write");
        let e = TlsSettings::from_files(&cert, &key).expect_err("mismatch");
        assert!(e.contains("unusable"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
