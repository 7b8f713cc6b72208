import type { IncomingHttpHeaders } from 'node:http';
import { cidrContains } from '../network/ipam.ts';
import type { ActionSpec, ConditionSpec, RedirectSpec, RuleSpec } from './types.ts';

// Listener rules as AWS evaluates them: lowest priority first, the default action last; the conditions of a rule
// all have to match (AND), the values of one condition are alternatives (OR). Wildcards `*` and `?` everywhere a
// pattern is allowed; path-pattern and http-request-method are case-sensitive, the rest is not.

export interface RequestInfo {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Raw query string without '?'. */
  query: string;
  /** Host header without the port, lower-case. */
  host: string;
  headers: IncomingHttpHeaders;
  sourceIp: string;
}

export interface CompiledRule {
  arn: string;
  priority: number;
  matches(req: RequestInfo): boolean;
  action: ActionSpec;
}

export function wildcard(pattern: string, caseSensitive: boolean): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, caseSensitive ? 's' : 'is');
}

function parseQuery(q: string): Array<[string, string]> {
  if (!q) return [];
  return q.split('&').filter(Boolean).map((kv) => {
    const i = kv.indexOf('=');
    const dec = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    return i < 0 ? [dec(kv), ''] : [dec(kv.slice(0, i)), dec(kv.slice(i + 1))];
  });
}

function compileCondition(c: ConditionSpec): (r: RequestInfo) => boolean {
  switch (c.field) {
    case 'path-pattern': {
      const res = c.values.map((v) => wildcard(v, true));
      return (r) => res.some((re) => re.test(r.path));
    }
    case 'host-header': {
      const res = c.values.map((v) => wildcard(v, false));
      return (r) => res.some((re) => re.test(r.host));
    }
    case 'http-header': {
      const name = c.name.toLowerCase();
      const res = c.values.map((v) => wildcard(v, false));
      return (r) => {
        const h = r.headers[name];
        if (h === undefined) return false;
        const vals = Array.isArray(h) ? h : [h];
        return vals.some((v) => res.some((re) => re.test(v)));
      };
    }
    case 'http-request-method': {
      const set = new Set(c.values);
      return (r) => set.has(r.method);
    }
    case 'query-string': {
      const pats = c.values.map((p) => ({ key: p.key !== undefined ? wildcard(p.key, false) : undefined, value: wildcard(p.value, false) }));
      return (r) => {
        const pairs = parseQuery(r.query);
        return pats.some((p) => pairs.some(([k, v]) => (!p.key || p.key.test(k)) && p.value.test(v)));
      };
    }
    case 'source-ip': {
      const cidrs = c.values;
      return (r) => {
        const ip = r.sourceIp.startsWith('::ffff:') ? r.sourceIp.slice(7) : r.sourceIp;
        return /^\d+\.\d+\.\d+\.\d+$/.test(ip) && cidrs.some((cidr) => cidr.includes('.') && cidrContains(cidr, ip));
      };
    }
  }
}

export function compileRules(rules: RuleSpec[]): CompiledRule[] {
  return [...rules].sort((a, b) => a.priority - b.priority).map((r) => {
    const tests = r.conditions.map(compileCondition);
    return { arn: r.arn, priority: r.priority, action: r.action, matches: (req) => tests.every((t) => t(req)) };
  });
}

/** The action for a request: the first matching rule's, else the default. */
export function route(rules: CompiledRule[], defaultAction: ActionSpec, req: RequestInfo): ActionSpec {
  for (const r of rules) if (r.matches(req)) return r.action;
  return defaultAction;
}

/** Fills #{protocol} #{host} #{port} #{path} #{query} of a redirect action (AWS keeps the original for each left as is). */
export function redirectLocation(a: RedirectSpec, req: { protocol: string; host: string; port: number; path: string; query: string }): string {
  const fill = (tpl: string) => tpl
    .replace(/#\{protocol\}/g, req.protocol.toLowerCase())
    .replace(/#\{host\}/g, req.host)
    .replace(/#\{port\}/g, String(req.port))
    // #{path} is the original path without its leading '/' (the default Path is '/#{path}').
    .replace(/#\{path\}/g, req.path.replace(/^\//, ''))
    .replace(/#\{query\}/g, req.query);
  const protocol = fill(a.protocol).toLowerCase();
  const host = fill(a.host);
  const port = fill(a.port);
  let path = fill(a.path);
  if (!path.startsWith('/')) path = `/${path}`;
  const query = fill(a.query);
  const defaultPort = (protocol === 'http' && port === '80') || (protocol === 'https' && port === '443');
  return `${protocol}://${host}${defaultPort ? '' : `:${port}`}${path}${query ? `?${query}` : ''}`;
}
