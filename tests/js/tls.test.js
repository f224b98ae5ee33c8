// fogbank started with --tls: the SDK over https on the same port, and AWS's own SNS message
// validator (sns-validator, github.com/aws/aws-js-sns-message-validator) accepting what
// fogbank sends, which it only does for an https SigningCertURL.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import https from 'node:https';
import { after, test } from 'node:test';

import MessageValidator from 'sns-validator';
import {
  ListTopicsCommand,
  PublishCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
  CreateTopicCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

import { unique, useFogbank, waitFor } from './lib/fogbank.js';

const fb = useFogbank({ args: ['--tls'] });

// fogbank's certificate, trusted by node's global https agent (which sns-validator fetches
// SigningCertURL with) and by the https SDK clients below. Fetched by the first test that needs
// it (once fogbank is up).
let pem;
async function trustFogbank() {
  if (!pem) {
    const res = await fetch(`${fb.endpoint}/_fogbank/tls/cert.pem`);
    assert.equal(res.status, 200);
    pem = await res.text();
    assert.match(pem, /^-----BEGIN CERTIFICATE-----/);
    https.globalAgent.options.ca = pem;
  }
  return pem;
}
after(() => {
  delete https.globalAgent.options.ca;
});

// The validator checks that SigningCertURL is https, ends in .pem and that its host (with the
// port) matches this pattern; AWS's default pattern only admits sns.<region>.amazonaws.com.
const LOCAL_HOSTS = /^(localhost|127\.0\.0\.1):\d+$/;

function validate(message, hostPattern = LOCAL_HOSTS) {
  const validator = hostPattern ? new MessageValidator(hostPattern) : new MessageValidator();
  return new Promise((resolve, reject) => {
    validator.validate(message, (err, valid) => (err ? reject(err) : resolve(valid)));
  });
}

async function receiveBody(url) {
  const out = await fb.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10, VisibilityTimeout: 60 }));
  assert.equal(out.Messages?.length, 1);
  return out.Messages[0].Body;
}

test('the SDK reaches fogbank over https on the same port as http', async () => {
  await trustFogbank();
  const port = new URL(fb.endpoint).port;
  const config = {
    ...fb.config,
    endpoint: `https://localhost:${port}`,
    requestHandler: { httpsAgent: new https.Agent({ ca: pem }) },
  };
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  try {
    const arn = (await sns.send(new CreateTopicCommand({ Name: unique('tls') }))).TopicArn;
    const topics = await sns.send(new ListTopicsCommand({}));
    assert.ok(topics.Topics.some((t) => t.TopicArn === arn));
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: unique('tls') }))).QueueUrl;
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'over https' }));
    // The same queue, read over plain http.
    assert.equal(await receiveBody(url), 'over https');
  } finally {
    sns.destroy();
    sqs.destroy();
  }
});

test("AWS's sns-validator accepts fogbank's SQS envelopes (versions 1 and 2) and refuses tampering", async () => {
  await trustFogbank();
  const topic = (await fb.sns.send(new CreateTopicCommand({ Name: unique('validated') }))).TopicArn;
  const url = (await fb.sqs.send(new CreateQueueCommand({ QueueName: unique('validated') }))).QueueUrl;
  const attrs = await fb.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  await fb.sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: attrs.Attributes.QueueArn }));

  await fb.sns.send(new PublishCommand({ TopicArn: topic, Message: 'checked by AWS code', Subject: 'hello' }));
  const env = JSON.parse(await receiveBody(url));
  assert.match(env.SigningCertURL, /^https:\/\/127\.0\.0\.1:\d+\/.*\.pem$/);
  assert.equal(env.SignatureVersion, '1');
  const valid = await validate(env);
  assert.equal(valid.Message, 'checked by AWS code');
  // The raw JSON text, as an HTTP endpoint would receive it, validates too.
  await validate(JSON.stringify(env));

  await assert.rejects(validate({ ...env, Message: 'forged' }), /signature/i);
  await assert.rejects(validate({ ...env, Subject: 'forged' }), /signature/i);
  // With AWS's default host pattern, only sns.<region>.amazonaws.com certificates pass.
  await assert.rejects(validate(env, null), /invalid domain/);

  await fb.sns.send(new SetTopicAttributesCommand({ TopicArn: topic, AttributeName: 'SignatureVersion', AttributeValue: '2' }));
  await fb.sns.send(new PublishCommand({ TopicArn: topic, Message: 'version two' }));
  const env2 = JSON.parse(await receiveBody(url));
  assert.equal(env2.SignatureVersion, '2');
  assert.equal((await validate(env2)).Message, 'version two');
});

test("an HTTP subscriber validates the confirmation with AWS's validator, confirms over https, then validates notifications", async () => {
  await trustFogbank();
  const received = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ type: req.headers['x-amz-sns-message-type'], body });
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const endpoint = `http://127.0.0.1:${server.address().port}/sns`;
    const topic = (await fb.sns.send(new CreateTopicCommand({ Name: unique('http-validated') }))).TopicArn;
    await fb.sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'http', Endpoint: endpoint }));

    const confirmation = await waitFor(() => received.find((r) => r.type === 'SubscriptionConfirmation'), {
      what: 'the SubscriptionConfirmation',
    });
    const message = await validate(confirmation.body);
    assert.match(message.SubscribeURL, /^https:\/\/127\.0\.0\.1:\d+\/\?Action=ConfirmSubscription&/);
    // What a subscriber does next: GET the SubscribeURL (over TLS).
    const answer = await new Promise((resolve, reject) => {
      https
        .get(message.SubscribeURL, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode, text }));
        })
        .on('error', reject);
    });
    assert.equal(answer.status, 200);
    assert.match(answer.text, /<SubscriptionArn>arn:aws:sns:/);

    await fb.sns.send(new PublishCommand({ TopicArn: topic, Message: 'after confirmation' }));
    const note = await waitFor(() => received.find((r) => r.type === 'Notification'), { what: 'the Notification' });
    const valid = await validate(note.body);
    assert.equal(valid.Message, 'after confirmation');
    assert.match(valid.UnsubscribeURL, /^https:\/\//);
  } finally {
    server.close();
  }
});
