//! POST Object: browser form uploads (`multipart/form-data` POSTed to a bucket), handled here
//! rather than by s3s, whose PostObject holds the whole file in memory and, with no auth
//! provider (fogbank's default "any credentials"), refuses every signed form.
//!
//! The form is read as it streams: the fields before the `file` field (each at most 1 MiB,
//! 20 MiB together, as S3 caps them) are kept, the file's bytes go straight into a blob
//! (hashed on the fly, as a PUT body), and anything after the file is ignored (S3 ignores it
//! too). Then, as S3 does:
//! - `key` is required (`${filename}` is replaced by the file's name), so is the file;
//! - a `policy` (base64 JSON) is checked: not expired, every `eq` / `starts-with` /
//!   `content-length-range` condition holds (the bucket from the URL), and every form field
//!   other than the exempt ones is named by a condition;
//! - the signature (`x-amz-signature` over the policy, SigV4) is verified in strict mode with
//!   the configured secret, and ignored otherwise (any credentials are accepted);
//! - `Content-Type`, `Cache-Control`, `Content-Disposition`, `Content-Encoding`, `Expires`,
//!   `x-amz-meta-*`, `x-amz-storage-class` and `tagging` (the XML document) become the object's;
//! - the answer: a 303 to `success_action_redirect` (or `redirect`) with `bucket`, `key` and
//!   `etag` in its query; else `success_action_status` 200 or 201 (with a `PostResponse`
//!   document) or 204 (the default); `ETag`, `Location` and `x-amz-version-id` headers;
//! - the object's event is `s3:ObjectCreated:Post`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, header, request::Parts};
use axum::response::Response;
use bytes::{Buf, Bytes, BytesMut};
use futures::{Stream, StreamExt};
use s3s::post_policy::{PostPolicy, PostPolicyCondition};

use super::blob::Content;
use super::blob::WriteError;
use super::checksum::Algorithm;
use super::engine::{Fault, Meta, NewObject, S3Engine};
use super::events::EventKind;
use super::front::{KeyRefusal, Keys};

const MAX_FIELD: usize = 1024 * 1024;
const MAX_FIELDS: usize = 20 * 1024 * 1024;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The bucket of a form POST (`POST /bucket` or `POST /` on a bucket host) and the form's
/// boundary, when the request is one.
pub fn form_post(parts: &Parts) -> Option<(String, String)> {
    if parts.method != Method::POST || parts.uri.query().is_some_and(|q| !q.is_empty()) {
        return None;
    }
    let ct = parts.headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime: mime::Mime = ct.parse().ok()?;
    if mime.type_() != mime::MULTIPART || mime.subtype() != mime::FORM_DATA {
        return None;
    }
    let boundary = mime.get_param(mime::BOUNDARY)?.as_str().to_string();
    let path = parts.uri.path().trim_matches('/');
    let host_bucket = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(super::front::bucket_of_host);
    let bucket = match host_bucket {
        Some(b) if path.is_empty() => b.to_string(),
        Some(_) => return None,
        None if !path.is_empty() && !path.contains('/') => path.to_string(),
        None => return None,
    };
    Some((bucket, boundary))
}

/// An S3 error as a reply.
fn error(status: StatusCode, code: &str, message: &str, rid: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message><RequestId>{rid}</RequestId></Error>",
        xml_escape(message)
    );
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    res
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn fault_reply(f: Fault, rid: &str) -> Response {
    let status = match f.code {
        "NoSuchBucket" => StatusCode::NOT_FOUND,
        "AccessDenied" | "SignatureDoesNotMatch" | "InvalidAccessKeyId" => StatusCode::FORBIDDEN,
        "InternalError" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    error(status, f.code, &f.message, rid)
}

fn malformed() -> Fault {
    Fault::new(
        "MalformedPOSTRequest",
        "The body of your POST request is not well-formed multipart/form-data.",
    )
}

/// The request body with a read-ahead buffer.
struct Reader<S> {
    body: S,
    buf: BytesMut,
    done: bool,
}

impl<S: Stream<Item = Result<Bytes, BoxError>> + Unpin> Reader<S> {
    /// Read more; false at the end of the body.
    async fn fill(&mut self) -> Result<bool, Fault> {
        if self.done {
            return Ok(false);
        }
        match self.body.next().await {
            Some(Ok(b)) => {
                self.buf.extend_from_slice(&b);
                Ok(true)
            }
            Some(Err(_)) => Err(Fault::new(
                "IncompleteBody",
                "The request body ended before the form did.",
            )),
            None => {
                self.done = true;
                Ok(false)
            }
        }
    }

    /// Everything up to `pat` (dropped), at most `max` bytes before it.
    async fn until(&mut self, pat: &[u8], max: usize) -> Result<Bytes, Fault> {
        loop {
            if let Some(i) = memchr::memmem::find(&self.buf, pat) {
                let out = self.buf.split_to(i).freeze();
                self.buf.advance(pat.len());
                return Ok(out);
            }
            if self.buf.len() > max + pat.len() {
                return Err(Fault::new(
                    "MaxPostPreDataLengthExceeded",
                    "Your POST request fields preceeding the upload file was too large.",
                ));
            }
            if !self.fill().await? {
                return Err(malformed());
            }
        }
    }

    async fn need(&mut self, n: usize) -> Result<(), Fault> {
        while self.buf.len() < n {
            if !self.fill().await? {
                return Err(malformed());
            }
        }
        Ok(())
    }
}

/// One part's name, file name and content type, from its headers.
fn part_head(head: &[u8]) -> Option<(String, Option<String>, Option<String>)> {
    let text = std::str::from_utf8(head).ok()?;
    let (mut name, mut filename, mut ctype) = (None, None, None);
    for line in text.split("\r\n") {
        let Some((h, v)) = line.split_once(':') else {
            continue;
        };
        if h.trim().eq_ignore_ascii_case("content-type") {
            ctype = Some(v.trim().to_string());
        } else if h.trim().eq_ignore_ascii_case("content-disposition") {
            for p in v.split(';').skip(1) {
                let Some((k, val)) = p.trim().split_once('=') else {
                    continue;
                };
                let val = val.trim().trim_matches('"').to_string();
                match k.trim().to_ascii_lowercase().as_str() {
                    "name" => name = Some(val),
                    "filename" => filename = Some(val),
                    _ => {}
                }
            }
        }
    }
    Some((name?, filename, ctype))
}

/// The form fields (lower-cased names) and the file, once its bytes are stored.
struct Form {
    fields: HashMap<String, String>,
    filename: String,
    blob: Arc<super::blob::Blob>,
    digested: super::checksum::Digested,
}

async fn read_form<S>(engine: &S3Engine, body: S, boundary: &str) -> Result<Form, Fault>
where
    S: Stream<Item = Result<Bytes, BoxError>> + Unpin + Send,
{
    let mut r = Reader {
        body,
        // The first delimiter has no CRLF before it: start as if it had one.
        buf: BytesMut::from(&b"\r\n"[..]),
        done: false,
    };
    let delim = format!("\r\n--{boundary}").into_bytes();
    // The preamble.
    r.until(&delim, MAX_FIELDS).await?;
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut total = 0usize;
    loop {
        r.need(2).await?;
        if &r.buf[..2] == b"--" {
            break;
        }
        // Transport padding after the boundary, then CRLF.
        r.until(b"\r\n", 1024).await?;
        let head = r.until(b"\r\n\r\n", 16 * 1024).await?;
        let (name, filename, _ctype) = part_head(&head).ok_or_else(malformed)?;
        let name = name.to_ascii_lowercase();
        if name == "file" {
            let stream = file_stream(r, delim);
            let (blob, digested) = engine
                .blobs
                .write(Box::pin(stream), &[Algorithm::Crc64Nvme], None)
                .await
                .map_err(|e| match e {
                    WriteError::Body(e) => match e.downcast::<Fault>() {
                        Ok(f) => *f,
                        Err(_) => malformed(),
                    },
                    WriteError::Io(e) => {
                        tracing::warn!("s3: writing a POST body failed: {e}");
                        Fault::new(
                            "InternalError",
                            "We encountered an internal error. Please try again.",
                        )
                    }
                    WriteError::Length { .. } => malformed(),
                })?;
            return Ok(Form {
                fields,
                filename: filename.unwrap_or_default(),
                blob,
                digested,
            });
        }
        let value = r.until(&delim, MAX_FIELD).await?;
        total += value.len();
        if total > MAX_FIELDS {
            return Err(Fault::new(
                "MaxPostPreDataLengthExceeded",
                "Your POST request fields preceeding the upload file was too large.",
            ));
        }
        let value = String::from_utf8(value.to_vec()).map_err(|_| malformed())?;
        fields.insert(name, value);
    }
    Err(Fault::new(
        "InvalidArgument",
        "POST requires exactly one file upload per request.",
    ))
}

/// The file's bytes: the body up to the next delimiter.
fn file_stream<S>(
    reader: Reader<S>,
    delim: Vec<u8>,
) -> impl Stream<Item = Result<Bytes, BoxError>> + Send
where
    S: Stream<Item = Result<Bytes, BoxError>> + Unpin + Send,
{
    futures::stream::unfold(Some((reader, delim)), |state| async move {
        let (mut r, delim) = state?;
        loop {
            if let Some(i) = memchr::memmem::find(&r.buf, &delim) {
                let out = r.buf.split_to(i).freeze();
                // Done: the rest of the form is ignored.
                return Some((Ok(out), None));
            }
            let keep = delim.len() - 1;
            if r.buf.len() > keep + 64 * 1024 || (r.done && r.buf.len() > keep) {
                let n = r.buf.len() - keep;
                let out = r.buf.split_to(n).freeze();
                return Some((Ok(out), Some((r, delim))));
            }
            match r.fill().await {
                Ok(true) => {}
                Ok(false) => {
                    let e: BoxError = Box::new(malformed());
                    return Some((Err(e), None));
                }
                Err(f) => {
                    let e: BoxError = Box::new(f);
                    return Some((Err(e), None));
                }
            }
        }
    })
}

fn field<'a>(fields: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    fields.get(name).map(String::as_str)
}

fn policy_failed(what: String) -> Fault {
    Fault::new(
        "AccessDenied",
        format!("Invalid according to Policy: {what}"),
    )
}

/// A policy against the form (`bucket` from the URL).
fn check_policy(
    policy: &PostPolicy,
    fields: &HashMap<String, String>,
    bucket: &str,
    size: u64,
) -> Result<(), Fault> {
    let expires: time::OffsetDateTime = policy.expiration.clone().into();
    if time::OffsetDateTime::now_utc() >= expires {
        return Err(policy_failed("Policy expired.".into()));
    }
    let value = |name: &str| -> String {
        if name == "bucket" {
            return bucket.to_string();
        }
        field(fields, name).unwrap_or("").to_string()
    };
    for c in &policy.conditions {
        match c {
            PostPolicyCondition::Eq { field, value: want } => {
                if value(field) != *want {
                    return Err(policy_failed(format!(
                        "Policy Condition failed: [\"eq\", \"${field}\", \"{want}\"]"
                    )));
                }
            }
            PostPolicyCondition::StartsWith { field, prefix } => {
                if !value(field).starts_with(prefix.as_str()) {
                    return Err(policy_failed(format!(
                        "Policy Condition failed: [\"starts-with\", \"${field}\", \"{prefix}\"]"
                    )));
                }
            }
            PostPolicyCondition::ContentLengthRange { min, max } => {
                if size > *max {
                    return Err(Fault::new(
                        "EntityTooLarge",
                        "Your proposed upload exceeds the maximum allowed size",
                    ));
                }
                if size < *min {
                    return Err(Fault::new(
                        "EntityTooSmall",
                        "Your proposed upload is smaller than the minimum allowed size",
                    ));
                }
            }
        }
    }
    let exempt = |n: &str| {
        matches!(
            n,
            "x-amz-signature" | "signature" | "awsaccesskeyid" | "file" | "policy" | "submit"
        ) || n.starts_with("x-ignore-")
    };
    for name in fields.keys() {
        let named = policy.conditions.iter().any(|c| match c {
            PostPolicyCondition::Eq { field, .. }
            | PostPolicyCondition::StartsWith { field, .. } => field == name,
            PostPolicyCondition::ContentLengthRange { .. } => false,
        });
        if !exempt(name) && !named {
            return Err(policy_failed(format!("Extra input fields: {name}")));
        }
    }
    Ok(())
}

/// Strict mode: the SigV4 signature of the policy, with the signing key's secret (a
/// configured key, or one STS or IAM issued; an STS key with its `x-amz-security-token`).
fn check_signature(fields: &HashMap<String, String>, keys: &Keys) -> Result<(), Fault> {
    let denied = || {
        Fault::new(
            "AccessDenied",
            "Access Denied: a POST form needs a policy signed with x-amz-signature",
        )
    };
    let (Some(policy), Some(sig), Some(cred), Some(date)) = (
        field(fields, "policy"),
        field(fields, "x-amz-signature"),
        field(fields, "x-amz-credential"),
        field(fields, "x-amz-date"),
    ) else {
        return Err(denied());
    };
    let mut scope = cred.split('/');
    let (Some(key), Some(_day), Some(region), Some(service)) =
        (scope.next(), scope.next(), scope.next(), scope.next())
    else {
        return Err(denied());
    };
    let refused = |(code, message): KeyRefusal| Fault::new(code, message);
    let secret = keys.secret(key).map_err(refused)?;
    keys.check_session_token(key, field(fields, "x-amz-security-token"))
        .map_err(refused)?;
    let when = time::PrimitiveDateTime::parse(
        date,
        time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"),
    )
    .map_err(|_| denied())?;
    let signing_key = aws_sigv4::sign::v4::generate_signing_key(
        &secret,
        std::time::SystemTime::from(when.assume_utc()),
        region,
        service,
    );
    let expected = aws_sigv4::sign::v4::calculate_signature(signing_key, policy.as_bytes());
    if expected != sig {
        return Err(Fault::new(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        ));
    }
    Ok(())
}

/// `tagging`: `<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag>...`.
fn tags_of(xml: &str) -> Result<Vec<(String, String)>, Fault> {
    let bad = || {
        Fault::new(
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema",
        )
    };
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find("<Tag>") {
        rest = &rest[i + 5..];
        let end = rest.find("</Tag>").ok_or_else(bad)?;
        let tag = &rest[..end];
        let inner = |name: &str| -> Option<String> {
            let a = tag.find(&format!("<{name}>"))? + name.len() + 2;
            let b = tag.find(&format!("</{name}>"))?;
            let raw = tag.get(a..b)?;
            quick_xml::escape::unescape(raw)
                .ok()
                .map(|c| c.into_owned())
        };
        out.push((
            inner("Key").ok_or_else(bad)?,
            inner("Value").unwrap_or_default(),
        ));
        rest = &rest[end..];
    }
    Ok(out)
}

/// Serve a form POST to `bucket`.
pub async fn serve(
    engine: &S3Engine,
    strict: Option<&Keys>,
    bucket_name: &str,
    boundary: &str,
    body: Body,
    rid: &str,
) -> Response {
    match upload(engine, strict, bucket_name, boundary, body).await {
        Ok(res) => res,
        Err(f) => fault_reply(f, rid),
    }
}

async fn upload(
    engine: &S3Engine,
    strict: Option<&Keys>,
    bucket_name: &str,
    boundary: &str,
    body: Body,
) -> Result<Response, Fault> {
    let bucket = engine.bucket(bucket_name)?;
    let stream = body
        .into_data_stream()
        .map(|r| r.map_err(|e| -> BoxError { Box::new(e) }));
    let form = read_form(engine, Box::pin(stream), boundary).await?;
    let fields = &form.fields;
    let Some(key) = field(fields, "key").filter(|k| !k.is_empty()) else {
        return Err(Fault::new(
            "InvalidArgument",
            "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
        ));
    };
    if let Some(keys) = strict {
        check_signature(fields, keys)?;
    }
    if let Some(p) = field(fields, "policy") {
        let policy = PostPolicy::from_base64(p)
            .map_err(|_| Fault::new("InvalidPolicyDocument", "Invalid Policy: Invalid JSON."))?;
        check_policy(&policy, fields, bucket_name, form.blob.len())?;
    }
    let key = key.replace("${filename}", &form.filename);
    let tags = match field(fields, "tagging") {
        Some(x) => tags_of(x)?,
        None => Vec::new(),
    };
    let user = fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("x-amz-meta-")?.to_string(), v.clone())))
        .collect();
    let meta = Meta {
        content_type: Some(
            field(fields, "content-type")
                .unwrap_or("binary/octet-stream")
                .to_string(),
        ),
        content_encoding: field(fields, "content-encoding").map(str::to_string),
        content_disposition: field(fields, "content-disposition").map(str::to_string),
        content_language: field(fields, "content-language").map(str::to_string),
        cache_control: field(fields, "cache-control").map(str::to_string),
        expires: field(fields, "expires").map(str::to_string),
        storage_class: field(fields, "x-amz-storage-class")
            .filter(|s| *s != "STANDARD")
            .map(str::to_string),
        website_redirect: field(fields, "x-amz-website-redirect-location").map(str::to_string),
        user,
    };
    let checksum = form
        .digested
        .checksum(Algorithm::Crc64Nvme)
        .map(|c| (Algorithm::Crc64Nvme, c.to_string()));
    let new = NewObject {
        size: form.blob.len(),
        content: Content {
            parts: vec![form.blob.clone()],
        },
        etag: form.digested.etag(),
        meta,
        checksum,
        parts_count: None,
        part_sizes: Vec::new(),
        tags,
    };
    let v = engine.put_object(&bucket, &key, new, EventKind::Post)?;
    Ok(answer(fields, bucket_name, &key, &v.etag, &v.version_id))
}

fn answer(
    fields: &HashMap<String, String>,
    bucket: &str,
    key: &str,
    etag: &str,
    version: &str,
) -> Response {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let location = format!("/{bucket}/{}", enc(key).replace("%2F", "/"));
    let redirect = field(fields, "success_action_redirect").or_else(|| field(fields, "redirect"));
    let mut res = match redirect.filter(|r| r.starts_with("http://") || r.starts_with("https://")) {
        Some(url) => {
            let sep = if url.contains('?') { '&' } else { '?' };
            let to = format!(
                "{url}{sep}bucket={}&key={}&etag={}",
                enc(bucket),
                enc(key),
                enc(etag)
            );
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::SEE_OTHER;
            if let Ok(v) = HeaderValue::from_str(&to) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        None => match field(fields, "success_action_status") {
            Some("200") => Response::new(Body::empty()),
            Some("201") => {
                let body = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse><Location>{}</Location><Bucket>{}</Bucket><Key>{}</Key><ETag>{}</ETag></PostResponse>",
                    xml_escape(&location),
                    xml_escape(bucket),
                    xml_escape(key),
                    xml_escape(etag)
                );
                let mut r = Response::new(Body::from(body));
                *r.status_mut() = StatusCode::CREATED;
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/xml"),
                );
                r
            }
            _ => {
                let mut r = Response::new(Body::empty());
                *r.status_mut() = StatusCode::NO_CONTENT;
                r
            }
        },
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    if res.status() != StatusCode::SEE_OTHER
        && let Ok(v) = HeaderValue::from_str(&location)
    {
        res.headers_mut().insert(header::LOCATION, v);
    }
    if version != "null"
        && let Ok(v) = HeaderValue::from_str(version)
    {
        res.headers_mut().insert("x-amz-version-id", v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_heads_and_tags() {
        let (name, file, ct) = part_head(
            b"Content-Disposition: form-data; name=\"file\"; filename=\"a b.txt\"\r\nContent-Type: text/plain",
        )
        .expect("head");
        assert_eq!(name, "file");
        assert_eq!(file.as_deref(), Some("a b.txt"));
        assert_eq!(ct.as_deref(), Some("text/plain"));
        assert_eq!(
            tags_of(
                "<Tagging><TagSet><Tag><Key>a</Key><Value>1&amp;2</Value></Tag></TagSet></Tagging>"
            )
            .expect("tags"),
            vec![("a".to_string(), "1&2".to_string())]
        );
    }

    #[tokio::test]
    async fn a_form_streams_its_file_into_a_blob() {
        let engine = S3Engine::new();
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nup/${filename}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.txt\"\r\n\r\nhello\r\n--XyZ--\r\nz\r\n";
        // Split into tiny chunks: delimiters across chunk boundaries.
        let chunks: Vec<Result<Bytes, BoxError>> = body
            .as_bytes()
            .chunks(3)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let form = read_form(&engine, futures::stream::iter(chunks), "XyZ")
            .await
            .expect("form");
        assert_eq!(
            form.fields.get("key").map(String::as_str),
            Some("up/${filename}")
        );
        assert_eq!(form.filename, "f.txt");
        assert_eq!(form.blob.len(), 5);
        let content = Content {
            parts: vec![form.blob.clone()],
        };
        assert_eq!(content.read_all().expect("read"), b"hello");
    }
}
