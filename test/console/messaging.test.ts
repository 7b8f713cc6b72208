import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { sdkClient } from '../support/nimbus.ts';
import { chartState, skipReason, startConsoleTest, until, type ConsoleTest } from './support.ts';

describe('console: SQS and SNS pages in a browser', { skip: skipReason }, () => {
  let c: ConsoleTest;
  before(async () => {
    c = await startConsoleTest();
  });
  after(async () => {
    await c?.close();
  });

  test('create a queue, send a message, see the depth (table and chart) and peek it', async () => {
    const { page } = c;
    await c.nav('queues', 'SQS queues');
    await page.locator('input[name=queueName]').fill('orders');
    await page.click('[data-testid=create-queue]');
    await page.waitForURL(/\/_nimbus\/console\/queues\/orders$/);
    await page.locator('[data-testid=queue-detail]').waitFor();
    await page.locator('[data-testid=send] textarea[name=body]').fill('{"order": 42}');
    await page.click('[data-testid=send-message]');
    await page.locator('[data-testid=action-result]', { hasText: /^sent / }).waitFor();

    const sqs = sdkClient(SQSClient, c.t.endpoint);
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'orders' }));
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes!;
    assert.equal(attrs.ApproximateNumberOfMessages, '1');
    sqs.destroy();

    await page.locator('[data-queue=orders] [data-field=visible]', { hasText: /^1$/ }).waitFor();
    // CloudWatch's AWS/SQS ApproximateNumberOfMessagesVisible (collected every second in tests) reaches the chart.
    await until(async () => (await chartState(page, 'depth-chart')).latest[0] === 1, 'the depth chart to show 1 visible message');

    await page.click('[data-testid=peek-messages]');
    const msg = page.locator('[data-testid=peek] .message').first();
    await msg.waitFor();
    assert.match((await msg.locator('pre').textContent())!, /"order": 42/);
    assert.match((await msg.textContent())!, /received 1×/);
    // Peeking leaves the message visible.
    await page.locator('[data-queue=orders] [data-field=visible]', { hasText: /^1$/ }).waitFor();
    assert.deepEqual(c.pageErrors, []);
  });

  test('topics: create, subscribe an email address, confirm from the inbox, publish and read the mail', async () => {
    const { page } = c;
    await c.nav('topics', 'SNS topics');
    await page.locator('input[name=topicName]').fill('alerts');
    await page.click('[data-testid=create-topic]');
    await page.locator('[data-testid=topic-detail] h2', { hasText: 'Topic alerts' }).waitFor();
    await page.locator('[data-testid=topic-detail] select[name=protocol]').selectOption('email');
    await page.locator('[data-testid=topic-detail] input[name=endpoint]').fill('ops@example.com');
    await page.click('[data-testid=subscribe]');
    await page.locator('[data-subscription="ops@example.com"] [data-state=PendingConfirmation]').waitFor();

    // The confirmation mail arrives in the inbox; its button confirms the subscription.
    await page.locator('[data-testid=inbox] tr', { hasText: 'AWS Notification - Subscription Confirmation' }).waitFor();
    await page.click('[data-testid=confirm-subscription]');
    await page.locator('[data-subscription="ops@example.com"] [data-state=Confirmed]').waitFor();
    const sns = sdkClient(SNSClient, c.t.endpoint);
    const subs = (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:alerts' }))).Subscriptions!;
    assert.match(subs[0]!.SubscriptionArn!, /^arn:aws:sns:us-east-1:000000000000:alerts:/);
    sns.destroy();

    await page.locator('[data-testid=topic-detail] input[name=subject]').fill('Disk almost full');
    await page.locator('[data-testid=topic-detail] textarea[name=message]').fill('volume /mnt/sdf is at 93%');
    await page.click('[data-testid=publish]');
    await page.locator('[data-testid=topic-detail] [data-testid=action-result]', { hasText: /^published / }).waitFor();
    const mail = page.locator('[data-testid=inbox] tr', { hasText: 'Disk almost full' });
    await mail.waitFor();
    assert.match((await mail.textContent())!, /ops@example\.com/);
    await mail.click();
    await page.locator('[data-testid=inbox] pre.mail-body', { hasText: 'volume /mnt/sdf is at 93%' }).waitFor();
    assert.deepEqual(c.pageErrors, []);
  });
});
