import { Agent, request } from 'node:http';

// A bounded HTTP load generator for the integration tests and bench/scaling.ts: a fixed request rate over
// keep-alive connections, every response recorded (status, body = the answering hostname), a hard stop.

export interface LoadResult {
  /** performance.now() when the response ended (or failed). */
  at: number;
  status: number;
  body: string;
  error?: string;
}

export class Load {
  readonly results: LoadResult[] = [];
  private agent = new Agent({ keepAlive: true, maxSockets: 16 });
  private timer?: NodeJS.Timeout;
  private deadline?: NodeJS.Timeout;
  private inflight = new Set<Promise<void>>();
  private watchers = new Set<(r: LoadResult) => void>();
  private stopped = false;
  startedAt = 0;

  constructor(private url: string, private rate: number, private maxMs: number) {}

  /** Starts sending `rate` requests/s; stops by itself after `maxMs` (the load is always bounded). */
  start(): this {
    this.startedAt = performance.now();
    const every = 1000 / this.rate;
    let due = this.startedAt;
    // Catch up on late timer ticks so the rate holds even when the event loop is busy.
    this.timer = setInterval(() => {
      const now = performance.now();
      while (due <= now && !this.stopped) {
        this.fire();
        due += every;
      }
    }, Math.max(1, Math.floor(every / 2)));
    this.deadline = setTimeout(() => void this.stop(), this.maxMs);
    return this;
  }

  private fire(): void {
    const p = new Promise<void>((resolve) => {
      const done = (r: LoadResult) => {
        this.results.push(r);
        for (const w of this.watchers) w(r);
        resolve();
      };
      const req = request(this.url, { agent: this.agent, timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => done({ at: performance.now(), status: res.statusCode ?? 0, body }));
        res.on('error', (err) => done({ at: performance.now(), status: 0, body, error: err.message }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => done({ at: performance.now(), status: 0, body: '', error: err.message }));
      req.end();
    });
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  get running(): boolean {
    return !this.stopped;
  }

  /** Calls fn for every response from now on; returns the unsubscribe function. */
  watch(fn: (r: LoadResult) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  /** The next `n` responses (bounded by the load's own deadline). */
  next(n: number): Promise<LoadResult[]> {
    return new Promise((resolve, reject) => {
      const got: LoadResult[] = [];
      const check = setInterval(() => {
        if (this.stopped && got.length < n) {
          clearInterval(check);
          off();
          reject(new Error(`the load stopped after ${got.length} of ${n} responses`));
        }
      }, 100);
      const off = this.watch((r) => {
        got.push(r);
        if (got.length === n) {
          clearInterval(check);
          off();
          resolve(got);
        }
      });
    });
  }

  /** Stops sending and waits for the requests in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.deadline);
    await Promise.all([...this.inflight]);
    this.agent.destroy();
  }
}

/** GET that resolves with the status line at once and the rest of the body when it ends (a slow request). */
export function slowGet(url: string): { head: Promise<{ status: number; first: string }>; done: Promise<{ status: number; body: string }> } {
  let onHead!: (h: { status: number; first: string }) => void;
  let onHeadErr!: (e: Error) => void;
  const head = new Promise<{ status: number; first: string }>((res, rej) => ((onHead = res), (onHeadErr = rej)));
  const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 90_000 }, (res) => {
      let body = '';
      let first = false;
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
        if (!first && body.includes('\n')) {
          first = true;
          onHead({ status: res.statusCode ?? 0, first: body.slice(0, body.indexOf('\n')) });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => {
      onHeadErr(err);
      reject(err);
    });
    req.end();
  });
  done.catch(() => undefined);
  head.catch(() => undefined);
  return { head, done };
}

/** 'ip-10-1-2-3' for 10.1.2.3: the hostname an instance answers with. */
export const hostnameOf = (privateIp: string) => `ip-${privateIp.replace(/\./g, '-')}`;

/**
 * User data: a web server answering its hostname on /; /slow answers its hostname line at once, then holds the
 * response open until /tmp/release exists inside the instance (or 45 s pass) and ends it with "done".
 */
export const SLOW_WEB_SERVER = `#!/bin/sh
exec node -e '
const fs = require("fs"), h = require("os").hostname();
require("http").createServer((q, s) => {
  if (q.url.startsWith("/slow")) {
    s.writeHead(200, { "content-type": "text/plain" });
    s.write(h + "\\n");
    const t0 = Date.now();
    const wait = () => (fs.existsSync("/tmp/release") || Date.now() - t0 > 45000 ? s.end("done\\n") : setTimeout(wait, 50));
    return wait();
  }
  s.end(h);
}).listen(80)'
`;
