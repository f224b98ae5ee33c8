//! Ruby functions (`ruby3.x`) through aws-sdk-lambda: fogbank's Ruby runtime client run by the
//! host's `ruby`, handlers, the context object, AWS's Ruby error shapes, layers and vendored
//! gems, and SQS and SNS triggers. Skipped (with the reason printed) when no ruby is installed.

mod common;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, LogType, Runtime};
use base64::Engine as _;
use serde_json::{Value, json};

/// Whether the host can run ruby; prints why a test is skipped when it cannot.
fn ruby_available() -> bool {
    let ok = std::process::Command::new("ruby")
        .args(["-e", "0"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: no `ruby` on the PATH (apt-get install ruby)");
    }
    ok
}

const RB_HANDLER: &str = r##"
$count = 0

def handler(event:, context:)
  $count += 1
  puts "hello from #{context.function_name}"
  $stderr.puts 'to stderr'
  raise ArgumentError, 'asked to fail' if event['fail']
  1 / 0 if event['divide']
  sleep(event['sleep']) if event['sleep']
  exit(3) if event['exit']
  {
    event: event,
    count: $count,
    request_id: context.aws_request_id,
    arn: context.invoked_function_arn,
    function_name: context.function_name,
    version: context.function_version,
    memory: context.memory_limit_in_mb,
    log_group: context.log_group_name,
    log_stream: context.log_stream_name,
    deadline: context.deadline_ms,
    remaining: context.get_remaining_time_in_millis,
    client_context: context.client_context,
    identity: context.identity,
    region: ENV['AWS_REGION'],
    exec_env: ENV['AWS_EXECUTION_ENV'],
    custom: ENV['CUSTOM'],
    trace: ENV['_X_AMZN_TRACE_ID']
  }
end
"##;

async fn create_ruby(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    files: &[(&str, &str, u32)],
    handler: &str,
    timeout: i32,
) -> String {
    create_ruby_with(lambda, name, files, handler, timeout, &[]).await
}

async fn create_ruby_with(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    files: &[(&str, &str, u32)],
    handler: &str,
    timeout: i32,
    layers: &[String],
) -> String {
    let zip = common::zip_of(files);
    let mut req = lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::from("ruby3.3"))
        .role(common::ROLE)
        .handler(handler)
        .timeout(timeout)
        .environment(
            aws_sdk_lambda::types::Environment::builder()
                .variables("CUSTOM", "yes")
                .build(),
        )
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build());
    for l in layers {
        req = req.layers(l);
    }
    let out = req.send().await.expect("create function");
    assert_eq!(out.state().map(|s| s.as_str()), Some("Pending"));
    out.function_arn().expect("arn").to_string()
}

async fn invoke(lambda: &aws_sdk_lambda::Client, name: &str, event: Value) -> Value {
    let out = lambda
        .invoke()
        .function_name(name)
        .payload(Blob::new(event.to_string()))
        .send()
        .await
        .expect("invoke");
    payload(&out)
}

fn payload(out: &aws_sdk_lambda::operation::invoke::InvokeOutput) -> Value {
    let bytes = out
        .payload()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default();
    serde_json::from_slice(&bytes).expect("json payload")
}

fn tail(out: &aws_sdk_lambda::operation::invoke::InvokeOutput) -> String {
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(out.log_result().expect("log result"))
            .expect("base64"),
    )
    .expect("utf8")
}

#[tokio::test]
async fn ruby_function_runs_warm_with_context_logs_and_errors() {
    if !ruby_available() {
        return;
    }
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let arn = create_ruby(
        &lambda,
        "rb",
        &[("app.rb", RB_HANDLER, 0o644)],
        "app.handler",
        2,
    )
    .await;

    let cc = base64::engine::general_purpose::STANDARD.encode(r#"{"custom":{"k":"v"}}"#);
    let out = lambda
        .invoke()
        .function_name("rb")
        .payload(Blob::new(r#"{"a": 1}"#))
        .log_type(LogType::Tail)
        .client_context(cc)
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), None);
    let v = payload(&out);
    assert_eq!(v["event"], json!({"a": 1}));
    assert_eq!(v["count"], 1);
    assert_eq!(v["arn"], arn.as_str());
    assert_eq!(v["function_name"], "rb");
    assert_eq!(v["version"], "$LATEST");
    assert_eq!(v["memory"], "128");
    assert_eq!(v["log_group"], "/aws/lambda/rb");
    assert!(
        v["log_stream"]
            .as_str()
            .is_some_and(|s| s.contains("[$LATEST]"))
    );
    assert!(
        v["deadline"]
            .as_u64()
            .is_some_and(|d| d > 1_600_000_000_000)
    );
    let remaining = v["remaining"].as_i64().expect("remaining");
    assert!(remaining > 0 && remaining <= 2000, "{remaining}");
    assert_eq!(v["client_context"], json!({"custom": {"k": "v"}}));
    assert_eq!(v["identity"], Value::Null);
    assert_eq!(v["region"], "us-east-1");
    assert_eq!(v["exec_env"], "AWS_Lambda_ruby3.3");
    assert_eq!(v["custom"], "yes");
    assert!(
        v["trace"]
            .as_str()
            .is_some_and(|t| t.starts_with("Root=1-"))
    );
    let log = tail(&out);
    let rid = v["request_id"].as_str().expect("request id");
    assert!(
        log.contains(&format!("START RequestId: {rid} Version: $LATEST")),
        "{log}"
    );
    assert!(log.contains("hello from rb"), "{log}");
    assert!(log.contains("to stderr"), "{log}");
    assert!(log.contains(&format!("END RequestId: {rid}")), "{log}");
    assert!(
        log.contains(&format!("REPORT RequestId: {rid}\tDuration: ")),
        "{log}"
    );
    assert!(
        log.contains("Init Duration: "),
        "a cold start reports its init: {log}"
    );

    // Warm: the same process, its globals kept.
    let v = invoke(&lambda, "rb", json!({})).await;
    assert_eq!(v["count"], 2);
    assert_eq!(v["event"], json!({}));

    // A StandardError: AWS's Ruby shape, logged as AWS logs it.
    let out = lambda
        .invoke()
        .function_name("rb")
        .payload(Blob::new(r#"{"divide": true}"#))
        .log_type(LogType::Tail)
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.function_error(), Some("Unhandled"));
    let v = payload(&out);
    assert_eq!(v["errorType"], "Function<ZeroDivisionError>");
    assert_eq!(v["errorMessage"], "divided by 0");
    let trace: Vec<&str> = v["stackTrace"]
        .as_array()
        .expect("stackTrace")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!trace.is_empty(), "{v}");
    assert!(
        trace.iter().any(|l| l.contains("/app.rb:9:in")),
        "{trace:?}"
    );
    assert!(
        trace.iter().all(|l| !l.contains("bootstrap.rb")),
        "fogbank's own frames are cut: {trace:?}"
    );
    let log = tail(&out);
    assert!(log.contains("Error raised from handler method"), "{log}");
    assert!(
        log.contains("\"errorType\": \"Function<ZeroDivisionError>\""),
        "{log}"
    );
    let v = invoke(&lambda, "rb", json!({"fail": true})).await;
    assert_eq!(v["errorType"], "Function<ArgumentError>");
    assert_eq!(v["errorMessage"], "asked to fail");
    // ... and the environment lives on.
    assert_eq!(invoke(&lambda, "rb", json!({})).await["count"], 5);

    // `exit` in a handler: reported, and the environment ends (as AWS's runtime does).
    let v = invoke(&lambda, "rb", json!({"exit": true})).await;
    assert_eq!(v["errorType"], "Function<SystemExit>");
    let v = common::eventually("a new environment after exit", || {
        let lambda = lambda.clone();
        async move {
            let v = invoke(&lambda, "rb", json!({})).await;
            (v["count"] == 1).then_some(v)
        }
    })
    .await;
    assert_eq!(v["count"], 1);

    // A timeout kills the environment; the next invoke starts a fresh one.
    let v = invoke(&lambda, "rb", json!({"sleep": 30})).await;
    assert_eq!(v["errorType"], "Sandbox.Timedout");
    let msg = v["errorMessage"].as_str().expect("message");
    assert!(msg.ends_with("Task timed out after 2.00 seconds"), "{msg}");
    assert_eq!(invoke(&lambda, "rb", json!({})).await["count"], 1);
}

const CLASS_HANDLER: &str = r##"
require 'stringio'
require_relative 'helper'

module MyApp
  class Handler
    def self.process(event:, context:)
      return StringIO.new('raw bytes') if event['raw']
      return nil if event['nil']
      "#{Helper.greet(event['name'])} via #{context.function_name}"
    end
  end
end
"##;

#[tokio::test]
async fn module_class_handlers_in_subdirectories() {
    if !ruby_available() {
        return;
    }
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    create_ruby(
        &lambda,
        "rb-class",
        &[
            ("lib/handlers.rb", CLASS_HANDLER, 0o644),
            (
                "lib/helper.rb",
                "module Helper\n  def self.greet(n) = \"hi #{n}\"\nend\n",
                0o644,
            ),
        ],
        "lib/handlers.MyApp::Handler.process",
        3,
    )
    .await;
    let v = invoke(&lambda, "rb-class", json!({"name": "ann"})).await;
    assert_eq!(v, json!("hi ann via rb-class"));
    assert_eq!(
        invoke(&lambda, "rb-class", json!({"nil": true})).await,
        Value::Null
    );
    let out = lambda
        .invoke()
        .function_name("rb-class")
        .payload(Blob::new(r#"{"raw": true}"#))
        .send()
        .await
        .expect("invoke");
    assert_eq!(
        out.payload().map(|p| p.as_ref().to_vec()),
        Some(b"raw bytes".to_vec()),
        "an IO is answered as is"
    );
}

/// A function (name, files, handler) and the error type and message part its invoke gets.
type Case<'a> = (&'a str, &'a [File<'a>], &'a str, &'a str, &'a str);
type File<'a> = (&'a str, &'a str, u32);

#[tokio::test]
async fn init_failures_and_missing_handlers_in_awss_ruby_shapes() {
    if !ruby_available() {
        return;
    }
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let ok = ("app.rb", "def handler(event:, context:) = 'ok'\n", 0o644);
    let cases: &[Case] = &[
        (
            "rb-missing-file",
            &[ok],
            "nofile.handler",
            "Init<LoadError>",
            "cannot load such file -- nofile",
        ),
        (
            "rb-syntax",
            &[(
                "app.rb",
                "def handler(event:, context:)\n  if\nend\n",
                0o644,
            )],
            "app.handler",
            "Init<SyntaxError>",
            "app.rb",
        ),
        (
            "rb-raises",
            &[("app.rb", "raise 'no config'\n", 0o644)],
            "app.handler",
            "Init<RuntimeError>",
            "no config",
        ),
        (
            "rb-bad-name",
            &[ok],
            "app",
            "Init<ArgumentError>",
            "Invalid handler app",
        ),
        // As on AWS, the method is looked up at invoke time.
        (
            "rb-missing-method",
            &[ok],
            "app.nope",
            "Function<NoMethodError>",
            "undefined method",
        ),
        (
            "rb-missing-class",
            &[ok],
            "app.Nope::Handler.run",
            "Function<NameError>",
            "uninitialized constant Nope",
        ),
    ];
    for (name, files, handler, error_type, message) in cases {
        create_ruby(&lambda, name, files, handler, 3).await;
        let out = lambda
            .invoke()
            .function_name(*name)
            .log_type(LogType::Tail)
            .send()
            .await
            .expect("invoke");
        assert_eq!(out.function_error(), Some("Unhandled"), "{name}");
        let v = payload(&out);
        assert_eq!(v["errorType"], *error_type, "{name}: {v}");
        assert!(
            v["errorMessage"]
                .as_str()
                .is_some_and(|m| m.contains(message)),
            "{name}: {v}"
        );
        assert!(v["stackTrace"].is_array(), "{name}: {v}");
        if error_type.starts_with("Init<") {
            let log = tail(&out);
            assert!(
                log.contains("Init error when loading handler"),
                "{name}: {log}"
            );
        }
    }
}

const GEMSPEC: &str = r#"Gem::Specification.new do |s|
  s.name = 'NAME'
  s.version = '1.0.0'
  s.summary = 'test gem'
  s.authors = ['fogbank']
  s.files = ['lib/NAME.rb']
  s.require_paths = ['lib']
end
"#;

#[tokio::test]
async fn layers_and_vendored_gems_are_on_rubys_paths() {
    if !ruby_available() {
        return;
    }
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let layer_spec = GEMSPEC.replace("NAME", "layergem");
    let layer_zip = common::zip_of(&[
        (
            "ruby/lib/layer_lib.rb",
            "LAYER_LIB = 'from ruby/lib'\n",
            0o644,
        ),
        (
            "ruby/gems/3.3.0/gems/layergem-1.0.0/lib/layergem.rb",
            "LAYER_GEM = 'from a layer gem'\n",
            0o644,
        ),
        (
            "ruby/gems/3.3.0/specifications/layergem-1.0.0.gemspec",
            &layer_spec,
            0o644,
        ),
    ]);
    let layer = lambda
        .publish_layer_version()
        .layer_name("rb-helpers")
        .content(
            aws_sdk_lambda::types::LayerVersionContentInput::builder()
                .zip_file(Blob::new(layer_zip))
                .build(),
        )
        .compatible_runtimes(Runtime::from("ruby3.3"))
        .send()
        .await
        .expect("publish layer");
    let layer_arn = layer.layer_version_arn().expect("arn").to_string();
    let vendored_spec = GEMSPEC.replace("NAME", "vendoredgem");
    let handler = "require 'layer_lib'\nrequire 'layergem'\nrequire 'vendoredgem'\n\n\
        def handler(event:, context:)\n  [LAYER_LIB, LAYER_GEM, VENDORED_GEM, \
        Gem.loaded_specs.keys.sort & %w[layergem vendoredgem], require('json')]\nend\n";
    create_ruby_with(
        &lambda,
        "rb-layers",
        &[
            ("app.rb", handler, 0o644),
            (
                "vendor/bundle/ruby/3.3.0/gems/vendoredgem-1.0.0/lib/vendoredgem.rb",
                "VENDORED_GEM = 'from vendor/bundle'\n",
                0o644,
            ),
            (
                "vendor/bundle/ruby/3.3.0/specifications/vendoredgem-1.0.0.gemspec",
                &vendored_spec,
                0o644,
            ),
        ],
        "app.handler",
        3,
        std::slice::from_ref(&layer_arn),
    )
    .await;
    let v = invoke(&lambda, "rb-layers", json!({})).await;
    assert_eq!(
        v,
        json!([
            "from ruby/lib",
            "from a layer gem",
            "from vendor/bundle",
            ["layergem", "vendoredgem"],
            false
        ])
    );
    // rubygems loaded first by the handler itself (`gem`, `require 'rubygems'`), and the
    // host's own default gems still found beside the vendored ones.
    let handler = "require 'rubygems'\ngem 'vendoredgem'\nrequire 'vendoredgem'\n\n\
        def handler(event:, context:)\n  [VENDORED_GEM, Gem.path.size > 1, \
        Gem::Specification.find_all_by_name('json').empty?]\nend\n";
    create_ruby(
        &lambda,
        "rb-gem-call",
        &[
            ("app.rb", handler, 0o644),
            (
                "vendor/bundle/ruby/3.3.0/gems/vendoredgem-1.0.0/lib/vendoredgem.rb",
                "VENDORED_GEM = 'from vendor/bundle'\n",
                0o644,
            ),
            (
                "vendor/bundle/ruby/3.3.0/specifications/vendoredgem-1.0.0.gemspec",
                &vendored_spec,
                0o644,
            ),
        ],
        "app.handler",
        3,
    )
    .await;
    let v = invoke(&lambda, "rb-gem-call", json!({})).await;
    assert_eq!(v, json!(["from vendor/bundle", true, false]));
}

#[tokio::test]
async fn sqs_mappings_and_sns_subscriptions_invoke_ruby_functions() {
    if !ruby_available() {
        return;
    }
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    let sqs = common::sqs(&server).await;
    let sns = common::sns(&server).await;
    let out_dir =
        std::env::temp_dir().join(format!("fogbank-rb-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&out_dir).expect("dir");
    let handler = format!(
        "require 'json'\n\ndef handler(event:, context:)\n  r = event['Records'][0]\n  \
         File.write(File.join('{}', (r['eventSource'] || r['EventSource']).tr(':', '_')), \
         JSON.generate(event))\n  {{}}\nend\n",
        out_dir.display()
    );
    let arn = create_ruby(
        &lambda,
        "rb-events",
        &[("app.rb", &handler, 0o644)],
        "app.handler",
        5,
    )
    .await;

    let url = sqs
        .create_queue()
        .queue_name("rb-src")
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout,
            "30",
        )
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("attrs")
        .attributes
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                .cloned()
        })
        .expect("arn");
    sqs.send_message()
        .queue_url(&url)
        .message_body("to ruby")
        .send()
        .await
        .expect("send");
    lambda
        .create_event_source_mapping()
        .event_source_arn(&queue_arn)
        .function_name("rb-events")
        .batch_size(10)
        .send()
        .await
        .expect("mapping");
    let read = |name: &'static str| {
        let path = out_dir.join(name);
        move || {
            let path = path.clone();
            async move {
                std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            }
        }
    };
    let event =
        common::eventually("the SQS event to reach the ruby function", read("aws_sqs")).await;
    assert_eq!(event["Records"][0]["body"], "to ruby");
    assert_eq!(event["Records"][0]["eventSourceARN"], queue_arn.as_str());

    let topic = common::create_topic(&sns, "rb-topic").await;
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("lambda")
        .endpoint(&arn)
        .send()
        .await
        .expect("subscribe");
    common::publish(&sns, &topic, "hello ruby").await;
    let event =
        common::eventually("the SNS event to reach the ruby function", read("aws_sns")).await;
    assert_eq!(event["Records"][0]["Sns"]["Message"], "hello ruby");
    assert_eq!(event["Records"][0]["Sns"]["TopicArn"], topic.as_str());
    let _ = std::fs::remove_dir_all(&out_dir);
}

#[tokio::test]
async fn dotnet_functions_are_refused_at_invoke_with_a_clear_error() {
    let server = common::start().await;
    let lambda = common::lambda(&server).await;
    lambda
        .create_function()
        .function_name("cs")
        .runtime(Runtime::Dotnet8)
        .role(common::ROLE)
        .handler("App::App.Function::Handler")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(common::zip_of(&[("App.dll", "", 0o644)])))
                .build(),
        )
        .send()
        .await
        .expect("create function");
    let out = lambda
        .invoke()
        .function_name("cs")
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.function_error(), Some("Unhandled"));
    let v = payload(&out);
    let msg = v["errorMessage"].as_str().expect("message");
    assert!(
        msg.contains("fogbank cannot host the dotnet8 runtime"),
        "{msg}"
    );
    assert!(msg.contains("provided.al2023"), "{msg}");
}
