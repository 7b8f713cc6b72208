import type { AsgInstanceRow } from './store.ts';

// Scale-in victim selection (docs: ec2-auto-scaling-termination-policies). Every policy first balances
// Availability Zones (picks from the AZ with the most instances), then narrows by the listed policies in
// order; 'Default' = OldestLaunchTemplate → ClosestToNextInstanceHour → random.

export const TERMINATION_POLICIES = ['Default', 'OldestInstance', 'NewestInstance', 'OldestLaunchConfiguration', 'OldestLaunchTemplate', 'ClosestToNextInstanceHour', 'AllocationStrategy'];

type Narrow = (pool: AsgInstanceRow[]) => AsgInstanceRow[];

const keepBy = (pool: AsgInstanceRow[], score: (r: AsgInstanceRow) => number, lowest = true): AsgInstanceRow[] => {
  const vals = pool.map(score);
  const best = lowest ? Math.min(...vals) : Math.max(...vals);
  return pool.filter((_, i) => vals[i] === best);
};

const templateVersion = (r: AsgInstanceRow): { id: string; version: number } | undefined => (r.launch_template ? JSON.parse(r.launch_template) : undefined);

export function chooseVictims(
  candidates: AsgInstanceRow[], all: AsgInstanceRow[], count: number, policies: string[],
  current: { id: string; version: number } | undefined, now: number, random: () => number = Math.random,
): AsgInstanceRow[] {
  const picked: AsgInstanceRow[] = [];
  const remaining = [...all];
  const narrowers: Record<string, Narrow> = {
    OldestInstance: (p) => keepBy(p, (r) => r.launched_at),
    NewestInstance: (p) => keepBy(p, (r) => r.launched_at, false),
    OldestLaunchTemplate: (p) => {
      // Instances not on the current template version go first; among those, the oldest version.
      const stale = p.filter((r) => { const t = templateVersion(r); return !current || !t || t.id !== current.id || t.version !== current.version; });
      return stale.length ? keepBy(stale, (r) => templateVersion(r)?.version ?? 0) : p;
    },
    ClosestToNextInstanceHour: (p) => keepBy(p, (r) => 3600 - (Math.floor((now - r.launched_at) / 1000) % 3600)),
    AllocationStrategy: (p) => p,
  };
  narrowers.OldestLaunchConfiguration = narrowers.OldestLaunchTemplate;
  narrowers.Default = (p) => narrowers.ClosestToNextInstanceHour(narrowers.OldestLaunchTemplate(p));
  for (let n = 0; n < count; n++) {
    let pool = candidates.filter((c) => !picked.includes(c) && !c.protected);
    if (!pool.length) break;
    // AZ balance: the AZ with the most instances (of those we may still pick from) loses one.
    const perAz = new Map<string, number>();
    for (const r of remaining) perAz.set(r.az, (perAz.get(r.az) ?? 0) + 1);
    const azs = [...new Set(pool.map((r) => r.az))].sort((a, b) => (perAz.get(b) ?? 0) - (perAz.get(a) ?? 0));
    pool = pool.filter((r) => r.az === azs[0]);
    for (const p of policies.length ? policies : ['Default']) {
      if (pool.length <= 1) break;
      pool = (narrowers[p] ?? narrowers.Default)(pool);
    }
    const victim = pool[Math.floor(random() * pool.length) % pool.length];
    picked.push(victim);
    remaining.splice(remaining.indexOf(victim), 1);
  }
  return picked;
}
