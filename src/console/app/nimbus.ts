// Nimbus's own endpoints (under /_nimbus/) for what AWS has no API for: instance exec ("connect"), instance memory
// stats, the SNS email inbox, spot reclaims, Nimbus's (simulated) clock and its health.

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { message: text };
  }
  if (!res.ok) {
    const msg = (body as { message?: string; error?: string }).message ?? (body as { error?: string }).error ?? res.statusText;
    throw new Error(`${res.status}: ${msg}`);
  }
  return body as T;
}

const post = (path: string, body: unknown) => call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export interface ExecResult { code: number | null; stdout: string; stderr: string }
export const execIn = (id: string, command: string) =>
  post(`/_nimbus/instances/${id}/exec`, { argv: ['/bin/sh', '-c', command], timeoutMs: 30_000 }) as Promise<ExecResult>;

export interface InstanceStats { cpuUsageMicros: number; memoryBytes: number; memoryLimitBytes: number; oomKills: number }
export const instanceStats = (id: string) => call<InstanceStats>(`/_nimbus/console/api/stats/${id}`);

export interface Mail { id: number; to: string; subject: string; kind: string; contentType: string; topicArn: string; subscriptionArn: string; date: string; body: string }
export const mailbox = () => call<{ messages: Mail[] }>('/_nimbus/sns/mail?limit=200').then((r) => r.messages);
export const clearMailbox = () => call('/_nimbus/sns/mail', { method: 'DELETE' });

/** EC2's two-minute spot interruption notice, as Nimbus's reclaim route answers it. */
export interface SpotNotice { instanceId: string; action: string; time: string; cause?: string }
/** Reclaims a spot instance: it gets the interruption notice now and is interrupted when the notice runs out. */
export const spotReclaim = (instanceId: string) => post('/_nimbus/spot/reclaim', { instanceId }) as Promise<SpotNotice>;
export const noticeText = (n: SpotNotice) =>
  `Spot interruption notice for ${n.instanceId}: ${n.action} at ${n.time}${n.cause ? ` (${n.cause})` : ''} — two minutes on Nimbus's clock.`;

export interface Health { services: Record<string, { status: string; operations: number; limitations: string[] }>; driver: { warnings?: string[] } }
export const health = () => call<Health>('/_nimbus/health');

// Nimbus's clock can run ahead of the browser's (simulated time, `nimbus clock advance`): metric and billing queries
// use Nimbus's "now". Refreshed at most every 5 s; the browser's clock when the route does not exist.
let offsetMs = 0;
let checkedAt = 0;
export async function nimbusNow(): Promise<number> {
  if (Date.now() - checkedAt > 5000) {
    checkedAt = Date.now();
    try {
      const r = await call<{ now: string }>('/_nimbus/clock');
      const t = Date.parse(r.now);
      if (Number.isFinite(t)) offsetMs = t - Date.now();
    } catch {
      offsetMs = 0;
    }
  }
  return Date.now() + offsetMs;
}

export interface LbInfo { arn: string; listeners: Array<{ arn: string; protocol: string; port: number; endpoint?: { host: string; port: number } | null }> }
/** Where each load balancer's listener really listens ("http://10.0.0.5:80"), by listener ARN. */
export async function lbEndpoints(): Promise<Map<string, string>> {
  const r = await call<{ loadBalancers: LbInfo[] }>('/_nimbus/elbv2');
  const out = new Map<string, string>();
  for (const lb of r.loadBalancers) {
    for (const l of lb.listeners) if (l.endpoint) out.set(l.arn, `${l.protocol === 'TCP' ? 'tcp' : 'http'}://${l.endpoint.host}:${l.endpoint.port}`);
  }
  return out;
}
