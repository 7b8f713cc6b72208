import type { WorkloadSpec } from '../driver.ts';
import { hostsFile, resolvConf } from '../process/init-script.ts';
import { sq } from '../process/run.ts';
import { cpio, type CpioEntry } from './image/cpio.ts';
import { HOST_DIRS } from './image/guest.ts';

// The per-boot seed: a small cpio QEMU hands the guest through fw_cfg (opt/nimbus/seed). It carries
// what differs per instance and must not appear on the host's process list (the agent secret, the
// environment, user data); the network address is on the kernel command line instead.

export interface SeedPlan {
  spec: WorkloadSpec;
  secret: string;
  boot: string;
  agentPort: number;
  metadataAddress: string;
  /** The virtio-fs share (host userland) is attached. */
  share: boolean;
  /** Volumes: the disk's virtio-scsi target → its device name link and where it is mounted inside the guest. */
  mounts: { slot: number; device?: string; mountPath: string }[];
  probe?: boolean;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `export K='v'` lines: PATH and HOME as the process driver sets them, then the spec's env; busybox last on PATH. */
export function envScript(spec: WorkloadSpec): string {
  const env: Record<string, string> = { PATH: DEFAULT_PATH, HOME: '/root', ...spec.env };
  env.PATH = `${env.PATH}:/nimbus/bin`;
  return Object.entries(env).filter(([k]) => ENV_NAME.test(k)).map(([k, v]) => `export ${k}=${sq(v)}\n`).join('');
}

export function seedArchive(p: SeedPlan): Buffer {
  const { spec } = p;
  const config = {
    NIMBUS_ID: spec.id, NIMBUS_HOSTNAME: spec.hostname, NIMBUS_MEM_KB: String(spec.memoryMiB * 1024), NIMBUS_AGENT_PORT: String(p.agentPort),
    NIMBUS_IMDS: p.metadataAddress, NIMBUS_BOOT: p.boot, NIMBUS_SHARE: p.share ? '1' : '0',
    NIMBUS_HOST_DIRS: HOST_DIRS.join(' '), NIMBUS_PROBE: p.probe ? '1' : '0',
  };
  const entries: CpioEntry[] = [
    { name: 'seed', type: 'dir', mode: 0o700 },
    { name: 'seed/config', type: 'file', data: Object.entries(config).map(([k, v]) => `${k}=${sq(v)}\n`).join('') },
    { name: 'seed/env.sh', type: 'file', data: envScript(spec) },
    { name: 'seed/secret', type: 'file', data: `${p.secret}\n`, mode: 0o600 },
    { name: 'seed/hosts', type: 'file', data: hostsFile(spec) },
    { name: 'seed/resolv.conf', type: 'file', data: spec.network ? resolvConf(spec.network.gateway) : '' },
    // One "slot device path" per line ('-' = no device name); read -r puts the rest of the line (spaces included) in the path.
    { name: 'seed/volumes', type: 'file', data: p.mounts.map((m) => `${m.slot} ${deviceName(m.device)} ${m.mountPath.replace(/\n/g, '')}\n`).join('') },
  ];
  if (spec.userData) entries.push({ name: 'seed/user-data', type: 'file', data: spec.userData, mode: 0o755 });
  return cpio(entries);
}

/** The name under /dev the guest links to a disk (e.g. 'sdf' for /dev/sdf), or '-' when there is none usable. */
export function deviceName(device: string | undefined): string {
  const n = (device ?? '').replace(/^\/dev\//, '');
  return /^[a-z][a-z0-9]{1,15}$/.test(n) ? n : '-';
}
