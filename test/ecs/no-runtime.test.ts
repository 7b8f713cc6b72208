import { CreateClusterCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultNetwork, eventually, startEcsNimbus, type EcsTestNimbus } from './support.ts';

// Where containers cannot run (no OCI runtime — simulated with NIMBUS_OCI_RUNTIME=none — or not root): Nimbus says so
// at start-up, the ECS API still works, and a task stops at once with an AWS-shaped reason naming what is missing.
// Runs everywhere (no root needed).

describe('ECS without an OCI runtime', () => {
  let n: EcsTestNimbus;

  before(async () => {
    process.env.NIMBUS_OCI_RUNTIME = 'none';
    n = await startEcsNimbus();
  });

  after(async () => {
    delete process.env.NIMBUS_OCI_RUNTIME;
    await n?.close();
  });

  test('a start-up warning, and RunTask stops the task with CannotStartContainerError', async () => {
    const warnings = n.nimbus.capabilities.warnings.join('\n');
    assert.match(warnings, /ECS tasks cannot run: (no OCI runtime installed: crun was not found \(apt-get install crun\)|containers need root)/);
    await n.ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
    await n.ecs.send(new RegisterTaskDefinitionCommand({
      family: 'f', requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512', containerDefinitions: [{ name: 'app', image: 'app:1' }],
    }));
    const { subnets } = await defaultNetwork(n.ec2);
    const r = await n.ecs.send(new RunTaskCommand({ cluster: 'c', taskDefinition: 'f', launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets } } }));
    const arn = r.tasks![0]!.taskArn!;
    const t = await eventually(async () => {
      const x = (await n.ecs.send(new DescribeTasksCommand({ cluster: 'c', tasks: [arn] }))).tasks![0]!;
      return x.lastStatus === 'STOPPED' ? x : undefined;
    }, 'STOPPED');
    assert.equal(t.stopCode, 'TaskFailedToStart');
    assert.match(t.stoppedReason!, /^CannotStartContainerError: (no OCI runtime installed|containers need root)/);
    assert.equal(t.containers![0]!.lastStatus, 'STOPPED');
  });
});
