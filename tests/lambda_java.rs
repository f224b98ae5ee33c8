//! Java functions on the host JVM: handlers compiled here from source (`tests/java/src`)
//! against stand-in `com.amazonaws.services.lambda.runtime` interfaces and events classes (the
//! real jars are not reachable here; these mirror their public shape), packaged as users' jars
//! carry them.
//! Skipped, saying so, on a host without `javac`.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, LogType, Runtime};
use base64::Engine as _;
use serde_json::{Value, json};

/// Where the Java sources of these tests live: stand-ins for aws-lambda-java-core
/// (`com/amazonaws/services/lambda/runtime/*.java`), for aws-lambda-java-events and joda-time's
/// DateTime (`.../events/`, `org/joda/`), and the user's handlers (`example/`).
fn sources() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/java/src")
}

fn java_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read sources").flatten() {
        let p = e.path();
        if p.is_dir() {
            java_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "java") {
            out.push(p);
        }
    }
}

/// The javac found for these tests (JAVA_HOME's, else the PATH's) and its major version.
fn javac() -> Option<(PathBuf, u32)> {
    let candidates = std::env::var_os("JAVA_HOME")
        .map(|h| PathBuf::from(h).join("bin/javac"))
        .into_iter()
        .chain(std::iter::once(PathBuf::from("javac")));
    for c in candidates {
        let Ok(out) = std::process::Command::new(&c).arg("-version").output() else {
            continue;
        };
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        let version = text.trim().strip_prefix("javac ").unwrap_or("");
        if let Some(major) = fogbank::lambda::java::parse_major(version) {
            return Some((c, major));
        }
    }
    None
}

/// The AWS runtime this host's JDK can serve: the newest one not newer than it.
fn runtime_for(major: u32) -> Runtime {
    let name = [25, 21, 17, 11]
        .into_iter()
        .find(|r| *r <= major)
        .map(|r| format!("java{r}"))
        .unwrap_or_else(|| "java8.al2".to_string());
    Runtime::from(name.as_str())
}

struct Built {
    runtime: Runtime,
    /// `(path in the archive, bytes)` of the user's own classes.
    app: Vec<(String, Vec<u8>)>,
    core_jar: Vec<u8>,
    events_jar: Vec<u8>,
}

fn zip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        for (name, body) in entries {
            w.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
                .expect("start file");
            w.write_all(body).expect("write file");
        }
        w.finish().expect("finish zip");
    }
    buf.into_inner()
}

fn class_files(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).expect("read classes").flatten() {
        let p = e.path();
        if p.is_dir() {
            class_files(root, &p, out);
        } else {
            let name = p
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .into_owned();
            out.push((name, std::fs::read(&p).expect("class file")));
        }
    }
}

/// Every test source compiled in one javac call (javac is slow), once per test binary.
fn built() -> Option<&'static Built> {
    static BUILT: OnceLock<Option<Built>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let (javac, major) = javac()?;
            let dir = std::env::temp_dir().join(format!(
                "fogbank-java-test-{}",
                uuid::Uuid::new_v4().simple()
            ));
            let mut files = Vec::new();
            java_files(&sources(), &mut files);
            let classes = dir.join("classes");
            let mut cmd = std::process::Command::new(&javac);
            if major >= 9 {
                cmd.args(["--release", "8", "-Xlint:-options"]);
            }
            let out = cmd
                .arg("-nowarn")
                .arg("-d")
                .arg(&classes)
                .args(&files)
                .output()
                .expect("run javac");
            assert!(
                out.status.success(),
                "javac failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let mut all = Vec::new();
            class_files(&classes, &classes, &mut all);
            let events = "com/amazonaws/services/lambda/runtime/events/";
            let pick = |f: &dyn Fn(&str) -> bool| -> Vec<(String, Vec<u8>)> {
                all.iter().filter(|(n, _)| f(n)).cloned().collect()
            };
            let core = pick(&|n| n.starts_with("com/amazonaws/") && !n.starts_with(events));
            let ev = pick(&|n| n.starts_with(events) || n.starts_with("org/joda/"));
            let app = pick(&|n| n.starts_with("example/"));
            let _ = std::fs::remove_dir_all(&dir);
            Some(Built {
                runtime: runtime_for(major),
                app,
                core_jar: zip(&core),
                events_jar: zip(&ev),
            })
        })
        .as_ref()
}

macro_rules! require_java {
    () => {
        match built() {
            Some(b) => b,
            None => {
                eprintln!("skipping: no javac on this host (install a JDK to run the Java tests)");
                return;
            }
        }
    };
}

impl Built {
    /// The layout AWS documents for a zip: classes at the root, dependencies in `lib/`.
    fn zip_package(&self, with_events: bool) -> Vec<u8> {
        let mut entries = self.app.clone();
        entries.push((
            "lib/aws-lambda-java-core-1.2.3.jar".into(),
            self.core_jar.clone(),
        ));
        if with_events {
            entries.push((
                "lib/aws-lambda-java-events-3.11.0.jar".into(),
                self.events_jar.clone(),
            ));
        }
        zip(&entries)
    }
}

async fn create(
    lambda: &aws_sdk_lambda::Client,
    built: &Built,
    name: &str,
    handler: &str,
    code: FunctionCode,
    env: &[(&str, &str)],
    timeout: i32,
) -> String {
    let mut vars = Environment::builder();
    for (k, v) in env {
        vars = vars.variables(*k, *v);
    }
    lambda
        .create_function()
        .function_name(name)
        .runtime(built.runtime.clone())
        .role(common::ROLE)
        .handler(handler)
        .timeout(timeout)
        .environment(vars.build())
        .code(code)
        .send()
        .await
        .expect("create function")
        .function_arn()
        .expect("arn")
        .to_string()
}

fn zip_code(bytes: Vec<u8>) -> FunctionCode {
    FunctionCode::builder().zip_file(Blob::new(bytes)).build()
}

async fn invoke(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    payload: &str,
) -> (Option<String>, Value) {
    let out = lambda
        .invoke()
        .function_name(name)
        .payload(Blob::new(payload))
        .send()
        .await
        .expect("invoke");
    let body = out
        .payload()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default();
    let v = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    (out.function_error().map(str::to_string), v)
}

fn tail(out: &aws_sdk_lambda::operation::invoke::InvokeOutput) -> String {
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(out.log_result().expect("log result"))
            .expect("base64"),
    )
    .expect("utf8")
}

#[tokio::test]
async fn java_pojo_map_string_and_stream_handlers_from_a_zip_with_lib_jars() {
    let built = require_java!();
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let code = || zip_code(built.zip_package(false));
    let env = [
        ("CUSTOM", "yes"),
        ("JAVA_TOOL_OPTIONS", "-Dfogbank.test=from-tool-options"),
    ];
    let arn = create(&lambda, built, "orders", "example.Orders", code(), &env, 5).await;
    create(
        &lambda,
        built,
        "maps",
        "example.Maps::handle",
        code(),
        &[],
        5,
    )
    .await;
    create(
        &lambda,
        built,
        "strings",
        "example.Strings::upper",
        code(),
        &[],
        5,
    )
    .await;
    create(&lambda, built, "streams", "example.Streams", code(), &[], 5).await;

    let cc = base64::engine::general_purpose::STANDARD
        .encode(r#"{"custom":{"k":"v"},"client":{"app_title":"app"},"env":{}}"#);
    let order = json!({"item": "book", "quantity": 2, "price": 2.5, "tags": ["gift"],
        "address": {"city": "Lyon"}, "unknown": 1});
    let out = lambda
        .invoke()
        .function_name("orders")
        .payload(Blob::new(order.to_string()))
        .log_type(LogType::Tail)
        .client_context(cc)
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.function_error(), None);
    let v: Value = serde_json::from_slice(out.payload().expect("payload").as_ref()).expect("json");
    let rid = v["requestId"].as_str().expect("request id").to_string();
    assert_eq!(v["item"], "book");
    assert_eq!(v["city"], "Lyon");
    assert_eq!(v["total"], 5.0);
    assert_eq!(v["gift"], true);
    assert_eq!(v["functionName"], "orders");
    assert_eq!(v["arn"], arn.as_str());
    assert_eq!(v["logGroup"], "/aws/lambda/orders");
    assert_eq!(v["memory"], 128);
    assert_eq!(v["custom"], "yes");
    assert_eq!(v["property"], "from-tool-options");
    assert_eq!(v["clientCustom"], "v");
    assert_eq!(v["appTitle"], "app");
    assert!(v.get("note").is_none(), "nulls are left out: {v}");
    let remaining = v["remaining"].as_i64().expect("remaining");
    assert!(remaining > 0 && remaining <= 5000, "{remaining}");
    let log = tail(&out);
    assert!(
        log.starts_with(&format!("START RequestId: {rid} Version: $LATEST")),
        "{log}"
    );
    for line in [
        "stdout line for book",
        "stderr line",
        "logger line",
        "runtime logger line",
        &format!("END RequestId: {rid}"),
        &format!("REPORT RequestId: {rid}"),
        "Init Duration",
    ] {
        assert!(log.contains(line), "{line:?} missing from {log}");
    }
    assert!(
        !log.contains("[default]"),
        "LambdaRuntime's logger is the runtime's: {log}"
    );

    let (err, v) = invoke(
        &lambda,
        "maps",
        r#"{"b": 1, "a": {"x": [1, 2.5, null, true]}, "nested": {"deep": "yes"}}"#,
    )
    .await;
    assert_eq!(err, None, "{v}");
    assert_eq!(
        v,
        json!({"keys": ["b", "a", "nested"], "nested": {"deep": "yes"}, "count": 1,
            "big": 12345678901u64, "nothing": null})
    );
    // Warm: the same JVM, so the static counter goes on.
    let (_, v) = invoke(&lambda, "maps", "{}").await;
    assert_eq!(v["count"], 2);

    let (err, v) = invoke(&lambda, "strings", r#""hello""#).await;
    assert_eq!((err, v), (None, json!("HELLO")));
    let (err, v) = invoke(&lambda, "strings", r#"{"not": "a string"}"#).await;
    assert_eq!(err.as_deref(), Some("Unhandled"));
    assert_eq!(v["errorType"], "java.lang.RuntimeException");
    assert_eq!(v["errorMessage"], "An error occurred during JSON parsing");

    let (err, v) = invoke(&lambda, "streams", "[1,2,3]").await;
    assert_eq!((err, v), (None, json!({"length": 7, "version": "$LATEST"})));
}

#[tokio::test]
async fn java_fat_jar_versions_aliases_events_and_hot_reload() {
    let built = require_java!();
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    // A fat jar: the dependencies' classes unpacked beside the user's, one archive.
    let mut entries = built.app.clone();
    entries.push((
        "META-INF/MANIFEST.MF".into(),
        b"Manifest-Version: 1.0\r\n\r\n".to_vec(),
    ));
    for jar in [&built.core_jar, &built.events_jar] {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(jar.clone())).expect("jar");
        for i in 0..archive.len() {
            let mut f = archive.by_index(i).expect("entry");
            let mut body = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut body).expect("read");
            entries.push((f.name().to_string(), body));
        }
    }
    let fat = zip(&entries);
    create(
        &lambda,
        built,
        "fat",
        "example.Events::scheduled",
        zip_code(fat),
        &[],
        5,
    )
    .await;
    let scheduled = json!({"version": "0", "id": "abc", "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "000000000000", "time": "2026-01-02T03:04:05Z",
        "region": "us-east-1", "resources": ["arn:aws:events:us-east-1:000000000000:rule/r"],
        "detail": {"n": 1}});
    let (err, v) = invoke(&lambda, "fat", &scheduled.to_string()).await;
    assert_eq!(err, None, "{v}");
    assert_eq!(v, scheduled, "ScheduledEvent round-trips with AWS's names");

    let version = lambda
        .publish_version()
        .function_name("fat")
        .send()
        .await
        .expect("publish")
        .version()
        .expect("version")
        .to_string();
    lambda
        .create_alias()
        .function_name("fat")
        .name("live")
        .function_version(&version)
        .send()
        .await
        .expect("alias");
    let out = lambda
        .invoke()
        .function_name("fat")
        .qualifier("live")
        .payload(Blob::new(scheduled.to_string()))
        .send()
        .await
        .expect("invoke alias");
    assert_eq!(out.executed_version(), Some("1"));
    assert_eq!(out.function_error(), None);

    // Hot reload from a directory of classes and jars: a changed file retires the JVM.
    let dir = std::env::temp_dir().join(format!(
        "fogbank-java-hot-{}",
        uuid::Uuid::new_v4().simple()
    ));
    for (name, body) in &built.app {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, body).expect("class");
    }
    std::fs::create_dir_all(dir.join("lib")).expect("lib");
    std::fs::write(dir.join("lib/core.jar"), &built.core_jar).expect("jar");
    std::fs::write(dir.join("greeting.txt"), "hello one\n").expect("resource");
    let hot = FunctionCode::builder()
        .s3_bucket("hot-reload")
        .s3_key(dir.to_string_lossy())
        .build();
    create(&lambda, built, "hot", "example.Greeter::greet", hot, &[], 5).await;
    assert_eq!(
        invoke(&lambda, "hot", "{}").await,
        (None, json!("hello one"))
    );
    std::fs::write(dir.join("greeting.txt"), "hello two, longer\n").expect("resource");
    assert_eq!(
        invoke(&lambda, "hot", "{}").await,
        (None, json!("hello two, longer"))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn java_errors_timeouts_exit_and_init_failures() {
    let built = require_java!();
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let code = || zip_code(built.zip_package(false));
    create(
        &lambda,
        built,
        "fail",
        "example.Failing::fail",
        code(),
        &[],
        5,
    )
    .await;
    create(
        &lambda,
        built,
        "sleep",
        "example.Failing::sleep",
        code(),
        &[],
        1,
    )
    .await;
    create(
        &lambda,
        built,
        "exit",
        "example.Failing::exit",
        code(),
        &[],
        5,
    )
    .await;
    create(
        &lambda,
        built,
        "badinit",
        "example.BadInit::handle",
        code(),
        &[],
        5,
    )
    .await;
    create(
        &lambda,
        built,
        "missing",
        "example.Missing::handle",
        code(),
        &[],
        5,
    )
    .await;
    create(
        &lambda,
        built,
        "nomethod",
        "example.Strings::nope",
        code(),
        &[],
        5,
    )
    .await;
    let nojvm = [("FOGBANK_JAVA_HOME", "/nonexistent/jdk")];
    create(
        &lambda,
        built,
        "nojvm",
        "example.Strings::upper",
        code(),
        &nojvm,
        5,
    )
    .await;

    let out = lambda
        .invoke()
        .function_name("fail")
        .payload(Blob::new("{}"))
        .log_type(LogType::Tail)
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.function_error(), Some("Unhandled"));
    let v: Value = serde_json::from_slice(out.payload().expect("payload").as_ref()).expect("json");
    assert_eq!(v["errorType"], "java.lang.IllegalStateException");
    assert_eq!(v["errorMessage"], "asked to fail");
    let first = v["stackTrace"][0].as_str().expect("stack trace");
    assert!(
        first.starts_with("example.Failing.fail(Failing.java:"),
        "{v}"
    );
    assert!(
        !v["stackTrace"].to_string().contains("fogbank")
            && !v["stackTrace"].to_string().contains("reflect"),
        "the runtime's own frames are filtered: {v}"
    );
    let log = tail(&out);
    assert!(
        log.contains("asked to fail: java.lang.IllegalStateException"),
        "{log}"
    );
    assert!(
        log.contains("\tat example.Failing.fail(Failing.java:"),
        "{log}"
    );

    let (err, v) = invoke(&lambda, "sleep", "{}").await;
    assert_eq!(err.as_deref(), Some("Unhandled"));
    assert_eq!(v["errorType"], "Sandbox.Timedout", "{v}");

    let (err, v) = invoke(&lambda, "exit", "{}").await;
    assert_eq!(err.as_deref(), Some("Unhandled"));
    assert_eq!(v["errorType"], "Runtime.ExitError", "{v}");
    assert!(
        v["errorMessage"]
            .as_str()
            .is_some_and(|m| m.ends_with("Runtime exited with error: exit status 3")),
        "{v}"
    );

    // The constructor throws: an init error, the exception's class and message.
    let (err, v) = invoke(&lambda, "badinit", r#""x""#).await;
    assert_eq!(err.as_deref(), Some("Unhandled"));
    assert_eq!(
        v,
        json!({"errorMessage": "bad config", "errorType": "java.lang.IllegalStateException"})
    );

    let (err, v) = invoke(&lambda, "missing", "{}").await;
    assert_eq!(err.as_deref(), Some("Unhandled"));
    assert_eq!(
        v,
        json!({"errorMessage": "Class not found: example.Missing",
            "errorType": "java.lang.ClassNotFoundException"})
    );
    let (err, v) = invoke(&lambda, "nomethod", "{}").await;
    assert_eq!(err.as_deref(), Some("Unhandled"));
    assert_eq!(
        v,
        json!({"errorMessage": "No public method named nope with appropriate method signature found on class example.Strings"})
    );

    let (err, v) = invoke(&lambda, "nojvm", r#""x""#).await;
    assert_eq!(err.as_deref(), Some("Unhandled"));
    assert_eq!(v["errorType"], "Runtime.InvalidEntrypoint", "{v}");
    let message = v["errorMessage"].as_str().expect("message");
    assert!(
        message.contains("/nonexistent/jdk") && message.contains("install a JDK"),
        "{message}"
    );
}

#[tokio::test]
async fn java_sqs_and_sns_events_through_a_mapping_and_a_subscription_with_a_layer() {
    let built = require_java!();
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let sqs = common::sqs(&server).await;
    let sns = common::sns(&server).await;
    // The events jar comes from a layer (java/lib/*.jar, as AWS puts it on the classpath).
    let layer = lambda
        .publish_layer_version()
        .layer_name("java-events")
        .content(
            aws_sdk_lambda::types::LayerVersionContentInput::builder()
                .zip_file(Blob::new(zip(&[(
                    "java/lib/aws-lambda-java-events-3.11.0.jar".to_string(),
                    built.events_jar.clone(),
                )])))
                .build(),
        )
        .send()
        .await
        .expect("layer")
        .layer_version_arn()
        .expect("arn")
        .to_string();
    let out_file = std::env::temp_dir().join(format!(
        "fogbank-java-events-{}.txt",
        uuid::Uuid::new_v4().simple()
    ));
    let out_s = out_file.to_string_lossy().into_owned();
    for (name, handler) in [
        ("on-sqs", "example.Events::sqs"),
        ("on-sns", "example.Events::sns"),
    ] {
        lambda
            .create_function()
            .function_name(name)
            .runtime(built.runtime.clone())
            .role(common::ROLE)
            .handler(handler)
            .layers(&layer)
            .environment(Environment::builder().variables("OUT", &out_s).build())
            .code(zip_code(built.zip_package(false)))
            .send()
            .await
            .expect("create");
    }

    let url = sqs
        .create_queue()
        .queue_name("java-in")
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    let queue_arn = "arn:aws:sqs:us-east-1:000000000000:java-in".to_string();
    sqs.send_message()
        .queue_url(&url)
        .message_body("hello java")
        .message_attributes(
            "k",
            aws_sdk_sqs::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value("v")
                .build()
                .expect("attr"),
        )
        .send()
        .await
        .expect("send");
    lambda
        .create_event_source_mapping()
        .event_source_arn(&queue_arn)
        .function_name("on-sqs")
        .send()
        .await
        .expect("mapping");

    let topic = sns
        .create_topic()
        .name("java-topic")
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("arn");
    let function_arn = lambda
        .get_function()
        .function_name("on-sns")
        .send()
        .await
        .expect("function")
        .configuration()
        .and_then(|c| c.function_arn())
        .expect("arn")
        .to_string();
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("lambda")
        .endpoint(&function_arn)
        .send()
        .await
        .expect("subscribe");
    sns.publish()
        .topic_arn(&topic)
        .subject("greeting")
        .message("hello from sns")
        .message_attributes(
            "color",
            aws_sdk_sns::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value("blue")
                .build()
                .expect("attr"),
        )
        .send()
        .await
        .expect("publish");

    let sample = json!({"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
        "EventSubscriptionArn": "arn:x", "Sns": {"Type": "Notification", "MessageId": "m",
        "TopicArn": "arn:t", "Subject": null, "Message": "direct", "Timestamp": "2026-01-01T00:00:00.000Z",
        "SignatureVersion": "1", "Signature": "s", "SigningCertUrl": "u", "UnsubscribeUrl": "u",
        "MessageAttributes": {"color": {"Type": "String", "Value": "red"}}}}]});
    // Directly first: SNSEvent's PascalCase names, getSNS/setSns and the DateTime.
    assert_eq!(
        invoke(&lambda, "on-sns", &sample.to_string()).await,
        (None, json!("ok"))
    );
    let lines = common::eventually("both events handled", || async {
        let text = std::fs::read_to_string(&out_file).unwrap_or_default();
        (text.contains("sqs|") && text.contains("hello from sns")).then_some(text)
    })
    .await;
    let sqs_line = lines
        .lines()
        .find(|l| l.starts_with("sqs|"))
        .expect("sqs line");
    assert_eq!(
        sqs_line,
        format!("sqs|hello java|{queue_arn}|aws:sqs|v|1|true")
    );
    assert!(
        lines.contains("sns|aws:sns|direct|null|arn:t|2026-01-01T00:00:00.000Z|red|String"),
        "{lines}"
    );
    let sns_line = lines
        .lines()
        .find(|l| l.contains("hello from sns"))
        .expect("sns line");
    let parts: Vec<&str> = sns_line.split('|').collect();
    assert_eq!(
        &parts[..5],
        &[
            "sns",
            "aws:sns",
            "hello from sns",
            "greeting",
            topic.as_str()
        ]
    );
    assert!(
        parts[5].starts_with("20") && parts[5].ends_with('Z'),
        "Timestamp: {sns_line}"
    );
    assert_eq!(&parts[6..], &["blue", "String"]);
    let _ = std::fs::remove_file(&out_file);
}

#[test]
fn the_runtime_client_is_built_once_per_jvm_into_the_cache() {
    if require_java_sync().is_none() {
        eprintln!("skipping: no javac on this host (install a JDK to run the Java tests)");
        return;
    }
    let Some(jvm) = fogbank::lambda::java::installed().first().cloned() else {
        eprintln!("skipping: no JVM found by fogbank's discovery");
        return;
    };
    let root = std::env::temp_dir().join(format!(
        "fogbank-java-cache-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let dir = fogbank::lambda::java::client_classes(&root, &jvm).expect("built");
    assert!(dir.starts_with(&root) && dir.join("client.jar").is_file());
    if jvm.major >= 13 {
        assert!(
            dir.join("client.jsa").is_file(),
            "the CDS archive of the training run"
        );
    }
    assert!(
        dir.file_name()
            .is_some_and(|n| n.to_string_lossy().contains(&jvm.version)),
        "keyed by the JVM's version: {}",
        dir.display()
    );
    let built_at = std::fs::metadata(dir.join("client.jar"))
        .and_then(|m| m.modified())
        .expect("mtime");
    // Kept: a second server (or call) uses it as it is; no temporary directories are left.
    assert_eq!(
        fogbank::lambda::java::client_classes(&root, &jvm),
        Ok(dir.clone())
    );
    let again = std::fs::metadata(dir.join("client.jar"))
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(built_at, again);
    let left: Vec<_> = std::fs::read_dir(&root)
        .expect("root")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
    let _ = std::fs::remove_dir_all(&root);
}

fn require_java_sync() -> Option<()> {
    javac().map(|_| ())
}
