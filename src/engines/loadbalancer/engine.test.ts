import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { ManualScheduler } from '../queue/scheduler.ts';
import { LoopbackAddresses } from './address.ts';
import { LoadBalancerEngine } from './engine.ts';
import type { HealthCheckSpec, TargetGroupSpec } from './types.ts';

// The engine alone, with health checks driven by a manual scheduler: no waiting on real intervals.

interface Backend { server: Server; port: number; healthy: boolean; hits: number; slow: number }

async function backend(name: string): Promise<Backend> {
  const b: Backend = { server: createServer(), port: 0, healthy: true, hits: 0, slow: 0 };
  b.server.on('request', (q, s) => {
    if (q.url === '/health') {
      s.statusCode = b.healthy ? 200 : 500;
      s.end();
      return;
    }
    b.hits += 1;
    const wait = q.url === '/slow' ? b.slow : 0;
    setTimeout(() => s.end(`${name} ${q.headers['x-forwarded-for']} ${q.headers['x-forwarded-port']}`), wait);
  });
  await new Promise<void>((r) => b.server.listen(0, '127.0.0.1', r));
  b.port = (b.server.address() as { port: number }).port;
  return b;
}

function get(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject).end();
  });
}

const hc: HealthCheckSpec = { enabled: true, protocol: 'HTTP', port: 'traffic-port', path: '/health', intervalSeconds: 5, timeoutSeconds: 2, healthyThreshold: 2, unhealthyThreshold: 2, matcher: '200' };

describe('load balancer engine', () => {
  const clock = new ManualClock();
  const sched = new ManualScheduler(clock);
  let engine: LoadBalancerEngine;
  let backends: Backend[];
  let port: number;
  const tgArn = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef';
  const spec: TargetGroupSpec = {
    arn: tgArn, name: 'web', dimension: 'targetgroup/web/0123456789abcdef', protocol: 'HTTP', port: 80, targetType: 'ip', healthCheck: hc,
    deregistrationDelaySeconds: 30, slowStartSeconds: 0, algorithm: 'round_robin', stickiness: { enabled: false, durationSeconds: 86400 },
  };
  const tick = async (ms: number) => {
    sched.advance(ms);
    await engine.settled();
  };

  before(async () => {
    backends = await Promise.all(['a', 'b', 'c'].map(backend));
    engine = new LoadBalancerEngine({ clock, scheduler: sched, log: silentLogger, addresses: new LoopbackAddresses(), portFallback: true, resolver: { instance: () => undefined } });
    engine.putTargetGroup(spec);
    engine.putLoadBalancer({ arn: 'lb1', name: 'lb', dimension: 'app/lb/1', type: 'application', zones: ['us-east-1a'], address: '127.0.0.1', idleTimeoutSeconds: 60, crossZone: true, dropInvalidHeaders: false, xffMode: 'append' });
    const bound = await engine.putListener({ arn: 'l1', lbArn: 'lb1', protocol: 'HTTP', port: 0, defaultAction: { type: 'forward', targetGroups: [{ arn: tgArn, weight: 1 }] }, rules: [] });
    port = bound.port;
  });
  after(async () => {
    await engine.close();
    for (const b of backends) b.server.close();
  });

  test('nothing registered → 503; new targets are initial until they pass the healthy threshold', async () => {
    assert.equal((await get(port)).status, 503);
    engine.registerTargets(tgArn, backends.map((b) => ({ id: '127.0.0.1', port: b.port })));
    assert.deepEqual(engine.targetHealth(tgArn).map((t) => [t.state, t.reason]), Array(3).fill(['initial', 'Elb.RegistrationInProgress']));
    await tick(0);
    assert.deepEqual(engine.targetHealth(tgArn).map((t) => [t.state, t.reason]), Array(3).fill(['initial', 'Elb.InitialHealthChecking']));
    assert.equal((await get(port)).status, 503, 'initial targets get no traffic');
    await tick(5000);
    assert.deepEqual(engine.targetHealth(tgArn).map((t) => t.state), ['healthy', 'healthy', 'healthy']);
  });

  test('round robin spreads evenly; headers are added', async () => {
    for (const b of backends) b.hits = 0;
    const bodies: string[] = [];
    for (let i = 0; i < 30; i++) bodies.push((await get(port)).body);
    assert.deepEqual(backends.map((b) => b.hits), [10, 10, 10]);
    assert.match(bodies[0]!, /^[abc] 127\.0\.0\.1 \d+$/);
  });

  test('a failing target is taken out and comes back', async () => {
    backends[1]!.healthy = false;
    await tick(5000);
    assert.equal(engine.targetHealth(tgArn)[1]!.state, 'healthy', 'one failure is below the threshold');
    await tick(5000);
    const h = engine.targetHealth(tgArn)[1]!;
    assert.deepEqual([h.state, h.reason, h.description], ['unhealthy', 'Target.ResponseCodeMismatch', 'Health checks failed with these codes: [500]']);
    for (const b of backends) b.hits = 0;
    for (let i = 0; i < 20; i++) assert.equal((await get(port)).status, 200);
    assert.deepEqual(backends.map((b) => b.hits), [10, 0, 10]);
    backends[1]!.healthy = true;
    await tick(5000);
    await tick(5000);
    assert.equal(engine.targetHealth(tgArn)[1]!.state, 'healthy');
  });

  test('all unhealthy → fail open to all', async () => {
    for (const b of backends) b.healthy = false;
    await tick(5000);
    await tick(5000);
    assert.ok(engine.targetHealth(tgArn).every((t) => t.state === 'unhealthy'));
    assert.equal((await get(port)).status, 200);
    for (const b of backends) b.healthy = true;
    await tick(5000);
    await tick(5000);
  });

  test('deregistration drains an in-flight request, then the target is gone', async () => {
    const b = backends[0]!;
    b.slow = 300;
    // Only target 0 for this request: take the others out first, immediately (nothing in flight to them).
    await engine.deregisterTargets(tgArn, [{ id: '127.0.0.1', port: backends[1]!.port }, { id: '127.0.0.1', port: backends[2]!.port }]);
    const inflight = get(port, '/slow');
    await new Promise((r) => setTimeout(r, 50));
    let drained = false;
    const done = engine.deregisterTargets(tgArn, [{ id: '127.0.0.1', port: b.port }]).then(() => (drained = true));
    assert.equal(engine.targetHealth(tgArn)[0]!.state, 'draining');
    assert.equal(engine.targetHealth(tgArn)[0]!.reason, 'Target.DeregistrationInProgress');
    assert.equal((await get(port)).status, 503, 'no new requests to a draining target');
    const r = await inflight;
    assert.equal(r.status, 200);
    await done;
    assert.ok(drained);
    assert.equal(engine.targetHealth(tgArn).length, 0);
    const m = engine.collectMetrics(clock.now());
    assert.ok(m.some((p) => p.MetricName === 'RequestCount' && p.Dimensions.length === 1 && (p.Value ?? 0) > 0));
    assert.ok(m.some((p) => p.MetricName === 'TargetResponseTime' && p.StatisticValues));
  });
});
