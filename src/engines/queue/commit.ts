import type { Msg } from './message.ts';
import type { DedupRow, QueueStore } from './store.ts';

/**
 * Group commit: state changes made during one turn of the event loop are written in a single SQLite
 * transaction on the next setImmediate, and every caller of that turn awaits the same promise, which settles
 * only after COMMIT. Changes are coalesced per message (a send then delete in the same turn writes nothing).
 */
export class GroupCommit {
  private dirty = new Set<Msg>();
  private dedups: DedupRow[] = [];
  private seqs = new Map<number, number>();
  private pending?: { promise: Promise<void>; resolve(): void; reject(e: unknown): void };
  private scheduled?: NodeJS.Immediate;
  /** Batches written (for tests and the benchmark). */
  flushes = 0;

  constructor(private store: QueueStore, private onError: (e: unknown) => void = () => {}) {}

  touch(m: Msg): void {
    this.dirty.add(m);
  }

  dedup(row: DedupRow): void {
    this.dedups.push(row);
  }

  sequence(queueId: number, seq: number): void {
    this.seqs.set(queueId, seq);
  }

  /** Resolves once everything touched so far is committed. */
  commit(): Promise<void> {
    if (!this.pending) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.pending = { promise, resolve, reject };
    }
    this.schedule();
    return this.pending.promise;
  }

  /** Makes sure background changes (expiry, redrive) get written even if nobody awaits them. */
  schedule(): void {
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Writes now (before bulk SQL that must see every earlier change, and at close). */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (this.dirty.size || this.dedups.length || this.seqs.size) {
      const [dirty, dedups, seqs] = [this.dirty, this.dedups, this.seqs];
      this.dirty = new Set();
      this.dedups = [];
      this.seqs = new Map();
      try {
        this.store.writeBatch(dirty, dedups, seqs);
        this.flushes++;
      } catch (e) {
        this.onError(e);
        pending?.reject(e);
        return;
      }
    }
    pending?.resolve();
  }
}
