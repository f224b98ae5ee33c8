//! Runtime configuration: where to listen, the default account and region, and the clock.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::lambda::LambdaSettings;

/// The default account id when a request carries no 12-digit access key.
pub const DEFAULT_ACCOUNT: &str = "000000000000";
/// The default region when a request carries no SigV4 credential scope.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Everything the server needs to start.
#[derive(Clone)]
pub struct Config {
    /// Address to listen on. Port 0 asks the OS for a free port.
    pub listen: SocketAddr,
    /// Region used when a request has no credential scope.
    pub default_region: String,
    /// Account used when a request has no 12-digit access key.
    pub default_account: String,
    /// Source of time for every engine.
    pub clock: Arc<dyn Clock>,
    /// Lambda tunables (concurrency cap, keepalive, async retry delays).
    pub lambda: LambdaSettings,
    /// Strict SigV4 mode: the accepted access keys and their secrets. `None` = signatures are
    /// not checked (the default, as in every other emulator).
    pub strict_auth: Option<Arc<HashMap<String, String>>>,
    /// CA certificates (DER) that SNS https deliveries trust besides the public Mozilla roots
    /// (`--sns-ca-file`), for local https endpoints with a private or mkcert CA.
    pub https_extra_roots: Arc<Vec<rustls::pki_types::CertificateDer<'static>>>,
    /// TLS on the listening port besides plain HTTP (`--tls`); `None` = plain HTTP only. With
    /// it, the URLs fogbank puts in SNS messages (SigningCertURL, SubscribeURL, UnsubscribeURL)
    /// are https, as AWS's are.
    pub tls: Option<Arc<crate::server::TlsSettings>>,
    /// Browser and DNS-rebinding protection: allowed origins and host names
    /// (`--allow-origin`, `--hostname`).
    pub guard: crate::server::GuardSettings,
    /// Header-read timeout and the cap on open connections.
    pub connections: crate::server::ConnectionSettings,
    /// Durable state (`--data-dir`); `None` = in memory only.
    pub storage: Option<crate::server::StorageSettings>,
    /// A snapshot file to load at start (`--load-state`).
    pub load_state: Option<std::path::PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 4566),
            default_region: DEFAULT_REGION.to_string(),
            default_account: DEFAULT_ACCOUNT.to_string(),
            clock: Arc::new(SystemClock),
            lambda: LambdaSettings::default(),
            strict_auth: None,
            https_extra_roots: Arc::new(Vec::new()),
            tls: None,
            guard: crate::server::GuardSettings::default(),
            connections: crate::server::ConnectionSettings::default(),
            storage: None,
            load_state: None,
        }
    }
}

impl Config {
    /// A configuration for tests: loopback, a port chosen by the OS, the system clock.
    pub fn ephemeral() -> Self {
        Config {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            ..Config::default()
        }
    }

    /// Replace the clock (tests pass a [`crate::clock::ManualClock`]).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}
