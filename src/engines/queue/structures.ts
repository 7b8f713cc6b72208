// Small allocation-light containers for the hot path. Entries remember the message's epoch when they were
// pushed; a message bumps its epoch on every state change, so outdated entries are skipped lazily instead of
// being searched for and removed.
import type { Msg } from './message.ts';

/** Min-heap of (time, message, epoch). */
export class TimeHeap {
  private at: number[] = [];
  private msg: Msg[] = [];
  private ep: number[] = [];

  get size(): number {
    return this.at.length;
  }

  push(at: number, m: Msg): void {
    let i = this.at.length;
    this.at.push(at);
    this.msg.push(m);
    this.ep.push(m.epoch);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.at[p]! <= at) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Earliest time of a still-valid entry (drops stale tops on the way), or Infinity. */
  peekAt(): number {
    while (this.at.length && this.msg[0]!.epoch !== this.ep[0]) this.pop();
    return this.at.length ? this.at[0]! : Infinity;
  }

  /** Pops the top entry; returns its message when the entry is still current. */
  popValid(): Msg | undefined {
    const m = this.msg[0]!;
    const valid = m.epoch === this.ep[0];
    this.pop();
    return valid ? m : undefined;
  }

  clear(): void {
    this.at = [];
    this.msg = [];
    this.ep = [];
  }

  /** Drops outdated entries and re-heapifies (a queue that deletes quickly leaves one per received message). */
  compact(): void {
    const keep: number[] = [];
    for (let i = 0; i < this.at.length; i++) if (this.msg[i]!.epoch === this.ep[i]) keep.push(i);
    this.at = keep.map((i) => this.at[i]!);
    this.msg = keep.map((i) => this.msg[i]!);
    this.ep = keep.map((i) => this.ep[i]!);
    for (let i = (this.at.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private pop(): void {
    const last = this.at.length - 1;
    this.swap(0, last);
    this.at.pop();
    this.msg.pop();
    this.ep.pop();
    this.siftDown(0);
  }

  private siftDown(start: number): void {
    let i = start;
    const n = this.at.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let s = i;
      if (l < n && this.at[l]! < this.at[s]!) s = l;
      if (r < n && this.at[r]! < this.at[s]!) s = r;
      if (s === i) break;
      this.swap(i, s);
      i = s;
    }
  }

  private swap(a: number, b: number): void {
    [this.at[a], this.at[b]] = [this.at[b]!, this.at[a]!];
    [this.msg[a], this.msg[b]] = [this.msg[b]!, this.msg[a]!];
    [this.ep[a], this.ep[b]] = [this.ep[b]!, this.ep[a]!];
  }
}

/** FIFO list of (message, epoch) with an advancing head; compacts itself now and then. */
export class ReadyList {
  private msg: Msg[] = [];
  private ep: number[] = [];
  private head = 0;

  push(m: Msg): void {
    this.msg.push(m);
    this.ep.push(m.epoch);
  }

  /** Next entry still current (same epoch), or undefined. */
  shift(): Msg | undefined {
    while (this.head < this.msg.length) {
      const m = this.msg[this.head]!;
      const valid = m.epoch === this.ep[this.head];
      this.head++;
      if (valid) {
        this.compact();
        return m;
      }
    }
    this.clear();
    return undefined;
  }

  clear(): void {
    this.msg = [];
    this.ep = [];
    this.head = 0;
  }

  private compact(): void {
    if (this.head > 4096 && this.head * 2 > this.msg.length) {
      this.msg = this.msg.slice(this.head);
      this.ep = this.ep.slice(this.head);
      this.head = 0;
    }
  }
}
