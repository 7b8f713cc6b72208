import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { deleteBridge } from '../process/netns.ts';
import { which } from '../process/probe.ts';
import { run } from '../process/run.ts';
import { processStart } from '../process/token.ts';
import { tableName, tapBase } from './net.ts';
import { readState } from './state.ts';

// Finding and removing every host object of a VM driver prefix: QEMU and virtiofsd processes (from
// the run dirs' state files), taps, the nftables table, /run/<prefix>-vm and the bridge. Tests call
// cleanupVmPrefix in after() whatever happened; findVmLeftovers is the conformance suite's check.

export interface VmLeftovers {
  processes: number[];
  taps: string[];
  runDirs: string[];
  chains: string[];
}

/**
 * Processes whose command line names a path under dir: QEMU (-pidfile, -fw_cfg) and virtiofsd
 * (--socket-path) of VMs in that run dir, also those a crash left before state.json was written.
 */
export async function processesUnder(dir: string): Promise<number[]> {
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  const found: number[] = [];
  await Promise.all(pids.map(async (p) => {
    const cmd = await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '');
    if (cmd.split('\0').some((a) => a.includes(`${dir}/`))) found.push(Number(p));
  }));
  return found;
}

export async function findVmLeftovers(prefix: string): Promise<VmLeftovers> {
  const runRoot = `/run/${prefix}-vm`;
  const runDirs = await readdir(runRoot).catch(() => [] as string[]);
  const processes = new Set(await processesUnder(runRoot));
  for (const d of runDirs) {
    const s = await readState(join(runRoot, d));
    for (const p of [s?.qemu, s?.virtiofsd]) if (p && (await processStart(p.pid)) === p.start) processes.add(p.pid);
  }
  const base = tapBase(prefix);
  const taps = (await readdir('/sys/class/net').catch(() => [] as string[])).filter((l) => l.startsWith(base));
  const nft = which('nft');
  const chains = nft
    ? [...(await run(nft, ['list', 'table', 'inet', tableName(prefix)])).stdout.matchAll(/^\s*chain (vm_\S+)/gm)].map((m) => m[1])
    : [];
  return { processes: [...processes], taps, runDirs, chains };
}

export async function cleanupVmPrefix(prefix: string, bridge: string): Promise<void> {
  const left = await findVmLeftovers(prefix);
  for (const pid of left.processes) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  if (left.processes.length) await new Promise((r) => setTimeout(r, 200));
  const ip = which('ip');
  const nft = which('nft');
  if (ip && left.taps.length) await run(ip, ['-force', '-batch', '-'], { input: left.taps.map((t) => `link del ${t}`).join('\n') + '\n' });
  if (nft) await run(nft, ['delete', 'table', 'inet', tableName(prefix)]);
  await rm(`/run/${prefix}-vm`, { recursive: true, force: true });
  if (ip) await deleteBridge(ip, bridge);
}
