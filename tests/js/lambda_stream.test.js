// Response streaming and function URLs through @aws-sdk/client-lambda v3 and fetch: the SDK's
// event-stream decoder reads InvokeWithResponseStream; a RESPONSE_STREAM URL streams over HTTP.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import AdmZip from 'adm-zip';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  InvokeWithResponseStreamCommand,
} from '@aws-sdk/client-lambda';

import { unique, useFogbank } from './lib/fogbank.js';

const fb = useFogbank();
const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

const STREAMER = `
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const handler = awslambda.streamifyResponse(async (event, stream) => {
  if ((event.rawPath || "") === "/http") {
    stream = awslambda.HttpResponseStream.from(stream, { statusCode: 202, headers: { "x-kind": "http" } });
  }
  stream.write("a");
  await sleep(300);
  stream.write("b");
  if (event.fail) throw new Error("late failure");
  stream.end("c");
});
`;

async function createStreamer(name) {
  const z = new AdmZip();
  z.addFile('index.mjs', Buffer.from(STREAMER), '', 0o100644 << 16);
  await fb.lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Role: ROLE,
      Handler: 'index.handler',
      Code: { ZipFile: z.toBuffer() },
    }),
  );
}

async function events(out) {
  const chunks = [];
  let complete;
  for await (const ev of out.EventStream) {
    if (ev.PayloadChunk) chunks.push({ text: Buffer.from(ev.PayloadChunk.Payload).toString(), at: Date.now() });
    if (ev.InvokeComplete) complete = ev.InvokeComplete;
  }
  return { chunks, complete };
}

test('InvokeWithResponseStream: PayloadChunk events as written, then InvokeComplete', async () => {
  const name = unique('stream');
  await createStreamer(name);
  const out = await fb.lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: name, Payload: '{}' }));
  assert.equal(out.StatusCode, 200);
  assert.equal(out.ExecutedVersion, '$LATEST');
  const { chunks, complete } = await events(out);
  assert.equal(chunks.map((c) => c.text).join(''), 'abc');
  assert.ok(chunks.at(-1).at - chunks[0].at >= 200, 'chunks arrive as the handler writes them');
  assert.deepEqual({ ...complete }, {});

  const failed = await fb.lambda.send(
    new InvokeWithResponseStreamCommand({ FunctionName: name, Payload: '{"fail": true}', LogType: 'Tail' }),
  );
  const late = await events(failed);
  assert.equal(late.chunks.map((c) => c.text).join(''), 'ab');
  assert.equal(late.complete.ErrorCode, 'Error');
  assert.match(late.complete.ErrorDetails, /late failure/);
  assert.match(Buffer.from(late.complete.LogResult, 'base64').toString(), /REPORT RequestId/);
});

test('a RESPONSE_STREAM function URL streams with the prelude status', async () => {
  const name = unique('web');
  await createStreamer(name);
  const created = await fb.lambda.send(
    new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM' }),
  );
  assert.match(created.FunctionUrl, /^http:\/\/[a-z0-9]{32}\.lambda-url\.us-east-1\.localhost:\d+\/$/);
  await fb.lambda.send(
    new AddPermissionCommand({
      FunctionName: name,
      StatementId: 'url',
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
    }),
  );
  const got = await fb.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: name }));
  assert.equal(got.InvokeMode, 'RESPONSE_STREAM');
  const id = new URL(created.FunctionUrl).hostname.split('.')[0];
  const res = await fetch(`${fb.endpoint}/_fogbank/lambda-url/${id}/http`);
  assert.equal(res.status, 202);
  assert.equal(res.headers.get('x-kind'), 'http');
  assert.equal(await res.text(), 'abc');
});
