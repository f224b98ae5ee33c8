//! Routes of the function configuration APIs beyond the core ones: code signing
//! configurations, provisioned concurrency and recursion config.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::response::Response;

use super::{input, reply};
use crate::context::RequestContext;
use crate::lambda::engine::LambdaEngine;
use crate::lambda::error::LambdaResult;

/// Answer `m` on `seg` if it is one of these APIs' routes.
pub(super) fn route(
    engine: &LambdaEngine,
    ctx: &RequestContext,
    m: &str,
    seg: &[&str],
    q: &BTreeMap<String, String>,
    body: &Bytes,
    rid: &str,
) -> Option<LambdaResult<Response>> {
    let marker = q.get("Marker").map(String::as_str);
    let max_items = q.get("MaxItems").map(String::as_str);
    let qualifier = q.get("Qualifier").cloned();
    let ok = |status: u16, v: &dyn erased::Json| reply(status, Bytes::from(v.to_json()), rid);
    let done = || reply(204, Bytes::new(), rid);
    let answer = match (m, seg) {
        ("POST", ["2020-04-22", "code-signing-configs"]) => (|| {
            Ok(ok(
                201,
                &engine.create_code_signing_config(ctx, input(body)?)?,
            ))
        })(),
        ("GET", ["2020-04-22", "code-signing-configs"]) => (|| {
            Ok(ok(
                200,
                &engine.list_code_signing_configs(ctx, marker, max_items)?,
            ))
        })(),
        ("GET", ["2020-04-22", "code-signing-configs", arn]) => {
            engine.get_code_signing_config(arn).map(|v| ok(200, &v))
        }
        ("PUT", ["2020-04-22", "code-signing-configs", arn]) => (|| {
            Ok(ok(
                200,
                &engine.update_code_signing_config(arn, input(body)?)?,
            ))
        })(),
        ("DELETE", ["2020-04-22", "code-signing-configs", arn]) => {
            engine.delete_code_signing_config(arn).map(|_| done())
        }
        ("GET", ["2020-04-22", "code-signing-configs", arn, "functions"]) => engine
            .list_functions_by_code_signing_config(arn, marker, max_items)
            .map(|v| ok(200, &v)),
        ("PUT", ["2020-06-30", "functions", name, "code-signing-config"]) => (|| {
            Ok(ok(
                200,
                &engine.put_function_code_signing_config(ctx, name, input(body)?)?,
            ))
        })(),
        ("GET", ["2020-06-30", "functions", name, "code-signing-config"]) => engine
            .get_function_code_signing_config(ctx, name)
            .map(|v| ok(200, &v)),
        ("DELETE", ["2020-06-30", "functions", name, "code-signing-config"]) => engine
            .delete_function_code_signing_config(ctx, name)
            .map(|_| done()),
        ("PUT", ["2019-09-30", "functions", name, "provisioned-concurrency"]) => (|| {
            let out = engine.put_provisioned_concurrency(ctx, name, qualifier, input(body)?)?;
            Ok(ok(202, &out))
        })(),
        ("GET", ["2019-09-30", "functions", name, "provisioned-concurrency"])
            if q.get("List").is_some_and(|l| l == "ALL") =>
        {
            engine
                .list_provisioned_concurrency(ctx, name, marker, max_items)
                .map(|v| ok(200, &v))
        }
        ("GET", ["2019-09-30", "functions", name, "provisioned-concurrency"]) => engine
            .get_provisioned_concurrency(ctx, name, qualifier)
            .map(|v| ok(200, &v)),
        ("DELETE", ["2019-09-30", "functions", name, "provisioned-concurrency"]) => engine
            .delete_provisioned_concurrency(ctx, name, qualifier)
            .map(|_| done()),
        ("PUT", ["2024-08-31", "functions", name, "recursion-config"]) => (|| {
            Ok(ok(
                200,
                &engine.put_recursion_config(ctx, name, input(body)?)?,
            ))
        })(),
        ("GET", ["2024-08-31", "functions", name, "recursion-config"]) => {
            engine.get_recursion_config(ctx, name).map(|v| ok(200, &v))
        }
        _ => return None,
    };
    Some(answer)
}

use super::erased;
