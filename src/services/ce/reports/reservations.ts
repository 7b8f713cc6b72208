import type { LineItem } from '../../../engines/billing/types.ts';
import { normalizationFactor } from '../../pricing/products.ts';
import type { Coverage, ReservationAggregates } from '../generated/shapes.ts';
import { isInstanceUsage } from './dimensions.ts';
import { amount, percent } from './format.ts';

// Reserved Instance utilization and coverage from the engine's line items:
//   RIFee            one per reservation and hour of its term; quantity = instances, unblended = recurring fee,
//                    amortized = the effective cost of the part left unused
//   DiscountedUsage  usage the reservation covered; amortized = its share of the effective cost, onDemandCost
// (size flexibility: an RI's units = instances × normalization factor; usage consumes its own type's factor).

export interface RiFigures {
  purchasedHours: number;
  purchasedUnits: number;
  actualHours: number;
  actualUnits: number;
  onDemandCostOfUsed: number;
  amortizedRecurring: number;
  totalAmortized: number;
  costOfUnused: number;
  /** On-Demand price of the purchased hours (for potential savings). */
  onDemandOfPurchased: number;
}

export const emptyRi = (): RiFigures => ({
  purchasedHours: 0, purchasedUnits: 0, actualHours: 0, actualUnits: 0, onDemandCostOfUsed: 0, amortizedRecurring: 0, totalAmortized: 0, costOfUnused: 0, onDemandOfPurchased: 0,
});

/**
 * One reservation's figures over line items cut to a period. `onDemandHourly` prices the reserved type (for
 * TotalPotentialRISavings).
 */
export function reservationFigures(id: string, items: LineItem[], onDemandHourly: (region: string, type: string) => number | undefined): RiFigures {
  const f = emptyRi();
  let nfReserved = 0;
  for (const li of items) {
    if (li.reservationId !== id) continue;
    if (li.lineItemType === 'RIFee') {
      nfReserved = normalizationFactor(li.instanceType ?? '');
      f.purchasedHours += li.quantity;
      f.purchasedUnits += li.quantity * nfReserved;
      f.amortizedRecurring += li.unblendedCost;
      f.totalAmortized += li.amortizedCost;
      f.costOfUnused += li.amortizedCost;
      f.onDemandOfPurchased += li.quantity * (onDemandHourly(li.region, li.instanceType ?? '') ?? 0);
    } else if (li.lineItemType === 'DiscountedUsage') {
      f.actualUnits += li.quantity * normalizationFactor(li.instanceType ?? '');
      f.onDemandCostOfUsed += li.onDemandCost;
      f.totalAmortized += li.amortizedCost;
    }
  }
  // Hours used, in instances of the reserved size.
  f.actualHours = nfReserved ? f.actualUnits / nfReserved : 0;
  return f;
}

export function addRi(list: RiFigures[]): RiFigures {
  const z = emptyRi();
  for (const f of list) for (const k of Object.keys(z) as (keyof RiFigures)[]) z[k] += f[k];
  return z;
}

export function riAggregates(f: RiFigures): ReservationAggregates {
  const netSavings = f.onDemandCostOfUsed - f.totalAmortized;
  const potential = f.onDemandOfPurchased - f.totalAmortized;
  const realized = f.onDemandCostOfUsed - (f.totalAmortized - f.costOfUnused);
  return {
    UtilizationPercentage: percent(f.actualHours, f.purchasedHours),
    UtilizationPercentageInUnits: percent(f.actualUnits, f.purchasedUnits),
    PurchasedHours: amount(f.purchasedHours),
    PurchasedUnits: amount(f.purchasedUnits),
    TotalActualHours: amount(f.actualHours),
    TotalActualUnits: amount(f.actualUnits),
    UnusedHours: amount(f.purchasedHours - f.actualHours),
    UnusedUnits: amount(f.purchasedUnits - f.actualUnits),
    OnDemandCostOfRIHoursUsed: amount(f.onDemandCostOfUsed),
    NetRISavings: amount(netSavings),
    TotalPotentialRISavings: amount(potential),
    AmortizedUpfrontFee: amount(f.totalAmortized - f.amortizedRecurring),
    AmortizedRecurringFee: amount(f.amortizedRecurring),
    TotalAmortizedFee: amount(f.totalAmortized),
    RICostForUnusedHours: amount(f.costOfUnused),
    RealizedSavings: amount(realized),
    UnrealizedSavings: amount(potential - realized),
  };
}

/** Instance usage an RI could cover: On-Demand shared-tenancy and RI-covered instance hours (not spot, hosts or plans). */
export function isRiEligible(li: LineItem): boolean {
  if (!isInstanceUsage(li)) return false;
  if (li.lineItemType === 'DiscountedUsage') return true;
  return ((li.lineItemType ?? 'Usage') === 'Usage' && li.purchaseType === 'On Demand Instances') || li.lineItemType === 'SavingsPlanCoveredUsage';
}

export function riCoverage(items: LineItem[]): Coverage {
  let reserved = 0;
  let onDemand = 0;
  let reservedUnits = 0;
  let onDemandUnits = 0;
  let onDemandCost = 0;
  for (const li of items) {
    if (!isRiEligible(li)) continue;
    const nf = normalizationFactor(li.instanceType ?? '');
    if (li.lineItemType === 'DiscountedUsage') {
      reserved += li.quantity;
      reservedUnits += li.quantity * nf;
    } else {
      onDemand += li.quantity;
      onDemandUnits += li.quantity * nf;
      onDemandCost += li.lineItemType === 'SavingsPlanCoveredUsage' ? li.amortizedCost : li.unblendedCost;
    }
  }
  return {
    CoverageHours: {
      OnDemandHours: amount(onDemand), ReservedHours: amount(reserved), TotalRunningHours: amount(onDemand + reserved), CoverageHoursPercentage: percent(reserved, onDemand + reserved),
    },
    CoverageNormalizedUnits: {
      OnDemandNormalizedUnits: amount(onDemandUnits), ReservedNormalizedUnits: amount(reservedUnits),
      TotalRunningNormalizedUnits: amount(onDemandUnits + reservedUnits), CoverageNormalizedUnitsPercentage: percent(reservedUnits, onDemandUnits + reservedUnits),
    },
    CoverageCost: { OnDemandCost: amount(onDemandCost) },
  };
}
