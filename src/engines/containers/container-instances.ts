import { randomBytes } from 'node:crypto';
import { clusterNameOf, containerInstanceArn } from './arns.ts';
import type { ContainerEngine } from './engine.ts';
import { ClusterNotFoundException, InvalidParameterException } from './errors.ts';
import type { Candidate } from './placement.ts';
import type { InstanceView } from './ports.ts';
import { isDone } from './task-state.ts';
import type { ClusterDoc, ContainerInstanceDoc, Scope, TaskDoc } from './types.ts';

// EC2 instances as ECS container instances. On AWS the ECS agent inside the instance registers it with the cluster
// named by ECS_CLUSTER in /etc/ecs/ecs.config (usually written by user data). Here Nimbus plays the agent: a running
// instance whose user data sets ECS_CLUSTER=<name> is registered when that cluster exists; RegisterContainerInstance
// with the instance identity document (from IMDS) works too. The container instance follows its EC2 instance:
// stopped → agent disconnected; terminated → INACTIVE and its tasks stopped.

/** Ports the ECS agent reserves on every container instance (SSH, Docker, the agent's introspection). */
export const RESERVED_PORTS = [22, 2375, 2376, 51678, 51679];
const AGENT_VERSION = '1.89.0';

export function ecsClusterFromUserData(userData: string | undefined): string | undefined {
  if (!userData) return undefined;
  let text = userData;
  if (/^[A-Za-z0-9+/=\s]+$/.test(text) && !text.includes('ECS_CLUSTER')) {
    try {
      text = Buffer.from(text, 'base64').toString('utf8');
    } catch {
      /* not base64 */
    }
  }
  return /ECS_CLUSTER=["']?([A-Za-z0-9_-]{1,255})/.exec(text)?.[1];
}

export class ContainerInstances {
  constructor(private e: ContainerEngine) {}

  /** Registers an EC2 instance with a cluster (RegisterContainerInstance or the agent emulation). */
  register(s: Scope, cluster: ClusterDoc, inst: InstanceView, opts: { attributes?: Array<{ name: string; value?: string }>; tags?: Array<{ key: string; value: string }> } = {}): ContainerInstanceDoc {
    if (inst.account !== s.account || inst.region !== s.region) throw new InvalidParameterException(`Instance ${inst.id} is not in this account and region.`);
    const existing = [...this.e.containerInstances.values()].find((c) => c.ec2InstanceId === inst.id && c.status !== 'INACTIVE');
    if (existing) {
      if (existing.clusterArn !== cluster.arn) throw new InvalidParameterException(`Instance ${inst.id} is already registered with cluster ${clusterNameOf(existing.clusterArn)}.`);
      return existing;
    }
    const id = randomBytes(16).toString('hex');
    const doc: ContainerInstanceDoc = {
      arn: containerInstanceArn(s, cluster.name, id), id, account: s.account, region: s.region, clusterArn: cluster.arn, ec2InstanceId: inst.id,
      status: 'ACTIVE', agentConnected: inst.state === 'running', registeredCpu: inst.vcpus * 1024, registeredMemory: inst.memoryMiB,
      reservedPorts: [...RESERVED_PORTS], registeredAt: this.e.clock.now(), version: 1, tags: opts.tags ?? [], availabilityZone: inst.az, instanceType: inst.instanceType,
      attributes: [
        { name: 'ecs.instance-type', value: inst.instanceType }, { name: 'ecs.availability-zone', value: inst.az }, { name: 'ecs.os-type', value: 'linux' },
        { name: 'ecs.os-family', value: 'LINUX' }, { name: 'ecs.cpu-architecture', value: 'x86_64' }, { name: 'ecs.subnet-id', value: inst.subnetId },
        { name: 'ecs.capability.task-eni' }, { name: 'ecs.capability.container-health-check' }, { name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' },
        { name: 'com.amazonaws.ecs.capability.docker-remote-api.1.44' }, { name: 'ecs.capability.container-ordering' },
        ...(opts.attributes ?? []),
      ],
    };
    this.e.saveContainerInstance(doc);
    this.e.kick();
    return doc;
  }

  agentVersion(): string {
    return AGENT_VERSION;
  }

  /** The agent emulation and instance-state following, once per engine tick. */
  reconcile(): void {
    const port = this.e.ports.instances;
    if (!port) return;
    const views = new Map(port.list().map((v) => [v.id, v]));
    for (const v of views.values()) {
      if (v.state !== 'running') continue;
      const name = ecsClusterFromUserData(v.userData);
      if (!name) continue;
      if ([...this.e.containerInstances.values()].some((c) => c.ec2InstanceId === v.id && c.status !== 'INACTIVE')) continue;
      let cluster: ClusterDoc;
      try {
        cluster = this.e.cluster(v, name);
      } catch (err) {
        if (err instanceof ClusterNotFoundException) continue; // the agent keeps retrying until the cluster exists
        throw err;
      }
      this.register(v, cluster, v);
    }
    for (const ci of this.e.containerInstances.values()) {
      if (ci.status === 'INACTIVE') continue;
      const v = views.get(ci.ec2InstanceId) ?? port.instance(ci.ec2InstanceId);
      const gone = !v || v.state === 'terminated' || v.state === 'shutting-down';
      if (gone) {
        this.deregister(ci, `Host EC2 (instance ${ci.ec2InstanceId}) terminated.`);
        continue;
      }
      const connected = v.state === 'running';
      if (connected !== ci.agentConnected) {
        ci.agentConnected = connected;
        ci.version++;
        this.e.saveContainerInstance(ci);
        if (!connected) for (const t of this.tasksOn(ci)) this.e.runner.stop(t, 'TerminationNotice', `Host EC2 (instance ${ci.ec2InstanceId}) stopped.`);
      }
    }
  }

  /** DeregisterContainerInstance / instance terminated: INACTIVE, tasks on it stopped. */
  deregister(ci: ContainerInstanceDoc, taskReason = 'Task stopped because the container instance was deregistered.'): void {
    ci.status = 'INACTIVE';
    ci.agentConnected = false;
    ci.version++;
    this.e.saveContainerInstance(ci);
    for (const t of this.tasksOn(ci)) this.e.runner.stop(t, 'TerminationNotice', taskReason);
    this.e.kick();
  }

  tasksOn(ci: ContainerInstanceDoc): TaskDoc[] {
    return [...this.e.tasks.values()].filter((t) => t.containerInstanceArn === ci.arn && !isDone(t.lastStatus));
  }

  /** CPU units and memory MiB a task reserves on its instance (task-level sizes, else the sum of its containers'). */
  static reservation(t: Pick<TaskDoc, 'cpu' | 'memory'>): { cpu: number; memory: number } {
    return { cpu: Number(t.cpu) || 0, memory: Number(t.memory) || 0 };
  }

  remaining(ci: ContainerInstanceDoc): { cpu: number; memory: number; ports: Set<number> } {
    let cpu = ci.registeredCpu;
    let memory = ci.registeredMemory;
    const ports = new Set(ci.reservedPorts);
    for (const t of this.tasksOn(ci)) {
      const r = ContainerInstances.reservation(t);
      cpu -= r.cpu;
      memory -= r.memory;
      for (const c of t.containers) for (const b of c.networkBindings) ports.add(b.hostPort);
    }
    return { cpu, memory, ports };
  }

  /** Placement candidates of a cluster; `group` counts tasks of the same group per instance. */
  candidates(cluster: ClusterDoc, group: string, extra: TaskDoc[] = []): Candidate[] {
    const out: Candidate[] = [];
    for (const ci of this.e.containerInstances.values()) {
      if (ci.clusterArn !== cluster.arn || ci.status !== 'ACTIVE') continue;
      const r = this.remaining(ci);
      for (const t of extra.filter((x) => x.containerInstanceArn === ci.arn)) {
        r.cpu -= Number(t.cpu) || 0;
        r.memory -= Number(t.memory) || 0;
        for (const c of t.containers) for (const b of c.networkBindings) r.ports.add(b.hostPort);
      }
      const onIt = [...this.tasksOn(ci), ...extra.filter((x) => x.containerInstanceArn === ci.arn)];
      out.push({
        arn: ci.arn, ec2InstanceId: ci.ec2InstanceId, remainingCpu: r.cpu, remainingMemory: r.memory, usedPorts: r.ports, agentConnected: ci.agentConnected,
        // Spread and distinctInstance count the group's tasks that are to keep running (stopping ones do not).
        attributes: Object.fromEntries(ci.attributes.map((a) => [a.name, a.value ?? ''])), groupTasks: onIt.filter((t) => t.group === group && t.desiredStatus === 'RUNNING').length,
      });
    }
    return out;
  }
}
