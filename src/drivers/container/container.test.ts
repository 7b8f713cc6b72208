import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { silentLogger } from '../../core/log.ts';
import { runDriverConformance } from '../conformance.ts';
import { cleanupPrefix, findLeftovers } from '../process/cleanup.ts';
import { ContainerDriver } from './index.ts';

// The driver conformance suite on the container driver (OCI containers run by crun). Its own prefix and subnet
// (nbo<pid>, 172.30.0.0/16) so it never touches a running Nimbus or the process driver's suite.

const isRoot = process.getuid?.() === 0 && process.platform === 'linux';
const hasCrun = existsSync('/usr/bin/crun') || existsSync('/usr/local/bin/crun');
const prefix = `nbo${process.pid % 100000}`;
const bridge = `${prefix}-br0`;
const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-container-driver-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const skip = !isRoot ? 'needs root (namespaces, cgroups, nftables)' : !hasCrun ? 'needs an OCI runtime: apt-get install crun' : false;

if (skip) {
  // The suite's first case checks a degraded driver explains itself; the rest needs containers.
  runDriverConformance(`container (${skip})`, async () => new ContainerDriver({
    dataDir, log: silentLogger, namePrefix: prefix, bridge: { name: bridge, gatewayCidr: '172.30.0.1/16' }, metadataAddress: '169.254.169.254',
  }), { isolatedSkip: skip, dataDir, network: { subnet: '172.30.0', prefixLength: 16, gateway: '172.30.0.1' } });
} else {
  runDriverConformance('container (crun)', async () => new ContainerDriver({
    dataDir, log: silentLogger, namePrefix: prefix, bridge: { name: bridge, gatewayCidr: '172.30.0.1/16' }, metadataAddress: '169.254.169.254',
  }), {
    isolatedSkip: false,
    dataDir,
    network: { subnet: '172.30.0', prefixLength: 16, gateway: '172.30.0.1' },
    metadataAddress: '169.254.169.254',
    async leftovers() {
      const l = await findLeftovers(prefix, bridge);
      return [...l.netns, ...l.veths, ...l.cgroups];
    },
    async cleanup() {
      await cleanupPrefix(prefix, bridge);
      rmSync(`/run/${prefix}`, { recursive: true, force: true });
    },
  });
}
