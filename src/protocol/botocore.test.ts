import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { AwsError } from '../core/errors.ts';
import { protocols } from './index.ts';
import { bodyText, formRequest, loadModel } from './test-support.ts';
import type { Protocol, ServiceModel } from './types.ts';

// Fidelity against botocore (AWS CLI, boto3): botocore encodes requests our parsers must read, and
// parses our responses. Skipped where python3 + botocore are not installed (CI need not have them).

const python = process.env.PYTHON ?? 'python3';
const probe = spawnSync(python, ['-c', 'import botocore'], { encoding: 'utf8' });
const skip = probe.status !== 0 ? 'python3 with botocore is not installed' : false;

type Case = { kind: 'serialize'; op: string; params: unknown } | { kind: 'parse'; op: string; body: string; headers: Record<string, string>; status: number };

function botocore(model: ServiceModel, cases: Case[]): any[] {
  const r = spawnSync(python, [new URL('./botocore-bridge.py', import.meta.url).pathname], { input: JSON.stringify({ model, cases }), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

/** Our outputs in botocore's terms: Dates and Buffers as the bridge prints them. */
function plain(v: unknown): unknown {
  if (v instanceof Date) return { $date: v.toISOString() };
  if (Buffer.isBuffer(v)) return { $bytes: v.toString('base64') };
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, plain(x)]));
  return v;
}

function respond(p: Protocol, model: ServiceModel, op: string, output: unknown): Case {
  const res = p.serialize(model, op, output, { requestId: 'rid' });
  return { kind: 'parse', op, body: bodyText(res.body), headers: res.headers, status: res.status };
}

test('ec2: botocore requests parse; botocore reads our responses and errors', { skip }, () => {
  const model = loadModel('ec2');
  const params = {
    ImageId: 'ami-1', MinCount: 1, MaxCount: 2, SecurityGroupIds: ['sg-1'], ClientToken: 'tok',
    TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'a b&c=d' }] }],
    NetworkInterfaces: [{ DeviceIndex: 0, PrivateIpAddresses: [{ PrivateIpAddress: '10.0.0.5', Primary: true }] }],
  };
  const reservation = {
    ReservationId: 'r-1', OwnerId: '000000000000', Groups: [],
    Instances: [{ InstanceId: 'i-1', LaunchTime: new Date('2026-11-27T12:00:00.000Z'), State: { Code: 16, Name: 'running' }, EbsOptimized: false, Tags: [{ Key: 'k', Value: 'line1\r\nline2 <&>' }] }],
  };
  const err = protocols.ec2.serializeError(model, new AwsError('InvalidAMIID.NotFound', "The image id '[ami-1]' does not exist"), { requestId: 'rid' });
  const [req, out, e] = botocore(model, [
    { kind: 'serialize', op: 'RunInstances', params },
    respond(protocols.ec2, model, 'RunInstances', reservation),
    { kind: 'parse', op: 'RunInstances', body: bodyText(err.body), headers: err.headers, status: err.status },
  ]);
  const httpReq = formRequest(req.body);
  assert.equal(protocols.ec2.operationName(httpReq, model), 'RunInstances');
  assert.deepEqual(protocols.ec2.parse(httpReq, model, 'RunInstances'), params);
  assert.deepEqual(out, plain(reservation));
  assert.deepEqual(e.Error, { Code: 'InvalidAMIID.NotFound', Message: "The image id '[ami-1]' does not exist" });
});

test('query (STS): botocore reads our result and error envelopes', { skip }, () => {
  const model = loadModel('sts');
  const identity = { UserId: 'AIDA', Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root' };
  const err = protocols.query.serializeError(model, new AwsError('ExpiredToken', 'The security token included in the request is expired'), { requestId: 'rid' });
  const [req, out, e] = botocore(model, [
    { kind: 'serialize', op: 'GetCallerIdentity', params: {} },
    respond(protocols.query, model, 'GetCallerIdentity', identity),
    { kind: 'parse', op: 'GetCallerIdentity', body: bodyText(err.body), headers: err.headers, status: err.status },
  ]);
  assert.equal(protocols.query.operationName(formRequest(req.body), model), 'GetCallerIdentity');
  assert.deepEqual(out, identity);
  assert.deepEqual(e.Error, { Type: 'Sender', Code: 'ExpiredToken', Message: 'The security token included in the request is expired' });
});

test('query: lists, flattened lists, maps and flattened maps both ways', { skip }, () => {
  const model: ServiceModel = {
    metadata: { apiVersion: '2020-01-01', protocol: 'query', endpointPrefix: 'demo', xmlNamespace: 'https://demo.amazonaws.com/doc/2020-01-01/' },
    operations: { Echo: { name: 'Echo', http: { method: 'POST', requestUri: '/' }, input: { shape: 'Data' }, output: { shape: 'Data', resultWrapper: 'EchoResult' } } },
    shapes: {
      Data: {
        type: 'structure',
        members: {
          Names: { shape: 'StrList' }, Flat: { shape: 'FlatList' }, Attrs: { shape: 'Attrs' }, FlatAttrs: { shape: 'FlatAttrs', locationName: 'Attribute' },
          Items: { shape: 'ItemList' }, Count: { shape: 'Int' }, On: { shape: 'Bool' }, When: { shape: 'Time' }, Blob: { shape: 'Bin' }, Ratio: { shape: 'Dbl' },
        },
      },
      Item: { type: 'structure', members: { Id: { shape: 'Str' }, Tags: { shape: 'Attrs' } } },
      ItemList: { type: 'list', member: { shape: 'Item', locationName: 'Item' } },
      StrList: { type: 'list', member: { shape: 'Str' } },
      FlatList: { type: 'list', member: { shape: 'Str', locationName: 'Entry' }, flattened: true },
      Attrs: { type: 'map', key: { shape: 'Str' }, value: { shape: 'Str' } },
      FlatAttrs: { type: 'map', key: { shape: 'Str', locationName: 'Name' }, value: { shape: 'Str', locationName: 'Value' }, flattened: true },
      Str: { type: 'string' }, Int: { type: 'integer' }, Bool: { type: 'boolean' }, Time: { type: 'timestamp' }, Bin: { type: 'blob' }, Dbl: { type: 'double' },
    },
  };
  const data = {
    Names: ['a', 'b'], Flat: ['x', 'y'], Attrs: { k1: 'v1', k2: 'v2' }, FlatAttrs: { Policy: '{"a":1}', Delay: '5' },
    Items: [{ Id: '1', Tags: { t: 'u' } }, { Id: '2', Tags: {} }], Count: 42, On: true, When: new Date('2026-11-27T12:00:00.000Z'), Blob: Buffer.from('bytes'), Ratio: 0.25,
  };
  const [req, out] = botocore(model, [{ kind: 'serialize', op: 'Echo', params: plain(data) }, respond(protocols.query, model, 'Echo', data)]);
  // botocore sends nothing for an empty map, so it arrives absent.
  assert.deepEqual(protocols.query.parse(formRequest(req.body), model, 'Echo'), { ...data, Items: [{ Id: '1', Tags: { t: 'u' } }, { Id: '2' }] });
  assert.deepEqual(out, plain(data));
});
