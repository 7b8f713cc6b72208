import { SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand, GetQueueAttributesCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { startTestNimbus, sdkClient } from '/work/main/test/support/nimbus.ts';
import { execFileSync } from 'node:child_process';
const t = await startTestNimbus();
try {
  const sqs = sdkClient(SQSClient, t.endpoint);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'q1', Attributes: { VisibilityTimeout: '5' }, tags: { a: 'b' } }));
  console.log(QueueUrl);
  const s = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello', MessageAttributes: { n: { DataType: 'Number', StringValue: '1' }, b: { DataType: 'Binary', BinaryValue: Buffer.from('xyz') } } }));
  console.log(s);
  const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }));
  console.log(JSON.stringify(r.Messages));
  console.log(await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })));
  console.log(await sqs.send(new ListQueuesCommand({})));
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  const aws = (...a: string[]) => { try { return execFileSync('/usr/bin/aws', ['--endpoint-url', t.endpoint, '--output', 'json', 'sqs', ...a], { env, encoding: 'utf8', stdio: ['ignore','pipe','pipe'] }); } catch (e: any) { return 'ERR ' + e.status + ' ' + e.stderr; } };
  console.log(aws('create-queue', '--queue-name', 'cli1', '--attributes', 'VisibilityTimeout=7'));
  console.log(aws('list-queues'));
  console.log(aws('send-message', '--queue-url', QueueUrl!, '--message-body', 'hi', '--message-attributes', '{"k":{"DataType":"String","StringValue":"v"},"bb":{"DataType":"Binary","BinaryValue":"eHl6"}}'));
  console.log(aws('receive-message', '--queue-url', QueueUrl!, '--attribute-names', 'All', '--message-attribute-names', 'All', '--max-number-of-messages', '10'));
  console.log(aws('get-queue-attributes', '--queue-url', QueueUrl!, '--attribute-names', 'All'));
  console.log(aws('get-queue-url', '--queue-name', 'nope'));
  console.log(aws('list-queue-tags', '--queue-url', QueueUrl!));
} finally { await t.close(); }
