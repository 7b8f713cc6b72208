import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimulatedClock } from './clock.ts';
import { parseDuration } from '../gateway/clock-route.ts';

test('a simulated clock runs `speed` times faster than its wall clock and jumps forward only', () => {
  let wall = 1_000_000;
  const clock = new SimulatedClock(3600, () => wall, Date.UTC(2026, 10, 1));
  assert.equal(clock.now(), Date.UTC(2026, 10, 1));
  wall += 1000; // one real second = one simulated hour
  assert.equal(clock.now(), Date.UTC(2026, 10, 1, 1));
  clock.advance(29 * 86_400_000);
  assert.equal(new Date(clock.now()).toISOString(), '2026-11-30T01:00:00.000Z');
  assert.throws(() => clock.advance(-1), RangeError);
});

test('durations for `nimbus clock advance`', () => {
  assert.equal(parseDuration('30d'), 30 * 86_400_000);
  assert.equal(parseDuration('36h'), 36 * 3_600_000);
  assert.equal(parseDuration('90'), 90_000);
  assert.equal(parseDuration(1.5), 1500);
  assert.equal(parseDuration('-3d'), undefined);
  assert.equal(parseDuration('soon'), undefined);
});
