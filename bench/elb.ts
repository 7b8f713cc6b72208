// npm run bench:elb — requests/s and p50/p99 latency through a Nimbus application load balancer, vs straight to
// the same backends, vs HAProxy (Debian) in front of the same backends, in one run.
//
// Backends: 3 loopback node:http servers (keep-alive) in a child process of their own. Load: `wrk` (Debian) when
// available, else a node keep-alive client in a child process; fixed concurrency, BENCH_SECONDS per measure
// (default 5). Nimbus runs as its own process (`nimbus up`, plain processes so the load balancer listens on
// 127.0.0.1); HAProxy runs with one thread (Nimbus's proxy is one event loop) and keep-alive to the backends.
// Targets: ≥ 60% of HAProxy's throughput, < 1 ms added p50.
import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeTagsCommand, DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client, RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startNimbusProcess, stopProcess, table } from './support.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const isRoot = process.getuid?.() === 0;

const BACKENDS = `
const http = require('http');
const ports = [];
let n = 0;
for (let i = 0; i < 3; i++) {
  const s = http.createServer((q, r) => { r.setHeader('content-type', 'text/plain'); r.end('backend ' + i + '\\n'); });
  s.keepAliveTimeout = 65000;
  s.listen(0, '127.0.0.1', () => { ports[i] = s.address().port; if (++n === 3) process.stdout.write(JSON.stringify(ports) + '\\n'); });
}`;

// A keep-alive load generator (when wrk is missing): CONCURRENCY loops for SECONDS, one latency sample per request.
const LOADGEN = `
const http = require('http');
const [url, seconds, conc] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(conc) });
const lat = []; let errors = 0; const end = Date.now() + Number(seconds) * 1000;
function one() {
  if (Date.now() >= end) return Promise.resolve();
  const t0 = process.hrtime.bigint();
  return new Promise((res) => {
    http.get(url, { agent }, (r) => { r.resume(); r.on('end', () => { if (r.statusCode !== 200) errors++; lat.push(Number(process.hrtime.bigint() - t0) / 1e6); res(); }); })
      .on('error', () => { errors++; res(); });
  }).then(one);
}
Promise.all(Array.from({ length: Number(conc) }, one)).then(() => {
  lat.sort((a, b) => a - b);
  const p = (x) => lat[Math.min(lat.length - 1, Math.ceil(x / 100 * lat.length) - 1)];
  process.stdout.write(JSON.stringify({ rps: lat.length / Number(seconds), p50: p(50), p99: p(99), errors }));
  agent.destroy();
});`;

interface Result { rps: number; p50: number; p99: number; errors: number; tool: string }

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function ensure(pkg: string, cmd: string): boolean {
  if (have(cmd)) return true;
  if (!isRoot || !have('apt-get')) return false;
  console.log(`installing ${pkg} (apt-get)…`);
  const r = spawnSync('sh', ['-c', `DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg} >/dev/null 2>&1 || (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg} >/dev/null 2>&1)`], { stdio: 'inherit' });
  return r.status === 0 && have(cmd);
}

function ms(s: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(s.trim());
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

async function measure(url: string, useWrk: boolean): Promise<Result> {
  if (useWrk) {
    const out = execFileSync('wrk', ['-t1', `-c${CONCURRENCY}`, `-d${SECONDS}s`, '--latency', url], { encoding: 'utf8' });
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    const p50 = ms(/\s50%\s+(\S+)/.exec(out)?.[1] ?? '');
    const p99 = ms(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
    const errs = /Non-2xx or 3xx responses: (\d+)/.exec(out);
    const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const errors = (errs ? Number(errs[1]) : 0) + (sock ? sock.slice(1).reduce((a, x) => a + Number(x), 0) : 0);
    return { rps, p50, p99, errors, tool: 'wrk' };
  }
  const child = spawn(process.execPath, ['-e', LOADGEN, url, String(SECONDS), String(CONCURRENCY)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  await new Promise((r) => child.once('exit', r));
  return { ...(JSON.parse(out) as Omit<Result, 'tool'>), tool: 'node client' };
}

async function main() {
  const useWrk = ensure('wrk', 'wrk');
  const haproxyOk = ensure('haproxy', 'haproxy');
  const kids: ChildProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-bench-elb-'));
  let nimbus: ChildProcess | undefined;
  const results: Array<[string, Result | undefined, string]> = [];
  try {
    // 1. Backends.
    const be = spawn(process.execPath, ['-e', BACKENDS], { stdio: ['ignore', 'pipe', 'inherit'] });
    kids.push(be);
    const ports = await new Promise<number[]>((resolve) => be.stdout!.once('data', (c) => resolve(JSON.parse(String(c)))));

    // 2. Direct: straight to one backend (the three are identical servers in one process).
    results.push(['direct to a backend', await measure(`http://127.0.0.1:${ports[0]}/`, useWrk), 'no proxy: the floor']);

    // 3. Nimbus ALB.
    const port = await freePort();
    nimbus = await startNimbusProcess(port, dataDir, { NIMBUS_PLAIN_PROCESSES: '1', NIMBUS_NAME_PREFIX: 'nbe', NIMBUS_VPC_CIDR: '172.28.0.0/16', NIMBUS_ELB_HEALTH_SCALE: '0.1', NIMBUS_LOG_LEVEL: 'error' });
    const cfg = { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } };
    const ec2 = new EC2Client(cfg);
    const elb = new ElasticLoadBalancingV2Client(cfg);
    const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!.map((s) => s.SubnetId!);
    const vpc = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs![0]!.VpcId!;
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'bench', Subnets: subnets }))).LoadBalancers![0]!;
    const tg = (await elb.send(new CreateTargetGroupCommand({ Name: 'bench', Protocol: 'HTTP', Port: 80, VpcId: vpc, TargetType: 'ip', HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2 }))).TargetGroups![0]!;
    const l = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 8080, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] }))).Listeners![0]!;
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: ports.map((p) => ({ Id: '127.0.0.1', Port: p })) }));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const h = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions!;
      if (h.every((x) => x.TargetHealth?.State === 'healthy')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const endpoint = (await elb.send(new DescribeTagsCommand({ ResourceArns: [l.ListenerArn!] }))).TagDescriptions![0]!.Tags!.find((x) => x.Key === 'nimbus:endpoint')!.Value!;
    results.push(['Nimbus ALB (3 targets, round robin)', await measure(`${endpoint}/`, useWrk), process.env.NIMBUS_ELB_FAST === '0' ? 'node:http reverse proxy (NIMBUS_ELB_FAST=0)' : 'raw-socket HTTP/1.1 fast path, keep-alive pool per target']);
    ec2.destroy();
    elb.destroy();
    await stopProcess(nimbus);
    nimbus = undefined;

    // 4. HAProxy, same backends.
    if (haproxyOk) {
      const hport = await freePort();
      const conf = join(dataDir, 'haproxy.cfg');
      writeFileSync(conf, [
        'global', '  nbthread 1', '  maxconn 4000', 'defaults', '  mode http', '  timeout connect 5s', '  timeout client 60s', '  timeout server 60s',
        '  option http-keep-alive', '  http-reuse always', `frontend fe`, `  bind 127.0.0.1:${hport}`, '  default_backend be', 'backend be', '  balance roundrobin',
        ...ports.map((p, i) => `  server b${i} 127.0.0.1:${p}`), '',
      ].join('\n'));
      const hp = spawn('haproxy', ['-f', conf, '-db'], { stdio: ['ignore', 'ignore', 'inherit'] });
      kids.push(hp);
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        try {
          await (await fetch(`http://127.0.0.1:${hport}/`)).text();
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      results.push(['HAProxy 2.x (Debian, nbthread 1)', await measure(`http://127.0.0.1:${hport}/`, useWrk), 'same backends, roundrobin, http-reuse always']);
    } else {
      results.push(['HAProxy', undefined, 'not installed and not installable here (needs root + apt-get)']);
    }
  } finally {
    if (nimbus) await stopProcess(nimbus);
    for (const k of kids) k.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }

  const f = (n: number) => `${n.toFixed(2)} ms`;
  const rows = [['path', 'req/s', 'p50', 'p99', 'errors', 'notes']];
  for (const [name, r, note] of results) rows.push(r ? [name, r.rps.toFixed(0), f(r.p50), f(r.p99), String(r.errors), note] : [name, '-', '-', '-', '-', note]);
  console.log(`\nELB bench: ${CONCURRENCY} concurrent keep-alive connections, ${SECONDS} s per measure, load by ${results[0]?.[1]?.tool}\n`);
  console.log(table(rows));
  const direct = results[0]![1]!;
  const alb = results[1]![1]!;
  const hap = results[2]![1];
  console.log('');
  console.log(`added p50 through the ALB: ${(alb.p50 - direct.p50).toFixed(2)} ms (target < 1 ms)`);
  if (hap) console.log(`ALB throughput vs HAProxy: ${((alb.rps / hap.rps) * 100).toFixed(0)}% (target ≥ 60%); HAProxy added p50: ${(hap.p50 - direct.p50).toFixed(2)} ms`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
