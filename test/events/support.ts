import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNimbus, type Nimbus } from '../../src/app.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { defaultConfig } from '../../src/core/config.ts';
import { createLogger, silentLogger } from '../../src/core/log.ts';
import type { EventsEngine } from '../../src/engines/events/index.ts';
import { eventsEngineOf } from '../../src/services/events/index.ts';
import { sdkClient, TEST_VPC_CIDR } from '../support/nimbus.ts';

export interface EventsTest {
  nimbus: Nimbus;
  endpoint: string;
  dataDir: string;
  clock: ManualClock;
  engine: EventsEngine;
  events: EventBridgeClient;
  /** Moves the Nimbus clock and fires what fell due (schedules run on the injected clock: no sleeping). */
  advance(ms: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * A Nimbus on a ManualClock (like test/support/nimbus.ts, plus the clock): EventBridge schedules fire only when the
 * test moves time. `dataDir` may be passed to restart over the same state.
 */
export async function startEventsNimbus(opts: { dataDir?: string; clock?: ManualClock } = {}): Promise<EventsTest> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'nimbus-test-'));
  const clock = opts.clock ?? new ManualClock(Date.UTC(2026, 0, 1, 0, 0, 0));
  const config = defaultConfig({ port: 0, dataDir, vpcCidr: TEST_VPC_CIDR, namePrefix: `nbt${process.pid % 100000}`, stopGraceMs: 500 });
  const log = process.env.NIMBUS_TEST_LOG ? createLogger('debug') : silentLogger;
  const nimbus = await startNimbus(config, log, { clock });
  const engine = eventsEngineOf(nimbus.registry.services);
  if (!engine) throw new Error('EventBridge is not registered');
  const events = sdkClient(EventBridgeClient, nimbus.endpoint);
  return {
    nimbus, endpoint: nimbus.endpoint, dataDir, clock, engine, events,
    async advance(ms) {
      clock.advance(ms);
      const n = engine.tick();
      await engine.settled();
      return n;
    },
    async close() {
      events.destroy();
      await nimbus.close({ stopInstances: true });
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The error a promise rejects with (fails if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { name: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as never;
  }
  throw new Error('expected the call to fail');
}
