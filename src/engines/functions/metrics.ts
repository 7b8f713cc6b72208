import type { MetricsSource, SourceDatum } from '../metrics/index.ts';
import type { UsageRecord } from './types.ts';
import { parseArn } from '../../core/arn.ts';

// AWS/Lambda metrics from what really ran: every invocation the meter records and every throttle the
// engine refuses, per function, since the last collection. AWS publishes a metric only for periods
// with activity, so idle functions report nothing (alarms see missing data, as on AWS).

interface Window {
  account: string;
  region: string;
  name: string;
  invocations: number;
  errors: number;
  throttles: number;
  durations: number[];
  peakConcurrency: number;
}

export class LambdaMetrics {
  private windows = new Map<string, Window>();

  private window(account: string, region: string, functionArn: string): Window {
    // arn:aws:lambda:region:account:function:name[:qualifier] → name
    const name = parseArn(functionArn)?.resource.split(':')[1] ?? functionArn;
    const key = `${account}/${region}/${name}`;
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = { account, region, name, invocations: 0, errors: 0, throttles: 0, durations: [], peakConcurrency: 0 }));
    return w;
  }

  invoked(r: UsageRecord, concurrency: number): void {
    const w = this.window(r.account, r.region, r.functionArn);
    w.invocations++;
    if (r.outcome !== 'success') w.errors++;
    w.durations.push(r.durationMs);
    w.peakConcurrency = Math.max(w.peakConcurrency, concurrency);
  }

  throttled(account: string, region: string, functionArn: string): void {
    this.window(account, region, functionArn).throttles++;
  }

  source(): MetricsSource {
    return {
      name: 'lambda',
      collect: (now) => {
        const out: SourceDatum[] = [];
        for (const w of this.windows.values()) {
          const base = { account: w.account, region: w.region, namespace: 'AWS/Lambda', timestamp: now, dimensions: [{ name: 'FunctionName', value: w.name }] };
          if (w.invocations) {
            out.push({ ...base, metricName: 'Invocations', value: w.invocations, unit: 'Count' });
            out.push({ ...base, metricName: 'Errors', value: w.errors, unit: 'Count' });
            out.push({ ...base, metricName: 'Duration', values: w.durations, counts: w.durations.map(() => 1), unit: 'Milliseconds' });
            out.push({ ...base, metricName: 'ConcurrentExecutions', value: w.peakConcurrency, unit: 'Count' });
          }
          if (w.throttles) out.push({ ...base, metricName: 'Throttles', value: w.throttles, unit: 'Count' });
        }
        this.windows.clear();
        return out;
      },
    };
  }
}
