// HTTP/1.1 message framing for the load balancer's fast path (fast-proxy.ts): request and response heads parsed
// from raw bytes, and a chunked-body scanner. Only what proxying needs: the request line, header lines kept raw
// (re-sent as they came), the handful of headers that decide framing, routing and hop-by-hop handling. Anything
// unusual is flagged so the caller can hand the connection to node:http instead of guessing; anything malformed
// is an error (400 for requests, 502 for responses), never an exception.

/** Largest request or response head accepted (AWS ALB allows 64 KiB of request line + headers). */
export const MAX_HEAD = 64 * 1024;
/** Longest chunk-size or trailer line. */
const MAX_LINE = 8 * 1024;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const BAD_TARGET = /[\x00-\x20\x7f]/;
const DIGITS = /^\d{1,15}$/;

export interface RequestHead {
  method: string;
  url: string;
  /** HTTP/1.x minor version. */
  minor: number;
  /** Header lines as received (no CRLF), their lower-case names and trimmed values. */
  lines: string[];
  names: string[];
  values: string[];
  /** -1 when absent. */
  contentLength: number;
  chunked: boolean;
  /** Connection: close asked. */
  close: boolean;
  /** Expect: 100-continue. */
  expectContinue: boolean;
  /** Why node:http should take this request instead (HTTP/1.0, Upgrade, CONNECT, other transfer codings, …). */
  unusual?: string;
}

export type HeadResult<T> = { head: T; size: number } | { incomplete: true } | { error: number; reason: string };

/** Where the head starting at `start` ends (index just past CRLFCRLF), or -1. */
export function headEnd(buf: Buffer, start: number): number {
  const i = buf.indexOf('\r\n\r\n', start, 'latin1');
  return i < 0 ? -1 : i + 4;
}

/**
 * Parses a request head at the start of `buf`. `size` counts the bytes consumed (leading empty lines included).
 * Errors: 400 malformed, 431 head too large.
 */
export function parseRequestHead(buf: Buffer): HeadResult<RequestHead> {
  // RFC 9112 §2.2: ignore empty lines before the request line.
  let start = 0;
  while (start + 1 < buf.length && buf[start] === 13 && buf[start + 1] === 10) start += 2;
  const end = headEnd(buf, start);
  if (end < 0) {
    if (buf.length - start > MAX_HEAD) return { error: 431, reason: 'request head too large' };
    return { incomplete: true };
  }
  if (end - start > MAX_HEAD) return { error: 431, reason: 'request head too large' };
  const text = buf.toString('latin1', start, end - 4);
  const all = text.split('\r\n');
  const reqLine = all[0]!;
  const sp1 = reqLine.indexOf(' ');
  const sp2 = reqLine.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || reqLine.indexOf(' ', sp2 + 1) >= 0) return { error: 400, reason: 'bad request line' };
  const method = reqLine.slice(0, sp1);
  const url = reqLine.slice(sp1 + 1, sp2);
  const version = reqLine.slice(sp2 + 1);
  if (!TOKEN.test(method) || !url || BAD_TARGET.test(url)) return { error: 400, reason: 'bad request line' };
  let minor: number;
  if (version === 'HTTP/1.1') minor = 1;
  else if (version === 'HTTP/1.0') minor = 0;
  else return { error: 400, reason: 'unsupported HTTP version' };
  const n = all.length - 1;
  const lines = new Array<string>(n);
  const names = new Array<string>(n);
  const values = new Array<string>(n);
  let contentLength = -1;
  let te: string | undefined;
  let close = false;
  let expectContinue = false;
  let unusual: string | undefined = minor === 0 ? 'HTTP/1.0' : method === 'CONNECT' ? 'CONNECT' : undefined;
  for (let i = 0; i < n; i++) {
    const line = all[i + 1]!;
    const c = line.indexOf(':');
    if (c <= 0) return { error: 400, reason: 'bad header line' };
    const rawName = line.slice(0, c);
    if (!TOKEN.test(rawName)) return { error: 400, reason: 'bad header name' };
    const value = trimOws(line.slice(c + 1));
    if (BAD_VALUE.test(value)) return { error: 400, reason: 'bad header value' };
    const name = rawName.toLowerCase();
    lines[i] = line;
    names[i] = name;
    values[i] = value;
    switch (name) {
      case 'content-length': {
        if (!DIGITS.test(value)) return { error: 400, reason: 'bad content-length' };
        const v = Number(value);
        if (contentLength >= 0 && contentLength !== v) return { error: 400, reason: 'conflicting content-length' };
        contentLength = v;
        break;
      }
      case 'transfer-encoding':
        te = te === undefined ? value.toLowerCase() : `${te}, ${value.toLowerCase()}`;
        break;
      case 'connection':
        for (const tok of value.toLowerCase().split(',')) {
          const t = tok.trim();
          if (t === 'close') close = true;
          else if (t === 'upgrade') unusual ??= 'upgrade';
        }
        break;
      case 'upgrade':
        unusual ??= 'upgrade';
        break;
      case 'expect':
        if (value.toLowerCase() === '100-continue') expectContinue = true;
        else unusual ??= 'expect';
        break;
    }
  }
  let chunked = false;
  if (te !== undefined) {
    // Both framings at once is how requests get smuggled: refuse (RFC 9112 §6.3 allows rejecting).
    if (contentLength >= 0) return { error: 400, reason: 'content-length with transfer-encoding' };
    if (te === 'chunked') chunked = true;
    else unusual ??= 'transfer-encoding';
  }
  return { head: { method, url, minor, lines, names, values, contentLength, chunked, close, expectContinue, unusual }, size: end };
}

export interface ResponseHead {
  status: number;
  /** HTTP/1.x minor version. */
  minor: number;
  /** The status line and header lines to relay, each ending in CRLF, without Connection / Keep-Alive. */
  relay: string;
  /** -1 when absent. */
  contentLength: number;
  chunked: boolean;
  /** Other transfer codings last: the body runs until the target closes. */
  unframed: boolean;
  /** The target will close the connection after this response. */
  close: boolean;
}

/** Parses a response head at the start of `buf`. Errors: 502 (the target spoke nonsense). */
export function parseResponseHead(buf: Buffer, start = 0): HeadResult<ResponseHead> {
  const end = headEnd(buf, start);
  if (end < 0) return buf.length - start > MAX_HEAD ? { error: 502, reason: 'response head too large' } : { incomplete: true };
  if (end - start > MAX_HEAD) return { error: 502, reason: 'response head too large' };
  const text = buf.toString('latin1', start, end - 4);
  const all = text.split('\r\n');
  const statusLine = all[0]!;
  // HTTP/1.x NNN[ reason]
  if (statusLine.length < 12 || !statusLine.startsWith('HTTP/1.') || statusLine.charCodeAt(8) !== 32) return { error: 502, reason: 'bad status line' };
  const minorCh = statusLine.charCodeAt(7) - 48;
  const status = Number(statusLine.slice(9, 12));
  if ((minorCh !== 0 && minorCh !== 1) || !(status >= 100 && status <= 999) || (statusLine.length > 12 && statusLine.charCodeAt(12) !== 32)) {
    return { error: 502, reason: 'bad status line' };
  }
  let relay = minorCh === 1 ? `${statusLine}\r\n` : `HTTP/1.1${statusLine.slice(8)}\r\n`;
  let contentLength = -1;
  let te: string | undefined;
  let close = minorCh === 0;
  for (let i = 1; i < all.length; i++) {
    const line = all[i]!;
    const c = line.indexOf(':');
    if (c <= 0) return { error: 502, reason: 'bad header line' };
    const first = line.charCodeAt(0) | 0x20;
    // Only names starting with c, k or t matter for framing or hop-by-hop handling.
    if (first === 99 || first === 107 || first === 116) {
      const name = line.slice(0, c).toLowerCase();
      if (name === 'connection' || name === 'keep-alive') {
        if (name === 'connection') {
          for (const tok of line.slice(c + 1).toLowerCase().split(',')) {
            const t = tok.trim();
            if (t === 'close') close = true;
            else if (t === 'keep-alive' && minorCh === 0) close = false;
          }
        }
        continue;
      }
      if (name === 'content-length') {
        const v = trimOws(line.slice(c + 1));
        if (!DIGITS.test(v)) return { error: 502, reason: 'bad content-length' };
        if (contentLength >= 0 && contentLength !== Number(v)) return { error: 502, reason: 'conflicting content-length' };
        contentLength = Number(v);
      } else if (name === 'transfer-encoding') {
        const v = trimOws(line.slice(c + 1)).toLowerCase();
        te = te === undefined ? v : `${te}, ${v}`;
      }
    }
    relay += `${line}\r\n`;
  }
  let chunked = false;
  let unframed = false;
  if (te !== undefined) {
    if (/(^|,)\s*chunked\s*$/.test(te)) chunked = true;
    else unframed = true;
    contentLength = -1;
  }
  return { head: { status, minor: minorCh, relay, contentLength, chunked, unframed, close }, size: end };
}

function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

const SIZE = 0;
const DATA = 1;
const DATA_CR = 2;
const DATA_LF = 3;
const TRAILER = 4;
const DONE = 5;

/**
 * Finds where a chunked body ends without changing it (the proxy relays the bytes as they are). Feed it the bytes
 * as they come, in any split; it tells how many belong to the body.
 */
export class ChunkedScanner {
  private state = SIZE;
  private remaining = 0;
  private line = '';
  private lineLen = 0;
  error?: string;

  get done(): boolean {
    return this.state === DONE;
  }

  reset(): void {
    this.state = SIZE;
    this.remaining = 0;
    this.line = '';
    this.lineLen = 0;
    this.error = undefined;
  }

  /** Scans buf[start, end); returns the index just past the body's last byte, or `end` when more is needed. -1 on error. */
  feed(buf: Buffer, start: number, end: number): number {
    let i = start;
    while (i < end) {
      switch (this.state) {
        case DATA: {
          const n = Math.min(this.remaining, end - i);
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = DATA_CR;
          break;
        }
        case DATA_CR:
          if (buf[i++] !== 13) return this.fail('missing CRLF after chunk');
          this.state = DATA_LF;
          break;
        case DATA_LF:
          if (buf[i++] !== 10) return this.fail('missing CRLF after chunk');
          this.state = SIZE;
          break;
        case SIZE:
        case TRAILER: {
          const nl = buf.indexOf(10, i);
          const stop = nl < 0 || nl >= end ? end : nl;
          this.lineLen += stop - i;
          if (this.lineLen > MAX_LINE) return this.fail('chunk line too long');
          this.line += buf.toString('latin1', i, stop);
          if (stop === end) return end;
          i = stop + 1;
          const line = this.line;
          this.line = '';
          this.lineLen = 0;
          if (!line.endsWith('\r')) return this.fail('bare LF in chunked body');
          if (this.state === SIZE) {
            const m = /^([0-9a-fA-F]{1,12})[ \t]*(;.*)?\r$/.exec(line);
            if (!m) return this.fail('bad chunk size');
            const size = parseInt(m[1]!, 16);
            if (size === 0) this.state = TRAILER;
            else {
              this.remaining = size;
              this.state = DATA;
            }
          } else if (line.length === 1) {
            this.state = DONE;
            return i;
          } else if (line.indexOf(':') <= 0) return this.fail('bad trailer');
          break;
        }
        case DONE:
          return i;
      }
    }
    return i;
  }

  private fail(why: string): number {
    this.error = why;
    return -1;
  }
}
