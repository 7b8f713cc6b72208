import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock, type Clock } from './core/clock.ts';
import type { NimbusConfig } from './core/config.ts';
import { randomIds, type IdSource } from './core/ids.ts';
import type { Logger } from './core/log.ts';
import type { Driver, DriverCapabilities } from './drivers/driver.ts';
import { ProcessDriver } from './drivers/process/index.ts';
import { ComputeEngine } from './engines/compute/engine.ts';
import { QueueEngine } from './engines/queue/index.ts';
import { intToIp, parseCidr } from './engines/network/ipam.ts';
import { startGateway } from './gateway/server.ts';
import { ServiceRegistry } from './gateway/registry.ts';
import { internalRoutes } from './gateway/internal.ts';
import { createEc2Service } from './services/ec2/index.ts';
import { startImds } from './services/ec2/imds.ts';
import { Ec2Store } from './services/ec2/store.ts';
import { createStsService } from './services/sts/index.ts';
import { createSnsService } from './services/sns/index.ts';
import { createSqsService } from './services/sqs/index.ts';
import { openDb, type Db } from './store/db.ts';

export interface Nimbus {
  config: NimbusConfig;
  server: Server;
  imds?: Server;
  db: Db;
  driver: Driver;
  capabilities: DriverCapabilities;
  compute: ComputeEngine;
  registry: ServiceRegistry;
  endpoint: string;
  reconciled: { adopted: number; rebooted: number; finished: number };
  /** Clean shutdown: stops instances when asked (they're booted again at next start). */
  close(opts?: { stopInstances?: boolean }): Promise<void>;
}

export async function startNimbus(config: NimbusConfig, log: Logger, deps: { clock?: Clock; ids?: IdSource } = {}): Promise<Nimbus> {
  const clock = deps.clock ?? systemClock;
  const ids = deps.ids ?? randomIds;
  const dataDir = config.inMemory ? mkdtempSync(join(tmpdir(), 'nimbus-')) : config.dataDir;
  const db = openDb(config.inMemory ? ':memory:' : join(dataDir, 'state.db'));
  const { base, prefix } = parseCidr(config.vpcCidr);
  const gateway = intToIp(base + 1);
  const driver: Driver = new ProcessDriver({
    dataDir, log, namePrefix: config.namePrefix, bridge: { name: `${config.namePrefix}-br0`, gatewayCidr: `${gateway}/${prefix}` },
    metadataAddress: config.metadataAddress, forcePlain: config.plainProcesses,
  });
  const capabilities = await driver.init();
  try {
    return await assemble(config, log, clock, ids, dataDir, db, driver, capabilities, gateway);
  } catch (err) {
    // A half-started Nimbus must not leave a bridge, netns or cgroup behind.
    await driver.shutdown({ stopWorkloads: true }).catch(() => undefined);
    db.close();
    throw err;
  }
}

async function assemble(
  config: NimbusConfig, log: Logger, clock: Clock, ids: IdSource, dataDir: string, db: Db, driver: Driver, capabilities: DriverCapabilities, gateway: string,
): Promise<Nimbus> {
  const compute = new ComputeEngine(driver, clock, log);

  let imds: Server | undefined;
  let metadataEndpoint: string;
  const registry = new ServiceRegistry();
  const endpointHost = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const apiEndpoint = capabilities.privateNetwork ? `http://${gateway}:${config.port}` : `http://${endpointHost}:${config.port}`;
  const ec2Deps = { store: new Ec2Store(db), compute, clock, ids, log, dataDir, vpcCidr: config.vpcCidr, gateway, metadataEndpoint: '', apiEndpoint };
  const ec2 = createEc2Service(ec2Deps, { maxInstances: config.maxInstances, stopGraceMs: config.stopGraceMs });
  if (capabilities.metadataListen) {
    imds = await startImds(ec2Deps, capabilities.metadataListen.host, capabilities.metadataListen.port);
    metadataEndpoint = `http://${config.metadataAddress}`;
  } else {
    // Without private networks every instance shares the host's address, so IMDS cannot tell who asks.
    capabilities.warnings.push('instance metadata (IMDS) needs private networking: instances cannot identify themselves to it');
    metadataEndpoint = 'http://127.0.0.1:1';
  }
  ec2Deps.metadataEndpoint = metadataEndpoint;
  registry.add(ec2.service);
  registry.add(createStsService());
  // Engines that must be closed (flushed) before the database, in reverse order of creation.
  const closers: Array<() => Promise<void> | void> = [];
  // The queue engine is shared: SQS serves it, SNS delivers into it, Lambda will poll it.
  const queues = QueueEngine.open({ db, clock, ids, log });
  closers.push(() => queues.close());
  // --- more services register below (one block per service) ---
  // SNS: topics over the query protocol; delivers into the shared queue engine, HTTP/S endpoints, the local mailbox, Lambda.
  const sns = createSnsService({ db, queues, dataDir, clock, log });
  registry.add(sns.service);
  closers.push(() => sns.close());
  // SQS: JSON and query protocols over the shared queue engine.
  registry.add(createSqsService(queues));

  // Instance workloads must be reachable from the gateway address on the bridge too (AWS_ENDPOINT_URL inside instances).
  const server = await startGateway({
    registry, clock, ids, log, defaultRegion: config.region, host: config.host, port: config.port,
    internal: internalRoutes({ registry, capabilities, compute, store: ec2Deps.store, config, extra: [sns.internalRoutes] }),
  });
  const extraServers: Server[] = [];
  if (capabilities.privateNetwork && config.host !== '0.0.0.0') {
    const listenPort = (server.address() as { port: number }).port;
    extraServers.push(await startGateway({
      // No admin /_nimbus/ routes here: instances must not reach Nimbus's admin endpoints. Only the
      // public SNS signing certificate, so subscribers inside instances can verify messages.
      registry, clock, ids, log, defaultRegion: config.region, host: gateway, port: listenPort,
      internal: (req) => (req.path === '/_nimbus/sns/SimpleNotificationService.pem' ? sns.internalRoutes(req) : { status: 403, headers: {}, body: 'Forbidden' }),
    }).catch(() => server));
  }
  const port = (server.address() as { port: number }).port;
  // Known only now when port 0 asked the OS for a free port.
  ec2Deps.apiEndpoint = capabilities.privateNetwork ? `http://${gateway}:${port}` : `http://${endpointHost}:${port}`;
  const reconciled = await ec2.lifecycle.reconcile();
  compute.startMonitor();

  let closed = false;
  return {
    config, server, imds, db, driver, capabilities, compute, registry, reconciled,
    endpoint: `http://${endpointHost}:${port}`,
    async close(opts = {}) {
      if (closed) return;
      closed = true;
      for (const s of [server, ...extraServers.filter((s) => s !== server), ...(imds ? [imds] : [])]) {
        s.closeAllConnections?.();
        await new Promise((r) => s.close(() => r(undefined)));
      }
      await compute.shutdown(opts.stopInstances ?? true);
      for (const c of closers.reverse()) await c();
      db.close();
      if (config.inMemory) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
