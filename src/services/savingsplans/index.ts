import { readFileSync } from 'node:fs';
import type { Clock } from '../../core/clock.ts';
import type { IdSource } from '../../core/ids.ts';
import type { Billing } from '../../engines/billing/types.ts';
import type { Handler } from '../../gateway/context.ts';
import type { ServiceDefinition } from '../../gateway/registry.ts';
import { protocols } from '../../protocol/index.ts';
import type { ServiceModel } from '../../protocol/types.ts';
import { offeringHandlers } from './offerings.ts';
import { planHandlers } from './plans.ts';

// AWS Savings Plans (rest-json, POST /<Operation>) over the billing engine's Savings Plans book: Compute and EC2
// Instance plans (1 and 3 years; All, Partial and No Upfront), queued purchases, rates, tags. The engine applies active
// plans to EC2, Fargate and Lambda usage hour by hour; Cost Explorer reports on them.
//
// LIMITATIONS (see README "Billing"):
// - Compute and EC2Instance plans only (no SageMaker or Database plans); USD only; no returns (ReturnSavingsPlan).
// - Plans become active at once (no payment-pending); clientToken idempotency is kept in memory (lost on restart).
// - Rates are Linux, shared tenancy; one discount table for every family (see the billing catalog's note).

export const savingsPlansModel = JSON.parse(readFileSync(new URL('../../../models/savingsplans.json', import.meta.url), 'utf8')) as ServiceModel;

export function createSavingsPlansService(deps: { billing: Pick<Billing, 'savingsPlans'>; clock: Clock; ids?: IdSource }): ServiceDefinition {
  const handlers = { ...planHandlers(deps), ...offeringHandlers(deps.billing) };
  return {
    name: 'savingsplans',
    model: savingsPlansModel,
    protocols: [protocols['rest-json']],
    handlers: handlers as unknown as Record<string, Handler>,
    limitations: [
      'Compute and EC2Instance plans only (no SageMaker/Database), USD only, no returns',
      'Plans are active at once (no payment-pending); clientToken idempotency is in memory',
    ],
  };
}
