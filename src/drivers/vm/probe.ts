import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { which } from '../process/probe.ts';

// What the host offers the VM driver, found once at init(). Everything missing is reported with
// the Debian command that installs it (the driver refuses to start without QEMU, a kernel and a
// static busybox; without virtiofsd VMs boot, but with busybox only and without volumes).

/** The one command that installs everything the VM driver uses on Debian 12. */
export const VM_INSTALL = 'apt-get install -y qemu-system-x86 linux-image-cloud-amd64 busybox-static e2fsprogs';

export interface VmTools {
  qemu: string;
  qemuVersion: string;
  /** QEMU's C virtiofsd (QEMU ≤ 7.2, /usr/lib/qemu/virtiofsd) or the Rust one (package virtiofsd). */
  virtiofsd?: { path: string; flavour: 'c' | 'rust' };
  ip: string;
  nft?: string;
  unshare: string;
  nsenter: string;
  sh: string;
  /** mkfs.ext4, e2fsck, debugfs (e2fsprogs): volumes become disks and back (block.ts). */
  e2fs?: { mkfs: string; fsck: string; debugfs: string };
}

export function findVmTools(env: NodeJS.ProcessEnv = process.env): { tools?: VmTools; missing: string[] } {
  const missing: string[] = [];
  const qemu = env.NIMBUS_VM_QEMU ?? which('qemu-system-x86_64');
  if (!qemu) missing.push('qemu-system-x86_64 not found');
  const found = { ip: which('ip'), unshare: which('unshare'), nsenter: which('nsenter'), sh: which('sh') };
  for (const [n, p] of Object.entries(found)) if (!p) missing.push(`${n} not found (apt-get install -y iproute2 util-linux)`);
  if (!existsSync('/dev/net/tun')) missing.push('/dev/net/tun is missing (the tun module): VMs cannot get a network interface');
  if (!qemu || missing.length) return { missing };
  const v = spawnSync(qemu, ['--version'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) return { missing: [`${qemu} does not run (${v.error?.message ?? (v.stderr ?? '').trim()})`] };
  const qemuVersion = /version\s+([\d.]+)/.exec(v.stdout)?.[1] ?? 'unknown';
  const e2 = { mkfs: which('mkfs.ext4'), fsck: which('e2fsck'), debugfs: which('debugfs') };
  const e2fs = e2.mkfs && e2.fsck && e2.debugfs ? (e2 as VmTools['e2fs']) : undefined;
  return { tools: { qemu, qemuVersion, virtiofsd: findVirtiofsd(env), ...(found as { ip: string; unshare: string; nsenter: string; sh: string }), nft: which('nft'), e2fs }, missing };
}

function findVirtiofsd(env: NodeJS.ProcessEnv): VmTools['virtiofsd'] {
  const candidates = [env.NIMBUS_VM_VIRTIOFSD, '/usr/lib/qemu/virtiofsd', '/usr/libexec/virtiofsd', which('virtiofsd')].filter(Boolean) as string[];
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      continue;
    }
    const help = spawnSync(path, ['--help'], { encoding: 'utf8' });
    const text = `${help.stdout}${help.stderr}`;
    if (text.includes('--shared-dir')) return { path, flavour: 'rust' };
    if (text.includes('source=')) return { path, flavour: 'c' };
  }
  return undefined;
}

/**
 * The host's TSC frequency in kHz, handed to the guest as tsc_early_khz. Under TCG the guest's TSC
 * is the host's, and the guest's own calibration against the emulated PIT fails now and then on a
 * loaded host ("Fast TSC calibration failed" … "Marking TSC unstable"), after which the boot hangs.
 */
export function hostTscKhz(): number | undefined {
  const dmesg = spawnSync('dmesg', [], { encoding: 'utf8' });
  const m = /tsc: Refined TSC clocksource calibration: ([\d.]+) MHz/.exec(dmesg.stdout ?? '') ?? /tsc: Detected ([\d.]+) MHz/.exec(dmesg.stdout ?? '');
  if (m) return Math.round(Number(m[1]) * 1000);
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    if (!/\bconstant_tsc\b/.test(info) && !/hypervisor/.test(info)) return undefined;
    const mhz = /^cpu MHz\s*:\s*([\d.]+)/m.exec(info);
    return mhz ? Math.round(Number(mhz[1]) * 1000) : undefined;
  } catch {
    return undefined;
  }
}

export function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/** Whether bridged IPv4 goes through the host's inet hooks (br_netfilter): needed to filter VM↔VM traffic. */
export function bridgeNetfilter(): boolean {
  try {
    return readFileSync('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

export function kvmAccessible(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
