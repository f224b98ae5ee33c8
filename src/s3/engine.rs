//! The S3 engine: buckets in one global namespace (each owned by an account, living in a
//! region), objects with versions, metadata, tags and checksums, and multipart uploads
//! (`super::multipart`). No HTTP here: the backend (`super::backend`) turns s3s's typed
//! requests into calls on this engine. Bodies are [`Content`] (files, see `super::blob`),
//! written before the engine is called, so no lock is held while bytes stream.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::SystemTime;

use super::blob::{BlobDir, Content};
use super::checksum::Algorithm;
use super::events::{EventKind, ObjectEvent, ObjectEvents};
use super::multipart::Upload;

/// An S3 error: the code (as S3 names it) and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub code: &'static str,
    pub message: String,
}

impl Fault {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Fault {
            code,
            message: message.into(),
        }
    }

    pub fn no_such_bucket() -> Self {
        Fault::new("NoSuchBucket", "The specified bucket does not exist")
    }

    pub fn no_such_key() -> Self {
        Fault::new("NoSuchKey", "The specified key does not exist.")
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Fault {}

pub type Result<T> = std::result::Result<T, Fault>;

/// Bucket versioning state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Versioning {
    #[default]
    Unversioned,
    Enabled,
    Suspended,
}

/// Content headers and user metadata stored with an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Meta {
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub content_disposition: Option<String>,
    pub content_language: Option<String>,
    pub cache_control: Option<String>,
    pub expires: Option<String>,
    pub storage_class: Option<String>,
    pub website_redirect: Option<String>,
    /// `x-amz-meta-*` (lower-case names without the prefix).
    pub user: BTreeMap<String, String>,
}

/// One version of an object, or a delete marker.
#[derive(Debug, Clone)]
pub struct Version {
    pub key: String,
    /// `"null"` for objects written while versioning was off or suspended.
    pub version_id: String,
    pub delete_marker: bool,
    pub content: Content,
    pub size: u64,
    /// Quoted ETag.
    pub etag: String,
    pub last_modified: SystemTime,
    pub meta: Meta,
    /// The additional checksum kept (algorithm, base64 value; `-N` suffixed for multipart).
    pub checksum: Option<(Algorithm, String)>,
    /// Number of parts for a multipart object.
    pub parts_count: Option<usize>,
    /// Part sizes of a multipart object (for `partNumber` reads).
    pub part_sizes: Vec<u64>,
    pub tags: Vec<(String, String)>,
}

/// What a new object needs besides its key.
#[derive(Debug, Clone, Default)]
pub struct NewObject {
    pub content: Content,
    pub size: u64,
    pub etag: String,
    pub meta: Meta,
    pub checksum: Option<(Algorithm, String)>,
    pub parts_count: Option<usize>,
    pub part_sizes: Vec<u64>,
    pub tags: Vec<(String, String)>,
}

/// A bucket and its state.
#[derive(Debug)]
pub struct Bucket {
    pub name: String,
    pub account: String,
    pub region: String,
    pub created: SystemTime,
    pub(super) state: Mutex<BucketState>,
}

/// Everything in a bucket that changes.
#[derive(Debug, Default)]
pub(super) struct BucketState {
    /// Versions per key, oldest first; the last is the current one.
    pub objects: BTreeMap<String, Vec<Arc<Version>>>,
    pub versioning: Versioning,
    pub tags: Option<Vec<(String, String)>>,
    pub policy: Option<String>,
    pub cors: Option<s3s::dto::CORSConfiguration>,
    pub notification: Option<s3s::dto::NotificationConfiguration>,
    pub lifecycle: Option<s3s::dto::BucketLifecycleConfiguration>,
    pub uploads: BTreeMap<String, Upload>,
    pub deleted: bool,
}

/// The result of a delete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deleted {
    pub version_id: Option<String>,
    pub delete_marker: bool,
}

/// The S3 engine.
pub struct S3Engine {
    buckets: RwLock<BTreeMap<String, Arc<Bucket>>>,
    pub(super) blobs: BlobDir,
    events: RwLock<Option<Arc<dyn ObjectEvents>>>,
    sequencer: AtomicU64,
    /// With a data dir: where every change of a bucket, object or upload is reported, while
    /// the lock under which it was made is held (see `super::state`).
    pub(super) journal: OnceLock<crate::store::Journal>,
    /// Buckets replaced by a snapshot load, kept until the new state is journaled
    /// (`Durable::journal_all`): their bodies' deletions must not be committed before the
    /// records that stop naming them.
    pub(super) retired: Mutex<Vec<Arc<Bucket>>>,
}

impl std::fmt::Debug for S3Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Engine")
            .field("blobs", &self.blobs)
            .finish_non_exhaustive()
    }
}

/// AWS's region names as location constraints (plus `EU`, the legacy name of eu-west-1).
pub fn is_region_name(s: &str) -> bool {
    if s == "EU" {
        return true;
    }
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

pub(super) fn new_version_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Default for S3Engine {
    fn default() -> Self {
        S3Engine::with_blobs(BlobDir::new())
    }
}

impl S3Engine {
    fn with_blobs(blobs: BlobDir) -> Self {
        S3Engine {
            buckets: RwLock::new(BTreeMap::new()),
            blobs,
            events: RwLock::new(None),
            // Starts from the clock (ms << 20), so sequencers keep growing across restarts
            // of a data dir (S3's only promise: later events of a key have larger ones).
            sequencer: AtomicU64::new(
                SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| (d.as_millis() as u64) << 20)
                    .unwrap_or(0),
            ),
            journal: OnceLock::new(),
            retired: Mutex::new(Vec::new()),
        }
    }
}

impl S3Engine {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// An engine keeping bodies in `data_dir/blobs/s3` (restored and journaled by
    /// `store::Durable`, see `super::state`).
    pub fn in_data_dir(
        data_dir: &std::path::Path,
        durability: crate::store::Durability,
    ) -> Arc<Self> {
        Arc::new(S3Engine::with_blobs(BlobDir::in_data_dir(
            data_dir, durability,
        )))
    }

    /// Where this engine keeps object bodies.
    pub fn blob_dir(&self) -> &std::path::Path {
        self.blobs.path()
    }

    /// Install the receiver of object created/removed events (notifications, later).
    pub fn set_events(&self, events: Arc<dyn ObjectEvents>) {
        if let Ok(mut g) = self.events.write() {
            *g = Some(events);
        }
    }

    /// The installed receiver of object events, if any.
    pub(super) fn events(&self) -> Option<Arc<dyn ObjectEvents>> {
        self.events.read().ok().and_then(|g| g.clone())
    }

    /// A bucket's notification configuration (for the notifier).
    pub fn notification_of(&self, bucket: &str) -> Option<s3s::dto::NotificationConfiguration> {
        let b = self.bucket(bucket).ok()?;
        self.with_state(&b, |s| s.notification.clone())
            .ok()
            .flatten()
    }

    pub(super) fn emit(&self, bucket: &Bucket, kind: EventKind, v: &Version) {
        let Some(events) = self.events.read().ok().and_then(|g| g.clone()) else {
            return;
        };
        let seq = self.sequencer.fetch_add(1, Ordering::Relaxed);
        events.object_event(ObjectEvent {
            kind,
            bucket: bucket.name.clone(),
            account: bucket.account.clone(),
            region: bucket.region.clone(),
            key: v.key.clone(),
            size: v.size,
            etag: v.etag.trim_matches('"').to_string(),
            version_id: (v.version_id != "null").then(|| v.version_id.clone()),
            sequencer: format!("{seq:016X}"),
        });
    }

    /// Remove every bucket and the body files (reset).
    pub fn reset(&self) {
        if let Ok(mut g) = self.buckets.write() {
            // Before the buckets go: their blobs' deletions come after this in the journal.
            if let Some(j) = self.journal.get() {
                j.clear_service("s3");
            }
            for b in g.values() {
                if let Ok(mut s) = b.state.lock() {
                    s.deleted = true;
                }
            }
            g.clear();
        }
    }

    /// Remove the body directory (shutdown); a data dir's state stays as it is.
    pub fn shutdown(&self) {
        if self.blobs.is_durable() {
            return;
        }
        self.reset();
        self.blobs.remove();
    }

    // ---- buckets ----

    /// CreateBucket: `region` is where the request was sent, `constraint` the
    /// `LocationConstraint` given.
    pub fn create_bucket(
        &self,
        account: &str,
        region: &str,
        name: &str,
        constraint: Option<&str>,
    ) -> Result<Arc<Bucket>> {
        let constraint = constraint.filter(|c| !c.is_empty());
        let bucket_region = match constraint {
            None if region == "us-east-1" => "us-east-1".to_string(),
            None => {
                return Err(Fault::new(
                    "IllegalLocationConstraintException",
                    "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.",
                ));
            }
            Some("us-east-1") if region == "us-east-1" => {
                return Err(Fault::new(
                    "InvalidLocationConstraint",
                    "The specified location-constraint is not valid",
                ));
            }
            Some(c) if !is_region_name(c) => {
                return Err(Fault::new(
                    "InvalidLocationConstraint",
                    "The specified location-constraint is not valid",
                ));
            }
            Some(c)
                if region != "us-east-1"
                    && c != region
                    && !(c == "EU" && region == "eu-west-1") =>
            {
                return Err(Fault::new(
                    "IllegalLocationConstraintException",
                    format!(
                        "The {c} location constraint is incompatible for the region specific endpoint this request was sent to."
                    ),
                ));
            }
            Some("EU") => "eu-west-1".to_string(),
            Some(c) => c.to_string(),
        };
        let mut g = self
            .buckets
            .write()
            .map_err(|_| Fault::new("InternalError", "bucket table poisoned"))?;
        if let Some(b) = g.get(name) {
            if b.account != account {
                return Err(Fault::new(
                    "BucketAlreadyExists",
                    "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
                ));
            }
            // us-east-1 answers a repeated create of one's own bucket with 200 (legacy).
            if b.region == "us-east-1" && bucket_region == "us-east-1" {
                return Ok(b.clone());
            }
            return Err(Fault::new(
                "BucketAlreadyOwnedByYou",
                "Your previous request to create the named bucket succeeded and you already own it.",
            ));
        }
        let b = Arc::new(Bucket {
            name: name.to_string(),
            account: account.to_string(),
            region: bucket_region,
            created: SystemTime::now(),
            state: Mutex::new(BucketState::default()),
        });
        if let Ok(s) = b.lock() {
            self.journal_bucket(&b, &s);
        }
        g.insert(name.to_string(), b.clone());
        Ok(b)
    }

    /// The bucket of that name (any account may address it, as fogbank grants every caller).
    pub fn bucket(&self, name: &str) -> Result<Arc<Bucket>> {
        self.buckets
            .read()
            .ok()
            .and_then(|g| g.get(name).cloned())
            .ok_or_else(Fault::no_such_bucket)
    }

    /// Every bucket, by name (exports).
    pub(super) fn all_buckets(&self) -> Vec<Arc<Bucket>> {
        self.buckets
            .read()
            .map(|g| g.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Replace every bucket (a restore); the old ones read as deleted from now on and are
    /// returned (dropping them lets their bodies go).
    pub(super) fn replace_buckets(
        &self,
        new: BTreeMap<String, Arc<Bucket>>,
    ) -> BTreeMap<String, Arc<Bucket>> {
        let old = match self.buckets.write() {
            Ok(mut g) => std::mem::replace(&mut *g, new),
            Err(_) => return BTreeMap::new(),
        };
        for b in old.values() {
            if let Ok(mut s) = b.state.lock() {
                s.deleted = true;
            }
        }
        old
    }

    /// The buckets an account owns, by name.
    pub fn list_buckets(&self, account: &str) -> Vec<Arc<Bucket>> {
        self.buckets
            .read()
            .map(|g| {
                g.values()
                    .filter(|b| b.account == account)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn delete_bucket(&self, name: &str) -> Result<()> {
        let mut g = self
            .buckets
            .write()
            .map_err(|_| Fault::new("InternalError", "bucket table poisoned"))?;
        let b = g.get(name).cloned().ok_or_else(Fault::no_such_bucket)?;
        let mut s = b.lock()?;
        if !s.objects.is_empty() {
            return Err(Fault::new(
                "BucketNotEmpty",
                "The bucket you tried to delete is not empty",
            ));
        }
        self.journal_bucket_gone(&b, &s);
        s.deleted = true;
        s.uploads.clear();
        drop(s);
        g.remove(name);
        Ok(())
    }

    // ---- objects ----

    /// Store a new object (version) under `key`; returns the version stored.
    pub fn put_object(
        &self,
        bucket: &Bucket,
        key: &str,
        new: NewObject,
        kind: EventKind,
    ) -> Result<Arc<Version>> {
        let mut s = bucket.lock()?;
        let v = self.store_new(bucket, &mut s, key, new);
        drop(s);
        self.emit(bucket, kind, &v);
        Ok(v)
    }

    /// Store a new version under `key` in a locked bucket (journaled).
    pub(super) fn store_new(
        &self,
        bucket: &Bucket,
        s: &mut BucketState,
        key: &str,
        new: NewObject,
    ) -> Arc<Version> {
        let version_id = match s.versioning {
            Versioning::Enabled => new_version_id(),
            _ => "null".to_string(),
        };
        let v = Arc::new(Version {
            key: key.to_string(),
            version_id,
            delete_marker: false,
            size: new.size,
            content: new.content,
            etag: new.etag,
            last_modified: SystemTime::now(),
            meta: new.meta,
            checksum: new.checksum,
            parts_count: new.parts_count,
            part_sizes: new.part_sizes,
            tags: new.tags,
        });
        let replaced = s.store(v.clone());
        self.journal_key(bucket, s, key);
        // Only now may the replaced version's bodies go (their deletion follows the record).
        drop(replaced);
        v
    }

    /// The current version of a key, or the version asked for. A delete marker as the current
    /// version is NoSuchKey; asked for by id it is returned (callers answer 405).
    pub fn get_version(
        &self,
        bucket: &Bucket,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Arc<Version>> {
        let s = bucket.lock()?;
        let versions = s.objects.get(key);
        match version_id {
            None => match versions.and_then(|v| v.last()) {
                Some(v) if !v.delete_marker => Ok(v.clone()),
                _ => Err(Fault::no_such_key()),
            },
            Some(id) => versions
                .and_then(|vs| vs.iter().find(|v| v.version_id == id))
                .cloned()
                .ok_or_else(|| {
                    if versions.is_some() || id != "null" {
                        Fault::new("NoSuchVersion", "The specified version does not exist.")
                    } else {
                        Fault::no_such_key()
                    }
                }),
        }
    }

    /// The bytes of an object (its current version, or the one asked for), refused when it is
    /// over `max` bytes: Lambda reads deployment packages with it.
    pub fn read_object(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
        max: u64,
    ) -> Result<Vec<u8>> {
        let b = self.bucket(bucket)?;
        let v = self.get_version(&b, key, version_id)?;
        if v.delete_marker {
            return Err(Fault::no_such_key());
        }
        if v.size > max {
            return Err(Fault::new(
                "EntityTooLarge",
                format!("Your proposed upload exceeds the maximum allowed size of {max} bytes"),
            ));
        }
        v.content
            .read_all()
            .map_err(|e| Fault::new("InternalError", e.to_string()))
    }

    /// DeleteObject.
    pub fn delete_object(
        &self,
        bucket: &Bucket,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Deleted> {
        let mut s = bucket.lock()?;
        let versioning = s.versioning;
        if let Some(id) = version_id {
            let Some(list) = s.objects.get_mut(key) else {
                return Ok(Deleted {
                    version_id: Some(id.to_string()),
                    delete_marker: false,
                });
            };
            let Some(i) = list.iter().position(|v| v.version_id == id) else {
                return Ok(Deleted {
                    version_id: Some(id.to_string()),
                    delete_marker: false,
                });
            };
            let gone = list.remove(i);
            if list.is_empty() {
                s.objects.remove(key);
            }
            self.journal_key(bucket, &s, key);
            drop(s);
            self.emit(bucket, EventKind::Delete, &gone);
            return Ok(Deleted {
                version_id: Some(id.to_string()),
                delete_marker: gone.delete_marker,
            });
        }
        match versioning {
            Versioning::Unversioned => {
                let gone = s.objects.remove(key);
                self.journal_key(bucket, &s, key);
                drop(s);
                if let Some(v) = gone.and_then(|mut l| l.pop()) {
                    self.emit(bucket, EventKind::Delete, &v);
                }
                Ok(Deleted::default())
            }
            Versioning::Enabled | Versioning::Suspended => {
                let id = if versioning == Versioning::Enabled {
                    new_version_id()
                } else {
                    "null".to_string()
                };
                let marker = Arc::new(Version {
                    key: key.to_string(),
                    version_id: id.clone(),
                    delete_marker: true,
                    content: Content::default(),
                    size: 0,
                    etag: String::new(),
                    last_modified: SystemTime::now(),
                    meta: Meta::default(),
                    checksum: None,
                    parts_count: None,
                    part_sizes: Vec::new(),
                    tags: Vec::new(),
                });
                let replaced = s.store(marker.clone());
                self.journal_key(bucket, &s, key);
                drop(replaced);
                drop(s);
                self.emit(bucket, EventKind::DeleteMarkerCreated, &marker);
                Ok(Deleted {
                    version_id: Some(id),
                    delete_marker: true,
                })
            }
        }
    }

    /// Replace the tags of a version (current one without an id); returns its version id.
    /// `kind` is the event reported (`TaggingPut` or `TaggingDelete`).
    pub fn set_object_tags(
        &self,
        bucket: &Bucket,
        key: &str,
        version_id: Option<&str>,
        tags: Vec<(String, String)>,
        kind: EventKind,
    ) -> Result<String> {
        let mut s = bucket.lock()?;
        let list = s.objects.get_mut(key).ok_or_else(Fault::no_such_key)?;
        let i = match version_id {
            None => match list.last() {
                Some(v) if !v.delete_marker => list.len() - 1,
                _ => return Err(Fault::no_such_key()),
            },
            Some(id) => list
                .iter()
                .position(|v| v.version_id == id)
                .ok_or_else(|| {
                    Fault::new("NoSuchVersion", "The specified version does not exist.")
                })?,
        };
        let mut v = (*list[i]).clone();
        if v.delete_marker {
            return Err(Fault::new(
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.",
            ));
        }
        v.tags = tags;
        let id = v.version_id.clone();
        let v = Arc::new(v);
        list[i] = v.clone();
        self.journal_key(bucket, &s, key);
        drop(s);
        self.emit(bucket, kind, &v);
        Ok(id)
    }

    /// Change versioning (Enabled / Suspended; a versioned bucket never goes back to
    /// unversioned).
    pub fn set_versioning(&self, bucket: &Bucket, enabled: bool) -> Result<()> {
        let mut s = bucket.lock()?;
        s.versioning = if enabled {
            Versioning::Enabled
        } else if s.versioning == Versioning::Unversioned {
            Versioning::Unversioned
        } else {
            Versioning::Suspended
        };
        self.journal_bucket(bucket, &s);
        Ok(())
    }

    pub fn versioning(&self, bucket: &Bucket) -> Result<Versioning> {
        Ok(bucket.lock()?.versioning)
    }

    /// Read a bucket's state (stored configurations: tags, policy, CORS, lifecycle).
    pub(super) fn with_state<T>(
        &self,
        bucket: &Bucket,
        f: impl FnOnce(&BucketState) -> T,
    ) -> Result<T> {
        let s = bucket.lock()?;
        Ok(f(&s))
    }

    /// Change a bucket's stored configurations with `f` (journaled).
    pub(super) fn change_state<T>(
        &self,
        bucket: &Bucket,
        f: impl FnOnce(&mut BucketState) -> T,
    ) -> Result<T> {
        let mut s = bucket.lock()?;
        let out = f(&mut s);
        self.journal_bucket(bucket, &s);
        Ok(out)
    }
}

impl Bucket {
    pub(super) fn lock(&self) -> Result<std::sync::MutexGuard<'_, BucketState>> {
        let s = self
            .state
            .lock()
            .map_err(|_| Fault::new("InternalError", "bucket state poisoned"))?;
        if s.deleted {
            return Err(Fault::no_such_bucket());
        }
        Ok(s)
    }
}

impl BucketState {
    /// Add a version as the current one, replacing the `null` version when the new one is
    /// `null` (unversioned and suspended buckets). Returns the replaced version: the caller
    /// drops it after journaling the change (a blob's deletion must follow the record that
    /// stops naming it).
    pub(super) fn store(&mut self, v: Arc<Version>) -> Option<Arc<Version>> {
        let list = self.objects.entry(v.key.clone()).or_default();
        let replaced = if v.version_id == "null" {
            list.iter()
                .position(|old| old.version_id == "null")
                .map(|i| list.remove(i))
        } else {
            None
        };
        list.push(v);
        replaced
    }
}

impl Drop for S3Engine {
    fn drop(&mut self) {
        // The buckets go next, with every blob: that is not a deletion of their objects (a
        // data dir keeps them; a failed start must not remove files its records name).
        self.blobs.detach();
        self.blobs.remove();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::s3::events::ObjectEvent;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<ObjectEvent>>);

    impl ObjectEvents for Recorder {
        fn object_event(&self, event: ObjectEvent) {
            if let Ok(mut g) = self.0.lock() {
                g.push(event);
            }
        }
    }

    fn obj(etag: &str, size: u64) -> NewObject {
        NewObject {
            size,
            etag: format!("\"{etag}\""),
            ..Default::default()
        }
    }

    #[test]
    fn events_report_creates_deletes_and_markers() {
        let e = S3Engine::new();
        let rec = Arc::new(Recorder::default());
        e.set_events(rec.clone());
        let b = e
            .create_bucket("111111111111", "eu-west-1", "ev", Some("eu-west-1"))
            .unwrap();
        e.put_object(&b, "k", obj("aa", 3), EventKind::Put).unwrap();
        e.delete_object(&b, "k", None).unwrap();
        e.set_versioning(&b, true).unwrap();
        e.put_object(&b, "k", obj("bb", 4), EventKind::Copy)
            .unwrap();
        e.delete_object(&b, "k", None).unwrap();
        let got = rec.0.lock().unwrap().clone();
        let kinds: Vec<EventKind> = got.iter().map(|x| x.kind).collect();
        assert_eq!(
            kinds,
            vec![
                EventKind::Put,
                EventKind::Delete,
                EventKind::Copy,
                EventKind::DeleteMarkerCreated
            ]
        );
        assert_eq!(got[0].etag, "aa");
        assert_eq!(got[0].version_id, None);
        assert_eq!(
            (got[0].account.as_str(), got[0].region.as_str()),
            ("111111111111", "eu-west-1")
        );
        assert!(got[2].version_id.is_some());
        assert!(got[0].sequencer < got[1].sequencer);
    }

    #[test]
    fn suspended_versioning_replaces_the_null_version() {
        let e = S3Engine::new();
        let b = e.create_bucket("1", "us-east-1", "sv", None).unwrap();
        e.put_object(&b, "k", obj("a", 1), EventKind::Put).unwrap();
        e.set_versioning(&b, true).unwrap();
        let v1 = e.put_object(&b, "k", obj("b", 1), EventKind::Put).unwrap();
        e.set_versioning(&b, false).unwrap();
        assert_eq!(e.versioning(&b).unwrap(), Versioning::Suspended);
        e.put_object(&b, "k", obj("c", 1), EventKind::Put).unwrap();
        e.put_object(&b, "k", obj("d", 1), EventKind::Put).unwrap();
        let s = b.lock().unwrap();
        let ids: Vec<&str> = s.objects["k"]
            .iter()
            .map(|v| v.version_id.as_str())
            .collect();
        assert_eq!(ids, vec![v1.version_id.as_str(), "null"]);
        assert_eq!(s.objects["k"][1].etag, "\"d\"");
    }

    #[test]
    fn location_constraint_rules() {
        let e = S3Engine::new();
        let code = |r: Result<Arc<Bucket>>| r.err().map(|f| f.code);
        assert_eq!(
            code(e.create_bucket("1", "eu-west-1", "a1b", None)),
            Some("IllegalLocationConstraintException")
        );
        assert_eq!(
            code(e.create_bucket("1", "eu-west-1", "a1b", Some("us-west-2"))),
            Some("IllegalLocationConstraintException")
        );
        assert_eq!(
            code(e.create_bucket("1", "us-east-1", "a1b", Some("us-east-1"))),
            Some("InvalidLocationConstraint")
        );
        assert_eq!(
            code(e.create_bucket("1", "us-east-1", "a1b", Some("moon-1"))),
            Some("InvalidLocationConstraint")
        );
        let b = e
            .create_bucket("1", "us-east-1", "a1b", Some("ap-south-1"))
            .unwrap();
        assert_eq!(b.region, "ap-south-1");
        assert_eq!(
            code(e.create_bucket("2", "us-east-1", "a1b", Some("ap-south-1"))),
            Some("BucketAlreadyExists")
        );
    }
}
