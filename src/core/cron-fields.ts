// Cron field lists — `, - * /`, names, wrapping ranges — parsed into a table, shared by the two cron dialects Nimbus
// speaks: EventBridge's six-field AWS cron (engines/events/cron.ts) and Auto Scaling's five-field Unix cron
// (engines/scaling/cron.ts). What each dialect adds (L W # ?, years, day matching, time zones) stays with it.

/** A cron expression Nimbus cannot parse; services turn it into their ValidationError. */
export class CronFieldError extends Error {}

export const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
export const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** One value: a number in [lo, hi], or a name (names[i] = base + i). */
export function cronValue(s: string, names: string[] | undefined, base: number, lo: number, hi: number, what: string): number {
  const up = s.toUpperCase();
  const named = names ? names.indexOf(up) : -1;
  const n = named >= 0 ? named + base : /^\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isInteger(n) || n < lo || n > hi) throw new CronFieldError(`invalid ${what} value '${s}'`);
  return n;
}

/** `, - * /` lists into a boolean table over [lo, hi] (index = value). */
export function cronField(spec: string, lo: number, hi: number, what: string, names?: string[], base = 1): boolean[] {
  const out = new Array<boolean>(hi + 1).fill(false);
  for (const part of spec.split(',')) {
    if (!part) throw new CronFieldError(`empty ${what} list element`);
    const [range, stepStr, extra] = part.split('/');
    if (extra !== undefined) throw new CronFieldError(`invalid ${what} '${part}'`);
    const step = stepStr === undefined ? 1 : Number(stepStr);
    if (!Number.isInteger(step) || step < 1 || (stepStr !== undefined && !/^\d+$/.test(stepStr))) throw new CronFieldError(`invalid ${what} step '${part}'`);
    let a: number;
    let b: number;
    if (range === '*') {
      a = lo;
      b = hi;
    } else if (range.includes('-')) {
      const [x, y, z] = range.split('-');
      if (z !== undefined) throw new CronFieldError(`invalid ${what} range '${part}'`);
      a = cronValue(x, names, base, lo, hi, what);
      b = cronValue(y, names, base, lo, hi, what);
    } else {
      a = cronValue(range, names, base, lo, hi, what);
      b = stepStr !== undefined ? hi : a;
    }
    if (b >= a) for (let v = a; v <= b; v += step) out[v] = true;
    else {
      // Wrapping range (e.g. FRI-MON, 22-2): AWS accepts these.
      const span = hi - lo + 1;
      for (let i = 0; i <= b - a + span; i += step) out[lo + ((a - lo + i) % span)] = true;
    }
  }
  return out;
}
