//! Function URLs: the config API through aws-sdk-lambda (shapes and errors as AWS records
//! them) and the URLs themselves through plain HTTP (payload 2.0 events, response shaping,
//! CORS, auth types).

mod common;

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Cors, FunctionCode, FunctionUrlAuthType, InvokeMode, Runtime};
use serde_json::{Value, json};

/// Echoes the event, or answers what the event's body asks for.
const PY_ECHO: &str = r#"
import base64, json

def handler(event, context):
    body = event.get("body")
    if body and event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("latin-1")
    if event.get("rawPath") == "/fail":
        raise ValueError("asked to fail")
    if event.get("rawPath") == "/answer":
        return json.loads(body)
    if event.get("rawPath") == "/string":
        return "just text"
    return {"event": event, "request_id": context.aws_request_id}
"#;

/// Read the function's configuration once, as AWS's `function_active_v2` waiter does, and
/// check that it is Active: after that, updates and PublishVersion are allowed (AWS refuses
/// them while a function is Pending or an update is in progress).
async fn await_active(lambda: &aws_sdk_lambda::Client, name: &str) {
    let config = lambda
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .expect("get function configuration");
    assert_eq!(
        config.state(),
        Some(&aws_sdk_lambda::types::State::Active),
        "{name} is active once read"
    );
}

async fn create_echo(lambda: &aws_sdk_lambda::Client, name: &str) -> String {
    let zip = common::zip_of(&[("app.py", PY_ECHO, 0o644)]);
    let arn = lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python312)
        .role(common::ROLE)
        .handler("app.handler")
        .timeout(5)
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .expect("create function")
        .function_arn()
        .expect("arn")
        .to_string();
    await_active(lambda, name).await;
    arn
}

/// CreateFunctionUrlConfig for the function itself with `auth`; its URL.
async fn create_url(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    auth: FunctionUrlAuthType,
) -> String {
    lambda
        .create_function_url_config()
        .function_name(name)
        .auth_type(auth)
        .send()
        .await
        .expect("create url")
        .function_url()
        .to_string()
}

fn url_id(function_url: &str) -> String {
    function_url
        .trim_start_matches("http://")
        .split('.')
        .next()
        .expect("id")
        .to_string()
}

fn path_form(server: &fogbank::server::RunningServer, function_url: &str, rest: &str) -> String {
    format!(
        "{}/_fogbank/lambda-url/{}{rest}",
        server.endpoint(),
        url_id(function_url)
    )
}

#[tokio::test]
async fn url_config_lifecycle_and_errors_as_aws_records_them() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let arn = create_echo(&lambda, "urlfn").await;

    let created = lambda
        .create_function_url_config()
        .function_name("urlfn")
        .auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .expect("create url");
    let url = created.function_url().to_string();
    let id = url_id(&url);
    assert_eq!(id.len(), 32);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    assert_eq!(
        url,
        format!(
            "http://{id}.lambda-url.us-east-1.localhost:{}/",
            server.addr.port()
        )
    );
    assert_eq!(created.function_arn(), arn);
    assert_eq!(created.auth_type(), &FunctionUrlAuthType::None);
    assert_eq!(created.invoke_mode(), Some(&InvokeMode::Buffered));
    assert!(created.cors().is_none());
    assert!(created.creation_time().ends_with('Z'));

    // A second one for the same qualifier conflicts, naming the function.
    let e = lambda
        .create_function_url_config()
        .function_name("urlfn")
        .auth_type(FunctionUrlAuthType::AwsIam)
        .send()
        .await
        .expect_err("conflict");
    assert_eq!(e.code(), Some("ResourceConflictException"));
    assert_eq!(
        e.message(),
        Some(
            format!(
                "Failed to create function url config for [functionArn = {arn}]. Error message:  FunctionUrlConfig exists for this Lambda function"
            )
            .as_str()
        )
    );

    let got = lambda
        .get_function_url_config()
        .function_name("urlfn")
        .send()
        .await
        .expect("get");
    assert_eq!(got.function_url(), url);
    assert_eq!(got.creation_time(), created.creation_time());

    let updated = lambda
        .update_function_url_config()
        .function_name("urlfn")
        .auth_type(FunctionUrlAuthType::AwsIam)
        .cors(
            Cors::builder()
                .allow_origins("https://app.example")
                .allow_methods("POST")
                .max_age(60)
                .build(),
        )
        .invoke_mode(InvokeMode::ResponseStream)
        .send()
        .await
        .expect("update");
    assert_eq!(updated.function_url(), url, "the URL never changes");
    assert_eq!(updated.auth_type(), &FunctionUrlAuthType::AwsIam);
    assert_eq!(updated.invoke_mode(), Some(&InvokeMode::ResponseStream));
    assert_eq!(
        updated.cors().expect("cors").allow_origins(),
        ["https://app.example".to_string()]
    );

    // An alias's URL is its own.
    lambda
        .publish_version()
        .function_name("urlfn")
        .send()
        .await
        .expect("publish");
    lambda
        .create_alias()
        .function_name("urlfn")
        .name("live")
        .function_version("1")
        .send()
        .await
        .expect("alias");
    let live = lambda
        .create_function_url_config()
        .function_name("urlfn")
        .qualifier("live")
        .auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .expect("alias url");
    assert_eq!(live.function_arn(), format!("{arn}:live"));
    assert_ne!(live.function_url(), url);
    let listed = lambda
        .list_function_url_configs()
        .function_name("urlfn")
        .send()
        .await
        .expect("list");
    assert_eq!(listed.function_url_configs().len(), 2);

    // Qualifiers must name aliases: $LATEST and versions are ValidationExceptions.
    for (q, pattern) in [
        ("$LATEST", "((?!^\\d+$)^[0-9a-zA-Z-_]+$)"),
        ("1", "(^\\$LATEST$)|((?!^[0-9]+$)([a-zA-Z0-9-_]+))"),
    ] {
        let e = lambda
            .get_function_url_config()
            .function_name("urlfn")
            .qualifier(q)
            .send()
            .await
            .expect_err("bad qualifier");
        assert_eq!(e.code(), Some("ValidationException"), "{q}");
        assert_eq!(
            e.message(),
            Some(
                format!(
                    "1 validation error detected: Value '{q}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}"
                )
                .as_str()
            )
        );
    }
    let e = lambda
        .create_function_url_config()
        .function_name("urlfn")
        .qualifier("nosuchalias")
        .auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .expect_err("no alias");
    assert_eq!(e.code(), Some("ResourceNotFoundException"));
    assert_eq!(e.message(), Some("Function does not exist"));
    let e = lambda
        .create_function_url_config()
        .function_name("nosuchfn")
        .auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .expect_err("no function");
    assert_eq!(e.message(), Some("Function does not exist"));
    let e = lambda
        .get_function_url_config()
        .function_name("nosuchfn")
        .send()
        .await
        .expect_err("no function");
    assert_eq!(e.code(), Some("ResourceNotFoundException"));
    assert_eq!(
        e.message(),
        Some("The resource you requested does not exist.")
    );
    let e = lambda
        .create_function_url_config()
        .function_name("urlfn")
        .auth_type(FunctionUrlAuthType::from("BOTH"))
        .send()
        .await
        .expect_err("bad auth type");
    assert_eq!(e.code(), Some("ValidationException"));
    assert_eq!(
        e.message(),
        Some(
            "1 validation error detected: Value 'BOTH' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_IAM, NONE]"
        )
    );

    // Deleting the alias takes its URL along; deleting the URL makes it 404 then 403 over HTTP.
    lambda
        .delete_alias()
        .function_name("urlfn")
        .name("live")
        .send()
        .await
        .expect("delete alias");
    lambda
        .delete_function_url_config()
        .function_name("urlfn")
        .send()
        .await
        .expect("delete");
    let e = lambda
        .delete_function_url_config()
        .function_name("urlfn")
        .send()
        .await
        .expect_err("gone");
    assert_eq!(
        e.message(),
        Some("The resource you requested does not exist.")
    );
    let listed = lambda
        .list_function_url_configs()
        .function_name("urlfn")
        .send()
        .await
        .expect("list");
    assert!(listed.function_url_configs().is_empty());
    let res = reqwest::Client::new()
        .get(path_form(&server, &url, "/"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 403);
    assert_eq!(res.headers()["x-amzn-errortype"], "AccessDeniedException");
    assert_eq!(res.text().await.expect("body"), r#"{"Message":null}"#);
}

#[tokio::test]
async fn requests_become_payload_2_events_and_answers_become_responses() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let arn = create_echo(&lambda, "echo").await;
    let url = lambda
        .create_function_url_config()
        .function_name("echo")
        .auth_type(FunctionUrlAuthType::None)
        .cors(
            Cors::builder()
                .allow_origins("http://localhost:3000")
                .allow_methods("GET")
                .allow_methods("POST")
                .allow_headers("x-custom")
                .expose_headers("x-answer")
                .max_age(300)
                .build(),
        )
        .send()
        .await
        .expect("create url")
        .function_url()
        .to_string();
    let id = url_id(&url);
    let http = reqwest::Client::new();

    // The host form, sent to fogbank's address with the URL's Host.
    let res = http
        .post(format!(
            "{}/some/path?b=2&a=1&a=3&empty=",
            server.endpoint()
        ))
        .header(
            "host",
            format!("{id}.lambda-url.us-east-1.localhost:{}", server.addr.port()),
        )
        .header("content-type", "text/plain")
        .header("user-agent", "fogbank-test/1")
        .header("X-Multi", "one")
        .header("x-multi", "two")
        .header("cookie", "c1=v1; c2=v2")
        .body("hello body")
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let v: Value = res.json().await.expect("json");
    let ev = &v["event"];
    assert_eq!(ev["version"], "2.0");
    assert_eq!(ev["routeKey"], "$default");
    assert_eq!(ev["rawPath"], "/some/path");
    assert_eq!(ev["rawQueryString"], "b=2&a=1&a=3&empty=");
    assert_eq!(ev["cookies"], json!(["c1=v1", "c2=v2"]));
    assert_eq!(ev["headers"]["x-multi"], "one,two");
    assert_eq!(ev["headers"]["user-agent"], "fogbank-test/1");
    assert!(ev["headers"].get("cookie").is_none());
    assert_eq!(
        ev["queryStringParameters"],
        json!({"a": "1,3", "b": "2", "empty": ""})
    );
    assert_eq!(ev["body"], "hello body");
    assert_eq!(ev["isBase64Encoded"], false);
    let rc = &ev["requestContext"];
    assert_eq!(rc["accountId"], "anonymous");
    assert_eq!(rc["apiId"], id.as_str());
    assert_eq!(rc["domainPrefix"], id.as_str());
    assert_eq!(
        rc["domainName"],
        format!("{id}.lambda-url.us-east-1.localhost")
    );
    assert_eq!(rc["http"]["method"], "POST");
    assert_eq!(rc["http"]["path"], "/some/path");
    assert_eq!(rc["http"]["protocol"], "HTTP/1.1");
    assert_eq!(rc["http"]["userAgent"], "fogbank-test/1");
    assert_eq!(rc["routeKey"], "$default");
    assert_eq!(rc["stage"], "$default");
    assert!(rc["timeEpoch"].as_u64().is_some());
    assert!(rc["time"].as_str().expect("time").ends_with(" +0000"));
    assert_eq!(rc["requestId"], v["request_id"], "one request id");

    // The path form; a binary body arrives base64-encoded; no body, no `body`.
    let res = http
        .put(path_form(&server, &url, "/bin"))
        .header("content-type", "application/octet-stream")
        .body(vec![0u8, 159, 146, 150])
        .send()
        .await
        .expect("put");
    let v: Value = res.json().await.expect("json");
    assert_eq!(v["event"]["body"], "AJ+Slg==");
    assert_eq!(v["event"]["isBase64Encoded"], true);
    assert_eq!(v["event"]["rawPath"], "/bin");
    assert!(v["event"].get("queryStringParameters").is_none());
    let v: Value = http
        .get(path_form(&server, &url, ""))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(v["event"]["rawPath"], "/");
    assert!(v["event"].get("body").is_none());
    assert_eq!(v["event"]["isBase64Encoded"], false);

    // A structured answer: status, headers, cookies, base64 body.
    let answer = json!({
        "statusCode": 201,
        "headers": {"content-type": "text/plain", "x-answer": "42"},
        "cookies": ["s=1; Path=/", "t=2"],
        "body": "aGVsbG8gd29ybGQ=",
        "isBase64Encoded": true,
    });
    let res = http
        .post(path_form(&server, &url, "/answer"))
        .header("content-type", "application/json")
        .header("origin", "http://localhost:3000")
        .body(answer.to_string())
        .send()
        .await
        .expect("answer");
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["content-type"], "text/plain");
    assert_eq!(res.headers()["x-answer"], "42");
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    assert_eq!(res.headers()["access-control-expose-headers"], "x-answer");
    let cookies: Vec<_> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().expect("cookie").to_string())
        .collect();
    assert_eq!(cookies, ["s=1; Path=/", "t=2"]);
    assert_eq!(res.text().await.expect("body"), "hello world");

    // A bare object without statusCode: 200, JSON, the object as the body.
    let res = http
        .post(path_form(&server, &url, "/answer"))
        .header("content-type", "application/json")
        .body(r#"{"just": "data"}"#)
        .send()
        .await
        .expect("bare");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    assert_eq!(
        res.json::<Value>().await.expect("json"),
        json!({"just": "data"})
    );
    let res = http
        .get(path_form(&server, &url, "/string"))
        .send()
        .await
        .expect("string");
    assert_eq!(res.text().await.expect("body"), "just text");

    // A function error is AWS's 502.
    let res = http
        .get(path_form(&server, &url, "/fail"))
        .send()
        .await
        .expect("fail");
    assert_eq!(res.status(), 502);
    assert_eq!(res.text().await.expect("body"), "Internal Server Error");

    // A preflight from an allowed origin is answered from the config, without the function.
    let res = http
        .request(reqwest::Method::OPTIONS, path_form(&server, &url, "/x"))
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("preflight");
    assert_eq!(res.status(), 200);
    let h = res.headers();
    assert_eq!(h["access-control-allow-origin"], "http://localhost:3000");
    assert_eq!(h["access-control-allow-methods"], "GET,POST");
    assert_eq!(h["access-control-allow-headers"], "x-custom");
    assert_eq!(h["access-control-max-age"], "300");
    let _ = arn;
}

#[tokio::test]
async fn aws_iam_urls_need_a_signature() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create_echo(&lambda, "private").await;
    let url = create_url(&lambda, "private", FunctionUrlAuthType::AwsIam).await;
    let http = reqwest::Client::new();
    let res = http
        .get(path_form(&server, &url, "/"))
        .send()
        .await
        .expect("unsigned");
    assert_eq!(res.status(), 403);
    assert_eq!(res.headers()["x-amzn-errortype"], "AccessDeniedException");
    assert_eq!(
        res.text().await.expect("body"),
        r#"{"Message":"Forbidden"}"#
    );

    // A signed request (the default, non-strict mode checks the signature is well-formed).
    let res = http
        .get(path_form(&server, &url, "/"))
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=111122223333/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00",
        )
        .header("x-amz-date", "20260101T000000Z")
        .send()
        .await
        .expect("signed");
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.expect("json");
    let rc = &v["event"]["requestContext"];
    assert_eq!(rc["accountId"], "111122223333");
    assert_eq!(rc["authorizer"]["iam"]["accountId"], "111122223333");
    assert_eq!(rc["authorizer"]["iam"]["accessKey"], "111122223333");
}

/// A streaming Node handler: `/http` answers through `HttpResponseStream` with a status and
/// headers, `/fail` fails after the first chunk, anything else streams three plain chunks.
const NODE_STREAMING: &str = r#"
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  const path = event.rawPath || event.path || "/";
  if (path === "/http") {
    const s = awslambda.HttpResponseStream.from(responseStream, {
      statusCode: 201,
      headers: { "content-type": "text/plain", "x-streamed": "yes" },
      cookies: ["k=v"],
    });
    s.write("first ");
    await sleep(400);
    s.write("second");
    s.end();
    return;
  }
  responseStream.setContentType("text/plain");
  responseStream.write("one,");
  if (path === "/fail") {
    await sleep(50);
    throw new Error("broke mid-stream");
  }
  await sleep(400);
  responseStream.write("two,");
  await sleep(50);
  responseStream.write("three");
  responseStream.end();
});
"#;

async fn create_streaming(lambda: &aws_sdk_lambda::Client, name: &str) {
    let zip = common::zip_of(&[("index.mjs", NODE_STREAMING, 0o644)]);
    lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Nodejs20x)
        .role(common::ROLE)
        .handler("index.handler")
        .timeout(5)
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .expect("create function");
    await_active(lambda, name).await;
}

/// The events of an InvokeWithResponseStream, as the SDK decodes them: the chunks (with the
/// time each came) and the InvokeComplete event.
async fn read_stream(
    out: aws_sdk_lambda::operation::invoke_with_response_stream::InvokeWithResponseStreamOutput,
) -> (
    Vec<(String, std::time::Instant)>,
    aws_sdk_lambda::types::InvokeWithResponseStreamCompleteEvent,
) {
    use aws_sdk_lambda::types::InvokeWithResponseStreamResponseEvent as E;
    let mut stream = out.event_stream;
    let mut chunks = Vec::new();
    loop {
        match stream.recv().await.expect("event") {
            Some(E::PayloadChunk(c)) => chunks.push((
                String::from_utf8(c.payload().expect("payload").as_ref().to_vec()).expect("utf8"),
                std::time::Instant::now(),
            )),
            Some(E::InvokeComplete(done)) => return (chunks, done),
            Some(other) => panic!("unexpected event {other:?}"),
            None => panic!("the stream ended without InvokeComplete"),
        }
    }
}

#[tokio::test]
async fn invoke_with_response_stream_streams_chunk_by_chunk() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create_streaming(&lambda, "streamer").await;

    let out = lambda
        .invoke_with_response_stream()
        .function_name("streamer")
        .payload(Blob::new(r#"{"rawPath": "/"}"#))
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.executed_version(), Some("$LATEST"));
    let (chunks, done) = read_stream(out).await;
    let text: String = chunks.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(text, "one,two,three");
    assert!(chunks.len() >= 2, "{chunks:?}");
    let gap = chunks[chunks.len() - 1].1 - chunks[0].1;
    assert!(
        gap >= std::time::Duration::from_millis(300),
        "the first chunk came before the handler went on: {gap:?}"
    );
    assert_eq!(done.error_code(), None);

    // An error after the stream started ends it with InvokeComplete's error.
    let out = lambda
        .invoke_with_response_stream()
        .function_name("streamer")
        .payload(Blob::new(r#"{"rawPath": "/fail"}"#))
        .send()
        .await
        .expect("invoke");
    let (chunks, done) = read_stream(out).await;
    assert_eq!(chunks.first().map(|c| c.0.as_str()), Some("one,"));
    assert_eq!(done.error_code(), Some("Error"));
    assert!(
        done.error_details()
            .unwrap_or_default()
            .contains("broke mid-stream"),
        "{done:?}"
    );

    // A handler that does not stream: its whole answer as one chunk.
    create_echo(&lambda, "plain").await;
    let out = lambda
        .invoke_with_response_stream()
        .function_name("plain")
        .payload(Blob::new(r#"{"rawPath": "/string"}"#))
        .send()
        .await
        .expect("invoke");
    let (chunks, done) = read_stream(out).await;
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].0, r#""just text""#);
    assert_eq!(done.error_code(), None);

    let e = lambda
        .invoke_with_response_stream()
        .function_name("nosuch")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(e.code(), Some("ResourceNotFoundException"));
}

#[tokio::test]
async fn response_stream_urls_stream_with_the_prelude_s_status_and_headers() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create_streaming(&lambda, "web").await;
    let url = lambda
        .create_function_url_config()
        .function_name("web")
        .auth_type(FunctionUrlAuthType::None)
        .invoke_mode(InvokeMode::ResponseStream)
        .send()
        .await
        .expect("create url")
        .function_url()
        .to_string();
    let http = reqwest::Client::new();
    let started = std::time::Instant::now();
    let mut res = http
        .get(path_form(&server, &url, "/http"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["content-type"], "text/plain");
    assert_eq!(res.headers()["x-streamed"], "yes");
    assert_eq!(res.headers()["set-cookie"], "k=v");
    let first = res.chunk().await.expect("chunk").expect("first chunk");
    let first_at = started.elapsed();
    let mut body = first.to_vec();
    while let Some(c) = res.chunk().await.expect("chunk") {
        body.extend_from_slice(&c);
    }
    let all_at = started.elapsed();
    assert_eq!(String::from_utf8(body).expect("utf8"), "first second");
    assert!(
        all_at - first_at >= std::time::Duration::from_millis(300),
        "the first chunk came as it was written ({first_at:?}, all at {all_at:?})"
    );

    // Without the prelude: 200 and the stream's content type.
    let res = http
        .get(path_form(&server, &url, "/"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/plain");
    assert_eq!(res.text().await.expect("body"), "one,two,three");
}

#[tokio::test]
async fn function_urls_survive_a_restart() {
    let dir = common::TempDir::new("lambda-urls");
    let clock = fogbank::clock::ManualClock::starting_2026();
    let server = common::start_durable(&dir.0, &clock).await;
    let lambda = common::lambda(&server).await;
    create_echo(&lambda, "kept").await;
    let created = lambda
        .create_function_url_config()
        .function_name("kept")
        .auth_type(FunctionUrlAuthType::None)
        .cors(Cors::builder().allow_origins("*").build())
        .send()
        .await
        .expect("create url");
    let id = url_id(created.function_url());
    server.shutdown().await;

    let server = common::start_durable(&dir.0, &clock).await;
    let lambda = common::lambda(&server).await;
    let got = lambda
        .get_function_url_config()
        .function_name("kept")
        .send()
        .await
        .expect("get after restart");
    assert_eq!(url_id(got.function_url()), id);
    assert_eq!(got.creation_time(), created.creation_time());
    assert_eq!(got.cors().expect("cors").allow_origins(), ["*".to_string()]);
    let v: Value = reqwest::Client::new()
        .get(format!(
            "{}/_fogbank/lambda-url/{id}/again",
            server.endpoint()
        ))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(v["event"]["rawPath"], "/again");
    server.shutdown().await;
}

#[tokio::test]
async fn strict_mode_needs_a_policy_for_public_urls_and_a_valid_signature_for_iam() {
    let mut config = fogbank::config::Config::ephemeral();
    config.strict_auth = Some(std::sync::Arc::new(
        [("test".to_string(), "test".to_string())]
            .into_iter()
            .collect(),
    ));
    let server = fogbank::server::spawn(config).await.expect("server");
    let lambda = common::lambda(&server).await;
    create_echo(&lambda, "guarded").await;
    let url = create_url(&lambda, "guarded", FunctionUrlAuthType::None).await;
    let http = reqwest::Client::new();
    let res = http
        .get(path_form(&server, &url, "/"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 403, "no InvokeFunctionUrl permission yet");
    lambda
        .add_permission()
        .function_name("guarded")
        .statement_id("public")
        .action("lambda:InvokeFunctionUrl")
        .principal("*")
        .function_url_auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .expect("permission");
    let res = http
        .get(path_form(&server, &url, "/"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);

    // AWS_IAM with a signature that does not verify.
    lambda
        .update_function_url_config()
        .function_name("guarded")
        .auth_type(FunctionUrlAuthType::AwsIam)
        .send()
        .await
        .expect("update");
    let res = http
        .get(path_form(&server, &url, "/"))
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00",
        )
        .header("x-amz-date", "20260101T000000Z")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 403);
}
