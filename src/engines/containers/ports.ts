import type { IngressRule } from '../../drivers/driver.ts';
import type { Scope } from './types.ts';

// The container engine's seams to the rest of Nimbus (ports & adapters). src/services/ecs/adapters.ts builds them
// from EC2, ELBv2, CloudWatch Logs and billing; unit tests pass fakes.

export interface SubnetView { id: string; vpcId: string; cidr: string; az: string }

/** EC2's network view: subnets, security groups and the addresses instances hold. */
export interface NetworkPort {
  subnet(s: Scope, id: string): SubnetView | undefined;
  defaultSubnets(s: Scope): SubnetView[];
  securityGroupExists(s: Scope, id: string): boolean;
  /** Default security group of the subnet's VPC. */
  defaultSecurityGroup(s: Scope, vpcId: string): string | undefined;
  /** Ingress rules of these groups (source-group rules resolved to member instance IPs). */
  ingress(s: Scope, groupIds: string[], extraMembers: (groupId: string) => string[]): IngressRule[];
  /** IPs held by EC2 instances (tasks must not take them). */
  usedIps(): Set<string>;
  gateway: string;
  prefixLength: number;
}

export interface InstanceView {
  id: string;
  account: string;
  region: string;
  state: string;
  az: string;
  subnetId: string;
  privateIp: string;
  instanceType: string;
  vcpus: number;
  memoryMiB: number;
  userData?: string;
  /** The network namespace file of the running instance (host/bridge network mode tasks join it). */
  netns?: string;
  tags: Record<string, string>;
}

/** EC2 instances as ECS container instances. */
export interface InstancePort {
  instance(id: string): InstanceView | undefined;
  /** Instances not terminated. */
  list(): InstanceView[];
}

export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'draining' | 'unused' | 'unavailable';

/** ELBv2 target groups (src/services/elbv2 Elbv2Api.loadBalancerPort()). */
export interface LoadBalancerPort {
  registerTargets(targetGroupArn: string, targets: { id: string; port?: number }[]): Promise<void>;
  /** Resolves when the targets are drained. */
  deregisterTargets(targetGroupArn: string, targets: { id: string; port?: number }[]): Promise<void>;
  targetHealth(targetGroupArn: string): Promise<{ id: string; port: number; state: TargetHealthState; reason?: string }[]>;
}

/** CloudWatch Logs (the awslogs log driver). */
export interface LogsPort {
  groupExists(s: Scope, group: string): boolean;
  createGroup(s: Scope, group: string): void;
  append(s: Scope, group: string, stream: string, events: { timestamp: number; message: string }[]): void;
}

/** Billing: Fargate tasks are metered per vCPU-second and GB-second (src/engines/billing Meter). */
export interface MeterPort {
  open(u: { kind: 'task'; resourceId: string; vcpu: number; memoryGiB: number; market: 'on-demand'; tenancy: 'default'; account: string; region: string; az: string; startMs: number }): void;
  close(resourceId: string, atMs: number): void;
}

export interface ContainerPorts {
  network?: NetworkPort;
  instances?: InstancePort;
  lb?: LoadBalancerPort;
  logs?: LogsPort;
  meter?: MeterPort;
}
