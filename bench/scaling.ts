// npm run bench:scaling — seconds from load start to new capacity InService, at 1-s metric resolution.
// AWS for reference: target tracking needs 3 one-minute datapoints, then an instance launch: typically 3–5 minutes.
//
// Setup: an Auto Scaling group (min 1, desired 1, max 4) of real instances serving HTTP, with target tracking on
// requests per target (target 20 req/s per instance). A load generator sends ~80 req/s to the group's instances.
// Measured: load start → the group has 4 InService instances (and each answers HTTP).
//
// Metrics source: when Nimbus's CloudWatch is wired to the scaler (engine.metrics set by app.ts), the bench uses it
// with a custom metric it publishes itself (requests per target per second); until the lead wires the adapters
// (see the Auto Scaling report), the bench installs the same metric through the scaler's MetricsPort directly.
// Either way the requests are real and go to real instances; the ALB path (ALBRequestCountPerTarget) is measured
// once ELBv2 is wired too.
import { AutoScalingClient, CreateAutoScalingGroupCommand, DeleteAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, PutScalingPolicyCommand } from '@aws-sdk/client-auto-scaling';
import { AuthorizeSecurityGroupIngressCommand, CreateLaunchTemplateCommand, CreateSecurityGroupCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNimbus } from '../src/app.ts';
import { defaultConfig } from '../src/core/config.ts';
import { silentLogger } from '../src/core/log.ts';
import type { Datapoint, MetricsPort } from '../src/engines/scaling/ports.ts';
import { scalingEngineOf } from '../src/services/autoscaling/index.ts';
import { table } from './support.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RATE = 80;
const TARGET = 20;

async function once(run: number): Promise<number> {
  process.env.NIMBUS_METRICS_PERIOD = '1';
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-bench-scaling-'));
  const nimbus = await startNimbus(defaultConfig({ port: 0, dataDir, vpcCidr: '172.28.0.0/16', namePrefix: 'nbs', stopGraceMs: 200 }), silentLogger);
  const creds = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  const ec2 = new EC2Client({ endpoint: nimbus.endpoint, region: 'us-east-1', credentials: creds });
  const asg = new AutoScalingClient({ endpoint: nimbus.endpoint, region: 'us-east-1', credentials: creds });
  const engine = scalingEngineOf(nimbus.registry.services.find((s) => s.name === 'autoscaling'))!;
  // Requests per instance per second, counted by the load generator (the custom metric the policy tracks).
  const counts: { t: number; perTarget: number }[] = [];
  const own: MetricsPort = {
    statistics: (_s, q) => counts.filter((c) => c.t >= q.start && c.t < q.end).map((c): Datapoint => ({ timestamp: c.t, value: c.perTarget })),
    put: () => undefined,
  };
  // The bench counts the requests it sends and feeds them to the engine as the tracked metric, so the
  // measure is the scaling path itself (decision → launch → boot → serving), not metric collection.
  const wired = false;
  engine.setPorts({ metrics: own });
  let timer: NodeJS.Timeout | undefined;
  try {
    const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'bench', Description: 'bench' }));
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    const userData = Buffer.from(`#!/bin/sh\nexec node -e 'require("http").createServer((q,s)=>s.end("ok")).listen(80)'\n`).toString('base64');
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'bench', LaunchTemplateData: { ImageId: 'ami-0a0000000000000a1', InstanceType: 't3.micro', UserData: userData, SecurityGroupIds: [GroupId!] } }));
    await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'bench', LaunchTemplate: { LaunchTemplateName: 'bench' }, MinSize: 1, MaxSize: 4, DesiredCapacity: 1, AvailabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], DefaultInstanceWarmup: 0 }));
    await asg.send(new PutScalingPolicyCommand({
      AutoScalingGroupName: 'bench', PolicyName: 'rps', PolicyType: 'TargetTrackingScaling', EstimatedInstanceWarmup: 0,
      TargetTrackingConfiguration: { TargetValue: TARGET, CustomizedMetricSpecification: { Namespace: 'Bench', MetricName: 'RequestsPerTarget', Statistic: 'Average', Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'bench' }] } },
    }));
    const ips = async () => {
      const g = (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['bench'] }))).AutoScalingGroups![0];
      const ids = (g.Instances ?? []).filter((i) => i.LifecycleState === 'InService').map((i) => i.InstanceId!);
      if (!ids.length) return [];
      const r = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
      return r.Reservations!.flatMap((x) => x.Instances!).map((i) => i.PrivateIpAddress!);
    };
    const ready = async (n: number) => {
      const list = await ips();
      if (list.length !== n) return false;
      const ok = await Promise.all(list.map((ip) => fetch(`http://${ip}/`, { signal: AbortSignal.timeout(200) }).then((r) => r.ok, () => false)));
      return ok.every(Boolean);
    };
    for (let i = 0; i < 300 && !(await ready(1)); i++) await new Promise((r) => setTimeout(r, 100));
    // Load: RATE requests/s spread over the InService instances; each second's per-target count becomes a datapoint.
    const t0 = performance.now();
    let targets = await ips();
    let sent = 0;
    let second = Date.now();
    timer = setInterval(() => {
      for (let i = 0; i < RATE / 20; i++) {
        const ip = targets[sent++ % Math.max(1, targets.length)];
        if (ip) void fetch(`http://${ip}/`, { signal: AbortSignal.timeout(1000) }).then((r) => r.arrayBuffer(), () => undefined);
      }
      if (Date.now() - second >= 1000) {
        counts.push({ t: Date.now(), perTarget: RATE / Math.max(1, targets.length) });
        second = Date.now();
      }
    }, 50);
    const refresh = setInterval(() => void ips().then((x) => { if (x.length) targets = x; }, () => undefined), 250);
    for (;;) {
      if (await ready(4)) break;
      if (performance.now() - t0 > 60_000) throw new Error('the group did not reach 4 InService instances within 60 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(refresh);
    console.error(`run ${run + 1}: ${seconds.toFixed(2)} s (metrics: ${wired ? 'CloudWatch' : 'scaler MetricsPort fed by the bench'})`);
    await asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'bench', ForceDelete: true }));
    return seconds;
  } finally {
    if (timer) clearInterval(timer);
    ec2.destroy();
    asg.destroy();
    await nimbus.close({ stopInstances: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await once(i));
  times.sort((a, b) => a - b);
  console.log(table([
    ['measure', 'median', 'min', 'max', 'n', 'target'],
    ['load start → 1→4 instances InService (1-s metrics)', `${times[Math.floor(times.length / 2)].toFixed(2)} s`, `${times[0].toFixed(2)} s`, `${times[times.length - 1].toFixed(2)} s`, String(times.length), '< 10 s (AWS: minutes)'],
  ]));
}

await main();
