import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import {
  AllocateHostsCommand, DescribeReservedInstancesOfferingsCommand, DescribeSpotPriceHistoryCommand, EC2Client, PurchaseReservedInstancesOfferingCommand,
  ReleaseHostsCommand, RunInstancesCommand, TerminateInstancesCommand, type ReservedInstancesOffering,
} from '@aws-sdk/client-ec2';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { CreateSavingsPlanCommand, DescribeSavingsPlansOfferingRatesCommand, SavingsplansClient } from '@aws-sdk/client-savingsplans';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { AMI, waitState } from '../support/ec2.ts';
import { isRoot, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

// The "must show": ONE workload — an m7i.large web server running for exactly 10 hours — launched for real
// under each purchase option (one account each, so every bill holds one option), priced by Nimbus, read back
// through Cost Explorer, and checked against totals worked out here by hand from the prices the APIs publish.

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 2); // a Monday, on an hour boundary: hour h of the workload is [T0 + h·1h, T0 + (h+1)·1h)
const TYPE = 'm7i.large';
const OD = 0.1008; // the published us-east-1 Linux On-Demand price of m7i.large (USD/hour)

const ACCOUNTS = {
  onDemand: '111100000001', spot: '111100000002', riAll: '111100000003', riPartial: '111100000004', riNone: '111100000005',
  savingsPlan: '111100000006', host: '111100000007',
} as const;
type Option = keyof typeof ACCOUNTS;

const creds = (account: string) => ({ accessKeyId: account, secretAccessKey: 'x' });
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: got ${a}, expected ${b}`);

describe('the same 10-hour workload priced under every purchase option', { skip: !isRoot && 'needs root for instances' }, () => {
  const clock = new ManualClock(T0);
  let t: TestNimbus;
  const ec2 = {} as Record<Option, EC2Client>;
  const ce = {} as Record<Option, CostExplorerClient>;
  let offerings: ReservedInstancesOffering[] = [];
  let spotAz = '';
  let hostId = '';
  let spRate = 0;
  const commitment = 0.05;

  before(async () => {
    t = await startTestNimbus({}, { clock });
    for (const [opt, account] of Object.entries(ACCOUNTS) as [Option, string][]) {
      ec2[opt] = new EC2Client({ endpoint: t.endpoint, region: 'us-east-1', credentials: creds(account), maxAttempts: 1 });
      ce[opt] = new CostExplorerClient({ endpoint: t.endpoint, region: 'us-east-1', credentials: creds(account), maxAttempts: 1 });
    }
    // Purchases first (all at T0, before anything runs).
    offerings = (await ec2.riAll.send(new DescribeReservedInstancesOfferingsCommand({
      InstanceType: TYPE, OfferingClass: 'standard', ProductDescription: 'Linux/UNIX', MinDuration: 31536000, MaxDuration: 31536000,
    }))).ReservedInstancesOfferings!;
    for (const [opt, kind] of [['riAll', 'All Upfront'], ['riPartial', 'Partial Upfront'], ['riNone', 'No Upfront']] as const) {
      const o = offerings.find((x) => x.OfferingType === kind)!;
      await ec2[opt].send(new PurchaseReservedInstancesOfferingCommand({ ReservedInstancesOfferingId: o.ReservedInstancesOfferingId!, InstanceCount: 1 }));
    }
    const sp = new SavingsplansClient({ endpoint: t.endpoint, region: 'us-east-1', credentials: creds(ACCOUNTS.savingsPlan), maxAttempts: 1 });
    const rates = await sp.send(new DescribeSavingsPlansOfferingRatesCommand({
      savingsPlanTypes: ['EC2Instance'], savingsPlanPaymentOptions: ['No Upfront'], products: ['EC2'],
      filters: [{ name: 'instanceType', values: [TYPE] }, { name: 'region', values: ['us-east-1'] }],
    }));
    const rate = rates.searchResults!.find((r) => r.savingsPlanOffering?.durationSeconds === 31536000 && /BoxUsage/.test(r.usageType ?? '') && !/Dedicated|Host/.test(r.usageType ?? ''))!;
    spRate = Number(rate.rate);
    await sp.send(new CreateSavingsPlanCommand({ savingsPlanOfferingId: rate.savingsPlanOffering!.offeringId!, commitment: String(commitment) }));
    sp.destroy();
    hostId = (await ec2.host.send(new AllocateHostsCommand({ AvailabilityZone: 'us-east-1a', InstanceFamily: 'm7i', Quantity: 1 }))).HostIds![0];

    // The workload: one m7i.large per account, all running at T0 (the clock does not move while they boot).
    const ids = {} as Record<Option, string>;
    for (const opt of Object.keys(ACCOUNTS) as Option[]) {
      const r = await ec2[opt].send(new RunInstancesCommand({
        ImageId: AMI, InstanceType: TYPE, MinCount: 1, MaxCount: 1,
        ...(opt === 'spot' ? { InstanceMarketOptions: { MarketType: 'spot' } } : {}),
        ...(opt === 'host' ? { Placement: { Tenancy: 'host', HostId: hostId } } : {}),
      }));
      ids[opt] = r.Instances![0].InstanceId!;
      if (opt === 'spot') spotAz = r.Instances![0].Placement!.AvailabilityZone!;
    }
    for (const opt of Object.keys(ACCOUNTS) as Option[]) await waitState(ec2[opt], ids[opt], 'running');
    clock.advance(10 * HOUR);
    for (const opt of Object.keys(ACCOUNTS) as Option[]) await ec2[opt].send(new TerminateInstancesCommand({ InstanceIds: [ids[opt]] }));
    for (const opt of Object.keys(ACCOUNTS) as Option[]) await waitState(ec2[opt], ids[opt], 'terminated');
    await ec2.host.send(new ReleaseHostsCommand({ HostIds: [hostId] }));
  });
  after(async () => {
    for (const c of [...Object.values(ec2), ...Object.values(ce)]) c.destroy();
    await t?.close();
  });

  /** Cost Explorer: the account's UnblendedCost over the 10 hours, by purchase type. */
  async function costs(opt: Option, hours = 10): Promise<Record<string, number>> {
    const r = await ce[opt].send(new GetCostAndUsageCommand({
      TimePeriod: { Start: '2026-11-02T00:00:00Z', End: `2026-11-02T${String(hours).padStart(2, '0')}:00:00Z` }, Granularity: 'HOURLY', Metrics: ['UnblendedCost'],
      GroupBy: [{ Type: 'DIMENSION', Key: 'PURCHASE_TYPE' }],
    }));
    const out: Record<string, number> = {};
    for (const period of r.ResultsByTime!) {
      for (const g of period.Groups ?? []) out[g.Keys![0]] = (out[g.Keys![0]] ?? 0) + Number(g.Metrics!.UnblendedCost.Amount);
    }
    return out;
  }
  const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
  const offering = (kind: string) => offerings.find((x) => x.OfferingType === kind)!;
  const hourly = (o: ReservedInstancesOffering) => o.RecurringCharges?.find((c) => c.Frequency === 'Hourly')?.Amount ?? 0;

  test('On-Demand: 10 h × the published hourly price', async () => {
    const c = await costs('onDemand');
    close(c['On Demand Instances'], 10 * OD, 'On-Demand');
    close(total(c), 10 * OD, 'total');
  });

  test('Spot: each hour at the spot price in effect at its start (from DescribeSpotPriceHistory)', async () => {
    const history = (await ec2.spot.send(new DescribeSpotPriceHistoryCommand({
      InstanceTypes: [TYPE], AvailabilityZone: spotAz, ProductDescriptions: ['Linux/UNIX'], StartTime: new Date(T0), EndTime: new Date(T0 + 10 * HOUR),
    }))).SpotPriceHistory!.map((p) => ({ at: p.Timestamp!.getTime(), price: Number(p.SpotPrice) }));
    let expected = 0;
    for (let h = 0; h < 10; h++) {
      const start = T0 + h * HOUR;
      const inEffect = history.filter((p) => p.at <= start).sort((a, b) => b.at - a.at)[0];
      assert.ok(inEffect, `a spot price in effect at hour ${h}`);
      expected += inEffect.price;
    }
    const c = await costs('spot');
    close(c['Spot Instances'], expected, 'Spot');
    assert.ok(expected < 10 * OD * 0.8, `spot (${expected}) is well below On-Demand (${10 * OD})`);
  });

  test('Reserved Instances: the upfront fee once, the recurring fee every hour, covered usage free', async () => {
    const all = offering('All Upfront');
    const partial = offering('Partial Upfront');
    const none = offering('No Upfront');
    assert.equal(hourly(all), 0);
    assert.equal(none.FixedPrice, 0);
    close(total(await costs('riAll')), all.FixedPrice!, 'All Upfront');
    close(total(await costs('riPartial')), partial.FixedPrice! + 10 * hourly(partial), 'Partial Upfront');
    close(total(await costs('riNone')), 10 * hourly(none), 'No Upfront');
    // No Upfront is the cheapest way to pay for 10 hours, and it beats On-Demand.
    assert.ok(10 * hourly(none) < 10 * OD);
  });

  test('Savings Plan: the commitment every hour, the rest of the usage On-Demand', async () => {
    assert.ok(spRate > 0 && spRate < OD, `plan rate ${spRate} below On-Demand`);
    const coveredShare = Math.min(1, commitment / spRate);
    const expected = 10 * (commitment + (1 - coveredShare) * OD);
    close(total(await costs('savingsPlan')), expected, 'Savings Plan');
  });

  test('Dedicated Host: 10 host-hours at the published host price; the instance on it costs nothing more', async () => {
    const pricing = new PricingClient({ endpoint: t.endpoint, region: 'us-east-1', credentials: creds(ACCOUNTS.host), maxAttempts: 1 });
    const products = await pricing.send(new GetProductsCommand({
      ServiceCode: 'AmazonEC2', Filters: [
        { Type: 'TERM_MATCH', Field: 'productFamily', Value: 'Dedicated Host' }, { Type: 'TERM_MATCH', Field: 'instanceType', Value: 'm7i' },
        { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' },
      ],
    }));
    pricing.destroy();
    assert.equal(products.PriceList!.length, 1);
    const doc = JSON.parse(products.PriceList![0] as string);
    const term = Object.values(doc.terms.OnDemand as Record<string, { priceDimensions: Record<string, { pricePerUnit: { USD: string } }> }>)[0];
    const hostHourly = Number(Object.values(term.priceDimensions)[0].pricePerUnit.USD);
    assert.ok(hostHourly > OD);
    close(total(await costs('host')), 10 * hostHourly, 'Dedicated Host');
  });

  test('`nimbus bill` prints the same total as Cost Explorer', async () => {
    // Asynchronously: this process serves the request the CLI makes.
    const { stdout: out } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bill', '--month', '2026-11', '--account', ACCOUNTS.riPartial, '--json', '--endpoint', t.endpoint], {
      cwd: new URL('../..', import.meta.url).pathname, encoding: 'utf8',
    });
    const bill = JSON.parse(out) as { total: number; services: { service: string }[] };
    // The bill runs from the start of the month to "now" (T0 + 10 h): the same hours as the Cost Explorer query.
    close(bill.total, total(await costs('riPartial')), 'bill vs Cost Explorer');
    close(bill.total, offering('Partial Upfront').FixedPrice! + 10 * hourly(offering('Partial Upfront')), 'bill by hand');
    assert.ok(bill.services.some((s) => s.service === 'Amazon Elastic Compute Cloud - Compute'));
  });
});
