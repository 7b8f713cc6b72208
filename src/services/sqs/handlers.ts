import type { HandlerMap } from '../../gateway/context.ts';
import type { Operations } from './generated/operations.ts';
import { MissingParameter } from './errors.ts';

/** Handlers for some of the SQS operations, typed by the generated model types. */
export type SqsHandlers<K extends keyof Operations> = Pick<HandlerMap<Operations>, K>;

/**
 * The JSON protocol does not check required members (the query protocol does): the same MissingParameter here.
 * Values are the wire names.
 */
export function required<T>(value: T | undefined | null, name: string): T {
  if (value === undefined || value === null || (typeof value === 'string' && value === '')) throw new MissingParameter(`The request must contain the parameter ${name}.`);
  return value;
}

/** Opaque page tokens over a name-sorted list. */
export function paginate<T>(items: T[], key: (t: T) => string, maxResults: number | undefined, nextToken: string | undefined): { page: T[]; nextToken?: string } {
  const after = nextToken ? Buffer.from(nextToken, 'base64url').toString('utf8') : undefined;
  const sorted = items.map((t) => [key(t), t] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).filter(([k]) => after === undefined || k > after);
  const limit = maxResults ?? 1000;
  const page = sorted.slice(0, limit);
  const more = maxResults !== undefined && sorted.length > limit;
  return { page: page.map(([, t]) => t), ...(more ? { nextToken: Buffer.from(page[page.length - 1]![0], 'utf8').toString('base64url') } : {}) };
}
