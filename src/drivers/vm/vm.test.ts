import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { silentLogger } from '../../core/log.ts';
import { runDriverConformance } from '../conformance.ts';
import { cleanupVmPrefix, findVmLeftovers, VM_INSTALL, VmDriver, vmPrerequisites } from './index.ts';

// The driver conformance suite on the VM driver (KVM if the probe VM boots, TCG otherwise). Test
// objects use their own prefix, bridge and subnet (nbv<pid>, 172.26.0.0/16). Without QEMU, a guest
// kernel or a static busybox (or not as root) the whole file is skipped with the reason; CI without
// them stays green. Install: apt-get install -y qemu-system-x86 linux-image-cloud-amd64 busybox-static e2fsprogs

const missing = vmPrerequisites();
const prefix = `nbv${process.pid % 100000}`;
const bridge = `${prefix}-br0`;

if (missing.length) {
  describe('driver conformance: vm', () => {
    test('skipped', { skip: `vm driver unavailable: ${missing.join('; ')} (install: ${VM_INSTALL})` }, () => undefined);
  });
} else {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-vm-driver-'));
  after(async () => {
    await cleanupVmPrefix(prefix, bridge);
    rmSync(dataDir, { recursive: true, force: true });
  });
  runDriverConformance('vm', async () => new VmDriver({
    dataDir, log: silentLogger, namePrefix: prefix, bridge: { name: bridge, gatewayCidr: '172.26.0.1/16' }, metadataAddress: '169.254.169.254',
  }), {
    isolatedSkip: false,
    dataDir,
    network: { subnet: '172.26.0', prefixLength: 16, gateway: '172.26.0.1' },
    metadataAddress: '169.254.169.254',
    async leftovers() {
      const l = await findVmLeftovers(prefix);
      return [...l.processes.map((p) => `pid ${p}`), ...l.taps, ...l.runDirs, ...l.chains];
    },
    cleanup: () => cleanupVmPrefix(prefix, bridge),
  });
}
