import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatEpochSeconds, formatHttpDate, formatIso, parseTimestamp, toDate } from './timestamps.ts';

test('parses ISO 8601, epoch seconds and HTTP dates', () => {
  const d = new Date('2026-11-27T12:00:00.000Z');
  assert.deepEqual(parseTimestamp('2026-11-27T12:00:00Z'), d);
  assert.deepEqual(parseTimestamp('2026-11-27T12:00:00.000Z'), d);
  assert.deepEqual(parseTimestamp(String(d.getTime() / 1000)), d);
  assert.deepEqual(parseTimestamp(d.getTime() / 1000), d);
  assert.deepEqual(parseTimestamp('Fri, 27 Nov 2026 12:00:00 GMT'), d);
  assert.equal(parseTimestamp('yesterday-ish'), undefined);
});

test('formats the three wire forms', () => {
  const d = new Date('2026-11-27T12:00:00.250Z');
  assert.equal(formatIso(d), '2026-11-27T12:00:00.250Z');
  assert.equal(formatEpochSeconds(d), 1795780800.25);
  assert.equal(formatHttpDate(d), 'Fri, 27 Nov 2026 12:00:00 GMT');
  assert.deepEqual(toDate(d.getTime()), d);
});
