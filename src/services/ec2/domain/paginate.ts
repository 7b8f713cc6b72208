import { InvalidNextToken, InvalidParameterValue } from '../errors.ts';

// NextToken is an opaque base64 offset; AWS tokens are opaque too, so clients never parse them.
export function paginate<T>(items: T[], maxResults: number | undefined, nextToken: string | undefined, limits = { min: 5, max: 1000 }): { page: T[]; next?: string } {
  let start = 0;
  if (nextToken) {
    const n = Number(Buffer.from(nextToken, 'base64url').toString('utf8').replace(/^o:/, ''));
    if (!Number.isInteger(n) || n < 0) throw new InvalidNextToken(`The specified NextToken is not valid: ${nextToken}`);
    start = n;
  }
  if (maxResults === undefined) return { page: items.slice(start) };
  if (maxResults < limits.min || maxResults > limits.max) {
    throw new InvalidParameterValue(`Value ( ${maxResults} ) for parameter maxResults is invalid. Parameter may only be between ${limits.min} and ${limits.max}.`);
  }
  const page = items.slice(start, start + maxResults);
  const end = start + page.length;
  return { page, next: end < items.length ? Buffer.from(`o:${end}`).toString('base64url') : undefined };
}
