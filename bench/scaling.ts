// npm run bench:scaling — seconds from load start to new capacity InService and answering through the load balancer,
// through the real path: an application load balancer in front of an Auto Scaling group, CloudWatch's
// AWS/ApplicationELB RequestCountPerTarget at 1-s resolution (NIMBUS_METRICS_PERIOD=1), a target tracking policy on
// ALBRequestCountPerTarget. AWS for reference: target tracking needs 3 one-minute datapoints, then a launch, then
// the health checks: typically 3–5 minutes. Target here: under 10 s.
//
// Each run starts a fresh Nimbus in this process (root: real instances on a private bridge), creates a launch
// template (a node web server answering its hostname), an ALB + HTTP listener + target group (health checks at AWS
// timing × 0.1: a 5-s interval is 0.5 s), and a group (min 1, desired 1, max 4, HealthCheckType ELB) tracking
// TARGET requests per target. Then a bounded load of RATE req/s (keep-alive, at most 60 s) goes to the ALB's own
// address. Measured from load start:
//   - decision:   the group's DesiredCapacity first rises (CloudWatch datapoints → target tracking)
//   - first new:  the first new instance is InService and has answered a request through the ALB
//   - all 4:      4 instances InService and each has answered through the ALB (new capacity fully serving)
// Every response during the load must be 200 (no 5xx while instances join). BENCH_RUNS (default 3) runs.
import {
  AutoScalingClient, CreateAutoScalingGroupCommand, DeleteAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, PutScalingPolicyCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  AuthorizeSecurityGroupIngressCommand, CreateLaunchTemplateCommand, CreateSecurityGroupCommand, DescribeInstancesCommand, DescribeSubnetsCommand,
  DescribeVpcsCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeTagsCommand, ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNimbus } from '../src/app.ts';
import { defaultConfig } from '../src/core/config.ts';
import { silentLogger } from '../src/core/log.ts';
import { hostnameOf, Load } from '../test/integration/support.ts';
import { table } from './support.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RATE = 80; // req/s through the ALB
const TARGET = 20; // requests per target per second: 80 req/s → 4 instances
const MAX = 4;
const LOAD_MAX_MS = 60_000;
const isRoot = process.getuid?.() === 0 && process.platform === 'linux';

interface Run { decision: number; firstNew: number; all: number; requests: number }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function once(run: number): Promise<Run> {
  const saved = { period: process.env.NIMBUS_METRICS_PERIOD, scale: process.env.NIMBUS_ELB_HEALTH_SCALE };
  process.env.NIMBUS_METRICS_PERIOD = '1';
  process.env.NIMBUS_ELB_HEALTH_SCALE = '0.1';
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-bench-scaling-'));
  const nimbus = await startNimbus(defaultConfig({ port: 0, dataDir, vpcCidr: '10.250.0.0/16', namePrefix: 'nbsc', stopGraceMs: 200 }), silentLogger);
  const cfg = { endpoint: nimbus.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } };
  const ec2 = new EC2Client(cfg);
  const elb = new ElasticLoadBalancingV2Client(cfg);
  const asg = new AutoScalingClient(cfg);
  let load: Load | undefined;
  try {
    const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!.map((s) => s.SubnetId!);
    const vpc = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs!.find((v) => v.IsDefault)!.VpcId!;
    const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'bench', Description: 'bench' }));
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    const userData = Buffer.from(`#!/bin/sh\nexec node -e 'require("http").createServer((q,s)=>s.end(require("os").hostname())).listen(80)'\n`).toString('base64');
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'bench', LaunchTemplateData: { ImageId: 'ami-0a0000000000000a1', InstanceType: 't3.micro', UserData: userData, SecurityGroupIds: [GroupId!] } }));
    const lbArn = (await elb.send(new CreateLoadBalancerCommand({ Name: 'bench', Type: 'application', Subnets: subnets }))).LoadBalancers![0]!.LoadBalancerArn!;
    const tgArn = (await elb.send(new CreateTargetGroupCommand({
      Name: 'bench', Protocol: 'HTTP', Port: 80, VpcId: vpc, HealthCheckPath: '/', HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2,
      HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
    }))).TargetGroups![0]!.TargetGroupArn!;
    const listener = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] }))).Listeners![0]!;
    const url = `${(await elb.send(new DescribeTagsCommand({ ResourceArns: [listener.ListenerArn!] }))).TagDescriptions![0]!.Tags!.find((t) => t.Key === 'nimbus:endpoint')!.Value!}/`;
    await asg.send(new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'bench', LaunchTemplate: { LaunchTemplateName: 'bench' }, MinSize: 1, MaxSize: MAX, DesiredCapacity: 1,
      VPCZoneIdentifier: subnets.join(','), TargetGroupARNs: [tgArn], HealthCheckType: 'ELB', HealthCheckGracePeriod: 30, DefaultInstanceWarmup: 0,
    }));
    const label = `${lbArn.slice(lbArn.indexOf(':loadbalancer/') + ':loadbalancer/'.length)}/${tgArn.slice(tgArn.indexOf('targetgroup/'))}`;
    await asg.send(new PutScalingPolicyCommand({
      AutoScalingGroupName: 'bench', PolicyName: 'rpt', PolicyType: 'TargetTrackingScaling', EstimatedInstanceWarmup: 0,
      TargetTrackingConfiguration: { TargetValue: TARGET, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: label } },
    }));

    const group = async () => (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['bench'] }))).AutoScalingGroups![0]!;
    const hostOf = new Map<string, string>(); // instance id → hostname
    const learn = async (ids: string[]) => {
      const missing = ids.filter((id) => !hostOf.has(id));
      if (!missing.length) return;
      const r = await ec2.send(new DescribeInstancesCommand({ InstanceIds: missing }));
      for (const i of r.Reservations!.flatMap((x) => x.Instances!)) if (i.PrivateIpAddress) hostOf.set(i.InstanceId!, hostnameOf(i.PrivateIpAddress));
    };
    // The first instance InService and answering through the ALB before the clock starts.
    const deadline = performance.now() + 30_000;
    let first = '';
    for (;;) {
      if (performance.now() > deadline) throw new Error('the first instance did not serve through the ALB within 30 s');
      const g = await group();
      const ins = (g.Instances ?? []).filter((i) => i.LifecycleState === 'InService');
      if (ins.length === 1) {
        await learn([ins[0]!.InstanceId!]);
        const r = await fetch(url, { signal: AbortSignal.timeout(500) }).then(async (x) => (x.ok ? x.text() : ''), () => '');
        if (r && r === hostOf.get(ins[0]!.InstanceId!)) {
          first = ins[0]!.InstanceId!;
          break;
        }
      }
      await sleep(50);
    }

    // Load on; from here on every response is recorded with the moment it arrived.
    const answeredAt = new Map<string, number>(); // hostname → first answer through the ALB
    load = new Load(url, RATE, LOAD_MAX_MS);
    load.watch((r) => {
      if (r.status === 200 && !answeredAt.has(r.body)) answeredAt.set(r.body, r.at);
    });
    load.start();
    const t0 = load.startedAt;
    let decision = 0;
    const inServiceAt = new Map<string, number>();
    for (;;) {
      if (!load.running) throw new Error(`the group did not reach ${MAX} InService instances answering through the ALB within ${LOAD_MAX_MS / 1000} s`);
      const g = await group();
      const now = performance.now();
      if (!decision && (g.DesiredCapacity ?? 1) > 1) decision = now;
      const ins = (g.Instances ?? []).filter((i) => i.LifecycleState === 'InService').map((i) => i.InstanceId!);
      for (const id of ins) if (!inServiceAt.has(id)) inServiceAt.set(id, now);
      await learn(ins);
      const serving = ins.filter((id) => answeredAt.has(hostOf.get(id) ?? ''));
      if (ins.length === MAX && serving.length === MAX) break;
      await sleep(50);
    }
    await load.stop();
    const bad = load.results.filter((r) => r.status !== 200);
    if (bad.length) throw new Error(`${bad.length} of ${load.results.length} requests failed during the scale-out: ${JSON.stringify(bad.slice(0, 3))}`);
    // A new instance counts once it is InService and has answered through the ALB (whichever came later).
    const ready = [...inServiceAt].filter(([id]) => id !== first).map(([id, at]) => Math.max(at, answeredAt.get(hostOf.get(id)!)!)).sort((a, b) => a - b);
    const r: Run = { decision: (decision - t0) / 1000, firstNew: (ready[0]! - t0) / 1000, all: (ready[ready.length - 1]! - t0) / 1000, requests: load.results.length };
    console.error(`run ${run + 1}: decision ${r.decision.toFixed(2)} s, first new instance serving ${r.firstNew.toFixed(2)} s, ${MAX} serving ${r.all.toFixed(2)} s (${r.requests} requests, all 200)`);
    await asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'bench', ForceDelete: true }));
    return r;
  } finally {
    await load?.stop();
    ec2.destroy();
    elb.destroy();
    asg.destroy();
    await nimbus.close({ stopInstances: true });
    rmSync(dataDir, { recursive: true, force: true });
    for (const [k, v] of [['NIMBUS_METRICS_PERIOD', saved.period], ['NIMBUS_ELB_HEALTH_SCALE', saved.scale]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

async function main() {
  if (!isRoot) {
    console.log('bench:scaling needs root (real instances on a private bridge, a load balancer address on it); skipped.');
    return;
  }
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once(i));
  const row = (name: string, pick: (r: Run) => number, target: string) => {
    const v = runs.map(pick).sort((a, b) => a - b);
    return [name, `${v[Math.floor(v.length / 2)]!.toFixed(2)} s`, `${v[0]!.toFixed(2)} s`, `${v[v.length - 1]!.toFixed(2)} s`, String(v.length), target];
  };
  console.log(table([
    ['from load start (ALB → CloudWatch 1-s RequestCountPerTarget → target tracking)', 'median', 'min', 'max', 'n', 'target'],
    row('scaling decision (DesiredCapacity rises)', (r) => r.decision, '≥ 3 s (3 datapoints)'),
    row('first new instance InService + answering via the ALB', (r) => r.firstNew, '< 10 s (AWS: minutes)'),
    row(`1 → ${MAX} instances InService + answering via the ALB`, (r) => r.all, '< 10 s (AWS: minutes)'),
  ]));
}

await main();
