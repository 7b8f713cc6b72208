import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { awsCli, awsCliMissing } from '../support/awscli.ts';
import { AMI, WEB_SERVER } from '../support/ec2.ts';
import { eventually, httpGet, isRoot, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

// Debian's awscli package (the issue asks for it).
describe('EC2 through the AWS CLI (--endpoint-url)', { skip: awsCliMissing }, () => {
  let t: TestNimbus;
  const tmp = mkdtempSync(join(tmpdir(), 'nimbus-cli-'));
  before(async () => {
    t = await startTestNimbus();
  });
  after(async () => {
    await t?.close();
  });

  const { aws, awsError } = awsCli(() => t.endpoint, { service: 'ec2' });

  test('describe types, offerings, images, vpcs, subnets, zones, regions', async () => {
    const types = await aws('describe-instance-types', '--instance-types', 'm7i.xlarge');
    assert.equal(types.InstanceTypes[0].VCpuInfo.DefaultVCpus, 4);
    assert.equal(types.InstanceTypes[0].MemoryInfo.SizeInMiB, 16384);
    const offers = await aws('describe-instance-type-offerings', '--location-type', 'availability-zone', '--filters', 'Name=instance-type,Values=t3.micro');
    assert.equal(offers.InstanceTypeOfferings.length, 3);
    const images = await aws('describe-images', '--owners', 'amazon');
    assert.ok(images.Images.some((i: { ImageId: string }) => i.ImageId === AMI));
    assert.equal((await aws('describe-vpcs')).Vpcs[0].IsDefault, true);
    assert.equal((await aws('describe-subnets')).Subnets.length, 3);
    assert.equal((await aws('describe-availability-zones')).AvailabilityZones.length, 3);
    assert.ok((await aws('describe-regions')).Regions.length >= 1);
  });

  test('key pairs, security groups, tags', async () => {
    const key = await aws('create-key-pair', '--key-name', 'cli-key');
    assert.match(key.KeyMaterial, /PRIVATE KEY/);
    assert.equal((await aws('describe-key-pairs', '--key-names', 'cli-key')).KeyPairs[0].KeyName, 'cli-key');
    const pub = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl cli@test';
    writeFileSync(join(tmp, 'key.pub'), pub);
    const imp = await aws('import-key-pair', '--key-name', 'cli-imported', '--public-key-material', `fileb://${join(tmp, 'key.pub')}`);
    assert.ok(imp.KeyPairId);
    await aws('delete-key-pair', '--key-name', 'cli-key');
    const sg = await aws('create-security-group', '--group-name', 'cli-sg', '--description', 'from the cli');
    await aws('authorize-security-group-ingress', '--group-id', sg.GroupId, '--protocol', 'tcp', '--port', '80', '--cidr', '0.0.0.0/0');
    const desc = await aws('describe-security-groups', '--group-ids', sg.GroupId);
    assert.equal(desc.SecurityGroups[0].IpPermissions[0].FromPort, 80);
    const rules = await aws('describe-security-group-rules', '--filters', `Name=group-id,Values=${sg.GroupId}`);
    assert.equal(rules.SecurityGroupRules.length, 2);
    await aws('revoke-security-group-ingress', '--group-id', sg.GroupId, '--protocol', 'tcp', '--port', '80', '--cidr', '0.0.0.0/0');
    await aws('create-tags', '--resources', sg.GroupId, '--tags', 'Key=team,Value=blue');
    const tags = await aws('describe-tags', '--filters', `Name=resource-id,Values=${sg.GroupId}`);
    assert.deepEqual(tags.Tags.map((x: { Key: string; Value: string }) => [x.Key, x.Value]), [['team', 'blue']]);
    await aws('delete-tags', '--resources', sg.GroupId, '--tags', 'Key=team');
    await aws('delete-security-group', '--group-id', sg.GroupId);
    assert.match(await awsError('delete-security-group', '--group-id', sg.GroupId), /InvalidGroup.NotFound/);
  });

  test('run, describe, stop, modify, start, reboot, console, status, volumes, image, terminate', async () => {
    const sg = await aws('create-security-group', '--group-name', 'cli-web', '--description', 'web');
    await aws('authorize-security-group-ingress', '--group-id', sg.GroupId, '--protocol', 'tcp', '--port', '80', '--cidr', '0.0.0.0/0');
    writeFileSync(join(tmp, 'web.sh'), WEB_SERVER);
    // The CLI base64-encodes --user-data itself, as with real EC2.
    const run1 = await aws('run-instances', '--image-id', AMI, '--instance-type', 't3.micro', '--count', '1', '--security-group-ids', sg.GroupId,
      '--user-data', `file://${join(tmp, 'web.sh')}`, '--tag-specifications', 'ResourceType=instance,Tags=[{Key=Name,Value=cli}]');
    const inst = run1.Instances[0];
    const id = inst.InstanceId;
    await eventually(async () => (await aws('describe-instances', '--instance-ids', id)).Reservations[0].Instances[0].State.Name === 'running', 'running');
    if (isRoot) assert.equal((await eventually(() => httpGet(`http://${inst.PrivateIpAddress}/`), 'web')).status, 200);
    const filtered = await aws('describe-instances', '--filters', 'Name=tag:Name,Values=cli', 'Name=instance-state-name,Values=running');
    assert.equal(filtered.Reservations[0].Instances[0].InstanceId, id);
    const status = await aws('describe-instance-status', '--instance-ids', id);
    assert.equal(status.InstanceStatuses[0].InstanceState.Name, 'running');
    await aws('reboot-instances', '--instance-ids', id);
    const vol = await aws('create-volume', '--availability-zone', inst.Placement.AvailabilityZone, '--size', '2');
    await aws('attach-volume', '--volume-id', vol.VolumeId, '--instance-id', id, '--device', '/dev/sdg');
    assert.equal((await aws('describe-volumes', '--volume-ids', vol.VolumeId)).Volumes[0].State, 'in-use');
    await aws('detach-volume', '--volume-id', vol.VolumeId);
    await aws('delete-volume', '--volume-id', vol.VolumeId);
    const img = await aws('create-image', '--instance-id', id, '--name', 'cli-image');
    await eventually(async () => (await aws('describe-images', '--image-ids', img.ImageId)).Images[0].State === 'available', 'image');
    await aws('deregister-image', '--image-id', img.ImageId);
    await aws('stop-instances', '--instance-ids', id);
    await eventually(async () => (await aws('describe-instances', '--instance-ids', id)).Reservations[0].Instances[0].State.Name === 'stopped', 'stopped');
    await aws('modify-instance-attribute', '--instance-id', id, '--instance-type', 'Value=c7i.large');
    assert.equal((await aws('describe-instance-attribute', '--instance-id', id, '--attribute', 'instanceType')).InstanceType.Value, 'c7i.large');
    await aws('start-instances', '--instance-ids', id);
    await eventually(async () => (await aws('describe-instances', '--instance-ids', id)).Reservations[0].Instances[0].State.Name === 'running', 'running again');
    const out = await aws('get-console-output', '--instance-id', id);
    assert.equal(out.InstanceId, id);
    await aws('terminate-instances', '--instance-ids', id);
    await eventually(async () => (await aws('describe-instances', '--instance-ids', id)).Reservations[0].Instances[0].State.Name === 'terminated', 'terminated');
    assert.match(await awsError('start-instances', '--instance-ids', id), /IncorrectInstanceState/);
    assert.match(await awsError('describe-instances', '--instance-ids', 'i-0123456789abcdef0'), /InvalidInstanceID.NotFound/);
  });

  test('sts get-caller-identity (query protocol) names the account', async () => {
    const sts = awsCli(t.endpoint, { env: { AWS_ACCESS_KEY_ID: '111122223333', AWS_SECRET_ACCESS_KEY: 'x' } });
    assert.equal((await sts.aws('sts', 'get-caller-identity')).Account, '111122223333');
  });
});
