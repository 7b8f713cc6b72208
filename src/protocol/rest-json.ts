import { type AwsError, SerializationException } from '../core/errors.ts';
import { jsonErrorHeaders } from './json-error.ts';
import { decodeJsonStructure, decodeJsonValue, encodeJsonStructure, encodeJsonValue, parseJsonBody } from './json-value.ts';
import { isPlainObject, operationOf, shapeOf, timestampFormat } from './model.ts';
import { parseFormEncoded } from './query-input.ts';
import { matchRoute } from './rest-routes.ts';
import { formatTimestamp, parseTimestamp, toDate } from './timestamps.ts';
import type { HttpRequest, HttpResponse, Protocol, SerializeContext, ServiceModel, Shape, ShapeRef } from './types.ts';

// The rest-json protocol (Lambda, EKS, …): the route picks the operation; members bind to the URI,
// query string, headers, or the JSON body (or one `payload` member carrying the whole body).

const inBody = (ref: ShapeRef) => !ref.location;

/** A string from a URI label, query parameter or header, typed by its shape. */
function fromText(shape: Shape, ref: ShapeRef, raw: string, where: string, defaultTimeFormat: string): unknown {
  const bad = () => new SerializationException(`Invalid value '${raw}' for ${where}`);
  switch (shape.type) {
    case 'integer':
    case 'long': {
      if (!/^[+-]?\d+$/.test(raw.trim())) throw bad();
      return Number(raw);
    }
    case 'float':
    case 'double': {
      const n = Number(raw);
      if (raw.trim() === '' || Number.isNaN(n)) throw bad();
      return n;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw bad();
      return raw === 'true';
    case 'timestamp': {
      const fmt = timestampFormat(ref, shape) ?? defaultTimeFormat;
      const d = fmt === 'unixTimestamp' && /^\d+(\.\d+)?$/.test(raw) ? new Date(Number(raw) * 1000) : parseTimestamp(raw);
      if (!d) throw bad();
      return d;
    }
    case 'blob':
      return Buffer.from(raw, 'base64');
    case 'string':
      // A jsonvalue header carries base64-encoded JSON.
      return ref.jsonvalue && ref.location === 'header' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    default:
      return raw;
  }
}

function toText(shape: Shape, ref: ShapeRef, v: unknown, defaultTimeFormat: string): string {
  if (shape.type === 'timestamp') {
    const d = toDate(v);
    return d ? String(formatTimestamp(d, timestampFormat(ref, shape) ?? defaultTimeFormat)) : String(v);
  }
  if (shape.type === 'blob') return Buffer.isBuffer(v) ? v.toString('base64') : Buffer.from(String(v)).toString('base64');
  if (shape.type === 'string' && ref.jsonvalue) return Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64');
  return String(v);
}

function queryMulti(query: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of parseFormEncoded(query, 400)) out.set(k, [...(out.get(k) ?? []), v]);
  return out;
}

function bindLocated(model: ServiceModel, shape: Shape, req: HttpRequest, labels: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let query: Map<string, string[]> | undefined;
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    if (!ref.location) continue;
    const s = shapeOf(model, ref);
    const wire = ref.locationName ?? name;
    if (ref.location === 'uri') {
      if (labels[wire] !== undefined) out[name] = fromText(s, ref, labels[wire], wire, 'iso8601');
    } else if (ref.location === 'querystring') {
      query ??= queryMulti(req.query);
      if (s.type === 'map') {
        // A querystring map collects every parameter (minus the ones bound to named members).
        const named = new Set(Object.values(shape.members ?? {}).filter((r) => r.location === 'querystring').map((r) => r.locationName));
        const vs = shapeOf(model, s.value!);
        const map: Record<string, unknown> = {};
        for (const [k, vals] of query) if (!named.has(k)) map[k] = vs.type === 'list' ? vals : vals[vals.length - 1];
        if (Object.keys(map).length) out[name] = map;
      } else {
        const vals = query.get(wire);
        if (!vals) continue;
        out[name] = s.type === 'list'
          ? vals.map((v) => fromText(shapeOf(model, s.member!), s.member!, v, wire, 'iso8601'))
          : fromText(s, ref, vals[vals.length - 1], wire, 'iso8601');
      }
    } else if (ref.location === 'header') {
      const raw = req.headers[wire.toLowerCase()];
      if (raw === undefined) continue;
      out[name] = s.type === 'list'
        ? raw.split(',').map((x) => fromText(shapeOf(model, s.member!), s.member!, x.trim(), wire, 'rfc822'))
        : fromText(s, ref, raw, wire, 'rfc822');
    } else if (ref.location === 'headers') {
      const prefix = (ref.locationName ?? '').toLowerCase();
      const map: Record<string, string> = {};
      for (const [h, v] of Object.entries(req.headers)) if (h.startsWith(prefix)) map[h.slice(prefix.length)] = v;
      if (Object.keys(map).length) out[name] = map;
    }
  }
  return out;
}

export const restJsonProtocol: Protocol = {
  name: 'rest-json',

  operationName(req: HttpRequest, model: ServiceModel): string | undefined {
    return matchRoute(req, model)?.operation;
  },

  parse(req: HttpRequest, model: ServiceModel, operation: string): Record<string, unknown> {
    const ref = operationOf(model, operation).input;
    if (!ref) return {};
    const shape = shapeOf(model, ref);
    const match = matchRoute(req, model);
    const out = bindLocated(model, shape, req, match?.operation === operation ? match.labels : {});
    if (shape.payload) {
      const pref = shape.members![shape.payload];
      const ps = shapeOf(model, pref);
      if (ps.type === 'blob') {
        if (req.body.length) out[shape.payload] = req.body;
      } else if (ps.type === 'string') {
        if (req.body.length) out[shape.payload] = req.body.toString('utf8');
      } else if (req.body.length) {
        const v = decodeJsonValue(model, pref, parseJsonBody(req.body), shape.payload);
        if (v !== undefined) out[shape.payload] = v;
      }
      return out;
    }
    return { ...decodeJsonStructure(model, shape, parseJsonBody(req.body), '', inBody), ...out };
  },

  serialize(model: ServiceModel, operation: string, output: unknown, _ctx: SerializeContext): HttpResponse {
    const op = operationOf(model, operation);
    let status = op.http?.responseCode ?? 200;
    const headers: Record<string, string> = {};
    if (!op.output) return { status, headers: { 'content-type': 'application/json' }, body: status === 204 ? '' : '{}' };
    const shape = shapeOf(model, op.output);
    const value = isPlainObject(output) ? output : {};
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const v = value[name];
      if (v === undefined || v === null || !ref.location) continue;
      const s = shapeOf(model, ref);
      const wire = ref.locationName ?? name;
      if (ref.location === 'statusCode') status = Number(v);
      else if (ref.location === 'header') {
        headers[wire.toLowerCase()] = s.type === 'list' && Array.isArray(v)
          ? v.map((x) => toText(shapeOf(model, s.member!), s.member!, x, 'rfc822')).join(', ')
          : toText(s, ref, v, 'rfc822');
      } else if (ref.location === 'headers' && isPlainObject(v)) {
        for (const [k, x] of Object.entries(v)) if (x !== undefined && x !== null) headers[`${(ref.locationName ?? '').toLowerCase()}${k.toLowerCase()}`] = String(x);
      }
    }
    let body: Buffer | string;
    let contentType = 'application/json';
    if (shape.payload) {
      const pref = shape.members![shape.payload];
      const ps = shapeOf(model, pref);
      const v = value[shape.payload];
      if (ps.type === 'blob') {
        body = v === undefined || v === null ? '' : Buffer.isBuffer(v) ? v : Buffer.from(String(v));
        contentType = 'application/octet-stream';
      } else if (ps.type === 'string') {
        body = v === undefined || v === null ? '' : String(v);
        contentType = 'text/plain';
      } else {
        const e = encodeJsonValue(model, pref, v);
        body = e === undefined ? '' : JSON.stringify(e);
      }
    } else {
      body = JSON.stringify(encodeJsonStructure(model, shape, value, inBody));
    }
    if (status === 204 || status === 304) body = '';
    return { status, headers: { 'content-type': contentType, ...headers }, body };
  },

  serializeError(model: ServiceModel | undefined, error: AwsError, _ctx: SerializeContext): HttpResponse {
    const { type, headers } = jsonErrorHeaders(model, error);
    return {
      status: error.status,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ message: error.message, __type: type }),
    };
  },
};
