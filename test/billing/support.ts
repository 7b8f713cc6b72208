import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { PricingClient } from '@aws-sdk/client-pricing';
import { SavingsplansClient } from '@aws-sdk/client-savingsplans';
import { ManualClock } from '../../src/core/clock.ts';
import { sdkClient, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

// A Nimbus on a ManualClock (a month passes in a call) with the three billing API clients.

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** 2026-03-01T00:00:00Z: tests start at the beginning of a month. */
export const T0 = Date.UTC(2026, 2, 1);

export interface BillingTest {
  t: TestNimbus;
  clock: ManualClock;
  pricing: PricingClient;
  sp: SavingsplansClient;
  ce: CostExplorerClient;
  close(): Promise<void>;
}

export async function startBilling(start = T0): Promise<BillingTest> {
  const clock = new ManualClock(start);
  const t = await startTestNimbus({}, { clock });
  const pricing = sdkClient(PricingClient, t.endpoint);
  const sp = sdkClient(SavingsplansClient, t.endpoint);
  const ce = sdkClient(CostExplorerClient, t.endpoint);
  return {
    t, clock, pricing, sp, ce,
    async close() {
      pricing.destroy();
      sp.destroy();
      ce.destroy();
      await t.close();
    },
  };
}

/** An instance metered On-Demand in us-east-1 from startMs (and closed at endMs when given). */
export function meterInstance(b: BillingTest, id: string, instanceType: string, startMs: number, endMs?: number, more: { region?: string; az?: string } = {}): void {
  const billing = b.t.nimbus.billing;
  billing.meter.open({
    account: '000000000000', region: more.region ?? 'us-east-1', az: more.az ?? 'us-east-1a', kind: 'instance', resourceId: id, instanceType,
    market: 'on-demand', tenancy: 'default', startMs,
  });
  if (endMs !== undefined) billing.meter.close(id, endMs);
}

export { errorOf } from '../support/nimbus.ts';
