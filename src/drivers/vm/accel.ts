import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../core/log.ts';
import { delay } from '../process/run.ts';
import type { VmImage } from './image/build.ts';
import { READY } from './image/guest.ts';
import { bootId, kvmAccessible } from './probe.ts';
import { kernelCmdline, qemuArgs, spawnLogged } from './qemu.ts';
import { seedArchive } from './seed.ts';

// KVM or TCG. /dev/kvm existing is not enough: nested under another hypervisor, a KVM guest may hang
// before printing anything (seen on the machine this was written on: QEMU rejects MSR 0x10a with
// -cpu host, and with it masked the kernel stops in early boot). So "auto" boots the real image once
// with KVM and a deadline; if it does not reach "ready" the driver uses TCG. The verdict is cached
// per host boot, QEMU version and guest kernel in /run/nimbus-vm-kvm-probe.json (tmpfs: a host
// reboot, a new QEMU or a new kernel probe again; data dirs share it, so tests pay the probe once).

export interface AccelChoice {
  accel: 'kvm' | 'tcg';
  why: string;
  /** Milliseconds the KVM probe VM took to reach "ready", when it did. */
  probeMs?: number;
  cached?: boolean;
}

interface ProbeRecord {
  bootId: string;
  qemu: string;
  kernel: string;
  ok: boolean;
  why: string;
  ms?: number;
}

export async function decideAccel(o: {
  requested: 'auto' | 'kvm' | 'tcg'; qemu: string; qemuVersion: string; image: VmImage; log: Logger; tscKhz?: number; cacheFile?: string;
}): Promise<AccelChoice> {
  if (o.requested === 'tcg') return { accel: 'tcg', why: 'NIMBUS_VM_ACCEL=tcg' };
  if (o.requested === 'kvm') return { accel: 'kvm', why: 'NIMBUS_VM_ACCEL=kvm (not probed)' };
  if (!kvmAccessible()) return { accel: 'tcg', why: '/dev/kvm is missing or not accessible' };
  const file = o.cacheFile ?? '/run/nimbus-vm-kvm-probe.json';
  const key = { bootId: bootId(), qemu: o.qemuVersion, kernel: kernelId(o.image) };
  try {
    const rec = JSON.parse(readFileSync(file, 'utf8')) as ProbeRecord;
    if (rec.bootId === key.bootId && rec.qemu === key.qemu && rec.kernel === key.kernel) {
      return rec.ok ? { accel: 'kvm', why: rec.why, probeMs: rec.ms, cached: true } : { accel: 'tcg', why: rec.why, cached: true };
    }
  } catch {
    /* no verdict yet */
  }
  const timeoutMs = Number(process.env.NIMBUS_VM_KVM_PROBE_MS ?? 5000);
  o.log.info({ timeoutMs }, 'vm driver: probing KVM with a test VM');
  const r = await probeBoot({ ...o, accel: 'kvm', timeoutMs });
  const rec: ProbeRecord = {
    ...key, ok: r.ok, ms: r.ms,
    why: r.ok ? `a KVM probe VM booted in ${r.ms} ms` : `/dev/kvm is present but a KVM probe VM did not boot (${r.detail})`,
  };
  try {
    writeFileSync(file, JSON.stringify(rec, null, 2) + '\n');
  } catch {
    /* read-only data dir: probe again next time */
  }
  return r.ok ? { accel: 'kvm', why: rec.why, probeMs: r.ms } : { accel: 'tcg', why: rec.why };
}

function kernelId(image: VmImage): string {
  try {
    const s = statSync(image.kernel);
    return `${image.release}:${s.size}`;
  } catch {
    return image.release;
  }
}

/** Boots the image once without network or share and waits for "ready" (the probe seed powers off after). */
export async function probeBoot(o: { qemu: string; image: VmImage; accel: 'kvm' | 'tcg'; timeoutMs: number; tscKhz?: number }): Promise<{ ok: boolean; ms?: number; detail: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-vm-probe-'));
  const boot = randomBytes(6).toString('hex');
  const seed = join(dir, 'seed.cpio');
  const consoleFile = join(dir, 'console.log');
  writeFileSync(consoleFile, '');
  writeFileSync(seed, seedArchive({
    spec: { id: 'kvm-probe', hostname: 'probe', vcpus: 1, memoryMiB: 128, stateDir: dir, env: {}, ingress: [], volumes: [] },
    secret: randomBytes(8).toString('hex'), boot, agentPort: 1, metadataAddress: '127.0.0.1', share: false, mounts: [], probe: true,
  }));
  const t0 = performance.now();
  const child = await spawnLogged(o.qemu, qemuArgs({
    id: 'probe', accel: o.accel, vcpus: 1, memoryMiB: 128, kernel: o.image.kernel, initramfs: o.image.initramfs,
    cmdline: kernelCmdline({ tscKhz: o.tscKhz }), seedFile: seed, consoleFile, pidFile: join(dir, 'qemu.pid'),
  }), join(dir, 'qemu.log'));
  try {
    for (;;) {
      const text = readFileSync(consoleFile, 'latin1');
      if (text.includes(`${READY} ${boot}`)) return { ok: true, ms: Math.round(performance.now() - t0), detail: 'ready' };
      const exited = child.exitCode !== null || child.signalCode !== null;
      if (exited || performance.now() - t0 > o.timeoutMs) {
        const log = readFileSync(join(dir, 'qemu.log'), 'utf8').trim().split('\n').slice(-2).join(' | ');
        const last = text.trim().split('\n').filter(Boolean).slice(-1)[0];
        const what = exited ? `QEMU exited with ${child.signalCode ?? child.exitCode}` : `no "ready" within ${o.timeoutMs} ms`;
        return { ok: false, detail: [what, log, last && `last console line: ${last.slice(0, 120)}`].filter(Boolean).join('; ') };
      }
      await delay(20);
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      try {
        process.kill(child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
      await Promise.race([gone, delay(3000)]);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
