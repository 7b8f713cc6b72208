import type { EngineContext } from './context.ts';
import { serveWaiters } from './delivery.ts';
import { InvalidParameterValue, MessageNotInflight, ReceiptHandleIsInvalid, SqsError } from './errors.ts';
import { INFLIGHT, type Msg } from './message.ts';
import type { QueueState } from './queue-state.ts';
import { decodeReceipt } from './receipt.ts';
import type { BatchResult, QueueRef } from './types.ts';
import { checkBatch, checkVisibility } from './validate.ts';

const MAX_VISIBILITY_MS = 43200 * 1000;

function parse(q: QueueState, handle: string) {
  const r = decodeReceipt(handle);
  if (!r || r.queueId !== q.id) throw new ReceiptHandleIsInvalid(`The input receipt handle "${handle}" is not a valid receipt handle.`);
  return r;
}

/**
 * DeleteMessage semantics:
 * - malformed handle, or a handle of another queue → ReceiptHandleIsInvalid;
 * - message already gone → success (idempotent, as on AWS);
 * - standard queue, handle from an earlier receive (the message was received again since) → success and the message
 *   is NOT deleted (AWS documents: "you must provide the most recently received receipt handle … otherwise the request
 *   succeeds, but the message will not be deleted"); a current handle deletes even after the visibility timeout ran out;
 * - FIFO queue, stale handle or visibility timeout already expired → ReceiptHandleIsInvalid ("The receipt handle has
 *   expired"), because deleting then could break the group's ordering.
 */
function deleteOne(ctx: EngineContext, q: QueueState, handle: string): void {
  const r = parse(q, handle);
  const m = q.messages.get(r.mid);
  if (!m || m.messageId !== r.messageId) return;
  if (m.receiveCount !== r.receiveCount) {
    if (q.fifo) throw new ReceiptHandleIsInvalid('The receipt handle has expired.');
    return;
  }
  if (q.fifo) {
    q.promote(ctx.clock.now());
    if (m.state !== INFLIGHT) throw new ReceiptHandleIsInvalid('The receipt handle has expired.');
  }
  q.remove(m);
  ctx.writer.touch(m);
}

function currentMessage(q: QueueState, handle: string): Msg {
  const r = parse(q, handle);
  const m = q.messages.get(r.mid);
  if (!m || m.messageId !== r.messageId || m.receiveCount !== r.receiveCount)
    throw new InvalidParameterValue(`Value ${handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`);
  return m;
}

/** ChangeMessageVisibility: counts from now; the total since the receive may not exceed 12 hours. */
function changeOne(ctx: EngineContext, q: QueueState, handle: string, timeout: number, now: number): void {
  const seconds = checkVisibility(timeout);
  const m = currentMessage(q, handle);
  q.promote(now);
  if (m.state !== INFLIGHT) throw new MessageNotInflight();
  if (m.receivedAt && now - m.receivedAt + seconds * 1000 > MAX_VISIBILITY_MS)
    throw new InvalidParameterValue(`Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]`);
  q.setVisibleAt(m, now + seconds * 1000, now);
  ctx.writer.touch(m);
}

function afterChange(ctx: EngineContext, q: QueueState): void {
  if (q.waiters.length) serveWaiters(ctx, q); // a FIFO group may be unblocked, or a message visible again
}

export async function deleteMessage(ctx: EngineContext, ref: QueueRef, receiptHandle: string): Promise<void> {
  const q = ctx.queue(ref);
  deleteOne(ctx, q, receiptHandle);
  afterChange(ctx, q);
  await ctx.writer.commit();
}

export async function changeMessageVisibility(ctx: EngineContext, ref: QueueRef, receiptHandle: string, visibilityTimeout: number): Promise<void> {
  const q = ctx.queue(ref);
  changeOne(ctx, q, receiptHandle, visibilityTimeout, ctx.clock.now());
  afterChange(ctx, q);
  await ctx.writer.commit();
}

async function batch<E extends { id: string }>(ctx: EngineContext, ref: QueueRef, entries: E[], one: (q: QueueState, e: E) => void): Promise<BatchResult<{ id: string }>> {
  const q = ctx.queue(ref);
  checkBatch(entries);
  const out: BatchResult<{ id: string }> = { successful: [], failed: [] };
  for (const e of entries) {
    try {
      one(q, e);
      out.successful.push({ id: e.id });
    } catch (err) {
      if (!(err instanceof SqsError)) throw err;
      out.failed.push({ id: e.id, code: err.code, message: err.message, senderFault: true });
    }
  }
  afterChange(ctx, q);
  await ctx.writer.commit();
  return out;
}

export function deleteMessageBatch(ctx: EngineContext, ref: QueueRef, entries: { id: string; receiptHandle: string }[]) {
  return batch(ctx, ref, entries, (q, e) => deleteOne(ctx, q, e.receiptHandle));
}

export function changeMessageVisibilityBatch(ctx: EngineContext, ref: QueueRef, entries: { id: string; receiptHandle: string; visibilityTimeout: number }[]) {
  const now = ctx.clock.now();
  return batch(ctx, ref, entries, (q, e) => changeOne(ctx, q, e.receiptHandle, e.visibilityTimeout, now));
}
