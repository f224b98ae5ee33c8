//! The SQLite side of the store: opening (lock file, format check), the schema, loading at
//! start, and applying a batch of journaled operations in one transaction.
//!
//! Layout of a data dir:
//! - `fogbank.lock`: held with `flock` while a fogbank uses the dir (holds its pid);
//! - `fogbank.db` (+ `-wal`, `-shm`): tables `meta`, `resources`, `sqs_messages`, `sqs_dedup`;
//! - `blobs/<service>/...`: files such as Lambda code packages.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Condvar, Mutex};

use rusqlite::{Connection, OptionalExtension, params};

use super::writer::{Journal, Op, Pending, Progress, Shared};
use super::{Blob, Durability, Record, ServiceState};
use crate::sqs::queue::DedupEntry;

/// The format this build writes. A store with a larger number is refused.
pub const FORMAT_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS resources (
    kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (kind, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sqs_messages (
    queue INTEGER NOT NULL, seq INTEGER NOT NULL,
    id BLOB NOT NULL, body TEXT NOT NULL, md5 BLOB NOT NULL,
    sent_ms INTEGER NOT NULL, visible_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL, first_receive_ms INTEGER NOT NULL,
    received_ms INTEGER NOT NULL, generation INTEGER NOT NULL,
    extra TEXT,
    PRIMARY KEY (queue, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sqs_dedup (
    queue INTEGER NOT NULL, key TEXT NOT NULL,
    expires INTEGER NOT NULL, message_id BLOB NOT NULL, sequence_number TEXT NOT NULL,
    PRIMARY KEY (queue, key)) WITHOUT ROWID;
";

/// Why a data dir cannot be used.
#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

/// The database file of a data dir.
pub fn db_path(dir: &Path) -> PathBuf {
    dir.join("fogbank.db")
}

/// SQS data that does not go through records (too many to decode as JSON at start).
#[derive(Debug, Default)]
pub struct SqsLoaded {
    /// `(queue id, message)` in queue, then send order, read while they are restored.
    pub messages: super::rows::MessageRows,
    pub dedup: Vec<(u64, String, DedupEntry)>,
    /// Starts of this data dir so far, this one included (1 for a new dir).
    pub boot: u64,
    /// The receipt-handle secret (kept so that handles survive a restart).
    pub secret: u64,
}

/// What a data dir held at start.
#[derive(Debug, Default)]
pub struct Loaded {
    /// By service (`sqs`, `sns`, `lambda`); services with nothing stored are absent.
    pub services: BTreeMap<String, ServiceState>,
    pub sqs: SqsLoaded,
}

impl Loaded {
    /// Records and blobs of `service` (empty when nothing was stored).
    pub fn take(&mut self, service: &str) -> ServiceState {
        self.services.remove(service).unwrap_or_default()
    }
}

/// An open data dir: its lock, and the journal that writes to it.
pub struct Store {
    pub journal: Journal,
    lock: Mutex<Option<File>>,
}

impl Store {
    /// Commit what is pending, stop the writer and release the data dir's lock.
    pub fn close(&self) {
        self.journal.close();
        self.lock.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

impl Store {
    /// Lock `dir`, open (or create) its database, load everything, and start the writer.
    pub fn open(dir: &Path, durability: Durability) -> Result<(Store, Loaded), StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError(format!("cannot create data dir {}: {e}", dir.display())))?;
        let lock = lock_dir(dir)?;
        let db = db_path(dir);
        let fail = |e: rusqlite::Error| {
            StoreError(format!(
                "{}: not a usable fogbank store ({e}); move it away to start afresh",
                db.display()
            ))
        };
        let mut conn = Connection::open(&db).map_err(fail)?;
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=OFF;")
            .map_err(fail)?;
        let sync = match durability {
            Durability::Process => "OFF",
            Durability::Machine => "FULL",
        };
        conn.execute_batch(&format!("PRAGMA synchronous={sync};"))
            .map_err(fail)?;
        let existing: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(fail)?;
        if existing > 0 {
            let version: Option<String> = conn
                .query_row(
                    "SELECT value FROM meta WHERE key = 'format_version'",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(fail)?;
            match version.and_then(|v| v.parse::<i64>().ok()) {
                Some(v) if v <= FORMAT_VERSION => {}
                Some(v) => {
                    return Err(StoreError(format!(
                        "{}: store format {v} is newer than this fogbank understands \
                         ({FORMAT_VERSION}); use a newer fogbank",
                        db.display()
                    )));
                }
                None => {
                    return Err(StoreError(format!(
                        "{}: not a fogbank store (no format version); move it away to start afresh",
                        db.display()
                    )));
                }
            }
        }
        conn.execute_batch(SCHEMA).map_err(fail)?;
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('format_version', ?1)",
            [FORMAT_VERSION.to_string()],
        )
        .map_err(fail)?;
        let mut loaded = load(&mut conn, dir).map_err(fail)?;
        loaded.sqs.messages = super::rows::MessageRows::spawn(&db)
            .map_err(|e| StoreError(format!("cannot start reading {}: {e}", db.display())))?;
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending {
                ops: Vec::new(),
                enqueued: 0,
                closed: false,
            }),
            wake: Condvar::new(),
            enqueued: AtomicU64::new(0),
            progress: tokio::sync::watch::Sender::new(Progress::default()),
            dir: dir.to_path_buf(),
            durability,
            writer: Mutex::new(None),
            blob_writes: Mutex::new(HashMap::new()),
        });
        let writer_shared = shared.clone();
        let handle = std::thread::Builder::new()
            .name("fogbank-store".into())
            .spawn(move || super::writer::run(writer_shared, conn))
            .map_err(|e| StoreError(format!("cannot start the store writer: {e}")))?;
        *shared.writer.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
        Ok((
            Store {
                journal: Journal { shared },
                lock: Mutex::new(Some(lock)),
            },
            loaded,
        ))
    }
}

/// Take `dir/fogbank.lock` (or say which process holds it).
fn lock_dir(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join("fogbank.lock");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| StoreError(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let who = if holder.is_empty() {
                "another fogbank".to_string()
            } else {
                format!("another fogbank (pid {holder})")
            };
            return Err(StoreError(format!(
                "data dir {} is in use by {who}; stop it or choose another --data-dir",
                dir.display()
            )));
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(StoreError(format!("cannot lock {}: {e}", path.display())));
        }
    }
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = write!(file, "{}", std::process::id());
    let _ = file.flush();
    Ok(file)
}

fn meta_get(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
}

fn meta_set(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )
    .map(|_| ())
}

pub(crate) fn u128_of(blob: &[u8]) -> u128 {
    let mut raw = [0u8; 16];
    let n = blob.len().min(16);
    raw[16 - n..].copy_from_slice(&blob[blob.len() - n..]);
    u128::from_be_bytes(raw)
}

fn load(conn: &mut Connection, dir: &Path) -> rusqlite::Result<Loaded> {
    let mut loaded = Loaded::default();
    let boot = meta_get(conn, "boot")?
        .and_then(|b| b.parse::<u64>().ok())
        .unwrap_or(0)
        + 1;
    meta_set(conn, "boot", &boot.to_string())?;
    let secret = match meta_get(conn, "sqs_secret")?.and_then(|s| s.parse::<u64>().ok()) {
        Some(s) => s,
        None => {
            let s = (uuid::Uuid::new_v4().as_u128() >> 64) as u64;
            meta_set(conn, "sqs_secret", &s.to_string())?;
            s
        }
    };
    loaded.sqs.boot = boot;
    loaded.sqs.secret = secret;
    {
        let mut stmt = conn.prepare("SELECT kind, key, value FROM resources")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let kind: String = row.get(0)?;
            let key: String = row.get(1)?;
            let text: String = row.get(2)?;
            let value = serde_json::from_str(&text).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    2,
                    rusqlite::types::Type::Text,
                    format!("resource {kind} {key}: {e}").into(),
                )
            })?;
            let service = kind.split('.').next().unwrap_or_default().to_string();
            loaded
                .services
                .entry(service)
                .or_default()
                .records
                .push(Record { kind, key, value });
        }
    }
    {
        let mut stmt =
            conn.prepare("SELECT queue, key, expires, message_id, sequence_number FROM sqs_dedup")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id: Vec<u8> = row.get(3)?;
            let seqn: String = row.get(4)?;
            loaded.sqs.dedup.push((
                row.get::<_, i64>(0)? as u64,
                row.get(1)?,
                DedupEntry {
                    expires: row.get::<_, i64>(2)? as u64,
                    message_id: u128_of(&id),
                    sequence_number: seqn.parse().unwrap_or(0),
                },
            ));
        }
    }
    load_blobs(dir, &mut loaded);
    Ok(loaded)
}

/// Every file under `blobs/<service>/`, as file blobs of that service.
fn load_blobs(dir: &Path, loaded: &mut Loaded) {
    let root = dir.join("blobs");
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(rel) = path.strip_prefix(&root) else {
                continue;
            };
            let name = rel.to_string_lossy().replace('\\', "/");
            if name.contains(".tmp-") || !super::valid_blob_name(&name) {
                // A blob write that never finished.
                let _ = std::fs::remove_file(&path);
                continue;
            }
            let service = name.split('/').next().unwrap_or_default().to_string();
            loaded
                .services
                .entry(service)
                .or_default()
                .blobs
                .insert(name, Blob::File(path));
        }
    }
}

/// The least string greater than every string that starts with `prefix` (keys compare as
/// UTF-8 bytes, which is code point order): the prefix with its last character replaced by
/// the next one. `None` when there is no such string.
pub(crate) fn key_successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = u32::from(last) + 1;
        if (0xD800..0xE000).contains(&next) {
            next = 0xE000;
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

fn to_i64(v: u64) -> i64 {
    v as i64
}

/// Write one batch in one transaction; answers the blobs to remove now that it is committed.
pub(crate) fn apply(
    conn: &mut Connection,
    batch: &mut Vec<Op>,
) -> rusqlite::Result<Vec<(String, u64)>> {
    let mut blobs_to_delete = Vec::new();
    let tx = conn.transaction()?;
    for op in batch.drain(..) {
        match op {
            Op::Put { kind, key, value } => {
                tx.prepare_cached(
                    "INSERT INTO resources (kind, key, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value",
                )?
                .execute(params![&*kind, &*key, value])?;
            }
            Op::Delete { kind, key } => {
                tx.prepare_cached("DELETE FROM resources WHERE kind = ?1 AND key = ?2")?
                    .execute(params![&*kind, &*key])?;
            }
            Op::DeletePrefix { kind, prefix } => match key_successor(&prefix) {
                Some(end) => {
                    tx.prepare_cached(
                        "DELETE FROM resources WHERE kind = ?1 AND key >= ?2 AND key < ?3",
                    )?
                    .execute(params![&*kind, &*prefix, end])?;
                }
                // No string is past the prefix (empty, or only U+10FFFF): all from it on.
                None => {
                    tx.prepare_cached("DELETE FROM resources WHERE kind = ?1 AND key >= ?2")?
                        .execute(params![&*kind, &*prefix])?;
                }
            },
            Op::ClearService(service) => {
                let lo = format!("{service}.");
                let hi = format!("{service}/");
                tx.prepare_cached("DELETE FROM resources WHERE kind >= ?1 AND kind < ?2")?
                    .execute(params![lo, hi])?;
                if service == "sqs" {
                    tx.execute("DELETE FROM sqs_messages", [])?;
                    tx.execute("DELETE FROM sqs_dedup", [])?;
                }
            }
            Op::DeleteBlob { name, written } => blobs_to_delete.push((name, written)),
            Op::MsgInsert { queue, msg } => {
                let extra = msg.extra.as_deref().map(crate::sqs::state::extra_to_json);
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO sqs_messages (queue, seq, id, body, md5, sent_ms,
                        visible_at, receive_count, first_receive_ms, received_ms, generation, extra)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )?
                .execute(params![
                    to_i64(queue),
                    to_i64(msg.seq),
                    &msg.id.to_be_bytes()[..],
                    &*msg.body,
                    &msg.md5_of_body[..],
                    to_i64(msg.sent_ms),
                    to_i64(msg.visible_at),
                    msg.receive_count,
                    to_i64(msg.first_receive_ms),
                    to_i64(msg.received_ms),
                    msg.generation,
                    extra,
                ])?;
            }
            Op::MsgUpdate {
                queue,
                seq,
                visible_at,
                receive_count,
                first_receive_ms,
                received_ms,
                generation,
            } => {
                tx.prepare_cached(
                    "UPDATE sqs_messages SET visible_at = ?3, receive_count = ?4,
                        first_receive_ms = ?5, received_ms = ?6, generation = ?7
                     WHERE queue = ?1 AND seq = ?2",
                )?
                .execute(params![
                    to_i64(queue),
                    to_i64(seq),
                    to_i64(visible_at),
                    receive_count,
                    to_i64(first_receive_ms),
                    to_i64(received_ms),
                    generation,
                ])?;
            }
            Op::MsgDelete { queue, seq } => {
                tx.prepare_cached("DELETE FROM sqs_messages WHERE queue = ?1 AND seq = ?2")?
                    .execute(params![to_i64(queue), to_i64(seq)])?;
            }
            Op::MsgPurge { queue, dedup_too } => {
                tx.prepare_cached("DELETE FROM sqs_messages WHERE queue = ?1")?
                    .execute(params![to_i64(queue)])?;
                if dedup_too {
                    tx.prepare_cached("DELETE FROM sqs_dedup WHERE queue = ?1")?
                        .execute(params![to_i64(queue)])?;
                }
            }
            Op::DedupPut { queue, key, entry } => {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO sqs_dedup (queue, key, expires, message_id, sequence_number)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    to_i64(queue),
                    key,
                    to_i64(entry.expires),
                    &entry.message_id.to_be_bytes()[..],
                    entry.sequence_number.to_string(),
                ])?;
            }
            Op::DedupDelete { queue, key } => {
                tx.prepare_cached("DELETE FROM sqs_dedup WHERE queue = ?1 AND key = ?2")?
                    .execute(params![to_i64(queue), key])?;
            }
        }
    }
    tx.commit()?;
    Ok(blobs_to_delete)
}
