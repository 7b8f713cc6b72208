import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Shared by the security tests: two accounts with real secrets, and the AWS SDK's own SigV4 signer for requests the
// service clients don't make (query-protocol SQS, STS, presigned URLs).

export const ALICE = { accessKeyId: 'AKIAALICE00000000001', secretAccessKey: 'alice/secret+key/0123456789abcdefghijkl', account: '111111111111', userName: 'alice' };
export const BOB = { accessKeyId: 'AKIABOB0000000000002', secretAccessKey: 'bob-secret-key-0123456789abcdefghijklmno', account: '222222222222' };

/** Writes a credentials file with ALICE and BOB; returns its path. */
export function writeCredentials(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-creds-'));
  const file = join(dir, 'credentials.json');
  writeFileSync(file, JSON.stringify({
    [ALICE.accessKeyId]: { secretAccessKey: ALICE.secretAccessKey, account: ALICE.account, userName: ALICE.userName },
    [BOB.accessKeyId]: { secretAccessKey: BOB.secretAccessKey, account: BOB.account },
  }, null, 2));
  return file;
}

export type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** SDK client options for an account (no retries: a rejection must surface). */
export function clientConfig(endpoint: string, creds: Creds, extra: Record<string, unknown> = {}) {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken }, maxAttempts: 1, ...extra };
}

class NodeSha256 {
  private h;
  constructor(secret?: string | Uint8Array) {
    this.h = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(d: string | Uint8Array): void {
    this.h.update(d);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

export function signer(service: string, creds: Creds, region = 'us-east-1'): SignatureV4 {
  return new SignatureV4({ service, region, credentials: creds, sha256: NodeSha256 as never });
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

function target(endpoint: string) {
  const u = new URL(endpoint);
  return { protocol: u.protocol, hostname: u.hostname, port: Number(u.port), host: u.host };
}

/** A form POST (query/ec2 protocol) signed by the SDK's signer. */
export async function signedForm(endpoint: string, service: string, creds: Creds, params: Record<string, string>, opts: { signingDate?: Date; tamper?: (body: string) => string } = {}): Promise<RawResponse> {
  const t = target(endpoint);
  const body = new URLSearchParams(params).toString();
  const req = await signer(service, creds).sign({
    method: 'POST', protocol: t.protocol, hostname: t.hostname, port: t.port, path: '/', query: {},
    headers: { host: t.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body,
  }, { signingDate: opts.signingDate });
  const res = await fetch(`${endpoint}/`, { method: 'POST', headers: req.headers as Record<string, string>, body: opts.tamper ? opts.tamper(body) : body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** A presigned GET URL for a query action (what SDK presigners produce). */
export async function presignedUrl(endpoint: string, service: string, creds: Creds, params: Record<string, string>, opts: { expiresIn?: number; signingDate?: Date; path?: string } = {}): Promise<string> {
  const t = target(endpoint);
  const req = await signer(service, creds).presign({
    method: 'GET', protocol: t.protocol, hostname: t.hostname, port: t.port, path: opts.path ?? '/', query: params, headers: { host: t.host },
  }, { expiresIn: opts.expiresIn ?? 300, signingDate: opts.signingDate });
  const q = Object.entries(req.query as Record<string, string>).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return `${endpoint}${req.path}?${q}`;
}

export async function raw(url: string, init: RequestInit = {}): Promise<RawResponse> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The <Code> of an XML error envelope, or the JSON __type / x-amzn-query-error code. */
export function errorCode(r: RawResponse): string | undefined {
  const q = r.headers.get('x-amzn-query-error');
  if (q) return q.split(';')[0];
  const m = /<Code>([^<]+)<\/Code>/.exec(r.text);
  if (m) return m[1];
  try {
    const j = JSON.parse(r.text) as { __type?: string; code?: string };
    return (j.__type ?? j.code)?.split('#').pop();
  } catch {
    return undefined;
  }
}

/** Runs `fn` and returns the SDK error's name (fails when it succeeds). */
export async function sdkError(fn: () => Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await fn();
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the call to fail');
}
