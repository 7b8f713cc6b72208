import { instanceType } from '../catalog/instance-types.ts';
import type { Ec2Deps, Scope } from '../deps.ts';
import {
  InsufficientInstanceCapacity, InvalidKeyPairNotFound, InvalidParameterCombination, InvalidParameterValue, InvalidZoneNotFound, MissingParameter,
} from '../errors.ts';
import { assertDriverAvailable, findImage, seedRootVolume } from '../images.ts';
import { ensureDefaultVpc, findSubnet } from '../network.ts';
import { findGroup } from '../security-groups.ts';
import { assertPriceMet, spotRequestId, spotTerms, type SpotTerms, type SpotTermsInput } from '../spot/options.ts';
import type { InstanceRow, SpotRequestRow, SubnetRow } from '../store.ts';
import { applyTagSpecifications, type TagSpecification } from '../tags.ts';
import { allocateIp, intToIp, parseCidr } from '../../../engines/network/ipam.ts';
import { instanceShape } from './shape.ts';
import type { InstanceLifecycle } from './lifecycle.ts';
import { planHosts, resolveTenancy, type PlacementInput } from './placement.ts';

export interface RunInstancesInput {
  ImageId?: string; InstanceType?: string; MinCount: number; MaxCount: number; UserData?: string; KeyName?: string;
  SecurityGroupIds?: string[]; SecurityGroups?: string[]; SubnetId?: string; TagSpecifications?: TagSpecification[];
  ClientToken?: string; Placement?: PlacementInput;
  InstanceInitiatedShutdownBehavior?: string; DisableApiTermination?: boolean;
  InstanceMarketOptions?: { MarketType?: string; SpotOptions?: SpotTermsInput & { ValidUntil?: Date } };
}

/** AWS: user data is limited to 16 KB in raw form, before base64. */
export const MAX_USER_DATA = 16 * 1024;

export function decodeUserData(b64: string | undefined): string | undefined {
  if (b64 === undefined || b64 === '') return undefined;
  const clean = b64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) throw new InvalidParameterValue('Invalid BASE64 encoding of user data.');
  const raw = Buffer.from(clean, 'base64');
  if (raw.length > MAX_USER_DATA) throw new InvalidParameterValue(`User data is limited to ${MAX_USER_DATA} bytes`);
  return raw.toString('base64');
}

function pickSubnet(d: Ec2Deps, s: Scope, input: RunInstancesInput, subnets: SubnetRow[]): SubnetRow {
  if (input.SubnetId) return findSubnet(d, s, input.SubnetId);
  const az = input.Placement?.AvailabilityZone;
  if (az) {
    const sub = subnets.find((x) => x.az === az);
    if (!sub) throw new InvalidZoneNotFound(`Invalid availability zone: [${az}]`);
    return sub;
  }
  // AWS picks an AZ for you; Nimbus spreads launches over the default subnets.
  const counts = new Map(subnets.map((x) => [x.id, 0]));
  for (const i of d.store.instances(s)) if (i.state !== 'terminated' && counts.has(i.subnet_id)) counts.set(i.subnet_id, counts.get(i.subnet_id)! + 1);
  return [...subnets].sort((a, b) => counts.get(a.id)! - counts.get(b.id)!)[0];
}

function marketOf(d: Ec2Deps, s: Scope, input: RunInstancesInput, type: string): SpotTerms | undefined {
  const m = input.InstanceMarketOptions;
  if (!m || (m.MarketType === undefined && !m.SpotOptions)) return undefined;
  const kind = m.MarketType ?? 'spot';
  if (kind !== 'spot') throw new InvalidParameterValue(`Invalid value '${kind}' for MarketType: Nimbus offers the 'spot' market only`);
  return spotTerms(d, s, type, m.SpotOptions ?? {}, 'run');
}

/**
 * RunInstances, and the launch of a spot request's instance (RequestSpotInstances fulfilment: `request` given; the
 * caller checked its price). Validates everything, then inserts all instances in one transaction, then boots them.
 */
export function launchInstances(d: Ec2Deps, lifecycle: InstanceLifecycle, maxInstances: number, input: RunInstancesInput, ctx: Scope, request?: SpotRequestRow) {
  if (!input.ImageId) throw new MissingParameter('The request must contain the parameter ImageId');
  if (!Number.isInteger(input.MinCount) || input.MinCount < 1) throw new InvalidParameterValue(`Value (${input.MinCount}) for parameter minCount is invalid. Expected a positive integer.`);
  if (!Number.isInteger(input.MaxCount) || input.MaxCount < input.MinCount) throw new InvalidParameterValue(`Value (${input.MaxCount}) for parameter maxCount is invalid. Expected a value greater than or equal to minCount.`);
  if (input.ClientToken && !request) {
    const prior = d.store.instancesByToken(ctx, input.ClientToken);
    if (prior.length) return reservation(d, ctx, prior);
  }
  const image = findImage(d, ctx, input.ImageId);
  assertDriverAvailable(d, image.driver, image.id);
  // AWS: the default instance type is m1.small; Nimbus doesn't offer previous generations, so t3.micro.
  const typeName = input.InstanceType ?? 't3.micro';
  if (!instanceType(typeName)) throw new InvalidParameterValue(`Invalid value '${typeName}' for InstanceType.`);
  const spot: SpotTerms | undefined = request
    ? { type: request.type, maxPrice: request.max_price, behavior: request.interruption_behavior === 'terminate' ? 'terminate' : 'stop', behaviorAsGiven: request.interruption_behavior as SpotTerms['behaviorAsGiven'] }
    : marketOf(d, ctx, input, typeName);
  const tenancy = resolveTenancy(input.Placement, !!spot);
  const userData = decodeUserData(input.UserData);
  if (input.KeyName && !d.store.keyPairByName(ctx, input.KeyName)) throw new InvalidKeyPairNotFound(`The key pair '${input.KeyName}' does not exist`);
  // A one-time Spot Instance cannot be stopped, so shutting down from inside terminates it.
  const behavior = input.InstanceInitiatedShutdownBehavior ?? (spot?.type === 'one-time' ? 'terminate' : 'stop');
  if (behavior !== 'stop' && behavior !== 'terminate') throw new InvalidParameterValue(`Invalid value '${behavior}' for InstanceInitiatedShutdownBehavior`);
  if (spot?.type === 'one-time' && behavior === 'stop') {
    throw new InvalidParameterCombination("The instance-initiated shutdown behavior 'stop' is not supported for one-time Spot Instances");
  }
  const { vpc, subnets } = ensureDefaultVpc(d, ctx);
  if (input.SubnetId && input.Placement?.AvailabilityZone) {
    const sub = findSubnet(d, ctx, input.SubnetId);
    if (sub.az !== input.Placement.AvailabilityZone) throw new InvalidParameterCombination('The specified subnet is not in the specified availability zone');
  }
  let subnet: SubnetRow;
  let hostIds: string[] | undefined;
  if (tenancy === 'host') {
    const wantAz = input.SubnetId ? findSubnet(d, ctx, input.SubnetId).az : input.Placement?.AvailabilityZone;
    if (wantAz && !subnets.some((x) => x.az === wantAz)) throw new InvalidZoneNotFound(`Invalid availability zone: [${wantAz}]`);
    const plan = planHosts(d, ctx, typeName, input.Placement ?? {}, wantAz, input.MinCount, input.MaxCount);
    hostIds = plan.hostIds;
    subnet = input.SubnetId ? findSubnet(d, ctx, input.SubnetId) : subnets.find((x) => x.az === plan.az)!;
  } else {
    subnet = pickSubnet(d, ctx, input, subnets);
  }
  if (spot && !request) assertPriceMet(d, ctx, subnet.az, typeName, spot.maxPrice);
  let groupIds = (input.SecurityGroupIds ?? []).map((id) => findGroup(d, ctx, id).id);
  for (const name of input.SecurityGroups ?? []) {
    const g = d.store.groupByName(ctx, vpc.id, name);
    if (!g) throw new InvalidParameterValue(`The security group '${name}' does not exist in VPC '${vpc.id}'`);
    groupIds.push(g.id);
  }
  if (!groupIds.length) groupIds = [d.store.groupByName(ctx, vpc.id, 'default')!.id];
  groupIds = [...new Set(groupIds)];

  const rows = d.store.tx(() => {
    const live = d.store.liveInstances().length;
    const count = Math.min(input.MaxCount, maxInstances - live, hostIds?.length ?? Infinity);
    if (count < input.MinCount) {
      throw new InsufficientInstanceCapacity(`We currently do not have sufficient ${typeName} capacity: this Nimbus runs at most ${maxInstances} instances (--max-instances)`);
    }
    const used = d.store.usedIps();
    const gw = new Set([intToIp(parseCidr(d.vpcCidr).base + 1)]);
    const reservationId = d.ids.next('r');
    const now = d.clock.now();
    const out: InstanceRow[] = [];
    for (let i = 0; i < count; i++) {
      const ip = allocateIp(subnet.cidr, used, gw);
      if (!ip) throw new InsufficientInstanceCapacity(`There are not enough free addresses in subnet '${subnet.id}'`);
      used.add(ip);
      const id = d.ids.next('i');
      const sir = spot ? (request?.id ?? spotRequestId(d)) : null;
      const row: InstanceRow = {
        id, account: ctx.account, region: ctx.region, reservation_id: reservationId, launch_index: i, image_id: image.id, instance_type: typeName, state: 'pending',
        subnet_id: subnet.id, vpc_id: subnet.vpc_id, az: subnet.az, private_ip: ip, key_name: input.KeyName ?? null, user_data: userData ?? null,
        client_token: request ? null : (input.ClientToken ?? null), launch_time: now, state_transition_reason: '', state_reason_code: 'pending',
        state_reason_message: 'pending', security_group_ids: JSON.stringify(groupIds), shutdown_behavior: behavior,
        disable_api_termination: input.DisableApiTermination ? 1 : 0, driver_token: null, terminated_at: null, updated_at: now,
        market: spot ? 'spot' : 'on-demand', spot_request_id: sir, spot_max_price: spot?.maxPrice ?? null, interruption_behavior: spot?.behavior ?? null,
        tenancy, host_id: hostIds?.[i] ?? null, instance_action_json: null, interruption_at: null, driver: image.driver ?? null,
      };
      d.store.insertInstance(row);
      if (spot) recordSpotLaunch(d, ctx, row, spot, input, request);
      const rootVol = d.ids.next('vol');
      d.store.insertVolume({
        id: rootVol, account: ctx.account, region: ctx.region, az: subnet.az, size_gib: 8, volume_type: 'gp3', iops: 3000, state: 'in-use', created_at: now,
        instance_id: row.id, device: '/dev/xvda', attach_state: 'attached', attach_time: now, delete_on_termination: 1,
      });
      seedRootVolume(d, image.id, rootVol);
      applyTagSpecifications(d, ctx, row.id, 'instance', input.TagSpecifications);
      applyTagSpecifications(d, ctx, rootVol, 'volume', input.TagSpecifications);
      out.push(row);
    }
    return out;
  });
  for (const r of rows) void lifecycle.boot(r.id);
  return reservation(d, ctx, rows.map((r) => d.store.instance(r.id)!));
}

/** The spot request behind a spot instance: RunInstances creates one per instance (as AWS does); fulfilment updates its own. */
function recordSpotLaunch(d: Ec2Deps, s: Scope, row: InstanceRow, spot: SpotTerms, input: RunInstancesInput, request?: SpotRequestRow): void {
  const now = d.clock.now();
  if (request) {
    d.store.updateSpotRequest(request.id, {
      state: 'active', status_code: 'fulfilled', status_message: 'Your spot request is fulfilled.', status_updated_at: now, instance_id: row.id, launched_az: row.az,
    });
    return;
  }
  const { MinCount: _min, MaxCount: _max, ClientToken: _token, InstanceMarketOptions: _market, ...spec } = input;
  const validUntil = input.InstanceMarketOptions?.SpotOptions?.ValidUntil;
  d.store.insertSpotRequest({
    id: row.spot_request_id!, account: s.account, region: s.region, type: spot.type, state: 'active', status_code: 'fulfilled',
    status_message: 'Your spot request is fulfilled.', status_updated_at: now, max_price: spot.maxPrice, interruption_behavior: spot.behaviorAsGiven,
    launch_spec: JSON.stringify({ ...spec, InstanceType: row.instance_type, SubnetId: row.subnet_id }), instance_id: row.id, launched_az: row.az,
    valid_from: null, valid_until: validUntil ? new Date(validUntil).getTime() : null, launch_group: null, az_group: null, client_token: null, created_at: now,
  });
}

function reservation(d: Ec2Deps, s: Scope, rows: InstanceRow[]) {
  const groups = (JSON.parse(rows[0].security_group_ids) as string[]).map((id) => ({ GroupId: id, GroupName: d.store.group(id)?.name }));
  return { ReservationId: rows[0].reservation_id, OwnerId: s.account, Groups: groups, Instances: rows.map((r) => instanceShape(d, r)) };
}
