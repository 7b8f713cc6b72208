import { ConfirmSubscriptionCommand, CreateTopicCommand, GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../support/nimbus.ts';
import { createQueue, httpSubscriber, receiveAll, startSnsTest, verifySignature, type SnsTest } from './support.ts';

// HTTP subscribers run on loopback node:http servers; retries use a DeliveryPolicy with immediate retries
// (numNoDelayRetries), so nothing here waits on wall-clock backoff.
const FAST = JSON.stringify({ healthyRetryPolicy: { numRetries: 3, numNoDelayRetries: 3, minDelayTarget: 1, maxDelayTarget: 1 } });

describe('SNS → HTTP endpoints and the local mailbox', () => {
  let t: SnsTest;
  before(async () => {
    t = await startSnsTest();
  });
  after(async () => {
    await t?.close();
  });

  test('confirmation handshake through SubscribeURL, then signed notifications', async () => {
    const ep = await httpSubscriber();
    try {
      const topic = (await t.sns.send(new CreateTopicCommand({ Name: 'web' }))).TopicArn!;
      const sub = await t.sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'http', Endpoint: ep.url, ReturnSubscriptionArn: true }));
      await eventually(() => ep.received.length >= 1, 'the SubscriptionConfirmation POST');
      const conf = ep.received[0];
      assert.equal(conf.headers['x-amz-sns-message-type'], 'SubscriptionConfirmation');
      assert.equal(conf.headers['x-amz-sns-topic-arn'], topic);
      assert.match(String(conf.headers['content-type']), /^text\/plain/);
      const c = JSON.parse(conf.body);
      assert.equal(c.Type, 'SubscriptionConfirmation');
      assert.equal(await verifySignature(c), true);
      let attrs = (await t.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn }))).Attributes!;
      assert.equal(attrs.PendingConfirmation, 'true');
      // Publishing now reaches nobody: the subscription is still pending.
      await t.sns.send(new PublishCommand({ TopicArn: topic, Message: 'too early' }));
      // The endpoint confirms the way real ones do: an unsigned GET of SubscribeURL.
      const res = await fetch(c.SubscribeURL);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /<ConfirmSubscriptionResult><SubscriptionArn>arn:aws:sns:/);
      attrs = (await t.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn }))).Attributes!;
      assert.equal(attrs.PendingConfirmation, 'false');
      assert.ok(JSON.parse(attrs.EffectiveDeliveryPolicy).healthyRetryPolicy);

      const pub = await t.sns.send(new PublishCommand({ TopicArn: topic, Message: 'on time', Subject: 'S', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } }));
      await eventually(() => ep.received.length >= 2, 'the notification POST');
      const n = ep.received[1];
      assert.equal(ep.received.length, 2, 'the message published while pending was not delivered');
      assert.equal(n.headers['x-amz-sns-message-type'], 'Notification');
      assert.equal(n.headers['x-amz-sns-message-id'], pub.MessageId);
      assert.equal(n.headers['x-amz-sns-subscription-arn'], sub.SubscriptionArn);
      const body = JSON.parse(n.body);
      assert.equal(body.Message, 'on time');
      assert.equal(body.MessageAttributes.k.Value, 'v');
      assert.equal(await verifySignature(body), true);
    } finally {
      await ep.close();
    }
  });

  test('ConfirmSubscription API; retries on 500 until success; raw delivery', async () => {
    const ep = await httpSubscriber((r, n) => (r.headers['x-amz-sns-message-type'] === 'Notification' && n < 3 ? 500 : 200));
    try {
      const topic = (await t.sns.send(new CreateTopicCommand({ Name: 'flaky' }))).TopicArn!;
      await t.sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'http', Endpoint: ep.url, Attributes: { DeliveryPolicy: FAST, RawMessageDelivery: 'true' } }));
      await eventually(() => ep.received.length >= 1, 'the SubscriptionConfirmation POST');
      const token = JSON.parse(ep.received[0].body).Token;
      assert.equal((await t.sns.send(new ConfirmSubscriptionCommand({ TopicArn: topic, Token: 'wrong' })).catch((e) => e)).name, 'InvalidParameterException');
      const conf = await t.sns.send(new ConfirmSubscriptionCommand({ TopicArn: topic, Token: token }));
      assert.match(conf.SubscriptionArn!, /^arn:aws:sns:us-east-1:000000000000:flaky:/);
      await t.sns.send(new PublishCommand({ TopicArn: topic, Message: 'eventually' }));
      await eventually(() => ep.received.some((r) => r.status === 200 && r.body === 'eventually'), 'a successful retry');
      const tries = ep.received.filter((r) => r.body === 'eventually');
      assert.deepEqual(tries.map((r) => r.status), [500, 500, 200]);
      assert.equal(tries[2].headers['x-amz-sns-rawdelivery'], 'true');
    } finally {
      await ep.close();
    }
  });

  test('an endpoint that keeps failing: the message lands in the dead-letter queue', async () => {
    const ep = await httpSubscriber((r) => (r.headers['x-amz-sns-message-type'] === 'Notification' ? 503 : 200));
    try {
      const topic = (await t.sns.send(new CreateTopicCommand({ Name: 'down' }))).TopicArn!;
      const dlq = await createQueue(t.sqs, 'http-dlq');
      const sub = await t.sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'http', Endpoint: ep.url, ReturnSubscriptionArn: true,
        Attributes: { DeliveryPolicy: FAST, RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn }) } }));
      await eventually(() => ep.received.length >= 1, 'the SubscriptionConfirmation POST');
      await fetch(JSON.parse(ep.received[0].body).SubscribeURL);
      const pub = await t.sns.send(new PublishCommand({ TopicArn: topic, Message: 'lost cause', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } }));
      const [m] = await receiveAll(t.sqs, dlq.url, 1);
      assert.equal(JSON.parse(m.Body!).MessageId, pub.MessageId);
      assert.equal(m.MessageAttributes!.ErrorMessage.StringValue, 'HTTP 503');
      assert.equal(m.MessageAttributes!.k.StringValue, 'v');
      assert.equal(ep.received.filter((r) => r.headers['x-amz-sns-message-type'] === 'Notification').length, 4, 'first try + 3 retries');
      assert.ok(sub.SubscriptionArn);
    } finally {
      await ep.close();
    }
  });

  test('lambda subscriptions without a Lambda service: accepted, deliveries dead-lettered with a clear reason', async () => {
    const topic = (await t.sns.send(new CreateTopicCommand({ Name: 'to-lambda' }))).TopicArn!;
    const dlq = await createQueue(t.sqs, 'lambda-dlq');
    const sub = await t.sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'lambda', Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:handler',
      Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn }) } }));
    assert.match(sub.SubscriptionArn!, /^arn:aws:sns:/);
    await t.sns.send(new PublishCommand({ TopicArn: topic, Message: 'for a function' }));
    const [m] = await receiveAll(t.sqs, dlq.url, 1);
    assert.equal(JSON.parse(m.Body!).Records[0].Sns.Message, 'for a function');
    assert.match(m.MessageAttributes!.ErrorMessage.StringValue!, /no Lambda service/);
  });

  test('email and email-json: confirmation mail with a link, then notifications, in the local mailbox', async () => {
    const mailbox = async (to: string) => (await (await fetch(`${t.endpoint}/_nimbus/sns/mail?to=${encodeURIComponent(to)}`)).json()).messages as { subject: string; body: string; kind: string; contentType: string }[];
    const topic = (await t.sns.send(new CreateTopicCommand({ Name: 'alerts', Attributes: { DisplayName: 'Alerts' } }))).TopicArn!;
    assert.equal((await t.sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'email', Endpoint: 'ops@example.com' }))).SubscriptionArn, 'pending confirmation');
    await t.sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'email-json', Endpoint: 'bot@example.com' }));
    const [conf] = await mailbox('ops@example.com');
    assert.equal(conf.kind, 'SubscriptionConfirmation');
    assert.equal(conf.subject, 'Alerts - Subscription Confirmation');
    const link = /Confirm subscription: (\S+)/.exec(conf.body)![1];
    assert.equal((await fetch(link)).status, 200);
    await fetch(/Confirm subscription: (\S+)/.exec((await mailbox('bot@example.com'))[0].body)![1]);
    const subs = (await t.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic }))).Subscriptions!;
    assert.ok(subs.every((s) => s.SubscriptionArn !== 'PendingConfirmation'));
    await t.sns.send(new PublishCommand({ TopicArn: topic, Subject: 'Disk full', Message: 'node-1 is at 99%' }));
    const ops = await mailbox('ops@example.com');
    assert.equal(ops.length, 2);
    assert.equal(ops[1].subject, 'Disk full');
    assert.match(ops[1].body, /^node-1 is at 99%/);
    assert.match(ops[1].body, /Action=Unsubscribe/);
    const bot = await mailbox('bot@example.com');
    assert.equal(bot[1].contentType, 'application/json');
    const env = JSON.parse(bot[1].body);
    assert.equal(env.Message, 'node-1 is at 99%');
    assert.equal(await verifySignature(env), true);
    // Unsubscribing through the link in the mail (an unsigned GET).
    const unsub = /(http\S+Action=Unsubscribe\S+)/.exec(ops[1].body)![1];
    assert.equal((await fetch(unsub)).status, 200);
    await t.sns.send(new PublishCommand({ TopicArn: topic, Message: 'after unsubscribe' }));
    assert.equal((await mailbox('ops@example.com')).length, 2);
    assert.equal((await mailbox('bot@example.com')).length, 3);
  });
});
