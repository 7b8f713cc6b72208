import { InvalidParameterValue, MalformedQueryString, MissingParameter } from '../core/errors.ts';
import { isFlattened, serializedName, shapeOf } from './model.ts';
import { parseTimestamp } from './timestamps.ts';
import type { HttpRequest, ServiceModel, Shape, ShapeRef } from './types.ts';

// Shared input side of the ec2 and query protocols: flat `Name.1.Sub=value` parameters from the
// URL query string and/or a form-encoded POST body, decoded into nested objects by the model.

export type QueryDialect = 'ec2' | 'query';

/** Flat parameters plus an index of which child keys exist under each dotted prefix. */
export interface QueryParams {
  values: Map<string, string>;
  children: Map<string, Set<string>>;
}

const cache = new WeakMap<HttpRequest, QueryParams>();

/** `a=1&b=x+y` → pairs. Malformed percent-encoding is the client's fault, never a crash. */
export function parseFormEncoded(s: string, status: number): [string, string][] {
  const out: [string, string][] = [];
  for (const part of s.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq >= 0 ? part.slice(0, eq) : part;
    const rawValue = eq >= 0 ? part.slice(eq + 1) : '';
    try {
      out.push([decodeURIComponent(rawKey.replace(/\+/g, ' ')), decodeURIComponent(rawValue.replace(/\+/g, ' '))]);
    } catch {
      throw new MalformedQueryString(`The query string contains a syntax error: malformed percent-encoding in '${part.slice(0, 100)}'`, { status });
    }
  }
  return out;
}

/**
 * The request's parameters: URL query string first, then a form body (body wins on a clash), as
 * AWS accepts both. Parsed once per request (operationName and parse both need them).
 */
export function readParams(req: HttpRequest, dialect: QueryDialect): QueryParams {
  const hit = cache.get(req);
  if (hit) return hit;
  // AWS: the query services answer a malformed query string with 404 MalformedQueryString; EC2 uses 400 for every client error.
  const status = dialect === 'ec2' ? 400 : 404;
  const values = new Map<string, string>();
  for (const [k, v] of parseFormEncoded(req.query, status)) values.set(k, v);
  const ct = req.headers['content-type'] ?? '';
  if (req.body.length && (ct === '' || ct.startsWith('application/x-www-form-urlencoded'))) {
    for (const [k, v] of parseFormEncoded(req.body.toString('utf8'), status)) values.set(k, v);
  }
  const children = new Map<string, Set<string>>();
  for (const key of values.keys()) {
    const parts = key.split('.');
    let prefix = '';
    for (const p of parts) {
      let set = children.get(prefix);
      if (!set) children.set(prefix, (set = new Set()));
      set.add(p);
      prefix = prefix ? `${prefix}.${p}` : p;
    }
  }
  const params = { values, children };
  cache.set(req, params);
  return params;
}

/** Wire name of a structure member. */
function memberKey(dialect: QueryDialect, model: ServiceModel, ref: ShapeRef, shape: Shape, name: string): string {
  if (dialect === 'ec2') {
    // AWS EC2: queryName, else the locationName with its first letter upper-cased, else the member name.
    if (ref.queryName) return ref.queryName;
    const loc = ref.locationName ?? shape.locationName;
    return loc ? loc[0].toUpperCase() + loc.slice(1) : name;
  }
  if (shape.type === 'list' && isFlattened(ref, shape)) {
    // Flattened query lists take the list member's locationName, when it has one, in place of the member's own name.
    const m = shape.member!;
    return m.locationName ?? shapeOf(model, m).locationName ?? serializedName(ref, shape, name);
  }
  return serializedName(ref, shape, name);
}

/** The element indices under a list/map prefix, in numeric order (`Name.1`, `Name.2`, `Name.10`). */
function indices(p: QueryParams, prefix: string): string[] {
  const kids = p.children.get(prefix);
  if (!kids) return [];
  const bad = [...kids].find((k) => !/^\d+$/.test(k));
  // A parameter under a list that is not `.N` cannot be placed; silently dropping it would hide the client's bug.
  if (bad !== undefined) throw new InvalidParameterValue(`Invalid list index '${bad}' in parameter ${prefix}.${bad}: expected ${prefix}.N with N = 1, 2, …`);
  return [...kids].sort((a, b) => Number(a) - Number(b));
}

function has(p: QueryParams, key: string): boolean {
  return p.values.has(key) || p.children.has(key);
}

function scalar(shape: Shape, raw: string, key: string): unknown {
  switch (shape.type) {
    case 'string':
      return raw;
    case 'integer':
    case 'long': {
      const n = Number(raw.trim());
      const ok = /^[+-]?\d+$/.test(raw.trim()) && Number.isSafeInteger(n) && (shape.type === 'long' || (n >= -2147483648 && n <= 2147483647));
      if (!ok) throw new InvalidParameterValue(`Invalid value '${raw}' for ${key}`);
      return n;
    }
    case 'float':
    case 'double': {
      const n = Number(raw.trim());
      if (raw.trim() === '' || Number.isNaN(n)) throw new InvalidParameterValue(`Invalid value '${raw}' for ${key}`);
      return n;
    }
    case 'boolean': {
      const b = raw.trim().toLowerCase();
      if (b !== 'true' && b !== 'false') throw new InvalidParameterValue(`Invalid value '${raw}' for ${key}. Expected true or false`);
      return b === 'true';
    }
    case 'timestamp': {
      const d = parseTimestamp(raw);
      if (!d) throw new InvalidParameterValue(`Invalid value '${raw}' for ${key}. Expected an ISO 8601 timestamp`);
      return d;
    }
    case 'blob': {
      const clean = raw.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/\-_]*={0,2}$/.test(clean)) throw new InvalidParameterValue(`Invalid value for ${key}: not valid base64`);
      return Buffer.from(clean, 'base64');
    }
    default:
      return raw;
  }
}

function decode(d: QueryDialect, model: ServiceModel, ref: ShapeRef, key: string, p: QueryParams): unknown {
  const shape = shapeOf(model, ref);
  switch (shape.type) {
    case 'structure':
      return p.children.has(key) ? decodeStructure(d, model, shape, key, p) : undefined;
    case 'list': {
      if (!has(p, key)) return undefined;
      // botocore sends an empty query list as `Name=` (no elements).
      let base = key;
      if (d === 'query' && !isFlattened(ref, shape)) {
        const m = shape.member!;
        base = `${key}.${m.locationName ?? shapeOf(model, m).locationName ?? 'member'}`;
      }
      return indices(p, base).map((i) => {
        const v = decode(d, model, shape.member!, `${base}.${i}`, p);
        // A list element with nothing usable in it (e.g. a plain value where a structure belongs): no holes in lists.
        if (v === undefined) throw new InvalidParameterValue(`Invalid value for parameter ${base}.${i}`);
        return v;
      });
    }
    case 'map': {
      if (!has(p, key)) return undefined;
      const base = isFlattened(ref, shape) ? key : `${key}.entry`;
      const k = shape.key!, v = shape.value!;
      const kName = k.locationName ?? 'key', vName = v.locationName ?? 'value';
      const out: Record<string, unknown> = {};
      for (const i of indices(p, base)) {
        const name = decode(d, model, k, `${base}.${i}.${kName}`, p);
        if (typeof name === 'string') out[name] = decode(d, model, v, `${base}.${i}.${vName}`, p);
      }
      return out;
    }
    default: {
      const raw = p.values.get(key);
      return raw === undefined ? undefined : scalar(shape, raw, key);
    }
  }
}

function decodeStructure(d: QueryDialect, model: ServiceModel, shape: Shape, prefix: string, p: QueryParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const wire = memberKey(d, model, ref, shapeOf(model, ref), name);
    const v = decode(d, model, ref, prefix ? `${prefix}.${wire}` : wire, p);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/**
 * Decodes an operation's input. Unknown parameters are ignored (AWS ignores them too); missing
 * required top-level members are MissingParameter, named as they appear on the wire.
 */
export function decodeQueryInput(dialect: QueryDialect, model: ServiceModel, inputRef: ShapeRef | undefined, p: QueryParams): Record<string, unknown> {
  if (!inputRef) return {};
  const shape = shapeOf(model, inputRef);
  const out = decodeStructure(dialect, model, shape, '', p);
  for (const name of shape.required ?? []) {
    if (out[name] === undefined) {
      const ref = shape.members![name];
      throw new MissingParameter(`The request must contain the parameter ${memberKey(dialect, model, ref, shapeOf(model, ref), name)}`);
    }
  }
  return out;
}
