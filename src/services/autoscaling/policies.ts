import { randomUUID } from 'node:crypto';
import { nextCron, parseCron } from '../../engines/scaling/cron.ts';
import { at, loadMetric, trackedMetric, type PolicyConfig, type ScalingEngine } from '../../engines/scaling/engine.ts';
import { ActiveInstanceRefreshNotFound, InstanceRefreshInProgress, LimitExceeded, ValidationError } from '../../engines/scaling/errors.ts';
import type { Scope } from '../../engines/scaling/ports.ts';
import { groupConfig, type PolicyRow, type RefreshRow } from '../../engines/scaling/store.ts';
import { activityShape, clockOf, findGroup } from './groups.ts';
import { page } from './shape.ts';

// Scaling policies, scheduled actions, lifecycle hooks, instance refresh, activities, forecasts.

const POLICY_TYPES = ['SimpleScaling', 'StepScaling', 'TargetTrackingScaling', 'PredictiveScaling'];
const ADJUSTMENT_TYPES = ['ChangeInCapacity', 'ExactCapacity', 'PercentChangeInCapacity'];
/** AWS default quotas. */
export const MAX_POLICIES = 50;
export const MAX_SCHEDULED = 125;
export const MAX_HOOKS = 50;

const policyArn = (s: Scope, group: string, name: string) =>
  `arn:aws:autoscaling:${s.region}:${s.account}:scalingPolicy:${randomUUID()}:autoScalingGroupName/${group}:policyName/${name}`;

function checkPolicy(type: string, input: PolicyConfig & { PolicyName?: string }, group: string): void {
  if (!POLICY_TYPES.includes(type)) throw new ValidationError(`Invalid policy type: ${type}`);
  if (input.AdjustmentType && !ADJUSTMENT_TYPES.includes(input.AdjustmentType)) throw new ValidationError(`Invalid adjustment type: ${input.AdjustmentType}`);
  if (type === 'SimpleScaling') {
    if (input.ScalingAdjustment === undefined) throw new ValidationError('ScalingAdjustment is required for SimpleScaling policy type');
    if (!input.AdjustmentType) throw new ValidationError('AdjustmentType is required for SimpleScaling policy type');
  }
  if (type === 'StepScaling') {
    if (!input.StepAdjustments?.length) throw new ValidationError('StepAdjustments is required for StepScaling policy type');
    if (!input.AdjustmentType) throw new ValidationError('AdjustmentType is required for StepScaling policy type');
    if (input.Cooldown !== undefined) throw new ValidationError('Cooldown is not supported for StepScaling policy type');
    const steps = [...input.StepAdjustments].sort((a, b) => (a.MetricIntervalLowerBound ?? -Infinity) - (b.MetricIntervalLowerBound ?? -Infinity));
    for (let i = 1; i < steps.length; i++) {
      if ((steps[i - 1].MetricIntervalUpperBound ?? Infinity) !== (steps[i].MetricIntervalLowerBound ?? -Infinity)) throw new ValidationError('Step adjustments must not overlap or have gaps between them');
    }
  }
  if (type === 'TargetTrackingScaling') {
    const tt = input.TargetTrackingConfiguration;
    if (!tt) throw new ValidationError('TargetTrackingConfiguration is required for TargetTrackingScaling policy type');
    if (!(tt.TargetValue > 0)) throw new ValidationError('TargetValue must be greater than 0');
    const p = tt.PredefinedMetricSpecification;
    if (!!p === !!tt.CustomizedMetricSpecification) throw new ValidationError('Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification must be specified');
    if (p?.PredefinedMetricType === 'ALBRequestCountPerTarget' && !p.ResourceLabel) throw new ValidationError('ResourceLabel is required for the ALBRequestCountPerTarget metric type');
    if (input.AdjustmentType || input.ScalingAdjustment !== undefined || input.StepAdjustments) throw new ValidationError('AdjustmentType, ScalingAdjustment and StepAdjustments are not supported for TargetTrackingScaling policy type');
    trackedMetric(group, tt);
  }
  if (type === 'PredictiveScaling') {
    const pc = input.PredictiveScalingConfiguration;
    if (!pc?.MetricSpecifications?.length) throw new ValidationError('PredictiveScalingConfiguration with one MetricSpecification is required for PredictiveScaling policy type');
    if (pc.MetricSpecifications.length > 1) throw new ValidationError('Only one metric specification is supported');
    if (pc.Mode && pc.Mode !== 'ForecastOnly' && pc.Mode !== 'ForecastAndScale') throw new ValidationError(`Invalid Mode: ${pc.Mode}`);
    if (pc.SchedulingBufferTime !== undefined && (pc.SchedulingBufferTime < 0 || pc.SchedulingBufferTime > 3600)) throw new ValidationError('SchedulingBufferTime must be between 0 and 3600 seconds');
    if (pc.MaxCapacityBreachBehavior && !['HonorMaxCapacity', 'IncreaseMaxCapacity'].includes(pc.MaxCapacityBreachBehavior)) throw new ValidationError(`Invalid MaxCapacityBreachBehavior: ${pc.MaxCapacityBreachBehavior}`);
    if (pc.MaxCapacityBuffer !== undefined && pc.MaxCapacityBreachBehavior !== 'IncreaseMaxCapacity') throw new ValidationError('MaxCapacityBuffer requires MaxCapacityBreachBehavior IncreaseMaxCapacity');
    if (!(pc.MetricSpecifications[0].TargetValue > 0)) throw new ValidationError('TargetValue must be greater than 0');
    loadMetric(group, pc.MetricSpecifications[0]);
  }
}

function policyShape(p: PolicyRow) {
  const c = JSON.parse(p.config) as PolicyConfig;
  const pc = c.PredictiveScalingConfiguration;
  return {
    AutoScalingGroupName: p.group_name, PolicyName: p.name, PolicyARN: p.arn, PolicyType: p.type, AdjustmentType: c.AdjustmentType,
    MinAdjustmentStep: c.MinAdjustmentStep, MinAdjustmentMagnitude: c.MinAdjustmentMagnitude, ScalingAdjustment: c.ScalingAdjustment, Cooldown: c.Cooldown,
    StepAdjustments: c.StepAdjustments, MetricAggregationType: p.type === 'StepScaling' ? c.MetricAggregationType ?? 'Average' : undefined,
    EstimatedInstanceWarmup: c.EstimatedInstanceWarmup, Alarms: JSON.parse(p.alarms), TargetTrackingConfiguration: c.TargetTrackingConfiguration,
    Enabled: c.Enabled ?? true,
    PredictiveScalingConfiguration: pc ? { ...pc, Mode: pc.Mode ?? 'ForecastOnly', SchedulingBufferTime: pc.SchedulingBufferTime ?? 300, MaxCapacityBreachBehavior: pc.MaxCapacityBreachBehavior ?? 'HonorMaxCapacity' } : undefined,
  };
}

function toMs(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  return v instanceof Date ? v.getTime() : new Date(v as string).getTime();
}

export function policyHandlers(e: ScalingEngine) {
  return {
    async PutScalingPolicy(input: PolicyConfig & { AutoScalingGroupName: string; PolicyName: string; PolicyType?: string }, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      if (!input.PolicyName || input.PolicyName.length > 255) throw new ValidationError('PolicyName must be 1 to 255 characters');
      const type = input.PolicyType ?? 'SimpleScaling';
      checkPolicy(type, input, g.name);
      const prior = e.store.policy(s, g.name, input.PolicyName);
      if (!prior && e.store.policies(s, g.name).length >= MAX_POLICIES) throw new LimitExceeded(`You have reached the limit of ${MAX_POLICIES} scaling policies for ${g.name}`);
      const arn = prior?.arn ?? policyArn(s, g.name, input.PolicyName);
      const { AutoScalingGroupName: _a, PolicyName: _n, PolicyType: _t, ...config } = input;
      let alarms: { AlarmName: string; AlarmARN: string }[] = [];
      if (type === 'TargetTrackingScaling') alarms = await e.trackingAlarms(s, g.name, arn, input.TargetTrackingConfiguration!, prior ? JSON.parse(prior.alarms) : []);
      else if (prior && prior.type === 'TargetTrackingScaling') await e.deleteAlarmsOf(s, g.name, prior);
      e.store.upsertPolicy({ arn, ...s, group_name: g.name, name: input.PolicyName, type, config: JSON.stringify(config), alarms: JSON.stringify(alarms), last_executed: prior?.last_executed ?? null });
      e.kick();
      return { PolicyARN: arn, Alarms: alarms };
    },
    DescribePolicies(input: { AutoScalingGroupName?: string; PolicyNames?: string[]; PolicyTypes?: string[]; MaxRecords?: number; NextToken?: string }, s: Scope) {
      if (input.AutoScalingGroupName) findGroup(e, s, input.AutoScalingGroupName);
      let rows = e.store.policies(s, input.AutoScalingGroupName);
      if (input.PolicyNames?.length) rows = rows.filter((p) => input.PolicyNames!.includes(p.name) || input.PolicyNames!.includes(p.arn));
      if (input.PolicyTypes?.length) rows = rows.filter((p) => input.PolicyTypes!.includes(p.type));
      const { items, next } = page(rows, input.MaxRecords, input.NextToken, 100);
      return { ScalingPolicies: items.map(policyShape), NextToken: next };
    },
    async DeletePolicy(input: { AutoScalingGroupName?: string; PolicyName: string }, s: Scope) {
      const p = input.PolicyName.startsWith('arn:') ? e.store.policyByArn(input.PolicyName) : input.AutoScalingGroupName ? e.store.policy(s, input.AutoScalingGroupName, input.PolicyName) : undefined;
      if (!p || p.account !== s.account) throw new ValidationError(`Policy ${input.PolicyName} doesn't exist`);
      await e.deleteAlarmsOf(s, p.group_name, p);
      e.store.deletePolicy(p.arn);
      return {};
    },
    ExecutePolicy(input: { AutoScalingGroupName?: string; PolicyName: string; HonorCooldown?: boolean; MetricValue?: number; BreachThreshold?: number }, s: Scope) {
      const p = input.PolicyName.startsWith('arn:') ? e.store.policyByArn(input.PolicyName) : input.AutoScalingGroupName ? e.store.policy(s, input.AutoScalingGroupName, input.PolicyName) : undefined;
      if (!p || p.account !== s.account) throw new ValidationError(`Policy ${input.PolicyName} doesn't exist`);
      e.executePolicy(s, p, { honorCooldown: !!input.HonorCooldown, metricValue: input.MetricValue, breachThreshold: input.BreachThreshold });
      return {};
    },
    async GetPredictiveScalingForecast(input: { AutoScalingGroupName: string; PolicyName: string; StartTime: Date; EndTime: Date }, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      const p = e.store.policy(s, g.name, input.PolicyName);
      if (!p || p.type !== 'PredictiveScaling') throw new ValidationError(`Predictive scaling policy ${input.PolicyName} doesn't exist for ${g.name}`);
      const start = toMs(input.StartTime)!;
      const end = toMs(input.EndTime)!;
      if (!(end > start)) throw new ValidationError('EndTime must be after StartTime');
      if (end - start > 30 * 24 * 3600_000) throw new ValidationError('The forecast period can be at most 30 days');
      const f = await e.forecast(s, g, p, start, end);
      const keep = f.timestamps.map((t, i) => [t, i] as const).filter(([t]) => t < end);
      return {
        LoadForecast: [{ Timestamps: keep.map(([t]) => new Date(t)), Values: keep.map(([, i]) => f.load[i]), MetricSpecification: f.spec }],
        CapacityForecast: { Timestamps: keep.map(([t]) => new Date(t)), Values: keep.map(([, i]) => f.capacity[i]) },
        UpdateTime: new Date(clockOf(e)),
      };
    },

    PutScheduledUpdateGroupAction(input: { AutoScalingGroupName: string; ScheduledActionName: string; Time?: Date; StartTime?: Date; EndTime?: Date; Recurrence?: string; MinSize?: number; MaxSize?: number; DesiredCapacity?: number; TimeZone?: string }, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      if (!input.ScheduledActionName) throw new ValidationError('ScheduledActionName is required');
      if (input.MinSize === undefined && input.MaxSize === undefined && input.DesiredCapacity === undefined) throw new ValidationError('At least one of MinSize, MaxSize or DesiredCapacity must be specified');
      const min = input.MinSize ?? g.min_size;
      const max = input.MaxSize ?? g.max_size;
      if (min > max) throw new ValidationError(`The scheduled action's minimum size (${min}) must be less than or equal to its maximum size (${max})`);
      const now = clockOf(e);
      const start = toMs(input.StartTime ?? input.Time);
      const endT = toMs(input.EndTime);
      if (input.Recurrence) {
        try {
          parseCron(input.Recurrence);
        } catch (err) {
          throw new ValidationError(`Given recurrence string is not valid: ${input.Recurrence} (${(err as Error).message})`);
        }
      } else if (start === undefined) throw new ValidationError('Either StartTime or Recurrence must be specified');
      if (start !== undefined && !input.Recurrence && start < now) throw new ValidationError(`Given start time is in the past: ${at(start)}`);
      if (endT !== undefined && start !== undefined && endT <= start) throw new ValidationError('EndTime must be after StartTime');
      // The first run: StartTime for a one-time action; the first recurrence at or after StartTime (or now).
      const next = input.Recurrence ? nextCron(input.Recurrence, Math.max(now, (start ?? now) - 60_000), input.TimeZone) ?? null : start!;
      const prior = e.store.scheduled(s, g.name).find((a) => a.name === input.ScheduledActionName);
      if (!prior && e.store.scheduled(s, g.name).length >= MAX_SCHEDULED) throw new LimitExceeded(`You have reached the limit of ${MAX_SCHEDULED} scheduled actions for ${g.name}`);
      const arn = prior?.arn ?? `arn:aws:autoscaling:${s.region}:${s.account}:scheduledUpdateGroupAction:${randomUUID()}:autoScalingGroupName/${g.name}:scheduledActionName/${input.ScheduledActionName}`;
      const config = { MinSize: input.MinSize, MaxSize: input.MaxSize, DesiredCapacity: input.DesiredCapacity, Recurrence: input.Recurrence, StartTime: start, EndTime: endT, TimeZone: input.TimeZone };
      e.store.upsertScheduled({ arn, ...s, group_name: g.name, name: input.ScheduledActionName, config: JSON.stringify(config), next_run: next });
      e.kick();
      return {};
    },
    DescribeScheduledActions(input: { AutoScalingGroupName?: string; ScheduledActionNames?: string[]; StartTime?: Date; EndTime?: Date; MaxRecords?: number; NextToken?: string }, s: Scope) {
      if (input.AutoScalingGroupName) findGroup(e, s, input.AutoScalingGroupName);
      let rows = e.store.scheduled(s, input.AutoScalingGroupName);
      if (input.ScheduledActionNames?.length) rows = rows.filter((a) => input.ScheduledActionNames!.includes(a.name));
      const from = toMs(input.StartTime);
      const to = toMs(input.EndTime);
      if (from !== undefined) rows = rows.filter((a) => a.next_run !== null && a.next_run >= from);
      if (to !== undefined) rows = rows.filter((a) => a.next_run !== null && a.next_run <= to);
      const { items, next } = page(rows, input.MaxRecords, input.NextToken, 100);
      return {
        ScheduledUpdateGroupActions: items.map((a) => {
          const c = JSON.parse(a.config);
          const when = a.next_run !== null ? new Date(a.next_run) : undefined;
          return {
            AutoScalingGroupName: a.group_name, ScheduledActionName: a.name, ScheduledActionARN: a.arn, Time: when, StartTime: when,
            EndTime: c.EndTime !== undefined ? new Date(c.EndTime) : undefined, Recurrence: c.Recurrence, MinSize: c.MinSize, MaxSize: c.MaxSize,
            DesiredCapacity: c.DesiredCapacity, TimeZone: c.TimeZone,
          };
        }),
        NextToken: next,
      };
    },
    DeleteScheduledAction(input: { AutoScalingGroupName: string; ScheduledActionName: string }, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      const a = e.store.scheduled(s, g.name).find((x) => x.name === input.ScheduledActionName);
      if (!a) throw new ValidationError(`Scheduled Update Group Action name not found - Could not find scheduled action ${input.ScheduledActionName} for group ${g.name}`);
      e.store.deleteScheduled(a.arn);
      return {};
    },

    PutLifecycleHook(input: { LifecycleHookName: string; AutoScalingGroupName: string; LifecycleTransition?: string; NotificationTargetARN?: string; RoleARN?: string; NotificationMetadata?: string; HeartbeatTimeout?: number; DefaultResult?: string }, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      const prior = e.store.hooks(s, g.name).find((h) => h.name === input.LifecycleHookName);
      const old = prior ? JSON.parse(prior.config) : {};
      const transition = input.LifecycleTransition ?? old.LifecycleTransition;
      if (!['autoscaling:EC2_INSTANCE_LAUNCHING', 'autoscaling:EC2_INSTANCE_TERMINATING'].includes(transition)) {
        throw new ValidationError(`Invalid Lifecycle Transition: ${transition}. Valid values are autoscaling:EC2_INSTANCE_LAUNCHING and autoscaling:EC2_INSTANCE_TERMINATING`);
      }
      const heartbeat = input.HeartbeatTimeout ?? old.HeartbeatTimeout ?? 3600;
      if (heartbeat < 30 || heartbeat > 7200) throw new ValidationError('HeartbeatTimeout must be between 30 and 7200 seconds');
      const result = input.DefaultResult ?? old.DefaultResult ?? 'ABANDON';
      if (result !== 'CONTINUE' && result !== 'ABANDON') throw new ValidationError(`Invalid DefaultResult: ${result}`);
      if (!prior && e.store.hooks(s, g.name).length >= MAX_HOOKS) throw new LimitExceeded(`You have reached the limit of ${MAX_HOOKS} lifecycle hooks for ${g.name}`);
      const config = { ...old, ...input, LifecycleTransition: transition, HeartbeatTimeout: heartbeat, DefaultResult: result };
      e.store.upsertHook({ ...s, group_name: g.name, name: input.LifecycleHookName, config: JSON.stringify(config) });
      return {};
    },
    DeleteLifecycleHook(input: { LifecycleHookName: string; AutoScalingGroupName: string }, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      if (!e.store.deleteHook(s, g.name, input.LifecycleHookName)) throw new ValidationError(`No Lifecycle Hook found with name ${input.LifecycleHookName} for group ${g.name}`);
      return {};
    },
    DescribeLifecycleHooks(input: { AutoScalingGroupName: string; LifecycleHookNames?: string[] }, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      let hooks = e.store.hooks(s, g.name);
      if (input.LifecycleHookNames?.length) hooks = hooks.filter((h) => input.LifecycleHookNames!.includes(h.name));
      return {
        LifecycleHooks: hooks.map((h) => {
          const c = JSON.parse(h.config);
          return {
            LifecycleHookName: h.name, AutoScalingGroupName: g.name, LifecycleTransition: c.LifecycleTransition, NotificationTargetARN: c.NotificationTargetARN,
            RoleARN: c.RoleARN, NotificationMetadata: c.NotificationMetadata, HeartbeatTimeout: c.HeartbeatTimeout, GlobalTimeout: Math.min(c.HeartbeatTimeout * 100, 172800), DefaultResult: c.DefaultResult,
          };
        }),
      };
    },
    CompleteLifecycleAction(input: { LifecycleHookName: string; AutoScalingGroupName: string; LifecycleActionToken?: string; LifecycleActionResult: string; InstanceId?: string }, s: Scope) {
      const r = waiting(e, s, input);
      if (input.LifecycleActionResult !== 'CONTINUE' && input.LifecycleActionResult !== 'ABANDON') throw new ValidationError(`Invalid LifecycleActionResult: ${input.LifecycleActionResult}`);
      // The next pass acts on it (a deadline of now = "decided").
      e.store.updateInstance(r.instance_id, { hook_result: input.LifecycleActionResult, hook_deadline: clockOf(e) });
      e.kick();
      return {};
    },
    RecordLifecycleActionHeartbeat(input: { LifecycleHookName: string; AutoScalingGroupName: string; LifecycleActionToken?: string; InstanceId?: string }, s: Scope) {
      const r = waiting(e, s, input);
      const hook = e.store.hooks(s, r.group_name).find((h) => h.name === input.LifecycleHookName)!;
      e.store.updateInstance(r.instance_id, { hook_deadline: clockOf(e) + JSON.parse(hook.config).HeartbeatTimeout * 1000 });
      return {};
    },

    StartInstanceRefresh(input: { AutoScalingGroupName: string; Strategy?: string; DesiredConfiguration?: { LaunchTemplate?: unknown; MixedInstancesPolicy?: unknown }; Preferences?: { MinHealthyPercentage?: number; InstanceWarmup?: number; SkipMatching?: boolean; MaxHealthyPercentage?: number } }, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      if (input.Strategy && input.Strategy !== 'Rolling') throw new ValidationError(`Invalid Strategy: ${input.Strategy}`);
      const prefs = input.Preferences ?? {};
      if (prefs.MinHealthyPercentage !== undefined && (prefs.MinHealthyPercentage < 0 || prefs.MinHealthyPercentage > 100)) throw new ValidationError('MinHealthyPercentage must be between 0 and 100');
      if (e.store.refreshes(s, g.name).some((r) => r.status === 'Pending' || r.status === 'InProgress' || r.status === 'Cancelling')) {
        throw new InstanceRefreshInProgress(`An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.`);
      }
      if (input.DesiredConfiguration?.LaunchTemplate || input.DesiredConfiguration?.MixedInstancesPolicy) {
        const cfg = groupConfig(g);
        if (input.DesiredConfiguration.LaunchTemplate) Object.assign(cfg, { launchTemplate: input.DesiredConfiguration.LaunchTemplate, mixedInstancesPolicy: undefined });
        else Object.assign(cfg, { mixedInstancesPolicy: input.DesiredConfiguration.MixedInstancesPolicy, launchTemplate: undefined });
        e.store.updateGroup(s, g.name, { config: JSON.stringify(cfg) });
      }
      const id = randomUUID();
      const count = e.store.instances(s, g.name).filter((r) => r.lifecycle_state === 'InService').length;
      e.store.insertRefresh({
        id, ...s, group_name: g.name, status: 'Pending', status_reason: null, start_time: clockOf(e), end_time: null,
        preferences: JSON.stringify({ MinHealthyPercentage: 90, SkipMatching: false, ...prefs }), instances_to_update: count, replaced: '[]',
        desired_config: input.DesiredConfiguration ? JSON.stringify(input.DesiredConfiguration) : null,
      });
      e.kick();
      return { InstanceRefreshId: id };
    },
    DescribeInstanceRefreshes(input: { AutoScalingGroupName: string; InstanceRefreshIds?: string[]; MaxRecords?: number; NextToken?: string }, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      let rows = e.store.refreshes(s, g.name);
      if (input.InstanceRefreshIds?.length) rows = rows.filter((r) => input.InstanceRefreshIds!.includes(r.id));
      const { items, next } = page(rows, input.MaxRecords, input.NextToken, 100);
      return { InstanceRefreshes: items.map((r) => refreshShape(e, s, r)), NextToken: next };
    },
    CancelInstanceRefresh(input: { AutoScalingGroupName: string }, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      const r = e.store.refreshes(s, g.name).find((x) => x.status === 'Pending' || x.status === 'InProgress');
      if (!r) throw new ActiveInstanceRefreshNotFound('No in progress or pending Instance Refresh found for Auto Scaling group ' + g.name);
      // Instances already being replaced finish; no new ones are taken.
      e.store.updateRefresh(r.id, { status: 'Cancelled', status_reason: 'Cancelled by a user request', end_time: clockOf(e) });
      return { InstanceRefreshId: r.id };
    },

    DescribeScalingActivities(input: { ActivityIds?: string[]; AutoScalingGroupName?: string; MaxRecords?: number; NextToken?: string; IncludeDeletedGroups?: boolean }, s: Scope) {
      const g = input.AutoScalingGroupName ? e.store.group(s, input.AutoScalingGroupName) : undefined;
      if (input.AutoScalingGroupName && !g && !input.IncludeDeletedGroups) throw new ValidationError(`AutoScalingGroup name not found - AutoScalingGroup ${input.AutoScalingGroupName} not found`);
      let rows = e.store.activities(s, input.AutoScalingGroupName);
      if (input.ActivityIds?.length) rows = rows.filter((a) => input.ActivityIds!.includes(a.id));
      const { items, next } = page(rows, input.MaxRecords, input.NextToken, 100);
      return { Activities: items.map((a) => activityShape(a, g ?? e.store.group(s, a.group_name))), NextToken: next };
    },
  };
}

function waiting(e: ScalingEngine, s: Scope, input: { LifecycleHookName: string; AutoScalingGroupName: string; LifecycleActionToken?: string; InstanceId?: string }) {
  const g = findGroup(e, s, input.AutoScalingGroupName);
  if (!input.InstanceId && !input.LifecycleActionToken) throw new ValidationError('Either InstanceId or LifecycleActionToken must be specified');
  const r = e.store.instances(s, g.name).find((x) => (input.InstanceId ? x.instance_id === input.InstanceId : x.hook_token === input.LifecycleActionToken));
  if (!r || !r.lifecycle_state.endsWith(':Wait') || r.hook_name !== input.LifecycleHookName || (input.LifecycleActionToken && r.hook_token !== input.LifecycleActionToken)) {
    throw new ValidationError(`No active Lifecycle Action found with ${input.InstanceId ? `instance ID ${input.InstanceId}` : `token ${input.LifecycleActionToken}`}`);
  }
  return r;
}

function refreshShape(e: ScalingEngine, s: Scope, r: RefreshRow) {
  const replaced = (JSON.parse(r.replaced) as string[]).length;
  const inFlight = e.store.instances(s, r.group_name).filter((x) => (JSON.parse(r.replaced) as string[]).includes(x.instance_id)).length;
  const done = r.status === 'Successful' ? r.instances_to_update : Math.max(0, replaced - inFlight);
  return {
    InstanceRefreshId: r.id, AutoScalingGroupName: r.group_name, Status: r.status, StatusReason: r.status_reason ?? undefined,
    StartTime: new Date(r.start_time), EndTime: r.end_time !== null ? new Date(r.end_time) : undefined,
    PercentageComplete: r.instances_to_update ? Math.min(100, Math.floor((done / r.instances_to_update) * 100)) : r.status === 'Successful' ? 100 : 0,
    InstancesToUpdate: Math.max(0, r.instances_to_update - done), Preferences: JSON.parse(r.preferences),
    DesiredConfiguration: r.desired_config ? JSON.parse(r.desired_config) : undefined, Strategy: 'Rolling',
  };
}
