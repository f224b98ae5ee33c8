//! Durable state (`--data-dir`): a SQLite database in WAL mode, written by one thread that
//! commits the changes of the moment in one transaction (group commit).
//!
//! Engines keep serving from memory. When a data dir is given, each engine holds a
//! [`Journal`] and reports every change of its durable state to it (a resource record put or
//! deleted, an SQS message stored, received or deleted) while it still holds the lock under
//! which it made the change, so the journal sees one service's changes in the order they
//! happened. The server waits, before it answers any request, until everything journaled so
//! far is committed ([`Journal::wait_durable`]): what a client was told is stored is in the
//! database (and, with `--durability machine`, on the disk) before the answer leaves.
//!
//! Without a data dir there is no journal and nothing here runs.
//!
//! Every service exports and restores its state as [`ServiceState`]: typed records (serde
//! JSON) and blobs (Lambda code, S3 object bodies). The same records are the rows of the `resources` table and
//! the entries of a snapshot file (see [`snapshot`]). SQS messages have tables of their own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub(crate) mod rows;
pub mod snapshot;
pub(crate) mod sqlite;
pub(crate) mod writer;

pub use rows::MessageRows;
pub use sqlite::{Loaded, SqsLoaded, Store, StoreError};
pub use writer::{Batch, Journal};

/// How far an acknowledged change survives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Safe against a crash of the process: a change is handed to the OS (written to the WAL)
    /// before the answer. A power loss may lose the last changes.
    #[default]
    Process,
    /// Safe against a crash of the machine: the WAL is fsynced before the answer (one fsync
    /// per group commit).
    Machine,
}

impl std::str::FromStr for Durability {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "process" => Ok(Durability::Process),
            "machine" => Ok(Durability::Machine),
            other => Err(format!(
                "unknown durability '{other}' (expected process or machine)"
            )),
        }
    }
}

/// One resource of a service's state: `kind` (`<service>.<what>`, e.g. `sns.topic`), a key
/// unique within the kind (usually the ARN), and the typed record as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub kind: String,
    pub key: String,
    pub value: serde_json::Value,
}

impl Record {
    /// A record from any serializable value.
    pub fn new<T: Serialize>(kind: &str, key: &str, value: &T) -> Result<Record, String> {
        Ok(Record {
            kind: kind.to_string(),
            key: key.to_string(),
            value: serde_json::to_value(value).map_err(|e| format!("{kind} {key}: {e}"))?,
        })
    }

    /// The typed value, with an error naming the record.
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        T::deserialize(&self.value).map_err(|e| format!("{} {}: {e}", self.kind, self.key))
    }
}

/// Bytes a service keeps beside its records (Lambda code, S3 bodies): held in memory (a snapshot) or in
/// a file (the data dir).
#[derive(Debug, Clone, PartialEq)]
pub enum Blob {
    Bytes(Arc<Vec<u8>>),
    File(PathBuf),
}

impl Blob {
    /// The whole content.
    pub fn read(&self) -> std::io::Result<Vec<u8>> {
        match self {
            Blob::Bytes(b) => Ok(b.as_ref().clone()),
            Blob::File(p) => std::fs::read(p),
        }
    }
}

/// A service's whole durable state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceState {
    /// In an order `restore` accepts (a resource before the ones that refer to it).
    pub records: Vec<Record>,
    /// By blob name (`<service>/...`, see [`valid_blob_name`]).
    pub blobs: BTreeMap<String, Blob>,
}

/// An engine whose state can be exported, checked and restored (snapshots, the data dir).
pub trait Durable: Send + Sync {
    /// `sqs`, `sns`, `lambda` or `s3`: every record kind and blob name starts with it.
    fn service(&self) -> &'static str;
    /// Everything durable, as records and blobs.
    fn export(&self) -> ServiceState;
    /// Check a state without changing anything: every record decodes and is consistent. A
    /// state that passes must restore without error.
    fn check(&self, state: &ServiceState) -> Result<(), String>;
    /// Replace the whole state of the service with `state` (running work such as environments
    /// or pollers of the old state is stopped; what the new state needs starts). It does not
    /// journal: the caller writes the exported result to the store when there is one.
    fn restore(&self, state: ServiceState) -> Result<(), String>;
    /// From now on, report every change to `journal`.
    fn attach_journal(&self, journal: Journal);
    /// Write the whole current state to `journal` in place of what it held for the service
    /// (after a snapshot was loaded).
    fn journal_all(&self, journal: &Journal) {
        journal.replace_service(self.service(), &self.export());
    }
}

/// Blob names are relative paths of plain segments (`[A-Za-z0-9._-]`, no `.`/`..`), starting
/// with the service: they become file names under the data dir.
pub fn valid_blob_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && name.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
}

/// Where blob `name` lives under a data dir.
pub(crate) fn blob_path(dir: &Path, name: &str) -> PathBuf {
    dir.join("blobs").join(name)
}

#[cfg(test)]
mod tests;
