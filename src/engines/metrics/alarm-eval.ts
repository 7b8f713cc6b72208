// Pure alarm evaluation: datapoints of the evaluation range → new state, StateReason and StateReasonData as AWS
// words them.

export type StateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface EvalPoint {
  /** Period start, epoch ms. */
  ts: number;
  value?: number;
  sampleCount?: number;
}

export interface EvalConfig {
  comparisonOperator: string;
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: string;
  period: number;
  statistic?: string;
}

const PHRASE: Record<string, string> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

export function breaches(op: string, v: number, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanThreshold': return v > threshold;
    case 'GreaterThanOrEqualToThreshold': return v >= threshold;
    case 'LessThanThreshold': return v < threshold;
    case 'LessThanOrEqualToThreshold': return v <= threshold;
    default: return false;
  }
}

/** Java's Double.toString for the values AWS prints (85.0, 12.5). */
export function num(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

/** AWS's timestamps in alarm JSON: 2026-01-01T00:02:00.000+0000. */
export function awsIso(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** dd/MM/yy HH:mm:ss, as in StateReason. */
function short(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

export interface Decision {
  /** undefined: keep the current state (TreatMissingData=ignore with no data). */
  state?: StateValue;
  reason: string;
  reasonData: string;
}

/** `points`: the evaluation range, newest first, one entry per period (value undefined when missing). */
export function decide(cfg: EvalConfig, points: EvalPoint[], current: StateValue, now: number): Decision {
  const present = points.filter((p) => p.value !== undefined);
  const breaching = present.filter((p) => breaches(cfg.comparisonOperator, p.value!, cfg.threshold));
  const missing = points.length - present.length;
  const m = cfg.datapointsToAlarm;
  const data = JSON.stringify({
    version: '1.0',
    queryDate: awsIso(now),
    startDate: awsIso(points.length ? points[points.length - 1]!.ts : now),
    ...(cfg.statistic ? { statistic: cfg.statistic } : {}),
    period: cfg.period,
    recentDatapoints: present.map((p) => p.value),
    threshold: cfg.threshold,
    evaluatedDatapoints: points.map((p) => ({ timestamp: awsIso(p.ts), ...(p.value !== undefined ? { sampleCount: p.sampleCount ?? 1, value: p.value } : {}) })),
  });
  if (present.length === 0 && (cfg.treatMissingData === 'missing' || cfg.treatMissingData === 'ignore')) {
    if (cfg.treatMissingData === 'ignore') return { reason: '', reasonData: data };
    const n = points.length;
    return { state: 'INSUFFICIENT_DATA', reason: `Insufficient Data: ${n} datapoint${n === 1 ? ' was' : 's were'} unknown.`, reasonData: data };
  }
  let count = breaching.length;
  if (cfg.treatMissingData === 'breaching') count += missing;
  const state: StateValue = count >= m ? 'ALARM' : 'OK';
  const phrase = PHRASE[cfg.comparisonOperator] ?? cfg.comparisonOperator;
  const shown = (state === 'ALARM' ? breaching : present.filter((p) => !breaches(cfg.comparisonOperator, p.value!, cfg.threshold)));
  const list = `[${shown.map((p) => `${num(p.value!)} (${short(p.ts)})`).join(', ')}]`;
  let reason: string;
  if (state === 'ALARM') {
    const withMissing = cfg.treatMissingData === 'breaching' && missing ? ` (${missing} missing datapoint${missing === 1 ? '' : 's'} treated as breaching)` : '';
    reason = `Threshold Crossed: ${count} out of the last ${points.length} datapoints ${list} ${count === 1 ? 'was' : 'were'} ${phrase} the threshold (${num(cfg.threshold)})${withMissing} (minimum ${m} datapoint${m === 1 ? '' : 's'} for OK -> ALARM transition).`;
  } else {
    const n = shown.length;
    reason = `Threshold Crossed: ${n} datapoint${n === 1 ? '' : 's'} ${list} ${n === 1 ? 'was' : 'were'} not ${phrase} the threshold (${num(cfg.threshold)}).`;
  }
  return { state, reason, reasonData: data };
}
