import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from './catalog/catalog.ts';
import { SimulatedSpotMarket } from './spot.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const catalog = new Catalog();

test('spot prices are deterministic (same on a new market, i.e. after a restart) and differ by AZ', () => {
  const a = new SimulatedSpotMarket(catalog);
  const b = new SimulatedSpotMarket(catalog);
  const series = (m: SimulatedSpotMarket, az: string) => Array.from({ length: 400 }, (_, h) => m.price('us-east-1', az, 'm7i.large', T0 + h * HOUR + 17));
  assert.deepEqual(series(b, 'us-east-1a'), series(a, 'us-east-1a'));
  assert.notDeepEqual(series(a, 'us-east-1b'), series(a, 'us-east-1a'));
  assert.equal(a.price('us-east-1', 'us-east-1a', 'm7i.large', T0 + 5 * HOUR), a.price('us-east-1', 'us-east-1a', 'm7i.large', T0 + 5 * HOUR + HOUR - 1), 'constant within an hour');
  assert.equal(a.price('us-east-1', 'us-east-1a', 'nope.large', T0), 0);
});

test('spot prices stay in the family band (31–41 % of On-Demand for m7i) and move like a walk', () => {
  const m = new SimulatedSpotMarket(catalog);
  const od = 0.1008;
  let changes = 0;
  let prev = m.price('us-east-1', 'us-east-1c', 'm7i.large', T0);
  let maxJump = 0;
  for (let h = 1; h < 24 * 60; h++) {
    const p = m.price('us-east-1', 'us-east-1c', 'm7i.large', T0 + h * HOUR);
    assert.ok(p >= od * 0.31 - 1e-4 && p <= od * 0.41 + 1e-4, `hour ${h}: ${p}`);
    if (p !== prev) changes++;
    maxJump = Math.max(maxJump, Math.abs(p - prev));
    prev = p;
  }
  assert.ok(changes > 50 && changes < 24 * 60 * 0.6, `changes: ${changes}`);
  assert.ok(maxJump <= od * 0.05, `no big jumps (${maxJump}), also across week boundaries`);
});

test('history: one point per change, newest first, starting with the price in effect at fromMs', () => {
  const m = new SimulatedSpotMarket(catalog);
  const fromMs = T0 + 10 * HOUR + 5 * 60_000;
  const toMs = T0 + 58 * HOUR;
  const h = m.history('us-east-1', { az: 'us-east-1a', instanceTypes: ['c7i.large'], fromMs, toMs });
  assert.ok(h.length >= 2);
  for (let i = 1; i < h.length; i++) assert.ok(h[i - 1]!.timestamp > h[i]!.timestamp, 'newest first');
  const oldest = h[h.length - 1]!;
  assert.ok(oldest.timestamp <= fromMs);
  assert.equal(oldest.price, m.price('us-east-1', 'us-east-1a', 'c7i.large', fromMs));
  for (const p of h) assert.equal(p.price, m.price('us-east-1', 'us-east-1a', 'c7i.large', p.timestamp));
  for (let i = 0; i < h.length - 1; i++) assert.notEqual(h[i]!.price, h[i + 1]!.price, 'each point is a change');
  const all = m.history('us-east-1', { fromMs, toMs: fromMs + HOUR });
  assert.deepEqual(new Set(all.map((p) => p.az)), new Set(['us-east-1a', 'us-east-1b', 'us-east-1c']));
  assert.equal(new Set(all.map((p) => p.instanceType)).size, catalog.instanceTypes().length);
});
