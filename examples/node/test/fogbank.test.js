// SQS, SNS and a Lambda against the fogbank that `fogbank/vitest` started for this run, and a
// fresh server of a test's own from `startFogbank`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startFogbank } from 'fogbank';
import { describe, expect, inject, test } from 'vitest';

// The globalSetup put the endpoint and test credentials in the environment, which SDK v3
// clients follow with no configuration at all.
const sqs = new SQSClient({});
const sns = new SNSClient({});
const lambda = new LambdaClient({});

describe('the shared server from fogbank/vitest', () => {
  test('is the one the environment names', () => {
    expect(process.env.AWS_ENDPOINT_URL).toBe(inject('fogbankEndpoint'));
    expect(process.env.AWS_ENDPOINT_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('SQS: a message sent is received', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'orders' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'order #1' }));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    expect(got.Messages?.map((m) => m.Body)).toEqual(['order #1']);
  });

  test('SNS fans out to an SQS subscription', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'audit' }));
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'events' }));
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: attrs.Attributes.QueueArn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    await sns.send(new PublishCommand({ TopicArn, Message: 'user signed up' }));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    expect(got.Messages?.map((m) => m.Body)).toEqual(['user signed up']);
  });

  test('a python Lambda runs as a host process', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fogbank-example-'));
    writeFileSync(path.join(dir, 'app.py'), 'def handler(event, context):\n    return {"hello": event["name"]}\n');
    execFileSync('python3', ['-c', 'import shutil, sys; shutil.make_archive(sys.argv[1], "zip", sys.argv[2])', path.join(dir, 'fn'), dir]);
    const { readFileSync } = await import('node:fs');
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'greeter',
        Runtime: 'python3.12',
        Role: 'arn:aws:iam::000000000000:role/lambda-role',
        Handler: 'app.handler',
        Code: { ZipFile: readFileSync(path.join(dir, 'fn.zip')) },
      }),
    );
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 10 }, { FunctionName: 'greeter' });
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: 'greeter', Payload: Buffer.from(JSON.stringify({ name: 'fogbank' })) }),
    );
    expect(out.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(out.Payload).toString())).toEqual({ hello: 'fogbank' });
  });
});

describe('a fresh server of its own', () => {
  test('starts empty, resets, and stops', async () => {
    const server = await startFogbank();
    try {
      expect(server.endpoint).not.toBe(process.env.AWS_ENDPOINT_URL);
      const own = new SQSClient(server.clientConfig());
      expect((await own.send(new ListQueuesCommand({}))).QueueUrls ?? []).toEqual([]);
      await own.send(new CreateQueueCommand({ QueueName: 'mine' }));
      expect((await own.send(new ListQueuesCommand({}))).QueueUrls).toHaveLength(1);
      await server.reset('sqs');
      expect((await own.send(new ListQueuesCommand({}))).QueueUrls ?? []).toEqual([]);
      expect(server.logs().some((l) => l.includes('listening on'))).toBe(true);
    } finally {
      await server.stop();
    }
    await expect(fetch(`${server.endpoint}/_fogbank/health`)).rejects.toThrow();
  });
});
