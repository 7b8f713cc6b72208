import { ValidationException } from '../errors.ts';

// Cost Explorer time periods: Start inclusive, End exclusive, in UTC. DAILY and MONTHLY take yyyy-MM-dd; HOURLY takes
// yyyy-MM-ddThh:mm:ssZ (a bare date means midnight). Periods are cut at day, month or hour boundaries.

export type Granularity = 'DAILY' | 'MONTHLY' | 'HOURLY';
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface Period {
  startMs: number;
  endMs: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

export const dayStart = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
export const hourStart = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
export function monthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}
export function nextMonthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export function checkGranularity(g: unknown, allowed: Granularity[] = ['DAILY', 'MONTHLY', 'HOURLY']): Granularity {
  if (typeof g !== 'string' || !allowed.includes(g as Granularity)) {
    throw new ValidationException(`Granularity ${String(g)} is not supported for this request. Valid values are ${allowed.join(', ')}`);
  }
  return g as Granularity;
}

/** Parses one date of a TimePeriod; `hourly` allows (and keeps) a time of day. */
export function parseDate(s: unknown, field: 'Start' | 'End', hourly: boolean): number {
  if (typeof s !== 'string' || s === '') throw new ValidationException(`TimePeriod.${field} is required`);
  const timed = DATE_TIME.exec(s);
  if (timed && !hourly) throw new ValidationException('Hourly timePeriod is not supported for this request');
  const m = timed ?? DATE.exec(s);
  if (!m) throw new ValidationException(`Invalid ${field.toLowerCase()} date format: ${s}. Expected yyyy-MM-dd${hourly ? " or yyyy-MM-dd'T'HH:mm:ss'Z'" : ''}`);
  const [y, mo, d, h = '0', mi = '0', se = '0'] = m.slice(1).map((x) => x ?? '0');
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se));
  const back = new Date(ms);
  if (back.getUTCFullYear() !== Number(y) || back.getUTCMonth() !== Number(mo) - 1 || back.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(se) > 59) {
    throw new ValidationException(`Invalid ${field.toLowerCase()} date: ${s}`);
  }
  if (Number(mi) !== 0 || Number(se) !== 0) throw new ValidationException(`Hourly time periods must start and end on the hour: ${s}`);
  return ms;
}

export interface TimePeriodRules {
  now: number;
  /** GetCostAndUsage: End may not be after the first day of next month. */
  endNotPastNextMonth?: boolean;
  /** HOURLY data reaches back this many days (AWS: 14). */
  hourlyMaxDays?: number;
  /** The message when Start is not before End (GetCostForecast words it differently). */
  orderMessage?: (start: string, end: string) => string;
}

/** Validates a TimePeriod the way Cost Explorer does and returns it in ms. */
export function parseTimePeriod(tp: { Start?: string; End?: string } | undefined, granularity: Granularity | undefined, rules: TimePeriodRules): Period {
  if (!tp) throw new ValidationException('TimePeriod is required');
  const hourly = granularity === 'HOURLY';
  const startMs = parseDate(tp.Start, 'Start', hourly);
  const endMs = parseDate(tp.End, 'End', hourly);
  if (startMs >= endMs) throw new ValidationException(rules.orderMessage?.(tp.Start!, tp.End!) ?? 'Start date (and hour) should be before end date (and hour)');
  if (rules.endNotPastNextMonth && endMs > nextMonthStart(rules.now)) throw new ValidationException('end date past the beginning of next month');
  if (hourly && rules.hourlyMaxDays !== undefined && startMs < dayStart(rules.now) - rules.hourlyMaxDays * DAY_MS) {
    throw new ValidationException(`start date is too old for hourly, the max supported days for hourly granularity is ${rules.hourlyMaxDays} days.`);
  }
  return { startMs, endMs };
}

/** The periods of [start, end) at a granularity (undefined: the whole range as one period). */
export function periodsOf(range: Period, granularity: Granularity | undefined): Period[] {
  if (!granularity) return [range];
  const out: Period[] = [];
  let s = range.startMs;
  while (s < range.endMs) {
    const next = granularity === 'HOURLY' ? hourStart(s) + HOUR_MS : granularity === 'DAILY' ? dayStart(s) + DAY_MS : nextMonthStart(s);
    const e = Math.min(next, range.endMs);
    out.push({ startMs: s, endMs: e });
    s = e;
  }
  return out;
}

/** How Cost Explorer writes a period bound: 2026-01-01, or 2026-01-01T05:00:00Z for HOURLY. */
export function formatDate(ms: number, granularity: Granularity | undefined): string {
  const iso = new Date(ms).toISOString();
  return granularity === 'HOURLY' ? `${iso.slice(0, 19)}Z` : iso.slice(0, 10);
}

export function dateInterval(p: Period, granularity: Granularity | undefined): { Start: string; End: string } {
  return { Start: formatDate(p.startMs, granularity), End: formatDate(p.endMs, granularity) };
}

/** Hours of [a, b) ∩ [c, d). */
export function overlapHours(a: number, b: number, c: number, d: number): number {
  return Math.max(0, Math.min(b, d) - Math.max(a, c)) / HOUR_MS;
}
