// npm run bench:ec2 — launch-to-serving latency and DescribeInstances at 1,000 instances.
// Peer in the same run: the same HTTP server started as a bare process on the host (no isolation,
// no API) — the floor any launch path can reach on this machine. Published peers for context:
// AWS EC2 ~25 s to a serving instance, Firecracker ~125 ms to boot a microVM.
import {
  AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeInstancesCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstAnswer, freePort, ms, percentile, startNimbusProcess, stopProcess, table } from './support.ts';

const LAUNCHES = Number(process.env.BENCH_LAUNCHES ?? 50);
const FLEET = Number(process.env.BENCH_FLEET ?? 1000);
const SERVER = (port: number) => `require("http").createServer((q,s)=>s.end("ok")).listen(${port})`;

async function main() {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-bench-'));
  const nimbus = await startNimbusProcess(port, dataDir, { NIMBUS_VPC_CIDR: '172.29.0.0/16', NIMBUS_NAME_PREFIX: 'nbb', NIMBUS_MAX_INSTANCES: String(FLEET + 10), NIMBUS_STOP_GRACE_MS: '200' });
  const ec2 = new EC2Client({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const rows: string[][] = [['measure', 'p50', 'p95', 'n', 'notes']];
  try {
    // 1. Bare process floor: spawn the same node one-liner on loopback, time to first answer.
    const bare: number[] = [];
    for (let i = 0; i < Math.min(LAUNCHES, 20); i++) {
      const p = await freePort();
      const t0 = performance.now();
      const child = spawn(process.execPath, ['-e', SERVER(p)], { stdio: 'ignore' });
      bare.push((await firstAnswer(`http://127.0.0.1:${p}/`)) - t0);
      child.kill('SIGKILL');
    }

    // 2. Nimbus: RunInstances → user-data server answering on the private IP.
    const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'bench', Description: 'bench' }));
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    const userData = Buffer.from(`#!/bin/sh\nexec node -e '${SERVER(80)}'\n`).toString('base64');
    const launch: number[] = [];
    const apiOnly: number[] = [];
    for (let i = 0; i < LAUNCHES; i++) {
      const t0 = performance.now();
      const res = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-0a0000000000000a1', InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, UserData: userData, SecurityGroupIds: [GroupId!] }));
      apiOnly.push(performance.now() - t0);
      const inst = res.Instances![0];
      launch.push((await firstAnswer(`http://${inst.PrivateIpAddress}/`)) - t0);
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [inst.InstanceId!] }));
    }
    rows.push(['bare process: spawn → HTTP 200 (floor)', ms(percentile(bare, 50)), ms(percentile(bare, 95)), String(bare.length), 'same node server, no isolation']);
    rows.push(['Nimbus: RunInstances → HTTP 200 on private IP', ms(percentile(launch, 50)), ms(percentile(launch, 95)), String(launch.length), 'netns+veth+cgroup+nft+user data; target p50 < 100 ms']);
    rows.push(['Nimbus: RunInstances API round trip', ms(percentile(apiOnly, 50)), ms(percentile(apiOnly, 95)), String(apiOnly.length), '']);
    rows.push(['AWS EC2 (published)', '~25000 ms', '', '', 'launch to serving']);
    rows.push(['Firecracker (published)', '~125 ms', '', '', 'microVM boot']);

    // 3. A fleet of FLEET instances, then DescribeInstances latency.
    const t0 = performance.now();
    const ids: string[] = [];
    for (let n = 0; n < FLEET; n += 100) {
      const res = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-0a0000000000000a1', InstanceType: 't3.nano', MinCount: Math.min(100, FLEET - n), MaxCount: Math.min(100, FLEET - n) }));
      ids.push(...res.Instances!.map((i) => i.InstanceId!));
    }
    let running = 0;
    const deadline = performance.now() + 300_000;
    while (performance.now() < deadline) {
      const r = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running'] }] }));
      running = r.Reservations!.reduce((a, x) => a + x.Instances!.length, 0);
      if (running >= FLEET) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const fleetSecs = (performance.now() - t0) / 1000;
    const full: number[] = [];
    const page: number[] = [];
    const one: number[] = [];
    for (let i = 0; i < 20; i++) {
      let t = performance.now();
      await ec2.send(new DescribeInstancesCommand({}));
      full.push(performance.now() - t);
      t = performance.now();
      await ec2.send(new DescribeInstancesCommand({ MaxResults: 100 }));
      page.push(performance.now() - t);
      t = performance.now();
      await ec2.send(new DescribeInstancesCommand({ InstanceIds: [ids[i * 7]] }));
      one.push(performance.now() - t);
    }
    rows.push([`fleet: ${FLEET} instances running`, `${fleetSecs.toFixed(1)} s`, '', String(running), `${running}/${FLEET} running concurrently on ${(await import('node:os')).cpus().length} cores`]);
    rows.push([`DescribeInstances, all ${running}`, ms(percentile(full, 50)), ms(percentile(full, 95)), '20', '']);
    rows.push(['DescribeInstances, MaxResults=100', ms(percentile(page, 50)), ms(percentile(page, 95)), '20', '']);
    rows.push(['DescribeInstances, one id', ms(percentile(one, 50)), ms(percentile(one, 95)), '20', '']);
    for (let n = 0; n < ids.length; n += 200) await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids.slice(n, n + 200) }));
  } finally {
    ec2.destroy();
    await stopProcess(nimbus);
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`\nNimbus EC2 benchmark (${new Date().toISOString()})\n`);
  console.log(table(rows));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
