import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { openDb } from '../../store/db.ts';
import { QueueEngine } from './engine.ts';
import { ManualScheduler } from './scheduler.ts';
import { fixture, tempDbPath } from './test-support.ts';

/** Every message of a queue, received far enough in the future that nothing is delayed or in flight. */
async function drainIds(path: string, name: string, at = Date.now()): Promise<Set<string>> {
  const clock = new ManualClock(at + 3_600_000);
  const db = openDb(path);
  const engine = QueueEngine.open({ db, clock, scheduler: new ManualScheduler(clock) });
  const ref = { account: '000000000000', region: 'us-east-1', name };
  const ids = new Set<string>();
  for (;;) {
    const got = await engine.receiveMessage(ref, { maxNumberOfMessages: 10, visibilityTimeout: 43200 });
    if (!got.length) break;
    for (const m of got) ids.add(m.messageId);
  }
  engine.close();
  db.close();
  return ids;
}

test('restart: acknowledged messages are there for a second process without any extra flush', async () => {
  const path = tempDbPath();
  const f = fixture(path);
  const ref = f.ref('q');
  f.engine.createQueue(ref);
  const sent = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const r = await f.engine.sendMessageBatch(ref, Array.from({ length: 10 }, (_, j) => ({ id: `m${j}`, body: `${i}/${j}`, messageAttributes: { i: { DataType: 'Number', StringValue: String(i) } } })));
    for (const s of r.successful) sent.add(s.messageId);
  }
  await Promise.all(Array.from({ length: 100 }, (_, i) => f.engine.sendMessage(ref, { body: `single ${i}` }).then((r) => sent.add(r.messageId))));
  // The first engine and connection stay open (nothing is closed or checkpointed): read from a fresh connection.
  const seen = await drainIds(path, 'q', f.clock.now());
  assert.equal(seen.size, 600);
  for (const id of sent) assert.ok(seen.has(id), id);
  f.close();
});

test('restart: an in-flight message reappears after its visibility timeout; delays and counts persist', async () => {
  const f = fixture(tempDbPath());
  const ref = f.ref('q');
  f.engine.createQueue(ref);
  await f.engine.sendMessage(ref, { body: 'inflight', messageAttributes: { a: { DataType: 'Binary', BinaryValue: Buffer.from([9, 8]) } } });
  await f.engine.sendMessage(ref, { body: 'delayed', delaySeconds: 120 });
  const [m] = await f.engine.receiveMessage(ref, { visibilityTimeout: 60, messageAttributeNames: ['All'] });
  const e = f.reopen();
  assert.equal(e.getQueueAttributes(ref).ApproximateNumberOfMessagesNotVisible, '1');
  assert.equal(e.getQueueAttributes(ref).ApproximateNumberOfMessagesDelayed, '1');
  assert.deepEqual(await e.receiveMessage(ref), []);
  await f.advance(60_000);
  const [again] = await e.receiveMessage(ref, { attributeNames: ['ApproximateReceiveCount'], messageAttributeNames: ['All'] });
  assert.equal(again!.messageId, m!.messageId);
  assert.equal(again!.attributes.ApproximateReceiveCount, '2');
  assert.deepEqual([...again!.messageAttributes!.a!.BinaryValue!], [9, 8]);
  assert.equal(again!.md5OfMessageAttributes, m!.md5OfMessageAttributes);
  // The old handle (from before the restart) is stale now; the new one deletes, and that survives a restart too.
  await e.deleteMessage(ref, again!.receiptHandle);
  const e2 = f.reopen();
  await f.advance(60_000);
  assert.deepEqual((await e2.receiveMessage(ref, { maxNumberOfMessages: 10 })).map((x) => x.body), ['delayed']);
  f.close();
});

test('crash: kill -9 mid-run loses no acknowledged send and resurrects no acknowledged delete', { timeout: 60_000 }, async () => {
  const path = tempDbPath();
  openDb(path).close(); // migrate once up front
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./crash-child.ts', import.meta.url)), path, 'crashq'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let outText = '';
  const lines = () => outText.split('\n');
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
    child.stdout!.on('data', (d: Buffer) => {
      outText += d.toString('utf8');
      if (lines().filter((l) => l.startsWith('S ')).length >= 20000 && lines().some((l) => l.startsWith('D '))) resolve();
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGKILL');
  await exited;
  // Only whole lines count: a line cut by the kill was not fully acknowledged.
  const complete = outText.slice(0, outText.lastIndexOf('\n'));
  const sent = new Set<string>();
  const deleted = new Set<string>();
  const deleting = new Set<string>();
  for (const l of complete.split('\n')) {
    if (l.startsWith('S ')) sent.add(l.slice(2));
    else if (l.startsWith('D ')) deleted.add(l.slice(2));
    else if (l.startsWith('P ')) deleting.add(l.slice(2));
  }
  const present = await drainIds(path, 'crashq');
  let missing = 0;
  // A delete in progress at the kill may have been committed without being acknowledged: either outcome is right.
  for (const id of sent) if (!deleted.has(id) && !deleting.has(id) && !present.has(id)) missing++;
  let resurrected = 0;
  for (const id of deleted) if (present.has(id)) resurrected++;
  assert.equal(missing, 0, `acknowledged sends lost (of ${sent.size})`);
  assert.equal(resurrected, 0, `acknowledged deletes undone (of ${deleted.size})`);
  assert.ok(sent.size >= 20000 && deleted.size > 0);
  console.log(`crash test: ${sent.size} acknowledged sends, ${deleted.size} acknowledged deletes, ${present.size} messages after restart`);
});
