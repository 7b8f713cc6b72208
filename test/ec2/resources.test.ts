import {
  CreateImageCommand, CreateKeyPairCommand, CreateTagsCommand, DeleteKeyPairCommand, DeleteTagsCommand, DeregisterImageCommand,
  DescribeImagesCommand, DescribeInstanceTypeOfferingsCommand, DescribeInstanceTypesCommand, DescribeKeyPairsCommand, DescribeTagsCommand,
  ImportKeyPairCommand, RunInstancesCommand, TerminateInstancesCommand, DescribeRegionsCommand,
} from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AMI, execIn, launch, waitState } from '../support/ec2.ts';
import { eventually, isRoot, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

describe('instance types, images, key pairs and tags', () => {
  let t: TestNimbus;
  before(async () => {
    t = await startTestNimbus();
  });
  after(async () => {
    await t?.close();
  });

  test('the five families with real vCPU and memory specs', async () => {
    const res = await t.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['t3.micro', 'm7i.large', 'c7i.xlarge', 'r7i.2xlarge', 'g5.xlarge', 'p5.48xlarge', 'i4i.large', 'd3.xlarge'] }));
    const spec = Object.fromEntries(res.InstanceTypes!.map((i) => [i.InstanceType, [i.VCpuInfo!.DefaultVCpus, i.MemoryInfo!.SizeInMiB]]));
    assert.deepEqual(spec, {
      't3.micro': [2, 1024], 'm7i.large': [2, 8192], 'c7i.xlarge': [4, 8192], 'r7i.2xlarge': [8, 65536], 'g5.xlarge': [4, 16384],
      'p5.48xlarge': [192, 2097152], 'i4i.large': [2, 16384], 'd3.xlarge': [4, 32768],
    });
    const g5 = res.InstanceTypes!.find((i) => i.InstanceType === 'g5.xlarge')!;
    assert.equal(g5.GpuInfo!.Gpus![0].Name, 'A10G');
    const filtered = await t.ec2.send(new DescribeInstanceTypesCommand({ Filters: [{ Name: 'vcpu-info.default-vcpus', Values: ['192'] }] }));
    assert.deepEqual(filtered.InstanceTypes!.map((i) => i.InstanceType), ['p5.48xlarge']);
    const offers = await t.ec2.send(new DescribeInstanceTypeOfferingsCommand({ LocationType: 'availability-zone', Filters: [{ Name: 'instance-type', Values: ['c7i.large'] }] }));
    assert.deepEqual(offers.InstanceTypeOfferings!.map((o) => o.Location).sort(), ['us-east-1a', 'us-east-1b', 'us-east-1c']);
    await assert.rejects(t.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['x9.huge' as never] })), (e: Error) => e.name === 'InvalidInstanceType');
    const regions = await t.ec2.send(new DescribeRegionsCommand({}));
    assert.ok(regions.Regions!.some((r) => r.RegionName === 'us-east-1'));
  });

  test('key pairs: create returns a usable private key, import validates, delete is idempotent', async () => {
    const created = await t.ec2.send(new CreateKeyPairCommand({ KeyName: 'mine' }));
    assert.match(created.KeyMaterial!, /^-----BEGIN RSA PRIVATE KEY-----/);
    assert.match(created.KeyFingerprint!, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    await assert.rejects(t.ec2.send(new CreateKeyPairCommand({ KeyName: 'mine' })), (e: Error) => e.name === 'InvalidKeyPair.Duplicate');
    const ed = generateKeyPairSync('ed25519');
    const raw = ed.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const len = (b: Buffer) => { const l = Buffer.alloc(4); l.writeUInt32BE(b.length); return Buffer.concat([l, b]); };
    const line = `ssh-ed25519 ${Buffer.concat([len(Buffer.from('ssh-ed25519')), len(raw)]).toString('base64')} me@laptop`;
    const imported = await t.ec2.send(new ImportKeyPairCommand({ KeyName: 'laptop', PublicKeyMaterial: Buffer.from(line) }));
    assert.ok(imported.KeyPairId?.startsWith('key-'));
    await assert.rejects(t.ec2.send(new ImportKeyPairCommand({ KeyName: 'junk', PublicKeyMaterial: Buffer.from('not a key') })), (e: Error) => e.name === 'InvalidKey.Format');
    const listed = await t.ec2.send(new DescribeKeyPairsCommand({}));
    assert.deepEqual(listed.KeyPairs!.map((k) => [k.KeyName, k.KeyType]), [['laptop', 'ed25519'], ['mine', 'rsa']]);
    await assert.rejects(t.ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, KeyName: 'nope' })), (e: Error) => e.name === 'InvalidKeyPair.NotFound');
    await t.ec2.send(new DeleteKeyPairCommand({ KeyName: 'mine' }));
    await t.ec2.send(new DeleteKeyPairCommand({ KeyName: 'mine' }));
    await assert.rejects(t.ec2.send(new DescribeKeyPairsCommand({ KeyNames: ['mine'] })), (e: Error) => e.name === 'InvalidKeyPair.NotFound');
  });

  test('tags on create and with CreateTags/DeleteTags, found by DescribeTags and tag filters', async () => {
    const res = await t.ec2.send(new RunInstancesCommand({
      ImageId: AMI, MinCount: 1, MaxCount: 1, InstanceType: 't3.nano',
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'web-1' }] }],
    }));
    const id = res.Instances![0].InstanceId!;
    assert.deepEqual(res.Instances![0].Tags, [{ Key: 'Name', Value: 'web-1' }]);
    await t.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'env', Value: 'test' }] }));
    const tags = await t.ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [id] }] }));
    assert.deepEqual(tags.Tags!.map((x) => [x.Key, x.Value, x.ResourceType]), [['Name', 'web-1', 'instance'], ['env', 'test', 'instance']]);
    await t.ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: 'env' }] }));
    const after1 = await t.ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [id] }] }));
    assert.equal(after1.Tags!.length, 1);
    await assert.rejects(t.ec2.send(new CreateTagsCommand({ Resources: ['i-0000000000000dead'], Tags: [{ Key: 'a', Value: 'b' }] })), (e: Error) => e.name === 'InvalidInstanceID.NotFound');
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  });

  test('built-in AMIs; CreateImage captures the root volume and new instances start from it', { skip: !isRoot && 'needs root for the private root volume' }, async () => {
    const builtin = await t.ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }));
    assert.ok(builtin.Images!.some((i) => i.ImageId === AMI));
    const [inst] = await launch(t.ec2, { userData: '#!/bin/sh\necho baked > /root/baked.txt\n' });
    await waitState(t.ec2, inst.InstanceId!, 'running');
    await eventually(async () => (await execIn(t.endpoint, inst.InstanceId!, ['cat', '/root/baked.txt'])).stdout.includes('baked'), 'user data wrote /root');
    const { ImageId } = await t.ec2.send(new CreateImageCommand({ InstanceId: inst.InstanceId!, Name: 'my-baked-image' }));
    await eventually(async () => (await t.ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images![0].State === 'available', 'image available');
    await assert.rejects(t.ec2.send(new CreateImageCommand({ InstanceId: inst.InstanceId!, Name: 'my-baked-image' })), (e: Error) => e.name === 'InvalidAMIName.Duplicate');
    const res = await t.ec2.send(new RunInstancesCommand({ ImageId, MinCount: 1, MaxCount: 1, InstanceType: 't3.nano' }));
    const child = res.Instances![0].InstanceId!;
    await waitState(t.ec2, child, 'running');
    assert.equal((await execIn(t.endpoint, child, ['cat', '/root/baked.txt'])).stdout.trim(), 'baked');
    const mine = await t.ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
    assert.deepEqual(mine.Images!.map((i) => i.Name), ['my-baked-image']);
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [inst.InstanceId!, child] }));
    await t.ec2.send(new DeregisterImageCommand({ ImageId }));
    await assert.rejects(t.ec2.send(new RunInstancesCommand({ ImageId, MinCount: 1, MaxCount: 1 })), (e: Error) => e.name === 'InvalidAMIID.NotFound');
  });
});
