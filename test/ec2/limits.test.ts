import { DescribeInstanceStatusCommand, GetConsoleOutputCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { execIn, launch, waitState } from '../support/ec2.ts';
import { eventually, isRoot, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

describe('CPU and memory of the instance type are enforced', { skip: !isRoot && 'needs root for cgroups' }, () => {
  let t: TestNimbus;
  before(async () => {
    t = await startTestNimbus();
  });
  after(async () => {
    await t?.close();
  });

  test('a process allocating past a t3.nano (512 MiB) is OOM-killed and reported', async () => {
    // 800 MiB of real (touched) memory: more than the type has.
    const hog = '#!/bin/sh\necho starting-hog\npython3 -c "a = b\'x\' * (800 * 1024 * 1024); print(\'survived\')"\necho hog-exit=$?\n';
    const [inst] = await launch(t.ec2, { type: 't3.nano', userData: hog });
    const id = inst.InstanceId!;
    await waitState(t.ec2, id, 'running');
    const text = await eventually(async () => {
      const out = await t.ec2.send(new GetConsoleOutputCommand({ InstanceId: id }));
      const s = Buffer.from(out.Output ?? '', 'base64').toString();
      return /hog-exit=137/.test(s) && /out of memory/i.test(s) ? s : undefined;
    }, 'OOM kill in the console', 20_000, 200);
    assert.doesNotMatch(text, /survived/);
    const status = await t.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }));
    assert.match(status.InstanceStatuses![0].Events?.[0]?.Description ?? '', /Out of memory/);
    // The instance itself keeps running, as a real one would after its kernel killed a process.
    assert.equal(status.InstanceStatuses![0].InstanceState?.Name, 'running');
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  });

  test('the vCPU count and memory are visible from inside', async () => {
    const [inst] = await launch(t.ec2, { type: 'r7i.large' });
    await waitState(t.ec2, inst.InstanceId!, 'running');
    const out = await execIn(t.endpoint, inst.InstanceId!, ['sh', '-c', 'nproc; grep MemTotal /proc/meminfo; hostname']);
    const [nproc, mem, host] = out.stdout.trim().split('\n');
    assert.equal(Number(nproc), 2);
    assert.match(mem, new RegExp(`${16 * 1024 * 1024} kB`));
    assert.equal(host, `ip-${inst.PrivateIpAddress!.replace(/\./g, '-')}`);
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [inst.InstanceId!] }));
  });
});
