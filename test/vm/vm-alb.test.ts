import { CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeTargetHealthCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetConsoleOutputCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cleanupVmPrefix, VM_INSTALL, vmPrerequisites } from '../../src/drivers/vm/index.ts';
import { execIn, launch, openGroup, waitState } from '../support/ec2.ts';
import { eventually, httpGet } from '../support/nimbus.ts';
import { get, network, startElbNimbus } from '../elbv2/support.ts';

// End to end on the VM driver (nimbus up --driver vm): an instance is a QEMU microvm whose init fetches
// its user data from the metadata service and runs it; the user data serves HTTP with busybox httpd,
// reachable on the instance's private IP and through an application load balancer. Skipped, with the
// reason, where the VM driver cannot run (no QEMU, guest kernel or static busybox; not root).

const missing = vmPrerequisites();

const WEB = `#!/bin/sh
mkdir -p /www
hostname > /www/index.html
echo ok > /www/health
exec busybox httpd -f -p 80 -h /www
`;

describe('EC2 on the VM driver behind an ALB', { skip: missing.length ? `vm driver unavailable: ${missing.join('; ')} (install: ${VM_INSTALL})` : false }, () => {
  let t: Awaited<ReturnType<typeof startElbNimbus>>;
  const prefix = `nbt${process.pid % 100000}`;
  before(async () => {
    process.env.NIMBUS_DRIVER = 'vm';
    try {
      t = await startElbNimbus();
    } finally {
      delete process.env.NIMBUS_DRIVER;
    }
  });
  after(async () => {
    await t?.close();
    await cleanupVmPrefix(prefix, `${prefix}-br0`);
  });

  test('a user-data web server in a VM answers on its private IP and through a load balancer', async () => {
    assert.equal(t.nimbus.capabilities.driver, 'vm');
    assert.equal(t.nimbus.capabilities.isolation, 'vm');
    const sg = await openGroup(t.ec2, 'web', [80]);
    const [inst] = await launch(t.ec2, { userData: WEB, groups: [sg], type: 't3.nano' });
    const id = inst!.InstanceId!;
    const ip = inst!.PrivateIpAddress!;
    await waitState(t.ec2, id, 'running', 120_000);
    const hostname = `ip-${ip.replace(/\./g, '-')}`;
    assert.equal((await eventually(() => httpGet(`http://${ip}/`), 'the VM serving on its private IP', 60_000)).body.trim(), hostname);

    // It is a VM: the guest kernel is the Debian cloud kernel, not the host's.
    const uname = await execIn(t.endpoint, id, ['uname', '-r']);
    assert.equal(uname.code, 0, uname.stderr);
    assert.match(uname.stdout, /cloud-amd64/);
    // It sees the host userland read-only, but not the host's password hashes, /home or /root.
    const look = await execIn(t.endpoint, id, ['sh', '-c', 'wc -c < /etc/shadow; ls /home | wc -l; touch /usr/x 2>&1 || true; python3 -c "print(6*7)"']);
    assert.deepEqual(look.stdout.trim().split('\n').map((l) => l.trim()), ['0', '0', 'touch: cannot touch \'/usr/x\': Read-only file system', '42']);
    // Its init fetched the user data from the metadata service, like cloud-init.
    const out = await eventually(async () => {
      const r = await t.ec2.send(new GetConsoleOutputCommand({ InstanceId: id, Latest: true }));
      const text = Buffer.from(r.Output ?? '', 'base64').toString();
      return text.includes('nimbus: running user data') ? text : undefined;
    }, 'console output');
    assert.match(out, /nimbus: user data from http:\/\/169\.254\.169\.254\/latest\/user-data/);

    const net = await network(t.ec2);
    const lb = (await t.elb.send(new CreateLoadBalancerCommand({ Name: 'vm-web', Subnets: net.subnets }))).LoadBalancers![0]!;
    const tg = (await t.elb.send(new CreateTargetGroupCommand({
      Name: 'vm-web', Protocol: 'HTTP', Port: 80, VpcId: net.vpc, HealthCheckPath: '/health', HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 4,
      HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
    }))).TargetGroups![0]!;
    await t.elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] }));
    await t.elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: id }] }));
    await eventually(async () => {
      const h = (await t.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions!;
      return h[0]?.TargetHealth?.State === 'healthy';
    }, 'the VM healthy in its target group', 30_000);
    const url = `http://${lb.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.IpAddress}`;
    for (let i = 0; i < 5; i++) {
      const r = await get(`${url}/`);
      assert.equal(r.status, 200);
      assert.equal(r.body.trim(), hostname);
    }
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await waitState(t.ec2, id, 'terminated', 30_000);
    assert.equal(await httpGet(`http://${ip}/`, 500), undefined, 'a terminated VM no longer answers');
  });
});
