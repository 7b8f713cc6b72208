import type { FunctionLogSink } from './types.ts';

/** Keeps the most recent lines per stream in memory: the stand-in until CloudWatch Logs is connected. */
export class MemoryLogSink implements FunctionLogSink {
  readonly streams = new Map<string, { timestamp: number; message: string }[]>();
  constructor(private maxPerStream = 10_000) {}

  put(account: string, region: string, group: string, stream: string, events: { timestamp: number; message: string }[]): void {
    const key = `${account}/${region}/${group}/${stream}`;
    const list = this.streams.get(key) ?? [];
    list.push(...events);
    if (list.length > this.maxPerStream) list.splice(0, list.length - this.maxPerStream);
    this.streams.set(key, list);
  }

  /** Every message of a group, oldest first (tests, `nimbus logs` until CloudWatch Logs lands). */
  messages(account: string, region: string, group: string): string[] {
    const prefix = `${account}/${region}/${group}/`;
    return [...this.streams.entries()].filter(([k]) => k.startsWith(prefix)).flatMap(([, v]) => v).sort((a, b) => a.timestamp - b.timestamp).map((e) => e.message);
  }
}
