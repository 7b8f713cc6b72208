// The real AWS SDK v3 clients, bundled for the browser. The console is served by Nimbus, so the endpoint is the
// page's own origin (same origin: no CORS) and any static credentials will do.

export const REGION = 'us-east-1';

type ClientCtor<T> = new (config: any) => T;
const clients = new Map<unknown, unknown>();

/** One shared client per SDK client class, pointed at this Nimbus. */
export function client<T>(Ctor: ClientCtor<T>): T {
  let c = clients.get(Ctor) as T | undefined;
  if (!c) {
    c = new Ctor({
      endpoint: window.location.origin,
      region: REGION,
      credentials: { accessKeyId: 'console', secretAccessKey: 'console' },
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
