import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { startLogs, type LogsTest } from './support.ts';

const run = promisify(execFile);
// Debian's awscli (a pyenv/pip `aws` may shadow it on PATH).
const AWS = '/usr/bin/aws';
const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };

describe('CloudWatch Logs through the AWS CLI (JSON 1.1)', { skip: !existsSync(AWS) && 'Debian awscli not installed' }, () => {
  let s: LogsTest;
  before(async () => {
    s = await startLogs();
  });
  after(async () => {
    await s?.close();
  });

  async function aws(...args: string[]): Promise<any> {
    const { stdout } = await run(AWS, ['--endpoint-url', s.t.endpoint, '--output', 'json', 'logs', ...args], { env });
    return stdout.trim() ? JSON.parse(stdout) : {};
  }

  test('create-log-group, create-log-stream, put-log-events, get-log-events, filter-log-events, describe, errors', async () => {
    const g = '/aws/lambda/cli-fn';
    await aws('create-log-group', '--log-group-name', g, '--tags', 'team=cli');
    await aws('create-log-stream', '--log-group-name', g, '--log-stream-name', 'one');
    const now = Date.now();
    const put = await aws('put-log-events', '--log-group-name', g, '--log-stream-name', 'one', '--log-events',
      JSON.stringify([{ timestamp: now, message: 'hello from the cli' }, { timestamp: now + 1, message: 'ERROR boom' }, { timestamp: now + 2, message: '{"status":500}' }]));
    assert.match(put.nextSequenceToken, /^\d+$/);
    const got = await aws('get-log-events', '--log-group-name', g, '--log-stream-name', 'one', '--start-from-head');
    assert.deepEqual(got.events.map((e: { message: string }) => e.message), ['hello from the cli', 'ERROR boom', '{"status":500}']);
    assert.match(got.nextForwardToken, /^f\//);
    const filtered = await aws('filter-log-events', '--log-group-name', g, '--filter-pattern', '?ERROR ?hello');
    assert.deepEqual(filtered.events.map((e: { message: string }) => e.message), ['hello from the cli', 'ERROR boom']);
    const json = await aws('filter-log-events', '--log-group-name', g, '--filter-pattern', '{ $.status >= 500 }', '--start-time', String(now));
    assert.deepEqual(json.events.map((e: { logStreamName: string }) => e.logStreamName), ['one']);
    const groups = await aws('describe-log-groups', '--log-group-name-prefix', '/aws/lambda/');
    assert.equal(groups.logGroups[0].logGroupName, g);
    assert.equal(groups.logGroups[0].storedBytes, 'hello from the cliERROR boom{"status":500}'.length);
    await aws('put-retention-policy', '--log-group-name', g, '--retention-in-days', '14');
    assert.equal((await aws('describe-log-groups')).logGroups[0].retentionInDays, 14);
    assert.deepEqual((await aws('list-tags-log-group', '--log-group-name', g)).tags, { team: 'cli' });
    const streams = await aws('describe-log-streams', '--log-group-name', g);
    assert.equal(streams.logStreams[0].lastEventTimestamp, now + 2);

    const err = await run(AWS, ['--endpoint-url', s.t.endpoint, 'logs', 'get-log-events', '--log-group-name', g, '--log-stream-name', 'nope'], { env }).catch((e: { stderr: string; code: number }) => e);
    assert.equal((err as { code: number }).code, 254);
    assert.match((err as { stderr: string }).stderr, /ResourceNotFoundException/);
    const dup = await run(AWS, ['--endpoint-url', s.t.endpoint, 'logs', 'create-log-group', '--log-group-name', g], { env }).catch((e: { stderr: string }) => e);
    assert.match((dup as { stderr: string }).stderr, /ResourceAlreadyExistsException/);

    await aws('delete-log-group', '--log-group-name', g);
    assert.deepEqual((await aws('describe-log-groups')).logGroups, []);
  });
});
