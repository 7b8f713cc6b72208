import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { AlarmEngine, MetricsEngine, type AlarmConfig } from '../../src/engines/metrics/index.ts';
import { PubSubEngine } from '../../src/engines/pubsub/index.ts';
import { ManualScheduler, QueueEngine } from '../../src/engines/queue/index.ts';
import { openDb, type Db } from '../../src/store/db.ts';

// Alarms on an injected clock: the scheduler fires evaluations at period boundaries as the test moves time.
describe('CloudWatch alarms (injected clock)', () => {
  let db: Db, clock: ManualClock, sched: ManualScheduler, metrics: MetricsEngine, alarms: AlarmEngine, queues: QueueEngine, sns: PubSubEngine, dir: string;
  const scope = { account: '000000000000', region: 'us-east-1' };
  const T0 = Date.UTC(2026, 0, 1);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nimbus-cw-'));
    db = openDb(':memory:');
    clock = new ManualClock(T0);
    sched = new ManualScheduler(clock);
    metrics = new MetricsEngine({ db, clock, scheduler: sched });
    alarms = new AlarmEngine(metrics, { evalDelayMs: 0 });
    queues = QueueEngine.open({ db, clock, scheduler: sched });
    sns = PubSubEngine.open({ db, queues, dataDir: dir, clock, scheduler: sched });
    alarms.registerAlarmAction('arn:aws:sns:', async (arn, _a, msg) => {
      const [, , , region, account] = arn.split(':');
      await sns.publish({ account: account!, region: region!, baseUrl: 'http://127.0.0.1:4566', signed: true }, { topicArn: arn, message: msg.body, subject: msg.subject });
    });
  });
  after(() => {
    alarms.close();
    metrics.close();
    sns.close();
    queues.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cpu = (v: number, at = clock.now()) => metrics.put(scope.account, scope.region, { namespace: 'App', metricName: 'Cpu', dimensions: [{ name: 'Host', value: 'h1' }], value: v, timestamp: at, storageResolution: 1 });
  const base: Omit<AlarmConfig, 'name' | 'arn' | 'configUpdated'> = {
    actionsEnabled: true, okActions: [], alarmActions: [], insufficientDataActions: [], namespace: 'App', metricName: 'Cpu', dimensions: [{ name: 'Host', value: 'h1' }],
    statistic: 'Average', period: 10, evaluationPeriods: 2, threshold: 80, comparisonOperator: 'GreaterThanThreshold',
  };

  test('INSUFFICIENT_DATA → OK → ALARM → OK with AWS reasons, history and an SNS notification delivered to an SQS queue', async () => {
    const q = queues.createQueue({ ...scope, name: 'alarm-inbox' });
    const topic = sns.createTopic({ ...scope, baseUrl: 'http://127.0.0.1:4566' }, 'alarms');
    sns.subscribe({ ...scope, baseUrl: 'http://127.0.0.1:4566', signed: true }, topic.arn, 'sqs', q.arn);
    alarms.put(scope, { ...base, name: 'high-cpu', alarmActions: [topic.arn], okActions: [topic.arn], datapointsToAlarm: 2 }, { team: 'ops' });
    assert.equal(alarms.get(scope, 'high-cpu')!.state.value, 'INSUFFICIENT_DATA');

    // Two 10-s periods above 80 (averages 90 and 85).
    await cpu(95); await cpu(85);
    sched.advance(10_000);
    await cpu(85);
    sched.advance(10_000);
    await alarms.settle();
    const a = alarms.get(scope, 'high-cpu')!;
    assert.equal(a.state.value, 'ALARM');
    assert.match(a.state.reason, /^Threshold Crossed: 2 out of the last 2 datapoints \[85\.0 \(01\/01\/26 00:00:10\), 90\.0 \(01\/01\/26 00:00:00\)\] were greater than the threshold \(80\.0\) \(minimum 2 datapoints for OK -> ALARM transition\)\.$/);
    const data = JSON.parse(a.state.reasonData!);
    assert.deepEqual(data.recentDatapoints, [85, 90]);
    assert.equal(data.threshold, 80);
    assert.equal(data.period, 10);

    // The first boundary saw one breaching datapoint of the two needed (the other missing): OK, then ALARM.
    const got = await queues.receiveMessage({ ...scope, name: 'alarm-inbox' }, { maxNumberOfMessages: 10 });
    assert.deepEqual(got.map((m) => JSON.parse(JSON.parse(m.body).Message).NewStateValue), ['OK', 'ALARM']);
    const envelope = JSON.parse(got[1]!.body);
    assert.equal(envelope.Subject, 'ALARM: "high-cpu" in US East (N. Virginia)');
    const msg = JSON.parse(envelope.Message);
    assert.equal(msg.AlarmName, 'high-cpu');
    assert.equal(msg.NewStateValue, 'ALARM');
    assert.equal(msg.OldStateValue, 'OK');
    assert.equal(msg.Trigger.MetricName, 'Cpu');
    assert.equal(msg.Trigger.Statistic, 'AVERAGE');
    assert.deepEqual(msg.Trigger.Dimensions, [{ value: 'h1', name: 'Host' }]);

    // One low period: fewer than 2 of the last 2 breach → OK.
    await cpu(10);
    sched.advance(10_000);
    await alarms.settle();
    assert.equal(alarms.get(scope, 'high-cpu')!.state.value, 'OK');
    assert.match(alarms.get(scope, 'high-cpu')!.state.reason, /^Threshold Crossed: 1 datapoint \[10\.0 \(01\/01\/26 00:00:20\)\] was not greater than the threshold \(80\.0\)\.$/);
    const ok = await queues.receiveMessage({ ...scope, name: 'alarm-inbox' }, { maxNumberOfMessages: 10 });
    assert.equal(JSON.parse(JSON.parse(ok[0]!.body).Message).NewStateValue, 'OK');

    const h = alarms.history(scope, { name: 'high-cpu', ascending: true }).items.map((r) => [r.type, r.summary]);
    assert.deepEqual(h.filter(([t]) => t === 'StateUpdate').map(([, s]) => s), ['Alarm updated from INSUFFICIENT_DATA to OK', 'Alarm updated from OK to ALARM', 'Alarm updated from ALARM to OK']);
    assert.equal(h.filter(([t, s]) => t === 'Action' && s!.startsWith('Successfully executed action')).length, 3);
    assert.deepEqual(alarms.tags(a.config.arn), { team: 'ops' });
  });

  test('TreatMissingData: missing → INSUFFICIENT_DATA, breaching → ALARM, notBreaching → OK, ignore keeps state', async () => {
    for (const t of ['missing', 'breaching', 'notBreaching', 'ignore']) alarms.put(scope, { ...base, name: `miss-${t}`, metricName: 'Silent', treatMissingData: t }, undefined);
    await alarms.setState(scope, 'miss-ignore', 'ALARM', 'set by the test');
    await alarms.setState(scope, 'miss-missing', 'OK', 'set by the test');
    sched.advance(30_000);
    await alarms.settle();
    const st = (n: string) => alarms.get(scope, n)!.state;
    assert.equal(st('miss-missing').value, 'INSUFFICIENT_DATA');
    assert.equal(st('miss-missing').reason, 'Insufficient Data: 2 datapoints were unknown.');
    assert.equal(st('miss-breaching').value, 'ALARM');
    assert.equal(st('miss-notBreaching').value, 'OK');
    assert.equal(st('miss-ignore').value, 'ALARM');
  });

  test('metric math alarm, SetAlarmState, disabled actions and pluggable action sinks', async () => {
    const calls: string[] = [];
    alarms.registerAlarmAction('arn:aws:autoscaling:', async (arn, alarm) => {
      calls.push(`${alarm.config.name} ${alarm.state.value} ${arn}`);
    });
    const policy = 'arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:x:autoScalingGroupName/g:policyName/up';
    alarms.put(scope, {
      ...base, name: 'math', namespace: undefined, metricName: undefined, statistic: undefined, period: undefined, dimensions: [], evaluationPeriods: 1, threshold: 100,
      alarmActions: [policy],
      metrics: [
        { id: 'a', metricStat: { metric: { namespace: 'App', metricName: 'Req', dimensions: [{ name: 'Lb', value: 'a' }] }, period: 5, stat: 'Sum' }, returnData: false },
        { id: 'b', metricStat: { metric: { namespace: 'App', metricName: 'Req', dimensions: [{ name: 'Lb', value: 'b' }] }, period: 5, stat: 'Sum' }, returnData: false },
        { id: 'e', expression: 'a + b' },
      ],
    }, undefined);
    const start = Math.ceil(clock.now() / 5000) * 5000;
    sched.advance(start - clock.now());
    await metrics.put(scope.account, scope.region, [
      { namespace: 'App', metricName: 'Req', dimensions: [{ name: 'Lb', value: 'a' }], value: 70, storageResolution: 1 },
      { namespace: 'App', metricName: 'Req', dimensions: [{ name: 'Lb', value: 'b' }], value: 40, storageResolution: 1 },
    ]);
    sched.advance(5000);
    await alarms.settle();
    assert.equal(alarms.get(scope, 'math')!.state.value, 'ALARM');
    assert.deepEqual(calls, [`math ALARM ${policy}`]);

    alarms.setActionsEnabled(scope, ['math'], false);
    await alarms.setState(scope, 'math', 'OK', 'testing');
    assert.equal(alarms.get(scope, 'math')!.state.reason, 'testing');
    await alarms.setState(scope, 'math', 'ALARM', 'testing again');
    await alarms.settle();
    assert.equal(calls.length, 1, 'no actions while disabled');
    alarms.setActionsEnabled(scope, ['math'], true);
    await alarms.setState(scope, 'math', 'OK', 'manual');
    await alarms.setState(scope, 'math', 'ALARM', 'manual');
    await alarms.settle();
    assert.equal(calls.length, 2);
  });

  test('an action nobody handles is recorded as failed; alarms survive a restart of the engines', async () => {
    alarms.put(scope, { ...base, name: 'ec2-action', alarmActions: ['arn:aws:automate:us-east-1:ec2:stop'] }, undefined);
    await alarms.setState(scope, 'ec2-action', 'ALARM', 'manual');
    await alarms.settle();
    const failed = alarms.history(scope, { name: 'ec2-action', type: 'Action' }).items;
    assert.match(failed[0]!.summary, /^Failed to execute action arn:aws:automate:/);
    // A second engine pair on the same database sees the alarms and their state.
    const m2 = new MetricsEngine({ db, clock, scheduler: sched });
    const a2 = new AlarmEngine(m2, { evalDelayMs: 0 });
    assert.equal(a2.get(scope, 'ec2-action')!.state.value, 'ALARM');
    assert.ok(a2.list(scope).length >= 6);
    a2.close();
    m2.close();
  });
});
