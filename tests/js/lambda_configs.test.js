// Code signing configs, provisioned concurrency and recursion config through
// @aws-sdk/client-lambda, with the error types and wording AWS answers.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import AdmZip from 'adm-zip';
import {
  CodeSigningConfigNotFoundException,
  CreateCodeSigningConfigCommand,
  CreateFunctionCommand,
  DeleteCodeSigningConfigCommand,
  GetFunctionCodeSigningConfigCommand,
  GetFunctionRecursionConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  ProvisionedConcurrencyConfigNotFoundException,
  PublishVersionCommand,
  PutFunctionCodeSigningConfigCommand,
  PutFunctionRecursionConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';

import { rejection, unique, useFogbank } from './lib/fogbank.js';

const fb = useFogbank();
const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
const PROFILE = 'arn:aws:signer:us-east-1:000000000000:/signing-profiles/test/abcdef12';

async function createFunction(name) {
  const z = new AdmZip();
  z.addFile('app.py', Buffer.from('def handler(e, c):\n    return e\n'), '', 0o100644 << 16);
  await fb.lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'python3.12',
      Role: ROLE,
      Handler: 'app.handler',
      Code: { ZipFile: z.toBuffer() },
    }),
  );
  await waitUntilFunctionActiveV2({ client: fb.lambda, maxWaitTime: 30 }, { FunctionName: name });
}

test('a code signing config attached to a function, then deleted', async () => {
  const name = unique('csc');
  await createFunction(name);
  const { CodeSigningConfig: csc } = await fb.lambda.send(
    new CreateCodeSigningConfigCommand({ AllowedPublishers: { SigningProfileVersionArns: [PROFILE] } }),
  );
  assert.match(csc.CodeSigningConfigId, /^csc-[0-9a-f]{17}$/);
  assert.deepEqual(csc.CodeSigningPolicies, { UntrustedArtifactOnDeployment: 'Warn' });
  const arn = csc.CodeSigningConfigArn;
  await fb.lambda.send(new PutFunctionCodeSigningConfigCommand({ FunctionName: name, CodeSigningConfigArn: arn }));
  const got = await fb.lambda.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: name }));
  assert.equal(got.CodeSigningConfigArn, arn);
  await fb.lambda.send(new DeleteCodeSigningConfigCommand({ CodeSigningConfigArn: arn }));
  const err = await rejection(() =>
    fb.lambda.send(new PutFunctionCodeSigningConfigCommand({ FunctionName: name, CodeSigningConfigArn: arn })),
  );
  assert.ok(err instanceof CodeSigningConfigNotFoundException, err.name);
  assert.equal(err.$metadata.httpStatusCode, 404);
});

test('provisioned concurrency on a published version, and recursion config', async () => {
  const name = unique('pc');
  await createFunction(name);
  const { Version } = await fb.lambda.send(new PublishVersionCommand({ FunctionName: name }));
  const missing = await rejection(() =>
    fb.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: Version })),
  );
  assert.ok(missing instanceof ProvisionedConcurrencyConfigNotFoundException, missing.name);
  const put = await fb.lambda.send(
    new PutProvisionedConcurrencyConfigCommand({
      FunctionName: name,
      Qualifier: Version,
      ProvisionedConcurrentExecutions: 2,
    }),
  );
  assert.equal(put.$metadata.httpStatusCode, 202);
  assert.equal(put.Status, 'IN_PROGRESS');
  const got = await fb.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: Version }));
  assert.equal(got.Status, 'READY');
  assert.equal(got.AvailableProvisionedConcurrentExecutions, 2);

  const before = await fb.lambda.send(new GetFunctionRecursionConfigCommand({ FunctionName: name }));
  assert.equal(before.RecursiveLoop, 'Terminate');
  await fb.lambda.send(new PutFunctionRecursionConfigCommand({ FunctionName: name, RecursiveLoop: 'Allow' }));
  const after = await fb.lambda.send(new GetFunctionRecursionConfigCommand({ FunctionName: name }));
  assert.equal(after.RecursiveLoop, 'Allow');
});
