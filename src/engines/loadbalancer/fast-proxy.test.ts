import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { ManualScheduler } from '../queue/scheduler.ts';
import { LoopbackAddresses } from './address.ts';
import { LoadBalancerEngine } from './engine.ts';
import type { HealthCheckSpec, TargetGroupSpec } from './types.ts';

// The fast path (fast-proxy.ts) end to end on loopback, talked to with raw sockets: pipelining, chunked bodies in
// pieces, malformed requests, slow and misbehaving targets, keep-alive both ways, hand-over to node:http.

const hc: HealthCheckSpec = { enabled: false, protocol: 'HTTP', port: 'traffic-port', path: '/', intervalSeconds: 5, timeoutSeconds: 2, healthyThreshold: 2, unhealthyThreshold: 2, matcher: '200' };
const tgSpec = (name: string): TargetGroupSpec => ({
  arn: `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/${name}/0123456789abcdef`, name, dimension: `targetgroup/${name}/0123456789abcdef`,
  protocol: 'HTTP', port: 80, targetType: 'ip', healthCheck: hc, deregistrationDelaySeconds: 5, slowStartSeconds: 0, algorithm: 'round_robin',
  stickiness: { enabled: false, durationSeconds: 86400 },
});

/** Sends bytes (optionally in pieces with pauses) and collects everything until the server closes or `until` matches. */
function raw(port: number, parts: Array<string | Buffer>, opts: { until?: (s: string) => boolean; gapMs?: number; timeoutMs?: number } = {}): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect(port, '127.0.0.1');
    let text = '';
    let settled = false;
    const done = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => (opts.until ? reject(new Error(`timed out; got ${JSON.stringify(text.slice(0, 500))}`)) : done(false)), opts.timeoutMs ?? 5000);
    s.on('data', (c) => {
      text += c.toString('latin1');
      if (opts.until?.(text)) done(false);
    });
    s.on('close', () => done(true));
    s.on('error', () => undefined);
    s.on('connect', async () => {
      for (const p of parts) {
        s.write(p);
        if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
      }
    });
  });
}

/** Splits a stream of responses (bodies framed by Content-Length or chunked) into [status line, headers, body]. */
function responses(text: string): Array<{ status: number; headers: Record<string, string>; body: string }> {
  const out = [];
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const [first, ...lines] = text.slice(at, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
    at = end + 4;
    let body = '';
    const status = Number(first!.split(' ')[1]);
    if (status === 100) {
      out.push({ status, headers, body });
      continue;
    }
    if (headers['transfer-encoding'] === 'chunked') {
      for (;;) {
        const nl = text.indexOf('\r\n', at);
        const size = parseInt(text.slice(at, nl), 16);
        at = nl + 2;
        if (size === 0) {
          at = text.indexOf('\r\n', at) + 2;
          break;
        }
        body += text.slice(at, at + size);
        at += size + 2;
      }
    } else if (headers['content-length'] && !out.some(() => false)) {
      const n = Number(headers['content-length']);
      body = text.slice(at, at + n);
      at += n;
    } else if (!headers['content-length']) {
      body = text.slice(at);
      at = text.length;
    }
    out.push({ status, headers, body });
  }
  return out;
}

describe('ALB fast path', () => {
  const clock = new ManualClock();
  const sched = new ManualScheduler(clock);
  let engine: LoadBalancerEngine;
  let port: number;
  let web: Server;
  let webPort: number;
  let rawBackend: TcpServer;
  let rawPort: number;
  let deadPort: number;
  const seen: Array<Record<string, unknown>> = [];
  let webConnections = 0;
  const lbSpec = { arn: 'lb1', name: 'lb', dimension: 'app/lb/1', type: 'application' as const, zones: ['us-east-1a'], address: '127.0.0.1', idleTimeoutSeconds: 60, crossZone: true, dropInvalidHeaders: false, xffMode: 'append' as const };

  before(async () => {
    web = createServer((q, s) => {
      seen.push({ method: q.method, url: q.url, ...q.headers });
      const u = new URL(q.url!, 'http://x');
      if (u.pathname === '/echo') {
        // Echoes the body back chunked, in the pieces it came in; the length and a hash in headers.
        const h = createHash('sha1');
        let n = 0;
        q.on('data', (c: Buffer) => {
          h.update(c);
          n += c.length;
        });
        q.on('end', () => {
          s.setHeader('x-len', String(n));
          s.setHeader('x-sha1', h.digest('hex'));
          s.end(n <= 1024 ? `echo:${n}` : undefined);
        });
        return;
      }
      if (u.pathname === '/big') {
        const n = Number(u.searchParams.get('n'));
        const piece = Buffer.alloc(64 * 1024, 'z');
        let left = n;
        const more = () => {
          while (left > 0) {
            const c = piece.subarray(0, Math.min(left, piece.length));
            left -= c.length;
            if (!s.write(c)) return void s.once('drain', more);
          }
          s.end();
        };
        more();
        return;
      }
      if (u.pathname === '/slow') return void setTimeout(() => s.end('slow'), Number(u.searchParams.get('ms')));
      if (u.pathname === '/204') {
        s.statusCode = 204;
        return void s.end();
      }
      if (u.pathname === '/304') {
        s.statusCode = 304;
        return void s.end();
      }
      if (u.pathname === '/early') {
        // Answers before reading the body.
        s.statusCode = 413;
        return void s.end('too big');
      }
      s.setHeader('content-length', String(`web:${q.url}`.length));
      s.end(q.method === 'HEAD' ? undefined : `web:${q.url}`);
    });
    web.on('connection', () => (webConnections += 1));
    web.keepAliveTimeout = 200;
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    webPort = (web.address() as { port: number }).port;
    // A target that answers without framing (body until close), or not at all for /mute.
    rawBackend = createTcpServer((s) => {
      s.once('data', (d) => {
        if (d.toString().startsWith('GET /raw/mute')) return;
        s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close');
      });
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => rawBackend.listen(0, '127.0.0.1', r));
    rawPort = (rawBackend.address() as { port: number }).port;
    const dead = createTcpServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    deadPort = (dead.address() as { port: number }).port;
    await new Promise((r) => dead.close(r));

    engine = new LoadBalancerEngine({ clock, scheduler: sched, log: silentLogger, addresses: new LoopbackAddresses(), portFallback: true, resolver: { instance: () => undefined } });
    for (const n of ['web', 'raw', 'dead']) engine.putTargetGroup(tgSpec(n));
    engine.putLoadBalancer(lbSpec);
    const bound = await engine.putListener({
      arn: 'l1', lbArn: 'lb1', protocol: 'HTTP', port: 0, defaultAction: { type: 'forward', targetGroups: [{ arn: tgSpec('web').arn, weight: 1 }] },
      rules: [
        { arn: 'r1', priority: 1, conditions: [{ field: 'path-pattern', values: ['/raw/*'] }], action: { type: 'forward', targetGroups: [{ arn: tgSpec('raw').arn, weight: 1 }] } },
        { arn: 'r2', priority: 2, conditions: [{ field: 'path-pattern', values: ['/dead/*'] }], action: { type: 'forward', targetGroups: [{ arn: tgSpec('dead').arn, weight: 1 }] } },
        { arn: 'r3', priority: 3, conditions: [{ field: 'http-header', name: 'X-Fixed', values: ['y*'] }, { field: 'http-request-method', values: ['POST', 'HEAD'] }], action: { type: 'fixed-response', statusCode: 418, contentType: 'text/plain', body: 'teapot' } },
        { arn: 'r4', priority: 4, conditions: [{ field: 'host-header', values: ['old.example.com'] }], action: { type: 'redirect', protocol: '#{protocol}', port: '#{port}', host: 'new.example.com', path: '/#{path}', query: '#{query}', statusCode: 301 } },
      ],
    });
    port = bound.port;
    engine.registerTargets(tgSpec('web').arn, [{ id: '127.0.0.1', port: webPort }]);
    engine.registerTargets(tgSpec('raw').arn, [{ id: '127.0.0.1', port: rawPort }]);
    engine.registerTargets(tgSpec('dead').arn, [{ id: '127.0.0.1', port: deadPort }]);
  });

  after(async () => {
    await engine.close();
    web.closeAllConnections();
    web.close();
    rawBackend.close();
  });

  test('keep-alive GETs: headers added, one connection to the target reused', async () => {
    seen.length = 0;
    const before = webConnections;
    const r = await raw(port, ['GET /a HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n', 'GET /b HTTP/1.1\r\nHost: h\r\nX-Amzn-Trace-Id: Root=1-abc\r\n\r\n'], { gapMs: 30, until: (t) => responses(t).length === 2 });
    const rs = responses(r.text);
    assert.deepEqual(rs.map((x) => [x.status, x.body]), [[200, 'web:/a'], [200, 'web:/b']]);
    assert.equal(rs[0]!.headers.connection, undefined, 'the target’s Connection header is not relayed');
    assert.equal(seen[0]!['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
    assert.equal(seen[0]!['x-forwarded-proto'], 'http');
    assert.match(String(seen[0]!['x-amzn-trace-id']), /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    assert.match(String(seen[1]!['x-amzn-trace-id']), /^Self=1-[0-9a-f]{8}-[0-9a-f]{24};Root=1-abc$/);
    assert.equal(webConnections - before, 1);
  });

  test('pipelined requests are answered in order, bodies and all', async () => {
    const pipeline = 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\n'
      + 'POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello'
      + 'POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'
      + 'POST /x HTTP/1.1\r\nHost: h\r\nX-Fixed: yes\r\nContent-Length: 3\r\n\r\nxyz'
      + 'GET /2 HTTP/1.1\r\nHost: old.example.com:8080\r\n\r\n'
      + 'GET /3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n';
    const r = await raw(port, [pipeline]);
    assert.ok(r.closed, 'closed after Connection: close');
    const rs = responses(r.text);
    assert.deepEqual(rs.map((x) => [x.status, x.body]), [[200, 'web:/1'], [200, 'echo:5'], [200, 'echo:3'], [418, 'teapot'], [301, rs[4]!.body], [200, 'web:/3']]);
    assert.equal(rs[2]!.headers['x-len'], '3');
    assert.equal(rs[3]!.headers.server, 'awselb/2.0');
    // #{port} is the listener's port as configured (0 here: a free port was taken), like the node:http path.
    assert.equal(rs[4]!.headers.location, 'http://new.example.com:0/2');
    assert.equal(rs[5]!.headers.connection, 'close');
  });

  test('a chunked request body split across packets, one byte at a time', async () => {
    const chunks = ['POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n', ...'4\r\nwiki\r\n5;x=y\r\npedia\r\n0\r\nT: 1\r\n\r\n'.split('')];
    const r = await raw(port, chunks, { gapMs: 1, until: (t) => responses(t).length === 1 });
    const [x] = responses(r.text);
    assert.deepEqual([x!.status, x!.body, x!.headers['x-len']], [200, 'echo:9', '9']);
    assert.equal(x!.headers['x-sha1'], createHash('sha1').update('wikipedia').digest('hex'));
  });

  test('large bodies stream both ways', async () => {
    const size = 8 * 1024 * 1024 + 7;
    const up = Buffer.alloc(size, 'q');
    const res = await new Promise<{ status: number; len: string; sha: string }>((resolve, reject) => {
      const q = request({ host: '127.0.0.1', port, method: 'PUT', path: '/echo', agent: false }, (s) => {
        s.resume();
        s.on('end', () => resolve({ status: s.statusCode!, len: String(s.headers['x-len']), sha: String(s.headers['x-sha1']) }));
      });
      q.on('error', reject);
      q.end(up);
    });
    assert.deepEqual(res, { status: 200, len: String(size), sha: createHash('sha1').update(up).digest('hex') });
    const down = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: `/big?n=${size}`, agent: false }, (s) => {
        let n = 0;
        s.on('data', (c: Buffer) => (n += c.length));
        s.on('end', () => resolve(n));
      }).on('error', reject).end();
    });
    assert.equal(down, size);
  });

  test('HEAD, 204 and 304 have no body; the connection goes on', async () => {
    const r = await raw(port, ['HEAD /h HTTP/1.1\r\nHost: h\r\n\r\nGET /204 HTTP/1.1\r\nHost: h\r\n\r\nGET /304 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /f HTTP/1.1\r\nX-Fixed: yes\r\n\r\nGET /z HTTP/1.1\r\nHost: h\r\n\r\n'], { until: (t) => t.includes('web:/z') });
    const heads = r.text.split('\r\n\r\n').filter((p) => p.startsWith('HTTP/')).map((p) => p.split(' ')[1]);
    assert.deepEqual(heads, ['200', '204', '304', '418', '200']);
    assert.ok(r.text.includes('Content-Length: 6\r\n'), 'HEAD keeps the target’s Content-Length');
    assert.ok(!r.text.includes('web:/h') && !r.text.includes('teapot'));
  });

  test('Expect: 100-continue gets 100 Continue first', async () => {
    const r = await raw(port, ['POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n'], { until: (t) => t.includes('100 Continue') });
    assert.match(r.text, /^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    const full = await raw(port, ['POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n', 'ok'], { gapMs: 20, until: (t) => t.includes('echo:2') });
    assert.deepEqual(responses(full.text).map((x) => x.status), [100, 200]);
  });

  test('malformed requests get 400 and the connection is closed; the listener lives on', async () => {
    for (const bad of ['GARBAGE\r\n\r\n', 'GET / HTTP/1.1\r\nBad Header\r\n\r\n', 'POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n']) {
      const r = await raw(port, [bad]);
      assert.ok(r.closed, JSON.stringify(bad));
      assert.match(r.text, /^HTTP\/1\.1 400 Bad Request\r\n/, JSON.stringify(bad));
    }
    // A broken chunked body after a good head: 400, closed.
    const broken = await raw(port, ['POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']);
    assert.ok(broken.closed);
    assert.match(broken.text, /^HTTP\/1\.1 400 /);
    // A good request after a bad one on the same connection is never read.
    const r = await raw(port, ['GET /ok HTTP/1.1\r\nHost: h\r\n\r\n', 'NOPE\r\n\r\nGET /never HTTP/1.1\r\n\r\n'], { gapMs: 20 });
    assert.deepEqual(responses(r.text).map((x) => x.status), [200, 400]);
    assert.ok(!r.text.includes('never'));
    const big = await raw(port, [`GET / HTTP/1.1\r\nX: ${'a'.repeat(70 * 1024)}\r\n\r\n`]);
    assert.match(big.text, /^HTTP\/1\.1 431 /);
    assert.equal((await raw(port, ['GET /alive HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'])).text.endsWith('web:/alive'), true);
  });

  test('a slow target holds only its own client; the target answering early is fine', async () => {
    const slow = raw(port, ['GET /slow?ms=400 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n']);
    const t0 = Date.now();
    const fast = await raw(port, ['GET /quick HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n']);
    assert.ok(Date.now() - t0 < 300, 'not queued behind the slow one');
    assert.ok(fast.text.endsWith('web:/quick'));
    assert.ok((await slow).text.endsWith('slow'));
    // The target answers 413 before reading the body: the client gets it, the rest of the body is dropped, the next request works.
    const r = await raw(port, ['POST /early HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\nabc', 'def', 'GET /after HTTP/1.1\r\nHost: h\r\n\r\n'], { gapMs: 50, until: (t) => t.includes('web:/after') });
    assert.deepEqual(responses(r.text).map((x) => x.status), [413, 200]);
  });

  test('target failures: refused → 502, silent past the idle timeout → 504, close-delimited body relayed then closed', async () => {
    const r = await raw(port, ['GET /dead/x HTTP/1.1\r\nHost: h\r\n\r\nGET /y HTTP/1.1\r\nHost: h\r\n\r\n'], { until: (t) => t.includes('web:/y') });
    const rs = responses(r.text);
    assert.deepEqual(rs.map((x) => x.status), [502, 200]);
    assert.equal(rs[0]!.headers.server, 'awselb/2.0');
    const m = engine.collectMetrics(clock.now());
    const lbPoint = (name: string) => m.find((p) => p.MetricName === name && p.Dimensions.length === 1)?.Value;
    assert.ok((lbPoint('TargetConnectionErrorCount') ?? 0) >= 1);
    assert.ok((lbPoint('HTTPCode_ELB_502_Count') ?? 0) >= 1);
    assert.ok((lbPoint('HTTPCode_Target_2XX_Count') ?? 0) >= 1);
    assert.ok((lbPoint('RequestCount') ?? 0) >= 2);
    const unframed = await raw(port, ['GET /raw/x HTTP/1.1\r\nHost: h\r\n\r\n']);
    assert.ok(unframed.closed);
    assert.match(unframed.text, /^HTTP\/1\.1 200 OK\r\n[^]*Connection: close\r\n\r\nuntil close$/);
    engine.putLoadBalancer({ ...lbSpec, idleTimeoutSeconds: 0.3 });
    try {
      const t = await raw(port, ['GET /raw/mute HTTP/1.1\r\nHost: h\r\n\r\n'], { until: (s) => s.includes('\r\n\r\n') });
      assert.match(t.text, /^HTTP\/1\.1 504 /);
    } finally {
      engine.putLoadBalancer(lbSpec);
    }
  });

  test('a kept-alive target connection closed by the target is retried once, invisibly', async () => {
    const r = await raw(port, ['GET /k1 HTTP/1.1\r\nHost: h\r\n\r\n', 'GET /k2 HTTP/1.1\r\nHost: h\r\n\r\n'], { gapMs: 350, until: (t) => t.includes('web:/k2') });
    assert.deepEqual(responses(r.text).map((x) => x.status), [200, 200]);
  });

  test('HTTP/1.0 and Upgrade requests are handed to node:http', async () => {
    const r = await raw(port, ['GET /old HTTP/1.0\r\nHost: h\r\n\r\n']);
    assert.match(r.text, /^HTTP\/1\.1 200 [^]*web:\/old$/);
    assert.ok(r.closed);
    const ka = await raw(port, ['GET /old1 HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n', 'GET /old2 HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n'], { gapMs: 30, until: (t) => t.includes('web:/old2') });
    assert.ok(ka.text.includes('web:/old1'));
  });

  test('draining waits for an in-flight request on the fast path', async () => {
    const arn = tgSpec('web').arn;
    const inflight = raw(port, ['GET /slow?ms=300 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n']);
    await new Promise((r) => setTimeout(r, 50));
    let drained = false;
    const done = engine.deregisterTargets(arn, [{ id: '127.0.0.1', port: webPort }]).then(() => (drained = true));
    assert.equal(engine.targetHealth(arn)[0]!.state, 'draining');
    assert.equal(drained, false);
    assert.ok((await inflight).text.endsWith('slow'));
    await done;
    assert.equal(engine.targetHealth(arn).length, 0);
    const none = await raw(port, ['GET /n HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n']);
    assert.match(none.text, /^HTTP\/1\.1 503 /);
    engine.registerTargets(arn, [{ id: '127.0.0.1', port: webPort }]);
  });
});
