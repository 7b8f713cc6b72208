import { freePort, startServerProcess, stopServerProcess } from '../support/server-process.ts';
import { ConfirmSubscriptionCommand, CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { eventually, sdkClient } from '../support/nimbus.ts';
import { createQueue, httpSubscriber, receiveAll } from './support.ts';

const PREFIX = `nbs${process.pid % 100000}`;


const startServer = (dataDir: string, port: number) => startServerProcess({ dataDir, port, prefix: PREFIX, vpcCidr: '172.26.0.0/16' });

describe('SNS: acknowledged publishes survive kill -9', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-sns-kill-'));
  let child: ChildProcess | undefined;
  const clients: { destroy(): void }[] = [];
  let ep: Awaited<ReturnType<typeof httpSubscriber>> | undefined;
  after(async () => {
    for (const c of clients) c.destroy();
    await ep?.close();
    await stopServerProcess(child, PREFIX);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a burst of publishes, SIGKILL mid-burst, restart: every acknowledged message is in the queue; HTTP deliveries resume', async () => {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    child = await startServer(dataDir, port);
    const sns = sdkClient(SNSClient, endpoint);
    const sqs = sdkClient(SQSClient, endpoint);
    clients.push(sns, sqs);
    const topic = (await sns.send(new CreateTopicCommand({ Name: 'burst' }))).TopicArn!;
    const q = await createQueue(sqs, 'burst-q');
    await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: q.arn, Attributes: { RawMessageDelivery: 'true' } }));

    // An HTTP subscriber that is down (500) until we say so, on its own topic: its delivery must outlive the crash.
    let healthy = false;
    ep = await httpSubscriber((r) => (r.headers['x-amz-sns-message-type'] === 'Notification' && !healthy ? 500 : 200));
    const webTopic = (await sns.send(new CreateTopicCommand({ Name: 'web-burst' }))).TopicArn!;
    await sns.send(new SubscribeCommand({ TopicArn: webTopic, Protocol: 'http', Endpoint: ep.url,
      Attributes: { RawMessageDelivery: 'true', DeliveryPolicy: JSON.stringify({ healthyRetryPolicy: { numRetries: 100, minDelayTarget: 1, maxDelayTarget: 1 } }) } }));
    await eventually(() => ep!.received.length >= 1, 'the SubscriptionConfirmation POST');
    await sns.send(new ConfirmSubscriptionCommand({ TopicArn: webTopic, Token: JSON.parse(ep.received[0].body).Token }));
    await sns.send(new PublishCommand({ TopicArn: webTopic, Message: 'survives the crash' }));
    await eventually(() => ep!.received.some((r) => r.body === 'survives the crash'), 'a first (failing) HTTP attempt');

    const TOTAL = 400;
    const CONCURRENCY = 8;
    const acked: string[] = [];
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < TOTAL && !killed) {
        const body = `m-${next++}`;
        try {
          await sns.send(new PublishCommand({ TopicArn: topic, Message: body }));
          acked.push(body);
          if (acked.length === TOTAL / 2 && !killed) {
            killed = true;
            child!.kill('SIGKILL');
          }
        } catch {
          // The server died under this request: not acknowledged, so no promise was made.
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await new Promise((r) => (child!.exitCode !== null || child!.signalCode !== null ? r(undefined) : child!.once('exit', r)));
    assert.ok(acked.length >= TOTAL / 2, `${acked.length} publishes acknowledged before the kill`);

    child = await startServer(dataDir, port);
    const got = new Set((await receiveAll(sqs, q.url, acked.length, { timeoutMs: 30_000 })).map((m) => m.Body!));
    const missing = acked.filter((b) => !got.has(b));
    assert.deepEqual(missing, [], `acknowledged but lost: ${missing.length} of ${acked.length}`);

    healthy = true;
    await eventually(() => ep!.received.some((r) => r.body === 'survives the crash' && r.status === 200), 'the HTTP delivery resumed after the restart', 30_000);
  });
});
