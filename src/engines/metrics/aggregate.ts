import type { Bucket, Dimension, Point } from './types.ts';

// Pure aggregation: points → period buckets → statistics. Shared by queries and alarm evaluation.

export const STANDARD_STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;
const PERCENTILE = /^p(\d{1,2}(\.\d{1,10})?|100(\.0{1,10})?)$/;

export function isPercentile(stat: string): boolean {
  return PERCENTILE.test(stat);
}

/** Canonical dimension key: sorted by name, JSON. */
export function dimsKey(dims: Dimension[] | undefined): string {
  return JSON.stringify([...(dims ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((d) => [d.name, d.value]));
}

export function parseDimsKey(key: string): Dimension[] {
  return (JSON.parse(key) as Array<[string, string]>).map(([name, value]) => ({ name, value }));
}

export function seriesKey(account: string, region: string, namespace: string, name: string, dims: string): string {
  return `${account}\u0000${region}\u0000${namespace}\u0000${name}\u0000${dims}`;
}

/**
 * Where a period bucket starts: AWS rounds StartTime down (to the minute for periods of a minute or more, else to
 * the second) and counts periods from there.
 */
export function bucketOrigin(start: number, periodSec: number): number {
  const unit = periodSec >= 60 ? 60_000 : 1000;
  return Math.floor(start / unit) * unit;
}

/** Nearest-rank percentile over [value, count] pairs: the smallest value whose cumulative count reaches p% of all. */
export function percentile(dist: Array<[number, number]>, p: number): number | undefined {
  if (!dist.length) return undefined;
  const sorted = [...dist].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((s, [, c]) => s + c, 0);
  if (total <= 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [v, c] of sorted) {
    seen += c;
    if (seen >= rank) return v;
  }
  return sorted[sorted.length - 1]![0];
}

/** The [value, count] pairs a point contributes to percentiles (exact only when its values are known). */
function pointDist(p: Point): Array<[number, number]> | undefined {
  if (p.dist) return p.dist;
  if (p.n === 1) return [[p.sum, 1]];
  if (p.min === p.max) return [[p.min, p.n]];
  return undefined;
}

/** Aggregates points (any order) into buckets of `periodSec` counted from `origin`, within [origin, end). */
export function aggregate(points: Point[], origin: number, end: number, periodSec: number, extended: string[] = [], unit?: string): Bucket[] {
  const periodMs = periodSec * 1000;
  const byStart = new Map<number, { b: Bucket; dist: Array<[number, number]>; exact: boolean }>();
  for (const p of points) {
    if (p.ts < origin || p.ts >= end) continue;
    if (unit !== undefined && p.unit !== unit) continue;
    const ts = origin + Math.floor((p.ts - origin) / periodMs) * periodMs;
    let e = byStart.get(ts);
    if (!e) {
      e = { b: { ts, sampleCount: 0, sum: 0, minimum: Infinity, maximum: -Infinity, average: 0, unit: p.unit, extended: {} }, dist: [], exact: true };
      byStart.set(ts, e);
    }
    e.b.sampleCount += p.n;
    e.b.sum += p.sum;
    e.b.minimum = Math.min(e.b.minimum, p.min);
    e.b.maximum = Math.max(e.b.maximum, p.max);
    const d = pointDist(p);
    if (d) e.dist.push(...d);
    else e.exact = false;
  }
  const out: Bucket[] = [];
  for (const { b, dist, exact } of [...byStart.values()].sort((x, y) => x.b.ts - y.b.ts)) {
    b.average = b.sampleCount ? b.sum / b.sampleCount : 0;
    for (const stat of extended) {
      // Percentiles need the individual values; a bucket fed only by StatisticValues sets has none (as on AWS).
      if (!exact && !dist.length) continue;
      const v = percentile(dist, Number(stat.slice(1)));
      if (v !== undefined) b.extended[stat] = v;
    }
    out.push(b);
  }
  return out;
}

/** One statistic of a bucket (standard or pNN). */
export function statOf(b: Bucket, stat: string): number | undefined {
  switch (stat) {
    case 'SampleCount': return b.sampleCount;
    case 'Average': return b.average;
    case 'Sum': return b.sum;
    case 'Minimum': return b.minimum;
    case 'Maximum': return b.maximum;
    default: return b.extended[stat];
  }
}

/** Normalises a Stat string as GetMetricData accepts it (case-insensitive standard names, pNN). */
export function normaliseStat(stat: string): string | undefined {
  const std = STANDARD_STATISTICS.find((s) => s.toLowerCase() === stat.toLowerCase());
  if (std) return std;
  if (/^p/i.test(stat) && isPercentile(stat.toLowerCase())) return stat.toLowerCase();
  return undefined;
}

/** Turns a datum's payload into a point (validated by the caller). */
export function toPoint(ts: number, unit: string, d: { value?: number; statisticValues?: { sampleCount: number; sum: number; minimum: number; maximum: number }; values?: number[]; counts?: number[] }): Point {
  if (d.statisticValues) {
    const s = d.statisticValues;
    return { ts, n: s.sampleCount, sum: s.sum, min: s.minimum, max: s.maximum, unit };
  }
  if (d.values && d.values.length) {
    const dist: Array<[number, number]> = d.values.map((v, i) => [v, d.counts?.[i] ?? 1]);
    let n = 0, sum = 0, min = Infinity, max = -Infinity;
    for (const [v, c] of dist) {
      n += c;
      sum += v * c;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return { ts, n, sum, min, max, unit, dist };
  }
  const v = d.value ?? 0;
  return { ts, n: 1, sum: v, min: v, max: v, unit };
}
