import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { createNodeFunction } from '../lambda/support.ts';
import { sdkClient } from '../support/nimbus.ts';
import { chartState, skipReason, startConsoleTest, until, type ConsoleTest } from './support.ts';

describe('console: Lambda page in a browser', { skip: skipReason }, () => {
  let c: ConsoleTest;
  let lambda: LambdaClient;
  before(async () => {
    c = await startConsoleTest();
    lambda = sdkClient(LambdaClient, c.t.endpoint);
    await createNodeFunction(lambda, 'echo', { MemorySize: 256 });
  });
  after(async () => {
    lambda?.destroy();
    await c?.close();
  });

  test('invoke a function with a payload: the result, the log tail, the logs and the duration chart', async () => {
    const { page } = c;
    await c.nav('functions', 'Lambda functions');
    await page.locator('[data-function=echo] a').click();
    await page.waitForURL(/\/functions\/echo$/);
    await page.locator('[data-testid=function-detail] [data-field=Memory]', { hasText: '256 MB' }).waitFor();
    await page.locator('textarea[name=payload]').fill('{"log": "hello from the console test", "n": 7}');
    await page.click('[data-testid=invoke]');

    const result = page.locator('[data-testid=invoke-result]');
    await result.waitFor();
    assert.equal(await result.getAttribute('data-status'), '200');
    assert.equal(await result.getAttribute('data-function-error'), '');
    const payload = JSON.parse((await page.locator('[data-testid=invoke-payload]').textContent())!);
    assert.deepEqual(payload.event, { log: 'hello from the console test', n: 7 });
    assert.equal(payload.fn, 'echo');
    assert.equal(payload.memory, '256');
    const tail = (await page.locator('[data-testid=invoke-log]').textContent())!;
    assert.match(tail, /hello from the console test/);
    assert.match(tail, /REPORT RequestId: .* Duration: [\d.]+ ms/);

    // The function's CloudWatch Logs and the AWS/Lambda Duration metric reach the page (polled every 2 s).
    await page.locator('[data-testid=log-events]', { hasText: 'hello from the console test' }).waitFor();
    await until(async () => (await chartState(page, 'duration-chart')).points >= 1, 'a Duration datapoint');

    // A failing invoke shows the function error.
    await page.locator('textarea[name=payload]').fill('{"fail": "boom"}');
    await page.click('[data-testid=invoke]');
    await page.locator('[data-testid=invoke-result][data-function-error=Unhandled]').waitFor();
    assert.match((await page.locator('[data-testid=invoke-payload]').textContent())!, /RangeError/);
    assert.deepEqual(c.pageErrors, []);
  });
});
