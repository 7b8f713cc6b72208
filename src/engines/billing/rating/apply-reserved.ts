import { type Catalog, familyOf, termHours } from '../catalog/catalog.ts';
import type { ReservedInstances } from '../types.ts';
import type { LineSink } from './lines.ts';
import type { Stream } from './streams.ts';

const EC2 = 'Amazon Elastic Compute Cloud - Compute' as const;
const EPS = 1e-12;

/** An RI purchase prepared for the hour loop. */
interface Reservation {
  ri: ReservedInstances;
  key: string;
  /** Hour numbers [first, end): exactly the term's hours. */
  first: number;
  end: number;
  /** Normalized units per hour: count × normalization factor of the reserved type. */
  units: number;
  /** Effective USD per reserved instance-hour: recurring + upfront / term hours. */
  effective: number;
  nf: number;
  purchaseType: string;
  feeUsageType: string;
  /** Units not yet used in the current hour. */
  left: number;
}

/**
 * Regional Linux Reserved Instances, applied hour by hour before Savings Plans.
 *
 * Size flexibility: an RI gives count × NF(type) normalized units per hour to usage of the same family in the same
 * region (shared tenancy, On-Demand market, not on a host); usage consumes NF(its type) units per instance-hour,
 * smallest sizes first (the entries arrive sorted by NF). An RI of m7i.xlarge (8 units) covers two m7i.large hours.
 *
 * Money, per RI and hour (all hours of the term, used or not):
 *   RIFee line   unblended = count × recurringHourly           amortized = count × effective × unused share
 *   covered use  unblended = 0 (DiscountedUsage)               amortized = effective / NF(reserved type) × units used
 *   Fee line     unblended = count × fixedPrice, once, in the hour of purchase; amortized = 0
 * so over the term Σ amortized = count × (fixedPrice + recurringHourly × term hours) = Σ unblended.
 */
export class ReservedApplier {
  private readonly all: Reservation[];

  constructor(ris: ReservedInstances[], catalog: Catalog) {
    this.all = ris.map((ri) => {
      const hours = termHours(Math.round((ri.endMs - ri.startMs) / 1000));
      const first = Math.floor(ri.startMs / 3_600_000);
      const nf = catalog.normalizationFactor(ri.instanceType);
      return {
        ri, key: `${ri.region}|${familyOf(ri.instanceType)}`, first, end: first + hours, units: ri.instanceCount * nf,
        effective: ri.recurringHourly + ri.fixedPrice / hours, nf,
        purchaseType: ri.offeringClass === 'convertible' ? 'Convertible Reserved Instances' : 'Standard Reserved Instances',
        feeUsageType: `${catalog.usageTypePrefix(ri.region)}HeavyUsage:${ri.instanceType}`, left: 0,
      };
    });
  }

  get any(): boolean {
    return this.all.length > 0;
  }

  /** Applies the RIs active in hour `h` to `streams` (reducing `rem`) and writes covered usage and fee lines. */
  apply(h: number, streams: Stream[], rem: Float64Array, out: LineSink): void {
    const hourMs = h * 3_600_000;
    let byKey: Map<string, Reservation[]> | undefined;
    for (const r of this.all) {
      if (h === r.first && r.ri.fixedPrice > 0) {
        out.fee({
          hourMs, region: r.ri.region, service: EC2, usageType: r.feeUsageType, instanceType: r.ri.instanceType, purchaseType: r.purchaseType,
          reservationId: r.ri.id, quantity: r.ri.instanceCount, unit: 'Quantity', unblendedCost: r.ri.fixedPrice * r.ri.instanceCount,
          amortizedCost: 0, lineItemType: 'Fee',
        });
      }
      if (h < r.first || h >= r.end) continue;
      r.left = r.units;
      byKey ??= new Map();
      const list = byKey.get(r.key);
      if (list) list.push(r);
      else byKey.set(r.key, [r]);
    }
    if (!byKey) return;

    for (let i = 0; i < streams.length; i++) {
      const s = streams[i]!;
      if (s.riKey === undefined) continue;
      const list = byKey.get(s.riKey);
      if (!list) continue;
      for (const r of list) {
        if (r.left <= EPS || rem[i]! <= EPS) continue;
        const demand = rem[i]! * s.nf;
        const cover = Math.min(demand, r.left);
        const qty = cover === demand ? rem[i]! : cover / s.nf;
        out.usage(hourMs, s, qty, 0, (r.effective / r.nf) * cover, r.purchaseType, 'DiscountedUsage', r.ri.id);
        rem[i] = cover === demand ? 0 : rem[i]! - qty;
        r.left -= cover;
      }
    }

    for (const list of byKey.values()) {
      for (const r of list) {
        const unused = Math.max(0, r.left) / r.units;
        out.fee({
          hourMs, region: r.ri.region, service: EC2, usageType: r.feeUsageType, instanceType: r.ri.instanceType, purchaseType: r.purchaseType,
          reservationId: r.ri.id, quantity: r.ri.instanceCount, unit: 'Hrs', unblendedCost: r.ri.instanceCount * r.ri.recurringHourly,
          amortizedCost: r.ri.instanceCount * r.effective * unused, lineItemType: 'RIFee',
        });
      }
    }
  }
}
