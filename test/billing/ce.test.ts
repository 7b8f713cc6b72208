import assert from 'node:assert/strict';
import {
  GetCostAndUsageCommand, GetCostForecastCommand, GetDimensionValuesCommand, GetReservationCoverageCommand, GetReservationUtilizationCommand,
} from '@aws-sdk/client-cost-explorer';
import { after, before, describe, test } from 'node:test';
import { DAY, errorOf, HOUR, meterInstance, startBilling, T0, type BillingTest } from './support.ts';

// Usage metered straight through billing.meter, then read back through Cost Explorer. Hand-checked prices (us-east-1,
// us-west-2 = us-east-1 in the catalog): m7i.large 0.1008, t3.micro 0.0104, c7i.large 0.08925 USD/hour.

const near = (actual: string | undefined, expected: number, eps = 1e-6) =>
  assert.ok(Math.abs(Number(actual) - expected) < eps, `${actual} ≉ ${expected}`);

describe('Cost Explorer: cost and usage', () => {
  let b: BillingTest;
  before(async () => {
    b = await startBilling();
    // Day 1 (2026-03-01): 2 × m7i.large for 10 h (01:00–11:00). t3.micro in us-west-2 for 48 h (days 1 and 2).
    meterInstance(b, 'i-00000000000000001', 'm7i.large', T0 + HOUR, T0 + 11 * HOUR);
    meterInstance(b, 'i-00000000000000002', 'm7i.large', T0 + HOUR, T0 + 11 * HOUR, { az: 'us-east-1b' });
    meterInstance(b, 'i-00000000000000003', 't3.micro', T0, T0 + 2 * DAY, { region: 'us-west-2', az: 'us-west-2a' });
    b.clock.set(T0 + 3 * DAY);
  });
  after(async () => {
    await b?.close();
  });

  test('DAILY totals: 2 × 10 h × 0.1008 + 24 h × 0.0104 on day 1', async () => {
    const out = await b.ce.send(new GetCostAndUsageCommand({
      TimePeriod: { Start: '2026-03-01', End: '2026-03-04' }, Granularity: 'DAILY', Metrics: ['UnblendedCost', 'AmortizedCost', 'BlendedCost', 'UsageQuantity', 'NormalizedUsageAmount'],
    }));
    const days = out.ResultsByTime!;
    assert.deepEqual(days.map((d) => d.TimePeriod), [
      { Start: '2026-03-01', End: '2026-03-02' }, { Start: '2026-03-02', End: '2026-03-03' }, { Start: '2026-03-03', End: '2026-03-04' },
    ]);
    assert.deepEqual(days[0]!.Total!.UnblendedCost, { Amount: '2.2656', Unit: 'USD' }); // 2.016 + 0.2496
    assert.equal(days[0]!.Total!.AmortizedCost!.Amount, '2.2656');
    assert.equal(days[0]!.Total!.BlendedCost!.Amount, '2.2656');
    assert.deepEqual(days[0]!.Total!.UsageQuantity, { Amount: '44', Unit: 'Hrs' });
    assert.equal(days[0]!.Total!.NormalizedUsageAmount!.Amount, String(20 * 4 + 24 * 0.5));
    assert.equal(days[1]!.Total!.UnblendedCost!.Amount, '0.2496');
    assert.deepEqual(days[2]!.Total!.UnblendedCost, { Amount: '0', Unit: 'USD' });
    assert.equal(days[0]!.Estimated, true); // the current month's bill is not final
    assert.deepEqual(days[0]!.Groups, []);
  });

  test('GroupBy INSTANCE_TYPE and SERVICE × REGION; filters', async () => {
    const byType = await b.ce.send(new GetCostAndUsageCommand({
      TimePeriod: { Start: '2026-03-01', End: '2026-03-02' }, Granularity: 'DAILY', Metrics: ['UnblendedCost', 'UsageQuantity'],
      GroupBy: [{ Type: 'DIMENSION', Key: 'INSTANCE_TYPE' }],
    }));
    const groups = byType.ResultsByTime![0]!.Groups!;
    assert.deepEqual(groups.map((g) => [g.Keys, g.Metrics!.UnblendedCost!.Amount, g.Metrics!.UsageQuantity]), [
      [['m7i.large'], '2.016', { Amount: '20', Unit: 'Hrs' }],
      [['t3.micro'], '0.2496', { Amount: '24', Unit: 'Hrs' }],
    ]);
    assert.deepEqual(byType.ResultsByTime![0]!.Total, {});
    assert.deepEqual(byType.GroupDefinitions, [{ Type: 'DIMENSION', Key: 'INSTANCE_TYPE' }]);

    const two = await b.ce.send(new GetCostAndUsageCommand({
      TimePeriod: { Start: '2026-03-01', End: '2026-03-03' }, Granularity: 'MONTHLY', Metrics: ['UnblendedCost'],
      GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }, { Type: 'DIMENSION', Key: 'REGION' }],
    }));
    assert.deepEqual(two.ResultsByTime![0]!.TimePeriod, { Start: '2026-03-01', End: '2026-03-03' });
    assert.deepEqual(two.ResultsByTime![0]!.Groups!.map((g) => [g.Keys, g.Metrics!.UnblendedCost!.Amount]), [
      [['Amazon Elastic Compute Cloud - Compute', 'us-east-1'], '2.016'],
      [['Amazon Elastic Compute Cloud - Compute', 'us-west-2'], '0.4992'],
    ]);

    const az = await b.ce.send(new GetCostAndUsageCommand({
      TimePeriod: { Start: '2026-03-01', End: '2026-03-02' }, Granularity: 'DAILY', Metrics: ['UsageQuantity'],
      GroupBy: [{ Type: 'DIMENSION', Key: 'AZ' }, { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' }],
    }));
    assert.deepEqual(az.ResultsByTime![0]!.Groups!.map((g) => [g.Keys, g.Metrics!.UsageQuantity!.Amount]), [
      [['us-east-1a', '000000000000'], '10'], [['us-east-1b', '000000000000'], '10'], [['us-west-2a', '000000000000'], '24'],
    ]);
    assert.deepEqual(az.DimensionValueAttributes, [{ Value: '000000000000', Attributes: { description: '000000000000' } }]);

    const m7i = await b.ce.send(new GetCostAndUsageCommand({
      TimePeriod: { Start: '2026-03-01', End: '2026-03-04' }, Granularity: 'MONTHLY', Metrics: ['UnblendedCost', 'UsageQuantity'],
      Filter: { Dimensions: { Key: 'INSTANCE_TYPE', Values: ['m7i.large'] } },
    }));
    assert.deepEqual(m7i.ResultsByTime![0]!.Total, { UnblendedCost: { Amount: '2.016', Unit: 'USD' }, UsageQuantity: { Amount: '20', Unit: 'Hrs' } });

    const notWest = await b.ce.send(new GetCostAndUsageCommand({
      TimePeriod: { Start: '2026-03-01', End: '2026-03-04' }, Granularity: 'MONTHLY', Metrics: ['UnblendedCost'],
      Filter: { And: [{ Not: { Dimensions: { Key: 'REGION', Values: ['us-west-2'] } } }, { Or: [{ Dimensions: { Key: 'AZ', Values: ['us-east-1b'] } }, { Dimensions: { Key: 'USAGE_TYPE', Values: ['boxusage:T3.MICRO'], MatchOptions: ['CASE_INSENSITIVE'] } }] }] },
    }));
    assert.equal(notWest.ResultsByTime![0]!.Total!.UnblendedCost!.Amount, '1.008');
  });

  test('HOURLY', async () => {
    const out = await b.ce.send(new GetCostAndUsageCommand({
      TimePeriod: { Start: '2026-03-01T00:00:00Z', End: '2026-03-01T03:00:00Z' }, Granularity: 'HOURLY', Metrics: ['UnblendedCost'],
    }));
    assert.deepEqual(out.ResultsByTime!.map((r) => [r.TimePeriod!.Start, r.TimePeriod!.End, r.Total!.UnblendedCost!.Amount]), [
      ['2026-03-01T00:00:00Z', '2026-03-01T01:00:00Z', '0.0104'],
      ['2026-03-01T01:00:00Z', '2026-03-01T02:00:00Z', '0.212'],
      ['2026-03-01T02:00:00Z', '2026-03-01T03:00:00Z', '0.212'],
    ]);
  });

  test('GetDimensionValues', async () => {
    const services = await b.ce.send(new GetDimensionValuesCommand({ TimePeriod: { Start: '2026-03-01', End: '2026-03-04' }, Dimension: 'SERVICE' }));
    assert.deepEqual(services.DimensionValues, [{ Value: 'Amazon Elastic Compute Cloud - Compute', Attributes: {} }]);
    assert.equal(services.TotalSize, 1);
    const regions = await b.ce.send(new GetDimensionValuesCommand({ TimePeriod: { Start: '2026-03-01', End: '2026-03-04' }, Dimension: 'REGION' }));
    assert.deepEqual(regions.DimensionValues, [
      { Value: 'us-east-1', Attributes: { description: 'US East (N. Virginia)' } }, { Value: 'us-west-2', Attributes: { description: 'US West (Oregon)' } },
    ]);
    const types = await b.ce.send(new GetDimensionValuesCommand({
      TimePeriod: { Start: '2026-03-01', End: '2026-03-04' }, Dimension: 'INSTANCE_TYPE', SortBy: [{ Key: 'UnblendedCost', SortOrder: 'DESCENDING' }], MaxResults: 1,
    }));
    assert.deepEqual(types.DimensionValues!.map((v) => v.Value), ['m7i.large']);
    assert.equal(types.ReturnSize, 1);
    assert.equal(types.TotalSize, 2);
    const next = await b.ce.send(new GetDimensionValuesCommand({
      TimePeriod: { Start: '2026-03-01', End: '2026-03-04' }, Dimension: 'INSTANCE_TYPE', SortBy: [{ Key: 'UnblendedCost', SortOrder: 'DESCENDING' }], MaxResults: 1, NextPageToken: types.NextPageToken,
    }));
    assert.deepEqual(next.DimensionValues!.map((v) => v.Value), ['t3.micro']);
    assert.equal(next.NextPageToken, undefined);
    const searched = await b.ce.send(new GetDimensionValuesCommand({ TimePeriod: { Start: '2026-03-01', End: '2026-03-04' }, Dimension: 'USAGE_TYPE', SearchString: 'usw2' }));
    assert.deepEqual(searched.DimensionValues!.map((v) => v.Value), ['USW2-BoxUsage:t3.micro']);
    // A token belongs to its request.
    const changed = await errorOf(b.ce.send(new GetDimensionValuesCommand({ TimePeriod: { Start: '2026-03-01', End: '2026-03-04' }, Dimension: 'REGION', MaxResults: 1, NextPageToken: types.NextPageToken })));
    assert.equal(changed.name, 'RequestChangedException');
  });

  test('validation errors', async () => {
    const cost = (over: Record<string, unknown>) => errorOf(b.ce.send(new GetCostAndUsageCommand({
      TimePeriod: { Start: '2026-03-01', End: '2026-03-02' }, Granularity: 'DAILY', Metrics: ['UnblendedCost'], ...over,
    } as never)));
    const expect = async (over: Record<string, unknown>, re: RegExp) => {
      const e = await cost(over);
      assert.equal(e.name, 'ValidationException', JSON.stringify(over));
      assert.equal(e.status, 400);
      assert.match(e.message, re);
    };
    await expect({ TimePeriod: { Start: '2026-03-02', End: '2026-03-02' } }, /^Start date \(and hour\) should be before end date \(and hour\)$/);
    await expect({ TimePeriod: { Start: '2026-03-01T00:00:00Z', End: '2026-03-02T00:00:00Z' } }, /Hourly timePeriod is not supported/);
    await expect({ TimePeriod: { Start: '2026-03-01', End: '2026-05-01' } }, /end date past the beginning of next month/);
    await expect({ TimePeriod: { Start: '2026-02-30', End: '2026-03-02' } }, /Invalid start date/);
    await expect({ Granularity: 'WEEKLY' }, /Granularity/);
    await expect({ Metrics: ['Unblended'] }, /Invalid metric name/);
    await expect({ Metrics: [] }, /Metrics/);
    await expect({ GroupBy: [{ Type: 'TAG', Key: 'team' }] }, /TAG is not supported by Nimbus/);
    await expect({ GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }, { Type: 'DIMENSION', Key: 'REGION' }, { Type: 'DIMENSION', Key: 'AZ' }] }, /at most 2/);
    await expect({ GroupBy: [{ Type: 'DIMENSION', Key: 'COLOUR' }] }, /Group Definition dimension is invalid/);
    await expect({ Filter: { And: [{ Dimensions: { Key: 'REGION', Values: ['us-east-1'] } }] } }, /And expression must have at least 2 operands/);
    await expect({ Filter: { Dimensions: { Key: 'REGION', Values: ['x'] }, Not: { Dimensions: { Key: 'REGION', Values: ['y'] } } } }, /zero or more than one roots/);
    await expect({ Filter: { Tags: { Key: 'team', Values: ['x'] } } }, /Tags expressions are not supported/);
    await expect({ TimePeriod: { Start: '2026-02-01T00:00:00Z', End: '2026-02-01T05:00:00Z' }, Granularity: 'HOURLY' }, /max supported days for hourly granularity is 14 days/);
    assert.equal((await cost({ NextPageToken: 'garbage' })).name, 'InvalidNextTokenException');
  });

  test('GetCostForecast: the recent hourly average carried forward', async () => {
    // A c7i.large that runs steadily from day 3: 0.08925 USD every hour.
    meterInstance(b, 'i-00000000000000004', 'c7i.large', T0 + 3 * DAY);
    b.clock.set(T0 + 4 * DAY);
    const out = await b.ce.send(new GetCostForecastCommand({
      TimePeriod: { Start: '2026-03-05', End: '2026-03-07' }, Granularity: 'DAILY', Metric: 'UNBLENDED_COST',
      Filter: { Dimensions: { Key: 'INSTANCE_TYPE', Values: ['c7i.large'] } },
    }));
    near(out.Total!.Amount, 2 * 24 * 0.08925);
    assert.equal(out.Total!.Unit, 'USD');
    assert.equal(out.ForecastResultsByTime!.length, 2);
    near(out.ForecastResultsByTime![0]!.MeanValue, 24 * 0.08925);
    near(out.ForecastResultsByTime![0]!.PredictionIntervalLowerBound, 24 * 0.08925, 1e-4);
    near(out.ForecastResultsByTime![0]!.PredictionIntervalUpperBound, 24 * 0.08925, 1e-4);
    const past = await errorOf(b.ce.send(new GetCostForecastCommand({ TimePeriod: { Start: '2026-03-01', End: '2026-03-07' }, Granularity: 'DAILY', Metric: 'UNBLENDED_COST' })));
    assert.equal(past.name, 'ValidationException');
    const order = await errorOf(b.ce.send(new GetCostForecastCommand({ TimePeriod: { Start: '2026-03-07', End: '2026-03-06' }, Granularity: 'DAILY', Metric: 'UNBLENDED_COST' })));
    assert.equal(order.message, 'Requested Start: 2026-03-07 must be before requested End: 2026-03-06');
    const none = await errorOf(b.ce.send(new GetCostForecastCommand({
      TimePeriod: { Start: '2026-03-05', End: '2026-03-07' }, Granularity: 'DAILY', Metric: 'UNBLENDED_COST', Filter: { Dimensions: { Key: 'REGION', Values: ['eu-west-1'] } },
    })));
    assert.equal(none.name, 'DataUnavailableException');
    b.t.nimbus.billing.meter.close('i-00000000000000004', T0 + 4 * DAY);
  });
});

describe('Cost Explorer: Reserved Instances', () => {
  let b: BillingTest;
  before(async () => {
    b = await startBilling();
  });
  after(async () => {
    await b?.close();
  });

  test('utilization and coverage of a 1-year No Upfront m7i.large RI used 10 h of 24', async () => {
    const billing = b.t.nimbus.billing;
    const [offering] = billing.reserved.offerings('us-east-1', { instanceType: 'm7i.large', offeringClass: 'standard', offeringType: 'No Upfront', durationSec: 31_536_000 });
    const ri = billing.reserved.purchase({ account: '000000000000', region: 'us-east-1' }, offering!.id, 1, T0);
    // The RI covers one m7i.large (10 h); a second one runs On-Demand meanwhile.
    meterInstance(b, 'i-00000000000000001', 'm7i.large', T0, T0 + 10 * HOUR);
    meterInstance(b, 'i-00000000000000002', 'm7i.large', T0, T0 + 10 * HOUR);
    b.clock.set(T0 + DAY);
    const eff = offering!.recurringHourly; // No Upfront: the whole effective price is hourly

    const util = await b.ce.send(new GetReservationUtilizationCommand({ TimePeriod: { Start: '2026-03-01', End: '2026-03-02' }, GroupBy: [{ Type: 'DIMENSION', Key: 'SUBSCRIPTION_ID' }] }));
    const total = util.Total!;
    assert.equal(total.PurchasedHours, '24');
    assert.equal(total.TotalActualHours, '10');
    assert.equal(total.UnusedHours, '14');
    assert.equal(total.UtilizationPercentage, '41.67');
    near(total.TotalAmortizedFee, 24 * eff);
    near(total.AmortizedRecurringFee, 24 * eff);
    near(total.OnDemandCostOfRIHoursUsed, 10 * 0.1008);
    near(total.NetRISavings, 10 * 0.1008 - 24 * eff);
    near(total.RICostForUnusedHours, 14 * eff);
    const group = util.UtilizationsByTime![0]!.Groups![0]!;
    assert.equal(group.Value, ri.id);
    assert.equal(group.Attributes!.instanceType, 'm7i.large');
    assert.equal(group.Attributes!.numberOfInstances, '1');

    const cov = await b.ce.send(new GetReservationCoverageCommand({ TimePeriod: { Start: '2026-03-01', End: '2026-03-02' }, Granularity: 'DAILY', GroupBy: [{ Type: 'DIMENSION', Key: 'INSTANCE_TYPE' }] }));
    const hours = cov.CoveragesByTime![0]!.Total!.CoverageHours!;
    assert.deepEqual(hours, { OnDemandHours: '10', ReservedHours: '10', TotalRunningHours: '20', CoverageHoursPercentage: '50' });
    assert.deepEqual(cov.CoveragesByTime![0]!.Groups![0]!.Attributes, { instanceType: 'm7i.large' });
    near(cov.Total!.CoverageCost!.OnDemandCost, 10 * 0.1008);

    // The bill: the RI's 24 hourly fees plus 10 On-Demand hours; the covered hours cost nothing more.
    const bill = await b.ce.send(new GetCostAndUsageCommand({
      TimePeriod: { Start: '2026-03-01', End: '2026-03-02' }, Granularity: 'DAILY', Metrics: ['UnblendedCost'], GroupBy: [{ Type: 'DIMENSION', Key: 'PURCHASE_TYPE' }],
    }));
    const byPurchase = Object.fromEntries(bill.ResultsByTime![0]!.Groups!.map((g) => [g.Keys![0], Number(g.Metrics!.UnblendedCost!.Amount)]));
    near(String(byPurchase['On Demand Instances']), 10 * 0.1008);
    near(String(byPurchase['Standard Reserved Instances']), 24 * eff);
  });
});
