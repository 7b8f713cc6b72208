import { spawn, type ChildProcess } from 'node:child_process';
import { open } from 'node:fs/promises';
import { sq } from '../process/run.ts';
import { HOST_DIRS } from './image/guest.ts';
import type { VmTools } from './probe.ts';

// The processes of one VM: virtiofsd (the shared host userland) and qemu-system-x86_64 -M microvm.
// Both are detached session leaders: they outlive Nimbus (adopt() finds them again) and are killed
// by pid when the VM stops.

export interface QemuPlan {
  id: string;
  accel: 'kvm' | 'tcg';
  vcpus: number;
  memoryMiB: number;
  kernel: string;
  initramfs: string;
  cmdline: string;
  seedFile: string;
  consoleFile: string;
  tap?: { name: string; mac: string };
  /** vhost-user socket of this VM's virtiofsd, when there is one. */
  fsSocket?: string;
  pidFile: string;
  /** QMP socket (disk hot-plug); none for the KVM probe VM. */
  qmpSocket?: string;
  /** Volumes attached at boot (more come and go later through QMP). */
  disks?: DiskPlug[];
}

/** One volume as a disk on the VM's virtio-scsi bus: target <slot>, LUN 0. */
export interface DiskPlug {
  slot: number;
  image: string;
  volumeId: string;
}

// AWS: Nitro instances see EBS volumes as NVMe disks whose serial is the volume id. Here: disks on a
// virtio-scsi controller (serial = the volume id without its dash, as on Nitro), because microvm's
// virtio-mmio transport cannot hot-plug a virtio-blk device and AttachVolume works on running
// instances; virtio-scsi hot-plugs disks on a controller present from boot.
export const diskNodeName = (slot: number) => `nimbus-disk${slot}`;
export const diskSerial = (volumeId: string) => volumeId.replace(/-/g, '').slice(0, 36);

/** blockdev-add argument for a disk (QMP object form; -blockdev takes the same as JSON). */
export function diskBlockdev(d: DiskPlug): Record<string, unknown> {
  return { driver: 'raw', 'node-name': diskNodeName(d.slot), file: { driver: 'file', filename: d.image }, discard: 'unmap' };
}

/** device_add argument for a disk (the -device form is the same keys). */
export function diskDevice(d: DiskPlug): Record<string, unknown> {
  return { driver: 'scsi-hd', id: diskNodeName(d.slot), bus: 'scsi0.0', channel: 0, 'scsi-id': d.slot, lun: 0, drive: diskNodeName(d.slot), serial: diskSerial(d.volumeId) };
}

function deviceArg(o: Record<string, unknown>): string {
  const { driver, ...rest } = o;
  return [String(driver), ...Object.entries(rest).map(([k, v]) => `${k}=${String(v).replace(/,/g, ',,')}`)].join(',');
}

export function qemuArgs(p: QemuPlan): string[] {
  const machine = ['microvm', `accel=${p.accel}`, ...(p.fsSocket ? ['memory-backend=mem'] : [])].join(',');
  return [
    '-name', `nimbus-${p.id},process=nimbus-${p.id}`,
    '-M', machine,
    // TCG: the default qemu64 model is the cheapest to emulate. KVM: the host CPU minus what nested
    // hypervisors often refuse to set (IA32_ARCH_CAPABILITIES).
    ...(p.accel === 'kvm' ? ['-cpu', 'host,-arch-capabilities'] : []),
    '-m', `${p.memoryMiB}M`, '-smp', String(p.vcpus),
    // vhost-user (virtiofsd) maps guest memory: it must be shareable.
    ...(p.fsSocket ? ['-object', `memory-backend-memfd,id=mem,size=${p.memoryMiB}M,share=on`] : []),
    // libvhost-user only speaks virtio 1.0: virtio-mmio in its modern (version 2) layout.
    '-global', 'virtio-mmio.force-legacy=false',
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-chardev', `file,id=con,path=${p.consoleFile},append=on`, '-serial', 'chardev:con',
    '-kernel', p.kernel, '-initrd', p.initramfs, '-append', p.cmdline,
    '-fw_cfg', `name=opt/nimbus/seed,file=${p.seedFile}`,
    ...(p.tap ? ['-netdev', `tap,id=n0,ifname=${p.tap.name},script=no,downscript=no`, '-device', `virtio-net-device,netdev=n0,mac=${p.tap.mac}`] : []),
    ...(p.fsSocket ? ['-chardev', `socket,id=fs0,path=${p.fsSocket}`, '-device', 'vhost-user-fs-device,chardev=fs0,tag=nimbus'] : []),
    ...(p.qmpSocket ? ['-device', 'virtio-scsi-device,id=scsi0', '-qmp', `unix:${p.qmpSocket},server=on,wait=off`] : []),
    ...(p.disks ?? []).flatMap((d) => ['-blockdev', JSON.stringify(diskBlockdev(d)), '-device', deviceArg(diskDevice(d))]),
    '-pidfile', p.pidFile,
  ];
}

export function kernelCmdline(o: { ip?: string; gateway?: string; tscKhz?: number; extra?: string }): string {
  return [
    'console=ttyS0', 'quiet', 'panic=-1', 'reboot=t', 'ipv6.disable=1',
    // The crypto self-tests cost ~0.3 s of boot under TCG; nothing in the guest depends on them.
    'cryptomgr.notests',
    ...(o.tscKhz ? [`tsc_early_khz=${o.tscKhz}`, 'tsc=reliable'] : []),
    ...(o.ip ? [`nimbus.ip=${o.ip}`, `nimbus.gw=${o.gateway}`] : []),
    ...(o.extra ? [o.extra] : []),
  ].filter(Boolean).join(' ');
}

/** Host directories (top level) the guest sees read-only: bound in by init, /etc as an overlay. */
const SHARED_HOST_DIRS = [...HOST_DIRS, 'etc'];

/**
 * The shell that becomes virtiofsd, run under `unshare -m` so that every mount it makes lives in a
 * private mount namespace and disappears with it: a tmpfs on the share directory holding host/<dir>
 * (read-only binds of the host userland). virtiofsd chroots into the share. (Volumes are disks: block.ts.)
 */
export function virtiofsdScript(tools: VmTools, share: string, socket: string, hide: string[] = []): string {
  const v = tools.virtiofsd!;
  const daemon = v.flavour === 'rust'
    ? [v.path, '--socket-path', socket, '--shared-dir', share, '--sandbox', 'chroot', '--cache', 'auto']
    : [v.path, `--socket-path=${socket}`, '-o', `source=${share}`, '-o', 'sandbox=chroot', '-o', 'cache=auto'];
  return [
    'set -e',
    `d=${sq(share)}`,
    'mount -t tmpfs -o mode=755 nimbus-share "$d"',
    'mkdir "$d/host"',
    `for x in ${SHARED_HOST_DIRS.join(' ')}; do`,
    '  [ -d "/$x" ] || continue',
    '  mkdir "$d/host/$x"',
    '  mount --bind "/$x" "$d/host/$x"',
    '  mount -o remount,bind,ro "$d/host/$x"',
    'done',
    // Hidden paths (the data dir, the credentials file) under a shared directory: covered by an
    // empty, unreadable tmpfs (directories) or /dev/null (files), as the process driver does.
    ...hide.filter((p) => SHARED_HOST_DIRS.some((x) => p.startsWith(`/${x}/`))).flatMap((p) => [
      `if [ -d ${sq(p)} ]; then mount -t tmpfs -o ro,size=4k,mode=000 nimbus-hide "$d/host"${sq(p)}; elif [ -e ${sq(p)} ]; then mount --bind /dev/null "$d/host"${sq(p)}; fi`,
    ]),
    // The host's password hashes and SSH host keys are not the guest's business.
    'for f in /etc/shadow /etc/shadow- /etc/gshadow /etc/gshadow- /etc/ssh/ssh_host_*_key; do',
    '  [ -f "$f" ] && mount --bind /dev/null "$d/host$f"',
    'done',
    `exec ${daemon.map(sq).join(' ')}`,
    '',
  ].join('\n');
}

export async function spawnLogged(cmd: string, args: string[], logFile: string): Promise<ChildProcess> {
  const log = await open(logFile, 'a');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', log.fd, log.fd] });
    child.unref();
    return child;
  } finally {
    await log.close();
  }
}
