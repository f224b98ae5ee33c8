//! The journal engines report changes to, and the one thread that writes them to SQLite.
//!
//! `Journal::push` appends an operation to a shared batch under a mutex and counts it; the
//! writer thread takes the whole batch at once, applies it in one transaction, commits, and
//! publishes how many operations are committed. A request waits (`wait_durable`) until the
//! count it saw when it finished is committed: the requests of the moment share one commit.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use serde::Serialize;
use tokio::sync::watch;

use super::{Durability, ServiceState, blob_path, valid_blob_name};
use crate::sqs::queue::{DedupEntry, StoredMessage};

/// One change to write.
pub(crate) enum Op {
    Put {
        kind: Box<str>,
        key: Box<str>,
        value: String,
    },
    Delete {
        kind: Box<str>,
        key: Box<str>,
    },
    /// Remove every resource of `kind` whose key starts with `prefix`.
    DeletePrefix {
        kind: Box<str>,
        prefix: Box<str>,
    },
    /// Remove every record, message and dedup entry of a service (and its blobs after the
    /// commit).
    ClearService(&'static str),
    /// Remove a blob file once the batch that stops referring to it is committed, unless it
    /// was written again after the deletion was asked for (`written` is the name's write count
    /// at that moment).
    DeleteBlob {
        name: String,
        written: u64,
    },
    MsgInsert {
        queue: u64,
        msg: Box<StoredMessage>,
    },
    /// The receive-related fields of a stored message changed.
    MsgUpdate {
        queue: u64,
        seq: u64,
        visible_at: u64,
        receive_count: u32,
        first_receive_ms: u64,
        received_ms: u64,
        generation: u32,
    },
    MsgDelete {
        queue: u64,
        seq: u64,
    },
    /// Every message and dedup entry of a queue.
    MsgPurge {
        queue: u64,
        dedup_too: bool,
    },
    DedupPut {
        queue: u64,
        key: String,
        entry: DedupEntry,
    },
    DedupDelete {
        queue: u64,
        key: String,
    },
}

/// Progress of the writer, published to waiters.
#[derive(Debug, Clone, Default)]
pub(crate) struct Progress {
    pub committed: u64,
    pub failed: Option<Arc<str>>,
}

pub(crate) struct Pending {
    pub ops: Vec<Op>,
    pub enqueued: u64,
    pub closed: bool,
}

pub(crate) struct Shared {
    pub pending: Mutex<Pending>,
    pub wake: Condvar,
    /// Mirror of `pending.enqueued`, read without the lock by `wait_durable`.
    pub enqueued: AtomicU64,
    pub progress: watch::Sender<Progress>,
    pub dir: PathBuf,
    pub durability: Durability,
    pub writer: Mutex<Option<JoinHandle<()>>>,
    /// How many times each blob name was written; held while a blob file is renamed into
    /// place or removed, so that a deletion asked for before a rewrite never removes the new
    /// file.
    pub blob_writes: Mutex<HashMap<String, u64>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn blob_writes(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        self.blob_writes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Remove the blobs of a committed batch that were not written again since.
    pub(crate) fn remove_blobs(&self, blobs: Vec<(String, u64)>) {
        for (name, written) in blobs {
            let writes = self.blob_writes();
            if writes.get(&name).copied().unwrap_or(0) == written {
                let _ = std::fs::remove_file(blob_path(&self.dir, &name));
            }
        }
    }
}

fn put_op<T: Serialize + ?Sized>(kind: &str, key: &str, value: &T) -> Option<Op> {
    match serde_json::to_string(value) {
        Ok(value) => Some(Op::Put {
            kind: kind.into(),
            key: key.into(),
            value,
        }),
        // Records are plain data; this cannot happen short of a bug in a record type.
        Err(e) => {
            tracing::error!("cannot encode {kind} {key} for the store: {e}");
            None
        }
    }
}

/// Changes gathered to be journaled together ([`Journal::push_batch`]): for a caller that
/// makes many at once under one lock (a batch of log events), so that the journal's lock and
/// the writer's wake-up are taken once, not per change.
#[derive(Default)]
pub struct Batch {
    ops: Vec<Op>,
}

impl Batch {
    /// As [`Journal::put`].
    pub fn put<T: Serialize + ?Sized>(&mut self, kind: &str, key: &str, value: &T) {
        if let Some(op) = put_op(kind, key, value) {
            self.ops.push(op);
        }
    }

    /// As [`Journal::delete`].
    pub fn delete(&mut self, kind: &str, key: &str) {
        self.ops.push(Op::Delete {
            kind: kind.into(),
            key: key.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// Where engines report changes of durable state; cheap to clone.
#[derive(Clone)]
pub struct Journal {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("dir", &self.shared.dir)
            .finish()
    }
}

impl Journal {
    pub(crate) fn push(&self, op: Op) {
        let mut p = self.shared.lock();
        p.ops.push(op);
        p.enqueued += 1;
        self.shared.enqueued.store(p.enqueued, Ordering::Release);
        drop(p);
        self.shared.wake.notify_one();
    }

    /// Record (or replace) the resource `kind`/`key`. `kind` starts with the service
    /// (`sns.topic`); `value` is the typed record.
    pub fn put<T: Serialize + ?Sized>(&self, kind: &str, key: &str, value: &T) {
        if let Some(op) = put_op(kind, key, value) {
            self.push(op);
        }
    }

    /// Forget the resource `kind`/`key`.
    pub fn delete(&self, kind: &str, key: &str) {
        self.push(Op::Delete {
            kind: kind.into(),
            key: key.into(),
        });
    }

    /// Journal the changes gathered in `batch` (emptying it), in their order, as one push:
    /// one lock of the pending batch and one wake-up of the writer for all of them.
    pub fn push_batch(&self, batch: &mut Batch) {
        if batch.ops.is_empty() {
            return;
        }
        let mut p = self.shared.lock();
        p.enqueued += batch.ops.len() as u64;
        p.ops.append(&mut batch.ops);
        self.shared.enqueued.store(p.enqueued, Ordering::Release);
        drop(p);
        self.shared.wake.notify_one();
    }

    /// Forget every resource of `kind` whose key starts with `prefix` (one statement, however
    /// many there are). No key of another owner may start with `prefix`: end it with a
    /// separator their keys cannot have at that place.
    pub fn delete_prefix(&self, kind: &str, prefix: &str) {
        self.push(Op::DeletePrefix {
            kind: kind.into(),
            prefix: prefix.into(),
        });
    }

    /// Write a blob file now (before the records that refer to it are journaled); replaces
    /// any blob of that name. With `--durability machine` the file is fsynced.
    pub fn put_blob(&self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.blob_target(name)?;
        let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        std::fs::write(&tmp, bytes)?;
        self.finish_blob(name, &tmp, &path)
    }

    /// [`Journal::put_blob`] from a file (copied).
    pub fn put_blob_file(&self, name: &str, source: &std::path::Path) -> std::io::Result<()> {
        let path = self.blob_target(name)?;
        if path == source {
            return Ok(());
        }
        let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        std::fs::copy(source, &tmp)?;
        self.finish_blob(name, &tmp, &path)
    }

    fn blob_target(&self, name: &str) -> std::io::Result<PathBuf> {
        if !valid_blob_name(name) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("invalid blob name {name:?}"),
            ));
        }
        let path = blob_path(&self.shared.dir, name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        Ok(path)
    }

    fn finish_blob(
        &self,
        name: &str,
        tmp: &std::path::Path,
        path: &std::path::Path,
    ) -> std::io::Result<()> {
        if self.shared.durability == Durability::Machine {
            std::fs::File::open(tmp)?.sync_all()?;
        }
        {
            let mut writes = self.shared.blob_writes();
            std::fs::rename(tmp, path).inspect_err(|_| {
                let _ = std::fs::remove_file(tmp);
            })?;
            *writes.entry(name.to_string()).or_default() += 1;
        }
        if self.shared.durability == Durability::Machine
            && let Some(parent) = path.parent()
        {
            std::fs::File::open(parent)?.sync_all()?;
        }
        Ok(())
    }

    /// Where blob `name` is (or will be) stored.
    pub fn blob_path(&self, name: &str) -> PathBuf {
        blob_path(&self.shared.dir, name)
    }

    /// Remove blob `name` once the changes journaled so far are committed.
    pub fn delete_blob(&self, name: &str) {
        if valid_blob_name(name) {
            let written = self.shared.blob_writes().get(name).copied().unwrap_or(0);
            self.push(Op::DeleteBlob {
                name: name.to_string(),
                written,
            });
        }
    }

    /// Replace everything stored for `state`'s service with `state` (a snapshot was loaded).
    pub fn replace_service(&self, service: &'static str, state: &ServiceState) {
        self.push(Op::ClearService(service));
        for r in &state.records {
            self.push(Op::Put {
                kind: r.kind.as_str().into(),
                key: r.key.as_str().into(),
                value: r.value.to_string(),
            });
        }
        for (name, blob) in &state.blobs {
            let written = match blob {
                super::Blob::Bytes(b) => self.put_blob(name, b),
                super::Blob::File(p) => self.put_blob_file(name, p),
            };
            if let Err(e) = written {
                tracing::error!("cannot store blob {name}: {e}");
            }
        }
    }

    /// Remove everything stored for `service`.
    pub fn clear_service(&self, service: &'static str) {
        self.push(Op::ClearService(service));
    }

    /// Wait until every change journaled so far (by anyone) is committed. `Err` when the
    /// store failed: the caller must not report success.
    pub async fn wait_durable(&self) -> Result<(), Arc<str>> {
        let target = self.shared.enqueued.load(Ordering::Acquire);
        let mut rx = self.shared.progress.subscribe();
        let progress = rx
            .wait_for(|p| p.committed >= target || p.failed.is_some())
            .await
            .map(|p| p.clone())
            .unwrap_or_else(|_| Progress {
                committed: 0,
                failed: Some("the store's writer stopped".into()),
            });
        match progress.failed {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Whether nothing journaled is still waiting for its commit.
    pub fn is_idle(&self) -> bool {
        self.shared.progress.borrow().committed >= self.shared.enqueued.load(Ordering::Acquire)
    }

    /// The data dir.
    pub fn dir(&self) -> &std::path::Path {
        &self.shared.dir
    }

    /// Commit what is pending, checkpoint the WAL and stop the writer (at shutdown). Later
    /// changes are not written.
    pub fn close(&self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_one();
        let handle = self
            .shared
            .writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(h) = handle {
            let _ = h.join();
        }
        self.shared.progress.send_modify(|p| {
            if p.failed.is_none() {
                p.failed = Some("fogbank is shutting down".into());
            }
        });
    }
}

/// The writer thread's loop: take the batch, write it in one transaction, publish progress.
pub(crate) fn run(shared: Arc<Shared>, mut conn: rusqlite::Connection) {
    let mut spare: Vec<Op> = Vec::new();
    // Test hook: hold every batch this long before writing it, so that the crash test can
    // show that no answer leaves before its commit (it would be lost by a kill in the gap).
    let hold = std::env::var("FOGBANK_TEST_COMMIT_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(std::time::Duration::from_millis);
    loop {
        let (mut batch, target, closing) = {
            let mut p = shared.lock();
            while p.ops.is_empty() && !p.closed {
                p = shared.wake.wait(p).unwrap_or_else(|e| e.into_inner());
            }
            let batch = std::mem::replace(&mut p.ops, std::mem::take(&mut spare));
            (batch, p.enqueued, p.closed)
        };
        if !batch.is_empty() {
            if let Some(hold) = hold {
                std::thread::sleep(hold);
            }
            let result = super::sqlite::apply(&mut conn, &mut batch);
            match result {
                Ok(blobs) => {
                    shared.remove_blobs(blobs);
                    shared.progress.send_modify(|p| p.committed = target);
                }
                Err(e) => {
                    let msg = format!(
                        "writing to {}: {e}",
                        super::sqlite::db_path(&shared.dir).display()
                    );
                    tracing::error!("durable store failed, refusing further requests: {msg}");
                    shared.progress.send_modify(|p| p.failed = Some(msg.into()));
                    // Keep draining so that pushers never block on a dead writer.
                }
            }
            batch.clear();
            spare = batch;
        }
        if closing && shared.lock().ops.is_empty() {
            let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
            return;
        }
    }
}
