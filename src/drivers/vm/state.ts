import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeHandleToken, encodeHandleToken } from '../handle-token.ts';

// What the driver remembers about a VM outside its own memory: <run dir>/state.json (the run dir
// is /run/<prefix>-vm/<instance id>, on tmpfs: it lives exactly as long as the host's uptime, like
// the VM) and the opaque token the caller stores. The token only names the QEMU process (pid + start
// time, so a recycled pid is never mistaken for it) and the run dir; the rest is read from there.

export interface VolumeState {
  volumeId: string;
  hostPath: string;
  mountPath: string;
  /** virtio-scsi target of its disk. */
  slot: number;
  /** The disk image (block.ts) while attached. */
  image: string;
  /** The API's device name, e.g. /dev/sdf: linked to the disk inside the guest. */
  device?: string;
}

export interface VmState {
  v: 1;
  id: string;
  qemu: { pid: number; start: number };
  virtiofsd?: { pid: number; start: number };
  tap?: string;
  chain: string;
  ip?: string;
  gateway?: string;
  secret: string;
  boot: string;
  memoryMiB: number;
  vcpus: number;
  /** console.log size when this boot began: OOM kills are counted from there. */
  consoleOffset: number;
  volumes: VolumeState[];
  accel: 'kvm' | 'tcg';
}

export interface TokenData {
  v: 1;
  driver: 'vm';
  pid: number;
  start: number;
  run: string;
}

export const encodeToken = (t: TokenData): string => encodeHandleToken(t);

export function decodeToken(s: string): TokenData | undefined {
  return decodeHandleToken<TokenData>(s, (t) => t.v === 1 && t.driver === 'vm' && Number.isInteger(t.pid) && t.pid > 1 && typeof t.run === 'string');
}

export async function readState(runDir: string): Promise<VmState | undefined> {
  try {
    const s = JSON.parse(await readFile(join(runDir, 'state.json'), 'utf8')) as VmState;
    return s && s.v === 1 && s.qemu && Number.isInteger(s.qemu.pid) ? s : undefined;
  } catch {
    return undefined;
  }
}

export async function writeState(runDir: string, s: VmState): Promise<void> {
  await writeFile(join(runDir, 'state.json'), JSON.stringify(s), { mode: 0o600 });
}
