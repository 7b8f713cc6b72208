// Types of the metrics engine (CloudWatch). Times are epoch milliseconds; names as in the CloudWatch API.

export interface Dimension {
  name: string;
  value: string;
}

export interface StatisticValues {
  sampleCount: number;
  sum: number;
  minimum: number;
  maximum: number;
}

/** One datum as PutMetricData (or a built-in source) gives it. Exactly one of value / statisticValues / values. */
export interface MetricDatum {
  metricName: string;
  dimensions?: Dimension[];
  /** epoch ms; default: now. */
  timestamp?: number;
  value?: number;
  statisticValues?: StatisticValues;
  values?: number[];
  counts?: number[];
  unit?: string;
  /** 1 (high resolution: kept per second) or 60 (default: kept per minute). */
  storageResolution?: number;
}

/** A datum with its namespace, as the in-process publish API takes it. */
export interface PutInput extends MetricDatum {
  namespace: string;
}

/** A datum a MetricsSource reports: where it belongs, too. */
export interface SourceDatum extends PutInput {
  account: string;
  region: string;
}

/** Built-in metrics (EC2, SQS, ELB, Lambda…): collected at every NIMBUS_METRICS_PERIOD boundary. */
export interface MetricsSource {
  /** Short name for logs. */
  name?: string;
  collect(now: number): SourceDatum[] | Promise<SourceDatum[]>;
}

export interface Scope {
  account: string;
  region: string;
}

export interface MetricId {
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
}

/** A stored point: an aggregate of everything that fell in one resolution slot of one put. */
export interface Point {
  ts: number;
  n: number;
  sum: number;
  min: number;
  max: number;
  unit: string;
  /** [value, count] pairs when the individual values are known (percentiles), else undefined. */
  dist?: Array<[number, number]>;
}

export type StandardStatistic = 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';

/** One aggregated period. */
export interface Bucket {
  ts: number;
  sampleCount: number;
  sum: number;
  minimum: number;
  maximum: number;
  average: number;
  unit: string;
  extended: Record<string, number>;
}

export interface StatisticsQuery extends MetricId {
  start: number;
  end: number;
  /** seconds */
  period: number;
  statistics?: StandardStatistic[];
  extendedStatistics?: string[];
  unit?: string;
}

/** A time series (ascending timestamps). */
export interface Series {
  ts: number[];
  values: number[];
}
