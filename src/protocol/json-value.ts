import { SerializationException } from '../core/errors.ts';
import { isPlainObject, shapeOf, timestampFormat } from './model.ts';
import { formatTimestamp, parseTimestamp, toDate } from './timestamps.ts';
import type { ServiceModel, Shape, ShapeRef } from './types.ts';

// JSON bodies of the json and rest-json protocols, by the model. Member key = locationName ?? member
// name (as botocore does); timestamps are epoch seconds; blobs are base64.

function jsonKind(v: unknown): string {
  if (v === null) return 'NULL_VALUE';
  if (Array.isArray(v)) return 'START_ARRAY';
  if (typeof v === 'object') return 'START_OBJECT';
  if (typeof v === 'number') return 'NUMBER_VALUE';
  if (typeof v === 'boolean') return v ? 'VALUE_TRUE' : 'VALUE_FALSE';
  return 'STRING_VALUE';
}

const TYPE_WORD: Record<string, string> = {
  string: 'a String', integer: 'an Integer', long: 'a Long', float: 'a Float', double: 'a Double', boolean: 'a Boolean',
  timestamp: 'a Date', blob: 'a ByteBuffer', structure: 'a Structure', list: 'a List', map: 'a Map',
};

/** AWS (Coral) wording, e.g. "STRING_VALUE can not be converted to an Integer". */
function mismatch(shape: Shape, v: unknown, path: string): SerializationException {
  return new SerializationException(`${jsonKind(v)} can not be converted to ${TYPE_WORD[shape.type] ?? shape.type} (at ${path})`);
}

export function decodeJsonValue(model: ServiceModel, ref: ShapeRef, v: unknown, path: string): unknown {
  if (v === null || v === undefined) return undefined;
  const shape = shapeOf(model, ref);
  switch (shape.type) {
    case 'structure':
      if (!isPlainObject(v)) throw mismatch(shape, v, path);
      return decodeJsonStructure(model, shape, v, path);
    case 'list':
      if (!Array.isArray(v)) throw mismatch(shape, v, path);
      // AWS lists are not sparse: a null element is the client's error (handlers never see holes).
      return v.map((x, i) => {
        if (x === null || x === undefined) throw new SerializationException(`Value null at '${path}[${i}]' failed to satisfy constraint: Member must not be null`);
        return decodeJsonValue(model, shape.member!, x, `${path}[${i}]`);
      });
    case 'map': {
      if (!isPlainObject(v)) throw mismatch(shape, v, path);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const d = decodeJsonValue(model, shape.value!, x, `${path}.${k}`);
        if (d !== undefined) out[k] = d;
      }
      return out;
    }
    case 'string':
      if (typeof v !== 'string') {
        // A jsonvalue member carries arbitrary JSON serialized into a string.
        if (ref.jsonvalue) return JSON.stringify(v);
        throw mismatch(shape, v, path);
      }
      return v;
    case 'integer':
    case 'long':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw mismatch(shape, v, path);
      return v;
    case 'float':
    case 'double':
      if (typeof v === 'number') return v;
      // Smithy JSON spells the non-finite values as strings.
      if (v === 'NaN') return NaN;
      if (v === 'Infinity') return Infinity;
      if (v === '-Infinity') return -Infinity;
      throw mismatch(shape, v, path);
    case 'boolean':
      if (typeof v !== 'boolean') throw mismatch(shape, v, path);
      return v;
    case 'timestamp': {
      if (typeof v !== 'number' && typeof v !== 'string') throw mismatch(shape, v, path);
      const d = parseTimestamp(v);
      if (!d) throw mismatch(shape, v, path);
      return d;
    }
    case 'blob':
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/\-_]*={0,2}$/.test(v)) throw mismatch(shape, v, path);
      return Buffer.from(v, 'base64');
    default:
      return v;
  }
}

/** Decodes the members of `shape` found in `obj`; `only` limits which members (rest-json body members). */
export function decodeJsonStructure(model: ServiceModel, shape: Shape, obj: Record<string, unknown>, path: string, only?: (ref: ShapeRef) => boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    if (only && !only(ref)) continue;
    const d = decodeJsonValue(model, ref, obj[ref.locationName ?? name], path ? `${path}.${name}` : name);
    if (d !== undefined) out[name] = d;
  }
  return out;
}

export function encodeJsonValue(model: ServiceModel, ref: ShapeRef, v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  const shape = shapeOf(model, ref);
  switch (shape.type) {
    case 'structure':
      return encodeJsonStructure(model, shape, v);
    case 'list':
      return (Array.isArray(v) ? v : [v]).map((x) => encodeJsonValue(model, shape.member!, x) ?? null);
    case 'map': {
      const out: Record<string, unknown> = {};
      const entries = v instanceof Map ? [...v.entries()] : isPlainObject(v) ? Object.entries(v) : [];
      for (const [k, x] of entries) {
        const e = encodeJsonValue(model, shape.value!, x);
        if (e !== undefined) out[String(k)] = e;
      }
      return out;
    }
    case 'timestamp': {
      const d = toDate(v);
      return d ? formatTimestamp(d, timestampFormat(ref, shape) ?? 'unixTimestamp') : undefined;
    }
    case 'blob':
      return Buffer.isBuffer(v) ? v.toString('base64') : Buffer.from(String(v)).toString('base64');
    case 'float':
    case 'double':
      if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
      return v;
    case 'string':
      if (ref.jsonvalue && typeof v !== 'string') return JSON.stringify(v);
      return typeof v === 'string' ? v : String(v);
    default:
      return v;
  }
}

export function encodeJsonStructure(model: ServiceModel, shape: Shape, v: unknown, only?: (ref: ShapeRef) => boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isPlainObject(v)) return out;
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    if (only && !only(ref)) continue;
    const e = encodeJsonValue(model, ref, v[name]);
    if (e !== undefined) out[ref.locationName ?? name] = e;
  }
  return out;
}

/** Parses a JSON request body; empty means {}. Anything but an object is a SerializationException. */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new SerializationException('Start of structure or map found where not expected, or the body is not valid JSON');
  }
  if (!isPlainObject(v)) throw new SerializationException(`${jsonKind(v)} can not be converted to a Structure`);
  return v;
}
