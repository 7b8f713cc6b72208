import { readFileSync } from 'node:fs';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { Handler, HandlerMap } from '../../gateway/context.ts';
import type { ServiceDefinition } from '../../gateway/registry.ts';
import { protocols } from '../../protocol/index.ts';
import { mustNotBeNull, requireMembers } from '../../protocol/required.ts';
import type { ServiceModel } from '../../protocol/types.ts';
import type { Db } from '../../store/db.ts';
import { InvalidParameterException } from './errors.ts';
import type { Operations } from './generated/operations.ts';
import { eksHandlers, type SubnetLookup } from './handlers.ts';
import { EksState } from './state.ts';
import { EksStore } from './store.ts';

// Amazon EKS (rest-json, API 2017-11-01) over a Kubernetes cluster you already have.
//
// LIMITATIONS (see README "EKS"), stated plainly: a Kubernetes-conformant control plane (etcd, API server,
// controllers, kubelets on nodes) does not fit on one small machine next to everything else, so Nimbus runs none.
// - CreateCluster needs an existing cluster: tag nimbus:kubeconfig=<absolute path of a kubeconfig on the Nimbus host>
//   (nimbus:kube-context picks a context) or NIMBUS_EKS_KUBECONFIG / NIMBUS_EKS_CONTEXT. The EKS cluster then reports
//   that API server's endpoint, CA and Kubernetes version, and is ACTIVE while Nimbus can reach it (FAILED with
//   ClusterUnreachable/AccessDenied otherwise). kubeconfig exec plugins (aws eks get-token) are not run.
// - Managed nodegroups launch no instances: one is ACTIVE when the cluster has desiredSize Ready nodes (labelled
//   eks.amazonaws.com/nodegroup=<name> if any node carries that label), DEGRADED (NodeCreationFailure) otherwise.
// - Fargate profiles are records: matching pods run on the cluster's own nodes, not in Fargate sandboxes.
// - No add-ons, access entries, pod identities, identity providers, cluster version updates or insights.

export const eksModel = JSON.parse(readFileSync(new URL('../../../models/eks.json', import.meta.url), 'utf8')) as ServiceModel;

export interface EksDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  network: SubnetLookup;
  /** NIMBUS_EKS_KUBECONFIG / NIMBUS_EKS_CONTEXT. */
  kubeconfig?: string;
  context?: string;
  /** How often clusters and nodegroups are checked against the real cluster (default 30 s). */
  probeMs?: number;
}

export interface EksService {
  service: ServiceDefinition & { state: EksState };
  state: EksState;
  close(): void;
}

export function createEksService(d: EksDeps): EksService {
  const state = new EksState(new EksStore(d.db), d.clock, d.log, d.probeMs);
  state.start();
  // A missing required member (nested ones too) is InvalidParameterException, as EKS answers it.
  const handlers: HandlerMap<Operations> = requireMembers(eksModel, eksHandlers(state, d.network, { kubeconfig: d.kubeconfig, context: d.context }),
    (_op, path) => new InvalidParameterException(mustNotBeNull(path)));
  return {
    state,
    service: {
      name: 'eks',
      model: eksModel,
      protocols: [protocols['rest-json']],
      handlers: handlers as unknown as Record<string, Handler>,
      state,
      limitations: [
        'No Kubernetes control plane runs in Nimbus: clusters front an existing cluster (tag nimbus:kubeconfig or NIMBUS_EKS_KUBECONFIG)',
        'Nodegroups launch no nodes (ACTIVE when the cluster has enough Ready nodes); Fargate profiles are records',
        'No add-ons, access entries, pod identities, identity providers or version updates',
      ],
    },
    close: () => state.close(),
  };
}

/** The EKS state of a running Nimbus (tests: `eksStateOf(nimbus.registry.services)`). */
export function eksStateOf(services: ServiceDefinition[]): EksState | undefined {
  return (services.find((s) => s.name === 'eks') as (ServiceDefinition & { state?: EksState }) | undefined)?.state;
}
