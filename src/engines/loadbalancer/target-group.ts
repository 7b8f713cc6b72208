import { Agent } from 'node:http';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { Scheduler } from '../queue/scheduler.ts';
import { parseMatcher, probeHttp, probeTcp, type ProbeResult } from './health.ts';
import type { TargetGroupSpec, TargetHealthInfo, TargetReason, TargetRef, TargetResolver, TargetState } from './types.ts';

// One target group at run time: its targets' health (the AWS state machine: initial → healthy ⇄ unhealthy,
// unused, draining), health checks on the injected scheduler, the spread of requests (round robin with slow start,
// or least outstanding requests) and deregistration that drains in-flight requests before a target leaves.

export interface TargetGroupHooks {
  clock: Clock;
  scheduler: Scheduler;
  resolver: TargetResolver;
  log: Logger;
  /** Health-check intervals and timeouts are multiplied by this (1 = AWS timing; 0.1 for demos and tests). */
  healthScale: number;
  /** A target finished draining and is gone. */
  drained(tgArn: string, target: { id: string; port: number }): void;
  /** An instance target's instance no longer exists or was terminated (AWS deregisters it). */
  instanceGone(tgArn: string, target: { id: string; port: number }): void;
}

/** Something in flight to a target that a drain past its deadline must cut (a proxied request or TCP flow). */
export interface InFlight {
  cut(): void;
}

export class Target {
  state: TargetState = 'initial';
  reason?: TargetReason = 'Elb.RegistrationInProgress';
  description?: string = 'Target registration is in progress';
  ip?: string;
  passes = 0;
  fails = 0;
  inflight = 0;
  readonly active = new Set<InFlight>();
  healthySince = 0;
  slowStartEnd = 0;
  wrr = 0;
  timer: unknown;
  probing?: Promise<void>;
  agent?: Agent;
  drain?: { timer: unknown; done: Promise<void>; resolve: () => void };
  constructor(readonly id: string, readonly port: number, public az: string | undefined, readonly registeredAt: number) {}
  get key(): string {
    return `${this.id}:${this.port}`;
  }
  /** Keep-alive connections to this target (one agent per target). */
  httpAgent(): Agent {
    this.agent ??= new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256, scheduling: 'lifo' });
    return this.agent;
  }
}

export class TargetGroupRuntime {
  readonly targets = new Map<string, Target>();
  /** Load balancers sending traffic here → their enabled zones. */
  private usage = new Map<string, string[]>();
  private matcher: (c: number) => boolean;
  private cache = new Map<string, Target[]>();
  private rr = 0;
  private closed = false;

  constructor(public spec: TargetGroupSpec, private hooks: TargetGroupHooks) {
    this.matcher = parseMatcher(spec.healthCheck.matcher);
  }

  /** Where health checks come from: the address of an application load balancer using this group (see sourceAddress). */
  healthSource?: string;

  get inUse(): boolean {
    return this.usage.size > 0;
  }
  get loadBalancers(): string[] {
    return [...this.usage.keys()];
  }

  update(spec: TargetGroupSpec): void {
    const hcChanged = JSON.stringify(spec.healthCheck) !== JSON.stringify(this.spec.healthCheck);
    this.spec = spec;
    this.matcher = parseMatcher(spec.healthCheck.matcher);
    if (hcChanged) for (const t of this.targets.values()) if (t.state !== 'draining') this.activate(t, true);
    this.changed();
  }

  setUsage(usage: Map<string, string[]>): void {
    const was = this.inUse;
    const before = JSON.stringify([...this.usage]);
    this.usage = usage;
    if (before === JSON.stringify([...usage])) return;
    for (const t of this.targets.values()) if (t.state !== 'draining') this.activate(t, was !== this.inUse);
    this.changed();
  }

  register(refs: TargetRef[]): void {
    const now = this.hooks.clock.now();
    for (const r of refs) {
      const port = r.port ?? this.spec.port ?? 0;
      const key = `${r.id}:${port}`;
      const existing = this.targets.get(key);
      // Registering a draining target again puts it back (AWS cancels the deregistration).
      if (existing && existing.state !== 'draining') continue;
      if (existing) this.finish(existing, false);
      const t = new Target(r.id, port, r.availabilityZone, now);
      this.targets.set(key, t);
      this.activate(t, true);
    }
    this.changed();
  }

  /** Starts draining; resolves when every target given is gone (in-flight requests done, or the delay passed). */
  deregister(refs: TargetRef[]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const r of refs) {
      const t = this.targets.get(`${r.id}:${r.port ?? this.spec.port ?? 0}`);
      if (!t) continue;
      waits.push(this.startDrain(t));
    }
    this.changed();
    return Promise.all(waits).then(() => undefined);
  }

  private startDrain(t: Target): Promise<void> {
    if (t.drain) return t.drain.done;
    this.hooks.scheduler.clearTimeout(t.timer);
    t.timer = undefined;
    t.state = 'draining';
    t.reason = 'Target.DeregistrationInProgress';
    t.description = 'Target deregistration is in progress';
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    t.drain = { timer: undefined, done, resolve };
    // AWS completes at once when nothing is in flight; otherwise it waits up to the deregistration delay.
    if (t.inflight === 0 || !this.inUse) {
      this.finish(t, false);
    } else {
      t.drain.timer = this.hooks.scheduler.setTimeout(() => this.finish(t, true), this.spec.deregistrationDelaySeconds * 1000, true);
    }
    return done;
  }

  /** Removes a target for good; `cut` closes what is still in flight (the drain deadline passed). */
  private finish(t: Target, cut: boolean): void {
    if (this.targets.get(t.key) !== t) return;
    this.targets.delete(t.key);
    this.hooks.scheduler.clearTimeout(t.timer);
    if (t.drain) this.hooks.scheduler.clearTimeout(t.drain.timer);
    if (cut) for (const f of [...t.active]) f.cut();
    t.agent?.destroy();
    this.changed();
    if (t.drain) {
      t.drain.resolve();
      this.hooks.drained(this.spec.arn, { id: t.id, port: t.port });
    }
  }

  health(): TargetHealthInfo[] {
    const hcPort = this.spec.healthCheck.port;
    return [...this.targets.values()].map((t) => ({
      id: t.id, port: t.port, availabilityZone: t.az, healthCheckPort: hcPort === 'traffic-port' ? String(t.port) : hcPort,
      state: t.state, reason: t.reason, description: t.description,
    }));
  }

  /** (Re)starts a target's health checking from scratch, or marks why it gets none. */
  private activate(t: Target, reset: boolean): void {
    const hc = this.spec.healthCheck;
    this.hooks.scheduler.clearTimeout(t.timer);
    t.timer = undefined;
    if (!this.inUse) {
      this.set(t, 'unused', 'Target.NotInUse', 'Target group is not configured to receive traffic from the load balancer');
      t.passes = t.fails = 0;
      return;
    }
    if (!hc.enabled || this.spec.targetType === 'lambda') {
      this.set(t, 'unavailable', 'Target.HealthCheckDisabled', 'Health checks are disabled for the target group');
      return;
    }
    if (reset || t.state === 'unused' || t.state === 'unavailable') {
      t.passes = t.fails = 0;
      this.set(t, 'initial', 'Elb.RegistrationInProgress', 'Target registration is in progress');
    }
    // The first check runs at once (AWS starts within seconds), then every interval.
    t.timer = this.hooks.scheduler.setTimeout(() => this.check(t), 0, true);
  }

  private set(t: Target, state: TargetState, reason?: TargetReason, description?: string): void {
    const moved = t.state !== state;
    t.state = state;
    t.reason = reason;
    t.description = description;
    if (moved) this.changed();
  }

  /** The target's address now (instances are looked up in EC2 each time: they stop, start and terminate). */
  private resolve(t: Target): { ip?: string; problem?: string; gone?: boolean } {
    if (this.spec.targetType === 'ip') return { ip: t.id };
    const inst = this.hooks.resolver.instance(t.id);
    if (!inst || inst.state === 'terminated') return { gone: true, problem: 'terminated' };
    t.az ??= inst.az;
    if (inst.state !== 'running') return { problem: inst.state, ip: inst.ip };
    return { ip: inst.ip };
  }

  private zoneEnabled(t: Target): boolean {
    if (!t.az || t.az === 'all') return true;
    for (const zones of this.usage.values()) if (zones.includes(t.az)) return true;
    return false;
  }

  private check(t: Target): void {
    if (this.closed || this.targets.get(t.key) !== t || t.state === 'draining') return;
    const hc = this.spec.healthCheck;
    const interval = Math.max(1, hc.intervalSeconds * 1000 * this.hooks.healthScale);
    t.timer = this.hooks.scheduler.setTimeout(() => this.check(t), interval, true);
    const where = this.resolve(t);
    if (where.gone) {
      this.set(t, 'unused', 'Target.InvalidState', 'Target is in the terminated state');
      this.hooks.instanceGone(this.spec.arn, { id: t.id, port: t.port });
      return;
    }
    if (where.problem) {
      t.passes = t.fails = 0;
      this.set(t, 'unused', 'Target.InvalidState', `Target is in the ${where.problem} state`);
      return;
    }
    if (!this.zoneEnabled(t)) {
      this.set(t, 'unused', 'Target.NotInUse', 'Target is in an Availability Zone that is not enabled for the load balancer');
      return;
    }
    if (t.state === 'unused') this.set(t, 'initial', 'Elb.RegistrationInProgress', 'Target registration is in progress');
    t.ip = where.ip;
    const port = hc.port === 'traffic-port' ? t.port : Number(hc.port);
    const timeout = Math.max(1, hc.timeoutSeconds * 1000 * this.hooks.healthScale);
    const probe = hc.protocol === 'TCP'
      ? probeTcp(where.ip!, port, timeout, this.hooks.scheduler, this.healthSource)
      : probeHttp(where.ip!, port, hc.path, timeout, this.matcher, this.hooks.scheduler, this.healthSource);
    t.probing = probe.then((r) => this.apply(t, r));
  }

  private apply(t: Target, r: ProbeResult): void {
    t.probing = undefined;
    if (this.closed || this.targets.get(t.key) !== t || t.state === 'draining' || t.state === 'unused') return;
    const hc = this.spec.healthCheck;
    if (r.ok) {
      t.passes += 1;
      t.fails = 0;
      if ((t.state === 'initial' || t.state === 'unhealthy') && t.passes >= hc.healthyThreshold) {
        const now = this.hooks.clock.now();
        const others = [...this.targets.values()].some((o) => o !== t && o.state === 'healthy');
        t.healthySince = now;
        // Slow start only ramps a target up when others already carry the load (AWS).
        t.slowStartEnd = this.spec.slowStartSeconds > 0 && others ? now + this.spec.slowStartSeconds * 1000 : 0;
        t.wrr = 0;
        this.set(t, 'healthy');
      } else if (t.state === 'initial') {
        this.set(t, 'initial', 'Elb.InitialHealthChecking', 'Initial health checks in progress');
      }
    } else {
      t.fails += 1;
      t.passes = 0;
      if (t.state === 'unhealthy' || t.fails >= hc.unhealthyThreshold) {
        t.slowStartEnd = 0;
        this.set(t, 'unhealthy', r.reason, r.description);
      } else if (t.state === 'initial') {
        this.set(t, 'initial', 'Elb.InitialHealthChecking', 'Initial health checks in progress');
      }
    }
  }

  /** Resolves when no health-check probe is running (tests drive checks with a manual scheduler). */
  async settled(): Promise<void> {
    for (;;) {
      const running = [...this.targets.values()].map((t) => t.probing).filter(Boolean);
      if (!running.length) return;
      await Promise.all(running);
    }
  }

  private changed(): void {
    this.cache.clear();
  }

  /** Targets that may take a request in this zone ('' = any zone): healthy ones, else all unhealthy ones (fail open). */
  pool(zone: string): Target[] {
    let p = this.cache.get(zone);
    if (p) return p;
    const inZone = (t: Target) => !zone || !t.az || t.az === 'all' || t.az === zone;
    const all = [...this.targets.values()].filter(inZone);
    p = all.filter((t) => t.state === 'healthy' || t.state === 'unavailable');
    if (!p.length) p = all.filter((t) => t.state === 'unhealthy');
    this.cache.set(zone, p);
    return p;
  }

  /** Whether any target could take a request in this zone. */
  hasTargets(zone: string): boolean {
    return this.pool(zone).length > 0;
  }

  /** Picks the target for the next request/flow (undefined: nothing registered, healthy or failing open). */
  pick(zone = ''): Target | undefined {
    const pool = this.pool(zone);
    const n = pool.length;
    if (n === 0) return undefined;
    if (n === 1) return this.ready(pool[0]!);
    if (this.spec.algorithm === 'least_outstanding_requests') {
      const start = this.rr++ % n;
      let best = pool[start]!;
      for (let i = 1; i < n; i++) {
        const t = pool[(start + i) % n]!;
        if (t.inflight < best.inflight) best = t;
      }
      return this.ready(best);
    }
    const now = this.hooks.clock.now();
    let ramping = false;
    for (const t of pool) if (t.slowStartEnd > now) ramping = true;
    if (!ramping) return this.ready(pool[this.rr++ % n]!);
    // Smooth weighted round robin; a target in slow start weighs (time since healthy / slow start duration).
    let total = 0;
    let best: Target | undefined;
    for (const t of pool) {
      const w = t.slowStartEnd > now ? Math.max(0.01, (now - t.healthySince) / (t.slowStartEnd - t.healthySince)) : 1;
      t.wrr += w;
      total += w;
      if (!best || t.wrr > best.wrr) best = t;
    }
    best!.wrr -= total;
    return this.ready(best!);
  }

  /** Instance targets need their address before the first request (health checks fill it in; this covers the rest). */
  private ready(t: Target): Target {
    if (!t.ip) t.ip = this.resolve(t).ip;
    return t;
  }

  begin(t: Target, f: InFlight): void {
    t.inflight += 1;
    t.active.add(f);
  }

  end(t: Target, f: InFlight): void {
    if (!t.active.delete(f)) return;
    t.inflight -= 1;
    if (t.inflight === 0 && t.drain && this.targets.get(t.key) === t) this.finish(t, false);
  }

  counts(): { healthy: number; unhealthy: number } {
    let healthy = 0;
    let unhealthy = 0;
    for (const t of this.targets.values()) {
      if (t.state === 'healthy' || t.state === 'unavailable') healthy += 1;
      else if (t.state === 'unhealthy') unhealthy += 1;
    }
    return { healthy, unhealthy };
  }

  close(): void {
    this.closed = true;
    for (const t of this.targets.values()) {
      this.hooks.scheduler.clearTimeout(t.timer);
      if (t.drain) {
        this.hooks.scheduler.clearTimeout(t.drain.timer);
        t.drain.resolve();
      }
      for (const f of [...t.active]) f.cut();
      t.agent?.destroy();
    }
    this.targets.clear();
  }
}
