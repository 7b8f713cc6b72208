import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildConsoleIfStale } from '../../scripts/console-build.mjs';
import { eventually, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';
import type { NimbusConfig } from '../../src/core/config.ts';

// Browser tests of the web console: a real Nimbus (test bridge and range), the console bundle built by Vite, and
// Debian's chromium driven by playwright-core (bootstrap --test installs it as root).

export const CHROMIUM = process.env.NIMBUS_CHROMIUM ?? '/usr/bin/chromium';
/** Why the browser tests cannot run here, or undefined. */
export const skipReason = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set NIMBUS_CHROMIUM)`;

export interface ConsoleTest {
  t: TestNimbus;
  browser: Browser;
  page: Page;
  /** Uncaught exceptions in the page (a test fails when there are any). */
  pageErrors: string[];
  /** Opens a console route ("/queues") and waits for its heading. */
  open(route: string): Promise<void>;
  /** Clicks a side navigation entry ("queues") and waits for the page heading. */
  nav(entry: string, heading: string): Promise<void>;
  close(): Promise<void>;
}

export async function startConsoleTest(opts: { width?: number; height?: number; config?: Partial<NimbusConfig> } = {}): Promise<ConsoleTest> {
  if (!buildConsoleIfStale()) throw new Error('the web console did not build (npm run console:build)');
  // Live graphs within seconds: 1-s metric collection and fast load balancer health checks.
  process.env.NIMBUS_METRICS_PERIOD ??= '1';
  process.env.NIMBUS_ELB_HEALTH_SCALE ??= '0.1';
  const t = await startTestNimbus(opts.config);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
    const page = await browser.newPage({ viewport: { width: opts.width ?? 1400, height: opts.height ?? 900 } });
    page.setDefaultTimeout(20_000);
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const base = `${t.endpoint}/_nimbus/console`;
    const b = browser;
    const open = async (route: string) => {
      await page.goto(base + route);
      await page.locator('main h1').first().waitFor();
    };
    return {
      t, browser, page, pageErrors, open,
      async nav(entry, heading) {
        if (!page.url().includes('/_nimbus/console')) await open('/');
        await page.click(`nav [data-nav="${entry}"]`);
        await page.locator('main h1', { hasText: heading }).waitFor();
      },
      async close() {
        await b.close().catch(() => undefined);
        await t.close();
      },
    };
  } catch (err) {
    await browser?.close().catch(() => undefined);
    await t.close();
    throw err;
  }
}

/** Waits until `read` (run in the test, usually reading the page) returns something truthy. */
export const until = <T>(read: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 20_000) =>
  eventually(read, what, timeoutMs, 200);

/** A chart's data attributes: how many points it draws, the newest and the largest value of each series, its markers. */
export async function chartState(page: Page, testId: string): Promise<{ points: number; latest: Array<number | undefined>; max: Array<number | undefined>; markers: number }> {
  const el = page.locator(`[data-testid="${testId}"]`).first();
  const [points, latest, max, markers] = await Promise.all(['data-points', 'data-latest', 'data-max', 'data-markers'].map((a) => el.getAttribute(a)));
  const values = (list: string | null) => (list ?? '').split(',').map((v) => (v === '' ? undefined : Number(v)));
  return { points: Number(points ?? 0), latest: values(latest), max: values(max), markers: Number(markers ?? 0) };
}
