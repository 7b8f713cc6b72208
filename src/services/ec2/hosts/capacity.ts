import { INSTANCE_TYPES, instanceType, type InstanceTypeSpec } from '../catalog/instance-types.ts';
import type { Ec2Deps, Scope } from '../deps.ts';
import { InvalidHostIDMalformed, InvalidHostIDNotFound } from '../errors.ts';
import type { HostRow, InstanceRow } from '../store.ts';

// Dedicated Host capacity, counted in vCPUs: a host holds the vCPUs the price catalog gives its family
// (catalog.hostCapacity); a single-type host takes only that type, a family host any size of its family
// (AllowsMultipleInstanceTypes on). Instances that are pending, running, stopping or shutting down occupy a host;
// stopped ones keep their host id (affinity) but not the capacity, as on AWS.

export const familyOf = (type: string) => type.split('.')[0];

const OCCUPYING = ['pending', 'running', 'stopping', 'shutting-down'];

export function occupants(d: Ec2Deps, hostId: string): InstanceRow[] {
  return d.store.instancesOnHost(hostId).filter((i) => OCCUPYING.includes(i.state));
}

export function totalVcpus(d: Ec2Deps, h: HostRow): number {
  return d.billing.catalog.hostCapacity(h.instance_family)?.vcpus ?? 0;
}

export function freeVcpus(d: Ec2Deps, h: HostRow): number {
  const used = occupants(d, h.id).reduce((n, i) => n + (instanceType(i.instance_type)?.vcpus ?? 0), 0);
  return Math.max(0, totalVcpus(d, h) - used);
}

/** The instance types a host can run. */
export function sizesOf(h: HostRow): InstanceTypeSpec[] {
  return h.instance_type ? [instanceType(h.instance_type)!].filter(Boolean) : INSTANCE_TYPES.filter((t) => familyOf(t.name) === h.instance_family);
}

export function supports(h: HostRow, type: string): boolean {
  return h.instance_type ? h.instance_type === type : familyOf(type) === h.instance_family;
}

/** How many more instances of a type fit on a host now. */
export function slotsFor(d: Ec2Deps, h: HostRow, type: string): number {
  const spec = instanceType(type);
  if (!spec || h.state !== 'available' || !supports(h, type)) return 0;
  return Math.floor(freeVcpus(d, h) / spec.vcpus);
}

export function hostConfig(h: HostRow): string {
  return h.instance_type ?? `${h.instance_family} family`;
}

const HOST_ID = /^h-[0-9a-f]{8}([0-9a-f]{9})?$/;

/** A host of this account and region (another account's host does not exist for the caller). */
export function findHost(d: Ec2Deps, s: Scope, id: string): HostRow {
  if (!HOST_ID.test(id)) throw new InvalidHostIDMalformed(`Invalid id: "${id}" (expecting "h-...")`);
  const h = d.store.host(id);
  if (!h || h.account !== s.account || h.region !== s.region) throw new InvalidHostIDNotFound(`The host ID '${id}' does not exist`);
  return h;
}
