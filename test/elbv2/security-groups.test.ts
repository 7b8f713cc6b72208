import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DeleteLoadBalancerCommand, DescribeTargetHealthCommand, RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { launch, waitState, WEB_SERVER } from '../support/ec2.ts';
import { eventually, isRoot } from '../support/nimbus.ts';
import { get, network, startElbNimbus } from './support.ts';

// The pattern of every AWS tutorial: the instances' security group admits port 80 only from the load balancer's
// security group. The load balancer connects (traffic and health checks) from its own address, and EC2 counts that
// address as a member of the load balancer's groups; anything else (the host, a load balancer in other groups) is
// dropped by the instance's firewall.

/** true when something answers HTTP at url within ms; false when the connection is dropped or refused. */
function answers(url: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: ms }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

describe('ELBv2: an instance rule whose source is the load balancer\'s security group', { skip: !isRoot && 'needs root for private networks and security groups' }, () => {
  let t: Awaited<ReturnType<typeof startElbNimbus>>;
  before(async () => {
    t = await startElbNimbus();
  });
  after(async () => {
    await t?.close();
  });

  test('admits that load balancer (traffic and health checks), and nothing else', async () => {
    const net = await network(t.ec2);
    const albSg = (await t.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'alb', Description: 'load balancer' }))).GroupId!;
    const webSg = (await t.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web tier' }))).GroupId!;
    await t.ec2.send(new AuthorizeSecurityGroupIngressCommand({
      GroupId: webSg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, UserIdGroupPairs: [{ GroupId: albSg }] }],
    }));
    const [inst] = await launch(t.ec2, { userData: WEB_SERVER, groups: [webSg] });
    const id = inst!.InstanceId!;
    await waitState(t.ec2, id, 'running');
    // Before any load balancer is in the group, nobody gets in (the host included).
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await answers(`http://${inst!.PrivateIpAddress}/`, 1500), false, 'the instance admits no one yet');

    const alb = async (name: string, groups?: string[]) => {
      const lb = (await t.elb.send(new CreateLoadBalancerCommand({ Name: name, Subnets: net.subnets, SecurityGroups: groups }))).LoadBalancers![0]!;
      const tg = (await t.elb.send(new CreateTargetGroupCommand({
        Name: `${name}-tg`, Protocol: 'HTTP', Port: 80, VpcId: net.vpc, HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2,
        HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
      }))).TargetGroups![0]!;
      await t.elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] }));
      await t.elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: id }] }));
      const health = async () => (await t.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions![0]!.TargetHealth!;
      return { lb, tg, health, url: `http://${lb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress}/` };
    };
    const inGroup = await alb('in-group', [albSg]);
    const other = await alb('other'); // the VPC's default group: not admitted by the web tier

    await eventually(async () => (await inGroup.health()).State === 'healthy', 'healthy behind the load balancer in the admitted group', 30_000);
    for (let i = 0; i < 5; i++) {
      const r = await get(inGroup.url);
      assert.equal(r.status, 200);
      assert.equal(r.body, `hello from ip-${inst!.PrivateIpAddress!.replace(/\./g, '-')}`);
    }
    const h = await eventually(async () => {
      const s = await other.health();
      return s.State === 'unhealthy' ? s : undefined;
    }, 'unhealthy behind the load balancer in another group', 30_000);
    assert.match(h.Reason!, /Target\.(Timeout|FailedHealthChecks)/);
    // (Requests through it are not checked: with every target unhealthy an ALB fails open and tries them anyway.)
    assert.equal(await answers(`http://${inst!.PrivateIpAddress}/`, 1500), false, 'the host itself is still not admitted');

    await t.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: inGroup.lb.LoadBalancerArn }));
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  });
});
