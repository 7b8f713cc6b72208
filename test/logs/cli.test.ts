import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { logsCommand, parseSince, signV4 } from '../../src/cli/logs.ts';
import { eventually } from '../support/nimbus.ts';
import { startLogs, type LogsTest } from './support.ts';

describe('nimbus logs', () => {
  let s: LogsTest;
  before(async () => {
    s = await startLogs();
  });
  after(async () => {
    await s?.close();
  });

  const put = (logGroupName: string, logStreamName: string, ...messages: string[]) =>
    s.logs.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents: messages.map((message) => ({ timestamp: Date.now(), message })) }));

  test('prints a group interleaved, with --since, --filter and --stream; errors for a missing group or server', async () => {
    const g = '/aws/lambda/printed';
    await s.logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    for (const st of ['2026/01/01/[$LATEST]aa', '2026/01/01/[$LATEST]bb']) await s.logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: st }));
    await s.logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: '2026/01/01/[$LATEST]aa', logEvents: [{ timestamp: Date.now() - 3 * 3_600_000, message: 'three hours ago' }] }));
    await put(g, '2026/01/01/[$LATEST]aa', 'START RequestId: 1\n', 'ERROR it broke\n');
    await put(g, '2026/01/01/[$LATEST]bb', 'END RequestId: 1\n');
    const lines: string[] = [];
    const code = await logsCommand([g, '--endpoint', s.t.endpoint], (l) => lines.push(l));
    assert.equal(code, 0);
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(lines[0], /^\d{4}-\d\d-\d\dT[\d:.]+Z 2026\/01\/01\/\[\$LATEST\]aa START RequestId: 1$/);
    assert.match(lines[2], /\]bb END RequestId: 1$/);
    const all: string[] = [];
    await logsCommand([g, '--since', '1d', '--endpoint', s.t.endpoint], (l) => all.push(l));
    assert.equal(all.length, 4);
    const errors: string[] = [];
    await logsCommand([g, '--filter', 'ERROR', '--stream', '2026/01/01/[$LATEST]a', '--json', '--endpoint', s.t.endpoint], (l) => errors.push(l));
    assert.deepEqual(errors.map((l) => JSON.parse(l).message), ['ERROR it broke\n']);

    const missing: string[] = [];
    assert.equal(await logsCommand(['/aws/lambda/none', '--endpoint', s.t.endpoint], (l) => missing.push(l)), 1);
    assert.match(missing[0], /ResourceNotFoundException/);
    // The region goes in the SigV4 scope, as with any SDK.
    const { CloudWatchLogsClient } = await import('@aws-sdk/client-cloudwatch-logs');
    const { sdkClient } = await import('../support/nimbus.ts');
    const eu = sdkClient(CloudWatchLogsClient, s.t.endpoint, 'eu-west-1');
    try {
      await eu.send(new CreateLogGroupCommand({ logGroupName: '/eu/only' }));
      await eu.send(new CreateLogStreamCommand({ logGroupName: '/eu/only', logStreamName: 'x' }));
      await eu.send(new PutLogEventsCommand({ logGroupName: '/eu/only', logStreamName: 'x', logEvents: [{ timestamp: Date.now(), message: 'bonjour' }] }));
    } finally {
      eu.destroy();
    }
    const eus: string[] = [];
    assert.equal(await logsCommand(['/eu/only', '--region', 'eu-west-1', '--endpoint', s.t.endpoint], (l) => eus.push(l)), 0);
    assert.match(eus.join('\n'), / x bonjour$/);
    assert.equal(await logsCommand(['/eu/only', '--endpoint', s.t.endpoint], () => {}), 1, 'not in us-east-1');
    assert.equal(await logsCommand([g, '--endpoint', 'http://127.0.0.1:1'], () => {}), 1);
    assert.equal(await logsCommand([g, '--since', 'yesterday-ish'], () => {}), 2);
    assert.equal(await logsCommand([], () => {}), 2);
  });

  test('--follow waits for the group, prints new events once each, stops on abort', async () => {
    const g = '/aws/lambda/followed';
    const lines: string[] = [];
    const ac = new AbortController();
    const done = logsCommand(['--follow', g, '--endpoint', s.t.endpoint], (l) => lines.push(l), { signal: ac.signal, pollMs: 50 });
    await eventually(() => lines.some((l) => l.includes('waiting for log group')), 'the waiting note');
    await s.logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await s.logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    const t = Date.now();
    await s.logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 's', logEvents: [{ timestamp: t, message: 'first' }, { timestamp: t, message: 'same ms' }] }));
    await eventually(() => lines.filter((l) => / s /.test(l)).length === 2, 'the first two events');
    await s.logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 's', logEvents: [{ timestamp: t, message: 'third, same ms again' }, { timestamp: t + 5, message: 'fourth' }] }));
    await eventually(() => lines.filter((l) => / s /.test(l)).length === 4, 'all four events');
    await new Promise((r) => setTimeout(r, 200));
    ac.abort();
    assert.equal(await done, 0);
    assert.deepEqual(lines.filter((l) => / s /.test(l)).map((l) => l.split(' s ')[1]), ['first', 'same ms', 'third, same ms again', 'fourth'], 'no duplicates');
  });

  test('--since parsing and SigV4 signing', () => {
    const now = Date.UTC(2026, 0, 1, 12);
    assert.equal(parseSince('10m', now), now - 600_000);
    assert.equal(parseSince('2h', now), now - 7_200_000);
    assert.equal(parseSince('1w', now), now - 7 * 86_400_000);
    assert.equal(parseSince('all', now), 0);
    assert.equal(parseSince('2026-01-01T00:00:00Z', now), Date.UTC(2026, 0, 1));
    assert.equal(parseSince('soon', now), undefined);

    // The AWS SigV4 test suite's post-vanilla case.
    const headers: Record<string, string> = {};
    signV4(new URL('http://example.amazonaws.com/'), '', headers, 'us-east-1', 'service', { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }, new Date(Date.UTC(2015, 7, 30, 12, 36)));
    assert.equal(headers['x-amz-date'], '20150830T123600Z');
    assert.equal(
      headers.authorization,
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
    );
  });
});
