import { readFileSync } from 'node:fs';
import type { Handler, HandlerMap } from '../../gateway/context.ts';
import type { ServiceDefinition } from '../../gateway/registry.ts';
import { protocols } from '../../protocol/index.ts';
import type { ServiceModel } from '../../protocol/types.ts';
import type { CeDeps } from './common.ts';
import { costHandlers } from './cost.ts';
import type { Operations } from './generated/operations.ts';
import { reservationHandlers } from './reservations.ts';
import { savingsPlansHandlers } from './savings-plans.ts';

// AWS Cost Explorer (JSON 1.1, X-Amz-Target AWSInsightsIndexService.*): every report is computed on request from the
// billing engine's rated line items (billing.lineItems(account, from, to)); aggregation lives in ./reports.
//
// LIMITATIONS (see README "Billing"):
// - One account: BlendedCost = UnblendedCost, Net* = the same metrics (no credits, discounts, taxes, refunds).
// - No TAG or COST_CATEGORY grouping or filtering (line items carry no cost allocation tags): ValidationException.
// - GetCostForecast extrapolates the average hourly amount of the last 30 days (see reports/forecast.ts); it is not a
//   machine-learned forecast, and its prediction interval comes from the hourly standard deviation.
// - GetSavingsPlansPurchaseRecommendation: Compute and EC2 Instance plans, PAYER scope, from the account's own On-Demand
//   usage (see reports/recommendation.ts). SavingsPlansCoverage measures covered usage at its On-Demand equivalent.
// - Utilization/coverage reports cover Linux regional RIs and Compute/EC2 Instance Savings Plans; BillingViewArn is ignored.
// - HOURLY granularity reaches back 14 days, as on AWS.

export const ceModel = JSON.parse(readFileSync(new URL('../../../models/ce.json', import.meta.url), 'utf8')) as ServiceModel;

export function createCostExplorerService(deps: CeDeps): ServiceDefinition {
  const handlers: HandlerMap<Operations> = {
    ...costHandlers(deps),
    ...savingsPlansHandlers(deps),
    ...reservationHandlers(deps),
  };
  return {
    name: 'ce',
    model: ceModel,
    protocols: [protocols.json],
    handlers: handlers as unknown as Record<string, Handler>,
    limitations: [
      'Reports are computed from Nimbus line items; one account (Blended = Unblended, Net = gross)',
      'No TAG or COST_CATEGORY group-by or filter (no cost allocation tags)',
      'GetCostForecast extrapolates the last 30 days hourly average; recommendations from own On-Demand usage',
      'HOURLY granularity reaches back 14 days, as on AWS; BillingViewArn is ignored',
    ],
  };
}
