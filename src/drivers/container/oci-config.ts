import type { ContainerSpec } from './types.ts';

// The OCI runtime spec (config.json) of one container. Docker's defaults where ECS inherits them: the default
// capability set, masked /proc paths, a private /dev, /dev/shm and /tmp-less root (the image decides), read-only /sys.
// cgroups are not in the spec: crun runs with --cgroup-manager=disabled inside the sandbox's cgroup, which Nimbus
// creates and limits itself (src/drivers/process/cgroups.ts), so v1, v2 and hybrid hosts behave the same.

export const DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

const ALL_CAPS = [
  ...DEFAULT_CAPS, 'CAP_DAC_READ_SEARCH', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_LEASE', 'CAP_AUDIT_CONTROL', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
];

const capName = (c: string) => (c.toUpperCase().startsWith('CAP_') ? c.toUpperCase() : `CAP_${c.toUpperCase()}`);

export interface OciPlan {
  spec: ContainerSpec;
  hostname: string;
  /** Absolute path of the root filesystem (an overlay mounted by the launcher, or a bind of the host's /). */
  rootfs: string;
  /** Network namespace file to join. */
  netns: string;
  /** Generated files bound read-only over the image's: /etc/hosts, /etc/resolv.conf, /proc/meminfo. */
  files: Array<{ source: string; destination: string }>;
}

export function ociConfig(p: OciPlan): object {
  const s = p.spec;
  const [uid, gid] = (s.user ?? '0:0').split(':').map(Number);
  let caps = s.privileged ? ALL_CAPS : DEFAULT_CAPS;
  const add = (s.capabilities?.add ?? []).map(capName);
  const drop = new Set((s.capabilities?.drop ?? []).map(capName));
  caps = [...new Set([...caps, ...add])].filter((c) => !drop.has(c) && !drop.has('CAP_ALL'));
  const hostImage = s.image === 'host';
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: uid ?? 0, gid: gid ?? 0 },
      args: s.args,
      env: Object.entries(s.env).map(([k, v]) => `${k}=${v}`),
      cwd: s.cwd || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, ambient: [] },
      noNewPrivileges: false,
    },
    root: { path: p.rootfs, readonly: hostImage || !!s.readonlyRootFilesystem },
    hostname: p.hostname,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      // The host's filesystem is read-only: give it the writable places a machine needs.
      ...(hostImage ? ['/tmp', '/root', '/run'].map((d) => ({ destination: d, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', d === '/tmp' ? 'mode=1777' : 'mode=755'] })) : []),
      ...p.files.map((f) => ({ destination: f.destination, type: 'bind', source: f.source, options: ['bind', 'ro'] })),
      ...(s.mounts ?? []).map((m) => ({ destination: m.destination, type: 'bind', source: m.source, options: ['rbind', m.readOnly ? 'ro' : 'rw'] })),
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network', path: p.netns }],
      maskedPaths: s.privileged ? [] : [
        '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
        '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
      ],
      readonlyPaths: s.privileged ? [] : ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}
