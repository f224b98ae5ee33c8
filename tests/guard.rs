//! The request guard: web pages on other origins cannot drive fogbank (Origin, Fetch
//! Metadata), DNS-rebound names are refused on loopback (Host), allowed origins get CORS
//! answers, and every refusal is an AWS-shaped 403 in the request's protocol.

mod common;

use std::net::SocketAddr;

use base64::Engine;
use fogbank::config::Config;
use fogbank::server::{self, GuardSettings, RunningServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A reply read off a raw connection.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Send one request as written (`head` without the final blank line; Host included) and read
/// the whole reply (`Connection: close`).
async fn raw(addr: SocketAddr, head: &str, body: &str) -> Reply {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(req.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    tcp.read_to_end(&mut buf).await.expect("read");
    let text = String::from_utf8_lossy(&buf).to_string();
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete reply");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_string(),
    }
}

async fn start_with(guard: GuardSettings) -> RunningServer {
    let config = Config {
        guard,
        ..Config::ephemeral()
    };
    server::spawn(config).await.expect("server starts")
}

fn create_function_json(name: &str) -> String {
    let zip = common::zip_of(&[("app.py", "def handler(e, c):\n    return 1\n", 0o644)]);
    serde_json::json!({
        "FunctionName": name,
        "Runtime": "python3.12",
        "Role": common::ROLE,
        "Handler": "app.handler",
        "Code": {"ZipFile": base64::engine::general_purpose::STANDARD.encode(zip)},
    })
    .to_string()
}

async fn function_names(server: &RunningServer) -> Vec<String> {
    common::lambda(server)
        .await
        .list_functions()
        .send()
        .await
        .expect("list functions")
        .functions()
        .iter()
        .filter_map(|f| f.function_name().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn a_cross_origin_text_plain_create_function_is_refused_in_lambdas_shape() {
    let server = common::start().await;
    let host = server.addr.to_string();
    let reply = raw(
        server.addr,
        &format!(
            "POST /2015-03-31/functions HTTP/1.1\r\nHost: {host}\r\nOrigin: http://evil.example\r\nContent-Type: text/plain"
        ),
        &create_function_json("stolen"),
    )
    .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(
        reply.header("x-amzn-errortype"),
        Some("AccessDeniedException")
    );
    let body: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    let message = body["Message"].as_str().expect("Message");
    assert!(
        message.contains("--allow-origin http://evil.example"),
        "{message}"
    );
    assert!(
        reply.header("access-control-allow-origin").is_none(),
        "no CORS for a refused origin"
    );
    assert!(function_names(&server).await.is_empty(), "nothing created");
}

#[tokio::test]
async fn an_allowed_localhost_origin_gets_cors_answers_and_preflights() {
    let server = common::start().await;
    let host = server.addr.to_string();
    let origin = "http://localhost:3000";
    let preflight = raw(
        server.addr,
        &format!(
            "OPTIONS /2015-03-31/functions HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type,x-amz-date,authorization"
        ),
        "",
    )
    .await;
    assert_eq!(preflight.status, 200);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some(origin)
    );
    assert_eq!(
        preflight.header("access-control-allow-headers"),
        Some("content-type,x-amz-date,authorization")
    );
    assert!(
        preflight
            .header("access-control-allow-methods")
            .is_some_and(|m| m.contains("POST"))
    );

    let reply = raw(
        server.addr,
        &format!(
            "POST /2015-03-31/functions HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\nContent-Type: application/json"
        ),
        &create_function_json("from-page"),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.header("access-control-allow-origin"), Some(origin));
    let exposed = reply
        .header("access-control-expose-headers")
        .expect("exposed headers");
    for h in [
        "x-amzn-requestid",
        "x-amz-function-error",
        "x-amz-log-result",
        "x-amzn-errortype",
        "x-amzn-query-error",
        "etag",
    ] {
        assert!(exposed.contains(h), "{h} in {exposed}");
    }
    assert_eq!(function_names(&server).await, vec!["from-page".to_string()]);

    // An SQS JSON call from the page works too and carries the same headers.
    let reply = raw(
        server.addr,
        &format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nOrigin: http://127.0.0.1:5173\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS.ListQueues"
        ),
        "{}",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("http://127.0.0.1:5173")
    );
}

#[tokio::test]
async fn cross_site_gets_and_foreign_origins_cannot_touch_queues() {
    let server = common::start().await;
    let sqs = common::sqs(&server).await;
    let url = sqs
        .create_queue()
        .queue_name("kept")
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    sqs.send_message()
        .queue_url(&url)
        .message_body("precious")
        .send()
        .await
        .expect("send");
    let host = server.addr.to_string();
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };

    // <img src="http://localhost:4566/?Action=PurgeQueue&..."> : no Origin, Sec-Fetch-Site.
    for (action, extra) in [("PurgeQueue", ""), ("SendMessage", "&MessageBody=junk")] {
        let reply = raw(
            server.addr,
            &format!(
                "GET /?Action={action}&Version=2012-11-05&QueueUrl={}{extra} HTTP/1.1\r\nHost: {host}\r\nSec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: no-cors\r\nSec-Fetch-Dest: image",
                enc(&url)
            ),
            "",
        )
        .await;
        assert_eq!(reply.status, 403, "{action}: {}", reply.body);
        assert!(
            reply.body.contains("<Code>AccessDenied</Code>"),
            "{}",
            reply.body
        );
        assert!(
            reply.body.contains("Sec-Fetch-Site: cross-site"),
            "{}",
            reply.body
        );
    }
    // A same-site page (another port of localhost) without an Origin is refused as well.
    let reply = raw(
        server.addr,
        &format!(
            "GET /?Action=PurgeQueue&Version=2012-11-05&QueueUrl={} HTTP/1.1\r\nHost: {host}\r\nSec-Fetch-Site: same-site",
            enc(&url)
        ),
        "",
    )
    .await;
    assert_eq!(reply.status, 403);

    // A form posted from another origin (text/plain needs no preflight).
    let reply = raw(
        server.addr,
        &format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nOrigin: https://evil.example\r\nContent-Type: application/x-www-form-urlencoded"
        ),
        &format!("Action=PurgeQueue&Version=2012-11-05&QueueUrl={}", enc(&url)),
    )
    .await;
    assert_eq!(reply.status, 403);
    assert!(reply.body.contains("<ErrorResponse>"), "{}", reply.body);
    assert!(
        reply.body.contains("--allow-origin https://evil.example"),
        "{}",
        reply.body
    );

    // SQS JSON from another origin: JSON error with x-amzn-query-error.
    let reply = raw(
        server.addr,
        &format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nOrigin: https://evil.example\r\nContent-Type: text/plain\r\nX-Amz-Target: AmazonSQS.PurgeQueue"
        ),
        &serde_json::json!({"QueueUrl": url}).to_string(),
    )
    .await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.header("x-amzn-query-error"),
        Some("AccessDenied;Sender")
    );
    let body: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert!(
        body["__type"]
            .as_str()
            .is_some_and(|t| t.ends_with("#AccessDeniedException")),
        "{body}"
    );
    assert!(body["message"].as_str().is_some(), "{body}");

    // fogbank's own endpoints: a JSON refusal.
    let reply = raw(
        server.addr,
        &format!(
            "POST /_fogbank/reset HTTP/1.1\r\nHost: {host}\r\nOrigin: https://evil.example\r\nContent-Type: text/plain"
        ),
        "",
    )
    .await;
    assert_eq!(reply.status, 403);
    let body: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(body["__type"], "AccessDenied");

    // The queue and its message are untouched.
    let got = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .send()
        .await
        .expect("receive");
    let bodies: Vec<&str> = got.messages().iter().filter_map(|m| m.body()).collect();
    assert_eq!(bodies, vec!["precious"]);
}

#[tokio::test]
async fn a_rebound_host_is_refused_on_loopback_unless_listed() {
    let server = common::start().await;
    let port = server.addr.port();
    let reply = raw(
        server.addr,
        &format!(
            "POST / HTTP/1.1\r\nHost: attacker.example:{port}\r\nContent-Type: application/x-www-form-urlencoded"
        ),
        "Action=ListQueues&Version=2012-11-05",
    )
    .await;
    assert_eq!(reply.status, 403);
    assert!(
        reply.body.contains("<Code>AccessDenied</Code>"),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("--hostname attacker.example"),
        "{}",
        reply.body
    );
    let health = raw(
        server.addr,
        &format!("GET /_fogbank/health HTTP/1.1\r\nHost: attacker.example:{port}"),
        "",
    )
    .await;
    assert_eq!(health.status, 403, "internal endpoints are guarded too");

    for host in [
        format!("localhost:{port}"),
        "localhost".to_string(),
        format!("127.0.0.1:{port}"),
        format!("sqs.us-east-1.localhost.localstack.cloud:{port}"),
    ] {
        let reply = raw(
            server.addr,
            &format!("GET /_fogbank/health HTTP/1.1\r\nHost: {host}"),
            "",
        )
        .await;
        assert_eq!(reply.status, 200, "{host}");
    }

    let listed = start_with(GuardSettings {
        hostnames: vec!["attacker.example".into(), "fogbank".into()],
        ..GuardSettings::default()
    })
    .await;
    let port = listed.addr.port();
    for host in [format!("attacker.example:{port}"), "fogbank".to_string()] {
        let reply = raw(
            listed.addr,
            &format!(
                "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded"
            ),
            "Action=ListQueues&Version=2012-11-05",
        )
        .await;
        assert_eq!(reply.status, 200, "{host}: {}", reply.body);
    }
}

#[tokio::test]
async fn any_host_is_accepted_when_listening_beyond_loopback_but_origins_are_still_checked() {
    let config = Config {
        listen: "0.0.0.0:0".parse().expect("addr"),
        ..Config::ephemeral()
    };
    let server = server::spawn(config).await.expect("server starts");
    let addr: SocketAddr = format!("127.0.0.1:{}", server.addr.port())
        .parse()
        .expect("addr");
    let reply = raw(
        addr,
        "GET /_fogbank/health HTTP/1.1\r\nHost: fogbank.internal.example:4566",
        "",
    )
    .await;
    assert_eq!(reply.status, 200);
    let reply = raw(
        addr,
        "POST /_fogbank/reset HTTP/1.1\r\nHost: fogbank.internal.example\r\nOrigin: http://evil.example",
        "",
    )
    .await;
    assert_eq!(reply.status, 403);
}

#[tokio::test]
async fn allow_origin_star_turns_the_browser_checks_off() {
    let server = start_with(GuardSettings {
        allow_origins: vec!["*".into()],
        ..GuardSettings::default()
    })
    .await;
    let host = server.addr.to_string();
    let reply = raw(
        server.addr,
        &format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nOrigin: http://evil.example\r\nContent-Type: text/plain"
        ),
        "Action=ListQueues&Version=2012-11-05",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("http://evil.example")
    );
    let reply = raw(
        server.addr,
        &format!(
            "GET /?Action=ListQueues&Version=2012-11-05 HTTP/1.1\r\nHost: {host}\r\nSec-Fetch-Site: cross-site"
        ),
        "",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // The Host check is separate (--hostname).
    let reply = raw(
        server.addr,
        "GET /_fogbank/health HTTP/1.1\r\nHost: attacker.example",
        "",
    )
    .await;
    assert_eq!(reply.status, 403);
}

#[tokio::test]
async fn listed_origins_are_allowed_and_others_are_not() {
    let server = start_with(GuardSettings {
        allow_origins: vec!["https://app.example.test:8443".into()],
        ..GuardSettings::default()
    })
    .await;
    let host = server.addr.to_string();
    let call = |origin: &'static str| {
        let host = host.clone();
        let addr = server.addr;
        async move {
            raw(
                addr,
                &format!(
                    "POST / HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS.ListQueues"
                ),
                "{}",
            )
            .await
        }
    };
    assert_eq!(call("https://app.example.test:8443").await.status, 200);
    assert_eq!(call("https://app.example.test").await.status, 403);
    assert_eq!(call("null").await.status, 403);
}

#[tokio::test]
async fn sdk_clients_send_no_origin_and_are_unaffected() {
    let server = common::start().await;
    let sqs = common::sqs(&server).await;
    let sns = common::sns(&server).await;
    sqs.create_queue()
        .queue_name("sdk")
        .send()
        .await
        .expect("SQS JSON");
    sns.create_topic()
        .name("sdk")
        .send()
        .await
        .expect("SNS query");
    assert!(function_names(&server).await.is_empty());
}

/// A function's Runtime API listens on its own loopback port, outside the server's guard: it
/// answers the runtime, never a browser or a rebinding host name.
#[tokio::test]
async fn the_runtime_api_refuses_browsers_and_foreign_hosts() {
    use aws_sdk_lambda::primitives::Blob;
    use aws_sdk_lambda::types::{FunctionCode, Runtime};

    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let source = "import os\n\ndef handler(event, context):\n    return os.environ['AWS_LAMBDA_RUNTIME_API']\n";
    lambda
        .create_function()
        .function_name("api-addr")
        .runtime(Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(common::zip_of(&[("app.py", source, 0o644)])))
                .build(),
        )
        .send()
        .await
        .expect("create function");
    let out = lambda
        .invoke()
        .function_name("api-addr")
        .send()
        .await
        .expect("invoke");
    let api: String = serde_json::from_slice(out.payload().map(|b| b.as_ref()).unwrap_or_default())
        .expect("the runtime API address");
    let addr: SocketAddr = api.parse().expect("host:port");

    let next = "GET /2018-06-01/runtime/invocation/next HTTP/1.1";
    // Served, these GETs would wait for the next event: refused, they are answered at once.
    let raw = |addr, head: String, body| async move {
        tokio::time::timeout(std::time::Duration::from_secs(10), raw(addr, &head, body))
            .await
            .expect("refused at once, not held as a runtime's /next")
    };
    let from_page = raw(
        addr,
        format!("{next}\r\nHost: {api}\r\nOrigin: http://localhost:3000"),
        "",
    )
    .await;
    assert_eq!(from_page.status, 403, "{}", from_page.body);
    assert!(
        from_page.body.contains("AccessDenied"),
        "{}",
        from_page.body
    );
    let img = raw(
        addr,
        format!("{next}\r\nHost: {api}\r\nSec-Fetch-Site: cross-site"),
        "",
    )
    .await;
    assert_eq!(img.status, 403, "{}", img.body);
    let port = addr.port();
    let rebound = raw(addr, format!("{next}\r\nHost: evil.example:{port}"), "").await;
    assert_eq!(rebound.status, 403, "{}", rebound.body);

    // The environment still serves its runtime: a second invoke is answered.
    let again = lambda
        .invoke()
        .function_name("api-addr")
        .send()
        .await
        .expect("invoke again");
    assert_eq!(again.function_error(), None);
}
