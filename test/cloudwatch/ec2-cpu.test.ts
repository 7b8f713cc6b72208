import assert from 'node:assert/strict';
import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { Ec2Store } from '../../src/services/ec2/store.ts';
import { after, before, describe, test } from 'node:test';
import { launch, waitState } from '../support/ec2.ts';
import { eventually, isRoot } from '../support/nimbus.ts';
import { startCw, type CwTest } from './support.ts';

// The built-in AWS/EC2 CPUUtilization metric of a real instance busy in a CPU loop, at 1-s resolution.
// Needs cgroups (root): the plain-process fallback has no per-instance CPU accounting.
describe('built-in AWS/EC2 CPUUtilization', { skip: !isRoot && 'needs root (cgroups)' }, () => {
  let s: CwTest;
  let saved: string | undefined;
  before(async () => {
    saved = process.env.NIMBUS_METRICS_PERIOD;
    process.env.NIMBUS_METRICS_PERIOD = '1';
    s = await startCw();
  });
  after(async () => {
    await s?.close();
    if (saved === undefined) delete process.env.NIMBUS_METRICS_PERIOD;
    else process.env.NIMBUS_METRICS_PERIOD = saved;
  });

  test('a CPU loop shows up per InstanceId and per AutoScalingGroupName', async () => {
    const [inst] = await launch(s.t.ec2, { userData: '#!/bin/sh\nwhile :; do :; done\n' });
    const id = inst!.InstanceId!;
    // aws: tags are reserved for AWS (CreateTags refuses them): set it the way Auto Scaling does, in the EC2 store.
    new Ec2Store(s.t.nimbus.db).setTag({ resource_id: id, resource_type: 'instance', key: 'aws:autoscaling:groupName', value: 'cpu-group', account: '000000000000', region: 'us-east-1' });
    await waitState(s.t.ec2, id, 'running');
    const busiest = async (Name: string, Value: string) => {
      const now = Date.now();
      const r = await s.cw.send(new GetMetricStatisticsCommand({
        Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name, Value }], StartTime: new Date(now - 60_000), EndTime: new Date(now + 1000), Period: 1, Statistics: ['Maximum'],
      }));
      const max = Math.max(0, ...r.Datapoints!.map((d) => d.Maximum!));
      assert.ok(r.Datapoints!.every((d) => d.Unit === 'Percent' && d.Maximum! <= 100));
      return max;
    };
    // One busy thread on a 2-vCPU t3.micro is about 50%: wait (bounded) for a clearly busy second.
    const max = await eventually(async () => {
      const m = await busiest('InstanceId', id);
      return m > 25 ? m : undefined;
    }, 'CPUUtilization of the busy instance', 30_000, 500);
    assert.ok(max <= 100);
    await eventually(async () => (await busiest('AutoScalingGroupName', 'cpu-group')) > 25, 'CPUUtilization of the group', 15_000, 500);
    await s.t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await waitState(s.t.ec2, id, 'terminated', 20_000);
  });
});
