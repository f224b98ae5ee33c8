//! The s3s backend: `impl s3s::S3` over [`S3Engine`]. s3s parses the REST-XML requests into
//! typed inputs and renders outputs and errors; this module maps them onto the engine. Bucket
//! operations are here; objects in `objects`, listings in `listing`, multipart in `uploads`.

use std::sync::Arc;
use std::time::SystemTime;

use s3s::dto::*;
use s3s::{S3, S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::chunked::Trailers;
use super::engine::{Bucket, Fault, S3Engine, Versioning};
use crate::context::RequestContext;

/// The backend s3s calls.
#[derive(Clone)]
pub struct Backend {
    pub(super) engine: Arc<S3Engine>,
    pub(super) default_account: String,
    pub(super) default_region: String,
}

/// Map an engine fault to s3s's error (the status follows from the code).
pub(super) fn fault(f: Fault) -> S3Error {
    let code = S3ErrorCode::from_bytes(f.code.as_bytes())
        .unwrap_or_else(|| S3ErrorCode::Custom(f.code.into()));
    S3Error::with_message(code, f.message)
}

pub(super) fn err(code: S3ErrorCode, message: impl Into<String>) -> S3Error {
    S3Error::with_message(code, message.into())
}

/// The canonical user id S3 shows as an account's owner id.
pub(super) fn owner(account: &str) -> Owner {
    use sha2::Digest;
    let id = super::checksum::hex(&sha2::Sha256::digest(account.as_bytes()));
    Owner {
        display_name: Some("webfile".to_string()),
        id: Some(id),
    }
}

pub(super) fn ts(t: SystemTime) -> Timestamp {
    Timestamp::from(t)
}

pub(super) fn to_system_time(t: &Timestamp) -> SystemTime {
    SystemTime::from(time::OffsetDateTime::from(t.clone()))
}

/// What the router put in the request's extensions: who asks, and the aws-chunked trailers.
pub(super) struct Caller {
    pub account: String,
    pub region: String,
    pub trailers: Option<Trailers>,
}

impl Backend {
    pub(super) fn caller<T>(&self, req: &S3Request<T>) -> Caller {
        let ctx = req.extensions.get::<RequestContext>();
        Caller {
            account: ctx
                .map(|c| c.account.clone())
                .unwrap_or_else(|| self.default_account.clone()),
            region: ctx
                .map(|c| c.region.clone())
                .or_else(|| req.region.as_ref().map(|r| r.as_str().to_string()))
                .unwrap_or_else(|| self.default_region.clone()),
            trailers: req.extensions.get::<Trailers>().cloned(),
        }
    }

    pub(super) fn bucket(&self, name: &str) -> S3Result<Arc<Bucket>> {
        self.engine.bucket(name).map_err(fault)
    }
}

fn tags_from(set: &[Tag]) -> Vec<(String, String)> {
    set.iter()
        .map(|t| {
            (
                t.key.clone().unwrap_or_default(),
                t.value.clone().unwrap_or_default(),
            )
        })
        .collect()
}

pub(super) fn tag_set(tags: &[(String, String)]) -> TagSet {
    tags.iter()
        .map(|(k, v)| Tag {
            key: Some(k.clone()),
            value: Some(v.clone()),
        })
        .collect()
}

/// Tags as S3 checks them (at most 50 for a bucket, 10 for an object; unique keys; lengths).
pub(super) fn check_tags(tags: &[(String, String)], max: usize, what: &str) -> S3Result<()> {
    if tags.len() > max {
        return Err(err(
            S3ErrorCode::InvalidTag,
            format!("{what} tags cannot be greater than {max}"),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(err(
                S3ErrorCode::InvalidTag,
                "The TagKey you have provided is invalid",
            ));
        }
        if v.chars().count() > 256 {
            return Err(err(
                S3ErrorCode::InvalidTag,
                "The TagValue you have provided is invalid",
            ));
        }
        if !seen.insert(k.as_str()) {
            return Err(err(
                S3ErrorCode::InvalidTag,
                "Cannot provide multiple Tags with the same key",
            ));
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl S3 for Backend {
    // ---- buckets ----

    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        let c = self.caller(&req);
        let input = req.input;
        let constraint = input
            .create_bucket_configuration
            .as_ref()
            .and_then(|c| c.location_constraint.as_ref())
            .map(|l| l.as_str().to_string());
        self.engine
            .create_bucket(&c.account, &c.region, &input.bucket, constraint.as_deref())
            .map_err(fault)?;
        Ok(S3Response::new(CreateBucketOutput {
            location: Some(format!("/{}", input.bucket)),
        }))
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        Ok(S3Response::new(HeadBucketOutput {
            bucket_region: Some(b.region.clone()),
            ..Default::default()
        }))
    }

    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        self.engine
            .delete_bucket(&req.input.bucket)
            .map_err(fault)?;
        Ok(S3Response::new(DeleteBucketOutput {}))
    }

    async fn list_buckets(
        &self,
        req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        let c = self.caller(&req);
        let prefix = req.input.prefix.clone();
        let buckets: Vec<s3s::dto::Bucket> = self
            .engine
            .list_buckets(&c.account)
            .into_iter()
            .filter(|b| prefix.as_deref().is_none_or(|p| b.name.starts_with(p)))
            .filter(|b| {
                req.input
                    .bucket_region
                    .as_deref()
                    .is_none_or(|r| b.region == r)
            })
            .map(|b| s3s::dto::Bucket {
                bucket_region: Some(b.region.clone()),
                creation_date: Some(ts(b.created)),
                name: Some(b.name.clone()),
            })
            .collect();
        Ok(S3Response::new(ListBucketsOutput {
            buckets: Some(buckets),
            owner: Some(owner(&c.account)),
            prefix,
            continuation_token: None,
        }))
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        let location_constraint =
            (b.region != "us-east-1").then(|| BucketLocationConstraint::from(b.region.clone()));
        Ok(S3Response::new(GetBucketLocationOutput {
            location_constraint,
        }))
    }

    async fn put_bucket_versioning(
        &self,
        req: S3Request<PutBucketVersioningInput>,
    ) -> S3Result<S3Response<PutBucketVersioningOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        let enabled = match req
            .input
            .versioning_configuration
            .status
            .as_ref()
            .map(|s| s.as_str())
        {
            Some("Enabled") => true,
            Some("Suspended") => false,
            _ => {
                return Err(err(
                    S3ErrorCode::MalformedXML,
                    "The XML you provided was not well-formed or did not validate against our published schema",
                ));
            }
        };
        self.engine.set_versioning(&b, enabled).map_err(fault)?;
        Ok(S3Response::new(PutBucketVersioningOutput {}))
    }

    async fn get_bucket_versioning(
        &self,
        req: S3Request<GetBucketVersioningInput>,
    ) -> S3Result<S3Response<GetBucketVersioningOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        let status = match self.engine.versioning(&b).map_err(fault)? {
            Versioning::Unversioned => None,
            Versioning::Enabled => Some(BucketVersioningStatus::from_static("Enabled")),
            Versioning::Suspended => Some(BucketVersioningStatus::from_static("Suspended")),
        };
        Ok(S3Response::new(GetBucketVersioningOutput {
            status,
            mfa_delete: None,
        }))
    }

    async fn put_bucket_tagging(
        &self,
        req: S3Request<PutBucketTaggingInput>,
    ) -> S3Result<S3Response<PutBucketTaggingOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        let tags = tags_from(&req.input.tagging.tag_set);
        check_tags(&tags, 50, "Bucket")?;
        self.engine
            .change_state(&b, |s| s.tags = Some(tags))
            .map_err(fault)?;
        Ok(S3Response::new(PutBucketTaggingOutput {}))
    }

    async fn get_bucket_tagging(
        &self,
        req: S3Request<GetBucketTaggingInput>,
    ) -> S3Result<S3Response<GetBucketTaggingOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        let tags = self
            .engine
            .with_state(&b, |s| s.tags.clone())
            .map_err(fault)?;
        match tags {
            Some(t) => Ok(S3Response::new(GetBucketTaggingOutput {
                tag_set: tag_set(&t),
            })),
            None => Err(err(S3ErrorCode::NoSuchTagSet, "The TagSet does not exist")),
        }
    }

    async fn delete_bucket_tagging(
        &self,
        req: S3Request<DeleteBucketTaggingInput>,
    ) -> S3Result<S3Response<DeleteBucketTaggingOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        self.engine
            .change_state(&b, |s| s.tags = None)
            .map_err(fault)?;
        Ok(S3Response::new(DeleteBucketTaggingOutput {}))
    }

    async fn put_bucket_policy(
        &self,
        req: S3Request<PutBucketPolicyInput>,
    ) -> S3Result<S3Response<PutBucketPolicyOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        let policy = req.input.policy;
        if serde_json::from_str::<serde_json::Value>(&policy)
            .ok()
            .filter(|v| v.is_object())
            .is_none()
        {
            return Err(err(
                S3ErrorCode::MalformedPolicy,
                "Policies must be valid JSON and the first byte must be '{'",
            ));
        }
        self.engine
            .change_state(&b, |s| s.policy = Some(policy))
            .map_err(fault)?;
        Ok(S3Response::new(PutBucketPolicyOutput {}))
    }

    async fn get_bucket_policy(
        &self,
        req: S3Request<GetBucketPolicyInput>,
    ) -> S3Result<S3Response<GetBucketPolicyOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        match self
            .engine
            .with_state(&b, |s| s.policy.clone())
            .map_err(fault)?
        {
            Some(p) => Ok(S3Response::new(GetBucketPolicyOutput { policy: Some(p) })),
            None => Err(err(
                S3ErrorCode::NoSuchBucketPolicy,
                "The bucket policy does not exist",
            )),
        }
    }

    async fn delete_bucket_policy(
        &self,
        req: S3Request<DeleteBucketPolicyInput>,
    ) -> S3Result<S3Response<DeleteBucketPolicyOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        self.engine
            .change_state(&b, |s| s.policy = None)
            .map_err(fault)?;
        Ok(S3Response::new(DeleteBucketPolicyOutput {}))
    }

    async fn put_bucket_cors(
        &self,
        req: S3Request<PutBucketCorsInput>,
    ) -> S3Result<S3Response<PutBucketCorsOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        let cors = req.input.cors_configuration;
        self.engine
            .change_state(&b, |s| s.cors = Some(cors))
            .map_err(fault)?;
        Ok(S3Response::new(PutBucketCorsOutput {}))
    }

    async fn get_bucket_cors(
        &self,
        req: S3Request<GetBucketCorsInput>,
    ) -> S3Result<S3Response<GetBucketCorsOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        match self
            .engine
            .with_state(&b, |s| s.cors.clone())
            .map_err(fault)?
        {
            Some(c) => Ok(S3Response::new(GetBucketCorsOutput {
                cors_rules: Some(c.cors_rules),
            })),
            None => Err(err(
                S3ErrorCode::NoSuchCORSConfiguration,
                "The CORS configuration does not exist",
            )),
        }
    }

    async fn delete_bucket_cors(
        &self,
        req: S3Request<DeleteBucketCorsInput>,
    ) -> S3Result<S3Response<DeleteBucketCorsOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        self.engine
            .change_state(&b, |s| s.cors = None)
            .map_err(fault)?;
        Ok(S3Response::new(DeleteBucketCorsOutput {}))
    }

    async fn put_bucket_notification_configuration(
        &self,
        req: S3Request<PutBucketNotificationConfigurationInput>,
    ) -> S3Result<S3Response<PutBucketNotificationConfigurationOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        let config = req.input.notification_configuration;
        let queues: Vec<String> = config
            .queue_configurations
            .iter()
            .flatten()
            .map(|q| q.queue_arn.clone())
            .collect();
        let all: Vec<String> = queues
            .iter()
            .cloned()
            .chain(
                config
                    .topic_configurations
                    .iter()
                    .flatten()
                    .map(|t| t.topic_arn.clone()),
            )
            .chain(
                config
                    .lambda_function_configurations
                    .iter()
                    .flatten()
                    .map(|l| l.lambda_function_arn.clone()),
            )
            .collect();
        let events = self.engine.events();
        if req.input.skip_destination_validation != Some(true)
            && let Some(ev) = &events
            && !ev.missing_destinations(&all).is_empty()
        {
            return Err(err(
                S3ErrorCode::InvalidArgument,
                "Unable to validate the following destination configurations",
            ));
        }
        self.engine
            .change_state(&b, |s| s.notification = (!all.is_empty()).then_some(config))
            .map_err(fault)?;
        if let Some(ev) = events {
            ev.configured(&b.name, &queues);
        }
        Ok(S3Response::new(PutBucketNotificationConfigurationOutput {}))
    }

    async fn get_bucket_notification_configuration(
        &self,
        req: S3Request<GetBucketNotificationConfigurationInput>,
    ) -> S3Result<S3Response<GetBucketNotificationConfigurationOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        let c = self
            .engine
            .with_state(&b, |s| s.notification.clone())
            .map_err(fault)?
            .unwrap_or_default();
        Ok(S3Response::new(GetBucketNotificationConfigurationOutput {
            event_bridge_configuration: c.event_bridge_configuration,
            lambda_function_configurations: c.lambda_function_configurations,
            queue_configurations: c.queue_configurations,
            topic_configurations: c.topic_configurations,
        }))
    }

    async fn put_bucket_lifecycle_configuration(
        &self,
        req: S3Request<PutBucketLifecycleConfigurationInput>,
    ) -> S3Result<S3Response<PutBucketLifecycleConfigurationOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        let Some(config) = req.input.lifecycle_configuration else {
            return Err(err(
                S3ErrorCode::MalformedXML,
                "The XML you provided was not well-formed or did not validate against our published schema",
            ));
        };
        self.engine
            .change_state(&b, |s| s.lifecycle = Some(config))
            .map_err(fault)?;
        Ok(S3Response::new(
            PutBucketLifecycleConfigurationOutput::default(),
        ))
    }

    async fn get_bucket_lifecycle_configuration(
        &self,
        req: S3Request<GetBucketLifecycleConfigurationInput>,
    ) -> S3Result<S3Response<GetBucketLifecycleConfigurationOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        match self
            .engine
            .with_state(&b, |s| s.lifecycle.clone())
            .map_err(fault)?
        {
            Some(c) => Ok(S3Response::new(GetBucketLifecycleConfigurationOutput {
                rules: Some(c.rules),
                ..Default::default()
            })),
            None => Err(err(
                S3ErrorCode::NoSuchLifecycleConfiguration,
                "The lifecycle configuration does not exist",
            )),
        }
    }

    async fn delete_bucket_lifecycle(
        &self,
        req: S3Request<DeleteBucketLifecycleInput>,
    ) -> S3Result<S3Response<DeleteBucketLifecycleOutput>> {
        let b = self.bucket(&req.input.bucket)?;
        self.engine
            .change_state(&b, |s| s.lifecycle = None)
            .map_err(fault)?;
        Ok(S3Response::new(DeleteBucketLifecycleOutput {}))
    }

    // ---- objects (objects.rs) ----

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        self.do_put_object(req).await
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        self.do_get_object(req).await
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        self.do_head_object(req).await
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.do_delete_object(req).await
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        self.do_delete_objects(req).await
    }

    async fn copy_object(
        &self,
        req: S3Request<CopyObjectInput>,
    ) -> S3Result<S3Response<CopyObjectOutput>> {
        self.do_copy_object(req).await
    }

    async fn put_object_tagging(
        &self,
        req: S3Request<PutObjectTaggingInput>,
    ) -> S3Result<S3Response<PutObjectTaggingOutput>> {
        self.do_put_object_tagging(req).await
    }

    async fn get_object_tagging(
        &self,
        req: S3Request<GetObjectTaggingInput>,
    ) -> S3Result<S3Response<GetObjectTaggingOutput>> {
        self.do_get_object_tagging(req).await
    }

    async fn delete_object_tagging(
        &self,
        req: S3Request<DeleteObjectTaggingInput>,
    ) -> S3Result<S3Response<DeleteObjectTaggingOutput>> {
        self.do_delete_object_tagging(req).await
    }

    // ---- listings (listing.rs) ----

    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        self.do_list_objects(req).await
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        self.do_list_objects_v2(req).await
    }

    async fn list_object_versions(
        &self,
        req: S3Request<ListObjectVersionsInput>,
    ) -> S3Result<S3Response<ListObjectVersionsOutput>> {
        self.do_list_object_versions(req).await
    }

    // ---- multipart (uploads.rs) ----

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        self.do_create_multipart_upload(req).await
    }

    async fn upload_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        self.do_upload_part(req).await
    }

    async fn upload_part_copy(
        &self,
        req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        self.do_upload_part_copy(req).await
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        self.do_complete_multipart_upload(req).await
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        self.do_abort_multipart_upload(req).await
    }

    async fn list_parts(
        &self,
        req: S3Request<ListPartsInput>,
    ) -> S3Result<S3Response<ListPartsOutput>> {
        self.do_list_parts(req).await
    }

    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        self.do_list_multipart_uploads(req).await
    }
}
