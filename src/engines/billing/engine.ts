import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { Db } from '../../store/db.ts';
import { Catalog } from './catalog/catalog.ts';
import { UsageMeter } from './meter.ts';
import { rate } from './rating/rate.ts';
import { StreamFactory } from './rating/streams.ts';
import { ReservedBook } from './reserved.ts';
import { SavingsPlans } from './savings-plans.ts';
import { SimulatedSpotMarket } from './spot.ts';
import type { Billing, LambdaUsageSource, LineItem } from './types.ts';

/**
 * The billing engine: the price catalog, the usage meter (EC2 and ECS write intervals), the spot market, the
 * Reserved Instances and Savings Plans books, and the rater that turns all of it into line items.
 *
 * LIMITATIONS (AWS has them, Nimbus does not): Windows/RHEL/SUSE prices, zonal and Dedicated Instance RIs, RI
 * exchanges/modifications/Marketplace, host reservations, Savings Plans on hosts, the Dedicated Instance regional
 * fee, free tiers, arm64 Lambda/Fargate prices, consolidated billing (RI/SP sharing across accounts), data transfer,
 * EBS and every non-compute charge.
 */
export class BillingEngine implements Billing {
  readonly catalog: Catalog;
  readonly meter: UsageMeter;
  readonly spot: SimulatedSpotMarket;
  readonly reserved: ReservedBook;
  readonly savingsPlans: SavingsPlans;
  private readonly unpriced = new Set<string>();
  private lambdaUsage: LambdaUsageSource = () => [];

  constructor(private readonly deps: { db: Db; clock: Clock; log: Logger; catalog?: Catalog }) {
    this.catalog = deps.catalog ?? new Catalog();
    this.meter = new UsageMeter(deps.db);
    this.spot = new SimulatedSpotMarket(this.catalog);
    this.reserved = new ReservedBook(deps.db, this.catalog);
    this.savingsPlans = new SavingsPlans(deps.db, this.catalog);
  }

  /** Where Lambda usage comes from (app.ts connects the function engine's meter). */
  setLambdaUsage(source: LambdaUsageSource): void {
    this.lambdaUsage = source;
  }

  lineItems(account: string, fromMs: number, toMs: number): LineItem[] {
    const nowMs = this.deps.clock.now();
    // Widened to whole hours, like the rater.
    const lo = Math.floor(fromMs / 3_600_000) * 3_600_000;
    const hi = Math.ceil(toMs / 3_600_000) * 3_600_000;
    return rate({
      account, fromMs, toMs, nowMs,
      intervals: this.meter.intervals(account, lo, hi),
      reserved: this.reserved.overlapping(account, lo, hi),
      plans: this.savingsPlans.overlapping(account, lo, hi),
      lambda: this.lambdaUsage(account, lo, hi),
    }, { catalog: this.catalog, streams: new StreamFactory(this.catalog, this.spot, this.deps.log, this.unpriced), plans: this.savingsPlans });
  }

  close(): void {}
}
