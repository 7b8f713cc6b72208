import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedClock, type Clock } from './core/clock.ts';
import type { NimbusConfig } from './core/config.ts';
import { randomIds, type IdSource } from './core/ids.ts';
import type { Logger } from './core/log.ts';
import type { Driver, DriverCapabilities } from './drivers/driver.ts';
import { ProcessDriver } from './drivers/process/index.ts';
import { RoutingDriver, type OptionalDriver } from './drivers/routing.ts';
import { VM_INSTALL, VmDriver, vmPrerequisites } from './drivers/vm/index.ts';
import { ComputeEngine } from './engines/compute/engine.ts';
import { openBilling } from './engines/billing/index.ts';
import { QueueEngine } from './engines/queue/index.ts';
import { intToIp, parseCidr } from './engines/network/ipam.ts';
import { startGateway } from './gateway/server.ts';
import { ServiceRegistry } from './gateway/registry.ts';
import { internalRoutes } from './gateway/internal.ts';
import { consoleRoute } from './console/serve.ts';
import { clockRoute } from './gateway/clock-route.ts';
import { billRoute } from './gateway/bill-route.ts';
import { createEc2Service } from './services/ec2/index.ts';
import { startImds } from './services/ec2/imds.ts';
import { Ec2Store } from './services/ec2/store.ts';
import { createStsService } from './services/sts/index.ts';
import { createSnsService } from './services/sns/index.ts';
import { createSqsService } from './services/sqs/index.ts';
import { createEventsService } from './services/events/index.ts';
import { createElbv2Service } from './services/elbv2/index.ts';
import { createAutoScalingService } from './services/autoscaling/index.ts';
import { ec2ComputePort } from './services/autoscaling/ec2-adapter.ts';
import { AlarmEngine, MetricsEngine, ec2Source, sqsSource } from './engines/metrics/index.ts';
import { createCloudWatchService } from './services/cloudwatch/index.ts';
import { INSTANCE_TYPES } from './services/ec2/catalog/instance-types.ts';
import { LogStore } from './engines/logs/index.ts';
import { createLogsService } from './services/logs/index.ts';
import { createLambdaService } from './services/lambda/index.ts';
import { createEcsService } from './services/ecs/index.ts';
import { createAppScalingService } from './services/application-autoscaling/index.ts';
import { createEksService } from './services/eks/index.ts';
import type { Billing } from './engines/billing/types.ts';
import { createPricingService } from './services/pricing/index.ts';
import { createSavingsPlansService } from './services/savingsplans/index.ts';
import { createCostExplorerService } from './services/ce/index.ts';
import { openDb, type Db } from './store/db.ts';
import { CredentialStore } from './core/credentials.ts';
import { scopeOfArn } from './core/arn.ts';

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
  /** The billing engine (metering, prices, RIs, Savings Plans, line items): tests meter usage through it. */
  billing: Billing;
  /** Access keys → accounts (credentials file, workload keys); the gateway authenticates with it (issue 8). */
  credentials: CredentialStore;
  /** Clean shutdown: stops instances when asked (they're booted again at next start). */
  close(opts?: { stopInstances?: boolean }): Promise<void>;
}

export async function startNimbus(config: NimbusConfig, log: Logger, deps: { clock?: Clock; ids?: IdSource } = {}): Promise<Nimbus> {
  // The default clock is simulated (speed NIMBUS_CLOCK_SPEED, `nimbus clock advance`); tests inject a ManualClock.
  const clock = deps.clock ?? new SimulatedClock(config.clockSpeed);
  const ids = deps.ids ?? randomIds;
  const dataDir = config.inMemory ? mkdtempSync(join(tmpdir(), 'nimbus-')) : config.dataDir;
  const db = openDb(config.inMemory ? ':memory:' : join(dataDir, 'state.db'));
  const { base, prefix } = parseCidr(config.vpcCidr);
  const gateway = intToIp(base + 1);
  const bridge = { name: `${config.namePrefix}-br0`, gatewayCidr: `${gateway}/${prefix}` };
  const hide = config.credentialsFile ? [config.credentialsFile] : []; // issue 8: instances never read the credentials
  // --driver vm / NIMBUS_DRIVER=vm: QEMU microvms for everything. Asked for explicitly, so a host that cannot run them
  // (no QEMU, no guest kernel, not root) fails start-up with the install command (VmUnavailableError).
  // Otherwise the process driver runs everything but instances of VM AMIs (ami-0a0000000000000b1 and images made from
  // them), which the VM driver runs on the same bridge and metadata service when this host can (issue 8). When it
  // cannot (or NIMBUS_VM=off), start-up warns and RunInstances of a VM AMI answers `Unsupported`.
  const driver: Driver = config.driver === 'vm'
    ? new VmDriver({ dataDir, log, namePrefix: config.namePrefix, bridge, metadataAddress: config.metadataAddress, hide })
    : perAmiDrivers(config, log, dataDir, bridge, hide);
  const capabilities = await driver.init().catch(async (err: Error) => {
    await driver.shutdown({ stopWorkloads: true }).catch(() => undefined);
    db.close();
    if (config.inMemory) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  const undo: Array<() => Promise<unknown> | unknown> = [];
  try {
    return await assemble(config, log, clock, ids, dataDir, db, driver, capabilities, gateway, undo);
  } catch (err) {
    // A half-started Nimbus must not leave a listener (IMDS holds port 80 on the bridge), a timer, a bridge, a netns
    // or a cgroup behind.
    for (const u of undo.reverse()) await Promise.resolve().then(u).catch(() => undefined);
    await driver.shutdown({ stopWorkloads: true }).catch(() => undefined);
    db.close();
    throw err;
  }
}

async function assemble(
  config: NimbusConfig, log: Logger, clock: Clock, ids: IdSource, dataDir: string, db: Db, driver: Driver, capabilities: DriverCapabilities, gateway: string,
  /** What to close if assembly fails half way (servers started, engines opened). */
  undo: Array<() => Promise<unknown> | unknown>,
): Promise<Nimbus> {
  const compute = new ComputeEngine(driver, clock, log);
  const billing = openBilling({ db, clock, log });
  // Issue 8: access keys → accounts; strict mode verifies SigV4 signatures with their secrets.
  const credentials = CredentialStore.open({ dataDir, file: config.credentialsFile ?? join(config.dataDir, 'credentials.json') });
  const auth = { credentials, strict: config.strictSigV4 };
  if (config.strictSigV4 && !credentials.size) log.warn('strict SigV4 mode without a credentials file: only Nimbus\'s own workload keys are accepted');

  let imds: Server | undefined;
  let metadataEndpoint: string;
  const registry = new ServiceRegistry();
  const endpointHost = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const apiEndpoint = capabilities.privateNetwork ? `http://${gateway}:${config.port}` : `http://${endpointHost}:${config.port}`;
  // Per-AMI drivers: RunInstances of an AMI whose driver cannot run here fails up front (`Unsupported`).
  const driverUnavailable = (name: string) => (driver instanceof RoutingDriver ? driver.unavailable(name) : undefined);
  const ec2Deps = { store: new Ec2Store(db), compute, clock, ids, log, dataDir, vpcCidr: config.vpcCidr, gateway, metadataEndpoint: '', apiEndpoint, billing, driverUnavailable };
  const ec2 = createEc2Service(ec2Deps, { maxInstances: config.maxInstances, stopGraceMs: config.stopGraceMs });
  if (capabilities.metadataListen) {
    imds = await startImds(ec2Deps, capabilities.metadataListen.host, capabilities.metadataListen.port);
    const started = imds;
    undo.push(() => closeServer(started));
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
  undo.push(async () => {
    for (const c of [...closers].reverse()) await c();
  });
  closers.push(() => billing.close());
  closers.push(() => ec2.close()); // EC2: stops the spot market timer before the database closes (issue 6)
  // The queue engine is shared: SQS serves it, SNS delivers into it, Lambda will poll it.
  const queues = QueueEngine.open({ db, clock, ids, log });
  closers.push(() => queues.close());
  // --- services (one block each; closers run in reverse, so later services stop first) ---
  // SNS: topics over the query protocol; delivers into the shared queue engine, HTTP/S endpoints, the local mailbox, Lambda.
  const sns = createSnsService({ db, queues, dataDir, clock, log });
  registry.add(sns.service);
  closers.push(() => sns.close());
  /** Publishes as the topic's own account (alarm actions, EventBridge targets): the scope comes from the ARN. */
  const publishToTopic = async (topicArn: string, message: string, subject?: string): Promise<void> => {
    const { region, account } = scopeOfArn(topicArn);
    await sns.engine.publish({ account, region, baseUrl: ec2Deps.apiEndpoint, signed: true }, { topicArn, message, subject });
  };
  // SQS: JSON and query protocols over the shared queue engine.
  registry.add(createSqsService(queues));

  // CloudWatch Logs (JSON 1.1) over the shared log store: Lambda appends function logs to it, `nimbus logs` reads it.
  const logStore = LogStore.open({ db, clock, log });
  closers.push(() => logStore.close());
  registry.add(createLogsService(logStore));

  // CloudWatch (JSON and query): the metrics engine stores points and evaluates alarms; built-in metrics (EC2 CPU, SQS
  // queue depth, ELB) are collected every NIMBUS_METRICS_PERIOD seconds (default 60, like AWS; 1 for demos and tests).
  const metricsPeriodSec = Number(process.env.NIMBUS_METRICS_PERIOD ?? 60) || 60;
  const metrics = new MetricsEngine({ db, clock, log, collectPeriodSec: metricsPeriodSec });
  const alarms = new AlarmEngine(metrics);
  closers.push(() => {
    alarms.close();
    metrics.close();
  });
  registry.add(createCloudWatchService(metrics, alarms));
  alarms.registerAlarmAction('arn:aws:sns:', (arn, _alarm, msg) => publishToTopic(arn, msg.body, msg.subject));
  metrics.registerSource(ec2Source({
    runningInstances: () => ec2Deps.store.liveInstances().filter((r) => r.state === 'running').map((r) => ({
      id: r.id, account: r.account, region: r.region,
      vcpus: compute.spec(r.id)?.vcpus ?? INSTANCE_TYPES.find((t) => t.name === r.instance_type)?.vcpus ?? 1,
      tags: Object.fromEntries(ec2Deps.store.tagsOf(r.id).map((t) => [t.key, t.value])),
    })),
    stats: (id) => compute.driver.stats(id),
  }));
  metrics.registerSource(sqsSource(queues, () => [{ account: '000000000000', region: config.region }, ...metrics.scopes(), ...alarms.scopes()]));

  // Lambda (rest-json): functions run as sandboxes of the shared compute engine, each with its own Runtime API; logs go
  // to the log store, SQS event sources poll the shared queue engine. Function URLs listen on NIMBUS_LAMBDA_URL_PORT.
  const env = process.env;
  const lambda = await createLambdaService({
    db, compute, capabilities, queues, clock, ids, log, dataDir, vpcCidr: config.vpcCidr, gateway,
    urlHost: config.host, urlPort: Number(env.NIMBUS_LAMBDA_URL_PORT ?? 0),
    logs: { put: (a, r, g, st, events) => void logStore.appendEvents(a, r, g, st, events).catch((err) => log.warn({ err }, 'function logs dropped')) },
    accountConcurrency: env.NIMBUS_LAMBDA_CONCURRENCY ? Number(env.NIMBUS_LAMBDA_CONCURRENCY) : undefined,
    idleMs: env.NIMBUS_LAMBDA_IDLE_SECONDS ? Number(env.NIMBUS_LAMBDA_IDLE_SECONDS) * 1000 : undefined,
    asyncRetryBaseMs: env.NIMBUS_LAMBDA_ASYNC_RETRY_MS ? Number(env.NIMBUS_LAMBDA_ASYNC_RETRY_MS) : undefined,
    endpoint: () => ec2Deps.apiEndpoint,
    credentialsFor: (account) => credentials.workloadCredentials(account),
  });
  registry.add(lambda.service);
  closers.push(() => lambda.close());
  metrics.registerSource(lambda.engine.metrics.source());
  lambda.connectSns(sns.engine);
  billing.setLambdaUsage((a, f, t) => lambda.engine.meter.hourly(a, f, t));

  // EventBridge (JSON 1.1): rules on the default bus — event patterns for PutEvents and rate/cron schedules on the
  // injected clock — delivering to Lambda (asynchronous invoke), the shared queue engine and SNS.
  // Tests drive schedules with eventsEngineOf(nimbus.registry.services).tick() after moving a ManualClock.
  const events = createEventsService({
    db, clock, log, retryBaseMs: Number(env.NIMBUS_EVENTS_RETRY_MS ?? 1000) || 1000,
    ports: {
      lambda: (arn, event) => lambda.invoker.invoke(arn, event, { subscriptionArn: '', messageId: '' }),
      sqs: async (ref, body, o) => {
        await queues.sendMessage(ref, { body, messageGroupId: o.messageGroupId, messageDeduplicationId: o.deduplicationId, messageAttributes: o.attributes });
      },
      sns: (topicArn, message) => publishToTopic(topicArn, message),
    },
  });
  registry.add(events.service);
  closers.push(() => events.close());
  events.engine.start();

  // Billing APIs (pricing, savingsplans, ce) over the billing engine: the Price List from its catalog, Savings Plans
  // purchases from its book, Cost Explorer reports computed from its rated line items.
  registry.add(createPricingService(billing));
  registry.add(createSavingsPlansService({ billing, clock, ids }));
  registry.add(createCostExplorerService({ billing, clock }));

  // ELBv2 (query): load balancers that really listen — each on its own address on the bridge when private networking
  // is up, else on 127.0.0.1. Health checks run at AWS timing × NIMBUS_ELB_HEALTH_SCALE (e.g. 0.1 for demos/tests).
  const elbv2 = await createElbv2Service({
    db, ec2: ec2Deps, clock, ids, log, bridge: capabilities.privateNetwork ? `${config.namePrefix}-br0` : undefined,
    healthScale: Number(env.NIMBUS_ELB_HEALTH_SCALE ?? 1) || 1,
  });
  registry.add(elbv2.service);
  closers.push(() => elbv2.close());

  // Auto Scaling (query): a scaler reconciles every group on a timer; instances launch through EC2's own RunInstances.
  // Closed first (pushed last): it must not replace instances while Nimbus shuts down.
  const autoscaling = createAutoScalingService({
    db, compute: ec2ComputePort(ec2Deps, ec2.service), clock, log, engine: { metricPeriodSec: metricsPeriodSec },
  });
  registry.add(autoscaling.service);
  closers.push(() => autoscaling.close());
  autoscaling.engine.start();

  // ECS / Fargate / EKS / Application Auto Scaling
  // ECS (JSON 1.1): tasks are OCI containers run by crun from `nimbus image import`ed images, each awsvpc/Fargate task in
  // its own sandbox on the bridge; services register task IPs in ELBv2 target groups; awslogs → the log store; Fargate
  // tasks are metered by billing; AWS/ECS CPU/memory metrics feed CloudWatch (and Application Auto Scaling).
  const ecs = await createEcsService({
    db, clock, log, dataDir, capabilities, namePrefix: config.namePrefix, bridge: `${config.namePrefix}-br0`, ec2: ec2Deps, logs: logStore,
    lb: elbv2.api.loadBalancerPort(), meter: billing.meter, healthScale: Number(env.NIMBUS_ECS_HEALTH_SCALE ?? 1) || 1,
    // A task acts in its own account (AWS: its task role's), with keys strict SigV4 accepts.
    credentialsFor: (account) => credentials.workloadCredentials(account),
  });
  registry.add(ecs.service);
  const ecsNetwork = ecs.engine.ports.network!;
  closers.push(() => ecs.close());
  metrics.registerSource(ecs.metricsSource);
  if (!ecs.runtimeCapabilities.available) capabilities.warnings.push(`ECS tasks cannot run: ${ecs.runtimeCapabilities.unavailableReason}`);
  // Application Auto Scaling (JSON 1.1): ECS service desired counts, target tracking on AWS/ECS metrics (and ALB
  // request counts) every metrics period, step scaling as CloudWatch alarm actions. Closed before ECS.
  const appScaling = createAppScalingService({ db, clock, log, metrics, alarms, ecs: ecs.engine, periodSec: metricsPeriodSec });
  registry.add(appScaling.service);
  closers.push(() => appScaling.close());
  // EKS (rest-json): the EKS API in front of a Kubernetes cluster you already run (kubeconfig): Nimbus runs no control
  // plane. Clusters/nodegroups follow what that API server reports.
  const eks = createEksService({
    db, clock, log, kubeconfig: env.NIMBUS_EKS_KUBECONFIG, context: env.NIMBUS_EKS_CONTEXT,
    network: { subnet: (s, id) => ecsNetwork.subnet(s, id), securityGroupExists: (s, id) => ecsNetwork.securityGroupExists(s, id) },
  });
  registry.add(eks.service);
  closers.push(() => eks.close());

  // --- wiring between services (ports & adapters; every engine above exists now) ---
  // Auto Scaling ← ELBv2 (targets, draining, health) and CloudWatch (metrics, target-tracking alarms).
  autoscaling.engine.setPorts({
    lb: elbv2.api.loadBalancerPort(),
    metrics: {
      statistics: (s, q) => {
        const m = { namespace: q.namespace, metricName: q.metricName, dimensions: q.dimensions.map((d) => ({ name: d.Name, value: d.Value })) };
        const series = metrics.statSeries(s, m, q.statistic, q.period, q.start, q.end);
        return series.ts.map((timestamp, i) => ({ timestamp, value: series.values[i]! }));
      },
      put: (s, namespace, data) => metrics.publish(s.account, s.region, namespace, data.map((d) => ({
        metricName: d.metricName, dimensions: d.dimensions.map((x) => ({ name: x.Name, value: x.Value })), value: d.value, timestamp: d.timestamp, unit: d.unit,
      }))),
    },
    alarms: {
      putMetricAlarm: (s, a) => void alarms.put(s, {
        name: a.name, description: a.description, actionsEnabled: true, okActions: [], alarmActions: a.alarmActions, insufficientDataActions: [],
        metricName: a.metricName, namespace: a.namespace, statistic: a.statistic, dimensions: a.dimensions.map((d) => ({ name: d.Name, value: d.Value })),
        period: a.period, evaluationPeriods: a.evaluationPeriods, datapointsToAlarm: a.datapointsToAlarm, threshold: a.threshold, comparisonOperator: a.comparison,
      }, undefined),
      deleteAlarms: (s, names) => alarms.delete(s, names),
    },
  });
  alarms.registerAlarmAction('arn:aws:autoscaling:', (arn, alarm) => autoscaling.engine.onAlarmAction(arn, {
    alarmName: alarm.config.name, state: alarm.state.value, threshold: alarm.config.threshold, value: newestDatapoint(alarm.state.reasonData),
  }));
  // CloudWatch ← ELBv2 request/health metrics.
  metrics.registerSource(elbv2.api.metricsSource());
  // ELBv2 lambda targets → Lambda synchronous invokes; SNS lambda subscriptions → Lambda async invokes.
  elbv2.api.setLambdaInvoker({
    invoke: async (arn, event) => {
      const r = await lambda.invokeArn(arn, Buffer.from(JSON.stringify(event)));
      if (r.functionError) return { statusCode: 502, body: '' };
      return JSON.parse(r.payload.toString('utf8') || '{}');
    },
    exists: (arn) => lambda.functionExists(arn),
  });

  // Instance workloads must be reachable from the gateway address on the bridge too (AWS_ENDPOINT_URL inside instances).
  const server = await startGateway({
    registry, clock, ids, log, defaultRegion: config.region, host: config.host, port: config.port,
    auth, limits: { maxBodyBytes: config.maxBodyBytes }, workloadCidr: capabilities.privateNetwork ? config.vpcCidr : undefined,
    internal: internalRoutes({ registry, capabilities, compute, store: ec2Deps.store, config, extra: [sns.internalRoutes, lambda.internalRoutes, elbv2.internalRoutes, ec2.internalRoutes, clockRoute(clock), billRoute(billing, clock), consoleRoute({ stats: (id) => compute.driver.stats(id), credentials: () => credentials.workloadCredentials('000000000000') })] }),
  });
  undo.push(() => closeServer(server));
  const extraServers: Server[] = [];
  undo.push(() => Promise.all(extraServers.filter((x) => x !== server).map(closeServer)));
  if (capabilities.privateNetwork && config.host !== '0.0.0.0') {
    const listenPort = (server.address() as { port: number }).port;
    extraServers.push(await startGateway({
      // No admin /_nimbus/ routes here: instances must not reach Nimbus's admin endpoints. Only the
      // public SNS signing certificate, so subscribers inside instances can verify messages.
      registry, clock, ids, log, defaultRegion: config.region, host: gateway, port: listenPort,
      auth, limits: { maxBodyBytes: config.maxBodyBytes }, workloadCidr: config.vpcCidr,
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
    config, server, imds, db, driver, capabilities, compute, registry, reconciled, billing, credentials,
    endpoint: `http://${endpointHost}:${port}`,
    async close(opts = {}) {
      if (closed) return;
      closed = true;
      for (const s of [server, ...extraServers.filter((s) => s !== server), ...(imds ? [imds] : [])]) await closeServer(s);
      // Services first (Auto Scaling must not replace instances that shutdown stops; Lambda stops its sandboxes
      // through compute), then the workloads, then the database.
      for (const c of closers.reverse()) await c();
      await compute.shutdown(opts.stopInstances ?? true);
      db.close();
      if (config.inMemory) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The process driver by default, plus the VM driver for VM AMIs when this host can run it. */
function perAmiDrivers(config: NimbusConfig, log: Logger, dataDir: string, bridge: { name: string; gatewayCidr: string }, hide: string[]): RoutingDriver {
  const common = { dataDir, log, namePrefix: config.namePrefix, bridge, metadataAddress: config.metadataAddress, hide };
  const missing = config.vm === 'off' ? ['turned off (NIMBUS_VM=off)'] : vmPrerequisites();
  const vm: OptionalDriver = missing.length
    ? { unavailable: missing.join('; '), hint: config.vm === 'off' ? undefined : `Install: ${VM_INSTALL}` }
    : {
        // The process driver owns the bridge (it deletes it once nothing is plugged in); the VM driver only adds taps.
        driver: new VmDriver({ ...common, sharedBridge: true }),
        // Built and probed at the first VM launch (or adoption), not at every start of a server that may never run one.
        lazy: true,
        hint: `Install: ${VM_INSTALL}`,
        // VMs reach the process driver's metadata service and bridge: without them (plain mode) they could not boot.
        requires: (c) => (c.isolation === 'namespaces' && c.privateNetwork && c.metadataListen
          ? undefined
          : 'VMs need the process driver\'s bridge and metadata service (root, namespaces mode, not --plain)'),
      };
  return new RoutingDriver({ default: new ProcessDriver({ ...common, forcePlain: config.plainProcesses }), optional: { vm }, log });
}

function closeServer(s: Server): Promise<void> {
  s.closeAllConnections?.();
  return new Promise((r) => s.close(() => r()));
}

/** The newest datapoint an alarm evaluated, from its StateReasonData (AWS's `recentDatapoints`). */
function newestDatapoint(reasonData: string | undefined): number | undefined {
  try {
    const points = (JSON.parse(reasonData ?? '{}') as { recentDatapoints?: number[] }).recentDatapoints;
    return points?.length ? points[0] : undefined; // newest first, as AWS lists them
  } catch {
    return undefined;
  }
}
