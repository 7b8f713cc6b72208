import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import type { LineItem } from '../../engines/billing/types.ts';
import type { RequestContext } from '../../gateway/context.ts';
import { createCostExplorerService } from './index.ts';

// The Cost Explorer handlers over a fake engine that returns hand-made line items.

const T0 = Date.UTC(2026, 2, 1);
const HOUR = 3_600_000;
const items: LineItem[] = Array.from({ length: 5 * 24 }, (_, k) => ({
  hourMs: T0 + k * HOUR, account: '000000000000', region: 'us-east-1', service: 'Amazon Elastic Compute Cloud - Compute', usageType: 'BoxUsage:t3.micro',
  instanceType: 't3.micro', purchaseType: 'On Demand Instances', quantity: 1, unit: 'Hrs', unblendedCost: 0.0104, amortizedCost: 0.0104, onDemandCost: 0.0104,
  lineItemType: 'Usage', az: k % 2 ? 'us-east-1a' : 'us-east-1b',
}));
const billing = {
  lineItems: (_a: string, from: number, to: number) => items.filter((li) => li.hourMs >= from && li.hourMs < to),
  savingsPlans: { list: () => [] }, reserved: { list: () => [] }, catalog: { onDemandHourly: () => 0.0104 },
} as unknown as Parameters<typeof createCostExplorerService>[0]['billing'];
const ctx = { account: '000000000000', region: 'us-east-1' } as RequestContext;

describe('Cost Explorer handlers', () => {
  test('GetCostAndUsage pages whole periods by rows', async () => {
    const ce = createCostExplorerService({ billing, clock: new ManualClock(T0 + 6 * 24 * HOUR), pageRows: 3 });
    const call = (NextPageToken?: string) => ce.handlers.GetCostAndUsage!({
      TimePeriod: { Start: '2026-03-01', End: '2026-03-06' }, Granularity: 'DAILY', Metrics: ['UnblendedCost'], GroupBy: [{ Type: 'DIMENSION', Key: 'AZ' }], NextPageToken,
    }, ctx) as { ResultsByTime: { TimePeriod: { Start: string } }[]; NextPageToken?: string };
    const p1 = await call();
    // Two groups a day, three rows a page: one day per page.
    assert.deepEqual(p1.ResultsByTime.map((r) => r.TimePeriod.Start), ['2026-03-01']);
    const starts: string[] = [];
    let token: string | undefined;
    do {
      const p = await call(token);
      starts.push(...p.ResultsByTime.map((r) => r.TimePeriod.Start));
      token = p.NextPageToken;
    } while (token);
    assert.deepEqual(starts, ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05']);
    await assert.rejects(async () => ce.handlers.GetCostAndUsage!({
      TimePeriod: { Start: '2026-03-01', End: '2026-03-05' }, Granularity: 'DAILY', Metrics: ['UnblendedCost'], NextPageToken: p1.NextPageToken,
    }, ctx), { name: 'RequestChangedException' });
  });

  test('GetCostForecast over steady usage: 0.0104 × 24 a day', async () => {
    const ce = createCostExplorerService({ billing, clock: new ManualClock(T0 + 5 * 24 * HOUR) });
    const out = await ce.handlers.GetCostForecast!({ TimePeriod: { Start: '2026-03-06', End: '2026-03-08' }, Granularity: 'DAILY', Metric: 'UNBLENDED_COST' }, ctx) as {
      Total: { Amount: string }; ForecastResultsByTime: { MeanValue: string }[];
    };
    assert.equal(out.Total.Amount, '0.4992');
    assert.deepEqual(out.ForecastResultsByTime.map((r) => r.MeanValue), ['0.2496', '0.2496']);
  });
});
