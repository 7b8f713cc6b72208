import type { ContainerEngine } from '../../engines/containers/engine.ts';
import { privateDnsName } from '../../engines/containers/network.ts';
import { isDone, isStarting } from '../../engines/containers/task-state.ts';
import type { ClusterDoc, ContainerDefinitionDoc, ContainerInstanceDoc, ServiceDoc, TaskDefinitionDoc, TaskDoc } from '../../engines/containers/types.ts';
import type * as S from './generated/shapes.ts';

// Engine documents → ECS API shapes.

const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));

export function clusterShape(e: ContainerEngine, c: ClusterDoc, include: string[] = []): S.Cluster {
  const tasks = e.tasksOf(c.arn).filter((t) => !isDone(t.lastStatus));
  const instances = [...e.containerInstances.values()].filter((i) => i.clusterArn === c.arn && i.status !== 'INACTIVE');
  return {
    clusterArn: c.arn, clusterName: c.name, status: c.status,
    registeredContainerInstancesCount: instances.length,
    runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingTasksCount: tasks.filter((t) => isStarting(t.lastStatus)).length,
    activeServicesCount: e.servicesOf(c.arn).filter((s) => s.status === 'ACTIVE').length,
    statistics: include.includes('STATISTICS') ? [
      { name: 'runningFargateTasksCount', value: String(tasks.filter((t) => t.launchType === 'FARGATE' && t.lastStatus === 'RUNNING').length) },
      { name: 'runningEC2TasksCount', value: String(tasks.filter((t) => t.launchType === 'EC2' && t.lastStatus === 'RUNNING').length) },
      { name: 'activeFargateServiceCount', value: String(e.servicesOf(c.arn).filter((s) => s.launchType === 'FARGATE').length) },
      { name: 'activeEC2ServiceCount', value: String(e.servicesOf(c.arn).filter((s) => s.launchType === 'EC2').length) },
    ] : [],
    tags: include.includes('TAGS') ? c.tags : undefined,
    settings: c.settings.map((x) => ({ name: x.name as S.ClusterSettingName, value: x.value })),
    capacityProviders: [], defaultCapacityProviderStrategy: [],
  };
}

export function containerDefinitionShape(c: ContainerDefinitionDoc): S.ContainerDefinition {
  return {
    ...(c.extra ?? {}),
    name: c.name, image: c.image, cpu: c.cpu ?? 0, memory: c.memory, memoryReservation: c.memoryReservation,
    portMappings: c.portMappings.map((p) => ({ ...p, protocol: p.protocol as S.TransportProtocol, appProtocol: p.appProtocol as S.ApplicationProtocol | undefined })),
    essential: c.essential, entryPoint: c.entryPoint, command: c.command, environment: c.environment, mountPoints: c.mountPoints, volumesFrom: c.volumesFrom,
    dependsOn: c.dependsOn, startTimeout: c.startTimeout, stopTimeout: c.stopTimeout, user: c.user, workingDirectory: c.workingDirectory,
    readonlyRootFilesystem: c.readonlyRootFilesystem, privileged: c.privileged, linuxParameters: c.linuxParameters, hostname: c.hostname, dockerLabels: c.dockerLabels,
    logConfiguration: c.logConfiguration as S.LogConfiguration | undefined, healthCheck: c.healthCheck, systemControls: [],
  } as S.ContainerDefinition;
}

export function taskDefinitionShape(t: TaskDefinitionDoc): S.TaskDefinition {
  return {
    ...(t.extra ?? {}),
    taskDefinitionArn: t.arn, family: t.family, revision: t.revision, status: t.status, networkMode: t.networkMode,
    containerDefinitions: t.containerDefinitions.map(containerDefinitionShape), volumes: t.volumes, taskRoleArn: t.taskRoleArn, executionRoleArn: t.executionRoleArn,
    placementConstraints: t.placementConstraints as S.TaskDefinitionPlacementConstraint[], compatibilities: t.compatibilities as S.Compatibility[],
    requiresCompatibilities: t.requiresCompatibilities as S.Compatibility[], cpu: t.cpu, memory: t.memory, runtimePlatform: t.runtimePlatform as S.RuntimePlatform | undefined,
    requiresAttributes: requiresAttributes(t), registeredAt: date(t.registeredAt), deregisteredAt: date(t.deregisteredAt), deleteRequestedAt: date(t.deleteRequestedAt),
    registeredBy: `arn:aws:iam::${t.account}:root`,
  } as S.TaskDefinition;
}

function requiresAttributes(t: TaskDefinitionDoc): S.Attribute[] {
  const out: S.Attribute[] = [];
  if (t.networkMode === 'awsvpc') out.push({ name: 'ecs.capability.task-eni' });
  if (t.containerDefinitions.some((c) => c.healthCheck)) out.push({ name: 'ecs.capability.container-health-check' });
  if (t.containerDefinitions.some((c) => c.logConfiguration?.logDriver === 'awslogs')) out.push({ name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' });
  if (t.containerDefinitions.some((c) => c.dependsOn?.length)) out.push({ name: 'ecs.capability.container-ordering' });
  return out;
}

export function taskShape(t: TaskDoc, include: string[] = []): S.Task {
  const eni = t.eni;
  return {
    taskArn: t.arn, clusterArn: t.clusterArn, taskDefinitionArn: t.taskDefinitionArn, containerInstanceArn: t.containerInstanceArn,
    launchType: t.launchType, platformVersion: t.platformVersion, platformFamily: t.launchType === 'FARGATE' ? 'Linux' : undefined,
    lastStatus: t.lastStatus, desiredStatus: t.desiredStatus, group: t.group, startedBy: t.startedBy, availabilityZone: t.availabilityZone,
    cpu: t.cpu, memory: t.memory, overrides: { containerOverrides: [], inferenceAcceleratorOverrides: [], ...t.overrides } as S.TaskOverride,
    healthStatus: t.healthStatus, connectivity: t.connectivity, connectivityAt: date(t.connectivityAt),
    createdAt: date(t.createdAt), pullStartedAt: date(t.pullStartedAt), pullStoppedAt: date(t.pullStoppedAt), startedAt: date(t.startedAt),
    stoppingAt: date(t.stoppingAt), stoppedAt: date(t.stoppedAt), executionStoppedAt: date(t.executionStoppedAt),
    stopCode: t.stopCode, stoppedReason: t.stoppedReason, version: t.version, tags: include.includes('TAGS') ? t.tags : undefined,
    enableExecuteCommand: t.enableExecuteCommand ?? false,
    ephemeralStorage: t.launchType === 'FARGATE' ? { sizeInGiB: 20 } : undefined,
    attachments: eni ? [{
      id: eni.attachmentId, type: 'ElasticNetworkInterface', status: eni.status,
      details: [
        { name: 'subnetId', value: eni.subnetId }, { name: 'networkInterfaceId', value: eni.eniId }, { name: 'macAddress', value: eni.mac },
        { name: 'privateDnsName', value: privateDnsName(eni.ip, t.region) }, { name: 'privateIPv4Address', value: eni.ip },
      ],
    }] : [],
    attributes: [{ name: 'ecs.cpu-architecture', value: 'x86_64' }],
    containers: t.containers.map((c) => ({
      containerArn: c.containerArn, taskArn: t.arn, name: c.name, image: c.image, imageDigest: c.imageDigest, runtimeId: c.runtimeId,
      lastStatus: c.lastStatus, exitCode: c.exitCode, reason: c.reason, healthStatus: c.healthStatus,
      networkBindings: c.networkBindings.map((b) => ({ ...b, protocol: b.protocol as S.TransportProtocol })),
      networkInterfaces: eni ? [{ attachmentId: eni.attachmentId, privateIpv4Address: eni.ip }] : [],
      cpu: c.cpu, memory: c.memory, memoryReservation: c.memoryReservation,
    })),
  };
}

export function serviceShape(e: ContainerEngine, s: ServiceDoc, include: string[] = []): S.Service {
  const tasks = [...e.tasks.values()].filter((t) => t.clusterArn === s.clusterArn && t.serviceName === s.name && t.desiredStatus === 'RUNNING');
  const count = (pred: (t: TaskDoc) => boolean, d?: string) => tasks.filter((t) => (!d || t.deploymentId === d) && pred(t)).length;
  const running = (t: TaskDoc) => t.lastStatus === 'RUNNING';
  const pending = (t: TaskDoc) => isStarting(t.lastStatus);
  return {
    serviceArn: s.arn, serviceName: s.name, clusterArn: s.clusterArn, status: s.status, desiredCount: s.desiredCount,
    runningCount: count(running), pendingCount: count(pending), launchType: s.launchType, platformVersion: s.platformVersion,
    platformFamily: s.launchType === 'FARGATE' ? 'Linux' : undefined, taskDefinition: s.taskDefinition, loadBalancers: s.loadBalancers, serviceRegistries: [],
    deploymentConfiguration: {
      ...(s.deploymentConfiguration.extra ?? {}), maximumPercent: s.deploymentConfiguration.maximumPercent, minimumHealthyPercent: s.deploymentConfiguration.minimumHealthyPercent,
      deploymentCircuitBreaker: s.deploymentConfiguration.deploymentCircuitBreaker,
    } as S.DeploymentConfiguration,
    deployments: s.deployments.map((d) => ({
      id: d.id, status: d.status, taskDefinition: d.taskDefinition, desiredCount: d.status === 'PRIMARY' ? s.desiredCount : count(() => true, d.id),
      pendingCount: count(pending, d.id), runningCount: count(running, d.id), failedTasks: d.failedTasks, createdAt: date(d.createdAt), updatedAt: date(d.updatedAt),
      launchType: d.launchType, platformVersion: d.platformVersion, platformFamily: d.launchType === 'FARGATE' ? 'Linux' : undefined,
      networkConfiguration: d.networkConfiguration as S.NetworkConfiguration | undefined, rolloutState: d.rolloutState, rolloutStateReason: d.rolloutStateReason,
    })),
    roleArn: s.roleArn, events: s.events.map((x) => ({ id: x.id, createdAt: date(x.createdAt), message: x.message })), createdAt: date(s.createdAt),
    placementConstraints: s.placementConstraints as S.PlacementConstraint[], placementStrategy: s.placementStrategy as S.PlacementStrategy[],
    networkConfiguration: s.networkConfiguration as S.NetworkConfiguration | undefined, healthCheckGracePeriodSeconds: s.healthCheckGracePeriodSeconds,
    schedulingStrategy: s.schedulingStrategy, deploymentController: { type: 'ECS' }, createdBy: s.createdBy, enableECSManagedTags: s.enableECSManagedTags ?? false,
    propagateTags: (s.propagateTags ?? 'NONE') as S.PropagateTags, enableExecuteCommand: s.enableExecuteCommand ?? false,
    tags: include.includes('TAGS') ? s.tags : undefined, availabilityZoneRebalancing: 'DISABLED',
  };
}

export function containerInstanceShape(e: ContainerEngine, c: ContainerInstanceDoc, include: string[] = []): S.ContainerInstance {
  const r = e.instances.remaining(c);
  const tasks = e.instances.tasksOn(c);
  const resources = (cpu: number, memory: number, ports: number[]): S.Resource[] => [
    { name: 'CPU', type: 'INTEGER', integerValue: cpu, doubleValue: 0, longValue: 0 },
    { name: 'MEMORY', type: 'INTEGER', integerValue: memory, doubleValue: 0, longValue: 0 },
    { name: 'PORTS', type: 'STRINGSET', stringSetValue: ports.map(String), doubleValue: 0, longValue: 0, integerValue: 0 },
    { name: 'PORTS_UDP', type: 'STRINGSET', stringSetValue: [], doubleValue: 0, longValue: 0, integerValue: 0 },
  ];
  return {
    containerInstanceArn: c.arn, ec2InstanceId: c.ec2InstanceId, version: c.version, status: c.status, statusReason: c.statusReason,
    agentConnected: c.agentConnected, runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingTasksCount: tasks.filter((t) => isStarting(t.lastStatus)).length,
    versionInfo: { agentVersion: e.instances.agentVersion(), agentHash: 'nimbus', dockerVersion: 'crun (OCI)' },
    registeredResources: resources(c.registeredCpu, c.registeredMemory, c.reservedPorts),
    remainingResources: resources(r.cpu, r.memory, [...r.ports].sort((a, b) => a - b)),
    attributes: c.attributes, registeredAt: date(c.registeredAt), attachments: [], tags: include.includes('TAGS') ? c.tags : undefined,
    healthStatus: include.includes('CONTAINER_INSTANCE_HEALTH') ? { overallStatus: c.agentConnected ? 'OK' : 'IMPAIRED', details: [] } : undefined,
  };
}
