import type { LineItem, SavingsPlan } from '../../../engines/billing/types.ts';
import type { SavingsPlansCoverageData, SavingsPlansUtilizationAggregates } from '../generated/shapes.ts';
import { isInstanceUsage } from './dimensions.ts';
import { amount, percent } from './format.ts';
import type { Period } from './time.ts';

// Savings Plans utilization and coverage from the engine's line items:
//   SavingsPlanCoveredUsage  amortized = the discounted cost of the usage (commitment used), onDemandCost = its On-Demand price
//   SavingsPlanRecurringFee  one per plan and hour of its term up to now; amortized = the commitment left unused
// so per plan: total commitment = commitment × fee hours, used = Σ covered amortized, unused = total − used.

export const isSpCovered = (li: LineItem) => li.lineItemType === 'SavingsPlanCoveredUsage';
const isRecurringFee = (li: LineItem) => li.lineItemType === 'SavingsPlanRecurringFee';

/** Usage a Savings Plan could cover: On-Demand EC2 instance hours (shared or dedicated), Fargate, Lambda duration, and usage already covered. */
export function isSpEligible(li: LineItem): boolean {
  if (isSpCovered(li)) return true;
  if ((li.lineItemType ?? 'Usage') !== 'Usage' || li.purchaseType !== 'On Demand Instances') return false;
  if (isInstanceUsage(li)) return true;
  if (li.service === 'Amazon Elastic Container Service') return true;
  return li.service === 'AWS Lambda' && /Lambda-GB-Second$/.test(li.usageType);
}

export interface PlanFigures {
  hours: number;
  total: number;
  used: number;
  onDemandEquivalent: number;
  amortizedRecurring: number;
  amortizedUpfront: number;
}

/** One plan's figures over some line items (already cut to a period). */
export function planFigures(plan: SavingsPlan, items: LineItem[]): PlanFigures {
  let hours = 0;
  let used = 0;
  let od = 0;
  for (const li of items) {
    if (li.savingsPlanArn !== plan.arn) continue;
    if (isRecurringFee(li)) hours += 1;
    else if (isSpCovered(li)) {
      used += li.amortizedCost;
      od += li.onDemandCost;
    }
  }
  const total = plan.commitment * hours;
  const recurring = Math.min(plan.recurringPaymentAmount, plan.commitment) * hours;
  return { hours, total, used: Math.min(used, total), onDemandEquivalent: od, amortizedRecurring: recurring, amortizedUpfront: total - recurring };
}

export function addFigures(list: PlanFigures[]): PlanFigures {
  const z: PlanFigures = { hours: 0, total: 0, used: 0, onDemandEquivalent: 0, amortizedRecurring: 0, amortizedUpfront: 0 };
  for (const f of list) for (const k of Object.keys(z) as (keyof PlanFigures)[]) z[k] += f[k];
  return z;
}

export function utilizationShape(f: PlanFigures): SavingsPlansUtilizationAggregates {
  return {
    Utilization: {
      TotalCommitment: amount(f.total), UsedCommitment: amount(f.used), UnusedCommitment: amount(f.total - f.used), UtilizationPercentage: percent(f.used, f.total),
    },
    Savings: { NetSavings: amount(f.onDemandEquivalent - f.total), OnDemandCostEquivalent: amount(f.onDemandEquivalent) },
    AmortizedCommitment: {
      AmortizedRecurringCommitment: amount(f.amortizedRecurring), AmortizedUpfrontCommitment: amount(f.amortizedUpfront), TotalAmortizedCommitment: amount(f.total),
    },
  };
}

export const planTypeValue = (p: SavingsPlan) => (p.planType === 'Compute' ? 'ComputeSavingsPlans' : 'EC2InstanceSavingsPlans');

/** The Cost Explorer dimensions of a plan (for filters on the utilization reports). */
export function planDimension(p: SavingsPlan, dim: string): string | undefined {
  switch (dim) {
    case 'SAVINGS_PLAN_ARN': return p.arn;
    case 'SAVINGS_PLANS_TYPE': return planTypeValue(p);
    case 'REGION': return p.region;
    case 'PAYMENT_OPTION': return p.paymentOption;
    case 'INSTANCE_TYPE_FAMILY': return p.instanceFamily;
    case 'LINKED_ACCOUNT': return p.account;
    default: return undefined;
  }
}
export const PLAN_DIMENSIONS = ['SAVINGS_PLAN_ARN', 'SAVINGS_PLANS_TYPE', 'REGION', 'PAYMENT_OPTION', 'INSTANCE_TYPE_FAMILY', 'LINKED_ACCOUNT'];

export const inPeriod = (items: LineItem[], p: Period) => items.filter((li) => li.hourMs >= p.startMs && li.hourMs < p.endMs);

/** Coverage of eligible usage: covered spend at its On-Demand equivalent, against the On-Demand spend left uncovered. */
export function coverageOf(items: LineItem[]): SavingsPlansCoverageData & { covered: number; total: number } {
  let covered = 0;
  let onDemand = 0;
  for (const li of items) {
    if (!isSpEligible(li)) continue;
    if (isSpCovered(li)) covered += li.onDemandCost;
    else onDemand += li.unblendedCost;
  }
  const total = covered + onDemand;
  return {
    SpendCoveredBySavingsPlans: amount(covered), OnDemandCost: amount(onDemand), TotalCost: amount(total), CoveragePercentage: percent(covered, total),
    covered, total,
  };
}
