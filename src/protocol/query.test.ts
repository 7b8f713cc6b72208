import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwsError, InvalidParameterValue, MalformedQueryString, MissingParameter } from '../core/errors.ts';
import { protocols } from './index.ts';
import { bodyText, formRequest, loadModel, request } from './test-support.ts';
import type { ServiceModel } from './types.ts';

const q = protocols.query;
const ctx = { requestId: 'rid-9' };

test('STS GetCallerIdentity: Result wrapper, ResponseMetadata, model namespace', () => {
  const sts = loadModel('sts');
  const req = formRequest({ Action: 'GetCallerIdentity', Version: '2011-06-15' });
  assert.equal(q.operationName(req, sts), 'GetCallerIdentity');
  assert.deepEqual(q.parse(req, sts, 'GetCallerIdentity'), {});
  const res = q.serialize(sts, 'GetCallerIdentity', { UserId: 'AIDA', Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root' }, ctx);
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/xml');
  assert.equal(bodyText(res.body),
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
    '<UserId>AIDA</UserId><Account>000000000000</Account><Arn>arn:aws:iam::000000000000:root</Arn>' +
    '</GetCallerIdentityResult><ResponseMetadata><RequestId>rid-9</RequestId></ResponseMetadata></GetCallerIdentityResponse>');
});

// A small model with every query-protocol encoding: member lists, flattened lists with a member
// name, entry maps, flattened maps with key/value names, and scalar coercions.
const model: ServiceModel = {
  metadata: { apiVersion: '2020-01-01', protocol: 'query', endpointPrefix: 'demo' },
  operations: {
    Echo: { name: 'Echo', input: { shape: 'EchoIn' }, output: { shape: 'EchoOut', resultWrapper: 'EchoResult' } },
    Ping: { name: 'Ping', input: { shape: 'PingIn' } },
  },
  shapes: {
    EchoIn: {
      type: 'structure', required: ['QueueName'],
      members: {
        QueueName: { shape: 'Str' }, Names: { shape: 'StrList' }, Flat: { shape: 'FlatList', locationName: 'Flats' },
        Attrs: { shape: 'Attrs' }, FlatAttrs: { shape: 'FlatAttrs', locationName: 'Attribute' },
        Count: { shape: 'Int' }, Ratio: { shape: 'Dbl' }, On: { shape: 'Bool' }, When: { shape: 'Time' }, Data: { shape: 'Bin' },
        Inner: { shape: 'Inner' }, Empty: { shape: 'StrList' },
      },
    },
    EchoOut: {
      type: 'structure',
      members: {
        Names: { shape: 'StrList' }, Flat: { shape: 'FlatList' }, Attrs: { shape: 'Attrs' }, FlatAttrs: { shape: 'FlatAttrs', locationName: 'Attribute' },
        Count: { shape: 'Int' }, On: { shape: 'Bool' }, When: { shape: 'Time' }, Data: { shape: 'Bin' }, Inner: { shape: 'Inner' }, Empty: { shape: 'StrList' },
      },
    },
    PingIn: { type: 'structure', members: {} },
    Inner: { type: 'structure', members: { Label: { shape: 'Str', locationName: 'label' } } },
    StrList: { type: 'list', member: { shape: 'Str' } },
    FlatList: { type: 'list', member: { shape: 'Str', locationName: 'Item' }, flattened: true },
    Attrs: { type: 'map', key: { shape: 'Str' }, value: { shape: 'Str' } },
    FlatAttrs: { type: 'map', key: { shape: 'Str', locationName: 'Name' }, value: { shape: 'Str', locationName: 'Value' }, flattened: true },
    Str: { type: 'string' }, Int: { type: 'integer' }, Dbl: { type: 'double' }, Bool: { type: 'boolean' }, Time: { type: 'timestamp' }, Bin: { type: 'blob' },
  },
};

test('query input: member lists, flattened lists, entry and flattened maps, scalars', () => {
  const req = formRequest({
    Action: 'Echo', Version: '2020-01-01', QueueName: 'q',
    'Names.member.1': 'a', 'Names.member.2': 'b', 'Item.1': 'x', 'Item.2': 'y',
    'Attrs.entry.1.key': 'k1', 'Attrs.entry.1.value': 'v1', 'Attribute.1.Name': 'Policy', 'Attribute.1.Value': '{"a":1}',
    Count: '7', Ratio: '0.5', On: 'false', When: '2026-11-27T12:00:00Z', Data: Buffer.from('hi').toString('base64'),
    'Inner.label': 'L', Empty: '',
  });
  assert.deepEqual(q.parse(req, model, 'Echo'), {
    QueueName: 'q', Names: ['a', 'b'], Flat: ['x', 'y'], Attrs: { k1: 'v1' }, FlatAttrs: { Policy: '{"a":1}' },
    Count: 7, Ratio: 0.5, On: false, When: new Date('2026-11-27T12:00:00Z'), Data: Buffer.from('hi'), Inner: { Label: 'L' }, Empty: [],
  });
});

test('query input errors: missing required, bad integer, malformed encoding (404 MalformedQueryString)', () => {
  assert.throws(() => q.parse(formRequest({ Action: 'Echo' }), model, 'Echo'),
    (e: unknown) => e instanceof MissingParameter && e.message === 'The request must contain the parameter QueueName');
  assert.throws(() => q.parse(formRequest({ QueueName: 'q', Count: 'abc' }), model, 'Echo'),
    (e: unknown) => e instanceof InvalidParameterValue && e.message === "Invalid value 'abc' for Count");
  assert.throws(() => q.parse(formRequest({ QueueName: 'q', When: 'soon' }), model, 'Echo'), InvalidParameterValue);
  assert.throws(() => q.operationName(request('GET', '/?Action=Echo&QueueName=%zz'), model),
    (e: unknown) => e instanceof MalformedQueryString && e.status === 404);
});

test('query input from the URL query string of a GET', () => {
  const req = request('GET', '/?Action=Echo&Version=2020-01-01&QueueName=my+queue&Names.member.1=a%26b');
  assert.equal(q.operationName(req, model), 'Echo');
  assert.deepEqual(q.parse(req, model, 'Echo'), { QueueName: 'my queue', Names: ['a&b'] });
});

test('query output: member lists, flattened lists, entry maps, flattened maps, default namespace', () => {
  const res = q.serialize(model, 'Echo', {
    Names: ['a', 'b'], Flat: ['x', 'y'], Attrs: { k: 'v' }, FlatAttrs: { A: '1', B: '2' }, Count: 3, On: true,
    When: new Date('2026-11-27T12:00:00Z'), Data: Buffer.from('hi'), Inner: { Label: 'L' }, Empty: [],
  }, ctx);
  assert.equal(bodyText(res.body),
    '<EchoResponse xmlns="https://demo.amazonaws.com/doc/2020-01-01/"><EchoResult>' +
    '<Names><member>a</member><member>b</member></Names><Item>x</Item><Item>y</Item>' +
    '<Attrs><entry><key>k</key><value>v</value></entry></Attrs>' +
    '<Attribute><Name>A</Name><Value>1</Value></Attribute><Attribute><Name>B</Name><Value>2</Value></Attribute>' +
    '<Count>3</Count><On>true</On><When>2026-11-27T12:00:00.000Z</When><Data>aGk=</Data><Inner><label>L</label></Inner><Empty/>' +
    '</EchoResult><ResponseMetadata><RequestId>rid-9</RequestId></ResponseMetadata></EchoResponse>');
});

test('operations without output have no Result element', () => {
  const res = q.serialize(model, 'Ping', {}, ctx);
  assert.equal(bodyText(res.body), '<PingResponse xmlns="https://demo.amazonaws.com/doc/2020-01-01/"><ResponseMetadata><RequestId>rid-9</RequestId></ResponseMetadata></PingResponse>');
});

test('query errors: ErrorResponse with Type, Code, Message and the error status', () => {
  const res = q.serializeError(model, new AwsError('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.'), ctx);
  assert.equal(res.status, 400);
  assert.equal(bodyText(res.body),
    '<ErrorResponse xmlns="https://demo.amazonaws.com/doc/2020-01-01/"><Error><Type>Sender</Type>' +
    '<Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist.</Message></Error>' +
    '<RequestId>rid-9</RequestId></ErrorResponse>');
  const server = q.serializeError(undefined, new AwsError('InternalFailure', 'boom', { status: 500 }), ctx);
  assert.equal(server.status, 500);
  assert.match(bodyText(server.body), /^<ErrorResponse><Error><Type>Receiver<\/Type>/);
});
