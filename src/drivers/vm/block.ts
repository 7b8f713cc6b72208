import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run, runOk } from '../process/run.ts';

// EBS volumes as block devices. Everywhere else in Nimbus a volume is a host directory (the process
// driver binds it, CreateImage copies it). A VM gets a disk instead: while the volume is attached to
// a running VM its data lives in an ext4 image (<data dir>/vm-disks/<volume id>.img, sparse, the
// volume's size) made from the directory at attach, and it goes back into the directory at detach,
// at stop and when a snapshot is taken. So a volume moves between drivers and instances with its
// files, and the guest sees a real disk it can fsck, resize or reformat.
//
// AWS: an EBS volume is a raw block device; a new one is unformatted. Here: a new volume arrives
// formatted (ext4, mounted at its mount path) because its source is a directory. A guest that
// reformats it with another filesystem keeps that disk (the image stays, the next VM attach uses it)
// but its files cannot go back into the directory: the process driver then sees the last ext4 state.

export interface E2fsTools {
  mkfs: string;
  fsck: string;
  debugfs: string;
}

export interface Disk {
  volumeId: string;
  /** The volume's host directory (the copy every other part of Nimbus reads). */
  hostPath: string;
  /** The disk image while attached. */
  image: string;
}

/** Where the image of a volume lives while it is attached to a VM. */
export function diskImagePath(dataDir: string, volumeId: string): string {
  return join(dataDir, 'vm-disks', `${volumeId.replace(/[^A-Za-z0-9_.-]/g, '_')}.img`);
}

const sidecar = (image: string) => image.replace(/\.img$/, '.json');

/**
 * Makes the image for an attach: from the directory (mkfs.ext4 -d, sparse, lazily initialised, so a
 * 100 GiB volume costs what its files cost), or the existing image when one is left over (a disk
 * whose files could not go back into the directory: it is newer than the directory).
 */
export async function prepareDisk(t: E2fsTools, disk: Disk, sizeGiB = 8): Promise<'built' | 'reused'> {
  await mkdir(dirname(disk.image), { recursive: true, mode: 0o700 });
  await writeFile(sidecar(disk.image), JSON.stringify({ volumeId: disk.volumeId, hostPath: disk.hostPath }), { mode: 0o600 });
  if (existsSync(disk.image)) return 'reused';
  await mkdir(disk.hostPath, { recursive: true });
  const tmp = `${disk.image}.tmp`;
  await rm(tmp, { force: true });
  await writeFile(tmp, '');
  await runOk('truncate', ['-s', `${Math.max(8, Math.round(sizeGiB * 1024))}M`, tmp]);
  const r = await run(t.mkfs, ['-q', '-F', '-t', 'ext4', '-L', disk.volumeId.slice(0, 16),
    '-E', 'root_owner=0:0,lazy_itable_init=1,lazy_journal_init=1', '-d', disk.hostPath, tmp]);
  if (r.code !== 0) {
    await rm(tmp, { force: true });
    throw new Error(`cannot make a disk of ${disk.volumeId} (${sizeGiB} GiB) from its files: ${r.stderr.trim().split('\n').pop()}`);
  }
  await rename(tmp, disk.image);
  return 'built';
}

/**
 * Copies the files on the disk image back into the volume's directory (replayed journal first, as a
 * mount would) and removes the image. Returns false — and keeps the image — when the disk does not
 * hold an ext2/3/4 filesystem any more (reformatted inside the guest) or cannot be read.
 */
export async function returnDisk(t: E2fsTools, disk: Disk, opts: { keepImage?: boolean; log?: (msg: string) => void } = {}): Promise<boolean> {
  if (!existsSync(disk.image)) return true;
  const ok = await imageToDir(t, disk.image, disk.hostPath);
  if (!ok) {
    opts.log?.(`volume ${disk.volumeId}: its disk holds no ext4 filesystem Nimbus can read; the disk image stays at ${disk.image} and the directory keeps the previous files`);
    return false;
  }
  if (!opts.keepImage) await Promise.all([rm(disk.image, { force: true }), rm(sidecar(disk.image), { force: true })]);
  return true;
}

/** The files of an ext4 image into dir, replacing what dir held (in one rename, so a crash leaves either). */
export async function imageToDir(t: E2fsTools, image: string, dir: string): Promise<boolean> {
  // e2fsck -p replays the journal and mends what a power cut leaves; exit 0/1 = clean/corrected.
  const fsck = await run(t.fsck, ['-p', image]);
  if (fsck.code !== 0 && fsck.code !== 1) return false;
  const tmp = `${dir}.nimbus-sync`;
  const old = `${dir}.nimbus-old`;
  await Promise.all([rm(tmp, { recursive: true, force: true }), rm(old, { recursive: true, force: true })]);
  await mkdir(tmp, { recursive: true });
  // rdump of / copies the filesystem's root's contents into tmp, owners and modes kept (we are root).
  const dump = await run(t.debugfs, ['-R', `rdump / ${tmp}`, image]);
  if (dump.code !== 0 || /rdump: .*(No such|Bad magic|not an ext|Attempt to read)/i.test(dump.stderr)) {
    await rm(tmp, { recursive: true, force: true });
    return false;
  }
  // mkfs's lost+found is the disk's business, not the volume's files (it comes back at the next mkfs).
  await rmdir(join(tmp, 'lost+found')).catch(() => undefined);
  if (existsSync(dir)) await rename(dir, old);
  await rename(tmp, dir);
  await rm(old, { recursive: true, force: true });
  return true;
}

/** Disk images whose VM is gone (a host reboot emptied /run): their files go back into their directories. */
export async function orphanDisks(dataDir: string, inUse: Set<string>): Promise<Disk[]> {
  const dir = join(dataDir, 'vm-disks');
  const out: Disk[] = [];
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    if (!f.endsWith('.img')) continue;
    const image = join(dir, f);
    if (inUse.has(image)) continue;
    const meta = await readFile(sidecar(image), 'utf8').then((s) => JSON.parse(s) as { volumeId: string; hostPath: string }, () => undefined);
    if (meta?.hostPath) out.push({ volumeId: meta.volumeId, hostPath: meta.hostPath, image });
  }
  return out;
}
