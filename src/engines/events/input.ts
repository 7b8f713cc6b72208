import type { TargetDoc } from './types.ts';

// What a target receives: the event itself, a constant Input, the part of the event an InputPath selects, or an
// InputTransformer's template with <variables> filled from InputPathsMap (and the reserved aws.events.* names).

export class InputError extends Error {}

/** JSONPath subset: $, $.a.b, $.a[0], $['a-b']. Undefined when the path selects nothing. */
export function selectPath(doc: unknown, path: string): unknown {
  if (path === '$') return doc;
  if (!path.startsWith('$')) throw new InputError(`invalid JSON path ${path}`);
  let cur: unknown = doc;
  const re = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;
  re.lastIndex = 1;
  while (re.lastIndex < path.length) {
    const at = re.lastIndex;
    const m = re.exec(path);
    if (!m || m.index !== at) throw new InputError(`invalid JSON path ${path}`);
    if (cur === null || typeof cur !== 'object') return undefined;
    const key = m[1] ?? m[3] ?? m[4];
    cur = key !== undefined ? (cur as Record<string, unknown>)[key] : (cur as unknown[])[Number(m[2])];
    if (cur === undefined) return undefined;
  }
  return cur;
}

export function checkPath(path: string): void {
  selectPath({}, path);
}

/** Fills an InputTemplate: inside a JSON string literal a value goes in as text; elsewhere as JSON. */
export function fillTemplate(template: string, vars: Record<string, unknown>): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '<') {
      const end = template.indexOf('>', i + 1);
      const name = end > i ? template.slice(i + 1, end) : '';
      if (end > i && /^[A-Za-z0-9_.\-]+$/.test(name) && Object.prototype.hasOwnProperty.call(vars, name)) {
        const v = vars[name];
        if (inString) {
          const text = typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
          out += JSON.stringify(text).slice(1, -1);
        } else {
          out += v === undefined ? 'null' : typeof v === 'string' && !looksJson(template) ? v : JSON.stringify(v);
        }
        i = end;
        continue;
      }
    }
    if (c === '\\' && inString) {
      out += c + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    out += c;
  }
  return out;
}

function looksJson(t: string): boolean {
  const s = t.trimStart();
  return s.startsWith('{') || s.startsWith('[') || s.startsWith('"');
}

/** The body a target gets for an event (JSON text of the event, or what Input/InputPath/InputTransformer make of it). */
export function renderInput(t: Pick<TargetDoc, 'input' | 'inputPath' | 'inputTransformer'>, event: Record<string, unknown>, eventJson: string, rule: { arn: string; name: string }): string {
  if (t.input !== undefined) return t.input;
  if (t.inputPath !== undefined) {
    const v = selectPath(event, t.inputPath);
    return v === undefined ? '' : JSON.stringify(v);
  }
  if (t.inputTransformer) {
    const vars: Record<string, unknown> = {
      'aws.events.rule-arn': rule.arn,
      'aws.events.rule-name': rule.name,
      'aws.events.event.ingestion-time': event.time,
      'aws.events.event': event,
      'aws.events.event.json': event,
    };
    for (const [k, p] of Object.entries(t.inputTransformer.inputPathsMap ?? {})) vars[k] = selectPath(event, p);
    return fillTemplate(t.inputTransformer.inputTemplate, vars);
  }
  return eventJson;
}
