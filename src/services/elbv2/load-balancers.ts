import type { RequestContext } from '../../gateway/context.ts';
import { ensureDefaultVpc } from '../ec2/network.ts';
import { refreshFirewalls } from '../ec2/security-groups.ts';
import {
  LB_ATTRS, checkBool, checkIntAttr, hexId, json, lbArnOf, lbShape, lbSpecOf, mustLb, page, toAttrList, type Elbv2Deps,
} from './common.ts';
import {
  DuplicateLoadBalancerName, InvalidConfigurationRequest, InvalidSecurityGroup, LIMITS, LoadBalancerNotFound, OperationNotPermitted, SubnetNotFound,
  TooManyLoadBalancers, ValidationError,
} from './errors.ts';
import type * as S from './generated/shapes.ts';
import type { LbRow } from './store.ts';
import { checkName } from './validate.ts';
import { putTags } from './tags.ts';

export function loadBalancerHandlers(d: Elbv2Deps) {
  return {
    async CreateLoadBalancer(input: S.CreateLoadBalancerInput, ctx: RequestContext): Promise<S.CreateLoadBalancerOutput> {
      const name = checkName('load balancer', input.Name);
      const type = input.Type ?? 'application';
      if (type !== 'application' && type !== 'network') throw new ValidationError(`Load balancer type '${type}' is not supported by Nimbus (application, network)`);
      const scheme = input.Scheme ?? 'internet-facing';
      const ipType = input.IpAddressType ?? 'ipv4';
      if (ipType !== 'ipv4') throw new ValidationError(`IP address type '${ipType}' is not supported by Nimbus (ipv4)`);
      if (input.Subnets?.length && input.SubnetMappings?.length) throw new ValidationError('You can specify subnets or subnet mappings, not both');
      const { vpc } = ensureDefaultVpc(d.ec2, ctx);
      const ids = input.SubnetMappings?.length ? input.SubnetMappings.map((m) => m.SubnetId ?? '') : input.Subnets ?? [];
      const subnets = [...new Set(ids)].map((id) => {
        const s = d.ec2.store.subnet(id);
        if (!s || s.account !== ctx.account || s.region !== ctx.region) throw new SubnetNotFound(`The subnet ID '${id}' is not valid`);
        return { subnetId: s.id, zone: s.az, cidr: s.cidr, vpc: s.vpc_id };
      });
      if (type === 'application' && new Set(subnets.map((s) => s.zone)).size < 2) {
        throw new ValidationError('At least two subnets in two different Availability Zones must be specified');
      }
      if (!subnets.length) throw new ValidationError('At least one subnet must be specified');
      if (new Set(subnets.map((s) => s.zone)).size !== subnets.length) throw new InvalidConfigurationRequest('A load balancer cannot be attached to multiple subnets in the same Availability Zone');
      const vpcId = subnets[0]!.vpc;
      let groups = input.SecurityGroups ?? [];
      for (const g of groups) {
        const row = d.ec2.store.group(g);
        if (!row || row.account !== ctx.account || row.region !== ctx.region) throw new InvalidSecurityGroup(`Security group '${g}' does not exist`);
      }
      if (!groups.length && type === 'application') {
        const def = d.ec2.store.groupByName(ctx, vpcId ?? vpc.id, 'default');
        groups = def ? [def.id] : [];
      }
      const existing = d.store.lbByName(ctx, name);
      if (existing) {
        const same = existing.type === type && existing.scheme === scheme && JSON.stringify(json<Array<{ subnetId: string }>>(existing.subnets).map((s) => s.subnetId).sort()) === JSON.stringify(subnets.map((s) => s.subnetId).sort());
        if (same) return { LoadBalancers: [lbShape(d, existing)] };
        throw new DuplicateLoadBalancerName(`A load balancer with the name '${name}' already exists`);
      }
      if (d.store.lbs(ctx).length >= LIMITS.loadBalancers) throw new TooManyLoadBalancers(`You've reached the limit of ${LIMITS.loadBalancers} load balancers`);
      const id = hexId(d.ids);
      const arn = lbArnOf(ctx, type, name, id);
      const dnsId = parseInt(id.slice(0, 8), 16);
      const dns = `${scheme === 'internal' ? 'internal-' : ''}${name}-${dnsId}.${ctx.region}.elb.localhost`;
      const address = await d.engine.addresses.allocate(subnets.map((s) => s.cidr));
      const row: LbRow = {
        arn, account: ctx.account, region: ctx.region, name, type, scheme, ip_address_type: ipType, vpc_id: vpcId,
        subnets: JSON.stringify(subnets.map(({ subnetId, zone, cidr }) => ({ subnetId, zone, cidr }))), security_groups: JSON.stringify(groups),
        attributes: JSON.stringify(LB_ATTRS[type]), dns_name: dns, address, created_at: d.clock.now(),
      };
      try {
        d.store.tx(() => {
          d.store.insertLb(row);
          putTags(d, arn, input.Tags ?? []);
        });
      } catch (err) {
        await d.engine.addresses.release(address);
        throw err;
      }
      d.engine.putLoadBalancer(lbSpecOf(row));
      // Targets whose rules name one of its groups admit it from now on (EC2 counts it as a member).
      if (groups.length) await refreshFirewalls(d.ec2, groups);
      return { LoadBalancers: [lbShape(d, row)] };
    },

    DescribeLoadBalancers(input: S.DescribeLoadBalancersInput, ctx: RequestContext): S.DescribeLoadBalancersOutput {
      if (input.LoadBalancerArns?.length && input.Names?.length) throw new ValidationError('Load balancer names and load balancer ARNs cannot be specified at the same time');
      let rows = d.store.lbs(ctx);
      if (input.LoadBalancerArns?.length) {
        const want = new Set(input.LoadBalancerArns);
        rows = rows.filter((r) => want.has(r.arn));
        if (rows.length !== want.size) throw new LoadBalancerNotFound('One or more load balancers not found');
      }
      if (input.Names?.length) {
        const want = new Set(input.Names);
        rows = rows.filter((r) => want.has(r.name));
        if (rows.length !== want.size) throw new LoadBalancerNotFound(`Load balancers '[${input.Names.filter((n) => !rows.some((r) => r.name === n)).join(', ')}]' not found`);
      }
      const p = page(rows, input.Marker, input.PageSize);
      return { LoadBalancers: p.items.map((r) => lbShape(d, r)), ...(p.next ? { NextMarker: p.next } : {}) };
    },

    async DeleteLoadBalancer(input: S.DeleteLoadBalancerInput, ctx: RequestContext): Promise<S.DeleteLoadBalancerOutput> {
      const row = d.store.lb(input.LoadBalancerArn);
      // Like AWS: deleting a load balancer that does not exist (any more) succeeds.
      if (!row || row.account !== ctx.account || row.region !== ctx.region) return {};
      if (json<Record<string, string>>(row.attributes)['deletion_protection.enabled'] === 'true') {
        throw new OperationNotPermitted(`Load balancer '${row.arn}' cannot be deleted because deletion protection is enabled`);
      }
      d.store.tx(() => {
        for (const l of d.store.listeners(row.arn)) d.store.deleteListener(l.arn);
        d.store.deleteLb(row.arn);
      });
      await d.engine.removeLoadBalancer(row.arn);
      await d.engine.addresses.release(row.address);
      const groups = json<string[]>(row.security_groups);
      if (groups.length) await refreshFirewalls(d.ec2, groups);
      return {};
    },

    DescribeLoadBalancerAttributes(input: S.DescribeLoadBalancerAttributesInput, ctx: RequestContext): S.DescribeLoadBalancerAttributesOutput {
      return { Attributes: toAttrList(json(mustLb(d, ctx, input.LoadBalancerArn).attributes)) };
    },

    ModifyLoadBalancerAttributes(input: S.ModifyLoadBalancerAttributesInput, ctx: RequestContext): S.ModifyLoadBalancerAttributesOutput {
      const row = mustLb(d, ctx, input.LoadBalancerArn);
      const attrs = json<Record<string, string>>(row.attributes);
      if (!input.Attributes?.length) throw new ValidationError('At least one attribute must be specified');
      for (const { Key, Value } of input.Attributes) {
        const key = Key ?? '';
        const value = Value ?? '';
        if (!(key in LB_ATTRS[row.type]!)) throw new ValidationError(`Load balancer attribute key '${key}' is not recognized`);
        if (key.endsWith('.enabled')) checkBool(key, value);
        if (key === 'idle_timeout.timeout_seconds') checkIntAttr(key, value, 1, 4000);
        if (key === 'client_keep_alive.seconds') checkIntAttr(key, value, 60, 604800);
        if (key === 'routing.http.xff_header_processing.mode' && !['append', 'preserve', 'remove'].includes(value)) {
          throw new ValidationError(`The value of attribute '${key}' must be one of 'append', 'preserve', 'remove'`);
        }
        if (key === 'routing.http.desync_mitigation_mode' && !['monitor', 'defensive', 'strictest'].includes(value)) {
          throw new ValidationError(`The value of attribute '${key}' must be one of 'monitor', 'defensive', 'strictest'`);
        }
        if (key === 'load_balancing.cross_zone.enabled' && row.type === 'application' && value !== 'true') {
          throw new InvalidConfigurationRequest('Cross-zone load balancing cannot be turned off for application load balancers; use the target group attribute instead');
        }
        attrs[key] = value;
      }
      const next = { ...row, attributes: JSON.stringify(attrs) };
      d.store.setLbAttributes(row.arn, next.attributes);
      d.engine.putLoadBalancer(lbSpecOf(next));
      return { Attributes: toAttrList(attrs) };
    },

    DescribeAccountLimits(input: S.DescribeAccountLimitsInput): S.DescribeAccountLimitsOutput {
      const limits = [
        ['application-load-balancers', LIMITS.loadBalancers], ['network-load-balancers', LIMITS.loadBalancers], ['target-groups', LIMITS.targetGroups],
        ['targets-per-application-load-balancer', LIMITS.targetsPerLoadBalancer], ['listeners-per-application-load-balancer', LIMITS.listenersPerLoadBalancer],
        ['listeners-per-network-load-balancer', LIMITS.listenersPerLoadBalancer], ['rules-per-application-load-balancer', LIMITS.rulesPerListener],
        ['targets-per-target-group', LIMITS.targetsPerTargetGroup],
      ].map(([Name, Max]) => ({ Name: String(Name), Max: String(Max) }));
      const p = page(limits, input.Marker, input.PageSize);
      return { Limits: p.items, ...(p.next ? { NextMarker: p.next } : {}) };
    },
  };
}

export { lbSpecOf };
