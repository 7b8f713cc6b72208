import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import { cpus as osCpus } from 'node:os';
import { join } from 'node:path';
import { delay } from './run.ts';

// cgroups v1 (one hierarchy per controller, possibly co-mounted) and v2 (one unified tree) behind
// one small interface. A workload's cgroup is `<prefix>/<id>` in every hierarchy used, so a
// crash leaves groups that are easy to find and remove by prefix.

/** The directories of one workload's cgroup, per controller (v2: the same directory for all). */
export interface CgroupSet {
  v: 1 | 2;
  dirs: Partial<Record<Controller, string>>;
}

type Controller = 'memory' | 'cpu' | 'cpuacct' | 'pids' | 'cpuset';
const V1_CONTROLLERS: Controller[] = ['memory', 'cpu', 'cpuacct', 'pids', 'cpuset'];

export interface CgroupLimits {
  memoryMiB: number;
  vcpus: number;
  pidsMax: number;
}

export class CgroupHost {
  private nextCpu = 0;

  private constructor(
    readonly version: 1 | 2,
    /** v1: controller → mount point; v2: every available controller → the unified root. */
    private mounts: Partial<Record<Controller, string>>,
    readonly hostCpus: number[],
  ) {}

  /** Finds usable cgroup hierarchies; returns a reason string when there are none. */
  static detect(): CgroupHost | string {
    const v2Root = '/sys/fs/cgroup';
    if (existsSync(join(v2Root, 'cgroup.controllers'))) {
      const ctl = readFileSync(join(v2Root, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
      if (ctl.includes('memory') && ctl.includes('cpu')) {
        const mounts: Partial<Record<Controller, string>> = { memory: v2Root, cpu: v2Root, cpuacct: v2Root };
        if (ctl.includes('pids')) mounts.pids = v2Root;
        if (ctl.includes('cpuset')) mounts.cpuset = v2Root;
        return new CgroupHost(2, mounts, cpuList(read(join(v2Root, 'cpuset.cpus.effective'))));
      }
    }
    const mounts: Partial<Record<Controller, string>> = {};
    for (const line of read('/proc/self/mounts').split('\n')) {
      const [, dir, type, opts] = line.split(' ');
      if (type !== 'cgroup') continue;
      for (const o of opts.split(',')) if ((V1_CONTROLLERS as string[]).includes(o)) mounts[o as Controller] ??= dir;
    }
    const missing = (['memory', 'cpu', 'cpuacct'] as Controller[]).filter((c) => !mounts[c]);
    if (missing.length) return `no usable cgroups (v2 without memory+cpu controllers, v1 missing ${missing.join(', ')})`;
    return new CgroupHost(1, mounts, cpuList(mounts.cpuset ? read(join(mounts.cpuset, 'cpuset.effective_cpus')) : ''));
  }

  /** Creates `<prefix>` in every hierarchy (v1 cpuset needs its parent's cpus/mems filled in). */
  async prepare(prefix: string): Promise<void> {
    for (const mnt of this.roots()) await mkdir(join(mnt, prefix), { recursive: true });
    if (this.version === 1 && this.mounts.cpuset) {
      const root = this.mounts.cpuset;
      const dir = join(root, prefix);
      if (!read(join(dir, 'cpuset.cpus')).trim()) await writeFile(join(dir, 'cpuset.cpus'), read(join(root, 'cpuset.effective_cpus')).trim());
      if (!read(join(dir, 'cpuset.mems')).trim()) await writeFile(join(dir, 'cpuset.mems'), read(join(root, 'cpuset.effective_mems')).trim());
    }
    if (this.version === 2) {
      const root = this.mounts.memory!;
      const want = ['memory', 'cpu', 'pids', 'cpuset'].filter((c) => this.mounts[c as Controller]).map((c) => `+${c}`).join(' ');
      // The root usually delegates already (systemd); writing again is harmless.
      await writeFile(join(root, 'cgroup.subtree_control'), want).catch(() => undefined);
      await writeFile(join(root, prefix, 'cgroup.subtree_control'), want);
    }
  }

  /** Picks which host CPUs a workload may use: vcpus of them, rotating so small workloads spread out. */
  pickCpus(vcpus: number): string {
    const all = this.hostCpus;
    if (vcpus >= all.length) return all.join(',');
    const start = this.nextCpu++ % all.length;
    return Array.from({ length: vcpus }, (_, i) => all[(start + i) % all.length]).join(',');
  }

  get hasCpuset(): boolean {
    return !!this.mounts.cpuset;
  }

  /** Creates the workload's groups and writes its limits; nothing is in them yet. */
  async create(prefix: string, id: string, lim: CgroupLimits, cpus: string): Promise<CgroupSet> {
    const dirs: Partial<Record<Controller, string>> = {};
    for (const [c, mnt] of Object.entries(this.mounts)) dirs[c as Controller] = join(mnt, prefix, id);
    const set: CgroupSet = { v: this.version, dirs };
    await Promise.all(unique(set).map((d) => mkdir(d, { recursive: true })));
    const bytes = lim.memoryMiB * 1024 * 1024;
    const period = 100_000;
    const w = (c: Controller, file: string, value: string | number) => writeFile(join(dirs[c]!, file), String(value));
    if (this.version === 1) {
      await Promise.all([
        // memsw (memory+swap) must be set after memory and is absent when swap accounting is off.
        w('memory', 'memory.limit_in_bytes', bytes).then(() => w('memory', 'memory.memsw.limit_in_bytes', bytes).catch(() => undefined)),
        w('cpu', 'cpu.cfs_period_us', period).then(() => w('cpu', 'cpu.cfs_quota_us', lim.vcpus * period)),
        dirs.pids ? w('pids', 'pids.max', lim.pidsMax) : undefined,
        dirs.cpuset ? w('cpuset', 'cpuset.mems', read(join(this.mounts.cpuset!, prefix, 'cpuset.mems')).trim()).then(() => w('cpuset', 'cpuset.cpus', cpus)) : undefined,
      ]);
    } else {
      await Promise.all([
        w('memory', 'memory.max', bytes),
        w('memory', 'memory.swap.max', 0).catch(() => undefined),
        w('cpu', 'cpu.max', `${lim.vcpus * period} ${period}`),
        dirs.pids ? w('pids', 'pids.max', lim.pidsMax) : undefined,
        dirs.cpuset ? w('cpuset', 'cpuset.cpus', cpus).catch(() => undefined) : undefined,
      ]);
    }
    return set;
  }

  private roots(): string[] {
    return [...new Set(Object.values(this.mounts))];
  }

  /** Every workload group left under `<prefix>` (for leftover cleanup and tests). */
  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    for (const mnt of this.roots()) {
      const entries = await readdir(join(mnt, prefix), { withFileTypes: true }).catch(() => []);
      for (const e of entries) if (e.isDirectory()) out.push(join(mnt, prefix, e.name));
    }
    return out;
  }

  /** Removes `<prefix>` itself when it is empty. */
  async unprepare(prefix: string): Promise<void> {
    await Promise.all(this.roots().map((mnt) => rmdir(join(mnt, prefix)).catch(() => undefined)));
  }
}

export function unique(set: CgroupSet): string[] {
  return [...new Set(Object.values(set.dirs))];
}

export function procsFiles(set: CgroupSet): string[] {
  return unique(set).map((d) => join(d, 'cgroup.procs'));
}

export async function pidsIn(dirs: string[]): Promise<number[]> {
  const all = await Promise.all(dirs.map((d) => readFile(join(d, 'cgroup.procs'), 'utf8').catch(() => '')));
  return [...new Set(all.join('\n').split('\n').filter(Boolean).map(Number))];
}

export interface CgroupStats {
  cpuUsageMicros: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  oomKills: number;
}

export async function cgroupStats(set: CgroupSet): Promise<CgroupStats | undefined> {
  const f = (c: Controller, file: string) => readFile(join(set.dirs[c]!, file), 'utf8');
  try {
    if (set.v === 1) {
      const [usage, mem, limit, oom] = await Promise.all([
        f('cpuacct', 'cpuacct.usage'), f('memory', 'memory.usage_in_bytes'), f('memory', 'memory.limit_in_bytes'), f('memory', 'memory.oom_control'),
      ]);
      return { cpuUsageMicros: Math.round(Number(usage) / 1000), memoryBytes: Number(mem), memoryLimitBytes: Number(limit), oomKills: keyed(oom, 'oom_kill') };
    }
    const [cpu, mem, limit, events] = await Promise.all([f('cpu', 'cpu.stat'), f('memory', 'memory.current'), f('memory', 'memory.max'), f('memory', 'memory.events')]);
    return {
      cpuUsageMicros: keyed(cpu, 'usage_usec'), memoryBytes: Number(mem),
      memoryLimitBytes: limit.trim() === 'max' ? Number.MAX_SAFE_INTEGER : Number(limit), oomKills: keyed(events, 'oom_kill'),
    };
  } catch {
    return undefined;
  }
}

/**
 * Kills whatever is still in the groups and removes them. rmdir fails with EBUSY while a killed
 * task is still exiting, so this retries for a short while.
 */
export async function destroyCgroup(set: CgroupSet, timeoutMs = 5000): Promise<boolean> {
  const dirs = unique(set);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const pid of await pidsIn(dirs)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    const results = await Promise.all(dirs.map((d) => rmdir(d).then(() => true, (e: NodeJS.ErrnoException) => e.code === 'ENOENT')));
    if (results.every(Boolean)) return true;
    if (Date.now() > deadline) return false;
    await delay(10);
  }
}

function keyed(text: string, key: string): number {
  const m = new RegExp(`^${key} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Parses a cpu list such as "0-3,6" (falls back to every CPU the OS reports). */
export function cpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out.length ? out : osCpus().map((_, i) => i);
}
