//! The single HTTP entry point: health endpoints, then dispatch of AWS requests by protocol.
//!
//! - `X-Amz-Target: AmazonSQS.<Action>` -> SQS over AWS JSON 1.0;
//! - `X-Amz-Target: Logs_20140328.<Action>` -> CloudWatch Logs over AWS JSON 1.1;
//! - a function URL (`<url-id>.lambda-url.<region>.*` hosts, `/_fogbank/lambda-url/<url-id>/`)
//!   -> `server::lambda_url`;
//! - S3 (`crate::s3::is_s3`: SigV4 scope `s3`, a bucket host, or an unsigned request with no
//!   other protocol's markers) -> `crate::s3::S3Front`, body streamed;
//! - a path starting `/20xx-xx-xx/` -> Lambda REST;
//! - otherwise the query protocol: `Action` from the form body or query string, SQS or SNS told
//!   apart by `Version` or the SigV4 credential scope's service.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tokio::net::TcpListener;

use super::auth::{Scope, scope_of};
use super::refusal::{self, Shape};
use crate::config::Config;
use crate::context::RequestContext;
use crate::lambda::LambdaEngine;
use crate::lambda::rest as lambda_rest;
use crate::protocol::Reply;
use crate::protocol::query;
use crate::sns::SnsEngine;
use crate::sns::codec as sns_codec;
use crate::sqs::codec::{self as sqs_codec, Params, Protocol};
use crate::sqs::{SqsEngine, SqsError, SqsErrorCode};

/// Largest request body accepted for SQS and SNS (a 1 MiB batch, percent-encoded, fits).
const MAX_QUERY_BODY: usize = 8 * 1024 * 1024;

/// Shared server state: the configuration and the engines.
pub struct AppState {
    /// The configuration the server started with.
    pub config: Config,
    /// The SQS engine.
    pub sqs: Arc<SqsEngine>,
    /// The SNS engine (delivers into `sqs`).
    pub sns: Arc<SnsEngine>,
    /// The Lambda engine (functions, environments, event source mappings).
    pub lambda: Arc<LambdaEngine>,
    /// The S3 engine (buckets, objects; bodies in a temp dir, or the data dir).
    pub s3: Arc<crate::s3::S3Engine>,
    /// The IAM engine (global).
    pub iam: Arc<crate::iam::IamEngine>,
    /// The STS engine (issued credentials; consulted for `ASIA...` access keys).
    pub sts: Arc<crate::sts::StsEngine>,
    /// The CloudWatch Logs engine (Lambda's output lands there).
    pub logs: Arc<crate::logs::LogsEngine>,
    /// S3's protocol front (s3s), dispatched to from [`aws`].
    s3_front: crate::s3::S3Front,
    /// The console (`/_fogbank/ui`): its token and live streams.
    pub console: crate::console::Console,
    /// The data dir, when state is durable.
    pub(super) store: Option<crate::store::Store>,
}

impl AppState {
    /// New in-memory state (and engines) from a config; see [`AppState::open`] for a config
    /// with a data dir.
    pub fn new(config: Config) -> Arc<Self> {
        Self::build(config, None)
    }

    pub(super) fn build(config: Config, store: Option<crate::store::Store>) -> Arc<Self> {
        let sqs = SqsEngine::new(config.clock.clone());
        match crate::sqs::engine::EndpointStrategy::from_env() {
            Ok(strategy) => sqs.set_endpoint_strategy(strategy),
            Err(e) => tracing::warn!("{e}; queue URLs keep the default (off)"),
        }
        let sns = SnsEngine::new(
            config.clock.clone(),
            sqs.clone(),
            config.https_extra_roots.clone(),
            config.tls.is_some(),
        );
        let lambda = LambdaEngine::new(config.lambda.clone(), sqs.clone());
        lambda.set_sns(&sns);
        sns.set_lambda_invoker(lambda.clone());
        let s3 = match &config.storage {
            Some(st) => crate::s3::S3Engine::in_data_dir(&st.data_dir, st.durability),
            None => crate::s3::S3Engine::new(),
        };
        lambda.set_s3(&s3);
        let logs = crate::logs::LogsEngine::new(config.clock.clone());
        lambda.set_logs(logs.clone());
        s3.set_events(Arc::new(crate::s3::notify::Notifier {
            s3: Arc::downgrade(&s3),
            sqs: sqs.clone(),
            sns: Arc::downgrade(&sns),
            lambda: Arc::downgrade(&lambda),
        }));
        let iam = crate::iam::IamEngine::new(config.clock.clone());
        let sts = crate::sts::StsEngine::new(config.clock.clone(), iam.clone());
        let s3_front = crate::s3::S3Front::new(
            s3.clone(),
            &config.default_account,
            &config.default_region,
            config.strict_auth.clone(),
            crate::s3::front::Issuers {
                sts: sts.clone(),
                iam: iam.clone(),
                clock: config.clock.clone(),
            },
        );
        Arc::new(AppState {
            config,
            sqs,
            sns,
            lambda,
            s3,
            iam,
            sts,
            logs,
            s3_front,
            console: crate::console::Console::new(),
            store,
        })
    }

    /// The services [`AppState::reset_service`] knows, in the order a full reset wipes them.
    pub const RESETTABLE: [&'static str; 7] = ["lambda", "sns", "sqs", "s3", "iam", "sts", "logs"];

    /// Wipe one service's state (a name from [`AppState::RESETTABLE`]); false for any other
    /// name.
    pub fn reset_service(&self, service: &str) -> bool {
        match service {
            "lambda" => self.lambda.reset(),
            "sns" => self.sns.reset(),
            "sqs" => self.sqs.reset(),
            "s3" => self.s3.reset(),
            "iam" => self.iam.reset(),
            "sts" => self.sts.reset(),
            "logs" => self.logs.reset(),
            _ => return false,
        }
        true
    }

    /// Wipe every service's state, as `POST /_fogbank/reset` without `?service=` does.
    pub fn reset(&self) {
        for service in Self::RESETTABLE {
            self.reset_service(service);
        }
    }

    /// Stop background work and end long polls (called on shutdown).
    pub fn shutdown(&self) {
        self.console.close();
        self.sqs.shutdown();
        self.lambda.shutdown();
    }
}

/// The router: internal endpoints plus the AWS dispatcher for everything else. In strict mode
/// the internal endpoints that read or change state need a valid SigV4 signature.
pub fn router(state: Arc<AppState>) -> Router {
    let protected = Router::new()
        .merge(sns_inspection_routes())
        .route(
            "/_fogbank/sqs/messages",
            get(peek_fogbank).post(peek_fogbank),
        )
        .route(
            "/_aws/sqs/messages",
            get(peek_localstack).post(peek_localstack),
        )
        .route("/_fogbank/reset", axum::routing::post(reset))
        .route(
            "/_fogbank/state",
            get(super::durable::get_state).post(super::durable::post_state),
        )
        .route("/moto-api/reset", axum::routing::post(reset))
        .route("/_localstack/state/reset", axum::routing::post(reset))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            require_signature,
        ));
    Router::new()
        .route("/_fogbank/health", get(fogbank_health_route))
        .route(crate::sns::signing::CERT_PATH, get(sns_certificate))
        .route(crate::sns::signing::cert_file_path(), get(sns_certificate))
        // GetFunction's Code.Location: presigned (its own signature), like AWS's S3 URL
        .route(
            "/_fogbank/lambda/code/snapshots/{*rel}",
            get(lambda_code).head(lambda_code),
        )
        .route(super::tls::CERT_PATH, get(tls_certificate))
        .route(
            "/_localstack/health",
            get(localstack_health).head(localstack_health),
        )
        .merge(protected)
        .merge(crate::console::routes(state.clone()))
        .fallback(aws)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            super::durable::wait_durable,
        ))
        .with_state(state)
}

/// Strict mode: an internal endpoint that reads or changes state needs a valid signature.
async fn require_signature(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let Some(creds) = &state.config.strict_auth else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let rid = request_id();
    let Ok(body) = axum::body::to_bytes(body, MAX_QUERY_BODY).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            axum::Json(json!({"error": "request body too large"})),
        )
            .into_response();
    };
    if let Err(f) = super::sigv4::verify(&parts, &body, creds, std::time::SystemTime::now()) {
        tracing::info!(
            code = f.code,
            path = parts.uri.path(),
            "request refused: {}",
            f.message
        );
        return refusal::auth_failure(Shape::Internal, &f, &rid);
    }
    next.run(Request::from_parts(parts, Body::from(body))).await
}

pub(crate) async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state.clone());
    let shutdown_state = state.clone();
    if let Ok(addr) = listener.local_addr() {
        // Handlers reach fogbank over loopback even when it listens on every interface.
        let host = if addr.ip().is_unspecified() {
            std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)
        } else {
            addr.ip()
        };
        let endpoint = std::net::SocketAddr::new(host, addr.port());
        state.lambda.set_endpoint(format!("http://{endpoint}"));
    }
    let reaper_state = Arc::downgrade(&state);
    let reaper = tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        loop {
            tick.tick().await;
            match reaper_state.upgrade() {
                Some(s) => s.lambda.reap_idle(),
                None => return,
            }
        }
    });
    let shutdown = async move {
        shutdown.await;
        reaper.abort();
        shutdown_state.shutdown();
    };
    let local = listener.local_addr()?;
    let guard = Arc::new(super::guard::Guard::new(&state.config.guard, local));
    let service =
        super::guard::Guarded::new(hyper_util::service::TowerToHyperService::new(app), guard);
    let settings = &state.config.connections;
    let slots = Arc::new(tokio::sync::Semaphore::new(settings.max_connections()));
    let header_timeout = settings.header_timeout;
    let served = match state.config.tls.clone() {
        Some(tls) => {
            let acceptor = super::tls::SniffingListener::new(listener, tls, slots);
            super::conn::serve(acceptor, service, header_timeout, shutdown).await
        }
        None => {
            let acceptor = super::conn::PlainAcceptor::new(listener, slots);
            super::conn::serve(acceptor, service, header_timeout, shutdown).await
        }
    };
    // Every request is answered: write what is pending and let the data dir go.
    let closing = state.clone();
    let _ = tokio::task::spawn_blocking(move || closing.close_store()).await;
    state.s3.shutdown();
    served
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `GET /_fogbank/health`: in strict mode an unsigned request gets the liveness status only.
async fn fogbank_health_route(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let details = match &state.config.strict_auth {
        None => true,
        Some(creds) => {
            super::sigv4::verify(&parts, b"", creds, std::time::SystemTime::now()).is_ok()
        }
    };
    if !details {
        return axum::Json(json!({"status": "ok"})).into_response();
    }
    fogbank_health(&state)
}

fn fogbank_health(state: &AppState) -> Response {
    axum::Json(json!({
        "status": "ok",
        "version": VERSION,
        "services": {
            "sqs": "running",
            "sns": "running",
            "lambda": "running",
            "s3": "running",
            "iam": "running",
            "sts": "running",
            "logs": "running",
        },
        "sqs": {"waiting_receives": state.sqs.waiting_receives()},
    }))
    .into_response()
}

fn peek_params(
    query: Option<String>,
    headers: &HeaderMap,
    state: &AppState,
) -> (RequestContext, Option<String>) {
    let query = query.unwrap_or_default();
    let url = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "QueueUrl")
        .map(|(_, v)| v.into_owned());
    let scope = scope_of(headers, &query);
    let mut ctx = context(state, headers, &scope);
    // The queue URL names its account: look there, not in the caller's default account.
    if let Some(u) = &url
        && let Some((account, _)) = crate::arn::parse_queue_url(u)
    {
        ctx.account = account.to_string();
    }
    (ctx, url)
}

/// `GET /_fogbank/sqs/messages?QueueUrl=...`: every message (visible, in flight, delayed) as
/// JSON, without changing visibility.
async fn peek_fogbank(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let rid = request_id();
    let (ctx, url) = peek_params(query, &headers, &state);
    to_response(
        sqs_codec::peek_reply(&state.sqs, &ctx, url.as_deref(), Protocol::Json, &rid),
        &rid,
    )
}

/// LocalStack's `/_aws/sqs/messages?QueueUrl=...`: XML, or JSON when asked for it.
async fn peek_localstack(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let rid = request_id();
    let (ctx, url) = peek_params(query, &headers, &state);
    let json = header_str(&headers, "accept").is_some_and(|a| a.contains("json"));
    let protocol = if json {
        Protocol::Json
    } else {
        Protocol::Query
    };
    to_response(
        sqs_codec::peek_reply(&state.sqs, &ctx, url.as_deref(), protocol, &rid),
        &rid,
    )
}

/// Wipe state: every service, or the one named by `?service=sqs|sns|lambda|s3|iam|sts`.
async fn reset(
    State(state): State<Arc<AppState>>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let service = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "service")
        .map(|(_, v)| v.into_owned());
    let done: Vec<&str> = match service.as_deref() {
        None => AppState::RESETTABLE.to_vec(),
        Some(name) if AppState::RESETTABLE.contains(&name) => vec![name],
        Some(_) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(
                    json!({"error": "service must be sqs, sns, lambda, s3, iam, sts or logs"}),
                ),
            )
                .into_response();
        }
    };
    for name in &done {
        state.reset_service(name);
    }
    tracing::info!(services = ?done, "state reset");
    axum::Json(json!({"reset": done})).into_response()
}

/// Inspection of what SNS sent where fogbank cannot deliver (LocalStack-compatible paths under
/// `/_aws/sns/`, and the same plus email and Firehose under `/_fogbank/sns/`).
fn sns_inspection_routes() -> Router<Arc<AppState>> {
    use crate::sns::records::Kind;
    let mut r = Router::new();
    for prefix in ["/_aws/sns", "/_fogbank/sns"] {
        for (path, kind) in [
            ("sms-messages", Kind::Sms),
            ("platform-endpoint-messages", Kind::Platform),
            ("email-messages", Kind::Email),
            ("firehose-messages", Kind::Firehose),
        ] {
            if prefix == "/_aws/sns" && matches!(kind, Kind::Email | Kind::Firehose) {
                continue;
            }
            r = r.route(
                &format!("{prefix}/{path}"),
                get(move |s, q| sns_messages(s, q, kind, false))
                    .delete(move |s, q| sns_messages(s, q, kind, true)),
            );
        }
        r = r.route(
            &format!("{prefix}/subscription-tokens/{{*arn}}"),
            get(sns_subscription_token),
        );
    }
    r
}

async fn sns_messages(
    State(state): State<Arc<AppState>>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
    kind: crate::sns::records::Kind,
    delete: bool,
) -> Response {
    use crate::sns::records::Kind;
    let (filter_param, field) = match kind {
        Kind::Sms => ("phoneNumber", "sms_messages"),
        Kind::Platform => ("endpointArn", "platform_endpoint_messages"),
        Kind::Email => ("emailAddress", "email_messages"),
        Kind::Firehose => ("deliveryStreamArn", "firehose_messages"),
    };
    let key = q.get(filter_param).map(String::as_str);
    // An ARN filter names its own account and region.
    let from_arn = key.and_then(crate::arn::parse_arn);
    let account = from_arn
        .as_ref()
        .map(|a| a.account.to_string())
        .or_else(|| q.get("accountId").cloned())
        .unwrap_or_else(|| state.config.default_account.clone());
    let region = from_arn
        .as_ref()
        .map(|a| a.region.to_string())
        .or_else(|| q.get("region").cloned())
        .unwrap_or_else(|| state.config.default_region.clone());
    let outbox = state.sns.outbox();
    if delete {
        outbox.clear(kind, &account, &region, key);
        return StatusCode::NO_CONTENT.into_response();
    }
    let messages = outbox.grouped(kind, &account, &region, key);
    axum::Json(json!({ field: messages, "region": region })).into_response()
}

async fn sns_subscription_token(
    State(state): State<Arc<AppState>>,
    axum::extract::Path(arn): axum::extract::Path<String>,
) -> Response {
    if crate::arn::parse_arn(&arn).is_none() {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "The provided SubscriptionARN is invalid", "subscription_arn": arn})),
        )
            .into_response();
    }
    match state.sns.subscription_token(&arn) {
        Some(token) => {
            axum::Json(json!({"subscription_token": token, "subscription_arn": arn})).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": "The provided SubscriptionARN is not found", "subscription_arn": arn})),
        )
            .into_response(),
    }
}

/// The certificate whose key signs SNS messages (the envelopes' SigningCertURL).
/// The TLS certificate of the listening port (`--tls`), for clients to trust; 404 without TLS.
async fn tls_certificate(State(state): State<Arc<AppState>>) -> Response {
    match &state.config.tls {
        Some(tls) => (
            [(header::CONTENT_TYPE, "application/x-pem-file")],
            tls.cert_pem.clone(),
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            "TLS is off (start fogbank with --tls)",
        )
            .into_response(),
    }
}

async fn sns_certificate() -> Response {
    let pem = tokio::task::spawn_blocking(crate::sns::signing::certificate_pem)
        .await
        .ok()
        .flatten();
    match pem {
        Some(pem) => (
            [(header::CONTENT_TYPE, "application/x-pem-file")],
            pem.to_string(),
        )
            .into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the SNS signing key could not be generated",
        )
            .into_response(),
    }
}

/// `GET /_fogbank/lambda/code/snapshots/...`: the deployment package a GetFunction
/// `Code.Location` names (S3's answers to a wrong or stale presigned URL otherwise).
async fn lambda_code(
    State(state): State<Arc<AppState>>,
    axum::extract::Path(rel): axum::extract::Path<String>,
    uri: axum::http::Uri,
) -> Response {
    use crate::lambda::engine::DownloadError;
    let lambda = state.lambda.clone();
    let query = uri.query().unwrap_or("").to_string();
    let got = tokio::task::spawn_blocking(move || lambda.code_download(&rel, &query)).await;
    let s3_error = |status: StatusCode, code: &str, message: &str| {
        (
            status,
            [(header::CONTENT_TYPE, "application/xml")],
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
            ),
        )
            .into_response()
    };
    match got {
        Ok(Ok(zip)) => ([(header::CONTENT_TYPE, "application/zip")], zip).into_response(),
        Ok(Err(DownloadError::Forbidden)) => s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        ),
        Ok(Err(DownloadError::NotFound)) | Err(_) => s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        ),
    }
}

async fn localstack_health() -> Response {
    axum::Json(json!({
        "services": {
            "sqs": "running",
            "sns": "running",
            "lambda": "running",
            "s3": "running",
            "iam": "running",
            "sts": "running",
            "logs": "running",
        },
        "edition": "community",
        "version": format!("fogbank-{VERSION}"),
    }))
    .into_response()
}

fn request_id() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

fn to_response(reply: Reply, request_id: &str) -> Response {
    let mut res = Response::new(Body::from(reply.body));
    *res.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(reply.content_type),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-requestid", v);
    }
    for (k, v) in reply.headers {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.append(k, v);
        }
    }
    res
}

fn context(state: &AppState, headers: &HeaderMap, scope: &Scope) -> RequestContext {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| format!("localhost:{}", state.config.listen.port()));
    // Temporary credentials STS issued act in their role's account, as their session; an IAM
    // user's access key as the user.
    let known = scope
        .access_key
        .as_deref()
        .and_then(|k| super::credentials::known_key(state, k));
    if let Some((account, principal)) = known {
        return RequestContext {
            account,
            region: scope
                .region
                .clone()
                .unwrap_or_else(|| state.config.default_region.clone()),
            region_given: scope.region.is_some(),
            host,
            principal: Some(principal),
        };
    }
    let account = scope
        .access_key
        .as_deref()
        .filter(|k| k.len() == 12 && k.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(&state.config.default_account)
        .to_string();
    let region = scope
        .region
        .clone()
        .unwrap_or_else(|| state.config.default_region.clone());
    RequestContext {
        account,
        region,
        region_given: scope.region.is_some(),
        host,
        principal: None,
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Every request that is not an internal endpoint.
async fn aws(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let rid = request_id();
    let (parts, body) = req.into_parts();
    if let Some(route) =
        crate::lambda::url::route_of(header_str(&parts.headers, "host"), parts.uri.path())
    {
        return super::lambda_url::serve(&state, parts, body, route, &rid).await;
    }
    let lambda_path = super::refusal::is_lambda_path(parts.uri.path());
    let scope = scope_of(&parts.headers, parts.uri.query().unwrap_or(""));
    if crate::s3::is_s3(&parts, scope.service.as_deref(), lambda_path) {
        let ctx = context(&state, &parts.headers, &scope);
        return state.s3_front.serve(ctx, parts, body, &rid).await;
    }
    if lambda_path {
        return lambda(&state, parts, body, &rid).await;
    }
    let target = header_str(&parts.headers, "x-amz-target").map(str::to_string);
    let json_protocol = target.is_some();
    let body = match axum::body::to_bytes(body, MAX_QUERY_BODY).await {
        Ok(b) => b,
        Err(_) => {
            let err = SqsError::new(
                SqsErrorCode::RequestEntityTooLarge,
                format!("Request body is larger than {MAX_QUERY_BODY} bytes."),
            );
            let protocol = if json_protocol {
                Protocol::Json
            } else {
                Protocol::Query
            };
            return to_response(sqs_codec::error_reply(protocol, &err, &rid), &rid);
        }
    };
    let query_string = parts.uri.query().unwrap_or("");
    let ctx = context(&state, &parts.headers, &scope);
    if let Err(f) = check_auth(&state, &parts, &body) {
        let shape = if json_protocol {
            Shape::Json
        } else {
            Shape::Query
        };
        return refusal::auth_failure(shape, &f, &rid);
    }

    if let Some(target) = target {
        if let Some(action) = target.strip_prefix(crate::logs::codec::TARGET_PREFIX) {
            let reply = crate::logs::codec::handle(&state.logs, &ctx, action, &body);
            return respond(reply, &rid, "logs", action);
        }
        let reply = match target.strip_prefix("AmazonSQS.") {
            Some(action) => {
                sqs_codec::handle_traced(
                    &state.sqs,
                    &ctx,
                    action,
                    Params::Json(body),
                    &rid,
                    header_str(&parts.headers, "x-amzn-trace-id"),
                )
                .await
            }
            None => sqs_codec::error_reply(
                Protocol::Json,
                &SqsError::new(
                    SqsErrorCode::UnknownOperation,
                    format!("The target {target} is not served by this endpoint."),
                ),
                &rid,
            ),
        };
        return respond(reply, &rid, "sqs", &target);
    }

    let path = parts.uri.path();

    // Query protocol: parameters from the query string and, for form posts, the body.
    let mut pairs = match query::parse_form(query_string.as_bytes()) {
        Some(p) => p,
        None => return malformed(&rid, "The query string is not valid UTF-8."),
    };
    let is_form = header_str(&parts.headers, "content-type").is_some_and(|c| {
        c.to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    if parts.method == Method::POST
        && (is_form || (!body.is_empty() && body.first() != Some(&b'{')))
    {
        match query::parse_form(&body) {
            Some(p) => pairs.extend(p),
            None => return malformed(&rid, "The request body is not valid form-encoded UTF-8."),
        }
    }
    let mut action = None;
    let mut version = None;
    pairs.retain(|(k, v)| match k.as_str() {
        "Action" => {
            action = Some(v.clone());
            false
        }
        "Version" => {
            version = Some(v.clone());
            false
        }
        k => !is_auth_param(k),
    });
    // A queue URL's path: `/<account>/<name>` or `/queue/<region>/<account>/<name>`.
    let queue_path = path.trim_matches('/').contains('/');
    let query_protocol = Protocol::query_for_accept(header_str(&parts.headers, "accept"));
    let Some(action) = action.filter(|a| !a.is_empty()) else {
        if parts.method == Method::GET && path == "/" {
            return fogbank_health(&state);
        }
        if queue_path {
            // What AWS answers a queue URL asked nothing (test_get_without_query_returns_unknown_operation).
            return to_response(
                Reply::xml(404, "<UnknownOperationException/>".to_string()),
                &rid,
            );
        }
        let err = SqsError::new(
            SqsErrorCode::MissingAction,
            "The request must contain the parameter Action.",
        );
        return to_response(sqs_codec::error_reply(query_protocol, &err, &rid), &rid);
    };
    let service = match version.as_deref() {
        Some(sqs_codec::VERSION) => "sqs",
        Some("2010-03-31") => "sns",
        Some(crate::sts::codec::VERSION) => "sts",
        Some(crate::iam::codec::VERSION) => "iam",
        _ => match scope.service.as_deref() {
            Some("sns") => "sns",
            Some("sqs") => "sqs",
            Some("sts") => "sts",
            Some("iam") => "iam",
            _ if sqs_codec::ACTIONS.contains(&action.as_str()) => "sqs",
            _ if sns_codec::ACTIONS.contains(&action.as_str()) => "sns",
            _ if crate::sts::codec::ACTIONS.contains(&action.as_str()) => "sts",
            _ if crate::iam::codec::ACTIONS.contains(&action.as_str()) => "iam",
            _ => "unknown",
        },
    };
    match service {
        "sqs" => {
            if queue_path && matches!(action.as_str(), "CreateQueue" | "ListQueues") {
                // Actions of the service endpoint, not of a queue (test_get_create_queue_fails).
                let err = SqsError::new(
                    SqsErrorCode::InvalidAction,
                    format!("The action {action} is not valid for this endpoint."),
                );
                return respond(
                    sqs_codec::error_reply(query_protocol, &err, &rid),
                    &rid,
                    "sqs",
                    &action,
                );
            }
            // Old SDKs and plain GETs address the queue URL and may leave QueueUrl out; the
            // host is kept, as it may tell the queue's region.
            if queue_path && !pairs.iter().any(|(k, _)| k == "QueueUrl") {
                pairs.push(("QueueUrl".to_string(), format!("http://{}{path}", ctx.host)));
            }
            let params = match query_protocol {
                Protocol::QueryJson => Params::QueryJson(pairs),
                _ => Params::Query(pairs),
            };
            let reply = sqs_codec::handle_traced(
                &state.sqs,
                &ctx,
                &action,
                params,
                &rid,
                header_str(&parts.headers, "x-amzn-trace-id"),
            )
            .await;
            respond(reply, &rid, "sqs", &action)
        }
        "sns" => {
            let trace = header_str(&parts.headers, "x-amzn-trace-id");
            let reply = sns_codec::handle_traced(&state.sns, &ctx, &action, pairs, &rid, trace);
            respond(reply, &rid, "sns", &action)
        }
        "sts" => {
            let json = header_str(&parts.headers, "accept").is_some_and(|a| a.contains("json"));
            let reply = crate::sts::codec::handle(
                &state.sts,
                &ctx,
                &state.config.default_account,
                &action,
                &pairs,
                json,
                &rid,
            );
            respond(reply, &rid, "sts", &action)
        }
        "iam" => {
            let json = header_str(&parts.headers, "accept").is_some_and(|a| a.contains("json"));
            let reply = crate::iam::codec::handle(&state.iam, &ctx, &action, &pairs, json, &rid);
            respond(reply, &rid, "iam", &action)
        }
        _ => {
            let err = SqsError::new(
                SqsErrorCode::InvalidAction,
                format!("The action {action} is not valid for this endpoint."),
            );
            to_response(sqs_codec::error_reply(Protocol::Query, &err, &rid), &rid)
        }
    }
}

/// A Lambda REST request (the body may carry a 50 MB zip).
async fn lambda(
    state: &AppState,
    parts: axum::http::request::Parts,
    body: Body,
    rid: &str,
) -> Response {
    let body = match axum::body::to_bytes(body, lambda_rest::MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            let e = lambda_rest::too_large(&parts.method, parts.uri.path());
            return lambda_rest::error_reply(&e, rid);
        }
    };
    let query_string = parts.uri.query().unwrap_or("");
    let scope = scope_of(&parts.headers, query_string);
    let ctx = context(state, &parts.headers, &scope);
    if let Err(f) = check_auth(state, &parts, &body) {
        return refusal::auth_failure(Shape::Lambda, &f, rid);
    }
    lambda_rest::handle(&state.lambda, &ctx, &parts, body, rid).await
}

/// In strict mode, verify the request's SigV4 signature. The links SNS puts in its messages
/// (SubscribeURL, UnsubscribeURL: GETs carrying an unguessable token or subscription ARN) are
/// served unsigned, as AWS serves them.
fn check_auth(
    state: &AppState,
    parts: &axum::http::request::Parts,
    body: &[u8],
) -> Result<(), super::sigv4::AuthFailure> {
    let Some(creds) = &state.config.strict_auth else {
        return Ok(());
    };
    if parts.method == Method::GET
        && parts.uri.path() == "/"
        && !parts.headers.contains_key(header::AUTHORIZATION)
        && super::guard::is_sns_link(parts.uri.query().unwrap_or(""))
        && !parts
            .uri
            .query()
            .is_some_and(|q| q.contains("X-Amz-Signature="))
    {
        return Ok(());
    }
    super::credentials::verify(state, parts, body, creds)
        .inspect_err(|f| tracing::info!(code = f.code, "request refused: {}", f.message))
}

/// Render a reply, logging one line for a failed request: service, action, error code.
fn respond(reply: Reply, rid: &str, service: &str, action: &str) -> Response {
    if reply.status >= 400 {
        let code = error_code(&reply).unwrap_or_default();
        tracing::info!(
            service,
            action,
            status = reply.status,
            code,
            request_id = rid,
            "request failed"
        );
    }
    to_response(reply, rid)
}

/// The AWS error code of an error reply (JSON `__type` or XML `<Code>`).
fn error_code(reply: &Reply) -> Option<String> {
    let body = std::str::from_utf8(&reply.body).ok()?;
    if let Some(i) = body.find("<Code>") {
        let rest = &body[i + 6..];
        return rest.find("</Code>").map(|j| rest[..j].to_string());
    }
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v["__type"]
        .as_str()
        .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
}

fn is_auth_param(k: &str) -> bool {
    k.starts_with("X-Amz-")
        || matches!(
            k,
            "AWSAccessKeyId"
                | "Signature"
                | "SignatureMethod"
                | "SignatureVersion"
                | "Timestamp"
                | "Expires"
                | "SecurityToken"
        )
}

fn malformed(rid: &str, message: &str) -> Response {
    let err = SqsError::new(SqsErrorCode::InvalidQueryParameter, message);
    to_response(sqs_codec::error_reply(Protocol::Query, &err, rid), rid)
}
