// npm run bench:sqs — SQS throughput and latency with durability on (the default: SQLite WAL file in a data dir),
// side by side in the same run with the ceiling: a bare node:http server (its own process, like Nimbus) answering
// every request with a fixed, valid SendMessage reply. Both are driven by the same client stack
// (@aws-sdk/client-sqs, JSON protocol, keep-alive agent, same concurrency), so the ratio is what Nimbus costs.
// Published peers for context: ElasticMQ ~2,600 msgs/s (send+receive+delete over HTTP), LocalStack ~230 sends/s
// at 50 concurrency. Targets (issue 3): > 5,000 msgs/s full cycle with batches; single sends > 50% of the ceiling.
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ms, percentile, startNimbusProcess, stopProcess, table } from './support.ts';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const BODY = 'x'.repeat(200); // a typical small JSON-ish message
const BODY_MD5 = createHash('md5').update(BODY).digest('hex');

function client(endpoint: string): SQSClient {
  return new SQSClient({
    endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 1,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 }) },
  });
}

/** The ceiling: node:http with a fixed SendMessage answer (valid for BODY, so the SDK accepts it). */
async function startBare(port: number): Promise<ChildProcess> {
  const reply = JSON.stringify({ MessageId: '00000000-0000-4000-8000-000000000000', MD5OfMessageBody: BODY_MD5 });
  const src = `require('http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.writeHead(200,{'content-type':'application/x-amz-json-1.0','x-amzn-requestid':'00000000-0000-4000-8000-000000000001','content-length':${Buffer.byteLength(reply)}});s.end(${JSON.stringify(reply)})})}).listen(${port},'127.0.0.1',()=>console.log('ready'))`;
  const child = spawn(process.execPath, ['-e', src], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return child;
}

/** Runs `op` from `workers` loops for `seconds`; returns ops/s and per-op latencies. */
async function closedLoop(workers: number, seconds: number, op: () => Promise<unknown>): Promise<{ perSec: number; lat: number[] }> {
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: workers }, async () => {
    while (performance.now() < end) {
      const s = performance.now();
      await op();
      lat.push(performance.now() - s);
    }
  }));
  return { perSec: lat.length / ((performance.now() - t0) / 1000), lat };
}

async function sends(sqs: SQSClient, QueueUrl: string, seconds: number) {
  return closedLoop(CONCURRENCY, seconds, () => sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: BODY })));
}

/** Producers send batches of 10 while consumers receive 10 and delete them in one batch; counts deleted messages. */
async function fullCycle(sqs: SQSClient, QueueUrl: string, seconds: number): Promise<{ perSec: number; sent: number; deleted: number; lat: number[] }> {
  const producers = CONCURRENCY / 2, consumers = CONCURRENCY / 2;
  const entries = Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: BODY }));
  let sent = 0, deleted = 0, producing = true;
  const lat: number[] = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const produce = async () => {
    while (performance.now() < end) {
      const r = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));
      sent += r.Successful!.length;
    }
  };
  const consume = async () => {
    // Bounded: consumers stop once producers are done and everything sent is deleted (or after a grace period).
    const hardEnd = end + 10_000;
    while (performance.now() < hardEnd && (producing || deleted < sent)) {
      const s = performance.now();
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }));
      const msgs = r.Messages ?? [];
      if (!msgs.length) continue;
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: msgs.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })) }));
      lat.push(performance.now() - s);
      deleted += msgs.length;
    }
  };
  const cons = Array.from({ length: consumers }, consume);
  await Promise.all(Array.from({ length: producers }, produce));
  producing = false;
  await Promise.all(cons);
  return { perSec: deleted / ((performance.now() - t0) / 1000), sent, deleted, lat };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main() {
  const [port, barePort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-bench-sqs-'));
  const nimbus = await startNimbusProcess(port, dataDir, { NIMBUS_VPC_CIDR: '172.28.0.0/16', NIMBUS_NAME_PREFIX: 'nbs' });
  const bare = await startBare(barePort);
  const sqs = client(`http://127.0.0.1:${port}`);
  const ceilingClient = client(`http://127.0.0.1:${barePort}`);
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench' }));
    const { QueueUrl: cycleUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench-cycle' }));
    const bareUrl = `http://127.0.0.1:${barePort}/000000000000/bench`;

    // Warm up both paths (JIT, sockets), then measure.
    await sends(ceilingClient, bareUrl, 0.5);
    await sends(sqs, QueueUrl!, 0.5);
    const ceiling = await sends(ceilingClient, bareUrl, SECONDS);
    const single = await sends(sqs, QueueUrl!, SECONDS);
    const cycle = await fullCycle(sqs, cycleUrl!, SECONDS + 1);

    const rows = [
      ['measure', 'msgs/s', 'p50', 'p99', 'notes'],
      ['bare node:http, SendMessage reply (ceiling)', fmt(ceiling.perSec), ms(percentile(ceiling.lat, 50)), ms(percentile(ceiling.lat, 99)), `same SDK client, ${CONCURRENCY} concurrent`],
      ['Nimbus SendMessage (durable)', fmt(single.perSec), ms(percentile(single.lat, 50)), ms(percentile(single.lat, 99)),
        `${((single.perSec / ceiling.perSec) * 100).toFixed(0)}% of ceiling (target > 50%); LocalStack ~230/s`],
      ['Nimbus SendBatch(10)+Receive(10)+DeleteBatch(10)', fmt(cycle.perSec), ms(percentile(cycle.lat, 50)), ms(percentile(cycle.lat, 99)),
        `full cycle, ${fmt(cycle.deleted)}/${fmt(cycle.sent)} deleted (target > 5,000; ElasticMQ ~2,600)`],
    ];
    console.log(`\nSQS benchmark: concurrency ${CONCURRENCY}, ${SECONDS} s per measure, ${BODY.length}-byte bodies, durability on (WAL file)\n`);
    console.log(table(rows));
    console.log('\np50/p99: per request (full cycle: receive + delete of one batch)');
  } finally {
    sqs.destroy();
    ceilingClient.destroy();
    bare.kill('SIGKILL');
    await stopProcess(nimbus);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
