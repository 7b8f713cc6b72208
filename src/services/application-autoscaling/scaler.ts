import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { AlarmEngine, MetricsEngine } from '../../engines/metrics/index.ts';
import { ValidationException } from './errors.ts';
import type { ActivityDoc, AppScalingStore, PolicyDoc, Scope, TargetDoc } from './store.ts';

// The scaler behind Application Auto Scaling: scalable targets (ECS service desired counts), target tracking and
// step scaling policies, scaling activities.
//
// Target tracking works as AWS documents it: two CloudWatch alarms per policy (AlarmHigh: 3 datapoints above the
// target; AlarmLow: 15 datapoints below 90 % of it) — created for visibility, with AWS's names — and the new capacity
// is current × metric ÷ target, rounded up, within min/max, honouring ScaleOutCooldown / ScaleInCooldown (ECS
// default 300 s). The evaluation itself runs here every metric period (like the EC2 Auto Scaling engine), so a
// breach that lasts keeps scaling even though an alarm only fires on its transition.
// Step scaling policies act when CloudWatch runs them as alarm actions (you create the alarm, as on AWS).

export interface ScalableResourcePort {
  /** Undefined when the resource does not exist. */
  capacity(s: Scope, namespace: string, resourceId: string, dimension: string): number | undefined;
  setCapacity(s: Scope, namespace: string, resourceId: string, dimension: string, n: number): void;
}

export interface MetricQuery { namespace: string; metricName: string; dimensions: Array<{ name: string; value: string }>; statistic: string }

/** The CloudWatch metric a target tracking policy of an ECS service tracks. */
export function trackedMetric(resourceId: string, tt: NonNullable<PolicyDoc['targetTracking']>): MetricQuery {
  const [, cluster, service] = resourceId.split('/');
  const svc = [{ name: 'ClusterName', value: cluster ?? '' }, { name: 'ServiceName', value: service ?? '' }];
  const p = tt.PredefinedMetricSpecification;
  if (p) {
    switch (p.PredefinedMetricType) {
      case 'ECSServiceAverageCPUUtilization': return { namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: svc, statistic: 'Average' };
      case 'ECSServiceAverageMemoryUtilization': return { namespace: 'AWS/ECS', metricName: 'MemoryUtilization', dimensions: svc, statistic: 'Average' };
      case 'ALBRequestCountPerTarget': {
        const label = p.ResourceLabel ?? '';
        if (!/^app\/[^/]+\/[^/]+\/targetgroup\/[^/]+\/[^/]+$/.test(label)) throw new ValidationException('ResourceLabel must be app/<load-balancer-name>/<id>/targetgroup/<target-group-name>/<id> for ALBRequestCountPerTarget');
        return { namespace: 'AWS/ApplicationELB', metricName: 'RequestCountPerTarget', dimensions: [{ name: 'TargetGroup', value: label.slice(label.indexOf('targetgroup/')) }], statistic: 'Sum' };
      }
      default: throw new ValidationException(`Unsupported PredefinedMetricType for ecs: ${p.PredefinedMetricType}`);
    }
  }
  const c = tt.CustomizedMetricSpecification;
  if (!c?.MetricName || !c.Namespace || !c.Statistic) throw new ValidationException('CustomizedMetricSpecification needs MetricName, Namespace and Statistic (metric math is not supported)');
  return { namespace: c.Namespace, metricName: c.MetricName, dimensions: (c.Dimensions ?? []).map((d) => ({ name: d.Name, value: d.Value })), statistic: c.Statistic };
}

export const targetKey = (t: { account: string; region: string; namespace: string; resourceId: string; dimension: string }) => `${t.account}\u0000${t.region}\u0000${t.namespace}\u0000${t.resourceId}\u0000${t.dimension}`;

/** AWS's default cooldown for ECS services (seconds). */
const ECS_COOLDOWN = 300;

export class ApplicationScaler {
  readonly targets = new Map<string, TargetDoc>();
  readonly policies = new Map<string, PolicyDoc>();
  private timer?: NodeJS.Timeout;
  private unsubscribe = new Map<string, () => void>();

  constructor(private o: {
    store: AppScalingStore; clock: Clock; log: Logger; metrics: MetricsEngine; alarms: AlarmEngine; resource: ScalableResourcePort; periodSec: number;
  }) {
    for (const t of o.store.targets()) this.targets.set(targetKey(t), t);
    for (const p of o.store.policies()) {
      this.policies.set(p.arn, p);
      this.listen(p);
    }
  }

  start(): void {
    const every = Math.max(200, this.o.periodSec * 1000);
    this.timer = setInterval(() => void this.evaluate().catch((err) => this.o.log.warn({ err }, 'target tracking evaluation failed')), every);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    for (const off of this.unsubscribe.values()) off();
    this.unsubscribe.clear();
  }

  /** CloudWatch calls the policy when one of its alarms changes state (step scaling acts on ALARM). */
  listen(p: PolicyDoc): void {
    this.unsubscribe.get(p.arn)?.();
    this.unsubscribe.set(p.arn, this.o.alarms.registerAlarmAction(p.arn, async (_arn, alarm) => {
      const live = this.policies.get(p.arn);
      if (!live || live.type !== 'StepScaling' || alarm.state.value !== 'ALARM') return;
      let value: number | undefined;
      try {
        value = (JSON.parse(alarm.state.reasonData ?? '{}') as { recentDatapoints?: number[] }).recentDatapoints?.[0];
      } catch {
        value = undefined;
      }
      this.step(live, alarm.config.name, alarm.config.threshold ?? 0, value);
    }));
  }

  forget(arn: string): void {
    this.unsubscribe.get(arn)?.();
    this.unsubscribe.delete(arn);
  }

  /** Records an activity and sets the new capacity (clamped to the target's range). */
  apply(t: TargetDoc, want: number, cause: string): number | undefined {
    const s = { account: t.account, region: t.region };
    const current = this.o.resource.capacity(s, t.namespace, t.resourceId, t.dimension);
    if (current === undefined) return undefined;
    const next = Math.min(t.maxCapacity, Math.max(t.minCapacity, want));
    if (next === current) return current;
    const now = this.o.clock.now();
    this.o.resource.setCapacity(s, t.namespace, t.resourceId, t.dimension, next);
    const a: ActivityDoc = {
      id: randomUUID(), account: t.account, region: t.region, namespace: t.namespace, resourceId: t.resourceId, dimension: t.dimension,
      description: `Setting desired count to ${next}.`, cause, startTime: now, endTime: now, statusCode: 'Successful',
      statusMessage: `Successfully set desired count to ${next}. Change successfully fulfilled by ${t.namespace}.`,
    };
    this.o.store.putActivity(a);
    this.o.store.pruneActivities(now - 42 * 86_400_000);
    return next;
  }

  /** A capacity outside [min, max] is moved into it (RegisterScalableTarget). */
  clampToRange(t: TargetDoc): void {
    const current = this.o.resource.capacity({ account: t.account, region: t.region }, t.namespace, t.resourceId, t.dimension);
    if (current === undefined) return;
    if (current < t.minCapacity) this.apply(t, t.minCapacity, `minimum capacity was set to ${t.minCapacity}`);
    else if (current > t.maxCapacity) this.apply(t, t.maxCapacity, `maximum capacity was set to ${t.maxCapacity}`);
  }

  private targetOf(p: PolicyDoc): TargetDoc | undefined {
    return this.targets.get(targetKey(p));
  }

  /** Target tracking, every metric period. */
  async evaluate(): Promise<void> {
    const now = this.o.clock.now();
    const period = Math.max(1, this.o.periodSec);
    for (const p of this.policies.values()) {
      if (p.type !== 'TargetTrackingScaling' || !p.targetTracking) continue;
      const t = this.targetOf(p);
      if (!t) continue;
      const tt = p.targetTracking;
      const s = { account: p.account, region: p.region };
      const current = this.o.resource.capacity(s, t.namespace, t.resourceId, t.dimension);
      if (current === undefined) continue;
      let m: MetricQuery;
      try {
        m = trackedMetric(p.resourceId, tt);
      } catch {
        continue;
      }
      // The period that is still filling is left out, as CloudWatch alarms do.
      const end = Math.floor(now / (period * 1000)) * period * 1000;
      const series = this.o.metrics.statSeries(s, { namespace: m.namespace, metricName: m.metricName, dimensions: m.dimensions }, m.statistic, period, end - period * 16 * 1000, end);
      const points = series.ts.map((ts, i) => ({ ts, v: series.values[i]! })).sort((a, b) => b.ts - a.ts);
      const high = points.slice(0, 3);
      const alarmName = (kind: 'High' | 'Low') => p.alarms.find((a) => a.AlarmName.includes(`Alarm${kind}`))?.AlarmName ?? `TargetTracking-${p.resourceId}-Alarm${kind}`;
      if (high.length === 3 && high.every((x) => x.v > tt.TargetValue)) {
        if (t.suspended.DynamicScalingOutSuspended) continue;
        const value = high.reduce((a, b) => a + b.v, 0) / high.length;
        const want = Math.ceil((Math.max(current, 1) * value) / tt.TargetValue);
        const cooldown = (tt.ScaleOutCooldown ?? ECS_COOLDOWN) * 1000;
        if (want > current && (p.lastScaleOutAt === undefined || now - p.lastScaleOutAt >= cooldown)) {
          this.apply(t, want, `monitor alarm ${alarmName('High')} in state ALARM triggered policy ${p.name}`);
          p.lastScaleOutAt = now;
          this.o.store.putPolicy(p);
        }
        continue;
      }
      const low = points.slice(0, 15);
      if (!tt.DisableScaleIn && low.length === 15 && low.every((x) => x.v < tt.TargetValue * 0.9)) {
        if (t.suspended.DynamicScalingInSuspended) continue;
        const value = low.reduce((a, b) => a + b.v, 0) / low.length;
        const want = Math.max(t.minCapacity, Math.ceil((current * value) / tt.TargetValue));
        const cooldown = (tt.ScaleInCooldown ?? ECS_COOLDOWN) * 1000;
        const lastChange = Math.max(p.lastScaleInAt ?? -Infinity, p.lastScaleOutAt ?? -Infinity);
        if (want < current && now - lastChange >= cooldown) {
          this.apply(t, want, `monitor alarm ${alarmName('Low')} in state ALARM triggered policy ${p.name}`);
          p.lastScaleInAt = now;
          this.o.store.putPolicy(p);
        }
      }
    }
  }

  /** Step scaling: the step whose interval holds (value − threshold) decides the adjustment. */
  step(p: PolicyDoc, alarmName: string, threshold: number, value: number | undefined): void {
    const t = this.targetOf(p);
    const cfg = p.step;
    if (!t || !cfg?.StepAdjustments?.length) return;
    const s = { account: p.account, region: p.region };
    const current = this.o.resource.capacity(s, t.namespace, t.resourceId, t.dimension);
    if (current === undefined) return;
    const now = this.o.clock.now();
    const cooldown = (cfg.Cooldown ?? ECS_COOLDOWN) * 1000;
    const last = Math.max(p.lastScaleOutAt ?? -Infinity, p.lastScaleInAt ?? -Infinity);
    if (now - last < cooldown) return;
    const breach = (value ?? threshold) - threshold;
    const step = cfg.StepAdjustments.find((a) => (a.MetricIntervalLowerBound ?? -Infinity) <= breach && breach < (a.MetricIntervalUpperBound ?? Infinity));
    if (!step) return;
    let want: number;
    switch (cfg.AdjustmentType ?? 'ChangeInCapacity') {
      case 'ExactCapacity': want = step.ScalingAdjustment; break;
      case 'PercentChangeInCapacity': {
        let delta = (current * step.ScalingAdjustment) / 100;
        // AWS: a change between -1 and 1 counts as ±1; larger ones are rounded toward zero.
        delta = Math.abs(delta) < 1 ? Math.sign(delta) : Math.trunc(delta);
        if (cfg.MinAdjustmentMagnitude && Math.abs(delta) < cfg.MinAdjustmentMagnitude) delta = Math.sign(delta) * cfg.MinAdjustmentMagnitude;
        want = current + delta;
        break;
      }
      default: want = current + step.ScalingAdjustment;
    }
    if (want > current && t.suspended.DynamicScalingOutSuspended) return;
    if (want < current && t.suspended.DynamicScalingInSuspended) return;
    const next = this.apply(t, want, `monitor alarm ${alarmName} in state ALARM triggered policy ${p.name}`);
    if (next === undefined) return;
    if (want > current) p.lastScaleOutAt = now;
    else p.lastScaleInAt = now;
    this.o.store.putPolicy(p);
  }

  /** The two target tracking alarms of a policy (AWS's names and shapes). */
  trackingAlarms(p: PolicyDoc): Array<{ AlarmName: string; AlarmARN: string }> {
    const tt = p.targetTracking!;
    const m = trackedMetric(p.resourceId, tt);
    const s = { account: p.account, region: p.region };
    const id = randomUUID();
    const specs = [
      { name: `TargetTracking-${p.resourceId}-AlarmHigh-${id}`, comparison: 'GreaterThanThreshold', threshold: tt.TargetValue, periods: 3 },
      ...(tt.DisableScaleIn ? [] : [{ name: `TargetTracking-${p.resourceId}-AlarmLow-${id}`, comparison: 'LessThanThreshold', threshold: tt.TargetValue * 0.9, periods: 15 }]),
    ];
    for (const a of specs) {
      this.o.alarms.put(s, {
        name: a.name, description: `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${p.arn}.`, actionsEnabled: true, okActions: [], alarmActions: [p.arn],
        insufficientDataActions: [], metricName: m.metricName, namespace: m.namespace, statistic: m.statistic, dimensions: m.dimensions,
        period: this.o.periodSec, evaluationPeriods: a.periods, threshold: a.threshold, comparisonOperator: a.comparison,
      }, undefined);
    }
    return specs.map((a) => ({ AlarmName: a.name, AlarmARN: `arn:aws:cloudwatch:${p.region}:${p.account}:alarm:${a.name}` }));
  }

  deleteAlarms(p: PolicyDoc): void {
    const s = { account: p.account, region: p.region };
    const names = p.alarms.map((a) => a.AlarmName).filter((n) => this.o.alarms.get(s, n));
    if (names.length) this.o.alarms.delete(s, names);
  }
}
