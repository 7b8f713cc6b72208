import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { type Fixture, fixture } from './test-support.ts';

let f: Fixture;
beforeEach(() => {
  f = fixture();
});
afterEach(() => f.close());

const redrive = (arn: string, n: number) => JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: n });

test('RedrivePolicy validation', () => {
  const e = f.engine;
  const dlq = e.createQueue(f.ref('dlq'));
  e.createQueue(f.ref('src'));
  assert.throws(() => e.setQueueAttributes(f.ref('src'), { RedrivePolicy: redrive('arn:aws:sqs:us-east-1:000000000000:missing', 2) }), { code: 'InvalidParameterValue' });
  assert.throws(() => e.setQueueAttributes(f.ref('src'), { RedrivePolicy: redrive(dlq.arn, 0) }), { code: 'InvalidAttributeValue' });
  assert.throws(() => e.setQueueAttributes(f.ref('src'), { RedrivePolicy: '{nope' }), { code: 'InvalidAttributeValue' });
  e.setQueueAttributes(f.ref('dlq'), { RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'denyAll' }) });
  assert.throws(() => e.setQueueAttributes(f.ref('src'), { RedrivePolicy: redrive(dlq.arn, 2) }), /RedriveAllowPolicy/);
  e.setQueueAttributes(f.ref('dlq'), { RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: ['arn:aws:sqs:us-east-1:000000000000:src'] }) });
  e.setQueueAttributes(f.ref('src'), { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: '3' }) });
  assert.equal(e.getQueueAttributes(f.ref('src')).RedrivePolicy, redrive(dlq.arn, 3));
  assert.deepEqual(e.listDeadLetterSourceQueues(f.ref('dlq')).map((q) => q.name), ['src']);
  e.setQueueAttributes(f.ref('src'), { RedrivePolicy: '' });
  assert.equal(e.getQueueAttributes(f.ref('src')).RedrivePolicy, undefined);
});

test('a message received more than maxReceiveCount times goes to the DLQ', async () => {
  const e = f.engine;
  const dlq = e.createQueue(f.ref('dlq'));
  const src = e.createQueue(f.ref('src'), { VisibilityTimeout: '5', RedrivePolicy: redrive(dlq.arn, 2) });
  const sent = await e.sendMessage(f.ref('src'), { body: 'poison', messageAttributes: { k: { DataType: 'String', StringValue: 'v' } } });
  for (let i = 1; i <= 2; i++) {
    const [m] = await e.receiveMessage(f.ref('src'), { attributeNames: ['ApproximateReceiveCount'] });
    assert.equal(m!.attributes.ApproximateReceiveCount, String(i));
    await f.advance(5000);
  }
  // Third receive: count would exceed 2 → moved, not delivered. A long poll on the DLQ is woken.
  const dlqPoll = e.receiveMessage(f.ref('dlq'), { waitTimeSeconds: 20, attributeNames: ['All'], messageAttributeNames: ['All'] });
  assert.deepEqual(await e.receiveMessage(f.ref('src')), []);
  const [d] = await dlqPoll;
  assert.equal(d!.messageId, sent.messageId);
  assert.equal(d!.body, 'poison');
  assert.equal(d!.md5OfMessageAttributes, sent.md5OfMessageAttributes);
  assert.equal(d!.attributes.DeadLetterQueueSourceArn, src.arn);
  assert.equal(e.getQueueAttributes(f.ref('src')).ApproximateNumberOfMessages, '0');
});

test('message move task: back to the sources, rate limited, listed, resumable; cancel', async () => {
  const e = f.engine;
  const dlq = e.createQueue(f.ref('dlq'));
  e.createQueue(f.ref('src'), { VisibilityTimeout: '1', RedrivePolicy: redrive(dlq.arn, 1) });
  await e.sendMessageBatch(f.ref('src'), Array.from({ length: 5 }, (_, i) => ({ id: `m${i}`, body: `m${i}` })));
  await e.receiveMessage(f.ref('src'), { maxNumberOfMessages: 10 });
  await f.advance(1000);
  assert.deepEqual(await e.receiveMessage(f.ref('src'), { maxNumberOfMessages: 10 }), []);
  assert.equal(e.getQueueAttributes(f.ref('dlq')).ApproximateNumberOfMessages, '5');

  assert.throws(() => e.startMessageMoveTask({ sourceArn: 'arn:aws:sqs:us-east-1:000000000000:nope' }), { code: 'ResourceNotFoundException' });
  assert.throws(() => e.startMessageMoveTask({ sourceArn: e.getQueue(f.ref('src')).arn }), { code: 'InvalidParameterValue' }, 'not a DLQ');
  const { taskHandle } = e.startMessageMoveTask({ sourceArn: dlq.arn, maxNumberOfMessagesPerSecond: 2 });
  assert.throws(() => e.startMessageMoveTask({ sourceArn: dlq.arn }), /already a task running/);
  await f.advance(0);
  let [t] = e.listMessageMoveTasks(dlq.arn);
  assert.equal(t!.status, 'RUNNING');
  assert.equal(t!.taskHandle, taskHandle);
  assert.equal(t!.approximateNumberOfMessagesMoved, 2);
  assert.equal(t!.approximateNumberOfMessagesToMove, 5);
  assert.equal(t!.maxNumberOfMessagesPerSecond, 2);

  // A restart mid-task resumes it.
  const e2 = f.reopen();
  await f.advance(0);
  await f.advance(1000);
  [t] = e2.listMessageMoveTasks(dlq.arn);
  assert.equal(t!.status, 'COMPLETED');
  assert.equal(t!.approximateNumberOfMessagesMoved, 5);
  assert.equal(t!.taskHandle, undefined);
  const back = await e2.receiveMessage(f.ref('src'), { maxNumberOfMessages: 10, attributeNames: ['All'] });
  assert.deepEqual(back.map((m) => m.body).sort(), ['m0', 'm1', 'm2', 'm3', 'm4']);
  assert.equal(back[0]!.attributes.ApproximateReceiveCount, '1', 'redriven messages start over');

  // Explicit destination + cancel.
  await f.advance(1000); // back into the DLQ (maxReceiveCount 1)
  await e2.receiveMessage(f.ref('src'), { maxNumberOfMessages: 10 });
  e2.createQueue(f.ref('elsewhere'));
  const { taskHandle: h2 } = e2.startMessageMoveTask({ sourceArn: dlq.arn, destinationArn: e2.getQueue(f.ref('elsewhere')).arn, maxNumberOfMessagesPerSecond: 1 });
  await f.advance(0);
  assert.deepEqual(e2.cancelMessageMoveTask(h2), { approximateNumberOfMessagesMoved: 1 });
  assert.throws(() => e2.cancelMessageMoveTask(h2), { code: 'ResourceNotFoundException' });
  await f.advance(5000);
  const tasks = e2.listMessageMoveTasks(dlq.arn, 10);
  assert.deepEqual(tasks.map((x) => x.status), ['CANCELLED', 'COMPLETED']);
  assert.equal(e2.getQueueAttributes(f.ref('elsewhere')).ApproximateNumberOfMessages, '1');
  assert.equal(e2.getQueueAttributes(f.ref('dlq')).ApproximateNumberOfMessages, '4');
});
