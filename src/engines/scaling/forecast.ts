import type { Datapoint } from './ports.ts';

// Predictive scaling forecast (documented in the README's Auto Scaling section).
//
// Method: hourly load history (up to 14 days back, one datapoint per hour) → for each future hour h,
//   daily(h)  = mean of the history values at the same hour of day, over every past day that has one;
//   weekly(h) = mean of the values at the same hour of the week (needs at least one full week of history);
//   load(h)   = weekly(h) and daily(h) averaged when both exist, else daily(h) (0 with no history at that hour).
// Capacity(h) = ceil(load(h) / TargetValue), clamped to [min, max] (max may grow by MaxCapacityBuffer % when
// MaxCapacityBreachBehavior is IncreaseMaxCapacity). AWS needs 24 h of history before it forecasts; Nimbus
// forecasts from any history (hours without history forecast 0), so demos need not wait a day.

export const HOUR = 3600_000;
export const HISTORY_DAYS = 14;
export const FORECAST_HOURS = 48;

export interface Forecast { timestamps: number[]; load: number[]; capacity: number[] }

export function forecastLoad(history: Datapoint[], from: number, hours = FORECAST_HOURS): { timestamps: number[]; load: number[] } {
  const byHourOfDay = new Map<number, number[]>();
  const byHourOfWeek = new Map<number, number[]>();
  const first = history.length ? Math.min(...history.map((p) => p.timestamp)) : from;
  const haveWeek = from - first >= 7 * 24 * HOUR;
  for (const p of history) {
    const h = Math.floor(p.timestamp / HOUR);
    const hod = h % 24;
    const how = h % (24 * 7);
    byHourOfDay.set(hod, [...(byHourOfDay.get(hod) ?? []), p.value]);
    byHourOfWeek.set(how, [...(byHourOfWeek.get(how) ?? []), p.value]);
  }
  const mean = (xs: number[] | undefined) => (xs?.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);
  const start = Math.floor(from / HOUR) * HOUR;
  const timestamps: number[] = [];
  const load: number[] = [];
  for (let i = 0; i < hours; i++) {
    const t = start + i * HOUR;
    const h = t / HOUR;
    const daily = mean(byHourOfDay.get(h % 24));
    const weekly = haveWeek ? mean(byHourOfWeek.get(h % (24 * 7))) : undefined;
    timestamps.push(t);
    load.push(daily === undefined ? 0 : weekly === undefined ? daily : (daily + weekly) / 2);
  }
  return { timestamps, load };
}

export function capacityFor(load: number, target: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.ceil(load / Math.max(target, 1e-9))));
}
