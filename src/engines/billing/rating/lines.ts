import type { LineItem, LineItemType } from '../types.ts';
import type { Stream } from './streams.ts';

/**
 * Appends line items in one place, so every line has the same shape. Each variant is one object literal with all
 * its keys (optional ones absent, never `undefined`): V8 then allocates each line in one piece, which matters at
 * ~700,000 lines for a month of 1,000 instances.
 */
export class LineSink {
  readonly items: LineItem[] = [];

  constructor(private readonly account: string) {}

  /** A usage line of a stream: uncovered (Usage), RI-covered (DiscountedUsage) or plan-covered. */
  usage(hourMs: number, s: Stream, quantity: number, unblended: number, amortized: number, purchaseType: string, lineItemType: LineItemType, reservationId?: string, savingsPlanArn?: string): void {
    const account = this.account;
    const { region, service, usageType, unit, resourceId } = s;
    const onDemandCost = s.onDemand * quantity;
    let li: LineItem;
    if (s.instanceType !== undefined && s.az !== undefined) {
      const { instanceType, az } = s;
      li = reservationId !== undefined
        ? { hourMs, account, region, service, usageType, purchaseType, quantity, unit, unblendedCost: unblended, amortizedCost: amortized, onDemandCost, lineItemType, resourceId, instanceType, az, reservationId }
        : savingsPlanArn !== undefined
          ? { hourMs, account, region, service, usageType, purchaseType, quantity, unit, unblendedCost: unblended, amortizedCost: amortized, onDemandCost, lineItemType, resourceId, instanceType, az, savingsPlanArn }
          : { hourMs, account, region, service, usageType, purchaseType, quantity, unit, unblendedCost: unblended, amortizedCost: amortized, onDemandCost, lineItemType, resourceId, instanceType, az };
    } else if (s.az !== undefined) {
      const az = s.az; // Fargate tasks
      li = savingsPlanArn !== undefined
        ? { hourMs, account, region, service, usageType, purchaseType, quantity, unit, unblendedCost: unblended, amortizedCost: amortized, onDemandCost, lineItemType, resourceId, az, savingsPlanArn }
        : { hourMs, account, region, service, usageType, purchaseType, quantity, unit, unblendedCost: unblended, amortizedCost: amortized, onDemandCost, lineItemType, resourceId, az };
    } else {
      li = savingsPlanArn !== undefined // Lambda
        ? { hourMs, account, region, service, usageType, purchaseType, quantity, unit, unblendedCost: unblended, amortizedCost: amortized, onDemandCost, lineItemType, resourceId, savingsPlanArn }
        : { hourMs, account, region, service, usageType, purchaseType, quantity, unit, unblendedCost: unblended, amortizedCost: amortized, onDemandCost, lineItemType, resourceId };
    }
    this.items.push(li);
  }

  /** A fee line (RI hourly fee or upfront payment, Savings Plan commitment or upfront payment). */
  fee(f: Omit<LineItem, 'account' | 'onDemandCost'>): void {
    this.items.push({ account: this.account, onDemandCost: 0, ...f });
  }
}
