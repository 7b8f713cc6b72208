import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeRuleCommand, DisableRuleCommand, EnableRuleCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { writeZip } from '../../src/engines/functions/zip.ts';
import { eventually, sdkClient } from '../support/nimbus.ts';
import { startEventsNimbus, type EventsTest } from './support.ts';

// A rate schedule invokes a real Lambda function on a ManualClock. The function proves it ran by sending the event it
// got to an SQS queue through the gateway (AWS_ENDPOINT_URL, SQS JSON protocol) and by logging it (CloudWatch Logs).
const HANDLER = `
exports.handler = async (event) => {
  console.log('scheduled tick at ' + event.time);
  const res = await fetch(process.env.AWS_ENDPOINT_URL + '/', {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' },
    body: JSON.stringify({ QueueUrl: process.env.QUEUE_URL, MessageBody: JSON.stringify(event) }),
  });
  if (!res.ok) throw new Error('SendMessage failed: ' + res.status + ' ' + await res.text());
  return { ok: true };
};
`;
const ROLE = 'arn:aws:iam::000000000000:role/events';

describe('EventBridge schedules → Lambda (manual clock)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-test-'));
  let t: EventsTest | undefined;
  after(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('rate(1 minute) invokes the function each minute; disabled rules stay quiet; restart does not replay', async () => {
    t = await startEventsNimbus({ dataDir });
    const lambda = sdkClient(LambdaClient, t.endpoint);
    const sqs = sdkClient(SQSClient, t.endpoint);
    const logs = sdkClient(CloudWatchLogsClient, t.endpoint);
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'ticks' }));
      const fn = await lambda.send(new CreateFunctionCommand({
        FunctionName: 'ticker', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: writeZip({ 'index.js': HANDLER }) },
        Environment: { Variables: { QUEUE_URL: QueueUrl! } },
      }));
      const { RuleArn } = await t.events.send(new PutRuleCommand({ Name: 'every-minute', ScheduleExpression: 'rate(1 minute)' }));
      assert.equal(RuleArn, 'arn:aws:events:us-east-1:000000000000:rule/every-minute');
      const put = await t.events.send(new PutTargetsCommand({ Rule: 'every-minute', Targets: [{ Id: 'fn', Arn: fn.FunctionArn! }] }));
      assert.equal(put.FailedEntryCount, 0);

      const received: Record<string, unknown>[] = [];
      const drain = async (want: number) => eventually(async () => {
        const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 600 }));
        for (const m of r.Messages ?? []) received.push(JSON.parse(m.Body!));
        return received.length >= want;
      }, `${want} scheduled invocations`, 20_000, 100);

      assert.equal(await t.advance(59_000), 0, 'nothing before the first minute');
      assert.equal(await t.advance(1_000), 1);
      await drain(1);
      assert.equal(received[0]['detail-type'], 'Scheduled Event');
      assert.equal(received[0].source, 'aws.events');
      assert.equal(received[0].time, '2026-01-01T00:01:00Z');
      assert.deepEqual(received[0].resources, [RuleArn]);
      assert.deepEqual(received[0].detail, {});
      assert.equal(received[0].account, '000000000000');
      assert.equal(received[0].region, 'us-east-1');

      assert.equal(await t.advance(2 * 60_000), 2);
      await drain(3);
      assert.deepEqual(received.map((e) => e.time), ['2026-01-01T00:01:00Z', '2026-01-01T00:02:00Z', '2026-01-01T00:03:00Z']);
      const logged = await eventually(async () => {
        const r = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/ticker', filterPattern: '"scheduled tick"' }));
        return (r.events?.length ?? 0) >= 3 && r.events;
      }, 'function logs');
      assert.ok(logged.some((e) => e.message?.includes('scheduled tick at 2026-01-01T00:02:00Z')));

      await t.events.send(new DisableRuleCommand({ Name: 'every-minute' }));
      assert.equal((await t.events.send(new DescribeRuleCommand({ Name: 'every-minute' }))).State, 'DISABLED');
      assert.equal(await t.advance(5 * 60_000), 0);
      await t.events.send(new EnableRuleCommand({ Name: 'every-minute' }));
      assert.equal(await t.advance(60_000), 1, 're-enabled: the grid restarts from the enable time');
      await drain(4);
    } finally {
      lambda.destroy();
      sqs.destroy();
      logs.destroy();
    }
    // Down from 00:09 to 00:19:30: nothing is replayed at start; the grid (anchored at the 00:08 enable) goes on at 00:20.
    const clock = t.clock;
    await t.close();
    t = undefined;
    clock.advance(10 * 60_000 + 30_000);
    t = await startEventsNimbus({ dataDir, clock });
    assert.equal(t.engine.tick(), 0, 'missed firings are not replayed');
    assert.deepEqual(t.engine.nextFirings().map((f) => new Date(f.at).toISOString()), ['2026-01-01T00:20:00.000Z']);
    assert.equal((await t.events.send(new DescribeRuleCommand({ Name: 'every-minute' }))).ScheduleExpression, 'rate(1 minute)');
  });
});
