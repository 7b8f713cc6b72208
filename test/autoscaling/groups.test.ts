import {
  CreateAutoScalingGroupCommand, DeleteAutoScalingGroupCommand, DescribeAutoScalingInstancesCommand, DescribeScalingActivitiesCommand,
  SetDesiredCapacityCommand, SetInstanceProtectionCommand, TerminateInstanceInAutoScalingGroupCommand, UpdateAutoScalingGroupCommand, type AutoScalingClient,
} from '@aws-sdk/client-auto-scaling';
import { DescribeSubnetsCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { describe as describeInstance, execIn, waitState } from '../support/ec2.ts';
import { eventually, isRoot, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';
import { autoscalingClient, group, inService, template } from './support.ts';

describe('Auto Scaling groups through @aws-sdk/client-auto-scaling', { skip: !isRoot && 'needs root for real instances' }, () => {
  let t: TestNimbus;
  let asg: AutoScalingClient;
  before(async () => {
    t = await startTestNimbus();
    asg = autoscalingClient(t.endpoint);
  });
  after(async () => {
    asg?.destroy();
    await t?.close();
  });

  test('min/desired/max across subnets, SetDesiredCapacity up and down with AWS-style activities', async () => {
    const lt = await template(t.ec2, 'web-lt');
    const subnets = (await t.ec2.send(new DescribeSubnetsCommand({}))).Subnets!.map((s) => s.SubnetId!);
    await asg.send(new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'web', LaunchTemplate: { LaunchTemplateId: lt, Version: '$Latest' }, MinSize: 1, MaxSize: 4, DesiredCapacity: 1,
      VPCZoneIdentifier: subnets.join(','), Tags: [{ Key: 'team', Value: 'blue', PropagateAtLaunch: true }, { Key: 'private', Value: 'x', PropagateAtLaunch: false }],
    }));
    const g1 = await inService(asg, 'web', 1);
    const id = g1.Instances![0].InstanceId!;
    const inst = await describeInstance(t.ec2, id);
    assert.equal(inst.State?.Name, 'running');
    const tags = Object.fromEntries(inst.Tags!.map((x) => [x.Key, x.Value]));
    assert.equal(tags['aws:autoscaling:groupName'], 'web');
    assert.equal(tags.team, 'blue');
    assert.equal(tags.private, undefined);
    assert.equal(tags['aws:ec2launchtemplate:id'], lt);

    await asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web', DesiredCapacity: 3 }));
    const g3 = await inService(asg, 'web', 3);
    // Balanced across AZs: three instances, three zones.
    assert.equal(new Set(g3.Instances!.map((i) => i.AvailabilityZone)).size, 3);
    const acts = (await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'web' }))).Activities!;
    const launches = acts.filter((a) => a.Description?.startsWith('Launching a new EC2 instance: i-'));
    assert.equal(launches.length, 3);
    assert.ok(launches.every((a) => a.StatusCode === 'Successful'));
    assert.match(launches[0].Cause!, /^At \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ a user request explicitly set group desired capacity changing the desired capacity from 1 to 3\.  At \S+Z an instance was started in response to a difference between desired and running capacity, increasing the capacity from 1 to 3\.$/);
    assert.match(launches[2].Cause!, /a user request created an AutoScalingGroup changing the desired capacity from 0 to 1\./);

    // Scale in: protected instances stay; the others go.
    const keep = g3.Instances![0].InstanceId!;
    await asg.send(new SetInstanceProtectionCommand({ AutoScalingGroupName: 'web', InstanceIds: [keep], ProtectedFromScaleIn: true }));
    await asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'web', MinSize: 1, MaxSize: 4, DesiredCapacity: 1 }));
    const g1b = await inService(asg, 'web', 1);
    assert.equal(g1b.Instances![0].InstanceId, keep);
    assert.equal(g1b.Instances![0].ProtectedFromScaleIn, true);
    const terms = (await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'web' }))).Activities!.filter((a) => a.Description?.startsWith('Terminating'));
    assert.equal(terms.length, 2);
    assert.match(terms[0].Cause!, /a user request update of AutoScalingGroup constraints to min: 1, max: 4, desired: 1 changing the desired capacity from 3 to 1\.  At \S+ an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from 3 to 1\.  At \S+ instance i-\w+ was selected for termination\./);
    for (const a of terms) {
      const victim = /i-[0-9a-f]+/.exec(a.Description!)![0];
      await waitState(t.ec2, victim, 'terminated');
    }
  });

  test('an instance killed from inside, or terminated outside the group, is replaced', async () => {
    const g = await inService(asg, 'web', 1);
    const first = g.Instances![0].InstanceId!;
    await asg.send(new SetInstanceProtectionCommand({ AutoScalingGroupName: 'web', InstanceIds: [first], ProtectedFromScaleIn: false }));
    // PID 1 gets TERM (killed from inside), init exits → the instance stops → EC2 health check fails → replaced.
    await execIn(t.endpoint, first, ['sh', '-c', 'kill 1']).catch(() => undefined);
    const g2 = await eventually(async () => {
      const x = await group(asg, 'web');
      const live = (x.Instances ?? []).filter((i) => i.LifecycleState === 'InService');
      return live.length === 1 && live[0].InstanceId !== first ? x : undefined;
    }, 'replacement after kill', 30_000, 100);
    await waitState(t.ec2, first, 'terminated');
    const second = g2.Instances!.find((i) => i.LifecycleState === 'InService')!.InstanceId!;
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [second] }));
    await eventually(async () => {
      const x = await group(asg, 'web');
      const live = (x.Instances ?? []).filter((i) => i.LifecycleState === 'InService');
      return live.length === 1 && live[0].InstanceId !== second ? x : undefined;
    }, 'replacement after TerminateInstances', 30_000, 100);
    const acts = (await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'web' }))).Activities!;
    assert.ok(acts.some((a) => /in response to an EC2 health check indicating it has been terminated or stopped/.test(a.Cause!)));
  });

  test('TerminateInstanceInAutoScalingGroup, DescribeAutoScalingInstances, ForceDelete', async () => {
    const g = await inService(asg, 'web', 1);
    const id = g.Instances![0].InstanceId!;
    const d = await asg.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [id] }));
    assert.equal(d.AutoScalingInstances![0].AutoScalingGroupName, 'web');
    assert.equal(d.AutoScalingInstances![0].HealthStatus, 'HEALTHY');
    // At min size: decrementing would break the minimum.
    await assert.rejects(asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: id, ShouldDecrementDesiredCapacity: true })), (e: Error) => /ValidationError/.test(e.name));
    const r = await asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: id, ShouldDecrementDesiredCapacity: false }));
    assert.match(r.Activity!.Description!, new RegExp(`Terminating EC2 instance: ${id}`));
    await eventually(async () => {
      const x = await group(asg, 'web');
      return x.Instances?.length === 1 && x.Instances[0].InstanceId !== id && x.Instances[0].LifecycleState === 'InService';
    }, 'replacement', 30_000, 100);
    await assert.rejects(asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'web' })), (e: Error) => /^(ResourceInUse|ScalingActivityInProgress)/.test(e.name));
    await asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'web', ForceDelete: true }));
    // Deleting is fast here: the group is either still listed as being deleted or already gone.
    const deleting = await group(asg, 'web');
    if (deleting) assert.equal(deleting.Status, 'Delete in progress');
    await eventually(async () => !(await group(asg, 'web')), 'group deleted', 30_000, 100);
  });
});
