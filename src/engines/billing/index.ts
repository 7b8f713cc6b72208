// Public surface of the billing engine (used by EC2 purchase options, pricing/savingsplans/ce services, CLI, console).
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { Db } from '../../store/db.ts';
import { BillingEngine } from './engine.ts';

export { BillingEngine } from './engine.ts';
export type * from './types.ts';

export function openBilling(deps: { db: Db; clock: Clock; log: Logger }): BillingEngine {
  return new BillingEngine(deps);
}
