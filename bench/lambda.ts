// npm run bench:lambda — Lambda cold start p50/p99, warm invoke p50/p99 and invocations/s for an empty Node handler
// (`exports.handler = async () => ({})`), through @aws-sdk/client-lambda against `nimbus up` (its own process, as a
// user runs it), side by side in the same run with:
//   - serverless-offline (when installed: `serverless` v3 + `serverless-offline` resolvable from this project or
//     BENCH_SLS_DIR) invoking the same handler through its Lambda-compatible invoke endpoint, same client stack;
//   - the floor: a bare node:http server (its own process) calling the handler in-process — no sandbox, no runtime.
// Cold start = an Invoke that must boot a new execution environment (each cold sample invokes a new function).
// Targets (issue 4): cold p50 < 100 ms (AWS Node ≈ 144 ms, LocalStack ≈ 0.7–7 s), warm p50 < 2 ms, throughput above
// serverless-offline's.
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeZip } from '../src/engines/functions/zip.ts';
import { freePort, ms, percentile, startNimbusProcess, stopProcess, table } from './support.ts';

const COLD = Number(process.env.BENCH_COLD ?? 30);
const WARM = Number(process.env.BENCH_WARM ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const HANDLER = 'exports.handler = async () => ({});\n';
const ROLE = 'arn:aws:iam::000000000000:role/bench';

function client(endpoint: string): LambdaClient {
  return new LambdaClient({
    endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 1,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 }) },
  });
}

async function closedLoop(workers: number, seconds: number, op: () => Promise<unknown>): Promise<{ perSec: number; lat: number[] }> {
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: workers }, async () => {
    while (performance.now() < end) {
      const s = performance.now();
      await op();
      lat.push(performance.now() - s);
    }
  }));
  return { perSec: lat.length / ((performance.now() - t0) / 1000), lat };
}

async function timed(op: () => Promise<unknown>): Promise<number> {
  const s = performance.now();
  await op();
  return performance.now() - s;
}

interface Row {
  name: string;
  cold?: number[];
  warm: number[];
  perSec: number;
}

async function measureNimbus(): Promise<Row> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-bench-lambda-'));
  const nimbus = await startNimbusProcess(port, dataDir, { NIMBUS_NAME_PREFIX: `nbb${process.pid % 10000}`, NIMBUS_VPC_CIDR: `10.${100 + (process.pid % 150)}.0.0/16` });
  const lambda = client(`http://127.0.0.1:${port}`);
  try {
    const zip = writeZip({ 'index.js': HANDLER });
    const cold: number[] = [];
    for (let i = 0; i < COLD + 2; i++) {
      const name = `cold-${i}`;
      await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zip } }));
      const t = await timed(() => lambda.send(new InvokeCommand({ FunctionName: name })));
      if (i >= 2) cold.push(t); // the first two warm up the client and Nimbus's code paths
    }
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'warm', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zip } }));
    for (let i = 0; i < 50; i++) await lambda.send(new InvokeCommand({ FunctionName: 'warm' }));
    const warm: number[] = [];
    for (let i = 0; i < WARM; i++) warm.push(await timed(() => lambda.send(new InvokeCommand({ FunctionName: 'warm' }))));
    const tp = await closedLoop(CONCURRENCY, SECONDS, () => lambda.send(new InvokeCommand({ FunctionName: 'warm' })));
    return { name: 'Nimbus (sandboxed, Runtime API)', cold, warm, perSec: tp.perSec };
  } finally {
    lambda.destroy();
    await stopProcess(nimbus);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The floor: node:http calling the handler in-process, answering like Lambda's Invoke. */
async function measureBare(): Promise<Row> {
  const port = await freePort();
  const src = `const h = (m => { ${HANDLER.replace('exports.handler', 'm.exports.handler')}; return m.exports.handler; })({ exports: {} });
require('http').createServer((q, s) => { const c = []; q.on('data', (x) => c.push(x)); q.on('end', async () => { const out = JSON.stringify(await h(JSON.parse(Buffer.concat(c).toString() || '{}'))); s.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST', 'content-length': Buffer.byteLength(out) }); s.end(out); }); }).listen(${port}, '127.0.0.1', () => console.log('ready'));`;
  const child = spawn(process.execPath, ['-e', src], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  const lambda = client(`http://127.0.0.1:${port}`);
  try {
    for (let i = 0; i < 50; i++) await lambda.send(new InvokeCommand({ FunctionName: 'bare' }));
    const warm: number[] = [];
    for (let i = 0; i < WARM; i++) warm.push(await timed(() => lambda.send(new InvokeCommand({ FunctionName: 'bare' }))));
    const tp = await closedLoop(CONCURRENCY, SECONDS, () => lambda.send(new InvokeCommand({ FunctionName: 'bare' })));
    return { name: 'floor: bare node:http, handler in-process', warm, perSec: tp.perSec };
  } finally {
    lambda.destroy();
    child.kill('SIGTERM');
  }
}

/**
 * serverless-offline, the peer: installed on demand from bench/peers/serverless-offline (pinned in its own
 * lockfile, kept out of Nimbus's dependencies because serverless v3 is large), or BENCH_SLS_DIR.
 */
async function measureServerlessOffline(): Promise<Row | string> {
  const peerDir = new URL('./peers/serverless-offline/', import.meta.url).pathname;
  const root = process.env.BENCH_SLS_DIR ?? peerDir;
  const sls = join(root, 'node_modules', 'serverless', 'bin', 'serverless.js');
  if (!existsSync(sls) && !process.env.BENCH_SLS_DIR) {
    console.error('[bench] installing the serverless-offline peer (npm ci in bench/peers/serverless-offline)…');
    spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: peerDir, stdio: 'inherit' });
  }
  if (!existsSync(sls) || !existsSync(join(root, 'node_modules', 'serverless-offline'))) {
    return `serverless-offline could not be installed in ${root} (npm ci failed; or set BENCH_SLS_DIR=<dir with serverless@3 and serverless-offline>)`;
  }
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-bench-sls-'));
  const port = await freePort();
  const lambdaPort = await freePort();
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  writeFileSync(join(dir, 'index.js'), HANDLER);
  writeFileSync(join(dir, 'serverless.yml'), [
    'service: bench', 'frameworkVersion: "3"', 'provider:', '  name: aws', '  runtime: nodejs20.x', '  region: us-east-1',
    'plugins:', `  - ${join(root, 'node_modules', 'serverless-offline')}`,
    'custom:', '  serverless-offline:', `    httpPort: ${port}`, `    lambdaPort: ${lambdaPort}`, '    noPrependStageInUrl: true',
    'functions:', '  empty:', '    handler: index.handler', '',
  ].join('\n'));
  let child: ChildProcess | undefined;
  try {
    child = spawn(process.execPath, [sls, 'offline', 'start'], {
      cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' },
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`serverless-offline did not start: ${out.slice(-500)}`)), 60_000);
      const on = (c: Buffer) => {
        out += c;
        if (/Server ready|Offline \[http for lambda\] listening/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child!.stdout!.on('data', on);
      child!.stderr!.on('data', on);
      child!.once('exit', (code) => reject(new Error(`serverless-offline exited ${code}: ${out.slice(-500)}`)));
    });
    const lambda = client(`http://127.0.0.1:${lambdaPort}`);
    try {
      const fn = 'bench-dev-empty';
      const cold = [await timed(() => lambda.send(new InvokeCommand({ FunctionName: fn })))];
      for (let i = 0; i < 50; i++) await lambda.send(new InvokeCommand({ FunctionName: fn }));
      const warm: number[] = [];
      for (let i = 0; i < WARM; i++) warm.push(await timed(() => lambda.send(new InvokeCommand({ FunctionName: fn }))));
      const tp = await closedLoop(CONCURRENCY, SECONDS, () => lambda.send(new InvokeCommand({ FunctionName: fn })));
      return { name: 'serverless-offline (in-process handler)', cold, warm, perSec: tp.perSec };
    } finally {
      lambda.destroy();
    }
  } catch (err) {
    return `serverless-offline failed: ${(err as Error).message}`;
  } finally {
    if (child && child.exitCode === null) await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

const nimbus = await measureNimbus();
const sls = await measureServerlessOffline();
const bare = await measureBare();
const rows: string[][] = [['', 'cold p50', 'cold p99', 'warm p50', 'warm p99', 'invocations/s']];
for (const r of [nimbus, ...(typeof sls === 'string' ? [] : [sls]), bare]) {
  rows.push([
    r.name, r.cold?.length ? ms(percentile(r.cold, 50)) : '-', r.cold && r.cold.length > 1 ? ms(percentile(r.cold, 99)) : '-',
    ms(percentile(r.warm, 50)), ms(percentile(r.warm, 99)), r.perSec.toFixed(0),
  ]);
}
console.log(`Lambda: empty Node handler, ${COLD} cold starts, ${WARM} sequential warm invokes, ${CONCURRENCY} concurrent invokers for ${SECONDS} s`);
console.log(table(rows));
if (typeof sls === 'string') console.log(`(${sls})`);
const coldP50 = percentile(nimbus.cold!, 50);
const warmP50 = percentile(nimbus.warm, 50);
console.log(`targets: cold p50 < 100 ms: ${coldP50 < 100 ? 'met' : 'MISSED'} (${ms(coldP50)}); warm p50 < 2 ms: ${warmP50 < 2 ? 'met' : 'MISSED'} (${ms(warmP50)})` +
  (typeof sls === 'string' ? '' : `; throughput above serverless-offline: ${nimbus.perSec > sls.perSec ? 'met' : 'MISSED'}`));
