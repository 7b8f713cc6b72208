import type { ReservedInstances, ReservedOffering } from '../../engines/billing/types.ts';
import type { Ec2Deps, Scope } from './deps.ts';
import { applyFilters, type FilterInput } from './domain/filters.ts';
import { paginate } from './domain/paginate.ts';
import { InvalidParameterCombination, InvalidParameterValue, InvalidReservedInstancesId, InvalidReservedInstancesOfferingId, MissingParameter } from './errors.ts';

// Reserved Instances through the EC2 API: offerings and purchases come from the billing engine (d.billing.reserved),
// which applies them to usage when it rates the bill.
//
// LIMITATIONS: regional Linux/UNIX, default-tenancy offerings only (no zonal RIs, Windows, dedicated tenancy or the
// Reserved Instance Marketplace); no modify/exchange/sell; PurchaseTime (queued purchases) and LimitPrice are ignored.

const LINUX = ['Linux/UNIX', 'Linux/UNIX (Amazon VPC)'];
const OFFERING_TYPES = ['No Upfront', 'Partial Upfront', 'All Upfront'];
const CLASSES = ['standard', 'convertible'];

const charges = (hourly: number) => [{ Amount: hourly, Frequency: 'Hourly' }];

function offeringShape(o: ReservedOffering) {
  return {
    ReservedInstancesOfferingId: o.id, InstanceType: o.instanceType, Duration: o.durationSec, FixedPrice: o.fixedPrice, UsagePrice: 0,
    CurrencyCode: 'USD', InstanceTenancy: o.tenancy, Marketplace: false, OfferingClass: o.offeringClass, OfferingType: o.offeringType,
    PricingDetails: [], RecurringCharges: charges(o.recurringHourly), Scope: o.scope, ProductDescription: o.productDescription,
  };
}

function reservedShape(r: ReservedInstances) {
  return {
    ReservedInstancesId: r.id, InstanceType: r.instanceType, Start: new Date(r.startMs), End: new Date(r.endMs),
    Duration: Math.round((r.endMs - r.startMs) / 1000), UsagePrice: 0, FixedPrice: r.fixedPrice, InstanceCount: r.instanceCount,
    ProductDescription: 'Linux/UNIX', State: r.state, Tags: [], InstanceTenancy: 'default', CurrencyCode: 'USD', OfferingType: r.offeringType,
    RecurringCharges: charges(r.recurringHourly), OfferingClass: r.offeringClass, Scope: 'Region',
  };
}

function checkEnum(v: string | undefined, allowed: string[], name: string): void {
  if (v !== undefined && !allowed.includes(v)) throw new InvalidParameterValue(`Invalid value '${v}' for ${name}. Valid values: ${allowed.join(', ')}`);
}

type Offering = ReturnType<typeof offeringShape>;
type Reserved = ReturnType<typeof reservedShape>;

const OFFERING_FIELDS: Parameters<typeof applyFilters<Offering>>[2] = {
  'availability-zone': () => undefined,
  duration: (o) => o.Duration,
  'fixed-price': (o) => o.FixedPrice,
  'instance-type': (o) => o.InstanceType,
  marketplace: (o) => o.Marketplace,
  'product-description': () => LINUX,
  'reserved-instances-offering-id': (o) => o.ReservedInstancesOfferingId,
  scope: (o) => o.Scope,
  'usage-price': (o) => o.UsagePrice,
};

const RESERVED_FIELDS: Parameters<typeof applyFilters<Reserved>>[2] = {
  'availability-zone': () => undefined,
  duration: (r) => r.Duration,
  end: (r) => r.End.toISOString(),
  'fixed-price': (r) => r.FixedPrice,
  'instance-type': (r) => r.InstanceType,
  'product-description': () => LINUX,
  'reserved-instances-id': (r) => r.ReservedInstancesId,
  scope: (r) => r.Scope,
  start: (r) => r.Start.toISOString(),
  state: (r) => r.State,
  'usage-price': (r) => r.UsagePrice,
};

export function reservedHandlers(d: Ec2Deps) {
  return {
    DescribeReservedInstancesOfferings(input: {
      InstanceType?: string; OfferingClass?: string; OfferingType?: string; MinDuration?: number; MaxDuration?: number; ReservedInstancesOfferingIds?: string[];
      ProductDescription?: string; IncludeMarketplace?: boolean; InstanceTenancy?: string; AvailabilityZone?: string; MaxInstanceCount?: number;
      Filters?: FilterInput[]; MaxResults?: number; NextToken?: string;
    }, ctx: Scope) {
      checkEnum(input.OfferingClass, CLASSES, 'OfferingClass');
      checkEnum(input.InstanceTenancy, ['default', 'dedicated', 'host'], 'InstanceTenancy');
      if (input.MinDuration !== undefined && input.MaxDuration !== undefined && input.MinDuration > input.MaxDuration) {
        throw new InvalidParameterCombination('MinDuration must not be greater than MaxDuration');
      }
      if (input.ReservedInstancesOfferingIds?.length && input.MaxResults !== undefined) {
        throw new InvalidParameterCombination('The parameter reservedInstancesOfferingsSet cannot be used with the parameter maxResults');
      }
      // Nimbus offers what AWS lists for regional Linux/UNIX default tenancy; anything else has no offerings.
      const none = (input.ProductDescription && !LINUX.includes(input.ProductDescription)) || (input.InstanceTenancy && input.InstanceTenancy !== 'default')
        || (input.OfferingType && !OFFERING_TYPES.includes(input.OfferingType)) || input.AvailabilityZone;
      let offers = none ? [] : d.billing.reserved.offerings(ctx.region, {
        instanceType: input.InstanceType, offeringClass: input.OfferingClass as ReservedOffering['offeringClass'] | undefined,
        offeringType: input.OfferingType as ReservedOffering['offeringType'] | undefined, ids: input.ReservedInstancesOfferingIds,
      });
      offers = offers.filter((o) => (input.MinDuration === undefined || o.durationSec >= input.MinDuration) && (input.MaxDuration === undefined || o.durationSec <= input.MaxDuration));
      const rows = applyFilters(offers.map(offeringShape), input.Filters, OFFERING_FIELDS);
      const { page, next } = paginate(rows, input.MaxResults, input.NextToken, { min: 1, max: 100 });
      return { ReservedInstancesOfferings: page, NextToken: next };
    },

    PurchaseReservedInstancesOffering(input: { ReservedInstancesOfferingId?: string; InstanceCount?: number }, ctx: Scope) {
      if (!input.ReservedInstancesOfferingId) throw new MissingParameter('The request must contain the parameter ReservedInstancesOfferingId');
      if (input.InstanceCount === undefined) throw new MissingParameter('The request must contain the parameter InstanceCount');
      if (!Number.isInteger(input.InstanceCount) || input.InstanceCount < 1) {
        throw new InvalidParameterValue(`Value (${input.InstanceCount}) for parameter instanceCount is invalid. Expected a positive integer.`);
      }
      const offering = d.billing.reserved.offering(input.ReservedInstancesOfferingId);
      if (!offering || offering.region !== ctx.region) {
        throw new InvalidReservedInstancesOfferingId(`The Reserved Instances offering ID '${input.ReservedInstancesOfferingId}' is not valid.`);
      }
      const ri = d.billing.reserved.purchase(ctx, offering.id, input.InstanceCount, d.clock.now());
      return { ReservedInstancesId: ri.id };
    },

    DescribeReservedInstances(input: { ReservedInstancesIds?: string[]; OfferingClass?: string; OfferingType?: string; Filters?: FilterInput[] }, ctx: Scope) {
      checkEnum(input.OfferingClass, CLASSES, 'OfferingClass');
      let list = d.billing.reserved.list(ctx, d.clock.now()).filter((r) => r.region === ctx.region);
      if (input.ReservedInstancesIds?.length) {
        const missing = input.ReservedInstancesIds.find((id) => !list.some((r) => r.id === id));
        if (missing) throw new InvalidReservedInstancesId(`Reserved Instances ID '${missing}' does not exist`);
        list = list.filter((r) => input.ReservedInstancesIds!.includes(r.id));
      }
      if (input.OfferingClass) list = list.filter((r) => r.offeringClass === input.OfferingClass);
      if (input.OfferingType) list = list.filter((r) => r.offeringType === input.OfferingType);
      return { ReservedInstances: applyFilters(list.map(reservedShape), input.Filters, RESERVED_FIELDS) };
    },
  };
}
