import { randomUUID } from 'node:crypto';
import type { LineItem, PaymentOption, SavingsPlan, SavingsPlanOffering } from '../../engines/billing/types.ts';
import { fingerprint, page } from '../pricing/paging.ts';
import { regionLocation } from '../../core/regions.ts';
import { type CeDeps, type CeHandlers, maxResults, oneOf, tokenErrors } from './common.ts';
import { lineItemGetter } from './cost.ts';
import { ValidationException } from './errors.ts';
import type { SavingsPlansCoverage, SavingsPlansPurchaseRecommendationDetail, SavingsPlansUtilizationDetail } from './generated/shapes.ts';
import { LINE_ITEM_DIMENSIONS, isInstanceUsage, lineItemValue, missingValue } from './reports/dimensions.ts';
import { compileExpression } from './reports/expression.ts';
import { amount, percent } from './reports/format.ts';
import { hourlySpend, recommend, type Recommendation } from './reports/recommendation.ts';
import {
  addFigures, coverageOf, inPeriod, isSpEligible, PLAN_DIMENSIONS, planDimension, planFigures, planTypeValue, utilizationShape,
} from './reports/savings-plans.ts';
import { checkGranularity, dateInterval, hourStart, type Granularity, type Period, parseTimePeriod, periodsOf } from './reports/time.ts';

// GetSavingsPlansUtilization(+Details), GetSavingsPlansCoverage and GetSavingsPlansPurchaseRecommendation.

const TERM_SEC = { ONE_YEAR: 31_536_000, THREE_YEARS: 94_608_000 } as const;
const PAYMENT: Record<string, PaymentOption> = { NO_UPFRONT: 'No Upfront', PARTIAL_UPFRONT: 'Partial Upfront', ALL_UPFRONT: 'All Upfront' };
const UPFRONT_SHARE: Record<PaymentOption, number> = { 'No Upfront': 0, 'Partial Upfront': 0.5, 'All Upfront': 1 };
const LOOKBACK_DAYS = { SEVEN_DAYS: 7, THIRTY_DAYS: 30, SIXTY_DAYS: 60 } as const;
/** Hours in a month as AWS's estimates count them. */
const MONTH_HOURS = 730;

/** Coverage group-by keys (AWS says INSTANCE_FAMILY here) → the line item dimension and the attribute name shown. */
const COVERAGE_GROUPS: Record<string, { dim: string; attr: string }> = {
  SERVICE: { dim: 'SERVICE', attr: 'SERVICE' },
  REGION: { dim: 'REGION', attr: 'REGION' },
  INSTANCE_FAMILY: { dim: 'INSTANCE_TYPE_FAMILY', attr: 'INSTANCE_FAMILY' },
  INSTANCE_TYPE_FAMILY: { dim: 'INSTANCE_TYPE_FAMILY', attr: 'INSTANCE_FAMILY' },
  LINKED_ACCOUNT: { dim: 'LINKED_ACCOUNT', attr: 'LINKED_ACCOUNT' },
};

export function savingsPlansHandlers(deps: CeDeps): CeHandlers<'GetSavingsPlansUtilization' | 'GetSavingsPlansUtilizationDetails' | 'GetSavingsPlansCoverage' | 'GetSavingsPlansPurchaseRecommendation'> {
  const { billing, clock } = deps;

  /** Plans in force during the range that pass the filter, with the line items of the range. */
  function plansAndItems(account: string, range: Period, filter: Parameters<typeof compileExpression>[0]): { plans: SavingsPlan[]; items: LineItem[] } {
    const where = compileExpression(filter, PLAN_DIMENSIONS);
    const plans = billing.savingsPlans.list(account, clock.now())
      .filter((p) => p.state !== 'queued-deleted' && p.startMs < range.endMs && p.endMs > range.startMs && where((d) => planDimension(p, d)));
    const arns = new Set(plans.map((p) => p.arn));
    const items = plans.length ? billing.lineItems(account, range.startMs, range.endMs).filter((li) => li.savingsPlanArn && arns.has(li.savingsPlanArn)) : [];
    return { plans, items };
  }

  function planAttributes(p: SavingsPlan): Record<string, string> {
    const o = billing.savingsPlans.offering(p.offeringId);
    const years = Math.round((p.endMs - p.startMs) / 1000 / 31_536_000);
    return {
      AccountId: p.account,
      SavingsPlansType: planTypeValue(p),
      PaymentOption: p.paymentOption,
      PurchaseTerm: `${years}yr`,
      ...(p.region && { Region: regionLocation(p.region) }),
      ...(p.instanceFamily && { InstanceFamily: p.instanceFamily }),
      StartDateTime: new Date(p.startMs).toISOString(),
      EndDateTime: new Date(p.endMs).toISOString(),
      UpfrontFee: amount(p.upfrontPaymentAmount),
      RecurringHourlyFee: amount(p.recurringPaymentAmount),
      ...(o && { OfferingId: o.offeringId }),
    };
  }

  return {
    GetSavingsPlansUtilization(input, ctx) {
      const granularity = input.Granularity === undefined ? 'DAILY' : checkGranularity(input.Granularity, ['DAILY', 'MONTHLY']);
      const range = parseTimePeriod(input.TimePeriod, granularity, { now: clock.now() });
      const { plans, items } = plansAndItems(ctx.account, range, input.Filter);
      const byTime = periodsOf(range, granularity).map((p) => {
        const cut = inPeriod(items, p);
        return { TimePeriod: dateInterval(p, granularity), ...utilizationShape(addFigures(plans.map((plan) => planFigures(plan, cut)))) };
      });
      return { SavingsPlansUtilizationsByTime: byTime, Total: utilizationShape(addFigures(plans.map((plan) => planFigures(plan, items)))) };
    },

    GetSavingsPlansUtilizationDetails(input, ctx) {
      const range = parseTimePeriod(input.TimePeriod, 'DAILY', { now: clock.now() });
      const types = new Set(input.DataType?.length ? input.DataType : ['ATTRIBUTES', 'UTILIZATION', 'AMORTIZED_COMMITMENT', 'SAVINGS']);
      const { plans, items } = plansAndItems(ctx.account, range, input.Filter);
      const rows = plans.map((p) => ({ p, f: planFigures(p, items) }));
      const sort = input.SortBy;
      if (sort) {
        const keyOf: Record<string, (r: (typeof rows)[number]) => number> = {
          UtilizationPercentage: (r) => (r.f.total ? r.f.used / r.f.total : 0), AmortizedRecurringCommitment: (r) => r.f.amortizedRecurring,
          AmortizedUpfrontCommitment: (r) => r.f.amortizedUpfront, TotalCommitment: (r) => r.f.total, UsedCommitment: (r) => r.f.used,
          UnusedCommitment: (r) => r.f.total - r.f.used, NetSavings: (r) => r.f.onDemandEquivalent - r.f.total,
        };
        const k = keyOf[sort.Key];
        if (!k) throw new ValidationException(`SortBy key ${sort.Key} is not supported. Valid values are ${Object.keys(keyOf).join(', ')}`);
        rows.sort((a, b) => (sort.SortOrder === 'DESCENDING' ? k(b) - k(a) : k(a) - k(b)));
      }
      const size = maxResults(input.MaxResults, 1000);
      const out = page(rows, size, input.NextToken, fingerprint({ ...input, NextToken: undefined }), tokenErrors);
      const details: SavingsPlansUtilizationDetail[] = out.items.map(({ p, f }) => {
        const s = utilizationShape(f);
        return {
          SavingsPlanArn: p.arn,
          ...(types.has('ATTRIBUTES') && { Attributes: planAttributes(p) }),
          ...(types.has('UTILIZATION') && { Utilization: s.Utilization }),
          ...(types.has('SAVINGS') && { Savings: s.Savings }),
          ...(types.has('AMORTIZED_COMMITMENT') && { AmortizedCommitment: s.AmortizedCommitment }),
        };
      });
      return {
        SavingsPlansUtilizationDetails: details,
        Total: utilizationShape(addFigures(rows.map((r) => r.f))),
        TimePeriod: dateInterval(range, 'DAILY'),
        NextToken: out.nextToken,
      };
    },

    GetSavingsPlansCoverage(input, ctx) {
      const granularity: Granularity | undefined = input.Granularity === undefined ? undefined : checkGranularity(input.Granularity, ['DAILY', 'MONTHLY']);
      const range = parseTimePeriod(input.TimePeriod, granularity, { now: clock.now() });
      for (const m of input.Metrics ?? []) if (m !== 'SpendCoveredBySavingsPlans') throw new ValidationException(`Metric ${m} is not supported. Valid values are SpendCoveredBySavingsPlans`);
      if ((input.GroupBy ?? []).length > 2) throw new ValidationException('You can group by at most 2 dimensions');
      const groups = (input.GroupBy ?? []).map((g) => {
        if (g?.Type !== 'DIMENSION' || !g.Key || !COVERAGE_GROUPS[g.Key]) {
          throw new ValidationException(`Group Definition is invalid. Valid dimensions are ${Object.keys(COVERAGE_GROUPS).filter((k) => k !== 'INSTANCE_TYPE_FAMILY').join(', ')}`);
        }
        return COVERAGE_GROUPS[g.Key]!;
      });
      const where = compileExpression(input.Filter, LINE_ITEM_DIMENSIONS);
      const items = billing.lineItems(ctx.account, range.startMs, range.endMs).filter((li) => isSpEligible(li) && where(lineItemGetter(li)));
      const rows: (SavingsPlansCoverage & { covered: number; total: number })[] = [];
      for (const p of periodsOf(range, granularity)) {
        const cut = inPeriod(items, p);
        const byGroup = new Map<string, { attrs: Record<string, string>; items: LineItem[] }>();
        for (const li of cut) {
          const attrs = Object.fromEntries(groups.map((g) => [g.attr, lineItemValue(li, g.dim) ?? missingValue(g.dim)]));
          const k = JSON.stringify(attrs);
          const e = byGroup.get(k);
          if (e) e.items.push(li);
          else byGroup.set(k, { attrs, items: [li] });
        }
        if (!groups.length && !byGroup.size) byGroup.set('{}', { attrs: {}, items: [] });
        for (const { attrs, items: gi } of [...byGroup.values()].sort((a, b) => (JSON.stringify(a.attrs) < JSON.stringify(b.attrs) ? -1 : 1))) {
          const { covered, total, ...data } = coverageOf(gi);
          rows.push({ Attributes: attrs, Coverage: data, TimePeriod: dateInterval(p, granularity), covered, total });
        }
      }
      if (input.SortBy) {
        const keyOf: Record<string, (r: (typeof rows)[number]) => number | string> = {
          SpendCoveredBySavingsPlans: (r) => r.covered, OnDemandCost: (r) => r.total - r.covered, TotalCost: (r) => r.total,
          CoveragePercentage: (r) => (r.total ? r.covered / r.total : 0),
          InstanceFamily: (r) => r.Attributes?.INSTANCE_FAMILY ?? '', Region: (r) => r.Attributes?.REGION ?? '', Service: (r) => r.Attributes?.SERVICE ?? '',
        };
        const k = keyOf[input.SortBy.Key];
        if (!k) throw new ValidationException(`SortBy key ${input.SortBy.Key} is not supported. Valid values are ${Object.keys(keyOf).join(', ')}`);
        const desc = input.SortBy.SortOrder === 'DESCENDING';
        rows.sort((a, b) => {
          const x = k(a);
          const y = k(b);
          const d = x < y ? -1 : x > y ? 1 : 0;
          return desc ? -d : d;
        });
      }
      const size = maxResults(input.MaxResults, 1000);
      const out = page(rows, size, input.NextToken, fingerprint({ ...input, NextToken: undefined }), tokenErrors);
      return { SavingsPlansCoverages: out.items.map(({ covered: _c, total: _t, ...r }) => r), NextToken: out.nextToken };
    },

    GetSavingsPlansPurchaseRecommendation(input, ctx) {
      const now = clock.now();
      const spType = oneOf(input.SavingsPlansType, ['COMPUTE_SP', 'EC2_INSTANCE_SP', 'SAGEMAKER_SP', 'DATABASE_SP'] as const, 'SavingsPlansType');
      if (spType === 'SAGEMAKER_SP' || spType === 'DATABASE_SP') throw new ValidationException(`SavingsPlansType ${spType} is not supported by Nimbus (it offers Compute and EC2 Instance Savings Plans)`);
      const term = oneOf(input.TermInYears, ['ONE_YEAR', 'THREE_YEARS'] as const, 'TermInYears');
      const paymentKey = oneOf(input.PaymentOption, ['NO_UPFRONT', 'PARTIAL_UPFRONT', 'ALL_UPFRONT'] as const, 'PaymentOption');
      const lookback = oneOf(input.LookbackPeriodInDays, ['SEVEN_DAYS', 'THIRTY_DAYS', 'SIXTY_DAYS'] as const, 'LookbackPeriodInDays');
      const accountScope = input.AccountScope ?? 'PAYER';
      const where = compileExpression(input.Filter, ['LINKED_ACCOUNT']);
      const payment = PAYMENT[paymentKey]!;
      const durationSec = TERM_SEC[term];

      // The window: whole hours up to the current one (complete hours only).
      const end = hourStart(now);
      const hours = LOOKBACK_DAYS[lookback] * 24;
      const start = end - hours * 3_600_000;
      const items = billing.lineItems(ctx.account, start, end).filter((li) =>
        (li.lineItemType ?? 'Usage') === 'Usage' && li.purchaseType === 'On Demand Instances' && isSpEligible(li)
        && (spType === 'COMPUTE_SP' || isInstanceUsage(li)) && where(lineItemGetter(li)));

      // Usage → groups sharing one offering: everything for Compute plans, (region, family) for EC2 Instance plans.
      const groups = new Map<string, { region?: string; family?: string; items: LineItem[] }>();
      for (const li of items) {
        const family = li.instanceType?.split('.')[0];
        const key = spType === 'COMPUTE_SP' ? '' : `${li.region}|${family}`;
        const g = groups.get(key) ?? { ...(spType === 'EC2_INSTANCE_SP' && { region: li.region, family }), items: [] };
        g.items.push(li);
        groups.set(key, g);
      }
      const recs: { offering: SavingsPlanOffering; g: { region?: string; family?: string }; r: Recommendation }[] = [];
      for (const g of [...groups.values()].sort((a, b) => `${a.region}|${a.family}`.localeCompare(`${b.region}|${b.family}`))) {
        const offering = billing.savingsPlans.offerings({
          planTypes: [spType === 'COMPUTE_SP' ? 'Compute' : 'EC2Instance'], paymentOptions: [payment], durationsSec: [durationSec],
          ...(g.family && { instanceFamily: g.family }), ...(g.region && { region: g.region }),
        }).find((o) => (spType === 'COMPUTE_SP' ? o.planType === 'Compute' : o.planType === 'EC2Instance' && o.region === g.region && o.instanceFamily === g.family));
        if (!offering) continue;
        const planCost = planCoster(offering, g.items);
        const r = recommend(hourlySpend(g.items, start, hours, planCost));
        if (r.hourlyCommitment >= 0.001) recs.push({ offering, g, r });
      }

      const upfrontShare = UPFRONT_SHARE[payment];
      const termHours = durationSec / 3600;
      const details: SavingsPlansPurchaseRecommendationDetail[] = recs.map(({ offering, g, r }) => ({
        SavingsPlansDetails: { ...(g.region && { Region: regionLocation(g.region) }), ...(g.family && { InstanceFamily: g.family }), OfferingId: offering.offeringId },
        AccountId: ctx.account,
        UpfrontCost: amount(r.hourlyCommitment * termHours * upfrontShare),
        EstimatedROI: percent(r.estimatedSavings, r.estimatedSpCost),
        CurrencyCode: 'USD',
        EstimatedSPCost: amount(r.estimatedSpCost),
        EstimatedOnDemandCost: amount(r.estimatedOnDemandCost),
        EstimatedOnDemandCostWithCurrentCommitment: amount(r.currentOnDemandSpend),
        EstimatedSavingsAmount: amount(r.estimatedSavings),
        EstimatedSavingsPercentage: percent(r.estimatedSavings, r.currentOnDemandSpend),
        HourlyCommitmentToPurchase: amount(r.hourlyCommitment),
        EstimatedAverageUtilization: amount(Math.round(r.averageUtilization * 100) / 100),
        EstimatedMonthlySavingsAmount: amount((r.estimatedSavings / r.hours) * MONTH_HOURS),
        CurrentMinimumHourlyOnDemandSpend: amount(r.minHourlyOnDemand),
        CurrentMaximumHourlyOnDemandSpend: amount(r.maxHourlyOnDemand),
        CurrentAverageHourlyOnDemandSpend: amount(r.avgHourlyOnDemand),
        RecommendationDetailId: randomUUID(),
      }));
      const sum = (f: (r: Recommendation) => number) => recs.reduce((a, x) => a + f(x.r), 0);
      const savings = sum((r) => r.estimatedSavings);
      const spCost = sum((r) => r.estimatedSpCost);
      const current = sum((r) => r.currentOnDemandSpend);
      const hourly = sum((r) => r.hourlyCommitment);
      const size = input.PageSize ? maxResults(input.PageSize, 1000, 1000) : 1000;
      const out = page(details, size, input.NextPageToken, fingerprint({ ...input, NextPageToken: undefined, PageSize: undefined }), tokenErrors);
      return {
        Metadata: {
          RecommendationId: randomUUID(),
          GenerationTimestamp: new Date(now).toISOString(),
          AdditionalMetadata: `Nimbus: from the On-Demand usage of the last ${LOOKBACK_DAYS[lookback]} days (${dateInterval({ startMs: start, endMs: end }, 'HOURLY').Start} to ${dateInterval({ startMs: start, endMs: end }, 'HOURLY').End}); the hourly commitment maximizes the savings over that window, rounded down to 0.001 USD`,
        },
        SavingsPlansPurchaseRecommendation: {
          AccountScope: accountScope,
          SavingsPlansType: spType,
          TermInYears: term,
          PaymentOption: paymentKey,
          LookbackPeriodInDays: lookback,
          SavingsPlansPurchaseRecommendationDetails: out.items,
          SavingsPlansPurchaseRecommendationSummary: {
            EstimatedROI: percent(savings, spCost),
            CurrencyCode: 'USD',
            EstimatedTotalCost: amount(spCost + sum((r) => r.estimatedOnDemandCost)),
            CurrentOnDemandSpend: amount(current),
            EstimatedSavingsAmount: amount(savings),
            TotalRecommendationCount: String(recs.length),
            DailyCommitmentToPurchase: amount(hourly * 24),
            HourlyCommitmentToPurchase: amount(hourly),
            EstimatedSavingsPercentage: percent(savings, current),
            EstimatedMonthlySavingsAmount: amount(recs.reduce((a, x) => a + (x.r.estimatedSavings / x.r.hours) * MONTH_HOURS, 0)),
            EstimatedOnDemandCostWithCurrentCommitment: amount(current),
          },
        },
        NextPageToken: out.nextToken,
      };
    },
  };

  /**
   * Prices a line at an offering's rates: the rate of its own usage type in its region, or for an EC2 usage type the
   * plan has no rate for (DedicatedUsage) its On-Demand cost × the plan's discount on that instance type.
   */
  function planCoster(offering: SavingsPlanOffering, items: LineItem[]): (li: LineItem) => number | undefined {
    const byUsage = new Map<string, number>();
    const byType = new Map<string, number>();
    for (const region of new Set(items.map((li) => li.region))) {
      for (const r of billing.savingsPlans.rates(offering.offeringId, region)) {
        byUsage.set(`${r.region}|${r.usageType}`, r.rate);
        if (r.instanceType) byType.set(`${r.region}|${r.instanceType}`, r.rate);
      }
    }
    return (li) => {
      const exact = byUsage.get(`${li.region}|${li.usageType}`);
      if (exact !== undefined) return exact * li.quantity;
      if (!li.instanceType) return undefined;
      const rate = byType.get(`${li.region}|${li.instanceType}`);
      const od = billing.catalog.onDemandHourly(li.region, li.instanceType);
      return rate !== undefined && od ? li.onDemandCost * (rate / od) : undefined;
    };
  }
}


