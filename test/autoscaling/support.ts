import {
  AutoScalingClient, DescribeAutoScalingGroupsCommand, type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { AMI } from '../support/ec2.ts';
import { b64, eventually, sdkClient } from '../support/nimbus.ts';

export const autoscalingClient = (endpoint: string) => sdkClient(AutoScalingClient, endpoint);

/** A user-data script that keeps the instance busy (a long sleep). */
export const IDLE = '#!/bin/sh\nexec sleep 100000\n';

export async function template(ec2: EC2Client, name: string, userData = IDLE, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await ec2.send(new CreateLaunchTemplateCommand({
    LaunchTemplateName: name, LaunchTemplateData: { ImageId: AMI, InstanceType: 't3.micro', UserData: b64(userData), ...extra },
  }));
  return r.LaunchTemplate!.LaunchTemplateId!;
}

export async function group(asg: AutoScalingClient, name: string): Promise<AutoScalingGroup> {
  const r = await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  return r.AutoScalingGroups![0];
}

/** Waits until the group has exactly `n` instances, all InService (bounded). */
export async function inService(asg: AutoScalingClient, name: string, n: number, timeoutMs = 30_000): Promise<AutoScalingGroup> {
  return eventually(async () => {
    const g = await group(asg, name);
    const list = g.Instances ?? [];
    return list.length === n && list.every((i) => i.LifecycleState === 'InService') ? g : undefined;
  }, `${name} to have ${n} InService instance(s)`, timeoutMs, 100);
}
