import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Ec2Deps } from './deps.ts';
import type { InstanceRow } from './store.ts';
import { userDataOf } from './instances/lifecycle.ts';
import { macFor } from '../../engines/network/ipam.ts';
import { isoSeconds, type InstanceAction } from './spot/status.ts';

// The instance metadata service (IMDS), as instances see it at http://169.254.169.254.
// The caller is identified by its source address (its private IP on the Nimbus bridge), as on AWS
// where the hypervisor knows which instance a packet comes from. IMDSv2 tokens are bound to the instance.

const secret = randomBytes(32);

function token(instanceId: string, expires: number): string {
  const body = `${instanceId}.${expires}`;
  return `${Buffer.from(body).toString('base64url')}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

function tokenValid(t: string, instanceId: string, now: number): boolean {
  const [b, sig] = t.split('.');
  if (!b || !sig) return false;
  const body = Buffer.from(b, 'base64url').toString();
  const want = createHmac('sha256', secret).update(body).digest();
  const got = Buffer.from(sig, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return false;
  const [id, exp] = body.split('.');
  return id === instanceId && Number(exp) > now;
}

type Tree = { [k: string]: string | Tree | undefined };

function metadataTree(d: Ec2Deps, r: InstanceRow): Tree {
  const groups = (JSON.parse(r.security_group_ids) as string[]).map((id) => d.store.group(id)?.name ?? id).join('\n');
  const host = `ip-${r.private_ip.replace(/\./g, '-')}.${r.region === 'us-east-1' ? 'ec2.internal' : `${r.region}.compute.internal`}`;
  const mac = macFor(r.private_ip);
  return {
    'ami-id': r.image_id, 'ami-launch-index': String(r.launch_index), 'hostname': host, 'local-hostname': host, 'instance-id': r.id,
    'instance-type': r.instance_type, 'local-ipv4': r.private_ip, mac, 'reservation-id': r.reservation_id, 'security-groups': groups,
    'instance-action': 'none', 'public-keys/': undefined, 'instance-life-cycle': r.market === 'spot' ? 'spot' : 'on-demand',
    placement: {
      'availability-zone': r.az, region: r.region, 'availability-zone-id': d.store.subnet(r.subnet_id)?.az_id ?? '',
      ...(r.host_id ? { 'host-id': r.host_id } : {}),
    },
    // Only while an interruption notice is pending (404 before, as on AWS).
    ...(r.instance_action_json && r.interruption_at ? { spot: spotTree(r) } : {}),
    network: { interfaces: { macs: { [mac]: { 'local-ipv4s': r.private_ip, 'subnet-id': r.subnet_id, 'vpc-id': r.vpc_id, 'security-group-ids': JSON.parse(r.security_group_ids).join('\n'), mac } } } },
    services: { domain: 'amazonaws.com', partition: 'aws' },
  };
}

function spotTree(r: InstanceRow): Tree {
  const { action } = JSON.parse(r.instance_action_json!) as InstanceAction;
  const time = isoSeconds(r.interruption_at!);
  return { 'instance-action': `{"action": "${action}", "time": "${time}"}`, ...(action === 'terminate' ? { 'termination-time': time } : {}) };
}

function lookup(tree: Tree, parts: string[]): string | undefined {
  let node: string | Tree | undefined = tree;
  for (const p of parts) {
    if (typeof node !== 'object') return undefined;
    node = node[p] ?? node[`${p}/`];
  }
  if (node === undefined) return undefined;
  if (typeof node === 'string') return node;
  return Object.entries(node).filter(([k]) => !k.endsWith('/')).map(([k, v]) => (typeof v === 'object' ? `${k}/` : k)).join('\n');
}

export interface ImdsRequest { method: string; path: string; headers: Record<string, string | undefined>; remoteIp: string }
export interface ImdsResponse { status: number; body: string | Buffer; headers?: Record<string, string> }

export function imdsHandle(d: Ec2Deps, req: ImdsRequest): ImdsResponse {
  const inst = d.store.instanceByIp(req.remoteIp);
  if (!inst || inst.state !== 'running') return { status: 403, body: 'Forbidden' };
  const now = d.clock.now();
  const path = req.path.split('?')[0];
  // Dated versions (e.g. /2021-07-15/) are aliases of /latest/, which is what AWS serves for current instances.
  const m = /^\/(latest|\d{4}-\d{2}-\d{2})(\/.*)?$/.exec(path);
  if (path === '/' ) return { status: 200, body: 'latest' };
  if (!m) return { status: 404, body: 'Not Found' };
  const rest = (m[2] ?? '/').replace(/^\//, '');
  if (rest === 'api/token') {
    if (req.method !== 'PUT') return { status: 405, body: 'Method Not Allowed' };
    // AWS refuses token requests that went through a proxy, to stop SSRF from reaching IMDSv2.
    if (req.headers['x-forwarded-for']) return { status: 403, body: 'Forbidden' };
    const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return { status: 400, body: 'Bad Request' };
    return { status: 200, body: token(inst.id, now + ttl * 1000), headers: { 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) } };
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, body: 'Method Not Allowed' };
  const t = req.headers['x-aws-ec2-metadata-token'];
  // IMDSv1 (no token) is allowed, as HttpTokens=optional; a token that is present must be valid.
  if (t !== undefined && !tokenValid(t, inst.id, now)) return { status: 401, body: 'Unauthorized' };
  if (rest === '' ) return { status: 200, body: 'dynamic\nmeta-data\nuser-data' };
  if (rest === 'user-data' || rest === 'user-data/') {
    const ud = userDataOf(inst);
    return ud ? { status: 200, body: ud, headers: { 'content-type': 'application/octet-stream' } } : { status: 404, body: 'Not Found' };
  }
  if (rest === 'dynamic/instance-identity/document') {
    const doc = {
      accountId: inst.account, architecture: 'x86_64', availabilityZone: inst.az, imageId: inst.image_id, instanceId: inst.id,
      instanceType: inst.instance_type, pendingTime: new Date(inst.launch_time).toISOString().replace(/\.\d+Z$/, 'Z'), privateIp: inst.private_ip,
      region: inst.region, version: '2017-09-30', billingProducts: null, devpayProductCodes: null, marketplaceProductCodes: null, kernelId: null, ramdiskId: null,
    };
    return { status: 200, body: JSON.stringify(doc, null, 2), headers: { 'content-type': 'application/json' } };
  }
  if (rest.startsWith('meta-data')) {
    const parts = rest.slice('meta-data'.length).split('/').filter(Boolean);
    const body = lookup(metadataTree(d, inst), parts);
    return body === undefined ? { status: 404, body: 'Not Found' } : { status: 200, body };
  }
  return { status: 404, body: 'Not Found' };
}

export function startImds(d: Ec2Deps, host: string, port: number): Promise<Server> {
  const server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      const remote = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v[0] : v;
      let out: ImdsResponse;
      try {
        out = imdsHandle(d, { method: req.method ?? 'GET', path: req.url ?? '/', headers, remoteIp: remote });
      } catch (err) {
        d.log.error({ err }, 'imds failure');
        out = { status: 500, body: 'Internal Server Error' };
      }
      res.writeHead(out.status, { 'content-type': 'text/plain', server: 'EC2ws', ...(out.headers ?? {}) });
      res.end(req.method === 'HEAD' ? undefined : out.body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
