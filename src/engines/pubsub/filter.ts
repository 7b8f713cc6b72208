import { isIP } from 'node:net';
import { InvalidParameter } from './errors.ts';
import type { MessageAttributes } from './types.ts';

// Subscription filter policies (https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html):
// exact string/number, null (body), anything-but, prefix, suffix, equals-ignore-case, numeric ranges, exists,
// cidr, $or, and nested keys in the MessageBody scope. AND across keys, OR within a key's array.
//
// LIMITS (AWS's): at most 5 keys, at most 150 value combinations, at most 256 KiB of policy JSON.

export type FilterScope = 'MessageAttributes' | 'MessageBody';
type Scalar = string | number | boolean | null;

export const MAX_KEYS = 5;
export const MAX_COMBINATIONS = 150;
export const MAX_POLICY_BYTES = 256 * 1024;
const NUMERIC_LIMIT = 1e9;

const bad = (reason: string) => new InvalidParameter(`Invalid parameter: FilterPolicy: ${reason}`);

type Cond =
  | { t: 'eq'; v: Scalar }
  | { t: 'prefix'; v: string }
  | { t: 'suffix'; v: string }
  | { t: 'ieq'; v: string }
  | { t: 'not'; values: Scalar[]; prefix?: string; suffix?: string }
  | { t: 'num'; ops: [string, number][] }
  | { t: 'exists'; v: boolean }
  | { t: 'cidr'; base: number; mask: number };

/** A compiled policy: leaves by key path (AND), plus $or alternatives (each an AND of its own). */
export interface CompiledPolicy {
  leaves: { path: string[]; conds: Cond[] }[];
  ors: CompiledPolicy[][];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and validates a FilterPolicy attribute value; throws InvalidParameter the way SNS words it. */
export function compileFilterPolicy(json: string, scope: FilterScope): CompiledPolicy {
  if (Buffer.byteLength(json, 'utf8') > MAX_POLICY_BYTES) throw bad(`Filter policy is too large (maximum ${MAX_POLICY_BYTES} bytes)`);
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw bad('failed to parse JSON.');
  }
  if (!isObj(doc)) throw bad('Filter policy must be a JSON object');
  if (!Object.keys(doc).length) throw bad('Filter policy can not be empty');
  const policy = compileObject(doc, [], scope);
  const { keys, combos } = measure(policy);
  if (keys > MAX_KEYS) throw bad(`Filter policy can not have more than ${MAX_KEYS} keys`);
  if (combos > MAX_COMBINATIONS) throw bad('Filter policy is too complex');
  return policy;
}

function compileObject(doc: Record<string, unknown>, path: string[], scope: FilterScope): CompiledPolicy {
  const out: CompiledPolicy = { leaves: [], ors: [] };
  for (const [key, value] of Object.entries(doc)) {
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObj)) throw bad('$or must be an array of at least two filter policy objects');
      out.ors.push(value.map((b) => compileObject(b as Record<string, unknown>, path, scope)));
      continue;
    }
    if (Array.isArray(value)) {
      if (!value.length) throw bad(`Empty arrays are not allowed (key ${[...path, key].join('.')})`);
      out.leaves.push({ path: [...path, key], conds: value.map(compileCond) });
    } else if (isObj(value)) {
      if (scope === 'MessageAttributes') throw bad('Filter policy scope MessageAttributes does not support nested filter policy');
      const inner = compileObject(value, [...path, key], scope);
      out.leaves.push(...inner.leaves);
      out.ors.push(...inner.ors);
    } else {
      throw bad(`Match value must be String, number, true, false, or null`);
    }
  }
  return out;
}

function compileCond(c: unknown): Cond {
  if (c === null || typeof c === 'string' || typeof c === 'boolean') return { t: 'eq', v: c };
  if (typeof c === 'number') {
    checkNumber(c);
    return { t: 'eq', v: c };
  }
  if (!isObj(c)) throw bad('Match value must be String, number, true, false, or null');
  const keys = Object.keys(c);
  if (keys.length !== 1) throw bad('Only one key allowed in match expression');
  const [op] = keys;
  const v = c[op];
  switch (op) {
    case 'prefix':
    case 'suffix':
      if (typeof v !== 'string') throw bad(`${op} match pattern must be a string`);
      return { t: op, v };
    case 'equals-ignore-case':
      if (typeof v !== 'string') throw bad('equals-ignore-case match pattern must be a string');
      return { t: 'ieq', v: v.toLowerCase() };
    case 'exists':
      if (typeof v !== 'boolean') throw bad('exists match pattern must be either true or false.');
      return { t: 'exists', v };
    case 'anything-but': {
      if (isObj(v)) {
        const [k] = Object.keys(v);
        if (Object.keys(v).length !== 1 || (k !== 'prefix' && k !== 'suffix') || typeof v[k] !== 'string')
          throw bad('Value of anything-but must be an array or single string/number value, or a prefix/suffix object.');
        return k === 'prefix' ? { t: 'not', values: [], prefix: v[k] as string } : { t: 'not', values: [], suffix: v[k] as string };
      }
      const list = Array.isArray(v) ? v : [v];
      if (!list.length) throw bad('Empty arrays are not allowed');
      for (const x of list) {
        if (typeof x === 'number') checkNumber(x);
        else if (typeof x !== 'string') throw bad('Value of anything-but must be an array or single string/number value.');
      }
      return { t: 'not', values: list as Scalar[] };
    }
    case 'numeric': {
      if (!Array.isArray(v) || !v.length || v.length % 2) throw bad('Value of numeric must be an array.');
      const ops: [string, number][] = [];
      for (let i = 0; i < v.length; i += 2) {
        const o = v[i], n = v[i + 1];
        if (!['=', '<', '<=', '>', '>='].includes(o as string)) throw bad(`Unrecognized numeric range operator: ${String(o)}`);
        if (typeof n !== 'number') throw bad(`Value of ${o} must be numeric`);
        checkNumber(n);
        ops.push([o as string, n]);
      }
      if (ops.length > 2 || (ops.length === 2 && (ops.some(([o]) => o === '=') || !(/^>/.test(ops[0][0]) && /^</.test(ops[1][0])))))
        throw bad('Too many elements in numeric expression');
      if (ops.length === 2 && ops[0][1] >= ops[1][1]) throw bad('Bottom must be less than top');
      return { t: 'num', ops };
    }
    case 'cidr': {
      if (typeof v !== 'string') throw bad('cidr match pattern must be a string');
      const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(v);
      if (!m || isIP(m[1]) !== 4 || Number(m[2]) > 32) throw bad(`Malformed CIDR, one '/' required`);
      const bits = Number(m[2]);
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      return { t: 'cidr', base: (ipv4(m[1]) & mask) >>> 0, mask };
    }
    default:
      throw bad(`Unrecognized match type ${op}`);
  }
}

function checkNumber(n: number): void {
  if (!Number.isFinite(n) || Math.abs(n) > NUMERIC_LIMIT) throw bad(`Numeric value must be between -${NUMERIC_LIMIT} and ${NUMERIC_LIMIT}`);
}

function ipv4(s: string): number {
  return s.split('.').reduce((a, p) => ((a << 8) | Number(p)) >>> 0, 0);
}

/** Keys and value combinations, $or branches expanded (AWS's complexity rule). */
function measure(p: CompiledPolicy): { keys: number; combos: number } {
  let keys = p.leaves.length;
  let combos = p.leaves.reduce((a, l) => a * l.conds.length, 1);
  for (const branches of p.ors) {
    const m = branches.map(measure);
    keys += Math.max(...m.map((x) => x.keys));
    combos *= m.reduce((a, x) => a + x.combos, 0);
  }
  return { keys, combos };
}

// ---- matching ---------------------------------------------------------------------------------------------

/** The values a key path has in the message, or undefined when the key is absent. */
type Lookup = (path: string[]) => Scalar[] | undefined;

export function attributeLookup(attrs: MessageAttributes | undefined): Lookup {
  return ([name]) => {
    const a = attrs?.[name];
    if (!a) return undefined;
    const type = a.DataType.split('.')[0];
    if (a.DataType === 'String.Array') {
      try {
        const arr = JSON.parse(a.StringValue ?? '');
        return Array.isArray(arr) ? arr.filter((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x)) : [];
      } catch {
        return [];
      }
    }
    if (type === 'Number') return [Number(a.StringValue)];
    if (type === 'String') return [a.StringValue ?? ''];
    return []; // Binary: present, never equal to anything
  };
}

export function bodyLookup(message: string): Lookup | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (!isObj(doc)) return undefined;
  return (path) => {
    let cur: unknown[] = [doc];
    for (const k of path) {
      const next: unknown[] = [];
      for (const c of cur) {
        for (const item of Array.isArray(c) ? c : [c]) if (isObj(item) && k in item) next.push(item[k]);
      }
      if (!next.length) return undefined;
      cur = next;
    }
    const out: Scalar[] = [];
    for (const c of cur) for (const v of Array.isArray(c) ? c : [c]) if (!isObj(v) && !Array.isArray(v)) out.push(v as Scalar);
    return out;
  };
}

export function matches(p: CompiledPolicy, lookup: Lookup): boolean {
  for (const leaf of p.leaves) if (!matchLeaf(leaf.conds, lookup(leaf.path))) return false;
  for (const branches of p.ors) if (!branches.some((b) => matches(b, lookup))) return false;
  return true;
}

function matchLeaf(conds: Cond[], values: Scalar[] | undefined): boolean {
  if (values === undefined) return conds.some((c) => c.t === 'exists' && !c.v);
  return conds.some((c) => (c.t === 'exists' ? c.v : values.some((v) => matchValue(c, v))));
}

function matchValue(c: Cond, v: Scalar): boolean {
  switch (c.t) {
    case 'eq':
      return v === c.v;
    case 'prefix':
      return typeof v === 'string' && v.startsWith(c.v);
    case 'suffix':
      return typeof v === 'string' && v.endsWith(c.v);
    case 'ieq':
      return typeof v === 'string' && v.toLowerCase() === c.v;
    case 'not':
      if (c.prefix !== undefined) return typeof v === 'string' && !v.startsWith(c.prefix);
      if (c.suffix !== undefined) return typeof v === 'string' && !v.endsWith(c.suffix);
      return !c.values.includes(v);
    case 'num':
      return typeof v === 'number' && !Number.isNaN(v) && c.ops.every(([o, n]) => (o === '=' ? v === n : o === '<' ? v < n : o === '<=' ? v <= n : o === '>' ? v > n : v >= n));
    case 'cidr':
      return typeof v === 'string' && isIP(v) === 4 && ((ipv4(v) & c.mask) >>> 0) === c.base;
    default:
      return false;
  }
}

/** Whether a message passes a subscription's filter policy (none: everything passes). */
export function passesFilter(policy: CompiledPolicy | undefined, scope: FilterScope, message: string, attrs: MessageAttributes | undefined): boolean {
  if (!policy) return true;
  if (scope === 'MessageBody') {
    const lookup = bodyLookup(message);
    return lookup ? matches(policy, lookup) : false;
  }
  return matches(policy, attributeLookup(attrs));
}
