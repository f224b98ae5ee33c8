//! `--config fogbank.toml`: the example in docker/ loads, and bad files are refused with an
//! error naming the file, the entry and the field.

mod common;

use std::path::PathBuf;

use aws_sdk_sqs::types::QueueAttributeName;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docker/fogbank.toml")
}

#[tokio::test]
async fn the_docker_example_creates_every_resource() {
    let server = common::start().await;
    let path = example();
    let cfg = fogbank::startup::load(&path).expect("example parses");
    fogbank::startup::apply(&server.state, &cfg, &path)
        .await
        .expect("example applies");
    let sqs = common::sqs(&server).await;
    let sns = common::sns(&server).await;
    let lambda = common::lambda(&server).await;

    let mut names: Vec<String> = sqs
        .list_queues()
        .send()
        .await
        .expect("queues")
        .queue_urls()
        .iter()
        .filter_map(|u| u.rsplit('/').next().map(str::to_string))
        .collect();
    names.sort();
    assert_eq!(names, ["audit.fifo", "orders", "orders-dlq"]);
    let url = sqs
        .get_queue_url()
        .queue_name("orders")
        .send()
        .await
        .expect("url")
        .queue_url
        .expect("url");
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::RedrivePolicy)
        .send()
        .await
        .expect("attrs")
        .attributes
        .expect("map");
    let redrive: serde_json::Value = serde_json::from_str(
        attrs
            .get(&QueueAttributeName::RedrivePolicy)
            .expect("redrive"),
    )
    .expect("json");
    assert_eq!(redrive["maxReceiveCount"], 3);
    assert!(
        redrive["deadLetterTargetArn"]
            .as_str()
            .is_some_and(|a| a.ends_with(":orders-dlq"))
    );

    let topics = sns.list_topics().send().await.expect("topics");
    let topic = topics.topics()[0].topic_arn().expect("arn").to_string();
    assert!(topic.ends_with(":order-events"));
    let subs = sns
        .list_subscriptions_by_topic()
        .topic_arn(&topic)
        .send()
        .await
        .expect("subs");
    assert_eq!(subs.subscriptions()[0].protocol(), Some("sqs"));

    let f = lambda
        .get_function()
        .function_name("order-worker")
        .send()
        .await
        .expect("function");
    assert_eq!(f.configuration().and_then(|c| c.timeout()), Some(10));
    let mappings = lambda
        .list_event_source_mappings()
        .function_name("order-worker")
        .send()
        .await
        .expect("mappings");
    assert_eq!(mappings.event_source_mappings().len(), 1);

    // End to end: a matching publish reaches the queue and the worker drains it.
    sns.publish()
        .topic_arn(&topic)
        .message("order 1")
        .message_attributes(
            "type",
            aws_sdk_sns::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value("created")
                .build()
                .expect("attr"),
        )
        .send()
        .await
        .expect("publish");
    common::eventually("the worker to drain the queue", || {
        let sqs = sqs.clone();
        let url = url.clone();
        async move {
            let a = sqs
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(QueueAttributeName::All)
                .send()
                .await
                .ok()?
                .attributes?;
            let sent = a.get(&QueueAttributeName::ApproximateNumberOfMessages)? == "0"
                && a.get(&QueueAttributeName::ApproximateNumberOfMessagesNotVisible)? == "0";
            sent.then_some(())
        }
    })
    .await;
}

fn write_config(text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("fogbank-{}.toml", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, text).expect("write");
    path
}

#[tokio::test]
async fn bad_files_name_the_file_entry_and_field() {
    let path = write_config("[[queues]]\nname = \"a\"\ncolour = \"blue\"\n");
    let err = fogbank::startup::load(&path).expect_err("unknown field");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains("colour"), "{err}");

    let path = write_config("[[queues]]\nname = \"a\"\ndead_letter_queue = \"missing\"\n");
    let cfg = fogbank::startup::load(&path).expect("parses");
    let server = common::start().await;
    let err = fogbank::startup::apply(&server.state, &cfg, &path)
        .await
        .expect_err("missing dlq");
    assert!(err.contains("queues[0] (a)"), "{err}");
    assert!(err.contains("dead_letter_queue"), "{err}");

    let path = write_config(
        "[[functions]]\nname = \"f\"\nruntime = \"python3.12\"\nhandler = \"app.handler\"\ncode = \"does/not/exist.zip\"\n",
    );
    let cfg = fogbank::startup::load(&path).expect("parses");
    let err = fogbank::startup::apply(&server.state, &cfg, &path)
        .await
        .expect_err("missing code");
    assert!(err.contains("functions[0] (f): field `code`"), "{err}");
}
