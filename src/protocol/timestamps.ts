// Timestamp formats AWS protocols use: ISO 8601 (ec2/query bodies, rest querystrings), epoch seconds
// (json bodies), and RFC 7231 HTTP dates (rest headers).

/** Parses epoch seconds (possibly fractional), ISO 8601 or an HTTP date. undefined when unparseable. */
export function parseTimestamp(v: string | number): Date | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? new Date(Math.round(v * 1000)) : undefined;
  const s = v.trim();
  if (s === '') return undefined;
  if (/^-?\d+(\.\d+)?$/.test(s)) return new Date(Math.round(Number(s) * 1000));
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** A handler's timestamp value as a Date: Dates pass, numbers are epoch milliseconds (JS convention), strings are parsed. */
export function toDate(v: unknown): Date | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v;
  if (typeof v === 'number') return new Date(v);
  if (typeof v === 'string') return parseTimestamp(v);
  return undefined;
}

/** 2026-11-27T12:00:00.000Z — what EC2 and the query services send. */
export function formatIso(d: Date): string {
  return d.toISOString();
}

/** Epoch seconds with millisecond fraction, as json services send. */
export function formatEpochSeconds(d: Date): number {
  return d.getTime() / 1000;
}

/** Fri, 27 Nov 2026 12:00:00 GMT */
export function formatHttpDate(d: Date): string {
  return d.toUTCString();
}

/** Formats per a model timestampFormat ('iso8601' | 'unixTimestamp' | 'rfc822'). */
export function formatTimestamp(d: Date, format: string): string | number {
  if (format === 'unixTimestamp') return formatEpochSeconds(d);
  if (format === 'rfc822') return formatHttpDate(d);
  return formatIso(d);
}
