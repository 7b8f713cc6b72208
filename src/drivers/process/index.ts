import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '../../core/log.ts';
import { SerialQueue } from '../../core/serial.ts';
import type {
  Driver, DriverCapabilities, ExecOptions, ExecResult, ExitInfo, IngressRule, VolumeMount, WorkloadHandle, WorkloadSpec, WorkloadStats,
} from '../driver.ts';
import { cgroupStats, destroyCgroup, procsFiles, type CgroupHost, type CgroupSet } from './cgroups.ts';
import { applyRuleset, renderRuleset } from './firewall.ts';
import { bootScript, fstab, hostsFile, meminfo, resolvConf } from './init-script.ts';
import {
  bridgePorts, ensureBridge, deleteBridge, gatewayClashes, hostBatch, namespacesWithPrefix, NetDeleter, netNames, netnsInode, netnsInUse, nsBatch, validateNetwork,
  type NetNames,
} from './netns.ts';
import { probeHost, type Tools } from './probe.ts';
import { delay, run, sq } from './run.ts';
import { spawnBoot } from './spawn.ts';
import { decodeToken, encodeToken, firstChild, processStart, type TokenData } from './token.ts';
import { inGuest, linkPlain, mountInto, plainVolumesDir, unlinkPlain, unmountFrom, type Stash } from './volumes.ts';
import { Listeners } from '../listeners.ts';

/** Host paths an instance's mount namespace covers with its own (private /tmp; the root volume on /root). */
const COVERED = ['/tmp', '/root'];

// The process driver: an instance is a process tree in its own pid/mount/uts/ipc/net namespaces,
// limited by a cgroup, with a veth on the Nimbus bridge and nftables for its security groups.
// Without root (or with forcePlain) it degrades to a plain detached process and says so.
//
// LIMITATIONS
// - No root filesystem of its own: the instance sees the host's files (with a private /tmp, its own
//   /proc, hostname and a /proc/meminfo showing the type's memory). Volume mount points are created
//   on the host filesystem (mkdir), as the instance shares it.
// - nproc shows min(vcpus, host CPUs); the CPU quota is still vcpus × 100%.
// - Plain mode: no limits, no private IP (servers bind on the host), no security groups, volumes
//   are symlinks under <stateDir>/volumes (NIMBUS_VOLUMES_DIR), stats() returns undefined.

export interface ProcessDriverOptions {
  dataDir: string;
  log: Logger;
  /** Prefix for the bridge, netns, veths and cgroups this driver creates. */
  namePrefix: string;
  bridge: { name: string; gatewayCidr: string };
  /**
   * What instances dial for IMDS (169.254.169.254). With nftables, each netns DNATs it to the
   * bridge gateway on port 80, so several Nimbus servers (different VPC CIDRs) each have their own
   * IMDS. Without nftables, the address itself is put on the bridge as a /32 (one server per host).
   */
  metadataAddress: string;
  forcePlain?: boolean;
  pidsMax?: number;
  bootTimeoutMs?: number;
  /** More host files/directories instances must not see besides the data dir (e.g. a credentials file elsewhere). */
  hide?: string[];
}

interface Workload {
  spec: WorkloadSpec;
  mode: 'namespaces' | 'plain';
  pid: number;
  start: number;
  initPid?: number;
  net?: NetNames;
  cg?: CgroupSet;
  stash: Stash;
  child?: ChildProcess;
  token: string;
  gone: boolean;
  stopping?: Promise<void>;
  exited: Promise<void>;
  markExited: () => void;
  ruleset?: string;
  /** Firewall changes, applied in call order. */
  ingress: SerialQueue;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export class ProcessDriver implements Driver {
  readonly name = 'process';
  private caps: DriverCapabilities = {
    driver: 'process', isolation: 'none', resourceLimits: false, privateNetwork: false, firewall: false, warnings: ['driver not initialised'],
  };
  private tools?: Tools;
  private cgroups?: CgroupHost;
  private deleter?: NetDeleter;
  private workloads = new Map<string, Workload>();
  /** Names handed out to workloads that are starting or running (collision check). */
  private names = new Map<string, NetNames>();
  private listeners: Listeners<ExitInfo>;
  private poller?: NodeJS.Timeout;
  private closed = false;
  private dataDir: string;

  constructor(private opts: ProcessDriverOptions) {
    this.listeners = new Listeners(this.opts.log);
    this.dataDir = resolve(opts.dataDir);
  }

  private get namespaced(): boolean {
    return this.caps.isolation === 'namespaces';
  }

  private get stashDir(): string {
    return join('/run', this.opts.namePrefix);
  }

  async init(): Promise<DriverCapabilities> {
    const { namePrefix: prefix, bridge } = this.opts;
    await mkdir(this.dataDir, { recursive: true });
    const probe = await probeHost(prefix, this.opts.forcePlain ?? false);
    const warnings = [...probe.warnings];
    if (probe.tools && probe.cgroups) {
      try {
        const clash = await gatewayClashes(probe.tools.ip, bridge.name, bridge.gatewayCidr);
        if (clash.length) {
          warnings.push(`${bridge.gatewayCidr} is also on ${clash.join(', ')} (another Nimbus with the same VPC CIDR?): the host may route instance traffic there, so instances can be unreachable`);
        }
        await ensureBridge(probe.tools.ip, bridge.name, bridge.gatewayCidr, probe.firewall ? undefined : this.opts.metadataAddress);
        await mkdir(join(this.stashDir, 'data'), { recursive: true });
        await mkdir(join(this.stashDir, 'state'), { recursive: true });
        await mkdir(join(this.stashDir, 'volumes'), { recursive: true });
        await mkdir(join(this.dataDir, 'volumes'), { recursive: true });
        this.tools = probe.tools;
        this.cgroups = probe.cgroups;
        this.deleter = new NetDeleter(probe.tools.ip);
      } catch (err) {
        warnings.push(`cannot set up bridge ${bridge.name} (${(err as Error).message}): instances run as plain processes without CPU/memory limits, private IPs or security groups`);
      }
    }
    const ns = !!this.tools;
    this.caps = {
      driver: 'process', isolation: ns ? 'namespaces' : 'none', resourceLimits: ns, cgroupVersion: ns ? this.cgroups!.version : undefined,
      privateNetwork: ns, firewall: ns && probe.firewall, warnings,
      metadataListen: ns ? (probe.firewall ? { host: this.gatewayIp(), port: 80 } : { host: this.opts.metadataAddress, port: 80 }) : undefined,
    };
    if (ns) await this.removeLeftovers();
    for (const w of warnings) this.opts.log.warn(`process driver: ${w}`);
    return this.capabilities();
  }

  private gatewayIp(): string {
    return this.opts.bridge.gatewayCidr.split('/')[0];
  }

  /** The DNAT that makes 169.254.169.254:80 reach this server's IMDS (see firewall.ts). */
  private metadataNat(): { address: string; target: string } | undefined {
    return this.caps.metadataListen && this.caps.firewall ? { address: this.opts.metadataAddress, target: `${this.gatewayIp()}:80` } : undefined;
  }

  capabilities(): DriverCapabilities {
    return { ...this.caps, warnings: [...this.caps.warnings] };
  }

  /**
   * A previous run may have died (kill -9, host reboot) and left host objects behind. Namespaces that
   * no process is in and empty cgroups cannot belong to a live workload, so they go now; live ones
   * are left for adopt().
   */
  private async removeLeftovers(): Promise<void> {
    const inUse = await netnsInUse();
    const stale: string[] = [];
    for (const ns of await namespacesWithPrefix(this.opts.namePrefix)) {
      const ino = await netnsInode(ns);
      if (ino === undefined || !inUse.has(ino)) stale.push(ns);
    }
    await Promise.all(stale.map((ns) => this.deleter!.delete({ ns })));
    // rmdir only succeeds on a cgroup without tasks: live workloads keep theirs.
    for (const dir of await this.cgroups!.list(this.opts.namePrefix)) await rmdir(dir).catch(() => undefined);
    if (stale.length) this.opts.log.info({ count: stale.length }, 'process driver: removed leftover network namespaces');
  }

  async start(spec: WorkloadSpec): Promise<WorkloadHandle> {
    if (this.closed) throw new Error('process driver is shut down');
    if (this.workloads.has(spec.id) || this.names.has(spec.id)) throw new Error(`workload ${spec.id} is already running`);
    const w = this.namespaced ? await this.startNamespaced(spec) : await this.startPlain(spec);
    this.workloads.set(spec.id, w);
    return { id: spec.id, pid: w.pid, token: w.token };
  }

  /**
   * Host directories bound inside the instance before anything covers them. Issue 8: the data dir itself is not
   * among them (the instance must not read state.db, other instances' files, the workload key): only the instance's
   * own state dir, the volumes dir (for volumes attached later; covered once the boot mounts are done) and each
   * volume source that would otherwise be hidden.
   */
  private stashFor(spec: WorkloadSpec): Stash {
    const state = resolve(spec.stateDir);
    const stash: Stash = [[state, join(this.stashDir, 'state')], [join(this.dataDir, 'volumes'), join(this.stashDir, 'volumes')]];
    // Volume sources under paths the instance covers (its private /tmp, a root volume on /root, the data dir) are
    // bound first too, or they would be hidden by then (e.g. Nimbus running from a checkout in /tmp).
    spec.volumes.forEach((v, i) => {
      const src = resolve(v.hostPath);
      if (inGuest(stash, src) === src && [...COVERED, this.dataDir].some((c) => src === c || src.startsWith(`${c}/`))) stash.push([src, join(this.stashDir, `vol${i}`)]);
    });
    return stash;
  }

  /** What the instance must not see (issue 8): covered at the end of its mounts. */
  private hidden(): { dirs: string[]; files: string[] } {
    const under = (p: string, dirs: string[]) => dirs.some((c) => p === c || p.startsWith(`${c}/`));
    const dirs: string[] = [];
    const files: string[] = [];
    // The data dir (unless a private /tmp or /root hides it already), and the stash of all volumes.
    for (const p of [this.dataDir, ...(this.opts.hide ?? []).map((x) => resolve(x))]) {
      if (under(p, COVERED)) continue;
      try {
        (statSync(p).isDirectory() ? dirs : files).push(p);
      } catch {
        // not there: nothing to hide
      }
    }
    dirs.push(join(this.stashDir, 'volumes'));
    // The host's disks: a process of the instance could otherwise read Nimbus's database off the raw device.
    for (const name of blockDevices()) files.push(`/dev/${name}`);
    return { dirs, files };
  }

  private async startNamespaced(spec: WorkloadSpec): Promise<Workload> {
    // Mount points for stashed volume sources (shared by all workloads: each binds them in its own namespace).
    await Promise.all(spec.volumes.map((_, i) => mkdir(join(this.stashDir, `vol${i}`), { recursive: true })));
    const tools = this.tools!;
    const prefix = this.opts.namePrefix;
    if (spec.network) validateNetwork(spec.network);
    const taken = new Set([...this.names.values()].flatMap((n) => [n.ns, n.veth]));
    const net = netNames(prefix, spec.id, (n) => taken.has(n.ns) || taken.has(n.veth));
    this.names.set(spec.id, net);
    const stash = this.stashFor(spec);
    const state = resolve(spec.stateDir);
    const file = (name: string) => join(state, name);
    const cpus = this.cgroups!.pickCpus(spec.vcpus);
    let cg: CgroupSet | undefined;
    try {
      const ruleset = renderRuleset(spec.ingress);
      // Shown over the host's files only where those exist (a bind mount needs a target).
      const etcFiles: [string, string][] = [];
      if (existsSync('/etc/hosts')) etcFiles.push([inGuest(stash, file('hosts')), '/etc/hosts']);
      if (spec.network && existsSync('/etc/resolv.conf')) etcFiles.push([inGuest(stash, file('resolv.conf')), '/etc/resolv.conf']);
      const guestVolumes = spec.volumes.map((v) => ({ source: inGuest(stash, resolve(v.hostPath)), target: v.mountPath }));
      const [set] = await Promise.all([
        this.cgroups!.create(prefix, spec.id, { memoryMiB: spec.memoryMiB, vcpus: spec.vcpus, pidsMax: this.opts.pidsMax ?? 4096 }, cpus),
        writeFile(file('meminfo'), meminfo(spec.memoryMiB)),
        writeFile(file('hosts'), hostsFile(spec)),
        spec.network ? writeFile(file('resolv.conf'), resolvConf(spec.network.gateway)) : undefined,
        writeFile(file('fstab'), fstab({
          stashes: stash, meminfo: inGuest(stash, file('meminfo')), files: etcFiles, volumes: guestVolumes,
          freshSysfs: true, readOnly: ['/proc/sys', '/proc/sysrq-trigger'].filter((x) => existsSync(x)), hide: this.hidden(),
        })),
        this.caps.firewall ? writeFile(file('ingress.nft'), renderRuleset(spec.ingress, true, this.metadataNat())) : undefined,
        spec.userData ? writeFile(file('user-data'), spec.userData, { mode: 0o755 }) : undefined,
      ]);
      cg = set;

      const script = bootScript({
        spec, tools, procsFiles: [],
        net: {
          ns: net.ns,
          hostBatch: spec.network ? hostBatch(net, this.opts.bridge.name, spec.network) : `netns add ${net.ns}\n`,
          nsBatch: spec.network ? nsBatch(spec.network) : 'link set lo up\n',
        },
        nftFile: this.caps.firewall ? file('ingress.nft') : undefined,
        taskset: this.cgroups!.hasCpuset ? undefined : cpus,
        fstabFile: file('fstab'),
        userDataPath: spec.userData ? inGuest(stash, file('user-data')) : undefined,
        guestScript: inGuest(stash, file('boot.sh')),
        setpriv: tools.setpriv,
      });
      await writeFile(file('boot.sh'), script, { mode: 0o755 });
      const { child, pid } = await spawnBoot({
        sh: tools.sh, script: file('boot.sh'), phase: 'host', stateDir: state, cwd: '/', env: this.envOf(spec), timeoutMs: this.opts.bootTimeoutMs ?? 30_000,
        beforeGo: (pid) => Promise.all(procsFiles(set).map((f) => writeFile(f, String(pid)))).then(() => undefined),
      });

      const [start, initPid] = await Promise.all([processStart(pid), firstChild(pid)]);
      const w = this.track(spec, { mode: 'namespaces', pid, start: start ?? 0, initPid, net: spec.network ? net : { ns: net.ns, veth: '' }, cg: set, stash, child });
      w.ruleset = this.caps.firewall ? ruleset : undefined;
      return w;
    } catch (err) {
      await Promise.all([cg ? destroyCgroup(cg) : undefined, this.deleter!.delete(net)]);
      this.names.delete(spec.id);
      throw err;
    }
  }

  private async startPlain(spec: WorkloadSpec): Promise<Workload> {
    const state = resolve(spec.stateDir);
    this.names.set(spec.id, { ns: '', veth: '' });
    try {
      await Promise.all([
        spec.userData ? writeFile(join(state, 'user-data'), spec.userData, { mode: 0o755 }) : undefined,
        ...spec.volumes.map((v) => linkPlain(state, v)),
      ]);
      await writeFile(join(state, 'boot.sh'), bootScript({ spec, procsFiles: [], userDataPath: spec.userData ? join(state, 'user-data') : undefined }), { mode: 0o755 });
      const env = { ...this.envOf(spec), NIMBUS_VOLUMES_DIR: plainVolumesDir(state) };
      const { child, pid } = await spawnBoot({
        sh: '/bin/sh', script: join(state, 'boot.sh'), phase: 'plain', stateDir: state, cwd: state, env, timeoutMs: this.opts.bootTimeoutMs ?? 30_000,
      });
      const start = await processStart(pid);
      return this.track(spec, { mode: 'plain', pid, start: start ?? 0, initPid: pid, stash: [], child });
    } catch (err) {
      this.names.delete(spec.id);
      throw err;
    }
  }

  private envOf(spec: WorkloadSpec): NodeJS.ProcessEnv {
    return { PATH: DEFAULT_PATH, HOME: '/root', ...spec.env };
  }

  /** Registers a live workload and wires its exit (child 'exit' for ours, /proc polling for adopted ones). */
  private track(spec: WorkloadSpec, t: Omit<Workload, 'spec' | 'token' | 'gone' | 'exited' | 'markExited' | 'ingress'>): Workload {
    let markExited!: () => void;
    const exited = new Promise<void>((r) => (markExited = r));
    const data: TokenData = { v: 1, mode: t.mode, pid: t.pid, start: t.start, net: t.net, cg: t.cg };
    const w: Workload = { ...t, spec, token: encodeToken(data), gone: false, exited, markExited, ingress: new SerialQueue() };
    if (t.child) {
      t.child.once('exit', (code, signal) => void this.onWorkloadExit(w, code, signal));
      if (t.child.exitCode !== null || t.child.signalCode !== null) void this.onWorkloadExit(w, t.child.exitCode, t.child.signalCode);
    } else this.ensurePoller();
    return w;
  }

  private ensurePoller(): void {
    if (this.poller) return;
    this.poller = setInterval(() => {
      for (const w of this.workloads.values()) {
        if (w.child || w.gone) continue;
        void processStart(w.pid).then((s) => {
          if (s !== w.start) void this.onWorkloadExit(w, null, null);
        });
      }
    }, 500);
    this.poller.unref();
  }

  private async onWorkloadExit(w: Workload, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (w.gone) return;
    w.gone = true;
    w.markExited();
    // A requested stop cleans up itself and reports nothing; after shutdown nobody is listening.
    if (w.stopping || this.closed) return;
    const stats = w.cg ? await cgroupStats(w.cg) : undefined;
    const oomKilled = (signal === 'SIGKILL' || (code === null && signal === null)) && (stats?.oomKills ?? 0) > 0;
    await this.release(w);
    if (this.workloads.get(w.spec.id) === w) this.workloads.delete(w.spec.id);
    const info: ExitInfo = { id: w.spec.id, code, signal, oomKilled };
    this.opts.log.info(info, 'process driver: workload exited');
    this.listeners.emit(info);
  }

  /** Frees a workload's host objects once its processes are gone. */
  private async release(w: { spec?: WorkloadSpec; net?: NetNames; cg?: CgroupSet; id?: string; pid?: number }): Promise<void> {
    // Stragglers of the process group (plain mode has no pid namespace to take them down). A pid
    // is not reused while it still names a live process group, so this cannot hit a stranger.
    if (w.pid) {
      try {
        process.kill(-w.pid, 'SIGKILL');
      } catch {
        /* nothing left */
      }
    }
    await Promise.all([
      w.cg ? destroyCgroup(w.cg) : undefined,
      w.net && this.deleter ? this.deleter.delete(w.net) : undefined,
    ]);
    const id = w.spec?.id ?? w.id;
    if (id) this.names.delete(id);
  }

  private signal(w: Workload, sig: NodeJS.Signals): void {
    try {
      process.kill(-w.pid, sig);
    } catch {
      try {
        process.kill(w.pid, sig);
      } catch {
        /* already gone */
      }
    }
  }

  /** Resolves when the workload's main process is gone (adopted ones are polled quickly here). */
  private async waitGone(w: Workload, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    if (w.child) {
      await Promise.race([w.exited, delay(ms)]);
      return w.gone;
    }
    while (!w.gone && Date.now() < deadline) {
      if ((await processStart(w.pid)) !== w.start) {
        w.gone = true;
        w.markExited();
        break;
      }
      await delay(20);
    }
    return w.gone;
  }

  stop(id: string, opts: { graceMs?: number } = {}): Promise<void> {
    const w = this.workloads.get(id);
    if (!w) return Promise.resolve();
    if (w.stopping) return w.stopping;
    w.stopping = (async () => {
      const grace = opts.graceMs ?? 3000;
      if (!w.gone && grace > 0) {
        this.signal(w, 'SIGTERM');
        // A process forked by a shell just before the TERM may swallow it (the shell's handler is
        // still installed until exec). One more TERM shortly after closes that window.
        const first = Math.min(grace, 300);
        if (!(await this.waitGone(w, first)) && grace > first) {
          this.signal(w, 'SIGTERM');
          await this.waitGone(w, grace - first);
        }
      }
      if (!w.gone) {
        this.signal(w, 'SIGKILL');
        await this.waitGone(w, 5000);
      }
      await this.release(w);
      if (this.workloads.get(id) === w) this.workloads.delete(id);
    })();
    return w.stopping;
  }

  async adopt(handle: WorkloadHandle, spec: WorkloadSpec): Promise<boolean> {
    if (this.workloads.has(spec.id)) return this.isRunning(spec.id);
    const t = decodeToken(handle.token);
    if (!t) return false;
    const alive = (await processStart(t.pid)) === t.start;
    const mode = this.namespaced ? 'namespaces' : 'plain';
    if (alive && t.mode === mode) {
      const initPid = mode === 'plain' ? t.pid : await firstChild(t.pid);
      if (t.net) this.names.set(spec.id, t.net);
      const w = this.track(spec, { mode, pid: t.pid, start: t.start, initPid, net: t.net, cg: t.cg, stash: mode === 'plain' ? [] : this.stashFor(spec) });
      this.workloads.set(spec.id, w);
      return true;
    }
    if (alive) {
      // Started by a driver in another mode (e.g. namespaced, now plain): it cannot be managed, so it goes.
      try {
        process.kill(-t.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await this.release({ id: spec.id, net: t.net, cg: this.cgroups ? t.cg : undefined });
    return false;
  }

  isRunning(id: string): boolean {
    const w = this.workloads.get(id);
    return !!w && !w.gone && !w.stopping;
  }

  onExit(listener: (info: ExitInfo) => void): void {
    this.listeners.add(listener);
  }

  private running(id: string): Workload {
    const w = this.workloads.get(id);
    if (!w || w.gone) throw new Error(`workload ${id} is not running`);
    return w;
  }

  private initPidOf(w: Workload): number {
    if (w.initPid) return w.initPid;
    const text = readFileSync(`/proc/${w.pid}/task/${w.pid}/children`, 'utf8');
    const pid = Number(text.trim().split(/\s+/)[0]);
    if (!(pid > 0)) throw new Error(`workload ${w.spec.id} has no init process`);
    w.initPid = pid;
    return pid;
  }

  /** sh one-liner that joins the workload's cgroups, then enters all its namespaces and runs "$@". */
  private enterScript(w: Workload): string {
    const t = this.tools!;
    const join = procsFiles(w.cg!).map((f) => `echo $$ > ${sq(f)};`).join(' ');
    return `${join} exec ${sq(t.nsenter)} -t ${this.initPidOf(w)} -n -m -u -i -p -- "$@"`;
  }

  async exec(id: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const w = this.running(id);
    if (!argv.length) throw new Error('exec needs a command');
    const env = this.envOf(w.spec);
    const r = w.mode === 'namespaces'
      ? await run(this.tools!.sh, ['-c', this.enterScript(w), 'nimbus-exec', ...argv], { env, cwd: '/', input: opts.input, timeoutMs: opts.timeoutMs, group: true })
      : await run(argv[0], argv.slice(1), { env: { ...env, NIMBUS_VOLUMES_DIR: plainVolumesDir(w.spec.stateDir) }, cwd: w.spec.stateDir, input: opts.input, timeoutMs: opts.timeoutMs, group: true });
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  }

  shellCommand(id: string): string[] {
    const w = this.running(id);
    const shell = 'if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi';
    if (w.mode === 'plain') return ['/bin/sh', '-c', `cd ${sq(w.spec.stateDir)} && ${shell}`];
    return [this.tools!.sh, '-c', this.enterScript(w), 'nimbus-shell', this.tools!.sh, '-c', shell];
  }

  async setIngress(id: string, rules: IngressRule[]): Promise<void> {
    const w = this.running(id);
    w.spec = { ...w.spec, ingress: rules };
    if (w.mode !== 'namespaces' || !this.caps.firewall || !w.net) return;
    const ruleset = renderRuleset(rules);
    // Applied in call order per workload; unchanged rules cost nothing (groups are refreshed often).
    await w.ingress.run(async () => {
      if (w.gone || ruleset === w.ruleset) return;
      await applyRuleset(this.tools! as Required<Tools>, w.net!.ns, ruleset);
      w.ruleset = ruleset;
    });
  }

  async attachVolume(id: string, volume: VolumeMount): Promise<void> {
    const w = this.running(id);
    w.spec = { ...w.spec, volumes: [...w.spec.volumes.filter((v) => v.volumeId !== volume.volumeId), volume] };
    if (w.mode === 'plain') return linkPlain(w.spec.stateDir, volume);
    // Sources in the volumes stash are covered inside the instance: uncovered just for this mount (issue 8).
    const stashed = join(this.stashDir, 'volumes');
    const source = inGuest(w.stash, resolve(volume.hostPath));
    await mountInto(this.tools!, this.initPidOf(w), source, volume.mountPath, source.startsWith(`${stashed}/`) ? stashed : undefined);
  }

  async detachVolume(id: string, volume: VolumeMount): Promise<void> {
    const w = this.running(id);
    w.spec = { ...w.spec, volumes: w.spec.volumes.filter((v) => v.volumeId !== volume.volumeId) };
    if (w.mode === 'plain') return unlinkPlain(w.spec.stateDir, volume);
    await unmountFrom(this.tools!, this.initPidOf(w), volume.mountPath);
  }

  async stats(id: string): Promise<WorkloadStats | undefined> {
    const w = this.workloads.get(id);
    if (!w || w.gone || !w.cg) return undefined;
    return cgroupStats(w.cg);
  }

  async shutdown(opts: { stopWorkloads: boolean }): Promise<void> {
    if (opts.stopWorkloads) await Promise.all([...this.workloads.keys()].map((id) => this.stop(id, { graceMs: 2000 })));
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    if (!this.namespaced) return;
    // The bridge and the prefix's cgroups stay while any workload (ours or one to adopt later) lives.
    const live = [...this.workloads.values()].some((w) => !w.gone);
    const others = (await namespacesWithPrefix(this.opts.namePrefix)).length > 0;
    if (live || others) return;
    // The bridge is shared (per-AMI drivers: VM taps; ECS task veths): it goes only once nothing is plugged into it.
    if ((await bridgePorts(this.opts.bridge.name)).length === 0) await deleteBridge(this.tools!.ip, this.opts.bridge.name);
    await this.cgroups!.unprepare(this.opts.namePrefix);
    // rmdir, never rm -r: these are mount points; only empty directories go.
    const vols = (await readdir(this.stashDir).catch(() => [] as string[])).filter((d) => /^vol\d+$/.test(d));
    for (const d of [...vols, 'data', 'state', 'volumes', '']) await rmdir(join(this.stashDir, d)).catch(() => undefined);
  }
}

export { cleanupPrefix, findLeftovers } from './cleanup.ts';

/** Block devices of the host (whole disks and partitions, loop and device-mapper devices) that have a /dev node. */
function blockDevices(): string[] {
  try {
    return readdirSync('/sys/class/block').filter((n) => /^[A-Za-z0-9_.-]+$/.test(n) && existsSync(`/dev/${n}`));
  } catch {
    return [];
  }
}
