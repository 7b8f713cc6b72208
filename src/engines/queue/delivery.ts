import type { EngineContext } from './context.ts';
import { md5OfAttributes } from './md5.ts';
import { Msg } from './message.ts';
import type { QueueState } from './queue-state.ts';
import { encodeReceipt } from './receipt.ts';
import type { MessageAttributes, ReceivedMessage } from './types.ts';

// Getting messages out of a queue: retention and dead-letter checks at delivery, rendering, long-poll wake-ups.

/** Adds a message to a queue (already validated), marks it for the next commit and wakes long polls. */
export function enqueue(ctx: EngineContext, q: QueueState, m: Msg, now: number): void {
  q.add(m, now);
  ctx.writer.touch(m);
  if (q.waiters.length) serveWaiters(ctx, q);
}

/** A copy of `m` as a new entry of `dest` (dead-lettering, redrive). Same MessageId, body and attributes. */
export function copyInto(ctx: EngineContext, m: Msg, dest: QueueState, now: number, patch: Partial<Msg>): Msg {
  return new Msg({
    mid: ctx.nextMid(), queueId: dest.id, messageId: m.messageId, body: m.body, md5Body: m.md5Body,
    attrs: m.attrs, md5Attrs: m.md5Attrs, sysAttrs: m.sysAttrs, md5Sys: m.md5Sys, senderId: m.senderId,
    sentAt: m.sentAt, visibleAt: now, receiveCount: m.receiveCount, firstReceiveAt: m.firstReceiveAt,
    groupId: m.groupId, dedupId: m.dedupId, seqNo: m.seqNo, dlqSource: m.dlqSource, ...patch,
  });
}

/**
 * Takes up to `max` messages for delivery. Candidates past retention are dropped; a candidate whose receive count
 * would exceed the redrive policy's maxReceiveCount goes to the dead-letter queue instead (when that queue exists;
 * otherwise it is delivered, as AWS does when the DLQ was deleted).
 */
export function takeMessages(ctx: EngineContext, q: QueueState, max: number, visibilityMs: number, now: number): Msg[] {
  q.promote(now);
  const maxAge = q.config.messageRetentionPeriod * 1000;
  const redrive = q.config.redrivePolicy;
  const dlq = redrive ? ctx.byArn.get(redrive.deadLetterTargetArn) : undefined;
  const fed: QueueState[] = [];
  const taken = q.take(max, now + visibilityMs, (m) => {
    if (now - m.sentAt >= maxAge) {
      q.remove(m);
      ctx.writer.touch(m);
      return true;
    }
    if (dlq && redrive && m.receiveCount >= redrive.maxReceiveCount) {
      q.remove(m);
      ctx.writer.touch(m);
      // FIFO dead-letter queues restart the retention clock; standard ones keep the original enqueue time.
      const copy = copyInto(ctx, m, dlq, now, { dlqSource: q.arn, ...(dlq.fifo ? { sentAt: now } : {}) });
      dlq.add(copy, now);
      ctx.writer.touch(copy);
      if (!fed.includes(dlq)) fed.push(dlq);
      return true;
    }
    return false;
  });
  for (const m of taken) {
    m.receiveCount++;
    if (m.firstReceiveAt === 0) m.firstReceiveAt = now;
    m.receivedAt = now;
    ctx.writer.touch(m);
  }
  for (const d of fed) if (d.waiters.length) serveWaiters(ctx, d);
  if (taken.length === 0 && fed.length) ctx.writer.schedule();
  return taken;
}

function pickAttributes(all: MessageAttributes | undefined, names: string[] | undefined): MessageAttributes | undefined {
  if (!all || !names || names.length === 0) return undefined;
  if (names.includes('All') || names.includes('.*')) return all;
  const out: MessageAttributes = {};
  let any = false;
  for (const [k, v] of Object.entries(all)) {
    if (names.some((n) => n === k || (n.endsWith('.*') && k.startsWith(n.slice(0, -1))))) {
      out[k] = v;
      any = true;
    }
  }
  return any ? out : undefined;
}

export function render(q: QueueState, m: Msg, attributeNames?: string[], messageAttributeNames?: string[]): ReceivedMessage {
  const attrs = pickAttributes(m.attrs, messageAttributeNames);
  const out: ReceivedMessage = {
    messageId: m.messageId,
    receiptHandle: encodeReceipt({ queueId: q.id, mid: m.mid, receiveCount: m.receiveCount, messageId: m.messageId }),
    body: m.body,
    md5OfBody: m.md5Body,
    attributes: {},
  };
  if (attrs) {
    out.messageAttributes = attrs;
    out.md5OfMessageAttributes = attrs === m.attrs ? m.md5Attrs : md5OfAttributes(attrs);
  }
  if (attributeNames && attributeNames.length) {
    const all = attributeNames.includes('All');
    const want = (n: string) => all || attributeNames.includes(n);
    const a = out.attributes;
    if (want('SenderId')) a.SenderId = m.senderId;
    if (want('SentTimestamp')) a.SentTimestamp = String(m.sentAt);
    if (want('ApproximateReceiveCount')) a.ApproximateReceiveCount = String(m.receiveCount);
    if (want('ApproximateFirstReceiveTimestamp')) a.ApproximateFirstReceiveTimestamp = String(m.firstReceiveAt);
    if (m.groupId !== undefined && want('MessageGroupId')) a.MessageGroupId = m.groupId;
    if (m.dedupId !== undefined && want('MessageDeduplicationId')) a.MessageDeduplicationId = m.dedupId;
    if (m.seqNo !== undefined && want('SequenceNumber')) a.SequenceNumber = m.seqNo;
    if (m.sysAttrs?.AWSTraceHeader && want('AWSTraceHeader')) a.AWSTraceHeader = m.sysAttrs.AWSTraceHeader.StringValue!;
    if (m.dlqSource !== undefined && want('DeadLetterQueueSourceArn')) a.DeadLetterQueueSourceArn = m.dlqSource;
  }
  return out;
}

/** Hands available messages to waiting long polls (oldest waiter first), then re-arms the wake-up timer. */
export function serveWaiters(ctx: EngineContext, q: QueueState): void {
  const now = ctx.clock.now();
  while (q.waiters.length) {
    const w = q.waiters[0]!;
    const got = takeMessages(ctx, q, w.max, w.visibilityMs, now);
    if (got.length === 0) break;
    q.waiters.shift();
    w.cleanup();
    const rendered = got.map((m) => render(q, m, w.attributeNames, w.messageAttributeNames));
    ctx.writer.commit().then(() => w.done(rendered), () => w.done([]));
  }
  armWake(ctx, q);
}

/** While long polls wait, a timer fires when the next delayed / in-flight message becomes visible. */
export function armWake(ctx: EngineContext, q: QueueState): void {
  const at = q.waiters.length ? q.nextVisibleAt() : Infinity;
  if (at === q.wakeAt) return;
  if (q.wakeTimer !== undefined) ctx.sched.clearTimeout(q.wakeTimer);
  q.wakeTimer = undefined;
  q.wakeAt = at;
  if (at === Infinity) return;
  q.wakeTimer = ctx.sched.setTimeout(() => {
    q.wakeTimer = undefined;
    q.wakeAt = Infinity;
    serveWaiters(ctx, q);
  }, at - ctx.clock.now());
}
