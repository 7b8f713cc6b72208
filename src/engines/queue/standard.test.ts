import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { type Fixture, fixture, tick } from './test-support.ts';

let f: Fixture;
beforeEach(() => {
  f = fixture();
});
afterEach(() => f.close());

const ALL = { attributeNames: ['All'], messageAttributeNames: ['All'] };
const counts = (name: string) => {
  const a = f.engine.getQueueAttributes(f.ref(name), ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed']);
  return [Number(a.ApproximateNumberOfMessages), Number(a.ApproximateNumberOfMessagesNotVisible), Number(a.ApproximateNumberOfMessagesDelayed)];
};

test('create / get / list / attributes / delete', () => {
  const e = f.engine;
  const q = e.createQueue(f.ref('orders'), { VisibilityTimeout: '60' }, { team: 'a' });
  assert.equal(q.arn, 'arn:aws:sqs:us-east-1:000000000000:orders');
  assert.equal(e.createQueue(f.ref('orders'), { VisibilityTimeout: '60' }).arn, q.arn, 'same attributes: idempotent');
  assert.throws(() => e.createQueue(f.ref('orders'), { VisibilityTimeout: '61' }), { code: 'QueueAlreadyExists', shape: 'QueueNameExists' });
  e.createQueue(f.ref('other'));
  e.createQueue({ ...f.ref('elsewhere'), region: 'eu-west-1' });
  assert.deepEqual(e.listQueues('000000000000', 'us-east-1').queues.map((x) => x.name), ['orders', 'other']);
  assert.deepEqual(e.listQueues('000000000000', 'us-east-1', { prefix: 'ot' }).queues.map((x) => x.name), ['other']);
  const page = e.listQueues('000000000000', 'us-east-1', { maxResults: 1 });
  assert.deepEqual(page.queues.map((x) => x.name), ['orders']);
  assert.deepEqual(e.listQueues('000000000000', 'us-east-1', { maxResults: 1, nextToken: page.nextToken }).queues.map((x) => x.name), ['other']);

  const attrs = e.getQueueAttributes(f.ref('orders'));
  assert.equal(attrs.VisibilityTimeout, '60');
  assert.equal(attrs.DelaySeconds, '0');
  assert.equal(attrs.MessageRetentionPeriod, '345600');
  assert.equal(attrs.MaximumMessageSize, '262144');
  assert.equal(attrs.QueueArn, q.arn);
  assert.equal(attrs.CreatedTimestamp, String(Math.floor(f.clock.now() / 1000)));
  assert.equal(attrs.FifoQueue, undefined);
  f.clock.advance(5000);
  e.setQueueAttributes(f.ref('orders'), { DelaySeconds: '10' });
  assert.equal(e.getQueueAttributes(f.ref('orders'), ['DelaySeconds']).DelaySeconds, '10');
  assert.equal(e.getQueueAttributes(f.ref('orders'), ['LastModifiedTimestamp']).LastModifiedTimestamp, String(Math.floor(f.clock.now() / 1000)));
  assert.throws(() => e.setQueueAttributes(f.ref('orders'), { DelaySeconds: '901' }), { code: 'InvalidAttributeValue' });
  assert.throws(() => e.setQueueAttributes(f.ref('orders'), { VisibilityTimeout: '43201' }), { code: 'InvalidAttributeValue' });
  assert.throws(() => e.setQueueAttributes(f.ref('orders'), { MaximumMessageSize: '1023' }), { code: 'InvalidAttributeValue' });
  assert.throws(() => e.setQueueAttributes(f.ref('orders'), { MessageRetentionPeriod: '59' }), { code: 'InvalidAttributeValue' });
  assert.throws(() => e.setQueueAttributes(f.ref('orders'), { ReceiveMessageWaitTimeSeconds: '21' }), { code: 'InvalidAttributeValue' });
  assert.throws(() => e.setQueueAttributes(f.ref('orders'), { Bogus: '1' }), { code: 'InvalidAttributeName' });
  assert.throws(() => e.setQueueAttributes(f.ref('orders'), { ContentBasedDeduplication: 'true' }), { code: 'InvalidAttributeName' });
  assert.throws(() => e.getQueueAttributes(f.ref('orders'), ['Nope']), { code: 'InvalidAttributeName' });
  assert.throws(() => e.createQueue(f.ref('bad.name')), { code: 'InvalidParameterValue' });
  assert.throws(() => e.createQueue(f.ref('x'.repeat(81))), { code: 'InvalidParameterValue' });

  e.tagQueue(f.ref('orders'), { env: 'dev' });
  e.untagQueue(f.ref('orders'), ['team']);
  assert.deepEqual(e.listQueueTags(f.ref('orders')), { env: 'dev' });

  e.deleteQueue(f.ref('orders'));
  assert.throws(() => e.getQueue(f.ref('orders')), { code: 'AWS.SimpleQueueService.NonExistentQueue', shape: 'QueueDoesNotExist' });
  assert.rejects(e.sendMessage(f.ref('orders'), { body: 'x' }), { shape: 'QueueDoesNotExist' });
});

test('send / receive / delete with MD5s, system attributes and receipt handles', async () => {
  const e = f.engine;
  const ref = f.ref('q');
  e.createQueue(ref);
  const sent = await e.sendMessage(ref, {
    body: 'hello',
    messageAttributes: { n: { DataType: 'Number', StringValue: '1' }, s: { DataType: 'String', StringValue: 'x' } },
    messageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-abc' } },
  });
  assert.equal(sent.md5OfMessageBody, '5d41402abc4b2a76b9719d911017c592');
  assert.match(sent.messageId, /^[0-9a-f-]{36}$/);
  assert.ok(sent.md5OfMessageAttributes && sent.md5OfMessageSystemAttributes);
  assert.equal(sent.sequenceNumber, undefined);

  const [m] = await e.receiveMessage(ref, ALL);
  assert.ok(m);
  assert.equal(m.messageId, sent.messageId);
  assert.equal(m.body, 'hello');
  assert.equal(m.md5OfBody, sent.md5OfMessageBody);
  assert.equal(m.md5OfMessageAttributes, sent.md5OfMessageAttributes);
  assert.equal(m.attributes.ApproximateReceiveCount, '1');
  assert.equal(m.attributes.SentTimestamp, String(f.clock.now()));
  assert.equal(m.attributes.ApproximateFirstReceiveTimestamp, String(f.clock.now()));
  assert.equal(m.attributes.SenderId, '000000000000');
  assert.equal(m.attributes.AWSTraceHeader, 'Root=1-abc');

  // Attribute selection: only what was asked, with the MD5 of exactly those.
  await e.changeMessageVisibility(ref, m.receiptHandle, 0);
  const [again] = await e.receiveMessage(ref, { messageAttributeNames: ['s'], attributeNames: ['ApproximateReceiveCount'] });
  assert.deepEqual(Object.keys(again!.messageAttributes!), ['s']);
  assert.notEqual(again!.md5OfMessageAttributes, sent.md5OfMessageAttributes);
  assert.deepEqual(again!.attributes, { ApproximateReceiveCount: '2' });
  assert.notEqual(again!.receiptHandle, m.receiptHandle, 'new receipt handle per receive');
  const [none] = await (await e.changeMessageVisibility(ref, again!.receiptHandle, 0), e.receiveMessage(ref));
  assert.equal(none!.messageAttributes, undefined);
  assert.deepEqual(none!.attributes, {});

  await e.deleteMessage(ref, none!.receiptHandle);
  assert.deepEqual(counts('q'), [0, 0, 0]);
  await e.deleteMessage(ref, none!.receiptHandle); // already deleted: succeeds
  await assert.rejects(e.deleteMessage(ref, 'garbage'), { code: 'ReceiptHandleIsInvalid', status: 404 });
});

test('visibility timeout hides a received message and brings it back; receive counts grow', async () => {
  const e = f.engine;
  const ref = f.ref('q');
  e.createQueue(ref, { VisibilityTimeout: '30' });
  await e.sendMessage(ref, { body: 'a' });
  const [m1] = await e.receiveMessage(ref, ALL);
  assert.deepEqual(counts('q'), [0, 1, 0]);
  assert.deepEqual(await e.receiveMessage(ref), []);
  await f.advance(29_999);
  assert.deepEqual(await e.receiveMessage(ref), []);
  await f.advance(1);
  const [m2] = await e.receiveMessage(ref, { ...ALL, visibilityTimeout: 5 });
  assert.equal(m2!.attributes.ApproximateReceiveCount, '2');
  assert.equal(m2!.attributes.ApproximateFirstReceiveTimestamp, m1!.attributes.ApproximateFirstReceiveTimestamp);
  await f.advance(5000);
  assert.deepEqual(counts('q'), [1, 0, 0]);

  // Standard queue: a stale handle "succeeds" but does not delete; the current one does.
  const [m3] = await e.receiveMessage(ref);
  await e.deleteMessage(ref, m1!.receiptHandle);
  assert.deepEqual(counts('q'), [0, 1, 0]);
  await e.deleteMessage(ref, m3!.receiptHandle);
  assert.deepEqual(counts('q'), [0, 0, 0]);
});

test('change visibility: extend, make visible, not in flight, stale handle, 12 h limit', async () => {
  const e = f.engine;
  const ref = f.ref('q');
  e.createQueue(ref);
  await e.sendMessage(ref, { body: 'a' });
  const [m] = await e.receiveMessage(ref);
  await e.changeMessageVisibility(ref, m!.receiptHandle, 100);
  await f.advance(99_000);
  assert.deepEqual(await e.receiveMessage(ref), []);
  await f.advance(1000);
  assert.deepEqual(counts('q'), [1, 0, 0]);
  await assert.rejects(e.changeMessageVisibility(ref, m!.receiptHandle, 10), { code: 'AWS.SimpleQueueService.MessageNotInflight' });
  const [m2] = await e.receiveMessage(ref);
  await assert.rejects(e.changeMessageVisibility(ref, m!.receiptHandle, 10), { code: 'InvalidParameterValue' }); // stale handle
  await assert.rejects(e.changeMessageVisibility(ref, m2!.receiptHandle, 43201), { code: 'InvalidParameterValue' });
  await f.advance(20_000);
  await assert.rejects(e.changeMessageVisibility(ref, m2!.receiptHandle, 43200), /beyond the limit/);
  await e.changeMessageVisibility(ref, m2!.receiptHandle, 0);
  assert.deepEqual(counts('q'), [1, 0, 0]);

  const r = await e.changeMessageVisibilityBatch(ref, [
    { id: 'a', receiptHandle: m2!.receiptHandle, visibilityTimeout: 10 },
    { id: 'b', receiptHandle: 'nope', visibilityTimeout: 10 },
  ]);
  assert.deepEqual(r.successful, []);
  assert.deepEqual(r.failed.map((x) => [x.id, x.code]), [['a', 'AWS.SimpleQueueService.MessageNotInflight'], ['b', 'ReceiptHandleIsInvalid']]);
});

test('queue and per-message delays', async () => {
  const e = f.engine;
  const ref = f.ref('q');
  e.createQueue(ref, { DelaySeconds: '10' });
  await e.sendMessage(ref, { body: 'queue-delay' });
  await e.sendMessage(ref, { body: 'no-delay', delaySeconds: 0 });
  await e.sendMessage(ref, { body: 'long', delaySeconds: 60 });
  await assert.rejects(e.sendMessage(ref, { body: 'x', delaySeconds: 901 }), { code: 'InvalidParameterValue' });
  assert.deepEqual(counts('q'), [1, 0, 2]);
  assert.deepEqual((await e.receiveMessage(ref, { maxNumberOfMessages: 10, visibilityTimeout: 600 })).map((m) => m.body), ['no-delay']);
  await f.advance(10_000);
  assert.deepEqual((await e.receiveMessage(ref, { maxNumberOfMessages: 10, visibilityTimeout: 600 })).map((m) => m.body), ['queue-delay']);
  await f.advance(50_000);
  assert.deepEqual((await e.receiveMessage(ref, { maxNumberOfMessages: 10 })).map((m) => m.body), ['long']);
});

test('retention: old messages disappear, in flight or not', async () => {
  const e = f.engine;
  const ref = f.ref('q');
  e.createQueue(ref, { MessageRetentionPeriod: '60' });
  await e.sendMessage(ref, { body: 'old' });
  await e.receiveMessage(ref, { visibilityTimeout: 600 });
  await f.advance(30_000);
  await e.sendMessage(ref, { body: 'newer' });
  await f.advance(30_000);
  assert.deepEqual(counts('q'), [1, 0, 0]);
  assert.deepEqual((await e.receiveMessage(ref, { maxNumberOfMessages: 10, visibilityTimeout: 0 })).map((m) => m.body), ['newer']);
  await f.advance(30_000);
  assert.deepEqual(await e.receiveMessage(ref, { maxNumberOfMessages: 10 }), []);
  assert.deepEqual(counts('q'), [0, 0, 0]);
});

test('long poll: waits, wakes on send, on visibility timeout, times out empty', async () => {
  const e = f.engine;
  const ref = f.ref('q');
  e.createQueue(ref);
  let result: string[] | undefined;
  const p = e.receiveMessage(ref, { waitTimeSeconds: 20 }).then((ms) => (result = ms.map((m) => m.body)));
  await tick();
  assert.equal(result, undefined);
  await f.advance(5000);
  assert.equal(result, undefined);
  await e.sendMessage(ref, { body: 'wake' });
  await p;
  assert.deepEqual(result, ['wake']);
  assert.equal(f.clock.now() - Date.UTC(2026, 0, 1), 5000, 'answered without waiting out the 20 s');

  // Wake when an in-flight message becomes visible again (timer on the injected clock).
  const p2 = e.receiveMessage(ref, { waitTimeSeconds: 20, attributeNames: ['ApproximateReceiveCount'] });
  await f.advance(29_000); // visibility timeout is 30 s; the poll times out at 20 s first
  assert.deepEqual(await p2, []);
  const p3 = e.receiveMessage(ref, { waitTimeSeconds: 20, attributeNames: ['ApproximateReceiveCount'] });
  await f.advance(1000);
  const [again] = await p3;
  assert.equal(again!.attributes.ApproximateReceiveCount, '2');

  // Queue default wait time applies; abort resolves empty.
  e.setQueueAttributes(ref, { ReceiveMessageWaitTimeSeconds: '20' });
  const ac = new AbortController();
  const p4 = e.receiveMessage(ref, { signal: ac.signal });
  ac.abort();
  assert.deepEqual(await p4, []);
  assert.equal(f.sched.pending, 1, 'only the housekeeping timer is left');
});

test('long poll wakes on a delayed message and several waiters are served in order', async () => {
  const e = f.engine;
  const ref = f.ref('q');
  e.createQueue(ref);
  const a = e.receiveMessage(ref, { waitTimeSeconds: 20 });
  const b = e.receiveMessage(ref, { waitTimeSeconds: 20 });
  await e.sendMessage(ref, { body: 'later', delaySeconds: 3 });
  await e.sendMessage(ref, { body: 'now' });
  assert.deepEqual((await a).map((m) => m.body), ['now']);
  await f.advance(3000);
  assert.deepEqual((await b).map((m) => m.body), ['later']);
});

test('batches: send / delete, partial failures, batch errors', async () => {
  const e = f.engine;
  const ref = f.ref('q');
  e.createQueue(ref, { MaximumMessageSize: '1024' });
  const r = await e.sendMessageBatch(ref, [
    { id: 'ok1', body: 'one' },
    { id: 'big', body: 'x'.repeat(1025) },
    { id: 'ok2', body: 'two', messageAttributes: { a: { DataType: 'String', StringValue: 'v' } } },
    { id: 'bad', body: 'bad\u0000char' },
  ]);
  assert.deepEqual(r.successful.map((s) => s.id), ['ok1', 'ok2']);
  assert.deepEqual(r.failed.map((x) => [x.id, x.code]), [['big', 'InvalidParameterValue'], ['bad', 'InvalidMessageContents']]);
  await assert.rejects(e.sendMessageBatch(ref, []), { code: 'AWS.SimpleQueueService.EmptyBatchRequest' });
  await assert.rejects(e.sendMessageBatch(ref, Array.from({ length: 11 }, (_, i) => ({ id: `m${i}`, body: 'x' }))), { code: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest' });
  await assert.rejects(e.sendMessageBatch(ref, [{ id: 'a', body: 'x' }, { id: 'a', body: 'y' }]), { code: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct' });
  await assert.rejects(e.sendMessageBatch(ref, [{ id: 'a b', body: 'x' }]), { code: 'AWS.SimpleQueueService.InvalidBatchEntryId' });

  const got = await e.receiveMessage(ref, { maxNumberOfMessages: 10 });
  assert.equal(got.length, 2);
  const d = await e.deleteMessageBatch(ref, [...got.map((m, i) => ({ id: `d${i}`, receiptHandle: m.receiptHandle })), { id: 'x', receiptHandle: 'zz' }]);
  assert.deepEqual(d.successful.map((s) => s.id), ['d0', 'd1']);
  assert.deepEqual(d.failed.map((x) => x.code), ['ReceiptHandleIsInvalid']);
  assert.deepEqual(counts('q'), [0, 0, 0]);
});

test('message validation', async () => {
  const e = f.engine;
  const ref = f.ref('q');
  e.createQueue(ref);
  await assert.rejects(e.sendMessage(ref, { body: '' }), { code: 'MissingParameter' });
  await assert.rejects(e.sendMessage(ref, { body: 'a\uD800b' }), { code: 'InvalidMessageContents' });
  await assert.rejects(e.sendMessage(ref, { body: 'a', messageAttributes: { 'AWS.x': { DataType: 'String', StringValue: 'v' } } }), { code: 'InvalidParameterValue' });
  await assert.rejects(e.sendMessage(ref, { body: 'a', messageAttributes: { n: { DataType: 'Number', StringValue: 'abc' } } }), { code: 'InvalidParameterValue' });
  await assert.rejects(e.sendMessage(ref, { body: 'a', messageAttributes: { n: { DataType: 'Blob', StringValue: 'abc' } } }), { code: 'InvalidParameterValue' });
  await assert.rejects(e.sendMessage(ref, { body: 'a', messageAttributes: { n: { DataType: 'Binary', StringValue: 'abc' } } }), { code: 'InvalidParameterValue' });
  await assert.rejects(e.sendMessage(ref, { body: 'a', messageDeduplicationId: 'd' }), { code: 'InvalidParameterValue' });
  await assert.rejects(e.sendMessage(ref, { body: 'x'.repeat(262_000), messageAttributes: { big: { DataType: 'String', StringValue: 'y'.repeat(1000) } } }), { code: 'InvalidParameterValue' });
  await assert.rejects(e.receiveMessage(ref, { maxNumberOfMessages: 11 }), { code: 'InvalidParameterValue' });
  await assert.rejects(e.receiveMessage(ref, { waitTimeSeconds: 21 }), { code: 'InvalidParameterValue' });
  const many = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]));
  await assert.rejects(e.sendMessage(ref, { body: 'a', messageAttributes: many }), { code: 'InvalidParameterValue' });
  const ok = await e.sendMessage(ref, { body: 'a', messageAttributes: { b: { DataType: 'Binary.custom', BinaryValue: Buffer.from([1, 2]) }, n: { DataType: 'Number', StringValue: '-1.5e10' } } });
  assert.ok(ok.md5OfMessageAttributes);
});

test('purge: removes everything, once per 60 s', async () => {
  const e = f.engine;
  const ref = f.ref('q');
  e.createQueue(ref);
  await e.sendMessageBatch(ref, [{ id: 'a', body: 'a' }, { id: 'b', body: 'b' }, { id: 'c', body: 'c', delaySeconds: 30 }]);
  const [m] = await e.receiveMessage(ref);
  e.purgeQueue(ref);
  assert.deepEqual(counts('q'), [0, 0, 0]);
  await e.deleteMessage(ref, m!.receiptHandle); // gone: succeeds
  assert.throws(() => e.purgeQueue(ref), { code: 'AWS.SimpleQueueService.PurgeQueueInProgress', status: 403 });
  await f.advance(60_000);
  e.purgeQueue(ref);
});
