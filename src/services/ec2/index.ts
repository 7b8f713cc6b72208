import { readFileSync } from 'node:fs';
import type { Handler, RequestContext } from '../../gateway/context.ts';
import type { ServiceDefinition } from '../../gateway/registry.ts';
import { protocols } from '../../protocol/index.ts';
import type { ServiceModel } from '../../protocol/types.ts';
import type { Ec2Deps } from './deps.ts';
import type { OperationName, Operations } from './generated/operations.ts';
import { imageHandlers } from './images.ts';
import { instanceTypeHandlers } from './instance-types.ts';
import { actionHandlers } from './instances/actions.ts';
import { attributeHandlers } from './instances/attributes.ts';
import { describeInstancesHandler, describeInstanceStatusHandler } from './instances/describe.ts';
import { InstanceLifecycle } from './instances/lifecycle.ts';
import { launchInstances, type RunInstancesInput } from './instances/run.ts';
import { keyPairHandlers } from './key-pairs.ts';
import { launchTemplateHandlers, withLaunchTemplates } from './launch-templates.ts';
import { networkHandlers } from './network.ts';
import { securityGroupHandlers } from './security-groups.ts';
import { tagHandlers } from './tags.ts';
import { volumeHandlers } from './volumes.ts';
import { purchaseOptionHandlers } from './purchase-options.ts';
import { SpotReclaimer } from './spot/reclaim.ts';
import type { InternalRoute } from '../../gateway/internal.ts';
import type { SpotRequestRow } from './store.ts';

// LIMITATIONS (see README "EC2"):
// - One address space for all default VPCs (they share one bridge); no custom VPCs/subnets yet.
// - Security groups enforce ingress only; egress rules are stored but everything may leave (to the bridge).
// - EBS volumes are directories mounted at /mnt/<device>; no snapshots API yet.
// - Instances run on the host userland (process driver); AMIs capture volumes, not an OS image.
// - Spot: a simulated market (src/engines/billing); hibernate is treated as stop; no Spot Fleet or Spot blocks.
// - Dedicated Hosts: capacity counted in vCPUs; no host recovery, reservations or resource groups.
// - Reserved Instances: regional Linux/UNIX default-tenancy offerings; no modify, exchange or marketplace.

export const ec2Model = JSON.parse(readFileSync(new URL('../../../models/ec2.json', import.meta.url), 'utf8')) as ServiceModel;

export interface Ec2Options {
  maxInstances: number;
  stopGraceMs: number;
  /** Spot market timer period (default NIMBUS_SPOT_TICK_MS or 1000). */
  spotTickMs?: number;
  /** Spot interruptions per instance-hour (default NIMBUS_SPOT_INTERRUPTION_RATE or 0). */
  spotInterruptionRate?: number;
}

export interface Ec2Service {
  service: ServiceDefinition;
  lifecycle: InstanceLifecycle;
  /** The spot market: reclaim(), tick() (tests drive it after moving a ManualClock). */
  spot: SpotReclaimer;
  /** POST /_nimbus/spot/reclaim {"instanceId","cause"?} and POST /_nimbus/spot/tick: add to internalRoutes' extra list. */
  internalRoutes: InternalRoute;
  /** Stops the spot market timer (before the database closes). */
  close(): Promise<void>;
}

export function createEc2Service(d: Ec2Deps, opts: Ec2Options): Ec2Service {
  const lifecycle = new InstanceLifecycle(d);
  const launch = (input: RunInstancesInput, ctx: { account: string; region: string }, request?: SpotRequestRow) => launchInstances(d, lifecycle, opts.maxInstances, input, ctx, request);
  const spot = new SpotReclaimer(d, lifecycle, launch, {
    graceMs: opts.stopGraceMs,
    tickMs: opts.spotTickMs ?? (Number(process.env.NIMBUS_SPOT_TICK_MS ?? 1000) || 1000),
    interruptionRate: opts.spotInterruptionRate ?? (Number(process.env.NIMBUS_SPOT_INTERRUPTION_RATE ?? 0) || 0),
  });
  // The market acts on instances only once reconcile() has adopted or rebooted them after a (re)start.
  lifecycle.afterReconcile.push(() => spot.start());
  // Typed by the codegen: each handler must accept the operation's input shape from the AWS model.
  const handlers: { [K in OperationName]: (input: Operations[K]['input'], scope: { account: string; region: string }) => unknown } = {
    RunInstances: withLaunchTemplates(d, (input: RunInstancesInput, ctx) => launch(input, ctx)),
    ...launchTemplateHandlers(d),
    DescribeInstances: describeInstancesHandler(d),
    DescribeInstanceStatus: describeInstanceStatusHandler(d),
    ...actionHandlers(d, lifecycle, opts.stopGraceMs),
    ...attributeHandlers(d),
    ...instanceTypeHandlers(d),
    ...imageHandlers(d),
    ...networkHandlers(d),
    ...securityGroupHandlers(d),
    ...keyPairHandlers(d),
    ...volumeHandlers(d),
    ...tagHandlers(d),
    ...purchaseOptionHandlers(d, spot),
  };
  // Handlers see only the scope they act in (account + region), never the whole request.
  const scoped: Record<string, Handler> = {};
  for (const [op, h] of Object.entries(handlers) as [string, (input: unknown, scope: { account: string; region: string }) => unknown][]) {
    scoped[op] = (input, ctx: RequestContext) => h(input, { account: ctx.account, region: ctx.region });
  }
  return {
    lifecycle,
    spot,
    internalRoutes: spot.internalRoutes,
    close: () => spot.close(),
    service: {
      name: 'ec2',
      model: ec2Model,
      protocols: [protocols.ec2],
      handlers: scoped,
      limitations: [
        'All default VPCs share one address space; custom VPCs and subnets are not supported yet',
        'Security groups enforce ingress rules; egress rules are recorded but not enforced',
        'EBS volumes appear as mounted directories at /mnt/<device> (root volume at /root)',
        'Spot prices come from a simulated market; InstanceInterruptionBehavior hibernate is treated as stop',
        'Dedicated Host capacity is counted in vCPUs; host recovery and host reservations are not supported',
        'Reserved Instances: regional Linux/UNIX default-tenancy offerings only (no modify, exchange or marketplace)',
      ],
      // Tests and tools reach the spot market (tick(), reclaim()) through the registry: spotMarketOf().
      spot,
    } as ServiceDefinition,
  };
}

/** The spot market of a running Nimbus (tests: `spotMarketOf(nimbus.registry.services)!.tick()`). */
export function spotMarketOf(services: ServiceDefinition[]): SpotReclaimer | undefined {
  return (services.find((s) => s.name === 'ec2') as (ServiceDefinition & { spot?: SpotReclaimer }) | undefined)?.spot;
}
