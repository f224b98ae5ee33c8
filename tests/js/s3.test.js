// S3 through @aws-sdk/client-s3 v3: objects with the SDK's default checksums, listings,
// @aws-sdk/lib-storage's multipart Upload, presigned URLs from @aws-sdk/s3-request-presigner.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';

import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

import { rejection, unique, useFogbank } from './lib/fogbank.js';

const fb = useFogbank();
let s3;
const client = () => (s3 ??= new S3Client({ ...fb.config, forcePathStyle: true }));
after(() => s3?.destroy());

test('put, get, head and list with the default checksums; NoSuchKey', async () => {
  const Bucket = unique('bucket');
  await client().send(new CreateBucketCommand({ Bucket }));
  await client().send(new PutObjectCommand({ Bucket, Key: 'a/one.txt', Body: 'hello', ContentType: 'text/plain' }));
  await client().send(new PutObjectCommand({ Bucket, Key: 'b.txt', Body: 'world' }));
  const got = await client().send(new GetObjectCommand({ Bucket, Key: 'a/one.txt', ChecksumMode: 'ENABLED' }));
  assert.equal(await got.Body.transformToString(), 'hello');
  assert.equal(got.ContentType, 'text/plain');
  const listed = await client().send(new ListObjectsV2Command({ Bucket, Delimiter: '/' }));
  assert.deepEqual(listed.CommonPrefixes.map((p) => p.Prefix), ['a/']);
  assert.deepEqual(listed.Contents.map((o) => o.Key), ['b.txt']);
  const err = await rejection(() => client().send(new GetObjectCommand({ Bucket, Key: 'missing' })));
  assert.ok(err instanceof NoSuchKey, err.name);
  assert.equal(err.$metadata.httpStatusCode, 404);
});

test('lib-storage Upload in parts, then a presigned GET and PUT', async () => {
  const Bucket = unique('bucket');
  await client().send(new CreateBucketCommand({ Bucket }));
  const data = randomBytes(11 * 1024 * 1024);
  const upload = new Upload({ client: client(), params: { Bucket, Key: 'big.bin', Body: data }, partSize: 5 * 1024 * 1024 });
  await upload.done();
  const head = await client().send(new HeadObjectCommand({ Bucket, Key: 'big.bin' }));
  assert.equal(head.ContentLength, data.length);
  assert.match(head.ETag, /-3"$/);

  const getUrl = await getSignedUrl(client(), new GetObjectCommand({ Bucket, Key: 'big.bin' }), { expiresIn: 60 });
  const res = await fetch(getUrl);
  assert.equal(res.status, 200);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(data));

  const putUrl = await getSignedUrl(client(), new PutObjectCommand({ Bucket, Key: 'signed.txt' }), { expiresIn: 60 });
  const put = await fetch(putUrl, { method: 'PUT', body: 'via presigned PUT' });
  assert.equal(put.status, 200);
  const back = await client().send(new GetObjectCommand({ Bucket, Key: 'signed.txt' }));
  assert.equal(await back.Body.transformToString(), 'via presigned PUT');
});
