// npm run bench:containers — ECS task start time on Fargate (a real OCI container run by crun in its own sandbox:
// cgroup, network namespace, veth, firewall, overlay root filesystem from an imported image).
// Peers in the same run: `crun run` of the same image with no Nimbus around it (the runtime floor: bundle already
// prepared, no network, no API), and — published, for context — Fargate's own task start (tens of seconds).
//   BENCH_TASKS (default 30) sequential tasks; BENCH_CONCURRENT (default 10) started at once.
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, DescribeTasksCommand, ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBusyboxRootfs } from '../test/ecs/support.ts';
import { firstAnswer, freePort, ms, percentile, startNimbusProcess, stopProcess, table } from './support.ts';

const TASKS = Number(process.env.BENCH_TASKS ?? 30);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 10);
const PREFIX = 'nbc';

function crunFloor(dataDir: string, rootfs: string, runs: number): number[] {
  const bundle = join(dataDir, 'floor-bundle');
  mkdirSync(bundle, { recursive: true });
  writeFileSync(join(bundle, 'config.json'), JSON.stringify({
    ociVersion: '1.0.2', process: { terminal: false, user: { uid: 0, gid: 0 }, args: ['/bin/true'], env: ['PATH=/bin'], cwd: '/' },
    root: { path: rootfs, readonly: true }, hostname: 'floor',
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }, { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] }],
    linux: { namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network' }] },
  }));
  const out: number[] = [];
  // Hybrid cgroup hosts need /sys/fs/cgroup/unified out of crun's way, as Nimbus's launcher does.
  const script = `umount /sys/fs/cgroup/unified 2>/dev/null; exec crun --root /run/${PREFIX}-floor --cgroup-manager=disabled run --bundle ${bundle} floor`;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`crun run failed (${r.status})`);
    out.push(performance.now() - t0);
  }
  rmSync(`/run/${PREFIX}-floor`, { recursive: true, force: true });
  return out;
}

/** The test image is built from Debian's static busybox: installed on demand, like bench:elb's HAProxy. */
function ensureBusybox(): boolean {
  if (existsSync('/usr/bin/busybox')) return true;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return false;
  console.log('installing busybox-static (apt-get)…');
  spawnSync('sh', ['-c', 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null 2>&1 || (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null 2>&1)'], { stdio: 'inherit' });
  return existsSync('/usr/bin/busybox');
}

async function main() {
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/crun') || !ensureBusybox()) {
    console.error('bench:containers needs root, crun (installed by npm run bench:containers as root) and busybox-static');
    process.exit(1);
  }
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-bench-containers-'));
  const rootfs = buildBusyboxRootfs(join(dataDir, 'rootfs'), 'ok\n');
  // The image goes in through the CLI, as a user would do it.
  execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'image', 'import', rootfs, '--name', 'bench:1', '--data-dir', dataDir], { stdio: 'inherit' });
  const floor = crunFloor(dataDir, rootfs, Math.min(TASKS, 20));

  const nimbus = await startNimbusProcess(port, dataDir, { NIMBUS_VPC_CIDR: '172.27.0.0/16', NIMBUS_NAME_PREFIX: PREFIX });
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  const ecs = new ECSClient({ endpoint, region: 'us-east-1', credentials });
  const ec2 = new EC2Client({ endpoint, region: 'us-east-1', credentials });
  const rows: string[][] = [['measure', 'p50', 'p95', 'n', 'notes']];
  try {
    const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!.map((s) => s.SubnetId!);
    const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'bench', Description: 'bench' }));
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    await ecs.send(new CreateClusterCommand({ clusterName: 'bench' }));
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'bench', requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512',
      containerDefinitions: [{ name: 'web', image: 'bench:1', command: ['httpd', '-f', '-p', '80', '-h', '/www'], portMappings: [{ containerPort: 80 }], stopTimeout: 1 }],
    }));
    const runTask = () => ecs.send(new RunTaskCommand({
      cluster: 'bench', taskDefinition: 'bench', launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups: [GroupId!] } },
    }));
    const untilRunning = async (arn: string): Promise<{ ip: string }> => {
      for (;;) {
        const t = (await ecs.send(new DescribeTasksCommand({ cluster: 'bench', tasks: [arn] }))).tasks![0]!;
        if (t.lastStatus === 'RUNNING') return { ip: t.attachments![0]!.details!.find((d) => d.name === 'privateIPv4Address')!.value! };
        if (t.lastStatus === 'STOPPED') throw new Error(`task stopped: ${t.stoppedReason}`);
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    const stop = (arn: string) => ecs.send(new StopTaskCommand({ cluster: 'bench', task: arn }));

    // Warm-up (first-time costs: image cache, cgroup hierarchy).
    const w = (await runTask()).tasks![0]!.taskArn!;
    await untilRunning(w);
    await stop(w);

    const api: number[] = [];
    const running: number[] = [];
    const http: number[] = [];
    for (let i = 0; i < TASKS; i++) {
      const t0 = performance.now();
      const arn = (await runTask()).tasks![0]!.taskArn!;
      api.push(performance.now() - t0);
      const { ip } = await untilRunning(arn);
      running.push(performance.now() - t0);
      http.push((await firstAnswer(`http://${ip}/`)) - t0);
      await stop(arn);
    }

    const concurrent: number[] = [];
    const c0 = performance.now();
    const arns = await Promise.all(Array.from({ length: CONCURRENT }, () => runTask().then((r) => r.tasks![0]!.taskArn!)));
    await Promise.all(arns.map(async (arn) => {
      await untilRunning(arn);
      concurrent.push(performance.now() - c0);
    }));
    const allRunning = performance.now() - c0;
    await Promise.all(arns.map(stop));

    rows.push(['crun run /bin/true (runtime floor)', ms(percentile(floor, 50)), ms(percentile(floor, 95)), String(floor.length), 'prepared bundle, no overlay/cgroup/veth/API']);
    rows.push(['Nimbus: RunTask → task RUNNING', ms(percentile(running, 50)), ms(percentile(running, 95)), String(running.length), 'Fargate, awsvpc: target p50 < 200 ms']);
    rows.push(['Nimbus: RunTask → HTTP 200 from the task IP', ms(percentile(http, 50)), ms(percentile(http, 95)), String(http.length), 'busybox httpd in the container']);
    rows.push(['Nimbus: RunTask API round trip', ms(percentile(api, 50)), ms(percentile(api, 95)), String(api.length), 'answers PROVISIONING']);
    rows.push([`Nimbus: ${CONCURRENT} RunTask at once → each RUNNING`, ms(percentile(concurrent, 50)), ms(percentile(concurrent, 95)), String(concurrent.length), `all RUNNING after ${ms(allRunning)}`]);
    rows.push(['AWS Fargate (published)', '~30000–60000 ms', '', '', 'task launch, image pull included']);
    console.log(`\nECS task start (${new Date().toISOString().slice(0, 10)}, ${TASKS} sequential tasks)\n`);
    console.log(table(rows));
  } finally {
    ecs.destroy();
    ec2.destroy();
    await stopProcess(nimbus);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
