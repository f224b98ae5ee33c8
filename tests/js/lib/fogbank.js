// Shared helpers: one fogbank release binary per test file on an OS-chosen port, SDK v3
// clients pointed at it, unique names, condition polling and SQS's attribute MD5.

import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { after, before } from 'node:test';

import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LambdaClient } from '@aws-sdk/client-lambda';

// The SDK warns once per process that releases after early 2027 need node >= 22; CI runs node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The release binary: $FOGBANK_BIN, else under $CARGO_TARGET_DIR, else target/. */
export function binaryPath() {
  if (process.env.FOGBANK_BIN) return process.env.FOGBANK_BIN;
  const target = path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target');
  return path.join(target, 'release', 'fogbank');
}

/**
 * Starts fogbank on `--port 0`, reads the chosen port from its "listening on" log line and
 * resolves to { endpoint, stop }. stderr is drained for the process's whole life (a full pipe
 * would block the server); the last lines are kept for the error message if it fails to start.
 * `args` are further command-line options (e.g. `--tls`).
 */
export function startFogbank(args = []) {
  return new Promise((resolve, reject) => {
    const proc = spawn(binaryPath(), ['--port', '0', '--log-level', 'warn,fogbank=info', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const seen = [];
    let started = false;
    const timer = setTimeout(() => fail(new Error('fogbank did not start within 10 s')), 10_000);
    function fail(err) {
      if (started) return;
      started = true;
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(new Error(`${err.message}\n${seen.join('\n')}`));
    }
    proc.on('error', fail);
    proc.on('exit', (code, signal) => fail(new Error(`fogbank exited early (${code ?? signal})`)));
    createInterface({ input: proc.stderr }).on('line', (line) => {
      seen.push(line);
      if (seen.length > 200) seen.shift();
      if (process.env.FOGBANK_JS_LOG) process.stderr.write(`[fogbank] ${line}\n`);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (m && !started) {
        started = true;
        clearTimeout(timer);
        resolve({ endpoint: m[1], stop: () => stop(proc) });
      }
    });
  });
}

function stop(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    proc.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

/**
 * Registers before/after hooks for the calling test file and returns an object whose
 * `endpoint`, `sns`, `sqs` and `lambda` are set once fogbank is up. `args` go to the binary.
 */
export function useFogbank({ args = [] } = {}) {
  const ctx = {};
  let server;
  before(async () => {
    server = await startFogbank(args);
    const config = {
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1, // a retried request would hide a server error
    };
    ctx.endpoint = server.endpoint;
    ctx.config = config;
    ctx.sns = new SNSClient(config);
    ctx.sqs = new SQSClient(config);
    ctx.lambda = new LambdaClient(config);
  });
  after(async () => {
    for (const c of [ctx.sns, ctx.sqs, ctx.lambda]) c?.destroy();
    await server?.stop();
  });
  return ctx;
}

/** A fresh resource name: prefix plus 12 random hex characters. */
export function unique(prefix = 'js') {
  return `${prefix}-${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

/** Polls `check` (sync or async) until it returns a truthy value, which is returned. */
export async function waitFor(check, { timeout = 15_000, interval = 25, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Runs `fn`, expects it to reject, and returns the error. */
export async function rejection(fn) {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail, it succeeded');
}

/**
 * MD5OfMessageAttributes as AWS computes it: names sorted, each of name and DataType
 * length-prefixed (4 bytes big-endian), then 1 + length + UTF-8 string value, or 2 + length +
 * bytes for binary values. (The JS SDK v3 verifies only the body MD5, so tests check this.)
 */
export function md5OfAttributes(attrs) {
  const h = createHash('md5');
  const lp = (buf) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(buf.length);
    h.update(len);
    h.update(buf);
  };
  for (const name of Object.keys(attrs).sort()) {
    const v = attrs[name];
    lp(Buffer.from(name, 'utf8'));
    lp(Buffer.from(v.DataType, 'utf8'));
    if (v.BinaryValue !== undefined) {
      h.update(Buffer.from([2]));
      lp(Buffer.from(v.BinaryValue));
    } else {
      h.update(Buffer.from([1]));
      lp(Buffer.from(v.StringValue, 'utf8'));
    }
  }
  return h.digest('hex');
}

export function md5(text) {
  return createHash('md5').update(text, 'utf8').digest('hex');
}
