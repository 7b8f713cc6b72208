import type { Ec2Deps } from './deps.ts';
import { hostHandlers } from './hosts/handlers.ts';
import { reservedHandlers } from './reserved.ts';
import { spotPriceHandlers } from './spot/prices.ts';
import type { SpotReclaimer } from './spot/reclaim.ts';
import { spotRequestHandlers } from './spot/requests.ts';

// EC2 purchase options (issue 6): Spot Instances (spot/), Dedicated Hosts (hosts/), Reserved Instances (reserved.ts).
// Spot and host launches themselves go through RunInstances (instances/run.ts, instances/placement.ts); usage is
// metered by every instance state change (instances/state-change.ts) and by host allocation/release.
export function purchaseOptionHandlers(d: Ec2Deps, spot: SpotReclaimer) {
  return {
    ...spotRequestHandlers(d, () => spot.fulfilSoon()),
    ...spotPriceHandlers(d),
    ...hostHandlers(d),
    ...reservedHandlers(d),
  };
}
