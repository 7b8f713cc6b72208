import type { ManualClock } from '../../core/clock.ts';

/**
 * Timers go through this so tests can drive long polls, visibility timeouts and move tasks with a ManualClock.
 * (Clock in core only tells time; if other engines need timers too this belongs in src/core/clock.ts.)
 */
export interface Scheduler {
  /** `unref`: the timer alone does not keep the process alive (housekeeping). */
  setTimeout(fn: () => void, ms: number, unref?: boolean): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  setTimeout(fn, ms, unref) {
    const t = setTimeout(fn, Math.max(0, ms));
    if (unref) t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface ManualTimer {
  id: number;
  due: number;
  fn: () => void;
}

/** Fires timers when the test moves the clock; callbacks run in due order with the clock set to their due time. */
export class ManualScheduler implements Scheduler {
  private timers: ManualTimer[] = [];
  private n = 0;
  constructor(readonly clock: ManualClock) {}

  setTimeout(fn: () => void, ms: number): unknown {
    const t = { id: ++this.n, due: this.clock.now() + Math.max(0, ms), fn };
    this.timers.push(t);
    return t.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Moves the clock forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.clock.now() + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers) if (t.due <= target && (!next || t.due < next.due || (t.due === next.due && t.id < next.id))) next = t;
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      if (next.due > this.clock.now()) this.clock.set(next.due);
      next.fn();
    }
    this.clock.set(target);
  }
}
