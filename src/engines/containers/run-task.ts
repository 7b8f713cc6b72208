import { containerArn, newTaskId, taskArn } from './arns.ts';
import type { ContainerEngine } from './engine.ts';
import { InvalidParameterException } from './errors.ts';
import { allocateTaskIp, newEni } from './network.ts';
import { place, type Rule } from './placement.ts';
import type { SubnetView } from './ports.ts';
import { isDone } from './task-state.ts';
import type { ClusterDoc, ContainerInstanceDoc, NetworkConfigurationDoc, Scope, Tag, TaskDefinitionDoc, TaskDoc } from './types.ts';

// RunTask / StartTask / the service scheduler: validates the launch against the task definition, places EC2 tasks on
// container instances, gives awsvpc tasks an ENI (a private IP of one of their subnets), creates the task documents
// and hands them to the task runner.

export interface LaunchRequest {
  cluster: ClusterDoc;
  taskDefinition: TaskDefinitionDoc;
  count: number;
  launchType: 'FARGATE' | 'EC2';
  platformVersion?: string;
  group?: string;
  startedBy?: string;
  networkConfiguration?: NetworkConfigurationDoc;
  overrides?: { containerOverrides?: Array<{ name?: string; command?: string[]; environment?: Array<{ name?: string; value?: string }>; cpu?: number; memory?: number }>; cpu?: string; memory?: string; [k: string]: unknown };
  placementConstraints?: Rule[];
  placementStrategy?: Rule[];
  /** StartTask: exactly these container instances (one task each). */
  containerInstances?: ContainerInstanceDoc[];
  tags?: Tag[];
  serviceName?: string;
  deploymentId?: string;
  enableExecuteCommand?: boolean;
}

export interface LaunchResult {
  tasks: TaskDoc[];
  failures: Array<{ arn?: string; reason: string; detail?: string }>;
}

/** Task-level CPU units and memory MiB: overrides, else the task definition, else (EC2) the sum of the containers'. */
export function taskSize(td: TaskDefinitionDoc, overrides: LaunchRequest['overrides']): { cpu: string; memory: string } {
  const cpu = overrides?.cpu ?? td.cpu ?? String(td.containerDefinitions.reduce((n, c) => n + (c.cpu ?? 0), 0) || 0);
  const memory = overrides?.memory ?? td.memory ?? String(td.containerDefinitions.reduce((n, c) => n + (c.memory ?? c.memoryReservation ?? 0), 0));
  return { cpu, memory };
}

function validate(e: ContainerEngine, s: Scope, r: LaunchRequest): { subnets: SubnetView[]; groups: string[] } {
  const td = r.taskDefinition;
  if (!td.compatibilities.includes(r.launchType)) throw new InvalidParameterException(`Task definition does not support launch_type ${r.launchType}.`);
  if (!Number.isInteger(r.count) || r.count < 1 || r.count > 10) throw new InvalidParameterException('count must be between 1 and 10.');
  const awsvpc = td.networkMode === 'awsvpc';
  const vpc = r.networkConfiguration?.awsvpcConfiguration;
  if (awsvpc && !vpc) throw new InvalidParameterException("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  if (!awsvpc && vpc) throw new InvalidParameterException('Network Configuration is not valid for the given networkMode of this task definition.');
  if (!awsvpc) return { subnets: [], groups: [] };
  const net = e.ports.network;
  if (!vpc!.subnets?.length) throw new InvalidParameterException('subnets can not be empty.');
  if (vpc!.subnets.length > 16) throw new InvalidParameterException('subnets can have at most 16 items.');
  if ((vpc!.securityGroups?.length ?? 0) > 5) throw new InvalidParameterException('securityGroups can have at most 5 items.');
  const subnets = vpc!.subnets.map((id) => {
    const sub = net?.subnet(s, id);
    if (!sub) throw new InvalidParameterException(`Error retrieving subnet information for [${id}]: The subnet ID '${id}' does not exist (ErrorCode: InvalidSubnetID.NotFound)`);
    return sub;
  });
  if (new Set(subnets.map((x) => x.vpcId)).size > 1) throw new InvalidParameterException('The subnets must all belong to the same VPC.');
  for (const g of vpc!.securityGroups ?? []) {
    if (net && !net.securityGroupExists(s, g)) throw new InvalidParameterException(`Error retrieving security group information for [${g}]: The security group '${g}' does not exist (ErrorCode: InvalidGroup.NotFound)`);
  }
  let groups = vpc!.securityGroups ?? [];
  // AWS: without security groups the task gets the VPC's default group.
  if (!groups.length && net) groups = [net.defaultSecurityGroup(s, subnets[0]!.vpcId)].filter((x): x is string => !!x);
  return { subnets, groups };
}

export function launchTasks(e: ContainerEngine, s: Scope, r: LaunchRequest): LaunchResult {
  const td = r.taskDefinition;
  const { subnets, groups } = validate(e, s, r);
  const size = taskSize(td, r.overrides);
  const group = r.group ?? (r.serviceName ? `service:${r.serviceName}` : `family:${td.family}`);
  const out: LaunchResult = { tasks: [], failures: [] };
  const awsvpc = td.networkMode === 'awsvpc';
  const usedIps = new Set([...(e.ports.network?.usedIps() ?? []), ...e.runner.usedTaskIps()]);
  const hostPorts = awsvpc ? [] : td.containerDefinitions.flatMap((c) => c.portMappings.map((p) => p.hostPort || p.containerPort));

  if (r.launchType === 'EC2' && !r.containerInstances && !e.instances.candidates(r.cluster, group).length) {
    throw new InvalidParameterException('No Container Instances were found in your cluster.');
  }
  const count = r.containerInstances ? r.containerInstances.length : r.count;
  for (let i = 0; i < count; i++) {
    let ci: ContainerInstanceDoc | undefined;
    if (r.launchType === 'EC2') {
      if (r.containerInstances) {
        ci = r.containerInstances[i]!;
      } else {
        const need = { cpu: Number(size.cpu) || 0, memory: Number(size.memory) || 0, ports: hostPorts };
        const candidates = e.instances.candidates(r.cluster, group, out.tasks);
        const countByValue = (field: string, value: string) => candidates.filter((c) => (field.startsWith('attribute:') ? c.attributes[field.slice(10)] : c.ec2InstanceId) === value).reduce((n, c) => n + c.groupTasks, 0);
        const constraints = [...(td.placementConstraints ?? []), ...(r.placementConstraints ?? [])];
        const placed = place(candidates, need, constraints, r.placementStrategy ?? [], countByValue);
        if (!placed.ok) {
          out.failures.push(...(placed.failures.length ? placed.failures : [{ arn: r.cluster.arn, reason: 'No Container Instances were found in your cluster.' }]));
          continue;
        }
        ci = e.containerInstances.get(placed.arn)!;
      }
    }
    let subnet: SubnetView | undefined;
    if (awsvpc) {
      // Spread over the subnets' zones: the zone with the fewest live tasks of the group (on EC2: the instance's zone).
      const zoneCount = (az: string) => [...e.tasks.values(), ...out.tasks].filter((t) => t.group === group && t.clusterArn === r.cluster.arn && !isDone(t.lastStatus) && t.availabilityZone === az).length;
      const eligible = ci ? subnets.filter((x) => x.az === ci!.availabilityZone) : subnets;
      if (!eligible.length) {
        out.failures.push({ arn: ci?.arn, reason: 'No subnet of the network configuration is in the container instance\'s Availability Zone.' });
        continue;
      }
      subnet = [...eligible].sort((a, b) => zoneCount(a.az) - zoneCount(b.az))[0]!;
    }
    const id = newTaskId();
    const arn = taskArn(s, r.cluster.name, id);
    const now = e.clock.now();
    let eni;
    if (subnet) {
      const ip = allocateTaskIp(subnet, usedIps);
      if (!ip) {
        out.failures.push({ arn, reason: `There are not enough free addresses in subnet '${subnet.id}'` });
        continue;
      }
      usedIps.add(ip);
      eni = newEni(subnet, ip);
    }
    const task: TaskDoc = {
      arn, id, account: s.account, region: s.region, clusterArn: r.cluster.arn, taskDefinitionArn: td.arn, launchType: r.launchType,
      platformVersion: r.launchType === 'FARGATE' ? (r.platformVersion && r.platformVersion !== 'LATEST' ? r.platformVersion : '1.4.0') : undefined,
      lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING', group, startedBy: r.startedBy, serviceName: r.serviceName, deploymentId: r.deploymentId,
      containerInstanceArn: ci?.arn, ec2InstanceId: ci?.ec2InstanceId, availabilityZone: subnet?.az ?? ci?.availabilityZone,
      cpu: size.cpu, memory: size.memory, overrides: { containerOverrides: r.overrides?.containerOverrides ?? [], ...r.overrides },
      containers: td.containerDefinitions.map((c) => ({
        name: c.name, containerArn: containerArn(s, r.cluster.name, id), image: c.image, lastStatus: 'PENDING' as const,
        healthStatus: c.healthCheck ? ('UNKNOWN' as const) : undefined,
        // AWS: bridge mode maps hostPort (0 = an ephemeral port) to the container through Docker's bridge. Here: the
        // task shares its instance's network namespace, so the host port is the container port, because there is no
        // Docker bridge inside a Nimbus instance.
        networkBindings: awsvpc ? [] : c.portMappings.map((p) => ({ bindIP: '0.0.0.0', containerPort: p.containerPort, hostPort: p.hostPort || p.containerPort, protocol: p.protocol })),
        cpu: String(c.cpu ?? 0), memory: c.memory !== undefined ? String(c.memory) : undefined, memoryReservation: c.memoryReservation !== undefined ? String(c.memoryReservation) : undefined,
      })),
      eni, healthStatus: 'UNKNOWN', createdAt: now, tags: r.tags ?? [], version: 0, registrations: [], securityGroups: awsvpc ? groups : undefined,
      enableExecuteCommand: r.enableExecuteCommand,
    };
    out.tasks.push(task);
  }
  for (const t of out.tasks) e.runner.launch(t);
  return out;
}
