import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, RunInstancesCommand, TerminateInstancesCommand, type _InstanceType } from '@aws-sdk/client-ec2';
import { DescribeContainerInstancesCommand, ListContainerInstancesCommand } from '@aws-sdk/client-ecs';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { awsCli, awsCliMissing } from '../support/awscli.ts';
import { b64, httpGet } from '../support/nimbus.ts';
import { containerSkip, defaultNetwork, eventually, importBusybox, startEcsNimbus, type EcsTestNimbus } from './support.ts';

// The EC2 launch type through the AWS CLI: EC2 instances whose user data sets ECS_CLUSTER register as container
// instances (Nimbus plays the ECS agent), tasks are placed by binpack / spread / distinctInstance with ECS's resource
// accounting, bridge-mode containers share their instance's network, and a terminated instance leaves the cluster.

describe('ECS on EC2 container instances (AWS CLI)', { skip: containerSkip || awsCliMissing }, () => {
  let n: EcsTestNimbus;
  let small: string;
  let medium: string;
  const cluster = 'ec2-cluster';

  const { aws } = awsCli(() => n.endpoint);

  const instanceOf = async (taskArns: string[]) => {
    const tasks = (await aws('ecs', 'describe-tasks', '--cluster', cluster, '--tasks', ...taskArns)).tasks as Array<{ containerInstanceArn: string }>;
    const cis = (await aws('ecs', 'describe-container-instances', '--cluster', cluster, '--container-instances', ...tasks.map((t) => t.containerInstanceArn))).containerInstances as Array<{ containerInstanceArn: string; ec2InstanceId: string }>;
    return tasks.map((t) => cis.find((c) => c.containerInstanceArn === t.containerInstanceArn)!.ec2InstanceId);
  };

  before(async () => {
    n = await startEcsNimbus();
    await importBusybox(n.dataDir, 'tools:1', 'served from an EC2 container instance\n');
    await aws('ecs', 'create-cluster', '--cluster-name', cluster);
    const net = await defaultNetwork(n.ec2);
    const sg = (await n.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'ecs-hosts', Description: 'ecs hosts', VpcId: net.vpc }))).GroupId!;
    await n.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    // What the ECS-optimized AMI's user data usually says.
    const userData = b64(`#!/bin/sh\necho ECS_CLUSTER=${cluster} >> /tmp/ecs.config\n`);
    const launch = async (type: _InstanceType) => (await n.ec2.send(new RunInstancesCommand({
      ImageId: 'ami-0a0000000000000a1', InstanceType: type, MinCount: 1, MaxCount: 1, UserData: userData, SecurityGroupIds: [sg],
    }))).Instances![0]!.InstanceId!;
    small = await launch('t3.small'); // 2 vCPU, 2 GiB
    medium = await launch('t3.medium'); // 2 vCPU, 4 GiB
    for (const family of ['worker', 'web']) {
      const containers = family === 'worker'
        ? [{ name: 'worker', image: 'tools:1', memory: 512, cpu: 256, command: ['sleep', '1000'], stopTimeout: 1 }]
        : [{ name: 'web', image: 'tools:1', memory: 128, portMappings: [{ containerPort: 8080, hostPort: 8080 }], command: ['httpd', '-f', '-p', '8080', '-h', '/www'], stopTimeout: 1 }];
      await aws('ecs', 'register-task-definition', '--family', family, '--network-mode', 'bridge', '--requires-compatibilities', 'EC2', '--container-definitions', JSON.stringify(containers));
    }
  });

  after(async () => {
    await n?.close();
  });

  test('instances with ECS_CLUSTER in their user data register as container instances', async () => {
    const arns = await eventually(async () => {
      const r = await n.ecs.send(new ListContainerInstancesCommand({ cluster }));
      return r.containerInstanceArns!.length === 2 ? r.containerInstanceArns! : undefined;
    }, 'two container instances');
    const cis = (await n.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: arns }))).containerInstances!;
    const bySmall = cis.find((c) => c.ec2InstanceId === small)!;
    assert.equal(bySmall.status, 'ACTIVE');
    assert.equal(bySmall.agentConnected, true);
    assert.equal(bySmall.registeredResources!.find((r) => r.name === 'MEMORY')!.integerValue, 2048);
    assert.equal(bySmall.registeredResources!.find((r) => r.name === 'CPU')!.integerValue, 2048);
    assert.ok(bySmall.attributes!.some((a) => a.name === 'ecs.instance-type' && a.value === 't3.small'));
    const cli = await aws('ecs', 'list-container-instances', '--cluster', cluster, '--filter', 'attribute:ecs.instance-type == t3.medium');
    assert.equal(cli.containerInstanceArns.length, 1);
  });

  test('binpack on memory fills the instance with the least memory left first', async () => {
    const placed: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await aws('ecs', 'run-task', '--cluster', cluster, '--task-definition', 'worker', '--launch-type', 'EC2', '--placement-strategy', 'type=binpack,field=memory');
      assert.equal(r.failures.length, 0, JSON.stringify(r.failures));
      placed.push(r.tasks[0].taskArn);
    }
    // 4 × 512 MiB fill the 2-GiB instance; the fifth needs the 4-GiB one.
    assert.deepEqual(await instanceOf(placed), [small, small, small, small, medium]);
    const smallCi = (await aws('ecs', 'describe-container-instances', '--cluster', cluster, '--container-instances', (await n.ecs.send(new ListContainerInstancesCommand({ cluster, filter: `ec2InstanceId == ${small}` }))).containerInstanceArns![0]!)).containerInstances[0];
    assert.equal(smallCi.remainingResources.find((r: { name: string }) => r.name === 'MEMORY').integerValue, 0);
    await eventually(async () => (await aws('ecs', 'describe-tasks', '--cluster', cluster, '--tasks', ...placed)).tasks.every((t: { lastStatus: string }) => t.lastStatus === 'RUNNING'), 'all RUNNING');
    // Too big for what is left anywhere: a placement failure, as ECS reports it.
    const big = await aws('ecs', 'run-task', '--cluster', cluster, '--task-definition', 'worker', '--launch-type', 'EC2', '--overrides', JSON.stringify({ memory: '8192' }));
    assert.equal(big.tasks.length, 0);
    assert.ok(big.failures.every((f: { reason: string }) => f.reason === 'RESOURCE:MEMORY'));
    for (const arn of placed) await aws('ecs', 'stop-task', '--cluster', cluster, '--task', arn);
    await eventually(async () => (await aws('ecs', 'list-tasks', '--cluster', cluster)).taskArns.length === 0, 'tasks stopped');
  });

  test('spread by instanceId and distinctInstance put one task on each instance', async () => {
    const r = await aws('ecs', 'run-task', '--cluster', cluster, '--task-definition', 'worker', '--launch-type', 'EC2', '--count', '2', '--placement-strategy', 'type=spread,field=instanceId');
    assert.deepEqual((await instanceOf(r.tasks.map((t: { taskArn: string }) => t.taskArn))).sort(), [small, medium].sort());
    const d = await aws('ecs', 'run-task', '--cluster', cluster, '--task-definition', 'worker', '--launch-type', 'EC2', '--count', '3', '--group', 'distinct',
      '--placement-constraints', 'type=distinctInstance');
    assert.equal(d.tasks.length, 2);
    assert.equal(d.failures.length >= 1, true);
    assert.ok(d.failures.every((f: { reason: string }) => /DistinctInstance/.test(f.reason)));
    for (const t of [...r.tasks, ...d.tasks]) await aws('ecs', 'stop-task', '--cluster', cluster, '--task', t.taskArn);
  });

  test('a bridge-mode container serves on its instance\'s IP and host port; the port is then taken', async () => {
    const r = await aws('ecs', 'run-task', '--cluster', cluster, '--task-definition', 'web', '--launch-type', 'EC2', '--placement-constraints', `type=memberOf,expression=ec2InstanceId == ${medium}`);
    const arn = r.tasks[0].taskArn;
    const inst = (await n.ec2.send(new (await import('@aws-sdk/client-ec2')).DescribeInstancesCommand({ InstanceIds: [medium] }))).Reservations![0]!.Instances![0]!;
    const page = await eventually(() => httpGet(`http://${inst.PrivateIpAddress}:8080/`), 'httpd on the instance IP');
    assert.equal(page.body, 'served from an EC2 container instance\n');
    const t = (await aws('ecs', 'describe-tasks', '--cluster', cluster, '--tasks', arn)).tasks[0];
    assert.deepEqual(t.containers[0].networkBindings[0], { bindIP: '0.0.0.0', containerPort: 8080, hostPort: 8080, protocol: 'tcp' });
    const again = await aws('ecs', 'run-task', '--cluster', cluster, '--task-definition', 'web', '--launch-type', 'EC2', '--placement-constraints', `type=memberOf,expression=ec2InstanceId == ${medium}`);
    assert.equal(again.tasks.length, 0);
    assert.ok(again.failures.some((f: { reason: string }) => f.reason === 'RESOURCE:PORTS'));
  });

  test('a terminated instance leaves the cluster and its tasks stop', async () => {
    const all = (await aws('ecs', 'list-tasks', '--cluster', cluster)).taskArns as string[];
    const hosts = await instanceOf(all);
    const running = all.filter((_, i) => hosts[i] === medium);
    assert.ok(running.length >= 1);
    await n.ec2.send(new TerminateInstancesCommand({ InstanceIds: [medium] }));
    await eventually(async () => (await n.ecs.send(new ListContainerInstancesCommand({ cluster }))).containerInstanceArns!.length === 1, 'one container instance left', 20_000);
    const tasks = await eventually(async () => {
      const ts = (await aws('ecs', 'describe-tasks', '--cluster', cluster, '--tasks', ...running)).tasks as Array<{ lastStatus: string; stoppedReason: string }>;
      return ts.every((t) => t.lastStatus === 'STOPPED') ? ts : undefined;
    }, 'tasks on the terminated instance STOPPED');
    assert.match(tasks[0]!.stoppedReason, /terminated|stopped/);
    const inactive = await aws('ecs', 'list-container-instances', '--cluster', cluster, '--status', 'INACTIVE');
    assert.equal(inactive.containerInstanceArns.length, 1);
  });
});
