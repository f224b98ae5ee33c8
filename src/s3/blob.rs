//! Object bodies as files: one immutable file per upload (a PUT body or a multipart part),
//! written while the body streams and hashed on the fly. Without a data dir the files live in a
//! per-server directory under the system temp dir; with one, in `DIR/blobs/s3/`, named
//! `<32 hex>` (the blob name `s3/<32 hex>` the state records use). A [`Blob`] lets its file go
//! when the last reference goes, so an object being read keeps its file while a delete or
//! overwrite replaces it in the index; objects made of several blobs (multipart) and copies
//! share blobs instead of copying bytes. With a journal attached, "lets go" means a deletion
//! carried out after the commit of what was journaled so far (the record that stopped naming
//! the blob was journaled before the last reference went), so a crash never leaves a committed
//! record naming a removed file.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use crate::store::{Durability, Journal};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::checksum::{Algorithm, Digested, Digests};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The directory holding the blobs of one server.
#[derive(Debug)]
pub struct BlobDir {
    inner: Arc<DirInner>,
}

#[derive(Debug)]
struct DirInner {
    path: PathBuf,
    /// A per-server temp dir (removed at shutdown), not a data dir's.
    temporary: bool,
    durability: Durability,
    /// Set once the engine journals (data dir): file removals wait for the commit.
    journal: OnceLock<Journal>,
    /// Set when the engine goes: blobs dropped from then on leave their files alone.
    detached: AtomicBool,
}

/// One immutable file; let go when dropped (see the module doc).
#[derive(Debug)]
pub struct Blob {
    path: PathBuf,
    len: u64,
    /// The file name (32 hex digits).
    id: String,
    dir: Arc<DirInner>,
}

impl Drop for Blob {
    fn drop(&mut self) {
        if self.dir.detached.load(Ordering::Acquire) {
            return;
        }
        match self.dir.journal.get() {
            Some(j) => j.delete_blob(&blob_name(&self.id)),
            None => {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}

/// The store's name of the blob file `id`.
pub fn blob_name(id: &str) -> String {
    format!("s3/{id}")
}

/// The file name of a store blob name, when it names an S3 blob.
pub fn blob_id(name: &str) -> Option<&str> {
    name.strip_prefix("s3/")
        .filter(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl Blob {
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The store's name of this blob (`s3/<id>`).
    pub fn name(&self) -> String {
        blob_name(&self.id)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Why a body could not be stored.
#[derive(Debug)]
pub enum WriteError {
    /// The file system failed.
    Io(std::io::Error),
    /// The request body failed (client gone, malformed `aws-chunked` framing).
    Body(BoxError),
    /// The body's length is not the one announced.
    Length { expected: u64, got: u64 },
}

/// An object's bytes: blobs in order (one for a PUT, one per part after multipart).
#[derive(Debug, Clone, Default)]
pub struct Content {
    pub parts: Vec<Arc<Blob>>,
}

impl Content {
    /// The whole body, read from its files (for small bodies a caller needs at once, such as
    /// a Lambda deployment package).
    pub fn read_all(&self) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(usize::try_from(self.len()).unwrap_or(0));
        for blob in &self.parts {
            out.extend_from_slice(&std::fs::read(&blob.path)?);
        }
        Ok(out)
    }

    pub fn len(&self) -> u64 {
        self.parts.iter().map(|b| b.len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl BlobDir {
    /// A fresh directory `fogbank-s3-<pid>-<random>` under the system temp dir, made on first
    /// write.
    pub fn new() -> Self {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        let path =
            std::env::temp_dir().join(format!("fogbank-s3-{}-{}", std::process::id(), &tag[..8]));
        BlobDir {
            inner: Arc::new(DirInner {
                path,
                temporary: true,
                durability: Durability::Process,
                journal: OnceLock::new(),
                detached: AtomicBool::new(false),
            }),
        }
    }

    /// The blob directory of a data dir (`DIR/blobs/s3`), kept across restarts.
    pub fn in_data_dir(data_dir: &Path, durability: Durability) -> Self {
        BlobDir {
            inner: Arc::new(DirInner {
                path: data_dir.join("blobs").join("s3"),
                temporary: false,
                durability,
                journal: OnceLock::new(),
                detached: AtomicBool::new(false),
            }),
        }
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Whether the files are kept across restarts (a data dir).
    pub fn is_durable(&self) -> bool {
        !self.inner.temporary
    }

    /// From now on, files are removed only after the commit of what was journaled before.
    pub fn attach_journal(&self, journal: Journal) {
        let _ = self.inner.journal.set(journal);
    }

    /// The engine is going: blobs dropped from now on neither remove nor journal anything
    /// (a temp dir is removed whole; a data dir's unnamed files go at the next start).
    pub fn detach(&self) {
        self.inner.detached.store(true, Ordering::Release);
    }

    /// Remove a temp directory and every file in it (shutdown); a data dir's stays.
    pub fn remove(&self) {
        if self.inner.temporary {
            let _ = std::fs::remove_dir_all(&self.inner.path);
        }
    }

    fn new_blob(&self) -> Blob {
        let id = uuid::Uuid::new_v4().simple().to_string();
        Blob {
            path: self.inner.path.join(&id),
            len: 0,
            id,
            dir: self.inner.clone(),
        }
    }

    /// A blob for a file already in this directory (restored at start), when `name` is an S3
    /// blob name. It never fails on the file itself: a restore that failed half-way would drop
    /// the blobs adopted so far, and (no journal yet at start) remove their files.
    pub fn adopt(&self, name: &str) -> Option<Arc<Blob>> {
        let id = blob_id(name)?;
        let path = self.inner.path.join(id);
        let len = match std::fs::metadata(&path) {
            Ok(m) => m.len(),
            Err(e) => {
                tracing::warn!("s3: body file {} cannot be read: {e}", path.display());
                0
            }
        };
        Some(Arc::new(Blob {
            path,
            len,
            id: id.to_string(),
            dir: self.inner.clone(),
        }))
    }

    /// Write bytes held in memory (a snapshot being loaded) to a new blob.
    pub fn write_bytes(&self, bytes: &[u8]) -> std::io::Result<Arc<Blob>> {
        std::fs::create_dir_all(&self.inner.path)?;
        let mut blob = self.new_blob();
        std::fs::write(&blob.path, bytes)?;
        blob.len = bytes.len() as u64;
        if self.inner.durability == Durability::Machine {
            std::fs::File::open(&blob.path)?.sync_all()?;
            std::fs::File::open(&self.inner.path)?.sync_all()?;
        }
        Ok(Arc::new(blob))
    }

    /// Write a body to a new blob, computing MD5 and `algorithms` as it streams. `expected` is
    /// the announced length, checked at the end.
    pub async fn write<S>(
        &self,
        mut body: S,
        algorithms: &[Algorithm],
        expected: Option<u64>,
    ) -> Result<(Arc<Blob>, Digested), WriteError>
    where
        S: Stream<Item = Result<Bytes, BoxError>> + Unpin,
    {
        if let Err(e) = tokio::fs::create_dir_all(&self.inner.path).await {
            return Err(WriteError::Io(e));
        }
        let mut blob = self.new_blob();
        let file = tokio::fs::File::create(&blob.path)
            .await
            .map_err(WriteError::Io)?;
        // From here on the blob owns the file: any early return lets it go.
        let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, file);
        let mut digests = Digests::new(algorithms);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(WriteError::Body)?;
            digests.update(&chunk);
            out.write_all(&chunk).await.map_err(WriteError::Io)?;
            blob.len += chunk.len() as u64;
            if let Some(n) = expected
                && blob.len > n
            {
                return Err(WriteError::Length {
                    expected: n,
                    got: blob.len,
                });
            }
        }
        out.flush().await.map_err(WriteError::Io)?;
        if self.inner.durability == Durability::Machine {
            // The body is on the disk before the record naming it is journaled.
            out.get_ref().sync_all().await.map_err(WriteError::Io)?;
            let dir = self.inner.path.clone();
            tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
                .await
                .map_err(|e| WriteError::Io(std::io::Error::other(e)))?
                .map_err(WriteError::Io)?;
        }
        if let Some(n) = expected
            && blob.len != n
        {
            return Err(WriteError::Length {
                expected: n,
                got: blob.len,
            });
        }
        Ok((Arc::new(blob), digests.finish()))
    }
}

impl Default for BlobDir {
    fn default() -> Self {
        Self::new()
    }
}

/// Read `range` (start, length) of a content as a stream of chunks, a file at a time.
pub fn read(
    content: Content,
    start: u64,
    len: u64,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + Sync + 'static {
    struct Reader {
        parts: std::vec::IntoIter<Arc<Blob>>,
        skip: u64,
        left: u64,
        file: Option<(tokio::fs::File, Arc<Blob>)>,
    }
    let reader = Reader {
        parts: content.parts.into_iter(),
        skip: start,
        left: len,
        file: None,
    };
    futures::stream::unfold(reader, |mut r| async move {
        loop {
            if r.left == 0 {
                return None;
            }
            if r.file.is_none() {
                let blob = r.parts.next()?;
                if r.skip >= blob.len {
                    r.skip -= blob.len;
                    continue;
                }
                let mut f = match tokio::fs::File::open(&blob.path).await {
                    Ok(f) => f,
                    Err(e) => {
                        r.left = 0;
                        return Some((Err(e), r));
                    }
                };
                if r.skip > 0 {
                    if let Err(e) = f.seek(std::io::SeekFrom::Start(r.skip)).await {
                        r.left = 0;
                        return Some((Err(e), r));
                    }
                    r.skip = 0;
                }
                r.file = Some((f, blob));
            }
            let Some((f, _)) = r.file.as_mut() else {
                continue;
            };
            let want = r.left.min(256 * 1024) as usize;
            let mut buf = vec![0u8; want];
            match f.read(&mut buf).await {
                Ok(0) => r.file = None,
                Ok(n) => {
                    buf.truncate(n);
                    r.left -= n as u64;
                    return Some((Ok(Bytes::from(buf)), r));
                }
                Err(e) => {
                    r.left = 0;
                    return Some((Err(e), r));
                }
            }
        }
    })
}
