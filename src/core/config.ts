import { resolve } from 'node:path';

export interface NimbusConfig {
  host: string;
  port: number;
  /** Where SQLite state, instance consoles and volumes live. */
  dataDir: string;
  /** Keep state in memory only (instance files still go to a temporary data dir). */
  inMemory: boolean;
  driver: 'process';
  /** Force the process driver's plain-child mode even as root (no isolation). */
  plainProcesses: boolean;
  region: string;
  /** The default VPCs' CIDR, served by one bridge. */
  vpcCidr: string;
  /** Prefix for every host object Nimbus creates (bridge, netns, veth, cgroups). */
  namePrefix: string;
  maxInstances: number;
  stopGraceMs: number;
  /** Where instances reach IMDS; on the bridge when networking is available. */
  metadataAddress: string;
  logLevel: string;
  /** Simulated time: the clock runs this many times faster than the wall clock (1 = real time). */
  clockSpeed: number;
}

export function defaultConfig(overrides: Partial<NimbusConfig> = {}): NimbusConfig {
  const env = process.env;
  const cfg: NimbusConfig = {
    host: env.NIMBUS_HOST ?? '127.0.0.1',
    port: Number(env.NIMBUS_PORT ?? 4566),
    dataDir: resolve(env.NIMBUS_DATA_DIR ?? '.nimbus'),
    inMemory: env.NIMBUS_IN_MEMORY === '1',
    driver: 'process',
    plainProcesses: env.NIMBUS_PLAIN_PROCESSES === '1',
    region: env.NIMBUS_REGION ?? env.AWS_REGION ?? 'us-east-1',
    vpcCidr: env.NIMBUS_VPC_CIDR ?? '172.31.0.0/16',
    namePrefix: env.NIMBUS_NAME_PREFIX ?? 'nimbus',
    maxInstances: Number(env.NIMBUS_MAX_INSTANCES ?? 1000),
    stopGraceMs: Number(env.NIMBUS_STOP_GRACE_MS ?? 3000),
    metadataAddress: env.NIMBUS_METADATA_ADDRESS ?? '169.254.169.254',
    logLevel: env.NIMBUS_LOG_LEVEL ?? 'info',
    clockSpeed: Number(env.NIMBUS_CLOCK_SPEED ?? 1) || 1,
    ...overrides,
  };
  return cfg;
}
