//! ListObjects (v1, v2) and ListObjectVersions over a bucket's keys: prefix, delimiter (common
//! prefixes count as one entry each), an exclusive start marker and a page size.

use std::ops::Bound;
use std::sync::Arc;

use super::engine::{Bucket, Result, S3Engine, Version};

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct ListQuery<'a> {
    pub prefix: &'a str,
    pub delimiter: Option<&'a str>,
    /// List what comes after this (a key, or a common prefix returned before).
    pub after: Option<&'a str>,
    pub max_keys: usize,
}

/// One page.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub objects: Vec<Arc<Version>>,
    pub prefixes: Vec<String>,
    pub truncated: bool,
    /// The last key or common prefix of this page (the next page's marker).
    pub last: Option<String>,
}

/// One page of versions.
#[derive(Debug, Clone, Default)]
pub struct VersionListing {
    pub versions: Vec<Arc<Version>>,
    /// Whether each version is the current one of its key.
    pub latest: Vec<bool>,
    pub prefixes: Vec<String>,
    pub truncated: bool,
    pub next_key: Option<String>,
    pub next_version: Option<String>,
}

/// The entry a key stands for under a delimiter: itself, or its common prefix.
fn rollup<'k>(key: &'k str, prefix: &str, delimiter: Option<&str>) -> Option<&'k str> {
    let d = delimiter.filter(|d| !d.is_empty())?;
    let rest = &key[prefix.len()..];
    rest.find(d).map(|i| &key[..prefix.len() + i + d.len()])
}

impl S3Engine {
    /// The current (non-deleted) objects, one page.
    pub fn list_objects(&self, bucket: &Bucket, q: &ListQuery<'_>) -> Result<Listing> {
        let s = bucket.lock()?;
        let mut out = Listing::default();
        let start = match q.after {
            Some(a) if a >= q.prefix => Bound::Excluded(a.to_string()),
            _ => Bound::Included(q.prefix.to_string()),
        };
        let mut count = 0usize;
        for (key, versions) in s.objects.range((start, Bound::Unbounded)) {
            if !key.starts_with(q.prefix) {
                if key.as_str() > q.prefix {
                    break;
                }
                continue;
            }
            let Some(v) = versions.last().filter(|v| !v.delete_marker) else {
                continue;
            };
            let entry = rollup(key, q.prefix, q.delimiter);
            if let Some(cp) = entry {
                if out.prefixes.last().is_some_and(|l| l == cp) {
                    continue;
                }
                if q.after.is_some_and(|a| cp <= a) {
                    continue;
                }
            }
            if count == q.max_keys {
                out.truncated = true;
                break;
            }
            count += 1;
            match entry {
                Some(cp) => {
                    out.prefixes.push(cp.to_string());
                    out.last = Some(cp.to_string());
                }
                None => {
                    out.objects.push(v.clone());
                    out.last = Some(key.clone());
                }
            }
        }
        Ok(out)
    }

    /// Every version and delete marker, newest first per key, one page.
    pub fn list_versions(
        &self,
        bucket: &Bucket,
        q: &ListQuery<'_>,
        version_marker: Option<&str>,
    ) -> Result<VersionListing> {
        let s = bucket.lock()?;
        let mut out = VersionListing::default();
        let start = match q.after {
            Some(a) if a >= q.prefix => {
                if version_marker.is_some() {
                    Bound::Included(a.to_string())
                } else {
                    Bound::Excluded(a.to_string())
                }
            }
            _ => Bound::Included(q.prefix.to_string()),
        };
        let mut count = 0usize;
        'keys: for (key, versions) in s.objects.range((start, Bound::Unbounded)) {
            if !key.starts_with(q.prefix) {
                if key.as_str() > q.prefix {
                    break;
                }
                continue;
            }
            if let Some(cp) = rollup(key, q.prefix, q.delimiter) {
                if out.prefixes.last().is_some_and(|l| l == cp) || q.after.is_some_and(|a| cp <= a)
                {
                    continue;
                }
                if count == q.max_keys {
                    out.truncated = true;
                    break;
                }
                count += 1;
                out.prefixes.push(cp.to_string());
                out.next_key = Some(cp.to_string());
                out.next_version = None;
                continue;
            }
            // Newest first; on the marker's key, skip through the marker version.
            let mut skipping = q.after == Some(key.as_str()) && version_marker.is_some();
            for (i, v) in versions.iter().enumerate().rev() {
                if skipping {
                    if Some(v.version_id.as_str()) == version_marker {
                        skipping = false;
                    }
                    continue;
                }
                if count == q.max_keys {
                    out.truncated = true;
                    break 'keys;
                }
                count += 1;
                out.versions.push(v.clone());
                out.latest.push(i == versions.len() - 1);
                out.next_key = Some(key.clone());
                out.next_version = Some(v.version_id.clone());
            }
        }
        if !out.truncated {
            out.next_key = None;
            out.next_version = None;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::s3::engine::NewObject;
    use crate::s3::events::EventKind;

    fn engine_with(keys: &[&str]) -> (Arc<S3Engine>, Arc<Bucket>) {
        let e = S3Engine::new();
        let b = e
            .create_bucket("000000000000", "us-east-1", "b", None)
            .unwrap();
        for k in keys {
            e.put_object(&b, k, NewObject::default(), EventKind::Put)
                .unwrap();
        }
        (e, b)
    }

    #[test]
    fn delimiter_pages_count_prefixes_once() {
        let (e, b) = engine_with(&["a/1", "a/2", "b", "c/1", "d"]);
        let q = ListQuery {
            prefix: "",
            delimiter: Some("/"),
            after: None,
            max_keys: 2,
        };
        let p1 = e.list_objects(&b, &q).unwrap();
        assert_eq!(p1.prefixes, vec!["a/"]);
        assert_eq!(p1.objects.len(), 1);
        assert!(p1.truncated);
        assert_eq!(p1.last.as_deref(), Some("b"));
        let p2 = e
            .list_objects(
                &b,
                &ListQuery {
                    after: Some("b"),
                    ..q.clone()
                },
            )
            .unwrap();
        assert_eq!(p2.prefixes, vec!["c/"]);
        assert_eq!(p2.objects[0].key, "d");
        assert!(!p2.truncated);
        let p3 = e
            .list_objects(
                &b,
                &ListQuery {
                    after: Some("a/"),
                    max_keys: 1000,
                    ..q
                },
            )
            .unwrap();
        assert_eq!(p3.objects[0].key, "b");
    }
}
