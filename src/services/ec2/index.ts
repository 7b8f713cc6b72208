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
import { runInstancesHandler } from './instances/run.ts';
import { keyPairHandlers } from './key-pairs.ts';
import { launchTemplateHandlers, withLaunchTemplates } from './launch-templates.ts';
import { networkHandlers } from './network.ts';
import { securityGroupHandlers } from './security-groups.ts';
import { tagHandlers } from './tags.ts';
import { volumeHandlers } from './volumes.ts';
import { purchaseOptionHandlers } from './purchase-options.ts';

// LIMITATIONS (see README "EC2"):
// - One address space for all default VPCs (they share one bridge); no custom VPCs/subnets yet.
// - Security groups enforce ingress only; egress rules are stored but everything may leave (to the bridge).
// - EBS volumes are directories mounted at /mnt/<device>; no snapshots API yet.
// - Instances run on the host userland (process driver); AMIs capture volumes, not an OS image.

export const ec2Model = JSON.parse(readFileSync(new URL('../../../models/ec2.json', import.meta.url), 'utf8')) as ServiceModel;

export interface Ec2Options {
  maxInstances: number;
  stopGraceMs: number;
}

export function createEc2Service(d: Ec2Deps, opts: Ec2Options): { service: ServiceDefinition; lifecycle: InstanceLifecycle } {
  const lifecycle = new InstanceLifecycle(d);
  // Typed by the codegen: each handler must accept the operation's input shape from the AWS model.
  const handlers: { [K in OperationName]: (input: Operations[K]['input'], scope: { account: string; region: string }) => unknown } = {
    RunInstances: withLaunchTemplates(d, runInstancesHandler(d, lifecycle, opts.maxInstances)),
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
    ...purchaseOptionHandlers(),
  };
  // Handlers see only the scope they act in (account + region), never the whole request.
  const scoped: Record<string, Handler> = {};
  for (const [op, h] of Object.entries(handlers) as [string, (input: unknown, scope: { account: string; region: string }) => unknown][]) {
    scoped[op] = (input, ctx: RequestContext) => h(input, { account: ctx.account, region: ctx.region });
  }
  return {
    lifecycle,
    service: {
      name: 'ec2',
      model: ec2Model,
      protocols: [protocols.ec2],
      handlers: scoped,
      limitations: [
        'All default VPCs share one address space; custom VPCs and subnets are not supported yet',
        'Security groups enforce ingress rules; egress rules are recorded but not enforced',
        'EBS volumes appear as mounted directories at /mnt/<device> (root volume at /root)',
      ],
    },
  };
}
