import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpio, type CpioEntry } from './cpio.ts';
import { extractPvhKernel, findKernel, isStaticElf, moduleBytes, moduleClosure, type KernelInfo } from './kernel.ts';
import { agentScript, initScript, mountDiskScript, unmountDiskScript } from './guest.ts';

// Builds the guest image once and caches it under <data dir>/vm-image/<key>/:
//   kernel       the PVH-bootable vmlinux unpacked from the host's bzImage (or absent: boot the bzImage)
//   initramfs    uncompressed newc cpio (the kernel copies it, no decompression under emulation):
//                /init, /nimbus/agent, a static busybox, the kernel modules (signatures stripped)
//                for virtio-mmio, virtio-net, virtio-fs, fw_cfg and overlayfs
//   image.json   what went in (paths, sizes, release) and the key
// The key hashes every input (kernel, busybox, modules: path, size, mtime; the init and agent texts;
// BUILDER_VERSION), so upgrading the kernel package or editing guest.ts rebuilds on the next start.
// Older builds are removed. Run by hand: node --import tsx src/drivers/vm/image/build.ts [data dir]

const BUILDER_VERSION = 3;

/** Modules the guest loads at boot (with their dependencies). */
export const GUEST_MODULES = ['virtio_mmio', 'virtio_net', 'virtiofs', 'qemu_fw_cfg', 'overlay', 'virtio_scsi', 'sd_mod'];

export interface VmImage {
  key: string;
  dir: string;
  /** What QEMU's -kernel gets: the unpacked vmlinux (PVH) when possible, else the bzImage. */
  kernel: string;
  pvh: boolean;
  /** Why the bzImage is booted instead of a PVH vmlinux (slower), when it is. */
  pvhWhy?: string;
  initramfs: string;
  release: string;
  busybox: string;
}

export interface ImageInputs {
  kernel: KernelInfo;
  busybox: string;
}

/** The static busybox to put in the image: NIMBUS_VM_BUSYBOX, else /bin/busybox from busybox-static. */
export function findBusybox(env: NodeJS.ProcessEnv = process.env): string | { missing: string } {
  const candidates = env.NIMBUS_VM_BUSYBOX ? [env.NIMBUS_VM_BUSYBOX] : ['/bin/busybox', '/usr/bin/busybox', '/usr/lib/initramfs-tools/bin/busybox'];
  for (const c of candidates) if (existsSync(c) && isStaticElf(c)) return c;
  return { missing: 'no statically linked busybox (package busybox-static)' };
}

/** Kernel and busybox, or what is missing (with the command that installs it). */
export function imageInputs(env: NodeJS.ProcessEnv = process.env): ImageInputs | { missing: string[] } {
  const kernel = findKernel(env);
  const busybox = findBusybox(env);
  const missing = [...(typeof kernel === 'string' ? [kernel] : []), ...(typeof busybox === 'string' ? [] : [busybox.missing])];
  if (missing.length) return { missing };
  return { kernel: kernel as KernelInfo, busybox: busybox as string };
}

function fingerprint(file: string): string {
  const s = statSync(file);
  return `${file}:${s.size}:${Math.floor(s.mtimeMs)}`;
}

export function imageKey(inputs: ImageInputs): string {
  const modules = moduleClosure(inputs.kernel.modulesDir, GUEST_MODULES);
  const h = createHash('sha256');
  h.update(JSON.stringify({
    v: BUILDER_VERSION, kernel: fingerprint(inputs.kernel.path), busybox: fingerprint(inputs.busybox),
    modules: modules.map((m) => fingerprint(m.path)), init: initScript(), agent: agentScript(), disk: [mountDiskScript(), unmountDiskScript()],
  }));
  return h.digest('hex').slice(0, 16);
}

function busyboxApplets(busybox: string): string[] {
  const r = spawnSync(busybox, ['--list'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${busybox} --list failed: ${r.stderr}`);
  return r.stdout.split('\n').map((s) => s.trim()).filter((s) => /^[\w.[-]+$/.test(s) && s !== 'busybox');
}

export function initramfsEntries(inputs: ImageInputs): CpioEntry[] {
  const modules = moduleClosure(inputs.kernel.modulesDir, GUEST_MODULES);
  const applets = busyboxApplets(inputs.busybox);
  for (const need of ['sh', 'nc', 'setsid', 'insmod', 'ip', 'cpio', 'mount', 'base64', 'ln', 'sync']) {
    if (!applets.includes(need)) throw new Error(`${inputs.busybox} has no ${need} applet`);
  }
  const dirs = ['dev', 'proc', 'sys', 'run', 'tmp', 'var', 'root', 'mnt', 'home', 'opt', 'srv', 'etc', 'usr', 'usr/bin', 'nimbus', 'nimbus/bin',
    'nimbus/modules', '.nimbus', '.nimbus/share'];
  return [
    ...dirs.map((name): CpioEntry => ({ name, type: 'dir', mode: name === 'tmp' ? 0o1777 : name === 'root' ? 0o700 : 0o755 })),
    { name: 'bin', type: 'symlink', target: 'usr/bin' },
    { name: 'sbin', type: 'symlink', target: 'usr/bin' },
    { name: 'usr/sbin', type: 'symlink', target: 'bin' },
    { name: 'lib', type: 'symlink', target: 'usr/lib' },
    { name: 'lib64', type: 'symlink', target: 'usr/lib64' },
    { name: 'nimbus/bin/busybox', type: 'file', data: readFileSync(inputs.busybox), mode: 0o755 },
    // The shell is enough: busybox sh runs applets itself. Fewer files = a faster initramfs unpack
    // (~0.1 s of CPU under TCG for 800 links); without the host userland init installs the links.
    { name: 'nimbus/bin/sh', type: 'symlink', target: 'busybox' },
    { name: 'usr/bin/sh', type: 'symlink', target: '/nimbus/bin/busybox' },
    { name: 'etc/passwd', type: 'file', data: 'root:x:0:0:root:/root:/bin/sh\n' },
    { name: 'etc/group', type: 'file', data: 'root:x:0:\ntty:x:5:\n' },
    { name: 'init', type: 'file', data: initScript(), mode: 0o755 },
    { name: 'nimbus/agent', type: 'file', data: agentScript(), mode: 0o755 },
    { name: 'nimbus/mount-disk', type: 'file', data: mountDiskScript(), mode: 0o755 },
    { name: 'nimbus/unmount-disk', type: 'file', data: unmountDiskScript(), mode: 0o755 },
    ...modules.map((m): CpioEntry => ({ name: `nimbus/modules/${m.name}.ko`, type: 'file', data: moduleBytes(m.path) })),
    { name: 'nimbus/modules.order', type: 'file', data: modules.map((m) => `${m.name}\n`).join('') },
  ];
}

/** The cached image for these inputs, built now if missing. Safe against concurrent builders. */
export function ensureImage(cacheRoot: string, inputs: ImageInputs): VmImage {
  const key = imageKey(inputs);
  const dir = join(cacheRoot, key);
  const manifest = join(dir, 'image.json');
  if (!existsSync(manifest)) {
    mkdirSync(cacheRoot, { recursive: true });
    const tmp = join(cacheRoot, `${key}.tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    try {
      const pvh = extractPvhKernel(inputs.kernel.path);
      if (pvh.elf) writeFileSync(join(tmp, 'kernel'), pvh.elf);
      writeFileSync(join(tmp, 'initramfs'), cpio(initramfsEntries(inputs)));
      const info = {
        key, release: inputs.kernel.release, bzImage: inputs.kernel.path, pvh: !!pvh.elf, pvhWhy: pvh.why, busybox: inputs.busybox,
        modules: moduleClosure(inputs.kernel.modulesDir, GUEST_MODULES).map((m) => m.name), builtAt: new Date().toISOString(),
      };
      writeFileSync(join(tmp, 'image.json'), JSON.stringify(info, null, 2) + '\n');
      try {
        renameSync(tmp, dir);
      } catch {
        rmSync(tmp, { recursive: true, force: true }); // another builder won the race
      }
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    // Older builds (another kernel or init): running VMs do not need their files any more.
    for (const old of readdirSync(cacheRoot)) {
      if (old !== key && /^[0-9a-f]{16}$/.test(old)) rmSync(join(cacheRoot, old), { recursive: true, force: true });
    }
  }
  const info = JSON.parse(readFileSync(manifest, 'utf8')) as { pvh: boolean; pvhWhy?: string; release: string; bzImage: string; busybox: string };
  return {
    key, dir, kernel: info.pvh ? join(dir, 'kernel') : info.bzImage, pvh: info.pvh, pvhWhy: info.pvhWhy,
    initramfs: join(dir, 'initramfs'), release: info.release, busybox: info.busybox,
  };
}

// CLI: build (or show) the image for a data dir.
if (import.meta.url === `file://${process.argv[1]}`) {
  const dataDir = process.argv[2] ?? process.env.NIMBUS_DATA_DIR ?? '.nimbus';
  const inputs = imageInputs();
  if ('missing' in inputs) {
    console.error(`cannot build the VM image:\n  ${inputs.missing.join('\n  ')}`);
    process.exit(1);
  }
  const t0 = performance.now();
  const img = ensureImage(join(dataDir, 'vm-image'), inputs);
  console.log(JSON.stringify({ ...img, ms: Math.round(performance.now() - t0) }, null, 2));
}
