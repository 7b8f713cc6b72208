import { AutoScalingClient, CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, DeleteAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, DescribeSubnetsCommand, DescribeVpcsCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeTargetHealthCommand, CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AMI, WEB_SERVER, openGroup } from '/work/main/test/support/ec2.ts';
import { b64, sdkClient, startTestNimbus } from '/work/main/test/support/nimbus.ts';
process.env.NIMBUS_METRICS_PERIOD = '1';
process.env.NIMBUS_ELB_HEALTH_SCALE = '0.1';
const t = await startTestNimbus({ stopGraceMs: Number(process.env.GRACE ?? 100) });
const elb = sdkClient(ElasticLoadBalancingV2Client, t.endpoint);
const asg = sdkClient(AutoScalingClient, t.endpoint);
try {
  const subnets = (await t.ec2.send(new DescribeSubnetsCommand({}))).Subnets!.map((s) => s.SubnetId!);
  const vpc = (await t.ec2.send(new DescribeVpcsCommand({}))).Vpcs!.find((v) => v.IsDefault)!.VpcId!;
  const sg = await openGroup(t.ec2, 'web', [80]);
  await t.ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'lt-x', LaunchTemplateData: { ImageId: AMI, InstanceType: 't3.micro', UserData: b64(WEB_SERVER), SecurityGroupIds: [sg] } }));
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'lb', Subnets: subnets }))).LoadBalancers![0]!;
  const tg = (await elb.send(new CreateTargetGroupCommand({ Name: 'tg', Protocol: 'HTTP', Port: 80, VpcId: vpc, HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2 }))).TargetGroups![0]!;
  await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] }));
  await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'g', LaunchTemplate: { LaunchTemplateName: 'lt-x' }, MinSize: 2, MaxSize: 2, DesiredCapacity: 2, VPCZoneIdentifier: subnets.join(','), TargetGroupARNs: [tg.TargetGroupArn!], HealthCheckType: 'ELB', HealthCheckGracePeriod: 20 }));
  const g = async () => (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['g'] }))).AutoScalingGroups![0]!;
  for (let i = 0; i < 100; i++) { const x = await g(); if (x.Instances?.length === 2 && x.Instances.every((i) => i.LifecycleState === 'InService')) break; await new Promise((r) => setTimeout(r, 200)); }
  const ids = (await g()).Instances!.map((i) => i.InstanceId!);
  console.log('in service', ids);
  await new Promise((r) => setTimeout(r, 1300));
  await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
  for (let i = 0; i < 16; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const x = await g();
    const h = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions!;
    console.log(i, x.Instances!.map((i) => `${i.InstanceId}:${i.LifecycleState}`).join(' '), '|', h.map((d) => `${d.Target!.Id}:${d.TargetHealth!.State}:${d.TargetHealth!.Reason ?? ''}`).join(' '));
    if (i === 99) for (const inst of x.Instances!) { const r = await fetch(`${t.endpoint}/_nimbus/instances/${inst.InstanceId}/exec`, { method: 'POST', body: JSON.stringify({ argv: ['sh', '-c', 'nft list ruleset'] }) }); console.log(await r.text()); }
  }
  await asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'g', ForceDelete: true }));
} finally {
  elb.destroy(); asg.destroy();
  await t.close();
}
