import {
  DescribeInstanceStatusCommand, DescribeInstancesCommand, GetConsoleOutputCommand, ModifyInstanceAttributeCommand, RebootInstancesCommand,
  StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand, DescribeInstanceAttributeCommand,
} from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AMI, WEB_SERVER, describe as describeOne, execIn, launch, openGroup, waitState } from '../support/ec2.ts';
import { eventually, httpGet, isRoot, startTestNimbus, TEST_NET_PREFIX, type TestNimbus } from '../support/nimbus.ts';

describe('EC2 instances through @aws-sdk/client-ec2', () => {
  let t: TestNimbus;
  before(async () => {
    t = await startTestNimbus();
  });
  after(async () => {
    await t?.close();
  });

  test('a user-data web server answers on the instance private IP', { skip: !isRoot && 'needs root for private networks' }, async () => {
    const sg = await openGroup(t.ec2, 'web', [80]);
    const [inst] = await launch(t.ec2, { userData: WEB_SERVER, groups: [sg] });
    assert.equal(inst.State?.Name, 'pending');
    assert.equal(inst.ImageId, AMI);
    assert.ok(inst.PrivateIpAddress!.startsWith(TEST_NET_PREFIX), inst.PrivateIpAddress);
    const running = await waitState(t.ec2, inst.InstanceId!, 'running');
    assert.equal(running.State?.Code, 16);
    const res = await eventually(() => httpGet(`http://${inst.PrivateIpAddress}/`), 'web server');
    assert.equal(res.status, 200);
    assert.equal(res.body, `hello from ip-${inst.PrivateIpAddress!.replace(/\./g, '-')}`);
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [inst.InstanceId!] }));
    await waitState(t.ec2, inst.InstanceId!, 'terminated');
  });

  test('two instances both listen on port 80, each on its own IP', { skip: !isRoot && 'needs root' }, async () => {
    const sg = await openGroup(t.ec2, 'web2', [80]);
    const insts = await launch(t.ec2, { userData: WEB_SERVER, groups: [sg], count: 2 });
    assert.equal(insts.length, 2);
    assert.notEqual(insts[0].PrivateIpAddress, insts[1].PrivateIpAddress);
    for (const i of insts) {
      const res = await eventually(() => httpGet(`http://${i.PrivateIpAddress}/`), `server on ${i.PrivateIpAddress}`);
      assert.equal(res.body, `hello from ip-${i.PrivateIpAddress!.replace(/\./g, '-')}`);
    }
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: insts.map((i) => i.InstanceId!) }));
  });

  test('the lifecycle follows the AWS state machine and rejects illegal moves', async () => {
    const [inst] = await launch(t.ec2, { userData: '#!/bin/sh\necho booted-ok\n' });
    const id = inst.InstanceId!;
    await waitState(t.ec2, id, 'running');
    const stop = await t.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    assert.equal(stop.StoppingInstances![0].PreviousState?.Name, 'running');
    assert.equal(stop.StoppingInstances![0].CurrentState?.Name, 'stopping');
    const stopped = await waitState(t.ec2, id, 'stopped');
    assert.equal(stopped.StateReason?.Code, 'Client.UserInitiatedShutdown');
    assert.match(stopped.StateTransitionReason!, /^User initiated \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\)$/);
    // Reboot is only legal while running.
    await assert.rejects(t.ec2.send(new RebootInstancesCommand({ InstanceIds: [id] })), (e: Error) => e.name === 'IncorrectInstanceState');
    const start = await t.ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    assert.equal(start.StartingInstances![0].CurrentState?.Name, 'pending');
    await waitState(t.ec2, id, 'running');
    // Changing the type needs a stopped instance.
    await assert.rejects(
      t.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: 't3.small' } })),
      (e: Error) => e.name === 'IncorrectInstanceState',
    );
    await t.ec2.send(new RebootInstancesCommand({ InstanceIds: [id] }));
    await waitState(t.ec2, id, 'running');
    const term = await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    assert.equal(term.TerminatingInstances![0].CurrentState?.Name, 'shutting-down');
    await waitState(t.ec2, id, 'terminated');
    await assert.rejects(t.ec2.send(new StartInstancesCommand({ InstanceIds: [id] })), (e: Error) => e.name === 'IncorrectInstanceState');
    // Terminating again is idempotent.
    const again = await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    assert.equal(again.TerminatingInstances![0].CurrentState?.Name, 'terminated');
    const console = await t.ec2.send(new GetConsoleOutputCommand({ InstanceId: id }));
    assert.match(Buffer.from(console.Output!, 'base64').toString(), /booted-ok/);
  });

  test('vertical scaling: a stopped instance changes type and gets the new limits on start', { skip: !isRoot && 'needs root for cgroups' }, async () => {
    const [inst] = await launch(t.ec2, { type: 't3.micro' });
    const id = inst.InstanceId!;
    await waitState(t.ec2, id, 'running');
    const before = await execIn(t.endpoint, id, ['sh', '-c', 'grep MemTotal /proc/meminfo']);
    assert.match(before.stdout, new RegExp(`MemTotal:\\s+${1024 * 1024} kB`));
    await t.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    await waitState(t.ec2, id, 'stopped');
    await t.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: 't3.medium' } }));
    const attr = await t.ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'instanceType' }));
    assert.equal(attr.InstanceType?.Value, 't3.medium');
    await t.ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    await waitState(t.ec2, id, 'running');
    const after = await execIn(t.endpoint, id, ['sh', '-c', 'grep MemTotal /proc/meminfo; nproc']);
    assert.match(after.stdout, new RegExp(`MemTotal:\\s+${4 * 1024 * 1024} kB`));
    assert.equal((await describeOne(t.ec2, id)).InstanceType, 't3.medium');
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  });

  test('DescribeInstances filters, tags and paginates', async () => {
    const insts = await launch(t.ec2, { count: 6, type: 't3.nano' });
    const ids = insts.map((i) => i.InstanceId!);
    const byType = await t.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-type', Values: ['t3.nano'] }, { Name: 'instance-id', Values: ids }] }));
    assert.equal(byType.Reservations!.flatMap((r) => r.Instances!).length, 6);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await t.ec2.send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: token, Filters: [{ Name: 'instance-id', Values: ids }] }));
      seen.push(...page.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!)));
      token = page.NextToken;
    } while (token);
    assert.deepEqual(seen.sort(), [...ids].sort());
    const none = await t.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-type', Values: ['c7i.large'] }, { Name: 'instance-id', Values: ids }] }));
    assert.equal(none.Reservations!.length, 0);
    await waitState(t.ec2, ids[0], 'running');
    const status = await t.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [ids[0]] }));
    assert.equal(status.InstanceStatuses![0].InstanceState?.Name, 'running');
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
  });

  test('unknown instance ids give InvalidInstanceID errors', async () => {
    await assert.rejects(t.ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, 'InvalidInstanceID.NotFound');
      assert.equal(e.$metadata?.httpStatusCode, 400);
      return true;
    });
    await assert.rejects(t.ec2.send(new StopInstancesCommand({ InstanceIds: ['i-nothex'] })), (e: Error) => e.name === 'InvalidInstanceID.Malformed');
  });
});
