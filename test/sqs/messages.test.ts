import {
  ChangeMessageVisibilityBatchCommand, ChangeMessageVisibilityCommand, CreateQueueCommand, DeleteMessageBatchCommand, DeleteMessageCommand,
  GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand,
} from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../support/nimbus.ts';
import { rejection, startSqs, type SqsTest } from './support.ts';

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

/** MD5OfMessageAttributes computed independently, as AWS documents it (the SDK checks only body MD5s). */
function md5OfAttributes(attrs: Record<string, { DataType: string; StringValue?: string; BinaryValue?: Uint8Array }>): string {
  const h = createHash('md5');
  const put = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    h.update(len).update(b);
  };
  for (const name of Object.keys(attrs).sort()) {
    const a = attrs[name]!;
    put(Buffer.from(name));
    put(Buffer.from(a.DataType));
    if (a.BinaryValue) {
      h.update(Buffer.from([2]));
      put(Buffer.from(a.BinaryValue));
    } else {
      h.update(Buffer.from([1]));
      put(Buffer.from(a.StringValue!));
    }
  }
  return h.digest('hex');
}

describe('SQS messages through @aws-sdk/client-sqs (JSON protocol)', () => {
  let s: SqsTest;
  before(async () => {
    s = await startSqs();
  });
  after(async () => {
    await s?.close();
  });
  const create = async (QueueName: string, Attributes?: Record<string, string>) => (await s.sqs.send(new CreateQueueCommand({ QueueName, Attributes }))).QueueUrl!;

  test('send with attributes (MD5s checked), receive with system attributes, change visibility, delete', async () => {
    const { sqs } = s;
    const QueueUrl = await create('msgs');
    const MessageAttributes = {
      name: { DataType: 'String', StringValue: 'Ada' },
      count: { DataType: 'Number', StringValue: '42' },
      blob: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2, 255]) },
      'custom.type': { DataType: 'String.json', StringValue: '{"a":1}' },
    };
    const sent = await sqs.send(new SendMessageCommand({
      QueueUrl, MessageBody: 'héllo wörld ✓', MessageAttributes,
      MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793' } },
    }));
    assert.equal(sent.MD5OfMessageBody, md5('héllo wörld ✓'));
    assert.equal(sent.MD5OfMessageAttributes, md5OfAttributes(MessageAttributes));
    assert.match(sent.MD5OfMessageSystemAttributes!, /^[0-9a-f]{32}$/);

    const r1 = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'], VisibilityTimeout: 30 }));
    const m = r1.Messages![0]!;
    assert.equal(m.MessageId, sent.MessageId);
    assert.equal(m.Body, 'héllo wörld ✓');
    assert.equal(m.MD5OfMessageAttributes, sent.MD5OfMessageAttributes);
    assert.deepEqual(Buffer.from(m.MessageAttributes!.blob!.BinaryValue!), Buffer.from([0, 1, 2, 255]));
    assert.equal(m.MessageAttributes!.count!.StringValue, '42');
    assert.equal(m.Attributes!.ApproximateReceiveCount, '1');
    assert.match(m.Attributes!.SentTimestamp!, /^\d{13}$/);
    assert.match(m.Attributes!.ApproximateFirstReceiveTimestamp!, /^\d{13}$/);
    assert.equal(m.Attributes!.SenderId, '000000000000');
    assert.equal(m.Attributes!.AWSTraceHeader, 'Root=1-5759e988-bd862e3fe1be46a994272793');

    // Only the requested message attributes come back, with an MD5 over just those.
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages, undefined, 'in flight');
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
    const r2 = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['name', 'custom.*'], AttributeNames: ['ApproximateReceiveCount' as never] }));
    const m2 = r2.Messages![0]!;
    assert.deepEqual(Object.keys(m2.MessageAttributes!).sort(), ['custom.type', 'name']);
    assert.deepEqual(m2.Attributes, { ApproximateReceiveCount: '2' });
    assert.notEqual(m2.ReceiptHandle, m.ReceiptHandle);
    assert.equal(m2.MD5OfMessageAttributes, md5OfAttributes({ name: MessageAttributes.name, 'custom.type': MessageAttributes['custom.type'] }));

    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m2.ReceiptHandle }));
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m2.ReceiptHandle })); // idempotent
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes!;
    assert.equal(attrs.ApproximateNumberOfMessages, '0');
    assert.equal(attrs.ApproximateNumberOfMessagesNotVisible, '0');

    assert.equal((await rejection(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'garbage' })))).name, 'ReceiptHandleIsInvalid');
    assert.equal((await rejection(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m2.ReceiptHandle, VisibilityTimeout: 10 })))).name, 'InvalidParameterValue');
  });

  test('bodies: 256 KiB accepted, larger rejected, invalid characters rejected', async () => {
    const { sqs } = s;
    const QueueUrl = await create('bodies');
    const max = 'a'.repeat(262144);
    const ok = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: max }));
    assert.equal(ok.MD5OfMessageBody, md5(max));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    assert.equal(got.Messages![0]!.Body!.length, 262144);
    assert.equal((await rejection(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: max + 'a' })))).name, 'InvalidParameterValue');
    assert.equal((await rejection(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'bad \u0000 char' })))).name, 'InvalidMessageContents');
    assert.equal((await rejection(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageAttributes: { n: { DataType: 'Number', StringValue: 'abc' } } })))).name, 'InvalidParameterValue');
  });

  test('delays: per queue and per message', async () => {
    const { sqs } = s;
    const QueueUrl = await create('delayed');
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'later', DelaySeconds: 1 }));
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }))).Attributes!;
    assert.equal(attrs.ApproximateNumberOfMessagesDelayed, '1');
    const m = await eventually(async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages?.[0], 'the delayed message');
    assert.equal(m.Body, 'later');
    assert.equal((await rejection(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', DelaySeconds: 901 })))).name, 'InvalidParameterValue');
  });

  test('long polling: a waiting receive gets a message sent later; an empty wait ends with nothing', async () => {
    const { sqs } = s;
    const QueueUrl = await create('long-poll');
    const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20, MaxNumberOfMessages: 10 }));
    await new Promise((r) => setTimeout(r, 100));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'wake up' }));
    const got = await waiting;
    assert.equal(got.Messages![0]!.Body, 'wake up');
    const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    assert.equal(empty.Messages, undefined);
    assert.equal((await rejection(sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 21 })))).name, 'InvalidParameterValue');
    assert.equal((await rejection(sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 11 })))).name, 'InvalidParameterValue');
  });

  test('batches: partial failures, limits and batch errors', async () => {
    const { sqs } = s;
    const QueueUrl = await create('batches');
    const entries = Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: i === 3 ? 'bad\u0001' : `m${i}`, MessageAttributes: { i: { DataType: 'Number', StringValue: String(i) } } }));
    const r = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));
    assert.equal(r.Successful!.length, 9);
    assert.equal(r.Failed!.length, 1);
    assert.equal(r.Failed![0]!.Id, 'e3');
    assert.equal(r.Failed![0]!.Code, 'InvalidMessageContents');
    assert.equal(r.Failed![0]!.SenderFault, true);

    const name = async (p: Promise<unknown>) => (await rejection(p)).name;
    assert.equal(await name(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [] }))), 'EmptyBatchRequest');
    assert.equal(await name(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `x${i}`, MessageBody: 'x' })) }))), 'TooManyEntriesInBatchRequest');
    assert.equal(await name(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'x' }, { Id: 'a', MessageBody: 'y' }] }))), 'BatchEntryIdsNotDistinct');
    assert.equal(await name(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'no spaces', MessageBody: 'x' }] }))), 'InvalidBatchEntryId');
    assert.equal(await name(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'x'.repeat(200_000) }, { Id: 'b', MessageBody: 'x'.repeat(100_000) }] }))), 'BatchRequestTooLong');

    const got = [];
    while (got.length < 9) {
      const m = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }))).Messages ?? [];
      assert.ok(m.length, 'all nine messages are there');
      got.push(...m);
    }
    const cv = await sqs.send(new ChangeMessageVisibilityBatchCommand({
      QueueUrl, Entries: [{ Id: 'ok', ReceiptHandle: got[0]!.ReceiptHandle!, VisibilityTimeout: 60 }, { Id: 'bad', ReceiptHandle: 'garbage', VisibilityTimeout: 60 }],
    }));
    assert.deepEqual(cv.Successful!.map((e) => e.Id), ['ok']);
    assert.equal(cv.Failed![0]!.Code, 'ReceiptHandleIsInvalid');
    const del = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: [...got.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })).slice(0, 9), { Id: 'bad', ReceiptHandle: 'garbage' }] }));
    assert.equal(del.Successful!.length, 9);
    assert.equal(del.Failed![0]!.Id, 'bad');
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes!;
    assert.equal(attrs.ApproximateNumberOfMessages, '0');
    assert.equal(attrs.ApproximateNumberOfMessagesNotVisible, '0');
  });
});
