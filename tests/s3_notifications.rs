//! S3 event notifications (issue 16 item 5) through the Rust SDKs: configurations to SQS, SNS
//! and Lambda with event-name wildcards and prefix/suffix filters, AWS's s3:TestEvent to SQS
//! destinations, unknown destinations refused, and the event record S3 writes.

mod common;
mod s3_support;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    Event, FilterRule, FilterRuleName, LambdaFunctionConfiguration, NotificationConfiguration,
    NotificationConfigurationFilter, QueueConfiguration, S3KeyFilter, TopicConfiguration,
};
use serde_json::Value;

async fn queue(sqs: &aws_sdk_sqs::Client, name: &str) -> (String, String) {
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    (url, format!("arn:aws:sqs:us-east-1:000000000000:{name}"))
}

async fn next_body(sqs: &aws_sdk_sqs::Client, url: &str) -> Value {
    let m = common::receive_one(sqs, url).await;
    sqs.delete_message()
        .queue_url(url)
        .receipt_handle(m.receipt_handle().unwrap_or_default())
        .send()
        .await
        .expect("delete");
    serde_json::from_str(m.body().unwrap_or("null")).expect("json body")
}

fn suffix(value: &str) -> NotificationConfigurationFilter {
    NotificationConfigurationFilter::builder()
        .key(
            S3KeyFilter::builder()
                .filter_rules(
                    FilterRule::builder()
                        .name(FilterRuleName::Suffix)
                        .value(value)
                        .build(),
                )
                .build(),
        )
        .build()
}

#[tokio::test]
async fn object_events_reach_a_queue_filtered_with_aws_record() {
    let server = common::start().await;
    let s3 = s3_support::s3(&server).await;
    let sqs = common::sqs(&server).await;
    let (url, arn) = queue(&sqs, "uploads").await;
    s3.create_bucket()
        .bucket("photos")
        .send()
        .await
        .expect("bucket");

    // an unknown destination is refused
    let bad = NotificationConfiguration::builder()
        .queue_configurations(
            QueueConfiguration::builder()
                .queue_arn("arn:aws:sqs:us-east-1:000000000000:nope")
                .events(Event::S3ObjectCreated)
                .build()
                .expect("config"),
        )
        .build();
    let e = s3
        .put_bucket_notification_configuration()
        .bucket("photos")
        .notification_configuration(bad)
        .send()
        .await
        .expect_err("unknown queue");
    assert_eq!(
        aws_sdk_s3::error::ProvideErrorMetadata::code(&e),
        Some("InvalidArgument")
    );

    let config = NotificationConfiguration::builder()
        .queue_configurations(
            QueueConfiguration::builder()
                .id("jpgs")
                .queue_arn(&arn)
                .events(Event::from("s3:ObjectCreated:*"))
                .events(Event::from("s3:ObjectRemoved:*"))
                .filter(suffix(".jpg"))
                .build()
                .expect("config"),
        )
        .build();
    s3.put_bucket_notification_configuration()
        .bucket("photos")
        .notification_configuration(config)
        .send()
        .await
        .expect("put config");
    let test = next_body(&sqs, &url).await;
    assert_eq!(test["Event"], "s3:TestEvent");
    assert_eq!(test["Bucket"], "photos");
    let got = s3
        .get_bucket_notification_configuration()
        .bucket("photos")
        .send()
        .await
        .expect("get config");
    assert_eq!(got.queue_configurations().len(), 1);
    assert_eq!(got.queue_configurations()[0].queue_arn(), arn);

    // filtered out: not .jpg
    s3.put_object()
        .bucket("photos")
        .key("notes.txt")
        .body(ByteStream::from_static(b"skip"))
        .send()
        .await
        .expect("put txt");
    s3.put_object()
        .bucket("photos")
        .key("summer trip/beach.jpg")
        .body(ByteStream::from_static(b"jpeg bytes"))
        .send()
        .await
        .expect("put jpg");
    let event = next_body(&sqs, &url).await;
    let r = &event["Records"][0];
    assert_eq!(r["eventVersion"], "2.1");
    assert_eq!(r["eventSource"], "aws:s3");
    assert_eq!(r["awsRegion"], "us-east-1");
    assert_eq!(r["eventName"], "ObjectCreated:Put");
    assert_eq!(r["s3"]["configurationId"], "jpgs");
    assert_eq!(r["s3"]["bucket"]["name"], "photos");
    assert_eq!(r["s3"]["bucket"]["arn"], "arn:aws:s3:::photos");
    assert_eq!(r["s3"]["object"]["key"], "summer+trip/beach.jpg");
    assert_eq!(r["s3"]["object"]["size"], 10);
    let md5: String = {
        use md5::Digest;
        md5::Md5::digest(b"jpeg bytes")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(r["s3"]["object"]["eTag"], md5);
    assert!(r["s3"]["object"]["sequencer"].is_string());

    s3.delete_object()
        .bucket("photos")
        .key("summer trip/beach.jpg")
        .send()
        .await
        .expect("delete");
    let removed = next_body(&sqs, &url).await;
    assert_eq!(removed["Records"][0]["eventName"], "ObjectRemoved:Delete");
    // nothing else arrived (the .txt was filtered out)
    let rest = sqs
        .receive_message()
        .queue_url(&url)
        .send()
        .await
        .expect("receive");
    assert!(rest.messages().is_empty(), "{:?}", rest.messages());
}

#[tokio::test]
async fn object_events_reach_topics_and_functions() {
    let server = common::start().await;
    let s3 = s3_support::s3(&server).await;
    let sqs = common::sqs(&server).await;
    let sns = common::sns(&server).await;
    let lambda = common::lambda(&server).await;
    let (url, queue_arn) = queue(&sqs, "fanout").await;
    let topic = common::create_topic(&sns, "uploads").await;
    common::subscribe(&sns, &topic, "sqs", &queue_arn).await;
    let (fn_url, fn_queue_arn) = queue(&sqs, "from-lambda").await;
    let zip = common::zip_of(&[(
        "app.py",
        "def handler(event, context):\n    return event['Records'][0]['s3']['object']['key']\n",
        0o644,
    )]);
    lambda
        .create_function()
        .function_name("on-upload")
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(zip))
                .build(),
        )
        .send()
        .await
        .expect("function");
    // the async invoke's OnSuccess destination shows what the function was given
    lambda
        .put_function_event_invoke_config()
        .function_name("on-upload")
        .destination_config(
            aws_sdk_lambda::types::DestinationConfig::builder()
                .on_success(
                    aws_sdk_lambda::types::OnSuccess::builder()
                        .destination(&fn_queue_arn)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("destination");
    s3.create_bucket()
        .bucket("docs")
        .send()
        .await
        .expect("bucket");
    let config = NotificationConfiguration::builder()
        .topic_configurations(
            TopicConfiguration::builder()
                .topic_arn(&topic)
                .events(Event::S3ObjectCreatedPut)
                .build()
                .expect("topic config"),
        )
        .lambda_function_configurations(
            LambdaFunctionConfiguration::builder()
                .lambda_function_arn("arn:aws:lambda:us-east-1:000000000000:function:on-upload")
                .events(Event::S3ObjectCreated)
                .build()
                .expect("lambda config"),
        )
        .build();
    s3.put_bucket_notification_configuration()
        .bucket("docs")
        .notification_configuration(config)
        .send()
        .await
        .expect("put config");
    s3.put_object()
        .bucket("docs")
        .key("a.pdf")
        .body(ByteStream::from_static(b"pdf"))
        .send()
        .await
        .expect("put");
    // SNS: the record is the envelope's Message, with S3's subject
    let envelope = next_body(&sqs, &url).await;
    assert_eq!(envelope["Subject"], "Amazon S3 Notification");
    let record: Value =
        serde_json::from_str(envelope["Message"].as_str().unwrap_or("null")).expect("record");
    assert_eq!(record["Records"][0]["s3"]["object"]["key"], "a.pdf");
    // Lambda: invoked asynchronously with the record
    let done = next_body(&sqs, &fn_url).await;
    assert_eq!(
        done["requestPayload"]["Records"][0]["eventName"],
        "ObjectCreated:Put"
    );
    assert_eq!(done["responsePayload"], "a.pdf");
}

/// PutObjectTagging and DeleteObjectTagging send `ObjectTagging:Put` / `ObjectTagging:Delete`
/// (eventVersion 2.3, the object's eTag and version, no size) to a queue configured with
/// `s3:ObjectTagging:*`; object created events do not reach it.
#[tokio::test]
async fn object_tagging_events_reach_a_queue() {
    let server = common::start().await;
    let s3 = s3_support::s3(&server).await;
    let sqs = common::sqs(&server).await;
    let (url, arn) = queue(&sqs, "tagging").await;
    s3.create_bucket()
        .bucket("tagged")
        .send()
        .await
        .expect("bucket");
    s3.put_bucket_versioning()
        .bucket("tagged")
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("versioning");
    let config = NotificationConfiguration::builder()
        .queue_configurations(
            QueueConfiguration::builder()
                .id("tags")
                .queue_arn(&arn)
                .events(Event::from("s3:ObjectTagging:*"))
                .build()
                .expect("config"),
        )
        .build();
    s3.put_bucket_notification_configuration()
        .bucket("tagged")
        .notification_configuration(config)
        .send()
        .await
        .expect("put config");
    assert_eq!(next_body(&sqs, &url).await["Event"], "s3:TestEvent");
    let put = s3
        .put_object()
        .bucket("tagged")
        .key("doc.txt")
        .body(ByteStream::from_static(b"hello"))
        .send()
        .await
        .expect("put");
    let version = put.version_id().expect("version").to_string();
    s3.put_object_tagging()
        .bucket("tagged")
        .key("doc.txt")
        .tagging(
            aws_sdk_s3::types::Tagging::builder()
                .tag_set(
                    aws_sdk_s3::types::Tag::builder()
                        .key("state")
                        .value("scanned")
                        .build()
                        .expect("tag"),
                )
                .build()
                .expect("tagging"),
        )
        .send()
        .await
        .expect("put tagging");
    // The PUT itself is not covered by s3:ObjectTagging:*: the first record is the tagging.
    let event = next_body(&sqs, &url).await;
    let r = &event["Records"][0];
    assert_eq!(r["eventName"], "ObjectTagging:Put");
    assert_eq!(r["eventVersion"], "2.3");
    assert_eq!(r["s3"]["configurationId"], "tags");
    assert_eq!(r["s3"]["object"]["key"], "doc.txt");
    assert_eq!(
        r["s3"]["object"]["eTag"],
        put.e_tag().unwrap_or_default().trim_matches('"')
    );
    assert_eq!(r["s3"]["object"]["versionId"], version.as_str());
    assert!(r["s3"]["object"].get("size").is_none(), "{r}");

    s3.delete_object_tagging()
        .bucket("tagged")
        .key("doc.txt")
        .version_id(&version)
        .send()
        .await
        .expect("delete tagging");
    let event = next_body(&sqs, &url).await;
    assert_eq!(event["Records"][0]["eventName"], "ObjectTagging:Delete");
    assert_eq!(
        event["Records"][0]["s3"]["object"]["versionId"],
        version.as_str()
    );

    // A refused tagging (no such key) sends nothing.
    let missing = s3
        .delete_object_tagging()
        .bucket("tagged")
        .key("absent")
        .send()
        .await;
    assert!(missing.is_err());
    let rest = sqs
        .receive_message()
        .queue_url(&url)
        .send()
        .await
        .expect("receive");
    assert!(rest.messages().is_empty(), "{:?}", rest.messages());
}
