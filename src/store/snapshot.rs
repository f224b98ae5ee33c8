//! Snapshot files: the whole state (or some services) as one JSON document, for
//! `GET/POST /_fogbank/state` and `--load-state`.
//!
//! ```json
//! {
//!   "format": "fogbank-state",
//!   "version": 1,
//!   "fogbank_version": "0.1.0",
//!   "created_ms": 1765000000000,
//!   "services": {
//!     "sqs":    { "records": [ {"kind": "sqs.queue", "key": "...", "value": {...}}, ... ],
//!                 "blobs": {} },
//!     "sns":    { "records": [...], "blobs": {} },
//!     "lambda": { "records": [...], "blobs": { "lambda/code/<sha256>.zip": "<base64>" } },
//!     "s3":     { "records": [...], "blobs": { "s3/<32 hex>": "<base64>" } },
//!     "logs":   { "records": [ {"kind": "logs.group", ...} ], "blobs": {} }
//!   }
//! }
//! ```
//!
//! Each record is one resource as its service's state module defines it (`sqs::state`,
//! `sns::state`, `lambda::state`, `s3::state`, `logs::state`). Loading replaces the state of every service the file
//! contains and leaves the others alone; a file that does not parse or whose records do not
//! check changes nothing.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::{Blob, Durable, Journal, Record, ServiceState, valid_blob_name};

/// The `format` field of every snapshot.
pub const FORMAT: &str = "fogbank-state";
/// The snapshot version this build writes and reads.
pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: String,
    version: u32,
    #[serde(default)]
    fogbank_version: String,
    #[serde(default)]
    created_ms: u64,
    services: BTreeMap<String, ServiceFile>,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ServiceFile {
    #[serde(default)]
    records: Vec<Record>,
    #[serde(default)]
    blobs: BTreeMap<String, String>,
}

/// Export `engines` (all, or only those named in `only`) as a snapshot document.
pub fn export(
    engines: &[&dyn Durable],
    only: Option<&str>,
    now_ms: u64,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    export_to(engines, only, now_ms, &mut out)?;
    Ok(out)
}

/// [`export`] into a writer: records one at a time, and each blob read from its file and
/// base64-encoded in 48 KiB pieces, so no body is ever held whole (S3 objects can be large).
pub fn export_to<W: Write>(
    engines: &[&dyn Durable],
    only: Option<&str>,
    now_ms: u64,
    mut out: W,
) -> Result<(), String> {
    let io = |e: std::io::Error| format!("cannot write the snapshot: {e}");
    write!(
        out,
        "{{\"format\":{},\"version\":{VERSION},\"fogbank_version\":{},\"created_ms\":{now_ms},\"services\":{{",
        json(FORMAT),
        json(env!("CARGO_PKG_VERSION")),
    )
    .map_err(io)?;
    let mut first_service = true;
    for e in engines {
        if only.is_some_and(|o| o != e.service()) {
            continue;
        }
        let state = e.export();
        if !first_service {
            out.write_all(b",").map_err(io)?;
        }
        first_service = false;
        write!(out, "{}:{{\"records\":[", json(e.service())).map_err(io)?;
        for (i, r) in state.records.iter().enumerate() {
            if i > 0 {
                out.write_all(b",").map_err(io)?;
            }
            serde_json::to_writer(&mut out, r).map_err(|e| e.to_string())?;
        }
        out.write_all(b"],\"blobs\":{").map_err(io)?;
        for (i, (name, blob)) in state.blobs.iter().enumerate() {
            if i > 0 {
                out.write_all(b",").map_err(io)?;
            }
            write!(out, "{}:\"", json(name.as_str())).map_err(io)?;
            write_base64(blob, &mut out)
                .map_err(|err| format!("cannot read blob {name}: {err}"))?;
            out.write_all(b"\"").map_err(io)?;
        }
        out.write_all(b"}}").map_err(io)?;
    }
    out.write_all(b"}}").map_err(io)?;
    out.flush().map_err(io)
}

/// A blob's bytes as base64, a piece at a time (pieces of a multiple of 3 bytes encode to
/// base64 that concatenates).
fn write_base64<W: Write>(blob: &Blob, out: &mut W) -> std::io::Result<()> {
    const PIECE: usize = 48 * 1024;
    match blob {
        Blob::Bytes(b) => out.write_all(STANDARD.encode(b.as_slice()).as_bytes()),
        Blob::File(p) => {
            let mut f = std::fs::File::open(p)?;
            let mut buf = vec![0u8; PIECE];
            loop {
                // Fill the piece (a short read would break the 3-byte alignment).
                let mut n = 0;
                while n < PIECE {
                    match f.read(&mut buf[n..])? {
                        0 => break,
                        k => n += k,
                    }
                }
                if n == 0 {
                    return Ok(());
                }
                out.write_all(STANDARD.encode(&buf[..n]).as_bytes())?;
                if n < PIECE {
                    return Ok(());
                }
            }
        }
    }
}

/// JSON text of a plain value.
fn json<T: Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_string())
}

/// Parse a snapshot document into per-service states (nothing is applied).
pub fn parse(bytes: &[u8]) -> Result<BTreeMap<String, ServiceState>, String> {
    let file: File =
        serde_json::from_slice(bytes).map_err(|e| format!("not a fogbank state file: {e}"))?;
    if file.format != FORMAT {
        return Err(format!(
            "not a fogbank state file: format is {:?}, expected {FORMAT:?}",
            file.format
        ));
    }
    if file.version > VERSION || file.version == 0 {
        return Err(format!(
            "state file version {} is not supported (this fogbank reads version {VERSION})",
            file.version
        ));
    }
    let mut out = BTreeMap::new();
    for (service, sf) in file.services {
        let prefix = format!("{service}.");
        if let Some(r) = sf.records.iter().find(|r| !r.kind.starts_with(&prefix)) {
            return Err(format!(
                "service {service}: record kind {:?} does not belong to it",
                r.kind
            ));
        }
        let mut blobs = BTreeMap::new();
        for (name, b64) in sf.blobs {
            if !valid_blob_name(&name) || !name.starts_with(&format!("{service}/")) {
                return Err(format!("service {service}: invalid blob name {name:?}"));
            }
            let bytes = STANDARD
                .decode(b64.as_bytes())
                .map_err(|e| format!("blob {name}: not base64: {e}"))?;
            blobs.insert(name, Blob::Bytes(Arc::new(bytes)));
        }
        out.insert(
            service,
            ServiceState {
                records: sf.records,
                blobs,
            },
        );
    }
    Ok(out)
}

/// Check every service's part first, then replace the state of each service the snapshot
/// names, and write the result to the store when there is one. `Err` (nothing changed) when
/// the snapshot names an unknown service or a part does not check.
pub fn load(
    engines: &[&dyn Durable],
    journal: Option<&Journal>,
    mut states: BTreeMap<String, ServiceState>,
) -> Result<Vec<&'static str>, String> {
    for name in states.keys() {
        if !engines.iter().any(|e| e.service() == name) {
            return Err(format!("unknown service {name:?} in the state file"));
        }
    }
    for e in engines {
        if let Some(s) = states.get(e.service()) {
            e.check(s)
                .map_err(|err| format!("{}: {err}", e.service()))?;
        }
    }
    let mut loaded = Vec::new();
    for e in engines {
        if let Some(s) = states.remove(e.service()) {
            e.restore(s)
                .map_err(|err| format!("{}: {err}", e.service()))?;
            if let Some(j) = journal {
                e.journal_all(j);
            }
            loaded.push(e.service());
        }
    }
    Ok(loaded)
}
