//! Lambda code limits as AWS enforces them: 262,144,000 bytes unzipped (function and layers
//! together), 50 MB zipped, 70,167,211 bytes of request; hostile zips (sizes claimed in the
//! headers, entries inflating past what they declare) refused without hurting the server, and
//! nothing left behind; scratch directories of dead fogbanks removed at start.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, LayerVersionContentInput, Runtime};
use fogbank::server::RunningServer;

const MIB: usize = 1 << 20;
const UNZIPPED_LIMIT: &str = "Unzipped size must be smaller than 262144000 bytes";
const UNZIP_FAILED: &str =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";

/// A zip of `entries` files of `mib` MiB of zeros each, deflated: one written through the
/// deflater in 1 MiB steps, the others copies of its compressed bytes (so building a 2 GiB
/// bomb costs one 16 MiB deflate).
fn zeros_zip(entries: usize, mib: usize) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(false);
        w.start_file("zeros/0", opts).expect("start");
        let chunk = vec![0u8; MIB];
        for _ in 0..mib {
            w.write_all(&chunk).expect("write");
        }
        for i in 1..entries {
            w.deep_copy_file("zeros/0", &format!("zeros/{i}"))
                .expect("copy");
        }
        w.finish().expect("finish");
    }
    buf.into_inner()
}

/// Rewrite every entry's declared uncompressed size (central directory and local headers) to
/// `declared`: the data stays what it is, the archive now lies about it.
fn declare_sizes(zip: &mut [u8], declared: u32) {
    let u16_at = |z: &[u8], at: usize| u16::from_le_bytes([z[at], z[at + 1]]) as usize;
    let u32_at = |z: &[u8], at: usize| u32::from_le_bytes([z[at], z[at + 1], z[at + 2], z[at + 3]]);
    let eocd = zip.len() - 22;
    assert_eq!(u32_at(zip, eocd), 0x0605_4b50, "no archive comment");
    let entries = u16_at(zip, eocd + 10);
    let mut at = u32_at(zip, eocd + 16) as usize;
    for _ in 0..entries {
        assert_eq!(u32_at(zip, at), 0x0201_4b50);
        zip[at + 24..at + 28].copy_from_slice(&declared.to_le_bytes());
        let local = u32_at(zip, at + 42) as usize;
        assert_eq!(u32_at(zip, local), 0x0403_4b50);
        zip[local + 22..local + 26].copy_from_slice(&declared.to_le_bytes());
        at += 46 + u16_at(zip, at + 28) + u16_at(zip, at + 30) + u16_at(zip, at + 32);
    }
}

/// A one-entry stored zip written by hand whose headers claim `declared` uncompressed bytes,
/// in a zip64 extra field (local header and central directory).
fn zip_claiming(name: &str, data: &[u8], declared: u64) -> Vec<u8> {
    let mut extra = Vec::new();
    extra.extend_from_slice(&1u16.to_le_bytes()); // zip64 extended information
    extra.extend_from_slice(&16u16.to_le_bytes());
    extra.extend_from_slice(&declared.to_le_bytes());
    extra.extend_from_slice(&(data.len() as u64).to_le_bytes());
    let sizes = [u32::MAX.to_le_bytes(), u32::MAX.to_le_bytes()].concat();
    let lengths = [
        (name.len() as u16).to_le_bytes(),
        (extra.len() as u16).to_le_bytes(),
    ]
    .concat();
    let mut z = Vec::new();
    z.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    z.extend_from_slice(&45u16.to_le_bytes()); // version needed: zip64
    z.extend_from_slice(&[0; 8]); // flags, method (stored), time, date
    z.extend_from_slice(&0u32.to_le_bytes()); // crc32
    z.extend_from_slice(&sizes);
    z.extend_from_slice(&lengths);
    z.extend_from_slice(name.as_bytes());
    z.extend_from_slice(&extra);
    z.extend_from_slice(data);
    let cd = z.len();
    z.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    z.extend_from_slice(&((3u16 << 8) | 45).to_le_bytes()); // made by: unix
    z.extend_from_slice(&45u16.to_le_bytes());
    z.extend_from_slice(&[0; 8]);
    z.extend_from_slice(&0u32.to_le_bytes());
    z.extend_from_slice(&sizes);
    z.extend_from_slice(&lengths);
    z.extend_from_slice(&[0; 6]); // comment length, disk number, internal attributes
    z.extend_from_slice(&(0o100644u32 << 16).to_le_bytes());
    z.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    z.extend_from_slice(name.as_bytes());
    z.extend_from_slice(&extra);
    let cd_len = z.len() - cd;
    z.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    z.extend_from_slice(&[0; 4]);
    z.extend_from_slice(&1u16.to_le_bytes());
    z.extend_from_slice(&1u16.to_le_bytes());
    z.extend_from_slice(&(cd_len as u32).to_le_bytes());
    z.extend_from_slice(&(cd as u32).to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z
}

/// What the engine's code directory holds (unpacked zips; never a staging directory).
fn code_listing(server: &RunningServer) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(server.state.lambda.code_root())
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Nothing was unpacked or left behind in the code directory, and the server still answers.
async fn assert_nothing_left_and_healthy(server: &RunningServer) {
    let left = code_listing(server);
    assert!(left.is_empty(), "{left:?}");
    assert_healthy(server).await;
}

async fn assert_healthy(server: &RunningServer) {
    let res = reqwest::get(format!("{}/_fogbank/health", server.endpoint()))
        .await
        .expect("the server still answers");
    assert_eq!(res.status(), 200);
}

/// Asserts an error's code, HTTP status and message.
fn assert_refused<T: std::fmt::Debug, E>(
    res: Result<T, aws_sdk_lambda::error::SdkError<E>>,
    code: &str,
    status: u16,
    message: &str,
) where
    E: ProvideErrorMetadata + std::fmt::Debug,
{
    let err = res.expect_err("refused");
    let got_status = err.raw_response().map(|r| r.status().as_u16());
    assert_eq!(err.code(), Some(code), "{err:?}");
    assert_eq!(got_status, Some(status), "{err:?}");
    assert_eq!(err.message(), Some(message), "{err:?}");
}

fn python(source: &str) -> Vec<u8> {
    common::zip_of(&[("app.py", source, 0o644)])
}

async fn create(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    zip: Vec<u8>,
    layers: &[&str],
) -> Result<
    aws_sdk_lambda::operation::create_function::CreateFunctionOutput,
    aws_sdk_lambda::error::SdkError<
        aws_sdk_lambda::operation::create_function::CreateFunctionError,
    >,
> {
    let mut req = lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build());
    for l in layers {
        req = req.layers(*l);
    }
    req.send().await
}

async fn publish(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    zip: Vec<u8>,
) -> Result<
    aws_sdk_lambda::operation::publish_layer_version::PublishLayerVersionOutput,
    aws_sdk_lambda::error::SdkError<
        aws_sdk_lambda::operation::publish_layer_version::PublishLayerVersionError,
    >,
> {
    lambda
        .publish_layer_version()
        .layer_name(name)
        .content(
            LayerVersionContentInput::builder()
                .zip_file(Blob::new(zip))
                .build(),
        )
        .send()
        .await
}

const HANDLER: &str = "def handler(e, c):\n    return 'ok'\n";

#[tokio::test]
async fn a_zip_claiming_two_to_the_62_bytes_is_refused_everywhere_and_the_server_stays_up() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create(&lambda, "small", python(HANDLER), &[])
        .await
        .expect("a valid function");
    let before = code_listing(&server);
    let bomb = zip_claiming("app.py", b"def handler(e, c):\n    return 1\n", 1 << 62);
    assert!(bomb.len() < 400, "{} bytes", bomb.len());

    let res = create(&lambda, "huge", bomb.clone(), &[]).await;
    assert_refused(res, "InvalidParameterValueException", 400, UNZIPPED_LIMIT);
    assert_healthy(&server).await;
    let res = lambda
        .update_function_code()
        .function_name("small")
        .zip_file(Blob::new(bomb.clone()))
        .send()
        .await;
    assert_refused(res, "InvalidParameterValueException", 400, UNZIPPED_LIMIT);
    assert_healthy(&server).await;
    let res = publish(&lambda, "huge-layer", bomb).await;
    assert_refused(res, "InvalidParameterValueException", 400, UNZIPPED_LIMIT);
    assert_healthy(&server).await;

    assert_eq!(
        code_listing(&server),
        before,
        "nothing unpacked or left behind"
    );
    // the function kept its code
    let out = lambda
        .invoke()
        .function_name("small")
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.payload().map(|p| p.as_ref()), Some(&br#""ok""#[..]));
    server.state.lambda.shutdown();
}

#[tokio::test]
async fn deflate_bombs_over_262144000_bytes_are_refused_before_anything_is_written() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    // 304 MiB of zeros (19 x 16 MiB) and 2 GiB (128 x 16 MiB): a few hundred KB each
    let bomb = zeros_zip(19, 16);
    let gigs = zeros_zip(128, 16);
    assert!(bomb.len() < MIB && gigs.len() < 3 * MIB);

    let started = std::time::Instant::now();
    let res = create(&lambda, "bomb", bomb.clone(), &[]).await;
    assert_refused(res, "InvalidParameterValueException", 400, UNZIPPED_LIMIT);
    let res = create(&lambda, "gigs", gigs, &[]).await;
    assert_refused(res, "InvalidParameterValueException", 400, UNZIPPED_LIMIT);
    let res = publish(&lambda, "bomb-layer", bomb).await;
    assert_refused(res, "InvalidParameterValueException", 400, UNZIPPED_LIMIT);
    // refused from the sizes the archive declares: no inflating (generous bound for CI)
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    assert_nothing_left_and_healthy(&server).await;
}

#[tokio::test]
async fn entries_that_inflate_past_what_they_declare_are_refused_as_corrupt() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    // 17 x 16 MiB of zeros (285 MB, past the limit) declaring 10 bytes each
    let mut liar = zeros_zip(17, 16);
    declare_sizes(&mut liar, 10);
    let res = create(&lambda, "liar", liar.clone(), &[]).await;
    assert_refused(res, "InvalidParameterValueException", 400, UNZIP_FAILED);
    let res = publish(&lambda, "liar-layer", liar).await;
    assert_refused(res, "InvalidParameterValueException", 400, UNZIP_FAILED);
    // stored: 1 MiB of data in an entry declaring 4 bytes
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        w.start_file("app.py", opts).expect("start");
        w.write_all(&vec![b'#'; MIB]).expect("write");
        w.finish().expect("finish");
    }
    let mut stored = buf.into_inner();
    declare_sizes(&mut stored, 4);
    let res = create(&lambda, "stored-liar", stored, &[]).await;
    assert_refused(res, "InvalidParameterValueException", 400, UNZIP_FAILED);

    assert_nothing_left_and_healthy(&server).await;
}

#[tokio::test]
async fn a_function_and_its_layers_count_together() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    // a real 150,994,944-byte layer (9 x 16 MiB of zeros), published twice under two names
    // (the second is the same zip: unpacked once)
    let layer_zip = zeros_zip(9, 16);
    let a = publish(&lambda, "layer-a", layer_zip.clone())
        .await
        .expect("a layer under the limit");
    let a = a.layer_version_arn().expect("arn").to_string();
    let b = publish(&lambda, "layer-b", layer_zip)
        .await
        .expect("the same layer again");
    let b = b.layer_version_arn().expect("arn").to_string();
    let left = 262_144_000 - 9 * 16 * MIB;
    let beside_a = format!("Unzipped size must be smaller than {left} bytes");

    // code claiming 8 x 16 MiB does not fit beside layer A: AWS names what is left
    let big = zeros_zip(8, 16);
    let res = create(&lambda, "too-big", big.clone(), &[&a]).await;
    assert_refused(res, "InvalidParameterValueException", 400, &beside_a);
    // alone it would fit (134,217,728 bytes), but it is not unpacked here
    create(&lambda, "small", python(HANDLER), &[&a])
        .await
        .expect("small code beside layer A");
    let res = lambda
        .update_function_code()
        .function_name("small")
        .zip_file(Blob::new(big))
        .send()
        .await;
    assert_refused(res, "InvalidParameterValueException", 400, &beside_a);

    // both layers: 301,989,888 bytes plus the handler's
    let actual = 2 * 9 * 16 * MIB + HANDLER.len();
    let combined = format!(
        "Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The actual size is {actual} bytes."
    );
    let res = lambda
        .update_function_configuration()
        .function_name("small")
        .layers(&a)
        .layers(&b)
        .send()
        .await;
    assert_refused(res, "InvalidParameterValueException", 400, &combined);
    let res = create(&lambda, "two-layers", python(HANDLER), &[&a, &b]).await;
    assert_refused(res, "InvalidParameterValueException", 400, &combined);

    // the function still runs beside layer A
    let out = lambda
        .invoke()
        .function_name("small")
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.payload().map(|p| p.as_ref()), Some(&br#""ok""#[..]));
    let config = lambda
        .get_function_configuration()
        .function_name("small")
        .send()
        .await
        .expect("get");
    assert_eq!(config.layers().len(), 1);
    server.state.lambda.shutdown();
}

#[tokio::test]
async fn oversized_zips_and_requests_get_aws_413s() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    // a zip one byte over 50 MB (the bytes need not be a zip: the size is checked first)
    let res = create(&lambda, "fat", vec![b'P'; 52_428_801], &[]).await;
    assert_refused(
        res,
        "RequestEntityTooLargeException",
        413,
        "Zipped size must be smaller than 52428800 bytes",
    );

    // a request body over 70,167,211 bytes, for each operation that carries a zip
    let http = reqwest::Client::new();
    let body = {
        let mut b = br#"{"ZipFile":""#.to_vec();
        b.resize(70_167_212 - 2, b'A');
        b.extend_from_slice(br#""}"#);
        b
    };
    let routes = [
        ("POST", "/2015-03-31/functions", "CreateFunction"),
        (
            "PUT",
            "/2015-03-31/functions/fat/code",
            "UpdateFunctionCode",
        ),
        (
            "POST",
            "/2018-10-31/layers/fat/versions",
            "PublishLayerVersion",
        ),
    ];
    for (method, path, operation) in routes {
        let res = http
            .request(
                method.parse().expect("method"),
                format!("{}{path}", server.endpoint()),
            )
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("an answer");
        assert_eq!(res.status(), 413, "{path}");
        assert_eq!(
            res.headers()
                .get("x-amzn-errortype")
                .and_then(|v| v.to_str().ok()),
            Some("RequestEntityTooLargeException")
        );
        let v: serde_json::Value = res.json().await.expect("json");
        assert_eq!(
            v["message"].as_str(),
            Some(
                format!(
                    "Request must be smaller than 70167211 bytes for the {operation} operation"
                )
                .as_str()
            )
        );
    }
    assert_healthy(&server).await;
}

#[tokio::test]
async fn valid_functions_still_unpack_and_run() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create(&lambda, "fine", python(HANDLER), &[])
        .await
        .expect("create");
    let out = lambda
        .invoke()
        .function_name("fine")
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.payload().map(|p| p.as_ref()), Some(&br#""ok""#[..]));
    let updated = common::zip_of(&[
        (
            "app.py",
            "import lib.helper\ndef handler(e, c):\n    return lib.helper.X\n",
            0o644,
        ),
        ("lib/__init__.py", "", 0o644),
        ("lib/helper.py", "X = 'updated'\n", 0o600),
    ]);
    lambda
        .update_function_code()
        .function_name("fine")
        .zip_file(Blob::new(updated))
        .send()
        .await
        .expect("update");
    let out = lambda
        .invoke()
        .function_name("fine")
        .send()
        .await
        .expect("invoke");
    assert_eq!(
        out.payload().map(|p| p.as_ref()),
        Some(&br#""updated""#[..])
    );
    assert_eq!(
        code_listing(&server).len(),
        2,
        "{:?}",
        code_listing(&server)
    );
    server.state.lambda.shutdown();
}

/// A pid that existed a moment ago and is gone now.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().expect("spawn");
    let pid = child.id();
    child.wait().expect("wait");
    pid
}

fn scratch(pid: u32) -> PathBuf {
    let id = uuid::Uuid::new_v4().simple().to_string();
    std::env::temp_dir().join(format!("fogbank-{pid}-{}", &id[..8]))
}

fn fill(dir: &Path) {
    std::fs::create_dir_all(dir.join("code/0123/lib")).expect("mkdir");
    std::fs::write(dir.join("code/0123/lib/x.py"), "x").expect("write");
}

#[tokio::test]
async fn scratch_directories_of_dead_fogbanks_are_removed_at_start() {
    let dead = dead_pid();
    // killed fogbank: its lock file is there, nobody holds the lock any more
    let killed = scratch(dead);
    fill(&killed);
    std::fs::File::create(killed.join(".fogbank-lock")).expect("lock file");
    // a fogbank from before lock files, whose pid is gone
    let old = scratch(dead);
    fill(&old);
    // a running fogbank (here: this test holds its lock)
    let running = scratch(dead);
    fill(&running);
    let lock = std::fs::File::create(running.join(".fogbank-lock")).expect("lock file");
    lock.lock().expect("flock");

    let server = common::start().await;
    assert!(
        !killed.exists(),
        "the killed fogbank's directory is removed"
    );
    assert!(
        !old.exists(),
        "the lockless directory of a dead pid is removed"
    );
    assert!(running.exists(), "a locked directory is kept");
    // this server's own directory is live, and another start keeps it
    let own = server
        .state
        .lambda
        .code_root()
        .parent()
        .expect("scratch dir")
        .to_path_buf();
    assert!(own.exists());
    let second = common::start().await;
    assert!(own.exists(), "a running engine's directory is kept");
    assert!(running.exists());

    drop(lock);
    drop(second);
    let _ = std::fs::remove_dir_all(&running);
}
