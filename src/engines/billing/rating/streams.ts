import type { Logger } from '../../../core/log.ts';
import { type Catalog, familyOf, type SpProduct } from '../catalog/catalog.ts';
import type { SimulatedSpotMarket, SpotSeries } from '../spot.ts';
import type { BilledService, LambdaHourlyUsage, UsageInterval } from '../types.ts';

const EC2: BilledService = 'Amazon Elastic Compute Cloud - Compute';
const ECS: BilledService = 'Amazon Elastic Container Service';
const LAMBDA: BilledService = 'AWS Lambda';

/**
 * One thing that is rated: a resource's usage of one usage type (an instance's BoxUsage:m7i.large, a task's Fargate
 * vCPU-hours, a function's GB-seconds). Intervals and Lambda rows become streams once; the hour loop only adds
 * quantities to them.
 */
export interface Stream {
  resourceId: string;
  region: string;
  az?: string;
  service: BilledService;
  /** With the region prefix (USE2-BoxUsage:t3.micro). */
  usageType: string;
  unit: string;
  instanceType?: string;
  /** Units per running hour: 1 (instances, hosts), vCPUs or GiB (Fargate). */
  perHour: number;
  /** On-Demand USD per unit (the onDemandCost of every line). */
  onDemand: number;
  /** What a unit not covered by an RI or a Savings Plan costs: On-Demand, 0 on a dedicated host, a spot price. */
  uncoveredPrice: number;
  /** Spot: the price changes by the hour (uncoveredPrice is ignored). */
  spot?: SpotSeries;
  /** Cost Explorer PURCHASE_TYPE of the uncovered part. */
  purchaseType: string;
  /** Regional Linux RIs of this `${region}|${family}` apply (on-demand, shared tenancy, not on a host). */
  riKey?: string;
  /** Size normalization factor (RIs are applied to the smallest first). */
  nf: number;
  /** Savings Plans apply (product), and for EC2 Instance plans: the family. */
  sp?: SpProduct;
  family?: string;
}

/** Builds the streams of intervals and Lambda usage rows (one factory per rating: its cache lives as long as that). */
export class StreamFactory {
  private readonly cache = new Map<string, Stream>();

  /** `warned`: types already reported as unpriced (shared across ratings so the log says it once). */
  constructor(private readonly catalog: Catalog, private readonly spot: SimulatedSpotMarket, private readonly log: Logger, private readonly warned = new Set<string>()) {}

  private price(region: string, type: string, p: number | undefined): number {
    if (p !== undefined) return p;
    if (!this.warned.has(type)) {
      this.warned.add(type);
      this.log.warn({ instanceType: type, region }, 'billing: no price for this type; rated at 0');
    }
    return 0;
  }

  /** The streams of one interval: one for instances and hosts, two (vCPU, memory) for Fargate tasks. */
  ofInterval(u: UsageInterval): Stream[] {
    const key = `${u.kind}|${u.resourceId}|${u.instanceType ?? u.hostFamily ?? ''}|${u.market}|${u.tenancy}|${u.hostId ?? ''}|${u.az}|${u.vcpu ?? ''}|${u.memoryGiB ?? ''}`;
    const hit = this.cache.get(key);
    if (hit) return u.kind === 'task' ? [hit, this.cache.get(`${key}|gb`)!] : [hit];
    const made = this.make(u);
    this.cache.set(key, made[0]!);
    if (made[1]) this.cache.set(`${key}|gb`, made[1]);
    return made;
  }

  private make(u: UsageInterval): Stream[] {
    const prefix = this.catalog.usageTypePrefix(u.region);
    const base = { resourceId: u.resourceId, region: u.region, az: u.az };
    if (u.kind === 'host') {
      const family = familyOf(u.hostFamily ?? '');
      const hourly = this.price(u.region, `host:${family}`, this.catalog.hostHourly(u.region, family));
      // AWS: Savings Plans and Dedicated Host Reservations also apply to host usage. Here: hosts are always billed at
      // the host On-Demand rate (Nimbus sells no host reservations, and the brief keeps hosts out of plans).
      return [{ ...base, service: EC2, usageType: `${prefix}HostUsage:${family}`, unit: 'Hrs', perHour: 1, onDemand: hourly, uncoveredPrice: hourly, purchaseType: 'Dedicated Host', nf: 0 }];
    }
    if (u.kind === 'task') {
      const fg = this.catalog.fargate(u.region);
      const spot = u.market === 'spot';
      const f = spot ? this.catalog.fargateSpotFraction() : 1;
      const common = { ...base, service: ECS, purchaseType: spot ? 'Spot Instances' : 'On Demand Instances', nf: 0, ...(!spot && { sp: 'Fargate' as const }) };
      const tag = spot ? 'SpotUsage-Fargate' : 'Fargate';
      // AWS: Fargate Spot is a market price. Here: a fixed fraction of Fargate On-Demand (catalog fargate.spotFraction).
      return [
        { ...common, usageType: `${prefix}${tag}-vCPU-Hours:perCPU`, unit: 'vCPU-Hours', perHour: u.vcpu ?? 0, onDemand: fg.vcpuHour, uncoveredPrice: fg.vcpuHour * f },
        { ...common, usageType: `${prefix}${tag}-GB-Hours`, unit: 'GB-Hours', perHour: u.memoryGiB ?? 0, onDemand: fg.gbHour, uncoveredPrice: fg.gbHour * f },
      ];
    }
    const type = u.instanceType ?? '';
    const family = familyOf(type);
    const nf = this.catalog.normalizationFactor(type);
    const od = this.price(u.region, type, this.catalog.onDemandHourly(u.region, type));
    const inst = { ...base, service: EC2, unit: 'Hrs', instanceType: type, perHour: 1, nf, family };
    if (u.hostId) {
      // The host's HostUsage line pays for everything that runs on it (onDemandCost 0 too: the host line carries it).
      return [{ ...inst, usageType: `${prefix}HostBoxUsage:${type}`, onDemand: 0, uncoveredPrice: 0, purchaseType: 'Dedicated Host' }];
    }
    if (u.market === 'spot') {
      return [{ ...inst, usageType: `${prefix}SpotUsage:${type}`, onDemand: od, uncoveredPrice: 0, spot: this.spot.seriesOf(u.region, u.az, type), purchaseType: 'Spot Instances' }];
    }
    if (u.tenancy === 'dedicated') {
      // AWS: Dedicated Instance RIs exist. Here: RIs are shared-tenancy only; Savings Plans apply to dedicated usage.
      const ded = this.price(u.region, type, this.catalog.dedicatedHourly(u.region, type));
      return [{ ...inst, usageType: `${prefix}DedicatedUsage:${type}`, onDemand: ded, uncoveredPrice: ded, purchaseType: 'On Demand Instances', sp: 'EC2' }];
    }
    return [{ ...inst, usageType: `${prefix}BoxUsage:${type}`, onDemand: od, uncoveredPrice: od, purchaseType: 'On Demand Instances', riKey: `${u.region}|${family}`, sp: 'EC2' }];
  }

  /** The two streams of one function's hour: GB-seconds (Savings Plans apply) and requests. */
  ofLambda(r: LambdaHourlyUsage): [Stream, Stream] {
    const prefix = this.catalog.usageTypePrefix(r.region);
    const p = this.catalog.lambda(r.region);
    const base = { resourceId: r.functionArn, region: r.region, service: LAMBDA, perHour: 0, purchaseType: 'On Demand Instances', nf: 0 };
    // AWS: a monthly free tier (1M requests, 400,000 GB-s) and arm64 prices. Here: no free tier, x86 prices, because
    // lambda_usage does not record the architecture and the free tier is per payer account per month.
    return [
      { ...base, usageType: `${prefix}Lambda-GB-Second`, unit: 'Lambda-GB-Second', onDemand: p.gbSecond, uncoveredPrice: p.gbSecond, sp: 'Lambda' },
      { ...base, usageType: `${prefix}Request`, unit: 'Requests', onDemand: p.requestPerMillion / 1e6, uncoveredPrice: p.requestPerMillion / 1e6 },
    ];
  }
}
