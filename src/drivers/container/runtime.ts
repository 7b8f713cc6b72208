import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from '../../core/log.ts';
import type { DriverCapabilities, ExecOptions, ExecResult, IngressRule, WorkloadStats } from '../driver.ts';
import { procsFiles, type CgroupSet } from '../process/cgroups.ts';
import { ensureBridge, NetDeleter, type NetNames } from '../process/netns.ts';
import { delay, run, sq } from '../process/run.ts';
import { processStart } from '../process/token.ts';
import { decodeHandleToken, encodeHandleToken } from '../handle-token.ts';
import { ContainerStartError, launch } from './launcher.ts';
import { ociConfig } from './oci-config.ts';
import { probeContainerHost, type ContainerHostProbe } from './probe.ts';
import { createSandbox, destroySandbox, sandboxStats, setSandboxIngress, type SandboxHost, type SandboxState } from './sandbox.ts';
import type { ContainerExit, ContainerHandle, ContainerSpec, RuntimeCapabilities, SandboxHandle, SandboxSpec } from './types.ts';
import { Listeners } from '../listeners.ts';

// The OCI container runtime: sandboxes (a task's cgroup + network namespace) and containers in them, run by crun
// from images of the local image store. What ECS tasks (src/engines/containers) and the container Driver
// (./index.ts) are built on.
//
// LIMITATIONS
// - crun only (NIMBUS_OCI_RUNTIME names another runc-compatible binary; `none` simulates a host without one).
// - Limits are per sandbox (the task's CPU and memory); per-container memory limits are not enforced separately.
// - No user namespaces (containers run as root of the host, with Docker's default capabilities), no seccomp profile,
//   no AppArmor/SELinux labels. Images are trusted: they come from your own `nimbus image import`.
// - Container writes live in an overlay upper directory and are deleted with the task (as on Fargate).

export class ContainerRuntimeUnavailable extends Error {}

interface ContainerState {
  spec: ContainerSpec;
  dir: string;
  crunId: string;
  launcherPid: number;
  launcherStart: number;
  pid: number;
  child?: import('node:child_process').ChildProcess;
  gone: boolean;
  exited: Promise<void>;
  markExited: () => void;
  stopping: boolean;
}

interface Sandbox {
  spec: SandboxSpec;
  state: SandboxState;
  containers: Map<string, ContainerState>;
  oomSeen: number;
}

interface SandboxToken { v: 1; net?: NetNames; cg: CgroupSet; netns: string; files: SandboxState['files'] }
interface ContainerToken { v: 1; launcherPid: number; launcherStart: number; pid: number; dir: string; crunId: string }

export interface ContainerRuntimeOptions {
  log: Logger;
  /** Same prefix and bridge as the process driver: one bridge per Nimbus, cleaned up together. */
  namePrefix: string;
  bridge: string;
  /** The process driver's probe results (skips a second probe); it has set up the bridge. */
  host?: DriverCapabilities;
  /** Standalone (no process driver): create the bridge with this gateway address, e.g. '172.29.0.1/16'. */
  bridgeGatewayCidr?: string;
}

export class ContainerRuntime {
  private probe?: ContainerHostProbe;
  private h?: SandboxHost;
  private sandboxes = new Map<string, Sandbox>();
  private listeners: Listeners<ContainerExit>;
  private poller?: NodeJS.Timeout;
  private closed = false;

  constructor(private o: ContainerRuntimeOptions) {
    this.listeners = new Listeners(o.log, 'container exit listener');
  }

  private get crunRoot(): string {
    return join('/run', this.o.namePrefix, 'crun');
  }

  async init(): Promise<RuntimeCapabilities> {
    this.probe = await probeContainerHost(this.o.namePrefix, this.o.host);
    const p = this.probe;
    if (!p.unavailableReason) {
      await mkdir(this.crunRoot, { recursive: true });
      if (this.o.bridgeGatewayCidr) await ensureBridge(p.tools!.ip, this.o.bridge, this.o.bridgeGatewayCidr, undefined);
      this.h = {
        tools: p.tools!, cgroups: p.cgroups!, deleter: new NetDeleter(p.tools!.ip), prefix: this.o.namePrefix, bridge: this.o.bridge, firewall: p.firewall,
        taken: () => new Set([...this.sandboxes.values()].flatMap((s) => (s.state.net ? [s.state.net.ns, s.state.net.veth] : []))),
      };
    } else this.o.log.warn(`container runtime: ${p.unavailableReason}`);
    return this.capabilities();
  }

  capabilities(): RuntimeCapabilities {
    const p = this.probe;
    if (!p) return { available: false, firewall: false, warnings: ['container runtime not initialised'], unavailableReason: 'container runtime not initialised' };
    return {
      available: !p.unavailableReason, runtime: p.crun, version: p.version, firewall: p.firewall,
      warnings: [...(p.unavailableReason ? [p.unavailableReason] : []), ...p.warnings], unavailableReason: p.unavailableReason,
    };
  }

  private host(): SandboxHost {
    if (this.closed) throw new ContainerRuntimeUnavailable('the container runtime is shut down');
    if (!this.h) throw new ContainerRuntimeUnavailable(this.probe?.unavailableReason ?? 'container runtime not initialised');
    return this.h;
  }

  /** Called once per container exit that stopContainer()/destroySandbox() did not ask for. */
  onExit(listener: (e: ContainerExit) => void): void {
    this.listeners.add(listener);
  }

  // ------------------------------------------------------------------ sandboxes

  async createSandbox(spec: SandboxSpec): Promise<SandboxHandle> {
    const h = this.host();
    if (this.sandboxes.has(spec.id)) throw new Error(`sandbox ${spec.id} exists`);
    await mkdir(spec.stateDir, { recursive: true });
    const state = await createSandbox(h, spec);
    this.sandboxes.set(spec.id, { spec, state, containers: new Map(), oomSeen: 0 });
    const token: SandboxToken = { v: 1, net: state.net, cg: state.cg, netns: state.netns, files: state.files };
    return { id: spec.id, token: encodeHandleToken(token) };
  }

  hasSandbox(id: string): boolean {
    return this.sandboxes.has(id);
  }

  /** Stops every container (SIGKILL after graceMs) and frees the sandbox's host objects. No exit events. */
  async destroySandbox(id: string, graceMs = 0): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await Promise.all([...sb.containers.keys()].map((n) => this.stopContainer(id, n, { graceMs })));
    this.sandboxes.delete(id);
    await destroySandbox(this.host(), sb.state);
  }

  /** After a Nimbus restart: re-attach to a sandbox. False (and its leftovers freed) when its cgroup is gone. */
  async adoptSandbox(spec: SandboxSpec, token: string): Promise<boolean> {
    const h = this.host();
    const t = decodeHandleToken<SandboxToken>(token);
    if (!t) return false;
    const alive = existsSync(Object.values(t.cg.dirs)[0] ?? '/nonexistent') && (!t.net || existsSync(`/run/netns/${t.net.ns}`));
    if (!alive) {
      await destroySandbox(h, t);
      return false;
    }
    this.sandboxes.set(spec.id, { spec, state: { net: t.net, cg: t.cg, netns: t.netns, files: t.files }, containers: new Map(), oomSeen: 0 });
    return true;
  }

  async setIngress(id: string, rules: IngressRule[]): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    sb.spec = { ...sb.spec, ingress: rules };
    await setSandboxIngress(this.host(), sb.state, rules);
  }

  async stats(id: string): Promise<WorkloadStats | undefined> {
    const sb = this.sandboxes.get(id);
    return sb ? sandboxStats(sb.state) : undefined;
  }

  // ------------------------------------------------------------------ containers

  async startContainer(sandboxId: string, spec: ContainerSpec): Promise<ContainerHandle> {
    const h = this.host();
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) throw new Error(`sandbox ${sandboxId} does not exist`);
    if (sb.containers.has(spec.name)) throw new Error(`container ${spec.name} already runs in ${sandboxId}`);
    const dir = join(resolve(sb.spec.stateDir), 'containers', spec.name.replace(/[^A-Za-z0-9_.-]/g, '_'));
    await rm(dir, { recursive: true, force: true });
    await Promise.all(['rootfs', 'upper', 'work'].map((d) => mkdir(join(dir, d), { recursive: true })));
    const files = [
      { source: sb.state.files.hosts, destination: '/etc/hosts' },
      ...(sb.state.files.resolv ? [{ source: sb.state.files.resolv, destination: '/etc/resolv.conf' }] : []),
      ...(spec.meminfo ? [{ source: sb.state.files.meminfo, destination: '/proc/meminfo' }] : []),
    ];
    if (!sb.state.netns) throw new Error(`sandbox ${sandboxId} has no network namespace`);
    await writeFile(join(dir, 'config.json'), JSON.stringify(ociConfig({ spec, hostname: sb.spec.hostname, rootfs: join(dir, 'rootfs'), netns: sb.state.netns, files })));
    const crunId = `${sandboxId}-${spec.name}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 120);
    const t = h.tools;
    const launched = await launch({
      dir, crun: this.probe!.crun!, unshare: t.unshare, sh: t.sh, crunRoot: this.crunRoot, crunId, procsFiles: procsFiles(sb.state.cg),
      lower: spec.image === 'host' ? 'host' : spec.image.rootfs, unmountUnified: this.probe!.hybridCgroups, output: spec.outputFile,
    });
    const c = this.track(sandboxId, sb, spec, { dir, crunId, launcherPid: launched.launcherPid, launcherStart: (await processStart(launched.launcherPid)) ?? 0, pid: launched.pid, child: launched.child });
    const token: ContainerToken = { v: 1, launcherPid: c.launcherPid, launcherStart: c.launcherStart, pid: c.pid, dir, crunId };
    return { sandboxId, name: spec.name, pid: c.pid, token: encodeHandleToken(token) };
  }

  /** After a Nimbus restart: true when the container still runs (it is watched again). */
  async adoptContainer(sandboxId: string, spec: ContainerSpec, token: string): Promise<boolean> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) return false;
    const t = decodeHandleToken<ContainerToken>(token);
    if (!t) return false;
    if ((await processStart(t.launcherPid)) !== t.launcherStart) return false;
    this.track(sandboxId, sb, spec, { dir: t.dir, crunId: t.crunId, launcherPid: t.launcherPid, launcherStart: t.launcherStart, pid: t.pid });
    return true;
  }

  /** The exit code a container recorded (for containers that ended while Nimbus was down). */
  recordedExitCode(token: string): number | null {
    try {
      const t = JSON.parse(Buffer.from(token, 'base64url').toString()) as ContainerToken;
      const text = readFileSync(join(t.dir, 'exit'), 'utf8').trim();
      return text ? Number(text) : null;
    } catch {
      return null;
    }
  }

  private track(sandboxId: string, sb: Sandbox, spec: ContainerSpec, t: Pick<ContainerState, 'dir' | 'crunId' | 'launcherPid' | 'launcherStart' | 'pid' | 'child'>): ContainerState {
    let markExited!: () => void;
    const exited = new Promise<void>((r) => (markExited = r));
    const c: ContainerState = { ...t, spec, gone: false, exited, markExited, stopping: false };
    sb.containers.set(spec.name, c);
    if (t.child) {
      t.child.once('exit', (code, signal) => void this.onContainerGone(sandboxId, c, code ?? (signal ? 128 + signalNumber(signal) : null)));
      if (t.child.exitCode !== null || t.child.signalCode !== null) void this.onContainerGone(sandboxId, c, t.child.exitCode);
    } else this.ensurePoller();
    return c;
  }

  private ensurePoller(): void {
    if (this.poller) return;
    this.poller = setInterval(() => {
      for (const [id, sb] of this.sandboxes) {
        for (const c of sb.containers.values()) {
          if (c.child || c.gone) continue;
          void processStart(c.launcherPid).then((s) => {
            if (s !== c.launcherStart) void this.onContainerGone(id, c, this.exitFile(c));
          });
        }
      }
    }, 250);
    this.poller.unref();
  }

  private exitFile(c: ContainerState): number | null {
    try {
      const text = readFileSync(join(c.dir, 'exit'), 'utf8').trim();
      return text ? Number(text) : null;
    } catch {
      return null;
    }
  }

  private async onContainerGone(sandboxId: string, c: ContainerState, code: number | null): Promise<void> {
    if (c.gone) return;
    c.gone = true;
    c.markExited();
    // crun removes its state when it exits normally; not when it was killed with the container.
    void rm(join(this.crunRoot, c.crunId), { recursive: true, force: true }).catch(() => undefined);
    const sb = this.sandboxes.get(sandboxId);
    if (sb?.containers.get(c.spec.name) === c) sb.containers.delete(c.spec.name);
    if (c.stopping || this.closed) return;
    const stats = sb ? await sandboxStats(sb.state) : undefined;
    const oomKilled = !!stats && stats.oomKills > (sb?.oomSeen ?? 0) && (code === 137 || code === null);
    if (sb && stats) sb.oomSeen = stats.oomKills;
    const e: ContainerExit = { sandboxId, name: c.spec.name, exitCode: code, oomKilled };
    this.o.log.debug(e, 'container runtime: container exited');
    this.listeners.emit(e);
  }

  /** The container's init as the host sees it (undefined when not running). */
  containerPid(sandboxId: string, name: string): number | undefined {
    const c = this.sandboxes.get(sandboxId)?.containers.get(name);
    return c && !c.gone ? c.pid : undefined;
  }

  isRunning(sandboxId: string, name: string): boolean {
    const c = this.sandboxes.get(sandboxId)?.containers.get(name);
    return !!c && !c.gone;
  }

  /** Sends the stop signal, then SIGKILL after graceMs (ECS stopTimeout). No exit event. Resolves once it is gone. */
  async stopContainer(sandboxId: string, name: string, opts: { graceMs?: number; signal?: NodeJS.Signals } = {}): Promise<number | null> {
    const c = this.sandboxes.get(sandboxId)?.containers.get(name);
    if (!c) return null;
    c.stopping = true;
    const grace = opts.graceMs ?? 30_000;
    const kill = (sig: NodeJS.Signals) => {
      try {
        process.kill(c.pid, sig);
      } catch {
        /* gone */
      }
    };
    if (!c.gone && grace > 0) {
      kill(opts.signal ?? 'SIGTERM');
      await this.waitGone(c, grace);
    }
    if (!c.gone) {
      kill('SIGKILL');
      // The launcher and crun go with the container; if crun hangs, its whole group goes.
      if (!(await this.waitGone(c, 3000))) {
        try {
          process.kill(-c.launcherPid, 'SIGKILL');
        } catch {
          /* gone */
        }
        await this.waitGone(c, 2000);
      }
    }
    const sb = this.sandboxes.get(sandboxId);
    if (sb?.containers.get(name) === c) sb.containers.delete(name);
    return this.exitFile(c);
  }

  private async waitGone(c: ContainerState, ms: number): Promise<boolean> {
    if (c.child) {
      await Promise.race([c.exited, delay(ms)]);
      return c.gone;
    }
    const deadline = Date.now() + ms;
    while (!c.gone && Date.now() < deadline) {
      if ((await processStart(c.launcherPid)) !== c.launcherStart) {
        c.gone = true;
        c.markExited();
        break;
      }
      await delay(20);
    }
    return c.gone;
  }

  /** Runs a command inside a running container (its namespaces, root and cgroup), e.g. a health check. */
  async exec(sandboxId: string, name: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const sb = this.sandboxes.get(sandboxId);
    const c = sb?.containers.get(name);
    if (!sb || !c || c.gone) throw new Error(`container ${name} of ${sandboxId} is not running`);
    if (!argv.length) throw new Error('exec needs a command');
    const t = this.host().tools;
    const user = c.spec.user && c.spec.user !== '0:0' ? c.spec.user.split(':') : undefined;
    const joinCg = procsFiles(sb.state.cg).map((f) => `echo $$ > ${sq(f)};`).join(' ');
    const enter = `${joinCg} exec ${sq(t.nsenter)} -t ${c.pid} -m -u -i -n -p -r -w ${user ? `-S ${user[0]} -G ${user[1] ?? user[0]}` : ''} -- "$@"`;
    const env: NodeJS.ProcessEnv = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', ...c.spec.env };
    const r = await run(t.sh, ['-c', enter, 'nimbus-exec', ...argv], { env, cwd: '/', input: opts.input, timeoutMs: opts.timeoutMs, group: true });
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  }

  /** argv that opens an interactive shell inside a container (run with stdio inherited). */
  shellCommand(sandboxId: string, name: string): string[] {
    const sb = this.sandboxes.get(sandboxId);
    const c = sb?.containers.get(name);
    if (!sb || !c) throw new Error(`container ${name} of ${sandboxId} is not running`);
    const t = this.host().tools;
    const joinCg = procsFiles(sb.state.cg).map((f) => `echo $$ > ${sq(f)};`).join(' ');
    return [t.sh, '-c', `${joinCg} exec ${sq(t.nsenter)} -t ${c.pid} -m -u -i -n -p -r -w -- /bin/sh`];
  }

  /** The container's output file (stdout and stderr). */
  outputFile(sandboxId: string, name: string): string | undefined {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) return undefined;
    const own = sb.containers.get(name)?.spec.outputFile;
    if (own) return own;
    return join(resolve(sb.spec.stateDir), 'containers', name.replace(/[^A-Za-z0-9_.-]/g, '_'), 'output.log');
  }

  /** Shutdown: stops every sandbox when asked (SIGKILL after graceMs), else leaves them for adoption. */
  async shutdown(opts: { stopAll: boolean; graceMs?: number }): Promise<void> {
    if (opts.stopAll && this.h) await Promise.all([...this.sandboxes.keys()].map((id) => this.destroySandbox(id, opts.graceMs ?? 0).catch(() => undefined)));
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    if (!this.sandboxes.size) await rm(this.crunRoot, { recursive: true, force: true }).catch(() => undefined);
  }
}

function signalNumber(sig: NodeJS.Signals): number {
  return (osConstants.signals as Record<string, number>)[sig] ?? 9;
}

export { ContainerStartError };

/** For tests: reads a container's output so far. */
export async function readOutput(file: string): Promise<string> {
  return readFile(file, 'utf8').catch(() => '');
}
