import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeSubnetsCommand, DescribeVpcsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DescribeTasksCommand, ECSClient, type Task } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImageStore } from '../../src/drivers/container/images.ts';
import { ecsEngineOf } from '../../src/services/ecs/index.ts';
import { cleanupHostObjects, eventually, isRoot, sdkClient, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

// ECS tests run real containers: crun (Debian package) and root. A small image is built offline from the host's
// static busybox (Debian busybox-static): sh, httpd, nc, wget … in a 2 MB root filesystem.

export const BUSYBOX = '/usr/bin/busybox';
export const hasCrun = existsSync('/usr/bin/crun') || existsSync('/usr/local/bin/crun');

/** Why the real-container parts of a test cannot run here (false when they can). */
export const containerSkip: string | false = !isRoot ? 'needs root (namespaces, cgroups, the bridge)'
  : !hasCrun ? 'needs an OCI runtime: apt-get install crun'
  : !existsSync(BUSYBOX) ? 'needs a static busybox for the test image: apt-get install busybox-static'
  : false;

/** A busybox root filesystem with /www/index.html = `page`, /etc/passwd and a writable /tmp. */
export function buildBusyboxRootfs(dir: string, page = 'hello from busybox\n'): string {
  rmSync(dir, { recursive: true, force: true });
  for (const d of ['bin', 'etc', 'www', 'tmp', 'proc', 'sys', 'dev']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(BUSYBOX, join(dir, 'bin/busybox'));
  const applets = execFileSync(BUSYBOX, ['--list']).toString().split('\n').filter((a) => a && a !== 'busybox');
  for (const a of applets) symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nwww:x:33:33:www:/www:/bin/sh\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\nwww:x:33:\n');
  writeFileSync(join(dir, 'www/index.html'), page);
  return dir;
}

/** Imports a busybox image under `name` into the Nimbus data dir (default command: httpd on port 80). */
export async function importBusybox(dataDir: string, name: string, page?: string): Promise<void> {
  const root = buildBusyboxRootfs(join(dataDir, `rootfs-${name.replace(/[^a-z0-9]/gi, '_')}`), page);
  await new ImageStore(dataDir).import(root, { names: [name], config: { cmd: ['httpd', '-f', '-v', '-p', '80', '-h', '/www'] } });
  rmSync(root, { recursive: true, force: true });
}

export interface EcsTestNimbus extends TestNimbus {
  ecs: ECSClient;
  elb: ElasticLoadBalancingV2Client;
  logs: CloudWatchLogsClient;
  prefix: string;
}

/** A test Nimbus with fast ELB and container health checks and a 200-ms scheduler. */
export async function startEcsNimbus(): Promise<EcsTestNimbus> {
  process.env.NIMBUS_ELB_HEALTH_SCALE = '0.1';
  process.env.NIMBUS_ECS_HEALTH_SCALE = '0.1';
  const prefix = `nbt${process.pid % 100000}`;
  const t = await startTestNimbus();
  const ecs = sdkClient(ECSClient, t.endpoint);
  const elb = sdkClient(ElasticLoadBalancingV2Client, t.endpoint);
  const logs = sdkClient(CloudWatchLogsClient, t.endpoint);
  return {
    ...t, ecs, elb, logs, prefix,
    async close() {
      ecs.destroy();
      elb.destroy();
      logs.destroy();
      await t.close().catch(() => undefined);
      await cleanupHostObjects(prefix);
      rmSync(`/run/${prefix}/crun`, { recursive: true, force: true });
    },
  };
}

export async function defaultNetwork(ec2: EC2Client): Promise<{ vpc: string; subnets: string[] }> {
  const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!.map((s) => s.SubnetId!);
  const vpc = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs!.find((v) => v.IsDefault)!.VpcId!;
  return { vpc, subnets };
}

/** Polls DescribeTasks until `pred` holds for the task. */
export async function waitTask(ecs: ECSClient, cluster: string, arn: string, pred: (t: Task) => boolean, what: string, timeoutMs = 20_000): Promise<Task> {
  return eventually(async () => {
    const t = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [arn] }))).tasks?.[0];
    return t && pred(t) ? t : undefined;
  }, what, timeoutMs, 50);
}

export const taskIp = (t: Task) => t.attachments?.[0]?.details?.find((d) => d.name === 'privateIPv4Address')?.value;

export { ecsEngineOf, eventually };
