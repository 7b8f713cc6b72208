import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LineItem } from '../../../engines/billing/types.ts';
import { checkGroupBy, costAndUsage, metricOf } from './cost-and-usage.ts';
import { lineItemValue, missingValue } from './dimensions.ts';
import { compileExpression } from './expression.ts';
import { forecastBasis, forecastPeriod, zScore } from './forecast.ts';
import { amount, percent } from './format.ts';
import { hourlySpend, recommend } from './recommendation.ts';
import { coverageOf, planFigures } from './savings-plans.ts';
import { DAY_MS, HOUR_MS, parseTimePeriod, periodsOf } from './time.ts';

const T0 = Date.UTC(2026, 0, 30);
const EC2 = 'Amazon Elastic Compute Cloud - Compute' as const;

function box(hourMs: number, type: string, price: number, more: Partial<LineItem> = {}): LineItem {
  return {
    hourMs, account: '000000000000', region: 'us-east-1', service: EC2, usageType: `BoxUsage:${type}`, instanceType: type, purchaseType: 'On Demand Instances',
    quantity: 1, unit: 'Hrs', unblendedCost: price, amortizedCost: price, onDemandCost: price, lineItemType: 'Usage', az: 'us-east-1a', ...more,
  };
}

describe('Cost Explorer reports (pure)', () => {
  test('amounts and percentages', () => {
    assert.equal(amount(2 * 10 * 0.1008), '2.016');
    assert.equal(amount(0), '0');
    assert.equal(amount(1e-12), '0');
    assert.equal(amount(0.0000002), '0.0000002');
    assert.equal(amount(-0.5), '-0.5');
    assert.equal(percent(10, 24), '41.67');
    assert.equal(percent(1, 0), '0');
  });

  test('time periods: End exclusive, months cut at month boundaries', () => {
    const now = Date.UTC(2026, 1, 10);
    const r = parseTimePeriod({ Start: '2026-01-30', End: '2026-02-02' }, 'DAILY', { now });
    assert.deepEqual(periodsOf(r, 'DAILY').map((p) => (p.endMs - p.startMs) / DAY_MS), [1, 1, 1]);
    assert.deepEqual(periodsOf(r, 'MONTHLY').map((p) => new Date(p.startMs).toISOString().slice(0, 10)), ['2026-01-30', '2026-02-01']);
    const h = parseTimePeriod({ Start: '2026-02-09T22:00:00Z', End: '2026-02-10T01:00:00Z' }, 'HOURLY', { now, hourlyMaxDays: 14 });
    assert.equal(periodsOf(h, 'HOURLY').length, 3);
    assert.throws(() => parseTimePeriod({ Start: '2026-02-09T22:30:00Z', End: '2026-02-10T01:00:00Z' }, 'HOURLY', { now }), /on the hour/);
    assert.throws(() => parseTimePeriod({ Start: '2026-13-01', End: '2026-02-10' }, 'DAILY', { now }), /Invalid start date/);
    assert.throws(() => parseTimePeriod({ Start: '2026-02-01', End: '2026-03-02' }, 'DAILY', { now, endNotPastNextMonth: true }), /past the beginning of next month/);
    assert.doesNotThrow(() => parseTimePeriod({ Start: '2026-02-01', End: '2026-03-01' }, 'DAILY', { now, endNotPastNextMonth: true }));
  });

  test('dimensions and expressions', () => {
    const li = box(T0, 'm7i.large', 0.1008);
    assert.equal(lineItemValue(li, 'INSTANCE_TYPE_FAMILY'), 'm7i');
    assert.equal(lineItemValue(li, 'TENANCY'), 'Shared');
    assert.equal(lineItemValue(li, 'RECORD_TYPE'), 'Usage');
    assert.equal(lineItemValue({ ...li, usageType: 'USW2-DedicatedUsage:m7i.large' }, 'TENANCY'), 'Dedicated');
    assert.equal(missingValue('INSTANCE_TYPE'), 'NoInstanceType');
    const dims = ['REGION', 'INSTANCE_TYPE', 'USAGE_TYPE'];
    const get = (d: string) => lineItemValue(li, d);
    assert.equal(compileExpression({ Dimensions: { Key: 'REGION', Values: ['us-east-1'] } }, dims)(get), true);
    assert.equal(compileExpression({ Not: { Dimensions: { Key: 'REGION', Values: ['us-east-1'] } } }, dims)(get), false);
    assert.equal(compileExpression({ Dimensions: { Key: 'USAGE_TYPE', Values: ['Box'], MatchOptions: ['STARTS_WITH'] } }, dims)(get), true);
    assert.equal(compileExpression({ Dimensions: { Key: 'INSTANCE_TYPE', MatchOptions: ['ABSENT'] } }, dims)(get), false);
    assert.throws(() => compileExpression({ Or: [{ Dimensions: { Key: 'REGION', Values: ['x'] } }] }, dims), /Or expression must have at least 2 operands/);
    assert.throws(() => compileExpression({ Dimensions: { Key: 'SERVICE', Values: ['x'] } }, dims), /not allowed/);
    assert.throws(() => compileExpression({}, dims), /zero or more than one roots/);
  });

  test('cost and usage: totals, groups, units', () => {
    const items = [box(T0, 'm7i.large', 0.1008), box(T0, 'm7i.large', 0.1008), box(T0 + DAY_MS, 't3.micro', 0.0104),
      { ...box(T0, 'x', 0.2), instanceType: undefined, service: 'AWS Lambda' as const, usageType: 'Request', unit: 'Requests', quantity: 1e6, lineItemType: 'Usage' as const }];
    const periods = periodsOf({ startMs: T0, endMs: T0 + 2 * DAY_MS }, 'DAILY');
    const metrics = ['UnblendedCost', 'usage_quantity'].map((name) => ({ name, metric: metricOf(name) }));
    const [d1, d2] = costAndUsage(items, { periods, granularity: 'DAILY', metrics, groupBy: [], filter: () => true, finalBefore: T0 + DAY_MS });
    assert.deepEqual(d1!.Total!.UnblendedCost, { Amount: '0.4016', Unit: 'USD' });
    assert.deepEqual(d1!.Total!.usage_quantity, { Amount: '1000002', Unit: 'N/A' });
    assert.equal(d1!.Estimated, false);
    assert.equal(d2!.Estimated, true);
    assert.deepEqual(d2!.Total!.usage_quantity, { Amount: '1', Unit: 'Hrs' });
    const [g1] = costAndUsage(items, { periods, granularity: 'DAILY', metrics, groupBy: checkGroupBy([{ Type: 'DIMENSION', Key: 'INSTANCE_TYPE' }]), filter: () => true, finalBefore: T0 });
    assert.deepEqual(g1!.Groups!.map((g) => [g.Keys, g.Metrics!.UnblendedCost!.Amount]), [[['NoInstanceType'], '0.2'], [['m7i.large'], '0.2016']]);
    assert.throws(() => metricOf('Cost'), /Invalid metric name/);
  });

  test('Savings Plan figures and coverage from fee and covered lines', () => {
    const arn = 'arn:aws:savingsplans::000000000000:savingsplan/p';
    const plan = { arn, commitment: 0.05, recurringPaymentAmount: 0.05 } as Parameters<typeof planFigures>[0];
    const covered = box(T0, 'm7i.large', 0, { purchaseType: 'Savings Plans', lineItemType: 'SavingsPlanCoveredUsage', savingsPlanArn: arn, quantity: 0.05 / 0.073584, amortizedCost: 0.05, onDemandCost: 0.05 / 0.73 });
    const rest = box(T0, 'm7i.large', 0.1008 - 0.05 / 0.73, { quantity: 1 - 0.05 / 0.073584 });
    const fee: LineItem = { ...box(T0, 'x', 0.05), service: 'Savings Plans for AWS Compute usage', usageType: 'ComputeSP:1yrNoUpfront', instanceType: undefined, purchaseType: 'Savings Plans', lineItemType: 'SavingsPlanRecurringFee', savingsPlanArn: arn, amortizedCost: 0, onDemandCost: 0 };
    const f = planFigures(plan, [covered, rest, fee]);
    assert.equal(f.hours, 1);
    assert.equal(amount(f.used), '0.05');
    assert.equal(amount(f.onDemandEquivalent), amount(0.05 / 0.73));
    const c = coverageOf([covered, rest, fee]);
    assert.equal(c.TotalCost, '0.1008');
    assert.equal(c.CoveragePercentage, '67.95');
  });

  test('recommendation: steady usage, and usage that varies', () => {
    const steady = hourlySpend(Array.from({ length: 48 }, (_, k) => box(T0 + k * HOUR_MS, 'm7i.large', 0.1008)), T0, 48, (li) => li.onDemandCost * 0.73);
    const r = recommend(steady);
    assert.equal(r.hourlyCommitment, 0.073);
    assert.equal(amount(r.estimatedSavings), amount(48 * 0.027));
    assert.equal(Math.round(r.averageUtilization), 100);
    // Two instances half the time, one the other half: committing to one instance's worth wins (the second is
    // used 50 % of the time: 0.5 × (1/0.73 − 1) < 0.5).
    const items = Array.from({ length: 48 }, (_, k) => box(T0 + k * HOUR_MS, 'm7i.large', 0.1008));
    for (let k = 0; k < 24; k++) items.push(box(T0 + k * HOUR_MS, 'm7i.large', 0.1008));
    assert.equal(recommend(hourlySpend(items, T0, 48, (li) => li.onDemandCost * 0.73)).hourlyCommitment, 0.073);
    assert.equal(recommend(hourlySpend([], T0, 48, () => 0)).hourlyCommitment, 0);
  });

  test('forecast basis and interval', () => {
    assert.ok(Math.abs(zScore(80) - 1.2816) < 0.01);
    assert.ok(Math.abs(zScore(95) - 1.96) < 0.01);
    const totals = new Map(Array.from({ length: 24 }, (_, k) => [T0 + k * HOUR_MS, 0.5] as [number, number]));
    const basis = forecastBasis(totals, T0, T0 + 24 * HOUR_MS);
    assert.equal(basis.hourlyRate, 0.5);
    assert.equal(basis.hourlySd, 0);
    const f = forecastPeriod(basis, { startMs: T0 + DAY_MS, endMs: T0 + 2 * DAY_MS }, T0 + DAY_MS, 80);
    assert.deepEqual(f, { mean: 12, lower: 12, upper: 12 });
    const noisy = forecastBasis(new Map([[T0, 1]]), T0, T0 + 2 * HOUR_MS);
    assert.equal(noisy.hourlyRate, 0.5);
    assert.ok(noisy.hourlySd > 0);
  });
});
