import { Counters } from './metrics.ts';
import { compileRules, type CompiledRule } from './rules.ts';
import type { TargetGroupRuntime } from './target-group.ts';
import type { ActionSpec, LambdaTargetInvoker, ListenerSpec, LoadBalancerSpec } from './types.ts';

/** A load balancer at run time: its spec, its metric counters and the zone cursor (cross-zone off). */
export class LbRuntime {
  readonly counters = new Counters();
  /** Per target group counters (dimensions LoadBalancer + TargetGroup). */
  readonly tgCounters = new Map<string, Counters>();
  zoneCursor = 0;
  constructor(public spec: LoadBalancerSpec) {}
  tg(arn: string): Counters {
    let c = this.tgCounters.get(arn);
    if (!c) this.tgCounters.set(arn, (c = new Counters()));
    return c;
  }
}

export class ListenerRuntime {
  rules: CompiledRule[];
  constructor(public spec: ListenerSpec) {
    this.rules = compileRules(spec.rules);
  }
  update(spec: ListenerSpec): void {
    this.spec = spec;
    this.rules = compileRules(spec.rules);
  }
}

/** What a listener's proxy needs from the engine. */
export interface ListenerHost {
  readonly lb: LbRuntime;
  readonly listener: ListenerRuntime;
  targetGroup(arn: string): TargetGroupRuntime | undefined;
  lambda(): LambdaTargetInvoker | undefined;
}

/** Target groups an action sends traffic to. */
export function targetGroupsOf(a: ActionSpec): string[] {
  return a.type === 'forward' ? a.targetGroups.map((t) => t.arn) : [];
}

/** Picks one target group of a (weighted) forward action. */
export function chooseTargetGroup(targetGroups: Array<{ arn: string; weight: number }>): string | undefined {
  if (targetGroups.length === 1) return targetGroups[0]!.arn;
  let total = 0;
  for (const t of targetGroups) total += t.weight;
  if (total <= 0) return undefined;
  let r = Math.random() * total;
  for (const t of targetGroups) {
    r -= t.weight;
    if (r < 0 && t.weight > 0) return t.arn;
  }
  return targetGroups.filter((t) => t.weight > 0).pop()?.arn;
}

/**
 * The zone a request is served in. Cross-zone on (ALB default) = any zone. Off: like AWS's per-zone nodes taking
 * an even share of clients each, requests rotate over the enabled zones that have targets to take them.
 */
export function chooseZone(lb: LbRuntime, tg: TargetGroupRuntime): string {
  const zones = lb.spec.zones;
  if ((tg.spec.crossZone ?? lb.spec.crossZone) || zones.length < 2) return '';
  for (let i = 0; i < zones.length; i++) {
    const z = zones[lb.zoneCursor++ % zones.length]!;
    if (tg.hasTargets(z)) return z;
  }
  return '';
}
