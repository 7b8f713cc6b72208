import {
  ApplicationAutoScalingClient, DeleteScalingPolicyCommand, DeregisterScalableTargetCommand, DescribeScalableTargetsCommand, DescribeScalingActivitiesCommand,
  DescribeScalingPoliciesCommand, PutScalingPolicyCommand, RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sdkClient } from '../support/nimbus.ts';
import { containerSkip, defaultNetwork, eventually, importBusybox, startEcsNimbus, type EcsTestNimbus } from './support.ts';

// Application Auto Scaling of an ECS service through @aws-sdk/client-application-auto-scaling: target tracking on
// ECSServiceAverageCPUUtilization (measured from the tasks' cgroups) scales a CPU-burning service out to its maximum,
// and in again when it idles; a step scaling policy acts when its CloudWatch alarm goes to ALARM.

const RESOURCE = 'service/scaling/burner';
const DIM = 'ecs:service:DesiredCount';

describe('Application Auto Scaling of an ECS service', { skip: containerSkip }, () => {
  let n: EcsTestNimbus;
  let aas: ApplicationAutoScalingClient;
  let cw: CloudWatchClient;
  const cluster = 'scaling';

  before(async () => {
    process.env.NIMBUS_METRICS_PERIOD = '1';
    n = await startEcsNimbus();
    aas = sdkClient(ApplicationAutoScalingClient, n.endpoint);
    cw = sdkClient(CloudWatchClient, n.endpoint);
    await importBusybox(n.dataDir, 'burner:1');
    const { subnets } = await defaultNetwork(n.ec2);
    await n.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    for (const [family, command] of [['burn', 'while :; do :; done'], ['idle', 'exec sleep 100000']] as const) {
      await n.ecs.send(new RegisterTaskDefinitionCommand({
        family, requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512',
        containerDefinitions: [{ name: 'main', image: 'burner:1', command: ['sh', '-c', command], stopTimeout: 1 }],
      }));
    }
    await n.ecs.send(new CreateServiceCommand({
      cluster, serviceName: 'burner', taskDefinition: 'burn', desiredCount: 0, launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets } }, deploymentConfiguration: { minimumHealthyPercent: 0, maximumPercent: 200 },
    }));
  });

  after(async () => {
    aas?.destroy();
    cw?.destroy();
    await n?.close();
    delete process.env.NIMBUS_METRICS_PERIOD;
  });

  const desired = async () => (await n.ecs.send(new DescribeServicesCommand({ cluster, services: ['burner'] }))).services![0]!.desiredCount!;

  test('RegisterScalableTarget validates the service and moves the desired count into [min, max]', async () => {
    await assert.rejects(aas.send(new RegisterScalableTargetCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/scaling/nope', ScalableDimension: DIM, MinCapacity: 1, MaxCapacity: 3 })),
      (e: Error) => e.name === 'ValidationException' && /ECS service doesn't exist/.test(e.message));
    await aas.send(new RegisterScalableTargetCommand({ ServiceNamespace: 'ecs', ResourceId: RESOURCE, ScalableDimension: DIM, MinCapacity: 1, MaxCapacity: 3 }));
    assert.equal(await desired(), 1);
    const t = (await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [RESOURCE] }))).ScalableTargets![0]!;
    assert.deepEqual([t.MinCapacity, t.MaxCapacity], [1, 3]);
    assert.match(t.ScalableTargetARN!, /^arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target\//);
  });

  test('target tracking on CPU scales the burning service out to its maximum, and in when it idles', async () => {
    const put = await aas.send(new PutScalingPolicyCommand({
      PolicyName: 'cpu50', ServiceNamespace: 'ecs', ResourceId: RESOURCE, ScalableDimension: DIM, PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, ScaleOutCooldown: 0, ScaleInCooldown: 0 },
    }));
    assert.match(put.PolicyARN!, /^arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:[0-9a-f-]+:resource\/ecs\/service\/scaling\/burner:policyName\/cpu50$/);
    assert.equal(put.Alarms!.length, 2);
    const alarms = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: put.Alarms!.map((a) => a.AlarmName!) }))).MetricAlarms!;
    assert.ok(alarms.some((a) => a.AlarmName!.startsWith(`TargetTracking-${RESOURCE}-AlarmHigh-`) && a.MetricName === 'CPUUtilization' && a.Namespace === 'AWS/ECS'));
    await eventually(async () => (await desired()) === 3, 'scaled out to the maximum (3)', 60_000, 500);
    const acts = (await aas.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: 'ecs', ResourceId: RESOURCE }))).ScalingActivities!;
    assert.ok(acts.some((a) => a.Description === 'Setting desired count to 3.' && /AlarmHigh.*triggered policy cpu50/.test(a.Cause!)), JSON.stringify(acts.map((a) => [a.Description, a.Cause])));
    await eventually(async () => (await n.ecs.send(new DescribeServicesCommand({ cluster, services: ['burner'] }))).services![0]!.runningCount === 3, '3 tasks running', 30_000);
    // Idle tasks: after 15 low datapoints the policy scales in to the minimum.
    await n.ecs.send(new UpdateServiceCommand({ cluster, service: 'burner', taskDefinition: 'idle' }));
    await eventually(async () => (await desired()) === 1, 'scaled in to the minimum (1)', 90_000, 500);
    const pol = (await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: RESOURCE }))).ScalingPolicies!;
    assert.equal(pol[0]!.PolicyType, 'TargetTrackingScaling');
    await aas.send(new DeleteScalingPolicyCommand({ PolicyName: 'cpu50', ServiceNamespace: 'ecs', ResourceId: RESOURCE, ScalableDimension: DIM }));
    assert.equal((await cw.send(new DescribeAlarmsCommand({ AlarmNames: put.Alarms!.map((a) => a.AlarmName!) }))).MetricAlarms!.length, 0, 'its alarms went with it');
  });

  test('a step scaling policy acts when its alarm goes to ALARM', async () => {
    const put = await aas.send(new PutScalingPolicyCommand({
      PolicyName: 'step-up', ServiceNamespace: 'ecs', ResourceId: RESOURCE, ScalableDimension: DIM, PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: { AdjustmentType: 'ChangeInCapacity', Cooldown: 0, StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] },
    }));
    await cw.send(new PutMetricAlarmCommand({
      AlarmName: 'queue-deep', Namespace: 'App', MetricName: 'Backlog', Statistic: 'Average', Period: 60, EvaluationPeriods: 1, Threshold: 100,
      ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [put.PolicyARN!],
    }));
    const before = await desired();
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'queue-deep', StateValue: 'ALARM', StateReason: 'test' }));
    await eventually(async () => (await desired()) === before + 1, 'one more task', 10_000);
    await aas.send(new DeregisterScalableTargetCommand({ ServiceNamespace: 'ecs', ResourceId: RESOURCE, ScalableDimension: DIM }));
    assert.equal((await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: RESOURCE }))).ScalingPolicies!.length, 0);
    await n.ecs.send(new UpdateServiceCommand({ cluster, service: 'burner', desiredCount: 0 }));
  });
});
