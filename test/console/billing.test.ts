import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { launch, waitState } from '../support/ec2.ts';
import { chartState, skipReason, startConsoleTest, until, type ConsoleTest } from './support.ts';

// Billing, spot interruptions and ECS depend on services that arrive in their own issues: each test checks the page
// against what this Nimbus serves (the "not available" state otherwise).

describe('console: spot, billing and ECS pages in a browser', { skip: skipReason }, () => {
  let c: ConsoleTest;
  before(async () => {
    c = await startConsoleTest();
  });
  after(async () => {
    await c?.close();
  });

  const clockCanMove = async () => ((await fetch(`${c.t.endpoint}/_nimbus/clock`).then((r) => (r.ok ? r.json() : {})).catch(() => ({}))) as { movable?: boolean }).movable === true;
  const advance = (by: string) => fetch(`${c.t.endpoint}/_nimbus/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: by }) });

  test('launch a spot instance from the form, reclaim it: the notice, then the interruption (Instances and Billing pages)', async (ctx) => {
    const { page } = c;
    await c.open('/instances');
    await page.click('[data-testid=launch-open]');
    const form = page.locator('[data-testid=launch-form]');
    await form.locator('select[name=type] option').first().waitFor({ state: 'attached' });
    await form.locator('input[name=name]').fill('spotty');
    await form.locator('input[name=spot]').check();
    await page.click('[data-testid=launch-submit]');
    const launched = await Promise.race([
      form.waitFor({ state: 'detached' }).then(() => true),
      form.locator('[role=alert]').waitFor().then(() => false),
    ]);
    if (!launched) {
      ctx.diagnostic('spot launches are not supported by this Nimbus: checked the error only');
      // This Nimbus does not sell spot capacity yet: the form says why.
      assert.match((await form.locator('[role=alert]').textContent())!, /spot|InstanceMarketOptions|Unsupported/i);
      return;
    }
    const row = page.locator('[data-testid=instances] tbody tr', { hasText: 'spotty' });
    await row.and(page.locator('[data-state=running]')).waitFor();
    assert.equal((await row.locator('td').nth(7).textContent()), 'spot');
    const id = (await row.getAttribute('data-instance'))!;
    await row.locator('[data-testid=reclaim]').click();
    const notice = await Promise.race([
      page.locator('[data-testid=spot-notice]').waitFor().then(() => true),
      page.locator('main [role=alert]').waitFor().then(() => false),
    ]);
    if (!notice) {
      ctx.diagnostic('no /_nimbus/spot/reclaim route: checked the error only');
      assert.match((await page.locator('main [role=alert]').textContent())!, /404/, 'only a missing reclaim route is acceptable');
      return;
    }
    assert.match((await page.locator('[data-testid=spot-notice]').textContent())!, new RegExp(`${id}: (terminate|stop) at \\d{4}-`));
    // The notice runs two minutes on Nimbus's clock: move it on, and the market interrupts the instance.
    if (!(await clockCanMove())) return ctx.diagnostic('Nimbus\'s clock cannot move: interruption not awaited');
    assert.equal((await advance('3m')).status, 200);
    await page.locator(`tr[data-instance="${id}"]:is([data-state=terminated], [data-state=stopped], [data-state=shutting-down], [data-state=stopping])`).waitFor({ timeout: 30_000 });
    const i = (await c.t.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;
    assert.equal(i.StateReason?.Code, 'Server.SpotInstanceTermination');

    await c.nav('billing', 'Billing');
    const spotRow = page.locator(`[data-testid=spot] tr[data-spot="${id}"]`);
    await spotRow.and(page.locator('[data-interrupted=true]')).waitFor();
    assert.match((await spotRow.textContent())!, /interrupted/);
    assert.deepEqual(c.pageErrors, []);
  });

  test('billing: cost by day, service and purchase option, Savings Plans and RI utilization — or "not available"', async (ctx) => {
    const { page } = c;
    const [inst] = await launch(c.t.ec2, { type: 'm7i.xlarge', userData: '#!/bin/sh\nexec sleep 1000000\n' });
    await waitState(c.t.ec2, inst!.InstanceId!, 'running'); // metered from running on
    // A day of running instances on Nimbus's clock (when it can move), so there is something to bill.
    if (await clockCanMove()) assert.equal((await advance('1d')).status, 200);
    await c.nav('billing', 'Billing');
    const state = await Promise.race([
      page.locator('[data-testid=billing-unavailable]').waitFor().then(() => 'unavailable' as const),
      page.locator('[data-testid=billing-costs]').waitFor().then(() => 'available' as const),
    ]);
    ctx.diagnostic(`Cost Explorer: ${state}`);
    if (state === 'unavailable') {
      assert.match((await page.locator('[data-testid=billing-unavailable]').textContent())!, /Billing is not available in this Nimbus yet/);
      return;
    }
    await until(async () => (await chartState(page, 'cost-chart')).points > 0, 'daily cost bars');
    await until(async () => Number((await page.locator('[data-testid=cost-total] b').textContent())!.replace('$', '')) > 0, 'a total above $0');
    const ec2Row = page.locator('[data-testid=cost-by-service] tr[data-cost-key^="Amazon Elastic Compute Cloud"]');
    await ec2Row.waitFor();
    assert.match((await ec2Row.textContent())!, /\$\d+\.\d+/);
    // The m7i.xlarge ran a day on demand ($0.2016/h on AWS: about $4.84): the purchase-option table shows it.
    const onDemand = page.locator('[data-testid=cost-by-purchase] tr[data-cost-key="On Demand Instances"] td.num').first();
    await until(async () => Number((await onDemand.textContent().catch(() => '$0'))!.replace('$', '')) >= 4, 'a day of on-demand m7i.xlarge in the purchase-option table');
    // Utilization panels render figures or the service's own answer (e.g. no commitments bought).
    for (const id of ['sp-utilization', 'ri-utilization']) {
      assert.match((await page.locator(`[data-testid=${id}] .body`).textContent())!, /\S/);
    }
    assert.equal(await page.locator('main [role=alert]').count(), 0, (await page.locator('main [role=alert]').allTextContents()).join());
    assert.deepEqual(c.pageErrors, []);
  });

  test('ECS: clusters, services and tasks — or "ECS is not available in this Nimbus yet"', async (ctx) => {
    const { page } = c;
    await c.nav('ecs', 'ECS');
    const state = await Promise.race([
      page.locator('[data-testid=ecs-unavailable]').waitFor().then(() => 'unavailable' as const),
      page.locator('[data-testid=ecs-clusters], [data-testid^=ecs-cluster-]').first().waitFor().then(() => 'available' as const),
    ]);
    ctx.diagnostic(`ECS: ${state}`);
    if (state === 'unavailable') assert.match((await page.locator('[data-testid=ecs-unavailable]').textContent())!, /ECS is not available in this Nimbus yet/);
    assert.equal(await page.locator('main [role=alert]').count(), 0);
    assert.deepEqual(c.pageErrors, []);
  });
});
