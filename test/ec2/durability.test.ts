import { freePort, startServerProcess, stopServerProcess } from '../support/server-process.ts';
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand, CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { AMI, WEB_SERVER, openGroup, waitState } from '../support/ec2.ts';
import { b64, eventually, httpGet, isRoot, sdkClient, TEST_VPC_CIDR } from '../support/nimbus.ts';

const PREFIX = `nbd${process.pid % 100000}`;


const startServer = (dataDir: string, port: number) => startServerProcess({ dataDir, port, prefix: PREFIX, vpcCidr: TEST_VPC_CIDR });

describe('state survives kill -9 of Nimbus', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-kill-'));
  let child: ChildProcess | undefined;
  let ec2: EC2Client | undefined;
  after(async () => {
    ec2?.destroy();
    await stopServerProcess(child, PREFIX);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('acknowledged resources are there after SIGKILL; running instances are adopted and keep serving', async () => {
    const port = await freePort();
    child = await startServer(dataDir, port);
    ec2 = sdkClient(EC2Client, `http://127.0.0.1:${port}`);
    const sg = await openGroup(ec2, 'durable', [80]);
    const res = await ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 2, MaxCount: 2, InstanceType: 't3.nano', UserData: b64(WEB_SERVER), SecurityGroupIds: [sg] }));
    const ids = res.Instances!.map((i) => i.InstanceId!);
    for (const id of ids) await waitState(ec2, id, 'running');
    await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'acked-just-before-kill', Description: 'x' }));
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));

    if (isRoot) {
      // The instances are separate processes: they keep serving while Nimbus is down.
      const ip = res.Instances![0].PrivateIpAddress!;
      assert.equal((await eventually(() => httpGet(`http://${ip}/`), 'instance serving while nimbus is down')).status, 200);
    }

    child = await startServer(dataDir, port);
    const after = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    const states = after.Reservations!.flatMap((r) => r.Instances!).map((i) => i.State!.Name);
    assert.deepEqual(states, ['running', 'running']);
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['acked-just-before-kill'] }] }));
    assert.equal(groups.SecurityGroups!.length, 1);
    if (isRoot) {
      const ip = res.Instances![1].PrivateIpAddress!;
      assert.equal((await eventually(() => httpGet(`http://${ip}/`), 'instance serving after restart')).status, 200);
    }
    // Adopted instances are fully managed again: terminate really stops them.
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    for (const id of ids) await waitState(ec2, id, 'terminated');
    if (isRoot) assert.equal(await httpGet(`http://${res.Instances![0].PrivateIpAddress}/`, 500), undefined);
  });
});
