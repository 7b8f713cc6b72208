import type { LineItem } from '../../../engines/billing/types.ts';
import { normalizationFactor } from '../../pricing/products.ts';
import { ValidationException } from '../errors.ts';
import type { GroupDefinition, MetricValue, ResultByTime } from '../generated/shapes.ts';
import { GROUP_BY_DIMENSIONS, isInstanceUsage, lineItemValue, missingValue } from './dimensions.ts';
import { amount } from './format.ts';
import { dateInterval, type Granularity, type Period } from './time.ts';

// GetCostAndUsage's aggregation: line items → one ResultByTime per period, totals or groups of up to two dimensions.
//
// Metrics: UnblendedCost = BlendedCost = NetUnblendedCost (one account, no credits or discounts), AmortizedCost =
// NetAmortizedCost (upfront fees spread over their term), UsageQuantity (unit of the lines when they all share one,
// else "N/A", as AWS), NormalizedUsageAmount (instance hours × size normalization factor).

export const METRICS = ['AmortizedCost', 'BlendedCost', 'NetAmortizedCost', 'NetUnblendedCost', 'NormalizedUsageAmount', 'UnblendedCost', 'UsageQuantity'] as const;
export type Metric = (typeof METRICS)[number];

// Case and underscores are ignored, so GetCostForecast's enum spelling (UNBLENDED_COST) maps to the same metric.
const byKey = new Map<string, Metric>(METRICS.map((m) => [m.toLowerCase(), m]));

/** Canonical metric of a requested name (case and underscores ignored), or a ValidationException. */
export function metricOf(name: string): Metric {
  const m = byKey.get(String(name).toLowerCase().replace(/_/g, ''));
  if (!m) throw new ValidationException(`Invalid metric name: ${name}. Valid values are ${METRICS.join(', ')}`);
  return m;
}

export function metricValue(li: LineItem, m: Metric): number {
  switch (m) {
    case 'UnblendedCost':
    case 'BlendedCost':
    case 'NetUnblendedCost':
      return li.unblendedCost;
    case 'AmortizedCost':
    case 'NetAmortizedCost':
      return li.amortizedCost;
    case 'UsageQuantity':
      return li.quantity;
    case 'NormalizedUsageAmount':
      return li.instanceType && isInstanceUsage(li) ? li.quantity * normalizationFactor(li.instanceType) : 0;
  }
}

/** Sums of the requested metrics over some line items, as Cost Explorer's {Amount, Unit} map. */
export function metricValues(items: LineItem[], requested: { name: string; metric: Metric }[]): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  for (const { name, metric } of requested) {
    let total = 0;
    for (const li of items) total += metricValue(li, metric);
    let unit = 'USD';
    if (metric === 'UsageQuantity') {
      const units = new Set(items.map((li) => li.unit));
      unit = units.size === 1 ? [...units][0]! : 'N/A';
    } else if (metric === 'NormalizedUsageAmount') unit = 'N/A';
    out[name] = { Amount: amount(total), Unit: unit };
  }
  return out;
}

/** Validates GroupBy: at most two DIMENSION definitions Nimbus can read off line items. */
export function checkGroupBy(groupBy: GroupDefinition[] | undefined, allowed: readonly string[] = GROUP_BY_DIMENSIONS): string[] {
  const defs = groupBy ?? [];
  if (defs.length > 2) throw new ValidationException('You can group by at most 2 dimensions or tags (GroupBy has more than 2 elements)');
  return defs.map((g) => {
    if (!g?.Type || !g.Key) throw new ValidationException('Group Definition is invalid. Both type and key need to be set to a non-empty value.');
    if (g.Type === 'TAG' || g.Type === 'COST_CATEGORY') {
      throw new ValidationException(`Group Definition type ${g.Type} is not supported by Nimbus: its line items carry no cost allocation tags or cost categories`);
    }
    if (g.Type !== 'DIMENSION') throw new ValidationException('Group Definition type is invalid.');
    if (!allowed.includes(g.Key)) throw new ValidationException(`Group Definition dimension is invalid. Valid values are ${allowed.join(', ')}`);
    return g.Key;
  });
}

export interface CostAndUsageQuery {
  periods: Period[];
  granularity: Granularity;
  metrics: { name: string; metric: Metric }[];
  groupBy: string[];
  filter: (li: LineItem) => boolean;
  /** Periods ending after this are Estimated (the bill of the current month is not final). */
  finalBefore: number;
}

export function costAndUsage(items: LineItem[], q: CostAndUsageQuery): ResultByTime[] {
  const kept = items.filter(q.filter);
  return q.periods.map((p) => {
    const inPeriod = kept.filter((li) => li.hourMs >= p.startMs && li.hourMs < p.endMs);
    const base = { TimePeriod: dateInterval(p, q.granularity), Estimated: p.endMs > q.finalBefore };
    if (!q.groupBy.length) return { ...base, Total: metricValues(inPeriod, q.metrics), Groups: [] };
    const groups = new Map<string, { keys: string[]; items: LineItem[] }>();
    for (const li of inPeriod) {
      const keys = q.groupBy.map((d) => lineItemValue(li, d) ?? missingValue(d));
      const k = JSON.stringify(keys);
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { keys, items: [] }));
      g.items.push(li);
    }
    const sorted = [...groups.values()].sort((a, b) => cmpKeys(a.keys, b.keys));
    return { ...base, Total: {}, Groups: sorted.map((g) => ({ Keys: g.keys, Metrics: metricValues(g.items, q.metrics) })) };
  });
}

function cmpKeys(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}
