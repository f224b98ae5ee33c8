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
//!
//! Without a data dir, small bodies (up to [`MEM_BODY_MAX`]) stay in memory while all of them
//! together fit in [`MEM_BUDGET`]: creating and removing a file per small PUT made the kernel's
//! inode allocation the bulk of a small-object PUT. Larger bodies, bodies past the budget and
//! every body of a data dir are files as above.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use crate::store::{Durability, Journal};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::checksum::{Algorithm, Digested, Digests};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The largest body kept in memory (without a data dir).
pub const MEM_BODY_MAX: usize = 64 * 1024;
/// The most memory all in-memory bodies of a server take together.
pub const MEM_BUDGET: u64 = 64 * 1024 * 1024;

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
    /// Bytes of the bodies held in memory.
    mem_used: AtomicU64,
}

/// One immutable file; let go when dropped (see the module doc).
#[derive(Debug)]
pub struct Blob {
    path: PathBuf,
    len: u64,
    /// The file name (32 hex digits).
    id: String,
    dir: Arc<DirInner>,
    /// The bytes, for a small body kept in memory (then there is no file).
    mem: Option<Bytes>,
}

impl Drop for Blob {
    fn drop(&mut self) {
        if self.mem.is_some() {
            self.dir.mem_used.fetch_sub(self.len, Ordering::Relaxed);
            return;
        }
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

    /// The blob as a snapshot carries it.
    pub fn to_store(&self) -> crate::store::Blob {
        match &self.mem {
            Some(b) => crate::store::Blob::Bytes(Arc::new(b.to_vec())),
            None => crate::store::Blob::File(self.path.clone()),
        }
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
            match &blob.mem {
                Some(b) => out.extend_from_slice(b),
                None => out.extend_from_slice(&std::fs::read(&blob.path)?),
            }
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
                mem_used: AtomicU64::new(0),
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
                mem_used: AtomicU64::new(0),
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
            mem: None,
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
            mem: None,
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

    /// The file of `blob`, created (the blob owns it from then on: an early return lets it go).
    async fn create(
        &self,
        blob: &Blob,
    ) -> Result<tokio::io::BufWriter<tokio::fs::File>, WriteError> {
        tokio::fs::create_dir_all(&self.inner.path)
            .await
            .map_err(WriteError::Io)?;
        let file = tokio::fs::File::create(&blob.path)
            .await
            .map_err(WriteError::Io)?;
        Ok(tokio::io::BufWriter::with_capacity(256 * 1024, file))
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
        let mut blob = self.new_blob();
        let mut digests = Digests::new(algorithms);
        // Without a data dir a body starts in memory and goes to a file once it outgrows
        // MEM_BODY_MAX; with one, straight to its file.
        let mut held: Option<Vec<u8>> = self.inner.temporary.then(Vec::new);
        let mut out = match held {
            Some(_) => None,
            None => Some(self.create(&blob).await?),
        };
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(WriteError::Body)?;
            digests.update(&chunk);
            blob.len += chunk.len() as u64;
            if let Some(n) = expected
                && blob.len > n
            {
                return Err(WriteError::Length {
                    expected: n,
                    got: blob.len,
                });
            }
            if let Some(buf) = held.as_mut() {
                if buf.len() + chunk.len() <= MEM_BODY_MAX {
                    buf.extend_from_slice(&chunk);
                    continue;
                }
                let mut w = self.create(&blob).await?;
                w.write_all(buf).await.map_err(WriteError::Io)?;
                held = None;
                out = Some(w);
            }
            if let Some(w) = out.as_mut() {
                w.write_all(&chunk).await.map_err(WriteError::Io)?;
            }
        }
        if let Some(n) = expected
            && blob.len != n
        {
            return Err(WriteError::Length {
                expected: n,
                got: blob.len,
            });
        }
        if let Some(buf) = held {
            let used = self.inner.mem_used.fetch_add(blob.len, Ordering::Relaxed) + blob.len;
            if used <= MEM_BUDGET {
                blob.mem = Some(Bytes::from(buf));
                return Ok((Arc::new(blob), digests.finish()));
            }
            // Past the budget: this one goes to a file after all.
            self.inner.mem_used.fetch_sub(blob.len, Ordering::Relaxed);
            let mut w = self.create(&blob).await?;
            w.write_all(&buf).await.map_err(WriteError::Io)?;
            out = Some(w);
        }
        if let Some(mut w) = out {
            w.flush().await.map_err(WriteError::Io)?;
            if self.inner.durability == Durability::Machine {
                // The body is on the disk before the record naming it is journaled.
                w.get_ref().sync_all().await.map_err(WriteError::Io)?;
                let dir = self.inner.path.clone();
                tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
                    .await
                    .map_err(|e| WriteError::Io(std::io::Error::other(e)))?
                    .map_err(WriteError::Io)?;
            }
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
                if let Some(bytes) = &blob.mem {
                    let start = usize::try_from(r.skip)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len());
                    let n = usize::try_from(r.left)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len() - start);
                    r.skip = 0;
                    r.left -= n as u64;
                    return Some((Ok(bytes.slice(start..start + n)), r));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: &[&[u8]]) -> impl Stream<Item = Result<Bytes, BoxError>> + Unpin {
        futures::stream::iter(
            parts
                .iter()
                .map(|p| Ok(Bytes::copy_from_slice(p)))
                .collect::<Vec<_>>(),
        )
    }

    async fn read_range(content: &Content, start: u64, len: u64) -> Vec<u8> {
        let mut out = Vec::new();
        let mut s = Box::pin(read(content.clone(), start, len));
        while let Some(c) = s.next().await {
            out.extend_from_slice(&c.expect("read"));
        }
        out
    }

    #[tokio::test]
    async fn small_bodies_stay_in_memory_and_large_ones_go_to_files() {
        let dir = BlobDir::new();
        let (small, _) = dir
            .write(chunks(&[b"hello ", b"world"]), &[], Some(11))
            .await
            .expect("small");
        assert!(small.mem.is_some());
        assert!(!small.path().exists());
        assert_eq!(dir.inner.mem_used.load(Ordering::Relaxed), 11);

        let big_part = vec![7u8; MEM_BODY_MAX];
        let (big, _) = dir
            .write(chunks(&[&big_part, b"!"]), &[], None)
            .await
            .expect("big");
        assert!(big.mem.is_none());
        assert_eq!(
            std::fs::metadata(big.path()).expect("file").len(),
            big.len()
        );

        // Ranges across a memory blob and a file blob, as a multipart object holds them.
        let content = Content {
            parts: vec![small.clone(), big.clone()],
        };
        assert_eq!(read_range(&content, 6, 5).await, b"world");
        let all = read_range(&content, 0, content.len()).await;
        assert_eq!(&all[..11], b"hello world");
        assert_eq!(all.len() as u64, content.len());
        assert_eq!(read_range(&content, 9, 4).await, [b'l', b'd', 7, 7]);
        assert_eq!(content.read_all().expect("all"), all);
        assert!(matches!(small.to_store(), crate::store::Blob::Bytes(_)));

        drop(content);
        drop(small);
        assert_eq!(dir.inner.mem_used.load(Ordering::Relaxed), 0);
        let path = big.path().to_path_buf();
        drop(big);
        assert!(!path.exists());
        dir.remove();
    }

    #[tokio::test]
    async fn past_the_budget_small_bodies_go_to_files() {
        let dir = BlobDir::new();
        dir.inner.mem_used.store(MEM_BUDGET - 3, Ordering::Relaxed);
        let (fits, _) = dir.write(chunks(&[b"abc"]), &[], None).await.expect("fits");
        assert!(fits.mem.is_some());
        let (over, _) = dir.write(chunks(&[b"d"]), &[], None).await.expect("over");
        assert!(over.mem.is_none());
        assert!(over.path().exists());
        assert_eq!(dir.inner.mem_used.load(Ordering::Relaxed), MEM_BUDGET);
        drop(fits);
        drop(over);
        dir.remove();
    }

    #[tokio::test]
    async fn a_data_dir_keeps_every_body_in_a_file() {
        let root = std::env::temp_dir().join(format!(
            "fogbank-blob-test-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let dir = BlobDir::in_data_dir(&root, Durability::Process);
        let (b, _) = dir.write(chunks(&[b"x"]), &[], None).await.expect("write");
        assert!(b.mem.is_none());
        assert!(b.path().exists());
        drop(b);
        let _ = std::fs::remove_dir_all(&root);
    }
}
