import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { awsCli, awsCliMissing, boto3, boto3Missing } from '../support/awscli.ts';
import { startSqs, type SqsTest } from './support.ts';

// The query protocol, as the Debian AWS CLI (2.9) and boto3 (1.26) still speak it to SQS, and raw form posts.

describe('SQS over the query protocol', () => {
  let s: SqsTest;
  before(async () => {
    s = await startSqs();
  });
  after(async () => {
    await s?.close();
  });

  const { aws, awsError, raw } = awsCli(() => s.t.endpoint, { service: 'sqs' });

  test('AWS CLI: create, send with attributes, receive, delete, attributes, list, errors', { skip: awsCliMissing }, async () => {
    const port = new URL(s.t.endpoint).port;
    const { QueueUrl } = await aws('create-queue', '--queue-name', 'cli-q', '--attributes', 'VisibilityTimeout=40,DelaySeconds=0', '--tags', 'team=cli');
    assert.equal(QueueUrl, `http://127.0.0.1:${port}/000000000000/cli-q`);
    const sent = await aws('send-message', '--queue-url', QueueUrl, '--message-body', 'from the cli',
      '--message-attributes', JSON.stringify({ who: { DataType: 'String', StringValue: 'cli' }, n: { DataType: 'Number', StringValue: '7' }, bin: { DataType: 'Binary', BinaryValue: 'AAEC' } }));
    assert.match(sent.MessageId, /^[0-9a-f-]{36}$/);
    assert.match(sent.MD5OfMessageAttributes, /^[0-9a-f]{32}$/);
    const got = await aws('receive-message', '--queue-url', QueueUrl, '--attribute-names', 'All', '--message-attribute-names', 'All', '--max-number-of-messages', '10', '--wait-time-seconds', '1');
    assert.equal(got.Messages.length, 1);
    const m = got.Messages[0];
    assert.equal(m.MessageId, sent.MessageId);
    assert.equal(m.Body, 'from the cli');
    assert.equal(m.MD5OfMessageAttributes, sent.MD5OfMessageAttributes);
    assert.deepEqual(m.MessageAttributes.who, { StringValue: 'cli', DataType: 'String' });
    assert.equal(m.MessageAttributes.bin.BinaryValue, 'AAEC');
    assert.equal(m.Attributes.ApproximateReceiveCount, '1');
    await aws('delete-message', '--queue-url', QueueUrl, '--receipt-handle', m.ReceiptHandle);
    const attrs = await aws('get-queue-attributes', '--queue-url', QueueUrl, '--attribute-names', 'All');
    assert.equal(attrs.Attributes.VisibilityTimeout, '40');
    assert.equal(attrs.Attributes.ApproximateNumberOfMessages, '0');
    assert.equal(attrs.Attributes.ApproximateNumberOfMessagesNotVisible, '0');
    await aws('set-queue-attributes', '--queue-url', QueueUrl, '--attributes', 'MessageRetentionPeriod=3600');
    assert.equal((await aws('get-queue-attributes', '--queue-url', QueueUrl, '--attribute-names', 'MessageRetentionPeriod')).Attributes.MessageRetentionPeriod, '3600');
    assert.deepEqual((await aws('list-queue-tags', '--queue-url', QueueUrl)).Tags, { team: 'cli' });
    assert.ok((await aws('list-queues', '--queue-name-prefix', 'cli')).QueueUrls.includes(QueueUrl));
    const batch = await aws('send-message-batch', '--queue-url', QueueUrl, '--entries', JSON.stringify([{ Id: 'a', MessageBody: 'A' }, { Id: 'b', MessageBody: 'B\u0001' }]));
    assert.deepEqual(batch.Successful.map((e: { Id: string }) => e.Id), ['a']);
    assert.equal(batch.Failed[0].Code, 'InvalidMessageContents');

    const err = await raw('get-queue-url', '--queue-name', 'missing');
    assert.equal(err.code, 254);
    assert.match(err.stderr, /AWS\.SimpleQueueService\.NonExistentQueue/);
    const tooMany = await awsError('delete-message-batch', '--queue-url', QueueUrl, '--entries', JSON.stringify(Array.from({ length: 11 }, (_, i) => ({ Id: `x${i}`, ReceiptHandle: 'h' }))));
    assert.match(tooMany, /TooManyEntriesInBatchRequest/);
    await aws('delete-queue', '--queue-url', QueueUrl);
  });

  test('boto3: send, receive and delete in batches', { skip: boto3Missing }, async () => {
    const script = `
import boto3, json, sys
sqs = boto3.client('sqs', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
url = sqs.create_queue(QueueName='boto-q')['QueueUrl']
sent = sqs.send_message_batch(QueueUrl=url, Entries=[{'Id': str(i), 'MessageBody': 'b%d' % i, 'MessageAttributes': {'i': {'DataType': 'Number', 'StringValue': str(i)}}} for i in range(10)])
got = []
while len(got) < 10:
    r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=['All'], AttributeNames=['All'], WaitTimeSeconds=1)
    if not r.get('Messages'): break
    got += r['Messages']
deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[{'Id': m['MessageId'], 'ReceiptHandle': m['ReceiptHandle']} for m in got])
left = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'])['Attributes']
print(json.dumps({'url': url, 'sent': len(sent['Successful']), 'bodies': sorted(m['Body'] for m in got), 'attr': got[0]['MessageAttributes']['i']['DataType'],
  'md5': all(len(m['MD5OfMessageAttributes']) == 32 for m in got), 'deleted': len(deleted['Successful']), 'failed': len(deleted.get('Failed', [])), 'left': left}))
`;
    const r = await boto3(s.t.endpoint, script);
    assert.equal(r.sent, 10);
    assert.deepEqual(r.bodies, Array.from({ length: 10 }, (_, i) => `b${i}`).sort());
    assert.equal(r.attr, 'Number');
    assert.equal(r.md5, true);
    assert.equal(r.deleted, 10);
    assert.equal(r.failed, 0);
    assert.deepEqual(r.left, { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  test('raw query posts (to / and to the queue URL itself): the classic XML shapes', async () => {
    const form = async (path: string, params: Record<string, string>) => {
      const res = await fetch(`${s.t.endpoint}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ Version: '2012-11-05', ...params }).toString() });
      return { status: res.status, requestId: res.headers.get('x-amzn-requestid'), xml: await res.text() };
    };
    const created = await form('/', { Action: 'CreateQueue', QueueName: 'raw-q', 'Attribute.1.Name': 'VisibilityTimeout', 'Attribute.1.Value': '15' });
    assert.match(created.xml, /<CreateQueueResponse xmlns="http:\/\/queue\.amazonaws\.com\/doc\/2012-11-05\/"><CreateQueueResult><QueueUrl>http:\/\/127\.0\.0\.1:\d+\/000000000000\/raw-q<\/QueueUrl><\/CreateQueueResult><ResponseMetadata><RequestId>/);
    assert.ok(created.requestId);
    const sent = await form('/000000000000/raw-q', {
      Action: 'SendMessage', MessageBody: 'raw body',
      'MessageAttribute.1.Name': 'color', 'MessageAttribute.1.Value.DataType': 'String', 'MessageAttribute.1.Value.StringValue': 'blue',
    });
    assert.equal(sent.status, 200);
    assert.match(sent.xml, /<SendMessageResponse[^>]*><SendMessageResult><MD5OfMessageBody>[0-9a-f]{32}<\/MD5OfMessageBody><MD5OfMessageAttributes>[0-9a-f]{32}<\/MD5OfMessageAttributes><MessageId>[0-9a-f-]{36}<\/MessageId><\/SendMessageResult>/);
    const got = await form('/000000000000/raw-q', { Action: 'ReceiveMessage', 'AttributeName.1': 'SentTimestamp', 'MessageAttributeName.1': 'All', MaxNumberOfMessages: '5' });
    assert.match(got.xml, /<ReceiveMessageResult><Message><MessageId>/);
    assert.match(got.xml, /<Attribute><Name>SentTimestamp<\/Name><Value>\d{13}<\/Value><\/Attribute>/);
    assert.match(got.xml, /<MessageAttribute><Name>color<\/Name><Value><StringValue>blue<\/StringValue><DataType>String<\/DataType><\/Value><\/MessageAttribute>/);
    const list = await form('/', { Action: 'ListQueues', QueueNamePrefix: 'raw' });
    assert.match(list.xml, /<ListQueuesResult><QueueUrl>http:\/\/127\.0\.0\.1:\d+\/000000000000\/raw-q<\/QueueUrl><\/ListQueuesResult>/);
    const missing = await form('/000000000000/nope', { Action: 'SendMessage', MessageBody: 'x' });
    assert.equal(missing.status, 400);
    assert.ok(missing.requestId);
    assert.match(missing.xml, /<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>AWS\.SimpleQueueService\.NonExistentQueue<\/Code><Message>The specified queue does not exist\.<\/Message><\/Error><RequestId>/);
  });
});
