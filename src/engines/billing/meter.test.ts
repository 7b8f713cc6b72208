import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACCOUNT, close, engine, HOUR, sum, T0 } from './test-support.ts';

const open = { account: ACCOUNT, region: 'us-east-1', az: 'us-east-1a', kind: 'instance' as const, instanceType: 't3.micro', market: 'on-demand' as const, tenancy: 'default' as const };

test('open is idempotent, close ends the open interval, a closed resource can open again', () => {
  const { billing } = engine(T0 + 5 * HOUR);
  billing.meter.open({ ...open, resourceId: 'i-1', startMs: T0 });
  billing.meter.open({ ...open, resourceId: 'i-1', startMs: T0 + HOUR }); // no-op: one is open
  assert.equal(billing.meter.openInterval('i-1')?.startMs, T0);
  billing.meter.close('i-1', T0 + 2 * HOUR);
  billing.meter.close('i-1', T0 + 3 * HOUR); // no-op: none open
  billing.meter.open({ ...open, resourceId: 'i-1', startMs: T0 + 4 * HOUR });
  const ivs = billing.meter.intervals(ACCOUNT, T0, T0 + 5 * HOUR);
  assert.deepEqual(ivs.map((i) => [i.startMs - T0, i.endMs === null ? null : i.endMs - T0]), [[0, 2 * HOUR], [4 * HOUR, null]]);
  assert.deepEqual(billing.meter.intervals(ACCOUNT, T0 + 2 * HOUR, T0 + 4 * HOUR), [], 'nothing overlaps the gap');
  assert.equal(billing.meter.intervals('111111111111', T0, T0 + 5 * HOUR).length, 0);
});

test('open/close inside the caller\'s transaction roll back with it', () => {
  const { billing, db } = engine(T0 + HOUR);
  assert.throws(() => db.transaction(() => {
    billing.meter.open({ ...open, resourceId: 'i-rb', startMs: T0 });
    throw new Error('state change failed');
  })());
  assert.equal(billing.meter.openInterval('i-rb'), undefined);
  db.transaction(() => billing.meter.open({ ...open, resourceId: 'i-ok', startMs: T0 }))();
  assert.ok(billing.meter.openInterval('i-ok'));
});

test('restart durability: intervals, reservations and plans survive reopening the database file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-billing-'));
  try {
    const path = join(dir, 'state.db');
    const first = engine(T0 + 3 * HOUR, path);
    first.billing.meter.open({ ...open, resourceId: 'i-d', instanceType: 'm7i.large', startMs: T0 });
    const o = first.billing.reserved.offerings('us-east-1', { instanceType: 't3.micro', offeringType: 'No Upfront', offeringClass: 'standard', durationSec: 31_536_000 })[0]!;
    first.billing.reserved.purchase({ account: ACCOUNT, region: 'us-east-1' }, o.id, 1, T0);
    const sp = first.billing.savingsPlans.offerings({ planTypes: ['Compute'], paymentOptions: ['No Upfront'], durationsSec: [94_608_000] })[0]!;
    first.billing.savingsPlans.create(ACCOUNT, { offeringId: sp.offeringId, commitment: 0.01, tags: { team: 'a' } }, T0);
    const before = first.billing.lineItems(ACCOUNT, T0, T0 + 3 * HOUR);
    first.db.close();

    const second = engine(T0 + 3 * HOUR, path);
    // EC2 re-opens running instances on start: still idempotent, the interval keeps its original start.
    second.billing.meter.open({ ...open, resourceId: 'i-d', instanceType: 'm7i.large', startMs: T0 + 3 * HOUR });
    assert.equal(second.billing.meter.openInterval('i-d')?.startMs, T0);
    assert.equal(second.billing.reserved.list({ account: ACCOUNT, region: 'us-east-1' }, T0 + HOUR)[0]?.offeringId, o.id);
    assert.deepEqual(second.billing.savingsPlans.list(ACCOUNT, T0)[0]?.tags, { team: 'a' });
    const after = second.billing.lineItems(ACCOUNT, T0, T0 + 3 * HOUR);
    assert.deepEqual(after, before);
    // 3 h of m7i.large: the unused t3.micro RI's fee, the 3-year Compute plan's 0.01/h (rate 0.1008 × 0.5), the rest On-Demand.
    close(sum(after), 3 * o.recurringHourly + 3 * 0.01 + (3 * 0.1008 - 3 * 0.01 / 0.5), 'three hours');
    second.db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
