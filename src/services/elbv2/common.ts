import { createHash } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import type { IdSource } from '../../core/ids.ts';
import type { Logger } from '../../core/log.ts';
import type { LoadBalancerEngine, LoadBalancerSpec, ListenerSpec, TargetGroupSpec, HealthCheckSpec } from '../../engines/loadbalancer/index.ts';
import type { Ec2Deps } from '../ec2/deps.ts';
import { ListenerNotFound, LoadBalancerNotFound, RuleNotFound, TargetGroupNotFound, ValidationError } from './errors.ts';
import type * as S from './generated/shapes.ts';
import type { Elbv2Store, LbRow, ListenerRow, RuleRow, Scope, TgRow } from './store.ts';
import { actionSpecOf, conditionSpecOf } from './validate.ts';

export interface Elbv2Deps {
  store: Elbv2Store;
  engine: LoadBalancerEngine;
  ec2: Ec2Deps;
  clock: Clock;
  ids: IdSource;
  log: Logger;
}

export type { Scope };

/** 16 hex digits (the id part of ELBv2 ARNs). */
export const hexId = (ids: IdSource) => ids.next('x').slice(2, 18);

export const json = <T>(s: string): T => JSON.parse(s) as T;

// ---- ARNs

export function lbArnOf(s: Scope, type: string, name: string, id: string): string {
  return `arn:aws:elasticloadbalancing:${s.region}:${s.account}:loadbalancer/${type === 'network' ? 'net' : 'app'}/${name}/${id}`;
}
/** `app/<name>/<id>` — the CloudWatch LoadBalancer dimension. */
export const lbDimension = (arn: string) => arn.slice(arn.indexOf(':loadbalancer/') + ':loadbalancer/'.length);
/** `targetgroup/<name>/<id>` — the CloudWatch TargetGroup dimension. */
export const tgDimension = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);
/** The default rule's ARN, derived from its listener's (it has no row of its own). */
export function defaultRuleArn(listenerArn: string): string {
  return `${listenerArn.replace(':listener/', ':listener-rule/')}/${createHash('sha1').update(listenerArn).digest('hex').slice(0, 16)}`;
}

export function resourceKind(arn: string): 'loadbalancer' | 'targetgroup' | 'listener' | 'listener-rule' | undefined {
  const m = /^arn:aws[\w-]*:elasticloadbalancing:[^:]*:\d{12}:(loadbalancer|targetgroup|listener|listener-rule)\//.exec(arn);
  return m?.[1] as 'loadbalancer' | undefined;
}

// ---- lookups that raise AWS errors

export function mustLb(d: Elbv2Deps, s: Scope, arn: string): LbRow {
  const row = d.store.lb(arn);
  if (!row || row.account !== s.account || row.region !== s.region) throw new LoadBalancerNotFound(`Load balancer '${arn}' not found`);
  return row;
}
export function mustTg(d: Elbv2Deps, s: Scope, arn: string): TgRow {
  const row = d.store.tg(arn);
  if (!row || row.account !== s.account || row.region !== s.region) throw new TargetGroupNotFound(`Target groups '${arn}' not found`);
  return row;
}
export function mustListener(d: Elbv2Deps, s: Scope, arn: string): { listener: ListenerRow; lb: LbRow } {
  const listener = d.store.listener(arn);
  const lb = listener && d.store.lb(listener.lb_arn);
  if (!listener || !lb || lb.account !== s.account || lb.region !== s.region) throw new ListenerNotFound(`Listener '${arn}' not found`);
  return { listener, lb };
}
/** A rule row, or the listener's default rule (rule undefined). */
export function mustRule(d: Elbv2Deps, s: Scope, arn: string): { rule?: RuleRow; listener: ListenerRow; lb: LbRow } {
  const rule = d.store.rule(arn);
  if (rule) return { rule, ...mustListener(d, s, rule.listener_arn) };
  const m = /^(arn:.*):listener-rule\/((?:app|net)\/[^/]+\/[^/]+\/[^/]+)\/[0-9a-f]+$/.exec(arn);
  if (m) {
    const listenerArn = `${m[1]}:listener/${m[2]}`;
    const listener = d.store.listener(listenerArn);
    if (listener && defaultRuleArn(listenerArn) === arn) return mustListener(d, s, listenerArn);
  }
  throw new RuleNotFound(`One or more rules not found`);
}

// ---- attributes

export const LB_ATTRS: Record<string, Record<string, string>> = {
  application: {
    'deletion_protection.enabled': 'false', 'idle_timeout.timeout_seconds': '60', 'routing.http2.enabled': 'true',
    'routing.http.drop_invalid_header_fields.enabled': 'false', 'routing.http.xff_header_processing.mode': 'append',
    'routing.http.preserve_host_header.enabled': 'false', 'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': 'false',
    'routing.http.xff_client_port.enabled': 'false', 'routing.http.desync_mitigation_mode': 'defensive', 'waf.fail_open.enabled': 'false',
    'access_logs.s3.enabled': 'false', 'access_logs.s3.bucket': '', 'access_logs.s3.prefix': '', 'client_keep_alive.seconds': '3600',
    'load_balancing.cross_zone.enabled': 'true', 'connection_logs.s3.enabled': 'false', 'connection_logs.s3.bucket': '', 'connection_logs.s3.prefix': '',
  },
  network: {
    'deletion_protection.enabled': 'false', 'load_balancing.cross_zone.enabled': 'false', 'access_logs.s3.enabled': 'false',
    'access_logs.s3.bucket': '', 'access_logs.s3.prefix': '', 'dns_record.client_routing_policy': 'any_availability_zone',
  },
};

export function tgAttrDefaults(protocol: string | undefined, targetType: string): Record<string, string> {
  if (targetType === 'lambda') return { 'lambda.multi_value_headers.enabled': 'false' };
  if (protocol === 'TCP') {
    return {
      'deregistration_delay.timeout_seconds': '300', 'deregistration_delay.connection_termination.enabled': 'false', 'stickiness.enabled': 'false',
      'stickiness.type': 'source_ip', 'proxy_protocol_v2.enabled': 'false', 'preserve_client_ip.enabled': targetType === 'instance' ? 'true' : 'false',
      'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
    };
  }
  return {
    'deregistration_delay.timeout_seconds': '300', 'stickiness.enabled': 'false', 'stickiness.type': 'lb_cookie',
    'stickiness.lb_cookie.duration_seconds': '86400', 'slow_start.duration_seconds': '0', 'load_balancing.algorithm.type': 'round_robin',
    'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
  };
}

export const toAttrList = (a: Record<string, string>) => Object.entries(a).map(([Key, Value]) => ({ Key, Value }));

export function checkBool(key: string, v: string): void {
  if (v !== 'true' && v !== 'false') throw new ValidationError(`The value of attribute '${key}' must be 'true' or 'false'`);
}

export function checkIntAttr(key: string, v: string, lo: number, hi: number): void {
  if (!/^\d+$/.test(v) || Number(v) < lo || Number(v) > hi) throw new ValidationError(`The value of attribute '${key}' must be an integer between ${lo} and ${hi}`);
}

// ---- rows → engine specs

export interface TgStored {
  protocol?: 'HTTP' | 'TCP';
  port?: number;
  vpcId?: string;
  targetType: 'instance' | 'ip' | 'lambda';
  protocolVersion?: string;
  ipAddressType: string;
  healthCheck: HealthCheckSpec;
}

export function lbSpecOf(row: LbRow): LoadBalancerSpec {
  const attrs = json<Record<string, string>>(row.attributes);
  const subnets = json<Array<{ zone: string }>>(row.subnets);
  return {
    arn: row.arn, name: row.name, dimension: lbDimension(row.arn), type: row.type as LoadBalancerSpec['type'], zones: subnets.map((s) => s.zone),
    address: row.address, idleTimeoutSeconds: Number(attrs['idle_timeout.timeout_seconds'] ?? 60), crossZone: attrs['load_balancing.cross_zone.enabled'] === 'true',
    dropInvalidHeaders: attrs['routing.http.drop_invalid_header_fields.enabled'] === 'true',
    xffMode: (attrs['routing.http.xff_header_processing.mode'] ?? 'append') as LoadBalancerSpec['xffMode'],
  };
}

export function tgSpecOf(row: TgRow): TargetGroupSpec {
  const spec = json<TgStored>(row.spec);
  const a = json<Record<string, string>>(row.attributes);
  const cz = a['load_balancing.cross_zone.enabled'];
  return {
    arn: row.arn, name: row.name, dimension: tgDimension(row.arn), protocol: spec.protocol ?? 'HTTP', port: spec.port, targetType: spec.targetType,
    healthCheck: spec.healthCheck, deregistrationDelaySeconds: Number(a['deregistration_delay.timeout_seconds'] ?? 300),
    slowStartSeconds: Number(a['slow_start.duration_seconds'] ?? 0),
    algorithm: (a['load_balancing.algorithm.type'] ?? 'round_robin') as TargetGroupSpec['algorithm'],
    stickiness: { enabled: a['stickiness.enabled'] === 'true', durationSeconds: Number(a['stickiness.lb_cookie.duration_seconds'] ?? 86400) },
    crossZone: cz === 'true' ? true : cz === 'false' ? false : undefined,
  };
}

export function listenerSpecOf(d: Elbv2Deps, row: ListenerRow): ListenerSpec {
  return {
    arn: row.arn, lbArn: row.lb_arn, protocol: row.protocol as ListenerSpec['protocol'], port: row.port,
    defaultAction: actionSpecOf(json<S.Action[]>(row.default_actions)),
    rules: d.store.rules(row.arn).map((r) => ({ arn: r.arn, priority: r.priority, conditions: conditionSpecOf(json<S.RuleCondition[]>(r.conditions)), action: actionSpecOf(json<S.Action[]>(r.actions)) })),
  };
}

/** Re-applies a listener (its rules changed) to the engine. */
export async function syncListener(d: Elbv2Deps, listenerArn: string): Promise<void> {
  const row = d.store.listener(listenerArn);
  if (row) await d.engine.putListener(listenerSpecOf(d, row));
}

// ---- rows → API shapes

export function lbShape(d: Elbv2Deps, row: LbRow): S.LoadBalancer {
  const subnets = json<Array<{ subnetId: string; zone: string }>>(row.subnets);
  const sgs = json<string[]>(row.security_groups);
  return {
    LoadBalancerArn: row.arn, DNSName: row.dns_name, CanonicalHostedZoneId: row.type === 'network' ? 'Z26RNL4JYFTOTI' : 'Z35SXDOTRQ7X7K',
    CreatedTime: new Date(row.created_at), LoadBalancerName: row.name, Scheme: row.scheme as S.LoadBalancerSchemeEnum, VpcId: row.vpc_id,
    State: { Code: 'active' }, Type: row.type as S.LoadBalancerTypeEnum,
    // Nimbus: LoadBalancerAddresses tell where the listeners really are (AWS reports them for network load balancers).
    AvailabilityZones: subnets.map((s) => ({ ZoneName: s.zone, SubnetId: s.subnetId, LoadBalancerAddresses: [{ IpAddress: row.address }] })),
    ...(sgs.length || row.type === 'application' ? { SecurityGroups: sgs } : {}),
    IpAddressType: row.ip_address_type as S.IpAddressType,
  };
}

export function tgShape(d: Elbv2Deps, row: TgRow): S.TargetGroup {
  const spec = json<TgStored>(row.spec);
  const hc = spec.healthCheck;
  const lambda = spec.targetType === 'lambda';
  return {
    TargetGroupArn: row.arn, TargetGroupName: row.name,
    ...(lambda ? {} : { Protocol: spec.protocol, Port: spec.port, VpcId: spec.vpcId, HealthCheckProtocol: hc.protocol, HealthCheckPort: hc.port }),
    HealthCheckEnabled: hc.enabled, HealthCheckIntervalSeconds: hc.intervalSeconds, HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThreshold, UnhealthyThresholdCount: hc.unhealthyThreshold,
    ...(hc.protocol === 'HTTP' ? { HealthCheckPath: hc.path, Matcher: { HttpCode: hc.matcher } } : {}),
    LoadBalancerArns: d.engine.loadBalancersOf(row.arn),
    TargetType: spec.targetType,
    ...(spec.protocolVersion ? { ProtocolVersion: spec.protocolVersion } : {}),
    ...(lambda ? {} : { IpAddressType: spec.ipAddressType as S.TargetGroupIpAddressTypeEnum }),
  };
}

export function listenerShape(row: ListenerRow): S.Listener {
  return { ListenerArn: row.arn, LoadBalancerArn: row.lb_arn, Port: row.port, Protocol: row.protocol as S.ProtocolEnum, DefaultActions: json<S.Action[]>(row.default_actions) };
}

export function ruleShape(row: RuleRow): S.Rule {
  return { RuleArn: row.arn, Priority: String(row.priority), Conditions: json<S.RuleCondition[]>(row.conditions), Actions: json<S.Action[]>(row.actions), IsDefault: false };
}

export function defaultRuleShape(listener: ListenerRow): S.Rule {
  return { RuleArn: defaultRuleArn(listener.arn), Priority: 'default', Conditions: [], Actions: json<S.Action[]>(listener.default_actions), IsDefault: true };
}

/** Marker pagination over an ordered list (Marker = index). */
export function page<T>(items: T[], marker: string | undefined, pageSize: number | undefined): { items: T[]; next?: string } {
  if (pageSize !== undefined && (pageSize < 1 || pageSize > 400)) throw new ValidationError('Page size must be between 1 and 400');
  const start = marker ? Number(Buffer.from(marker, 'base64url').toString()) : 0;
  if (!Number.isInteger(start) || start < 0) throw new ValidationError('Invalid marker');
  const size = pageSize ?? 400;
  const slice = items.slice(start, start + size);
  return { items: slice, ...(start + size < items.length ? { next: Buffer.from(String(start + size)).toString('base64url') } : {}) };
}
