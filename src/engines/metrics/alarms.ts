import { regionLocation } from '../../core/regions.ts';
import type { Logger } from '../../core/log.ts';
import { aggregate, dimsKey, seriesKey } from './aggregate.ts';
import { awsIso, decide, num, type StateValue } from './alarm-eval.ts';
import type { MetricQuery, MetricsEngine, PointEvent } from './engine.ts';
import { seriesOf } from './engine.ts';
import { InvalidNextToken, LimitExceeded, ResourceNotFound, ResourceNotFoundException } from './errors.ts';
import type { Dimension, MetricId, Point, Scope, Series } from './types.ts';

// Metric alarms: stored in SQLite, evaluated at every period boundary on the engine's scheduler from points the
// metrics engine pushes to them (no polling of the database), actions through sinks keyed by ARN prefix.

export interface AlarmConfig {
  name: string;
  arn: string;
  description?: string;
  actionsEnabled: boolean;
  okActions: string[];
  alarmActions: string[];
  insufficientDataActions: string[];
  metricName?: string;
  namespace?: string;
  statistic?: string;
  extendedStatistic?: string;
  dimensions: Dimension[];
  period?: number;
  unit?: string;
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  threshold?: number;
  comparisonOperator: string;
  treatMissingData?: string;
  evaluateLowSampleCountPercentile?: string;
  metrics?: MetricQuery[];
  thresholdMetricId?: string;
  configUpdated: number;
}

export interface AlarmStateInfo {
  value: StateValue;
  reason: string;
  reasonData?: string;
  updated: number;
  transitioned: number;
}

export interface Alarm {
  account: string;
  region: string;
  config: AlarmConfig;
  state: AlarmStateInfo;
  tags: Record<string, string>;
}

/** Executes one alarm action ARN (SNS publish, Auto Scaling policy…). Rejections are recorded in the alarm history. */
export type AlarmActionSink = (arn: string, alarm: Alarm, message: AlarmMessage) => Promise<void>;

export interface AlarmMessage {
  subject: string;
  /** The JSON AWS publishes to SNS for an alarm state change. */
  body: string;
  newState: StateValue;
  oldState: StateValue;
}

const MAX_ALARMS = 5000;
const HISTORY_RETENTION_MS = 14 * 86_400_000;

/** Sinks registered for every engine in the process (see registerAlarmAction in index.ts). */
export const globalSinks = new Map<string, AlarmActionSink>();

interface Live {
  alarm: Alarm;
  /** Points per subscribed series key, newest last. */
  buffers: Map<string, Point[]>;
  timer?: unknown;
}

export interface AlarmEngineOptions {
  /** Delay after a period boundary before evaluating, so data of the period just ended can arrive. */
  evalDelayMs?: number;
}

export class AlarmEngine {
  private alarms = new Map<string, Live>();
  private bySeries = new Map<string, Set<Live>>();
  private sinks = new Map<string, AlarmActionSink>();
  private unsubscribe: () => void;
  private closed = false;
  private evalDelayMs?: number;
  private log?: Logger;
  /** Action executions in flight (tests await them with settle()). */
  private inflight = new Set<Promise<void>>();

  constructor(readonly metrics: MetricsEngine, opts: AlarmEngineOptions = {}) {
    this.evalDelayMs = opts.evalDelayMs;
    this.log = metrics.log;
    this.unsubscribe = metrics.subscribe((e) => this.onPoint(e));
    for (const r of metrics.store.loadAlarms()) {
      const a = JSON.parse(r.data) as Alarm;
      this.install(a);
    }
  }

  private key(account: string, region: string, name: string): string {
    return `${account}\u0000${region}\u0000${name}`;
  }

  registerAlarmAction(prefix: string, sink: AlarmActionSink): () => void {
    this.sinks.set(prefix, sink);
    return () => this.sinks.delete(prefix);
  }

  // ---- configuration ------------------------------------------------------------------------------------------

  /** account/region pairs that have alarms. */
  scopes(): Scope[] {
    const seen = new Map<string, Scope>();
    for (const { alarm: a } of this.alarms.values()) seen.set(`${a.account}\u0000${a.region}`, { account: a.account, region: a.region });
    return [...seen.values()];
  }

  get(scope: Scope, name: string): Alarm | undefined {
    return this.alarms.get(this.key(scope.account, scope.region, name))?.alarm;
  }

  list(scope: Scope): Alarm[] {
    return [...this.alarms.values()].map((l) => l.alarm).filter((a) => a.account === scope.account && a.region === scope.region)
      .sort((a, b) => (a.config.name < b.config.name ? -1 : a.config.name > b.config.name ? 1 : 0));
  }

  /** PutMetricAlarm (validated by the caller): creates, or overwrites the configuration keeping the state. */
  put(scope: Scope, config: Omit<AlarmConfig, 'configUpdated' | 'arn'>, tags: Record<string, string> | undefined): Alarm {
    const now = this.metrics.clock.now();
    const k = this.key(scope.account, scope.region, config.name);
    const prev = this.alarms.get(k);
    if (!prev && this.list(scope).length >= MAX_ALARMS) throw new LimitExceeded(`The maximum number of alarms (${MAX_ALARMS}) per region has been reached.`);
    const arn = `arn:aws:cloudwatch:${scope.region}:${scope.account}:alarm:${config.name}`;
    const alarm: Alarm = {
      account: scope.account, region: scope.region,
      config: { ...config, arn, configUpdated: now },
      state: prev?.alarm.state ?? { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', updated: now, transitioned: now },
      tags: { ...(prev?.alarm.tags ?? {}), ...(tags ?? {}) },
    };
    if (prev) this.uninstall(prev);
    this.metrics.store.saveAlarm(this.row(alarm), [this.historyRow(alarm, now, 'ConfigurationUpdate', `Alarm "${config.name}" ${prev ? 'updated' : 'created'}`, {
      version: '1.0', type: prev ? 'Update' : 'Create', ...(prev ? { originalConfiguration: describeConfig(prev.alarm) } : {}), updatedAlarm: describeConfig(alarm),
    })]);
    this.install(alarm);
    return alarm;
  }

  delete(scope: Scope, names: string[]): void {
    for (const n of names) if (!this.get(scope, n)) throw new ResourceNotFound(`${n} does not exist`);
    for (const n of names) {
      const live = this.alarms.get(this.key(scope.account, scope.region, n))!;
      this.uninstall(live);
      this.metrics.store.deleteAlarm(scope.account, scope.region, n);
      this.metrics.store.addHistory(this.historyRow(live.alarm, this.metrics.clock.now(), 'ConfigurationUpdate', `Alarm "${n}" deleted`, { version: '1.0', type: 'Delete', deletedAlarm: describeConfig(live.alarm) }));
    }
  }

  setActionsEnabled(scope: Scope, names: string[], enabled: boolean): void {
    for (const n of names) {
      const live = this.alarms.get(this.key(scope.account, scope.region, n));
      if (!live) continue; // AWS ignores names that do not exist
      live.alarm.config.actionsEnabled = enabled;
      this.metrics.store.saveAlarm(this.row(live.alarm));
    }
  }

  tag(arn: string, tags: Record<string, string>): void {
    const live = this.byArn(arn);
    Object.assign(live.alarm.tags, tags);
    this.metrics.store.saveAlarm(this.row(live.alarm));
  }

  untag(arn: string, keys: string[]): void {
    const live = this.byArn(arn);
    for (const k of keys) delete live.alarm.tags[k];
    this.metrics.store.saveAlarm(this.row(live.alarm));
  }

  tags(arn: string): Record<string, string> {
    return this.byArn(arn).alarm.tags;
  }

  private byArn(arn: string): Live {
    for (const l of this.alarms.values()) if (l.alarm.config.arn === arn) return l;
    throw new ResourceNotFoundException(`${arn.split(':').pop() ?? arn} not found`);
  }

  history(scope: Scope, f: { name?: string; type?: string; from?: number; to?: number; maxRecords?: number; nextToken?: string; ascending?: boolean }) {
    let rows = this.metrics.store.history(scope.account, scope.region, f);
    if (!f.ascending) rows = rows.reverse();
    let start = 0;
    if (f.nextToken) {
      const m = /^h:(\d+)$/.exec(Buffer.from(f.nextToken, 'base64url').toString('utf8'));
      if (!m) throw new InvalidNextToken('The service cannot use the provided NextToken.');
      start = rows.findIndex((r) => r.id === Number(m[1]));
      if (start < 0) throw new InvalidNextToken('The service cannot use the provided NextToken.');
    }
    const max = f.maxRecords ?? 100;
    const page = rows.slice(start, start + max);
    const next = rows[start + max];
    return { items: page, ...(next ? { nextToken: Buffer.from(`h:${next.id}`).toString('base64url') } : {}) };
  }

  // ---- state ----------------------------------------------------------------------------------------------

  /** SetAlarmState: a transition like any other (actions run); the next evaluation may change it back. */
  async setState(scope: Scope, name: string, value: StateValue, reason: string, reasonData?: string): Promise<void> {
    const live = this.alarms.get(this.key(scope.account, scope.region, name));
    if (!live) throw new ResourceNotFound(`Alarm ${name} not found`);
    await this.transition(live, value, reason, reasonData, true);
  }

  private async transition(live: Live, value: StateValue, reason: string, reasonData: string | undefined, forced = false): Promise<void> {
    const a = live.alarm;
    const now = this.metrics.clock.now();
    const old = { ...a.state };
    if (old.value === value && !forced) return;
    a.state = { value, reason, reasonData, updated: now, transitioned: old.value === value ? old.transitioned : now };
    const summary = `Alarm updated from ${old.value} to ${value}`;
    this.metrics.store.saveAlarm(this.row(a), [this.historyRow(a, now, 'StateUpdate', summary, {
      version: '1.0',
      oldState: { stateValue: old.value, stateReason: old.reason, ...(old.reasonData ? { stateReasonData: safeJson(old.reasonData) } : {}) },
      newState: { stateValue: value, stateReason: reason, ...(reasonData ? { stateReasonData: safeJson(reasonData) } : {}) },
    })]);
    if (old.value === value || !a.config.actionsEnabled) return;
    const arns = value === 'ALARM' ? a.config.alarmActions : value === 'OK' ? a.config.okActions : a.config.insufficientDataActions;
    const message = this.message(a, old.value, now);
    for (const arn of arns) {
      const p = this.runAction(a, arn, message);
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    }
  }

  private async runAction(a: Alarm, arn: string, message: AlarmMessage): Promise<void> {
    const sink = this.sinkFor(arn);
    const now = () => this.metrics.clock.now();
    try {
      if (!sink) throw new Error(`Nimbus has no handler for actions like ${arn}`);
      await sink(arn, a, message);
      this.metrics.store.addHistory(this.historyRow(a, now(), 'Action', `Successfully executed action ${arn}`, { actionState: 'Succeeded', stateUpdateTimestamp: a.state.updated, notificationResource: arn }));
    } catch (err) {
      this.log?.warn({ err, arn, alarm: a.config.name }, 'alarm action failed');
      if (this.closed) return;
      this.metrics.store.addHistory(this.historyRow(a, now(), 'Action', `Failed to execute action ${arn}. Received error: "${(err as Error).message}"`, { actionState: 'Failed', stateUpdateTimestamp: a.state.updated, notificationResource: arn, error: (err as Error).message }));
    }
  }

  private sinkFor(arn: string): AlarmActionSink | undefined {
    let best: [string, AlarmActionSink] | undefined;
    for (const map of [this.sinks, globalSinks]) {
      for (const [prefix, sink] of map) if (arn.startsWith(prefix) && (!best || prefix.length > best[0].length)) best = [prefix, sink];
      if (best) return best[1];
    }
    return undefined;
  }

  /** Resolves when every action started so far has finished (for tests and clean shutdown). */
  async settle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  private message(a: Alarm, oldState: StateValue, now: number): AlarmMessage {
    const c = a.config;
    const region = regionLocation(a.region);
    const trigger = c.metrics?.length
      ? { Period: periodOf(c), EvaluationPeriods: c.evaluationPeriods, DatapointsToAlarm: c.datapointsToAlarm ?? c.evaluationPeriods, ComparisonOperator: c.comparisonOperator, Threshold: c.threshold ?? null, TreatMissingData: c.treatMissingData ?? 'missing', EvaluateLowSampleCountPercentile: c.evaluateLowSampleCountPercentile ?? '',
        Metrics: c.metrics.map((q) => ({ Id: q.id, ...(q.expression ? { Expression: q.expression } : {}), ...(q.label ? { Label: q.label } : {}), ReturnData: q.returnData !== false,
          ...(q.metricStat ? { MetricStat: { Metric: { Dimensions: q.metricStat.metric.dimensions.map((d) => ({ value: d.value, name: d.name })), MetricName: q.metricStat.metric.metricName, Namespace: q.metricStat.metric.namespace }, Period: q.metricStat.period, Stat: q.metricStat.stat, ...(q.metricStat.unit ? { Unit: q.metricStat.unit } : {}) } } : {}) })) }
      : {
        MetricName: c.metricName, Namespace: c.namespace, StatisticType: c.extendedStatistic ? 'ExtendedStatistic' : 'Statistic',
        Statistic: c.extendedStatistic ? undefined : (c.statistic ?? '').toUpperCase(), ...(c.extendedStatistic ? { ExtendedStatistic: c.extendedStatistic } : {}),
        Unit: c.unit ?? null, Dimensions: c.dimensions.map((d) => ({ value: d.value, name: d.name })), Period: c.period, EvaluationPeriods: c.evaluationPeriods,
        DatapointsToAlarm: c.datapointsToAlarm ?? c.evaluationPeriods, ComparisonOperator: c.comparisonOperator, Threshold: c.threshold, TreatMissingData: c.treatMissingData ?? 'missing',
        EvaluateLowSampleCountPercentile: c.evaluateLowSampleCountPercentile ?? '',
      };
    const body = {
      AlarmName: c.name, AlarmDescription: c.description ?? null, AWSAccountId: a.account, AlarmConfigurationUpdatedTimestamp: awsIso(c.configUpdated),
      NewStateValue: a.state.value, NewStateReason: a.state.reason, StateChangeTime: awsIso(now), Region: region, AlarmArn: c.arn, OldStateValue: oldState,
      OKActions: c.okActions, AlarmActions: c.alarmActions, InsufficientDataActions: c.insufficientDataActions, Trigger: trigger,
    };
    return { subject: `${a.state.value}: "${c.name}" in ${region}`, body: JSON.stringify(body), newState: a.state.value, oldState };
  }

  // ---- evaluation -----------------------------------------------------------------------------------------

  private metricIds(a: Alarm): Array<{ key: string; id: MetricId }> {
    const c = a.config;
    const ids: MetricId[] = c.metrics?.length
      ? c.metrics.filter((q) => q.metricStat).map((q) => q.metricStat!.metric)
      : [{ namespace: c.namespace!, metricName: c.metricName!, dimensions: c.dimensions }];
    return ids.map((id) => ({ key: seriesKey(a.account, a.region, id.namespace, id.metricName, dimsKey(id.dimensions)), id }));
  }

  private install(alarm: Alarm): void {
    const live: Live = { alarm, buffers: new Map() };
    this.alarms.set(this.key(alarm.account, alarm.region, alarm.config.name), live);
    const now = this.metrics.clock.now();
    const keep = this.windowMs(alarm);
    for (const { key, id } of this.metricIds(alarm)) {
      // Seed from the database once; from now on the engine pushes every new point.
      live.buffers.set(key, this.metrics.points(alarm, id, now - keep, now + keep));
      (this.bySeries.get(key) ?? this.bySeries.set(key, new Set()).get(key)!).add(live);
    }
    this.schedule(live);
  }

  private uninstall(live: Live): void {
    if (live.timer !== undefined) this.metrics.scheduler.clearTimeout(live.timer);
    live.timer = undefined;
    this.alarms.delete(this.key(live.alarm.account, live.alarm.region, live.alarm.config.name));
    for (const set of this.bySeries.values()) set.delete(live);
  }

  private windowMs(a: Alarm): number {
    return (a.config.evaluationPeriods + 2) * periodOf(a.config) * 1000;
  }

  private onPoint(e: PointEvent): void {
    const set = this.bySeries.get(seriesKey(e.account, e.region, e.namespace, e.metricName, e.dims));
    if (!set) return;
    for (const live of set) {
      const key = seriesKey(e.account, e.region, e.namespace, e.metricName, e.dims);
      const buf = live.buffers.get(key);
      if (!buf) continue;
      buf.push(e.point);
      // Prune what no evaluation can reach any more.
      const oldest = this.metrics.clock.now() - this.windowMs(live.alarm);
      if (buf.length > 64 && buf[0]!.ts < oldest) live.buffers.set(key, buf.filter((p) => p.ts >= oldest));
    }
  }

  private schedule(live: Live): void {
    if (this.closed) return;
    const periodMs = periodOf(live.alarm.config) * 1000;
    const delay = this.evalDelayMs ?? Math.min(1000, Math.floor(periodMs / 5));
    const now = this.metrics.clock.now();
    const boundary = Math.floor((now - delay) / periodMs) * periodMs + periodMs;
    live.timer = this.metrics.scheduler.setTimeout(() => {
      live.timer = undefined;
      if (!this.alarms.has(this.key(live.alarm.account, live.alarm.region, live.alarm.config.name))) return;
      this.evaluate(live, boundary).catch((err) => this.log?.error({ err }, 'alarm evaluation failed'));
      this.schedule(live);
    }, boundary + delay - now, true);
  }

  /** Evaluates one alarm over the periods ending at `boundary` (epoch ms). */
  private async evaluate(live: Live, boundary: number): Promise<void> {
    const a = live.alarm;
    const c = a.config;
    const period = periodOf(c);
    const n = c.evaluationPeriods;
    const start = boundary - n * period * 1000;
    let series: Series;
    const counts = new Map<number, number>();
    if (c.metrics?.length) {
      const results = this.metrics.evaluateQueries(c.metrics, (m, stat, p, unit) => {
        const buf = live.buffers.get(seriesKey(a.account, a.region, m.namespace, m.metricName, dimsKey(m.dimensions))) ?? [];
        return seriesOf(aggregate(buf, start, boundary, p, stat.startsWith('p') ? [stat] : [], unit), stat);
      }).filter((r) => r.id !== c.thresholdMetricId);
      const r = results[0];
      series = r ? { ts: r.timestamps, values: r.values } : { ts: [], values: [] };
    } else {
      const stat = c.extendedStatistic ?? c.statistic!;
      const buf = live.buffers.get(this.metricIds(a)[0]!.key) ?? [];
      const buckets = aggregate(buf, start, boundary, period, c.extendedStatistic ? [c.extendedStatistic] : [], c.unit);
      for (const b of buckets) counts.set(b.ts, b.sampleCount);
      series = seriesOf(buckets, stat);
    }
    const at = new Map(series.ts.map((t, i) => [t, series.values[i]!]));
    const points = [];
    for (let i = 1; i <= n; i++) {
      const ts = boundary - i * period * 1000;
      const value = at.get(ts);
      points.push({ ts, ...(value !== undefined ? { value, sampleCount: counts.get(ts) ?? 1 } : {}) });
    }
    const d = decide({
      comparisonOperator: c.comparisonOperator, threshold: c.threshold ?? 0, evaluationPeriods: n, datapointsToAlarm: c.datapointsToAlarm ?? n,
      treatMissingData: c.treatMissingData ?? 'missing', period, statistic: c.extendedStatistic ?? c.statistic,
    }, points, a.state.value, this.metrics.clock.now());
    if (d.state && d.state !== a.state.value) await this.transition(live, d.state, d.reason, d.reasonData);
  }

  /** Forces an evaluation of every alarm for the periods ending at the last boundary (tests). */
  async evaluateAll(): Promise<void> {
    for (const live of this.alarms.values()) {
      const p = periodOf(live.alarm.config) * 1000;
      await this.evaluate(live, Math.floor(this.metrics.clock.now() / p) * p);
    }
  }

  private row(a: Alarm) {
    return { account: a.account, region: a.region, name: a.config.name, data: JSON.stringify(a) };
  }

  private historyRow(a: Alarm, ts: number, type: string, summary: string, data: unknown) {
    return { account: a.account, region: a.region, alarm_name: a.config.name, ts, type, summary, data: JSON.stringify(data) };
  }

  expireHistory(): void {
    this.metrics.store.expireHistory(this.metrics.clock.now() - HISTORY_RETENTION_MS);
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const live of this.alarms.values()) if (live.timer !== undefined) this.metrics.scheduler.clearTimeout(live.timer);
  }
}

/** The alarm's evaluation period in seconds (math alarms: their first MetricStat's). */
export function periodOf(c: Pick<AlarmConfig, 'period' | 'metrics'>): number {
  return c.period ?? c.metrics?.find((q) => q.metricStat)?.metricStat?.period ?? 60;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function describeConfig(a: Alarm): Record<string, unknown> {
  const c = a.config;
  return {
    alarmName: c.name, alarmArn: c.arn, namespace: c.namespace, metricName: c.metricName, dimensions: c.dimensions, statistic: c.statistic, extendedStatistic: c.extendedStatistic,
    period: c.period, evaluationPeriods: c.evaluationPeriods, threshold: c.threshold, comparisonOperator: c.comparisonOperator, actionsEnabled: c.actionsEnabled,
  };
}

export { num };
