// A writer for the "newc" cpio format the kernel unpacks as an initramfs (and busybox `cpio -i`
// reads for the per-boot seed). Entries are written in the order given; parents first.

export type CpioEntry =
  | { name: string; type: 'dir'; mode?: number }
  | { name: string; type: 'file'; data: Buffer | string; mode?: number }
  | { name: string; type: 'symlink'; target: string };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(n: number): Buffer {
  return Buffer.alloc((4 - (n % 4)) % 4);
}

function record(ino: number, name: string, mode: number, data: Buffer): Buffer[] {
  const nameBuf = Buffer.from(`${name}\0`);
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
  const header = `070701${[ino, mode, 0, 0, mode & S_IFDIR ? 2 : 1, 0, data.length, 0, 0, 0, 0, nameBuf.length, 0].map(hex8).join('')}`;
  const head = Buffer.concat([Buffer.from(header), nameBuf]);
  return [head, pad4(head.length), data, pad4(data.length)];
}

/** The archive, terminated by the TRAILER!!! record. mtime 0 so identical inputs give identical bytes. */
export function cpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const name = e.name.replace(/^\/+/, '');
    if (e.type === 'dir') parts.push(...record(ino++, name, S_IFDIR | (e.mode ?? 0o755), Buffer.alloc(0)));
    else if (e.type === 'file') parts.push(...record(ino++, name, S_IFREG | (e.mode ?? 0o644), Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data)));
    else parts.push(...record(ino++, name, S_IFLNK | 0o777, Buffer.from(e.target)));
  }
  parts.push(...record(0, 'TRAILER!!!', 0, Buffer.alloc(0)));
  return Buffer.concat(parts);
}
