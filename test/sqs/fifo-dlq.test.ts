import {
  CancelMessageMoveTaskCommand, CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../support/nimbus.ts';
import { rejection, startSqs, type SqsTest } from './support.ts';

describe('SQS FIFO queues and dead-letter redrive through @aws-sdk/client-sqs', () => {
  let s: SqsTest;
  before(async () => {
    s = await startSqs();
  });
  after(async () => {
    await s?.close();
  });
  const create = async (QueueName: string, Attributes?: Record<string, string>) => (await s.sqs.send(new CreateQueueCommand({ QueueName, Attributes }))).QueueUrl!;
  const arnOf = async (QueueUrl: string) => (await s.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;

  test('FIFO: order per group, one in-flight batch per group, deduplication, sequence numbers', async () => {
    const { sqs } = s;
    const QueueUrl = await create('jobs.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    assert.equal((await rejection(sqs.send(new CreateQueueCommand({ QueueName: 'nofifo', Attributes: { FifoQueue: 'true' } })))).name, 'InvalidParameterValue');

    const seqs: string[] = [];
    for (const [g, body] of [['a', 'a1'], ['b', 'b1'], ['a', 'a2'], ['b', 'b2'], ['a', 'a3']]) {
      const r = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageGroupId: g }));
      assert.match(r.SequenceNumber!, /^\d{20}$/);
      seqs.push(r.SequenceNumber!);
    }
    assert.deepEqual([...seqs].sort(), seqs, 'sequence numbers increase');
    // Same content within 5 minutes: accepted, not enqueued again, same MessageId.
    const first = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'dup', MessageGroupId: 'c', MessageDeduplicationId: 'd-1' }));
    const second = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'dup', MessageGroupId: 'c', MessageDeduplicationId: 'd-1' }));
    assert.equal(second.MessageId, first.MessageId);
    assert.equal((await rejection(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })))).name, 'MissingParameter');

    const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }))).Messages!;
    const byGroup = (g: string) => got.filter((m) => m.Attributes!.MessageGroupId === g).map((m) => m.Body);
    assert.deepEqual(byGroup('a'), ['a1', 'a2', 'a3']);
    assert.deepEqual(byGroup('b'), ['b1', 'b2']);
    assert.deepEqual(byGroup('c'), ['dup']);
    assert.ok(got.every((m) => /^\d{20}$/.test(m.Attributes!.SequenceNumber!)));
    // Every group is in flight: nothing more until they are deleted.
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'a4', MessageGroupId: 'a' }));
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages, undefined);
    for (const m of got.filter((x) => x.Attributes!.MessageGroupId === 'a')) await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
    const next = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages!;
    assert.deepEqual(next.map((m) => m.Body), ['a4']);

    const batch = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: '1', MessageBody: 'x1', MessageGroupId: 'z' }, { Id: '2', MessageBody: 'x2' }] }));
    assert.deepEqual(batch.Successful!.map((e) => e.Id), ['1']);
    assert.equal(batch.Failed![0]!.Code, 'MissingParameter');
  });

  test('dead-letter queue after maxReceiveCount, then a move task redrives the messages back', async () => {
    const { sqs } = s;
    const dlqUrl = await create('work-dlq');
    const dlqArn = await arnOf(dlqUrl);
    const srcUrl = await create('work', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) });
    const srcArn = await arnOf(srcUrl);
    const bad = await rejection(sqs.send(new CreateQueueCommand({ QueueName: 'w2', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:nope', maxReceiveCount: 1 }) } })));
    assert.equal(bad.name, 'InvalidParameterValue');
    assert.deepEqual((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }))).queueUrls, [srcUrl]);

    for (let i = 0; i < 3; i++) await sqs.send(new SendMessageCommand({ QueueUrl: srcUrl, MessageBody: `poison${i}` }));
    // Received once and never deleted (visibility 0): the next receive moves them to the DLQ instead.
    let received = 0;
    while (received < 3) received += (await sqs.send(new ReceiveMessageCommand({ QueueUrl: srcUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }))).Messages?.length ?? 0;
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: srcUrl, MaxNumberOfMessages: 10 }))).Messages, undefined);
    const dlqCount = async () => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes!.ApproximateNumberOfMessages;
    assert.equal(await dlqCount(), '3');

    const notDlq = await rejection(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: srcArn })));
    assert.equal(notDlq.name, 'InvalidParameterValue');
    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, MaxNumberOfMessagesPerSecond: 100 }));
    assert.ok(TaskHandle);
    const done = await eventually(async () => {
      const r = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results![0]!;
      return r.Status === 'COMPLETED' && r;
    }, 'the move task to complete');
    assert.equal(done.ApproximateNumberOfMessagesMoved, 3);
    assert.equal(done.SourceArn, dlqArn);
    assert.equal(await dlqCount(), '0');
    const back = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: srcUrl, MaxNumberOfMessages: 10 }))).Messages!;
    assert.deepEqual(back.map((m) => m.Body).sort(), ['poison0', 'poison1', 'poison2']);
    const cancel = await rejection(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle })));
    assert.equal(cancel.name, 'ResourceNotFoundException');
    assert.equal(cancel.$metadata?.httpStatusCode, 404);
  });

  test('a running move task can be cancelled', async () => {
    const { sqs } = s;
    const dlqUrl = await create('slow-dlq');
    const dlqArn = await arnOf(dlqUrl);
    const srcUrl = await create('slow', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) });
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: srcUrl, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `m${i}` })) }));
    let received = 0;
    while (received < 10) received += (await sqs.send(new ReceiveMessageCommand({ QueueUrl: srcUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }))).Messages?.length ?? 0;
    await eventually(async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: srcUrl, MaxNumberOfMessages: 10 }))).Messages === undefined && (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes!.ApproximateNumberOfMessages === '10', 'all ten in the DLQ');
    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: await arnOf(srcUrl), MaxNumberOfMessagesPerSecond: 1 }));
    const r = await sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle }));
    assert.ok(r.ApproximateNumberOfMessagesMoved! < 10);
    const listed = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results![0]!;
    assert.match(listed.Status!, /^CANCELL(ING|ED)$/);
  });
});

