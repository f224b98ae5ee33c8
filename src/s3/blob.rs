//! Object bodies as files: one immutable file per upload (a PUT body or a multipart part) in a
//! per-server directory under the system temp dir, written while the body streams and hashed on
//! the fly. A [`Blob`] deletes its file when the last reference goes, so an object being read
//! keeps its file while a delete or overwrite replaces it in the index; objects made of several
//! blobs (multipart) and copies share blobs instead of copying bytes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::checksum::{Algorithm, Digested, Digests};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The directory holding the blobs of one server.
#[derive(Debug)]
pub struct BlobDir {
    path: PathBuf,
    next: AtomicU64,
}

/// One immutable file; removed when dropped.
#[derive(Debug)]
pub struct Blob {
    path: PathBuf,
    len: u64,
}

impl Drop for Blob {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Blob {
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
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
            path,
            next: AtomicU64::new(0),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Remove the directory and every file in it (shutdown).
    pub fn remove(&self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }

    fn new_path(&self) -> PathBuf {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        self.path.join(format!("{n:016x}"))
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
        if let Err(e) = tokio::fs::create_dir_all(&self.path).await {
            return Err(WriteError::Io(e));
        }
        let path = self.new_path();
        let file = tokio::fs::File::create(&path)
            .await
            .map_err(WriteError::Io)?;
        // From here on the blob owns the file: any early return removes it.
        let mut blob = Blob { path, len: 0 };
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
