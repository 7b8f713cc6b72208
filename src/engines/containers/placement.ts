// EC2 launch type task placement, as ECS does it: filter the cluster's ACTIVE, connected container instances by
// resources (CPU, memory, ports) and placement constraints, then apply the placement strategies in order, each
// keeping only the best candidates for the next (binpack: least remaining CPU or memory after placement; spread:
// fewest tasks of the group per value of a field; random). Ties left at the end are broken at random.

export interface Candidate {
  arn: string;
  ec2InstanceId: string;
  remainingCpu: number;
  remainingMemory: number;
  usedPorts: Set<number>;
  attributes: Record<string, string | undefined>;
  agentConnected: boolean;
  /** Tasks of the same group (service or RunTask group) already on the instance. */
  groupTasks: number;
}

export interface Need {
  cpu: number;
  memory: number;
  /** Host ports the task binds on the instance (bridge/host network modes). */
  ports: number[];
}

export interface Rule { type?: string; field?: string; expression?: string }

export type Placement = { ok: true; arn: string } | { ok: false; failures: Array<{ arn: string; reason: string }> };

export function place(candidates: Candidate[], need: Need, constraints: Rule[], strategies: Rule[], countByValue: (field: string, value: string) => number, rnd = Math.random): Placement {
  const failures: Array<{ arn: string; reason: string }> = [];
  let pool = candidates.filter((c) => {
    const reason = misfit(c, need, constraints);
    if (reason) failures.push({ arn: c.arn, reason });
    return !reason;
  });
  if (!pool.length) return { ok: false, failures };
  for (const s of strategies) {
    if (pool.length <= 1) break;
    if (s.type === 'binpack') {
      const key = (c: Candidate) => ((s.field ?? 'memory').toLowerCase() === 'cpu' ? c.remainingCpu - need.cpu : c.remainingMemory - need.memory);
      const best = Math.min(...pool.map(key));
      pool = pool.filter((c) => key(c) === best);
    } else if (s.type === 'spread') {
      const field = s.field ?? 'instanceId';
      const value = (c: Candidate) => fieldValue(c, field);
      const count = (c: Candidate) => (field === 'instanceId' || field === 'host' ? c.groupTasks : countByValue(field, value(c) ?? ''));
      const best = Math.min(...pool.map(count));
      pool = pool.filter((c) => count(c) === best);
    } else if (s.type === 'random') {
      pool = [pool[Math.floor(rnd() * pool.length)]!];
    }
  }
  return { ok: true, arn: pool[Math.floor(rnd() * pool.length)]!.arn };
}

function misfit(c: Candidate, need: Need, constraints: Rule[]): string | undefined {
  if (!c.agentConnected) return 'AGENT';
  if (c.remainingCpu < need.cpu) return 'RESOURCE:CPU';
  if (c.remainingMemory < need.memory) return 'RESOURCE:MEMORY';
  if (need.ports.some((p) => c.usedPorts.has(p))) return 'RESOURCE:PORTS';
  for (const k of constraints) {
    if (k.type === 'distinctInstance' && c.groupTasks > 0) return 'DistinctInstance placement constraint unsatisfied.';
    if (k.type === 'memberOf' && k.expression && !matches(c, k.expression)) return 'MemberOf placement constraint unsatisfied.';
  }
  return undefined;
}

/** A field of the cluster query language: attribute:<name>, ec2InstanceId, instanceId/host, agentConnected. */
export function fieldValue(c: Candidate, field: string): string | undefined {
  if (field.startsWith('attribute:')) return c.attributes[field.slice('attribute:'.length)];
  if (field === 'instanceId' || field === 'host' || field === 'ec2InstanceId') return c.ec2InstanceId;
  if (field === 'agentConnected') return String(c.agentConnected);
  return c.attributes[field];
}

/**
 * The cluster query language subset Nimbus evaluates: terms joined by `and`/`or` (no parentheses), each
 * `<field> ==|!=|=~|!~ <value>`, `<field> in [a, b]`, `<field> not_in [a, b]` or `<field> exists`.
 * `=~` takes a `*` wildcard pattern.
 */
export function matches(c: Candidate, expression: string): boolean {
  const ors = expression.split(/\s+or\s+/i);
  return ors.some((group) => group.split(/\s+and\s+/i).every((term) => evalTerm(c, term.trim())));
}

export function validExpression(expression: string): boolean {
  const probe: Candidate = { arn: '', ec2InstanceId: '', remainingCpu: 0, remainingMemory: 0, usedPorts: new Set(), attributes: {}, agentConnected: true, groupTasks: 0 };
  try {
    matches(probe, expression);
    return true;
  } catch {
    return false;
  }
}

function evalTerm(c: Candidate, term: string): boolean {
  let m = /^([\w:.-]+)\s+(not_in|in)\s+\[([^\]]*)\]$/i.exec(term);
  if (m) {
    const v = fieldValue(c, m[1]!);
    const list = m[3]!.split(',').map((x) => x.trim()).filter(Boolean);
    const inList = v !== undefined && list.includes(v);
    return m[2]!.toLowerCase() === 'in' ? inList : !inList;
  }
  m = /^([\w:.-]+)\s+exists$/i.exec(term);
  if (m) return fieldValue(c, m[1]!) !== undefined;
  m = /^([\w:.-]+)\s*(==|!=|=~|!~)\s*(\S+)$/.exec(term);
  if (!m) throw new Error(`invalid expression term: ${term}`);
  const v = fieldValue(c, m[1]!);
  const want = m[3]!;
  const glob = (pattern: string, s: string | undefined) => s !== undefined && new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(s);
  switch (m[2]) {
    case '==': return v === want;
    case '!=': return v !== want;
    case '=~': return glob(want, v);
    default: return !glob(want, v);
  }
}
