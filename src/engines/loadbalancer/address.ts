import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { intToIp, parseCidr } from '../network/ipam.ts';
import type { AddressProvider } from './types.ts';

const run = promisify(execFile);
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((p) => existsSync(p)) ?? 'ip';

/**
 * With private networking (root), each load balancer gets an address of its own on the Nimbus bridge, so its
 * listeners really listen on their port (80, 443, …) of that address: the host and every instance reach it, and
 * two load balancers can both listen on port 80. The address is the highest free one of the load balancer's first
 * subnet (instances are given the lowest free ones), added as a /32 to the bridge.
 */
export class BridgeAddresses implements AddressProvider {
  private mine = new Set<string>();
  constructor(private bridge: string, private usedByInstances: () => Set<string>) {}

  async allocate(subnetCidrs: string[]): Promise<string> {
    const used = this.usedByInstances();
    for (const cidr of subnetCidrs) {
      const { base, size } = parseCidr(cidr);
      for (let n = base + size - 2; n >= base + 4; n--) {
        const ip = intToIp(n);
        if (used.has(ip) || this.mine.has(ip)) continue;
        this.mine.add(ip);
        await this.restore(ip);
        return ip;
      }
    }
    throw new Error('no free address for the load balancer in its subnets');
  }

  async restore(address: string): Promise<void> {
    this.mine.add(address);
    await run(IP, ['addr', 'replace', `${address}/32`, 'dev', this.bridge]);
  }

  async release(address: string): Promise<void> {
    this.mine.delete(address);
    await run(IP, ['addr', 'del', `${address}/32`, 'dev', this.bridge]).catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const a of [...this.mine]) await run(IP, ['addr', 'del', `${a}/32`, 'dev', this.bridge]).catch(() => undefined);
    this.mine.clear();
  }
}

/** Without private networking every load balancer listens on 127.0.0.1 (its port, or a free one when taken). */
export class LoopbackAddresses implements AddressProvider {
  async allocate(): Promise<string> {
    return '127.0.0.1';
  }
  async restore(): Promise<void> {}
  async release(): Promise<void> {}
  async close(): Promise<void> {}
}
