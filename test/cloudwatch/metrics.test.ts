import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { GetMetricDataCommand, GetMetricStatisticsCommand, ListMetricsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { after, before, describe, test } from 'node:test';
import { rejection, startCw, type CwTest } from './support.ts';

// Metrics through the JSON protocol (JS SDK v3), statistics checked against hand-computed values.
describe('CloudWatch metrics (JSON protocol)', () => {
  let s: CwTest;
  // A minute boundary safely in the past (within the 2-week window).
  const t0 = Math.floor((Date.now() - 3600_000) / 60_000) * 60_000;
  before(async () => {
    s = await startCw();
  });
  after(async () => {
    await s?.close();
  });

  test('PutMetricData then GetMetricStatistics: sums, averages, extremes, percentiles per period', async () => {
    const dims = [{ Name: 'Host', Value: 'a' }];
    // Period 1 (t0..t0+60): values 1,2,3,4 (Value) ; period 2: statistic set {n 4, sum 20, min 2, max 8}; period 3: Values/Counts.
    await s.cw.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [1, 2, 3, 4].map((v, i) => ({ MetricName: 'Latency', Dimensions: dims, Timestamp: new Date(t0 + i * 10_000), Value: v, Unit: 'Milliseconds' })) }));
    await s.cw.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [
      { MetricName: 'Latency', Dimensions: dims, Timestamp: new Date(t0 + 60_000), StatisticValues: { SampleCount: 4, Sum: 20, Minimum: 2, Maximum: 8 }, Unit: 'Milliseconds' },
      { MetricName: 'Latency', Dimensions: dims, Timestamp: new Date(t0 + 125_000), Values: [10, 20, 30], Counts: [1, 2, 7], Unit: 'Milliseconds' },
    ] }));
    const r = await s.cw.send(new GetMetricStatisticsCommand({
      Namespace: 'App', MetricName: 'Latency', Dimensions: dims, StartTime: new Date(t0), EndTime: new Date(t0 + 180_000), Period: 60,
      Statistics: ['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'],
    }));
    const dps = [...r.Datapoints!].sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime());
    assert.equal(r.Label, 'Latency');
    assert.deepEqual(dps.map((d) => [d.Timestamp!.getTime() - t0, d.SampleCount, d.Sum, d.Average, d.Minimum, d.Maximum, d.Unit]), [
      [0, 4, 10, 2.5, 1, 4, 'Milliseconds'],
      [60_000, 4, 20, 5, 2, 8, 'Milliseconds'],
      [120_000, 10, 10 + 40 + 210, 26, 10, 30, 'Milliseconds'],
    ]);
    // One 3-minute period; percentiles only where the values are known (nearest rank).
    const p = await s.cw.send(new GetMetricStatisticsCommand({
      Namespace: 'App', MetricName: 'Latency', Dimensions: dims, StartTime: new Date(t0 + 120_000), EndTime: new Date(t0 + 180_000), Period: 60, ExtendedStatistics: ['p50', 'p10', 'p99'],
    }));
    // Sorted: 10, 20, 20, 30×7 → p10 = rank 1 → 10; p50 = rank 5 → 30; p99 = rank 10 → 30.
    assert.deepEqual(p.Datapoints!.map((d) => d.ExtendedStatistics), [{ p50: 30, p10: 10, p99: 30 }]);
    const q1 = await s.cw.send(new GetMetricStatisticsCommand({
      Namespace: 'App', MetricName: 'Latency', Dimensions: dims, StartTime: new Date(t0), EndTime: new Date(t0 + 60_000), Period: 60, ExtendedStatistics: ['p50', 'p75'],
    }));
    assert.deepEqual(q1.Datapoints!.map((d) => d.ExtendedStatistics), [{ p50: 2, p75: 3 }]);
    // A unit that does not match: nothing.
    const none = await s.cw.send(new GetMetricStatisticsCommand({ Namespace: 'App', MetricName: 'Latency', Dimensions: dims, StartTime: new Date(t0), EndTime: new Date(t0 + 180_000), Period: 60, Statistics: ['Sum'], Unit: 'Seconds' }));
    assert.deepEqual(none.Datapoints, []);
  });

  test('high-resolution points are kept per second; standard ones per minute', async () => {
    await s.cw.send(new PutMetricDataCommand({ Namespace: 'Hi', MetricData: [0, 1, 2, 3].map((i) => ({ MetricName: 'Req', Timestamp: new Date(t0 + i * 1000 + 300), Value: 10 + i, StorageResolution: 1 })) }));
    await s.cw.send(new PutMetricDataCommand({ Namespace: 'Hi', MetricData: [0, 1].map((i) => ({ MetricName: 'Std', Timestamp: new Date(t0 + i * 1000), Value: 5 })) }));
    const hi = await s.cw.send(new GetMetricStatisticsCommand({ Namespace: 'Hi', MetricName: 'Req', StartTime: new Date(t0), EndTime: new Date(t0 + 4000), Period: 1, Statistics: ['Sum'] }));
    assert.deepEqual(hi.Datapoints!.map((d) => [d.Timestamp!.getTime() - t0, d.Sum]).sort((a, b) => a[0]! - b[0]!), [[0, 10], [1000, 11], [2000, 12], [3000, 13]]);
    const std = await s.cw.send(new GetMetricStatisticsCommand({ Namespace: 'Hi', MetricName: 'Std', StartTime: new Date(t0), EndTime: new Date(t0 + 4000), Period: 1, Statistics: ['Sum'] }));
    assert.deepEqual(std.Datapoints!.map((d) => [d.Timestamp!.getTime() - t0, d.Sum]), [[0, 10]]);
  });

  test('GetMetricData: MetricStat, metric math, ScanBy, MaxDatapoints paging, labels', async () => {
    const put = (name: string, vals: number[]) => s.cw.send(new PutMetricDataCommand({ Namespace: 'Math', MetricData: vals.map((v, i) => ({ MetricName: name, Timestamp: new Date(t0 + i * 60_000), Value: v })) }));
    await put('A', [1, 2, 4]);
    await put('B', [10, 20, 40]);
    const stat = (id: string, name: string, extra = {}) => ({ Id: id, MetricStat: { Metric: { Namespace: 'Math', MetricName: name }, Period: 60, Stat: 'Sum' }, ...extra });
    const base = { StartTime: new Date(t0), EndTime: new Date(t0 + 180_000) };
    const r = await s.cw.send(new GetMetricDataCommand({
      ...base, ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        stat('m1', 'A'), stat('m2', 'B', { ReturnData: false }),
        { Id: 'e1', Expression: 'm1+m2', Label: 'total' },
        { Id: 'e2', Expression: 'SUM(METRICS())' },
        { Id: 'e3', Expression: 'RATE(m2)' },
        { Id: 'e4', Expression: '(m2 - m1) * 2 / 3' },
        { Id: 'e5', Expression: 'MAX(m2)' },
      ],
    }));
    const by = Object.fromEntries(r.MetricDataResults!.map((x) => [x.Id, x]));
    assert.deepEqual(Object.keys(by).sort(), ['e1', 'e2', 'e3', 'e4', 'e5', 'm1']);
    assert.deepEqual(by.m1!.Values, [1, 2, 4]);
    assert.equal(by.m1!.Label, 'A');
    assert.deepEqual(by.m1!.Timestamps!.map((d: Date) => d.getTime() - t0), [0, 60_000, 120_000]);
    assert.deepEqual(by.e1!.Values, [11, 22, 44]);
    assert.equal(by.e1!.Label, 'total');
    assert.deepEqual(by.e2!.Values, [11, 22, 44]);
    assert.deepEqual(by.e3!.Values, [10 / 60, 20 / 60]);
    assert.deepEqual(by.e4!.Values, [6, 12, 24]);
    assert.deepEqual(by.e5!.Values, [40, 40, 40]);
    assert.equal(by.e1!.StatusCode, 'Complete');
    // Default order: newest first. Paging: 2 values a page.
    const page1 = await s.cw.send(new GetMetricDataCommand({ ...base, MaxDatapoints: 2, MetricDataQueries: [stat('m1', 'A')] }));
    assert.deepEqual(page1.MetricDataResults![0]!.Values, [4, 2]);
    assert.equal(page1.MetricDataResults![0]!.StatusCode, 'PartialData');
    assert.ok(page1.NextToken);
    const page2 = await s.cw.send(new GetMetricDataCommand({ ...base, MaxDatapoints: 2, NextToken: page1.NextToken, MetricDataQueries: [stat('m1', 'A')] }));
    assert.deepEqual(page2.MetricDataResults![0]!.Values, [1]);
    assert.equal(page2.NextToken, undefined);
    const bad = await rejection(s.cw.send(new GetMetricDataCommand({ ...base, NextToken: 'nope', MetricDataQueries: [stat('m1', 'A')] })));
    assert.equal(bad.name, 'InvalidNextToken');
    const badExpr = await rejection(s.cw.send(new GetMetricDataCommand({ ...base, MetricDataQueries: [stat('m1', 'A'), { Id: 'e1', Expression: 'FOO(m1)' }] })));
    assert.match(badExpr.message, /FOO/);
    const unknownId = await rejection(s.cw.send(new GetMetricDataCommand({ ...base, MetricDataQueries: [stat('m1', 'A'), { Id: 'e1', Expression: 'm1 + zz' }] })));
    assert.match(unknownId.message, /zz/);
  });

  test('ListMetrics: namespace, name and dimension filters, RecentlyActive', async () => {
    await s.cw.send(new PutMetricDataCommand({ Namespace: 'List', MetricData: [
      { MetricName: 'X', Dimensions: [{ Name: 'Env', Value: 'prod' }, { Name: 'App', Value: 'web' }], Value: 1 },
      { MetricName: 'X', Dimensions: [{ Name: 'Env', Value: 'dev' }], Value: 1 },
      { MetricName: 'Y', Value: 1, Timestamp: new Date(Date.now() - 5 * 3600_000) },
    ] }));
    const all = await s.cw.send(new ListMetricsCommand({ Namespace: 'List' }));
    assert.equal(all.Metrics!.length, 3);
    const prod = await s.cw.send(new ListMetricsCommand({ Namespace: 'List', Dimensions: [{ Name: 'Env', Value: 'prod' }] }));
    assert.deepEqual(prod.Metrics!.map((m) => m.Dimensions!.map((d) => `${d.Name}=${d.Value}`).sort()), [['App=web', 'Env=prod']]);
    const withEnv = await s.cw.send(new ListMetricsCommand({ Namespace: 'List', MetricName: 'X', Dimensions: [{ Name: 'Env' }] }));
    assert.equal(withEnv.Metrics!.length, 2);
    const recent = await s.cw.send(new ListMetricsCommand({ Namespace: 'List', RecentlyActive: 'PT3H' }));
    assert.deepEqual(recent.Metrics!.map((m) => m.MetricName).sort(), ['X', 'X']);
  });

  test('bad input answered with CloudWatch errors (x-amzn-query-error codes)', async () => {
    // The SDK names the error by its model shape and reports the query code (x-amzn-query-error) as Code.
    const code = (e: { name: string; Code?: string }) => e.Code ?? e.name;
    const reserved = await rejection(s.cw.send(new PutMetricDataCommand({ Namespace: 'AWS/EC2', MetricData: [{ MetricName: 'x', Value: 1 }] })));
    assert.equal(reserved.name, 'InvalidParameterValueException');
    assert.equal(reserved.Code, 'InvalidParameterValue');
    assert.equal(reserved.$metadata?.httpStatusCode, 400);
    const both = await rejection(s.cw.send(new PutMetricDataCommand({ Namespace: 'E', MetricData: [{ MetricName: 'x', Value: 1, StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } }] })));
    assert.equal(code(both), 'InvalidParameterCombination');
    const tooMany = await rejection(s.cw.send(new PutMetricDataCommand({ Namespace: 'E', MetricData: Array.from({ length: 1001 }, () => ({ MetricName: 'x', Value: 1 })) })));
    assert.equal(code(tooMany), 'InvalidParameterValue');
    const old = await rejection(s.cw.send(new PutMetricDataCommand({ Namespace: 'E', MetricData: [{ MetricName: 'x', Value: 1, Timestamp: new Date(Date.now() - 20 * 86_400_000) }] })));
    assert.equal(code(old), 'InvalidParameterValue');
    const noStats = await rejection(s.cw.send(new GetMetricStatisticsCommand({ Namespace: 'E', MetricName: 'x', StartTime: new Date(t0), EndTime: new Date(t0 + 60_000), Period: 60 })));
    assert.equal(code(noStats), 'MissingParameter');
    const period = await rejection(s.cw.send(new GetMetricStatisticsCommand({ Namespace: 'E', MetricName: 'x', StartTime: new Date(t0), EndTime: new Date(t0 + 60_000), Period: 7, Statistics: ['Sum'] })));
    assert.equal(code(period), 'InvalidParameterValue');
    const tooLong = await rejection(s.cw.send(new GetMetricStatisticsCommand({ Namespace: 'E', MetricName: 'x', StartTime: new Date(t0 - 86_400_000), EndTime: new Date(t0), Period: 1, Statistics: ['Sum'] })));
    assert.equal(code(tooLong), 'InvalidParameterCombination');
    const list = await rejection(s.cw.send(new ListMetricsCommand({ NextToken: 'garbage' })));
    assert.equal(code(list), 'InvalidNextToken');
  });

  test('gzip-compressed PutMetricData bodies (SDK request compression and a raw post)', async () => {
    // The SDK compresses bodies of at least requestMinCompressionSizeBytes (default 10 KiB).
    const data = Array.from({ length: 400 }, (_, i) => ({ MetricName: 'Gz', Dimensions: [{ Name: 'Shard', Value: `s${i % 4}` }], Timestamp: new Date(t0), Value: 1 }));
    await s.cw.send(new PutMetricDataCommand({ Namespace: 'Zip', MetricData: data }));
    const body = gzipSync(JSON.stringify({ Namespace: 'Zip', MetricData: [{ MetricName: 'Gz', Dimensions: [{ Name: 'Shard', Value: 's0' }], Timestamp: t0 / 1000, Value: 5 }] }));
    const res = await fetch(`${s.t.endpoint}/`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'content-encoding': 'gzip', 'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData' },
    });
    assert.equal(res.status, 200, await res.text());
    const r = await s.cw.send(new GetMetricStatisticsCommand({ Namespace: 'Zip', MetricName: 'Gz', Dimensions: [{ Name: 'Shard', Value: 's0' }], StartTime: new Date(t0), EndTime: new Date(t0 + 60_000), Period: 60, Statistics: ['Sum', 'SampleCount'] }));
    assert.deepEqual(r.Datapoints!.map((d) => [d.SampleCount, d.Sum]), [[101, 105]]);
    const huge = gzipSync(Buffer.alloc(2 * 1024 * 1024, 32));
    const big = await fetch(`${s.t.endpoint}/`, { method: 'POST', body: huge, headers: { 'content-type': 'application/x-amz-json-1.0', 'content-encoding': 'gzip', 'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData' } });
    assert.equal(big.status, 413);
  });
});
