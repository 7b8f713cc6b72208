import { CreateLogGroupCommand, CreateLogStreamCommand, DescribeLogGroupsCommand, FilterLogEventsCommand, GetLogEventsCommand, PutLogEventsCommand, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { lambdaLogGroupName, lambdaLogStreamName, LogStore, type LogEvent } from '../../src/engines/logs/index.ts';
import { openDb } from '../../src/store/db.ts';
import { rejection, startClockedLogs, type ClockedLogs } from './support.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('CloudWatch Logs time rules and retention with an injected clock', () => {
  let s: ClockedLogs;
  const logGroupName = '/clocked';
  const logStreamName = 's';
  before(async () => {
    s = await startClockedLogs(Date.UTC(2026, 0, 15));
    await s.logs.send(new CreateLogGroupCommand({ logGroupName }));
    await s.logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
  });
  after(async () => {
    await s?.close();
  });

  test('PutLogEvents: too new / too old / expired events are rejected by index, the rest accepted', async () => {
    const now = s.clock.now();
    const put = (logEvents: Array<{ timestamp: number; message: string }>) => s.logs.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents }));
    const span = await rejection(put([{ timestamp: now - 2 * DAY, message: 'a' }, { timestamp: now, message: 'b' }]));
    assert.equal(span.name, 'InvalidParameterException', 'a batch spanning more than 24 hours is refused as a whole');
    const ok = await put([
      { timestamp: now - HOUR, message: 'ok 1' },
      { timestamp: now + HOUR, message: 'ok 2' },
      { timestamp: now + 3 * HOUR, message: 'too new' },
    ]);
    assert.deepEqual(ok.rejectedLogEventsInfo, { tooNewLogEventStartIndex: 2 });
    const old = await put([{ timestamp: now - 14 * DAY - HOUR, message: 'old a' }, { timestamp: now - 14 * DAY - 5, message: 'old b' }, { timestamp: now - 14 * DAY + HOUR, message: 'ok 3' }]);
    assert.deepEqual(old.rejectedLogEventsInfo, { tooOldLogEventEndIndex: 2 });
    const got = await s.logs.send(new GetLogEventsCommand({ logGroupName, logStreamName, startFromHead: true }));
    assert.deepEqual(got.events!.map((e) => e.message), ['ok 3', 'ok 1', 'ok 2']);
    assert.equal(got.events![0].ingestionTime, now);
  });

  test('PutLogEvents limits: 10,000 events, 1 MB batch, 256 KB event, empty message, missing stream', async () => {
    const now = s.clock.now();
    const put = (logEvents: Array<{ timestamp: number; message: string }>, stream = logStreamName) =>
      rejection(s.logs.send(new PutLogEventsCommand({ logGroupName, logStreamName: stream, logEvents })));
    assert.equal((await put(Array.from({ length: 10_001 }, () => ({ timestamp: now, message: 'x' })))).name, 'InvalidParameterException');
    assert.equal((await put(Array.from({ length: 5 }, () => ({ timestamp: now, message: 'y'.repeat(250_000) })))).name, 'InvalidParameterException');
    const big = await put([{ timestamp: now, message: 'z'.repeat(262_144 - 25) }]);
    assert.equal(big.name, 'InvalidParameterException');
    assert.match(big.message, /too large/);
    assert.equal((await put([{ timestamp: now, message: '' }])).name, 'InvalidParameterException');
    assert.equal((await put([])).name, 'InvalidParameterException');
    assert.equal((await put([{ timestamp: now, message: 'x' }], 'missing')).name, 'ResourceNotFoundException');
    // The largest event that fits.
    await s.logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName: 'max' }));
    await s.logs.send(new PutLogEventsCommand({ logGroupName, logStreamName: 'max', logEvents: [{ timestamp: now, message: 'm'.repeat(262_144 - 26) }] }));
  });

  test('retention: events past it disappear as the clock moves, and are rejected on arrival', async () => {
    const g = '/retained';
    await s.logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await s.logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    const t0 = s.clock.now();
    await s.logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 's', logEvents: [{ timestamp: t0 - DAY - HOUR, message: 'a day and an hour old' }, { timestamp: t0 - HOUR, message: 'recent' }] }));
    await s.logs.send(new PutRetentionPolicyCommand({ logGroupName: g, retentionInDays: 1 }));
    const messages = async () => (await s.logs.send(new FilterLogEventsCommand({ logGroupName: g }))).events!.map((e) => e.message);
    assert.deepEqual(await messages(), ['recent'], 'setting the policy expires old events at once');
    const r = await s.logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 's', logEvents: [{ timestamp: t0 - DAY - 1, message: 'late' }, { timestamp: t0 - 1, message: 'now' }] }));
    assert.deepEqual(r.rejectedLogEventsInfo, { expiredLogEventEndIndex: 1 });
    assert.deepEqual(await messages(), ['recent', 'now']);
    s.clock.advance(DAY - 30 * 60_000);
    assert.deepEqual(await messages(), ['now'], 'hidden from reads as soon as the clock passes them');
    assert.ok(s.store.expire() >= 1, 'and deleted by the sweep');
    assert.equal((await s.logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: 's' }))).events!.length, 1);
    const desc = (await s.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }))).logGroups![0];
    assert.equal(desc.retentionInDays, 1);
  });
});

describe('log store engine: in-process appends, group commit, tail, durability', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-logs-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const acct = '000000000000';
  const region = 'us-east-1';

  test('appendEvents creates the group and stream, batches one turn into one transaction, truncates and drops', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 1));
    const db = openDb(':memory:');
    const store = LogStore.open({ db, clock, expireEveryMs: 0 });
    try {
      const group = lambdaLogGroupName('fn');
      const stream = lambdaLogStreamName(clock.now(), '$LATEST', 'c0ffee');
      assert.equal(stream, '2026/03/01/[$LATEST]c0ffee00000000000000000000000000');
      const before = store.flushes;
      const writes = Array.from({ length: 50 }, (_, i) => store.appendEvents(acct, region, group, `${stream}-${i % 5}`, [{ message: `line ${i}\n` }]));
      await Promise.all(writes);
      assert.equal(store.flushes - before, 1, '50 appends in one turn, one transaction');
      const ref = { account: acct, region, name: group };
      assert.equal(store.getLogGroup(ref).streams.size, 5);
      await store.appendEvents(acct, region, group, stream, [
        { message: 'x'.repeat(300_000) },
        { message: '' },
        { timestamp: clock.now() - 20 * DAY, message: 'ancient' },
        { timestamp: clock.now() + 5, message: 'explicit timestamp' },
      ]);
      const got = store.getLogEvents({ ...ref, stream }, { startFromHead: true });
      assert.deepEqual(got.events.map((e) => e.message.length), [262_144 - 26, 'explicit timestamp'.length]);
      assert.equal(store.filterLogEvents(ref, { filterPattern: '"line 4"' }).events.length, 11);
    } finally {
      store.close();
      db.close();
    }
  });

  test('tail: stored events, then new ones as they arrive (no polling), with a filter; waits for a group to exist', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 1));
    const db = openDb(':memory:');
    const store = LogStore.open({ db, clock, expireEveryMs: 0 });
    const ac = new AbortController();
    try {
      const ref = { account: acct, region, name: '/aws/lambda/tailed' };
      // Not there yet: without follow it is an error, with follow the iterator waits.
      await assert.rejects(store.tail(ref).next(), { name: 'ResourceNotFoundException' });
      const early = store.tail(ref, { follow: true, signal: ac.signal });
      const firstEarly = early.next();
      await store.appendEvents(acct, region, ref.name, 's1', [{ message: 'old ERROR' }, { message: 'old info' }]);
      assert.equal(((await firstEarly).value as LogEvent).message, 'old ERROR');

      const seen: string[] = [];
      const it = store.tail(ref, { follow: true, filterPattern: 'ERROR', signal: ac.signal });
      const reader = (async () => {
        for await (const e of it) {
          seen.push(`${e.stream}:${e.message}`);
          if (seen.length === 3) break;
        }
      })();
      await new Promise((r) => setImmediate(r));
      clock.advance(1000);
      void store.appendEvents(acct, region, ref.name, 's2', [{ message: 'new ERROR a' }, { message: 'new info' }]);
      void store.appendEvents(acct, region, ref.name, 's1', [{ message: 'new ERROR b' }]);
      await reader;
      assert.deepEqual(seen, ['s1:old ERROR', 's2:new ERROR a', 's1:new ERROR b']);
      const all = await store.tail(ref).next();
      assert.equal((all.value as LogEvent).message, 'old ERROR', 'without follow: just the stored events');
      assert.equal(((await early.next()).value as LogEvent).message, 'old info');
      ac.abort();
      assert.equal((await early.next()).done, true, 'abort ends a follow');
    } finally {
      ac.abort();
      store.close();
      db.close();
    }
  });

  test('durability: acknowledged appends are in the database after it is reopened (no close of the engine)', async () => {
    const path = join(dir, 'state.db');
    const clock = new ManualClock(Date.UTC(2026, 2, 1));
    const db = openDb(path);
    const store = LogStore.open({ db, clock, expireEveryMs: 0 });
    const ref = { account: acct, region, name: '/aws/lambda/durable' };
    await store.appendEvents(acct, region, ref.name, 'st', Array.from({ length: 100 }, (_, i) => ({ timestamp: clock.now() + i, message: `event ${i}` })));
    store.putRetentionPolicy(ref, 30);
    store.tagLogGroup(ref, { owner: 'me' });
    // Nothing closes the engine: the database goes away as in a crash right after the acknowledgement.
    db.close();

    const db2 = openDb(path);
    const again = LogStore.open({ db: db2, clock, expireEveryMs: 0 });
    try {
      const g = again.getLogGroup(ref);
      assert.equal(g.retentionDays, 30);
      assert.deepEqual(g.tags, { owner: 'me' });
      const st = g.streams.get('st')!;
      assert.equal(st.firstEventTs, clock.now());
      assert.equal(st.lastEventTs, clock.now() + 99);
      const events = again.getLogEvents({ ...ref, stream: 'st' }, { startFromHead: true }).events;
      assert.equal(events.length, 100);
      assert.equal(events[99].message, 'event 99');
      // Event ids keep increasing after a reopen.
      await again.appendEvents(acct, region, ref.name, 'st', [{ timestamp: clock.now() + 200, message: 'after reopen' }]);
      const tail = again.getLogEvents({ ...ref, stream: 'st' }, { limit: 1 }).events[0];
      assert.equal(tail.message, 'after reopen');
      assert.ok(tail.id > events[99].id);
      // An append nobody awaits is written by close().
      void again.appendEvents(acct, region, ref.name, 'st', [{ timestamp: clock.now() + 300, message: 'unawaited' }]);
      again.close();
      db2.close();
      const db3 = openDb(path);
      const third = LogStore.open({ db: db3, clock, expireEveryMs: 0 });
      assert.equal(third.getLogEvents({ ...ref, stream: 'st' }, { limit: 1 }).events[0].message, 'unawaited');
      third.close();
      db3.close();
    } finally {
      if (db2.open) {
        again.close();
        db2.close();
      }
    }
  });
});
