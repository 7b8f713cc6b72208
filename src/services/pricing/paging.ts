import { createHash } from 'node:crypto';

// Opaque pagination tokens shared by the billing APIs (pricing, savingsplans, ce): the offset of the next item and a
// fingerprint of the request it belongs to, so a token is refused when it is forged or replayed against another query.

export interface PageTokenErrors {
  /** Not a token Nimbus issued. */
  invalid: (message: string) => Error;
  /** A token issued for a different request (Cost Explorer's RequestChangedException); defaults to `invalid`. */
  changed?: (message: string) => Error;
}

/** A stable fingerprint of the parts of a request that define the result set (token fields left out). */
export function fingerprint(request: unknown): string {
  return createHash('sha256').update(stableJson(request)).digest('base64url').slice(0, 16);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

export function encodePageToken(offset: number, fp: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fp })).toString('base64url');
}

/** The offset a token points at (0 without a token). */
export function decodePageToken(token: string | undefined, fp: string, errors: PageTokenErrors): number {
  if (token === undefined || token === '') return 0;
  let parsed: { o?: unknown; f?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; f?: unknown };
  } catch {
    throw errors.invalid('The pagination token is invalid.');
  }
  if (!parsed || typeof parsed !== 'object' || !Number.isInteger(parsed.o) || (parsed.o as number) < 0 || typeof parsed.f !== 'string') {
    throw errors.invalid('The pagination token is invalid.');
  }
  if (parsed.f !== fp) throw (errors.changed ?? errors.invalid)('The pagination token does not belong to this request: the request parameters changed between pages.');
  return parsed.o as number;
}

/** One page of `items` from a token; `nextToken` is set while items remain. */
export function page<T>(items: T[], size: number, token: string | undefined, fp: string, errors: PageTokenErrors): { items: T[]; nextToken?: string } {
  const from = decodePageToken(token, fp, errors);
  if (from > items.length) throw errors.invalid('The pagination token is invalid.');
  const slice = items.slice(from, from + size);
  const next = from + slice.length;
  return { items: slice, nextToken: next < items.length ? encodePageToken(next, fp) : undefined };
}
