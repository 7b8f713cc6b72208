import type { Ec2Deps, Scope } from '../deps.ts';
import { applyFilters, type FilterInput } from '../domain/filters.ts';
import { paginate } from '../domain/paginate.ts';
import { InvalidInstanceIDMalformed, InvalidInstanceIDNotFound, InvalidParameterCombination } from '../errors.ts';
import type { InstanceRow } from '../store.ts';
import { instanceShape, stateShape } from './shape.ts';
import type { InstanceState } from '../domain/instance-state.ts';

// AWS: terminated instances stay visible for about an hour.
const TERMINATED_VISIBLE_MS = 60 * 60 * 1000;

export function findInstances(d: Ec2Deps, s: Scope, ids: string[]): InstanceRow[] {
  const bad = ids.filter((id) => !/^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(id));
  if (bad.length) throw new InvalidInstanceIDMalformed(`Invalid id: "${bad[0]}"`);
  const rows = ids.map((id) => d.store.instance(id));
  const missing = ids.filter((id, i) => !rows[i] || rows[i]!.account !== s.account || rows[i]!.region !== s.region);
  if (missing.length) {
    throw new InvalidInstanceIDNotFound(missing.length === 1 ? `The instance ID '${missing[0]}' does not exist` : `The instance IDs '${missing.join(', ')}' do not exist`);
  }
  return rows as InstanceRow[];
}

function visible(d: Ec2Deps, s: Scope): InstanceRow[] {
  const now = d.clock.now();
  return d.store.instances(s).filter((r) => r.state !== 'terminated' || (r.terminated_at ?? 0) > now - TERMINATED_VISIBLE_MS);
}

const FIELDS: Parameters<typeof applyFilters<InstanceRow>>[2] = {
  'instance-id': (r) => r.id,
  'instance-state-name': (r) => r.state,
  'instance-state-code': (r) => stateShape(r.state as InstanceState).Code,
  'instance-type': (r) => r.instance_type,
  'image-id': (r) => r.image_id,
  'availability-zone': (r) => r.az,
  'placement.availability-zone': (r) => r.az,
  'private-ip-address': (r) => r.private_ip,
  'network-interface.addresses.private-ip-address': (r) => r.private_ip,
  'subnet-id': (r) => r.subnet_id,
  'vpc-id': (r) => r.vpc_id,
  'key-name': (r) => r.key_name,
  'reservation-id': (r) => r.reservation_id,
  'instance.group-id': (r) => JSON.parse(r.security_group_ids),
  'group-id': (r) => JSON.parse(r.security_group_ids),
  'client-token': (r) => r.client_token,
  'launch-index': (r) => r.launch_index,
  architecture: () => 'x86_64',
  'root-device-type': () => 'ebs',
  tenancy: (r) => r.tenancy,
  'host-id': (r) => r.host_id,
  'instance-lifecycle': (r) => (r.market === 'spot' ? 'spot' : undefined),
  'spot-instance-request-id': (r) => r.spot_request_id,
};

export function describeInstancesHandler(d: Ec2Deps) {
  return (input: { InstanceIds?: string[]; Filters?: FilterInput[]; MaxResults?: number; NextToken?: string }, ctx: Scope) => {
    if (input.InstanceIds?.length && input.MaxResults !== undefined) {
      throw new InvalidParameterCombination('The parameter instancesSet cannot be used with the parameter maxResults');
    }
    let rows = input.InstanceIds?.length ? findInstances(d, ctx, input.InstanceIds) : visible(d, ctx);
    rows = applyFilters(rows, input.Filters, FIELDS, (r) => d.store.tagsOf(r.id));
    const { page, next } = paginate(rows, input.MaxResults, input.NextToken);
    const byReservation = new Map<string, InstanceRow[]>();
    for (const r of page) byReservation.set(r.reservation_id, [...(byReservation.get(r.reservation_id) ?? []), r]);
    return {
      Reservations: [...byReservation.entries()].map(([rid, list]) => ({
        ReservationId: rid, OwnerId: ctx.account, Groups: [], Instances: list.map((r) => instanceShape(d, r)),
      })),
      NextToken: next,
    };
  };
}

export function describeInstanceStatusHandler(d: Ec2Deps) {
  return async (input: { InstanceIds?: string[]; Filters?: FilterInput[]; IncludeAllInstances?: boolean; MaxResults?: number; NextToken?: string }, ctx: Scope) => {
    let rows = input.InstanceIds?.length ? findInstances(d, ctx, input.InstanceIds) : visible(d, ctx);
    // AWS: by default only running instances are listed.
    if (!input.IncludeAllInstances) rows = rows.filter((r) => r.state === 'running');
    rows = applyFilters(rows, input.Filters, {
      'instance-state-name': (r) => r.state, 'availability-zone': (r) => r.az,
      'instance-status.status': (r) => statusOf(d, r), 'system-status.status': (r) => statusOf(d, r),
    });
    const { page, next } = paginate(rows, input.MaxResults, input.NextToken);
    const out = [];
    for (const r of page) {
      const status = statusOf(d, r);
      const stats = r.state === 'running' ? await d.compute.driver.stats(r.id).catch(() => undefined) : undefined;
      const details = [{ Name: 'reachability', Status: status === 'ok' ? 'passed' : status === 'impaired' ? 'failed' : 'initializing' }];
      out.push({
        InstanceId: r.id, AvailabilityZone: r.az, InstanceState: stateShape(r.state as InstanceState),
        InstanceStatus: { Status: status, Details: details },
        SystemStatus: { Status: status, Details: details },
        // AWS has no OOM event; Nimbus reports OOM kills as an instance event so they are visible through the API.
        Events: stats?.oomKills ? [{ Code: 'instance-stop', Description: `Out of memory: ${stats.oomKills} process(es) killed by the OOM killer` }] : undefined,
      });
    }
    return { InstanceStatuses: out, NextToken: next };
  };
}

function statusOf(d: Ec2Deps, r: InstanceRow): string {
  if (r.state !== 'running') return 'not-applicable';
  return d.compute.isRunning(r.id) ? 'ok' : 'impaired';
}
