import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { cleanupHostObjects, eventually } from './nimbus.ts';

// `nimbus up` as a separate process, for tests that kill it with SIGKILL (durability) — the in-process
// startTestNimbus cannot be killed like that.

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export interface ServerProcessOptions {
  dataDir: string;
  port: number;
  /** Host-object prefix (bridge, netns, cgroups) so the test can clean up after itself. */
  prefix: string;
  vpcCidr: string;
}

export async function startServerProcess(o: ServerProcessOptions): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'up', '--port', String(o.port), '--data-dir', o.dataDir], {
    env: { ...process.env, NIMBUS_VPC_CIDR: o.vpcCidr, NIMBUS_NAME_PREFIX: o.prefix, NIMBUS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  await eventually(() => out.includes('Nimbus is running'), `nimbus to start (output: ${out})`, 30_000, 100);
  return child;
}

/** Stops the server if it still runs (SIGTERM: instances are stopped) and removes its host objects. */
export async function stopServerProcess(child: ChildProcess | undefined, prefix: string): Promise<void> {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await cleanupHostObjects(prefix);
}
