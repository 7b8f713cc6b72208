import type { Clock } from '../../core/clock.ts';
import type { IdSource } from '../../core/ids.ts';
import type { GroupCommit } from './commit.ts';
import { QueueDoesNotExist } from './errors.ts';
import type { QueueState } from './queue-state.ts';
import type { Scheduler } from './scheduler.ts';
import type { QueueStore } from './store.ts';
import type { QueueRef } from './types.ts';

/** What the engine's parts share: the queue registry, persistence, time and ids. */
export class EngineContext {
  readonly byKey = new Map<string, QueueState>();
  readonly byId = new Map<number, QueueState>();
  readonly byArn = new Map<string, QueueState>();
  private lastMid: number;
  closed = false;

  constructor(
    readonly store: QueueStore,
    readonly writer: GroupCommit,
    readonly clock: Clock,
    readonly ids: IdSource,
    readonly sched: Scheduler,
  ) {
    this.lastMid = store.maxMid();
  }

  static key(account: string, region: string, name: string): string {
    return `${account}\u0000${region}\u0000${name}`;
  }

  nextMid(): number {
    return ++this.lastMid;
  }

  find(ref: QueueRef): QueueState | undefined {
    return this.byKey.get(EngineContext.key(ref.account, ref.region, ref.name));
  }

  /** The queue, or QueueDoesNotExist. */
  queue(ref: QueueRef): QueueState {
    const q = this.find(ref);
    if (!q) throw new QueueDoesNotExist();
    return q;
  }

  register(q: QueueState): void {
    this.byKey.set(EngineContext.key(q.account, q.region, q.name), q);
    this.byId.set(q.id, q);
    this.byArn.set(q.arn, q);
  }

  unregister(q: QueueState): void {
    this.byKey.delete(EngineContext.key(q.account, q.region, q.name));
    this.byId.delete(q.id);
    this.byArn.delete(q.arn);
  }
}
