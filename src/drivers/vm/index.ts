import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../core/log.ts';
import { SerialQueue } from '../../core/serial.ts';
import type {
  Driver, DriverCapabilities, ExecOptions, ExecResult, ExitInfo, IngressRule, VolumeMount, WorkloadHandle, WorkloadSpec, WorkloadStats,
} from '../driver.ts';
import { bridgePorts, deleteBridge, ensureBridge, gatewayClashes, validateNetwork } from '../process/netns.ts';
import { delay, run, runOk } from '../process/run.ts';
import { processStart } from '../process/token.ts';
import { agentExec, agentShutdown, type AgentTarget } from './agent.ts';
import { ensureImage, imageInputs, type VmImage } from './image/build.ts';
import { AGENT_PORT, READY } from './image/guest.ts';
import { decideAccel, type AccelChoice } from './accel.ts';
import { addVm, baseRuleset, NftQueue, removeVm, tableName, tapBase, tapBatch, tapNames, vmChain } from './net.ts';
import { bridgeNetfilter, findVmTools, hostTscKhz, VM_INSTALL, type VmTools } from './probe.ts';
import { diskBlockdev, diskDevice, diskNodeName, kernelCmdline, qemuArgs, spawnLogged, virtiofsdScript, type DiskPlug } from './qemu.ts';
import { diskImagePath, imageToDir, orphanDisks, prepareDisk, returnDisk, type Disk } from './block.ts';
import { withQmp } from './qmp.ts';
import { deviceName, seedArchive } from './seed.ts';
import { processesUnder } from './cleanup.ts';
import { decodeToken, encodeToken, readState, writeState, type VmState, type VolumeState } from './state.ts';
import { Listeners } from '../listeners.ts';

// The VM driver: every instance is a QEMU microvm (KVM where a probe VM boots, TCG otherwise)
// booting the host's Debian cloud kernel and a busybox initramfs Nimbus builds (image/), with a tap
// on the Nimbus bridge, security groups in a host-side nftables table, the host userland over a
// virtio-fs share, volumes as disks on a virtio-scsi controller (block.ts), and a small agent inside
// for exec (see image/guest.ts).
//
// Boots are queued to one per host core (NIMBUS_VM_MAX_BOOTS): under TCG a boot is pure CPU, so ten
// at once only make every one of them late.
//
// LIMITATIONS
// - Volumes are disks only while attached to a running VM: their files are copied into an ext4 image
//   at attach/boot and back into the volume's directory at detach/stop (block.ts); a snapshot of a
//   running VM's volume freezes the guest filesystem for the copy (flushVolumes).
// - The guest's userland is the host's (/usr, /opt, /srv read-only; /etc as an overlay without the
//   password hashes and SSH host keys) plus busybox; other host directories (/home, /root: e.g. a
//   node under ~/.nvm) are not visible.
// - /proc/meminfo shows the type's memory as MemTotal (the kernel reserves some of it); the real
//   numbers are under /run/nimbus/proc. stats() memory is QEMU's resident memory, CPU is QEMU's CPU
//   time (under TCG that includes the emulation).
// - nimbus ssh gives `sh -i` without a terminal (no job control, no full-screen programs).
// - A reboot from inside the guest (reboot=t, -no-reboot) ends the VM like a power-off: the instance
//   stops, as with the process driver when its init exits.
// - KVM only after a probe VM booted; otherwise TCG (~1.4 s to boot, CPU-heavy work many times slower).
// - Security groups between instances need br_netfilter (bridge-nf-call-iptables=1); without it only
//   traffic from the host (API, load balancers) is filtered, and a warning says so.

export interface VmDriverOptions {
  dataDir: string;
  log: Logger;
  namePrefix: string;
  bridge: { name: string; gatewayCidr: string };
  metadataAddress: string;
  /** auto (probe KVM, fall back to TCG) | kvm | tcg. Default: NIMBUS_VM_ACCEL or auto. */
  accel?: 'auto' | 'kvm' | 'tcg';
  bootTimeoutMs?: number;
  /** Another driver shares the bridge: it is never deleted by this one. */
  sharedBridge?: boolean;
  /** Host paths guests must not see through the shared userland (the data dir is always hidden). */
  hide?: string[];
}

/** The VM driver cannot run on this host; the message names what is missing and how to install it. */
export class VmUnavailableError extends Error {
  constructor(readonly missing: string[]) {
    super(`the vm driver cannot run here: ${missing.join('; ')}. Install: ${VM_INSTALL}`);
  }
}

/** What the VM driver needs and does not find (empty when it can run); no side effects. */
export function vmPrerequisites(env: NodeJS.ProcessEnv = process.env): string[] {
  const missing: string[] = [];
  if (process.platform !== 'linux' || process.arch !== 'x64') missing.push(`needs Linux on x86_64 (this is ${process.platform}/${process.arch})`);
  else if (process.getuid?.() !== 0) missing.push('needs root (taps, the bridge, nftables)');
  const tools = findVmTools(env);
  missing.push(...tools.missing);
  const inputs = imageInputs(env);
  if ('missing' in inputs) missing.push(...inputs.missing);
  return missing;
}

interface Vm {
  spec: WorkloadSpec;
  state: VmState;
  runDir: string;
  child?: ChildProcess;
  token: string;
  gone: boolean;
  stopping?: Promise<void>;
  exited: Promise<void>;
  markExited: () => void;
  ruleset?: string;
  /** Firewall changes, applied in call order. */
  ingress: SerialQueue;
  oom: { offset: number; count: number };
  /** Volume attach/detach, one at a time. */
  volumeOps: SerialQueue;
}

const SHELL_CLIENT = fileURLToPath(new URL('./shell-client.mjs', import.meta.url));

export class VmDriver implements Driver {
  readonly name = 'vm';
  private caps: DriverCapabilities = {
    driver: 'vm', isolation: 'vm', resourceLimits: false, privateNetwork: false, firewall: false, warnings: ['driver not initialised'],
  };
  private tools?: VmTools;
  private image?: VmImage;
  private accelChoice?: AccelChoice;
  private tscKhz?: number;
  private nft?: NftQueue;
  private vms = new Map<string, Vm>();
  private taps = new Set<string>();
  private listeners: Listeners<ExitInfo>;
  private poller?: NodeJS.Timeout;
  private closed = false;
  private dataDir: string;
  private table: string;
  /**
   * Boots at once. Under TCG a boot is ~1 s of pure CPU: ten at once on two cores take as long as ten
   * in a row, but every one of them finishes last. Queued, each VM is up as early as possible.
   */
  private boots = new Semaphore(Number(process.env.NIMBUS_VM_MAX_BOOTS ?? 0) || availableParallelism());

  constructor(private opts: VmDriverOptions) {
    this.listeners = new Listeners(this.opts.log);
    this.dataDir = resolve(opts.dataDir);
    this.table = tableName(opts.namePrefix);
  }

  get runRoot(): string {
    return `/run/${this.opts.namePrefix}-vm`;
  }

  private get gateway(): string {
    return this.opts.bridge.gatewayCidr.split('/')[0];
  }

  /** KVM or TCG, and why (after init()). */
  get accel(): AccelChoice | undefined {
    return this.accelChoice;
  }

  get imageInfo(): VmImage | undefined {
    return this.image;
  }

  async init(): Promise<DriverCapabilities> {
    const missing = vmPrerequisites();
    if (missing.length) throw new VmUnavailableError(missing);
    const found = findVmTools();
    const tools = found.tools!;
    const inputs = imageInputs();
    if ('missing' in inputs) throw new VmUnavailableError(inputs.missing);
    await mkdir(this.dataDir, { recursive: true });
    await mkdir(this.runRoot, { recursive: true, mode: 0o700 });
    const warnings: string[] = [];
    const t0 = performance.now();
    this.image = ensureImage(join(this.dataDir, 'vm-image'), inputs);
    this.opts.log.info({ image: this.image.dir, ms: Math.round(performance.now() - t0), pvh: this.image.pvh }, 'vm driver: guest image ready');
    if (!this.image.pvh) warnings.push(`booting the compressed kernel (${this.image.pvhWhy}): about 0.3 s slower per boot under TCG`);
    if (!tools.virtiofsd) {
      warnings.push('virtiofsd not found (QEMU ≤ 7.2 ships it in qemu-system-common; newer: apt-get install virtiofsd): VMs see busybox only, not the host userland');
    }
    if (!tools.e2fs) warnings.push('e2fsprogs not found (apt-get install -y e2fsprogs): volumes cannot be attached to VMs');
    const { bridge } = this.opts;
    const clash = await gatewayClashes(tools.ip, bridge.name, bridge.gatewayCidr);
    if (clash.length) warnings.push(`${bridge.gatewayCidr} is also on ${clash.join(', ')}: the host may route instance traffic there`);
    await ensureBridge(tools.ip, bridge.name, bridge.gatewayCidr, tools.nft ? undefined : this.opts.metadataAddress);
    let firewall = false;
    if (tools.nft) {
      this.nft = new NftQueue(tools.nft);
      try {
        await this.nft.apply(baseRuleset(this.table, { address: this.opts.metadataAddress, target: `${this.gateway}:80` }));
        firewall = true;
        if (!bridgeNetfilter()) {
          warnings.push('br_netfilter is off (net.bridge.bridge-nf-call-iptables): security groups filter traffic from the host (API, load balancers) but not between instances; enable with: modprobe br_netfilter && sysctl -w net.bridge.bridge-nf-call-iptables=1');
        }
      } catch (err) {
        this.nft = undefined;
        warnings.push(`nftables failed (${(err as Error).message}): security groups are not enforced and instances cannot reach the metadata service`);
      }
    } else {
      warnings.push('nft not found (apt-get install nftables): security groups are not enforced');
    }
    this.tools = tools;
    this.accelChoice = await decideAccel({
      qemu: tools.qemu, qemuVersion: tools.qemuVersion, image: this.image, log: this.opts.log,
      requested: this.opts.accel ?? (process.env.NIMBUS_VM_ACCEL as 'auto' | 'kvm' | 'tcg' | undefined) ?? 'auto',
      tscKhz: (this.tscKhz = hostTscKhz()),
    });
    if (this.accelChoice.accel === 'tcg') warnings.push(`VMs run under TCG emulation (${this.accelChoice.why}): boots take about a second and CPU-heavy work is ~10× slower`);
    this.caps = {
      driver: 'vm', isolation: 'vm', resourceLimits: true, privateNetwork: true, firewall, warnings,
      metadataListen: firewall ? { host: this.gateway, port: 80 } : { host: this.opts.metadataAddress, port: 80 },
    };
    await this.removeLeftovers();
    for (const w of warnings) this.opts.log.warn(`vm driver: ${w}`);
    this.opts.log.info({ accel: this.accelChoice.accel, why: this.accelChoice.why, kernel: this.image.release, qemu: tools.qemuVersion }, 'vm driver ready');
    return this.capabilities();
  }

  capabilities(): DriverCapabilities {
    return { ...this.caps, warnings: [...this.caps.warnings] };
  }

  /** Run dirs of VMs whose QEMU is gone (Nimbus or the host died): their taps, chains and files go now. */
  private async removeLeftovers(): Promise<void> {
    const live = new Set<string>();
    for (const id of await readdir(this.runRoot).catch(() => [] as string[])) {
      const dir = join(this.runRoot, id);
      const s = await readState(dir);
      if (s && (await processStart(s.qemu.pid)) === s.qemu.start) {
        if (s.tap) live.add(s.tap);
        continue;
      }
      // QEMU is gone; a virtiofsd (or a QEMU that never wrote its state) may not be.
      for (const pid of await processesUnder(dir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await this.release({ runDir: dir, state: s });
    }
    // Disks of VMs that are gone without a release (the host rebooted: /run was emptied) go back to their directories.
    const inUse = new Set<string>();
    for (const id of await readdir(this.runRoot).catch(() => [] as string[])) {
      for (const v of (await readState(join(this.runRoot, id)))?.volumes ?? []) inUse.add(v.image);
    }
    if (this.tools?.e2fs) {
      for (const d of await orphanDisks(this.dataDir, inUse)) await returnDisk(this.tools.e2fs, d, { log: (m) => this.opts.log.warn(`vm driver: ${m}`) });
    }
    const base = tapBase(this.opts.namePrefix);
    const stray = (await readdir('/sys/class/net').catch(() => [] as string[])).filter((l) => l.startsWith(base) && !live.has(l));
    if (stray.length) await run(this.tools!.ip, ['-force', '-batch', '-'], { input: stray.map((t) => `link del ${t}`).join('\n') + '\n' });
  }

  async start(spec: WorkloadSpec): Promise<WorkloadHandle> {
    if (this.closed) throw new Error('vm driver is shut down');
    if (!this.tools || !this.image || !this.accelChoice) throw new Error('vm driver not initialised');
    if (this.vms.has(spec.id)) throw new Error(`workload ${spec.id} is already running`);
    if (!spec.network) throw new Error('the vm driver needs a network attachment (private IP) for every workload');
    validateNetwork(spec.network);
    const tools = this.tools;
    const names = tapNames(this.opts.namePrefix, spec.id, (t) => this.taps.has(t));
    this.taps.add(names.tap);
    const runDir = join(this.runRoot, spec.id);
    const state = resolve(spec.stateDir);
    const vcpus = Math.max(1, Math.min(spec.vcpus, availableParallelism()));
    const hostMiB = Math.floor((totalmem() / 1048576) * 0.9);
    const memoryMiB = Math.max(64, Math.min(spec.memoryMiB, hostMiB));
    if (vcpus !== spec.vcpus || memoryMiB !== spec.memoryMiB) {
      this.opts.log.warn({ id: spec.id, vcpus: [spec.vcpus, vcpus], memoryMiB: [spec.memoryMiB, memoryMiB] }, 'vm driver: instance size capped to what the host has');
    }
    const vols: VolumeState[] = spec.volumes.map((v, slot) => ({
      volumeId: v.volumeId, hostPath: resolve(v.hostPath), mountPath: v.mountPath, slot, image: diskImagePath(this.dataDir, v.volumeId), device: v.device,
    }));
    if (vols.length && !tools.e2fs) throw new Error('volumes need e2fsprogs on the host (apt-get install -y e2fsprogs)');
    const consoleFile = join(state, 'console.log');
    const vmState: VmState = {
      v: 1, id: spec.id, qemu: { pid: 0, start: 0 }, tap: names.tap, chain: names.chain, ip: spec.network.ip, gateway: spec.network.gateway,
      secret: randomBytes(18).toString('base64url'), boot: randomBytes(6).toString('hex'), memoryMiB, vcpus,
      consoleOffset: await stat(consoleFile).then((s) => s.size, () => 0), volumes: vols, accel: this.accelChoice.accel,
    };
    let fsChild: ChildProcess | undefined;
    let qemu: ChildProcess | undefined;
    let netAdded = false;
    let releaseBoot = () => {};
    const t0 = performance.now();
    const phases: Record<string, number> = {};
    const mark = (name: string) => (phases[name] = Math.round(performance.now() - t0));
    try {
      await rm(runDir, { recursive: true, force: true });
      await mkdir(join(runDir, 'share'), { recursive: true, mode: 0o700 });
      const seedFile = join(runDir, 'seed.cpio');
      const fsSocket = tools.virtiofsd ? join(runDir, 'fs.sock') : undefined;
      await Promise.all([
        writeFile(seedFile, seedArchive({
          spec, secret: vmState.secret, boot: vmState.boot, agentPort: AGENT_PORT, metadataAddress: this.opts.metadataAddress,
          share: !!fsSocket, mounts: vols.map((v) => ({ slot: v.slot, device: v.device, mountPath: v.mountPath })),
        }), { mode: 0o600 }),
        writeFile(join(runDir, 'secret'), vmState.secret, { mode: 0o600 }),
      ]);
      // Network (tap + firewall chain before the first packet), the shared filesystem and the disks, in parallel.
      const [, , fs] = await Promise.all([
        runOk(tools.ip, ['-batch', '-'], { input: tapBatch(names.tap, this.opts.bridge.name, spec.network) }),
        this.nft ? this.nft.apply(addVm(this.table, names.chain, spec.network.ip, spec.ingress, this.gateway, AGENT_PORT)).then(() => (netAdded = true)) : undefined,
        fsSocket ? this.startVirtiofsd(runDir, fsSocket, (c) => (fsChild = c)) : undefined,
        Promise.all(vols.map((v, i) => prepareDisk(tools.e2fs!, diskOf(v), spec.volumes[i]!.sizeGiB))),
      ]);
      if (fs) vmState.virtiofsd = { pid: fs.child.pid!, start: fs.start };
      mark('host');
      // Shut down meanwhile (Nimbus stopping): nothing may be left running behind shutdown().
      if (this.closed) throw new Error('vm driver is shut down');
      const args = qemuArgs({
        id: spec.id, accel: this.accelChoice.accel, vcpus, memoryMiB, kernel: this.image.kernel, initramfs: this.image.initramfs,
        cmdline: kernelCmdline({ ip: `${spec.network.ip}/${spec.network.prefixLength}`, gateway: spec.network.gateway, tscKhz: this.tscKhz, extra: process.env.NIMBUS_VM_CMDLINE }),
        seedFile, consoleFile, tap: { name: names.tap, mac: spec.network.mac }, fsSocket, pidFile: join(runDir, 'qemu.pid'),
        qmpSocket: join(runDir, 'qmp.sock'), disks: vols.map(plugOf),
      });
      // NIMBUS_VM_QEMU_ARGS: extra QEMU arguments (experiments: a -cpu model, tracing), appended last.
      const extra = (process.env.NIMBUS_VM_QEMU_ARGS ?? '').split(/\s+/).filter(Boolean);
      releaseBoot = await this.boots.acquire();
      if (this.closed) throw new Error('vm driver is shut down');
      mark('queued');
      qemu = await spawnLogged(tools.qemu, [...args, ...extra], join(state, 'qemu.log'));
      vmState.qemu = { pid: qemu.pid!, start: (await processStart(qemu.pid!)) ?? 0 };
      await writeState(runDir, vmState);
      mark('qemu');
      await this.waitReady(qemu, consoleFile, vmState, join(state, 'qemu.log'));
      releaseBoot();
      mark('ready');
      this.opts.log.debug({ id: spec.id, ms: phases }, 'vm driver: booted');
      if (this.closed) throw new Error('vm driver is shut down');
      const vm = this.track(spec, runDir, vmState, qemu);
      vm.ruleset = vmChain(this.table, names.chain, spec.ingress, this.gateway, AGENT_PORT);
      this.vms.set(spec.id, vm);
      return { id: spec.id, pid: vmState.qemu.pid, token: vm.token };
    } catch (err) {
      releaseBoot();
      for (const c of [qemu, fsChild]) {
        try {
          if (c?.pid && c.exitCode === null && c.signalCode === null) process.kill(c.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      if (qemu) await waitChild(qemu, 3000);
      // Anything else that names this run dir (a virtiofsd whose start was cut short) goes too.
      for (const pid of await processesUnder(runDir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await this.release({ runDir, state: { ...vmState, chain: netAdded ? vmState.chain : '' } });
      throw err;
    }
  }

  private async startVirtiofsd(runDir: string, socket: string, spawned: (c: ChildProcess) => void): Promise<{ child: ChildProcess; start: number }> {
    const t = this.tools!;
    const script = join(runDir, 'virtiofsd.sh');
    const hidden = [this.dataDir, ...(this.opts.hide ?? []).map((p) => resolve(p))];
    await writeFile(script, virtiofsdScript(t, join(runDir, 'share'), socket, hidden), { mode: 0o700 });
    const child = await spawnLogged(t.unshare, ['--mount', '--propagation', 'private', t.sh, script], join(runDir, 'virtiofsd.log'));
    spawned(child);
    const deadline = Date.now() + 10_000;
    while (!existsSync(socket)) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        const log = await readFile(join(runDir, 'virtiofsd.log'), 'utf8').catch(() => '');
        try {
          process.kill(child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
        throw new Error(`virtiofsd did not start: ${log.trim().split('\n').slice(-3).join(' | ') || 'no output'}`);
      }
      await delay(5);
    }
    return { child, start: (await processStart(child.pid!)) ?? 0 };
  }

  /** Until the guest prints `nimbus: ready <boot>` on its console, QEMU exits, or the boot times out. */
  private async waitReady(qemu: ChildProcess, consoleFile: string, s: VmState, qemuLog: string): Promise<void> {
    const marker = `${READY} ${s.boot}`;
    const timeout = this.opts.bootTimeoutMs ?? 120_000;
    const deadline = Date.now() + timeout;
    let pos = s.consoleOffset;
    let tail = '';
    const fh = await open(consoleFile, 'a+');
    try {
      for (;;) {
        const buf = Buffer.alloc(65536);
        for (;;) {
          const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
          if (!bytesRead) break;
          pos += bytesRead;
          tail = (tail + buf.subarray(0, bytesRead).toString('latin1')).slice(-8192);
        }
        if (tail.includes(marker)) return;
        if (this.closed) throw new Error('vm driver is shut down');
        const exited = qemu.exitCode !== null || qemu.signalCode !== null;
        if (exited || Date.now() > deadline) {
          const log = await readFile(qemuLog, 'utf8').catch(() => '');
          const why = exited ? `QEMU exited (${qemu.signalCode ?? qemu.exitCode})` : `no "${READY}" within ${timeout} ms`;
          const lines = `${log.trim().split('\n').slice(-3).join(' | ')} ${tail.trim().split('\n').slice(-5).join(' | ')}`.trim();
          throw new Error(`VM boot failed: ${why}: ${lines || 'no console output'}`);
        }
        await delay(10);
      }
    } finally {
      await fh.close();
    }
  }

  private track(spec: WorkloadSpec, runDir: string, state: VmState, child?: ChildProcess): Vm {
    let markExited!: () => void;
    const exited = new Promise<void>((r) => (markExited = r));
    const vm: Vm = {
      spec, state, runDir, child, gone: false, exited, markExited, ingress: new SerialQueue(), volumeOps: new SerialQueue(),
      token: encodeToken({ v: 1, driver: 'vm', pid: state.qemu.pid, start: state.qemu.start, run: runDir }),
      oom: { offset: state.consoleOffset, count: 0 },
    };
    this.taps.add(state.tap ?? '');
    if (child) {
      child.once('exit', (code, signal) => void this.onVmExit(vm, code, signal));
      if (child.exitCode !== null || child.signalCode !== null) void this.onVmExit(vm, child.exitCode, child.signalCode);
    } else this.ensurePoller();
    return vm;
  }

  private ensurePoller(): void {
    if (this.poller) return;
    this.poller = setInterval(() => {
      for (const vm of this.vms.values()) {
        if (vm.child || vm.gone) continue;
        void processStart(vm.state.qemu.pid).then((s) => {
          if (s !== vm.state.qemu.start) void this.onVmExit(vm, null, null);
        });
      }
    }, 500);
    this.poller.unref();
  }

  private async onVmExit(vm: Vm, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (vm.gone) return;
    vm.gone = true;
    vm.markExited();
    if (vm.stopping || this.closed) return;
    await this.release(vm);
    if (this.vms.get(vm.spec.id) === vm) this.vms.delete(vm.spec.id);
    // The guest's init never gets OOM-killed (oom_score_adj -1000): a VM exit is never an OOM kill.
    const info: ExitInfo = { id: vm.spec.id, code, signal, oomKilled: false };
    this.opts.log.info(info, 'vm driver: VM exited');
    this.listeners.emit(info);
  }

  /** Frees what a VM holds on the host once QEMU is gone: virtiofsd, tap, firewall chain, disks (files back into the volumes), run dir. */
  private async release(vm: { runDir: string; state?: VmState }): Promise<void> {
    const s = vm.state;
    if (s?.virtiofsd && (await processStart(s.virtiofsd.pid)) === s.virtiofsd.start) {
      try {
        process.kill(s.virtiofsd.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await Promise.all([
      s?.tap && existsSync(`/sys/class/net/${s.tap}`) ? run(this.tools!.ip, ['link', 'del', s.tap]) : undefined,
      s?.chain && s.ip && this.nft ? this.nft.applyEach(removeVm(this.table, s.chain, s.ip)) : undefined,
    ]);
    if (s?.tap) this.taps.delete(s.tap);
    const e2fs = this.tools?.e2fs;
    if (e2fs) {
      for (const v of s?.volumes ?? []) await returnDisk(e2fs, diskOf(v), { log: (m) => this.opts.log.warn(`vm driver: ${m}`) }).catch((err) => this.opts.log.error({ err, volume: v.volumeId }, 'vm driver: volume files not returned'));
    }
    await rm(vm.runDir, { recursive: true, force: true });
  }

  private signal(vm: Vm, sig: NodeJS.Signals): void {
    try {
      process.kill(vm.state.qemu.pid, sig);
    } catch {
      /* already gone */
    }
  }

  private async waitGone(vm: Vm, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    if (vm.child) {
      await Promise.race([vm.exited, delay(ms)]);
      return vm.gone;
    }
    while (!vm.gone && Date.now() < deadline) {
      if ((await processStart(vm.state.qemu.pid)) !== vm.state.qemu.start) {
        vm.gone = true;
        vm.markExited();
        break;
      }
      await delay(20);
    }
    // An adopted QEMU is someone else's child: give its parent (init, or the Nimbus that started it)
    // a moment to reap the zombie, so the pid is really gone when stop() resolves.
    const zombieDeadline = Date.now() + 2000;
    while (vm.gone && existsSync(`/proc/${vm.state.qemu.pid}`) && Date.now() < zombieDeadline) await delay(10);
    return vm.gone;
  }

  stop(id: string, opts: { graceMs?: number } = {}): Promise<void> {
    const vm = this.vms.get(id);
    if (!vm) return Promise.resolve();
    if (vm.stopping) return vm.stopping;
    vm.stopping = (async () => {
      const grace = opts.graceMs ?? 3000;
      if (!vm.gone && grace > 0 && vm.state.volumes.length) {
        // Whatever the guest wrote reaches its disks before anything can be killed (the guest's own
        // shutdown syncs too, but a short grace may end it first). A forced stop (grace 0) is a power cut.
        await Promise.race([agentExec(this.target(vm), ['/nimbus/bin/sh', '-c', 'sync'], { timeoutMs: 5000 }).catch(() => undefined), delay(5000)]);
      }
      if (!vm.gone && grace > 0) {
        // ACPI-less power-off: the guest init stops everything, syncs and powers off; QEMU then exits.
        await Promise.race([agentShutdown(this.target(vm)).catch(() => false), delay(Math.min(grace, 2000))]);
        await this.waitGone(vm, grace);
      }
      if (!vm.gone) {
        this.signal(vm, 'SIGKILL');
        await this.waitGone(vm, 5000);
      }
      await this.release(vm);
      if (this.vms.get(id) === vm) this.vms.delete(id);
    })();
    return vm.stopping;
  }

  async adopt(handle: WorkloadHandle, spec: WorkloadSpec): Promise<boolean> {
    if (this.vms.has(spec.id)) return this.isRunning(spec.id);
    const t = decodeToken(handle.token);
    if (!t || !t.run.startsWith(`${this.runRoot}/`)) return false;
    const state = await readState(t.run);
    const alive = (await processStart(t.pid)) === t.start;
    if (!alive || !state || state.qemu.pid !== t.pid || state.id !== spec.id) {
      if (alive && state?.id === spec.id) {
        try {
          process.kill(t.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      if (state?.id === spec.id || !state) await this.release({ runDir: t.run, state });
      return false;
    }
    // The bridge may have been re-created meanwhile: plug the tap back in; refresh the firewall chain.
    if (state.tap) await run(this.tools!.ip, ['link', 'set', state.tap, 'master', this.opts.bridge.name, 'up']);
    if (this.nft && state.ip) await this.nft.apply(addVm(this.table, state.chain, state.ip, spec.ingress, this.gateway, AGENT_PORT));
    const vm = this.track(spec, t.run, state);
    vm.ruleset = vmChain(this.table, state.chain, spec.ingress, this.gateway, AGENT_PORT);
    this.vms.set(spec.id, vm);
    return true;
  }

  isRunning(id: string): boolean {
    const vm = this.vms.get(id);
    return !!vm && !vm.gone && !vm.stopping;
  }

  onExit(listener: (info: ExitInfo) => void): void {
    this.listeners.add(listener);
  }

  private running(id: string): Vm {
    const vm = this.vms.get(id);
    if (!vm || vm.gone) throw new Error(`workload ${id} is not running`);
    return vm;
  }

  private target(vm: Vm): AgentTarget {
    return { ip: vm.state.ip!, port: AGENT_PORT, from: this.gateway, secret: vm.state.secret };
  }

  async exec(id: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const vm = this.running(id);
    if (!argv.length) throw new Error('exec needs a command');
    return agentExec(this.target(vm), argv, opts);
  }

  shellCommand(id: string): string[] {
    const vm = this.running(id);
    return [process.execPath, SHELL_CLIENT, vm.state.ip!, String(AGENT_PORT), this.gateway, join(vm.runDir, 'secret')];
  }

  async setIngress(id: string, rules: IngressRule[]): Promise<void> {
    const vm = this.running(id);
    vm.spec = { ...vm.spec, ingress: rules };
    if (!this.nft) return;
    const ruleset = vmChain(this.table, vm.state.chain, rules, this.gateway, AGENT_PORT);
    await vm.ingress.run(async () => {
      if (vm.gone || ruleset === vm.ruleset) return;
      await this.nft!.apply(ruleset);
      vm.ruleset = ruleset;
    });
  }

  /** A script run by the guest's busybox (not the host userland's shell), as root. */
  private async guest(vm: Vm, argv: string[]): Promise<void> {
    const r = await agentExec(this.target(vm), argv, { timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`inside ${vm.spec.id}: ${r.stderr.trim() || `exit ${r.code}`}`);
  }

  private qmp(vm: Vm): string {
    return join(vm.runDir, 'qmp.sock');
  }

  /** AttachVolume on a running VM: the volume's files become a disk, hot-plugged on the virtio-scsi bus and mounted. */
  async attachVolume(id: string, volume: VolumeMount): Promise<void> {
    const vm = this.running(id);
    const e2fs = this.tools!.e2fs;
    if (!e2fs) throw new Error('volumes need e2fsprogs on the host (apt-get install -y e2fsprogs)');
    await vm.volumeOps.run(async () => {
      const old = vm.state.volumes.find((v) => v.volumeId === volume.volumeId);
      if (old) await this.unplug(vm, old);
      const used = new Set(vm.state.volumes.map((v) => v.slot));
      let slot = 0;
      while (used.has(slot)) slot++;
      const v: VolumeState = {
        volumeId: volume.volumeId, hostPath: resolve(volume.hostPath), mountPath: volume.mountPath, slot, image: diskImagePath(this.dataDir, volume.volumeId), device: volume.device,
      };
      await prepareDisk(e2fs, diskOf(v), volume.sizeGiB);
      // Remembered before the plug: a crash from here on still returns the disk's files (release()).
      vm.state.volumes = [...vm.state.volumes, v];
      await writeState(vm.runDir, vm.state);
      try {
        await withQmp(this.qmp(vm), async (q) => {
          await q.execute('blockdev-add', diskBlockdev(plugOf(v)));
          try {
            await q.execute('device_add', diskDevice(plugOf(v)));
          } catch (err) {
            await q.execute('blockdev-del', { 'node-name': diskNodeName(slot) }).catch(() => undefined);
            throw err;
          }
        });
        await this.guest(vm, ['/nimbus/mount-disk', String(slot), deviceName(v.device), v.mountPath]);
      } catch (err) {
        await this.unplug(vm, v).catch(() => undefined);
        await writeState(vm.runDir, vm.state).catch(() => undefined);
        throw err;
      }
      vm.spec = { ...vm.spec, volumes: [...vm.spec.volumes.filter((x) => x.volumeId !== v.volumeId), volume] };
    });
  }

  /** Unmounts inside, unplugs the disk and puts its files back into the volume's directory. */
  private async unplug(vm: Vm, v: VolumeState): Promise<void> {
    await this.guest(vm, ['/nimbus/unmount-disk', v.mountPath, deviceName(v.device)]).catch((err) => this.opts.log.warn({ err, volume: v.volumeId }, 'vm driver: unmount inside the guest failed; unplugging anyway'));
    await withQmp(this.qmp(vm), async (q) => {
      const node = diskNodeName(v.slot);
      try {
        await q.execute('device_del', { id: node });
        // The guest acknowledges SCSI removal asynchronously; QEMU reports the device gone with DEVICE_DELETED.
        await q.event('DEVICE_DELETED', (d) => d.device === node, 10_000);
      } catch (err) {
        if (!/not found/i.test((err as Error).message)) throw err;
      }
      await q.execute('blockdev-del', { 'node-name': node }).catch(() => undefined);
    });
    vm.state.volumes = vm.state.volumes.filter((x) => x.volumeId !== v.volumeId);
    await returnDisk(this.tools!.e2fs!, diskOf(v), { log: (m) => this.opts.log.warn(`vm driver: ${m}`) });
  }

  async detachVolume(id: string, volume: VolumeMount): Promise<void> {
    const vm = this.running(id);
    await vm.volumeOps.run(async () => {
      const v = vm.state.volumes.find((x) => x.volumeId === volume.volumeId);
      vm.spec = { ...vm.spec, volumes: vm.spec.volumes.filter((x) => x.volumeId !== volume.volumeId) };
      if (!v) return;
      await this.unplug(vm, v);
      await writeState(vm.runDir, vm.state);
    });
  }

  /**
   * The files of every attached disk into the volume directories while the VM runs (CreateImage,
   * CreateSnapshot): the guest filesystem is frozen (fsfreeze) for the moment the image is copied,
   * so the copy is consistent, like an EBS snapshot of a frozen filesystem.
   */
  async flushVolumes(id: string): Promise<void> {
    // A VM that is stopping returns its disks itself (release()).
    if (!this.isRunning(id)) return;
    const vm = this.vms.get(id)!;
    const e2fs = this.tools!.e2fs!;
    await vm.volumeOps.run(async () => {
      for (const v of vm.state.volumes) {
        const copy = `${v.image}.snap`;
        await this.guest(vm, ['/nimbus/bin/sh', '-c', 'sync; fsfreeze -f "$1" 2>/dev/null; true', 'nimbus-freeze', v.mountPath]).catch(() => undefined);
        try {
          await runOk('cp', ['--sparse=always', v.image, copy]);
        } finally {
          await this.guest(vm, ['/nimbus/bin/sh', '-c', 'fsfreeze -u "$1" 2>/dev/null; true', 'nimbus-thaw', v.mountPath]).catch(() => undefined);
        }
        try {
          if (!(await imageToDir(e2fs, copy, v.hostPath))) this.opts.log.warn({ volume: v.volumeId }, 'vm driver: the disk holds no readable ext4 filesystem; the snapshot has the previous files');
        } finally {
          await rm(copy, { force: true });
        }
      }
    });
  }

  async stats(id: string): Promise<WorkloadStats | undefined> {
    const vm = this.vms.get(id);
    if (!vm || vm.gone) return undefined;
    const pid = vm.state.qemu.pid;
    const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''), readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')]);
    if (!stat) return undefined;
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100 Hz)
    // With the shared (memfd) guest memory, RssShmem is the guest RAM the VM has touched; QEMU's own
    // heap and translation cache (RssAnon) are not the instance's memory.
    const field = vm.state.virtiofsd ? 'RssShmem' : 'RssAnon';
    const rssKb = Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    const limit = vm.state.memoryMiB * 1048576;
    await this.countOoms(vm);
    return { cpuUsageMicros: ticks * 10_000, memoryBytes: Math.min(rssKb * 1024, limit), memoryLimitBytes: limit, oomKills: vm.oom.count };
  }

  /** OOM kills inside the guest, counted from the kernel's lines on the console since this boot. */
  private async countOoms(vm: Vm): Promise<void> {
    const file = join(resolve(vm.spec.stateDir), 'console.log');
    const fh = await open(file, 'r').catch(() => undefined);
    if (!fh) return;
    try {
      const size = (await fh.stat()).size;
      if (size <= vm.oom.offset) return;
      // Whole lines only: a partial last line is read again next time.
      const buf = Buffer.alloc(Math.min(size - vm.oom.offset, 4 << 20));
      const { bytesRead } = await fh.read(buf, 0, buf.length, vm.oom.offset);
      const text = buf.subarray(0, bytesRead).toString('latin1');
      const end = text.lastIndexOf('\n') + 1;
      vm.oom.count += (text.slice(0, end).match(/Out of memory: Killed process|Memory cgroup out of memory: Killed process/g) ?? []).length;
      vm.oom.offset += end;
    } finally {
      await fh.close();
    }
  }

  async shutdown(opts: { stopWorkloads: boolean }): Promise<void> {
    if (opts.stopWorkloads) await Promise.all([...this.vms.keys()].map((id) => this.stop(id, { graceMs: 2000 })));
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    if (!this.tools) return;
    // Host objects stay while any VM (ours, or one to adopt later) is alive.
    const live = [...this.vms.values()].some((vm) => !vm.gone);
    const others = (await readdir(this.runRoot).catch(() => [] as string[])).length > 0;
    if (live || others) return;
    if (this.nft) await run(this.tools.nft!, ['delete', 'table', 'inet', this.table]);
    await rm(this.runRoot, { recursive: true, force: true });
    if (!this.opts.sharedBridge && (await bridgePorts(this.opts.bridge.name)).length === 0) await deleteBridge(this.tools.ip, this.opts.bridge.name);
  }
}

class Semaphore {
  private waiting: (() => void)[] = [];
  private free: number;

  constructor(size: number) {
    this.free = Math.max(1, size);
  }

  /** Resolves with a release function (idempotent) once a slot is free. */
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((r) => this.waiting.push(r));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}

function diskOf(v: VolumeState): Disk {
  return { volumeId: v.volumeId, hostPath: v.hostPath, image: v.image };
}

function plugOf(v: VolumeState): DiskPlug {
  return { slot: v.slot, image: v.image, volumeId: v.volumeId };
}

function waitChild(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return Promise.race([new Promise<void>((r) => child.once('exit', () => r())), delay(ms)]);
}

export { cleanupVmPrefix, findVmLeftovers } from './cleanup.ts';
export { VM_INSTALL } from './probe.ts';
