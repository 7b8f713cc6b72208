import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkloadStats } from '../drivers/driver.ts';
import type { InternalRoute } from '../gateway/internal.ts';
import type { HttpRequest, HttpResponse } from '../protocol/types.ts';

// The web console at /_nimbus/console: the single-page app built by Vite from src/console/app into src/console/dist
// (`node scripts/bootstrap.mjs` builds it when missing or stale). The app calls the AWS API on the same origin with
// the AWS SDK, and Nimbus's own routes for what AWS has no API for.
//   GET /_nimbus/console[/…]                 index.html for client routes, the file for /assets/… (404 when missing)
//   GET /_nimbus/console/api/stats/<id>      an instance's cgroup CPU/memory counters (memory graph; AWS has no such API)

export const CONSOLE_PREFIX = '/_nimbus/console';
const DEFAULT_DIST = fileURLToPath(new URL('./dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
  '.woff2': 'font/woff2', '.woff': 'font/woff', '.map': 'application/json', '.txt': 'text/plain; charset=utf-8', '.webp': 'image/webp',
};

const json = (status: number, body: unknown): HttpResponse => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const notFound = (): HttpResponse => ({ status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Not Found' });

const NOT_BUILT = `<!doctype html><html><head><meta charset="utf-8"><title>Nimbus console</title></head>
<body style="font: 15px system-ui, sans-serif; max-width: 40em; margin: 4em auto">
<h1>The Nimbus console is not built</h1>
<p>Build it once with <code>npm run console:build</code> (or start Nimbus with <code>npm start</code>, which builds it when it is missing or stale), then reload this page.</p>
</body></html>`;

export interface ConsoleRouteOptions {
  /** The built app (default src/console/dist). */
  dist?: string;
  /** An instance's cgroup counters (the compute driver's stats), for the memory graph. */
  stats?: (instanceId: string) => Promise<WorkloadStats | undefined>;
  /**
   * Keys the console signs its SDK calls with (so it works in strict SigV4 mode too). Served only on the admin
   * listener, which instances cannot reach (/_nimbus/* answers 403 to the VPC range).
   */
  credentials?: () => { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function consoleRoute(opts: ConsoleRouteOptions = {}): InternalRoute {
  const dist = normalize(opts.dist ?? DEFAULT_DIST);
  return async (req: HttpRequest): Promise<HttpResponse | undefined> => {
    if (req.path !== CONSOLE_PREFIX && !req.path.startsWith(`${CONSOLE_PREFIX}/`)) return undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'text/plain' }, body: 'Method Not Allowed' };
    let rest: string;
    try {
      rest = decodeURIComponent(req.path.slice(CONSOLE_PREFIX.length));
    } catch {
      return notFound();
    }
    const stats = /^\/api\/stats\/(i-[0-9a-f]+)$/.exec(rest);
    if (stats) {
      const s = opts.stats ? await opts.stats(stats[1]!).catch(() => undefined) : undefined;
      return s ? json(200, s) : json(404, { message: `no statistics for ${stats[1]} (not running, or no cgroup in this mode)` });
    }
    if (rest === '/api/credentials') {
      return opts.credentials ? json(200, opts.credentials()) : json(404, { message: 'no console credentials' });
    }
    if (rest.startsWith('/api/')) return json(404, { message: 'Not Found' });
    // A path with a file extension is a file of the bundle; anything else is a client route → index.html.
    const file = extname(rest) ? rest : '/index.html';
    const full = normalize(join(dist, file));
    if (!full.startsWith(dist.endsWith(sep) ? dist : dist + sep)) return notFound();
    const body = await readFile(full).catch(() => undefined);
    if (!body) {
      if (file !== '/index.html') return notFound();
      const built = await stat(dist).then(() => true, () => false);
      return { status: 503, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: built ? NOT_BUILT.replace('is not built', 'is not built (dist has no index.html)') : NOT_BUILT };
    }
    return {
      status: 200,
      headers: {
        'content-type': TYPES[extname(full)] ?? 'application/octet-stream',
        // Vite names assets by content hash: cache them for good; index.html must always be fresh.
        'cache-control': file.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
      },
      body,
    };
  };
}
