import type { IngressRule } from '../../drivers/driver.ts';
import { intToIp, ipToInt, isValidCidr, parseCidr } from '../../engines/network/ipam.ts';
import type { Ec2Deps, Scope } from './deps.ts';
import { applyFilters, type FilterInput } from './domain/filters.ts';
import {
  DependencyViolation, InvalidGroupDuplicate, InvalidGroupIdMalformed, InvalidGroupNotFound, InvalidGroupReserved,
  InvalidParameterValue, InvalidPermissionDuplicate, InvalidPermissionMalformed, InvalidPermissionNotFound, MissingParameter, InvalidVpcIDNotFound,
} from './errors.ts';
import { ensureDefaultVpc } from './network.ts';
import type { InstanceRow, RuleRow, SecurityGroupRow } from './store.ts';
import { applyTagSpecifications, type TagSpecification } from './tags.ts';

interface IpPermission {
  IpProtocol?: string; FromPort?: number; ToPort?: number;
  IpRanges?: { CidrIp?: string; Description?: string }[];
  UserIdGroupPairs?: { GroupId?: string; GroupName?: string; UserId?: string; Description?: string }[];
  Ipv6Ranges?: unknown[]; PrefixListIds?: unknown[];
}

const PROTOCOLS: Record<string, string> = { tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp', icmp: 'icmp', '1': 'icmp', '-1': '-1', all: '-1' };

export function findGroup(d: Ec2Deps, s: Scope, id: string): SecurityGroupRow {
  if (!/^sg-[0-9a-f]+$/.test(id)) throw new InvalidGroupIdMalformed(`Invalid id: "${id}" (expecting "sg-...")`);
  ensureDefaultVpc(d, s);
  const g = d.store.group(id);
  if (!g || g.account !== s.account || g.region !== s.region) throw new InvalidGroupNotFound(`The security group '${id}' does not exist`);
  return g;
}

function groupByNameOrId(d: Ec2Deps, s: Scope, id?: string, name?: string): SecurityGroupRow {
  if (id) return findGroup(d, s, id);
  if (!name) throw new MissingParameter('The request must contain the parameter groupId or groupName');
  const { vpc } = ensureDefaultVpc(d, s);
  const g = d.store.groupByName(s, vpc.id, name);
  if (!g) throw new InvalidGroupNotFound(`The security group '${name}' does not exist in default VPC '${vpc.id}'`);
  return g;
}

function toRules(d: Ec2Deps, s: Scope, group: SecurityGroupRow, perms: IpPermission[] | undefined, egress: boolean): RuleRow[] {
  if (!perms?.length) throw new MissingParameter('The request must contain the parameter ipPermissions');
  const out: RuleRow[] = [];
  for (const p of perms) {
    const protocol = PROTOCOLS[String(p.IpProtocol ?? '').toLowerCase()];
    if (!protocol) throw new InvalidParameterValue(`Invalid value '${p.IpProtocol}' for IP protocol. Unknown protocol.`);
    let from: number | null = null, to: number | null = null;
    if (protocol !== '-1') {
      if (p.FromPort === undefined || p.ToPort === undefined) throw new InvalidPermissionMalformed('The request must specify FromPort and ToPort for TCP, UDP and ICMP rules');
      from = p.FromPort; to = p.ToPort;
      if (protocol !== 'icmp' && (from < 0 || to > 65535 || from > to)) throw new InvalidParameterValue(`Invalid port range ${from}-${to}`);
    }
    const base = { group_id: group.id, is_egress: egress ? 1 : 0, protocol, from_port: from, to_port: to };
    for (const r of p.IpRanges ?? []) {
      if (!r.CidrIp || !isValidCidr(r.CidrIp)) throw new InvalidParameterValue(`CIDR block ${r.CidrIp} is malformed`);
      out.push({ id: d.ids.next('sgr'), ...base, cidr: r.CidrIp, source_group_id: null, description: r.Description ?? null });
    }
    for (const pair of p.UserIdGroupPairs ?? []) {
      const src = groupByNameOrId(d, s, pair.GroupId, pair.GroupName);
      out.push({ id: d.ids.next('sgr'), ...base, cidr: null, source_group_id: src.id, description: pair.Description ?? null });
    }
    if (!(p.IpRanges?.length || p.UserIdGroupPairs?.length)) {
      throw new InvalidPermissionMalformed('The request must contain an IP range or a source security group');
    }
  }
  return out;
}

const sameRule = (a: RuleRow, b: RuleRow) =>
  a.is_egress === b.is_egress && a.protocol === b.protocol && a.from_port === b.from_port && a.to_port === b.to_port && a.cidr === b.cidr && a.source_group_id === b.source_group_id;

function describeRule(r: RuleRow): string {
  const proto = r.protocol === '-1' ? 'ALL' : r.protocol.toUpperCase();
  return `peer: ${r.cidr ?? r.source_group_id}, ${proto}, from port: ${r.from_port ?? 'ALL'}, to port: ${r.to_port ?? 'ALL'}, ALLOW`;
}

/** Rows → the API's IpPermissions, grouping rules with the same protocol and ports. */
function permissions(rows: RuleRow[], account: string) {
  const map = new Map<string, { IpProtocol: string; FromPort?: number; ToPort?: number; IpRanges: object[]; UserIdGroupPairs: object[]; Ipv6Ranges: []; PrefixListIds: [] }>();
  for (const r of rows) {
    const key = `${r.protocol}/${r.from_port}/${r.to_port}`;
    let p = map.get(key);
    if (!p) {
      p = { IpProtocol: r.protocol, FromPort: r.from_port ?? undefined, ToPort: r.to_port ?? undefined, IpRanges: [], UserIdGroupPairs: [], Ipv6Ranges: [], PrefixListIds: [] };
      map.set(key, p);
    }
    if (r.cidr) p.IpRanges.push({ CidrIp: r.cidr, Description: r.description ?? undefined });
    if (r.source_group_id) p.UserIdGroupPairs.push({ GroupId: r.source_group_id, UserId: account, Description: r.description ?? undefined });
  }
  return [...map.values()];
}

function ruleShape(r: RuleRow, g: SecurityGroupRow) {
  return {
    SecurityGroupRuleId: r.id, GroupId: g.id, GroupOwnerId: g.account, IsEgress: r.is_egress === 1, IpProtocol: r.protocol,
    FromPort: r.from_port ?? -1, ToPort: r.to_port ?? -1, CidrIpv4: r.cidr ?? undefined, Description: r.description ?? undefined,
    ReferencedGroupInfo: r.source_group_id ? { GroupId: r.source_group_id, UserId: g.account } : undefined,
    SecurityGroupRuleArn: `arn:aws:ec2:${g.region}:${g.account}:security-group-rule/${r.id}`,
  };
}

/** Per-refresh memo of group rules and members: a refresh of N instances reads each group once, not N times. */
export interface IngressCache {
  rules: Map<string, ReturnType<Ec2Deps['store']['rules']>>;
  members: Map<string, string[]>;
  /** Live instances (for the addresses of other VPCs), read once per refresh. */
  live?: InstanceRow[];
  /** Sorted addresses outside each VPC. */
  foreign?: Map<string, number[]>;
}

export const newIngressCache = (): IngressCache => ({ rules: new Map(), members: new Map() });

// ---- VPC isolation (issue 8) ---------------------------------------------------------------------------------
// AWS: two VPCs are not routable to each other (without peering), so an instance of account B never reaches one of
// account A, whatever A's security groups allow. Here every default VPC (one per account and region) shares one
// bridge and one address space, so the isolation is made in the allow rules themselves: no rule of an instance
// ever covers the address of an instance of another VPC (its CIDRs are split around those addresses). Works for
// every driver (the rules are plain CIDRs) and needs no deny rules. Addresses of other VPCs change when an instance
// boots or terminates; scheduleFirewallRefresh then refreshes the instances of the other VPCs too.

/** Sorted addresses (as integers) of live instances outside `vpcId`. */
function foreignAddresses(d: Ec2Deps, vpcId: string, cache: IngressCache): number[] {
  cache.live ??= d.store.liveInstances();
  cache.foreign ??= new Map();
  let list = cache.foreign.get(vpcId);
  if (!list) {
    list = [...new Set(cache.live.filter((i) => i.vpc_id !== vpcId && i.private_ip).map((i) => ipToInt(i.private_ip)))].sort((a, b) => a - b);
    cache.foreign.set(vpcId, list);
  }
  return list;
}

/** The smallest list of CIDRs covering [lo, hi] exactly. */
function rangeToCidrs(lo: number, hi: number): string[] {
  const out: string[] = [];
  while (lo <= hi) {
    let bits = 0;
    // Grow the block while it stays aligned at lo and inside [lo, hi].
    while (bits < 32 && lo % 2 ** (bits + 1) === 0 && lo + 2 ** (bits + 1) - 1 <= hi) bits++;
    out.push(`${intToIp(lo)}/${32 - bits}`);
    lo += 2 ** bits;
  }
  return out;
}

/** `cidrs` (possibly overlapping) minus the `excluded` addresses, as non-overlapping CIDRs. */
export function subtractAddresses(cidrs: string[], excluded: number[]): string[] {
  const ranges = cidrs.filter(isValidCidr).map((c) => {
    const { base, size } = parseCidr(c);
    return [base, base + size - 1] as [number, number];
  }).sort((a, b) => a[0] - b[0]);
  // Union first: nft interval sets must not overlap.
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  const out: string[] = [];
  for (const [lo, hi] of merged) {
    let from = lo;
    // `excluded` is sorted: start at the first address >= lo (binary search), stop past hi.
    let a = 0, b = excluded.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (excluded[m]! < lo) a = m + 1;
      else b = m;
    }
    for (let i = a; i < excluded.length && excluded[i]! <= hi; i++) {
      const x = excluded[i]!;
      if (x > from) out.push(...rangeToCidrs(from, x - 1));
      from = x + 1;
    }
    if (from <= hi) out.push(...rangeToCidrs(from, hi));
  }
  return out;
}

/** The ingress rules a running instance's firewall must allow, with group references resolved to member IPs. */
export function ingressFor(d: Ec2Deps, inst: InstanceRow, memo?: IngressCache): IngressRule[] {
  // Called without a memo when an instance (re)starts: a booting instance is a new address for every other VPC, so
  // their firewalls are refreshed now rather than after it has started.
  const cache = memo ?? newIngressCache();
  const foreign = foreignAddresses(d, inst.vpc_id, cache);
  if (!memo && inst.state === 'pending' && foreign.length) scheduleFirewallRefresh(d, [], 0);
  const rulesOf = (gid: string) => cache.rules.get(gid) ?? cache.rules.set(gid, d.store.rules(gid)).get(gid)!;
  const membersOf = (gid: string) => cache.members.get(gid) ?? cache.members.set(gid, [
    ...d.store.instancesInGroup(gid).filter((i) => i.state === 'running' || i.state === 'pending').map((i) => `${i.private_ip}/32`),
    ...(d.groupMembers ?? []).flatMap((f) => f(gid)),
  ]).get(gid)!;
  const rules: IngressRule[] = [];
  for (const gid of JSON.parse(inst.security_group_ids) as string[]) {
    for (const r of rulesOf(gid)) {
      if (r.is_egress) continue;
      const wanted = r.cidr ? [r.cidr] : membersOf(r.source_group_id!);
      const cidrs = foreign.length ? subtractAddresses(wanted, foreign) : wanted;
      if (cidrs.length) rules.push({ protocol: r.protocol, fromPort: r.from_port ?? undefined, toPort: r.to_port ?? undefined, cidrs });
    }
  }
  return rules;
}

/**
 * Re-applies firewalls of running instances whose groups are (or reference) any of these groups.
 * Rule changes made through the API call this and wait, so the answer means "enforced".
 */
export async function refreshFirewalls(d: Ec2Deps, groupIds: Iterable<string>, opts: { otherVpcs?: boolean } = {}): Promise<void> {
  const affected = new Set(groupIds);
  for (const g of [...affected]) for (const r of d.store.groupsReferencing(g)) affected.add(r);
  const seen = new Set<string>();
  const cache = newIngressCache();
  const work: Array<() => Promise<void>> = [];
  const refresh = (inst: InstanceRow): void => {
    if (seen.has(inst.id) || !d.compute.isRunning(inst.id)) return;
    seen.add(inst.id);
    const rules = ingressFor(d, inst, cache);
    work.push(() => d.compute.driver.setIngress(inst.id, rules).catch((err) => d.log.warn({ err, id: inst.id }, 'firewall update failed')));
  };
  for (const g of affected) for (const inst of d.store.instancesInGroup(g)) refresh(inst);
  // Issue 8: an address appeared or went in some VPC; with more than one VPC in use every instance's rules may change
  // (unchanged rulesets cost nothing: the driver compares them before touching nft).
  if (opts.otherVpcs) {
    cache.live ??= d.store.liveInstances();
    if (new Set(cache.live.map((i) => i.vpc_id)).size > 1) for (const inst of cache.live) refresh(inst);
  }
  // A few at a time: each is a process spawn on the host; unchanged rulesets cost nothing.
  const next = async (): Promise<void> => {
    for (let job = work.shift(); job; job = work.shift()) await job();
  };
  await Promise.all(Array.from({ length: 4 }, next));
}

interface RefreshState { groups: Set<string>; timer?: NodeJS.Timeout; dueAt?: number; running?: Promise<void>; again: boolean }
const pending = new WeakMap<Ec2Deps, RefreshState>();

/**
 * Membership changes (an instance boots, stops or terminates) change the rules of every instance
 * whose group references the member's group — with the default group's self-reference, all of them —
 * and, with more than one VPC in use, the addresses every other VPC must not admit (issue 8).
 * Coalesced: changes within a short window are applied in one pass, so a launch of N instances costs
 * a few passes instead of N² firewall updates. A shorter delay (a booting instance asks for 0) moves the
 * pass earlier.
 * AWS: membership changes propagate asynchronously too (security group rule propagation).
 */
export function scheduleFirewallRefresh(d: Ec2Deps, groupIds: string[], delayMs = 100): void {
  let state = pending.get(d);
  if (!state) pending.set(d, (state = { groups: new Set(), again: false }));
  for (const g of groupIds) state.groups.add(g);
  if (state.running) {
    state.again = true; // picked up by a pass right after the one under way
    return;
  }
  armRefresh(d, state, delayMs);
}

function armRefresh(d: Ec2Deps, state: RefreshState, ms: number): void {
  const due = Date.now() + ms;
  if (state.timer && state.dueAt !== undefined && state.dueAt <= due) return;
  if (state.timer) clearTimeout(state.timer);
  state.dueAt = due;
  state.timer = setTimeout(() => {
    state.timer = undefined;
    state.dueAt = undefined;
    const groups = [...state.groups];
    state.groups.clear();
    state.again = false;
    state.running = refreshFirewalls(d, groups, { otherVpcs: true }).catch((err) => d.log.warn({ err }, 'firewall refresh failed')).finally(() => {
      state.running = undefined;
      if (state.groups.size || state.again) armRefresh(d, state, 100);
    });
  }, ms).unref();
}

export function securityGroupHandlers(d: Ec2Deps) {
  const authorize = (egress: boolean) => async (input: { GroupId?: string; GroupName?: string; IpPermissions?: IpPermission[]; CidrIp?: string; IpProtocol?: string; FromPort?: number; ToPort?: number }, ctx: Scope) => {
    const g = groupByNameOrId(d, ctx, input.GroupId, input.GroupName);
    // The legacy flat form (CidrIp/IpProtocol/FromPort/ToPort) is still accepted by AWS.
    const perms = input.IpPermissions?.length ? input.IpPermissions : input.IpProtocol ? [{ IpProtocol: input.IpProtocol, FromPort: input.FromPort, ToPort: input.ToPort, IpRanges: [{ CidrIp: input.CidrIp }] }] : undefined;
    const rules = toRules(d, ctx, g, perms, egress);
    const existing = d.store.rules(g.id);
    for (const r of rules) {
      if (existing.some((e) => sameRule(e, r))) throw new InvalidPermissionDuplicate(`the specified rule "${describeRule(r)}" already exists`);
    }
    d.store.tx(() => rules.forEach((r) => d.store.insertRule(r)));
    if (!egress) await refreshFirewalls(d, [g.id]);
    return { Return: true, SecurityGroupRules: rules.map((r) => ruleShape(r, g)) };
  };
  const revoke = (egress: boolean) => async (input: { GroupId?: string; GroupName?: string; IpPermissions?: IpPermission[]; SecurityGroupRuleIds?: string[] }, ctx: Scope) => {
    const g = groupByNameOrId(d, ctx, input.GroupId, input.GroupName);
    const existing = d.store.rules(g.id).filter((r) => (r.is_egress === 1) === egress);
    let doomed: RuleRow[];
    if (input.SecurityGroupRuleIds?.length) {
      doomed = input.SecurityGroupRuleIds.map((id) => {
        const r = existing.find((e) => e.id === id);
        if (!r) throw new InvalidPermissionNotFound(`The specified rule ${id} does not exist in this security group.`);
        return r;
      });
    } else {
      doomed = toRules(d, ctx, g, input.IpPermissions, egress).map((r) => {
        const e = existing.find((x) => sameRule(x, r));
        if (!e) throw new InvalidPermissionNotFound('The specified rule does not exist in this security group.');
        return e;
      });
    }
    d.store.tx(() => doomed.forEach((r) => d.store.deleteRule(r.id)));
    if (!egress) await refreshFirewalls(d, [g.id]);
    return { Return: true };
  };
  return {
    CreateSecurityGroup(input: { GroupName: string; Description: string; VpcId?: string; TagSpecifications?: TagSpecification[] }, ctx: Scope) {
      const { vpc } = ensureDefaultVpc(d, ctx);
      if (input.VpcId && input.VpcId !== vpc.id) throw new InvalidVpcIDNotFound(`The vpc ID '${input.VpcId}' does not exist`);
      if (input.GroupName === 'default') throw new InvalidGroupReserved("The security group 'default' is reserved");
      if (input.GroupName.length > 255 || input.Description.length > 255) throw new InvalidParameterValue('GroupName and GroupDescription must be at most 255 characters');
      if (d.store.groupByName(ctx, vpc.id, input.GroupName)) throw new InvalidGroupDuplicate(`The security group '${input.GroupName}' already exists for VPC '${vpc.id}'`);
      const id = d.ids.next('sg');
      d.store.tx(() => {
        d.store.insertGroup({ id, ...ctx, vpc_id: vpc.id, name: input.GroupName, description: input.Description, created_at: d.clock.now() });
        // AWS: a new group allows all outbound traffic and no inbound traffic.
        d.store.insertRule({ id: d.ids.next('sgr'), group_id: id, is_egress: 1, protocol: '-1', from_port: null, to_port: null, cidr: '0.0.0.0/0', source_group_id: null, description: null });
        applyTagSpecifications(d, ctx, id, 'security-group', input.TagSpecifications);
      });
      return { GroupId: id, SecurityGroupArn: `arn:aws:ec2:${ctx.region}:${ctx.account}:security-group/${id}`, Tags: d.store.tagsOf(id).map((t) => ({ Key: t.key, Value: t.value })) };
    },
    DeleteSecurityGroup(input: { GroupId?: string; GroupName?: string }, ctx: Scope) {
      const g = groupByNameOrId(d, ctx, input.GroupId, input.GroupName);
      if (g.name === 'default') throw new InvalidGroupReserved('The security group default is reserved and cannot be deleted');
      if (d.store.instancesInGroup(g.id).length) throw new DependencyViolation(`resource ${g.id} has a dependent object`);
      const refs = d.store.groupsReferencing(g.id).filter((x) => x !== g.id);
      if (refs.length) throw new DependencyViolation(`resource ${g.id} has a dependent object (referenced by ${refs.join(', ')})`);
      d.store.deleteGroup(g.id);
      return { Return: true, GroupId: g.id };
    },
    DescribeSecurityGroups(input: { GroupIds?: string[]; GroupNames?: string[]; Filters?: FilterInput[] }, ctx: Scope) {
      ensureDefaultVpc(d, ctx);
      let groups = d.store.groups(ctx);
      for (const id of input.GroupIds ?? []) findGroup(d, ctx, id);
      if (input.GroupIds?.length) groups = groups.filter((g) => input.GroupIds!.includes(g.id));
      if (input.GroupNames?.length) {
        for (const n of input.GroupNames) if (!groups.some((g) => g.name === n)) throw new InvalidGroupNotFound(`The security group '${n}' does not exist in default VPC`);
        groups = groups.filter((g) => input.GroupNames!.includes(g.name));
      }
      groups = applyFilters(groups, input.Filters, {
        'group-id': (g) => g.id, 'group-name': (g) => g.name, 'vpc-id': (g) => g.vpc_id, description: (g) => g.description, 'owner-id': (g) => g.account,
        'ip-permission.from-port': (g) => d.store.rules(g.id).filter((r) => !r.is_egress).map((r) => r.from_port),
        'ip-permission.to-port': (g) => d.store.rules(g.id).filter((r) => !r.is_egress).map((r) => r.to_port),
        'ip-permission.cidr': (g) => d.store.rules(g.id).filter((r) => !r.is_egress).map((r) => r.cidr),
        'ip-permission.protocol': (g) => d.store.rules(g.id).filter((r) => !r.is_egress).map((r) => r.protocol),
      }, (g) => d.store.tagsOf(g.id));
      return {
        SecurityGroups: groups.map((g) => {
          const rules = d.store.rules(g.id);
          return {
            GroupId: g.id, GroupName: g.name, Description: g.description, VpcId: g.vpc_id, OwnerId: g.account,
            SecurityGroupArn: `arn:aws:ec2:${g.region}:${g.account}:security-group/${g.id}`,
            IpPermissions: permissions(rules.filter((r) => !r.is_egress), g.account),
            IpPermissionsEgress: permissions(rules.filter((r) => r.is_egress), g.account),
            Tags: d.store.tagsOf(g.id).map((t) => ({ Key: t.key, Value: t.value })),
          };
        }),
      };
    },
    DescribeSecurityGroupRules(input: { SecurityGroupRuleIds?: string[]; Filters?: FilterInput[] }, ctx: Scope) {
      ensureDefaultVpc(d, ctx);
      let rows = d.store.groups(ctx).flatMap((g) => d.store.rules(g.id).map((r) => ({ r, g })));
      if (input.SecurityGroupRuleIds?.length) rows = rows.filter((x) => input.SecurityGroupRuleIds!.includes(x.r.id));
      rows = applyFilters(rows, input.Filters, { 'group-id': (x) => x.g.id, 'security-group-rule-id': (x) => x.r.id });
      return { SecurityGroupRules: rows.map((x) => ruleShape(x.r, x.g)) };
    },
    AuthorizeSecurityGroupIngress: authorize(false),
    AuthorizeSecurityGroupEgress: authorize(true),
    RevokeSecurityGroupIngress: revoke(false),
    RevokeSecurityGroupEgress: revoke(true),
  };
}
