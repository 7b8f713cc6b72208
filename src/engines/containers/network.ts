import { randomBytes, randomUUID } from 'node:crypto';
import { intToIp, macFor, parseCidr } from '../network/ipam.ts';
import type { SubnetView } from './ports.ts';
import type { EniDoc } from './types.ts';

// awsvpc task networking: each task gets an elastic network interface (here: a veth in its own namespace) with a
// private IP of one of its subnets.
//
// AWS: task ENIs take addresses from the subnet's pool shared with instances. Here: tasks take the lowest free
// address of the subnet's upper half (skipping every instance's and task's address), because EC2's allocator
// (lowest free from the bottom) and the load balancers' (highest free from the top) do not know about task ENIs;
// the halves only meet when a /20 subnet holds ~2,000 instances.

export function allocateTaskIp(subnet: SubnetView, used: Set<string>): string | undefined {
  const { base, size } = parseCidr(subnet.cidr);
  const start = base + Math.max(4, Math.floor(size / 2));
  for (let n = start; n < base + size - 1; n++) {
    const ip = intToIp(n);
    if (!used.has(ip)) return ip;
  }
  // The upper half is full: anything free below it.
  for (let n = base + 4; n < start; n++) {
    const ip = intToIp(n);
    if (!used.has(ip)) return ip;
  }
  return undefined;
}

export function newEni(subnet: SubnetView, ip: string): EniDoc {
  return { attachmentId: randomUUID(), eniId: `eni-${randomBytes(9).toString('hex').slice(0, 17)}`, subnetId: subnet.id, ip, mac: macFor(ip), status: 'PRECREATED' };
}

/** ip-10-0-1-5.ec2.internal (us-east-1) or ip-10-0-1-5.<region>.compute.internal, as EC2 names hosts. */
export function privateDnsName(ip: string, region: string): string {
  const host = `ip-${ip.replace(/\./g, '-')}`;
  return region === 'us-east-1' ? `${host}.ec2.internal` : `${host}.${region}.compute.internal`;
}
