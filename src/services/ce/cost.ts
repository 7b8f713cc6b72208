import type { LineItem } from '../../engines/billing/types.ts';
import { decodePageToken, encodePageToken, fingerprint, page } from '../pricing/paging.ts';
import { regionLocation } from '../../core/regions.ts';
import { type CeDeps, type CeHandlers, maxResults, tokenErrors } from './common.ts';
import { DataUnavailableException, ValidationException } from './errors.ts';
import type { DimensionValuesWithAttributes, ResultByTime } from './generated/shapes.ts';
import { checkGroupBy, costAndUsage, metricOf, metricValue, metricValues } from './reports/cost-and-usage.ts';
import { LINE_ITEM_DIMENSIONS, lineItemValue } from './reports/dimensions.ts';
import { compileExpression, type DimensionGetter } from './reports/expression.ts';
import { FORECAST_LOOKBACK_DAYS, forecastBasis, forecastPeriod } from './reports/forecast.ts';
import { amount } from './reports/format.ts';
import { PLAN_DIMENSIONS, planDimension } from './reports/savings-plans.ts';
import { checkGranularity, DAY_MS, dateInterval, dayStart, hourStart, monthStart, nextMonthStart, parseTimePeriod, periodsOf } from './reports/time.ts';

// GetCostAndUsage, GetDimensionValues and GetCostForecast over billing.lineItems(account, from, to).

const HOURLY_MAX_DAYS = 14;

export const lineItemGetter = (li: LineItem): DimensionGetter => (d) => lineItemValue(li, d);

/** Attributes Cost Explorer attaches to some dimension values (a region's name, an account's description). */
function valueAttributes(dimension: string, value: string): Record<string, string> {
  if (dimension === 'REGION') return { description: regionLocation(value) };
  if (dimension === 'LINKED_ACCOUNT') return { description: value };
  return {};
}

export function costHandlers(deps: CeDeps): CeHandlers<'GetCostAndUsage' | 'GetDimensionValues' | 'GetCostForecast'> {
  const { billing, clock } = deps;
  const pageRows = deps.pageRows ?? 5000;
  return {
    GetCostAndUsage(input, ctx) {
      const now = clock.now();
      const granularity = checkGranularity(input.Granularity);
      const range = parseTimePeriod(input.TimePeriod, granularity, { now, endNotPastNextMonth: true, hourlyMaxDays: HOURLY_MAX_DAYS });
      if (!input.Metrics?.length) throw new ValidationException('Metrics is required: specify at least one of AmortizedCost, BlendedCost, NetAmortizedCost, NetUnblendedCost, NormalizedUsageAmount, UnblendedCost, UsageQuantity');
      const metrics = input.Metrics.map((name) => ({ name, metric: metricOf(name) }));
      const groupBy = checkGroupBy(input.GroupBy);
      const where = compileExpression(input.Filter, LINE_ITEM_DIMENSIONS);
      const periods = periodsOf(range, granularity);
      const fp = fingerprint({ ...input, NextPageToken: undefined });
      const from = decodePageToken(input.NextPageToken, fp, tokenErrors);
      if (from >= periods.length && from > 0) throw tokenErrors.invalid('The pagination token is invalid.');

      const results = costAndUsage(billing.lineItems(ctx.account, range.startMs, range.endMs), {
        periods, granularity, metrics, groupBy, filter: (li) => where(lineItemGetter(li)), finalBefore: monthStart(now),
      });
      // Pages hold whole periods, at most `pageRows` rows (at least one period per page).
      const out: ResultByTime[] = [];
      let rows = 0;
      let i = from;
      for (; i < results.length; i++) {
        const n = Math.max(1, results[i]!.Groups?.length ?? 0);
        if (out.length && rows + n > pageRows) break;
        out.push(results[i]!);
        rows += n;
      }
      const accounts = groupBy.includes('LINKED_ACCOUNT')
        ? [...new Set(out.flatMap((r) => (r.Groups ?? []).map((g) => g.Keys![groupBy.indexOf('LINKED_ACCOUNT')]!)))]
        : [];
      return {
        GroupDefinitions: input.GroupBy ?? [],
        ResultsByTime: out,
        DimensionValueAttributes: accounts.map((a) => ({ Value: a, Attributes: valueAttributes('LINKED_ACCOUNT', a) })),
        NextPageToken: i < results.length ? encodePageToken(i, fp) : undefined,
      };
    },

    GetDimensionValues(input, ctx) {
      const now = clock.now();
      const range = parseTimePeriod(input.TimePeriod, undefined, { now });
      const context = input.Context ?? 'COST_AND_USAGE';
      if (!['COST_AND_USAGE', 'RESERVATIONS', 'SAVINGS_PLANS'].includes(context)) throw new ValidationException(`Context ${context} is not supported. Valid values are COST_AND_USAGE, RESERVATIONS, SAVINGS_PLANS`);
      const dims: readonly string[] = context === 'SAVINGS_PLANS' ? PLAN_DIMENSIONS : LINE_ITEM_DIMENSIONS;
      if (!input.Dimension || !dims.includes(input.Dimension)) {
        throw new ValidationException(`Dimension ${String(input.Dimension)} is not allowed for context ${context}. Valid values are ${dims.join(', ')}`);
      }
      const where = compileExpression(input.Filter, dims);
      const sorts = (input.SortBy ?? []).map((s) => ({ metric: metricOf(s.Key), desc: s.SortOrder === 'DESCENDING' }));
      const search = input.SearchString?.toLowerCase();

      // value → line items (for SortBy), from line items or (SAVINGS_PLANS) from the plans in force during the period.
      const values = new Map<string, LineItem[]>();
      if (context === 'SAVINGS_PLANS') {
        const plans = billing.savingsPlans.list(ctx.account, now)
          .filter((p) => p.state !== 'queued-deleted' && p.startMs < range.endMs && p.endMs > range.startMs && where((d) => planDimension(p, d)));
        const items = sorts.length ? billing.lineItems(ctx.account, range.startMs, range.endMs) : [];
        for (const p of plans) {
          const v = planDimension(p, input.Dimension);
          if (v === undefined) continue;
          values.set(v, [...(values.get(v) ?? []), ...items.filter((li) => li.savingsPlanArn === p.arn)]);
        }
      } else {
        for (const li of billing.lineItems(ctx.account, range.startMs, range.endMs)) {
          if (context === 'RESERVATIONS' && !li.reservationId) continue;
          if (!where(lineItemGetter(li))) continue;
          const v = lineItemValue(li, input.Dimension);
          if (v === undefined) continue;
          const list = values.get(v);
          if (list) list.push(li);
          else values.set(v, [li]);
        }
      }
      let list = [...values.keys()].filter((v) => !search || v.toLowerCase().includes(search)).sort();
      if (sorts.length) {
        const totals = new Map(list.map((v) => [v, sorts.map((s) => values.get(v)!.reduce((a, li) => a + metricValue(li, s.metric), 0))]));
        list = list.sort((a, b) => {
          for (let k = 0; k < sorts.length; k++) {
            const d = totals.get(a)![k]! - totals.get(b)![k]!;
            if (d) return sorts[k]!.desc ? -d : d;
          }
          return a < b ? -1 : 1;
        });
      }
      const size = maxResults(input.MaxResults, 1000);
      const out = page(list, size, input.NextPageToken, fingerprint({ ...input, NextPageToken: undefined }), tokenErrors);
      const dimensionValues: DimensionValuesWithAttributes[] = out.items.map((Value) => ({ Value, Attributes: valueAttributes(input.Dimension, Value) }));
      return { DimensionValues: dimensionValues, ReturnSize: dimensionValues.length, TotalSize: list.length, NextPageToken: out.nextToken };
    },

    GetCostForecast(input, ctx) {
      const now = clock.now();
      const granularity = checkGranularity(input.Granularity, ['DAILY', 'MONTHLY']);
      const metric = metricOf(input.Metric);
      const range = parseTimePeriod(input.TimePeriod, granularity, {
        now, orderMessage: (s, e) => `Requested Start: ${s} must be before requested End: ${e}`,
      });
      const today = dayStart(now);
      if (range.startMs < today) throw new ValidationException(`Start date ${input.TimePeriod.Start} must be equal to or later than the current date ${dateInterval({ startMs: today, endMs: today }, 'DAILY').Start}`);
      const limitMs = granularity === 'DAILY' ? today + 93 * DAY_MS : nextMonthStart(today + 540 * DAY_MS);
      if (range.endMs > limitMs) throw new ValidationException(`The forecast period is too long: ${granularity === 'DAILY' ? 'DAILY forecasts reach 3 months' : 'MONTHLY forecasts reach 18 months'} ahead`);
      const level = input.PredictionIntervalLevel ?? 80;
      if (!Number.isInteger(level) || level < 51 || level > 99) throw new ValidationException('PredictionIntervalLevel must be between 51 and 99');
      const where = compileExpression(input.Filter, LINE_ITEM_DIMENSIONS);

      const lookbackFrom = hourStart(now) - FORECAST_LOOKBACK_DAYS * DAY_MS;
      const items = billing.lineItems(ctx.account, lookbackFrom, now).filter((li) => where(lineItemGetter(li)));
      if (!items.length) throw new DataUnavailableException('Insufficient amount of historical data to generate forecast.');
      const totals = new Map<number, number>();
      let first = Infinity;
      for (const li of items) {
        totals.set(li.hourMs, (totals.get(li.hourMs) ?? 0) + metricValue(li, metric));
        first = Math.min(first, li.hourMs);
      }
      const basis = forecastBasis(totals, first, now);
      const unit = metricValues([], [{ name: 'm', metric }]).m!.Unit;
      const results = periodsOf(range, granularity).map((p) => ({ p, f: forecastPeriod(basis, p, now, level) }));
      const total = results.reduce((a, r) => a + r.f.mean, 0);
      return {
        Total: { Amount: amount(total), Unit: unit },
        ForecastResultsByTime: results.map(({ p, f }) => ({
          TimePeriod: dateInterval(p, granularity), MeanValue: amount(f.mean), PredictionIntervalLowerBound: amount(f.lower), PredictionIntervalUpperBound: amount(f.upper),
        })),
      };
    },
  };
}
