import type { Ec2Deps, Scope } from './deps.ts';
import type { SubnetRow, VpcRow } from './store.ts';
import { applyFilters, type FilterInput } from './domain/filters.ts';
import { InvalidSubnetIDNotFound, InvalidVpcIDNotFound } from './errors.ts';
import { parseCidr, intToIp } from '../../engines/network/ipam.ts';

// AWS: every account has a default VPC (172.31.0.0/16) per region with a default subnet per AZ.
// Here: the same, created on first use, with three AZs per region. All default VPCs share one bridge
// and one address space, so addresses are unique across accounts and regions.

export const AZ_LETTERS = ['a', 'b', 'c'];

export function ensureDefaultVpc(d: Ec2Deps, s: Scope): { vpc: VpcRow; subnets: SubnetRow[] } {
  const existing = d.store.defaultVpc(s);
  if (existing) return { vpc: existing, subnets: d.store.subnets(s).filter((x) => x.vpc_id === existing.id) };
  return d.store.tx(() => {
    const again = d.store.defaultVpc(s);
    if (again) return { vpc: again, subnets: d.store.subnets(s).filter((x) => x.vpc_id === again.id) };
    const now = d.clock.now();
    const vpc: VpcRow = { id: d.ids.next('vpc'), ...s, cidr: d.vpcCidr, is_default: 1, created_at: now };
    d.store.insertVpc(vpc);
    const { base, prefix } = parseCidr(d.vpcCidr);
    // Subnets are /20s (4,096 addresses) like AWS's default subnets, carved from the VPC CIDR.
    const subPrefix = Math.max(prefix + 2, 20);
    const subnets = AZ_LETTERS.map((letter, i): SubnetRow => ({
      id: d.ids.next('subnet'), vpc_id: vpc.id, ...s, az: `${s.region}${letter}`, az_id: `${regionCode(s.region)}-az${i + 1}`,
      cidr: `${intToIp(base + i * 2 ** (32 - subPrefix))}/${subPrefix}`, default_for_az: 1, created_at: now,
    }));
    subnets.forEach((x) => d.store.insertSubnet(x));
    const sg = d.ids.next('sg');
    d.store.insertGroup({ id: sg, ...s, vpc_id: vpc.id, name: 'default', description: 'default VPC security group', created_at: now });
    // The default group: all traffic from members of the group itself, all traffic out.
    d.store.insertRule({ id: d.ids.next('sgr'), group_id: sg, is_egress: 0, protocol: '-1', from_port: null, to_port: null, cidr: null, source_group_id: sg, description: null });
    d.store.insertRule({ id: d.ids.next('sgr'), group_id: sg, is_egress: 1, protocol: '-1', from_port: null, to_port: null, cidr: '0.0.0.0/0', source_group_id: null, description: null });
    return { vpc, subnets };
  });
}

function regionCode(region: string): string {
  const [a, b, c] = region.split('-');
  return `${a}${(b ?? '').slice(0, 1)}${c ?? ''}`.replace(/[^a-z0-9]/g, '');
}

export function findSubnet(d: Ec2Deps, s: Scope, subnetId: string): SubnetRow {
  ensureDefaultVpc(d, s);
  const sub = d.store.subnet(subnetId);
  if (!sub || sub.account !== s.account || sub.region !== s.region) throw new InvalidSubnetIDNotFound(`The subnet ID '${subnetId}' does not exist`);
  return sub;
}

const tagList = (d: Ec2Deps, id: string) => d.store.tagsOf(id).map((t) => ({ Key: t.key, Value: t.value }));

export function networkHandlers(d: Ec2Deps) {
  return {
    DescribeVpcs(input: { VpcIds?: string[]; Filters?: FilterInput[] }, ctx: Scope) {
      ensureDefaultVpc(d, ctx);
      let vpcs = d.store.vpcs(ctx);
      for (const id of input.VpcIds ?? []) if (!vpcs.some((v) => v.id === id)) throw new InvalidVpcIDNotFound(`The vpc ID '${id}' does not exist`);
      if (input.VpcIds?.length) vpcs = vpcs.filter((v) => input.VpcIds!.includes(v.id));
      vpcs = applyFilters(vpcs, input.Filters, {
        'vpc-id': (v) => v.id, 'cidr': (v) => v.cidr, 'cidr-block': (v) => v.cidr, 'is-default': (v) => v.is_default === 1, state: () => 'available',
        'owner-id': (v) => v.account,
      }, (v) => d.store.tagsOf(v.id));
      return {
        Vpcs: vpcs.map((v) => ({
          VpcId: v.id, CidrBlock: v.cidr, State: 'available', IsDefault: v.is_default === 1, OwnerId: v.account, InstanceTenancy: 'default',
          DhcpOptionsId: 'default', CidrBlockAssociationSet: [{ AssociationId: `vpc-cidr-assoc-${v.id.slice(4)}`, CidrBlock: v.cidr, CidrBlockState: { State: 'associated' } }],
          Tags: tagList(d, v.id),
        })),
      };
    },
    DescribeSubnets(input: { SubnetIds?: string[]; Filters?: FilterInput[] }, ctx: Scope) {
      ensureDefaultVpc(d, ctx);
      let subnets = d.store.subnets(ctx);
      for (const id of input.SubnetIds ?? []) if (!subnets.some((v) => v.id === id)) throw new InvalidSubnetIDNotFound(`The subnet ID '${id}' does not exist`);
      if (input.SubnetIds?.length) subnets = subnets.filter((v) => input.SubnetIds!.includes(v.id));
      subnets = applyFilters(subnets, input.Filters, {
        'subnet-id': (v) => v.id, 'vpc-id': (v) => v.vpc_id, 'availability-zone': (v) => v.az, 'availability-zone-id': (v) => v.az_id,
        'cidr-block': (v) => v.cidr, 'default-for-az': (v) => v.default_for_az === 1, state: () => 'available',
      }, (v) => d.store.tagsOf(v.id));
      return {
        Subnets: subnets.map((v) => ({
          SubnetId: v.id, VpcId: v.vpc_id, AvailabilityZone: v.az, AvailabilityZoneId: v.az_id, CidrBlock: v.cidr, State: 'available',
          DefaultForAz: v.default_for_az === 1, MapPublicIpOnLaunch: false, OwnerId: v.account,
          AvailableIpAddressCount: 2 ** (32 - parseCidr(v.cidr).prefix) - 5,
          SubnetArn: `arn:aws:ec2:${v.region}:${v.account}:subnet/${v.id}`, Tags: tagList(d, v.id),
        })),
      };
    },
    DescribeAvailabilityZones(input: { ZoneNames?: string[]; Filters?: FilterInput[] }, ctx: Scope) {
      let zones = AZ_LETTERS.map((l, i) => ({ ZoneName: `${ctx.region}${l}`, ZoneId: `${regionCode(ctx.region)}-az${i + 1}` }));
      if (input.ZoneNames?.length) zones = zones.filter((z) => input.ZoneNames!.includes(z.ZoneName));
      zones = applyFilters(zones, input.Filters, { 'zone-name': (z) => z.ZoneName, 'zone-id': (z) => z.ZoneId, state: () => 'available', 'region-name': () => ctx.region });
      return {
        AvailabilityZones: zones.map((z) => ({
          ...z, State: 'available', RegionName: ctx.region, ZoneType: 'availability-zone', OptInStatus: 'opt-in-not-required',
          GroupName: ctx.region, NetworkBorderGroup: ctx.region, Messages: [],
        })),
      };
    },
    DescribeRegions(input: { RegionNames?: string[] }, ctx: Scope) {
      const names = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1', 'ap-northeast-1'];
      if (!names.includes(ctx.region)) names.push(ctx.region);
      const picked = input.RegionNames?.length ? names.filter((n) => input.RegionNames!.includes(n)) : names;
      return { Regions: picked.map((n) => ({ RegionName: n, Endpoint: `ec2.${n}.amazonaws.com`, OptInStatus: 'opt-in-not-required' })) };
    },
  };
}
