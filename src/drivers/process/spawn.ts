import { spawn, type ChildProcess } from 'node:child_process';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

// Starts the boot script as a detached session leader (it survives Nimbus, and its process group
// is the instance) with stdout/stderr appended to the console log, and waits for "ready" on fd 3.

export interface Spawned {
  child: ChildProcess;
  pid: number;
}

export async function spawnBoot(opts: {
  sh: string;
  script: string;
  phase: 'host' | 'plain';
  stateDir: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /**
   * Runs once the process exists; the script waits for it (a line on stdin) before it enters the
   * instance. Used to move it into its cgroups while it builds the network in parallel: a cgroup v1
   * migration can wait for an RCU grace period (~10 ms), which then costs nothing on the start path.
   */
  beforeGo?: (pid: number) => Promise<void>;
}): Promise<Spawned> {
  const consoleFile = await open(join(opts.stateDir, 'console.log'), 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.sh, [opts.script, opts.phase], {
      detached: true, cwd: opts.cwd, env: opts.env, stdio: [opts.beforeGo ? 'pipe' : 'ignore', consoleFile.fd, consoleFile.fd, 'pipe'],
    });
  } finally {
    await consoleFile.close();
  }
  child.unref();
  const status = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void; unref?(): void };
  return new Promise<Spawned>((resolve, reject) => {
    let text = '';
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      status.removeAllListeners('data');
      status.destroy();
      if (err) {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        reject(err);
      } else resolve({ child, pid: child.pid! });
    };
    const timer = setTimeout(() => finish(new Error(`boot did not finish within ${opts.timeoutMs} ms: ${text.trim()}`)), opts.timeoutMs);
    status.on('data', (c: Buffer) => {
      text += c.toString();
      if (/^ready$/m.test(text)) finish();
    });
    status.on('error', () => undefined);
    if (opts.beforeGo) {
      child.stdin!.on('error', () => undefined);
      opts.beforeGo(child.pid!).then(() => child.stdin!.end('go\n'), (err: Error) => finish(err));
    }
    child.once('error', (e) => finish(e));
    child.once('exit', (code, signal) => finish(new Error(`boot failed (${signal ?? `exit ${code}`}): ${text.trim() || 'see the console log'}`)));
  });
}
