import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  AllocateHostsCommand, AttachVolumeCommand, AuthorizeSecurityGroupIngressCommand, CreateImageCommand, CreateKeyPairCommand, CreateLaunchTemplateCommand,
  CreateSecurityGroupCommand, CreateTagsCommand, CreateVolumeCommand, DeleteKeyPairCommand, DeleteLaunchTemplateCommand, DeleteSecurityGroupCommand,
  DeleteTagsCommand, DeleteVolumeCommand, DeregisterImageCommand, DescribeHostsCommand, DescribeImagesCommand, DescribeInstanceAttributeCommand,
  DescribeInstancesCommand, DescribeInstanceStatusCommand, DescribeKeyPairsCommand, DescribeLaunchTemplatesCommand, DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand, DescribeTagsCommand, DescribeVolumesCommand, EC2Client, GetConsoleOutputCommand, ModifyInstanceAttributeCommand,
  RebootInstancesCommand, ReleaseHostsCommand, RunInstancesCommand, StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  AddPermissionCommand as SqsAddPermission, CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand,
  PurgeQueueCommand, ReceiveMessageCommand, SendMessageCommand, SetQueueAttributesCommand, SQSClient, TagQueueCommand,
} from '@aws-sdk/client-sqs';
import {
  CreateTopicCommand, DeleteTopicCommand, GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, ListTopicsCommand, PublishCommand, SetTopicAttributesCommand,
  SNSClient, SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  AddPermissionCommand, CreateEventSourceMappingCommand, CreateFunctionUrlConfigCommand, DeleteFunctionCommand, GetFunctionCommand, InvokeCommand, LambdaClient,
  ListFunctionsCommand, PutFunctionConcurrencyCommand, TagResourceCommand, UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DeleteLoadBalancerCommand, DescribeLoadBalancersCommand, DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client, RegisterTargetsCommand, AddTagsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmsCommand, ListMetricsCommand, PutMetricAlarmCommand, PutMetricDataCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DeleteLogGroupCommand, DescribeLogGroupsCommand, GetLogEventsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeRuleCommand, EventBridgeClient, ListRulesCommand, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  AttachInstancesCommand, AutoScalingClient, CreateAutoScalingGroupCommand, DeleteAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { AMI } from '../support/ec2.ts';
import { eventually, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';
import { createNodeFunction } from '../lambda/support.ts';
import { ALICE, BOB, clientConfig, writeCredentials } from './support.ts';

// Account A (alice) creates one of everything; account B (bob) tries to see, change, delete or use each of them by
// id, name, ARN or URL. AWS: another account's resources do not exist for the caller (NotFound) or the caller is not
// authorized (AccessDenied / AuthorizationError). Strict SigV4 mode: the accounts are told apart by real signatures.

const NOT_YOURS = new Set([
  'InvalidInstanceID.NotFound', 'InvalidVolume.NotFound', 'InvalidGroup.NotFound', 'InvalidKeyPair.NotFound', 'InvalidAMIID.NotFound', 'InvalidSubnetID.NotFound',
  'InvalidLaunchTemplateId.NotFound', 'InvalidLaunchTemplateName.NotFoundException', 'InvalidHostID.NotFound', 'InvalidID',
  'AccessDenied', 'AccessDeniedException', 'AWS.SimpleQueueService.NonExistentQueue', 'QueueDoesNotExist', 'AuthorizationError', 'AuthorizationErrorException', 'NotFound', 'NotFoundException',
  'ResourceNotFoundException', 'LoadBalancerNotFound', 'LoadBalancerNotFoundException', 'TargetGroupNotFound', 'TargetGroupNotFoundException', 'InvalidTarget',
  'InvalidTargetException', 'ValidationError', 'ResourceNotFound', 'InvalidParameter', 'InvalidParameterValue', 'InvalidParameterValueException',
  'InvalidParameterException', 'ValidationException',
]);

describe('cross-account isolation (API)', () => {
  let t: TestNimbus;
  let credsFile: string;
  const problems: string[] = [];
  const A: Record<string, any> = {};
  const B: Record<string, any> = {};
  const clientsOf = (creds: typeof ALICE | typeof BOB) => {
    const c = (Ctor: new (cfg: any) => any) => new Ctor(clientConfig(t.endpoint, creds));
    return {
      ec2: c(EC2Client) as EC2Client, sqs: c(SQSClient) as SQSClient, sns: c(SNSClient) as SNSClient, lambda: c(LambdaClient) as LambdaClient,
      elb: c(ElasticLoadBalancingV2Client) as ElasticLoadBalancingV2Client, cw: c(CloudWatchClient) as CloudWatchClient,
      logs: c(CloudWatchLogsClient) as CloudWatchLogsClient, events: c(EventBridgeClient) as EventBridgeClient, asg: c(AutoScalingClient) as AutoScalingClient,
    };
  };
  let a: ReturnType<typeof clientsOf>;
  let b: ReturnType<typeof clientsOf>;

  /** B's attempt must fail with a "not yours" error; records (does not throw) so one run lists every leak. */
  async function denied(label: string, p: Promise<unknown>, expect?: string[]): Promise<void> {
    try {
      await p;
      problems.push(`${label}: succeeded`);
    } catch (err) {
      const name = (err as Error).name;
      if (expect ? !expect.includes(name) : !NOT_YOURS.has(name)) problems.push(`${label}: ${name}: ${(err as Error).message}`);
    }
  }
  function check(label: string, ok: boolean): void {
    if (!ok) problems.push(label);
  }
  const done = () => {
    const list = problems.splice(0);
    assert.deepEqual(list, [], `leaks:\n${list.join('\n')}`);
  };

  beforeEach(() => {
    problems.length = 0;
  });
  before(async () => {
    credsFile = writeCredentials();
    process.env.NIMBUS_ELB_HEALTH_SCALE = '0.1';
    t = await startTestNimbus({ strictSigV4: true, credentialsFile: credsFile });
    a = clientsOf(ALICE);
    b = clientsOf(BOB);
  });
  after(async () => {
    await t?.close();
    rmSync(dirname(credsFile), { recursive: true, force: true });
  });

  test('EC2: instances, volumes, security groups, key pairs, images, launch templates, subnets, hosts, tags', async () => {
    A.sg = (await a.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web' }))).GroupId;
    await a.ec2.send(new CreateKeyPairCommand({ KeyName: 'deploy' }));
    const run = await a.ec2.send(new RunInstancesCommand({ ImageId: AMI, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, SecurityGroupIds: [A.sg], KeyName: 'deploy' }));
    A.instance = run.Instances![0]!.InstanceId;
    A.subnet = run.Instances![0]!.SubnetId;
    await eventually(async () => (await a.ec2.send(new DescribeInstancesCommand({ InstanceIds: [A.instance] }))).Reservations![0]!.Instances![0]!.State!.Name === 'running', 'A instance running', 30_000);
    A.volume = (await a.ec2.send(new CreateVolumeCommand({ AvailabilityZone: run.Instances![0]!.Placement!.AvailabilityZone, Size: 1 }))).VolumeId;
    A.image = (await a.ec2.send(new CreateImageCommand({ InstanceId: A.instance, Name: 'golden', NoReboot: true }))).ImageId;
    A.lt = (await a.ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web-lt', LaunchTemplateData: { ImageId: AMI, InstanceType: 't3.micro' } }))).LaunchTemplate!.LaunchTemplateId;
    A.host = (await a.ec2.send(new AllocateHostsCommand({ AvailabilityZone: 'us-east-1a', InstanceType: 't3.micro', Quantity: 1, AutoPlacement: 'on' }))).HostIds![0];

    const listed = (await b.ec2.send(new DescribeInstancesCommand({}))).Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId));
    check('DescribeInstances lists A\'s instance', !listed.includes(A.instance));
    await denied('DescribeInstances(id)', b.ec2.send(new DescribeInstancesCommand({ InstanceIds: [A.instance] })));
    await denied('DescribeInstanceStatus(id)', b.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [A.instance] })));
    await denied('StopInstances', b.ec2.send(new StopInstancesCommand({ InstanceIds: [A.instance] })));
    await denied('StartInstances', b.ec2.send(new StartInstancesCommand({ InstanceIds: [A.instance] })));
    await denied('RebootInstances', b.ec2.send(new RebootInstancesCommand({ InstanceIds: [A.instance] })));
    await denied('TerminateInstances', b.ec2.send(new TerminateInstancesCommand({ InstanceIds: [A.instance] })));
    await denied('GetConsoleOutput', b.ec2.send(new GetConsoleOutputCommand({ InstanceId: A.instance })));
    await denied('ModifyInstanceAttribute', b.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: A.instance, DisableApiTermination: { Value: true } })));
    await denied('DescribeInstanceAttribute', b.ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: A.instance, Attribute: 'userData' })));
    await denied('CreateImage(A instance)', b.ec2.send(new CreateImageCommand({ InstanceId: A.instance, Name: 'stolen', NoReboot: true })));
    await denied('CreateTags(A instance)', b.ec2.send(new CreateTagsCommand({ Resources: [A.instance], Tags: [{ Key: 'owned', Value: 'bob' }] })));
    await denied('DeleteTags(A instance)', b.ec2.send(new DeleteTagsCommand({ Resources: [A.instance] })));
    const tags = (await b.ec2.send(new DescribeTagsCommand({}))).Tags ?? [];
    check('DescribeTags shows A\'s resources', !tags.some((x) => [A.instance, A.sg, A.volume].includes(x.ResourceId)));

    await denied('DescribeVolumes(id)', b.ec2.send(new DescribeVolumesCommand({ VolumeIds: [A.volume] })));
    await denied('AttachVolume(A vol → A instance)', b.ec2.send(new AttachVolumeCommand({ VolumeId: A.volume, InstanceId: A.instance, Device: '/dev/sdf' })));
    await denied('DeleteVolume', b.ec2.send(new DeleteVolumeCommand({ VolumeId: A.volume })));

    await denied('DescribeSecurityGroups(id)', b.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [A.sg] })));
    await denied('AuthorizeSecurityGroupIngress(A sg)', b.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: A.sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] })));
    await denied('DeleteSecurityGroup(A sg)', b.ec2.send(new DeleteSecurityGroupCommand({ GroupId: A.sg })));
    const bsg = (await b.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'same name, other account' }))).GroupId;
    await denied('Authorize with A sg as source group', b.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: bsg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, UserIdGroupPairs: [{ GroupId: A.sg }] }] })));

    await denied('DescribeKeyPairs(name)', b.ec2.send(new DescribeKeyPairsCommand({ KeyNames: ['deploy'] })));
    await b.ec2.send(new DeleteKeyPairCommand({ KeyName: 'deploy' })).catch(() => undefined);
    check('A\'s key pair survives B\'s DeleteKeyPair', ((await a.ec2.send(new DescribeKeyPairsCommand({ KeyNames: ['deploy'] }))).KeyPairs ?? []).length === 1);

    const images = (await b.ec2.send(new DescribeImagesCommand({ ImageIds: [A.image] })).catch(() => ({ Images: [] }))).Images ?? [];
    check('DescribeImages shows A\'s private image', images.length === 0);
    await denied('DeregisterImage(A image)', b.ec2.send(new DeregisterImageCommand({ ImageId: A.image })));
    await denied('DescribeLaunchTemplates(id)', b.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [A.lt] })));
    await denied('DeleteLaunchTemplate(A)', b.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: A.lt })));
    await denied('DescribeSubnets(A subnet id)', b.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [A.subnet] })));

    // Launching with A's things: every one of them is unknown to B.
    const launch = (more: Record<string, unknown>) => b.ec2.send(new RunInstancesCommand({ ImageId: AMI, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, ...more }));
    await denied('RunInstances(A image)', launch({ ImageId: A.image }));
    await denied('RunInstances(A sg)', launch({ SecurityGroupIds: [A.sg] }));
    await denied('RunInstances(A key)', launch({ KeyName: 'deploy' }));
    await denied('RunInstances(A subnet)', launch({ SubnetId: A.subnet }));
    await denied('RunInstances(A launch template)', launch({ ImageId: undefined, InstanceType: undefined, LaunchTemplate: { LaunchTemplateId: A.lt } }));
    await denied('RunInstances(A host)', launch({ Placement: { Tenancy: 'host', HostId: A.host } }));
    // Dedicated hosts are never shared: an auto-placed host launch of B finds no host of its own, even though A's accepts any.
    await denied('RunInstances(tenancy host, auto placement)', launch({ Placement: { Tenancy: 'host' } }), ['InsufficientHostCapacity']);
    check('DescribeHosts shows A\'s host', ((await b.ec2.send(new DescribeHostsCommand({}))).Hosts ?? []).length === 0);
    const rel = await b.ec2.send(new ReleaseHostsCommand({ HostIds: [A.host] }));
    check('ReleaseHosts(A host) succeeded', (rel.Successful ?? []).length === 0);
    done();
  });

  test('SQS: queues by name and by URL carrying A\'s account', async () => {
    A.queueUrl = (await a.sqs.send(new CreateQueueCommand({ QueueName: 'orders' }))).QueueUrl;
    await a.sqs.send(new SendMessageCommand({ QueueUrl: A.queueUrl, MessageBody: 'secret order' }));
    check('ListQueues shows A\'s queue', !((await b.sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []).includes(A.queueUrl));
    await denied('GetQueueUrl(name)', b.sqs.send(new GetQueueUrlCommand({ QueueName: 'orders' })));
    await denied('GetQueueUrl(owner = A)', b.sqs.send(new GetQueueUrlCommand({ QueueName: 'orders', QueueOwnerAWSAccountId: ALICE.account })));
    await denied('SendMessage(A url)', b.sqs.send(new SendMessageCommand({ QueueUrl: A.queueUrl, MessageBody: 'spam' })));
    await denied('ReceiveMessage(A url)', b.sqs.send(new ReceiveMessageCommand({ QueueUrl: A.queueUrl, WaitTimeSeconds: 0 })));
    await denied('GetQueueAttributes(A url)', b.sqs.send(new GetQueueAttributesCommand({ QueueUrl: A.queueUrl, AttributeNames: ['All'] })));
    await denied('SetQueueAttributes(A url)', b.sqs.send(new SetQueueAttributesCommand({ QueueUrl: A.queueUrl, Attributes: { VisibilityTimeout: '0' } })));
    await denied('TagQueue(A url)', b.sqs.send(new TagQueueCommand({ QueueUrl: A.queueUrl, Tags: { x: 'y' } })));
    await denied('PurgeQueue(A url)', b.sqs.send(new PurgeQueueCommand({ QueueUrl: A.queueUrl })));
    await denied('DeleteQueue(A url)', b.sqs.send(new DeleteQueueCommand({ QueueUrl: A.queueUrl })));
    // A grants B SendMessage (AddPermission, the queue policy): B may send, and still not receive.
    await a.sqs.send(new SqsAddPermission({ QueueUrl: A.queueUrl, Label: 'bob-sends', AWSAccountIds: [BOB.account], Actions: ['SendMessage'] }));
    await b.sqs.send(new SendMessageCommand({ QueueUrl: A.queueUrl, MessageBody: 'allowed by policy' }));
    await denied('ReceiveMessage(A url) with a SendMessage-only grant', b.sqs.send(new ReceiveMessageCommand({ QueueUrl: A.queueUrl, WaitTimeSeconds: 0 })));
    const attrs = await a.sqs.send(new GetQueueAttributesCommand({ QueueUrl: A.queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    check(`A's queue holds A's and the granted message (${attrs.Attributes?.ApproximateNumberOfMessages})`, attrs.Attributes?.ApproximateNumberOfMessages === '2');
    done();
  });

  test('SNS: topics by ARN; subscriptions cannot reach into A\'s queue', async () => {
    A.topic = (await a.sns.send(new CreateTopicCommand({ Name: 'alerts' }))).TopicArn;
    check('ListTopics shows A\'s topic', !((await b.sns.send(new ListTopicsCommand({}))).Topics ?? []).some((x) => x.TopicArn === A.topic));
    await denied('GetTopicAttributes', b.sns.send(new GetTopicAttributesCommand({ TopicArn: A.topic })));
    await denied('SetTopicAttributes', b.sns.send(new SetTopicAttributesCommand({ TopicArn: A.topic, AttributeName: 'DisplayName', AttributeValue: 'x' })));
    await denied('Publish', b.sns.send(new PublishCommand({ TopicArn: A.topic, Message: 'spam' })));
    await denied('Subscribe(A topic)', b.sns.send(new SubscribeCommand({ TopicArn: A.topic, Protocol: 'sqs', Endpoint: `arn:aws:sqs:us-east-1:${BOB.account}:mine` })));
    await denied('ListSubscriptionsByTopic', b.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: A.topic })));
    await denied('DeleteTopic', b.sns.send(new DeleteTopicCommand({ TopicArn: A.topic })));
    const bTopic = (await b.sns.send(new CreateTopicCommand({ Name: 'bob-topic' }))).TopicArn;
    await denied('Subscribe(B topic → A queue)', b.sns.send(new SubscribeCommand({ TopicArn: bTopic, Protocol: 'sqs', Endpoint: `arn:aws:sqs:us-east-1:${ALICE.account}:orders` })));
    done();
  });

  test('Lambda: functions by ARN; event sources and URLs on A\'s things', async () => {
    A.fn = await createNodeFunction(a.lambda, 'worker', { Role: `arn:aws:iam::${ALICE.account}:role/r` });
    B.fn = await createNodeFunction(b.lambda, 'bob-worker', { Role: `arn:aws:iam::${BOB.account}:role/r` });
    check('ListFunctions shows A\'s function', !((await b.lambda.send(new ListFunctionsCommand({}))).Functions ?? []).some((f) => f.FunctionArn === A.fn));
    await denied('GetFunction(name)', b.lambda.send(new GetFunctionCommand({ FunctionName: 'worker' })));
    await denied('GetFunction(A arn)', b.lambda.send(new GetFunctionCommand({ FunctionName: A.fn })));
    await denied('Invoke(A arn)', b.lambda.send(new InvokeCommand({ FunctionName: A.fn, Payload: Buffer.from('{}') })));
    await denied('UpdateFunctionConfiguration(A arn)', b.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: A.fn, Timeout: 3 })));
    await denied('AddPermission(A arn)', b.lambda.send(new AddPermissionCommand({ FunctionName: A.fn, StatementId: 's', Action: 'lambda:InvokeFunction', Principal: '*' })));
    await denied('PutFunctionConcurrency(A arn)', b.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: A.fn, ReservedConcurrentExecutions: 0 })));
    await denied('CreateFunctionUrlConfig(A arn)', b.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: A.fn, AuthType: 'NONE' })));
    await denied('TagResource(A arn)', b.lambda.send(new TagResourceCommand({ Resource: A.fn, Tags: { x: 'y' } })));
    await denied('DeleteFunction(A arn)', b.lambda.send(new DeleteFunctionCommand({ FunctionName: A.fn })));
    // B's function polling A's queue would read A's messages.
    await denied('CreateEventSourceMapping(B fn ← A queue)', b.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: B.fn, EventSourceArn: `arn:aws:sqs:us-east-1:${ALICE.account}:orders` })));
    const bTopic = `arn:aws:sns:us-east-1:${BOB.account}:bob-topic`;
    await denied('Subscribe(B topic → A function)', b.sns.send(new SubscribeCommand({ TopicArn: bTopic, Protocol: 'lambda', Endpoint: A.fn })));
    await denied('CreateFunction(named by an ARN of A)', createNodeFunction(b.lambda, `arn:aws:lambda:us-east-1:${ALICE.account}:function:planted`, { Role: `arn:aws:iam::${BOB.account}:role/r` }));
    await denied('UpdateFunctionConfiguration(B fn → dead-letter queue of A)', b.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: B.fn, DeadLetterConfig: { TargetArn: `arn:aws:sqs:us-east-1:${ALICE.account}:orders` } })));
    // A's resource policy lets B invoke (and nothing else), as on AWS.
    await a.lambda.send(new AddPermissionCommand({ FunctionName: 'worker', StatementId: 'bob-invokes', Action: 'lambda:InvokeFunction', Principal: BOB.account }));
    const out = await b.lambda.send(new InvokeCommand({ FunctionName: A.fn, Payload: Buffer.from('{"hello":"from bob"}'), LogType: 'Tail' }));
    check(`Invoke granted by A's policy failed: ${out.FunctionError ?? ''} ${Buffer.from(out.Payload ?? []).toString()} ${Buffer.from(out.LogResult ?? '', 'base64').toString()}`, out.StatusCode === 200 && !out.FunctionError);
    await denied('GetFunction(A arn) with an invoke-only grant', b.lambda.send(new GetFunctionCommand({ FunctionName: A.fn })));
    done();
  });

  test('ELBv2: load balancers and target groups by ARN; A\'s instances and functions as targets', async () => {
    const subnets = (await a.ec2.send(new DescribeSubnetsCommand({}))).Subnets!.map((s) => s.SubnetId!);
    const vpc = (await a.ec2.send(new DescribeSubnetsCommand({}))).Subnets![0]!.VpcId!;
    A.lb = (await a.elb.send(new CreateLoadBalancerCommand({ Name: 'alb', Subnets: subnets }))).LoadBalancers![0]!.LoadBalancerArn;
    A.tg = (await a.elb.send(new CreateTargetGroupCommand({ Name: 'tg', Protocol: 'HTTP', Port: 80, VpcId: vpc, TargetType: 'instance' }))).TargetGroups![0]!.TargetGroupArn;
    check('DescribeLoadBalancers lists A\'s LB', !((await b.elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? []).some((x) => x.LoadBalancerArn === A.lb));
    await denied('DescribeLoadBalancers(A arn)', b.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [A.lb] })));
    await denied('DescribeTargetGroups(A arn)', b.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [A.tg] })));
    await denied('RegisterTargets(A tg)', b.elb.send(new RegisterTargetsCommand({ TargetGroupArn: A.tg, Targets: [{ Id: A.instance }] })));
    await denied('CreateListener(A lb)', b.elb.send(new CreateListenerCommand({ LoadBalancerArn: A.lb, Protocol: 'HTTP', Port: 8080, DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' } }] })));
    await denied('AddTags(A lb)', b.elb.send(new AddTagsCommand({ ResourceArns: [A.lb], Tags: [{ Key: 'x', Value: 'y' }] })));
    await b.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: A.lb })).catch(() => undefined);
    check('A\'s LB survives B\'s DeleteLoadBalancer', ((await a.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [A.lb] }))).LoadBalancers ?? []).length === 1);
    const bvpc = (await b.ec2.send(new DescribeSubnetsCommand({}))).Subnets![0]!.VpcId!;
    B.tg = (await b.elb.send(new CreateTargetGroupCommand({ Name: 'tg', Protocol: 'HTTP', Port: 80, VpcId: bvpc, TargetType: 'instance' }))).TargetGroups![0]!.TargetGroupArn;
    await denied('RegisterTargets(B tg ← A instance)', b.elb.send(new RegisterTargetsCommand({ TargetGroupArn: B.tg, Targets: [{ Id: A.instance }] })));
    const iptg = (await b.elb.send(new CreateTargetGroupCommand({ Name: 'iptg', Protocol: 'HTTP', Port: 80, VpcId: bvpc, TargetType: 'ip' }))).TargetGroups![0]!.TargetGroupArn;
    const aIp = (await a.ec2.send(new DescribeInstancesCommand({ InstanceIds: [A.instance] }))).Reservations![0]!.Instances![0]!.PrivateIpAddress!;
    await denied('RegisterTargets(B ip tg ← A instance address)', b.elb.send(new RegisterTargetsCommand({ TargetGroupArn: iptg, Targets: [{ Id: aIp }] })));
    const ltg = (await b.elb.send(new CreateTargetGroupCommand({ Name: 'ltg', TargetType: 'lambda' }))).TargetGroups![0]!.TargetGroupArn;
    await denied('RegisterTargets(B lambda tg ← A function)', b.elb.send(new RegisterTargetsCommand({ TargetGroupArn: ltg, Targets: [{ Id: A.fn }] })));
    done();
  });

  test('CloudWatch, Logs, EventBridge, Auto Scaling', async () => {
    await a.cw.send(new PutMetricDataCommand({ Namespace: 'Shop', MetricData: [{ MetricName: 'Orders', Value: 1 }] }));
    await a.cw.send(new PutMetricAlarmCommand({ AlarmName: 'orders-high', Namespace: 'Shop', MetricName: 'Orders', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 10, ComparisonOperator: 'GreaterThanThreshold' }));
    check('DescribeAlarms shows A\'s alarm', ((await b.cw.send(new DescribeAlarmsCommand({ AlarmNames: ['orders-high'] }))).MetricAlarms ?? []).length === 0);
    check('ListMetrics shows A\'s metric', ((await b.cw.send(new ListMetricsCommand({ Namespace: 'Shop' }))).Metrics ?? []).length === 0);
    await denied('SetAlarmState(A alarm)', b.cw.send(new SetAlarmStateCommand({ AlarmName: 'orders-high', StateValue: 'ALARM', StateReason: 'x' })));
    await b.cw.send(new DeleteAlarmsCommand({ AlarmNames: ['orders-high'] })).catch(() => undefined);
    check('A\'s alarm survives B\'s DeleteAlarms', ((await a.cw.send(new DescribeAlarmsCommand({ AlarmNames: ['orders-high'] }))).MetricAlarms ?? []).length === 1);
    // An alarm action on A's topic would let B publish into it.
    await denied('PutMetricAlarm(action → A topic)', b.cw.send(new PutMetricAlarmCommand({
      AlarmName: 'bob', Namespace: 'X', MetricName: 'Y', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [A.topic],
    })));

    await a.logs.send(new CreateLogGroupCommand({ logGroupName: '/app' }));
    await a.logs.send(new CreateLogStreamCommand({ logGroupName: '/app', logStreamName: 's' }));
    check('DescribeLogGroups shows A\'s group', !((await b.logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? []).some((g) => g.logGroupName === '/app'));
    await denied('GetLogEvents(A group)', b.logs.send(new GetLogEventsCommand({ logGroupName: '/app', logStreamName: 's' })));
    await denied('PutLogEvents(A group)', b.logs.send(new PutLogEventsCommand({ logGroupName: '/app', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'x' }] })));
    await denied('DeleteLogGroup(A group)', b.logs.send(new DeleteLogGroupCommand({ logGroupName: '/app' })));

    await a.events.send(new PutRuleCommand({ Name: 'orders', EventPattern: JSON.stringify({ source: ['shop'] }) }));
    await a.events.send(new PutTargetsCommand({ Rule: 'orders', Targets: [{ Id: 'q', Arn: `arn:aws:sqs:us-east-1:${ALICE.account}:orders` }] }));
    check('ListRules shows A\'s rule', !((await b.events.send(new ListRulesCommand({}))).Rules ?? []).some((r) => r.Name === 'orders'));
    await denied('DescribeRule(A rule)', b.events.send(new DescribeRuleCommand({ Name: 'orders' })));
    await b.events.send(new PutRuleCommand({ Name: 'bob-rule', EventPattern: JSON.stringify({ source: ['bob'] }) }));
    await denied('PutTargets(B rule → A queue)', b.events.send(new PutTargetsCommand({ Rule: 'bob-rule', Targets: [{ Id: 'q', Arn: `arn:aws:sqs:us-east-1:${ALICE.account}:orders` }] })));
    await denied('PutTargets(B rule → A function)', b.events.send(new PutTargetsCommand({ Rule: 'bob-rule', Targets: [{ Id: 'f', Arn: A.fn }] })));
    await denied('PutTargets(B rule → A topic)', b.events.send(new PutTargetsCommand({ Rule: 'bob-rule', Targets: [{ Id: 't', Arn: A.topic }] })));
    // B's events do not match A's rules (each account has its own default bus).
    const before = Number((await a.sqs.send(new GetQueueAttributesCommand({ QueueUrl: A.queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes!.ApproximateNumberOfMessages);
    await b.events.send(new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: 'order', Detail: '{}' }] }));
    await new Promise((r) => setTimeout(r, 500));
    const after = Number((await a.sqs.send(new GetQueueAttributesCommand({ QueueUrl: A.queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes!.ApproximateNumberOfMessages);
    check('B\'s event reached A\'s rule', after === before);

    await a.asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'web', LaunchTemplate: { LaunchTemplateId: A.lt }, MinSize: 0, MaxSize: 1, DesiredCapacity: 0, AvailabilityZones: ['us-east-1a'] }));
    check('DescribeAutoScalingGroups shows A\'s group', ((await b.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web'] }))).AutoScalingGroups ?? []).length === 0);
    await denied('UpdateAutoScalingGroup(A group)', b.asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'web', MaxSize: 5 })));
    await denied('DeleteAutoScalingGroup(A group)', b.asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'web', ForceDelete: true })));
    await denied('CreateAutoScalingGroup(A launch template)', b.asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'bob', LaunchTemplate: { LaunchTemplateId: A.lt }, MinSize: 0, MaxSize: 1, AvailabilityZones: ['us-east-1a'] })));
    await denied('CreateAutoScalingGroup(A target group)', b.asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'bob2', LaunchTemplate: { LaunchTemplateName: 'nope' }, MinSize: 0, MaxSize: 1, AvailabilityZones: ['us-east-1a'], TargetGroupARNs: [A.tg] })));
    const blt = (await b.ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'bob-lt', LaunchTemplateData: { ImageId: AMI, InstanceType: 't3.micro' } }))).LaunchTemplate!.LaunchTemplateId;
    await b.asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'bob3', LaunchTemplate: { LaunchTemplateId: blt }, MinSize: 0, MaxSize: 1, DesiredCapacity: 0, AvailabilityZones: ['us-east-1a'] }));
    await denied('AttachInstances(B group ← A instance)', b.asg.send(new AttachInstancesCommand({ AutoScalingGroupName: 'bob3', InstanceIds: [A.instance] })));
    done();
  });
});
