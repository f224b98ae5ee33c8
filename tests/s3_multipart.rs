//! S3 multipart uploads, copies and a multi-MiB streamed body through the Rust SDK.

mod common;
mod s3_support;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, MetadataDirective};
use fogbank::s3::checksum::hex;
use md5::Digest;
use s3_support::{body, code, s3};

#[tokio::test]
async fn multipart_upload_complete_abort_and_errors() {
    let server = common::start().await;
    let c = s3(&server).await;
    c.create_bucket().bucket("mpu").send().await.unwrap();
    let big = vec![7u8; 5 * 1024 * 1024];
    let up = c
        .create_multipart_upload()
        .bucket("mpu")
        .key("obj")
        .content_type("image/png")
        .send()
        .await
        .unwrap();
    let id = up.upload_id().unwrap().to_string();
    let p1 = c
        .upload_part()
        .bucket("mpu")
        .key("obj")
        .upload_id(&id)
        .part_number(1)
        .body(ByteStream::from(big.clone()))
        .send()
        .await
        .unwrap();
    let p2 = c
        .upload_part()
        .bucket("mpu")
        .key("obj")
        .upload_id(&id)
        .part_number(2)
        .body(ByteStream::from_static(b"tail"))
        .send()
        .await
        .unwrap();
    let parts = c
        .list_parts()
        .bucket("mpu")
        .key("obj")
        .upload_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(parts.parts().len(), 2);
    assert_eq!(parts.parts()[1].size(), Some(4));
    let uploads = c
        .list_multipart_uploads()
        .bucket("mpu")
        .send()
        .await
        .unwrap();
    assert_eq!(uploads.uploads().len(), 1);

    // Out of order, then a wrong ETag.
    let part = |n: i32, e: &str| CompletedPart::builder().part_number(n).e_tag(e).build();
    let r = c
        .complete_multipart_upload()
        .bucket("mpu")
        .key("obj")
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(part(2, p2.e_tag().unwrap()))
                .parts(part(1, p1.e_tag().unwrap()))
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(r).0.as_deref(), Some("InvalidPartOrder"));
    let r = c
        .complete_multipart_upload()
        .bucket("mpu")
        .key("obj")
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(part(1, "\"0000\""))
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(r).0.as_deref(), Some("InvalidPart"));

    let done = c
        .complete_multipart_upload()
        .bucket("mpu")
        .key("obj")
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(part(1, p1.e_tag().unwrap()))
                .parts(part(2, p2.e_tag().unwrap()))
                .build(),
        )
        .send()
        .await
        .expect("complete");
    // md5 of the parts' md5s, then -N.
    let mut md5s = Vec::new();
    md5s.extend_from_slice(&md5::Md5::digest(&big));
    md5s.extend_from_slice(&md5::Md5::digest(b"tail"));
    let expected = format!("\"{}-2\"", hex(&md5::Md5::digest(&md5s)));
    assert_eq!(done.e_tag(), Some(expected.as_str()));
    let got = c
        .get_object()
        .bucket("mpu")
        .key("obj")
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_type(), Some("image/png"));
    let bytes = body(got).await;
    assert_eq!(bytes.len(), big.len() + 4);
    assert_eq!(&bytes[big.len()..], b"tail");
    let tail = c
        .get_object()
        .bucket("mpu")
        .key("obj")
        .range("bytes=5242878-5242881")
        .send()
        .await
        .unwrap();
    assert_eq!(body(tail).await, [7, 7, b't', b'a']);
    let r = c
        .list_parts()
        .bucket("mpu")
        .key("obj")
        .upload_id(&id)
        .send()
        .await;
    assert_eq!(code(r), (Some("NoSuchUpload".into()), Some(404)));

    // A small part that is not the last: EntityTooSmall. Then abort.
    let up = c
        .create_multipart_upload()
        .bucket("mpu")
        .key("small")
        .send()
        .await
        .unwrap();
    let id = up.upload_id().unwrap().to_string();
    let mut etags = Vec::new();
    for n in 1..=2 {
        let p = c
            .upload_part()
            .bucket("mpu")
            .key("small")
            .upload_id(&id)
            .part_number(n)
            .body(ByteStream::from_static(b"tiny"))
            .send()
            .await
            .unwrap();
        etags.push(p.e_tag().unwrap().to_string());
    }
    let r = c
        .complete_multipart_upload()
        .bucket("mpu")
        .key("small")
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(part(1, &etags[0]))
                .parts(part(2, &etags[1]))
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(r), (Some("EntityTooSmall".into()), Some(400)));
    c.abort_multipart_upload()
        .bucket("mpu")
        .key("small")
        .upload_id(&id)
        .send()
        .await
        .unwrap();
    let r = c
        .abort_multipart_upload()
        .bucket("mpu")
        .key("small")
        .upload_id(&id)
        .send()
        .await;
    assert_eq!(code(r), (Some("NoSuchUpload".into()), Some(404)));
    server.shutdown().await;
}

#[tokio::test]
async fn copy_object_metadata_directive_and_part_copy() {
    let server = common::start().await;
    let c = s3(&server).await;
    c.create_bucket().bucket("cpy").send().await.unwrap();
    c.put_object()
        .bucket("cpy")
        .key("src")
        .body(ByteStream::from_static(b"0123456789"))
        .content_type("text/plain")
        .metadata("a", "1")
        .send()
        .await
        .unwrap();
    let out = c
        .copy_object()
        .bucket("cpy")
        .key("same-meta")
        .copy_source("cpy/src")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.copy_object_result().and_then(|r| r.e_tag()),
        Some("\"781e5e245d69b566979b86e28d23f2c7\"")
    );
    let h = c
        .head_object()
        .bucket("cpy")
        .key("same-meta")
        .send()
        .await
        .unwrap();
    assert_eq!(h.content_type(), Some("text/plain"));
    assert_eq!(
        h.metadata().and_then(|m| m.get("a")).map(String::as_str),
        Some("1")
    );
    c.copy_object()
        .bucket("cpy")
        .key("new-meta")
        .copy_source("cpy/src")
        .metadata_directive(MetadataDirective::Replace)
        .metadata("b", "2")
        .send()
        .await
        .unwrap();
    let h = c
        .head_object()
        .bucket("cpy")
        .key("new-meta")
        .send()
        .await
        .unwrap();
    assert_eq!(h.metadata().and_then(|m| m.get("a")), None);
    assert_eq!(
        h.metadata().and_then(|m| m.get("b")).map(String::as_str),
        Some("2")
    );
    let r = c
        .copy_object()
        .bucket("cpy")
        .key("src")
        .copy_source("cpy/src")
        .send()
        .await;
    assert_eq!(code(r), (Some("InvalidRequest".into()), Some(400)));
    let r = c
        .copy_object()
        .bucket("cpy")
        .key("x")
        .copy_source("cpy/missing")
        .send()
        .await;
    assert_eq!(code(r), (Some("NoSuchKey".into()), Some(404)));

    let up = c
        .create_multipart_upload()
        .bucket("cpy")
        .key("assembled")
        .send()
        .await
        .unwrap();
    let id = up.upload_id().unwrap();
    let pc = c
        .upload_part_copy()
        .bucket("cpy")
        .key("assembled")
        .upload_id(id)
        .part_number(1)
        .copy_source("cpy/src")
        .copy_source_range("bytes=2-5")
        .send()
        .await
        .unwrap();
    let e = pc
        .copy_part_result()
        .and_then(|r| r.e_tag())
        .unwrap()
        .to_string();
    c.complete_multipart_upload()
        .bucket("cpy")
        .key("assembled")
        .upload_id(id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(CompletedPart::builder().part_number(1).e_tag(e).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let got = c
        .get_object()
        .bucket("cpy")
        .key("assembled")
        .send()
        .await
        .unwrap();
    assert_eq!(body(got).await, b"2345");
    server.shutdown().await;
}

#[tokio::test]
async fn multi_mib_body_streams_through_files() {
    let server = common::start().await;
    let c = s3(&server).await;
    c.create_bucket().bucket("big").send().await.unwrap();
    let data: Vec<u8> = (0..12 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let put = c
        .put_object()
        .bucket("big")
        .key("blob")
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .expect("put 12 MiB");
    assert_eq!(
        put.e_tag(),
        Some(format!("\"{}\"", hex(&md5::Md5::digest(&data))).as_str())
    );
    // The body is a file in the server's S3 directory, not memory.
    let dir = server.state.s3.blob_dir().to_path_buf();
    let sizes: Vec<u64> = std::fs::read_dir(&dir)
        .expect("blob dir")
        .filter_map(|e| e.ok()?.metadata().ok().map(|m| m.len()))
        .collect();
    assert!(sizes.contains(&(data.len() as u64)), "{sizes:?}");
    let got = c
        .get_object()
        .bucket("big")
        .key("blob")
        .send()
        .await
        .unwrap();
    let back = body(got).await;
    assert!(back == data, "body differs");
    server.shutdown().await;
    assert!(!dir.exists(), "the blob dir is removed at shutdown");
}

#[tokio::test]
async fn multipart_with_a_checksum_algorithm_keeps_a_composite_checksum() {
    use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode};
    let server = common::start().await;
    let c = s3(&server).await;
    c.create_bucket().bucket("mpc").send().await.unwrap();
    let up = c
        .create_multipart_upload()
        .bucket("mpc")
        .key("k")
        .checksum_algorithm(ChecksumAlgorithm::Crc32)
        .send()
        .await
        .unwrap();
    let id = up.upload_id().unwrap();
    let p = c
        .upload_part()
        .bucket("mpc")
        .key("k")
        .upload_id(id)
        .part_number(1)
        .checksum_algorithm(ChecksumAlgorithm::Crc32)
        .body(ByteStream::from_static(b"hello world"))
        .send()
        .await
        .unwrap();
    assert_eq!(p.checksum_crc32(), Some("DUoRhQ=="));
    let done = c
        .complete_multipart_upload()
        .bucket("mpc")
        .key("k")
        .upload_id(id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(
                    CompletedPart::builder()
                        .part_number(1)
                        .e_tag(p.e_tag().unwrap())
                        .checksum_crc32("DUoRhQ==")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("complete");
    let composite = done
        .checksum_crc32()
        .expect("composite checksum")
        .to_string();
    assert!(composite.ends_with("-1"), "{composite}");
    let h = c
        .head_object()
        .bucket("mpc")
        .key("k")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(h.checksum_crc32(), Some(composite.as_str()));
    assert_eq!(h.e_tag().map(|e| e.ends_with("-1\"")), Some(true));
    let got = c.get_object().bucket("mpc").key("k").send().await.unwrap();
    assert_eq!(body(got).await, b"hello world");
    server.shutdown().await;
}
