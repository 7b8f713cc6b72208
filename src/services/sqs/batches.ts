import type { BatchFailure, QueueEngine } from '../../engines/queue/index.ts';
import type * as S from './generated/shapes.ts';
import { required, type SqsHandlers } from './handlers.ts';
import { toSendInput, toSendResult } from './messages.ts';
import { queueRef } from './queue-url.ts';

// The *Batch operations: up to 10 entries with distinct ids. Batch-level problems (EmptyBatchRequest,
// TooManyEntriesInBatchRequest, BatchEntryIdsNotDistinct, InvalidBatchEntryId, BatchRequestTooLong) fail the whole
// call; an entry's own problem lands in Failed and the other entries go through.

function failed(f: BatchFailure[]): S.BatchResultErrorEntry[] {
  return f.map((e) => ({ Id: e.id, SenderFault: e.senderFault, Code: e.code, Message: e.message }));
}

export function batchHandlers(queues: QueueEngine): SqsHandlers<'SendMessageBatch' | 'DeleteMessageBatch' | 'ChangeMessageVisibilityBatch'> {
  return {
    SendMessageBatch: async (input, ctx) => {
      const ref = queueRef(ctx, input.QueueUrl);
      const entries = required(input.Entries, 'Entries').map((e) => ({ id: e.Id, ...toSendInput(e) }));
      const r = await queues.sendMessageBatch(ref, entries);
      return { Successful: r.successful.map((s) => ({ ...toSendResult(s), Id: s.id })), Failed: failed(r.failed) };
    },

    DeleteMessageBatch: async (input, ctx) => {
      const ref = queueRef(ctx, input.QueueUrl);
      const entries = required(input.Entries, 'Entries').map((e) => ({ id: e.Id, receiptHandle: e.ReceiptHandle }));
      const r = await queues.deleteMessageBatch(ref, entries);
      return { Successful: r.successful.map((s) => ({ Id: s.id })), Failed: failed(r.failed) };
    },

    ChangeMessageVisibilityBatch: async (input, ctx) => {
      const ref = queueRef(ctx, input.QueueUrl);
      const entries = required(input.Entries, 'Entries').map((e) => ({ id: e.Id, receiptHandle: e.ReceiptHandle, visibilityTimeout: e.VisibilityTimeout as number }));
      const r = await queues.changeMessageVisibilityBatch(ref, entries);
      return { Successful: r.successful.map((s) => ({ Id: s.id })), Failed: failed(r.failed) };
    },
  };
}
