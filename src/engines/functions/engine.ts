import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.ts';
import type { IdSource } from '../../core/ids.ts';
import type { Logger } from '../../core/log.ts';
import type { DriverCapabilities, NetworkAttachment } from '../../drivers/driver.ts';
import type { ComputeEngine } from '../compute/engine.ts';
import { intToIp, macFor, parseCidr } from '../network/ipam.ts';
import { UsageMeter } from './meter.ts';
import { LambdaMetrics } from './metrics.ts';
import { Sandbox, type Outcome, type SandboxHost } from './sandbox.ts';
import { ThrottledError, type UsageRecord, type FunctionLogSink, type FunctionSpec, type InvokeRequest, type InvokeResult } from './types.ts';
import type { Db } from '../../store/db.ts';

// Runs functions: a pool of execution environments (sandboxes) per function version and revision, warm reuse
// (most recently used first), cold starts on demand, idle reaping, per-function reserved and account concurrency,
// logs (START/END/REPORT like AWS) and usage metering.
//
// Sandboxes are workloads of the shared ComputeEngine (the process driver EC2 instances use): each gets its own
// netns with an address from the top quarter of the VPC CIDR (EC2's default subnets use the bottom three /20s), a
// memory cgroup of MemorySize, and vCPUs of MemorySize/1769 MB. The Runtime API of each sandbox listens on the bridge
// gateway (plain mode: 127.0.0.1) on a port of its own.

export interface FunctionEngineOptions {
  compute: ComputeEngine;
  capabilities: DriverCapabilities;
  db: Db;
  clock: Clock;
  ids: IdSource;
  log: Logger;
  dataDir: string;
  logs: FunctionLogSink;
  /** VPC CIDR and bridge gateway (namespaced mode). */
  vpcCidr: string;
  gateway: string;
  /** Environment every function sees (AWS_ENDPOINT_URL, credentials). Mutable: the endpoint is known after listen. */
  baseEnv: Record<string, string>;
  /** Per-account environment over baseEnv (workload credentials of the function's account). */
  accountEnv?: (account: string) => Record<string, string>;
  accountConcurrency?: number;
  /** Idle environments are stopped after this long (default 10 minutes). */
  idleMs?: number;
  nodePath?: string;
  pythonPath?: string;
  /** Skip this many addresses of the sandbox range (a second engine on the same bridge, e.g. in tests). */
  addressOffset?: number;
}

interface Pool {
  key: string;
  idle: Sandbox[];
  all: Set<Sandbox>;
  retired: boolean;
}

export const DEFAULT_ACCOUNT_CONCURRENCY = 1000;
/** Longest a function log line waits to be handed to the log store while other invocations run. */
export const LOG_BATCH_MS = 50;

export class FunctionEngine {
  private pools = new Map<string, Pool>();
  /** In-flight invocations per function (account/region/name) and per account. */
  private inflight = new Map<string, number>();
  private accountInflight = new Map<string, number>();
  /** Reserved concurrency per function key (the sum is taken out of the account's unreserved pool). */
  private reserved = new Map<string, number>();
  private host: SandboxHost;
  private freeIps: string[] = [];
  private nextIp: number;
  private lastIp: number;
  private prefixLength: number;
  private reaper?: NodeJS.Timeout;
  readonly meter: UsageMeter;
  /** AWS/Lambda CloudWatch metrics (Invocations, Errors, Duration, Throttles, ConcurrentExecutions). */
  readonly metrics = new LambdaMetrics();
  accountConcurrency: number;
  idleMs: number;
  private closed = false;
  /** Invocations in flight across all functions (log batching flushes at once when this is 0). */
  private running = 0;
  /** Function log lines not yet handed to the sink, per stream (group-committed under load). */
  private logBuf = new Map<string, { account: string; region: string; group: string; stream: string; events: { timestamp: number; message: string }[] }>();
  private logTimer?: NodeJS.Timeout;

  constructor(private o: FunctionEngineOptions) {
    const { base, prefix, size } = parseCidr(o.vpcCidr);
    this.prefixLength = prefix;
    this.nextIp = base + Math.floor((size * 3) / 4) + 4 + (o.addressOffset ?? 0);
    this.lastIp = base + size - 2;
    this.accountConcurrency = o.accountConcurrency ?? DEFAULT_ACCOUNT_CONCURRENCY;
    this.idleMs = o.idleMs ?? 600_000;
    this.meter = new UsageMeter(o.db);
    const isolated = o.capabilities.isolation === 'namespaces' && o.capabilities.privateNetwork;
    const sandboxesDir = join(o.dataDir, 'lambda', 'sandboxes');
    mkdirSync(sandboxesDir, { recursive: true });
    this.host = {
      compute: o.compute,
      isolated,
      apiHost: isolated ? o.gateway : '127.0.0.1',
      allocateNetwork: isolated ? () => this.allocate() : undefined,
      releaseNetwork: (ip) => this.freeIps.push(ip),
      runtimesDir: new URL('./runtimes', import.meta.url).pathname,
      nodePath: o.nodePath ?? process.execPath,
      pythonPath: o.pythonPath ?? '/usr/bin/python3',
      sandboxesDir,
      baseEnv: o.baseEnv,
      accountEnv: o.accountEnv,
      log: o.log,
      now: () => o.clock.now(),
    };
    const every = Math.max(1000, Math.min(30_000, Math.floor(this.idleMs / 2)));
    this.reaper = setInterval(() => void this.reapIdle(), every);
    this.reaper.unref();
  }

  private allocate(): NetworkAttachment | undefined {
    const ip = this.freeIps.pop() ?? (this.nextIp <= this.lastIp ? intToIp(this.nextIp++) : undefined);
    if (!ip) throw new Error('no free sandbox addresses left');
    return { ip, prefixLength: this.prefixLength, gateway: this.o.gateway, mac: macFor(ip) };
  }

  static functionKey(s: { account: string; region: string; name: string }): string {
    return `${s.account}/${s.region}/${s.name}`;
  }

  private poolKey(s: FunctionSpec): string {
    return `${FunctionEngine.functionKey(s)}/${s.version}/${s.revision}`;
  }

  setReserved(fn: { account: string; region: string; name: string }, n: number | undefined): void {
    const k = FunctionEngine.functionKey(fn);
    if (n === undefined) this.reserved.delete(k);
    else this.reserved.set(k, n);
  }

  /** Sum of reserved concurrency in an account/region (for the unreserved pool). */
  reservedTotal(account: string, region: string, except?: string): number {
    let n = 0;
    for (const [k, v] of this.reserved) if (k.startsWith(`${account}/${region}/`) && k !== except) n += v;
    return n;
  }

  private admit(s: FunctionSpec): () => void {
    const fk = FunctionEngine.functionKey(s);
    const ak = `${s.account}/${s.region}`;
    const cur = this.inflight.get(fk) ?? 0;
    const reserved = this.reserved.get(fk);
    if (reserved !== undefined) {
      if (cur >= reserved) {
        this.metrics.throttled(s.account, s.region, s.arn);
        throw new ThrottledError('ReservedFunctionConcurrentInvocationLimitExceeded');
      }
    } else {
      // Functions without a reservation share what the reservations leave of the account's limit.
      let unreservedInflight = 0;
      for (const [k, v] of this.inflight) if (k.startsWith(`${ak}/`) && !this.reserved.has(k)) unreservedInflight += v;
      if (unreservedInflight >= this.accountConcurrency - this.reservedTotal(s.account, s.region)) {
        this.metrics.throttled(s.account, s.region, s.arn);
        throw new ThrottledError('ConcurrentInvocationLimitExceeded');
      }
    }
    this.inflight.set(fk, cur + 1);
    this.accountInflight.set(ak, (this.accountInflight.get(ak) ?? 0) + 1);
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      const n = (this.inflight.get(fk) ?? 1) - 1;
      if (n <= 0) this.inflight.delete(fk);
      else this.inflight.set(fk, n);
      this.accountInflight.set(ak, (this.accountInflight.get(ak) ?? 1) - 1);
    };
  }

  inflightOf(fn: { account: string; region: string; name: string }): number {
    return this.inflight.get(FunctionEngine.functionKey(fn)) ?? 0;
  }

  /** Runs one invocation synchronously. Throws ThrottledError when concurrency is exhausted. */
  async invoke(s: FunctionSpec, req: InvokeRequest): Promise<InvokeResult> {
    if (this.closed) throw new Error('function engine is closed');
    const release = this.admit(s);
    const requestId = req.requestId ?? randomUUID();
    const startedAt = this.o.clock.now();
    const t0 = performance.now();
    try {
      const sb = await this.acquire(s);
      const cold = sb.initMs === undefined;
      const outcome = await sb.run({ ...req, requestId }, s.timeoutS * 1000);
      const durationMs = performance.now() - t0 - (cold ? (sb.initMs ?? 0) : 0);
      if (sb.state !== 'dead') this.giveBack(sb);
      const lines = this.logLines(s, sb, requestId, outcome, durationMs, cold ? sb.initMs : undefined);
      const result: InvokeResult = {
        requestId, payload: outcome.payload, durationMs, initMs: cold ? sb.initMs : undefined,
        ...(outcome.kind === 'error' ? { functionError: 'Unhandled' as const, errorType: outcome.errorType } : {}),
      };
      const finishLogs = async () => {
        const mem = await sb.memoryUsedMiB(req.tail);
        const all = [...lines.head, lines.report(mem)];
        const now = this.o.clock.now();
        this.putLogs(s, sb.logStream, all.map((message) => ({ timestamp: now, message })));
        return all;
      };
      if (req.tail) {
        const all = await finishLogs();
        const text = Buffer.from(all.join(''));
        result.logTail = text.subarray(Math.max(0, text.length - 4096)).toString('base64');
      } else void finishLogs().catch(() => undefined);
      const billedMs = Math.max(1, Math.ceil(durationMs));
      const usage: UsageRecord = {
        account: s.account, region: s.region, functionArn: s.arn, version: s.version, requestId, startedAt,
        durationMs: Math.round(durationMs * 1000) / 1000, billedMs, memoryMiB: s.memoryMiB, gbSeconds: (s.memoryMiB / 1024) * (billedMs / 1000),
        initMs: cold ? Math.round(sb.initMs ?? 0) : 0,
        outcome: outcome.kind === 'ok' ? 'success' : outcome.kind === 'error' && outcome.fatal === 'timeout' ? 'timeout' : 'error',
      };
      this.meter.record(usage);
      this.metrics.invoked(usage, this.inflight.get(FunctionEngine.functionKey(s)) ?? 1);
      return result;
    } finally {
      release();
    }
  }

  /**
   * Hands log lines to the sink. Under load (other invocations in flight) lines are gathered for up to LOG_BATCH_MS
   * and handed over per stream in one call, so the log store commits a few times per second instead of once per
   * invocation; when nothing else runs they go at once, so a caller that reads logs right after Invoke sees them.
   */
  private putLogs(s: FunctionSpec, stream: string, events: { timestamp: number; message: string }[]): void {
    const k = `${s.account}\0${s.region}\0${s.logGroup}\0${stream}`;
    const b = this.logBuf.get(k);
    if (b) b.events.push(...events);
    else this.logBuf.set(k, { account: s.account, region: s.region, group: s.logGroup, stream, events });
    if (this.running === 0 || this.closed) this.flushLogs();
    else if (!this.logTimer) {
      this.logTimer = setTimeout(() => this.flushLogs(), LOG_BATCH_MS);
      this.logTimer.unref();
    }
  }

  /** Hands every gathered log line to the sink (tests, close). */
  flushLogs(): void {
    if (this.logTimer) clearTimeout(this.logTimer);
    this.logTimer = undefined;
    if (!this.logBuf.size) return;
    const all = [...this.logBuf.values()];
    this.logBuf.clear();
    for (const b of all) this.o.logs.put(b.account, b.region, b.group, b.stream, b.events);
  }

  private logLines(s: FunctionSpec, sb: Sandbox, id: string, o: Outcome, durationMs: number, initMs?: number) {
    const head = [`START RequestId: ${id} Version: ${s.version}\n`];
    const out = sb.readLogs();
    if (out) head.push(...out.split(/(?<=\n)/));
    if (o.kind === 'error' && o.fatal === 'timeout') head.push(`${new Date(this.o.clock.now()).toISOString()} ${id} Task timed out after ${s.timeoutS.toFixed(2)} seconds\n`);
    head.push(`END RequestId: ${id}\n`);
    const billed = Math.max(1, Math.ceil(durationMs));
    const report = (mem?: number) =>
      `REPORT RequestId: ${id}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${billed} ms\tMemory Size: ${s.memoryMiB} MB\tMax Memory Used: ${mem ?? 0} MB` +
      `${initMs !== undefined ? `\tInit Duration: ${initMs.toFixed(2)} ms` : ''}${o.kind === 'error' && o.fatal ? `\tStatus: ${o.fatal === 'timeout' ? 'timeout' : 'error'}` : ''}\n`;
    return { head, report };
  }

  private pool(s: FunctionSpec): Pool {
    const key = this.poolKey(s);
    let p = this.pools.get(key);
    if (!p) {
      p = { key, idle: [], all: new Set(), retired: false };
      this.pools.set(key, p);
    }
    return p;
  }

  private async acquire(s: FunctionSpec): Promise<Sandbox> {
    const p = this.pool(s);
    while (p.idle.length) {
      const sb = p.idle.pop()!;
      if (sb.state === 'idle') return sb;
    }
    const sb = new Sandbox(this.host, s, this.o.ids.next('sbx'));
    p.all.add(sb);
    sb.onDead = () => {
      p.all.delete(sb);
      p.idle = p.idle.filter((x) => x !== sb);
      if (!p.all.size && (p.retired || this.pools.get(p.key) === p)) this.pools.delete(p.key);
    };
    await sb.start();
    return sb;
  }

  private giveBack(sb: Sandbox): void {
    const p = this.pools.get(this.poolKey(sb.spec));
    if (!p || p.retired || this.closed) {
      void sb.destroy();
      return;
    }
    p.idle.push(sb);
  }

  /** Code or configuration changed, or the function is gone: stop its idle environments, busy ones after their invocation. */
  retire(fn: { account: string; region: string; name: string }, version?: string): void {
    const prefix = `${FunctionEngine.functionKey(fn)}/${version ? `${version}/` : ''}`;
    for (const [k, p] of this.pools) {
      if (!k.startsWith(prefix)) continue;
      p.retired = true;
      this.pools.delete(k);
      for (const sb of p.idle) void sb.destroy();
      p.idle = [];
    }
  }

  /** Stops environments idle for longer than idleMs (runs periodically; tests call it with their clock). */
  async reapIdle(now = this.o.clock.now()): Promise<number> {
    const victims: Sandbox[] = [];
    for (const p of this.pools.values()) {
      const keep: Sandbox[] = [];
      for (const sb of p.idle) (now - sb.lastUsed >= this.idleMs ? victims : keep).push(sb);
      p.idle = keep;
    }
    await Promise.all(victims.map((sb) => sb.destroy()));
    return victims.length;
  }

  /** Environments per state (tests, health). */
  environments(fn?: { account: string; region: string; name: string }): { idle: number; busy: number; total: number } {
    const prefix = fn ? `${FunctionEngine.functionKey(fn)}/` : '';
    let idle = 0;
    let total = 0;
    for (const [k, p] of this.pools) {
      if (!k.startsWith(prefix)) continue;
      total += p.all.size;
      idle += p.idle.filter((s) => s.state === 'idle').length;
    }
    return { idle, busy: total - idle, total };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reaper) clearInterval(this.reaper);
    const all = [...this.pools.values()].flatMap((p) => [...p.all]);
    this.pools.clear();
    await Promise.all(all.map((sb) => sb.destroy()));
    this.flushLogs();
    this.meter.close();
  }
}
