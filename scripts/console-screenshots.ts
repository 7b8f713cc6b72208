// npm run console:screenshots — starts a Nimbus (temporary data dir, test network range) with demo resources made
// through the AWS SDK, drives Debian's chromium with playwright-core through every console page, and saves one PNG
// per page to docs/console/. Needs root for the web tier (instances on private IPs behind the ALB); bounded: it
// sends a few hundred requests and stops by itself.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import { AutoScalingClient, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { seedDemo, traffic } from '../test/console/demo.ts';
import { skipReason, startConsoleTest } from '../test/console/support.ts';
import { AMI } from '../test/support/ec2.ts';
import { sdkClient } from '../test/support/nimbus.ts';

const out = join(import.meta.dirname, '..', 'docs', 'console');
const say = (m: string) => process.stderr.write(`[screenshots] ${m}\n`);

if (skipReason) {
  say(skipReason);
  process.exit(1);
}
mkdirSync(out, { recursive: true });
const c = await startConsoleTest({ width: 1400, height: 900 });
const { page, t } = c;
const shot = async (name: string) => {
  await page.waitForTimeout(2500); // one more poll, so charts and tables are current
  await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
  say(`docs/console/${name}.png`);
};
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

try {
  say('demo resources: instances, an ALB + Auto Scaling group, queues, a topic, a function…');
  const { stack } = await seedDemo(t);
  const asg = sdkClient(AutoScalingClient, t.endpoint);
  // Live data for the charts: traffic through the ALB, then a scale-out to 3.
  await page.goto(`${t.endpoint}/_nimbus/console/autoscaling/${stack.group}`);
  await traffic(stack.url, 150, 40);
  await asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: stack.group, DesiredCapacity: 3 }));
  await traffic(stack.url, 250, 40);
  asg.destroy();
  await wait(3000);

  await c.open('/instances');
  await shot('instances');
  await c.open('/instances');
  await page.click('[data-testid=launch-open]');
  await page.locator('[data-testid=launch-form] select[name=type] option').first().waitFor({ state: 'attached' });
  await page.locator('[data-testid=launch-form] input[name=name]').fill('my-web-server');
  await shot('launch-instance');

  const first = await page.locator('[data-testid=instances] tbody tr[data-state=running]').last().getAttribute('data-instance');
  await c.open(`/instances/${first}`);
  await page.locator('[data-testid=exec]').click().catch(() => undefined);
  await page.locator('[data-testid=terminal] .prompt').waitFor({ timeout: 10_000 }).catch(() => undefined);
  await shot('instance');

  for (const [route, name] of [['/images', 'amis'], ['/volumes', 'volumes'], ['/security-groups', 'security-groups'], [`/autoscaling/${stack.group}`, 'autoscaling'], ['/load-balancers', 'load-balancers']]) {
    await c.open(route!);
    await shot(name!);
  }

  await c.open('/queues/orders');
  await page.click('[data-testid=peek-messages]');
  await page.locator('[data-testid=peek] .message').first().waitFor();
  await shot('queues');

  await c.open('/topics');
  await page.locator('[data-testid=inbox] tr[data-mail]').first().click();
  await shot('topics');

  await c.open('/functions/hello');
  await page.locator('textarea[name=payload]').fill('{"log": "hello from the console", "name": "console"}');
  await page.click('[data-testid=invoke]');
  await page.locator('[data-testid=invoke-result]').waitFor();
  await shot('functions');

  await c.open('/ecs');
  await shot('ecs');

  // Billing last: a spot instance reclaimed, then a day on Nimbus's clock (when it can move) so there is a bill.
  const spot = await t.ec2.send(new RunInstancesCommand({
    ImageId: AMI, InstanceType: 'c7i.large', MinCount: 1, MaxCount: 1, InstanceMarketOptions: { MarketType: 'spot' },
    UserData: Buffer.from('#!/bin/sh\nexec sleep 1000000\n').toString('base64'),
  })).catch((err: Error) => (say(`no spot instance: ${err.message}`), undefined));
  const spotId = spot?.Instances?.[0]?.InstanceId;
  if (spotId) {
    await wait(1500);
    await fetch(`${t.endpoint}/_nimbus/spot/reclaim`, { method: 'POST', body: JSON.stringify({ instanceId: spotId }) });
  }
  await fetch(`${t.endpoint}/_nimbus/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: '1d' }) });
  await wait(3000);
  await c.open('/billing');
  await shot('billing');
} finally {
  await c.close();
}
say(`done: ${out}`);
