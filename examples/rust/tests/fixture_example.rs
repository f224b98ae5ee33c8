//! The Rust fixture example: tests that use `fogbank::testing::Server` as a user's project
//! would (see examples/rust/README.md), one server per test, through the real AWS SDK clients.

use std::io::Write;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use fogbank::testing::Server;

/// A Lambda deployment package: one file, `app.py`.
fn python_zip(source: &str) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    zip.start_file("app.py", zip::write::SimpleFileOptions::default())
        .expect("zip entry");
    zip.write_all(source.as_bytes()).expect("zip write");
    zip.finish().expect("zip finish");
    out.into_inner()
}

#[tokio::test]
async fn sqs_round_trip() {
    let server = Server::start().await.expect("fogbank starts");
    let sqs = aws_sdk_sqs::Client::new(&server.sdk_config().await);
    let url = sqs
        .create_queue()
        .queue_name("jobs")
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url");
    assert!(url.starts_with(&server.endpoint()), "{url}");
    sqs.send_message()
        .queue_url(&url)
        .message_body("hello")
        .send()
        .await
        .expect("send");
    let got = sqs
        .receive_message()
        .queue_url(&url)
        .wait_time_seconds(5)
        .send()
        .await
        .expect("receive");
    let bodies: Vec<_> = got.messages().iter().filter_map(|m| m.body()).collect();
    assert_eq!(bodies, ["hello"]);
}

#[tokio::test]
async fn sns_fans_out_to_sqs() {
    let server = Server::start().await.expect("fogbank starts");
    let config = server.sdk_config().await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let sns = aws_sdk_sns::Client::new(&config);
    let url = sqs
        .create_queue()
        .queue_name("orders")
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url");
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("attributes")
        .attributes
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                .cloned()
        })
        .expect("queue arn");
    let topic = sns
        .create_topic()
        .name("events")
        .send()
        .await
        .expect("create topic")
        .topic_arn
        .expect("topic arn");
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(&queue_arn)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .expect("subscribe");
    sns.publish()
        .topic_arn(&topic)
        .message("order 42")
        .send()
        .await
        .expect("publish");
    let got = sqs
        .receive_message()
        .queue_url(&url)
        .wait_time_seconds(5)
        .send()
        .await
        .expect("receive");
    let bodies: Vec<_> = got.messages().iter().filter_map(|m| m.body()).collect();
    assert_eq!(bodies, ["order 42"]);
}

#[tokio::test]
async fn python_lambda_invokes() {
    let server = Server::start().await.expect("fogbank starts");
    let lambda = aws_sdk_lambda::Client::new(&server.sdk_config().await);
    let code = "def handler(event, context):\n    return {'doubled': event['n'] * 2}\n";
    lambda
        .create_function()
        .function_name("double")
        .runtime(Runtime::Python312)
        .role("arn:aws:iam::000000000000:role/lambda-role")
        .handler("app.handler")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(python_zip(code)))
                .build(),
        )
        .send()
        .await
        .expect("create function");
    let out = lambda
        .invoke()
        .function_name("double")
        .payload(Blob::new(r#"{"n": 21}"#))
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.function_error(), None);
    let payload = out
        .payload()
        .map(|p| p.as_ref().to_vec())
        .unwrap_or_default();
    let value: serde_json::Value = serde_json::from_slice(&payload).expect("json payload");
    assert_eq!(value, serde_json::json!({"doubled": 42}));
}

#[tokio::test]
async fn reset_wipes_state_and_servers_are_isolated() {
    let first = Server::start().await.expect("fogbank starts");
    let second = Server::start().await.expect("fogbank starts");
    assert_ne!(first.endpoint(), second.endpoint());
    let sqs_first = aws_sdk_sqs::Client::new(&first.sdk_config().await);
    let sqs_second = aws_sdk_sqs::Client::new(&second.sdk_config().await);
    sqs_first
        .create_queue()
        .queue_name("only-here")
        .send()
        .await
        .expect("create queue");
    let count = |out: aws_sdk_sqs::operation::list_queues::ListQueuesOutput| out.queue_urls().len();
    let listed = sqs_second.list_queues().send().await.expect("list");
    assert_eq!(count(listed), 0, "another server's queue leaked");
    let listed = sqs_first.list_queues().send().await.expect("list");
    assert_eq!(count(listed), 1);
    first.reset();
    let listed = sqs_first.list_queues().send().await.expect("list");
    assert_eq!(count(listed), 0, "reset kept a queue");
    let endpoint = first.endpoint();
    first.shutdown().await;
    let after = sqs_first.list_queues().send().await;
    assert!(after.is_err(), "{endpoint} still answers after shutdown");
}

#[tokio::test]
async fn state_survives_a_restart_on_the_same_data_dir() {
    use fogbank::config::Config;
    use fogbank::server::StorageSettings;
    use fogbank::store::Durability;

    let dir = std::env::temp_dir().join(format!("fogbank-fixture-{}", std::process::id()));
    let config = || Config {
        storage: Some(StorageSettings {
            data_dir: dir.clone(),
            durability: Durability::Process,
        }),
        ..Config::ephemeral()
    };
    let first = Server::start_with(config()).await.expect("fogbank starts");
    let sqs = aws_sdk_sqs::Client::new(&first.sdk_config().await);
    sqs.create_queue()
        .queue_name("kept")
        .send()
        .await
        .expect("create queue");
    // shutdown() releases the data dir, so the next server can open it at once
    first.shutdown().await;
    let second = Server::start_with(config())
        .await
        .expect("a second server opens the released data dir");
    let sqs = aws_sdk_sqs::Client::new(&second.sdk_config().await);
    let listed = sqs.list_queues().send().await.expect("list");
    let names: Vec<_> = listed
        .queue_urls()
        .iter()
        .filter_map(|u| u.rsplit('/').next())
        .collect();
    assert_eq!(names, ["kept"]);
    second.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
