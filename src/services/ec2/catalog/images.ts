// Built-in AMIs. With the process driver an instance runs on the host's own userland (its root volume
// is a private directory mounted at /root), so the images describe that honestly rather than
// pretending to be Amazon Linux.

export interface BuiltinImage {
  id: string;
  name: string;
  description: string;
  architecture: 'x86_64' | 'arm64';
}

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
];
