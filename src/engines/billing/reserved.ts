import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/db.ts';
import { type Catalog, PAYMENT_OPTIONS, TERMS_SEC, termHours } from './catalog/catalog.ts';
import { stableUuid } from './stable-ids.ts';
import type { OfferingClass, PaymentOption, ReservedInstances, ReservedInstancesBook, ReservedOffering, Scope } from './types.ts';

const CLASSES: OfferingClass[] = ['standard', 'convertible'];
const cents = (x: number) => Math.round(x * 100) / 100;
const micro = (x: number) => Math.round(x * 1e6) / 1e6;

interface Row {
  id: string; account: string; region: string; offering_id: string; instance_type: string; instance_count: number;
  offering_class: OfferingClass; offering_type: PaymentOption; fixed_price: number; recurring_hourly: number; start_ms: number; end_ms: number;
}

/**
 * Regional Linux Reserved Instances. Offerings are derived from the catalog: the effective hourly price is
 * On-Demand × (1 − discount); All Upfront pays it all at purchase (recurring 0), No Upfront pays it hourly (fixed 0),
 * Partial Upfront pays `partialUpfrontShare` of it upfront and the rest hourly. Purchases are stored in
 * reserved_instances. AWS: also zonal RIs, other platforms, the Marketplace, exchanges and modifications. Here: none
 * of those, because Nimbus prices Linux only.
 */
export class ReservedBook implements ReservedInstancesBook {
  private readonly byRegion = new Map<string, ReservedOffering[]>();
  private readonly byId = new Map<string, ReservedOffering>();
  private readonly insert;
  private readonly listStmt;
  private readonly overlapStmt;

  constructor(db: Db, private readonly catalog: Catalog) {
    this.insert = db.prepare(`INSERT INTO reserved_instances (id, account, region, offering_id, instance_type, instance_count, offering_class, offering_type, fixed_price, recurring_hourly, start_ms, end_ms)
      VALUES (@id, @account, @region, @offeringId, @instanceType, @instanceCount, @offeringClass, @offeringType, @fixedPrice, @recurringHourly, @startMs, @endMs)`);
    this.listStmt = db.prepare('SELECT * FROM reserved_instances WHERE account = ? AND region = ? ORDER BY start_ms, id');
    this.overlapStmt = db.prepare('SELECT * FROM reserved_instances WHERE account = ? AND start_ms < ? AND end_ms > ? ORDER BY start_ms, id');
  }

  /** Offerings of a region, generated once (also for regions outside the catalog, priced like us-east-1). */
  private regionOfferings(region: string): ReservedOffering[] {
    let list = this.byRegion.get(region);
    if (list) return list;
    list = [];
    for (const instanceType of this.catalog.instanceTypes()) {
      const od = this.catalog.onDemandHourly(region, instanceType)!;
      for (const offeringClass of CLASSES) {
        for (const durationSec of TERMS_SEC) {
          for (const offeringType of PAYMENT_OPTIONS) {
            const effective = od * (1 - this.catalog.riDiscount(offeringClass, durationSec, offeringType));
            const hours = termHours(durationSec);
            const share = offeringType === 'All Upfront' ? 1 : offeringType === 'Partial Upfront' ? this.catalog.riPartialUpfrontShare() : 0;
            const o: ReservedOffering = {
              id: stableUuid(`ri|${region}|${instanceType}|${offeringClass}|${durationSec}|${offeringType}`),
              instanceType, region, durationSec, offeringClass, offeringType,
              fixedPrice: cents(effective * hours * share),
              recurringHourly: micro(effective * (1 - share)),
              productDescription: 'Linux/UNIX', scope: 'Region', tenancy: 'default',
            };
            list.push(o);
            this.byId.set(o.id, o);
          }
        }
      }
    }
    this.byRegion.set(region, list);
    return list;
  }

  offerings(region: string, q: { instanceType?: string; offeringClass?: OfferingClass; offeringType?: PaymentOption; durationSec?: number; ids?: string[] } = {}): ReservedOffering[] {
    return this.regionOfferings(region).filter((o) =>
      (!q.instanceType || o.instanceType === q.instanceType) && (!q.offeringClass || o.offeringClass === q.offeringClass)
      && (!q.offeringType || o.offeringType === q.offeringType) && (q.durationSec === undefined || o.durationSec === q.durationSec)
      && (!q.ids?.length || q.ids.includes(o.id)));
  }

  /** An offering by id: offerings are generated per region on first use, so look in every priced region. */
  offering(id: string): ReservedOffering | undefined {
    if (!this.byId.has(id)) for (const region of this.catalog.regions()) this.regionOfferings(region);
    return this.byId.get(id);
  }

  purchase(s: Scope, offeringId: string, count: number, atMs: number): ReservedInstances {
    const o = this.offering(offeringId)!;
    const row: Omit<ReservedInstances, 'state'> = {
      id: randomUUID(), account: s.account, region: s.region, offeringId, instanceType: o.instanceType, instanceCount: count,
      startMs: atMs, endMs: atMs + o.durationSec * 1000, offeringClass: o.offeringClass, offeringType: o.offeringType,
      fixedPrice: o.fixedPrice, recurringHourly: o.recurringHourly,
    };
    this.insert.run(row);
    return { ...row, state: stateAt(row, atMs) };
  }

  list(s: Scope, atMs: number): ReservedInstances[] {
    return (this.listStmt.all(s.account, s.region) as Row[]).map((r) => fromRow(r, atMs));
  }

  /** Purchases of an account (every region) whose term overlaps [fromMs, toMs): the rater's input. */
  overlapping(account: string, fromMs: number, toMs: number): ReservedInstances[] {
    return (this.overlapStmt.all(account, toMs, fromMs) as Row[]).map((r) => fromRow(r, toMs));
  }
}

const stateAt = (r: { startMs: number; endMs: number }, atMs: number): ReservedInstances['state'] =>
  atMs >= r.endMs ? 'retired' : 'active';

function fromRow(r: Row, atMs: number): ReservedInstances {
  const ri = {
    id: r.id, account: r.account, region: r.region, offeringId: r.offering_id, instanceType: r.instance_type, instanceCount: r.instance_count,
    startMs: r.start_ms, endMs: r.end_ms, offeringClass: r.offering_class, offeringType: r.offering_type, fixedPrice: r.fixed_price,
    recurringHourly: r.recurring_hourly,
  };
  return { ...ri, state: stateAt(ri, atMs) };
}
