//! Export, check and restore of the Lambda state, and a round trip through a real store.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::context::RequestContext;
use crate::lambda::engine::InvokeInput;
use crate::lambda::layers::{AddLayerPermissionInput, PublishLayerInput};
use crate::lambda::model::*;
use crate::lambda::{LambdaEngine, LambdaSettings};
use crate::sqs::SqsEngine;
use crate::store::{Durability, Durable, Record, Store};

const ROLE: &str = "arn:aws:iam::000000000000:role/lambda-role";

fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        for (name, body) in files {
            let opts = zip::write::SimpleFileOptions::default().unix_permissions(0o644);
            w.start_file(*name, opts).unwrap();
            w.write_all(body.as_bytes()).unwrap();
        }
        w.finish().unwrap();
    }
    buf.into_inner()
}

fn ctx() -> RequestContext {
    RequestContext::new("000000000000", "us-east-1", "localhost")
}

fn engines() -> (Arc<SqsEngine>, Arc<LambdaEngine>) {
    let sqs = SqsEngine::new(Arc::new(crate::clock::SystemClock));
    let lambda = LambdaEngine::new(LambdaSettings::default(), sqs.clone());
    (sqs, lambda)
}

/// Functions, versions, aliases, policies, concurrency, invoke configs, tags, layers (with a
/// policy and a deleted version) and a mapping, built through the public methods.
fn build(sqs: &SqsEngine, l: &LambdaEngine) {
    let c = ctx();
    let layer = |text: &str| PublishLayerInput {
        content: Some(FunctionCode {
            zip_file: Some(STANDARD.encode(zip_of(&[("python/lib.py", text)]))),
            ..Default::default()
        }),
        compatible_runtimes: vec!["python3.12".into()],
        ..Default::default()
    };
    l.publish_layer_version(&c, "lib", layer("X = 1\n"))
        .unwrap();
    l.publish_layer_version(&c, "lib", layer("X = 2\n"))
        .unwrap();
    l.publish_layer_version(&c, "lib", layer("X = 3\n"))
        .unwrap();
    l.delete_layer_version(&c, "lib", "3").unwrap();
    l.add_layer_version_permission(
        &c,
        "lib",
        "2",
        None,
        AddLayerPermissionInput {
            statement_id: Some("all".into()),
            action: Some("lambda:GetLayerVersion".into()),
            principal: Some("*".into()),
            organization_id: None,
        },
    )
    .unwrap();
    let source = "import lib\ndef handler(e, c):\n    return {'v': 1, 'lib': lib.X, 'e': e}\n";
    l.create_function(
        &c,
        CreateFunctionInput {
            function_name: Some("f".into()),
            runtime: Some("python3.12".into()),
            role: Some(ROLE.into()),
            handler: Some("app.handler".into()),
            code: Some(FunctionCode {
                zip_file: Some(STANDARD.encode(zip_of(&[("app.py", source)]))),
                ..Default::default()
            }),
            environment: Some(Environment {
                variables: [("K".to_string(), "V".to_string())].into(),
            }),
            layers: vec!["arn:aws:lambda:us-east-1:000000000000:layer:lib:2".into()],
            tags: [("t".to_string(), "1".to_string())].into(),
            timeout: Some(10),
            ..Default::default()
        },
    )
    .unwrap();
    // as a waiter would: the read sees the create settled (AWS refuses a publish while Pending)
    l.get_function_configuration(&c, "f", None).unwrap();
    l.publish_version(&c, "f", PublishVersionInput::default())
        .unwrap();
    l.create_alias(
        &c,
        "f",
        AliasInput {
            name: Some("live".into()),
            function_version: Some("1".into()),
            ..Default::default()
        },
    )
    .unwrap();
    l.add_permission(
        &c,
        "f",
        None,
        AddPermissionInput {
            statement_id: Some("s1".into()),
            action: Some("lambda:InvokeFunction".into()),
            principal: Some("sns.amazonaws.com".into()),
            ..Default::default()
        },
    )
    .unwrap();
    l.put_concurrency(
        &c,
        "f",
        ConcurrencyInput {
            reserved_concurrent_executions: Some(5),
        },
    )
    .unwrap();
    l.put_event_invoke_config(
        &c,
        "f",
        None,
        EventInvokeConfigInput {
            maximum_retry_attempts: Some(1),
            maximum_event_age_in_seconds: Some(120),
            destination_config: None,
        },
        false,
    )
    .unwrap();
    // a second function, deleted
    l.create_function(
        &c,
        CreateFunctionInput {
            function_name: Some("gone".into()),
            runtime: Some("python3.12".into()),
            role: Some(ROLE.into()),
            handler: Some("app.handler".into()),
            code: Some(FunctionCode {
                zip_file: Some(
                    STANDARD.encode(zip_of(&[("app.py", "def handler(e, c):\n    return 0\n")])),
                ),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .unwrap();
    l.delete_function(&c, "gone", None).unwrap();
    sqs.create_queue(
        &c,
        crate::sqs::model::CreateQueueInput {
            queue_name: Some("q".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let esm = l
        .create_event_source_mapping(
            &c,
            EsmInput {
                event_source_arn: Some("arn:aws:sqs:us-east-1:000000000000:q".into()),
                function_name: Some("f".into()),
                batch_size: Some(5),
                enabled: Some(false),
                tags: BTreeMap::from([("team".to_string(), "a".to_string())]),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(esm.batch_size, 5);
    l.tag_resource(
        &c,
        &esm.event_source_mapping_arn,
        BTreeMap::from([("env".to_string(), "dev".to_string())]),
    )
    .unwrap();
}

fn kinds(records: &[Record]) -> Vec<&str> {
    let mut k: Vec<&str> = records.iter().map(|r| r.kind.as_str()).collect();
    k.dedup();
    k
}

#[tokio::test]
async fn export_restore_export_is_equal_and_check_refuses_bad_records() {
    let (sqs, a) = engines();
    build(&sqs, &a);
    let first = a.export();
    assert_eq!(
        kinds(&first.records),
        ["lambda.layer", "lambda.function", "lambda.esm"]
    );
    assert_eq!(
        first.records.len(),
        3,
        "the deleted function is not exported"
    );
    let (_, b) = engines();
    // any order
    let mut shuffled = first.clone();
    shuffled.records.reverse();
    b.check(&shuffled).unwrap();
    b.restore(shuffled).unwrap();
    let second = b.export();
    assert_eq!(first.records, second.records);
    assert_eq!(
        first.blobs.keys().collect::<Vec<_>>(),
        second.blobs.keys().collect::<Vec<_>>()
    );
    assert_eq!(first.blobs.len(), 3, "function code and two layer versions");

    // a bad record: refused, nothing changes
    let mut bad = first.clone();
    bad.records[1].value["Unknown"] = json!(1);
    let err = b.check(&bad).unwrap_err();
    assert!(err.contains("lambda.function"), "{err}");
    assert!(b.restore(bad).is_err());
    let mut missing = first.clone();
    missing.blobs.clear();
    assert!(b.check(&missing).is_err());
    assert_eq!(b.export().records, first.records);
    a.shutdown();
    b.shutdown();
}

async fn call(l: &LambdaEngine, name: &str) -> Value {
    let out = l
        .invoke(
            &ctx(),
            name,
            None,
            InvokeInput {
                payload: axum::body::Bytes::from_static(b"{\"n\": 7}"),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(out.function_error, None);
    serde_json::from_slice(&out.payload).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_round_trip_keeps_everything_and_the_code_runs() {
    let dir = std::env::temp_dir().join(format!("fogbank-lambda-store-{}", uuid::Uuid::new_v4()));
    let (sqs, a) = engines();
    let (store, loaded) = Store::open(&dir, Durability::Process).unwrap();
    drop(loaded);
    a.attach_journal(store.journal.clone());
    build(&sqs, &a);
    let before = (
        call(&a, "f").await,
        call(&a, "f:1").await,
        call(&a, "f:live").await,
    );
    assert_eq!(before.0["lib"], 2);
    store.journal.wait_durable().await.unwrap();
    store.journal.close();
    let exported = a.export();
    a.shutdown();
    drop(a);
    drop(store);

    let (store, mut loaded) = Store::open(&dir, Durability::Process).unwrap();
    let st = loaded.take("lambda");
    assert_eq!(st.blobs.len(), 3, "{:?}", st.blobs.keys());
    let (_sqs2, b) = engines();
    b.check(&st).unwrap();
    b.restore(st).unwrap();
    assert_eq!(b.export().records, exported.records);
    let c = ctx();
    let cfg = b.get_function_configuration(&c, "f", None).unwrap();
    assert_eq!(cfg.timeout, 10);
    assert_eq!(cfg.layers.len(), 1);
    assert!(b.get_function(&c, "gone", None).is_err());
    assert_eq!(b.get_alias(&c, "f", "live").unwrap().function_version, "1");
    assert!(b.get_policy(&c, "f", None).unwrap().policy.contains("s1"));
    assert_eq!(
        b.get_concurrency(&c, "f")
            .unwrap()
            .reserved_concurrent_executions,
        Some(5)
    );
    let eic = b.get_event_invoke_config(&c, "f", None).unwrap();
    assert_eq!(eic.maximum_retry_attempts, Some(1));
    assert_eq!(
        b.list_tags(&c, "arn:aws:lambda:us-east-1:000000000000:function:f")
            .unwrap()
            .tags["t"],
        "1"
    );
    let layers = b.list_layer_versions(&c, "lib").unwrap();
    assert_eq!(layers.layer_versions.len(), 2);
    assert!(b.get_layer_version_policy(&c, "lib", "2").is_ok());
    let v = b
        .publish_layer_version(
            &c,
            "lib",
            PublishLayerInput {
                content: Some(FunctionCode {
                    zip_file: Some(STANDARD.encode(zip_of(&[("python/lib.py", "X = 4\n")]))),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(v.version, 4, "layer versions keep counting after deletes");
    let esms = b.list_event_source_mappings(&c, None, None).unwrap();
    assert_eq!(esms.event_source_mappings[0].state, "Disabled");
    assert_eq!(esms.event_source_mappings[0].batch_size, 5);
    let esm_tags = b
        .list_tags(&c, &esms.event_source_mappings[0].event_source_mapping_arn)
        .unwrap()
        .tags;
    assert_eq!(
        esm_tags,
        BTreeMap::from([
            ("env".to_string(), "dev".to_string()),
            ("team".to_string(), "a".to_string()),
        ]),
        "a mapping's tags are stored"
    );
    let after = (
        call(&b, "f").await,
        call(&b, "f:1").await,
        call(&b, "f:live").await,
    );
    assert_eq!(before, after);
    b.shutdown();
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
