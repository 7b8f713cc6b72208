import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { Server } from 'node:http';
import { ManualClock } from '../../src/core/clock.ts';
import { randomIds } from '../../src/core/ids.ts';
import { silentLogger } from '../../src/core/log.ts';
import { LogStore } from '../../src/engines/logs/index.ts';
import { startGateway } from '../../src/gateway/server.ts';
import { ServiceRegistry } from '../../src/gateway/registry.ts';
import { createLogsService } from '../../src/services/logs/index.ts';
import { openDb, type Db } from '../../src/store/db.ts';
import { sdkClient, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

export interface LogsTest {
  t: TestNimbus;
  logs: CloudWatchLogsClient;
  close(): Promise<void>;
}

/** A whole Nimbus (port 0, temp dir) and a CloudWatch Logs client for it. */
export async function startLogs(): Promise<LogsTest> {
  // Plain processes: no bridge, netns or IMDS address to share with other test runs (Logs runs no instances).
  const t = await startTestNimbus({ plainProcesses: true });
  const logs = sdkClient(CloudWatchLogsClient, t.endpoint);
  return {
    t, logs,
    async close() {
      logs.destroy();
      await t.close();
    },
  };
}

export interface ClockedLogs {
  clock: ManualClock;
  store: LogStore;
  db: Db;
  endpoint: string;
  logs: CloudWatchLogsClient;
  close(): Promise<void>;
}

/** Just the gateway with the Logs service over an in-memory store, driven by a clock the test moves. */
export async function startClockedLogs(now = Date.now()): Promise<ClockedLogs> {
  const clock = new ManualClock(now);
  const db = openDb(':memory:');
  const store = LogStore.open({ db, clock, expireEveryMs: 0 });
  const registry = new ServiceRegistry();
  registry.add(createLogsService(store));
  const server: Server = await startGateway({ registry, clock, ids: randomIds, log: silentLogger, defaultRegion: 'us-east-1', host: '127.0.0.1', port: 0 });
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const logs = sdkClient(CloudWatchLogsClient, endpoint);
  return {
    clock, store, db, endpoint, logs,
    async close() {
      logs.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      store.close();
      db.close();
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
