import {
  CancelSpotInstanceRequestsCommand, DescribeInstancesCommand, DescribeSpotInstanceRequestsCommand, DescribeSpotPriceHistoryCommand,
  RequestSpotInstancesCommand, RunInstancesCommand, StopInstancesCommand, TerminateInstancesCommand, type EC2Client, type SpotInstanceRequest,
} from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { UsageMeter } from '../../src/engines/billing/meter.ts';
import { spotMarketOf } from '../../src/services/ec2/index.ts';
import type { SpotReclaimer } from '../../src/services/ec2/spot/reclaim.ts';
import { AMI, describe as describeInstance, execIn, waitState } from '../support/ec2.ts';
import { b64, eventually, isRoot, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

// Spot Instances end to end: RunInstances and RequestSpotInstances, the two-minute interruption notice seen from
// inside the instance through IMDS, the interruption itself on a ManualClock, persistent requests relaunching,
// the market interrupting by price, and a notice that survives a Nimbus restart.

// Polls IMDS like a spot-aware agent and records what it sees ("<http status> <body>") in /root/notice.
const WATCHER = `#!/bin/sh
while true; do
  code=$(curl -s -o /root/notice.body -w '%{http_code}' http://169.254.169.254/latest/meta-data/spot/instance-action)
  echo "$code $(cat /root/notice.body)" > /root/notice.tmp && mv /root/notice.tmp /root/notice
  sleep 0.2
done
`;

const NOTICE_MS = 120_000;
// The test drives the market with tick(); its own timer must not act in between.
process.env.NIMBUS_SPOT_TICK_MS = String(3600_000);

const rejects = (p: Promise<unknown>, code: string) => assert.rejects(p, (e: Error) => {
  assert.equal(e.name, code, e.message);
  return true;
});

async function spotRequest(ec2: EC2Client, id: string): Promise<SpotInstanceRequest> {
  return (await ec2.send(new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [id] }))).SpotInstanceRequests![0];
}

async function notice(t: TestNimbus, id: string): Promise<string> {
  const r = await execIn(t.endpoint, id, ['cat', '/root/notice']);
  return r.stdout.trim();
}

describe('EC2 Spot Instances', { skip: !isRoot && 'needs root for instances with private networks' }, () => {
  let t: TestNimbus;
  let market: SpotReclaimer;
  const clock = new ManualClock(Date.now());
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-spot-'));
  before(async () => {
    t = await startTestNimbus({ dataDir }, { clock });
    market = spotMarketOf(t.nimbus.registry.services)!;
  });
  after(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('RunInstances spot: a reclaim is seen inside the instance, then the instance is terminated after two minutes', async () => {
    const res = await t.ec2.send(new RunInstancesCommand({
      ImageId: AMI, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, UserData: b64(WATCHER),
      InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' } },
    }));
    const inst = res.Instances![0];
    const id = inst.InstanceId!;
    assert.equal(inst.InstanceLifecycle, 'spot');
    assert.match(inst.SpotInstanceRequestId!, /^sir-[0-9a-z]{8}$/);
    await waitState(t.ec2, id, 'running');

    // Listed as spot; the filter tells spot from on-demand.
    const spotOnly = await t.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-lifecycle', Values: ['spot'] }, { Name: 'instance-state-name', Values: ['running'] }] }));
    assert.deepEqual(spotOnly.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId)), [id]);
    const req = await spotRequest(t.ec2, inst.SpotInstanceRequestId!);
    assert.equal(req.State, 'active');
    assert.equal(req.Status!.Code, 'fulfilled');
    assert.equal(req.InstanceId, id);
    assert.equal(req.Type, 'one-time');
    // No MaxPrice: the On-Demand price is the maximum, as on AWS.
    assert.equal(req.SpotPrice, '0.010400');

    // Before any notice IMDS answers 404.
    assert.match(await eventually(async () => ((await notice(t, id)).startsWith('404') ? notice(t, id) : undefined), 'the watcher to run'), /^404/);

    // Metering opened a spot interval when the instance started running.
    const meter = new UsageMeter(t.nimbus.db);
    const open = meter.openInterval(id);
    assert.equal(open?.market, 'spot');
    assert.equal(open?.tenancy, 'default');
    assert.equal(open?.instanceType, 't3.micro');

    const reclaimed = await fetch(`${t.endpoint}/_nimbus/spot/reclaim`, { method: 'POST', body: JSON.stringify({ instanceId: id }) });
    assert.equal(reclaimed.status, 200);
    const n = (await reclaimed.json()) as { action: string; time: string };
    assert.equal(n.action, 'terminate');
    const deadline = new Date(clock.now() + NOTICE_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
    assert.equal(n.time, deadline);

    // From inside: the notice, while the instance still runs.
    const seen = await eventually(async () => {
      const s = await notice(t, id);
      return s.startsWith('200') ? s : undefined;
    }, 'the notice inside the instance');
    const body = JSON.parse(seen.slice(4)) as { action: string; time: string };
    assert.deepEqual(body, { action: 'terminate', time: deadline });
    const tt = await execIn(t.endpoint, id, ['curl', '-s', 'http://169.254.169.254/latest/meta-data/spot/termination-time']);
    assert.equal(tt.stdout.trim(), deadline);
    assert.equal((await spotRequest(t.ec2, inst.SpotInstanceRequestId!)).Status!.Code, 'marked-for-termination');

    // The deadline is on the Nimbus clock: nothing happens before it.
    clock.advance(NOTICE_MS - 1000);
    assert.deepEqual((await market.tick()).interrupted, []);
    assert.equal((await describeInstance(t.ec2, id)).State!.Name, 'running');
    clock.advance(1000);
    const interruptedAt = clock.now();
    assert.deepEqual((await market.tick()).interrupted, [id]);
    const gone = await waitState(t.ec2, id, 'terminated');
    assert.equal(gone.StateReason!.Code, 'Server.SpotInstanceTermination');
    assert.equal(gone.StateReason!.Message, 'Server.SpotInstanceTermination: Spot instance termination');
    const closed = await spotRequest(t.ec2, inst.SpotInstanceRequestId!);
    assert.equal(closed.State, 'closed');
    assert.equal(closed.Status!.Code, 'instance-terminated-no-capacity');

    // The interval closed at the interruption.
    const mine = meter.intervals('000000000000', 0, Number.MAX_SAFE_INTEGER).filter((u) => u.resourceId === id);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].endMs, interruptedAt);
    assert.equal(meter.openInterval(id), undefined);
  });

  test('RequestSpotInstances persistent/stop: fulfilled, interrupted to stopped, restarted by the market, cancelled', async () => {
    const res = await t.ec2.send(new RequestSpotInstancesCommand({
      Type: 'persistent', InstanceInterruptionBehavior: 'stop', InstanceCount: 1, SpotPrice: '0.05',
      LaunchSpecification: { ImageId: AMI, InstanceType: 't3.small', Placement: { AvailabilityZone: 'us-east-1c' } },
      TagSpecifications: [{ ResourceType: 'spot-instances-request', Tags: [{ Key: 'team', Value: 'batch' }] }],
    }));
    const r0 = res.SpotInstanceRequests![0];
    assert.equal(r0.State, 'open');
    assert.equal(r0.Status!.Code, 'pending-evaluation');
    assert.equal(r0.SpotPrice, '0.050000');
    assert.deepEqual(r0.Tags, [{ Key: 'team', Value: 'batch' }]);
    const sir = r0.SpotInstanceRequestId!;
    const active = await eventually(async () => {
      const r = await spotRequest(t.ec2, sir);
      return r.State === 'active' && r.InstanceId ? r : undefined;
    }, 'the request to be fulfilled');
    assert.equal(active.Status!.Code, 'fulfilled');
    assert.equal(active.LaunchedAvailabilityZone, 'us-east-1c');
    const id = active.InstanceId!;
    const inst = await waitState(t.ec2, id, 'running');
    assert.equal(inst.InstanceLifecycle, 'spot');
    assert.equal(inst.SpotInstanceRequestId, sir);
    const byFilter = await t.ec2.send(new DescribeSpotInstanceRequestsCommand({ Filters: [{ Name: 'tag:team', Values: ['batch'] }, { Name: 'state', Values: ['active'] }] }));
    assert.deepEqual(byFilter.SpotInstanceRequests!.map((r) => r.SpotInstanceRequestId), [sir]);

    const n = market.reclaim(id);
    assert.equal(n.action, 'stop');
    const imds = await execIn(t.endpoint, id, ['curl', '-s', 'http://169.254.169.254/latest/meta-data/spot/instance-action']);
    assert.equal(JSON.parse(imds.stdout).action, 'stop');
    assert.equal((await spotRequest(t.ec2, sir)).Status!.Code, 'marked-for-stop');
    clock.advance(NOTICE_MS);
    assert.deepEqual((await market.tick()).interrupted, [id]);
    const stopped = await waitState(t.ec2, id, 'stopped');
    assert.equal(stopped.StateReason!.Code, 'Server.SpotInstanceTermination');
    const disabled = await spotRequest(t.ec2, sir);
    assert.equal(disabled.State, 'disabled');
    assert.equal(disabled.Status!.Code, 'instance-stopped-no-capacity');

    // The next pass starts it again (persistent request, capacity back).
    assert.deepEqual((await market.tick()).restarted, [id]);
    await waitState(t.ec2, id, 'running');
    const again = await eventually(async () => {
      const r = await spotRequest(t.ec2, sir);
      return r.State === 'active' ? r : undefined;
    }, 'the request to be active again');
    assert.equal(again.Status!.Code, 'fulfilled');
    const meter = new UsageMeter(t.nimbus.db);
    assert.equal(meter.intervals('000000000000', 0, Number.MAX_SAFE_INTEGER).filter((u) => u.resourceId === id).length, 2, 'one interval per stay in running');

    const cancelled = await t.ec2.send(new CancelSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [sir] }));
    assert.deepEqual(cancelled.CancelledSpotInstanceRequests, [{ SpotInstanceRequestId: sir, State: 'cancelled' }]);
    const c = await spotRequest(t.ec2, sir);
    assert.equal(c.Status!.Code, 'request-canceled-and-instance-running');
    assert.equal((await describeInstance(t.ec2, id)).State!.Name, 'running');
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await waitState(t.ec2, id, 'terminated');
  });

  test('persistent/terminate: an interrupted instance is replaced; a user termination reopens the request too', async () => {
    const res = await t.ec2.send(new RequestSpotInstancesCommand({ Type: 'persistent', LaunchSpecification: { ImageId: AMI, InstanceType: 't3.micro' } }));
    const sir = res.SpotInstanceRequests![0].SpotInstanceRequestId!;
    const first = (await eventually(async () => (await spotRequest(t.ec2, sir)).InstanceId, 'fulfilment'))!;
    await waitState(t.ec2, first, 'running');
    market.reclaim(first);
    clock.advance(NOTICE_MS);
    assert.deepEqual((await market.tick()).interrupted, [first]);
    await waitState(t.ec2, first, 'terminated');
    const reopened = await spotRequest(t.ec2, sir);
    assert.equal(reopened.State, 'open');
    assert.equal(reopened.Status!.Code, 'instance-terminated-no-capacity');
    assert.deepEqual((await market.tick()).launched, [sir]);
    const second = (await spotRequest(t.ec2, sir)).InstanceId!;
    assert.notEqual(second, first);
    await waitState(t.ec2, second, 'running');
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [second] }));
    const byUser = await spotRequest(t.ec2, sir);
    assert.equal(byUser.State, 'open');
    assert.equal(byUser.Status!.Code, 'instance-terminated-by-user');
    await t.ec2.send(new CancelSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [sir] }));
    assert.equal((await spotRequest(t.ec2, sir)).State, 'cancelled');
    assert.deepEqual((await market.tick()).launched, []);
    await waitState(t.ec2, second, 'terminated');
  });

  test('prices: too low for RunInstances is an error, a request stays open with price-too-low', async () => {
    await rejects(t.ec2.send(new RunInstancesCommand({
      ImageId: AMI, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { MaxPrice: '0.0001' } },
    })), 'SpotMaxPriceTooLow');
    const res = await t.ec2.send(new RequestSpotInstancesCommand({ SpotPrice: '0.0001', LaunchSpecification: { ImageId: AMI, InstanceType: 't3.micro' } }));
    const sir = res.SpotInstanceRequests![0].SpotInstanceRequestId!;
    const low = await eventually(async () => {
      const r = await spotRequest(t.ec2, sir);
      return r.Status!.Code === 'price-too-low' ? r : undefined;
    }, 'price-too-low');
    assert.equal(low.State, 'open');
    assert.match(low.Status!.Message!, /^Your Spot request price of 0\.000100 is lower than the minimum required Spot request fulfillment price of \d+\.\d+\.$/);
    assert.equal(low.InstanceId, undefined);
    const c = await t.ec2.send(new CancelSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [sir] }));
    assert.equal(c.CancelledSpotInstanceRequests![0].State, 'cancelled');
    assert.equal((await spotRequest(t.ec2, sir)).Status!.Code, 'canceled-before-fulfillment');
  });

  test('bad spot inputs answer the AWS error codes', async () => {
    const run = (SpotOptions: Record<string, string>, more: Record<string, unknown> = {}) => t.ec2.send(new RunInstancesCommand({
      ImageId: AMI, MinCount: 1, MaxCount: 1, InstanceMarketOptions: { MarketType: 'spot', SpotOptions }, ...more,
    }));
    await rejects(run({ SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'stop' }), 'InvalidParameterCombination');
    await rejects(run({ SpotInstanceType: 'persistent', InstanceInterruptionBehavior: 'terminate' }), 'InvalidParameterCombination');
    await rejects(run({ MaxPrice: 'cheap' }), 'InvalidParameterValue');
    await rejects(run({ SpotInstanceType: 'sometimes' }), 'InvalidParameterValue');
    await rejects(run({}, { Placement: { Tenancy: 'host' } }), 'InvalidParameterCombination');
    await rejects(t.ec2.send(new RequestSpotInstancesCommand({ LaunchSpecification: { InstanceType: 't3.micro' } })), 'MissingParameter');
    await rejects(t.ec2.send(new RequestSpotInstancesCommand({ InstanceCount: 0, LaunchSpecification: { ImageId: AMI } })), 'InvalidParameterValue');
    await rejects(t.ec2.send(new RequestSpotInstancesCommand({ LaunchSpecification: { ImageId: 'ami-0000000000000dead' } })), 'InvalidAMIID.NotFound');
    await rejects(t.ec2.send(new RequestSpotInstancesCommand({ Type: 'one-time', InstanceInterruptionBehavior: 'hibernate', LaunchSpecification: { ImageId: AMI } })), 'InvalidParameterCombination');
    await rejects(t.ec2.send(new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: ['sir-00000000'] })), 'InvalidSpotInstanceRequestID.NotFound');
    await rejects(t.ec2.send(new CancelSpotInstanceRequestsCommand({ SpotInstanceRequestIds: ['nope'] })), 'InvalidSpotInstanceRequestID.Malformed');
  });

  test('a one-time spot instance cannot be stopped; the market interrupts by price', async () => {
    // The current price of m7i.large in us-east-1a, and the first later hour at which it is higher.
    const now = clock.now();
    // The API shows no future prices (as on AWS); the simulated market's future comes from the engine itself.
    const history = t.nimbus.billing.spot.history('us-east-1', { az: 'us-east-1a', instanceTypes: ['m7i.large'], fromMs: now, toMs: now + 21 * 24 * 3600_000 })
      .map((p) => ({ Timestamp: new Date(p.timestamp), SpotPrice: p.price.toFixed(6) }))
      .sort((a, b) => a.Timestamp.getTime() - b.Timestamp.getTime());
    const current = history.filter((p) => p.Timestamp.getTime() <= now).pop()!;
    const rise = history.find((p) => p.Timestamp.getTime() > now && Number(p.SpotPrice) > Number(current.SpotPrice));
    assert.ok(rise, 'the simulated price rises within three weeks');

    const res = await t.ec2.send(new RunInstancesCommand({
      ImageId: AMI, InstanceType: 'm7i.large', MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: 'us-east-1a' },
      InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { MaxPrice: current.SpotPrice } },
    }));
    const id = res.Instances![0].InstanceId!;
    const sir = res.Instances![0].SpotInstanceRequestId!;
    await waitState(t.ec2, id, 'running');
    await rejects(t.ec2.send(new StopInstancesCommand({ InstanceIds: [id] })), 'UnsupportedOperation');
    await rejects(t.ec2.send(new RunInstancesCommand({
      ImageId: AMI, MinCount: 1, MaxCount: 1, InstanceInitiatedShutdownBehavior: 'stop', InstanceMarketOptions: { MarketType: 'spot' },
    })), 'InvalidParameterCombination');

    assert.deepEqual((await market.tick()).marked, [], 'price not above the maximum yet');
    clock.set(rise!.Timestamp!.getTime());
    assert.deepEqual((await market.tick()).marked, [id]);
    assert.equal((await spotRequest(t.ec2, sir)).Status!.Code, 'marked-for-termination');
    clock.advance(NOTICE_MS);
    assert.deepEqual((await market.tick()).interrupted, [id]);
    await waitState(t.ec2, id, 'terminated');
    const r = await spotRequest(t.ec2, sir);
    assert.equal(r.State, 'closed');
    assert.equal(r.Status!.Code, 'instance-terminated-by-price');
  });

  test('a notice survives a restart of Nimbus and the interruption still happens', async () => {
    const res = await t.ec2.send(new RunInstancesCommand({
      ImageId: AMI, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, InstanceMarketOptions: { MarketType: 'spot' },
    }));
    const id = res.Instances![0].InstanceId!;
    await waitState(t.ec2, id, 'running');
    const n = market.reclaim(id);
    await t.close();
    t = await startTestNimbus({ dataDir }, { clock });
    market = spotMarketOf(t.nimbus.registry.services)!;
    await waitState(t.ec2, id, 'running');
    const imds = await eventually(async () => {
      const r = await execIn(t.endpoint, id, ['curl', '-s', 'http://169.254.169.254/latest/meta-data/spot/instance-action']).catch(() => undefined);
      return r?.stdout.includes('terminate') ? r.stdout : undefined;
    }, 'the notice after the restart');
    assert.deepEqual(JSON.parse(imds), { action: 'terminate', time: n.time });
    // The notice shows the deadline to the second (as AWS does); the interruption is due by the end of that second.
    clock.set(Date.parse(n.time) + 1000);
    assert.deepEqual((await market.tick()).interrupted, [id]);
    assert.equal((await waitState(t.ec2, id, 'terminated')).StateReason!.Code, 'Server.SpotInstanceTermination');
    // Never two open intervals for one instance, across the restart.
    const meter = new UsageMeter(t.nimbus.db);
    assert.equal(meter.intervals('000000000000', 0, Number.MAX_SAFE_INTEGER).filter((u) => u.resourceId === id && u.endMs === null).length, 0);
  });
});
