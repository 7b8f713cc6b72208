import { instanceType } from '../catalog/instance-types.ts';
import type { Ec2Deps, Scope } from '../deps.ts';
import { applyFilters, type FilterInput } from '../domain/filters.ts';
import { paginate } from '../domain/paginate.ts';
import {
  InvalidKeyPairNotFound, InvalidParameterCombination, InvalidParameterValue, InvalidSpotInstanceRequestIDMalformed, InvalidSpotInstanceRequestIDNotFound,
  MissingParameter,
} from '../errors.ts';
import { assertDriverAvailable, findImage } from '../images.ts';
import { resolveTenancy, type PlacementInput } from '../instances/placement.ts';
import { decodeUserData, type RunInstancesInput } from '../instances/run.ts';
import { ensureDefaultVpc, findSubnet } from '../network.ts';
import { findGroup } from '../security-groups.ts';
import type { SpotRequestRow } from '../store.ts';
import { applyTagSpecifications, type TagSpecification } from '../tags.ts';
import { spotRequestId, spotTerms } from './options.ts';
import { formatPrice, setSpotStatus } from './status.ts';

// RequestSpotInstances, DescribeSpotInstanceRequests, CancelSpotInstanceRequests. A new request is open
// (pending-evaluation); the spot market (reclaim.ts) fulfils it right after the call returns, and again on every tick
// while it stays open (price-too-low, capacity-not-available, not-scheduled-yet).
//
// LIMITATIONS: LaunchGroup and AvailabilityZoneGroup are recorded, not enforced; no Spot blocks, no Spot Fleet.

export interface LaunchSpecInput {
  ImageId?: string; InstanceType?: string; KeyName?: string; SecurityGroupIds?: string[]; SecurityGroups?: string[]; SubnetId?: string; UserData?: string;
  Placement?: { AvailabilityZone?: string; Tenancy?: string; GroupName?: string };
}

// AWS: closed and cancelled requests stay visible for about four hours.
const ENDED_VISIBLE_MS = 4 * 3600 * 1000;
const ENDED = ['closed', 'cancelled', 'failed'];
// AWS: a request without ValidUntil is valid for 7 days.
const DEFAULT_VALIDITY_MS = 7 * 24 * 3600 * 1000;

/** The RunInstances input a request launches with (stored as the request's launch_spec). */
export function launchInputOf(r: SpotRequestRow): RunInstancesInput {
  return { ...(JSON.parse(r.launch_spec) as RunInstancesInput), MinCount: 1, MaxCount: 1 };
}

/** Checks a launch specification the way RunInstances would, so a bad request fails at once (not at fulfilment). */
function validateSpec(d: Ec2Deps, s: Scope, spec: LaunchSpecInput): void {
  if (!spec.ImageId) throw new MissingParameter('The request must contain the parameter LaunchSpecification.ImageId');
  const image = findImage(d, s, spec.ImageId);
  assertDriverAvailable(d, image.driver, image.id);
  const type = spec.InstanceType ?? 't3.micro';
  if (!instanceType(type)) throw new InvalidParameterValue(`Invalid value '${type}' for InstanceType.`);
  resolveTenancy(spec.Placement as PlacementInput | undefined, true);
  decodeUserData(spec.UserData);
  if (spec.KeyName && !d.store.keyPairByName(s, spec.KeyName)) throw new InvalidKeyPairNotFound(`The key pair '${spec.KeyName}' does not exist`);
  const { vpc, subnets } = ensureDefaultVpc(d, s);
  const sub = spec.SubnetId ? findSubnet(d, s, spec.SubnetId) : undefined;
  const az = spec.Placement?.AvailabilityZone;
  if (az && !subnets.some((x) => x.az === az)) throw new InvalidParameterValue(`Invalid availability zone: [${az}]`);
  if (sub && az && sub.az !== az) throw new InvalidParameterCombination('The specified subnet is not in the specified availability zone');
  for (const id of spec.SecurityGroupIds ?? []) findGroup(d, s, id);
  for (const name of spec.SecurityGroups ?? []) {
    if (!d.store.groupByName(s, vpc.id, name)) throw new InvalidParameterValue(`The security group '${name}' does not exist in VPC '${vpc.id}'`);
  }
}

export function spotRequestShape(d: Ec2Deps, r: SpotRequestRow) {
  const spec = JSON.parse(r.launch_spec) as RunInstancesInput;
  const vpc = d.store.defaultVpc(r);
  const groups = [
    ...(spec.SecurityGroupIds ?? []).map((id) => ({ GroupId: id, GroupName: d.store.group(id)?.name })),
    ...(spec.SecurityGroups ?? []).map((name) => ({ GroupId: vpc ? d.store.groupByName(r, vpc.id, name)?.id : undefined, GroupName: name })),
  ];
  if (!groups.length && vpc) {
    const g = d.store.groupByName(r, vpc.id, 'default');
    if (g) groups.push({ GroupId: g.id, GroupName: g.name });
  }
  return {
    SpotInstanceRequestId: r.id,
    SpotPrice: formatPrice(r.max_price),
    Type: r.type,
    State: r.state,
    Status: { Code: r.status_code, Message: r.status_message, UpdateTime: new Date(r.status_updated_at) },
    CreateTime: new Date(r.created_at),
    InstanceId: r.instance_id ?? undefined,
    LaunchedAvailabilityZone: r.launched_az ?? undefined,
    LaunchSpecification: {
      ImageId: spec.ImageId, InstanceType: spec.InstanceType ?? 't3.micro', KeyName: spec.KeyName, SubnetId: spec.SubnetId, SecurityGroups: groups,
      Placement: { AvailabilityZone: spec.Placement?.AvailabilityZone, Tenancy: spec.Placement?.Tenancy ?? 'default' }, Monitoring: { Enabled: false },
    },
    ProductDescription: 'Linux/UNIX',
    InstanceInterruptionBehavior: r.interruption_behavior,
    ValidFrom: r.valid_from ? new Date(r.valid_from) : undefined,
    ValidUntil: r.valid_until ? new Date(r.valid_until) : undefined,
    LaunchGroup: r.launch_group ?? undefined,
    AvailabilityZoneGroup: r.az_group ?? undefined,
    Tags: d.store.tagsOf(r.id).map((t) => ({ Key: t.key, Value: t.value })),
  };
}

const ID = /^sir-[0-9a-z]{8,}$/;

function findRequests(d: Ec2Deps, s: Scope, ids: string[]): SpotRequestRow[] {
  const bad = ids.find((id) => !ID.test(id));
  if (bad) throw new InvalidSpotInstanceRequestIDMalformed(`Invalid id: "${bad}" (expecting "sir-...")`);
  return ids.map((id) => {
    const r = d.store.spotRequest(id);
    if (!r || r.account !== s.account || r.region !== s.region) throw new InvalidSpotInstanceRequestIDNotFound(`The spot instance request ID '${id}' does not exist`);
    return r;
  });
}

const spec = (r: SpotRequestRow) => JSON.parse(r.launch_spec) as RunInstancesInput;
const iso = (ms: number | null) => (ms ? new Date(ms).toISOString() : undefined);

const FIELDS: Parameters<typeof applyFilters<SpotRequestRow>>[2] = {
  'availability-zone-group': (r) => r.az_group,
  'create-time': (r) => iso(r.created_at),
  'instance-id': (r) => r.instance_id,
  'instance-interruption-behavior': (r) => r.interruption_behavior,
  'launch-group': (r) => r.launch_group,
  'launch.group-id': (r) => spec(r).SecurityGroupIds ?? [],
  'launch.group-name': (r) => spec(r).SecurityGroups ?? [],
  'launch.image-id': (r) => spec(r).ImageId,
  'launch.instance-type': (r) => spec(r).InstanceType ?? 't3.micro',
  'launch.key-name': (r) => spec(r).KeyName,
  'launch.monitoring-enabled': () => 'false',
  'launched-availability-zone': (r) => r.launched_az,
  'product-description': () => 'Linux/UNIX',
  'spot-instance-request-id': (r) => r.id,
  'spot-price': (r) => formatPrice(r.max_price),
  state: (r) => r.state,
  'status-code': (r) => r.status_code,
  'status-message': (r) => r.status_message,
  type: (r) => r.type,
  'valid-from': (r) => iso(r.valid_from),
  'valid-until': (r) => iso(r.valid_until),
};

export function spotRequestHandlers(d: Ec2Deps, fulfilSoon: () => void) {
  return {
    RequestSpotInstances(input: {
      LaunchSpecification?: LaunchSpecInput; SpotPrice?: string; InstanceCount?: number; Type?: string; InstanceInterruptionBehavior?: string;
      ValidFrom?: Date; ValidUntil?: Date; LaunchGroup?: string; AvailabilityZoneGroup?: string; BlockDurationMinutes?: number; ClientToken?: string;
      TagSpecifications?: TagSpecification[];
    }, ctx: Scope) {
      if (input.ClientToken) {
        const prior = d.store.spotRequestsByToken(ctx, input.ClientToken);
        if (prior.length) return { SpotInstanceRequests: prior.map((r) => spotRequestShape(d, r)) };
      }
      const ls = input.LaunchSpecification;
      if (!ls) throw new MissingParameter('The request must contain the parameter LaunchSpecification');
      const count = input.InstanceCount ?? 1;
      if (!Number.isInteger(count) || count < 1) throw new InvalidParameterValue(`Value (${count}) for parameter instanceCount is invalid. Expected a positive integer.`);
      validateSpec(d, ctx, ls);
      const type = ls.InstanceType ?? 't3.micro';
      const terms = spotTerms(d, ctx, type, {
        MaxPrice: input.SpotPrice, SpotInstanceType: input.Type, InstanceInterruptionBehavior: input.InstanceInterruptionBehavior, BlockDurationMinutes: input.BlockDurationMinutes,
      }, 'request');
      const now = d.clock.now();
      const validFrom = input.ValidFrom ? new Date(input.ValidFrom).getTime() : null;
      const validUntil = input.ValidUntil ? new Date(input.ValidUntil).getTime() : now + DEFAULT_VALIDITY_MS;
      if (validUntil <= now) throw new InvalidParameterValue('ValidUntil must be in the future');
      if (validFrom !== null && validFrom >= validUntil) throw new InvalidParameterCombination('ValidFrom must be before ValidUntil');
      const launchSpec: RunInstancesInput = {
        MinCount: 1, MaxCount: 1, ImageId: ls.ImageId, InstanceType: type, KeyName: ls.KeyName, SecurityGroupIds: ls.SecurityGroupIds, SecurityGroups: ls.SecurityGroups,
        SubnetId: ls.SubnetId, UserData: ls.UserData, Placement: ls.Placement ? { AvailabilityZone: ls.Placement.AvailabilityZone, Tenancy: ls.Placement.Tenancy } : undefined,
      };
      const later = validFrom !== null && validFrom > now;
      const rows = d.store.tx(() => Array.from({ length: count }, () => {
        const r: SpotRequestRow = {
          id: spotRequestId(d), account: ctx.account, region: ctx.region, type: terms.type, state: 'open',
          status_code: later ? 'not-scheduled-yet' : 'pending-evaluation', status_message: '', status_updated_at: now, max_price: terms.maxPrice,
          interruption_behavior: terms.behaviorAsGiven, launch_spec: JSON.stringify(launchSpec), instance_id: null, launched_az: null,
          valid_from: validFrom, valid_until: validUntil, launch_group: input.LaunchGroup ?? null, az_group: input.AvailabilityZoneGroup ?? null,
          client_token: input.ClientToken ?? null, created_at: now,
        };
        d.store.insertSpotRequest(r);
        setSpotStatus(d, r.id, 'open', r.status_code);
        applyTagSpecifications(d, ctx, r.id, 'spot-instances-request', input.TagSpecifications);
        return r.id;
      }));
      // Answer first (open, pending-evaluation, as AWS does), then evaluate.
      setImmediate(fulfilSoon);
      return { SpotInstanceRequests: rows.map((id) => spotRequestShape(d, d.store.spotRequest(id)!)) };
    },

    DescribeSpotInstanceRequests(input: { SpotInstanceRequestIds?: string[]; Filters?: FilterInput[]; MaxResults?: number; NextToken?: string }, ctx: Scope) {
      if (input.SpotInstanceRequestIds?.length && input.MaxResults !== undefined) {
        throw new InvalidParameterCombination('The parameter spotInstanceRequestIdSet cannot be used with the parameter maxResults');
      }
      const now = d.clock.now();
      let rows = input.SpotInstanceRequestIds?.length
        ? findRequests(d, ctx, input.SpotInstanceRequestIds)
        : d.store.spotRequests(ctx).filter((r) => !ENDED.includes(r.state) || r.status_updated_at > now - ENDED_VISIBLE_MS);
      rows = applyFilters(rows, input.Filters, FIELDS, (r) => d.store.tagsOf(r.id));
      const { page, next } = paginate(rows, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
      return { SpotInstanceRequests: page.map((r) => spotRequestShape(d, r)), NextToken: next };
    },

    CancelSpotInstanceRequests(input: { SpotInstanceRequestIds?: string[] }, ctx: Scope) {
      if (!input.SpotInstanceRequestIds?.length) throw new MissingParameter('The request must contain the parameter SpotInstanceRequestIds');
      const rows = findRequests(d, ctx, input.SpotInstanceRequestIds);
      // AWS: cancelling never touches the instance; a running one keeps running (terminate it yourself).
      const out = d.store.tx(() => rows.map((r) => {
        if (!ENDED.includes(r.state)) {
          const inst = r.instance_id ? d.store.instance(r.instance_id) : undefined;
          const running = inst && inst.state !== 'terminated' && inst.state !== 'shutting-down';
          setSpotStatus(d, r.id, 'cancelled', running ? 'request-canceled-and-instance-running' : 'canceled-before-fulfillment');
        }
        return { SpotInstanceRequestId: r.id, State: d.store.spotRequest(r.id)!.state };
      }));
      return { CancelledSpotInstanceRequests: out };
    },
  };
}
