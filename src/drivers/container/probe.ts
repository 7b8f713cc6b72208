import { readFileSync } from 'node:fs';
import type { DriverCapabilities } from '../driver.ts';
import { CgroupHost } from '../process/cgroups.ts';
import { probeHost, which, type Tools } from '../process/probe.ts';
import { run } from '../process/run.ts';

// What the container runtime needs from the host: everything the process driver's namespaced mode needs (root,
// iproute2, util-linux, cgroups, the bridge) plus an OCI runtime (crun). Missing pieces give one clear reason.

export interface ContainerHostProbe {
  tools?: Tools;
  cgroups?: CgroupHost;
  firewall: boolean;
  crun?: string;
  version?: string;
  /** crun refuses hybrid cgroup hosts while /sys/fs/cgroup/unified is mounted; the launcher unmounts it privately. */
  hybridCgroups: boolean;
  unavailableReason?: string;
  warnings: string[];
}

export const NO_RUNTIME = 'no OCI runtime installed: crun was not found (apt-get install crun)';

/**
 * `host`: the process driver's capabilities when it already probed this host (no second probe netns); without them
 * the full probe runs (standalone use and tests).
 */
export async function probeContainerHost(prefix: string, host?: DriverCapabilities): Promise<ContainerHostProbe> {
  const crun = process.env.NIMBUS_OCI_RUNTIME === 'none' ? undefined : which(process.env.NIMBUS_OCI_RUNTIME ?? 'crun');
  const hybridCgroups = /\s\/sys\/fs\/cgroup\/unified\s.*\scgroup2\s/.test(readSafe('/proc/self/mountinfo'));
  let tools: Tools | undefined;
  let cgroups: CgroupHost | undefined;
  let firewall = false;
  const warnings: string[] = [];
  if (host) {
    if (host.isolation === 'namespaces' && host.privateNetwork) {
      const cg = CgroupHost.detect();
      const found = { sh: which('sh'), ip: which('ip'), nsenter: which('nsenter'), unshare: which('unshare'), mount: which('mount'), umount: which('umount') };
      if (typeof cg !== 'string' && Object.values(found).every(Boolean)) {
        await cg.prepare(prefix);
        tools = { ...(found as Omit<Tools, 'nft' | 'taskset'>), nft: which('nft'), taskset: which('taskset') };
        cgroups = cg;
        firewall = host.firewall;
      }
    }
  } else {
    const p = await probeHost(prefix, false);
    tools = p.tools;
    cgroups = p.cgroups;
    firewall = p.firewall;
    warnings.push(...p.warnings);
  }
  let unavailableReason: string | undefined;
  let version: string | undefined;
  if (!crun) unavailableReason = NO_RUNTIME;
  else if (!tools || !cgroups) unavailableReason = `containers need root, network namespaces and cgroups (${host?.warnings[0] ?? warnings[0] ?? 'not available here'})`;
  else {
    const v = await run(crun, ['--version']);
    if (v.code !== 0) unavailableReason = `the OCI runtime ${crun} does not run: ${v.stderr.trim()}`;
    else version = /version\s+([\w.-]+)/.exec(v.stdout)?.[1];
  }
  if (!unavailableReason && !firewall) warnings.push('security groups of tasks are not enforced (nftables unavailable)');
  return { tools, cgroups, firewall, crun, version, hybridCgroups, unavailableReason, warnings };
}

function readSafe(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}
