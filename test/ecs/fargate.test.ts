import { CloudWatchLogsClient, CreateLogGroupCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand, DeleteClusterCommand, DescribeClustersCommand, DescribeTaskDefinitionCommand, DeregisterTaskDefinitionCommand, ECSClient,
  ListTaskDefinitionsCommand, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type ContainerDefinition,
} from '@aws-sdk/client-ecs';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findLeftovers } from '../../src/drivers/process/cleanup.ts';
import { httpGet } from '../support/nimbus.ts';
import { containerSkip, defaultNetwork, eventually, importBusybox, startEcsNimbus, taskIp, waitTask, type EcsTestNimbus } from './support.ts';

// Fargate tasks through @aws-sdk/client-ecs: a real container (busybox httpd from an imported image) in its own
// sandbox with its own private IP, logs in CloudWatch Logs, StopTask, failures with AWS's stopped reasons, metering,
// and its own account's workload keys in the environment.

const skip = { skip: containerSkip };

describe('ECS on Fargate: tasks', () => {
  let n: EcsTestNimbus;
  let subnets: string[];
  let sg: string;
  const cluster = 'apps';
  const execRole = 'arn:aws:iam::000000000000:role/ecsTaskExecutionRole';

  const web = (over: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
    name: 'web', image: 'busybox-web:1', essential: true, portMappings: [{ containerPort: 80 }], stopTimeout: 2,
    logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'web' } },
    ...over,
  });

  before(async () => {
    n = await startEcsNimbus();
    if (!containerSkip) await importBusybox(n.dataDir, 'busybox-web:1', 'hello from a fargate task\n');
    const net = await defaultNetwork(n.ec2);
    subnets = net.subnets;
    sg = (await n.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web', VpcId: net.vpc }))).GroupId!;
    await n.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    await n.logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/web' }));
    await n.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  });

  after(async () => {
    await n?.close();
  });

  const register = (containers: ContainerDefinition[], family = 'web') => n.ecs.send(new RegisterTaskDefinitionCommand({
    family, requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512', executionRoleArn: execRole, containerDefinitions: containers,
  }));
  const run = (taskDefinition: string) => n.ecs.send(new RunTaskCommand({
    cluster, taskDefinition, launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups: [sg] } },
  }));

  test('task definitions: revisions, describe, list, deregister', async () => {
    const a = await register([web()]);
    const b = await register([web({ environment: [{ name: 'V', value: '2' }] })]);
    assert.equal(a.taskDefinition!.revision! + 1, b.taskDefinition!.revision);
    assert.deepEqual(b.taskDefinition!.compatibilities, ['EC2', 'FARGATE']);
    assert.equal(b.taskDefinition!.containerDefinitions![0]!.essential, true);
    const latest = await n.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web' }));
    assert.equal(latest.taskDefinition!.taskDefinitionArn, b.taskDefinition!.taskDefinitionArn);
    await n.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: b.taskDefinition!.taskDefinitionArn }));
    const list = await n.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'web' }));
    assert.ok(list.taskDefinitionArns!.includes(a.taskDefinition!.taskDefinitionArn!));
    assert.ok(!list.taskDefinitionArns!.includes(b.taskDefinition!.taskDefinitionArn!));
    await assert.rejects(register([web()]).then(() => n.ecs.send(new RegisterTaskDefinitionCommand({
      family: 'bad', requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '4096', containerDefinitions: [web({ logConfiguration: undefined })],
    }))), /No Fargate configuration exists for given values: 256 CPU, 4096 memory/);
    await assert.rejects(n.ecs.send(new RegisterTaskDefinitionCommand({ family: 'bad', containerDefinitions: [{ name: 'x', image: 'y' }] })), /At least one of 'memory' or 'memoryReservation'/);
  });

  test('RunTask validates like ECS', async () => {
    await assert.rejects(n.ecs.send(new RunTaskCommand({ cluster: 'nope', taskDefinition: 'web', launchType: 'FARGATE' })), (e: Error) => e.name === 'ClusterNotFoundException');
    await assert.rejects(n.ecs.send(new RunTaskCommand({ cluster, taskDefinition: 'web', launchType: 'FARGATE' })),
      (e: Error) => e.name === 'InvalidParameterException' && /Network Configuration must be provided/.test(e.message));
    await assert.rejects(n.ecs.send(new RunTaskCommand({ cluster, taskDefinition: 'nope', launchType: 'FARGATE' })), (e: Error) => e.name === 'ClientException');
    await assert.rejects(n.ecs.send(new RunTaskCommand({ cluster, taskDefinition: 'web', launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0000000000000dead'] } } })),
      /InvalidSubnetID.NotFound/);
  });

  test('a Fargate task runs in its own sandbox with its own IP, logs to CloudWatch, stops on StopTask', skip, async () => {
    const td = await register([
      web(),
      { name: 'sidecar', image: 'busybox-web:1', essential: false, command: ['sh', '-c', 'echo "sidecar up on $(hostname)"; until wget -q -O - http://127.0.0.1/ 2>/dev/null; do sleep 0.05; done; sleep 1000'],
        stopTimeout: 1, logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'web' } } },
    ]);
    const t0 = performance.now();
    const r = await run(td.taskDefinition!.taskDefinitionArn!);
    assert.equal(r.failures!.length, 0);
    const arn = r.tasks![0]!.taskArn!;
    assert.equal(r.tasks![0]!.lastStatus, 'PROVISIONING');
    assert.equal(r.tasks![0]!.desiredStatus, 'RUNNING');
    const running = await waitTask(n.ecs, cluster, arn, (t) => t.lastStatus === 'RUNNING', 'RUNNING');
    const ip = taskIp(running)!;
    assert.match(ip, /^10\.\d+\.\d+\.\d+$/);
    const page = await eventually(() => httpGet(`http://${ip}/`), 'the task answering on its own IP');
    const ms = performance.now() - t0;
    assert.equal(page.body, 'hello from a fargate task\n');
    assert.equal(running.launchType, 'FARGATE');
    assert.equal(running.cpu, '256');
    assert.equal(running.containers!.find((c) => c.name === 'web')!.lastStatus, 'RUNNING');
    assert.equal(running.containers!.find((c) => c.name === 'web')!.networkInterfaces![0]!.privateIpv4Address, ip);
    assert.ok(running.attachments![0]!.details!.some((d) => d.name === 'networkInterfaceId' && d.value!.startsWith('eni-')));
    console.log(`# RunTask → HTTP 200 from the task's IP in ${ms.toFixed(0)} ms`);

    // The sidecar shares the task's network namespace (localhost reaches the web container) and logs to CloudWatch.
    const taskId = arn.split('/').pop()!;
    const events = await eventually(async () => {
      const out = await n.logs.send(new FilterLogEventsCommand({ logGroupName: '/ecs/web', logStreamNames: [`web/sidecar/${taskId}`] }));
      return out.events!.length >= 2 ? out.events! : undefined;
    }, 'sidecar logs in CloudWatch');
    assert.match(events[0]!.message!, /^sidecar up on ip-10-/);
    assert.equal(events[1]!.message, 'hello from a fargate task');

    const listed = await n.ecs.send(new ListTasksCommand({ cluster }));
    assert.ok(listed.taskArns!.includes(arn));
    const desc = await n.ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
    assert.equal(desc.clusters![0]!.runningTasksCount, 1);

    await n.ecs.send(new StopTaskCommand({ cluster, task: arn, reason: 'done testing' }));
    const stopped = await waitTask(n.ecs, cluster, arn, (t) => t.lastStatus === 'STOPPED', 'STOPPED');
    assert.equal(stopped.stopCode, 'UserInitiated');
    assert.equal(stopped.stoppedReason, 'done testing');
    assert.equal(stopped.desiredStatus, 'STOPPED');
    assert.ok(stopped.stoppedAt && stopped.stoppingAt && stopped.startedAt);
    assert.equal(await httpGet(`http://${ip}/`, 300), undefined, 'a stopped task no longer answers');
    assert.deepEqual((await n.ecs.send(new ListTasksCommand({ cluster }))).taskArns, []);
    assert.ok((await n.ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'STOPPED' }))).taskArns!.includes(arn));

    // Metered for billing: one closed task interval with the task's size.
    const usage = n.nimbus.db.prepare("SELECT * FROM usage_intervals WHERE kind = 'task' AND resource_id = ?").get(arn) as { vcpu: number; memory_gib: number; end_ms: number | null } | undefined;
    assert.ok(usage, 'the task was metered');
    assert.equal(usage.vcpu, 0.25);
    assert.ok(usage.end_ms !== null, 'the interval closed when the task stopped');
  });

  test('security groups are enforced on the task\'s interface; a rule added later applies to the running task', skip, async () => {
    const closed = (await n.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'closed', Description: 'no ingress', VpcId: (await defaultNetwork(n.ec2)).vpc }))).GroupId!;
    const td = await register([web({ logConfiguration: undefined })], 'guarded');
    const r = await n.ecs.send(new RunTaskCommand({
      cluster, taskDefinition: td.taskDefinition!.taskDefinitionArn!, launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups: [closed] } },
    }));
    const t = await waitTask(n.ecs, cluster, r.tasks![0]!.taskArn!, (x) => x.lastStatus === 'RUNNING', 'RUNNING');
    const ip = taskIp(t)!;
    assert.equal(await httpGet(`http://${ip}/`, 500), undefined, 'a new group admits nothing');
    await n.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: closed, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    assert.equal((await eventually(() => httpGet(`http://${ip}/`, 500), 'admitted after the rule was added', 10_000)).status, 200);
    await n.ecs.send(new StopTaskCommand({ cluster, task: t.taskArn! }));
    await waitTask(n.ecs, cluster, t.taskArn!, (x) => x.lastStatus === 'STOPPED', 'STOPPED');
  });

  test('an essential container exiting stops the task with its exit code', skip, async () => {
    const td = await register([web({ name: 'job', command: ['sh', '-c', 'echo working; exit 3'], portMappings: [] })], 'job');
    const r = await run(td.taskDefinition!.taskDefinitionArn!);
    const t = await waitTask(n.ecs, cluster, r.tasks![0]!.taskArn!, (x) => x.lastStatus === 'STOPPED', 'STOPPED');
    assert.equal(t.stopCode, 'EssentialContainerExited');
    assert.equal(t.stoppedReason, 'Essential container in task exited');
    assert.equal(t.containers![0]!.exitCode, 3);
  });

  test('a missing image stops the task with CannotPullContainerError', skip, async () => {
    const td = await register([web({ image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/not-imported:7' })], 'missing');
    const r = await run(td.taskDefinition!.taskDefinitionArn!);
    const t = await waitTask(n.ecs, cluster, r.tasks![0]!.taskArn!, (x) => x.lastStatus === 'STOPPED', 'STOPPED');
    assert.equal(t.stopCode, 'TaskFailedToStart');
    assert.match(t.stoppedReason!, /^CannotPullContainerError: .*not-imported:7.*nimbus image import/);
    assert.match(t.containers![0]!.reason!, /CannotPullContainerError/);
  });

  test('a task gets its own account\'s workload keys (ASIA…, valid in strict SigV4), not static test keys', skip, async () => {
    // Another account (permissive mode: a 12-digit access key id is the account) runs a task that prints its keys.
    const other = '123456789012';
    const creds = { endpoint: n.endpoint, region: 'us-east-1', credentials: { accessKeyId: other, secretAccessKey: 'x' }, maxAttempts: 1 };
    const ecs = new ECSClient(creds);
    const ec2 = new EC2Client(creds);
    const logs = new CloudWatchLogsClient(creds);
    try {
      await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/keys' }));
      await ecs.send(new CreateClusterCommand({ clusterName: 'keys' }));
      const td = await ecs.send(new RegisterTaskDefinitionCommand({
        family: 'keys', requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512', executionRoleArn: `arn:aws:iam::${other}:role/ecsTaskExecutionRole`,
        containerDefinitions: [{
          name: 'keys', image: 'busybox-web:1', essential: true, command: ['sh', '-c', 'echo "$AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY $AWS_SESSION_TOKEN"'],
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/keys', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'keys' } },
        }],
      }));
      const r = await ecs.send(new RunTaskCommand({
        cluster: 'keys', taskDefinition: td.taskDefinition!.taskDefinitionArn!, launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: (await defaultNetwork(ec2)).subnets } },
      }));
      const arn = r.tasks![0]!.taskArn!;
      assert.ok(arn.includes(`:${other}:task/`));
      await waitTask(ecs, 'keys', arn, (x) => x.lastStatus === 'STOPPED', 'STOPPED');
      const line = await eventually(async () => {
        const out = await logs.send(new FilterLogEventsCommand({ logGroupName: '/ecs/keys', logStreamNames: [`keys/keys/${arn.split('/').pop()}`] }));
        return out.events?.[0]?.message;
      }, 'the task\'s keys in CloudWatch Logs');
      const [keyId, secret, token] = line.split(' ');
      assert.match(keyId!, new RegExp(`^ASIA${other}[A-Z0-9]{4}$`), 'a workload key of the task\'s own account');
      assert.ok(token, 'AWS_SESSION_TOKEN is set');
      // The key is one Nimbus knows (so strict SigV4 accepts it), with that secret, acting in the task's account.
      const principal = n.nimbus.credentials.lookup(keyId!);
      assert.equal(principal?.account, other);
      assert.equal(principal?.secretAccessKey, secret);
    } finally {
      ecs.destroy();
      ec2.destroy();
      logs.destroy();
    }
  });

  test('nothing is left on the host once tasks stopped; the cluster can be deleted', skip, async () => {
    await eventually(async () => (await n.ecs.send(new ListTasksCommand({ cluster }))).taskArns!.length === 0, 'no running tasks');
    const left = await findLeftovers(n.prefix, `${n.prefix}-br0`);
    assert.deepEqual([...left.netns, ...left.cgroups], []);
    const del = await n.ecs.send(new DeleteClusterCommand({ cluster }));
    assert.equal(del.cluster!.status, 'INACTIVE');
  });
});
