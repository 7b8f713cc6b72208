import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { Driver, ExitInfo, WorkloadHandle, WorkloadSpec } from '../../drivers/driver.ts';

export interface ComputeEvents {
  /** The workload ended by itself (shutdown from inside, crash, OOM of its init). */
  exited(info: ExitInfo): void;
  /** A process inside the workload was killed by the OOM killer (the workload lives on). */
  oom(id: string, kills: number): void;
}

/**
 * Runs workloads on a driver. Serialises operations per workload (a stop never races its own start)
 * and watches memory: the kernel's OOM kills inside a workload are written to its console like a
 * real kernel would and reported to the owner.
 */
export class ComputeEngine {
  private queues = new Map<string, Promise<unknown>>();
  private specs = new Map<string, WorkloadSpec>();
  private oomSeen = new Map<string, number>();
  private monitor?: NodeJS.Timeout;
  private listeners: Partial<ComputeEvents>[] = [];

  constructor(readonly driver: Driver, private clock: Clock, private log: Logger, private monitorMs = 1000) {
    driver.onExit((info) => {
      if (!this.specs.has(info.id)) return;
      this.specs.delete(info.id);
      if (info.oomKilled) this.console(info.id, 'Out of memory: the instance init process was killed by the OOM killer');
      for (const l of this.listeners) l.exited?.(info);
    });
  }

  on(listener: Partial<ComputeEvents>): void {
    this.listeners.push(listener);
  }

  startMonitor(): void {
    if (this.monitor) return;
    this.monitor = setInterval(() => void this.checkMemory(), this.monitorMs);
    this.monitor.unref();
  }

  stopMonitor(): void {
    if (this.monitor) clearInterval(this.monitor);
    this.monitor = undefined;
  }

  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.queues.set(id, tail);
    void tail.then(() => {
      if (this.queues.get(id) === tail) this.queues.delete(id);
    });
    return next;
  }

  start(spec: WorkloadSpec): Promise<WorkloadHandle> {
    return this.serial(spec.id, async () => {
      const handle = await this.driver.start(spec);
      this.specs.set(spec.id, spec);
      this.oomSeen.set(spec.id, 0);
      return handle;
    });
  }

  stop(id: string, graceMs?: number): Promise<void> {
    return this.serial(id, async () => {
      this.specs.delete(id);
      this.oomSeen.delete(id);
      await this.driver.stop(id, { graceMs });
    });
  }

  /** After a Nimbus restart: true when the workload was still running and is watched again. */
  adopt(handle: WorkloadHandle, spec: WorkloadSpec): Promise<boolean> {
    return this.serial(spec.id, async () => {
      const ok = await this.driver.adopt(handle, spec);
      if (ok) {
        this.specs.set(spec.id, spec);
        const stats = await this.driver.stats(spec.id).catch(() => undefined);
        this.oomSeen.set(spec.id, stats?.oomKills ?? 0);
      }
      return ok;
    });
  }

  isRunning(id: string): boolean {
    return this.specs.has(id) && this.driver.isRunning(id);
  }

  spec(id: string): WorkloadSpec | undefined {
    return this.specs.get(id);
  }

  /** Appends a line to the workload's console the way the kernel would print it. */
  console(id: string, line: string): void {
    const spec = this.specs.get(id);
    if (!spec) return;
    const uptime = (this.clock.now() / 1000).toFixed(6).slice(-13).padStart(12, ' ');
    try {
      appendFileSync(join(spec.stateDir, 'console.log'), `[${uptime}] ${line}\n`);
    } catch (err) {
      this.log.warn({ err, id }, 'could not write console line');
    }
  }

  async checkMemory(): Promise<void> {
    for (const [id] of this.specs) {
      const stats = await this.driver.stats(id).catch(() => undefined);
      if (!stats) continue;
      const seen = this.oomSeen.get(id) ?? 0;
      if (stats.oomKills > seen) {
        this.oomSeen.set(id, stats.oomKills);
        this.console(id, `Memory cgroup out of memory: Killed process (limit ${Math.round(stats.memoryLimitBytes / 1048576)} MiB, ${stats.oomKills - seen} kill(s))`);
        for (const l of this.listeners) l.oom?.(id, stats.oomKills);
      }
    }
  }

  async shutdown(stopWorkloads: boolean): Promise<void> {
    this.stopMonitor();
    await Promise.allSettled([...this.queues.values()]);
    await this.driver.shutdown({ stopWorkloads });
  }
}
