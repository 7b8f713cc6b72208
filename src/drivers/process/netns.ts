import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readlink, stat, writeFile } from 'node:fs/promises';
import type { NetworkAttachment } from '../driver.ts';
import { delay, run, runOk } from './run.ts';

// Network namespaces, veth pairs and the bridge. Every instance gets `<prefix>-<tail>` (a named
// netns under /run/netns) and a veth pair whose host end `<prefix><tail>` is a bridge port and whose
// other end is created directly inside the netns as eth0 with the instance's MAC.

export const IFNAMSIZ = 15;

export interface NetNames {
  ns: string;
  veth: string;
}

/**
 * Short, unique names derived from the instance id (i-0123456789abcdef0 → tail "bcdef0"...).
 * Interface names are limited to 15 characters, so the prefix is truncated for the veth when long.
 */
export function netNames(prefix: string, id: string, taken: (n: NetNames) => boolean): NetNames {
  const base = prefix.slice(0, 9);
  const len = IFNAMSIZ - base.length;
  const clean = id.toLowerCase().replace(/[^a-z0-9]/g, '');
  for (let attempt = 0; ; attempt++) {
    const tail = attempt === 0 && clean.length >= len ? clean.slice(-len) : createHash('sha1').update(`${id}/${attempt}`).digest('hex').slice(0, len);
    const n = { ns: `${prefix}-${tail}`, veth: `${base}${tail}` };
    if (!taken(n) && !existsSync(`/sys/class/net/${n.veth}`) && !existsSync(`/run/netns/${n.ns}`)) return n;
  }
}

/** `ip -batch` lines run on the host: the netns and the veth pair, host end on the bridge. */
export function hostBatch(n: NetNames, bridge: string, net: NetworkAttachment): string {
  return [
    `netns add ${n.ns}`,
    `link add ${n.veth} type veth peer name eth0 address ${net.mac} netns ${n.ns}`,
    `link set ${n.veth} master ${bridge} up`,
    // The host learns the instance's MAC now instead of by ARP: a client that dialled the IP before
    // it existed left an INCOMPLETE entry that would otherwise wait for the next ARP retry (1 s).
    `neigh replace ${net.ip} lladdr ${net.mac} dev ${bridge} nud reachable`,
  ].join('\n') + '\n';
}

/** `ip -n <ns> -batch` lines: address, default route via the bridge, loopback up. */
export function nsBatch(net: NetworkAttachment): string {
  return [
    'link set lo up',
    `addr add ${net.ip}/${net.prefixLength} dev eth0`,
    'link set eth0 up',
    `route add default via ${net.gateway} dev eth0`,
  ].join('\n') + '\n';
}

export function validateNetwork(net: NetworkAttachment): void {
  const ip = /^(\d{1,3}\.){3}\d{1,3}$/;
  if (!ip.test(net.ip) || !ip.test(net.gateway)) throw new Error(`invalid network address ${net.ip} via ${net.gateway}`);
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(net.mac)) throw new Error(`invalid MAC address ${net.mac}`);
  if (!(net.prefixLength >= 1 && net.prefixLength <= 32)) throw new Error(`invalid prefix length ${net.prefixLength}`);
}

/** Creates the bridge with the gateway and metadata addresses, or completes an existing one. */
export async function ensureBridge(ip: string, name: string, gatewayCidr: string, metadataAddress: string | undefined): Promise<void> {
  if (!existsSync(`/sys/class/net/${name}`)) await runOk(ip, ['link', 'add', name, 'type', 'bridge']);
  // Instances speak IPv4 only; no IPv6 router solicitation noise on the bridge.
  await writeFile(`/proc/sys/net/ipv6/conf/${name}/disable_ipv6`, '1').catch(() => undefined);
  await runOk(ip, ['-batch', '-'], {
    input: `addr replace ${gatewayCidr} dev ${name}\n${metadataAddress ? `addr replace ${metadataAddress}/32 dev ${name}\n` : ''}link set ${name} up\n`,
  });
}

/** Other interfaces that already hold the gateway address: the host then routes the VPC elsewhere. */
export async function gatewayClashes(ip: string, bridge: string, gatewayCidr: string): Promise<string[]> {
  const r = await run(ip, ['-4', '-o', 'addr', 'show', 'to', gatewayCidr.split('/')[0]]);
  const devs = r.stdout.split('\n').map((l) => l.split(/\s+/)[1]).filter(Boolean);
  return [...new Set(devs)].filter((d) => d !== bridge);
}

export async function deleteBridge(ip: string, name: string): Promise<void> {
  if (existsSync(`/sys/class/net/${name}`)) await run(ip, ['link', 'del', name]);
}

/** Host ends of the veth pairs currently plugged into the bridge. */
export async function bridgePorts(name: string): Promise<string[]> {
  return readdir(`/sys/class/net/${name}/brif`).catch(() => []);
}

export async function namespacesWithPrefix(prefix: string): Promise<string[]> {
  const all = await readdir('/run/netns').catch(() => []);
  return all.filter((n) => n.startsWith(`${prefix}-`));
}

/** Inodes of every network namespace some process is in (to tell live netns from leftovers). */
export async function netnsInUse(): Promise<Set<number>> {
  const inUse = new Set<number>();
  const pids = (await readdir('/proc').catch(() => [])).filter((p) => /^\d+$/.test(p));
  await Promise.all(pids.map(async (p) => {
    const link = await readlink(`/proc/${p}/ns/net`).catch(() => '');
    const m = /\[(\d+)\]/.exec(link);
    if (m) inUse.add(Number(m[1]));
  }));
  return inUse;
}

export async function netnsInode(ns: string): Promise<number | undefined> {
  return stat(`/run/netns/${ns}`).then((s) => s.ino, () => undefined);
}

/**
 * Coalesces deletions made in the same tick into one `ip -force -batch`. Only the netns is deleted:
 * the kernel then tears down its devices (and with them the host ends of the veths) in a batched
 * cleanup that needs one RCU grace period for many namespaces, where `ip link del` waits for one per
 * veth (100 instances: ~0.1 s instead of ~3 s). delete() resolves once the veth is really gone.
 */
export class NetDeleter {
  private pending: { lines: string[]; done: () => void }[] = [];
  private scheduled = false;

  constructor(private ip: string) {}

  async delete(n: Partial<NetNames>): Promise<void> {
    const veth = n.veth && existsSync(`/sys/class/net/${n.veth}`) ? n.veth : undefined;
    if (n.ns && existsSync(`/run/netns/${n.ns}`)) await this.batch([`netns del ${n.ns}`]);
    if (!veth) return;
    const deadline = Date.now() + 3000;
    while (existsSync(`/sys/class/net/${veth}`)) {
      // Still there: a process holds the netns, or the veth was never moved into it.
      if (Date.now() > deadline) return this.batch([`link del ${veth}`]);
      await delay(10);
    }
  }

  private batch(lines: string[]): Promise<void> {
    return new Promise((done) => {
      this.pending.push({ lines, done });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    await run(this.ip, ['-force', '-batch', '-'], { input: batch.flatMap((b) => b.lines).join('\n') + '\n' });
    for (const b of batch) b.done();
  }
}
