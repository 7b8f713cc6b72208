import type { ScalingEngine } from '../../engines/scaling/engine.ts';
import { InvalidNextToken, ValidationError } from '../../engines/scaling/errors.ts';
import { groupConfig, type AsgInstanceRow, type GroupRow } from '../../engines/scaling/store.ts';

/** Auto Scaling paging: MaxRecords (1..max, default max) and an opaque NextToken. */
export function page<T>(all: T[], maxRecords: number | undefined, token: string | undefined, max: number): { items: T[]; next?: string } {
  let start = 0;
  if (token) {
    const n = Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^asg:/, ''));
    if (!Number.isInteger(n) || n < 0) throw new InvalidNextToken('The token provided is not valid');
    start = n;
  }
  const size = maxRecords ?? max;
  if (size < 1 || size > max) throw new ValidationError(`MaxRecords must be between 1 and ${max}`);
  const items = all.slice(start, start + size);
  const end = start + items.length;
  return { items, next: end < all.length ? Buffer.from(`asg:${end}`).toString('base64url') : undefined };
}

function templateOf(r: AsgInstanceRow) {
  if (!r.launch_template) return undefined;
  const t = JSON.parse(r.launch_template) as { id: string; name: string; version: number };
  return { LaunchTemplateId: t.id, LaunchTemplateName: t.name, Version: String(t.version) };
}

export function instanceShape(r: AsgInstanceRow) {
  return {
    InstanceId: r.instance_id, InstanceType: r.instance_type ?? undefined, AvailabilityZone: r.az, LifecycleState: r.lifecycle_state,
    HealthStatus: r.health_status, LaunchTemplate: templateOf(r), ImageId: r.image_id ?? undefined, ProtectedFromScaleIn: !!r.protected,
  };
}

export function instanceDetails(r: AsgInstanceRow) {
  // DescribeAutoScalingInstances spells health in upper case (HEALTHY/UNHEALTHY), like AWS.
  return { ...instanceShape(r), AutoScalingGroupName: r.group_name, HealthStatus: r.health_status.toUpperCase() };
}

export function groupShape(e: ScalingEngine, g: GroupRow) {
  const cfg = groupConfig(g);
  const s = { account: g.account, region: g.region };
  return {
    AutoScalingGroupName: g.name, AutoScalingGroupARN: g.arn, LaunchTemplate: cfg.launchTemplate, MixedInstancesPolicy: cfg.mixedInstancesPolicy,
    MinSize: g.min_size, MaxSize: g.max_size, DesiredCapacity: g.desired, PredictedCapacity: e.predictedCapacity(s, g.name),
    DefaultCooldown: cfg.defaultCooldown, AvailabilityZones: cfg.azs, LoadBalancerNames: [], TargetGroupARNs: cfg.targetGroupArns,
    HealthCheckType: cfg.healthCheckType, HealthCheckGracePeriod: cfg.gracePeriod, Instances: e.store.instances(s, g.name).map(instanceShape),
    CreatedTime: new Date(g.created_at), SuspendedProcesses: [], VPCZoneIdentifier: cfg.subnets.join(','), EnabledMetrics: [],
    Status: g.status ?? undefined,
    Tags: e.store.tags(s, g.name).map((t) => ({ ResourceId: g.name, ResourceType: 'auto-scaling-group', Key: t.key, Value: t.value, PropagateAtLaunch: !!t.propagate })),
    TerminationPolicies: cfg.terminationPolicies, NewInstancesProtectedFromScaleIn: cfg.newInstancesProtected, MaxInstanceLifetime: cfg.maxInstanceLifetime,
    CapacityRebalance: cfg.capacityRebalance ?? false, DefaultInstanceWarmup: cfg.defaultInstanceWarmup,
    TrafficSources: cfg.targetGroupArns.map((arn) => ({ Identifier: arn, Type: 'elbv2' })),
    ServiceLinkedRoleARN: `arn:aws:iam::${g.account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
  };
}
