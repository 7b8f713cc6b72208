import type { LineItem } from '../../../engines/billing/types.ts';

// Savings Plans purchase recommendation from real usage.
//
// For every hour of the lookback window: O_h = the On-Demand spend a plan of the requested type could cover (EC2
// instance hours, plus Fargate and Lambda duration for Compute plans), and E_h = what the same usage costs at the
// plan's rates. A commitment c (USD/hour at plan rates) costs c every hour and covers min(E_h, c); the rest of the
// hour's usage stays On-Demand: O_h × (E_h − c) / E_h. The recommended c is the one that maximizes the savings over
// the window (tried at every E_h: with steady usage that is the hourly SP-rate cost of that usage), rounded down to
// AWS's 0.001 USD/hour precision. The figures below are those of c over the lookback window, as AWS reports them.

export interface HourlySpend {
  /** On-Demand spend of eligible usage in each hour of the window (zeros included). */
  onDemand: number[];
  /** The same usage at the plan's rates. */
  atPlanRates: number[];
}

export interface Recommendation {
  hourlyCommitment: number;
  hours: number;
  currentOnDemandSpend: number;
  estimatedSpCost: number;
  estimatedOnDemandCost: number;
  estimatedSavings: number;
  averageUtilization: number;
  minHourlyOnDemand: number;
  maxHourlyOnDemand: number;
  avgHourlyOnDemand: number;
}

/** Cost of the window with commitment c: [SP cost, remaining On-Demand cost, commitment used]. */
function costWith(s: HourlySpend, c: number): [number, number, number] {
  let od = 0;
  let used = 0;
  for (let h = 0; h < s.onDemand.length; h++) {
    const o = s.onDemand[h]!;
    const e = s.atPlanRates[h]!;
    used += Math.min(e, c);
    if (e > c && e > 0) od += (o * (e - c)) / e;
  }
  return [c * s.onDemand.length, od, used];
}

export function recommend(s: HourlySpend): Recommendation {
  const hours = s.onDemand.length;
  const total = s.onDemand.reduce((a, b) => a + b, 0);
  let best = 0;
  let bestSavings = 0;
  for (const c of [...new Set(s.atPlanRates)].sort((a, b) => a - b)) {
    if (c <= 0) continue;
    const [sp, od] = costWith(s, c);
    const savings = total - sp - od;
    if (savings > bestSavings + 1e-12) {
      best = c;
      bestSavings = savings;
    }
  }
  const c = Math.floor(best * 1000 + 1e-9) / 1000;
  const [sp, od, used] = costWith(s, c);
  return {
    hourlyCommitment: c,
    hours,
    currentOnDemandSpend: total,
    estimatedSpCost: sp,
    estimatedOnDemandCost: od,
    estimatedSavings: total - sp - od,
    averageUtilization: c > 0 && hours ? (used / (c * hours)) * 100 : 0,
    minHourlyOnDemand: hours ? Math.min(...s.onDemand) : 0,
    maxHourlyOnDemand: hours ? Math.max(...s.onDemand) : 0,
    avgHourlyOnDemand: hours ? total / hours : 0,
  };
}

/**
 * Hourly eligible spend of line items over [fromMs, fromMs + hours h). `planCost` prices one line at the plan's
 * rates (undefined: the plan does not cover it, so it is not eligible).
 */
export function hourlySpend(items: LineItem[], fromMs: number, hours: number, planCost: (li: LineItem) => number | undefined): HourlySpend {
  const onDemand = new Array<number>(hours).fill(0);
  const atPlanRates = new Array<number>(hours).fill(0);
  for (const li of items) {
    const k = Math.floor((li.hourMs - fromMs) / 3_600_000);
    if (k < 0 || k >= hours) continue;
    const e = planCost(li);
    if (e === undefined) continue;
    onDemand[k] += li.onDemandCost;
    atPlanRates[k] += e;
  }
  return { onDemand, atPlanRates };
}
