//! S3 CORS: preflights on bucket and object paths answered from the bucket's CORS
//! configuration (PutBucketCors through the SDK), CORS headers on actual requests, AWS's 403
//! `AccessForbidden` answers, and the request guard still refusing origins it does not allow.

mod common;
mod s3_support;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CorsConfiguration, CorsRule};
use fogbank::config::Config;
use fogbank::server::{self, GuardSettings};

const PAGE: &str = "http://localhost:3000";

async fn configure(c: &aws_sdk_s3::Client, bucket: &str, app_origin: &str) {
    c.create_bucket()
        .bucket(bucket)
        .send()
        .await
        .expect("bucket");
    c.put_bucket_cors()
        .bucket(bucket)
        .cors_configuration(
            CorsConfiguration::builder()
                .cors_rules(
                    CorsRule::builder()
                        .allowed_origins(app_origin)
                        .allowed_methods("PUT")
                        .allowed_methods("GET")
                        .allowed_headers("content-type")
                        .allowed_headers("x-amz-*")
                        .expose_headers("ETag")
                        .max_age_seconds(300)
                        .build()
                        .expect("rule"),
                )
                .cors_rules(
                    CorsRule::builder()
                        .allowed_origins("*")
                        .allowed_methods("GET")
                        .build()
                        .expect("rule"),
                )
                .build()
                .expect("cors"),
        )
        .send()
        .await
        .expect("put cors");
}

fn preflight(
    http: &reqwest::Client,
    url: String,
    origin: &str,
    method: &str,
    headers: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut r = http
        .request(reqwest::Method::OPTIONS, url)
        .header("origin", origin)
        .header("access-control-request-method", method);
    if let Some(h) = headers {
        r = r.header("access-control-request-headers", h);
    }
    r
}

fn header(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[tokio::test]
async fn preflights_and_headers_follow_the_bucket_cors_configuration() {
    let server = common::start().await;
    let c = s3_support::s3(&server).await;
    let http = reqwest::Client::new();
    let base = server.endpoint();

    // No configuration yet: AWS's "CORS is not enabled for this bucket."
    c.create_bucket()
        .bucket("plain")
        .send()
        .await
        .expect("bucket");
    let r = preflight(&http, format!("{base}/plain/k"), PAGE, "PUT", None)
        .send()
        .await
        .expect("preflight");
    assert_eq!(r.status(), 403);
    assert!(header(&r, "access-control-allow-origin").is_none());
    let text = r.text().await.expect("body");
    assert!(text.contains("<Code>AccessForbidden</Code>"), "{text}");
    assert!(
        text.contains("<Message>CORSResponse: CORS is not enabled for this bucket.</Message>"),
        "{text}"
    );
    assert!(text.contains("<Method>PUT</Method>"), "{text}");
    assert!(
        text.contains("<ResourceType>OBJECT</ResourceType>"),
        "{text}"
    );
    // No such bucket.
    let r = preflight(&http, format!("{base}/nowhere"), PAGE, "GET", None)
        .send()
        .await
        .expect("preflight");
    assert_eq!(r.status(), 403);
    let text = r.text().await.expect("body");
    assert!(text.contains("CORSResponse: Bucket not found"), "{text}");
    assert!(
        text.contains("<ResourceType>BUCKET</ResourceType>"),
        "{text}"
    );
    // An OPTIONS without Origin.
    let r = http
        .request(reqwest::Method::OPTIONS, format!("{base}/plain/k"))
        .send()
        .await
        .expect("options");
    assert_eq!(r.status(), 400);
    let text = r.text().await.expect("body");
    assert!(
        text.contains("Insufficient information. Origin request header needed."),
        "{text}"
    );

    configure(&c, "site", PAGE).await;
    // The first rule: the origin, its methods, the requested headers, expose, max age.
    let r = preflight(
        &http,
        format!("{base}/site/photos/a.jpg"),
        PAGE,
        "PUT",
        Some("Content-Type, X-Amz-Date"),
    )
    .send()
    .await
    .expect("preflight");
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some(PAGE)
    );
    assert_eq!(
        header(&r, "access-control-allow-methods").as_deref(),
        Some("PUT, GET")
    );
    assert_eq!(
        header(&r, "access-control-allow-headers").as_deref(),
        Some("content-type, x-amz-date")
    );
    assert_eq!(
        header(&r, "access-control-expose-headers").as_deref(),
        Some("ETag")
    );
    assert_eq!(header(&r, "access-control-max-age").as_deref(), Some("300"));
    assert_eq!(
        header(&r, "access-control-allow-credentials").as_deref(),
        Some("true")
    );
    assert!(header(&r, "vary").is_some_and(|v| v.contains("Origin")));
    // A header no rule allows, a method no rule allows.
    for (method, headers) in [("PUT", Some("x-custom")), ("DELETE", None)] {
        let r = preflight(&http, format!("{base}/site/a"), PAGE, method, headers)
            .send()
            .await
            .expect("preflight");
        assert_eq!(r.status(), 403, "{method}");
        let text = r.text().await.expect("body");
        assert!(
            text.contains("CORSResponse: This CORS request is not allowed."),
            "{text}"
        );
    }
    // Another (loopback) origin: the `*` rule, GET only, `*` as the allowed origin.
    let other = "http://127.0.0.1:8080";
    let r = preflight(&http, format!("{base}/site/a"), other, "GET", None)
        .send()
        .await
        .expect("preflight");
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert!(header(&r, "access-control-allow-credentials").is_none());
    let r = preflight(&http, format!("{base}/site/a"), other, "PUT", None)
        .send()
        .await
        .expect("preflight");
    assert_eq!(r.status(), 403);

    // Actual requests: headers when a rule allows the method, none otherwise (the request
    // itself is served either way, as S3 does).
    c.put_object()
        .bucket("site")
        .key("a")
        .body(ByteStream::from_static(b"hello"))
        .send()
        .await
        .expect("put");
    let r = http
        .get(format!("{base}/site/a"))
        .header("origin", PAGE)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some(PAGE)
    );
    assert_eq!(
        header(&r, "access-control-expose-headers").as_deref(),
        Some("ETag")
    );
    assert_eq!(r.text().await.expect("body"), "hello");
    let r = http
        .delete(format!("{base}/site/a"))
        .header("origin", PAGE)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    assert!(header(&r, "access-control-allow-origin").is_none());
    // A bucket without configuration: no CORS headers on its replies.
    let r = http
        .get(format!("{base}/plain?list-type=2"))
        .header("origin", PAGE)
        .send()
        .await
        .expect("list");
    assert_eq!(r.status(), 200);
    assert!(header(&r, "access-control-allow-origin").is_none());

    // A page the guard does not allow is refused before S3 sees it, even if the bucket's
    // rule is `*`.
    let r = preflight(
        &http,
        format!("{base}/site/a"),
        "https://evil.example",
        "GET",
        None,
    )
    .send()
    .await
    .expect("preflight");
    assert_eq!(r.status(), 403);
    let text = r.text().await.expect("body");
    assert!(
        text.contains("is not allowed; start fogbank with --allow-origin"),
        "{text}"
    );
    // Preflights for other services keep the guard's answers (an SQS query POST to a queue
    // URL from a local page).
    let r = preflight(
        &http,
        format!("{base}/000000000000/orders"),
        PAGE,
        "POST",
        Some("content-type"),
    )
    .send()
    .await
    .expect("preflight");
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some(PAGE)
    );
}

#[tokio::test]
async fn an_allowed_foreign_origin_gets_the_bucket_answers() {
    let app = "https://app.example";
    let config = Config {
        guard: GuardSettings {
            allow_origins: vec![app.to_string()],
            ..GuardSettings::default()
        },
        ..Config::ephemeral()
    };
    let server = server::spawn(config).await.expect("server");
    let c = s3_support::s3(&server).await;
    configure(&c, "web", app).await;
    let http = reqwest::Client::new();
    let r = preflight(
        &http,
        format!("{}/web/upload.bin", server.endpoint()),
        app,
        "PUT",
        Some("content-type"),
    )
    .send()
    .await
    .expect("preflight");
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some(app)
    );
    // Allowed by the guard, but not by the bucket's rules for DELETE.
    let r = preflight(
        &http,
        format!("{}/web/upload.bin", server.endpoint()),
        app,
        "DELETE",
        None,
    )
    .send()
    .await
    .expect("preflight");
    assert_eq!(r.status(), 403);
}
