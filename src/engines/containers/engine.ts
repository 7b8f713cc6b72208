import { join } from 'node:path';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { ImageStore } from '../../drivers/container/images.ts';
import type { ContainerRuntime } from '../../drivers/container/runtime.ts';
import type { Db } from '../../store/db.ts';
import { clusterArn, clusterNameOf, lastPart, parseEcsArn } from './arns.ts';
import { ContainerInstances } from './container-instances.ts';
import { ClusterNotFoundException, ClientException, InvalidParameterException, ServiceNotFoundException } from './errors.ts';
import { LogForwarder } from './log-forwarder.ts';
import type { ContainerPorts } from './ports.ts';
import { ServiceScheduler } from './scheduler.ts';
import { EcsStore } from './store.ts';
import { recoverTasks } from './task-recovery.ts';
import { TaskRunner } from './task-runner.ts';
import { isDone } from './task-state.ts';
import type { ClusterDoc, ContainerInstanceDoc, Scope, ServiceDoc, TaskDefinitionDoc, TaskDoc } from './types.ts';

// The container engine behind ECS: clusters, task definitions, tasks that really run (OCI containers through
// src/drivers/container), services kept at their desired count by a scheduler with rolling deployments, and EC2
// instances as container instances. Documents live in memory and are written through to SQLite on every change.
//
// LIMITATIONS (see README "ECS and Fargate")
// - Images come from the local image store (`nimbus image import`), never from a registry.
// - No capacity providers, task sets / external or CODE_DEPLOY deployment controllers, service discovery or Service
//   Connect, ECS Exec, EFS/FSx/Docker volumes, secrets, FireLens, GPUs; Windows task definitions are refused.
// - Per-container memory/cpu limits are not enforced separately: the task's cgroup holds the sum.
// - bridge network mode shares the container instance's network namespace (hostPort = containerPort).

export const STOPPED_TASK_RETENTION_MS = 60 * 60 * 1000;

export interface ContainerEngineOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  dataDir: string;
  runtime: ContainerRuntime;
  images: ImageStore;
  ports: ContainerPorts;
  /** The Nimbus API as containers reach it (AWS_ENDPOINT_URL inside tasks). */
  endpoint: () => string;
  /** Multiplies container health check timings (NIMBUS_ECS_HEALTH_SCALE; 1 = AWS). */
  healthScale?: number;
  /** Scheduler period in ms (default 1000; faster while something changes). */
  tickMs?: number;
  /** Workload keys of an account (strict-SigV4 valid, scoped to it) for tasks' AWS_* variables; static test keys without. */
  credentialsFor?: (account: string) => { accessKeyId: string; secretAccessKey: string; sessionToken: string };
}

type Listener = (e: { kind: 'task'; task: TaskDoc } | { kind: 'service'; service: ServiceDoc }) => void;

export class ContainerEngine {
  readonly store: EcsStore;
  readonly clusters = new Map<string, ClusterDoc>();
  readonly taskDefinitions = new Map<string, TaskDefinitionDoc>();
  readonly tasks = new Map<string, TaskDoc>();
  readonly services = new Map<string, ServiceDoc>();
  readonly containerInstances = new Map<string, ContainerInstanceDoc>();
  readonly runner: TaskRunner;
  readonly scheduler: ServiceScheduler;
  readonly instances: ContainerInstances;
  readonly logForwarder: LogForwarder;
  private listeners: Listener[] = [];
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(readonly o: ContainerEngineOptions) {
    this.store = new EcsStore(o.db);
    this.logForwarder = new LogForwarder(o.ports.logs, o.clock, o.log);
    this.runner = new TaskRunner(this);
    this.scheduler = new ServiceScheduler(this);
    this.instances = new ContainerInstances(this);
  }

  get clock(): Clock {
    return this.o.clock;
  }
  get log(): Logger {
    return this.o.log;
  }
  get ports(): ContainerPorts {
    return this.o.ports;
  }
  tasksDir(): string {
    return join(this.o.dataDir, 'ecs', 'tasks');
  }

  /** Loads the stored state, re-attaches to (or stops) tasks that were running, and starts the scheduler. */
  async start(): Promise<void> {
    for (const c of this.store.loadClusters()) this.clusters.set(c.arn, c);
    for (const t of this.store.loadTaskDefinitions()) this.taskDefinitions.set(t.arn, t);
    for (const s of this.store.loadServices()) this.services.set(s.arn, s);
    for (const c of this.store.loadContainerInstances()) this.containerInstances.set(c.arn, c);
    for (const t of this.store.loadTasks()) this.tasks.set(t.arn, t);
    await recoverTasks(this);
    const every = this.o.tickMs ?? 1000;
    const loop = async () => {
      if (this.closed) return;
      try {
        await this.tick();
      } catch (err) {
        this.log.error({ err }, 'container engine tick failed');
      }
      if (!this.closed) {
        this.timer = setTimeout(() => void loop(), this.scheduler.busy() ? Math.min(every, 200) : every);
        this.timer.unref();
      }
    };
    this.timer = setTimeout(() => void loop(), 50);
    this.timer.unref();
  }

  private ticking?: Promise<void>;
  private firewallsAt = 0;

  /** One pass: container instances follow their EC2 instances, services converge, old stopped tasks go. */
  tick(): Promise<void> {
    this.ticking ??= (async () => {
      this.instances.reconcile();
      await this.scheduler.reconcileAll();
      this.pruneStopped();
      if (Date.now() - this.firewallsAt >= 2000) {
        this.firewallsAt = Date.now();
        await this.runner.refreshFirewalls();
      }
    })().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** Asks for a scheduler pass soon (a task changed state, a service was updated). */
  kick(): void {
    if (this.closed || this.kickTimer) return;
    this.kickTimer = setTimeout(() => {
      this.kickTimer = undefined;
      void this.tick().catch((err) => this.log.error({ err }, 'container engine tick failed'));
    }, 10);
    this.kickTimer.unref();
  }
  private kickTimer?: NodeJS.Timeout;

  on(l: Listener): void {
    this.listeners.push(l);
  }

  // ------------------------------------------------------------------ persistence

  saveTask(t: TaskDoc): void {
    t.version++;
    this.tasks.set(t.arn, t);
    this.store.putTask(t);
    for (const l of this.listeners) l({ kind: 'task', task: t });
  }

  saveService(s: ServiceDoc): void {
    this.services.set(s.arn, s);
    this.store.putService(s);
    for (const l of this.listeners) l({ kind: 'service', service: s });
  }

  saveCluster(c: ClusterDoc): void {
    this.clusters.set(c.arn, c);
    this.store.putCluster(c);
  }

  saveTaskDefinition(t: TaskDefinitionDoc): void {
    this.taskDefinitions.set(t.arn, t);
    this.store.putTaskDefinition(t);
  }

  saveContainerInstance(c: ContainerInstanceDoc): void {
    this.containerInstances.set(c.arn, c);
    this.store.putContainerInstance(c);
  }

  private pruneStopped(): void {
    const cutoff = this.clock.now() - STOPPED_TASK_RETENTION_MS;
    for (const t of this.tasks.values()) {
      if (isDone(t.lastStatus) && (t.stoppedAt ?? 0) < cutoff) {
        this.tasks.delete(t.arn);
        this.store.deleteTask(t.arn);
      }
    }
    for (const t of this.taskDefinitions.values()) {
      // DeleteTaskDefinitions keeps a revision that is still in use until nothing uses it, as on AWS.
      if (t.status === 'DELETE_IN_PROGRESS' && !this.taskDefinitionInUse(t.arn)) {
        this.taskDefinitions.delete(t.arn);
        this.store.deleteTaskDefinition(t.arn);
      }
    }
    for (const s of this.services.values()) {
      // AWS: a deleted service stays describable as INACTIVE for a while; here until its tasks are gone plus an hour.
      if (s.status === 'INACTIVE' && (s.events[0]?.createdAt ?? s.createdAt) < cutoff) {
        this.services.delete(s.arn);
        this.store.deleteService(s.arn);
      }
    }
  }

  /** Whether a service (any of its deployments) or a task that has not stopped still uses a task definition. */
  taskDefinitionInUse(arn: string): boolean {
    for (const s of this.services.values()) {
      if (s.status !== 'INACTIVE' && (s.taskDefinition === arn || s.deployments.some((d) => d.taskDefinition === arn))) return true;
    }
    for (const t of this.tasks.values()) if (t.taskDefinitionArn === arn && !isDone(t.lastStatus)) return true;
    return false;
  }

  // ------------------------------------------------------------------ lookups (AWS errors when missing)

  /** A cluster by name or ARN ('default' when omitted). */
  cluster(s: Scope, ref: string | undefined): ClusterDoc {
    const name = clusterNameOf(ref || 'default');
    const arn = ref?.startsWith('arn:') ? ref : clusterArn(s, name);
    const c = this.clusters.get(arn);
    if (!c || c.account !== s.account || c.region !== s.region || c.status !== 'ACTIVE') throw new ClusterNotFoundException('Cluster not found.');
    return c;
  }

  /** `family`, `family:revision` or an ARN; `family` alone is the latest ACTIVE revision. */
  taskDefinition(s: Scope, ref: string, opts: { allowInactive?: boolean } = {}): TaskDefinitionDoc {
    let family = ref;
    let revision: number | undefined;
    const parsed = parseEcsArn(ref);
    if (parsed) {
      if (parsed.account !== s.account || parsed.region !== s.region) throw new ClientException('Unable to describe task definition.');
      family = parsed.resource.replace(/^task-definition\//, '');
    }
    const colon = family.lastIndexOf(':');
    if (colon > 0) {
      revision = Number(family.slice(colon + 1));
      family = family.slice(0, colon);
      if (!Number.isInteger(revision)) throw new ClientException('Invalid revision number.');
    }
    const candidates = [...this.taskDefinitions.values()].filter((t) => t.account === s.account && t.region === s.region && t.family === family);
    let found: TaskDefinitionDoc | undefined;
    if (revision !== undefined) found = candidates.find((t) => t.revision === revision);
    else found = candidates.filter((t) => t.status === 'ACTIVE').sort((a, b) => b.revision - a.revision)[0];
    if (!found || found.status === 'DELETE_IN_PROGRESS' || (found.status !== 'ACTIVE' && !opts.allowInactive && revision === undefined)) {
      throw new ClientException('Unable to describe task definition.');
    }
    return found;
  }

  service(s: Scope, cluster: ClusterDoc, ref: string): ServiceDoc {
    const name = lastPart(ref);
    const found = [...this.services.values()].find((x) => x.clusterArn === cluster.arn && (x.arn === ref || x.name === name) && x.status !== 'INACTIVE');
    if (!found || found.account !== s.account) throw new ServiceNotFoundException('Service not found.');
    return found;
  }

  task(s: Scope, cluster: ClusterDoc, ref: string): TaskDoc {
    const id = lastPart(ref);
    const found = [...this.tasks.values()].find((t) => t.clusterArn === cluster.arn && (t.arn === ref || t.id === id));
    if (!found || found.account !== s.account) throw new InvalidParameterException('The referenced task was not found.');
    return found;
  }

  /** An ACTIVE service by cluster and service name (Application Auto Scaling's `service/<cluster>/<service>`). */
  findService(s: Scope, clusterName: string, serviceName: string): ServiceDoc | undefined {
    const c = this.clusters.get(clusterArn(s, clusterName));
    if (!c || c.status !== 'ACTIVE') return undefined;
    return [...this.services.values()].find((x) => x.clusterArn === c.arn && x.name === serviceName && x.status === 'ACTIVE');
  }

  /** UpdateService's desiredCount, for Application Auto Scaling. */
  setDesiredCount(svc: ServiceDoc, n: number): void {
    if (svc.desiredCount === n) return;
    svc.desiredCount = n;
    svc.steady = false;
    const primary = svc.deployments.find((d) => d.status === 'PRIMARY');
    if (primary) {
      primary.desiredCount = n;
      primary.updatedAt = this.clock.now();
    }
    this.saveService(svc);
    this.kick();
  }

  tasksOf(clusterArnValue: string): TaskDoc[] {
    return [...this.tasks.values()].filter((t) => t.clusterArn === clusterArnValue);
  }

  servicesOf(clusterArnValue: string): ServiceDoc[] {
    return [...this.services.values()].filter((s) => s.clusterArn === clusterArnValue && s.status !== 'INACTIVE');
  }

  async close(opts: { stopTasks: boolean }): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.kickTimer) clearTimeout(this.kickTimer);
    await this.ticking?.catch(() => undefined);
    await this.runner.close(opts.stopTasks);
    await this.logForwarder.flush().catch(() => undefined);
    this.logForwarder.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
