//! Multipart uploads in the engine: parts are blobs, completion makes an object whose content is
//! the parts' blobs in order (no bytes copied), with the `md5-of-md5s-N` ETag.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use super::blob::{Blob, Content};
use super::checksum::{Algorithm, Digests, b64, hex, unb64};
use super::engine::{Bucket, Fault, Meta, NewObject, Result, S3Engine, Version, new_version_id};
use super::events::EventKind;

/// Smallest part except the last (5 MiB).
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;

/// An upload in progress.
#[derive(Debug, Clone)]
pub struct Upload {
    pub id: String,
    pub key: String,
    pub initiated: SystemTime,
    pub meta: Meta,
    pub tags: Vec<(String, String)>,
    pub checksum_algorithm: Option<Algorithm>,
    pub parts: BTreeMap<u32, Part>,
}

/// One uploaded part.
#[derive(Debug, Clone)]
pub struct Part {
    pub number: u32,
    pub blob: Arc<Blob>,
    pub md5: [u8; 16],
    pub size: u64,
    pub last_modified: SystemTime,
    /// The part's checksum (base64) in the upload's algorithm.
    pub checksum: Option<String>,
}

impl Part {
    pub fn etag(&self) -> String {
        format!("\"{}\"", hex(&self.md5))
    }
}

fn no_such_upload() -> Fault {
    Fault::new(
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    )
}

/// Part numbers are 1 to 10,000.
pub fn check_part_number(n: i32) -> Result<u32> {
    if (1..=10_000).contains(&n) {
        Ok(n as u32)
    } else {
        Err(Fault::new(
            "InvalidArgument",
            "Part number must be an integer between 1 and 10000, inclusive",
        ))
    }
}

impl S3Engine {
    pub fn create_upload(
        &self,
        bucket: &Bucket,
        key: &str,
        meta: Meta,
        tags: Vec<(String, String)>,
        checksum_algorithm: Option<Algorithm>,
    ) -> Result<String> {
        let mut s = bucket.lock()?;
        let id = format!("{}{}", new_version_id(), new_version_id());
        let upload = Upload {
            id: id.clone(),
            key: key.to_string(),
            initiated: SystemTime::now(),
            meta,
            tags,
            checksum_algorithm,
            parts: BTreeMap::new(),
        };
        self.journal_upload(bucket, &upload);
        s.uploads.insert(id.clone(), upload);
        Ok(id)
    }

    /// The upload (a copy of its state), checked against its key.
    pub fn upload(&self, bucket: &Bucket, key: &str, id: &str) -> Result<Upload> {
        let s = bucket.lock()?;
        s.uploads
            .get(id)
            .filter(|u| u.key == key)
            .cloned()
            .ok_or_else(no_such_upload)
    }

    pub fn put_part(&self, bucket: &Bucket, key: &str, id: &str, part: Part) -> Result<()> {
        let mut s = bucket.lock()?;
        let u = s
            .uploads
            .get_mut(id)
            .filter(|u| u.key == key)
            .ok_or_else(no_such_upload)?;
        self.journal_part(bucket, id, &part);
        u.parts.insert(part.number, part);
        Ok(())
    }

    pub fn abort_upload(&self, bucket: &Bucket, key: &str, id: &str) -> Result<()> {
        let mut s = bucket.lock()?;
        match s.uploads.get(id) {
            Some(u) if u.key == key => {
                self.journal_upload_gone(bucket, u);
                s.uploads.remove(id);
                Ok(())
            }
            _ => Err(no_such_upload()),
        }
    }

    /// Uploads in progress, by key then initiation.
    pub fn list_uploads(&self, bucket: &Bucket) -> Result<Vec<Upload>> {
        let s = bucket.lock()?;
        let mut v: Vec<Upload> = s.uploads.values().cloned().collect();
        v.sort_by(|a, b| a.key.cmp(&b.key).then(a.initiated.cmp(&b.initiated)));
        Ok(v)
    }

    /// CompleteMultipartUpload with the parts listed (number, ETag as sent).
    pub fn complete_upload(
        &self,
        bucket: &Bucket,
        key: &str,
        id: &str,
        listed: &[(i32, String)],
    ) -> Result<Arc<Version>> {
        let upload = self.upload(bucket, key, id)?;
        if listed.is_empty() {
            return Err(Fault::new(
                "MalformedXML",
                "The XML you provided was not well-formed or did not validate against our published schema",
            ));
        }
        let mut parts: Vec<&Part> = Vec::with_capacity(listed.len());
        let mut last = 0i32;
        for (n, etag) in listed {
            if *n <= last {
                return Err(Fault::new(
                    "InvalidPartOrder",
                    "The list of parts was not in ascending order. Parts must be ordered by part number.",
                ));
            }
            last = *n;
            let part = u32::try_from(*n)
                .ok()
                .and_then(|n| upload.parts.get(&n))
                .filter(|p| p.etag().trim_matches('"') == etag.trim_matches('"'))
                .ok_or_else(|| {
                    Fault::new(
                        "InvalidPart",
                        "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
                    )
                })?;
            parts.push(part);
        }
        if parts[..parts.len() - 1]
            .iter()
            .any(|p| p.size < MIN_PART_SIZE)
        {
            return Err(Fault::new(
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed object size.",
            ));
        }
        let mut md5s = Digests::new(&[]);
        for p in &parts {
            md5s.update(&p.md5);
        }
        let etag = format!("\"{}-{}\"", hex(&md5s.finish().md5), parts.len());
        let checksum = upload.checksum_algorithm.and_then(|a| {
            let mut d = Digests::new(&[a]);
            for p in &parts {
                d.update(&unb64(p.checksum.as_deref()?)?);
            }
            let whole = d.finish();
            let value = unb64(whole.checksum(a)?)?;
            Some((a, format!("{}-{}", b64(&value), parts.len())))
        });
        let new = NewObject {
            content: Content {
                parts: parts.iter().map(|p| p.blob.clone()).collect(),
            },
            size: parts.iter().map(|p| p.size).sum(),
            etag,
            meta: upload.meta.clone(),
            checksum,
            parts_count: Some(parts.len()),
            part_sizes: parts.iter().map(|p| p.size).collect(),
            tags: upload.tags.clone(),
        };
        // The upload goes as its object is stored, under one lock (a concurrent abort makes this
        // NoSuchUpload).
        let mut s = bucket.lock()?;
        let Some(gone) = s.uploads.remove(id) else {
            return Err(no_such_upload());
        };
        self.journal_upload_gone(bucket, &gone);
        let v = self.store_new(bucket, &mut s, key, new);
        drop(s);
        self.emit(bucket, EventKind::CompleteMultipartUpload, &v);
        Ok(v)
    }
}
