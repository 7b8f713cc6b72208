// The driver contract: how a workload (an EC2 instance today; Lambda sandboxes, ECS tasks later) is isolated.
// Every driver passes the same conformance suite (src/drivers/conformance.ts).

export interface DriverCapabilities {
  driver: string;
  /** 'namespaces' = pid/mount/uts/ipc/net namespaces; 'none' = plain child process. */
  isolation: 'namespaces' | 'vm' | 'container' | 'none';
  /** CPU/memory limits enforced (cgroups v1 or v2). */
  resourceLimits: boolean;
  cgroupVersion?: 1 | 2;
  /** Each workload gets its own private IP in a network namespace on a Nimbus bridge. */
  privateNetwork: boolean;
  /** Security-group rules enforced (nftables). */
  firewall: boolean;
  /**
   * Where the instance metadata service must listen on the host so that workloads reach it at the
   * metadata address (169.254.169.254:80). Undefined when workloads cannot reach a host service.
   */
  metadataListen?: { host: string; port: number };
  /** Human-readable reasons for anything unavailable (shown at start-up and in API errors). */
  warnings: string[];
}

export interface NetworkAttachment {
  /** Private IPv4, e.g. '172.31.16.5'. */
  ip: string;
  /** Prefix length used on the instance interface (the VPC's, so every instance in the VPC is on-link). */
  prefixLength: number;
  /** Default gateway = the bridge address, e.g. '172.31.0.1'. */
  gateway: string;
  mac: string;
}

export interface IngressRule {
  /** 'tcp' | 'udp' | 'icmp' | '-1' (all). */
  protocol: string;
  fromPort?: number;
  toPort?: number;
  /** IPv4 CIDRs allowed, e.g. ['0.0.0.0/0'] or ['172.31.16.7/32']. */
  cidrs: string[];
}

export interface VolumeMount {
  volumeId: string;
  /** Directory on the host holding the volume's data. */
  hostPath: string;
  /** Where it appears inside the workload, e.g. '/mnt/xvdf'. */
  mountPath: string;
  /** The volume's size: drivers that give workloads a disk (vm) make it this big. Default 8. */
  sizeGiB?: number;
  /** The device name the API attached it as, e.g. '/dev/sdf' (a disk-giving driver links it to the disk). */
  device?: string;
}

export interface WorkloadSpec {
  id: string;
  hostname: string;
  vcpus: number;
  memoryMiB: number;
  /** Directory owned by this workload (console log, user data, generated files). Created by the caller. */
  stateDir: string;
  /** Executable script run at boot (already decoded user data), or undefined. */
  userData?: Buffer;
  env: Record<string, string>;
  network?: NetworkAttachment;
  ingress: IngressRule[];
  volumes: VolumeMount[];
  /**
   * Which driver runs it ('vm' | 'process'), e.g. from the instance's AMI; undefined: the server's default driver.
   * Only a routing driver (src/drivers/routing.ts) looks at it; a driver used on its own runs every workload.
   */
  driver?: string;
}

export interface WorkloadHandle {
  id: string;
  pid: number;
  /** Opaque, stored by the caller and handed back to adopt() after a Nimbus restart. */
  token: string;
}

export interface ExitInfo {
  id: string;
  code: number | null;
  signal: string | null;
  /** True when the kernel's OOM killer fired inside the workload's memory limit. */
  oomKilled: boolean;
}

export interface WorkloadStats {
  cpuUsageMicros: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  oomKills: number;
}

export interface ExecOptions {
  /** stdin to feed, if any. */
  input?: Buffer | string;
  timeoutMs?: number;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Driver {
  readonly name: string;
  /** Probe the host once; sets up the bridge for the VPC if possible. */
  init(): Promise<DriverCapabilities>;
  capabilities(): DriverCapabilities;
  start(spec: WorkloadSpec): Promise<WorkloadHandle>;
  /** Graceful stop (SIGTERM, then SIGKILL after graceMs). Resolves when the workload is gone and its resources freed. */
  stop(id: string, opts?: { graceMs?: number }): Promise<void>;
  /** Re-attach to a workload started by an earlier Nimbus process. Returns false when it is gone (resources cleaned up). */
  adopt(handle: WorkloadHandle, spec: WorkloadSpec): Promise<boolean>;
  isRunning(id: string): boolean;
  /** Called once per workload exit that was not asked for by stop(). */
  onExit(listener: (info: ExitInfo) => void): void;
  exec(id: string, argv: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Spawn an interactive shell inside the workload (nimbus ssh); returns argv to run with stdio inherited. */
  shellCommand(id: string): string[];
  setIngress(id: string, rules: IngressRule[]): Promise<void>;
  attachVolume(id: string, volume: VolumeMount): Promise<void>;
  detachVolume(id: string, volume: VolumeMount): Promise<void>;
  /**
   * Brings the host directories of the workload's attached volumes up to date with what it wrote, for
   * drivers whose volumes are not the directories themselves (vm: disks). Snapshots call it first.
   */
  flushVolumes?(id: string): Promise<void>;
  stats(id: string): Promise<WorkloadStats | undefined>;
  /** Stop nothing, but release host resources owned by the driver (bridge etc.) when Nimbus shuts down cleanly with no workloads. */
  shutdown(opts: { stopWorkloads: boolean }): Promise<void>;
}
