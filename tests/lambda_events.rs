//! Lambda event sources and async invokes: SQS event source mappings with partial batch
//! failures and the queue's DLQ, async retries, destinations and dead-letter queues, layers.

mod common;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    DeadLetterConfig, DestinationConfig, FunctionCode, FunctionResponseType, InvocationType,
    OnFailure, OnSuccess, Runtime,
};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{Value, json};

async fn python(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    source: &str,
    env: &[(&str, &str)],
    dlq: Option<&str>,
) {
    let zip = common::zip_of(&[("app.py", source, 0o644)]);
    let mut vars = aws_sdk_lambda::types::Environment::builder();
    for (k, v) in env {
        vars = vars.variables(*k, *v);
    }
    let mut req = lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .timeout(1)
        .environment(vars.build())
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build());
    if let Some(d) = dlq {
        req = req.dead_letter_config(DeadLetterConfig::builder().target_arn(d).build());
    }
    req.send().await.expect("create function");
}

async fn queue(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    attrs: &[(QueueAttributeName, &str)],
) -> (String, String) {
    let mut req = sqs.create_queue().queue_name(name);
    for (k, v) in attrs {
        req = req.attributes(k.clone(), *v);
    }
    let url = req.send().await.expect("queue").queue_url.expect("url");
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("attrs")
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .expect("arn");
    (url, arn)
}

async fn receive_one(sqs: &aws_sdk_sqs::Client, url: &str) -> aws_sdk_sqs::types::Message {
    let sqs = sqs.clone();
    let url = url.to_string();
    common::eventually("a message", || {
        let sqs = sqs.clone();
        let url = url.clone();
        async move {
            sqs.receive_message()
                .queue_url(&url)
                .message_attribute_names("All")
                .wait_time_seconds(1)
                .send()
                .await
                .ok()
                .and_then(|o| o.messages.and_then(|m| m.into_iter().next()))
        }
    })
    .await
}

const BATCH_HANDLER: &str = r#"
import json, os

def handler(event, context):
    with open(os.environ["OUT"], "a") as f:
        for r in event["Records"]:
            f.write(json.dumps(r) + "\n")
    return {"batchItemFailures": [
        {"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "bad"
    ]}
"#;

#[tokio::test]
async fn sqs_mapping_deletes_successes_and_failures_reach_the_dlq() {
    let server = common::start().await;
    let sqs = common::sqs(&server).await;
    let lambda = common::lambda(&server).await;
    let (dlq_url, dlq_arn) = queue(&sqs, "esm-dlq", &[]).await;
    let redrive = json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}).to_string();
    let (src_url, src_arn) = queue(
        &sqs,
        "esm-src",
        &[
            (QueueAttributeName::VisibilityTimeout, "1"),
            (QueueAttributeName::RedrivePolicy, &redrive),
        ],
    )
    .await;
    let out = std::env::temp_dir().join(format!(
        "fogbank-esm-{}.jsonl",
        uuid::Uuid::new_v4().simple()
    ));
    let out_s = out.to_string_lossy().into_owned();
    python(&lambda, "consumer", BATCH_HANDLER, &[("OUT", &out_s)], None).await;
    // Warm the function first: the queue's 1 s visibility must cover the mapping's first
    // invoke, and a python cold start on a loaded machine can take longer than that.
    let warm = lambda
        .invoke()
        .function_name("consumer")
        .payload(Blob::new(r#"{"Records": []}"#))
        .send()
        .await
        .expect("warm-up invoke");
    assert_eq!(warm.function_error(), None);

    for body in ["good1", "bad", "good2"] {
        sqs.send_message()
            .queue_url(&src_url)
            .message_body(body)
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
    }
    let mapping = lambda
        .create_event_source_mapping()
        .event_source_arn(&src_arn)
        .function_name("consumer")
        .batch_size(10)
        .function_response_types(FunctionResponseType::ReportBatchItemFailures)
        .send()
        .await
        .expect("mapping");
    let uuid = mapping.uuid().expect("uuid").to_string();
    assert_eq!(mapping.state(), Some("Creating"));
    let got = lambda
        .get_event_source_mapping()
        .uuid(&uuid)
        .send()
        .await
        .expect("get mapping");
    assert_eq!(got.state(), Some("Enabled"));
    assert_eq!(got.event_source_arn(), Some(src_arn.as_str()));

    // "bad" is received twice, then moved to the DLQ by the queue's redrive policy.
    let dead = receive_one(&sqs, &dlq_url).await;
    assert_eq!(dead.body(), Some("bad"));
    let counts = common::eventually("the source queue to drain", || {
        let sqs = sqs.clone();
        let url = src_url.clone();
        async move {
            let a = sqs
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(QueueAttributeName::All)
                .send()
                .await
                .ok()?
                .attributes?;
            let n =
                |k: QueueAttributeName| a.get(&k).and_then(|v| v.parse::<u64>().ok()).unwrap_or(1);
            let total = n(QueueAttributeName::ApproximateNumberOfMessages)
                + n(QueueAttributeName::ApproximateNumberOfMessagesNotVisible);
            (total == 0).then_some(total)
        }
    })
    .await;
    assert_eq!(counts, 0);

    let lines = std::fs::read_to_string(&out).expect("handler output");
    let records: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let bodies: Vec<&str> = records.iter().filter_map(|r| r["body"].as_str()).collect();
    assert_eq!(
        bodies.iter().filter(|b| **b == "good1").count(),
        1,
        "{bodies:?}"
    );
    assert_eq!(
        bodies.iter().filter(|b| **b == "bad").count(),
        2,
        "{bodies:?}"
    );
    let r = &records[0];
    assert_eq!(r["eventSource"], "aws:sqs");
    assert_eq!(r["eventSourceARN"], src_arn.as_str());
    assert_eq!(r["awsRegion"], "us-east-1");
    assert_eq!(r["messageAttributes"]["k"]["stringValue"], "v");
    assert_eq!(r["messageAttributes"]["k"]["dataType"], "String");
    assert!(r["attributes"]["ApproximateReceiveCount"].is_string());
    assert!(r["attributes"]["SentTimestamp"].is_string());
    assert!(r["md5OfBody"].is_string());

    lambda
        .delete_event_source_mapping()
        .uuid(&uuid)
        .send()
        .await
        .expect("delete mapping");
    let list = lambda
        .list_event_source_mappings()
        .function_name("consumer")
        .send()
        .await
        .expect("list");
    assert!(list.event_source_mappings().is_empty());
    let _ = std::fs::remove_file(&out);
}

#[tokio::test]
async fn mapping_rejects_a_queue_visibility_shorter_than_the_function_timeout() {
    let server = common::start().await;
    let sqs = common::sqs(&server).await;
    let lambda = common::lambda(&server).await;
    let (_, arn) = queue(
        &sqs,
        "short-vis",
        &[(QueueAttributeName::VisibilityTimeout, "0")],
    )
    .await;
    python(
        &lambda,
        "f",
        "def handler(e, c):\n    return 1\n",
        &[],
        None,
    )
    .await;
    let err = lambda
        .create_event_source_mapping()
        .event_source_arn(&arn)
        .function_name("f")
        .send()
        .await
        .expect_err("visibility too short");
    use aws_sdk_lambda::error::ProvideErrorMetadata;
    assert_eq!(err.code(), Some("InvalidParameterValueException"));
}

#[tokio::test]
async fn async_invokes_retry_then_reach_destinations_or_the_dead_letter_queue() {
    let server = common::start_fast_retries().await;
    let sqs = common::sqs(&server).await;
    let lambda = common::lambda(&server).await;
    let (ok_url, ok_arn) = queue(&sqs, "on-success", &[]).await;
    let (fail_url, fail_arn) = queue(&sqs, "on-failure", &[]).await;
    let (dlq_url, dlq_arn) = queue(&sqs, "fn-dlq", &[]).await;
    python(
        &lambda,
        "flaky",
        "def handler(e, c):\n    if e.get('fail'):\n        raise RuntimeError('nope')\n    return {'ok': e}\n",
        &[],
        Some(&dlq_arn),
    )
    .await;
    lambda
        .put_function_event_invoke_config()
        .function_name("flaky")
        .maximum_retry_attempts(1)
        .destination_config(
            DestinationConfig::builder()
                .on_success(OnSuccess::builder().destination(&ok_arn).build())
                .on_failure(OnFailure::builder().destination(&fail_arn).build())
                .build(),
        )
        .send()
        .await
        .expect("invoke config");

    for payload in [r#"{"n": 1}"#, r#"{"fail": true}"#] {
        let out = lambda
            .invoke()
            .function_name("flaky")
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(payload))
            .send()
            .await
            .expect("event invoke");
        assert_eq!(out.status_code(), 202);
    }
    let success: Value =
        serde_json::from_str(receive_one(&sqs, &ok_url).await.body().expect("body")).expect("json");
    assert_eq!(success["version"], "1.0");
    assert_eq!(success["requestContext"]["condition"], "Success");
    assert_eq!(success["requestContext"]["approximateInvokeCount"], 1);
    assert_eq!(success["requestPayload"], json!({"n": 1}));
    assert_eq!(success["responsePayload"], json!({"ok": {"n": 1}}));
    assert_eq!(success["responseContext"]["executedVersion"], "$LATEST");

    let failure: Value =
        serde_json::from_str(receive_one(&sqs, &fail_url).await.body().expect("body"))
            .expect("json");
    assert_eq!(failure["requestContext"]["condition"], "RetriesExhausted");
    assert_eq!(failure["requestContext"]["approximateInvokeCount"], 2);
    assert_eq!(failure["responseContext"]["functionError"], "Unhandled");
    assert_eq!(failure["responsePayload"]["errorMessage"], "nope");

    // Without an on-failure destination the event goes to the function's dead-letter queue.
    lambda
        .put_function_event_invoke_config()
        .function_name("flaky")
        .maximum_retry_attempts(0)
        .send()
        .await
        .expect("invoke config without destinations");
    lambda
        .invoke()
        .function_name("flaky")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(r#"{"fail": "dlq"}"#))
        .send()
        .await
        .expect("event invoke");
    let dead = receive_one(&sqs, &dlq_url).await;
    assert_eq!(dead.body(), Some(r#"{"fail": "dlq"}"#));
    let attrs = dead.message_attributes().expect("attributes");
    assert_eq!(
        attrs.get("ErrorMessage").and_then(|a| a.string_value()),
        Some("nope")
    );
    assert!(attrs.get("RequestID").is_some());
}

#[tokio::test]
async fn layers_are_importable_from_functions() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let zip = common::zip_of(&[(
        "python/shared_helper.py",
        "def greet():\n    return 'from a layer'\n",
        0o644,
    )]);
    let layer = lambda
        .publish_layer_version()
        .layer_name("helpers")
        .content(
            aws_sdk_lambda::types::LayerVersionContentInput::builder()
                .zip_file(Blob::new(zip))
                .build(),
        )
        .compatible_runtimes(Runtime::Python312)
        .send()
        .await
        .expect("publish layer");
    assert_eq!(layer.version(), 1);
    let layer_arn = layer.layer_version_arn().expect("arn").to_string();
    let code = common::zip_of(&[(
        "app.py",
        "import shared_helper\n\ndef handler(e, c):\n    return shared_helper.greet()\n",
        0o644,
    )]);
    lambda
        .create_function()
        .function_name("uses-layer")
        .runtime(Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .layers(&layer_arn)
        .code(FunctionCode::builder().zip_file(Blob::new(code)).build())
        .send()
        .await
        .expect("create");
    let out = lambda
        .invoke()
        .function_name("uses-layer")
        .send()
        .await
        .expect("invoke");
    assert_eq!(
        out.payload().map(|p| p.as_ref().to_vec()),
        Some(br#""from a layer""#.to_vec())
    );
    let versions = lambda
        .list_layer_versions()
        .layer_name("helpers")
        .send()
        .await
        .expect("list");
    assert_eq!(versions.layer_versions().len(), 1);
}

#[tokio::test]
async fn sns_publishes_invoke_subscribed_functions_with_the_sns_event() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let lambda = common::lambda(&server).await;
    let out = std::env::temp_dir().join(format!(
        "fogbank-sns-{}.json",
        uuid::Uuid::new_v4().simple()
    ));
    let out_s = out.to_string_lossy().into_owned();
    python(
        &lambda,
        "on-sns",
        "import json, os\n\ndef handler(event, context):\n    with open(os.environ['OUT'], 'w') as f:\n        json.dump(event, f)\n",
        &[("OUT", &out_s)],
        None,
    )
    .await;
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
    let topic = sns
        .create_topic()
        .name("to-lambda")
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("arn");
    let sub = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("lambda")
        .endpoint(&function_arn)
        .send()
        .await
        .expect("subscribe")
        .subscription_arn
        .expect("arn");
    let published = sns
        .publish()
        .topic_arn(&topic)
        .message("hello lambda")
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
    let event: Value = common::eventually("the function to record its event", || {
        let out = out.clone();
        async move {
            std::fs::read_to_string(&out)
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
        }
    })
    .await;
    let record = &event["Records"][0];
    assert_eq!(record["EventSource"], "aws:sns");
    assert_eq!(record["EventVersion"], "1.0");
    assert_eq!(record["EventSubscriptionArn"], sub.as_str());
    let s = &record["Sns"];
    assert_eq!(s["Type"], "Notification");
    assert_eq!(s["Message"], "hello lambda");
    assert_eq!(s["MessageId"], published.message_id().expect("id"));
    assert_eq!(s["TopicArn"], topic.as_str());
    assert_eq!(s["Subject"], Value::Null);
    assert_eq!(
        s["MessageAttributes"]["color"],
        json!({"Type": "String", "Value": "blue"})
    );
    assert!(
        s["SigningCertUrl"]
            .as_str()
            .is_some_and(|u| u.ends_with(".pem"))
    );
    assert!(s["UnsubscribeUrl"].is_string());
    assert!(s["Signature"].as_str().is_some_and(|x| !x.is_empty()));
    let _ = std::fs::remove_file(&out);
}

#[path = "lambda_events/activity.rs"]
mod activity;
