// Answers as AWS recorded them (issue 15), seen through the AWS SDK for JavaScript v3: invoke
// request ids, Code.Location, function states and conflicts, function URLs (payload 2.0 in,
// HTTP response out, CORS), and SQS's recorded behaviours.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import AdmZip from 'adm-zip';
import {
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ResourceConflictException,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';

import { rejection, unique, useFogbank } from './lib/fogbank.js';

const fb = useFogbank();
const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

const APP = `
import json

def handler(event, context):
    if "rawPath" in event:
        return {
            "statusCode": 201,
            "headers": {"content-type": "application/json", "x-seen": event["rawPath"]},
            "cookies": ["a=1", "b=2"],
            "body": json.dumps({
                "method": event["requestContext"]["http"]["method"],
                "query": event.get("rawQueryString"),
                "body": event.get("body"),
                "version": event["version"],
            }),
        }
    return {"request_id": context.aws_request_id}
`;

function zip(source) {
  const z = new AdmZip();
  z.addFile('app.py', Buffer.from(source), '', 0o100644 << 16);
  return z.toBuffer();
}

async function create(name, extra = {}) {
  const code = zip(APP);
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
  return { out, code };
}

test("Invoke's x-amzn-RequestId is the invocation's request id; Code.Location downloads the zip", async () => {
  const name = unique('rid');
  const { code } = await create(name);
  const fn = await fb.lambda.send(new GetFunctionCommand({ FunctionName: name }));
  const res = await fb.lambda.send(new InvokeCommand({ FunctionName: name, Payload: '{}', LogType: 'Tail' }));
  const body = JSON.parse(Buffer.from(res.Payload).toString());
  assert.equal(res.$metadata.requestId, body.request_id);
  const log = Buffer.from(res.LogResult, 'base64').toString();
  assert.match(log, new RegExp(`^START RequestId: ${body.request_id} `, 'm'));

  const location = fn.Code.Location;
  assert.match(location, /^http:\/\//);
  const download = await fetch(location);
  assert.equal(download.status, 200);
  const bytes = Buffer.from(await download.arrayBuffer());
  assert.equal(createHash('sha256').update(bytes).digest('base64'), createHash('sha256').update(code).digest('base64'));
  // a tampered signature is S3's 403
  const tampered = await fetch(location.replace(/X-Amz-Signature=[0-9a-f]/, 'X-Amz-Signature=z'));
  assert.equal(tampered.status, 403);
});

test('function states: Pending at create, Active on the next read; an update in progress conflicts', async () => {
  const name = unique('state');
  const { out } = await create(name);
  assert.equal(out.State, 'Pending');
  assert.equal(out.StateReasonCode, 'Creating');
  const read = await fb.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  assert.equal(read.State, 'Active');
  assert.equal(read.LastUpdateStatus, 'Successful');

  const updated = await fb.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 7 }));
  assert.equal(updated.LastUpdateStatus, 'InProgress');
  const err = await rejection(() =>
    fb.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 8 })),
  );
  assert.ok(err instanceof ResourceConflictException, err.name);
  assert.equal(err.$metadata.httpStatusCode, 409);
  const after = await fb.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  assert.equal(after.LastUpdateStatus, 'Successful');
  assert.equal(after.Timeout, 7);
  assert.notEqual(after.RevisionId, updated.RevisionId);
});

test('a function URL turns a request into a payload 2.0 event and the answer into HTTP, with CORS', async () => {
  const name = unique('url');
  await create(name);
  const created = await fb.lambda.send(
    new CreateFunctionUrlConfigCommand({
      FunctionName: name,
      AuthType: 'NONE',
      Cors: { AllowOrigins: ['https://app.example'], AllowMethods: ['POST'], MaxAge: 60 },
    }),
  );
  const id = new URL(created.FunctionUrl).hostname.split('.')[0];
  const url = `${fb.endpoint}/_fogbank/lambda-url/${id}`;
  const res = await fetch(`${url}/orders?x=1`, { method: 'POST', body: 'hello' });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('x-seen'), '/orders');
  assert.deepEqual(res.headers.getSetCookie(), ['a=1', 'b=2']);
  assert.deepEqual(await res.json(), { method: 'POST', query: 'x=1', body: 'hello', version: '2.0' });

  const unknown = await fetch(`${fb.endpoint}/_fogbank/lambda-url/${'0'.repeat(32)}/`);
  assert.equal(unknown.status, 403);
  assert.deepEqual(await unknown.json(), { Message: null });
});

test('SQS: a queue name as QueueUrl, DelaySeconds over 900 failing one batch entry, no Failed when none failed', async () => {
  const name = unique('q');
  const { QueueUrl } = await fb.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const attrs = await fb.sqs.send(new GetQueueAttributesCommand({ QueueUrl: name, AttributeNames: ['QueueArn'] }));
  assert.equal(attrs.Attributes.QueueArn, `arn:aws:sqs:us-east-1:000000000000:${name}`);

  const ok = await fb.sqs.send(
    new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'x' }] }),
  );
  assert.equal(ok.Successful.length, 1);
  assert.equal(ok.Failed, undefined);

  const mixed = await fb.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl,
      Entries: [
        { Id: 'fine', MessageBody: 'y' },
        { Id: 'late', MessageBody: 'z', DelaySeconds: 901 },
      ],
    }),
  );
  assert.deepEqual(mixed.Successful.map((e) => e.Id), ['fine']);
  assert.equal(mixed.Failed.length, 1);
  assert.equal(mixed.Failed[0].Id, 'late');
  assert.equal(mixed.Failed[0].SenderFault, true);

  // a message sent after one that came back from a receive is received after it
  const fifoLike = unique('order');
  const { QueueUrl: q2 } = await fb.sqs.send(new CreateQueueCommand({ QueueName: fifoLike }));
  await fb.sqs.send(new SendMessageCommand({ QueueUrl: q2, MessageBody: 'first' }));
  const got = await fb.sqs.send(new ReceiveMessageCommand({ QueueUrl: q2, VisibilityTimeout: 0 }));
  assert.equal(got.Messages[0].Body, 'first');
  await fb.sqs.send(new SendMessageCommand({ QueueUrl: q2, MessageBody: 'second' }));
  const again = await fb.sqs.send(new ReceiveMessageCommand({ QueueUrl: q2, MaxNumberOfMessages: 1 }));
  assert.equal(again.Messages[0].Body, 'first');
});
