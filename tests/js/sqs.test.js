// SQS through @aws-sdk/client-sqs (AWS JSON 1.0 protocol, awsQueryCompatible errors).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';

import { md5, md5OfAttributes, rejection, unique, useFogbank } from './lib/fogbank.js';

const fb = useFogbank();
const sha256 = (text) => createHash('sha256').update(text).digest('hex');

async function createQueue(name, Attributes) {
  const { QueueUrl } = await fb.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes }));
  const { Attributes: a } = await fb.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { url: QueueUrl, arn: a.QueueArn };
}

test('queue lifecycle: create (idempotent), URL, attributes, list, delete', async () => {
  const name = unique('q');
  const { url, arn } = await createQueue(name, { VisibilityTimeout: '45' });
  assert.equal(url, `${fb.endpoint}/000000000000/${name}`);
  assert.equal(arn, `arn:aws:sqs:us-east-1:000000000000:${name}`);
  const again = await fb.sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '45' } }),
  );
  assert.equal(again.QueueUrl, url);
  assert.equal((await fb.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl, url);

  const { Attributes } = await fb.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
  );
  assert.equal(Attributes.VisibilityTimeout, '45');
  assert.equal(Attributes.MessageRetentionPeriod, '345600');
  assert.equal(Attributes.MaximumMessageSize, '1048576'); // 1 MiB since 2025
  assert.equal(Attributes.ApproximateNumberOfMessages, '0');
  assert.match(Attributes.CreatedTimestamp, /^\d{10}$/);

  const list = await fb.sqs.send(new ListQueuesCommand({ QueueNamePrefix: name }));
  assert.deepEqual(list.QueueUrls, [url]);

  // Same name, different attributes: QueueNameExists (query code QueueAlreadyExists).
  const exists = await rejection(() =>
    fb.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '46' } })),
  );
  assert.equal(exists.name, 'QueueNameExists');
  assert.equal(exists.$metadata.httpStatusCode, 400);
  assert.equal(exists.$fault, 'client');

  await fb.sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  const gone = await rejection(() => fb.sqs.send(new GetQueueUrlCommand({ QueueName: name })));
  assert.ok(gone instanceof QueueDoesNotExist, gone.name);
  assert.equal(gone.name, 'QueueDoesNotExist');
  // awsQueryCompatible: the legacy code from x-amzn-query-error is exposed as Code.
  assert.equal(gone.Code, 'AWS.SimpleQueueService.NonExistentQueue');
  assert.equal(gone.$metadata.httpStatusCode, 400);
  assert.ok(gone.$metadata.requestId, 'request id');
  assert.ok(gone.message.length > 0);
});

test('send, receive and delete with message attributes and MD5s', async () => {
  const { url } = await createQueue(unique('q'));
  const attrs = {
    s: { DataType: 'String', StringValue: 'v ünï' },
    n: { DataType: 'Number.int', StringValue: '5' },
    b: { DataType: 'Binary', BinaryValue: Uint8Array.from([0, 1, 2, 255]) },
    c: { DataType: 'String.custom', StringValue: 'x' },
  };
  const body = 'tricky "body" <x> & \r\n end ✓';
  // The SDK checks MD5OfMessageBody against the body it sent (it throws otherwise).
  const sent = await fb.sqs.send(
    new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageAttributes: attrs }),
  );
  assert.equal(sent.MD5OfMessageBody, md5(body));
  assert.equal(sent.MD5OfMessageAttributes, md5OfAttributes(attrs));
  assert.match(sent.MessageId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

  // ...and MD5OfBody of every received message.
  const got = await fb.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  assert.equal(got.Messages.length, 1);
  const [m] = got.Messages;
  assert.equal(m.MessageId, sent.MessageId);
  assert.equal(m.Body, body);
  assert.equal(m.MD5OfBody, md5(body));
  assert.deepEqual(m.MessageAttributes, attrs);
  assert.ok(m.MessageAttributes.b.BinaryValue instanceof Uint8Array);
  assert.equal(m.MD5OfMessageAttributes, md5OfAttributes(attrs));
  assert.equal(m.Attributes.ApproximateReceiveCount, '1');
  assert.match(m.Attributes.SentTimestamp, /^\d{13}$/);
  assert.ok(m.Attributes.SenderId);

  // Only the named attributes come back, with the MD5 of that subset.
  await fb.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'two', MessageAttributes: attrs }));
  const some = await fb.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['s', 'b'] }),
  );
  const [m2] = some.Messages;
  assert.deepEqual(Object.keys(m2.MessageAttributes).sort(), ['b', 's']);
  assert.equal(m2.MD5OfMessageAttributes, md5OfAttributes({ s: attrs.s, b: attrs.b }));

  await fb.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
  await fb.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m2.ReceiptHandle }));
  const { Attributes } = await fb.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  assert.deepEqual(Attributes, {
    ApproximateNumberOfMessages: '0',
    ApproximateNumberOfMessagesNotVisible: '0',
  });
  const empty = await fb.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0 }));
  assert.equal(empty.Messages, undefined);
});

test('batch send, change visibility and delete with per-entry results', async () => {
  const { url } = await createQueue(unique('q'));
  const out = await fb.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: [
        { Id: 'ok1', MessageBody: 'one' },
        { Id: 'bad', MessageBody: 'x', DelaySeconds: 901 },
        { Id: 'ok2', MessageBody: 'two', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } },
      ],
    }),
  );
  assert.deepEqual(out.Successful.map((e) => e.Id).sort(), ['ok1', 'ok2']);
  const ok2 = out.Successful.find((e) => e.Id === 'ok2');
  assert.equal(ok2.MD5OfMessageBody, md5('two'));
  assert.equal(ok2.MD5OfMessageAttributes, md5OfAttributes({ k: { DataType: 'String', StringValue: 'v' } }));
  assert.equal(out.Failed.length, 1);
  assert.equal(out.Failed[0].Id, 'bad');
  assert.equal(out.Failed[0].Code, 'InvalidParameterValue');
  assert.equal(out.Failed[0].SenderFault, true);

  const got = await fb.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
  assert.deepEqual(got.Messages.map((m) => m.Body).sort(), ['one', 'two']);

  const vis = await fb.sqs.send(
    new ChangeMessageVisibilityBatchCommand({
      QueueUrl: url,
      Entries: [
        ...got.Messages.map((m, i) => ({ Id: `v${i}`, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
        { Id: 'forged', ReceiptHandle: 'garbage', VisibilityTimeout: 0 },
      ],
    }),
  );
  assert.deepEqual(vis.Successful.map((e) => e.Id).sort(), ['v0', 'v1']);
  assert.deepEqual(
    vis.Failed.map((e) => [e.Id, e.Code, e.SenderFault]),
    [['forged', 'ReceiptHandleIsInvalid', true]],
  );

  const again = await fb.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
  );
  assert.equal(again.Messages.length, 2);
  assert.ok(again.Messages.every((m) => m.Attributes.ApproximateReceiveCount === '2'));
  const del = await fb.sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: url,
      Entries: again.Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
    }),
  );
  assert.equal(del.Successful.length, 2);
  assert.deepEqual(del.Failed ?? [], []);

  const dup = await rejection(() =>
    fb.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: '1' },
          { Id: 'a', MessageBody: '2' },
        ],
      }),
    ),
  );
  assert.equal(dup.name, 'BatchEntryIdsNotDistinct');
  assert.equal(dup.Code, 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct');
  assert.equal(dup.$metadata.httpStatusCode, 400);
  const empty = await rejection(() =>
    fb.sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] })),
  );
  assert.equal(empty.name, 'EmptyBatchRequest');
  const many = await rejection(() =>
    fb.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' })),
      }),
    ),
  );
  assert.equal(many.name, 'TooManyEntriesInBatchRequest');
});

test('a long poll returns as soon as a message arrives', async () => {
  const { url } = await createQueue(unique('q'));
  const start = performance.now();
  let settled = false;
  const poll = fb.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }));
  poll.finally(() => (settled = true)).catch(() => {});
  // Give the poll time to reach the server and find the queue empty (nothing observable to
  // await here), check it is still waiting, then the send must wake it.
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(settled, false, 'the long poll returned before any message was sent');
  const sent = await fb.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake' }));
  const got = await poll;
  const elapsed = performance.now() - start;
  assert.equal(got.Messages?.[0]?.MessageId, sent.MessageId);
  assert.equal(got.Messages[0].Body, 'wake');
  assert.ok(elapsed < 3000, `long poll took ${elapsed} ms`);

  // An empty long poll waits its WaitTimeSeconds and returns no Messages key.
  const t0 = performance.now();
  const none = await fb.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
  const waited = performance.now() - t0;
  assert.equal(none.Messages, undefined);
  assert.ok(waited >= 900 && waited < 3000, `empty long poll took ${waited} ms`);
});

test('dead-letter queue redrive after maxReceiveCount', async () => {
  const name = unique('q');
  const dlq = await createQueue(`${name}-dlq`);
  const src = await createQueue(name, {
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
  });
  const sent = await fb.sqs.send(new SendMessageCommand({ QueueUrl: src.url, MessageBody: 'poison' }));
  for (let i = 1; i <= 2; i++) {
    const r = await fb.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: src.url, VisibilityTimeout: 0, MessageSystemAttributeNames: ['All'] }),
    );
    assert.equal(r.Messages?.length, 1, `receive ${i}`);
    assert.equal(r.Messages[0].Attributes.ApproximateReceiveCount, String(i));
  }
  // The third receive finds it over maxReceiveCount: it moves to the DLQ instead.
  const third = await fb.sqs.send(new ReceiveMessageCommand({ QueueUrl: src.url }));
  assert.equal(third.Messages, undefined);
  const moved = await fb.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: dlq.url, MessageSystemAttributeNames: ['All'] }),
  );
  assert.equal(moved.Messages.length, 1);
  assert.equal(moved.Messages[0].MessageId, sent.MessageId);
  assert.equal(moved.Messages[0].Body, 'poison');
  assert.equal(moved.Messages[0].Attributes.DeadLetterQueueSourceArn, src.arn);

  const sources = await fb.sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq.url }));
  assert.deepEqual(sources.queueUrls, [src.url]);
  const { Attributes } = await fb.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: src.url, AttributeNames: ['RedrivePolicy'] }),
  );
  assert.deepEqual(JSON.parse(Attributes.RedrivePolicy), { deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 });
});

test('FIFO queue: group ordering, deduplication, sequence numbers', async () => {
  const { url } = await createQueue(`${unique('q')}.fifo`, {
    FifoQueue: 'true',
    ContentBasedDeduplication: 'true',
  });
  const first = await fb.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '1', MessageGroupId: 'g' }));
  assert.match(first.SequenceNumber, /^\d{20,40}$/);
  await fb.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '2', MessageGroupId: 'g' }));
  const dup = await fb.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '1', MessageGroupId: 'g' }));
  assert.equal(dup.MessageId, first.MessageId);
  await fb.sqs.send(
    new SendMessageCommand({ QueueUrl: url, MessageBody: '3', MessageGroupId: 'g', MessageDeduplicationId: 'explicit' }),
  );

  const got = await fb.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
  );
  assert.deepEqual(got.Messages.map((m) => m.Body), ['1', '2', '3']);
  assert.equal(got.Messages[0].Attributes.MessageGroupId, 'g');
  // Content-based deduplication ids are the hex SHA-256 of the body.
  assert.equal(got.Messages[0].Attributes.MessageDeduplicationId, sha256('1'));
  assert.equal(got.Messages[2].Attributes.MessageDeduplicationId, 'explicit');
  const seqs = got.Messages.map((m) => BigInt(m.Attributes.SequenceNumber));
  assert.ok(seqs[0] < seqs[1] && seqs[1] < seqs[2]);

  // While group g is in flight, nothing more from it is delivered.
  await fb.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '4', MessageGroupId: 'g' }));
  const locked = await fb.sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
  assert.equal(locked.Messages, undefined);

  const missing = await rejection(() => fb.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })));
  assert.equal(missing.name, 'MissingParameter');
  assert.equal(missing.$metadata.httpStatusCode, 400);
});

test('error names and status codes for bad input', async () => {
  const { url } = await createQueue(unique('q'));
  const missingUrl = `${fb.endpoint}/000000000000/no-such-queue-js`;
  const cases = [
    [() => new SendMessageCommand({ QueueUrl: missingUrl, MessageBody: 'x' }), 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'],
    [() => new SendMessageCommand({ QueueUrl: url, MessageBody: '\u0000' }), 'InvalidMessageContents', 'InvalidMessageContents'],
    [() => new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 }), 'InvalidParameterValue', 'InvalidParameterValue'],
    [() => new CreateQueueCommand({ QueueName: 'bad name' }), 'InvalidParameterValue', 'InvalidParameterValue'],
    [() => new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { DelaySeconds: '901' } }), 'InvalidAttributeValue', 'InvalidAttributeValue'],
    [() => new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Nope'] }), 'InvalidAttributeName', 'InvalidAttributeName'],
    [() => new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' }), 'ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid'],
  ];
  for (const [command, name, code] of cases) {
    const err = await rejection(() => fb.sqs.send(command()));
    // Shapes the SQS model lacks are named by the x-amzn-query-error code, as against AWS.
    assert.equal(err.name, name, `${name}: ${err.message}`);
    assert.equal(err.Code, code, name);
    assert.equal(err.$metadata.httpStatusCode, 400, name);
    assert.equal(err.$fault, 'client', name);
  }
});
