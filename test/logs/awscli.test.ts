import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { awsCli, awsCliMissing } from '../support/awscli.ts';
import { startLogs, type LogsTest } from './support.ts';

describe('CloudWatch Logs through the AWS CLI (JSON 1.1)', { skip: awsCliMissing }, () => {
  let s: LogsTest;
  before(async () => {
    s = await startLogs();
  });
  after(async () => {
    await s?.close();
  });

  const { aws, awsError, raw } = awsCli(() => s.t.endpoint, { service: 'logs' });

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

    const err = await raw('get-log-events', '--log-group-name', g, '--log-stream-name', 'nope');
    assert.equal(err.code, 254);
    assert.match(err.stderr, /ResourceNotFoundException/);
    assert.match(await awsError('create-log-group', '--log-group-name', g), /ResourceAlreadyExistsException/);

    await aws('delete-log-group', '--log-group-name', g);
    assert.deepEqual((await aws('describe-log-groups')).logGroups, []);
  });
});
