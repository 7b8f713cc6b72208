// Helpers shared by the billing engine's tests (not used by production code).
import { ManualClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { openDb, type Db } from '../../store/db.ts';
import { BillingEngine } from './engine.ts';
import type { LineItem, UsageInterval } from './types.ts';

export const HOUR = 3_600_000;
export const T0 = Date.UTC(2026, 0, 1);
export const ACCOUNT = '000000000000';

export function engine(now = T0, path: string = ':memory:'): { billing: BillingEngine; clock: ManualClock; db: Db } {
  const clock = new ManualClock(now);
  const db = openDb(path);
  return { billing: new BillingEngine({ db, clock, log: silentLogger }), clock, db };
}

/** Meters one closed interval of an instance (defaults: us-east-1a, on-demand, shared tenancy). */
export function run(b: BillingEngine, resourceId: string, instanceType: string, startMs: number, endMs: number, more: Partial<UsageInterval> = {}): void {
  b.meter.open({ account: ACCOUNT, region: 'us-east-1', az: 'us-east-1a', kind: 'instance', resourceId, instanceType, market: 'on-demand', tenancy: 'default', startMs, ...more });
  b.meter.close(resourceId, endMs);
}

export const sum = (items: LineItem[], f: (l: LineItem) => number = (l) => l.unblendedCost) => items.reduce((a, l) => a + f(l), 0);
export const amortized = (items: LineItem[]) => sum(items, (l) => l.amortizedCost);

/** Money compared to a millionth of a cent. */
export const close = (actual: number, expected: number, what = '') => {
  if (Math.abs(actual - expected) > 1e-8) throw new Error(`${what} expected ${expected}, got ${actual}`);
};
