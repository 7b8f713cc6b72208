import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { sdkClient, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';
import { fuzzRequest, pick, rng, type FuzzRequest } from './fuzz-gen.ts';

// A bounded fuzz run of every protocol parser of every registered service: model-shaped inputs with hostile values,
// hostile structures (deep nesting, truncation, invalid UTF-8, huge numbers, floods of parameters), hostile headers,
// and raw malformed HTTP. Every answer must be an AWS error envelope (or a success) with x-amzn-RequestId, never a
// stack trace; 5xx only as a well-formed InternalFailure/InternalError (none at all from ECS, Application Auto Scaling
// and EKS, whose handlers check required members first); and Nimbus must keep serving.
// NIMBUS_FUZZ_SEED picks the run (`random` for a new one each time; the default is fixed so `npm test` in CI is
// reproducible — a random run once found a request that hung the server, see DescribeSpotPriceHistory);
// NIMBUS_FUZZ_COUNT / NIMBUS_FUZZ_SECONDS bound it (defaults 3000 / 60).

const SEED_ENV = process.env.NIMBUS_FUZZ_SEED ?? '4242';
const SEED = SEED_ENV === 'random' ? Date.now() % 1_000_000 : Number(SEED_ENV);
const COUNT = Number(process.env.NIMBUS_FUZZ_COUNT ?? 3000);
const SECONDS = Number(process.env.NIMBUS_FUZZ_SECONDS ?? 60);
/** Longest any single answer may take: a parser that hangs on hostile input is a denial of service. */
const PER_REQUEST_MS = 15_000;
/** Services whose handlers validate every input: any 5xx from them (even a well-formed one) is a finding. */
const NO_5XX = new Set(['ecs', 'application-autoscaling', 'eks']);

interface Finding { label: string; problem: string; status?: number; body?: string; request?: string }

const STACK = /\n\s+at .+\(?.+\.(?:ts|js|mjs):\d+:\d+\)?|node:internal|\/src\/[a-z/-]+\.ts/;

/** What is wrong with an answer (undefined: nothing). */
export function problemWith(req: FuzzRequest, status: number, headers: Headers, text: string): string | undefined {
  if (!headers.get('x-amzn-requestid')) return 'no x-amzn-RequestId header';
  if (STACK.test(text)) return 'stack trace in the body';
  if (status < 400 || req.method === 'HEAD') return undefined;
  const xml = /<(ErrorResponse|Response)\b[^>]*>[\s\S]*<Code>[^<]+<\/Code>[\s\S]*<Message>[\s\S]*<\/Message>[\s\S]*<Request(?:Id|ID)>[^<]+<\/Request(?:Id|ID)>/.test(text);
  let json = false;
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    json = (typeof j.__type === 'string' || typeof j.code === 'string') && (typeof j.message === 'string' || typeof j.Message === 'string');
  } catch {
    json = false;
  }
  if (!xml && !json) return 'not an AWS error envelope';
  if (status >= 500 && !/InternalFailure|InternalError|ServiceUnavailable|InsufficientInstanceCapacity|ServiceException|Unavailable/.test(text)) return `unexpected ${status}`;
  return undefined;
}

/** Raw HTTP the fetch client cannot send; the answer (if any) must still carry a request id and an AWS-looking body. */
const RAW: Array<{ name: string; data: (port: number) => Buffer[]; closeAfterMs?: number }> = [
  { name: 'garbage request line', data: () => [Buffer.from('GARBAGE\r\n\r\n')] },
  { name: 'binary noise', data: () => [Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 131) % 256))] },
  { name: 'header section over 16 KiB', data: (p) => [Buffer.from(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`)] },
  { name: 'invalid header name', data: (p) => [Buffer.from(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nBad Header: x\r\n\r\n`)] },
  { name: 'truncated body, client hangs up', data: (p) => [Buffer.from(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nAction=Describe`)], closeAfterMs: 200 },
  { name: 'bad chunk size', data: (p) => [Buffer.from(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n`)] },
  { name: 'both content-length and chunked', data: (p) => [Buffer.from(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`)] },
  { name: 'negative content-length', data: (p) => [Buffer.from(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nContent-Length: -5\r\n\r\n`)] },
  { name: 'content-length far over the limit', data: (p) => [Buffer.from(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS.ListQueues\r\nContent-Length: 99999999999\r\n\r\n{}`)] },
  { name: 'absolute-form URL', data: (p) => [Buffer.from(`GET http://evil.example/?Action=DescribeRegions&Version=2016-11-15 HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\n\r\n`)] },
  { name: 'HTTP/1.0 without host', data: () => [Buffer.from('GET /?Action=ListTopics&Version=2010-03-31 HTTP/1.0\r\n\r\n')] },
  { name: 'pipelined requests', data: (p) => [Buffer.from(`GET /?Action=ListTopics&Version=2010-03-31 HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\n\r\n`.repeat(20))] },
];

function rawExchange(port: number, chunks: Buffer[], closeAfterMs?: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    const done = () => {
      s.destroy();
      resolve(out);
    };
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', done);
    s.on('close', done);
    s.on('connect', () => {
      for (const c of chunks) s.write(c);
      if (closeAfterMs !== undefined) setTimeout(() => s.end(), closeAfterMs);
    });
    setTimeout(done, 2000);
  });
}

describe(`protocol fuzz (seed ${SEED})`, () => {
  let t: TestNimbus;
  before(async () => {
    // No capacity: a hostile-but-valid RunInstances must not start real instances.
    t = await startTestNimbus({ maxInstances: 0 });
  });
  after(async () => {
    await t?.close();
  });

  test(`${COUNT} hostile requests across every service and protocol`, { timeout: (SECONDS + 120) * 1000 }, async () => {
    const r = rng(SEED);
    const services = t.nimbus.registry.services;
    const findings: Finding[] = [];
    const stats = { sent: 0, ok: 0, clientErrors: 0, serverErrors: 0, skipped: 0 };
    const deadline = Date.now() + SECONDS * 1000;
    const queue = Array.from({ length: COUNT }, () => {
      const s = pick(r, services);
      return fuzzRequest(r, s, pick(r, Object.keys(s.model.operations)));
    });
    const worker = async (): Promise<void> => {
      for (let req = queue.shift(); req && Date.now() < deadline; req = queue.shift()) {
        let res: Response;
        const started = Date.now();
        try {
          res = await fetch(`${t.endpoint}${req.path}`, {
            method: req.method, headers: req.headers, body: req.body as unknown as BodyInit | undefined, signal: AbortSignal.timeout(PER_REQUEST_MS),
          });
        } catch (err) {
          const e = err as Error & { cause?: Error };
          // The client refused to send it (a header value it cannot encode): not the server's doing.
          if (e.name === 'TypeError' && !/fetch failed/.test(e.message)) {
            stats.skipped++;
            continue;
          }
          findings.push({ label: req.label, problem: `no answer after ${Date.now() - started} ms: ${e.message} ${e.cause?.message ?? ''}`, request: `${req.method} ${req.path.slice(0, 200)}` });
          continue;
        }
        const text = await res.text();
        stats.sent++;
        if (res.status >= 500) stats.serverErrors++;
        else if (res.status >= 400) stats.clientErrors++;
        else stats.ok++;
        const problem = problemWith(req, res.status, res.headers, text);
        if (problem) findings.push({ label: req.label, problem, status: res.status, body: text.slice(0, 300), request: `${req.method} ${req.path.slice(0, 200)} ${req.body?.subarray(0, 200).toString('latin1') ?? ''}` });
        else if (res.status >= 500 && NO_5XX.has(req.label.split('/')[0]!)) {
          findings.push({ label: req.label, problem: `${res.status} from a service that must answer bad input with a 4xx: ${text.slice(0, 200)}`, status: res.status, request: `${req.method} ${req.path.slice(0, 200)} ${req.body?.subarray(0, 200).toString('latin1') ?? ''}` });
        } else if (res.status >= 500) findings.push({ label: req.label, problem: `5xx (well-formed) ${text.slice(0, 200)}`, status: res.status });
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    const hard = findings.filter((f) => !f.problem.startsWith('5xx (well-formed)'));
    const soft = findings.filter((f) => f.problem.startsWith('5xx (well-formed)'));
    console.log(`fuzz seed ${SEED}: ${JSON.stringify(stats)}; well-formed 5xx: ${soft.length}`);
    for (const f of soft.slice(0, 10)) console.log(`  5xx ${f.label}: ${f.problem}`);
    assert.ok(stats.sent > Math.min(COUNT, 200) / 2, `too few requests answered: ${JSON.stringify(stats)}`);
    assert.deepEqual(hard, [], `seed ${SEED}: ${hard.length} bad answers`);
  });

  test('raw malformed HTTP gets an AWS-style answer (or a closed connection) and never takes the server down', async () => {
    const port = Number(new URL(t.endpoint).port);
    for (const c of RAW) {
      const out = await rawExchange(port, c.data(port), c.closeAfterMs);
      if (!out) continue; // the server closed the connection: acceptable for bytes that are not HTTP
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(out)?.[1]);
      assert.ok(status >= 200 && status < 600, `${c.name}: ${out.slice(0, 200)}`);
      assert.match(out, /x-amzn-requestid:/i, `${c.name}: no request id: ${out.slice(0, 300)}`);
      assert.doesNotMatch(out, STACK, `${c.name}: stack trace`);
      if (status >= 400) assert.match(out, /<Code>[^<]+<\/Code>|"__type"/, `${c.name}: not an AWS error: ${out.slice(0, 300)}`);
    }
  });

  test('Nimbus still serves normal requests afterwards', async () => {
    const regions = await t.ec2.send(new DescribeRegionsCommand({}));
    assert.ok(regions.Regions!.length > 0);
    await sdkClient(SQSClient, t.endpoint).send(new ListQueuesCommand({}));
    await sdkClient(SNSClient, t.endpoint).send(new ListTopicsCommand({}));
    await sdkClient(LambdaClient, t.endpoint).send(new ListFunctionsCommand({}));
  });
});
