import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { CgroupHost } from './cgroups.ts';
import { run } from './run.ts';

// What this host can do, found out once at init(). Any missing piece turns namespaced mode off
// (plain processes) with a warning that says exactly what is missing and what that costs.

export interface Tools {
  sh: string;
  ip: string;
  nsenter: string;
  unshare: string;
  mount: string;
  umount: string;
  nft?: string;
  taskset?: string;
  /** util-linux setpriv: drops the capabilities instances must not have (issue 8). */
  setpriv?: string;
}

export interface ProbeResult {
  tools?: Tools;
  cgroups?: CgroupHost;
  firewall: boolean;
  warnings: string[];
}

export function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const d of dirs.filter(Boolean)) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

const PLAIN = 'instances run as plain processes without CPU/memory limits, private IPs or security groups';

export async function probeHost(prefix: string, forcePlain: boolean): Promise<ProbeResult> {
  const warnings: string[] = [];
  if (forcePlain) return { firewall: false, warnings: [`plain process mode requested: ${PLAIN}`] };
  if (process.platform !== 'linux') return { firewall: false, warnings: [`not Linux (${process.platform}): ${PLAIN}`] };
  if (process.getuid?.() !== 0) return { firewall: false, warnings: [`not running as root: ${PLAIN}`] };

  const found = { sh: which('sh'), ip: which('ip'), nsenter: which('nsenter'), unshare: which('unshare'), mount: which('mount'), umount: which('umount') };
  const missing = Object.entries(found).filter(([, p]) => !p).map(([n]) => n);
  if (missing.length) {
    return { firewall: false, warnings: [`missing ${missing.join(', ')} (install iproute2 and util-linux): ${PLAIN}`] };
  }
  const tools: Tools = { ...(found as Omit<Tools, 'nft' | 'taskset'>), nft: which('nft'), taskset: which('taskset'), setpriv: which('setpriv') };
  if (!tools.setpriv) warnings.push('setpriv (util-linux) not found: instance processes keep all of root\'s capabilities, so the data directory and other instances are not protected from them');

  const cgroups = CgroupHost.detect();
  if (typeof cgroups === 'string') return { firewall: false, warnings: [`${cgroups}: ${PLAIN}`] };
  try {
    await cgroups.prepare(prefix);
  } catch (err) {
    return { firewall: false, warnings: [`cannot create cgroups (${(err as Error).message}): ${PLAIN}`] };
  }

  // Try the real thing once: a throwaway netns (with nft inside it) and the namespaces unshare makes.
  const probeNs = `${prefix}-probe`;
  const [ns, uns] = await Promise.all([
    run(tools.ip, ['netns', 'add', probeNs]),
    run(tools.unshare, ['--pid', '--fork', '--mount', '--uts', '--ipc', '--mount-proc', 'true']),
  ]);
  let firewall = false;
  if (ns.code === 0 && tools.nft) {
    const nft = await run(tools.nsenter, [`--net=/run/netns/${probeNs}`, tools.nft, 'list', 'tables']);
    firewall = nft.code === 0;
    if (!firewall) warnings.push(`nftables does not work in a network namespace (${nft.stderr.trim()}): security groups are not enforced`);
  } else if (!tools.nft) {
    warnings.push('nft not found (apt-get install nftables): security groups are not enforced');
  }
  await run(tools.ip, ['netns', 'del', probeNs]);
  if (ns.code !== 0) return { firewall: false, warnings: [`cannot create network namespaces (${ns.stderr.trim()}): ${PLAIN}`] };
  if (uns.code !== 0) return { firewall: false, warnings: [`cannot create pid/mount namespaces (${uns.stderr.trim()}): ${PLAIN}`] };
  if (!cgroups.hasCpuset && !tools.taskset) warnings.push('no cpuset controller and no taskset: nproc inside instances shows every host CPU');
  return { tools, cgroups, firewall, warnings };
}
