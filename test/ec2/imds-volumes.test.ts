import {
  AttachVolumeCommand, CreateVolumeCommand, DescribeVolumesCommand, DetachVolumeCommand, StartInstancesCommand, StopInstancesCommand,
  TerminateInstancesCommand, DeleteVolumeCommand,
} from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { execIn, launch, waitState } from '../support/ec2.ts';
import { eventually, isRoot, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

// Runs inside the instance: the IMDSv2 flow with a token, as the AWS SDKs do.
const IMDS_SCRIPT = `
const base = 'http://169.254.169.254';
(async () => {
  const token = await (await fetch(base + '/latest/api/token', { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' } })).text();
  const get = async (p, t = token) => { const r = await fetch(base + p, { headers: t ? { 'X-aws-ec2-metadata-token': t } : {} }); return r.status + ' ' + (await r.text()); };
  const out = {
    id: await get('/latest/meta-data/instance-id'),
    type: await get('/latest/meta-data/instance-type'),
    ip: await get('/latest/meta-data/local-ipv4'),
    az: await get('/latest/meta-data/placement/availability-zone'),
    dated: await get('/2021-07-15/meta-data/instance-id'),
    userData: await get('/latest/user-data'),
    badToken: await get('/latest/meta-data/instance-id', 'nope'),
    noTtl: (await fetch(base + '/latest/api/token', { method: 'PUT' })).status,
  };
  console.log(JSON.stringify(out));
})();
`;

describe('instance metadata and EBS volumes', { skip: !isRoot && 'needs root for private networks and mounts' }, () => {
  let t: TestNimbus;
  before(async () => {
    t = await startTestNimbus();
  });
  after(async () => {
    await t?.close();
  });

  test('IMDSv2 answers inside the instance with its own identity', async () => {
    const userData = '#!/bin/sh\necho marker-user-data\n';
    const [inst] = await launch(t.ec2, { type: 'c7i.large', userData });
    await waitState(t.ec2, inst.InstanceId!, 'running');
    const res = await execIn(t.endpoint, inst.InstanceId!, ['node', '-e', IMDS_SCRIPT]);
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout);
    assert.equal(out.id, `200 ${inst.InstanceId}`);
    assert.equal(out.type, '200 c7i.large');
    assert.equal(out.ip, `200 ${inst.PrivateIpAddress}`);
    assert.equal(out.az, `200 ${inst.Placement!.AvailabilityZone}`);
    assert.equal(out.dated, `200 ${inst.InstanceId}`);
    assert.equal(out.userData, `200 ${userData}`);
    assert.equal(out.badToken, '401 Unauthorized');
    assert.equal(out.noTtl, 400);
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [inst.InstanceId!] }));
  });

  test('an attached volume is writable inside and keeps its data across stop/start', async () => {
    const [inst] = await launch(t.ec2, {});
    const id = inst.InstanceId!;
    await waitState(t.ec2, id, 'running');
    const vol = await t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: inst.Placement!.AvailabilityZone, Size: 1, VolumeType: 'gp3' }));
    assert.equal(vol.State, 'available');
    const att = await t.ec2.send(new AttachVolumeCommand({ VolumeId: vol.VolumeId, InstanceId: id, Device: '/dev/sdf' }));
    assert.equal(att.State, 'attaching');
    const write = await execIn(t.endpoint, id, ['sh', '-c', 'echo persisted-data > /mnt/sdf/file.txt && cat /mnt/sdf/file.txt']);
    assert.equal(write.stdout.trim(), 'persisted-data', write.stderr);
    const desc = await t.ec2.send(new DescribeVolumesCommand({ VolumeIds: [vol.VolumeId!] }));
    assert.equal(desc.Volumes![0].State, 'in-use');
    assert.equal(desc.Volumes![0].Attachments![0].InstanceId, id);
    await t.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    await waitState(t.ec2, id, 'stopped');
    await t.ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    await waitState(t.ec2, id, 'running');
    const read = await eventually(async () => {
      const r = await execIn(t.endpoint, id, ['cat', '/mnt/sdf/file.txt']);
      return r.code === 0 ? r : undefined;
    }, 'volume after restart');
    assert.equal(read.stdout.trim(), 'persisted-data');
    await assert.rejects(t.ec2.send(new DeleteVolumeCommand({ VolumeId: vol.VolumeId })), (e: Error) => e.name === 'VolumeInUse');
    await t.ec2.send(new DetachVolumeCommand({ VolumeId: vol.VolumeId }));
    const gone = await execIn(t.endpoint, id, ['sh', '-c', 'test -e /mnt/sdf/file.txt && echo present || echo absent']);
    assert.equal(gone.stdout.trim(), 'absent');
    await t.ec2.send(new DeleteVolumeCommand({ VolumeId: vol.VolumeId }));
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  });
});
