import type { IngressRule } from '../../drivers/driver.ts';
import { decodeToken } from '../../drivers/process/token.ts';
import type { Meter } from '../../engines/billing/types.ts';
import type { InstancePort, InstanceView, LoadBalancerPort, LogsPort, MeterPort, NetworkPort } from '../../engines/containers/ports.ts';
import type { LogStore } from '../../engines/logs/index.ts';
import { parseCidr } from '../../engines/network/ipam.ts';
import { INSTANCE_TYPES } from '../ec2/catalog/instance-types.ts';
import type { Ec2Deps } from '../ec2/deps.ts';
import { ensureDefaultVpc } from '../ec2/network.ts';
import type { InstanceRow } from '../ec2/store.ts';

// The container engine's ports (src/engines/containers/ports.ts) built from the other Nimbus services.

export function networkPort(ec2: Ec2Deps): NetworkPort {
  const subnetView = (r: { id: string; vpc_id: string; cidr: string; az: string }) => ({ id: r.id, vpcId: r.vpc_id, cidr: r.cidr, az: r.az });
  return {
    subnet(s, id) {
      ensureDefaultVpc(ec2, s);
      const r = ec2.store.subnet(id);
      return r && ec2.store.subnets(s).some((x) => x.id === id) ? subnetView(r) : undefined;
    },
    defaultSubnets: (s) => ensureDefaultVpc(ec2, s).subnets.map(subnetView),
    securityGroupExists(s, id) {
      const g = ec2.store.group(id);
      return !!g && g.account === s.account && g.region === s.region;
    },
    defaultSecurityGroup: (s, vpcId) => ec2.store.groupByName(s, vpcId, 'default')?.id,
    ingress(_s, groupIds, extraMembers) {
      const rules: IngressRule[] = [];
      for (const gid of groupIds) {
        for (const r of ec2.store.rules(gid)) {
          if (r.is_egress) continue;
          const cidrs = r.cidr ? [r.cidr] : [
            ...ec2.store.instancesInGroup(r.source_group_id!).filter((i) => i.state === 'running' || i.state === 'pending').map((i) => `${i.private_ip}/32`),
            ...extraMembers(r.source_group_id!),
          ];
          if (cidrs.length) rules.push({ protocol: r.protocol, fromPort: r.from_port ?? undefined, toPort: r.to_port ?? undefined, cidrs });
        }
      }
      return rules;
    },
    usedIps: () => ec2.store.usedIps(),
    gateway: ec2.gateway,
    prefixLength: parseCidr(ec2.vpcCidr).prefix,
  };
}

export function instancePort(ec2: Ec2Deps): InstancePort {
  const view = (r: InstanceRow): InstanceView => {
    const spec = ec2.compute.spec(r.id);
    const type = INSTANCE_TYPES.find((t) => t.name === r.instance_type);
    // driver_token is the JSON of the process driver's WorkloadHandle; its token names the instance's namespace.
    const token = r.driver_token ? decodeToken((JSON.parse(r.driver_token) as { token?: string }).token ?? '') : undefined;
    return {
      id: r.id, account: r.account, region: r.region, state: r.state, az: r.az, subnetId: r.subnet_id, privateIp: r.private_ip, instanceType: r.instance_type,
      vcpus: spec?.vcpus ?? type?.vcpus ?? 1, memoryMiB: spec?.memoryMiB ?? type?.memoryMiB ?? 1024, userData: r.user_data ?? undefined,
      netns: token?.net?.ns && r.state === 'running' ? `/run/netns/${token.net.ns}` : undefined,
      tags: Object.fromEntries(ec2.store.tagsOf(r.id).map((t) => [t.key, t.value])),
    };
  };
  return {
    instance(id) {
      const r = ec2.store.instance(id);
      return r ? view(r) : undefined;
    },
    list: () => ec2.store.liveInstances().map(view),
  };
}

export function logsPort(store: LogStore, log: { warn: (o: object, m: string) => void }): LogsPort {
  return {
    groupExists: (s, group) => !!store.findLogGroup({ account: s.account, region: s.region, name: group }),
    createGroup(s, group) {
      if (!store.findLogGroup({ account: s.account, region: s.region, name: group })) store.createLogGroup({ account: s.account, region: s.region, name: group });
    },
    append(s, group, stream, events) {
      void store.appendEvents(s.account, s.region, group, stream, events).catch((err) => log.warn({ err, group }, 'container logs dropped'));
    },
  };
}

export function loadBalancerPort(lb: {
  registerTargets(tgArn: string, targets: Array<{ id: string; port?: number }>): Promise<void>;
  deregisterTargets(tgArn: string, targets: Array<{ id: string; port?: number }>): Promise<void>;
  targetHealth(tgArn: string): Promise<Array<{ id: string; port: number; state: string; reason?: string }>>;
}): LoadBalancerPort {
  return lb as LoadBalancerPort;
}

export function meterPort(meter: Meter | undefined): MeterPort | undefined {
  if (!meter) return undefined;
  return { open: (u) => meter.open(u), close: (id, at) => meter.close(id, at) };
}
