//! Lambda's REST-JSON protocol: method + path -> engine operation, JSON in and out.

use std::collections::BTreeMap;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde::de::DeserializeOwned;

use super::engine::{InvokeInput, LambdaEngine};
use super::error::{LambdaError, LambdaResult};
use crate::context::RequestContext;

mod configs;

/// Largest request body the Lambda API accepts: AWS's limit for CreateFunction,
/// UpdateFunctionCode and PublishLayerVersion (a 50 MB zip, base64-encoded, in JSON).
pub const MAX_BODY: usize = 70_167_211;

/// AWS's answer to a body over [`MAX_BODY`], naming the operation as AWS does.
pub fn too_large(method: &Method, path: &str) -> LambdaError {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let operation = match (method.as_str(), segments.as_slice()) {
        ("POST", ["2015-03-31", "functions"]) => "CreateFunction",
        ("PUT", ["2015-03-31", "functions", _, "code"]) => "UpdateFunctionCode",
        ("POST", ["2018-10-31", "layers", _, "versions"]) => "PublishLayerVersion",
        ("POST", ["2015-03-31", "functions", _, "invocations"]) => {
            return LambdaError::new(
                413,
                "RequestTooLargeException",
                "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
            );
        }
        _ => {
            return LambdaError::new(
                413,
                "RequestEntityTooLargeException",
                format!("Request must be smaller than {MAX_BODY} bytes"),
            );
        }
    };
    LambdaError::new(
        413,
        "RequestEntityTooLargeException",
        format!("Request must be smaller than {MAX_BODY} bytes for the {operation} operation"),
    )
}

/// Run an operation that unpacks code (and parses a body of up to 70 MB) on the blocking
/// pool, so a large zip does not hold an async worker thread.
async fn blocking<T: Send + 'static>(
    engine: &LambdaEngine,
    ctx: &RequestContext,
    op: impl FnOnce(&LambdaEngine, &RequestContext) -> LambdaResult<T> + Send + 'static,
) -> LambdaResult<T> {
    let Some(engine) = engine.arc() else {
        return op(engine, ctx);
    };
    let ctx = ctx.clone();
    tokio::task::spawn_blocking(move || op(&engine, &ctx))
        .await
        .map_err(|e| LambdaError::new(500, "ServiceException", e.to_string()))?
}

fn json_reply(status: u16, v: &impl serde::Serialize, rid: &str) -> Response {
    let body = serde_json::to_vec(v).unwrap_or_default();
    reply(status, Bytes::from(body), rid)
}

fn reply(status: u16, body: Bytes, rid: &str) -> Response {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(rid) {
        h.insert("x-amzn-requestid", v);
    }
    res
}

/// An error as the SDKs parse it: status, `x-amzn-ErrorType`, `{"Type","Message"}`.
pub fn error_reply(e: &LambdaError, rid: &str) -> Response {
    let mut res = reply(e.status, Bytes::from(e.body()), rid);
    res.headers_mut()
        .insert("x-amzn-errortype", HeaderValue::from_static(e.code));
    if e.status == 429
        && let Ok(v) = HeaderValue::from_str("1")
    {
        res.headers_mut().insert("retry-after", v);
    }
    res
}

fn input<T: DeserializeOwned + Default>(body: &[u8]) -> LambdaResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        LambdaError::bad_content(format!("Could not parse request body into json: {e}"))
    })
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

fn not_found_route(method: &Method, path: &str) -> LambdaError {
    LambdaError::new(
        404,
        "UnknownOperationException",
        format!("fogbank does not implement {method} {path}"),
    )
}

/// Answer one Lambda API request.
pub async fn handle(
    engine: &LambdaEngine,
    ctx: &RequestContext,
    parts: &axum::http::request::Parts,
    body: Bytes,
    rid: &str,
) -> Response {
    let method = &parts.method;
    let path = parts.uri.path();
    let query = parts.uri.query().unwrap_or("");
    match route(engine, ctx, method, path, query, &parts.headers, body, rid).await {
        Ok(res) => res,
        Err(e) => {
            tracing::info!(service = "lambda", %method, path, code = e.code, "request failed: {}", e.message);
            error_reply(&e, rid)
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn route(
    engine: &LambdaEngine,
    ctx: &RequestContext,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: Bytes,
    rid: &str,
) -> LambdaResult<Response> {
    let q: BTreeMap<String, String> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let qualifier = q.get("Qualifier").cloned();
    let marker = q.get("Marker").map(String::as_str);
    let max_items = q.get("MaxItems").map(String::as_str);
    let segments: Vec<String> = path.trim_matches('/').split('/').map(decode).collect();
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    let m = method.as_str();
    let ok = |v: &dyn erased::Json| Ok(reply(200, Bytes::from(v.to_json()), rid));
    match (m, seg.as_slice()) {
        ("POST", ["2015-03-31", "functions"]) => {
            let c = blocking(engine, ctx, move |e, ctx| {
                e.create_function(ctx, input(&body)?)
            })
            .await?;
            Ok(json_reply(201, &c, rid))
        }
        ("GET", ["2015-03-31", "functions"]) => ok(&engine.list_functions(
            ctx,
            marker,
            max_items,
            q.get("FunctionVersion").map(String::as_str),
        )?),
        ("GET", ["2015-03-31", "functions", name]) => {
            ok(&engine.get_function(ctx, name, qualifier)?)
        }
        ("DELETE", ["2015-03-31", "functions", name]) => {
            engine.delete_function(ctx, name, qualifier)?;
            Ok(reply(204, Bytes::new(), rid))
        }
        ("GET", ["2015-03-31", "functions", name, "configuration"]) => {
            ok(&engine.get_function_configuration(ctx, name, qualifier)?)
        }
        ("PUT", ["2015-03-31", "functions", name, "configuration"]) => {
            ok(&engine.update_function_configuration(ctx, name, input(&body)?)?)
        }
        ("PUT", ["2015-03-31", "functions", name, "code"]) => {
            let name = name.to_string();
            ok(&blocking(engine, ctx, move |e, ctx| {
                e.update_function_code(ctx, &name, input(&body)?)
            })
            .await?)
        }
        ("POST", ["2015-03-31", "functions", name, "invocations"]) => {
            let h = |k: &str| {
                headers
                    .get(k)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let out = engine
                .invoke(
                    ctx,
                    name,
                    qualifier,
                    InvokeInput {
                        invocation_type: h("x-amz-invocation-type"),
                        log_type: h("x-amz-log-type"),
                        client_context: h("x-amz-client-context"),
                        payload: body,
                        request_id: Some(rid.to_string()),
                    },
                )
                .await?;
            let mut res = reply(out.status, out.payload, rid);
            let hm = res.headers_mut();
            let mut set = |k: &'static str, v: Option<String>| {
                if let Some(v) = v
                    && let Ok(v) = HeaderValue::from_str(&v)
                {
                    hm.insert(k, v);
                }
            };
            set("x-amz-function-error", out.function_error);
            set("x-amz-log-result", out.log_result);
            set("x-amz-executed-version", out.executed_version);
            Ok(res)
        }
        (
            "POST",
            [
                "2021-11-15",
                "functions",
                name,
                "response-streaming-invocations",
            ],
        ) => {
            let h = |k: &str| {
                headers
                    .get(k)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let prepared = engine.prepare_stream_invoke(
                ctx,
                name,
                qualifier,
                InvokeInput {
                    invocation_type: h("x-amz-invocation-type"),
                    log_type: h("x-amz-log-type"),
                    client_context: h("x-amz-client-context"),
                    payload: body,
                    // The stream is registered under `rid` below, which the invocation uses.
                    request_id: Some(rid.to_string()),
                },
            )?;
            let engine = engine
                .arc()
                .ok_or_else(|| LambdaError::new(500, "ServiceException", "engine stopped"))?;
            let executed = prepared.executed().to_string();
            let mut res = super::stream::invoke_with_response_stream(engine, prepared, rid);
            if let Ok(v) = HeaderValue::from_str(&executed) {
                res.headers_mut().insert("x-amz-executed-version", v);
            }
            Ok(res)
        }
        ("POST", ["2014-11-13", "functions", name, "invoke-async"]) => {
            engine
                .invoke(
                    ctx,
                    name,
                    None,
                    InvokeInput {
                        invocation_type: Some("Event".into()),
                        payload: body,
                        request_id: Some(rid.to_string()),
                        ..InvokeInput::default()
                    },
                )
                .await?;
            Ok(json_reply(
                202,
                &super::model::InvokeAsyncResponse { status: 202 },
                rid,
            ))
        }
        ("POST", ["2021-10-31", "functions", name, "url"]) => Ok(json_reply(
            201,
            &engine.create_function_url_config(ctx, name, qualifier, input(&body)?)?,
            rid,
        )),
        ("GET", ["2021-10-31", "functions", name, "url"]) => {
            ok(&engine.get_function_url_config(ctx, name, qualifier)?)
        }
        ("PUT", ["2021-10-31", "functions", name, "url"]) => {
            ok(&engine.update_function_url_config(ctx, name, qualifier, input(&body)?)?)
        }
        ("DELETE", ["2021-10-31", "functions", name, "url"]) => {
            engine.delete_function_url_config(ctx, name, qualifier)?;
            Ok(reply(204, Bytes::new(), rid))
        }
        ("GET", ["2021-10-31", "functions", name, "urls"]) => {
            ok(&engine.list_function_url_configs(ctx, name, marker, max_items)?)
        }
        ("POST", ["2015-03-31", "functions", name, "versions"]) => Ok(json_reply(
            201,
            &engine.publish_version(ctx, name, input(&body)?)?,
            rid,
        )),
        ("GET", ["2015-03-31", "functions", name, "versions"]) => {
            ok(&engine.list_versions(ctx, name, marker, max_items)?)
        }
        ("POST", ["2015-03-31", "functions", name, "aliases"]) => Ok(json_reply(
            201,
            &engine.create_alias(ctx, name, input(&body)?)?,
            rid,
        )),
        ("GET", ["2015-03-31", "functions", name, "aliases"]) => {
            ok(&engine.list_aliases(ctx, name, q.get("FunctionVersion").map(String::as_str))?)
        }
        ("GET", ["2015-03-31", "functions", name, "aliases", alias]) => {
            ok(&engine.get_alias(ctx, name, alias)?)
        }
        ("PUT", ["2015-03-31", "functions", name, "aliases", alias]) => {
            ok(&engine.update_alias(ctx, name, alias, input(&body)?)?)
        }
        ("DELETE", ["2015-03-31", "functions", name, "aliases", alias]) => {
            engine.delete_alias(ctx, name, alias)?;
            Ok(reply(204, Bytes::new(), rid))
        }
        ("POST", ["2015-03-31", "functions", name, "policy"]) => Ok(json_reply(
            201,
            &engine.add_permission(ctx, name, qualifier, input(&body)?)?,
            rid,
        )),
        ("GET", ["2015-03-31", "functions", name, "policy"]) => {
            ok(&engine.get_policy(ctx, name, qualifier)?)
        }
        ("DELETE", ["2015-03-31", "functions", name, "policy", sid]) => {
            engine.remove_permission(
                ctx,
                name,
                sid,
                qualifier,
                q.get("RevisionId").map(String::as_str),
            )?;
            Ok(reply(204, Bytes::new(), rid))
        }
        ("PUT", ["2017-10-31", "functions", name, "concurrency"]) => {
            ok(&engine.put_concurrency(ctx, name, input(&body)?)?)
        }
        ("GET", ["2019-09-30", "functions", name, "concurrency"]) => {
            ok(&engine.get_concurrency(ctx, name)?)
        }
        ("DELETE", ["2017-10-31", "functions", name, "concurrency"]) => {
            engine.delete_concurrency(ctx, name)?;
            Ok(reply(204, Bytes::new(), rid))
        }
        ("PUT", ["2019-09-25", "functions", name, "event-invoke-config"]) => {
            ok(&engine.put_event_invoke_config(ctx, name, qualifier, input(&body)?, false)?)
        }
        ("POST", ["2019-09-25", "functions", name, "event-invoke-config"]) => {
            ok(&engine.put_event_invoke_config(ctx, name, qualifier, input(&body)?, true)?)
        }
        ("GET", ["2019-09-25", "functions", name, "event-invoke-config"]) => {
            ok(&engine.get_event_invoke_config(ctx, name, qualifier)?)
        }
        ("DELETE", ["2019-09-25", "functions", name, "event-invoke-config"]) => {
            engine.delete_event_invoke_config(ctx, name, qualifier)?;
            Ok(reply(204, Bytes::new(), rid))
        }
        (
            "GET",
            [
                "2019-09-25",
                "functions",
                name,
                "event-invoke-config",
                "list",
            ],
        ) => ok(&engine.list_event_invoke_configs(ctx, name, marker, max_items)?),
        ("POST", ["2017-03-31", "tags", arn]) => {
            let t: super::model::TagsInput = input(&body)?;
            engine.tag_resource(ctx, arn, t.tags)?;
            Ok(reply(204, Bytes::new(), rid))
        }
        ("DELETE", ["2017-03-31", "tags", arn]) => {
            let keys: Vec<String> = form_urlencoded::parse(query.as_bytes())
                .filter(|(k, _)| k == "tagKeys")
                .map(|(_, v)| v.into_owned())
                .collect();
            engine.untag_resource(ctx, arn, &keys)?;
            Ok(reply(204, Bytes::new(), rid))
        }
        ("GET", ["2017-03-31", "tags", arn]) => ok(&engine.list_tags(ctx, arn)?),
        ("GET", ["2016-08-19", "account-settings"]) => ok(&engine.account_settings(ctx)),
        ("POST", ["2015-03-31", "event-source-mappings"]) => Ok(json_reply(
            202,
            &engine.create_event_source_mapping(ctx, input(&body)?)?,
            rid,
        )),
        ("GET", ["2015-03-31", "event-source-mappings"]) => ok(&engine
            .list_event_source_mappings(
                ctx,
                q.get("EventSourceArn").map(String::as_str),
                q.get("FunctionName").map(String::as_str),
            )?),
        ("GET", ["2015-03-31", "event-source-mappings", uuid]) => {
            ok(&engine.get_event_source_mapping(uuid)?)
        }
        ("PUT", ["2015-03-31", "event-source-mappings", uuid]) => Ok(json_reply(
            202,
            &engine.update_event_source_mapping(ctx, uuid, input(&body)?)?,
            rid,
        )),
        ("DELETE", ["2015-03-31", "event-source-mappings", uuid]) => Ok(json_reply(
            202,
            &engine.delete_event_source_mapping(uuid)?,
            rid,
        )),
        ("POST", ["2018-10-31", "layers", name, "versions"]) => {
            let name = name.to_string();
            let v = blocking(engine, ctx, move |e, ctx| {
                e.publish_layer_version(ctx, &name, input(&body)?)
            })
            .await?;
            Ok(json_reply(201, &v, rid))
        }
        ("GET", ["2018-10-31", "layers", name, "versions"]) => {
            ok(&engine.list_layer_versions(ctx, name)?)
        }
        ("GET", ["2018-10-31", "layers", name, "versions", v]) => {
            ok(&engine.get_layer_version(ctx, name, v)?)
        }
        ("DELETE", ["2018-10-31", "layers", name, "versions", v]) => {
            engine.delete_layer_version(ctx, name, v)?;
            Ok(reply(204, Bytes::new(), rid))
        }
        ("POST", ["2018-10-31", "layers", name, "versions", v, "policy"]) => Ok(json_reply(
            201,
            &engine.add_layer_version_permission(
                ctx,
                name,
                v,
                q.get("RevisionId").map(String::as_str),
                input(&body)?,
            )?,
            rid,
        )),
        ("GET", ["2018-10-31", "layers", name, "versions", v, "policy"]) => {
            ok(&engine.get_layer_version_policy(ctx, name, v)?)
        }
        ("DELETE", ["2018-10-31", "layers", name, "versions", v, "policy", sid]) => {
            engine.remove_layer_version_permission(
                ctx,
                name,
                v,
                sid,
                q.get("RevisionId").map(String::as_str),
            )?;
            Ok(reply(204, Bytes::new(), rid))
        }
        ("GET", ["2018-10-31", "layers"]) if q.get("find").is_some_and(|f| f == "LayerVersion") => {
            ok(&engine.get_layer_version_by_arn(q.get("Arn").map(String::as_str).unwrap_or(""))?)
        }
        ("GET", ["2018-10-31", "layers"]) => ok(&engine.list_layers(
            ctx,
            q.get("CompatibleRuntime").map(String::as_str),
            q.get("CompatibleArchitecture").map(String::as_str),
        )?),
        _ => configs::route(engine, ctx, m, &seg, &q, &body, rid)
            .unwrap_or_else(|| Err(not_found_route(method, path))),
    }
}

mod erased {
    /// Anything serializable, as JSON text (lets one closure answer every operation).
    pub trait Json {
        fn to_json(&self) -> Vec<u8>;
    }

    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> Vec<u8> {
            serde_json::to_vec(self).unwrap_or_default()
        }
    }
}
