//! The `fogbank` binary: parse flags and environment, set up logging, serve (or benchmark).

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fogbank::config::{Config, DEFAULT_ACCOUNT, DEFAULT_REGION};
use tracing_subscriber::EnvFilter;

/// jemalloc: markedly cheaper than glibc malloc for the many small, short-lived allocations of
/// request handling (measured with `fogbank bench`).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// A fast local emulator of AWS SQS, SNS and Lambda.
///
/// Point the AWS SDKs or CLI at it with AWS_ENDPOINT_URL=http://localhost:4566.
#[derive(Parser, Debug)]
#[command(name = "fogbank", version, about, long_about = None)]
struct Cli {
    /// Address to listen on. Defaults to loopback only; use 0.0.0.0 to accept other hosts.
    #[arg(long, env = "FOGBANK_HOST")]
    host: Option<IpAddr>,

    /// Port to listen on (0 picks a free port and logs it).
    #[arg(long, env = "FOGBANK_PORT")]
    port: Option<u16>,

    /// LocalStack-style `host:port` listen address, used when --host/--port are not given.
    #[arg(
        long = "gateway-listen",
        env = "GATEWAY_LISTEN",
        hide_short_help = true
    )]
    gateway_listen: Option<String>,

    /// Region used when a request carries no SigV4 credential scope.
    #[arg(long, env = "FOGBANK_REGION", default_value = DEFAULT_REGION)]
    region: String,

    /// Account id used when the access key is not a 12-digit account id.
    #[arg(long, env = "FOGBANK_ACCOUNT", default_value = DEFAULT_ACCOUNT)]
    account: String,

    /// Log filter in RUST_LOG syntax, e.g. `info` or `fogbank=debug`.
    #[arg(long = "log-level", env = "FOGBANK_LOG", default_value = "info")]
    log_level: String,

    /// Log line format: `text` for people, `json` (one object per line) for log collectors.
    #[arg(long = "log-format", env = "FOGBANK_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    log_format: String,

    /// Most execution environments per Lambda function version (without reserved concurrency).
    #[arg(long, env = "FOGBANK_LAMBDA_CONCURRENCY", default_value_t = 16)]
    lambda_concurrency: usize,

    /// Seconds an idle Lambda execution environment is kept warm before it is killed.
    #[arg(long, env = "FOGBANK_LAMBDA_KEEPALIVE", default_value_t = 600)]
    lambda_keepalive: u64,

    /// Seconds before each retry of a failed asynchronous invoke (AWS waits about 60 and 120;
    /// local runs want less). Comma-separated: the first retry, the second.
    #[arg(
        long,
        env = "FOGBANK_LAMBDA_RETRY_DELAYS",
        default_value = "1,2",
        value_delimiter = ','
    )]
    lambda_retry_delays: Vec<f64>,

    /// What fogbank's log gets of Lambda handlers' stdout/stderr: `info` (each line at info,
    /// long lines truncated), `debug` (each line in full, at debug level) or `off`. The
    /// Invoke's Tail log (LogResult) has the output either way.
    #[arg(long = "lambda-log", env = "FOGBANK_LAMBDA_LOG", default_value = "info", value_parser = ["info", "debug", "off"])]
    lambda_log: String,

    /// `off` (default): signatures are not checked. `strict`: SigV4 signatures (header or
    /// presigned) and dates are verified against --credentials.
    #[arg(long, env = "FOGBANK_AUTH", default_value = "off", value_parser = ["off", "strict"])]
    auth: String,

    /// Access keys accepted in strict mode, `ACCESS_KEY:SECRET[,ACCESS_KEY:SECRET...]`
    /// (also `credentials` in the startup config). Default in strict mode: `test:test`.
    #[arg(long, env = "FOGBANK_CREDENTIALS", value_delimiter = ',')]
    credentials: Vec<String>,

    /// A TOML file declaring queues, topics, subscriptions, functions and event source
    /// mappings to create at start (see docker/fogbank.toml).
    #[arg(long, env = "FOGBANK_CONFIG")]
    config: Option<std::path::PathBuf>,

    /// PEM file of CA certificates that SNS https deliveries trust besides the public roots
    /// (e.g. mkcert's root CA, for an https endpoint with a local certificate).
    #[arg(long = "sns-ca-file", env = "FOGBANK_SNS_CA_FILE")]
    sns_ca_file: Option<std::path::PathBuf>,

    /// Also speak HTTPS on the same port (told apart per connection), with a certificate made
    /// at start for localhost, 127.0.0.1, ::1 and --tls-name, served at /_fogbank/tls/cert.pem
    /// for clients to trust. SNS messages then carry https SigningCertURL/SubscribeURL/
    /// UnsubscribeURL, as AWS's do, which signature validators that insist on https need.
    #[arg(
        long,
        env = "FOGBANK_TLS",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    tls: bool,

    /// More names (host names or IP addresses) for the generated TLS certificate, e.g. the
    /// docker-compose service name.
    #[arg(long = "tls-name", env = "FOGBANK_TLS_NAMES", value_delimiter = ',')]
    tls_names: Vec<String>,

    /// PEM certificate chain to serve HTTPS with instead of a generated one (implies --tls;
    /// needs --tls-key), e.g. from mkcert.
    #[arg(long = "tls-cert", env = "FOGBANK_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,

    /// PEM private key of --tls-cert.
    #[arg(long = "tls-key", env = "FOGBANK_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,

    /// Web origins allowed to call fogbank from a browser page, besides http(s)://localhost,
    /// *.localhost, 127.0.0.1 and [::1] on any port: exact origins (https://app.example:8443),
    /// scheme://*.domain patterns, `null`; `*` turns the browser checks off.
    #[arg(
        long = "allow-origin",
        env = "FOGBANK_ALLOW_ORIGINS",
        value_delimiter = ','
    )]
    allow_origins: Vec<String>,

    /// LocalStack's EXTRA_CORS_ALLOWED_ORIGINS: added to --allow-origin.
    #[arg(
        long = "extra-cors-allowed-origins",
        env = "EXTRA_CORS_ALLOWED_ORIGINS",
        value_delimiter = ',',
        hide = true
    )]
    extra_cors_allowed_origins: Vec<String>,

    /// LocalStack's DISABLE_CORS_CHECKS=1: the same as --allow-origin '*'.
    #[arg(
        long = "disable-cors-checks",
        env = "DISABLE_CORS_CHECKS",
        hide = true,
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    disable_cors_checks: bool,

    /// Host names fogbank answers to besides localhost, *.localhost and loopback addresses
    /// when it listens on loopback (DNS rebinding protection), e.g. a docker-compose service
    /// name; `*` accepts any. The --tls-names are included.
    #[arg(long = "hostname", env = "FOGBANK_HOSTNAMES", value_delimiter = ',')]
    hostnames: Vec<String>,

    /// Seconds a connection may take to send a request's headers; an idle keep-alive
    /// connection is closed after the same time. Requests in progress are never cut.
    #[arg(
        long = "header-timeout",
        env = "FOGBANK_HEADER_TIMEOUT",
        default_value_t = 30.0
    )]
    header_timeout: f64,

    /// Most connections open at once (default: half the open-files limit); more wait to be
    /// accepted until one closes.
    #[arg(long = "max-connections", env = "FOGBANK_MAX_CONNECTIONS")]
    max_connections: Option<usize>,

    /// Keep state in this directory (SQLite database, Lambda code) across restarts. Without
    /// it everything is in memory. A directory another fogbank is using is refused.
    #[arg(long = "data-dir", env = "FOGBANK_DATA_DIR")]
    data_dir: Option<std::path::PathBuf>,

    /// LocalStack's PERSISTENCE=1: keep state in the default data dir when --data-dir is not
    /// given (/var/lib/fogbank in the Docker image, else ~/.local/share/fogbank).
    #[arg(
        long,
        env = "PERSISTENCE",
        hide_short_help = true,
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    persistence: bool,

    /// With --data-dir: `process` (default) = an acknowledged change survives a crash or kill
    /// of fogbank; `machine` = it also survives a power loss (fsync per group commit).
    #[arg(long, env = "FOGBANK_DURABILITY", default_value = "process", value_parser = ["process", "machine"])]
    durability: String,

    /// Start from this snapshot file (as downloaded from GET /_fogbank/state), replacing the
    /// state of the services it contains.
    #[arg(long = "load-state", env = "FOGBANK_LOAD_STATE")]
    load_state: Option<std::path::PathBuf>,

    #[command(subcommand)]
    command: Option<Command>,
}

/// The data dir PERSISTENCE=1 uses.
fn default_data_dir() -> std::path::PathBuf {
    // The Docker image's volume.
    let image = std::path::Path::new("/var/lib/fogbank");
    if image.is_dir() {
        return image.to_path_buf();
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return std::path::PathBuf::from(d).join("fogbank");
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty() && h != "/") {
        Some(h) => std::path::PathBuf::from(h).join(".local/share/fogbank"),
        None => std::path::PathBuf::from("/var/lib/fogbank"),
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve (the default when no command is given).
    Serve,
    /// Measure throughput, latency, start-up time and memory (build with --release).
    Bench(fogbank::benchmark::BenchArgs),
}

fn listen_address(cli: &Cli) -> Result<SocketAddr, String> {
    let mut addr = Config::default().listen;
    if let Some(gl) = &cli.gateway_listen {
        // GATEWAY_LISTEN may list several addresses separated by commas; take the first.
        let first = gl.split(',').next().unwrap_or("").trim();
        let parsed = match first.parse::<SocketAddr>() {
            Ok(a) => a,
            Err(_) => match first
                .strip_prefix(':')
                .or(Some(first))
                .and_then(|p| p.parse::<u16>().ok())
            {
                Some(port) => SocketAddr::new(addr.ip(), port),
                None => return Err(format!("GATEWAY_LISTEN={gl} is not host:port")),
            },
        };
        addr = parsed;
    }
    if let Some(h) = cli.host {
        addr.set_ip(h);
    }
    if let Some(p) = cli.port {
        addr.set_port(p);
    }
    Ok(addr)
}

fn valid_account(a: &str) -> bool {
    a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit())
}

fn main() -> ExitCode {
    // Started by fogbank to launch a Lambda runtime: set it up and exec it, nothing else.
    if let Some(code) = fogbank::lambda::contain::launch_if_asked() {
        return code;
    }
    if let Ok(exe) = std::env::current_exe() {
        fogbank::lambda::contain::use_launcher(exe);
    }
    let cli = Cli::parse();
    let filter = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| cli.log_level.clone());
    let env_filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(env_filter)
        .with_writer(std::io::stderr);
    if cli.log_format == "json" {
        logs.json().init();
    } else {
        logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }

    let listen = match listen_address(&cli) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fogbank: {e}");
            return ExitCode::from(2);
        }
    };
    if !valid_account(&cli.account) {
        eprintln!("fogbank: --account must be 12 digits, got {}", cli.account);
        return ExitCode::from(2);
    }
    if cli
        .lambda_retry_delays
        .iter()
        .any(|d| !d.is_finite() || *d < 0.0)
    {
        eprintln!("fogbank: --lambda-retry-delays must be non-negative seconds");
        return ExitCode::from(2);
    }
    let lambda = fogbank::lambda::LambdaSettings {
        default_concurrency: cli.lambda_concurrency.max(1),
        idle_timeout: std::time::Duration::from_secs(cli.lambda_keepalive),
        async_retry_delays: cli
            .lambda_retry_delays
            .iter()
            .map(|s| std::time::Duration::from_secs_f64(*s))
            .collect(),
        handler_log: cli.lambda_log.parse().unwrap_or_default(),
        ..fogbank::lambda::LambdaSettings::default()
    };
    let https_extra_roots = match &cli.sns_ca_file {
        None => Vec::new(),
        Some(path) => match fogbank::sns::http::load_ca_file(path) {
            Ok(certs) => certs,
            Err(e) => {
                eprintln!("fogbank: --sns-ca-file: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let tls = match (&cli.tls_cert, &cli.tls_key) {
        (Some(cert), Some(key)) => Some(fogbank::server::TlsSettings::from_files(cert, key)),
        _ if cli.tls => Some(fogbank::server::TlsSettings::generate(&cli.tls_names)),
        _ => None,
    };
    let tls = match tls.transpose() {
        Ok(t) => t.map(std::sync::Arc::new),
        Err(e) => {
            eprintln!("fogbank: TLS: {e}");
            return ExitCode::from(2);
        }
    };
    if !cli.header_timeout.is_finite() || cli.header_timeout <= 0.0 {
        eprintln!("fogbank: --header-timeout must be a positive number of seconds");
        return ExitCode::from(2);
    }
    let open_files = fogbank::server::raise_nofile_limit();
    tracing::debug!(open_files, "open-files limit");
    let mut allow_origins = cli.allow_origins.clone();
    allow_origins.extend(cli.extra_cors_allowed_origins.iter().cloned());
    if cli.disable_cors_checks {
        allow_origins.push("*".into());
    }
    let data_dir = match (&cli.data_dir, cli.persistence) {
        (Some(d), _) => Some(d.clone()),
        (None, true) => {
            let d = default_data_dir();
            tracing::info!(data_dir = %d.display(), "PERSISTENCE=1: keeping state in the default data dir");
            Some(d)
        }
        (None, false) => None,
    };
    let storage = data_dir.map(|data_dir| fogbank::server::StorageSettings {
        data_dir,
        durability: cli.durability.parse().unwrap_or_default(),
    });
    let mut hostnames = cli.hostnames.clone();
    hostnames.extend(cli.tls_names.iter().cloned());
    let config = Config {
        listen,
        tls,
        guard: fogbank::server::GuardSettings {
            allow_origins,
            hostnames,
        },
        connections: fogbank::server::ConnectionSettings {
            header_timeout: std::time::Duration::from_secs_f64(cli.header_timeout),
            max_connections: cli.max_connections,
        },
        default_region: cli.region.clone(),
        default_account: cli.account.clone(),
        lambda,
        https_extra_roots: std::sync::Arc::new(https_extra_roots),
        storage,
        load_state: cli.load_state.clone(),
        ..Config::default()
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("fogbank: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let startup = match &cli.config {
        None => None,
        Some(path) => match fogbank::startup::load(path) {
            Ok(c) => Some((path.clone(), c)),
            Err(e) => {
                eprintln!("fogbank: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let mut config = config;
    if cli.auth == "strict" {
        let mut pairs: Vec<String> = cli.credentials.clone();
        if let Some((_, s)) = &startup {
            pairs.extend(s.credentials.iter().cloned());
        }
        if pairs.is_empty() {
            pairs.push("test:test".into());
        }
        let mut creds = std::collections::HashMap::new();
        for p in &pairs {
            match p.split_once(':') {
                Some((k, s)) if !k.is_empty() && !s.is_empty() => {
                    creds.insert(k.to_string(), s.to_string());
                }
                _ => {
                    eprintln!("fogbank: credentials must be ACCESS_KEY:SECRET, got {p}");
                    return ExitCode::from(2);
                }
            }
        }
        tracing::info!(access_keys = creds.len(), "strict SigV4 verification on");
        config.strict_auth = Some(std::sync::Arc::new(creds));
    }
    let result = runtime.block_on(async move {
        match cli.command {
            None | Some(Command::Serve) => serve(config, startup).await,
            Some(Command::Bench(args)) => fogbank::benchmark::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fogbank: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(
    config: Config,
    startup: Option<(std::path::PathBuf, fogbank::startup::StartupConfig)>,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot listen on {}: {e}", config.listen))
        })?;
    let addr = listener.local_addr()?;
    // Handler processes left by an earlier fogbank that was killed (SIGKILL) before it could
    // stop them: they carry its marker. The sweep reads every process's environment (tens of
    // ms of CPU on a busy desktop), so it runs at the lowest priority on a thread of its own:
    // housekeeping never slows the first cold start of a fresh server.
    let _ = std::thread::Builder::new()
        .name("fogbank-sweep".into())
        .spawn(|| {
            // SAFETY: gettid and setpriority on this thread only; failure leaves the priority.
            #[cfg(target_os = "linux")]
            unsafe {
                let tid = libc::gettid();
                libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19);
            }
            let killed = fogbank::lambda::contain::sweep_dead_owners();
            if killed > 0 {
                tracing::info!(
                    killed,
                    "killed handler processes left by a fogbank that is gone"
                );
            }
        });
    let state = fogbank::server::AppState::open(config.clone()).map_err(std::io::Error::other)?;
    if let Some((path, startup)) = &startup {
        // Health turns ready only after everything declared exists: nothing is served before.
        fogbank::startup::apply(&state, startup, path)
            .await
            .map_err(std::io::Error::other)?;
    }
    let https = if config.tls.is_some() {
        format!(
            " and https://{addr} (certificate: {})",
            fogbank::server::TLS_CERT_PATH
        )
    } else {
        String::new()
    };
    tracing::info!(
        "fogbank {} listening on http://{addr}{https} (services: sqs, sns, lambda, s3; account {}, region {})",
        env!("CARGO_PKG_VERSION"),
        config.default_account,
        config.default_region
    );
    match &config.strict_auth {
        Some(_) => tracing::info!(
            "console: http://{addr}/_fogbank/ui?token={} (--auth strict: the token is needed)",
            state.console.token()
        ),
        None => tracing::info!("console: http://{addr}/_fogbank/ui"),
    }
    // Start-up's once-only code need not stay resident (see `fogbank::residency`); ~2 ms,
    // done before the first request so that health answers after it.
    fogbank::residency::release_startup_code();
    fogbank::server::serve_listener(listener, state, shutdown_signal()).await?;
    tracing::info!("fogbank stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down");
    // Whatever still runs (a client holding a connection open, a slow endpoint), exit within
    // 2 s of the signal. Long polls were answered and Lambda process groups killed by then.
    std::thread::spawn(|| {
        std::thread::sleep(std::time::Duration::from_millis(1900));
        eprintln!("fogbank: shutdown took too long; exiting");
        std::process::exit(0);
    });
}
