import type { HandlerMap } from '../../gateway/context.ts';
import {
  InvalidParameterCombination, InvalidParameterValue, isPercentile, MissingParameter, STANDARD_STATISTICS, validPeriod,
  type MetricDatum, type MetricsEngine, type StandardStatistic,
} from '../../engines/metrics/index.ts';
import { dims, ms, query, required, wireDims } from './convert.ts';
import type { Operations } from './generated/operations.ts';
import type * as S from './generated/shapes.ts';

type MetricOps = 'PutMetricData' | 'GetMetricStatistics' | 'GetMetricData' | 'ListMetrics';

const UNITS = new Set(['Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None']);
const MAX_ABS = 2 ** 360;
const TWO_WEEKS = 14 * 86_400_000;
const TWO_HOURS = 2 * 3600_000;

export function checkUnit(unit: string | undefined, name: string): void {
  if (unit !== undefined && !UNITS.has(unit)) throw new InvalidParameterValue(`The value ${unit} for parameter ${name} is not a valid unit.`);
}

function checkValue(v: number, name: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > MAX_ABS || (v !== 0 && Math.abs(v) < 2 ** -260)) {
    throw new InvalidParameterValue(`The value ${v} for parameter ${name} is invalid.`);
  }
}

export function datum(d: S.MetricDatum, i: number, now: number): MetricDatum {
  const where = `MetricData.member.${i + 1}`;
  const metricName = required(d.MetricName, `${where}.MetricName`);
  if (metricName.length > 255) throw new InvalidParameterValue(`The parameter ${where}.MetricName must be at most 255 characters.`);
  const given = (['Value', 'StatisticValues', 'Values'] as const).filter((k) => d[k] !== undefined && !(k === 'Values' && d.Values!.length === 0));
  if (given.length > 1) throw new InvalidParameterCombination(`The parameters ${where}.${given[0]} and ${where}.${given[1]} are mutually exclusive and you have specified both.`);
  if (given.length === 0) throw new MissingParameter(`At least one of the parameters ${where}.Value, ${where}.StatisticValues or ${where}.Values must be specified.`);
  if (d.Value !== undefined) checkValue(d.Value, `${where}.Value`);
  if (d.StatisticValues) {
    const s = d.StatisticValues;
    for (const k of ['SampleCount', 'Sum', 'Minimum', 'Maximum'] as const) checkValue(required(s[k], `${where}.StatisticValues.${k}`), `${where}.StatisticValues.${k}`);
    if (s.SampleCount <= 0 || s.Minimum > s.Maximum) throw new InvalidParameterValue(`The parameter ${where}.StatisticValues is not a valid statistic set.`);
  }
  if (d.Values?.length) {
    if (d.Values.length > 150) throw new InvalidParameterValue(`The collection ${where}.Values must not have a size greater than 150.`);
    d.Values.forEach((v, j) => checkValue(v, `${where}.Values.member.${j + 1}`));
    if (d.Counts?.length && d.Counts.length !== d.Values.length) throw new InvalidParameterValue(`The parameters ${where}.Values and ${where}.Counts must be of the same size.`);
    d.Counts?.forEach((c, j) => {
      if (!(c >= 0) || !Number.isFinite(c)) throw new InvalidParameterValue(`The value ${c} for parameter ${where}.Counts.member.${j + 1} is invalid.`);
    });
  }
  checkUnit(d.Unit, `${where}.Unit`);
  if (d.StorageResolution !== undefined && d.StorageResolution !== 1 && d.StorageResolution !== 60) {
    throw new InvalidParameterValue(`The value ${d.StorageResolution} for parameter ${where}.StorageResolution is invalid: it must be 1 or 60.`);
  }
  let timestamp: number | undefined;
  if (d.Timestamp !== undefined) {
    timestamp = ms(d.Timestamp, `${where}.Timestamp`);
    if (timestamp < now - TWO_WEEKS || timestamp > now + TWO_HOURS) {
      throw new InvalidParameterValue(`The parameter ${where}.Timestamp must specify a time no more than two weeks in the past or two hours in the future.`);
    }
  }
  return {
    metricName, dimensions: dims(d.Dimensions, `${where}.Dimensions`), ...(timestamp !== undefined ? { timestamp } : {}),
    ...(d.Value !== undefined ? { value: d.Value } : {}),
    ...(d.StatisticValues ? { statisticValues: { sampleCount: d.StatisticValues.SampleCount, sum: d.StatisticValues.Sum, minimum: d.StatisticValues.Minimum, maximum: d.StatisticValues.Maximum } } : {}),
    ...(d.Values?.length ? { values: d.Values, ...(d.Counts?.length ? { counts: d.Counts } : {}) } : {}),
    ...(d.Unit ? { unit: d.Unit } : {}),
    ...(d.StorageResolution ? { storageResolution: d.StorageResolution } : {}),
  };
}

export function metricHandlers(metrics: MetricsEngine): Pick<HandlerMap<Operations>, MetricOps> {
  return {
    PutMetricData: async (input, ctx) => {
      const namespace = required(input.Namespace, 'Namespace');
      if (namespace.startsWith('AWS/')) throw new InvalidParameterValue(`The value ${namespace} for parameter Namespace is invalid: the AWS/ prefix is reserved for AWS.`);
      if (namespace.length > 255 || !/^[^:].*$/.test(namespace)) throw new InvalidParameterValue(`The value ${namespace} for parameter Namespace is invalid.`);
      if (input.EntityMetricData?.length) throw new InvalidParameterValue('EntityMetricData is not supported by Nimbus: use MetricData.');
      const data = required(input.MetricData, 'MetricData');
      if (data.length > 1000) throw new InvalidParameterValue('The collection MetricData must not have a size greater than 1000.');
      const now = ctx.clock.now();
      const list = data.map((d, i) => ({ ...datum(d, i, now), namespace }));
      await metrics.put(ctx.account, ctx.region, list);
    },

    GetMetricStatistics: (input, ctx) => {
      const namespace = required(input.Namespace, 'Namespace');
      const metricName = required(input.MetricName, 'MetricName');
      const start = ms(input.StartTime, 'StartTime');
      const end = ms(input.EndTime, 'EndTime');
      const period = required(input.Period, 'Period');
      if (!validPeriod(period)) throw new InvalidParameterValue('The parameter Period must be 1, 5, 10, 30 or a multiple of 60.');
      if (start >= end) throw new InvalidParameterValue('The parameter StartTime must be less than the parameter EndTime.');
      const stats = input.Statistics ?? [];
      const ext = input.ExtendedStatistics ?? [];
      if (!stats.length && !ext.length) throw new MissingParameter('Must specify either Statistics or ExtendedStatistics.');
      if (stats.length && ext.length) throw new InvalidParameterCombination('The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified both.');
      if (stats.length > 5 || ext.length > 10) throw new InvalidParameterValue('Too many statistics requested (at most 5 Statistics or 10 ExtendedStatistics).');
      for (const s of stats) if (!(STANDARD_STATISTICS as readonly string[]).includes(s)) throw new InvalidParameterValue(`The value ${s} for parameter Statistics is not valid.`);
      for (const s of ext) if (!isPercentile(s)) throw new InvalidParameterValue(`The value ${s} for parameter ExtendedStatistics is not supported.`);
      checkUnit(input.Unit, 'Unit');
      const buckets = metrics.statistics(ctx, {
        namespace, metricName, dimensions: dims(input.Dimensions), start, end, period, statistics: stats as StandardStatistic[], extendedStatistics: ext, unit: input.Unit,
      });
      const datapoints: S.Datapoint[] = buckets.map((b) => {
        const dp: S.Datapoint = { Timestamp: new Date(b.ts), Unit: b.unit as S.StandardUnit };
        for (const s of stats) {
          if (s === 'SampleCount') dp.SampleCount = b.sampleCount;
          else if (s === 'Average') dp.Average = b.average;
          else if (s === 'Sum') dp.Sum = b.sum;
          else if (s === 'Minimum') dp.Minimum = b.minimum;
          else if (s === 'Maximum') dp.Maximum = b.maximum;
        }
        if (ext.length) dp.ExtendedStatistics = Object.fromEntries(ext.filter((e) => b.extended[e] !== undefined).map((e) => [e, b.extended[e]!]));
        return dp;
      }).filter((dp) => !ext.length || Object.keys(dp.ExtendedStatistics ?? {}).length);
      return { Label: metricName, Datapoints: datapoints };
    },

    GetMetricData: (input, ctx) => {
      const queries = required(input.MetricDataQueries, 'MetricDataQueries');
      if (!queries.length) throw new MissingParameter('The parameter MetricDataQueries is required.');
      if (queries.length > 500) throw new InvalidParameterValue('The collection MetricDataQueries must not have a size greater than 500.');
      const start = ms(input.StartTime, 'StartTime');
      const end = ms(input.EndTime, 'EndTime');
      if (start >= end) throw new InvalidParameterValue('The parameter StartTime must be less than the parameter EndTime.');
      if (input.ScanBy !== undefined && input.ScanBy !== 'TimestampAscending' && input.ScanBy !== 'TimestampDescending') throw new InvalidParameterValue(`The value ${input.ScanBy} for parameter ScanBy is invalid.`);
      if (input.MaxDatapoints !== undefined && input.MaxDatapoints < 1) throw new InvalidParameterValue('The parameter MaxDatapoints must be at least 1.');
      const { results, nextToken } = metrics.getMetricData(ctx, {
        queries: queries.map(query), start, end, scanBy: input.ScanBy, maxDatapoints: input.MaxDatapoints, nextToken: input.NextToken,
      });
      return {
        MetricDataResults: results.map((r) => ({ Id: r.id, Label: r.label, Timestamps: r.timestamps.map((t) => new Date(t)), Values: r.values, StatusCode: r.statusCode, Messages: [] })),
        Messages: [],
        ...(nextToken ? { NextToken: nextToken } : {}),
      };
    },

    ListMetrics: (input, ctx) => {
      if (input.RecentlyActive !== undefined && input.RecentlyActive !== 'PT3H') throw new InvalidParameterValue(`The value ${input.RecentlyActive} for parameter RecentlyActive is invalid.`);
      const filters = (input.Dimensions ?? []).map((d, i) => ({ name: required(d.Name, `Dimensions.member.${i + 1}.Name`), ...(d.Value !== undefined ? { value: d.Value } : {}) }));
      if (filters.length > 10) throw new InvalidParameterValue('The collection Dimensions must not have a size greater than 10.');
      const { metrics: list, nextToken } = metrics.listMetrics(ctx, {
        namespace: input.Namespace, metricName: input.MetricName, dimensions: filters, recentlyActive: input.RecentlyActive === 'PT3H', nextToken: input.NextToken,
      });
      return { Metrics: list.map((m) => ({ Namespace: m.namespace, MetricName: m.metricName, Dimensions: wireDims(m.dimensions) })), ...(nextToken ? { NextToken: nextToken } : {}) };
    },
  };
}
