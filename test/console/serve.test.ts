import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { consoleRoute } from '../../src/console/serve.ts';
import { buildConsoleIfStale } from '../../scripts/console-build.mjs';
import { launch, waitState } from '../support/ec2.ts';
import { isRoot } from '../support/nimbus.ts';
import { skipReason, startConsoleTest, type ConsoleTest } from './support.ts';

const get = (path: string, method = 'GET') => ({ method, path, query: '', headers: {}, body: Buffer.alloc(0) });

describe('console route (/_nimbus/console)', () => {
  before(() => {
    assert.ok(buildConsoleIfStale(), 'vite build');
  });

  test('serves index.html for client routes, assets with their types, 404 for missing files', async () => {
    const route = consoleRoute();
    for (const p of ['/_nimbus/console', '/_nimbus/console/', '/_nimbus/console/queues/orders', '/_nimbus/console/instances/i-0abc']) {
      const r = (await route(get(p)))!;
      assert.equal(r.status, 200, p);
      assert.match(r.headers['content-type']!, /^text\/html/);
      assert.equal(r.headers['cache-control'], 'no-cache');
      assert.match(String(r.body), /<div id="root">/);
    }
    const dist = join(import.meta.dirname, '../../src/console/dist/assets');
    const js = readdirSync(dist).find((f) => f.endsWith('.js'))!;
    const css = readdirSync(dist).find((f) => f.endsWith('.css'))!;
    const a = (await route(get(`/_nimbus/console/assets/${js}`)))!;
    assert.equal(a.status, 200);
    assert.equal(a.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.match(a.headers['cache-control']!, /immutable/);
    assert.equal((await route(get(`/_nimbus/console/assets/${css}`)))!.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal((await route(get('/_nimbus/console/assets/nope.js')))!.status, 404);
    assert.equal((await route(get('/_nimbus/console/%2e%2e/%2e%2e/serve.ts')))!.status, 404);
    assert.equal((await route(get('/_nimbus/console/../serve.ts')))!.status, 404);
    assert.equal((await route(get('/_nimbus/console/api/nope')))!.status, 404);
    assert.equal((await route(get('/_nimbus/console/', 'POST')))!.status, 405);
    assert.equal(await route(get('/_nimbus/consoles')), undefined);
    assert.equal(await route(get('/_nimbus/health')), undefined);
  });

  test('a clear page when the bundle is not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'nimbus-console-'));
    try {
      const r = (await consoleRoute({ dist: join(empty, 'dist') })(get('/_nimbus/console/instances')))!;
      assert.equal(r.status, 503);
      assert.match(String(r.body), /not built/);
      assert.match(String(r.body), /npm run console:build/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('console in a browser: every page', { skip: skipReason }, () => {
  let c: ConsoleTest;
  before(async () => {
    c = await startConsoleTest();
  });
  after(async () => {
    await c?.close();
  });

  test('the gateway serves the app and its SDK calls; every navigation entry opens its page without errors', async () => {
    const res = await fetch(`${c.t.endpoint}/_nimbus/console/billing`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /text\/html/);
    await c.open('/');
    assert.match(c.page.url(), /\/_nimbus\/console\/instances$/, 'the root redirects to Instances');
    const pages: Array<[string, string, string]> = [
      ['images', 'AMIs', '[data-testid=images] tbody tr'],
      ['volumes', 'Volumes', '[data-testid=volumes] .body'],
      ['security-groups', 'Security groups', '[data-group=default]'],
      ['autoscaling', 'Auto Scaling groups', '[data-testid=asg-list] .body'],
      ['load-balancers', 'Load balancers', 'main .panel'],
      ['queues', 'SQS queues', '[data-testid=queues] .body'],
      ['topics', 'SNS topics', '[data-testid=inbox]'],
      ['functions', 'Lambda functions', '[data-testid=functions] .body'],
      ['ecs', 'ECS', '[data-testid=ecs-unavailable], [data-testid=ecs-clusters], [data-testid^=ecs-cluster-]'],
      ['billing', 'Billing', '[data-testid=billing-unavailable], [data-testid=billing-costs]'],
      ['instances', 'Instances', '[data-testid=instances] .body'],
    ];
    for (const [entry, heading, content] of pages) {
      await c.nav(entry, heading);
      await c.page.locator(content).first().waitFor();
      assert.match(c.page.url(), new RegExp(`/_nimbus/console/${entry}$`));
      // Loaded: no "Loading…" left and no error box (API calls from the browser succeeded).
      await c.page.locator('main .muted', { hasText: /^Loading/ }).first().waitFor({ state: 'detached' });
      assert.equal(await c.page.locator('main [role=alert]').count(), 0, `${entry}: ${await c.page.locator('main [role=alert]').allTextContents()}`);
    }
    // The built-in AMIs are listed on the AMIs page.
    await c.nav('images', 'AMIs');
    await c.page.locator('[data-image="ami-0a0000000000000a1"]').waitFor();
    // A reload on a client route serves the same page.
    await c.page.reload();
    await c.page.locator('main h1', { hasText: 'AMIs' }).waitFor();
    assert.deepEqual(c.pageErrors, []);
  });

  test('the memory-stats route answers for a running instance', { skip: !isRoot && 'needs root (cgroups)' }, async () => {
    const [inst] = await launch(c.t.ec2, { userData: '#!/bin/sh\nexec sleep 1000\n', type: 't3.nano' });
    await waitState(c.t.ec2, inst.InstanceId!, 'running');
    const r = await fetch(`${c.t.endpoint}/_nimbus/console/api/stats/${inst.InstanceId}`);
    assert.equal(r.status, 200);
    const s = await r.json() as { memoryLimitBytes: number; memoryBytes: number };
    assert.equal(s.memoryLimitBytes, 512 * 1024 * 1024, 't3.nano has 0.5 GiB');
    assert.ok(s.memoryBytes > 0);
    assert.equal((await fetch(`${c.t.endpoint}/_nimbus/console/api/stats/i-00000000000000000`)).status, 404);
  });
});
