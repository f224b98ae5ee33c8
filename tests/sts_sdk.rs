//! STS through the Rust SDK: GetCallerIdentity for plain and assumed-role credentials,
//! AssumeRole whose credentials act in the role's account (SQS), validation errors, strict
//! mode with issued credentials, and issued credentials and IAM roles across a restart.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use aws_credential_types::Credentials;
use aws_sdk_sts::error::ProvideErrorMetadata;
use common::{TempDir, start_durable};
use fogbank::clock::ManualClock;
use fogbank::config::Config;
use fogbank::server::{self, RunningServer};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}"#;

async fn config(
    server: &RunningServer,
    key: &str,
    secret: &str,
    token: Option<String>,
) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new(key, secret, token, None, "test"))
        .load()
        .await
}

async fn sts(server: &RunningServer, key: &str) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::new(&config(server, key, "test", None).await)
}

/// Clients of another service signed with credentials STS issued.
async fn as_issued(
    server: &RunningServer,
    c: &aws_sdk_sts::types::Credentials,
) -> aws_config::SdkConfig {
    config(
        server,
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
    )
    .await
}

/// An IAM query request (no IAM SDK in the Rust tests: boto3 covers IAM).
async fn iam(server: &RunningServer, key: &str, params: &[(&str, &str)]) -> (u16, String) {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Version", "2010-05-08");
    for (k, v) in params {
        form.append_pair(k, v);
    }
    let res = reqwest::Client::new()
        .post(server.endpoint())
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "authorization",
            format!("AWS4-HMAC-SHA256 Credential={key}/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00"),
        )
        .body(form.finish())
        .send()
        .await
        .expect("iam request");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

fn between<'a>(xml: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = xml.find(&open).map(|i| i + open.len()).expect("tag");
    let end = xml[start..].find(&format!("</{tag}>")).expect("close") + start;
    &xml[start..end]
}

#[tokio::test]
async fn caller_identity_of_plain_credentials_is_the_account_root() {
    let server = common::start().await;
    let me = sts(&server, "test")
        .await
        .get_caller_identity()
        .send()
        .await
        .expect("identity");
    assert_eq!(me.account(), Some("000000000000"));
    assert_eq!(me.user_id(), Some("000000000000"));
    assert_eq!(me.arn(), Some("arn:aws:iam::000000000000:root"));
    let other = sts(&server, "123456789012")
        .await
        .get_caller_identity()
        .send()
        .await
        .expect("identity");
    assert_eq!(other.account(), Some("123456789012"));
    assert_eq!(other.arn(), Some("arn:aws:iam::123456789012:root"));
}

#[tokio::test]
async fn assumed_role_credentials_act_in_the_roles_account() {
    let server = common::start().await;
    // The role exists in account 111111111111: its RoleId shows in the session's id.
    let (status, body) = iam(
        &server,
        "111111111111",
        &[
            ("Action", "CreateRole"),
            ("RoleName", "deployer"),
            ("Path", "/ci/"),
            ("AssumeRolePolicyDocument", TRUST),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let role_id = between(&body, "RoleId").to_string();
    let out = sts(&server, "test")
        .await
        .assume_role()
        .role_arn("arn:aws:iam::111111111111:role/ci/deployer")
        .role_session_name("build-42")
        .send()
        .await
        .expect("assume role");
    let user = out.assumed_role_user().expect("user");
    assert_eq!(
        user.arn(),
        "arn:aws:sts::111111111111:assumed-role/deployer/build-42"
    );
    assert_eq!(user.assumed_role_id(), format!("{role_id}:build-42"));
    let creds = out.credentials().expect("credentials");
    assert!(creds.access_key_id().starts_with("ASIA"));
    assert_eq!(creds.access_key_id().len(), 20);
    assert_eq!(creds.secret_access_key().len(), 40);
    let left = creds.expiration().secs()
        - aws_smithy_types::DateTime::from(std::time::SystemTime::now()).secs();
    assert!((3590..=3600).contains(&left), "expires in {left}s");

    let cfg = as_issued(&server, creds).await;
    let me = aws_sdk_sts::Client::new(&cfg)
        .get_caller_identity()
        .send()
        .await
        .expect("identity");
    assert_eq!(me.account(), Some("111111111111"));
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::111111111111:assumed-role/deployer/build-42")
    );
    assert_eq!(me.user_id(), Some(format!("{role_id}:build-42").as_str()));

    // SQS calls signed with the temporary credentials land in the role's account.
    let sqs = aws_sdk_sqs::Client::new(&cfg);
    let url = sqs
        .create_queue()
        .queue_name("cross-account")
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    assert!(url.contains("/111111111111/cross-account"), "{url}");
    let mine = common::sqs(&server)
        .await
        .list_queues()
        .send()
        .await
        .expect("list");
    assert!(mine.queue_urls().is_empty(), "not in the default account");
    let theirs = common::sqs_as(&server, "111111111111", "us-east-1")
        .await
        .list_queues()
        .send()
        .await
        .expect("list");
    assert_eq!(theirs.queue_urls().len(), 1);

    // A role IAM does not know is assumed too (nothing is enforced).
    let other = sts(&server, "test")
        .await
        .assume_role()
        .role_arn("arn:aws:iam::222222222222:role/elsewhere")
        .role_session_name("s")
        .send()
        .await;
    let e = other.expect_err("a one-character session name");
    assert_eq!(e.code(), Some("ValidationError"));
    assert!(e.message().unwrap_or("").contains("roleSessionName"));
    let ok = sts(&server, "test")
        .await
        .assume_role()
        .role_arn("arn:aws:iam::222222222222:role/elsewhere")
        .role_session_name("s2")
        .send()
        .await
        .expect("unknown role");
    assert!(
        ok.assumed_role_user()
            .expect("user")
            .assumed_role_id()
            .starts_with("AROA")
    );
}

#[tokio::test]
async fn assume_role_checks_duration_and_arn() {
    let server = common::start().await;
    let (status, _) = iam(
        &server,
        "test",
        &[
            ("Action", "CreateRole"),
            ("RoleName", "short"),
            ("AssumeRolePolicyDocument", TRUST),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let client = sts(&server, "test").await;
    let e = client
        .assume_role()
        .role_arn("arn:aws:iam::000000000000:role/short")
        .role_session_name("long")
        .duration_seconds(7200)
        .send()
        .await
        .expect_err("beyond MaxSessionDuration");
    assert_eq!(e.code(), Some("ValidationError"));
    assert_eq!(
        e.message(),
        Some("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    );
    let e = client
        .assume_role()
        .role_arn("arn:aws:iam::000000000000:role/short")
        .role_session_name("brief")
        .duration_seconds(60)
        .send()
        .await
        .expect_err("under 900 s");
    assert_eq!(e.code(), Some("ValidationError"));
    let e = client
        .assume_role()
        .role_arn("arn:aws:sqs:us-east-1:000000000000:queue")
        .role_session_name("x1")
        .send()
        .await
        .expect_err("not a role");
    assert_eq!(e.code(), Some("ValidationError"));
    let e = client
        .assume_role()
        .role_arn("arn:aws:iam::000000000000:role/short")
        .role_session_name("x1")
        .policy("{not json")
        .send()
        .await
        .expect_err("bad session policy");
    assert_eq!(e.code(), Some("MalformedPolicyDocument"));
}

#[tokio::test]
async fn session_token_and_web_identity() {
    let server = common::start().await;
    let client = sts(&server, "123456789012").await;
    let c = client
        .get_session_token()
        .send()
        .await
        .expect("session token");
    let creds = c.credentials().expect("credentials");
    let cfg = as_issued(&server, creds).await;
    let me = aws_sdk_sts::Client::new(&cfg)
        .get_caller_identity()
        .send()
        .await
        .expect("identity");
    assert_eq!(me.account(), Some("123456789012"));
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:root"));

    // header.payload.signature, the payload {"sub":"user-1","aud":"my-app","iss":"https://idp.example.com"}
    use base64::Engine;
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(br#"{"sub":"user-1","aud":"my-app","iss":"https://idp.example.com"}"#);
    let token = format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln");
    let out = client
        .assume_role_with_web_identity()
        .role_arn("arn:aws:iam::333333333333:role/web")
        .role_session_name("web-session")
        .web_identity_token(token)
        .send()
        .await
        .expect("web identity");
    assert_eq!(out.subject_from_web_identity_token(), Some("user-1"));
    assert_eq!(out.audience(), Some("my-app"));
    assert_eq!(out.provider(), Some("idp.example.com"));
    assert_eq!(
        out.assumed_role_user().expect("user").arn(),
        "arn:aws:sts::333333333333:assumed-role/web/web-session"
    );
    let key = client
        .get_access_key_info()
        .access_key_id(out.credentials().expect("creds").access_key_id())
        .send()
        .await
        .expect("key info");
    assert_eq!(key.account(), Some("333333333333"));
}

#[tokio::test]
async fn strict_mode_accepts_issued_credentials_with_their_token() {
    let mut cfg = Config::ephemeral();
    cfg.strict_auth = Some(Arc::new(HashMap::from([(
        "AKIDSTRICT".to_string(),
        "strict-secret".to_string(),
    )])));
    let server = server::spawn(cfg).await.expect("server starts");
    let client =
        aws_sdk_sts::Client::new(&config(&server, "AKIDSTRICT", "strict-secret", None).await);
    let out = client
        .assume_role()
        .role_arn("arn:aws:iam::444444444444:role/strict")
        .role_session_name("strict-session")
        .send()
        .await
        .expect("assume role signed");
    let creds = out.credentials().expect("credentials");
    let sqs = aws_sdk_sqs::Client::new(&as_issued(&server, creds).await);
    let url = sqs
        .create_queue()
        .queue_name("strict")
        .send()
        .await
        .expect("signed with the issued secret")
        .queue_url
        .expect("url");
    assert!(url.contains("/444444444444/"), "{url}");
    // The right key and secret with another session token, or a wrong secret: refused.
    let forged = aws_sdk_sqs::Client::new(
        &config(
            &server,
            creds.access_key_id(),
            creds.secret_access_key(),
            Some("forged".to_string()),
        )
        .await,
    );
    let e = forged.list_queues().send().await.expect_err("wrong token");
    assert_eq!(e.code(), Some("InvalidClientTokenId"));
    let wrong = aws_sdk_sqs::Client::new(
        &config(
            &server,
            creds.access_key_id(),
            "wrong-secret",
            Some(creds.session_token().to_string()),
        )
        .await,
    );
    let e = wrong.list_queues().send().await.expect_err("wrong secret");
    assert_eq!(e.code(), Some("SignatureDoesNotMatch"));
    // AssumeRoleWithWebIdentity is unsigned, as on AWS.
    let res = reqwest::Client::new()
        .post(server.endpoint())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A444444444444%3Arole%2Fweb&RoleSessionName=w1&WebIdentityToken=abcd")
        .send()
        .await
        .expect("unsigned web identity");
    assert_eq!(res.status().as_u16(), 200);
    // Other unsigned STS calls are still refused.
    let res = reqwest::Client::new()
        .post(server.endpoint())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("Action=GetCallerIdentity&Version=2011-06-15")
        .send()
        .await
        .expect("unsigned identity");
    assert_eq!(res.status().as_u16(), 403);
}

#[tokio::test]
async fn issued_credentials_and_roles_survive_a_restart() {
    let dir = TempDir::new("sts-restart");
    let clock = ManualClock::starting_2026();
    let server = start_durable(&dir.0, &clock).await;
    let (status, body) = iam(
        &server,
        "555555555555",
        &[
            ("Action", "CreateRole"),
            ("RoleName", "kept"),
            ("AssumeRolePolicyDocument", TRUST),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let role_id = between(&body, "RoleId").to_string();
    let (status, _) = iam(
        &server,
        "555555555555",
        &[
            ("Action", "AttachRolePolicy"),
            ("RoleName", "kept"),
            (
                "PolicyArn",
                "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            ),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let out = sts(&server, "test")
        .await
        .assume_role()
        .role_arn("arn:aws:iam::555555555555:role/kept")
        .role_session_name("before")
        .send()
        .await
        .expect("assume");
    let creds = out.credentials().expect("credentials").clone();
    let (status, _) = iam(
        &server,
        "555555555555",
        &[("Action", "CreateUser"), ("UserName", "keeper")],
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = iam(
        &server,
        "555555555555",
        &[("Action", "CreateAccessKey"), ("UserName", "keeper")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let user_key = between(&body, "AccessKeyId").to_string();
    // Snapshots carry both services.
    let snapshot: serde_json::Value = reqwest::get(format!("{}/_fogbank/state", server.endpoint()))
        .await
        .expect("snapshot")
        .json()
        .await
        .expect("json");
    let kinds = |service: &str| -> Vec<String> {
        snapshot["services"][service]["records"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|x| x["kind"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(kinds("iam").contains(&"iam.role".to_string()), "{snapshot}");
    assert!(kinds("iam").contains(&"iam.user".to_string()), "{snapshot}");
    assert_eq!(kinds("sts"), ["sts.credential"]);
    server.shutdown().await;

    let server = start_durable(&dir.0, &clock).await;
    let me = aws_sdk_sts::Client::new(&as_issued(&server, &creds).await)
        .get_caller_identity()
        .send()
        .await
        .expect("identity");
    assert_eq!(me.account(), Some("555555555555"));
    assert_eq!(me.user_id(), Some(format!("{role_id}:before").as_str()));
    let (status, body) = iam(
        &server,
        "555555555555",
        &[("Action", "ListAttachedRolePolicies"), ("RoleName", "kept")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("AWSLambdaBasicExecutionRole"), "{body}");
    let me = sts(&server, &user_key)
        .await
        .get_caller_identity()
        .send()
        .await
        .expect("identity");
    assert_eq!(me.arn(), Some("arn:aws:iam::555555555555:user/keeper"));
    server.shutdown().await;
}

/// An IAM query request signed with `key`/`secret` (strict mode).
async fn iam_signed(
    server: &RunningServer,
    key: &str,
    secret: &str,
    params: &[(&str, &str)],
) -> (u16, String) {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use aws_sigv4::sign::v4;
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Version", "2010-05-08");
    for (k, v) in params {
        form.append_pair(k, v);
    }
    let body = form.finish();
    let host = server.addr.to_string();
    let identity = Credentials::new(key, secret, None, None, "test").into();
    let signing = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("iam")
        .time(std::time::SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .expect("params")
        .into();
    let url = format!("http://{host}/");
    let headers = [
        ("host", host.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    let req = SignableRequest::new(
        "POST",
        url.clone(),
        headers.iter().copied(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .expect("signable");
    let (instructions, _) = sign(req, &signing).expect("sign").into_parts();
    let (hs, _) = instructions.into_parts();
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    for h in hs {
        req = req.header(h.name(), h.value());
    }
    let res = req.send().await.expect("iam request");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

#[tokio::test]
async fn iam_user_access_keys_sign_as_the_user_in_strict_mode() {
    let mut cfg = Config::ephemeral();
    cfg.strict_auth = Some(Arc::new(HashMap::from([(
        "123456789012".to_string(),
        "admin-secret".to_string(),
    )])));
    let server = server::spawn(cfg).await.expect("server starts");
    let admin = ("123456789012", "admin-secret");
    let (status, body) = iam_signed(
        &server,
        admin.0,
        admin.1,
        &[("Action", "CreateUser"), ("UserName", "ci-bot")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let user_id = between(&body, "UserId").to_string();
    let (status, body) = iam_signed(
        &server,
        admin.0,
        admin.1,
        &[("Action", "CreateAccessKey"), ("UserName", "ci-bot")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let key = between(&body, "AccessKeyId").to_string();
    let secret = between(&body, "SecretAccessKey").to_string();
    assert!(key.starts_with("AKIA") && key.len() == 20, "{key}");

    let me = aws_sdk_sts::Client::new(&config(&server, &key, &secret, None).await)
        .get_caller_identity()
        .send()
        .await
        .expect("signed with the user's key");
    assert_eq!(me.account(), Some("123456789012"));
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:user/ci-bot"));
    assert_eq!(me.user_id(), Some(user_id.as_str()));
    let e = aws_sdk_sts::Client::new(&config(&server, &key, "not-the-secret", None).await)
        .get_caller_identity()
        .send()
        .await
        .expect_err("wrong secret");
    assert_eq!(e.code(), Some("SignatureDoesNotMatch"));
    // A deactivated key is refused.
    let (status, _) = iam_signed(
        &server,
        admin.0,
        admin.1,
        &[
            ("Action", "UpdateAccessKey"),
            ("UserName", "ci-bot"),
            ("AccessKeyId", &key),
            ("Status", "Inactive"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let e = aws_sdk_sts::Client::new(&config(&server, &key, &secret, None).await)
        .get_caller_identity()
        .send()
        .await
        .expect_err("inactive key");
    assert_eq!(e.code(), Some("InvalidClientTokenId"));
}

#[tokio::test]
async fn role_chaining_is_held_to_an_hour_and_federation_tokens_name_the_user() {
    let server = common::start().await;
    let first = sts(&server, "test")
        .await
        .assume_role()
        .role_arn("arn:aws:iam::666666666666:role/first")
        .role_session_name("one")
        .send()
        .await
        .expect("assume");
    let chained = aws_sdk_sts::Client::new(
        &as_issued(&server, first.credentials().expect("credentials")).await,
    );
    let e = chained
        .assume_role()
        .role_arn("arn:aws:iam::777777777777:role/second")
        .role_session_name("two")
        .duration_seconds(7200)
        .send()
        .await
        .expect_err("chained beyond an hour");
    assert_eq!(e.code(), Some("ValidationError"));
    assert_eq!(
        e.message(),
        Some(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
        )
    );
    let second = chained
        .assume_role()
        .role_arn("arn:aws:iam::777777777777:role/second")
        .role_session_name("two")
        .send()
        .await
        .expect("chained");
    assert_eq!(
        second.assumed_role_user().expect("user").arn(),
        "arn:aws:sts::777777777777:assumed-role/second/two"
    );
    let e = chained
        .get_federation_token()
        .name("fed")
        .send()
        .await
        .expect_err("session credentials");
    assert_eq!(e.code(), Some("AccessDenied"));

    let fed = sts(&server, "123456789012")
        .await
        .get_federation_token()
        .name("bob")
        .send()
        .await
        .expect("federation token");
    let user = fed.federated_user().expect("user");
    assert_eq!(user.arn(), "arn:aws:sts::123456789012:federated-user/bob");
    assert_eq!(user.federated_user_id(), "123456789012:bob");
    assert_eq!(fed.session_token_utilization(), Some(0));
    assert_eq!(
        fed.session_token_size(),
        Some(
            fed.credentials()
                .expect("credentials")
                .session_token()
                .len() as i32
        )
    );
    let me = aws_sdk_sts::Client::new(
        &as_issued(&server, fed.credentials().expect("credentials")).await,
    )
    .get_caller_identity()
    .send()
    .await
    .expect("identity");
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::123456789012:federated-user/bob")
    );
}

/// SNS records who subscribed as GetCallerIdentity reports them: an assumed role's session
/// ARN, and for plain credentials the account's root.
#[tokio::test]
async fn subscription_principal_is_the_callers_identity() {
    let server = common::start().await;
    let out = sts(&server, "test")
        .await
        .assume_role()
        .role_arn("arn:aws:iam::333333333333:role/publisher")
        .role_session_name("ci")
        .send()
        .await
        .expect("assume role");
    let cfg = as_issued(&server, out.credentials().expect("credentials")).await;
    let sns = aws_sdk_sns::Client::new(&cfg);
    let topic = sns
        .create_topic()
        .name("events")
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("arn");
    assert!(topic.contains(":333333333333:events"), "{topic}");
    let principal_of = |endpoint: &'static str, client: aws_sdk_sns::Client| {
        let topic = topic.clone();
        async move {
            let arn = client
                .subscribe()
                .topic_arn(&topic)
                .protocol("sqs")
                .endpoint(endpoint)
                .return_subscription_arn(true)
                .send()
                .await
                .expect("subscribe")
                .subscription_arn
                .expect("arn");
            client
                .get_subscription_attributes()
                .subscription_arn(arn)
                .send()
                .await
                .expect("attributes")
                .attributes
                .unwrap_or_default()
                .get("SubscriptionPrincipal")
                .cloned()
        }
    };
    assert_eq!(
        principal_of("arn:aws:sqs:us-east-1:333333333333:a", sns.clone()).await,
        Some("arn:aws:sts::333333333333:assumed-role/publisher/ci".to_string())
    );
    let root = aws_sdk_sns::Client::new(&config(&server, "333333333333", "test", None).await);
    assert_eq!(
        principal_of("arn:aws:sqs:us-east-1:333333333333:b", root).await,
        Some("arn:aws:iam::333333333333:root".to_string())
    );
}
