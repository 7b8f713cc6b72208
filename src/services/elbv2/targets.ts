import type { RequestContext } from '../../gateway/context.ts';
import type { TargetHealthInfo } from '../../engines/loadbalancer/index.ts';
import { cidrContains } from '../../engines/network/ipam.ts';
import { json, mustTg, type Elbv2Deps, type TgStored } from './common.ts';
import { InvalidTarget, LIMITS, TooManyRegistrationsForTargetId, TooManyTargets, ValidationError } from './errors.ts';
import type * as S from './generated/shapes.ts';
import type { Scope, TgRow } from './store.ts';
import { parseArn } from '../../core/arn.ts';

// Target registration, shared by the API handlers and the programmatic API Auto Scaling uses.

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function normalize(d: Elbv2Deps, s: Scope, tg: TgRow, targets: S.TargetDescription[]): Array<{ id: string; port: number; az?: string }> {
  const spec = json<TgStored>(tg.spec);
  if (!targets?.length) throw new ValidationError('At least one target must be specified');
  return targets.map((t) => {
    if (!t.Id) throw new ValidationError('A target ID must be specified');
    const port = spec.targetType === 'lambda' ? 0 : t.Port ?? spec.port!;
    if (spec.targetType !== 'lambda' && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new ValidationError(`Port '${port}' must be between 1 and 65535`);
    let az = t.AvailabilityZone;
    switch (spec.targetType) {
      case 'instance': {
        if (!/^i-[0-9a-f]{8,17}$/.test(t.Id)) throw new ValidationError(`The target ID '${t.Id}' is not a valid instance ID`);
        const inst = d.ec2.store.instance(t.Id);
        if (!inst || inst.account !== s.account || inst.region !== s.region) throw new InvalidTarget(`The following targets are not valid instances: '${t.Id}'`);
        if (az && az !== inst.az) throw new ValidationError(`Availability Zone '${az}' does not match the instance's zone '${inst.az}'`);
        az = inst.az;
        break;
      }
      case 'ip': {
        if (!IPV4.test(t.Id)) throw new ValidationError(`The IP address '${t.Id}' is not a valid IPv4 address`);
        if (t.Id.startsWith('0.') || t.Id === '255.255.255.255' || /^2(2[4-9]|3\d)\./.test(t.Id)) throw new InvalidTarget(`The IP address '${t.Id}' is not in a valid range`);
        // Like AWS: an IP inside the VPC belongs to its subnet's zone; one outside (e.g. loopback) to 'all'.
        const zone = d.ec2.store.subnets(s).find((sub) => cidrContains(sub.cidr, t.Id))?.az;
        // Issue 8: all default VPCs share one address space here; another account's instance address is in a VPC
        // this load balancer cannot route to (AWS: not peered), so it is not a valid target.
        if (d.ec2.store.liveInstances().some((i) => i.private_ip === t.Id && i.account !== s.account)) throw new InvalidTarget(`The IP address '${t.Id}' is not in a VPC of this account`);
        if (az && az !== 'all' && zone && az !== zone) throw new ValidationError(`Availability Zone '${az}' does not match the subnet of '${t.Id}' (${zone})`);
        az = zone ?? 'all';
        break;
      }
      case 'lambda': {
        if (!/^arn:aws[\w-]*:lambda:[^:]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/.test(t.Id)) throw new ValidationError(`The target ID '${t.Id}' is not a valid Lambda function ARN`);
        const inv = d.engine.lambda();
        // Issue 8: another account's function is not a target of this account's load balancer.
        if (parseArn(t.Id)?.account !== s.account) throw new InvalidTarget(`Lambda function '${t.Id}' does not exist`);
        if (inv?.exists && !inv.exists(t.Id)) throw new InvalidTarget(`Lambda function '${t.Id}' does not exist`);
        az = undefined;
        break;
      }
    }
    return { id: t.Id, port, az };
  });
}

export function registerTargets(d: Elbv2Deps, s: Scope, tgArn: string, targets: S.TargetDescription[]): void {
  const tg = mustTg(d, s, tgArn);
  const spec = json<TgStored>(tg.spec);
  const refs = normalize(d, s, tg, targets);
  if (spec.targetType === 'instance') {
    for (const r of refs) {
      const inst = d.ec2.store.instance(r.id)!;
      if (!['pending', 'running'].includes(inst.state)) throw new InvalidTarget(`The following targets are not in a running state and cannot be registered: '${r.id}'`);
    }
  }
  const existing = d.store.targets(tg.arn);
  const fresh = refs.filter((r) => !existing.some((e) => e.target_id === r.id && e.port === r.port));
  if (spec.targetType === 'lambda' && existing.length + fresh.length > 1) throw new TooManyTargets('A target group with lambda as the target type can have only one target');
  if (existing.length + fresh.length > LIMITS.targetsPerTargetGroup) throw new TooManyTargets(`You've reached the limit of ${LIMITS.targetsPerTargetGroup} targets per target group`);
  for (const r of fresh) if (d.store.registrationsOf(r.id) >= LIMITS.registrationsPerTarget) throw new TooManyRegistrationsForTargetId(`Target '${r.id}' is registered too many times`);
  const now = d.clock.now();
  d.store.tx(() => {
    for (const r of refs) d.store.putTarget({ tg_arn: tg.arn, target_id: r.id, port: r.port, zone: r.az ?? null, registered_at: now });
  });
  d.engine.registerTargets(tg.arn, refs.map((r) => ({ id: r.id, port: r.port, availabilityZone: r.az })));
}

/** Forgets the targets at once (the store) and drains them (the engine); resolves when they are gone. */
export function deregisterTargets(d: Elbv2Deps, s: Scope, tgArn: string, targets: S.TargetDescription[]): Promise<void> {
  const tg = mustTg(d, s, tgArn);
  const spec = json<TgStored>(tg.spec);
  if (!targets?.length) throw new ValidationError('At least one target must be specified');
  const refs = targets.map((t) => ({ id: t.Id, port: spec.targetType === 'lambda' ? 0 : t.Port ?? spec.port! }));
  const registered = d.store.targets(tg.arn);
  const live = new Set(d.engine.targetHealth(tg.arn).map((h) => `${h.id}:${h.port}`));
  const missing = refs.filter((r) => !registered.some((e) => e.target_id === r.id && e.port === r.port) && !live.has(`${r.id}:${r.port}`));
  if (missing.length) throw new InvalidTarget(`The following targets are not registered in target group '${tg.arn}': ${missing.map((m) => `'${m.id}'`).join(', ')}`);
  d.store.tx(() => {
    for (const r of refs) d.store.deleteTarget(tg.arn, r.id, r.port);
  });
  return d.engine.deregisterTargets(tg.arn, refs);
}

export function describeHealth(info: TargetHealthInfo): S.TargetHealthDescription {
  return {
    Target: { Id: info.id, ...(info.port ? { Port: info.port } : {}), ...(info.availabilityZone ? { AvailabilityZone: info.availabilityZone } : {}) },
    ...(info.port ? { HealthCheckPort: info.healthCheckPort } : {}),
    TargetHealth: { State: info.state, ...(info.state !== 'healthy' && info.reason ? { Reason: info.reason } : {}), ...(info.state !== 'healthy' && info.description ? { Description: info.description } : {}) },
  };
}

export function targetHandlers(d: Elbv2Deps) {
  return {
    RegisterTargets(input: S.RegisterTargetsInput, ctx: RequestContext): S.RegisterTargetsOutput {
      registerTargets(d, ctx, input.TargetGroupArn, input.Targets);
      return {};
    },
    DeregisterTargets(input: S.DeregisterTargetsInput, ctx: RequestContext): S.DeregisterTargetsOutput {
      // Answers at once, like AWS; the targets drain in the background (DescribeTargetHealth shows `draining`).
      deregisterTargets(d, ctx, input.TargetGroupArn, input.Targets).catch(() => undefined);
      return {};
    },
    DescribeTargetHealth(input: S.DescribeTargetHealthInput, ctx: RequestContext): S.DescribeTargetHealthOutput {
      const tg = mustTg(d, ctx, input.TargetGroupArn);
      const spec = json<TgStored>(tg.spec);
      const all = d.engine.targetHealth(tg.arn);
      if (!input.Targets?.length) return { TargetHealthDescriptions: all.map(describeHealth) };
      return {
        TargetHealthDescriptions: input.Targets.map((t) => {
          const port = spec.targetType === 'lambda' ? 0 : t.Port ?? spec.port!;
          const found = all.find((h) => h.id === t.Id && h.port === port);
          if (found) return describeHealth(found);
          if (spec.targetType === 'instance' && !d.ec2.store.instance(t.Id)) throw new InvalidTarget(`The following targets are not valid instances: '${t.Id}'`);
          return describeHealth({ id: t.Id, port, healthCheckPort: String(port), state: 'unused', reason: 'Target.NotRegistered', description: 'Target is not registered to the target group' });
        }),
      };
    },
  };
}
