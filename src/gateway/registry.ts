import type { Protocol, ServiceModel } from '../protocol/types.ts';
import type { Handler } from './context.ts';

/** One AWS service as the gateway sees it. */
export interface ServiceDefinition {
  /** Nimbus's name for it (folder name), e.g. 'ec2'. */
  name: string;
  model: ServiceModel;
  /** Protocols accepted, first is the default (SQS and CloudWatch accept json and query). */
  protocols: Protocol[];
  handlers: Record<string, Handler>;
  /** Extra SigV4 signing names that map here (model signingName/endpointPrefix are always used). */
  signingNames?: string[];
  /** One line per limitation, shown by /_nimbus/health. */
  limitations?: string[];
}

/**
 * Fails at start-up on a handler for an operation the model doesn't have (orphan) or an operation the
 * model has without a handler (missing): models are trimmed to what Nimbus implements, so both are bugs.
 */
export function checkHandlers(def: ServiceDefinition): void {
  const ops = Object.keys(def.model.operations);
  const missing = ops.filter((op) => typeof def.handlers[op] !== 'function');
  const orphan = Object.keys(def.handlers).filter((h) => !(h in def.model.operations));
  if (missing.length || orphan.length) {
    throw new Error(`service ${def.name}: missing handlers [${missing.join(', ')}], orphan handlers [${orphan.join(', ')}]`);
  }
}

export class ServiceRegistry {
  readonly services: ServiceDefinition[] = [];
  private bySigningName = new Map<string, ServiceDefinition>();
  private byTargetPrefix = new Map<string, ServiceDefinition>();
  private byVersion = new Map<string, ServiceDefinition[]>();

  add(def: ServiceDefinition): void {
    checkHandlers(def);
    this.services.push(def);
    const md = def.model.metadata;
    for (const n of [md.signingName, md.endpointPrefix, ...(def.signingNames ?? [])]) if (n) this.bySigningName.set(n, def);
    if (md.targetPrefix) this.byTargetPrefix.set(md.targetPrefix, def);
    const list = this.byVersion.get(md.apiVersion) ?? [];
    list.push(def);
    this.byVersion.set(md.apiVersion, list);
  }

  bySigning(name: string): ServiceDefinition | undefined {
    return this.bySigningName.get(name);
  }
  byTarget(prefix: string): ServiceDefinition | undefined {
    return this.byTargetPrefix.get(prefix);
  }
  /** Query/ec2 requests: the Version parameter picks the service; the Action disambiguates equal versions. */
  byApiVersion(version: string, action: string | null): ServiceDefinition | undefined {
    const list = this.byVersion.get(version) ?? [];
    return list.find((d) => action && action in d.model.operations) ?? list[0];
  }
  /** The only query/ec2 service whose model has this action (undefined when none or several do). */
  byAction(action: string): ServiceDefinition | undefined {
    const found = this.services.filter((s) => s.protocols.some((p) => p.name === 'query' || p.name === 'ec2') && action in s.model.operations);
    return found.length === 1 ? found[0] : undefined;
  }
  /** rest-json: the service whose model has an operation matching this path (first wins). */
  restServices(): ServiceDefinition[] {
    return this.services.filter((s) => s.protocols.some((p) => p.name === 'rest-json'));
  }
}
