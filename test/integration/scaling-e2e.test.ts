import {
  AutoScalingClient, CreateAutoScalingGroupCommand, DeleteAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, DescribeScalingActivitiesCommand,
  PutScalingPolicyCommand, type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateLaunchTemplateCommand, DescribeInstancesCommand, DescribeSubnetsCommand, DescribeVpcsCommand, TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DeleteLoadBalancerCommand, DeleteTargetGroupCommand,
  DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, ModifyTargetGroupAttributesCommand,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AMI, execIn, openGroup } from '../support/ec2.ts';
import { b64, eventually, isRoot, sdkClient, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';
import { hostnameOf, Load, slowGet, SLOW_WEB_SERVER } from './support.ts';

// Auto Scaling behind an application load balancer, end to end through the AWS SDK clients: real instances
// (user-data web servers answering their hostname), a real ALB, CloudWatch's RequestCountPerTarget at 1-s
// resolution, target tracking. A bounded load (40 req/s, at most 60 s) scales the group out from 1 to 4; new
// instances get traffic only once healthy; the spread is even; when the load stops the group scales back in by
// target tracking itself (15 low datapoints at 1 s = 15 s, so no SetDesiredCapacity shortcut is needed) and
// draining cuts no request in flight; a killed instance is replaced.

const RATE = 40; // req/s through the ALB (bounded load)
const TARGET = 10; // requests per target per second: 40 req/s → 4 instances
const LOAD_MAX_MS = 60_000;
const G = 'web-asg';

describe('Auto Scaling behind an ALB, scaled by CloudWatch target tracking (end to end)', { skip: !isRoot && 'needs root: real instances on private networks' }, () => {
  let t: TestNimbus;
  let elb: ElasticLoadBalancingV2Client;
  let asg: AutoScalingClient;
  let cw: CloudWatchClient;
  let load: Load | undefined;
  const savedEnv = { period: process.env.NIMBUS_METRICS_PERIOD, scale: process.env.NIMBUS_ELB_HEALTH_SCALE };
  // Shared between the steps.
  let url = '';
  let lbArn = '';
  let tgArn = '';
  /** hostname → instance id, for every instance the group ever had. */
  const hostToId = new Map<string, string>();

  const group = async (): Promise<AutoScalingGroup> => (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [G] }))).AutoScalingGroups![0]!;
  const health = async (): Promise<TargetHealthDescription[]> => (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions!;
  const learnHostnames = async (ids: string[]) => {
    if (!ids.length) return;
    const r = await t.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    for (const i of r.Reservations!.flatMap((x) => x.Instances!)) if (i.PrivateIpAddress) hostToId.set(hostnameOf(i.PrivateIpAddress), i.InstanceId!);
  };
  /** The group has n instances, all InService, each healthy in the target group (bounded wait). */
  const settledAt = (n: number, what: string, timeoutMs = 45_000) => eventually(async () => {
    const g = await group();
    const list = g.Instances ?? [];
    if (list.length !== n || !list.every((i) => i.LifecycleState === 'InService')) return undefined;
    const h = await health();
    const ids = list.map((i) => i.InstanceId!);
    return ids.every((id) => h.some((x) => x.Target!.Id === id && x.TargetHealth!.State === 'healthy')) ? g : undefined;
  }, what, timeoutMs, 100);

  before(async () => {
    process.env.NIMBUS_METRICS_PERIOD = '1';
    process.env.NIMBUS_ELB_HEALTH_SCALE = '0.1';
    t = await startTestNimbus();
    elb = sdkClient(ElasticLoadBalancingV2Client, t.endpoint);
    asg = sdkClient(AutoScalingClient, t.endpoint);
    cw = sdkClient(CloudWatchClient, t.endpoint);
  });

  after(async () => {
    await load?.stop().catch(() => undefined);
    // Clean up through the APIs (the group with ForceDelete, the load balancer, every instance), then Nimbus itself.
    if (asg) {
      await asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: G, ForceDelete: true })).catch(() => undefined);
      await eventually(async () => !(await group().catch(() => undefined)), 'group deleted', 30_000, 200).catch(() => undefined);
    }
    if (lbArn) await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn })).catch(() => undefined);
    if (tgArn) await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tgArn })).catch(() => undefined);
    if (t && hostToId.size) await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [...new Set(hostToId.values())] })).catch(() => undefined);
    elb?.destroy();
    asg?.destroy();
    cw?.destroy();
    await t?.close();
    for (const [k, v] of [['NIMBUS_METRICS_PERIOD', savedEnv.period], ['NIMBUS_ELB_HEALTH_SCALE', savedEnv.scale]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  test('setup: launch template, security group, ALB + listener + target group, ASG 1/1/4 with ELB health checks, target tracking', async () => {
    const subnets = (await t.ec2.send(new DescribeSubnetsCommand({}))).Subnets!.map((s) => s.SubnetId!);
    const vpc = (await t.ec2.send(new DescribeVpcsCommand({}))).Vpcs!.find((v) => v.IsDefault)!.VpcId!;
    const sg = await openGroup(t.ec2, 'web-80', [80]);
    await t.ec2.send(new CreateLaunchTemplateCommand({
      LaunchTemplateName: 'web-lt', LaunchTemplateData: { ImageId: AMI, InstanceType: 't3.micro', UserData: b64(SLOW_WEB_SERVER), SecurityGroupIds: [sg] },
    }));
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'web-alb', Type: 'application', Subnets: subnets, SecurityGroups: [sg] }))).LoadBalancers![0]!;
    lbArn = lb.LoadBalancerArn!;
    const tg = (await elb.send(new CreateTargetGroupCommand({
      Name: 'web-tg', Protocol: 'HTTP', Port: 80, VpcId: vpc, TargetType: 'instance', HealthCheckPath: '/', HealthCheckIntervalSeconds: 5,
      HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
    }))).TargetGroups![0]!;
    tgArn = tg.TargetGroupArn!;
    // Draining waits for requests in flight, up to 60 s (not scaled by NIMBUS_ELB_HEALTH_SCALE).
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '60' }] }));
    const listener = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] }))).Listeners![0]!;
    // Where the ALB really listens: its own address on the bridge (DescribeLoadBalancers), port 80 (listener tag).
    const described = (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }))).LoadBalancers![0]!;
    const address = described.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress!;
    const tags = (await elb.send(new DescribeTagsCommand({ ResourceArns: [listener.ListenerArn!] }))).TagDescriptions![0]!.Tags!;
    const endpoint = tags.find((x) => x.Key === 'nimbus:endpoint')!.Value!;
    assert.equal(endpoint, `http://${address}:80`);
    url = `${endpoint}/`;

    await asg.send(new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: G, LaunchTemplate: { LaunchTemplateName: 'web-lt', Version: '$Latest' }, MinSize: 1, DesiredCapacity: 1, MaxSize: 4,
      VPCZoneIdentifier: subnets.join(','), TargetGroupARNs: [tgArn], HealthCheckType: 'ELB', HealthCheckGracePeriod: 20, DefaultInstanceWarmup: 5,
    }));
    // ResourceLabel: app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>.
    const label = `${lbArn.slice(lbArn.indexOf(':loadbalancer/') + ':loadbalancer/'.length)}/${tgArn.slice(tgArn.indexOf('targetgroup/'))}`;
    assert.match(label, /^app\/web-alb\/[0-9a-f]+\/targetgroup\/web-tg\/[0-9a-f]+$/);
    const policy = await asg.send(new PutScalingPolicyCommand({
      AutoScalingGroupName: G, PolicyName: 'requests-per-target', PolicyType: 'TargetTrackingScaling', EstimatedInstanceWarmup: 5,
      TargetTrackingConfiguration: { TargetValue: TARGET, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: label } },
    }));
    assert.equal(policy.Alarms!.length, 2);
    // CloudWatch owns the two target tracking alarms, on the ALB metric at 1-s resolution.
    const alarms = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: policy.Alarms!.map((a) => a.AlarmName!) }))).MetricAlarms!;
    assert.deepEqual(alarms.map((a) => [a.MetricName, a.Namespace, a.Period]).sort(), [['RequestCountPerTarget', 'AWS/ApplicationELB', 1], ['RequestCountPerTarget', 'AWS/ApplicationELB', 1]]);

    const g = await settledAt(1, 'the first instance InService and healthy');
    await learnHostnames(g.Instances!.map((i) => i.InstanceId!));
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
    assert.equal(r.status, 200);
    assert.equal(hostToId.get(await r.text()), g.Instances![0]!.InstanceId);
  });

  test('a bounded load scales the group out; new instances get traffic only once healthy; the final spread is even', async (ctx) => {
    assert.ok(url, 'setup ran');
    // Every hostname's first response: the instance must already be healthy in the target group at that moment.
    const firstSeen = new Map<string, { state?: string; lifecycle?: string; inGroup: boolean }>();
    const checks: Promise<void>[] = [];
    load = new Load(url, RATE, LOAD_MAX_MS);
    load.watch((r) => {
      if (r.status !== 200 || firstSeen.has(r.body)) return;
      const entry: { state?: string; lifecycle?: string; inGroup: boolean } = { inGroup: false };
      firstSeen.set(r.body, entry);
      checks.push((async () => {
        const [h, g] = await Promise.all([health(), group()]);
        await learnHostnames((g.Instances ?? []).map((i) => i.InstanceId!).filter((id) => ![...hostToId.values()].includes(id)));
        const id = hostToId.get(r.body);
        entry.inGroup = !!id && (g.Instances ?? []).some((i) => i.InstanceId === id);
        entry.state = h.find((x) => x.Target!.Id === id)?.TargetHealth!.State;
        entry.lifecycle = g.Instances?.find((i) => i.InstanceId === id)?.LifecycleState;
      })());
    });
    load.start();
    const g4 = await settledAt(4, '4 InService instances, all healthy behind the ALB (scale-out under load)', LOAD_MAX_MS - 5_000);
    ctx.diagnostic(`load start → 4 InService and healthy: ${((performance.now() - load.startedAt) / 1000).toFixed(1)} s`);
    await learnHostnames(g4.Instances!.map((i) => i.InstanceId!));

    // Final measured window: 300 responses spread over the 4 healthy targets.
    const window = await load.next(300);
    await load.stop();
    await Promise.all(checks);
    const results = load.results;

    // No request failed during the whole load: every response 200 from a web server (no 5xx from the ALB).
    const bad = results.filter((r) => r.status !== 200);
    assert.deepEqual(bad.slice(0, 5), [], `${bad.length} of ${results.length} requests failed`);
    assert.ok(results.length >= 300);
    // The set of hostnames that answered grew only with instances of the group that were healthy when first answering.
    assert.equal(firstSeen.size, 4, JSON.stringify([...firstSeen]));
    for (const [host, e] of firstSeen) {
      assert.ok(e.inGroup, `${host} answered but is not an instance of the group`);
      assert.ok(e.state === 'healthy', `${host} answered while its target was ${e.state} (lifecycle ${e.lifecycle})`);
    }
    const ids = new Set(g4.Instances!.map((i) => i.InstanceId!));
    const counts = new Map<string, number>();
    for (const r of window) counts.set(r.body, (counts.get(r.body) ?? 0) + 1);
    assert.deepEqual([...counts.keys()].map((h) => hostToId.get(h)).sort(), [...ids].sort(), JSON.stringify([...counts]));
    ctx.diagnostic(`${results.length} requests, all 200; first answers: ${JSON.stringify([...firstSeen].map(([h, e]) => [h, e.state, e.lifecycle]))}; final window: ${JSON.stringify([...counts.values()])}`);
    const mean = window.length / ids.size;
    for (const [host, n] of counts) assert.ok(Math.abs(n - mean) <= mean * 0.25, `${host} took ${n} of ${window.length} requests (mean ${mean}): ${JSON.stringify([...counts])}`);

    // The scale-out was target tracking on CloudWatch's ALB metric, not something else.
    const acts = (await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: G }))).Activities!;
    assert.ok(acts.some((a) => /a monitor alarm TargetTracking-web-asg-AlarmHigh-[0-9a-f-]+ in state ALARM triggered policy requests-per-target changing the desired capacity from 1 to [234]\./.test(a.Cause!)),
      acts.map((a) => a.Cause).join('\n'));
    const stats = await cw.send(new GetMetricStatisticsCommand({
      Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCountPerTarget', Dimensions: [{ Name: 'TargetGroup', Value: tgArn.slice(tgArn.indexOf('targetgroup/')) }],
      StartTime: new Date(Date.now() - 120_000), EndTime: new Date(), Period: 1, Statistics: ['Sum'],
    }));
    assert.ok(stats.Datapoints!.some((d) => d.Sum! > TARGET), JSON.stringify(stats.Datapoints));
  });

  test('load stops → target tracking scales in; draining lets a slow request in flight on each leaving instance finish', async () => {
    const before = await settledAt(4, '4 InService instances before the scale-in');
    const h0 = await health();
    // One slow request per target, back to back (round robin: each lands on a different target), held open.
    const slow = Array.from({ length: 4 }, () => slowGet(`${url}slow`));
    const heads = await Promise.all(slow.map((s) => s.head));
    assert.deepEqual(heads.map((h) => h.status), [200, 200, 200, 200]);
    assert.equal(new Set(heads.map((h) => h.first)).size, 4, `one slow request per target: ${JSON.stringify(heads)}`);
    assert.equal(h0.filter((x) => x.TargetHealth!.State === 'healthy').length, 4);

    // No load: RequestCountPerTarget stays under 90% of the target for 15 one-second datapoints → AlarmLow → 1.
    const leaving = await eventually(async () => {
      const g = await group();
      const inService = new Set((g.Instances ?? []).filter((i) => i.LifecycleState === 'InService').map((i) => i.InstanceId!));
      const l = before.Instances!.map((i) => i.InstanceId!).filter((id) => !inService.has(id));
      return g.DesiredCapacity === 1 && l.length === 3 ? l : undefined;
    }, 'the scale-in to 1 (three instances out of service)', 60_000, 100);
    // While their requests are in flight the leaving targets drain: no new traffic, instances still running.
    await eventually(async () => {
      const h = await health();
      return leaving.every((id) => h.find((x) => x.Target!.Id === id)?.TargetHealth!.State === 'draining');
    }, 'leaving targets draining', 10_000, 100);
    const running = await t.ec2.send(new DescribeInstancesCommand({ InstanceIds: leaving }));
    assert.deepEqual(running.Reservations!.flatMap((r) => r.Instances!).map((i) => i.State!.Name), ['running', 'running', 'running']);
    const stay = before.Instances!.map((i) => i.InstanceId!).find((id) => !leaving.includes(id))!;
    for (let i = 0; i < 8; i++) {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      assert.equal(r.status, 200);
      assert.equal(hostToId.get(await r.text()), stay, 'a draining target takes no new request');
    }

    // Release the held requests inside every instance: each completes 200 with its whole body.
    for (const id of [...leaving, stay]) await execIn(t.endpoint, id, ['touch', '/tmp/release']);
    const done = await Promise.all(slow.map((s) => s.done));
    for (const [i, d] of done.entries()) {
      assert.equal(d.status, 200);
      assert.equal(d.body, `${heads[i]!.first}\ndone\n`);
    }
    // Then the drained instances are terminated and the group is back to 1.
    await settledAt(1, 'the group back to 1 InService instance');
    await eventually(async () => {
      const r = await t.ec2.send(new DescribeInstancesCommand({ InstanceIds: leaving }));
      return r.Reservations!.flatMap((x) => x.Instances!).every((i) => i.State!.Name === 'terminated');
    }, 'drained instances terminated', 20_000, 200);
    const acts = (await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: G }))).Activities!;
    assert.ok(acts.some((a) => /a monitor alarm TargetTracking-web-asg-AlarmLow-[0-9a-f-]+ in state ALARM triggered policy requests-per-target changing the desired capacity from 4 to 1\./.test(a.Cause!)),
      acts.map((a) => a.Cause).join('\n'));
  });

  test('an instance killed from inside is replaced; the group returns to desired and serves through the ALB', async () => {
    const g = await settledAt(1, '1 InService instance');
    const victim = g.Instances![0]!.InstanceId!;
    // PID 1 of the instance gets SIGTERM: the workload exits, EC2 and ELB health checks fail, the group replaces it.
    await execIn(t.endpoint, victim, ['sh', '-c', 'kill 1']).catch(() => undefined);
    const g2 = await eventually(async () => {
      const x = await group();
      const list = x.Instances ?? [];
      return list.length === 1 && list[0]!.InstanceId !== victim && list[0]!.LifecycleState === 'InService' ? x : undefined;
    }, 'a replacement InService', 45_000, 100);
    assert.equal(g2.DesiredCapacity, 1);
    const replacement = g2.Instances![0]!.InstanceId!;
    await learnHostnames([replacement]);
    const answered = await eventually(async () => {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      const body = await r.text();
      return r.status === 200 ? body : undefined;
    }, 'the replacement answering through the ALB', 15_000, 100);
    assert.equal(hostToId.get(answered), replacement);
    const acts = (await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: G }))).Activities!;
    assert.ok(acts.some((a) => a.Description === `Terminating EC2 instance: ${victim}` && /in response to (an EC2 health check|an ELB system health check failure)/.test(a.Cause!)),
      acts.map((a) => `${a.Description}: ${a.Cause}`).join('\n'));
  });

  test('an instance terminated outside the group (TerminateInstances) is replaced and the group converges', async () => {
    const g = await settledAt(1, '1 InService instance');
    const victim = g.Instances![0]!.InstanceId!;
    // The load balancer deregisters a terminated instance by itself (like AWS); the group must not wait for a
    // drain of a target that is already gone.
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [victim] }));
    const g2 = await eventually(async () => {
      const x = await group();
      const list = x.Instances ?? [];
      return list.length === 1 && list[0]!.InstanceId !== victim && list[0]!.LifecycleState === 'InService' ? x : undefined;
    }, 'the group back to exactly 1 InService instance (none left Terminating)', 45_000, 100);
    await learnHostnames([g2.Instances![0]!.InstanceId!]);
    const answered = await eventually(async () => {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      const body = await r.text();
      return r.status === 200 ? body : undefined;
    }, 'the replacement answering through the ALB', 15_000, 100);
    assert.equal(hostToId.get(answered), g2.Instances![0]!.InstanceId);
  });
});
