import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateQueueCommand, ListQueuesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { DescribeAlarmsCommand, CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ManualClock } from '../../src/core/clock.ts';
import { awsCli, awsCliMissing } from '../support/awscli.ts';
import { startTestNimbus, type TestNimbus } from '../support/nimbus.ts';
import { ALICE, BOB, clientConfig, errorCode, presignedUrl, raw, sdkError, signedForm, writeCredentials, type Creds } from './support.ts';

// Strict SigV4 mode with the real SDKs' signing: right secrets are accepted, wrong secrets, unknown keys, missing
// signatures, tampered bodies and stale signatures are rejected with each protocol's AWS error.

const WRONG: Creds = { accessKeyId: ALICE.accessKeyId, secretAccessKey: 'not-alices-secret' };
const STRANGER: Creds = { accessKeyId: 'AKIANOBODY0000000000', secretAccessKey: 'whatever' };

describe('strict SigV4', () => {
  let t: TestNimbus;
  let credsFile: string;
  // Nimbus's own clock is years ahead: signatures must be checked against the wall clock, not this one.
  const clock = new ManualClock(Date.UTC(2031, 5, 1));
  before(async () => {
    credsFile = writeCredentials();
    t = await startTestNimbus({ strictSigV4: true, credentialsFile: credsFile }, { clock });
  });
  after(async () => {
    await t?.close();
    rmSync(dirname(credsFile), { recursive: true, force: true });
  });

  test('EC2 (ec2 protocol): right secret accepted; wrong secret, unknown key, no signature rejected', async () => {
    const ok = new EC2Client(clientConfig(t.endpoint, ALICE));
    const r = await ok.send(new DescribeRegionsCommand({}));
    assert.ok(r.Regions?.length);
    const bad = await sdkError(() => new EC2Client(clientConfig(t.endpoint, WRONG)).send(new DescribeRegionsCommand({})));
    assert.equal(bad.name, 'SignatureDoesNotMatch');
    assert.equal(bad.status, 403);
    const unknown = await sdkError(() => new EC2Client(clientConfig(t.endpoint, STRANGER)).send(new DescribeRegionsCommand({})));
    assert.equal(unknown.name, 'AuthFailure');
    assert.equal(unknown.status, 401);
    const unsigned = await raw(`${t.endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DescribeRegions&Version=2016-11-15' });
    assert.equal(unsigned.status, 401);
    assert.equal(errorCode(unsigned), 'AuthFailure');
    assert.match(unsigned.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Response><Errors><Error><Code>AuthFailure<\/Code>/);
    assert.ok(unsigned.headers.get('x-amzn-requestid'));
  });

  test('SQS over JSON (SDK v3): accepted / SignatureDoesNotMatch / InvalidClientTokenId', async () => {
    const sqs = new SQSClient(clientConfig(t.endpoint, ALICE));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'signed' }));
    assert.match(QueueUrl!, /\/111111111111\/signed$/);
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello ünïcödé' }));
    const bad = await sdkError(() => new SQSClient(clientConfig(t.endpoint, WRONG)).send(new ListQueuesCommand({})));
    assert.equal(bad.name, 'SignatureDoesNotMatch');
    assert.equal(bad.status, 403);
    const unknown = await sdkError(() => new SQSClient(clientConfig(t.endpoint, STRANGER)).send(new ListQueuesCommand({})));
    assert.equal(unknown.name, 'InvalidClientTokenId');
    const unsigned = await raw(`${t.endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' }, body: '{}' });
    assert.equal(unsigned.status, 403);
    assert.equal(errorCode(unsigned), 'MissingAuthenticationToken');
  });

  test('SQS over the query protocol (form POST signed by the SDK signer)', async () => {
    const ok = await signedForm(t.endpoint, 'sqs', ALICE, { Action: 'ListQueues', Version: '2012-11-05' });
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.text, /<ListQueuesResponse/);
    assert.match(ok.text, /111111111111\/signed/);
    const bad = await signedForm(t.endpoint, 'sqs', WRONG, { Action: 'ListQueues', Version: '2012-11-05' });
    assert.equal(bad.status, 403);
    assert.equal(errorCode(bad), 'SignatureDoesNotMatch');
    assert.match(bad.text, /<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>SignatureDoesNotMatch<\/Code>/);
    const unknown = await signedForm(t.endpoint, 'sqs', STRANGER, { Action: 'ListQueues', Version: '2012-11-05' });
    assert.equal(errorCode(unknown), 'InvalidClientTokenId');
    // A body changed after signing no longer matches its x-amz-content-sha256 / signature.
    const tampered = await signedForm(t.endpoint, 'sqs', ALICE, { Action: 'CreateQueue', QueueName: 'a', Version: '2012-11-05' }, { tamper: (b) => b.replace('QueueName=a', 'QueueName=b') });
    assert.equal(tampered.status, 403);
    assert.equal(errorCode(tampered), 'SignatureDoesNotMatch');
  });

  test('Lambda (rest-json): accepted / InvalidSignatureException / UnrecognizedClientException; ARN path labels sign correctly', async () => {
    const lambda = new LambdaClient(clientConfig(t.endpoint, ALICE));
    await lambda.send(new ListFunctionsCommand({}));
    // A function ARN as the path label: ':' is percent-encoded on the wire and encoded again in the canonical URI.
    const missing = await sdkError(() => lambda.send(new GetFunctionCommand({ FunctionName: `arn:aws:lambda:us-east-1:${ALICE.account}:function:nope` })));
    assert.equal(missing.name, 'ResourceNotFoundException');
    const bad = await sdkError(() => new LambdaClient(clientConfig(t.endpoint, WRONG)).send(new ListFunctionsCommand({})));
    assert.equal(bad.name, 'InvalidSignatureException');
    assert.equal(bad.status, 403);
    const unknown = await sdkError(() => new LambdaClient(clientConfig(t.endpoint, STRANGER)).send(new ListFunctionsCommand({})));
    assert.equal(unknown.name, 'UnrecognizedClientException');
    const unsigned = await raw(`${t.endpoint}/2015-03-31/functions/`);
    assert.equal(unsigned.status, 403);
    assert.equal(errorCode(unsigned), 'MissingAuthenticationTokenException');
  });

  test('SNS (query) and CloudWatch: accepted / SignatureDoesNotMatch / InvalidClientTokenId / MissingAuthenticationToken', async () => {
    const sns = new SNSClient(clientConfig(t.endpoint, ALICE));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'signed' }));
    assert.equal(TopicArn, `arn:aws:sns:us-east-1:${ALICE.account}:signed`);
    const bad = await sdkError(() => new SNSClient(clientConfig(t.endpoint, WRONG)).send(new ListTopicsCommand({})));
    assert.equal(bad.name, 'SignatureDoesNotMatch');
    const unknown = await sdkError(() => new SNSClient(clientConfig(t.endpoint, STRANGER)).send(new ListTopicsCommand({})));
    assert.equal(unknown.name, 'InvalidClientTokenId');
    const unsigned = await raw(`${t.endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListTopics&Version=2010-03-31' });
    assert.equal(unsigned.status, 403);
    assert.equal(errorCode(unsigned), 'MissingAuthenticationToken');
    // The subscription confirmation link a subscriber opens is served unsigned, as on AWS (here: a bad token).
    const confirm = await raw(`${t.endpoint}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TopicArn!)}&Token=bogus`);
    assert.notEqual(errorCode(confirm), 'MissingAuthenticationToken');
    assert.ok(confirm.status < 500);
    await new CloudWatchClient(clientConfig(t.endpoint, BOB)).send(new DescribeAlarmsCommand({}));
    const cw = await sdkError(() => new CloudWatchClient(clientConfig(t.endpoint, { ...BOB, secretAccessKey: 'x' })).send(new DescribeAlarmsCommand({})));
    assert.equal(cw.name, 'SignatureDoesNotMatch');
  });

  test('STS GetCallerIdentity names the caller; presigned URLs work until they expire or are altered', async () => {
    const who = await signedForm(t.endpoint, 'sts', ALICE, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    assert.equal(who.status, 200, who.text);
    assert.match(who.text, /<Account>111111111111<\/Account>/);
    assert.match(who.text, /<Arn>arn:aws:iam::111111111111:user\/alice<\/Arn>/);
    const bob = await signedForm(t.endpoint, 'sts', BOB, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    assert.match(bob.text, /<Account>222222222222<\/Account>/);
    assert.match(bob.text, /<Arn>arn:aws:iam::222222222222:root<\/Arn>/);

    const url = await presignedUrl(t.endpoint, 'sts', ALICE, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    const ok = await raw(url);
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.text, /<Account>111111111111<\/Account>/);
    const altered = await raw(url.replace('Version=2011-06-15', 'Version=2011-06-15&Extra=1'));
    assert.equal(errorCode(altered), 'SignatureDoesNotMatch');
    const stale = await presignedUrl(t.endpoint, 'sts', ALICE, { Action: 'GetCallerIdentity', Version: '2011-06-15' }, { expiresIn: 60, signingDate: new Date(Date.now() - 3600_000) });
    const expired = await raw(stale);
    assert.equal(expired.status, 403);
    assert.equal(errorCode(expired), 'SignatureDoesNotMatch');
    assert.match(expired.text, /expired/);
  });

  test('time skew over 15 minutes (wall clock) is rejected per protocol; Nimbus\'s simulated clock does not matter', async () => {
    const skewed = (creds: Creds) => clientConfig(t.endpoint, creds, { systemClockOffset: -20 * 60_000 });
    const sqs = await sdkError(() => new SQSClient(skewed(ALICE)).send(new ListQueuesCommand({})));
    assert.equal(sqs.name, 'SignatureDoesNotMatch');
    assert.match(sqs.message, /Signature expired/);
    const ec2 = await sdkError(() => new EC2Client(skewed(ALICE)).send(new DescribeRegionsCommand({})));
    assert.equal(ec2.name, 'RequestExpired');
    const lambda = await sdkError(() => new LambdaClient(clientConfig(t.endpoint, ALICE, { systemClockOffset: 20 * 60_000 })).send(new ListFunctionsCommand({})));
    assert.equal(lambda.name, 'InvalidSignatureException');
    assert.match(lambda.message, /not yet current/);
    // Ten minutes off is within AWS's window.
    await new SQSClient(clientConfig(t.endpoint, ALICE, { systemClockOffset: -10 * 60_000 })).send(new ListQueuesCommand({}));
  });

  test('workload credentials Nimbus gives functions are valid and scoped to their account', async () => {
    const wl = t.nimbus.credentials.workloadCredentials('333333333333');
    const who = await signedForm(t.endpoint, 'sts', wl, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    assert.equal(who.status, 200, who.text);
    assert.match(who.text, /<Account>333333333333<\/Account>/);
    const forged = await signedForm(t.endpoint, 'sts', { ...wl, secretAccessKey: 'guess' }, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    assert.equal(errorCode(forged), 'SignatureDoesNotMatch');
  });

  test('malformed Authorization headers are IncompleteSignature, never a crash', async () => {
    for (const auth of ['AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA256 Credential=x', 'AWS AKIA:abc', 'AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00', 'garbage \u0001']) {
      const r = await raw(`${t.endpoint}/`, { method: 'POST', headers: { authorization: auth.replace(/\u0001/, ''), 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListTopics&Version=2010-03-31' });
      assert.equal(r.status, 400, `${auth}: ${r.text}`);
      assert.equal(errorCode(r), 'IncompleteSignature');
    }
  });

  test('the AWS CLI (botocore signing; SQS over query) with right and wrong secrets', { skip: awsCliMissing }, async () => {
    const cli = (creds: Creds, ...args: string[]) => awsCli(t.endpoint, {
      env: { AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_MAX_ATTEMPTS: '1' },
    }).aws(...args);
    const who = await cli(BOB, 'sts', 'get-caller-identity');
    assert.equal(who.Account, BOB.account);
    const queues = await cli(ALICE, 'sqs', 'list-queues');
    const url = queues.QueueUrls.find((u: string) => u.endsWith('/111111111111/signed'));
    assert.ok(url);
    // Query-protocol SQS posts to the queue URL's path: a signed path other than '/'.
    const sent = await cli(ALICE, 'sqs', 'send-message', '--queue-url', url, '--message-body', 'from the cli: ü & +');
    assert.ok(sent.MessageId);
    await assert.rejects(cli(BOB, 'sqs', 'send-message', '--queue-url', url, '--message-body', 'x'), (err: { stderr: string }) => /AccessDenied/.test(err.stderr));
    await assert.rejects(cli(WRONG, 'sqs', 'list-queues'), (err: { stderr: string }) => /SignatureDoesNotMatch/.test(err.stderr));
    await assert.rejects(cli(STRANGER, 'ec2', 'describe-regions'), (err: { stderr: string }) => /AuthFailure/.test(err.stderr));
  });
});

describe('permissive mode (default)', () => {
  let t: TestNimbus;
  let credsFile: string;
  let dataDir: string;
  before(async () => {
    credsFile = writeCredentials();
    dataDir = mkdtempSync(join(tmpdir(), 'nimbus-perm-'));
    t = await startTestNimbus({ credentialsFile: credsFile, dataDir });
  });
  after(async () => {
    await t?.close();
    rmSync(dirname(credsFile), { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('any key is accepted; file keys map to their account, 12-digit keys are the account, others the default', async () => {
    const wrong = await signedForm(t.endpoint, 'sts', WRONG, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    assert.match(wrong.text, /<Account>111111111111<\/Account>/);
    const digits = await signedForm(t.endpoint, 'sts', { accessKeyId: '444444444444', secretAccessKey: 'x' }, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    assert.match(digits.text, /<Account>444444444444<\/Account>/);
    const other = await signedForm(t.endpoint, 'sts', { accessKeyId: 'test', secretAccessKey: 'test' }, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    assert.match(other.text, /<Account>000000000000<\/Account>/);
    const unsigned = await raw(`${t.endpoint}/?Action=GetCallerIdentity&Version=2011-06-15`);
    assert.equal(unsigned.status, 200);
    assert.match(unsigned.text, /<Account>000000000000<\/Account>/);
  });
});
