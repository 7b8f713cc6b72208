import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { KubeTarget } from './kubeconfig.ts';

// The few Kubernetes API reads the EKS API needs from the user's cluster: /version (is it there, which version) and
// /api/v1/nodes (how many nodes are Ready, for nodegroups). Bounded by a timeout; never throws for HTTP errors.

export interface KubeResponse { status: number; body: unknown }

export function kubeGet(t: KubeTarget, path: string, timeoutMs = 3000): Promise<KubeResponse> {
  const url = new URL(path, `${t.server}/`);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (t.token) headers.authorization = `Bearer ${t.token}`;
  else if (t.username) headers.authorization = `Basic ${Buffer.from(`${t.username}:${t.password ?? ''}`).toString('base64')}`;
  const tls = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (tls ? httpsRequest : httpRequest)(url, {
      method: 'GET', headers, timeout: timeoutMs, agent: false,
      ...(tls ? { ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: !t.insecure, ...(isIP(url.hostname) ? {} : { servername: url.hostname }) } : {}),
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${t.server} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** `{ gitVersion: "v1.29.3+k3s1" }` → "1.29". */
export function minorVersion(body: unknown): string | undefined {
  const v = (body as { gitVersion?: string; major?: string; minor?: string } | undefined);
  const m = /^v?(\d+)\.(\d+)/.exec(v?.gitVersion ?? '');
  if (m) return `${m[1]}.${m[2]}`;
  if (v?.major && v.minor) return `${v.major}.${v.minor.replace(/\D+$/, '')}`;
  return undefined;
}

/** Ready nodes of a NodeList, optionally only those with a label. */
export function readyNodes(body: unknown, label?: { key: string; value: string }): string[] {
  const items = (body as { items?: Array<{ metadata?: { name?: string; labels?: Record<string, string> }; status?: { conditions?: Array<{ type?: string; status?: string }> } }> })?.items ?? [];
  return items.filter((n) => (!label || n.metadata?.labels?.[label.key] === label.value)
    && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((n) => n.metadata?.name ?? '');
}
