import { INSTANCE_TYPES, instanceType } from '../catalog/instance-types.ts';
import type { Ec2Deps, Scope } from '../deps.ts';
import { applyFilters, type FilterInput } from '../domain/filters.ts';
import { paginate } from '../domain/paginate.ts';
import {
  HostLimitExceeded, IncorrectInstanceState, InvalidHostConfiguration, InvalidHostIDNotFound, InvalidParameterCombination, InvalidParameterValue, InvalidZoneNotFound,
  MissingParameter,
} from '../errors.ts';

/** Most Dedicated Hosts one AllocateHosts call may create (AWS limits them by a per-family quota). */
const MAX_HOSTS_PER_CALL = 100;
import { findInstances } from '../instances/describe.ts';
import { resolveTenancy } from '../instances/placement.ts';
import { ensureDefaultVpc } from '../network.ts';
import type { HostRow, InstanceRow } from '../store.ts';
import { applyTagSpecifications, type TagSpecification } from '../tags.ts';
import { familyOf, findHost, freeVcpus, hostConfig, occupants, sizesOf, supports, totalVcpus } from './capacity.ts';

// Dedicated Hosts: AllocateHosts, DescribeHosts, ModifyHosts, ReleaseHosts, and ModifyInstancePlacement.
// A host is metered (kind 'host', its family's hourly price) from allocation to release.
//
// LIMITATIONS: HostRecovery and HostMaintenance are recorded, never exercised; no host reservations, Outposts,
// host resource groups or Mac hosts; Affinity is accepted but a stopped instance may start on any host with room.

// AWS lists released hosts for a while; Nimbus for an hour (by id: always).
const RELEASED_VISIBLE_MS = 60 * 60 * 1000;

const tagList = (d: Ec2Deps, id: string) => d.store.tagsOf(id).map((t) => ({ Key: t.key, Value: t.value }));

function onOff(v: string | undefined, name: string, dflt: string): string {
  const x = v ?? dflt;
  if (x !== 'on' && x !== 'off') throw new InvalidParameterValue(`Invalid value '${x}' for ${name}. Valid values: on, off`);
  return x;
}

/** The host configuration asked for: a single instance type, or a whole family. */
function configOf(d: Ec2Deps, type: string | undefined, family: string | undefined): { instance_type: string | null; instance_family: string } {
  if (type && family) throw new InvalidParameterCombination('You cannot specify both InstanceType and InstanceFamily');
  if (!type && !family) throw new MissingParameter('The request must contain the parameter InstanceType or InstanceFamily');
  if (type && !instanceType(type)) throw new InvalidParameterValue(`Invalid value '${type}' for InstanceType.`);
  const fam = family ?? familyOf(type!);
  if (!INSTANCE_TYPES.some((t) => familyOf(t.name) === fam) || !d.billing.catalog.hostCapacity(fam)) {
    throw new InvalidHostConfiguration(type ? `The instance type '${type}' is not supported on Dedicated Hosts.` : `The instance family '${fam}' is not supported.`);
  }
  return { instance_type: type ?? null, instance_family: fam };
}

export function hostShape(d: Ec2Deps, h: HostRow) {
  const cap = d.billing.catalog.hostCapacity(h.instance_family);
  const total = totalVcpus(d, h);
  const free = h.state === 'available' ? freeVcpus(d, h) : 0;
  const subnet = d.store.subnets(h).find((x) => x.az === h.az);
  return {
    HostId: h.id,
    AutoPlacement: h.auto_placement,
    AvailabilityZone: h.az,
    AvailabilityZoneId: subnet?.az_id,
    AvailableCapacity: {
      AvailableInstanceCapacity: sizesOf(h).map((t) => ({ InstanceType: t.name, AvailableCapacity: Math.floor(free / t.vcpus), TotalCapacity: Math.floor(total / t.vcpus) })),
      AvailableVCpus: free,
    },
    ClientToken: h.client_token ?? undefined,
    // AWS: a single-type host shows InstanceType, a multi-type host its InstanceFamily.
    HostProperties: { Cores: cap?.cores, Sockets: cap?.sockets, TotalVCpus: total, ...(h.instance_type ? { InstanceType: h.instance_type } : { InstanceFamily: h.instance_family }) },
    Instances: occupants(d, h.id).map((i) => ({ InstanceId: i.id, InstanceType: i.instance_type, OwnerId: i.account })),
    State: h.state,
    AllocationTime: new Date(h.allocated_at),
    ReleaseTime: h.released_at ? new Date(h.released_at) : undefined,
    Tags: tagList(d, h.id),
    HostRecovery: h.host_recovery,
    AllowsMultipleInstanceTypes: h.instance_type ? 'off' : 'on',
    OwnerId: h.account,
    MemberOfServiceLinkedResourceGroup: false,
    HostMaintenance: 'off',
  };
}

const FIELDS: Parameters<typeof applyFilters<HostRow>>[2] = {
  'auto-placement': (h) => h.auto_placement,
  'availability-zone': (h) => h.az,
  'client-token': (h) => h.client_token,
  'host-reservation-id': () => undefined,
  'instance-type': (h) => h.instance_type ?? sizesOf(h).map((t) => t.name),
  'instance-family': (h) => h.instance_family,
  state: (h) => h.state,
};

const unsuccessful = (id: string, code: string, message: string) => ({ ResourceId: id, Error: { Code: code, Message: message } });

export function hostHandlers(d: Ec2Deps) {
  return {
    AllocateHosts(input: {
      InstanceType?: string; InstanceFamily?: string; AvailabilityZone?: string; AvailabilityZoneId?: string; Quantity?: number; AutoPlacement?: string;
      HostRecovery?: string; ClientToken?: string; TagSpecifications?: TagSpecification[];
    }, ctx: Scope) {
      if (!input.AvailabilityZone && !input.AvailabilityZoneId) throw new MissingParameter('The request must contain the parameter AvailabilityZone');
      const { subnets } = ensureDefaultVpc(d, ctx);
      const subnet = subnets.find((x) => (input.AvailabilityZone ? x.az === input.AvailabilityZone : x.az_id === input.AvailabilityZoneId));
      if (!subnet) throw new InvalidZoneNotFound(`Invalid availability zone: [${input.AvailabilityZone ?? input.AvailabilityZoneId}]`);
      const config = configOf(d, input.InstanceType, input.InstanceFamily);
      const quantity = input.Quantity ?? 1;
      if (!Number.isInteger(quantity) || quantity < 1) throw new InvalidParameterValue(`Value (${quantity}) for parameter quantity is invalid. Expected a positive integer.`);
      // Issue 8 (hardening): one call must not create millions of rows. AWS: a per-family Dedicated Host quota.
      if (quantity > MAX_HOSTS_PER_CALL) throw new HostLimitExceeded(`Cannot allocate ${quantity} hosts: at most ${MAX_HOSTS_PER_CALL} Dedicated Hosts per request.`);
      const auto = onOff(input.AutoPlacement, 'AutoPlacement', 'off');
      const recovery = onOff(input.HostRecovery, 'HostRecovery', 'off');
      if (input.ClientToken) {
        const prior = d.store.hostsByToken(ctx, input.ClientToken);
        if (prior.length) return { HostIds: prior.map((h) => h.id) };
      }
      const now = d.clock.now();
      const ids = d.store.tx(() => Array.from({ length: quantity }, () => {
        const h: HostRow = {
          id: d.ids.next('h'), account: ctx.account, region: ctx.region, az: subnet.az, ...config, auto_placement: auto, host_recovery: recovery,
          state: 'available', client_token: input.ClientToken ?? null, allocated_at: now, released_at: null,
        };
        d.store.insertHost(h);
        applyTagSpecifications(d, ctx, h.id, 'dedicated-host', input.TagSpecifications);
        d.billing.meter.open({
          account: ctx.account, region: ctx.region, az: h.az, kind: 'host', resourceId: h.id, hostFamily: h.instance_family, market: 'on-demand', tenancy: 'host', startMs: now,
        });
        return h.id;
      }));
      return { HostIds: ids };
    },

    DescribeHosts(input: { HostIds?: string[]; Filter?: FilterInput[]; MaxResults?: number; NextToken?: string }, ctx: Scope) {
      if (input.HostIds?.length && input.MaxResults !== undefined) throw new InvalidParameterCombination('The parameter hostSet cannot be used with the parameter maxResults');
      const now = d.clock.now();
      let rows = input.HostIds?.length
        ? input.HostIds.map((id) => findHost(d, ctx, id))
        : d.store.hosts(ctx).filter((h) => h.state !== 'released' || (h.released_at ?? 0) > now - RELEASED_VISIBLE_MS);
      rows = applyFilters(rows, input.Filter, FIELDS, (h) => d.store.tagsOf(h.id));
      const { page, next } = paginate(rows, input.MaxResults, input.NextToken, { min: 5, max: 500 });
      return { Hosts: page.map((h) => hostShape(d, h)), NextToken: next };
    },

    ModifyHosts(input: { HostIds: string[]; AutoPlacement?: string; HostRecovery?: string; InstanceType?: string; InstanceFamily?: string }, ctx: Scope) {
      if (!input.HostIds?.length) throw new MissingParameter('The request must contain the parameter HostIds');
      if (input.AutoPlacement === undefined && input.HostRecovery === undefined && !input.InstanceType && !input.InstanceFamily) {
        throw new MissingParameter('The request must contain at least one of AutoPlacement, HostRecovery, InstanceType or InstanceFamily');
      }
      const auto = input.AutoPlacement !== undefined ? onOff(input.AutoPlacement, 'AutoPlacement', 'off') : undefined;
      const recovery = input.HostRecovery !== undefined ? onOff(input.HostRecovery, 'HostRecovery', 'off') : undefined;
      const config = input.InstanceType || input.InstanceFamily ? configOf(d, input.InstanceType, input.InstanceFamily) : undefined;
      const ok: string[] = [];
      const failed: ReturnType<typeof unsuccessful>[] = [];
      d.store.tx(() => {
        for (const id of input.HostIds) {
          const h = d.store.host(id);
          if (!h || h.account !== ctx.account || h.region !== ctx.region) { failed.push(unsuccessful(id, 'Client.InvalidHostID.NotFound', `The host ID '${id}' does not exist`)); continue; }
          if (h.state !== 'available') { failed.push(unsuccessful(id, 'Client.InvalidHostState', `The host '${id}' is in state '${h.state}' and cannot be modified`)); continue; }
          if (config) {
            // The hardware stays what it is: a host can switch between one type and its whole family, and only when empty.
            if (config.instance_family !== h.instance_family) { failed.push(unsuccessful(id, 'Client.InvalidHostConfiguration', `The host '${id}' can only support the ${h.instance_family} family`)); continue; }
            if (occupants(d, id).length) { failed.push(unsuccessful(id, 'Client.InvalidHost.Occupied', `The configuration of host '${id}' cannot be modified while instances run on it`)); continue; }
          }
          d.store.updateHost(id, { ...(auto ? { auto_placement: auto } : {}), ...(recovery ? { host_recovery: recovery } : {}), ...(config ?? {}) });
          ok.push(id);
        }
      });
      return { Successful: ok, Unsuccessful: failed };
    },

    ReleaseHosts(input: { HostIds: string[] }, ctx: Scope) {
      if (!input.HostIds?.length) throw new MissingParameter('The request must contain the parameter HostIds');
      const ok: string[] = [];
      const failed: ReturnType<typeof unsuccessful>[] = [];
      const now = d.clock.now();
      d.store.tx(() => {
        for (const id of input.HostIds) {
          const h = d.store.host(id);
          if (!h || h.account !== ctx.account || h.region !== ctx.region) { failed.push(unsuccessful(id, 'Client.InvalidHostID.NotFound', `The host ID '${id}' does not exist`)); continue; }
          if (h.state === 'released') { failed.push(unsuccessful(id, 'Client.InvalidHostState', `The host '${id}' is already released`)); continue; }
          if (occupants(d, id).length) { failed.push(unsuccessful(id, 'Client.InvalidHost.Occupied', `Dedicated host '${id}' cannot be released as it is occupied.`)); continue; }
          d.store.updateHost(id, { state: 'released', released_at: now });
          d.billing.meter.close(id, now);
          ok.push(id);
        }
      });
      return { Successful: ok, Unsuccessful: failed };
    },

    ModifyInstancePlacement(input: { InstanceId: string; Tenancy?: string; HostId?: string; Affinity?: string; GroupName?: string; GroupId?: string }, ctx: Scope) {
      const [r] = findInstances(d, ctx, [input.InstanceId]);
      if (r.state !== 'stopped') throw new IncorrectInstanceState(`The instance '${r.id}' is not in the 'stopped' state.`);
      if (input.GroupName || input.GroupId) throw new InvalidParameterValue('Placement groups are not supported by Nimbus');
      if (input.Tenancy === undefined && input.HostId === undefined && input.Affinity === undefined) {
        throw new MissingParameter('The request must contain the parameter Tenancy, HostId or Affinity');
      }
      const tenancy = resolveTenancy({ Tenancy: input.Tenancy ?? (input.HostId || input.Affinity ? 'host' : r.tenancy), HostId: input.HostId, Affinity: input.Affinity }, r.market === 'spot');
      const fields: Partial<InstanceRow> = { tenancy, host_id: null, updated_at: d.clock.now() };
      if (input.HostId) {
        const h = findHost(d, ctx, input.HostId);
        if (h.state !== 'available') throw new InvalidHostIDNotFound(`The host ID '${h.id}' is not available (state: ${h.state})`);
        if (h.az !== r.az) throw new InvalidParameterCombination(`The host '${h.id}' is in Availability Zone '${h.az}' but the instance is in '${r.az}'`);
        if (!supports(h, r.instance_type)) throw new InvalidParameterValue(`Instance type '${r.instance_type}' does not match the configuration of host '${h.id}' (${hostConfig(h)})`);
        fields.host_id = h.id;
      } else if (tenancy === 'host') {
        fields.host_id = r.host_id;
      }
      d.store.updateInstance(r.id, fields);
      return { Return: true };
    },
  };
}
