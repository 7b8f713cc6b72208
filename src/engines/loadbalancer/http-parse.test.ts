import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChunkedScanner, MAX_HEAD, parseRequestHead, parseResponseHead, type RequestHead, type ResponseHead } from './http-parse.ts';

// The fast path's framing: request/response heads and chunked bodies, from whole buffers and from bytes split anyhow.

const b = (s: string) => Buffer.from(s, 'latin1');

function req(s: string): { head: RequestHead; size: number } {
  const r = parseRequestHead(b(s));
  assert.ok('head' in r, JSON.stringify(r));
  return r;
}
function reqError(s: string | Buffer): number {
  const r = parseRequestHead(typeof s === 'string' ? b(s) : s);
  assert.ok('error' in r, `expected an error for ${JSON.stringify(String(s).slice(0, 80))}: ${JSON.stringify(r)}`);
  return r.error;
}
function res(s: string): { head: ResponseHead; size: number } {
  const r = parseResponseHead(b(s));
  assert.ok('head' in r, JSON.stringify(r));
  return r;
}

describe('request heads', () => {
  test('a simple GET: request line, raw lines kept, lower-case names, size', () => {
    const text = 'GET /a?b=1 HTTP/1.1\r\nHost: Example.com:8080\r\nX-Thing:  v  \r\n\r\nNEXT';
    const { head, size } = req(text);
    assert.equal(size, text.length - 4);
    assert.deepEqual([head.method, head.url, head.minor], ['GET', '/a?b=1', 1]);
    assert.deepEqual(head.lines, ['Host: Example.com:8080', 'X-Thing:  v  ']);
    assert.deepEqual(head.names, ['host', 'x-thing']);
    assert.deepEqual(head.values, ['Example.com:8080', 'v']);
    assert.equal(head.contentLength, -1);
    assert.equal(head.chunked, false);
    assert.equal(head.close, false);
    assert.equal(head.unusual, undefined);
  });

  test('framing and connection headers', () => {
    assert.equal(req('POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n').head.contentLength, 12);
    assert.equal(req('POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n').head.contentLength, 5);
    assert.equal(req('POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n').head.chunked, true);
    assert.equal(req('GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n').head.close, true);
    assert.equal(req('PUT / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n').head.expectContinue, true);
    // Empty lines before the request line are skipped (RFC 9112 §2.2).
    assert.equal(req('\r\n\r\nGET /x HTTP/1.1\r\n\r\n').head.url, '/x');
  });

  test('what the fast path leaves to node:http is flagged, not rejected', () => {
    assert.equal(req('GET / HTTP/1.0\r\n\r\n').head.unusual, 'HTTP/1.0');
    assert.equal(req('GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n').head.unusual, 'upgrade');
    assert.equal(req('CONNECT a:443 HTTP/1.1\r\n\r\n').head.unusual, 'CONNECT');
    assert.equal(req('POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n').head.unusual, 'transfer-encoding');
    assert.equal(req('POST / HTTP/1.1\r\nExpect: something\r\n\r\n').head.unusual, 'expect');
  });

  test('incomplete heads wait for more bytes', () => {
    for (const s of ['', '\r', '\r\n', 'GET / HTTP/1.1', 'GET / HTTP/1.1\r\nHost: x\r\n', 'GET / HTTP/1.1\r\nHost: x\r\n\r']) {
      assert.ok('incomplete' in parseRequestHead(b(s)), JSON.stringify(s));
    }
  });

  test('malformed requests are 400, oversized heads 431', () => {
    const bad = [
      'GARBAGE\r\n\r\n',
      'GET /\r\n\r\n',
      'GET  / HTTP/1.1\r\n\r\n',
      'GET / HTTP/1.1 extra\r\n\r\n',
      'GET / HTTP/2.0\r\n\r\n',
      'GET / FOO/1.1\r\n\r\n',
      'G(T / HTTP/1.1\r\n\r\n',
      'GET /a\x7fb HTTP/1.1\r\n\r\n',
      'GET / HTTP/1.1\r\nNo colon here\r\n\r\n',
      'GET / HTTP/1.1\r\n: empty name\r\n\r\n',
      'GET / HTTP/1.1\r\nBad Name: x\r\n\r\n',
      'GET / HTTP/1.1\r\nHost : x\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n',
      'GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n',
      'GET / HTTP/1.1\r\nX: a\nb\r\n\r\n',
      'POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n',
      'POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n',
      'POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n',
      'POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n',
      'POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n',
      'POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
    ];
    for (const s of bad) assert.equal(reqError(s), 400, JSON.stringify(s));
    assert.equal(reqError(`GET / HTTP/1.1\r\nX: ${'a'.repeat(MAX_HEAD)}\r\n\r\n`), 431);
    assert.equal(reqError(`GET / HTTP/1.1\r\nX: ${'a'.repeat(MAX_HEAD + 10)}`), 431, 'too large before it even ends');
  });
});

describe('response heads', () => {
  test('Connection and Keep-Alive are dropped; the rest relayed as it came', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 3\r\n\r\nabc';
    const { head, size } = res(text);
    assert.equal(size, text.length - 3);
    assert.equal(head.status, 200);
    assert.equal(head.relay, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n');
    assert.deepEqual([head.contentLength, head.chunked, head.unframed, head.close], [3, false, false, false]);
  });

  test('framing: chunked, close-delimited, other codings; HTTP/1.0 closes unless kept alive', () => {
    assert.equal(res('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n').head.chunked, true);
    assert.equal(res('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n').head.unframed, true);
    assert.equal(res('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n').head.close, true);
    const old = res('HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n').head;
    assert.deepEqual([old.close, old.relay], [true, 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n']);
    assert.equal(res('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').head.close, false);
    assert.equal(res('HTTP/1.1 204\r\n\r\n').head.status, 204);
  });

  test('nonsense from a target is an error (502)', () => {
    for (const s of ['HTTP/2 200 OK\r\n\r\n', 'HTTP/1.1 2000 OK\r\n\r\n', 'HTTP/1.1 abc OK\r\n\r\n', 'ICY 200 OK\r\n\r\n', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n']) {
      const r = parseResponseHead(b(s));
      assert.ok('error' in r && r.error === 502, s);
    }
  });
});

describe('chunked bodies', () => {
  const body = '5\r\nhello\r\n6;ext=1\r\n world\r\nA \r\n0123456789\r\n0\r\nTrailer: yes\r\n\r\n';

  test('finds the end in one buffer, leaving what follows', () => {
    const s = new ChunkedScanner();
    const buf = b(`${body}GET / HTTP/1.1`);
    assert.equal(s.feed(buf, 0, buf.length), body.length);
    assert.ok(s.done);
  });

  test('finds the same end when fed one byte at a time, or in random splits', () => {
    const buf = b(body);
    const s = new ChunkedScanner();
    for (let i = 0; i < buf.length; i++) {
      const n = s.feed(buf, i, i + 1);
      assert.equal(n, i + 1);
      assert.equal(s.done, i === buf.length - 1, `byte ${i}`);
    }
    for (let trial = 0; trial < 50; trial++) {
      const t = new ChunkedScanner();
      let at = 0;
      while (!t.done) {
        const end = Math.min(buf.length, at + 1 + Math.floor(Math.random() * 7));
        at = t.feed(buf, at, end);
        assert.ok(at >= 0);
      }
      assert.equal(at, buf.length);
    }
  });

  test('broken framing is an error', () => {
    for (const s of ['zz\r\n', '5\r\nhelloXX', '5\nhello\r\n', `${'f'.repeat(13)}\r\n`, `1;${'x'.repeat(9000)}`, '0\r\nbad trailer\r\n\r\n']) {
      const t = new ChunkedScanner();
      assert.equal(t.feed(b(s), 0, s.length), -1, JSON.stringify(s.slice(0, 40)));
      assert.ok(t.error);
    }
  });
});
