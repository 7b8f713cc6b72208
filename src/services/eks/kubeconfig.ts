import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

// Reading a kubeconfig (the file `kubectl` uses): JSON, or the YAML that kind, k3s, minikube, kubeadm and
// `aws eks update-kubeconfig` write — block mappings and sequences with plain or quoted scalars (the subset parsed
// here; anchors, multi-line scalars and flow collections other than {} / [] are refused with a clear error).

export type Yaml = string | boolean | null | Yaml[] | { [k: string]: Yaml };

interface Line { indent: number; text: string; no: number }

function unquote(s: string, no: number): Yaml {
  if (s.startsWith('"')) {
    if (!s.endsWith('"') || s.length < 2) throw new Error(`kubeconfig line ${no}: unterminated string`);
    return JSON.parse(s) as string;
  }
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) throw new Error(`kubeconfig line ${no}: unterminated string`);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (s === '{}') return {};
  if (s === '[]') return [];
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s === 'null' || s === '~' || s === '') return null;
  if (/^[|>&*![{]/.test(s)) throw new Error(`kubeconfig line ${no}: unsupported YAML (${s.slice(0, 20)})`);
  return s;
}

/** Strips a comment that is not inside quotes. */
function stripComment(s: string): string {
  let q: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = undefined;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]!))) return s.slice(0, i).trimEnd();
  }
  return s.trimEnd();
}

/** Splits `key: value` (the key may be quoted); undefined when the line is not a mapping entry. */
function splitKey(text: string): [string, string] | undefined {
  const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^:#'"]+?)\s*:(?:\s+(.*))?$/.exec(text);
  if (!m) return undefined;
  const key = m[1]!.startsWith('"') || m[1]!.startsWith("'") ? String(unquote(m[1]!, 0)) : m[1]!.trim();
  return [key, (m[2] ?? '').trim()];
}

function parseBlock(lines: Line[], start: number, indent: number): [Yaml, number] {
  const first = lines[start];
  if (!first || first.indent < indent) return [null, start];
  if (first.text === '-' || first.text.startsWith('- ')) return parseSeq(lines, start, first.indent);
  return parseMap(lines, start, first.indent);
}

function parseSeq(lines: Line[], start: number, indent: number): [Yaml[], number] {
  const out: Yaml[] = [];
  let i = start;
  while (i < lines.length && lines[i]!.indent === indent && (lines[i]!.text === '-' || lines[i]!.text.startsWith('- '))) {
    const l = lines[i]!;
    const rest = l.text.slice(1).trimStart();
    if (!rest) {
      const [v, next] = parseBlock(lines, i + 1, indent + 1);
      out.push(v);
      i = next;
      continue;
    }
    if (splitKey(rest)) {
      // "- key: value" starts a mapping whose entries sit where `key` is.
      const inner = indent + (l.text.length - rest.length);
      const sub: Line[] = [{ indent: inner, text: rest, no: l.no }];
      let j = i + 1;
      while (j < lines.length && lines[j]!.indent > indent) sub.push(lines[j++]!);
      const [v] = parseMap(sub, 0, inner);
      out.push(v);
      i = j;
    } else {
      out.push(unquote(rest, l.no));
      i++;
    }
  }
  return [out, i];
}

function parseMap(lines: Line[], start: number, indent: number): [{ [k: string]: Yaml }, number] {
  const out: { [k: string]: Yaml } = {};
  let i = start;
  while (i < lines.length && lines[i]!.indent === indent) {
    const l = lines[i]!;
    if (l.text.startsWith('- ')) break;
    const kv = splitKey(l.text);
    if (!kv) throw new Error(`kubeconfig line ${l.no}: expected "key: value"`);
    const [key, value] = kv;
    i++;
    if (value) {
      out[key] = unquote(value, l.no);
    } else if (i < lines.length && (lines[i]!.indent > indent || (lines[i]!.indent === indent && lines[i]!.text.startsWith('-')))) {
      const [v, next] = parseBlock(lines, i, lines[i]!.indent);
      out[key] = v;
      i = next;
    } else out[key] = null;
  }
  if (i < lines.length && lines[i]!.indent > indent) throw new Error(`kubeconfig line ${lines[i]!.no}: unexpected indentation`);
  return [out, i];
}

export function parseYaml(text: string): Yaml {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return JSON.parse(trimmed) as Yaml;
  const lines: Line[] = [];
  text.split(/\r?\n/).forEach((raw, idx) => {
    if (/^\s*(#|$)/.test(raw) || raw.trim() === '---') return;
    if (/^\t/.test(raw)) throw new Error(`kubeconfig line ${idx + 1}: tabs are not allowed for indentation`);
    const text = stripComment(raw);
    if (!text.trim()) return;
    lines.push({ indent: text.length - text.trimStart().length, text: text.trim(), no: idx + 1 });
  });
  if (!lines.length) return null;
  const [v, end] = parseBlock(lines, 0, 0);
  if (end < lines.length) throw new Error(`kubeconfig line ${lines[end]!.no}: unexpected content`);
  return v;
}

export interface KubeTarget {
  server: string;
  /** PEM */
  ca?: string;
  insecure?: boolean;
  token?: string;
  cert?: string;
  key?: string;
  username?: string;
  password?: string;
  context: string;
}

const str = (v: Yaml | undefined) => (typeof v === 'string' ? v : undefined);
const obj = (v: Yaml | undefined) => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});
const named = (list: Yaml | undefined, name: string) => (Array.isArray(list) ? list.map(obj).find((x) => x.name === name) : undefined);

/** The API server and credentials of a kubeconfig's context (default: current-context). */
export function kubeTarget(path: string, context?: string): KubeTarget {
  const doc = obj(parseYaml(readFileSync(path, 'utf8')));
  const ctxName = context ?? str(doc['current-context']);
  if (!ctxName) throw new Error(`${path} has no current-context (name one with the nimbus:kube-context tag)`);
  const ctx = obj(named(doc.contexts, ctxName)?.context);
  if (!ctx.cluster) throw new Error(`${path} has no context named ${ctxName}`);
  const cluster = obj(named(doc.clusters, String(ctx.cluster))?.cluster);
  const user = obj(named(doc.users, String(ctx.user ?? ''))?.user);
  const server = str(cluster.server);
  if (!server) throw new Error(`${path}: cluster ${String(ctx.cluster)} has no server`);
  const file = (p: string | undefined) => (p ? readFileSync(isAbsolute(p) ? p : join(dirname(path), p), 'utf8') : undefined);
  const b64 = (d: string | undefined) => (d ? Buffer.from(d, 'base64').toString('utf8') : undefined);
  if (user.exec) throw new Error(`${path}: user ${String(ctx.user)} authenticates with an exec plugin, which Nimbus does not run (use a token or client certificate)`);
  return {
    server: server.replace(/\/$/, ''), context: ctxName,
    ca: b64(str(cluster['certificate-authority-data'])) ?? file(str(cluster['certificate-authority'])),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    token: str(user.token) ?? (str(user.tokenFile) ? file(str(user.tokenFile))!.trim() : undefined),
    cert: b64(str(user['client-certificate-data'])) ?? file(str(user['client-certificate'])),
    key: b64(str(user['client-key-data'])) ?? file(str(user['client-key'])),
    username: str(user.username), password: str(user.password),
  };
}
