import { at, type ScalingEngine } from '../../engines/scaling/engine.ts';
import { AlreadyExists, LimitExceeded, ResourceInUse, ScalingActivityInProgress, ValidationError } from '../../engines/scaling/errors.ts';
import type { ComputePort, Scope, TemplateRef } from '../../engines/scaling/ports.ts';
import { groupConfig, type GroupConfig, type GroupRow } from '../../engines/scaling/store.ts';
import { TERMINATION_POLICIES } from '../../engines/scaling/termination.ts';
import { groupShape, instanceDetails, page } from './shape.ts';

// Groups, their instances, target groups and tags.

/** AWS default quota: 500 groups per region. */
export const MAX_GROUPS = 500;

type Tag = { ResourceId?: string; ResourceType?: string; Key: string; Value?: string; PropagateAtLaunch?: boolean };

export function groupArn(s: Scope, name: string, id: string): string {
  return `arn:aws:autoscaling:${s.region}:${s.account}:autoScalingGroup:${id}:autoScalingGroupName/${name}`;
}

export function findGroup(e: ScalingEngine, s: Scope, name: string | undefined): GroupRow {
  if (!name) throw new ValidationError('1 validation error detected: Value null at \'autoScalingGroupName\' failed to satisfy constraint: Member must not be null');
  const g = e.store.group(s, name);
  if (!g) throw new ValidationError(`AutoScalingGroup name not found - AutoScalingGroup ${name} not found`);
  return g;
}

function checkName(name: string | undefined): string {
  if (!name) throw new ValidationError("1 validation error detected: Value null at 'autoScalingGroupName' failed to satisfy constraint: Member must not be null");
  if (name.length > 255 || /[:]/.test(name) && name.startsWith('arn:')) throw new ValidationError(`Invalid AutoScalingGroup name: ${name}`);
  return name;
}

function checkSizes(min: number, max: number, desired: number | undefined): void {
  if (min < 0 || max < 0) throw new ValidationError('MinSize and MaxSize must be non-negative');
  if (min > max) throw new ValidationError(`The minimum size of the group (${min}) must be less than or equal to the maximum size of the group (${max}).`);
  if (desired !== undefined && (desired < min || desired > max)) {
    throw new ValidationError(`Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`);
  }
}

function checkTemplate(compute: ComputePort, s: Scope, ref: TemplateRef | undefined): void {
  if (!ref) return;
  try {
    compute.resolveTemplate(s, ref);
  } catch (err) {
    // AWS answers a bad template reference of an Auto Scaling call with ValidationError.
    throw new ValidationError(`You must use a valid fully-formed launch template. ${(err as Error).message}`);
  }
}

function subnetsOf(compute: ComputePort, s: Scope, vpcZoneIdentifier: string | undefined, azs: string[] | undefined): { subnets: string[]; azs: string[] } {
  const known = compute.subnets(s);
  if (vpcZoneIdentifier) {
    const ids = vpcZoneIdentifier.split(',').map((x) => x.trim()).filter(Boolean);
    for (const id of ids) if (!known.some((k) => k.id === id)) throw new ValidationError(`The subnet ID '${id}' does not exist`);
    return { subnets: ids, azs: [...new Set(ids.map((id) => known.find((k) => k.id === id)!.az))] };
  }
  if (azs?.length) {
    for (const az of azs) if (!known.some((k) => k.az === az)) throw new ValidationError(`The availability zone ${az} is not legally formatted or does not exist`);
    return { subnets: [], azs };
  }
  throw new ValidationError('At least one Availability Zone or VPC Subnet is required.');
}

function checkPolicies(p: string[] | undefined): string[] {
  for (const x of p ?? []) if (!TERMINATION_POLICIES.includes(x) && !x.startsWith('arn:aws:lambda:')) throw new ValidationError(`Unsupported termination policy: ${x}`);
  return p?.length ? p : ['Default'];
}

function checkTags(tags: Tag[] | undefined, name: string): Tag[] {
  for (const t of tags ?? []) {
    if (!t.Key) throw new ValidationError('Tag key must not be empty');
    if (t.Key.toLowerCase().startsWith('aws:')) throw new ValidationError(`Tag keys starting with 'aws:' are reserved for internal use: ${t.Key}`);
    if (t.ResourceId && t.ResourceId !== name) throw new ValidationError(`Tag ResourceId ${t.ResourceId} does not match the group ${name}`);
  }
  if ((tags?.length ?? 0) > 50) throw new ValidationError('A group can have at most 50 tags');
  return tags ?? [];
}

export function groupHandlers(e: ScalingEngine, compute: ComputePort) {
  const shape = (g: GroupRow) => groupShape(e, g);
  return {
    CreateAutoScalingGroup(input: any, s: Scope) {
      const name = checkName(input.AutoScalingGroupName);
      if (input.LaunchConfigurationName) throw new ValidationError('Launch configurations are not supported by Nimbus (AWS is retiring them): use a launch template');
      if (input.InstanceId) throw new ValidationError('Creating a group from an instance (InstanceId) is not supported: use a launch template');
      const ref: TemplateRef | undefined = input.LaunchTemplate ?? input.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
      if (!ref) throw new ValidationError('Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.');
      if (input.LaunchTemplate && input.MixedInstancesPolicy) throw new ValidationError('Valid requests must contain either LaunchTemplate or MixedInstancesPolicy, not both.');
      checkTemplate(compute, s, ref);
      const min = input.MinSize;
      const max = input.MaxSize;
      checkSizes(min, max, input.DesiredCapacity);
      const desired = input.DesiredCapacity ?? min;
      const where = subnetsOf(compute, s, input.VPCZoneIdentifier, input.AvailabilityZones);
      const hc = input.HealthCheckType ?? 'EC2';
      if (hc !== 'EC2' && hc !== 'ELB') throw new ValidationError(`Invalid health check type: ${hc}. Valid values are EC2 and ELB.`);
      const tgs: string[] = [...(input.TargetGroupARNs ?? []), ...((input.TrafficSources ?? []) as { Identifier: string }[]).map((t) => t.Identifier)];
      const cfg: GroupConfig = {
        launchTemplate: input.LaunchTemplate, mixedInstancesPolicy: input.MixedInstancesPolicy, subnets: where.subnets, azs: where.azs,
        healthCheckType: hc, gracePeriod: input.HealthCheckGracePeriod ?? 0, targetGroupArns: [...new Set(tgs)], defaultCooldown: input.DefaultCooldown ?? 300,
        terminationPolicies: checkPolicies(input.TerminationPolicies), newInstancesProtected: !!input.NewInstancesProtectedFromScaleIn,
        defaultInstanceWarmup: input.DefaultInstanceWarmup, maxInstanceLifetime: input.MaxInstanceLifetime, capacityRebalance: input.CapacityRebalance,
      };
      const tags = checkTags(input.Tags, name);
      e.store.tx(() => {
        if (e.store.group(s, name)) throw new AlreadyExists(`AutoScalingGroup by this name already exists - A group with the name ${name} already exists`);
        if (e.store.groups(s).length >= MAX_GROUPS) throw new LimitExceeded(`You have reached your quota of ${MAX_GROUPS} Auto Scaling groups`);
        const t = clockOf(e);
        e.store.insertGroup({
          ...s, name, arn: groupArn(s, name, crypto.randomUUID()), min_size: min, max_size: max, desired, config: JSON.stringify(cfg), status: null,
          created_at: t, last_scaling_at: null,
          pending_cause: desired > 0 ? `At ${at(t)} a user request created an AutoScalingGroup changing the desired capacity from 0 to ${desired}.` : null,
        });
        for (const tag of tags) e.store.setTag({ ...s, group_name: name, key: tag.Key, value: tag.Value ?? '', propagate: tag.PropagateAtLaunch ? 1 : 0 });
        for (const h of input.LifecycleHookSpecificationList ?? []) {
          e.store.upsertHook({ ...s, group_name: name, name: h.LifecycleHookName, config: JSON.stringify({ ...h, HeartbeatTimeout: h.HeartbeatTimeout ?? 3600, DefaultResult: h.DefaultResult ?? 'ABANDON' }) });
        }
      });
      e.kick();
      return {};
    },

    UpdateAutoScalingGroup(input: any, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      if (g.status) throw new ScalingActivityInProgress(`AutoScalingGroup ${g.name} is being deleted`);
      const cfg = groupConfig(g);
      const ref: TemplateRef | undefined = input.LaunchTemplate ?? input.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
      if (ref) checkTemplate(compute, s, ref);
      if (input.LaunchTemplate) {
        cfg.launchTemplate = input.LaunchTemplate;
        cfg.mixedInstancesPolicy = undefined;
      }
      if (input.MixedInstancesPolicy) {
        cfg.mixedInstancesPolicy = input.MixedInstancesPolicy;
        cfg.launchTemplate = undefined;
      }
      if (input.VPCZoneIdentifier || input.AvailabilityZones?.length) Object.assign(cfg, subnetsOf(compute, s, input.VPCZoneIdentifier, input.AvailabilityZones));
      if (input.HealthCheckType) {
        if (input.HealthCheckType !== 'EC2' && input.HealthCheckType !== 'ELB') throw new ValidationError(`Invalid health check type: ${input.HealthCheckType}`);
        cfg.healthCheckType = input.HealthCheckType;
      }
      if (input.HealthCheckGracePeriod !== undefined) cfg.gracePeriod = input.HealthCheckGracePeriod;
      if (input.DefaultCooldown !== undefined) cfg.defaultCooldown = input.DefaultCooldown;
      if (input.TerminationPolicies) cfg.terminationPolicies = checkPolicies(input.TerminationPolicies);
      if (input.NewInstancesProtectedFromScaleIn !== undefined) cfg.newInstancesProtected = input.NewInstancesProtectedFromScaleIn;
      if (input.DefaultInstanceWarmup !== undefined) cfg.defaultInstanceWarmup = input.DefaultInstanceWarmup;
      if (input.MaxInstanceLifetime !== undefined) cfg.maxInstanceLifetime = input.MaxInstanceLifetime;
      if (input.CapacityRebalance !== undefined) cfg.capacityRebalance = input.CapacityRebalance;
      const min = input.MinSize ?? g.min_size;
      const max = input.MaxSize ?? g.max_size;
      if (min > max) throw new ValidationError(`The minimum size of the group (${min}) must be less than or equal to the maximum size of the group (${max}).`);
      if (input.DesiredCapacity !== undefined) checkSizes(min, max, input.DesiredCapacity);
      e.store.updateGroup(s, g.name, { config: JSON.stringify(cfg) });
      const now = clockOf(e);
      e.changeCapacity(s, g.name, { min, max, desired: input.DesiredCapacity }, (a, b) =>
        `At ${at(now)} a user request update of AutoScalingGroup constraints to min: ${min}, max: ${max}, desired: ${b} changing the desired capacity from ${a} to ${b}.`);
      return {};
    },

    DeleteAutoScalingGroup(input: { AutoScalingGroupName: string; ForceDelete?: boolean }, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      const rows = e.store.instances(s, g.name);
      if (rows.length && !input.ForceDelete) {
        const busy = rows.some((r) => r.lifecycle_state !== 'InService');
        if (busy) throw new ScalingActivityInProgress('You cannot delete an AutoScalingGroup while there are scaling activities in progress for that group.');
        throw new ResourceInUse('You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.');
      }
      if (!rows.length) {
        void e.deleteAlarmsOf(s, g.name);
        e.store.tx(() => e.store.deleteGroup(s, g.name));
        return {};
      }
      // ForceDelete: terminate everything, then the group goes (AWS: Status "Delete in progress").
      e.store.updateGroup(s, g.name, { status: 'Delete in progress', min_size: 0, desired: 0, pending_cause: `At ${at(clockOf(e))} a user request deleted the AutoScalingGroup.` });
      e.kick();
      return {};
    },

    DescribeAutoScalingGroups(input: { AutoScalingGroupNames?: string[]; MaxRecords?: number; NextToken?: string; Filters?: { Name?: string; Values?: string[] }[] }, s: Scope) {
      let groups = e.store.groups(s);
      if (input.AutoScalingGroupNames?.length) groups = groups.filter((g) => input.AutoScalingGroupNames!.includes(g.name));
      for (const f of input.Filters ?? []) {
        const vals = f.Values ?? [];
        groups = groups.filter((g) => {
          const tags = e.store.tags(s, g.name);
          if (f.Name === 'tag-key') return tags.some((t) => vals.includes(t.key));
          if (f.Name === 'tag-value') return tags.some((t) => vals.includes(t.value));
          if (f.Name?.startsWith('tag:')) return tags.some((t) => t.key === f.Name!.slice(4) && vals.includes(t.value));
          throw new ValidationError(`Filter ${f.Name} is not supported`);
        });
      }
      const { items, next } = page(groups, input.MaxRecords, input.NextToken, 100);
      return { AutoScalingGroups: items.map(shape), NextToken: next };
    },

    DescribeAutoScalingInstances(input: { InstanceIds?: string[]; MaxRecords?: number; NextToken?: string }, s: Scope) {
      let rows = e.store.allInstances(s);
      if (input.InstanceIds?.length) rows = rows.filter((r) => input.InstanceIds!.includes(r.instance_id));
      const { items, next } = page(rows, input.MaxRecords, input.NextToken, 50);
      return { AutoScalingInstances: items.map(instanceDetails), NextToken: next };
    },

    SetDesiredCapacity(input: { AutoScalingGroupName: string; DesiredCapacity: number; HonorCooldown?: boolean }, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      if (input.DesiredCapacity > g.max_size) throw new ValidationError(`New SetDesiredCapacity value ${input.DesiredCapacity} is above max value ${g.max_size} for the AutoScalingGroup.`);
      if (input.DesiredCapacity < g.min_size) throw new ValidationError(`New SetDesiredCapacity value ${input.DesiredCapacity} is below min value ${g.min_size} for the AutoScalingGroup.`);
      const now = clockOf(e);
      e.changeCapacity(s, g.name, { desired: input.DesiredCapacity }, (a, b) => `At ${at(now)} a user request explicitly set group desired capacity changing the desired capacity from ${a} to ${b}.`, { honorCooldown: !!input.HonorCooldown });
      return {};
    },

    TerminateInstanceInAutoScalingGroup(input: { InstanceId: string; ShouldDecrementDesiredCapacity: boolean }, s: Scope) {
      const r = e.store.instance(input.InstanceId);
      if (!r || r.account !== s.account || r.region !== s.region) throw new ValidationError(`Instance Id not found - No managed instance found for instance ID: ${input.InstanceId}`);
      const g = findGroup(e, s, r.group_name);
      const now = clockOf(e);
      const count = e.store.instances(s, g.name).filter((x) => !x.lifecycle_state.startsWith('Terminating')).length;
      if (input.ShouldDecrementDesiredCapacity) {
        if (g.desired - 1 < g.min_size) throw new ValidationError(`Currently, desiredCapacity (${g.desired}) is at min size. Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`);
        e.store.updateGroup(s, g.name, { desired: g.desired - 1, last_scaling_at: now });
      }
      const cause = input.ShouldDecrementDesiredCapacity
        ? `At ${at(now)} instance ${r.instance_id} was taken out of service in response to a user request, shrinking the capacity from ${count} to ${count - 1}.`
        : `At ${at(now)} instance ${r.instance_id} was taken out of service in response to a user request.`;
      e.beginTerminate(s, g.name, r, cause);
      e.kick();
      const a = e.store.activity(e.store.instance(r.instance_id)!.activity_id!)!;
      return { Activity: activityShape(a, g) };
    },

    SetInstanceProtection(input: { InstanceIds: string[]; AutoScalingGroupName: string; ProtectedFromScaleIn: boolean }, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      e.store.tx(() => {
        for (const id of input.InstanceIds ?? []) {
          const r = e.store.instance(id);
          if (!r || r.group_name !== g.name || r.account !== s.account) throw new ValidationError(`The instance ${id} is not part of Auto Scaling group ${g.name}.`);
          e.store.updateInstance(id, { protected: input.ProtectedFromScaleIn ? 1 : 0 });
        }
      });
      return {};
    },

    SetInstanceHealth(input: { InstanceId: string; HealthStatus: string; ShouldRespectGracePeriod?: boolean }, s: Scope) {
      const r = e.store.instance(input.InstanceId);
      if (!r || r.account !== s.account || r.region !== s.region) throw new ValidationError(`Instance Id not found - No managed instance found for instance ID: ${input.InstanceId}`);
      if (input.HealthStatus !== 'Healthy' && input.HealthStatus !== 'Unhealthy') throw new ValidationError(`Valid values for HealthStatus are Healthy and Unhealthy: ${input.HealthStatus}`);
      const g = findGroup(e, s, r.group_name);
      if (input.HealthStatus === 'Unhealthy' && input.ShouldRespectGracePeriod !== false && clockOf(e) - r.launched_at < groupConfig(g).gracePeriod * 1000) return {};
      e.store.updateInstance(r.instance_id, { health_status: input.HealthStatus });
      e.kick();
      return {};
    },

    AttachInstances(input: { InstanceIds?: string[]; AutoScalingGroupName: string }, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      const ids = input.InstanceIds ?? [];
      const view = compute.describe(s, ids);
      const current = e.store.instances(s, g.name).filter((r) => !r.lifecycle_state.startsWith('Terminating')).length;
      if (current + ids.length > g.max_size) throw new ValidationError(`Attaching ${ids.length} instance(s) to ${g.name} would exceed the group's max size of ${g.max_size}.`);
      const now = clockOf(e);
      e.store.tx(() => {
        for (const id of ids) {
          const v = view.get(id);
          if (!v || v.state !== 'running') throw new ValidationError(`Instance ${id} is not in a running state.`);
          if (e.store.instance(id)) throw new ValidationError(`The instance ${id} is already part of an Auto Scaling group.`);
          const cfg = groupConfig(g);
          if (cfg.subnets.length && !cfg.subnets.includes(v.subnetId) && !cfg.azs.includes(v.az)) throw new ValidationError(`Instance ${id} is not in a subnet or Availability Zone of the group.`);
          e.store.insertInstance({
            instance_id: id, ...s, group_name: g.name, lifecycle_state: 'Pending', health_status: 'Healthy', protected: cfg.newInstancesProtected ? 1 : 0,
            launch_template: null, instance_type: v.instanceType, image_id: v.imageId, az: v.az, launched_at: now, in_service_at: null, hook_name: null,
            hook_token: null, hook_deadline: null, hook_result: null, activity_id: null, refresh_id: null, updated_at: now,
          });
          compute.tag(s, id, [{ Key: 'aws:autoscaling:groupName', Value: g.name }]);
        }
        const from = g.desired;
        const to = g.desired + ids.length;
        e.store.updateGroup(s, g.name, { desired: to });
        for (const id of ids) {
          e.store.insertActivity({
            id: crypto.randomUUID(), ...s, group_name: g.name, description: `Attaching an existing EC2 instance: ${id}`,
            cause: `At ${at(now)} a user request attached instance ${id} changing the desired capacity from ${from} to ${to}.`, details: null,
            status_code: 'Successful', status_message: null, progress: 100, start_time: now, end_time: now,
          });
        }
      });
      e.kick();
      return {};
    },

    DetachInstances(input: { InstanceIds?: string[]; AutoScalingGroupName: string; ShouldDecrementDesiredCapacity: boolean }, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      const ids = input.InstanceIds ?? [];
      const now = clockOf(e);
      const activities: object[] = [];
      e.store.tx(() => {
        for (const id of ids) {
          const r = e.store.instance(id);
          if (!r || r.group_name !== g.name) throw new ValidationError(`The instance ${id} is not part of Auto Scaling group ${g.name}.`);
        }
        if (input.ShouldDecrementDesiredCapacity && g.desired - ids.length < g.min_size) {
          throw new ValidationError(`Detaching ${ids.length} instance(s) with ShouldDecrementDesiredCapacity would violate the group's min size of ${g.min_size}.`);
        }
        const to = input.ShouldDecrementDesiredCapacity ? g.desired - ids.length : g.desired;
        if (to !== g.desired) e.store.updateGroup(s, g.name, { desired: to });
        for (const id of ids) {
          e.store.deleteInstance(id);
          compute.untag(s, id, ['aws:autoscaling:groupName']);
          const a = {
            id: crypto.randomUUID(), ...s, group_name: g.name, description: `Detaching EC2 instance: ${id}`,
            cause: `At ${at(now)} instance ${id} was detached in response to a user request${to !== g.desired ? `, shrinking the capacity from ${g.desired} to ${to}` : ''}.`,
            details: null, status_code: 'Successful', status_message: null, progress: 100, start_time: now, end_time: now,
          };
          e.store.insertActivity(a);
          activities.push(activityShape(a, g));
        }
      });
      // Detached instances leave the target groups (AWS deregisters them) but keep running.
      const cfg = groupConfig(g);
      if (e.lb) for (const tg of cfg.targetGroupArns) void e.lb.deregisterTargets(tg, ids.map((id) => ({ id }))).catch(() => undefined);
      e.kick();
      return { Activities: activities };
    },

    AttachLoadBalancerTargetGroups(input: { AutoScalingGroupName: string; TargetGroupARNs: string[] }, s: Scope) {
      return attachTargetGroups(e, s, input.AutoScalingGroupName, input.TargetGroupARNs ?? [], true);
    },
    DetachLoadBalancerTargetGroups(input: { AutoScalingGroupName: string; TargetGroupARNs: string[] }, s: Scope) {
      return attachTargetGroups(e, s, input.AutoScalingGroupName, input.TargetGroupARNs ?? [], false);
    },
    DescribeLoadBalancerTargetGroups(input: { AutoScalingGroupName: string; MaxRecords?: number; NextToken?: string }, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      const { items, next } = page(groupConfig(g).targetGroupArns, input.MaxRecords, input.NextToken, 100);
      return { LoadBalancerTargetGroups: items.map((arn) => ({ LoadBalancerTargetGroupARN: arn, State: 'InService' })), NextToken: next };
    },
    AttachTrafficSources(input: { AutoScalingGroupName: string; TrafficSources: { Identifier: string; Type?: string }[] }, s: Scope) {
      const bad = (input.TrafficSources ?? []).find((t) => t.Type && t.Type !== 'elbv2');
      if (bad) throw new ValidationError(`Traffic source type ${bad.Type} is not supported by Nimbus (only elbv2 target groups)`);
      return attachTargetGroups(e, s, input.AutoScalingGroupName, (input.TrafficSources ?? []).map((t) => t.Identifier), true);
    },
    DetachTrafficSources(input: { AutoScalingGroupName: string; TrafficSources: { Identifier: string }[] }, s: Scope) {
      return attachTargetGroups(e, s, input.AutoScalingGroupName, (input.TrafficSources ?? []).map((t) => t.Identifier), false);
    },
    DescribeTrafficSources(input: { AutoScalingGroupName: string; TrafficSourceType?: string; MaxRecords?: number; NextToken?: string }, s: Scope) {
      const g = findGroup(e, s, input.AutoScalingGroupName);
      const list = input.TrafficSourceType && input.TrafficSourceType !== 'elbv2' ? [] : groupConfig(g).targetGroupArns;
      const { items, next } = page(list, input.MaxRecords, input.NextToken, 50);
      return { TrafficSources: items.map((arn) => ({ TrafficSource: arn, Identifier: arn, Type: 'elbv2', State: 'InService' })), NextToken: next };
    },

    CreateOrUpdateTags(input: { Tags: Tag[] }, s: Scope) {
      e.store.tx(() => {
        for (const t of input.Tags ?? []) {
          if (t.ResourceType && t.ResourceType !== 'auto-scaling-group') throw new ValidationError(`Invalid ResourceType: ${t.ResourceType}`);
          const g = findGroup(e, s, t.ResourceId);
          checkTags([t], g.name);
          e.store.setTag({ ...s, group_name: g.name, key: t.Key, value: t.Value ?? '', propagate: t.PropagateAtLaunch ? 1 : 0 });
        }
      });
      return {};
    },
    DeleteTags(input: { Tags: Tag[] }, s: Scope) {
      e.store.tx(() => {
        for (const t of input.Tags ?? []) {
          const g = findGroup(e, s, t.ResourceId);
          e.store.deleteTag(s, g.name, t.Key);
        }
      });
      return {};
    },
    DescribeTags(input: { Filters?: { Name?: string; Values?: string[] }[]; MaxRecords?: number; NextToken?: string }, s: Scope) {
      let tags = e.store.tags(s);
      for (const f of input.Filters ?? []) {
        const v = f.Values ?? [];
        const get: Record<string, (t: (typeof tags)[number]) => string> = {
          'auto-scaling-group': (t) => t.group_name, key: (t) => t.key, value: (t) => t.value, 'propagate-at-launch': (t) => String(!!t.propagate),
        };
        if (!get[f.Name ?? '']) throw new ValidationError(`Filter type ${f.Name} is not correct. Allowed Filter types are: auto-scaling-group key value propagate-at-launch`);
        tags = tags.filter((t) => v.includes(get[f.Name!](t)));
      }
      const { items, next } = page(tags, input.MaxRecords, input.NextToken, 100);
      return {
        Tags: items.map((t) => ({ ResourceId: t.group_name, ResourceType: 'auto-scaling-group', Key: t.key, Value: t.value, PropagateAtLaunch: !!t.propagate })),
        NextToken: next,
      };
    },
    DescribeAccountLimits(_input: unknown, s: Scope) {
      return { MaxNumberOfAutoScalingGroups: MAX_GROUPS, MaxNumberOfLaunchConfigurations: 200, NumberOfAutoScalingGroups: e.store.groups(s).length, NumberOfLaunchConfigurations: 0 };
    },
  };
}

function attachTargetGroups(e: ScalingEngine, s: Scope, name: string, arns: string[], attach: boolean) {
  const g = findGroup(e, s, name);
  for (const a of arns) if (!/^arn:aws:elasticloadbalancing:[^:]+:\d{12}:targetgroup\/[^/]+\/[0-9a-f]+$/.test(a)) throw new ValidationError(`Invalid target group ARN: ${a}`);
  const cfg = groupConfig(g);
  const before = new Set(cfg.targetGroupArns);
  if (attach && before.size + arns.filter((a) => !before.has(a)).length > 50) throw new LimitExceeded('A group can have at most 50 target groups');
  cfg.targetGroupArns = attach ? [...new Set([...cfg.targetGroupArns, ...arns])] : cfg.targetGroupArns.filter((a) => !arns.includes(a));
  e.store.updateGroup(s, g.name, { config: JSON.stringify(cfg) });
  const ids = e.store.instances(s, g.name).filter((r) => r.lifecycle_state === 'InService').map((r) => ({ id: r.instance_id }));
  if (e.lb && ids.length) {
    for (const tg of arns) {
      if (attach && !before.has(tg)) void e.lb.registerTargets(tg, ids).catch(() => undefined);
      if (!attach && before.has(tg)) void e.lb.deregisterTargets(tg, ids).catch(() => undefined);
    }
  }
  e.kick();
  return {};
}

export function activityShape(a: { id: string; group_name: string; description: string; cause: string; start_time: number; end_time: number | null; status_code: string; status_message: string | null; progress: number; details: string | null }, g?: GroupRow) {
  return {
    ActivityId: a.id, AutoScalingGroupName: a.group_name, AutoScalingGroupARN: g?.arn, Description: a.description, Cause: a.cause,
    StartTime: new Date(a.start_time), EndTime: a.end_time !== null ? new Date(a.end_time) : undefined, StatusCode: a.status_code,
    StatusMessage: a.status_message ?? undefined, Progress: a.progress, Details: a.details ?? '{}',
  };
}

/** The engine's clock (handlers see no clock of their own). */
export const clockOf = (e: ScalingEngine): number => e.now();
