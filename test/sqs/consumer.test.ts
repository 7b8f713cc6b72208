import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Consumer } from 'sqs-consumer';
import { eventually } from '../support/nimbus.ts';
import { startSqs, type SqsTest } from './support.ts';

describe('sqs-consumer processing messages end to end', () => {
  let s: SqsTest;
  before(async () => {
    s = await startSqs();
  });
  after(async () => {
    await s?.close();
  });

  test('successes are deleted; failures come back after their visibility timeout and succeed on retry', async () => {
    const { sqs } = s;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'consumed', Attributes: { VisibilityTimeout: '1' } }));
    const bodies = Array.from({ length: 30 }, (_, i) => (i % 10 === 0 ? `fail-once-${i}` : `ok-${i}`));
    for (let i = 0; i < bodies.length; i += 10) {
      await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: bodies.slice(i, i + 10).map((b, j) => ({ Id: `m${i + j}`, MessageBody: b, MessageAttributes: { n: { DataType: 'Number', StringValue: String(i + j) } } })) }));
    }
    const attempts = new Map<string, number>();
    const done = new Set<string>();
    const errors: Error[] = [];
    const consumer = Consumer.create({
      queueUrl: QueueUrl!, sqs, batchSize: 10, waitTimeSeconds: 1, messageAttributeNames: ['All'],
      handleMessage: async (m) => {
        const n = (attempts.get(m.Body!) ?? 0) + 1;
        attempts.set(m.Body!, n);
        assert.ok(m.MessageAttributes?.n?.StringValue);
        if (m.Body!.startsWith('fail-once') && n === 1) throw new Error('transient failure');
        done.add(m.Body!);
        return m;
      },
    });
    consumer.on('error', (e) => errors.push(e));
    consumer.on('processing_error', () => undefined); // the planned failures
    consumer.start();
    try {
      await eventually(() => done.size === bodies.length, 'every message processed', 30_000);
      await eventually(async () => {
        const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
        return a.ApproximateNumberOfMessages === '0' && a.ApproximateNumberOfMessagesNotVisible === '0';
      }, 'the queue to be empty (every processed message deleted)');
    } finally {
      consumer.stop();
    }
    assert.deepEqual(errors, []);
    // Failed messages came back and were retried (a slow machine may redeliver any message, hence >=).
    for (const b of bodies) assert.ok(attempts.get(b)! >= (b.startsWith('fail-once') ? 2 : 1), `attempts of ${b}`);
  });
});
