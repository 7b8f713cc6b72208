import type { Catalog } from '../catalog/catalog.ts';
import type { SavingsPlans } from '../savings-plans.ts';
import type { LambdaHourlyUsage, LineItem, ReservedInstances, SavingsPlan, UsageInterval } from '../types.ts';
import { ReservedApplier } from './apply-reserved.ts';
import { SavingsPlanApplier } from './apply-savings-plans.ts';
import { LineSink } from './lines.ts';
import type { StreamFactory } from './streams.ts';
import { sweep } from './sweep.ts';

const HOUR = 3_600_000;
const EPS = 1e-12;

export interface RatingInput {
  account: string;
  fromMs: number;
  toMs: number;
  /** Nothing after now is billed: open intervals end here, fees stop at the current hour. */
  nowMs: number;
  intervals: UsageInterval[];
  reserved: ReservedInstances[];
  plans: SavingsPlan[];
  lambda: LambdaHourlyUsage[];
}

/**
 * Rates an account's usage into line items, hour by hour, in AWS's order:
 *   1. usage per hour per resource (per-second EC2 and Fargate with a 60-second minimum, Lambda per 1 ms + requests);
 *   2. Reserved Instances (regional, size-flexible) — see apply-reserved.ts;
 *   3. Savings Plans on what is left — EC2 Instance plans, then Compute plans — see apply-savings-plans.ts;
 *   4. everything still uncovered at its own price: On-Demand (BoxUsage), spot (the price in effect at the start of
 *      the hour), instances on a dedicated host (0: the host's HostUsage line pays), hosts, Fargate, Lambda.
 * The range is widened to whole hours ([floor(from), ceil(to)) in hours) and stops at the hour containing now.
 * unblendedCost is the cash view (upfront fees when paid), amortizedCost spreads them over the term; both sum to the
 * same total over a whole term.
 */
export function rate(input: RatingInput, ctx: { catalog: Catalog; streams: StreamFactory; plans: SavingsPlans }): LineItem[] {
  const h0 = Math.floor(input.fromMs / HOUR);
  const hEnd = Math.min(Math.ceil(input.toMs / HOUR), Math.floor(input.nowMs / HOUR) + 1);
  const nHours = hEnd - h0;
  const out = new LineSink(input.account);
  if (nHours <= 0) return out.items;

  const buckets = sweep(input.intervals, ctx.streams, h0, nHours, Math.floor(input.nowMs / 1000));
  for (const row of input.lambda) {
    const k = Math.floor(row.hourMs / HOUR) - h0;
    if (k < 0 || k >= nHours) continue;
    const [gbs, req] = ctx.streams.ofLambda(row);
    buckets[k]!.s.push(gbs, req);
    buckets[k]!.q.push(row.gbSeconds, row.requests);
  }

  const ris = new ReservedApplier(input.reserved, ctx.catalog);
  const sps = new SavingsPlanApplier(input.plans, ctx.plans);
  let rem = new Float64Array(1024);
  for (let k = 0; k < nHours; k++) {
    const h = h0 + k;
    const { s: streams, q: quantities } = buckets[k]!;
    if (rem.length < streams.length) rem = new Float64Array(streams.length * 2);
    for (let i = 0; i < streams.length; i++) rem[i] = quantities[i]!;
    if (ris.any) ris.apply(h, streams, rem, out);
    if (sps.any) sps.apply(h, streams, rem, out);
    const hourMs = h * HOUR;
    for (let i = 0; i < streams.length; i++) {
      const q = rem[i]!;
      if (q <= EPS) continue;
      const s = streams[i]!;
      const cost = (s.spot ? s.spot.at(h) : s.uncoveredPrice) * q;
      out.usage(hourMs, s, q, cost, cost, s.purchaseType, 'Usage');
    }
  }
  return out.items;
}
