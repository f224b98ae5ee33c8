//! SNS through the official Rust SDK (query protocol), delivering into SQS in process.

mod common;

use aws_sdk_sns::error::ProvideErrorMetadata;
use aws_sdk_sns::types::{MessageAttributeValue, PublishBatchRequestEntry, Tag};
use aws_sdk_sqs::types::QueueAttributeName;

async fn queue_arn(sqs: &aws_sdk_sqs::Client, name: &str) -> (String, String) {
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
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

#[tokio::test]
async fn publish_reaches_a_subscribed_queue_at_once_with_the_envelope() {
    let server = common::start().await;
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let topic = common::create_topic(&sns, "events").await;
    assert_eq!(topic, "arn:aws:sns:us-east-1:000000000000:events");
    let (url, arn) = queue_arn(&sqs, "events-q").await;
    let sub = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(&arn)
        .return_subscription_arn(true)
        .send()
        .await
        .expect("subscribe")
        .subscription_arn
        .expect("sub arn");
    assert!(sub.starts_with(&format!("{topic}:")));
    let published = sns
        .publish()
        .topic_arn(&topic)
        .message("payload")
        .message_attributes(
            "kind",
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value("a")
                .build()
                .expect("attr"),
        )
        .send()
        .await
        .expect("publish");
    let got = sqs
        .receive_message()
        .queue_url(&url)
        .send()
        .await
        .expect("receive");
    let body: serde_json::Value =
        serde_json::from_str(got.messages()[0].body().expect("body")).expect("json");
    assert_eq!(body["Type"], "Notification");
    assert_eq!(body["MessageId"], published.message_id().expect("id"));
    assert_eq!(body["Message"], "payload");
    assert_eq!(body["MessageAttributes"]["kind"]["Value"], "a");
    assert!(body.get("Subject").is_none());
}

#[tokio::test]
async fn batch_publish_reports_each_entry_and_errors_use_aws_codes() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let topic = common::create_topic(&sns, "batch").await;
    let out = sns
        .publish_batch()
        .topic_arn(&topic)
        .publish_batch_request_entries(
            PublishBatchRequestEntry::builder()
                .id("ok")
                .message("m")
                .build()
                .expect("entry"),
        )
        .publish_batch_request_entries(
            PublishBatchRequestEntry::builder()
                .id("empty")
                .message("")
                .build()
                .expect("entry"),
        )
        .send()
        .await
        .expect("batch");
    assert_eq!(out.successful().len(), 1);
    assert_eq!(out.failed()[0].id(), "empty");
    assert_eq!(out.failed()[0].code(), "InvalidParameter");
    let err = sns
        .publish()
        .topic_arn("arn:aws:sns:us-east-1:000000000000:missing")
        .message("x")
        .send()
        .await
        .expect_err("missing topic");
    assert_eq!(err.code(), Some("NotFound"));
    assert!(err.into_service_error().is_not_found_exception());
    let err = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint("arn:aws:sqs:us-east-1:000000000000:q")
        .attributes("FilterPolicy", r#"{"k":[{"numeric":[">",5,"<",1]}]}"#)
        .send()
        .await
        .expect_err("bad filter policy");
    assert!(err.into_service_error().is_invalid_parameter_exception());
}

#[tokio::test]
async fn topics_are_listed_tagged_and_deleted_per_account() {
    let server = common::start().await;
    let sns = common::sns(&server).await;
    let topic = sns
        .create_topic()
        .name("tagged")
        .tags(Tag::builder().key("team").value("x").build().expect("tag"))
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("arn");
    let listed = sns.list_topics().send().await.expect("list");
    assert_eq!(listed.topics().len(), 1);
    let tags = sns
        .list_tags_for_resource()
        .resource_arn(&topic)
        .send()
        .await
        .expect("tags");
    assert_eq!(tags.tags()[0].key(), "team");
    sns.delete_topic()
        .topic_arn(&topic)
        .send()
        .await
        .expect("delete");
    assert!(
        sns.list_topics()
            .send()
            .await
            .expect("list")
            .topics()
            .is_empty()
    );
}
