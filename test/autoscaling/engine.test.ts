import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { ManualScheduler } from '../../src/engines/queue/scheduler.ts';
import { nextCron } from '../../src/engines/scaling/cron.ts';
import { forecastLoad, HOUR } from '../../src/engines/scaling/forecast.ts';
import type { ComputePort, Datapoint, InstanceView, LoadBalancerPort, MetricQuery, MetricsPort } from '../../src/engines/scaling/ports.ts';
import { createAutoScalingService } from '../../src/services/autoscaling/index.ts';
import { openDb } from '../../src/store/db.ts';

// The scaler against in-memory fakes of its ports, on a manual clock: schedules, forecasts, target tracking,
// "ready before traffic" and drain-before-terminate, without real instances.

const S = { account: '000000000000', region: 'us-east-1' };

function fakeCompute(clock: ManualClock) {
  const instances = new Map<string, InstanceView>();
  let n = 0;
  const port: ComputePort = {
    resolveTemplate: () => ({ id: 'lt-00000000000000001', name: 'lt', version: 1 }),
    subnets: () => [{ id: 'subnet-a', az: 'us-east-1a' }, { id: 'subnet-b', az: 'us-east-1b' }],
    async launch(_s, req) {
      const id = `i-${(++n).toString(16).padStart(17, '0')}`;
      const az = req.subnetId === 'subnet-a' ? 'us-east-1a' : 'us-east-1b';
      instances.set(id, { state: 'running', az, subnetId: req.subnetId, launchTime: clock.now(), instanceType: 't3.micro', imageId: 'ami-1', statusOk: true, tags: {} });
      return { instanceId: id, az, instanceType: 't3.micro', imageId: 'ami-1' };
    },
    async terminate(_s, ids) {
      for (const id of ids) instances.get(id)!.state = 'terminated';
    },
    describe: (_s, ids) => new Map(ids.filter((i) => instances.has(i)).map((i) => [i, instances.get(i)!])),
    tag: () => undefined,
    untag: () => undefined,
  };
  return { port, instances };
}

function setup(opts: { lb?: LoadBalancerPort; metrics?: MetricsPort } = {}) {
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 0, 0, 0));
  const scheduler = new ManualScheduler(clock);
  const db = openDb(':memory:');
  const compute = fakeCompute(clock);
  const svc = createAutoScalingService({ db, compute: compute.port, clock, log: silentLogger, scheduler, engine: { ...opts, metricPeriodSec: 1 } });
  const h = svc.service.handlers;
  const call = (op: string, input: object) => h[op](input, { ...S } as never);
  return { clock, scheduler, db, compute, svc, engine: svc.engine, call };
}

const create = (call: (op: string, i: object) => unknown, extra: object = {}) => call('CreateAutoScalingGroup', {
  AutoScalingGroupName: 'g', LaunchTemplate: { LaunchTemplateName: 'lt' }, MinSize: 1, MaxSize: 10, DesiredCapacity: 1, AvailabilityZones: ['us-east-1a', 'us-east-1b'], ...extra,
});

describe('scaling engine (fakes, manual clock)', () => {
  test('cron recurrences', () => {
    const t0 = Date.UTC(2026, 0, 5, 8, 59, 30);
    assert.equal(new Date(nextCron('0 9 * * *', t0)!).toISOString(), '2026-01-05T09:00:00.000Z');
    assert.equal(new Date(nextCron('*/15 * * * *', t0)!).toISOString(), '2026-01-05T09:00:00.000Z');
    assert.equal(new Date(nextCron('30 18 * * 1-5', Date.UTC(2026, 0, 9, 19))!).toISOString(), '2026-01-12T18:30:00.000Z');
    // Unix cron names and Sunday as 7 (2026-01-09 is a Friday).
    assert.equal(new Date(nextCron('30 18 * * MON-FRI', Date.UTC(2026, 0, 9, 19))!).toISOString(), '2026-01-12T18:30:00.000Z');
    assert.equal(new Date(nextCron('0 6 * * 7', Date.UTC(2026, 0, 9, 19))!).toISOString(), '2026-01-11T06:00:00.000Z');
    assert.equal(new Date(nextCron('0 0 1 JUN *', Date.UTC(2026, 0, 9, 19))!).toISOString(), '2026-06-01T00:00:00.000Z');
    assert.throws(() => nextCron('61 * * * *', 0), /invalid minute value '61'/);
    assert.throws(() => nextCron('0 9 * *', 0), /5 fields/);
  });

  test('a scheduled action runs on the injected clock (one-time and recurring)', async () => {
    const { clock, engine, call, scheduler } = setup();
    create(call);
    await engine.tick();
    call('PutScheduledUpdateGroupAction', { AutoScalingGroupName: 'g', ScheduledActionName: 'morning', Recurrence: '0 9 * * *', MinSize: 3, DesiredCapacity: 4 });
    call('PutScheduledUpdateGroupAction', { AutoScalingGroupName: 'g', ScheduledActionName: 'once', StartTime: new Date(clock.now() + 2 * HOUR), DesiredCapacity: 2 });
    const listed = (call('DescribeScheduledActions', { AutoScalingGroupName: 'g' }) as { ScheduledUpdateGroupActions: { ScheduledActionName: string; StartTime: Date }[] }).ScheduledUpdateGroupActions;
    assert.deepEqual(listed.map((a) => [a.ScheduledActionName, a.StartTime.toISOString()]), [['morning', '2026-01-05T09:00:00.000Z'], ['once', '2026-01-05T02:00:00.000Z']]);
    scheduler.advance(2 * HOUR);
    await engine.tick();
    assert.equal(engine.store.group(S, 'g')!.desired, 2);
    // The one-time action is gone after it ran; the recurring one waits for 09:00.
    assert.deepEqual(engine.store.scheduled(S, 'g').map((a) => a.name), ['morning']);
    scheduler.advance(7 * HOUR);
    await engine.tick();
    const g = engine.store.group(S, 'g')!;
    assert.deepEqual([g.min_size, g.desired], [3, 4]);
    assert.equal(engine.store.instances(S, 'g').length, 4);
    const acts = (call('DescribeScalingActivities', { AutoScalingGroupName: 'g' }) as { Activities: { Cause: string }[] }).Activities;
    assert.match(acts[0].Cause, /^At 2026-01-05T09:00:00Z a scheduled action update of AutoScalingGroup constraints to min: 3, max: 10, desired: 4 changing the desired capacity from 2 to 4\./);
    assert.equal(new Date(engine.store.scheduled(S, 'g')[0].next_run!).toISOString(), '2026-01-06T09:00:00.000Z');
    await engine.close();
  });

  test('predictive scaling forecasts the daily pattern and ForecastAndScale launches ahead of it', async () => {
    // Synthetic history: 10 days; every day load is 400 (sum of CPU %) from 09:00 to 17:00 UTC and 50 otherwise.
    const now = Date.UTC(2026, 0, 5, 8, 50);
    const history: Datapoint[] = [];
    for (let h = 10 * 24; h >= 1; h--) {
      const t = Math.floor(now / HOUR) * HOUR - h * HOUR;
      const hod = new Date(t).getUTCHours();
      history.push({ timestamp: t, value: hod >= 9 && hod < 17 ? 400 : 50 });
    }
    const queries: MetricQuery[] = [];
    const metrics: MetricsPort = { statistics: (_s, q) => (queries.push(q), q.period === 3600 ? history.filter((p) => p.timestamp >= q.start && p.timestamp < q.end) : []), put: () => undefined };
    const { clock, engine, call } = setup({ metrics });
    clock.set(now);
    create(call);
    await engine.tick();
    await call('PutScalingPolicy', {
      AutoScalingGroupName: 'g', PolicyName: 'predict', PolicyType: 'PredictiveScaling',
      PredictiveScalingConfiguration: { MetricSpecifications: [{ TargetValue: 50, PredefinedMetricPairSpecification: { PredefinedMetricType: 'ASGCPUUtilization' } }], Mode: 'ForecastOnly', SchedulingBufferTime: 600 },
    });
    const f = await call('GetPredictiveScalingForecast', { AutoScalingGroupName: 'g', PolicyName: 'predict', StartTime: new Date(Date.UTC(2026, 0, 5, 0)), EndTime: new Date(Date.UTC(2026, 0, 6, 0)) }) as {
      LoadForecast: { Values: number[]; Timestamps: Date[] }[]; CapacityForecast: { Values: number[] };
    };
    assert.equal(f.LoadForecast[0].Values.length, 24);
    assert.equal(f.LoadForecast[0].Values[3], 50);
    assert.equal(f.LoadForecast[0].Values[10], 400);
    assert.equal(f.CapacityForecast.Values[10], 8);
    assert.equal(f.CapacityForecast.Values[3], 1);
    assert.deepEqual(queries.find((q) => q.period === 3600)!.dimensions, [{ Name: 'AutoScalingGroupName', Value: 'g' }]);
    // ForecastOnly never scales.
    await engine.tick();
    assert.equal(engine.store.group(S, 'g')!.desired, 1);
    await call('PutScalingPolicy', {
      AutoScalingGroupName: 'g', PolicyName: 'predict', PolicyType: 'PredictiveScaling',
      PredictiveScalingConfiguration: { MetricSpecifications: [{ TargetValue: 50, PredefinedMetricPairSpecification: { PredefinedMetricType: 'ASGCPUUtilization' } }], Mode: 'ForecastAndScale', SchedulingBufferTime: 600 },
    });
    // 08:50 + 10 min buffer = the 09:00 hour: capacity for 400 at 50 per instance is there before the load.
    await engine.tick();
    assert.equal(engine.store.group(S, 'g')!.desired, 8);
    assert.equal(engine.store.instances(S, 'g').length, 8);
    assert.equal((call('DescribeAutoScalingGroups', { AutoScalingGroupNames: ['g'] }) as { AutoScalingGroups: { PredictedCapacity: number }[] }).AutoScalingGroups[0].PredictedCapacity, 8);
    // Same-hour-of-week blending once a week of history exists.
    const weekly = forecastLoad([{ timestamp: 0, value: 10 }, { timestamp: 7 * 24 * HOUR, value: 30 }], 14 * 24 * HOUR, 1);
    assert.equal(weekly.load[0], 20);
    await engine.close();
  });

  test('target tracking scales out on the metric, registers only running instances, drains before terminating', async () => {
    const events: string[] = [];
    const health = new Map<string, 'initial' | 'healthy'>();
    const releases: (() => void)[] = [];
    const lb: LoadBalancerPort = {
      async registerTargets(_tg, t) {
        for (const x of t) { events.push(`register ${x.id}`); health.set(x.id, 'healthy'); }
      },
      deregisterTargets(_tg, t) {
        events.push(`deregister ${t[0].id}`);
        return new Promise<void>((r) => { releases.push(() => { health.delete(t[0].id); events.push(`drained ${t[0].id}`); r(); }); });
      },
      async targetHealth() { return [...health].map(([id, state]) => ({ id, state })); },
    };
    let value = 300;
    const metrics: MetricsPort = {
      statistics: (_s, q) => Array.from({ length: 16 }, (_, i) => ({ timestamp: q.end - (i + 1) * 1000, value })),
      put: () => undefined,
    };
    const { engine, call, compute, scheduler } = setup({ lb, metrics });
    const tg = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef';
    create(call, { HealthCheckType: 'ELB', TargetGroupARNs: [tg], DefaultInstanceWarmup: 0 });
    // launch → running + registered → healthy in the target group → InService.
    for (let i = 0; i < 3; i++) await engine.tick();
    const first = engine.store.instances(S, 'g')[0].instance_id;
    assert.equal(engine.store.instances(S, 'g')[0].lifecycle_state, 'InService');
    const put = await call('PutScalingPolicy', {
      AutoScalingGroupName: 'g', PolicyName: 'rps', PolicyType: 'TargetTrackingScaling', EstimatedInstanceWarmup: 0,
      TargetTrackingConfiguration: { TargetValue: 100, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: 'app/web/1234567890abcdef/targetgroup/web/0123456789abcdef' } },
    }) as { Alarms: { AlarmName: string }[] };
    assert.match(put.Alarms[0].AlarmName, /^TargetTracking-g-AlarmHigh-[0-9a-f-]{36}$/);
    assert.match(put.Alarms[1].AlarmName, /^TargetTracking-g-AlarmLow-[0-9a-f-]{36}$/);
    await engine.tick();
    // 1 instance at 300 requests per target, target 100 → 3.
    assert.equal(engine.store.group(S, 'g')!.desired, 3);
    value = 100; // the load now spreads over three targets
    await engine.tick();
    // Registered only once running; not InService before the load balancer says healthy.
    assert.ok(engine.store.instances(S, 'g').some((r) => r.lifecycle_state === 'Pending:Proceed'));
    await engine.tick();
    assert.equal(engine.store.instances(S, 'g').filter((r) => r.lifecycle_state === 'InService').length, 3);
    assert.deepEqual(events.filter((e) => e.startsWith('register')).length, 3);
    // Load goes away: after 15 low datapoints the group scales in; the victim drains before EC2 terminates it.
    value = 10;
    scheduler.advance(1000);
    await engine.tick();
    assert.equal(engine.store.group(S, 'g')!.desired, 1);
    await engine.tick();
    const leaving = engine.store.instances(S, 'g').filter((r) => r.lifecycle_state.startsWith('Terminating'));
    assert.equal(leaving.length, 2);
    for (const r of leaving) assert.equal(compute.instances.get(r.instance_id)!.state, 'running', 'not terminated while draining');
    assert.equal(releases.length, 2);
    for (const r of releases.splice(0)) r();
    await engine.settle();
    await engine.tick();
    assert.equal(engine.store.instances(S, 'g').length, 1);
    for (const r of leaving) assert.equal(compute.instances.get(r.instance_id)!.state, 'terminated');
    const order = events.filter((e) => e.includes(leaving[0].instance_id));
    assert.deepEqual(order.slice(-2), [`deregister ${leaving[0].instance_id}`, `drained ${leaving[0].instance_id}`]);
    assert.ok(engine.store.instances(S, 'g')[0]);
    void first;
    await engine.close();
  });

  test('bad input is answered with Auto Scaling errors', async () => {
    const { call, engine } = setup();
    assert.throws(() => create(call, { MinSize: 5, MaxSize: 2 }), (e: Error & { code: string }) => e.code === 'ValidationError');
    assert.throws(() => create(call, { DesiredCapacity: 20 }), (e: Error & { code: string }) => e.code === 'ValidationError');
    assert.throws(() => create(call, { LaunchTemplate: undefined }), (e: Error & { code: string }) => e.code === 'ValidationError');
    create(call);
    assert.throws(() => create(call), (e: Error & { code: string }) => e.code === 'AlreadyExists');
    assert.throws(() => call('SetDesiredCapacity', { AutoScalingGroupName: 'g', DesiredCapacity: 11 }), (e: Error & { code: string }) => e.code === 'ValidationError');
    assert.throws(() => call('SetDesiredCapacity', { AutoScalingGroupName: 'nope', DesiredCapacity: 1 }), (e: Error & { code: string }) => e.code === 'ValidationError');
    call('SetDesiredCapacity', { AutoScalingGroupName: 'g', DesiredCapacity: 2 });
    // Within the default cooldown (300 s) an honouring request is refused.
    assert.throws(() => call('SetDesiredCapacity', { AutoScalingGroupName: 'g', DesiredCapacity: 3, HonorCooldown: true }), (e: Error & { code: string }) => e.code === 'ScalingActivityInProgress');
    await engine.tick();
    assert.throws(() => call('DeleteAutoScalingGroup', { AutoScalingGroupName: 'g' }), (e: Error & { code: string }) => /ResourceInUse|ScalingActivityInProgress/.test(e.code));
    await assert.rejects(Promise.resolve().then(() => call('PutScalingPolicy', { AutoScalingGroupName: 'g', PolicyName: 'p', PolicyType: 'StepScaling', AdjustmentType: 'ChangeInCapacity' })), (e: Error & { code: string }) => e.code === 'ValidationError');
    assert.throws(() => call('PutScheduledUpdateGroupAction', { AutoScalingGroupName: 'g', ScheduledActionName: 's', Recurrence: 'every day', DesiredCapacity: 1 }), (e: Error & { code: string }) => e.code === 'ValidationError');
    assert.throws(() => call('CancelInstanceRefresh', { AutoScalingGroupName: 'g' }), (e: Error & { code: string }) => e.code === 'ActiveInstanceRefreshNotFound');
    call('StartInstanceRefresh', { AutoScalingGroupName: 'g' });
    assert.throws(() => call('StartInstanceRefresh', { AutoScalingGroupName: 'g' }), (e: Error & { code: string }) => e.code === 'InstanceRefreshInProgress');
    await engine.close();
  });

  test('step and simple scaling, lifecycle hooks, instance refresh', async () => {
    const { call, engine, clock } = setup();
    create(call, { DefaultCooldown: 60 });
    call('PutLifecycleHook', { AutoScalingGroupName: 'g', LifecycleHookName: 'warm', LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING', HeartbeatTimeout: 60, DefaultResult: 'CONTINUE' });
    await engine.tick();
    await engine.tick();
    const [r] = engine.store.instances(S, 'g');
    assert.equal(r.lifecycle_state, 'Pending:Wait');
    call('CompleteLifecycleAction', { AutoScalingGroupName: 'g', LifecycleHookName: 'warm', InstanceId: r.instance_id, LifecycleActionResult: 'CONTINUE' });
    await engine.tick();
    assert.equal(engine.store.instances(S, 'g')[0].lifecycle_state, 'InService');
    call('DeleteLifecycleHook', { AutoScalingGroupName: 'g', LifecycleHookName: 'warm' });
    await call('PutScalingPolicy', { AutoScalingGroupName: 'g', PolicyName: 'step', PolicyType: 'StepScaling', AdjustmentType: 'ChangeInCapacity',
      StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 }] });
    call('ExecutePolicy', { AutoScalingGroupName: 'g', PolicyName: 'step', MetricValue: 95, BreachThreshold: 70 });
    assert.equal(engine.store.group(S, 'g')!.desired, 4);
    await call('PutScalingPolicy', { AutoScalingGroupName: 'g', PolicyName: 'simple', AdjustmentType: 'ChangeInCapacity', ScalingAdjustment: -1, Cooldown: 120 });
    assert.throws(() => call('ExecutePolicy', { AutoScalingGroupName: 'g', PolicyName: 'simple', HonorCooldown: true }), (e: Error & { code: string }) => e.code === 'ScalingActivityInProgress');
    clock.advance(121_000);
    call('ExecutePolicy', { AutoScalingGroupName: 'g', PolicyName: 'simple', HonorCooldown: true });
    assert.equal(engine.store.group(S, 'g')!.desired, 3);
    await engine.tick();
    await engine.tick();
    await engine.settle();
    await engine.tick();
    assert.equal(engine.store.instances(S, 'g').filter((x) => x.lifecycle_state === 'InService').length, 3);
    const before = engine.store.instances(S, 'g').map((x) => x.instance_id);
    clock.advance(1000);
    const { InstanceRefreshId } = call('StartInstanceRefresh', { AutoScalingGroupName: 'g', Preferences: { MinHealthyPercentage: 66, InstanceWarmup: 0 } }) as { InstanceRefreshId: string };
    for (let i = 0; i < 20; i++) {
      clock.advance(1000);
      await engine.tick();
      await engine.settle();
    }
    const after = engine.store.instances(S, 'g').map((x) => x.instance_id);
    assert.equal(after.length, 3);
    assert.ok(after.every((id) => !before.includes(id)), 'every instance replaced');
    const ref = (call('DescribeInstanceRefreshes', { AutoScalingGroupName: 'g' }) as { InstanceRefreshes: { InstanceRefreshId: string; Status: string; PercentageComplete: number }[] }).InstanceRefreshes[0];
    assert.deepEqual([ref.InstanceRefreshId, ref.Status, ref.PercentageComplete], [InstanceRefreshId, 'Successful', 100]);
    await engine.close();
  });
});
