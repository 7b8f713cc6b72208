import type { HandlerMap } from '../../gateway/context.ts';
import {
  InvalidNextToken, InvalidParameterCombination, InvalidParameterValue, isPercentile, LimitExceeded, MissingParameter, periodOf, STANDARD_STATISTICS, validPeriod,
  type Alarm, type AlarmEngine, type StateValue,
} from '../../engines/metrics/index.ts';
import { AwsError } from '../../core/errors.ts';
import { dims, ms, query, required, wireDims, wireQuery } from './convert.ts';
import { checkUnit } from './metrics.ts';
import type { Operations } from './generated/operations.ts';
import type * as S from './generated/shapes.ts';

type AlarmOps =
  | 'PutMetricAlarm' | 'DescribeAlarms' | 'DescribeAlarmsForMetric' | 'DeleteAlarms' | 'SetAlarmState' | 'EnableAlarmActions'
  | 'DisableAlarmActions' | 'DescribeAlarmHistory' | 'TagResource' | 'UntagResource' | 'ListTagsForResource';

class InvalidFormat extends AwsError {
  constructor(message: string) {
    super('InvalidFormat', message);
  }
}

const OPERATORS = ['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold'];
const BAND_OPERATORS = ['LessThanLowerOrGreaterThanUpperThreshold', 'LessThanLowerThreshold', 'GreaterThanUpperThreshold'];
const STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];
const MISSING = ['missing', 'ignore', 'breaching', 'notBreaching'];

function actions(list: string[] | undefined, name: string, account: string): string[] {
  const l = list ?? [];
  if (l.length > 5) throw new LimitExceeded(`The collection ${name} must not have a size greater than 5.`);
  for (const a of l) if (!/^arn:[^:]+:[^:]+:/.test(a)) throw new InvalidParameterValue(`Invalid arn syntax: ${a}`);
  // Issue 8: actions run as the target's owner (an SNS topic, a scaling policy); another account's target would
  // let this account act in it. AWS checks the topic policy; Nimbus accepts the alarm's own account only.
  for (const a of l) {
    const owner = /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(a)?.[1];
    if (owner && owner !== account) throw new InvalidParameterValue(`Invalid action ${a}: it belongs to account ${owner}; Nimbus accepts actions in the alarm's own account only.`);
  }
  return l;
}

function tagsOf(list: S.Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, t] of (list ?? []).entries()) out[required(t.Key, `Tags.member.${i + 1}.Key`)] = t.Value ?? '';
  if (Object.keys(out).length > 50) throw new LimitExceeded('An alarm can have at most 50 tags.');
  return out;
}

export function wireAlarm(a: Alarm): S.MetricAlarm {
  const c = a.config;
  return {
    AlarmName: c.name, AlarmArn: c.arn, ...(c.description !== undefined ? { AlarmDescription: c.description } : {}),
    AlarmConfigurationUpdatedTimestamp: new Date(c.configUpdated), ActionsEnabled: c.actionsEnabled,
    OKActions: c.okActions, AlarmActions: c.alarmActions, InsufficientDataActions: c.insufficientDataActions,
    StateValue: a.state.value, StateReason: a.state.reason, ...(a.state.reasonData ? { StateReasonData: a.state.reasonData } : {}),
    StateUpdatedTimestamp: new Date(a.state.updated), StateTransitionedTimestamp: new Date(a.state.transitioned),
    ...(c.metricName !== undefined ? { MetricName: c.metricName } : {}), ...(c.namespace !== undefined ? { Namespace: c.namespace } : {}),
    ...(c.statistic ? { Statistic: c.statistic as S.Statistic } : {}), ...(c.extendedStatistic ? { ExtendedStatistic: c.extendedStatistic } : {}),
    Dimensions: wireDims(c.dimensions), ...(c.period !== undefined ? { Period: c.period } : {}), ...(c.unit ? { Unit: c.unit as S.StandardUnit } : {}),
    EvaluationPeriods: c.evaluationPeriods, ...(c.datapointsToAlarm !== undefined ? { DatapointsToAlarm: c.datapointsToAlarm } : {}),
    ...(c.threshold !== undefined ? { Threshold: c.threshold } : {}), ComparisonOperator: c.comparisonOperator as S.ComparisonOperator,
    ...(c.treatMissingData ? { TreatMissingData: c.treatMissingData } : {}),
    ...(c.evaluateLowSampleCountPercentile ? { EvaluateLowSampleCountPercentile: c.evaluateLowSampleCountPercentile } : {}),
    ...(c.metrics?.length ? { Metrics: c.metrics.map(wireQuery) } : {}), ...(c.thresholdMetricId ? { ThresholdMetricId: c.thresholdMetricId } : {}),
  };
}

function page<T>(items: T[], key: (t: T) => string, max: number, token: string | undefined): { page: T[]; next?: string } {
  let from = 0;
  if (token) {
    const after = Buffer.from(token, 'base64url').toString('utf8');
    if (!after.startsWith('a:')) throw new InvalidNextToken('The service cannot use the provided NextToken.');
    from = items.findIndex((t) => key(t) > after.slice(2));
    if (from < 0) from = items.length;
  }
  const p = items.slice(from, from + max);
  return { page: p, ...(from + max < items.length ? { next: Buffer.from(`a:${key(p[p.length - 1]!)}`).toString('base64url') } : {}) };
}

export function alarmHandlers(alarms: AlarmEngine): Pick<HandlerMap<Operations>, AlarmOps> {
  return {
    PutMetricAlarm: (input, ctx) => {
      const name = required(input.AlarmName, 'AlarmName');
      if (name.length > 255) throw new InvalidParameterValue('The parameter AlarmName must be at most 255 characters.');
      const evaluationPeriods = required(input.EvaluationPeriods, 'EvaluationPeriods');
      if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1) throw new InvalidParameterValue('The parameter EvaluationPeriods must be at least 1.');
      const op = required(input.ComparisonOperator, 'ComparisonOperator');
      if (BAND_OPERATORS.includes(op)) throw new InvalidParameterValue(`Nimbus does not support anomaly detection bands (ComparisonOperator ${op}).`);
      if (!OPERATORS.includes(op)) throw new InvalidParameterValue(`The value ${op} for parameter ComparisonOperator is invalid.`);
      if (input.ThresholdMetricId) throw new InvalidParameterValue('Nimbus does not support ThresholdMetricId (anomaly detection bands).');
      if (input.Threshold === undefined) throw new MissingParameter('The parameter Threshold is required.');
      if (input.TreatMissingData !== undefined && !MISSING.includes(input.TreatMissingData)) throw new InvalidParameterValue(`The value ${input.TreatMissingData} for parameter TreatMissingData is invalid: it must be one of ${MISSING.join(', ')}.`);
      if (input.DatapointsToAlarm !== undefined && (input.DatapointsToAlarm < 1 || input.DatapointsToAlarm > evaluationPeriods)) {
        throw new InvalidParameterValue('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
      }
      if (input.EvaluationCriteria) throw new InvalidParameterValue('Nimbus does not support EvaluationCriteria (PromQL alarms).');
      const single = input.MetricName !== undefined || input.Namespace !== undefined || input.Statistic !== undefined || input.ExtendedStatistic !== undefined || input.Dimensions?.length || input.Period !== undefined;
      let metricPart: Record<string, unknown>;
      if (input.Metrics?.length) {
        if (single) throw new InvalidParameterCombination('The parameters Metrics and MetricName, Namespace, Statistic, ExtendedStatistic, Dimensions or Period are mutually exclusive.');
        if (input.Metrics.length > 10) throw new InvalidParameterValue('The collection Metrics must not have a size greater than 10.');
        const qs = input.Metrics.map(query);
        const returned = qs.filter((q) => q.returnData !== false);
        if (returned.length !== 1) throw new InvalidParameterValue('Exactly one element of the metrics list should return data.');
        const withStat = qs.filter((q) => q.metricStat);
        if (!withStat.length) throw new InvalidParameterValue('The Metrics list must contain at least one MetricStat.');
        // Check the math now (AWS rejects a bad expression at PutMetricAlarm).
        try {
          alarms.metrics.evaluateQueries(qs, () => ({ ts: [], values: [] }));
        } catch (err) {
          throw new InvalidParameterValue((err as Error).message);
        }
        metricPart = { metrics: qs, dimensions: [] };
      } else {
        const period = required(input.Period, 'Period');
        if (!validPeriod(period)) throw new InvalidParameterValue('The parameter Period must be 10, 30 or a multiple of 60 (Nimbus also accepts 1 and 5).');
        if (period * evaluationPeriods > 86_400) throw new InvalidParameterCombination('The product of EvaluationPeriods and Period must not exceed 86400 seconds (1 day).');
        if (!!input.Statistic === !!input.ExtendedStatistic) {
          if (input.Statistic) throw new InvalidParameterCombination('The parameters Statistic and ExtendedStatistic are mutually exclusive and you have specified both.');
          throw new MissingParameter('The parameter Statistic or ExtendedStatistic is required.');
        }
        if (input.Statistic && !(STANDARD_STATISTICS as readonly string[]).includes(input.Statistic)) throw new InvalidParameterValue(`The value ${input.Statistic} for parameter Statistic is invalid.`);
        if (input.ExtendedStatistic && !isPercentile(input.ExtendedStatistic)) throw new InvalidParameterValue(`The value ${input.ExtendedStatistic} for parameter ExtendedStatistic is not supported.`);
        checkUnit(input.Unit, 'Unit');
        metricPart = {
          metricName: required(input.MetricName, 'MetricName'), namespace: required(input.Namespace, 'Namespace'), dimensions: dims(input.Dimensions), period,
          ...(input.Statistic ? { statistic: input.Statistic } : {}), ...(input.ExtendedStatistic ? { extendedStatistic: input.ExtendedStatistic } : {}), ...(input.Unit ? { unit: input.Unit } : {}),
        };
      }
      alarms.put(ctx, {
        name, ...(input.AlarmDescription !== undefined ? { description: input.AlarmDescription } : {}), actionsEnabled: input.ActionsEnabled ?? true,
        okActions: actions(input.OKActions, 'OKActions', ctx.account), alarmActions: actions(input.AlarmActions, 'AlarmActions', ctx.account), insufficientDataActions: actions(input.InsufficientDataActions, 'InsufficientDataActions', ctx.account),
        evaluationPeriods, ...(input.DatapointsToAlarm !== undefined ? { datapointsToAlarm: input.DatapointsToAlarm } : {}), threshold: input.Threshold, comparisonOperator: op,
        ...(input.TreatMissingData ? { treatMissingData: input.TreatMissingData } : {}),
        ...(input.EvaluateLowSampleCountPercentile ? { evaluateLowSampleCountPercentile: input.EvaluateLowSampleCountPercentile } : {}),
        ...metricPart,
      } as Parameters<AlarmEngine['put']>[1], input.Tags ? tagsOf(input.Tags) : undefined);
    },

    DescribeAlarms: (input, ctx) => {
      if (input.AlarmNames?.length && input.AlarmNamePrefix) throw new InvalidParameterCombination('The parameters AlarmNames and AlarmNamePrefix are mutually exclusive.');
      if ((input.AlarmNames?.length ?? 0) > 100) throw new InvalidParameterValue('The collection AlarmNames must not have a size greater than 100.');
      if (input.StateValue !== undefined && !STATES.includes(input.StateValue)) throw new InvalidParameterValue(`The value ${input.StateValue} for parameter StateValue is invalid.`);
      const max = input.MaxRecords ?? 50;
      if (max < 1 || max > 100) throw new InvalidParameterValue('The parameter MaxRecords must be between 1 and 100.');
      const wantMetric = !input.AlarmTypes?.length || input.AlarmTypes.includes('MetricAlarm');
      if (input.ChildrenOfAlarmName || input.ParentsOfAlarmName || !wantMetric) return { MetricAlarms: [], CompositeAlarms: [] };
      const names = input.AlarmNames?.length ? new Set(input.AlarmNames) : undefined;
      const list = alarms.list(ctx).filter((a) =>
        (!names || names.has(a.config.name)) && (!input.AlarmNamePrefix || a.config.name.startsWith(input.AlarmNamePrefix)) &&
        (!input.StateValue || a.state.value === input.StateValue) &&
        (!input.ActionPrefix || [...a.config.alarmActions, ...a.config.okActions, ...a.config.insufficientDataActions].some((x) => x.startsWith(input.ActionPrefix!))));
      const { page: p, next } = page(list, (a) => a.config.name, max, input.NextToken);
      return { MetricAlarms: p.map(wireAlarm), CompositeAlarms: [], ...(next ? { NextToken: next } : {}) };
    },

    DescribeAlarmsForMetric: (input, ctx) => {
      const metricName = required(input.MetricName, 'MetricName');
      const namespace = required(input.Namespace, 'Namespace');
      const want = input.Dimensions ? JSON.stringify(dims(input.Dimensions).map((d) => [d.name, d.value]).sort()) : undefined;
      const list = alarms.list(ctx).filter((a) => {
        const c = a.config;
        const matches = (ns: string | undefined, mn: string | undefined, ds: Array<{ name: string; value: string }>, stat: string | undefined, period: number | undefined, unit?: string) =>
          ns === namespace && mn === metricName && (!want || JSON.stringify(ds.map((d) => [d.name, d.value]).sort()) === want) &&
          (!input.Statistic || stat === input.Statistic) && (!input.ExtendedStatistic || stat === input.ExtendedStatistic) &&
          (input.Period === undefined || period === input.Period) && (!input.Unit || unit === input.Unit);
        if (c.metrics?.length) return c.metrics.some((q) => q.metricStat && matches(q.metricStat.metric.namespace, q.metricStat.metric.metricName, q.metricStat.metric.dimensions, q.metricStat.stat, q.metricStat.period, q.metricStat.unit));
        return matches(c.namespace, c.metricName, c.dimensions, c.extendedStatistic ?? c.statistic, c.period, c.unit);
      });
      return { MetricAlarms: list.map(wireAlarm) };
    },

    DeleteAlarms: (input, ctx) => {
      const names = required(input.AlarmNames, 'AlarmNames');
      if (names.length > 100) throw new InvalidParameterValue('The collection AlarmNames must not have a size greater than 100.');
      alarms.delete(ctx, names);
    },

    SetAlarmState: async (input, ctx) => {
      const name = required(input.AlarmName, 'AlarmName');
      const state = required(input.StateValue, 'StateValue');
      if (!STATES.includes(state)) throw new InvalidParameterValue(`The value ${state} for parameter StateValue is invalid.`);
      const reason = required(input.StateReason, 'StateReason');
      if (input.StateReasonData !== undefined) {
        try {
          JSON.parse(input.StateReasonData);
        } catch {
          throw new InvalidFormat('StateReasonData is not valid JSON.');
        }
      }
      await alarms.setState(ctx, name, state as StateValue, reason, input.StateReasonData);
    },

    EnableAlarmActions: (input, ctx) => {
      alarms.setActionsEnabled(ctx, required(input.AlarmNames, 'AlarmNames'), true);
    },

    DisableAlarmActions: (input, ctx) => {
      alarms.setActionsEnabled(ctx, required(input.AlarmNames, 'AlarmNames'), false);
    },

    DescribeAlarmHistory: (input, ctx) => {
      const max = input.MaxRecords ?? 100;
      if (max < 1 || max > 100) throw new InvalidParameterValue('The parameter MaxRecords must be between 1 and 100.');
      if (input.HistoryItemType !== undefined && !['ConfigurationUpdate', 'StateUpdate', 'Action'].includes(input.HistoryItemType)) throw new InvalidParameterValue(`The value ${input.HistoryItemType} for parameter HistoryItemType is invalid.`);
      if (input.AlarmTypes?.length && !input.AlarmTypes.includes('MetricAlarm')) return { AlarmHistoryItems: [] };
      const { items, nextToken } = alarms.history(ctx, {
        name: input.AlarmName, type: input.HistoryItemType, from: input.StartDate ? ms(input.StartDate, 'StartDate') : undefined, to: input.EndDate ? ms(input.EndDate, 'EndDate') : undefined,
        maxRecords: max, nextToken: input.NextToken, ascending: input.ScanBy === 'TimestampAscending',
      });
      return {
        AlarmHistoryItems: items.map((h) => ({ AlarmName: h.alarm_name, AlarmType: 'MetricAlarm', Timestamp: new Date(h.ts), HistoryItemType: h.type as S.HistoryItemType, HistorySummary: h.summary, HistoryData: h.data })),
        ...(nextToken ? { NextToken: nextToken } : {}),
      };
    },

    TagResource: (input) => {
      alarms.tag(required(input.ResourceARN, 'ResourceARN'), tagsOf(required(input.Tags, 'Tags')));
      return {};
    },

    UntagResource: (input) => {
      alarms.untag(required(input.ResourceARN, 'ResourceARN'), required(input.TagKeys, 'TagKeys'));
      return {};
    },

    ListTagsForResource: (input) => {
      const tags = alarms.tags(required(input.ResourceARN, 'ResourceARN'));
      return { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
    },
  };
}

export { periodOf };
