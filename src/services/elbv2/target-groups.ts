import type { RequestContext } from '../../gateway/context.ts';
import { ensureDefaultVpc } from '../ec2/network.ts';
import {
  checkBool, checkIntAttr, hexId, json, mustLb, mustTg, page, tgAttrDefaults, tgShape, tgSpecOf, toAttrList, type Elbv2Deps, type TgStored,
} from './common.ts';
import { DuplicateTargetGroupName, LIMITS, ResourceInUse, TargetGroupNotFound, TooManyTargetGroups, UnsupportedProtocol, ValidationError } from './errors.ts';
import type * as S from './generated/shapes.ts';
import type { TgRow } from './store.ts';
import { putTags } from './tags.ts';
import { checkName, checkPort, defaultHealthCheck, healthCheckFrom } from './validate.ts';

export function targetGroupHandlers(d: Elbv2Deps) {
  return {
    CreateTargetGroup(input: S.CreateTargetGroupInput, ctx: RequestContext): S.CreateTargetGroupOutput {
      const name = checkName('target group', input.Name);
      const targetType = input.TargetType ?? 'instance';
      if (targetType === 'alb') throw new ValidationError("Target type 'alb' is not supported by Nimbus");
      let stored: TgStored;
      if (targetType === 'lambda') {
        if (input.Protocol || input.Port || input.VpcId) throw new ValidationError('Protocol, port and VPC ID cannot be specified for target groups with lambda as the target type');
        stored = { targetType, ipAddressType: 'ipv4', healthCheck: healthCheckFrom(input, defaultHealthCheck(undefined, 'lambda'), targetType) };
      } else {
        if (!input.Protocol) throw new ValidationError('A protocol must be specified');
        if (!['HTTP', 'TCP'].includes(input.Protocol)) throw new UnsupportedProtocol(`Target group protocol '${input.Protocol}' is not supported by Nimbus (HTTP, TCP)`);
        if (input.Port === undefined) throw new ValidationError('A port must be specified');
        checkPort(input.Port);
        if (!input.VpcId) throw new ValidationError('A VPC ID must be specified');
        const { vpc } = ensureDefaultVpc(d.ec2, ctx);
        const vpcs = d.ec2.store.vpcs(ctx);
        if (!vpcs.some((v) => v.id === input.VpcId)) throw new ValidationError(`The VPC ID '${input.VpcId}' is not found (the default VPC is ${vpc.id})`);
        if (input.ProtocolVersion && input.ProtocolVersion !== 'HTTP1') throw new ValidationError(`Protocol version '${input.ProtocolVersion}' is not supported by Nimbus (HTTP1)`);
        if (input.Protocol === 'TCP' && input.Matcher) throw new ValidationError('Health check matchers are not supported for TCP target groups with TCP health checks');
        const base = defaultHealthCheck(input.HealthCheckProtocol === 'HTTP' ? 'HTTP' : input.Protocol, targetType);
        if (input.Protocol === 'TCP' && input.HealthCheckProtocol === 'HTTP') base.matcher = '200-399';
        stored = {
          protocol: input.Protocol as 'HTTP' | 'TCP', port: input.Port, vpcId: input.VpcId, targetType,
          ...(input.Protocol === 'HTTP' ? { protocolVersion: input.ProtocolVersion ?? 'HTTP1' } : {}),
          ipAddressType: input.IpAddressType ?? 'ipv4', healthCheck: healthCheckFrom(input, base, targetType),
        };
        if (stored.ipAddressType !== 'ipv4') throw new ValidationError('Only ipv4 target groups are supported by Nimbus');
      }
      const existing = d.store.tgByName(ctx, name);
      if (existing) {
        if (existing.spec === JSON.stringify(stored)) return { TargetGroups: [tgShape(d, existing)] };
        throw new DuplicateTargetGroupName(`A target group with the same name '${name}' exists, but with different settings`);
      }
      if (d.store.tgs(ctx).length >= LIMITS.targetGroups) throw new TooManyTargetGroups(`You've reached the limit of ${LIMITS.targetGroups} target groups`);
      const row: TgRow = {
        arn: `arn:aws:elasticloadbalancing:${ctx.region}:${ctx.account}:targetgroup/${name}/${hexId(d.ids)}`, account: ctx.account, region: ctx.region, name,
        spec: JSON.stringify(stored), attributes: JSON.stringify(tgAttrDefaults(stored.protocol, targetType)), created_at: d.clock.now(),
      };
      d.store.tx(() => {
        d.store.insertTg(row);
        putTags(d, row.arn, input.Tags ?? []);
      });
      d.engine.putTargetGroup(tgSpecOf(row));
      return { TargetGroups: [tgShape(d, row)] };
    },

    DescribeTargetGroups(input: S.DescribeTargetGroupsInput, ctx: RequestContext): S.DescribeTargetGroupsOutput {
      const given = [input.LoadBalancerArn, input.TargetGroupArns?.length, input.Names?.length].filter(Boolean).length;
      if (given > 1) throw new ValidationError('Only one of load balancer ARN, target group ARNs or names can be specified');
      let rows = d.store.tgs(ctx);
      if (input.LoadBalancerArn) {
        mustLb(d, ctx, input.LoadBalancerArn);
        rows = rows.filter((r) => d.engine.loadBalancersOf(r.arn).includes(input.LoadBalancerArn!));
      }
      if (input.TargetGroupArns?.length) rows = input.TargetGroupArns.map((arn) => mustTg(d, ctx, arn));
      if (input.Names?.length) {
        rows = input.Names.map((n) => {
          const r = d.store.tgByName(ctx, n);
          if (!r) throw new TargetGroupNotFound(`One or more target groups not found`);
          return r;
        });
      }
      const p = page(rows, input.Marker, input.PageSize);
      return { TargetGroups: p.items.map((r) => tgShape(d, r)), ...(p.next ? { NextMarker: p.next } : {}) };
    },

    ModifyTargetGroup(input: S.ModifyTargetGroupInput, ctx: RequestContext): S.ModifyTargetGroupOutput {
      const row = mustTg(d, ctx, input.TargetGroupArn);
      const stored = json<TgStored>(row.spec);
      if (stored.protocol === 'TCP' && input.Matcher && (input.HealthCheckProtocol ?? stored.healthCheck.protocol) === 'TCP') {
        throw new ValidationError('Health check matchers are not supported for TCP health checks');
      }
      if (stored.protocol === 'HTTP' && input.HealthCheckProtocol === 'TCP') throw new ValidationError('Health check protocol TCP is not supported for HTTP target groups');
      const next: TgStored = { ...stored, healthCheck: healthCheckFrom(input, stored.healthCheck, stored.targetType) };
      const updated = { ...row, spec: JSON.stringify(next) };
      d.store.updateTg(row.arn, updated.spec, row.attributes);
      d.engine.putTargetGroup(tgSpecOf(updated));
      return { TargetGroups: [tgShape(d, updated)] };
    },

    DescribeTargetGroupAttributes(input: S.DescribeTargetGroupAttributesInput, ctx: RequestContext): S.DescribeTargetGroupAttributesOutput {
      return { Attributes: toAttrList(json(mustTg(d, ctx, input.TargetGroupArn).attributes)) };
    },

    ModifyTargetGroupAttributes(input: S.ModifyTargetGroupAttributesInput, ctx: RequestContext): S.ModifyTargetGroupAttributesOutput {
      const row = mustTg(d, ctx, input.TargetGroupArn);
      const stored = json<TgStored>(row.spec);
      const attrs = json<Record<string, string>>(row.attributes);
      const known = tgAttrDefaults(stored.protocol, stored.targetType);
      if (!input.Attributes?.length) throw new ValidationError('At least one attribute must be specified');
      for (const { Key, Value } of input.Attributes) {
        const key = Key ?? '';
        const value = Value ?? '';
        if (!(key in known)) throw new ValidationError(`Target group attribute key '${key}' is not recognized`);
        if (key.endsWith('.enabled') && key !== 'load_balancing.cross_zone.enabled') checkBool(key, value);
        if (key === 'deregistration_delay.timeout_seconds') checkIntAttr(key, value, 0, 3600);
        if (key === 'stickiness.lb_cookie.duration_seconds') checkIntAttr(key, value, 1, 604800);
        if (key === 'slow_start.duration_seconds' && (!/^\d+$/.test(value) || (Number(value) !== 0 && (Number(value) < 30 || Number(value) > 900)))) {
          throw new ValidationError(`The value of attribute '${key}' must be 0 or between 30 and 900`);
        }
        if (key === 'load_balancing.algorithm.type' && !['round_robin', 'least_outstanding_requests'].includes(value)) {
          throw new ValidationError(`The value of attribute '${key}' must be one of 'round_robin', 'least_outstanding_requests'`);
        }
        if (key === 'load_balancing.cross_zone.enabled' && !['true', 'false', 'use_load_balancer_configuration'].includes(value)) {
          throw new ValidationError(`The value of attribute '${key}' must be one of 'true', 'false', 'use_load_balancer_configuration'`);
        }
        if (key === 'stickiness.type' && value !== known[key]) throw new ValidationError(`The value of attribute '${key}' must be '${known[key]}'`);
        attrs[key] = value;
      }
      if (attrs['load_balancing.algorithm.type'] === 'least_outstanding_requests' && Number(attrs['slow_start.duration_seconds'] ?? 0) > 0) {
        throw new ValidationError('Slow start mode cannot be enabled with the least outstanding requests algorithm');
      }
      const updated = { ...row, attributes: JSON.stringify(attrs) };
      d.store.updateTg(row.arn, row.spec, updated.attributes);
      d.engine.putTargetGroup(tgSpecOf(updated));
      return { Attributes: toAttrList(attrs) };
    },

    DeleteTargetGroup(input: S.DeleteTargetGroupInput, ctx: RequestContext): S.DeleteTargetGroupOutput {
      const row = d.store.tg(input.TargetGroupArn);
      if (!row || row.account !== ctx.account || row.region !== ctx.region) return {};
      if (d.engine.loadBalancersOf(row.arn).length) throw new ResourceInUse(`Target group '${row.arn}' is currently in use by a listener or a rule`);
      d.store.tx(() => d.store.deleteTg(row.arn));
      d.engine.removeTargetGroup(row.arn);
      return {};
    },
  };
}
