import { test } from 'node:test';
import { execFileSync, spawnSync } from 'node:child_process';
import { CreateClusterCommand, RegisterTaskDefinitionCommand, CreateServiceCommand } from '@aws-sdk/client-ecs';
import { startEcsNimbus, importBusybox, defaultNetwork } from './support.ts';
test('dbg', async () => {
  const n = await startEcsNimbus();
  try {
    await importBusybox(n.dataDir, 'hello:1');
    const { subnets } = await defaultNetwork(n.ec2);
    await n.ecs.send(new CreateClusterCommand({ clusterName: 'cli' }));
    await n.ecs.send(new RegisterTaskDefinitionCommand({ family: 'hello', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', containerDefinitions: [{ name: 'hello', image: 'hello:1', stopTimeout: 1 }] }));
    await n.ecs.send(new CreateServiceCommand({ cluster: 'cli', serviceName: 'hello', taskDefinition: 'hello', desiredCount: 2, launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets } } }));
    await new Promise((r) => setTimeout(r, 4000));
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
    const a = spawnSync('/usr/bin/aws', ['--endpoint-url', n.endpoint, 'ecs', 'describe-services', '--cluster', 'cli', '--services', 'hello'], { env });
    process.stderr.write('DESC ' + a.stdout.toString().slice(0, 3000) + a.stderr.toString().slice(0, 2000) + '\n');
  } finally { await n.close(); }
});
