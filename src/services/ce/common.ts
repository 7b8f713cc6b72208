import type { Clock } from '../../core/clock.ts';
import type { Billing } from '../../engines/billing/types.ts';
import type { RequestContext } from '../../gateway/context.ts';
import { InvalidNextTokenException, RequestChangedException, ValidationException } from './errors.ts';
import type { Operations } from './generated/operations.ts';

// What every Cost Explorer handler file shares.

export interface CeDeps {
  billing: Pick<Billing, 'lineItems' | 'savingsPlans' | 'reserved' | 'catalog'>;
  clock: Clock;
  /** GetCostAndUsage page size in rows (a row = one group of one period, or one ungrouped period). */
  pageRows?: number;
}

export type CeHandlers<K extends keyof Operations> = {
  [P in K]: (input: Operations[P]['input'], ctx: RequestContext) => Operations[P]['output'] | Promise<Operations[P]['output']>;
};

export const tokenErrors = {
  invalid: (m: string) => new InvalidNextTokenException(m),
  changed: (m: string) => new RequestChangedException(m),
};

export function maxResults(v: number | undefined, def: number, max = 10_000): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < 1 || v > max) throw new ValidationException(`MaxResults must be between 1 and ${max}`);
  return v;
}

/** `v` must be one of `allowed` (AWS enums arrive as plain strings). */
export function oneOf<T extends string>(v: unknown, allowed: readonly T[], field: string): T {
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new ValidationException(`${field} ${String(v)} is not supported. Valid values are ${allowed.join(', ')}`);
  return v as T;
}
