import type { Db } from '../../store/db.ts';

// Every SQL statement of Application Auto Scaling (migrations/012_ecs.sql: appscaling_*).

export interface Scope { account: string; region: string }

export interface TargetDoc {
  account: string;
  region: string;
  namespace: string;
  resourceId: string;
  dimension: string;
  minCapacity: number;
  maxCapacity: number;
  roleArn: string;
  suspended: { DynamicScalingInSuspended?: boolean; DynamicScalingOutSuspended?: boolean; ScheduledScalingSuspended?: boolean };
  arn: string;
  createdAt: number;
  tags: Record<string, string>;
}

export interface PolicyDoc {
  arn: string;
  account: string;
  region: string;
  name: string;
  namespace: string;
  resourceId: string;
  dimension: string;
  type: 'TargetTrackingScaling' | 'StepScaling';
  targetTracking?: {
    TargetValue: number;
    PredefinedMetricSpecification?: { PredefinedMetricType: string; ResourceLabel?: string };
    CustomizedMetricSpecification?: { MetricName?: string; Namespace?: string; Dimensions?: Array<{ Name: string; Value: string }>; Statistic?: string; Unit?: string };
    ScaleOutCooldown?: number;
    ScaleInCooldown?: number;
    DisableScaleIn?: boolean;
  };
  step?: {
    AdjustmentType?: string;
    StepAdjustments?: Array<{ MetricIntervalLowerBound?: number; MetricIntervalUpperBound?: number; ScalingAdjustment: number }>;
    MinAdjustmentMagnitude?: number;
    Cooldown?: number;
    MetricAggregationType?: string;
  };
  alarms: Array<{ AlarmName: string; AlarmARN: string }>;
  createdAt: number;
  /** When this policy last scaled out / in (cooldowns). */
  lastScaleOutAt?: number;
  lastScaleInAt?: number;
}

export interface ActivityDoc {
  id: string;
  account: string;
  region: string;
  namespace: string;
  resourceId: string;
  dimension: string;
  description: string;
  cause: string;
  startTime: number;
  endTime?: number;
  statusCode: 'Pending' | 'InProgress' | 'Successful' | 'Overridden' | 'Unfulfilled' | 'Failed';
  statusMessage?: string;
}

export class AppScalingStore {
  private s;
  constructor(private db: Db) {
    this.s = {
      targets: db.prepare('SELECT doc FROM appscaling_targets'),
      putTarget: db.prepare('INSERT OR REPLACE INTO appscaling_targets (account, region, namespace, resource_id, dimension, doc) VALUES (@account, @region, @namespace, @resourceId, @dimension, @doc)'),
      deleteTarget: db.prepare('DELETE FROM appscaling_targets WHERE account = ? AND region = ? AND namespace = ? AND resource_id = ? AND dimension = ?'),
      policies: db.prepare('SELECT doc FROM appscaling_policies'),
      putPolicy: db.prepare('INSERT OR REPLACE INTO appscaling_policies (arn, account, region, namespace, resource_id, dimension, name, doc) VALUES (@arn, @account, @region, @namespace, @resourceId, @dimension, @name, @doc)'),
      deletePolicy: db.prepare('DELETE FROM appscaling_policies WHERE arn = ?'),
      activities: db.prepare('SELECT doc FROM appscaling_activities WHERE account = ? AND region = ? AND namespace = ? ORDER BY start_time DESC LIMIT 1000'),
      putActivity: db.prepare('INSERT OR REPLACE INTO appscaling_activities (id, account, region, namespace, resource_id, start_time, doc) VALUES (@id, @account, @region, @namespace, @resourceId, @startTime, @doc)'),
      pruneActivities: db.prepare('DELETE FROM appscaling_activities WHERE start_time < ?'),
    };
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
  targets(): TargetDoc[] {
    return (this.s.targets.all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as TargetDoc);
  }
  putTarget(t: TargetDoc): void {
    this.s.putTarget.run({ ...t, doc: JSON.stringify(t) });
  }
  deleteTarget(t: TargetDoc): void {
    this.s.deleteTarget.run(t.account, t.region, t.namespace, t.resourceId, t.dimension);
  }
  policies(): PolicyDoc[] {
    return (this.s.policies.all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as PolicyDoc);
  }
  putPolicy(p: PolicyDoc): void {
    this.s.putPolicy.run({ arn: p.arn, account: p.account, region: p.region, namespace: p.namespace, resourceId: p.resourceId, dimension: p.dimension, name: p.name, doc: JSON.stringify(p) });
  }
  deletePolicy(arn: string): void {
    this.s.deletePolicy.run(arn);
  }
  activities(s: Scope, namespace: string): ActivityDoc[] {
    return (this.s.activities.all(s.account, s.region, namespace) as { doc: string }[]).map((r) => JSON.parse(r.doc) as ActivityDoc);
  }
  putActivity(a: ActivityDoc): void {
    this.s.putActivity.run({ id: a.id, account: a.account, region: a.region, namespace: a.namespace, resourceId: a.resourceId, startTime: a.startTime, doc: JSON.stringify(a) });
  }
  /** AWS keeps scaling activities for six weeks. */
  pruneActivities(before: number): void {
    this.s.pruneActivities.run(before);
  }
}
