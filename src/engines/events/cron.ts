// EventBridge schedule expressions: rate(N minute|minutes|hour|hours|day|days) and AWS's six-field cron
// `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, always UTC:
//   minutes 0-59, hours 0-23: `, - * /`
//   day-of-month 1-31: `, - * ? / L W` (L = last day, L-n = n days before it, nW = nearest weekday, LW = last weekday)
//   month 1-12 or JAN-DEC: `, - * /`
//   day-of-week 1-7 or SUN-SAT (1 = Sunday): `, - * ? L #` (nL = last <n>day of the month, n#k = k-th <n>day)
//   year 1970-2199: `, - * /`
// One of day-of-month and day-of-week must be `?` (AWS rejects both set, and both `?`).

import { CronFieldError as ScheduleError, cronField, cronValue, DAY_NAMES, MONTH_NAMES } from '../../core/cron-fields.ts';

/** An invalid schedule expression (the service turns it into ValidationException). */
export { ScheduleError };

const MONTHS = MONTH_NAMES;
const DAYS = DAY_NAMES;
export const MAX_YEAR = 2199;
const MINUTE = 60_000;

export interface CronSpec {
  minutes: boolean[];
  hours: boolean[];
  months: boolean[]; // index 1-12
  years: boolean[]; // index year - 1970
  /** Day-of-month rule (undefined when `?`). */
  dom?: { any: boolean; days: boolean[]; last?: number; lastWeekday?: boolean; nearestWeekday?: number };
  /** Day-of-week rule (undefined when `?`); weekdays 0 = Sunday. */
  dow?: { any: boolean; days: boolean[]; lastOf?: number; nth?: { day: number; n: number } };
}

export type Schedule = { kind: 'rate'; everyMs: number; text: string } | { kind: 'cron'; cron: CronSpec; text: string };

function parseDom(spec: string): CronSpec['dom'] {
  if (spec === '?') return undefined;
  const days = new Array<boolean>(32).fill(false);
  if (spec === 'L') return { any: false, days, last: 0 };
  let m = /^L-(\d{1,2})$/.exec(spec);
  if (m) {
    const n = Number(m[1]);
    if (n > 30) throw new ScheduleError(`invalid day-of-month '${spec}'`);
    return { any: false, days, last: n };
  }
  if (spec === 'LW') return { any: false, days, lastWeekday: true };
  m = /^(\d{1,2})W$/.exec(spec);
  if (m) return { any: false, days, nearestWeekday: cronValue(m[1], undefined, 1, 1, 31, 'day-of-month') };
  if (/[LW#]/i.test(spec)) throw new ScheduleError(`invalid day-of-month '${spec}'`);
  return { any: spec === '*', days: cronField(spec, 1, 31, 'day-of-month') };
}

function parseDow(spec: string): CronSpec['dow'] {
  if (spec === '?') return undefined;
  const days = new Array<boolean>(7).fill(false);
  if (spec === 'L') return { any: false, days: days.map((_, i) => i === 6) };
  let m = /^([A-Za-z]{3}|\d)L$/.exec(spec);
  if (m) return { any: false, days, lastOf: cronValue(m[1], DAYS, 1, 1, 7, 'day-of-week') - 1 };
  m = /^([A-Za-z]{3}|\d)#(\d)$/.exec(spec);
  if (m) {
    const n = Number(m[2]);
    if (n < 1 || n > 5) throw new ScheduleError(`invalid day-of-week '${spec}'`);
    return { any: false, days, nth: { day: cronValue(m[1], DAYS, 1, 1, 7, 'day-of-week') - 1, n } };
  }
  if (/[LW#]/i.test(spec.replace(/[A-Za-z]{3}/g, (w) => (DAYS.includes(w.toUpperCase()) ? '0' : w)))) throw new ScheduleError(`invalid day-of-week '${spec}'`);
  const t = cronField(spec, 1, 7, 'day-of-week', DAYS, 1);
  return { any: spec === '*', days: days.map((_, i) => t[i + 1]) };
}

export function parseCron(body: string): CronSpec {
  const f = body.trim().split(/\s+/);
  if (f.length !== 6) throw new ScheduleError('a cron expression has six fields: minutes hours day-of-month month day-of-week year');
  const [mi, h, dom, mon, dow, y] = f;
  if ((dom === '?') === (dow === '?')) throw new ScheduleError('exactly one of day-of-month and day-of-week must be ?');
  if (/[?LW#]/i.test(mi + h + y) || /[?LW#]/.test(mon.replace(/[A-Za-z]{3}/g, (w) => (MONTHS.includes(w.toUpperCase()) ? '0' : w)))) {
    throw new ScheduleError('? L W # are only allowed in day-of-month and day-of-week');
  }
  const years = cronField(y, 1970, MAX_YEAR, 'year').slice(1970);
  return {
    minutes: cronField(mi, 0, 59, 'minutes'), hours: cronField(h, 0, 23, 'hours'), months: cronField(mon, 1, 12, 'month', MONTHS, 1),
    years, dom: parseDom(dom), dow: parseDow(dow),
  };
}

/** Parses a ScheduleExpression; throws ScheduleError (the service turns it into ValidationException). */
export function parseSchedule(expr: string): Schedule {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expr);
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2];
    if (n < 1) throw new ScheduleError('rate value must be positive');
    // AWS insists on the singular for 1 and the plural otherwise.
    if ((n === 1) !== !unit.endsWith('s')) throw new ScheduleError(`use '${n === 1 ? unit.replace(/s$/, '') : `${unit}s`}' with ${n}`);
    const ms = unit.startsWith('minute') ? MINUTE : unit.startsWith('hour') ? 60 * MINUTE : 24 * 60 * MINUTE;
    return { kind: 'rate', everyMs: n * ms, text: expr };
  }
  const cron = /^cron\((.*)\)$/.exec(expr);
  if (cron) return { kind: 'cron', cron: parseCron(cron[1]), text: expr };
  throw new ScheduleError('expected rate(...) or cron(...)');
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate(); // month 1-12: day 0 of the next month
}

function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

function dayMatches(c: CronSpec, year: number, month: number, day: number): boolean {
  const dim = daysIn(year, month);
  if (c.dom) {
    const d = c.dom;
    if (d.any) return true;
    if (d.last !== undefined) return day === dim - d.last;
    if (d.lastWeekday) {
      let last = dim;
      while (weekday(year, month, last) === 0 || weekday(year, month, last) === 6) last--;
      return day === last;
    }
    if (d.nearestWeekday !== undefined) {
      // Nearest weekday in the same month (Quartz rules: 1W on a Saturday is Monday the 3rd).
      let target = Math.min(d.nearestWeekday, dim);
      const wd = weekday(year, month, target);
      if (wd === 6) target = target === 1 ? 3 : target - 1;
      else if (wd === 0) target = target === dim ? target - 2 : target + 1;
      return day === target;
    }
    return d.days[day];
  }
  const w = c.dow!;
  const wd = weekday(year, month, day);
  if (w.any) return true;
  if (w.lastOf !== undefined) return wd === w.lastOf && day + 7 > dim;
  if (w.nth) return wd === w.nth.day && Math.ceil(day / 7) === w.nth.n;
  return w.days[wd];
}

/** The first firing strictly after `after` (ms since epoch), at a whole minute; undefined when there is none (≤ 2199). */
export function nextCron(c: CronSpec, after: number): number | undefined {
  const start = new Date(Math.floor(after / MINUTE) * MINUTE + MINUTE);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth() + 1;
  let day = start.getUTCDate();
  let first = true; // still on the start day: hours/minutes must not be before the start time
  while (year <= MAX_YEAR) {
    if (!c.years[year - 1970]) {
      year++, month = 1, day = 1, first = false;
      continue;
    }
    if (!c.months[month]) {
      if (++month > 12) year++, month = 1;
      day = 1, first = false;
      continue;
    }
    if (day > daysIn(year, month)) {
      if (++month > 12) year++, month = 1;
      day = 1, first = false;
      continue;
    }
    if (dayMatches(c, year, month, day)) {
      const h0 = first ? start.getUTCHours() : 0;
      for (let h = h0; h < 24; h++) {
        if (!c.hours[h]) continue;
        const m0 = first && h === h0 ? start.getUTCMinutes() : 0;
        for (let m = m0; m < 60; m++) if (c.minutes[m]) return Date.UTC(year, month - 1, day, h, m);
      }
    }
    day++, first = false;
  }
  return undefined;
}

/**
 * The next firing strictly after `after`. Rates run on a grid anchored where the schedule was set (the rule's
 * creation, a schedule change or re-enabling): anchor + k × rate, first at anchor + rate.
 */
export function nextFire(s: Schedule, after: number, anchor: number): number | undefined {
  if (s.kind === 'cron') return nextCron(s.cron, after);
  if (after < anchor) return anchor + s.everyMs;
  const k = Math.floor((after - anchor) / s.everyMs) + 1;
  return anchor + k * s.everyMs;
}
