import type { LineItem, ReservedInstances } from '../../engines/billing/types.ts';
import { fingerprint, page } from '../pricing/paging.ts';
import { type CeDeps, type CeHandlers, maxResults, tokenErrors } from './common.ts';
import { lineItemGetter } from './cost.ts';
import { ValidationException } from './errors.ts';
import type { Coverage, CoverageByTime, ReservationUtilizationGroup } from './generated/shapes.ts';
import { lineItemValue, missingValue } from './reports/dimensions.ts';
import { compileExpression, type DimensionGetter } from './reports/expression.ts';
import { addRi, isRiEligible, reservationFigures, riAggregates, riCoverage } from './reports/reservations.ts';
import { inPeriod } from './reports/savings-plans.ts';
import { checkGranularity, dateInterval, type Granularity, parseTimePeriod, periodsOf } from './reports/time.ts';

// GetReservationUtilization and GetReservationCoverage (EC2 Linux regional Reserved Instances).

const RI_DIMENSIONS = ['AZ', 'INSTANCE_TYPE', 'INSTANCE_TYPE_FAMILY', 'LINKED_ACCOUNT', 'PLATFORM', 'REGION', 'TENANCY', 'SUBSCRIPTION_ID', 'RESERVATION_ID'];
/** Coverage group-by dimensions → the attribute names AWS shows. */
const COVERAGE_ATTRS: Record<string, string> = {
  AZ: 'availabilityZone', INSTANCE_TYPE: 'instanceType', INSTANCE_TYPE_FAMILY: 'instanceTypeFamily', LINKED_ACCOUNT: 'linkedAccount',
  PLATFORM: 'platform', REGION: 'region', TENANCY: 'tenancy',
};

const riGetter = (li: LineItem): DimensionGetter => (d) => (d === 'SUBSCRIPTION_ID' || d === 'RESERVATION_ID' ? li.reservationId : lineItemValue(li, d));

function optionalGranularity(g: unknown): Granularity | undefined {
  return g === undefined ? undefined : checkGranularity(g, ['DAILY', 'MONTHLY']);
}

export function reservationHandlers(deps: CeDeps): CeHandlers<'GetReservationUtilization' | 'GetReservationCoverage'> {
  const { billing, clock } = deps;
  const od = (region: string, type: string) => billing.catalog.onDemandHourly(region, type);

  function reservationOf(account: string, region: string, id: string, cache: Map<string, ReservedInstances[]>): ReservedInstances | undefined {
    let list = cache.get(region);
    if (!list) cache.set(region, (list = billing.reserved.list({ account, region }, clock.now())));
    return list.find((r) => r.id === id);
  }

  return {
    GetReservationUtilization(input, ctx) {
      const granularity = optionalGranularity(input.Granularity);
      const groupBy = input.GroupBy ?? [];
      if (groupBy.length > 1 || groupBy.some((g) => g?.Type !== 'DIMENSION' || g.Key !== 'SUBSCRIPTION_ID')) {
        throw new ValidationException('Group Definition is invalid. GetReservationUtilization groups by DIMENSION SUBSCRIPTION_ID only');
      }
      if (groupBy.length && granularity) throw new ValidationException('If GroupBy is set, Granularity can\'t be set');
      const range = parseTimePeriod(input.TimePeriod, granularity, { now: clock.now() });
      const where = compileExpression(input.Filter, RI_DIMENSIONS);
      const items = billing.lineItems(ctx.account, range.startMs, range.endMs).filter((li) => li.reservationId);
      // Reservations with a fee line in the range, kept when their fee line passes the filter.
      const fees = new Map<string, LineItem>();
      for (const li of items) if (li.lineItemType === 'RIFee' && !fees.has(li.reservationId!)) fees.set(li.reservationId!, li);
      const ids = [...fees.keys()].filter((id) => where(riGetter(fees.get(id)!))).sort();
      const cache = new Map<string, ReservedInstances[]>();
      const byTime = periodsOf(range, granularity).map((p) => {
        const cut = inPeriod(items, p);
        const figures = ids.map((id) => ({ id, f: reservationFigures(id, cut, od) }));
        const groups: ReservationUtilizationGroup[] = groupBy.length
          ? figures.filter(({ f }) => f.purchasedHours > 0).map(({ id, f }) => {
            const fee = fees.get(id)!;
            const ri = reservationOf(ctx.account, fee.region, id, cache);
            return {
              Key: 'SUBSCRIPTION_ID', Value: id,
              Attributes: {
                accountId: ctx.account, leaseId: id, subscriptionId: id, region: fee.region, instanceType: fee.instanceType ?? '', platform: 'Linux/UNIX',
                tenancy: 'Shared', scope: 'Region',
                ...(ri && {
                  numberOfInstances: String(ri.instanceCount), startDateTime: new Date(ri.startMs).toISOString(), endDateTime: new Date(ri.endMs).toISOString(),
                  subscriptionType: ri.offeringType, offeringClass: ri.offeringClass, subscriptionStatus: ri.state === 'active' ? 'Active' : 'Retired',
                }),
              },
              Utilization: riAggregates(f),
            };
          })
          : [];
        return { TimePeriod: dateInterval(p, granularity), Groups: groups, Total: riAggregates(addRi(figures.map((x) => x.f))) };
      });
      const size = maxResults(input.MaxResults, 10_000);
      const out = page(byTime, size, input.NextPageToken, fingerprint({ ...input, NextPageToken: undefined }), tokenErrors);
      return {
        UtilizationsByTime: out.items,
        Total: riAggregates(addRi(ids.map((id) => reservationFigures(id, items, od)))),
        NextPageToken: out.nextToken,
      };
    },

    GetReservationCoverage(input, ctx) {
      const granularity = optionalGranularity(input.Granularity);
      const range = parseTimePeriod(input.TimePeriod, granularity, { now: clock.now() });
      const groupBy = input.GroupBy ?? [];
      if (groupBy.length > 2) throw new ValidationException('You can group by at most 2 dimensions');
      const dims = groupBy.map((g) => {
        if (g?.Type !== 'DIMENSION' || !g.Key || !COVERAGE_ATTRS[g.Key]) {
          throw new ValidationException(`Group Definition dimension is invalid. Valid values are ${Object.keys(COVERAGE_ATTRS).join(', ')}`);
        }
        return g.Key;
      });
      const parts = new Set(input.Metrics?.length ? input.Metrics : ['Hour', 'Unit', 'Cost']);
      for (const m of parts) if (!['Hour', 'Unit', 'Cost'].includes(m)) throw new ValidationException(`Metric ${m} is not supported. Valid values are Hour, Unit, Cost`);
      const pick = (c: Coverage): Coverage => ({
        ...(parts.has('Hour') && { CoverageHours: c.CoverageHours }),
        ...(parts.has('Unit') && { CoverageNormalizedUnits: c.CoverageNormalizedUnits }),
        ...(parts.has('Cost') && { CoverageCost: c.CoverageCost }),
      });
      const where = compileExpression(input.Filter, RI_DIMENSIONS.filter((d) => d !== 'SUBSCRIPTION_ID'));
      const items = billing.lineItems(ctx.account, range.startMs, range.endMs).filter((li) => isRiEligible(li) && where(lineItemGetter(li)));
      const byTime: CoverageByTime[] = periodsOf(range, granularity).map((p) => {
        const cut = inPeriod(items, p);
        const groups = new Map<string, { attrs: Record<string, string>; items: LineItem[] }>();
        if (dims.length) {
          for (const li of cut) {
            const attrs = Object.fromEntries(dims.map((d) => [COVERAGE_ATTRS[d]!, lineItemValue(li, d) ?? missingValue(d)]));
            const k = JSON.stringify(attrs);
            const g = groups.get(k);
            if (g) g.items.push(li);
            else groups.set(k, { attrs, items: [li] });
          }
        }
        return {
          TimePeriod: dateInterval(p, granularity),
          Groups: [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, g]) => ({ Attributes: g.attrs, Coverage: pick(riCoverage(g.items)) })),
          Total: pick(riCoverage(cut)),
        };
      });
      const size = maxResults(input.MaxResults, 10_000);
      const out = page(byTime, size, input.NextPageToken, fingerprint({ ...input, NextPageToken: undefined }), tokenErrors);
      return { CoveragesByTime: out.items, Total: pick(riCoverage(items)), NextPageToken: out.nextToken };
    },
  };
}
