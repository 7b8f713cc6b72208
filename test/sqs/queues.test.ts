import {
  AddPermissionCommand, CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand,
  ListQueueTagsCommand, PurgeQueueCommand, RemovePermissionCommand, SendMessageCommand, SetQueueAttributesCommand, SQSClient,
  TagQueueCommand, UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sdkClient } from '../support/nimbus.ts';
import { rejection, startSqs, type SqsTest } from './support.ts';

describe('SQS queues through @aws-sdk/client-sqs (JSON protocol)', () => {
  let s: SqsTest;
  before(async () => {
    s = await startSqs();
  });
  after(async () => {
    await s?.close();
  });

  test('create (idempotent), get url, list with prefix and pages, delete', async () => {
    const { sqs } = s;
    const port = new URL(s.t.endpoint).port;
    const a = await sqs.send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '45' } }));
    assert.equal(a.QueueUrl, `http://127.0.0.1:${port}/000000000000/orders`);
    const again = await sqs.send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '45' } }));
    assert.equal(again.QueueUrl, a.QueueUrl);
    const clash = await rejection(sqs.send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '5' } })));
    assert.equal(clash.name, 'QueueNameExists');
    assert.equal((await sqs.send(new GetQueueUrlCommand({ QueueName: 'orders' }))).QueueUrl, a.QueueUrl);
    for (const n of ['orders-eu', 'orders-us', 'payments']) await sqs.send(new CreateQueueCommand({ QueueName: n }));
    const all = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'orders' }));
    assert.deepEqual(all.QueueUrls!.map((u) => u.split('/').pop()), ['orders', 'orders-eu', 'orders-us']);
    const p1 = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'orders', MaxResults: 2 }));
    assert.equal(p1.QueueUrls!.length, 2);
    assert.ok(p1.NextToken);
    const p2 = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'orders', MaxResults: 2, NextToken: p1.NextToken }));
    assert.deepEqual(p2.QueueUrls!.map((u) => u.split('/').pop()), ['orders-us']);
    assert.equal(p2.NextToken, undefined);

    await sqs.send(new DeleteQueueCommand({ QueueUrl: (await sqs.send(new GetQueueUrlCommand({ QueueName: 'payments' }))).QueueUrl }));
    const gone = await rejection(sqs.send(new GetQueueUrlCommand({ QueueName: 'payments' })));
    assert.equal(gone.name, 'QueueDoesNotExist');
    assert.equal(gone.$metadata?.httpStatusCode, 400);
    assert.equal(gone.Code, 'AWS.SimpleQueueService.NonExistentQueue', 'the query-compatible code reaches the SDK');
  });

  test('queue URLs use the host the client used; AWS-style URLs are accepted back', async () => {
    const port = new URL(s.t.endpoint).port;
    const viaLocalhost = sdkClient(SQSClient, `http://localhost:${port}`);
    try {
      const { QueueUrl } = await viaLocalhost.send(new CreateQueueCommand({ QueueName: 'hosty' }));
      assert.equal(QueueUrl, `http://localhost:${port}/000000000000/hosty`);
      // The same queue through the 127.0.0.1 client, addressed by its localhost URL and by its AWS URL.
      await s.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
      const attrs = await s.sqs.send(new GetQueueAttributesCommand({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/hosty', AttributeNames: ['ApproximateNumberOfMessages'] }));
      assert.equal(attrs.Attributes!.ApproximateNumberOfMessages, '1');
      const bad = await rejection(s.sqs.send(new GetQueueAttributesCommand({ QueueUrl: 'not a url', AttributeNames: ['All'] })));
      assert.equal(bad.name, 'InvalidAddress');
    } finally {
      viaLocalhost.destroy();
    }
  });

  test('attributes: get (All or some), set, validation errors', async () => {
    const { sqs } = s;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'attrs', Attributes: { DelaySeconds: '2', MessageRetentionPeriod: '600' } }));
    const none = await sqs.send(new GetQueueAttributesCommand({ QueueUrl }));
    assert.equal(none.Attributes, undefined, 'no AttributeNames, no attributes (as on AWS)');
    const all = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes!;
    assert.equal(all.QueueArn, 'arn:aws:sqs:us-east-1:000000000000:attrs');
    assert.equal(all.DelaySeconds, '2');
    assert.equal(all.MessageRetentionPeriod, '600');
    assert.equal(all.VisibilityTimeout, '30');
    assert.equal(all.MaximumMessageSize, '262144');
    assert.equal(all.ApproximateNumberOfMessages, '0');
    assert.match(all.CreatedTimestamp!, /^\d{10}$/);
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: '120', ReceiveMessageWaitTimeSeconds: '20', MaximumMessageSize: '1024' } }));
    const some = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['VisibilityTimeout', 'ReceiveMessageWaitTimeSeconds'] }))).Attributes!;
    assert.deepEqual(some, { VisibilityTimeout: '120', ReceiveMessageWaitTimeSeconds: '20' });
    assert.equal((await rejection(sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: '99999' } })))).name, 'InvalidAttributeValue');
    assert.equal((await rejection(sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Bogus: '1' } as never })))).name, 'InvalidAttributeName');
    assert.equal((await rejection(sqs.send(new CreateQueueCommand({ QueueName: 'bad name!' })))).name, 'InvalidParameterValue');
    const big = await rejection(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(1025) })));
    assert.equal(big.name, 'InvalidParameterValue', 'MaximumMessageSize is enforced');
  });

  test('tags and permissions', async () => {
    const { sqs } = s;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'tagged', tags: { team: 'a', env: 'dev' } }));
    await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { env: 'prod', cost: '1' } }));
    await sqs.send(new UntagQueueCommand({ QueueUrl, TagKeys: ['team'] }));
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags, { env: 'prod', cost: '1' });

    await sqs.send(new AddPermissionCommand({ QueueUrl, Label: 'p1', AWSAccountIds: ['111122223333'], Actions: ['SendMessage'] }));
    const dup = await rejection(sqs.send(new AddPermissionCommand({ QueueUrl, Label: 'p1', AWSAccountIds: ['111122223333'], Actions: ['SendMessage'] })));
    assert.equal(dup.name, 'InvalidParameterValue');
    const policy = JSON.parse((await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] }))).Attributes!.Policy!);
    assert.equal(policy.Statement[0].Sid, 'p1');
    assert.equal(policy.Statement[0].Action, 'SQS:SendMessage');
    await sqs.send(new RemovePermissionCommand({ QueueUrl, Label: 'p1' }));
    assert.equal((await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] }))).Attributes, undefined);
  });

  test('purge empties the queue, once a minute', async () => {
    const { sqs } = s;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'purge-me' }));
    for (let i = 0; i < 3; i++) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `m${i}` }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    assert.equal(attrs.Attributes!.ApproximateNumberOfMessages, '0');
    const again = await rejection(sqs.send(new PurgeQueueCommand({ QueueUrl })));
    assert.equal(again.name, 'PurgeQueueInProgress');
    assert.equal(again.$metadata?.httpStatusCode, 403);
  });

  test('raw JSON: x-amzn-RequestId on every response; errors carry __type and x-amzn-query-error', async () => {
    const post = (target: string, body: unknown) => fetch(s.t.endpoint, {
      method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${target}` }, body: JSON.stringify(body),
    });
    const ok = await post('ListQueues', {});
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
    const err = await post('GetQueueUrl', { QueueName: 'nope' });
    assert.equal(err.status, 400);
    assert.ok(err.headers.get('x-amzn-requestid'));
    assert.equal(err.headers.get('x-amzn-query-error'), 'AWS.SimpleQueueService.NonExistentQueue;Sender');
    const body = (await err.json()) as { __type: string; message: string };
    assert.match(body.__type, /(^|#)QueueDoesNotExist$/);
    assert.equal(body.message, 'The specified queue does not exist.');
    const missing = await post('SendMessage', { MessageBody: 'x' });
    assert.equal(missing.status, 400);
    assert.equal(((await missing.json()) as { __type: string }).__type, 'MissingParameter');
  });
});
