// The scaling engine's seams (ports & adapters). The engine codes against these; Nimbus wires real adapters in
// src/app.ts (EC2 launch path, ELBv2 engine, CloudWatch engine). Unit tests pass in-memory fakes.

export interface Scope { account: string; region: string }

export interface TemplateRef { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string }

/** How the engine launches and watches instances: through EC2's own launch path, so instances are real. */
export interface ComputePort {
  /** Validates a template reference; returns what it resolves to (throws the EC2 error when it does not resolve). */
  resolveTemplate(s: Scope, ref: TemplateRef): { id: string; name: string; version: number; imageId?: string; instanceType?: string };
  /** The subnets an instance can be placed in, with their AZ (default subnets when the group names none). */
  subnets(s: Scope): { id: string; az: string }[];
  launch(s: Scope, req: { template: TemplateRef; instanceType?: string; subnetId: string; tags: { Key: string; Value: string }[] }): Promise<{ instanceId: string; az: string; instanceType: string; imageId: string }>;
  terminate(s: Scope, instanceIds: string[]): Promise<void>;
  /** Current EC2 view; an id missing from the map no longer exists. */
  describe(s: Scope, instanceIds: string[]): Map<string, InstanceView>;
  /** Tags an instance (the aws:autoscaling:groupName tag is reserved: only Auto Scaling sets it). */
  tag(s: Scope, instanceId: string, tags: { Key: string; Value: string }[]): void;
  untag(s: Scope, instanceId: string, keys: string[]): void;
}

export interface InstanceView {
  state: 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated' | string;
  az: string;
  subnetId: string;
  launchTime: number;
  instanceType: string;
  imageId: string;
  /** EC2 status checks: false when the instance is running but its workload is gone. */
  statusOk: boolean;
  tags: Record<string, string>;
}

export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'draining' | 'unused' | 'unavailable';

/** ELBv2 (src/engines/loadbalancer exports this shape). */
export interface LoadBalancerPort {
  registerTargets(targetGroupArn: string, targets: { id: string; port?: number }[]): Promise<void>;
  /** Resolves when draining (the target group's deregistration delay, in-flight requests) is done. */
  deregisterTargets(targetGroupArn: string, targets: { id: string; port?: number }[]): Promise<void>;
  targetHealth(targetGroupArn: string): Promise<{ id: string; state: TargetHealthState }[]>;
}

export interface Dimension { Name: string; Value: string }

export interface MetricQuery {
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
  statistic: 'Average' | 'Sum' | 'Maximum' | 'Minimum' | 'SampleCount';
  /** Seconds. */
  period: number;
  /** Epoch ms, inclusive start / exclusive end. */
  start: number;
  end: number;
}

export interface Datapoint { timestamp: number; value: number }

/** CloudWatch metrics (src/engines/metrics). */
export interface MetricsPort {
  statistics(s: Scope, q: MetricQuery): Promise<Datapoint[]> | Datapoint[];
  put(s: Scope, namespace: string, data: { metricName: string; dimensions: Dimension[]; value: number; timestamp?: number; unit?: string }[]): Promise<void> | void;
}

export interface AlarmSpec {
  name: string;
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
  statistic: MetricQuery['statistic'];
  period: number;
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  threshold: number;
  comparison: 'GreaterThanThreshold' | 'LessThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanOrEqualToThreshold';
  /** Scaling policy ARNs (arn:aws:autoscaling:…); CloudWatch calls the registered alarm action handler with them. */
  alarmActions: string[];
  description?: string;
}

/** CloudWatch alarms: target tracking policies own two alarms each (AlarmHigh / AlarmLow). */
export interface AlarmsPort {
  putMetricAlarm(s: Scope, alarm: AlarmSpec): Promise<void> | void;
  deleteAlarms(s: Scope, names: string[]): Promise<void> | void;
}

/** What CloudWatch passes to an alarm action handled by Auto Scaling. */
export interface AlarmNotice {
  alarmName: string;
  state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  threshold?: number;
  /** The newest datapoint the alarm evaluated. */
  value?: number;
}

/** CloudWatch's registry of alarm action handlers: `registerAlarmAction('arn:aws:autoscaling:', handler)`. */
export type RegisterAlarmAction = (prefix: string, handler: (actionArn: string, alarm: AlarmNotice) => Promise<void>) => void;
