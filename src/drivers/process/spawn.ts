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
}): Promise<Spawned> {
  const console = await open(join(opts.stateDir, 'console.log'), 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.sh, [opts.script, opts.phase], {
      detached: true, cwd: opts.cwd, env: opts.env, stdio: ['ignore', console.fd, console.fd, 'pipe'],
    });
  } finally {
    await console.close();
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
    child.once('error', (e) => finish(e));
    child.once('exit', (code, signal) => finish(new Error(`boot failed (${signal ?? `exit ${code}`}): ${text.trim() || 'see the console log'}`)));
  });
}
