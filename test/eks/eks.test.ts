import {
  CreateClusterCommand, CreateFargateProfileCommand, CreateNodegroupCommand, DeleteClusterCommand, DeleteFargateProfileCommand, DeleteNodegroupCommand,
  DescribeClusterCommand, DescribeFargateProfileCommand, DescribeNodegroupCommand, EKSClient, ListClustersCommand, ListNodegroupsCommand,
  ListTagsForResourceCommand, TagResourceCommand, UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eksStateOf } from '../../src/services/eks/index.ts';
import { awsCli, awsCliMissing } from '../support/awscli.ts';
import { eventually, sdkClient, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';
import { defaultNetwork } from '../ecs/support.ts';

// EKS through @aws-sdk/client-eks and the AWS CLI, in front of "a user-supplied existing cluster": here a small HTTPS
// server speaking the two Kubernetes API reads Nimbus makes (/version, /api/v1/nodes), with its own CA and a bearer
// token, described by a kubeconfig. What can run here: the EKS API and its view of that cluster; no control plane.

const TOKEN = 'nimbus-test-token';

interface FakeKube { server: Server; url: string; nodes: Array<{ name: string; ready: boolean; labels?: Record<string, string> }>; version: string }

async function fakeKube(dir: string): Promise<FakeKube> {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const k: FakeKube = { server: undefined as unknown as Server, url: '', nodes: [{ name: 'node-a', ready: true }, { name: 'node-b', ready: true }], version: 'v1.29.3' };
  k.server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (q, s) => {
    if (q.headers.authorization !== `Bearer ${TOKEN}`) {
      s.statusCode = 401;
      s.end('{"kind":"Status","status":"Failure","reason":"Unauthorized","code":401}');
      return;
    }
    s.setHeader('content-type', 'application/json');
    if (q.url === '/version') s.end(JSON.stringify({ major: '1', minor: '29', gitVersion: k.version, platform: 'linux/amd64' }));
    else if (q.url === '/api/v1/nodes') {
      s.end(JSON.stringify({ kind: 'NodeList', items: k.nodes.map((n) => ({ metadata: { name: n.name, labels: n.labels ?? {} }, status: { conditions: [{ type: 'Ready', status: n.ready ? 'True' : 'False' }] } })) }));
    } else {
      s.statusCode = 404;
      s.end('{}');
    }
  });
  await new Promise<void>((r) => k.server.listen(0, '127.0.0.1', r));
  k.url = `https://127.0.0.1:${(k.server.address() as { port: number }).port}`;
  return k;
}

function kubeconfig(path: string, server: string, ca: string, token: string): void {
  writeFileSync(path, [
    'apiVersion: v1', 'kind: Config', 'clusters:', '- cluster:', `    certificate-authority-data: ${Buffer.from(ca).toString('base64')}`, `    server: ${server}`, '  name: local',
    'contexts:', '- context:', '    cluster: local', '    user: admin', '  name: local', 'current-context: local', 'users:', '- name: admin', '  user:', `    token: ${token}`, '',
  ].join('\n'));
}

describe('EKS in front of an existing Kubernetes cluster', () => {
  let n: TestNimbus;
  let eks: EKSClient;
  let kube: FakeKube;
  let dir: string;
  let cfg: string;
  let subnets: string[];
  const role = 'arn:aws:iam::000000000000:role/eks-cluster';
  const nodeRole = 'arn:aws:iam::000000000000:role/eks-node';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nimbus-eks-'));
    kube = await fakeKube(dir);
    cfg = join(dir, 'kubeconfig');
    kubeconfig(cfg, kube.url, readFileSync(join(dir, 'cert.pem'), 'utf8'), TOKEN);
    n = await startTestNimbus();
    eks = sdkClient(EKSClient, n.endpoint);
    subnets = (await defaultNetwork(n.ec2)).subnets;
  });

  after(async () => {
    eks?.destroy();
    await n?.close();
    kube?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const probe = () => eksStateOf(n.nimbus.registry.services)!.probeAll();
  const describe_ = async (name: string) => (await eks.send(new DescribeClusterCommand({ name }))).cluster!;

  test('without a kubeconfig, CreateCluster says plainly that Nimbus runs no control plane', async () => {
    await assert.rejects(eks.send(new CreateClusterCommand({ name: 'nope', roleArn: role, resourcesVpcConfig: { subnetIds: subnets } })),
      (e: Error) => e.name === 'InvalidParameterException' && /does not run Kubernetes control planes.*nimbus:kubeconfig/.test(e.message));
    await assert.rejects(eks.send(new CreateClusterCommand({ name: 'one-az', roleArn: role, resourcesVpcConfig: { subnetIds: [subnets[0]!] }, tags: { 'nimbus:kubeconfig': cfg } })),
      /at least two different AZs/);
  });

  test('a cluster fronting the existing one: ACTIVE with its endpoint, CA and version', async () => {
    const created = await eks.send(new CreateClusterCommand({
      name: 'dev', roleArn: role, version: '1.29', resourcesVpcConfig: { subnetIds: subnets }, tags: { 'nimbus:kubeconfig': cfg, team: 'a' },
    }));
    assert.equal(created.cluster!.status, 'CREATING');
    const c = await eventually(async () => {
      const x = await describe_('dev');
      return x.status === 'ACTIVE' ? x : undefined;
    }, 'ACTIVE');
    assert.equal(c.endpoint, kube.url);
    assert.equal(c.version, '1.29');
    assert.equal(Buffer.from(c.certificateAuthority!.data!, 'base64').toString(), readFileSync(join(dir, 'cert.pem'), 'utf8'));
    assert.equal(c.arn, 'arn:aws:eks:us-east-1:000000000000:cluster/dev');
    assert.deepEqual(c.health!.issues, []);
    assert.ok(c.resourcesVpcConfig!.vpcId!.startsWith('vpc-'));
    await assert.rejects(eks.send(new CreateClusterCommand({ name: 'dev', roleArn: role, resourcesVpcConfig: { subnetIds: subnets }, tags: { 'nimbus:kubeconfig': cfg } })),
      (e: Error) => e.name === 'ResourceInUseException');
    assert.deepEqual((await eks.send(new ListClustersCommand({}))).clusters, ['dev']);
    // The AWS CLI sees the same.
    if (!awsCliMissing) assert.equal((await awsCli(n.endpoint).aws('eks', 'describe-cluster', '--name', 'dev')).cluster.endpoint, kube.url);
  });

  test('a requested version the cluster does not run is reported; bad credentials fail the cluster', async () => {
    await eks.send(new CreateClusterCommand({ name: 'newer', roleArn: role, version: '1.31', resourcesVpcConfig: { subnetIds: subnets }, tags: { 'nimbus:kubeconfig': cfg } }));
    const c = await eventually(async () => ((await describe_('newer')).status === 'ACTIVE' ? describe_('newer') : undefined), 'ACTIVE');
    assert.equal(c.version, '1.29');
    assert.equal(c.health!.issues![0]!.code, 'ConfigurationConflict');
    const bad = join(dir, 'bad-kubeconfig');
    kubeconfig(bad, kube.url, readFileSync(join(dir, 'cert.pem'), 'utf8'), 'wrong');
    await eks.send(new CreateClusterCommand({ name: 'denied', roleArn: role, resourcesVpcConfig: { subnetIds: subnets }, tags: { 'nimbus:kubeconfig': bad } }));
    const d = await eventually(async () => ((await describe_('denied')).status === 'FAILED' ? describe_('denied') : undefined), 'FAILED');
    assert.equal(d.health!.issues![0]!.code, 'AccessDenied');
    await eks.send(new DeleteClusterCommand({ name: 'denied' }));
    await eks.send(new DeleteClusterCommand({ name: 'newer' }));
  });

  test('nodegroups are ACTIVE when the cluster has enough Ready nodes, DEGRADED otherwise', async () => {
    const ng = await eks.send(new CreateNodegroupCommand({ clusterName: 'dev', nodegroupName: 'workers', subnets, nodeRole, scalingConfig: { minSize: 1, maxSize: 3, desiredSize: 2 } }));
    assert.equal(ng.nodegroup!.status, 'CREATING');
    await probe();
    const active = (await eks.send(new DescribeNodegroupCommand({ clusterName: 'dev', nodegroupName: 'workers' }))).nodegroup!;
    assert.equal(active.status, 'ACTIVE');
    await eks.send(new UpdateNodegroupConfigCommand({ clusterName: 'dev', nodegroupName: 'workers', scalingConfig: { desiredSize: 3 } }));
    await probe();
    const degraded = (await eks.send(new DescribeNodegroupCommand({ clusterName: 'dev', nodegroupName: 'workers' }))).nodegroup!;
    assert.equal(degraded.status, 'DEGRADED');
    assert.equal(degraded.health!.issues![0]!.code, 'NodeCreationFailure');
    assert.match(degraded.health!.issues![0]!.message!, /does not launch EKS nodes: the cluster has 2 Ready node\(s\) for a desired size of 3/);
    // A node joins (the user's doing): the nodegroup recovers.
    kube.nodes.push({ name: 'node-c', ready: true });
    await probe();
    assert.equal((await eks.send(new DescribeNodegroupCommand({ clusterName: 'dev', nodegroupName: 'workers' }))).nodegroup!.status, 'ACTIVE');
    assert.deepEqual((await eks.send(new ListNodegroupsCommand({ clusterName: 'dev' }))).nodegroups, ['workers']);
  });

  test('Fargate profiles, tags, and deletion order', async () => {
    const fp = await eks.send(new CreateFargateProfileCommand({
      clusterName: 'dev', fargateProfileName: 'default', podExecutionRoleArn: role, selectors: [{ namespace: 'default' }], subnets,
    }));
    assert.equal(fp.fargateProfile!.status, 'CREATING');
    await probe();
    assert.equal((await eks.send(new DescribeFargateProfileCommand({ clusterName: 'dev', fargateProfileName: 'default' }))).fargateProfile!.status, 'ACTIVE');
    const arn = (await describe_('dev')).arn!;
    await eks.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'test' } }));
    assert.equal((await eks.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags!.env, 'test');
    await assert.rejects(eks.send(new DeleteClusterCommand({ name: 'dev' })), (e: Error) => e.name === 'ResourceInUseException');
    await eks.send(new DeleteNodegroupCommand({ clusterName: 'dev', nodegroupName: 'workers' }));
    await eks.send(new DeleteFargateProfileCommand({ clusterName: 'dev', fargateProfileName: 'default' }));
    const del = await eks.send(new DeleteClusterCommand({ name: 'dev' }));
    assert.equal(del.cluster!.status, 'DELETING');
    await assert.rejects(describe_('dev'), (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.name === 'ResourceNotFoundException' && e.$metadata?.httpStatusCode === 404);
  });

  test('an API server that goes away is reported as ClusterUnreachable', async () => {
    await eks.send(new CreateClusterCommand({ name: 'fragile', roleArn: role, resourcesVpcConfig: { subnetIds: subnets }, tags: { 'nimbus:kubeconfig': cfg } }));
    await eventually(async () => (await describe_('fragile')).status === 'ACTIVE', 'ACTIVE');
    await new Promise<void>((r) => kube.server.close(() => r()));
    kube.server.closeAllConnections();
    await probe();
    const c = await describe_('fragile');
    assert.equal(c.status, 'ACTIVE', 'AWS does not fail a cluster that was ACTIVE');
    assert.equal(c.health!.issues![0]!.code, 'ClusterUnreachable');
  });
});
