//! SQS over the legacy query protocol: form posts (to `/` and to queue URL paths) and GETs,
//! with XML responses checked element by element.

mod common;

use fogbank::server::RunningServer;

const NS: &str = "http://queue.amazonaws.com/doc/2012-11-05/";

struct Resp {
    status: u16,
    body: String,
}

impl Resp {
    /// Text of every `<tag>` element, in document order, entities resolved. The document must
    /// also be well-formed XML.
    fn all(&self, tag: &str) -> Vec<String> {
        let mut reader = quick_xml::Reader::from_str(&self.body);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Err(e) => panic!("bad XML {e}: {}", self.body),
                _ => {}
            }
        }
        let (open, close, empty) = (format!("<{tag}>"), format!("</{tag}>"), format!("<{tag}/>"));
        let mut out = Vec::new();
        let mut rest = self.body.as_str();
        loop {
            let o = rest.find(&open);
            let e = rest.find(&empty);
            match (o, e) {
                (Some(o), e) if e.is_none_or(|e| o < e) => {
                    let after = &rest[o + open.len()..];
                    let end = after.find(&close).expect("closing tag");
                    out.push(unescape(&after[..end]));
                    rest = &after[end + close.len()..];
                }
                (_, Some(e)) => {
                    out.push(String::new());
                    rest = &rest[e + empty.len()..];
                }
                _ => break,
            }
        }
        out
    }

    fn one(&self, tag: &str) -> String {
        let all = self.all(tag);
        assert_eq!(all.len(), 1, "expected one <{tag}> in {}", self.body);
        all.into_iter().next().unwrap_or_default()
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find(';').expect("entity end");
        let name = &after[..end];
        let c = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            n if n.starts_with("#x") => {
                char::from_u32(u32::from_str_radix(&n[2..], 16).expect("hex")).expect("char")
            }
            n if n.starts_with('#') => char::from_u32(n[1..].parse().expect("dec")).expect("char"),
            other => panic!("unknown entity {other}"),
        };
        out.push(c);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                k,
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn post_raw(
    server: &RunningServer,
    path: &str,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> Resp {
    let client = reqwest::Client::new();
    let mut req = client
        .post(format!("{}{path}", server.endpoint()))
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.expect("request");
    Resp {
        status: res.status().as_u16(),
        body: res.text().await.expect("body"),
    }
}

async fn call(server: &RunningServer, action: &str, params: &[(&str, &str)]) -> Resp {
    call_at(server, "/", action, params).await
}

async fn call_at(
    server: &RunningServer,
    path: &str,
    action: &str,
    params: &[(&str, &str)],
) -> Resp {
    let mut pairs = vec![("Action", action), ("Version", "2012-11-05")];
    pairs.extend_from_slice(params);
    post_raw(server, path, form(&pairs).into_bytes(), &[]).await
}

async fn create(server: &RunningServer, name: &str, attrs: &[(&str, &str)]) -> String {
    let mut params = vec![("QueueName".to_string(), name.to_string())];
    for (i, (k, v)) in attrs.iter().enumerate() {
        params.push((format!("Attribute.{}.Name", i + 1), k.to_string()));
        params.push((format!("Attribute.{}.Value", i + 1), v.to_string()));
    }
    let refs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = call(server, "CreateQueue", &refs).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.one("QueueUrl")
}

fn assert_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert!(
        r.body.contains(&format!("<ErrorResponse xmlns=\"{NS}\">")),
        "{}",
        r.body
    );
    assert_eq!(r.one("Code"), code, "{}", r.body);
    assert_eq!(r.one("Type"), "Sender");
    assert!(!r.one("Message").is_empty());
    assert!(!r.one("RequestId").is_empty());
}

#[tokio::test]
async fn responses_are_namespaced_with_results_and_request_ids() {
    let server = common::start().await;
    let r = call(&server, "CreateQueue", &[("QueueName", "q1")]).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains(&format!(
        "<CreateQueueResponse xmlns=\"{NS}\"><CreateQueueResult>"
    )));
    assert_eq!(
        r.one("QueueUrl"),
        format!("{}/000000000000/q1", server.endpoint())
    );
    assert!(!r.one("RequestId").is_empty());
    // Void operations have no Result element.
    let r = call(
        &server,
        "TagQueue",
        &[
            ("QueueUrl", "/000000000000/q1"),
            ("Tag.1.Key", "k"),
            ("Tag.1.Value", "v"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<TagQueueResponse"));
    assert!(!r.body.contains("<TagQueueResult"));
    let r = call(
        &server,
        "ListQueueTags",
        &[("QueueUrl", "/000000000000/q1")],
    )
    .await;
    assert_eq!(r.all("Key"), ["k"]);
    assert_eq!(r.all("Value"), ["v"]);
}

#[tokio::test]
async fn attributes_lists_and_queue_listing_are_flattened() {
    let server = common::start().await;
    let url = create(
        &server,
        "attrs",
        &[("VisibilityTimeout", "45"), ("DelaySeconds", "2")],
    )
    .await;
    create(&server, "attrs-2", &[]).await;
    let r = call(
        &server,
        "GetQueueAttributes",
        &[
            ("QueueUrl", &url),
            ("AttributeName.1", "VisibilityTimeout"),
            ("AttributeName.2", "DelaySeconds"),
        ],
    )
    .await;
    assert_eq!(r.all("Name"), ["VisibilityTimeout", "DelaySeconds"]);
    assert_eq!(r.all("Value"), ["45", "2"]);
    let r = call(&server, "ListQueues", &[("QueueNamePrefix", "attrs")]).await;
    assert_eq!(r.all("QueueUrl").len(), 2);
    let r = call(&server, "ListQueues", &[("MaxResults", "1")]).await;
    assert_eq!(r.all("QueueUrl").len(), 1);
    assert!(!r.one("NextToken").is_empty());
}

#[tokio::test]
async fn send_receive_round_trip_keeps_body_bytes_and_md5s() {
    let server = common::start().await;
    let url = create(&server, "escape", &[]).await;
    let body = "a \"quoted\" <tag> & 'apos'\r\nline2";
    let r = call(
        &server,
        "SendMessage",
        &[
            ("QueueUrl", &url),
            ("MessageBody", body),
            ("MessageAttribute.1.Name", "s"),
            ("MessageAttribute.1.Value.DataType", "String"),
            ("MessageAttribute.1.Value.StringValue", "v"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.one("MD5OfMessageAttributes"),
        "f711c779386017be0858627ced765df3"
    );
    let md5 = r.one("MD5OfMessageBody");
    let r = call(
        &server,
        "ReceiveMessage",
        &[
            ("QueueUrl", &url),
            ("MessageAttributeName.1", "All"),
            ("AttributeName.1", "All"),
        ],
    )
    .await;
    assert!(r.body.contains("&#xD;"), "CR must be escaped: {}", r.body);
    assert_eq!(r.one("Body"), body);
    assert_eq!(r.one("MD5OfBody"), md5);
    assert_eq!(
        r.one("MD5OfMessageAttributes"),
        "f711c779386017be0858627ced765df3"
    );
    assert_eq!(r.one("StringValue"), "v");
    assert_eq!(r.one("DataType"), "String");
    let names = r.all("Name");
    assert!(names.contains(&"SentTimestamp".to_string()), "{names:?}");
    assert!(names.contains(&"s".to_string()));
    let handle = r.one("ReceiptHandle");
    let r = call(
        &server,
        "DeleteMessage",
        &[("QueueUrl", &url), ("ReceiptHandle", &handle)],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn batch_results_use_aws_entry_names() {
    let server = common::start().await;
    let url = create(&server, "batches", &[]).await;
    let r = call(
        &server,
        "SendMessageBatch",
        &[
            ("QueueUrl", &url),
            ("SendMessageBatchRequestEntry.1.Id", "ok"),
            ("SendMessageBatchRequestEntry.1.MessageBody", "one"),
            ("SendMessageBatchRequestEntry.2.Id", "bad"),
            ("SendMessageBatchRequestEntry.2.MessageBody", "x"),
            ("SendMessageBatchRequestEntry.2.DelaySeconds", "901"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.all("SendMessageBatchResultEntry").len(), 1);
    assert_eq!(r.all("BatchResultErrorEntry").len(), 1);
    assert_eq!(r.one("SenderFault"), "true");
    assert_eq!(r.one("Code"), "InvalidParameterValue");
    let r = call(&server, "ReceiveMessage", &[("QueueUrl", &url)]).await;
    let handle = r.one("ReceiptHandle");
    let r = call(
        &server,
        "ChangeMessageVisibilityBatch",
        &[
            ("QueueUrl", &url),
            ("ChangeMessageVisibilityBatchRequestEntry.1.Id", "c"),
            (
                "ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle",
                &handle,
            ),
            (
                "ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout",
                "100",
            ),
        ],
    )
    .await;
    assert_eq!(
        r.all("ChangeMessageVisibilityBatchResultEntry").len(),
        1,
        "{}",
        r.body
    );
    let r = call(
        &server,
        "DeleteMessageBatch",
        &[
            ("QueueUrl", &url),
            ("DeleteMessageBatchRequestEntry.1.Id", "d"),
            ("DeleteMessageBatchRequestEntry.1.ReceiptHandle", &handle),
        ],
    )
    .await;
    assert_eq!(
        r.all("DeleteMessageBatchResultEntry").len(),
        1,
        "{}",
        r.body
    );
    let r = call(&server, "SendMessageBatch", &[("QueueUrl", &url)]).await;
    assert_error(&r, 400, "AWS.SimpleQueueService.EmptyBatchRequest");
}

#[tokio::test]
async fn fifo_and_dead_letter_operations_over_query() {
    let server = common::start().await;
    let url = create(&server, "f.fifo", &[("FifoQueue", "true")]).await;
    let r = call(
        &server,
        "SendMessage",
        &[
            ("QueueUrl", &url),
            ("MessageBody", "x"),
            ("MessageGroupId", "g"),
            ("MessageDeduplicationId", "d"),
        ],
    )
    .await;
    assert!(!r.one("SequenceNumber").is_empty());
    let dlq = create(&server, "dead", &[]).await;
    let policy =
        r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dead","maxReceiveCount":3}"#;
    create(&server, "live", &[("RedrivePolicy", policy)]).await;
    let r = call(&server, "ListDeadLetterSourceQueues", &[("QueueUrl", &dlq)]).await;
    assert_eq!(r.all("QueueUrl").len(), 1, "{}", r.body);
    let r = call(
        &server,
        "StartMessageMoveTask",
        &[("SourceArn", "arn:aws:sqs:us-east-1:000000000000:dead")],
    )
    .await;
    assert!(!r.one("TaskHandle").is_empty());
    let r = call(
        &server,
        "ListMessageMoveTasks",
        &[("SourceArn", "arn:aws:sqs:us-east-1:000000000000:dead")],
    )
    .await;
    assert_eq!(r.one("Status"), "COMPLETED", "{}", r.body);
    let r = call(
        &server,
        "AddPermission",
        &[
            ("QueueUrl", &dlq),
            ("Label", "l"),
            ("AWSAccountId.1", "111111111111"),
            ("ActionName.1", "SendMessage"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(
        &server,
        "RemovePermission",
        &[("QueueUrl", &dlq), ("Label", "l")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(&server, "PurgeQueue", &[("QueueUrl", &dlq)]).await;
    assert_eq!(r.status, 200);
    let r = call(&server, "PurgeQueue", &[("QueueUrl", &dlq)]).await;
    assert_error(&r, 403, "AWS.SimpleQueueService.PurgeQueueInProgress");
    let r = call(&server, "DeleteQueue", &[("QueueUrl", &dlq)]).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn malformed_requests_get_aws_shaped_errors() {
    let server = common::start().await;
    let r = call(&server, "GetQueueUrl", &[("QueueName", "missing")]).await;
    assert_error(&r, 400, "AWS.SimpleQueueService.NonExistentQueue");
    let r = call(&server, "NoSuchAction", &[]).await;
    assert_error(&r, 400, "InvalidAction");
    let r = post_raw(&server, "/", b"Version=2012-11-05".to_vec(), &[]).await;
    assert_error(&r, 400, "MissingAction");
    let r = call(&server, "CreateQueue", &[]).await;
    assert_error(&r, 400, "MissingParameter");
    create(&server, "typed", &[]).await;
    let r = call(
        &server,
        "ReceiveMessage",
        &[
            ("QueueUrl", "/000000000000/typed"),
            ("MaxNumberOfMessages", "abc"),
        ],
    )
    .await;
    assert_error(&r, 400, "InvalidParameterValue");
    let r = post_raw(
        &server,
        "/",
        b"Action=SendMessage&Version=2012-11-05&MessageBody=%FF%FE".to_vec(),
        &[],
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = call(
        &server,
        "CreateQueue",
        &[
            ("QueueName", "x"),
            ("Attribute.1.Name", "VisibilityTimeout"),
        ],
    )
    .await;
    assert_error(&r, 400, "MissingParameter");
    let big = vec![b'a'; 9 * 1024 * 1024];
    let mut body =
        b"Action=SendMessage&Version=2012-11-05&QueueUrl=/000000000000/typed&MessageBody=".to_vec();
    body.extend_from_slice(&big);
    let r = post_raw(&server, "/", body, &[]).await;
    assert_eq!(r.status, 413, "{}", &r.body[..r.body.len().min(300)]);
    // An SNS request (Version 2010-03-31) is not treated as SQS.
    let r = post_raw(
        &server,
        "/",
        b"Action=AddPermission&Version=2010-03-31".to_vec(),
        &[],
    )
    .await;
    assert!(!r.body.contains(NS), "{}", r.body);
}

#[tokio::test]
async fn credential_scope_selects_account_and_region() {
    let server = common::start().await;
    let auth = "AWS4-HMAC-SHA256 Credential=123456789012/20260101/eu-west-1/sqs/aws4_request, SignedHeaders=host, Signature=00";
    let body = form(&[
        ("Action", "CreateQueue"),
        ("Version", "2012-11-05"),
        ("QueueName", "scoped"),
    ]);
    let r = post_raw(&server, "/", body.into_bytes(), &[("authorization", auth)]).await;
    assert!(r.one("QueueUrl").ends_with("/123456789012/scoped"));
    let body = form(&[
        ("Action", "GetQueueAttributes"),
        ("Version", "2012-11-05"),
        ("QueueUrl", "/123456789012/scoped"),
        ("AttributeName.1", "QueueArn"),
    ]);
    let r = post_raw(&server, "/", body.into_bytes(), &[("authorization", auth)]).await;
    assert_eq!(r.one("Value"), "arn:aws:sqs:eu-west-1:123456789012:scoped");
    // Unsigned requests land in the default account and region, where the queue is not.
    let r = call(&server, "GetQueueUrl", &[("QueueName", "scoped")]).await;
    assert_error(&r, 400, "AWS.SimpleQueueService.NonExistentQueue");
}

#[tokio::test]
async fn health_endpoints_answer_in_both_shapes() {
    let server = common::start().await;
    let v: serde_json::Value = reqwest::get(format!("{}/_fogbank/health", server.endpoint()))
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(v["services"]["sqs"], "running");
    assert!(v["version"].is_string());
    let v: serde_json::Value = reqwest::get(format!("{}/_localstack/health", server.endpoint()))
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(v["services"]["sqs"], "running");
    assert!(v["edition"].is_string());
    assert!(v["version"].is_string());
}

/// A query request with `Accept: application/json` gets AWS's query-JSON answer: the XML
/// document's `<Action>Response`/`<Action>Result`/`ResponseMetadata` nesting as JSON objects,
/// and errors as `{"Error": {Type, Code, Message}, "RequestId"}`, `application/json`.
#[tokio::test]
async fn query_requests_accepting_json_get_json_answers() {
    let server = common::start().await;
    let url = create(&server, "qj", &[]).await;
    let accept = [("accept", "application/json")];
    let send = form(&[
        ("Action", "SendMessage"),
        ("QueueUrl", &url),
        ("MessageBody", "hello"),
    ]);
    let client = reqwest::Client::new();
    let res = client
        .post(format!("{}/", server.endpoint()))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(send)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let v: serde_json::Value = res.json().await.expect("json");
    let result = &v["SendMessageResponse"]["SendMessageResult"];
    assert_eq!(
        result["MD5OfMessageBody"],
        "5d41402abc4b2a76b9719d911017c592"
    );
    assert!(result["MessageId"].as_str().is_some_and(|s| s.len() == 36));
    assert!(
        v["SendMessageResponse"]["ResponseMetadata"]["RequestId"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );

    // On a queue URL, by GET, as old clients do it.
    let path = url.trim_start_matches(&server.endpoint());
    let res = client
        .get(format!(
            "{}{path}?Action=ReceiveMessage&Version=2012-11-05",
            server.endpoint()
        ))
        .header("accept", "application/json")
        .send()
        .await
        .expect("request");
    let v: serde_json::Value = res.json().await.expect("json");
    let messages = &v["ReceiveMessageResponse"]["ReceiveMessageResult"]["Messages"];
    assert_eq!(messages[0]["Body"], "hello", "{v}");

    // A void action has no Result member.
    let r = post_raw(
        &server,
        path,
        form(&[("Action", "PurgeQueue")]).into_bytes(),
        &accept,
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert!(
        v["PurgeQueueResponse"].get("PurgeQueueResult").is_none(),
        "{v}"
    );
    assert!(v["PurgeQueueResponse"]["ResponseMetadata"]["RequestId"].is_string());

    // Errors: the legacy code and the query wording, as JSON.
    let r = post_raw(
        &server,
        "/",
        form(&[("Action", "GetQueueUrl"), ("QueueName", "missing")]).into_bytes(),
        &accept,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(
        v["Error"]["Code"],
        "AWS.SimpleQueueService.NonExistentQueue"
    );
    assert_eq!(v["Error"]["Type"], "Sender");
    assert_eq!(
        v["Error"]["Message"],
        "The specified queue does not exist for this wsdl version."
    );
    assert!(v["RequestId"].is_string());

    // Without the header (or with `*/*`), XML as before.
    let r = post_raw(
        &server,
        "/",
        form(&[("Action", "ListQueues")]).into_bytes(),
        &[("accept", "*/*")],
    )
    .await;
    assert!(r.body.contains("<ListQueuesResponse"), "{}", r.body);
}
