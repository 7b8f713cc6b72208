import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand,
  RegisterTaskDefinitionCommand, UpdateServiceCommand, type Service,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeLoadBalancersCommand, DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Load } from '../integration/support.ts';
import { httpGet } from '../support/nimbus.ts';
import { containerSkip, defaultNetwork, ecsEngineOf, eventually, importBusybox, startEcsNimbus, type EcsTestNimbus } from './support.ts';

// A Fargate service of 3 tasks behind an application load balancer (ip target group), through @aws-sdk/client-ecs
// and client-elastic-load-balancing-v2: the ALB answers from the tasks, a crashed task is replaced, and a rolling
// deployment to a new task definition under constant load completes without one failed request.

describe('ECS service of 3 Fargate tasks behind an ALB', { skip: containerSkip }, () => {
  let n: EcsTestNimbus;
  let albUrl: string;
  let tgArn: string;
  let subnets: string[];
  let sg: string;
  const cluster = 'web';
  const service = 'frontend';

  before(async () => {
    n = await startEcsNimbus();
    await importBusybox(n.dataDir, 'frontend:1', 'v1\n');
    await importBusybox(n.dataDir, 'frontend:2', 'v2\n');
    const net = await defaultNetwork(n.ec2);
    subnets = net.subnets;
    sg = (await n.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'frontend', Description: 'frontend', VpcId: net.vpc }))).GroupId!;
    await n.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    const lb = (await n.elb.send(new CreateLoadBalancerCommand({ Name: 'frontend', Subnets: subnets, SecurityGroups: [sg] }))).LoadBalancers![0]!;
    tgArn = (await n.elb.send(new CreateTargetGroupCommand({
      Name: 'frontend', Protocol: 'HTTP', Port: 80, VpcId: net.vpc, TargetType: 'ip', HealthCheckPath: '/', HealthCheckIntervalSeconds: 5,
      HealthyThresholdCount: 2, UnhealthyThresholdCount: 2, HealthCheckTimeoutSeconds: 2,
    }))).TargetGroups![0]!.TargetGroupArn!;
    await n.elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn!, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] }));
    const addr = (await n.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.LoadBalancerArn!] }))).LoadBalancers![0]!.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress!;
    albUrl = `http://${addr}/`;
    await n.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    for (const v of [1, 2]) {
      await n.ecs.send(new RegisterTaskDefinitionCommand({
        family: 'frontend', requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512',
        containerDefinitions: [{ name: 'web', image: `frontend:${v}`, portMappings: [{ containerPort: 80 }], stopTimeout: 2 }],
      }));
    }
  });

  after(async () => {
    await n?.close();
  });

  const describeService = async (): Promise<Service> => (await n.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services![0]!;
  const healthyTargets = async () => (await n.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions!
    .filter((d) => d.TargetHealth!.State === 'healthy').map((d) => d.Target!.Id!);
  const steady = (s: Service) => s.runningCount === 3 && s.deployments!.length === 1 && s.deployments![0]!.rolloutState === 'COMPLETED';

  test('CreateService: 3 tasks registered in the target group; the ALB answers from them', async () => {
    const created = await n.ecs.send(new CreateServiceCommand({
      cluster, serviceName: service, taskDefinition: 'frontend:1', desiredCount: 3, launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups: [sg] } },
      loadBalancers: [{ targetGroupArn: tgArn, containerName: 'web', containerPort: 80 }],
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, deploymentCircuitBreaker: { enable: true, rollback: true } },
    }));
    assert.equal(created.service!.status, 'ACTIVE');
    assert.equal(created.service!.deployments![0]!.rolloutState, 'IN_PROGRESS');
    const s = await eventually(async () => {
      const x = await describeService();
      return steady(x) ? x : undefined;
    }, 'the service steady with 3 running tasks', 30_000, 200);
    assert.equal((await healthyTargets()).length, 3);
    assert.match(s.events![0]!.message!, /has reached a steady state/);
    assert.ok(s.events!.some((e) => /has started 3 tasks/.test(e.message!)));
    assert.ok(s.events!.some((e) => /registered 1 targets in \(target-group /.test(e.message!)));
    // Tasks spread over the subnets' zones.
    const arns = (await n.ecs.send(new ListTasksCommand({ cluster, serviceName: service }))).taskArns!;
    const tasks = (await n.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks!;
    assert.equal(new Set(tasks.map((t) => t.availabilityZone)).size, 3);
    for (let i = 0; i < 6; i++) assert.equal((await httpGet(albUrl))?.body, 'v1\n');
  });

  test('a crashed task is replaced', async () => {
    const engine = ecsEngineOf(n.nimbus.registry.services)!;
    const victim = [...engine.tasks.values()].find((t) => t.serviceName === service && t.lastStatus === 'RUNNING')!;
    const pid = engine.o.runtime.containerPid(victim.id, 'web')!;
    process.kill(pid, 'SIGKILL'); // the container's main process dies
    const stopped = await eventually(async () => {
      const t = (await n.ecs.send(new DescribeTasksCommand({ cluster, tasks: [victim.arn] }))).tasks![0]!;
      return t.lastStatus === 'STOPPED' ? t : undefined;
    }, 'the crashed task STOPPED');
    assert.equal(stopped.stopCode, 'EssentialContainerExited');
    assert.equal(stopped.containers![0]!.exitCode, 137);
    const s = await eventually(async () => {
      const x = await describeService();
      const live = (await n.ecs.send(new ListTasksCommand({ cluster, serviceName: service }))).taskArns!;
      return steady(x) && live.length === 3 && !live.includes(victim.arn) && (await healthyTargets()).length === 3 ? x : undefined;
    }, 'a replacement task running and healthy', 30_000, 200);
    assert.ok(s.events!.some((e) => /has started 1 tasks/.test(e.message!)));
    assert.ok(!(await healthyTargets()).includes(victim.eni!.ip));
  });

  test('rolling deployment to a new task definition under load: no failed request', async () => {
    const load = new Load(albUrl, 40, 60_000).start();
    try {
      await load.next(20);
      const t0 = performance.now();
      const updated = await n.ecs.send(new UpdateServiceCommand({ cluster, service, taskDefinition: 'frontend:2' }));
      assert.equal(updated.service!.deployments!.length, 2);
      assert.equal(updated.service!.deployments![0]!.status, 'PRIMARY');
      const s = await eventually(async () => {
        const x = await describeService();
        return steady(x) && x.taskDefinition!.endsWith('frontend:2') ? x : undefined;
      }, 'the deployment completed', 60_000, 200);
      const doneAt = performance.now();
      console.log(`# rolling deployment of 3 tasks completed in ${((doneAt - t0) / 1000).toFixed(1)} s`);
      assert.ok(s.events!.some((e) => /deployment completed/.test(e.message!)));
      // Traffic after completion is all v2.
      const after2 = await load.next(20);
      assert.deepEqual([...new Set(after2.map((r) => r.body))], ['v2\n']);
    } finally {
      await load.stop();
    }
    const failed = load.results.filter((r) => r.status !== 200);
    assert.equal(failed.length, 0, `failed requests: ${JSON.stringify(failed.slice(0, 5))}`);
    const bodies = new Set(load.results.map((r) => r.body));
    assert.deepEqual([...bodies].sort(), ['v1\n', 'v2\n']);
    console.log(`# ${load.results.length} requests during the deployment, all 200`);
  });

  test('DeleteService: scaled to 0, tasks stopped and deregistered, service INACTIVE', async () => {
    await assert.rejects(n.ecs.send(new DeleteServiceCommand({ cluster, service })), /scaled above 0/);
    await n.ecs.send(new DeleteServiceCommand({ cluster, service, force: true }));
    await eventually(async () => (await describeService()).status === 'INACTIVE', 'service INACTIVE', 30_000, 200);
    assert.equal((await healthyTargets()).length, 0);
    assert.deepEqual((await n.ecs.send(new ListTasksCommand({ cluster }))).taskArns, []);
  });
});
