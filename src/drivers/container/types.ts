import type { IngressRule, NetworkAttachment, WorkloadStats } from '../driver.ts';
import type { ImageConfig } from './images.ts';

// What the OCI container runtime (src/drivers/container/runtime.ts) runs: a *sandbox* (one ECS task: its cgroup
// with the task's CPU and memory, its network namespace with a private IP on the Nimbus bridge, its firewall) and
// *containers* inside it (each its own OCI container from an image, sharing the sandbox's network namespace —
// ECS's awsvpc network mode).

export interface SandboxSpec {
  id: string;
  hostname: string;
  /** Directory owned by this sandbox (container bundles, logs). Created by the runtime. */
  stateDir: string;
  /** CPU quota (vCPUs × 100 %) and memory limit of the whole sandbox. */
  vcpus: number;
  memoryMiB: number;
  /** Own network namespace with this address (awsvpc / Fargate). */
  network?: NetworkAttachment;
  /**
   * Share an existing network namespace instead (ECS host/bridge network modes on an EC2 container instance):
   * the namespace file of a process in it, e.g. /proc/<pid>/ns/net.
   */
  joinNetns?: string;
  ingress: IngressRule[];
  /** Rewrite the instance metadata address to a host service (the container Driver's IMDS, see firewall.ts). */
  metadataNat?: { address: string; target: string };
}

export interface ContainerMount {
  /** Host directory or file. */
  source: string;
  destination: string;
  readOnly?: boolean;
}

export interface ContainerSpec {
  name: string;
  /** The image's root filesystem (read-only lower layer) and config; 'host' = the host's own filesystem, read-only. */
  image: { rootfs: string; config: ImageConfig } | 'host';
  /** The process: entrypoint + command, already merged with the image's. */
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Numeric uid/gid (resolved from the image's /etc/passwd by the caller or here). */
  user?: string;
  readonlyRootFilesystem?: boolean;
  mounts?: ContainerMount[];
  capabilities?: { add?: string[]; drop?: string[] };
  /** A file bound over /proc/meminfo (shows the sandbox's memory). */
  meminfo?: boolean;
  /** All capabilities, no masked /proc paths. */
  privileged?: boolean;
  /** Where stdout and stderr go (default: <sandbox>/containers/<name>/output.log). */
  outputFile?: string;
}

export interface SandboxHandle {
  id: string;
  /** Opaque: enough to find and free the sandbox's host objects after a Nimbus restart. */
  token: string;
}

export interface ContainerHandle {
  sandboxId: string;
  name: string;
  /** The container's init as the host sees it. */
  pid: number;
  /** Opaque: enough to re-attach after a Nimbus restart. */
  token: string;
}

export interface ContainerExit {
  sandboxId: string;
  name: string;
  /** Exit code (128 + n for a signal, as docker reports it); null when unknown (adopted, gone while Nimbus was down). */
  exitCode: number | null;
  /** The OOM killer fired in the sandbox's memory cgroup. */
  oomKilled: boolean;
}

export interface RuntimeCapabilities {
  /** A container can run here: crun present, root, namespaces, cgroups, bridge. */
  available: boolean;
  runtime?: string;
  version?: string;
  firewall: boolean;
  /** Why it cannot run (or what is degraded); shown at start-up and in task stopped reasons. */
  warnings: string[];
  /** The single reason containers cannot run, when available is false. */
  unavailableReason?: string;
}

export type { WorkloadStats };
