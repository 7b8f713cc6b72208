import { CreateTopicCommand, PublishBatchCommand, PublishCommand, SetSubscriptionAttributesCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createQueue, receiveAll, startSnsTest, verifySignature, type SnsTest } from './support.ts';

describe('SNS → SQS delivery', () => {
  let t: SnsTest;
  before(async () => {
    t = await startSnsTest();
  });
  after(async () => {
    await t?.close();
  });

  async function topicWith(name: string, subs: { queue: string; attrs?: Record<string, string>; queueAttrs?: Record<string, string> }[], topicAttrs: Record<string, string> = {}) {
    const topic = (await t.sns.send(new CreateTopicCommand({ Name: name, Attributes: topicAttrs }))).TopicArn!;
    const queues = [];
    for (const s of subs) {
      const q = await createQueue(t.sqs, s.queue, s.queueAttrs);
      const sub = (await t.sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: q.arn, Attributes: s.attrs }))).SubscriptionArn!;
      queues.push({ ...q, sub });
    }
    return { topic, queues };
  }

  test('enveloped delivery carries a verifiable signature (v1 and v2); raw delivery maps attributes', async () => {
    const { topic, queues: [env, raw] } = await topicWith('deliver', [{ queue: 'env' }, { queue: 'raw', attrs: { RawMessageDelivery: 'true' } }]);
    const attrs = { color: { DataType: 'String', StringValue: 'red' }, size: { DataType: 'Number', StringValue: '42' }, blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) } };
    const pub = await t.sns.send(new PublishCommand({ TopicArn: topic, Message: 'hello "world"\nline 2', Subject: 'Greetings', MessageAttributes: attrs }));
    const [m] = await receiveAll(t.sqs, env.url, 1);
    const n = JSON.parse(m.Body!);
    assert.equal(n.Type, 'Notification');
    assert.equal(n.MessageId, pub.MessageId);
    assert.equal(n.TopicArn, topic);
    assert.equal(n.Subject, 'Greetings');
    assert.equal(n.Message, 'hello "world"\nline 2');
    assert.equal(n.SignatureVersion, '1');
    assert.match(n.UnsubscribeURL, new RegExp(`SubscriptionArn=${encodeURIComponent(env.sub)}`));
    assert.deepEqual(n.MessageAttributes.color, { Type: 'String', Value: 'red' });
    assert.deepEqual(n.MessageAttributes.blob, { Type: 'Binary', Value: Buffer.from([1, 2, 3]).toString('base64') });
    assert.equal(await verifySignature(n), true);
    assert.equal(await verifySignature({ ...n, Message: 'tampered' }), false);

    const [r] = await receiveAll(t.sqs, raw.url, 1);
    assert.equal(r.Body, 'hello "world"\nline 2');
    assert.equal(r.MessageAttributes!.color.StringValue, 'red');
    assert.equal(r.MessageAttributes!.size.DataType, 'Number');
    assert.deepEqual(Buffer.from(r.MessageAttributes!.blob.BinaryValue!), Buffer.from([1, 2, 3]));

    // SignatureVersion 2 (SHA256withRSA).
    const v2 = await topicWith('deliver-v2', [{ queue: 'env-v2' }], { SignatureVersion: '2' });
    await t.sns.send(new PublishCommand({ TopicArn: v2.topic, Message: 'signed with sha256' }));
    const [m2] = await receiveAll(t.sqs, v2.queues[0].url, 1);
    const n2 = JSON.parse(m2.Body!);
    assert.equal(n2.SignatureVersion, '2');
    assert.equal(await verifySignature(n2), true);
  });

  test('FIFO topic → FIFO queue keeps order per group and deduplicates', async () => {
    const { topic, queues: [q] } = await topicWith('orders.fifo', [{ queue: 'orders.fifo', queueAttrs: { FifoQueue: 'true' }, attrs: { RawMessageDelivery: 'true' } }], { FifoTopic: 'true' });
    const seqs: bigint[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await t.sns.send(new PublishCommand({ TopicArn: topic, Message: `m${i}`, MessageGroupId: i % 2 ? 'odd' : 'even', MessageDeduplicationId: `d${i}` }));
      seqs.push(BigInt(r.SequenceNumber!));
    }
    assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), 'sequence numbers increase');
    // A repeated deduplication id within 5 minutes: accepted, same answer, not delivered again.
    const again = await t.sns.send(new PublishCommand({ TopicArn: topic, Message: 'dup', MessageGroupId: 'even', MessageDeduplicationId: 'd0' }));
    assert.equal(BigInt(again.SequenceNumber!), seqs[0]);
    const got = await receiveAll(t.sqs, q.url, 20);
    assert.equal(got.length, 20);
    const even = got.filter((m) => m.Attributes!.MessageGroupId === 'even').map((m) => m.Body);
    const odd = got.filter((m) => m.Attributes!.MessageGroupId === 'odd').map((m) => m.Body);
    assert.deepEqual(even, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18].map((i) => `m${i}`));
    assert.deepEqual(odd, [1, 3, 5, 7, 9, 11, 13, 15, 17, 19].map((i) => `m${i}`));
    assert.equal((await receiveAll(t.sqs, q.url, 1, { timeoutMs: 1500 })).length, 0, 'the duplicate was not delivered');
  });

  test('filter policies on message attributes', async () => {
    const policy = {
      color: ['red', { prefix: 'bl' }, { 'equals-ignore-case': 'GREEN' }],
      price: [{ numeric: ['>=', 100, '<', 200] }],
      store: [{ exists: true }],
      region: [{ 'anything-but': ['eu-west-1'] }],
    };
    const { topic, queues: [q] } = await topicWith('filtered', [{ queue: 'filtered', attrs: { RawMessageDelivery: 'true', FilterPolicy: JSON.stringify(policy) } }]);
    const s = (v: string) => ({ DataType: 'String', StringValue: v });
    const n = (v: string) => ({ DataType: 'Number', StringValue: v });
    const cases: [string, Record<string, { DataType: string; StringValue: string }>, boolean][] = [
      ['match-red', { color: s('red'), price: n('150'), store: s('x'), region: s('us-east-1') }, true],
      ['match-blue', { color: s('blue'), price: n('100'), store: s('x'), region: s('us-east-1') }, true],
      ['match-green', { color: s('Green'), price: n('199.5'), store: s('x'), region: s('ap-south-1') }, true],
      ['no-color', { color: s('yellow'), price: n('150'), store: s('x'), region: s('us-east-1') }, false],
      ['no-price', { color: s('red'), price: n('200'), store: s('x'), region: s('us-east-1') }, false],
      ['no-store', { color: s('red'), price: n('150'), region: s('us-east-1') }, false],
      ['excluded-region', { color: s('red'), price: n('150'), store: s('x'), region: s('eu-west-1') }, false],
      ['price-as-string', { color: s('red'), price: s('150'), store: s('x'), region: s('us-east-1') }, false],
    ];
    for (const [msg, attrs] of cases) await t.sns.send(new PublishCommand({ TopicArn: topic, Message: msg, MessageAttributes: attrs }));
    const want = cases.filter((c) => c[2]).map((c) => c[0]).sort();
    const got = await receiveAll(t.sqs, q.url, want.length);
    assert.deepEqual(got.map((m) => m.Body).sort(), want);
    assert.equal((await receiveAll(t.sqs, q.url, 1, { timeoutMs: 1500 })).length, 0);

    // $or and String.Array.
    await t.sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: (await topicSub(topic)), AttributeName: 'FilterPolicy',
      AttributeValue: JSON.stringify({ $or: [{ tags: ['urgent'] }, { level: [{ numeric: ['>', 3] }] }] }) }));
    await t.sns.send(new PublishCommand({ TopicArn: topic, Message: 'array', MessageAttributes: { tags: { DataType: 'String.Array', StringValue: '["a","urgent"]' } } }));
    await t.sns.send(new PublishCommand({ TopicArn: topic, Message: 'level', MessageAttributes: { level: n('5') } }));
    await t.sns.send(new PublishCommand({ TopicArn: topic, Message: 'neither', MessageAttributes: { level: n('1') } }));
    assert.deepEqual((await receiveAll(t.sqs, q.url, 2)).map((m) => m.Body).sort(), ['array', 'level']);
  });

  async function topicSub(topic: string): Promise<string> {
    const { ListSubscriptionsByTopicCommand } = await import('@aws-sdk/client-sns');
    return (await t.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic }))).Subscriptions![0].SubscriptionArn!;
  }

  test('filter policies on the message body (nested keys)', async () => {
    const policy = { order: { status: ['paid'], total: [{ numeric: ['>', 10] }], customer: { tier: [{ 'anything-but': 'free' }] } } };
    const { topic, queues: [q] } = await topicWith('body-filtered', [{ queue: 'body-filtered', attrs: { RawMessageDelivery: 'true', FilterPolicyScope: 'MessageBody', FilterPolicy: JSON.stringify(policy) } }]);
    const bodies = [
      { order: { status: 'paid', total: 25, customer: { tier: 'gold' } } },
      { order: { status: 'paid', total: 5, customer: { tier: 'gold' } } },
      { order: { status: 'open', total: 25, customer: { tier: 'gold' } } },
      { order: { status: 'paid', total: 25, customer: { tier: 'free' } } },
      { order: { status: ['new', 'paid'], total: 11, customer: { tier: 'silver' } } },
    ];
    for (const b of bodies) await t.sns.send(new PublishCommand({ TopicArn: topic, Message: JSON.stringify(b) }));
    await t.sns.send(new PublishCommand({ TopicArn: topic, Message: 'not json' }));
    const got = (await receiveAll(t.sqs, q.url, 2)).map((m) => JSON.parse(m.Body!).order.total).sort();
    assert.deepEqual(got, [11, 25]);
    assert.equal((await receiveAll(t.sqs, q.url, 1, { timeoutMs: 1500 })).length, 0);
  });

  test('MessageStructure json picks the sqs entry; PublishBatch reports per entry', async () => {
    const { topic, queues: [q] } = await topicWith('structured', [{ queue: 'structured', attrs: { RawMessageDelivery: 'true' } }]);
    await t.sns.send(new PublishCommand({ TopicArn: topic, MessageStructure: 'json', Message: JSON.stringify({ default: 'for everyone', sqs: 'for queues' }) }));
    assert.deepEqual((await receiveAll(t.sqs, q.url, 1)).map((m) => m.Body), ['for queues']);
    const r = await t.sns.send(new PublishBatchCommand({ TopicArn: topic, PublishBatchRequestEntries: [
      { Id: 'a', Message: 'one' }, { Id: 'b', Message: '' }, { Id: 'c', Message: 'three' },
    ] }));
    assert.deepEqual(r.Successful!.map((s) => s.Id), ['a', 'c']);
    assert.equal(r.Failed![0].Id, 'b');
    assert.equal(r.Failed![0].Code, 'InvalidParameter');
    assert.equal(r.Failed![0].SenderFault, true);
    assert.deepEqual((await receiveAll(t.sqs, q.url, 2)).map((m) => m.Body).sort(), ['one', 'three']);
    await assert.rejects(t.sns.send(new PublishBatchCommand({ TopicArn: topic, PublishBatchRequestEntries: [{ Id: 'x', Message: '1' }, { Id: 'x', Message: '2' }] })), { name: 'BatchEntryIdsNotDistinctException' });
    await assert.rejects(t.sns.send(new PublishBatchCommand({ TopicArn: topic, PublishBatchRequestEntries: Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, Message: 'm' })) })), { name: 'TooManyEntriesInBatchRequestException' });
  });

  test('a delivery that cannot be made (queue deleted) goes to the subscription\'s dead-letter queue', async () => {
    const { topic, queues: [q] } = await topicWith('to-dlq', [{ queue: 'doomed' }]);
    const dlq = await createQueue(t.sqs, 'sns-dlq');
    await t.sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: q.sub, AttributeName: 'RedrivePolicy', AttributeValue: JSON.stringify({ deadLetterTargetArn: dlq.arn }) }));
    await t.sqs.send(new DeleteQueueCommand({ QueueUrl: q.url }));
    const pub = await t.sns.send(new PublishCommand({ TopicArn: topic, Message: 'nobody home' }));
    const [m] = await receiveAll(t.sqs, dlq.url, 1);
    assert.equal(JSON.parse(m.Body!).MessageId, pub.MessageId);
    assert.ok(m.MessageAttributes!.ErrorCode.StringValue);
    assert.match(m.MessageAttributes!.ErrorMessage.StringValue!, /queue/i);
  });
});
