// CloudWatch GetMetricData → aligned series for charts. Times are Nimbus's clock (see nimbusNow).
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { client } from './aws.ts';
import { nimbusNow } from './nimbus.ts';

export interface MetricSpec {
  label: string;
  namespace: string;
  metric: string;
  dims: Record<string, string>;
  stat: string;
  /** Divide each value by the period (a Sum per period → per second). */
  perSecond?: boolean;
}

/** Chart ranges: how far back, and the period (seconds) of each datapoint. */
export const RANGES = {
  '5m': { seconds: 300, period: 5 },
  '15m': { seconds: 900, period: 10 },
  '1h': { seconds: 3600, period: 60 },
  '1d': { seconds: 86_400, period: 300 },
} as const;
export type RangeKey = keyof typeof RANGES;

/** uPlot's data layout: x (seconds) then one row per series, null where a series has no point. */
export interface Series { x: number[]; ys: (number | null)[][]; labels: string[]; /** The window asked for (seconds). */ range?: [number, number] }

export async function metricSeries(specs: MetricSpec[], range: RangeKey): Promise<Series> {
  const { seconds, period } = RANGES[range];
  const end = await nimbusNow();
  const queries: MetricDataQuery[] = specs.map((s, i) => ({
    Id: `m${i}`,
    MetricStat: {
      Metric: { Namespace: s.namespace, MetricName: s.metric, Dimensions: Object.entries(s.dims).map(([Name, Value]) => ({ Name, Value })) },
      Period: period,
      Stat: s.stat,
    },
    ReturnData: true,
  }));
  const out = await client(CloudWatchClient).send(new GetMetricDataCommand({
    MetricDataQueries: queries, StartTime: new Date(end - seconds * 1000), EndTime: new Date(end), ScanBy: 'TimestampAscending',
  }));
  const byId = new Map((out.MetricDataResults ?? []).map((r) => [r.Id, r]));
  const points = specs.map((s, i) => {
    const r = byId.get(`m${i}`);
    const m = new Map<number, number>();
    (r?.Timestamps ?? []).forEach((t, j) => m.set(Math.floor(new Date(t).getTime() / 1000), (r!.Values![j] ?? 0) / (s.perSecond ? period : 1)));
    return m;
  });
  return { ...align(points, specs.map((s) => s.label)), range: [Math.floor((end / 1000) - seconds), Math.ceil(end / 1000)] };
}

/** Merges per-series {time → value} maps onto one sorted time axis. */
export function align(points: Map<number, number>[], labels: string[]): Series {
  const xs = [...new Set(points.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  return { x: xs, ys: points.map((m) => xs.map((t) => m.get(t) ?? null)), labels };
}
