import { AwsError } from '../core/errors.ts';
import { protocols } from '../protocol/index.ts';
import type { HttpRequest, HttpResponse } from '../protocol/types.ts';
import { detectService } from './detect.ts';
import type { ServiceRegistry } from './registry.ts';

// What one request may cost the gateway. AWS's front ends limit request sizes per service (query APIs accept a
// few MB at most, SNS/SQS messages 256 KiB, Lambda code uploads ~70 MB); a request over the limit is refused with
// 413 before it is read, and the connection is closed.

export interface GatewayLimits {
  /** Largest request body in bytes (default 10 MiB). */
  maxBodyBytes: number;
  /** Lambda code uploads (CreateFunction/UpdateFunctionCode with a base64 zip): AWS's request limit. */
  maxCodeUploadBytes: number;
  /** Total size of the request line and headers (node's parser answers 431 beyond it). */
  maxHeaderBytes: number;
  /** Headers beyond this count are dropped (AWS signs a handful; a flood of them is not a request). */
  maxHeadersCount: number;
  /** The headers must have arrived within this (slowloris). */
  headersTimeoutMs: number;
  /** The whole request must have arrived within this. Only receiving counts: a long poll's answer may take longer. */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: GatewayLimits = {
  maxBodyBytes: 10 * 1024 * 1024,
  maxCodeUploadBytes: 70_167_211,
  maxHeaderBytes: 16 * 1024,
  maxHeadersCount: 200,
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 120_000,
};

const CODE_UPLOAD = /^\/20\d\d-\d\d-\d\d\/(functions|layers)(\/|$)/;

/** The body limit for this request (decided from the request line and headers, before the body is read). */
export function bodyLimit(req: HttpRequest, limits: GatewayLimits): number {
  if ((req.method === 'POST' || req.method === 'PUT') && CODE_UPLOAD.test(req.path)) return Math.max(limits.maxBodyBytes, limits.maxCodeUploadBytes);
  return limits.maxBodyBytes;
}

/** 413 in the envelope of the protocol the request looks like (decided without its body). */
export function tooLarge(req: HttpRequest, registry: ServiceRegistry, max: number, requestId: string): HttpResponse {
  const found = detectService({ ...req, body: Buffer.alloc(0) }, registry);
  // A form body that was not read names no Action: unless the signature or query string named the service, it is
  // a query-protocol request (not whatever rest route happens to match POST /).
  const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  const protocol = form && found.looksLike === 'rest' && !found.region ? protocols.query : found.protocol;
  const message = `Request must be smaller than ${max} bytes`;
  const name = protocol?.name ?? (found.looksLike === 'json' ? 'json' : found.looksLike === 'query' || form ? 'query' : 'rest-json');
  const err = new AwsError(name === 'rest-json' ? 'RequestTooLargeException' : 'RequestEntityTooLarge', message, { status: 413 });
  const model = protocol === found.protocol ? found.service?.model : undefined;
  const out = (protocol ?? fallback(name)).serializeError(model, err, { requestId });
  out.headers['x-amzn-requestid'] = requestId;
  return out;
}

function fallback(name: 'ec2' | 'query' | 'json' | 'rest-json') {
  return protocols[name];
}

/** Whether an IPv4 address (plain or IPv4-mapped IPv6) is inside a CIDR. */
export function inCidr(address: string, cidr: string): boolean {
  const ip = address.startsWith('::ffff:') ? address.slice(7) : address;
  const [base, bits] = cidr.split('/');
  const a = ipv4(ip), b = ipv4(base ?? '');
  const n = Number(bits);
  if (a === undefined || b === undefined || !(n >= 0 && n <= 32)) return false;
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

function ipv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}
