import { freePort, startServerProcess, stopServerProcess } from '../support/server-process.ts';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { eventually } from '../support/nimbus.ts';

const PREFIX = `nbq${process.pid % 100000}`;


const startServer = (dataDir: string, port: number) => startServerProcess({ dataDir, port, prefix: PREFIX, vpcCidr: '172.27.0.0/16' });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SQS messages survive kill -9 of Nimbus', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-sqs-kill-'));
  let child: ChildProcess | undefined;
  let sqs: SQSClient | undefined;
  after(async () => {
    sqs?.destroy();
    await stopServerProcess(child, PREFIX);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('every acknowledged send is received after a SIGKILL mid-load; an in-flight message reappears', async () => {
    const port = await freePort();
    child = await startServer(dataDir, port);
    sqs = new SQSClient({
      endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1,
      requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 32 }) },
    });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'crash' }));

    // A message received (in flight, 2 s visibility) and never deleted before the crash.
    const inflight = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'in-flight' }));
    const taken = await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 2 }));
    assert.equal(taken.Messages![0]!.MessageId, inflight.MessageId);

    // Bounded load: 20 senders × 100 messages, paced over about two seconds; SIGKILL once 800 are acknowledged.
    const acked = new Set<string>();
    let failed = 0;
    let killed = false;
    const dead = new Promise((r) => child!.once('exit', r));
    const sender = async (w: number) => {
      for (let i = 0; i < 100; i++) {
        try {
          const r = await sqs!.send(new SendMessageCommand({ QueueUrl, MessageBody: `w${w}-m${i}` }));
          acked.add(r.MessageId!);
        } catch {
          failed++;
        }
        if (!killed && acked.size >= 800) {
          killed = true;
          child!.kill('SIGKILL');
        }
        await sleep(15);
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, w) => sender(w)));
    if (!killed) child.kill('SIGKILL');
    await dead;
    assert.ok(acked.size >= 800, `acknowledged ${acked.size}`);
    assert.ok(failed > 0, 'the kill interrupted the load');

    child = await startServer(dataDir, port);
    const seen = new Set<string>();
    let inflightBack = false;
    await eventually(async () => {
      const r = await sqs!.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 120, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
      for (const m of r.Messages ?? []) {
        seen.add(m.MessageId!);
        if (m.MessageId === inflight.MessageId) {
          inflightBack = true;
          assert.equal(m.Attributes!.ApproximateReceiveCount, '2');
        }
      }
      if (r.Messages?.length) await sqs!.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: r.Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })) }));
      return inflightBack && [...acked].every((id) => seen.has(id));
    }, 'every acknowledged message and the in-flight one', 30_000, 10);
    const lost = [...acked].filter((id) => !seen.has(id));
    assert.deepEqual(lost, []);
  });
});
