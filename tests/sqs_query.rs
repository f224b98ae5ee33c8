//! SQS over the legacy query protocol, end to end: form-encoded requests (posted to `/`, posted
//! to the queue URL path, or sent as GETs) and XML responses, parsed into a small element tree so
//! that the exact element names of wire.md 1.4, the namespace and the error shape of wire.md 1.5
//! are asserted, not just substrings.

mod common;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use fogbank::clock::ManualClock;
use fogbank::server::RunningServer;
use md5::{Digest, Md5};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use quick_xml::events::{BytesStart, Event};

const NS: &str = "http://queue.amazonaws.com/doc/2012-11-05/";
const ACCOUNT: &str = "000000000000";
const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";
const SIGNED: &str = "AWS4-HMAC-SHA256 Credential=123456789012/20260101/eu-west-1/sqs/aws4_request, SignedHeaders=host, Signature=00";
const NON_EXISTENT: &str = "AWS.SimpleQueueService.NonExistentQueue";

// ---------------------------------------------------------------------------------------------
// XML: a minimal element tree built with quick-xml (a real parser, so entity and end-of-line
// handling are those every SDK's XML parser applies).
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn from_start(e: &BytesStart<'_>) -> Node {
        let mut attrs = Vec::new();
        for a in e.attributes() {
            let a = a.expect("well-formed attribute");
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .expect("attribute value")
                .into_owned();
            attrs.push((a.key.as_ref().to_string(), value));
        }
        Node {
            name: e.name().as_ref().to_string(),
            attrs,
            ..Node::default()
        }
    }

    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Names of the child elements, in order.
    fn names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }

    fn all(&self, name: &str) -> Vec<&Node> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    fn opt(&self, name: &str) -> Option<&Node> {
        let all = self.all(name);
        assert!(
            all.len() <= 1,
            "more than one <{name}> in <{}>: {:?}",
            self.name,
            self.names()
        );
        all.into_iter().next()
    }

    /// The only child element called `name`.
    fn child(&self, name: &str) -> &Node {
        self.opt(name).unwrap_or_else(|| {
            panic!(
                "no <{name}> in <{}>; children: {:?}",
                self.name,
                self.names()
            )
        })
    }

    /// Text of the only child element called `name`.
    fn text(&self, name: &str) -> String {
        self.child(name).text.clone()
    }

    fn opt_text(&self, name: &str) -> Option<String> {
        self.opt(name).map(|n| n.text.clone())
    }

    /// Texts of every child element called `name` (flattened lists).
    fn texts(&self, name: &str) -> Vec<String> {
        self.all(name).iter().map(|n| n.text.clone()).collect()
    }

    /// `<Attribute><Name/><Value/></Attribute>` (or `<Tag><Key/><Value/></Tag>`) children as
    /// pairs, checking that each entry has exactly those two children.
    fn pairs(&self, entry: &str, key: &str) -> Vec<(String, String)> {
        self.all(entry)
            .into_iter()
            .map(|e| {
                let mut names = e.names();
                names.sort_unstable();
                let mut want = vec![key, "Value"];
                want.sort_unstable();
                assert_eq!(names, want, "children of <{entry}>");
                (e.text(key), e.text("Value"))
            })
            .collect()
    }

    fn pair(&self, entry: &str, key: &str, wanted: &str) -> Option<String> {
        self.pairs(entry, key)
            .into_iter()
            .find(|(k, _)| k == wanted)
            .map(|(_, v)| v)
    }
}

/// Parse a whole document; panics on anything that is not well-formed XML with one root.
fn parse_xml(doc: &str) -> Node {
    let mut reader = quick_xml::Reader::from_str(doc);
    let mut stack = vec![Node::default()];
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("malformed XML ({e}): {doc}"));
        match event {
            Event::Start(e) => stack.push(Node::from_start(&e)),
            Event::Empty(e) => {
                let n = Node::from_start(&e);
                stack.last_mut().expect("parent").children.push(n);
            }
            Event::End(_) => {
                let n = stack.pop().expect("open element");
                stack.last_mut().expect("parent").children.push(n);
            }
            Event::Text(t) => stack
                .last_mut()
                .expect("parent")
                .text
                .push_str(&t.xml10_content()),
            Event::CData(c) => stack
                .last_mut()
                .expect("parent")
                .text
                .push_str(&c.xml10_content()),
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    Ok(None) => match &*r {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => panic!("undefined entity &{other}; in {doc}"),
                    },
                    Err(e) => panic!("bad character reference ({e}) in {doc}"),
                };
                stack.last_mut().expect("parent").text.push(c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements in {doc}");
    let mut doc_node = stack.pop().expect("document");
    assert_eq!(
        doc_node.children.len(),
        1,
        "expected exactly one root element in {doc}"
    );
    assert!(
        doc_node.text.trim().is_empty(),
        "text outside the root element in {doc}"
    );
    doc_node.children.pop().expect("root")
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

/// Everything but the RFC 3986 unreserved characters is percent-encoded (as the SDKs do).
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn encode(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, ENCODE),
                utf8_percent_encode(v, ENCODE)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `Attribute.N.Name` / `Attribute.N.Value` for CreateQueue and SetQueueAttributes.
fn queue_attrs(attrs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, (k, v)) in attrs.iter().enumerate() {
        out.push((format!("Attribute.{}.Name", i + 1), k.to_string()));
        out.push((format!("Attribute.{}.Value", i + 1), v.to_string()));
    }
    out
}

/// `{prefix}MessageAttribute.{n}.*` for a String/Number (or custom) attribute.
fn str_attr(
    prefix: &str,
    n: usize,
    name: &str,
    data_type: &str,
    value: &str,
) -> Vec<(String, String)> {
    let p = format!("{prefix}MessageAttribute.{n}");
    vec![
        (format!("{p}.Name"), name.to_string()),
        (format!("{p}.Value.DataType"), data_type.to_string()),
        (format!("{p}.Value.StringValue"), value.to_string()),
    ]
}

/// `{prefix}MessageAttribute.{n}.*` for a Binary attribute (base64 on the wire).
fn bin_attr(
    prefix: &str,
    n: usize,
    name: &str,
    data_type: &str,
    value: &[u8],
) -> Vec<(String, String)> {
    let p = format!("{prefix}MessageAttribute.{n}");
    vec![
        (format!("{p}.Name"), name.to_string()),
        (format!("{p}.Value.DataType"), data_type.to_string()),
        (format!("{p}.Value.BinaryValue"), B64.encode(value)),
    ]
}

struct Resp {
    status: u16,
    content_type: String,
    request_id_header: Option<String>,
    body: String,
}

impl Resp {
    fn xml(&self) -> Node {
        parse_xml(&self.body)
    }

    fn head(&self) -> &str {
        &self.body[..self.body.len().min(600)]
    }

    /// Checks the success envelope of `op` and returns the root element.
    fn envelope(&self, op: &str) -> Node {
        assert_eq!(self.status, 200, "{op} failed: {}", self.head());
        assert!(
            self.content_type.starts_with("text/xml"),
            "{op}: content-type {:?}",
            self.content_type
        );
        let root = self.xml();
        assert_eq!(root.name, format!("{op}Response"), "{}", self.body);
        assert_eq!(root.attr("xmlns"), Some(NS), "{}", self.body);
        let rid = root.child("ResponseMetadata").text("RequestId");
        assert!(!rid.is_empty(), "{}", self.body);
        assert_eq!(
            root.child("ResponseMetadata").names(),
            ["RequestId"],
            "{}",
            self.body
        );
        if let Some(h) = &self.request_id_header {
            assert_eq!(h, &rid, "x-amzn-RequestId header vs <RequestId>");
        }
        root
    }

    /// A successful non-void operation: `<OpResponse><OpResult>…</OpResult><ResponseMetadata>`.
    /// Returns the `<OpResult>` element.
    fn ok(&self, op: &str) -> Node {
        let mut root = self.envelope(op);
        assert_eq!(
            root.names(),
            [format!("{op}Result").as_str(), "ResponseMetadata"],
            "{}",
            self.body
        );
        root.children.remove(0)
    }

    /// A successful void operation: only `<ResponseMetadata>`, no `<OpResult>`.
    fn void(&self, op: &str) {
        let root = self.envelope(op);
        assert_eq!(root.names(), ["ResponseMetadata"], "{}", self.body);
    }

    /// An error: `<ErrorResponse xmlns><Error><Type>Sender</Type><Code/><Message/></Error>
    /// <RequestId/></ErrorResponse>` with the given HTTP status. Returns the `<Error>` element.
    fn err(&self, status: u16, code: &str) -> Node {
        let e = self.any_err(status);
        assert_eq!(e.text("Code"), code, "{}", self.head());
        e
    }

    /// An error with the given status and any code; returns the `<Error>` element.
    fn any_err(&self, status: u16) -> Node {
        assert_eq!(self.status, status, "{}", self.head());
        assert!(
            self.content_type.starts_with("text/xml"),
            "error content-type {:?}",
            self.content_type
        );
        let mut root = self.xml();
        assert_eq!(root.name, "ErrorResponse", "{}", self.body);
        assert_eq!(root.attr("xmlns"), Some(NS), "{}", self.body);
        assert_eq!(root.names(), ["Error", "RequestId"], "{}", self.body);
        let rid = root.text("RequestId");
        assert!(!rid.is_empty());
        if let Some(h) = &self.request_id_header {
            assert_eq!(h, &rid, "x-amzn-RequestId header vs <RequestId>");
        }
        let e = root.children.remove(0);
        for n in e.names() {
            assert!(
                ["Type", "Code", "Message", "Detail"].contains(&n),
                "unexpected <{n}> in <Error>: {}",
                self.body
            );
        }
        let want_type = if status >= 500 { "Receiver" } else { "Sender" };
        assert_eq!(e.text("Type"), want_type, "{}", self.body);
        assert!(!e.text("Message").is_empty(), "{}", self.body);
        e
    }
}

#[derive(Clone)]
struct Query {
    endpoint: String,
    http: reqwest::Client,
    auth: Option<&'static str>,
}

impl Query {
    fn new(server: &RunningServer) -> Query {
        Query {
            endpoint: server.endpoint(),
            http: reqwest::Client::new(),
            auth: None,
        }
    }

    /// Requests carrying a SigV4 header for account 123456789012 in eu-west-1.
    fn signed(&self) -> Query {
        Query {
            auth: Some(SIGNED),
            ..self.clone()
        }
    }

    async fn finish(&self, mut req: reqwest::RequestBuilder) -> Resp {
        if let Some(a) = self.auth {
            req = req.header("authorization", a);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let header = |n: &str| {
            res.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header("content-type").unwrap_or_default();
        let request_id_header = header("x-amzn-requestid");
        let body = res.text().await.expect("body");
        Resp {
            status,
            content_type,
            request_id_header,
            body,
        }
    }

    /// POST raw bytes to `path` with extra headers.
    async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self
            .http
            .post(format!("{}{path}", self.endpoint))
            .header("content-type", content_type)
            .body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.finish(req).await
    }

    /// GET `path_and_query` as is.
    async fn get(&self, path_and_query: &str) -> Resp {
        self.finish(self.http.get(format!("{}{path_and_query}", self.endpoint)))
            .await
    }

    fn form(action: &str, params: &[(String, String)]) -> String {
        let mut all = owned(&[("Action", action), ("Version", "2012-11-05")]);
        all.extend_from_slice(params);
        encode(&all)
    }

    /// `Action=<action>&Version=2012-11-05&…` posted to `path`.
    async fn at(&self, path: &str, action: &str, params: &[(String, String)]) -> Resp {
        self.post_raw(path, FORM, Query::form(action, params).into_bytes(), &[])
            .await
    }

    async fn call(&self, action: &str, params: &[(&str, &str)]) -> Resp {
        self.at("/", action, &owned(params)).await
    }

    async fn call_with(&self, action: &str, params: &[(String, String)]) -> Resp {
        self.at("/", action, params).await
    }

    /// The same request as a GET with a query string.
    async fn get_action(&self, path: &str, action: &str, params: &[(&str, &str)]) -> Resp {
        self.get(&format!("{path}?{}", Query::form(action, &owned(params))))
            .await
    }

    async fn create(&self, name: &str, attrs: &[(&str, &str)]) -> String {
        let mut params = owned(&[("QueueName", name)]);
        params.extend(queue_attrs(attrs));
        let r = self.call_with("CreateQueue", &params).await;
        let url = r.ok("CreateQueue").text("QueueUrl");
        assert!(url.ends_with(&format!("/{name}")), "{url}");
        url
    }

    async fn send(&self, url: &str, body: &str) -> Node {
        self.call("SendMessage", &[("QueueUrl", url), ("MessageBody", body)])
            .await
            .ok("SendMessage")
    }

    /// ReceiveMessage; returns the `<Message>` elements.
    async fn receive(&self, url: &str, extra: &[(&str, &str)]) -> Vec<Node> {
        let mut params = owned(&[("QueueUrl", url)]);
        params.extend(owned(extra));
        let mut result = self
            .call_with("ReceiveMessage", &params)
            .await
            .ok("ReceiveMessage");
        for n in result.names() {
            assert_eq!(n, "Message", "ReceiveMessageResult holds only <Message>");
        }
        std::mem::take(&mut result.children)
    }

    async fn queue_attr(&self, url: &str, name: &str) -> Option<String> {
        let r = self
            .call(
                "GetQueueAttributes",
                &[("QueueUrl", url), ("AttributeName.1", name)],
            )
            .await;
        r.ok("GetQueueAttributes").pair("Attribute", "Name", name)
    }

    async fn arn(&self, url: &str) -> String {
        self.queue_attr(url, "QueueArn").await.expect("QueueArn")
    }
}

fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/')
        .map_or("/".to_string(), |i| rest[i..].to_string())
}

async fn start() -> (RunningServer, Query) {
    let server = common::start().await;
    let q = Query::new(&server);
    (server, q)
}

async fn start_manual() -> (RunningServer, Query, ManualClock) {
    let (server, clock) = common::start_with_manual_clock().await;
    let q = Query::new(&server);
    (server, q, clock)
}

// ---------------------------------------------------------------------------------------------
// Envelope, CreateQueue, GetQueueUrl, ListQueues
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_queue_returns_namespaced_result_and_request_id() {
    let (server, q) = start().await;
    let r = q.call("CreateQueue", &[("QueueName", "envelope")]).await;
    assert!(
        r.request_id_header.is_some(),
        "x-amzn-RequestId header missing"
    );
    let result = r.ok("CreateQueue");
    assert_eq!(result.names(), ["QueueUrl"]);
    assert_eq!(
        result.text("QueueUrl"),
        format!("{}/{ACCOUNT}/envelope", server.endpoint())
    );
    // Request ids differ between requests.
    let r2 = q.call("GetQueueUrl", &[("QueueName", "envelope")]).await;
    let id1 = r.xml().child("ResponseMetadata").text("RequestId");
    let id2 = r2.xml().child("ResponseMetadata").text("RequestId");
    assert_ne!(id1, id2);
}

#[tokio::test]
async fn create_queue_with_attributes_and_tags() {
    let (_server, q, _clock) = start_manual().await;
    let mut params = owned(&[("QueueName", "configured")]);
    params.extend(queue_attrs(&[
        ("VisibilityTimeout", "45"),
        ("DelaySeconds", "3"),
        ("MessageRetentionPeriod", "600"),
        ("MaximumMessageSize", "2048"),
        ("ReceiveMessageWaitTimeSeconds", "7"),
    ]));
    params.extend(owned(&[
        ("Tag.1.Key", "env"),
        ("Tag.1.Value", "dev"),
        ("Tag.2.Key", "team"),
        ("Tag.2.Value", "a&b <c>"),
    ]));
    let url = q
        .call_with("CreateQueue", &params)
        .await
        .ok("CreateQueue")
        .text("QueueUrl");

    let r = q
        .call(
            "GetQueueAttributes",
            &[("QueueUrl", &url), ("AttributeName.1", "All")],
        )
        .await;
    let result = r.ok("GetQueueAttributes");
    for n in result.names() {
        assert_eq!(n, "Attribute", "attributes are flattened: {}", r.body);
    }
    let attrs = result.pairs("Attribute", "Name");
    let get = |n: &str| {
        attrs
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("attribute {n} missing: {attrs:?}"))
    };
    assert_eq!(get("VisibilityTimeout"), "45");
    assert_eq!(get("DelaySeconds"), "3");
    assert_eq!(get("MessageRetentionPeriod"), "600");
    assert_eq!(get("MaximumMessageSize"), "2048");
    assert_eq!(get("ReceiveMessageWaitTimeSeconds"), "7");
    assert_eq!(
        get("QueueArn"),
        "arn:aws:sqs:us-east-1:000000000000:configured"
    );
    assert_eq!(get("ApproximateNumberOfMessages"), "0");
    assert_eq!(get("ApproximateNumberOfMessagesNotVisible"), "0");
    assert_eq!(get("ApproximateNumberOfMessagesDelayed"), "0");
    // Epoch seconds (the manual clock starts at 2026-01-01T00:00:00Z).
    assert_eq!(get("CreatedTimestamp"), "1767225600");
    assert_eq!(get("LastModifiedTimestamp"), "1767225600");
    assert!(
        attrs.iter().all(|(k, _)| k != "FifoQueue"),
        "a standard queue has no FifoQueue attribute: {attrs:?}"
    );
    let mut names: Vec<&str> = attrs.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), attrs.len(), "duplicate attributes: {attrs:?}");

    let r = q.call("ListQueueTags", &[("QueueUrl", &url)]).await;
    let result = r.ok("ListQueueTags");
    for n in result.names() {
        assert_eq!(n, "Tag", "tags are flattened: {}", r.body);
    }
    let mut tags = result.pairs("Tag", "Key");
    tags.sort();
    assert_eq!(
        tags,
        [
            ("env".to_string(), "dev".to_string()),
            ("team".to_string(), "a&b <c>".to_string())
        ]
    );
}

#[tokio::test]
async fn create_queue_defaults() {
    let (_server, q) = start().await;
    let url = q.create("defaults", &[]).await;
    for (name, want) in [
        ("VisibilityTimeout", "30"),
        ("DelaySeconds", "0"),
        ("MaximumMessageSize", "1048576"),
        ("MessageRetentionPeriod", "345600"),
        ("ReceiveMessageWaitTimeSeconds", "0"),
    ] {
        assert_eq!(
            q.queue_attr(&url, name).await.as_deref(),
            Some(want),
            "{name}"
        );
    }
}

#[tokio::test]
async fn create_queue_is_idempotent_only_with_identical_attributes() {
    let (_server, q) = start().await;
    let url = q.create("idem", &[("VisibilityTimeout", "10")]).await;
    assert_eq!(q.create("idem", &[("VisibilityTimeout", "10")]).await, url);
    let mut params = owned(&[("QueueName", "idem")]);
    params.extend(queue_attrs(&[("VisibilityTimeout", "20")]));
    q.call_with("CreateQueue", &params)
        .await
        .err(400, "QueueAlreadyExists");
}

#[tokio::test]
async fn create_queue_rejects_bad_names_and_attributes() {
    let (_server, q) = start().await;
    for name in ["bad name", "bad!", &"x".repeat(81)] {
        q.call("CreateQueue", &[("QueueName", name)])
            .await
            .err(400, "InvalidParameterValue");
    }
    // Exactly 80 characters is fine.
    q.create(&"y".repeat(80), &[]).await;
    let mut p = owned(&[("QueueName", "badattr")]);
    p.extend(queue_attrs(&[("VisibilityTimeout", "43201")]));
    q.call_with("CreateQueue", &p)
        .await
        .err(400, "InvalidAttributeValue");
    let mut p = owned(&[("QueueName", "badattr")]);
    p.extend(queue_attrs(&[("NoSuchAttribute", "1")]));
    q.call_with("CreateQueue", &p)
        .await
        .err(400, "InvalidAttributeName");
    // An attribute name without its value.
    q.call(
        "CreateQueue",
        &[
            ("QueueName", "badattr"),
            ("Attribute.1.Name", "DelaySeconds"),
        ],
    )
    .await
    .any_err(400);
    // FifoQueue=true on a name without the .fifo suffix.
    let mut p = owned(&[("QueueName", "notfifo")]);
    p.extend(queue_attrs(&[("FifoQueue", "true")]));
    q.call_with("CreateQueue", &p).await.any_err(400);
    // None of the failed creations left a queue behind.
    let r = q
        .call("ListQueues", &[("QueueNamePrefix", "badattr")])
        .await;
    assert!(r.ok("ListQueues").texts("QueueUrl").is_empty());
}

#[tokio::test]
async fn get_queue_url_and_non_existent_queue() {
    let (server, q) = start().await;
    let url = q.create("findme", &[]).await;
    let r = q.call("GetQueueUrl", &[("QueueName", "findme")]).await;
    assert_eq!(r.ok("GetQueueUrl").text("QueueUrl"), url);
    let r = q
        .call(
            "GetQueueUrl",
            &[("QueueName", "findme"), ("QueueOwnerAWSAccountId", ACCOUNT)],
        )
        .await;
    assert_eq!(r.ok("GetQueueUrl").text("QueueUrl"), url);
    let r = q.call("GetQueueUrl", &[("QueueName", "missing")]).await;
    r.err(400, NON_EXISTENT);
    // Queue names are case-sensitive.
    q.call("GetQueueUrl", &[("QueueName", "FINDME")])
        .await
        .err(400, NON_EXISTENT);
    q.call("GetQueueUrl", &[])
        .await
        .err(400, "MissingParameter");
    drop(server);
}

#[tokio::test]
async fn queue_url_host_follows_the_host_header() {
    let (_server, q) = start().await;
    let body = Query::form("CreateQueue", &owned(&[("QueueName", "hosted")])).into_bytes();
    let r = q
        .post_raw("/", FORM, body, &[("host", "localhost:4566")])
        .await;
    assert_eq!(
        r.ok("CreateQueue").text("QueueUrl"),
        "http://localhost:4566/000000000000/hosted"
    );
}

#[tokio::test]
async fn list_queues_prefix_pagination_and_empty_result() {
    let (_server, q) = start().await;
    let r = q.call("ListQueues", &[]).await;
    let result = r.ok("ListQueues");
    assert!(result.children.is_empty(), "{}", r.body);

    let mut urls = Vec::new();
    for i in 0..5 {
        urls.push(q.create(&format!("page-{i}"), &[]).await);
    }
    q.create("other", &[]).await;

    let r = q.call("ListQueues", &[("QueueNamePrefix", "page-")]).await;
    let result = r.ok("ListQueues");
    assert_eq!(result.names(), ["QueueUrl"; 5], "flattened: {}", r.body);
    let mut got = result.texts("QueueUrl");
    got.sort();
    assert_eq!(got, urls);

    let r = q.call("ListQueues", &[]).await;
    assert_eq!(r.ok("ListQueues").texts("QueueUrl").len(), 6);

    // Pages of two; NextToken only while more remain.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let mut p = vec![("QueueNamePrefix", "page-"), ("MaxResults", "2")];
        if let Some(t) = &token {
            p.push(("NextToken", t));
        }
        let r = q.call("ListQueues", &p).await;
        let result = r.ok("ListQueues");
        let page = result.texts("QueueUrl");
        assert!(page.len() <= 2 && !page.is_empty(), "{}", r.body);
        seen.extend(page);
        token = result.opt_text("NextToken");
        if token.is_none() {
            break;
        }
    }
    assert!(token.is_none(), "pagination did not end");
    seen.sort();
    assert_eq!(seen, urls);

    for bad in ["0", "1001", "abc"] {
        q.call("ListQueues", &[("MaxResults", bad)])
            .await
            .any_err(400);
    }
}

#[tokio::test]
async fn get_requests_with_query_strings_work() {
    let (_server, q) = start().await;
    let url = q.create("viaget", &[]).await;
    let r = q.get_action("/", "ListQueues", &[]).await;
    assert_eq!(r.ok("ListQueues").texts("QueueUrl"), [url.as_str()]);
    let r = q
        .get_action(
            "/",
            "SendMessage",
            &[("QueueUrl", &url), ("MessageBody", "got by get & co")],
        )
        .await;
    r.ok("SendMessage");
    let r = q.get_action(&path_of(&url), "ReceiveMessage", &[]).await;
    let result = r.ok("ReceiveMessage");
    assert_eq!(result.child("Message").text("Body"), "got by get & co");
}

// ---------------------------------------------------------------------------------------------
// Queue attributes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn set_and_get_queue_attributes() {
    let (_server, q) = start().await;
    let url = q.create("settable", &[]).await;
    let mut p = owned(&[("QueueUrl", &url)]);
    p.extend(queue_attrs(&[
        ("VisibilityTimeout", "90"),
        ("DelaySeconds", "15"),
    ]));
    q.call_with("SetQueueAttributes", &p)
        .await
        .void("SetQueueAttributes");
    let r = q
        .call(
            "GetQueueAttributes",
            &[
                ("QueueUrl", &url),
                ("AttributeName.1", "VisibilityTimeout"),
                ("AttributeName.2", "DelaySeconds"),
            ],
        )
        .await;
    let result = r.ok("GetQueueAttributes");
    let mut attrs = result.pairs("Attribute", "Name");
    attrs.sort();
    assert_eq!(
        attrs,
        [
            ("DelaySeconds".to_string(), "15".to_string()),
            ("VisibilityTimeout".to_string(), "90".to_string())
        ]
    );
    // No AttributeName: no attributes, but still a (empty) result.
    let r = q.call("GetQueueAttributes", &[("QueueUrl", &url)]).await;
    assert!(r.ok("GetQueueAttributes").children.is_empty(), "{}", r.body);

    // A policy (JSON text) round-trips through the XML unchanged.
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:000000000000:settable","Condition":{"StringLike":{"aws:SourceArn":"arn:aws:sns:*:<&>"}}}]}"#;
    let mut p = owned(&[("QueueUrl", &url)]);
    p.extend(queue_attrs(&[("Policy", policy)]));
    q.call_with("SetQueueAttributes", &p)
        .await
        .void("SetQueueAttributes");
    let got = q.queue_attr(&url, "Policy").await.expect("Policy");
    let got: serde_json::Value = serde_json::from_str(&got).expect("policy JSON");
    let want: serde_json::Value = serde_json::from_str(policy).expect("JSON");
    assert_eq!(got, want);

    let mut p = owned(&[("QueueUrl", &url)]);
    p.extend(queue_attrs(&[("VisibilityTimeout", "-1")]));
    q.call_with("SetQueueAttributes", &p)
        .await
        .err(400, "InvalidAttributeValue");
    let mut p = owned(&[("QueueUrl", &url)]);
    p.extend(queue_attrs(&[("Bogus", "1")]));
    q.call_with("SetQueueAttributes", &p)
        .await
        .err(400, "InvalidAttributeName");
    q.call(
        "GetQueueAttributes",
        &[("QueueUrl", &url), ("AttributeName.1", "Bogus")],
    )
    .await
    .err(400, "InvalidAttributeName");
    assert_eq!(
        q.queue_attr(&url, "VisibilityTimeout").await.as_deref(),
        Some("90")
    );
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn send_receive_delete_round_trip() {
    let (_server, q, _clock) = start_manual().await;
    let url = q.create("roundtrip", &[]).await;
    let sent = q.send(&url, "hello").await;
    let mut names = sent.names();
    names.sort_unstable();
    assert_eq!(names, ["MD5OfMessageBody", "MessageId"]);
    assert_eq!(
        sent.text("MD5OfMessageBody"),
        "5d41402abc4b2a76b9719d911017c592"
    );
    let id = sent.text("MessageId");
    assert!(!id.is_empty());

    assert_eq!(
        q.queue_attr(&url, "ApproximateNumberOfMessages")
            .await
            .as_deref(),
        Some("1")
    );

    let msgs = q
        .receive(
            &url,
            &[("AttributeName.1", "All"), ("MaxNumberOfMessages", "10")],
        )
        .await;
    assert_eq!(msgs.len(), 1);
    let m = &msgs[0];
    for n in m.names() {
        assert!(
            [
                "MessageId",
                "ReceiptHandle",
                "MD5OfBody",
                "Body",
                "Attribute"
            ]
            .contains(&n),
            "unexpected <{n}> in <Message> (no message attributes were sent)"
        );
    }
    assert_eq!(m.text("MessageId"), id);
    assert_eq!(m.text("Body"), "hello");
    assert_eq!(m.text("MD5OfBody"), "5d41402abc4b2a76b9719d911017c592");
    assert!(!m.text("ReceiptHandle").is_empty());
    let attrs = m.pairs("Attribute", "Name");
    let get = |n: &str| {
        attrs
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{n} missing in {attrs:?}"))
    };
    assert_eq!(get("SentTimestamp"), "1767225600000");
    assert_eq!(get("ApproximateFirstReceiveTimestamp"), "1767225600000");
    assert_eq!(get("ApproximateReceiveCount"), "1");
    assert!(!get("SenderId").is_empty());
    assert!(attrs.iter().all(|(k, _)| k != "MessageGroupId"));

    // In flight: not received again, counted as not visible.
    assert!(q.receive(&url, &[]).await.is_empty());
    assert_eq!(
        q.queue_attr(&url, "ApproximateNumberOfMessagesNotVisible")
            .await
            .as_deref(),
        Some("1")
    );
    q.call(
        "DeleteMessage",
        &[
            ("QueueUrl", &url),
            ("ReceiptHandle", &m.text("ReceiptHandle")),
        ],
    )
    .await
    .void("DeleteMessage");
    assert_eq!(
        q.queue_attr(&url, "ApproximateNumberOfMessagesNotVisible")
            .await
            .as_deref(),
        Some("0")
    );
    // An empty receive is an empty result element.
    let r = q.call("ReceiveMessage", &[("QueueUrl", &url)]).await;
    assert!(r.ok("ReceiveMessage").children.is_empty(), "{}", r.body);
}

#[tokio::test]
async fn receive_without_attribute_names_returns_no_attributes() {
    let (_server, q) = start().await;
    let url = q.create("bare", &[]).await;
    let mut p = owned(&[("QueueUrl", &url), ("MessageBody", "b")]);
    p.extend(str_attr("", 1, "s", "String", "v"));
    q.call_with("SendMessage", &p).await.ok("SendMessage");
    let msgs = q.receive(&url, &[]).await;
    assert_eq!(msgs.len(), 1);
    let mut names = msgs[0].names();
    names.sort_unstable();
    assert_eq!(names, ["Body", "MD5OfBody", "MessageId", "ReceiptHandle"]);
}

#[tokio::test]
async fn system_attribute_names_select_attributes() {
    let (_server, q) = start().await;
    let url = q.create("sysattrs", &[]).await;
    q.send(&url, "x").await;
    let msgs = q
        .receive(
            &url,
            &[
                ("MessageSystemAttributeName.1", "ApproximateReceiveCount"),
                ("MessageSystemAttributeName.2", "SentTimestamp"),
                ("VisibilityTimeout", "0"),
            ],
        )
        .await;
    let mut attrs: Vec<String> = msgs[0]
        .pairs("Attribute", "Name")
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    attrs.sort();
    assert_eq!(attrs, ["ApproximateReceiveCount", "SentTimestamp"]);
    // The deprecated AttributeName.N form selects the same way.
    let msgs = q
        .receive(&url, &[("AttributeName.1", "ApproximateReceiveCount")])
        .await;
    assert_eq!(
        msgs[0].pairs("Attribute", "Name"),
        [("ApproximateReceiveCount".to_string(), "2".to_string())]
    );
}

#[tokio::test]
async fn message_attributes_md5s_follow_the_test_vectors() {
    let (_server, q) = start().await;
    let url = q.create("md5s", &[]).await;

    // {s: String "v"}
    let mut p = owned(&[("QueueUrl", &url), ("MessageBody", "one")]);
    p.extend(str_attr("", 1, "s", "String", "v"));
    let r = q.call_with("SendMessage", &p).await.ok("SendMessage");
    assert_eq!(
        r.text("MD5OfMessageAttributes"),
        "f711c779386017be0858627ced765df3"
    );
    assert!(r.opt("MD5OfMessageSystemAttributes").is_none());

    // {s: String "v", b: Binary 0x0102, n: Number.int "5"}, given in unsorted order.
    let mut p = owned(&[("QueueUrl", &url), ("MessageBody", "two")]);
    p.extend(str_attr("", 1, "s", "String", "v"));
    p.extend(str_attr("", 2, "n", "Number.int", "5"));
    p.extend(bin_attr("", 3, "b", "Binary", &[1, 2]));
    let r = q.call_with("SendMessage", &p).await.ok("SendMessage");
    assert_eq!(
        r.text("MD5OfMessageAttributes"),
        "d7693a5b0204d42ff123219abe4c00ef"
    );

    // AWSTraceHeader system attribute.
    let p = owned(&[
        ("QueueUrl", &url),
        ("MessageBody", "three"),
        ("MessageSystemAttribute.1.Name", "AWSTraceHeader"),
        ("MessageSystemAttribute.1.Value.DataType", "String"),
        ("MessageSystemAttribute.1.Value.StringValue", "Root=1-abc"),
    ]);
    let r = q.call_with("SendMessage", &p).await.ok("SendMessage");
    assert_eq!(
        r.text("MD5OfMessageSystemAttributes"),
        "4777fe4e8f0ac8a9a8da35539c6fb198"
    );
    assert!(
        r.opt("MD5OfMessageAttributes").is_none(),
        "no attributes sent"
    );

    let msgs = q
        .receive(
            &url,
            &[
                ("MaxNumberOfMessages", "10"),
                ("MessageAttributeName.1", "All"),
                ("AttributeName.1", "AWSTraceHeader"),
            ],
        )
        .await;
    assert_eq!(msgs.len(), 3);
    for m in &msgs {
        match m.text("Body").as_str() {
            "one" => {
                assert_eq!(
                    m.text("MD5OfMessageAttributes"),
                    "f711c779386017be0858627ced765df3"
                );
                let a = m.child("MessageAttribute");
                let mut names = a.names();
                names.sort_unstable();
                assert_eq!(names, ["Name", "Value"]);
                assert_eq!(a.text("Name"), "s");
                let v = a.child("Value");
                let mut names = v.names();
                names.sort_unstable();
                assert_eq!(names, ["DataType", "StringValue"]);
                assert_eq!(v.text("DataType"), "String");
                assert_eq!(v.text("StringValue"), "v");
            }
            "two" => {
                assert_eq!(
                    m.text("MD5OfMessageAttributes"),
                    "d7693a5b0204d42ff123219abe4c00ef"
                );
                let attrs = m.all("MessageAttribute");
                assert_eq!(attrs.len(), 3);
                let b = attrs
                    .iter()
                    .find(|a| a.text("Name") == "b")
                    .expect("b")
                    .child("Value");
                let mut names = b.names();
                names.sort_unstable();
                assert_eq!(names, ["BinaryValue", "DataType"]);
                assert_eq!(b.text("DataType"), "Binary");
                assert_eq!(B64.decode(b.text("BinaryValue")).expect("base64"), [1, 2]);
                let n = attrs
                    .iter()
                    .find(|a| a.text("Name") == "n")
                    .expect("n")
                    .child("Value");
                assert_eq!(n.text("DataType"), "Number.int");
                assert_eq!(n.text("StringValue"), "5");
            }
            "three" => {
                assert!(m.opt("MD5OfMessageAttributes").is_none());
                assert!(m.all("MessageAttribute").is_empty());
                assert_eq!(
                    m.pair("Attribute", "Name", "AWSTraceHeader").as_deref(),
                    Some("Root=1-abc")
                );
            }
            other => panic!("unexpected body {other}"),
        }
    }
}

#[tokio::test]
async fn message_attribute_names_filter_what_is_returned_and_hashed() {
    let (_server, q) = start().await;
    let url = q.create("filtered", &[]).await;
    let mut p = owned(&[("QueueUrl", &url), ("MessageBody", "m")]);
    p.extend(str_attr("", 1, "s", "String", "v"));
    p.extend(str_attr("", 2, "other", "String", "x"));
    p.extend(str_attr("", 3, "pre.fix", "String", "y"));
    q.call_with("SendMessage", &p).await.ok("SendMessage");

    let msgs = q
        .receive(
            &url,
            &[("MessageAttributeName.1", "s"), ("VisibilityTimeout", "0")],
        )
        .await;
    let m = &msgs[0];
    assert_eq!(m.all("MessageAttribute").len(), 1);
    assert_eq!(m.child("MessageAttribute").text("Name"), "s");
    // MD5 over the returned attributes only: {s: String "v"}.
    assert_eq!(
        m.text("MD5OfMessageAttributes"),
        "f711c779386017be0858627ced765df3"
    );

    // A prefix wildcard.
    let msgs = q
        .receive(
            &url,
            &[
                ("MessageAttributeName.1", "pre.*"),
                ("VisibilityTimeout", "0"),
            ],
        )
        .await;
    let names: Vec<String> = msgs[0]
        .all("MessageAttribute")
        .iter()
        .map(|a| a.text("Name"))
        .collect();
    assert_eq!(names, ["pre.fix"]);

    // A name that matches nothing: neither attributes nor their MD5.
    let msgs = q
        .receive(
            &url,
            &[
                ("MessageAttributeName.1", "nothing"),
                ("VisibilityTimeout", "0"),
            ],
        )
        .await;
    assert!(msgs[0].all("MessageAttribute").is_empty());
    assert!(msgs[0].opt("MD5OfMessageAttributes").is_none());
}

#[tokio::test]
async fn bodies_are_xml_escaped_and_round_trip_exactly() {
    let (_server, q) = start().await;
    let url = q.create("escaping", &[]).await;
    let body = "quote \" apos ' lt < gt > amp & cr \r crlf \r\n lf \n tab \t ]]> é 日本 🦀 &amp;";
    let sent = q.send(&url, body).await;
    let want_md5 = md5_hex(body.as_bytes());
    assert_eq!(sent.text("MD5OfMessageBody"), want_md5);

    let mut p = owned(&[("QueueUrl", &url), ("MessageBody", "attr")]);
    p.extend(str_attr("", 1, "s", "String", "a\r\"<&>"));
    q.call_with("SendMessage", &p).await.ok("SendMessage");

    let r = q
        .call(
            "ReceiveMessage",
            &[
                ("QueueUrl", &url),
                ("MaxNumberOfMessages", "10"),
                ("MessageAttributeName.1", "All"),
            ],
        )
        .await;
    assert!(
        r.body.contains("&#xD;"),
        "CR must be sent as &#xD;: {}",
        r.body
    );
    assert!(
        r.body.contains("&quot;"),
        "\" must be sent as &quot;: {}",
        r.body
    );
    assert!(!r.body.contains('\r'), "no raw CR in the XML: {:?}", r.body);
    let msgs = r.ok("ReceiveMessage").children;
    assert_eq!(msgs.len(), 2, "{}", r.body);
    let m = msgs
        .iter()
        .find(|m| m.text("Body") != "attr")
        .expect("escaped message");
    // After XML parsing the body is byte-for-byte what was sent, so MD5OfBody verifies.
    assert_eq!(m.text("Body"), body);
    assert_eq!(m.text("MD5OfBody"), want_md5);
    assert_eq!(md5_hex(m.text("Body").as_bytes()), m.text("MD5OfBody"));

    let a = msgs
        .iter()
        .find(|m| m.text("Body") == "attr")
        .expect("attr");
    let v = a.child("MessageAttribute").child("Value");
    assert_eq!(v.text("StringValue"), "a\r\"<&>");
}

#[tokio::test]
async fn plus_and_percent_encodings_both_decode() {
    let (_server, q) = start().await;
    let url = q.create("encodings", &[]).await;
    // application/x-www-form-urlencoded as browsers/Java encode it: space as '+'.
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("Action", "SendMessage")
        .append_pair("Version", "2012-11-05")
        .append_pair("QueueUrl", &url)
        .append_pair("MessageBody", "a b+c=d&e%f")
        .finish();
    assert!(body.contains("a+b%2Bc"));
    q.post_raw("/", FORM, body.into_bytes(), &[])
        .await
        .ok("SendMessage");
    let msgs = q.receive(&url, &[]).await;
    assert_eq!(msgs[0].text("Body"), "a b+c=d&e%f");
    assert_eq!(msgs[0].text("MD5OfBody"), md5_hex(b"a b+c=d&e%f"));
}

#[tokio::test]
async fn message_body_validation() {
    let (_server, q) = start().await;
    let url = q.create("validation", &[]).await;
    // Characters outside the allowed XML set.
    for bad in ["a\u{1}b", "\u{0}", "x\u{FFFE}"] {
        q.call("SendMessage", &[("QueueUrl", &url), ("MessageBody", bad)])
            .await
            .err(400, "InvalidMessageContents");
    }
    // Exactly the default maximum (1 MiB) is accepted; one byte more is not.
    let max = "a".repeat(1_048_576);
    q.send(&url, &max).await;
    let over = "a".repeat(1_048_577);
    q.call("SendMessage", &[("QueueUrl", &url), ("MessageBody", &over)])
        .await
        .err(400, "InvalidParameterValue");
    // A smaller MaximumMessageSize counts body plus attributes.
    let small = q.create("small", &[("MaximumMessageSize", "1024")]).await;
    q.send(&small, &"b".repeat(1024)).await;
    let mut p = owned(&[("QueueUrl", &small), ("MessageBody", &"b".repeat(1020))]);
    p.extend(str_attr("", 1, "name", "String", "value"));
    q.call_with("SendMessage", &p)
        .await
        .err(400, "InvalidParameterValue");
    q.call("SendMessage", &[("QueueUrl", &url)])
        .await
        .err(400, "MissingParameter");
    // Delay out of range.
    q.call(
        "SendMessage",
        &[
            ("QueueUrl", &url),
            ("MessageBody", "d"),
            ("DelaySeconds", "901"),
        ],
    )
    .await
    .err(400, "InvalidParameterValue");
    // Attribute names reserved by AWS.
    let mut p = owned(&[("QueueUrl", &url), ("MessageBody", "r")]);
    p.extend(str_attr("", 1, "AWS.reserved", "String", "v"));
    q.call_with("SendMessage", &p).await.any_err(400);
    // A String attribute without a value.
    let p = owned(&[
        ("QueueUrl", &url),
        ("MessageBody", "r"),
        ("MessageAttribute.1.Name", "s"),
        ("MessageAttribute.1.Value.DataType", "String"),
    ]);
    q.call_with("SendMessage", &p).await.any_err(400);
}

#[tokio::test]
async fn receive_parameter_validation() {
    let (_server, q) = start().await;
    let url = q.create("recvparams", &[]).await;
    for (k, v) in [
        ("MaxNumberOfMessages", "0"),
        ("MaxNumberOfMessages", "11"),
        ("WaitTimeSeconds", "21"),
        ("VisibilityTimeout", "43201"),
    ] {
        q.call("ReceiveMessage", &[("QueueUrl", &url), (k, v)])
            .await
            .err(400, "InvalidParameterValue");
    }
}

#[tokio::test]
async fn visibility_timeouts_and_change_message_visibility() {
    let (_server, q, clock) = start_manual().await;
    let url = q.create("visibility", &[("VisibilityTimeout", "10")]).await;
    q.send(&url, "v").await;
    let m = q.receive(&url, &[]).await.remove(0);
    let handle = m.text("ReceiptHandle");
    clock.advance(Duration::from_secs(9));
    assert!(q.receive(&url, &[]).await.is_empty());
    clock.advance(Duration::from_secs(1));
    let again = q
        .receive(&url, &[("AttributeName.1", "ApproximateReceiveCount")])
        .await;
    assert_eq!(again.len(), 1);
    assert_eq!(
        again[0]
            .pair("Attribute", "Name", "ApproximateReceiveCount")
            .as_deref(),
        Some("2")
    );
    let handle2 = again[0].text("ReceiptHandle");
    assert_ne!(handle, handle2, "each receive gets a new receipt handle");

    // Extend, then release.
    q.call(
        "ChangeMessageVisibility",
        &[
            ("QueueUrl", &url),
            ("ReceiptHandle", &handle2),
            ("VisibilityTimeout", "100"),
        ],
    )
    .await
    .void("ChangeMessageVisibility");
    clock.advance(Duration::from_secs(99));
    assert!(q.receive(&url, &[]).await.is_empty());
    q.call(
        "ChangeMessageVisibility",
        &[
            ("QueueUrl", &url),
            ("ReceiptHandle", &handle2),
            ("VisibilityTimeout", "0"),
        ],
    )
    .await
    .void("ChangeMessageVisibility");
    let m3 = q
        .receive(&url, &[("VisibilityTimeout", "5")])
        .await
        .remove(0);
    clock.advance(Duration::from_secs(6));
    // Its visibility timeout has expired: the handle no longer changes anything. Real SQS
    // answers OK and leaves the message visible (LocalStack PR #9632, validated against AWS;
    // the same as tests/sqs_json.rs), neither InvalidParameterValue nor MessageNotInflight.
    q.call(
        "ChangeMessageVisibility",
        &[
            ("QueueUrl", &url),
            ("ReceiptHandle", &m3.text("ReceiptHandle")),
            ("VisibilityTimeout", "10"),
        ],
    )
    .await
    .void("ChangeMessageVisibility");
    assert_eq!(
        q.queue_attr(&url, "ApproximateNumberOfMessages")
            .await
            .as_deref(),
        Some("1"),
        "the message stays visible"
    );

    q.call(
        "ChangeMessageVisibility",
        &[
            ("QueueUrl", &url),
            ("ReceiptHandle", "not-a-handle"),
            ("VisibilityTimeout", "10"),
        ],
    )
    .await
    .err(400, "ReceiptHandleIsInvalid");
    q.call(
        "ChangeMessageVisibility",
        &[
            ("QueueUrl", &url),
            ("ReceiptHandle", &m3.text("ReceiptHandle")),
            ("VisibilityTimeout", "43201"),
        ],
    )
    .await
    .err(400, "InvalidParameterValue");
    q.call(
        "ChangeMessageVisibility",
        &[("QueueUrl", &url), ("ReceiptHandle", &handle)],
    )
    .await
    .err(400, "MissingParameter");
    q.call(
        "DeleteMessage",
        &[("QueueUrl", &url), ("ReceiptHandle", "not-a-handle")],
    )
    .await
    .err(400, "ReceiptHandleIsInvalid");
    q.call("DeleteMessage", &[("QueueUrl", &url)])
        .await
        .err(400, "MissingParameter");
}

#[tokio::test]
async fn delays_follow_the_clock() {
    let (_server, q, clock) = start_manual().await;
    let url = q.create("delayed", &[("DelaySeconds", "5")]).await;
    q.send(&url, "queue delay").await;
    q.call(
        "SendMessage",
        &[
            ("QueueUrl", &url),
            ("MessageBody", "message delay"),
            ("DelaySeconds", "20"),
        ],
    )
    .await
    .ok("SendMessage");
    assert!(q.receive(&url, &[]).await.is_empty());
    assert_eq!(
        q.queue_attr(&url, "ApproximateNumberOfMessagesDelayed")
            .await
            .as_deref(),
        Some("2")
    );
    clock.advance(Duration::from_secs(5));
    let m = q.receive(&url, &[("MaxNumberOfMessages", "10")]).await;
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].text("Body"), "queue delay");
    clock.advance(Duration::from_secs(15));
    let m = q.receive(&url, &[("MaxNumberOfMessages", "10")]).await;
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].text("Body"), "message delay");
}

#[tokio::test]
async fn long_poll_returns_when_a_message_arrives() {
    let (_server, q) = start().await;
    let url = q.create("longpoll", &[]).await;
    let waiter = {
        let (q, url) = (q.clone(), url.clone());
        tokio::spawn(async move {
            q.call(
                "ReceiveMessage",
                &[("QueueUrl", &url), ("WaitTimeSeconds", "20")],
            )
            .await
        })
    };
    // Send until the waiter has it (the first send may race the poll's registration, in
    // which case the waiter still gets it as a visible message).
    q.send(&url, "wake").await;
    let r = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("long poll returned")
        .expect("task");
    let msgs = r.ok("ReceiveMessage").children;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].text("Body"), "wake");
}

#[tokio::test]
async fn long_poll_expires_on_the_manual_clock() {
    let (_server, q, clock) = start_manual().await;
    let url = q.create("expiring", &[]).await;
    let waiter = {
        let (q, url) = (q.clone(), url.clone());
        tokio::spawn(async move {
            q.call(
                "ReceiveMessage",
                &[("QueueUrl", &url), ("WaitTimeSeconds", "3")],
            )
            .await
        })
    };
    // Move time on until the poll (whenever it registered) has run out.
    let mut steps = 0;
    while !waiter.is_finished() {
        steps += 1;
        assert!(steps < 2000, "long poll never expired");
        clock.advance(Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let r = waiter.await.expect("task");
    assert!(r.ok("ReceiveMessage").children.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Batches
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn send_message_batch_entries_and_failures() {
    let (_server, q) = start().await;
    let url = q.create("sendbatch", &[]).await;
    let mut p = owned(&[
        ("QueueUrl", &url),
        ("SendMessageBatchRequestEntry.1.Id", "plain"),
        ("SendMessageBatchRequestEntry.1.MessageBody", "hello"),
        ("SendMessageBatchRequestEntry.2.Id", "with-attrs_2"),
        ("SendMessageBatchRequestEntry.2.MessageBody", "attrs"),
        ("SendMessageBatchRequestEntry.3.Id", "bad"),
        ("SendMessageBatchRequestEntry.3.MessageBody", "bad\u{1}"),
    ]);
    p.extend(str_attr(
        "SendMessageBatchRequestEntry.2.",
        1,
        "s",
        "String",
        "v",
    ));
    let r = q.call_with("SendMessageBatch", &p).await;
    let result = r.ok("SendMessageBatch");
    for n in result.names() {
        assert!(
            ["SendMessageBatchResultEntry", "BatchResultErrorEntry"].contains(&n),
            "unexpected <{n}>: {}",
            r.body
        );
    }
    let ok = result.all("SendMessageBatchResultEntry");
    assert_eq!(ok.len(), 2, "{}", r.body);
    let plain = ok.iter().find(|e| e.text("Id") == "plain").expect("plain");
    let mut names = plain.names();
    names.sort_unstable();
    assert_eq!(names, ["Id", "MD5OfMessageBody", "MessageId"]);
    assert_eq!(
        plain.text("MD5OfMessageBody"),
        "5d41402abc4b2a76b9719d911017c592"
    );
    let attrs = ok
        .iter()
        .find(|e| e.text("Id") == "with-attrs_2")
        .expect("with-attrs_2");
    assert_eq!(
        attrs.text("MD5OfMessageAttributes"),
        "f711c779386017be0858627ced765df3"
    );
    let failed = result.all("BatchResultErrorEntry");
    assert_eq!(failed.len(), 1);
    let f = failed[0];
    let mut names = f.names();
    names.sort_unstable();
    assert_eq!(names, ["Code", "Id", "Message", "SenderFault"]);
    assert_eq!(f.text("Id"), "bad");
    assert_eq!(f.text("SenderFault"), "true");
    assert_eq!(f.text("Code"), "InvalidMessageContents");

    let msgs = q
        .receive(
            &url,
            &[
                ("MaxNumberOfMessages", "10"),
                ("MessageAttributeName.1", "All"),
            ],
        )
        .await;
    let mut bodies: Vec<String> = msgs.iter().map(|m| m.text("Body")).collect();
    bodies.sort();
    assert_eq!(bodies, ["attrs", "hello"]);
}

#[tokio::test]
async fn batch_request_level_errors() {
    let (_server, q) = start().await;
    let url = q.create("batcherrors", &[]).await;
    q.call("SendMessageBatch", &[("QueueUrl", &url)])
        .await
        .err(400, "AWS.SimpleQueueService.EmptyBatchRequest");
    q.call("DeleteMessageBatch", &[("QueueUrl", &url)])
        .await
        .err(400, "AWS.SimpleQueueService.EmptyBatchRequest");
    q.call("ChangeMessageVisibilityBatch", &[("QueueUrl", &url)])
        .await
        .err(400, "AWS.SimpleQueueService.EmptyBatchRequest");

    let mut p = owned(&[("QueueUrl", &url)]);
    for i in 1..=11 {
        p.push((
            format!("SendMessageBatchRequestEntry.{i}.Id"),
            format!("e{i}"),
        ));
        p.push((
            format!("SendMessageBatchRequestEntry.{i}.MessageBody"),
            "x".to_string(),
        ));
    }
    q.call_with("SendMessageBatch", &p)
        .await
        .err(400, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest");

    q.call(
        "SendMessageBatch",
        &[
            ("QueueUrl", &url),
            ("SendMessageBatchRequestEntry.1.Id", "same"),
            ("SendMessageBatchRequestEntry.1.MessageBody", "a"),
            ("SendMessageBatchRequestEntry.2.Id", "same"),
            ("SendMessageBatchRequestEntry.2.MessageBody", "b"),
        ],
    )
    .await
    .err(400, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");

    q.call(
        "SendMessageBatch",
        &[
            ("QueueUrl", &url),
            ("SendMessageBatchRequestEntry.1.Id", "not valid!"),
            ("SendMessageBatchRequestEntry.1.MessageBody", "a"),
        ],
    )
    .await
    .err(400, "AWS.SimpleQueueService.InvalidBatchEntryId");

    let big = "z".repeat(600 * 1024);
    q.call(
        "SendMessageBatch",
        &[
            ("QueueUrl", &url),
            ("SendMessageBatchRequestEntry.1.Id", "a"),
            ("SendMessageBatchRequestEntry.1.MessageBody", &big),
            ("SendMessageBatchRequestEntry.2.Id", "b"),
            ("SendMessageBatchRequestEntry.2.MessageBody", &big),
        ],
    )
    .await
    .err(400, "AWS.SimpleQueueService.BatchRequestTooLong");

    // Nothing was sent by any of the rejected batches.
    assert_eq!(
        q.queue_attr(&url, "ApproximateNumberOfMessages")
            .await
            .as_deref(),
        Some("0")
    );
}

#[tokio::test]
async fn delete_and_change_visibility_batches() {
    let (_server, q, clock) = start_manual().await;
    let url = q.create("otherbatches", &[]).await;
    for b in ["a", "b", "c"] {
        q.send(&url, b).await;
    }
    let msgs = q.receive(&url, &[("MaxNumberOfMessages", "10")]).await;
    assert_eq!(msgs.len(), 3);
    let h: Vec<String> = msgs.iter().map(|m| m.text("ReceiptHandle")).collect();

    let r = q
        .call(
            "ChangeMessageVisibilityBatch",
            &[
                ("QueueUrl", &url),
                ("ChangeMessageVisibilityBatchRequestEntry.1.Id", "c1"),
                (
                    "ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle",
                    &h[0],
                ),
                (
                    "ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout",
                    "0",
                ),
                ("ChangeMessageVisibilityBatchRequestEntry.2.Id", "c2"),
                (
                    "ChangeMessageVisibilityBatchRequestEntry.2.ReceiptHandle",
                    "garbage",
                ),
                (
                    "ChangeMessageVisibilityBatchRequestEntry.2.VisibilityTimeout",
                    "0",
                ),
            ],
        )
        .await;
    let result = r.ok("ChangeMessageVisibilityBatch");
    let ok = result.all("ChangeMessageVisibilityBatchResultEntry");
    assert_eq!(ok.len(), 1, "{}", r.body);
    assert_eq!(ok[0].names(), ["Id"]);
    assert_eq!(ok[0].text("Id"), "c1");
    let failed = result.all("BatchResultErrorEntry");
    assert_eq!(failed.len(), 1, "{}", r.body);
    assert_eq!(failed[0].text("Id"), "c2");
    assert_eq!(failed[0].text("Code"), "ReceiptHandleIsInvalid");
    assert_eq!(failed[0].text("SenderFault"), "true");
    // c1's message is visible again.
    let again = q.receive(&url, &[]).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].text("Body"), msgs[0].text("Body"));
    let h0 = again[0].text("ReceiptHandle");

    let r = q
        .call(
            "DeleteMessageBatch",
            &[
                ("QueueUrl", &url),
                ("DeleteMessageBatchRequestEntry.1.Id", "d0"),
                ("DeleteMessageBatchRequestEntry.1.ReceiptHandle", &h0),
                ("DeleteMessageBatchRequestEntry.2.Id", "d1"),
                ("DeleteMessageBatchRequestEntry.2.ReceiptHandle", &h[1]),
                ("DeleteMessageBatchRequestEntry.3.Id", "d2"),
                ("DeleteMessageBatchRequestEntry.3.ReceiptHandle", &h[2]),
                ("DeleteMessageBatchRequestEntry.4.Id", "bad"),
                ("DeleteMessageBatchRequestEntry.4.ReceiptHandle", "garbage"),
            ],
        )
        .await;
    let result = r.ok("DeleteMessageBatch");
    let mut ids: Vec<String> = result
        .all("DeleteMessageBatchResultEntry")
        .iter()
        .map(|e| {
            assert_eq!(e.names(), ["Id"]);
            e.text("Id")
        })
        .collect();
    ids.sort();
    assert_eq!(ids, ["d0", "d1", "d2"]);
    let failed = result.all("BatchResultErrorEntry");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].text("Id"), "bad");
    assert_eq!(failed[0].text("Code"), "ReceiptHandleIsInvalid");

    clock.advance(Duration::from_secs(60));
    assert!(q.receive(&url, &[]).await.is_empty(), "all three deleted");
    assert_eq!(
        q.queue_attr(&url, "ApproximateNumberOfMessages")
            .await
            .as_deref(),
        Some("0")
    );
}

// ---------------------------------------------------------------------------------------------
// PurgeQueue, DeleteQueue
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn purge_queue_and_its_sixty_second_limit() {
    let (_server, q, clock) = start_manual().await;
    let url = q.create("purged", &[]).await;
    for i in 0..3 {
        q.send(&url, &format!("m{i}")).await;
    }
    q.call("PurgeQueue", &[("QueueUrl", &url)])
        .await
        .void("PurgeQueue");
    assert!(q.receive(&url, &[]).await.is_empty());
    assert_eq!(
        q.queue_attr(&url, "ApproximateNumberOfMessages")
            .await
            .as_deref(),
        Some("0")
    );
    q.call("PurgeQueue", &[("QueueUrl", &url)])
        .await
        .err(403, "AWS.SimpleQueueService.PurgeQueueInProgress");
    clock.advance(Duration::from_secs(61));
    q.call("PurgeQueue", &[("QueueUrl", &url)])
        .await
        .void("PurgeQueue");
}

#[tokio::test]
async fn delete_queue_then_recreate_after_sixty_seconds() {
    let (_server, q, clock) = start_manual().await;
    let url = q.create("doomed", &[]).await;
    q.send(&url, "gone").await;
    q.call("DeleteQueue", &[("QueueUrl", &url)])
        .await
        .void("DeleteQueue");
    q.call("GetQueueUrl", &[("QueueName", "doomed")])
        .await
        .err(400, NON_EXISTENT);
    q.call("SendMessage", &[("QueueUrl", &url), ("MessageBody", "x")])
        .await
        .err(400, NON_EXISTENT);
    q.call("DeleteQueue", &[("QueueUrl", &url)])
        .await
        .err(400, NON_EXISTENT);
    let r = q.call("ListQueues", &[]).await;
    assert!(r.ok("ListQueues").texts("QueueUrl").is_empty());
    q.call("CreateQueue", &[("QueueName", "doomed")])
        .await
        .err(400, "AWS.SimpleQueueService.QueueDeletedRecently");
    clock.advance(Duration::from_secs(61));
    let again = q.create("doomed", &[]).await;
    assert_eq!(again, url);
    assert!(q.receive(&again, &[]).await.is_empty(), "a fresh queue");
}

// ---------------------------------------------------------------------------------------------
// Tags and permissions
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn tag_untag_and_list_queue_tags() {
    let (_server, q) = start().await;
    let url = q.create("tagged", &[]).await;
    let r = q.call("ListQueueTags", &[("QueueUrl", &url)]).await;
    assert!(r.ok("ListQueueTags").children.is_empty(), "{}", r.body);
    q.call(
        "TagQueue",
        &[
            ("QueueUrl", &url),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "dev"),
            ("Tag.2.Key", "team"),
            ("Tag.2.Value", "core"),
        ],
    )
    .await
    .void("TagQueue");
    q.call(
        "TagQueue",
        &[
            ("QueueUrl", &url),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
        ],
    )
    .await
    .void("TagQueue");
    let r = q.call("ListQueueTags", &[("QueueUrl", &url)]).await;
    let mut tags = r.ok("ListQueueTags").pairs("Tag", "Key");
    tags.sort();
    assert_eq!(
        tags,
        [
            ("env".to_string(), "prod".to_string()),
            ("team".to_string(), "core".to_string())
        ]
    );
    q.call("UntagQueue", &[("QueueUrl", &url), ("TagKey.1", "team")])
        .await
        .void("UntagQueue");
    let r = q.call("ListQueueTags", &[("QueueUrl", &url)]).await;
    assert_eq!(
        r.ok("ListQueueTags").pairs("Tag", "Key"),
        [("env".to_string(), "prod".to_string())]
    );
}

#[tokio::test]
async fn add_and_remove_permission() {
    let (_server, q) = start().await;
    let url = q.create("shared", &[]).await;
    q.call(
        "AddPermission",
        &[
            ("QueueUrl", &url),
            ("Label", "let-them-send"),
            ("AWSAccountId.1", "111111111111"),
            ("AWSAccountId.2", "222222222222"),
            ("ActionName.1", "SendMessage"),
            ("ActionName.2", "ReceiveMessage"),
        ],
    )
    .await
    .void("AddPermission");
    let policy = q.queue_attr(&url, "Policy").await.expect("Policy");
    let policy: serde_json::Value = serde_json::from_str(&policy).expect("policy JSON");
    let statements = policy["Statement"].as_array().expect("Statement");
    assert_eq!(statements.len(), 1, "{policy}");
    let s = &statements[0];
    assert_eq!(s["Sid"], "let-them-send");
    assert_eq!(s["Effect"], "Allow");
    assert_eq!(s["Resource"], "arn:aws:sqs:us-east-1:000000000000:shared");
    let text = s.to_string();
    for part in [
        "111111111111",
        "222222222222",
        "SendMessage",
        "ReceiveMessage",
    ] {
        assert!(text.contains(part), "{part} missing in {text}");
    }
    // The same label twice is rejected.
    q.call(
        "AddPermission",
        &[
            ("QueueUrl", &url),
            ("Label", "let-them-send"),
            ("AWSAccountId.1", "111111111111"),
            ("ActionName.1", "SendMessage"),
        ],
    )
    .await
    .err(400, "InvalidParameterValue");
    q.call(
        "AddPermission",
        &[("QueueUrl", &url), ("Label", "no-principals")],
    )
    .await
    .err(400, "MissingParameter");

    q.call(
        "RemovePermission",
        &[("QueueUrl", &url), ("Label", "let-them-send")],
    )
    .await
    .void("RemovePermission");
    let remaining = q.queue_attr(&url, "Policy").await;
    if let Some(p) = remaining {
        assert!(!p.contains("let-them-send"), "{p}");
    }
    q.call(
        "RemovePermission",
        &[("QueueUrl", &url), ("Label", "let-them-send")],
    )
    .await
    .err(400, "InvalidParameterValue");
}

// ---------------------------------------------------------------------------------------------
// Dead-letter queues and message move tasks
// ---------------------------------------------------------------------------------------------

async fn dlq_setup(q: &Query, clock: &ManualClock) -> (String, String, String, String) {
    let dlq = q.create("dlq", &[]).await;
    let dlq_arn = q.arn(&dlq).await;
    let policy = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"1"}}"#);
    let src = q
        .create(
            "source",
            &[("RedrivePolicy", &policy), ("VisibilityTimeout", "5")],
        )
        .await;
    let src_arn = q.arn(&src).await;
    q.send(&src, "poison").await;
    assert_eq!(q.receive(&src, &[]).await.len(), 1);
    clock.advance(Duration::from_secs(6));
    // Received once already: the next receive moves it to the dead-letter queue.
    assert!(q.receive(&src, &[]).await.is_empty());
    (src, src_arn, dlq, dlq_arn)
}

#[tokio::test]
async fn redrive_and_list_dead_letter_source_queues() {
    let (_server, q, clock) = start_manual().await;
    let (src, src_arn, dlq, dlq_arn) = dlq_setup(&q, &clock).await;
    let got = q.queue_attr(&src, "RedrivePolicy").await.expect("policy");
    let got: serde_json::Value = serde_json::from_str(&got).expect("JSON");
    assert_eq!(got["deadLetterTargetArn"], dlq_arn.as_str());

    let msgs = q.receive(&dlq, &[("AttributeName.1", "All")]).await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].text("Body"), "poison");
    assert_eq!(
        msgs[0]
            .pair("Attribute", "Name", "DeadLetterQueueSourceArn")
            .as_deref(),
        Some(src_arn.as_str())
    );

    let policy = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":3}}"#);
    let src2 = q.create("source2", &[("RedrivePolicy", &policy)]).await;
    q.create("unrelated", &[]).await;

    let r = q
        .call("ListDeadLetterSourceQueues", &[("QueueUrl", &dlq)])
        .await;
    let result = r.ok("ListDeadLetterSourceQueues");
    assert_eq!(
        result.names(),
        ["QueueUrl", "QueueUrl"],
        "flattened <QueueUrl>: {}",
        r.body
    );
    let mut urls = result.texts("QueueUrl");
    urls.sort();
    let mut want = vec![src.clone(), src2.clone()];
    want.sort();
    assert_eq!(urls, want);

    let r = q
        .call(
            "ListDeadLetterSourceQueues",
            &[("QueueUrl", &dlq), ("MaxResults", "1")],
        )
        .await;
    let result = r.ok("ListDeadLetterSourceQueues");
    let mut paged = result.texts("QueueUrl");
    assert_eq!(paged.len(), 1, "{}", r.body);
    let token = result.text("NextToken");
    let r = q
        .call(
            "ListDeadLetterSourceQueues",
            &[
                ("QueueUrl", &dlq),
                ("MaxResults", "1"),
                ("NextToken", &token),
            ],
        )
        .await;
    let result = r.ok("ListDeadLetterSourceQueues");
    paged.extend(result.texts("QueueUrl"));
    paged.sort();
    assert_eq!(paged, want);
    assert!(result.opt("NextToken").is_none(), "{}", r.body);

    let r = q
        .call("ListDeadLetterSourceQueues", &[("QueueUrl", &src2)])
        .await;
    assert!(r.ok("ListDeadLetterSourceQueues").children.is_empty());
}

#[tokio::test]
async fn message_move_task_back_to_the_source() {
    let (_server, q, clock) = start_manual().await;
    let (src, src_arn, _dlq, dlq_arn) = dlq_setup(&q, &clock).await;
    let r = q
        .call("StartMessageMoveTask", &[("SourceArn", &dlq_arn)])
        .await;
    let result = r.ok("StartMessageMoveTask");
    assert_eq!(result.names(), ["TaskHandle"]);
    assert!(!result.text("TaskHandle").is_empty());

    let entry = wait_for_status(&q, &clock, &dlq_arn, &["COMPLETED"]).await;
    assert_eq!(entry.text("SourceArn"), dlq_arn);
    assert_eq!(entry.text("ApproximateNumberOfMessagesMoved"), "1");
    assert_eq!(entry.text("ApproximateNumberOfMessagesToMove"), "1");
    assert!(entry.opt("DestinationArn").is_none() || entry.text("DestinationArn") == src_arn);
    assert_eq!(entry.text("StartedTimestamp"), "1767225606000");

    let msgs = q.receive(&src, &[]).await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].text("Body"), "poison");
}

/// Poll ListMessageMoveTasks (moving the manual clock on a second at a time) until the latest
/// task has one of the wanted statuses; returns its `<ListMessageMoveTasksResultEntry>`.
async fn wait_for_status(
    q: &Query,
    clock: &ManualClock,
    source_arn: &str,
    wanted: &[&str],
) -> Node {
    for _ in 0..500 {
        let r = q
            .call("ListMessageMoveTasks", &[("SourceArn", source_arn)])
            .await;
        let mut result = r.ok("ListMessageMoveTasks");
        for n in result.names() {
            assert_eq!(n, "ListMessageMoveTasksResultEntry", "{}", r.body);
        }
        assert_eq!(
            result.children.len(),
            1,
            "default MaxResults is 1: {}",
            r.body
        );
        let entry = result.children.remove(0);
        for n in entry.names() {
            assert!(
                [
                    "TaskHandle",
                    "Status",
                    "SourceArn",
                    "DestinationArn",
                    "MaxNumberOfMessagesPerSecond",
                    "ApproximateNumberOfMessagesMoved",
                    "ApproximateNumberOfMessagesToMove",
                    "FailureReason",
                    "StartedTimestamp",
                ]
                .contains(&n),
                "unexpected <{n}> in {}",
                r.body
            );
        }
        if wanted.contains(&entry.text("Status").as_str()) {
            return entry;
        }
        clock.advance(Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("move task never reached {wanted:?}");
}

#[tokio::test]
async fn message_move_task_with_rate_destination_and_cancel() {
    let (_server, q, clock) = start_manual().await;
    let (_src, _src_arn, dlq, dlq_arn) = dlq_setup(&q, &clock).await;
    for i in 0..4 {
        q.send(&dlq, &format!("extra{i}")).await;
    }
    let dest = q.create("destination", &[]).await;
    let dest_arn = q.arn(&dest).await;
    let r = q
        .call(
            "StartMessageMoveTask",
            &[
                ("SourceArn", &dlq_arn),
                ("DestinationArn", &dest_arn),
                ("MaxNumberOfMessagesPerSecond", "1"),
            ],
        )
        .await;
    let handle = r.ok("StartMessageMoveTask").text("TaskHandle");

    let r = q
        .call("ListMessageMoveTasks", &[("SourceArn", &dlq_arn)])
        .await;
    let result = r.ok("ListMessageMoveTasks");
    let entry = result.child("ListMessageMoveTasksResultEntry");
    assert_eq!(entry.text("Status"), "RUNNING", "{}", r.body);
    assert_eq!(entry.text("TaskHandle"), handle);
    assert_eq!(entry.text("DestinationArn"), dest_arn);
    assert_eq!(entry.text("MaxNumberOfMessagesPerSecond"), "1");
    assert_eq!(entry.text("ApproximateNumberOfMessagesToMove"), "5");

    let r = q
        .call("CancelMessageMoveTask", &[("TaskHandle", &handle)])
        .await;
    let result = r.ok("CancelMessageMoveTask");
    assert_eq!(result.names(), ["ApproximateNumberOfMessagesMoved"]);
    let moved: u64 = result
        .text("ApproximateNumberOfMessagesMoved")
        .parse()
        .expect("a number");
    assert!(moved < 5, "cancelled before finishing: {moved}");
    wait_for_status(&q, &clock, &dlq_arn, &["CANCELLING", "CANCELLED"]).await;

    // A second task (after the first was cancelled) runs to completion at 1 message/s.
    let r = q
        .call(
            "StartMessageMoveTask",
            &[
                ("SourceArn", &dlq_arn),
                ("DestinationArn", &dest_arn),
                ("MaxNumberOfMessagesPerSecond", "1"),
            ],
        )
        .await;
    r.ok("StartMessageMoveTask");
    let entry = wait_for_status(&q, &clock, &dlq_arn, &["COMPLETED"]).await;
    assert!(
        entry.opt("TaskHandle").is_none(),
        "only running tasks have a handle"
    );
    let r = q
        .call(
            "ListMessageMoveTasks",
            &[("SourceArn", &dlq_arn), ("MaxResults", "10")],
        )
        .await;
    assert_eq!(
        r.ok("ListMessageMoveTasks")
            .all("ListMessageMoveTasksResultEntry")
            .len(),
        2
    );
    assert_eq!(
        q.queue_attr(&dest, "ApproximateNumberOfMessages")
            .await
            .as_deref(),
        Some("5")
    );
    assert_eq!(
        q.queue_attr(&dlq, "ApproximateNumberOfMessages")
            .await
            .as_deref(),
        Some("0")
    );
    // Cancelling a task that is no longer running fails.
    q.call("CancelMessageMoveTask", &[("TaskHandle", &handle)])
        .await
        .any_err(404);
}

#[tokio::test]
async fn message_move_task_errors() {
    let (_server, q) = start().await;
    let plain = q.create("notadlq", &[]).await;
    let plain_arn = q.arn(&plain).await;
    q.call("StartMessageMoveTask", &[("SourceArn", &plain_arn)])
        .await
        .any_err(400);
    q.call(
        "StartMessageMoveTask",
        &[("SourceArn", "arn:aws:sqs:us-east-1:000000000000:nope")],
    )
    .await
    .err(404, "ResourceNotFoundException");
    q.call(
        "ListMessageMoveTasks",
        &[("SourceArn", "arn:aws:sqs:us-east-1:000000000000:nope")],
    )
    .await
    .err(404, "ResourceNotFoundException");
    q.call("StartMessageMoveTask", &[])
        .await
        .err(400, "MissingParameter");
    q.call("CancelMessageMoveTask", &[])
        .await
        .err(400, "MissingParameter");
}

// ---------------------------------------------------------------------------------------------
// FIFO
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn fifo_basics() {
    let (_server, q) = start().await;
    let url = q.create("orders.fifo", &[("FifoQueue", "true")]).await;
    assert_eq!(
        q.queue_attr(&url, "FifoQueue").await.as_deref(),
        Some("true")
    );
    assert_eq!(
        q.queue_attr(&url, "ContentBasedDeduplication")
            .await
            .as_deref(),
        Some("false")
    );

    let mut seqs = Vec::new();
    for (body, dedup) in [("first", "d1"), ("second", "d2"), ("third", "d3")] {
        let r = q
            .call(
                "SendMessage",
                &[
                    ("QueueUrl", &url),
                    ("MessageBody", body),
                    ("MessageGroupId", "g1"),
                    ("MessageDeduplicationId", dedup),
                ],
            )
            .await;
        let result = r.ok("SendMessage");
        let seq = result.text("SequenceNumber");
        assert!(
            !seq.is_empty() && seq.bytes().all(|b| b.is_ascii_digit()),
            "{seq}"
        );
        seqs.push(seq.parse::<u128>().expect("number"));
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");

    // A duplicate within the deduplication window is accepted but not enqueued again.
    q.call(
        "SendMessage",
        &[
            ("QueueUrl", &url),
            ("MessageBody", "first again"),
            ("MessageGroupId", "g1"),
            ("MessageDeduplicationId", "d1"),
        ],
    )
    .await
    .ok("SendMessage");

    let msgs = q
        .receive(
            &url,
            &[("MaxNumberOfMessages", "10"), ("AttributeName.1", "All")],
        )
        .await;
    let bodies: Vec<String> = msgs.iter().map(|m| m.text("Body")).collect();
    assert_eq!(bodies, ["first", "second", "third"]);
    let m = &msgs[0];
    assert_eq!(
        m.pair("Attribute", "Name", "MessageGroupId").as_deref(),
        Some("g1")
    );
    assert_eq!(
        m.pair("Attribute", "Name", "MessageDeduplicationId")
            .as_deref(),
        Some("d1")
    );
    assert_eq!(
        m.pair("Attribute", "Name", "SequenceNumber"),
        Some(seqs[0].to_string())
    );

    // Required and forbidden parameters.
    q.call(
        "SendMessage",
        &[
            ("QueueUrl", &url),
            ("MessageBody", "x"),
            ("MessageDeduplicationId", "d9"),
        ],
    )
    .await
    .err(400, "MissingParameter");
    q.call(
        "SendMessage",
        &[
            ("QueueUrl", &url),
            ("MessageBody", "x"),
            ("MessageGroupId", "g1"),
        ],
    )
    .await
    .err(400, "InvalidParameterValue");
    q.call(
        "SendMessage",
        &[
            ("QueueUrl", &url),
            ("MessageBody", "x"),
            ("MessageGroupId", "g1"),
            ("MessageDeduplicationId", "d10"),
            ("DelaySeconds", "5"),
        ],
    )
    .await
    .err(400, "InvalidParameterValue");
}

#[tokio::test]
async fn fifo_batches_and_content_based_deduplication() {
    let (_server, q, clock) = start_manual().await;
    let url = q
        .create(
            "cbd.fifo",
            &[("FifoQueue", "true"), ("ContentBasedDeduplication", "true")],
        )
        .await;
    let r = q
        .call(
            "SendMessageBatch",
            &[
                ("QueueUrl", &url),
                ("SendMessageBatchRequestEntry.1.Id", "a"),
                ("SendMessageBatchRequestEntry.1.MessageBody", "alpha"),
                ("SendMessageBatchRequestEntry.1.MessageGroupId", "g"),
                ("SendMessageBatchRequestEntry.2.Id", "b"),
                ("SendMessageBatchRequestEntry.2.MessageBody", "beta"),
                ("SendMessageBatchRequestEntry.2.MessageGroupId", "g"),
            ],
        )
        .await;
    let result = r.ok("SendMessageBatch");
    let entries = result.all("SendMessageBatchResultEntry");
    assert_eq!(entries.len(), 2, "{}", r.body);
    for e in &entries {
        assert!(!e.text("SequenceNumber").is_empty());
    }
    // Same body within five minutes: deduplicated.
    q.call(
        "SendMessage",
        &[
            ("QueueUrl", &url),
            ("MessageBody", "alpha"),
            ("MessageGroupId", "g"),
        ],
    )
    .await
    .ok("SendMessage");
    let msgs = q.receive(&url, &[("MaxNumberOfMessages", "10")]).await;
    let bodies: Vec<String> = msgs.iter().map(|m| m.text("Body")).collect();
    assert_eq!(bodies, ["alpha", "beta"]);
    let handles: Vec<(String, String)> = msgs
        .iter()
        .enumerate()
        .map(|(i, m)| (format!("e{i}"), m.text("ReceiptHandle")))
        .collect();
    let mut p = owned(&[("QueueUrl", &url)]);
    for (i, (id, h)) in handles.iter().enumerate() {
        p.push((
            format!("DeleteMessageBatchRequestEntry.{}.Id", i + 1),
            id.clone(),
        ));
        p.push((
            format!("DeleteMessageBatchRequestEntry.{}.ReceiptHandle", i + 1),
            h.clone(),
        ));
    }
    let r = q.call_with("DeleteMessageBatch", &p).await;
    assert_eq!(
        r.ok("DeleteMessageBatch")
            .all("DeleteMessageBatchResultEntry")
            .len(),
        2
    );
    // After the five-minute window the same body is a new message.
    clock.advance(Duration::from_secs(301));
    q.call(
        "SendMessage",
        &[
            ("QueueUrl", &url),
            ("MessageBody", "alpha"),
            ("MessageGroupId", "g"),
        ],
    )
    .await
    .ok("SendMessage");
    let msgs = q.receive(&url, &[]).await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].text("Body"), "alpha");
}

// ---------------------------------------------------------------------------------------------
// Queue URL forms and the queue-path endpoint
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn posts_to_the_queue_path_resolve_the_queue() {
    let (_server, q, clock) = start_manual().await;
    let url = q.create("pathq", &[]).await;
    let path = path_of(&url);
    assert_eq!(path, "/000000000000/pathq");
    let none: Vec<(String, String)> = Vec::new();

    q.at(&path, "SendMessage", &owned(&[("MessageBody", "via path")]))
        .await
        .ok("SendMessage");
    let mut p = owned(&[
        ("SendMessageBatchRequestEntry.1.Id", "b1"),
        ("SendMessageBatchRequestEntry.1.MessageBody", "batched"),
    ]);
    q.at(&path, "SendMessageBatch", &p)
        .await
        .ok("SendMessageBatch");
    let r = q
        .at(
            &path,
            "GetQueueAttributes",
            &owned(&[("AttributeName.1", "All")]),
        )
        .await;
    assert_eq!(
        r.ok("GetQueueAttributes")
            .pair("Attribute", "Name", "ApproximateNumberOfMessages")
            .as_deref(),
        Some("2")
    );
    p = queue_attrs(&[("VisibilityTimeout", "7")]);
    q.at(&path, "SetQueueAttributes", &p)
        .await
        .void("SetQueueAttributes");
    assert_eq!(
        q.queue_attr(&url, "VisibilityTimeout").await.as_deref(),
        Some("7")
    );

    let r = q
        .at(
            &path,
            "ReceiveMessage",
            &owned(&[("MaxNumberOfMessages", "10")]),
        )
        .await;
    let msgs = r.ok("ReceiveMessage").children;
    assert_eq!(msgs.len(), 2);
    let h0 = msgs[0].text("ReceiptHandle");
    let h1 = msgs[1].text("ReceiptHandle");
    q.at(
        &path,
        "ChangeMessageVisibility",
        &owned(&[("ReceiptHandle", &h0), ("VisibilityTimeout", "60")]),
    )
    .await
    .void("ChangeMessageVisibility");
    q.at(&path, "DeleteMessage", &owned(&[("ReceiptHandle", &h1)]))
        .await
        .void("DeleteMessage");
    q.at(
        &path,
        "TagQueue",
        &owned(&[("Tag.1.Key", "k"), ("Tag.1.Value", "v")]),
    )
    .await
    .void("TagQueue");
    let r = q.at(&path, "ListQueueTags", &none).await;
    assert_eq!(
        r.ok("ListQueueTags").pairs("Tag", "Key"),
        [("k".to_string(), "v".to_string())]
    );
    clock.advance(Duration::from_secs(61));
    q.at(&path, "PurgeQueue", &none).await.void("PurgeQueue");
    q.at(&path, "DeleteQueue", &none).await.void("DeleteQueue");
    q.call("GetQueueUrl", &[("QueueName", "pathq")])
        .await
        .err(400, NON_EXISTENT);
    // The path of a queue that does not exist.
    q.at(
        "/000000000000/nowhere",
        "SendMessage",
        &owned(&[("MessageBody", "x")]),
    )
    .await
    .err(400, NON_EXISTENT);
    // An explicit QueueUrl wins over the path.
    let other = q.create("explicit", &[]).await;
    q.at(
        "/000000000000/nowhere",
        "SendMessage",
        &owned(&[("QueueUrl", &other), ("MessageBody", "x")]),
    )
    .await
    .ok("SendMessage");
}

#[tokio::test]
async fn localstack_queue_url_forms_are_accepted() {
    let (_server, q) = start().await;
    let url = q.create("lsq", &[]).await;
    let forms = [
        "http://sqs.us-east-1.localhost.localstack.cloud:4566/000000000000/lsq",
        "http://localhost:4566/queue/us-east-1/000000000000/lsq",
        "http://us-east-1.queue.localhost.localstack.cloud:4566/000000000000/lsq",
        "/000000000000/lsq",
    ];
    for (i, form) in forms.iter().enumerate() {
        let r = q
            .call(
                "GetQueueAttributes",
                &[("QueueUrl", form), ("AttributeName.1", "QueueArn")],
            )
            .await;
        assert_eq!(
            r.ok("GetQueueAttributes")
                .pair("Attribute", "Name", "QueueArn")
                .as_deref(),
            Some("arn:aws:sqs:us-east-1:000000000000:lsq"),
            "{form}"
        );
        q.call(
            "SendMessage",
            &[("QueueUrl", form), ("MessageBody", &format!("form{i}"))],
        )
        .await
        .ok("SendMessage");
    }
    let msgs = q
        .receive(
            "http://localhost:4566/queue/us-east-1/000000000000/lsq",
            &[("MaxNumberOfMessages", "10")],
        )
        .await;
    assert_eq!(msgs.len(), forms.len());
    assert_eq!(
        q.queue_attr(&url, "ApproximateNumberOfMessagesNotVisible")
            .await
            .as_deref(),
        Some("4")
    );
    // The LocalStack path form is also accepted as the request path.
    q.at(
        "/queue/us-east-1/000000000000/lsq",
        "SendMessage",
        &owned(&[("MessageBody", "path form")]),
    )
    .await
    .ok("SendMessage");
    // The right account matters: the same name under another account does not exist.
    q.call(
        "SendMessage",
        &[
            (
                "QueueUrl",
                "http://sqs.us-east-1.localhost.localstack.cloud:4566/111111111111/lsq",
            ),
            ("MessageBody", "x"),
        ],
    )
    .await
    .err(400, NON_EXISTENT);
}

// ---------------------------------------------------------------------------------------------
// Accounts and regions
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn sigv4_credential_scope_selects_account_and_region() {
    let (server, q) = start().await;
    let signed = q.signed();
    let url = signed.create("scoped", &[]).await;
    assert_eq!(url, format!("{}/123456789012/scoped", server.endpoint()));
    assert_eq!(
        signed.arn(&url).await,
        "arn:aws:sqs:eu-west-1:123456789012:scoped"
    );
    let r = signed.call("ListQueues", &[]).await;
    assert_eq!(r.ok("ListQueues").texts("QueueUrl"), [url.as_str()]);
    // Unsigned requests use 000000000000 / us-east-1, where the queue is not.
    let r = q.call("ListQueues", &[]).await;
    assert!(r.ok("ListQueues").texts("QueueUrl").is_empty());
    q.call("GetQueueUrl", &[("QueueName", "scoped")])
        .await
        .err(400, NON_EXISTENT);
    let own = q.create("scoped", &[]).await;
    assert_eq!(own, format!("{}/000000000000/scoped", server.endpoint()));
    assert_eq!(
        q.arn(&own).await,
        "arn:aws:sqs:us-east-1:000000000000:scoped"
    );

    // Presigned (query-string) SigV4 parameters select the account the same way, and are
    // not mistaken for operation parameters.
    let r = q
        .get(
            "/?Action=GetQueueUrl&Version=2012-11-05&QueueName=scoped\
             &X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=123456789012%2F20260101%2Feu-west-1%2Fsqs%2Faws4_request\
             &X-Amz-Date=20260101T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=00",
        )
        .await;
    assert_eq!(r.ok("GetQueueUrl").text("QueueUrl"), url);
}

// ---------------------------------------------------------------------------------------------
// Malformed requests and protocol routing
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_and_missing_action() {
    let (_server, q) = start().await;
    q.call("NoSuchAction", &[]).await.err(400, "InvalidAction");
    q.post_raw("/", FORM, b"Version=2012-11-05".to_vec(), &[])
        .await
        .err(400, "MissingAction");
    q.post_raw("/", FORM, b"Action=&Version=2012-11-05".to_vec(), &[])
        .await
        .any_err(400);
    // Action names are case-sensitive.
    q.call("listqueues", &[]).await.err(400, "InvalidAction");
}

#[tokio::test]
async fn missing_required_parameters() {
    let (_server, q) = start().await;
    let url = q.create("required", &[]).await;
    for (action, params) in [
        ("CreateQueue", vec![]),
        ("SendMessage", vec![("MessageBody", "x")]),
        ("ReceiveMessage", vec![]),
        ("DeleteMessage", vec![("QueueUrl", url.as_str())]),
        ("GetQueueAttributes", vec![]),
        ("SetQueueAttributes", vec![]),
        ("TagQueue", vec![]),
        ("ListQueueTags", vec![]),
        ("PurgeQueue", vec![]),
        ("DeleteQueue", vec![]),
        ("ListDeadLetterSourceQueues", vec![]),
        ("ChangeMessageVisibility", vec![("QueueUrl", url.as_str())]),
        ("RemovePermission", vec![("QueueUrl", url.as_str())]),
    ] {
        let r = q.call(action, &params).await;
        assert_eq!(
            r.any_err(400).text("Code"),
            "MissingParameter",
            "{action}: {}",
            r.body
        );
    }
}

#[tokio::test]
async fn wrongly_typed_parameters() {
    let (_server, q) = start().await;
    let url = q.create("typed", &[]).await;
    for (k, v) in [
        ("MaxNumberOfMessages", "abc"),
        ("WaitTimeSeconds", "1.5"),
        ("VisibilityTimeout", "ten"),
        ("MaxNumberOfMessages", ""),
    ] {
        let r = q
            .call("ReceiveMessage", &[("QueueUrl", &url), (k, v)])
            .await;
        let code = r.any_err(400).text("Code");
        assert!(
            [
                "InvalidParameterValue",
                "InvalidQueryParameter",
                "MalformedQueryString"
            ]
            .contains(&code.as_str()),
            "{k}={v}: {code}"
        );
    }
    let r = q
        .call(
            "SendMessage",
            &[
                ("QueueUrl", &url),
                ("MessageBody", "x"),
                ("DelaySeconds", "soon"),
            ],
        )
        .await;
    r.any_err(400);
    let r = q
        .call(
            "SendMessage",
            &[
                ("QueueUrl", &url),
                ("MessageBody", "x"),
                ("MessageAttribute.1.Name", "b"),
                ("MessageAttribute.1.Value.DataType", "Binary"),
                ("MessageAttribute.1.Value.BinaryValue", "!!not base64!!"),
            ],
        )
        .await;
    r.any_err(400);
    assert_eq!(
        q.queue_attr(&url, "ApproximateNumberOfMessages")
            .await
            .as_deref(),
        Some("0")
    );
}

#[tokio::test]
async fn invalid_encodings_are_rejected_cleanly() {
    let (_server, q) = start().await;
    let url = q.create("encoded", &[]).await;
    let prefix = format!(
        "Action=SendMessage&Version=2012-11-05&QueueUrl={}&MessageBody=",
        utf8_percent_encode(&url, ENCODE)
    );
    // Percent-escapes that decode to invalid UTF-8.
    let mut body = prefix.clone().into_bytes();
    body.extend_from_slice(b"%FF%FE");
    q.post_raw("/", FORM, body, &[]).await.any_err(400);
    // Raw bytes that are not UTF-8.
    let mut body = prefix.clone().into_bytes();
    body.extend_from_slice(&[0xC3, 0x28, b'x']);
    q.post_raw("/", FORM, body, &[]).await.any_err(400);
    // Invalid UTF-8 in a GET query string.
    let r = q
        .get("/?Action=ListQueues&Version=2012-11-05&QueueNamePrefix=%C3%28")
        .await;
    r.any_err(400);
    // Nothing above was enqueued.
    assert_eq!(
        q.queue_attr(&url, "ApproximateNumberOfMessages")
            .await
            .as_deref(),
        Some("0")
    );
    // A broken escape in the action name does not match any action.
    q.post_raw(
        "/",
        FORM,
        b"Action=List%ZZQueues&Version=2012-11-05".to_vec(),
        &[],
    )
    .await
    .any_err(400);
    // A JSON body sent with the form content type has no Action.
    q.post_raw("/", FORM, br#"{"Action":"ListQueues"}"#.to_vec(), &[])
        .await
        .any_err(400);
    // The server is still fine.
    q.call("ListQueues", &[]).await.ok("ListQueues");
}

#[tokio::test]
async fn an_oversized_request_is_refused_and_the_server_survives() {
    let (_server, q) = start().await;
    let url = q.create("huge", &[]).await;
    let mut body = format!(
        "Action=SendMessage&Version=2012-11-05&QueueUrl={}&MessageBody=",
        utf8_percent_encode(&url, ENCODE)
    )
    .into_bytes();
    body.extend(std::iter::repeat_n(b'a', 12 * 1024 * 1024));
    let r = q.post_raw("/", FORM, body, &[]).await;
    assert!(
        r.status == 400 || r.status == 413,
        "status {}: {}",
        r.status,
        r.head()
    );
    if r.status == 400 {
        r.err(400, "InvalidParameterValue");
    }
    q.send(&url, "still alive").await;
    assert_eq!(
        q.queue_attr(&url, "ApproximateNumberOfMessages")
            .await
            .as_deref(),
        Some("1")
    );
}

#[tokio::test]
async fn non_existent_queue_for_every_queue_operation() {
    let (server, q) = start().await;
    let missing = format!("{}/000000000000/absent", server.endpoint());
    let m = missing.as_str();
    for (action, params) in [
        ("SendMessage", vec![("QueueUrl", m), ("MessageBody", "x")]),
        ("ReceiveMessage", vec![("QueueUrl", m)]),
        (
            "GetQueueAttributes",
            vec![("QueueUrl", m), ("AttributeName.1", "All")],
        ),
        (
            "SetQueueAttributes",
            vec![
                ("QueueUrl", m),
                ("Attribute.1.Name", "DelaySeconds"),
                ("Attribute.1.Value", "1"),
            ],
        ),
        ("PurgeQueue", vec![("QueueUrl", m)]),
        ("DeleteQueue", vec![("QueueUrl", m)]),
        ("ListQueueTags", vec![("QueueUrl", m)]),
        (
            "TagQueue",
            vec![("QueueUrl", m), ("Tag.1.Key", "k"), ("Tag.1.Value", "v")],
        ),
        ("UntagQueue", vec![("QueueUrl", m), ("TagKey.1", "k")]),
        ("ListDeadLetterSourceQueues", vec![("QueueUrl", m)]),
        (
            "SendMessageBatch",
            vec![
                ("QueueUrl", m),
                ("SendMessageBatchRequestEntry.1.Id", "a"),
                ("SendMessageBatchRequestEntry.1.MessageBody", "x"),
            ],
        ),
        (
            "AddPermission",
            vec![
                ("QueueUrl", m),
                ("Label", "l"),
                ("AWSAccountId.1", "111111111111"),
                ("ActionName.1", "SendMessage"),
            ],
        ),
        ("RemovePermission", vec![("QueueUrl", m), ("Label", "l")]),
        ("GetQueueUrl", vec![("QueueName", "absent")]),
    ] {
        let r = q.call(action, &params).await;
        assert_eq!(
            r.any_err(400).text("Code"),
            NON_EXISTENT,
            "{action}: {}",
            r.body
        );
    }
}

#[tokio::test]
async fn sns_requests_are_not_treated_as_sqs() {
    let (_server, q) = start().await;
    // CreateQueue is not an SNS action: with the SNS version it must not create an SQS queue.
    let r = q
        .post_raw(
            "/",
            FORM,
            b"Action=CreateQueue&Version=2010-03-31&QueueName=from-sns".to_vec(),
            &[],
        )
        .await;
    assert!(r.status >= 400, "{}", r.body);
    assert!(!r.body.contains(NS), "answered as SQS: {}", r.body);
    q.call("GetQueueUrl", &[("QueueName", "from-sns")])
        .await
        .err(400, NON_EXISTENT);

    // An SNS action with the SNS version gets an SNS answer, not an SQS one.
    let r = q
        .post_raw(
            "/",
            FORM,
            b"Action=ListTopics&Version=2010-03-31".to_vec(),
            &[],
        )
        .await;
    assert!(!r.body.contains(NS), "answered as SQS: {}", r.body);
    if r.status == 200 {
        let root = r.xml();
        assert_eq!(root.name, "ListTopicsResponse");
        assert_eq!(
            root.attr("xmlns"),
            Some("http://sns.amazonaws.com/doc/2010-03-31/")
        );
    }
    // AddPermission exists in both services: the version decides.
    let r = q
        .post_raw(
            "/",
            FORM,
            b"Action=AddPermission&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3Anope&Label=l&AWSAccountId.member.1=111111111111&ActionName.member.1=Publish".to_vec(),
            &[],
        )
        .await;
    assert!(r.status >= 400, "{}", r.body);
    assert!(!r.body.contains(NS), "answered as SQS: {}", r.body);
}

// ---------------------------------------------------------------------------------------------
// More behaviour over the query protocol
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn receive_defaults_to_one_message_and_caps_at_ten() {
    let (_server, q) = start().await;
    let url = q.create("counts", &[]).await;
    let mut p = owned(&[("QueueUrl", &url)]);
    for i in 1..=10 {
        p.push((
            format!("SendMessageBatchRequestEntry.{i}.Id"),
            format!("m{i}"),
        ));
        p.push((
            format!("SendMessageBatchRequestEntry.{i}.MessageBody"),
            format!("body{i}"),
        ));
    }
    q.call_with("SendMessageBatch", &p)
        .await
        .ok("SendMessageBatch");
    q.call_with("SendMessageBatch", &p)
        .await
        .ok("SendMessageBatch");
    assert_eq!(
        q.receive(&url, &[]).await.len(),
        1,
        "default MaxNumberOfMessages is 1"
    );
    let mut total = 1;
    for _ in 0..40 {
        let got = q
            .receive(&url, &[("MaxNumberOfMessages", "10")])
            .await
            .len();
        assert!(got <= 10);
        total += got;
        if total == 20 {
            break;
        }
    }
    assert_eq!(total, 20);
}

#[tokio::test]
async fn deleting_twice_with_the_same_handle_succeeds() {
    let (_server, q) = start().await;
    let url = q.create("twice", &[]).await;
    q.send(&url, "x").await;
    let h = q.receive(&url, &[]).await[0].text("ReceiptHandle");
    for _ in 0..2 {
        q.call(
            "DeleteMessage",
            &[("QueueUrl", &url), ("ReceiptHandle", &h)],
        )
        .await
        .void("DeleteMessage");
    }
}

#[tokio::test]
async fn visibility_cannot_be_extended_past_twelve_hours_from_receipt() {
    let (_server, q, clock) = start_manual().await;
    let url = q.create("twelvehours", &[]).await;
    q.send(&url, "x").await;
    let h = q.receive(&url, &[]).await[0].text("ReceiptHandle");
    clock.advance(Duration::from_secs(10));
    q.call(
        "ChangeMessageVisibility",
        &[
            ("QueueUrl", &url),
            ("ReceiptHandle", &h),
            ("VisibilityTimeout", "43200"),
        ],
    )
    .await
    .err(400, "InvalidParameterValue");
    q.call(
        "ChangeMessageVisibility",
        &[
            ("QueueUrl", &url),
            ("ReceiptHandle", &h),
            ("VisibilityTimeout", "43190"),
        ],
    )
    .await
    .void("ChangeMessageVisibility");
    // The same limit applies per entry in a batch.
    let r = q
        .call(
            "ChangeMessageVisibilityBatch",
            &[
                ("QueueUrl", &url),
                ("ChangeMessageVisibilityBatchRequestEntry.1.Id", "over"),
                (
                    "ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle",
                    &h,
                ),
                (
                    "ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout",
                    "43200",
                ),
            ],
        )
        .await;
    let result = r.ok("ChangeMessageVisibilityBatch");
    assert!(
        result
            .all("ChangeMessageVisibilityBatchResultEntry")
            .is_empty(),
        "{}",
        r.body
    );
    let failed = result.child("BatchResultErrorEntry");
    assert_eq!(failed.text("Id"), "over");
    assert_eq!(failed.text("Code"), "InvalidParameterValue");
    assert_eq!(failed.text("SenderFault"), "true");
}

#[tokio::test]
async fn purge_removes_in_flight_messages_too() {
    let (_server, q) = start().await;
    let url = q.create("purgeinflight", &[]).await;
    q.send(&url, "a").await;
    q.send(&url, "b").await;
    assert_eq!(q.receive(&url, &[]).await.len(), 1);
    q.call("PurgeQueue", &[("QueueUrl", &url)])
        .await
        .void("PurgeQueue");
    for name in [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
    ] {
        assert_eq!(
            q.queue_attr(&url, name).await.as_deref(),
            Some("0"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn messages_expire_after_the_retention_period() {
    let (_server, q, clock) = start_manual().await;
    let url = q
        .create("retention", &[("MessageRetentionPeriod", "60")])
        .await;
    q.send(&url, "old").await;
    clock.advance(Duration::from_secs(30));
    q.send(&url, "young").await;
    clock.advance(Duration::from_secs(31));
    let msgs = q.receive(&url, &[("MaxNumberOfMessages", "10")]).await;
    let bodies: Vec<String> = msgs.iter().map(|m| m.text("Body")).collect();
    assert_eq!(bodies, ["young"]);
}

#[tokio::test]
async fn message_attribute_validation() {
    let (_server, q) = start().await;
    let url = q.create("attrcheck", &[]).await;
    let cases: Vec<Vec<(String, String)>> = vec![
        str_attr("", 1, "n", "Number", "not a number"),
        str_attr("", 1, "x", "Text", "v"),
        str_attr("", 1, "bad name!", "String", "v"),
        str_attr("", 1, "a..b", "String", "v"),
        (1..=11)
            .flat_map(|i| str_attr("", i, &format!("a{i}"), "String", "v"))
            .collect(),
    ];
    for attrs in cases {
        let mut p = owned(&[("QueueUrl", &url), ("MessageBody", "m")]);
        p.extend(attrs);
        q.call_with("SendMessage", &p).await.any_err(400);
    }
    // Ten attributes are fine; custom type suffixes are kept.
    let mut p = owned(&[("QueueUrl", &url), ("MessageBody", "m")]);
    for i in 1..=9 {
        p.extend(str_attr("", i, &format!("a{i}"), "String", "v"));
    }
    p.extend(str_attr("", 10, "custom", "String.json", "{}"));
    q.call_with("SendMessage", &p).await.ok("SendMessage");
    let msgs = q
        .receive(&url, &[("MessageAttributeName.1", "custom")])
        .await;
    assert_eq!(
        msgs[0]
            .child("MessageAttribute")
            .child("Value")
            .text("DataType"),
        "String.json"
    );
    assert_eq!(
        q.queue_attr(&url, "ApproximateNumberOfMessages")
            .await
            .as_deref(),
        Some("0")
    );
}

#[tokio::test]
async fn error_messages_are_escaped_too() {
    let (_server, q) = start().await;
    // The action and parameter values echo into the error message; the XML must stay valid.
    let r = q.call("<Bad&Action>", &[]).await;
    let e = r.err(400, "InvalidAction");
    assert!(!e.text("Message").is_empty());
    let url = q.create("echo", &[]).await;
    let r = q
        .call(
            "ReceiveMessage",
            &[("QueueUrl", &url), ("MaxNumberOfMessages", "<&\"\r>")],
        )
        .await;
    r.any_err(400);
    let r = q.call("GetQueueUrl", &[("QueueName", "<&>\"'")]).await;
    r.any_err(400);
}

#[tokio::test]
async fn batch_entry_id_length_limit() {
    let (_server, q) = start().await;
    let url = q.create("idlength", &[]).await;
    let ok = "i".repeat(80);
    q.call(
        "SendMessageBatch",
        &[
            ("QueueUrl", &url),
            ("SendMessageBatchRequestEntry.1.Id", &ok),
            ("SendMessageBatchRequestEntry.1.MessageBody", "a"),
        ],
    )
    .await
    .ok("SendMessageBatch");
    let long = "i".repeat(81);
    q.call(
        "SendMessageBatch",
        &[
            ("QueueUrl", &url),
            ("SendMessageBatchRequestEntry.1.Id", &long),
            ("SendMessageBatchRequestEntry.1.MessageBody", "a"),
        ],
    )
    .await
    .err(400, "AWS.SimpleQueueService.InvalidBatchEntryId");
}

#[tokio::test]
async fn fifo_attributes_group_ordering_and_receive_attempt_ids() {
    let (_server, q) = start().await;
    let url = q
        .create(
            "groups.fifo",
            &[("FifoQueue", "true"), ("ContentBasedDeduplication", "true")],
        )
        .await;
    let r = q
        .call(
            "GetQueueAttributes",
            &[("QueueUrl", &url), ("AttributeName.1", "All")],
        )
        .await;
    let result = r.ok("GetQueueAttributes");
    assert_eq!(
        result.pair("Attribute", "Name", "FifoQueue").as_deref(),
        Some("true")
    );
    assert_eq!(
        result
            .pair("Attribute", "Name", "ContentBasedDeduplication")
            .as_deref(),
        Some("true")
    );
    assert_eq!(
        result
            .pair("Attribute", "Name", "DeduplicationScope")
            .as_deref(),
        Some("queue")
    );
    assert_eq!(
        result
            .pair("Attribute", "Name", "FifoThroughputLimit")
            .as_deref(),
        Some("perQueue")
    );

    for (body, group) in [("a1", "a"), ("a2", "a"), ("b1", "b")] {
        q.call(
            "SendMessage",
            &[
                ("QueueUrl", &url),
                ("MessageBody", body),
                ("MessageGroupId", group),
            ],
        )
        .await
        .ok("SendMessage");
    }
    // One message of group a in flight blocks the rest of group a, not group b.
    let first = q.receive(&url, &[]).await;
    assert_eq!(first[0].text("Body"), "a1");
    let next = q.receive(&url, &[("MaxNumberOfMessages", "10")]).await;
    let bodies: Vec<String> = next.iter().map(|m| m.text("Body")).collect();
    assert_eq!(bodies, ["b1"]);
    q.call(
        "DeleteMessage",
        &[
            ("QueueUrl", &url),
            ("ReceiptHandle", &first[0].text("ReceiptHandle")),
        ],
    )
    .await
    .void("DeleteMessage");

    // A retried receive with the same ReceiveRequestAttemptId returns the same messages and
    // receipt handles.
    let a = q
        .receive(&url, &[("ReceiveRequestAttemptId", "attempt-1")])
        .await;
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].text("Body"), "a2");
    let b = q
        .receive(&url, &[("ReceiveRequestAttemptId", "attempt-1")])
        .await;
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].text("MessageId"), a[0].text("MessageId"));
    assert_eq!(b[0].text("ReceiptHandle"), a[0].text("ReceiptHandle"));

    let long_group = "g".repeat(129);
    q.call(
        "SendMessage",
        &[
            ("QueueUrl", &url),
            ("MessageBody", "x"),
            ("MessageGroupId", &long_group),
        ],
    )
    .await
    .any_err(400);
}

#[tokio::test]
async fn form_content_type_without_charset_is_accepted() {
    let (_server, q) = start().await;
    let body = Query::form("CreateQueue", &owned(&[("QueueName", "nocharset")]));
    let r = q
        .post_raw(
            "/",
            "application/x-www-form-urlencoded",
            body.into_bytes(),
            &[],
        )
        .await;
    assert!(r.ok("CreateQueue").text("QueueUrl").ends_with("/nocharset"));
}

#[tokio::test]
async fn queue_default_wait_time_applies_unless_overridden() {
    let (_server, q, clock) = start_manual().await;
    let url = q
        .create("defaultwait", &[("ReceiveMessageWaitTimeSeconds", "20")])
        .await;
    // An explicit WaitTimeSeconds=0 is a short poll: it returns at once, without the clock.
    let r = tokio::time::timeout(
        Duration::from_secs(10),
        q.call(
            "ReceiveMessage",
            &[("QueueUrl", &url), ("WaitTimeSeconds", "0")],
        ),
    )
    .await
    .expect("short poll returned without the clock moving");
    assert!(r.ok("ReceiveMessage").children.is_empty());
    // Without WaitTimeSeconds the queue's 20 s applies: a message sent later is returned.
    let waiter = {
        let (q, url) = (q.clone(), url.clone());
        tokio::spawn(async move { q.call("ReceiveMessage", &[("QueueUrl", &url)]).await })
    };
    clock.advance(Duration::from_secs(10));
    q.send(&url, "late").await;
    let r = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("long poll returned")
        .expect("task");
    let msgs = r.ok("ReceiveMessage").children;
    assert_eq!(msgs.len(), 1, "the queue default long poll was not applied");
    assert_eq!(msgs[0].text("Body"), "late");
}

#[tokio::test]
async fn set_queue_attributes_updates_last_modified_timestamp() {
    let (_server, q, clock) = start_manual().await;
    let url = q.create("modified", &[]).await;
    clock.advance(Duration::from_secs(100));
    let mut p = owned(&[("QueueUrl", &url)]);
    p.extend(queue_attrs(&[("DelaySeconds", "1")]));
    q.call_with("SetQueueAttributes", &p)
        .await
        .void("SetQueueAttributes");
    assert_eq!(
        q.queue_attr(&url, "CreatedTimestamp").await.as_deref(),
        Some("1767225600")
    );
    assert_eq!(
        q.queue_attr(&url, "LastModifiedTimestamp").await.as_deref(),
        Some("1767225700")
    );
}
