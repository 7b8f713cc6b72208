import { readFileSync } from 'node:fs';
import type { Clock } from '../../core/clock.ts';
import type { IdSource } from '../../core/ids.ts';
import type { Logger } from '../../core/log.ts';
import {
  BridgeAddresses, LoadBalancerEngine, LoopbackAddresses, type LambdaTargetInvoker, type MetricPoint, type TargetState,
} from '../../engines/loadbalancer/index.ts';
import type { Handler, HandlerMap } from '../../gateway/context.ts';
import type { InternalRoute } from '../../gateway/internal.ts';
import type { ServiceDefinition } from '../../gateway/registry.ts';
import { protocols } from '../../protocol/index.ts';
import type { ServiceModel } from '../../protocol/types.ts';
import type { Db } from '../../store/db.ts';
import type { Ec2Deps } from '../ec2/deps.ts';
import { refreshFirewalls } from '../ec2/security-groups.ts';
import { json, lbShape, lbSpecOf, listenerSpecOf, tgSpecOf, type Elbv2Deps } from './common.ts';
import type { Operations } from './generated/operations.ts';
import type * as S from './generated/shapes.ts';
import { listenerHandlers } from './listeners.ts';
import { loadBalancerHandlers } from './load-balancers.ts';
import { Elbv2Store } from './store.ts';
import { tagHandlers } from './tags.ts';
import { targetGroupHandlers } from './target-groups.ts';
import { deregisterTargets, describeHealth, registerTargets, targetHandlers } from './targets.ts';
import { scopeOfArn } from '../../core/arn.ts';

// Elastic Load Balancing v2 (query protocol, API 2015-12-01) over the load balancer engine
// (src/engines/loadbalancer): application load balancers are real HTTP reverse proxies, network load balancers
// real TCP proxies, with AWS's health checks, spread, slow start and connection draining.
//
// LIMITATIONS (see README "Elastic Load Balancing"):
// - HTTP and TCP only: no HTTPS/TLS listeners (no certificates), no UDP, no gateway load balancers, IPv4 only.
// - No authenticate-* / jwt-validation actions, no regex conditions or transforms; one terminal action per rule.
// - Where a listener really listens: with private networking (root) each load balancer has its own address on the
//   Nimbus bridge (the highest free one of its first subnet) and listens on the listener's port there; otherwise
//   127.0.0.1:<port>, or a free port when that one is taken/privileged. DescribeLoadBalancers reports the address
//   (AvailabilityZones[].LoadBalancerAddresses), DescribeTags of a listener its `nimbus:endpoint`. The DNS name
//   (<name>-<n>.<region>.elb.localhost) does not resolve to it.
// - Security groups of load balancers admit them to targets (EC2 counts an ALB's address as a member) but are not applied
//   to their listeners. NLB targets see Nimbus's address, not the client's.
// - A target group serves one load balancer (as AWS's default quota). Stickiness attributes are stored, not applied.
// - Lambda targets need the Lambda engine wired (setLambdaInvoker); until then requests to them answer 502.
//   Health checks of Lambda targets are not run (Target.HealthCheckDisabled).
// - Instance targets are looked up in EC2 at each health check: stopped → unused (Target.InvalidState);
//   terminated → deregistered (drained) automatically, like AWS.

export const elbv2Model = JSON.parse(readFileSync(new URL('../../../models/elbv2.json', import.meta.url), 'utf8')) as ServiceModel;

export interface Elbv2ServiceDeps {
  db: Db;
  ec2: Ec2Deps;
  clock: Clock;
  ids: IdSource;
  log: Logger;
  /** Private networking available: give each load balancer an address on this bridge. */
  bridge?: string;
  /** Health-check intervals and timeouts × this (NIMBUS_ELB_HEALTH_SCALE; 1 = AWS timing). */
  healthScale?: number;
  lambda?: LambdaTargetInvoker;
}

/** The programmatic API Auto Scaling and CloudWatch use (same validation and persistence as the API). */
export interface Elbv2Api {
  /** RegisterTargets: targets start `initial` and get traffic once they pass the health checks. */
  registerTargets(tgArn: string, targets: Array<{ Id: string; Port?: number }>): void;
  /** DeregisterTargets; resolves when the targets are drained (in-flight requests done or deregistration delay over). */
  deregisterTargets(tgArn: string, targets: Array<{ Id: string; Port?: number }>): Promise<void>;
  /** DescribeTargetHealth's descriptions. */
  targetHealth(tgArn: string): S.TargetHealthDescription[];
  /** Called whenever a target finished draining. Returns an unsubscribe function. */
  onDrained(fn: (tgArn: string, target: { id: string; port: number }) => void): () => void;
  /** Load balancer ARNs that send traffic to the target group. */
  loadBalancersOf(tgArn: string): string[];
  /** CloudWatch metric source: AWS/ApplicationELB and AWS/NetworkELB datapoints since the previous call. */
  collectMetrics(now: number): MetricPoint[];
  /** Wires Lambda targets (the lead does this when Lambda lands). */
  setLambdaInvoker(invoker: LambdaTargetInvoker | undefined): void;
  /** The shape src/engines/scaling/ports.ts LoadBalancerPort asks for (autoscaling.engine.setPorts({ lb })). */
  loadBalancerPort(): {
    registerTargets(tgArn: string, targets: Array<{ id: string; port?: number }>): Promise<void>;
    deregisterTargets(tgArn: string, targets: Array<{ id: string; port?: number }>): Promise<void>;
    targetHealth(tgArn: string): Promise<Array<{ id: string; port: number; state: TargetState; reason?: string }>>;
  };
  /** The shape src/engines/metrics MetricsSource asks for (metrics.registerSource(...)). */
  metricsSource(): { name: string; collect(now: number): MetricsSourceDatum[] };
}

/** One datum as the CloudWatch metrics engine's sources report them (src/engines/metrics/types.ts SourceDatum). */
export interface MetricsSourceDatum {
  account: string;
  region: string;
  namespace: string;
  metricName: string;
  dimensions: Array<{ name: string; value: string }>;
  timestamp: number;
  unit: string;
  value?: number;
  statisticValues?: { sampleCount: number; sum: number; minimum: number; maximum: number };
}

export interface Elbv2Service {
  service: ServiceDefinition;
  engine: LoadBalancerEngine;
  api: Elbv2Api;
  /** GET /_nimbus/elbv2: every load balancer with where its listeners really listen. */
  internalRoutes: InternalRoute;
  close(): Promise<void>;
}


export async function createElbv2Service(o: Elbv2ServiceDeps): Promise<Elbv2Service> {
  const store = new Elbv2Store(o.db);
  const addresses = o.bridge ? new BridgeAddresses(o.bridge, () => o.ec2.store.usedIps()) : new LoopbackAddresses();
  const engine = new LoadBalancerEngine({
    clock: o.clock, log: o.log, addresses, healthScale: o.healthScale ?? 1, portFallback: !o.bridge, lambda: o.lambda,
    resolver: {
      instance: (id) => {
        const r = o.ec2.store.instance(id);
        return r ? { ip: r.private_ip, az: r.az, state: r.state } : undefined;
      },
    },
  });
  const d: Elbv2Deps = { store, engine, ec2: o.ec2, clock: o.clock, ids: o.ids, log: o.log };

  // Replay the stored state into the engine (listeners listen again, targets start `initial`).
  for (const row of store.allLbs()) {
    let address = row.address;
    const loopback = address === '127.0.0.1';
    try {
      if (o.bridge && loopback) address = await addresses.allocate(json<Array<{ cidr: string }>>(row.subnets).map((s) => s.cidr));
      else if (!o.bridge && !loopback) address = '127.0.0.1';
      else await addresses.restore(address);
    } catch (err) {
      o.log.warn({ err, lb: row.arn }, 'load balancer address could not be restored');
    }
    engine.putLoadBalancer(lbSpecOf({ ...row, address }));
    if (address !== row.address) store.setLbAddress(row.arn, address);
  }
  for (const row of store.allTgs()) {
    engine.putTargetGroup(tgSpecOf(row));
    const targets = store.targets(row.arn);
    if (targets.length) engine.registerTargets(row.arn, targets.map((t) => ({ id: t.target_id, port: t.port, availabilityZone: t.zone ?? undefined })));
  }
  for (const row of store.allListeners()) {
    await engine.putListener(listenerSpecOf(d, row)).catch((err) => o.log.warn({ err, listener: row.arn }, 'listener could not listen again'));
  }
  // A load balancer is a member of its security groups: a target's rule naming one of them admits the load balancer's
  // connections (they come from its address: engines/loadbalancer sourceAddress). Application load balancers only:
  // Nimbus's NLBs connect from Nimbus's own address, as their flows do.
  (o.ec2.groupMembers ??= []).push((gid) => store.allLbs()
    .filter((lb) => lb.type === 'application' && lb.address !== '127.0.0.1' && json<string[]>(lb.security_groups).includes(gid))
    .map((lb) => `${lb.address}/32`));
  const lbGroups = [...new Set(store.allLbs().flatMap((lb) => json<string[]>(lb.security_groups)))];
  if (lbGroups.length) await refreshFirewalls(o.ec2, lbGroups);
  // AWS deregisters targets whose instance terminated.
  engine.onInstanceGone((tgArn, t) => {
    store.deleteTarget(tgArn, t.id, t.port);
    engine.deregisterTargets(tgArn, [t]).catch(() => undefined);
  });

  const handlers: HandlerMap<Operations> = {
    ...loadBalancerHandlers(d),
    ...listenerHandlers(d),
    ...targetGroupHandlers(d),
    ...targetHandlers(d),
    ...tagHandlers(d),
  };

  const api: Elbv2Api = {
    registerTargets: (tgArn, targets) => registerTargets(d, scopeOfArn(tgArn), tgArn, targets),
    deregisterTargets: (tgArn, targets) => deregisterTargets(d, scopeOfArn(tgArn), tgArn, targets),
    targetHealth: (tgArn) => engine.targetHealth(tgArn).map(describeHealth),
    onDrained: (fn) => engine.onDrained(fn),
    loadBalancersOf: (tgArn) => engine.loadBalancersOf(tgArn),
    collectMetrics: (now) => engine.collectMetrics(now),
    setLambdaInvoker: (inv) => engine.setLambdaInvoker(inv),
    loadBalancerPort: () => ({
      registerTargets: async (tgArn, targets) => registerTargets(d, scopeOfArn(tgArn), tgArn, targets.map((t) => ({ Id: t.id, Port: t.port }))),
      deregisterTargets: async (tgArn, targets) => deregisterTargets(d, scopeOfArn(tgArn), tgArn, targets.map((t) => ({ Id: t.id, Port: t.port }))),
      targetHealth: async (tgArn) => engine.targetHealth(tgArn).map((h) => ({ id: h.id, port: h.port, state: h.state, reason: h.reason })),
    }),
    metricsSource: () => ({
      name: 'elbv2',
      collect: (now) => engine.collectMetrics(now).map((p) => ({
        account: p.account, region: p.region, namespace: p.Namespace, metricName: p.MetricName,
        dimensions: p.Dimensions.map((x) => ({ name: x.Name, value: x.Value })), timestamp: p.Timestamp.getTime(), unit: p.Unit,
        ...(p.Value !== undefined ? { value: p.Value } : {}),
        ...(p.StatisticValues ? { statisticValues: { sampleCount: p.StatisticValues.SampleCount, sum: p.StatisticValues.Sum, minimum: p.StatisticValues.Minimum, maximum: p.StatisticValues.Maximum } } : {}),
      })),
    }),
  };

  const internalRoutes: InternalRoute = (req) => {
    if (req.path !== '/_nimbus/elbv2') return undefined;
    const body = store.allLbs().map((row) => {
      const shape = lbShape(d, row);
      return {
        name: row.name, arn: row.arn, type: row.type, dnsName: row.dns_name, address: row.address,
        listeners: store.listeners(row.arn).map((l) => ({ arn: l.arn, protocol: l.protocol, port: l.port, endpoint: engine.listenerAddress(l.arn) })),
        zones: shape.AvailabilityZones?.map((z) => z.ZoneName),
      };
    });
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ loadBalancers: body }, null, 2) };
  };

  return {
    engine, api, internalRoutes,
    service: {
      name: 'elbv2',
      model: elbv2Model,
      protocols: [protocols.query],
      handlers: handlers as unknown as Record<string, Handler>,
      limitations: [
        'HTTP and TCP listeners only (no HTTPS/TLS, UDP or gateway load balancers); IPv4 only',
        'No authenticate/jwt actions, regex conditions or transforms',
        'Listeners bind the load balancer\'s own bridge address (root) or 127.0.0.1; see LoadBalancerAddresses and the listener tag nimbus:endpoint',
        'Load balancer security groups admit it to targets (as a rule source) but are not applied to its listeners; stickiness is stored, not applied',
        'Lambda targets need the Lambda engine wired; their health checks are not run',
      ],
    },
    close: () => engine.close(),
  };
}

export type { LambdaTargetInvoker, MetricPoint };
