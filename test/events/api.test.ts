import {
  DeleteRuleCommand, DescribeRuleCommand, DisableRuleCommand, EnableRuleCommand, ListRuleNamesByTargetCommand, ListRulesCommand,
  ListTagsForResourceCommand, ListTargetsByRuleCommand, PutEventsCommand, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand,
  TagResourceCommand, TestEventPatternCommand, UntagResourceCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { awsCli, awsCliMissing } from '../support/awscli.ts';
import { eventually, sdkClient } from '../support/nimbus.ts';
import { rejection, startEventsNimbus, type EventsTest } from './support.ts';

const LAMBDA_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:nowhere';

describe('EventBridge API (@aws-sdk/client-eventbridge)', () => {
  let t: EventsTest;
  let sqs: SQSClient;
  let sns: SNSClient;
  before(async () => {
    t = await startEventsNimbus();
    sqs = sdkClient(SQSClient, t.endpoint);
    sns = sdkClient(SNSClient, t.endpoint);
  });
  after(async () => {
    sqs?.destroy();
    sns?.destroy();
    await t?.close();
  });

  async function receiveAll(url: string, want: number): Promise<string[]> {
    const bodies: string[] = [];
    await eventually(async () => {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 600 }));
      for (const m of r.Messages ?? []) bodies.push(m.Body!);
      return bodies.length >= want;
    }, `${want} messages`);
    return bodies;
  }

  test('rules: put, describe, list with prefix and paging, enable/disable, replace, delete', async () => {
    const e = t.events;
    for (const n of ['alpha-1', 'alpha-2', 'alpha-3', 'beta']) {
      await e.send(new PutRuleCommand({ Name: n, ScheduleExpression: 'cron(0 12 * * ? *)', Description: `rule ${n}` }));
    }
    const d = await e.send(new DescribeRuleCommand({ Name: 'alpha-1' }));
    assert.equal(d.Arn, 'arn:aws:events:us-east-1:000000000000:rule/alpha-1');
    assert.equal(d.State, 'ENABLED');
    assert.equal(d.ScheduleExpression, 'cron(0 12 * * ? *)');
    assert.equal(d.EventBusName, 'default');
    assert.equal(d.Description, 'rule alpha-1');

    const p1 = await e.send(new ListRulesCommand({ NamePrefix: 'alpha', Limit: 2 }));
    assert.deepEqual(p1.Rules!.map((r) => r.Name), ['alpha-1', 'alpha-2']);
    assert.ok(p1.NextToken);
    const p2 = await e.send(new ListRulesCommand({ NamePrefix: 'alpha', Limit: 2, NextToken: p1.NextToken }));
    assert.deepEqual(p2.Rules!.map((r) => r.Name), ['alpha-3']);
    assert.equal(p2.NextToken, undefined);
    assert.equal((await e.send(new ListRulesCommand({}))).Rules!.length, 4);

    await e.send(new DisableRuleCommand({ Name: 'beta' }));
    assert.equal((await e.send(new DescribeRuleCommand({ Name: 'beta' }))).State, 'DISABLED');
    await e.send(new EnableRuleCommand({ Name: 'beta' }));
    assert.equal((await e.send(new DescribeRuleCommand({ Name: 'beta' }))).State, 'ENABLED');
    // PutRule replaces: the omitted Description is gone.
    await e.send(new PutRuleCommand({ Name: 'beta', EventPattern: '{"source":["x"]}' }));
    const beta = await e.send(new DescribeRuleCommand({ Name: 'beta' }));
    assert.equal(beta.Description, undefined);
    assert.equal(beta.ScheduleExpression, undefined);
    assert.equal(beta.EventPattern, '{"source":["x"]}');

    for (const n of ['alpha-1', 'alpha-2', 'alpha-3', 'beta']) await e.send(new DeleteRuleCommand({ Name: n }));
    assert.equal((await e.send(new ListRulesCommand({}))).Rules!.length, 0);
    await e.send(new DeleteRuleCommand({ Name: 'never-existed' })); // idempotent, as on AWS
  });

  test('errors: not found, validation, bad patterns, limits', async () => {
    const e = t.events;
    let err = await rejection(e.send(new DescribeRuleCommand({ Name: 'missing' })));
    assert.equal(err.name, 'ResourceNotFoundException');
    assert.match(err.message, /Rule missing does not exist on EventBus default/);
    err = await rejection(e.send(new PutTargetsCommand({ Rule: 'missing', Targets: [{ Id: 'a', Arn: LAMBDA_ARN }] })));
    assert.equal(err.name, 'ResourceNotFoundException');
    err = await rejection(e.send(new PutRuleCommand({ Name: 'neither' })));
    assert.equal(err.name, 'ValidationException');
    for (const expr of ['rate(1 minutes)', 'cron(0 12 * * * *)', 'cron(0 12 * *)', 'every minute']) {
      err = await rejection(e.send(new PutRuleCommand({ Name: 'bad', ScheduleExpression: expr })));
      assert.equal(err.name, 'ValidationException', expr);
      assert.match(err.message, /ScheduleExpression is not valid/);
    }
    err = await rejection(e.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"source":"not-an-array"}' })));
    assert.equal(err.name, 'InvalidEventPatternException');
    err = await rejection(e.send(new PutRuleCommand({ Name: 'bad name!', EventPattern: '{"source":["x"]}' })));
    assert.equal(err.name, 'ValidationException');
    err = await rejection(e.send(new PutRuleCommand({ Name: 'bus', EventPattern: '{"source":["x"]}', EventBusName: 'custom' })));
    assert.equal(err.name, 'ResourceNotFoundException');

    await e.send(new PutRuleCommand({ Name: 'with-targets', EventPattern: '{"source":["x"]}' }));
    err = await rejection(e.send(new PutTargetsCommand({ Rule: 'with-targets', Targets: [{ Id: 'a', Arn: 'arn:aws:ec2:us-east-1:000000000000:instance/i-1' }] })));
    assert.equal(err.name, 'ValidationException');
    err = await rejection(e.send(new PutTargetsCommand({ Rule: 'with-targets', Targets: [{ Id: 'a', Arn: LAMBDA_ARN, Input: '{}', InputPath: '$.detail' }] })));
    assert.equal(err.name, 'ValidationException');
    err = await rejection(e.send(new PutTargetsCommand({ Rule: 'with-targets', Targets: [{ Id: 'a', Arn: LAMBDA_ARN, Input: 'not json' }] })));
    assert.equal(err.name, 'ValidationException');
    await e.send(new PutTargetsCommand({ Rule: 'with-targets', Targets: [1, 2, 3, 4, 5].map((i) => ({ Id: `t${i}`, Arn: `${LAMBDA_ARN}${i}` })) }));
    err = await rejection(e.send(new PutTargetsCommand({ Rule: 'with-targets', Targets: [{ Id: 't6', Arn: LAMBDA_ARN }] })));
    assert.equal(err.name, 'LimitExceededException');
    err = await rejection(e.send(new DeleteRuleCommand({ Name: 'with-targets' })));
    assert.equal(err.name, 'ValidationException');
    assert.match(err.message, /has targets/);

    const listed = await e.send(new ListTargetsByRuleCommand({ Rule: 'with-targets', Limit: 3 }));
    assert.deepEqual(listed.Targets!.map((x) => x.Id), ['t1', 't2', 't3']);
    const rest = await e.send(new ListTargetsByRuleCommand({ Rule: 'with-targets', NextToken: listed.NextToken }));
    assert.deepEqual(rest.Targets!.map((x) => x.Id), ['t4', 't5']);
    assert.deepEqual((await e.send(new ListRuleNamesByTargetCommand({ TargetArn: `${LAMBDA_ARN}2` }))).RuleNames, ['with-targets']);
    const removed = await e.send(new RemoveTargetsCommand({ Rule: 'with-targets', Ids: ['t1', 't2', 't3', 't4', 't5'] }));
    assert.equal(removed.FailedEntryCount, 0);
    await e.send(new DeleteRuleCommand({ Name: 'with-targets' }));

    err = await rejection(e.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'd', Detail: '{}' })) })));
    assert.equal(err.name, 'ValidationException');
  });

  test('PutEvents: a matching pattern delivers to SQS (plain and InputTransformer) and SNS; FailedEntryCount', async () => {
    const e = t.events;
    const { QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: 'orders' }));
    const { QueueUrl: viaSns } = await sqs.send(new CreateQueueCommand({ QueueName: 'orders-sns' }));
    const arnOf = async (u: string) => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: u, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const queueArn = await arnOf(url!);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'orders' }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: await arnOf(viaSns!), Attributes: { RawMessageDelivery: 'true' } }));

    await e.send(new PutRuleCommand({ Name: 'big-orders', EventPattern: JSON.stringify({ source: ['shop'], 'detail-type': ['Order Placed'], detail: { total: [{ numeric: ['>=', 100] }] } }) }));
    await e.send(new PutTargetsCommand({
      Rule: 'big-orders',
      Targets: [
        { Id: 'raw', Arn: queueArn },
        { Id: 'summary', Arn: queueArn, InputTransformer: { InputPathsMap: { id: '$.detail.id', total: '$.detail.total' }, InputTemplate: '{"order": <id>, "text": "order <id>: <total>"}' } },
        { Id: 'topic', Arn: TopicArn!, InputPath: '$.detail' },
      ],
    }));
    const out = await e.send(new PutEventsCommand({
      Entries: [
        { Source: 'shop', DetailType: 'Order Placed', Detail: JSON.stringify({ id: 'o-1', total: 250 }), Resources: ['arn:aws:shop:o-1'] },
        { Source: 'shop', DetailType: 'Order Placed', Detail: JSON.stringify({ id: 'o-2', total: 5 }) },
        { Source: 'shop', DetailType: 'Order Placed' },
        { Source: 'shop', DetailType: 'Order Placed', Detail: '[1,2]' },
      ],
    }));
    assert.equal(out.FailedEntryCount, 2);
    assert.ok(out.Entries![0].EventId && out.Entries![1].EventId);
    assert.equal(out.Entries![2].ErrorCode, 'InvalidArgument');
    assert.equal(out.Entries![3].ErrorCode, 'MalformedDetail');

    await t.engine.settled();
    const bodies = await receiveAll(url!, 2);
    assert.equal(bodies.length, 2, 'the small order did not match');
    const raw = JSON.parse(bodies.find((b) => b.includes('"detail-type"'))!);
    assert.equal(raw.id, out.Entries![0].EventId);
    assert.equal(raw.source, 'shop');
    assert.deepEqual(raw.detail, { id: 'o-1', total: 250 });
    assert.deepEqual(raw.resources, ['arn:aws:shop:o-1']);
    assert.equal(raw.version, '0');
    assert.deepEqual(JSON.parse(bodies.find((b) => b.includes('"order"'))!), { order: 'o-1', text: 'order o-1: 250' });
    assert.deepEqual(JSON.parse((await receiveAll(viaSns!, 1))[0]), { id: 'o-1', total: 250 });

    const test1 = await e.send(new TestEventPatternCommand({ EventPattern: '{"detail":{"total":[{"numeric":[">",1]}]}}', Event: JSON.stringify({ ...raw }) }));
    assert.equal(test1.Result, true);
    const err = await rejection(e.send(new TestEventPatternCommand({ EventPattern: '{"detail":"x"}', Event: JSON.stringify(raw) })));
    assert.equal(err.name, 'InvalidEventPatternException');
  });

  test('tags on rules', async () => {
    const e = t.events;
    const { RuleArn } = await e.send(new PutRuleCommand({ Name: 'tagged', ScheduleExpression: 'rate(5 minutes)', Tags: [{ Key: 'team', Value: 'a' }] }));
    await e.send(new TagResourceCommand({ ResourceARN: RuleArn, Tags: [{ Key: 'env', Value: 'dev' }] }));
    await e.send(new UntagResourceCommand({ ResourceARN: RuleArn, TagKeys: ['team'] }));
    assert.deepEqual((await e.send(new ListTagsForResourceCommand({ ResourceARN: RuleArn }))).Tags, [{ Key: 'env', Value: 'dev' }]);
    const err = await rejection(e.send(new ListTagsForResourceCommand({ ResourceARN: 'arn:aws:events:us-east-1:000000000000:rule/nope' })));
    assert.equal(err.name, 'ResourceNotFoundException');
    await e.send(new DeleteRuleCommand({ Name: 'tagged' }));
  });

  test('AWS CLI: put-rule, put-targets, list-rules, list-targets-by-rule', { skip: awsCliMissing }, async () => {
    const { aws, awsError } = awsCli(t.endpoint, { service: 'events' });
    const put = await aws('put-rule', '--name', 'cli-nightly', '--schedule-expression', 'cron(0 3 ? * MON-FRI *)', '--description', 'from the CLI');
    assert.equal(put.RuleArn, 'arn:aws:events:us-east-1:000000000000:rule/cli-nightly');
    const targets = await aws('put-targets', '--rule', 'cli-nightly', '--targets', JSON.stringify([{ Id: 'q', Arn: 'arn:aws:sqs:us-east-1:000000000000:orders', Input: '{"job":"nightly"}' }]));
    assert.equal(targets.FailedEntryCount, 0);
    const list = await aws('list-rules', '--name-prefix', 'cli-');
    assert.deepEqual(list.Rules.map((r: { Name: string; ScheduleExpression: string; State: string }) => [r.Name, r.ScheduleExpression, r.State]), [['cli-nightly', 'cron(0 3 ? * MON-FRI *)', 'ENABLED']]);
    const lt = await aws('list-targets-by-rule', '--rule', 'cli-nightly');
    assert.deepEqual(lt.Targets, [{ Id: 'q', Arn: 'arn:aws:sqs:us-east-1:000000000000:orders', Input: '{"job":"nightly"}' }]);
    assert.match(await awsError('delete-rule', '--name', 'cli-nightly'), /ValidationException/);
    await aws('remove-targets', '--rule', 'cli-nightly', '--ids', 'q');
    await aws('delete-rule', '--name', 'cli-nightly');
  });
});
