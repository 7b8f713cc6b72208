import { AutoScalingClient, CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, DescribeSubnetsCommand, DescribeVpcsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeTagsCommand, ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { createNodeFunction } from '../lambda/support.ts';
import { AMI, launch, openGroup, WEB_SERVER } from '../support/ec2.ts';
import { b64, sdkClient, type TestNimbus } from '../support/nimbus.ts';

// Demo resources for the console's browser tests and `npm run console:screenshots`, made through the AWS SDK clients.

export interface WebStack { group: string; lbArn: string; tgArn: string; url: string }

/** An ALB (HTTP :80) → target group ← Auto Scaling group of user-data web servers (min 1, max 4). */
export async function webStack(t: TestNimbus, opts: { name?: string; desired?: number } = {}): Promise<WebStack> {
  const name = opts.name ?? 'web';
  const elb = sdkClient(ElasticLoadBalancingV2Client, t.endpoint);
  const asg = sdkClient(AutoScalingClient, t.endpoint);
  try {
    const subnets = (await t.ec2.send(new DescribeSubnetsCommand({}))).Subnets!.map((s) => s.SubnetId!);
    const vpc = (await t.ec2.send(new DescribeVpcsCommand({}))).Vpcs!.find((v) => v.IsDefault)!.VpcId!;
    const sg = await openGroup(t.ec2, `${name}-80`, [80]);
    await t.ec2.send(new CreateLaunchTemplateCommand({
      LaunchTemplateName: name, LaunchTemplateData: { ImageId: AMI, InstanceType: 't3.micro', UserData: b64(WEB_SERVER), SecurityGroupIds: [sg] },
    }));
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: `${name}-alb`, Type: 'application', Subnets: subnets, SecurityGroups: [sg] }))).LoadBalancers![0]!;
    const tg = (await elb.send(new CreateTargetGroupCommand({
      Name: `${name}-tg`, Protocol: 'HTTP', Port: 80, VpcId: vpc, TargetType: 'instance', HealthCheckPath: '/', HealthCheckIntervalSeconds: 5,
      HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
    }))).TargetGroups![0]!;
    const listener = (await elb.send(new CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }],
    }))).Listeners![0]!;
    const tags = (await elb.send(new DescribeTagsCommand({ ResourceArns: [listener.ListenerArn!] }))).TagDescriptions![0]!.Tags!;
    const endpoint = tags.find((x) => x.Key === 'nimbus:endpoint')!.Value!;
    await asg.send(new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name, LaunchTemplate: { LaunchTemplateName: name, Version: '$Latest' }, MinSize: 1, DesiredCapacity: opts.desired ?? 1, MaxSize: 4,
      VPCZoneIdentifier: subnets.join(','), TargetGroupARNs: [tg.TargetGroupArn!], HealthCheckType: 'ELB', HealthCheckGracePeriod: 20,
    }));
    return { group: name, lbArn: lb.LoadBalancerArn!, tgArn: tg.TargetGroupArn!, url: `${endpoint}/` };
  } finally {
    elb.destroy();
    asg.destroy();
  }
}

/** `n` GETs through the load balancer, a few at a time (bounded); the number answered 200. */
export async function traffic(url: string, n: number, everyMs = 20): Promise<number> {
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    if (r?.status === 200) ok++;
    await r?.text().catch(() => undefined);
    await new Promise((res) => setTimeout(res, everyMs));
  }
  return ok;
}

/** Everything a learner would have after a first session: instances, a web tier, a queue, a topic, a function. */
export async function seedDemo(t: TestNimbus): Promise<{ stack: WebStack }> {
  const [web] = await launch(t.ec2, { userData: '#!/bin/sh\necho "demo instance booted"\nexec sleep 1000000\n', type: 'm7i.large' });
  void web;
  const stack = await webStack(t, { desired: 2 });

  const sqs = sdkClient(SQSClient, t.endpoint);
  const sns = sdkClient(SNSClient, t.endpoint);
  const lambda = sdkClient(LambdaClient, t.endpoint);
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'orders' }));
    await sqs.send(new CreateQueueCommand({ QueueName: 'shipping' }));
    await sqs.send(new SendMessageBatchCommand({
      QueueUrl, Entries: [1, 2, 3, 4, 5].map((n) => ({ Id: `m${n}`, MessageBody: JSON.stringify({ order: 1000 + n, total: n * 12.5 }) })),
    }));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'alerts' }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'ops@example.com' }));
    await sns.send(new PublishCommand({ TopicArn, Subject: 'Deploy finished', Message: 'web tier rolled out' }));
    await createNodeFunction(lambda, 'hello', { MemorySize: 256 });
    for (let i = 0; i < 5; i++) {
      await lambda.send(new InvokeCommand({ FunctionName: 'hello', Payload: Buffer.from(JSON.stringify({ log: `demo invoke ${i}`, sleepMs: 20 * i })) }));
    }
  } finally {
    sqs.destroy();
    sns.destroy();
    lambda.destroy();
  }
  return { stack };
}
