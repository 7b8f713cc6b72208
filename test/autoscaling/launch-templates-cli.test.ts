import {
  CreateLaunchTemplateVersionCommand, DeleteLaunchTemplateCommand, DeleteLaunchTemplateVersionsCommand, DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand, ModifyLaunchTemplateCommand, RunInstancesCommand, TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { awsCli, awsCliMissing } from '../support/awscli.ts';
import { isRoot, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';
import { template } from './support.ts';

describe('EC2 launch templates and Auto Scaling through the AWS CLI', () => {
  let t: TestNimbus;
  before(async () => {
    t = await startTestNimbus();
  });
  after(async () => {
    await t?.close();
  });

  test('versions, $Latest/$Default, RunInstances merging template data with overrides, AWS errors', async () => {
    const id = await template(t.ec2, 'lt-one', '#!/bin/sh\nexec sleep 1000\n', { TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'from', Value: 'template' }] }] });
    await assert.rejects(template(t.ec2, 'lt-one'), (e: Error) => e.name === 'InvalidLaunchTemplateName.AlreadyExistsException');
    const v2 = await t.ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: id, SourceVersion: '1', LaunchTemplateData: { InstanceType: 't3.small' } }));
    assert.equal(v2.LaunchTemplateVersion!.VersionNumber, 2);
    assert.equal(v2.LaunchTemplateVersion!.LaunchTemplateData!.ImageId, 'ami-0a0000000000000a1');
    let lt = (await t.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['lt-one'] }))).LaunchTemplates![0];
    assert.deepEqual([lt.DefaultVersionNumber, lt.LatestVersionNumber], [1, 2]);
    const latest = await t.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: ['$Latest'] }));
    assert.equal(latest.LaunchTemplateVersions![0].LaunchTemplateData!.InstanceType, 't3.small');
    await assert.rejects(t.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: ['9'] })), (e: Error) => e.name === 'InvalidLaunchTemplateId.VersionNotFound');
    await assert.rejects(t.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: ['lt-0123456789abcdef0'] })), (e: Error) => e.name === 'InvalidLaunchTemplateId.NotFound');

    const res = await t.ec2.send(new RunInstancesCommand({
      MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateName: 'lt-one', Version: '$Latest' },
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'from', Value: 'request' }, { Key: 'extra', Value: 'yes' }] }],
    }));
    const inst = res.Instances![0];
    assert.equal(inst.InstanceType, 't3.small');
    const tags = Object.fromEntries(inst.Tags!.map((x) => [x.Key, x.Value]));
    assert.deepEqual([tags.from, tags.extra, tags['aws:ec2launchtemplate:version']], ['request', 'yes', '2']);
    const byDefault = await t.ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, InstanceType: 't3.nano', LaunchTemplate: { LaunchTemplateId: id } }));
    assert.equal(byDefault.Instances![0].InstanceType, 't3.nano');
    await t.ec2.send(new TerminateInstancesCommand({ InstanceIds: [inst.InstanceId!, byDefault.Instances![0].InstanceId!] }));

    await t.ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: '2' }));
    lt = (await t.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }))).LaunchTemplates![0];
    assert.equal(lt.DefaultVersionNumber, 2);
    const del = await t.ec2.send(new DeleteLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: ['1', '2'] }));
    assert.equal(del.SuccessfullyDeletedLaunchTemplateVersions![0].VersionNumber, 1);
    assert.equal(del.UnsuccessfullyDeletedLaunchTemplateVersions![0].ResponseError!.Code, 'launchTemplateVersionIsDefaultVersion');
    await t.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateName: 'lt-one' }));
    await assert.rejects(t.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['lt-one'] })), (e: Error) => e.name === 'InvalidLaunchTemplateName.NotFoundException');
  });

  test('create-auto-scaling-group, describe-auto-scaling-groups, set-desired-capacity with /usr/bin/aws', { skip: awsCliMissing || (!isRoot && 'needs root') }, async () => {
    const { aws, awsError } = awsCli(t.endpoint, { service: 'autoscaling' });
    await template(t.ec2, 'cli-lt');
    await aws('create-auto-scaling-group', '--auto-scaling-group-name', 'cli', '--launch-template', 'LaunchTemplateName=cli-lt,Version=$Latest',
      '--min-size', '0', '--max-size', '2', '--desired-capacity', '0', '--availability-zones', 'us-east-1a', 'us-east-1b');
    const err = await awsError('create-auto-scaling-group', '--auto-scaling-group-name', 'cli', '--launch-template', 'LaunchTemplateName=cli-lt', '--min-size', '0', '--max-size', '2', '--availability-zones', 'us-east-1a');
    assert.match(err, /AlreadyExists/);
    const bad = await awsError('set-desired-capacity', '--auto-scaling-group-name', 'cli', '--desired-capacity', '5');
    assert.match(bad, /ValidationError.*above max value 2/);
    await aws('set-desired-capacity', '--auto-scaling-group-name', 'cli', '--desired-capacity', '1');
    let g: any;
    for (let i = 0; i < 150; i++) {
      g = (await aws('describe-auto-scaling-groups', '--auto-scaling-group-names', 'cli')).AutoScalingGroups[0];
      if (g.Instances?.length === 1 && g.Instances[0].LifecycleState === 'InService') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(g.DesiredCapacity, 1);
    assert.equal(g.Instances[0].LifecycleState, 'InService');
    await aws('delete-auto-scaling-group', '--auto-scaling-group-name', 'cli', '--force-delete');
  });
});
