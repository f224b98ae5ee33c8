// The console (/_fogbank/ui) in a real browser (headless Chromium driven by playwright-core):
// a message sent with the SDK appears in the open queue page without a reload, a message sent
// from the page reaches the SDK, purge asks for confirmation, a dead-letter queue links back
// to its source and redrives into it, a publish shows each subscription's outcome (delivered,
// filtered out, failed with the HTTP status), an invoke from the page shows its result and
// its log lines, and every page passes basic accessibility checks (labels, landmarks,
// keyboard). Screenshots of each page go to $FOGBANK_TEST_OUTPUT/console (default
// test-output/console); FOGBANK_UPDATE_SCREENSHOTS=1 also copies them to docs/console for
// the README.
//
// Needs Chromium (see lib/browser.js); FOGBANK_SKIP_BROWSER=1 skips these tests.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import AdmZip from 'adm-zip';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';

import { launchChromium, skipBrowser as skip } from './lib/browser.js';
import { unique, useFogbank, waitFor } from './lib/fogbank.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = path.join(
  process.env.FOGBANK_TEST_OUTPUT || path.join(ROOT, 'test-output'),
  'console',
);
const DOCS = path.join(ROOT, 'docs', 'console');

const fb = useFogbank();
let browser;

before(async () => {
  if (skip) return;
  mkdirSync(OUT, { recursive: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/** A console page in a fresh browser context, its live stream connected. */
async function open(pathAndQuery) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  const res = await page.goto(`${fb.endpoint}/_fogbank/ui/${pathAndQuery}`);
  assert.equal(res.status(), 200);
  await page.waitForFunction(() => document.body.dataset.live === 'open');
  page.errors = errors;
  return page;
}

/** Saves a screenshot of the whole page as OUT/name.png (and docs/console when asked). */
async function shot(page, name) {
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (process.env.FOGBANK_UPDATE_SCREENSHOTS === '1') {
    mkdirSync(DOCS, { recursive: true });
    copyFileSync(file, path.join(DOCS, `${name}.png`));
  }
}

/**
 * Basic accessibility of the page at `pathAndQuery`, opened afresh (keyboard focus at the top):
 * language, one h1, landmarks, every control labelled, skip link first.
 */
async function checkAccessibility(pathAndQuery) {
  const page = await open(pathAndQuery);
  const report = await page.evaluate(() => {
    const controls = Array.from(
      document.querySelectorAll('input:not([type=hidden]), textarea, select'),
    );
    return {
      lang: document.documentElement.lang,
      h1: document.querySelectorAll('h1').length,
      main: document.querySelectorAll('main').length,
      nav: document.querySelector('nav')?.getAttribute('aria-label'),
      unlabelled: controls.filter((c) => c.labels.length === 0).map((c) => c.outerHTML),
      buttonsWithoutText: Array.from(document.querySelectorAll('button'))
        .filter((b) => !b.textContent.trim())
        .map((b) => b.outerHTML),
      tablesWithoutHeaders: Array.from(document.querySelectorAll('table'))
        .filter((t) => !t.querySelector('th'))
        .map((t) => t.className),
    };
  });
  assert.equal(report.lang, 'en');
  assert.equal(report.h1, 1);
  assert.equal(report.main, 1);
  assert.ok(report.nav, 'the navigation is labelled');
  assert.deepEqual(report.unlabelled, []);
  assert.deepEqual(report.buttonsWithoutText, []);
  assert.deepEqual(report.tablesWithoutHeaders, []);
  // Keyboard: the first Tab reaches the skip link, Enter on it moves focus to the content.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
  assert.deepEqual(page.errors, [], 'no script errors or failed loads');
  await page.context().close();
}

async function queueArn(QueueUrl) {
  const out = await fb.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return out.Attributes.QueueArn;
}

/** A queue with a dead-letter queue after `maxReceiveCount` receives. */
async function queueWithDlq(maxReceiveCount = 1) {
  const name = unique('orders');
  const dlq = await fb.sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqArn = await queueArn(dlq.QueueUrl);
  const src = await fb.sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
      },
    }),
  );
  return { name, url: src.QueueUrl, arn: await queueArn(src.QueueUrl), dlqUrl: dlq.QueueUrl, dlqArn };
}

const queuePage = (arn) => `queue?arn=${encodeURIComponent(arn)}`;

test('a message sent with the SDK appears in the open queue page, live', { skip }, async () => {
  const q = await queueWithDlq(3);
  const page = await open(queuePage(q.arn));
  await page.evaluate(() => {
    window.notReloaded = true;
  });
  assert.equal(await page.locator('tr.message').count(), 0);
  const body = `stuck order ${unique('m')}`;
  await fb.sqs.send(
    new SendMessageCommand({
      QueueUrl: q.url,
      MessageBody: body,
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'order' } },
    }),
  );
  const row = page.locator('tr.message', { hasText: body });
  await row.waitFor({ timeout: 10_000 });
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'updated in place');
  assert.ok(Number(await page.evaluate(() => document.body.dataset.liveUpdates)) >= 1);
  assert.match(await row.textContent(), /visible/);
  assert.match(await row.textContent(), /kind \(String\)order/);
  // A receive shows it in flight, with its receive count; the page changed nothing itself.
  await fb.sqs.send(new ReceiveMessageCommand({ QueueUrl: q.url, VisibilityTimeout: 120 }));
  await page.locator('tr.message', { hasText: 'in flight' }).waitFor({ timeout: 10_000 });
  assert.match(await page.locator('ul.counts').textContent(), /0 visible\s*1 in flight\s*0 delayed/);
  assert.match(await page.locator('p.dlq').first().textContent(), /Dead-letter queue: .*-dlq \(after 3 receives\)/);
  await shot(page, 'queue');
  await checkAccessibility(queuePage(q.arn));
  await page.context().close();
});

test('a message sent from the page is received by the SDK', { skip }, async () => {
  const q = await queueWithDlq();
  const page = await open(queuePage(q.arn));
  const body = `from the console ${unique('m')}`;
  await page.getByLabel('Message body').fill(body);
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.getByRole('status').filter({ hasText: 'Sent message' }).waitFor();
  const got = await fb.sqs.send(new ReceiveMessageCommand({ QueueUrl: q.url, WaitTimeSeconds: 2 }));
  assert.equal(got.Messages?.[0]?.Body, body);
  await page.context().close();
});

test('purge asks for confirmation first', { skip }, async () => {
  const q = await queueWithDlq();
  await fb.sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'keep me' }));
  const page = await open(queuePage(q.arn));
  const before = page.url();
  await page.getByRole('button', { name: 'Purge queue' }).click();
  // The browser refuses to submit without the confirmation ticked.
  const invalid = await page.locator('#purge-confirm').evaluate((el) => !el.checkValidity());
  assert.equal(invalid, true);
  assert.equal(page.url(), before);
  const count = async () =>
    (
      await fb.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: q.url,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      )
    ).Attributes.ApproximateNumberOfMessages;
  assert.equal(await count(), '1');
  await page.getByLabel(/Yes, delete every message/).check();
  await page.getByRole('button', { name: 'Purge queue' }).click();
  await page.getByRole('status').filter({ hasText: 'Purged' }).waitFor();
  assert.equal(await count(), '0');
  await page.context().close();
});

test('a dead-letter queue links to its source and redrives into it', { skip }, async () => {
  const q = await queueWithDlq(1);
  const body = `poison ${unique('m')}`;
  await fb.sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: body }));
  // Received once, then found at maxReceiveCount on the next receive: moved to the DLQ.
  await fb.sqs.send(new ReceiveMessageCommand({ QueueUrl: q.url, VisibilityTimeout: 0 }));
  await fb.sqs.send(new ReceiveMessageCommand({ QueueUrl: q.url, VisibilityTimeout: 0 }));
  const page = await open(queuePage(q.dlqArn));
  await page.locator('tr.message', { hasText: body }).waitFor();
  const sources = page.locator('p.dlq', { hasText: 'Dead-letter queue of' });
  assert.match(await sources.textContent(), new RegExp(q.name));
  await shot(page, 'dead-letter-queue');
  await page.getByRole('button', { name: 'Start redrive' }).click();
  await page.getByRole('status').filter({ hasText: 'Redrive started' }).waitFor();
  const got = await waitFor(
    async () => {
      const r = await fb.sqs.send(new ReceiveMessageCommand({ QueueUrl: q.url, WaitTimeSeconds: 1 }));
      return r.Messages?.[0];
    },
    { what: 'the redriven message' },
  );
  assert.equal(got.Body, body);
  // The source link leads to the source queue's page.
  await sources.getByRole('link', { name: q.name }).click();
  await page.getByRole('heading', { level: 1, name: `Queue ${q.name}` }).waitFor();
  await page.context().close();
});

/** An HTTP endpoint that confirms its subscription and answers notifications with 500. */
async function failingEndpoint() {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', async () => {
      const msg = JSON.parse(body || '{}');
      if (msg.Type === 'SubscriptionConfirmation') {
        await fetch(msg.SubscribeURL);
        res.writeHead(200).end();
      } else {
        res.writeHead(500).end('broken');
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/hook`, close: () => server.close() };
}

test('a publish from the page shows each subscription\'s outcome', { skip }, async () => {
  const { TopicArn } = await fb.sns.send(new CreateTopicCommand({ Name: unique('events') }));
  const orders = await queueWithDlq();
  const refunds = await queueWithDlq();
  await fb.sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: orders.arn,
      Attributes: { FilterPolicy: JSON.stringify({ kind: ['order'] }) },
    }),
  );
  await fb.sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: refunds.arn,
      Attributes: { FilterPolicy: JSON.stringify({ kind: ['refund'] }) },
    }),
  );
  const hook = await failingEndpoint();
  try {
    await fb.sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'http',
        Endpoint: hook.url,
        Attributes: {
          DeliveryPolicy: JSON.stringify({
            healthyRetryPolicy: { numRetries: 0, minDelayTarget: 1, maxDelayTarget: 1 },
          }),
        },
      }),
    );
    const page = await open(`topic?arn=${encodeURIComponent(TopicArn)}`);
    await page.locator('tr.subscription', { hasText: 'confirmed' }).nth(2).waitFor();
    await page.getByLabel('Message', { exact: true }).fill('{"order": 42}');
    await page.getByLabel(/Message attributes/).fill('kind=order');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('status').filter({ hasText: 'Published message' }).waitFor();
    const publish = page.locator('article.publish').first();
    await publish.locator('tr', { hasText: hook.url }).filter({ hasText: 'failed' }).waitFor({ timeout: 15_000 });
    const rows = publish.locator('tbody tr');
    const text = async (endpoint) => rows.filter({ hasText: endpoint }).textContent();
    assert.match(await text(orders.arn), /delivered/);
    assert.match(await text(refunds.arn), /filtered out/);
    assert.match(await text(hook.url), /failed.*500/);
    const got = await fb.sqs.send(new ReceiveMessageCommand({ QueueUrl: orders.url, WaitTimeSeconds: 2 }));
    assert.equal(JSON.parse(got.Messages[0].Body).Message, '{"order": 42}');
    await shot(page, 'topic');
    await checkAccessibility(`topic?arn=${encodeURIComponent(TopicArn)}`);
    await page.context().close();
  } finally {
    hook.close();
  }
});

/** A zip archive of { name: source }. */
function zip(files) {
  const z = new AdmZip();
  for (const [name, body] of Object.entries(files)) {
    z.addFile(name, Buffer.from(body, 'utf8'), '', 0o100644 << 16);
  }
  return z.toBuffer();
}

const HANDLER = `
import json

def handler(event, context):
    print("handling", json.dumps(event, sort_keys=True))
    if event.get("boom"):
        raise ValueError("kaboom: " + event["boom"])
    return {"ok": True, "got": event}
`;

test('an invoke from the page shows its result, and a failing one its log', { skip }, async () => {
  const name = unique('fn');
  const fn = await fb.lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'python3.12',
      Role: 'arn:aws:iam::000000000000:role/lambda-role',
      Handler: 'app.handler',
      Code: { ZipFile: zip({ 'app.py': HANDLER }) },
    }),
  );
  const page = await open(`function?arn=${encodeURIComponent(fn.FunctionArn)}`);
  await page.getByLabel('Event (JSON)').fill('{"order": 7}');
  await page.getByRole('button', { name: 'Invoke' }).click();
  await page.getByRole('status').filter({ hasText: 'Invoked.' }).waitFor();
  assert.deepEqual(JSON.parse(await page.locator('#invoke-payload-out').textContent()), {
    ok: true,
    got: { order: 7 },
  });
  assert.match(await page.locator('#invoke-result pre.log').textContent(), /handling \{"order": 7\}/);

  await page.getByLabel('Event (JSON)').fill('{"boom": "bad input"}');
  await page.getByRole('button', { name: 'Invoke' }).click();
  await page.getByRole('alert').filter({ hasText: 'The function failed' }).waitFor();
  // Recent invocations: both, newest first, the failing one with its error and log lines.
  const failed = page.locator('tbody.invocation').first();
  await failed.getByText('failed').waitFor();
  assert.match(await failed.textContent(), /ValueError: kaboom: bad input/);
  assert.match(await failed.textContent(), /API \(RequestResponse\)/);
  await failed.locator('summary').click();
  const log = await failed.locator('pre.log').textContent();
  assert.match(log, /START RequestId: /);
  assert.match(log, /handling \{"boom": "bad input"\}/);
  assert.match(log, /REPORT RequestId: /);
  assert.match(await page.locator('tbody.invocation').nth(1).textContent(), /succeeded/);
  await shot(page, 'function');
  await checkAccessibility(`function?arn=${encodeURIComponent(fn.FunctionArn)}`);
  await page.context().close();
});

test('the overview and list pages show every service and update live', { skip }, async () => {
  const page = await open('');
  const queues = page.locator('#ov-queues + p');
  const before = Number((await queues.textContent()).match(/(\d+) queues/)[1]);
  await fb.sqs.send(new CreateQueueCommand({ QueueName: unique('overview') }));
  await page.locator('#ov-queues + p', { hasText: `${before + 1} queues` }).waitFor();
  await shot(page, 'overview');
  await checkAccessibility('');
  for (const [list, name] of [
    ['queues', 'queues'],
    ['topics', 'topics'],
    ['functions', 'functions'],
  ]) {
    const p = await open(list);
    assert.equal(await p.getByRole('link', { name: name[0].toUpperCase() + name.slice(1) }).getAttribute('aria-current'), 'page');
    await shot(p, name);
    await checkAccessibility(list);
    await p.context().close();
  }
  await page.context().close();
});
