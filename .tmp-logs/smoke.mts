import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, GetLogEventsCommand, FilterLogEventsCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { startTestNimbus, sdkClient } from '../test/support/nimbus.ts';
const t = await startTestNimbus();
const c = sdkClient(CloudWatchLogsClient, t.endpoint);
try {
  await c.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/x' }));
  await c.send(new CreateLogStreamCommand({ logGroupName: '/aws/lambda/x', logStreamName: 's1' }));
  const now = Date.now();
  console.log(await c.send(new PutLogEventsCommand({ logGroupName: '/aws/lambda/x', logStreamName: 's1', logEvents: [{ timestamp: now, message: 'hello ERROR' }, { timestamp: now + 1, message: '{"a":1}' }] })));
  console.log(await c.send(new GetLogEventsCommand({ logGroupName: '/aws/lambda/x', logStreamName: 's1' })));
  console.log(await c.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/x', filterPattern: '{ $.a = 1 }' })));
  console.log(await c.send(new DescribeLogGroupsCommand({})));
  try { await c.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/x' })); } catch (e: any) { console.log(e.name, e.message, e.$metadata.httpStatusCode); }
} finally { c.destroy(); await t.close(); }
