import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredImage } from '../../drivers/container/images.ts';
import { ContainerStartError } from '../../drivers/container/launcher.ts';
import type { ContainerExit, SandboxSpec } from '../../drivers/container/types.ts';
import { ContainerConfigError, containerSpec, type ContainerOverrideDoc } from './container-spec.ts';
import type { ContainerEngine } from './engine.ts';
import { dependenciesFailed, dependenciesMet } from './dependencies.ts';
import { HealthMonitor } from './health.ts';
import { privateDnsName } from './network.ts';
import { assertMove, isDone } from './task-state.ts';
import type { TaskStatus } from './task-state.ts';
import type { ContainerDefinitionDoc, ContainerDoc, HealthStatus, StopCode, TaskDefinitionDoc, TaskDoc } from './types.ts';

// Runs tasks through their lifecycle (task-state.ts): provisions the sandbox (IP, cgroup, network namespace,
// firewall), resolves images, starts containers in dependsOn order, registers with load balancers, watches container
// exits and health; and stops them: deregister and drain, stop signal then SIGKILL after stopTimeout, release.
// One flow per task at a time; a stop request during start is picked up at the next step.

class StopRequested extends Error {}

/** ECS's default stopTimeout (seconds); Fargate allows up to 120. */
const DEFAULT_STOP_TIMEOUT = 30;

export class TaskRunner {
  private health: HealthMonitor;
  private flows = new Map<string, Promise<void>>();

  constructor(private e: ContainerEngine) {
    this.health = new HealthMonitor(e.o.healthScale ?? 1, (key, status) => this.onHealth(key, status));
    e.o.runtime.onExit((x) => this.onContainerExit(x));
  }

  // ------------------------------------------------------------------ helpers

  private move(t: TaskDoc, to: TaskStatus): void {
    if (t.lastStatus === to) return;
    assertMove(t.lastStatus, to);
    t.lastStatus = to;
    this.e.saveTask(t);
  }

  private checkpoint(t: TaskDoc): void {
    if (t.desiredStatus === 'STOPPED') throw new StopRequested();
  }

  /** IPs of tasks that hold one (not stopped). */
  usedTaskIps(): Set<string> {
    const out = new Set<string>();
    for (const t of this.e.tasks.values()) if (t.eni && !isDone(t.lastStatus)) out.add(t.eni.ip);
    return out;
  }

  private taskDef(t: TaskDoc): TaskDefinitionDoc {
    const td = this.e.taskDefinitions.get(t.taskDefinitionArn);
    if (!td) throw new Error(`task definition ${t.taskDefinitionArn} is gone`);
    return td;
  }

  stateDir(t: TaskDoc): string {
    return join(this.e.tasksDir(), t.id);
  }

  /** vCPUs of a task (ECS CPU units / 1024); EC2 tasks without task-level CPU get a share of 1 vCPU per 1024 units, at least 0.125. */
  static vcpusOf(t: TaskDoc): number {
    const units = Number(t.cpu);
    return units > 0 ? units / 1024 : 0.125;
  }

  // ------------------------------------------------------------------ start

  /** Stores a new task (PROVISIONING) and starts it in the background. */
  launch(t: TaskDoc): void {
    this.e.saveTask(t);
    this.flow(t, () => this.start(t));
  }

  /** @internal (task-recovery.ts) */
  flow(t: TaskDoc, fn: () => Promise<void>): void {
    const prev = this.flows.get(t.arn) ?? Promise.resolve();
    const next: Promise<void> = prev.then(fn).catch((err) => this.e.log.error({ err, task: t.arn }, 'task flow failed')).finally(() => {
      if (this.flows.get(t.arn) !== next) return;
      this.flows.delete(t.arn);
      // A stop asked for after the start flow's last step.
      if (t.desiredStatus === 'STOPPED' && !isDone(t.lastStatus) && !this.e.isClosed) this.flow(t, () => this.stopNow(t));
    });
    this.flows.set(t.arn, next);
  }

  private async start(t: TaskDoc): Promise<void> {
    const e = this.e;
    try {
      this.checkpoint(t);
      const caps = e.o.runtime.capabilities();
      if (!caps.available) {
        return this.failEarly(t, `CannotStartContainerError: ${caps.unavailableReason ?? 'no OCI runtime'} (Nimbus runs ECS tasks as OCI containers)`);
      }
      const td = this.taskDef(t);
      // AWS: container-level memory/cpu are separate cgroups under the task's. Here: one cgroup per task with the task
      // size (or the sum of its containers'), because the limits that matter for placement and billing are the task's.
      const sandbox = this.sandboxSpec(t);
      await mkdir(sandbox.stateDir, { recursive: true });
      const handle = await e.o.runtime.createSandbox(sandbox);
      t.sandboxToken = handle.token;
      if (t.eni) t.eni.status = 'ATTACHED';
      t.pullStartedAt = e.clock.now();
      this.move(t, 'PENDING');
      if (t.launchType === 'FARGATE') {
        e.ports.meter?.open({
          kind: 'task', resourceId: t.arn, vcpu: Number(t.cpu) / 1024, memoryGiB: Number(t.memory) / 1024, market: 'on-demand', tenancy: 'default',
          account: t.account, region: t.region, az: t.availabilityZone ?? '', startMs: t.pullStartedAt,
        });
      }
      this.checkpoint(t);
      const images = new Map<string, StoredImage>();
      for (const def of td.containerDefinitions) {
        const img = e.o.images.resolve(def.image);
        if (!img) {
          return await this.failStart(t, def.name, `CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref ${def.image}: not found in the Nimbus image store (import it with: nimbus image import <tarball|dir> --name ${def.image.split('/').pop()})`);
        }
        images.set(def.name, img);
        const c = t.containers.find((x) => x.name === def.name)!;
        c.imageDigest = img.id;
      }
      t.pullStoppedAt = e.clock.now();
      const logProblem = this.prepareLogs(t, td);
      if (logProblem) return await this.failStart(t, td.containerDefinitions[0]!.name, logProblem);
      this.e.saveTask(t);
      await this.startContainers(t, td, images);
      this.checkpoint(t);
      this.move(t, 'ACTIVATING');
      await this.registerTargets(t);
      this.checkpoint(t);
      t.startedAt = e.clock.now();
      t.connectivity = 'CONNECTED';
      t.connectivityAt = t.startedAt;
      this.move(t, 'RUNNING');
      e.kick();
    } catch (err) {
      if (err instanceof StopRequested) return this.stopNow(t);
      const reason = err instanceof ContainerStartError || err instanceof ContainerConfigError ? `CannotStartContainerError: ${err.message}` : `ResourceInitializationError: ${(err as Error).message}`;
      if (!(err instanceof ContainerStartError || err instanceof ContainerConfigError)) e.log.warn({ err, task: t.arn }, 'task failed to start');
      t.stopCode ??= 'TaskFailedToStart';
      t.stoppedReason ??= reason;
      t.desiredStatus = 'STOPPED';
      return this.stopNow(t);
    }
  }

  /** @internal (task-recovery.ts) */
  sandboxSpec(t: TaskDoc): SandboxSpec {
    const e = this.e;
    const net = e.ports.network;
    const ip = t.eni?.ip;
    const instance = t.ec2InstanceId ? e.ports.instances?.instance(t.ec2InstanceId) : undefined;
    const groups = t.securityGroups ?? [];
    return {
      id: t.id,
      hostname: ip ? privateDnsName(ip, t.region).split('.')[0]! : `ip-${(instance?.privateIp ?? '127.0.0.1').replace(/\./g, '-')}`,
      stateDir: this.stateDir(t),
      vcpus: TaskRunner.vcpusOf(t),
      memoryMiB: Number(t.memory) || 512,
      network: t.eni && net ? { ip: t.eni.ip, prefixLength: net.prefixLength, gateway: net.gateway, mac: t.eni.mac } : undefined,
      joinNetns: t.eni ? undefined : instance?.netns,
      ingress: t.eni && net ? net.ingress(t, groups, (g) => this.membersOf(g)) : [],
    };
  }

  /**
   * Security group rules of running awsvpc tasks, recomputed (membership and rule changes): only changed rulesets are
   * applied. AWS: rule changes propagate within seconds. Here: at the next engine tick (≤ 2 s), because EC2's
   * firewall refresh knows instances only.
   */
  async refreshFirewalls(): Promise<void> {
    const net = this.e.ports.network;
    if (!net) return;
    for (const t of this.e.tasks.values()) {
      if (t.lastStatus !== 'RUNNING' || !t.eni || !this.e.o.runtime.hasSandbox(t.id)) continue;
      await this.e.o.runtime.setIngress(t.id, net.ingress(t, t.securityGroups ?? [], (g) => this.membersOf(g)))
        .catch((err) => this.e.log.warn({ err, task: t.arn }, 'task firewall update failed'));
    }
  }

  /** Task IPs in a security group (source-group rules admit tasks too). */
  membersOf(groupId: string): string[] {
    return [...this.e.tasks.values()].filter((x) => x.eni && !isDone(x.lastStatus) && x.securityGroups?.includes(groupId)).map((x) => `${x.eni!.ip}/32`);
  }

  /** awslogs: the group must exist unless awslogs-create-group is "true" (as the ECS agent checks). */
  private prepareLogs(t: TaskDoc, td: TaskDefinitionDoc): string | undefined {
    const logs = this.e.ports.logs;
    if (!logs) return undefined;
    for (const def of td.containerDefinitions) {
      const lc = def.logConfiguration;
      if (lc?.logDriver !== 'awslogs') continue;
      const group = lc.options?.['awslogs-group'];
      if (!group) return 'ResourceInitializationError: failed to validate logger args: awslogs-group is required';
      const scope = { account: t.account, region: lc.options?.['awslogs-region'] ?? t.region };
      if (!logs.groupExists(scope, group)) {
        if (lc.options?.['awslogs-create-group'] === 'true') logs.createGroup(scope, group);
        else return `ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1`;
      }
    }
    return undefined;
  }

  private async startContainers(t: TaskDoc, td: TaskDefinitionDoc, images: Map<string, StoredImage>): Promise<void> {
    const e = this.e;
    const volumeDirs: Record<string, string> = {};
    for (const v of td.volumes) {
      // AWS: Fargate bind-mount volumes are task-scoped ephemeral storage; host volumes exist on EC2 only.
      const dir = v.host?.sourcePath && t.launchType === 'EC2' ? v.host.sourcePath : join(this.stateDir(t), 'volumes', v.name);
      await mkdir(dir, { recursive: true });
      volumeDirs[v.name] = dir;
    }
    const overrides = ((t.overrides.containerOverrides ?? []) as ContainerOverrideDoc[]);
    // AWS: containers get the task role's credentials from the task metadata endpoint (169.254.170.2). Here: the task's
    // own account's workload keys in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN and AWS_ENDPOINT_URL
    // pointing at Nimbus, because IAM roles are not assumed; the keys pass strict SigV4 and act in the task's account.
    const keys = e.o.credentialsFor?.(t.account);
    const baseEnv: Record<string, string> = {
      AWS_REGION: t.region, AWS_DEFAULT_REGION: t.region, AWS_EXECUTION_ENV: t.launchType === 'FARGATE' ? 'AWS_ECS_FARGATE' : 'AWS_ECS_EC2',
      AWS_ENDPOINT_URL: e.o.endpoint(),
      ...(keys
        ? { AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey, AWS_SESSION_TOKEN: keys.sessionToken }
        : { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' }),
    };
    const pending = [...td.containerDefinitions];
    const deadline = Date.now() + 120_000;
    while (pending.length) {
      this.checkpoint(t);
      const ready = pending.filter((def) => dependenciesMet(t, def));
      if (!ready.length) {
        const blocked = pending.map((d) => d.name).join(', ');
        if (dependenciesFailed(t, pending) || Date.now() > deadline) throw new ContainerConfigError(`dependency conditions of ${blocked} can never be met`);
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      await Promise.all(ready.map(async (def) => {
        pending.splice(pending.indexOf(def), 1);
        const spec = containerSpec({ def, taskDef: td, image: images.get(def.name)!, override: overrides.find((o) => o.name === def.name), baseEnv, volumeDirs });
        const c = t.containers.find((x) => x.name === def.name)!;
        const h = await e.o.runtime.startContainer(t.id, spec);
        // A container that already exited (reported while starting) stays STOPPED.
        if (c.lastStatus === 'PENDING') c.lastStatus = 'RUNNING';
        c.runtimeId = `${t.id}-${def.name}`;
        c.token = h.token;
        c.startedAt = e.clock.now();
        if (def.healthCheck) c.healthStatus = 'UNKNOWN';
        this.watchContainer(t, def, c);
        // Exited while starting: forward what it printed, stop watching.
        if (c.lastStatus === 'STOPPED') await this.e.logForwarder.unwatch(`${t.arn}/${def.name}`);
      }));
      this.e.saveTask(t);
    }
  }

  /** Log forwarding and health checks of a running container. */
  /** @internal (task-recovery.ts) */
  watchContainer(t: TaskDoc, def: ContainerDefinitionDoc, c: ContainerDoc, fromOffset = 0): void {
    const lc = def.logConfiguration;
    const file = this.e.o.runtime.outputFile(t.id, def.name);
    if (lc?.logDriver === 'awslogs' && file) {
      const prefix = lc.options?.['awslogs-stream-prefix'];
      const stream = prefix ? `${prefix}/${def.name}/${t.id}` : c.runtimeId ?? `${t.id}-${def.name}`;
      const scope = { account: t.account, region: lc.options?.['awslogs-region'] ?? t.region };
      this.e.logForwarder.watch(`${t.arn}/${def.name}`, file, { scope, group: lc.options!['awslogs-group']!, stream }, fromOffset);
    }
    if (def.healthCheck) {
      this.health.start(`${t.arn}\u0000${def.name}`, def.healthCheck, (argv, timeoutMs) => this.e.o.runtime.exec(t.id, def.name, argv, { timeoutMs }));
    }
  }

  /** Registers a service task in its load balancers' target groups (awsvpc: its IP; else its instance and host port). */
  private async registerTargets(t: TaskDoc): Promise<void> {
    const svc = t.serviceName ? [...this.e.services.values()].find((s) => s.clusterArn === t.clusterArn && s.name === t.serviceName && s.status !== 'INACTIVE') : undefined;
    const lb = this.e.ports.lb;
    if (!svc || !lb) return;
    for (const l of svc.loadBalancers) {
      if (!l.targetGroupArn) continue;
      const c = t.containers.find((x) => x.name === l.containerName);
      const binding = c?.networkBindings.find((b) => b.containerPort === l.containerPort);
      const target = t.eni ? { id: t.eni.ip, port: l.containerPort } : { id: t.ec2InstanceId!, port: binding?.hostPort ?? l.containerPort };
      try {
        await lb.registerTargets(l.targetGroupArn, [target]);
        t.registrations.push({ targetGroupArn: l.targetGroupArn, ...target });
        this.e.scheduler.event(svc, `(service ${svc.name}) registered 1 targets in (target-group ${l.targetGroupArn})`);
      } catch (err) {
        this.e.scheduler.event(svc, `(service ${svc.name}) failed to register targets in (target-group ${l.targetGroupArn}) with (error ${(err as Error).message})`);
      }
    }
    this.e.saveTask(t);
  }

  /** No sandbox was made: straight to STOPPED. */
  private failEarly(t: TaskDoc, reason: string): void {
    t.desiredStatus = 'STOPPED';
    t.stopCode = 'TaskFailedToStart';
    t.stoppedReason = reason;
    for (const c of t.containers) {
      c.lastStatus = 'STOPPED';
      c.reason = reason;
    }
    const now = this.e.clock.now();
    t.stoppingAt = now;
    t.stoppedAt = now;
    t.executionStoppedAt = now;
    if (t.eni) t.eni.status = 'DELETED';
    this.move(t, 'STOPPED');
    this.e.kick();
  }

  private async failStart(t: TaskDoc, container: string, reason: string): Promise<void> {
    const c = t.containers.find((x) => x.name === container);
    if (c) c.reason = reason;
    t.stopCode = 'TaskFailedToStart';
    t.stoppedReason = reason;
    t.desiredStatus = 'STOPPED';
    await this.stopNow(t);
  }

  // ------------------------------------------------------------------ events from the runtime

  private onContainerExit(x: ContainerExit): void {
    const t = [...this.e.tasks.values()].find((task) => task.id === x.sandboxId);
    if (!t) return;
    const c = t.containers.find((y) => y.name === x.name);
    if (!c || c.lastStatus === 'STOPPED') return;
    c.lastStatus = 'STOPPED';
    c.exitCode = x.exitCode ?? undefined;
    if (x.oomKilled) c.reason = 'OutOfMemoryError: Container killed due to memory usage';
    this.health.stop(`${t.arn}\u0000${x.name}`);
    void this.e.logForwarder.unwatch(`${t.arn}/${x.name}`);
    const def = this.e.taskDefinitions.get(t.taskDefinitionArn)?.containerDefinitions.find((d) => d.name === x.name);
    this.e.saveTask(t);
    if (def?.essential !== false && t.desiredStatus === 'RUNNING') {
      this.stop(t, 'EssentialContainerExited', 'Essential container in task exited');
    } else if (t.containers.every((y) => y.lastStatus === 'STOPPED') && t.desiredStatus === 'RUNNING') {
      this.stop(t, 'EssentialContainerExited', 'Essential container in task exited');
    }
    this.e.kick();
  }

  private onHealth(key: string, status: HealthStatus): void {
    const [arn, name] = key.split('\u0000');
    const t = this.e.tasks.get(arn!);
    const c = t?.containers.find((x) => x.name === name);
    if (!t || !c || isDone(t.lastStatus)) return;
    c.healthStatus = status;
    t.healthStatus = this.taskHealth(t);
    this.e.saveTask(t);
    this.e.kick();
  }

  /** Task health: UNHEALTHY if an essential container is; HEALTHY when every essential container with a check is. */
  taskHealth(t: TaskDoc): HealthStatus {
    const defs = this.e.taskDefinitions.get(t.taskDefinitionArn)?.containerDefinitions ?? [];
    const checked = t.containers.filter((c) => defs.find((d) => d.name === c.name)?.healthCheck && defs.find((d) => d.name === c.name)?.essential !== false);
    if (!checked.length) return 'UNKNOWN';
    if (checked.some((c) => c.healthStatus === 'UNHEALTHY')) return 'UNHEALTHY';
    if (checked.every((c) => c.healthStatus === 'HEALTHY')) return 'HEALTHY';
    return 'UNKNOWN';
  }

  // ------------------------------------------------------------------ stop

  /** Asks a task to stop (StopTask, the scheduler, an essential container's exit). Idempotent; the first reason wins. */
  stop(t: TaskDoc, code: StopCode, reason: string): void {
    if (isDone(t.lastStatus)) return;
    if (t.desiredStatus === 'RUNNING') {
      t.desiredStatus = 'STOPPED';
      t.stopCode ??= code;
      t.stoppedReason ??= reason;
      t.stoppingAt ??= this.e.clock.now();
      this.e.saveTask(t);
    }
    // A start flow in progress notices at its next step; otherwise the stop flow starts now.
    if (!this.flows.has(t.arn)) this.flow(t, () => this.stopNow(t));
  }

  /** The stop flow from wherever the task is. */
  /** @internal (task-recovery.ts) */
  async stopNow(t: TaskDoc): Promise<void> {
    if (isDone(t.lastStatus)) return;
    const e = this.e;
    t.stoppingAt ??= e.clock.now();
    if (t.lastStatus === 'PROVISIONING') {
      this.move(t, 'DEPROVISIONING');
    } else {
      if ((t.lastStatus === 'RUNNING' || t.lastStatus === 'ACTIVATING') && t.registrations.length) {
        this.move(t, 'DEACTIVATING');
        await this.deregisterTargets(t);
      }
      if (t.lastStatus !== 'STOPPING') this.move(t, 'STOPPING');
      await this.stopContainers(t);
      this.move(t, 'DEPROVISIONING');
    }
    await e.o.runtime.destroySandbox(t.id, 0).catch((err) => e.log.warn({ err, task: t.arn }, 'sandbox cleanup failed'));
    if (t.eni) t.eni.status = 'DELETED';
    const now = e.clock.now();
    if (t.launchType === 'FARGATE' && t.pullStartedAt) e.ports.meter?.close(t.arn, now);
    for (const c of t.containers) if (c.lastStatus !== 'STOPPED') c.lastStatus = 'STOPPED';
    t.executionStoppedAt ??= now;
    t.stoppedAt = now;
    t.connectivity = 'DISCONNECTED';
    this.move(t, 'STOPPED');
    void rm(this.stateDir(t), { recursive: true, force: true }).catch(() => undefined);
    e.kick();
  }

  private async deregisterTargets(t: TaskDoc): Promise<void> {
    const lb = this.e.ports.lb;
    if (!lb) return;
    const svc = t.serviceName ? [...this.e.services.values()].find((s) => s.clusterArn === t.clusterArn && s.name === t.serviceName) : undefined;
    await Promise.all(t.registrations.map(async (r) => {
      try {
        const drained = lb.deregisterTargets(r.targetGroupArn, [{ id: r.id, port: r.port }]);
        if (svc) this.e.scheduler.event(svc, `(service ${svc.name}) deregistered 1 targets in (target-group ${r.targetGroupArn})`);
        await drained;
      } catch (err) {
        this.e.log.debug({ err, task: t.arn }, 'target deregistration failed');
      }
    }));
    t.registrations = [];
    this.e.saveTask(t);
  }

  /**
   * Stop signal (SIGTERM) to every container, SIGKILL after each one's stopTimeout.
   * AWS: containers stop in reverse dependency order. Here: all at once, because each gets its own stopTimeout anyway.
   */
  private async stopContainers(t: TaskDoc): Promise<void> {
    const td = this.e.taskDefinitions.get(t.taskDefinitionArn);
    const cap = t.launchType === 'FARGATE' ? 120 : Infinity;
    await Promise.all(t.containers.map(async (c) => {
      this.health.stop(`${t.arn}\u0000${c.name}`);
      if (c.lastStatus !== 'RUNNING') return;
      const def = td?.containerDefinitions.find((d) => d.name === c.name);
      const graceMs = Math.min(cap, def?.stopTimeout ?? DEFAULT_STOP_TIMEOUT) * 1000;
      const code = await this.e.o.runtime.stopContainer(t.id, c.name, { graceMs });
      c.lastStatus = 'STOPPED';
      c.exitCode = code ?? c.exitCode;
      await this.e.logForwarder.unwatch(`${t.arn}/${c.name}`);
    }));
    this.e.saveTask(t);
  }

  /** Shutdown: stop every task (their sandboxes go) or leave them running for the next Nimbus to adopt. */
  async close(stopTasks: boolean): Promise<void> {
    this.health.close();
    if (stopTasks) {
      for (const t of this.e.tasks.values()) {
        if (isDone(t.lastStatus)) continue;
        t.desiredStatus = 'STOPPED';
        t.stopCode ??= 'ServiceSchedulerInitiated';
        t.stoppedReason ??= 'Task stopped: Nimbus shut down';
        // Deregistered at once (the target group forgets them now); no waiting for draining on the way down.
        for (const r of t.registrations) void this.e.ports.lb?.deregisterTargets(r.targetGroupArn, [{ id: r.id, port: r.port }]).catch(() => undefined);
        t.registrations = [];
      }
      await Promise.allSettled([...this.flows.values()]);
      await Promise.allSettled([...this.e.tasks.values()].filter((t) => !isDone(t.lastStatus)).map((t) => this.stopNowQuick(t)));
    }
    await this.e.o.runtime.shutdown({ stopAll: stopTasks, graceMs: 0 });
  }

  /** Shutdown path: no draining, no grace. */
  private async stopNowQuick(t: TaskDoc): Promise<void> {
    await this.e.o.runtime.destroySandbox(t.id, 0).catch(() => undefined);
    const now = this.e.clock.now();
    if (t.launchType === 'FARGATE' && t.pullStartedAt) this.e.ports.meter?.close(t.arn, now);
    for (const c of t.containers) c.lastStatus = 'STOPPED';
    t.stoppedAt = now;
    t.executionStoppedAt = now;
    t.lastStatus = 'STOPPED';
    this.e.saveTask(t);
  }

  /** Resolves when the task's current flow (start or stop) is done (tests). */
  async settled(taskArn: string): Promise<void> {
    await this.flows.get(taskArn);
  }
}
