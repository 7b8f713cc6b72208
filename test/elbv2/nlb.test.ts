import { CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DeleteLoadBalancerCommand, DescribeTargetHealthCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../support/nimbus.ts';
import { endpointOf, network, startElbNimbus } from './support.ts';

// Network load balancers: TCP listeners piping each connection to one healthy target (TCP health checks).

function echo(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => s.on('data', (d) => s.write(`${name}:${d}`)).on('end', () => s.end()));
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ server, port: (server.address() as { port: number }).port })));
}

function talk(host: string, port: number, msg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port }, () => s.end(msg));
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('close', () => resolve(out));
    s.on('error', reject);
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
  });
}

describe('ELBv2 network load balancers (TCP)', () => {
  let t: Awaited<ReturnType<typeof startElbNimbus>>;
  const servers: Server[] = [];
  before(async () => {
    t = await startElbNimbus();
  });
  after(async () => {
    await t?.close();
    for (const s of servers) s.close();
  });

  test('connections spread over healthy TCP targets; a dead target is taken out', async () => {
    const net = await network(t.ec2);
    const lb = (await t.elb.send(new CreateLoadBalancerCommand({ Name: 'tcp', Type: 'network', Subnets: [net.subnets[0]!] }))).LoadBalancers![0]!;
    assert.match(lb.LoadBalancerArn!, /:loadbalancer\/net\/tcp\/[0-9a-f]{16}$/);
    assert.equal(lb.Type, 'network');
    const tg = (await t.elb.send(new CreateTargetGroupCommand({
      Name: 'tcp-tg', Protocol: 'TCP', Port: 7000, VpcId: net.vpc, TargetType: 'ip', HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
    }))).TargetGroups![0]!;
    assert.equal(tg.HealthCheckProtocol, 'TCP');
    const backends = await Promise.all(['x', 'y'].map(echo));
    servers.push(...backends.map((b) => b.server));
    await t.elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: backends.map((b) => ({ Id: '127.0.0.1', Port: b.port })) }));
    const l = (await t.elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'TCP', Port: 7000, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] }))).Listeners![0]!;
    const ep = new URL(await endpointOf(t.elb, l.ListenerArn!));
    assert.equal(ep.protocol, 'tcp:');
    const health = async () => (await t.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions!;
    await eventually(async () => (await health()).every((h) => h.TargetHealth!.State === 'healthy'), 'tcp targets healthy');
    const replies: string[] = [];
    for (let i = 0; i < 10; i++) replies.push(await talk(ep.hostname, Number(ep.port), 'ping'));
    assert.deepEqual(replies.filter((r) => r === 'x:ping').length, 5);
    assert.deepEqual(replies.filter((r) => r === 'y:ping').length, 5);
    // A target that stops listening fails its TCP checks and gets no more connections.
    await new Promise((r) => backends[1]!.server.close(r));
    await eventually(async () => (await health()).find((h) => h.Target!.Port === backends[1]!.port)!.TargetHealth!.State === 'unhealthy', 'dead target unhealthy');
    for (let i = 0; i < 4; i++) assert.equal(await talk(ep.hostname, Number(ep.port), 'ping'), 'x:ping');
    await assert.rejects(t.elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] })), (e: Error) => e.name === 'ValidationError');
    await t.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
  });
});
