import type { Billing, PaymentOption, SavingsPlanOffering, SavingsPlanType } from '../../engines/billing/types.ts';
import { fingerprint, page } from '../pricing/paging.ts';
import { offeringServiceCode, offeringShape, offeringUsageType, parentOffering, rateFields, rateShape, type EngineRate } from './shapes.ts';
import { filterValues, pageSize, tokenErrors, type SpHandlers } from './common.ts';

// DescribeSavingsPlansOfferings and DescribeSavingsPlansOfferingRates over the engine's offerings and rates.

const PLAN_TYPES: SavingsPlanType[] = ['Compute', 'EC2Instance'];

const inList = <T>(list: T[] | undefined, v: T | undefined) => !list?.length || (v !== undefined && list.includes(v));

/** Offerings matching the plan-level parameters shared by both operations. */
function matchingOfferings(billing: Pick<Billing, 'savingsPlans'>, q: {
  ids?: string[]; planTypes?: string[]; paymentOptions?: string[]; durations?: number[]; region?: string[]; instanceFamily?: string[];
}): SavingsPlanOffering[] {
  // Types Nimbus has no offerings for (SageMaker, Database) simply match nothing.
  const planTypes = q.planTypes?.length ? q.planTypes.filter((t): t is SavingsPlanType => (PLAN_TYPES as string[]).includes(t)) : undefined;
  if (planTypes && !planTypes.length) return [];
  return billing.savingsPlans.offerings({
    planTypes, paymentOptions: q.paymentOptions as PaymentOption[] | undefined, durationsSec: q.durations, ids: q.ids,
  }).filter((o) =>
    // AWS: region / instanceFamily select EC2 Instance plans (a Compute plan has neither property).
    (!q.region?.length || (o.region !== undefined && q.region.includes(o.region)))
    && (!q.instanceFamily?.length || (o.instanceFamily !== undefined && q.instanceFamily.includes(o.instanceFamily))));
}

export function offeringHandlers(billing: Pick<Billing, 'savingsPlans'>): SpHandlers<'DescribeSavingsPlansOfferings' | 'DescribeSavingsPlansOfferingRates'> {
  return {
    DescribeSavingsPlansOfferings(input) {
      const f = filterValues(input.filters, ['region', 'instanceFamily']);
      const size = pageSize(input.maxResults, 1000);
      const list = matchingOfferings(billing, {
        ids: input.offeringIds, planTypes: input.planTypes, paymentOptions: input.paymentOptions, durations: input.durations,
        region: f.get('region'), instanceFamily: f.get('instanceFamily'),
      }).filter((o) => (!input.productType || o.productTypes.includes(input.productType as 'EC2'))
        && inList(input.currencies, o.currency) && inList(input.descriptions, o.description)
        && inList(input.serviceCodes, offeringServiceCode(o)) && inList(input.usageTypes, offeringUsageType(o))
        && inList(input.operations, ''));
      const out = page(list, size, input.nextToken, fingerprint({ ...input, nextToken: undefined, maxResults: undefined }), tokenErrors);
      return { searchResults: out.items.map(offeringShape), nextToken: out.nextToken };
    },
    DescribeSavingsPlansOfferingRates(input) {
      const allowed = ['region', 'instanceFamily', 'instanceType', 'productDescription', 'tenancy', 'productId'] as const;
      const f = filterValues(input.filters, allowed);
      const size = pageSize(input.maxResults, 1000);
      const offerings = matchingOfferings(billing, { ids: input.savingsPlanOfferingIds, planTypes: input.savingsPlanTypes, paymentOptions: input.savingsPlanPaymentOptions });
      const regions = f.get('region');
      const rows: { o: SavingsPlanOffering; r: EngineRate }[] = [];
      for (const o of offerings) {
        const rates = regions?.length ? regions.flatMap((rg) => billing.savingsPlans.rates(o.offeringId, rg)) : billing.savingsPlans.rates(o.offeringId);
        for (const r of rates) {
          const fields = rateFields(r);
          if (!inList(input.products, r.productType) || !inList(input.serviceCodes, fields.serviceCode as never) || !inList(input.usageTypes, r.usageType)
            || !inList(input.operations, fields.operation)) continue;
          if (![...f].every(([name, values]) => name === 'productId' ? values.includes(r.usageType) : values.includes(fields[name] ?? '\0'))) continue;
          rows.push({ o, r });
        }
      }
      const out = page(rows, size, input.nextToken, fingerprint({ ...input, nextToken: undefined, maxResults: undefined }), tokenErrors);
      return {
        searchResults: out.items.map(({ o, r }) => {
          const { rate, unit, productType, serviceCode, usageType, operation, properties } = rateShape(r);
          return { savingsPlanOffering: parentOffering(o), rate, unit, productType, serviceCode, usageType, operation, properties };
        }),
        nextToken: out.nextToken,
      };
    },
  };
}
