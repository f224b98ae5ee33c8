// fogbank/jest and fogbank/jest-teardown as jest calls them (globalSetup, then the workers read
// process.env, then globalTeardown), without installing jest itself.
const assert = require('node:assert');
const { test } = require('node:test');

const setup = require('fogbank/jest');
const teardown = require('fogbank/jest-teardown');

test('jest globalSetup starts a server the environment names and teardown stops it', async () => {
  const before = process.env.AWS_ENDPOINT_URL;
  await setup();
  const endpoint = process.env.AWS_ENDPOINT_URL;
  try {
    assert.notStrictEqual(endpoint, before);
    assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.strictEqual(process.env.AWS_ACCESS_KEY_ID, 'test');
    assert.strictEqual(process.env.AWS_REGION, 'us-east-1');
    const health = await fetch(`${endpoint}/_fogbank/health`);
    assert.strictEqual(health.status, 200);
  } finally {
    await teardown();
  }
  await assert.rejects(fetch(`${endpoint}/_fogbank/health`));
});
