import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from '../../protocol/types.ts';

// AWS Signature Version 4, server side: parse what the client sent (Authorization header or presigned query),
// rebuild the canonical request as the spec defines it, and compare signatures in constant time.
// Spec: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
//
//   CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload
//   StringToSign     = AWS4-HMAC-SHA256 \n X-Amz-Date \n date/region/service/aws4_request \n hex(sha256(CanonicalRequest))
//   Signature        = hex(HMAC(HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request"), StringToSign))
//
// Where clients legitimately differ (path normalization, '+' in a query, payload hash of a presigned URL), every
// variant a real client produces is tried; each still binds method, path, query, headers and body to the secret.

export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS: a request is valid 15 minutes either side of its X-Amz-Date. */
export const MAX_SKEW_MS = 15 * 60 * 1000;
/** AWS: a presigned URL is valid at most 7 days. */
export const MAX_EXPIRES_S = 604800;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SignatureInfo {
  kind: 'header' | 'query';
  accessKeyId: string;
  /** Credential scope parts. */
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** YYYYMMDD'T'HHMMSS'Z' the client signed with. */
  amzDate: string;
  /** Presigned URLs: seconds the URL stays valid. */
  expires?: number;
}

export type ParsedAuth =
  | { state: 'signed'; sig: SignatureInfo }
  | { state: 'missing' }
  | { state: 'incomplete'; message: string; accessKeyId?: string };

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export function parseAmzDate(s: string): number | undefined {
  const m = AMZ_DATE.exec(s);
  if (!m) return undefined;
  const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(t) ? undefined : t;
}

export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function rawQueryParams(query: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = eq >= 0 ? part.slice(0, eq) : part;
    const v = eq >= 0 ? part.slice(eq + 1) : '';
    out.set(safeDecode(k), safeDecode(v));
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function splitCredential(cred: string): { accessKeyId: string; date: string; region: string; service: string } | undefined {
  const parts = cred.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !parts[0] || !/^\d{8}$/.test(parts[1]!) || !parts[2] || !parts[3]) return undefined;
  return { accessKeyId: parts[0], date: parts[1]!, region: parts[2]!, service: parts[3]! };
}

/** What the request carries: a header signature, a presigned query signature, nothing, or something malformed. */
export function parseAuth(req: HttpRequest): ParsedAuth {
  const auth = req.headers['authorization'];
  if (auth !== undefined && auth !== '') return parseHeaderAuth(req, auth);
  const q = rawQueryParams(req.query);
  if (q.has('X-Amz-Signature') || q.has('X-Amz-Credential') || q.has('X-Amz-Algorithm')) return parseQueryAuth(q);
  // Signature Version 2 (AWSAccessKeyId + Signature parameters): AWS retired it for these services.
  if (q.has('AWSAccessKeyId') || formHas(req, 'AWSAccessKeyId')) {
    return { state: 'incomplete', message: 'Nimbus accepts only AWS Signature Version 4 (AWS4-HMAC-SHA256); Signature Version 2 is not supported.' };
  }
  return { state: 'missing' };
}

function formHas(req: HttpRequest, name: string): boolean {
  const ct = req.headers['content-type'] ?? '';
  if (req.method !== 'POST' || !ct.startsWith('application/x-www-form-urlencoded') || req.body.length > 1024 * 1024) return false;
  return rawQueryParams(req.body.toString('latin1')).has(name);
}

function parseHeaderAuth(req: HttpRequest, auth: string): ParsedAuth {
  const trimmed = auth.trim();
  const space = trimmed.indexOf(' ');
  const algorithm = space > 0 ? trimmed.slice(0, space) : trimmed;
  if (algorithm !== ALGORITHM) {
    return { state: 'incomplete', message: `Unsupported AWS 'algorithm': '${algorithm.slice(0, 40)}'. Nimbus accepts only ${ALGORITHM}.` };
  }
  const fields = new Map<string, string>();
  for (const piece of trimmed.slice(space + 1).split(',')) {
    const p = piece.trim();
    const eq = p.indexOf('=');
    if (eq > 0) fields.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((k) => !fields.get(k));
  const shown = auth.length > 200 ? `${auth.slice(0, 200)}…` : auth;
  if (missing.length) {
    return { state: 'incomplete', message: `${missing.map((k) => `Authorization header requires '${k}' parameter.`).join(' ')} Authorization=${shown}` };
  }
  const cred = splitCredential(fields.get('Credential')!);
  if (!cred) {
    return { state: 'incomplete', message: `Authorization header requires 'Credential' parameter of the form <key>/<YYYYMMDD>/<region>/<service>/aws4_request. Authorization=${shown}` };
  }
  let amzDate = req.headers['x-amz-date'];
  if (!amzDate) {
    // The spec allows the Date header instead; the string to sign then carries it in ISO 8601 basic format.
    const t = req.headers['date'] ? Date.parse(req.headers['date']) : NaN;
    if (Number.isNaN(t)) {
      return { state: 'incomplete', accessKeyId: cred.accessKeyId, message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header." };
    }
    amzDate = formatAmzDate(t);
  }
  if (parseAmzDate(amzDate) === undefined) {
    return { state: 'incomplete', accessKeyId: cred.accessKeyId, message: `Invalid X-Amz-Date '${amzDate.slice(0, 40)}': expected YYYYMMDD'T'HHMMSS'Z'.` };
  }
  const signedHeaders = fields.get('SignedHeaders')!.split(';').map((h) => h.trim().toLowerCase()).filter(Boolean);
  if (!signedHeaders.includes('host')) {
    return { state: 'incomplete', accessKeyId: cred.accessKeyId, message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization." };
  }
  return { state: 'signed', sig: { kind: 'header', ...cred, signedHeaders, signature: fields.get('Signature')!.toLowerCase(), amzDate } };
}

function parseQueryAuth(q: Map<string, string>): ParsedAuth {
  const algorithm = q.get('X-Amz-Algorithm');
  if (algorithm !== ALGORITHM) {
    return { state: 'incomplete', message: `X-Amz-Algorithm must be ${ALGORITHM}${algorithm ? `, not '${algorithm.slice(0, 40)}'` : ''}.` };
  }
  const missing = ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Signature'].filter((k) => !q.get(k));
  if (missing.length) return { state: 'incomplete', message: `AWS query-string parameters missing: ${missing.join(', ')}.` };
  const cred = splitCredential(q.get('X-Amz-Credential')!);
  if (!cred) return { state: 'incomplete', message: 'X-Amz-Credential must be of the form <key>/<YYYYMMDD>/<region>/<service>/aws4_request.' };
  const amzDate = q.get('X-Amz-Date')!;
  if (parseAmzDate(amzDate) === undefined) return { state: 'incomplete', accessKeyId: cred.accessKeyId, message: `Invalid X-Amz-Date '${amzDate.slice(0, 40)}'.` };
  let expires: number | undefined;
  if (q.has('X-Amz-Expires')) {
    const raw = q.get('X-Amz-Expires')!;
    expires = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
    if (Number.isNaN(expires)) return { state: 'incomplete', accessKeyId: cred.accessKeyId, message: 'X-Amz-Expires should be a number.' };
    if (expires > MAX_EXPIRES_S) return { state: 'incomplete', accessKeyId: cred.accessKeyId, message: `X-Amz-Expires must be less than a week (in seconds) that is ${MAX_EXPIRES_S}.` };
  }
  const signedHeaders = q.get('X-Amz-SignedHeaders')!.split(';').map((h) => h.trim().toLowerCase()).filter(Boolean);
  return { state: 'signed', sig: { kind: 'query', ...cred, signedHeaders, signature: q.get('X-Amz-Signature')!.toLowerCase(), amzDate, expires } };
}

/** A problem with the signature's time window (wall clock), or undefined when it is current. */
export function timeProblem(sig: SignatureInfo, nowMs: number): { kind: 'expired' | 'future'; message: string } | undefined {
  const t = parseAmzDate(sig.amzDate)!;
  if (sig.date !== sig.amzDate.slice(0, 8)) return undefined; // a scope/date mismatch fails the signature itself
  const fmt = (ms: number) => formatAmzDate(ms);
  if (sig.kind === 'query') {
    const expires = sig.expires ?? MAX_EXPIRES_S;
    if (nowMs > t + expires * 1000) return { kind: 'expired', message: `Request has expired. X-Amz-Date ${sig.amzDate} + X-Amz-Expires ${expires} s is earlier than now, ${fmt(nowMs)}.` };
    if (t > nowMs + MAX_SKEW_MS) return { kind: 'future', message: `Signature not yet current: ${sig.amzDate} is still later than ${fmt(nowMs + MAX_SKEW_MS)} (${fmt(nowMs)} + 15 min.)` };
    return undefined;
  }
  if (t < nowMs - MAX_SKEW_MS) return { kind: 'expired', message: `Signature expired: ${sig.amzDate} is now earlier than ${fmt(nowMs - MAX_SKEW_MS)} (${fmt(nowMs)} - 15 min.)` };
  if (t > nowMs + MAX_SKEW_MS) return { kind: 'future', message: `Signature not yet current: ${sig.amzDate} is still later than ${fmt(nowMs + MAX_SKEW_MS)} (${fmt(nowMs)} + 15 min.)` };
  return undefined;
}

/** RFC 3986 percent-encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ (and '/' when kept). */
export function uriEncode(s: string, keepSlash = false): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || c === '-' || c === '_' || c === '.' || c === '~' || (keepSlash && c === '/')) out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** RFC 3986 dot-segment removal and empty-segment collapsing, keeping a trailing slash (what the SDKs sign). */
export function normalizePath(path: string): string {
  const segs: string[] = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') segs.pop();
    else segs.push(s);
  }
  return `/${segs.join('/')}${segs.length && path.endsWith('/') ? '/' : ''}`;
}

/** Candidate canonical URIs: the spec's (normalized, each byte of the wire path encoded again), then unnormalized. */
function canonicalUris(rawPath: string): string[] {
  const path = rawPath || '/';
  const a = uriEncode(normalizePath(path), true);
  const b = uriEncode(path, true);
  return a === b ? [a] : [a, b];
}

function canonicalQueries(rawQuery: string, dropSignature: boolean): string[] {
  const build = (plusIsSpace: boolean): string => {
    const pairs: [string, string][] = [];
    for (const part of rawQuery.split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      let k = eq >= 0 ? part.slice(0, eq) : part;
      let v = eq >= 0 ? part.slice(eq + 1) : '';
      if (plusIsSpace) {
        k = k.replace(/\+/g, ' ');
        v = v.replace(/\+/g, ' ');
      }
      k = safeDecode(k);
      if (dropSignature && k === 'X-Amz-Signature') continue;
      pairs.push([uriEncode(k), uriEncode(safeDecode(v))]);
    }
    pairs.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
    return pairs.map(([k, v]) => `${k}=${v}`).join('&');
  };
  const literal = build(false);
  return rawQuery.includes('+') ? [literal, build(true)] : [literal];
}

function canonicalHeaders(req: HttpRequest, signed: string[]): string {
  return signed.map((h) => `${h}:${(req.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'signature' | 'payload' };

/** Checks the signature with `secret`; the payload hash header (when the client sent one) must match the body. */
export function verifySignature(req: HttpRequest, sig: SignatureInfo, secret: string): VerifyResult {
  const bodyHash = sha256Hex(req.body);
  const claimed = (sig.kind === 'query' ? rawQueryParams(req.query).get('X-Amz-Content-Sha256') : undefined) ?? req.headers['x-amz-content-sha256'];
  let payloads: string[];
  if (claimed !== undefined) {
    const unsigned = claimed === 'UNSIGNED-PAYLOAD' || claimed.startsWith('STREAMING-');
    if (!unsigned && claimed.toLowerCase() !== bodyHash) return { ok: false, reason: 'payload' };
    payloads = [claimed];
  } else {
    // A presigned URL's payload is UNSIGNED-PAYLOAD (S3 style) or the body's hash (botocore's generic presigner).
    payloads = sig.kind === 'query' ? [bodyHash, 'UNSIGNED-PAYLOAD'] : [bodyHash];
  }
  if (sig.kind === 'query' && req.body.length === 0 && !payloads.includes(EMPTY_SHA256)) payloads.push(EMPTY_SHA256);
  const key = signingKey(secret, sig.date, sig.region, sig.service);
  const scope = `${sig.date}/${sig.region}/${sig.service}/aws4_request`;
  const headers = canonicalHeaders(req, sig.signedHeaders);
  const signedList = sig.signedHeaders.join(';');
  const expected = Buffer.from(sig.signature, 'utf8');
  for (const uri of canonicalUris(req.path)) {
    for (const query of canonicalQueries(req.query, sig.kind === 'query')) {
      for (const payload of payloads) {
        const canonical = `${req.method.toUpperCase()}\n${uri}\n${query}\n${headers}\n${signedList}\n${payload}`;
        const toSign = `${ALGORITHM}\n${sig.amzDate}\n${scope}\n${sha256Hex(canonical)}`;
        const got = Buffer.from(createHmac('sha256', key).update(toSign).digest('hex'), 'utf8');
        if (got.length === expected.length && timingSafeEqual(got, expected)) return { ok: true };
      }
    }
  }
  return { ok: false, reason: 'signature' };
}
