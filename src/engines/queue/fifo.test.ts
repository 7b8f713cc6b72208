import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { type Fixture, fixture } from './test-support.ts';

let f: Fixture;
beforeEach(() => {
  f = fixture();
});
afterEach(() => f.close());

const FIFO = { FifoQueue: 'true' };

test('FIFO queue creation rules and attributes', () => {
  const e = f.engine;
  assert.throws(() => e.createQueue(f.ref('jobs'), FIFO), { code: 'InvalidParameterValue' }, 'needs the .fifo suffix');
  assert.throws(() => e.createQueue(f.ref('jobs.fifo')), { code: 'InvalidParameterValue' }, 'needs FifoQueue=true');
  e.createQueue(f.ref('jobs.fifo'), FIFO);
  const a = e.getQueueAttributes(f.ref('jobs.fifo'));
  assert.equal(a.FifoQueue, 'true');
  assert.equal(a.ContentBasedDeduplication, 'false');
  assert.equal(a.DeduplicationScope, 'queue');
  assert.equal(a.FifoThroughputLimit, 'perQueue');
  assert.throws(() => e.setQueueAttributes(f.ref('jobs.fifo'), { FifoThroughputLimit: 'perMessageGroupId' }), { code: 'InvalidAttributeValue' });
  e.setQueueAttributes(f.ref('jobs.fifo'), { DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
  assert.throws(() => e.setQueueAttributes(f.ref('jobs.fifo'), { FifoQueue: 'false' }), { code: 'InvalidAttributeName' });
});

test('strict order per group, group blocked while a message is in flight', async () => {
  const e = f.engine;
  const ref = f.ref('q.fifo');
  e.createQueue(ref, { ...FIFO, ContentBasedDeduplication: 'true' });
  for (const [g, b] of [['A', 'a1'], ['B', 'b1'], ['A', 'a2'], ['A', 'a3'], ['B', 'b2']]) await e.sendMessage(ref, { body: b!, messageGroupId: g });

  const first = await e.receiveMessage(ref, { maxNumberOfMessages: 2, attributeNames: ['All'] });
  assert.deepEqual(first.map((m) => m.body), ['a1', 'a2'], 'messages of the same group, in order');
  assert.equal(first[0]!.attributes.MessageGroupId, 'A');
  assert.match(first[0]!.attributes.SequenceNumber!, /^\d{20}$/);
  assert.ok(BigInt(first[1]!.attributes.SequenceNumber!) > BigInt(first[0]!.attributes.SequenceNumber!));
  assert.equal(first[0]!.attributes.MessageDeduplicationId!.length, 64, 'content-based: SHA-256 of the body');

  // Group A is blocked (a1, a2 in flight): a3 must not come out; B is free.
  const second = await e.receiveMessage(ref, { maxNumberOfMessages: 10 });
  assert.deepEqual(second.map((m) => m.body), ['b1', 'b2']);
  assert.deepEqual(await e.receiveMessage(ref, { maxNumberOfMessages: 10 }), []);

  // Deleting only a1 keeps A blocked (a2 still in flight).
  await e.deleteMessage(ref, first[0]!.receiptHandle);
  assert.deepEqual(await e.receiveMessage(ref), []);
  // A long poll wakes when the group unblocks.
  const waiting = e.receiveMessage(ref, { waitTimeSeconds: 20, maxNumberOfMessages: 10 });
  await e.deleteMessage(ref, first[1]!.receiptHandle);
  assert.deepEqual((await waiting).map((m) => m.body), ['a3']);
});

test('visibility timeout expiry redelivers the same head message first', async () => {
  const e = f.engine;
  const ref = f.ref('q.fifo');
  e.createQueue(ref, { ...FIFO, VisibilityTimeout: '10' });
  await e.sendMessageBatch(ref, [1, 2, 3].map((i) => ({ id: `m${i}`, body: `m${i}`, messageGroupId: 'g', messageDeduplicationId: `d${i}` })));
  const [m1] = await e.receiveMessage(ref);
  assert.equal(m1!.body, 'm1');
  await f.advance(10_000);
  const again = await e.receiveMessage(ref, { maxNumberOfMessages: 3, attributeNames: ['ApproximateReceiveCount'] });
  assert.deepEqual(again.map((m) => m.body), ['m1', 'm2', 'm3']);
  assert.equal(again[0]!.attributes.ApproximateReceiveCount, '2');
  // FIFO: an expired or stale receipt handle cannot delete.
  await assert.rejects(e.deleteMessage(ref, m1!.receiptHandle), { code: 'ReceiptHandleIsInvalid' });
  const r = await e.deleteMessageBatch(ref, again.map((m, i) => ({ id: `${i}`, receiptHandle: m.receiptHandle })));
  assert.equal(r.successful.length, 3);
});

test('deduplication window: 5 minutes, original MessageId returned, scopes', async () => {
  const e = f.engine;
  const ref = f.ref('q.fifo');
  e.createQueue(ref, FIFO);
  await assert.rejects(e.sendMessage(ref, { body: 'x' }), { code: 'MissingParameter' });
  await assert.rejects(e.sendMessage(ref, { body: 'x', messageGroupId: 'g' }), { code: 'InvalidParameterValue' }, 'no dedup id and no content-based dedup');
  await assert.rejects(e.sendMessage(ref, { body: 'x', messageGroupId: 'g', messageDeduplicationId: 'd', delaySeconds: 5 }), { code: 'InvalidParameterValue' });

  const a = await e.sendMessage(ref, { body: 'first', messageGroupId: 'g', messageDeduplicationId: 'd1' });
  await f.advance(299_000);
  const b = await e.sendMessage(ref, { body: 'dup', messageGroupId: 'other', messageDeduplicationId: 'd1' });
  assert.equal(b.messageId, a.messageId);
  assert.equal(b.sequenceNumber, a.sequenceNumber);
  assert.equal(e.getQueueAttributes(ref).ApproximateNumberOfMessages, '1');
  await f.advance(1000);
  const c = await e.sendMessage(ref, { body: 'after window', messageGroupId: 'g', messageDeduplicationId: 'd1' });
  assert.notEqual(c.messageId, a.messageId);
  assert.equal(e.getQueueAttributes(ref).ApproximateNumberOfMessages, '2');

  // Scope messageGroup: the same id in another group is a different message.
  const ref2 = f.ref('g.fifo');
  e.createQueue(ref2, { ...FIFO, DeduplicationScope: 'messageGroup', ContentBasedDeduplication: 'true' });
  const x = await e.sendMessage(ref2, { body: 'same', messageGroupId: 'g1' });
  const y = await e.sendMessage(ref2, { body: 'same', messageGroupId: 'g2' });
  const z = await e.sendMessage(ref2, { body: 'same', messageGroupId: 'g1' });
  assert.notEqual(x.messageId, y.messageId);
  assert.equal(z.messageId, x.messageId);
});

test('dedup window and sequence numbers survive a restart', async () => {
  const e = f.engine;
  const ref = f.ref('q.fifo');
  e.createQueue(ref, FIFO);
  const a = await e.sendMessage(ref, { body: 'a', messageGroupId: 'g', messageDeduplicationId: 'd' });
  const [m] = await e.receiveMessage(ref);
  await e.deleteMessage(ref, m!.receiptHandle);
  const e2 = f.reopen();
  const dup = await e2.sendMessage(ref, { body: 'a', messageGroupId: 'g', messageDeduplicationId: 'd' });
  assert.equal(dup.messageId, a.messageId);
  const b = await e2.sendMessage(ref, { body: 'b', messageGroupId: 'g', messageDeduplicationId: 'e' });
  assert.ok(BigInt(b.sequenceNumber!) > BigInt(a.sequenceNumber!), 'sequence numbers keep increasing after deletes and restarts');
});
