import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { IngressRule, NetworkAttachment } from '../driver.ts';
import { ruleStatement } from '../process/firewall.ts';
import { IFNAMSIZ } from '../process/netns.ts';
import { runOk } from '../process/run.ts';

// VM networking on the host. Each VM gets a persistent tap `t<prefix><tail>` on the same Linux bridge
// the process driver uses (ensureBridge), the guest's MAC and IP come from the workload spec, and the
// host learns the MAC up front (no ARP wait). Security groups are enforced on the host, where the
// guest cannot touch them: one nftables table per driver prefix (`inet <prefix>_vm`) with
//   - a verdict map ingress: guest IP → jump to that VM's chain, consulted in the forward hook
//     (VM↔VM and instance↔VM traffic, bridged, seen here through br_netfilter) and the output hook
//     (host → VM: the API, load balancers, curl);
//   - per VM a chain: replies to the VM's own connections, the agent port from the gateway only,
//     the ingress rules (rendered like the process driver's), then drop;
//   - a set of guest IPs whose packets to 169.254.169.254:80 are DNATed to this Nimbus's IMDS
//     (bridge gateway, port 80), like the process driver does inside each namespace.
// Elements are added before the VM boots and removed after it is gone, so no packet reaches a VM
// unfiltered.

export interface TapNames {
  tap: string;
  chain: string;
}

export function tapNames(prefix: string, id: string, taken: (t: string) => boolean): TapNames {
  const base = `t${prefix.slice(0, 8)}`;
  const len = IFNAMSIZ - base.length;
  const clean = id.toLowerCase().replace(/[^a-z0-9]/g, '');
  for (let attempt = 0; ; attempt++) {
    const tail = attempt === 0 && clean.length >= len ? clean.slice(-len) : createHash('sha1').update(`${id}/${attempt}`).digest('hex').slice(0, len);
    const tap = `${base}${tail}`;
    if (!taken(tap) && !existsSync(`/sys/class/net/${tap}`)) return { tap, chain: `vm_${clean.slice(-17) || tail}` };
  }
}

export function tapBase(prefix: string): string {
  return `t${prefix.slice(0, 8)}`;
}

/** `ip -batch` lines: the tap, on the bridge, up, and the host's neighbour entry for the guest. */
export function tapBatch(tap: string, bridge: string, net: NetworkAttachment): string {
  return [
    `tuntap add dev ${tap} mode tap`,
    `link set ${tap} master ${bridge} up`,
    `neigh replace ${net.ip} lladdr ${net.mac} dev ${bridge} nud reachable`,
  ].join('\n') + '\n';
}

export function tableName(prefix: string): string {
  return `${prefix.replace(/[^A-Za-z0-9_]/g, '_')}_vm`;
}

/** The driver's table, created if missing (existing VM chains and elements are kept: adopt needs them). */
export function baseRuleset(table: string, metadata: { address: string; target: string }): string {
  return [
    `table inet ${table} {`,
    '  map ingress { type ipv4_addr : verdict; }',
    '  set guests { type ipv4_addr; }',
    '  chain forward { type filter hook forward priority 0; policy accept; ip daddr vmap @ingress; }',
    '  chain output { type filter hook output priority 0; policy accept; ip daddr vmap @ingress; }',
    '  chain prerouting { type nat hook prerouting priority -100; policy accept; }',
    '}',
    `flush chain inet ${table} prerouting`,
    `add rule inet ${table} prerouting ip saddr @guests ip daddr ${metadata.address} tcp dport 80 dnat ip to ${metadata.target}`,
    '',
  ].join('\n');
}

/** A VM's chain, (re)filled in one transaction. */
export function vmChain(table: string, chain: string, rules: IngressRule[], gateway: string, agentPort: number): string {
  const statements = rules.map(ruleStatement).filter(Boolean);
  return [
    `add chain inet ${table} ${chain}`,
    `flush chain inet ${table} ${chain}`,
    // Replies to connections the VM opened; every packet of an inbound connection meets the rules
    // (a revoked rule also cuts kept-alive connections), as with the process driver.
    `add rule inet ${table} ${chain} ct direction reply ct state established,related accept`,
    `add rule inet ${table} ${chain} ct state related accept`,
    `add rule inet ${table} ${chain} ip saddr ${gateway} tcp dport ${agentPort} accept`,
    ...statements.map((s) => `add rule inet ${table} ${chain} ${s}`),
    `add rule inet ${table} ${chain} drop`,
    '',
  ].join('\n');
}

export function addVm(table: string, chain: string, ip: string, rules: IngressRule[], gateway: string, agentPort: number): string {
  return vmChain(table, chain, rules, gateway, agentPort) + [
    `add element inet ${table} ingress { ${ip} : jump ${chain} }`,
    `add element inet ${table} guests { ${ip} }`,
    '',
  ].join('\n');
}

/** Removal, tolerant of pieces already gone (each statement is tried on its own by the caller). */
export function removeVm(table: string, chain: string, ip: string): string[] {
  return [
    `delete element inet ${table} ingress { ${ip} }`,
    `delete element inet ${table} guests { ${ip} }`,
    `delete chain inet ${table} ${chain}`,
  ];
}

/**
 * Serialises nft transactions of one driver and coalesces those queued meanwhile into one `nft -f`
 * (ten VMs starting together cost one nft run). A failed batch is retried statement group by
 * statement group, so one bad VM does not fail the others.
 */
export class NftQueue {
  private pending: { script: string; done: (err?: Error) => void }[] = [];
  private running = false;

  constructor(private nft: string) {}

  apply(script: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ script, done: (err) => (err ? reject(err) : resolve()) });
      if (!this.running) void this.drain();
    });
  }

  /** Best effort: each statement alone, errors ignored (removal of things that may be gone). */
  async applyEach(statements: string[]): Promise<void> {
    await Promise.all(statements.map((s) => this.apply(s + '\n').catch(() => undefined)));
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      try {
        await runOk(this.nft, ['-f', '-'], { input: batch.map((b) => b.script).join('') });
        for (const b of batch) b.done();
      } catch (err) {
        if (batch.length === 1) batch[0].done(err as Error);
        else {
          for (const b of batch) {
            try {
              await runOk(this.nft, ['-f', '-'], { input: b.script });
              b.done();
            } catch (e) {
              b.done(e as Error);
            }
          }
        }
      }
    }
    this.running = false;
  }
}
