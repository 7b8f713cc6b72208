import type { OperationModel, ServiceModel, Shape, ShapeRef } from '../../src/protocol/types.ts';

// Request generators for the protocol fuzz test: malformed and model-shaped-but-wrong inputs for every protocol.
// Deterministic for a seed (mulberry32), so a failure can be replayed with NIMBUS_FUZZ_SEED.

export type Rng = () => number;

export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const chance = (r: Rng, p: number) => r() < p;

export interface FuzzRequest {
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

const STRINGS = [
  '', 'a', 'x'.repeat(5000), 'ünïcödé ☃ 𝄞', '\u0000', '\u0000\u0001\u001f', '../../../etc/passwd', '%00', '%', '%ZZ', '${jndi:ldap://x}', '<script>', ']]>', '&amp;',
  '"\'', 'null', 'true', '-1', '1e309', 'NaN', '0x10', 'i-0123456789abcdef0', 'sg-00000000', 'vol-1', 'ami-0a0000000000000a1',
  'arn:aws:sqs:us-east-1:999999999999:q', 'arn:aws:lambda:us-east-1:999999999999:function:f', 'http://127.0.0.1:1/999999999999/q', '*', '?', '\\', 'a'.repeat(256),
  '\ud800', '2024-13-45T25:61:61Z', ' leading space', 'tab\there', 'new\nline',
];
const NUMBERS: unknown[] = [0, -1, 1, 2147483648, -2147483649, 9007199254740993, 1e308, -1e308, 0.5, 'abc', '', '1e999', true, null, [], {}];

function ref(model: ServiceModel, r: ShapeRef): Shape {
  return model.shapes[r.shape]!;
}

/** A random value for a shape: usually of the right kind with hostile content, sometimes of the wrong kind. */
export function randomValue(r: Rng, model: ServiceModel, shapeRef: ShapeRef, depth = 0): unknown {
  const shape = ref(model, shapeRef);
  if (chance(r, 0.12)) return pick(r, [pick(r, STRINGS), pick(r, NUMBERS), [pick(r, STRINGS)], { k: pick(r, STRINGS) }]);
  switch (shape.type) {
    case 'structure': {
      if (depth > 4) return {};
      const out: Record<string, unknown> = {};
      for (const [name, m] of Object.entries(shape.members ?? {})) {
        if (chance(r, (shape.required ?? []).includes(name) ? 0.85 : 0.35)) out[name] = randomValue(r, model, m, depth + 1);
      }
      return out;
    }
    case 'list': {
      if (depth > 4) return [];
      const n = chance(r, 0.05) ? 60 : Math.floor(r() * 4);
      return Array.from({ length: n }, () => randomValue(r, model, shape.member!, depth + 1));
    }
    case 'map': {
      if (depth > 4) return {};
      const out: Record<string, unknown> = {};
      for (let i = 0; i < Math.floor(r() * 3); i++) out[pick(r, STRINGS) || `k${i}`] = randomValue(r, model, shape.value!, depth + 1);
      return out;
    }
    case 'string':
      return shape.enum && chance(r, 0.5) ? pick(r, shape.enum) : pick(r, STRINGS);
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      return pick(r, NUMBERS);
    case 'boolean':
      return pick(r, [true, false, 'yes', 2, null]);
    case 'timestamp':
      return pick(r, [0, -1, 1e20, 'not a date', '2024-13-45', '1970-01-01T00:00:00Z', 253402300800, '9999-12-31T23:59:59Z']);
    case 'blob':
      return pick(r, ['aGVsbG8=', '!!!not base64!!!', '', 'A'.repeat(4001)]);
    default:
      return pick(r, STRINGS);
  }
}

/** Flattens a value into query/ec2 parameters roughly as the parser expects them (names sometimes wrong on purpose). */
function flatten(dialect: 'ec2' | 'query', model: ServiceModel, shapeRef: ShapeRef | undefined, v: unknown, prefix: string, out: [string, string][]): void {
  const shape = shapeRef ? ref(model, shapeRef) : undefined;
  if (v === null || v === undefined) return;
  if (Array.isArray(v)) {
    const member = shape?.type === 'list' ? shape.member : undefined;
    const base = dialect === 'query' && shape?.type === 'list' && !shape.flattened && !shapeRef?.flattened ? `${prefix}.member` : prefix;
    v.forEach((x, i) => flatten(dialect, model, member, x, `${base}.${i + 1}`, out));
    return;
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (shape?.type === 'map') {
      entries.forEach(([k, x], i) => {
        out.push([`${prefix}.entry.${i + 1}.key`, k]);
        flatten(dialect, model, shape.value, x, `${prefix}.entry.${i + 1}.value`, out);
      });
      return;
    }
    for (const [name, x] of entries) {
      const m = shape?.members?.[name];
      let wire = name;
      if (m && dialect === 'ec2') wire = m.queryName ?? (m.locationName ? m.locationName[0]!.toUpperCase() + m.locationName.slice(1) : name);
      else if (m?.locationName) wire = m.locationName;
      flatten(dialect, model, m, x, prefix ? `${prefix}.${wire}` : wire, out);
    }
    return;
  }
  out.push([prefix || 'Value', String(v)]);
}

/** Percent-encodes the UTF-8 bytes (lone surrogates become U+FFFD, as any client would send them). */
export function pct(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

function form(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&');
}

const INVALID_UTF8 = Buffer.from([0xc0, 0xaf, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0xf8, 0x88, 0x80, 0x80, 0x80]);

function randomBytes(r: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** Bodies that break parsers: deep nesting, truncation, invalid UTF-8, huge numbers, wrong top-level types. */
function hostileJson(r: Rng, valid: string): Buffer {
  switch (Math.floor(r() * 11)) {
    case 0: return Buffer.from('['.repeat(100_000));
    case 1: return Buffer.from(`${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`);
    case 2: return Buffer.from(valid.slice(0, Math.floor(r() * valid.length)));
    case 3: return Buffer.concat([Buffer.from('{"x":"'), INVALID_UTF8, Buffer.from('"}')]);
    case 4: return Buffer.from('{"n": 1e999999, "m": -1e999999, "i": 123456789012345678901234567890}');
    case 5: return Buffer.from(pick(r, ['[]', '"str"', '42', 'null', 'true', '\ufeff{}', '{,}', '{"a":1,"a":2}', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"x":1}}}']));
    case 6: return randomBytes(r, 1 + Math.floor(r() * 2000));
    case 7: return Buffer.from(`{"a":"${'\\u0000'.repeat(1000)}"}`);
    case 8: return Buffer.from(JSON.stringify({ a: 'x'.repeat(1_000_000) }));
    case 9: return Buffer.from(`{"Entries":[${Array.from({ length: 5000 }, () => '{}').join(',')}]}`);
    default: return Buffer.from(valid.replace(/"/g, pick(r, ["'", '', '\\"'])));
  }
}

function hostileForm(r: Rng, action: string, version: string): string {
  const base = `Action=${pct(action)}&Version=${pct(version)}`;
  switch (Math.floor(r() * 10)) {
    case 0: return `${base}&${Array.from({ length: 400 }, (_, i) => `A.${i}`).join('.')}=1`;
    case 1: return `${base}&Filter.99999999999999999999.Name=x&InstanceId.1e5=y&MaxResults=99999999999999999999`;
    case 2: return `${base}&${Array.from({ length: 5000 }, (_, i) => `Tag.${i + 1}.Key=k${i}`).join('&')}`;
    case 3: return `${base}&Name=%&Other=%E0%A4%A&%C0%AF=%FF%FE`;
    case 4: return `${base}&=empty&&&==&a.=1&.b=2&a..b=3`;
    case 5: return `${base}&Attribute.1.Name=${'x'.repeat(100_000)}`;
    case 6: return `${base}&Filter.1.Value.1000000=x&Filter.1.Name=y`;
    case 7: return `Action=${'A'.repeat(10_000)}&Version=${version}`;
    case 8: return `${base}&MinCount=1&MaxCount=-5&DryRun=maybe&Timestamp=yesterday`;
    default: return `${base}&${'x=1&'.repeat(20_000)}`;
  }
}

/** Fills a rest route's labels with hostile segments. */
function restPath(r: Rng, requestUri: string): string {
  const [path, q] = requestUri.split('?');
  const filled = path!.replace(/\{([^}]+?)\+?\}/g, () => pick(r, ['%', '%ZZ', '..', '.', 'a%2Fb', pct('ünï'), 'x'.repeat(3000), '%00', 'arn%3Aaws%3Alambda%3Aus-east-1%3A999999999999%3Afunction%3Af', 'ok-name', '']));
  return q ? `${filled}?${q}` : filled;
}

const CONTENT_TYPES = ['application/x-www-form-urlencoded', 'application/json', 'application/x-amz-json-1.0', 'application/x-amz-json-1.1', 'text/xml', 'multipart/form-data; boundary=x', '', 'application/x-www-form-urlencoded; charset=utf-16'];

/** One hostile request for an operation of a service, in the service's protocol (or a wrong one). */
export function fuzzRequest(r: Rng, service: { name: string; model: ServiceModel; protocols: { name: string }[] }, op: string): FuzzRequest {
  const model = service.model;
  const opModel: OperationModel = model.operations[op]!;
  const protocol = pick(r, service.protocols).name;
  const input = opModel.input ? randomValue(r, model, opModel.input) : {};
  const headers: Record<string, string> = {};
  const mode = Math.floor(r() * 4); // 0-1: model-shaped, 2: hostile structure, 3: hostile headers
  const label = `${service.name}/${protocol}/${op}/${['shaped', 'shaped', 'structure', 'headers'][mode]}`;
  let method = 'POST';
  let path = '/';
  let body: Buffer | undefined;
  if (protocol === 'ec2' || protocol === 'query') {
    headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
    const pairs: [string, string][] = [['Action', op], ['Version', model.metadata.apiVersion]];
    flatten(protocol, model, opModel.input, input, '', pairs);
    let text = mode === 2 ? hostileForm(r, op, model.metadata.apiVersion) : form(pairs);
    if (chance(r, 0.2)) {
      // As a GET query string instead of a form body.
      method = 'GET';
      path = `/?${text}`.slice(0, 6000);
      text = '';
    }
    body = text ? (mode === 2 && chance(r, 0.3) ? Buffer.concat([Buffer.from(text), INVALID_UTF8]) : Buffer.from(text)) : undefined;
  } else if (protocol === 'json') {
    headers['content-type'] = `application/x-amz-json-${model.metadata.jsonVersion ?? '1.0'}`;
    headers['x-amz-target'] = `${model.metadata.targetPrefix}.${op}`;
    const valid = JSON.stringify(input);
    body = mode === 2 ? hostileJson(r, valid) : Buffer.from(valid);
  } else {
    const http = opModel.http ?? { method: 'POST', requestUri: '/' };
    method = chance(r, 0.1) ? pick(r, ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']) : http.method;
    path = mode === 2 ? restPath(r, http.requestUri) : http.requestUri.replace(/\{([^}]+?)\+?\}/g, () => pct(String(pick(r, STRINGS)).slice(0, 200)) || 'x');
    headers['content-type'] = 'application/json';
    if (method !== 'GET' && method !== 'HEAD') body = mode === 2 ? hostileJson(r, JSON.stringify(input)) : Buffer.from(JSON.stringify(input));
  }
  if (mode === 3) {
    const h = Math.floor(r() * 9);
    if (h === 0) headers['content-type'] = pick(r, CONTENT_TYPES);
    if (h === 1) headers['x-amz-target'] = pick(r, ['.', 'AmazonSQS.', 'x'.repeat(8000), `${model.metadata.targetPrefix ?? 'X'}.${'Op'.repeat(500)}`, 'a.b.c.d']);
    if (h === 2) headers['authorization'] = pick(r, ['AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=, Signature=', `AWS4-HMAC-SHA256 Credential=${'A'.repeat(3000)}/20240101/us-east-1/${service.name}/aws4_request, SignedHeaders=host, Signature=00`, 'Bearer x', '\u00ff\u00fe']);
    if (h === 3) headers['x-amz-date'] = pick(r, ['yesterday', '99999999T999999Z', '']);
    if (h === 4) headers['content-encoding'] = 'gzip';
    if (h === 5) headers['x-amz-content-sha256'] = pick(r, ['UNSIGNED-PAYLOAD', 'nothex', '0'.repeat(64)]);
    if (h === 6) for (let i = 0; i < 150; i++) headers[`x-fuzz-${i}`] = 'v'.repeat(50);
    if (h === 7) headers['x-amz-invocation-type'] = pick(r, ['Event', 'DryRun', 'Nope', '']);
    if (h === 8) headers['x-amz-log-type'] = pick(r, ['Tail', 'x'.repeat(1000)]);
  }
  return { label, method, path, headers, body };
}
