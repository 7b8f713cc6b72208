import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeListenersCommand, DescribeTagsCommand,
  ElasticLoadBalancingV2Client, RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { InvokeCommand, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { eventually, sdkClient } from '../support/nimbus.ts';
import { createNodeFunction, nodeZip, payload, startLambda, type LambdaTest } from './support.ts';

// Lambda as the rest of the cloud sees it: its AWS/Lambda metrics in CloudWatch (built from the
// invocations that really ran) and a function behind an application load balancer.

let t: LambdaTest;
let cw: CloudWatchClient;
let elb: ElasticLoadBalancingV2Client;
const saved = process.env.NIMBUS_METRICS_PERIOD;
before(async () => {
  process.env.NIMBUS_METRICS_PERIOD = '1';
  t = await startLambda();
  cw = sdkClient(CloudWatchClient, t.t.endpoint);
  elb = sdkClient(ElasticLoadBalancingV2Client, t.t.endpoint);
});
after(async () => {
  cw?.destroy();
  elb?.destroy();
  await t?.close();
  if (saved === undefined) delete process.env.NIMBUS_METRICS_PERIOD;
  else process.env.NIMBUS_METRICS_PERIOD = saved;
});

async function sum(metricName: string, fn: string): Promise<number> {
  const now = Date.now();
  const r = await cw.send(new GetMetricStatisticsCommand({
    Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: [{ Name: 'FunctionName', Value: fn }],
    StartTime: new Date(now - 10 * 60_000), EndTime: new Date(now + 60_000), Period: 60, Statistics: ['Sum'],
  }));
  return (r.Datapoints ?? []).reduce((a, d) => a + (d.Sum ?? 0), 0);
}

test('invocations, errors and throttles appear as AWS/Lambda metrics', async () => {
  await createNodeFunction(t.lambda, 'metered');
  for (let i = 0; i < 3; i++) await t.lambda.send(new InvokeCommand({ FunctionName: 'metered', Payload: payload({ i }) }));
  const failed = await t.lambda.send(new InvokeCommand({ FunctionName: 'metered', Payload: payload({ fail: 'nope' }) }));
  assert.equal(failed.FunctionError, 'Unhandled');
  await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'metered', ReservedConcurrentExecutions: 0 }));
  await assert.rejects(t.lambda.send(new InvokeCommand({ FunctionName: 'metered', Payload: payload({}) })), (e: Error) => e.name === 'TooManyRequestsException');
  await eventually(async () => (await sum('Invocations', 'metered')) === 4, 'Invocations = 4', 15_000, 250);
  assert.equal(await sum('Errors', 'metered'), 1);
  await eventually(async () => (await sum('Throttles', 'metered')) === 1, 'Throttles = 1', 15_000, 250);
  const now = Date.now();
  const d = await cw.send(new GetMetricStatisticsCommand({
    Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: [{ Name: 'FunctionName', Value: 'metered' }],
    StartTime: new Date(now - 10 * 60_000), EndTime: new Date(now + 60_000), Period: 600, Statistics: ['SampleCount', 'Maximum'],
  }));
  assert.equal(d.Datapoints?.[0]?.SampleCount, 4);
  assert.ok((d.Datapoints?.[0]?.Maximum ?? 0) > 0);
});

test('a function behind an application load balancer answers HTTP', async () => {
  const src = `exports.handler = async (event) => ({ statusCode: 201, headers: { 'content-type': 'text/plain', 'x-path': event.path },
    body: 'from lambda ' + event.httpMethod + ' ' + event.path + ' ' + (event.queryStringParameters.q || '') });`;
  const arn = await createNodeFunction(t.lambda, 'behind-alb', {}, nodeZip(src));
  const { EC2Client } = await import('@aws-sdk/client-ec2');
  const ec2 = sdkClient(EC2Client, t.t.endpoint);
  const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!.map((s) => s.SubnetId!);
  ec2.destroy();
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'fn-alb', Subnets: subnets }))).LoadBalancers![0];
  const tg = (await elb.send(new CreateTargetGroupCommand({ Name: 'fn-tg', TargetType: 'lambda' }))).TargetGroups![0];
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: arn }] }));
  await elb.send(new CreateListenerCommand({
    LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }],
  }));
  const listener = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners![0];
  const tags = await elb.send(new DescribeTagsCommand({ ResourceArns: [listener.ListenerArn!] }));
  const endpoint = tags.TagDescriptions![0].Tags!.find((x) => x.Key === 'nimbus:endpoint')!.Value!;
  const res = await eventually(async () => {
    const r = await fetch(`${endpoint}/hello?q=1`, { signal: AbortSignal.timeout(5000) });
    return r.status === 201 ? r : undefined;
  }, 'the function to answer through the ALB', 20_000, 200);
  assert.equal(res.headers.get('x-path'), '/hello');
  assert.equal(await res.text(), 'from lambda GET /hello 1');
});
