import { EC2Client } from '@aws-sdk/client-ec2';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNimbus, type Nimbus } from '../../src/app.ts';
import { defaultConfig, type NimbusConfig } from '../../src/core/config.ts';
import { silentLogger, createLogger } from '../../src/core/log.ts';
import type { Clock } from '../../src/core/clock.ts';

// Tests use their own bridge prefix and address range (one per test process), so they never touch
// a Nimbus a developer runs nor each other: each Nimbus has its own bridge, subnet and IMDS.
export const TEST_VPC_CIDR = `10.${100 + (process.pid % 150)}.0.0/16`;
/** The first two octets of TEST_VPC_CIDR, e.g. '10.123.'. */
export const TEST_NET_PREFIX = TEST_VPC_CIDR.split('.').slice(0, 2).join('.') + '.';

export interface TestNimbus {
  nimbus: Nimbus;
  ec2: EC2Client;
  endpoint: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startTestNimbus(over: Partial<NimbusConfig> = {}, deps: { clock?: Clock } = {}): Promise<TestNimbus> {
  const dataDir = over.dataDir ?? mkdtempSync(join(tmpdir(), 'nimbus-test-'));
  const config = defaultConfig({
    port: 0, dataDir, vpcCidr: TEST_VPC_CIDR, namePrefix: `nbt${process.pid % 100000}`, stopGraceMs: 500, ...over,
  });
  const log = process.env.NIMBUS_TEST_LOG ? createLogger('debug') : silentLogger;
  const nimbus = await startNimbus(config, log, deps);
  const ec2 = sdkClient(EC2Client, nimbus.endpoint);
  return {
    nimbus, ec2, endpoint: nimbus.endpoint, dataDir,
    async close() {
      ec2.destroy();
      await nimbus.close({ stopInstances: true });
      if (!over.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function sdkClient<T>(Client: new (cfg: any) => T, endpoint: string, region = 'us-east-1'): T {
  return new Client({ endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
}

export { eventually, httpGet } from '../../src/core/wait.ts';

export const b64 = (s: string) => Buffer.from(s).toString('base64');

export const isRoot = process.getuid?.() === 0 && process.platform === 'linux';

/**
 * Removes every host object (netns, veth, cgroup, bridge, processes) under a name prefix. For tests
 * that run `nimbus up` as a separate process: if the test fails half-way, nothing is left behind.
 */
export async function cleanupHostObjects(prefix: string): Promise<void> {
  if (!isRoot) return;
  const { cleanupPrefix } = await import('../../src/drivers/process/cleanup.ts');
  await cleanupPrefix(prefix, `${prefix}-br0`).catch(() => undefined);
}

/** What an SDK call rejects with (name = the AWS error code, HTTP status); throws when the call succeeds. */
export async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}
