import { SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { createVerify, X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { sdkClient, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

// Shared helpers for the SNS end-to-end tests: a Nimbus with SNS and SQS clients, queues, receiving, a loopback
// HTTP subscriber, and signature verification done the way AWS documents it.

export interface SnsTest extends TestNimbus {
  sns: SNSClient;
  sqs: SQSClient;
}

export async function startSnsTest(): Promise<SnsTest> {
  const t = await startTestNimbus();
  const sns = sdkClient(SNSClient, t.endpoint);
  const sqs = sdkClient(SQSClient, t.endpoint);
  return {
    ...t, sns, sqs,
    async close() {
      sns.destroy();
      sqs.destroy();
      await t.close();
    },
  };
}

export async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string> = {}): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  return { url, arn };
}

/** Receives (and deletes) until `count` messages arrived or the bounded wait ran out. */
export async function receiveAll(sqs: SQSClient, url: string, count: number, opts: { timeoutMs?: number; attributes?: boolean } = {}): Promise<Message[]> {
  const out: Message[] = [];
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  while (out.length < count && Date.now() < deadline) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }));
    const msgs = r.Messages ?? [];
    out.push(...msgs);
    if (msgs.length) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
  return out;
}

/** Receives once with a short wait: what is in the queue now (not deleted). */
export async function peek(sqs: SQSClient, url: string): Promise<Message[]> {
  const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 0 }));
  return r.Messages ?? [];
}

const CANONICAL: Record<string, string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** Verifies an SNS message as AWS's docs describe: fetch SigningCertURL, rebuild the canonical string, check the signature. */
export async function verifySignature(msg: Record<string, string>): Promise<boolean> {
  const res = await fetch(msg.SigningCertURL);
  if (res.status !== 200) throw new Error(`SigningCertURL answered ${res.status}`);
  const cert = new X509Certificate(await res.text());
  let canonical = '';
  for (const k of CANONICAL[msg.Type]) if (msg[k] !== undefined) canonical += `${k}\n${msg[k]}\n`;
  const v = createVerify(msg.SignatureVersion === '2' ? 'RSA-SHA256' : 'RSA-SHA1');
  v.update(canonical, 'utf8');
  return v.verify(cert.publicKey, msg.Signature, 'base64');
}

export interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  status: number;
}

/** A loopback HTTP subscriber: answers with the status `respond` returns for each request, records everything. */
export async function httpSubscriber(respond: (r: Omit<Received, 'status'>, n: number) => number = () => 200): Promise<{ url: string; received: Received[]; server: Server; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const status = respond({ headers: req.headers, body }, received.length);
      received.push({ headers: req.headers, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/sns`, received, server,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
