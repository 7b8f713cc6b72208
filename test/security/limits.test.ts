import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomIds } from '../../src/core/ids.ts';
import { silentLogger } from '../../src/core/log.ts';
import { startGateway } from '../../src/gateway/server.ts';
import { sdkClient, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';
import { errorCode, raw } from './support.ts';

// Request size and time limits: bodies over the limit are refused with 413 in the protocol's own envelope (before
// they are read), oversized header sections get 431, slow clients are cut off (408) without holding up anyone else,
// and none of this cuts a long poll short (the limits are on receiving the request, not on answering it).

function slowClient(port: number, head: string, bytesPerTick: number, tickMs: number): { socket: Socket; answer: Promise<{ text: string; ms: number }> } {
  const socket = connect(port, '127.0.0.1');
  const started = Date.now();
  let text = '';
  let i = 0;
  const timer = setInterval(() => {
    if (i >= head.length) return;
    socket.write(head.slice(i, i + bytesPerTick));
    i += bytesPerTick;
  }, tickMs);
  const answer = new Promise<{ text: string; ms: number }>((resolve) => {
    socket.on('data', (d) => (text += d.toString()));
    const done = () => {
      clearInterval(timer);
      resolve({ text, ms: Date.now() - started });
    };
    socket.on('close', done);
    socket.on('error', done);
  });
  return { socket, answer };
}

describe('request limits', () => {
  let t: TestNimbus;
  let fast: Server;
  let fastUrl: string;
  before(async () => {
    t = await startTestNimbus({ maxBodyBytes: 1024 * 1024 });
    // A second listener on the same services with short timeouts, so slow clients are cut off within the test.
    fast = await startGateway({
      registry: t.nimbus.registry, clock: { now: () => Date.now() } as never, ids: randomIds, log: silentLogger, defaultRegion: 'us-east-1',
      host: '127.0.0.1', port: 0, limits: { headersTimeoutMs: 1000, requestTimeoutMs: 2000, maxBodyBytes: 1024 * 1024 },
    });
    fastUrl = `http://127.0.0.1:${(fast.address() as { port: number }).port}`;
  });
  after(async () => {
    fast?.closeAllConnections();
    await new Promise((r) => fast?.close(r));
    await t?.close();
  });

  test('a body over the limit is 413 in the protocol\'s envelope; Lambda code uploads may be larger', async () => {
    const big = Buffer.alloc(1024 * 1024 + 10, 'a');
    const json = await raw(`${t.endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' }, body: big });
    assert.equal(json.status, 413);
    assert.equal(errorCode(json), 'RequestEntityTooLarge');
    assert.ok(json.headers.get('x-amzn-requestid'));
    const query = await raw(`${t.endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.concat([Buffer.from('Action=ListTopics&Version=2010-03-31&x='), big]) });
    assert.equal(query.status, 413);
    assert.match(query.text, /<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>RequestEntityTooLarge<\/Code>/);
    // Chunked (no Content-Length): counted while read, refused the same way.
    const chunked = await raw(`${t.endpoint}/`, {
      method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' },
      body: new ReadableStream({ start(c) { for (let i = 0; i < 20; i++) c.enqueue(new Uint8Array(100_000)); c.close(); } }), duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413);
    const lambda = await raw(`${t.endpoint}/2015-03-31/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ FunctionName: 'big', Code: { ZipFile: 'A'.repeat(3 * 1024 * 1024) } }) });
    assert.notEqual(lambda.status, 413, lambda.text);
    // Still serving.
    await sdkClient(SQSClient, t.endpoint).send(new CreateQueueCommand({ QueueName: 'after-413' }));
  });

  test('an oversized header section is 431 with a request id; a flood of headers is not a crash', async () => {
    const r = await raw(`${t.endpoint}/?Action=ListTopics&Version=2010-03-31`, { headers: { 'x-huge': 'h'.repeat(20_000) } });
    assert.equal(r.status, 431);
    assert.equal(errorCode(r), 'RequestHeaderSectionTooLarge');
    assert.ok(r.headers.get('x-amzn-requestid'));
    const many: Record<string, string> = {};
    for (let i = 0; i < 400; i++) many[`x-h-${i}`] = 'v';
    const flood = await raw(`${t.endpoint}/?Action=ListTopics&Version=2010-03-31`, { headers: many });
    assert.equal(flood.status, 200);
  });

  test('slow clients are cut off (408) and do not hold up others', async () => {
    const port = Number(new URL(fastUrl).port);
    // Headers one byte every 100 ms: never complete within 1 s.
    const head = `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Slow: ${'s'.repeat(200)}\r\n\r\n`;
    const slowHeaders = slowClient(port, head, 1, 100);
    // A body that trickles: headers at once, then 1 byte per 200 ms of a 1000-byte body.
    const slowBody = slowClient(port, `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n${'Action=ListTopics&Version=2010-03-31&'.padEnd(1000, 'x')}`, 1, 200);
    // Meanwhile a normal client is served at once.
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const normal = await raw(`${fastUrl}/?Action=ListTopics&Version=2010-03-31`);
    assert.equal(normal.status, 200);
    assert.ok(Date.now() - t0 < 1000);
    const [h, b] = await Promise.all([slowHeaders.answer, slowBody.answer]);
    assert.ok(h.ms < 5000, `slow headers held ${h.ms} ms`);
    assert.ok(b.ms < 6000, `slow body held ${b.ms} ms`);
    assert.match(h.text, /^HTTP\/1\.1 408/, `slow headers: ${h.text}`);
    for (const a of [h, b]) {
      if (!a.text) continue; // a connection closed without an answer is fine for the trickling body
      assert.match(a.text, /^HTTP\/1\.1 408/);
      assert.match(a.text, /x-amzn-RequestId:/i);
      assert.match(a.text, /<Code>RequestTimeout<\/Code>/);
    }
  });

  test('a long poll outlives the request timeout: limits are on receiving, not on answering', async () => {
    const sqs = sdkClient(SQSClient, fastUrl);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'long-poll' }));
    const started = Date.now();
    const poll = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 4 }));
    setTimeout(() => void sdkClient(SQSClient, t.endpoint).send(new SendMessageCommand({ QueueUrl, MessageBody: 'late' })), 3000);
    const got = await poll;
    assert.ok(Date.now() - started >= 2900, 'the poll waited past the 2 s request timeout');
    assert.equal(got.Messages?.[0]?.Body, 'late');
  });
});
