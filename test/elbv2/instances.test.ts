import { CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeTargetHealthCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { StopInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { execIn, launch, openGroup, waitState } from '../support/ec2.ts';
import { eventually, isRoot } from '../support/nimbus.ts';
import { get, network, startElbNimbus } from './support.ts';

// Real instances behind an application load balancer: user-data web servers answer their hostname; /health fails
// while /tmp/sick exists inside the instance.
const SERVER = `#!/bin/sh
exec node -e 'require("http").createServer((q,s)=>{if(q.url==="/health"&&require("fs").existsSync("/tmp/sick")){s.statusCode=500;return s.end()}s.end(require("os").hostname())}).listen(80)'
`;

describe('ELBv2 with EC2 instance targets', { skip: !isRoot && 'needs root for private networks' }, () => {
  let t: Awaited<ReturnType<typeof startElbNimbus>>;
  before(async () => {
    t = await startElbNimbus();
  });
  after(async () => {
    await t?.close();
  });

  test('three instances share the load evenly; a failing one is taken out and comes back; a stopped one is unused', async () => {
    const net = await network(t.ec2);
    const sg = await openGroup(t.ec2, 'web', [80]);
    const insts = await launch(t.ec2, { userData: SERVER, groups: [sg], count: 3 });
    const ids = insts.map((i) => i.InstanceId!);
    for (const id of ids) await waitState(t.ec2, id, 'running');
    const lb = (await t.elb.send(new CreateLoadBalancerCommand({ Name: 'inst', Subnets: net.subnets }))).LoadBalancers![0]!;
    const tg = (await t.elb.send(new CreateTargetGroupCommand({
      Name: 'inst-tg', Protocol: 'HTTP', Port: 80, VpcId: net.vpc, HealthCheckPath: '/health', HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 4,
      HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
    }))).TargetGroups![0]!;
    await t.elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] }));
    await t.elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: ids.map((Id) => ({ Id })) }));
    const health = async () => (await t.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions!;
    const stateOf = async (id: string) => (await health()).find((h) => h.Target!.Id === id)?.TargetHealth;
    await eventually(async () => (await health()).every((h) => h.TargetHealth!.State === 'healthy'), 'instances healthy', 30_000);
    const zones = (await health()).map((h) => h.Target!.AvailabilityZone);
    assert.ok(zones.every((z) => /^us-east-1[a-c]$/.test(z!)), JSON.stringify(zones));

    // The load balancer's own address, port 80, reachable from the host.
    const url = `http://${lb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress}`;
    const hostnames = insts.map((i) => `ip-${i.PrivateIpAddress!.replace(/\./g, '-')}`);
    const counts = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const r = await get(`${url}/`);
      assert.equal(r.status, 200);
      counts.set(r.body, (counts.get(r.body) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), [...hostnames].sort());
    assert.deepEqual([...counts.values()], [20, 20, 20]);

    // Health check fails inside one instance: it is taken out, then comes back.
    await execIn(t.endpoint, ids[0]!, ['touch', '/tmp/sick']);
    await eventually(async () => (await stateOf(ids[0]!))?.State === 'unhealthy', 'sick instance unhealthy', 20_000);
    for (let i = 0; i < 10; i++) assert.notEqual((await get(`${url}/`)).body, hostnames[0]);
    await execIn(t.endpoint, ids[0]!, ['rm', '/tmp/sick']);
    await eventually(async () => (await stateOf(ids[0]!))?.State === 'healthy', 'instance healthy again', 20_000);

    // A stopped instance is unused (Target.InvalidState); a terminated one is deregistered.
    await t.ec2.send(new StopInstancesCommand({ InstanceIds: [ids[1]!] }));
    await eventually(async () => (await stateOf(ids[1]!))?.Reason === 'Target.InvalidState', 'stopped instance unused', 20_000);
    assert.equal((await stateOf(ids[1]!))?.State, 'unused');
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [ids[2]!] }));
    await eventually(async () => !(await stateOf(ids[2]!)), 'terminated instance deregistered', 20_000);
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
  });
});
