import { arn } from '../../core/arn.ts';
import { type Clock, systemClock } from '../../core/clock.ts';
import { type IdSource, randomIds } from '../../core/ids.ts';
import type { Logger } from '../../core/log.ts';
import type { Db } from '../../store/db.ts';
import { changeMessageVisibility, changeMessageVisibilityBatch, deleteMessage, deleteMessageBatch } from './ack.ts';
import { defaultAttributes, mergeAttributes, parseConfig, READABLE } from './attributes.ts';
import { GroupCommit } from './commit.ts';
import { EngineContext } from './context.ts';
import { InvalidAttributeName, InvalidParameterValue, PurgeQueueInProgress, QueueNameExists } from './errors.ts';
import { MoveTasks } from './move-tasks.ts';
import { QueueState } from './queue-state.ts';
import { receiveMessage } from './receive.ts';
import { realScheduler, type Scheduler } from './scheduler.ts';
import { sendMessage, sendMessageBatch } from './send.ts';
import { QueueStore } from './store.ts';
import type { BatchResult, MoveTaskEntry, QueueInfo, QueueRef, ReceivedMessage, ReceiveOptions, SendMessageInput, SendMessageResult } from './types.ts';
import { checkQueueName, checkRedriveTarget, checkTags } from './queue-checks.ts';

export interface QueueEngineOptions {
  db: Db;
  clock?: Clock;
  ids?: IdSource;
  scheduler?: Scheduler;
  log?: Logger;
}

const SWEEP_MS = 1000;
const PURGE_INTERVAL_MS = 60_000;

/**
 * The durable message-queue engine behind SQS: a plain API with SQS semantics. Hot state lives in memory
 * (rebuilt from SQLite at open); every acknowledged change is group-committed first.
 *
 * LIMITATIONS: no KMS encryption (KmsMasterKeyId is only stored), Policy is stored but not enforced, no
 * FIFO throughput limits, no ReceiveRequestAttemptId deduplication, QueueDeletedRecently is not enforced,
 * retention of messages dead-lettered into a standard DLQ is approximate (see QueueState.expire).
 */
export class QueueEngine {
  private ctx: EngineContext;
  private moves: MoveTasks;
  private sweepTimer?: unknown;
  private lastDedupSweep = 0;

  private constructor(opts: QueueEngineOptions) {
    const store = new QueueStore(opts.db);
    const writer = new GroupCommit(store, (e) => opts.log?.error({ err: e }, 'queue engine: commit failed'));
    this.ctx = new EngineContext(store, writer, opts.clock ?? systemClock, opts.ids ?? randomIds, opts.scheduler ?? realScheduler);
    this.moves = new MoveTasks(this.ctx);
  }

  /** Opens the engine on a migrated database and rebuilds the in-memory state. */
  static open(opts: QueueEngineOptions): QueueEngine {
    const e = new QueueEngine(opts);
    e.load();
    return e;
  }

  private load(): void {
    const { ctx } = this;
    const now = ctx.clock.now();
    for (const r of ctx.store.loadQueues()) {
      const attrs = JSON.parse(r.attributes) as Record<string, string>;
      const fifo = attrs.FifoQueue === 'true';
      ctx.register(new QueueState(r.id, r.account, r.region, r.name, queueArn(r.region, r.account, r.name), parseConfig(attrs, fifo), attrs,
        JSON.parse(r.tags) as Record<string, string>, r.created_at, r.modified_at, r.last_purge_at ?? 0, r.fifo_seq));
    }
    for (const m of ctx.store.loadMessages()) {
      const q = ctx.byId.get(m.queueId);
      if (q) q.add(m, now);
      else {
        m.state = 4; // orphan row: drop it
        ctx.writer.touch(m);
      }
    }
    ctx.store.expireDedup(now);
    for (const d of ctx.store.loadDedup(now)) {
      ctx.byId.get(d.queueId)?.dedup.set(`${d.scope}\u0000${d.dedupId}`, { messageId: d.messageId, seqNo: d.seqNo, expiresAt: d.expiresAt });
    }
    this.sweep();
    ctx.writer.flush();
    this.moves.load();
  }

  /** Stops timers, answers waiting long polls with nothing and writes what is pending. Leaves the db open. */
  close(): void {
    const { ctx } = this;
    ctx.closed = true;
    if (this.sweepTimer !== undefined) ctx.sched.clearTimeout(this.sweepTimer);
    this.moves.stop();
    for (const q of ctx.byId.values()) {
      if (q.wakeTimer !== undefined) ctx.sched.clearTimeout(q.wakeTimer);
      for (const w of q.waiters.splice(0)) {
        w.cleanup();
        w.done([]);
      }
    }
    ctx.writer.flush();
  }

  /** Housekeeping once a second: retention expiry and the FIFO deduplication window. */
  private sweep(): void {
    const { ctx } = this;
    if (ctx.closed) return;
    const now = ctx.clock.now();
    for (const q of ctx.byId.values()) this.expire(q, now);
    if (now - this.lastDedupSweep >= 60_000) {
      this.lastDedupSweep = now;
      ctx.store.expireDedup(now);
    }
    this.sweepTimer = ctx.sched.setTimeout(() => this.sweep(), SWEEP_MS, true);
  }

  private expire(q: QueueState, now: number): void {
    let any = false;
    q.expire(now, (m) => {
      this.ctx.writer.touch(m);
      any = true;
    });
    if (any) this.ctx.writer.schedule();
  }

  // ---- queues ---------------------------------------------------------------------------------------------

  /**
   * CreateQueue. Idempotent when the queue exists and every attribute given matches its current value;
   * otherwise QueueNameExists. Attribute values are strings, as on the wire.
   */
  createQueue(ref: QueueRef, attributes: Record<string, string> = {}, tags: Record<string, string> = {}): QueueInfo {
    const { ctx } = this;
    // As on AWS, a FIFO queue needs both the FifoQueue=true attribute and the .fifo suffix.
    const fifo = String(attributes.FifoQueue ?? '').toLowerCase() === 'true';
    checkQueueName(ref.name, fifo);
    checkTags(tags);
    const merged = mergeAttributes(defaultAttributes(fifo), attributes, fifo, true);
    const existing = ctx.find(ref);
    if (existing) {
      for (const k of Object.keys(attributes)) {
        if (existing.attributes[k] !== merged[k]) throw new QueueNameExists(`A queue already exists with the same name and a different value for attribute ${k}`);
      }
      return info(existing);
    }
    const config = parseConfig(merged, fifo);
    checkRedriveTarget(ctx, ref, config);
    const now = ctx.clock.now();
    const id = ctx.store.insertQueue(ref.account, ref.region, ref.name, merged, tags, now);
    const q = new QueueState(id, ref.account, ref.region, ref.name, queueArn(ref.region, ref.account, ref.name), config, merged, { ...tags }, now, now, 0, 0);
    ctx.register(q);
    if (this.sweepTimer === undefined) this.sweep();
    return info(q);
  }

  getQueue(ref: QueueRef): QueueInfo {
    return info(this.ctx.queue(ref));
  }

  getQueueByArn(queueArn: string): QueueInfo | undefined {
    const q = this.ctx.byArn.get(queueArn);
    return q && info(q);
  }

  /** ListQueues: sorted by name; `nextToken` is opaque. */
  listQueues(account: string, region: string, opts: { prefix?: string; maxResults?: number; nextToken?: string } = {}): { queues: QueueInfo[]; nextToken?: string } {
    const { prefix = '', maxResults, nextToken } = opts;
    if (maxResults !== undefined && (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 1000))
      throw new InvalidParameterValue(`Value ${maxResults} for parameter MaxResults is invalid. Reason: Must be between 1 and 1000.`);
    const after = nextToken ? Buffer.from(nextToken, 'base64url').toString('utf8') : undefined;
    const all = [...this.ctx.byId.values()]
      .filter((q) => q.account === account && q.region === region && q.name.startsWith(prefix) && (after === undefined || q.name > after))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const limit = maxResults ?? 1000;
    const page = all.slice(0, limit);
    const more = maxResults !== undefined && all.length > limit;
    return { queues: page.map(info), ...(more ? { nextToken: Buffer.from(page[page.length - 1]!.name, 'utf8').toString('base64url') } : {}) };
  }

  /** DeleteQueue: the queue and its messages go at once; waiting long polls get nothing. */
  deleteQueue(ref: QueueRef): void {
    const { ctx } = this;
    const q = ctx.queue(ref);
    ctx.writer.flush();
    ctx.store.deleteQueue(q.id);
    ctx.unregister(q);
    q.clear();
    if (q.wakeTimer !== undefined) ctx.sched.clearTimeout(q.wakeTimer);
    for (const w of q.waiters.splice(0)) {
      w.cleanup();
      w.done([]);
    }
  }

  /** PurgeQueue: deletes every message (in flight too); once per 60 seconds. */
  purgeQueue(ref: QueueRef): void {
    const { ctx } = this;
    const q = ctx.queue(ref);
    const now = ctx.clock.now();
    if (q.lastPurgeAt && now - q.lastPurgeAt < PURGE_INTERVAL_MS)
      throw new PurgeQueueInProgress(`Only one PurgeQueue operation on ${q.name} is allowed every 60 seconds.`);
    ctx.writer.flush();
    ctx.store.purge(q.id, now);
    q.clear();
    q.lastPurgeAt = now;
  }

  /** GetQueueAttributes: 'All' or names; values as SQS renders them (timestamps in epoch seconds). */
  getQueueAttributes(ref: QueueRef, names: string[] = ['All']): Record<string, string> {
    const q = this.ctx.queue(ref);
    for (const n of names) if (n !== 'All' && !READABLE.has(n)) throw new InvalidAttributeName(`Unknown Attribute ${n}.`);
    const now = this.ctx.clock.now();
    this.expire(q, now);
    q.promote(now);
    const all: Record<string, string> = {
      QueueArn: q.arn,
      ApproximateNumberOfMessages: String(q.counts[1]),
      ApproximateNumberOfMessagesNotVisible: String(q.counts[2]),
      ApproximateNumberOfMessagesDelayed: String(q.counts[0]),
      CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(q.modifiedAt / 1000)),
      ...q.attributes,
    };
    if (names.includes('All')) return all;
    const out: Record<string, string> = {};
    for (const n of names) if (all[n] !== undefined) out[n] = all[n];
    return out;
  }

  setQueueAttributes(ref: QueueRef, attributes: Record<string, string>): void {
    const { ctx } = this;
    const q = ctx.queue(ref);
    const merged = mergeAttributes(q.attributes, attributes, q.fifo, false);
    const config = parseConfig(merged, q.fifo);
    checkRedriveTarget(ctx, ref, config);
    const now = ctx.clock.now();
    ctx.store.updateAttributes(q.id, merged, now);
    q.attributes = merged;
    q.config = config;
    q.modifiedAt = now;
  }

  tagQueue(ref: QueueRef, tags: Record<string, string>): void {
    const q = this.ctx.queue(ref);
    const next = { ...q.tags, ...tags };
    checkTags(next);
    this.ctx.store.updateTags(q.id, next);
    q.tags = next;
  }

  untagQueue(ref: QueueRef, keys: string[]): void {
    const q = this.ctx.queue(ref);
    const next = { ...q.tags };
    for (const k of keys) delete next[k];
    this.ctx.store.updateTags(q.id, next);
    q.tags = next;
  }

  listQueueTags(ref: QueueRef): Record<string, string> {
    return { ...this.ctx.queue(ref).tags };
  }

  /** Queues whose RedrivePolicy targets this one. */
  listDeadLetterSourceQueues(ref: QueueRef): QueueInfo[] {
    const dlq = this.ctx.queue(ref);
    return [...this.ctx.byId.values()].filter((q) => q.config.redrivePolicy?.deadLetterTargetArn === dlq.arn).map(info);
  }

  // ---- messages ---------------------------------------------------------------------------------------------

  sendMessage(ref: QueueRef, input: SendMessageInput): Promise<SendMessageResult> {
    return sendMessage(this.ctx, ref, input);
  }

  /** Batch-level problems throw (EmptyBatchRequest, TooManyEntriesInBatchRequest, …); entry problems are in `failed`. */
  sendMessageBatch(ref: QueueRef, entries: (SendMessageInput & { id: string })[]): Promise<BatchResult<SendMessageResult & { id: string }>> {
    return sendMessageBatch(this.ctx, ref, entries);
  }

  receiveMessage(ref: QueueRef, opts?: ReceiveOptions): Promise<ReceivedMessage[]> {
    return receiveMessage(this.ctx, ref, opts);
  }

  deleteMessage(ref: QueueRef, receiptHandle: string): Promise<void> {
    return deleteMessage(this.ctx, ref, receiptHandle);
  }

  deleteMessageBatch(ref: QueueRef, entries: { id: string; receiptHandle: string }[]): Promise<BatchResult<{ id: string }>> {
    return deleteMessageBatch(this.ctx, ref, entries);
  }

  changeMessageVisibility(ref: QueueRef, receiptHandle: string, visibilityTimeout: number): Promise<void> {
    return changeMessageVisibility(this.ctx, ref, receiptHandle, visibilityTimeout);
  }

  changeMessageVisibilityBatch(ref: QueueRef, entries: { id: string; receiptHandle: string; visibilityTimeout: number }[]): Promise<BatchResult<{ id: string }>> {
    return changeMessageVisibilityBatch(this.ctx, ref, entries);
  }

  // ---- message move tasks -----------------------------------------------------------------------------------

  startMessageMoveTask(input: { sourceArn: string; destinationArn?: string; maxNumberOfMessagesPerSecond?: number }): { taskHandle: string } {
    return this.moves.start(input);
  }

  cancelMessageMoveTask(taskHandle: string): { approximateNumberOfMessagesMoved: number } {
    return this.moves.cancel(taskHandle);
  }

  listMessageMoveTasks(sourceArn: string, maxResults?: number): MoveTaskEntry[] {
    return this.moves.list(sourceArn, maxResults);
  }

  /** Number of group-commit transactions so far (diagnostics, benchmark). */
  get commits(): number {
    return this.ctx.writer.flushes;
  }
}

export function queueArn(region: string, account: string, name: string): string {
  return arn({ service: 'sqs', region, account, resource: name });
}

function info(q: QueueState): QueueInfo {
  return { account: q.account, region: q.region, name: q.name, arn: q.arn, fifo: q.fifo, createdAt: q.createdAt, modifiedAt: q.modifiedAt };
}
