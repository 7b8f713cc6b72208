import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { awsCli, awsCliMissing } from '../support/awscli.ts';
import { eventually } from '../support/nimbus.ts';
import { backend, network, startElbNimbus, type Backend } from './support.ts';

describe('ELBv2 through the AWS CLI (--endpoint-url)', { skip: awsCliMissing }, () => {
  let t: Awaited<ReturnType<typeof startElbNimbus>>;
  let b: Backend;
  before(async () => {
    t = await startElbNimbus();
    b = await backend('cli');
  });
  after(async () => {
    await t?.close();
    b?.server.close();
  });

  const { aws } = awsCli(() => t.endpoint, { service: 'elbv2' });

  test('create-load-balancer, create-target-group, register-targets, describe-target-health', async () => {
    const net = await network(t.ec2);
    const lb = (await aws('create-load-balancer', '--name', 'cli-lb', '--subnets', ...net.subnets)).LoadBalancers[0];
    assert.equal(lb.LoadBalancerName, 'cli-lb');
    const tg = (await aws('create-target-group', '--name', 'cli-tg', '--protocol', 'HTTP', '--port', '80', '--vpc-id', net.vpc, '--target-type', 'ip',
      '--health-check-path', '/health', '--health-check-interval-seconds', '5', '--health-check-timeout-seconds', '2', '--healthy-threshold-count', '2')).TargetGroups[0];
    await aws('create-listener', '--load-balancer-arn', lb.LoadBalancerArn, '--protocol', 'HTTP', '--port', '80', '--default-actions', `Type=forward,TargetGroupArn=${tg.TargetGroupArn}`);
    await aws('register-targets', '--target-group-arn', tg.TargetGroupArn, '--targets', `Id=127.0.0.1,Port=${b.port}`);
    const h = await eventually(async () => {
      const r = await aws('describe-target-health', '--target-group-arn', tg.TargetGroupArn);
      return r.TargetHealthDescriptions[0].TargetHealth.State === 'healthy' ? r : undefined;
    }, 'healthy via CLI');
    assert.equal(h.TargetHealthDescriptions[0].Target.Port, b.port);
    const addr = lb.AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress;
    const listeners = (await aws('describe-listeners', '--load-balancer-arn', lb.LoadBalancerArn)).Listeners;
    const tags = (await aws('describe-tags', '--resource-arns', listeners[0].ListenerArn)).TagDescriptions[0].Tags;
    const endpoint = tags.find((x: { Key: string }) => x.Key === 'nimbus:endpoint').Value;
    assert.ok(endpoint.startsWith(`http://${addr}:`));
    const res = await fetch(`${endpoint}/hello`, { signal: AbortSignal.timeout(5000) });
    assert.equal(await res.text(), 'cli:/hello');
  });

  test('bad input gives AWS error codes', async () => {
    await assert.rejects(aws('describe-load-balancers', '--names', 'missing'), (e: { stderr: string }) => /LoadBalancerNotFound/.test(e.stderr));
    await assert.rejects(aws('create-target-group', '--name', 'cli-tg', '--protocol', 'HTTP', '--port', '81', '--vpc-id', 'vpc-1', '--target-type', 'ip'), (e: { stderr: string }) => /DuplicateTargetGroupName|ValidationError/.test(e.stderr));
  });
});
