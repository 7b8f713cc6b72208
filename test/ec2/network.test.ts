import {
  AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DeleteSecurityGroupCommand, DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand, DescribeVpcsCommand, RevokeSecurityGroupIngressCommand, TerminateInstancesCommand, DescribeAvailabilityZonesCommand,
} from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { execIn, launch, waitState } from '../support/ec2.ts';
import { eventually, httpGet, isRoot, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

const TWO_PORTS = `#!/bin/sh
node -e 'require("http").createServer((q,s)=>s.end("port80")).listen(80)' &
exec node -e 'require("http").createServer((q,s)=>s.end("port8080")).listen(8080)'
`;

describe('VPC, subnets and security groups', () => {
  let t: TestNimbus;
  before(async () => {
    t = await startTestNimbus();
  });
  after(async () => {
    await t?.close();
  });

  test('a default VPC with one subnet per availability zone (three AZs)', async () => {
    const vpcs = await t.ec2.send(new DescribeVpcsCommand({}));
    assert.equal(vpcs.Vpcs!.length, 1);
    assert.equal(vpcs.Vpcs![0].IsDefault, true);
    const subnets = await t.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcs.Vpcs![0].VpcId!] }] }));
    assert.deepEqual(subnets.Subnets!.map((s) => s.AvailabilityZone).sort(), ['us-east-1a', 'us-east-1b', 'us-east-1c']);
    const azs = await t.ec2.send(new DescribeAvailabilityZonesCommand({}));
    assert.equal(azs.AvailabilityZones!.length, 3);
  });

  test('security group rules are enforced: a closed port drops traffic, authorizing opens it, revoking closes it', { skip: !isRoot && 'needs root for nftables' }, async () => {
    const { GroupId } = await t.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'only80', Description: 'port 80 only' }));
    await t.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    const [inst] = await launch(t.ec2, { userData: TWO_PORTS, groups: [GroupId!] });
    const ip = inst.PrivateIpAddress!;
    await waitState(t.ec2, inst.InstanceId!, 'running');
    assert.equal((await eventually(() => httpGet(`http://${ip}/`), 'port 80')).body, 'port80');
    // 8080 is listening (seen from inside) but not allowed in: dropped, so the client times out.
    await eventually(async () => (await execIn(t.endpoint, inst.InstanceId!, ['node', '-e', 'fetch("http://127.0.0.1:8080").then(r=>r.text()).then(console.log)'])).stdout.includes('port8080'), 'port 8080 inside');
    assert.equal(await httpGet(`http://${ip}:8080/`, 700), undefined);
    await t.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    assert.equal((await eventually(() => httpGet(`http://${ip}:8080/`), 'port 8080 after authorize')).body, 'port8080');
    await t.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    assert.equal(await httpGet(`http://${ip}/`, 700), undefined);
    await assert.rejects(t.ec2.send(new DeleteSecurityGroupCommand({ GroupId })), (e: Error) => e.name === 'DependencyViolation');
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [inst.InstanceId!] }));
    await waitState(t.ec2, inst.InstanceId!, 'terminated');
    await t.ec2.send(new DeleteSecurityGroupCommand({ GroupId }));
  });

  test('security group API errors', async () => {
    const { GroupId } = await t.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'dup', Description: 'd' }));
    await assert.rejects(t.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'dup', Description: 'd' })), (e: Error) => e.name === 'InvalidGroup.Duplicate');
    const perm = { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] };
    await t.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [perm] }));
    await assert.rejects(t.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [perm] })), (e: Error) => e.name === 'InvalidPermission.Duplicate');
    await assert.rejects(t.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ ...perm, IpRanges: [{ CidrIp: '10.0.0.0/33' }] }] })), (e: Error) => e.name === 'InvalidParameterValue');
    const desc = await t.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId!] }));
    assert.deepEqual(desc.SecurityGroups![0].IpPermissions![0].IpRanges, [{ CidrIp: '10.0.0.0/8' }]);
    assert.equal(desc.SecurityGroups![0].IpPermissionsEgress![0].IpProtocol, '-1');
    await assert.rejects(t.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0000000000000000f'] })), (e: Error) => e.name === 'InvalidGroup.NotFound');
    await t.ec2.send(new DeleteSecurityGroupCommand({ GroupId }));
  });
});
