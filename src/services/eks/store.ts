import type { Db } from '../../store/db.ts';

// EKS documents and every SQL statement of the EKS service (migrations/013_eks.sql).

export interface Issue { code: string; message: string; resourceIds?: string[] }

export interface EksClusterDoc {
  arn: string;
  id: string;
  account: string;
  region: string;
  name: string;
  roleArn: string;
  /** The version asked for (the cluster reports what its API server runs). */
  requestedVersion?: string;
  status: 'CREATING' | 'ACTIVE' | 'DELETING' | 'FAILED' | 'UPDATING' | 'PENDING';
  createdAt: number;
  vpc: { subnetIds: string[]; securityGroupIds: string[]; vpcId?: string; endpointPublicAccess: boolean; endpointPrivateAccess: boolean; publicAccessCidrs: string[] };
  kubernetesNetworkConfig: { serviceIpv4Cidr: string; ipFamily: string };
  logging?: unknown;
  accessConfig?: { authenticationMode?: string; bootstrapClusterCreatorAdminPermissions?: boolean };
  encryptionConfig?: unknown[];
  deletionProtection?: boolean;
  tags: Record<string, string>;
  /** Where the user's Kubernetes API server is described. */
  kubeconfig: { path: string; context?: string };
  /** What Nimbus last saw of it. */
  observed: { endpoint?: string; caData?: string; version?: string; reachable: boolean; error?: string; at?: number };
  issues: Issue[];
}

export interface NodegroupDoc {
  arn: string;
  account: string;
  region: string;
  clusterArn: string;
  clusterName: string;
  name: string;
  status: 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING' | 'CREATE_FAILED' | 'DELETE_FAILED' | 'DEGRADED';
  scalingConfig: { minSize: number; maxSize: number; desiredSize: number };
  instanceTypes: string[];
  subnets: string[];
  amiType: string;
  capacityType: string;
  nodeRole: string;
  labels: Record<string, string>;
  taints: Array<{ key?: string; value?: string; effect?: string }>;
  diskSize?: number;
  launchTemplate?: unknown;
  remoteAccess?: unknown;
  updateConfig?: unknown;
  version?: string;
  tags: Record<string, string>;
  createdAt: number;
  modifiedAt: number;
  issues: Issue[];
  /** Ready nodes of the cluster counted for this nodegroup at the last check. */
  readyNodes: string[];
}

export interface FargateProfileDoc {
  arn: string;
  account: string;
  region: string;
  clusterArn: string;
  clusterName: string;
  name: string;
  status: 'CREATING' | 'ACTIVE' | 'DELETING' | 'CREATE_FAILED' | 'DELETE_FAILED';
  podExecutionRoleArn: string;
  subnets: string[];
  selectors: Array<{ namespace?: string; labels?: Record<string, string> }>;
  tags: Record<string, string>;
  createdAt: number;
}

export class EksStore {
  private s;
  constructor(db: Db) {
    this.s = {
      clusters: db.prepare('SELECT doc FROM eks_clusters'),
      putCluster: db.prepare('INSERT OR REPLACE INTO eks_clusters (arn, account, region, name, doc) VALUES (@arn, @account, @region, @name, @doc)'),
      deleteCluster: db.prepare('DELETE FROM eks_clusters WHERE arn = ?'),
      nodegroups: db.prepare('SELECT doc FROM eks_nodegroups'),
      putNodegroup: db.prepare('INSERT OR REPLACE INTO eks_nodegroups (arn, cluster_arn, name, doc) VALUES (@arn, @clusterArn, @name, @doc)'),
      deleteNodegroup: db.prepare('DELETE FROM eks_nodegroups WHERE arn = ?'),
      profiles: db.prepare('SELECT doc FROM eks_fargate_profiles'),
      putProfile: db.prepare('INSERT OR REPLACE INTO eks_fargate_profiles (arn, cluster_arn, name, doc) VALUES (@arn, @clusterArn, @name, @doc)'),
      deleteProfile: db.prepare('DELETE FROM eks_fargate_profiles WHERE arn = ?'),
    };
  }

  clusters(): EksClusterDoc[] {
    return (this.s.clusters.all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as EksClusterDoc);
  }
  putCluster(c: EksClusterDoc): void {
    this.s.putCluster.run({ arn: c.arn, account: c.account, region: c.region, name: c.name, doc: JSON.stringify(c) });
  }
  deleteCluster(arn: string): void {
    this.s.deleteCluster.run(arn);
  }
  nodegroups(): NodegroupDoc[] {
    return (this.s.nodegroups.all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as NodegroupDoc);
  }
  putNodegroup(n: NodegroupDoc): void {
    this.s.putNodegroup.run({ arn: n.arn, clusterArn: n.clusterArn, name: n.name, doc: JSON.stringify(n) });
  }
  deleteNodegroup(arn: string): void {
    this.s.deleteNodegroup.run(arn);
  }
  profiles(): FargateProfileDoc[] {
    return (this.s.profiles.all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as FargateProfileDoc);
  }
  putProfile(p: FargateProfileDoc): void {
    this.s.putProfile.run({ arn: p.arn, clusterArn: p.clusterArn, name: p.name, doc: JSON.stringify(p) });
  }
  deleteProfile(arn: string): void {
    this.s.deleteProfile.run(arn);
  }
}
