// Reads (not verifies) the SigV4 credential scope for service detection: which key, region and service.
// Verification (strict mode) and key → account mapping live in ./auth/ and src/core/credentials.ts.

export interface CredentialScope {
  accessKeyId: string;
  region: string;
  service: string;
}

const AUTH_RE = /Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/;

export function credentialScope(headers: Record<string, string>, query: URLSearchParams): CredentialScope | undefined {
  const auth = headers['authorization'];
  const m = auth ? AUTH_RE.exec(auth) : undefined;
  if (m) return { accessKeyId: m[1], region: m[3], service: m[4] };
  const cred = query.get('X-Amz-Credential');
  if (cred) {
    const parts = cred.split('/');
    if (parts.length >= 5) return { accessKeyId: parts[0], region: parts[2], service: parts[3] };
  }
  return undefined;
}

export { DEFAULT_ACCOUNT } from '../core/credentials.ts';
