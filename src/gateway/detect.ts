import type { HttpRequest, Protocol } from '../protocol/types.ts';
import { credentialScope } from './sigv4.ts';
import type { ServiceDefinition, ServiceRegistry } from './registry.ts';

export interface Detection {
  service?: ServiceDefinition;
  protocol?: Protocol;
  /** How the request looks, used to pick an error envelope when no service matched. */
  looksLike: 'json' | 'query' | 'rest';
  accessKeyId: string;
  region?: string;
}

function formParams(req: HttpRequest): URLSearchParams {
  const ct = req.headers['content-type'] ?? '';
  if (req.method === 'POST' && ct.startsWith('application/x-www-form-urlencoded')) {
    try {
      return new URLSearchParams(req.body.toString('utf8'));
    } catch {
      return new URLSearchParams();
    }
  }
  return new URLSearchParams(req.query);
}

/**
 * Service detection in the order DESIGN.md gives: X-Amz-Target, SigV4 credential scope,
 * Action+Version, then rest-json paths. The target comes first because it names the service exactly.
 */
export function detectService(req: HttpRequest, registry: ServiceRegistry): Detection {
  const query = new URLSearchParams(req.query);
  const scope = credentialScope(req.headers, query);
  const base = { accessKeyId: scope?.accessKeyId ?? '', region: scope?.region };
  const target = req.headers['x-amz-target'];
  if (target) {
    const prefix = target.slice(0, target.lastIndexOf('.'));
    const service = registry.byTarget(prefix) ?? (scope && registry.bySigning(scope.service));
    return { ...base, service, protocol: service && pick(service, 'json'), looksLike: 'json' };
  }
  const form = formParams(req);
  const action = form.get('Action');
  if (action !== null || form.get('Version') !== null) {
    let service = scope ? registry.bySigning(scope.service) : undefined;
    const version = form.get('Version');
    if (!service && version) service = registry.byApiVersion(version, action);
    // Unsigned links with neither scope nor Version (the SNS SubscribeURL a browser opens): the one
    // query service that has the action.
    if (!service && !version && action) service = registry.byAction(action);
    const protocol = service && (pick(service, 'ec2') ?? pick(service, 'query'));
    return { ...base, service, protocol, looksLike: 'query' };
  }
  const service = scope ? registry.bySigning(scope.service) : undefined;
  if (service) return { ...base, service, protocol: pick(service, 'rest-json') ?? service.protocols[0], looksLike: 'rest' };
  for (const s of registry.restServices()) {
    const p = pick(s, 'rest-json')!;
    if (p.operationName(req, s.model)) return { ...base, service: s, protocol: p, looksLike: 'rest' };
  }
  return { ...base, looksLike: 'rest' };
}

function pick(service: ServiceDefinition, name: Protocol['name']): Protocol | undefined {
  return service.protocols.find((p) => p.name === name);
}
