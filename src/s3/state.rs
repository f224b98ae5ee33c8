//! S3 state across restarts and in snapshots: the records that say what a bucket, an object
//! (every version and delete marker of one key), a multipart upload and an uploaded part ARE,
//! the journal calls the engine makes under its bucket lock, and `impl Durable for S3Engine`.
//!
//! Record kinds and keys (a bucket name never contains `/`):
//! - `s3.bucket` `<bucket>`: owner, region, creation, versioning and the stored
//!   configurations (tags, policy, CORS, lifecycle, notifications; s3s's types, serde JSON);
//! - `s3.object` `<bucket>/<key>`: the key's versions, oldest first, each naming its body's
//!   blobs (`s3/<32 hex>`, files under `DIR/blobs/s3/`);
//! - `s3.upload` `<bucket>/<upload id>`: a multipart upload in progress;
//! - `s3.part` `<bucket>/<upload id>/<part number>`: one uploaded part and its blob.
//!
//! A body file is written (and with `--durability machine` fsynced) before the record naming
//! it is journaled; a file whose record never got committed (a crash in between) is removed
//! at the next start, when the restore finds no record naming it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::blob::{Blob, Content, blob_id};
use super::checksum::Algorithm;
use super::engine::{Bucket, BucketState, Meta, S3Engine, Version, Versioning};
use super::multipart::{Part, Upload};
use crate::store::{self, Durable, Journal, Record, ServiceState};

const BUCKET: &str = "s3.bucket";
const OBJECT: &str = "s3.object";
const UPLOAD: &str = "s3.upload";
const PART: &str = "s3.part";

fn nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn time_of(ns: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_nanos(ns)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BucketRecord {
    name: String,
    account: String,
    region: String,
    created_ns: u64,
    /// `Enabled` or `Suspended`; absent when never versioned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    versioning: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tags: Option<Vec<(String, String)>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cors: Option<s3s::dto::CORSConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notification: Option<s3s::dto::NotificationConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lifecycle: Option<s3s::dto::BucketLifecycleConfiguration>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct VersionRecord {
    version_id: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    delete_marker: bool,
    /// The body's blobs in order (one per part for a multipart object).
    #[serde(default)]
    blobs: Vec<String>,
    size: u64,
    etag: String,
    last_modified_ns: u64,
    #[serde(default)]
    meta: Meta,
    /// (algorithm name, base64 value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    checksum: Option<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parts_count: Option<usize>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    part_sizes: Vec<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ObjectRecord {
    bucket: String,
    key: String,
    versions: Vec<VersionRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct UploadRecord {
    bucket: String,
    id: String,
    key: String,
    initiated_ns: u64,
    #[serde(default)]
    meta: Meta,
    #[serde(default)]
    tags: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    checksum_algorithm: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PartRecord {
    bucket: String,
    upload: String,
    number: u32,
    blob: String,
    /// Hex MD5 of the part (its ETag).
    md5: String,
    size: u64,
    last_modified_ns: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    checksum: Option<String>,
}

fn object_key(bucket: &str, key: &str) -> String {
    format!("{bucket}/{key}")
}

fn upload_key(bucket: &str, id: &str) -> String {
    format!("{bucket}/{id}")
}

fn part_key(bucket: &str, id: &str, number: u32) -> String {
    format!("{bucket}/{id}/{number}")
}

fn versioning_name(v: Versioning) -> Option<String> {
    match v {
        Versioning::Unversioned => None,
        Versioning::Enabled => Some("Enabled".into()),
        Versioning::Suspended => Some("Suspended".into()),
    }
}

fn bucket_record(b: &Bucket, s: &BucketState) -> BucketRecord {
    BucketRecord {
        name: b.name.clone(),
        account: b.account.clone(),
        region: b.region.clone(),
        created_ns: nanos(b.created),
        versioning: versioning_name(s.versioning),
        tags: s.tags.clone(),
        policy: s.policy.clone(),
        cors: s.cors.clone(),
        notification: s.notification.clone(),
        lifecycle: s.lifecycle.clone(),
    }
}

fn version_record(v: &Version) -> VersionRecord {
    VersionRecord {
        version_id: v.version_id.clone(),
        delete_marker: v.delete_marker,
        blobs: v.content.parts.iter().map(|b| b.name()).collect(),
        size: v.size,
        etag: v.etag.clone(),
        last_modified_ns: nanos(v.last_modified),
        meta: v.meta.clone(),
        checksum: v
            .checksum
            .as_ref()
            .map(|(a, c)| (a.name().to_string(), c.clone())),
        parts_count: v.parts_count,
        part_sizes: v.part_sizes.clone(),
        tags: v.tags.clone(),
    }
}

fn object_record(bucket: &str, key: &str, versions: &[Arc<Version>]) -> ObjectRecord {
    ObjectRecord {
        bucket: bucket.to_string(),
        key: key.to_string(),
        versions: versions.iter().map(|v| version_record(v)).collect(),
    }
}

fn upload_record(bucket: &str, u: &Upload) -> UploadRecord {
    UploadRecord {
        bucket: bucket.to_string(),
        id: u.id.clone(),
        key: u.key.clone(),
        initiated_ns: nanos(u.initiated),
        meta: u.meta.clone(),
        tags: u.tags.clone(),
        checksum_algorithm: u.checksum_algorithm.map(|a| a.name().to_string()),
    }
}

fn part_record(bucket: &str, upload: &str, p: &Part) -> PartRecord {
    PartRecord {
        bucket: bucket.to_string(),
        upload: upload.to_string(),
        number: p.number,
        blob: p.blob.name(),
        md5: super::checksum::hex(&p.md5),
        size: p.size,
        last_modified_ns: nanos(p.last_modified),
        checksum: p.checksum.clone(),
    }
}

// ---- the journal calls (made with the bucket's lock held) ----

impl S3Engine {
    pub(super) fn journal_bucket(&self, b: &Bucket, s: &BucketState) {
        if let Some(j) = self.journal.get() {
            j.put(BUCKET, &b.name, &bucket_record(b, s));
        }
    }

    /// A bucket deleted: its record and those of its uploads and parts.
    pub(super) fn journal_bucket_gone(&self, b: &Bucket, s: &BucketState) {
        if let Some(j) = self.journal.get() {
            for u in s.uploads.values() {
                upload_gone(j, &b.name, u);
            }
            j.delete(BUCKET, &b.name);
        }
    }

    /// The versions of `key` as they are now (none: the record goes).
    pub(super) fn journal_key(&self, b: &Bucket, s: &BucketState, key: &str) {
        if let Some(j) = self.journal.get() {
            let rk = object_key(&b.name, key);
            match s.objects.get(key).filter(|l| !l.is_empty()) {
                Some(list) => j.put(OBJECT, &rk, &object_record(&b.name, key, list)),
                None => j.delete(OBJECT, &rk),
            }
        }
    }

    pub(super) fn journal_upload(&self, b: &Bucket, u: &Upload) {
        if let Some(j) = self.journal.get() {
            j.put(
                UPLOAD,
                &upload_key(&b.name, &u.id),
                &upload_record(&b.name, u),
            );
        }
    }

    pub(super) fn journal_part(&self, b: &Bucket, upload: &str, p: &Part) {
        if let Some(j) = self.journal.get() {
            j.put(
                PART,
                &part_key(&b.name, upload, p.number),
                &part_record(&b.name, upload, p),
            );
        }
    }

    pub(super) fn journal_upload_gone(&self, b: &Bucket, u: &Upload) {
        if let Some(j) = self.journal.get() {
            upload_gone(j, &b.name, u);
        }
    }
}

fn upload_gone(j: &Journal, bucket: &str, u: &Upload) {
    for n in u.parts.keys() {
        j.delete(PART, &part_key(bucket, &u.id, *n));
    }
    j.delete(UPLOAD, &upload_key(bucket, &u.id));
}

// ---- restore ----

/// The decoded records of a state, checked for consistency.
struct Decoded {
    buckets: Vec<BucketRecord>,
    objects: Vec<ObjectRecord>,
    uploads: Vec<UploadRecord>,
    parts: Vec<PartRecord>,
}

fn algorithm(name: &str, what: &str) -> Result<Algorithm, String> {
    Algorithm::parse(name).ok_or_else(|| format!("{what}: unknown checksum algorithm {name:?}"))
}

fn decode(state: &ServiceState) -> Result<Decoded, String> {
    let mut d = Decoded {
        buckets: Vec::new(),
        objects: Vec::new(),
        uploads: Vec::new(),
        parts: Vec::new(),
    };
    for r in &state.records {
        match r.kind.as_str() {
            BUCKET => d.buckets.push(r.decode()?),
            OBJECT => d.objects.push(r.decode()?),
            UPLOAD => d.uploads.push(r.decode()?),
            PART => d.parts.push(r.decode()?),
            other => return Err(format!("unknown record kind {other:?}")),
        }
    }
    let buckets: HashSet<&str> = d.buckets.iter().map(|b| b.name.as_str()).collect();
    if buckets.len() != d.buckets.len() {
        return Err("a bucket is recorded twice".into());
    }
    let blob_known = |name: &str, what: &str| -> Result<(), String> {
        if blob_id(name).is_none() || !state.blobs.contains_key(name) {
            return Err(format!("{what}: its body {name:?} is missing"));
        }
        Ok(())
    };
    for o in &d.objects {
        let what = format!("object {}/{}", o.bucket, o.key);
        if !buckets.contains(o.bucket.as_str()) {
            return Err(format!("{what}: no bucket {:?}", o.bucket));
        }
        for v in &o.versions {
            for b in &v.blobs {
                blob_known(b, &what)?;
            }
            if let Some((a, _)) = &v.checksum {
                algorithm(a, &what)?;
            }
        }
    }
    let mut uploads = HashSet::new();
    for u in &d.uploads {
        let what = format!("upload {} in {}", u.id, u.bucket);
        if !buckets.contains(u.bucket.as_str()) {
            return Err(format!("{what}: no bucket {:?}", u.bucket));
        }
        if let Some(a) = &u.checksum_algorithm {
            algorithm(a, &what)?;
        }
        uploads.insert((u.bucket.as_str(), u.id.as_str()));
    }
    for p in &d.parts {
        let what = format!("part {} of upload {} in {}", p.number, p.upload, p.bucket);
        if !uploads.contains(&(p.bucket.as_str(), p.upload.as_str())) {
            return Err(format!("{what}: no such upload"));
        }
        blob_known(&p.blob, &what)?;
        md5_of(&p.md5).ok_or_else(|| format!("{what}: md5 {:?} is not 32 hex digits", p.md5))?;
    }
    Ok(d)
}

fn md5_of(hex: &str) -> Option<[u8; 16]> {
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Turns the state's blobs into engine blobs, each once (copies share their blobs).
struct Blobs<'a> {
    engine: &'a S3Engine,
    state: &'a BTreeMap<String, store::Blob>,
    made: HashMap<String, Arc<Blob>>,
}

impl Blobs<'_> {
    fn get(&mut self, name: &str) -> Result<Arc<Blob>, String> {
        if let Some(b) = self.made.get(name) {
            return Ok(b.clone());
        }
        let dir = self.engine.blobs.path();
        let blob = match self.state.get(name) {
            // A file already in this engine's directory (the data dir at start): adopted.
            Some(store::Blob::File(p)) if blob_id(name).is_some_and(|id| *p == dir.join(id)) => {
                self.engine
                    .blobs
                    .adopt(name)
                    .ok_or_else(|| format!("body {name:?} cannot be read"))?
            }
            Some(other) => {
                let bytes = other
                    .read()
                    .map_err(|e| format!("body {name:?} cannot be read: {e}"))?;
                self.engine
                    .blobs
                    .write_bytes(&bytes)
                    .map_err(|e| format!("body {name:?} cannot be stored: {e}"))?
            }
            None => return Err(format!("body {name:?} is missing")),
        };
        self.made.insert(name.to_string(), blob.clone());
        Ok(blob)
    }
}

impl S3Engine {
    fn rebuild(
        &self,
        state: &ServiceState,
        d: Decoded,
    ) -> Result<BTreeMap<String, Arc<Bucket>>, String> {
        let mut blobs = Blobs {
            engine: self,
            state: &state.blobs,
            made: HashMap::new(),
        };
        let mut states: BTreeMap<String, (BucketRecord, BucketState)> = BTreeMap::new();
        for b in d.buckets {
            let s = BucketState {
                versioning: match b.versioning.as_deref() {
                    Some("Enabled") => Versioning::Enabled,
                    Some("Suspended") => Versioning::Suspended,
                    _ => Versioning::Unversioned,
                },
                tags: b.tags.clone(),
                policy: b.policy.clone(),
                cors: b.cors.clone(),
                notification: b.notification.clone(),
                lifecycle: b.lifecycle.clone(),
                ..BucketState::default()
            };
            states.insert(b.name.clone(), (b, s));
        }
        for o in d.objects {
            let Some((_, s)) = states.get_mut(&o.bucket) else {
                continue;
            };
            let mut list = Vec::with_capacity(o.versions.len());
            for v in o.versions {
                let mut parts = Vec::with_capacity(v.blobs.len());
                for name in &v.blobs {
                    parts.push(blobs.get(name)?);
                }
                let checksum = match v.checksum {
                    Some((a, c)) => Some((algorithm(&a, "object")?, c)),
                    None => None,
                };
                list.push(Arc::new(Version {
                    key: o.key.clone(),
                    version_id: v.version_id,
                    delete_marker: v.delete_marker,
                    content: Content { parts },
                    size: v.size,
                    etag: v.etag,
                    last_modified: time_of(v.last_modified_ns),
                    meta: v.meta,
                    checksum,
                    parts_count: v.parts_count,
                    part_sizes: v.part_sizes,
                    tags: v.tags,
                }));
            }
            if !list.is_empty() {
                s.objects.insert(o.key, list);
            }
        }
        for u in d.uploads {
            let Some((_, s)) = states.get_mut(&u.bucket) else {
                continue;
            };
            let checksum_algorithm = match &u.checksum_algorithm {
                Some(a) => Some(algorithm(a, "upload")?),
                None => None,
            };
            s.uploads.insert(
                u.id.clone(),
                Upload {
                    id: u.id,
                    key: u.key,
                    initiated: time_of(u.initiated_ns),
                    meta: u.meta,
                    tags: u.tags,
                    checksum_algorithm,
                    parts: BTreeMap::new(),
                },
            );
        }
        for p in d.parts {
            let blob = blobs.get(&p.blob)?;
            let md5 = md5_of(&p.md5).ok_or_else(|| format!("part {}: bad md5", p.number))?;
            let Some(u) = states
                .get_mut(&p.bucket)
                .and_then(|(_, s)| s.uploads.get_mut(&p.upload))
            else {
                continue;
            };
            u.parts.insert(
                p.number,
                Part {
                    number: p.number,
                    blob,
                    md5,
                    size: p.size,
                    last_modified: time_of(p.last_modified_ns),
                    checksum: p.checksum,
                },
            );
        }
        // At start (no journal yet, the data dir's own files): a body no record names was
        // written by a request whose record never got committed. It goes now.
        if self.journal.get().is_none() && self.blobs.is_durable() {
            let dir = self.blobs.path();
            let mut removed = 0usize;
            for (name, blob) in &state.blobs {
                if let (false, Some(id), store::Blob::File(p)) =
                    (blobs.made.contains_key(name), blob_id(name), blob)
                    && *p == dir.join(id)
                    && std::fs::remove_file(p).is_ok()
                {
                    removed += 1;
                }
            }
            if removed > 0 {
                tracing::info!(removed, "s3: removed body files no committed record named");
            }
        }
        Ok(states
            .into_iter()
            .map(|(name, (r, s))| {
                let b = Arc::new(Bucket {
                    name: name.clone(),
                    account: r.account,
                    region: r.region,
                    created: time_of(r.created_ns),
                    state: Mutex::new(s),
                });
                (name, b)
            })
            .collect())
    }
}

impl Durable for S3Engine {
    fn service(&self) -> &'static str {
        "s3"
    }

    fn export(&self) -> ServiceState {
        let mut out = ServiceState::default();
        let mut uploads = Vec::new();
        let mut parts = Vec::new();
        for b in self.all_buckets() {
            let Ok(s) = b.lock() else { continue };
            push(&mut out.records, BUCKET, &b.name, &bucket_record(&b, &s));
            for (key, list) in &s.objects {
                for blob in list.iter().flat_map(|v| v.content.parts.iter()) {
                    out.blobs.insert(blob.name(), blob.to_store());
                }
                let rk = object_key(&b.name, key);
                push(
                    &mut out.records,
                    OBJECT,
                    &rk,
                    &object_record(&b.name, key, list),
                );
            }
            for u in s.uploads.values() {
                uploads.push((upload_key(&b.name, &u.id), upload_record(&b.name, u)));
                for p in u.parts.values() {
                    let name = p.blob.name();
                    out.blobs.insert(name, p.blob.to_store());
                    parts.push((
                        part_key(&b.name, &u.id, p.number),
                        part_record(&b.name, &u.id, p),
                    ));
                }
            }
        }
        // Uploads before their parts, as `restore` reads them.
        for (k, u) in &uploads {
            push(&mut out.records, UPLOAD, k, u);
        }
        for (k, p) in &parts {
            push(&mut out.records, PART, k, p);
        }
        out
    }

    fn check(&self, state: &ServiceState) -> Result<(), String> {
        decode(state).map(|_| ())
    }

    fn restore(&self, state: ServiceState) -> Result<(), String> {
        let d = decode(&state)?;
        let buckets = self.rebuild(&state, d)?;
        let old = self.replace_buckets(buckets);
        if self.journal.get().is_some() {
            // Dropped by `journal_all`, after the records that replace them.
            self.retired
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(old.into_values());
        }
        Ok(())
    }

    fn journal_all(&self, journal: &Journal) {
        journal.replace_service(self.service(), &self.export());
        let retired = std::mem::take(&mut *self.retired.lock().unwrap_or_else(|e| e.into_inner()));
        drop(retired);
    }

    fn attach_journal(&self, journal: Journal) {
        self.blobs.attach_journal(journal.clone());
        let _ = self.journal.set(journal);
    }
}

fn push<T: Serialize>(records: &mut Vec<Record>, kind: &str, key: &str, value: &T) {
    match Record::new(kind, key, value) {
        Ok(r) => records.push(r),
        Err(e) => tracing::error!("s3: cannot export {e}"),
    }
}
