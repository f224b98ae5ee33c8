// SNS through @aws-sdk/client-sns (query protocol), delivering into SQS queues read with
// @aws-sdk/client-sqs.

import assert from 'node:assert/strict';
import { createVerify, X509Certificate } from 'node:crypto';
import { test } from 'node:test';

import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  NotFoundException,
  paginateListSubscriptionsByTopic,
  paginateListTopics,
  PublishBatchCommand,
  PublishCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';

import { md5, md5OfAttributes, rejection, unique, useFogbank } from './lib/fogbank.js';

const fb = useFogbank();

async function createQueue(name, Attributes) {
  const { QueueUrl } = await fb.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes }));
  const { Attributes: a } = await fb.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { url: QueueUrl, arn: a.QueueArn };
}

async function createTopic(Name, Attributes, Tags) {
  return (await fb.sns.send(new CreateTopicCommand({ Name, Attributes, Tags }))).TopicArn;
}

async function subscribeQueue(TopicArn, queue, Attributes) {
  const out = await fb.sns.send(
    new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queue.arn, Attributes, ReturnSubscriptionArn: true }),
  );
  return out.SubscriptionArn;
}

/** Receives until `count` messages arrived (long polls, so no fixed sleep), deleting them. */
async function receive(url, count, extra = {}) {
  const got = [];
  const deadline = Date.now() + 10_000;
  while (got.length < count && Date.now() < deadline) {
    const r = await fb.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 2,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        ...extra,
      }),
    );
    for (const m of r.Messages ?? []) {
      got.push(m);
      await fb.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    }
  }
  assert.equal(got.length, count, `expected ${count} messages on ${url}, got ${got.length}`);
  return got;
}

/** Asserts a queue holds nothing (SNS -> SQS delivery is done when Publish returns). */
async function assertEmpty(url) {
  const r = await fb.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0 }));
  assert.deepEqual((r.Messages ?? []).map((m) => m.Body), []);
}

// AWS's string to sign for Notification messages: these keys, in this order, when present,
// each as "Key\nValue\n" (SequenceNumber, MessageAttributes and the URLs are not signed).
const NOTIFICATION_KEYS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'];

async function verifyEnvelope(env) {
  const res = await fetch(env.SigningCertURL);
  assert.equal(res.status, 200);
  const pem = await res.text();
  assert.match(pem, /^-----BEGIN CERTIFICATE-----/);
  const cert = new X509Certificate(pem);
  const now = Date.now();
  assert.ok(Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo), 'certificate is current');
  const algorithm = { 1: 'RSA-SHA1', 2: 'RSA-SHA256' }[env.SignatureVersion];
  assert.ok(algorithm, `SignatureVersion ${env.SignatureVersion}`);
  const verifier = createVerify(algorithm);
  for (const key of NOTIFICATION_KEYS) {
    if (key in env) verifier.update(`${key}\n${env[key]}\n`, 'utf8');
  }
  return verifier.verify(cert.publicKey, env.Signature, 'base64');
}

test('CreateTopic: idempotent, attributes, tags; Get/SetTopicAttributes', async () => {
  const name = unique('t');
  const arn = await createTopic(name, { DisplayName: 'Shown' }, [{ Key: 'team', Value: 'a' }]);
  assert.equal(arn, `arn:aws:sns:us-east-1:000000000000:${name}`);
  // Same name and same attributes/tags: the same topic.
  assert.equal(await createTopic(name, { DisplayName: 'Shown' }, [{ Key: 'team', Value: 'a' }]), arn);
  assert.equal(await createTopic(name), arn);
  const differs = await rejection(() => createTopic(name, { DisplayName: 'Other' }));
  assert.equal(differs.name, 'InvalidParameterException');
  assert.equal(differs.$metadata.httpStatusCode, 400);
  assert.match(differs.message, /already exists with different attributes/);

  const { Attributes } = await fb.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }));
  assert.equal(Attributes.TopicArn, arn);
  assert.equal(Attributes.DisplayName, 'Shown');
  assert.equal(Attributes.Owner, '000000000000');
  assert.equal(Attributes.SubscriptionsConfirmed, '0');
  assert.equal(Attributes.SubscriptionsPending, '0');
  const policy = JSON.parse(Attributes.Policy);
  assert.equal(policy.Statement[0].Resource, arn);
  assert.ok(JSON.parse(Attributes.EffectiveDeliveryPolicy).http);
  assert.equal(Attributes.FifoTopic, undefined);

  await fb.sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'DisplayName', AttributeValue: 'New' }));
  await fb.sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'SignatureVersion', AttributeValue: '2' }));
  const after = (await fb.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))).Attributes;
  assert.equal(after.DisplayName, 'New');
  assert.equal(after.SignatureVersion, '2');

  const tags = await fb.sns.send(new ListTagsForResourceCommand({ ResourceArn: arn }));
  assert.deepEqual(tags.Tags, [{ Key: 'team', Value: 'a' }]);

  const fifo = await createTopic(`${name}.fifo`, { FifoTopic: 'true', ContentBasedDeduplication: 'true' });
  const fa = (await fb.sns.send(new GetTopicAttributesCommand({ TopicArn: fifo }))).Attributes;
  assert.equal(fa.FifoTopic, 'true');
  assert.equal(fa.ContentBasedDeduplication, 'true');
  const notFifoName = await rejection(() => createTopic(`${name}-x`, { FifoTopic: 'true' }));
  assert.equal(notFifoName.name, 'InvalidParameterException');
});

test('Publish with every attribute type: the envelope and raw delivery in SQS', async () => {
  const name = unique('t');
  const topic = await createTopic(name);
  const envQ = await createQueue(`${name}-env`);
  const rawQ = await createQueue(`${name}-raw`);
  const envSub = await subscribeQueue(topic, envQ);
  const rawSub = await subscribeQueue(topic, rawQ, { RawMessageDelivery: 'true' });
  assert.match(envSub, new RegExp(`^${topic}:[0-9a-f-]{36}$`));
  const sa = (await fb.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: rawSub }))).Attributes;
  assert.equal(sa.RawMessageDelivery, 'true');
  assert.equal(sa.Protocol, 'sqs');
  assert.equal(sa.Endpoint, rawQ.arn);
  assert.equal(sa.PendingConfirmation, 'false');

  const bytes = Uint8Array.from([0, 1, 0x7f, 0x80, 0xff]);
  const MessageAttributes = {
    str: { DataType: 'String', StringValue: 'blue ünï' },
    list: { DataType: 'String.Array', StringValue: '["a", 1, true, null]' },
    num: { DataType: 'Number', StringValue: '-1.5e3' },
    bin: { DataType: 'Binary', BinaryValue: bytes },
  };
  const message = 'hello "world" ✓\nline two';
  const pub = await fb.sns.send(new PublishCommand({ TopicArn: topic, Message: message, Subject: 'greeting', MessageAttributes }));
  assert.match(pub.MessageId, /^[0-9a-f-]{36}$/);

  // The SDK has already checked MD5OfBody of each received message against its body.
  const [m] = await receive(envQ.url, 1);
  assert.equal(m.MD5OfBody, md5(m.Body));
  assert.equal(m.MessageAttributes, undefined, 'the envelope carries the attributes, not SQS');
  const env = JSON.parse(m.Body);
  assert.equal(env.Type, 'Notification');
  assert.equal(env.MessageId, pub.MessageId);
  assert.equal(env.TopicArn, topic);
  assert.equal(env.Subject, 'greeting');
  assert.equal(env.Message, message);
  assert.match(env.Timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Math.abs(Date.parse(env.Timestamp) - Date.now()) < 60_000);
  assert.equal(env.SignatureVersion, '1');
  assert.ok(Buffer.from(env.Signature, 'base64').length === 256, 'RSA-2048 signature');
  assert.equal(new URL(env.SigningCertURL).origin, fb.endpoint);
  assert.match(new URL(env.SigningCertURL).pathname, /\.pem$/);
  const unsub = new URL(env.UnsubscribeURL);
  assert.equal(unsub.searchParams.get('Action'), 'Unsubscribe');
  assert.equal(unsub.searchParams.get('SubscriptionArn'), envSub);
  assert.deepEqual(env.MessageAttributes, {
    str: { Type: 'String', Value: 'blue ünï' },
    list: { Type: 'String.Array', Value: '["a", 1, true, null]' },
    num: { Type: 'Number', Value: '-1.5e3' },
    bin: { Type: 'Binary', Value: Buffer.from(bytes).toString('base64') },
  });
  assert.equal(env.SequenceNumber, undefined);
  assert.ok(await verifyEnvelope(env), 'envelope signature verifies');

  // Raw delivery: the body as published, SNS attributes as SQS attributes (String.Array kept
  // as its data type), with AWS's MD5OfMessageAttributes over them.
  const [r] = await receive(rawQ.url, 1);
  assert.equal(r.Body, message);
  assert.equal(r.MD5OfBody, md5(message));
  assert.deepEqual(r.MessageAttributes, MessageAttributes);
  assert.equal(r.MD5OfMessageAttributes, md5OfAttributes(MessageAttributes));

  // Without Subject and attributes the envelope has neither key.
  await fb.sns.send(new PublishCommand({ TopicArn: topic, Message: 'plain' }));
  const plain = JSON.parse((await receive(envQ.url, 1))[0].Body);
  assert.equal(plain.Message, 'plain');
  assert.ok(!('Subject' in plain) && !('MessageAttributes' in plain), JSON.stringify(plain));
  assert.ok(await verifyEnvelope(plain));
  await receive(rawQ.url, 1);

  // The UnsubscribeURL works with a plain GET, as on AWS.
  const res = await fetch(env.UnsubscribeURL);
  assert.equal(res.status, 200);
  const subs = await fb.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic }));
  assert.deepEqual(subs.Subscriptions.map((s) => s.SubscriptionArn), [rawSub]);
});

test('envelope signatures (versions 1 and 2) verify with node crypto and fail when tampered', async () => {
  const name = unique('t');
  const topic = await createTopic(name);
  const q = await createQueue(name);
  await subscribeQueue(topic, q);
  for (const version of ['1', '2']) {
    await fb.sns.send(new SetTopicAttributesCommand({ TopicArn: topic, AttributeName: 'SignatureVersion', AttributeValue: version }));
    await fb.sns.send(
      new PublishCommand({ TopicArn: topic, Message: `signed ünïcode\nv${version}`, Subject: 'subject' }),
    );
    const env = JSON.parse((await receive(q.url, 1))[0].Body);
    assert.equal(env.SignatureVersion, version);
    assert.equal(await verifyEnvelope(env), true, `v${version} verifies`);
    for (const key of ['Message', 'Subject', 'Timestamp', 'MessageId']) {
      assert.equal(await verifyEnvelope({ ...env, [key]: `${env[key]}x` }), false, `v${version} tampered ${key}`);
    }
    // The other algorithm does not verify it.
    const other = version === '1' ? '2' : '1';
    assert.equal(await verifyEnvelope({ ...env, SignatureVersion: other }), false);
  }
});

test('filter policies: message attributes scope and MessageBody scope drop and pass', async () => {
  const name = unique('t');
  const topic = await createTopic(name);
  const attrQ = await createQueue(`${name}-attr`);
  const bodyQ = await createQueue(`${name}-body`);
  await subscribeQueue(topic, attrQ, {
    RawMessageDelivery: 'true',
    FilterPolicy: JSON.stringify({
      color: ['red', { prefix: 'dark-' }],
      size: [{ numeric: ['>', 10, '<=', 20] }],
      tags: ['urgent'],
    }),
  });
  await subscribeQueue(topic, bodyQ, {
    RawMessageDelivery: 'true',
    FilterPolicyScope: 'MessageBody',
    FilterPolicy: JSON.stringify({ order: { state: ['paid'], total: [{ numeric: ['>=', 100] }] } }),
  });
  const attrs = (color, size, tags) => ({
    color: { DataType: 'String', StringValue: color },
    size: { DataType: 'Number', StringValue: String(size) },
    tags: { DataType: 'String.Array', StringValue: JSON.stringify(tags) },
  });
  const publish = (Message, MessageAttributes) =>
    fb.sns.send(new PublishCommand({ TopicArn: topic, Message, MessageAttributes }));

  await publish('blue', attrs('blue', 11, ['urgent'])); // color does not match
  await publish('too big', attrs('red', 21, ['urgent'])); // size out of range
  await publish('not urgent', attrs('red', 15, ['later'])); // no tag matches
  await publish('no attrs'); // nothing to match
  await publish('red', attrs('red', 15, ['later', 'urgent']));
  await publish('dark', attrs('dark-green', 20, ['urgent']));
  const passed = await receive(attrQ.url, 2);
  assert.deepEqual(passed.map((m) => m.Body).sort(), ['dark', 'red']);
  await assertEmpty(attrQ.url);

  await publish(JSON.stringify({ order: { state: 'open', total: 500 } }));
  await publish(JSON.stringify({ order: { state: 'paid', total: 99 } }));
  await publish('not json at all');
  await publish(JSON.stringify({ order: { state: 'paid', total: 100, lines: 3 } }));
  const body = await receive(bodyQ.url, 1);
  assert.deepEqual(JSON.parse(body[0].Body), { order: { state: 'paid', total: 100, lines: 3 } });
  await assertEmpty(bodyQ.url);

  // An invalid policy is refused at Subscribe.
  const bad = await rejection(() =>
    subscribeQueue(topic, attrQ, { FilterPolicy: JSON.stringify({ size: [{ numeric: ['>>', 1] }] }) }),
  );
  assert.equal(bad.name, 'InvalidParameterException');
  assert.equal(bad.$metadata.httpStatusCode, 400);
});

test('FIFO topic to FIFO queues (group id, deduplication, sequence numbers) and a standard queue', async () => {
  const name = unique('t');
  const topic = await createTopic(`${name}.fifo`, { FifoTopic: 'true', ContentBasedDeduplication: 'true' });
  const rawQ = await createQueue(`${name}-raw.fifo`, { FifoQueue: 'true' });
  const envQ = await createQueue(`${name}-env.fifo`, { FifoQueue: 'true' });
  await subscribeQueue(topic, rawQ, { RawMessageDelivery: 'true' });
  await subscribeQueue(topic, envQ);

  const first = await fb.sns.send(new PublishCommand({ TopicArn: topic, Message: '1', MessageGroupId: 'g' }));
  assert.match(first.SequenceNumber, /^\d+$/);
  const second = await fb.sns.send(new PublishCommand({ TopicArn: topic, Message: '2', MessageGroupId: 'g' }));
  assert.ok(BigInt(second.SequenceNumber) > BigInt(first.SequenceNumber));
  // Same content within the deduplication window: accepted, not delivered again.
  const dup = await fb.sns.send(new PublishCommand({ TopicArn: topic, Message: '1', MessageGroupId: 'g' }));
  assert.equal(dup.MessageId, first.MessageId);
  await fb.sns.send(
    new PublishCommand({ TopicArn: topic, Message: '1', MessageGroupId: 'h', MessageDeduplicationId: 'explicit-1' }),
  );

  const raw = await receive(rawQ.url, 3);
  assert.deepEqual(raw.map((m) => [m.Body, m.Attributes.MessageGroupId]), [['1', 'g'], ['2', 'g'], ['1', 'h']]);
  assert.equal(raw[2].Attributes.MessageDeduplicationId, 'explicit-1');
  const env = (await receive(envQ.url, 3)).map((m) => JSON.parse(m.Body));
  assert.deepEqual(env.map((e) => e.Message), ['1', '2', '1']);
  assert.equal(env[0].MessageId, first.MessageId);
  assert.equal(env[0].SequenceNumber, first.SequenceNumber);
  // AWS does not sign FIFO topics' notifications: no signature fields at all.
  assert.deepEqual(Object.keys(env[1]), [
    'Type', 'MessageId', 'SequenceNumber', 'TopicArn', 'Message', 'Timestamp', 'UnsubscribeURL',
  ]);

  // AWS also lets a standard queue subscribe to a FIFO topic (best-effort order, no dedup id).
  const stdQ = await createQueue(`${name}-std`);
  await subscribeQueue(topic, stdQ, { RawMessageDelivery: 'true' });
  await fb.sns.send(new PublishCommand({ TopicArn: topic, Message: 'to standard', MessageGroupId: 'g' }));
  assert.deepEqual((await receive(stdQ.url, 1)).map((m) => m.Body), ['to standard']);
  await receive(rawQ.url, 1);
  await receive(envQ.url, 1);

  const noGroup = await rejection(() => fb.sns.send(new PublishCommand({ TopicArn: topic, Message: 'x' })));
  assert.equal(noGroup.name, 'InvalidParameterException');
  assert.equal(noGroup.$metadata.httpStatusCode, 400);
  assert.match(noGroup.message, /MessageGroupId/);
});

test('PublishBatch: per-entry success and failure', async () => {
  const name = unique('t');
  const topic = await createTopic(name);
  const q = await createQueue(name);
  await subscribeQueue(topic, q, { RawMessageDelivery: 'true' });
  const out = await fb.sns.send(
    new PublishBatchCommand({
      TopicArn: topic,
      PublishBatchRequestEntries: [
        { Id: 'ok1', Message: 'one', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } },
        { Id: 'empty', Message: '' },
        { Id: 'ok2', Message: 'two' },
      ],
    }),
  );
  assert.deepEqual(out.Successful.map((e) => e.Id), ['ok1', 'ok2']);
  assert.ok(out.Successful.every((e) => /^[0-9a-f-]{36}$/.test(e.MessageId)));
  assert.deepEqual(
    out.Failed.map((e) => [e.Id, e.Code, e.SenderFault]),
    [['empty', 'InvalidParameter', true]],
  );
  assert.ok(out.Failed.every((e) => e.Message));
  const got = await receive(q.url, 2);
  assert.deepEqual(got.map((m) => m.Body).sort(), ['one', 'two']);
  assert.deepEqual(got.find((m) => m.Body === 'one').MessageAttributes, { k: { DataType: 'String', StringValue: 'v' } });

  // An invalid message attribute in any entry fails the whole request, as on AWS (LocalStack's
  // recorded test_empty_or_wrong_message_attributes), and nothing of the batch is published.
  const badNumber = await rejection(() =>
    fb.sns.send(
      new PublishBatchCommand({
        TopicArn: topic,
        PublishBatchRequestEntries: [
          { Id: 'fine', Message: 'not sent' },
          { Id: 'badNumber', Message: 'x', MessageAttributes: { n: { DataType: 'Number', StringValue: 'abc' } } },
        ],
      }),
    ),
  );
  assert.equal(badNumber.name, 'InvalidParameterValueException');
  assert.equal(badNumber.$metadata.httpStatusCode, 400);
  await assertEmpty(q.url);

  const dupIds = await rejection(() =>
    fb.sns.send(
      new PublishBatchCommand({
        TopicArn: topic,
        PublishBatchRequestEntries: [
          { Id: 'a', Message: '1' },
          { Id: 'a', Message: '2' },
        ],
      }),
    ),
  );
  assert.equal(dupIds.name, 'BatchEntryIdsNotDistinctException');
  assert.equal(dupIds.$metadata.httpStatusCode, 400);
});

test('ListTopics and ListSubscriptionsByTopic page by 100 with NextToken', async () => {
  const prefix = unique('page');
  const arns = [];
  for (let i = 0; i < 105; i++) arns.push(await createTopic(`${prefix}-${i}`));
  const first = await fb.sns.send(new ListTopicsCommand({}));
  assert.equal(first.Topics.length, 100);
  assert.ok(first.NextToken, 'NextToken on a full page');
  const all = [];
  for await (const page of paginateListTopics({ client: fb.sns }, {})) {
    all.push(...page.Topics.map((t) => t.TopicArn));
  }
  assert.equal(new Set(all).size, all.length, 'no topic listed twice');
  for (const arn of arns) assert.ok(all.includes(arn), arn);

  const topic = arns[0];
  const subs = [];
  for (let i = 0; i < 103; i++) {
    subs.push(await subscribeQueue(topic, { arn: `arn:aws:sqs:us-east-1:000000000000:${prefix}-q${i}` }));
  }
  const page1 = await fb.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic }));
  assert.equal(page1.Subscriptions.length, 100);
  assert.ok(page1.NextToken);
  const page2 = await fb.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic, NextToken: page1.NextToken }));
  assert.equal(page2.Subscriptions.length, 3);
  assert.equal(page2.NextToken, undefined);
  const listed = [];
  for await (const page of paginateListSubscriptionsByTopic({ client: fb.sns }, { TopicArn: topic })) {
    listed.push(...page.Subscriptions);
  }
  assert.deepEqual(listed.map((s) => s.SubscriptionArn).sort(), [...subs].sort());
  assert.ok(listed.every((s) => s.TopicArn === topic && s.Protocol === 'sqs' && s.Owner === '000000000000'));
  const attrs = (await fb.sns.send(new GetTopicAttributesCommand({ TopicArn: topic }))).Attributes;
  assert.equal(attrs.SubscriptionsConfirmed, '103');
});

test('errors: NotFound for a missing topic, InvalidParameter for bad input', async () => {
  const topic = await createTopic(unique('t'));
  const missing = `${topic}-missing`;
  for (const command of [
    new GetTopicAttributesCommand({ TopicArn: missing }),
    new PublishCommand({ TopicArn: missing, Message: 'x' }),
    new SubscribeCommand({ TopicArn: missing, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:q' }),
  ]) {
    const err = await rejection(() => fb.sns.send(command));
    assert.ok(err instanceof NotFoundException, `${command.constructor.name}: ${err.name}`);
    assert.equal(err.name, 'NotFoundException');
    assert.equal(err.Error?.Code ?? err.Code, 'NotFound');
    assert.equal(err.$metadata.httpStatusCode, 404);
    assert.equal(err.$fault, 'client');
  }
  await fb.sns.send(new DeleteTopicCommand({ TopicArn: topic }));
  const deleted = await rejection(() => fb.sns.send(new GetTopicAttributesCommand({ TopicArn: topic })));
  assert.equal(deleted.name, 'NotFoundException');

  const live = await createTopic(unique('t'));
  const cases = [
    [new CreateTopicCommand({ Name: 'bad name' }), /Topic Name/],
    [new PublishCommand({ TopicArn: live, Message: '' }), /Empty message/],
    [new SetTopicAttributesCommand({ TopicArn: live, AttributeName: 'Bogus', AttributeValue: '1' }), /AttributeName/],
    [new SubscribeCommand({ TopicArn: live, Protocol: 'carrier-pigeon', Endpoint: 'x' }), /protocol/],
    [new SubscribeCommand({ TopicArn: live, Protocol: 'sqs', Endpoint: 'not-an-arn' }), /SQS endpoint ARN/],
    [new PublishCommand({ TopicArn: live, Message: '{}', MessageStructure: 'json' }), /default/],
  ];
  for (const [command, message] of cases) {
    const err = await rejection(() => fb.sns.send(command));
    assert.equal(err.name, 'InvalidParameterException', `${command.constructor.name}: ${err.message}`);
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.match(err.message, message);
    assert.ok(err.$metadata.requestId);
  }
  const badNumber = await rejection(() =>
    fb.sns.send(
      new PublishCommand({ TopicArn: live, Message: 'x', MessageAttributes: { n: { DataType: 'Number', StringValue: 'abc' } } }),
    ),
  );
  assert.equal(badNumber.name, 'InvalidParameterValueException');
  assert.equal(badNumber.$metadata.httpStatusCode, 400);
});
