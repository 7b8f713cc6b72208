// Engine-level throughput (no HTTP): node --import tsx src/engines/queue/bench-engine.ts [seconds-per-phase]
// Uses a real database file (WAL, synchronous=NORMAL), the real clock and real group commits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../../store/db.ts';
import { QueueEngine } from './engine.ts';

const seconds = Number(process.argv[2] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'nimbus-qbench-'));
const db = openDb(join(dir, 'bench.db'));
const engine = QueueEngine.open({ db });
const ref = (name: string) => ({ account: '000000000000', region: 'us-east-1', name });
const body = JSON.stringify({ orderId: 12345, items: ['a', 'b', 'c'], note: 'x'.repeat(120) });

async function phase(name: string, workers: number, msgsPerOp: number, op: (w: number) => Promise<void>): Promise<void> {
  const end = Date.now() + seconds * 1000;
  const commits0 = engine.commits;
  let ops = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (Date.now() < end) {
        await op(w);
        ops++;
      }
    }),
  );
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const commits = engine.commits - commits0;
  console.log(`${name.padEnd(46)} ${String(Math.round((ops * msgsPerOp) / s)).padStart(8)} msgs/s  (${workers} concurrent, ${(ops / Math.max(commits, 1)).toFixed(1)} ops/commit)`);
}

engine.createQueue(ref('single'));
engine.createQueue(ref('cycle'));
engine.createQueue(ref('cycle.fifo'), { FifoQueue: 'true', ContentBasedDeduplication: 'false' });

await phase('SendMessage, one at a time', 1, 1, () => engine.sendMessage(ref('single'), { body }).then(() => {}));
await phase('SendMessage, concurrent', 64, 1, () => engine.sendMessage(ref('single'), { body }).then(() => {}));
engine.purgeQueue(ref('single'));

const cycle = (q: string, fifo: boolean) => async (w: number) => {
  const entries = Array.from({ length: 10 }, (_, i) => ({
    id: `m${i}`,
    body,
    ...(fifo ? { messageGroupId: `g${w}`, messageDeduplicationId: `${w}-${Math.random()}` } : {}),
  }));
  await engine.sendMessageBatch(ref(q), entries);
  let got = 0;
  while (got < 10) {
    const ms = await engine.receiveMessage(ref(q), { maxNumberOfMessages: 10, waitTimeSeconds: 1 });
    got += ms.length;
    if (ms.length) await engine.deleteMessageBatch(ref(q), ms.map((m, i) => ({ id: `d${i}`, receiptHandle: m.receiptHandle })));
  }
};
await phase('send-batch(10)+receive(10)+delete-batch(10), 1', 1, 10, cycle('cycle', false));
await phase('send-batch(10)+receive(10)+delete-batch(10)', 16, 10, cycle('cycle', false));
await phase('same on a FIFO queue (16 groups)', 16, 10, cycle('cycle.fifo', true));

engine.close();
db.close();
rmSync(dir, { recursive: true, force: true });
