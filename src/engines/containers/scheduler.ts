import { randomUUID } from 'node:crypto';
import { lastPart } from './arns.ts';
import { circuitBreakerThreshold, deploymentId, moveRollout, moveStatus } from './deployment-state.ts';
import type { ContainerEngine } from './engine.ts';
import { launchTasks } from './run-task.ts';
import { isDone, isStarting, isStopping } from './task-state.ts';
import type { DeploymentDoc, ServiceDoc, TaskDoc } from './types.ts';

// The ECS service scheduler (REPLICA and DAEMON strategies) with the rolling-update deployment controller:
//
// - keeps desiredCount tasks of the PRIMARY deployment; tasks that stop (crash, failed health checks) are replaced;
// - a new deployment (UpdateService with a new task definition, forceNewDeployment) starts its tasks within
//   maximumPercent of the desired count and stops the older deployments' tasks only while at least
//   minimumHealthyPercent stay healthy — healthy = RUNNING, its load balancer targets `healthy`, its essential
//   containers' health checks HEALTHY — so traffic always has somewhere to go;
// - tasks failing ELB or container health checks after healthCheckGracePeriodSeconds are replaced;
// - the deployment circuit breaker fails a deployment after enough failed tasks, and rolls back to the last
//   completed one when asked.

const MAX_EVENTS = 100;

export class ServiceScheduler {
  private lastEventAt = new Map<string, number>();

  constructor(private e: ContainerEngine) {}

  /** Something is converging: the engine ticks faster. */
  busy(): boolean {
    for (const t of this.e.tasks.values()) if (isStarting(t.lastStatus) || isStopping(t.lastStatus)) return true;
    for (const s of this.e.services.values()) if (s.status !== 'INACTIVE' && !s.steady) return true;
    return false;
  }

  /** Adds a service event (newest first, 100 kept); an identical message within 30 s is not repeated. */
  event(svc: ServiceDoc, message: string, opts: { dedupe?: boolean } = {}): void {
    const now = this.e.clock.now();
    const key = `${svc.arn}\u0000${message}`;
    if (opts.dedupe && now - (this.lastEventAt.get(key) ?? -Infinity) < 30_000) return;
    this.lastEventAt.set(key, now);
    svc.events.unshift({ id: randomUUID(), createdAt: now, message });
    svc.events.length = Math.min(svc.events.length, MAX_EVENTS);
    this.e.saveService(svc);
  }

  /** A new PRIMARY deployment; the previous primary becomes ACTIVE (its tasks are replaced by the rolling update). */
  newDeployment(svc: ServiceDoc, taskDefinition: string, reason = ''): DeploymentDoc {
    const now = this.e.clock.now();
    for (const d of svc.deployments) if (d.status === 'PRIMARY') moveStatus(d, 'ACTIVE');
    const prev = svc.deployments[0];
    const d: DeploymentDoc = {
      id: deploymentId(), status: 'PRIMARY', taskDefinition, desiredCount: svc.desiredCount, failedTasks: 0, createdAt: now, updatedAt: now,
      launchType: svc.launchType, platformVersion: svc.platformVersion, networkConfiguration: svc.networkConfiguration ?? prev?.networkConfiguration,
      rolloutState: 'IN_PROGRESS', rolloutStateReason: reason || 'ECS deployment in progress.',
    };
    svc.deployments.unshift(d);
    svc.taskDefinition = taskDefinition;
    svc.steady = false;
    this.e.saveService(svc);
    return d;
  }

  async reconcileAll(): Promise<void> {
    for (const svc of [...this.e.services.values()]) {
      if (svc.status === 'INACTIVE') continue;
      try {
        await this.reconcile(svc);
      } catch (err) {
        this.e.log.warn({ err, service: svc.arn }, 'service reconcile failed');
      }
    }
  }

  private tasksOf(svc: ServiceDoc): TaskDoc[] {
    return [...this.e.tasks.values()].filter((t) => t.clusterArn === svc.clusterArn && t.serviceName === svc.name);
  }

  /** Target health of the service's target groups: `${tg} ${id}:${port}` → state. */
  private async targetStates(svc: ServiceDoc): Promise<Map<string, { state: string; reason?: string }>> {
    const out = new Map<string, { state: string; reason?: string }>();
    const lb = this.e.ports.lb;
    if (!lb) return out;
    for (const l of svc.loadBalancers) {
      if (!l.targetGroupArn) continue;
      const health = await lb.targetHealth(l.targetGroupArn).catch(() => []);
      for (const h of health) out.set(`${l.targetGroupArn} ${h.id}:${h.port}`, { state: h.state, reason: h.reason });
    }
    return out;
  }

  private usesContainerHealth(t: TaskDoc): boolean {
    const td = this.e.taskDefinitions.get(t.taskDefinitionArn);
    return !!td?.containerDefinitions.some((c) => c.healthCheck && c.essential !== false);
  }

  private async reconcile(svc: ServiceDoc): Promise<void> {
    const e = this.e;
    const all = this.tasksOf(svc);
    const live = all.filter((t) => t.desiredStatus === 'RUNNING' && !isDone(t.lastStatus));
    if (svc.status === 'DRAINING') {
      for (const t of live) e.runner.stop(t, 'ServiceSchedulerInitiated', 'Service deleted');
      if (all.every((t) => isDone(t.lastStatus))) {
        svc.status = 'INACTIVE';
        for (const d of svc.deployments) moveStatus(d, 'INACTIVE');
        svc.deployments = [];
        e.saveService(svc);
      }
      return;
    }
    const primary = svc.deployments.find((d) => d.status === 'PRIMARY');
    if (!primary) return;
    const states = await this.targetStates(svc);
    const now = e.clock.now();
    const grace = svc.healthCheckGracePeriodSeconds * 1000;
    const lbState = (t: TaskDoc) => {
      if (!svc.loadBalancers.some((l) => l.targetGroupArn)) return 'healthy';
      if (!t.registrations.length) return 'unregistered';
      const st = t.registrations.map((r) => states.get(`${r.targetGroupArn} ${r.id}:${r.port}`)?.state ?? 'initial');
      return st.every((x) => x === 'healthy') ? 'healthy' : st.some((x) => x === 'unhealthy') ? 'unhealthy' : 'initial';
    };
    const healthy = (t: TaskDoc) => t.lastStatus === 'RUNNING' && t.healthStatus !== 'UNHEALTHY'
      && (!this.usesContainerHealth(t) || t.healthStatus === 'HEALTHY') && lbState(t) === 'healthy';

    this.countFailures(svc, all);
    // Health enforcement: replace tasks failing their checks once the grace period is over.
    for (const t of [...live]) {
      if (t.lastStatus !== 'RUNNING') continue;
      const inGrace = now - (t.startedAt ?? now) < grace;
      let why: string | undefined;
      if (t.healthStatus === 'UNHEALTHY' && !inGrace) why = 'Task failed container health checks';
      else if (!inGrace && lbState(t) === 'unhealthy') {
        const r = t.registrations.find((x) => states.get(`${x.targetGroupArn} ${x.id}:${x.port}`)?.state === 'unhealthy');
        why = `Task failed ELB health checks in (target-group ${r?.targetGroupArn})`;
      }
      if (!why) continue;
      this.event(svc, `(service ${svc.name}) (task ${t.id}) failed ${why.startsWith('Task failed ELB') ? 'ELB' : 'container'} health checks.`);
      e.runner.stop(t, 'ServiceSchedulerInitiated', why);
      this.recordFailure(svc, t);
      live.splice(live.indexOf(t), 1);
    }

    this.circuitBreaker(svc);
    const current = svc.deployments.find((d) => d.status === 'PRIMARY')!;
    const primaryTasks = live.filter((t) => t.deploymentId === current.id);
    const oldTasks = live.filter((t) => t.deploymentId !== current.id);
    const N = svc.desiredCount;

    if (svc.schedulingStrategy === 'DAEMON') {
      this.reconcileDaemon(svc, current, primaryTasks, oldTasks);
    } else {
      const { maximumPercent, minimumHealthyPercent } = svc.deploymentConfiguration;
      const maxTotal = Math.floor((N * maximumPercent) / 100);
      const minHealthy = Math.ceil((N * minimumHealthyPercent) / 100);
      const need = N - primaryTasks.length;
      if (need > 0 && current.rolloutState !== 'FAILED') {
        const room = oldTasks.length ? maxTotal - live.length : need;
        const n = Math.min(need, Math.max(0, room));
        if (n > 0) this.launch(svc, current, n);
      }
      // Older deployments: not-yet-healthy tasks go first, healthy ones only above the minimum healthy count.
      let spare = live.filter(healthy).length - minHealthy;
      const ordered = [...oldTasks].sort((a, b) => Number(healthy(a)) - Number(healthy(b)));
      const stopped: TaskDoc[] = [];
      for (const t of ordered) {
        if (healthy(t)) {
          if (spare <= 0) continue;
          spare--;
        }
        e.runner.stop(t, 'ServiceSchedulerInitiated', `Scaling activity initiated by (deployment ${current.id})`);
        stopped.push(t);
      }
      // Scale-in of the primary: not-yet-healthy first, then the zone with the most tasks.
      const excess = primaryTasks.length - N;
      if (excess > 0) {
        const byZone = (az?: string) => primaryTasks.filter((x) => x.availabilityZone === az).length;
        const victims = [...primaryTasks].sort((a, b) => Number(healthy(a)) - Number(healthy(b)) || byZone(b.availabilityZone) - byZone(a.availabilityZone)).slice(0, excess);
        for (const t of victims) e.runner.stop(t, 'ServiceSchedulerInitiated', 'Scaling activity initiated by (service ' + svc.name + ')');
        stopped.push(...victims);
      }
      if (stopped.length) this.event(svc, `(service ${svc.name}) has stopped ${stopped.length} running tasks: ${stopped.map((t) => `(task ${t.id})`).join(' ')}.`);
    }

    // Deployment bookkeeping: completion, retired deployments, steady state.
    const stillLive = this.tasksOf(svc).filter((t) => !isDone(t.lastStatus));
    const primaryHealthy = stillLive.filter((t) => t.deploymentId === current.id && t.desiredStatus === 'RUNNING' && healthy(t)).length;
    const others = stillLive.filter((t) => t.deploymentId !== current.id);
    const target = svc.schedulingStrategy === 'DAEMON' ? primaryTasks.length : N;
    if (current.rolloutState === 'IN_PROGRESS' && !others.length && primaryHealthy === target && primaryTasks.length === target) {
      moveRollout(current, 'COMPLETED', 'ECS deployment ' + current.id + ' completed.');
      current.updatedAt = now;
      svc.lastCompletedTaskDefinition = current.taskDefinition;
      this.event(svc, `(service ${svc.name}) (deployment ${current.id}) deployment completed.`);
    }
    const before = svc.deployments.length;
    svc.deployments = svc.deployments.filter((d) => {
      if (d.status === 'PRIMARY') return true;
      const has = stillLive.some((t) => t.deploymentId === d.id);
      if (!has) moveStatus(d, 'INACTIVE');
      return has;
    });
    const settled = current.rolloutState !== 'IN_PROGRESS' && !others.length && stillLive.every((t) => t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING') && primaryHealthy === target;
    if (settled && !svc.steady) {
      svc.steady = true;
      this.event(svc, `(service ${svc.name}) has reached a steady state.`);
    } else if (!settled && svc.steady) {
      svc.steady = false;
      e.saveService(svc);
    } else if (before !== svc.deployments.length) e.saveService(svc);
  }

  private reconcileDaemon(svc: ServiceDoc, current: DeploymentDoc, primaryTasks: TaskDoc[], oldTasks: TaskDoc[]): void {
    const e = this.e;
    const cluster = e.clusters.get(svc.clusterArn);
    if (!cluster) return;
    // Old tasks go first (AWS: DAEMON deployments stop before they start, minimumHealthyPercent 0).
    for (const t of oldTasks) e.runner.stop(t, 'ServiceSchedulerInitiated', `Scaling activity initiated by (deployment ${current.id})`);
    const instances = [...e.containerInstances.values()].filter((c) => c.clusterArn === svc.clusterArn && c.status === 'ACTIVE' && c.agentConnected);
    const busy = new Set([...primaryTasks, ...oldTasks].map((t) => t.containerInstanceArn));
    const free = instances.filter((c) => !busy.has(c.arn));
    if (!free.length || current.rolloutState === 'FAILED') return;
    const td = e.taskDefinitions.get(current.taskDefinition);
    if (!td) return;
    try {
      const r = launchTasks(e, svc, {
        cluster, taskDefinition: td, count: free.length, launchType: 'EC2', containerInstances: free, serviceName: svc.name, deploymentId: current.id,
        networkConfiguration: current.networkConfiguration, tags: this.propagatedTags(svc, td), startedBy: `ecs-svc/${svc.name}`.slice(0, 36),
      });
      if (r.tasks.length) this.event(svc, `(service ${svc.name}) has started ${r.tasks.length} tasks: ${r.tasks.map((t) => `(task ${t.id})`).join(' ')}.`);
    } catch (err) {
      this.event(svc, `(service ${svc.name}) was unable to place a task. Reason: ${(err as Error).message}`, { dedupe: true });
    }
  }

  private launch(svc: ServiceDoc, d: DeploymentDoc, n: number): void {
    const e = this.e;
    const cluster = e.clusters.get(svc.clusterArn);
    const td = e.taskDefinitions.get(d.taskDefinition);
    if (!cluster || !td) return;
    const started: TaskDoc[] = [];
    let failure: string | undefined;
    for (let left = n; left > 0; left -= 10) {
      try {
        const r = launchTasks(e, svc, {
          cluster, taskDefinition: td, count: Math.min(10, left), launchType: d.launchType, platformVersion: d.platformVersion, serviceName: svc.name,
          deploymentId: d.id, networkConfiguration: d.networkConfiguration, placementConstraints: svc.placementConstraints, placementStrategy: svc.placementStrategy,
          tags: this.propagatedTags(svc, td), startedBy: d.id,
        });
        started.push(...r.tasks);
        if (r.failures.length) failure = r.failures.map((f) => `${f.reason}${f.arn?.includes('container-instance') ? ` (container-instance ${lastPart(f.arn)})` : ''}`).join(', ');
      } catch (err) {
        failure = (err as Error).message;
      }
      if (failure) break;
    }
    if (started.length) this.event(svc, `(service ${svc.name}) has started ${started.length} tasks: ${started.map((t) => `(task ${t.id})`).join(' ')}.`);
    if (failure) {
      this.event(svc, `(service ${svc.name}) was unable to place a task because no container instance met all of its requirements. Reason: ${failure}.`, { dedupe: true });
    }
  }

  private propagatedTags(svc: ServiceDoc, td: { tags: Array<{ key: string; value: string }> }): Array<{ key: string; value: string }> {
    const managed = svc.enableECSManagedTags ? [{ key: 'aws:ecs:serviceName', value: svc.name }, { key: 'aws:ecs:clusterName', value: lastPart(svc.clusterArn) }] : [];
    if (svc.propagateTags === 'SERVICE') return [...svc.tags, ...managed];
    if (svc.propagateTags === 'TASK_DEFINITION') return [...td.tags, ...managed];
    return managed;
  }

  /** Tasks of a deployment that failed (to start, or an essential container exited) count toward its circuit breaker. */
  private countFailures(svc: ServiceDoc, all: TaskDoc[]): void {
    for (const d of svc.deployments) {
      const counted = new Set(d.failedTaskArns ?? []);
      for (const t of all) {
        if (t.deploymentId !== d.id || counted.has(t.arn) || !isDone(t.lastStatus)) continue;
        if (t.stopCode !== 'TaskFailedToStart' && t.stopCode !== 'EssentialContainerExited') continue;
        counted.add(t.arn);
        d.failedTasks++;
        if (t.stoppedReason) this.event(svc, `(service ${svc.name}) (task ${t.id}) stopped: ${t.stoppedReason}`, { dedupe: true });
      }
      d.failedTaskArns = [...counted].slice(-500);
    }
  }

  private recordFailure(svc: ServiceDoc, t: TaskDoc): void {
    const d = svc.deployments.find((x) => x.id === t.deploymentId);
    if (!d) return;
    d.failedTaskArns = [...(d.failedTaskArns ?? []), t.arn].slice(-500);
    d.failedTasks++;
    this.e.saveService(svc);
  }

  private circuitBreaker(svc: ServiceDoc): void {
    const cb = svc.deploymentConfiguration.deploymentCircuitBreaker;
    const d = svc.deployments.find((x) => x.status === 'PRIMARY');
    if (!cb.enable || !d || d.rolloutState !== 'IN_PROGRESS') return;
    if (d.failedTasks < circuitBreakerThreshold(svc.desiredCount)) return;
    moveRollout(d, 'FAILED', 'ECS deployment circuit breaker: tasks failed to start.');
    d.updatedAt = this.e.clock.now();
    this.event(svc, `(service ${svc.name}) (deployment ${d.id}) deployment failed: tasks failed to start.`);
    const target = svc.lastCompletedTaskDefinition;
    if (cb.rollback && target && target !== d.taskDefinition) {
      const r = this.newDeployment(svc, target, `ECS deployment circuit breaker: rolling back to task definition ${target}.`);
      // AWS: the rollback is a new deployment of the last completed task definition. Here too, and tasks still running
      // that task definition join it instead of being replaced, because replacing them would only churn healthy tasks.
      for (const t of this.tasksOf(svc)) {
        if (t.desiredStatus !== 'RUNNING' || isDone(t.lastStatus) || t.taskDefinitionArn !== target || t.deploymentId === r.id) continue;
        t.deploymentId = r.id;
        this.e.saveTask(t);
      }
      this.event(svc, `(service ${svc.name}) rolling back to deployment ${r.id} (task definition ${target}).`);
    } else this.e.saveService(svc);
  }
}
