import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { randomIds } from '../../src/core/ids.ts';
import { silentLogger } from '../../src/core/log.ts';
import { FunctionEngine } from '../../src/engines/functions/engine.ts';
import { MemoryLogSink } from '../../src/engines/functions/memory-log-sink.ts';
import { ThrottledError, type FunctionSpec } from '../../src/engines/functions/types.ts';
import { readZip, writeZip, ZipError } from '../../src/engines/functions/zip.ts';
import { startTestNimbus, TEST_VPC_CIDR, type TestNimbus } from '../support/nimbus.ts';

// The function engine on its own, with a clock the test moves: idle reaping, metering, logs, account concurrency.
describe('function engine: pools, idle reaping, metering, account concurrency', () => {
  let t: TestNimbus;
  let engine: FunctionEngine;
  const clock = new ManualClock(Date.now());
  const logs = new MemoryLogSink();
  let spec: FunctionSpec;
  before(async () => {
    t = await startTestNimbus();
    const code = join(t.dataDir, 'engine-code');
    mkdirSync(code, { recursive: true });
    writeFileSync(join(code, 'index.js'), 'let n = 0; exports.handler = async (e) => { n++; console.log("call", n); if (e.wait) await new Promise((r) => setTimeout(r, e.wait)); return n; };');
    const gateway = TEST_VPC_CIDR.replace(/\.0\.0\/16$/, '.0.1');
    engine = new FunctionEngine({
      compute: t.nimbus.compute, capabilities: t.nimbus.capabilities, db: t.nimbus.db, clock, ids: randomIds, log: silentLogger, dataDir: t.dataDir,
      logs, vpcCidr: TEST_VPC_CIDR, gateway, baseEnv: {}, idleMs: 60_000, accountConcurrency: 1, addressOffset: 4096,
    });
    spec = {
      account: '000000000000', region: 'us-east-1', name: 'eng', arn: 'arn:aws:lambda:us-east-1:000000000000:function:eng', version: '$LATEST', revision: 'r1',
      runtime: 'nodejs20.x', handler: 'index.handler', memoryMiB: 128, timeoutS: 5, env: {}, codeDir: code, logGroup: '/aws/lambda/eng',
    };
  });
  after(async () => {
    await engine?.close();
    await t?.close();
  });

  const call = (p: unknown) => engine.invoke(spec, { payload: Buffer.from(JSON.stringify(p)), invokedArn: spec.arn });

  test('warm reuse, then the idle environment is reaped and the next call starts cold', async () => {
    const a = await call({});
    assert.ok(a.initMs !== undefined, 'first call is a cold start');
    const b = await call({});
    assert.equal(b.initMs, undefined, 'second call is warm');
    assert.equal(b.payload.toString(), '2');
    assert.deepEqual(engine.environments(spec), { idle: 1, busy: 0, total: 1 });
    assert.equal(await engine.reapIdle(clock.now() + 30_000), 0, 'not idle long enough');
    clock.advance(60_000);
    assert.equal(await engine.reapIdle(), 1);
    assert.equal(engine.environments(spec).total, 0);
    const c = await call({});
    assert.ok(c.initMs !== undefined);
    assert.equal(c.payload.toString(), '1');
    const lines = logs.messages(spec.account, spec.region, spec.logGroup).join('');
    assert.match(lines, /START RequestId: .* Version: \$LATEST/);
    assert.match(lines, /INFO\tcall 2/);
  });

  test('account concurrency throttles with ConcurrentInvocationLimitExceeded', async () => {
    const slow = call({ wait: 1500 });
    await assert.rejects(async () => {
      for (let i = 0; i < 200; i++) await call({});
    }, (err: unknown) => err instanceof ThrottledError && err.reason === 'ConcurrentInvocationLimitExceeded');
    await slow;
  });

  test('usage is metered per invocation at 1 ms granularity', () => {
    const [row] = engine.meter.totals(spec.account, spec.region);
    assert.equal(row.functionArn, spec.arn);
    assert.ok(row.requests >= 4);
    assert.ok(row.billedMs >= row.requests);
    assert.ok(Math.abs(row.gbSeconds - (row.billedMs / 1000) * 0.125) < 1e-9);
  });

  test('zip reader: round trip, modes, and garbage is refused', () => {
    const entries = readZip(writeZip({ 'a/b.txt': 'hello', bootstrap: { data: '#!/bin/sh\n', mode: 0o755 } }));
    assert.deepEqual(entries.map((e) => [e.name, e.data.toString(), e.mode & 0o111 ? 'x' : '-']), [['a/b.txt', 'hello', '-'], ['bootstrap', '#!/bin/sh\n', 'x']]);
    assert.throws(() => readZip(Buffer.from('PK not really')), ZipError);
    const evil = writeZip({ '../escape.txt': 'x' });
    assert.throws(() => readZip(evil), /unsafe path/);
  });
});
