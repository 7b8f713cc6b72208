import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import {
  CreateClusterCommand, CreateServiceCommand, DeleteTaskDefinitionsCommand, DeregisterTaskDefinitionCommand, ECSClient, ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand, RunTaskCommand, UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { CreateNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { sdkClient, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

// Bad input to ECS, Application Auto Scaling and EKS gets the AWS error a client expects (400 with the service's
// error code), never a 500: required members are checked by the model before any handler runs (nested ones too), and
// wrongly typed members are the protocol's SerializationException. Raw JSON 1.1 requests where the SDK would not
// send the input; the SDK where it does.

const ECS_TARGET = 'AmazonEC2ContainerServiceV20141113';

describe('ECS, Application Auto Scaling and EKS answer bad input with 4xx AWS errors', () => {
  let t: TestNimbus;
  let ecs: ECSClient;

  /** A raw JSON 1.1 request; the answer's status and error type. */
  async function raw(target: string, body: unknown): Promise<{ status: number; type: string; message: string }> {
    const res = await fetch(t.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const j = (await res.json()) as { __type?: string; message?: string };
    return { status: res.status, type: j.__type ?? '', message: j.message ?? '' };
  }

  const rejects = (p: Promise<unknown>, name: string, message?: RegExp) =>
    assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, name, e.message);
      assert.equal(e.$metadata?.httpStatusCode, 400);
      if (message) assert.match(e.message, message);
      return true;
    });

  before(async () => {
    t = await startTestNimbus();
    ecs = sdkClient(ECSClient, t.endpoint);
  });
  after(async () => {
    ecs?.destroy();
    await t?.close();
  });

  test('a missing required member is InvalidParameterException (400), whatever the operation', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['RunTask', {}, 'taskDefinition'],
      ['RunTask', { cluster: 'default', count: 1 }, 'taskDefinition'],
      ['StartTask', { taskDefinition: 'x' }, 'containerInstances'],
      ['DescribeTaskDefinition', {}, 'taskDefinition'],
      ['DeregisterTaskDefinition', {}, 'taskDefinition'],
      ['UpdateService', {}, 'service'],
      ['DeleteService', { cluster: 'default' }, 'service'],
      ['DeregisterContainerInstance', {}, 'containerInstance'],
      ['StopTask', {}, 'task'],
      ['TagResource', { resourceArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/default' }, 'tags'],
      // Nested: awsvpcConfiguration.subnets is required where awsvpcConfiguration is given.
      ['RunTask', { taskDefinition: 'x', networkConfiguration: { awsvpcConfiguration: { securityGroups: ['sg-1'] } } }, 'networkConfiguration.awsvpcConfiguration.subnets'],
    ];
    for (const [op, body, member] of cases) {
      const r = await raw(`${ECS_TARGET}.${op}`, body);
      assert.equal(r.status, 400, `${op} ${JSON.stringify(body)}: ${r.status} ${r.type} ${r.message}`);
      assert.equal(r.type, 'InvalidParameterException', `${op}: ${r.type} ${r.message}`);
      assert.ok(r.message.includes(`'${member}'`), `${op}: the message names ${member}: ${r.message}`);
    }
  });

  test('the SDK gets the same errors (it does not check required members itself)', async () => {
    await rejects(ecs.send(new RunTaskCommand({} as never)), 'InvalidParameterException', /taskDefinition/);
    await rejects(ecs.send(new UpdateServiceCommand({ cluster: 'default' } as never)), 'InvalidParameterException', /service/);
  });

  test('task definition contents: ClientException (400), nested required members included', async () => {
    await rejects(ecs.send(new RegisterTaskDefinitionCommand({ containerDefinitions: [{ name: 'a', image: 'busybox', memory: 64 }] } as never)), 'ClientException', /family/);
    await rejects(ecs.send(new RegisterTaskDefinitionCommand({ family: 'f' } as never)), 'ClientException', /containerDefinitions/);
    await rejects(ecs.send(new RegisterTaskDefinitionCommand({
      family: 'f', containerDefinitions: [{ name: 'a', image: 'busybox', memory: 64, healthCheck: { interval: 5 } as never }],
    })), 'ClientException', /containerDefinitions\[0\]\.healthCheck\.command/);
    await rejects(ecs.send(new RegisterTaskDefinitionCommand({
      family: 'f', containerDefinitions: [{ name: 'a', image: 'busybox', memory: 64, dependsOn: [{ condition: 'START' } as never] }],
    })), 'ClientException', /dependsOn\[0\]\.containerName/);
    await rejects(ecs.send(new RegisterTaskDefinitionCommand({
      family: 'f', containerDefinitions: [{ name: 'a', image: 'busybox', memory: 64, logConfiguration: { options: {} } as never }],
    })), 'ClientException', /logConfiguration\.logDriver/);
  });

  test('a member of the wrong type is SerializationException (400); a body that is not JSON too', async () => {
    for (const [op, body] of [
      ['DeregisterTaskDefinition', { taskDefinition: 5 }],
      ['RunTask', { taskDefinition: ['x'] }],
      ['RunTask', { taskDefinition: 'x', count: 'many' }],
      ['DescribeTasks', { tasks: 'one' }],
      ['CreateService', { serviceName: { a: 1 } }],
      ['RunTask', '{"taskDefinition":'],
    ] as Array<[string, unknown]>) {
      const r = await raw(`${ECS_TARGET}.${op}`, body);
      assert.equal(r.status, 400, `${op}: ${r.status} ${r.type} ${r.message}`);
      assert.equal(r.type, 'SerializationException', `${op}: ${r.type} ${r.message}`);
    }
  });

  test('a service whose task definition was deregistered and deleted can still be updated', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'bad-input' }));
    const td = (await ecs.send(new RegisterTaskDefinitionCommand({ family: 'gone', containerDefinitions: [{ name: 'a', image: 'busybox', memory: 64 }] }))).taskDefinition!;
    await ecs.send(new CreateServiceCommand({ cluster: 'bad-input', serviceName: 's', taskDefinition: td.taskDefinitionArn!, desiredCount: 0 }));
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: td.taskDefinitionArn! }));
    const del = await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [td.taskDefinitionArn!] }));
    assert.equal(del.taskDefinitions![0]!.status, 'DELETE_IN_PROGRESS');
    // Still in use by the service: kept (DELETE_IN_PROGRESS) until nothing uses it, as on AWS.
    assert.deepEqual((await ecs.send(new ListTaskDefinitionsCommand({ status: 'DELETE_IN_PROGRESS' }))).taskDefinitionArns, [td.taskDefinitionArn]);
    const s = await ecs.send(new UpdateServiceCommand({ cluster: 'bad-input', service: 's', desiredCount: 0 }));
    assert.equal(s.service!.taskDefinition, td.taskDefinitionArn);
  });

  test('Application Auto Scaling: ValidationException (400) for a missing required member', async () => {
    const r = await raw('AnyScaleFrontendService.RegisterScalableTarget', { ServiceNamespace: 'ecs' });
    assert.equal(r.status, 400);
    assert.equal(r.type, 'ValidationException');
    assert.match(r.message, /ResourceId/);
    const nested = await raw('AnyScaleFrontendService.PutScalingPolicy', {
      PolicyName: 'p', ServiceNamespace: 'ecs', ResourceId: 'service/default/s', ScalableDimension: 'ecs:service:DesiredCount',
      PolicyType: 'TargetTrackingScaling', TargetTrackingScalingPolicyConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } },
    });
    assert.equal(nested.status, 400);
    assert.equal(nested.type, 'ValidationException');
    assert.match(nested.message, /TargetTrackingScalingPolicyConfiguration\.TargetValue/);
    const aas = sdkClient(ApplicationAutoScalingClient, t.endpoint);
    await rejects(aas.send(new RegisterScalableTargetCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/default/s' } as never)), 'ValidationException', /ScalableDimension/);
    aas.destroy();
  });

  test('EKS: InvalidParameterException (400) for a missing required member', async () => {
    const eks = sdkClient(EKSClient, t.endpoint);
    await rejects(eks.send(new CreateNodegroupCommand({ clusterName: 'c', nodegroupName: 'n', subnets: ['subnet-1'] } as never)), 'InvalidParameterException', /nodeRole/);
    eks.destroy();
  });
});
