import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { awsCli, awsCliMissing, boto3, boto3Missing } from '../support/awscli.ts';
import { createQueue, receiveAll, startSnsTest, type SnsTest } from './support.ts';

describe('SNS through the AWS CLI and boto3 (query protocol)', { skip: awsCliMissing }, () => {
  let t: SnsTest;
  before(async () => {
    t = await startSnsTest();
  });
  after(async () => {
    await t?.close();
  });

  const { aws, awsError } = awsCli(() => t.endpoint, { service: 'sns' });

  test('create-topic, subscribe, publish, list-subscriptions, errors', async () => {
    const { TopicArn } = await aws('create-topic', '--name', 'cli-topic', '--attributes', 'DisplayName=CLI', '--tags', 'Key=team,Value=blue');
    assert.equal(TopicArn, 'arn:aws:sns:us-east-1:000000000000:cli-topic');
    const q = await createQueue(t.sqs, 'cli-q');
    const sub = await aws('subscribe', '--topic-arn', TopicArn, '--protocol', 'sqs', '--notification-endpoint', q.arn, '--attributes', 'RawMessageDelivery=true');
    assert.match(sub.SubscriptionArn, /^arn:aws:sns:us-east-1:000000000000:cli-topic:/);
    const pub = await aws('publish', '--topic-arn', TopicArn, '--message', 'from the cli', '--message-attributes', 'kind={DataType=String,StringValue=cli}');
    assert.ok(pub.MessageId);
    const [m] = await receiveAll(t.sqs, q.url, 1);
    assert.equal(m.Body, 'from the cli');
    assert.equal(m.MessageAttributes!.kind.StringValue, 'cli');
    const subs = await aws('list-subscriptions');
    assert.ok(subs.Subscriptions.some((s: { SubscriptionArn: string; Protocol: string }) => s.SubscriptionArn === sub.SubscriptionArn && s.Protocol === 'sqs'));
    const attrs = await aws('get-topic-attributes', '--topic-arn', TopicArn);
    assert.equal(attrs.Attributes.DisplayName, 'CLI');
    assert.equal(attrs.Attributes.SubscriptionsConfirmed, '1');
    assert.deepEqual((await aws('list-tags-for-resource', '--resource-arn', TopicArn)).Tags, [{ Key: 'team', Value: 'blue' }]);
    const err = await awsError('get-topic-attributes', '--topic-arn', 'arn:aws:sns:us-east-1:000000000000:nope');
    assert.match(err, /NotFound/);
    assert.match(err, /Topic does not exist/);
  });

  test('boto3 publishes (with attributes, and a batch)', { skip: boto3Missing }, async () => {
    const { TopicArn } = await aws('create-topic', '--name', 'boto-topic');
    const q = await createQueue(t.sqs, 'boto-q');
    await aws('subscribe', '--topic-arn', TopicArn, '--protocol', 'sqs', '--notification-endpoint', q.arn);
    const script = [
      'import boto3, json, sys',
      'sns = boto3.client("sns", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")',
      `r = sns.publish(TopicArn="${TopicArn}", Message="from boto3", Subject="Py", MessageAttributes={"n": {"DataType": "Number", "StringValue": "7"}})`,
      `b = sns.publish_batch(TopicArn="${TopicArn}", PublishBatchRequestEntries=[{"Id": "a", "Message": "batch a"}, {"Id": "b", "Message": "batch b"}])`,
      'print(json.dumps({"id": r["MessageId"], "ok": [e["Id"] for e in b["Successful"]]}))',
    ].join('\n');
    const out = await boto3(t.endpoint, script);
    assert.deepEqual(out.ok, ['a', 'b']);
    const got = (await receiveAll(t.sqs, q.url, 3)).map((m) => JSON.parse(m.Body!));
    const single = got.find((n) => n.MessageId === out.id);
    assert.equal(single.Subject, 'Py');
    assert.deepEqual(single.MessageAttributes.n, { Type: 'Number', Value: '7' });
    assert.deepEqual(got.map((n) => n.Message).sort(), ['batch a', 'batch b', 'from boto3']);
  });
});
