import type { ExecResult } from '../../drivers/driver.ts';
import type { HealthStatus } from './types.ts';

// Container health checks (a container definition's healthCheck), as Docker runs them for ECS: the command runs
// inside the container every `interval` seconds (first run one interval after start) with a `timeout`; `retries`
// consecutive failures make the container UNHEALTHY, one success HEALTHY; failures during `startPeriod` do not count
// until the first success. CMD-SHELL runs through /bin/sh -c, CMD directly, NONE disables the check.
// AWS: intervals of 5–300 s. Here: the same, × `scale` (NIMBUS_ECS_HEALTH_SCALE, default 1), because demos and tests
// should not wait half a minute per check.

export interface HealthCheckDef { command: string[]; interval: number; timeout: number; retries: number; startPeriod: number }

type Exec = (argv: string[], timeoutMs: number) => Promise<ExecResult>;

interface Probe {
  timer?: NodeJS.Timeout;
  failures: number;
  succeededOnce: boolean;
  status: HealthStatus;
  startedAt: number;
  stopped: boolean;
}

export function healthArgv(command: string[]): string[] | undefined {
  const [kind, ...rest] = command;
  if (kind === 'NONE' || !rest.length) return undefined;
  if (kind === 'CMD-SHELL') return ['/bin/sh', '-c', rest.join(' ')];
  if (kind === 'CMD') return rest;
  return command; // ECS passes a bare command list through as CMD
}

export class HealthMonitor {
  private probes = new Map<string, Probe>();

  constructor(private scale: number, private onChange: (key: string, status: HealthStatus, output: string) => void) {}

  start(key: string, def: HealthCheckDef, exec: Exec): void {
    const argv = healthArgv(def.command);
    if (!argv) return;
    this.stop(key);
    const p: Probe = { failures: 0, succeededOnce: false, status: 'UNKNOWN', startedAt: Date.now(), stopped: false };
    this.probes.set(key, p);
    const every = Math.max(50, def.interval * 1000 * this.scale);
    const run = async () => {
      if (p.stopped) return;
      let r: ExecResult;
      try {
        r = await exec(argv, Math.max(100, def.timeout * 1000 * this.scale));
      } catch (err) {
        r = { code: null, stdout: '', stderr: (err as Error).message };
      }
      if (p.stopped) return;
      const ok = r.code === 0;
      let next = p.status;
      if (ok) {
        p.failures = 0;
        p.succeededOnce = true;
        next = 'HEALTHY';
      } else {
        const inStartPeriod = !p.succeededOnce && Date.now() - p.startedAt < def.startPeriod * 1000 * this.scale;
        if (!inStartPeriod) p.failures++;
        if (p.failures >= def.retries) next = 'UNHEALTHY';
      }
      if (next !== p.status) {
        p.status = next;
        this.onChange(key, next, (r.stdout + r.stderr).trim().slice(0, 255));
      }
      p.timer = setTimeout(() => void run(), every);
      p.timer.unref();
    };
    p.timer = setTimeout(() => void run(), every);
    p.timer.unref();
  }

  stop(key: string): void {
    const p = this.probes.get(key);
    if (!p) return;
    p.stopped = true;
    if (p.timer) clearTimeout(p.timer);
    this.probes.delete(key);
  }

  close(): void {
    for (const k of [...this.probes.keys()]) this.stop(k);
  }
}
