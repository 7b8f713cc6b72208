import { DescribeTagsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeSubnetsCommand, DescribeVpcsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { createServer, request, type Server } from 'node:http';
import { sdkClient, startTestNimbus, type TestNimbus } from '../support/nimbus.ts';

// Health checks at AWS timing × 0.1 (a 5-s interval is 0.5 s) so tests don't wait for real intervals.
export async function startElbNimbus(): Promise<TestNimbus & { elb: ElasticLoadBalancingV2Client }> {
  process.env.NIMBUS_ELB_HEALTH_SCALE = '0.1';
  const t = await startTestNimbus();
  const elb = sdkClient(ElasticLoadBalancingV2Client, t.endpoint);
  return { ...t, elb, close: async () => { elb.destroy(); await t.close(); } };
}

export async function network(ec2: EC2Client): Promise<{ vpc: string; subnets: string[] }> {
  const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!.map((s) => s.SubnetId!);
  const vpc = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs!.find((v) => v.IsDefault)!.VpcId!;
  return { vpc, subnets };
}

/** Where a listener really listens (Nimbus's listener tag). */
export async function endpointOf(elb: ElasticLoadBalancingV2Client, listenerArn: string): Promise<string> {
  const r = await elb.send(new DescribeTagsCommand({ ResourceArns: [listenerArn] }));
  return r.TagDescriptions![0]!.Tags!.find((t) => t.Key === 'nimbus:endpoint')!.Value!;
}

export interface Backend { server: Server; port: number; name: string; hits: number; healthy: boolean; slowMs: number; seen: Array<Record<string, unknown>> }

/** A loopback HTTP server answering its name; /health answers 200 or 500; /slow waits slowMs. */
export async function backend(name: string): Promise<Backend> {
  const b: Backend = { server: createServer(), port: 0, name, hits: 0, healthy: true, slowMs: 0, seen: [] };
  b.server.on('request', (q, s) => {
    if (q.url === '/health') {
      s.statusCode = b.healthy ? 200 : 503;
      s.end();
      return;
    }
    b.hits += 1;
    b.seen.push({ url: q.url, ...q.headers });
    const wait = q.url?.startsWith('/slow') ? b.slowMs : 0;
    setTimeout(() => s.end(`${name}:${q.url}`), wait);
  });
  await new Promise<void>((r) => b.server.listen(0, '127.0.0.1', r));
  b.port = (b.server.address() as { port: number }).port;
  return b;
}

/** One HTTP request, no connection reuse, optional extra headers; bounded. */
export function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
