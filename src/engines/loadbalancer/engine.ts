import type { Server } from 'node:http';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import { realScheduler, type Scheduler } from '../queue/scheduler.ts';
import { FastHttpListener } from './fast-proxy.ts';
import { HttpListener } from './http-proxy.ts';
import { albPoints, Counters, point } from './metrics.ts';
import { LbRuntime, ListenerRuntime, targetGroupsOf, type ListenerHost } from './runtime.ts';
import { TargetGroupRuntime } from './target-group.ts';
import { sourceAddress } from './health.ts';
import { TcpListener } from './tcp-proxy.ts';
import type {
  AddressProvider, BoundAddress, LambdaTargetInvoker, ListenerSpec, LoadBalancerSpec, MetricPoint, TargetGroupSpec, TargetHealthInfo,
  TargetRef, TargetResolver,
} from './types.ts';
import { scopeOfArn } from '../../core/arn.ts';

// The load balancer engine: the run-time side of ELBv2. Listeners really listen (HTTP reverse proxy for
// application load balancers, TCP proxy for network load balancers), target groups health-check and spread,
// deregistration drains. No SQL here: the ELBv2 service persists and replays specs into the engine.

export interface LoadBalancerEngineOptions {
  clock: Clock;
  log: Logger;
  resolver: TargetResolver;
  addresses: AddressProvider;
  scheduler?: Scheduler;
  /** Multiplies health-check intervals and timeouts (1 = AWS timing). */
  healthScale?: number;
  /** When a listener's port is taken or privileged, listen on a free port instead (loopback mode). */
  portFallback?: boolean;
  lambda?: LambdaTargetInvoker;
}

interface OpenListener {
  rt: ListenerRuntime;
  server: Server;
  proxy: HttpListener | FastHttpListener | TcpListener;
  bound: BoundAddress;
  sockets: Set<import('node:net').Socket>;
}

type DrainedFn = (tgArn: string, target: { id: string; port: number }) => void;

export class LoadBalancerEngine {
  private lbs = new Map<string, LbRuntime>();
  private tgs = new Map<string, TargetGroupRuntime>();
  private listeners = new Map<string, OpenListener>();
  private drainedFns = new Set<DrainedFn>();
  private goneFns = new Set<DrainedFn>();
  private scheduler: Scheduler;
  private lambdaInvoker?: LambdaTargetInvoker;

  constructor(private opts: LoadBalancerEngineOptions) {
    this.scheduler = opts.scheduler ?? realScheduler;
    this.lambdaInvoker = opts.lambda;
  }

  get addresses(): AddressProvider {
    return this.opts.addresses;
  }

  /** Wires Lambda targets to the Lambda engine (until then they answer 502). */
  setLambdaInvoker(invoker: LambdaTargetInvoker | undefined): void {
    this.lambdaInvoker = invoker;
  }
  lambda(): LambdaTargetInvoker | undefined {
    return this.lambdaInvoker;
  }

  // ---- target groups

  putTargetGroup(spec: TargetGroupSpec): void {
    const tg = this.tgs.get(spec.arn);
    if (tg) {
      tg.update(spec);
      return;
    }
    this.tgs.set(spec.arn, new TargetGroupRuntime(spec, {
      clock: this.opts.clock, scheduler: this.scheduler, resolver: this.opts.resolver, log: this.opts.log, healthScale: this.opts.healthScale ?? 1,
      drained: (arn, t) => {
        for (const fn of this.drainedFns) fn(arn, t);
      },
      instanceGone: (arn, t) => {
        for (const fn of this.goneFns) fn(arn, t);
      },
    }));
    this.refreshUsage();
  }

  removeTargetGroup(arn: string): void {
    this.tgs.get(arn)?.close();
    this.tgs.delete(arn);
  }

  targetGroup(arn: string): TargetGroupRuntime | undefined {
    return this.tgs.get(arn);
  }

  /** Load balancers that send traffic to this target group. */
  loadBalancersOf(tgArn: string): string[] {
    return this.tgs.get(tgArn)?.loadBalancers ?? [];
  }

  registerTargets(tgArn: string, targets: TargetRef[]): void {
    this.must(tgArn).register(targets);
  }

  /** Resolves when the targets are gone: in-flight requests completed, or the deregistration delay passed. */
  deregisterTargets(tgArn: string, targets: TargetRef[]): Promise<void> {
    return this.must(tgArn).deregister(targets);
  }

  targetHealth(tgArn: string): TargetHealthInfo[] {
    return this.must(tgArn).health();
  }

  /** Called for every target that finished draining. Returns an unsubscribe function. */
  onDrained(fn: DrainedFn): () => void {
    this.drainedFns.add(fn);
    return () => this.drainedFns.delete(fn);
  }

  /** Called when an instance target's instance is terminated or gone (the service deregisters it, like AWS). */
  onInstanceGone(fn: DrainedFn): () => void {
    this.goneFns.add(fn);
    return () => this.goneFns.delete(fn);
  }

  private must(arn: string): TargetGroupRuntime {
    const tg = this.tgs.get(arn);
    if (!tg) throw new Error(`no target group ${arn}`);
    return tg;
  }

  // ---- load balancers and listeners

  putLoadBalancer(spec: LoadBalancerSpec): void {
    const lb = this.lbs.get(spec.arn);
    if (!lb) {
      this.lbs.set(spec.arn, new LbRuntime(spec));
      return;
    }
    lb.spec = spec;
    for (const l of this.listeners.values()) {
      if (l.rt.spec.lbArn === spec.arn && !(l.proxy instanceof TcpListener)) l.proxy.setIdleTimeout(spec.idleTimeoutSeconds);
    }
    this.refreshUsage();
  }

  async removeLoadBalancer(arn: string): Promise<void> {
    for (const [larn, l] of [...this.listeners]) if (l.rt.spec.lbArn === arn) await this.closeListener(larn);
    this.lbs.delete(arn);
    this.refreshUsage();
  }

  /** Opens (or re-binds, when its port or protocol changed) a listener; resolves with where it really listens. */
  async putListener(spec: ListenerSpec): Promise<BoundAddress> {
    const lb = this.lbs.get(spec.lbArn);
    if (!lb) throw new Error(`no load balancer ${spec.lbArn}`);
    const open = this.listeners.get(spec.arn);
    if (open && open.rt.spec.port === spec.port && open.rt.spec.protocol === spec.protocol) {
      open.rt.update(spec);
      this.refreshUsage();
      return open.bound;
    }
    if (open) await this.closeListener(spec.arn);
    const rt = new ListenerRuntime(spec);
    const engine = this;
    const host: ListenerHost = {
      lb, listener: rt,
      targetGroup: (arn) => engine.tgs.get(arn),
      lambda: () => engine.lambdaInvoker,
    };
    // NIMBUS_ELB_FAST=0 keeps application load balancers on the node:http proxy alone (the fast path hands it what it does not take).
    const proxy = lb.spec.type === 'network' ? new TcpListener(host) : process.env.NIMBUS_ELB_FAST === '0' ? new HttpListener(host) : new FastHttpListener(host);
    const server = proxy.server as Server;
    const sockets = new Set<import('node:net').Socket>();
    server.on('connection', (s: import('node:net').Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    const bound = await this.listen(server, lb.spec.address, spec.port);
    this.listeners.set(spec.arn, { rt, server, proxy, bound, sockets });
    this.refreshUsage();
    return bound;
  }

  private async listen(server: Server, host: string, port: number): Promise<BoundAddress> {
    const attempt = (p: number) => new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      server.once('error', onError);
      server.listen(p, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    try {
      await attempt(port);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!this.opts.portFallback || (code !== 'EADDRINUSE' && code !== 'EACCES')) throw err;
      this.opts.log.warn({ host, port, code }, 'load balancer port unavailable; listening on a free port instead');
      await attempt(0);
    }
    const a = server.address() as { address: string; port: number };
    return { host: a.address, port: a.port };
  }

  listenerAddress(arn: string): BoundAddress | undefined {
    return this.listeners.get(arn)?.bound;
  }

  async closeListener(arn: string): Promise<void> {
    const l = this.listeners.get(arn);
    if (!l) return;
    this.listeners.delete(arn);
    const closed = new Promise((r) => l.server.close(() => r(undefined)));
    for (const s of l.sockets) s.destroy();
    await closed;
    this.refreshUsage();
  }

  /** Which load balancers (and their zones) send traffic to each target group. */
  private refreshUsage(): void {
    const usage = new Map<string, Map<string, string[]>>();
    const sources = new Map<string, string>();
    for (const l of this.listeners.values()) {
      const lb = this.lbs.get(l.rt.spec.lbArn);
      if (!lb) continue;
      const arns = [...targetGroupsOf(l.rt.spec.defaultAction), ...l.rt.spec.rules.flatMap((r) => targetGroupsOf(r.action))];
      for (const arn of arns) {
        let m = usage.get(arn);
        if (!m) usage.set(arn, (m = new Map()));
        m.set(lb.spec.arn, lb.spec.zones);
        // AWS: health checks come from the load balancer's nodes. Here: from its address (NLBs keep Nimbus's, as their
        // proxied flows do). A target group serves one application load balancer in AWS; the first one wins here.
        const from = lb.spec.type === 'application' ? sourceAddress(lb.spec.address) : undefined;
        if (from && !sources.has(arn)) sources.set(arn, from);
      }
    }
    for (const [arn, tg] of this.tgs) {
      tg.healthSource = sources.get(arn);
      tg.setUsage(usage.get(arn) ?? new Map());
    }
  }

  // ---- metrics

  /**
   * CloudWatch metric source: datapoints since the previous call, AWS/ApplicationELB (RequestCount,
   * TargetResponseTime, HTTPCode_Target_2XX_Count…, HealthyHostCount, UnHealthyHostCount, RequestCountPerTarget)
   * and AWS/NetworkELB (NewFlowCount, ActiveFlowCount, ProcessedBytes, HealthyHostCount, UnHealthyHostCount), with
   * the AWS dimensions LoadBalancer = app/<name>/<id> (net/…) and TargetGroup = targetgroup/<name>/<id>.
   */
  collectMetrics(now: number): MetricPoint[] {
    const ts = new Date(now);
    const out: MetricPoint[] = [];
    const perTg = new Map<string, number>();
    for (const lb of this.lbs.values()) {
      const lbDim = [{ Name: 'LoadBalancer', Value: lb.spec.dimension }];
      const o = scopeOfArn(lb.spec.arn);
      const alb = lb.spec.type === 'application';
      const ns = alb ? 'AWS/ApplicationELB' : 'AWS/NetworkELB';
      if (alb) out.push(...albPoints(o, lb.counters, lbDim, ts, true));
      else {
        out.push(point(o, ns, 'NewFlowCount', lbDim, ts, 'Count', lb.counters.newFlows));
        out.push(point(o, ns, 'ActiveFlowCount', lbDim, ts, 'Count', lb.counters.activeFlows));
        out.push(point(o, ns, 'ProcessedBytes', lbDim, ts, 'Count', lb.counters.processedBytes));
      }
      lb.counters.reset();
      for (const [arn, tg] of this.tgs) {
        if (!tg.loadBalancers.includes(lb.spec.arn)) continue;
        const dims = [...lbDim, { Name: 'TargetGroup', Value: tg.spec.dimension }];
        const c = lb.tgCounters.get(arn) ?? new Counters();
        const { healthy, unhealthy } = tg.counts();
        out.push(point(o, ns, 'HealthyHostCount', dims, ts, 'Count', healthy), point(o, ns, 'UnHealthyHostCount', dims, ts, 'Count', unhealthy));
        if (alb) {
          out.push(...albPoints(o, c, dims, ts, false));
          out.push(point(o, ns, 'RequestCountPerTarget', dims, ts, 'Count', c.requests / Math.max(1, healthy)));
          perTg.set(arn, (perTg.get(arn) ?? 0) + c.requests);
        }
        c.reset();
      }
    }
    for (const [arn, requests] of perTg) {
      const tg = this.tgs.get(arn)!;
      const dims = [{ Name: 'TargetGroup', Value: tg.spec.dimension }];
      out.push(point(scopeOfArn(arn), 'AWS/ApplicationELB', 'RequestCountPerTarget', dims, ts, 'Count', requests / Math.max(1, tg.counts().healthy)));
    }
    return out;
  }

  /** Resolves when no health check probe is running (for tests driving a manual scheduler). */
  async settled(): Promise<void> {
    for (const tg of this.tgs.values()) await tg.settled();
  }

  async close(): Promise<void> {
    for (const arn of [...this.listeners.keys()]) await this.closeListener(arn);
    for (const tg of this.tgs.values()) tg.close();
    this.tgs.clear();
    this.lbs.clear();
    await this.opts.addresses.close();
  }
}
