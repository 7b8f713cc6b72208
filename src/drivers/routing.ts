import type { Logger } from '../core/log.ts';
import type {
  Driver, DriverCapabilities, ExecOptions, ExecResult, ExitInfo, IngressRule, VolumeMount, WorkloadHandle, WorkloadSpec, WorkloadStats,
} from './driver.ts';
import { decodeHandleToken } from './handle-token.ts';
import { Listeners } from './listeners.ts';

// Per-workload driver choice (issue 8: per-AMI drivers). One Driver over a default driver plus optional named
// ones: start() runs a workload on `spec.driver ?? default` and remembers which driver holds it; every per-id call
// goes to that driver; adopt() finds the driver from the handle token (the VM driver's tokens carry `driver: 'vm'`),
// else from spec.driver. Exits of every driver fan in to one set of listeners. capabilities() are the default's (what
// Lambda, ECS and the metadata service are set up for) plus warnings about the optional drivers.
//
// Every method of the Driver contract is forwarded, the optional ones too (flushVolumes): a method added to the
// contract must be added here, or workloads of the optional drivers silently miss it.
//
// An optional driver that cannot run here (missing host packages, turned off, its init failed) is left out with the
// reason: start() then throws DriverUnavailableError, and callers that can check first (RunInstances) ask
// unavailable(name) to answer with a proper API error before anything is created.
//
// AWS: the hypervisor is a property of the instance type and AMI (Nitro/Xen, HVM); no API chooses it.
// Here: an AMI names the driver (ami-0a0000000000000b1 → vm), the server's default runs everything else.

/** A driver this router does not have (unknown name, or left out at init); `reason` says why. */
export class DriverUnavailableError extends Error {
  constructor(readonly driverName: string, readonly reason: string) {
    super(`the ${driverName} driver is not available: ${reason}`);
  }
}

export interface OptionalDriver {
  /** The driver, or undefined when it is known up front not to run here (then `unavailable` says why). */
  driver?: Driver;
  unavailable?: string;
  /**
   * Checked once the default driver is up, before this one is initialised: a reason when it cannot work alongside
   * (e.g. the vm driver needs the process driver's bridge and metadata service).
   */
  requires?: (defaultCaps: DriverCapabilities) => string | undefined;
  /** Appended to the start-up warning when the driver is unavailable (e.g. the install command). */
  hint?: string;
  /**
   * Initialise on first use (the first start() or adopt() of one of its workloads) instead of at init(): the vm
   * driver's init builds a guest image and probes KVM (~0.5 s), which a server that never runs a VM need not pay.
   * If that first init fails, that workload fails with DriverUnavailableError and the driver is left out from then on.
   */
  lazy?: boolean;
}

export interface RoutingDriverOptions {
  default: Driver;
  /** Further drivers by name ('vm'). The default driver is also reachable by its own name. */
  optional?: Record<string, OptionalDriver>;
  log?: Logger;
}

export class RoutingDriver implements Driver {
  readonly name: string;
  private readonly fallback: Driver;
  /** Drivers by name that can run workloads (the default, and the optional ones that initialised). */
  private drivers = new Map<string, Driver>();
  /** Optional drivers left out, and why. */
  private missing = new Map<string, string>();
  private owners = new Map<string, Driver>();
  private listeners: Listeners<ExitInfo>;
  private warnings: string[] = [];
  private initialised = false;
  /** Lazy drivers: their init, started on first use (shared by concurrent first uses). */
  private lazyInits = new Map<string, Promise<void>>();
  /** Lazy drivers not yet initialised. */
  private uninitialised = new Set<string>();

  constructor(private opts: RoutingDriverOptions) {
    this.listeners = new Listeners(opts.log);
    this.fallback = opts.default;
    this.name = opts.default.name;
    this.drivers.set(opts.default.name, opts.default);
    for (const [name, o] of Object.entries(opts.optional ?? {})) {
      if (o.driver) this.drivers.set(name, o.driver);
      else this.missing.set(name, o.unavailable ?? 'not configured');
    }
    for (const d of new Set(this.drivers.values())) d.onExit((info) => this.emitExit(d, info));
  }

  async init(): Promise<DriverCapabilities> {
    const caps = await this.fallback.init();
    for (const [name, o] of Object.entries(this.opts.optional ?? {})) {
      const why = this.missing.get(name) ?? o.requires?.(caps);
      if (why) await this.leaveOut(name, o, why);
      else if (o.lazy) this.uninitialised.add(name);
      else await this.initOptional(name, o);
    }
    this.initialised = true;
    return this.capabilities();
  }

  capabilities(): DriverCapabilities {
    const c = this.fallback.capabilities();
    return { ...c, warnings: [...c.warnings, ...this.warnings] };
  }

  /** Why workloads of that driver cannot run here; undefined when they can (the default's name included). */
  unavailable(name: string): string | undefined {
    if (this.drivers.has(name)) return undefined;
    return this.missing.get(name) ?? `no driver named '${name}' (known: ${[...this.drivers.keys()].join(', ')})`;
  }

  /** Names of the drivers that can run workloads, the default first. */
  available(): string[] {
    return [...this.drivers.keys()];
  }

  /** The driver by name (after init(): only those that initialised). */
  driver(name: string): Driver | undefined {
    return this.drivers.get(name);
  }

  /** Initialises an optional driver; one that fails is left out. Its own warnings join ours (it logs them itself). */
  private async initOptional(name: string, o: OptionalDriver): Promise<void> {
    try {
      const c = await o.driver!.init();
      this.warnings.push(...c.warnings.map((w) => `${name} driver: ${w}`));
    } catch (err) {
      await this.leaveOut(name, o, (err as Error).message);
    }
  }

  /** An optional driver that cannot run here: workloads asking for it get `why` (plus the hint), and a warning says so. */
  private async leaveOut(name: string, o: OptionalDriver, why: string): Promise<void> {
    this.missing.set(name, o.hint && !why.includes(o.hint) ? `${why}. ${o.hint}` : why);
    const warning = `the ${name} driver is unavailable: ${this.missing.get(name)}`;
    this.warnings.push(warning);
    this.opts.log?.warn(warning);
    if (o.driver && this.drivers.get(name) === o.driver) {
      this.drivers.delete(name);
      await o.driver.shutdown({ stopWorkloads: true }).catch(() => undefined);
    }
  }

  private async pick(name: string | undefined): Promise<Driver> {
    if (name === undefined) return this.fallback;
    if (this.uninitialised.has(name)) await this.lazyInit(name);
    const d = this.drivers.get(name);
    if (!d) throw new DriverUnavailableError(name, this.unavailable(name)!);
    return d;
  }

  private lazyInit(name: string): Promise<void> {
    let p = this.lazyInits.get(name);
    if (!p) {
      const o = this.opts.optional![name]!;
      p = this.initOptional(name, o).finally(() => this.uninitialised.delete(name));
      this.lazyInits.set(name, p);
    }
    return p;
  }

  /** The driver holding a workload; the default for ids nobody holds (its answers for unknown ids apply). */
  private owner(id: string): Driver {
    return this.owners.get(id) ?? this.fallback;
  }

  async start(spec: WorkloadSpec): Promise<WorkloadHandle> {
    if (!this.initialised) throw new Error('routing driver not initialised');
    const d = await this.pick(spec.driver);
    const before = this.owners.get(spec.id);
    if (before && before !== d && before.isRunning(spec.id)) throw new Error(`workload ${spec.id} is already running on the ${before.name} driver`);
    this.owners.set(spec.id, d);
    try {
      return await d.start(spec);
    } catch (err) {
      if (this.owners.get(spec.id) === d) this.owners.delete(spec.id);
      throw err;
    }
  }

  async stop(id: string, opts?: { graceMs?: number }): Promise<void> {
    const d = this.owner(id);
    await d.stop(id, opts);
    if (this.owners.get(id) === d) this.owners.delete(id);
  }

  async adopt(handle: WorkloadHandle, spec: WorkloadSpec): Promise<boolean> {
    // The token knows best (it names the driver that started the workload, whatever the AMI says now).
    const t = decodeHandleToken<{ driver?: unknown }>(handle.token);
    const name = typeof t?.driver === 'string' ? t.driver : spec.driver;
    const d = await this.pick(name);
    this.owners.set(spec.id, d);
    const ok = await d.adopt(handle, spec).catch((err: Error) => {
      if (this.owners.get(spec.id) === d) this.owners.delete(spec.id);
      throw err;
    });
    if (!ok && this.owners.get(spec.id) === d) this.owners.delete(spec.id);
    return ok;
  }

  isRunning(id: string): boolean {
    return this.owner(id).isRunning(id);
  }

  onExit(listener: (info: ExitInfo) => void): void {
    this.listeners.add(listener);
  }

  private emitExit(from: Driver, info: ExitInfo): void {
    // Only the driver holding the workload speaks for it (the mapping stays until stop(): the owner cleans up).
    const holder = this.owners.get(info.id);
    if (holder && holder !== from) return;
    this.listeners.emit(info);
  }

  exec(id: string, argv: string[], opts?: ExecOptions): Promise<ExecResult> {
    return this.owner(id).exec(id, argv, opts);
  }

  shellCommand(id: string): string[] {
    return this.owner(id).shellCommand(id);
  }

  setIngress(id: string, rules: IngressRule[]): Promise<void> {
    return this.owner(id).setIngress(id, rules);
  }

  attachVolume(id: string, volume: VolumeMount): Promise<void> {
    return this.owner(id).attachVolume(id, volume);
  }

  detachVolume(id: string, volume: VolumeMount): Promise<void> {
    return this.owner(id).detachVolume(id, volume);
  }

  /** Optional in the contract: only drivers whose volumes are not the directories themselves (vm: disks) have it. */
  async flushVolumes(id: string): Promise<void> {
    await this.owner(id).flushVolumes?.(id);
  }

  stats(id: string): Promise<WorkloadStats | undefined> {
    return this.owner(id).stats(id);
  }

  /**
   * The optional drivers first (VMs before the process driver: its shutdown removes the bridge they share only once
   * nothing is plugged into it), then the default. Every driver is shut down even when one fails.
   */
  async shutdown(opts: { stopWorkloads: boolean }): Promise<void> {
    // A lazy driver still waiting for its first use has nothing to shut down; one initialising now is waited for.
    await Promise.all(this.lazyInits.values());
    const lazyIdle = new Set([...this.uninitialised].map((n) => this.drivers.get(n)));
    const order = [...new Set([...this.drivers.values()].filter((d) => d !== this.fallback && !lazyIdle.has(d))), this.fallback];
    let first: unknown;
    for (const d of order) {
      try {
        await d.shutdown(opts);
      } catch (err) {
        first ??= err;
        this.opts.log?.error({ err, driver: d.name }, 'driver shutdown failed');
      }
    }
    if (first) throw first;
  }
}
