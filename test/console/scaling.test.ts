import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { isRoot, sdkClient } from '../support/nimbus.ts';
import { traffic, webStack, type WebStack } from './demo.ts';
import { chartState, skipReason, startConsoleTest, until, type ConsoleTest } from './support.ts';

describe('console: Auto Scaling and load balancer pages in a browser', { skip: skipReason ?? (!isRoot && 'needs root: web servers on private IPs behind the ALB') }, () => {
  let c: ConsoleTest;
  let stack: WebStack;
  let asg: AutoScalingClient;
  before(async () => {
    c = await startConsoleTest();
    asg = sdkClient(AutoScalingClient, c.t.endpoint);
    stack = await webStack(c.t, { name: 'web', desired: 1 });
  });
  after(async () => {
    asg?.destroy();
    await c?.close();
  });

  test('the capacity chart follows the group (min/desired/max/in service) and marks scaling activities; set desired capacity from the page', async () => {
    const { page } = c;
    await c.nav('autoscaling', 'Auto Scaling groups');
    const row = page.locator('[data-group=web]');
    await row.locator('[data-field=in-service]', { hasText: /^1$/ }).waitFor({ timeout: 30_000 });
    await until(async () => {
      const s = await chartState(page, 'capacity-chart');
      return s.points > 0 && s.latest.join() === '1,1,4,1' && s.markers >= 1;
    }, 'the capacity chart at min 1, desired 1, max 4, in service 1, with the launch marked');
    assert.match((await page.locator('[data-testid=asg-activities]').textContent())!, /Launching a new EC2 instance: i-/);

    await page.locator('[data-testid=asg-capacity] input[name=desired]').fill('2');
    await page.locator('[data-testid=asg-capacity] button[type=submit]').click();
    await row.locator('[data-field=desired]', { hasText: /^2$/ }).waitFor();
    await row.locator('[data-field=in-service]', { hasText: /^2$/ }).waitFor({ timeout: 45_000 });
    await until(async () => {
      const s = await chartState(page, 'capacity-chart');
      return s.latest.join() === '1,2,4,2' && s.markers >= 2;
    }, 'the chart at desired 2 / in service 2 with both launches marked');
    const g = (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web'] }))).AutoScalingGroups![0]!;
    assert.equal(g.DesiredCapacity, 2);
    assert.equal(await page.locator('[data-testid=asg-instances] tbody tr').count(), 2);
    assert.deepEqual(c.pageErrors, []);
  });

  test('the load balancer page shows its listener, its targets\' health and the request rate', async () => {
    const { page } = c;
    await c.nav('load-balancers', 'Load balancers');
    const lb = page.locator('[data-testid=lb-web-alb]');
    await lb.waitFor();
    await lb.locator('td', { hasText: /^HTTP:80$/ }).waitFor();
    await lb.locator('td.mono', { hasText: stack.url.replace(/\/$/, '') }).waitFor();
    // Both group instances are registered and become healthy (health checks at 0.1× AWS timing).
    await until(async () => (await lb.locator('[data-testid=tg-web-tg] tr[data-target] [data-state=healthy]').count()) === 2, 'two healthy targets', 45_000);
    assert.equal(await traffic(stack.url, 60), 60);
    // 60 requests in about 2 s: some 10-s bucket of the chart shows a rate above zero.
    await until(async () => ((await chartState(page, 'request-rate-chart')).max[0] ?? 0) > 0, 'a request rate above 0 in the chart');
    assert.deepEqual(c.pageErrors, []);
  });
});
