import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { awsCli, awsCliMissing } from '../support/awscli.ts';
import { httpGet } from '../support/nimbus.ts';
import { containerSkip, defaultNetwork, eventually, importBusybox, startEcsNimbus, type EcsTestNimbus } from './support.ts';

// A Fargate service through the AWS CLI the way its documentation walks through it: register-task-definition from a
// JSON file, create-service, the CLI's own `wait services-stable` and `wait tasks-stopped` waiters, logs.

describe('ECS on Fargate through the AWS CLI', { skip: containerSkip || awsCliMissing }, () => {
  let n: EcsTestNimbus;

  const { aws } = awsCli(() => n.endpoint, { timeout: 120_000 });

  before(async () => {
    n = await startEcsNimbus();
    await importBusybox(n.dataDir, 'hello:1', 'hello from the CLI\n');
  });

  after(async () => {
    await n?.close();
  });

  test('register-task-definition --cli-input-json, create-service, wait services-stable, logs, delete', async () => {
    const { subnets, vpc } = await defaultNetwork(n.ec2);
    const sg = (await aws('ec2', 'create-security-group', '--group-name', 'hello', '--description', 'hello', '--vpc-id', vpc)).GroupId;
    await aws('ec2', 'authorize-security-group-ingress', '--group-id', sg, '--protocol', 'tcp', '--port', '80', '--cidr', '0.0.0.0/0');
    await aws('logs', 'create-log-group', '--log-group-name', '/ecs/hello');
    const file = join(n.dataDir, 'taskdef.json');
    writeFileSync(file, JSON.stringify({
      family: 'hello', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
      executionRoleArn: 'arn:aws:iam::000000000000:role/ecsTaskExecutionRole',
      containerDefinitions: [{
        name: 'hello', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1', essential: true, portMappings: [{ containerPort: 80, protocol: 'tcp' }], stopTimeout: 2,
        command: ['sh', '-c', 'echo "serving on $(hostname)"; exec httpd -f -p 80 -h /www'],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/hello', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' } },
      }],
    }));
    const td = (await aws('ecs', 'register-task-definition', '--cli-input-json', `file://${file}`)).taskDefinition;
    assert.equal(td.taskDefinitionArn, 'arn:aws:ecs:us-east-1:000000000000:task-definition/hello:1');
    await aws('ecs', 'create-cluster', '--cluster-name', 'cli');
    await aws('ecs', 'create-service', '--cluster', 'cli', '--service-name', 'hello', '--task-definition', 'hello', '--desired-count', '2', '--launch-type', 'FARGATE',
      '--network-configuration', `awsvpcConfiguration={subnets=[${subnets.join(',')}],securityGroups=[${sg}],assignPublicIp=ENABLED}`);
    // The CLI's waiter polls every 15 s: wait for the steady state first so its first poll succeeds.
    await eventually(async () => {
      const s = (await aws('ecs', 'describe-services', '--cluster', 'cli', '--services', 'hello')).services[0];
      return s.runningCount === 2 && s.deployments.length === 1;
    }, 'two tasks running', 30_000, 500);
    await aws('ecs', 'wait', 'services-stable', '--cluster', 'cli', '--services', 'hello');
    const svc = (await aws('ecs', 'describe-services', '--cluster', 'cli', '--services', 'hello')).services[0];
    assert.equal(svc.runningCount, 2);
    assert.equal(svc.deployments.length, 1);
    const arns = (await aws('ecs', 'list-tasks', '--cluster', 'cli', '--service-name', 'hello')).taskArns as string[];
    const tasks = (await aws('ecs', 'describe-tasks', '--cluster', 'cli', '--tasks', ...arns)).tasks as Array<{ attachments: Array<{ details: Array<{ name: string; value: string }> }> }>;
    for (const t of tasks) {
      const ip = t.attachments[0]!.details.find((d) => d.name === 'privateIPv4Address')!.value;
      assert.equal((await eventually(() => httpGet(`http://${ip}/`), 'task serving')).body, 'hello from the CLI\n');
    }
    const events = await eventually(async () => {
      const r = await aws('logs', 'filter-log-events', '--log-group-name', '/ecs/hello', '--log-stream-name-prefix', 'ecs/hello/');
      return r.events.length >= 2 ? r.events : undefined;
    }, 'container logs');
    assert.ok(events.every((e: { message: string }) => /^serving on ip-/.test(e.message)));
    await aws('ecs', 'update-service', '--cluster', 'cli', '--service', 'hello', '--desired-count', '0');
    await aws('ecs', 'wait', 'tasks-stopped', '--cluster', 'cli', '--tasks', ...arns);
    await aws('ecs', 'delete-service', '--cluster', 'cli', '--service', 'hello');
    const gone = (await aws('ecs', 'describe-services', '--cluster', 'cli', '--services', 'hello')).services[0];
    assert.ok(['DRAINING', 'INACTIVE'].includes(gone.status));
  });
});
