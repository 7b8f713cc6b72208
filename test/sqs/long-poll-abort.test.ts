import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '../support/nimbus.ts';
import { startSqs, type SqsTest } from './support.ts';

let s: SqsTest;
before(async () => {
  s = await startSqs();
});
after(async () => {
  await s?.close();
});

test('a long poll whose client went away does not take the next message', async () => {
  const { QueueUrl } = await s.sqs.send(new CreateQueueCommand({ QueueName: 'abandoned-poll' }));
  // A raw JSON-protocol long poll that the client abandons after it reached the server.
  const gone = new AbortController();
  const poll = fetch(s.t.endpoint, {
    method: 'POST',
    signal: gone.signal,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ReceiveMessage' },
    body: JSON.stringify({ QueueUrl, WaitTimeSeconds: 20 }),
  }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 200));
  gone.abort();
  await poll;
  await new Promise((r) => setTimeout(r, 100));
  await s.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'for a live consumer' }));
  // The message must be visible to a consumer that is still there (not hidden by the dead poll).
  const got = await eventually(async () => {
    const r = await s.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    return r.Messages?.[0];
  }, 'message received by the live consumer', 5000);
  assert.equal(got.Body, 'for a live consumer');
  assert.equal(got.Attributes?.ApproximateReceiveCount, '1');
});
