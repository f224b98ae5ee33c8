// fogbank seen from a real browser (headless Chromium driven by playwright-core): the AWS SDK
// for JavaScript v3, bundled for the browser, works from a page on localhost (CORS preflights
// and exposed headers), while a page on another origin can neither create a function with a
// "simple" cross-origin POST, nor send a message with an <img> GET, nor read a reply; and a
// page reached through a rebinding host name is refused.
//
// Needs Chromium: $CHROMIUM, else /usr/bin/chromium (Debian's `chromium` package, which
// .ci/run installs). FOGBANK_SKIP_BROWSER=1 skips these tests on a machine without one.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { build } from 'esbuild';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';

import { launchChromium, skipBrowser } from './lib/browser.js';
import { unique, useFogbank } from './lib/fogbank.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const skip = skipBrowser;

const fb = useFogbank();

// The page's script: the real SDK clients, bundled for the browser by esbuild.
const ENTRY = `
import { SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
window.sdkRoundTrip = async (endpoint, name) => {
  const config = { endpoint, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const sqs = new SQSClient(config);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'from the browser' }));
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
  const fns = await new LambdaClient(config).send(new ListFunctionsCommand({}));
  return {
    requestId: sent.$metadata.requestId,
    md5: sent.MD5OfMessageBody,
    body: got.Messages?.[0]?.Body,
    functions: Array.isArray(fns.Functions),
  };
};
`;

let browser;
let pages; // the page server: { port, close }

async function servePages() {
  const bundle = await build({
    stdin: { contents: ENTRY, resolveDir: HERE, loader: 'js' },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const sdk = bundle.outputFiles[0].text;
  const server = createServer((req, res) => {
    if (req.url === '/sdk.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(sdk);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>page</title><script src="/sdk.js"></script>');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server.address().port, close: () => new Promise((r) => server.close(r)) };
}

before(async () => {
  if (skip) return;
  pages = await servePages();
  // A foreign site whose name resolves to this machine, as an attacker's page (or a
  // rebinding DNS name) would.
  browser = await launchChromium(['--host-resolver-rules=MAP evil.example 127.0.0.1']);
});

after(async () => {
  await browser?.close();
  await pages?.close();
});

/** A new page at `origin` (its own browser context, no shared state). */
async function pageAt(origin) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const res = await page.goto(`${origin}/`);
  assert.equal(res.status(), 200);
  return page;
}

test('the AWS SDK for JavaScript works from a page on localhost', { skip }, async () => {
  const page = await pageAt(`http://localhost:${pages.port}`);
  const name = unique('browser');
  const out = await page.evaluate(
    ([endpoint, n]) => window.sdkRoundTrip(endpoint, n),
    [fb.endpoint, name],
  );
  assert.equal(out.body, 'from the browser');
  assert.equal(out.md5, '0371e0d44aa40f3d51ebef0a55fe0f46');
  assert.match(out.requestId ?? '', /^[0-9a-f-]{36}$/, 'x-amzn-RequestId exposed to the page');
  assert.equal(out.functions, true);
});

test('a page on another origin cannot create a function with a simple POST', { skip }, async () => {
  const page = await pageAt(`http://evil.example:${pages.port}`);
  const name = unique('evil');
  // text/plain makes this a "simple" request: the browser sends it without a preflight.
  const sent = await page.evaluate(
    async ([endpoint, n]) => {
      const body = JSON.stringify({
        FunctionName: n,
        Runtime: 'python3.12',
        Role: 'arn:aws:iam::000000000000:role/r',
        Handler: 'h.handler',
        Code: { ZipFile: 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==' },
      });
      await fetch(`${endpoint}/2015-03-31/functions`, {
        method: 'POST',
        mode: 'no-cors',
        headers: { 'content-type': 'text/plain' },
        body,
      });
      return true;
    },
    [fb.endpoint, name],
  );
  assert.equal(sent, true);
  await assert.rejects(
    fb.lambda.send(new GetFunctionCommand({ FunctionName: name })),
    (e) => e.name === 'ResourceNotFoundException',
  );
});

test('a page on another origin cannot send a message with an <img> GET', { skip }, async () => {
  const { QueueUrl } = await fb.sqs.send(new CreateQueueCommand({ QueueName: unique('img') }));
  const page = await pageAt(`http://evil.example:${pages.port}`);
  const src =
    `${fb.endpoint}/?Action=SendMessage&Version=2012-11-05` +
    `&QueueUrl=${encodeURIComponent(QueueUrl)}&MessageBody=pwned`;
  // Wait for the image request to finish (it fails either way: the answer is no image).
  await page.evaluate(
    (s) =>
      new Promise((resolve) => {
        const img = new Image();
        img.onload = img.onerror = () => resolve();
        img.src = s;
      }),
    src,
  );
  const attrs = await fb.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  assert.equal(attrs.Attributes.ApproximateNumberOfMessages, '0');
  // The same GET without the browser's cross-site marking is served (the check is not a
  // blanket refusal of GETs).
  const direct = await fetch(src);
  assert.equal(direct.status, 200);
});

test('a page on another origin cannot read fogbank replies', { skip }, async () => {
  const { QueueUrl } = await fb.sqs.send(new CreateQueueCommand({ QueueName: unique('read') }));
  await fb.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'secret' }));
  const page = await pageAt(`http://evil.example:${pages.port}`);
  const outcome = await page.evaluate(async (url) => {
    try {
      const res = await fetch(url);
      return `read ${res.status}: ${await res.text()}`;
    } catch (e) {
      return `blocked: ${e.name}`;
    }
  }, `${fb.endpoint}/_aws/sqs/messages?QueueUrl=${encodeURIComponent(QueueUrl)}`);
  assert.equal(outcome, 'blocked: TypeError');
});

test('a rebinding host name is refused', { skip }, async () => {
  // The attacker's name now resolves to 127.0.0.1: the page is "same-origin" with fogbank,
  // but fogbank refuses a Host it does not answer to.
  const port = new URL(fb.endpoint).port;
  const context = await browser.newContext();
  const page = await context.newPage();
  const res = await page.goto(`http://evil.example:${port}/_fogbank/health`);
  assert.equal(res.status(), 403);
  assert.match(await res.text(), /evil\.example/);
  await context.close();
});
