import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

const run = promisify(execFile);
let t: TestNimbus;
before(async () => {
  t = await startTestNimbus();
});
after(async () => {
  await t?.close();
});

test('the JS SDK v3 finds Nimbus through AWS_ENDPOINT_URL alone (no endpoint in code)', async () => {
  const script = `
    import { EC2Client, DescribeAvailabilityZonesCommand } from '@aws-sdk/client-ec2';
    const r = await new EC2Client({}).send(new DescribeAvailabilityZonesCommand({}));
    console.log(JSON.stringify(r.AvailabilityZones.map((z) => z.ZoneName)));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: process.cwd(),
    env: { ...process.env, AWS_ENDPOINT_URL: t.endpoint, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's', NODE_NO_WARNINGS: '1' },
    timeout: 30_000,
  });
  // The region comes from the SDK's signature scope, so the zones are eu-west-1's.
  assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop()!), ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
});
