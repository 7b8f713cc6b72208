// npm run bench:vm — boot-to-serving latency of the VM driver (QEMU microvm), under TCG and, where
// the KVM probe VM boots, under KVM. Two views:
//   driver: VmDriver.start() → the guest's "ready" (kernel + init + agent), and → the first HTTP 200 from
//           a busybox httpd started by user data on the VM's private IP (no API in the path);
//   API:    RunInstances on `nimbus up --driver vm` → the first HTTP 200 on the private IP.
// Reference: Firecracker boots a minimal microVM in ~125 ms (KVM, a trimmed kernel, no firmware).
// Runs as root with qemu-system-x86, linux-image-cloud-amd64 busybox-static and e2fsprogs installed.
import { EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/core/log.ts';
import { cleanupVmPrefix, VmDriver, vmPrerequisites } from '../src/drivers/vm/index.ts';
import { freePort, ms, percentile, startNimbusProcess, stopProcess, table } from './support.ts';

const LAUNCHES = Number(process.env.BENCH_LAUNCHES ?? 10);
const USER_DATA = '#!/bin/sh\nmkdir -p /www && echo ok > /www/index.html\nexec busybox httpd -f -p 80 -h /www\n';

/** First HTTP 200 from url, polling with short attempts; the time it answered. */
async function firstOk(url: string, deadlineMs = 60_000): Promise<number> {
  const end = performance.now() + deadlineMs;
  while (performance.now() < end) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(250) });
      await res.arrayBuffer();
      if (res.ok) return performance.now();
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`${url} did not answer within ${deadlineMs} ms`);
}

async function driverRun(accel: 'tcg' | 'kvm', dataDir: string): Promise<{ ready: number[]; serving: number[]; why: string } | { skipped: string }> {
  const prefix = `nbvb${accel === 'kvm' ? 'k' : 't'}`;
  const bridge = `${prefix}-br0`;
  const d = new VmDriver({
    dataDir, log: silentLogger, namePrefix: prefix, bridge: { name: bridge, gatewayCidr: '172.22.0.1/16' }, metadataAddress: '169.254.169.254', accel,
  });
  try {
    await d.init();
    const ready: number[] = [];
    const serving: number[] = [];
    for (let i = 0; i < LAUNCHES; i++) {
      const id = `i-0b0000000000${accel}${String(i).padStart(3, '0')}`;
      const stateDir = join(dataDir, 'instances', id);
      mkdirSync(stateDir, { recursive: true });
      const ip = `172.22.0.${10 + i}`;
      const t0 = performance.now();
      await d.start({
        id, hostname: `ip-${ip.replace(/\./g, '-')}`, vcpus: 1, memoryMiB: 256, stateDir, env: {},
        network: { ip, prefixLength: 16, gateway: '172.22.0.1', mac: `02:00:00:00:02:${(10 + i).toString(16).padStart(2, '0')}` },
        ingress: [{ protocol: 'tcp', fromPort: 80, toPort: 80, cidrs: ['0.0.0.0/0'] }], volumes: [], userData: Buffer.from(USER_DATA),
      });
      ready.push(performance.now() - t0);
      serving.push((await firstOk(`http://${ip}/`)) - t0);
      await d.stop(id, { graceMs: 0 });
    }
    return { ready, serving, why: d.accel?.why ?? '' };
  } finally {
    await d.shutdown({ stopWorkloads: true }).catch(() => undefined);
    await cleanupVmPrefix(prefix, bridge);
  }
}

async function apiRun(dataDir: string): Promise<number[]> {
  const port = await freePort();
  const nimbus = await startNimbusProcess(port, dataDir, {
    NIMBUS_DRIVER: 'vm', NIMBUS_VPC_CIDR: '172.21.0.0/16', NIMBUS_NAME_PREFIX: 'nbvba', NIMBUS_STOP_GRACE_MS: '0',
  });
  const ec2 = new EC2Client({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const launch: number[] = [];
  try {
    // The default security group admits its own members only: a group open on port 80.
    const { CreateSecurityGroupCommand, AuthorizeSecurityGroupIngressCommand } = await import('@aws-sdk/client-ec2');
    const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'bench', Description: 'bench' }));
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    for (let i = 0; i < LAUNCHES; i++) {
      const t0 = performance.now();
      const res = await ec2.send(new RunInstancesCommand({
        ImageId: 'ami-0a0000000000000a1', InstanceType: 't3.nano', MinCount: 1, MaxCount: 1, SecurityGroupIds: [GroupId!],
        UserData: Buffer.from(USER_DATA).toString('base64'),
      }));
      const inst = res.Instances![0]!;
      launch.push((await firstOk(`http://${inst.PrivateIpAddress}/`)) - t0);
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [inst.InstanceId!] }));
    }
  } finally {
    ec2.destroy();
    await stopProcess(nimbus);
    await cleanupVmPrefix('nbvba', 'nbvba-br0');
  }
  return launch;
}

async function main() {
  const missing = vmPrerequisites();
  if (missing.length) {
    console.log(`bench:vm skipped: the vm driver cannot run here: ${missing.join('; ')}`);
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-bench-vm-'));
  const rows: string[][] = [['measure', 'p50', 'p95', 'n', 'notes']];
  try {
    // KVM first: its probe decides whether there is a KVM row at all.
    const probe = new VmDriver({ dataDir, log: silentLogger, namePrefix: 'nbvbp', bridge: { name: 'nbvbp-br0', gatewayCidr: '172.20.0.1/16' }, metadataAddress: '169.254.169.254' });
    await probe.init();
    const kvm = probe.accel!;
    await probe.shutdown({ stopWorkloads: true });
    await cleanupVmPrefix('nbvbp', 'nbvbp-br0');
    for (const accel of ['kvm', 'tcg'] as const) {
      if (accel === 'kvm' && kvm.accel !== 'kvm') {
        rows.push(['driver, KVM', 'n/a', '', '0', `KVM probe: ${kvm.why}`]);
        continue;
      }
      const r = await driverRun(accel, dataDir);
      if ('skipped' in r) continue;
      const label = accel.toUpperCase();
      rows.push([`driver, ${label}: start() → guest ready`, ms(percentile(r.ready, 50)), ms(percentile(r.ready, 95)), String(r.ready.length), 'tap+nft+virtiofsd+QEMU+kernel+init+agent']);
      rows.push([`driver, ${label}: start() → HTTP 200 (busybox httpd)`, ms(percentile(r.serving, 50)), ms(percentile(r.serving, 95)), String(r.serving.length), 'no IMDS server here: the init falls back to the seed copy']);
    }
    const api = await apiRun(join(dataDir, 'api'));
    rows.push([`API, ${kvm.accel.toUpperCase()}: RunInstances → HTTP 200 on private IP`, ms(percentile(api, 50)), ms(percentile(api, 95)), String(api.length), 'nimbus up --driver vm; user data from IMDS']);
    rows.push(['Firecracker (published)', '~125 ms', '', '', 'microVM boot to init, KVM, minimal kernel']);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`\nNimbus VM driver benchmark (${new Date().toISOString()}; ${cpus().length} cores, load ${loadavg()[0].toFixed(1)})\n`);
  console.log(table(rows));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
