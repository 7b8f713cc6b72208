import { randomUUID } from 'node:crypto';
import type { QueueEngine, ReceivedMessage } from '../../engines/queue/index.ts';
import type { RequestContext } from '../../gateway/context.ts';
import type { Logger } from '../../core/log.ts';
import type { LambdaState, Resolved } from './domain.ts';
import { InvalidParameterValueException, ResourceConflictException, ResourceNotFoundException, TooManyRequestsException } from './errors.ts';
import type { Operations } from './generated/operations.ts';
import type { EventSourceMappingConfiguration } from './generated/shapes.ts';
import { invokeSync } from './invoke.ts';
import type { EsmDoc } from './model.ts';

// SQS event source mappings: pollers long-poll the shared queue engine, gather up to BatchSize messages (waiting at
// most MaximumBatchingWindowInSeconds), invoke the function synchronously with the SQS event, delete what was
// processed and leave failures for redelivery (ReportBatchItemFailures: only the listed items). Pollers scale from 1
// up to ScalingConfig.MaximumConcurrency (default 5) while batches come back full.

type H<K extends keyof Operations> = (input: Operations[K]['input'], ctx: RequestContext) => Operations[K]['output'];

interface Runner {
  doc: EsmDoc;
  abort: AbortController;
  pollers: number;
  stopped: boolean;
}

const DEFAULT_MAX_POLLERS = 5;

export class EventSourceMappings {
  private docs = new Map<string, EsmDoc>();
  private runners = new Map<string, Runner>();

  constructor(private st: LambdaState, private queues: QueueEngine, private log: Logger) {
    for (const m of st.d.store.mappings()) this.docs.set(m.uuid, m);
  }

  start(): void {
    for (const m of this.docs.values()) if (m.enabled) this.run(m);
  }

  private render(m: EsmDoc): EventSourceMappingConfiguration {
    return {
      UUID: m.uuid, EventSourceArn: m.eventSourceArn, FunctionArn: m.functionArn, BatchSize: m.batchSize,
      MaximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds, FunctionResponseTypes: m.functionResponseTypes as ['ReportBatchItemFailures'],
      ScalingConfig: m.maximumConcurrency ? { MaximumConcurrency: m.maximumConcurrency } : undefined,
      LastModified: new Date(m.lastModified), LastProcessingResult: m.lastProcessingResult, State: m.state, StateTransitionReason: 'USER_INITIATED',
      EventSourceMappingArn: `arn:aws:lambda:${m.region}:${m.account}:event-source-mapping:${m.uuid}`,
    };
  }

  private resolveFunction(m: { account: string; region: string; functionArn: string }): Resolved {
    return this.st.resolve(m, m.functionArn);
  }

  private queueOf(arn: string): { account: string; region: string; name: string } {
    const m = /^arn:aws[a-zA-Z-]*:sqs:([a-z0-9-]+):(\d{12}):(.+)$/.exec(arn);
    if (!m) throw new InvalidParameterValueException(`Nimbus supports SQS event sources only (got ${arn})`);
    return { region: m[1], account: m[2], name: m[3] };
  }

  private run(m: EsmDoc): void {
    if (this.runners.has(m.uuid)) return;
    const r: Runner = { doc: m, abort: new AbortController(), pollers: 0, stopped: false };
    this.runners.set(m.uuid, r);
    this.addPoller(r);
  }

  private stop(uuid: string): void {
    const r = this.runners.get(uuid);
    if (!r) return;
    r.stopped = true;
    r.abort.abort();
    this.runners.delete(uuid);
  }

  private addPoller(r: Runner): void {
    r.pollers += 1;
    void this.poll(r).catch((err) => this.log.warn({ err, uuid: r.doc.uuid }, 'event source poller failed')).finally(() => {
      r.pollers -= 1;
    });
  }

  private async poll(r: Runner): Promise<void> {
    const max = r.doc.maximumConcurrency ?? DEFAULT_MAX_POLLERS;
    while (!r.stopped) {
      const m = r.doc;
      const ref = this.queueOf(m.eventSourceArn);
      const batch: ReceivedMessage[] = [];
      const windowEnd = Date.now() + m.maximumBatchingWindowInSeconds * 1000;
      try {
        do {
          const left = windowEnd - Date.now();
          const got = await this.queues.receiveMessage(ref, {
            maxNumberOfMessages: Math.min(10, m.batchSize - batch.length), waitTimeSeconds: batch.length ? Math.max(0, Math.min(20, Math.floor(left / 1000))) : 20,
            attributeNames: ['All'], messageAttributeNames: ['All'], signal: r.abort.signal,
          });
          batch.push(...got);
          if (!got.length) break;
        } while (!r.stopped && batch.length < m.batchSize && Date.now() < windowEnd);
      } catch (err) {
        // The queue is gone or unreadable: back off, as AWS keeps the mapping and retries.
        this.log.warn({ err: (err as Error).message, uuid: m.uuid }, 'event source queue unavailable');
        m.lastProcessingResult = `PROBLEM: ${(err as Error).message}`;
        await new Promise((res) => setTimeout(res, 1000).unref());
        continue;
      }
      if (r.stopped) return; // messages already taken come back after their visibility timeout
      if (!batch.length) {
        if (r.pollers > 1) return; // scale down
        continue;
      }
      if (batch.length >= m.batchSize && r.pollers < max) this.addPoller(r); // scale up while batches are full
      await this.process(m, ref, batch);
    }
  }

  private async process(m: EsmDoc, ref: { account: string; region: string; name: string }, batch: ReceivedMessage[]): Promise<void> {
    const event = {
      Records: batch.map((msg) => ({
        messageId: msg.messageId, receiptHandle: msg.receiptHandle, body: msg.body, attributes: msg.attributes,
        messageAttributes: Object.fromEntries(Object.entries(msg.messageAttributes ?? {}).map(([k, v]) => [k, {
          stringValue: v.StringValue, binaryValue: v.BinaryValue ? Buffer.from(v.BinaryValue).toString('base64') : undefined, stringListValues: [], binaryListValues: [], dataType: v.DataType,
        }])),
        md5OfBody: msg.md5OfBody, ...(msg.md5OfMessageAttributes ? { md5OfMessageAttributes: msg.md5OfMessageAttributes } : {}),
        eventSource: 'aws:sqs', eventSourceARN: m.eventSourceArn, awsRegion: ref.region,
      })),
    };
    let failed = new Set<string>(batch.map((b) => b.messageId));
    try {
      const fn = this.resolveFunction(m);
      const out = await invokeSync(this.st, fn, Buffer.from(JSON.stringify(event)));
      if (!out.functionError) {
        failed = new Set();
        m.lastProcessingResult = 'OK';
        if (m.functionResponseTypes.includes('ReportBatchItemFailures')) {
          failed = batchItemFailures(out.payload, batch.map((b) => b.messageId));
        }
      } else m.lastProcessingResult = 'PROBLEM: Function call failed';
    } catch (err) {
      m.lastProcessingResult = err instanceof TooManyRequestsException ? 'PROBLEM: Function call throttled' : `PROBLEM: ${(err as Error).message}`;
      if (err instanceof TooManyRequestsException) await new Promise((res) => setTimeout(res, 200).unref());
    }
    await Promise.all(batch.filter((b) => !failed.has(b.messageId)).map((b) => this.queues.deleteMessage(ref, b.receiptHandle).catch(() => undefined)));
  }

  handlers(): { [K in 'CreateEventSourceMapping' | 'GetEventSourceMapping' | 'ListEventSourceMappings' | 'UpdateEventSourceMapping' | 'DeleteEventSourceMapping']: H<K> } {
    const st = this.st;
    const get = (ctx: RequestContext, uuid: string) => {
      const m = this.docs.get(uuid);
      if (!m || m.account !== ctx.account || m.region !== ctx.region) throw new ResourceNotFoundException(`The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: ${ctx.requestId})`);
      return m;
    };
    const checkBatch = (size: number | undefined, window: number | undefined) => {
      if (size !== undefined && (size < 1 || size > 10_000)) throw new InvalidParameterValueException('BatchSize must be between 1 and 10000');
      if ((size ?? 10) > 10 && !window) throw new InvalidParameterValueException('Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
      if (window !== undefined && (window < 0 || window > 300)) throw new InvalidParameterValueException('MaximumBatchingWindowInSeconds must be between 0 and 300');
    };
    const save = (m: EsmDoc) => {
      this.docs.set(m.uuid, m);
      st.d.store.saveMapping(m);
    };
    return {
      CreateEventSourceMapping: (input, ctx) => {
        if (!input.EventSourceArn) throw new InvalidParameterValueException('Unrecognized event source, must be kinesis, dynamodb stream or sqs.');
        const ref = this.queueOf(input.EventSourceArn);
        if (!this.queues.getQueueByArn(input.EventSourceArn)) throw new InvalidParameterValueException(`Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.`);
        const r = st.resolve({ account: ctx.account, region: ctx.region }, input.FunctionName);
        checkBatch(input.BatchSize, input.MaximumBatchingWindowInSeconds);
        const functionArn = r.qualifier ? `${r.fn.arn}:${r.qualifier}` : r.fn.arn;
        for (const other of this.docs.values()) {
          if (other.eventSourceArn === input.EventSourceArn && other.functionArn === functionArn) {
            throw new ResourceConflictException(`The event source arn (" ${input.EventSourceArn} ") and function (" ${r.fn.name} ") provided mapping already exists. Please update or delete the existing mapping with UUID ${other.uuid}`);
          }
        }
        const enabled = input.Enabled ?? true;
        const m: EsmDoc = {
          uuid: randomUUID(), account: ctx.account, region: ctx.region, eventSourceArn: input.EventSourceArn, functionArn,
          batchSize: input.BatchSize ?? 10, maximumBatchingWindowInSeconds: input.MaximumBatchingWindowInSeconds ?? 0,
          functionResponseTypes: input.FunctionResponseTypes ?? [], maximumConcurrency: input.ScalingConfig?.MaximumConcurrency,
          enabled, state: enabled ? 'Enabled' : 'Disabled', lastModified: st.d.clock.now(), lastProcessingResult: 'No records processed',
        };
        void ref;
        save(m);
        if (enabled) this.run(m);
        return { ...this.render(m), State: enabled ? 'Creating' : 'Disabled' };
      },
      GetEventSourceMapping: (input, ctx) => this.render(get(ctx, input.UUID)),
      ListEventSourceMappings: (input, ctx) => {
        let list = [...this.docs.values()].filter((m) => m.account === ctx.account && m.region === ctx.region);
        if (input.EventSourceArn) list = list.filter((m) => m.eventSourceArn === input.EventSourceArn);
        if (input.FunctionName) {
          const r = st.resolve({ account: ctx.account, region: ctx.region }, input.FunctionName);
          list = list.filter((m) => m.functionArn === r.fn.arn || m.functionArn.startsWith(`${r.fn.arn}:`));
        }
        const start = Number(input.Marker ?? 0) || 0;
        const n = input.MaxItems ?? 100;
        return { EventSourceMappings: list.slice(start, start + n).map((m) => this.render(m)), NextMarker: start + n < list.length ? String(start + n) : undefined };
      },
      UpdateEventSourceMapping: (input, ctx) => {
        const m = get(ctx, input.UUID);
        checkBatch(input.BatchSize ?? m.batchSize, input.MaximumBatchingWindowInSeconds ?? m.maximumBatchingWindowInSeconds);
        let functionArn = m.functionArn;
        if (input.FunctionName) {
          const r = st.resolve({ account: ctx.account, region: ctx.region }, input.FunctionName);
          functionArn = r.qualifier ? `${r.fn.arn}:${r.qualifier}` : r.fn.arn;
        }
        const enabled = input.Enabled ?? m.enabled;
        const next: EsmDoc = {
          ...m, functionArn, batchSize: input.BatchSize ?? m.batchSize,
          maximumBatchingWindowInSeconds: input.MaximumBatchingWindowInSeconds ?? m.maximumBatchingWindowInSeconds,
          functionResponseTypes: input.FunctionResponseTypes ?? m.functionResponseTypes,
          maximumConcurrency: input.ScalingConfig ? input.ScalingConfig.MaximumConcurrency : m.maximumConcurrency,
          enabled, state: enabled ? 'Enabled' : 'Disabled', lastModified: st.d.clock.now(),
        };
        this.stop(m.uuid);
        save(next);
        if (enabled) this.run(next);
        return { ...this.render(next), State: 'Updating' };
      },
      DeleteEventSourceMapping: (input, ctx) => {
        const m = get(ctx, input.UUID);
        this.stop(m.uuid);
        this.docs.delete(m.uuid);
        st.d.store.deleteMapping(m.uuid);
        return { ...this.render(m), State: 'Deleting' };
      },
    };
  }

  close(): void {
    for (const uuid of [...this.runners.keys()]) this.stop(uuid);
  }
}

/** Message ids a ReportBatchItemFailures response lists as failed (all of them when the response is malformed). */
export function batchItemFailures(payload: Buffer, ids: string[]): Set<string> {
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString('utf8') || 'null');
  } catch {
    return new Set(ids);
  }
  if (doc === null || typeof doc !== 'object') return new Set();
  const list = (doc as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list)) return new Set(ids);
  const out = new Set<string>();
  for (const item of list) {
    const id = (item as { itemIdentifier?: unknown })?.itemIdentifier;
    if (typeof id !== 'string' || !ids.includes(id)) return new Set(ids); // an unknown or empty id fails the whole batch, as AWS does
    out.add(id);
  }
  return out;
}
