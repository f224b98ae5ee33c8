//! Drop-in developer endpoints: state reset (fogbank's, moto's and LocalStack's paths).

mod common;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};

#[tokio::test]
async fn reset_wipes_one_service_or_all() {
    let server = common::start().await;
    let sqs = common::sqs(&server).await;
    let sns = common::sns(&server).await;
    let lambda = common::lambda(&server).await;
    sqs.create_queue()
        .queue_name("r1")
        .send()
        .await
        .expect("queue");
    sns.create_topic().name("t1").send().await.expect("topic");
    let zip = common::zip_of(&[("app.py", "def handler(e, c):\n    return 1\n", 0o644)]);
    lambda
        .create_function()
        .function_name("f1")
        .runtime(Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .expect("function");
    let http = reqwest::Client::new();

    let res = http
        .post(format!("{}/_fogbank/reset?service=sqs", server.endpoint()))
        .send()
        .await
        .expect("reset sqs");
    assert_eq!(res.status().as_u16(), 200);
    let queues = sqs.list_queues().send().await.expect("list queues");
    assert!(queues.queue_urls().is_empty());
    let topics = sns.list_topics().send().await.expect("list topics");
    assert_eq!(topics.topics().len(), 1, "other services keep their state");

    let res = http
        .post(format!("{}/_fogbank/reset?service=nope", server.endpoint()))
        .send()
        .await
        .expect("bad reset");
    assert_eq!(res.status().as_u16(), 400);

    let res = http
        .post(format!("{}/moto-api/reset", server.endpoint()))
        .send()
        .await
        .expect("moto reset");
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        sns.list_topics()
            .send()
            .await
            .expect("topics")
            .topics()
            .is_empty()
    );
    let fns = lambda.list_functions().send().await.expect("functions");
    assert!(fns.functions().is_empty());
}
