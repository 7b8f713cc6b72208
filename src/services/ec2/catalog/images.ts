// Built-in AMIs. With the process driver an instance runs on the host's own userland (its root volume
// is a private directory mounted at /root), so the images describe that honestly rather than
// pretending to be Amazon Linux.
//
// Per-AMI drivers (issue 8): an image may name the driver its instances run on. The host-userland images name none
// (they run on the server's default driver: the process driver, or everything as VMs with --driver vm); the microvm
// image names 'vm', so its instances are QEMU microVMs on a server whose default is the process driver too.
// AWS: the virtualization comes with the instance type and AMI (HVM on Nitro); no parameter picks a hypervisor.
// Here: the AMI picks the driver; images made by CreateImage keep their source instance's.

export type ImageDriver = 'vm' | 'process';

export interface BuiltinImage {
  id: string;
  name: string;
  description: string;
  architecture: 'x86_64' | 'arm64';
  /** The driver its instances run on; undefined: the server's default driver. */
  driver?: ImageDriver;
}

/** The microVM image: its instances run on the VM driver whatever the server's default driver is. */
export const VM_IMAGE_ID = 'ami-0a0000000000000b1';

export const BUILTIN_OWNER = 'amazon';

export const BUILTIN_IMAGES: BuiltinImage[] = [
  {
    id: 'ami-0a0000000000000a1',
    name: 'nimbus/linux-host-x86_64',
    description: 'Nimbus process-driver image: the host userland (python3, node, sh) with a private root volume at /root',
    architecture: 'x86_64',
  },
  {
    id: 'ami-0a0000000000000a2',
    name: 'nimbus/al2023-compatible-x86_64',
    description: 'Nimbus image for scripts written for Amazon Linux 2023 user data (same host userland; dnf/yum are not available)',
    architecture: 'x86_64',
  },
  {
    id: VM_IMAGE_ID,
    name: 'nimbus/microvm-debian-x86_64',
    description: 'Nimbus microVM image: boots a QEMU microvm (the Debian cloud kernel and the Nimbus busybox initramfs) with the host userland read-only, whatever the server\'s default driver',
    architecture: 'x86_64',
    driver: 'vm',
  },
];
