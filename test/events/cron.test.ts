import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nextCron, nextFire, parseCron, parseSchedule, ScheduleError } from '../../src/engines/events/index.ts';

// AWS cron (six fields, UTC) and rate expressions: known next-fire times.
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function next(expr: string, after: string, n = 1): string[] {
  const c = parseCron(expr);
  const out: string[] = [];
  let t = at(after);
  for (let i = 0; i < n; i++) {
    const x = nextCron(c, t);
    if (x === undefined) break;
    out.push(iso(x)!);
    t = x;
  }
  return out;
}

describe('cron expressions', () => {
  test('every day at 12:00 UTC, strictly after the given time', () => {
    assert.deepEqual(next('0 12 * * ? *', '2026-01-01T11:59:30Z', 2), ['2026-01-01T12:00:00.000Z', '2026-01-02T12:00:00.000Z']);
    assert.deepEqual(next('0 12 * * ? *', '2026-01-01T12:00:00Z'), ['2026-01-02T12:00:00.000Z']);
  });
  test('steps and ranges: every 15 minutes, 8-9h, Monday to Friday', () => {
    // 2026-01-02 is a Friday; the next working day is Monday the 5th.
    assert.deepEqual(next('0/15 8-9 ? * MON-FRI *', '2026-01-02T09:50:00Z', 3), ['2026-01-05T08:00:00.000Z', '2026-01-05T08:15:00.000Z', '2026-01-05T08:30:00.000Z']);
    assert.deepEqual(next('*/20 * * * ? *', '2026-01-01T00:00:00Z', 3), ['2026-01-01T00:20:00.000Z', '2026-01-01T00:40:00.000Z', '2026-01-01T01:00:00.000Z']);
  });
  test('lists and month names', () => {
    assert.deepEqual(next('30 6 1,15 JAN,JUL ? *', '2026-01-01T07:00:00Z', 3), ['2026-01-15T06:30:00.000Z', '2026-07-01T06:30:00.000Z', '2026-07-15T06:30:00.000Z']);
  });
  test('L: last day of the month (leap years included) and L-2', () => {
    assert.deepEqual(next('0 0 L * ? *', '2028-01-31T00:00:00Z', 2), ['2028-02-29T00:00:00.000Z', '2028-03-31T00:00:00.000Z']);
    assert.deepEqual(next('0 0 L-2 2 ? 2026', '2026-01-01T00:00:00Z'), ['2026-02-26T00:00:00.000Z']);
  });
  test('W: nearest weekday, LW: last weekday', () => {
    // 2026-02-01 is a Sunday → Monday the 2nd; 2026-08-15 is a Saturday → Friday the 14th.
    assert.deepEqual(next('0 9 1W * ? *', '2026-01-31T00:00:00Z'), ['2026-02-02T09:00:00.000Z']);
    assert.deepEqual(next('0 9 15W 8 ? *', '2026-01-01T00:00:00Z'), ['2026-08-14T09:00:00.000Z']);
    // 2026-01-31 is a Saturday → the last weekday of January is Friday the 30th.
    assert.deepEqual(next('0 18 LW * ? *', '2026-01-01T00:00:00Z'), ['2026-01-30T18:00:00.000Z']);
    // 1W on a Saturday the 1st moves forward to Monday the 3rd (never into the previous month): 2026-08-01 is a Saturday.
    assert.deepEqual(next('0 0 1W 8 ? *', '2026-01-01T00:00:00Z'), ['2026-08-03T00:00:00.000Z']);
  });
  test('#: the n-th weekday of the month; nL: the last one', () => {
    // Second Tuesday (3 = TUE) of January 2026 is the 13th; third Friday of February 2026 is the 20th.
    assert.deepEqual(next('0 10 ? * 3#2 *', '2026-01-01T00:00:00Z'), ['2026-01-13T10:00:00.000Z']);
    assert.deepEqual(next('0 10 ? 2 FRI#3 *', '2026-01-01T00:00:00Z'), ['2026-02-20T10:00:00.000Z']);
    // Last Friday (6L) of January 2026 is the 30th.
    assert.deepEqual(next('0 0 ? * 6L *', '2026-01-01T00:00:00Z'), ['2026-01-30T00:00:00.000Z']);
  });
  test('years: a bounded schedule ends', () => {
    assert.deepEqual(next('0 0 1 1 ? 2027-2028', '2026-06-01T00:00:00Z', 3), ['2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z']);
    assert.equal(nextCron(parseCron('0 0 31 2 ? *'), at('2026-01-01T00:00:00Z')), undefined); // February 31st never comes
  });
  test('wrapping ranges (FRI-MON)', () => {
    // From Wednesday 2026-01-07: Friday 9th, Saturday 10th, Sunday 11th, Monday 12th, then Friday 16th.
    assert.deepEqual(next('0 0 ? * FRI-MON *', '2026-01-07T00:00:00Z', 5).map((s) => s.slice(0, 10)), ['2026-01-09', '2026-01-10', '2026-01-11', '2026-01-12', '2026-01-16']);
  });
  test('invalid expressions are refused', () => {
    for (const bad of ['0 12 * * * *', '0 12 ? * ? *', '0 12 * *', '60 12 * * ? *', '0 24 * * ? *', '0 0 32 * ? *', '0 0 ? * 8 *', '0 0 ? * 2#6 *', '0 0 L * MON *', '0 0 * FOO ? *', '0/0 * * * ? *', '0 0 * * ? 2200', 'L 0 * * ? *']) {
      assert.throws(() => parseCron(bad), ScheduleError, bad);
    }
  });
});

describe('schedule expressions', () => {
  test('rate: singular for 1, plural otherwise; runs on a grid from its anchor', () => {
    const s = parseSchedule('rate(5 minutes)');
    assert.equal(s.kind, 'rate');
    const anchor = at('2026-01-01T00:00:20Z');
    assert.equal(iso(nextFire(s, anchor, anchor)), '2026-01-01T00:05:20.000Z');
    assert.equal(iso(nextFire(s, at('2026-01-01T00:05:20Z'), anchor)), '2026-01-01T00:10:20.000Z');
    assert.equal(iso(nextFire(s, at('2026-01-01T01:00:00Z'), anchor)), '2026-01-01T01:00:20.000Z');
    assert.equal(iso(nextFire(parseSchedule('rate(1 day)'), anchor, anchor)), '2026-01-02T00:00:20.000Z');
    assert.equal(iso(nextFire(parseSchedule('rate(2 hours)'), anchor, anchor)), '2026-01-01T02:00:20.000Z');
    for (const bad of ['rate(1 minutes)', 'rate(5 minute)', 'rate(0 minutes)', 'rate(5 seconds)', 'rate(-1 minutes)', 'rate(minutes)', 'every 5 minutes', 'cron(0 12 * * ?)']) {
      assert.throws(() => parseSchedule(bad), ScheduleError, bad);
    }
  });
  test('cron(...) wraps the six fields', () => {
    const s = parseSchedule('cron(0 12 * * ? *)');
    assert.equal(iso(nextFire(s, at('2026-01-01T00:00:00Z'), 0)), '2026-01-01T12:00:00.000Z');
  });
});
