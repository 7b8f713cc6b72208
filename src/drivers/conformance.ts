import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, httpGet } from '../core/wait.ts';
import type { Driver, DriverCapabilities, ExitInfo, WorkloadHandle, WorkloadSpec } from './driver.ts';

// The one suite every driver passes (process today, VM and container later). It only uses the
// Driver contract; what a driver cannot do on this host (no root → no isolation) is skipped with
// the reason, never silently. Each case stops what it started; after() removes everything else,
// even when a case failed half-way.

export interface ConformanceOptions {
  /** Skip reason for cases needing isolation, private networking and limits; false runs them. */
  isolatedSkip: string | false;
  /** Where workloads' state directories go (a fresh temporary directory). */
  dataDir: string;
  /** The test subnet: instances get `${subnet}.<n>`; the gateway is the bridge. */
  network: { subnet: string; prefixLength: number; gateway: string };
  /** The metadata address the driver puts on the bridge (checked reachable from inside). */
  metadataAddress?: string;
  /** Host objects still present for the test prefix (netns, veths, cgroups; not the bridge). */
  leftovers?: () => Promise<string[]>;
  /** Removes everything under the test prefix; runs in after() whatever happened. */
  cleanup?: () => Promise<void>;
  /** Host binary used for servers/allocations inside workloads (default: this node). */
  node?: string;
}

export function runDriverConformance(name: string, makeDriver: () => Promise<Driver>, opts: ConformanceOptions): void {
  const node = opts.node ?? process.execPath;
  const iso = { skip: opts.isolatedSkip };
  const owners = new Map<string, Driver>();
  const drivers: Driver[] = [];
  const exits: ExitInfo[] = [];
  const hostFiles: string[] = [];
  let driver: Driver;
  let caps: DriverCapabilities;
  let nextIp = 10;

  async function fresh(): Promise<Driver> {
    const d = await makeDriver();
    drivers.push(d);
    await d.init();
    d.onExit((info) => exits.push(info));
    return d;
  }

  function spec(over: Partial<WorkloadSpec> & { userData?: Buffer } = {}): WorkloadSpec {
    const id = `i-0${randomBytes(8).toString('hex')}`;
    const stateDir = join(opts.dataDir, 'instances', id);
    mkdirSync(stateDir, { recursive: true });
    const n = nextIp++;
    const ip = `${opts.network.subnet}.${n}`;
    return {
      id, hostname: `ip-${ip.replace(/\./g, '-')}`, vcpus: 1, memoryMiB: 256, stateDir, env: { NIMBUS_TEST: '1' },
      network: { ip, prefixLength: opts.network.prefixLength, gateway: opts.network.gateway, mac: `02:00:00:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}` },
      ingress: [{ protocol: '-1', cidrs: ['0.0.0.0/0'] }], volumes: [], ...over,
    };
  }

  async function start(d: Driver, s: WorkloadSpec): Promise<WorkloadHandle> {
    owners.set(s.id, d);
    return d.start(s);
  }

  /** Cases that check for leftovers start from a clean slate even if an earlier case failed. */
  async function stopAll(): Promise<void> {
    await Promise.allSettled([...owners].map(([id, d]) => d.stop(id, { graceMs: 0 })));
    owners.clear();
  }

  async function stop(s: WorkloadSpec): Promise<void> {
    await owners.get(s.id)?.stop(s.id, { graceMs: 500 });
    owners.delete(s.id);
  }

  const httpServer = (body: string) => Buffer.from(`#!/bin/sh\nexec ${node} -e 'require("http").createServer((q,s)=>s.end(${JSON.stringify(body)})).listen(Number(process.argv[1]||80))'\n`);
  const consoleOf = (s: WorkloadSpec) => (existsSync(join(s.stateDir, 'console.log')) ? readFileSync(join(s.stateDir, 'console.log'), 'utf8') : '');

  describe(`driver conformance: ${name}`, () => {
    before(async () => {
      driver = await fresh();
      caps = driver.capabilities();
    });

    after(async () => {
      await Promise.allSettled([...owners].map(([id, d]) => d.stop(id, { graceMs: 0 })));
      for (const d of drivers) await d.shutdown({ stopWorkloads: true }).catch(() => undefined);
      for (const f of hostFiles) rmSync(f, { force: true, recursive: true });
      await opts.cleanup?.();
    });

    test('init() reports what the host allows', () => {
      assert.equal(typeof caps.driver, 'string');
      if (opts.isolatedSkip === false) {
        assert.notEqual(caps.isolation, 'none');
        assert.equal(caps.resourceLimits, true);
        assert.equal(caps.privateNetwork, true);
        assert.equal(caps.firewall, true, caps.warnings.join('; '));
      } else {
        assert.ok(caps.warnings.length > 0, 'a degraded driver explains why');
      }
    });

    test('boots: user data runs with the env, its output is in the console log, exec runs inside', async () => {
      const marker = `/tmp/nimbus-ud-${randomBytes(4).toString('hex')}`;
      hostFiles.push(marker);
      const s = spec({ userData: Buffer.from(`#!/bin/sh\necho "ud-console NIMBUS_TEST=$NIMBUS_TEST"\necho written > ${marker}\n`) });
      const h = await start(driver, s);
      assert.equal(h.id, s.id);
      assert.ok(h.pid > 0 && h.token.length > 0);
      assert.equal(driver.isRunning(s.id), true);
      await eventually(() => consoleOf(s).includes('ud-console NIMBUS_TEST=1'), 'user data output in the console log');
      const cat = await eventually(async () => {
        const r = await driver.exec(s.id, ['cat', marker]);
        return r.code === 0 ? r : undefined;
      }, 'the file user data wrote');
      assert.equal(cat.stdout.trim(), 'written');
      const withInput = await driver.exec(s.id, ['sh', '-c', 'cat; echo "env=$NIMBUS_TEST"'], { input: 'from-stdin ' });
      assert.equal(withInput.stdout.trim(), 'from-stdin env=1');
      const failing = await driver.exec(s.id, ['sh', '-c', 'echo oops >&2; exit 3']);
      assert.deepEqual([failing.code, failing.stderr.trim()], [3, 'oops']);
      const timedOut = await driver.exec(s.id, ['sleep', '30'], { timeoutMs: 300 });
      assert.notEqual(timedOut.code, 0);
      assert.ok(driver.shellCommand(s.id).length > 0);
      await stop(s);
    });

    test('the instance has its hostname, vcpus as nproc and its memory as MemTotal', iso, async () => {
      const s = spec({ vcpus: 1, memoryMiB: 384 });
      await start(driver, s);
      const r = await driver.exec(s.id, ['sh', '-c', 'hostname; nproc; grep MemTotal /proc/meminfo']);
      const [host, nproc, mem] = r.stdout.trim().split('\n');
      assert.equal(host, s.hostname);
      assert.equal(Number(nproc), 1);
      assert.match(mem, new RegExp(`\\b${384 * 1024} kB`));
      const stats = await driver.stats(s.id);
      assert.ok(stats, 'stats for a running workload');
      assert.equal(stats!.memoryLimitBytes, 384 * 1024 * 1024);
      await stop(s);
    });

    test('private IPs: two workloads both serve port 80, reachable from the host', iso, async () => {
      const a = spec({ userData: httpServer('server-a') });
      const b = spec({ userData: httpServer('server-b') });
      await Promise.all([start(driver, a), start(driver, b)]);
      assert.equal((await eventually(() => httpGet(`http://${a.network!.ip}/`), 'server a')).body, 'server-a');
      assert.equal((await eventually(() => httpGet(`http://${b.network!.ip}/`), 'server b')).body, 'server-b');
      await Promise.all([stop(a), stop(b)]);
      assert.equal(await httpGet(`http://${a.network!.ip}/`, 300), undefined, 'a stopped workload no longer answers');
    });

    test('the metadata address (port 80) reaches the host service the driver names', { skip: opts.isolatedSkip || (!opts.metadataAddress && 'no metadata address') }, async () => {
      // Drivers say where IMDS must listen (capabilities().metadataListen); the workload dials the
      // fixed metadata address on port 80 and must land there, seen from its own private IP.
      const listen = driver.capabilities().metadataListen;
      assert.ok(listen, 'a driver with private networking names where IMDS listens');
      const server = createServer((q, r) => r.end(`imds-for-${q.socket.remoteAddress}`));
      await new Promise<void>((r) => server.listen(listen.port, listen.host, r));
      try {
        const s = spec();
        await start(driver, s);
        const r = await driver.exec(s.id, [node, '-e', `fetch("http://${opts.metadataAddress}/").then(r=>r.text()).then(console.log)`]);
        assert.equal(r.stdout.trim(), `imds-for-${s.network!.ip}`, r.stderr);
        await stop(s);
      } finally {
        server.close();
      }
    });

    test('setIngress drops a port, then admits it; revoking closes it again', iso, async () => {
      const s = spec({
        userData: Buffer.from(`#!/bin/sh\n${node} -e 'require("http").createServer((q,s)=>s.end("p80")).listen(80)' &\nexec ${node} -e 'require("http").createServer((q,s)=>s.end("p8080")).listen(8080)'\n`),
        ingress: [{ protocol: 'tcp', fromPort: 80, toPort: 80, cidrs: ['0.0.0.0/0'] }],
      });
      const ip = s.network!.ip;
      await start(driver, s);
      assert.equal((await eventually(() => httpGet(`http://${ip}/`), 'port 80')).body, 'p80');
      await eventually(async () => (await driver.exec(s.id, [node, '-e', 'fetch("http://127.0.0.1:8080").then(r=>r.text()).then(console.log)'])).stdout.includes('p8080'), '8080 inside');
      const t0 = Date.now();
      assert.equal(await httpGet(`http://${ip}:8080/`, 700), undefined, 'blocked port');
      assert.ok(Date.now() - t0 < 2000);
      await driver.setIngress(s.id, [
        { protocol: 'tcp', fromPort: 80, toPort: 80, cidrs: ['0.0.0.0/0'] },
        { protocol: 'tcp', fromPort: 8000, toPort: 8100, cidrs: [`${opts.network.gateway}/32`] },
      ]);
      assert.equal((await httpGet(`http://${ip}:8080/`))?.body, 'p8080');
      await driver.setIngress(s.id, [{ protocol: 'tcp', fromPort: 8080, toPort: 8080, cidrs: ['10.9.9.0/24'] }]);
      assert.equal(await httpGet(`http://${ip}/`, 700), undefined, 'revoked port 80');
      assert.equal(await httpGet(`http://${ip}:8080/`, 700), undefined, 'source not allowed');
      // Outbound traffic stays allowed, and replies come back in.
      const out = await driver.exec(s.id, [node, '-e', `require("net").connect(47999, "${opts.network.gateway}").on("error", (e) => console.log(e.code))`], { timeoutMs: 5000 });
      assert.equal(out.stdout.trim(), 'ECONNREFUSED');
      await stop(s);
    });

    test('the memory limit is enforced: an allocation past it is OOM-killed and counted', iso, async () => {
      const s = spec({ memoryMiB: 128 });
      await start(driver, s);
      const r = await driver.exec(s.id, [node, '-e', 'const a=[];for(;;)a.push(Buffer.alloc(1<<20,1))'], { timeoutMs: 30_000 });
      assert.notEqual(r.code, 0);
      const stats = await eventually(async () => {
        const st = await driver.stats(s.id);
        return st && st.oomKills >= 1 ? st : undefined;
      }, 'oom kill count');
      assert.ok(stats.memoryLimitBytes <= 128 * 1024 * 1024);
      assert.equal(driver.isRunning(s.id), true, 'the workload outlives a killed process');
      await stop(s);
    });

    test('volumes: mounted at boot, attached and detached while running', iso, async () => {
      const volA = join(opts.dataDir, 'volumes', 'vol-a');
      const volB = join(opts.dataDir, 'volumes', 'vol-b');
      mkdirSync(volA, { recursive: true });
      mkdirSync(volB, { recursive: true });
      writeFileSync(join(volA, 'a.txt'), 'from-a');
      writeFileSync(join(volB, 'b.txt'), 'from-b');
      const s = spec({ volumes: [{ volumeId: 'vol-a', hostPath: volA, mountPath: '/tmp/vol-a', sizeGiB: 1, device: '/dev/sdf' }] });
      await start(driver, s);
      assert.equal((await driver.exec(s.id, ['cat', '/tmp/vol-a/a.txt'])).stdout, 'from-a');
      const b = { volumeId: 'vol-b', hostPath: volB, mountPath: '/tmp/vol-b', sizeGiB: 2, device: '/dev/sdg' };
      await driver.attachVolume(s.id, b);
      const w = await driver.exec(s.id, ['sh', '-c', 'cat /tmp/vol-b/b.txt && mkdir -p /tmp/vol-b/d && echo inside > /tmp/vol-b/d/new.txt']);
      assert.equal(w.stdout, 'from-b', w.stderr);
      // A snapshot's view while attached: drivers whose volumes are disks copy them back first.
      await driver.flushVolumes?.(s.id);
      assert.equal(readFileSync(join(volB, 'd', 'new.txt'), 'utf8').trim(), 'inside', 'written inside, seen on the host after a flush');
      assert.equal((await driver.exec(s.id, ['sh', '-c', 'echo more >> /tmp/vol-b/d/new.txt && cat /tmp/vol-b/d/new.txt'])).stdout, 'inside\nmore\n', 'still writable after the flush');
      await driver.detachVolume(s.id, b);
      assert.equal((await driver.exec(s.id, ['sh', '-c', 'test -e /tmp/vol-b/b.txt && echo present || echo absent'])).stdout.trim(), 'absent');
      assert.equal(readFileSync(join(volB, 'd', 'new.txt'), 'utf8'), 'inside\nmore\n', 'the files are in the volume after detach');
      // Attached again (to the same workload): the files come back.
      await driver.attachVolume(s.id, b);
      assert.equal((await driver.exec(s.id, ['cat', '/tmp/vol-b/d/new.txt'])).stdout, 'inside\nmore\n');
      await driver.detachVolume(s.id, b);
      const a = await driver.exec(s.id, ['sh', '-c', 'echo at-stop > /tmp/vol-a/stop.txt']);
      assert.equal(a.code, 0, a.stderr);
      await stop(s);
      assert.equal(readFileSync(join(volA, 'stop.txt'), 'utf8'), 'at-stop\n', 'what was written before stop is in the volume afterwards');
    });

    test('stop() ends the workload, frees its resources and fires no exit event', async () => {
      await stopAll();
      const s = spec({ userData: Buffer.from('#!/bin/sh\nsleep 1000 &\nexec sleep 1000\n') });
      const h = await start(driver, s);
      const before = exits.length;
      await driver.stop(s.id, { graceMs: 1000 });
      owners.delete(s.id);
      assert.equal(driver.isRunning(s.id), false);
      assert.throws(() => process.kill(h.pid, 0), 'the main process is gone');
      await driver.stop(s.id);
      await driver.stop('i-0000000000unknown');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(exits.length, before, 'no exit event for a requested stop');
      if (opts.leftovers) assert.deepEqual(await opts.leftovers(), [], 'no host objects left');
    });

    test('adopt(): a new driver instance re-attaches to a running workload', async () => {
      await stopAll();
      const first = await fresh();
      const volC = join(opts.dataDir, 'volumes', 'vol-c');
      mkdirSync(volC, { recursive: true });
      const c = { volumeId: 'vol-c', hostPath: volC, mountPath: '/tmp/vol-c', sizeGiB: 1, device: '/dev/sdh' };
      const s = spec({ userData: httpServer('adopted') });
      const h = await start(first, s);
      if (!opts.isolatedSkip) await eventually(() => httpGet(`http://${s.network!.ip}/`), 'server before restart');
      // (Volumes need isolation: plain processes have no mount namespace.)
      if (!opts.isolatedSkip) {
        await first.attachVolume(s.id, c);
        assert.equal((await first.exec(s.id, ['sh', '-c', 'echo before-restart > /tmp/vol-c/f.txt'])).code, 0);
      }
      // "Nimbus restarts": the old instance lets go without stopping anything.
      await first.shutdown({ stopWorkloads: false });
      const second = await fresh();
      assert.equal(await second.adopt(h, s), true);
      owners.set(s.id, second);
      assert.equal(second.isRunning(s.id), true);
      assert.equal((await second.exec(s.id, ['echo', 'still-here'])).stdout.trim(), 'still-here');
      // A volume attached before the restart is detached by the adopting driver, its files in the volume.
      if (!opts.isolatedSkip) {
        await second.detachVolume(s.id, c);
        assert.equal(readFileSync(join(volC, 'f.txt'), 'utf8'), 'before-restart\n');
      }
      if (!opts.isolatedSkip) {
        assert.equal((await httpGet(`http://${s.network!.ip}/`))?.body, 'adopted');
        assert.ok(await second.stats(s.id));
      }
      await stop(s);
      assert.throws(() => process.kill(h.pid, 0), 'stopped by the adopting driver');
      assert.equal(await second.adopt(h, s), false, 'a gone workload is not adopted');
      const bogus = { ...h, token: 'not-a-token' };
      assert.equal(await second.adopt(bogus, spec()), false);
      if (opts.leftovers) assert.deepEqual(await opts.leftovers(), []);
    });

    test('an exit nobody asked for fires onExit once and frees resources', async () => {
      await stopAll();
      const s = spec({ userData: Buffer.from('#!/bin/sh\nexec sleep 1000\n') });
      const h = await start(driver, s);
      const before = exits.length;
      process.kill(h.pid, 'SIGKILL');
      const info = await eventually(() => exits.slice(before).find((e) => e.id === s.id), 'exit event');
      owners.delete(s.id);
      assert.equal(info.signal ?? String(info.code), 'SIGKILL');
      assert.equal(info.oomKilled, false);
      assert.equal(driver.isRunning(s.id), false);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(exits.filter((e) => e.id === s.id).length, 1);
      if (opts.leftovers) assert.deepEqual(await opts.leftovers(), []);
    });

    test('shutting down from inside (init gets SIGTERM) is an exit too', iso, async () => {
      const s = spec();
      await start(driver, s);
      const before = exits.length;
      await driver.exec(s.id, ['kill', '-TERM', '1']);
      const info = await eventually(() => exits.slice(before).find((e) => e.id === s.id), 'exit event');
      owners.delete(s.id);
      assert.equal(info.code, 0);
      assert.equal(driver.isRunning(s.id), false);
    });

    test('start latency (10 concurrent instances, to first HTTP answer when networked)', async (t) => {
      const specs = Array.from({ length: 10 }, () => spec({ userData: httpServer('fast') }));
      const startMs: number[] = [];
      const httpMs: number[] = [];
      await Promise.all(specs.map(async (s) => {
        const t0 = performance.now();
        await start(driver, s);
        startMs.push(performance.now() - t0);
        if (opts.isolatedSkip) return;
        await eventually(() => httpGet(`http://${s.network!.ip}/`, 500), 'server', 15_000, 5);
        httpMs.push(performance.now() - t0);
      }));
      const p50 = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]?.toFixed(1);
      const seq: number[] = [];
      for (let i = 0; i < 3; i++) {
        const s = spec();
        const t0 = performance.now();
        await start(driver, s);
        seq.push(performance.now() - t0);
        await stop(s);
      }
      t.diagnostic(`start() p50 concurrent=${p50(startMs)} ms, sequential=${p50(seq)} ms; start→HTTP p50=${p50(httpMs) ?? 'n/a'} ms`);
      await Promise.all(specs.map(stop));
    });
  });
}

