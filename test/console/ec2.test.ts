import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeInstancesCommand, DescribeSecurityGroupsCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { isRoot, TEST_NET_PREFIX } from '../support/nimbus.ts';
import { chartState, skipReason, startConsoleTest, until, type ConsoleTest } from './support.ts';

describe('console: EC2 pages in a browser', { skip: skipReason }, () => {
  let c: ConsoleTest;
  before(async () => {
    c = await startConsoleTest();
  });
  after(async () => {
    await c?.close();
  });

  test('launch an instance from the form; it shows running with its private IP, family and AZ', async () => {
    const { page } = c;
    await c.open('/instances');
    await page.click('[data-testid=launch-open]');
    const form = page.locator('[data-testid=launch-form]');
    await form.locator('select[name=type] option[value="m7i.large"]').waitFor({ state: 'attached' });
    await form.locator('input[name=name]').fill('console-web');
    await form.locator('select[name=type]').selectOption('m7i.large');
    await form.locator('textarea[name=userData]').fill('#!/bin/sh\necho "console user data ran"\nexec sleep 100000\n');
    await page.click('[data-testid=launch-submit]');
    await form.waitFor({ state: 'detached' });

    const row = page.locator('[data-testid=instances] tbody tr').first();
    await page.locator('[data-testid=instances] tbody tr[data-state=running]').first().waitFor();
    const id = (await row.getAttribute('data-instance'))!;
    const api = (await c.t.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;
    assert.equal(api.InstanceType, 'm7i.large');
    assert.equal(api.Tags?.find((t) => t.Key === 'Name')?.Value, 'console-web');
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[0], 'console-web');
    assert.equal(cells[1], id);
    assert.equal(cells[3], 'm7i.large');
    assert.equal(cells[4], 'm7i (general purpose)');
    assert.equal(cells[5], api.Placement!.AvailabilityZone);
    assert.equal(cells[6], api.PrivateIpAddress ?? '');
    if (isRoot) assert.ok(cells[6]!.startsWith(TEST_NET_PREFIX), `private IP ${cells[6]}`);

    // The instance page: details, console output, CPU and memory graphs, connect.
    await row.locator(`a:text("${id}")`).click();
    await page.locator('main h1', { hasText: 'console-web' }).waitFor();
    assert.equal(await page.locator('[data-field="Private IP"]').textContent(), api.PrivateIpAddress ?? '–');
    assert.equal(await page.locator('[data-field="Family"]').textContent(), 'm7i (general purpose)');
    await page.locator('[data-testid=console-output]', { hasText: 'console user data ran' }).waitFor();
    if (isRoot) {
      await until(async () => (await chartState(page, 'memory-chart')).points >= 2, 'memory samples');
      assert.ok((await chartState(page, 'memory-chart')).latest[0]! > 0, 'memory used');
      assert.match((await page.locator('[data-testid=memory-chart] figcaption').textContent())!, /of 8192 MiB/, 'm7i.large: 8 GiB');
      await until(async () => (await chartState(page, 'cpu-chart')).points >= 1, 'a CPUUtilization datapoint', 30_000);
      await page.locator('input[name=command]').fill('hostname; echo out-$((6*7))');
      await page.click('[data-testid=exec]');
      const hostname = `ip-${api.PrivateIpAddress!.replace(/\./g, '-')}`;
      await page.locator('[data-testid=terminal]', { hasText: 'out-42' }).waitFor();
      assert.match((await page.locator('[data-testid=terminal]').textContent())!, new RegExp(hostname));
    }

    // Stop from the instance page: the state follows live.
    await page.locator('[data-testid=instance-details] button', { hasText: 'Stop' }).click();
    await page.locator('main h1 [data-state=stopped]').waitFor({ timeout: 30_000 });
    assert.deepEqual(c.pageErrors, []);
  });

  test('volumes and security groups: create from the page, the API sees them', async () => {
    const { page } = c;
    await c.nav('volumes', 'Volumes');
    await page.locator('[data-testid=volumes] input[name=size]').fill('20');
    await page.locator('[data-testid=volumes] button[type=submit]').click();
    // Instances' root volumes are listed too; the new one is the only unattached 20 GiB volume.
    const vol = await until(async () => (await c.t.ec2.send(new DescribeVolumesCommand({}))).Volumes!.find((v) => v.Size === 20 && !v.Attachments?.length), 'the new volume');
    const vrow = page.locator(`[data-volume="${vol.VolumeId}"]`);
    await vrow.waitFor();
    assert.match((await vrow.textContent())!, /available20 GiBgp3/);

    await c.nav('security-groups', 'Security groups');
    await page.locator('input[name=groupName]').fill('web');
    await page.locator('[data-testid=security-groups] button[type=submit]').click();
    const row = page.locator('[data-group=web]');
    await row.waitFor();
    assert.match((await row.textContent())!, /none \(nothing may come in\)/);
    await row.locator('input[aria-label=port]').fill('8080');
    await row.locator('button', { hasText: 'Allow' }).click();
    await row.locator('.rule', { hasText: 'tcp 8080 from 0.0.0.0/0' }).waitFor();
    const g = (await c.t.ec2.send(new DescribeSecurityGroupsCommand({ GroupNames: ['web'] }))).SecurityGroups![0]!;
    assert.equal(g.IpPermissions?.[0]?.FromPort, 8080);
    assert.deepEqual(c.pageErrors, []);
  });
});
