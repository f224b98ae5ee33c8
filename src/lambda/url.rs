//! Function URLs over HTTP: which requests are function URL calls (the host form
//! `<url-id>.lambda-url.<region>.<anything>` and the path form `/_fogbank/lambda-url/<url-id>/...`),
//! the payload format 2.0 event made from a request, the function's answer made into the HTTP
//! response as AWS makes it, and CORS answered from the URL's config.
//!
//! Authentication is decided by the server (it holds the strict-mode credentials) and handed
//! in as a [`Caller`].

use std::collections::BTreeMap;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::engine::{Cors, LambdaEngine, MAX_SYNC_PAYLOAD, UrlTarget};
use super::runtime::Outcome;

/// The path prefix of the form that needs no DNS.
pub const PATH_PREFIX: &str = "/_fogbank/lambda-url/";

/// A request addressed to a function URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlRoute {
    pub url_id: String,
    /// The region named by the host form.
    pub region: Option<String>,
    /// The path the function sees (`/` at least).
    pub raw_path: String,
    /// The domain name the event reports.
    pub domain: String,
}

/// Who is calling, as the server established it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No signature.
    Anonymous,
    /// A SigV4 signature that holds (checked in strict mode; well-formed otherwise).
    Signed { access_key: String, account: String },
    /// A signature that does not hold (strict mode).
    BadSignature,
}

fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

/// The URL id and region of a `<url-id>.lambda-url.<region>.<...>` host name.
fn host_route(host: &str) -> Option<(String, String)> {
    let name = strip_port(host).trim_end_matches('.');
    let mut labels = name.split('.');
    let id = labels.next()?;
    if !labels.next()?.eq_ignore_ascii_case("lambda-url") {
        return None;
    }
    let region = labels.next()?;
    let ok = |s: &str| {
        !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    (ok(id) && ok(region)).then(|| (id.to_ascii_lowercase(), region.to_ascii_lowercase()))
}

/// Whether a request (by its Host and path) is a function URL call.
pub fn is_url_request(host: Option<&str>, path: &str) -> bool {
    path.starts_with(PATH_PREFIX) || host.is_some_and(|h| host_route(h).is_some())
}

/// The function URL a request addresses, if any.
pub fn route_of(host: Option<&str>, path: &str) -> Option<UrlRoute> {
    if let Some(rest) = path.strip_prefix(PATH_PREFIX) {
        let (id, tail) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if id.is_empty() {
            return None;
        }
        return Some(UrlRoute {
            url_id: id.to_ascii_lowercase(),
            region: None,
            raw_path: tail.to_string(),
            domain: String::new(),
        });
    }
    let host = host?;
    let (url_id, region) = host_route(host)?;
    Some(UrlRoute {
        url_id,
        region: Some(region),
        raw_path: if path.is_empty() { "/" } else { path }.to_string(),
        domain: strip_port(host).to_ascii_lowercase(),
    })
}

/// AWS's answer for a URL that does not exist: 403 `{"Message":null}`.
pub fn no_such_url(rid: &str) -> Response {
    message_reply(403, Value::Null, Some("AccessDeniedException"), rid)
}

/// AWS's answer for a caller the URL's auth type or policy refuses.
pub fn forbidden(rid: &str) -> Response {
    message_reply(403, json!("Forbidden"), Some("AccessDeniedException"), rid)
}

fn message_reply(status: u16, message: Value, error_type: Option<&str>, rid: &str) -> Response {
    let body = json!({ "Message": message }).to_string();
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(t) = error_type
        && let Ok(v) = HeaderValue::from_str(t)
    {
        h.insert("x-amzn-errortype", v);
    }
    set_request_id(h, rid);
    res
}

fn set_request_id(h: &mut HeaderMap, rid: &str) {
    if let Ok(v) = HeaderValue::from_str(rid) {
        h.insert("x-amzn-requestid", v);
    }
}

/// The 502 AWS answers when the function fails or answers something unusable.
pub fn bad_gateway(rid: &str) -> Response {
    let mut res = Response::new(Body::from("Internal Server Error"));
    *res.status_mut() = StatusCode::BAD_GATEWAY;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert("x-amzn-errortype", HeaderValue::from_static("LambdaError"));
    set_request_id(h, rid);
    res
}

/// Whether the caller may invoke the URL: AWS_IAM needs a signature; in strict mode a
/// resource policy statement must allow `lambda:InvokeFunctionUrl` (for NONE, to `*`; for
/// AWS_IAM, callers of another account).
pub fn authorized(target: &UrlTarget, caller: &Caller, strict: bool) -> bool {
    match (target.config.auth_type.as_str(), caller) {
        (_, Caller::BadSignature) => false,
        ("AWS_IAM", Caller::Anonymous) => false,
        ("AWS_IAM", Caller::Signed { account, .. }) => {
            !strict || *account == target.account || target.allowed(Some(account))
        }
        _ => !strict || target.allowed(None),
    }
}

/// Content types whose bodies the event carries as text.
fn is_text(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return false };
    let ct = ct.to_ascii_lowercase();
    let essence = ct.split(';').next().unwrap_or("").trim();
    essence.starts_with("text/")
        || essence.ends_with("json")
        || essence.ends_with("+xml")
        || essence.ends_with("/xml")
        || essence == "application/javascript"
}

/// `12/Mar/2020:19:03:58 +0000`.
fn clf_time(ms: u64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let iso = crate::sns::engine::iso8601(ms);
    // 2020-03-12T19:03:58.000Z
    let (y, m, d, t) = (
        iso.get(0..4).unwrap_or("1970"),
        iso.get(5..7)
            .and_then(|m| m.parse::<usize>().ok())
            .unwrap_or(1),
        iso.get(8..10).unwrap_or("01"),
        iso.get(11..19).unwrap_or("00:00:00"),
    );
    format!(
        "{d}/{}/{y}:{t} +0000",
        MONTHS.get(m.saturating_sub(1)).unwrap_or(&"Jan")
    )
}

/// Everything of the HTTP request the event is made from.
pub struct UrlRequest<'a> {
    pub method: &'a Method,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub version: axum::http::Version,
    pub body: &'a [u8],
}

/// The payload format 2.0 event of a function URL request.
pub fn event(
    route: &UrlRoute,
    target: &UrlTarget,
    req: &UrlRequest<'_>,
    caller: &Caller,
    request_id: &str,
    now_ms: u64,
) -> Value {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    let mut cookies: Vec<String> = Vec::new();
    for (k, v) in req.headers {
        let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
        if k == header::COOKIE {
            cookies.extend(
                value
                    .split(';')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string),
            );
            continue;
        }
        headers
            .entry(k.as_str().to_string())
            .and_modify(|e| {
                e.push(',');
                e.push_str(&value);
            })
            .or_insert(value);
    }
    let domain = if route.domain.is_empty() {
        format!("{}.lambda-url.{}.localhost", route.url_id, target.region)
    } else {
        route.domain.clone()
    };
    let source_ip = headers
        .get("x-forwarded-for")
        .and_then(|x| x.split(',').next())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "127.0.0.1".to_string());
    headers
        .entry("x-forwarded-proto".into())
        .or_insert_with(|| "http".into());
    headers
        .entry("x-forwarded-for".into())
        .or_insert_with(|| source_ip.clone());
    headers.entry("x-amzn-trace-id".into()).or_insert_with(|| {
        let hex = uuid::Uuid::new_v4().simple().to_string();
        format!(
            "Root=1-{:08x}-{}",
            now_ms / 1000,
            hex.get(..24).unwrap_or(&hex)
        )
    });
    let user_agent = headers.get("user-agent").cloned().unwrap_or_default();
    let mut params: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(req.query.as_bytes()) {
        params
            .entry(k.into_owned())
            .and_modify(|e| {
                e.push(',');
                e.push_str(&v);
            })
            .or_insert_with(|| v.into_owned());
    }
    let protocol = match req.version {
        axum::http::Version::HTTP_10 => "HTTP/1.0",
        axum::http::Version::HTTP_2 => "HTTP/2.0",
        _ => "HTTP/1.1",
    };
    let mut context = json!({
        "accountId": "anonymous",
        "apiId": route.url_id,
        "domainName": domain,
        "domainPrefix": route.url_id,
        "http": {
            "method": req.method.as_str(),
            "path": route.raw_path,
            "protocol": protocol,
            "sourceIp": source_ip,
            "userAgent": user_agent,
        },
        "requestId": request_id,
        "routeKey": "$default",
        "stage": "$default",
        "time": clf_time(now_ms),
        "timeEpoch": now_ms,
    });
    if let Caller::Signed {
        access_key,
        account,
    } = caller
        && target.config.auth_type == "AWS_IAM"
    {
        context["accountId"] = json!(account);
        context["authorizer"] = json!({"iam": {
            "accessKey": access_key,
            "accountId": account,
            "callerId": access_key,
            "cognitoIdentity": null,
            "principalOrgId": null,
            "userArn": format!("arn:aws:iam::{account}:root"),
            "userId": account,
        }});
    }
    let mut ev = Map::new();
    ev.insert("version".into(), json!("2.0"));
    ev.insert("routeKey".into(), json!("$default"));
    ev.insert("rawPath".into(), json!(route.raw_path));
    ev.insert("rawQueryString".into(), json!(req.query));
    if !cookies.is_empty() {
        ev.insert("cookies".into(), json!(cookies));
    }
    ev.insert("headers".into(), json!(headers));
    if !params.is_empty() {
        ev.insert("queryStringParameters".into(), json!(params));
    }
    ev.insert("requestContext".into(), context);
    let base64 = !req.body.is_empty()
        && !is_text(
            req.headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
        );
    if !req.body.is_empty() {
        let body = if base64 {
            STANDARD.encode(req.body)
        } else {
            String::from_utf8_lossy(req.body).into_owned()
        };
        ev.insert("body".into(), json!(body));
    }
    ev.insert("isBase64Encoded".into(), json!(base64));
    Value::Object(ev)
}

/// The origin's entry in the config's allowed origins (`*` or the origin itself).
fn allowed_origin(cors: &Cors, origin: &str) -> Option<String> {
    let list = cors.allow_origins.as_ref()?;
    if list.iter().any(|o| o == "*") {
        return Some("*".to_string());
    }
    list.iter()
        .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
        .then(|| origin.to_string())
}

fn insert(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

/// The answer to a CORS preflight, from the URL's config (the function is not invoked).
pub fn preflight(cors: &Cors, headers: &HeaderMap, rid: &str) -> Response {
    let mut res = Response::new(Body::empty());
    let h = res.headers_mut();
    set_request_id(h, rid);
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return res;
    };
    let Some(allow) = allowed_origin(cors, origin) else {
        return res;
    };
    insert(h, "access-control-allow-origin", &allow);
    let methods = cors.allow_methods.clone().unwrap_or_default();
    if !methods.is_empty() {
        insert(h, "access-control-allow-methods", &methods.join(","));
    }
    if let Some(allow_headers) = cors.allow_headers.as_ref().filter(|l| !l.is_empty()) {
        insert(h, "access-control-allow-headers", &allow_headers.join(","));
    }
    if let Some(expose) = cors.expose_headers.as_ref().filter(|l| !l.is_empty()) {
        insert(h, "access-control-expose-headers", &expose.join(","));
    }
    if let Some(age) = cors.max_age {
        insert(h, "access-control-max-age", &age.to_string());
    }
    if cors.allow_credentials == Some(true) {
        insert(h, "access-control-allow-credentials", "true");
    }
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    res
}

/// CORS headers on a served answer, from the URL's config.
pub fn add_cors(res: &mut Response, cors: Option<&Cors>, headers: &HeaderMap) {
    let Some(cors) = cors else { return };
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return;
    };
    let Some(allow) = allowed_origin(cors, origin) else {
        return;
    };
    let h = res.headers_mut();
    insert(h, "access-control-allow-origin", &allow);
    if let Some(expose) = cors.expose_headers.as_ref().filter(|l| !l.is_empty()) {
        insert(h, "access-control-expose-headers", &expose.join(","));
    }
    if cors.allow_credentials == Some(true) {
        insert(h, "access-control-allow-credentials", "true");
    }
    h.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// A response built from the function's `{statusCode, headers, cookies, body,
/// isBase64Encoded}` answer, or from a bare value (200, JSON).
pub fn http_response(payload: &[u8], rid: &str) -> Option<Response> {
    let value: Value = serde_json::from_slice(payload).ok()?;
    let structured = value
        .as_object()
        .filter(|o| o.contains_key("statusCode"))
        .cloned();
    let mut res;
    match structured {
        None => {
            let body = match &value {
                Value::String(s) => Bytes::from(s.clone()),
                _ => Bytes::copy_from_slice(payload),
            };
            res = Response::new(Body::from(body));
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        Some(o) => {
            let status = o
                .get("statusCode")
                .and_then(|s| {
                    s.as_u64()
                        .or_else(|| s.as_str().and_then(|t| t.parse().ok()))
                })
                .and_then(|s| u16::try_from(s).ok())
                .and_then(|s| StatusCode::from_u16(s).ok())?;
            let b64 = o
                .get("isBase64Encoded")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let body = match o.get("body") {
                None | Some(Value::Null) => Bytes::new(),
                Some(Value::String(s)) if b64 => Bytes::from(STANDARD.decode(s).ok()?),
                Some(Value::String(s)) => Bytes::from(s.clone()),
                Some(other) => Bytes::from(other.to_string()),
            };
            res = Response::new(Body::from(body));
            *res.status_mut() = status;
            let h = res.headers_mut();
            if let Some(Value::Object(hs)) = o.get("headers") {
                for (k, v) in hs {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        Value::Null => continue,
                        other => other.to_string(),
                    };
                    if let (Ok(name), Ok(val)) = (
                        header::HeaderName::from_bytes(k.as_bytes()),
                        HeaderValue::from_str(&text),
                    ) {
                        h.insert(name, val);
                    }
                }
            }
            if let Some(Value::Array(cs)) = o.get("cookies") {
                for c in cs.iter().filter_map(Value::as_str) {
                    if let Ok(v) = HeaderValue::from_str(c) {
                        h.append(header::SET_COOKIE, v);
                    }
                }
            }
            if !h.contains_key(header::CONTENT_TYPE) {
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
            }
        }
    }
    set_request_id(res.headers_mut(), rid);
    Some(res)
}

/// Serve one function URL request whose body has been read (at most [`MAX_SYNC_PAYLOAD`]):
/// a CORS preflight from the config, else (when `authorized`, see [`authorized`]) the invoke.
pub async fn serve(
    engine: &LambdaEngine,
    route: &UrlRoute,
    target: UrlTarget,
    req: UrlRequest<'_>,
    caller: &Caller,
    authorized: bool,
    rid: &str,
) -> Response {
    let cors = target.config.cors.clone();
    if req.method == Method::OPTIONS
        && req.headers.contains_key(header::ORIGIN)
        && req
            .headers
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        && let Some(c) = &cors
    {
        return preflight(c, req.headers, rid);
    }
    if !authorized {
        return forbidden(rid);
    }
    let now = super::engine::now_ms();
    let ev = event(route, &target, &req, caller, rid, now);
    let payload = Bytes::from(ev.to_string());
    if target.config.invoke_mode == "RESPONSE_STREAM"
        && let Some(engine) = engine.arc()
    {
        let mut res = streamed(engine, target, payload, rid).await;
        add_cors(&mut res, cors.as_ref(), req.headers);
        return res;
    }
    let mut res = answer(engine.invoke_url(&target, payload, rid).await, rid);
    add_cors(&mut res, cors.as_ref(), req.headers);
    res
}

/// The buffered answer of an invoke.
fn answer(result: super::LambdaResult<Outcome>, rid: &str) -> Response {
    match result {
        Ok(Outcome::Response(body)) => {
            http_response(&body, rid).unwrap_or_else(|| bad_gateway(rid))
        }
        Ok(Outcome::Error { .. }) => bad_gateway(rid),
        Err(e) if e.status == 429 => message_reply(
            429,
            json!("Rate Exceeded."),
            Some("TooManyRequestsException"),
            rid,
        ),
        Err(e) => {
            tracing::info!(code = e.code, "function URL invoke failed: {}", e.message);
            bad_gateway(rid)
        }
    }
}

/// Most bytes of a streamed HTTP response's prelude.
const MAX_PRELUDE: usize = 64 * 1024;

/// The head of a streamed response from its prelude (`{statusCode, headers, cookies}`).
fn streamed_head(prelude: &[u8]) -> Option<Response> {
    let v: Value = if prelude.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(prelude).ok()?
    };
    let mut res = Response::new(Body::empty());
    if let Some(s) = v.get("statusCode") {
        let code = s.as_u64().and_then(|c| u16::try_from(c).ok())?;
        *res.status_mut() = StatusCode::from_u16(code).ok()?;
    }
    let h = res.headers_mut();
    if let Some(Value::Object(hs)) = v.get("headers") {
        for (k, val) in hs {
            let text = match val {
                Value::String(s) => s.clone(),
                Value::Null => continue,
                other => other.to_string(),
            };
            if let (Ok(name), Ok(val)) = (
                header::HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(&text),
            ) {
                h.insert(name, val);
            }
        }
    }
    if let Some(Value::Array(cs)) = v.get("cookies") {
        for c in cs.iter().filter_map(Value::as_str) {
            if let Ok(v) = HeaderValue::from_str(c) {
                h.append(header::SET_COOKIE, v);
            }
        }
    }
    Some(res)
}

/// Serve a `RESPONSE_STREAM` URL: the body goes out as the function streams it (after the
/// prelude of an `awslambda.HttpResponseStream`); a handler that does not stream is answered
/// as a buffered one.
async fn streamed(
    engine: std::sync::Arc<LambdaEngine>,
    target: UrlTarget,
    payload: Bytes,
    rid: &str,
) -> Response {
    use super::stream::{self, Piece};
    let (sink, mut rx) = stream::register(rid);
    let request_id = rid.to_string();
    let mut run = tokio::spawn(async move {
        engine
            .invoke_url(&target, payload, &request_id)
            .await
            .map(|o| (o, String::new()))
    });
    let content_type = tokio::select! {
        biased;
        piece = rx.recv() => match piece {
            Some(Piece::Head(ct)) => ct,
            _ => None,
        },
        r = &mut run => {
            sink.close();
            let r = r
                .unwrap_or_else(|e| Err(super::LambdaError::new(500, "ServiceException", e.to_string())))
                .map(|(o, _)| o);
            return answer(r, rid);
        }
    };
    let mut first = Vec::new();
    let mut res = if content_type.as_deref() == Some(stream::HTTP_INTEGRATION) {
        let mut buf = Vec::new();
        let split = loop {
            match rx.recv().await {
                Some(Piece::Data(d)) => {
                    buf.extend_from_slice(&d);
                    if let Some((p, rest)) = stream::split_prelude(&buf) {
                        break Some((p.to_vec(), rest.to_vec()));
                    }
                    if buf.len() > MAX_PRELUDE {
                        break None;
                    }
                }
                Some(Piece::Head(_)) => {}
                None => break None,
            }
        };
        let Some((prelude, rest)) = split else {
            return bad_gateway(rid);
        };
        first = rest;
        match streamed_head(&prelude) {
            Some(r) => r,
            None => return bad_gateway(rid),
        }
    } else {
        let mut r = Response::new(Body::empty());
        if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
            r.headers_mut().insert(header::CONTENT_TYPE, ct);
        }
        r
    };
    let (mut tx, body) =
        http_body_util::channel::Channel::<Bytes, std::convert::Infallible>::new(4);
    tokio::spawn(async move {
        if !first.is_empty() && tx.send_data(Bytes::from(first)).await.is_err() {
            return;
        }
        let _ = stream::pump(run, &sink, &mut rx, &mut tx, |d| d).await;
    });
    *res.body_mut() = Body::new(body);
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_TYPE) {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
    }
    set_request_id(h, rid);
    res
}

/// The 413 for a request body over the synchronous payload limit.
pub fn too_large(rid: &str) -> Response {
    message_reply(
        413,
        json!(format!(
            "Request must be smaller than {MAX_SYNC_PAYLOAD} bytes for the InvokeFunction operation"
        )),
        Some("RequestTooLargeException"),
        rid,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_path_forms_are_recognised() {
        let id = "abcdefghijklmnopqrstuvwxyz012345";
        let r = route_of(
            Some(&format!("{id}.lambda-url.us-east-1.localhost:4566")),
            "/a/b",
        )
        .expect("host form");
        assert_eq!(r.url_id, id);
        assert_eq!(r.region.as_deref(), Some("us-east-1"));
        assert_eq!(r.raw_path, "/a/b");
        assert_eq!(r.domain, format!("{id}.lambda-url.us-east-1.localhost"));
        let r = route_of(Some("localhost:4566"), &format!("{PATH_PREFIX}{id}/x")).expect("path");
        assert_eq!((r.url_id.as_str(), r.raw_path.as_str()), (id, "/x"));
        let r = route_of(None, &format!("{PATH_PREFIX}{id}")).expect("bare");
        assert_eq!(r.raw_path, "/");
        assert!(route_of(Some("localhost:4566"), "/2015-03-31/functions").is_none());
        assert!(route_of(Some("sqs.us-east-1.localhost"), "/").is_none());
    }

    #[test]
    fn bare_and_structured_answers() {
        let r = http_response(br#""hello""#, "rid").expect("string");
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        let r = http_response(
            br#"{"statusCode":201,"headers":{"x-a":"1"},"cookies":["a=1","b=2"],"body":"aGk=","isBase64Encoded":true}"#,
            "rid",
        )
        .expect("structured");
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["x-a"], "1");
        assert_eq!(r.headers().get_all(header::SET_COOKIE).iter().count(), 2);
        assert!(http_response(br#"{"statusCode":"x"}"#, "rid").is_none());
        assert!(http_response(b"not json", "rid").is_none());
    }

    #[test]
    fn common_log_time() {
        assert_eq!(clf_time(1_583_348_638_390), "04/Mar/2020:19:03:58 +0000");
    }
}
