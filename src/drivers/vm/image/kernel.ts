import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { lz4Legacy } from './lz4.ts';

// The guest kernel: Debian's cloud kernel (`apt-get install linux-image-cloud-amd64`) from /boot, or
// NIMBUS_VM_KERNEL. QEMU can boot the bzImage as it is, but microvm boots an uncompressed vmlinux
// through its PVH entry point faster (no real-mode setup, no decompression under emulation: ~0.3 s
// less with TCG), so the builder unpacks the payload once and keeps the ELF in the image cache.

export interface KernelInfo {
  /** The bzImage (vmlinuz) file. */
  path: string;
  /** Kernel release, e.g. 6.1.0-56-cloud-amd64 (names /lib/modules/<release>). */
  release: string;
  modulesDir: string;
}

/** The kernel to boot: NIMBUS_VM_KERNEL, else the newest /boot/vmlinuz-* with modules, cloud flavour first. */
export function findKernel(env: NodeJS.ProcessEnv = process.env): KernelInfo | string {
  const explicit = env.NIMBUS_VM_KERNEL;
  if (explicit && !existsSync(explicit)) return `NIMBUS_VM_KERNEL=${explicit} does not exist`;
  if (!explicit && !existsSync('/boot')) return 'no guest kernel (/boot does not exist)';
  const candidates = explicit ? [explicit] : readdirSync('/boot').filter((f) => f.startsWith('vmlinuz-')).map((f) => join('/boot', f));
  const usable = candidates
    .map((path) => {
      const release = basename(path).replace(/^vmlinuz-/, '');
      return { path, release, modulesDir: env.NIMBUS_VM_MODULES ?? join('/lib/modules', release) };
    })
    .filter((k) => existsSync(k.path) && existsSync(join(k.modulesDir, 'modules.dep')));
  if (!usable.length) {
    return explicit
      ? `NIMBUS_VM_KERNEL=${explicit} has no modules (set NIMBUS_VM_MODULES to its /lib/modules/<release> directory)`
      : 'no guest kernel in /boot (a vmlinuz-* with its /lib/modules)';
  }
  const score = (k: { release: string }) => (k.release.includes('cloud') ? 1 : 0);
  usable.sort((a, b) => score(b) - score(a) || b.release.localeCompare(a.release, undefined, { numeric: true }));
  return usable[0];
}

/** The compressed payload inside a bzImage (boot protocol ≥ 2.08 names its offset and length). */
export function bzPayload(image: Buffer): Buffer {
  if (image.length < 0x260 || image.toString('latin1', 0x202, 0x206) !== 'HdrS') throw new Error('not a bzImage (no HdrS header)');
  if (image.readUInt16LE(0x206) < 0x208) throw new Error('bzImage boot protocol older than 2.08');
  const setupSects = image[0x1f1] || 4;
  const start = (setupSects + 1) * 512 + image.readUInt32LE(0x248);
  const length = image.readUInt32LE(0x24c);
  if (start + length > image.length) throw new Error('bzImage payload out of bounds');
  return image.subarray(start, start + length);
}

function viaTool(tool: string, args: string[], input: Buffer): Buffer {
  const r = spawnSync(tool, args, { input, maxBuffer: 1 << 30 });
  if (r.error || r.status !== 0) throw new Error(`${tool} could not decompress the kernel: ${r.error?.message ?? r.stderr.toString().trim()}`);
  return r.stdout;
}

/** Decompresses the payload. Formats other than gzip/lz4 need their tool (xz, zstd) on the host. */
export function decompressPayload(payload: Buffer): Buffer {
  // Every format but gzip carries the decompressed size as 4 trailing bytes (the kernel's size_append).
  const body = payload.subarray(0, payload.length - 4);
  const size = payload.readUInt32LE(payload.length - 4);
  if (payload[0] === 0x1f && payload[1] === 0x8b) return gunzipSync(payload);
  if (payload.readUInt32LE(0) === 0x184c2102) return Buffer.from(lz4Legacy(body, size).buffer);
  if (payload.readUInt32BE(0) === 0xfd377a58) return viaTool('xz', ['-dc', '--single-stream'], body);
  if (payload.readUInt32LE(0) === 0xfd2fb528) return viaTool('zstd', ['-dcq'], body);
  throw new Error(`unsupported kernel compression (magic ${payload.subarray(0, 4).toString('hex')})`);
}

/** True when the ELF has a PVH entry point (Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY), which QEMU boots directly. */
export function hasPvhEntry(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (elf.readUInt32LE(ph) !== 4) continue; // PT_NOTE
    let at = Number(elf.readBigUInt64LE(ph + 8));
    const end = at + Number(elf.readBigUInt64LE(ph + 32));
    while (at + 12 <= end) {
      const namesz = elf.readUInt32LE(at);
      const descsz = elf.readUInt32LE(at + 4);
      const type = elf.readUInt32LE(at + 8);
      const name = elf.toString('latin1', at + 12, at + 12 + Math.max(0, namesz - 1));
      if (name === 'Xen' && type === 18) return true;
      at += 12 + Math.ceil(namesz / 4) * 4 + Math.ceil(descsz / 4) * 4;
    }
  }
  return false;
}

/** vmlinux (PVH-bootable ELF) from a bzImage, or undefined when that is not possible (boot the bzImage then). */
export function extractPvhKernel(bzImage: string): { elf?: Buffer; why?: string } {
  try {
    const elf = decompressPayload(bzPayload(readFileSync(bzImage)));
    return hasPvhEntry(elf) ? { elf } : { why: 'the kernel has no PVH entry point (CONFIG_PVH)' };
  } catch (err) {
    return { why: (err as Error).message };
  }
}

/** Whether an ELF file is statically linked (no PT_INTERP): busybox must run without a libc in the guest. */
export function isStaticElf(file: string): boolean {
  const elf = readFileSync(file);
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) if (elf.readUInt32LE(phoff + i * phentsize) === 3) return false;
  return true;
}

/** Modules to load, dependencies first, from modules.dep (compressed .ko.xz/.ko.zst are unpacked with xz/zstd). */
export function moduleClosure(modulesDir: string, wanted: string[]): { name: string; path: string }[] {
  const dep = readFileSync(join(modulesDir, 'modules.dep'), 'utf8');
  const byName = new Map<string, { path: string; deps: string[] }>();
  for (const line of dep.split('\n')) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const name = basename(m[1]).replace(/\.ko(\.\w+)?$/, '').replace(/-/g, '_');
    byName.set(name, { path: join(modulesDir, m[1]), deps: m[2].split(/\s+/).filter(Boolean).map((p) => join(modulesDir, p)) });
  }
  const order: { name: string; path: string }[] = [];
  const seen = new Set<string>();
  const nameOf = (p: string) => basename(p).replace(/\.ko(\.\w+)?$/, '').replace(/-/g, '_');
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const m = byName.get(name);
    if (!m) throw new Error(`kernel module ${name} not found in ${modulesDir}`);
    // modules.dep lists every (indirect) dependency, nearest first: load them in reverse.
    for (const d of [...m.deps].reverse()) visit(nameOf(d));
    order.push({ name, path: m.path });
  };
  for (const w of wanted) {
    // Built into the kernel: nothing to load.
    if (!byName.has(w) && builtin(modulesDir, w)) continue;
    visit(w);
  }
  return order;
}

function builtin(modulesDir: string, name: string): boolean {
  const file = join(modulesDir, 'modules.builtin');
  if (!existsSync(file)) return false;
  return readFileSync(file, 'utf8').split('\n').some((l) => basename(l).replace(/\.ko$/, '').replace(/-/g, '_') === name);
}

/** A module's bytes, uncompressed (busybox insmod takes plain .ko files) and without its signature. */
export function moduleBytes(path: string): Buffer {
  const raw = readFileSync(path);
  const data = path.endsWith('.xz') ? viaTool('xz', ['-dc'], raw) : path.endsWith('.zst') ? viaTool('zstd', ['-dcq'], raw) : path.endsWith('.gz') ? gunzipSync(raw) : raw;
  return stripSignature(data);
}

const SIG_MAGIC = '~Module signature appended~\n';

/**
 * Drops the appended module signature. The guest kernel then loads the module without checking
 * it (it is not enforcing signatures; it notes an unsigned module once, at a level `quiet` hides):
 * the RSA verification of each module costs ~10-100 ms of boot under TCG. The modules come from the
 * host's own kernel package, which is what the signature would have vouched for.
 */
export function stripSignature(ko: Buffer): Buffer {
  const magic = Buffer.from(SIG_MAGIC);
  if (ko.length < magic.length + 12 || !ko.subarray(ko.length - magic.length).equals(magic)) return ko;
  // struct module_signature (12 bytes, sig_len big-endian in its last 4) sits just before the magic.
  const info = ko.length - magic.length - 12;
  const sigLen = ko.readUInt32BE(info + 8);
  const end = info - sigLen;
  return end > 0 ? ko.subarray(0, end) : ko;
}
