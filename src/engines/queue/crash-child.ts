// Test helper for durability.test.ts (run as a child process, then SIGKILLed): sends messages as fast as it can,
// receives and deletes some, and prints every acknowledged operation: "S <messageId>" / "D <messageId>" (and "P <messageId>"
// before a delete is attempted).
import { openDb } from '../../store/db.ts';
import { QueueEngine } from './engine.ts';

const [path, name] = process.argv.slice(2) as [string, string];
const engine = QueueEngine.open({ db: openDb(path) });
const ref = { account: '000000000000', region: 'us-east-1', name };
engine.createQueue(ref);
const out = (line: string) => process.stdout.write(line + '\n'); // pipes are synchronous on Linux

let n = 0;
async function producer(): Promise<void> {
  for (;;) {
    n++;
    if (n % 2) {
      const r = await engine.sendMessage(ref, { body: `single ${n}` });
      out(`S ${r.messageId}`);
    } else {
      const r = await engine.sendMessageBatch(ref, Array.from({ length: 10 }, (_, i) => ({ id: `e${i}`, body: `batch ${n}/${i}` })));
      out(r.successful.map((s) => `S ${s.messageId}`).join('\n'));
    }
  }
}

async function consumer(): Promise<void> {
  for (;;) {
    const got = await engine.receiveMessage(ref, { maxNumberOfMessages: 10, waitTimeSeconds: 1 });
    if (!got.length) continue;
    // "P": a delete is pending. Killed before its "D", the delete may or may not have been committed.
    out(got.map((m) => `P ${m.messageId}`).join('\n'));
    const r = await engine.deleteMessageBatch(ref, got.map((m, i) => ({ id: `d${i}`, receiptHandle: m.receiptHandle })));
    const byId = new Map(got.map((m, i) => [`d${i}`, m.messageId]));
    out(r.successful.map((s) => `D ${byId.get(s.id)}`).join('\n'));
  }
}

out('READY');
void producer();
void producer();
void consumer();
