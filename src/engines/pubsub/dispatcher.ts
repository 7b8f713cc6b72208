import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { Scheduler } from '../queue/index.ts';
import { retryDelayMs, type RetryPolicy } from './delivery-policy.ts';
import type { PubSubStore } from './store.ts';
import type { Delivery } from './types.ts';

// Out-of-process deliveries (HTTP/S POSTs, Lambda invokes). Every delivery is a row in sns_deliveries from the
// moment its publish was acknowledged until it succeeds or is given up on (then dead-lettered), so a restart
// resumes them. Timers go through the injected Scheduler (tests drive retries with a ManualScheduler).

export type AttemptResult = { ok: true } | { ok: false; error: string; retryable?: boolean };

export interface DispatcherHooks {
  /** One try. */
  attempt(d: Delivery, signal: AbortSignal): Promise<AttemptResult>;
  /** The retry policy for this delivery now, or undefined when its subscription is gone (the delivery is dropped). */
  policy(d: Delivery): RetryPolicy | undefined;
  /** Retries exhausted or a failure that retrying cannot fix: dead-letter it (or drop it). */
  exhausted(d: Delivery, error: string): Promise<void>;
}

const MAX_CONCURRENT = 64;

export class Dispatcher {
  private timers = new Map<number, unknown>();
  private ready: Delivery[] = [];
  private running = new Map<number, AbortController>();
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  /** Attempts made (tests, diagnostics). */
  attempts = 0;

  constructor(private store: PubSubStore, private sched: Scheduler, private clock: Clock, private log: Logger | undefined, private hooks: DispatcherHooks) {}

  add(d: Delivery): void {
    if (this.closed) return;
    const wait = d.nextAt - this.clock.now();
    if (wait <= 0) {
      this.ready.push(d);
      this.pump();
    } else {
      this.timers.set(d.id, this.sched.setTimeout(() => {
        this.timers.delete(d.id);
        this.ready.push(d);
        this.pump();
      }, wait));
    }
  }

  /** Deliveries not finished yet (waiting, ready or in flight). */
  get pending(): number {
    return this.timers.size + this.ready.length + this.running.size;
  }

  /** Resolves when nothing is ready or in flight (timers for later retries may remain). */
  idle(): Promise<void> {
    if (!this.ready.length && !this.running.size) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    while (!this.closed && this.running.size < MAX_CONCURRENT && this.ready.length) {
      const d = this.ready.shift()!;
      const ac = new AbortController();
      this.running.set(d.id, ac);
      void this.run(d, ac).finally(() => {
        this.running.delete(d.id);
        this.pump();
        if (!this.ready.length && !this.running.size) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  private async run(d: Delivery, ac: AbortController): Promise<void> {
    const policy = this.hooks.policy(d);
    if (!policy) {
      this.store.deleteDelivery(d.id);
      return;
    }
    this.attempts++;
    let r: AttemptResult;
    try {
      r = await this.hooks.attempt(d, ac.signal);
    } catch (err) {
      r = { ok: false, error: (err as Error).message, retryable: true };
    }
    if (this.closed) return; // stays in the table: retried after the next start
    if (r.ok) {
      this.store.deleteDelivery(d.id);
      return;
    }
    const retry = d.attempts + 1;
    const delay = r.retryable === false ? undefined : retryDelayMs(policy, retry);
    if (delay === undefined) {
      this.log?.info({ subscription: d.subscriptionArn, messageId: d.payload.messageId, error: r.error }, 'sns: delivery failed, giving up');
      try {
        await this.hooks.exhausted(d, r.error);
      } catch (err) {
        this.log?.error({ err, subscription: d.subscriptionArn }, 'sns: dead-lettering failed');
      }
      this.store.deleteDelivery(d.id);
      return;
    }
    d.attempts = retry;
    d.nextAt = this.clock.now() + delay;
    this.store.retryDelivery(d.id, d.attempts, d.nextAt);
    this.add(d);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) this.sched.clearTimeout(t);
    this.timers.clear();
    for (const ac of this.running.values()) ac.abort();
    this.ready = [];
    for (const w of this.idleWaiters.splice(0)) w();
  }
}

/** One HTTP/S POST; 2xx is success, anything else (or no answer within 15 s) is retried. */
export function postHttp(url: string, headers: Record<string, string>, body: string, signal: AbortSignal, timeoutMs = 15_000): Promise<AttemptResult> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      resolve({ ok: false, error: `invalid endpoint URL ${url}`, retryable: false });
      return;
    }
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, {
      method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body, 'utf8')) }, signal, timeout: timeoutMs,
    }, (res) => {
      res.resume();
      res.on('end', () => {
        const s = res.statusCode ?? 0;
        resolve(s >= 200 && s < 300 ? { ok: true } : { ok: false, error: `HTTP ${s}` });
      });
      res.on('error', (e) => resolve({ ok: false, error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ ok: false, error: e.message }));
    req.end(body);
  });
}
