import type { IngressRule } from '../driver.ts';
import { runOk } from './run.ts';

// Security groups as nftables rules inside the instance's netns: inbound is dropped unless a rule
// allows it; replies to the instance's own connections and loopback always pass; outbound is open
// (the VPC default egress). The whole table is replaced in one `nft -f` transaction, so a rule
// change never leaves a window with no rules or half of them.

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const PROTOCOLS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', all: '-1' };

function validCidr(c: string): boolean {
  const m = CIDR.exec(c);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

/** One nft statement per rule ('' when the rule can never match, e.g. IPv6 ranges only). */
export function ruleStatement(r: IngressRule): string {
  const proto = PROTOCOLS[r.protocol.toLowerCase()] ?? r.protocol.toLowerCase();
  const cidrs = r.cidrs.filter(validCidr);
  if (!cidrs.length) return '';
  const parts: string[] = [];
  if (!cidrs.includes('0.0.0.0/0')) parts.push(`ip saddr { ${cidrs.join(', ')} }`);
  else parts.push('meta nfproto ipv4');
  if (proto === 'tcp' || proto === 'udp') {
    const from = r.fromPort ?? -1;
    const to = r.toPort ?? from;
    const allPorts = from < 0 || (from <= 0 && to >= 65535);
    if (!allPorts && (!Number.isInteger(from) || !Number.isInteger(to) || to < from || to > 65535)) return '';
    parts.push(allPorts ? `meta l4proto ${proto}` : `${proto} dport ${from === to ? from : `${from}-${to}`}`);
  } else if (proto === 'icmp') {
    parts.push('meta l4proto icmp');
  } else if (proto !== '-1') {
    if (!/^\d{1,3}$/.test(proto) || Number(proto) > 255) return '';
    parts.push(`meta l4proto ${proto}`);
  }
  return `${parts.join(' ')} accept`;
}

/**
 * The ruleset for a workload. `fresh` is for a new netns: the table is only created. Otherwise the
 * chain is declared (a no-op when it exists), flushed and refilled in the same transaction. Removing
 * rules makes the kernel wait for an RCU grace period (~10 ms), which the start path avoids.
 */
export function renderRuleset(rules: IngressRule[], fresh = false, metadataNat?: { address: string; target: string }): string {
  const statements = rules.map(ruleStatement).filter(Boolean);
  return [
    // AWS: IMDS is a link-local address on every instance's hypervisor. Here: the netns rewrites it
    // to this Nimbus's bridge gateway, because one host address can only be bound by one server.
    ...(fresh && metadataNat ? [
      'table ip nimbus_nat {',
      '  chain output {',
      '    type nat hook output priority -100; policy accept;',
      `    ip daddr ${metadataNat.address} tcp dport 80 dnat to ${metadataNat.target}`,
      '  }',
      '}',
    ] : []),
    ...(fresh ? [] : [
      'table inet nimbus {',
      '  chain input {',
      '    type filter hook input priority 0; policy drop;',
      '  }',
      '}',
      'flush chain inet nimbus input',
    ]),
    'table inet nimbus {',
    '  chain input {',
    '    type filter hook input priority 0; policy drop;',
    '    iif lo accept',
    // Only replies to connections the instance opened pass on conntrack state. Packets of inbound
    // connections meet the rules every time, so a revoked rule also cuts kept-alive connections.
    "    ct direction reply ct state established,related accept",
    '    ct state related accept',
    // IPv6 neighbour discovery keeps the link usable even though instances speak IPv4.
    '    meta l4proto ipv6-icmp accept',
    ...statements.map((s) => `    ${s}`),
    '  }',
    '}',
    '',
  ].join('\n');
}

export async function applyRuleset(tools: { nsenter: string; nft: string }, ns: string, ruleset: string): Promise<void> {
  await runOk(tools.nsenter, [`--net=/run/netns/${ns}`, tools.nft, '-f', '-'], { input: ruleset });
}
