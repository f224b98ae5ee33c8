// fogbank's Node.js runtime bootstrap: the Lambda Runtime API loop, built-in modules only.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import util from "node:util";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Writable } from "node:stream";

const [HOST, PORT] = (() => {
  const api = process.env.AWS_LAMBDA_RUNTIME_API;
  const i = api.lastIndexOf(":");
  return [api.slice(0, i), Number(api.slice(i + 1))];
})();
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let requestId = "";

function call(method, p, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: HOST, port: PORT, method, path: "/2018-06-01/runtime" + p, agent, headers },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function post(p, obj, errorType) {
  const body = Buffer.isBuffer(obj) ? obj : Buffer.from(JSON.stringify(obj));
  const headers = { "Content-Type": "application/json", "Content-Length": body.length };
  if (errorType) headers["Lambda-Runtime-Function-Error-Type"] = errorType;
  return call("POST", p, body, headers);
}

// Response streaming (awslambda.streamifyResponse, awslambda.HttpResponseStream): the
// handler writes to a stream posted chunk by chunk to /response in streaming mode; an error
// after the stream started travels in the trailers.
const STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const HTTP_INTEGRATION = "application/vnd.awslambda.http-integration-response";
globalThis.awslambda = {
  streamifyResponse(handler, options) {
    handler[STREAMING] = "response";
    if (options) handler[Symbol.for("aws.lambda.runtime.handler.streaming.options")] = options;
    return handler;
  },
  HttpResponseStream: {
    from(stream, prelude) {
      stream.setContentType(HTTP_INTEGRATION);
      stream.write(Buffer.from(JSON.stringify(prelude || {})));
      stream.write(Buffer.alloc(8));
      return stream;
    },
  },
};

function responseStream(id) {
  let req;
  let contentType = "application/octet-stream";
  let answered;
  const open = () => {
    if (req) return req;
    req = http.request({
      host: HOST,
      port: PORT,
      method: "POST",
      path: `/2018-06-01/runtime/invocation/${id}/response`,
      agent,
      headers: {
        "Content-Type": contentType,
        "Lambda-Runtime-Function-Response-Mode": "streaming",
        "Transfer-Encoding": "chunked",
        Trailer: "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
      },
    });
    answered = new Promise((resolve) => {
      req.on("response", (res) => {
        res.resume();
        res.on("end", resolve);
      });
      req.on("error", resolve);
    });
    return req;
  };
  const stream = new Writable({
    write(chunk, encoding, cb) {
      open().write(chunk, encoding, cb);
    },
    final(cb) {
      open().end(cb);
    },
  });
  stream.setContentType = (ct) => {
    if (!req) contentType = ct;
  };
  stream.fail = (err) => {
    const r = open();
    if (r.writableEnded) return;
    const body = Buffer.from(JSON.stringify(err)).toString("base64");
    r.addTrailers({ "Lambda-Runtime-Function-Error-Type": err.errorType, "Lambda-Runtime-Function-Error-Body": body });
    r.end();
  };
  stream.answered = () => answered || Promise.resolve();
  return stream;
}

async function runStreaming(handler, event, context) {
  const stream = responseStream(requestId);
  try {
    await handler(event, stream, context);
    if (!stream.writableFinished) {
      if (!stream.writableEnded) stream.end();
      await new Promise((resolve) => stream.once("finish", resolve));
    }
  } catch (e) {
    const err = errorBody(e);
    process.stderr.write(`${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(err)}\n`);
    stream.fail(err);
  }
  await stream.answered();
}

// LoggingConfig LogFormat JSON: one JSON object per call, levels below AWS_LAMBDA_LOG_LEVEL
// dropped, as AWS's runtime does.
const jsonLogs = process.env.AWS_LAMBDA_LOG_FORMAT === "JSON";
const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
const minLevel = jsonLogs ? Math.max(0, LEVELS.indexOf((process.env.AWS_LAMBDA_LOG_LEVEL || "INFO").toUpperCase())) : 0;
for (const [name, level] of [["log", "INFO"], ["info", "INFO"], ["warn", "WARN"], ["error", "ERROR"], ["debug", "DEBUG"], ["trace", "TRACE"]]) {
  const stream = level === "WARN" || level === "ERROR" ? process.stderr : process.stdout;
  console[name] = (...args) => {
    if (jsonLogs) {
      if (LEVELS.indexOf(level) < minLevel) return;
      const record = { timestamp: new Date().toISOString(), level, requestId: requestId || undefined, message: util.format(...args) };
      stream.write(JSON.stringify(record) + "\n");
      return;
    }
    const line = `${new Date().toISOString()}\t${requestId || "undefined"}\t${level}\t${util.format(...args)}\n`;
    stream.write(line);
  };
}

function errorBody(err, type) {
  if (err instanceof Error) {
    return {
      errorType: type || err.name || "Error",
      errorMessage: err.message,
      trace: (err.stack || "").split("\n"),
    };
  }
  return { errorType: type || typeof err, errorMessage: String(err), trace: [] };
}

async function loadHandler() {
  const spec = process.env._HANDLER || "";
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const dot = spec.lastIndexOf(".");
  if (dot <= 0) {
    return { error: { errorType: "Runtime.MalformedHandlerName", errorMessage: "Bad handler", trace: [] } };
  }
  const modPath = spec.slice(0, dot);
  const fnPath = spec.slice(dot + 1);
  const base = path.resolve(root, modPath);
  let mod;
  try {
    const candidates = [".js", ".mjs", ".cjs"].map((e) => base + e).filter((f) => fs.existsSync(f));
    if (candidates.length === 0) {
      throw Object.assign(new Error(`Cannot find module '${modPath}'`), { code: "MODULE_NOT_FOUND" });
    }
    const file = candidates[0];
    if (file.endsWith(".mjs")) {
      mod = await import(pathToFileURL(file).href);
    } else {
      try {
        mod = createRequire(path.join(root, "noop.js"))(file);
      } catch (e) {
        if (e && (e.code === "ERR_REQUIRE_ESM" || e.code === "ERR_REQUIRE_ASYNC_MODULE")) {
          mod = await import(pathToFileURL(file).href);
        } else {
          throw e;
        }
      }
    }
  } catch (e) {
    if (e && e.code === "MODULE_NOT_FOUND") {
      return { error: { errorType: "Runtime.ImportModuleError", errorMessage: `Error: ${e.message}`, trace: [] } };
    }
    if (e instanceof SyntaxError) {
      return { error: errorBody(e, "Runtime.UserCodeSyntaxError") };
    }
    return { error: errorBody(e) };
  }
  let fn = mod;
  for (const part of fnPath.split(".")) fn = fn == null ? undefined : fn[part];
  if (typeof fn !== "function" && mod && mod.default) {
    fn = mod.default;
    for (const part of fnPath.split(".")) fn = fn == null ? undefined : fn[part];
  }
  if (typeof fn !== "function") {
    return {
      error: { errorType: "Runtime.HandlerNotFound", errorMessage: `${spec} is undefined or not exported`, trace: [] },
    };
  }
  return { handler: fn };
}

function run(handler, event, context) {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err, result) => {
      if (done) return;
      done = true;
      if (err !== undefined && err !== null) reject(err);
      else resolve(result);
    };
    context.done = finish;
    context.succeed = (r) => finish(null, r);
    context.fail = (e) => finish(e ?? new Error("handled"));
    try {
      const out = handler(event, context, finish);
      if (out && typeof out.then === "function") out.then((r) => finish(null, r), (e) => finish(e ?? new Error("rejected")));
      else if (handler.length < 3) finish(null, out);
    } catch (e) {
      finish(e);
    }
  });
}

async function main() {
  const { handler, error } = await loadHandler();
  if (error) {
    console.error(`${error.errorType}: ${error.errorMessage}`);
    await post("/init/error", error, error.errorType);
    process.exit(1);
  }
  for (;;) {
    const { headers: h, body } = await call("GET", "/invocation/next");
    requestId = h["lambda-runtime-aws-request-id"] || "";
    if (h["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = h["lambda-runtime-trace-id"];
    else delete process.env._X_AMZN_TRACE_ID;
    const deadline = Number(h["lambda-runtime-deadline-ms"] || 0);
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: h["lambda-runtime-invoked-function-arn"],
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: requestId,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      identity: h["lambda-runtime-cognito-identity"] ? JSON.parse(h["lambda-runtime-cognito-identity"]) : undefined,
      clientContext: h["lambda-runtime-client-context"] ? JSON.parse(h["lambda-runtime-client-context"]) : undefined,
      getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    };
    let event;
    try {
      event = body.length ? JSON.parse(body.toString("utf8")) : null;
    } catch {
      event = body.toString("utf8");
    }
    if (handler[STREAMING] === "response") {
      await runStreaming(handler, event, context);
      continue;
    }
    let result;
    try {
      result = await run(handler, event, context);
    } catch (e) {
      const err = errorBody(e);
      process.stderr.write(
        `${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(err)}\n`,
      );
      await post(`/invocation/${requestId}/error`, err, "Unhandled");
      continue;
    }
    let payload;
    try {
      payload = Buffer.from(result === undefined ? "null" : JSON.stringify(result));
    } catch (e) {
      await post(`/invocation/${requestId}/error`, errorBody(e, "Runtime.MarshalError"), "Runtime.MarshalError");
      continue;
    }
    await post(`/invocation/${requestId}/response`, payload);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
