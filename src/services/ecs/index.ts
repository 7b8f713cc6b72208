import { readFileSync } from 'node:fs';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import { ImageStore } from '../../drivers/container/images.ts';
import { ContainerRuntime } from '../../drivers/container/runtime.ts';
import type { RuntimeCapabilities } from '../../drivers/container/types.ts';
import type { DriverCapabilities } from '../../drivers/driver.ts';
import type { Meter } from '../../engines/billing/types.ts';
import { ContainerEngine } from '../../engines/containers/engine.ts';
import { ecsMetricsSource } from '../../engines/containers/metrics.ts';
import type { LoadBalancerPort } from '../../engines/containers/ports.ts';
import type { LogStore } from '../../engines/logs/index.ts';
import type { Handler, HandlerMap } from '../../gateway/context.ts';
import type { ServiceDefinition } from '../../gateway/registry.ts';
import { protocols } from '../../protocol/index.ts';
import { mustNotBeNull, requireMembers } from '../../protocol/required.ts';
import type { ServiceModel } from '../../protocol/types.ts';
import type { Db } from '../../store/db.ts';
import type { Ec2Deps } from '../ec2/deps.ts';
import { instancePort, logsPort, meterPort, networkPort } from './adapters.ts';
import { clusterHandlers } from './clusters.ts';
import { containerInstanceHandlers } from './container-instances.ts';
import { ClientException, InvalidParameterException } from './errors.ts';
import type { Operations } from './generated/operations.ts';
import { serviceHandlers } from './services.ts';
import { tagHandlers } from './tags.ts';
import { taskDefinitionHandlers } from './task-definitions.ts';
import { taskHandlers } from './tasks.ts';

// Amazon ECS (JSON 1.1, X-Amz-Target AmazonEC2ContainerServiceV20141113.*) over the container engine
// (src/engines/containers): tasks are real OCI containers run by crun (src/drivers/container) from images imported
// with `nimbus image import`, each Fargate task in its own sandbox with a private IP; services keep their desired
// count behind ELBv2 target groups with rolling deployments; EC2 instances become container instances.
//
// LIMITATIONS (see README "ECS and Fargate"):
// - Images come from the local image store only (no registry pulls; ECR URIs name local images).
// - Launch types FARGATE and EC2 (capacity provider strategies FARGATE/FARGATE_SPOT map to FARGATE; no other
//   capacity providers); the ECS deployment controller only (no CODE_DEPLOY/EXTERNAL, task sets, blue/green).
// - No ECS Exec, Service Connect / service discovery, secrets, FireLens, EFS/FSx/Docker volumes, GPUs, Windows, ARM64.
// - Log drivers: awslogs (CloudWatch Logs); others are accepted and the output stays in the task's directory.
// - IAM task and execution roles are stored, not assumed: containers get their account's workload keys (AWS_ACCESS_KEY_ID,
//   AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and AWS_ENDPOINT_URL.
// - bridge network mode shares the container instance's network namespace (hostPort = containerPort, no dynamic
//   host ports); awsvpc tasks on EC2 get their own IP like Fargate tasks.
// - Without an OCI runtime (crun) or root, tasks stop at once with CannotStartContainerError saying why.

export const ecsModel = JSON.parse(readFileSync(new URL('../../../models/ecs.json', import.meta.url), 'utf8')) as ServiceModel;

export interface EcsDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  dataDir: string;
  /** The process driver's capabilities (root, namespaces, bridge); the container runtime reuses its probe. */
  capabilities: DriverCapabilities;
  namePrefix: string;
  bridge: string;
  ec2: Ec2Deps;
  logs?: LogStore;
  lb?: LoadBalancerPort;
  meter?: Meter;
  /** Multiplies container health check timings (NIMBUS_ECS_HEALTH_SCALE). */
  healthScale?: number;
  tickMs?: number;
  /** Workload keys of an account, handed to its tasks (AWS_ACCESS_KEY_ID …); static test keys without. */
  credentialsFor?: (account: string) => { accessKeyId: string; secretAccessKey: string; sessionToken: string };
}

export interface EcsService {
  service: ServiceDefinition & { engine: ContainerEngine };
  engine: ContainerEngine;
  runtime: ContainerRuntime;
  images: ImageStore;
  runtimeCapabilities: RuntimeCapabilities;
  /** CloudWatch source of AWS/ECS CPUUtilization and MemoryUtilization. */
  metricsSource: ReturnType<typeof ecsMetricsSource>;
  close(opts?: { stopTasks?: boolean }): Promise<void>;
}

export async function createEcsService(d: EcsDeps): Promise<EcsService> {
  const runtime = new ContainerRuntime({ log: d.log, namePrefix: d.namePrefix, bridge: d.bridge, host: d.capabilities });
  const runtimeCapabilities = await runtime.init();
  const images = new ImageStore(d.dataDir);
  const engine = new ContainerEngine({
    db: d.db, clock: d.clock, log: d.log, dataDir: d.dataDir, runtime, images, healthScale: d.healthScale, tickMs: d.tickMs, credentialsFor: d.credentialsFor,
    endpoint: () => d.ec2.apiEndpoint,
    ports: {
      network: networkPort(d.ec2), instances: instancePort(d.ec2), lb: d.lb, meter: meterPort(d.meter),
      logs: d.logs ? logsPort(d.logs, d.log) : undefined,
    },
  });
  await engine.start();
  // A missing required member (nested ones too) is ECS's InvalidParameterException (ClientException for a task
  // definition's contents, as ECS answers RegisterTaskDefinition), never a handler's TypeError.
  const handlers: HandlerMap<Operations> = requireMembers(ecsModel, {
    ...clusterHandlers(engine),
    ...taskDefinitionHandlers(engine),
    ...taskHandlers(engine),
    ...serviceHandlers(engine),
    ...containerInstanceHandlers(engine),
    ...tagHandlers(engine),
  }, (op, path) => (op === 'RegisterTaskDefinition' ? new ClientException(mustNotBeNull(path)) : new InvalidParameterException(mustNotBeNull(path))));
  return {
    engine, runtime, images, runtimeCapabilities,
    metricsSource: ecsMetricsSource(engine),
    service: {
      name: 'ecs',
      model: ecsModel,
      protocols: [protocols.json],
      handlers: handlers as unknown as Record<string, Handler>,
      engine,
      limitations: [
        'Images from the local image store only (`nimbus image import`); no registry pulls',
        'Launch types FARGATE and EC2; ECS rolling deployments only (no CODE_DEPLOY/EXTERNAL, task sets)',
        'No ECS Exec, Service Connect, secrets, FireLens, EFS/FSx volumes, GPUs, Windows or ARM64',
        'Task and execution roles stored, not assumed',
        ...(runtimeCapabilities.available ? [] : [`Tasks cannot run here: ${runtimeCapabilities.unavailableReason}`]),
      ],
    },
    close: (opts = {}) => engine.close({ stopTasks: opts.stopTasks ?? true }),
  };
}

/** The container engine of a running Nimbus (tests: `ecsEngineOf(nimbus.registry.services)`). */
export function ecsEngineOf(services: ServiceDefinition[]): ContainerEngine | undefined {
  return (services.find((s) => s.name === 'ecs') as (ServiceDefinition & { engine?: ContainerEngine }) | undefined)?.engine;
}
