import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregate, percentile } from './aggregate.ts';
import { decide } from './alarm-eval.ts';
import { evaluate, MathError, parseExpression } from './math.ts';

test('percentiles are nearest rank over weighted values', () => {
  assert.equal(percentile([[1, 1], [2, 1], [3, 1], [4, 1]], 50), 2);
  assert.equal(percentile([[1, 1], [2, 1], [3, 1], [4, 1]], 51), 3);
  assert.equal(percentile([[5, 99], [100, 1]], 99), 5);
  assert.equal(percentile([[5, 99], [100, 1]], 99.5), 100);
});

test('aggregate buckets points from the origin and drops the rest', () => {
  const pts = [0, 500, 1500, 2500].map((ts, i) => ({ ts, n: 1, sum: i, min: i, max: i, unit: 'None' }));
  assert.deepEqual(aggregate(pts, 0, 2000, 1).map((b) => [b.ts, b.sampleCount, b.sum]), [[0, 2, 1], [1000, 1, 2]]);
});

test('metric math precedence, unary minus, power, errors', () => {
  const env = { lookup: (id: string) => { throw new MathError(`Unrecognized identifier: ${id}`); }, metrics: () => [] };
  assert.deepEqual(evaluate(parseExpression('1 + 2 * 3 - -4 / 2 ^ 2'), env), { kind: 'scalar', v: 8 });
  assert.throws(() => parseExpression('1 +'), MathError);
  assert.throws(() => parseExpression('NOPE(1)'), /Unknown function/);
});

test('decide: DatapointsToAlarm M of N', () => {
  const cfg = { comparisonOperator: 'GreaterThanOrEqualToThreshold', threshold: 5, evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: 'missing', period: 60 };
  const pts = (vs: Array<number | undefined>) => vs.map((value, i) => ({ ts: 60_000 * (3 - i), ...(value !== undefined ? { value } : {}) }));
  assert.equal(decide(cfg, pts([5, 1, 6]), 'OK', 0).state, 'ALARM');
  assert.equal(decide(cfg, pts([5, 1, 1]), 'OK', 0).state, 'OK');
  assert.equal(decide({ ...cfg, treatMissingData: 'breaching' }, pts([5, undefined, 1]), 'OK', 0).state, 'ALARM');
  assert.equal(decide(cfg, pts([undefined, undefined, undefined]), 'OK', 0).state, 'INSUFFICIENT_DATA');
});
