import { readFileSync } from 'node:fs';
import type { HttpRequest, ServiceModel } from './types.ts';

// Helpers for the protocol tests (not used at run time).

export function loadModel(name: string): ServiceModel {
  return JSON.parse(readFileSync(new URL(`../../models/${name}.json`, import.meta.url), 'utf8')) as ServiceModel;
}

export function formRequest(params: Record<string, string> | string, extra: Partial<HttpRequest> = {}): HttpRequest {
  const body = typeof params === 'string' ? params : new URLSearchParams(params).toString();
  return {
    method: 'POST', path: '/', query: '',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: Buffer.from(body), ...extra,
  };
}

export function request(method: string, pathAndQuery: string, body: string | Buffer = '', headers: Record<string, string> = {}): HttpRequest {
  const q = pathAndQuery.indexOf('?');
  return {
    method,
    path: q >= 0 ? pathAndQuery.slice(0, q) : pathAndQuery,
    query: q >= 0 ? pathAndQuery.slice(q + 1) : '',
    headers,
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  };
}

export function bodyText(b: Buffer | string): string {
  return typeof b === 'string' ? b : b.toString('utf8');
}
