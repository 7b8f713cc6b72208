import assert from 'node:assert/strict';
import {
  GetCostAndUsageCommand, GetDimensionValuesCommand, GetSavingsPlansCoverageCommand, GetSavingsPlansPurchaseRecommendationCommand,
  GetSavingsPlansUtilizationCommand, GetSavingsPlansUtilizationDetailsCommand,
} from '@aws-sdk/client-cost-explorer';
import { CreateSavingsPlanCommand, DescribeSavingsPlansCommand, DescribeSavingsPlansOfferingsCommand } from '@aws-sdk/client-savingsplans';
import { after, before, describe, test } from 'node:test';
import { DAY, errorOf, meterInstance, startBilling, T0, type BillingTest } from './support.ts';

// Compute Savings Plan, 1 year No Upfront: 27 % off EC2 in the catalog, so m7i.large (0.1008/h) costs 0.073584/h
// under the plan. A 0.05/h commitment covers 0.05 / 0.073584 of each m7i.large hour: an On-Demand equivalent of
// 0.05 / 0.73 = 0.0684931507/h; the rest of the hour (0.1008 − 0.0684931507) stays On-Demand.

const near = (actual: string | undefined, expected: number, eps = 1e-6) =>
  assert.ok(Math.abs(Number(actual) - expected) < eps, `${actual} ≉ ${expected}`);
const YEAR = 31_536_000;

async function computeOffering(b: BillingTest, payment: 'No Upfront' | 'All Upfront'): Promise<string> {
  const offers = await b.sp.send(new DescribeSavingsPlansOfferingsCommand({ planTypes: ['Compute'], durations: [YEAR], paymentOptions: [payment] }));
  return offers.searchResults![0]!.offeringId!;
}

describe('Cost Explorer: Savings Plans utilization and coverage', () => {
  let b: BillingTest;
  let arn: string;
  before(async () => {
    b = await startBilling();
    const { savingsPlanId } = await b.sp.send(new CreateSavingsPlanCommand({ savingsPlanOfferingId: await computeOffering(b, 'No Upfront'), commitment: '0.05' }));
    arn = (await b.sp.send(new DescribeSavingsPlansCommand({ savingsPlanIds: [savingsPlanId!] }))).savingsPlans![0]!.savingsPlanArn!;
    // One m7i.large for all of day 1, nothing on day 2.
    meterInstance(b, 'i-00000000000000001', 'm7i.large', T0, T0 + DAY);
    b.clock.set(T0 + 2 * DAY);
  });
  after(async () => {
    await b?.close();
  });

  test('utilization: fully used on day 1, unused on day 2', async () => {
    const out = await b.ce.send(new GetSavingsPlansUtilizationCommand({ TimePeriod: { Start: '2026-03-01', End: '2026-03-03' }, Granularity: 'DAILY' }));
    const [d1, d2] = out.SavingsPlansUtilizationsByTime!;
    assert.deepEqual(d1!.TimePeriod, { Start: '2026-03-01', End: '2026-03-02' });
    assert.deepEqual(d1!.Utilization, { TotalCommitment: '1.2', UsedCommitment: '1.2', UnusedCommitment: '0', UtilizationPercentage: '100' });
    near(d1!.Savings!.OnDemandCostEquivalent, 24 * (0.05 / 0.73));
    near(d1!.Savings!.NetSavings, 24 * (0.05 / 0.73) - 1.2);
    assert.deepEqual(d1!.AmortizedCommitment, { AmortizedRecurringCommitment: '1.2', AmortizedUpfrontCommitment: '0', TotalAmortizedCommitment: '1.2' });
    assert.deepEqual(d2!.Utilization, { TotalCommitment: '1.2', UsedCommitment: '0', UnusedCommitment: '1.2', UtilizationPercentage: '0' });
    assert.deepEqual(out.Total!.Utilization, { TotalCommitment: '2.4', UsedCommitment: '1.2', UnusedCommitment: '1.2', UtilizationPercentage: '50' });

    const details = await b.ce.send(new GetSavingsPlansUtilizationDetailsCommand({ TimePeriod: { Start: '2026-03-01', End: '2026-03-03' } }));
    assert.equal(details.SavingsPlansUtilizationDetails!.length, 1);
    const d = details.SavingsPlansUtilizationDetails![0]!;
    assert.equal(d.SavingsPlanArn, arn);
    assert.equal(d.Attributes!.SavingsPlansType, 'ComputeSavingsPlans');
    assert.equal(d.Attributes!.PaymentOption, 'No Upfront');
    assert.equal(d.Attributes!.RecurringHourlyFee, '0.05');
    assert.equal(d.Utilization!.UtilizationPercentage, '50');
    const filtered = await b.ce.send(new GetSavingsPlansUtilizationCommand({
      TimePeriod: { Start: '2026-03-01', End: '2026-03-03' }, Filter: { Dimensions: { Key: 'SAVINGS_PLANS_TYPE', Values: ['EC2InstanceSavingsPlans'] } },
    }));
    assert.equal(filtered.Total!.Utilization!.TotalCommitment, '0');
    const plans = await b.ce.send(new GetDimensionValuesCommand({ TimePeriod: { Start: '2026-03-01', End: '2026-03-03' }, Dimension: 'SAVINGS_PLAN_ARN', Context: 'SAVINGS_PLANS' }));
    assert.deepEqual(plans.DimensionValues!.map((v) => v.Value), [arn]);
  });

  test('coverage and the bill', async () => {
    const covered = 24 * (0.05 / 0.73);
    const onDemand = 24 * 0.1008 - covered;
    const cov = await b.ce.send(new GetSavingsPlansCoverageCommand({ TimePeriod: { Start: '2026-03-01', End: '2026-03-02' }, Granularity: 'DAILY', GroupBy: [{ Type: 'DIMENSION', Key: 'INSTANCE_FAMILY' }] }));
    const c = cov.SavingsPlansCoverages![0]!;
    assert.deepEqual(c.Attributes, { INSTANCE_FAMILY: 'm7i' });
    near(c.Coverage!.SpendCoveredBySavingsPlans, covered);
    near(c.Coverage!.OnDemandCost, onDemand);
    near(c.Coverage!.TotalCost, 24 * 0.1008);
    assert.equal(c.Coverage!.CoveragePercentage, '67.95'); // 0.0684931507 / 0.1008

    // Day 1 on the bill: 24 commitment fees of 0.05 + the uncovered On-Demand part; the covered usage itself is 0.
    const bill = await b.ce.send(new GetCostAndUsageCommand({
      TimePeriod: { Start: '2026-03-01', End: '2026-03-02' }, Granularity: 'DAILY', Metrics: ['UnblendedCost', 'AmortizedCost'], GroupBy: [{ Type: 'DIMENSION', Key: 'RECORD_TYPE' }],
    }));
    const by = Object.fromEntries(bill.ResultsByTime![0]!.Groups!.map((g) => [g.Keys![0], g.Metrics!]));
    near(by.SavingsPlanRecurringFee!.UnblendedCost!.Amount, 1.2);
    near(by.SavingsPlanRecurringFee!.AmortizedCost!.Amount, 0); // nothing unused on day 1
    near(by.SavingsPlanCoveredUsage!.UnblendedCost!.Amount, 0);
    near(by.SavingsPlanCoveredUsage!.AmortizedCost!.Amount, 1.2);
    near(by.Usage!.UnblendedCost!.Amount, onDemand);
  });
});

describe('Cost Explorer: Savings Plans purchase recommendation from real usage', () => {
  let b: BillingTest;
  before(async () => {
    b = await startBilling();
    // One m7i.large running for 8 days (the window is the last 7 × 24 complete hours).
    meterInstance(b, 'i-00000000000000001', 'm7i.large', T0);
    b.clock.set(T0 + 8 * DAY + 30 * 60_000);
  });
  after(async () => {
    await b?.close();
  });

  test('Compute, 1 year, No Upfront, 7 days: commit the hourly SP-rate cost of the steady usage', async () => {
    const out = await b.ce.send(new GetSavingsPlansPurchaseRecommendationCommand({
      SavingsPlansType: 'COMPUTE_SP', TermInYears: 'ONE_YEAR', PaymentOption: 'NO_UPFRONT', LookbackPeriodInDays: 'SEVEN_DAYS',
    }));
    const rec = out.SavingsPlansPurchaseRecommendation!;
    assert.equal(rec.LookbackPeriodInDays, 'SEVEN_DAYS');
    assert.equal(rec.AccountScope, 'PAYER');
    const [d] = rec.SavingsPlansPurchaseRecommendationDetails!;
    // 0.1008 × 0.73 = 0.073584 → rounded down to 0.073. Per hour: 0.073 covers 0.073 / 0.73 = 0.1 of On-Demand;
    // 0.0008 stays On-Demand; saving 0.1008 − 0.073 − 0.0008 = 0.027.
    assert.equal(d!.HourlyCommitmentToPurchase, '0.073');
    assert.equal(d!.CurrentAverageHourlyOnDemandSpend, '0.1008');
    assert.equal(d!.CurrentMinimumHourlyOnDemandSpend, '0.1008');
    near(d!.EstimatedSPCost, 168 * 0.073);
    near(d!.EstimatedOnDemandCost, 168 * 0.0008);
    near(d!.EstimatedOnDemandCostWithCurrentCommitment, 168 * 0.1008);
    near(d!.EstimatedSavingsAmount, 168 * 0.027);
    near(d!.EstimatedMonthlySavingsAmount, 730 * 0.027);
    assert.equal(d!.EstimatedAverageUtilization, '100');
    assert.equal(d!.EstimatedSavingsPercentage, '26.79'); // 0.027 / 0.1008
    assert.equal(d!.EstimatedROI, '36.99'); // 0.027 / 0.073
    assert.equal(d!.UpfrontCost, '0');
    const s = rec.SavingsPlansPurchaseRecommendationSummary!;
    assert.equal(s.TotalRecommendationCount, '1');
    assert.equal(s.HourlyCommitmentToPurchase, '0.073');
    near(s.DailyCommitmentToPurchase, 24 * 0.073);
    assert.ok(out.Metadata!.RecommendationId);

    // EC2 Instance plans: one per (region, family). All Upfront, 1 year: 42 % off → 0.058464 → 0.058, paid at once.
    const ec2 = await b.ce.send(new GetSavingsPlansPurchaseRecommendationCommand({
      SavingsPlansType: 'EC2_INSTANCE_SP', TermInYears: 'ONE_YEAR', PaymentOption: 'ALL_UPFRONT', LookbackPeriodInDays: 'SEVEN_DAYS',
    }));
    const [e] = ec2.SavingsPlansPurchaseRecommendation!.SavingsPlansPurchaseRecommendationDetails!;
    assert.deepEqual({ ...e!.SavingsPlansDetails, OfferingId: undefined }, { Region: 'US East (N. Virginia)', InstanceFamily: 'm7i', OfferingId: undefined });
    assert.equal(e!.HourlyCommitmentToPurchase, '0.058');
    near(e!.UpfrontCost, 0.058 * 8760);
  });

  test('bad input and an account already covered', async () => {
    const bad = await errorOf(b.ce.send(new GetSavingsPlansPurchaseRecommendationCommand({
      SavingsPlansType: 'SAGEMAKER_SP', TermInYears: 'ONE_YEAR', PaymentOption: 'NO_UPFRONT', LookbackPeriodInDays: 'SEVEN_DAYS',
    })));
    assert.equal(bad.name, 'ValidationException');
    // Buy what was recommended: the remaining On-Demand usage is too small for another plan.
    await b.sp.send(new CreateSavingsPlanCommand({ savingsPlanOfferingId: await computeOffering(b, 'No Upfront'), commitment: '0.073' }));
    b.clock.advance(8 * DAY);
    const after = await b.ce.send(new GetSavingsPlansPurchaseRecommendationCommand({
      SavingsPlansType: 'COMPUTE_SP', TermInYears: 'ONE_YEAR', PaymentOption: 'NO_UPFRONT', LookbackPeriodInDays: 'SEVEN_DAYS',
    }));
    assert.equal(after.SavingsPlansPurchaseRecommendation!.SavingsPlansPurchaseRecommendationSummary!.TotalRecommendationCount, '0');
    assert.deepEqual(after.SavingsPlansPurchaseRecommendation!.SavingsPlansPurchaseRecommendationDetails, []);
    b.t.nimbus.billing.meter.close('i-00000000000000001', b.clock.now());
  });
});
