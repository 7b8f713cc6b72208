import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import {
  CreateEventSourceMappingCommand, CreateFunctionUrlConfigCommand, DeleteEventSourceMappingCommand, GetEventSourceMappingCommand, GetFunctionUrlConfigCommand,
  InvokeCommand, PutFunctionEventInvokeConfigCommand, GetFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { eventually, sdkClient } from '../support/nimbus.ts';
import { createNodeFunction, nodeZip, payload, startLambda, type LambdaTest } from './support.ts';

// Async retries run 50 ms apart here instead of AWS's minute.
describe('Lambda triggers: async queue, destinations, SQS, function URLs, SNS', () => {
  let t: LambdaTest;
  let sqs: SQSClient;
  let sns: SNSClient;
  before(async () => {
    t = await startLambda({ NIMBUS_LAMBDA_ASYNC_RETRY_MS: '50' });
    sqs = sdkClient(SQSClient, t.t.endpoint);
    sns = sdkClient(SNSClient, t.t.endpoint);
  });
  after(async () => {
    sqs?.destroy();
    sns?.destroy();
    await t?.close();
  });

  async function queue(name: string): Promise<{ url: string; arn: string }> {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '1' } }));
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    return { url: QueueUrl!, arn: attrs.Attributes!.QueueArn! };
  }

  async function receive(url: string, n: number) {
    const got: { Body?: string; MessageAttributes?: Record<string, { StringValue?: string }> }[] = [];
    await eventually(async () => {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }));
      got.push(...(r.Messages ?? []));
      return got.length >= n;
    }, `${n} messages on ${url}`);
    return got;
  }

  test('Event invocations: retries then the DLQ and the on-failure destination; on-success destination', async () => {
    const dlq = await queue('fn-dlq');
    const failures = await queue('fn-failures');
    const successes = await queue('fn-successes');
    await createNodeFunction(t.lambda, 'async-fail', { DeadLetterConfig: { TargetArn: dlq.arn } }, nodeZip('exports.handler = async (e) => { throw new Error("always " + e.n); };'));
    await t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'async-fail', MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: failures.arn } } }));
    assert.equal((await t.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'async-fail' }))).MaximumRetryAttempts, 2);
    const accepted = await t.lambda.send(new InvokeCommand({ FunctionName: 'async-fail', InvocationType: 'Event', Payload: payload({ n: 1 }) }));
    assert.equal(accepted.StatusCode, 202);
    const [dead] = await receive(dlq.url, 1);
    assert.deepEqual(JSON.parse(dead.Body!), { n: 1 });
    assert.equal(dead.MessageAttributes!.ErrorMessage.StringValue, 'always 1');
    assert.ok(dead.MessageAttributes!.RequestID.StringValue);
    const [rec] = await receive(failures.url, 1);
    const record = JSON.parse(rec.Body!);
    assert.equal(record.requestContext.condition, 'RetriesExhausted');
    assert.equal(record.requestContext.approximateInvokeCount, 3, 'one attempt and two retries');
    assert.deepEqual(record.requestPayload, { n: 1 });
    assert.equal(record.responseContext.functionError, 'Unhandled');

    await createNodeFunction(t.lambda, 'async-ok', {}, nodeZip('exports.handler = async (e) => ({ doubled: e.n * 2 });'));
    await t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'async-ok', DestinationConfig: { OnSuccess: { Destination: successes.arn } } }));
    await t.lambda.send(new InvokeCommand({ FunctionName: 'async-ok', InvocationType: 'Event', Payload: payload({ n: 21 }) }));
    const [ok] = await receive(successes.url, 1);
    const okRecord = JSON.parse(ok.Body!);
    assert.equal(okRecord.requestContext.condition, 'Success');
    assert.deepEqual(okRecord.responsePayload, { doubled: 42 });
  });

  test('SQS event source mapping deletes processed messages and leaves failed ones (ReportBatchItemFailures)', async () => {
    const src = await queue('esm-src');
    const out = await queue('esm-out');
    // Records whose body says "bad" are reported as failures; the others are forwarded to esm-out.
    const handler = `
const { SQSClient, SendMessageCommand } = (() => { try { return require('@aws-sdk/client-sqs'); } catch { return {}; } })();
const http = require('node:http');
exports.handler = async (event) => {
  const failures = [];
  for (const r of event.Records) {
    if (r.body.startsWith('bad')) failures.push({ itemIdentifier: r.messageId });
    else await forward(r.body + '|' + r.eventSource + '|' + r.eventSourceARN);
  }
  return { batchItemFailures: failures };
};
function forward(body) {
  const data = new URLSearchParams({ Action: 'SendMessage', QueueUrl: process.env.OUT_URL, MessageBody: body, Version: '2012-11-05' }).toString();
  const u = new URL(process.env.AWS_ENDPOINT_URL);
  return new Promise((res, rej) => {
    const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(data) } }, (r) => { r.resume(); r.on('end', res); });
    req.on('error', rej); req.end(data);
  });
}`;
    await createNodeFunction(t.lambda, 'sqs-consumer', { Environment: { Variables: { OUT_URL: out.url } }, Timeout: 10 }, nodeZip(handler));
    const m = await t.lambda.send(new CreateEventSourceMappingCommand({
      FunctionName: 'sqs-consumer', EventSourceArn: src.arn, BatchSize: 10, MaximumBatchingWindowInSeconds: 1, FunctionResponseTypes: ['ReportBatchItemFailures'],
    }));
    assert.ok(m.UUID);
    assert.equal((await t.lambda.send(new GetEventSourceMappingCommand({ UUID: m.UUID }))).BatchSize, 10);
    await sqs.send(new SendMessageBatchCommand({
      QueueUrl: src.url, Entries: ['good-1', 'bad-1', 'good-2', 'good-3'].map((b, i) => ({ Id: String(i), MessageBody: b })),
    }));
    const forwarded = await receive(out.url, 3);
    assert.deepEqual(forwarded.map((f) => f.Body!.split('|')[0]).sort(), ['good-1', 'good-2', 'good-3']);
    assert.equal(forwarded[0].Body!.split('|')[1], 'aws:sqs');
    assert.equal(forwarded[0].Body!.split('|')[2], src.arn);
    // The failed record stays: it comes back after its visibility timeout and fails again, so its receive count grows.
    await eventually(async () => {
      const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: src.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      return Number(a.Attributes!.ApproximateNumberOfMessages) + Number(a.Attributes!.ApproximateNumberOfMessagesNotVisible) === 1;
    }, 'only the failed message left on the queue');
    await t.lambda.send(new DeleteEventSourceMappingCommand({ UUID: m.UUID }));
  });

  test('a function URL answers over HTTP with payload format 2.0', async () => {
    const handler = `exports.handler = async (event) => ({
      statusCode: 201, headers: { 'x-from': 'lambda', 'content-type': 'application/json' },
      body: JSON.stringify({ version: event.version, method: event.requestContext.http.method, path: event.rawPath, query: event.queryStringParameters, body: event.body, b64: event.isBase64Encoded, ua: event.headers['user-agent'] }),
    });`;
    await createNodeFunction(t.lambda, 'web', {}, nodeZip(handler));
    const cfg = await t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE' }));
    const m = /^http:\/\/([a-z0-9]{32})\.lambda-url\.us-east-1\.localhost:(\d+)\/$/.exec(cfg.FunctionUrl!);
    assert.ok(m, cfg.FunctionUrl);
    assert.equal((await t.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web' }))).AuthType, 'NONE');
    // *.localhost may not resolve here: dial 127.0.0.1 with the URL's Host header (fetch cannot set Host).
    const res = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: Number(m[2]), method: 'POST', path: '/items/7?color=red', headers: { host: `${m[1]}.lambda-url.us-east-1.localhost:${m[2]}`, 'content-type': 'text/plain', 'user-agent': 'nimbus-test' } }, (r) => {
        let body = '';
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode!, headers: r.headers, body }));
      });
      req.on('error', reject);
      req.end('hello');
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers['x-from'], 'lambda');
    assert.deepEqual(JSON.parse(res.body), { version: '2.0', method: 'POST', path: '/items/7', query: { color: 'red' }, body: 'hello', b64: false, ua: 'nimbus-test' });
    // Path-style fallback on the same listener; a plain value becomes a 200 JSON body.
    await createNodeFunction(t.lambda, 'plain', {}, nodeZip('exports.handler = async () => ({ plain: true });'));
    const plain = await t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'plain', AuthType: 'NONE' }));
    const id = /^http:\/\/([a-z0-9]{32})\./.exec(plain.FunctionUrl!)![1];
    const res2 = await fetch(`http://127.0.0.1:${m[2]}/_nimbus/lambda-url/${id}/anything`);
    assert.equal(res2.status, 200);
    assert.deepEqual(await res2.json(), { plain: true });
    const unknown = await fetch(`http://127.0.0.1:${m[2]}/_nimbus/lambda-url/${'0'.repeat(32)}/`);
    assert.equal(unknown.status, 403);
  });

  test('an SNS subscription invokes the function', async () => {
    const sink = await queue('sns-sink');
    await createNodeFunction(t.lambda, 'sns-fn', {}, nodeZip('exports.handler = async (e) => e;'));
    await t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'sns-fn', DestinationConfig: { OnSuccess: { Destination: sink.arn } } }));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'to-lambda' }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'lambda', Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:sns-fn' }));
    await sns.send(new PublishCommand({ TopicArn, Message: 'hi lambda', Subject: 'greeting' }));
    const [m] = await receive(sink.url, 1);
    const event = JSON.parse(m.Body!).responsePayload;
    assert.equal(event.Records[0].EventSource, 'aws:sns');
    assert.equal(event.Records[0].Sns.Message, 'hi lambda');
    assert.equal(event.Records[0].Sns.TopicArn, TopicArn);
  });
});
