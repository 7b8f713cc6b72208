import type { Series } from './types.ts';

// Metric math (GetMetricData and alarm Metrics[]): + - * / ^, parentheses, numbers, query ids and the functions
// SUM AVG MIN MAX (of an array per timestamp, of one series → a scalar), METRICS([filter]), RATE, DIFF, ABS, FILL,
// CEIL, FLOOR. Series combine on the timestamps they share. LIMITATION: no SEARCH, IF, ANOMALY_DETECTION_BAND,
// Metrics Insights SQL, PERIOD/RUNNING_SUM/… functions.

export class MathError extends Error {}

export type MathValue =
  | { kind: 'scalar'; v: number }
  | { kind: 'series'; s: Series; label?: string }
  | { kind: 'array'; a: Array<{ s: Series; label?: string }> };

type Node =
  | { t: 'num'; v: number }
  | { t: 'str'; v: string }
  | { t: 'id'; v: string }
  | { t: 'call'; f: string; args: Node[] }
  | { t: 'neg'; e: Node }
  | { t: 'bin'; op: string; l: Node; r: Node };

const FUNCTIONS = new Set(['SUM', 'AVG', 'MIN', 'MAX', 'METRICS', 'RATE', 'DIFF', 'ABS', 'FILL', 'CEIL', 'FLOOR']);

function tokenize(src: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|('[^']*'|"[^"]*")|([-+*/^(),]))/y;
  let i = 0;
  while (i < src.length) {
    if (/^\s*$/.test(src.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m) throw new MathError(`Syntax error at position ${i}`);
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
    i = re.lastIndex;
  }
  return out;
}

export function parseExpression(src: string): Node {
  const toks = tokenize(src);
  let i = 0;
  const peek = () => toks[i];
  const eat = (t?: string) => {
    const x = toks[i++];
    if (x === undefined || (t !== undefined && x !== t)) throw new MathError(`Syntax error: expected ${t ?? 'a value'}${x ? ` but found ${x}` : ''}`);
    return x;
  };
  const expr = (): Node => {
    let l = term();
    while (peek() === '+' || peek() === '-') l = { t: 'bin', op: eat(), l, r: term() };
    return l;
  };
  const term = (): Node => {
    let l = unary();
    while (peek() === '*' || peek() === '/') l = { t: 'bin', op: eat(), l, r: unary() };
    return l;
  };
  const unary = (): Node => {
    if (peek() === '-') {
      eat();
      return { t: 'neg', e: unary() };
    }
    const base = primary();
    if (peek() === '^') {
      eat();
      return { t: 'bin', op: '^', l: base, r: unary() };
    }
    return base;
  };
  const primary = (): Node => {
    const x = eat();
    if (x === '(') {
      const e = expr();
      eat(')');
      return e;
    }
    if (/^[\d.]/.test(x)) return { t: 'num', v: Number(x) };
    if (/^['"]/.test(x)) return { t: 'str', v: x.slice(1, -1) };
    if (/^[A-Za-z_]/.test(x)) {
      if (peek() === '(') {
        eat('(');
        const f = x.toUpperCase();
        if (!FUNCTIONS.has(f)) throw new MathError(`Unknown function or unsupported use of function: ${x}`);
        const args: Node[] = [];
        if (peek() !== ')') {
          args.push(expr());
          while (peek() === ',') (eat(','), args.push(expr()));
        }
        eat(')');
        return { t: 'call', f, args };
      }
      return { t: 'id', v: x };
    }
    throw new MathError(`Syntax error: unexpected ${x}`);
  };
  const root = expr();
  if (i < toks.length) throw new MathError(`Syntax error: unexpected ${toks[i]}`);
  return root;
}

/** Ids an expression refers to (METRICS() refers to every metric query). */
export function references(node: Node): { ids: string[]; metrics: boolean } {
  const ids: string[] = [];
  let metrics = false;
  const walk = (n: Node) => {
    if (n.t === 'id') ids.push(n.v);
    else if (n.t === 'call') {
      if (n.f === 'METRICS') metrics = true;
      n.args.forEach(walk);
    } else if (n.t === 'neg') walk(n.e);
    else if (n.t === 'bin') (walk(n.l), walk(n.r));
  };
  walk(node);
  return { ids, metrics };
}

export interface MathEnv {
  /** The value of another query by id (throws MathError if unknown). */
  lookup(id: string): MathValue;
  /** Every MetricStat query's series, with its id (for METRICS()). */
  metrics(): Array<{ id: string; s: Series; label?: string }>;
}

function binary(op: string, a: number, b: number): number {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    default: return a ** b;
  }
}

function combine(op: string, x: Series, y: Series): Series {
  const at = new Map<number, number>();
  x.ts.forEach((t, i) => at.set(t, x.values[i]!));
  const out: Series = { ts: [], values: [] };
  y.ts.forEach((t, i) => {
    const a = at.get(t);
    if (a === undefined) return;
    out.ts.push(t);
    out.values.push(binary(op, a, y.values[i]!));
  });
  return out;
}

const mapSeries = (s: Series, f: (v: number) => number): Series => ({ ts: [...s.ts], values: s.values.map(f) });

function apply(op: string, l: MathValue, r: MathValue): MathValue {
  if (l.kind === 'array') return { kind: 'array', a: l.a.map((e) => toEntry(apply(op, { kind: 'series', s: e.s, label: e.label }, r), e.label)) };
  if (r.kind === 'array') return { kind: 'array', a: r.a.map((e) => toEntry(apply(op, l, { kind: 'series', s: e.s, label: e.label }), e.label)) };
  if (l.kind === 'scalar' && r.kind === 'scalar') return { kind: 'scalar', v: binary(op, l.v, r.v) };
  if (l.kind === 'series' && r.kind === 'scalar') return { kind: 'series', s: mapSeries(l.s, (v) => binary(op, v, r.v)) };
  if (l.kind === 'scalar' && r.kind === 'series') return { kind: 'series', s: mapSeries(r.s, (v) => binary(op, l.v, v)) };
  return { kind: 'series', s: combine(op, (l as { s: Series }).s, (r as { s: Series }).s) };
}

function toEntry(v: MathValue, label?: string): { s: Series; label?: string } {
  if (v.kind === 'series') return { s: v.s, label };
  throw new MathError('Array arithmetic must produce time series');
}

function reduceArray(f: string, a: Series[]): Series {
  const byTs = new Map<number, number[]>();
  for (const s of a) s.ts.forEach((t, i) => (byTs.get(t) ?? byTs.set(t, []).get(t)!).push(s.values[i]!));
  const ts = [...byTs.keys()].sort((x, y) => x - y);
  return { ts, values: ts.map((t) => reduceValues(f, byTs.get(t)!)) };
}

function reduceValues(f: string, vs: number[]): number {
  switch (f) {
    case 'SUM': return vs.reduce((s, v) => s + v, 0);
    case 'AVG': return vs.reduce((s, v) => s + v, 0) / vs.length;
    case 'MIN': return Math.min(...vs);
    default: return Math.max(...vs);
  }
}

function perSeries(v: MathValue, f: (s: Series) => Series): MathValue {
  if (v.kind === 'series') return { kind: 'series', s: f(v.s) };
  if (v.kind === 'array') return { kind: 'array', a: v.a.map((e) => ({ s: f(e.s), label: e.label })) };
  throw new MathError('This function needs a time series');
}

export function evaluate(node: Node, env: MathEnv): MathValue {
  switch (node.t) {
    case 'num': return { kind: 'scalar', v: node.v };
    case 'str': throw new MathError('A string is only valid as the argument of METRICS()');
    case 'id': return env.lookup(node.v);
    case 'neg': return apply('*', { kind: 'scalar', v: -1 }, evaluate(node.e, env));
    case 'bin': return apply(node.op, evaluate(node.l, env), evaluate(node.r, env));
    case 'call': {
      const { f, args } = node;
      if (f === 'METRICS') {
        const filter = args[0]?.t === 'str' ? args[0].v : undefined;
        if (args.length > 1 || (args.length === 1 && !filter && args[0]!.t !== 'str')) throw new MathError('METRICS() takes an optional string');
        return { kind: 'array', a: env.metrics().filter((m) => !filter || m.id.includes(filter) || (m.label ?? '').includes(filter)).map((m) => ({ s: m.s, label: m.label ?? m.id })) };
      }
      const want = f === 'FILL' ? 2 : 1;
      if (args.length !== want) throw new MathError(`${f} takes ${want} argument${want > 1 ? 's' : ''}`);
      const x = evaluate(args[0]!, env);
      switch (f) {
        case 'SUM': case 'AVG': case 'MIN': case 'MAX':
          if (x.kind === 'array') return { kind: 'series', s: reduceArray(f, x.a.map((e) => e.s)) };
          if (x.kind === 'series') return x.s.values.length ? { kind: 'scalar', v: reduceValues(f, x.s.values) } : { kind: 'series', s: { ts: [], values: [] } };
          return x;
        case 'ABS': return x.kind === 'scalar' ? { kind: 'scalar', v: Math.abs(x.v) } : perSeries(x, (s) => mapSeries(s, Math.abs));
        case 'CEIL': return x.kind === 'scalar' ? { kind: 'scalar', v: Math.ceil(x.v) } : perSeries(x, (s) => mapSeries(s, Math.ceil));
        case 'FLOOR': return x.kind === 'scalar' ? { kind: 'scalar', v: Math.floor(x.v) } : perSeries(x, (s) => mapSeries(s, Math.floor));
        case 'RATE': case 'DIFF':
          return perSeries(x, (s) => {
            const out: Series = { ts: [], values: [] };
            for (let i = 1; i < s.ts.length; i++) {
              const d = s.values[i]! - s.values[i - 1]!;
              out.ts.push(s.ts[i]!);
              out.values.push(f === 'DIFF' ? d : d / ((s.ts[i]! - s.ts[i - 1]!) / 1000));
            }
            return out;
          });
        case 'FILL': {
          const fill = evaluate(args[1]!, env);
          if (fill.kind !== 'scalar') throw new MathError('FILL needs a number as its second argument');
          // Fills the timestamps of the request grid that the series lacks (the grid comes from the other queries).
          const grid = gridOf(env);
          return perSeries(x, (s) => {
            const at = new Map(s.ts.map((t, i) => [t, s.values[i]!]));
            const ts = [...new Set([...grid, ...s.ts])].sort((a, b) => a - b);
            return { ts, values: ts.map((t) => at.get(t) ?? fill.v) };
          });
        }
      }
      throw new MathError(`Unknown function ${f}`);
    }
  }
}

function gridOf(env: MathEnv): number[] {
  const all = new Set<number>();
  for (const m of env.metrics()) for (const t of m.s.ts) all.add(t);
  return [...all];
}
