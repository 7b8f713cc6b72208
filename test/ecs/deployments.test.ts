import {
  CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand,
  RunTaskCommand, UpdateServiceCommand, type ContainerDefinition, type Service,
} from '@aws-sdk/client-ecs';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { containerSkip, defaultNetwork, ecsEngineOf, eventually, importBusybox, startEcsNimbus, waitTask, type EcsTestNimbus } from './support.ts';

// Container health checks (HEALTHY / UNHEALTHY, dependsOn HEALTHY, a service replacing an unhealthy task) and the
// deployment circuit breaker rolling back a deployment whose tasks cannot start.

describe('ECS health checks and the deployment circuit breaker', { skip: containerSkip }, () => {
  let n: EcsTestNimbus;
  let subnets: string[];
  const cluster = 'deploy';

  before(async () => {
    n = await startEcsNimbus();
    await importBusybox(n.dataDir, 'app:1');
    subnets = (await defaultNetwork(n.ec2)).subnets;
    await n.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  });

  after(async () => {
    await n?.close();
  });

  const register = (family: string, containers: ContainerDefinition[]) => n.ecs.send(new RegisterTaskDefinitionCommand({
    family, requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512', containerDefinitions: containers,
  }));
  const network = () => ({ awsvpcConfiguration: { subnets } });
  // Healthy while /tmp/healthy exists (interval 5 s × NIMBUS_ECS_HEALTH_SCALE 0.1).
  const checked: ContainerDefinition = {
    name: 'app', image: 'app:1', command: ['sh', '-c', 'touch /tmp/healthy; exec sleep 100000'], stopTimeout: 1,
    healthCheck: { command: ['CMD-SHELL', 'test -f /tmp/healthy'], interval: 5, timeout: 2, retries: 2, startPeriod: 0 },
  };

  test('a health check makes the task HEALTHY; a container waits for HEALTHY (dependsOn); failing checks make it UNHEALTHY', async () => {
    await register('checked', [checked, { name: 'after', image: 'app:1', command: ['sleep', '100000'], essential: false, stopTimeout: 1, dependsOn: [{ containerName: 'app', condition: 'HEALTHY' }] }]);
    const arn = (await n.ecs.send(new RunTaskCommand({ cluster, taskDefinition: 'checked', launchType: 'FARGATE', networkConfiguration: network() }))).tasks![0]!.taskArn!;
    const healthy = await waitTask(n.ecs, cluster, arn, (t) => t.healthStatus === 'HEALTHY' && t.lastStatus === 'RUNNING', 'HEALTHY and RUNNING');
    const app = healthy.containers!.find((c) => c.name === 'app')!;
    assert.equal(app.healthStatus, 'HEALTHY');
    assert.equal(healthy.containers!.find((c) => c.name === 'after')!.lastStatus, 'RUNNING', 'started once app was HEALTHY');
    const engine = ecsEngineOf(n.nimbus.registry.services)!;
    const id = arn.split('/').pop()!;
    await engine.o.runtime.exec(id, 'app', ['rm', '/tmp/healthy']);
    const sick = await waitTask(n.ecs, cluster, arn, (t) => t.healthStatus === 'UNHEALTHY', 'UNHEALTHY');
    assert.equal(sick.lastStatus, 'RUNNING', 'a standalone task is not stopped for its health');
  });

  test('a service replaces a task that fails its container health checks', async () => {
    await n.ecs.send(new CreateServiceCommand({
      cluster, serviceName: 'checked', taskDefinition: 'checked', desiredCount: 1, launchType: 'FARGATE', networkConfiguration: network(),
      deploymentConfiguration: { minimumHealthyPercent: 0, maximumPercent: 200 },
    }));
    const first = await eventually(async () => {
      const arns = (await n.ecs.send(new ListTasksCommand({ cluster, serviceName: 'checked' }))).taskArns!;
      const t = arns.length ? (await n.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks![0] : undefined;
      return t?.healthStatus === 'HEALTHY' ? t : undefined;
    }, 'a HEALTHY service task');
    const engine = ecsEngineOf(n.nimbus.registry.services)!;
    await engine.o.runtime.exec(first.taskArn!.split('/').pop()!, 'app', ['rm', '/tmp/healthy']);
    const stopped = await waitTask(n.ecs, cluster, first.taskArn!, (t) => t.lastStatus === 'STOPPED', 'the unhealthy task STOPPED');
    assert.equal(stopped.stoppedReason, 'Task failed container health checks');
    assert.equal(stopped.stopCode, 'ServiceSchedulerInitiated');
    const svc = await eventually(async () => {
      const s = (await n.ecs.send(new DescribeServicesCommand({ cluster, services: ['checked'] }))).services![0]!;
      return s.runningCount === 1 && s.events!.some((e) => /failed container health checks/.test(e.message!)) ? s : undefined;
    }, 'a replacement running');
    assert.ok(svc.events!.some((e) => /has started 1 tasks/.test(e.message!)));
  });

  test('the circuit breaker fails a deployment whose tasks cannot start and rolls back', async () => {
    await register('web', [{ name: 'web', image: 'app:1', command: ['sleep', '100000'], stopTimeout: 1 }]);
    await register('web', [{ name: 'web', image: 'not-imported:9', stopTimeout: 1 }]);
    await n.ecs.send(new CreateServiceCommand({
      cluster, serviceName: 'web', taskDefinition: 'web:1', desiredCount: 2, launchType: 'FARGATE', networkConfiguration: network(),
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, deploymentCircuitBreaker: { enable: true, rollback: true } },
    }));
    const describe_ = async (): Promise<Service> => (await n.ecs.send(new DescribeServicesCommand({ cluster, services: ['web'] }))).services![0]!;
    await eventually(async () => (await describe_()).deployments![0]!.rolloutState === 'COMPLETED', 'first deployment COMPLETED', 20_000);
    await n.ecs.send(new UpdateServiceCommand({ cluster, service: 'web', taskDefinition: 'web:2' }));
    const rolledBack = await eventually(async () => {
      const s = await describe_();
      return s.taskDefinition!.endsWith('web:1') && s.events!.some((e) => /rolling back to deployment/.test(e.message!)) ? s : undefined;
    }, 'rolled back to web:1', 30_000, 200);
    assert.ok(rolledBack.events!.some((e) => /deployment failed: tasks failed to start/.test(e.message!)), JSON.stringify(rolledBack.events!.map((e) => e.message)));
    assert.ok(rolledBack.events!.some((e) => /rolling back to deployment/.test(e.message!)));
    assert.equal(rolledBack.taskDefinition!.split('/').pop(), 'web:1');
    const final = await eventually(async () => {
      const s = await describe_();
      return s.deployments!.length === 1 && s.deployments![0]!.rolloutState === 'COMPLETED' && s.runningCount === 2 ? s : undefined;
    }, 'back to 2 web:1 tasks', 30_000, 200);
    assert.equal(final.deployments![0]!.taskDefinition!.split('/').pop(), 'web:1');
    // Usually the web:1 tasks simply join the rollback deployment; under heavy load the scheduler has been seen to
    // start fresh web:1 tasks for it first and then retire the old ones (as AWS's rollback deployment would). Either is
    // acceptable; what matters is checked above: the rollback happened and the service is back on 2 web:1 tasks.
  });
});
