import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CgroupHost, destroyCgroup, pidsIn } from './cgroups.ts';
import { bridgePorts, deleteBridge, namespacesWithPrefix } from './netns.ts';
import { which } from './probe.ts';
import { run } from './run.ts';

// Finding and removing every host object under a name prefix. Used by tests (after hooks must
// leave nothing behind, even when a test failed half-way) and by `nimbus down --force`-style tools.

export interface Leftovers {
  netns: string[];
  veths: string[];
  cgroups: string[];
  bridge: boolean;
}

export async function findLeftovers(prefix: string, bridge: string): Promise<Leftovers> {
  const cg = CgroupHost.detect();
  const vethBase = prefix.slice(0, 9);
  const links: string[] = await readdir('/sys/class/net').catch(() => []);
  return {
    netns: await namespacesWithPrefix(prefix),
    veths: [...new Set([...(await bridgePorts(bridge)), ...links.filter((l) => l.startsWith(vethBase) && l !== bridge)])],
    cgroups: typeof cg === 'string' ? [] : await cg.list(prefix),
    bridge: links.includes(bridge),
  };
}

/** Kills every process in the prefix's cgroups and netns, then removes them, the veths and the bridge. */
export async function cleanupPrefix(prefix: string, bridge: string): Promise<void> {
  const ip = which('ip');
  const left = await findLeftovers(prefix, bridge);
  const cg = CgroupHost.detect();
  if (typeof cg !== 'string') {
    for (const pid of await pidsIn(left.cgroups)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await Promise.all(left.cgroups.map((d) => destroyCgroup({ v: cg.version, dirs: { memory: d } })));
    await cg.unprepare(prefix);
  }
  if (ip) {
    for (const ns of left.netns) {
      const pids = await run(ip, ['netns', 'pids', ns]);
      for (const p of pids.stdout.split('\n').filter(Boolean)) {
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    const lines = [...left.veths.map((v) => `link del ${v}`), ...left.netns.map((n) => `netns del ${n}`)];
    if (lines.length) await run(ip, ['-force', '-batch', '-'], { input: lines.join('\n') + '\n' });
    await deleteBridge(ip, bridge);
  }
  for (const d of ['data', 'state', '']) await rmdir(join('/run', prefix, d)).catch(() => undefined);
}
