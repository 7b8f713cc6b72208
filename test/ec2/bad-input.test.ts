import { RunInstancesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AMI } from '../support/ec2.ts';
import { startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

const V = 'Version=2016-11-15';

describe('bad input gets AWS errors, never a crash', () => {
  let t: TestNimbus;
  before(async () => {
    t = await startTestNimbus();
  });
  after(async () => {
    await t?.close();
  });

  async function post(body: string, headers: Record<string, string> = {}) {
    const res = await fetch(t.endpoint, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers } });
    const text = await res.text();
    assert.ok(res.headers.get('x-amzn-requestid'), 'every response carries x-amzn-RequestId');
    return { status: res.status, text, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1], requestId: res.headers.get('x-amzn-requestid') };
  }

  test('the EC2 error envelope', async () => {
    const r = await post(`Action=DescribeInstances&${V}&InstanceId.1=i-0123456789abcdef0`);
    assert.equal(r.status, 400);
    assert.match(r.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\s*<Response><Errors><Error><Code>InvalidInstanceID.NotFound<\/Code><Message>[^<]+<\/Message><\/Error><\/Errors><RequestID>[^<]+<\/RequestID><\/Response>/);
    assert.ok(r.text.includes(`<RequestID>${r.requestId}</RequestID>`));
  });

  test('unknown and missing actions', async () => {
    assert.equal((await post(`Action=LaunchRocket&${V}`)).code, 'InvalidAction');
    const missing = await post(V);
    assert.equal(missing.status, 400);
    assert.equal(missing.code, 'MissingAction');
  });

  test('wrong types and malformed values', async () => {
    assert.equal((await post(`Action=RunInstances&${V}&ImageId=${AMI}&MinCount=abc&MaxCount=1`)).code, 'InvalidParameterValue');
    assert.equal((await post(`Action=RunInstances&${V}&ImageId=${AMI}&MinCount=2&MaxCount=1`)).code, 'InvalidParameterValue');
    assert.equal((await post(`Action=RunInstances&${V}&ImageId=${AMI}&MinCount=1&MaxCount=1&InstanceType=t3.galactic`)).code, 'InvalidParameterValue');
    assert.equal((await post(`Action=RunInstances&${V}&ImageId=ami-12345678&MinCount=1&MaxCount=1`)).code, 'InvalidAMIID.NotFound');
    assert.equal((await post(`Action=RunInstances&${V}&ImageId=not-an-ami&MinCount=1&MaxCount=1`)).code, 'InvalidAMIID.Malformed');
    assert.equal((await post(`Action=RunInstances&${V}&MinCount=1&MaxCount=1`)).code, 'MissingParameter');
    assert.equal((await post(`Action=RunInstances&${V}&ImageId=${AMI}&MinCount=1&MaxCount=1&UserData=%%%%`)).status, 400);
    assert.equal((await post(`Action=DescribeInstances&${V}&MaxResults=3`)).code, 'InvalidParameterValue');
    assert.equal((await post(`Action=DescribeInstances&${V}&NextToken=garbage!!`)).code, 'InvalidNextToken');
    assert.equal((await post(`Action=DescribeInstances&${V}&Filter.1.Name=no-such-filter&Filter.1.Value.1=x`)).code, 'InvalidFilter');
  });

  test('malformed query strings', async () => {
    const r = await post(`Action=DescribeInstances&${V}&InstanceId.1=%E0%A4%A`);
    assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
    assert.ok(r.code, r.text);
    const r2 = await post(`Action=DescribeInstances&${V}&Filter.x.Name=a`);
    assert.ok(r2.status >= 400 && r2.status < 500);
  });

  test('user data over 16 KiB is refused', async () => {
    await assert.rejects(
      t.ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, UserData: Buffer.alloc(16 * 1024 + 1, 'a').toString('base64') })),
      (e: Error) => e.name === 'InvalidParameterValue',
    );
  });

  test('garbage on other protocols', async () => {
    const res = await fetch(t.endpoint, { method: 'POST', body: '{not json', headers: { 'x-amz-target': 'Nope_20240101.Do', 'content-type': 'application/x-amz-json-1.0' } });
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(await res.text()).__type, 'UnknownOperationException');
    const rest = await fetch(`${t.endpoint}/2015-03-31/functions/x/invocations`, { method: 'POST', body: 'x' });
    assert.ok(rest.status >= 400 && rest.status < 500);
    assert.ok(rest.headers.get('x-amzn-requestid'));
  });

  test('the server keeps serving after all of that', async () => {
    const ok = await t.ec2.send(new DescribeInstancesCommand({}));
    assert.ok(Array.isArray(ok.Reservations));
    const health = await fetch(`${t.endpoint}/_nimbus/health`);
    const body = (await health.json()) as { services: Record<string, unknown> };
    assert.ok(body.services.ec2);
  });
});
