//! Object operations of the backend: Put (streamed to a blob, Content-MD5 and checksums checked),
//! Get/Head (ranges, parts, conditional headers), Delete, DeleteObjects, Copy, tagging.

use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use s3s::dto::*;
use s3s::{S3ErrorCode, S3Request, S3Response, S3Result};

use super::backend::{Backend, check_tags, err, fault, tag_set, to_system_time, ts};
use super::blob::{self, Content, WriteError};
use super::checksum::{Algorithm, Digested, unb64};
use super::engine::{Meta, NewObject, Version};
use super::events::EventKind;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The checksums a request announced: algorithms to compute and the values to check.
#[derive(Debug, Default)]
pub(super) struct Wanted {
    pub algorithms: Vec<Algorithm>,
    /// Values given in headers.
    pub given: Vec<(Algorithm, String)>,
    /// The algorithm whose value comes in the aws-chunked trailer.
    pub trailer: Option<Algorithm>,
}

impl Wanted {
    /// From the typed checksum fields, `x-amz-sdk-checksum-algorithm` and `x-amz-trailer`.
    pub fn new(
        algorithm: Option<&ChecksumAlgorithm>,
        values: [Option<&String>; 5],
        headers: &axum::http::HeaderMap,
    ) -> S3Result<Wanted> {
        let mut w = Wanted::default();
        if let Some(a) = algorithm {
            let a = Algorithm::parse(a.as_str()).ok_or_else(|| {
                err(
                    S3ErrorCode::InvalidRequest,
                    "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
                )
            })?;
            w.algorithms.push(a);
        }
        for (a, v) in Algorithm::ALL.into_iter().zip(values) {
            if let Some(v) = v {
                if !a.valid_value(v) {
                    return Err(err(
                        S3ErrorCode::InvalidRequest,
                        format!(
                            "Value for x-amz-checksum-{} header is invalid.",
                            a.name().to_ascii_lowercase()
                        ),
                    ));
                }
                w.algorithms.push(a);
                w.given.push((a, v.clone()));
            }
        }
        if let Some(t) = headers.get("x-amz-trailer").and_then(|v| v.to_str().ok()) {
            let name = t.trim().to_ascii_lowercase();
            let a = name
                .strip_prefix("x-amz-checksum-")
                .and_then(Algorithm::parse)
                .ok_or_else(|| {
                    err(
                        S3ErrorCode::InvalidRequest,
                        "The value specified in the x-amz-trailer header is not supported",
                    )
                })?;
            w.algorithms.push(a);
            w.trailer = Some(a);
        }
        if w.given.len() > 1 {
            return Err(err(
                S3ErrorCode::InvalidRequest,
                "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
            ));
        }
        if w.algorithms.is_empty() {
            // S3 keeps a CRC64NVME of every object uploaded without a checksum.
            w.algorithms.push(Algorithm::Crc64Nvme);
        }
        Ok(w)
    }

    /// Check the computed digests against what the request gave; the checksum to keep.
    pub fn verify(
        &self,
        got: &Digested,
        content_md5: Option<&str>,
        trailer_value: Option<String>,
    ) -> S3Result<Option<(Algorithm, String)>> {
        if let Some(md5) = content_md5 {
            match unb64(md5).filter(|v| v.len() == 16) {
                None => {
                    return Err(err(
                        S3ErrorCode::InvalidDigest,
                        "The Content-MD5 you specified was invalid.",
                    ));
                }
                Some(v) if v[..] != got.md5[..] => {
                    return Err(err(
                        S3ErrorCode::BadDigest,
                        "The Content-MD5 you specified did not match what we received.",
                    ));
                }
                Some(_) => {}
            }
        }
        let mut expected = self.given.clone();
        if let Some(a) = self.trailer {
            match trailer_value {
                Some(v) => expected.push((a, v)),
                None => {
                    return Err(err(
                        S3ErrorCode::InvalidRequest,
                        "The x-amz-trailer header names a checksum the body's trailer does not carry.",
                    ));
                }
            }
        }
        for (a, v) in &expected {
            if got.checksum(*a) != Some(v.trim()) {
                return Err(err(
                    S3ErrorCode::BadDigest,
                    format!(
                        "The {} you specified did not match the calculated checksum.",
                        a.name()
                    ),
                ));
            }
        }
        let keep = expected
            .first()
            .map(|(a, _)| *a)
            .or(self.algorithms.first().copied());
        Ok(keep.and_then(|a| got.checksum(a).map(|v| (a, v.to_string()))))
    }
}

/// The trailer value of an `aws-chunked` body (ours in default mode, s3s's in strict mode).
pub(super) fn trailer_value(
    req_trailers: &Option<super::chunked::Trailers>,
    s3s_trailers: &Option<s3s::TrailingHeaders>,
    algorithm: Option<Algorithm>,
) -> Option<String> {
    let name = algorithm?.header();
    if let Some(t) = req_trailers
        && let Some(list) = t.get()
    {
        return list.into_iter().find(|(k, _)| k == name).map(|(_, v)| v);
    }
    let t = s3s_trailers.as_ref()?;
    t.read(|h| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    })
    .flatten()
}

/// Stream a request body into a blob.
pub(super) async fn store_body(
    backend: &Backend,
    body: Option<StreamingBlob>,
    algorithms: &[Algorithm],
    expected: Option<i64>,
) -> S3Result<(Arc<blob::Blob>, Digested)> {
    let expected = expected.and_then(|n| u64::try_from(n).ok());
    let stream: std::pin::Pin<Box<dyn futures::Stream<Item = Result<Bytes, BoxError>> + Send>> =
        match body {
            Some(b) => Box::pin(b.map(|r| r.map_err(|e| -> BoxError { e }))),
            None => Box::pin(futures::stream::empty()),
        };
    match backend
        .engine
        .blobs
        .write(stream, algorithms, expected)
        .await
    {
        Ok(v) => Ok(v),
        Err(WriteError::Io(e)) => {
            tracing::warn!("s3: writing a body failed: {e}");
            Err(err(
                S3ErrorCode::InternalError,
                "We encountered an internal error. Please try again.",
            ))
        }
        Err(WriteError::Body(e)) => {
            if e.downcast_ref::<super::chunked::ChunkError>().is_some() {
                Err(err(
                    S3ErrorCode::IncompleteBody,
                    format!("The request body is not valid aws-chunked encoding: {e}"),
                ))
            } else {
                Err(err(
                    S3ErrorCode::IncompleteBody,
                    "You did not provide the number of bytes specified by the Content-Length HTTP header",
                ))
            }
        }
        Err(WriteError::Length { .. }) => Err(err(
            S3ErrorCode::IncompleteBody,
            "You did not provide the number of bytes specified by the Content-Length HTTP header",
        )),
    }
}

fn http_date(t: &Timestamp) -> Option<String> {
    let mut v = Vec::new();
    t.format(TimestampFormat::HttpDate, &mut v).ok()?;
    String::from_utf8(v).ok()
}

/// Content headers and metadata of a write.
#[allow(clippy::too_many_arguments)]
pub(super) fn meta(
    content_type: Option<String>,
    content_encoding: Option<String>,
    content_disposition: Option<String>,
    content_language: Option<String>,
    cache_control: Option<String>,
    expires: Option<&Timestamp>,
    metadata: Option<Metadata>,
    storage_class: Option<&StorageClass>,
    website_redirect: Option<String>,
) -> Meta {
    // aws-chunked is transport framing, not the object's encoding.
    let content_encoding = content_encoding.and_then(|e| {
        let rest: Vec<&str> = e
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty() && !p.eq_ignore_ascii_case("aws-chunked"))
            .collect();
        (!rest.is_empty()).then(|| rest.join(","))
    });
    Meta {
        content_type: Some(content_type.unwrap_or_else(|| "binary/octet-stream".to_string())),
        content_encoding,
        content_disposition,
        content_language,
        cache_control,
        expires: expires.and_then(http_date),
        storage_class: storage_class
            .map(|s| s.as_str().to_string())
            .filter(|s| s != "STANDARD"),
        website_redirect,
        user: metadata
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect(),
    }
}

/// `k1=v1&k2=v2` (the `x-amz-tagging` header).
pub(super) fn parse_tagging(s: Option<&str>) -> S3Result<Vec<(String, String)>> {
    let Some(s) = s.filter(|s| !s.is_empty()) else {
        return Ok(Vec::new());
    };
    let tags: Vec<(String, String)> = form_urlencoded::parse(s.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    check_tags(&tags, 10, "Object")?;
    Ok(tags)
}

pub(super) fn etag(v: &str) -> ETag {
    ETag::Strong(v.trim_matches('"').to_string())
}

/// The checksum fields of an output, for one kept checksum.
pub(super) fn checksum_fields(c: Option<&(Algorithm, String)>) -> [Option<String>; 5] {
    let mut out: [Option<String>; 5] = Default::default();
    if let Some((a, v)) = c
        && let Some(i) = Algorithm::ALL.iter().position(|x| x == a)
    {
        out[i] = Some(v.clone());
    }
    out
}

fn checksum_type(c: Option<&(Algorithm, String)>) -> Option<ChecksumType> {
    c.map(|(_, v)| {
        if v.contains('-') {
            ChecksumType::from_static("COMPOSITE")
        } else {
            ChecksumType::from_static("FULL_OBJECT")
        }
    })
}

fn version_header(v: &Version) -> Option<String> {
    Some(v.version_id.clone())
}

fn etag_matches(cond: &ETagCondition, etag: &str) -> bool {
    match cond {
        ETagCondition::Any => true,
        ETagCondition::ETag(e) => e.value() == etag.trim_matches('"'),
    }
}

/// If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since, as S3 weighs them.
fn check_conditions(
    v: &Version,
    if_match: Option<&ETagCondition>,
    if_none_match: Option<&ETagCondition>,
    if_modified_since: Option<&Timestamp>,
    if_unmodified_since: Option<&Timestamp>,
) -> S3Result<()> {
    // Compared at one-second precision, as HTTP dates are.
    let secs = |t: std::time::SystemTime| {
        t.duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    };
    let modified = secs(v.last_modified);
    let failed = || {
        err(
            S3ErrorCode::PreconditionFailed,
            "At least one of the pre-conditions you specified did not hold",
        )
    };
    let not_modified = || err(S3ErrorCode::NotModified, "Not Modified");
    if let Some(c) = if_match {
        if !etag_matches(c, &v.etag) {
            return Err(failed());
        }
    } else if let Some(t) = if_unmodified_since
        && modified > secs(to_system_time(t))
    {
        return Err(failed());
    }
    if let Some(c) = if_none_match {
        if etag_matches(c, &v.etag) {
            return Err(not_modified());
        }
    } else if let Some(t) = if_modified_since
        && modified <= secs(to_system_time(t))
    {
        return Err(not_modified());
    }
    Ok(())
}

/// The byte range to serve: a `Range`, a `partNumber`, or everything.
fn pick_range(
    v: &Version,
    range: Option<&Range>,
    part_number: Option<i32>,
) -> S3Result<Option<(u64, u64)>> {
    if let Some(n) = part_number {
        if range.is_some() {
            return Err(err(
                S3ErrorCode::InvalidRequest,
                "Cannot specify both Range header and partNumber query parameter",
            ));
        }
        let sizes: Vec<u64> = if v.part_sizes.is_empty() {
            vec![v.size]
        } else {
            v.part_sizes.clone()
        };
        let i = usize::try_from(n)
            .ok()
            .filter(|i| (1..=sizes.len()).contains(i))
            .ok_or_else(|| {
                let mut e = err(
                    S3ErrorCode::Custom("InvalidPartNumber".into()),
                    "The requested partnumber is not satisfiable",
                );
                e.set_status_code(axum::http::StatusCode::RANGE_NOT_SATISFIABLE);
                e
            })?;
        let start: u64 = sizes[..i - 1].iter().sum();
        return Ok(Some((start, sizes[i - 1])));
    }
    match range {
        None => Ok(None),
        Some(r) => {
            let r = r.check(v.size).map_err(|_| {
                err(
                    S3ErrorCode::InvalidRange,
                    "The requested range is not satisfiable",
                )
            })?;
            Ok(Some((r.start, r.end - r.start)))
        }
    }
}

fn delete_marker_error(current: bool) -> s3s::S3Error {
    let mut e = if current {
        err(S3ErrorCode::NoSuchKey, "The specified key does not exist.")
    } else {
        err(
            S3ErrorCode::MethodNotAllowed,
            "The specified method is not allowed against this resource.",
        )
    };
    let mut h = axum::http::HeaderMap::new();
    // s3s replaces the error's headers with these: keep the body's type.
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/xml"),
    );
    h.insert(
        "x-amz-delete-marker",
        axum::http::HeaderValue::from_static("true"),
    );
    e.set_headers(h);
    e
}

impl Backend {
    fn find_version(
        &self,
        bucket: &super::engine::Bucket,
        key: &str,
        version_id: Option<&str>,
    ) -> S3Result<Arc<Version>> {
        let v = self
            .engine
            .get_version(bucket, key, version_id)
            .map_err(|f| {
                if f.code == "NoSuchKey"
                    && version_id.is_none()
                    && bucket.lock().ok().and_then(|s| {
                        s.objects
                            .get(key)
                            .and_then(|l| l.last().map(|v| v.delete_marker))
                    }) == Some(true)
                {
                    delete_marker_error(true)
                } else {
                    fault(f)
                }
            })?;
        if v.delete_marker {
            return Err(delete_marker_error(false));
        }
        Ok(v)
    }

    pub(super) async fn do_put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        let c = self.caller(&req);
        let S3Request {
            input,
            headers,
            trailing_headers,
            ..
        } = req;
        let bucket = self.bucket(&input.bucket)?;
        let wanted = Wanted::new(
            input.checksum_algorithm.as_ref(),
            [
                input.checksum_crc32.as_ref(),
                input.checksum_crc32c.as_ref(),
                input.checksum_crc64nvme.as_ref(),
                input.checksum_sha1.as_ref(),
                input.checksum_sha256.as_ref(),
            ],
            &headers,
        )?;
        let tags = parse_tagging(input.tagging.as_deref())?;
        if let Some(cond) = &input.if_none_match
            && matches!(cond, ETagCondition::Any)
            && self.engine.get_version(&bucket, &input.key, None).is_ok()
        {
            return Err(err(
                S3ErrorCode::PreconditionFailed,
                "At least one of the pre-conditions you specified did not hold",
            ));
        }
        let (blob, got) =
            store_body(self, input.body, &wanted.algorithms, input.content_length).await?;
        let trailer = trailer_value(&c.trailers, &trailing_headers, wanted.trailer);
        let checksum = wanted.verify(&got, input.content_md5.as_deref(), trailer)?;
        let new = NewObject {
            size: blob.len(),
            content: Content { parts: vec![blob] },
            etag: got.etag(),
            meta: meta(
                input.content_type,
                input.content_encoding,
                input.content_disposition,
                input.content_language,
                input.cache_control,
                input.expires.as_ref(),
                input.metadata,
                input.storage_class.as_ref(),
                input.website_redirect_location,
            ),
            checksum: checksum.clone(),
            parts_count: None,
            part_sizes: Vec::new(),
            tags,
        };
        let v = self
            .engine
            .put_object(&bucket, &input.key, new, EventKind::Put)
            .map_err(fault)?;
        let [crc32, crc32c, crc64, sha1, sha256] = checksum_fields(checksum.as_ref());
        Ok(S3Response::new(PutObjectOutput {
            e_tag: Some(etag(&v.etag)),
            version_id: (v.version_id != "null").then(|| v.version_id.clone()),
            checksum_crc32: crc32,
            checksum_crc32c: crc32c,
            checksum_crc64nvme: crc64,
            checksum_sha1: sha1,
            checksum_sha256: sha256,
            checksum_type: checksum_type(checksum.as_ref()),
            ..Default::default()
        }))
    }

    pub(super) async fn do_get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        let input = req.input;
        let bucket = self.bucket(&input.bucket)?;
        let v = self.find_version(&bucket, &input.key, input.version_id.as_deref())?;
        check_conditions(
            &v,
            input.if_match.as_ref(),
            input.if_none_match.as_ref(),
            input.if_modified_since.as_ref(),
            input.if_unmodified_since.as_ref(),
        )?;
        let range = pick_range(&v, input.range.as_ref(), input.part_number)?;
        let (start, len) = range.unwrap_or((0, v.size));
        let full = range.is_none() || (start == 0 && len == v.size && input.part_number.is_none());
        let with_checksum = full
            && input
                .checksum_mode
                .as_ref()
                .is_some_and(|m| m.as_str() == "ENABLED");
        let kept = if with_checksum {
            v.checksum.as_ref()
        } else {
            None
        };
        let [crc32, crc32c, crc64, sha1, sha256] = checksum_fields(kept);
        let body = StreamingBlob::wrap(blob::read(v.content.clone(), start, len));
        let m = &v.meta;
        Ok(S3Response::new(GetObjectOutput {
            body: Some(body),
            accept_ranges: Some("bytes".to_string()),
            content_length: i64::try_from(len).ok(),
            content_range: range.map(|(s, l)| {
                if l == 0 {
                    format!("bytes */{}", v.size)
                } else {
                    format!("bytes {}-{}/{}", s, s + l - 1, v.size)
                }
            }),
            e_tag: Some(etag(&v.etag)),
            last_modified: Some(ts(v.last_modified)),
            metadata: (!m.user.is_empty()).then(|| m.user.clone().into_iter().collect()),
            content_type: m.content_type.clone(),
            content_encoding: m.content_encoding.clone(),
            content_disposition: m.content_disposition.clone(),
            content_language: m.content_language.clone(),
            cache_control: m.cache_control.clone(),
            expires: m
                .expires
                .as_deref()
                .and_then(|e| Timestamp::parse(TimestampFormat::HttpDate, e).ok()),
            storage_class: m.storage_class.clone().map(StorageClass::from),
            website_redirect_location: m.website_redirect.clone(),
            version_id: version_header(&v)
                .filter(|id| id != "null" || bucket_versioned(self, &bucket)),
            tag_count: (!v.tags.is_empty()).then_some(v.tags.len() as i32),
            parts_count: input.part_number.and(v.parts_count.map(|n| n as i32)),
            checksum_crc32: crc32,
            checksum_crc32c: crc32c,
            checksum_crc64nvme: crc64,
            checksum_sha1: sha1,
            checksum_sha256: sha256,
            checksum_type: checksum_type(kept),
            ..Default::default()
        }))
    }

    pub(super) async fn do_head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        let input = req.input;
        let bucket = self.bucket(&input.bucket)?;
        let v = self.find_version(&bucket, &input.key, input.version_id.as_deref())?;
        check_conditions(
            &v,
            input.if_match.as_ref(),
            input.if_none_match.as_ref(),
            input.if_modified_since.as_ref(),
            input.if_unmodified_since.as_ref(),
        )?;
        let range = pick_range(&v, input.range.as_ref(), input.part_number)?;
        let (_, len) = range.unwrap_or((0, v.size));
        let with_checksum = range.is_none()
            && input
                .checksum_mode
                .as_ref()
                .is_some_and(|m| m.as_str() == "ENABLED");
        let kept = if with_checksum {
            v.checksum.as_ref()
        } else {
            None
        };
        let [crc32, crc32c, crc64, sha1, sha256] = checksum_fields(kept);
        let m = &v.meta;
        Ok(S3Response::new(HeadObjectOutput {
            accept_ranges: Some("bytes".to_string()),
            content_length: i64::try_from(len).ok(),
            content_range: range
                .map(|(s, l)| format!("bytes {}-{}/{}", s, (s + l).saturating_sub(1), v.size)),
            e_tag: Some(etag(&v.etag)),
            last_modified: Some(ts(v.last_modified)),
            metadata: (!m.user.is_empty()).then(|| m.user.clone().into_iter().collect()),
            content_type: m.content_type.clone(),
            content_encoding: m.content_encoding.clone(),
            content_disposition: m.content_disposition.clone(),
            content_language: m.content_language.clone(),
            cache_control: m.cache_control.clone(),
            expires: m
                .expires
                .as_deref()
                .and_then(|e| Timestamp::parse(TimestampFormat::HttpDate, e).ok()),
            storage_class: m.storage_class.clone().map(StorageClass::from),
            website_redirect_location: m.website_redirect.clone(),
            version_id: version_header(&v)
                .filter(|id| id != "null" || bucket_versioned(self, &bucket)),
            parts_count: input.part_number.and(v.parts_count.map(|n| n as i32)),
            checksum_crc32: crc32,
            checksum_crc32c: crc32c,
            checksum_crc64nvme: crc64,
            checksum_sha1: sha1,
            checksum_sha256: sha256,
            checksum_type: checksum_type(kept),
            ..Default::default()
        }))
    }

    pub(super) async fn do_delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        let input = req.input;
        let bucket = self.bucket(&input.bucket)?;
        let d = self
            .engine
            .delete_object(&bucket, &input.key, input.version_id.as_deref())
            .map_err(fault)?;
        Ok(S3Response::new(DeleteObjectOutput {
            delete_marker: d.delete_marker.then_some(true),
            version_id: d.version_id,
            request_charged: None,
        }))
    }

    pub(super) async fn do_delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let input = req.input;
        let bucket = self.bucket(&input.bucket)?;
        if input.delete.objects.len() > 1000 {
            return Err(err(
                S3ErrorCode::MalformedXML,
                "The XML you provided was not well-formed or did not validate against our published schema",
            ));
        }
        let quiet = input.delete.quiet == Some(true);
        let mut deleted = Vec::new();
        let mut errors = Vec::new();
        for o in input.delete.objects {
            match self
                .engine
                .delete_object(&bucket, &o.key, o.version_id.as_deref())
            {
                Ok(d) => {
                    if !quiet {
                        deleted.push(DeletedObject {
                            delete_marker: d.delete_marker.then_some(true),
                            delete_marker_version_id: if d.delete_marker {
                                d.version_id.clone()
                            } else {
                                None
                            },
                            key: Some(o.key),
                            version_id: if d.delete_marker {
                                o.version_id
                            } else {
                                d.version_id
                            },
                        });
                    }
                }
                Err(f) => errors.push(Error {
                    code: Some(f.code.to_string()),
                    key: Some(o.key),
                    message: Some(f.message),
                    version_id: o.version_id,
                }),
            }
        }
        Ok(S3Response::new(DeleteObjectsOutput {
            deleted: (!deleted.is_empty()).then_some(deleted),
            errors: (!errors.is_empty()).then_some(errors),
            request_charged: None,
        }))
    }

    pub(super) async fn do_copy_object(
        &self,
        req: S3Request<CopyObjectInput>,
    ) -> S3Result<S3Response<CopyObjectOutput>> {
        let input = req.input;
        let CopySource::Bucket {
            bucket: src_bucket,
            key: src_key,
            version_id: src_version,
        } = &input.copy_source
        else {
            return Err(err(
                S3ErrorCode::NotImplemented,
                "Copying from an access point is not supported",
            ));
        };
        let dest = self.bucket(&input.bucket)?;
        let source_bucket = self.bucket(src_bucket)?;
        let src = self.find_version(&source_bucket, src_key, src_version.as_deref())?;
        check_conditions(
            &src,
            input.copy_source_if_match.as_ref(),
            input.copy_source_if_none_match.as_ref(),
            input.copy_source_if_modified_since.as_ref(),
            input.copy_source_if_unmodified_since.as_ref(),
        )
        .map_err(|e| {
            if *e.code() == S3ErrorCode::NotModified {
                err(
                    S3ErrorCode::PreconditionFailed,
                    "At least one of the pre-conditions you specified did not hold",
                )
            } else {
                e
            }
        })?;
        let replace = input
            .metadata_directive
            .as_ref()
            .is_some_and(|d| d.as_str() == "REPLACE");
        let replace_tags = input
            .tagging_directive
            .as_ref()
            .is_some_and(|d| d.as_str() == "REPLACE");
        let same = **src_bucket == *input.bucket && **src_key == *input.key;
        if same
            && !replace
            && input.storage_class.is_none()
            && input.website_redirect_location.is_none()
            && input.server_side_encryption.is_none()
        {
            return Err(err(
                S3ErrorCode::InvalidRequest,
                "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
            ));
        }
        let meta = if replace {
            meta(
                input.content_type,
                input.content_encoding,
                input.content_disposition,
                input.content_language,
                input.cache_control,
                input.expires.as_ref(),
                input.metadata,
                input.storage_class.as_ref(),
                input.website_redirect_location,
            )
        } else {
            let mut m = src.meta.clone();
            if let Some(s) = &input.storage_class {
                m.storage_class = Some(s.as_str().to_string()).filter(|s| s != "STANDARD");
            }
            m
        };
        let tags = if replace_tags {
            parse_tagging(input.tagging.as_deref())?
        } else {
            src.tags.clone()
        };
        let new = NewObject {
            content: src.content.clone(),
            size: src.size,
            etag: src.etag.clone(),
            meta,
            checksum: src.checksum.clone(),
            parts_count: src.parts_count,
            part_sizes: src.part_sizes.clone(),
            tags,
        };
        let v = self
            .engine
            .put_object(&dest, &input.key, new, EventKind::Copy)
            .map_err(fault)?;
        let [crc32, crc32c, crc64, sha1, sha256] = checksum_fields(v.checksum.as_ref());
        Ok(S3Response::new(CopyObjectOutput {
            copy_object_result: Some(CopyObjectResult {
                e_tag: Some(etag(&v.etag)),
                last_modified: Some(ts(v.last_modified)),
                checksum_crc32: crc32,
                checksum_crc32c: crc32c,
                checksum_crc64nvme: crc64,
                checksum_sha1: sha1,
                checksum_sha256: sha256,
                checksum_type: checksum_type(v.checksum.as_ref()),
            }),
            copy_source_version_id: (src.version_id != "null").then(|| src.version_id.clone()),
            version_id: (v.version_id != "null").then(|| v.version_id.clone()),
            ..Default::default()
        }))
    }

    pub(super) async fn do_put_object_tagging(
        &self,
        req: S3Request<PutObjectTaggingInput>,
    ) -> S3Result<S3Response<PutObjectTaggingOutput>> {
        let input = req.input;
        let bucket = self.bucket(&input.bucket)?;
        let tags: Vec<(String, String)> = input
            .tagging
            .tag_set
            .iter()
            .map(|t| {
                (
                    t.key.clone().unwrap_or_default(),
                    t.value.clone().unwrap_or_default(),
                )
            })
            .collect();
        check_tags(&tags, 10, "Object")?;
        let id = self
            .engine
            .set_object_tags(
                &bucket,
                &input.key,
                input.version_id.as_deref(),
                tags,
                EventKind::TaggingPut,
            )
            .map_err(fault)?;
        Ok(S3Response::new(PutObjectTaggingOutput {
            version_id: (id != "null").then_some(id),
        }))
    }

    pub(super) async fn do_get_object_tagging(
        &self,
        req: S3Request<GetObjectTaggingInput>,
    ) -> S3Result<S3Response<GetObjectTaggingOutput>> {
        let input = req.input;
        let bucket = self.bucket(&input.bucket)?;
        let v = self.find_version(&bucket, &input.key, input.version_id.as_deref())?;
        Ok(S3Response::new(GetObjectTaggingOutput {
            tag_set: tag_set(&v.tags),
            version_id: (v.version_id != "null").then(|| v.version_id.clone()),
        }))
    }

    pub(super) async fn do_delete_object_tagging(
        &self,
        req: S3Request<DeleteObjectTaggingInput>,
    ) -> S3Result<S3Response<DeleteObjectTaggingOutput>> {
        let input = req.input;
        let bucket = self.bucket(&input.bucket)?;
        let id = self
            .engine
            .set_object_tags(
                &bucket,
                &input.key,
                input.version_id.as_deref(),
                Vec::new(),
                EventKind::TaggingDelete,
            )
            .map_err(fault)?;
        Ok(S3Response::new(DeleteObjectTaggingOutput {
            version_id: (id != "null").then_some(id),
        }))
    }
}

fn bucket_versioned(b: &Backend, bucket: &super::engine::Bucket) -> bool {
    !matches!(
        b.engine.versioning(bucket),
        Ok(super::engine::Versioning::Unversioned) | Err(_)
    )
}
