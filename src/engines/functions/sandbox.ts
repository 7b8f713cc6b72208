import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Logger } from '../../core/log.ts';
import type { NetworkAttachment, VolumeMount, WorkloadSpec } from '../../drivers/driver.ts';
import type { ComputeEngine } from '../compute/engine.ts';
import type { FunctionSpec, InvokeRequest } from './types.ts';

// One execution environment: a workload started through the driver contract (namespaces + a memory cgroup of the
// function's MemorySize with the process driver) running a runtime client that talks to a Lambda Runtime API
// (2018-06-01) served by this class on its own port. The runtime's exit is reported by a tiny wrapper script
// (the workload's user data) that writes the exit status into <stateDir>/exit/, which Nimbus watches (inotify).

export const RUNTIME_API_VERSION = '2018-06-01';
/** Largest synchronous response payload (and request payload) AWS accepts: 6 MB. */
export const MAX_SYNC_PAYLOAD = 6 * 1024 * 1024;
/** AWS gives INIT 10 s before it gives up on an environment. */
export const INIT_TIMEOUT_MS = 10_000;

export interface SandboxHost {
  compute: ComputeEngine;
  /** True with namespaces (code and runtime mounted at /var/task and /var/runtime); false in plain mode (host paths). */
  isolated: boolean;
  /** Address the Runtime API servers listen on and sandboxes dial (the bridge gateway, or 127.0.0.1). */
  apiHost: string;
  allocateNetwork?: () => NetworkAttachment | undefined;
  releaseNetwork?: (ip: string) => void;
  runtimesDir: string;
  nodePath: string;
  pythonPath: string;
  /** Parent of each sandbox's state directory. */
  sandboxesDir: string;
  /** Environment every function gets (endpoint and credentials pointing back at Nimbus). */
  baseEnv: Record<string, string>;
  /** Per-account environment (the account's workload credentials), over baseEnv (issue 8: functions act in their own account). */
  accountEnv?: (account: string) => Record<string, string>;
  log: Logger;
  now(): number;
}

export type Outcome =
  | { kind: 'ok'; payload: Buffer }
  | { kind: 'error'; payload: Buffer; errorType: string; fatal?: 'timeout' | 'exit' | 'init' };

interface Invocation {
  requestId: string;
  req: InvokeRequest;
  timeoutMs: number;
  resolve(o: Outcome): void;
  timer?: NodeJS.Timeout;
  deliveredAt?: number;
}

const VCPU_MIB = 1769; // AWS: 1,769 MB of memory = one vCPU

function errorPayload(errorType: string, errorMessage: string): Buffer {
  return Buffer.from(JSON.stringify({ errorType, errorMessage }));
}

function exitDescription(rc: number): string {
  if (rc > 128) {
    const names: Record<number, string> = { 9: 'killed', 6: 'aborted', 15: 'terminated', 11: 'segmentation fault', 2: 'interrupt', 7: 'bus error' };
    return `signal: ${names[rc - 128] ?? `signal ${rc - 128}`}`;
  }
  return `exit status ${rc}`;
}

export class Sandbox {
  readonly id: string;
  state: 'starting' | 'idle' | 'busy' | 'dead' = 'starting';
  /** When the runtime first asked for work (INIT done). */
  initMs?: number;
  lastUsed: number;
  readonly logStream: string;
  private server?: Server;
  private next?: ServerResponse;
  private queued?: Invocation;
  private current?: Invocation;
  private initTimer?: NodeJS.Timeout;
  private watcher?: FSWatcher;
  private logFd?: number;
  private logOffset = 0;
  private startedAt: number;
  private stateDir: string;
  private ip?: string;
  private started = false;
  private destroying?: Promise<void>;
  onDead?: (sb: Sandbox) => void;

  constructor(private host: SandboxHost, readonly spec: FunctionSpec, id: string) {
    this.id = id;
    this.startedAt = host.now();
    this.lastUsed = this.startedAt;
    this.stateDir = join(host.sandboxesDir, id);
    const d = new Date(this.startedAt);
    const day = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
    this.logStream = `${day}/[${spec.version}]${id.replace(/^[a-z]+-/, '')}`;
  }

  /** Boots the environment; resolves once the workload runs (the runtime's INIT continues in the background). */
  async start(): Promise<void> {
    const h = this.host;
    mkdirSync(join(this.stateDir, 'exit'), { recursive: true });
    this.server = createServer((req, res) => this.serve(req, res));
    this.server.keepAliveTimeout = 0; // the runtime keeps its connection for as long as it lives
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, h.apiHost, () => resolve());
    });
    const port = (this.server.address() as { port: number }).port;
    this.watcher = watch(join(this.stateDir, 'exit'), () => this.checkExit());
    this.watcher.on('error', () => undefined);
    const spec = this.workloadSpec(port);
    this.initTimer = setTimeout(() => this.fail('Sandbox.Timedout', `INIT did not finish within ${INIT_TIMEOUT_MS / 1000} seconds`, 'init'), INIT_TIMEOUT_MS);
    try {
      await h.compute.start(spec);
      this.started = true;
    } catch (err) {
      if (this.ip) h.releaseNetwork?.(this.ip);
      this.ip = undefined;
      await this.destroy();
      throw err;
    }
    try {
      this.logFd = openSync(join(this.stateDir, 'console.log'), 'r');
      this.logOffset = fstatSync(this.logFd).size;
    } catch {
      /* no console log: no logs */
    }
    if (this.state === 'dead') return;
    this.checkExit();
  }

  private workloadSpec(port: number): WorkloadSpec {
    const h = this.host;
    const s = this.spec;
    const taskRoot = h.isolated ? '/var/task' : s.codeDir;
    const runtimeDir = h.isolated ? '/var/runtime' : h.runtimesDir;
    const volumes: VolumeMount[] = h.isolated
      ? [{ volumeId: 'task', hostPath: s.codeDir, mountPath: '/var/task' }, { volumeId: 'runtime', hostPath: h.runtimesDir, mountPath: '/var/runtime' }]
      : [];
    let command: string;
    if (s.runtime.startsWith('nodejs')) command = `${sq(h.nodePath)} ${sq(`${runtimeDir}/node-bootstrap.mjs`)}`;
    else if (s.runtime.startsWith('python')) command = `${sq(h.pythonPath)} -u ${sq(`${runtimeDir}/python-bootstrap.py`)}`;
    else command = `${sq(`${taskRoot}/bootstrap`)}`;
    const network = h.allocateNetwork?.();
    this.ip = network?.ip;
    const env: Record<string, string> = {
      ...h.baseEnv,
      ...h.accountEnv?.(s.account),
      ...s.env,
      AWS_LAMBDA_RUNTIME_API: `${h.apiHost}:${port}`,
      _HANDLER: s.handler,
      LAMBDA_TASK_ROOT: taskRoot,
      LAMBDA_RUNTIME_DIR: runtimeDir,
      AWS_EXECUTION_ENV: `AWS_Lambda_${s.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: s.name,
      AWS_LAMBDA_FUNCTION_VERSION: s.version,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(s.memoryMiB),
      AWS_LAMBDA_LOG_GROUP_NAME: s.logGroup,
      AWS_LAMBDA_LOG_STREAM_NAME: this.logStream,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_REGION: s.region,
      AWS_DEFAULT_REGION: s.region,
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      PYTHONUNBUFFERED: '1',
      NODE_PATH: `${runtimeDir}/node_modules:${taskRoot}/node_modules`,
      PATH: `${taskRoot}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    };
    // The wrapper runs the runtime, then records how it ended where Nimbus watches. It cds into the task root like AWS.
    const wrapper = [
      '#!/bin/sh',
      'nimbus_exit="$(dirname "$0")/exit"',
      `cd ${sq(taskRoot)} || exit 1`,
      `${command} </dev/null`,
      'nimbus_rc=$?',
      'echo "$nimbus_rc" > "$nimbus_exit/status.tmp" && mv "$nimbus_exit/status.tmp" "$nimbus_exit/status"',
      '',
    ].join('\n');
    return {
      id: this.id,
      hostname: `sandbox-${this.id.slice(-8)}`,
      vcpus: Math.max(1, Math.ceil(s.memoryMiB / VCPU_MIB)),
      memoryMiB: s.memoryMiB,
      stateDir: this.stateDir,
      userData: Buffer.from(wrapper),
      env,
      network,
      ingress: [],
      volumes,
    };
  }

  /** Hands an invocation to the environment; resolves with what the runtime (or its death) said. */
  run(req: InvokeRequest & { requestId: string }, timeoutMs: number): Promise<Outcome> {
    if (this.state === 'dead') return Promise.resolve({ kind: 'error', payload: errorPayload('Runtime.Unknown', 'environment is gone'), errorType: 'Runtime.Unknown', fatal: 'exit' });
    this.state = 'busy';
    return new Promise<Outcome>((resolve) => {
      const inv: Invocation = { requestId: req.requestId, req, timeoutMs, resolve };
      if (this.next) this.deliver(inv, this.next);
      else this.queued = inv;
    });
  }

  private deliver(inv: Invocation, res: ServerResponse): void {
    this.next = undefined;
    this.current = inv;
    const now = Date.now();
    inv.deliveredAt = now;
    const deadline = now + inv.timeoutMs;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': inv.requestId,
      'lambda-runtime-deadline-ms': String(deadline),
      'lambda-runtime-invoked-function-arn': inv.req.invokedArn,
      'lambda-runtime-trace-id': inv.req.traceId ?? `Root=1-${Math.floor(now / 1000).toString(16)}-${inv.requestId.replace(/-/g, '').slice(0, 24)};Sampled=0`,
      'content-length': String(inv.req.payload.length),
    };
    if (inv.req.clientContext) headers['lambda-runtime-client-context'] = inv.req.clientContext;
    if (inv.req.cognitoIdentity) headers['lambda-runtime-cognito-identity'] = inv.req.cognitoIdentity;
    inv.timer = setTimeout(() => {
      const secs = (inv.timeoutMs / 1000).toFixed(2);
      this.fail('Sandbox.Timedout', `RequestId: ${inv.requestId} Error: Task timed out after ${secs} seconds`, 'timeout');
    }, inv.timeoutMs);
    res.writeHead(200, headers);
    res.end(inv.req.payload);
  }

  private finish(o: Outcome): void {
    const inv = this.current ?? this.queued;
    this.current = undefined;
    this.queued = undefined;
    if (!inv) return;
    if (inv.timer) clearTimeout(inv.timer);
    this.lastUsed = this.host.now();
    if (this.state === 'busy') this.state = 'idle';
    inv.resolve(o);
  }

  /** Fails the current invocation (if any) with a platform error and tears the environment down. */
  private fail(errorType: string, message: string, fatal: 'timeout' | 'exit' | 'init', payload?: Buffer): void {
    if (this.state === 'dead') return;
    const inv = this.current ?? this.queued;
    this.state = 'dead';
    if (inv) {
      if (inv.timer) clearTimeout(inv.timer);
      this.current = undefined;
      this.queued = undefined;
      inv.resolve({ kind: 'error', payload: payload ?? errorPayload(errorType, message), errorType, fatal });
    }
    void this.destroy();
  }

  private checkExit(): void {
    const file = join(this.stateDir, 'exit', 'status');
    if (this.state === 'dead' || !existsSync(file)) return;
    const rc = Number(readFileSync(file, 'utf8').trim());
    void (async () => {
      // A SIGKILL inside the memory limit is the OOM killer: AWS reports Runtime.OutOfMemory.
      const stats = rc === 137 && this.started ? await this.host.compute.driver.stats(this.id).catch(() => undefined) : undefined;
      const oom = (stats?.oomKills ?? 0) > 0;
      const id = (this.current ?? this.queued)?.requestId;
      const msg = `${id ? `RequestId: ${id} ` : ''}Error: Runtime exited with error: ${exitDescription(rc)}`;
      this.fail(oom ? 'Runtime.OutOfMemory' : 'Runtime.ExitError', msg, 'exit');
    })();
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_SYNC_PAYLOAD + 1) chunks.push(c);
    });
    req.on('end', () => this.route(req.method ?? 'GET', url, req.headers, Buffer.concat(chunks), size, res));
  }

  private route(method: string, url: string, headers: IncomingMessage['headers'], body: Buffer, size: number, res: ServerResponse): void {
    const reply = (status: number, doc: unknown) => {
      const text = JSON.stringify(doc);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
      res.end(text);
    };
    const base = `/${RUNTIME_API_VERSION}/runtime`;
    if (!url.startsWith(base)) return reply(404, { errorMessage: 'Not Found', errorType: 'NotFound' });
    const path = url.slice(base.length);
    if (path === '/invocation/next' && method === 'GET') {
      if (this.state === 'dead') return reply(410, { errorMessage: 'environment is shutting down', errorType: 'Runtime.Shutdown' });
      if (this.initMs === undefined) {
        this.initMs = this.host.now() - this.startedAt;
        if (this.initTimer) clearTimeout(this.initTimer);
        this.initTimer = undefined;
      }
      this.next?.destroy();
      if (this.queued) {
        const inv = this.queued;
        this.queued = undefined;
        this.deliver(inv, res);
      } else {
        this.next = res;
        if (this.state === 'starting') this.state = 'idle';
      }
      return;
    }
    if (path === '/init/error' && method === 'POST') {
      reply(202, { status: 'OK' });
      const type = String(headers['lambda-runtime-function-error-type'] ?? 'Runtime.Unknown');
      this.fail(type, 'init error', 'init', normalizeError(body, type));
      return;
    }
    const m = /^\/invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (m && method === 'POST') {
      const id = decodeURIComponent(m[1]);
      if (!this.current || this.current.requestId !== id) return reply(400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
      if (m[2] === 'response') {
        if (size > MAX_SYNC_PAYLOAD) {
          reply(413, { errorMessage: `Exceeded maximum allowed payload size (${MAX_SYNC_PAYLOAD} bytes).`, errorType: 'RequestEntityTooLarge' });
          const msg = `Response payload size (${size} bytes) exceeded maximum allowed payload size (${MAX_SYNC_PAYLOAD} bytes).`;
          this.finish({ kind: 'error', payload: errorPayload('Function.ResponseSizeTooLarge', msg), errorType: 'Function.ResponseSizeTooLarge' });
          return;
        }
        reply(202, { status: 'OK' });
        this.finish({ kind: 'ok', payload: body });
      } else {
        reply(202, { status: 'OK' });
        const type = String(headers['lambda-runtime-function-error-type'] ?? 'Unhandled');
        this.finish({ kind: 'error', payload: normalizeError(body, type), errorType: type });
      }
      return;
    }
    reply(404, { errorMessage: `Unknown Runtime API path ${method} ${path}`, errorType: 'NotFound' });
  }

  /** Console output written since the last call (the function's stdout/stderr). */
  readLogs(): string {
    if (this.logFd === undefined) return '';
    try {
      const size = fstatSync(this.logFd).size;
      if (size <= this.logOffset) return '';
      const buf = Buffer.alloc(Math.min(size - this.logOffset, 1 << 20));
      const n = readSync(this.logFd, buf, 0, buf.length, this.logOffset);
      this.logOffset += n;
      return buf.subarray(0, n).toString('utf8');
    } catch {
      return '';
    }
  }

  private memory?: { at: number; mib?: number };

  /** Memory in use (cgroup), read at most once a second per environment: reading cgroup files costs CPU. */
  async memoryUsedMiB(fresh = false): Promise<number | undefined> {
    const now = Date.now();
    if (!fresh && this.memory && now - this.memory.at < 1000) return this.memory.mib;
    const s = await this.host.compute.driver.stats(this.id).catch(() => undefined);
    const mib = s ? Math.ceil(s.memoryBytes / 1048576) : this.memory?.mib;
    this.memory = { at: now, mib };
    return mib;
  }

  /** Stops the workload and frees everything (idempotent). */
  destroy(): Promise<void> {
    if (this.destroying) return this.destroying;
    this.state = 'dead';
    this.destroying = (async () => {
      if (this.initTimer) clearTimeout(this.initTimer);
      const inv = this.current ?? this.queued;
      if (inv) {
        if (inv.timer) clearTimeout(inv.timer);
        inv.resolve({ kind: 'error', payload: errorPayload('Runtime.Unknown', 'the execution environment was shut down'), errorType: 'Runtime.Unknown', fatal: 'exit' });
      }
      this.current = undefined;
      this.queued = undefined;
      this.watcher?.close();
      this.next?.destroy();
      this.server?.closeAllConnections?.();
      this.server?.close();
      this.onDead?.(this);
      if (this.started) await this.host.compute.stop(this.id, 0).catch((err) => this.host.log.warn({ err, id: this.id }, 'sandbox stop failed'));
      if (this.ip) this.host.releaseNetwork?.(this.ip);
      if (this.logFd !== undefined) closeSync(this.logFd);
      this.logFd = undefined;
      rmSync(this.stateDir, { recursive: true, force: true });
    })();
    return this.destroying;
  }
}

/** The error document of an /error or /init/error post, with errorType filled in when the runtime left it out. */
function normalizeError(body: Buffer, type: string): Buffer {
  try {
    const doc = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
      const out: Record<string, unknown> = { errorType: doc.errorType ?? type, errorMessage: doc.errorMessage ?? '' };
      for (const [k, v] of Object.entries(doc)) if (!(k in out)) out[k] = v;
      if (out.trace === undefined && out.stackTrace !== undefined) out.stackTrace = doc.stackTrace;
      return Buffer.from(JSON.stringify(out));
    }
  } catch {
    /* not JSON */
  }
  return errorPayload(type, body.toString('utf8'));
}

function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
