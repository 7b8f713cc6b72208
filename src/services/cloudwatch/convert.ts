import { InvalidParameterValue, MissingParameter, normaliseStat, validPeriod, type MetricQuery } from '../../engines/metrics/index.ts';
import type * as S from './generated/shapes.ts';

// Wire shapes ↔ engine types, with the checks the protocols do not make.

export function required<T>(value: T | undefined | null, name: string): T {
  if (value === undefined || value === null || (typeof value === 'string' && value === '')) throw new MissingParameter(`The parameter ${name} is required.`);
  return value;
}

export function dims(d: S.Dimension[] | undefined, where = 'Dimensions'): Array<{ name: string; value: string }> {
  const list = d ?? [];
  if (list.length > 30) throw new InvalidParameterValue(`The collection ${where} must not have a size greater than 30.`);
  const seen = new Set<string>();
  return list.map((x, i) => {
    const name = required(x.Name, `${where}.member.${i + 1}.Name`);
    const value = required(x.Value, `${where}.member.${i + 1}.Value`);
    if (name.length > 255 || value.length > 1024) throw new InvalidParameterValue(`The dimension ${where}.member.${i + 1} is too long.`);
    if (seen.has(name)) throw new InvalidParameterValue(`No metric may have duplicate dimension names: ${name}.`);
    seen.add(name);
    return { name, value };
  });
}

export const wireDims = (d: Array<{ name: string; value: string }>): S.Dimension[] => d.map((x) => ({ Name: x.name, Value: x.value }));

export function query(q: S.MetricDataQuery, i: number): MetricQuery {
  const where = `MetricDataQueries.member.${i + 1}`;
  const id = required(q.Id, `${where}.Id`);
  const ms = q.MetricStat;
  if (ms) {
    const m = required(ms.Metric, `${where}.MetricStat.Metric`);
    if (!validPeriod(ms.Period)) throw new InvalidParameterValue(`The parameter ${where}.MetricStat.Period must be 1, 5, 10, 30 or a multiple of 60.`);
    if (!normaliseStat(required(ms.Stat, `${where}.MetricStat.Stat`))) throw new InvalidParameterValue(`The value ${ms.Stat} for parameter ${where}.MetricStat.Stat is not supported.`);
  }
  return {
    id,
    ...(ms ? { metricStat: { metric: { namespace: required(ms.Metric.Namespace, `${where}.MetricStat.Metric.Namespace`), metricName: required(ms.Metric.MetricName, `${where}.MetricStat.Metric.MetricName`), dimensions: dims(ms.Metric.Dimensions) }, period: ms.Period, stat: ms.Stat, ...(ms.Unit ? { unit: ms.Unit } : {}) } } : {}),
    ...(q.Expression !== undefined ? { expression: q.Expression } : {}),
    ...(q.Label !== undefined ? { label: q.Label } : {}),
    ...(q.ReturnData !== undefined ? { returnData: q.ReturnData } : {}),
    ...(q.Period !== undefined ? { period: q.Period } : {}),
  };
}

export function wireQuery(q: MetricQuery): S.MetricDataQuery {
  return {
    Id: q.id,
    ...(q.metricStat ? { MetricStat: { Metric: { Namespace: q.metricStat.metric.namespace, MetricName: q.metricStat.metric.metricName, Dimensions: wireDims(q.metricStat.metric.dimensions) }, Period: q.metricStat.period, Stat: q.metricStat.stat, ...(q.metricStat.unit ? { Unit: q.metricStat.unit as S.StandardUnit } : {}) } } : {}),
    ...(q.expression !== undefined ? { Expression: q.expression } : {}),
    ...(q.label !== undefined ? { Label: q.label } : {}),
    ReturnData: q.returnData !== false,
    ...(q.period !== undefined ? { Period: q.period } : {}),
  };
}

export function ms(d: Date | undefined, name: string): number {
  const v = required(d, name);
  const t = v instanceof Date ? v.getTime() : new Date(v as unknown as string).getTime();
  if (!Number.isFinite(t)) throw new InvalidParameterValue(`The parameter ${name} is not a valid timestamp.`);
  return t;
}
