// Lambda through @aws-sdk/client-lambda (REST-JSON): a python function from a zip built here,
// invoked every way, and an SQS event source mapping feeding it.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import AdmZip from 'adm-zip';
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  InvokeCommand,
  ResourceNotFoundException,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';

import { md5, rejection, unique, useFogbank, waitFor } from './lib/fogbank.js';

const fb = useFogbank();
const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

/** A zip archive (deflated, regular files mode 0644) of { name: source }. */
function zip(files) {
  const z = new AdmZip();
  for (const [name, body] of Object.entries(files)) {
    z.addFile(name, Buffer.from(body, 'utf8'), '', 0o100644 << 16);
  }
  return z.toBuffer();
}

const APP = `
import json, os, sys

def handler(event, context):
    print("log line", json.dumps(event, sort_keys=True))
    print("to stderr", file=sys.stderr)
    if event.get("boom"):
        raise ValueError("kaboom: " + event["boom"])
    return {
        "got": event,
        "function": context.function_name,
        "request_id": context.aws_request_id,
        "memory": context.memory_limit_in_mb,
        "region": os.environ["AWS_REGION"],
        "greeting": os.environ.get("GREETING"),
    }
`;

async function createFunction(name, files, extra = {}) {
  const code = zip(files);
  const out = await fb.lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'python3.12',
      Role: ROLE,
      Handler: 'app.handler',
      Code: { ZipFile: code },
      ...extra,
    }),
  );
  await waitUntilFunctionActiveV2({ client: fb.lambda, maxWaitTime: 30 }, { FunctionName: name });
  return { out, code };
}

const json = (payload) => JSON.parse(Buffer.from(payload).toString('utf8'));

test('create a python function from a zip, invoke it with a payload and a log tail', async () => {
  const name = unique('fn');
  const { out, code } = await createFunction(name, { 'app.py': APP }, {
    Environment: { Variables: { GREETING: 'hi' } },
    Timeout: 10,
    Tags: { team: 'js' },
  });
  assert.equal(out.FunctionName, name);
  assert.equal(out.FunctionArn, `arn:aws:lambda:us-east-1:000000000000:function:${name}`);
  assert.equal(out.Runtime, 'python3.12');
  assert.equal(out.Handler, 'app.handler');
  assert.equal(out.CodeSize, code.length);
  assert.equal(out.CodeSha256, createHash('sha256').update(code).digest('base64'));
  assert.equal(out.Timeout, 10);
  assert.equal(out.MemorySize, 128);
  assert.equal(out.Version, '$LATEST');

  const res = await fb.lambda.send(
    new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ x: 1, s: 'ünï' }), LogType: 'Tail' }),
  );
  assert.equal(res.StatusCode, 200);
  assert.equal(res.FunctionError, undefined);
  assert.equal(res.ExecutedVersion, '$LATEST');
  const body = json(res.Payload);
  assert.deepEqual(body.got, { x: 1, s: 'ünï' });
  assert.equal(body.function, name);
  assert.equal(body.memory, '128'); // a string in AWS's python runtime too (from the env)
  assert.equal(body.region, 'us-east-1');
  assert.equal(body.greeting, 'hi');
  assert.match(body.request_id, /^[0-9a-f-]{36}$/);

  const log = Buffer.from(res.LogResult, 'base64').toString('utf8');
  assert.match(log, new RegExp(`^START RequestId: ${body.request_id} Version: \\$LATEST`, 'm'));
  assert.ok(log.includes('log line {"s": "\\u00fcn\\u00ef", "x": 1}'), log);
  assert.ok(log.includes('to stderr'), log);
  assert.match(log, new RegExp(`^END RequestId: ${body.request_id}`, 'm'));
  assert.match(log, new RegExp(`^REPORT RequestId: ${body.request_id}\\tDuration: [\\d.]+ ms`, 'm'));

  // Without LogType there is no LogResult.
  const quiet = await fb.lambda.send(new InvokeCommand({ FunctionName: name, Payload: '{}' }));
  assert.equal(quiet.LogResult, undefined);
  assert.deepEqual(json(quiet.Payload).got, {});
});

test('a function error: FunctionError Unhandled with the error payload', async () => {
  const name = unique('fn');
  await createFunction(name, { 'app.py': APP });
  const res = await fb.lambda.send(
    new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ boom: 'now' }), LogType: 'Tail' }),
  );
  assert.equal(res.StatusCode, 200);
  assert.equal(res.FunctionError, 'Unhandled');
  const err = json(res.Payload);
  assert.equal(err.errorType, 'ValueError');
  assert.equal(err.errorMessage, 'kaboom: now');
  assert.ok(Array.isArray(err.stackTrace) && err.stackTrace.length > 0, JSON.stringify(err));
  assert.match(Buffer.from(res.LogResult, 'base64').toString(), /kaboom: now/);

  // The environment survives a handled error: the next invoke works.
  const ok = await fb.lambda.send(new InvokeCommand({ FunctionName: name, Payload: '{"n": 2}' }));
  assert.equal(ok.FunctionError, undefined);
  assert.deepEqual(json(ok.Payload).got, { n: 2 });
});

test('GetFunction, and errors for a missing function and a bad payload', async () => {
  const name = unique('fn');
  const { code } = await createFunction(name, { 'app.py': APP }, { Tags: { team: 'js' }, Description: 'desc' });
  const got = await fb.lambda.send(new GetFunctionCommand({ FunctionName: name }));
  const cfg = got.Configuration;
  assert.equal(cfg.FunctionName, name);
  assert.equal(cfg.Description, 'desc');
  assert.equal(cfg.Role, ROLE);
  assert.equal(cfg.State, 'Active');
  assert.equal(cfg.LastUpdateStatus, 'Successful');
  assert.equal(cfg.PackageType, 'Zip');
  assert.equal(cfg.Timeout, 3);
  assert.equal(cfg.CodeSha256, createHash('sha256').update(code).digest('base64'));
  assert.equal(got.Code.RepositoryType, 'S3');
  assert.ok(got.Code.Location, 'Code.Location');
  assert.deepEqual(got.Tags, { team: 'js' });

  const missing = await rejection(() => fb.lambda.send(new GetFunctionCommand({ FunctionName: `${name}-nope` })));
  assert.ok(missing instanceof ResourceNotFoundException, missing.name);
  assert.equal(missing.$metadata.httpStatusCode, 404);
  assert.match(missing.message, /Function not found/);
  const invokeMissing = await rejection(() => fb.lambda.send(new InvokeCommand({ FunctionName: `${name}-nope` })));
  assert.equal(invokeMissing.name, 'ResourceNotFoundException');

  const badJson = await rejection(() => fb.lambda.send(new InvokeCommand({ FunctionName: name, Payload: '{oops' })));
  assert.equal(badJson.name, 'InvalidRequestContentException');
  assert.equal(badJson.$metadata.httpStatusCode, 400);

  const conflict = await rejection(() => createFunction(name, { 'app.py': APP }));
  assert.equal(conflict.name, 'ResourceConflictException');
  assert.equal(conflict.$metadata.httpStatusCode, 409);
});

test('an SQS event source mapping delivers messages to the function and deletes them', async () => {
  const name = unique('esm');
  // The handler forwards every record to an output queue with a bare SQS JSON call to
  // AWS_ENDPOINT_URL (fogbank sets it), so the test can long-poll for what the function saw.
  const forward = `
import json, os, urllib.request

def handler(event, context):
    failures = []
    for r in event["Records"]:
        if r["body"] == "fail":
            failures.append({"itemIdentifier": r["messageId"]})
            continue
        req = urllib.request.Request(
            os.environ["AWS_ENDPOINT_URL"],
            data=json.dumps({"QueueUrl": os.environ["OUT_URL"], "MessageBody": json.dumps(r)}).encode(),
            headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.SendMessage"},
        )
        urllib.request.urlopen(req).read()
    return {"batchItemFailures": failures}
`;
  const out = await fb.sqs.send(new CreateQueueCommand({ QueueName: `${name}-out` }));
  const { QueueUrl: dlqUrl } = await fb.sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqArn = (
    await fb.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes.QueueArn;
  const { QueueUrl: srcUrl } = await fb.sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: '2', // AWS refuses a mapping whose queue's is below the function's
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }),
      },
    }),
  );
  const srcArn = (
    await fb.sqs.send(new GetQueueAttributesCommand({ QueueUrl: srcUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes.QueueArn;
  await createFunction(name, { 'app.py': forward }, {
    Environment: { Variables: { OUT_URL: out.QueueUrl } },
    Timeout: 2,
  });
  // Warm the function first: the queue's 2 s visibility must cover the mapping's first invoke,
  // and a python cold start on a loaded machine can take longer than that.
  const warm = await fb.lambda.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ Records: [] }) }));
  assert.equal(warm.FunctionError, undefined);

  const mapping = await fb.lambda.send(
    new CreateEventSourceMappingCommand({
      EventSourceArn: srcArn,
      FunctionName: name,
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    }),
  );
  assert.match(mapping.UUID, /^[0-9a-f-]{36}$/);
  assert.equal(mapping.EventSourceArn, srcArn);
  assert.equal(mapping.FunctionArn, `arn:aws:lambda:us-east-1:000000000000:function:${name}`);
  assert.equal(mapping.BatchSize, 5);
  assert.ok(['Creating', 'Enabled'].includes(mapping.State), mapping.State);
  await waitFor(
    async () => (await fb.lambda.send(new GetEventSourceMappingCommand({ UUID: mapping.UUID }))).State === 'Enabled',
    { what: 'the mapping to be Enabled' },
  );

  const bodies = Array.from({ length: 7 }, (_, i) => `m${i}`);
  const sent = [];
  for (const chunk of [bodies.slice(0, 4), [...bodies.slice(4), 'fail']]) {
    const r = await fb.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: srcUrl,
        Entries: chunk.map((b, i) => ({
          Id: `e${i}`,
          MessageBody: b,
          MessageAttributes: { k: { DataType: 'String', StringValue: `v-${b}` } },
        })),
      }),
    );
    assert.deepEqual(r.Failed ?? [], []);
    sent.push(...r.Successful.map((e, i) => ({ id: e.MessageId, body: chunk[i] })));
  }

  const records = [];
  await waitFor(
    async () => {
      const r = await fb.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: out.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      records.push(...(r.Messages ?? []).map((m) => JSON.parse(m.Body)));
      return records.length >= bodies.length;
    },
    { what: 'the function to forward every record' },
  );
  assert.deepEqual(records.map((r) => r.body).sort(), bodies);
  for (const r of records) {
    assert.equal(r.eventSource, 'aws:sqs');
    assert.equal(r.eventSourceARN, srcArn);
    assert.equal(r.awsRegion, 'us-east-1');
    assert.equal(r.messageId, sent.find((s) => s.body === r.body).id);
    assert.equal(r.md5OfBody, md5(r.body));
    assert.ok(r.receiptHandle);
    assert.equal(r.attributes.ApproximateReceiveCount, '1');
    assert.match(r.attributes.SentTimestamp, /^\d{13}$/);
    assert.deepEqual(r.messageAttributes, {
      k: { stringValue: `v-${r.body}`, stringListValues: [], binaryListValues: [], dataType: 'String' },
    });
  }

  // The reported failure stays on the queue, reappears after its visibility timeout and, past
  // maxReceiveCount, lands on the queue's DLQ; everything else was deleted.
  const dead = await fb.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 10 }));
  assert.deepEqual(dead.Messages?.map((m) => m.Body), ['fail']);
  assert.equal(dead.Messages[0].MessageId, sent.find((s) => s.body === 'fail').id);
  await waitFor(
    async () => {
      const { Attributes: a } = await fb.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: srcUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return a.ApproximateNumberOfMessages === '0' && a.ApproximateNumberOfMessagesNotVisible === '0';
    },
    { what: 'the source queue to be empty' },
  );
  await fb.lambda.send(new DeleteEventSourceMappingCommand({ UUID: mapping.UUID }));
});
