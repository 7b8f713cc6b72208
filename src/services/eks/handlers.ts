import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { RequestContext } from '../../gateway/context.ts';
import { InvalidParameterException, InvalidRequestException, ResourceInUseException, ResourceNotFoundException } from './errors.ts';
import type * as S from './generated/shapes.ts';
import type { EksState } from './state.ts';
import type { EksClusterDoc, FargateProfileDoc, NodegroupDoc } from './store.ts';

// The EKS operations: clusters, managed nodegroups, Fargate profiles and tags. Where a cluster's Kubernetes API server
// is: the `nimbus:kubeconfig` tag of CreateCluster (a kubeconfig path on the Nimbus host; `nimbus:kube-context` picks
// a context), else NIMBUS_EKS_KUBECONFIG (and NIMBUS_EKS_CONTEXT).

const NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const date = (ms: number) => new Date(ms);

export interface SubnetLookup {
  subnet(s: { account: string; region: string }, id: string): { az: string; vpcId: string } | undefined;
  securityGroupExists(s: { account: string; region: string }, id: string): boolean;
}

function tagsIn(tags: Record<string, string> | undefined): Record<string, string> {
  const t = tags ?? {};
  if (Object.keys(t).length > 50) throw new InvalidParameterException('A resource can have at most 50 tags.');
  for (const [k, v] of Object.entries(t)) if (!k || k.length > 128 || v.length > 256) throw new InvalidParameterException(`Invalid tag ${k}.`);
  return { ...t };
}

function page<T>(items: T[], max: number | undefined, token: string | undefined): { items: T[]; next?: string } {
  const n = max ?? 100;
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidParameterException('maxResults must be between 1 and 100.');
  const start = token ? Number(Buffer.from(token, 'base64url').toString()) : 0;
  if (!Number.isInteger(start) || start < 0) throw new InvalidParameterException('Invalid nextToken.');
  return { items: items.slice(start, start + n), next: start + n < items.length ? Buffer.from(String(start + n)).toString('base64url') : undefined };
}

export function clusterShape(c: EksClusterDoc): S.Cluster {
  const visibleTags = Object.fromEntries(Object.entries(c.tags));
  return {
    name: c.name, arn: c.arn, id: c.id, createdAt: date(c.createdAt), status: c.status, roleArn: c.roleArn,
    version: c.observed.version ?? c.requestedVersion, platformVersion: 'nimbus.1', endpoint: c.observed.endpoint,
    certificateAuthority: { data: c.observed.caData },
    resourcesVpcConfig: { ...c.vpc },
    kubernetesNetworkConfig: { serviceIpv4Cidr: c.kubernetesNetworkConfig.serviceIpv4Cidr, ipFamily: c.kubernetesNetworkConfig.ipFamily as S.IpFamily },
    logging: (c.logging as S.Logging | undefined) ?? { clusterLogging: [{ types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], enabled: false }] },
    identity: {}, tags: visibleTags, health: { issues: c.issues.map((i) => ({ code: i.code as S.ClusterIssueCode, message: i.message, resourceIds: i.resourceIds })) },
    accessConfig: { authenticationMode: (c.accessConfig?.authenticationMode ?? 'API_AND_CONFIG_MAP') as S.AuthenticationMode, bootstrapClusterCreatorAdminPermissions: c.accessConfig?.bootstrapClusterCreatorAdminPermissions ?? true },
    encryptionConfig: c.encryptionConfig as S.EncryptionConfig[] | undefined, deletionProtection: c.deletionProtection ?? false,
    upgradePolicy: { supportType: 'STANDARD' },
  };
}

export function nodegroupShape(n: NodegroupDoc): S.Nodegroup {
  return {
    nodegroupName: n.name, nodegroupArn: n.arn, clusterName: n.clusterName, version: n.version, createdAt: date(n.createdAt), modifiedAt: date(n.modifiedAt),
    status: n.status, capacityType: n.capacityType as S.CapacityTypes, scalingConfig: n.scalingConfig, instanceTypes: n.instanceTypes, subnets: n.subnets,
    amiType: n.amiType as S.AMITypes, nodeRole: n.nodeRole, labels: n.labels, taints: n.taints as S.Taint[], diskSize: n.diskSize,
    launchTemplate: n.launchTemplate as S.LaunchTemplateSpecification | undefined, remoteAccess: n.remoteAccess as S.RemoteAccessConfig | undefined,
    updateConfig: (n.updateConfig as S.NodegroupUpdateConfig | undefined) ?? { maxUnavailable: 1 },
    resources: { autoScalingGroups: [] }, health: { issues: n.issues.map((i) => ({ code: i.code as S.NodegroupIssueCode, message: i.message, resourceIds: i.resourceIds })) },
    tags: n.tags,
  };
}

export function profileShape(p: FargateProfileDoc): S.FargateProfile {
  return {
    fargateProfileName: p.name, fargateProfileArn: p.arn, clusterName: p.clusterName, createdAt: date(p.createdAt), podExecutionRoleArn: p.podExecutionRoleArn,
    subnets: p.subnets, selectors: p.selectors, status: p.status, tags: p.tags, health: { issues: [] },
  };
}

export function eksHandlers(st: EksState, net: SubnetLookup, defaults: { kubeconfig?: string; context?: string }) {
  const checkSubnets = (ctx: RequestContext, ids: string[] | undefined, minZones: number) => {
    if (!ids?.length) throw new InvalidParameterException('Subnets are required.');
    const zones = new Set<string>();
    let vpcId: string | undefined;
    for (const id of ids) {
      const sub = net.subnet(ctx, id);
      if (!sub) throw new InvalidParameterException(`The subnet ID '${id}' does not exist`);
      zones.add(sub.az);
      vpcId ??= sub.vpcId;
    }
    if (zones.size < minZones) throw new InvalidParameterException('Subnets specified must be in at least two different AZs');
    return vpcId;
  };
  return {
    CreateCluster(input: S.CreateClusterRequest, ctx: RequestContext): S.CreateClusterResponse {
      if (!NAME.test(input.name ?? '')) throw new InvalidParameterException('The cluster name must start with a letter or digit and contain only letters, digits, hyphens and underscores (1-100 characters).');
      if (!/^arn:aws[\w-]*:iam::\d{12}:role\/.+/.test(input.roleArn ?? '')) throw new InvalidParameterException('roleArn must be an IAM role ARN.');
      if ([...st.clusters.values()].some((c) => c.account === ctx.account && c.region === ctx.region && c.name === input.name)) {
        throw new ResourceInUseException(`Cluster already exists with name: ${input.name}`);
      }
      const tags = tagsIn(input.tags);
      const path = tags['nimbus:kubeconfig'] ?? defaults.kubeconfig;
      if (!path) {
        throw new InvalidParameterException('Nimbus does not run Kubernetes control planes: give the cluster an existing one with the tag nimbus:kubeconfig=<path of a kubeconfig on the Nimbus host> (or start Nimbus with NIMBUS_EKS_KUBECONFIG).');
      }
      if (!isAbsolute(path) || !existsSync(path)) throw new InvalidParameterException(`The kubeconfig ${path} does not exist on the Nimbus host (give an absolute path).`);
      const vpc = input.resourcesVpcConfig ?? {};
      const vpcId = checkSubnets(ctx, vpc.subnetIds, 2);
      for (const g of vpc.securityGroupIds ?? []) if (!net.securityGroupExists(ctx, g)) throw new InvalidParameterException(`The security group '${g}' does not exist`);
      if (input.version !== undefined && !/^\d+\.\d+$/.test(input.version)) throw new InvalidParameterException(`Unsupported Kubernetes version ${input.version}.`);
      const c: EksClusterDoc = {
        arn: `arn:aws:eks:${ctx.region}:${ctx.account}:cluster/${input.name}`, id: randomUUID(), account: ctx.account, region: ctx.region, name: input.name,
        roleArn: input.roleArn, requestedVersion: input.version, status: 'CREATING', createdAt: ctx.clock.now(),
        vpc: {
          subnetIds: vpc.subnetIds ?? [], securityGroupIds: vpc.securityGroupIds ?? [], vpcId, endpointPublicAccess: vpc.endpointPublicAccess ?? true,
          endpointPrivateAccess: vpc.endpointPrivateAccess ?? false, publicAccessCidrs: vpc.publicAccessCidrs ?? ['0.0.0.0/0'],
        },
        kubernetesNetworkConfig: { serviceIpv4Cidr: input.kubernetesNetworkConfig?.serviceIpv4Cidr ?? '10.100.0.0/16', ipFamily: input.kubernetesNetworkConfig?.ipFamily ?? 'ipv4' },
        logging: input.logging, accessConfig: input.accessConfig, encryptionConfig: input.encryptionConfig, deletionProtection: input.deletionProtection,
        tags, kubeconfig: { path, context: tags['nimbus:kube-context'] ?? defaults.context }, observed: { reachable: false }, issues: [],
      };
      st.saveCluster(c);
      void st.probeCluster(c).catch(() => undefined);
      return { cluster: clusterShape(c) };
    },
    DescribeCluster(input: S.DescribeClusterRequest, ctx: RequestContext): S.DescribeClusterResponse {
      return { cluster: clusterShape(st.cluster(ctx, input.name)) };
    },
    ListClusters(input: S.ListClustersRequest, ctx: RequestContext): S.ListClustersResponse {
      const names = [...st.clusters.values()].filter((c) => c.account === ctx.account && c.region === ctx.region).map((c) => c.name).sort();
      const p = page(names, input.maxResults, input.nextToken);
      return { clusters: p.items, nextToken: p.next };
    },
    DeleteCluster(input: S.DeleteClusterRequest, ctx: RequestContext): S.DeleteClusterResponse {
      const c = st.cluster(ctx, input.name);
      if (c.deletionProtection) throw new InvalidRequestException('Cannot delete cluster: deletion protection is enabled.');
      if ([...st.nodegroups.values()].some((n) => n.clusterArn === c.arn)) throw new ResourceInUseException('Cluster has nodegroups attached');
      if ([...st.profiles.values()].some((p) => p.clusterArn === c.arn)) throw new ResourceInUseException('Cluster has fargate profiles attached');
      c.status = 'DELETING';
      const shape = clusterShape(c);
      // AWS: DELETING for several minutes while the control plane goes. Here: gone right after this answer, because
      // Nimbus runs no control plane (the user's cluster is left alone).
      st.clusters.delete(c.arn);
      st.store.deleteCluster(c.arn);
      return { cluster: shape };
    },
    CreateNodegroup(input: S.CreateNodegroupRequest, ctx: RequestContext): S.CreateNodegroupResponse {
      const c = st.cluster(ctx, input.clusterName);
      if (c.status !== 'ACTIVE') throw new InvalidRequestException(`Cluster '${c.name}' is not in ACTIVE status`);
      if (!NAME.test(input.nodegroupName ?? '')) throw new InvalidParameterException('Invalid nodegroup name.');
      if ([...st.nodegroups.values()].some((n) => n.clusterArn === c.arn && n.name === input.nodegroupName)) throw new ResourceInUseException(`NodeGroup already exists with name ${input.nodegroupName} and cluster name ${c.name}`);
      if (!/^arn:aws[\w-]*:iam::\d{12}:role\/.+/.test(input.nodeRole ?? '')) throw new InvalidParameterException('nodeRole must be an IAM role ARN.');
      checkSubnets(ctx, input.subnets, 1);
      const sc = { minSize: input.scalingConfig?.minSize ?? 1, maxSize: input.scalingConfig?.maxSize ?? 2, desiredSize: input.scalingConfig?.desiredSize ?? 2 };
      if (sc.minSize < 0 || sc.maxSize < 1 || sc.minSize > sc.maxSize || sc.desiredSize < sc.minSize || sc.desiredSize > sc.maxSize) {
        throw new InvalidParameterException('scalingConfig: 0 <= minSize <= desiredSize <= maxSize and maxSize >= 1.');
      }
      const now = ctx.clock.now();
      const n: NodegroupDoc = {
        arn: `arn:aws:eks:${ctx.region}:${ctx.account}:nodegroup/${c.name}/${input.nodegroupName}/${randomUUID()}`, account: ctx.account, region: ctx.region,
        clusterArn: c.arn, clusterName: c.name, name: input.nodegroupName, status: 'CREATING', scalingConfig: sc, instanceTypes: input.instanceTypes ?? ['t3.medium'],
        subnets: input.subnets, amiType: input.amiType ?? 'AL2023_x86_64_STANDARD', capacityType: input.capacityType ?? 'ON_DEMAND', nodeRole: input.nodeRole,
        labels: input.labels ?? {}, taints: input.taints ?? [], diskSize: input.launchTemplate ? undefined : input.diskSize ?? 20, launchTemplate: input.launchTemplate,
        remoteAccess: input.remoteAccess, updateConfig: input.updateConfig, version: input.version ?? c.observed.version, tags: tagsIn(input.tags),
        createdAt: now, modifiedAt: now, issues: [], readyNodes: [],
      };
      st.saveNodegroup(n);
      void st.probeCluster(c).catch(() => undefined);
      return { nodegroup: nodegroupShape(n) };
    },
    DescribeNodegroup(input: S.DescribeNodegroupRequest, ctx: RequestContext): S.DescribeNodegroupResponse {
      return { nodegroup: nodegroupShape(st.nodegroup(st.cluster(ctx, input.clusterName), input.nodegroupName)) };
    },
    ListNodegroups(input: S.ListNodegroupsRequest, ctx: RequestContext): S.ListNodegroupsResponse {
      const c = st.cluster(ctx, input.clusterName);
      const p = page([...st.nodegroups.values()].filter((n) => n.clusterArn === c.arn).map((n) => n.name).sort(), input.maxResults, input.nextToken);
      return { nodegroups: p.items, nextToken: p.next };
    },
    UpdateNodegroupConfig(input: S.UpdateNodegroupConfigRequest, ctx: RequestContext): S.UpdateNodegroupConfigResponse {
      const c = st.cluster(ctx, input.clusterName);
      const n = st.nodegroup(c, input.nodegroupName);
      const sc = { ...n.scalingConfig, ...(input.scalingConfig ?? {}) };
      if (sc.minSize > sc.maxSize || sc.desiredSize < sc.minSize || sc.desiredSize > sc.maxSize) throw new InvalidParameterException('scalingConfig: minSize <= desiredSize <= maxSize.');
      const params: S.UpdateParam[] = [];
      if (input.scalingConfig) {
        n.scalingConfig = sc;
        params.push({ type: 'MinSize', value: String(sc.minSize) }, { type: 'MaxSize', value: String(sc.maxSize) }, { type: 'DesiredSize', value: String(sc.desiredSize) });
      }
      if (input.labels) {
        for (const k of input.labels.removeLabels ?? []) delete n.labels[k];
        Object.assign(n.labels, input.labels.addOrUpdateLabels ?? {});
        params.push({ type: 'LabelsToAdd', value: JSON.stringify(input.labels.addOrUpdateLabels ?? {}) }, { type: 'LabelsToRemove', value: JSON.stringify(input.labels.removeLabels ?? []) });
      }
      n.modifiedAt = ctx.clock.now();
      st.saveNodegroup(n);
      void st.probeCluster(c).catch(() => undefined);
      return { update: { id: randomUUID(), status: 'Successful', type: 'ConfigUpdate', params, createdAt: date(n.modifiedAt), errors: [] } };
    },
    DeleteNodegroup(input: S.DeleteNodegroupRequest, ctx: RequestContext): S.DeleteNodegroupResponse {
      const n = st.nodegroup(st.cluster(ctx, input.clusterName), input.nodegroupName);
      n.status = 'DELETING';
      const shape = nodegroupShape(n);
      st.nodegroups.delete(n.arn);
      st.store.deleteNodegroup(n.arn);
      return { nodegroup: shape };
    },
    CreateFargateProfile(input: S.CreateFargateProfileRequest, ctx: RequestContext): S.CreateFargateProfileResponse {
      const c = st.cluster(ctx, input.clusterName);
      if (c.status !== 'ACTIVE') throw new InvalidRequestException(`Cluster '${c.name}' is not in ACTIVE status`);
      if (!NAME.test(input.fargateProfileName ?? '')) throw new InvalidParameterException('Invalid Fargate profile name.');
      if ([...st.profiles.values()].some((p) => p.clusterArn === c.arn && p.name === input.fargateProfileName)) throw new ResourceInUseException(`A Fargate Profile already exists with this name: ${input.fargateProfileName}`);
      if (!/^arn:aws[\w-]*:iam::\d{12}:role\/.+/.test(input.podExecutionRoleArn ?? '')) throw new InvalidParameterException('podExecutionRoleArn must be an IAM role ARN.');
      if (!input.selectors?.length || input.selectors.length > 5 || input.selectors.some((s) => !s.namespace)) throw new InvalidParameterException('A Fargate profile needs 1 to 5 selectors, each with a namespace.');
      if (input.subnets?.length) checkSubnets(ctx, input.subnets, 1);
      const p: FargateProfileDoc = {
        arn: `arn:aws:eks:${ctx.region}:${ctx.account}:fargateprofile/${c.name}/${input.fargateProfileName}/${randomUUID()}`, account: ctx.account, region: ctx.region,
        clusterArn: c.arn, clusterName: c.name, name: input.fargateProfileName, status: 'CREATING', podExecutionRoleArn: input.podExecutionRoleArn,
        subnets: input.subnets ?? c.vpc.subnetIds, selectors: input.selectors, tags: tagsIn(input.tags), createdAt: ctx.clock.now(),
      };
      st.saveProfile(p);
      void st.probeCluster(c).catch(() => undefined);
      return { fargateProfile: profileShape(p) };
    },
    DescribeFargateProfile(input: S.DescribeFargateProfileRequest, ctx: RequestContext): S.DescribeFargateProfileResponse {
      return { fargateProfile: profileShape(st.profile(st.cluster(ctx, input.clusterName), input.fargateProfileName)) };
    },
    ListFargateProfiles(input: S.ListFargateProfilesRequest, ctx: RequestContext): S.ListFargateProfilesResponse {
      const c = st.cluster(ctx, input.clusterName);
      const p = page([...st.profiles.values()].filter((x) => x.clusterArn === c.arn).map((x) => x.name).sort(), input.maxResults, input.nextToken);
      return { fargateProfileNames: p.items, nextToken: p.next };
    },
    DeleteFargateProfile(input: S.DeleteFargateProfileRequest, ctx: RequestContext): S.DeleteFargateProfileResponse {
      const p = st.profile(st.cluster(ctx, input.clusterName), input.fargateProfileName);
      p.status = 'DELETING';
      const shape = profileShape(p);
      st.profiles.delete(p.arn);
      st.store.deleteProfile(p.arn);
      return { fargateProfile: shape };
    },
    TagResource(input: S.TagResourceRequest, ctx: RequestContext): S.TagResourceResponse {
      const r = resource(st, ctx, input.resourceArn);
      r.doc.tags = tagsIn({ ...r.doc.tags, ...input.tags });
      r.save();
      return {};
    },
    UntagResource(input: S.UntagResourceRequest, ctx: RequestContext): S.UntagResourceResponse {
      const r = resource(st, ctx, input.resourceArn);
      for (const k of input.tagKeys ?? []) delete r.doc.tags[k];
      r.save();
      return {};
    },
    ListTagsForResource(input: S.ListTagsForResourceRequest, ctx: RequestContext): S.ListTagsForResourceResponse {
      return { tags: { ...resource(st, ctx, input.resourceArn).doc.tags } };
    },
  };
}

function resource(st: EksState, ctx: RequestContext, arn: string): { doc: { tags: Record<string, string>; account: string }; save: () => void } {
  const c = st.clusters.get(arn);
  if (c && c.account === ctx.account) return { doc: c, save: () => st.saveCluster(c) };
  const n = st.nodegroups.get(arn);
  if (n && n.account === ctx.account) return { doc: n, save: () => st.saveNodegroup(n) };
  const p = st.profiles.get(arn);
  if (p && p.account === ctx.account) return { doc: p, save: () => st.saveProfile(p) };
  if (!/^arn:aws[\w-]*:eks:/.test(arn)) throw new InvalidParameterException(`Invalid resource ARN: ${arn}`);
  throw new ResourceNotFoundException(`Resource not found: ${arn}`);
}
