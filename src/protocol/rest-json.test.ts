import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwsError, SerializationException } from '../core/errors.ts';
import { protocols } from './index.ts';
import { bodyText, request } from './test-support.ts';
import type { ServiceModel } from './types.ts';

const rest = protocols['rest-json'];
const ctx = { requestId: 'r' };

// A Lambda-like model: labels, greedy labels, literal query parts, headers, prefix headers, payloads.
const m: ServiceModel = {
  metadata: { apiVersion: '2015-03-31', protocol: 'rest-json', endpointPrefix: 'lambda' },
  operations: {
    ListFunctions: { name: 'ListFunctions', http: { method: 'GET', requestUri: '/2015-03-31/functions/' }, input: { shape: 'ListIn' }, output: { shape: 'ListOut' } },
    CreateFunction: { name: 'CreateFunction', http: { method: 'POST', requestUri: '/2015-03-31/functions', responseCode: 201 }, input: { shape: 'CreateIn' }, output: { shape: 'Fn' } },
    GetFunction: { name: 'GetFunction', http: { method: 'GET', requestUri: '/2015-03-31/functions/{FunctionName}' }, input: { shape: 'GetIn' }, output: { shape: 'Fn' } },
    ListVersions: { name: 'ListVersions', http: { method: 'GET', requestUri: '/2015-03-31/functions/{FunctionName}?versions' }, input: { shape: 'GetIn' }, output: { shape: 'ListOut' } },
    Invoke: { name: 'Invoke', http: { method: 'POST', requestUri: '/2015-03-31/functions/{FunctionName}/invocations' }, input: { shape: 'InvokeIn' }, output: { shape: 'InvokeOut' } },
    GetObject: { name: 'GetObject', http: { method: 'GET', requestUri: '/files/{Key+}' }, input: { shape: 'ObjIn' }, output: { shape: 'ObjOut' } },
    DeleteFunction: { name: 'DeleteFunction', http: { method: 'DELETE', requestUri: '/2015-03-31/functions/{FunctionName}', responseCode: 204 }, input: { shape: 'GetIn' } },
  },
  shapes: {
    ListIn: { type: 'structure', members: { Marker: { shape: 'Str', location: 'querystring', locationName: 'Marker' }, MaxItems: { shape: 'Int', location: 'querystring', locationName: 'MaxItems' }, Tags: { shape: 'StrList', location: 'querystring', locationName: 'tag' } } },
    ListOut: { type: 'structure', members: { Functions: { shape: 'FnList' }, NextMarker: { shape: 'Str' } } },
    CreateIn: { type: 'structure', required: ['FunctionName'], members: { FunctionName: { shape: 'Str' }, MemorySize: { shape: 'Int' }, Environment: { shape: 'Env' }, Publish: { shape: 'Bool' } } },
    GetIn: { type: 'structure', required: ['FunctionName'], members: { FunctionName: { shape: 'Str', location: 'uri', locationName: 'FunctionName' }, Qualifier: { shape: 'Str', location: 'querystring', locationName: 'Qualifier' } } },
    Fn: { type: 'structure', members: { FunctionName: { shape: 'Str' }, MemorySize: { shape: 'Int' }, LastModified: { shape: 'Time' }, Environment: { shape: 'Env' }, ETag: { shape: 'Str', location: 'header', locationName: 'ETag' } } },
    FnList: { type: 'list', member: { shape: 'Fn' } },
    Env: { type: 'structure', members: { Variables: { shape: 'StrMap' } } },
    InvokeIn: {
      type: 'structure', required: ['FunctionName'], payload: 'Payload',
      members: {
        FunctionName: { shape: 'Str', location: 'uri', locationName: 'FunctionName' },
        InvocationType: { shape: 'Str', location: 'header', locationName: 'X-Amz-Invocation-Type' },
        Meta: { shape: 'StrMap', location: 'headers', locationName: 'x-amz-meta-' },
        Payload: { shape: 'Bin' },
      },
    },
    InvokeOut: {
      type: 'structure', payload: 'Payload',
      members: {
        StatusCode: { shape: 'Int', location: 'statusCode' }, FunctionError: { shape: 'Str', location: 'header', locationName: 'X-Amz-Function-Error' },
        Modified: { shape: 'Time', location: 'header', locationName: 'Last-Modified' }, Payload: { shape: 'Bin' },
      },
    },
    ObjIn: { type: 'structure', members: { Key: { shape: 'Str', location: 'uri', locationName: 'Key' } } },
    ObjOut: { type: 'structure', payload: 'Doc', members: { Doc: { shape: 'Env' } } },
    StrMap: { type: 'map', key: { shape: 'Str' }, value: { shape: 'Str' } },
    StrList: { type: 'list', member: { shape: 'Str' } },
    Str: { type: 'string' }, Int: { type: 'integer' }, Bool: { type: 'boolean' }, Time: { type: 'timestamp' }, Bin: { type: 'blob' },
  },
};

test('routing: method + template, trailing slashes, literal query parts, greedy labels, no match', () => {
  assert.equal(rest.operationName(request('GET', '/2015-03-31/functions/'), m), 'ListFunctions');
  assert.equal(rest.operationName(request('GET', '/2015-03-31/functions'), m), 'ListFunctions');
  assert.equal(rest.operationName(request('POST', '/2015-03-31/functions'), m), 'CreateFunction');
  assert.equal(rest.operationName(request('GET', '/2015-03-31/functions/fn'), m), 'GetFunction');
  assert.equal(rest.operationName(request('GET', '/2015-03-31/functions/fn?versions'), m), 'ListVersions');
  assert.equal(rest.operationName(request('POST', '/2015-03-31/functions/fn/invocations'), m), 'Invoke');
  assert.equal(rest.operationName(request('GET', '/files/a/b%20c.txt'), m), 'GetObject');
  assert.equal(rest.operationName(request('PUT', '/2015-03-31/functions/fn'), m), undefined);
  assert.equal(rest.operationName(request('GET', '/nowhere'), m), undefined);
});

test('binding: uri labels decoded, querystring scalars and lists, greedy label keeps slashes', () => {
  assert.deepEqual(rest.parse(request('GET', '/2015-03-31/functions/my%3Afn?Qualifier=%24LATEST'), m, 'GetFunction'), { FunctionName: 'my:fn', Qualifier: '$LATEST' });
  assert.deepEqual(rest.parse(request('GET', '/2015-03-31/functions/?MaxItems=10&Marker=m&tag=a&tag=b'), m, 'ListFunctions'), { Marker: 'm', MaxItems: 10, Tags: ['a', 'b'] });
  assert.deepEqual(rest.parse(request('GET', '/files/a/b%20c.txt'), m, 'GetObject'), { Key: 'a/b c.txt' });
  assert.throws(() => rest.parse(request('GET', '/2015-03-31/functions/?MaxItems=ten'), m, 'ListFunctions'), SerializationException);
});

test('binding: JSON body members, and a blob payload with headers and prefix headers', () => {
  const body = JSON.stringify({ FunctionName: 'f', MemorySize: 256, Environment: { Variables: { A: '1' } }, Publish: true });
  assert.deepEqual(rest.parse(request('POST', '/2015-03-31/functions', body, { 'content-type': 'application/json' }), m, 'CreateFunction'),
    { FunctionName: 'f', MemorySize: 256, Environment: { Variables: { A: '1' } }, Publish: true });
  const inv = request('POST', '/2015-03-31/functions/f/invocations', '{"k":1}', { 'x-amz-invocation-type': 'Event', 'x-amz-meta-color': 'red' });
  assert.deepEqual(rest.parse(inv, m, 'Invoke'), { FunctionName: 'f', InvocationType: 'Event', Meta: { color: 'red' }, Payload: Buffer.from('{"k":1}') });
  assert.throws(() => rest.parse(request('POST', '/2015-03-31/functions', '{"MemorySize":"big"}'), m, 'CreateFunction'), SerializationException);
  assert.throws(() => rest.parse(request('POST', '/2015-03-31/functions', '{oops'), m, 'CreateFunction'), SerializationException);
});

test('output: responseCode, header members, JSON body with epoch timestamps', () => {
  const res = rest.serialize(m, 'CreateFunction', { FunctionName: 'f', MemorySize: 128, LastModified: new Date(1795780800000), ETag: '"abc"' }, ctx);
  assert.equal(res.status, 201);
  assert.equal(res.headers['content-type'], 'application/json');
  assert.equal(res.headers['etag'], '"abc"');
  assert.deepEqual(JSON.parse(bodyText(res.body)), { FunctionName: 'f', MemorySize: 128, LastModified: 1795780800 });
  const del = rest.serialize(m, 'DeleteFunction', {}, ctx);
  assert.equal(del.status, 204);
  assert.equal(del.body, '');
});

test('output: statusCode member, HTTP-date headers, raw blob payload, structure payload', () => {
  const res = rest.serialize(m, 'Invoke', { StatusCode: 202, FunctionError: 'Unhandled', Modified: new Date('2026-11-27T12:00:00Z'), Payload: Buffer.from('{"ok":true}') }, ctx);
  assert.equal(res.status, 202);
  assert.equal(res.headers['x-amz-function-error'], 'Unhandled');
  assert.equal(res.headers['last-modified'], 'Fri, 27 Nov 2026 12:00:00 GMT');
  assert.equal(bodyText(res.body), '{"ok":true}');
  const doc = rest.serialize(m, 'GetObject', { Doc: { Variables: { a: 'b' } } }, ctx);
  assert.deepEqual(JSON.parse(bodyText(doc.body)), { Variables: { a: 'b' } });
});

test('errors: message + __type body, x-amzn-ErrorType header, status from the error', () => {
  const res = rest.serializeError(m, new AwsError('ResourceNotFoundException', 'Function not found: f', { status: 404 }), ctx);
  assert.equal(res.status, 404);
  assert.equal(res.headers['x-amzn-errortype'], 'ResourceNotFoundException');
  assert.equal(res.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(bodyText(res.body)), { message: 'Function not found: f', __type: 'ResourceNotFoundException' });
});
