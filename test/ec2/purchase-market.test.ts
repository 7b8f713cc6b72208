import {
  DescribeReservedInstancesCommand, DescribeReservedInstancesOfferingsCommand, DescribeSpotPriceHistoryCommand, EC2Client,
  PurchaseReservedInstancesOfferingCommand, paginateDescribeSpotPriceHistory,
} from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { awsCli, awsCliMissing } from '../support/awscli.ts';
import { startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

// Reserved Instances and the spot price history through the EC2 API (no instances needed).

const YEAR = 31_536_000;
const HOUR = 3_600_000;

const rejects = (p: Promise<unknown>, code: string) => assert.rejects(p, (e: Error) => {
  assert.equal(e.name, code, e.message);
  return true;
});

describe('EC2 purchase options: Reserved Instances and spot prices', () => {
  let t: TestNimbus;
  let other: EC2Client;
  const clock = new ManualClock(Date.now());
  before(async () => {
    t = await startTestNimbus({}, { clock });
    // A 12-digit access key id is taken as the account id.
    other = new EC2Client({ endpoint: t.endpoint, region: 'us-east-1', credentials: { accessKeyId: '123456789012', secretAccessKey: 'x' }, maxAttempts: 1 });
  });
  after(async () => {
    other?.destroy();
    await t?.close();
  });

  test('DescribeReservedInstancesOfferings: filters, shapes, pagination', async () => {
    const one = await t.ec2.send(new DescribeReservedInstancesOfferingsCommand({
      InstanceType: 'm7i.large', OfferingClass: 'standard', OfferingType: 'All Upfront', MinDuration: YEAR, MaxDuration: YEAR,
      ProductDescription: 'Linux/UNIX', IncludeMarketplace: false, InstanceTenancy: 'default',
    }));
    assert.equal(one.ReservedInstancesOfferings!.length, 1);
    const o = one.ReservedInstancesOfferings![0];
    assert.equal(o.InstanceType, 'm7i.large');
    assert.equal(o.Duration, YEAR);
    assert.equal(o.OfferingClass, 'standard');
    assert.equal(o.OfferingType, 'All Upfront');
    assert.equal(o.CurrencyCode, 'USD');
    assert.equal(o.InstanceTenancy, 'default');
    assert.equal(o.Scope, 'Region');
    assert.equal(o.Marketplace, false);
    assert.equal(o.ProductDescription, 'Linux/UNIX');
    assert.equal(o.UsagePrice, 0);
    assert.ok(o.FixedPrice! > 0);
    assert.deepEqual(o.RecurringCharges, [{ Amount: 0, Frequency: 'Hourly' }]);
    assert.match(o.ReservedInstancesOfferingId!, /^[0-9a-f-]{36}$/);

    const noUpfront = await t.ec2.send(new DescribeReservedInstancesOfferingsCommand({ InstanceType: 'm7i.large', OfferingType: 'No Upfront' }));
    assert.equal(noUpfront.ReservedInstancesOfferings!.length, 4); // 2 classes × 2 terms
    for (const x of noUpfront.ReservedInstancesOfferings!) {
      assert.equal(x.FixedPrice, 0);
      assert.ok(x.RecurringCharges![0].Amount! > 0);
    }
    const threeYears = await t.ec2.send(new DescribeReservedInstancesOfferingsCommand({ InstanceType: 'c7i.large', Filters: [{ Name: 'duration', Values: ['94608000'] }] }));
    assert.ok(threeYears.ReservedInstancesOfferings!.length > 0 && threeYears.ReservedInstancesOfferings!.every((x) => x.Duration === 94_608_000));
    const byId = await t.ec2.send(new DescribeReservedInstancesOfferingsCommand({ ReservedInstancesOfferingIds: [o.ReservedInstancesOfferingId!] }));
    assert.equal(byId.ReservedInstancesOfferings![0].ReservedInstancesOfferingId, o.ReservedInstancesOfferingId);

    assert.equal((await t.ec2.send(new DescribeReservedInstancesOfferingsCommand({ InstanceType: 'm7i.large', ProductDescription: 'Windows' }))).ReservedInstancesOfferings!.length, 0);

    const p1 = await t.ec2.send(new DescribeReservedInstancesOfferingsCommand({ MaxResults: 5 }));
    assert.equal(p1.ReservedInstancesOfferings!.length, 5);
    assert.ok(p1.NextToken);
    const p2 = await t.ec2.send(new DescribeReservedInstancesOfferingsCommand({ MaxResults: 5, NextToken: p1.NextToken }));
    assert.equal(p2.ReservedInstancesOfferings!.length, 5);
    assert.notEqual(p2.ReservedInstancesOfferings![0].ReservedInstancesOfferingId, p1.ReservedInstancesOfferings![0].ReservedInstancesOfferingId);
    await rejects(t.ec2.send(new DescribeReservedInstancesOfferingsCommand({ OfferingClass: 'gold' as never })), 'InvalidParameterValue');
  });

  test('PurchaseReservedInstancesOffering and DescribeReservedInstances', async () => {
    const [o] = (await t.ec2.send(new DescribeReservedInstancesOfferingsCommand({
      InstanceType: 't3.micro', OfferingClass: 'convertible', OfferingType: 'Partial Upfront', MaxDuration: YEAR,
    }))).ReservedInstancesOfferings!;
    const { ReservedInstancesId } = await t.ec2.send(new PurchaseReservedInstancesOfferingCommand({ ReservedInstancesOfferingId: o.ReservedInstancesOfferingId, InstanceCount: 2 }));
    assert.ok(ReservedInstancesId);
    const { ReservedInstances } = await t.ec2.send(new DescribeReservedInstancesCommand({ ReservedInstancesIds: [ReservedInstancesId!] }));
    const ri = ReservedInstances![0];
    assert.equal(ri.ReservedInstancesId, ReservedInstancesId);
    assert.equal(ri.InstanceType, 't3.micro');
    assert.equal(ri.InstanceCount, 2);
    assert.equal(ri.State, 'active');
    assert.equal(ri.OfferingClass, 'convertible');
    assert.equal(ri.OfferingType, 'Partial Upfront');
    assert.equal(ri.Scope, 'Region');
    assert.equal(ri.CurrencyCode, 'USD');
    assert.equal(ri.InstanceTenancy, 'default');
    assert.equal(ri.ProductDescription, 'Linux/UNIX');
    assert.equal(ri.Duration, YEAR);
    assert.equal(ri.FixedPrice, o.FixedPrice);
    assert.deepEqual(ri.RecurringCharges, o.RecurringCharges);
    assert.ok(Math.abs(ri.Start!.getTime() - clock.now()) < 2000);
    assert.equal(ri.End!.getTime() - ri.Start!.getTime(), YEAR * 1000);

    const active = await t.ec2.send(new DescribeReservedInstancesCommand({ Filters: [{ Name: 'state', Values: ['active'] }, { Name: 'instance-type', Values: ['t3.*'] }] }));
    assert.ok(active.ReservedInstances!.some((r) => r.ReservedInstancesId === ReservedInstancesId));
    // Another account neither sees nor finds it.
    assert.equal((await other.send(new DescribeReservedInstancesCommand({}))).ReservedInstances!.length, 0);
    await rejects(other.send(new DescribeReservedInstancesCommand({ ReservedInstancesIds: [ReservedInstancesId!] })), 'InvalidReservedInstancesId');

    await rejects(t.ec2.send(new PurchaseReservedInstancesOfferingCommand({ ReservedInstancesOfferingId: '00000000-0000-4000-8000-000000000000', InstanceCount: 1 })), 'InvalidReservedInstancesOfferingId');
    await rejects(t.ec2.send(new PurchaseReservedInstancesOfferingCommand({ ReservedInstancesOfferingId: o.ReservedInstancesOfferingId, InstanceCount: 0 })), 'InvalidParameterValue');
    await rejects(t.ec2.send(new DescribeReservedInstancesCommand({ ReservedInstancesIds: ['11111111-2222-4333-8444-555555555555'] })), 'InvalidReservedInstancesId');
  });

  test('DescribeSpotPriceHistory: current prices, ranges, filters, pagination', async () => {
    const now = clock.now();
    const current = await t.ec2.send(new DescribeSpotPriceHistoryCommand({ InstanceTypes: ['m7i.large', 'c7i.large'], ProductDescriptions: ['Linux/UNIX'] }));
    // One price in effect per type and AZ.
    assert.equal(current.SpotPriceHistory!.length, 6);
    for (const p of current.SpotPriceHistory!) {
      assert.ok(['m7i.large', 'c7i.large'].includes(p.InstanceType!));
      assert.match(p.AvailabilityZone!, /^us-east-1[abc]$/);
      assert.equal(p.ProductDescription, 'Linux/UNIX');
      assert.match(p.SpotPrice!, /^\d+\.\d{6}$/);
      assert.ok(p.Timestamp!.getTime() <= now);
    }
    const day = await t.ec2.send(new DescribeSpotPriceHistoryCommand({
      InstanceTypes: ['m7i.large'], AvailabilityZone: 'us-east-1a', StartTime: new Date(now - 48 * HOUR), EndTime: new Date(now),
    }));
    const points = day.SpotPriceHistory!;
    assert.ok(points.length >= 1);
    assert.ok(points.every((p) => p.AvailabilityZone === 'us-east-1a' && p.InstanceType === 'm7i.large'));
    for (let i = 1; i < points.length; i++) assert.ok(points[i - 1].Timestamp! >= points[i].Timestamp!, 'newest first');
    // The price in effect at StartTime is included (stamped at or before StartTime).
    assert.ok(points[points.length - 1].Timestamp!.getTime() <= now - 48 * HOUR);
    const filtered = await t.ec2.send(new DescribeSpotPriceHistoryCommand({ Filters: [{ Name: 'instance-type', Values: ['r7i.*'] }, { Name: 'availability-zone', Values: ['us-east-1c'] }] }));
    assert.ok(filtered.SpotPriceHistory!.length > 0 && filtered.SpotPriceHistory!.every((p) => p.InstanceType!.startsWith('r7i.') && p.AvailabilityZone === 'us-east-1c'));
    assert.equal((await t.ec2.send(new DescribeSpotPriceHistoryCommand({ InstanceTypes: ['m7i.large'], ProductDescriptions: ['Windows'] }))).SpotPriceHistory!.length, 0);

    let pages = 0;
    let total = 0;
    for await (const page of paginateDescribeSpotPriceHistory({ client: t.ec2, pageSize: 5 }, { StartTime: new Date(now - 12 * HOUR), InstanceTypes: ['t3.micro', 't3.small'] })) {
      pages++;
      total += page.SpotPriceHistory!.length;
    }
    assert.ok(pages >= 2 && total >= 6, `${pages} pages, ${total} prices`);
    await rejects(t.ec2.send(new DescribeSpotPriceHistoryCommand({ InstanceTypes: ['x1.huge' as never] })), 'InvalidParameterValue');
    await rejects(t.ec2.send(new DescribeSpotPriceHistoryCommand({ StartTime: new Date(now), EndTime: new Date(now - HOUR) })), 'InvalidParameterCombination');
    // A range of millennia (found by the fuzz run: it used to walk the market hour by hour, hanging the server) is
    // clamped to AWS's window: 90 days back, nothing after now.
    const wide = await t.ec2.send(new DescribeSpotPriceHistoryCommand({
      InstanceTypes: ['m7i.large'], AvailabilityZone: 'us-east-1a', StartTime: new Date(0), EndTime: new Date(Date.UTC(9999, 0, 1)), MaxResults: 1000,
    }));
    const stamps = wide.SpotPriceHistory!.map((p) => p.Timestamp!.getTime());
    assert.ok(stamps.length > 1 && Math.max(...stamps) <= now, 'no price after now');
    assert.ok(Math.min(...stamps) >= now - (90 + 15) * 24 * HOUR, 'at most 90 days back (plus the price in effect then, set at most two weeks earlier)');
  });

  test('the AWS CLI reads the spot price history', { skip: awsCliMissing }, async () => {
    const out: { SpotPriceHistory: { AvailabilityZone: string; InstanceType: string; SpotPrice: string }[] } = await awsCli(t.endpoint).aws(
      'ec2', 'describe-spot-price-history', '--instance-types', 'm7i.large', '--product-descriptions', 'Linux/UNIX', '--availability-zone', 'us-east-1b');
    assert.equal(out.SpotPriceHistory.length, 1);
    assert.equal(out.SpotPriceHistory[0].AvailabilityZone, 'us-east-1b');
    assert.equal(out.SpotPriceHistory[0].InstanceType, 'm7i.large');
    assert.ok(Number(out.SpotPriceHistory[0].SpotPrice) > 0);
  });
});
