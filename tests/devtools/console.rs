//! The console (`/_fogbank/ui`) over plain HTTP: pages show what the SDKs stored without
//! changing it, actions need the console's own origin and a confirmation where they destroy
//! data, strict mode needs the console token, and the live stream sends changed regions.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use fogbank::config::Config;
use fogbank::server;

use super::common;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("attributes")
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .cloned()
        .expect("arn")
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn queue_page_peeks_without_receiving_and_actions_need_origin_and_confirmation() {
    let server = common::start().await;
    let sqs = common::sqs(&server).await;
    let url = sqs
        .create_queue()
        .queue_name("console-q")
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    let arn = queue_arn(&sqs, &url).await;
    sqs.send_message()
        .queue_url(&url)
        .message_body("<b>hello</b> & bye")
        .send()
        .await
        .expect("send");
    let http = client();
    let page = format!(
        "{}/_fogbank/ui/queue?arn={}",
        server.endpoint(),
        encode(&arn)
    );
    let res = http.get(&page).send().await.expect("page");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    let html = res.text().await.expect("html");
    // The body is escaped, not markup.
    assert!(
        html.contains("&lt;b&gt;hello&lt;/b&gt; &amp; bye"),
        "{html}"
    );
    assert!(!html.contains("<b>hello</b>"));
    // Looking changed nothing: the message is still visible, never received.
    let got = sqs
        .receive_message()
        .queue_url(&url)
        .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
        .send()
        .await
        .expect("receive");
    let m = &got.messages()[0];
    assert_eq!(
        m.attributes()
            .and_then(
                |a| a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount)
            )
            .map(String::as_str),
        Some("1")
    );

    // A purge without the confirmation is refused; from another origin it is refused.
    let purge = format!("{}/_fogbank/ui/queue/purge", server.endpoint());
    let res = http
        .post(&purge)
        .form(&[("arn", arn.as_str())])
        .send()
        .await
        .expect("purge");
    assert_eq!(res.status(), 303);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .contains("error=")
    );
    let res = http
        .post(&purge)
        .header("origin", "http://localhost:3000")
        .form(&[("arn", arn.as_str()), ("confirm", "yes")])
        .send()
        .await
        .expect("purge");
    assert_eq!(res.status(), 403);
    let counts = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(
            aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
        )
        .send()
        .await
        .expect("attributes");
    assert_eq!(
        counts
            .attributes()
            .and_then(|a| a.values().next())
            .map(String::as_str),
        Some("1")
    );
    // From the console's own origin, confirmed: purged.
    let origin = server.endpoint().to_string();
    let res = http
        .post(&purge)
        .header("origin", origin.trim_end_matches('/'))
        .form(&[("arn", arn.as_str()), ("confirm", "yes")])
        .send()
        .await
        .expect("purge");
    assert_eq!(res.status(), 303);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .contains("done=")
    );
    let counts = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .expect("attributes");
    let a = counts.attributes().expect("attributes");
    assert_eq!(
        a[&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible],
        "0"
    );
    assert_eq!(
        a[&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages],
        "0"
    );
    // An unknown queue is a 404 page, not a 500.
    let res = http
        .get(format!("{}/_fogbank/ui/queue?arn=nope", server.endpoint()))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 404);
    server.shutdown().await;
}

#[tokio::test]
async fn strict_mode_needs_the_console_token() {
    let mut config = Config::ephemeral();
    let mut creds = HashMap::new();
    creds.insert("AKIDFOGBANK".to_string(), "secret".to_string());
    config.strict_auth = Some(Arc::new(creds));
    let server = server::spawn(config).await.expect("server");
    let http = client();
    let base = format!("{}/_fogbank/ui/queues", server.endpoint());
    let res = http.get(&base).send().await.expect("page");
    assert_eq!(res.status(), 401);
    let res = http
        .get(format!("{base}?token=wrong"))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 401);
    let token = server.state.console.token().to_string();
    let res = http
        .get(format!("{base}?token={token}&done=x"))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/_fogbank/ui/queues?done=x");
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().expect("pair").to_string();
    let res = http
        .get(&base)
        .header("cookie", &pair)
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 200);
    // The live stream and the actions too.
    let res = http
        .post(format!("{}/_fogbank/ui/queue/purge", server.endpoint()))
        .form(&[("arn", "x"), ("confirm", "yes")])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 401);
    let res = http
        .get(format!(
            "{}/_fogbank/ui/live?view=queues",
            server.endpoint()
        ))
        .send()
        .await
        .expect("live");
    assert_eq!(res.status(), 401);
    server.shutdown().await;
}

#[tokio::test]
async fn the_live_stream_sends_a_region_when_it_changes_and_ends_at_shutdown() {
    let server = common::start().await;
    let sqs = common::sqs(&server).await;
    let http = client();
    let mut res = http
        .get(format!(
            "{}/_fogbank/ui/live?view=queues",
            server.endpoint()
        ))
        .send()
        .await
        .expect("live");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut seen = String::new();
    // The first event is the region as it is now.
    while !seen.contains("No queues yet.") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), res.chunk())
            .await
            .expect("an event within 5 s")
            .expect("chunk")
            .expect("open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.starts_with("event: update\n"), "{seen}");
    sqs.create_queue()
        .queue_name("appears-live")
        .send()
        .await
        .expect("queue");
    while !seen.contains("appears-live") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), res.chunk())
            .await
            .expect("an update within 5 s")
            .expect("chunk")
            .expect("open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    let unknown = http
        .get(format!(
            "{}/_fogbank/ui/live?view=nothing",
            server.endpoint()
        ))
        .send()
        .await
        .expect("live");
    assert_eq!(unknown.status(), 404);
    // Shutdown ends the stream (graceful shutdown does not wait for it forever).
    tokio::time::timeout(Duration::from_secs(10), server.shutdown())
        .await
        .expect("shutdown within 10 s");
    let rest = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = res.chunk().await {}
    })
    .await;
    assert!(rest.is_ok(), "the stream ended");
}
