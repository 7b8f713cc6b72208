import assert from 'node:assert/strict';
import { DeleteAlarmsCommand, DescribeAlarmsCommand, DescribeAlarmsForMetricCommand, DescribeAlarmHistoryCommand, ListTagsForResourceCommand, PutMetricAlarmCommand, SetAlarmStateCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-cloudwatch';
import { after, before, describe, test } from 'node:test';
import { awsCli, awsCliMissing, boto3, boto3Missing } from '../support/awscli.ts';
import { rejection, startCw, type CwTest } from './support.ts';

// The query protocol, as the Debian AWS CLI (2.9) and boto3 (1.26) speak it to CloudWatch; alarm APIs via the SDK.

describe('CloudWatch over the query protocol, and alarm APIs', () => {
  let s: CwTest;
  const t0 = Math.floor((Date.now() - 3600_000) / 60_000) * 60_000;
  before(async () => {
    s = await startCw();
  });
  after(async () => {
    await s?.close();
  });

  const { aws, awsError } = awsCli(() => s.t.endpoint, { service: 'cloudwatch' });

  test('AWS CLI: put-metric-data, get-metric-statistics, put-metric-alarm, describe-alarms, errors', { skip: awsCliMissing }, async () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    await aws('put-metric-data', '--namespace', 'Cli', '--metric-data', JSON.stringify([
      { MetricName: 'Jobs', Dimensions: [{ Name: 'Queue', Value: 'q1' }], Timestamp: iso(t0), Value: 3, Unit: 'Count' },
      { MetricName: 'Jobs', Dimensions: [{ Name: 'Queue', Value: 'q1' }], Timestamp: iso(t0 + 30_000), Value: 5, Unit: 'Count' },
      { MetricName: 'Jobs', Dimensions: [{ Name: 'Queue', Value: 'q1' }], Timestamp: iso(t0 + 60_000), StatisticValues: { SampleCount: 2, Sum: 8, Minimum: 1, Maximum: 7 }, Unit: 'Count' },
    ]));
    const st = await aws('get-metric-statistics', '--namespace', 'Cli', '--metric-name', 'Jobs', '--dimensions', 'Name=Queue,Value=q1',
      '--start-time', iso(t0), '--end-time', iso(t0 + 120_000), '--period', '60', '--statistics', 'Sum', 'Average', 'Maximum', 'SampleCount');
    const dps = st.Datapoints.sort((a: any, b: any) => a.Timestamp.localeCompare(b.Timestamp));
    assert.deepEqual(dps.map((d: any) => [d.Sum, d.Average, d.Maximum, d.SampleCount, d.Unit]), [[8, 4, 5, 2, 'Count'], [8, 4, 7, 2, 'Count']]);
    const listed = await aws('list-metrics', '--namespace', 'Cli');
    assert.deepEqual(listed.Metrics, [{ Namespace: 'Cli', MetricName: 'Jobs', Dimensions: [{ Name: 'Queue', Value: 'q1' }] }]);
    const data = await aws('get-metric-data', '--start-time', iso(t0), '--end-time', iso(t0 + 120_000), '--scan-by', 'TimestampAscending', '--metric-data-queries', JSON.stringify([
      { Id: 'm1', MetricStat: { Metric: { Namespace: 'Cli', MetricName: 'Jobs', Dimensions: [{ Name: 'Queue', Value: 'q1' }] }, Period: 60, Stat: 'Sum' } },
      { Id: 'e1', Expression: 'm1 * 10', Label: 'tenfold' },
    ]));
    assert.deepEqual(data.MetricDataResults.map((r: any) => [r.Id, r.Label, r.Values]), [['m1', 'Jobs', [8, 8]], ['e1', 'tenfold', [80, 80]]]);

    await aws('put-metric-alarm', '--alarm-name', 'cli-alarm', '--namespace', 'Cli', '--metric-name', 'Jobs', '--dimensions', 'Name=Queue,Value=q1',
      '--statistic', 'Sum', '--period', '60', '--evaluation-periods', '2', '--datapoints-to-alarm', '1', '--threshold', '100', '--comparison-operator', 'GreaterThanThreshold',
      '--treat-missing-data', 'notBreaching', '--alarm-actions', 'arn:aws:sns:us-east-1:000000000000:nowhere', '--tags', 'Key=team,Value=cli');
    const d = await aws('describe-alarms', '--alarm-names', 'cli-alarm');
    const a = d.MetricAlarms[0];
    assert.equal(a.AlarmName, 'cli-alarm');
    assert.equal(a.AlarmArn, 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:cli-alarm');
    assert.equal(a.StateValue, 'INSUFFICIENT_DATA');
    assert.deepEqual(a.Dimensions, [{ Name: 'Queue', Value: 'q1' }]);
    assert.deepEqual(a.AlarmActions, ['arn:aws:sns:us-east-1:000000000000:nowhere']);
    assert.equal(a.TreatMissingData, 'notBreaching');
    await aws('set-alarm-state', '--alarm-name', 'cli-alarm', '--state-value', 'ALARM', '--state-reason', 'from the cli');
    // AWS: SetAlarmState lasts until the next evaluation, which may already have moved the alarm on; the
    // history keeps the transition either way.
    const history = await aws('describe-alarm-history', '--alarm-name', 'cli-alarm', '--history-item-type', 'StateUpdate');
    assert.ok(history.AlarmHistoryItems.some((h: { HistorySummary: string; HistoryData: string }) => /to ALARM/.test(h.HistorySummary) && h.HistoryData.includes('from the cli')), JSON.stringify(history));
    await aws('delete-alarms', '--alarm-names', 'cli-alarm');
    assert.deepEqual((await aws('describe-alarms', '--alarm-name-prefix', 'cli')).MetricAlarms, []);

    assert.match(await awsError('put-metric-data', '--namespace', 'AWS/Nope', '--metric-name', 'x', '--value', '1'), /InvalidParameterValue/);
    assert.match(await awsError('set-alarm-state', '--alarm-name', 'ghost', '--state-value', 'OK', '--state-reason', 'x'), /ResourceNotFound/);
  });

  test('boto3: put_metric_data, get_metric_statistics, put_metric_alarm, describe_alarms', { skip: boto3Missing }, async () => {
    const script = `
import boto3, json, sys, datetime
cw = boto3.client('cloudwatch', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
t0 = datetime.datetime.fromtimestamp(int(sys.argv[2]) / 1000, tz=datetime.timezone.utc)
cw.put_metric_data(Namespace='Boto', MetricData=[{'MetricName': 'Lat', 'Timestamp': t0 + datetime.timedelta(seconds=i), 'Values': [1.0, 2.0, 3.0], 'Counts': [1.0, 1.0, 2.0], 'StorageResolution': 1} for i in range(3)])
st = cw.get_metric_statistics(Namespace='Boto', MetricName='Lat', StartTime=t0, EndTime=t0 + datetime.timedelta(seconds=3), Period=1, ExtendedStatistics=['p50', 'p90'])
cw.put_metric_alarm(AlarmName='boto-alarm', Namespace='Boto', MetricName='Lat', ExtendedStatistic='p90', Period=10, EvaluationPeriods=3, Threshold=2.5, ComparisonOperator='GreaterThanOrEqualToThreshold')
al = cw.describe_alarms(AlarmNamePrefix='boto')['MetricAlarms']
try:
    cw.describe_alarms(AlarmNames=['x'], AlarmNamePrefix='y')
    err = None
except cw.exceptions.ClientError as e:
    err = e.response['Error']['Code']
print(json.dumps({'ext': [d['ExtendedStatistics'] for d in st['Datapoints']], 'alarm': al[0]['AlarmName'], 'stat': al[0]['ExtendedStatistic'], 'err': err}))
`;
    const out = await boto3(s.t.endpoint, script, String(t0));
    // Values 1, 2, 3, 3: p50 = rank 2 → 2; p90 = rank 4 → 3.
    assert.deepEqual(out.ext, Array(3).fill({ p50: 2, p90: 3 }));
    assert.equal(out.alarm, 'boto-alarm');
    assert.equal(out.stat, 'p90');
    assert.equal(out.err, 'InvalidParameterCombination');
  });

  test('SDK: alarms (describe filters and paging, for-metric, history, tags, errors)', async () => {
    for (let i = 0; i < 5; i++) {
      await s.cw.send(new PutMetricAlarmCommand({
        AlarmName: `sdk-${i}`, Namespace: 'Sdk', MetricName: i < 3 ? 'Cpu' : 'Mem', Statistic: 'Average', Period: 60, EvaluationPeriods: 1, Threshold: 50,
        ComparisonOperator: 'GreaterThanThreshold', Dimensions: [{ Name: 'Host', Value: 'h' }],
      }));
    }
    const p1 = await s.cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'sdk-', MaxRecords: 2 }));
    assert.deepEqual(p1.MetricAlarms!.map((a) => a.AlarmName), ['sdk-0', 'sdk-1']);
    const p2 = await s.cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'sdk-', MaxRecords: 2, NextToken: p1.NextToken }));
    assert.deepEqual(p2.MetricAlarms!.map((a) => a.AlarmName), ['sdk-2', 'sdk-3']);
    const forMetric = await s.cw.send(new DescribeAlarmsForMetricCommand({ Namespace: 'Sdk', MetricName: 'Mem', Dimensions: [{ Name: 'Host', Value: 'h' }] }));
    assert.deepEqual(forMetric.MetricAlarms!.map((a) => a.AlarmName), ['sdk-3', 'sdk-4']);
    await s.cw.send(new SetAlarmStateCommand({ AlarmName: 'sdk-1', StateValue: 'ALARM', StateReason: 'test', StateReasonData: '{"x":1}' }));
    const alarmed = await s.cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
    assert.deepEqual(alarmed.MetricAlarms!.map((a) => [a.AlarmName, a.StateReasonData]), [['sdk-1', '{"x":1}']]);
    const hist = await s.cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'sdk-1' }));
    assert.deepEqual(hist.AlarmHistoryItems!.map((h) => h.HistoryItemType), ['StateUpdate', 'ConfigurationUpdate']);
    const arn = p1.MetricAlarms![0]!.AlarmArn!;
    await s.cw.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }));
    await s.cw.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['a'] }));
    assert.deepEqual((await s.cw.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags, [{ Key: 'b', Value: '2' }]);

    const code = (e: { name: string; Code?: string }) => e.Code ?? e.name;
    assert.equal(code(await rejection(s.cw.send(new ListTagsForResourceCommand({ ResourceARN: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:nope' })))), 'ResourceNotFoundException');
    assert.equal(code(await rejection(s.cw.send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' })))), 'ResourceNotFound');
    assert.equal(code(await rejection(s.cw.send(new SetAlarmStateCommand({ AlarmName: 'sdk-0', StateValue: 'OK', StateReason: 'x', StateReasonData: 'not json' })))), 'InvalidFormat');
    assert.equal(code(await rejection(s.cw.send(new PutMetricAlarmCommand({ AlarmName: 'bad', Namespace: 'Sdk', MetricName: 'Cpu', Statistic: 'Average', ExtendedStatistic: 'p99', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' })))), 'InvalidParameterCombination');
    assert.equal(code(await rejection(s.cw.send(new PutMetricAlarmCommand({ AlarmName: 'bad', Namespace: 'Sdk', MetricName: 'Cpu', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' })))), 'MissingParameter');
    assert.equal(code(await rejection(s.cw.send(new PutMetricAlarmCommand({ AlarmName: 'bad', Namespace: 'Sdk', MetricName: 'Cpu', Statistic: 'Average', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: Array(6).fill('arn:aws:sns:us-east-1:000000000000:t') })))), 'LimitExceeded');
    assert.equal(code(await rejection(s.cw.send(new DescribeAlarmsCommand({ NextToken: 'bogus' })))), 'InvalidNextToken');
    assert.equal(code(await rejection(s.cw.send(new DeleteAlarmsCommand({ AlarmNames: ['sdk-0', 'ghost'] })))), 'ResourceNotFound');
    await s.cw.send(new DeleteAlarmsCommand({ AlarmNames: ['sdk-0', 'sdk-1', 'sdk-2', 'sdk-3', 'sdk-4'] }));
  });
});
