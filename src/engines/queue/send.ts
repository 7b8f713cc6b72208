import { createHash } from 'node:crypto';
import type { EngineContext } from './context.ts';
import { enqueue } from './delivery.ts';
import { BatchRequestTooLong, InvalidParameterValue, MissingParameter, SqsError } from './errors.ts';
import { md5Hex, md5OfAttributes } from './md5.ts';
import { Msg } from './message.ts';
import type { QueueState } from './queue-state.ts';
import type { BatchResult, QueueRef, SendMessageInput, SendMessageResult } from './types.ts';
import { checkBatch, checkBody, checkDelay, checkGroupOrDedupId, checkMessageAttributes, checkSystemAttributes } from './validate.ts';

const DEDUP_WINDOW_MS = 5 * 60 * 1000;
const SEQ_BASE = 10n ** 19n; // SequenceNumbers are 20 digits

/** Validates and enqueues one message (in memory; durable at the next group commit). */
function sendOne(ctx: EngineContext, q: QueueState, input: SendMessageInput, now: number): SendMessageResult {
  const body = checkBody(input.body);
  const size = Buffer.byteLength(body, 'utf8') + checkMessageAttributes(input.messageAttributes) + checkSystemAttributes(input.messageSystemAttributes);
  if (size > q.config.maximumMessageSize)
    throw new InvalidParameterValue(`One or more parameters are invalid. Reason: Message must be shorter than ${q.config.maximumMessageSize} bytes.`);
  const attrs = input.messageAttributes && Object.keys(input.messageAttributes).length ? input.messageAttributes : undefined;
  const sys = input.messageSystemAttributes && Object.keys(input.messageSystemAttributes).length ? input.messageSystemAttributes : undefined;
  const md5Body = md5Hex(body);
  const md5Attrs = attrs ? md5OfAttributes(attrs) : undefined;
  const md5Sys = sys ? md5OfAttributes(sys) : undefined;

  let delay = q.config.delaySeconds;
  let groupId: string | undefined;
  let dedupId: string | undefined;
  let seqNo: string | undefined;
  if (input.messageGroupId !== undefined) groupId = checkGroupOrDedupId('MessageGroupId', input.messageGroupId);
  if (q.fifo) {
    if (input.delaySeconds !== undefined && input.delaySeconds !== 0)
      throw new InvalidParameterValue(`Value ${input.delaySeconds} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`);
    if (groupId === undefined) throw new MissingParameter('The request must contain the parameter MessageGroupId.');
    if (input.messageDeduplicationId !== undefined) dedupId = checkGroupOrDedupId('MessageDeduplicationId', input.messageDeduplicationId);
    else if (q.config.contentBasedDeduplication) dedupId = createHash('sha256').update(body, 'utf8').digest('hex');
    else throw new InvalidParameterValue('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');

    // Within the 5-minute window a repeated deduplication id is accepted but not enqueued; the answer names the original.
    const scope = q.config.deduplicationScope === 'messageGroup' ? groupId : '';
    const key = `${scope}\u0000${dedupId}`;
    for (const [k, e] of q.dedup) {
      if (e.expiresAt > now) break;
      q.dedup.delete(k);
    }
    const seen = q.dedup.get(key);
    if (seen && seen.expiresAt > now)
      return { messageId: seen.messageId, md5OfMessageBody: md5Body, md5OfMessageAttributes: md5Attrs, md5OfMessageSystemAttributes: md5Sys, sequenceNumber: seen.seqNo };
    q.fifoSeq += 1;
    seqNo = (SEQ_BASE + BigInt(q.fifoSeq)).toString();
    ctx.writer.sequence(q.id, q.fifoSeq);
    const messageId = ctx.ids.requestId();
    const entry = { messageId, seqNo, expiresAt: now + DEDUP_WINDOW_MS };
    q.dedup.delete(key);
    q.dedup.set(key, entry);
    ctx.writer.dedup({ queueId: q.id, scope, dedupId, ...entry });
    return enqueueNew(ctx, q, messageId, now, 0, { body, md5Body, attrs, md5Attrs, sys, md5Sys, groupId, dedupId, seqNo, senderId: input.senderId });
  }
  if (input.messageDeduplicationId !== undefined)
    throw new InvalidParameterValue('The request includes a parameter that is not valid for this queue type. Reason: MessageDeduplicationId is supported only for FIFO queues.');
  if (input.delaySeconds !== undefined) delay = checkDelay(input.delaySeconds);
  return enqueueNew(ctx, q, ctx.ids.requestId(), now, delay, { body, md5Body, attrs, md5Attrs, sys, md5Sys, groupId, senderId: input.senderId });
}

interface Parts {
  body: string;
  md5Body: string;
  attrs?: SendMessageInput['messageAttributes'];
  md5Attrs?: string;
  sys?: SendMessageInput['messageSystemAttributes'];
  md5Sys?: string;
  groupId?: string;
  dedupId?: string;
  seqNo?: string;
  senderId?: string;
}

function enqueueNew(ctx: EngineContext, q: QueueState, messageId: string, now: number, delay: number, p: Parts): SendMessageResult {
  const m = new Msg({
    mid: ctx.nextMid(), queueId: q.id, messageId, body: p.body, md5Body: p.md5Body, attrs: p.attrs, md5Attrs: p.md5Attrs,
    sysAttrs: p.sys, md5Sys: p.md5Sys, senderId: p.senderId ?? q.account, sentAt: now, visibleAt: now + delay * 1000,
    receiveCount: 0, firstReceiveAt: 0, groupId: p.groupId, dedupId: p.dedupId, seqNo: p.seqNo,
  });
  enqueue(ctx, q, m, now);
  return { messageId, md5OfMessageBody: p.md5Body, md5OfMessageAttributes: p.md5Attrs, md5OfMessageSystemAttributes: p.md5Sys, sequenceNumber: p.seqNo };
}

export async function sendMessage(ctx: EngineContext, ref: QueueRef, input: SendMessageInput): Promise<SendMessageResult> {
  const q = ctx.queue(ref);
  const r = sendOne(ctx, q, input, ctx.clock.now());
  await ctx.writer.commit();
  return r;
}

export async function sendMessageBatch(
  ctx: EngineContext,
  ref: QueueRef,
  entries: (SendMessageInput & { id: string })[],
): Promise<BatchResult<SendMessageResult & { id: string }>> {
  const q = ctx.queue(ref);
  checkBatch(entries);
  let total = 0;
  for (const e of entries) total += typeof e.body === 'string' ? Buffer.byteLength(e.body, 'utf8') : 0;
  if (total > 262144)
    throw new BatchRequestTooLong(`Batch requests cannot be longer than 262144 bytes. You have sent ${total} bytes.`);
  const now = ctx.clock.now();
  const out: BatchResult<SendMessageResult & { id: string }> = { successful: [], failed: [] };
  for (const e of entries) {
    try {
      out.successful.push({ id: e.id, ...sendOne(ctx, q, e, now) });
    } catch (err) {
      if (!(err instanceof SqsError)) throw err;
      out.failed.push({ id: e.id, code: err.code, message: err.message, senderFault: true });
    }
  }
  await ctx.writer.commit();
  return out;
}
