// Reads (not verifies) the SigV4 credential scope: who is calling, which region, which service.
// AWS: every request must be signed and verified. Here: permissive by default (any key accepted),
// because a local cloud is used with dummy credentials; strict verification is planned (issue 8).

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

export const DEFAULT_ACCOUNT = '000000000000';

/** A 12-digit access key id is taken as the account id (see DESIGN.md conventions). */
export function accountFor(accessKeyId: string | undefined): string {
  return accessKeyId && /^\d{12}$/.test(accessKeyId) ? accessKeyId : DEFAULT_ACCOUNT;
}
