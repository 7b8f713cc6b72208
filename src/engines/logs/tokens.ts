import { InvalidParameterException } from './errors.ts';
import type { Cursor } from './store.ts';

// GetLogEvents tokens look like AWS's: `f/` or `b/` and 56 digits (20 for the timestamp, 36 for the event id).
// FilterLogEvents and Describe* tokens are opaque base64url.

export const HEAD: Cursor = { ts: -1, id: 0 };
export const TAIL: Cursor = { ts: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER };

export function streamToken(dir: 'f' | 'b', c: Cursor): string {
  const ts = c.ts < 0 ? '0'.repeat(20) : String(c.ts).padStart(20, '0');
  const id = c.ts < 0 ? '0'.repeat(36) : String(c.id).padStart(36, '0');
  return `${dir}/${ts}${id}`;
}

export function parseStreamToken(token: string): { dir: 'f' | 'b'; cursor: Cursor } {
  const m = /^([fb])\/(\d{20})(\d{36})$/.exec(token);
  if (!m) throw new InvalidParameterException('The specified nextToken is invalid.');
  const ts = Number(m[2]);
  const id = Number(m[3]);
  // All zeros is "before everything".
  return { dir: m[1] as 'f' | 'b', cursor: ts === 0 && id === 0 ? HEAD : { ts, id } };
}

export function opaqueToken(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

export function parseOpaqueToken<T>(token: string, valid: (v: any) => boolean): T {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (valid(v)) return v as T;
  } catch {
    // fall through
  }
  throw new InvalidParameterException('The specified nextToken is invalid.');
}
