// Hand-checked bills. The workload of most tests: i-a and i-b, m7i.large (On-Demand 0.1008/h in us-east-1), run for
// 10 hours from T0; i-c, m7i.large, runs 30 seconds at T0+2h (billed 60 s: the one-minute minimum). The bill covers
// [T0, T0+12h) with the clock at T0+12h, so hourly fees are charged for 12 hours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNT, amortized, close, engine, HOUR, run, sum, T0 } from './test-support.ts';
import type { BillingEngine } from './engine.ts';
import type { UsageInterval } from './types.ts';

const OD = 0.1008;
const MIN = (60 / 3600) * OD; // i-c's minute: 0.00168

function workload(b: BillingEngine, more: Partial<UsageInterval> = {}) {
  run(b, 'i-a', 'm7i.large', T0, T0 + 10 * HOUR, more);
  run(b, 'i-b', 'm7i.large', T0, T0 + 10 * HOUR, more);
  run(b, 'i-c', 'm7i.large', T0 + 2 * HOUR, T0 + 2 * HOUR + 30_000, more);
}

test('On-Demand: per-second usage, 60-second minimum, usage type and purchase type', () => {
  const { billing } = engine(T0 + 12 * HOUR);
  workload(billing);
  const items = billing.lineItems(ACCOUNT, T0, T0 + 12 * HOUR);
  close(sum(items), 2 * 10 * OD + MIN, 'total'); // 2.01768
  close(amortized(items), 2.01768, 'amortized');
  assert.equal(items.length, 21);
  assert.ok(items.every((l) => l.usageType === 'BoxUsage:m7i.large' && l.purchaseType === 'On Demand Instances' && l.lineItemType === 'Usage'));
  const c = items.filter((l) => l.resourceId === 'i-c');
  assert.equal(c.length, 1);
  close(c[0]!.quantity, 60 / 3600, 'i-c hours');
  assert.equal(c[0]!.hourMs, T0 + 2 * HOUR);
});

test('60-second minimum is per start; longer runs are per second', () => {
  const { billing } = engine(T0 + HOUR);
  run(billing, 'i-1', 't3.micro', T0, T0 + 10_000);
  run(billing, 'i-1', 't3.micro', T0 + 20_000, T0 + 30_000); // a second start in the same hour: another minute
  run(billing, 'i-2', 't3.micro', T0, T0 + 90_000);
  const items = billing.lineItems(ACCOUNT, T0, T0 + HOUR);
  const q = Object.fromEntries(items.map((l) => [l.resourceId, l.quantity * 3600]));
  close(q['i-1']!, 120, 'i-1 seconds');
  close(q['i-2']!, 90, 'i-2 seconds');
  close(sum(items), (210 / 3600) * 0.0104, 'total');
});

test('a still-running instance is billed up to now; an interval across hours is split at the hour', () => {
  const { billing, clock } = engine(T0 + 90 * 60_000);
  billing.meter.open({ account: ACCOUNT, region: 'us-east-2', az: 'us-east-2a', kind: 'instance', resourceId: 'i-r', instanceType: 't3.micro', market: 'on-demand', tenancy: 'default', startMs: T0 + 30 * 60_000 });
  let items = billing.lineItems(ACCOUNT, T0, T0 + 24 * HOUR);
  assert.deepEqual(items.map((l) => [l.hourMs - T0, l.quantity]), [[0, 0.5], [HOUR, 0.5]]);
  assert.equal(items[0]!.usageType, 'USE2-BoxUsage:t3.micro'); // AWS's region prefix outside us-east-1
  clock.advance(HOUR);
  items = billing.lineItems(ACCOUNT, T0, T0 + 24 * HOUR);
  close(sum(items, (l) => l.quantity), 2, 'hours after another hour');
});

test('type change: each interval is rated at its own type', () => {
  const { billing } = engine(T0 + 6 * HOUR);
  run(billing, 'i-t', 'm7i.large', T0, T0 + 2 * HOUR);
  run(billing, 'i-t', 'm7i.xlarge', T0 + 2 * HOUR, T0 + 5 * HOUR);
  const items = billing.lineItems(ACCOUNT, T0, T0 + 6 * HOUR);
  close(sum(items), 2 * 0.1008 + 3 * 0.2016, 'total'); // 0.8064
  assert.deepEqual([...new Set(items.map((l) => l.usageType))], ['BoxUsage:m7i.large', 'BoxUsage:m7i.xlarge']);
});

test('Spot: the price in effect at the start of each hour × hours; never covered by RIs or Savings Plans', () => {
  const { billing } = engine(T0 + 12 * HOUR);
  workload(billing, { market: 'spot' });
  const ri = billing.reserved.offerings('us-east-1', { instanceType: 'm7i.large', offeringClass: 'standard', offeringType: 'No Upfront', durationSec: 31_536_000 })[0]!;
  billing.reserved.purchase({ account: ACCOUNT, region: 'us-east-1' }, ri.id, 2, T0);
  const items = billing.lineItems(ACCOUNT, T0, T0 + 12 * HOUR).filter((l) => l.lineItemType === 'Usage');
  let expected = 0;
  for (let h = 0; h < 10; h++) {
    const p = billing.spot.price('us-east-1', 'us-east-1a', 'm7i.large', T0 + h * HOUR + 1234);
    assert.ok(p >= 0.31 * OD - 1e-4 && p <= 0.41 * OD + 1e-4, `spot price ${p} within the band`);
    expected += 2 * p;
  }
  expected += (60 / 3600) * billing.spot.price('us-east-1', 'us-east-1a', 'm7i.large', T0 + 2 * HOUR);
  close(sum(items), expected, 'spot total');
  assert.ok(items.every((l) => l.usageType === 'SpotUsage:m7i.large' && l.purchaseType === 'Spot Instances'));
  close(sum(items, (l) => l.onDemandCost), 2.01768, 'on-demand equivalent');
});

test('RI Standard 1y No Upfront × 2: usage covered at 0, the recurring fee every hour, i-c On-Demand', () => {
  const { billing } = engine(T0 + 12 * HOUR);
  workload(billing);
  const o = billing.reserved.offerings('us-east-1', { instanceType: 'm7i.large', offeringClass: 'standard', offeringType: 'No Upfront', durationSec: 31_536_000 })[0]!;
  assert.equal(o.fixedPrice, 0);
  assert.equal(o.recurringHourly, 0.063504); // 0.1008 × (1 − 0.37)
  const ri = billing.reserved.purchase({ account: ACCOUNT, region: 'us-east-1' }, o.id, 2, T0);
  const items = billing.lineItems(ACCOUNT, T0, T0 + 12 * HOUR);
  close(sum(items), 2 * 12 * 0.063504 + MIN, 'unblended'); // 1.525776
  close(amortized(items), 1.525776, 'amortized');
  const covered = items.filter((l) => l.lineItemType === 'DiscountedUsage');
  close(sum(covered, (l) => l.quantity), 20, 'covered hours');
  assert.ok(covered.every((l) => l.reservationId === ri.id && l.unblendedCost === 0 && l.purchaseType === 'Standard Reserved Instances'));
  close(sum(covered, (l) => l.amortizedCost), 20 * 0.063504, 'covered amortized');
  const fees = items.filter((l) => l.lineItemType === 'RIFee');
  assert.equal(fees.length, 12);
  assert.ok(fees.every((l) => l.usageType === 'HeavyUsage:m7i.large'));
  close(sum(fees, (l) => l.amortizedCost), 2 * 2 * 0.063504, 'unused hours (10 and 11), amortized');
  assert.equal(items.find((l) => l.resourceId === 'i-c')!.purchaseType, 'On Demand Instances');
});

test('RI Standard 1y All Upfront × 2: the upfront fee once (unblended), spread per hour (amortized)', () => {
  const { billing } = engine(T0 + 12 * HOUR);
  workload(billing);
  const o = billing.reserved.offerings('us-east-1', { instanceType: 'm7i.large', offeringClass: 'standard', offeringType: 'All Upfront', durationSec: 31_536_000 })[0]!;
  assert.equal(o.fixedPrice, 512.14); // 0.1008 × (1 − 0.42) × 8760 = 512.14464
  assert.equal(o.recurringHourly, 0);
  billing.reserved.purchase({ account: ACCOUNT, region: 'us-east-1' }, o.id, 2, T0);
  const items = billing.lineItems(ACCOUNT, T0, T0 + 12 * HOUR);
  close(sum(items), 1024.28 + MIN, 'unblended');
  close(amortized(items), 2 * 12 * (512.14 / 8760) + MIN, 'amortized'); // 1.40480329
  const fee = items.filter((l) => l.lineItemType === 'Fee');
  assert.equal(fee.length, 1);
  assert.equal(fee[0]!.hourMs, T0);
});

test('RI Standard 1y Partial Upfront × 2: half upfront, half hourly', () => {
  const { billing } = engine(T0 + 12 * HOUR);
  workload(billing);
  const o = billing.reserved.offerings('us-east-1', { instanceType: 'm7i.large', offeringClass: 'standard', offeringType: 'Partial Upfront', durationSec: 31_536_000 })[0]!;
  assert.equal(o.fixedPrice, 264.9); // 0.1008 × 0.6 × 8760 / 2 = 264.9024
  assert.equal(o.recurringHourly, 0.03024);
  billing.reserved.purchase({ account: ACCOUNT, region: 'us-east-1' }, o.id, 2, T0);
  const items = billing.lineItems(ACCOUNT, T0, T0 + 12 * HOUR);
  close(sum(items), 2 * 264.9 + 2 * 12 * 0.03024 + MIN, 'unblended'); // 530.52744
  close(amortized(items), 2 * 12 * (0.03024 + 264.9 / 8760) + MIN, 'amortized');
});

test('RI size flexibility: one m7i.large RI (4 units) covers half of an m7i.xlarge, smallest sizes first', () => {
  const { billing } = engine(T0 + HOUR);
  run(billing, 'i-x', 'm7i.xlarge', T0, T0 + HOUR);
  run(billing, 'i-s', 'm7i.large', T0, T0 + 30 * 60_000); // half an hour: 2 units
  const o = billing.reserved.offerings('us-east-1', { instanceType: 'm7i.large', offeringClass: 'convertible', offeringType: 'No Upfront', durationSec: 31_536_000 })[0]!;
  billing.reserved.purchase({ account: ACCOUNT, region: 'us-east-1' }, o.id, 1, T0);
  const items = billing.lineItems(ACCOUNT, T0, T0 + HOUR);
  // i-s (smaller) first: 2 units; the remaining 2 units cover 0.25 h of i-x (8 units/h); 0.75 h of i-x On-Demand.
  const covered = items.filter((l) => l.lineItemType === 'DiscountedUsage');
  assert.deepEqual(covered.map((l) => [l.resourceId, l.quantity, l.purchaseType]), [['i-s', 0.5, 'Convertible Reserved Instances'], ['i-x', 0.25, 'Convertible Reserved Instances']]);
  close(sum(items), o.recurringHourly + 0.75 * 0.2016, 'unblended'); // 0.072576 + 0.1512
});

test('EC2 Instance Savings Plan (m7i, us-east-1, 1y No Upfront, 0.10/h): partly covered, then On-Demand', () => {
  const { billing } = engine(T0 + 12 * HOUR);
  workload(billing);
  const o = billing.savingsPlans.offerings({ planTypes: ['EC2Instance'], instanceFamily: 'm7i', region: 'us-east-1', paymentOptions: ['No Upfront'], durationsSec: [31_536_000] })[0]!;
  const plan = billing.savingsPlans.create(ACCOUNT, { offeringId: o.offeringId, commitment: 0.1 }, T0);
  const items = billing.lineItems(ACCOUNT, T0, T0 + 12 * HOUR);
  // SP rate 0.1008 × 0.63 = 0.063504/h: 0.10 buys 1/0.63 × 0.1/0.1008 … = 0.1 / 0.063504 = 1.5747 h of the 2 h each hour.
  const od = 10 * (2 * OD - 0.1 / 0.63); // the uncovered 0.4253 h each of 10 hours at On-Demand: 0.428698…
  close(sum(items), 12 * 0.1 + od + MIN, 'unblended'); // 1.6303784
  close(amortized(items), 12 * 0.1 + od + MIN, 'amortized');
  const fees = items.filter((l) => l.lineItemType === 'SavingsPlanRecurringFee');
  assert.equal(fees.length, 12);
  assert.ok(fees.every((l) => l.savingsPlanArn === plan.arn && l.usageType === 'EC2SP:m7i.1yrNoUpfront' && l.unblendedCost === 0.1));
  close(sum(fees, (l) => l.amortizedCost), 0.2, 'unused commitment (hours 10, 11)');
  const covered = items.filter((l) => l.lineItemType === 'SavingsPlanCoveredUsage');
  close(sum(covered, (l) => l.quantity), 10 * (0.1 / 0.063504), 'covered hours');
  assert.equal(items.find((l) => l.resourceId === 'i-c')!.purchaseType, 'On Demand Instances');
});

test('Compute Savings Plan (1y No Upfront, 0.10/h) on the same workload', () => {
  const { billing } = engine(T0 + 12 * HOUR);
  workload(billing);
  const o = billing.savingsPlans.offerings({ planTypes: ['Compute'], paymentOptions: ['No Upfront'], durationsSec: [31_536_000] })[0]!;
  billing.savingsPlans.create(ACCOUNT, { offeringId: o.offeringId, commitment: 0.1 }, T0);
  const items = billing.lineItems(ACCOUNT, T0, T0 + 12 * HOUR);
  const od = 10 * (2 * OD - 0.1 / 0.73); // SP rate 0.1008 × 0.73
  close(sum(items), 1.2 + od + MIN, 'unblended'); // 1.84781699
  assert.ok(items.filter((l) => l.lineItemType === 'SavingsPlanRecurringFee').every((l) => l.usageType === 'ComputeSP:1yrNoUpfront'));
});

test('EC2 Instance plans apply before Compute plans, and RIs before both', () => {
  const { billing } = engine(T0 + HOUR);
  run(billing, 'i-1', 'm7i.large', T0, T0 + HOUR);
  run(billing, 'i-2', 'm7i.large', T0, T0 + HOUR);
  run(billing, 'i-3', 'm7i.large', T0, T0 + HOUR);
  const compute = billing.savingsPlans.offerings({ planTypes: ['Compute'], paymentOptions: ['No Upfront'], durationsSec: [31_536_000] })[0]!;
  const ec2 = billing.savingsPlans.offerings({ planTypes: ['EC2Instance'], instanceFamily: 'm7i', region: 'us-east-1', paymentOptions: ['No Upfront'], durationsSec: [31_536_000] })[0]!;
  const c = billing.savingsPlans.create(ACCOUNT, { offeringId: compute.offeringId, commitment: 1 }, T0 - 1000); // older, still second
  const e = billing.savingsPlans.create(ACCOUNT, { offeringId: ec2.offeringId, commitment: 0.063504 }, T0);
  const ri = billing.reserved.offerings('us-east-1', { instanceType: 'm7i.large', offeringClass: 'standard', offeringType: 'No Upfront', durationSec: 31_536_000 })[0]!;
  const r = billing.reserved.purchase({ account: ACCOUNT, region: 'us-east-1' }, ri.id, 1, T0);
  const items = billing.lineItems(ACCOUNT, T0, T0 + HOUR).filter((l) => l.lineItemType !== 'Usage' && l.resourceId);
  assert.deepEqual(items.map((l) => [l.resourceId, l.reservationId ?? l.savingsPlanArn]), [['i-1', r.id], ['i-2', e.arn], ['i-3', c.arn]]);
});

test('Dedicated host: the host is billed per host-hour, instances on it at 0', () => {
  const { billing } = engine(T0 + 12 * HOUR);
  billing.meter.open({ account: ACCOUNT, region: 'us-east-1', az: 'us-east-1a', kind: 'host', resourceId: 'h-1', hostFamily: 'm7i', market: 'on-demand', tenancy: 'host', startMs: T0 });
  billing.meter.close('h-1', T0 + 11 * HOUR);
  run(billing, 'i-a', 'm7i.large', T0, T0 + 10 * HOUR, { tenancy: 'host', hostId: 'h-1' });
  run(billing, 'i-b', 'm7i.large', T0, T0 + 10 * HOUR, { tenancy: 'host', hostId: 'h-1' });
  run(billing, 'i-c', 'm7i.large', T0 + 2 * HOUR, T0 + 2 * HOUR + 30_000);
  const o = billing.savingsPlans.offerings({ planTypes: ['Compute'], paymentOptions: ['No Upfront'], durationsSec: [31_536_000] })[0]!;
  const items0 = billing.lineItems(ACCOUNT, T0, T0 + 12 * HOUR);
  close(sum(items0), 11 * 10.645 + MIN, 'host + i-c'); // 117.09668
  const onHost = items0.filter((l) => l.usageType === 'HostBoxUsage:m7i.large');
  close(sum(onHost, (l) => l.quantity), 20, 'instance hours on the host');
  assert.ok(onHost.every((l) => l.unblendedCost === 0 && l.purchaseType === 'Dedicated Host'));
  const host = items0.filter((l) => l.usageType === 'HostUsage:m7i');
  assert.equal(host.length, 11);
  // A Compute plan does not touch host usage or instances on hosts; it covers i-c only.
  billing.savingsPlans.create(ACCOUNT, { offeringId: o.offeringId, commitment: 1 }, T0);
  const items = billing.lineItems(ACCOUNT, T0, T0 + 12 * HOUR);
  assert.deepEqual(items.filter((l) => l.lineItemType === 'SavingsPlanCoveredUsage').map((l) => l.resourceId), ['i-c']);
  close(sum(items), 11 * 10.645 + 12 * 1, 'host + commitment');
});

test('Fargate (metered as tasks) and Lambda (per 1 ms + requests) On-Demand', async () => {
  const { billing, db } = engine(T0 + 3 * HOUR);
  billing.meter.open({ account: ACCOUNT, region: 'us-east-1', az: 'us-east-1b', kind: 'task', resourceId: 'arn:aws:ecs:us-east-1:000000000000:task/c/1', market: 'on-demand', tenancy: 'default', vcpu: 1, memoryGiB: 2, startMs: T0 });
  billing.meter.close('arn:aws:ecs:us-east-1:000000000000:task/c/1', T0 + 2 * HOUR);
  const { UsageMeter } = await import('../functions/meter.ts');
  const lambda = new UsageMeter(db);
  const fn = 'arn:aws:lambda:us-east-1:000000000000:function:f';
  for (let i = 0; i < 2; i++) {
    lambda.record({ account: ACCOUNT, region: 'us-east-1', functionArn: fn, version: '$LATEST', requestId: `r${i}`, startedAt: T0 + 10 * 60_000, durationMs: 999_999.2, billedMs: 1_000_000, memoryMiB: 2048, gbSeconds: 2000, initMs: 0, outcome: 'success' });
  }
  billing.setLambdaUsage((a, f, t) => lambda.hourly(a, f, t));
  const items = billing.lineItems(ACCOUNT, T0, T0 + 3 * HOUR);
  const by = (u: string) => items.filter((l) => l.usageType === u);
  close(sum(by('Fargate-vCPU-Hours:perCPU')), 2 * 0.04048, 'Fargate vCPU');
  close(sum(by('Fargate-GB-Hours')), 2 * 2 * 0.004445, 'Fargate GB');
  close(sum(by('Lambda-GB-Second'), (l) => l.quantity), 4000, 'GB-seconds'); // 2 × 1000 s × 2 GB
  close(sum(by('Lambda-GB-Second')), 4000 * 0.0000166667, 'Lambda duration');
  close(sum(by('Request')), 2 * 0.2 / 1e6, 'Lambda requests');
  close(sum(items), 0.09874 + 0.0666668 + 4e-7, 'total');
  assert.ok(by('Fargate-GB-Hours').every((l) => l.service === 'Amazon Elastic Container Service'));
  assert.ok(by('Request').every((l) => l.service === 'AWS Lambda' && l.resourceId === fn));
});

test('Compute Savings Plan covers EC2 first (highest discount), then Fargate, then Lambda; requests never', async () => {
  for (const [commitment, expected] of [[0.03, 'partial'], [1, 'all']] as const) {
    const { billing, db } = engine(T0 + HOUR);
    run(billing, 'i-1', 't3.micro', T0, T0 + HOUR);
    billing.meter.open({ account: ACCOUNT, region: 'us-east-1', az: 'us-east-1a', kind: 'task', resourceId: 'task-1', market: 'on-demand', tenancy: 'default', vcpu: 1, memoryGiB: 2, startMs: T0 });
    billing.meter.close('task-1', T0 + HOUR);
    const { UsageMeter } = await import('../functions/meter.ts');
    const lambda = new UsageMeter(db);
    lambda.record({ account: ACCOUNT, region: 'us-east-1', functionArn: 'fn', version: '1', requestId: 'r', startedAt: T0, durationMs: 1, billedMs: 2_000_000, memoryMiB: 2048, gbSeconds: 4000, initMs: 0, outcome: 'success' });
    billing.setLambdaUsage((a, f, t) => lambda.hourly(a, f, t));
    const o = billing.savingsPlans.offerings({ planTypes: ['Compute'], paymentOptions: ['No Upfront'], durationsSec: [31_536_000] })[0]!;
    billing.savingsPlans.create(ACCOUNT, { offeringId: o.offeringId, commitment }, T0);
    const items = billing.lineItems(ACCOUNT, T0, T0 + HOUR);
    const lambdaOd = 4000 * 0.0000166667;
    if (expected === 'partial') {
      // t3.micro at 0.0104 × 0.73 = 0.007592 → 0.022408 left; Fargate vCPU at 0.04048 × 0.8 = 0.032384/h: 0.022408 of it
      // is covered, the rest of the vCPU-hour (0.04048 − 0.022408 / 0.8 = 0.01247) and the GB-hours are On-Demand.
      close(sum(items), 0.03 + (0.04048 - 0.022408 / 0.8) + 2 * 0.004445 + lambdaOd + 1 / 5e6, 'partial');
      assert.deepEqual(items.filter((l) => l.lineItemType === 'SavingsPlanCoveredUsage').map((l) => l.usageType), ['BoxUsage:t3.micro', 'Fargate-vCPU-Hours:perCPU']);
    } else {
      const used = 0.0104 * 0.73 + (0.04048 + 2 * 0.004445) * 0.8 + lambdaOd * 0.88;
      close(sum(items), 1 + 1 / 5e6, 'all covered: the commitment and the requests');
      close(items.find((l) => l.lineItemType === 'SavingsPlanRecurringFee')!.amortizedCost, 1 - used, 'unused commitment');
      close(amortized(items), 1 + 1 / 5e6, 'amortized');
    }
  }
});

test('over a whole term, amortized equals unblended (RI All Upfront, Savings Plan Partial Upfront)', () => {
  const { billing } = engine(T0 + 9000 * HOUR);
  const ri = billing.reserved.offerings('us-east-1', { instanceType: 't3.micro', offeringClass: 'standard', offeringType: 'All Upfront', durationSec: 31_536_000 })[0]!;
  billing.reserved.purchase({ account: ACCOUNT, region: 'us-east-1' }, ri.id, 3, T0 + 1234);
  const sp = billing.savingsPlans.offerings({ planTypes: ['Compute'], paymentOptions: ['Partial Upfront'], durationsSec: [31_536_000] })[0]!;
  const plan = billing.savingsPlans.create(ACCOUNT, { offeringId: sp.offeringId, commitment: 0.5 }, T0);
  assert.equal(plan.upfrontPaymentAmount, 0.5 * 8760 / 2);
  assert.equal(plan.recurringPaymentAmount, 0.25);
  run(billing, 'i-1', 't3.micro', T0 + 5 * HOUR, T0 + 100 * HOUR);
  const items = billing.lineItems(ACCOUNT, T0, T0 + 9000 * HOUR);
  close(sum(items), 3 * ri.fixedPrice + 0.5 * 8760, 'unblended');
  assert.ok(Math.abs(amortized(items) - sum(items)) < 1e-6, `amortized ${amortized(items)} = unblended ${sum(items)}`);
  assert.equal(items.filter((l) => l.lineItemType === 'RIFee').length, 8760);
});

test('a queued Savings Plan does nothing until its start, then charges its upfront fee', () => {
  const { billing, clock } = engine(T0);
  const o = billing.savingsPlans.offerings({ planTypes: ['Compute'], paymentOptions: ['All Upfront'], durationsSec: [31_536_000] })[0]!;
  billing.savingsPlans.create(ACCOUNT, { offeringId: o.offeringId, commitment: 0.01, purchaseTimeMs: T0 + 2 * HOUR }, T0);
  clock.set(T0 + 4 * HOUR);
  const items = billing.lineItems(ACCOUNT, T0, T0 + 4 * HOUR);
  const upfront = items.filter((l) => l.lineItemType === 'SavingsPlanUpfrontFee');
  assert.deepEqual(upfront.map((l) => [l.hourMs, l.unblendedCost]), [[T0 + 2 * HOUR, 87.6]]);
  assert.equal(items.filter((l) => l.lineItemType === 'SavingsPlanRecurringFee').length, 2);
});
