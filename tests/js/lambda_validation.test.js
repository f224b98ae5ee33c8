// Lambda validation as AWS words it today (issue 15 item 3), through @aws-sdk/client-lambda v3:
// name and qualifier patterns, tag quotas, account usage, CreateFunction with Publish.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import AdmZip from 'adm-zip';
import {
  CreateFunctionCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  InvalidParameterValueException,
} from '@aws-sdk/client-lambda';

import { rejection, unique, useFogbank } from './lib/fogbank.js';

const fb = useFogbank();
const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

function code() {
  const z = new AdmZip();
  z.addFile('app.py', Buffer.from('def handler(e, c):\n    return e\n'), '', 0o100644 << 16);
  return { ZipFile: z.toBuffer() };
}

const create = (FunctionName, extra = {}) =>
  fb.lambda.send(
    new CreateFunctionCommand({ FunctionName, Runtime: 'python3.12', Role: ROLE, Handler: 'app.handler', Code: code(), ...extra }),
  );

test('CreateFunction with Publish answers version 1 under the unqualified ARN', async () => {
  const name = unique('pub');
  const out = await create(name, { Publish: true });
  assert.equal(out.Version, '1');
  assert.equal(out.FunctionArn, `arn:aws:lambda:us-east-1:000000000000:function:${name}`);
});

test('names and qualifiers are checked against the current model patterns', async () => {
  const err = await rejection(() => fb.lambda.send(new GetFunctionCommand({ FunctionName: 'bad name' })));
  assert.equal(err.name, 'ValidationException');
  assert.equal(err.$metadata.httpStatusCode, 400);
  assert.ok(
    err.message.startsWith(
      "1 validation error detected: Value 'bad name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}",
    ),
    err.message,
  );
  const long = await rejection(() =>
    fb.lambda.send(new GetFunctionCommand({ FunctionName: 'f', Qualifier: 'q'.repeat(129) })),
  );
  assert.equal(long.name, 'ValidationException');
});

test('tag quotas and account usage', async () => {
  const Tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
  const err = await rejection(() => create(unique('tags'), { Tags }));
  assert.ok(err instanceof InvalidParameterValueException, err.name);
  assert.equal(err.message, 'Number of tags exceeds resource tag limit.');

  const before = await fb.lambda.send(new GetAccountSettingsCommand({}));
  const made = await create(unique('usage'));
  const after = await fb.lambda.send(new GetAccountSettingsCommand({}));
  assert.equal(after.AccountUsage.FunctionCount, before.AccountUsage.FunctionCount + 1);
  assert.equal(after.AccountUsage.TotalCodeSize, before.AccountUsage.TotalCodeSize + made.CodeSize);
});
