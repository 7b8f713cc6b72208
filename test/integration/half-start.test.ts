import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { isRoot, startTestNimbus } from '../support/nimbus.ts';

// A Nimbus that fails half way through starting (here: its API port is taken, after IMDS already listens on the
// bridge) must release everything it opened, so the next start in the same process (same bridge, same IMDS
// address) works and nothing is left on the host.

test('a start that fails half way leaves nothing behind', { skip: !isRoot && 'needs root for the bridge and IMDS' }, async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  try {
    await assert.rejects(startTestNimbus({ port }), /EADDRINUSE/);
  } finally {
    blocker.close();
  }
  const t = await startTestNimbus();
  try {
    const health = await fetch(`${t.endpoint}/_nimbus/health`);
    assert.equal(health.status, 200);
  } finally {
    await t.close();
  }
  const prefix = `nbt${process.pid % 100000}`;
  const links = execFileSync('ip', ['-br', 'link'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(prefix));
  assert.deepEqual(links, []);
});
