import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { openDb } from '../../store/db.ts';
import { ManualScheduler } from '../queue/index.ts';
import { retryDelayMs, DEFAULT_RETRY, checkTopicDeliveryPolicy } from './delivery-policy.ts';
import { Dispatcher, type AttemptResult } from './dispatcher.ts';
import { compileFilterPolicy, passesFilter } from './filter.ts';
import { PubSubStore } from './store.ts';
import type { Delivery } from './types.ts';

describe('filter policies', () => {
  const attrs = (o: Record<string, string | number>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? { DataType: 'Number', StringValue: String(v) } : { DataType: 'String', StringValue: v }]));
  const pass = (policy: unknown, a: Record<string, string | number>) => passesFilter(compileFilterPolicy(JSON.stringify(policy), 'MessageAttributes'), 'MessageAttributes', '', attrs(a));

  test('operators', () => {
    assert.equal(pass({ c: ['red'] }, { c: 'red' }), true);
    assert.equal(pass({ c: ['red'] }, { c: 'Red' }), false);
    assert.equal(pass({ c: [{ 'equals-ignore-case': 'RED' }] }, { c: 'rEd' }), true);
    assert.equal(pass({ c: [{ prefix: 'ab' }] }, { c: 'abc' }), true);
    assert.equal(pass({ c: [{ suffix: 'bc' }] }, { c: 'abc' }), true);
    assert.equal(pass({ c: [{ 'anything-but': ['a', 'b'] }] }, { c: 'c' }), true);
    assert.equal(pass({ c: [{ 'anything-but': 'a' }] }, { c: 'a' }), false);
    assert.equal(pass({ c: [{ 'anything-but': { prefix: 'x' } }] }, { c: 'xy' }), false);
    assert.equal(pass({ n: [{ numeric: ['=', 5] }] }, { n: 5 }), true);
    assert.equal(pass({ n: [{ numeric: ['>', 0, '<=', 10] }] }, { n: 10 }), true);
    assert.equal(pass({ n: [{ numeric: ['>', 0, '<=', 10] }] }, { n: 11 }), false);
    assert.equal(pass({ n: [5] }, { n: 5 }), true);
    assert.equal(pass({ x: [{ exists: true }] }, { x: 'v' }), true);
    assert.equal(pass({ x: [{ exists: false }] }, {}), true);
    assert.equal(pass({ x: [{ exists: false }] }, { x: 'v' }), false);
    assert.equal(pass({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.0.7' }), true);
    assert.equal(pass({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.1.7' }), false);
    assert.equal(pass({ a: ['x'], $or: [{ b: ['1'] }, { c: ['2'] }] }, { a: 'x', c: '2' }), true);
    assert.equal(pass({ a: ['x'], $or: [{ b: ['1'] }, { c: ['2'] }] }, { a: 'x' }), false);
  });

  test('body scope: nested keys, arrays, null', () => {
    const p = compileFilterPolicy(JSON.stringify({ a: { b: ['x', null], c: [{ numeric: ['<', 3] }] } }), 'MessageBody');
    assert.equal(passesFilter(p, 'MessageBody', JSON.stringify({ a: { b: 'x', c: 1 } }), undefined), true);
    assert.equal(passesFilter(p, 'MessageBody', JSON.stringify({ a: { b: null, c: [9, 2] } }), undefined), true);
    assert.equal(passesFilter(p, 'MessageBody', JSON.stringify({ a: { b: 'y', c: 1 } }), undefined), false);
    assert.equal(passesFilter(p, 'MessageBody', 'plain text', undefined), false);
  });

  test('validation and AWS limits', () => {
    const bad = (p: string, scope: 'MessageAttributes' | 'MessageBody' = 'MessageAttributes') => assert.throws(() => compileFilterPolicy(p, scope), { code: 'InvalidParameter' });
    bad('not json');
    bad('[]');
    bad('{"a":"x"}');
    bad('{"a":[]}');
    bad('{"a":[{"prefix":1}]}');
    bad('{"a":[{"numeric":["<"]}]}');
    bad('{"a":[{"numeric":[">", 10, "<", 5]}]}');
    bad('{"a":[{"exists":"yes"}]}');
    bad('{"a":{"b":["x"]}}'); // nesting only in the MessageBody scope
    bad(JSON.stringify(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`k${i}`, ['v']]))));
    bad(JSON.stringify({ a: Array.from({ length: 151 }, (_, i) => `v${i}`) }));
    compileFilterPolicy('{"a":{"b":["x"]}}', 'MessageBody');
  });
});

describe('delivery policy retry schedule', () => {
  test('AWS default: 3 retries 20 s apart', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(DEFAULT_RETRY, n)), [20_000, 20_000, 20_000, undefined]);
  });
  test('phases: immediate, minimum, backoff, maximum', () => {
    const p = { ...DEFAULT_RETRY, numRetries: 8, numNoDelayRetries: 2, numMinDelayRetries: 1, numMaxDelayRetries: 1, minDelayTarget: 1, maxDelayTarget: 9 };
    assert.deepEqual(Array.from({ length: 9 }, (_, i) => retryDelayMs(p, i + 1)), [0, 0, 1000, 1000, 3667, 6333, 9000, 9000, undefined]);
  });
  test('invalid topic policies are InvalidParameter', () => {
    assert.throws(() => checkTopicDeliveryPolicy('{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":30,"maxDelayTarget":10}}}'), { code: 'InvalidParameter' });
    assert.throws(() => checkTopicDeliveryPolicy('nope'), { code: 'InvalidParameter' });
  });
});

describe('dispatcher (durable retries on an injected clock)', () => {
  test('retries per policy, then gives up; rows live in SQLite until done', async () => {
    const db = openDb(':memory:');
    const store = new PubSubStore(db);
    const clock = new ManualClock();
    const sched = new ManualScheduler(clock);
    const results: AttemptResult[] = [{ ok: false, error: 'HTTP 500' }, { ok: false, error: 'HTTP 500' }, { ok: true }];
    const tries: number[] = [];
    const exhausted: string[] = [];
    const d = new Dispatcher(store, sched, clock, undefined, {
      attempt: async () => {
        tries.push(clock.now());
        return results.shift() ?? { ok: false, error: 'HTTP 500' };
      },
      policy: () => ({ ...DEFAULT_RETRY, numRetries: 3, minDelayTarget: 20, maxDelayTarget: 20 }),
      exhausted: async (_d, e) => void exhausted.push(e),
    });
    const payload = { kind: 'http' as const, type: 'Notification', messageId: 'm', topicArn: 't', endpoint: 'http://x', headers: {}, body: 'b' };
    const now = clock.now();
    const [id] = store.writePublish({ deliveries: [{ subscriptionArn: 's', payload, nextAt: now, createdAt: now }], mail: [] });
    const delivery: Delivery = { id, subscriptionArn: 's', payload, attempts: 0, nextAt: now, createdAt: now };
    d.add(delivery);
    await d.idle();
    assert.equal(tries.length, 1);
    assert.equal(store.loadDeliveries()[0].attempts, 1, 'the retry is recorded');
    sched.advance(19_999);
    await d.idle();
    assert.equal(tries.length, 1);
    sched.advance(1);
    await d.idle();
    assert.equal(tries.length, 2);
    sched.advance(20_000);
    await d.idle();
    assert.deepEqual(tries.map((t) => t - now), [0, 20_000, 40_000]);
    assert.equal(store.loadDeliveries().length, 0, 'delivered: row gone');
    assert.deepEqual(exhausted, []);

    // Always failing: first try + 3 retries, then exhausted.
    results.length = 0;
    const [id2] = store.writePublish({ deliveries: [{ subscriptionArn: 's', payload, nextAt: clock.now(), createdAt: clock.now() }], mail: [] });
    d.add({ id: id2, subscriptionArn: 's', payload, attempts: 0, nextAt: clock.now(), createdAt: clock.now() });
    for (let i = 0; i < 4; i++) {
      await d.idle();
      sched.advance(20_000);
    }
    await d.idle();
    assert.deepEqual(exhausted, ['HTTP 500']);
    assert.equal(tries.length, 3 + 4);
    assert.equal(store.loadDeliveries().length, 0);
    d.close();
    db.close();
  });
});
