// EventBridge event patterns: compile (validate) once, match many. Supported: exact values (strings, numbers
// compared numerically, booleans, null), arrays as OR, nested objects, event arrays (any element matches),
// `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (value, list, {prefix}, {suffix}, {equals-ignore-case}),
// `numeric` (one or two comparisons, `=` included), `exists`, `wildcard`, `cidr` (IPv4) and `$or`.

export class PatternError extends Error {}

type Matcher = (v: unknown, present: boolean) => boolean;
type Node = { kind: 'leaf'; any: Matcher[] } | { kind: 'object'; fields: [string, Node][]; or?: Node[][] };

export interface CompiledPattern {
  source: string;
  match(event: unknown): boolean;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new PatternError(`${what} match pattern must be a string`);
  return v;
}

function numericMatcher(spec: unknown): Matcher {
  if (!Array.isArray(spec) || (spec.length !== 2 && spec.length !== 4)) throw new PatternError('Value of numeric must be an array with one or two comparisons');
  const tests: ((n: number) => boolean)[] = [];
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const x = spec[i + 1];
    if (typeof x !== 'number') throw new PatternError('Value of numeric comparison must be a number');
    switch (op) {
      case '=': tests.push((n) => n === x); break;
      case '<': tests.push((n) => n < x); break;
      case '<=': tests.push((n) => n <= x); break;
      case '>': tests.push((n) => n > x); break;
      case '>=': tests.push((n) => n >= x); break;
      default: throw new PatternError(`Unrecognized numeric range operator: ${JSON.stringify(op)}`);
    }
  }
  return (v, present) => present && typeof v === 'number' && tests.every((t) => t(v));
}

function wildcardRegex(p: string): RegExp {
  if (/\*\*/.test(p)) throw new PatternError('Consecutive wildcard characters are not allowed');
  const parts = p.split(/(?<!\\)\*/).map((s) => s.replace(/\\\*/g, '*').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 's');
}

function ipv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3];
}

function stringTest(spec: unknown, what: string): (s: string) => boolean {
  if (isObj(spec) && 'equals-ignore-case' in spec) {
    const x = str(spec['equals-ignore-case'], what).toLowerCase();
    return what === 'prefix' ? (s) => s.toLowerCase().startsWith(x) : (s) => s.toLowerCase().endsWith(x);
  }
  const x = str(spec, what);
  return what === 'prefix' ? (s) => s.startsWith(x) : (s) => s.endsWith(x);
}

function exact(x: unknown): Matcher {
  if (typeof x === 'number') return (v, present) => present && typeof v === 'number' && v === x;
  return (v, present) => present && v === x;
}

function anythingBut(spec: unknown): Matcher {
  if (isObj(spec)) {
    const keys = Object.keys(spec);
    if (keys.length !== 1) throw new PatternError('anything-but object must have exactly one key');
    const k = keys[0];
    if (k === 'prefix' || k === 'suffix') {
      const t = stringTest(spec[k], k);
      return (v, present) => present && typeof v === 'string' && !t(v);
    }
    if (k === 'equals-ignore-case') {
      const list = (Array.isArray(spec[k]) ? spec[k] : [spec[k]]) as unknown[];
      const xs = list.map((x) => str(x, 'equals-ignore-case').toLowerCase());
      return (v, present) => present && typeof v === 'string' && !xs.includes(v.toLowerCase());
    }
    throw new PatternError(`Unsupported anything-but pattern: ${k}`);
  }
  const list = Array.isArray(spec) ? spec : [spec];
  for (const x of list) if (typeof x !== 'string' && typeof x !== 'number') throw new PatternError('Inside anything but list, start|null|boolean is not supported.');
  return (v, present) => present && v !== null && typeof v !== 'object' && !list.includes(v);
}

function matcherOf(x: unknown): Matcher {
  if (x === null || typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') return exact(x);
  if (Array.isArray(x)) throw new PatternError('Match value must be String, number, true, false, or null');
  const spec = x as Record<string, unknown>;
  const keys = Object.keys(spec);
  if (keys.length !== 1) throw new PatternError(`Only one key allowed in match expression, found ${keys.length}`);
  const k = keys[0];
  const v = spec[k];
  switch (k) {
    case 'prefix':
    case 'suffix': {
      const t = stringTest(v, k);
      return (e, present) => present && typeof e === 'string' && t(e);
    }
    case 'equals-ignore-case': {
      const s = str(v, k).toLowerCase();
      return (e, present) => present && typeof e === 'string' && e.toLowerCase() === s;
    }
    case 'anything-but':
      return anythingBut(v);
    case 'numeric':
      return numericMatcher(v);
    case 'exists':
      if (typeof v !== 'boolean') throw new PatternError('exists match pattern must be either true or false.');
      return (_e, present) => present === v;
    case 'wildcard': {
      const re = wildcardRegex(str(v, k));
      return (e, present) => present && typeof e === 'string' && re.test(e);
    }
    case 'cidr': {
      const m = /^([\d.]+)\/(\d{1,2})$/.exec(str(v, k));
      const base = m ? ipv4(m[1]) : undefined;
      const bits = m ? Number(m[2]) : NaN;
      if (base === undefined || !(bits >= 0 && bits <= 32)) throw new PatternError('Nonstandard IP address: ' + String(v));
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      return (e, present) => {
        const ip = present && typeof e === 'string' ? ipv4(e) : undefined;
        return ip !== undefined && ((ip & mask) >>> 0) === ((base & mask) >>> 0);
      };
    }
    default:
      throw new PatternError(`Unrecognized match type ${k}`);
  }
}

function compileObject(p: Record<string, unknown>, depth: number): Node {
  if (depth > 10) throw new PatternError('Event pattern nests too deeply');
  const fields: [string, Node][] = [];
  let or: Node[][] | undefined;
  for (const [k, v] of Object.entries(p)) {
    if (k === '$or') {
      if (!Array.isArray(v) || v.length < 2) throw new PatternError('$or must be an array of at least two patterns');
      or = [...(or ?? []), v.map((alt) => {
        if (!isObj(alt)) throw new PatternError('$or alternatives must be objects');
        return compileObject(alt, depth + 1);
      })];
      continue;
    }
    if (Array.isArray(v)) {
      if (!v.length) throw new PatternError(`Empty arrays are not allowed (field '${k}')`);
      fields.push([k, { kind: 'leaf', any: v.map(matcherOf) }]);
    } else if (isObj(v)) {
      fields.push([k, compileObject(v, depth + 1)]);
    } else {
      throw new PatternError(`'${k}' must be an object or an array`);
    }
  }
  if (!fields.length && !or) throw new PatternError('Empty objects are not allowed');
  return { kind: 'object', fields, or };
}

function matchNode(n: Node, v: unknown, present: boolean): boolean {
  if (n.kind === 'leaf') {
    if (Array.isArray(v)) {
      if (!v.length) return n.any.some((m) => m(undefined, false));
      return v.some((x) => n.any.some((m) => m(x, true)));
    }
    return n.any.some((m) => m(v, present));
  }
  // An object pattern needs an object here, except that it may consist only of exists:false leaves.
  const obj = isObj(v) ? v : undefined;
  for (const [k, child] of n.fields) {
    const has = !!obj && Object.prototype.hasOwnProperty.call(obj, k);
    if (!matchNode(child, has ? obj![k] : undefined, has)) return false;
  }
  if (n.or) for (const alts of n.or) if (!alts.some((alt) => matchNode(alt, v, present))) return false;
  return true;
}

/** Validates and compiles an EventPattern (JSON text); throws PatternError with AWS-like reasons. */
export function compilePattern(source: string): CompiledPattern {
  let doc: unknown;
  try {
    doc = JSON.parse(source);
  } catch (err) {
    throw new PatternError(`Filter is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObj(doc)) throw new PatternError('Filter is not an object');
  const root = compileObject(doc, 0);
  return { source, match: (event) => matchNode(root, event, true) };
}
