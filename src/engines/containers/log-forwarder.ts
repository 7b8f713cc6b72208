import { open, stat } from 'node:fs/promises';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { LogsPort } from './ports.ts';
import type { Scope } from './types.ts';

// The awslogs log driver: each container's stdout+stderr file (written by the OCI runtime) is read as it grows and
// every line becomes a CloudWatch Logs event in `awslogs-group`, stream `<awslogs-stream-prefix>/<container>/<task id>`.
// Lines are stamped when Nimbus reads them (≤ 200 ms after they were written). A line longer than CloudWatch's
// 256 KiB event limit is split.

const MAX_EVENT = 256 * 1024 - 26;

interface Source {
  file: string;
  scope: Scope;
  group: string;
  stream: string;
  offset: number;
  partial: string;
  reading?: Promise<void>;
}

export class LogForwarder {
  private sources = new Map<string, Source>();
  private timer?: NodeJS.Timeout;

  constructor(private logs: LogsPort | undefined, private clock: Clock, private log: Logger, private everyMs = 200) {}

  watch(key: string, file: string, target: { scope: Scope; group: string; stream: string }, fromOffset = 0): void {
    if (!this.logs) return;
    this.sources.set(key, { file, ...target, offset: fromOffset, partial: '' });
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.everyMs);
      this.timer.unref();
    }
  }

  /** Reads what is left (including an unterminated last line) and stops watching. */
  async unwatch(key: string): Promise<void> {
    const s = this.sources.get(key);
    if (!s) return;
    this.sources.delete(key);
    await s.reading;
    await this.read(s, true);
    if (!this.sources.size && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Flushes every source now (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.sources.values()].map((s) => this.readOnce(s)));
  }

  private async tick(): Promise<void> {
    await Promise.all([...this.sources.values()].map((s) => this.readOnce(s)));
  }

  private readOnce(s: Source): Promise<void> {
    s.reading ??= this.read(s, false).finally(() => (s.reading = undefined));
    return s.reading;
  }

  private async read(s: Source, final: boolean): Promise<void> {
    try {
      const size = (await stat(s.file)).size;
      if (size > s.offset) {
        const fh = await open(s.file, 'r');
        try {
          const buf = Buffer.alloc(Math.min(size - s.offset, 4 * 1024 * 1024));
          const { bytesRead } = await fh.read(buf, 0, buf.length, s.offset);
          s.offset += bytesRead;
          s.partial += buf.subarray(0, bytesRead).toString('utf8');
        } finally {
          await fh.close();
        }
      }
    } catch {
      /* not created yet, or gone */
    }
    const lines = s.partial.split('\n');
    s.partial = final ? '' : lines.pop()!;
    const now = this.clock.now();
    const events: { timestamp: number; message: string }[] = [];
    for (const raw of lines) {
      const line = raw.replace(/\r$/, '');
      if (!line) continue;
      for (let i = 0; i < line.length; i += MAX_EVENT) events.push({ timestamp: now, message: line.slice(i, i + MAX_EVENT) });
    }
    if (!events.length) return;
    try {
      this.logs!.append(s.scope, s.group, s.stream, events);
    } catch (err) {
      this.log.warn({ err, group: s.group, stream: s.stream }, 'container logs dropped');
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sources.clear();
  }
}
