//! The server's side of durable state: opening the data dir and restoring the engines at
//! start, holding every answer until what it changed is committed, and the snapshot
//! endpoints (`GET/POST /_fogbank/state`).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::router::AppState;
use crate::store::{self, Durable, Journal, Store, snapshot};

/// Largest snapshot `POST /_fogbank/state` accepts.
const MAX_SNAPSHOT: usize = 1024 * 1024 * 1024;

/// Where and how state is kept (`--data-dir`, `--durability`).
#[derive(Debug, Clone)]
pub struct StorageSettings {
    pub data_dir: std::path::PathBuf,
    pub durability: store::Durability,
}

impl AppState {
    /// The engines that keep durable state, in restore order.
    pub fn durables(&self) -> Vec<&dyn Durable> {
        vec![
            self.sqs.as_ref(),
            self.sns.as_ref(),
            self.lambda.as_ref(),
            self.s3.as_ref(),
            self.iam.as_ref(),
            self.sts.as_ref(),
            self.logs.as_ref(),
        ]
    }

    /// The store's journal, when the data dir is on.
    pub fn journal(&self) -> Option<&Journal> {
        self.store.as_ref().map(|s| &s.journal)
    }

    /// New state from a config: with a data dir, open it (refusing one in use, corrupt or
    /// newer), restore every engine from it and start journaling; then load `--load-state`.
    pub fn open(config: crate::config::Config) -> Result<Arc<Self>, String> {
        let started = std::time::Instant::now();
        let (store, loaded) = match &config.storage {
            None => (None, None),
            Some(s) => {
                let (store, loaded) =
                    Store::open(&s.data_dir, s.durability).map_err(|e| e.to_string())?;
                (Some(store), Some(loaded))
            }
        };
        let load_state = config.load_state.clone();
        let state = Self::build(config, store);
        match state.restore_at_start(loaded, load_state, started) {
            Ok(()) => Ok(state),
            Err(e) => {
                // Nothing will serve this state: stop the store's writer and let the data dir go.
                state.shutdown();
                state.close_store();
                Err(e)
            }
        }
    }

    /// What `open` loads into a new state: the data dir's contents, then `--load-state`.
    fn restore_at_start(
        &self,
        loaded: Option<store::Loaded>,
        load_state: Option<std::path::PathBuf>,
        started: std::time::Instant,
    ) -> Result<(), String> {
        let state = self;
        if let Some(mut loaded) = loaded {
            let sqs = std::mem::take(&mut loaded.sqs);
            // The messages are read on the store's own thread while they are restored here.
            let messages = state
                .sqs
                .restore_from_store(loaded.take("sqs"), sqs)
                .map_err(|e| format!("{}: {e}", state.data_dir_display()))?;
            for d in state.durables() {
                if d.service() == "sqs" {
                    continue;
                }
                d.restore(loaded.take(d.service()))
                    .map_err(|e| format!("{}: {e}", state.data_dir_display()))?;
            }
            if let Some(j) = state.journal() {
                for d in state.durables() {
                    d.attach_journal(j.clone());
                }
            }
            if let Some(s) = &state.config.storage {
                tracing::info!(
                    data_dir = %s.data_dir.display(),
                    durability = ?s.durability,
                    messages,
                    ms = started.elapsed().as_millis() as u64,
                    "state loaded from the data dir"
                );
            }
        }
        if let Some(path) = load_state {
            let bytes = std::fs::read(&path)
                .map_err(|e| format!("--load-state {}: {e}", path.display()))?;
            let states = snapshot::parse(&bytes)
                .map_err(|e| format!("--load-state {}: {e}", path.display()))?;
            let loaded = snapshot::load(&state.durables(), state.journal(), states)
                .map_err(|e| format!("--load-state {}: {e}", path.display()))?;
            tracing::info!(file = %path.display(), services = ?loaded, "state loaded");
        }
        Ok(())
    }

    fn data_dir_display(&self) -> String {
        self.config
            .storage
            .as_ref()
            .map(|s| store::sqlite::db_path(&s.data_dir).display().to_string())
            .unwrap_or_default()
    }

    /// Write what is pending and release the data dir (after the last request).
    pub fn close_store(&self) {
        if let Some(s) = &self.store {
            s.close();
        }
    }
}

/// Middleware: an answer leaves only once everything journaled before it is committed.
pub(super) async fn wait_durable(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(req).await;
    let Some(journal) = state.journal() else {
        return response;
    };
    if journal.is_idle() {
        return response;
    }
    match journal.wait_durable().await {
        Ok(()) => response,
        Err(e) => store_failure(&e),
    }
}

fn store_failure(reason: &str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(json!({
            "__type": "ServiceUnavailable",
            "message": format!("fogbank cannot store state: {reason}"),
        })),
    )
        .into_response()
}

fn service_param(query: Option<&str>) -> Result<Option<String>, &'static str> {
    let service = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "service")
        .map(|(_, v)| v.into_owned());
    match service.as_deref() {
        None | Some("sqs" | "sns" | "lambda" | "s3" | "iam" | "sts" | "logs") => Ok(service),
        Some(_) => Err("service must be sqs, sns, lambda, s3, iam, sts or logs"),
    }
}

fn bad_request(msg: &str) -> Response {
    (StatusCode::BAD_REQUEST, axum::Json(json!({"error": msg}))).into_response()
}

/// `GET /_fogbank/state[?service=sqs]`: the whole state (or one service's) as a snapshot file.
pub(super) async fn get_state(
    State(state): State<Arc<AppState>>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let service = match service_param(query.as_deref()) {
        Ok(s) => s,
        Err(msg) => return bad_request(msg),
    };
    let now = state.config.clock.now_millis();
    let st = state.clone();
    // Written to an unlinked temp file and streamed from it: S3 bodies can be large, and the
    // export reads and encodes them a piece at a time (`snapshot::export_to`).
    let exported = tokio::task::spawn_blocking(move || -> Result<std::fs::File, String> {
        let path = std::env::temp_dir().join(format!(
            "fogbank-state-{}.json",
            uuid::Uuid::new_v4().simple()
        ));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()));
        // Unlinked at once: the open file is all that is left of it.
        let _ = std::fs::remove_file(&path);
        let mut file = file?;
        {
            let w = std::io::BufWriter::with_capacity(256 * 1024, &mut file);
            snapshot::export_to(&st.durables(), service.as_deref(), now, w)?;
        }
        use std::io::Seek;
        file.seek(std::io::SeekFrom::Start(0))
            .map_err(|e| e.to_string())?;
        Ok(file)
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    match exported {
        Ok(file) => {
            let len = file.metadata().map(|m| m.len()).ok();
            let stream =
                futures::stream::unfold(Some(tokio::fs::File::from_std(file)), |f| async move {
                    use tokio::io::AsyncReadExt;
                    let mut f = f?;
                    let mut buf = vec![0u8; 256 * 1024];
                    match f.read(&mut buf).await {
                        Ok(0) => None,
                        Ok(n) => {
                            buf.truncate(n);
                            Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buf)), Some(f)))
                        }
                        // The reply ends (cut short) after the error.
                        Err(e) => Some((Err(e), None)),
                    }
                });
            let mut r = Response::new(Body::from_stream(stream));
            if let Some(n) = len {
                r.headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(n));
            }
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r.headers_mut().insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"fogbank-state.json\""),
            );
            r
        }
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({"error": e})),
        )
            .into_response(),
    }
}

/// `POST /_fogbank/state`: replace the state of every service the posted snapshot contains.
/// A file that does not parse or check is a 400 that changes nothing.
pub(super) async fn post_state(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let body = match axum::body::to_bytes(req.into_body(), MAX_SNAPSHOT).await {
        Ok(b) => b,
        Err(_) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                axum::Json(json!({"error": "state file larger than 1 GiB"})),
            )
                .into_response();
        }
    };
    let st = state.clone();
    let result = tokio::task::spawn_blocking(move || {
        let states = snapshot::parse(&body)?;
        snapshot::load(&st.durables(), st.journal(), states)
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    match result {
        Ok(services) => axum::Json(json!({"loaded": services})).into_response(),
        Err(e) => bad_request(&e),
    }
}
