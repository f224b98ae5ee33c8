//! Durable S3 state through aws-sdk-s3: buckets with their configurations, objects (a
//! multipart one among them) and every version and delete marker of a versioned bucket, and an
//! upload in progress survive a restart on the same data dir; a body file no committed record
//! names is removed at start; replaced bodies do not stay on disk; snapshots carry S3.

mod common;
mod s3_support;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketVersioningStatus, CompletedMultipartUpload, CompletedPart,
    CorsConfiguration, CorsRule, Event, ExpirationStatus, LifecycleExpiration, LifecycleRule,
    LifecycleRuleFilter, NotificationConfiguration, QueueConfiguration, Tag, Tagging,
    VersioningConfiguration,
};
use common::{TempDir, start_durable};
use fogbank::clock::ManualClock;
use s3_support::{body, code, s3};

const MIB: usize = 1024 * 1024;

fn blob_files(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("blobs").join("s3"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn tagging(k: &str, v: &str) -> Tagging {
    Tagging::builder()
        .tag_set(Tag::builder().key(k).value(v).build().expect("tag"))
        .build()
        .expect("tagging")
}

#[tokio::test]
async fn buckets_objects_versions_and_uploads_survive_a_restart() {
    let dir = TempDir::new("s3-restart");
    let clock = ManualClock::starting_2026();
    let server = start_durable(&dir.0, &clock).await;
    let c = s3(&server).await;

    // A bucket with configurations, an object written twice (the first body must go).
    c.create_bucket()
        .bucket("keep")
        .send()
        .await
        .expect("bucket");
    c.put_bucket_tagging()
        .bucket("keep")
        .tagging(tagging("team", "blue"))
        .send()
        .await
        .expect("bucket tags");
    c.put_bucket_policy()
        .bucket("keep")
        .policy(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .send()
        .await
        .expect("policy");
    c.put_bucket_cors()
        .bucket("keep")
        .cors_configuration(
            CorsConfiguration::builder()
                .cors_rules(
                    CorsRule::builder()
                        .allowed_methods("GET")
                        .allowed_origins("http://app.example")
                        .max_age_seconds(600)
                        .build()
                        .expect("rule"),
                )
                .build()
                .expect("cors"),
        )
        .send()
        .await
        .expect("cors");
    c.put_bucket_lifecycle_configuration()
        .bucket("keep")
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .rules(
                    LifecycleRule::builder()
                        .id("old")
                        .status(ExpirationStatus::Enabled)
                        .filter(LifecycleRuleFilter::builder().prefix("tmp/").build())
                        .expiration(LifecycleExpiration::builder().days(7).build())
                        .build()
                        .expect("rule"),
                )
                .build()
                .expect("lifecycle"),
        )
        .send()
        .await
        .expect("lifecycle");
    let sqs = common::sqs(&server).await;
    sqs.create_queue()
        .queue_name("events")
        .send()
        .await
        .expect("queue");
    c.put_bucket_notification_configuration()
        .bucket("keep")
        .notification_configuration(
            NotificationConfiguration::builder()
                .queue_configurations(
                    QueueConfiguration::builder()
                        .id("all")
                        .queue_arn("arn:aws:sqs:us-east-1:000000000000:events")
                        .events(Event::from("s3:ObjectCreated:*"))
                        .build()
                        .expect("queue config"),
                )
                .build(),
        )
        .send()
        .await
        .expect("notifications");
    c.put_object()
        .bucket("keep")
        .key("dir/a b.txt")
        .body(ByteStream::from_static(b"first"))
        .send()
        .await
        .expect("put 1");
    let put = c
        .put_object()
        .bucket("keep")
        .key("dir/a b.txt")
        .content_type("text/plain")
        .cache_control("max-age=60")
        .metadata("colour", "green")
        .tagging("k=v")
        .checksum_algorithm(aws_sdk_s3::types::ChecksumAlgorithm::Sha256)
        .body(ByteStream::from_static(b"second body"))
        .send()
        .await
        .expect("put 2");

    // A multipart object: 5 MiB + 1 KiB.
    let up = c
        .create_multipart_upload()
        .bucket("keep")
        .key("big")
        .send()
        .await
        .expect("create upload")
        .upload_id
        .expect("id");
    let mut parts = Vec::new();
    let mut whole = Vec::new();
    for (n, bytes) in [(1, vec![b'x'; 5 * MIB]), (2, vec![b'y'; 1024])] {
        whole.extend_from_slice(&bytes);
        let e = c
            .upload_part()
            .bucket("keep")
            .key("big")
            .upload_id(&up)
            .part_number(n)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .expect("part")
            .e_tag
            .expect("etag");
        parts.push(CompletedPart::builder().part_number(n).e_tag(e).build());
    }
    let big_etag = c
        .complete_multipart_upload()
        .bucket("keep")
        .key("big")
        .upload_id(&up)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .expect("complete")
        .e_tag
        .expect("etag");
    assert!(big_etag.ends_with("-2\""), "{big_etag}");

    // A versioned bucket: two versions and a delete marker.
    c.create_bucket()
        .bucket("vers")
        .send()
        .await
        .expect("bucket");
    c.put_bucket_versioning()
        .bucket("vers")
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("versioning");
    let mut ids = Vec::new();
    for b in ["one", "two"] {
        ids.push(
            c.put_object()
                .bucket("vers")
                .key("k")
                .body(ByteStream::from_static(b.as_bytes()))
                .send()
                .await
                .expect("put")
                .version_id
                .expect("version"),
        );
    }
    let marker = c
        .delete_object()
        .bucket("vers")
        .key("k")
        .send()
        .await
        .expect("delete")
        .version_id
        .expect("marker id");

    // An upload in progress with one part.
    let open = c
        .create_multipart_upload()
        .bucket("vers")
        .key("later")
        .metadata("m", "1")
        .send()
        .await
        .expect("create upload")
        .upload_id
        .expect("id");
    let open_part = c
        .upload_part()
        .bucket("vers")
        .key("later")
        .upload_id(&open)
        .part_number(1)
        .body(ByteStream::from_static(b"tail"))
        .send()
        .await
        .expect("part")
        .e_tag
        .expect("etag");
    // A deleted bucket stays deleted.
    c.create_bucket()
        .bucket("gone")
        .send()
        .await
        .expect("bucket");
    c.delete_bucket()
        .bucket("gone")
        .send()
        .await
        .expect("delete bucket");
    server.shutdown().await;

    // Bodies on disk: a b.txt, big (2 parts), vers k (2 versions), the open part. The first
    // body of a b.txt is gone.
    assert_eq!(blob_files(&dir.0).len(), 6, "{:?}", blob_files(&dir.0));
    // A body whose record never got committed (a crash between the two).
    let orphan = dir.0.join("blobs/s3/0123456789abcdef0123456789abcdef");
    std::fs::write(&orphan, b"never committed").expect("orphan");

    let server = start_durable(&dir.0, &clock).await;
    let c = s3(&server).await;
    assert!(!orphan.exists(), "the orphan body is removed at start");
    assert_eq!(blob_files(&dir.0).len(), 6);

    let names: Vec<String> = c
        .list_buckets()
        .send()
        .await
        .expect("list")
        .buckets()
        .iter()
        .filter_map(|b| b.name().map(str::to_string))
        .collect();
    assert_eq!(names, vec!["keep", "vers"]);
    let got = c
        .get_object()
        .bucket("keep")
        .key("dir/a b.txt")
        .checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled)
        .send()
        .await
        .expect("get");
    assert_eq!(got.e_tag(), put.e_tag());
    assert_eq!(got.content_type(), Some("text/plain"));
    assert_eq!(got.cache_control(), Some("max-age=60"));
    assert_eq!(
        got.metadata()
            .and_then(|m| m.get("colour"))
            .map(String::as_str),
        Some("green")
    );
    assert_eq!(got.checksum_sha256(), put.checksum_sha256());
    assert_eq!(body(got).await, b"second body");
    let tags = c
        .get_object_tagging()
        .bucket("keep")
        .key("dir/a b.txt")
        .send()
        .await
        .expect("tags");
    assert_eq!(tags.tag_set()[0].key(), "k");
    let big = c
        .get_object()
        .bucket("keep")
        .key("big")
        .send()
        .await
        .expect("get big");
    assert_eq!(big.e_tag(), Some(big_etag.as_str()));
    assert_eq!(body(big).await, whole);
    let part2 = c
        .get_object()
        .bucket("keep")
        .key("big")
        .part_number(2)
        .send()
        .await
        .expect("part 2");
    assert_eq!(part2.content_length(), Some(1024));
    let bt = c
        .get_bucket_tagging()
        .bucket("keep")
        .send()
        .await
        .expect("bucket tags");
    assert_eq!(bt.tag_set()[0].value(), "blue");
    let cors = c
        .get_bucket_cors()
        .bucket("keep")
        .send()
        .await
        .expect("cors");
    assert_eq!(cors.cors_rules()[0].max_age_seconds(), Some(600));
    c.get_bucket_policy()
        .bucket("keep")
        .send()
        .await
        .expect("policy");
    let lc = c
        .get_bucket_lifecycle_configuration()
        .bucket("keep")
        .send()
        .await
        .expect("lifecycle");
    assert_eq!(lc.rules()[0].expiration().and_then(|e| e.days()), Some(7));
    let nc = c
        .get_bucket_notification_configuration()
        .bucket("keep")
        .send()
        .await
        .expect("notifications");
    assert_eq!(nc.queue_configurations()[0].id(), Some("all"));

    let v = c
        .get_bucket_versioning()
        .bucket("vers")
        .send()
        .await
        .expect("versioning");
    assert_eq!(v.status(), Some(&BucketVersioningStatus::Enabled));
    let (code_, status) = code(c.get_object().bucket("vers").key("k").send().await);
    assert_eq!((code_.as_deref(), status), (Some("NoSuchKey"), Some(404)));
    let listed = c
        .list_object_versions()
        .bucket("vers")
        .send()
        .await
        .expect("versions");
    let mut version_ids: Vec<&str> = listed
        .versions()
        .iter()
        .filter_map(|v| v.version_id())
        .collect();
    version_ids.sort();
    let mut want: Vec<&str> = ids.iter().map(String::as_str).collect();
    want.sort();
    assert_eq!(version_ids, want);
    assert_eq!(listed.delete_markers().len(), 1);
    assert_eq!(
        listed.delete_markers()[0].version_id(),
        Some(marker.as_str())
    );
    let first = c
        .get_object()
        .bucket("vers")
        .key("k")
        .version_id(&ids[0])
        .send()
        .await
        .expect("first version");
    assert_eq!(body(first).await, b"one");

    // The open upload: listed, its part listed, and completed after the restart.
    let uploads = c
        .list_multipart_uploads()
        .bucket("vers")
        .send()
        .await
        .expect("uploads");
    assert_eq!(uploads.uploads().len(), 1);
    assert_eq!(uploads.uploads()[0].upload_id(), Some(open.as_str()));
    let listed_parts = c
        .list_parts()
        .bucket("vers")
        .key("later")
        .upload_id(&open)
        .send()
        .await
        .expect("parts");
    assert_eq!(listed_parts.parts().len(), 1);
    assert_eq!(listed_parts.parts()[0].e_tag(), Some(open_part.as_str()));
    c.complete_multipart_upload()
        .bucket("vers")
        .key("later")
        .upload_id(&open)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(
                    CompletedPart::builder()
                        .part_number(1)
                        .e_tag(&open_part)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("complete after restart");
    let later = c
        .get_object()
        .bucket("vers")
        .key("later")
        .send()
        .await
        .expect("later");
    assert_eq!(
        later
            .metadata()
            .and_then(|m| m.get("m"))
            .map(String::as_str),
        Some("1")
    );
    assert_eq!(body(later).await, b"tail");
    let (code_, _) = code(c.head_bucket().bucket("gone").send().await);
    assert_eq!(code_.as_deref(), Some("NotFound"));

    // A deleted object's bodies go (after the commit): big's two parts.
    c.delete_object()
        .bucket("keep")
        .key("big")
        .send()
        .await
        .expect("delete big");
    server.shutdown().await;
    assert_eq!(blob_files(&dir.0).len(), 4, "{:?}", blob_files(&dir.0));
}

#[tokio::test]
async fn a_snapshot_carries_buckets_and_bodies_to_another_server() {
    let from = common::start().await;
    let c = s3(&from).await;
    c.create_bucket()
        .bucket("snap")
        .send()
        .await
        .expect("bucket");
    c.put_object()
        .bucket("snap")
        .key("k")
        .metadata("a", "b")
        .body(ByteStream::from_static(b"snapshot body"))
        .send()
        .await
        .expect("put");
    // Larger than the export's 48 KiB base64 pieces, and not a multiple of 3.
    let big: Vec<u8> = (0..200_001u32).map(|i| (i * 7 % 251) as u8).collect();
    c.put_object()
        .bucket("snap")
        .key("big")
        .body(ByteStream::from(big.clone()))
        .send()
        .await
        .expect("put big");
    let http = reqwest::Client::new();
    let state = http
        .get(format!("{}/_fogbank/state?service=s3", from.endpoint()))
        .send()
        .await
        .expect("export")
        .bytes()
        .await
        .expect("bytes");

    // Into a server with a data dir: the body is written there, and survives its restart.
    let dir = TempDir::new("s3-snap");
    let clock = ManualClock::starting_2026();
    let to = start_durable(&dir.0, &clock).await;
    let r = http
        .post(format!("{}/_fogbank/state", to.endpoint()))
        .body(state.to_vec())
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    to.shutdown().await;
    assert_eq!(blob_files(&dir.0).len(), 2);
    let to = start_durable(&dir.0, &clock).await;
    let c = s3(&to).await;
    let got = c
        .get_object()
        .bucket("snap")
        .key("k")
        .send()
        .await
        .expect("get");
    assert_eq!(
        got.metadata().and_then(|m| m.get("a")).map(String::as_str),
        Some("b")
    );
    assert_eq!(body(got).await, b"snapshot body");
    let got = c
        .get_object()
        .bucket("snap")
        .key("big")
        .send()
        .await
        .expect("get big");
    assert_eq!(body(got).await, big);

    // Loading it again replaces the bucket: the replaced body goes, the new one stays.
    let r = http
        .post(format!("{}/_fogbank/state", to.endpoint()))
        .body(state.to_vec())
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 200);
    let got = c
        .get_object()
        .bucket("snap")
        .key("k")
        .send()
        .await
        .expect("get");
    assert_eq!(body(got).await, b"snapshot body");
    to.shutdown().await;
    assert_eq!(blob_files(&dir.0).len(), 2, "{:?}", blob_files(&dir.0));
}

async fn client_at(endpoint: &str) -> aws_sdk_s3::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    )
}

/// kill -9 of a fogbank child while clients put objects, with the writer holding every batch
/// 25 ms before its commit (so an answer sent before its commit would be lost by the kill):
/// after a restart every acknowledged put reads back with its body, in both durabilities.
#[tokio::test]
async fn sigkill_loses_no_acknowledged_put() {
    let dir = TempDir::new("s3-crash");
    let path = dir.0.to_str().expect("utf-8 temp dir").to_string();
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(String, Vec<u8>)>::new()));
    for (round, durability) in ["process", "machine"].into_iter().enumerate() {
        let (mut child, endpoint) = common::start_binary(
            &["--data-dir", &path, "--durability", durability],
            &[("FOGBANK_TEST_COMMIT_DELAY_MS", "25")],
        )
        .await;
        let c = client_at(&endpoint).await;
        let _ = c.create_bucket().bucket("crash").send().await;
        let mut tasks = Vec::new();
        for w in 0..3 {
            let (c, acked) = (c.clone(), acked.clone());
            tasks.push(tokio::spawn(async move {
                for i in 0.. {
                    let key = format!("r{round}/w{w}/{i}");
                    let bytes = format!("{key} ").repeat(1 + i % 50).into_bytes();
                    let r = c
                        .put_object()
                        .bucket("crash")
                        .key(&key)
                        .body(ByteStream::from(bytes.clone()))
                        .send()
                        .await;
                    match r {
                        Ok(_) => acked.lock().expect("ledger").push((key, bytes)),
                        Err(_) => return,
                    }
                }
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        child.start_kill().expect("SIGKILL");
        let _ = child.wait().await;
        for t in tasks {
            let _ = t.await;
        }
    }
    let (_child, endpoint) = common::start_binary(&["--data-dir", &path], &[]).await;
    let c = client_at(&endpoint).await;
    let acked = acked.lock().expect("ledger").clone();
    assert!(acked.len() > 10, "only {} puts acknowledged", acked.len());
    for (key, bytes) in &acked {
        let got = c
            .get_object()
            .bucket("crash")
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("acknowledged {key} is lost: {e:?}"));
        assert_eq!(&body(got).await, bytes, "{key}");
    }
}

/// A reset of S3 in a data dir forgets the buckets for good and lets their bodies go.
#[tokio::test]
async fn a_reset_empties_the_data_dir_of_s3() {
    let dir = TempDir::new("s3-reset");
    let clock = ManualClock::starting_2026();
    let server = start_durable(&dir.0, &clock).await;
    let c = s3(&server).await;
    c.create_bucket()
        .bucket("reset-me")
        .send()
        .await
        .expect("bucket");
    for k in ["a", "b"] {
        c.put_object()
            .bucket("reset-me")
            .key(k)
            .body(ByteStream::from_static(b"x"))
            .send()
            .await
            .expect("put");
    }
    assert_eq!(blob_files(&dir.0).len(), 2);
    let r = reqwest::Client::new()
        .post(format!("{}/_fogbank/reset?service=s3", server.endpoint()))
        .send()
        .await
        .expect("reset");
    assert_eq!(r.status(), 200);
    assert!(blob_files(&dir.0).is_empty(), "{:?}", blob_files(&dir.0));
    server.shutdown().await;
    let server = start_durable(&dir.0, &clock).await;
    let c = s3(&server).await;
    let listed = c.list_buckets().send().await.expect("list");
    assert!(listed.buckets().is_empty(), "{:?}", listed.buckets());
}

/// A start that fails after the S3 state was restored (a bad `--load-state` file) must not
/// remove the bodies its records name: the next start still reads every object.
#[tokio::test]
async fn a_failed_start_keeps_the_bodies() {
    let dir = TempDir::new("s3-failed-start");
    let clock = ManualClock::starting_2026();
    let server = start_durable(&dir.0, &clock).await;
    let c = s3(&server).await;
    c.create_bucket()
        .bucket("kept")
        .send()
        .await
        .expect("bucket");
    c.put_object()
        .bucket("kept")
        .key("k")
        .body(ByteStream::from_static(b"still here"))
        .send()
        .await
        .expect("put");
    server.shutdown().await;

    let bad = dir.0.join("bad-state.json");
    std::fs::write(&bad, br#"{"format":"fogbank-state","version":1,"services":{"s3":{"records":[{"kind":"s3.bucket","key":"x","value":{}}]}}}"#)
        .expect("bad state");
    let mut config = common::durable_config(&dir.0, &clock);
    config.load_state = Some(bad);
    assert!(fogbank::server::spawn(config).await.is_err());
    // Give a store writer left behind the time to act on anything it was asked.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(blob_files(&dir.0).len(), 1);

    let server = start_durable(&dir.0, &clock).await;
    let c = s3(&server).await;
    let got = c
        .get_object()
        .bucket("kept")
        .key("k")
        .send()
        .await
        .expect("get");
    assert_eq!(body(got).await, b"still here");
}
