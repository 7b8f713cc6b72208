import { createConnection, type Socket } from 'node:net';

// A minimal QMP client (QEMU Machine Protocol, JSON lines over the VM's unix socket): hot-plugging
// disks needs blockdev-add / device_add / device_del / blockdev-del and the DEVICE_DELETED event.
// One connection per operation: QEMU serves one QMP client per socket at a time, and a connection
// left open would block the next Nimbus (after a restart) from talking to an adopted VM.

interface QmpMessage {
  return?: unknown;
  error?: { class: string; desc: string };
  event?: string;
  data?: Record<string, unknown>;
  QMP?: unknown;
}

export class QmpError extends Error {
  constructor(readonly command: string, readonly errorClass: string, desc: string) {
    super(`QMP ${command}: ${desc}`);
  }
}

export class Qmp {
  private buffer = '';
  private queue: QmpMessage[] = [];
  private waiters: ((m: QmpMessage | undefined) => void)[] = [];
  private closed = false;

  private constructor(private socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, nl).trim();
        this.buffer = this.buffer.slice(nl + 1);
        if (!line) continue;
        try {
          this.push(JSON.parse(line) as QmpMessage);
        } catch {
          /* not JSON: ignore */
        }
      }
    });
    const end = () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(undefined);
    };
    socket.on('close', end);
    socket.on('error', end);
  }

  /** Connects, reads the greeting and leaves capabilities negotiation mode. */
  static async connect(path: string, timeoutMs = 5000): Promise<Qmp> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = createConnection(path);
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`QMP ${path}: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const qmp = new Qmp(socket);
    try {
      const greeting = await qmp.next((m) => 'QMP' in m, timeoutMs);
      if (!greeting) throw new Error(`QMP ${path}: no greeting`);
      await qmp.execute('qmp_capabilities', undefined, timeoutMs);
      return qmp;
    } catch (err) {
      qmp.close();
      throw err;
    }
  }

  private push(m: QmpMessage): void {
    const w = this.waiters.shift();
    if (w) w(m);
    else this.queue.push(m);
  }

  private async next(match: (m: QmpMessage) => boolean, timeoutMs: number): Promise<QmpMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.queue.findIndex(match);
      if (i >= 0) return this.queue.splice(i, 1)[0];
      if (this.closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      const m = await new Promise<QmpMessage | undefined>((resolve) => {
        const timer = setTimeout(() => {
          const at = this.waiters.indexOf(done);
          if (at >= 0) this.waiters.splice(at, 1);
          resolve(undefined);
        }, left);
        const done = (x: QmpMessage | undefined) => {
          clearTimeout(timer);
          resolve(x);
        };
        this.waiters.push(done);
      });
      if (m) this.queue.push(m);
      else if (this.closed || Date.now() >= deadline) return undefined;
    }
  }

  /** Runs a command; resolves with its return value, rejects with QmpError on an error reply. */
  async execute(command: string, args?: Record<string, unknown>, timeoutMs = 10_000): Promise<unknown> {
    if (this.closed) throw new Error(`QMP ${command}: connection closed`);
    // Events may arrive before the reply; replies come in order, one per command (we send one at a time).
    this.socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    const reply = await this.next((m) => 'return' in m || 'error' in m, timeoutMs);
    if (!reply) throw new Error(`QMP ${command}: no reply within ${timeoutMs} ms`);
    if (reply.error) throw new QmpError(command, reply.error.class, reply.error.desc);
    return reply.return;
  }

  /** Waits for an event (already received or still to come) whose data matches. */
  async event(name: string, match: (data: Record<string, unknown>) => boolean, timeoutMs: number): Promise<boolean> {
    return !!(await this.next((m) => m.event === name && match(m.data ?? {}), timeoutMs));
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

/** One QMP session: connect, run fn, always close. */
export async function withQmp<T>(path: string, fn: (q: Qmp) => Promise<T>): Promise<T> {
  const q = await Qmp.connect(path);
  try {
    return await fn(q);
  } finally {
    q.close();
  }
}
