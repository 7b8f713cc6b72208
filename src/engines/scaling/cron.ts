// Unix cron (min hour day-of-month month day-of-week), the Recurrence format of scheduled actions; UTC
// unless a fixed offset is known for the TimeZone (Nimbus evaluates IANA zones through Intl). Field lists are parsed
// by the shared core/cron-fields.ts (EventBridge's six-field cron uses it too).
import { CronFieldError, cronField, DAY_NAMES, MONTH_NAMES } from '../../core/cron-fields.ts';

/** A field's values as a set (the shared field-list parser; names allowed: JAN-DEC, SUN-SAT). */
function field(spec: string, lo: number, hi: number, what: string, names?: string[], base?: number): Set<number> {
  const t = cronField(spec, lo, hi, what, names, base);
  return new Set(t.flatMap((on, v) => (on ? [v] : [])));
}

export interface Cron { minutes: Set<number>; hours: Set<number>; days: Set<number>; months: Set<number>; weekdays: Set<number>; anyDay: boolean; anyWeekday: boolean }

/** Throws CronFieldError (the service answers ValidationError). */
export function parseCron(expr: string): Cron {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) throw new CronFieldError(`a recurrence has 5 fields (minute hour day month weekday): '${expr}'`);
  // Unix cron: 0 and 7 are both Sunday.
  const weekdays = field(parts[4]!, 0, 7, 'day-of-week', DAY_NAMES, 0);
  if (weekdays.delete(7)) weekdays.add(0);
  return {
    minutes: field(parts[0]!, 0, 59, 'minute'), hours: field(parts[1]!, 0, 23, 'hour'), days: field(parts[2]!, 1, 31, 'day-of-month'),
    months: field(parts[3]!, 1, 12, 'month', MONTH_NAMES, 1), weekdays,
    anyDay: parts[2] === '*', anyWeekday: parts[4] === '*',
  };
}

/** Minutes a time zone is ahead of UTC at `ms` (0 for UTC or an unknown zone). */
function offsetMinutes(ms: number, tz: string | undefined): number {
  if (!tz || tz === 'UTC' || tz === 'Etc/UTC') return 0;
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }).formatToParts(new Date(ms));
    const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
    const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
    return Math.round((local - Math.floor(ms / 60000) * 60000) / 60000);
  } catch {
    return 0;
  }
}

/** The first time strictly after `after` (epoch ms) that matches, or undefined within a year. */
export function nextCron(expr: string | Cron, after: number, tz?: string): number | undefined {
  const c = typeof expr === 'string' ? parseCron(expr) : expr;
  const off = offsetMinutes(after, tz) * 60000;
  let t = Math.floor((after + off) / 60000) * 60000 + 60000;
  const end = t + 366 * 24 * 3600 * 1000;
  while (t < end) {
    const d = new Date(t);
    if (!c.months.has(d.getUTCMonth() + 1)) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      continue;
    }
    const dom = c.days.has(d.getUTCDate());
    const dow = c.weekdays.has(d.getUTCDay());
    // Cron: when both day fields are restricted, either may match.
    const dayOk = c.anyDay && c.anyWeekday ? true : c.anyDay ? dow : c.anyWeekday ? dom : dom || dow;
    if (!dayOk) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
      continue;
    }
    if (!c.hours.has(d.getUTCHours())) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
      continue;
    }
    if (c.minutes.has(d.getUTCMinutes())) return t - off;
    t += 60000;
  }
  return undefined;
}
