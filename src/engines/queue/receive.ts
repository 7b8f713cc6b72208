import type { EngineContext } from './context.ts';
import { armWake, render, serveWaiters, takeMessages } from './delivery.ts';
import type { Waiter } from './queue-state.ts';
import type { QueueRef, ReceivedMessage, ReceiveOptions } from './types.ts';
import { checkMaxMessages, checkVisibility, checkWait } from './validate.ts';

/**
 * ReceiveMessage. Answers at once when messages are available (or when not waiting); otherwise the call waits up
 * to WaitTimeSeconds and is answered as soon as a send, a visibility timeout, a delay or a delete (FIFO group
 * unblocked) makes something deliverable — no polling: sends wake waiters directly, time-based changes through one
 * timer per queue armed for the next visibility time. Resolves after the new receive counts and visibility
 * deadlines are committed.
 */
export async function receiveMessage(ctx: EngineContext, ref: QueueRef, opts: ReceiveOptions = {}): Promise<ReceivedMessage[]> {
  const q = ctx.queue(ref);
  const max = opts.maxNumberOfMessages === undefined ? 1 : checkMaxMessages(opts.maxNumberOfMessages);
  const visibilityMs = (opts.visibilityTimeout === undefined ? q.config.visibilityTimeout : checkVisibility(opts.visibilityTimeout)) * 1000;
  const wait = opts.waitTimeSeconds === undefined ? q.config.receiveMessageWaitTimeSeconds : checkWait(opts.waitTimeSeconds);

  // Older long polls get first pick (this also catches up on visibility times whose timer has not fired yet).
  if (q.waiters.length) serveWaiters(ctx, q);
  const got = takeMessages(ctx, q, max, visibilityMs, ctx.clock.now());
  if (got.length) {
    const out = got.map((m) => render(q, m, opts.attributeNames, opts.messageAttributeNames));
    await ctx.writer.commit();
    return out;
  }
  if (wait === 0 || ctx.closed || opts.signal?.aborted) return [];

  return new Promise<ReceivedMessage[]>((resolve) => {
    const onAbort = () => {
      const i = q.waiters.indexOf(w);
      if (i >= 0) q.waiters.splice(i, 1);
      w.cleanup();
      armWake(ctx, q);
      resolve([]);
    };
    const w: Waiter = {
      max,
      visibilityMs,
      attributeNames: opts.attributeNames,
      messageAttributeNames: opts.messageAttributeNames,
      done: resolve,
      timer: ctx.sched.setTimeout(onAbort, wait * 1000),
      cleanup: () => {
        ctx.sched.clearTimeout(w.timer);
        opts.signal?.removeEventListener('abort', onAbort);
      },
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    q.waiters.push(w);
    armWake(ctx, q);
  });
}
