//! Listings of the backend: ListObjects v1 and v2, ListObjectVersions (`EncodingType=url`,
//! pagination tokens).

use s3s::dto::*;
use s3s::{S3ErrorCode, S3Request, S3Response, S3Result};

use super::backend::{Backend, err, fault, owner, ts};
use super::checksum::{b64, unb64};
use super::list::ListQuery;
use super::objects::etag;

/// `max-keys`: 1000 by default and at most.
pub(super) fn max_keys(n: Option<i32>) -> S3Result<usize> {
    match n {
        None => Ok(1000),
        Some(n) if n < 0 => Err(err(
            S3ErrorCode::InvalidArgument,
            "Argument maxKeys must be an integer between 0 and 2147483647",
        )),
        Some(n) => Ok((n as usize).min(1000)),
    }
}

/// An encoder for `EncodingType=url`.
pub(super) struct Enc(bool);

impl Enc {
    pub fn new(t: Option<&EncodingType>) -> S3Result<Enc> {
        match t.map(|t| t.as_str()) {
            None => Ok(Enc(false)),
            Some("url") => Ok(Enc(true)),
            Some(_) => Err(err(
                S3ErrorCode::InvalidArgument,
                "Invalid Encoding Method specified in Request",
            )),
        }
    }

    pub fn s(&self, v: &str) -> String {
        if self.0 {
            form_urlencoded::byte_serialize(v.as_bytes())
                .collect::<String>()
                .replace("%2F", "/")
        } else {
            v.to_string()
        }
    }

    pub fn o(&self, v: Option<&String>) -> Option<String> {
        v.map(|v| self.s(v))
    }

    pub fn kind(&self) -> Option<EncodingType> {
        self.0.then(|| EncodingType::from_static("url"))
    }
}

fn storage_class(v: &super::engine::Version) -> String {
    v.meta
        .storage_class
        .clone()
        .unwrap_or_else(|| "STANDARD".to_string())
}

fn object(v: &super::engine::Version, enc: &Enc, account: Option<&str>) -> Object {
    Object {
        checksum_algorithm: v
            .checksum
            .as_ref()
            .map(|(a, _)| vec![ChecksumAlgorithm::from_static(a.name())]),
        checksum_type: v.checksum.as_ref().map(|(_, c)| {
            ChecksumType::from_static(if c.contains('-') {
                "COMPOSITE"
            } else {
                "FULL_OBJECT"
            })
        }),
        e_tag: Some(etag(&v.etag)),
        key: Some(enc.s(&v.key)),
        last_modified: Some(ts(v.last_modified)),
        owner: account.map(owner),
        restore_status: None,
        size: i64::try_from(v.size).ok(),
        storage_class: Some(ObjectStorageClass::from(storage_class(v))),
    }
}

impl Backend {
    pub(super) async fn do_list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        let input = req.input;
        let bucket = self.bucket(&input.bucket)?;
        let enc = Enc::new(input.encoding_type.as_ref())?;
        let max = max_keys(input.max_keys)?;
        let token = match &input.continuation_token {
            Some(t) => Some(
                unb64(t)
                    .and_then(|v| String::from_utf8(v).ok())
                    .ok_or_else(|| {
                        err(
                            S3ErrorCode::InvalidArgument,
                            "The continuation token provided is incorrect",
                        )
                    })?,
            ),
            None => None,
        };
        let prefix = input.prefix.clone().unwrap_or_default();
        let after = token.as_deref().or(input.start_after.as_deref());
        let page = self
            .engine
            .list_objects(
                &bucket,
                &ListQuery {
                    prefix: &prefix,
                    delimiter: input.delimiter.as_deref(),
                    after,
                    max_keys: max,
                },
            )
            .map_err(fault)?;
        let fetch_owner = input.fetch_owner == Some(true);
        let contents: Vec<Object> = page
            .objects
            .iter()
            .map(|v| object(v, &enc, fetch_owner.then_some(bucket.account.as_str())))
            .collect();
        let prefixes: Vec<CommonPrefix> = page
            .prefixes
            .iter()
            .map(|p| CommonPrefix {
                prefix: Some(enc.s(p)),
            })
            .collect();
        let count = contents.len() + prefixes.len();
        Ok(S3Response::new(ListObjectsV2Output {
            name: Some(bucket.name.clone()),
            prefix: Some(enc.s(&prefix)),
            max_keys: Some(max as i32),
            key_count: Some(count as i32),
            continuation_token: input.continuation_token.clone(),
            is_truncated: Some(page.truncated),
            next_continuation_token: page
                .truncated
                .then(|| page.last.as_deref().map(|l| b64(l.as_bytes())))
                .flatten(),
            contents: (!contents.is_empty()).then_some(contents),
            common_prefixes: (!prefixes.is_empty()).then_some(prefixes),
            delimiter: enc.o(input.delimiter.as_ref()),
            encoding_type: enc.kind(),
            start_after: enc.o(input.start_after.as_ref()),
            request_charged: None,
        }))
    }

    pub(super) async fn do_list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        let input = req.input;
        let bucket = self.bucket(&input.bucket)?;
        let enc = Enc::new(input.encoding_type.as_ref())?;
        let max = max_keys(input.max_keys)?;
        let prefix = input.prefix.clone().unwrap_or_default();
        let page = self
            .engine
            .list_objects(
                &bucket,
                &ListQuery {
                    prefix: &prefix,
                    delimiter: input.delimiter.as_deref(),
                    after: input.marker.as_deref().filter(|m| !m.is_empty()),
                    max_keys: max,
                },
            )
            .map_err(fault)?;
        let contents: Vec<Object> = page
            .objects
            .iter()
            .map(|v| object(v, &enc, Some(bucket.account.as_str())))
            .collect();
        let prefixes: Vec<CommonPrefix> = page
            .prefixes
            .iter()
            .map(|p| CommonPrefix {
                prefix: Some(enc.s(p)),
            })
            .collect();
        let has_delimiter = input.delimiter.as_deref().is_some_and(|d| !d.is_empty());
        Ok(S3Response::new(ListObjectsOutput {
            name: Some(bucket.name.clone()),
            prefix: Some(enc.s(&prefix)),
            marker: Some(enc.s(input.marker.as_deref().unwrap_or(""))),
            max_keys: Some(max as i32),
            is_truncated: Some(page.truncated),
            next_marker: (page.truncated && has_delimiter)
                .then(|| page.last.as_deref().map(|l| enc.s(l)))
                .flatten(),
            contents: (!contents.is_empty()).then_some(contents),
            common_prefixes: (!prefixes.is_empty()).then_some(prefixes),
            delimiter: enc.o(input.delimiter.as_ref()),
            encoding_type: enc.kind(),
            request_charged: None,
        }))
    }

    pub(super) async fn do_list_object_versions(
        &self,
        req: S3Request<ListObjectVersionsInput>,
    ) -> S3Result<S3Response<ListObjectVersionsOutput>> {
        let input = req.input;
        let bucket = self.bucket(&input.bucket)?;
        let enc = Enc::new(input.encoding_type.as_ref())?;
        let max = max_keys(input.max_keys)?;
        let prefix = input.prefix.clone().unwrap_or_default();
        if input.version_id_marker.is_some() && input.key_marker.is_none() {
            return Err(err(
                S3ErrorCode::InvalidArgument,
                "A version-id marker cannot be specified without a key marker.",
            ));
        }
        let page = self
            .engine
            .list_versions(
                &bucket,
                &ListQuery {
                    prefix: &prefix,
                    delimiter: input.delimiter.as_deref(),
                    after: input.key_marker.as_deref().filter(|m| !m.is_empty()),
                    max_keys: max,
                },
                input.version_id_marker.as_deref(),
            )
            .map_err(fault)?;
        let mut versions = Vec::new();
        let mut markers = Vec::new();
        for (v, latest) in page.versions.iter().zip(&page.latest) {
            if v.delete_marker {
                markers.push(DeleteMarkerEntry {
                    is_latest: Some(*latest),
                    key: Some(enc.s(&v.key)),
                    last_modified: Some(ts(v.last_modified)),
                    owner: Some(owner(&bucket.account)),
                    version_id: Some(v.version_id.clone()),
                });
            } else {
                versions.push(ObjectVersion {
                    checksum_algorithm: v
                        .checksum
                        .as_ref()
                        .map(|(a, _)| vec![ChecksumAlgorithm::from_static(a.name())]),
                    checksum_type: None,
                    e_tag: Some(etag(&v.etag)),
                    is_latest: Some(*latest),
                    key: Some(enc.s(&v.key)),
                    last_modified: Some(ts(v.last_modified)),
                    owner: Some(owner(&bucket.account)),
                    restore_status: None,
                    size: i64::try_from(v.size).ok(),
                    storage_class: Some(ObjectVersionStorageClass::from(storage_class(v))),
                    version_id: Some(v.version_id.clone()),
                });
            }
        }
        let prefixes: Vec<CommonPrefix> = page
            .prefixes
            .iter()
            .map(|p| CommonPrefix {
                prefix: Some(enc.s(p)),
            })
            .collect();
        Ok(S3Response::new(ListObjectVersionsOutput {
            common_prefixes: (!prefixes.is_empty()).then_some(prefixes),
            delete_markers: (!markers.is_empty()).then_some(markers),
            delimiter: enc.o(input.delimiter.as_ref()),
            encoding_type: enc.kind(),
            is_truncated: Some(page.truncated),
            key_marker: Some(enc.s(input.key_marker.as_deref().unwrap_or(""))),
            max_keys: Some(max as i32),
            name: Some(bucket.name.clone()),
            next_key_marker: page.next_key.as_deref().map(|k| enc.s(k)),
            next_version_id_marker: page.next_version.clone(),
            prefix: Some(enc.s(&prefix)),
            request_charged: None,
            version_id_marker: Some(input.version_id_marker.clone().unwrap_or_default()),
            versions: (!versions.is_empty()).then_some(versions),
        }))
    }
}
