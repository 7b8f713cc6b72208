// The real AWS SDK v3 clients, bundled for the browser. The console is served by Nimbus, so the endpoint is the
// page's own origin (same origin: no CORS). Calls are signed with keys Nimbus hands the console
// (/_nimbus/console/api/credentials, admin listener only), so the console works in strict SigV4 mode too.

export const REGION = 'us-east-1';

type ClientCtor<T> = new (config: any) => T;
type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

let keys: Promise<Keys> | undefined;
/** The console's keys, fetched once; static ones if this Nimbus does not hand any out (permissive mode accepts them). */
function consoleKeys(): Promise<Keys> {
  keys ??= fetch('/_nimbus/console/api/credentials')
    .then((r) => (r.ok ? (r.json() as Promise<Keys>) : Promise.reject(new Error(`HTTP ${r.status}`))))
    .catch(() => ({ accessKeyId: 'console', secretAccessKey: 'console' }));
  return keys;
}
const clients = new Map<unknown, unknown>();

/** One shared client per SDK client class, pointed at this Nimbus. */
export function client<T>(Ctor: ClientCtor<T>): T {
  let c = clients.get(Ctor) as T | undefined;
  if (!c) {
    c = new Ctor({
      endpoint: window.location.origin,
      region: REGION,
      credentials: consoleKeys,
      maxAttempts: 1,
    });
    clients.set(Ctor, c);
  }
  return c;
}

/** "Code: message" for an SDK error (or any error). */
export function errorText(err: unknown): string {
  if (!err) return '';
  const e = err as { name?: string; Code?: string; message?: string };
  const name = e.Code ?? e.name;
  const msg = e.message ?? String(err);
  return name && name !== 'Error' && !msg.startsWith(name) ? `${name}: ${msg}` : msg;
}

/** True when Nimbus answered that it does not serve this service or operation at all. */
export function isUnavailable(err: unknown): boolean {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? '';
  return ['UnknownOperationException', 'UnknownOperation', 'InvalidAction', 'UnsupportedOperation', 'UnsupportedOperationException'].includes(name)
    || /does not serve|does not implement|No Nimbus service/i.test(e?.message ?? '');
}

/** Tags list → object. */
export function tagMap(tags: Array<{ Key?: string; Value?: string }> | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}
