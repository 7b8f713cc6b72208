import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { sdkClient } from '../support/nimbus.ts';
import { skipReason, startConsoleTest, type ConsoleTest } from './support.ts';

// In strict SigV4 mode every request must carry a valid signature: the console signs with keys Nimbus hands it on
// the admin listener, so it keeps working while an unsigned-key client is refused.

describe('console in strict SigV4 mode', { skip: skipReason }, () => {
  let c: ConsoleTest;
  before(async () => {
    c = await startConsoleTest({ config: { strictSigV4: true } });
  });
  after(async () => {
    await c?.close();
  });

  test('the console creates a queue with its own keys; a client with made-up keys is refused', async () => {
    const { page } = c;
    await c.nav('queues', 'SQS queues');
    await page.locator('input[name=queueName]').fill('strict-orders');
    await page.click('[data-testid=create-queue]');
    await page.waitForURL(/\/_nimbus\/console\/queues\/strict-orders$/);
    await page.locator('[data-testid=queue-detail]').waitFor();
    const keys = await (await fetch(`${c.t.endpoint}/_nimbus/console/api/credentials`)).json() as { accessKeyId: string; secretAccessKey: string; sessionToken: string };
    const signed = new SQSClient({ endpoint: c.t.endpoint, region: 'us-east-1', credentials: keys, maxAttempts: 1 });
    const urls = (await signed.send(new ListQueuesCommand({}))).QueueUrls ?? [];
    assert.ok(urls.some((u) => u.endsWith('/strict-orders')), `queue created through the console: ${urls.join(', ')}`);
    signed.destroy();
    const stranger = sdkClient(SQSClient, c.t.endpoint);
    await assert.rejects(stranger.send(new ListQueuesCommand({})), (e: Error) => /InvalidClientTokenId|UnrecognizedClient/.test(e.name));
    stranger.destroy();
    assert.deepEqual(c.pageErrors, []);
  });
});
