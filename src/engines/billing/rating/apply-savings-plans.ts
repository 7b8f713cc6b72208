import { type SpProduct, termHours } from '../catalog/catalog.ts';
import { planUsageType, type SavingsPlans } from '../savings-plans.ts';
import type { SavingsPlan } from '../types.ts';
import type { LineSink } from './lines.ts';
import type { Stream } from './streams.ts';

const SERVICE = 'Savings Plans for AWS Compute usage' as const;
const EPS = 1e-12;

interface Plan {
  p: SavingsPlan;
  first: number;
  end: number;
  /** Products in the order the plan is applied to them: highest discount first. */
  order: { product: SpProduct; discount: number }[];
  feeUsageType: string;
}

/**
 * Savings Plans, applied hour by hour to what RIs left (never spot, never instances on a dedicated host, never hosts).
 *
 * Order (as AWS documents it): EC2 Instance Savings Plans first, then Compute Savings Plans; plans of one type by
 * purchase time; within a plan, the usage with the highest discount first (EC2 before Fargate before Lambda with
 * the catalog's Compute discounts). A plan pays for usage at its discounted rate (On-Demand × (1 − discount)) until
 * its hourly commitment is used up; usage beyond that falls through to the next plan, then to On-Demand.
 *
 * Money, per plan and hour (every hour of the term, whatever was used):
 *   SavingsPlanRecurringFee  unblended = recurringPaymentAmount      amortized = unused commitment
 *   SavingsPlanCoveredUsage  unblended = 0                           amortized = the discounted cost of the usage
 *   SavingsPlanUpfrontFee    unblended = upfrontPaymentAmount, once, in the plan's first hour; amortized = 0
 * Per hour Σ amortized = commitment = recurring + upfront / term hours, so over the term Σ amortized = Σ unblended.
 * AWS: CUR also writes SavingsPlanNegation lines (covered usage at On-Demand cost, negated). Here: covered usage is
 * written at 0 unblended directly, which sums the same.
 */
export class SavingsPlanApplier {
  private readonly plans: Plan[];

  constructor(plans: SavingsPlan[], book: SavingsPlans) {
    const prepared: Plan[] = [];
    for (const p of plans) {
      const o = book.offering(p.offeringId);
      if (!o) continue;
      const first = Math.floor(p.startMs / 3_600_000);
      const order = (['EC2', 'Fargate', 'Lambda'] as const)
        .filter((product) => o.productTypes.includes(product))
        .map((product) => ({ product, discount: book.discount(o, product) }))
        .sort((a, b) => b.discount - a.discount);
      prepared.push({ p, first, end: first + termHours(o.durationSec), order, feeUsageType: planUsageType(p, o.durationSec) });
    }
    // EC2 Instance plans before Compute plans; within a type, oldest first.
    const rank = (x: Plan) => (x.p.planType === 'EC2Instance' ? 0 : 1);
    this.plans = prepared.sort((a, b) => rank(a) - rank(b) || a.p.startMs - b.p.startMs || (a.p.id < b.p.id ? -1 : 1));
  }

  get any(): boolean {
    return this.plans.length > 0;
  }

  apply(h: number, streams: Stream[], rem: Float64Array, out: LineSink): void {
    const hourMs = h * 3_600_000;
    for (const plan of this.plans) {
      const { p } = plan;
      const region = p.region ?? 'global';
      if (h === plan.first && p.upfrontPaymentAmount > 0) {
        out.fee({
          hourMs, region, service: SERVICE, usageType: plan.feeUsageType, purchaseType: 'Savings Plans', savingsPlanArn: p.arn,
          quantity: 1, unit: 'Quantity', unblendedCost: p.upfrontPaymentAmount, amortizedCost: 0, lineItemType: 'SavingsPlanUpfrontFee',
        });
      }
      if (h < plan.first || h >= plan.end) continue;
      let left = p.commitment;
      for (const { product, discount } of plan.order) {
        if (left <= EPS) break;
        const factor = 1 - discount;
        for (let i = 0; i < streams.length && left > EPS; i++) {
          const r = rem[i]!;
          if (r <= EPS) continue;
          const s = streams[i]!;
          if (s.sp !== product) continue;
          if (p.planType === 'EC2Instance' && (s.family !== p.instanceFamily || s.region !== p.region)) continue;
          const rate = s.onDemand * factor;
          const need = r * rate;
          if (need <= 0) continue;
          const take = need <= left ? need : left;
          const qty = take === need ? r : take / rate;
          out.usage(hourMs, s, qty, 0, take, 'Savings Plans', 'SavingsPlanCoveredUsage', undefined, p.arn);
          rem[i] = take === need ? 0 : r - qty;
          left -= take;
        }
      }
      out.fee({
        hourMs, region, service: SERVICE, usageType: plan.feeUsageType, purchaseType: 'Savings Plans', savingsPlanArn: p.arn,
        quantity: 1, unit: 'Hrs', unblendedCost: p.recurringPaymentAmount, amortizedCost: Math.max(0, left), lineItemType: 'SavingsPlanRecurringFee',
      });
    }
  }
}
