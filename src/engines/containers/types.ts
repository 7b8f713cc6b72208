// The container engine's documents (ECS clusters, task definitions, tasks, services, container instances). They are
// stored as JSON in SQLite (src/engines/containers/store.ts) and shaped close to the ECS API, so the service layer
// (src/services/ecs) converts them with little code. Times are epoch milliseconds.

import type { TaskStatus } from './task-state.ts';
import type { DeploymentStatus, RolloutState } from './deployment-state.ts';

export interface Scope { account: string; region: string }

export interface KeyValue { name: string; value: string }
export interface Tag { key: string; value: string }

export interface ClusterDoc {
  arn: string;
  account: string;
  region: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  settings: Array<{ name: string; value: string }>;
  tags: Tag[];
  createdAt: number;
}

/** ECS ContainerDefinition, as registered (the API shape, validated and defaulted). */
export interface ContainerDefinitionDoc {
  name: string;
  image: string;
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
  portMappings: Array<{ containerPort: number; hostPort?: number; protocol: 'tcp' | 'udp'; name?: string; appProtocol?: string }>;
  essential: boolean;
  entryPoint?: string[];
  command?: string[];
  environment: KeyValue[];
  mountPoints: Array<{ sourceVolume: string; containerPath: string; readOnly?: boolean }>;
  volumesFrom: Array<{ sourceContainer: string; readOnly?: boolean }>;
  dependsOn?: Array<{ containerName: string; condition: 'START' | 'COMPLETE' | 'SUCCESS' | 'HEALTHY' }>;
  startTimeout?: number;
  stopTimeout?: number;
  user?: string;
  workingDirectory?: string;
  readonlyRootFilesystem?: boolean;
  privileged?: boolean;
  linuxParameters?: { capabilities?: { add?: string[]; drop?: string[] }; initProcessEnabled?: boolean };
  logConfiguration?: { logDriver: string; options?: Record<string, string> };
  healthCheck?: { command: string[]; interval: number; timeout: number; retries: number; startPeriod: number };
  hostname?: string;
  dockerLabels?: Record<string, string>;
  /** Anything else the API accepted (echoed back; not acted on). */
  extra?: Record<string, unknown>;
}

export interface TaskDefinitionDoc {
  arn: string;
  account: string;
  region: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
  networkMode: 'awsvpc' | 'bridge' | 'host' | 'none';
  containerDefinitions: ContainerDefinitionDoc[];
  volumes: Array<{ name: string; host?: { sourcePath?: string } }>;
  requiresCompatibilities: string[];
  compatibilities: string[];
  /** Task-level CPU units / memory MiB as registered (strings like the API). */
  cpu?: string;
  memory?: string;
  taskRoleArn?: string;
  executionRoleArn?: string;
  placementConstraints: Array<{ type: string; expression?: string }>;
  runtimePlatform?: { cpuArchitecture?: string; operatingSystemFamily?: string };
  tags: Tag[];
  registeredAt: number;
  deregisteredAt?: number;
  deleteRequestedAt?: number;
  /** Request fields Nimbus stores and echoes without acting on them. */
  extra?: Record<string, unknown>;
}

export type ContainerStatus = 'PENDING' | 'RUNNING' | 'STOPPED';
export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

export interface ContainerDoc {
  name: string;
  containerArn: string;
  image: string;
  imageDigest?: string;
  runtimeId?: string;
  lastStatus: ContainerStatus;
  exitCode?: number;
  reason?: string;
  healthStatus?: HealthStatus;
  networkBindings: Array<{ bindIP: string; containerPort: number; hostPort: number; protocol: string }>;
  cpu?: string;
  memory?: string;
  memoryReservation?: string;
  /** The runtime's re-attach token (not shown by the API). */
  token?: string;
  startedAt?: number;
}

export interface EniDoc {
  attachmentId: string;
  eniId: string;
  subnetId: string;
  ip: string;
  mac: string;
  status: 'PRECREATED' | 'ATTACHED' | 'DETACHING' | 'DELETED';
}

export type StopCode = 'TaskFailedToStart' | 'EssentialContainerExited' | 'UserInitiated' | 'ServiceSchedulerInitiated' | 'SpotInterruption' | 'TerminationNotice';

export interface TaskDoc {
  arn: string;
  id: string;
  account: string;
  region: string;
  clusterArn: string;
  taskDefinitionArn: string;
  launchType: 'FARGATE' | 'EC2';
  platformVersion?: string;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  group: string;
  startedBy?: string;
  /** Service and deployment that own the task (`service:<name>` group). */
  serviceName?: string;
  deploymentId?: string;
  containerInstanceArn?: string;
  ec2InstanceId?: string;
  availabilityZone?: string;
  /** Task-level CPU units and memory MiB in force (task definition or overrides). */
  cpu: string;
  memory: string;
  overrides: Record<string, unknown>;
  containers: ContainerDoc[];
  eni?: EniDoc;
  healthStatus: HealthStatus;
  connectivity?: 'CONNECTED' | 'DISCONNECTED';
  connectivityAt?: number;
  createdAt: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  startedAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  executionStoppedAt?: number;
  stopCode?: StopCode;
  stoppedReason?: string;
  tags: Tag[];
  version: number;
  /** Target groups the task was registered in: [tgArn, id, port]. */
  registrations: Array<{ targetGroupArn: string; id: string; port: number }>;
  /** The sandbox's re-attach token. */
  sandboxToken?: string;
  /** Security groups (awsvpc). */
  securityGroups?: string[];
  enableExecuteCommand?: boolean;
}

export interface DeploymentDoc {
  id: string;
  status: DeploymentStatus;
  taskDefinition: string;
  desiredCount: number;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
  launchType: 'FARGATE' | 'EC2';
  platformVersion?: string;
  networkConfiguration?: NetworkConfigurationDoc;
  rolloutState: RolloutState;
  rolloutStateReason: string;
  /** Tasks already counted in failedTasks (not shown by the API). */
  failedTaskArns?: string[];
}

export interface NetworkConfigurationDoc {
  awsvpcConfiguration?: { subnets: string[]; securityGroups?: string[]; assignPublicIp?: string };
}

export interface LoadBalancerDoc {
  targetGroupArn?: string;
  loadBalancerName?: string;
  containerName: string;
  containerPort: number;
}

export interface ServiceEventDoc { id: string; createdAt: number; message: string }

export interface ServiceDoc {
  arn: string;
  account: string;
  region: string;
  name: string;
  clusterArn: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  launchType: 'FARGATE' | 'EC2';
  platformVersion?: string;
  taskDefinition: string;
  loadBalancers: LoadBalancerDoc[];
  networkConfiguration?: NetworkConfigurationDoc;
  deploymentConfiguration: {
    maximumPercent: number;
    minimumHealthyPercent: number;
    deploymentCircuitBreaker: { enable: boolean; rollback: boolean };
    /** Accepted, not acted on (alarms, strategy, bake time). */
    extra?: Record<string, unknown>;
  };
  placementConstraints: Array<{ type: string; expression?: string }>;
  placementStrategy: Array<{ type: string; field?: string }>;
  healthCheckGracePeriodSeconds: number;
  schedulingStrategy: 'REPLICA' | 'DAEMON';
  deployments: DeploymentDoc[];
  events: ServiceEventDoc[];
  tags: Tag[];
  createdAt: number;
  createdBy?: string;
  propagateTags?: string;
  enableECSManagedTags?: boolean;
  enableExecuteCommand?: boolean;
  roleArn?: string;
  /** Task definition ARN of the last deployment that completed (circuit breaker rollback target). */
  lastCompletedTaskDefinition?: string;
  /** Set while a steady state has been reported (cleared by any change). */
  steady?: boolean;
}

export interface ContainerInstanceDoc {
  arn: string;
  id: string;
  account: string;
  region: string;
  clusterArn: string;
  ec2InstanceId: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE' | 'REGISTERING' | 'DEREGISTERING';
  statusReason?: string;
  agentConnected: boolean;
  /** CPU units and memory MiB the instance offers to tasks; reserved ports. */
  registeredCpu: number;
  registeredMemory: number;
  reservedPorts: number[];
  attributes: Array<{ name: string; value?: string }>;
  registeredAt: number;
  version: number;
  tags: Tag[];
  availabilityZone: string;
  instanceType: string;
}
