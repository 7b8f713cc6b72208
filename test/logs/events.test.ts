import {
  CreateLogGroupCommand, CreateLogStreamCommand, FilterLogEventsCommand, GetLogEventsCommand, PutLogEventsCommand, paginateFilterLogEvents,
  paginateGetLogEvents,
} from '@aws-sdk/client-cloudwatch-logs';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rejection, startLogs, type LogsTest } from './support.ts';

describe('CloudWatch Logs events through @aws-sdk/client-cloudwatch-logs', () => {
  let s: LogsTest;
  const logGroupName = '/aws/lambda/events';
  const base = Date.now() - 60_000;
  before(async () => {
    s = await startLogs();
    await s.logs.send(new CreateLogGroupCommand({ logGroupName }));
    for (const logStreamName of ['a', 'b']) await s.logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
    // a: 0..24 at base+2i, b: 0..24 at base+2i+1 (interleaved), sent out of order.
    for (const [stream, off] of [['a', 0], ['b', 1]] as const) {
      const logEvents = Array.from({ length: 25 }, (_, i) => ({ timestamp: base + 2 * i + off, message: `${stream}${i}` })).reverse();
      const r = await s.logs.send(new PutLogEventsCommand({ logGroupName, logStreamName: stream, logEvents, sequenceToken: 'ignored' }));
      assert.equal(r.rejectedLogEventsInfo, undefined);
      assert.match(r.nextSequenceToken!, /^\d+$/);
    }
  });
  after(async () => {
    await s?.close();
  });

  test('GetLogEvents: newest by default, from head, limits, f/ and b/ tokens, the end returns the same token', async () => {
    const { logs } = s;
    const latest = await logs.send(new GetLogEventsCommand({ logGroupName, logStreamName: 'a', limit: 5 }));
    assert.deepEqual(latest.events!.map((e) => e.message), ['a20', 'a21', 'a22', 'a23', 'a24']);
    assert.match(latest.nextForwardToken!, /^f\/\d{56}$/);
    assert.match(latest.nextBackwardToken!, /^b\/\d{56}$/);
    assert.ok(latest.events![0].ingestionTime! >= latest.events![0].timestamp!);
    const older = await logs.send(new GetLogEventsCommand({ logGroupName, logStreamName: 'a', limit: 5, nextToken: latest.nextBackwardToken }));
    assert.deepEqual(older.events!.map((e) => e.message), ['a15', 'a16', 'a17', 'a18', 'a19']);
    const back = await logs.send(new GetLogEventsCommand({ logGroupName, logStreamName: 'a', limit: 3, nextToken: older.nextForwardToken }));
    assert.deepEqual(back.events!.map((e) => e.message), ['a20', 'a21', 'a22']);
    const end = await logs.send(new GetLogEventsCommand({ logGroupName, logStreamName: 'a', nextToken: latest.nextForwardToken }));
    assert.equal(end.events!.length, 0);
    assert.equal(end.nextForwardToken, latest.nextForwardToken, 'at the end the token you passed comes back');

    const head = await logs.send(new GetLogEventsCommand({ logGroupName, logStreamName: 'b', startFromHead: true, limit: 2 }));
    assert.deepEqual(head.events!.map((e) => e.message), ['b0', 'b1']);
    const window = await logs.send(new GetLogEventsCommand({ logGroupName, logStreamName: 'b', startFromHead: true, startTime: base + 5, endTime: base + 11 }));
    assert.deepEqual(window.events!.map((e) => e.message), ['b2', 'b3', 'b4'], 'startTime inclusive, endTime exclusive');

    // The SDK paginator walks forward from the head; with stopOnSameToken (as for AWS) it stops when the token repeats.
    const seen: string[] = [];
    for await (const page of paginateGetLogEvents({ client: logs, pageSize: 7, stopOnSameToken: true }, { logGroupName, logStreamName: 'b', startFromHead: true })) {
      seen.push(...page.events!.map((e) => e.message!));
    }
    assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => `b${i}`));

    assert.equal((await rejection(logs.send(new GetLogEventsCommand({ logGroupName, logStreamName: 'a', nextToken: 'x/123' })))).name, 'InvalidParameterException');
    assert.equal((await rejection(logs.send(new GetLogEventsCommand({ logGroupName, logStreamName: 'zz' })))).name, 'ResourceNotFoundException');
    assert.equal((await rejection(logs.send(new GetLogEventsCommand({ logGroupName, logStreamName: 'a', limit: 10_001 })))).name, 'InvalidParameterException');
  });

  test('FilterLogEvents: interleaved across streams, stream names and prefixes, time range, pages', async () => {
    const { logs } = s;
    const all = await logs.send(new FilterLogEventsCommand({ logGroupName }));
    assert.equal(all.events!.length, 50);
    assert.deepEqual(all.events!.slice(0, 4).map((e) => `${e.logStreamName}:${e.message}`), ['a:a0', 'b:b0', 'a:a1', 'b:b1']);
    assert.ok(all.events!.every((e) => /^\d+$/.test(e.eventId!)));
    assert.equal(all.nextToken, undefined);
    const onlyB = await logs.send(new FilterLogEventsCommand({ logGroupName, logStreamNames: ['b'], startTime: base + 40 }));
    assert.deepEqual(onlyB.events!.map((e) => e.message), ['b20', 'b21', 'b22', 'b23', 'b24']);
    const prefix = await logs.send(new FilterLogEventsCommand({ logGroupName, logStreamNamePrefix: 'a', endTime: base + 4 }));
    assert.deepEqual(prefix.events!.map((e) => e.message), ['a0', 'a1']);
    const both = await rejection(logs.send(new FilterLogEventsCommand({ logGroupName, logStreamNames: ['a'], logStreamNamePrefix: 'a' })));
    assert.equal(both.name, 'InvalidParameterException');
    assert.equal((await rejection(logs.send(new FilterLogEventsCommand({ logGroupName: '/none' })))).name, 'ResourceNotFoundException');

    const pages: string[][] = [];
    for await (const page of paginateFilterLogEvents({ client: logs, pageSize: 20 }, { logGroupName, filterPattern: '?a1 ?b2' })) {
      pages.push(page.events!.map((e) => e.message!));
    }
    const flat = pages.flat();
    assert.deepEqual(flat, ['a1', 'a10', 'a11', 'a12', 'a13', 'a14', 'a15', 'a16', 'a17', 'a18', 'a19', 'b2', 'b20', 'b21', 'b22', 'b23', 'b24']
      .sort((x, y) => Number(x.slice(1)) * 2 + (x[0] === 'b' ? 1 : 0) - (Number(y.slice(1)) * 2 + (y[0] === 'b' ? 1 : 0))));
    const limited = await logs.send(new FilterLogEventsCommand({ logGroupName, limit: 3 }));
    assert.equal(limited.events!.length, 3);
    const rest = await logs.send(new FilterLogEventsCommand({ logGroupName, limit: 3, nextToken: limited.nextToken }));
    assert.deepEqual(rest.events!.map((e) => e.message), ['b1', 'a2', 'b2']);
    assert.equal((await rejection(logs.send(new FilterLogEventsCommand({ logGroupName, nextToken: 'nope' })))).name, 'InvalidParameterException');
  });

  test('filter patterns: terms, phrases, OR, exclusion, JSON comparisons; unsupported syntax is an InvalidParameterException', async () => {
    const { logs } = s;
    const g = '/patterns';
    await logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    const messages = [
      'START RequestId: 1 Version: $LATEST',
      'ERROR request failed: timeout',
      'ERROR request failed: bad input',
      'WARN slow request',
      '{"level":"error","latency":250,"user":{"id":7},"tags":["x"],"ok":false}',
      '{"level":"info","latency":20,"user":{"id":8},"ok":true,"code":null}',
      '{"level":"warning","latency":100}',
    ];
    const now = Date.now();
    await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 's', logEvents: messages.map((message, i) => ({ timestamp: now + i, message })) }));
    const f = async (filterPattern: string) => (await logs.send(new FilterLogEventsCommand({ logGroupName: g, filterPattern }))).events!.map((e) => messages.indexOf(e.message!));
    assert.deepEqual(await f(''), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(await f('ERROR'), [1, 2]);
    assert.deepEqual(await f('ERROR timeout'), [1]);
    assert.deepEqual(await f('"failed: bad"'), [2]);
    assert.deepEqual(await f('?WARN ?timeout'), [1, 3]);
    assert.deepEqual(await f('ERROR -timeout'), [2]);
    assert.deepEqual(await f('error'), [4], 'terms are case-sensitive');
    assert.deepEqual(await f('{ $.level = "error" }'), [4]);
    assert.deepEqual(await f('{ $.level = "warn*" }'), [6]);
    assert.deepEqual(await f('{ $.level != "error" }'), [5, 6]);
    assert.deepEqual(await f('{ $.latency > 50 }'), [4, 6]);
    assert.deepEqual(await f('{ $.latency >= 100 && $.level = warning }'), [6]);
    assert.deepEqual(await f('{ ($.user.id = 7 || $.user.id = 8) && $.latency < 100 }'), [5]);
    assert.deepEqual(await f('{ $.tags[0] = "x" }'), [4]);
    assert.deepEqual(await f('{ $.ok IS TRUE }'), [5]);
    assert.deepEqual(await f('{ $.ok IS FALSE }'), [4]);
    assert.deepEqual(await f('{ $.code IS NULL }'), [5]);
    assert.deepEqual(await f('{ $.user NOT EXISTS }'), [6]);
    for (const bad of ['[ip, user, status = 404]', '%ERR.*%', '{ $.a = }', '{ level = 1 }', '"unterminated', '{ $.a = 1 & $.b = 2 }', '{ $.a > x }']) {
      const err = await rejection(logs.send(new FilterLogEventsCommand({ logGroupName: g, filterPattern: bad })));
      assert.equal(err.name, 'InvalidParameterException', bad);
    }
  });
});
