//! Multipart operations of the backend: Create, UploadPart, UploadPartCopy, Complete, Abort,
//! ListParts, ListMultipartUploads.

use std::time::SystemTime;

use futures::StreamExt;
use s3s::dto::*;
use s3s::{S3ErrorCode, S3Request, S3Response, S3Result};

use super::backend::{Backend, err, fault, owner, ts};
use super::blob;
use super::checksum::Algorithm;
use super::listing::Enc;
use super::multipart::{Part, check_part_number};
use super::objects::{
    Wanted, checksum_fields, etag, meta, parse_tagging, store_body, trailer_value,
};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn algorithm(a: Option<&ChecksumAlgorithm>) -> S3Result<Option<Algorithm>> {
    match a {
        None => Ok(None),
        Some(a) => Algorithm::parse(a.as_str()).map(Some).ok_or_else(|| {
            err(S3ErrorCode::InvalidRequest, "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
        }),
    }
}

/// `bytes=first-last` of x-amz-copy-source-range, within a source of `size` bytes.
fn copy_range(r: Option<&str>, size: u64) -> S3Result<(u64, u64)> {
    let Some(r) = r else {
        return Ok((0, size));
    };
    let bad = || {
        err(
            S3ErrorCode::InvalidArgument,
            "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
        )
    };
    let (a, b) = r
        .strip_prefix("bytes=")
        .and_then(|s| s.split_once('-'))
        .ok_or_else(bad)?;
    let first: u64 = a.trim().parse().map_err(|_| bad())?;
    let last: u64 = b.trim().parse().map_err(|_| bad())?;
    if first > last {
        return Err(bad());
    }
    if last >= size {
        return Err(err(
            S3ErrorCode::InvalidRange,
            "The requested range is not satisfiable",
        ));
    }
    Ok((first, last - first + 1))
}

impl Backend {
    pub(super) async fn do_create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        let input = req.input;
        let bucket = self.bucket(&input.bucket)?;
        let algo = algorithm(input.checksum_algorithm.as_ref())?;
        let tags = parse_tagging(input.tagging.as_deref())?;
        let m = meta(
            input.content_type,
            input.content_encoding,
            input.content_disposition,
            input.content_language,
            input.cache_control,
            input.expires.as_ref(),
            input.metadata,
            input.storage_class.as_ref(),
            input.website_redirect_location,
        );
        let id = self
            .engine
            .create_upload(&bucket, &input.key, m, tags, algo)
            .map_err(fault)?;
        Ok(S3Response::new(CreateMultipartUploadOutput {
            bucket: Some(input.bucket),
            key: Some(input.key),
            upload_id: Some(id),
            checksum_algorithm: input.checksum_algorithm,
            checksum_type: algo.map(|_| ChecksumType::from_static("COMPOSITE")),
            ..Default::default()
        }))
    }

    pub(super) async fn do_upload_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        let c = self.caller(&req);
        let S3Request {
            input,
            headers,
            trailing_headers,
            ..
        } = req;
        let bucket = self.bucket(&input.bucket)?;
        let number = check_part_number(input.part_number).map_err(fault)?;
        let upload = self
            .engine
            .upload(&bucket, &input.key, &input.upload_id)
            .map_err(fault)?;
        let mut wanted = Wanted::new(
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
        if let Some(a) = upload.checksum_algorithm {
            wanted.algorithms.push(a);
        }
        let (blob, got) =
            store_body(self, input.body, &wanted.algorithms, input.content_length).await?;
        let trailer = trailer_value(&c.trailers, &trailing_headers, wanted.trailer);
        let kept = wanted.verify(&got, input.content_md5.as_deref(), trailer)?;
        let part_checksum = upload
            .checksum_algorithm
            .and_then(|a| got.checksum(a).map(|v| (a, v.to_string())));
        let part = Part {
            number,
            size: blob.len(),
            blob,
            md5: got.md5,
            last_modified: SystemTime::now(),
            checksum: part_checksum.as_ref().map(|(_, v)| v.clone()),
        };
        let e = part.etag();
        self.engine
            .put_part(&bucket, &input.key, &input.upload_id, part)
            .map_err(fault)?;
        let shown =
            part_checksum.or(kept.filter(|_| !wanted.given.is_empty() || wanted.trailer.is_some()));
        let [crc32, crc32c, crc64, sha1, sha256] = checksum_fields(shown.as_ref());
        Ok(S3Response::new(UploadPartOutput {
            e_tag: Some(etag(&e)),
            checksum_crc32: crc32,
            checksum_crc32c: crc32c,
            checksum_crc64nvme: crc64,
            checksum_sha1: sha1,
            checksum_sha256: sha256,
            ..Default::default()
        }))
    }

    pub(super) async fn do_upload_part_copy(
        &self,
        req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        let input = req.input;
        let bucket = self.bucket(&input.bucket)?;
        let number = check_part_number(input.part_number).map_err(fault)?;
        let upload = self
            .engine
            .upload(&bucket, &input.key, &input.upload_id)
            .map_err(fault)?;
        let CopySource::Bucket {
            bucket: sb,
            key: sk,
            version_id: sv,
        } = &input.copy_source
        else {
            return Err(err(
                S3ErrorCode::NotImplemented,
                "Copying from an access point is not supported",
            ));
        };
        let source_bucket = self.bucket(sb)?;
        let src = self
            .engine
            .get_version(&source_bucket, sk, sv.as_deref())
            .map_err(fault)?;
        if src.delete_marker {
            return Err(err(
                S3ErrorCode::NoSuchKey,
                "The specified key does not exist.",
            ));
        }
        let (start, len) = copy_range(input.copy_source_range.as_deref(), src.size)?;
        let stream = blob::read(src.content.clone(), start, len)
            .map(|r| r.map_err(|e| -> BoxError { Box::new(e) }));
        let algorithms: Vec<Algorithm> = upload.checksum_algorithm.into_iter().collect();
        let (b, got) = self
            .engine
            .blobs
            .write(Box::pin(stream), &algorithms, Some(len))
            .await
            .map_err(|_| {
                err(
                    S3ErrorCode::InternalError,
                    "We encountered an internal error. Please try again.",
                )
            })?;
        let part_checksum = upload
            .checksum_algorithm
            .and_then(|a| got.checksum(a).map(|v| (a, v.to_string())));
        let part = Part {
            number,
            size: b.len(),
            blob: b,
            md5: got.md5,
            last_modified: SystemTime::now(),
            checksum: part_checksum.as_ref().map(|(_, v)| v.clone()),
        };
        let e = part.etag();
        let modified = part.last_modified;
        self.engine
            .put_part(&bucket, &input.key, &input.upload_id, part)
            .map_err(fault)?;
        let [crc32, crc32c, crc64, sha1, sha256] = checksum_fields(part_checksum.as_ref());
        Ok(S3Response::new(UploadPartCopyOutput {
            copy_part_result: Some(CopyPartResult {
                e_tag: Some(etag(&e)),
                last_modified: Some(ts(modified)),
                checksum_crc32: crc32,
                checksum_crc32c: crc32c,
                checksum_crc64nvme: crc64,
                checksum_sha1: sha1,
                checksum_sha256: sha256,
            }),
            copy_source_version_id: (src.version_id != "null").then(|| src.version_id.clone()),
            ..Default::default()
        }))
    }

    pub(super) async fn do_complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let host = req
            .extensions
            .get::<crate::context::RequestContext>()
            .map(|c| c.host.clone())
            .unwrap_or_else(|| "localhost".to_string());
        let input = req.input;
        let bucket = self.bucket(&input.bucket)?;
        let listed: Vec<(i32, String)> = input
            .multipart_upload
            .and_then(|m| m.parts)
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                (
                    p.part_number.unwrap_or(0),
                    p.e_tag.map(|e| e.value().to_string()).unwrap_or_default(),
                )
            })
            .collect();
        let v = self
            .engine
            .complete_upload(&bucket, &input.key, &input.upload_id, &listed)
            .map_err(fault)?;
        let [crc32, crc32c, crc64, sha1, sha256] = checksum_fields(v.checksum.as_ref());
        Ok(S3Response::new(CompleteMultipartUploadOutput {
            bucket: Some(input.bucket.clone()),
            key: Some(input.key.clone()),
            location: Some(format!("http://{host}/{}/{}", input.bucket, input.key)),
            e_tag: Some(etag(&v.etag)),
            version_id: (v.version_id != "null").then(|| v.version_id.clone()),
            checksum_crc32: crc32,
            checksum_crc32c: crc32c,
            checksum_crc64nvme: crc64,
            checksum_sha1: sha1,
            checksum_sha256: sha256,
            checksum_type: v
                .checksum
                .as_ref()
                .map(|_| ChecksumType::from_static("COMPOSITE")),
            ..Default::default()
        }))
    }

    pub(super) async fn do_abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        let input = req.input;
        let bucket = self.bucket(&input.bucket)?;
        self.engine
            .abort_upload(&bucket, &input.key, &input.upload_id)
            .map_err(fault)?;
        Ok(S3Response::new(AbortMultipartUploadOutput::default()))
    }

    pub(super) async fn do_list_parts(
        &self,
        req: S3Request<ListPartsInput>,
    ) -> S3Result<S3Response<ListPartsOutput>> {
        let input = req.input;
        let bucket = self.bucket(&input.bucket)?;
        let upload = self
            .engine
            .upload(&bucket, &input.key, &input.upload_id)
            .map_err(fault)?;
        let max = match input.max_parts {
            None => 1000,
            Some(n) if n < 0 => {
                return Err(err(
                    S3ErrorCode::InvalidArgument,
                    "Argument max-parts must be an integer between 0 and 2147483647",
                ));
            }
            Some(n) => (n as usize).min(1000),
        };
        let marker = u32::try_from(input.part_number_marker.unwrap_or(0)).unwrap_or(0);
        let mut parts = Vec::new();
        let mut truncated = false;
        for p in upload.parts.values().filter(|p| p.number > marker) {
            if parts.len() == max {
                truncated = true;
                break;
            }
            let kept = upload.checksum_algorithm.zip(p.checksum.clone());
            let [crc32, crc32c, crc64, sha1, sha256] = checksum_fields(kept.as_ref());
            parts.push(s3s::dto::Part {
                e_tag: Some(etag(&p.etag())),
                last_modified: Some(ts(p.last_modified)),
                part_number: Some(p.number as i32),
                size: i64::try_from(p.size).ok(),
                checksum_crc32: crc32,
                checksum_crc32c: crc32c,
                checksum_crc64nvme: crc64,
                checksum_sha1: sha1,
                checksum_sha256: sha256,
            });
        }
        let next = parts.last().and_then(|p| p.part_number);
        Ok(S3Response::new(ListPartsOutput {
            bucket: Some(input.bucket),
            key: Some(input.key),
            upload_id: Some(input.upload_id),
            checksum_algorithm: upload
                .checksum_algorithm
                .map(|a| ChecksumAlgorithm::from_static(a.name())),
            initiator: Some(Initiator {
                display_name: Some("webfile".to_string()),
                id: owner(&bucket.account).id,
            }),
            owner: Some(owner(&bucket.account)),
            is_truncated: Some(truncated),
            max_parts: Some(max as i32),
            part_number_marker: input.part_number_marker,
            next_part_number_marker: next,
            parts: (!parts.is_empty()).then_some(parts),
            storage_class: Some(StorageClass::from_static("STANDARD")),
            ..Default::default()
        }))
    }

    pub(super) async fn do_list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        let input = req.input;
        let bucket = self.bucket(&input.bucket)?;
        let enc = Enc::new(input.encoding_type.as_ref())?;
        let max = match input.max_uploads {
            None => 1000,
            Some(n) if n < 0 => {
                return Err(err(
                    S3ErrorCode::InvalidArgument,
                    "Argument max-uploads must be an integer between 0 and 2147483647",
                ));
            }
            Some(n) => (n as usize).min(1000),
        };
        let prefix = input.prefix.clone().unwrap_or_default();
        let key_marker = input.key_marker.clone().unwrap_or_default();
        let all = self.engine.list_uploads(&bucket).map_err(fault)?;
        let mut uploads = Vec::new();
        let mut truncated = false;
        for u in all.iter().filter(|u| u.key.starts_with(&prefix)) {
            let after = match &input.upload_id_marker {
                Some(id) if !key_marker.is_empty() => {
                    u.key > key_marker || (u.key == key_marker && u.id.as_str() > id.as_str())
                }
                _ => key_marker.is_empty() || u.key > key_marker,
            };
            if !after {
                continue;
            }
            if uploads.len() == max {
                truncated = true;
                break;
            }
            uploads.push(u);
        }
        let next_key = truncated
            .then(|| uploads.last().map(|u| enc.s(&u.key)))
            .flatten();
        let next_id = truncated
            .then(|| uploads.last().map(|u| u.id.clone()))
            .flatten();
        let list: Vec<MultipartUpload> = uploads
            .iter()
            .map(|u| MultipartUpload {
                checksum_algorithm: u
                    .checksum_algorithm
                    .map(|a| ChecksumAlgorithm::from_static(a.name())),
                checksum_type: None,
                initiated: Some(ts(u.initiated)),
                initiator: Some(Initiator {
                    display_name: Some("webfile".to_string()),
                    id: owner(&bucket.account).id,
                }),
                key: Some(enc.s(&u.key)),
                owner: Some(owner(&bucket.account)),
                storage_class: Some(StorageClass::from_static("STANDARD")),
                upload_id: Some(u.id.clone()),
            })
            .collect();
        Ok(S3Response::new(ListMultipartUploadsOutput {
            bucket: Some(input.bucket),
            delimiter: enc.o(input.delimiter.as_ref()),
            encoding_type: enc.kind(),
            is_truncated: Some(truncated),
            key_marker: Some(enc.s(&key_marker)),
            max_uploads: Some(max as i32),
            next_key_marker: next_key,
            next_upload_id_marker: next_id,
            prefix: Some(enc.s(&prefix)),
            upload_id_marker: Some(input.upload_id_marker.unwrap_or_default()),
            uploads: (!list.is_empty()).then_some(list),
            ..Default::default()
        }))
    }
}
