import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwsError, SerializationException } from '../core/errors.ts';
import { protocols } from './index.ts';
import { bodyText, request } from './test-support.ts';
import type { ServiceModel } from './types.ts';

const json = protocols.json;
const ctx = { requestId: 'r' };

function model(extra: Partial<ServiceModel['metadata']> = {}): ServiceModel {
  return {
    metadata: { apiVersion: '2012-11-05', protocol: 'json', jsonVersion: '1.0', targetPrefix: 'AmazonSQS', endpointPrefix: 'sqs', ...extra },
    operations: {
      Send: { name: 'Send', input: { shape: 'SendIn' }, output: { shape: 'SendOut' } },
      Purge: { name: 'Purge', input: { shape: 'SendIn' } },
    },
    shapes: {
      SendIn: {
        type: 'structure', required: ['QueueUrl'],
        members: {
          QueueUrl: { shape: 'Str' }, Delay: { shape: 'Int' }, Attrs: { shape: 'Map' }, Ids: { shape: 'List' },
          At: { shape: 'Time' }, Body: { shape: 'Bin' }, Fifo: { shape: 'Bool' }, Ratio: { shape: 'Dbl' }, Inner: { shape: 'Inner' },
        },
      },
      SendOut: { type: 'structure', members: { MessageId: { shape: 'Str' }, SentAt: { shape: 'Time' }, Md5: { shape: 'Bin' }, Ids: { shape: 'List' }, Attrs: { shape: 'Map' }, Count: { shape: 'Int' } } },
      Inner: { type: 'structure', members: { Name: { shape: 'Str' } } },
      Map: { type: 'map', key: { shape: 'Str' }, value: { shape: 'Str' } },
      List: { type: 'list', member: { shape: 'Str' } },
      Str: { type: 'string' }, Int: { type: 'integer' }, Time: { type: 'timestamp' }, Bin: { type: 'blob' }, Bool: { type: 'boolean' }, Dbl: { type: 'double' },
      QueueDoesNotExist: { type: 'structure', members: { message: { shape: 'Str' } }, exception: true, error: { code: 'AWS.SimpleQueueService.NonExistentQueue', httpStatusCode: 400, senderFault: true } },
    },
  };
}
const m = model();
const post = (op: string, body: string) => request('POST', '/', body, { 'x-amz-target': `AmazonSQS.${op}`, 'content-type': 'application/x-amz-json-1.0' });

test('operation from X-Amz-Target; wrong prefix or no target finds nothing', () => {
  assert.equal(json.operationName(post('Send', '{}'), m), 'Send');
  assert.equal(json.operationName(request('POST', '/', '{}', { 'x-amz-target': 'Other.Send' }), m), undefined);
  assert.equal(json.operationName(request('POST', '/', '{}'), m), undefined);
});

test('input: typed members, epoch timestamps, base64 blobs; unknown members ignored; empty body is {}', () => {
  const body = JSON.stringify({
    QueueUrl: 'http://q', Delay: 5, Attrs: { a: 'b' }, Ids: ['1', '2'], At: 1795780800.5, Body: Buffer.from('hey').toString('base64'),
    Fifo: true, Ratio: 1.5, Inner: { Name: 'n', Extra: 1 }, Unknown: { x: 1 },
  });
  assert.deepEqual(json.parse(post('Send', body), m, 'Send'), {
    QueueUrl: 'http://q', Delay: 5, Attrs: { a: 'b' }, Ids: ['1', '2'], At: new Date(1795780800500), Body: Buffer.from('hey'),
    Fifo: true, Ratio: 1.5, Inner: { Name: 'n' },
  });
  assert.deepEqual(json.parse(post('Send', ''), m, 'Send'), {});
  assert.deepEqual(json.parse(post('Send', '{"QueueUrl":null}'), m, 'Send'), {});
});

test('invalid JSON and wrong member types are SerializationException', () => {
  const bad = (body: string) => assert.throws(() => json.parse(post('Send', body), m, 'Send'), (e: unknown) => e instanceof SerializationException && e.status === 400);
  bad('{not json');
  bad('[1,2]');
  bad('{"Delay":"5"}');
  bad('{"Delay":1.5}');
  bad('{"QueueUrl":5}');
  bad('{"Ids":"a"}');
  bad('{"Inner":[]}');
  bad('{"Fifo":"true"}');
  bad('{"Body":"***"}');
  assert.throws(() => json.parse(post('Send', '{"Delay":"5"}'), m, 'Send'), /STRING_VALUE can not be converted to an Integer/);
});

test('output: content type by jsonVersion, epoch-second timestamps, base64 blobs, nulls dropped', () => {
  const res = json.serialize(m, 'Send', { MessageId: 'id', SentAt: new Date(1795780800250), Md5: Buffer.from('x'), Ids: [], Attrs: { k: 'v' }, Count: undefined, Stray: 1 }, ctx);
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/x-amz-json-1.0');
  assert.deepEqual(JSON.parse(bodyText(res.body)), { MessageId: 'id', SentAt: 1795780800.25, Md5: 'eA==', Ids: [], Attrs: { k: 'v' } });
  assert.equal(bodyText(json.serialize(m, 'Purge', undefined, ctx).body), '{}');
  assert.equal(json.serialize(model({ jsonVersion: '1.1' }), 'Send', {}, ctx).headers['content-type'], 'application/x-amz-json-1.1');
});

test('errors: __type + message, x-amzn-ErrorType, status from the error', () => {
  const res = json.serializeError(m, new AwsError('ResourceNotFoundException', 'nope', { status: 404 }), ctx);
  assert.equal(res.status, 404);
  assert.equal(res.headers['x-amzn-errortype'], 'ResourceNotFoundException');
  assert.deepEqual(JSON.parse(bodyText(res.body)), { __type: 'ResourceNotFoundException', message: 'nope' });
  assert.equal(res.headers['x-amzn-query-error'], undefined);
});

test('awsQueryCompatible services also send x-amzn-query-error with the query code', () => {
  const sqs = model({ awsQueryCompatible: {} });
  const res = json.serializeError(sqs, new AwsError('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.'), ctx);
  assert.equal(res.headers['x-amzn-query-error'], 'AWS.SimpleQueueService.NonExistentQueue;Sender');
  assert.deepEqual(JSON.parse(bodyText(res.body)), { __type: 'QueueDoesNotExist', message: 'The specified queue does not exist.' });
  const server = json.serializeError(sqs, new AwsError('InternalError', 'x', { status: 500 }), ctx);
  assert.equal(server.headers['x-amzn-query-error'], 'InternalError;Receiver');
});
