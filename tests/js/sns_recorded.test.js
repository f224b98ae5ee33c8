// SNS answers as AWS recorded them (issue 15 item 7), through @aws-sdk/client-sns v3: topic
// name refusals, repeated CreateTopic with other tags or attributes, SMS attributes.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  CreateTopicCommand,
  GetSMSAttributesCommand,
  InvalidParameterException,
  SetSMSAttributesCommand,
} from '@aws-sdk/client-sns';

import { rejection, unique, useFogbank } from './lib/fogbank.js';

const fb = useFogbank();

async function refused(command) {
  const err = await rejection(() => fb.sns.send(command));
  assert.ok(err instanceof InvalidParameterException, err.name);
  assert.equal(err.$metadata.httpStatusCode, 400);
  return err.message;
}

test('refused topic names all answer "Invalid parameter: Topic Name"', async () => {
  for (const input of [
    { Name: unique('orders'), Attributes: { FifoTopic: 'true' } },
    { Name: `${unique('orders')}.fifo` },
    { Name: 'a:b.fifo', Attributes: { FifoTopic: 'true' } },
  ]) {
    assert.equal(await refused(new CreateTopicCommand(input)), 'Invalid parameter: Topic Name');
  }
});

test('CreateTopic again: the same topic for the same or fewer tags, refused for others', async () => {
  const Name = unique('again');
  const create = (Tags, DisplayName = 'first') =>
    new CreateTopicCommand({ Name, Attributes: { DisplayName }, Tags });
  const { TopicArn } = await fb.sns.send(create([{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }]));
  const same = await fb.sns.send(create([{ Key: 'a', Value: '1' }]));
  assert.equal(same.TopicArn, TopicArn);
  assert.equal(
    await refused(create([{ Key: 'a', Value: '9' }])),
    'Invalid parameter: Tags Reason: Topic already exists with different tags',
  );
  assert.equal(
    await refused(create([], 'second')),
    'Invalid parameter: Attributes Reason: Topic already exists with different attributes',
  );
});

test('SMS attributes: MonthlySpendLimit defaults to 1; a bad DefaultSenderID is refused', async () => {
  const { attributes } = await fb.sns.send(new GetSMSAttributesCommand({}));
  assert.equal(attributes.MonthlySpendLimit, '1');
  assert.equal(
    await refused(new SetSMSAttributesCommand({ attributes: { DefaultSenderID: 'has space' } })),
    'DefaultSenderID is invalid',
  );
});
