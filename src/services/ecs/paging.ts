import { InvalidParameterException } from './errors.ts';

/** ECS list paging: maxResults (1–100 unless the operation says otherwise) and an opaque nextToken (an offset). */
export function page<T>(items: T[], maxResults: number | undefined, nextToken: string | undefined, max = 100): { items: T[]; nextToken?: string } {
  const limit = maxResults ?? max;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new InvalidParameterException(`maxResults must be between 1 and ${max}.`);
  let start = 0;
  if (nextToken) {
    const n = Number(Buffer.from(nextToken, 'base64url').toString());
    if (!Number.isInteger(n) || n < 0) throw new InvalidParameterException('Invalid nextToken.');
    start = n;
  }
  const slice = items.slice(start, start + limit);
  return { items: slice, nextToken: start + limit < items.length ? Buffer.from(String(start + limit)).toString('base64url') : undefined };
}
