//! S3 through the Rust SDK (aws-sdk-s3): buckets, objects, listings, versioning, tagging,
//! bucket configurations, presigned URLs and addressing, and AWS's error answers.

mod common;
mod s3_support;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, ChecksumAlgorithm, ChecksumMode,
    CreateBucketConfiguration, Delete, ObjectIdentifier, Tag, Tagging, VersioningConfiguration,
};
use s3_support::{body, code, s3, s3_in};

#[tokio::test]
async fn buckets_create_head_list_locate_delete() {
    let server = common::start().await;
    let c = s3(&server).await;
    c.create_bucket()
        .bucket("alpha")
        .send()
        .await
        .expect("create");
    // us-east-1 answers a repeated create of one's own bucket with 200.
    c.create_bucket()
        .bucket("alpha")
        .send()
        .await
        .expect("create again");
    let head = c.head_bucket().bucket("alpha").send().await.expect("head");
    assert_eq!(head.bucket_region(), Some("us-east-1"));
    let loc = c
        .get_bucket_location()
        .bucket("alpha")
        .send()
        .await
        .unwrap();
    // us-east-1 is an empty `<LocationConstraint/>`, as AWS answers.
    assert_eq!(
        loc.location_constraint().map(|l| l.as_str()).unwrap_or(""),
        ""
    );

    let eu = s3_in(&server, "eu-west-1").await;
    eu.create_bucket()
        .bucket("beta")
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .expect("create in eu-west-1");
    let loc = eu
        .get_bucket_location()
        .bucket("beta")
        .send()
        .await
        .unwrap();
    assert_eq!(
        loc.location_constraint(),
        Some(&BucketLocationConstraint::EuWest1)
    );
    let again = eu
        .create_bucket()
        .bucket("beta")
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await;
    assert_eq!(
        code(again),
        (Some("BucketAlreadyOwnedByYou".into()), Some(409))
    );
    // A regional endpoint needs the constraint, and us-east-1 may not name itself.
    let r = eu.create_bucket().bucket("gamma").send().await;
    assert_eq!(
        code(r).0.as_deref(),
        Some("IllegalLocationConstraintException")
    );
    let r = c
        .create_bucket()
        .bucket("gamma")
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from("us-east-1"))
                .build(),
        )
        .send()
        .await;
    assert_eq!(
        code(r),
        (Some("InvalidLocationConstraint".into()), Some(400))
    );
    let r = c.create_bucket().bucket("Bad_Name").send().await;
    assert_eq!(code(r), (Some("InvalidBucketName".into()), Some(400)));

    let list = c.list_buckets().send().await.unwrap();
    let names: Vec<&str> = list.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, vec!["alpha", "beta"]);

    c.put_object()
        .bucket("alpha")
        .key("k")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    let r = c.delete_bucket().bucket("alpha").send().await;
    assert_eq!(code(r), (Some("BucketNotEmpty".into()), Some(409)));
    c.delete_object()
        .bucket("alpha")
        .key("k")
        .send()
        .await
        .unwrap();
    c.delete_bucket()
        .bucket("alpha")
        .send()
        .await
        .expect("delete");
    let r = c.head_bucket().bucket("alpha").send().await;
    assert_eq!(code(r).1, Some(404));
    let r = c.list_objects_v2().bucket("alpha").send().await;
    assert_eq!(code(r), (Some("NoSuchBucket".into()), Some(404)));
    server.shutdown().await;
}

#[tokio::test]
async fn put_get_head_delete_with_default_checksums() {
    let server = common::start().await;
    let c = s3(&server).await;
    c.create_bucket().bucket("objs").send().await.unwrap();
    // The SDK's default: CRC32 in an aws-chunked trailer.
    let put = c
        .put_object()
        .bucket("objs")
        .key("dir/hello.txt")
        .body(ByteStream::from_static(b"hello world"))
        .content_type("text/plain")
        .metadata("colour", "blue")
        .send()
        .await
        .expect("put");
    assert_eq!(put.e_tag(), Some("\"5eb63bbbe01eeed093cb22bb8f5acdc3\""));
    assert_eq!(put.checksum_crc32(), Some("DUoRhQ=="));

    let got = c
        .get_object()
        .bucket("objs")
        .key("dir/hello.txt")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .expect("get");
    assert_eq!(got.content_type(), Some("text/plain"));
    assert_eq!(got.content_length(), Some(11));
    assert_eq!(got.checksum_crc32(), Some("DUoRhQ=="));
    assert_eq!(
        got.metadata()
            .and_then(|m| m.get("colour"))
            .map(String::as_str),
        Some("blue")
    );
    assert_eq!(body(got).await, b"hello world");

    // An explicit SHA256, and a wrong CRC32C answered BadDigest.
    c.put_object()
        .bucket("objs")
        .key("sha")
        .body(ByteStream::from_static(b"abc"))
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .send()
        .await
        .expect("put sha256");
    let r = c
        .put_object()
        .bucket("objs")
        .key("bad")
        .body(ByteStream::from_static(b"abc"))
        .checksum_crc32_c("AAAAAA==")
        .send()
        .await;
    assert_eq!(code(r), (Some("BadDigest".into()), Some(400)));
    let r = c
        .put_object()
        .bucket("objs")
        .key("bad")
        .body(ByteStream::from_static(b"abc"))
        .content_md5("1B2M2Y8AsgTpgAmY7PhCfg==")
        .send()
        .await;
    assert_eq!(code(r), (Some("BadDigest".into()), Some(400)));

    let head = c
        .head_object()
        .bucket("objs")
        .key("dir/hello.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(11));
    assert_eq!(head.e_tag(), Some("\"5eb63bbbe01eeed093cb22bb8f5acdc3\""));

    // Range, overrides, conditionals.
    let part = c
        .get_object()
        .bucket("objs")
        .key("dir/hello.txt")
        .range("bytes=6-")
        .send()
        .await
        .unwrap();
    assert_eq!(part.content_range(), Some("bytes 6-10/11"));
    assert_eq!(body(part).await, b"world");
    let r = c
        .get_object()
        .bucket("objs")
        .key("dir/hello.txt")
        .range("bytes=20-30")
        .send()
        .await;
    assert_eq!(code(r), (Some("InvalidRange".into()), Some(416)));
    let o = c
        .get_object()
        .bucket("objs")
        .key("dir/hello.txt")
        .response_content_type("application/json")
        .response_content_disposition("attachment")
        .send()
        .await
        .unwrap();
    assert_eq!(o.content_type(), Some("application/json"));
    assert_eq!(o.content_disposition(), Some("attachment"));
    let r = c
        .get_object()
        .bucket("objs")
        .key("dir/hello.txt")
        .if_match("\"nope\"")
        .send()
        .await;
    assert_eq!(code(r).1, Some(412));
    let r = c
        .get_object()
        .bucket("objs")
        .key("dir/hello.txt")
        .if_none_match("\"5eb63bbbe01eeed093cb22bb8f5acdc3\"")
        .send()
        .await;
    assert_eq!(code(r).1, Some(304));

    let r = c.get_object().bucket("objs").key("missing").send().await;
    assert_eq!(code(r), (Some("NoSuchKey".into()), Some(404)));
    let r = c.get_object().bucket("nobucket").key("k").send().await;
    assert_eq!(code(r), (Some("NoSuchBucket".into()), Some(404)));
    c.delete_object()
        .bucket("objs")
        .key("dir/hello.txt")
        .send()
        .await
        .unwrap();
    let r = c
        .head_object()
        .bucket("objs")
        .key("dir/hello.txt")
        .send()
        .await;
    assert_eq!(code(r).1, Some(404));
    // Deleting what is not there succeeds.
    c.delete_object()
        .bucket("objs")
        .key("dir/hello.txt")
        .send()
        .await
        .unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn list_v2_and_v1_with_prefix_delimiter_pages() {
    let server = common::start().await;
    let c = s3(&server).await;
    c.create_bucket().bucket("lst").send().await.unwrap();
    for k in ["a/1", "a/2", "b", "c/1", "d", "e"] {
        c.put_object()
            .bucket("lst")
            .key(k)
            .body(ByteStream::from_static(b"-"))
            .send()
            .await
            .unwrap();
    }
    let p = c
        .list_objects_v2()
        .bucket("lst")
        .delimiter("/")
        .max_keys(3)
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = p.contents().iter().filter_map(|o| o.key()).collect();
    let prefixes: Vec<&str> = p
        .common_prefixes()
        .iter()
        .filter_map(|o| o.prefix())
        .collect();
    assert_eq!(
        (keys.clone(), prefixes.clone()),
        (vec!["b"], vec!["a/", "c/"])
    );
    assert_eq!(p.is_truncated(), Some(true));
    assert_eq!(p.key_count(), Some(3));
    let token = p.next_continuation_token().expect("token").to_string();
    let p2 = c
        .list_objects_v2()
        .bucket("lst")
        .delimiter("/")
        .continuation_token(token)
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = p2.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, vec!["d", "e"]);
    assert_eq!(p2.is_truncated(), Some(false));

    let p = c
        .list_objects_v2()
        .bucket("lst")
        .prefix("a/")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = p.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, vec!["a/1", "a/2"]);
    let p = c
        .list_objects_v2()
        .bucket("lst")
        .start_after("c/1")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = p.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, vec!["d", "e"]);

    let v1 = c
        .list_objects()
        .bucket("lst")
        .delimiter("/")
        .max_keys(2)
        .send()
        .await
        .unwrap();
    assert_eq!(v1.is_truncated(), Some(true));
    assert_eq!(v1.next_marker(), Some("b"));
    let v1 = c
        .list_objects()
        .bucket("lst")
        .marker("b")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = v1.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, vec!["c/1", "d", "e"]);
    server.shutdown().await;
}

#[tokio::test]
async fn versioning_delete_markers_and_version_listing() {
    let server = common::start().await;
    let c = s3(&server).await;
    c.create_bucket().bucket("ver").send().await.unwrap();
    let v = c
        .get_bucket_versioning()
        .bucket("ver")
        .send()
        .await
        .unwrap();
    assert_eq!(v.status(), None);
    c.put_bucket_versioning()
        .bucket("ver")
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let v1 = c
        .put_object()
        .bucket("ver")
        .key("k")
        .body(ByteStream::from_static(b"one"))
        .send()
        .await
        .unwrap();
    let v2 = c
        .put_object()
        .bucket("ver")
        .key("k")
        .body(ByteStream::from_static(b"two"))
        .send()
        .await
        .unwrap();
    let id1 = v1.version_id().unwrap().to_string();
    assert_ne!(Some(id1.as_str()), v2.version_id());
    let d = c
        .delete_object()
        .bucket("ver")
        .key("k")
        .send()
        .await
        .unwrap();
    assert_eq!(d.delete_marker(), Some(true));
    let r = c.get_object().bucket("ver").key("k").send().await;
    let marker_header = r.as_ref().err().and_then(|e| {
        e.raw_response()
            .and_then(|r| r.headers().get("x-amz-delete-marker"))
            .map(str::to_string)
    });
    assert_eq!(marker_header.as_deref(), Some("true"));
    assert_eq!(code(r), (Some("NoSuchKey".into()), Some(404)));
    let old = c
        .get_object()
        .bucket("ver")
        .key("k")
        .version_id(&id1)
        .send()
        .await
        .unwrap();
    assert_eq!(body(old).await, b"one");
    let list = c.list_object_versions().bucket("ver").send().await.unwrap();
    assert_eq!(list.versions().len(), 2);
    assert_eq!(list.delete_markers().len(), 1);
    assert_eq!(list.delete_markers()[0].is_latest(), Some(true));
    // Removing the marker brings back "two".
    let marker = list.delete_markers()[0].version_id().unwrap().to_string();
    c.delete_object()
        .bucket("ver")
        .key("k")
        .version_id(marker)
        .send()
        .await
        .unwrap();
    let cur = c.get_object().bucket("ver").key("k").send().await.unwrap();
    assert_eq!(body(cur).await, b"two");
    server.shutdown().await;
}

#[tokio::test]
async fn tagging_policy_cors_lifecycle_and_delete_objects() {
    let server = common::start().await;
    let c = s3(&server).await;
    c.create_bucket().bucket("cfg").send().await.unwrap();
    let r = c.get_bucket_tagging().bucket("cfg").send().await;
    assert_eq!(code(r), (Some("NoSuchTagSet".into()), Some(404)));
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build().unwrap();
    c.put_bucket_tagging()
        .bucket("cfg")
        .tagging(
            Tagging::builder()
                .tag_set(tag("env", "dev"))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let t = c.get_bucket_tagging().bucket("cfg").send().await.unwrap();
    assert_eq!(t.tag_set()[0].key(), "env");

    let r = c.get_bucket_policy().bucket("cfg").send().await;
    assert_eq!(code(r), (Some("NoSuchBucketPolicy".into()), Some(404)));
    let policy = r#"{"Version":"2012-10-17","Statement":[]}"#;
    c.put_bucket_policy()
        .bucket("cfg")
        .policy(policy)
        .send()
        .await
        .unwrap();
    let p = c.get_bucket_policy().bucket("cfg").send().await.unwrap();
    assert_eq!(p.policy(), Some(policy));

    let r = c.get_bucket_cors().bucket("cfg").send().await;
    assert_eq!(code(r), (Some("NoSuchCORSConfiguration".into()), Some(404)));
    let rule = aws_sdk_s3::types::CorsRule::builder()
        .allowed_methods("GET")
        .allowed_origins("*")
        .build()
        .unwrap();
    c.put_bucket_cors()
        .bucket("cfg")
        .cors_configuration(
            aws_sdk_s3::types::CorsConfiguration::builder()
                .cors_rules(rule)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let cors = c.get_bucket_cors().bucket("cfg").send().await.unwrap();
    assert_eq!(cors.cors_rules()[0].allowed_methods(), ["GET"]);

    let r = c
        .get_bucket_lifecycle_configuration()
        .bucket("cfg")
        .send()
        .await;
    assert_eq!(
        code(r),
        (Some("NoSuchLifecycleConfiguration".into()), Some(404))
    );
    let lrule = aws_sdk_s3::types::LifecycleRule::builder()
        .id("expire")
        .status(aws_sdk_s3::types::ExpirationStatus::Enabled)
        .filter(
            aws_sdk_s3::types::LifecycleRuleFilter::builder()
                .prefix("tmp/")
                .build(),
        )
        .expiration(
            aws_sdk_s3::types::LifecycleExpiration::builder()
                .days(1)
                .build(),
        )
        .build()
        .unwrap();
    c.put_bucket_lifecycle_configuration()
        .bucket("cfg")
        .lifecycle_configuration(
            aws_sdk_s3::types::BucketLifecycleConfiguration::builder()
                .rules(lrule)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let l = c
        .get_bucket_lifecycle_configuration()
        .bucket("cfg")
        .send()
        .await
        .unwrap();
    assert_eq!(l.rules()[0].id(), Some("expire"));

    c.put_object()
        .bucket("cfg")
        .key("o")
        .body(ByteStream::from_static(b"x"))
        .tagging("a=1&b=two")
        .send()
        .await
        .unwrap();
    let t = c
        .get_object_tagging()
        .bucket("cfg")
        .key("o")
        .send()
        .await
        .unwrap();
    assert_eq!(t.tag_set().len(), 2);
    c.put_object_tagging()
        .bucket("cfg")
        .key("o")
        .tagging(Tagging::builder().tag_set(tag("z", "9")).build().unwrap())
        .send()
        .await
        .unwrap();
    let t = c
        .get_object_tagging()
        .bucket("cfg")
        .key("o")
        .send()
        .await
        .unwrap();
    assert_eq!((t.tag_set()[0].key(), t.tag_set()[0].value()), ("z", "9"));
    let r = c
        .get_object_tagging()
        .bucket("cfg")
        .key("none")
        .send()
        .await;
    assert_eq!(code(r).0.as_deref(), Some("NoSuchKey"));

    c.put_object()
        .bucket("cfg")
        .key("p")
        .body(ByteStream::from_static(b"y"))
        .send()
        .await
        .unwrap();
    let del = c
        .delete_objects()
        .bucket("cfg")
        .delete(
            Delete::builder()
                .objects(ObjectIdentifier::builder().key("o").build().unwrap())
                .objects(ObjectIdentifier::builder().key("p").build().unwrap())
                .objects(ObjectIdentifier::builder().key("never").build().unwrap())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("delete objects");
    assert_eq!(del.deleted().len(), 3);
    let left = c.list_objects_v2().bucket("cfg").send().await.unwrap();
    assert_eq!(left.key_count(), Some(0));
    server.shutdown().await;
}

#[tokio::test]
async fn presigned_urls_and_virtual_hosted_addressing() {
    use aws_sdk_s3::presigning::PresigningConfig;
    let server = common::start().await;
    let c = s3(&server).await;
    c.create_bucket().bucket("pre").send().await.unwrap();
    let cfg = PresigningConfig::expires_in(std::time::Duration::from_secs(300)).unwrap();
    let put = c
        .put_object()
        .bucket("pre")
        .key("up")
        .presigned(cfg.clone())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let r = http
        .put(put.uri())
        .body("via presigned put")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Stored without a checksum: S3 keeps a CRC64NVME, which the SDK validates on read.
    let o = c
        .get_object()
        .bucket("pre")
        .key("up")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert!(o.checksum_crc64_nvme().is_some());
    assert_eq!(body(o).await, b"via presigned put");
    let get = c
        .get_object()
        .bucket("pre")
        .key("up")
        .presigned(cfg)
        .await
        .unwrap();
    let r = http.get(get.uri()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "via presigned put");

    // An expired presigned URL.
    let url = format!(
        "{}/pre/up?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20200101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20200101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
        server.endpoint()
    );
    let r = http.get(url).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("<Code>AccessDenied</Code>")
    );

    // SigV2 query signatures, as boto3 presigns by default (`Expires` in epoch seconds).
    let v2 = format!(
        "{}/pre/up?AWSAccessKeyId=test&Signature=abc%3D&Expires=32503680000",
        server.endpoint()
    );
    let r = http.get(v2).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v2 = format!(
        "{}/pre/up?AWSAccessKeyId=test&Signature=abc%3D&Expires=1600000000",
        server.endpoint()
    );
    let r = http.get(v2).send().await.unwrap();
    assert_eq!(r.status(), 403);

    // Virtual-hosted: the bucket in the Host header.
    let r = http
        .get(format!("{}/up", server.endpoint()))
        .header(
            "host",
            format!("pre.s3.localhost.localstack.cloud:{}", server.addr.port()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "via presigned put");
    let r = http
        .get(format!("{}/missing", server.endpoint()))
        .header("host", format!("pre.localhost:{}", server.addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let text = r.text().await.unwrap();
    assert!(text.contains("<Code>NoSuchKey</Code>"), "{text}");
    assert!(
        text.contains("<Message>The specified key does not exist.</Message>"),
        "{text}"
    );
    assert!(text.contains("<RequestId>"), "{text}");
    // An error s3s raises itself gets AWS's message too.
    let r = http
        .put(format!("{}/Bad_Bucket", server.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let text = r.text().await.unwrap();
    assert!(
        text.contains(
            "<Code>InvalidBucketName</Code><Message>The specified bucket is not valid.</Message>"
        ),
        "{text}"
    );
    server.shutdown().await;
}
