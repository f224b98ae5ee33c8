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

#[tokio::test]
async fn peek_shows_every_message_without_receiving_it() {
    let server = common::start().await;
    let sqs = common::sqs(&server).await;
    let url = sqs
        .create_queue()
        .queue_name("peeked")
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    for body in ["a", "b"] {
        sqs.send_message()
            .queue_url(&url)
            .message_body(body)
            .send()
            .await
            .expect("send");
    }
    sqs.send_message()
        .queue_url(&url)
        .message_body("later")
        .delay_seconds(60)
        .send()
        .await
        .expect("send delayed");
    let got = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(1)
        .send()
        .await
        .expect("receive");
    assert_eq!(got.messages().len(), 1);
    let http = reqwest::Client::new();
    let peek = |path: &'static str, json: bool| {
        let http = http.clone();
        let endpoint = server.endpoint();
        let url = url.clone();
        async move {
            let q = percent_encoding::utf8_percent_encode(&url, percent_encoding::NON_ALPHANUMERIC);
            let mut req = http.get(format!("{endpoint}{path}?QueueUrl={q}"));
            if json {
                req = req.header("accept", "application/json");
            }
            let res = req.send().await.expect("peek");
            let status = res.status().as_u16();
            let text: String = res.text().await.expect("body");
            (status, text)
        }
    };
    let (status, body) = peek("/_fogbank/sqs/messages", false).await;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    let messages = v["Messages"].as_array().expect("messages");
    let bodies: Vec<&str> = messages.iter().filter_map(|m| m["Body"].as_str()).collect();
    assert_eq!(bodies, ["a", "b", "later"]);
    let visible: Vec<&str> = messages
        .iter()
        .filter_map(|m| m["Attributes"]["IsVisible"].as_str())
        .collect();
    assert_eq!(visible, ["false", "true", "false"]);

    // Peeking changed nothing: the one visible message is still there to receive.
    let again = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .send()
        .await
        .expect("receive");
    assert_eq!(again.messages().len(), 1);
    assert_eq!(again.messages()[0].body(), Some("b"));

    let (status, xml) = peek("/_aws/sqs/messages", false).await;
    assert_eq!(status, 200);
    assert!(xml.contains("<ReceiveMessageResponse"), "{xml}");
    assert_eq!(xml.matches("<Message>").count(), 3, "{xml}");
    let (status, json) = peek("/_aws/sqs/messages", true).await;
    assert_eq!(status, 200);
    assert!(json.starts_with("{\"Messages\""), "{json}");

    let res = http
        .get(format!(
            "{}/_fogbank/sqs/messages?QueueUrl={}",
            server.endpoint(),
            percent_encoding::utf8_percent_encode(
                &format!("{}/000000000000/missing", server.endpoint()),
                percent_encoding::NON_ALPHANUMERIC
            )
        ))
        .send()
        .await
        .expect("peek missing");
    assert_eq!(res.status().as_u16(), 400);
}

#[path = "devtools/console.rs"]
mod console;
