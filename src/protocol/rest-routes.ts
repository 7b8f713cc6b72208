import type { HttpRequest, ServiceModel } from './types.ts';

// Routing for rest protocols: each operation's `http.method` + `http.requestUri` template, with
// `{Label}` and greedy `{Label+}` path labels and literal query parts (`?versions`, `?x-id=Foo`).

interface Route {
  operation: string;
  method: string;
  regex: RegExp;
  labels: string[];
  /** Literal query parts the request must carry: [name, value or undefined for "present"]. */
  query: [string, string | undefined][];
  /** Sort key: more literal query parts, then fewer labels, then longer literal text win. */
  rank: [number, number, number];
}

export interface RouteMatch {
  operation: string;
  /** Label values, percent-decoded. */
  labels: Record<string, string>;
}

const compiled = new WeakMap<ServiceModel, Route[]>();

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function stripSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

function compile(operation: string, method: string, requestUri: string): Route {
  const q = requestUri.indexOf('?');
  const path = stripSlash(q >= 0 ? requestUri.slice(0, q) : requestUri);
  const query: [string, string | undefined][] = [];
  if (q >= 0) {
    for (const part of requestUri.slice(q + 1).split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      query.push(eq >= 0 ? [part.slice(0, eq), part.slice(eq + 1)] : [part, undefined]);
    }
  }
  const labels: string[] = [];
  let literal = 0;
  let source = '';
  let last = 0;
  for (const m of path.matchAll(/\{([^}]+?)(\+)?\}/g)) {
    const text = path.slice(last, m.index);
    literal += text.length;
    source += escapeRegex(text) + (m[2] ? '(.+)' : '([^/]+)');
    labels.push(m[1]);
    last = m.index! + m[0].length;
  }
  literal += path.length - last;
  source += escapeRegex(path.slice(last));
  return { operation, method, regex: new RegExp(`^${source}$`), labels, query, rank: [query.length, -labels.length, literal] };
}

function routes(model: ServiceModel): Route[] {
  let list = compiled.get(model);
  if (!list) {
    list = [];
    for (const [name, op] of Object.entries(model.operations)) if (op.http) list.push(compile(name, op.http.method.toUpperCase(), op.http.requestUri));
    list.sort((a, b) => b.rank[0] - a.rank[0] || b.rank[1] - a.rank[1] || b.rank[2] - a.rank[2]);
    compiled.set(model, list);
  }
  return list;
}

function queryKeys(query: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = eq >= 0 ? part.slice(0, eq) : part;
    const v = eq >= 0 ? part.slice(eq + 1) : '';
    try {
      out.set(decodeURIComponent(k.replace(/\+/g, ' ')), decodeURIComponent(v.replace(/\+/g, ' ')));
    } catch {
      out.set(k, v);
    }
  }
  return out;
}

/** The operation whose route matches, or undefined. `req.path` is still percent-encoded. */
export function matchRoute(req: HttpRequest, model: ServiceModel): RouteMatch | undefined {
  const method = req.method.toUpperCase();
  const path = stripSlash(req.path || '/');
  let query: Map<string, string> | undefined;
  for (const r of routes(model)) {
    if (r.method !== method) continue;
    const m = r.regex.exec(path);
    if (!m) continue;
    if (r.query.length) {
      query ??= queryKeys(req.query);
      if (!r.query.every(([k, v]) => query!.has(k) && (v === undefined || query!.get(k) === v))) continue;
    }
    const labels: Record<string, string> = {};
    let ok = true;
    r.labels.forEach((name, i) => {
      try {
        labels[name] = decodeURIComponent(m[i + 1]);
      } catch {
        ok = false; // a malformed label cannot name anything
      }
    });
    if (ok) return { operation: r.operation, labels };
  }
  return undefined;
}
