import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateRuleCommand, CreateTargetGroupCommand, DeleteListenerCommand, DeleteLoadBalancerCommand,
  DeleteRuleCommand, DeleteTargetGroupCommand, DeregisterTargetsCommand, DescribeListenersCommand, DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeTargetGroupAttributesCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand,
  ModifyLoadBalancerAttributesCommand, ModifyRuleCommand, ModifyTargetGroupAttributesCommand, ModifyTargetGroupCommand, RegisterTargetsCommand,
  SetRulePrioritiesCommand, AddTagsCommand, DescribeTagsCommand, RemoveTagsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, TEST_VPC_CIDR } from '../support/nimbus.ts';
import { backend, endpointOf, get, network, startElbNimbus, type Backend } from './support.ts';

// Application load balancers through @aws-sdk/client-elastic-load-balancing-v2, with ip targets pointing at
// loopback HTTP servers (no root needed). Health checks run at AWS timing × 0.1.

describe('ELBv2 application load balancers', () => {
  let t: Awaited<ReturnType<typeof startElbNimbus>>;
  let net: { vpc: string; subnets: string[] };
  let backends: Backend[];
  let lbArn: string;
  let tgArn: string;
  let listenerArn: string;
  let url: string;

  const health = async () => (await t.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions!;
  const states = async () => (await health()).map((h) => h.TargetHealth!.State);

  before(async () => {
    t = await startElbNimbus();
    net = await network(t.ec2);
    backends = await Promise.all(['a', 'b', 'c'].map(backend));
  });
  after(async () => {
    await t?.close();
    for (const b of backends ?? []) b.server.close();
  });

  test('create a load balancer, a target group and a listener that really listens', async () => {
    const lb = (await t.elb.send(new CreateLoadBalancerCommand({ Name: 'web', Subnets: net.subnets, Tags: [{ Key: 'team', Value: 'infra' }] }))).LoadBalancers![0]!;
    lbArn = lb.LoadBalancerArn!;
    assert.match(lbArn, /^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer\/app\/web\/[0-9a-f]{16}$/);
    assert.match(lb.DNSName!, /^web-\d+\.us-east-1\.elb\.localhost$/);
    assert.equal(lb.Type, 'application');
    assert.equal(lb.State?.Code, 'active');
    assert.equal(lb.AvailabilityZones!.length, 3);
    const tg = (await t.elb.send(new CreateTargetGroupCommand({
      Name: 'web-tg', Protocol: 'HTTP', Port: 80, VpcId: net.vpc, TargetType: 'ip', HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
    }))).TargetGroups![0]!;
    tgArn = tg.TargetGroupArn!;
    assert.equal(tg.HealthCheckPath, '/health');
    assert.equal(tg.Matcher?.HttpCode, '200');
    assert.deepEqual(tg.LoadBalancerArns, []);
    const l = (await t.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] }))).Listeners![0]!;
    listenerArn = l.ListenerArn!;
    assert.equal(l.Port, 80);
    assert.equal(l.DefaultActions![0]!.ForwardConfig?.TargetGroups![0]!.Weight, 1);
    url = await endpointOf(t.elb, listenerArn);
    assert.match(url, /^http:\/\/[\d.]+:\d+$/);
    // Nothing registered yet: the load balancer itself answers 503.
    const r = await get(`${url}/`);
    assert.equal(r.status, 503);
    assert.equal(r.headers.server, 'awselb/2.0');
    const tgs = (await t.elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lbArn }))).TargetGroups!;
    assert.deepEqual(tgs.map((x) => x.TargetGroupArn), [tgArn]);
    assert.deepEqual(tgs[0]!.LoadBalancerArns, [lbArn]);
  });

  test('targets start initial, become healthy, and requests spread evenly over three', async () => {
    await t.elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: backends.map((b) => ({ Id: '127.0.0.1', Port: b.port })) }));
    const first = await health();
    assert.ok(first.every((h) => h.TargetHealth!.State === 'initial'), JSON.stringify(first));
    assert.equal(first[0]!.Target!.AvailabilityZone, 'all');
    await eventually(async () => (await states()).every((s) => s === 'healthy'), 'targets healthy');
    for (const b of backends) b.hits = 0;
    const N = 60;
    for (let i = 0; i < N; i++) assert.equal((await get(`${url}/x?i=${i}`, { 'x-forwarded-for': '203.0.113.9' })).status, 200);
    assert.deepEqual(backends.map((b) => b.hits), [N / 3, N / 3, N / 3]);
    const seen = backends[0]!.seen.at(-1)!;
    // The client's address as the load balancer sees it is appended.
    assert.match(String(seen['x-forwarded-for']), /^203\.0\.113\.9, \d+\.\d+\.\d+\.\d+$/);
    assert.equal(seen['x-forwarded-proto'], 'http');
    assert.equal(seen['x-forwarded-port'], '80');
    assert.match(String(seen['x-amzn-trace-id']), /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });

  test('a target failing its health check is taken out, then comes back', async () => {
    backends[1]!.healthy = false;
    await eventually(async () => (await health())[1]!.TargetHealth!.State === 'unhealthy', 'target unhealthy');
    const h = (await health())[1]!.TargetHealth!;
    assert.equal(h.Reason, 'Target.ResponseCodeMismatch');
    assert.equal(h.Description, 'Health checks failed with these codes: [503]');
    for (const b of backends) b.hits = 0;
    for (let i = 0; i < 20; i++) assert.equal((await get(`${url}/`)).status, 200);
    assert.equal(backends[1]!.hits, 0);
    assert.equal(backends[0]!.hits + backends[2]!.hits, 20);
    backends[1]!.healthy = true;
    await eventually(async () => (await states()).every((s) => s === 'healthy'), 'target back');
    for (const b of backends) b.hits = 0;
    for (let i = 0; i < 30; i++) await get(`${url}/`);
    assert.deepEqual(backends.map((b) => b.hits), [10, 10, 10]);
  });

  test('rules route by path and host; fixed-response and redirect', async () => {
    const other = (await t.elb.send(new CreateTargetGroupCommand({ Name: 'api-tg', Protocol: 'HTTP', Port: 80, VpcId: net.vpc, TargetType: 'ip', HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2 }))).TargetGroups![0]!;
    const api = await backend('api');
    try {
      await t.elb.send(new RegisterTargetsCommand({ TargetGroupArn: other.TargetGroupArn, Targets: [{ Id: '127.0.0.1', Port: api.port }] }));
      const r1 = (await t.elb.send(new CreateRuleCommand({
        ListenerArn: listenerArn, Priority: 10, Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }], Actions: [{ Type: 'forward', TargetGroupArn: other.TargetGroupArn }],
      }))).Rules![0]!;
      assert.equal(r1.Priority, '10');
      assert.deepEqual(r1.Conditions![0]!.PathPatternConfig?.Values, ['/api/*']);
      await t.elb.send(new CreateRuleCommand({
        ListenerArn: listenerArn, Priority: 20, Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['*.example.com'] } }],
        Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '418', ContentType: 'text/plain', MessageBody: 'teapot' } }],
      }));
      await t.elb.send(new CreateRuleCommand({
        ListenerArn: listenerArn, Priority: 30, Conditions: [{ Field: 'path-pattern', Values: ['/old/*'] }],
        Actions: [{ Type: 'redirect', RedirectConfig: { Path: '/new/#{path}', Host: 'www.example.org', StatusCode: 'HTTP_301' } }],
      }));
      await t.elb.send(new CreateRuleCommand({
        ListenerArn: listenerArn, Priority: 40, Conditions: [
          { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Canary', Values: ['yes'] } },
          { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['POST'] } },
          { Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'v', Value: '2*' }] } },
          // The client is on loopback, or on the bridge when the load balancer has its own address there.
          { Field: 'source-ip', SourceIpConfig: { Values: ['127.0.0.0/8', TEST_VPC_CIDR] } },
        ],
        Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', MessageBody: 'canary' } }],
      }));
      await eventually(async () => (await t.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: other.TargetGroupArn }))).TargetHealthDescriptions![0]!.TargetHealth!.State === 'healthy', 'api healthy');
      assert.equal((await get(`${url}/api/users`)).body, 'api:/api/users');
      assert.match((await get(`${url}/web`)).body, /^[abc]:\/web$/);
      const teapot = await get(`${url}/`, { host: 'shop.example.com' });
      assert.deepEqual([teapot.status, teapot.body, teapot.headers['content-type']], [418, 'teapot', 'text/plain']);
      const moved = await get(`${url}/old/page?q=1`);
      assert.equal(moved.status, 301);
      assert.equal(moved.headers.location, 'http://www.example.org/new/old/page?q=1');
      assert.equal((await get(`${url}/?v=2.1`, { 'x-canary': 'YES' }, 'POST')).body, 'canary');
      assert.notEqual((await get(`${url}/?v=1`, { 'x-canary': 'yes' }, 'POST')).body, 'canary');
      // Priorities: the default rule comes last; swapping priorities changes the order.
      const rules = (await t.elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules!;
      assert.deepEqual(rules.map((r) => r.Priority), ['10', '20', '30', '40', 'default']);
      assert.equal(rules.at(-1)!.IsDefault, true);
      await assert.rejects(t.elb.send(new CreateRuleCommand({ ListenerArn: listenerArn, Priority: 10, Conditions: [{ Field: 'path-pattern', Values: ['/x'] }], Actions: [{ Type: 'forward', TargetGroupArn: tgArn }] })), (e: Error) => e.name === 'PriorityInUseException');
      const swapped = await t.elb.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: rules[0]!.RuleArn, Priority: 20 }, { RuleArn: rules[1]!.RuleArn, Priority: 10 }] }));
      assert.deepEqual(swapped.Rules!.map((r) => r.Priority), ['20', '10']);
      await t.elb.send(new ModifyRuleCommand({ RuleArn: rules[0]!.RuleArn, Conditions: [{ Field: 'path-pattern', Values: ['/v2/*'] }] }));
      assert.equal((await get(`${url}/v2/x`)).body, 'api:/v2/x');
      await assert.rejects(t.elb.send(new DeleteRuleCommand({ RuleArn: rules.at(-1)!.RuleArn })), (e: Error) => e.name === 'OperationNotPermittedException');
      // A target group in use cannot be deleted.
      await assert.rejects(t.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: other.TargetGroupArn })), (e: Error) => e.name === 'ResourceInUseException');
      for (const r of rules.slice(0, -1)) await t.elb.send(new DeleteRuleCommand({ RuleArn: r.RuleArn }));
      assert.equal((await t.elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules!.length, 1);
      await t.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: other.TargetGroupArn }));
    } finally {
      api.server.close();
    }
  });

  test('weighted forward spreads by weight over two target groups', async () => {
    const blue = (await t.elb.send(new CreateTargetGroupCommand({ Name: 'blue', Protocol: 'HTTP', Port: 80, VpcId: net.vpc, TargetType: 'ip', HealthCheckEnabled: true, HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2 }))).TargetGroups![0]!;
    const b = await backend('blue');
    try {
      await t.elb.send(new RegisterTargetsCommand({ TargetGroupArn: blue.TargetGroupArn, Targets: [{ Id: '127.0.0.1', Port: b.port }] }));
      const rule = (await t.elb.send(new CreateRuleCommand({
        ListenerArn: listenerArn, Priority: 5, Conditions: [{ Field: 'path-pattern', Values: ['/w*'] }],
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: tgArn, Weight: 0 }, { TargetGroupArn: blue.TargetGroupArn, Weight: 10 }] } }],
      }))).Rules![0]!;
      await eventually(async () => (await t.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: blue.TargetGroupArn }))).TargetHealthDescriptions![0]!.TargetHealth!.State === 'healthy', 'blue healthy');
      for (let i = 0; i < 10; i++) assert.equal((await get(`${url}/w`)).body, 'blue:/w');
      await t.elb.send(new DeleteRuleCommand({ RuleArn: rule.RuleArn }));
      await t.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: blue.TargetGroupArn }));
    } finally {
      b.server.close();
    }
  });

  test('deregistration drains a slow in-flight request with no failure', async () => {
    await t.elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }] }));
    for (const b of backends) b.slowMs = 800;
    // Three slow requests: one in flight to each target.
    const inflight = [0, 1, 2].map(() => get(`${url}/slow`));
    await eventually(() => backends.every((b) => b.seen.some((s) => s.url === '/slow')), 'requests in flight', 5000, 10);
    const [gone, ...stay] = backends;
    await t.elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '127.0.0.1', Port: gone!.port }] }));
    const h = (await health()).find((x) => x.Target!.Port === gone!.port)!;
    assert.deepEqual([h.TargetHealth!.State, h.TargetHealth!.Reason], ['draining', 'Target.DeregistrationInProgress']);
    gone!.hits = 0;
    for (let i = 0; i < 6; i++) assert.equal((await get(`${url}/`)).status, 200);
    assert.equal(gone!.hits, 0, 'a draining target gets no new requests');
    const results = await Promise.all(inflight);
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200]);
    await eventually(async () => (await health()).length === 2, 'drained target gone');
    for (const b of backends) b.slowMs = 0;
    assert.deepEqual((await health()).map((x) => x.Target!.Port).sort(), stay.map((b) => b.port).sort());
    await t.elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '127.0.0.1', Port: gone!.port }] }));
  });

  test('attributes: least outstanding requests, idle timeout, deletion protection', async () => {
    const attrs = (await t.elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tgArn }))).Attributes!;
    assert.equal(attrs.find((a) => a.Key === 'load_balancing.algorithm.type')?.Value, 'round_robin');
    await t.elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: 'load_balancing.algorithm.type', Value: 'least_outstanding_requests' }] }));
    await assert.rejects(
      t.elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: 'slow_start.duration_seconds', Value: '60' }] })),
      (e: Error) => e.name === 'ValidationError' || /Slow start/.test(e.message),
    );
    await eventually(async () => (await states()).every((s) => s === 'healthy'), 'all healthy again');
    for (const b of backends) b.hits = 0;
    for (let i = 0; i < 30; i++) assert.equal((await get(`${url}/`)).status, 200);
    assert.ok(backends.every((b) => b.hits > 0), JSON.stringify(backends.map((b) => b.hits)));
    const lbAttrs = (await t.elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '1' }, { Key: 'deletion_protection.enabled', Value: 'true' }] }))).Attributes!;
    assert.equal(lbAttrs.find((a) => a.Key === 'idle_timeout.timeout_seconds')?.Value, '1');
    // A target silent for longer than the idle timeout: 504.
    backends.forEach((b) => (b.slowMs = 3000));
    assert.equal((await get(`${url}/slow`)).status, 504);
    backends.forEach((b) => (b.slowMs = 0));
    await t.elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '60' }] }));
    await assert.rejects(t.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn })), (e: Error) => e.name === 'OperationNotPermittedException');
    const desc = (await t.elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn }))).Attributes!;
    assert.equal(desc.find((a) => a.Key === 'deletion_protection.enabled')?.Value, 'true');
    await t.elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }] }));
    const modified = (await t.elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: tgArn, HealthCheckPath: '/health', Matcher: { HttpCode: '200-299' } }))).TargetGroups![0]!;
    assert.equal(modified.Matcher?.HttpCode, '200-299');
  });

  test('tags on every resource kind', async () => {
    await t.elb.send(new AddTagsCommand({ ResourceArns: [lbArn, tgArn], Tags: [{ Key: 'env', Value: 'test' }] }));
    await t.elb.send(new RemoveTagsCommand({ ResourceArns: [lbArn], TagKeys: ['team'] }));
    const d = (await t.elb.send(new DescribeTagsCommand({ ResourceArns: [lbArn, tgArn] }))).TagDescriptions!;
    assert.deepEqual(d[0]!.Tags, [{ Key: 'env', Value: 'test' }]);
    assert.deepEqual(d[1]!.Tags, [{ Key: 'env', Value: 'test' }]);
    await assert.rejects(t.elb.send(new AddTagsCommand({ ResourceArns: [lbArn], Tags: [{ Key: 'aws:x', Value: '1' }] })), (e: Error) => e.name === 'ValidationError');
  });

  test('bad input is answered with AWS errors', async () => {
    const missingLb = lbArn.replace(/[0-9a-f]{16}$/, '0000000000000000');
    const missingTg = tgArn.replace(/[0-9a-f]{16}$/, '0000000000000000');
    const cases: Array<[Promise<unknown>, string]> = [
      [t.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [missingLb] })), 'LoadBalancerNotFoundException'],
      [t.elb.send(new DescribeLoadBalancersCommand({ Names: ['nope'] })), 'LoadBalancerNotFoundException'],
      [t.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [missingTg] })), 'TargetGroupNotFoundException'],
      [t.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: missingTg })), 'TargetGroupNotFoundException'],
      [t.elb.send(new CreateLoadBalancerCommand({ Name: 'web', Subnets: net.subnets.slice(0, 2) })), 'DuplicateLoadBalancerNameException'],
      [t.elb.send(new CreateLoadBalancerCommand({ Name: 'one-az', Subnets: net.subnets.slice(0, 1) })), 'ValidationError'],
      [t.elb.send(new CreateLoadBalancerCommand({ Name: 'bad_name', Subnets: net.subnets })), 'ValidationError'],
      [t.elb.send(new CreateLoadBalancerCommand({ Name: 'nosub', Subnets: ['subnet-00000000000000000', net.subnets[0]!] })), 'SubnetNotFoundException'],
      [t.elb.send(new CreateTargetGroupCommand({ Name: 'web-tg', Protocol: 'HTTP', Port: 8080, VpcId: net.vpc, TargetType: 'ip' })), 'DuplicateTargetGroupNameException'],
      [t.elb.send(new CreateTargetGroupCommand({ Name: 'noport', Protocol: 'HTTP', VpcId: net.vpc })), 'ValidationError'],
      [t.elb.send(new CreateTargetGroupCommand({ Name: 'hc', Protocol: 'HTTP', Port: 80, VpcId: net.vpc, HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 6 })), 'ValidationError'],
      [t.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }, { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' } }] })), 'InvalidLoadBalancerActionException'],
      [t.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: 81, DefaultActions: [{ Type: 'forward', TargetGroupArn: missingTg }] })), 'TargetGroupNotFoundException'],
      [t.elb.send(new CreateListenerCommand({ LoadBalancerArn: missingLb, Protocol: 'HTTP', Port: 81, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] })), 'LoadBalancerNotFoundException'],
      [t.elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTPS', Port: 443, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] })), 'UnsupportedProtocolException'],
      [t.elb.send(new DescribeListenersCommand({ ListenerArns: [listenerArn.replace(/[0-9a-f]{16}$/, '0000000000000000')] })), 'ListenerNotFoundException'],
      [t.elb.send(new DescribeRulesCommand({ RuleArns: [listenerArn.replace(':listener/', ':listener-rule/') + '/0000000000000000'] })), 'RuleNotFoundException'],
      [t.elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: 'not-an-ip' }] })), 'ValidationError'],
      [t.elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: 'no.such.key', Value: '1' }] })), 'ValidationError'],
      [t.elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '0' }] })), 'ValidationError'],
      [t.elb.send(new CreateRuleCommand({ ListenerArn: listenerArn, Priority: 7, Conditions: [{ Field: 'cookie', Values: ['x'] }], Actions: [{ Type: 'forward', TargetGroupArn: tgArn }] })), 'ValidationError'],
    ];
    for (const [p, name] of cases) {
      await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, name, e.message);
        assert.equal(e.$metadata?.httpStatusCode, 400);
        return true;
      });
    }
    // Deleting what is already gone succeeds, like AWS.
    await t.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: missingLb }));
  });

  test('deleting the listener stops listening; deleting the load balancer releases it', async () => {
    await t.elb.send(new DeleteListenerCommand({ ListenerArn: listenerArn }));
    await assert.rejects(get(`${url}/`));
    assert.deepEqual((await t.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tgArn] }))).TargetGroups![0]!.LoadBalancerArns, []);
    await eventually(async () => (await states()).every((s) => s === 'unused'), 'targets unused');
    assert.equal((await health())[0]!.TargetHealth!.Reason, 'Target.NotInUse');
    await t.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn }));
    assert.equal((await t.elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers!.length, 0);
    await t.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tgArn }));
  });
});
