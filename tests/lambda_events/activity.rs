//! Recent invocations (`LambdaEngine::recent_invocations`) and their log lines
//! (`LogsEngine::request_lines`), driven through the SDKs: API invokes that succeed and fail,
//! an Event invoke, an SQS mapping's invocation, and an SNS publish to a function.

use aws_sdk_lambda::operation::RequestId;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, InvocationType, Runtime};
use fogbank::lambda::activity::{InvocationRecord, Status, Trigger};
use fogbank::server::RunningServer;

use super::common;
use fogbank::sns::activity::Outcome;

const ACCOUNT: &str = "000000000000";
const REGION: &str = "us-east-1";

const HANDLER: &str = r#"
import time

def handler(event, context):
    print("handling " + context.aws_request_id)
    if isinstance(event, dict) and event.get("fail"):
        raise ValueError("boom")
    if isinstance(event, dict) and event.get("sleep"):
        time.sleep(3)
    return {"ok": True}
"#;

async fn python(lambda: &aws_sdk_lambda::Client, name: &str) {
    let zip = common::zip_of(&[("app.py", HANDLER, 0o644)]);
    lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .timeout(1)
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .expect("create function");
}

/// The record of `request_id` once it is no longer running.
async fn finished(server: &RunningServer, name: &str, request_id: &str) -> InvocationRecord {
    common::eventually("a finished invocation record", || async {
        server
            .state
            .lambda
            .recent_invocations(ACCOUNT, REGION, name)
            .into_iter()
            .find(|r| r.request_id == request_id && r.status != Status::Running)
    })
    .await
}

fn lines(server: &RunningServer, r: &InvocationRecord) -> Vec<String> {
    server
        .state
        .logs
        .request_lines(ACCOUNT, REGION, &r.log_group, &r.log_stream, &r.request_id)
        .into_iter()
        .map(|(_, m)| m)
        .collect()
}

#[tokio::test]
async fn api_invokes_are_recorded_with_their_status_and_log_lines() {
    let server = common::start_fast_retries().await;
    let lambda = common::lambda(&server).await;
    assert!(
        server
            .state
            .lambda
            .recent_invocations(ACCOUNT, REGION, "recorded")
            .is_empty()
    );
    python(&lambda, "recorded").await;

    let ok = lambda
        .invoke()
        .function_name("recorded")
        .payload(Blob::new(r#"{"n": 1}"#))
        .send()
        .await
        .expect("invoke");
    assert!(ok.function_error().is_none());
    let ok_id = ok.request_id().expect("request id").to_string();
    let r = finished(&server, "recorded", &ok_id).await;
    assert_eq!(r.trigger, Trigger::Api);
    assert_eq!(r.status, Status::Succeeded);
    assert_eq!(r.qualifier, "$LATEST");
    assert_eq!(r.log_group, "/aws/lambda/recorded");
    assert!(!r.log_stream.is_empty());
    assert!(r.duration_ms.is_some_and(|d| d > 0.0));
    assert!(r.started_ms > 1_700_000_000_000);
    let l = lines(&server, &r);
    assert!(
        l[0].starts_with(&format!("START RequestId: {ok_id}")),
        "{l:?}"
    );
    assert!(
        l.last()
            .is_some_and(|x| x.starts_with(&format!("REPORT RequestId: {ok_id}"))),
        "{l:?}"
    );
    assert!(
        l.iter().any(|x| x == &format!("handling {ok_id}\n")),
        "{l:?}"
    );

    let bad = lambda
        .invoke()
        .function_name("recorded")
        .payload(Blob::new(r#"{"fail": true}"#))
        .send()
        .await
        .expect("invoke");
    assert_eq!(bad.function_error(), Some("Unhandled"));
    let bad_id = bad.request_id().expect("request id").to_string();
    let r = finished(&server, "recorded", &bad_id).await;
    assert_eq!(r.trigger, Trigger::Api);
    assert_eq!(
        r.status,
        Status::Failed {
            error_type: "ValueError".into(),
            message: "boom".into()
        }
    );
    let l = lines(&server, &r);
    assert!(
        l.iter().any(|x| x == &format!("handling {bad_id}\n")),
        "{l:?}"
    );
    assert!(
        !l.iter().any(|x| x.contains(&ok_id)),
        "only this invocation's lines: {l:?}"
    );

    let event = lambda
        .invoke()
        .function_name("recorded")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new("{}"))
        .send()
        .await
        .expect("event invoke");
    let event_id = event.request_id().expect("request id").to_string();
    let r = finished(&server, "recorded", &event_id).await;
    assert_eq!(r.trigger, Trigger::ApiEvent);
    assert_eq!(r.status, Status::Succeeded);

    let all = server
        .state
        .lambda
        .recent_invocations(ACCOUNT, REGION, "recorded");
    let ids: Vec<&str> = all.iter().map(|r| r.request_id.as_str()).collect();
    assert_eq!(
        ids,
        vec![event_id.as_str(), bad_id.as_str(), ok_id.as_str()]
    );

    // A failing event is retried twice, each attempt under the event's request id.
    let failing = lambda
        .invoke()
        .function_name("recorded")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(r#"{"fail": true}"#))
        .send()
        .await
        .expect("event invoke");
    let failing_id = failing.request_id().expect("request id").to_string();
    let attempts = common::eventually("three finished attempts", || async {
        let mine: Vec<InvocationRecord> = server
            .state
            .lambda
            .recent_invocations(ACCOUNT, REGION, "recorded")
            .into_iter()
            .filter(|r| r.request_id == failing_id && r.status != Status::Running)
            .collect();
        (mine.len() == 3).then_some(mine)
    })
    .await;
    let triggers: Vec<Trigger> = attempts.iter().map(|r| r.trigger.clone()).collect();
    assert_eq!(
        triggers,
        vec![
            Trigger::AsyncRetry { attempt: 3 },
            Trigger::AsyncRetry { attempt: 2 },
            Trigger::ApiEvent
        ]
    );
    assert!(attempts.iter().all(
        |r| matches!(&r.status, Status::Failed { error_type, .. } if error_type == "ValueError")
    ));

    let slow = lambda
        .invoke()
        .function_name("recorded")
        .payload(Blob::new(r#"{"sleep": true}"#))
        .send()
        .await
        .expect("invoke");
    assert_eq!(slow.function_error(), Some("Unhandled"));
    let slow_id = slow.request_id().expect("request id").to_string();
    let r = finished(&server, "recorded", &slow_id).await;
    assert_eq!(r.status, Status::TimedOut);
    let l = lines(&server, &r);
    assert!(l.iter().any(|x| x.contains("Task timed out")), "{l:?}");

    lambda
        .delete_function()
        .function_name("recorded")
        .send()
        .await
        .expect("delete");
    assert!(
        server
            .state
            .lambda
            .recent_invocations(ACCOUNT, REGION, "recorded")
            .is_empty()
    );
}

#[tokio::test]
async fn mapping_and_sns_invocations_name_their_trigger() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let sqs = common::sqs(&server).await;
    let sns = common::sns(&server).await;
    python(&lambda, "triggered").await;

    let url = sqs
        .create_queue()
        .queue_name("activity-source")
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    let queue_arn = format!("arn:aws:sqs:{REGION}:{ACCOUNT}:activity-source");
    let mapping = lambda
        .create_event_source_mapping()
        .event_source_arn(&queue_arn)
        .function_name("triggered")
        .batch_size(1)
        .send()
        .await
        .expect("mapping");
    let uuid = mapping.uuid().expect("uuid").to_string();
    sqs.send_message()
        .queue_url(&url)
        .message_body("from the queue")
        .send()
        .await
        .expect("send");
    let r = common::eventually("the mapping's invocation", || async {
        server
            .state
            .lambda
            .recent_invocations(ACCOUNT, REGION, "triggered")
            .into_iter()
            .find(|r| {
                matches!(&r.trigger, Trigger::SqsMapping { .. }) && r.status != Status::Running
            })
    })
    .await;
    assert_eq!(r.trigger, Trigger::SqsMapping { uuid: uuid.clone() });
    assert_eq!(r.status, Status::Succeeded);
    let l = lines(&server, &r);
    assert!(
        l.iter()
            .any(|x| x == &format!("handling {}\n", r.request_id)),
        "{l:?}"
    );
    lambda
        .delete_event_source_mapping()
        .uuid(&uuid)
        .send()
        .await
        .expect("delete mapping");

    let topic = sns
        .create_topic()
        .name("activity-topic")
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("arn");
    let function_arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:triggered");
    let sub = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("lambda")
        .endpoint(&function_arn)
        .send()
        .await
        .expect("subscribe")
        .subscription_arn
        .expect("subscription arn");
    let message_id = sns
        .publish()
        .topic_arn(&topic)
        .message("from the topic")
        .send()
        .await
        .expect("publish")
        .message_id
        .expect("message id");
    let r = common::eventually("the SNS invocation", || async {
        server
            .state
            .lambda
            .recent_invocations(ACCOUNT, REGION, "triggered")
            .into_iter()
            .find(|r| r.trigger == Trigger::Sns && r.status != Status::Running)
    })
    .await;
    assert_eq!(r.status, Status::Succeeded);
    let publishes = server.state.sns.recent_publishes(&topic);
    assert_eq!(publishes.len(), 1);
    assert_eq!(publishes[0].message_id, message_id);
    assert_eq!(publishes[0].message, "from the topic");
    assert_eq!(publishes[0].deliveries.len(), 1);
    let d = &publishes[0].deliveries[0];
    assert_eq!(d.subscription_arn, sub);
    assert_eq!(d.protocol, "lambda");
    assert_eq!(
        d.outcome,
        Outcome::Delivered {
            detail: "queued for async invoke".into()
        }
    );
}
