import { spawn, type ChildProcess } from 'node:child_process';

export { freePort } from '../test/support/server-process.ts';

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

export const ms = (n: number) => `${n.toFixed(1)} ms`;

/** Starts `nimbus up` as its own process, the way a user runs it. */
export async function startNimbusProcess(port: number, dataDir: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'up', '--port', String(port), '--data-dir', dataDir], {
    env: { ...process.env, NIMBUS_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      if (out.includes('Nimbus is running')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`nimbus exited with ${code}: ${out}`)));
  });
  return child;
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

/** Polls a URL until it answers 200 (bounded). Returns the time it first answered. */
export async function firstAnswer(url: string, deadlineMs = 10_000): Promise<number> {
  const end = performance.now() + deadlineMs;
  while (performance.now() < end) {
    try {
      // Short attempts: a SYN sent before the instance's address exists is lost and TCP would only
      // retry it after 1 s, which would measure TCP's back-off instead of the launch.
      const res = await fetch(url, { signal: AbortSignal.timeout(25) });
      await res.arrayBuffer();
      if (res.ok) return performance.now();
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`${url} did not answer within ${deadlineMs} ms`);
}

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r, j) => r.map((c, i) => c.padEnd(widths[i])).join('  ') + (j === 0 ? `\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : '')).join('\n');
}
