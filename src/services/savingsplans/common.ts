import type { RequestContext } from '../../gateway/context.ts';
import { ValidationException } from './errors.ts';
import type { Operations } from './generated/operations.ts';

// Helpers shared by the Savings Plans handlers.

export type SpHandlers<K extends keyof Operations> = {
  [P in K]: (input: Operations[P]['input'], ctx: RequestContext) => Operations[P]['output'] | Promise<Operations[P]['output']>;
};

export const tokenErrors = { invalid: (m: string) => new ValidationException(m) };

export function pageSize(v: number | undefined, max: number): number {
  if (v === undefined || v === 0) return max;
  if (!Number.isInteger(v) || v < 1 || v > max) throw new ValidationException(`maxResults must be between 1 and ${max}`);
  return v;
}

/** Values of a {name, values} filter list by name; unknown names are a ValidationException. */
export function filterValues(filters: { name?: string; values?: string[] }[] | undefined, allowed: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of filters ?? []) {
    if (!f?.name || !allowed.includes(f.name)) throw new ValidationException(`Invalid filter name: ${String(f?.name)}. Valid names are ${allowed.join(', ')}`);
    if (!f.values?.length) throw new ValidationException(`Filter ${f.name} must have at least one value`);
    out.set(f.name, [...(out.get(f.name) ?? []), ...f.values]);
  }
  return out;
}
