import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import { realScheduler, type Scheduler } from '../queue/scheduler.ts';
import { nextCron } from './cron.ts';
import { ScalingActivityInProgress, ValidationError } from './errors.ts';
import { capacityFor, forecastLoad, HISTORY_DAYS, HOUR, type Forecast } from './forecast.ts';
import type { AlarmNotice, AlarmsPort, ComputePort, LoadBalancerPort, MetricQuery, MetricsPort, Scope, TargetHealthState, TemplateRef } from './ports.ts';
import { groupConfig, type AsgInstanceRow, type GroupConfig, type GroupRow, type PolicyRow, type ScalingStore } from './store.ts';
import { chooseVictims } from './termination.ts';

// The scaler: one reconciliation pass per group on the injected scheduler. State lives in SQLite, so after a
// restart the loop resumes where it was (pending launches progress, terminations drain and finish).
//
// Instance lifecycle (AWS names): Pending → [Pending:Wait → Pending:Proceed] → InService → Terminating →
// [Terminating:Wait → Terminating:Proceed] → (deregistered, drained) → Terminated (row removed).
// "Ready before traffic": an instance is registered with the group's target groups only once EC2 says it is
// running (and after launch hooks); with HealthCheckType ELB it counts InService once the load balancer says healthy.

export interface ScalingEngineOptions {
  store: ScalingStore;
  compute: ComputePort;
  clock: Clock;
  log: Logger;
  scheduler?: Scheduler;
  lb?: LoadBalancerPort;
  metrics?: MetricsPort;
  alarms?: AlarmsPort;
  /** Reconciliation period when nothing is in flight (ms). */
  tickMs?: number;
  /** Reconciliation period while instances launch or terminate (ms). */
  busyTickMs?: number;
  /** Metric resolution target tracking evaluates at (s): 60 like AWS, 1 for demos, tests and benches. */
  metricPeriodSec?: number;
  random?: () => number;
}

export const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const PENDING = ['Pending', 'Pending:Wait', 'Pending:Proceed'];
const TERMINATING = ['Terminating', 'Terminating:Wait', 'Terminating:Proceed', 'Terminated'];
const GONE = ['terminated', 'shutting-down', 'stopped', 'stopping'];
/** A running instance whose workload is gone this long fails its EC2 status check. */
const IMPAIRED_MS = 10_000;

export interface PolicyConfig {
  AdjustmentType?: string; ScalingAdjustment?: number; MinAdjustmentMagnitude?: number; MinAdjustmentStep?: number; Cooldown?: number;
  MetricAggregationType?: string; StepAdjustments?: { MetricIntervalLowerBound?: number; MetricIntervalUpperBound?: number; ScalingAdjustment: number }[];
  EstimatedInstanceWarmup?: number; Enabled?: boolean;
  TargetTrackingConfiguration?: {
    PredefinedMetricSpecification?: { PredefinedMetricType: string; ResourceLabel?: string };
    CustomizedMetricSpecification?: { MetricName?: string; Namespace?: string; Dimensions?: { Name: string; Value: string }[]; Statistic?: string; Metrics?: unknown[] };
    TargetValue: number; DisableScaleIn?: boolean;
  };
  PredictiveScalingConfiguration?: {
    MetricSpecifications: PredictiveMetricSpec[]; Mode?: string; SchedulingBufferTime?: number; MaxCapacityBreachBehavior?: string; MaxCapacityBuffer?: number;
  };
}

export interface PredictiveMetricSpec {
  TargetValue: number;
  PredefinedMetricPairSpecification?: { PredefinedMetricType: string; ResourceLabel?: string };
  PredefinedScalingMetricSpecification?: { PredefinedMetricType: string; ResourceLabel?: string };
  PredefinedLoadMetricSpecification?: { PredefinedMetricType: string; ResourceLabel?: string };
  CustomizedLoadMetricSpecification?: { MetricDataQueries: { Id?: string; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] }; Stat: string } }[] };
}

/** 'app/my-alb/123/targetgroup/my-tg/456' → 'targetgroup/my-tg/456' (the TargetGroup dimension). */
const targetGroupDim = (label = '') => label.slice(label.indexOf('targetgroup/'));

/** The metric a target tracking policy tracks. */
export function trackedMetric(group: string, tt: NonNullable<PolicyConfig['TargetTrackingConfiguration']>): Omit<MetricQuery, 'period' | 'start' | 'end'> {
  const p = tt.PredefinedMetricSpecification;
  const asg = [{ Name: 'AutoScalingGroupName', Value: group }];
  if (p) {
    switch (p.PredefinedMetricType) {
      case 'ASGAverageCPUUtilization': return { namespace: 'AWS/EC2', metricName: 'CPUUtilization', dimensions: asg, statistic: 'Average' };
      case 'ASGAverageNetworkIn': return { namespace: 'AWS/EC2', metricName: 'NetworkIn', dimensions: asg, statistic: 'Average' };
      case 'ASGAverageNetworkOut': return { namespace: 'AWS/EC2', metricName: 'NetworkOut', dimensions: asg, statistic: 'Average' };
      case 'ALBRequestCountPerTarget':
        return { namespace: 'AWS/ApplicationELB', metricName: 'RequestCountPerTarget', dimensions: [{ Name: 'TargetGroup', Value: targetGroupDim(p.ResourceLabel) }], statistic: 'Sum' };
      default: throw new ValidationError(`Unsupported PredefinedMetricType: ${p.PredefinedMetricType}`);
    }
  }
  const c = tt.CustomizedMetricSpecification;
  if (!c?.MetricName || !c.Namespace) throw new ValidationError('CustomizedMetricSpecification needs MetricName, Namespace and Statistic (metric math is not supported)');
  return { namespace: c.Namespace, metricName: c.MetricName, dimensions: c.Dimensions ?? [], statistic: (c.Statistic ?? 'Average') as MetricQuery['statistic'] };
}

/** The load metric a predictive scaling metric specification forecasts. */
export function loadMetric(group: string, spec: PredictiveMetricSpec): Omit<MetricQuery, 'period' | 'start' | 'end'> {
  const asg = [{ Name: 'AutoScalingGroupName', Value: group }];
  const p = spec.PredefinedLoadMetricSpecification ?? spec.PredefinedMetricPairSpecification;
  if (p) {
    const type = p.PredefinedMetricType.replace(/^ASGTotal/, 'ASG').replace(/^ALBTargetGroupRequestCount$/, 'ALBRequestCount');
    switch (type) {
      case 'ASGCPUUtilization': return { namespace: 'AWS/EC2', metricName: 'CPUUtilization', dimensions: asg, statistic: 'Sum' };
      case 'ASGNetworkIn': return { namespace: 'AWS/EC2', metricName: 'NetworkIn', dimensions: asg, statistic: 'Sum' };
      case 'ASGNetworkOut': return { namespace: 'AWS/EC2', metricName: 'NetworkOut', dimensions: asg, statistic: 'Sum' };
      case 'ALBRequestCount': return { namespace: 'AWS/ApplicationELB', metricName: 'RequestCount', dimensions: [{ Name: 'TargetGroup', Value: targetGroupDim(p.ResourceLabel) }], statistic: 'Sum' };
      default: throw new ValidationError(`Unsupported predefined metric type: ${p.PredefinedMetricType}`);
    }
  }
  const q = spec.CustomizedLoadMetricSpecification?.MetricDataQueries?.find((x) => x.MetricStat);
  if (!q?.MetricStat) throw new ValidationError('A predictive scaling metric specification needs a predefined metric pair, a predefined load metric or a customized load metric with a MetricStat');
  const m = q.MetricStat.Metric;
  return { namespace: m.Namespace, metricName: m.MetricName, dimensions: m.Dimensions ?? [], statistic: q.MetricStat.Stat as MetricQuery['statistic'] };
}

export class ScalingEngine {
  readonly store: ScalingStore;
  private compute: ComputePort;
  private clock: Clock;
  private log: Logger;
  private scheduler: Scheduler;
  lb?: LoadBalancerPort;
  metrics?: MetricsPort;
  alarms?: AlarmsPort;
  private tickMs: number;
  private busyTickMs: number;
  readonly metricPeriodSec: number;
  private random: () => number;
  private timer: unknown;
  private running?: Promise<void>;
  private again = false;
  private closed = false;
  private started = false;
  /** Instances whose deregistration/termination is under way in this process. */
  private finishing = new Map<string, Promise<void>>();
  private registered = new Set<string>();
  private forecasts = new Map<string, { at: number; forecast: Forecast }>();
  private predicted = new Map<string, number>();
  private impairedSince = new Map<string, number>();

  constructor(o: ScalingEngineOptions) {
    this.store = o.store;
    this.compute = o.compute;
    this.clock = o.clock;
    this.log = o.log;
    this.scheduler = o.scheduler ?? realScheduler;
    this.lb = o.lb;
    this.metrics = o.metrics;
    this.alarms = o.alarms;
    this.tickMs = o.tickMs ?? 1000;
    this.busyTickMs = o.busyTickMs ?? 200;
    this.metricPeriodSec = o.metricPeriodSec ?? 60;
    this.random = o.random ?? Math.random;
  }

  now(): number {
    return this.clock.now();
  }

  /** Wires the adapters of engines that start later (ELBv2, CloudWatch). */
  setPorts(p: { lb?: LoadBalancerPort; metrics?: MetricsPort; alarms?: AlarmsPort }): void {
    if (p.lb) this.lb = p.lb;
    if (p.metrics) this.metrics = p.metrics;
    if (p.alarms) this.alarms = p.alarms;
  }

  /** Starts the loop (after a restart it picks up every group where it was). */
  start(): void {
    this.started = true;
    this.kick();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    // Terminations in flight finish at the next start (their rows say where they were).
  }

  /** Asks for a reconciliation pass soon (after an API change). */
  kick(): void {
    if (this.closed || !this.started) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, ms, true);
  }

  /** One pass over every group. Resolves when done (tests await it). */
  tick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let busy = false;
      for (const g of this.store.allGroups()) {
        try {
          busy = (await this.reconcile(g)) || busy;
        } catch (err) {
          this.log.error({ err, group: g.name }, 'auto scaling reconciliation failed');
        }
      }
      return busy;
    })().then((busy) => {
      this.running = undefined;
      const again = this.again;
      this.again = false;
      if (this.started) this.schedule(again ? 0 : busy || this.finishing.size ? this.busyTickMs : this.tickMs);
    }, () => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Waits until in-flight terminations finish (tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.finishing.values()]);
  }

  // ---------------------------------------------------------------- capacity changes

  /**
   * Changes min/max/desired in one transaction and records why; the next pass launches/terminates.
   * `cause(from, to)` renders the AWS cause prefix.
   */
  changeCapacity(s: Scope, name: string, next: { min?: number; max?: number; desired?: number }, cause: (from: number, to: number) => string, opts: { honorCooldown?: boolean; cooldownSec?: number } = {}): GroupRow {
    const g = this.store.tx(() => {
      const g = this.store.group(s, name);
      if (!g) throw new ValidationError(`AutoScalingGroup name not found - AutoScalingGroup ${name} not found`);
      const now = this.clock.now();
      if (opts.honorCooldown && g.last_scaling_at !== null) {
        const cooldown = (opts.cooldownSec ?? groupConfig(g).defaultCooldown) * 1000;
        if (now < g.last_scaling_at + cooldown) throw new ScalingActivityInProgress(`Scaling activity ${g.name} is in progress (cooldown) and blocks this action`);
      }
      const min = next.min ?? g.min_size;
      const max = next.max ?? g.max_size;
      let desired = next.desired ?? Math.min(max, Math.max(min, g.desired));
      if (next.desired === undefined) desired = Math.min(max, Math.max(min, g.desired));
      const changed = desired !== g.desired;
      this.store.updateGroup(s, name, {
        min_size: min, max_size: max, desired,
        ...(changed ? { last_scaling_at: now, pending_cause: cause(g.desired, desired) } : {}),
      });
      return this.store.group(s, name)!;
    });
    this.kick();
    return g;
  }

  /** Desired after a policy adjustment (AWS's rounding and MinAdjustmentMagnitude rules). */
  adjusted(g: GroupRow, type: string | undefined, adjustment: number, minMagnitude?: number): number {
    const cur = g.desired;
    let next: number;
    switch (type ?? 'ChangeInCapacity') {
      case 'ExactCapacity': next = adjustment; break;
      case 'PercentChangeInCapacity': {
        let delta = (cur * adjustment) / 100;
        delta = delta > 0 ? Math.floor(delta) || 1 : Math.ceil(delta) || (adjustment < 0 ? -1 : 0);
        if (minMagnitude && Math.abs(delta) < minMagnitude) delta = Math.sign(delta) * minMagnitude;
        next = cur + delta;
        break;
      }
      default: next = cur + adjustment;
    }
    return Math.min(g.max_size, Math.max(g.min_size, next));
  }

  /** ExecutePolicy (and CloudWatch alarm actions) for simple and step scaling policies. */
  executePolicy(s: Scope, p: PolicyRow, opts: { honorCooldown: boolean; metricValue?: number; breachThreshold?: number; trigger?: string }): void {
    const cfg = JSON.parse(p.config) as PolicyConfig;
    const g = this.store.group(s, p.group_name);
    if (!g) return;
    if (cfg.Enabled === false) return;
    let adjustment: number;
    if (p.type === 'StepScaling') {
      if (opts.metricValue === undefined || opts.breachThreshold === undefined) throw new ValidationError('MetricValue and BreachThreshold are required for step scaling policies');
      const diff = opts.metricValue - opts.breachThreshold;
      const step = (cfg.StepAdjustments ?? []).find((a) => (a.MetricIntervalLowerBound ?? -Infinity) <= diff && diff < (a.MetricIntervalUpperBound ?? Infinity));
      if (!step) throw new ValidationError(`No step adjustment found for metric value ${opts.metricValue} and breach threshold ${opts.breachThreshold}`);
      adjustment = step.ScalingAdjustment;
    } else if (p.type === 'SimpleScaling') {
      adjustment = cfg.ScalingAdjustment ?? 0;
    } else {
      throw new ValidationError(`ExecutePolicy is not supported for ${p.type} policies`);
    }
    const desired = this.adjusted(g, cfg.AdjustmentType, adjustment, cfg.MinAdjustmentMagnitude ?? cfg.MinAdjustmentStep);
    const trigger = opts.trigger ?? `a user request executed policy ${p.name}`;
    // Simple scaling waits for the cooldown after any scaling activity; step scaling relies on instance warmup.
    const honor = opts.honorCooldown && p.type === 'SimpleScaling';
    this.changeCapacity(s, g.name, { desired }, (a, b) => `At ${at(this.clock.now())} ${trigger} changing the desired capacity from ${a} to ${b}.`, { honorCooldown: honor, cooldownSec: cfg.Cooldown });
    this.store.updatePolicy(p.arn, { last_executed: this.clock.now() });
  }

  /** CloudWatch alarm action handler for 'arn:aws:autoscaling:' actions (register with the metrics engine). */
  readonly onAlarmAction = async (actionArn: string, alarm: AlarmNotice): Promise<void> => {
    const p = this.store.policyByArn(actionArn);
    if (!p || alarm.state !== 'ALARM') return;
    const s = { account: p.account, region: p.region };
    if (p.type === 'TargetTrackingScaling') {
      this.kick();
      return;
    }
    try {
      this.executePolicy(s, p, {
        honorCooldown: true, metricValue: alarm.value, breachThreshold: alarm.threshold,
        trigger: `a monitor alarm ${alarm.alarmName} in state ALARM triggered policy ${p.name}`,
      });
    } catch (err) {
      if (!(err instanceof ScalingActivityInProgress)) this.log.warn({ err, policy: p.name }, 'alarm action failed');
    }
  };

  // ---------------------------------------------------------------- the pass

  private template(cfg: GroupConfig): TemplateRef | undefined {
    return cfg.launchTemplate ?? cfg.mixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  }

  private activity(s: Scope, group: string, description: string, cause: string, status: string, progress: number, details?: object): string {
    const id = randomUUID();
    this.store.insertActivity({
      id, ...s, group_name: group, description, cause, details: details ? JSON.stringify(details) : null, status_code: status,
      status_message: null, progress, start_time: this.clock.now(), end_time: null,
    });
    return id;
  }

  private endActivity(id: string | null, status: string, message?: string): void {
    if (id) this.store.updateActivity(id, { status_code: status, progress: 100, end_time: this.clock.now(), ...(message ? { status_message: message } : {}) });
  }

  /** Returns whether something is in flight (the loop then comes back sooner). */
  private async reconcile(g0: GroupRow): Promise<boolean> {
    const s = { account: g0.account, region: g0.region };
    const name = g0.name;
    const cfg = groupConfig(g0);
    const now = this.clock.now();
    let rows = this.store.instances(s, name);
    const view = this.compute.describe(s, rows.map((r) => r.instance_id));
    const elb = await this.elbHealth(cfg);

    // 1. Health: EC2 status always; the load balancer's verdict after the grace period when HealthCheckType is ELB.
    for (const r of rows) {
      if (TERMINATING.includes(r.lifecycle_state) || r.lifecycle_state === 'Detaching' || r.lifecycle_state.startsWith('Standby')) continue;
      const v = view.get(r.instance_id);
      if (v?.statusOk !== false) this.impairedSince.delete(r.instance_id);
      let why: string | undefined;
      if (!v || GONE.includes(v.state)) why = 'an EC2 health check indicating it has been terminated or stopped';
      else if (v.state === 'running' && !v.statusOk && this.impairedFor(r.instance_id, now) >= IMPAIRED_MS) why = 'an EC2 health check indicating it has been impaired';
      else if (cfg.healthCheckType === 'ELB' && now - r.launched_at >= cfg.gracePeriod * 1000 && r.lifecycle_state !== 'Pending:Wait'
        && (elb.get(r.instance_id) ?? []).includes('unhealthy')) why = 'an ELB system health check failure';
      else if (r.health_status === 'Unhealthy') why = 'a user health-check';
      if (!why) continue;
      this.store.updateInstance(r.instance_id, { health_status: 'Unhealthy', updated_at: now });
      this.beginTerminate(s, name, r, `At ${at(now)} an instance was taken out of service in response to ${why}.`);
    }

    // 2. Launch progress: running → (launch hook) → registered with target groups → InService.
    const hooks = this.store.hooks(s, name).map((h) => ({ name: h.name, ...(JSON.parse(h.config) as { LifecycleTransition: string; HeartbeatTimeout?: number; DefaultResult?: string }) }));
    for (const r of this.store.instances(s, name)) {
      const v = view.get(r.instance_id);
      if (r.lifecycle_state === 'Pending' && v?.state === 'running') {
        const hook = hooks.find((h) => h.LifecycleTransition === 'autoscaling:EC2_INSTANCE_LAUNCHING');
        if (hook) {
          this.store.updateInstance(r.instance_id, { lifecycle_state: 'Pending:Wait', hook_name: hook.name, hook_token: randomUUID(), hook_deadline: now + (hook.HeartbeatTimeout ?? 3600) * 1000, hook_result: hook.DefaultResult ?? 'ABANDON', updated_at: now });
          if (r.activity_id) this.store.updateActivity(r.activity_id, { status_code: 'MidLifecycleAction', progress: 40 });
          continue;
        }
        this.store.updateInstance(r.instance_id, { lifecycle_state: 'Pending:Proceed', updated_at: now });
        r.lifecycle_state = 'Pending:Proceed';
      }
      if (r.lifecycle_state === 'Pending:Wait' && r.hook_deadline !== null && now >= r.hook_deadline) {
        // Timed out (or completed: CompleteLifecycleAction sets the deadline to now): the hook's result decides.
        if (r.hook_result === 'ABANDON') {
          this.store.updateInstance(r.instance_id, { health_status: 'Unhealthy', updated_at: now });
          this.beginTerminate(s, name, r, `At ${at(now)} an instance was taken out of service in response to a launch lifecycle action being abandoned.`);
          continue;
        }
        this.store.updateInstance(r.instance_id, { lifecycle_state: 'Pending:Proceed', hook_deadline: null, updated_at: now });
        r.lifecycle_state = 'Pending:Proceed';
      }
      if (r.lifecycle_state === 'Pending:Proceed') {
        if (!(await this.register(cfg, r.instance_id))) continue;
        const states = elb.get(r.instance_id) ?? [];
        const ready = cfg.healthCheckType !== 'ELB' || !this.lb || !cfg.targetGroupArns.length
          || (states.length >= cfg.targetGroupArns.length && states.every((x) => x === 'healthy'));
        if (ready) {
          this.store.updateInstance(r.instance_id, { lifecycle_state: 'InService', in_service_at: now, updated_at: now });
          this.endActivity(r.activity_id, 'Successful');
        }
      }
    }

    // 3. Schedules and forecasts may move the bounds before the counts below.
    let g = this.store.group(s, name)!;
    this.runScheduled(s, g, now);
    await this.runPredictive(s, this.store.group(s, name)!, now);
    await this.runTargetTracking(s, this.store.group(s, name)!, now);
    g = this.store.group(s, name)!;

    // 4. Capacity: launch or terminate to match desired.
    rows = this.store.instances(s, name);
    const active = rows.filter((r) => (PENDING.includes(r.lifecycle_state) || r.lifecycle_state === 'InService') && r.health_status === 'Healthy');
    const desired = g.status === 'Delete in progress' ? 0 : g.desired;
    const suspended = new Set(cfg.suspended ?? []);
    if (active.length < desired && !suspended.has('Launch')) {
      const perAz = new Map<string, number>();
      for (const r of active) perAz.set(r.az, (perAz.get(r.az) ?? 0) + 1);
      const from = active.length;
      for (let i = 0; i < Math.min(desired - active.length, 20); i++) {
        const cause = `${g.pending_cause ? `${g.pending_cause}  ` : ''}At ${at(now)} an instance was started in response to a difference between desired and running capacity, increasing the capacity from ${from} to ${desired}.`;
        await this.launchOne(s, g, cfg, perAz, cause);
      }
    } else if (active.length > desired && !suspended.has('Terminate')) {
      const current = this.currentTemplate(s, cfg);
      const inService = active.filter((r) => r.lifecycle_state === 'InService');
      // Pending instances go first on scale-in (they take no traffic yet), then the termination policy.
      const pending = active.filter((r) => r.lifecycle_state !== 'InService' && !r.protected);
      const n = active.length - desired;
      const victims = [...pending.slice(0, n)];
      if (victims.length < n) victims.push(...chooseVictims(inService, active, n - victims.length, cfg.terminationPolicies, current, now, this.random));
      for (const v of victims) {
        const cause = `${g.pending_cause ? `${g.pending_cause}  ` : ''}At ${at(now)} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from ${active.length} to ${desired}.  At ${at(now)} instance ${v.instance_id} was selected for termination.`;
        this.beginTerminate(s, name, v, cause);
      }
    }

    // 5. Terminations: hooks, then deregister + drain, then terminate.
    for (const r of this.store.instances(s, name)) if (TERMINATING.includes(r.lifecycle_state)) this.stepTermination(s, g, cfg, r, hooks, now);

    // 6. Instance refresh.
    this.runRefresh(s, g, cfg, now);

    // 7. Converged: the next change gets its own cause; a deleted group goes when its last instance has.
    rows = this.store.instances(s, name);
    const inFlight = rows.some((r) => r.lifecycle_state !== 'InService');
    if (!inFlight && rows.length === desired && g.pending_cause) this.store.updateGroup(s, name, { pending_cause: null });
    if (g.status === 'Delete in progress' && rows.length === 0) {
      await this.deleteAlarmsOf(s, name);
      this.store.tx(() => this.store.deleteGroup(s, name));
    }
    return inFlight || rows.length !== desired;
  }

  /** How long an instance has failed its status check (a restart re-adopts workloads, so one miss is not a failure). */
  private impairedFor(id: string, now: number): number {
    if (!this.impairedSince.has(id)) this.impairedSince.set(id, now);
    return now - this.impairedSince.get(id)!;
  }

  private currentTemplate(s: Scope, cfg: GroupConfig): { id: string; version: number } | undefined {
    const ref = this.template(cfg);
    if (!ref) return undefined;
    try {
      const t = this.compute.resolveTemplate(s, ref);
      return { id: t.id, version: t.version };
    } catch {
      return undefined;
    }
  }

  private async elbHealth(cfg: GroupConfig): Promise<Map<string, TargetHealthState[]>> {
    const out = new Map<string, TargetHealthState[]>();
    if (!this.lb || !cfg.targetGroupArns.length) return out;
    for (const tg of cfg.targetGroupArns) {
      try {
        for (const h of await this.lb.targetHealth(tg)) out.set(h.id, [...(out.get(h.id) ?? []), h.state]);
      } catch (err) {
        this.log.warn({ err, tg }, 'target health unavailable');
      }
    }
    return out;
  }

  private async register(cfg: GroupConfig, id: string): Promise<boolean> {
    if (!this.lb || !cfg.targetGroupArns.length || this.registered.has(id)) return true;
    try {
      for (const tg of cfg.targetGroupArns) await this.lb.registerTargets(tg, [{ id }]);
      this.registered.add(id);
      return true;
    } catch (err) {
      this.log.warn({ err, id }, 'could not register instance with its target groups; will retry');
      return false;
    }
  }

  private async launchOne(s: Scope, g: GroupRow, cfg: GroupConfig, perAz: Map<string, number>, cause: string): Promise<void> {
    const now = this.clock.now();
    const ref = this.template(cfg);
    let subnets = this.compute.subnets(s);
    if (cfg.subnets.length) subnets = subnets.filter((x) => cfg.subnets.includes(x.id));
    else if (cfg.azs.length) subnets = subnets.filter((x) => cfg.azs.includes(x.az));
    if (!ref || !subnets.length) {
      this.store.insertActivity({ id: randomUUID(), ...s, group_name: g.name, description: 'Launching a new EC2 instance.  Status Reason: no launch template or subnet', cause, details: null, status_code: 'Failed', status_message: 'The group has no launch template or no usable subnet', progress: 100, start_time: now, end_time: now });
      return;
    }
    // AZ balance: the AZ with the fewest instances gets the next one.
    const subnet = [...subnets].sort((a, b) => (perAz.get(a.az) ?? 0) - (perAz.get(b.az) ?? 0) || a.az.localeCompare(b.az))[0];
    const tags = this.store.tags(s, g.name).filter((t) => t.propagate).map((t) => ({ Key: t.key, Value: t.value }));
    tags.push({ Key: 'aws:autoscaling:groupName', Value: g.name });
    const instanceType = cfg.mixedInstancesPolicy?.LaunchTemplate?.Overrides?.[0]?.InstanceType;
    try {
      const t = this.compute.resolveTemplate(s, ref);
      const res = await this.compute.launch(s, { template: ref, instanceType, subnetId: subnet.id, tags });
      perAz.set(res.az, (perAz.get(res.az) ?? 0) + 1);
      const activityId = this.activity(s, g.name, `Launching a new EC2 instance: ${res.instanceId}`, cause, 'PreInService', 30, { 'Subnet ID': subnet.id, 'Availability Zone': res.az });
      this.store.insertInstance({
        instance_id: res.instanceId, ...s, group_name: g.name, lifecycle_state: 'Pending', health_status: 'Healthy', protected: cfg.newInstancesProtected ? 1 : 0,
        launch_template: JSON.stringify({ id: t.id, name: t.name, version: t.version, ref }), instance_type: res.instanceType, image_id: res.imageId, az: res.az,
        launched_at: now, in_service_at: null, hook_name: null, hook_token: null, hook_deadline: null, hook_result: null, activity_id: activityId, refresh_id: null, updated_at: now,
      });
    } catch (err) {
      const msg = (err as Error).message;
      this.store.insertActivity({ id: randomUUID(), ...s, group_name: g.name, description: `Launching a new EC2 instance.  Status Reason: ${msg}. Launching EC2 instance failed.`, cause, details: null, status_code: 'Failed', status_message: `${msg}. Launching EC2 instance failed.`, progress: 100, start_time: now, end_time: now });
    }
  }

  /** Takes an instance out of service (the actual deregistration/termination happens in stepTermination). */
  beginTerminate(s: Scope, group: string, r: AsgInstanceRow, cause: string): void {
    if (TERMINATING.includes(r.lifecycle_state)) return;
    const now = this.clock.now();
    if (r.activity_id && PENDING.includes(r.lifecycle_state)) this.endActivity(r.activity_id, 'Cancelled', 'The instance was taken out of service before it was InService');
    const activityId = this.activity(s, group, `Terminating EC2 instance: ${r.instance_id}`, cause, 'InProgress', 0);
    this.store.updateInstance(r.instance_id, { lifecycle_state: 'Terminating', activity_id: activityId, hook_name: null, hook_deadline: null, updated_at: now });
    r.lifecycle_state = 'Terminating';
  }

  private stepTermination(s: Scope, g: GroupRow, cfg: GroupConfig, r: AsgInstanceRow, hooks: { name: string; LifecycleTransition: string; HeartbeatTimeout?: number; DefaultResult?: string }[], now: number): void {
    if (r.lifecycle_state === 'Terminating') {
      const hook = hooks.find((h) => h.LifecycleTransition === 'autoscaling:EC2_INSTANCE_TERMINATING');
      if (hook && !r.hook_name) {
        this.store.updateInstance(r.instance_id, { lifecycle_state: 'Terminating:Wait', hook_name: hook.name, hook_token: randomUUID(), hook_deadline: now + (hook.HeartbeatTimeout ?? 3600) * 1000, hook_result: hook.DefaultResult ?? 'ABANDON', updated_at: now });
        if (r.activity_id) this.store.updateActivity(r.activity_id, { status_code: 'MidLifecycleAction', progress: 20 });
        return;
      }
      r.lifecycle_state = 'Terminating:Proceed';
      this.store.updateInstance(r.instance_id, { lifecycle_state: r.lifecycle_state, updated_at: now });
    }
    if (r.lifecycle_state === 'Terminating:Wait') {
      if (r.hook_deadline !== null && now < r.hook_deadline) return;
      r.lifecycle_state = 'Terminating:Proceed';
      this.store.updateInstance(r.instance_id, { lifecycle_state: r.lifecycle_state, hook_deadline: null, updated_at: now });
    }
    if ((r.lifecycle_state === 'Terminating:Proceed' || r.lifecycle_state === 'Terminated') && !this.finishing.has(r.instance_id)) {
      const task = this.finishTermination(s, cfg, r).finally(() => this.finishing.delete(r.instance_id));
      this.finishing.set(r.instance_id, task);
    }
  }

  private async finishTermination(s: Scope, cfg: GroupConfig, r: AsgInstanceRow): Promise<void> {
    const id = r.instance_id;
    try {
      // Scale-in never cuts a request: leave the target groups and wait for draining before stopping the workload.
      if (this.lb && cfg.targetGroupArns.length) {
        if (r.activity_id) this.store.updateActivity(r.activity_id, { status_code: 'WaitingForELBConnectionDraining', progress: 50 });
        await Promise.all(cfg.targetGroupArns.map((tg) => this.drain(tg, id)));
      }
      this.registered.delete(id);
      if (this.closed) return;
      await this.compute.terminate(s, [id]);
      this.store.tx(() => {
        this.endActivity(r.activity_id, 'Successful');
        this.store.deleteInstance(id);
      });
      this.kick();
    } catch (err) {
      this.log.warn({ err, id }, 'terminating an Auto Scaling instance failed; will retry');
    }
  }

  /**
   * Deregisters an instance from one target group and waits for the drain. Where it is no longer a target there is
   * nothing to drain: the load balancer deregisters terminated instances by itself (as AWS does), a user may have
   * deregistered it, the target group may be gone. Deregistering it anyway fails (InvalidTarget / TargetGroupNotFound)
   * and the termination would be retried forever, the instance left Terminating.
   */
  private async drain(tg: string, id: string): Promise<void> {
    let targets: { id: string }[];
    try {
      targets = await this.lb!.targetHealth(tg);
    } catch (err) {
      this.log.warn({ err, tg, id }, 'target group unavailable: nothing to drain');
      return;
    }
    if (!targets.some((t) => t.id === id)) return;
    await this.lb!.deregisterTargets(tg, [{ id }]);
  }

  // ---------------------------------------------------------------- scheduled actions

  private runScheduled(s: Scope, g: GroupRow, now: number): void {
    for (const a of this.store.scheduled(s, g.name)) {
      if (a.next_run === null || a.next_run > now) continue;
      const c = JSON.parse(a.config) as { MinSize?: number; MaxSize?: number; DesiredCapacity?: number; Recurrence?: string; EndTime?: number; TimeZone?: string };
      const cur = this.store.group(s, g.name)!;
      const min = c.MinSize ?? cur.min_size;
      const max = c.MaxSize ?? cur.max_size;
      const desired = c.DesiredCapacity !== undefined ? Math.min(max, Math.max(min, c.DesiredCapacity)) : undefined;
      try {
        this.changeCapacity(s, g.name, { min, max, desired },
          (x, y) => `At ${at(a.next_run!)} a scheduled action update of AutoScalingGroup constraints to min: ${min}, max: ${max}, desired: ${desired ?? y} changing the desired capacity from ${x} to ${y}.`);
        if (desired === undefined || desired === cur.desired) {
          this.store.insertActivity({ id: randomUUID(), ...s, group_name: g.name, description: `Executing scheduled action ${a.name}`, cause: `At ${at(a.next_run)} a scheduled action update of AutoScalingGroup constraints to min: ${min}, max: ${max}.`, details: null, status_code: 'Successful', status_message: null, progress: 100, start_time: now, end_time: now });
        }
      } catch (err) {
        this.log.warn({ err, action: a.name }, 'scheduled action failed');
      }
      const next = c.Recurrence ? nextCron(c.Recurrence, Math.max(now, a.next_run), c.TimeZone) : undefined;
      // AWS deletes one-time actions after they run; recurring ones stop at EndTime.
      if (next === undefined || (c.EndTime !== undefined && next > c.EndTime)) {
        if (c.Recurrence) this.store.setNextRun(a.arn, null);
        else this.store.deleteScheduled(a.arn);
      } else this.store.setNextRun(a.arn, next);
    }
  }

  // ---------------------------------------------------------------- target tracking

  private async runTargetTracking(s: Scope, g: GroupRow, now: number): Promise<void> {
    if (!this.metrics || g.status) return;
    const cfg = groupConfig(g);
    const rows = this.store.instances(s, g.name);
    for (const p of this.store.policies(s, g.name)) {
      if (p.type !== 'TargetTrackingScaling') continue;
      const pc = JSON.parse(p.config) as PolicyConfig;
      const tt = pc.TargetTrackingConfiguration!;
      if (pc.Enabled === false) continue;
      const warmup = (pc.EstimatedInstanceWarmup ?? cfg.defaultInstanceWarmup ?? cfg.defaultCooldown) * 1000;
      const period = this.metricPeriodSec;
      const q = { ...trackedMetric(g.name, tt), period, start: now - period * 16 * 1000, end: now };
      let points;
      try {
        points = [...(await this.metrics.statistics(s, q))].sort((a, b) => b.timestamp - a.timestamp);
      } catch (err) {
        this.log.warn({ err, policy: p.name }, 'metric statistics unavailable');
        continue;
      }
      const inService = rows.filter((r) => r.lifecycle_state === 'InService' && r.health_status === 'Healthy');
      const warming = rows.some((r) => PENDING.includes(r.lifecycle_state) || (r.in_service_at !== null && now - r.in_service_at < warmup));
      const capacity = Math.max(inService.length, 1);
      const alarms = JSON.parse(p.alarms) as { AlarmName: string }[];
      const high = points.slice(0, 3);
      if (high.length === 3 && high.every((x) => x.value > tt.TargetValue)) {
        const value = high.reduce((a, b) => a + b.value, 0) / high.length;
        const want = Math.min(g.max_size, Math.ceil((capacity * value) / tt.TargetValue));
        if (want > g.desired) {
          const alarm = alarms.find((a) => a.AlarmName.includes('AlarmHigh'))?.AlarmName ?? `TargetTracking-${g.name}-AlarmHigh`;
          this.changeCapacity(s, g.name, { desired: want }, (a, b) => `At ${at(now)} a monitor alarm ${alarm} in state ALARM triggered policy ${p.name} changing the desired capacity from ${a} to ${b}.`);
          this.store.updatePolicy(p.arn, { last_executed: now });
          g = this.store.group(s, g.name)!;
        }
        continue;
      }
      const low = points.slice(0, 15);
      // AWS: the low alarm fires at 90% of the target over 15 datapoints; no scale-in while instances warm up.
      if (!tt.DisableScaleIn && !warming && low.length === 15 && low.every((x) => x.value < tt.TargetValue * 0.9)) {
        const value = low.reduce((a, b) => a + b.value, 0) / low.length;
        const want = Math.max(g.min_size, Math.ceil((capacity * value) / tt.TargetValue));
        if (want < g.desired && (g.last_scaling_at === null || now - g.last_scaling_at >= warmup)) {
          const alarm = alarms.find((a) => a.AlarmName.includes('AlarmLow'))?.AlarmName ?? `TargetTracking-${g.name}-AlarmLow`;
          this.changeCapacity(s, g.name, { desired: want }, (a, b) => `At ${at(now)} a monitor alarm ${alarm} in state ALARM triggered policy ${p.name} changing the desired capacity from ${a} to ${b}.`);
          this.store.updatePolicy(p.arn, { last_executed: now });
          g = this.store.group(s, g.name)!;
        }
      }
    }
  }

  /** Creates the two CloudWatch alarms of a target tracking policy (AWS's names and shapes). */
  async trackingAlarms(s: Scope, group: string, policyArn: string, tt: NonNullable<PolicyConfig['TargetTrackingConfiguration']>, previous: { AlarmName: string }[]): Promise<{ AlarmName: string; AlarmARN: string }[]> {
    const m = trackedMetric(group, tt);
    const period = this.metricPeriodSec;
    const id = randomUUID();
    const specs = [
      { name: `TargetTracking-${group}-AlarmHigh-${id}`, comparison: 'GreaterThanThreshold' as const, threshold: tt.TargetValue, evaluationPeriods: 3 },
      ...(tt.DisableScaleIn ? [] : [{ name: `TargetTracking-${group}-AlarmLow-${id}`, comparison: 'LessThanThreshold' as const, threshold: tt.TargetValue * 0.9, evaluationPeriods: 15 }]),
    ];
    if (this.alarms) {
      if (previous.length) await this.alarms.deleteAlarms(s, previous.map((a) => a.AlarmName));
      for (const a of specs) {
        await this.alarms.putMetricAlarm(s, {
          name: a.name, ...m, period, evaluationPeriods: a.evaluationPeriods, threshold: a.threshold, comparison: a.comparison, alarmActions: [policyArn],
          description: `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${policyArn}.`,
        });
      }
    }
    return specs.map((a) => ({ AlarmName: a.name, AlarmARN: `arn:aws:cloudwatch:${s.region}:${s.account}:alarm:${a.name}` }));
  }

  async deleteAlarmsOf(s: Scope, group: string, only?: PolicyRow): Promise<void> {
    if (!this.alarms) return;
    const names = (only ? [only] : this.store.policies(s, group)).flatMap((p) => (JSON.parse(p.alarms) as { AlarmName: string }[]).map((a) => a.AlarmName));
    if (names.length) await Promise.resolve(this.alarms.deleteAlarms(s, names)).catch((err) => this.log.warn({ err }, 'could not delete alarms'));
  }

  // ---------------------------------------------------------------- predictive scaling

  /** Forecast of a predictive policy for [start, end) (hourly). Cached 5 minutes per policy. */
  async forecast(s: Scope, g: GroupRow, p: PolicyRow, start: number, end: number): Promise<Forecast & { spec: PredictiveMetricSpec }> {
    const pc = (JSON.parse(p.config) as PolicyConfig).PredictiveScalingConfiguration!;
    const spec = pc.MetricSpecifications[0];
    const now = this.clock.now();
    const key = `${p.arn}@${Math.floor(start / HOUR)}:${Math.ceil(end / HOUR)}`;
    const hit = this.forecasts.get(key);
    if (hit && now - hit.at < 5 * 60_000) return { ...hit.forecast, spec };
    let history: { timestamp: number; value: number }[] = [];
    if (this.metrics) {
      const m = loadMetric(g.name, spec);
      history = [...(await this.metrics.statistics(s, { ...m, period: 3600, start: now - HISTORY_DAYS * 24 * HOUR, end: now }))];
    }
    const hours = Math.max(1, Math.ceil((end - Math.floor(start / HOUR) * HOUR) / HOUR));
    const { timestamps, load } = forecastLoad(history, start, hours);
    let max = g.max_size;
    if (pc.MaxCapacityBreachBehavior === 'IncreaseMaxCapacity') max = Math.ceil(g.max_size * (1 + (pc.MaxCapacityBuffer ?? 0) / 100));
    const capacity = load.map((l) => capacityFor(l, spec.TargetValue, g.min_size, max));
    const forecast = { timestamps, load, capacity };
    this.forecasts.set(key, { at: now, forecast });
    return { ...forecast, spec };
  }

  predictedCapacity(s: Scope, group: string): number | undefined {
    return this.predicted.get(`${s.account}/${s.region}/${group}`);
  }

  private async runPredictive(s: Scope, g: GroupRow, now: number): Promise<void> {
    if (g.status) return;
    for (const p of this.store.policies(s, g.name)) {
      if (p.type !== 'PredictiveScaling') continue;
      const pc = (JSON.parse(p.config) as PolicyConfig).PredictiveScalingConfiguration!;
      const buffer = (pc.SchedulingBufferTime ?? 300) * 1000;
      let f;
      try {
        f = await this.forecast(s, g, p, now, now + buffer + HOUR);
      } catch (err) {
        this.log.warn({ err, policy: p.name }, 'forecast failed');
        continue;
      }
      // The hour that starts within the scheduling buffer: capacity is in place before its load arrives.
      const hour = Math.floor((now + buffer) / HOUR) * HOUR;
      const i = f.timestamps.indexOf(hour);
      const cap = i >= 0 ? f.capacity[i] : undefined;
      if (cap === undefined) continue;
      this.predicted.set(`${s.account}/${s.region}/${g.name}`, cap);
      if (pc.Mode !== 'ForecastAndScale') continue;
      // ForecastAndScale raises the minimum for that hour (never lowers what other policies asked for).
      const cur = this.store.group(s, g.name)!;
      const max = pc.MaxCapacityBreachBehavior === 'IncreaseMaxCapacity' ? Math.max(cur.max_size, cap) : cur.max_size;
      const want = Math.min(max, cap);
      if (want > cur.desired) {
        this.changeCapacity(s, g.name, { desired: want, max }, (a, b) => `At ${at(now)} a predictive scaling action by policy ${p.name} raised the capacity ahead of the forecast load for ${at(hour)}, changing the desired capacity from ${a} to ${b}.`);
      }
    }
  }

  // ---------------------------------------------------------------- instance refresh

  private runRefresh(s: Scope, g: GroupRow, cfg: GroupConfig, now: number): void {
    const r = this.store.refreshes(s, g.name).find((x) => x.status === 'Pending' || x.status === 'InProgress');
    if (!r) return;
    const prefs = JSON.parse(r.preferences) as { MinHealthyPercentage?: number; InstanceWarmup?: number; SkipMatching?: boolean };
    const current = this.currentTemplate(s, cfg);
    const rows = this.store.instances(s, g.name);
    const replaced = new Set(JSON.parse(r.replaced) as string[]);
    const outdated = rows.filter((x) => x.lifecycle_state === 'InService' && x.launched_at < r.start_time && !replaced.has(x.instance_id)
      && (!prefs.SkipMatching || JSON.stringify(((x.launch_template && JSON.parse(x.launch_template)) ?? {}).id) !== JSON.stringify(current?.id) || JSON.parse(x.launch_template!).version !== current?.version));
    const warmup = (prefs.InstanceWarmup ?? cfg.defaultInstanceWarmup ?? 0) * 1000;
    const healthy = rows.filter((x) => x.lifecycle_state === 'InService' && x.health_status === 'Healthy' && (x.in_service_at ?? 0) + warmup <= now);
    const done = r.instances_to_update - outdated.length;
    const pct = r.instances_to_update ? Math.floor((done / r.instances_to_update) * 100) : 100;
    if (!outdated.length && rows.every((x) => x.lifecycle_state === 'InService')) {
      this.store.updateRefresh(r.id, { status: 'Successful', status_reason: null, end_time: now });
      return;
    }
    this.store.updateRefresh(r.id, { status: 'InProgress', status_reason: pct < 100 ? 'Waiting for instances to be replaced' : 'Waiting for instances to warm up' });
    // Replace a batch only when the previous one is in service and warm.
    if (rows.some((x) => x.lifecycle_state !== 'InService') || !outdated.length) return;
    const minHealthy = Math.ceil((g.desired * (prefs.MinHealthyPercentage ?? 90)) / 100);
    const batch = Math.max(1, healthy.length - minHealthy);
    for (const v of outdated.slice(0, batch)) {
      replaced.add(v.instance_id);
      this.beginTerminate(s, g.name, v, `At ${at(now)} an instance was taken out of service in response to an instance refresh.  At ${at(now)} instance ${v.instance_id} was selected for termination.`);
    }
    this.store.updateRefresh(r.id, { replaced: JSON.stringify([...replaced]) });
  }
}
