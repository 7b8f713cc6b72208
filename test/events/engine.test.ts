import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { EventsEngine, type TargetPorts } from '../../src/engines/events/index.ts';
import { ManualScheduler } from '../../src/engines/queue/index.ts';
import { openDb, type Db } from '../../src/store/db.ts';

// The engine alone, with a ManualClock + ManualScheduler: schedules fire when the test moves time, never by sleeping.
const s = { account: '000000000000', region: 'us-east-1' };
const LAMBDA = 'arn:aws:lambda:us-east-1:000000000000:function:tick';
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:q';

function recorder() {
  const calls: { kind: string; target: string; body: string; attrs?: unknown }[] = [];
  let failLambda = 0;
  const ports: TargetPorts = {
    lambda: async (arn, body) => {
      if (failLambda > 0) {
        failLambda--;
        return { ok: false, error: 'boom' };
      }
      calls.push({ kind: 'lambda', target: arn, body });
      return { ok: true };
    },
    sqs: async (ref, body, o) => {
      calls.push({ kind: 'sqs', target: ref.name, body, attrs: o.attributes });
    },
    sns: async (arn, body) => {
      calls.push({ kind: 'sns', target: arn, body });
    },
  };
  return { calls, ports, failNext: (n: number) => (failLambda = n) };
}

describe('events engine (manual time)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-events-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  function open(clock: ManualClock, ports: TargetPorts, file = `e${++n}.db`): { engine: EventsEngine; scheduler: ManualScheduler; db: Db } {
    const db = openDb(join(dir, file));
    const scheduler = new ManualScheduler(clock);
    const engine = new EventsEngine({ db, clock, log: silentLogger, scheduler, ports, retryBaseMs: 1000 });
    engine.start();
    return { engine, scheduler, db };
  }

  test('rate(1 minute) fires once a minute with the scheduled event; disabled rules do not fire', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 0, 30));
    const r = recorder();
    const { engine, scheduler, db } = open(clock, r.ports);
    const rule = engine.putRule(s, { name: 'every-minute', scheduleExpression: 'rate(1 minute)' });
    engine.putTargets(s, 'every-minute', undefined, [{ id: 'fn', arn: LAMBDA }]);
    scheduler.advance(59_000);
    await engine.settled();
    assert.equal(r.calls.length, 0);
    scheduler.advance(1_000);
    await engine.settled();
    assert.equal(r.calls.length, 1);
    const ev = JSON.parse(r.calls[0].body);
    assert.deepEqual({ ...ev, id: undefined }, {
      version: '0', id: undefined, 'detail-type': 'Scheduled Event', source: 'aws.events', account: s.account,
      time: '2026-01-01T00:01:30Z', region: s.region, resources: [rule.arn], detail: {},
    });
    assert.match(ev.id, /^[0-9a-f-]{36}$/);
    scheduler.advance(3 * 60_000);
    await engine.settled();
    assert.deepEqual(r.calls.map((c) => JSON.parse(c.body).time), ['2026-01-01T00:01:30Z', '2026-01-01T00:02:30Z', '2026-01-01T00:03:30Z', '2026-01-01T00:04:30Z']);
    engine.setState(s, 'every-minute', undefined, false);
    scheduler.advance(10 * 60_000);
    await engine.settled();
    assert.equal(r.calls.length, 4);
    engine.close();
    db.close();
  });

  test('cron schedules fire at their minute; tick() serves callers that move a ManualClock themselves', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 11, 0, 0));
    const r = recorder();
    const { engine, db } = open(clock, r.ports);
    engine.putRule(s, { name: 'noon', scheduleExpression: 'cron(0 12 * * ? *)' });
    engine.putTargets(s, 'noon', undefined, [{ id: 'q', arn: QUEUE, input: '{"hello":"noon"}' }]);
    assert.deepEqual(engine.nextFirings().map((f) => new Date(f.at).toISOString()), ['2026-01-01T12:00:00.000Z']);
    clock.advance(3600_000);
    assert.equal(engine.tick(), 1);
    await engine.settled();
    assert.deepEqual(r.calls, [{ kind: 'sqs', target: 'q', body: '{"hello":"noon"}', attrs: undefined }]);
    engine.close();
    db.close();
  });

  test('rules survive a restart; firings missed while down are not replayed', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 0, 0));
    const r = recorder();
    const first = open(clock, r.ports, 'restart.db');
    first.engine.putRule(s, { name: 'five', scheduleExpression: 'rate(5 minutes)' });
    first.engine.putTargets(s, 'five', undefined, [{ id: 'fn', arn: LAMBDA }]);
    first.scheduler.advance(5 * 60_000);
    await first.engine.settled();
    assert.equal(r.calls.length, 1);
    first.engine.close();
    first.db.close();
    clock.advance(23 * 60_000); // down for 23 minutes: 4 firings missed (10, 15, 20, 25)
    const second = open(clock, r.ports, 'restart.db');
    assert.equal(second.engine.listTargets(s, 'five', {}).targets.length, 1);
    assert.deepEqual(second.engine.nextFirings().map((f) => new Date(f.at).toISOString()), ['2026-01-01T00:30:00.000Z']);
    second.scheduler.advance(2 * 60_000);
    await second.engine.settled();
    assert.equal(r.calls.length, 2);
    assert.equal(JSON.parse(r.calls[1].body).time, '2026-01-01T00:30:00Z');
    second.engine.close();
    second.db.close();
  });

  test('PutEvents routes matching events to targets with InputTransformer; failed deliveries retry, then dead-letter', async () => {
    const clock = new ManualClock();
    const r = recorder();
    const { engine, scheduler, db } = open(clock, r.ports);
    engine.putRule(s, { name: 'orders', eventPattern: JSON.stringify({ source: ['shop'], detail: { total: [{ numeric: ['>', 100] }] } }) });
    engine.putTargets(s, 'orders', undefined, [
      { id: 'q', arn: QUEUE, inputTransformer: { inputPathsMap: { id: '$.detail.id' }, inputTemplate: '{"big": <id>}' } },
      { id: 'fn', arn: LAMBDA, retry: { maximumRetryAttempts: 2 }, deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:dlq' },
    ]);
    r.failNext(1);
    const out = engine.putEvents(s, [
      { source: 'shop', detailType: 'Order', detail: '{"id":"o-1","total":150}' },
      { source: 'shop', detailType: 'Order', detail: '{"id":"o-2","total":50}' },
      { source: 'shop', detailType: 'Order', detail: 'nope' },
      { source: 'aws.ec2', detailType: 'Order', detail: '{}' },
    ]);
    assert.ok(out[0].eventId && out[1].eventId);
    assert.deepEqual(out.slice(2).map((e) => e.errorCode), ['MalformedDetail', 'NotAuthorizedForSourceException']);
    await engine.settled();
    assert.deepEqual(r.calls.map((c) => [c.kind, c.body]), [['sqs', '{"big": "o-1"}']]);
    scheduler.advance(1000); // first retry succeeds
    await engine.settled();
    assert.equal(r.calls.length, 2);
    assert.equal(JSON.parse(r.calls[1].body).detail.id, 'o-1');
    // Three failures with MaximumRetryAttempts 2 → dead-letter queue with the reason.
    r.failNext(3);
    engine.putEvents(s, [{ source: 'shop', detailType: 'Order', detail: '{"id":"o-3","total":500}' }]);
    await engine.settled();
    scheduler.advance(1000);
    await engine.settled();
    scheduler.advance(2000);
    await engine.settled();
    const dlq = r.calls.find((c) => c.target === 'dlq')!;
    assert.ok(dlq, 'dead-lettered');
    assert.equal(JSON.parse(dlq.body).detail.id, 'o-3');
    assert.equal((dlq.attrs as Record<string, { StringValue: string }>).EXHAUSTED_RETRY_CONDITION.StringValue, 'MaximumRetryAttempts');
    engine.close();
    db.close();
  });
});
