import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { delay, sq } from '../process/run.ts';

// Starting one container: a shell in a private mount namespace (unshare -m) that joins the sandbox's cgroup, mounts
// the container's root filesystem — an overlay whose lower layer is the image, so containers never change the image
// and their writes vanish with them — and runs `crun run` in the foreground. The mount exists only in that namespace,
// so nothing is left mounted on the host whatever happens to the container or to Nimbus. crun's exit status is the
// container's; the shell records it in <dir>/exit so a Nimbus that restarted can still read it.
//
// The container's stdout and stderr go to <dir>/output.log (one stream, like awslogs); crun's own errors to
// <dir>/crun.log. crun writes <dir>/pid once the container exists: that is "started".

export interface LaunchPlan {
  /** The container's bundle directory (config.json, rootfs/, upper/, work/). */
  dir: string;
  crun: string;
  unshare: string;
  sh: string;
  /** crun --root: its state directory for this Nimbus. */
  crunRoot: string;
  crunId: string;
  /** cgroup.procs files of the sandbox: the launcher joins them first, so everything after is limited and counted. */
  procsFiles: string[];
  /** Image root filesystem (overlay lower layer), or 'host' to bind the host's / (read-only in config.json). */
  lower: string | 'host';
  /** Hybrid cgroup hosts: crun refuses to start while /sys/fs/cgroup/unified is mounted, so the launcher unmounts it in its namespace. */
  unmountUnified: boolean;
  env?: NodeJS.ProcessEnv;
  /** stdout+stderr of the container (default <dir>/output.log). */
  output?: string;
}

export interface Launched {
  child: ChildProcess;
  /** The launcher shell (its process group is the container's lifetime). */
  launcherPid: number;
  /** The container's init as the host sees it. */
  pid: number;
}

export class ContainerStartError extends Error {}

export function launchScript(p: LaunchPlan): string {
  const d = (n: string) => sq(join(p.dir, n));
  const mount = p.lower === 'host'
    ? `mount --rbind / ${d('rootfs')} || { echo "cannot bind the host filesystem" >> ${d('crun.log')}; exit 125; }`
    : `mount -t overlay overlay -o ${sq(`lowerdir=${p.lower},upperdir=${join(p.dir, 'upper')},workdir=${join(p.dir, 'work')}`)} ${d('rootfs')} || { echo "cannot mount the image's root filesystem (overlay)" >> ${d('crun.log')}; exit 125; }`;
  return [
    ...p.procsFiles.map((f) => `echo $$ > ${sq(f)} || exit 125`),
    ...(p.unmountUnified ? ['umount /sys/fs/cgroup/unified 2>/dev/null'] : []),
    mount,
    `${sq(p.crun)} --root ${sq(p.crunRoot)} --cgroup-manager=disabled --log=${d('crun.log')} run --bundle ${sq(p.dir)} --pid-file ${d('pid')} --no-new-keyring ${sq(p.crunId)}`,
    'rc=$?',
    `echo $rc > ${d('exit')}`,
    'exit $rc',
  ].join('\n');
}

export async function launch(p: LaunchPlan, timeoutMs = 30_000): Promise<Launched> {
  const out = await open(p.output ?? join(p.dir, 'output.log'), 'a');
  let child: ChildProcess;
  try {
    child = spawn(p.unshare, ['-m', '--propagation', 'private', p.sh, '-c', launchScript(p)], {
      detached: true, cwd: '/', env: p.env ?? { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' }, stdio: ['ignore', out.fd, out.fd],
    });
  } finally {
    await out.close();
  }
  child.unref();
  let exited: { code: number | null } | undefined;
  child.once('exit', (code) => (exited = { code }));
  const spawnError = new Promise<Error>((r) => child.once('error', r));
  let failed: Error | undefined;
  void spawnError.then((e) => (failed = e));
  const pidFile = join(p.dir, 'pid');
  const deadline = Date.now() + timeoutMs;
  // crun writes the pid file within ~15 ms; poll fast, then slower.
  for (let i = 0; ; i++) {
    if (failed) throw new ContainerStartError(`cannot start the OCI runtime: ${failed.message}`);
    if (existsSync(pidFile)) {
      const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
      if (pid > 0) return { child, launcherPid: child.pid!, pid };
    }
    if (exited) {
      const why = readFileSync(join(p.dir, 'crun.log'), { encoding: 'utf8', flag: 'a+' }).trim().split('\n').filter(Boolean).pop();
      throw new ContainerStartError(why ? cleanCrunMessage(why) : `the OCI runtime exited with status ${exited.code} before the container started`);
    }
    if (Date.now() > deadline) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
      throw new ContainerStartError(`the container did not start within ${timeoutMs} ms`);
    }
    await delay(i < 100 ? 2 : 20);
  }
}

/** crun's log lines are JSON with --log-format=json, plain text otherwise; keep the message only. */
function cleanCrunMessage(line: string): string {
  try {
    const j = JSON.parse(line) as { msg?: string };
    if (j.msg) return j.msg;
  } catch {
    /* plain text */
  }
  return line.replace(/^\d{4}-\d\d-\d\dT[^ ]+ ?/, '').trim();
}
