import type { NimbusConfig } from '../core/config.ts';
import type { DriverCapabilities } from '../drivers/driver.ts';
import type { ComputeEngine } from '../engines/compute/engine.ts';
import { jsonResponse as json, type HttpRequest, type HttpResponse } from '../protocol/types.ts';
import type { Ec2Store } from '../services/ec2/store.ts';
import type { ServiceRegistry } from './registry.ts';

// Nimbus's own endpoints under /_nimbus/: health for humans and scripts, and the exec/shell hooks the
// CLI uses to reach inside instances. Bound to the gateway's address only (loopback by default).


export type InternalRoute = (req: HttpRequest) => Promise<HttpResponse | undefined> | HttpResponse | undefined;

export function internalRoutes(deps: {
  registry: ServiceRegistry; capabilities: DriverCapabilities; compute: ComputeEngine; store: Ec2Store; config: NimbusConfig;
  /** Routes services add under /_nimbus/<service>/ (e.g. the SNS signing certificate and mailbox). */
  extra?: InternalRoute[];
}) {
  const started = new Date().toISOString();
  return async (req: HttpRequest): Promise<HttpResponse | undefined> => {
    if (req.path === '/_nimbus/health') {
      return json(200, {
        status: 'running',
        startedAt: started,
        pid: process.pid,
        dataDir: deps.config.inMemory ? null : deps.config.dataDir,
        auth: { sigv4: deps.config.strictSigV4 ? 'strict' : 'permissive', maxBodyBytes: deps.config.maxBodyBytes },
        services: Object.fromEntries(deps.registry.services.map((s) => [s.name, {
          status: 'available', protocols: s.protocols.map((p) => p.name), operations: Object.keys(s.model.operations).length, limitations: s.limitations ?? [],
        }])),
        driver: deps.capabilities,
      });
    }
    const m = /^\/_nimbus\/instances\/(i-[0-9a-f]+)\/(exec|shell)$/.exec(req.path);
    if (m) {
      const row = deps.store.instance(m[1]);
      if (!row) return json(404, { message: `The instance ID '${m[1]}' does not exist` });
      if (!deps.compute.isRunning(row.id)) return json(409, { message: `The instance '${row.id}' is not running (state: ${row.state})` });
      if (m[2] === 'shell') return json(200, { argv: deps.compute.driver.shellCommand(row.id) });
      if (req.method !== 'POST') return json(405, { message: 'POST a JSON body {"argv": [...], "input"?: string}' });
      let body: { argv?: string[]; input?: string; timeoutMs?: number };
      try {
        body = JSON.parse(req.body.toString('utf8'));
      } catch {
        return json(400, { message: 'body must be JSON' });
      }
      if (!Array.isArray(body.argv) || !body.argv.length) return json(400, { message: 'argv must be a non-empty array' });
      const out = await deps.compute.driver.exec(row.id, body.argv, { input: body.input, timeoutMs: body.timeoutMs ?? 60_000 });
      return json(200, out);
    }
    for (const route of deps.extra ?? []) {
      const res = await route(req);
      if (res) return res;
    }
    return undefined;
  };
}
