import {
  CreateLogGroupCommand, CreateLogStreamCommand, DeleteLogGroupCommand, DeleteLogStreamCommand, DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand, DescribeLogStreamsCommand, ListTagsForResourceCommand, ListTagsLogGroupCommand, PutLogEventsCommand,
  PutRetentionPolicyCommand, TagLogGroupCommand, TagResourceCommand, UntagLogGroupCommand, UntagResourceCommand, paginateDescribeLogGroups,
} from '@aws-sdk/client-cloudwatch-logs';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rejection, startLogs, type LogsTest } from './support.ts';

describe('CloudWatch Logs groups, streams, retention and tags through @aws-sdk/client-cloudwatch-logs', () => {
  let s: LogsTest;
  before(async () => {
    s = await startLogs();
  });
  after(async () => {
    await s?.close();
  });

  test('log groups: create, describe (prefix, pattern, pages), delete, errors', async () => {
    const { logs } = s;
    for (const n of ['/aws/lambda/a', '/aws/lambda/b', '/aws/lambda/c', '/app/web']) await logs.send(new CreateLogGroupCommand({ logGroupName: n }));
    const dup = await rejection(logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/a' })));
    assert.equal(dup.name, 'ResourceAlreadyExistsException');
    assert.equal(dup.$metadata?.httpStatusCode, 400);
    assert.equal((await rejection(logs.send(new CreateLogGroupCommand({ logGroupName: 'bad:name' })))).name, 'InvalidParameterException');

    const lambda = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/' }));
    assert.deepEqual(lambda.logGroups!.map((g) => g.logGroupName), ['/aws/lambda/a', '/aws/lambda/b', '/aws/lambda/c']);
    const g = lambda.logGroups![0];
    assert.equal(g.arn, 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/a:*');
    assert.equal(g.logGroupArn, 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/a');
    assert.equal(g.storedBytes, 0);
    assert.equal(g.retentionInDays, undefined);
    assert.ok(Math.abs(g.creationTime! - Date.now()) < 60_000);
    const pattern = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'WEB' }));
    assert.deepEqual(pattern.logGroups!.map((x) => x.logGroupName), ['/app/web']);
    assert.equal((await rejection(logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'a', logGroupNamePrefix: '/a' })))).name, 'InvalidParameterException');

    const names: string[] = [];
    for await (const page of paginateDescribeLogGroups({ client: logs, pageSize: 2 }, {})) {
      assert.ok(page.logGroups!.length <= 2);
      names.push(...page.logGroups!.map((x) => x.logGroupName!));
    }
    assert.deepEqual(names, ['/app/web', '/aws/lambda/a', '/aws/lambda/b', '/aws/lambda/c']);
    assert.equal((await rejection(logs.send(new DescribeLogGroupsCommand({ limit: 51 })))).name, 'InvalidParameterException');
    assert.equal((await rejection(logs.send(new DescribeLogGroupsCommand({ nextToken: 'garbage!' })))).name, 'InvalidParameterException');

    await logs.send(new DeleteLogGroupCommand({ logGroupName: '/app/web' }));
    assert.equal((await rejection(logs.send(new DeleteLogGroupCommand({ logGroupName: '/app/web' })))).name, 'ResourceNotFoundException');
    // Regions are separate.
    const { CloudWatchLogsClient } = await import('@aws-sdk/client-cloudwatch-logs');
    const { sdkClient } = await import('../support/nimbus.ts');
    const eu = sdkClient(CloudWatchLogsClient, s.t.endpoint, 'eu-west-1');
    try {
      assert.equal((await eu.send(new DescribeLogGroupsCommand({}))).logGroups!.length, 0);
    } finally {
      eu.destroy();
    }
  });

  test('log streams: create, describe (prefix, order by last event, descending, pages), delete', async () => {
    const { logs } = s;
    const logGroupName = '/streams/test';
    await logs.send(new CreateLogGroupCommand({ logGroupName }));
    const now = Date.now();
    for (const [i, n] of ['2026/01/01/[$LATEST]aaa', '2026/01/01/[$LATEST]bbb', 'other'].entries()) {
      await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName: n }));
      await logs.send(new PutLogEventsCommand({ logGroupName, logStreamName: n, logEvents: [{ timestamp: now - 1000 * (3 - i), message: `m${i}` }] }));
    }
    await logs.send(new PutLogEventsCommand({ logGroupName, logStreamName: '2026/01/01/[$LATEST]aaa', logEvents: [{ timestamp: now, message: 'latest' }] }));
    assert.equal((await rejection(logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName: 'other' })))).name, 'ResourceAlreadyExistsException');
    assert.equal((await rejection(logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName: 'a:b' })))).name, 'InvalidParameterException');
    assert.equal((await rejection(logs.send(new CreateLogStreamCommand({ logGroupName: '/nope', logStreamName: 'x' })))).name, 'ResourceNotFoundException');

    const all = await logs.send(new DescribeLogStreamsCommand({ logGroupName }));
    assert.deepEqual(all.logStreams!.map((x) => x.logStreamName), ['2026/01/01/[$LATEST]aaa', '2026/01/01/[$LATEST]bbb', 'other']);
    const a = all.logStreams![0];
    assert.equal(a.arn, `arn:aws:logs:us-east-1:000000000000:log-group:${logGroupName}:log-stream:2026/01/01/[$LATEST]aaa`);
    assert.equal(a.firstEventTimestamp, now - 3000);
    assert.equal(a.lastEventTimestamp, now);
    assert.ok(a.lastIngestionTime! >= a.creationTime!);
    const prefixed = await logs.send(new DescribeLogStreamsCommand({ logGroupName, logStreamNamePrefix: '2026/' }));
    assert.equal(prefixed.logStreams!.length, 2);
    const byTime = await logs.send(new DescribeLogStreamsCommand({ logGroupName, orderBy: 'LastEventTime', descending: true }));
    assert.deepEqual(byTime.logStreams!.map((x) => x.logStreamName), ['2026/01/01/[$LATEST]aaa', 'other', '2026/01/01/[$LATEST]bbb']);
    const both = await rejection(logs.send(new DescribeLogStreamsCommand({ logGroupName, orderBy: 'LastEventTime', logStreamNamePrefix: 'x' })));
    assert.equal(both.name, 'InvalidParameterException');
    const p1 = await logs.send(new DescribeLogStreamsCommand({ logGroupName, limit: 2 }));
    assert.equal(p1.logStreams!.length, 2);
    const p2 = await logs.send(new DescribeLogStreamsCommand({ logGroupName, limit: 2, nextToken: p1.nextToken }));
    assert.deepEqual(p2.logStreams!.map((x) => x.logStreamName), ['other']);
    assert.equal(p2.nextToken, undefined);
    // By ARN (logGroupIdentifier), which is exclusive with logGroupName.
    const byArn = await logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: `arn:aws:logs:us-east-1:000000000000:log-group:${logGroupName}` }));
    assert.equal(byArn.logStreams!.length, 3);
    assert.equal((await rejection(logs.send(new DescribeLogStreamsCommand({ logGroupName, logGroupIdentifier: logGroupName })))).name, 'InvalidParameterException');

    const group = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroupName }))).logGroups![0];
    assert.equal(group.storedBytes, 'm0m1m2latest'.length);

    await logs.send(new DeleteLogStreamCommand({ logGroupName, logStreamName: 'other' }));
    assert.equal((await rejection(logs.send(new DeleteLogStreamCommand({ logGroupName, logStreamName: 'other' })))).name, 'ResourceNotFoundException');
    assert.equal((await logs.send(new DescribeLogStreamsCommand({ logGroupName }))).logStreams!.length, 2);
  });

  test('retention: allowed values only, shown by DescribeLogGroups, removable', async () => {
    const { logs } = s;
    const logGroupName = '/retention';
    await logs.send(new CreateLogGroupCommand({ logGroupName }));
    await logs.send(new PutRetentionPolicyCommand({ logGroupName, retentionInDays: 7 }));
    const describe = async () => (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroupName }))).logGroups![0];
    assert.equal((await describe()).retentionInDays, 7);
    for (const bad of [2, 0, 4000]) {
      assert.equal((await rejection(logs.send(new PutRetentionPolicyCommand({ logGroupName, retentionInDays: bad })))).name, 'InvalidParameterException');
    }
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName }));
    assert.equal((await describe()).retentionInDays, undefined);
    assert.equal((await rejection(logs.send(new PutRetentionPolicyCommand({ logGroupName: '/missing', retentionInDays: 1 })))).name, 'ResourceNotFoundException');
  });

  test('tags: TagResource/UntagResource/ListTagsForResource by ARN, the legacy *LogGroup ones by name, create-time tags', async () => {
    const { logs } = s;
    const logGroupName = '/tagged';
    await logs.send(new CreateLogGroupCommand({ logGroupName, tags: { team: 'core' } }));
    const arn = 'arn:aws:logs:us-east-1:000000000000:log-group:/tagged';
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'dev', cost: '1' } }));
    assert.deepEqual((await logs.send(new ListTagsForResourceCommand({ resourceArn: `${arn}:*` }))).tags, { team: 'core', env: 'dev', cost: '1' });
    await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['cost'] }));
    await logs.send(new TagLogGroupCommand({ logGroupName, tags: { legacy: 'yes' } }));
    await logs.send(new UntagLogGroupCommand({ logGroupName, tags: ['team'] }));
    assert.deepEqual((await logs.send(new ListTagsLogGroupCommand({ logGroupName }))).tags, { env: 'dev', legacy: 'yes' });
    const many = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v']));
    assert.equal((await rejection(logs.send(new TagResourceCommand({ resourceArn: arn, tags: many })))).name, 'TooManyTagsException');
    assert.equal((await rejection(logs.send(new TagLogGroupCommand({ logGroupName, tags: many })))).name, 'InvalidParameterException');
    assert.equal((await rejection(logs.send(new TagResourceCommand({ resourceArn: 'arn:aws:logs:us-east-1:000000000000:log-group:/none', tags: { a: 'b' } })))).name, 'ResourceNotFoundException');
    assert.equal((await rejection(logs.send(new TagResourceCommand({ resourceArn: 'arn:aws:sqs:us-east-1:000000000000:q', tags: { a: 'b' } })))).name, 'InvalidParameterException');
    assert.equal((await rejection(logs.send(new TagResourceCommand({ resourceArn: arn, tags: { 'aws:reserved': 'x' } })))).name, 'InvalidParameterException');
  });
});
