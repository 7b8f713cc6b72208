import { resolve } from 'node:path';

export interface NimbusConfig {
  host: string;
  port: number;
  /** Where SQLite state, instance consoles and volumes live. */
  dataDir: string;
  /** Keep state in memory only (instance files still go to a temporary data dir). */
  inMemory: boolean;
  /** How instances are isolated: 'process' (namespaces + cgroups) or 'vm' (QEMU microvm; NIMBUS_DRIVER=vm, nimbus up --driver vm). */
  driver: 'process' | 'vm';
  /**
   * With the process driver as default: 'auto' also runs the VM driver for VM AMIs where the host can (QEMU, guest
   * kernel, busybox, root); 'off' (NIMBUS_VM=off) never does, and RunInstances of a VM AMI answers `Unsupported`.
   */
  vm: 'auto' | 'off';
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
  /**
   * Verify every request's SigV4 signature against the known credentials (NIMBUS_STRICT_SIGV4=1, --strict-sigv4).
   * Off: any access key is accepted (a 12-digit key id is the account, known keys map to their account).
   */
  strictSigV4: boolean;
  /**
   * JSON file of access keys → { secretAccessKey, account, userName? } (NIMBUS_CREDENTIALS, --credentials).
   * Unset: <dataDir>/credentials.json when that file exists.
   */
  credentialsFile?: string;
  /** Largest request body the API accepts, in bytes (NIMBUS_MAX_BODY_BYTES; Lambda code uploads may be larger). */
  maxBodyBytes: number;
}

export function defaultConfig(overrides: Partial<NimbusConfig> = {}): NimbusConfig {
  const env = process.env;
  const cfg: NimbusConfig = {
    host: env.NIMBUS_HOST ?? '127.0.0.1',
    port: Number(env.NIMBUS_PORT ?? 4566),
    dataDir: resolve(env.NIMBUS_DATA_DIR ?? '.nimbus'),
    inMemory: env.NIMBUS_IN_MEMORY === '1',
    driver: env.NIMBUS_DRIVER === 'vm' ? 'vm' : 'process',
    vm: ['off', '0', 'false', 'no'].includes((env.NIMBUS_VM ?? '').toLowerCase()) ? 'off' : 'auto',
    plainProcesses: env.NIMBUS_PLAIN_PROCESSES === '1',
    region: env.NIMBUS_REGION ?? env.AWS_REGION ?? 'us-east-1',
    vpcCidr: env.NIMBUS_VPC_CIDR ?? '172.31.0.0/16',
    namePrefix: env.NIMBUS_NAME_PREFIX ?? 'nimbus',
    maxInstances: Number(env.NIMBUS_MAX_INSTANCES ?? 1000),
    stopGraceMs: Number(env.NIMBUS_STOP_GRACE_MS ?? 3000),
    metadataAddress: env.NIMBUS_METADATA_ADDRESS ?? '169.254.169.254',
    logLevel: env.NIMBUS_LOG_LEVEL ?? 'info',
    clockSpeed: Number(env.NIMBUS_CLOCK_SPEED ?? 1) || 1,
    strictSigV4: env.NIMBUS_STRICT_SIGV4 === '1' || env.NIMBUS_STRICT_SIGV4 === 'true',
    credentialsFile: env.NIMBUS_CREDENTIALS ? resolve(env.NIMBUS_CREDENTIALS) : undefined,
    maxBodyBytes: Number(env.NIMBUS_MAX_BODY_BYTES ?? 0) || 10 * 1024 * 1024,
    ...overrides,
  };
  return cfg;
}
