import type { Clock } from '../../core/clock.ts';
import type { IdSource } from '../../core/ids.ts';
import type { Logger } from '../../core/log.ts';
import type { ComputeEngine } from '../../engines/compute/engine.ts';
import type { Billing } from '../../engines/billing/types.ts';
import type { Ec2Store, Scope } from './store.ts';

/** What the EC2 handlers share. */
export interface Ec2Deps {
  store: Ec2Store;
  compute: ComputeEngine;
  clock: Clock;
  ids: IdSource;
  log: Logger;
  dataDir: string;
  /** The VPC-wide network the bridge serves: every default VPC uses this CIDR. */
  vpcCidr: string;
  gateway: string;
  /** How instances reach the metadata service, e.g. 'http://169.254.169.254'. */
  metadataEndpoint: string;
  /** Gateway endpoint instances are told about (AWS_ENDPOINT_URL inside instances). */
  apiEndpoint: string;
  /** Metering, prices, the spot market and Reserved Instances (src/engines/billing). */
  billing: Billing;
  /**
   * Why workloads of a named driver ('vm' | 'process', from an AMI) cannot run on this server; undefined when they can.
   * Absent: every driver an AMI names can run (one driver runs everything).
   */
  driverUnavailable?: (name: string) => string | undefined;
  /**
   * Members of a security group that are not EC2 instances, as /32 CIDRs: load balancers (ELBv2 adds its lookup), so a
   * rule whose source is a load balancer's group admits that load balancer's connections.
   */
  groupMembers?: Array<(groupId: string) => string[]>;
}

export type { Scope };

export const scopeOf = (ctx: { account: string; region: string }): Scope => ({ account: ctx.account, region: ctx.region });

export const iso = (ms: number) => new Date(ms);
