import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { silentLogger } from '../../core/log.ts';
import { runDriverConformance } from '../conformance.ts';
import { cleanupPrefix, findLeftovers, ProcessDriver } from './index.ts';

// The conformance suite on the process driver, namespaced when root (plain otherwise, with the
// isolation cases skipped), plus plain mode forced. Test objects use their own prefix and subnet
// (nbk<pid>, 172.28.0.0/16) so they never touch a Nimbus someone is running.

const isRoot = process.getuid?.() === 0 && process.platform === 'linux';
const prefix = `nbk${process.pid % 100000}`;
const bridge = `${prefix}-br0`;
const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-driver-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const make = (forcePlain: boolean, dir: string) => async () => new ProcessDriver({
  dataDir: dir, log: silentLogger, namePrefix: prefix, bridge: { name: bridge, gatewayCidr: '172.28.0.1/16' },
  metadataAddress: '169.254.169.254', forcePlain,
});

runDriverConformance(isRoot ? 'process (namespaces)' : 'process (plain, not root)', make(false, dataDir), {
  isolatedSkip: isRoot ? false : 'needs root: namespaces, cgroups and nftables',
  dataDir,
  network: { subnet: '172.28.0', prefixLength: 16, gateway: '172.28.0.1' },
  metadataAddress: isRoot ? '169.254.169.254' : undefined,
  async leftovers() {
    const l = await findLeftovers(prefix, bridge);
    return [...l.netns, ...l.veths, ...l.cgroups];
  },
  cleanup: () => cleanupPrefix(prefix, bridge),
});

const plainDir = mkdtempSync(join(tmpdir(), 'nimbus-driver-plain-'));
after(() => rmSync(plainDir, { recursive: true, force: true }));
runDriverConformance('process (forced plain)', make(true, plainDir), {
  isolatedSkip: 'plain mode has no isolation',
  dataDir: plainDir,
  network: { subnet: '172.28.1', prefixLength: 16, gateway: '172.28.0.1' },
  cleanup: () => cleanupPrefix(prefix, bridge),
});

describe('process driver, plain mode specifics', () => {
  test('warnings say why, and volumes are symlinks under NIMBUS_VOLUMES_DIR', async () => {
    const d = await make(true, plainDir)();
    const caps = await d.init();
    assert.equal(caps.isolation, 'none');
    assert.match(caps.warnings.join('\n'), /plain process mode requested: instances run as plain processes without CPU\/memory limits/);
    const stateDir = mkdtempSync(join(plainDir, 'state-'));
    const vol = mkdtempSync(join(plainDir, 'vol-'));
    const id = 'i-0plainvolume0001';
    await d.start({ id, hostname: 'h', vcpus: 1, memoryMiB: 64, stateDir, env: {}, ingress: [], volumes: [{ volumeId: 'vol-1', hostPath: vol, mountPath: '/mnt/sdf' }] });
    const r = await d.exec(id, ['sh', '-c', 'echo hi > "$NIMBUS_VOLUMES_DIR/mnt/sdf/f" && cat "$NIMBUS_VOLUMES_DIR/mnt/sdf/f"']);
    assert.equal(r.stdout.trim(), 'hi', r.stderr);
    assert.equal(await d.stats(id), undefined);
    await d.shutdown({ stopWorkloads: true });
    assert.equal(d.isRunning(id), false);
  });
});
