import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/log.ts';
import type { PubSubEngine } from '../../engines/pubsub/index.ts';
import type { QueueEngine } from '../../engines/queue/index.ts';
import { realScheduler, type Scheduler } from '../../engines/queue/index.ts';
import { ThrottledError, type InvokeResult } from '../../engines/functions/types.ts';
import { MAX_SYNC_PAYLOAD } from '../../engines/functions/sandbox.ts';
import type { RequestContext } from '../../gateway/context.ts';
import type { LambdaState, Resolved, Scope } from './domain.ts';
import { InvalidParameterValueException, InvalidRequestContentException, RequestTooLargeException, TooManyRequestsException } from './errors.ts';
import type { Operations } from './generated/operations.ts';
import type { AsyncEventRow } from './store.ts';

// Invoke (RequestResponse, Event, DryRun) and the durable asynchronous queue: accepted events are committed to SQLite
// before the 202, then delivered with AWS's retry rules (2 retries by default, MaximumRetryAttempts,
// MaximumEventAgeInSeconds), on-success/on-failure destinations (SQS, SNS, Lambda) and the DeadLetterConfig queue/topic.

export const MAX_ASYNC_PAYLOAD = 256 * 1024;

export interface InvokeDeps {
  queues: QueueEngine;
  sns?: PubSubEngine;
  log: Logger;
  scheduler?: Scheduler;
  /** First async retry delay (AWS: about a minute; doubles for the second). */
  retryBaseMs: number;
  /** Base URL of the gateway (for SNS publishes made by destinations). */
  endpoint: () => string;
}

export function checkJsonPayload(payload: Buffer): void {
  if (!payload.length) return;
  try {
    JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw new InvalidRequestContentException(`Could not parse request body into json: Could not parse payload into json: ${(err as Error).message}`);
  }
}

/** Runs one synchronous invocation of a resolved function; throttles become TooManyRequestsException. */
export async function invokeSync(st: LambdaState, r: Resolved, payload: Buffer, opts: { tail?: boolean; clientContext?: string; requestId?: string } = {}): Promise<InvokeResult> {
  try {
    return await st.d.engine.invoke(st.specOf(r), {
      payload: payload.length ? payload : Buffer.from('{}'), invokedArn: r.qualifier ? `${r.fn.arn}:${r.qualifier}` : r.fn.arn,
      tail: opts.tail, clientContext: opts.clientContext, requestId: opts.requestId,
    });
  } catch (err) {
    if (err instanceof ThrottledError) throw new TooManyRequestsException(`Rate Exceeded. (${err.reason})`, { status: 429 });
    throw err;
  }
}

export class AsyncInvoker {
  private timer?: unknown;
  private timerAt?: number;
  private inflight = new Set<number>();
  private closed = false;
  private scheduler: Scheduler;
  readonly maxParallel = 32;

  constructor(private st: LambdaState, private d: InvokeDeps) {
    this.scheduler = d.scheduler ?? realScheduler;
  }

  start(): void {
    this.kick();
  }

  /** Commits the event, then schedules its delivery. */
  enqueue(s: Scope, functionName: string, qualifier: string | undefined, payload: Buffer, requestId: string = randomUUID()): string {
    this.st.d.store.enqueueEvent({
      account: s.account, region: s.region, function_name: functionName, qualifier: qualifier ?? null, request_id: requestId,
      payload, next_at: this.st.d.clock.now(), created_at: this.st.d.clock.now(),
    });
    this.kick();
    return requestId;
  }

  private kick(): void {
    if (this.closed) return;
    const now = this.st.d.clock.now();
    const free = this.maxParallel - this.inflight.size;
    if (free > 0) {
      for (const e of this.st.d.store.dueEvents(now, free, [...this.inflight])) {
        this.inflight.add(e.id);
        void this.deliver(e).catch((err) => this.d.log.error({ err }, 'lambda async delivery failed')).finally(() => {
          this.inflight.delete(e.id);
          this.kick();
        });
      }
    }
    const next = this.st.d.store.nextEventAt();
    if (next === undefined || this.inflight.size >= this.maxParallel) return;
    const at = Math.max(next, now + 1);
    if (this.timer !== undefined && this.timerAt !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = undefined;
      this.kick();
    }, at - now, true);
  }

  private async deliver(e: AsyncEventRow): Promise<void> {
    const st = this.st;
    const store = st.d.store;
    const s = { account: e.account, region: e.region };
    let r: Resolved;
    try {
      r = st.resolve(s, e.function_name, e.qualifier ?? undefined);
    } catch {
      store.deleteEvent(e.id); // the function is gone: nothing to deliver to
      return;
    }
    const cfg = r.fn.eventInvoke[e.qualifier ?? '$LATEST'] ?? r.fn.eventInvoke[r.qualifier || '$LATEST'];
    const maxRetries = cfg?.maximumRetryAttempts ?? 2;
    const maxAgeMs = (cfg?.maximumEventAgeInSeconds ?? 21_600) * 1000;
    const now = st.d.clock.now();
    const failed = (condition: string, result?: InvokeResult) => {
      store.deleteEvent(e.id);
      void this.onFailure(r, e, condition, result, cfg?.destinationConfig?.OnFailure?.Destination);
    };
    if (now - e.created_at > maxAgeMs) return failed('EventAgeExceeded');
    let result: InvokeResult;
    try {
      result = await invokeSync(st, r, e.payload, { requestId: e.attempts ? undefined : e.request_id });
    } catch (err) {
      if (err instanceof TooManyRequestsException) {
        // Throttled events wait and try again (they do not use up retries), until they are too old.
        store.rescheduleEvent(e.id, e.attempts, now + 1000);
        return;
      }
      throw err;
    }
    if (!result.functionError) {
      store.deleteEvent(e.id);
      const dest = cfg?.destinationConfig?.OnSuccess?.Destination;
      if (dest) await this.send(r, dest, this.record(r, e, 'Success', result)).catch((err) => this.d.log.warn({ err, dest }, 'on-success destination failed'));
      return;
    }
    const attempts = e.attempts + 1;
    if (attempts > maxRetries) return failed('RetriesExhausted', result);
    const delay = this.d.retryBaseMs * 2 ** (attempts - 1);
    if (now + delay - e.created_at > maxAgeMs) return failed('EventAgeExceeded', result);
    store.rescheduleEvent(e.id, attempts, now + delay);
  }

  private record(r: Resolved, e: AsyncEventRow, condition: string, result?: InvokeResult): string {
    let requestPayload: unknown;
    let responsePayload: unknown;
    try {
      requestPayload = JSON.parse(e.payload.toString('utf8') || '{}');
    } catch {
      requestPayload = e.payload.toString('utf8');
    }
    try {
      responsePayload = result ? JSON.parse(result.payload.toString('utf8') || 'null') : undefined;
    } catch {
      responsePayload = result?.payload.toString('utf8');
    }
    return JSON.stringify({
      version: '1.0',
      timestamp: new Date(this.st.d.clock.now()).toISOString(),
      requestContext: { requestId: e.request_id, functionArn: `${r.fn.arn}:${r.v.version}`, condition, approximateInvokeCount: e.attempts + 1 },
      requestPayload,
      responseContext: { statusCode: 200, executedVersion: r.v.version, ...(result?.functionError ? { functionError: result.functionError } : {}) },
      responsePayload,
    });
  }

  private async onFailure(r: Resolved, e: AsyncEventRow, condition: string, result: InvokeResult | undefined, dest?: string): Promise<void> {
    if (dest) await this.send(r, dest, this.record(r, e, condition, result)).catch((err) => this.d.log.warn({ err, dest }, 'on-failure destination failed'));
    const dlq = r.v.deadLetterArn;
    if (!dlq) return;
    let message = '';
    try {
      message = String((JSON.parse(result?.payload.toString('utf8') ?? '{}') as { errorMessage?: string }).errorMessage ?? condition);
    } catch {
      message = condition;
    }
    const attrs = {
      RequestID: { DataType: 'String', StringValue: e.request_id },
      ErrorCode: { DataType: 'Number', StringValue: '200' },
      ErrorMessage: { DataType: 'String', StringValue: message.slice(0, 1000) || condition },
    };
    await this.send(r, dlq, e.payload.toString('utf8'), attrs).catch((err) => this.d.log.warn({ err, dlq }, 'dead-letter delivery failed'));
  }

  /** Sends a record to an SQS queue, SNS topic or Lambda function ARN. */
  private async send(r: Resolved, arn: string, body: string, attrs?: Record<string, { DataType: string; StringValue: string }>): Promise<void> {
    const m = /^arn:aws[a-zA-Z-]*:(sqs|sns|lambda):([a-z0-9-]+):(\d{12}):(.+)$/.exec(arn);
    if (!m) throw new Error(`unsupported destination ${arn}`);
    const [, svc, region, account, rest] = m;
    if (svc === 'sqs') {
      await this.d.queues.sendMessage({ account, region, name: rest }, { body, messageAttributes: attrs });
    } else if (svc === 'sns') {
      if (!this.d.sns) throw new Error('SNS is not available');
      await this.d.sns.publish({ account, region, baseUrl: this.d.endpoint(), signed: true }, { topicArn: arn, message: body, messageAttributes: attrs });
    } else {
      const fn = /^function:([a-zA-Z0-9_-]+)(?::(.+))?$/.exec(rest);
      if (!fn) throw new Error(`bad function ARN ${arn}`);
      if (fn[1] === r.fn.name && account === r.fn.account && region === r.fn.region) throw new Error('a function cannot be its own destination');
      this.enqueue({ account, region }, fn[1], fn[2], Buffer.from(body));
    }
  }

  pending(): number {
    return this.st.d.store.eventCount();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
  }
}

export function invokeHandler(st: LambdaState, async: AsyncInvoker): Pick<{ [K in keyof Operations]: (i: Operations[K]['input'], ctx: RequestContext) => Promise<Operations[K]['output']> }, 'Invoke'> {
  return {
    async Invoke(input, ctx) {
      const s = { account: ctx.account, region: ctx.region };
      const type = input.InvocationType ?? 'RequestResponse';
      const r = st.resolve(s, input.FunctionName, input.Qualifier);
      const payload = input.Payload ?? Buffer.alloc(0);
      if (type === 'Event') {
        if (payload.length > MAX_ASYNC_PAYLOAD) throw new RequestTooLargeException(`Request must be smaller than ${MAX_ASYNC_PAYLOAD} bytes for the InvokeAsync operation`);
      } else if (payload.length > MAX_SYNC_PAYLOAD) {
        throw new RequestTooLargeException(`Request must be smaller than ${MAX_SYNC_PAYLOAD} bytes for the InvokeFunction operation`);
      }
      checkJsonPayload(payload);
      if (type === 'DryRun') return { StatusCode: 204 };
      if (type === 'Event') {
        if (r.fn.reserved === 0) throw new TooManyRequestsException('Rate Exceeded. (ReservedFunctionConcurrentInvocationLimitExceeded)', { status: 429 });
        async.enqueue(s, r.fn.name, r.qualifier || undefined, payload, ctx.requestId);
        return { StatusCode: 202 };
      }
      if (type !== 'RequestResponse') throw new InvalidParameterValueException(`Unsupported InvocationType ${type}`);
      const out = await invokeSync(st, r, payload, { tail: input.LogType === 'Tail', clientContext: decodeClientContext(input.ClientContext), requestId: ctx.requestId });
      return {
        StatusCode: 200, Payload: out.payload, FunctionError: out.functionError, LogResult: out.logTail, ExecutedVersion: r.v.version,
      };
    },
  };
}

function decodeClientContext(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    return Buffer.from(raw, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
}
