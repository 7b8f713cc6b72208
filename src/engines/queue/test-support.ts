// Shared fixtures for the queue engine tests (not a test file itself).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock.ts';
import { SequentialIds } from '../../core/ids.ts';
import { type Db, openDb } from '../../store/db.ts';
import { QueueEngine } from './engine.ts';
import { ManualScheduler } from './scheduler.ts';
import type { QueueRef } from './types.ts';

export interface Fixture {
  db: Db;
  clock: ManualClock;
  sched: ManualScheduler;
  engine: QueueEngine;
  ref(name: string): QueueRef;
  /** Moves time (firing due timers) and lets group commits settle. */
  advance(ms: number): Promise<void>;
  reopen(): QueueEngine;
  close(): void;
}

export const tick = () => new Promise<void>((r) => setImmediate(r));

export function tempDbPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'nimbus-queue-')), 'state.db');
}

export function fixture(path: string | ':memory:' = ':memory:'): Fixture {
  const db = openDb(path);
  const clock = new ManualClock();
  const sched = new ManualScheduler(clock);
  const ids = new SequentialIds();
  const f: Fixture = {
    db,
    clock,
    sched,
    engine: QueueEngine.open({ db, clock, ids, scheduler: sched }),
    ref: (name) => ({ account: '000000000000', region: 'us-east-1', name }),
    async advance(ms) {
      sched.advance(ms);
      await tick();
      await tick();
    },
    reopen() {
      f.engine.close();
      f.engine = QueueEngine.open({ db, clock, ids, scheduler: sched });
      return f.engine;
    },
    close() {
      f.engine.close();
      db.close();
    },
  };
  return f;
}
