import { HOUR_MS, type Period } from './time.ts';

// GetCostForecast, kept simple and documented: the forecast is the recent hourly average carried forward.
//   rate  = the metric summed over the lookback window (the last 30 days before now, starting at the first hour with
//           any usage when that is later) ÷ the hours of that window
//   mean  = rate × the hours of the forecast period still ahead of now
//   bounds: mean ± z × σ_h × √hours, σ_h the standard deviation of the hourly totals in the window and z the normal
//           quantile of the requested PredictionIntervalLevel (default 80); the lower bound never goes below 0.
// Steady usage therefore forecasts exactly its hourly cost × hours, with both bounds equal to the mean.

export const FORECAST_LOOKBACK_DAYS = 30;

export interface ForecastBasis {
  /** Average of the metric per hour. */
  hourlyRate: number;
  /** Standard deviation of the hourly totals. */
  hourlySd: number;
}

/** The basis of a forecast from hourly totals (hour start → amount) between `firstHourMs` and now. */
export function forecastBasis(totals: Map<number, number>, firstHourMs: number, nowMs: number): ForecastBasis {
  const hours = Math.max(1, Math.ceil((nowMs - firstHourMs) / HOUR_MS));
  let sum = 0;
  for (const v of totals.values()) sum += v;
  const mean = sum / hours;
  let sq = 0;
  for (let k = 0; k < hours; k++) {
    const v = totals.get(firstHourMs + k * HOUR_MS) ?? 0;
    sq += (v - mean) ** 2;
  }
  return { hourlyRate: mean, hourlySd: hours > 1 ? Math.sqrt(sq / (hours - 1)) : 0 };
}

/**
 * The standard normal quantile for a two-sided interval of `level` percent (Shore's approximation, within 0.5 % of
 * the exact value for 51–99).
 */
export function zScore(level: number): number {
  const q = (1 + level / 100) / 2;
  return 5.5556 * (1 - ((1 - q) / q) ** 0.1186);
}

export function forecastPeriod(b: ForecastBasis, p: Period, nowMs: number, level: number): { mean: number; lower: number; upper: number } {
  const hours = Math.max(0, (p.endMs - Math.max(p.startMs, nowMs)) / HOUR_MS);
  const mean = b.hourlyRate * hours;
  const half = zScore(level) * b.hourlySd * Math.sqrt(hours);
  return { mean, lower: Math.max(0, mean - half), upper: mean + half };
}
