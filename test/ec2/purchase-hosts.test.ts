import {
  AllocateHostsCommand, DescribeHostsCommand, EC2Client, ModifyHostsCommand, ModifyInstancePlacementCommand, ReleaseHostsCommand, RunInstancesCommand,
  StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand, type Host,
} from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { UsageMeter } from '../../src/engines/billing/meter.ts';
import { AMI, describe as describeInstance, waitState } from '../support/ec2.ts';
import { isRoot, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

// Dedicated Hosts end to end: allocation, placement (by host id and by auto-placement), capacity, tenancy errors,
// isolation between accounts, release refused while occupied, metering of the host and its instances.

const rejects = (p: Promise<unknown>, code: string) => assert.rejects(p, (e: Error) => {
  assert.equal(e.name, code, e.message);
  return true;
});

async function host(ec2: EC2Client, id: string): Promise<Host> {
  return (await ec2.send(new DescribeHostsCommand({ HostIds: [id] }))).Hosts![0];
}

describe('EC2 Dedicated Hosts', { skip: !isRoot && 'needs root for instances with private networks' }, () => {
  let t: TestNimbus;
  let other: EC2Client;
  before(async () => {
    t = await startTestNimbus();
    other = new EC2Client({ endpoint: t.endpoint, region: 'us-east-1', credentials: { accessKeyId: '123456789012', secretAccessKey: 'x' }, maxAttempts: 1 });
  });
  after(async () => {
    other?.destroy();
    await t?.close();
  });

  test('AllocateHosts validates its input', async () => {
    await rejects(t.ec2.send(new AllocateHostsCommand({ InstanceType: 'c7i.large', Quantity: 1 })), 'MissingParameter');
    await rejects(t.ec2.send(new AllocateHostsCommand({ AvailabilityZone: 'us-east-1a', Quantity: 1 })), 'MissingParameter');
    await rejects(t.ec2.send(new AllocateHostsCommand({ AvailabilityZone: 'us-east-1a', InstanceType: 'c7i.large', InstanceFamily: 'c7i', Quantity: 1 })), 'InvalidParameterCombination');
    await rejects(t.ec2.send(new AllocateHostsCommand({ AvailabilityZone: 'us-east-1a', InstanceFamily: 'mac1', Quantity: 1 })), 'InvalidHostConfiguration');
    await rejects(t.ec2.send(new AllocateHostsCommand({ AvailabilityZone: 'us-east-1a', InstanceType: 'c7i.large', Quantity: 0 })), 'InvalidParameterValue');
    await rejects(t.ec2.send(new AllocateHostsCommand({ AvailabilityZone: 'us-east-1z', InstanceType: 'c7i.large', Quantity: 1 })), 'InvalidZone.NotFound');
    await rejects(t.ec2.send(new DescribeHostsCommand({ HostIds: ['h-0123456789abcdef0'] })), 'InvalidHostID.NotFound');
  });

  test('placement on a host, capacity, tenancy errors, other accounts, release', async () => {
    const meter = new UsageMeter(t.nimbus.db);
    const { HostIds } = await t.ec2.send(new AllocateHostsCommand({
      AvailabilityZone: 'us-east-1b', InstanceType: 'c7i.8xlarge', Quantity: 1, AutoPlacement: 'off',
      TagSpecifications: [{ ResourceType: 'dedicated-host', Tags: [{ Key: 'Name', Value: 'build-host' }] }],
    }));
    const hostId = HostIds![0];
    assert.match(hostId, /^h-[0-9a-f]{17}$/);
    const h = await host(t.ec2, hostId);
    assert.equal(h.State, 'available');
    assert.equal(h.AvailabilityZone, 'us-east-1b');
    assert.equal(h.AutoPlacement, 'off');
    assert.equal(h.OwnerId, '000000000000');
    assert.equal(h.AllowsMultipleInstanceTypes, 'off');
    assert.deepEqual(h.HostProperties, { Cores: 96, Sockets: 2, TotalVCpus: 192, InstanceType: 'c7i.8xlarge' });
    assert.deepEqual(h.AvailableCapacity, { AvailableInstanceCapacity: [{ InstanceType: 'c7i.8xlarge', AvailableCapacity: 6, TotalCapacity: 6 }], AvailableVCpus: 192 });
    assert.deepEqual(h.Tags, [{ Key: 'Name', Value: 'build-host' }]);
    assert.equal(meter.openInterval(hostId)?.kind, 'host');
    assert.equal(meter.openInterval(hostId)?.hostFamily, 'c7i');

    const run = (more: Record<string, unknown>) => t.ec2.send(new RunInstancesCommand({ ImageId: AMI, InstanceType: 'c7i.8xlarge', MinCount: 1, MaxCount: 1, ...more }));
    // More than the host holds.
    await rejects(run({ MinCount: 7, MaxCount: 7, Placement: { Tenancy: 'host', HostId: hostId } }), 'InsufficientHostCapacity');
    // Wrong type for the host, conflicting tenancy, wrong AZ, no auto-placement host.
    await rejects(run({ InstanceType: 'c7i.large', Placement: { Tenancy: 'host', HostId: hostId } }), 'InvalidParameterValue');
    await rejects(run({ Placement: { Tenancy: 'default', HostId: hostId } }), 'InvalidParameterCombination');
    await rejects(run({ Placement: { Tenancy: 'host', HostId: hostId, AvailabilityZone: 'us-east-1a' } }), 'InvalidParameterCombination');
    await rejects(run({ Placement: { Tenancy: 'host' } }), 'InsufficientHostCapacity');
    await rejects(run({ Placement: { Affinity: 'host' } }), 'InvalidParameterCombination');

    const res = await run({ Placement: { Tenancy: 'host', HostId: hostId } });
    const id = res.Instances![0].InstanceId!;
    assert.equal(res.Instances![0].Placement!.Tenancy, 'host');
    assert.equal(res.Instances![0].Placement!.HostId, hostId);
    assert.equal(res.Instances![0].Placement!.AvailabilityZone, 'us-east-1b');
    await waitState(t.ec2, id, 'running');
    const used = await host(t.ec2, hostId);
    assert.deepEqual(used.Instances, [{ InstanceId: id, InstanceType: 'c7i.8xlarge', OwnerId: '000000000000' }]);
    assert.equal(used.AvailableCapacity!.AvailableVCpus, 160);
    assert.equal(used.AvailableCapacity!.AvailableInstanceCapacity![0].AvailableCapacity, 5);
    const iv = meter.openInterval(id)!;
    assert.equal(iv.tenancy, 'host');
    assert.equal(iv.hostId, hostId);

    // Another account: the host does not exist for it.
    assert.equal((await other.send(new DescribeHostsCommand({}))).Hosts!.length, 0);
    await rejects(other.send(new DescribeHostsCommand({ HostIds: [hostId] })), 'InvalidHostID.NotFound');
    await rejects(other.send(new RunInstancesCommand({ ImageId: AMI, InstanceType: 'c7i.8xlarge', MinCount: 1, MaxCount: 1, Placement: { Tenancy: 'host', HostId: hostId } })), 'InvalidHostID.NotFound');
    const foreign = await other.send(new ReleaseHostsCommand({ HostIds: [hostId] }));
    assert.equal(foreign.Unsuccessful![0].Error!.Code, 'Client.InvalidHostID.NotFound');
    assert.equal((await other.send(new ModifyHostsCommand({ HostIds: [hostId], AutoPlacement: 'on' }))).Unsuccessful!.length, 1);

    // Occupied: release refused.
    const refused = await t.ec2.send(new ReleaseHostsCommand({ HostIds: [hostId] }));
    assert.deepEqual(refused.Successful, []);
    assert.equal(refused.Unsuccessful![0].ResourceId, hostId);
    assert.equal(refused.Unsuccessful![0].Error!.Code, 'Client.InvalidHost.Occupied');

    // Auto-placement: untargeted host launches land on the host once it accepts them.
    const mod = await t.ec2.send(new ModifyHostsCommand({ HostIds: [hostId], AutoPlacement: 'on' }));
    assert.deepEqual(mod.Successful, [hostId]);
    const auto = await run({ Placement: { Tenancy: 'host' } });
    const autoId = auto.Instances![0].InstanceId!;
    assert.equal(auto.Instances![0].Placement!.HostId, hostId);
    const filtered = await t.ec2.send(new DescribeHostsCommand({ Filter: [{ Name: 'auto-placement', Values: ['on'] }, { Name: 'tag:Name', Values: ['build-*'] }] }));
    assert.deepEqual(filtered.Hosts!.map((x) => x.HostId), [hostId]);

    // A stopped instance moves off the host (to Dedicated Instance tenancy), then back onto it.
    await waitState(t.ec2, autoId, 'running');
    await t.ec2.send(new StopInstancesCommand({ InstanceIds: [autoId] }));
    await waitState(t.ec2, autoId, 'stopped');
    await rejects(t.ec2.send(new ModifyInstancePlacementCommand({ InstanceId: id, Tenancy: 'dedicated' })), 'IncorrectInstanceState');
    assert.equal((await t.ec2.send(new ModifyInstancePlacementCommand({ InstanceId: autoId, Tenancy: 'dedicated' }))).Return, true);
    const moved = await describeInstance(t.ec2, autoId);
    assert.equal(moved.Placement!.Tenancy, 'dedicated');
    assert.equal(moved.Placement!.HostId, undefined);
    assert.equal((await t.ec2.send(new ModifyInstancePlacementCommand({ InstanceId: autoId, HostId: hostId }))).Return, true);
    await t.ec2.send(new StartInstancesCommand({ InstanceIds: [autoId] }));
    const back = await waitState(t.ec2, autoId, 'running');
    assert.equal(back.Placement!.HostId, hostId);

    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id, autoId] }));
    await waitState(t.ec2, id, 'terminated');
    await waitState(t.ec2, autoId, 'terminated');
    assert.equal(meter.openInterval(id), undefined);
    const released = await t.ec2.send(new ReleaseHostsCommand({ HostIds: [hostId] }));
    assert.deepEqual(released.Successful, [hostId]);
    const after = await host(t.ec2, hostId);
    assert.equal(after.State, 'released');
    assert.ok(after.ReleaseTime);
    assert.equal(meter.openInterval(hostId), undefined);
    const hostIntervals = meter.intervals('000000000000', 0, Number.MAX_SAFE_INTEGER).filter((u) => u.resourceId === hostId);
    assert.equal(hostIntervals.length, 1);
    assert.ok(hostIntervals[0].endMs! >= hostIntervals[0].startMs);
    await rejects(run({ Placement: { Tenancy: 'host', HostId: hostId } }), 'InvalidHostID.NotFound');
  });

  test('a family host takes any size of its family; Dedicated Instances are metered as dedicated', async () => {
    const { HostIds } = await t.ec2.send(new AllocateHostsCommand({ AvailabilityZone: 'us-east-1a', InstanceFamily: 'm7i', AutoPlacement: 'on' }));
    const h = await host(t.ec2, HostIds![0]);
    assert.deepEqual(h.HostProperties, { Cores: 96, Sockets: 2, TotalVCpus: 192, InstanceFamily: 'm7i' });
    assert.equal(h.AllowsMultipleInstanceTypes, 'on');
    const large = h.AvailableCapacity!.AvailableInstanceCapacity!.find((c) => c.InstanceType === 'm7i.large');
    assert.deepEqual(large, { InstanceType: 'm7i.large', AvailableCapacity: 96, TotalCapacity: 96 });
    const res = await t.ec2.send(new RunInstancesCommand({ ImageId: AMI, InstanceType: 'm7i.xlarge', MinCount: 1, MaxCount: 1, Placement: { Tenancy: 'host' } }));
    assert.equal(res.Instances![0].Placement!.HostId, h.HostId);
    const ded = await t.ec2.send(new RunInstancesCommand({ ImageId: AMI, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, Placement: { Tenancy: 'dedicated' } }));
    const dedId = ded.Instances![0].InstanceId!;
    assert.equal(ded.Instances![0].Placement!.Tenancy, 'dedicated');
    await waitState(t.ec2, dedId, 'running');
    assert.equal(new UsageMeter(t.nimbus.db).openInterval(dedId)?.tenancy, 'dedicated');
    const ids = [res.Instances![0].InstanceId!, dedId];
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    for (const id of ids) await waitState(t.ec2, id, 'terminated');
    assert.deepEqual((await t.ec2.send(new ReleaseHostsCommand({ HostIds: [h.HostId!] }))).Successful, [h.HostId]);
  });
});
