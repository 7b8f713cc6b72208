import {
  CreateTopicCommand, DeleteTopicCommand, GetSubscriptionAttributesCommand, GetTopicAttributesCommand, ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand, ListTagsForResourceCommand, ListTopicsCommand, PublishCommand, SetSubscriptionAttributesCommand, SetTopicAttributesCommand,
  SNSClient, SubscribeCommand, TagResourceCommand, UnsubscribeCommand, UntagResourceCommand,
} from '@aws-sdk/client-sns';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sdkClient } from '../support/nimbus.ts';
import { createQueue, startSnsTest, type SnsTest } from './support.ts';

async function code(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the call to fail');
}

describe('SNS topics, subscriptions, attributes and tags (JS SDK v3)', () => {
  let t: SnsTest;
  before(async () => {
    t = await startSnsTest();
  });
  after(async () => {
    await t?.close();
  });

  test('create is idempotent, list, attributes, delete', async () => {
    const arn = (await t.sns.send(new CreateTopicCommand({ Name: 'crud', Attributes: { DisplayName: 'Crud' } }))).TopicArn!;
    assert.equal(arn, 'arn:aws:sns:us-east-1:000000000000:crud');
    assert.equal((await t.sns.send(new CreateTopicCommand({ Name: 'crud', Attributes: { DisplayName: 'Crud' } }))).TopicArn, arn);
    const diff = await code(t.sns.send(new CreateTopicCommand({ Name: 'crud', Attributes: { DisplayName: 'Other' } })));
    assert.equal(diff.name, 'InvalidParameterException');
    const list = await t.sns.send(new ListTopicsCommand({}));
    assert.ok(list.Topics!.some((x) => x.TopicArn === arn));
    const attrs = (await t.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))).Attributes!;
    assert.equal(attrs.DisplayName, 'Crud');
    assert.equal(attrs.Owner, '000000000000');
    assert.equal(attrs.TopicArn, arn);
    assert.equal(attrs.SubscriptionsConfirmed, '0');
    assert.equal(JSON.parse(attrs.EffectiveDeliveryPolicy).http.defaultHealthyRetryPolicy.numRetries, 3);
    assert.equal(JSON.parse(attrs.Policy).Statement[0].Resource, arn);
    await t.sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'DisplayName', AttributeValue: 'Renamed' }));
    const policy = JSON.stringify({ http: { defaultHealthyRetryPolicy: { numRetries: 5, minDelayTarget: 1, maxDelayTarget: 2 } } });
    await t.sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'DeliveryPolicy', AttributeValue: policy }));
    const after = (await t.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))).Attributes!;
    assert.equal(after.DisplayName, 'Renamed');
    assert.equal(JSON.parse(after.EffectiveDeliveryPolicy).http.defaultHealthyRetryPolicy.numRetries, 5);
    assert.equal((await code(t.sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'Bogus', AttributeValue: 'x' })))).name, 'InvalidParameterException');
    assert.equal((await code(t.sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'DeliveryPolicy', AttributeValue: '{"http":{"defaultHealthyRetryPolicy":{"numRetries":500}}}' })))).name, 'InvalidParameterException');
    await t.sns.send(new DeleteTopicCommand({ TopicArn: arn }));
    await t.sns.send(new DeleteTopicCommand({ TopicArn: arn })); // idempotent, as on AWS
    const gone = await code(t.sns.send(new GetTopicAttributesCommand({ TopicArn: arn })));
    assert.equal(gone.name, 'NotFoundException');
    assert.equal(gone.status, 404);
  });

  test('FIFO topics: name and attribute rules', async () => {
    const arn = (await t.sns.send(new CreateTopicCommand({ Name: 'orders.fifo', Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'true' } }))).TopicArn!;
    const attrs = (await t.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))).Attributes!;
    assert.equal(attrs.FifoTopic, 'true');
    assert.equal(attrs.ContentBasedDeduplication, 'true');
    assert.match((await code(t.sns.send(new CreateTopicCommand({ Name: 'nofifo', Attributes: { FifoTopic: 'true' } })))).message, /must end with \.fifo/);
    assert.equal((await code(t.sns.send(new CreateTopicCommand({ Name: 'x.fifo' })))).name, 'InvalidParameterException');
    assert.equal((await code(t.sns.send(new CreateTopicCommand({ Name: 'bad name' })))).name, 'InvalidParameterException');
    const std = (await t.sns.send(new CreateTopicCommand({ Name: 'std' }))).TopicArn!;
    assert.equal((await code(t.sns.send(new SetTopicAttributesCommand({ TopicArn: std, AttributeName: 'ContentBasedDeduplication', AttributeValue: 'true' })))).name, 'InvalidParameterException');
    assert.equal((await code(t.sns.send(new PublishCommand({ TopicArn: arn, Message: 'no group' })))).name, 'InvalidParameterException');
    assert.equal((await code(t.sns.send(new PublishCommand({ TopicArn: std, Message: 'x', MessageDeduplicationId: 'd' })))).name, 'InvalidParameterException');
    const q = await createQueue(t.sqs, 'fifo-q.fifo', { FifoQueue: 'true' });
    assert.match((await code(t.sns.send(new SubscribeCommand({ TopicArn: std, Protocol: 'sqs', Endpoint: q.arn })))).message, /FIFO SQS Queues can not be subscribed to standard SNS topics/);
    assert.equal((await code(t.sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'https', Endpoint: 'https://example.com' })))).name, 'InvalidParameterException');
  });

  test('tags', async () => {
    const arn = (await t.sns.send(new CreateTopicCommand({ Name: 'tagged', Tags: [{ Key: 'team', Value: 'blue' }] }))).TopicArn!;
    await t.sns.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'env', Value: 'dev' }] }));
    let tags = (await t.sns.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags!;
    assert.deepEqual(Object.fromEntries(tags.map((x) => [x.Key, x.Value])), { team: 'blue', env: 'dev' });
    await t.sns.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['team'] }));
    tags = (await t.sns.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags!;
    assert.deepEqual(tags.map((x) => x.Key), ['env']);
    const many = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    assert.equal((await code(t.sns.send(new TagResourceCommand({ ResourceArn: arn, Tags: many })))).name, 'TagLimitExceededException');
    const missing = await code(t.sns.send(new ListTagsForResourceCommand({ ResourceArn: 'arn:aws:sns:us-east-1:000000000000:nope' })));
    assert.equal(missing.name, 'ResourceNotFoundException');
    assert.equal(missing.status, 404);
  });

  test('subscriptions: subscribe, list, attributes, unsubscribe', async () => {
    const arn = (await t.sns.send(new CreateTopicCommand({ Name: 'subs' }))).TopicArn!;
    const q = await createQueue(t.sqs, 'subs-q');
    const sub = (await t.sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'sqs', Endpoint: q.arn, Attributes: { RawMessageDelivery: 'true' } }))).SubscriptionArn!;
    assert.match(sub, new RegExp(`^${arn}:[0-9a-f-]{36}$`));
    // Same endpoint again: the same subscription.
    assert.equal((await t.sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'sqs', Endpoint: q.arn }))).SubscriptionArn, sub);
    const http = await t.sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'http', Endpoint: 'http://127.0.0.1:9/none' }));
    assert.equal(http.SubscriptionArn, 'pending confirmation');
    const byTopic = (await t.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }))).Subscriptions!;
    assert.equal(byTopic.length, 2);
    assert.ok(byTopic.some((s) => s.SubscriptionArn === 'PendingConfirmation' && s.Protocol === 'http'));
    assert.ok((await t.sns.send(new ListSubscriptionsCommand({}))).Subscriptions!.some((s) => s.SubscriptionArn === sub));
    const attrs = (await t.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub }))).Attributes!;
    assert.equal(attrs.RawMessageDelivery, 'true');
    assert.equal(attrs.Protocol, 'sqs');
    assert.equal(attrs.Endpoint, q.arn);
    assert.equal(attrs.PendingConfirmation, 'false');
    const topicAttrs = (await t.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))).Attributes!;
    assert.equal(topicAttrs.SubscriptionsConfirmed, '1');
    assert.equal(topicAttrs.SubscriptionsPending, '1');
    await t.sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: sub, AttributeName: 'FilterPolicy', AttributeValue: '{"color":["red"]}' }));
    assert.equal((await t.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub }))).Attributes!.FilterPolicyScope, 'MessageAttributes');
    const badFilter = await code(t.sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: sub, AttributeName: 'FilterPolicy', AttributeValue: '{"a":[{"prefixx":"x"}]}' })));
    assert.equal(badFilter.name, 'InvalidParameterException');
    assert.match(badFilter.message, /FilterPolicy/);
    const tooMany = JSON.stringify(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`k${i}`, ['v']])));
    assert.match((await code(t.sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: sub, AttributeName: 'FilterPolicy', AttributeValue: tooMany })))).message, /more than 5 keys/);
    const complex = JSON.stringify({ a: Array.from({ length: 20 }, (_, i) => `a${i}`), b: Array.from({ length: 10 }, (_, i) => `b${i}`) });
    assert.match((await code(t.sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: sub, AttributeName: 'FilterPolicy', AttributeValue: complex })))).message, /too complex/);
    await t.sns.send(new UnsubscribeCommand({ SubscriptionArn: sub }));
    assert.equal((await code(t.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub })))).name, 'NotFoundException');
    assert.equal((await t.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))).Attributes!.SubscriptionsDeleted, '1');
  });

  test('errors: unsupported protocols, bad ARNs, other accounts, publish limits', async () => {
    const arn = (await t.sns.send(new CreateTopicCommand({ Name: 'errs' }))).TopicArn!;
    const sms = await code(t.sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'sms', Endpoint: '+15555550100' })));
    assert.equal(sms.name, 'InvalidParameterException');
    assert.match(sms.message, /not supported by Nimbus/);
    assert.match((await code(t.sns.send(new PublishCommand({ PhoneNumber: '+15555550100', Message: 'x' })))).message, /not supported by Nimbus/);
    assert.equal((await code(t.sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'carrier-pigeon', Endpoint: 'x' })))).name, 'InvalidParameterException');
    assert.equal((await code(t.sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'http', Endpoint: 'https://x' })))).name, 'InvalidParameterException');
    assert.equal((await code(t.sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'email', Endpoint: 'not-an-address' })))).name, 'InvalidParameterException');
    assert.equal((await code(t.sns.send(new GetTopicAttributesCommand({ TopicArn: 'not-an-arn' })))).name, 'InvalidParameterException');
    assert.equal((await code(t.sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:missing', Message: 'x' })))).name, 'NotFoundException');
    assert.equal((await code(t.sns.send(new PublishCommand({ TopicArn: arn, Message: '' })))).name, 'InvalidParameterException');
    assert.match((await code(t.sns.send(new PublishCommand({ TopicArn: arn, Message: 'x'.repeat(256 * 1024 + 1) })))).message, /too long/);
    assert.equal((await code(t.sns.send(new PublishCommand({ TopicArn: arn, Message: 'x', Subject: 'line\nbreak' })))).name, 'InvalidParameterException');
    assert.match((await code(t.sns.send(new PublishCommand({ TopicArn: arn, Message: '{"sqs":"x"}', MessageStructure: 'json' })))).message, /No default entry/);
    const badAttr = await code(t.sns.send(new PublishCommand({ TopicArn: arn, Message: 'x', MessageAttributes: { n: { DataType: 'Number', StringValue: 'abc' } } })));
    assert.equal(badAttr.name, 'InvalidParameterValueException');
    // A 12-digit access key id is another account: its callers may not touch this account's topic.
    const other = sdkClient(SNSClient, t.endpoint);
    other.config.credentials = async () => ({ accessKeyId: '111122223333', secretAccessKey: 'x' });
    const denied = await code(other.send(new PublishCommand({ TopicArn: arn, Message: 'x' })));
    other.destroy();
    assert.equal(denied.name, 'AuthorizationErrorException');
    assert.equal(denied.status, 403);
  });
});
