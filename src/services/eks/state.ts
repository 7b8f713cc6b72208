import { existsSync } from 'node:fs';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import { kubeGet, minorVersion, readyNodes } from './kube-client.ts';
import { kubeTarget } from './kubeconfig.ts';
import { ResourceNotFoundException } from './errors.ts';
import type { EksClusterDoc, EksStore, FargateProfileDoc, Issue, NodegroupDoc } from './store.ts';

// EKS resources and how they follow the user's real cluster. A cluster is CREATING until Nimbus has reached its API
// server (GET /version with the kubeconfig's credentials): then ACTIVE, with the server's endpoint, CA and Kubernetes
// version; FAILED (health issue ClusterUnreachable) when it cannot be reached. Nodegroups are ACTIVE when the cluster
// has at least desiredSize Ready nodes (those labelled eks.amazonaws.com/nodegroup=<name> when any node carries that
// label), DEGRADED otherwise — Nimbus launches no nodes. Fargate profiles are records: ACTIVE at once.
// Everything is re-checked every `probeMs`.

export interface Scope { account: string; region: string }

export class EksState {
  readonly clusters = new Map<string, EksClusterDoc>();
  readonly nodegroups = new Map<string, NodegroupDoc>();
  readonly profiles = new Map<string, FargateProfileDoc>();
  private timer?: NodeJS.Timeout;
  private probing?: Promise<void>;

  constructor(readonly store: EksStore, readonly clock: Clock, readonly log: Logger, private probeMs = 30_000) {
    for (const c of store.clusters()) this.clusters.set(c.arn, c);
    for (const n of store.nodegroups()) this.nodegroups.set(n.arn, n);
    for (const p of store.profiles()) this.profiles.set(p.arn, p);
  }

  start(): void {
    this.timer = setInterval(() => void this.probeAll(), this.probeMs);
    this.timer.unref();
    void this.probeAll();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  saveCluster(c: EksClusterDoc): void {
    this.clusters.set(c.arn, c);
    this.store.putCluster(c);
  }
  saveNodegroup(n: NodegroupDoc): void {
    this.nodegroups.set(n.arn, n);
    this.store.putNodegroup(n);
  }
  saveProfile(p: FargateProfileDoc): void {
    this.profiles.set(p.arn, p);
    this.store.putProfile(p);
  }

  cluster(s: Scope, name: string): EksClusterDoc {
    const c = [...this.clusters.values()].find((x) => x.account === s.account && x.region === s.region && x.name === name);
    if (!c) throw new ResourceNotFoundException(`No cluster found for name: ${name}.`);
    return c;
  }

  nodegroup(c: EksClusterDoc, name: string): NodegroupDoc {
    const n = [...this.nodegroups.values()].find((x) => x.clusterArn === c.arn && x.name === name);
    if (!n) throw new ResourceNotFoundException(`No node group found for name: ${name}.`);
    return n;
  }

  profile(c: EksClusterDoc, name: string): FargateProfileDoc {
    const p = [...this.profiles.values()].find((x) => x.clusterArn === c.arn && x.name === name);
    if (!p) throw new ResourceNotFoundException(`No Fargate Profile found with name: ${name}.`);
    return p;
  }

  /** Checks every cluster and nodegroup against the real cluster now (also what tests await). */
  probeAll(): Promise<void> {
    this.probing ??= (async () => {
      for (const c of [...this.clusters.values()]) {
        if (c.status === 'DELETING') continue;
        await this.probeCluster(c).catch((err) => this.log.warn({ err, cluster: c.name }, 'EKS cluster probe failed'));
      }
    })().finally(() => (this.probing = undefined));
    return this.probing;
  }

  async probeCluster(c: EksClusterDoc): Promise<void> {
    const now = this.clock.now();
    let nodes: unknown;
    try {
      if (!existsSync(c.kubeconfig.path)) throw new Error(`kubeconfig ${c.kubeconfig.path} does not exist`);
      const t = kubeTarget(c.kubeconfig.path, c.kubeconfig.context);
      const version = await kubeGet(t, '/version');
      if (version.status === 401 || version.status === 403) throw Object.assign(new Error(`the API server refused the kubeconfig's credentials (HTTP ${version.status})`), { code: 'AccessDenied' });
      if (version.status !== 200) throw new Error(`GET ${t.server}/version answered HTTP ${version.status}`);
      c.observed = { endpoint: t.server, caData: t.ca ? Buffer.from(t.ca).toString('base64') : undefined, version: minorVersion(version.body), reachable: true, at: now };
      const list = await kubeGet(t, '/api/v1/nodes').catch(() => undefined);
      nodes = list?.status === 200 ? list.body : undefined;
      const issues: Issue[] = [];
      if (c.requestedVersion && c.observed.version && c.requestedVersion !== c.observed.version) {
        issues.push({ code: 'ConfigurationConflict', message: `The cluster's API server runs Kubernetes ${c.observed.version}, not the requested ${c.requestedVersion}.`, resourceIds: [c.name] });
      }
      c.issues = issues;
      if (c.status === 'CREATING' || c.status === 'UPDATING') c.status = 'ACTIVE';
    } catch (err) {
      c.observed = { ...c.observed, reachable: false, error: (err as Error).message, at: now };
      const code = (err as { code?: string }).code === 'AccessDenied' ? 'AccessDenied' : 'ClusterUnreachable';
      c.issues = [{ code, message: `Nimbus cannot reach the Kubernetes API server of this cluster: ${(err as Error).message}`, resourceIds: [c.name] }];
      if (c.status === 'CREATING') c.status = 'FAILED';
    }
    this.saveCluster(c);
    for (const n of [...this.nodegroups.values()].filter((x) => x.clusterArn === c.arn && x.status !== 'DELETING')) this.judgeNodegroup(c, n, nodes);
    for (const p of [...this.profiles.values()].filter((x) => x.clusterArn === c.arn && x.status === 'CREATING')) {
      p.status = c.status === 'ACTIVE' ? 'ACTIVE' : 'CREATE_FAILED';
      this.saveProfile(p);
    }
  }

  private judgeNodegroup(c: EksClusterDoc, n: NodegroupDoc, nodes: unknown): void {
    const label = { key: 'eks.amazonaws.com/nodegroup', value: n.name };
    const labelled = readyNodes(nodes, label);
    const anyLabelled = ((nodes as { items?: Array<{ metadata?: { labels?: Record<string, string> } }> })?.items ?? []).some((x) => x.metadata?.labels?.['eks.amazonaws.com/nodegroup'] !== undefined);
    const ready = anyLabelled ? labelled : readyNodes(nodes);
    n.readyNodes = ready;
    const enough = c.observed.reachable && ready.length >= n.scalingConfig.desiredSize;
    n.issues = enough ? [] : [{
      code: 'NodeCreationFailure',
      message: c.observed.reachable
        ? `Nimbus does not launch EKS nodes: the cluster has ${ready.length} Ready node(s)${anyLabelled ? ` labelled ${label.key}=${n.name}` : ''} for a desired size of ${n.scalingConfig.desiredSize}. Join nodes to the cluster yourself.`
        : 'The cluster is unreachable: its nodes cannot be counted.',
      resourceIds: ready,
    }];
    const next = enough ? 'ACTIVE' : 'DEGRADED';
    if (n.status !== next && n.status !== 'DELETING') {
      n.status = next;
      n.modifiedAt = this.clock.now();
    }
    this.saveNodegroup(n);
  }
}
