import type { Ec2Deps, Scope } from '../deps.ts';
import { INSTANCE_TYPES, instanceType } from '../catalog/instance-types.ts';
import { applyFilters, type FilterInput } from '../domain/filters.ts';
import { paginate } from '../domain/paginate.ts';
import { InvalidParameterCombination, InvalidParameterValue } from '../errors.ts';
import { ensureDefaultVpc } from '../network.ts';
import { formatPrice } from './status.ts';

// DescribeSpotPriceHistory over the billing engine's simulated spot market. As on AWS, a time range also returns the
// last price change before StartTime (the price in effect at StartTime); without StartTime, Nimbus answers the prices
// in effect at EndTime (default now) — the current prices — rather than 90 days of history.

const LINUX = ['Linux/UNIX', 'Linux/UNIX (Amazon VPC)'];
const HISTORY_MS = 90 * 24 * 3_600_000;

interface Point { AvailabilityZone: string; AvailabilityZoneId?: string; InstanceType: string; ProductDescription: string; SpotPrice: string; Timestamp: Date }

const FIELDS: Parameters<typeof applyFilters<Point>>[2] = {
  'availability-zone': (p) => p.AvailabilityZone,
  'instance-type': (p) => p.InstanceType,
  'product-description': (p) => p.ProductDescription,
  'spot-price': (p) => p.SpotPrice,
  timestamp: (p) => p.Timestamp.toISOString(),
};

const time = (v: Date | string | number | undefined) => (v === undefined ? undefined : new Date(v).getTime());

export function spotPriceHandlers(d: Ec2Deps) {
  return {
    DescribeSpotPriceHistory(input: {
      StartTime?: Date; EndTime?: Date; InstanceTypes?: string[]; ProductDescriptions?: string[]; AvailabilityZone?: string; AvailabilityZoneId?: string;
      Filters?: FilterInput[]; MaxResults?: number; NextToken?: string;
    }, ctx: Scope) {
      const now = d.clock.now();
      const askedTo = time(input.EndTime) ?? now;
      const askedFrom = time(input.StartTime) ?? askedTo;
      if (Number.isNaN(askedFrom) || Number.isNaN(askedTo)) throw new InvalidParameterValue('StartTime and EndTime must be valid timestamps');
      if (askedFrom > askedTo) throw new InvalidParameterCombination('The StartTime must be before the EndTime');
      // AWS: history reaches back 90 days and no price is known after now, so the range is clamped to that window
      // (which also keeps a range of centuries from walking the market hour by hour).
      const to = Math.min(askedTo, now);
      const from = Math.min(Math.max(askedFrom, now - HISTORY_MS), to);
      for (const t of input.InstanceTypes ?? []) if (!instanceType(t)) throw new InvalidParameterValue(`Invalid value '${t}' for InstanceType.`);
      const { subnets } = ensureDefaultVpc(d, ctx);
      const zones = subnets.filter((s) => (!input.AvailabilityZone || s.az === input.AvailabilityZone) && (!input.AvailabilityZoneId || s.az_id === input.AvailabilityZoneId));
      const descriptions = (input.ProductDescriptions?.length ? input.ProductDescriptions : ['Linux/UNIX']).filter((p) => LINUX.includes(p));
      const types = input.InstanceTypes?.length ? input.InstanceTypes : INSTANCE_TYPES.map((t) => t.name).filter((t) => d.billing.catalog.onDemandHourly(ctx.region, t) !== undefined);
      const azId = new Map(zones.map((z) => [z.az, z.az_id]));
      const changes = zones.length && descriptions.length ? d.billing.spot.history(ctx.region, {
        az: input.AvailabilityZone ?? (zones.length === 1 ? zones[0].az : undefined), instanceTypes: types, fromMs: from, toMs: to,
      }) : [];
      const byKey = new Map<string, typeof changes>();
      for (const c of changes) byKey.set(`${c.az}|${c.instanceType}`, [...(byKey.get(`${c.az}|${c.instanceType}`) ?? []), c]);
      // Per (AZ, type): every change inside [from, to], plus the one in effect at `from` (stamped when it took effect).
      const points: { az: string; instanceType: string; price: number; timestamp: number }[] = [];
      for (const z of zones) {
        for (const t of types) {
          const mine = (byKey.get(`${z.az}|${t}`) ?? []).filter((c) => c.timestamp <= to).sort((a, b) => b.timestamp - a.timestamp);
          points.push(...mine.filter((c) => c.timestamp >= from));
          if (!mine.some((c) => c.timestamp === from)) {
            points.push(mine.find((c) => c.timestamp < from) ?? { az: z.az, instanceType: t, price: d.billing.spot.price(ctx.region, z.az, t, from), timestamp: from });
          }
        }
      }
      points.sort((a, b) => b.timestamp - a.timestamp || a.instanceType.localeCompare(b.instanceType) || a.az.localeCompare(b.az));
      const shaped: Point[] = descriptions.flatMap((desc) => points.map((p) => ({
        AvailabilityZone: p.az, AvailabilityZoneId: azId.get(p.az), InstanceType: p.instanceType, ProductDescription: desc, SpotPrice: formatPrice(p.price), Timestamp: new Date(p.timestamp),
      })));
      const rows = applyFilters(shaped, input.Filters, FIELDS);
      const { page, next } = paginate(rows, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
      // AWS: NextToken is an empty string on the last page of this operation.
      return { SpotPriceHistory: page, NextToken: next ?? '' };
    },
  };
}
