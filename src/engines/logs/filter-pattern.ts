import { InvalidParameterException } from './errors.ts';

// The subset of CloudWatch Logs filter pattern syntax Nimbus understands:
//
//   ""  or  " "                     every event
//   ERROR                           events containing the term (case-sensitive substring)
//   ERROR Exception                 both terms (AND)
//   "request failed"                a quoted phrase
//   ?ERROR ?WARN                    either term (OR); combined with plain terms: all plain terms and one ? term
//   ERROR -timeout                  exclusion: ERROR but not timeout
//   { $.level = "error" }           JSON events: = != with strings (`*` wildcard) or numbers, < <= > >= with numbers,
//   { $.latency > 100 && ($.user.id = 7 || $.retry IS TRUE) }   && || and parentheses,
//   { $.code IS NULL } { $.x NOT EXISTS } { $.ok IS FALSE }      selectors $.a.b[0]
//
// Not supported (InvalidParameterException naming the limitation): space-delimited `[a, b, ...]` patterns and
// `%regex%` patterns.

export type Matcher = (message: string) => boolean;

const MAX_PATTERN = 1024;

export function compileFilterPattern(pattern: string | undefined): Matcher {
  const p = (pattern ?? '').trim();
  if (pattern && pattern.length > MAX_PATTERN) throw new InvalidParameterException(`filterPattern is longer than ${MAX_PATTERN} characters`);
  if (!p) return () => true;
  if (p.startsWith('{')) return compileJson(p);
  if (p.startsWith('[')) throw new InvalidParameterException('Invalid filter pattern: space-delimited ([...]) filter patterns are not supported by Nimbus');
  if (p.startsWith('%')) throw new InvalidParameterException('Invalid filter pattern: regular expression (%...%) filter patterns are not supported by Nimbus');
  return compileTerms(p);
}

function compileTerms(p: string): Matcher {
  const required: string[] = [];
  const optional: string[] = [];
  const excluded: string[] = [];
  let i = 0;
  while (i < p.length) {
    if (/\s/.test(p[i])) {
      i++;
      continue;
    }
    let kind: 'req' | 'opt' | 'exc' = 'req';
    if ((p[i] === '?' || p[i] === '-') && i + 1 < p.length && !/\s/.test(p[i + 1])) {
      kind = p[i] === '?' ? 'opt' : 'exc';
      i++;
    }
    let term: string;
    if (p[i] === '"') {
      const end = p.indexOf('"', i + 1);
      if (end < 0) throw new InvalidParameterException('Invalid filter pattern: unterminated quoted term');
      term = p.slice(i + 1, end);
      i = end + 1;
    } else {
      const start = i;
      while (i < p.length && !/\s/.test(p[i])) i++;
      term = p.slice(start, i);
    }
    if (!term) continue;
    (kind === 'req' ? required : kind === 'opt' ? optional : excluded).push(term);
  }
  return (m) => required.every((t) => m.includes(t)) && (!optional.length || optional.some((t) => m.includes(t))) && !excluded.some((t) => m.includes(t));
}

// --- JSON patterns ---

type Tok = { t: 'op' | 'sel' | 'str' | 'word' | 'punct'; v: string };

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      out.push({ t: 'punct', v: c });
      i++;
    } else if (s.startsWith('&&', i) || s.startsWith('||', i)) {
      out.push({ t: 'punct', v: s.slice(i, i + 2) });
      i += 2;
    } else if (/[=!<>]/.test(c)) {
      const two = s.slice(i, i + 2);
      const op = ['!=', '<=', '>='].includes(two) ? two : c === '!' ? '' : c;
      if (!op) throw bad(`unexpected '!'`);
      out.push({ t: 'op', v: op });
      i += op.length;
    } else if (c === '"') {
      let j = i + 1;
      let v = '';
      while (j < s.length && s[j] !== '"') {
        if (s[j] === '\\' && j + 1 < s.length) j++;
        v += s[j++];
      }
      if (j >= s.length) throw bad('unterminated string');
      out.push({ t: 'str', v });
      i = j + 1;
    } else {
      let j = i;
      while (j < s.length && !/[\s()=!<>&|"]/.test(s[j])) j++;
      const v = s.slice(i, j);
      if (!v) throw bad(`unexpected '${c}'`);
      out.push({ t: v.startsWith('$') ? 'sel' : 'word', v });
      i = j;
    }
  }
  return out;
}

function bad(why: string): InvalidParameterException {
  return new InvalidParameterException(`Invalid filter pattern: ${why}`);
}

type Node = (doc: unknown) => boolean;

function compileJson(p: string): Matcher {
  if (!p.endsWith('}')) throw bad('a JSON filter pattern must end with }');
  const toks = tokenize(p.slice(1, -1));
  let pos = 0;
  const peek = () => toks[pos];
  const next = () => toks[pos++];
  const orExpr = (): Node => {
    const parts = [andExpr()];
    while (peek()?.v === '||') {
      next();
      parts.push(andExpr());
    }
    return parts.length === 1 ? parts[0] : (d) => parts.some((f) => f(d));
  };
  const andExpr = (): Node => {
    const parts = [unary()];
    while (peek()?.v === '&&') {
      next();
      parts.push(unary());
    }
    return parts.length === 1 ? parts[0] : (d) => parts.every((f) => f(d));
  };
  const unary = (): Node => {
    const t = next();
    if (!t) throw bad('unexpected end of pattern');
    if (t.t === 'punct' && t.v === '(') {
      const e = orExpr();
      if (next()?.v !== ')') throw bad('missing )');
      return e;
    }
    if (t.t !== 'sel') throw bad(`expected a $ selector, found '${t.v}'`);
    return comparison(selector(t.v));
  };
  const comparison = (get: (d: unknown) => unknown): Node => {
    const t = next();
    if (!t) throw bad('expected a comparison');
    if (t.t === 'word' && t.v.toUpperCase() === 'IS') {
      const w = next()?.v.toUpperCase();
      if (w === 'TRUE') return (d) => get(d) === true;
      if (w === 'FALSE') return (d) => get(d) === false;
      if (w === 'NULL') return (d) => get(d) === null;
      throw bad('IS must be followed by TRUE, FALSE or NULL');
    }
    if (t.t === 'word' && t.v.toUpperCase() === 'NOT') {
      if (next()?.v.toUpperCase() !== 'EXISTS') throw bad('NOT must be followed by EXISTS');
      return (d) => get(d) === undefined;
    }
    if (t.t === 'word' && t.v.toUpperCase() === 'EXISTS') return (d) => get(d) !== undefined;
    if (t.t !== 'op') throw bad(`expected a comparison operator, found '${t.v}'`);
    const v = next();
    if (!v || (v.t !== 'str' && v.t !== 'word')) throw bad('expected a value after the operator');
    const op = t.v;
    const num = v.t === 'word' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v.v) ? Number(v.v) : undefined;
    if (op === '<' || op === '>' || op === '<=' || op === '>=') {
      if (num === undefined) throw bad(`${op} needs a number`);
      const cmp = { '<': (a: number) => a < num, '>': (a: number) => a > num, '<=': (a: number) => a <= num, '>=': (a: number) => a >= num }[op];
      return (d) => {
        const x = get(d);
        return typeof x === 'number' && cmp(x);
      };
    }
    const eq = valueEquals(v.v, num, v.t === 'word');
    return op === '=' ? (d) => eq(get(d)) : (d) => {
      const x = get(d);
      return x !== undefined && !eq(x);
    };
  };
  const tree = orExpr();
  if (pos < toks.length) throw bad(`unexpected '${toks[pos].v}'`);
  return (m) => {
    const s = m.trimStart();
    if (!s.startsWith('{') && !s.startsWith('[')) return false;
    let doc: unknown;
    try {
      doc = JSON.parse(s);
    } catch {
      return false;
    }
    return tree(doc);
  };
}

function valueEquals(text: string, num: number | undefined, bare: boolean): (x: unknown) => boolean {
  if (num !== undefined) return (x) => (typeof x === 'number' ? x === num : typeof x === 'string' && x === text);
  if (bare && text === 'true') return (x) => x === true || x === 'true';
  if (bare && text === 'false') return (x) => x === false || x === 'false';
  if (bare && text === 'null') return (x) => x === null;
  if (text.includes('*')) {
    const re = new RegExp(`^${text.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
    return (x) => typeof x === 'string' && re.test(x);
  }
  return (x) => typeof x === 'string' && x === text;
}

/** `$.a.b[0].c` → a getter (undefined when any step is missing). */
function selector(sel: string): (d: unknown) => unknown {
  if (!sel.startsWith('$')) throw bad(`selector ${sel} must start with $`);
  const steps: Array<string | number> = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]/gy;
  re.lastIndex = 1;
  while (re.lastIndex < sel.length) {
    const m = re.exec(sel);
    if (!m) throw bad(`invalid selector ${sel}`);
    steps.push(m[1] !== undefined ? m[1] : Number(m[2]));
  }
  if (!steps.length) throw bad(`selector ${sel} names no field`);
  return (d) => {
    let cur: unknown = d;
    for (const s of steps) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string | number, unknown>)[s];
    }
    return cur;
  };
}
