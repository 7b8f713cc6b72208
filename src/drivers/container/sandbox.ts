import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IngressRule } from '../driver.ts';
import { cgroupStats, destroyCgroup, type CgroupHost, type CgroupSet } from '../process/cgroups.ts';
import { applyRuleset, renderRuleset } from '../process/firewall.ts';
import { hostsFile, meminfo, resolvConf } from '../process/init-script.ts';
import { hostBatch, netNames, nsBatch, validateNetwork, type NetDeleter, type NetNames } from '../process/netns.ts';
import type { Tools } from '../process/probe.ts';
import { runOk, sq } from '../process/run.ts';
import type { SandboxSpec } from './types.ts';

// A task's sandbox: the cgroup every container of the task runs in (the task's CPU and memory) and, in awsvpc mode,
// its own network namespace with a veth on the Nimbus bridge and the security groups as nftables rules. Built with
// the process driver's helpers (the same names, limits and firewall as an EC2 instance), in one shell spawn.

export interface SandboxHost {
  tools: Tools;
  cgroups: CgroupHost;
  deleter: NetDeleter;
  prefix: string;
  bridge: string;
  firewall: boolean;
  /** Names of live sandboxes' namespaces/veths (collision check). */
  taken: () => Set<string>;
}

export interface SandboxState {
  net?: NetNames;
  cg: CgroupSet;
  /** The network namespace file containers join. */
  netns: string;
  ruleset?: string;
  /** Generated files bound into every container: /etc/hosts, /etc/resolv.conf, /proc/meminfo. */
  files: { hosts: string; resolv?: string; meminfo: string };
}

export async function createSandbox(h: SandboxHost, spec: SandboxSpec): Promise<SandboxState> {
  if (spec.network) validateNetwork(spec.network);
  const taken = h.taken();
  const net = spec.network ? netNames(h.prefix, spec.id, (n) => taken.has(n.ns) || taken.has(n.veth)) : undefined;
  const file = (n: string) => join(spec.stateDir, n);
  const files = { hosts: file('hosts'), resolv: spec.network ? file('resolv.conf') : undefined, meminfo: file('meminfo') };
  const cpus = h.cgroups.pickCpus(Math.max(1, Math.ceil(spec.vcpus)));
  let cg: CgroupSet | undefined;
  try {
    const [set] = await Promise.all([
      // Fractional vCPUs (ECS's 256 units = 0.25 vCPU) are a CPU quota (written exactly below); the cpuset holds whole CPUs.
      h.cgroups.create(h.prefix, spec.id, { memoryMiB: spec.memoryMiB, vcpus: Math.max(1, Math.ceil(spec.vcpus)), pidsMax: 4096 }, cpus)
        .then(async (set) => {
          await setCpuQuota(set, spec.vcpus);
          return set;
        }),
      writeFile(files.hosts, hostsFile({ hostname: spec.hostname, network: spec.network } as Parameters<typeof hostsFile>[0])),
      writeFile(files.meminfo, meminfo(spec.memoryMiB)),
      spec.network ? writeFile(files.resolv!, resolvConf(spec.network.gateway)) : undefined,
      spec.network && h.firewall ? writeFile(file('ingress.nft'), renderRuleset(spec.ingress, true, spec.metadataNat)) : undefined,
    ]);
    cg = set;
    if (net && spec.network) {
      const t = h.tools;
      const script = [
        `${t.ip} -batch - <<'NIMBUS_EOF' || exit 1`, hostBatch(net, h.bridge, spec.network) + 'NIMBUS_EOF',
        `${t.ip} -n ${net.ns} -batch - <<'NIMBUS_EOF' || exit 1`, nsBatch(spec.network) + 'NIMBUS_EOF',
        ...(h.firewall && t.nft ? [`${t.nsenter} --net=/run/netns/${net.ns} ${t.nft} -f ${sq(file('ingress.nft'))} || exit 1`] : []),
      ].join('\n');
      await runOk(t.sh, ['-c', script], { timeoutMs: 30_000 });
    }
    return {
      net, cg: set, netns: net ? `/run/netns/${net.ns}` : spec.joinNetns ?? '', files,
      ruleset: net && h.firewall ? renderRuleset(spec.ingress) : undefined,
    };
  } catch (err) {
    await Promise.all([cg ? destroyCgroup(cg) : undefined, net ? h.deleter.delete(net) : undefined]);
    throw err;
  }
}

/** The CPU quota as vCPUs × 100 ms per 100 ms period, rounded to whole microseconds (at least 1 ms). */
async function setCpuQuota(set: CgroupSet, vcpus: number): Promise<void> {
  const quota = Math.max(1000, Math.round(vcpus * 100_000));
  if (set.v === 1) await writeFile(join(set.dirs.cpu!, 'cpu.cfs_quota_us'), String(quota));
  else await writeFile(join(set.dirs.cpu!, 'cpu.max'), `${quota} 100000`);
}

/** Kills whatever is left in the sandbox's cgroup and removes the cgroup and the network namespace. */
export async function destroySandbox(h: SandboxHost, s: { net?: NetNames; cg?: CgroupSet }): Promise<void> {
  await Promise.all([s.cg ? destroyCgroup(s.cg) : undefined, s.net ? h.deleter.delete(s.net) : undefined]);
}

export async function setSandboxIngress(h: SandboxHost, s: SandboxState, rules: IngressRule[]): Promise<void> {
  if (!s.net || !h.firewall || !h.tools.nft) return;
  const ruleset = renderRuleset(rules);
  if (ruleset === s.ruleset) return;
  await applyRuleset(h.tools as Required<Tools>, s.net.ns, ruleset);
  s.ruleset = ruleset;
}

export const sandboxStats = (s: { cg: CgroupSet }) => cgroupStats(s.cg);
