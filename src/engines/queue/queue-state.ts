import type { QueueConfig } from './attributes.ts';
import { DELAYED, GONE, INFLIGHT, type Msg, type MsgState, NEW, READY } from './message.ts';
import { ReadyList, TimeHeap } from './structures.ts';
import type { ReceivedMessage } from './types.ts';

export interface Waiter {
  max: number;
  visibilityMs: number;
  attributeNames?: string[];
  messageAttributeNames?: string[];
  done(messages: ReceivedMessage[]): void;
  timer: unknown;
  cleanup(): void;
}

interface Group {
  msgs: Msg[];
  inflight: number;
}

export interface DedupEntry {
  messageId: string;
  seqNo?: string;
  expiresAt: number;
}

/**
 * The in-memory hot state of one queue: every message by row id, a heap of future visibility times
 * (delays and in-flight deadlines), and the deliverable messages — a ready list for standard queues, ordered
 * per-group lists for FIFO queues (a group with a message in flight is blocked).
 */
export class QueueState {
  readonly messages = new Map<number, Msg>();
  /** Messages per state: [DELAYED, READY, INFLIGHT]. */
  readonly counts = [0, 0, 0];
  readonly waiters: Waiter[] = [];
  readonly dedup = new Map<string, DedupEntry>();
  wakeTimer: unknown;
  wakeAt = Infinity;
  private heap = new TimeHeap();
  private ready = new ReadyList();
  private groups = new Map<string, Group>();

  constructor(
    readonly id: number,
    readonly account: string,
    readonly region: string,
    readonly name: string,
    readonly arn: string,
    public config: QueueConfig,
    public attributes: Record<string, string>,
    public tags: Record<string, string>,
    readonly createdAt: number,
    public modifiedAt: number,
    public lastPurgeAt: number,
    public fifoSeq: number,
  ) {}

  get fifo(): boolean {
    return this.config.fifo;
  }

  /** Places a new message (state NEW) according to its visibleAt and receive count. */
  add(m: Msg, now: number): void {
    this.messages.set(m.mid, m);
    if (this.fifo) this.group(m.groupId!).msgs.push(m);
    if (m.visibleAt > now) {
      this.setState(m, m.receiveCount > 0 ? INFLIGHT : DELAYED);
      this.heap.push(m.visibleAt, m);
    } else this.makeReady(m);
  }

  /** Makes delayed messages and expired visibility timeouts visible. */
  promote(now: number): void {
    while (this.heap.size && this.heap.peekAt() <= now) {
      const m = this.heap.popValid();
      if (m && (m.state === DELAYED || m.state === INFLIGHT)) this.makeReady(m);
    }
  }

  /** Earliest future time something becomes visible (Infinity when nothing is pending). */
  nextVisibleAt(): number {
    return this.heap.peekAt();
  }

  /**
   * Takes up to `max` deliverable messages and puts them in flight until `until`. `dispose(m)` is asked about
   * each candidate first; when it returns true it has removed the message (expired, dead-lettered) and the
   * next one is tried.
   */
  take(max: number, until: number, dispose: (m: Msg) => boolean): Msg[] {
    const out: Msg[] = [];
    if (!this.fifo) {
      while (out.length < max) {
        const m = this.ready.shift();
        if (!m) break;
        if (m.state !== READY || dispose(m)) continue;
        this.markInflight(m, until);
        out.push(m);
      }
      return out;
    }
    const served: string[] = [];
    for (const [gid, g] of this.groups) {
      if (out.length >= max) break;
      if (g.inflight > 0) continue; // strict order: the group waits for its in-flight message
      let i = 0;
      let took = false;
      while (i < g.msgs.length && out.length < max) {
        const m = g.msgs[i]!;
        if (m.state !== READY) break;
        if (dispose(m)) continue; // removed from g.msgs: the next one slid into position i
        this.markInflight(m, until);
        out.push(m);
        took = true;
        i++;
      }
      if (took) served.push(gid);
    }
    // Round robin: groups just served go to the back.
    for (const gid of served) {
      const g = this.groups.get(gid);
      if (g) {
        this.groups.delete(gid);
        this.groups.set(gid, g);
      }
    }
    return out;
  }

  /** Removes and returns up to `n` deliverable messages, in delivery order (message move tasks). */
  drain(n: number, now: number): Msg[] {
    this.promote(now);
    const out: Msg[] = [];
    if (!this.fifo) {
      while (out.length < n) {
        const m = this.ready.shift();
        if (!m) break;
        if (m.state !== READY) continue;
        this.remove(m);
        out.push(m);
      }
      return out;
    }
    for (const g of [...this.groups.values()]) {
      if (g.inflight > 0) continue;
      while (out.length < n && g.msgs.length && g.msgs[0]!.state === READY) {
        const m = g.msgs[0]!;
        this.remove(m);
        out.push(m);
      }
      if (out.length >= n) break;
    }
    return out;
  }

  markInflight(m: Msg, until: number): void {
    m.visibleAt = until;
    this.setState(m, INFLIGHT);
    this.heap.push(until, m);
    // Only DELAYED and INFLIGHT messages need heap entries; keep the stale rest from piling up.
    if (this.heap.size > 4096 && this.heap.size > 2 * (this.counts[DELAYED]! + this.counts[INFLIGHT]!)) this.heap.compact();
  }

  /** ChangeMessageVisibility: 0 (or a past time) makes it visible now. */
  setVisibleAt(m: Msg, at: number, now: number): void {
    if (at <= now) {
      m.visibleAt = now;
      this.makeReady(m);
    } else this.markInflight(m, at);
  }

  remove(m: Msg): void {
    if (m.state === GONE) return;
    this.setState(m, GONE);
    this.messages.delete(m.mid);
    if (this.fifo) {
      const g = this.groups.get(m.groupId!);
      if (g) {
        const i = g.msgs.indexOf(m);
        if (i >= 0) g.msgs.splice(i, 1);
        if (g.msgs.length === 0) this.groups.delete(m.groupId!);
      }
    }
  }

  /** Drops every message (purge, delete queue); returns them. */
  clear(): Msg[] {
    const all = [...this.messages.values()];
    for (const m of all) {
      m.state = GONE;
      m.epoch++;
    }
    this.messages.clear();
    this.groups.clear();
    this.heap.clear();
    this.ready.clear();
    this.counts.fill(0);
    return all;
  }

  /**
   * Removes messages past the retention period. Messages are kept in arrival order, so the scan stops at the
   * first young one. (A message dead-lettered here keeps its older SentTimestamp and may outlive it until the
   * messages ahead of it expire; delivery re-checks retention, so it is never delivered late.)
   */
  expire(now: number, onExpired: (m: Msg) => void): void {
    const maxAge = this.config.messageRetentionPeriod * 1000;
    for (const m of this.messages.values()) {
      if (now - m.sentAt < maxAge) break;
      this.remove(m);
      onExpired(m);
    }
  }

  private makeReady(m: Msg): void {
    this.setState(m, READY);
    if (!this.fifo) this.ready.push(m);
  }

  private group(id: string): Group {
    let g = this.groups.get(id);
    if (!g) this.groups.set(id, (g = { msgs: [], inflight: 0 }));
    return g;
  }

  private setState(m: Msg, s: MsgState): void {
    const prev = m.state;
    if (prev !== NEW && prev !== GONE) this.counts[prev]!--;
    if (s !== NEW && s !== GONE) this.counts[s]!++;
    if (this.fifo) {
      const g = this.groups.get(m.groupId!);
      if (g) g.inflight += (s === INFLIGHT ? 1 : 0) - (prev === INFLIGHT ? 1 : 0);
    }
    m.state = s;
    m.epoch++;
  }
}

export { DELAYED, READY, INFLIGHT };
