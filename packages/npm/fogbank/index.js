'use strict';
// Start fogbank (a local AWS SQS/SNS/Lambda/S3 emulator) from node: one binary, a free port,
// ready in milliseconds. The binary comes from the platform package npm installed beside this
// one (@fogbank/<platform>-<arch>, as esbuild ships its binaries), or from $FOGBANK_BIN.

const { spawn } = require('node:child_process');
const path = require('node:path');

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** The fogbank executable this package runs. */
function binaryPath() {
  if (process.env.FOGBANK_BIN) return process.env.FOGBANK_BIN;
  const pkg = `@fogbank/${process.platform}-${process.arch}`;
  try {
    return require.resolve(`${pkg}/bin/fogbank`);
  } catch {
    throw new Error(
      `fogbank: no binary for ${process.platform}-${process.arch}: the optional dependency ${pkg} ` +
        'is not installed (npm installs it unless optional dependencies are omitted). Set ' +
        'FOGBANK_BIN to a fogbank executable (e.g. target/release/fogbank after `cargo build --release`).',
    );
  }
}

/**
 * Start a fogbank server on a free loopback port.
 * @param {import('./index').FogbankOptions} [options]
 * @returns {Promise<import('./index').Fogbank>}
 */
function startFogbank(options = {}) {
  const args = ['--port', '0', '--log-level', options.logLevel || 'info'];
  if (options.config) args.push('--config', path.resolve(options.config));
  if (options.dataDir) args.push('--data-dir', path.resolve(options.dataDir));
  args.push(...(options.args || []));
  const child = spawn(options.binary || binaryPath(), args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...(options.env || {}) },
  });
  const log = [];
  const timeoutMs = options.timeoutMs ?? 10000;
  return new Promise((resolve, reject) => {
    let pending = '';
    let started = false;
    const timer = setTimeout(() => fail(new Error(`fogbank did not start within ${timeoutMs} ms`)), timeoutMs);
    function fail(err) {
      if (started) return;
      started = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      err.message += log.length ? `\n${log.join('\n')}` : '';
      reject(err);
    }
    child.on('error', fail);
    child.on('exit', (code, signal) => fail(new Error(`fogbank exited before listening (${signal || code})`)));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        log.push(line);
        if (log.length > 2000) log.shift();
        const m = !started && /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (m) {
          started = true;
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve(server(child, m[1], log));
        }
      }
    });
  });
}

function server(child, endpoint, log) {
  const exited = new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    endpoint,
    region: REGION,
    credentials: { ...CREDENTIALS },
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
    },
    /** SDK v3 client options pointing at this server. */
    clientConfig() {
      // A new credentials object each time: the SDK marks the one it is given.
      return { endpoint, region: REGION, credentials: { ...CREDENTIALS } };
    },
    /** Forget every queue, topic, function, bucket... (or one service's). */
    async reset(service) {
      const q = service ? `?service=${encodeURIComponent(service)}` : '';
      const res = await fetch(`${endpoint}/_fogbank/reset${q}`, { method: 'POST' });
      if (!res.ok) throw new Error(`fogbank reset answered ${res.status}: ${await res.text()}`);
    },
    /** The server's log lines so far (the last 2,000). */
    logs() {
      return log.slice();
    },
    /** Stop the server (SIGTERM: it stops its functions and removes its scratch space). */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

module.exports = { startFogbank, binaryPath, REGION, CREDENTIALS };
