import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand,
} from '@aws-sdk/client-ecs';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { freePort, startServerProcess, stopServerProcess } from '../support/server-process.ts';
import { eventually, httpGet, sdkClient } from '../support/nimbus.ts';
import { containerSkip, importBusybox, taskIp } from './support.ts';

// Tasks are processes of their own: they keep serving while Nimbus is killed with SIGKILL, and the next Nimbus adopts
// them (same task ARNs, still RUNNING; the service does not start replacements). A clean shutdown stops them.

describe('ECS tasks survive kill -9 of Nimbus and are adopted', { skip: containerSkip }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-ecs-kill-'));
  const prefix = `nbe${process.pid % 10000}`;
  const vpcCidr = `10.${100 + ((process.pid + 7) % 150)}.0.0/16`;
  let child: ChildProcess | undefined;

  after(async () => {
    await stopServerProcess(child, prefix);
    rmSync(`/run/${prefix}/crun`, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('SIGKILL, restart: the standalone task and the service task are still RUNNING and serving', async () => {
    await importBusybox(dataDir, 'durable:1', 'still here\n');
    const port = await freePort();
    child = await startServerProcess({ dataDir, port, prefix, vpcCidr });
    const endpoint = `http://127.0.0.1:${port}`;
    const ecs = sdkClient(ECSClient, endpoint);
    const ec2 = sdkClient(EC2Client, endpoint);
    try {
      const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!.map((s) => s.SubnetId!);
      const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web' }));
      await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
      await ecs.send(new CreateClusterCommand({ clusterName: 'durable' }));
      await ecs.send(new RegisterTaskDefinitionCommand({
        family: 'durable', requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512',
        containerDefinitions: [{ name: 'web', image: 'durable:1', portMappings: [{ containerPort: 80 }], stopTimeout: 1 }],
      }));
      const network = { awsvpcConfiguration: { subnets, securityGroups: [GroupId!] } };
      const standalone = (await ecs.send(new RunTaskCommand({ cluster: 'durable', taskDefinition: 'durable', launchType: 'FARGATE', networkConfiguration: network }))).tasks![0]!.taskArn!;
      await ecs.send(new CreateServiceCommand({ cluster: 'durable', serviceName: 'svc', taskDefinition: 'durable', desiredCount: 1, launchType: 'FARGATE', networkConfiguration: network }));
      const arns = await eventually(async () => {
        const all = (await ecs.send(new ListTasksCommand({ cluster: 'durable' }))).taskArns!;
        const ts = (await ecs.send(new DescribeTasksCommand({ cluster: 'durable', tasks: all }))).tasks!;
        return ts.length === 2 && ts.every((t) => t.lastStatus === 'RUNNING') ? ts : undefined;
      }, 'two tasks RUNNING', 30_000, 100);
      const ips = arns.map((t) => taskIp(t)!);
      for (const ip of ips) assert.equal((await eventually(() => httpGet(`http://${ip}/`), 'serving')).body, 'still here\n');

      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      for (const ip of ips) assert.equal((await httpGet(`http://${ip}/`))?.body, 'still here\n', 'tasks serve while Nimbus is down');

      child = await startServerProcess({ dataDir, port, prefix, vpcCidr });
      const after = (await ecs.send(new DescribeTasksCommand({ cluster: 'durable', tasks: arns.map((t) => t.taskArn!) }))).tasks!;
      assert.deepEqual(after.map((t) => t.lastStatus), ['RUNNING', 'RUNNING']);
      assert.ok(after.some((t) => t.taskArn === standalone));
      for (const ip of ips) assert.equal((await httpGet(`http://${ip}/`))?.body, 'still here\n');
      // The service keeps its adopted task: no replacement.
      await new Promise((r) => setTimeout(r, 1500));
      const svc = (await ecs.send(new DescribeServicesCommand({ cluster: 'durable', services: ['svc'] }))).services![0]!;
      assert.equal(svc.runningCount, 1);
      assert.equal((await ecs.send(new ListTasksCommand({ cluster: 'durable', serviceName: 'svc' }))).taskArns!.length, 1);
    } finally {
      ecs.destroy();
      ec2.destroy();
    }
  });
});
