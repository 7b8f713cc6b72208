import type { MessageAttributes, QueueEngine, ReceivedMessage, SendMessageInput, SendMessageResult } from '../../engines/queue/index.ts';
import type * as S from './generated/shapes.ts';
import { required, type SqsHandlers } from './handlers.ts';
import { queueRef } from './queue-url.ts';

// Single-message operations: send, receive (long polling up to 20 s), delete, change visibility.

type Wire = Record<string, S.MessageAttributeValue | S.MessageSystemAttributeValue>;

/** Wire attributes → engine attributes (the engine validates names, types and values). */
export function toEngineAttributes(a: Wire | undefined): MessageAttributes | undefined {
  if (!a) return undefined;
  const out: MessageAttributes = {};
  for (const [name, v] of Object.entries(a)) {
    out[name] = { DataType: v?.DataType as string, ...(v?.StringValue !== undefined ? { StringValue: v.StringValue } : {}), ...(v?.BinaryValue !== undefined ? { BinaryValue: v.BinaryValue } : {}) };
  }
  return out;
}

function toWireAttributes(a: MessageAttributes | undefined): Record<string, S.MessageAttributeValue> | undefined {
  if (!a) return undefined;
  const out: Record<string, S.MessageAttributeValue> = {};
  for (const [name, v] of Object.entries(a)) {
    out[name] = {
      DataType: v.DataType,
      ...(v.StringValue !== undefined ? { StringValue: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { BinaryValue: Buffer.isBuffer(v.BinaryValue) ? v.BinaryValue : Buffer.from(v.BinaryValue.buffer, v.BinaryValue.byteOffset, v.BinaryValue.byteLength) } : {}),
    };
  }
  return out;
}

export function toSendInput(e: Pick<S.SendMessageRequest, 'MessageBody' | 'DelaySeconds' | 'MessageAttributes' | 'MessageSystemAttributes' | 'MessageGroupId' | 'MessageDeduplicationId'>): SendMessageInput {
  return {
    body: e.MessageBody,
    delaySeconds: e.DelaySeconds,
    messageAttributes: toEngineAttributes(e.MessageAttributes),
    messageSystemAttributes: toEngineAttributes(e.MessageSystemAttributes),
    messageGroupId: e.MessageGroupId,
    messageDeduplicationId: e.MessageDeduplicationId,
  };
}

export function toSendResult(r: SendMessageResult): S.SendMessageResult & S.SendMessageBatchResultEntry {
  return {
    MessageId: r.messageId, MD5OfMessageBody: r.md5OfMessageBody, MD5OfMessageAttributes: r.md5OfMessageAttributes,
    MD5OfMessageSystemAttributes: r.md5OfMessageSystemAttributes, SequenceNumber: r.sequenceNumber,
  } as S.SendMessageResult & S.SendMessageBatchResultEntry;
}

function toMessage(m: ReceivedMessage): S.Message {
  return {
    MessageId: m.messageId,
    ReceiptHandle: m.receiptHandle,
    MD5OfBody: m.md5OfBody,
    Body: m.body,
    Attributes: Object.keys(m.attributes).length ? m.attributes : undefined,
    MD5OfMessageAttributes: m.md5OfMessageAttributes,
    MessageAttributes: toWireAttributes(m.messageAttributes),
  };
}

export function messageHandlers(queues: QueueEngine): SqsHandlers<'SendMessage' | 'ReceiveMessage' | 'DeleteMessage' | 'ChangeMessageVisibility'> {
  return {
    SendMessage: async (input, ctx) => toSendResult(await queues.sendMessage(queueRef(ctx, input.QueueUrl), toSendInput(input))),

    ReceiveMessage: async (input, ctx) => {
      // AttributeNames is the older spelling of MessageSystemAttributeNames; clients send either.
      const names = [...(input.AttributeNames ?? []), ...(input.MessageSystemAttributeNames ?? [])];
      const got = await queues.receiveMessage(queueRef(ctx, input.QueueUrl), {
        maxNumberOfMessages: input.MaxNumberOfMessages,
        visibilityTimeout: input.VisibilityTimeout,
        waitTimeSeconds: input.WaitTimeSeconds,
        attributeNames: names.length ? names : undefined,
        messageAttributeNames: input.MessageAttributeNames,
        signal: ctx.signal,
      });
      return { Messages: got.length ? got.map(toMessage) : undefined };
    },

    DeleteMessage: async (input, ctx) => {
      await queues.deleteMessage(queueRef(ctx, input.QueueUrl), required(input.ReceiptHandle, 'ReceiptHandle'));
    },

    ChangeMessageVisibility: async (input, ctx) => {
      await queues.changeMessageVisibility(queueRef(ctx, input.QueueUrl), required(input.ReceiptHandle, 'ReceiptHandle'), required(input.VisibilityTimeout, 'VisibilityTimeout'));
    },
  };
}
