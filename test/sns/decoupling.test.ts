import { CreateTopicCommand, PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../support/nimbus.ts';
import { createQueue, startSnsTest, type SnsTest } from './support.ts';

// The README's decoupling demo: producer → SNS topic → two SQS queues → two consumers. One consumer goes down; the
// other keeps working; the stopped one catches up from its queue when it comes back. Nothing is lost.

class Consumer {
  readonly seen: string[] = [];
  private running = false;
  private loop?: Promise<void>;
  constructor(private sqs: SQSClient, private url: string) {}
  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const r = await this.sqs.send(new ReceiveMessageCommand({ QueueUrl: this.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        for (const m of r.Messages ?? []) {
          this.seen.push(JSON.parse(m.Body!).Message);
          await this.sqs.send(new DeleteMessageCommand({ QueueUrl: this.url, ReceiptHandle: m.ReceiptHandle! }));
        }
      }
    })();
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

describe('decoupling demo: one topic, two queues, one consumer down', () => {
  let t: SnsTest;
  before(async () => {
    t = await startSnsTest();
  });
  after(async () => {
    await t?.close();
  });

  test('the healthy consumer keeps working; the stopped one catches up', async () => {
    const topic = (await t.sns.send(new CreateTopicCommand({ Name: 'orders' }))).TopicArn!;
    const billingQ = await createQueue(t.sqs, 'billing');
    const shippingQ = await createQueue(t.sqs, 'shipping');
    for (const q of [billingQ, shippingQ]) await t.sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: q.arn }));
    const billing = new Consumer(t.sqs, billingQ.url);
    const shipping = new Consumer(t.sqs, shippingQ.url);
    billing.start();
    shipping.start();
    const publish = async (from: number, to: number) => {
      for (let i = from; i < to; i++) await t.sns.send(new PublishCommand({ TopicArn: topic, Message: `order-${i}` }));
    };
    const orders = (n: number) => Array.from({ length: n }, (_, i) => `order-${i}`);

    await publish(0, 10);
    await eventually(() => billing.seen.length === 10 && shipping.seen.length === 10, 'both consumers to handle the first 10 orders');

    await shipping.stop(); // shipping goes down
    await publish(10, 30);
    await eventually(() => billing.seen.length === 30, 'billing to keep up while shipping is down');
    assert.equal(shipping.seen.length, 10);
    const backlog = await t.sqs.send(new GetQueueAttributesCommand({ QueueUrl: shippingQ.url, AttributeNames: ['ApproximateNumberOfMessages'] }));
    assert.equal(backlog.Attributes!.ApproximateNumberOfMessages, '20', 'the shipping queue holds its backlog');

    shipping.start(); // shipping comes back
    await eventually(() => shipping.seen.length === 30, 'shipping to catch up from its queue');
    await Promise.all([billing.stop(), shipping.stop()]);
    assert.deepEqual([...billing.seen].sort(), orders(30).sort());
    assert.deepEqual([...shipping.seen].sort(), orders(30).sort());
  });
});
