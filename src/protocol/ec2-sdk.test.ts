import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import {
  AuthorizeSecurityGroupIngressCommand, CreateKeyPairCommand, DescribeInstancesCommand, DescribeSecurityGroupsCommand, EC2Client, RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { AwsError } from '../core/errors.ts';
import { protocols } from './index.ts';
import { loadModel } from './test-support.ts';
import type { HttpRequest } from './types.ts';

// Fidelity: the real AWS SDK v3 encodes requests that our parser must read back exactly, and parses
// our XML into exactly the objects our handlers returned. Loopback only.

const model = loadModel('ec2');
const ec2 = protocols.ec2;
let server: Server;
let client: EC2Client;
let seen: { op?: string; input?: Record<string, unknown> } = {};
let answer: (op: string) => unknown = () => ({});

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const httpReq: HttpRequest = { method: req.method ?? 'POST', path: q >= 0 ? url.slice(0, q) : url, query: q >= 0 ? url.slice(q + 1) : '', headers, body: Buffer.concat(chunks) };
      const requestId = 'a1b2c3d4-0000-4000-8000-000000000001';
      let out;
      try {
        const op = ec2.operationName(httpReq, model)!;
        seen = { op, input: ec2.parse(httpReq, model, op) };
        out = ec2.serialize(model, op, answer(op), { requestId });
      } catch (err) {
        out = ec2.serializeError(model, err as AwsError, { requestId });
      }
      res.writeHead(out.status, { ...out.headers, 'x-amzn-requestid': requestId });
      res.end(out.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new EC2Client({
    endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDNIMBUSTEST', secretAccessKey: 'secret' },
  });
});

after(async () => {
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function strip<T extends { $metadata?: unknown }>(o: T): Omit<T, '$metadata'> {
  const { $metadata: _, ...rest } = o;
  return rest;
}

const launch = new Date('2026-11-27T12:00:00.000Z');
const instance = {
  InstanceId: 'i-0123456789abcdef0', ImageId: 'ami-1', InstanceType: 't3.micro', AmiLaunchIndex: 0, LaunchTime: launch,
  State: { Code: 16, Name: 'running' }, Placement: { AvailabilityZone: 'us-east-1a', GroupName: '', Tenancy: 'default' },
  PrivateIpAddress: '10.0.1.5', PrivateDnsName: 'ip-10-0-1-5.ec2.internal', PublicDnsName: '', StateTransitionReason: '',
  Tags: [{ Key: 'Name', Value: 'web & <api> "quoted"\r\nline' }],
  SecurityGroups: [{ GroupId: 'sg-1', GroupName: 'default' }],
  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-1', Status: 'attached', AttachTime: launch, DeleteOnTermination: true } }],
  EbsOptimized: false, EnaSupport: true, SourceDestCheck: true, Monitoring: { State: 'disabled' },
  CpuOptions: { CoreCount: 1, ThreadsPerCore: 2 }, NetworkInterfaces: [],
  MetadataOptions: { State: 'applied', HttpTokens: 'optional', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled', InstanceMetadataTags: 'disabled' },
};

test('RunInstances: SDK request parses to the expected input; SDK reads our reservation back', async () => {
  const reservation = { ReservationId: 'r-1', OwnerId: '000000000000', Groups: [], Instances: [instance] };
  answer = () => reservation;
  const out = await client.send(new RunInstancesCommand({
    ImageId: 'ami-1', MinCount: 1, MaxCount: 2, InstanceType: 't3.micro', SecurityGroupIds: ['sg-1', 'sg-2'], KeyName: 'k',
    UserData: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'), DisableApiTermination: false,
    TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'web' }, { Key: 'team', Value: 'a=b&c' }] }],
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 16, DeleteOnTermination: true } }],
  }));
  assert.equal(seen.op, 'RunInstances');
  const { ClientToken, ...input } = seen.input!;
  assert.equal(typeof ClientToken, 'string', 'the SDK fills the idempotency token');
  assert.deepEqual(input, {
    ImageId: 'ami-1', MinCount: 1, MaxCount: 2, InstanceType: 't3.micro', SecurityGroupIds: ['sg-1', 'sg-2'], KeyName: 'k',
    UserData: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'), DisableApiTermination: false,
    TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'web' }, { Key: 'team', Value: 'a=b&c' }] }],
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 16, DeleteOnTermination: true } }],
  });
  assert.deepEqual(strip(out), reservation);
  assert.equal(out.$metadata.requestId, 'a1b2c3d4-0000-4000-8000-000000000001');
});

test('DescribeInstances: ids, filters and paging on the wire; reservations and NextToken back', async () => {
  const result = { Reservations: [{ ReservationId: 'r-1', OwnerId: '000000000000', Groups: [{ GroupId: 'sg-1', GroupName: 'default' }], Instances: [instance] }], NextToken: 'tok' };
  answer = () => result;
  const out = await client.send(new DescribeInstancesCommand({
    Filters: [{ Name: 'instance-state-name', Values: ['running', 'pending'] }, { Name: 'tag:Name', Values: ['web'] }], MaxResults: 5, NextToken: 'prev',
  }));
  assert.deepEqual(seen.input, {
    Filters: [{ Name: 'instance-state-name', Values: ['running', 'pending'] }, { Name: 'tag:Name', Values: ['web'] }], MaxResults: 5, NextToken: 'prev',
  });
  assert.deepEqual(strip(out), result);
  await client.send(new DescribeInstancesCommand({ InstanceIds: ['i-a', 'i-b'] }));
  assert.deepEqual(seen.input, { InstanceIds: ['i-a', 'i-b'] });
});

test('DescribeSecurityGroups and AuthorizeSecurityGroupIngress round-trip permissions', async () => {
  const perms = [
    { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ssh' }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] },
    { IpProtocol: '-1', IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: 'sg-1', UserId: '000000000000' }] },
  ];
  const result = {
    SecurityGroups: [{
      GroupId: 'sg-1', GroupName: 'default', Description: 'default VPC security group', OwnerId: '000000000000', VpcId: 'vpc-1',
      IpPermissions: perms, IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] }],
      Tags: [],
    }],
  };
  answer = () => result;
  const out = await client.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-1'], GroupNames: ['default'] }));
  assert.deepEqual(seen.input, { GroupIds: ['sg-1'], GroupNames: ['default'] });
  assert.deepEqual(strip(out), result);

  answer = () => ({ Return: true, SecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-1', GroupId: 'sg-1', IsEgress: false, IpProtocol: 'tcp', FromPort: 80, ToPort: 80, CidrIpv4: '10.0.0.0/8' }] });
  const auth = await client.send(new AuthorizeSecurityGroupIngressCommand({
    GroupId: 'sg-1', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/8' }], UserIdGroupPairs: [{ GroupId: 'sg-2' }] }],
  }));
  assert.deepEqual(seen.input, {
    GroupId: 'sg-1', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/8' }], UserIdGroupPairs: [{ GroupId: 'sg-2' }] }],
  });
  assert.equal(auth.Return, true);
  assert.equal(auth.SecurityGroupRules?.[0].FromPort, 80);
});

test('CreateKeyPair: multi-line key material survives; tag specifications on the wire', async () => {
  const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow&IBAAKCAQEA<x>\n-----END RSA PRIVATE KEY-----';
  const result = { KeyName: 'k', KeyFingerprint: 'aa:bb', KeyMaterial: pem, KeyPairId: 'key-1', Tags: [{ Key: 'a', Value: 'b' }] };
  answer = () => result;
  const out = await client.send(new CreateKeyPairCommand({ KeyName: 'k', KeyType: 'ed25519', TagSpecifications: [{ ResourceType: 'key-pair', Tags: [{ Key: 'a', Value: 'b' }] }] }));
  assert.deepEqual(seen.input, { KeyName: 'k', KeyType: 'ed25519', TagSpecifications: [{ ResourceType: 'key-pair', Tags: [{ Key: 'a', Value: 'b' }] }] });
  assert.deepEqual(strip(out), result);
});

test('errors: the SDK throws with our code, message and request id', async () => {
  answer = () => { throw new AwsError('InvalidInstanceID.NotFound', "The instance ID 'i-0000000000000000f' does not exist"); };
  await assert.rejects(client.send(new DescribeInstancesCommand({ InstanceIds: ['i-0000000000000000f'] })), (e: any) => {
    assert.equal(e.name, 'InvalidInstanceID.NotFound');
    assert.equal(e.Code, 'InvalidInstanceID.NotFound');
    assert.equal(e.message, "The instance ID 'i-0000000000000000f' does not exist");
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.equal(e.$metadata.requestId, 'a1b2c3d4-0000-4000-8000-000000000001');
    return true;
  });
});

test('a protocol-level validation error reaches the SDK the same way', async () => {
  await assert.rejects(client.send(new CreateKeyPairCommand({ KeyName: undefined as unknown as string })), (e: any) => {
    assert.equal(e.name, 'MissingParameter');
    assert.equal(e.message, 'The request must contain the parameter KeyName');
    return true;
  });
});
