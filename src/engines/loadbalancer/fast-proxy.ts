import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { sourceAddress } from './health.ts';
import { HttpListener } from './http-proxy.ts';
import { ChunkedScanner, MAX_HEAD, parseRequestHead, parseResponseHead, type RequestHead } from './http-parse.ts';
import type { Counters } from './metrics.ts';
import { redirectLocation, route, type RequestInfo } from './rules.ts';
import { chooseTargetGroup, chooseZone, type ListenerHost } from './runtime.ts';
import type { InFlight, Target, TargetGroupRuntime } from './target-group.ts';
import type { ActionSpec, FixedResponseSpec, RedirectSpec } from './types.ts';

// The Application Load Balancer's fast path: an HTTP/1.1 reverse proxy on raw sockets. It parses request heads
// itself (http-parse.ts), routes and picks targets with the same engine functions as the node:http proxy
// (http-proxy.ts), writes the rewritten head and the body as they came to a pooled keep-alive connection to the
// target, and relays the response after reading only its status line and framing headers. One request at a time
// per client connection (pipelined requests wait their turn, so responses keep their order). What it does not
// take — HTTP/1.0, Upgrade, CONNECT, other transfer codings, Expect other than 100-continue, Lambda targets — is
// handed, connection and all, to the node:http proxy. Malformed requests get 400 and the connection is closed.

const TRACE_PREFIX = randomBytes(8).toString('hex');
let traceCounter = 0;
function traceId(): string {
  traceCounter = (traceCounter + 1) >>> 0;
  return `1-${Math.floor(Date.now() / 1000).toString(16)}-${TRACE_PREFIX}${traceCounter.toString(16).padStart(8, '0')}`;
}

const TITLES: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 413: 'Request Entity Too Large', 431: 'Request Header Fields Too Large', 502: 'Bad Gateway', 503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out' };
/** Request headers the target never sees as sent (hop-by-hop, or set by the load balancer). */
const DROP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'expect', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-port', 'x-amzn-trace-id']);
/** Pipelined bytes buffered before reading from the client pauses. */
const MAX_PENDING = 1024 * 1024;
const MAX_IDLE_PER_TARGET = 256;
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

function errorPage(status: number): string {
  const title = `${status} ${TITLES[status] ?? ''}`.trim();
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
}

/** Idle keep-alive connections to one target. */
class Pool {
  readonly idle: Backend[] = [];
  /** from: the load balancer's own address as the source (security groups of the target see the load balancer). */
  constructor(readonly tg: TargetGroupRuntime, readonly target: Target, readonly ip: string, readonly from?: string) {}
  get gone(): boolean {
    return this.tg.targets.get(this.target.key) !== this.target || this.target.ip !== this.ip;
  }
}

/** One connection to a target. */
class Backend {
  owner: ClientConn | undefined;
  reused = false;
  readonly sock: Socket;
  constructor(readonly pool: Pool, public idleMs: number) {
    this.sock = connect({ host: pool.ip, port: pool.target.port, noDelay: true, ...(pool.from ? { localAddress: pool.from } : {}) });
    this.sock.setTimeout(idleMs);
    this.sock.on('data', (c: Buffer) => {
      if (this.owner) this.owner.onBackendData(this, c);
      else this.sock.destroy();
    });
    this.sock.on('drain', () => this.owner?.resumeClient(PAUSE_BACKEND));
    this.sock.on('timeout', () => {
      if (this.owner) this.owner.onBackendTimeout(this);
      else this.sock.destroy();
    });
    this.sock.on('error', () => undefined);
    this.sock.on('close', () => {
      if (this.owner) this.owner.onBackendClose(this);
      else {
        const i = this.pool.idle.indexOf(this);
        if (i >= 0) this.pool.idle.splice(i, 1);
      }
    });
  }
}

const PAUSE_BACKEND = 1;
const PAUSE_PIPELINE = 2;

// Response states.
const R_NONE = 0;
const R_HEAD = 1;
const R_BODY = 2;
const R_DONE = 3;

/** One client connection and the exchange in progress on it (at most one at a time). */
class ClientConn implements InFlight {
  private buf: Buffer | undefined;
  private closed = false;
  private ended = false;
  private paused = 0;
  private pumping = false;
  readonly ip: string;

  // The exchange in progress.
  private active = false;
  private head: RequestHead | undefined;
  private reqLeft = 0;
  private reqChunked: ChunkedScanner | undefined;
  private reqDone = true;
  private bodyBytesSent = 0;
  private closeAfter = false;
  private tg: TargetGroupRuntime | undefined;
  private target: Target | undefined;
  private tgc: Counters | undefined;
  private started = 0;
  private fwdHead = '';
  private backend: Backend | undefined;
  private retried = false;
  private res = R_NONE;
  private rbuf: Buffer | undefined;
  private resLeft = 0;
  private resChunked: ChunkedScanner | undefined;
  private resUntilClose = false;
  private backendReusable = false;
  private noBodyResponse = false;

  constructor(private readonly l: FastHttpListener, readonly sock: Socket) {
    const a = sock.remoteAddress ?? '';
    this.ip = a.startsWith('::ffff:') ? a.slice(7) : a;
    sock.setNoDelay(true);
    sock.setTimeout(l.idleMs);
    sock.on('data', this.onData);
    sock.on('end', this.onEnd);
    sock.on('close', this.onClose);
    sock.on('error', noop);
    sock.on('timeout', this.onTimeout);
    sock.on('drain', this.onDrain);
  }

  // ---- client side

  private onData = (chunk: Buffer): void => {
    this.buf = this.buf && this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    this.pump();
  };

  private onEnd = (): void => {
    this.ended = true;
    if (this.active && !this.reqDone) {
      // The request body will never be complete.
      this.abort();
      return;
    }
    if (!this.active) this.pump();
  };

  private onClose = (): void => {
    this.closed = true;
    this.buf = undefined;
    if (this.active) {
      const b = this.backend;
      if (b && this.res !== R_DONE) {
        this.backend = undefined;
        b.owner = undefined;
        b.sock.destroy();
      }
      this.endFlight();
      this.active = false;
    }
  };

  private onTimeout = (): void => {
    // While a target is working on the request its connection's timeout decides (504); otherwise idle → close.
    if (!this.active || this.res === R_DONE) this.sock.destroy();
  };

  private onDrain = (): void => {
    this.backend?.sock.resume();
  };

  /** Drops the connection and whatever is in flight on it (a drain deadline passed, or the client went away mid-request). */
  cut(): void {
    this.abort();
  }

  private abort(): void {
    const b = this.backend;
    this.backend = undefined;
    if (b) {
      b.owner = undefined;
      b.sock.destroy();
    }
    this.endFlight();
    this.active = false;
    this.closed = true;
    this.sock.destroy();
  }

  pauseClient(why: number): void {
    if (!this.paused) this.sock.pause();
    this.paused |= why;
  }

  resumeClient(why: number): void {
    if (!(this.paused & why)) return;
    this.paused &= ~why;
    if (!this.paused && !this.closed) this.sock.resume();
  }

  /** Moves the request state forward with the bytes buffered from the client. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.pumpLoop();
    } finally {
      this.pumping = false;
    }
  }

  private pumpLoop(): void {
    while (!this.closed) {
      const buf = this.buf;
      if (this.active) {
        if (this.reqDone) {
          if (buf && buf.length > MAX_PENDING) this.pauseClient(PAUSE_PIPELINE);
          return;
        }
        if (!buf || !buf.length) return;
        this.requestBody(buf);
        continue;
      }
      if (!buf || !buf.length) {
        if (this.ended) this.sock.end();
        return;
      }
      const r = parseRequestHead(buf);
      if ('incomplete' in r) {
        if (this.ended) this.sock.end();
        else if (buf.length > 2 * MAX_HEAD) this.reject(431);
        return;
      }
      if ('error' in r) {
        this.reject(r.error);
        return;
      }
      if (r.head.unusual) {
        this.handOver();
        return;
      }
      this.buf = r.size === buf.length ? undefined : buf.subarray(r.size);
      if (!this.begin(r.head, buf)) return;
    }
  }

  /** Relays (or drops) the next part of the request body. */
  private requestBody(buf: Buffer): void {
    let n: number;
    if (this.reqChunked) {
      n = this.reqChunked.feed(buf, 0, buf.length);
      if (n < 0) {
        // A broken chunked body: the target cannot be given the rest; the client gets 400 if nothing was answered.
        if (this.res === R_NONE || this.res === R_HEAD) {
          this.dropBackend();
          this.closeAfter = true;
          this.localResponse(400, 'text/html', errorPage(400), true);
        } else this.abort();
        return;
      }
      if (this.reqChunked.done) this.reqDone = true;
    } else {
      n = Math.min(this.reqLeft, buf.length);
      this.reqLeft -= n;
      if (this.reqLeft === 0) this.reqDone = true;
    }
    const part = n === buf.length ? buf : buf.subarray(0, n);
    this.buf = n === buf.length ? undefined : buf.subarray(n);
    const b = this.backend;
    if (b && n) {
      this.bodyBytesSent += n;
      if (!b.sock.write(part)) this.pauseClient(PAUSE_BACKEND);
    }
    if (this.reqDone && this.res === R_DONE) this.finish();
  }

  /** Starts an exchange; false when it answered and closed already. */
  private begin(head: RequestHead, raw: Buffer): boolean {
    this.active = true;
    this.head = head;
    this.closeAfter = head.close;
    this.reqChunked = undefined;
    this.reqLeft = 0;
    if (head.chunked) {
      this.reqChunked = new ChunkedScanner();
      this.reqDone = false;
    } else if (head.contentLength > 0) {
      this.reqLeft = head.contentLength;
      this.reqDone = false;
    } else this.reqDone = true;
    this.bodyBytesSent = 0;
    this.res = R_NONE;
    this.retried = false;

    const host = this.l.host;
    const listener = host.listener;
    let action: ActionSpec = listener.spec.defaultAction;
    if (listener.rules.length) action = route(listener.rules, action, this.requestInfo(head));
    let tg: TargetGroupRuntime | undefined;
    if (action.type === 'forward') {
      const arn = chooseTargetGroup(action.targetGroups);
      tg = arn ? host.targetGroup(arn) : undefined;
      if (tg?.spec.targetType === 'lambda') {
        // Not on the fast path: rewind and let node:http take the connection.
        this.active = false;
        this.buf = raw;
        this.handOver();
        return false;
      }
    }
    if (head.expectContinue && !this.reqDone) this.sock.write(CONTINUE, 'latin1');
    switch (action.type) {
      case 'forward':
        return tg ? this.forward(tg) : this.elbError(503);
      case 'fixed-response':
        return this.fixed(action);
      case 'redirect':
        return this.redirect(action);
    }
  }

  private requestInfo(head: RequestHead): RequestInfo {
    const headers: IncomingHttpHeaders = {};
    for (let i = 0; i < head.names.length; i++) {
      const k = head.names[i]!;
      const prev = headers[k];
      headers[k] = prev === undefined ? head.values[i]! : `${String(prev)}, ${head.values[i]!}`;
    }
    const url = head.url;
    const q = url.indexOf('?');
    return {
      method: head.method, path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1),
      host: (this.header('host') ?? '').toLowerCase().replace(/:\d+$/, ''), headers, sourceIp: this.ip,
    };
  }

  private header(name: string): string | undefined {
    const h = this.head!;
    const i = h.names.indexOf(name);
    return i < 0 ? undefined : h.values[i];
  }

  private fixed(a: FixedResponseSpec): boolean {
    this.l.host.lb.counters.elbCode(a.statusCode);
    this.localResponse(a.statusCode, a.contentType ?? 'text/plain; charset=utf-8', a.body ?? '', false);
    return !this.closed;
  }

  private redirect(a: RedirectSpec): boolean {
    const { listener } = this.l.host;
    const url = this.head!.url;
    const q = url.indexOf('?');
    const location = redirectLocation(a, {
      protocol: listener.spec.protocol, host: (this.header('host') ?? '').replace(/:\d+$/, ''), port: listener.spec.port,
      path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1),
    });
    this.l.host.lb.counters.elbCode(a.statusCode);
    const body = `<html>\r\n<head><title>${a.statusCode} Moved</title></head>\r\n<body>\r\n<center><h1>${a.statusCode} Moved</h1></center>\r\n</body>\r\n</html>\r\n`;
    this.localResponse(a.statusCode, 'text/html', body, false, `Location: ${location}\r\n`);
    return !this.closed;
  }

  /** An error answered by the load balancer itself (counted as an ELB code). */
  private elbError(status: number): boolean {
    this.l.host.lb.counters.elbCode(status);
    if (this.res === R_BODY) {
      this.abort();
      return false;
    }
    this.localResponse(status, 'text/html', errorPage(status), false);
    return !this.closed;
  }

  /** Writes a response made here; the request body (if any) is read and dropped. */
  private localResponse(status: number, type: string, body: string, close: boolean, extra = ''): void {
    if (close) this.closeAfter = true;
    const len = Buffer.byteLength(body);
    const head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nServer: awselb/2.0\r\nDate: ${new Date().toUTCString()}\r\nContent-Type: ${type}\r\nContent-Length: ${len}\r\n${extra}${this.closeAfter ? 'Connection: close\r\n' : ''}\r\n`;
    const isHead = this.head?.method === 'HEAD';
    this.sock.write(isHead ? head : head + body, isHead ? 'latin1' : 'utf8');
    this.res = R_DONE;
    if (this.reqDone || this.closeAfter) this.finish();
  }

  /** 400/431 for a request that cannot be parsed, then close. */
  private reject(status: number): void {
    this.l.host.lb.counters.elbCode(status);
    const body = errorPage(status);
    this.sock.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nServer: awselb/2.0\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`, 'latin1');
    this.closed = true;
    this.buf = undefined;
  }

  /** Gives the connection (with what it buffered) to the node:http proxy. */
  private handOver(): void {
    const sock = this.sock;
    const buf = this.buf;
    this.buf = undefined;
    this.closed = true;
    sock.pause();
    sock.removeListener('data', this.onData);
    sock.removeListener('end', this.onEnd);
    sock.removeListener('close', this.onClose);
    sock.removeListener('error', noop);
    sock.removeListener('timeout', this.onTimeout);
    sock.removeListener('drain', this.onDrain);
    sock.setTimeout(0);
    this.l.handOver(sock, buf, this.ended);
  }

  // ---- forwarding

  private forward(tg: TargetGroupRuntime): boolean {
    const host = this.l.host;
    const lb = host.lb;
    const target = tg.pick(chooseZone(lb, tg));
    if (!target || !target.ip) return this.elbError(503);
    const h = this.head!;
    let s = `${h.method} ${h.url} HTTP/1.1\r\n`;
    let xff: string | undefined;
    let trace: string | undefined;
    for (let i = 0; i < h.names.length; i++) {
      const name = h.names[i]!;
      if (DROP.has(name)) {
        if (name === 'x-forwarded-for') xff = xff === undefined ? h.values[i]! : `${xff}, ${h.values[i]!}`;
        else if (name === 'x-amzn-trace-id') trace ??= h.values[i]!;
        continue;
      }
      s += `${h.lines[i]!}\r\n`;
    }
    const mode = lb.spec.xffMode;
    if (mode === 'append') s += `X-Forwarded-For: ${xff ? `${xff}, ${this.ip}` : this.ip}\r\n`;
    else if (mode === 'preserve' && xff !== undefined) s += `X-Forwarded-For: ${xff}\r\n`;
    s += `X-Forwarded-Proto: ${this.l.proto}\r\nX-Forwarded-Port: ${host.listener.spec.port}\r\n`;
    s += `X-Amzn-Trace-Id: ${trace !== undefined && trace.includes('Root=') ? `Self=${traceId()};${trace}` : `Root=${traceId()}`}\r\n\r\n`;
    this.fwdHead = s;
    this.tg = tg;
    this.target = target;
    this.tgc = lb.tg(tg.spec.arn);
    this.started = performance.now();
    tg.begin(target, this);
    lb.counters.requests += 1;
    this.tgc.requests += 1;
    this.attach(this.l.acquire(tg, target));
    return true;
  }

  private attach(b: Backend): void {
    this.backend = b;
    b.owner = this;
    this.res = R_HEAD;
    this.rbuf = undefined;
    b.sock.write(this.fwdHead, 'latin1');
  }

  private dropBackend(): void {
    const b = this.backend;
    if (!b) return;
    this.backend = undefined;
    b.owner = undefined;
    b.sock.destroy();
    this.resumeClient(PAUSE_BACKEND);
  }

  private endFlight(): void {
    if (this.target) {
      this.tg!.end(this.target, this);
      this.target = undefined;
      this.tg = undefined;
    }
  }

  onBackendData(b: Backend, chunk: Buffer): void {
    if (b !== this.backend) return;
    if (this.res === R_BODY) {
      this.responseBody(chunk);
      return;
    }
    if (this.res !== R_HEAD) {
      // Bytes after the response: the connection cannot be trusted for another request.
      this.backendReusable = false;
      return;
    }
    let buf = this.rbuf ? Buffer.concat([this.rbuf, chunk]) : chunk;
    for (;;) {
      const r = parseResponseHead(buf);
      if ('incomplete' in r) {
        this.rbuf = buf;
        return;
      }
      this.rbuf = undefined;
      if ('error' in r) {
        this.dropBackend();
        this.elbError(502);
        return;
      }
      const rh = r.head;
      if (rh.status < 200) {
        // Interim responses (100 Continue was already sent by the load balancer) are not relayed; 101 was never asked for.
        if (rh.status === 101) {
          this.dropBackend();
          this.elbError(502);
          return;
        }
        buf = buf.subarray(r.size);
        if (!buf.length) return;
        continue;
      }
      const lb = this.l.host.lb;
      const rt = (performance.now() - this.started) / 1000;
      lb.counters.targetCode(rh.status);
      this.tgc!.targetCode(rh.status);
      lb.counters.responseTime.add(rt);
      this.tgc!.responseTime.add(rt);
      const noBody = this.head!.method === 'HEAD' || rh.status === 204 || rh.status === 304;
      this.noBodyResponse = noBody;
      this.resUntilClose = false;
      this.resChunked = undefined;
      this.resLeft = 0;
      this.backendReusable = !rh.close;
      if (!noBody) {
        if (rh.chunked) this.resChunked = new ChunkedScanner();
        else if (rh.contentLength >= 0) this.resLeft = rh.contentLength;
        else {
          this.resUntilClose = true;
          this.backendReusable = false;
        }
      }
      // The client keeps its connection unless it asked to close, or the body ends when the target closes.
      if (this.resUntilClose) this.closeAfter = true;
      const out = this.closeAfter ? `${rh.relay}Connection: close\r\n\r\n` : `${rh.relay}\r\n`;
      this.res = R_BODY;
      const rest = r.size === buf.length ? undefined : buf.subarray(r.size);
      if (noBody || !rest) {
        this.sock.write(out, 'latin1');
        if (rest) this.backendReusable = false;
        if (noBody || (!this.resChunked && !this.resUntilClose && this.resLeft === 0)) this.responseDone();
        return;
      }
      const n = this.bodyLength(rest);
      if (n < 0) return;
      const hl = out.length;
      const all = Buffer.allocUnsafe(hl + n);
      all.write(out, 0, hl, 'latin1');
      rest.copy(all, hl, 0, n);
      if (n < rest.length) this.backendReusable = false;
      const ok = this.sock.write(all);
      if (this.bodyComplete()) this.responseDone();
      else if (!ok) b.sock.pause();
      return;
    }
  }

  /** How many bytes of `chunk` belong to the response body (-1: broken; the exchange was aborted). */
  private bodyLength(chunk: Buffer): number {
    if (this.resUntilClose) return chunk.length;
    if (this.resChunked) {
      const n = this.resChunked.feed(chunk, 0, chunk.length);
      if (n < 0) {
        this.abort();
        return -1;
      }
      return n;
    }
    const n = Math.min(this.resLeft, chunk.length);
    this.resLeft -= n;
    return n;
  }

  private bodyComplete(): boolean {
    return this.resChunked ? this.resChunked.done : !this.resUntilClose && this.resLeft === 0;
  }

  private responseBody(chunk: Buffer): void {
    const n = this.bodyLength(chunk);
    if (n < 0) return;
    if (n < chunk.length) this.backendReusable = false;
    const ok = this.sock.write(n === chunk.length ? chunk : chunk.subarray(0, n));
    if (this.bodyComplete()) this.responseDone();
    else if (!ok) this.backend?.sock.pause();
  }

  private responseDone(): void {
    this.res = R_DONE;
    const b = this.backend;
    this.backend = undefined;
    if (b) {
      b.owner = undefined;
      // A target answering before it got the whole body: its connection is out of step (the rest of the body
      // is read from the client and dropped).
      if (!this.reqDone) this.backendReusable = false;
      if (this.backendReusable) this.l.release(b);
      else b.sock.destroy();
    }
    this.resumeClient(PAUSE_BACKEND);
    if (this.reqDone || this.closeAfter) this.finish();
  }

  onBackendTimeout(b: Backend): void {
    if (b !== this.backend) return;
    this.dropBackend();
    if (this.res === R_BODY) this.abort();
    else this.elbError(504);
  }

  onBackendClose(b: Backend): void {
    if (b !== this.backend) return;
    if (this.res === R_BODY && this.resUntilClose) {
      this.backendReusable = false;
      this.responseDone();
      return;
    }
    this.backend = undefined;
    b.owner = undefined;
    this.resumeClient(PAUSE_BACKEND);
    if (this.res === R_BODY) {
      // The target went away in the middle of its response.
      this.abort();
      return;
    }
    // Nothing answered. A kept-alive connection the target closed as it was reused: safe to try once more when
    // the request has no body (what node:http's agent path does too).
    if (b.reused && !this.retried && !this.rbuf && this.reqDone && this.bodyBytesSent === 0 && !this.head!.chunked && this.head!.contentLength <= 0) {
      this.retried = true;
      this.attach(this.l.fresh(b.pool));
      return;
    }
    const lb = this.l.host.lb;
    lb.counters.targetConnErrors += 1;
    this.tgc!.targetConnErrors += 1;
    this.elbError(502);
  }

  /** The exchange is over (response written; request read or abandoned). */
  private finish(): void {
    this.endFlight();
    this.active = false;
    this.head = undefined;
    this.rbuf = undefined;
    if (this.closeAfter) {
      this.closed = true;
      this.buf = undefined;
      this.dropBackend();
      this.sock.end();
      return;
    }
    if (this.closed) return;
    if (this.sock.timeout !== this.l.idleMs) this.sock.setTimeout(this.l.idleMs);
    this.resumeClient(PAUSE_PIPELINE);
    if (this.buf?.length || this.ended) this.pump();
  }
}

function noop(): void {}

/** The fast-path listener; same surface as HttpListener (a server to listen on, the idle timeout). */
export class FastHttpListener {
  readonly server: Server;
  idleMs: number;
  readonly proto: string;
  private readonly slow: HttpListener;
  private readonly pools = new Map<Target, Pool>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(readonly host: ListenerHost) {
    this.slow = new HttpListener(host);
    this.idleMs = host.lb.spec.idleTimeoutSeconds * 1000;
    this.proto = host.listener.spec.protocol.toLowerCase();
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (sock) => new ClientConn(this, sock));
    this.server.on('close', () => this.closePools());
    // Idle connections to targets that left (deregistered, drained, address changed) are closed.
    this.sweeper = setInterval(() => this.sweep(), 2000);
    this.sweeper.unref();
  }

  setIdleTimeout(seconds: number): void {
    this.idleMs = seconds * 1000;
    this.slow.setIdleTimeout(seconds);
  }

  /** A pooled connection to the target, or a new one. */
  acquire(tg: TargetGroupRuntime, target: Target): Backend {
    let pool = this.pools.get(target);
    if (!pool || pool.ip !== target.ip) {
      if (pool) this.drop(pool);
      pool = new Pool(tg, target, target.ip!, sourceAddress(this.host.lb.spec.address));
      this.pools.set(target, pool);
    }
    const b = pool.idle.pop();
    if (b) {
      b.reused = true;
      if (b.idleMs !== this.idleMs) b.sock.setTimeout((b.idleMs = this.idleMs));
      return b;
    }
    return this.fresh(pool);
  }

  fresh(pool: Pool): Backend {
    return new Backend(pool, this.idleMs);
  }

  release(b: Backend): void {
    const pool = b.pool;
    if (b.sock.destroyed || pool.gone || this.pools.get(pool.target) !== pool || pool.idle.length >= MAX_IDLE_PER_TARGET) {
      b.sock.destroy();
      return;
    }
    if (b.sock.isPaused()) b.sock.resume();
    pool.idle.push(b);
  }

  handOver(sock: Socket, buf: Buffer | undefined, ended: boolean): void {
    if (sock.destroyed) return;
    if (this.idleMs !== this.slow.server.keepAliveTimeout) this.slow.setIdleTimeout(this.idleMs / 1000);
    this.slow.server.emit('connection', sock);
    if (ended) {
      // The stream already ended: hand the bytes over as events.
      process.nextTick(() => {
        if (buf?.length) sock.emit('data', buf);
        sock.emit('end');
      });
      return;
    }
    if (buf?.length) sock.unshift(buf);
    process.nextTick(() => sock.resume());
  }

  private drop(pool: Pool): void {
    this.pools.delete(pool.target);
    for (const b of pool.idle.splice(0)) b.sock.destroy();
  }

  private sweep(): void {
    for (const pool of this.pools.values()) if (pool.gone) this.drop(pool);
  }

  private closePools(): void {
    clearInterval(this.sweeper);
    for (const pool of [...this.pools.values()]) this.drop(pool);
  }
}
