//! Durable state for SNS through the SDKs: topics, subscriptions and their filter policies
//! survive a restart, and a publish after it reaches the restored SQS subscription.

mod common;

use aws_sdk_sqs::types::QueueAttributeName;
use common::{TempDir, start_durable};
use fogbank::clock::ManualClock;

#[tokio::test]
async fn topics_and_subscriptions_survive_a_restart_and_still_deliver() {
    let dir = TempDir::new("sns-restart");
    let clock = ManualClock::starting_2026();
    let server = start_durable(&dir.0, &clock).await;
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let url = sqs
        .create_queue()
        .queue_name("inbox")
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("attrs")
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .expect("arn");
    let topic = sns
        .create_topic()
        .name("events")
        .tags(
            aws_sdk_sns::types::Tag::builder()
                .key("team")
                .value("blue")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("arn");
    sns.create_topic()
        .name("dropped")
        .send()
        .await
        .expect("topic");
    let dropped = format!("{}dropped", topic.trim_end_matches("events"));
    sns.delete_topic()
        .topic_arn(&dropped)
        .send()
        .await
        .expect("delete topic");
    let sub = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(&queue_arn)
        .attributes("RawMessageDelivery", "true")
        .attributes("FilterPolicy", r#"{"kind":["order"]}"#)
        .send()
        .await
        .expect("subscribe")
        .subscription_arn
        .expect("arn");
    server.shutdown().await;

    let server = start_durable(&dir.0, &clock).await;
    let (sns, sqs) = (common::sns(&server).await, common::sqs(&server).await);
    let topics: Vec<String> = sns
        .list_topics()
        .send()
        .await
        .expect("list")
        .topics()
        .iter()
        .filter_map(|t| t.topic_arn().map(str::to_string))
        .collect();
    assert_eq!(topics, vec![topic.clone()]);
    let attrs = sns
        .get_subscription_attributes()
        .subscription_arn(&sub)
        .send()
        .await
        .expect("subscription kept")
        .attributes
        .unwrap_or_default();
    assert_eq!(
        attrs.get("RawMessageDelivery").map(String::as_str),
        Some("true")
    );
    assert_eq!(
        attrs.get("FilterPolicy").map(String::as_str),
        Some(r#"{"kind":["order"]}"#)
    );
    let tags = sns
        .list_tags_for_resource()
        .resource_arn(&topic)
        .send()
        .await
        .expect("tags");
    assert_eq!(tags.tags().len(), 1);
    let attr = |v: &str| {
        aws_sdk_sns::types::MessageAttributeValue::builder()
            .data_type("String")
            .string_value(v)
            .build()
            .expect("attr")
    };
    for (body, kind) in [("filtered out", "other"), ("delivered", "order")] {
        sns.publish()
            .topic_arn(&topic)
            .message(body)
            .message_attributes("kind", attr(kind))
            .send()
            .await
            .expect("publish");
    }
    let got = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .send()
        .await
        .expect("receive");
    let bodies: Vec<&str> = got.messages().iter().filter_map(|m| m.body()).collect();
    assert_eq!(bodies, ["delivered"]);
    server.shutdown().await;
}
