import type { MetricPoint } from './types.ts';

// Counters the proxies bump per request/flow, turned into AWS/ApplicationELB and AWS/NetworkELB datapoints by
// collectMetrics (the CloudWatch metric source). Counters reset at each collection; host counts are gauges.

export class Stat {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  add(v: number): void {
    this.count += 1;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }
}

export class Counters {
  requests = 0;
  target2xx = 0;
  target3xx = 0;
  target4xx = 0;
  target5xx = 0;
  elb3xx = 0;
  elb4xx = 0;
  elb5xx = 0;
  elb502 = 0;
  elb503 = 0;
  elb504 = 0;
  targetConnErrors = 0;
  newFlows = 0;
  activeFlows = 0;
  processedBytes = 0;
  responseTime = new Stat();

  targetCode(status: number): void {
    if (status < 300) this.target2xx += 1;
    else if (status < 400) this.target3xx += 1;
    else if (status < 500) this.target4xx += 1;
    else this.target5xx += 1;
  }

  elbCode(status: number): void {
    if (status >= 500) {
      this.elb5xx += 1;
      if (status === 502) this.elb502 += 1;
      else if (status === 503) this.elb503 += 1;
      else if (status === 504) this.elb504 += 1;
    } else if (status >= 400) this.elb4xx += 1;
    else if (status >= 300) this.elb3xx += 1;
  }

  reset(): void {
    const active = this.activeFlows;
    Object.assign(this, new Counters());
    this.activeFlows = active;
  }
}

type Dim = Array<{ Name: string; Value: string }>;

export interface Owner { account: string; region: string }

export function point(o: Owner, ns: MetricPoint['Namespace'], name: string, dims: Dim, ts: Date, unit: MetricPoint['Unit'], value: number): MetricPoint {
  return { account: o.account, region: o.region, Namespace: ns, MetricName: name, Dimensions: dims, Timestamp: ts, Unit: unit, Value: value };
}

export function statPoint(o: Owner, ns: MetricPoint['Namespace'], name: string, dims: Dim, ts: Date, s: Stat): MetricPoint | undefined {
  if (!s.count) return undefined;
  return { account: o.account, region: o.region, Namespace: ns, MetricName: name, Dimensions: dims, Timestamp: ts, Unit: 'Seconds', StatisticValues: { SampleCount: s.count, Sum: s.sum, Minimum: s.min, Maximum: s.max } };
}

/** ALB counters for one dimension set (LoadBalancer, or LoadBalancer + TargetGroup). */
export function albPoints(o: Owner, c: Counters, dims: Dim, ts: Date, lbLevel: boolean): MetricPoint[] {
  const ns = 'AWS/ApplicationELB';
  const out: MetricPoint[] = [point(o, ns, 'RequestCount', dims, ts, 'Count', c.requests)];
  const counts: Array<[string, number]> = [
    ['HTTPCode_Target_2XX_Count', c.target2xx], ['HTTPCode_Target_3XX_Count', c.target3xx],
    ['HTTPCode_Target_4XX_Count', c.target4xx], ['HTTPCode_Target_5XX_Count', c.target5xx],
    ['TargetConnectionErrorCount', c.targetConnErrors],
  ];
  if (lbLevel) {
    counts.push(['HTTPCode_ELB_3XX_Count', c.elb3xx], ['HTTPCode_ELB_4XX_Count', c.elb4xx], ['HTTPCode_ELB_5XX_Count', c.elb5xx],
      ['HTTPCode_ELB_502_Count', c.elb502], ['HTTPCode_ELB_503_Count', c.elb503], ['HTTPCode_ELB_504_Count', c.elb504]);
  }
  // Like AWS, response-code counts appear only when non-zero; RequestCount is always reported (0 included) so that
  // target tracking sees idle periods as 0 rather than as missing data.
  for (const [n, v] of counts) if (v) out.push(point(o, ns, n, dims, ts, 'Count', v));
  const rt = statPoint(o, ns, 'TargetResponseTime', dims, ts, c.responseTime);
  if (rt) out.push(rt);
  return out;
}
