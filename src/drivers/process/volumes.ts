import { mkdir, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { VolumeMount } from '../driver.ts';
import { run, runOk } from './run.ts';

// Volumes on a running workload. Namespaced: a bind mount made inside the instance's mount
// namespace. Sources are resolved through the "stash" – the host directories bound inside the
// instance at boot – because the instance's private /tmp (or a volume on /root) may hide the host
// path. Plain mode has no mount namespace: a volume shows up as a symlink
// `<stateDir>/volumes/<mountPath>` → host directory (also exported as NIMBUS_VOLUMES_DIR).

export type Stash = [hostDir: string, guestDir: string][];

/** Where a host path is reachable from inside the instance. */
export function inGuest(stash: Stash, p: string): string {
  for (const [src, dst] of stash) if (p === src || p.startsWith(`${src}/`)) return dst + p.slice(src.length);
  return p;
}

// -p as well: the instance's /proc only shows its own pid namespace, and libmount reads /proc/self.
// `cover`: a directory covered (by an empty tmpfs) inside the instance that holds the source (issue 8: the stash of
// all volumes). The cover is lifted for the bind mount and put back at once, in one shell inside the namespace.
export async function mountInto(tools: { nsenter: string; mount: string; umount?: string; sh?: string }, initPid: number, source: string, target: string, cover?: string): Promise<void> {
  if (!cover || !tools.umount || !tools.sh) {
    await runOk(tools.nsenter, ['-t', String(initPid), '-m', '-p', '--', tools.mount, '-o', 'bind,X-mount.mkdir', source, target]);
    return;
  }
  const script = [
    '"$UMOUNT" "$COVER" || exit 1',
    '"$MOUNT" -o bind,X-mount.mkdir "$SRC" "$DST"; rc=$?',
    '"$MOUNT" -t tmpfs -o ro,nosuid,nodev,noexec,size=4k,mode=000 nimbus-hide "$COVER" || exit 1',
    'exit $rc',
  ].join('\n');
  await runOk(tools.nsenter, ['-t', String(initPid), '-m', '-p', '--', 'env', `UMOUNT=${tools.umount}`, `MOUNT=${tools.mount}`, `COVER=${cover}`, `SRC=${source}`, `DST=${target}`, tools.sh, '-c', script]);
}

export async function unmountFrom(tools: { nsenter: string; umount: string }, initPid: number, target: string): Promise<void> {
  const r = await run(tools.nsenter, ['-t', String(initPid), '-m', '-p', '--', tools.umount, '-l', target]);
  if (r.code !== 0 && !/not mounted|no mount point/i.test(r.stderr)) throw new Error(`umount ${target} failed: ${r.stderr.trim()}`);
}

export function plainVolumesDir(stateDir: string): string {
  return join(stateDir, 'volumes');
}

export async function linkPlain(stateDir: string, v: VolumeMount): Promise<void> {
  const link = join(plainVolumesDir(stateDir), v.mountPath);
  await mkdir(dirname(link), { recursive: true });
  await rm(link, { force: true });
  await symlink(v.hostPath, link);
}

export async function unlinkPlain(stateDir: string, v: VolumeMount): Promise<void> {
  await rm(join(plainVolumesDir(stateDir), v.mountPath), { force: true });
}
