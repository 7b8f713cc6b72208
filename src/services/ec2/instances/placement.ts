import type { Ec2Deps, Scope } from '../deps.ts';
import { InsufficientHostCapacity, InvalidHostIDNotFound, InvalidParameterCombination, InvalidParameterValue } from '../errors.ts';
import { findHost, hostConfig, slotsFor, supports } from '../hosts/capacity.ts';
import type { InstanceRow } from '../store.ts';

// Tenancy and Dedicated Host placement for RunInstances, StartInstances and ModifyInstancePlacement.
// A host is only ever used by the account that allocated it: another account's host id is "not found".

export type Tenancy = 'default' | 'dedicated' | 'host';

export interface PlacementInput { AvailabilityZone?: string; Tenancy?: string; HostId?: string; Affinity?: string; GroupName?: string }

const TENANCIES: Tenancy[] = ['default', 'dedicated', 'host'];

/** The tenancy a launch asks for; HostId alone implies 'host'. Spot Instances cannot run on Dedicated Hosts. */
export function resolveTenancy(p: PlacementInput | undefined, spot: boolean): Tenancy {
  const t = (p?.Tenancy ?? (p?.HostId ? 'host' : 'default')) as Tenancy;
  if (!TENANCIES.includes(t)) throw new InvalidParameterValue(`Invalid value '${t}' for tenancy. Valid values: default, dedicated, host`);
  if (p?.HostId && t !== 'host') throw new InvalidParameterCombination(`The parameter hostId cannot be used with a tenancy of '${t}': specify a tenancy of 'host'`);
  if (p?.Affinity && t !== 'host') throw new InvalidParameterCombination("The parameter affinity cannot be used without specifying a tenancy of 'host'");
  if (p?.Affinity && p.Affinity !== 'default' && p.Affinity !== 'host') throw new InvalidParameterValue(`Invalid value '${p.Affinity}' for affinity. Valid values: default, host`);
  if (spot && t === 'host') throw new InvalidParameterCombination("Spot Instances are not supported on Dedicated Hosts: a tenancy of 'host' cannot be used with the spot market");
  return t;
}

const AUTO_MISS = 'You do not have a host with a matching configuration and sufficient capacity. Allocate a Dedicated Host for this instance type in this Availability Zone, or turn on auto-placement for one.';

/**
 * Picks hosts for up to `max` instances of a type (one host id per instance): the named host, or — auto-placement —
 * this account's available hosts with AutoPlacement on that match the type, in `az` when given (else in the first AZ
 * that has room). Fewer than `min` → InsufficientHostCapacity.
 */
export function planHosts(d: Ec2Deps, s: Scope, type: string, p: PlacementInput, az: string | undefined, min: number, max: number): { az: string; hostIds: string[] } {
  if (p.HostId) {
    const h = findHost(d, s, p.HostId);
    if (h.state !== 'available') throw new InvalidHostIDNotFound(`The host ID '${h.id}' is not available (state: ${h.state})`);
    if (az && az !== h.az) throw new InvalidParameterCombination(`The host '${h.id}' is in Availability Zone '${h.az}', not in '${az}'`);
    if (!supports(h, type)) throw new InvalidParameterValue(`Instance type '${type}' does not match the configuration of host '${h.id}' (${hostConfig(h)})`);
    const n = Math.min(max, slotsFor(d, h, type));
    if (n < min) throw new InsufficientHostCapacity(`Dedicated host ${h.id} has insufficient capacity to launch the instances in this request.`);
    return { az: h.az, hostIds: Array<string>(n).fill(h.id) };
  }
  const candidates = d.store.hosts(s).filter((h) => h.state === 'available' && h.auto_placement === 'on' && supports(h, type) && (!az || h.az === az));
  const zones = [...new Set(candidates.map((h) => h.az))];
  for (const zone of zones) {
    const ids: string[] = [];
    for (const h of candidates.filter((x) => x.az === zone)) {
      const n = slotsFor(d, h, type);
      for (let i = 0; i < n && ids.length < max; i++) ids.push(h.id);
    }
    if (ids.length >= min) return { az: zone, hostIds: ids };
  }
  throw new InsufficientHostCapacity(AUTO_MISS);
}

/**
 * Where a stopped host-tenancy instance starts: its own host when it still has room, else (auto-placement) another
 * host of the account in the instance's AZ. Returns the host id to record.
 */
export function placeForStart(d: Ec2Deps, row: InstanceRow): string {
  const s = { account: row.account, region: row.region };
  const own = row.host_id ? d.store.host(row.host_id) : undefined;
  if (own && own.account === row.account && slotsFor(d, own, row.instance_type) > 0) return own.id;
  const other = d.store.hosts(s).find((h) => h.az === row.az && h.auto_placement === 'on' && slotsFor(d, h, row.instance_type) > 0);
  if (other) return other.id;
  throw new InsufficientHostCapacity(own ? `Dedicated host ${own.id} has insufficient capacity to start instance ${row.id}.` : AUTO_MISS);
}
